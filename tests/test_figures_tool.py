"""tools/figures.py (make figures): every figure a notebook shows is captured, exported, indexed and audited.

Run on a small hand-made chapter: a figure left open, a figure closed before the cell ends,
two figures in one cell, an explorer whose state is changed before it is shown, an animation,
and a cell that draws nothing.
"""

from __future__ import annotations

import importlib.util
import json
import struct
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _load_tool():
    spec = importlib.util.spec_from_file_location("convlib_tools_figures", ROOT / "tools" / "figures.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


figures = _load_tool()


def _code(source: str, tags=()) -> dict:
    return {"cell_type": "code", "metadata": {"tags": list(tags)}, "source": source, "outputs": [],
            "execution_count": None}


def _md(source: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": source}


CHAPTER = {
    "cells": [
        _md("# 99 · A test chapter (测试)\n\nWhat you will learn."),
        _code("import matplotlib.pyplot as plt\nimport numpy as np\nimport convlib\nconvlib.setup()"),
        _code("fig, ax = plt.subplots(figsize=(4, 3))\nax.imshow(np.array([[0, 1], [2, 0]]))\n"
              "for (r, c), v in np.ndenumerate(np.array([[0, 1], [2, 0]])):\n"
              "    ax.text(c, r, str(v), fontsize=6)  # tiny, and '0' in empty cells\n"
              "ax.set_title('a map with zeros')"),
        _code("drawn = convlib.plot_phases('ones', 2, kernel_size=3)"),
        _code("fig, ax = plt.subplots()\nax.plot([1, 2])\nplt.close(fig)  # closed: never shown"),
        _code("for k in (1, 2):\n    fig, ax = plt.subplots(figsize=(4, 3))\n    ax.set_title(f'panel {k}')"),
        _code("explorer = convlib.widgets.explore_checkerboard(kernel_size=3, stride=2, padding=1, input_size=4)\n"
              "explorer.set(kernel_size=4)\nexplorer"),
        _code("convlib.anim.show('no_padding_no_strides', max_frames=2)"),
        _code("x = 1 + 1"),
        _code("raise ValueError('expected')", tags=["raises-exception"]),
    ],
    "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    "nbformat": 4,
    "nbformat_minor": 5,
}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    base = tmp_path_factory.mktemp("figures")
    notebook = base / "99_test_chapter.ipynb"
    notebook.write_text(json.dumps(CHAPTER), encoding="utf-8")
    out = base / "out"
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "figures.py"), str(notebook), "--out", str(out),
                           "--audit"], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    audit = json.loads((out / "audit.json").read_text(encoding="utf-8"))
    return out, audit[0], proc.stdout


def test_every_shown_figure_is_captured_once(built):
    _, manifest, _ = built
    caps = manifest["captures"]
    assert [(c["cell"], c["kind"], c["title"]) for c in caps] == [
        (2, "figure", "a map with zeros"),
        (3, "figure", "transposed convolution k=3, stride 2: 2 phases"),
        (5, "figure", "panel 1"),
        (5, "figure", "panel 2"),
        (6, "explorer", caps[4]["title"]),
        (7, "animation", "4×4 input, 3×3 kernel → 2×2 output"),
    ]
    assert manifest["title"] == "99 · A test chapter"  # the Chinese term is dropped (no font has it)
    # the explorer's capture is the state it shows (kernel 4), not the one set first (kernel 3)
    assert "k=4" in caps[4]["title"]
    assert caps[4]["dpi"] == 80 and caps[4]["tight"] is False and caps[0]["dpi"] == 100 and caps[0]["tight"]


def test_images_are_written_for_the_projector_with_an_index(built):
    out, manifest, stdout = built
    for cap in manifest["captures"]:
        png, svg = out / cap["png"], out / cap["svg"]
        assert png.is_file() and svg.is_file()
        width, height = struct.unpack(">II", png.read_bytes()[16:24])
        assert (width <= 1281 and height <= 721) and (width >= 1270 or height >= 710)  # fits 1280×720, fills it
        assert svg.read_text(encoding="utf-8").lstrip().startswith("<?xml")
    assert (out / "99_test_chapter" / "manifest.json").is_file()
    index = (out / "index.html").read_text(encoding="utf-8")
    md = (out / "index.md").read_text(encoding="utf-8")
    for cap in manifest["captures"]:
        assert cap["png"] in index and cap["svg"] in index and cap["png"] in md
    assert "99 · A test chapter" in index and "6 figures from 1 chapter in" in stdout


def test_the_chapter_footer_is_drawn_on_the_exported_figure(built, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4, 3))
    ax.set_title("something")
    figures._export(fig, tmp_path / "x", "convlib · 99 · A test chapter")
    footers = [t for t in fig.texts if t.get_gid() == "convlib-footer"]
    assert [t.get_text() for t in footers] == ["convlib · 99 · A test chapter"]
    assert (tmp_path / "x.png").is_file() and (tmp_path / "x.svg").is_file()


def test_audit_finds_what_breaks_the_standard(built):
    out, manifest, stdout = built
    by_title = {c["title"]: {v["rule"] for v in c["violations"]} for c in manifest["captures"]}
    assert by_title["transposed convolution k=3, stride 2: 2 phases"] == set()  # the new renderer is clean
    assert by_title["a map with zeros"] == {"empty-cells", "text-size"}
    text = (out / "audit.md").read_text(encoding="utf-8")
    assert "| chapter | figures | clean |" in text and "| 99 | 6 |" in text
    assert "| chapter | cell | kind | figure | violations |" in stdout


def test_tables_from_manifests():
    manifests = [{"chapter": "07_x", "title": "07 · X", "seconds": 1.0, "captures": [
        {"chapter": "07_x", "cell": 3, "kind": "figure", "title": "a | b", "violations": [
            {"rule": "text-size", "message": "2 text(s) < 9 pt", "count": 2},
            {"rule": "legend", "message": "hatch '//'", "count": 1}]},
        {"chapter": "07_x", "cell": 5, "kind": "explorer", "title": "ok", "violations": []},
    ]}]
    summary = figures.rule_summary(manifests)
    assert "| 07 | 2 | 1 | 1 | 1 |" in summary and summary.splitlines()[0].endswith("legend | text-size |")
    table = figures.audit_table(manifests)
    assert "| 07 | 3 | figure | a / b | text-size: 2 text(s) &lt; 9 pt<br>legend: hatch '//' |" in table
    assert "| 07 | 5 | explorer | ok | — |" in table
    assert figures.summarize(manifests[0]["captures"][0]["violations"]) == "text-size, legend"
    assert figures.slug("Layer 4, rates [1, 1, 1]: a 7×7 field") == "layer-4-rates-1-1-1-a-77-field"
    assert figures.chapter_title({"cells": [_md("# 03 · The receptive field (感受野)")]}, "03_x") == \
        "03 · The receptive field"
