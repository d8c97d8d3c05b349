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
import shutil
import sys
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
