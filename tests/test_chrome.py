"""The notebook chrome (Binder badge, prev/next links) is current, and tools/chrome.py works.

``test_chrome_is_current`` makes ``make test`` fail whenever a notebook's chrome is stale;
the other tests run the tool on temporary notebooks.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
TOOL = ROOT / "tools" / "chrome.py"


from tools import chrome  # noqa: E402


@dataclass
class Result:
    returncode: int
    stdout: str


def run_tool(root: Path, *args: str) -> Result:
    """``python tools/chrome.py --root ROOT ARGS``, in-process (fast)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = chrome.main(["--root", str(root), *args])
    return Result(code, out.getvalue())


def test_chrome_is_current() -> None:
    """Run `make chrome` (python tools/chrome.py) when this fails."""
    result = run_tool(ROOT, "--check")
    assert result.returncode == 0, result.stdout


def test_command_line_exit_status(tmp_path: Path) -> None:
    (tmp_path / "notebooks").mkdir()
    nbformat.write(_notebook("Only"), tmp_path / "notebooks" / "00_index.ipynb")
    cmd = [sys.executable, str(TOOL), "--root", str(tmp_path)]
    stale = subprocess.run([*cmd, "--check"], capture_output=True, text=True, check=False)
    assert stale.returncode == 1 and "00_index.ipynb" in stale.stdout
    assert subprocess.run(cmd, capture_output=True, check=False).returncode == 0
    assert subprocess.run([*cmd, "--check"], capture_output=True, check=False).returncode == 0


# --- the tool on a temporary course ---------------------------------------------------------------


def _notebook(title: str, n_code: int = 2) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {title}\n\nIntro.")]
    for i in range(n_code):
        cell = nbformat.v4.new_code_cell(f"x = {i}")
        cell.execution_count = i + 1
        nb.cells.append(cell)
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i}"
        cell.metadata["slideshow"] = {"slide_type": "slide" if i == 0 else "-"}
    return nb


@pytest.fixture
def course(tmp_path: Path) -> Path:
    (tmp_path / "notebooks").mkdir()
    for name, title in [
        ("00_index.ipynb", "Course index"),
        ("01_convolution.ipynb", "Convolution"),
        ("02_dilated_convolution.ipynb", "Dilated convolution"),
    ]:
        nbformat.write(_notebook(title), tmp_path / "notebooks" / name)
    (tmp_path / "notebooks" / "scratch.ipynb").write_text("not a course notebook")  # ignored: no NN_ prefix
    (tmp_path / "README.md").write_text("# The course\n\nText.\n", encoding="utf-8")
    return tmp_path


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _src(cell: dict) -> str:
    return "".join(cell["source"])


def test_check_reports_stale_and_writes_nothing(course: Path) -> None:
    before = {p: p.read_bytes() for p in course.rglob("*") if p.is_file()}
    result = run_tool(course, "--check")
    assert result.returncode == 1
    for name in ("00_index.ipynb", "01_convolution.ipynb", "02_dilated_convolution.ipynb", "README.md"):
        assert name in result.stdout
    assert "scratch" not in result.stdout
    assert {p: p.read_bytes() for p in course.rglob("*") if p.is_file()} == before


def test_write_then_check_passes_and_is_idempotent(course: Path) -> None:
    assert run_tool(course).returncode == 0
    snapshot = {p: p.read_bytes() for p in course.rglob("*") if p.is_file()}
    assert run_tool(course, "--check").returncode == 0
    second = run_tool(course)
    assert second.returncode == 0 and "0 file(s) updated" in second.stdout
    assert {p: p.read_bytes() for p in course.rglob("*") if p.is_file()} == snapshot


def test_header_and_footer_cells(course: Path) -> None:
    run_tool(course)
    nb_path = course / "notebooks" / "01_convolution.ipynb"
    cells = _cells(nb_path)
    header, footer = cells[0], cells[-1]
    assert header["cell_type"] == footer["cell_type"] == "markdown"
    assert header["metadata"]["tags"] == ["chrome-header"] and footer["metadata"]["tags"] == ["chrome-footer"]
    assert header["metadata"]["slideshow"] == footer["metadata"]["slideshow"] == {"slide_type": "skip"}
    # the body is untouched, in order
    assert [_src(c) for c in cells[1:-1]] == [_src(c) for c in _notebook("Convolution").cells]
    assert [c.get("execution_count") for c in cells if c["cell_type"] == "code"] == [1, 2]
    # the badge opens THIS notebook in JupyterLab on Binder
    badge_url = _src(header).split("](")[2].split(")")[0]
    parts = urlsplit(badge_url)
    assert (parts.scheme, parts.netloc) == ("https", "mybinder.org")
    assert parts.path == f"/v2/gh/{chrome.REPOSITORY}/{chrome.BRANCH}"
    assert parse_qs(parts.query) == {"labpath": ["notebooks/01_convolution.ipynb"]}
    # prev/next by file order, labelled with the neighbours' titles
    for cell in (header, footer):
        assert "[← Course index](00_index.ipynb)" in _src(cell)
        assert "[Dilated convolution →](02_dilated_convolution.ipynb)" in _src(cell)
    first, last = _cells(course / "notebooks" / "00_index.ipynb"), _cells(course / "notebooks" / "02_dilated_convolution.ipynb")
    assert "←" not in _src(first[0]) and "→" in _src(first[0])
    assert "→" not in _src(last[-1]) and "[Contents](00_index.ipynb)" in _src(last[-1])
    # valid, and laid out byte for byte as nbformat (and so nbconvert --inplace) writes it
    text = nb_path.read_text(encoding="utf-8")
    nb = nbformat.reads(text, as_version=nbformat.NO_CONVERT)
    nbformat.validate(nb)
    assert nbformat.writes(nb) + "\n" == text


def test_readme_badge_between_markers(course: Path) -> None:
    run_tool(course)
    text = (course / "README.md").read_text(encoding="utf-8")
    assert text.startswith("# The course\n")
    start, end = text.index("<!-- chrome:binder:start"), text.index(chrome.README_END)
    assert chrome.binder_url("00_index.ipynb") in text[start:end]
    assert text.count("chrome:binder:start") == 1 and text.endswith("Text.\n")
    # an edited badge is repaired in place, text around it kept
    (course / "README.md").write_text(text.replace("/main?", "/old?") + "More.\n", encoding="utf-8")
    assert run_tool(course, "--check").returncode == 1
    run_tool(course)
    assert (course / "README.md").read_text(encoding="utf-8") == text + "More.\n"


@pytest.mark.parametrize(
    "edit",
    ["retitle_neighbour", "hand_edit_header", "drop_footer", "move_header", "new_notebook", "duplicate_chrome"],
)
def test_stale_chrome_is_detected_and_repaired(course: Path, edit: str) -> None:
    run_tool(course)
    nbdir = course / "notebooks"
    target = nbdir / "01_convolution.ipynb"
    nb = nbformat.read(target, as_version=4)
    if edit == "retitle_neighbour":  # 01's links name 02's title
        other = nbformat.read(nbdir / "02_dilated_convolution.ipynb", as_version=4)
        other.cells[1].source = "# Atrous convolution\n\nIntro."
        nbformat.write(other, nbdir / "02_dilated_convolution.ipynb")
    elif edit == "hand_edit_header":
        nb.cells[0].source += " extra"
    elif edit == "drop_footer":
        nb.cells.pop()
    elif edit == "move_header":
        nb.cells.insert(2, nb.cells.pop(0))
    elif edit == "duplicate_chrome":
        nb.cells.insert(2, nbformat.from_dict({**nb.cells[-1], "id": "copy-of-footer"}))
    elif edit == "new_notebook":  # sorts right after 01_convolution: 01's "next" link must follow
        nbformat.write(_notebook("Padding"), nbdir / "01_padding.ipynb")
    if edit not in {"retitle_neighbour", "new_notebook"}:
        nbformat.write(nb, target)
    check = run_tool(course, "--check")
    assert check.returncode == 1 and "01_convolution.ipynb" in check.stdout
    assert run_tool(course).returncode == 0
    assert run_tool(course, "--check").returncode == 0
    cells = _cells(target)
    assert [chrome.is_chrome(c) for c in cells].count(True) == 2
    assert chrome.is_chrome(cells[0]) and chrome.is_chrome(cells[-1])
    assert _src(cells[1]).startswith("# Convolution")
    if edit == "retitle_neighbour":
        assert "[Atrous convolution →](02_dilated_convolution.ipynb)" in _src(cells[0])
    if edit == "new_notebook":
        assert "[Padding →](01_padding.ipynb)" in _src(cells[0])


def test_binder_url_for_a_fork() -> None:
    url = chrome.binder_url("05_x.ipynb", repository="someone/convlib-fork", branch="teaching/2027")
    assert url == "https://mybinder.org/v2/gh/someone/convlib-fork/teaching%2F2027?labpath=notebooks%2F05_x.ipynb"
    with pytest.raises(ValueError, match="repository='no-slash'"):
        chrome.binder_url("x.ipynb", repository="no-slash")
    with pytest.raises(ValueError, match="branch=''"):
        chrome.binder_url("x.ipynb", branch="")


def test_single_source_of_truth() -> None:
    """The slug and branch are written once, in tools/chrome.py, and nowhere else in tools/."""
    text = TOOL.read_text(encoding="utf-8")
    assert text.count(f'"{chrome.REPOSITORY}"') == 1 and text.count('REPOSITORY = "') == 1
    tools = ROOT / "tools"
    for other in [*tools.glob("*.py"), *tools.glob("*/*.py")]:  # not into tools/slides/node_modules
        if other != TOOL:
            assert chrome.REPOSITORY not in other.read_text(encoding="utf-8"), other
