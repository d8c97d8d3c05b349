"""The install step takes PyTorch's CPU build everywhere, and never a CUDA build by accident.

``tools/course.py`` (what ``make install`` runs) installs ``torch==X.Y.Z+cpu`` with PyTorch's CPU
wheel index as an extra index. These tests pin that down:

* the plan for each platform and override (pure function);
* ``make`` really runs tools/course.py (``make -n``);
* on a simulated *stock* machine — fake "PyPI" serving a CUDA stand-in of torch, fake CPU index
  serving ``+cpu``, pip's configuration ignored — pip's own resolver (``--dry-run --report``) picks the
  CPU wheel; with the CPU index unreachable it fails instead of taking the CUDA stand-in, while the
  unlabelled pin the course used before would have taken it; with a local ``+cpu`` wheel configured
  (this machine's set-up) the fallback finds it;
* on this machine, with its real pip configuration, the plan resolves to ``2.13.0+cpu``, and the
  later ``pip install -e .[all]`` adds no other torch.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from tool_loader import load_tool

ROOT = Path(__file__).resolve().parent.parent



course = load_tool("course")
VERSION = course.torch_version()
CPU = course.DEFAULT_TORCH_INDEX


# --- the plan ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("system", "index", "requirement", "expected"),
    [
        ("Linux", None, None, (f"torch=={VERSION}+cpu", CPU)),
        ("Linux", "", None, (f"torch=={VERSION}+cpu", CPU)),
        ("Windows", None, None, (f"torch=={VERSION}+cpu", CPU)),
        ("Darwin", None, None, (f"torch=={VERSION}", CPU)),  # macOS wheels carry no label
        ("Linux", "https://download.pytorch.org/whl/cu126", None, (f"torch=={VERSION}+cu126", "https://download.pytorch.org/whl/cu126")),
        ("Linux", "https://download.pytorch.org/whl/rocm6.4/", None, (f"torch=={VERSION}+rocm6.4", "https://download.pytorch.org/whl/rocm6.4/")),
        ("Linux", "https://mirror.example/pytorch/simple", None, (f"torch=={VERSION}", "https://mirror.example/pytorch/simple")),
        ("Linux", "none", None, (f"torch=={VERSION}", None)),
        ("Linux", None, "torch==2.13.0", ("torch==2.13.0", CPU)),
    ],
    ids=["linux", "linux-empty", "windows", "macos", "cuda", "rocm", "mirror", "none", "requirement"],
)
def test_torch_plan(system, index, requirement, expected) -> None:
    plan = course.torch_plan(VERSION, system=system, index=index, requirement=requirement)
    assert (plan.requirement, plan.index) == expected


def test_torch_version_has_one_home(tmp_path: Path) -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert f'torch = ["torch=={VERSION}"]' in text
    (tmp_path / "pyproject.toml").write_text(text.replace(f"torch=={VERSION}", "torch>=2.0"), encoding="utf-8")
    with pytest.raises(ValueError, match="one exact release"):
        course.torch_version(tmp_path)


def test_pip_arguments() -> None:
    plan = course.torch_plan(VERSION, system="Linux")
    assert plan.pip_args() == ["--extra-index-url", CPU, f"torch=={VERSION}+cpu"]
    assert plan.pip_args(with_index=False) == [f"torch=={VERSION}+cpu"]


def _env(**overrides: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"TORCH_INDEX", "TORCH_REQUIREMENT"}}
    return {**env, **overrides}


@pytest.mark.skipif(sys.platform != "linux", reason="the +cpu label is asserted for Linux")
def test_course_prints_the_plan() -> None:
    out = subprocess.run([sys.executable, "tools/course.py", "torch"], cwd=ROOT, env=_env(), capture_output=True, text=True, check=True)
    shown = json.loads(out.stdout)
    assert shown["requirement"] == f"torch=={VERSION}+cpu" and shown["index"] == CPU
    assert shown["pip"][-3:] == ["--extra-index-url", CPU, f"torch=={VERSION}+cpu"]
    cuda = subprocess.run(
        [sys.executable, "tools/course.py", "torch"], cwd=ROOT, env=_env(TORCH_INDEX="https://download.pytorch.org/whl/cu126"),
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert json.loads(cuda.stdout)["requirement"] == f"torch=={VERSION}+cu126"


@pytest.mark.skipif(shutil.which("make") is None, reason="no make on this machine")
def test_make_runs_the_course_tool() -> None:
    for target in ("install", "lab", "test", "execute"):
        out = subprocess.run(["make", "-n", "-B", target], cwd=ROOT, capture_output=True, text=True, check=True).stdout
        assert f"tools/course.py --venv .venv {target}" in out, out
    assert "TORCH_INDEX" in (ROOT / "Makefile").read_text(encoding="utf-8")


def test_unreachable() -> None:
    assert course.unreachable((ROOT / "tools").as_uri()) is None
    assert "not a directory" in course.unreachable((ROOT / "no-such-index").as_uri())
    t0 = time.monotonic()
    reason = course.unreachable("http://127.0.0.1:9/whl/cpu", timeout=2)  # port 9 (discard): refused
    assert reason is not None and time.monotonic() - t0 < 5


# --- a stock machine, simulated with fake indexes -----------------------------------------------------


def _wheel(files: Path, name: str, version: str, requires: tuple[str, ...] = (), summary: str = "") -> Path:
    files.mkdir(parents=True, exist_ok=True)
    stem = name.replace("-", "_")  # wheel file names escape "-" in the project name
    path = files / f"{stem}-{version}-py3-none-any.whl"
    dist = f"{stem}-{version}.dist-info"
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: {summary}\n"
    meta += "".join(f"Requires-Dist: {r}\n" for r in requires)
    content = {
        f"{stem}/__init__.py": "",
        f"{dist}/METADATA": meta,
        f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: convlib-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    content[f"{dist}/RECORD"] = "".join(f"{p},,\n" for p in content) + f"{dist}/RECORD,,\n"
    with zipfile.ZipFile(path, "w") as z:
        for p, text in content.items():
            z.writestr(p, text)
    return path


def _index(root: Path, wheels: list[Path]) -> str:
    """A PEP 503 simple index under ``root`` listing ``wheels``; returns its file:// URL."""
    by_project: dict[str, list[Path]] = {}
    for w in wheels:
        by_project.setdefault(w.name.split("-")[0].replace("_", "-").lower(), []).append(w)
    for project, ws in by_project.items():
        page = root / project / "index.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        links = "".join(f'<a href="{w.as_uri()}">{w.name}</a>\n' for w in ws)
        page.write_text(f"<!DOCTYPE html><html><body>\n{links}</body></html>\n", encoding="utf-8")
    return root.as_uri()


@pytest.fixture(scope="module")
def stock(tmp_path_factory):
    """Fake PyPI (torch X.Y.Z = a 'CUDA build' needing nvidia-stand-in) and a fake CPU index (X.Y.Z+cpu)."""
    tmp = tmp_path_factory.mktemp("indexes")
    files = tmp / "files"
    pypi = _index(tmp / "pypi" / "simple", [
        _wheel(files, "torch", VERSION, ("nvidia-stand-in==1.0",), summary="CUDA build stand-in"),
        _wheel(files, "nvidia-stand-in", "1.0", summary="multi-GB CUDA libraries stand-in"),
    ])  # fmt: skip
    cpu = _index(tmp / "whl" / "cpu", [_wheel(files / "cpu", "torch", f"{VERSION}+cpu", summary="CPU build stand-in")])
    local = tmp / "local-wheels"
    _wheel(local, "torch", f"{VERSION}+cpu", summary="local CPU wheel stand-in")
    # pip as on a machine without configuration: no config files, PyPI = the fake one
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_INDEX_URL=pypi, PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_CACHE_DIR="1")
    return {"tmp": tmp, "pypi": pypi, "cpu": cpu, "local": local, "env": env}


def _resolve(plan, env: dict, report: Path) -> tuple[int, dict[str, str]]:
    """Run the course's torch install as a pip dry run; return (exit status, {name: download url})."""
    options = ["--dry-run", "--ignore-installed", "--quiet", "--report", str(report)]
    code = course.install_torch(sys.executable, plan, pip_options=options, env=env)
    if code != 0:
        return code, {}
    installs = json.loads(report.read_text(encoding="utf-8"))["install"]
    return code, {i["metadata"]["name"]: f'{i["metadata"]["version"]} {i["download_info"]["url"]}' for i in installs}


def test_stock_machine_takes_the_cpu_wheel(stock, tmp_path: Path) -> None:
    plan = course.torch_plan(VERSION, system="Linux", index=stock["cpu"])
    assert plan.requirement == f"torch=={VERSION}+cpu"
    code, chosen = _resolve(plan, stock["env"], tmp_path / "report.json")
    assert code == 0
    assert chosen["torch"].startswith(f"{VERSION}+cpu ") and "/files/cpu/" in chosen["torch"]
    assert "nvidia-stand-in" not in chosen


def test_stock_machine_without_the_cpu_index_fails_loudly(stock, tmp_path: Path, capsys) -> None:
    gone = (stock["tmp"] / "unreachable" / "whl" / "cpu").as_uri()
    plan = course.torch_plan(VERSION, system="Linux", index=gone)
    code, chosen = _resolve(plan, stock["env"], tmp_path / "report.json")
    assert code != 0 and chosen == {}
    err = capsys.readouterr()
    assert "cannot be reached" in err.out and "never" in err.err and "TORCH_INDEX=none" in err.err
    # the control: the unlabelled pin the course used before silently takes the CUDA build here
    old = course.torch_plan(VERSION, system="Linux", index=gone, requirement=f"torch=={VERSION}")
    code, chosen = _resolve(old, stock["env"], tmp_path / "report-old.json")
    assert code == 0 and chosen["torch"].startswith(f"{VERSION} ") and "nvidia-stand-in" in chosen


def test_unreachable_index_falls_back_to_configured_wheels(stock, tmp_path: Path) -> None:
    """This machine's set-up: the CPU index is unreachable, pip's find-links holds a +cpu wheel."""
    gone = (stock["tmp"] / "unreachable" / "whl" / "cpu").as_uri()
    plan = course.torch_plan(VERSION, system="Linux", index=gone)
    env = {**stock["env"], "PIP_FIND_LINKS": str(stock["local"])}
    code, chosen = _resolve(plan, env, tmp_path / "report.json")
    assert code == 0 and chosen["torch"].startswith(f"{VERSION}+cpu ") and "local-wheels" in chosen["torch"]


# --- this machine, with its real pip configuration ---------------------------------------------------


def _network_or_skip(code: int, what: str) -> None:
    if code != 0 and os.environ.get("CI", "").lower() != "true":
        pytest.skip(f"{what} did not resolve (offline?); CI=true makes this a failure")


@pytest.mark.skipif(sys.platform != "linux", reason="asserts the Linux +cpu build")
def test_real_plan_resolves_to_the_cpu_build(tmp_path: Path) -> None:
    plan = course.plan_from_environment(environ={})
    t0 = time.monotonic()
    code, chosen = _resolve(plan, _env(), tmp_path / "report.json")
    _network_or_skip(code, "torch")
    assert code == 0, "the course's torch requirement did not resolve"
    assert chosen["torch"].split()[0] == f"{VERSION}+cpu"
    assert not any(name.startswith("nvidia") for name in chosen), chosen
    assert time.monotonic() - t0 < 120


def test_extras_add_no_other_torch(tmp_path: Path) -> None:
    """After the CPU torch, `pip install -e .[all]` (the second install step) installs no torch."""
    import importlib.metadata  # noqa: PLC0415

    installed = importlib.metadata.version("torch")
    assert installed.startswith(VERSION)
    report = tmp_path / "report.json"
    cmd = [sys.executable, "-m", "pip", "install", "--dry-run", "--quiet", "--report", str(report), "-e", f"{ROOT}[all]"]
    code = subprocess.call(cmd, env=_env())
    _network_or_skip(code, ".[all]")
    assert code == 0
    names = {i["metadata"]["name"].lower() for i in json.loads(report.read_text())["install"]}
    assert "torch" not in names and not any(n.startswith("nvidia") for n in names), names
