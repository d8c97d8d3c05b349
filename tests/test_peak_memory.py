"""tools/peak_memory.py measures what a kernel really allocates (Linux /proc)."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")


from tools import peak_memory as pm  # noqa: E402


def test_vm_hwm_sees_an_allocation() -> None:
    before = pm.vm_hwm_bytes(os.getpid())
    block = np.ones(300 * pm.MB // 8)  # 300 MB, touched
    assert pm.vm_hwm_bytes(os.getpid()) >= before + 250 * pm.MB or before >= 300 * pm.MB
    assert pm.tree_rss_bytes(os.getpid()) >= block.nbytes
    del block
    assert pm.tree_rss_bytes(2**22 + 12345) == 0  # no such process


def test_measure_a_notebook_and_the_limit(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell("import numpy as np\nx = np.ones(400 * 2**20 // 8)\ndel x")]
    path = tmp_path / "big.ipynb"
    nbformat.write(nb, path)
    text = path.read_text()

    m = pm.measure(path)
    assert 400 <= m.peak_rss_mb < 1500, m
    assert m.peak_mb == max(m.peak_rss_mb, m.peak_tree_mb)
    assert 0 < m.idle_rss_mb <= m.peak_rss_mb  # the kernel's RSS after the last cell
    assert path.read_text() == text  # the notebook is not written back

    table = pm.report([m], limit_mb=300)
    assert "big.ipynb" in table and "OVER LIMIT" in table and "TOO BIG" in table
    assert "OK" in pm.report([m], limit_mb=2048).splitlines()[-1]


def test_command_line_json_and_exit_status(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell("1 + 1")]
    path = tmp_path / "small.ipynb"
    nbformat.write(nb, path)
    out = tmp_path / "peak.json"
    assert pm.main([str(path), "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["limit_mb"] == 2048 and data["notebooks"][0]["notebook"] == "small.ipynb"
    assert pm.main([str(path), "--limit-mb", "1"]) == 1  # any kernel is bigger than 1 MB
    assert "small.ipynb" in capsys.readouterr().out
