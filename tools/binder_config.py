"""Jupyter settings that keep a Binder session of the course inside mybinder.org's 2 GB.

Each executed notebook's kernel holds a few hundred MB (PyTorch alone is about 220 MB; ``make memory``
measures every notebook), and by default a kernel lives until the server stops — closing the tab does
not end it. A student who follows the prev/next links through five notebooks would keep five kernels.
``postBuild`` runs this script once, at image build time, as the Binder user; it writes

* ``<jupyter config dir>/jupyter_server_config.json`` — the server culls kernels idle for
  :data:`CULL_IDLE_TIMEOUT` seconds, checking every :data:`CULL_INTERVAL` seconds, *even while a
  browser tab is still connected* (students leave tabs open), never while a cell runs;
* ``<jupyter config dir>/jupyter_notebook_config.json`` — the same for the classic Notebook server,
  should the image start that one instead;
* ``<jupyter config dir>/labconfig/default_setting_overrides.json`` — JupyterLab shuts a notebook's
  kernel down when its tab is closed.

A culled kernel loses its variables; *Run → Run All Cells* rebuilds them (every notebook starts with
its setup call). Existing settings in those files are kept; running the script twice changes nothing.
Only the standard library is used, and nothing is installed.

Usage::

    python tools/binder_config.py [--config-dir DIR]    # default: jupyter's user config dir
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

#: A kernel idle this long (seconds) is shut down: long enough to read a section, short enough that
#: a student paging through the course holds at most a few executed kernels at a time.
CULL_IDLE_TIMEOUT = 600
CULL_INTERVAL = 60
KERNEL_CULLING = {
    "cull_idle_timeout": CULL_IDLE_TIMEOUT,
    "cull_interval": CULL_INTERVAL,
    "cull_connected": True,  # an open browser tab does not keep an idle kernel alive
    "cull_busy": False,  # never interrupt a running cell
}
SERVER_CONFIG_FILES = ("jupyter_server_config.json", "jupyter_notebook_config.json")
LAB_OVERRIDES = {"@jupyterlab/notebook-extension:tracker": {"kernelShutdown": True}}


def default_config_dir() -> Path:
    """Jupyter's user config directory (what ``jupyter --config-dir`` prints)."""
    try:
        from jupyter_core.paths import jupyter_config_dir  # noqa: PLC0415 - there on every Jupyter install
    except ImportError:  # pragma: no cover - the same rule, without jupyter_core
        return Path(os.environ.get("JUPYTER_CONFIG_DIR") or Path.home() / ".jupyter")
    return Path(jupyter_config_dir())


def _merge(path: Path, section: str, values: dict) -> bool:
    """Set ``values`` under ``section`` in the JSON file at ``path``, keeping the rest; True if changed."""
    try:
        config = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    except ValueError as exc:
        raise ValueError(f"{path} is not valid JSON ({exc}); fix or remove it") from exc
    merged = {**config, section: {**config.get(section, {}), **values}}
    if merged == config:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(merged, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return True


def write(config_dir: Path) -> list[Path]:
    """Write the culling and kernel-shutdown settings under ``config_dir``; return the files changed."""
    changed = [p for name in SERVER_CONFIG_FILES if _merge(p := config_dir / name, "MappingKernelManager", KERNEL_CULLING)]
    overrides = config_dir / "labconfig" / "default_setting_overrides.json"
    for plugin, values in LAB_OVERRIDES.items():
        if _merge(overrides, plugin, values) and overrides not in changed:
            changed.append(overrides)
    return changed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config-dir", type=Path, default=None, help="default: jupyter's user config dir")
    args = parser.parse_args(argv)
    config_dir = args.config_dir or default_config_dir()
    changed = write(config_dir)
    for path in changed:
        print(f"wrote {path}")
    print(
        f"kernels idle for {CULL_IDLE_TIMEOUT // 60} min are culled (checked every {CULL_INTERVAL} s, open tabs "
        f"included); closing a notebook tab shuts its kernel down — settings in {config_dir}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
