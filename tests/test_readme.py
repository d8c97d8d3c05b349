"""README.md tells a newcomer what they need, where to start, how to run the course anywhere, and whom it owes.

Its commands exist (make targets, tools/course.py subcommands), the numbers it quotes are the tools'
own settings, its picture is current and small, and the licence file covers code, text and credits.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tool_loader import load_tool

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
FIGURE = ROOT / "docs" / "course.png"



course = load_tool("course")


def section(title: str) -> str:
    """Text of the README section whose heading contains ``title`` (up to the next heading of its level)."""
    m = re.search(rf"^(#+) [^\n]*{re.escape(title)}[^\n]*\n", README, re.M | re.I)
    assert m, f"no README heading containing {title!r}"
    level = len(m.group(1))
    rest = README[m.end() :]
    end = re.search(rf"^#{{1,{level}}} ", rest, re.M)
    return rest[: end.start()] if end else rest


# --- start, prerequisites, commands ---------------------------------------------------------------------


def test_start_with_the_index() -> None:
    head = README[: README.index("## What you need")]
    assert "notebooks/00_index.ipynb" in head and re.search(r"^## .*00_index", head, re.M)
    assert (ROOT / "notebooks" / "00_index.ipynb").exists()


def test_prerequisites() -> None:
    text = section("What you need")
    for needed in ("Python 3.11", "make", "GB of disk", "Windows", "numpy", "algebra"):
        assert needed in text, needed


def test_make_targets_exist() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, re.M))
    used = set(re.findall(r"`make ([a-z][a-z-]*)", README)) | set(re.findall(r"^make ([a-z][a-z-]*)", README, re.M))
    assert {"lab", "test", "install", "execute"} <= used
    assert used <= targets, used - targets


def test_windows_commands_are_course_subcommands(capsys) -> None:
    text = section("On Windows")
    commands = set(re.findall(r"py -3\.11 tools\\course\.py (\w+)", text))
    assert {"lab", "test", "install", "execute"} <= commands
    for cmd in [*commands, "no-such-command"]:  # the tool's own parser accepts exactly its subcommands
        with pytest.raises(SystemExit) as exit_:
            course.main([cmd, "--help"])
        assert exit_.value.code == (2 if cmd == "no-such-command" else 0), cmd
    capsys.readouterr()


def test_numbers_quoted_are_the_tools_settings() -> None:
    binder = load_tool("binder_config")
    plan = course.torch_plan(course.torch_version(), system="Linux")
    assert plan.requirement in README and plan.index in README
    assert course.torch_plan(course.torch_version(), system="Darwin").requirement in README
    assert f"at most {course.PROBE_TIMEOUT:g} s" in README
    assert f"idle for **{binder.CULL_IDLE_TIMEOUT // 60} minutes" in README
    assert f"PyTorch {course.torch_version()}" in README


# --- the picture ------------------------------------------------------------------------------------------


def test_figure_is_small_and_shown() -> None:
    assert FIGURE.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert FIGURE.stat().st_size < 300 * 1024
    assert "](docs/course.png)" in README


def test_figure_is_current(tmp_path: Path) -> None:
    """Redraw it: the committed picture must be what convlib draws now (`python tools/readme_figure.py`)."""
    fresh = load_tool("readme_figure").write(tmp_path / "course.png")
    a = np.asarray(Image.open(FIGURE).convert("RGB"), dtype=np.int16)
    b = np.asarray(Image.open(fresh).convert("RGB"), dtype=np.int16)
    assert a.shape == b.shape, f"size changed {a.shape} -> {b.shape}: run python tools/readme_figure.py"
    changed = (np.abs(a - b).max(axis=2) > 48).mean()
    assert changed < 0.01, f"{changed:.1%} of pixels differ: run python tools/readme_figure.py"


# --- credits and licence -----------------------------------------------------------------------------------

WORKS = {
    "Vincent Dumoulin and Francesco Visin": ("2016", "1603.07285", "conv_arithmetic", "MIT"),
    "Odena, Vincent Dumoulin and Chris Olah": ("2016", "distill.00003", "CC BY 4.0"),
    "Araujo, Wade Norris and Jack Sim": ("2019", "distill.00021"),
    "Fisher Yu and Vladlen Koltun": ("2016", "1511.07122"),
    "Panqu Wang": ("2018", "1702.08502"),
    "Liang-Chieh Chen": ("DeepLab", "1606.00915"),
    "François Chollet": ("2017", "1610.02357"),
    "Andrew G. Howard": ("2017", "1704.04861"),
    "Wenjie Luo": ("2016", "1701.04128"),
}
SOURCE_TITLES = (
    "空洞卷积",
    "A Primer on Atrous Convolutions and Depth-wise Separable Convolutions",
    "空洞卷积(膨胀卷积)的相关知识以及使用建议(HDC原则)",
    "Pytorch中的卷积、空洞卷积和组卷积",
)


@pytest.mark.parametrize("author", WORKS)
def test_work_is_cited_in_full(author: str) -> None:
    credits = section("Works the course follows")
    entry = next((e for e in re.split(r"\n(?=\d+\. )", credits) if author in e), None)
    assert entry is not None, f"{author} is not cited"
    for detail in WORKS[author]:
        assert detail in entry, (author, detail)


def test_source_articles_by_title_not_file_name() -> None:
    sources = section("The articles the course follows")
    for title in SOURCE_TITLES:
        assert title in sources, title
    assert not re.search(r"seed[ _]?0\d\d|\b00\d_[0-9a-f]{8}", README, re.I), "cite sources by title, not file name"


def test_licence_file() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    for needed in ("MIT License", "Permission is hereby granted", "Creative Commons Attribution 4.0",
                   "conv_arithmetic", "Vincent Dumoulin", "distill.00003", "distill.00021"):  # fmt: skip
        assert needed in text, needed
    assert "MIT" in (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert "[LICENSE](LICENSE)" in README and "CC BY 4.0" in section("Licence")
