"""Real-browser tests: Playwright driving Debian's Chromium (never a downloaded browser).

Every test here is marked ``browser``. Without ``/usr/bin/chromium`` (or without Playwright)
the tests skip with the reason; with ``CI=true`` they fail instead, so CI cannot pass by
skipping them. Servers are started by the tests on 127.0.0.1 with temporary config folders;
screenshots are kept as artifacts under ``build/browser/``. ``CONVLIB_CHROMIUM`` overrides the
Chromium path (default ``/usr/bin/chromium``).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
ARTIFACTS = ROOT / "build" / "browser"
CHROMIUM = Path(os.environ.get("CONVLIB_CHROMIUM", "/usr/bin/chromium"))
# Flags that keep Chromium quiet on a machine with no network (TOOLING.md).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_SCHEMES = {"file", "data", "blob", "about", "chrome-error"}
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


# The same rule as a regex, so Playwright matches it in the browser driver (cheap) when aborting.
NOT_LOCAL = re.compile(r"^(?!(file|data|blob|about|chrome-error):)(?![a-z]+://(127\.0\.0\.1|localhost|\[::1\])[:/])")


def is_local(url: str) -> bool:
    """True for a URL that does not leave the machine."""
    parts = urlsplit(url)
    return parts.scheme in LOCAL_SCHEMES or parts.hostname in LOCAL_HOSTS


def unavailable(reason: str) -> None:
    """Skip (a user's machine) or fail (CI=true) because a browser-test prerequisite is missing."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} — CI=true, so browser tests must run (.ci/run installs chromium)", pytrace=False)
    pytest.skip(reason)


def notebook_id(path: Path) -> str:
    return path.stem


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """One headless Debian Chromium for the whole (per-worker) session."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        unavailable(f"no Chromium at {CHROMIUM}: `apt-get install -y chromium` to run the browser tests")
    try:
        from playwright.sync_api import sync_playwright  # noqa: PLC0415
    except ImportError:
        unavailable("the Python package playwright is not installed (it is in convlib's [test] extra)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


class PageLog:
    """Requests, failed requests, console messages and page errors of one page."""

    def __init__(self, page) -> None:
        self.requests: list[str] = []
        self.failed: list[str] = []
        self.console: list[tuple[str, str]] = []
        self.page_errors: list[str] = []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("requestfailed", lambda r: self.failed.append(f"{r.url} ({r.failure})"))
        page.on("console", lambda m: self.console.append((m.type, m.text)))
        page.on("pageerror", lambda e: self.page_errors.append(str(e)))

    @property
    def external(self) -> list[str]:
        return [u for u in self.requests if not is_local(u)]

    @property
    def console_errors(self) -> list[str]:
        return [text for kind, text in self.console if kind == "error"]


@pytest.fixture
def new_page(browser):
    """Factory: a fresh context+page whose requests leaving the machine are aborted (and logged)."""
    contexts = []

    def make(**context_args):
        ctx = browser.new_context(viewport={"width": 1280, "height": 800}, **context_args)
        contexts.append(ctx)
        page = ctx.new_page()
        log = PageLog(page)
        ctx.route(NOT_LOCAL, lambda route: route.abort())
        return page, log

    yield make
    for ctx in contexts:
        ctx.close()


def load_tool(path: Path):
    """Import a script under tools/ by its path (tools/ is not a package)."""
    name = "convlib_tools_" + path.stem
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def notebook_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def copy_tree(src: Path, dst: Path) -> None:
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))


# --- JupyterLab under test (one server per test module, on a copy of notebooks/) ----------------------

SETTINGS = {
    # no news/update pop-ups and no requests to the internet
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/extensionmanager-extension/plugin": {"enabled": False},
    # never write the running notebook back to disk
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
}


class Lab:
    """A running JupyterLab server."""

    def __init__(self, url: str, token: str, workdir: Path, proc: subprocess.Popen) -> None:
        self.url, self.token, self.workdir, self.proc = url, token, workdir, proc

    def api(self, path: str, method: str = "GET") -> object:
        req = urllib.request.Request(
            f"{self.url}{path}", method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310 - 127.0.0.1 only
            body = resp.read()
        return json.loads(body) if body else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(browser, tmp_path_factory, artifacts: Path, request) -> Iterator[Lab]:
    """Start JupyterLab on a fresh copy of notebooks/ (after the browser fixture: no Chromium, no server).

    Module-scoped: each test module gets its own server and its own pristine copy.
    """
    tmp = tmp_path_factory.mktemp("jupyterlab")
    workdir = tmp / "notebooks"
    copy_tree(ROOT / "notebooks", workdir)
    for plugin, values in SETTINGS.items():
        f = tmp / "settings" / f"{plugin}.jupyterlab-settings"
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(json.dumps(values))
    env = dict(
        os.environ,
        JUPYTER_CONFIG_DIR=str(tmp / "config"),
        JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(tmp / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(tmp / "workspaces"),
        JUPYTER_DATA_DIR=str(tmp / "data"),
        IPYTHONDIR=str(tmp / "ipython"),
        JUPYTER_PLATFORM_DIRS="1",
    )
    port, token = _free_port(), secrets.token_hex(16)
    cmd = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
        "--ip", "127.0.0.1", "--port", str(port), "--ServerApp.port_retries=0",
        f"--ServerApp.token={token}", f"--ServerApp.root_dir={workdir}",
        "--LabApp.expose_app_in_browser=True", "--MappingKernelManager.default_kernel_name=python3",
    ]  # fmt: skip
    log_path = artifacts / f"jupyterlab_{request.module.__name__.rsplit('.', 1)[-1]}.log"
    log = log_path.open("w")
    proc = subprocess.Popen(
        cmd, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    server = Lab(f"http://127.0.0.1:{port}", token, workdir, proc)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                server.api("/api/status")
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not start (see {log_path})")
                time.sleep(0.3)
        yield server
    finally:
        # SIGTERM: the server shuts its kernels down itself; kill it (and its process group,
        # which it got from start_new_session above) only if that hangs.
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


@pytest.fixture(scope="module")
def lab_page(lab: Lab, browser):
    """One JupyterLab page for all notebooks."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    ctx.route(NOT_LOCAL, lambda route: route.abort())
    page = ctx.new_page()
    page.goto(f"{lab.url}/lab?token={lab.token}")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.started !== undefined", timeout=60_000)
    page.evaluate("() => window.jupyterapp.started")
    page.wait_for_selector("#jp-main-dock-panel", timeout=60_000)
    yield page
    ctx.close()


OPEN_JS = """async (name) => {
  const app = window.jupyterapp;
  await app.restored;
  await app.commands.execute('docmanager:open', {path: name, factory: 'Notebook'});
}"""

READY_JS = """(name) => {
  const w = window.jupyterapp.shell.currentWidget;
  return !!(w && w.context && w.context.path === name && w.content && w.content.widgets.length
    && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel
    && w.sessionContext.kernelDisplayName.startsWith('Python 3')
    && w.sessionContext.session.kernel.status === 'idle');
}"""

CLOSE_JS = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  if (!w || !w.context) return;
  w.sessionContext.shutdown();  // not awaited: the kernel stops while the next notebook opens
  w.context.model.dirty = false;
  w.dispose();
}"""


CURRENT_PATH_JS = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  return w && w.context ? w.context.path : null;
}"""
