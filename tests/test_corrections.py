"""The index's table of corrections to the sources is generated and kept current."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
from tools import corrections  # noqa: E402


def _nb(cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    return nb


def _correction(claim, truth, source="seed 000 §x"):
    cell = nbformat.v4.new_markdown_cell(f"> {claim}\n\n{truth}")
    cell.metadata["tags"] = ["correction"]
    cell.metadata["correction"] = {"source": source, "claim": claim, "truth": truth}
    return cell


def _index():
    cell = nbformat.v4.new_markdown_cell("old")
    cell.metadata["tags"] = ["corrections-table"]
    return _nb([nbformat.v4.new_markdown_cell("# Index"), cell])


def test_index_table_is_current():
    assert corrections.update(check=True), "run `python tools/corrections.py`"


def test_collects_in_order_and_writes_table(tmp_path: Path):
    nbformat.write(_nb([_correction("RF is 7", "RF is 5"), _correction("a|b", "c")]), tmp_path / "02_b.ipynb")
    nbformat.write(_nb([_correction("K=8", "K=7", "seed 002 §1")]), tmp_path / "01_a.ipynb")
    nbformat.write(_index(), tmp_path / "00_index.ipynb")
    rows = corrections.collect(tmp_path)
    assert [(r["notebook"], r["claim"]) for r in rows] == [
        ("01_a.ipynb", "K=8"), ("02_b.ipynb", "RF is 7"), ("02_b.ipynb", "a|b")]
    index = tmp_path / "00_index.ipynb"
    assert corrections.update(index, tmp_path, check=True) is False  # stale: "old"
    assert corrections.update(index, tmp_path) is False  # writes
    assert corrections.update(index, tmp_path, check=True) is True
    table = [c for c in nbformat.read(index, 4).cells if "corrections-table" in c.metadata.get("tags", [])][0].source
    assert "| 1 | seed 002 §1 | K=8 | K=7 | [01_a.ipynb](01_a.ipynb) |" in table
    assert "a\\|b" in table  # pipes escaped so the table keeps its columns


def test_incomplete_correction_metadata_is_an_error(tmp_path: Path):
    bad = _correction("x", "y")
    del bad.metadata["correction"]["truth"]
    nbformat.write(_nb([bad]), tmp_path / "03_c.ipynb")
    with pytest.raises(ValueError, match="metadata.correction"):
        corrections.collect(tmp_path)
