"""environment.yml (Binder/conda) and pyproject.toml (pip) list the same dependencies.

conda is not reachable from the test machines, so the check parses both files: same package
names (conda names mapped to PyPI names, e.g. ``pytorch-cpu`` -> ``torch``), same version
constraints, a Python that ``requires-python`` accepts, and PyTorch only as a CPU build.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent

# conda package name -> PyPI distribution name, where they differ
CONDA_TO_PYPI = {"pytorch-cpu": "torch", "pytorch": "torch", "py-opencv": "opencv-python"}
CONDA_ONLY = {"python", "pip"}  # the interpreter and installer, not pyproject dependencies
CONDA_SPEC = re.compile(r"^\s*(?:[A-Za-z0-9_.\-]+::)?([A-Za-z0-9_.\-]+)\s*(?:\[[^\]]*\])?\s*(.*?)\s*$")


def pyproject_requirements(text: str) -> tuple[dict[str, SpecifierSet], SpecifierSet]:
    """{name: specifiers} over dependencies + every extra (self-references skipped), and requires-python."""
    project = tomllib.loads(text)["project"]
    name = canonicalize_name(project["name"])
    reqs: dict[str, SpecifierSet] = {}
    lists = [project.get("dependencies", []), *project.get("optional-dependencies", {}).values()]
    for entry in (e for lst in lists for e in lst):
        req = Requirement(entry)
        key = canonicalize_name(req.name)
        if key == name:  # e.g. all = ["convlib[torch,lab,test]"]
            continue
        if key in reqs and reqs[key] != req.specifier:
            raise ValueError(f"{key} is listed twice in pyproject.toml with different versions")
        reqs[key] = req.specifier
    return reqs, SpecifierSet(project.get("requires-python", ""))


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


def environment_requirements(text: str) -> tuple[dict[str, SpecifierSet], SpecifierSet, dict]:
    """({PyPI name: specifiers}, python specifiers, raw environment) from environment.yml text."""
    env = yaml.safe_load(text)
    reqs: dict[str, SpecifierSet] = {}
    python = SpecifierSet()
    for dep in env.get("dependencies", []):
        if isinstance(dep, dict):  # the `pip:` section holds PEP 508 requirements
            for entry in dep.get("pip", []):
                if entry.startswith("-"):  # --extra-index-url etc.
                    continue
                req = Requirement(entry)
                reqs[canonicalize_name(req.name)] = req.specifier
            continue
        m = CONDA_SPEC.match(str(dep))
        if not m:
            raise ValueError(f"cannot parse conda dependency {dep!r}")
        conda_name, version = m.group(1).split("::")[-1].lower(), m.group(2)
        if conda_name == "python":
            python = conda_specifier(version)
        if conda_name in CONDA_ONLY:
            continue
        reqs[canonicalize_name(CONDA_TO_PYPI.get(conda_name, conda_name))] = conda_specifier(version)
    return reqs, python, env


def drift(pyproject_text: str, environment_text: str) -> list[str]:
    """Every difference that matters between the two files (empty when in step)."""
    pip_reqs, requires_python = pyproject_requirements(pyproject_text)
    conda_reqs, python, env = environment_requirements(environment_text)
    problems = []
    for name in sorted(pip_reqs.keys() - conda_reqs.keys()):
        problems.append(f"{name}{pip_reqs[name]} is in pyproject.toml but not in environment.yml")
    for name in sorted(conda_reqs.keys() - pip_reqs.keys()):
        problems.append(f"{name}{conda_reqs[name]} is in environment.yml but not in pyproject.toml")
    for name in sorted(pip_reqs.keys() & conda_reqs.keys()):
        if pip_reqs[name] != conda_reqs[name]:
            problems.append(
                f"{name}: pyproject.toml says {str(pip_reqs[name]) or 'any'!r}, "
                f"environment.yml says {str(conda_reqs[name]) or 'any'!r}"
            )
    pinned = [s.version.removesuffix(".*") for s in python if s.operator in {"==", "==="}]
    if not pinned:
        problems.append("environment.yml must pin python (e.g. python=3.11)")
    elif not requires_python.contains(Version(pinned[0])):
        problems.append(f"environment.yml's python {pinned[0]} is outside requires-python {requires_python}")
    problems += torch_problems(env)
    return problems


def torch_problems(env: dict) -> list[str]:
    """PyTorch must be a CPU-only build with an exact version (TOOLING.md: Binder)."""
    problems = []
    channels = [str(c) for c in env.get("channels", [])]
    if "pytorch" in channels:
        problems.append("the `pytorch` conda channel stopped at 2.5: use conda-forge's pytorch-cpu")
    deps = env.get("dependencies", [])
    conda = [str(d) for d in deps if not isinstance(d, dict)]
    pip = [e for d in deps if isinstance(d, dict) for e in d.get("pip", [])]
    names = [CONDA_SPEC.match(d).group(1).split("::")[-1].lower() for d in conda]
    if "pytorch" in names or any("cuda" in n for n in names):
        problems.append("conda `pytorch`/CUDA packages may pull GPU builds: use `pytorch-cpu`")
    pip_torch = [e for e in pip if canonicalize_name(Requirement(e).name if not e.startswith("-") else "-") == "torch"]
    if pip_torch and not all("+cpu" in e for e in pip_torch):
        problems.append("a pip torch must be an exact `+cpu` pin from the CPU wheel index")
    if "pytorch-cpu" not in names and not pip_torch:
        problems.append("environment.yml has no CPU-only PyTorch (pytorch-cpu)")
    return problems


# --- the real files ------------------------------------------------------------------------------


def test_environment_matches_pyproject() -> None:
    problems = drift((ROOT / "pyproject.toml").read_text(), (ROOT / "environment.yml").read_text())
    assert problems == [], "\n".join(problems)


def test_environment_uses_conda_forge_only() -> None:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"][0] == "conda-forge", env["channels"]
    assert set(env["channels"]) <= {"conda-forge", "nodefaults"}, env["channels"]


def test_postbuild_cannot_pull_another_torch() -> None:
    """Binder installs convlib after the conda env; it must not let pip resolve dependencies."""
    post = ROOT / "postBuild"
    if not post.exists():
        pytest.skip("no postBuild")
    installs = [line for line in post.read_text().splitlines() if "pip install" in line and not line.startswith("#")]
    assert installs and all("--no-deps" in line for line in installs), installs


# --- the comparison itself can fail --------------------------------------------------------------

PYPROJECT = """
[project]
name = "convlib"
requires-python = ">=3.11"
dependencies = ["numpy>=1.26", "matplotlib>=3.8"]
[project.optional-dependencies]
torch = ["torch==2.13.0"]
test = ["pytest>=8", "PyYAML>=6"]
all = ["convlib[torch,test]"]
"""

ENVIRONMENT = """
channels: [conda-forge, nodefaults]
dependencies:
  - python=3.11
  - pip
  - numpy>=1.26
  - matplotlib >=3.8
  - pytorch-cpu==2.13.0
  - pytest>=8
  - pyyaml>=6
"""


def test_in_step_example_has_no_drift() -> None:
    assert drift(PYPROJECT, ENVIRONMENT) == []


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (("  - pytest>=8\n", ""), "pytest>=8 is in pyproject.toml but not in environment.yml"),
        (("  - pip\n", "  - pip\n  - scipy\n"), "scipy is in environment.yml but not in pyproject.toml"),
        (("numpy>=1.26\n  - matplotlib", "numpy>=2\n  - matplotlib"), "numpy: pyproject.toml says '>=1.26'"),
        (("pytorch-cpu==2.13.0", "pytorch-cpu==2.12.0"), "torch: pyproject.toml says '==2.13.0'"),
        (("pytorch-cpu==2.13.0", "pytorch==2.13.0"), "conda `pytorch`/CUDA packages"),
        (("python=3.11", "python=3.10"), "python 3.10 is outside requires-python"),
        (("  - python=3.11\n", ""), "must pin python"),
        (("[conda-forge, nodefaults]", "[pytorch, conda-forge]"), "the `pytorch` conda channel"),
        (("  - pytorch-cpu==2.13.0\n", "  - pip:\n    - torch==2.13.0\n"), "exact `+cpu` pin"),
    ],
    ids=["missing", "extra", "looser", "torch-version", "gpu-torch", "old-python", "no-python", "channel", "pip-torch"],
)
def test_drift_is_reported(edit: tuple[str, str], expected: str) -> None:
    old, new = edit
    assert old in ENVIRONMENT
    problems = drift(PYPROJECT, ENVIRONMENT.replace(old, new, 1))
    assert any(expected in p for p in problems), problems


def test_conda_version_syntax() -> None:
    assert conda_specifier("=3.11") == SpecifierSet("==3.11.*")
    assert conda_specifier(">=1.26,<3") == SpecifierSet(">=1.26,<3")
    assert conda_specifier("2.13.0") == SpecifierSet("==2.13.0")
    assert conda_specifier("") == SpecifierSet()
    reqs, _, _ = environment_requirements("dependencies:\n  - conda-forge::pytorch-cpu ==2.13.0\n")
    assert reqs == {"torch": SpecifierSet("==2.13.0")}
