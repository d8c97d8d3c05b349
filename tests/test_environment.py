"""environment.yml (Binder/conda) gives a learner exactly what pyproject.toml promises, and Binder stays small.

conda is not reachable from the test machines, so environment.yml is checked by parsing it:

* its packages are pyproject.toml's core dependencies plus the ``torch`` and ``lab`` extras — the same
  names (conda names mapped to PyPI names) and the same version floors — and nothing from ``test``
  (no test runner, no browser driver);
* conda-forge only; PyTorch only through the ``pip:`` section, as the exact ``+cpu`` build from
  PyTorch's CPU wheel index (the same requirement and index ``make install`` uses on Linux);
* a Python that ``requires-python`` accepts and that executed the committed notebooks;
* every module the notebooks and ``convlib`` import is provided by those packages or what they
  depend on (resolved through the installed distributions' metadata);
* pip resolves the ``pip:`` section (``pip install --dry-run --report``, as conda runs it);
* postBuild installs convlib without dependencies and writes the kernel-culling settings, which
  JupyterLab and the server then really load.
"""

from __future__ import annotations

import ast
import importlib.metadata
import json
import os
import re
import secrets
import shutil
import socket
import stat
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from tool_loader import load_tool

ROOT = Path(__file__).resolve().parent.parent



course = load_tool("course")
binder_config = load_tool("binder_config")

# conda package name -> PyPI distribution name, where they differ
CONDA_TO_PYPI = {"pytorch-cpu": "torch", "pytorch": "torch", "py-opencv": "opencv-python"}
CONDA_ONLY = {"python", "pip"}  # the interpreter and installer, not pyproject dependencies
CONDA_SPEC = re.compile(r"^\s*(?:[A-Za-z0-9_.\-]+::)?([A-Za-z0-9_.\-]+)\s*(?:\[[^\]]*\])?\s*(.*?)\s*$")
LEARNER_EXTRAS = ("torch", "lab")
#: never in a learner's environment, whichever extra they come from
BROWSER_OR_TEST = {"playwright", "selenium", "pytest", "nbval", "hypothesis", "chromium", "nodejs"}


def learner_requirements(text: str) -> tuple[dict[str, SpecifierSet], dict[str, SpecifierSet], SpecifierSet]:
    """({name: specifiers} a learner needs, {name: specifiers} of the other extras, requires-python)."""
    project = tomllib.loads(text)["project"]
    extras = project.get("optional-dependencies", {})

    def collect(entries) -> dict[str, SpecifierSet]:
        out = {}
        for entry in entries:
            req = Requirement(entry)
            if canonicalize_name(req.name) != canonicalize_name(project["name"]):  # all = ["convlib[...]"]
                out[canonicalize_name(req.name)] = req.specifier
        return out

    learner = collect([*project.get("dependencies", []), *(e for x in LEARNER_EXTRAS for e in extras.get(x, []))])
    others = collect(e for x, lst in extras.items() if x not in LEARNER_EXTRAS for e in lst)
    return learner, {k: v for k, v in others.items() if k not in learner}, SpecifierSet(project.get("requires-python", ""))


def conda_specifier(version: str) -> SpecifierSet:
    """A conda version constraint as PEP 440 specifiers (conda's ``=1.2`` means ``1.2.*``)."""
    version = version.replace(" ", "")
    if not version:
        return SpecifierSet()
    parts = []
    for part in version.split(","):
        if re.fullmatch(r"=[^=].*", part):
            part = "==" + part[1:] + ("" if part.endswith("*") else ".*")
        elif re.fullmatch(r"[0-9].*", part):
            part = "==" + part
        parts.append(part)
    return SpecifierSet(",".join(parts))


def parse_environment(text: str) -> dict:
    """environment.yml as {'conda': {PyPI name: spec}, 'conda_names': [...], 'pip': {name: Requirement},
    'pip_options': [...], 'python': SpecifierSet, 'channels': [...]}."""
    env = yaml.safe_load(text)
    out = {"conda": {}, "conda_names": [], "pip": {}, "pip_options": [], "python": SpecifierSet(),
           "channels": [str(c) for c in env.get("channels", [])]}  # fmt: skip
    for dep in env.get("dependencies", []):
        if isinstance(dep, dict):  # the `pip:` section: PEP 508 requirements and pip options
            for entry in dep.get("pip", []):
                if entry.startswith("-"):
                    out["pip_options"].append(entry)
                else:
                    req = Requirement(entry)
                    out["pip"][canonicalize_name(req.name)] = req
            continue
        m = CONDA_SPEC.match(str(dep))
        if not m:
            raise ValueError(f"cannot parse conda dependency {dep!r}")
        name, version = m.group(1).split("::")[-1].lower(), m.group(2)
        out["conda_names"].append(name)
        if name == "python":
            out["python"] = conda_specifier(version)
        if name not in CONDA_ONLY:
            out["conda"][canonicalize_name(CONDA_TO_PYPI.get(name, name))] = conda_specifier(version)
    return out


def problems(pyproject_text: str, environment_text: str) -> list[str]:
    """Every difference that matters (empty when environment.yml is what a learner needs)."""
    learner, others, requires_python = learner_requirements(pyproject_text)
    env = parse_environment(environment_text)
    found: dict[str, SpecifierSet] = {**env["conda"], **{k: r.specifier for k, r in env["pip"].items()}}
    out = []
    for name in sorted(learner.keys() - found.keys()):
        out.append(f"{name}{learner[name]} is needed by a learner (pyproject.toml) but not in environment.yml")
    for name in sorted(found.keys() - learner.keys()):
        why = "a test/tool dependency" if name in others or name in BROWSER_OR_TEST else "not in pyproject.toml"
        out.append(f"{name} is in environment.yml but {why}: Binder installs only what a learner needs")
    for name in sorted(found.keys() & learner.keys() - {"torch"}):
        if found[name] != learner[name]:
            out.append(f"{name}: pyproject.toml says {str(learner[name]) or 'any'!r}, environment.yml says {str(found[name]) or 'any'!r}")
    # python
    pinned = [s.version.removesuffix(".*") for s in env["python"] if s.operator in {"==", "==="}]
    if not pinned:
        out.append("environment.yml must pin python (e.g. python=3.11)")
    elif not requires_python.contains(Version(pinned[0])):
        out.append(f"environment.yml's python {pinned[0]} is outside requires-python {requires_python}")
    # channels and torch
    if env["channels"][:1] != ["conda-forge"] or not set(env["channels"]) <= {"conda-forge", "nodefaults"}:
        out.append(f"channels {env['channels']}: conda-forge only (the `pytorch` channel stopped at 2.5)")
    if any(n in {"pytorch", "pytorch-cpu", "pytorch-gpu"} or "cuda" in n or n.startswith("nvidia") for n in env["conda_names"]):
        out.append("PyTorch comes from the pip section (CPU wheel index), not from conda packages")
    if "torch" in learner:
        version = next(iter(learner["torch"])).version
        expected = course.torch_plan(version, system="Linux")  # Binder builds on Linux
        torch = env["pip"].get("torch")
        if torch is None or str(torch) != expected.requirement:
            out.append(f"the pip section must pin {expected.requirement} (found {torch})")
        if f"--extra-index-url={expected.index}" not in env["pip_options"]:
            out.append(f"the pip section must add --extra-index-url={expected.index}")
    return out


# --- the real files ------------------------------------------------------------------------------


PYPROJECT_TEXT = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
ENVIRONMENT_TEXT = (ROOT / "environment.yml").read_text(encoding="utf-8")


def test_environment_is_what_a_learner_needs() -> None:
    assert problems(PYPROJECT_TEXT, ENVIRONMENT_TEXT) == []


def test_python_matches_the_executed_notebooks() -> None:
    env = parse_environment(ENVIRONMENT_TEXT)
    (pin,) = [s.version.removesuffix(".*") for s in env["python"]]
    for nb in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        version = json.loads(nb.read_text(encoding="utf-8"))["metadata"]["language_info"]["version"]
        assert version.startswith(pin + "."), f"{nb.name} was executed with Python {version}, Binder has {pin}"


def _imports(source: str) -> set[str]:
    source = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _closure(names: set[str]) -> set[str]:
    """Distributions ``names`` need, transitively, as installed here (extras' requirements left out)."""
    seen, todo = set(), list(names)
    while todo:
        name = canonicalize_name(todo.pop())
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = importlib.metadata.requires(name) or []
        except importlib.metadata.PackageNotFoundError:
            continue
        for entry in requires:
            req = Requirement(entry)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    return seen


def test_every_import_is_provided() -> None:
    modules = set()
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        for cell in cells:
            if cell["cell_type"] == "code":
                modules |= _imports("".join(cell["source"]))
    for py in (ROOT / "convlib").rglob("*.py"):
        modules |= _imports(py.read_text(encoding="utf-8"))
    modules -= set(sys.stdlib_module_names) | {"convlib", "__future__"}
    env = parse_environment(ENVIRONMENT_TEXT)
    provided = _closure(set(env["conda"]) | set(env["pip"]))
    by_module = importlib.metadata.packages_distributions()
    missing = {m: by_module.get(m) for m in modules if not {canonicalize_name(d) for d in by_module.get(m, [])} & provided}
    assert missing == {}, f"imported but not provided by environment.yml: {missing}"
    assert {"numpy", "matplotlib", "torch", "ipywidgets"} <= modules  # the scan sees the real imports


def test_pip_section_resolves(tmp_path: Path) -> None:
    """`pip install --dry-run` of the pip section as conda writes it (a requirements file, -U).

    Here download.pytorch.org is unreachable and pip's configuration supplies the +cpu wheel; with
    network, the CPU index does. ``--retries 0`` only keeps an unreachable index from costing minutes.
    """
    env = yaml.safe_load(ENVIRONMENT_TEXT)
    (pip_entries,) = [d["pip"] for d in env["dependencies"] if isinstance(d, dict)]
    reqs = tmp_path / "condaenv.requirements.txt"
    reqs.write_text("\n".join(pip_entries) + "\n", encoding="utf-8")
    report = tmp_path / "report.json"
    cmd = [sys.executable, "-m", "pip", "install", "-U", "-r", str(reqs), "--dry-run", "--ignore-installed",
           "--quiet", "--retries", "0", "--timeout", "15", "--report", str(report)]  # fmt: skip
    code = subprocess.call(cmd, env={k: v for k, v in os.environ.items() if not k.startswith("TORCH_")})
    if code != 0 and os.environ.get("CI", "").lower() != "true":
        pytest.skip("the pip section did not resolve (offline?); CI=true makes this a failure")
    assert code == 0
    chosen = {i["metadata"]["name"].lower(): i["metadata"]["version"] for i in json.loads(report.read_text())["install"]}
    assert chosen["torch"] == str(parse_environment(ENVIRONMENT_TEXT)["pip"]["torch"].specifier)[2:]
    assert not [n for n in chosen if n.startswith("nvidia") or "cuda" in n], chosen


# --- the comparison itself can fail --------------------------------------------------------------

PYPROJECT = """
[project]
name = "convlib"
requires-python = ">=3.11"
dependencies = ["numpy>=1.26", "matplotlib>=3.8"]
[project.optional-dependencies]
torch = ["torch==2.13.0"]
lab = ["jupyterlab>=4.2"]
test = ["pytest>=8", "nbformat>=5.10"]
all = ["convlib[torch,lab,test]"]
"""

ENVIRONMENT = """
channels: [conda-forge, nodefaults]
dependencies:
  - python=3.11
  - pip
  - numpy>=1.26
  - matplotlib >=3.8
  - jupyterlab>=4.2
  - pip:
      - --extra-index-url=https://download.pytorch.org/whl/cpu
      - torch==2.13.0+cpu
"""


def test_in_step_example_has_no_problems() -> None:
    assert problems(PYPROJECT, ENVIRONMENT) == []


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (("  - jupyterlab>=4.2\n", ""), "jupyterlab>=4.2 is needed by a learner"),
        (("  - pip\n", "  - pip\n  - pytest>=8\n"), "pytest is in environment.yml but a test/tool dependency"),
        (("  - pip\n", "  - pip\n  - playwright\n"), "playwright is in environment.yml but a test/tool dependency"),
        (("  - pip\n", "  - pip\n  - scipy\n"), "scipy is in environment.yml but not in pyproject.toml"),
        (("numpy>=1.26\n", "numpy>=2\n"), "numpy: pyproject.toml says '>=1.26'"),
        (("torch==2.13.0+cpu", "torch==2.13.0"), "must pin torch==2.13.0+cpu"),
        (("torch==2.13.0+cpu", "torch==2.12.1+cpu"), "must pin torch==2.13.0+cpu"),
        (("      - --extra-index-url=https://download.pytorch.org/whl/cpu\n", ""), "must add --extra-index-url"),
        (("  - pip\n", "  - pip\n  - pytorch-cpu==2.13.0\n"), "not from conda packages"),
        (("python=3.11", "python=3.10"), "python 3.10 is outside requires-python"),
        (("  - python=3.11\n", ""), "must pin python"),
        (("[conda-forge, nodefaults]", "[pytorch, conda-forge]"), "conda-forge only"),
    ],
    ids=["missing", "test-package", "browser", "extra", "looser", "unlabelled-torch", "old-torch", "no-index",
         "conda-torch", "old-python", "no-python", "channel"],  # fmt: skip
)
def test_problems_are_reported(edit: tuple[str, str], expected: str) -> None:
    old, new = edit
    assert old in ENVIRONMENT
    found = problems(PYPROJECT, ENVIRONMENT.replace(old, new, 1))
    assert any(expected in p for p in found), found


def test_conda_version_syntax() -> None:
    assert conda_specifier("=3.11") == SpecifierSet("==3.11.*")
    assert conda_specifier(">=1.26,<3") == SpecifierSet(">=1.26,<3")
    assert conda_specifier("2.13.0") == SpecifierSet("==2.13.0")
    assert conda_specifier("") == SpecifierSet()
    assert parse_environment("dependencies:\n  - conda-forge::numpy ==2.0\n")["conda"] == {"numpy": SpecifierSet("==2.0")}


# --- postBuild and the culling settings ------------------------------------------------------------


def _run_postbuild(home: Path, log: Path) -> subprocess.CompletedProcess:
    """Run postBuild as repo2docker would, with `python -m pip` recorded instead of run (nothing installed)."""
    shim = home / "bin"
    shim.mkdir(parents=True)
    python = shim / "python"
    python.write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = "-m" ] && [ "$2" = "pip" ]; then echo "$@" >> "{log}"; exit 0; fi\n'
        f'exec "{sys.executable}" "$@"\n',
        encoding="utf-8",
    )
    python.chmod(python.stat().st_mode | stat.S_IEXEC)
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER")}
    env.update(HOME=str(home), PATH=f"{shim}{os.pathsep}{env.get('PATH', '')}")
    return subprocess.run(["bash", str(ROOT / "postBuild")], cwd=ROOT, env=env, capture_output=True, text=True, check=False)


@pytest.mark.skipif(shutil.which("bash") is None or os.name == "nt", reason="postBuild is a bash script")
def test_postbuild_installs_convlib_alone_and_writes_the_settings(tmp_path: Path) -> None:
    home, log = tmp_path / "home", tmp_path / "pip.log"
    result = _run_postbuild(home, log)
    assert result.returncode == 0, result.stderr
    pip_calls = log.read_text().splitlines()
    assert pip_calls == ["-m pip install --no-deps --disable-pip-version-check -e ."], pip_calls
    config = home / ".jupyter"
    server = json.loads((config / "jupyter_server_config.json").read_text())
    assert server["MappingKernelManager"] == binder_config.KERNEL_CULLING
    assert server["MappingKernelManager"]["cull_connected"] is True and 0 < binder_config.CULL_IDLE_TIMEOUT <= 900
    overrides = json.loads((config / "labconfig" / "default_setting_overrides.json").read_text())
    assert overrides["@jupyterlab/notebook-extension:tracker"]["kernelShutdown"] is True
    # idempotent: a second run rewrites nothing
    before = {p: p.read_bytes() for p in config.rglob("*") if p.is_file()}
    assert _run_postbuild(tmp_path / "again", log).returncode == 0
    assert binder_config.write(config) == []
    assert {p: p.read_bytes() for p in config.rglob("*") if p.is_file()} == before


def test_settings_merge_into_existing_config(tmp_path: Path) -> None:
    (tmp_path / "jupyter_server_config.json").write_text(json.dumps({"ServerApp": {"x": 1}, "MappingKernelManager": {"cull_interval": 5}}))
    changed = binder_config.write(tmp_path)
    assert len(changed) == 3
    server = json.loads((tmp_path / "jupyter_server_config.json").read_text())
    assert server["ServerApp"] == {"x": 1} and server["MappingKernelManager"]["cull_interval"] == binder_config.CULL_INTERVAL
    (tmp_path / "jupyter_notebook_config.json").write_text("{not json")
    with pytest.raises(ValueError, match="jupyter_notebook_config.json is not valid JSON"):
        binder_config.write(tmp_path)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_jupyter_loads_the_settings(tmp_path: Path) -> None:
    """The server really culls with these values and JupyterLab really shuts kernels on close."""
    home = tmp_path / "home"
    assert binder_config.main(["--config-dir", str(home / ".jupyter")]) == 0
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER")}
    env.update(HOME=str(home), JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"))
    shown = subprocess.run([sys.executable, "-m", "jupyterlab", "--show-config"], env=env, capture_output=True, text=True, check=True).stdout
    section = shown.split("MappingKernelManager", 1)[1]
    for key, value in binder_config.KERNEL_CULLING.items():
        assert re.search(rf"\.{key} = {value}\b", section), (key, shown)

    port, token = _free_port(), secrets.token_hex(8)
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ip", "127.0.0.1", "--port", str(port),
           "--ServerApp.port_retries=0", f"--ServerApp.token={token}", f"--ServerApp.root_dir={tmp_path}"]  # fmt: skip
    with (tmp_path / "lab.log").open("w") as log:
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}/lab/api/settings/@jupyterlab/notebook-extension:tracker?token={token}"
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(url, timeout=10) as resp:  # noqa: S310 - 127.0.0.1
                    settings = json.loads(resp.read())
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "lab.log").read_text()
                time.sleep(0.3)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    # overrides become the schema's defaults (the user has set nothing)
    assert settings["schema"]["properties"]["kernelShutdown"]["default"] is True
    assert "kernelShutdown" not in settings["settings"]
