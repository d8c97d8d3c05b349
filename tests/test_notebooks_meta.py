"""Every course notebook is committed in the shape the course promises.

Checked on the saved JSON (nothing is executed here; nbval re-runs the notebooks):
kernelspec ``python3``; slide metadata on every cell; a title slide, "What you will learn",
a Summary, Exercises with folded solutions; the setup cell first; chrome current; no SVG
outputs; no stored errors; executed top-to-bottom in one kernel.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SLIDE_TYPES = {"slide", "subslide", "fragment", "-", "skip", "notes"}
CHROME_TAGS = {"chrome-header", "chrome-footer"}


def chrome_tool():
    from tools import chrome

    return chrome


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def tags(cell: dict) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def body(nb: dict) -> list[dict]:
    """The cells between the chrome header and footer."""
    return [c for c in nb["cells"] if not tags(c) & CHROME_TAGS]


def headings(nb: dict) -> list[tuple[int, str]]:
    """(index in body, heading text) of every markdown heading line."""
    return [
        (i, m.group(1).strip())
        for i, c in enumerate(body(nb))
        if c["cell_type"] == "markdown"
        for m in re.finditer(r"^#{1,6}\s+(.+)$", source(c), re.M)
    ]


def find_heading(nb: dict, pattern: str) -> int | None:
    """Body index of the first heading containing ``pattern`` (numbering like "8 · Exercises" allowed)."""
    return next((i for i, text in headings(nb) if re.search(pattern, text, re.I)), None)


def has_folded_solution(cell: dict) -> bool:
    if cell["cell_type"] == "markdown":
        return bool(re.search(r"<details\b", source(cell), re.I))
    return cell["cell_type"] == "code" and bool(cell.get("metadata", {}).get("jupyter", {}).get("source_hidden"))


def long_definitions(code: str, limit: int = 3) -> list[tuple[str, int]]:
    """(name, lines) of every function or class a code cell defines in more than ``limit`` lines."""
    import ast

    tree = ast.parse("\n".join(line for line in code.splitlines() if not line.lstrip().startswith(("%", "!"))))
    return [(node.name, node.end_lineno - node.lineno + 1) for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            and node.end_lineno - node.lineno + 1 > limit]


ids = [p.stem for p in NOTEBOOKS]
each = pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)


def test_there_are_notebooks() -> None:
    assert NOTEBOOKS, "no notebooks/NN_*.ipynb found"
    assert NOTEBOOKS[0].name == "00_index.ipynb"


@each
def test_valid_nbformat_and_python3_kernel(path: Path) -> None:
    nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)
    nbformat.validate(nb)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3", nb.metadata.get("kernelspec")


@each
def test_every_cell_has_slide_metadata(path: Path) -> None:
    missing = [
        (i, source(c)[:40])
        for i, c in enumerate(load(path)["cells"])
        if c.get("metadata", {}).get("slideshow", {}).get("slide_type") not in SLIDE_TYPES
    ]
    assert missing == [], f"cells without metadata.slideshow.slide_type in {sorted(SLIDE_TYPES)}: {missing}"


@each
def test_title_slide(path: Path) -> None:
    first = body(load(path))[0]
    assert first["cell_type"] == "markdown" and re.match(r"#\s+\S", source(first)), "first cell must be a '# Title'"
    assert first["metadata"]["slideshow"]["slide_type"] == "slide", "the title cell must open a slide"


@each
def test_what_you_will_learn_summary_and_exercises(path: Path) -> None:
    nb = load(path)
    assert find_heading(nb, r"\bwhat you will learn\b") is not None, "no 'What you will learn' heading"
    assert find_heading(nb, r"\bsummary\b") is not None, "no 'Summary' heading"
    exercises = find_heading(nb, r"\bexercises?\b")
    assert exercises is not None, "no 'Exercises' heading"
    after = body(nb)[exercises:]
    assert any(has_folded_solution(c) for c in after), (
        "exercises need solutions folded away: <details><summary>Solution</summary>…</details> "
        "or a code cell with metadata.jupyter.source_hidden"
    )


@each
def test_setup_cell_first(path: Path) -> None:
    code = [c for c in load(path)["cells"] if c["cell_type"] == "code"]
    assert code, "no code cells"
    first = code[0]
    assert "import convlib" in source(first) and "convlib.setup()" in source(first), source(first)
    assert first["metadata"]["slideshow"]["slide_type"] == "skip", "the setup cell is skipped in slides"


@each
def test_chrome_current(path: Path) -> None:
    stale = chrome_tool().stale_notebooks(ROOT, only=[path.name])
    assert stale == {}, f"{stale}: run `make chrome`"


def _outputs(nb: dict):
    for i, c in enumerate(nb["cells"]):
        for out in c.get("outputs", []):
            yield i, c, out


@each
def test_no_svg_outputs(path: Path) -> None:
    nb = load(path)
    svg = [i for i, _, out in _outputs(nb) if "image/svg+xml" in out.get("data", {})]
    assert svg == [], f"SVG outputs (nbval compares their changing ids; use PNG) in cells {svg}"
    widgets = json.dumps(nb.get("metadata", {}).get("widgets", {}))
    assert "image/svg+xml" not in widgets, "SVG inside saved widget state"


@each
def test_no_stored_errors(path: Path) -> None:
    errors = [
        (i, out.get("ename"), out.get("evalue"))
        for i, c, out in _outputs(load(path))
        if out.get("output_type") == "error" and "raises-exception" not in tags(c)
    ]
    assert errors == [], f"stored errors: {errors}"


@each
def test_executed_top_to_bottom(path: Path) -> None:
    counts = [
        c.get("execution_count")
        for c in load(path)["cells"]
        if c["cell_type"] == "code" and source(c).strip()
    ]
    assert counts == list(range(1, len(counts) + 1)), (
        f"execution counts {counts}: re-run in one fresh kernel "
        "(jupyter nbconvert --to notebook --execute --inplace)"
    )


# --- the checks themselves can fail ------------------------------------------------------------


def _nb(*cells: dict) -> dict:
    return {"cells": list(cells), "metadata": {}}


def _md(text: str, **meta) -> dict:
    return {"cell_type": "markdown", "source": text, "metadata": meta}


@each
def test_no_helper_longer_than_three_lines(path: Path) -> None:
    """Notebooks call convlib; a helper longer than three lines belongs in the package (convlib.oracle, ...)."""
    nb = load(path)
    found = {i: long_definitions(source(c)) for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"}
    assert not {i: f for i, f in found.items() if f}, f"{path.name}: cells defining long helpers"


def test_long_definitions_finds_defs_and_classes() -> None:
    code = "def f(x):\n    return x\n\nclass A:\n    a = 1\n    b = 2\n    c = 3\n\ndef g():\n    y = 1\n    z = 2\n    return y + z\n"
    assert long_definitions(code) == [("A", 4), ("g", 4)]


def test_helpers_on_hand_made_notebooks() -> None:
    nb = _nb(
        _md("badge", tags=["chrome-header"]),
        _md("# Title"),
        _md("## What you will learn\n- x"),
        _md("## 8 · Exercises\n1. q"),
        {"cell_type": "code", "source": "print(1)", "metadata": {"jupyter": {"source_hidden": True}}},
        _md("### Summary"),
        _md("footer", tags=["chrome-footer"]),
    )
    assert source(body(nb)[0]) == "# Title"
    assert find_heading(nb, r"\bwhat you will learn\b") == 1
    assert find_heading(nb, r"\bsummary\b") == 4
    assert find_heading(nb, r"\bexercises?\b") == 2
    assert [has_folded_solution(c) for c in body(nb)] == [False, False, False, True, False]
    assert has_folded_solution(_md("<details><summary>Solution</summary>42</details>"))
    assert find_heading(_nb(_md("Summary without a heading")), r"\bsummary\b") is None


@each
def test_folded_solutions_hide_their_answers(path: Path) -> None:
    """A solution cell whose code is folded away folds its output (the answer) away too."""
    nb = load(path)
    shown = [
        i for i, c in enumerate(nb["cells"])
        if c["cell_type"] == "code"
        and c.get("metadata", {}).get("jupyter", {}).get("source_hidden")
        and not c["metadata"]["jupyter"].get("outputs_hidden")
    ]
    assert shown == [], f"cells {shown} hide their code but show their answer: set metadata.jupyter.outputs_hidden"
