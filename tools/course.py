"""The course's commands, in plain Python: `make` calls them, and they work where there is no make.

    python tools/course.py install    create .venv/, install PyTorch (CPU build), then convlib[all]
    python tools/course.py lab        install if needed, then open JupyterLab on notebooks/
    python tools/course.py test       install if needed, then every unit, property, notebook and browser test
    python tools/course.py execute    re-execute every notebook in a fresh kernel, then normalize it
    python tools/course.py torch      print how PyTorch would be installed (requirement, index, pip command)

On Windows (no make): ``py -3.11 tools\\course.py lab`` and ``py -3.11 tools\\course.py test``.
Only the standard library is used here, so any Python 3.11+ can run it before .venv/ exists.

PyTorch: the CPU build, from PyTorch's own CPU wheel index — the one its install selector gives for
"CPU": https://download.pytorch.org/whl/cpu. Where PyTorch labels its CPU wheels (Linux, Windows) the
pin carries the label, ``torch==2.13.0+cpu``, so no other index can ever supply a CUDA build: if the
CPU index cannot be reached, pip looks in the indexes it is configured with and either finds a
``+cpu`` wheel there (a local mirror or wheel folder) or stops with an error. macOS wheels have no
label and are CPU/MPS builds on every index. Override with environment variables (or make variables):

    TORCH_INDEX=https://download.pytorch.org/whl/cu126   another PyTorch index; the pin takes its label (+cu126)
    TORCH_INDEX=none                                     only pip's configured indexes, unlabelled pin
                                                         (on Linux, PyPI serves the multi-GB CUDA build)
    TORCH_REQUIREMENT='torch==2.13.0'                    the exact requirement, used as given

The torch version has one home: the ``torch`` extra in pyproject.toml.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shlex
import socket
import ssl
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TORCH_INDEX = "https://download.pytorch.org/whl/cpu"
#: Last path segment of a PyTorch wheel index -> the local version label of its wheels.
VARIANT = re.compile(r"cpu|cu\d+|rocm\d+(\.\d+)*|xpu")
PROBE_TIMEOUT = 5.0  # seconds: an unreachable index costs at most this, not pip's minutes of retries
SANITIZE = "tests/nbval_sanitize.cfg"
STAMP_NAME = ".convlib-installed"
PIP = ["-m", "pip", "install", "--disable-pip-version-check"]


# --- PyTorch: which build, from where -------------------------------------------------------------


def torch_version(root: Path = ROOT) -> str:
    """The exact torch version pinned by pyproject.toml's ``torch`` extra (e.g. ``"2.13.0"``)."""
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pins = [
        m.group(1)
        for req in project["optional-dependencies"]["torch"]
        if (m := re.fullmatch(r"\s*torch\s*==\s*([0-9][0-9A-Za-z.]*)\s*", req))
    ]
    if len(pins) != 1:
        raise ValueError(f"pyproject.toml's torch extra must pin one exact release (torch==X.Y.Z), not {project['optional-dependencies']['torch']}")
    return pins[0]


@dataclass(frozen=True)
class TorchPlan:
    """How PyTorch is installed: the requirement and the extra index (None: pip's own indexes only)."""

    requirement: str
    index: str | None

    def pip_args(self, *, with_index: bool = True) -> list[str]:
        """Arguments after ``python -m pip install``."""
        extra = ["--extra-index-url", self.index] if self.index and with_index else []
        return [*extra, self.requirement]


def torch_plan(
    version: str,
    *,
    system: str | None = None,
    index: str | None = None,
    requirement: str | None = None,
) -> TorchPlan:
    """The requirement and index for this platform and these overrides.

    >>> torch_plan("2.13.0", system="Linux")
    TorchPlan(requirement='torch==2.13.0+cpu', index='https://download.pytorch.org/whl/cpu')
    >>> torch_plan("2.13.0", system="Darwin").requirement
    'torch==2.13.0'
    >>> torch_plan("2.13.0", system="Windows", index="https://download.pytorch.org/whl/cu126/").requirement
    'torch==2.13.0+cu126'
    >>> torch_plan("2.13.0", system="Linux", index="none")
    TorchPlan(requirement='torch==2.13.0', index=None)
    """
    system = system or platform.system()
    index = (index or "").strip() or DEFAULT_TORCH_INDEX
    if index.lower() == "none":
        index = None
    if requirement and requirement.strip():
        return TorchPlan(requirement.strip(), index)
    label = ""
    if index is not None and system != "Darwin":  # PyTorch's macOS wheels carry no local label
        last = index.rstrip("/").rsplit("/", 1)[-1]
        if VARIANT.fullmatch(last):
            label = "+" + last
    return TorchPlan(f"torch=={version}{label}", index)


def plan_from_environment(root: Path = ROOT, environ: dict | None = None) -> TorchPlan:
    env = os.environ if environ is None else environ
    return torch_plan(torch_version(root), index=env.get("TORCH_INDEX"), requirement=env.get("TORCH_REQUIREMENT"))


def unreachable(index: str, timeout: float = PROBE_TIMEOUT) -> str | None:
    """Why ``index`` cannot be reached (``None`` if it answers).

    Only a failure to connect counts: any HTTP answer, or a TLS problem that pip's own certificate
    settings may solve, leaves the decision to pip.
    """
    if index.startswith("file:"):
        path = Path(urllib.request.url2pathname(index[len("file:") :].removeprefix("//")))
        return None if path.is_dir() else f"{path} is not a directory"
    request = urllib.request.Request(index.rstrip("/") + "/torch/", method="HEAD")
    try:
        with urllib.request.urlopen(request, timeout=timeout):  # noqa: S310 - an https index
            return None
    except urllib.error.HTTPError:
        return None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, ssl.SSLError | ssl.CertificateError):
            return None
        return str(exc.reason)
    except (TimeoutError, socket.timeout) as exc:
        return f"no answer within {timeout:g} s ({exc})"
    except OSError as exc:
        return str(exc)


def install_torch(python: str, plan: TorchPlan, *, pip_options: Sequence[str] = (), env: dict | None = None) -> int:
    """Install ``plan`` into the environment of ``python``; return pip's exit status."""
    with_index = True
    if plan.index is not None:
        t0 = time.monotonic()
        reason = unreachable(plan.index)
        if reason is not None:
            with_index = False
            print(
                f"note: {plan.index} cannot be reached ({reason}; checked in {time.monotonic() - t0:.1f} s).\n"
                f"      Looking for {plan.requirement} in the indexes pip is configured with instead.",
                flush=True,
            )
    cmd = [python, *PIP, *pip_options, *plan.pip_args(with_index=with_index)]
    print("$ " + shlex.join(cmd), flush=True)
    code = subprocess.call(cmd, env=env)
    if code != 0:
        print(
            f"\nPyTorch was not installed ({plan.requirement}). The course needs the CPU build; it is never\n"
            "replaced by the multi-GB CUDA build behind your back. Options (README, 'Installing PyTorch'):\n"
            "  - check the connection to download.pytorch.org and run the command again;\n"
            "  - TORCH_INDEX=<a mirror of PyTorch's CPU index>, or TORCH_REQUIREMENT=<an exact requirement>;\n"
            "  - TORCH_INDEX=none to take whatever build pip's own indexes serve (CUDA on Linux, several GB).",
            file=sys.stderr,
        )
    return code


# --- the virtual environment ----------------------------------------------------------------------


@dataclass(frozen=True)
class Venv:
    path: Path

    @property
    def python(self) -> Path:
        return self.path / ("Scripts/python.exe" if os.name == "nt" else "bin/python")

    @property
    def stamp(self) -> Path:
        return self.path / STAMP_NAME

    def current(self, root: Path = ROOT) -> bool:
        """Installed, and not older than pyproject.toml (what make's stamp rule checks too)."""
        return self.stamp.is_file() and self.stamp.stat().st_mtime >= (root / "pyproject.toml").stat().st_mtime

    def recorded(self) -> dict:
        try:
            return json.loads(self.stamp.read_text(encoding="utf-8") or "{}")
        except (OSError, ValueError):
            return {}

    def installed_torch(self) -> str | None:
        out = subprocess.run(
            [str(self.python), "-c", "import importlib.metadata as m; print(m.version('torch'))"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        return out.stdout.strip() or None if out.returncode == 0 else None


def install(venv: Venv, *, root: Path = ROOT, force: bool = False) -> int:
    """Create ``venv`` if needed, install the planned PyTorch, then ``convlib[all]`` in editable mode."""
    if sys.version_info < (3, 11):
        print(f"Python 3.11 or newer is needed; this is {platform.python_version()}", file=sys.stderr)
        return 1
    plan = plan_from_environment(root)
    if not force and venv.current(root) and venv.recorded().get("torch") == asdict(plan):
        print(f"{venv.path} is up to date (delete {venv.stamp} to reinstall)")
        return 0
    if not venv.python.exists():
        print(f"creating {venv.path} with Python {platform.python_version()}", flush=True)
        code = subprocess.call([sys.executable, "-m", "venv", str(venv.path)])
        if code:
            return code
    python = str(venv.python)
    wanted = plan.requirement.partition("==")[2]
    if plan.requirement.startswith("torch==") and venv.installed_torch() == wanted:
        print(f"torch {wanted} is installed")
    else:
        print(f"installing PyTorch: {plan.requirement}" + (f" (index {plan.index})" if plan.index else ""), flush=True)
        if code := install_torch(python, plan, pip_options=["--quiet"]):
            return code
    # The extra's `torch==X.Y.Z` is satisfied by the X.Y.Z+cpu just installed: pip adds no other torch.
    print("installing convlib (editable) with its extras", flush=True)
    code = subprocess.call([python, *PIP, "--quiet", "-e", f"{root}[all]"], cwd=root)
    if code:
        return code
    venv.stamp.write_text(json.dumps({"torch": asdict(plan)}, indent=1) + "\n", encoding="utf-8")
    return 0


def ensure_installed(venv: Venv, root: Path = ROOT) -> int:
    """Install unless the environment is current (the torch choice of an earlier install is kept)."""
    return 0 if venv.current(root) else install(venv, root=root, force=True)


# --- the commands -------------------------------------------------------------------------------


def lab_command(venv: Venv, extra: Sequence[str] = ()) -> list[str]:
    """JupyterLab on notebooks/ (with --allow-root when run as root, e.g. in a container)."""
    root_flag = ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
    return [str(venv.python), "-m", "jupyterlab", *root_flag, *extra, "notebooks"]


def test_command(venv: Venv, jobs: str = "2", extra: Sequence[str] = ()) -> list[str]:
    """Every test: unit and property tests, browser tests, and nbval over every notebook."""
    return [
        str(venv.python), "-m", "pytest", "-n", str(jobs), "--dist", "loadscope",
        "--nbval", "--nbval-current-env", "--nbval-sanitize-with", SANITIZE,
        *extra, "tests", "convlib", "notebooks",
    ]  # fmt: skip


def execute_commands(venv: Venv, notebook: Path) -> list[list[str]]:
    """Execute ``notebook`` in place in a fresh kernel (no timing metadata), then put it in normal form."""
    return [
        [
            str(venv.python), "-m", "nbconvert", "--to", "notebook", "--execute", "--inplace",
            "--ExecutePreprocessor.kernel_name=python3", "--ExecutePreprocessor.timeout=600",
            "--ExecutePreprocessor.record_timing=False", str(notebook),
        ],
        [str(venv.python), str(ROOT / "tools" / "nbnormal.py"), str(notebook)],
    ]  # fmt: skip


NBVAL_UNCOMPARED = {"NBVAL_IGNORE_OUTPUT": "nbval-ignore-output", "NBVAL_SKIP": "nbval-skip"}


def uncompared(cell: dict) -> bool:
    """True for a code cell whose outputs nbval does not compare (declared machine- or run-dependent)."""
    source = cell.get("source", "")
    source = "".join(source) if isinstance(source, list) else source
    comments = {line.strip().lstrip("#").strip() for line in source.splitlines() if line.lstrip().startswith("#")}
    tags = set(cell.get("metadata", {}).get("tags", []))
    return any(marker in comments or tag in tags for marker, tag in NBVAL_UNCOMPARED.items())


def same_but_uncompared(old: dict, new: dict) -> bool:
    """True when two notebooks differ at most in the outputs of cells nbval does not compare."""

    def masked(nb: dict) -> dict:
        cells = [{**c, "outputs": None} if c.get("cell_type") == "code" and uncompared(c) else c for c in nb.get("cells", [])]
        return {**nb, "cells": cells}

    return masked(old) == masked(new)


def execute(venv: Venv, notebooks: Sequence[Path]) -> int:
    """Re-execute ``notebooks``; a notebook whose only changes are in outputs nbval does not compare
    (a measured time, say) is left exactly as it was — still one complete earlier execution."""
    for notebook in notebooks:
        print(f"executing {notebook}", flush=True)
        before = notebook.read_bytes()
        for cmd in execute_commands(venv, notebook):
            if code := subprocess.call(cmd):
                return code
        after = notebook.read_bytes()
        if after != before and same_but_uncompared(json.loads(before), json.loads(after)):
            notebook.write_bytes(before)
            print(f"  {notebook.name}: only outputs that nbval does not compare changed; file kept as it was")
    return 0


def course_notebooks(root: Path = ROOT) -> list[Path]:
    return sorted((root / "notebooks").glob("*.ipynb"))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("--venv", type=Path, default=Path(os.environ.get("VENV") or ".venv"), help="default: .venv")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("install", help="create the environment (skipped when current)").add_argument(
        "--force", action="store_true", help="reinstall even when current"
    )
    sub.add_parser("lab", help="open JupyterLab on notebooks/ (extra arguments go to jupyter lab)")
    p_test = sub.add_parser("test", help="run every test (extra arguments go to pytest)")
    p_test.add_argument("--jobs", default=os.environ.get("JOBS") or "2", help="pytest-xdist workers (default 2)")
    p_exec = sub.add_parser("execute", help="re-execute notebooks in place, then normalize them")
    p_exec.add_argument("notebooks", nargs="*", type=Path, help="default: every notebook")
    sub.add_parser("torch", help="print the PyTorch plan and the pip command; install nothing")
    args, extra = parser.parse_known_args(argv)
    if extra and args.command not in {"lab", "test"}:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")

    os.chdir(ROOT)
    venv = Venv(args.venv if args.venv.is_absolute() else ROOT / args.venv)
    if args.command == "torch":
        plan = plan_from_environment()
        print(json.dumps({**asdict(plan), "pip": ["python", *PIP, *plan.pip_args()]}, indent=1))
        return 0
    if args.command == "install":
        return install(venv, force=args.force)
    if code := ensure_installed(venv):
        return code
    if args.command == "lab":
        return subprocess.call(lab_command(venv, extra))
    if args.command == "test":
        return subprocess.call(test_command(venv, args.jobs, extra))
    if args.command == "execute":
        return execute(venv, args.notebooks or course_notebooks())
    raise AssertionError(args.command)  # pragma: no cover


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
