"""Notebooks are committed in normal form, and re-executing an unchanged notebook changes no byte.

Normal form (``tools/nbnormal.py``) is what JupyterLab writes on save (the browser test
``tests/browser/test_open_save.py`` opens, saves and diffs every notebook), with nothing that changes
from run to run: no execution timestamps, stream outputs merged, widget model ids deterministic.
"""

from __future__ import annotations

import copy
import json
import sys
import uuid
from pathlib import Path

import nbformat
import pytest

from tool_loader import load_tool

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))



nbnormal = load_tool("nbnormal")
course = load_tool("course")
STATE = nbnormal.WIDGET_STATE
VIEW = nbnormal.WIDGET_VIEW


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_committed_notebook_is_in_normal_form(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert nbnormal.normal_text(text) == text, f"run `make chrome` (or python tools/nbnormal.py {path.relative_to(ROOT)})"


def test_check_mode_reports_and_writes_nothing(tmp_path: Path, capsys) -> None:
    path = tmp_path / "01_x.ipynb"
    path.write_text(json.dumps(_widget_notebook(), indent=2), encoding="utf-8")
    before = path.read_bytes()
    assert nbnormal.main(["--check", str(path)]) == 1 and str(path) in capsys.readouterr().out
    assert path.read_bytes() == before
    assert nbnormal.main([str(path)]) == 0
    assert nbnormal.main(["--check", str(path)]) == 0


# --- the normal form on a hand-made notebook ----------------------------------------------------------


def _ids() -> list[str]:
    return [uuid.uuid4().hex for _ in range(6)]


def _widget_notebook(ids: list[str] | None = None) -> dict:
    """A VBox(slider, output) shown in a cell, its layouts and styles, and a model never displayed."""
    box, slider, out, layout, style, orphan = ids or _ids()
    ref = "IPY_MODEL_{}".format
    state = {
        box: {"model_name": "VBoxModel", "model_module": "@jupyter-widgets/controls", "model_module_version": "2.0.0",
              "state": {"children": [ref(slider), ref(out)], "layout": ref(layout)}},
        slider: {"model_name": "IntSliderModel", "model_module": "@jupyter-widgets/controls", "model_module_version": "2.0.0",
                 "state": {"value": 3, "layout": ref(layout), "style": ref(style)}},
        out: {"model_name": "OutputModel", "model_module": "@jupyter-widgets/output", "model_module_version": "1.0.0",
              "state": {"layout": ref(layout), "outputs": [{"output_type": "display_data", "metadata": {},
                        "data": {"text/plain": "inner", VIEW: {"model_id": slider, "version_major": 2, "version_minor": 0}}}]}},
        layout: {"model_name": "LayoutModel", "model_module": "@jupyter-widgets/base", "model_module_version": "2.0.0", "state": {}},
        style: {"model_name": "SliderStyleModel", "model_module": "@jupyter-widgets/controls", "model_module_version": "2.0.0", "state": {}},
        orphan: {"model_name": "LayoutModel", "model_module": "@jupyter-widgets/base", "model_module_version": "2.0.0", "state": {"width": "1px"}},
    }  # fmt: skip
    stream = {"output_type": "stream", "name": "stdout"}
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python", "version": "3.11.7"},
            "widgets": {STATE: {"state": state, "version_major": 2, "version_minor": 0}},
        },
        "cells": [
            {"cell_type": "code", "id": "c1", "execution_count": 1, "source": "print('a')\nprint('b')",
             "metadata": {"execution": {"iopub.status.busy": "2026-11-22T07:20:30.730147Z"}, "tags": ["x"]},
             "outputs": [{**stream, "text": "a\n"}, {**stream, "text": ["b\n"]},
                         {"output_type": "display_data", "metadata": {}, "data": {"text/plain": "fig"}},
                         {**stream, "text": "c\n"}, {**stream, "name": "stderr", "text": "warn\n"}]},
            {"cell_type": "code", "id": "c2", "execution_count": 2, "source": "box",
             "metadata": {"jupyter": {"source_hidden": True, "outputs_hidden": True}},
             "outputs": [{"output_type": "display_data", "metadata": {},
                          "data": {"text/plain": "VBox(...)", VIEW: {"model_id": box, "version_major": 2, "version_minor": 0}}}]},
            {"cell_type": "markdown", "id": "m1", "source": "# Title", "metadata": {}},
        ],
    }  # fmt: skip


def _all_refs_resolve(nb: dict) -> None:
    state = nb["metadata"]["widgets"][STATE]["state"]
    text = json.dumps(nb)
    for mid in state:
        assert len(mid) == 32 and int(mid, 16) >= 0
    refs = [r for r in nbnormal._refs(state, state)] + list(nbnormal._view_ids(nb, state))
    assert refs and all(r in state for r in refs)
    dangling = [t.split('"')[0] for t in text.split("IPY_MODEL_")[1:] if t.split('"')[0] not in state]
    assert dangling == []


def test_normalize_hand_made_notebook() -> None:
    nb = _widget_notebook()
    new = nbnormal.normalize(nb)
    assert nb == _widget_notebook(list(nb["metadata"]["widgets"][STATE]["state"]))  # input untouched
    assert new["metadata"]["kernelspec"] == {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    c1, c2, md = new["cells"]
    assert "execution" not in c1["metadata"] and c1["metadata"]["tags"] == ["x"]
    assert [(o["output_type"], o.get("name"), o.get("text")) for o in c1["outputs"]] == [
        ("stream", "stdout", "a\nb\n"), ("display_data", None, None), ("stream", "stdout", "c\n"), ("stream", "stderr", "warn\n"),
    ]  # consecutive stdout merged; order across the figure kept
    assert c2["metadata"] == {"collapsed": True, "jupyter": {"source_hidden": True, "outputs_hidden": True}}
    assert md == nb["cells"][2]
    # widget ids: deterministic, the shown box first, every reference renamed consistently
    state = new["metadata"]["widgets"][STATE]["state"]
    assert c2["outputs"][0]["data"][VIEW]["model_id"] == nbnormal.widget_id(0)
    assert state[nbnormal.widget_id(0)]["model_name"] == "VBoxModel"
    assert sorted(state) == sorted(nbnormal.widget_id(i) for i in range(6))
    _all_refs_resolve(new)
    nbformat.validate(nbformat.from_dict(new))
    # idempotent, and independent of the random ids it started from
    assert nbnormal.normalize(new) == new
    assert nbnormal.normalize(_widget_notebook(_ids())) == new
    assert nbnormal.normal_text(json.dumps(nb)) == nbnormal.dumps(new)


def test_orphans_are_ordered_by_content_not_id() -> None:
    """Models no output reaches are numbered by their content: which random id sorts first does not matter."""
    versions = []
    for extra_id in ("0" * 32, "f" * 32):  # the second orphan's id sorts before, then after, the first's
        nb = _widget_notebook()
        extra = {"model_name": "LayoutModel", "model_module": "@jupyter-widgets/base", "model_module_version": "2.0.0",
                 "state": {"width": "2px"}}  # fmt: skip
        nb["metadata"]["widgets"][STATE]["state"][extra_id] = extra
        versions.append(nbnormal.normalize(nb))
    assert versions[0] == versions[1]


def test_layout_is_what_jupyter_server_writes(tmp_path: Path) -> None:
    nb = nbnormal.normalize(_widget_notebook())
    path = tmp_path / "x.ipynb"
    nbformat.write(nbformat.from_dict(nb), path)  # jupyter_server saves with nbformat.write
    assert path.read_text(encoding="utf-8") == nbnormal.dumps(nb)
    assert nbnormal.dumps(nb).endswith("}\n") and '"display_name": "Python 3 (ipykernel)"' in nbnormal.dumps(nb)


# --- re-executing changes nothing -----------------------------------------------------------------------

SOURCES = [
    "import sys, time\nimport ipywidgets as w\nimport matplotlib\nmatplotlib.use('module://matplotlib_inline.backend_inline')\n"
    "import matplotlib.pyplot as plt\nfrom matplotlib_inline.backend_inline import set_matplotlib_formats\nset_matplotlib_formats('png')",
    "for i in range(40):\n    print('line', i, flush=True)\n    time.sleep(0.002)",  # several stream messages
    "plt.plot([0, 1, 4]);\nplt.show()",
    "out = w.Output()\nbox = w.VBox([w.IntSlider(3, description='k'), out])\nwith out:\n    print('inside')\nbox",
    "# NBVAL_IGNORE_OUTPUT\n# a measured time: differs on every run\nprint(time.perf_counter())",
]


def _course_notebook(path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(src) for src in SOURCES]
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i}"
    nbformat.write(nb, path)


def test_execute_twice_changes_no_byte(tmp_path: Path) -> None:
    """`make execute`'s own steps (nbconvert, then the normalizer) on widgets, streams, a figure and a timing."""
    path = tmp_path / "01_demo.ipynb"
    _course_notebook(path)
    venv = course.Venv(Path(sys.prefix))
    assert venv.python.exists()
    assert course.execute(venv, [path]) == 0
    first = path.read_bytes()
    nb = json.loads(first)
    assert nbnormal.normal_text(first.decode()) == first.decode()
    assert nb["metadata"]["widgets"][STATE]["state"], "the widgets' state was saved"
    assert all("execution" not in c["metadata"] for c in nb["cells"])
    assert [o["output_type"] for o in nb["cells"][1]["outputs"]] == ["stream"]
    _all_refs_resolve(nb)
    assert course.execute(venv, [path]) == 0
    assert path.read_bytes() == first  # the timing cell changed; nbval ignores it, so the file is kept


def test_same_but_uncompared() -> None:
    a = {"cells": [{"cell_type": "code", "source": "# NBVAL_IGNORE_OUTPUT\nt()", "outputs": [1]},
                   {"cell_type": "code", "source": "x", "outputs": [2], "metadata": {"tags": ["nbval-skip"]}},
                   {"cell_type": "code", "source": "y", "outputs": [3]}]}  # fmt: skip
    b = copy.deepcopy(a)
    b["cells"][0]["outputs"] = [9]
    b["cells"][1]["outputs"] = [9]
    assert course.same_but_uncompared(a, b)
    b["cells"][2]["outputs"] = [9]
    assert not course.same_but_uncompared(a, b)
    c = copy.deepcopy(a)
    c["cells"][0]["source"] = "# NBVAL_IGNORE_OUTPUT\nt2()"
    assert not course.same_but_uncompared(a, c)
