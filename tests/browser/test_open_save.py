"""Opening a notebook in JupyterLab leaves it clean, and saving it (Ctrl+S) changes no byte.

So a student who opens, reads and saves a chapter sees nothing in ``git status``. The server (the
``lab`` fixture) works on its own copy of ``notebooks/``; after each save the file in that copy is
compared byte for byte with the committed one. A notebook not in normal form (as committed before
tools/nbnormal.py existed) is opened too, as the control: it must be caught.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import CLOSE_JS, NOTEBOOKS, OPEN_JS, READY_JS, ROOT, Lab, notebook_id

pytestmark = pytest.mark.browser

STATE_JS = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  return {dirty: w.context.model.dirty, saved: w.context.contentsModel.last_modified,
          kernelspec: w.context.model.getMetadata('kernelspec')};
}"""


def open_save(page, name: str) -> dict:
    """Open ``name``, wait for its kernel, note whether it is dirty, press Ctrl+S, wait for the save."""
    page.evaluate(OPEN_JS, name)
    page.wait_for_function(READY_JS, arg=name, timeout=60_000)
    page.wait_for_timeout(1000)  # kernel info arrives: JupyterLab updates kernelspec/language_info now
    opened = page.evaluate(STATE_JS)
    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook").first.click(position={"x": 5, "y": 5})
    page.keyboard.press("Control+s")
    page.wait_for_function(
        "(before) => { const w = window.jupyterapp.shell.currentWidget;"
        " return w.context.contentsModel.last_modified !== before && !w.context.model.dirty; }",
        arg=opened["saved"],
        timeout=30_000,
    )
    return opened


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=notebook_id)
def test_open_and_save_changes_nothing(notebook: Path, lab: Lab, lab_page) -> None:
    saved = lab.workdir / notebook.name
    mtime = saved.stat().st_mtime_ns
    try:
        opened = open_save(lab_page, notebook.name)
    finally:
        lab_page.evaluate(CLOSE_JS)
    assert saved.stat().st_mtime_ns != mtime, "Ctrl+S did not write the file"
    assert opened["dirty"] is False, f"JupyterLab marks {notebook.name} modified on open (kernelspec {opened['kernelspec']})"
    committed = notebook.read_bytes()
    if saved.read_bytes() != committed:
        before, after = json.loads(committed), json.loads(saved.read_bytes())
        changed = sorted(k for k in before["metadata"].keys() | after["metadata"].keys() if before["metadata"].get(k) != after["metadata"].get(k))
        cells = [i for i, (a, b) in enumerate(zip(before["cells"], after["cells"])) if a != b]
        pytest.fail(f"saving {notebook.name} in JupyterLab changed it: notebook metadata {changed}, cells {cells[:10]} "
                    "(run `make chrome` to normalize; see tools/nbnormal.py)")  # fmt: skip


def test_a_notebook_not_in_normal_form_is_caught(lab: Lab, lab_page) -> None:
    """The control: the index as nbconvert used to leave it (display name "Python 3", a timestamp)."""
    nb = json.loads((ROOT / "notebooks" / "00_index.ipynb").read_text(encoding="utf-8"))
    nb["metadata"]["kernelspec"]["display_name"] = "Python 3"
    code = next(c for c in nb["cells"] if c["cell_type"] == "code")
    code["metadata"]["execution"] = {"iopub.status.busy": "2026-11-22T07:20:30.730147Z"}
    path = lab.workdir / "zz_not_normal.ipynb"
    text = json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    path.write_text(text, encoding="utf-8")
    try:
        opened = open_save(lab_page, path.name)
    finally:
        lab_page.evaluate(CLOSE_JS)
    assert opened["dirty"] is True  # JupyterLab rewrote the kernelspec's display name
    after = json.loads(path.read_text(encoding="utf-8"))
    assert after["metadata"]["kernelspec"]["display_name"] == "Python 3 (ipykernel)"
    assert path.read_text(encoding="utf-8") != text
