"""JupyterLab opens each notebook, runs all cells, and no cell shows an error; an explorer's slider works.

One JupyterLab server (the ``lab`` fixture in conftest.py: 127.0.0.1, random port, token, temporary
config/runtime/settings/workspace folders) and one page serve every notebook. The server works on a
COPY of ``notebooks/`` so running cells never touches the committed notebooks (autosave is off too).
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from .conftest import CLOSE_JS, CURRENT_PATH_JS, NOTEBOOKS, OPEN_JS, READY_JS, Lab, notebook_id, notebook_json

pytestmark = pytest.mark.browser

PREFERRED_EXPLORER = "04_gridding_effect.ipynb"
SLIDER_MODELS = {"IntSliderModel", "FloatSliderModel", "FloatLogSliderModel", "SelectionSliderModel"}
RUN_TIMEOUT_MS = 180_000
RUN_ALL_JS = """async () => {
  const app = window.jupyterapp;
  await app.commands.execute('notebook:clear-all-cell-outputs');
  window.__convlibRun = null;
  app.commands.execute('runmenu:run-all').then(
    ok => { window.__convlibRun = {ok: ok}; },
    err => { window.__convlibRun = {ok: false, error: String(err)}; });
}"""

REPORT_JS = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  const cells = w.content.model.cells;
  const errors = [], notRun = [];
  for (let i = 0; i < cells.length; i++) {
    const c = cells.get(i);
    if (c.type !== 'code') continue;
    const tags = c.getMetadata('tags') || [];
    for (const o of c.outputs.toJSON()) {
      if (o.output_type === 'error' && !tags.includes('raises-exception'))
        errors.push({cell: i, ename: o.ename, evalue: o.evalue});
    }
    if (c.sharedModel.getSource().trim() && c.executionCount === null) notRun.push(i);
  }
  const shown = [...w.node.querySelectorAll('.jp-OutputArea-output')].filter(
    el => /Traceback|Error:/.test(el.textContent) &&
          el.getAttribute('data-mime-type') === 'application/vnd.jupyter.stderr').length;
  return {run: window.__convlibRun, errors, notRun, shownErrors: shown, cells: cells.length};
}"""

def open_and_run(page, name: str) -> dict:
    """Open ``name`` in JupyterLab, wait for an idle "Python 3" kernel, run all cells, report."""
    page.evaluate(OPEN_JS, name)
    page.wait_for_function(READY_JS, arg=name, timeout=60_000)
    page.evaluate(RUN_ALL_JS)
    page.wait_for_function("() => window.__convlibRun !== null", timeout=RUN_TIMEOUT_MS, polling=250)
    page.wait_for_function(READY_JS, arg=name, timeout=30_000)  # kernel idle again
    return page.evaluate(REPORT_JS)


def check_report(report: dict) -> None:
    assert report["errors"] == [], f"cells raised errors: {report['errors']}"
    assert report["shownErrors"] == 0, "a traceback is shown in the notebook"
    assert report["run"]["ok"] is True, f"run-all did not finish cleanly: {report['run']}"
    assert report["notRun"] == [], f"cells left unexecuted: {report['notRun']}"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=notebook_id)
def test_notebook_runs_in_jupyterlab(notebook: Path, lab: Lab, lab_page, artifacts: Path) -> None:
    keep_open = False
    try:
        report = open_and_run(lab_page, notebook.name)
        lab_page.screenshot(path=str(artifacts / f"lab_{notebook.stem}.png"))
        check_report(report)
        # the explorer test (next) drives this notebook's slider without running it again
        keep_open = notebook == explorer_notebook()
    finally:
        if not keep_open:
            lab_page.evaluate(CLOSE_JS)


@functools.cache
def explorer_notebook() -> Path | None:
    """The notebook whose explorer we drive: 04_gridding_effect if it has a slider, else the first that does."""

    def has_slider(path: Path) -> bool:
        state = notebook_json(path).get("metadata", {}).get("widgets", {})
        models = state.get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
        return any(m.get("model_name") in SLIDER_MODELS for m in models.values())

    preferred = [p for p in NOTEBOOKS if p.name == PREFERRED_EXPLORER]
    return next((p for p in preferred + NOTEBOOKS if has_slider(p)), None)


FIGURE_JS = """(handle) => {
  const area = handle.closest('.jp-OutputArea-output') || handle.closest('.jp-OutputArea');
  const imgs = [...area.querySelectorAll('img')].map(i => i.src);
  const canvases = [...area.querySelectorAll('canvas')].map(c => c.toDataURL());
  return JSON.stringify([imgs, canvases]);
}"""


def test_explorer_slider_changes_figure(lab: Lab, lab_page, artifacts: Path) -> None:
    notebook = explorer_notebook()
    if notebook is None:
        pytest.skip("no notebook has an explorer with a slider yet (no slider in any saved widget state)")
    page = lab_page
    try:
        if page.evaluate(CURRENT_PATH_JS) != notebook.name:  # not left open by the test above
            check_report(open_and_run(page, notebook.name))
        handle = page.locator(".jp-OutputArea-output .widget-slider .noUi-handle").first
        handle.wait_for(state="attached", timeout=30_000)
        handle.scroll_into_view_if_needed()
        page.wait_for_timeout(500)  # the first figure is drawn by the explorer's initial call
        before = handle.evaluate(FIGURE_JS)
        assert before != "[[],[]]", "the explorer shows no figure next to its slider"
        at_max = handle.evaluate("h => h.getAttribute('aria-valuenow') === h.getAttribute('aria-valuemax')")
        value_before = handle.get_attribute("aria-valuenow")
        page.screenshot(path=str(artifacts / f"explorer_{notebook.stem}_before.png"))
        handle.focus()
        page.keyboard.press("ArrowLeft" if at_max else "ArrowRight")
        page.wait_for_function(
            "([h, js, before]) => eval(js)(h) !== before",
            arg=[handle.element_handle(), FIGURE_JS, before],
            timeout=20_000,
        )
        assert handle.get_attribute("aria-valuenow") != value_before
        page.screenshot(path=str(artifacts / f"explorer_{notebook.stem}_after.png"))
    finally:
        page.evaluate(CLOSE_JS)
