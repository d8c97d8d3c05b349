"""Each reveal.js deck loads from disk, offline, and is the deck the notebook's slide metadata describes.

The decks are built first (incrementally) with the same script ``make slides`` runs.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from .conftest import NOTEBOOKS, ROOT, load_tool, notebook_id, notebook_json, unavailable

pytestmark = pytest.mark.browser

SLIDES = ROOT / "build" / "slides"
MATH = re.compile(r"\$\$.+?\$\$|\$[^$\n]+\$|\\\(.+?\\\)|\\\[.+?\\\]", re.S)


def slide_types(nb: dict) -> list[str]:
    return [c.get("metadata", {}).get("slideshow", {}).get("slide_type", "-") for c in nb["cells"]]


def expected_slides(nb: dict) -> tuple[int, int]:
    """(horizontal slides, all slides incl. subslides) that the slide metadata asks for.

    Skipped cells and notes show nowhere; the first shown cell always opens a slide.
    """
    types = slide_types(nb)
    shown = [i for i, t in enumerate(types) if t not in {"skip", "notes"}]
    if not shown:
        return 0, 0
    rest = types[shown[0] + 1 :]
    return 1 + rest.count("slide"), 1 + sum(t in {"slide", "subslide"} for t in rest)


def has_math(nb: dict) -> bool:
    for cell, kind in zip(nb["cells"], slide_types(nb)):
        if cell["cell_type"] == "markdown" and kind != "skip":
            text = "".join(cell["source"])
            text = re.sub(r"```.*?```|`[^`\n]*`", "", text, flags=re.S)  # code is not math
            if MATH.search(text):
                return True
    return False


def has_widget_output(nb: dict) -> bool:
    state = nb.get("metadata", {}).get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    if not state.get("state"):
        return False
    return any(
        "application/vnd.jupyter.widget-view+json" in out.get("data", {})
        for cell, kind in zip(nb["cells"], slide_types(nb))
        if cell["cell_type"] == "code" and kind != "skip"
        for out in cell.get("outputs", [])
    )


def test_expected_slides_follows_nbconvert_rules() -> None:
    def nb(*types):
        return {"cells": [{"cell_type": "markdown", "metadata": {"slideshow": {"slide_type": t}}} for t in types]}

    assert expected_slides(nb("skip", "-", "fragment", "slide", "subslide", "-", "notes", "skip")) == (2, 3)
    assert expected_slides(nb("subslide", "subslide", "slide")) == (2, 3)  # first shown cell opens a slide
    assert expected_slides(nb("skip", "notes")) == (0, 0)


@pytest.fixture(scope="module")
def decks(browser) -> Path:
    """Build the decks (only what is stale) with the same code `make slides` runs."""
    build = load_tool(ROOT / "tools" / "slides" / "build.py")
    if shutil.which("npm") is None and not build.assets_current(SLIDES):
        unavailable("npm is not installed, so the offline slide assets cannot be fetched")
    build.build(out=SLIDES, quiet=True)
    return SLIDES


def _wait_ready(page, nb: dict) -> None:
    page.wait_for_selector(".reveal.ready", state="attached", timeout=20_000)
    page.wait_for_function(
        "() => window.MathJax && MathJax.Hub && MathJax.Hub.queue.pending === 0 && !MathJax.Hub.queue.running",
        timeout=20_000,
    )
    if has_widget_output(nb):
        page.wait_for_selector(".jupyter-widgets", state="attached", timeout=20_000)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=notebook_id)
def test_deck_works_offline(notebook: Path, decks: Path, new_page, artifacts: Path) -> None:
    nb = notebook_json(notebook)
    deck = decks / f"{notebook.stem}.slides.html"
    assert deck.exists(), f"{deck} was not built"
    page, log = new_page()
    page.goto(deck.as_uri())
    _wait_ready(page, nb)
    page.wait_for_timeout(300)  # let late console messages arrive
    page.screenshot(path=str(artifacts / f"slides_{notebook.stem}.png"))

    assert log.external == [], f"requests left the machine: {log.external}"
    assert log.failed == [], f"requests failed (missing offline asset?): {log.failed}"
    assert log.page_errors == [], f"uncaught errors: {log.page_errors}"
    assert log.console_errors == [], f"console errors: {log.console_errors}"

    facts = page.evaluate(
        """() => {
          const all = [...document.querySelectorAll('.reveal .slides section')];
          const num = document.querySelector('.reveal .slide-number');
          const jax = [...document.querySelectorAll('script[type^="math/tex"]')];
          return {
            horizontal: document.querySelectorAll('.reveal .slides > section').length,
            leaves: all.filter(s => !s.querySelector('section')).length,
            revealTotal: num ? num.textContent : null,
            math: jax.length,
            mathTypeset: jax.filter(s => document.getElementById(s.id + '-Frame')).length,
            mathErrors: document.querySelectorAll('.mjx-merror, .MathJax_Error').length,
            widgets: document.querySelectorAll('.jupyter-widgets').length,
          };
        }"""
    )
    horizontal, leaves = expected_slides(nb)
    assert (facts["horizontal"], facts["leaves"]) == (horizontal, leaves), facts
    total = re.findall(r"\d+", facts["revealTotal"] or "")
    assert total and int(total[-1]) == leaves, f"reveal.js counts {facts['revealTotal']!r}, metadata {leaves}"
    if has_math(nb):
        assert facts["math"] > 0, "the notebook has math but MathJax found none"
        assert facts["mathTypeset"] == facts["math"], f"MathJax typeset {facts['mathTypeset']} of {facts['math']}"
    assert facts["mathErrors"] == 0, "MathJax reported TeX errors"
    if has_widget_output(nb):
        assert facts["widgets"] > 0, "saved widget state did not render"


def test_index_links_every_deck(decks: Path, new_page) -> None:
    page, log = new_page()
    page.goto((decks / "index.html").as_uri())
    hrefs = page.eval_on_selector_all("a", "els => els.map(e => e.getAttribute('href'))")
    assert hrefs == [f"{p.stem}.slides.html" for p in NOTEBOOKS]
    assert all((decks / h).exists() for h in hrefs)
    assert log.external == [] and log.failed == [] and log.console_errors == []
