"""Execute each notebook in a fresh kernel and report the kernel's peak memory (Binder's cap is 2 GB).

For every ``notebooks/NN_*.ipynb`` (or the notebooks given) this runs all cells with nbclient,
exactly as ``make execute`` does but on an in-memory copy (nothing is written back), and
reports

* the kernel's peak resident set size: ``VmHWM`` from ``/proc/PID/status``, the kernel
  process's own high-water mark, read before the kernel shuts down;
* the peak of kernel + child processes, sampled every 50 ms (children would be e.g. data-loader
  workers; normally equal to the above);
* the kernel's resident set size after the last cell (``VmRSS``): what the kernel keeps holding while
  it sits idle — until it is shut down or culled (Binder: ``tools/binder_config.py``).

It exits 1 when any notebook's peak exceeds ``--limit-mb`` (default 2048, mybinder's cap; the
guaranteed share is 1 GB, and the Jupyter server itself needs about 100 MB more). Linux only.

Usage::

    python tools/peak_memory.py [NOTEBOOK ...] [--limit-mb 2048] [--json build/peak_memory.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BINDER_LIMIT_MB = 2048
MB = 1024 * 1024


@dataclass(frozen=True)
class Measurement:
    """Peak memory of one notebook's kernel."""

    notebook: str
    peak_rss_mb: float  # VmHWM of the kernel process
    peak_tree_mb: float  # sampled peak of kernel + children
    seconds: float
    idle_rss_mb: float = 0.0  # RSS after the last cell: what the idle kernel keeps holding until culled

    @property
    def peak_mb(self) -> float:
        return max(self.peak_rss_mb, self.peak_tree_mb)


def vm_hwm_bytes(pid: int, field: str = "VmHWM") -> int:
    """Peak resident set size of process ``pid`` from /proc (Linux), in bytes (``field="VmRSS"``: current)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            value, unit = line.split()[1:3]
            if unit.lower() != "kb":  # pragma: no cover - the kernel always reports kB
                raise ValueError(f"unexpected unit {unit!r} in /proc/{pid}/status")
            return int(value) * 1024
    raise ValueError(f"no {field} line in /proc/{pid}/status")


def tree_rss_bytes(pid: int) -> int:
    """Current RSS of ``pid`` and all its descendants (0 once it has exited)."""
    import psutil  # noqa: PLC0415 - ipykernel depends on it, so it is there with the course install

    try:
        proc = psutil.Process(pid)
        procs = [proc, *proc.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total


class _Sampler(threading.Thread):
    def __init__(self, pid: int, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak = pid, interval, 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.peak = max(self.peak, tree_rss_bytes(self.pid))
            self._stop_event.wait(self.interval)

    def stop(self) -> int:
        self._stop_event.set()
        self.join()
        return self.peak


def _kernel_pid(client) -> int:
    provisioner = client.km.provisioner
    pid = getattr(provisioner, "pid", None) or getattr(getattr(provisioner, "process", None), "pid", None)
    if not pid:
        raise RuntimeError("cannot find the kernel's process id (only local kernels are supported)")
    return int(pid)


def measure(path: Path, *, timeout: int = 600) -> Measurement:
    """Run ``path`` top to bottom in a fresh ``python3`` kernel; return its peak memory."""
    import nbformat  # noqa: PLC0415
    from nbclient import NotebookClient  # noqa: PLC0415

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, kernel_name="python3", timeout=timeout, resources={"metadata": {"path": str(path.parent)}}
    )
    t0 = time.perf_counter()
    with client.setup_kernel():
        pid = _kernel_pid(client)
        sampler = _Sampler(pid)
        sampler.start()
        try:
            for index, cell in enumerate(nb.cells):
                client.execute_cell(cell, index)
            hwm = vm_hwm_bytes(pid)
            idle = vm_hwm_bytes(pid, "VmRSS")
        finally:
            tree = sampler.stop()
    return Measurement(
        path.name, round(hwm / MB, 1), round(tree / MB, 1), round(time.perf_counter() - t0, 1), round(idle / MB, 1)
    )


def report(results: Sequence[Measurement], limit_mb: float) -> str:
    width = max([len(r.notebook) for r in results] + [8])
    lines = [f"{'notebook':<{width}}  {'peak RSS':>9}  {'tree peak':>9}  {'idle RSS':>9}  {'time':>7}"]
    for r in results:
        flag = "  OVER LIMIT" if r.peak_mb > limit_mb else ""
        lines.append(
            f"{r.notebook:<{width}}  {r.peak_rss_mb:>6.0f} MB  {r.peak_tree_mb:>6.0f} MB  {r.idle_rss_mb:>6.0f} MB"
            f"  {r.seconds:>5.1f} s{flag}"
        )
    if results:
        worst = max(results, key=lambda r: r.peak_mb)
        verdict = "OK" if worst.peak_mb <= limit_mb else "TOO BIG"
        lines.append(f"max {worst.peak_mb:.0f} MB ({worst.notebook}) of the {limit_mb:.0f} MB limit: {verdict}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebooks/NN_*.ipynb")
    parser.add_argument("--limit-mb", type=float, default=BINDER_LIMIT_MB, help="fail above this (default 2048)")
    parser.add_argument("--json", type=Path, default=None, help="also write the measurements here")
    args = parser.parse_args(argv)
    if args.limit_mb <= 0:
        parser.error(f"--limit-mb={args.limit_mb} must be positive")
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    results = []
    for path in paths:
        print(f"executing {path.name} ...", file=sys.stderr, flush=True)
        results.append(measure(path))
    print(report(results, args.limit_mb))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = [asdict(r) | {"peak_mb": r.peak_mb} for r in results]
        args.json.write_text(json.dumps({"limit_mb": args.limit_mb, "notebooks": payload}, indent=1) + "\n")
    return 1 if any(r.peak_mb > args.limit_mb for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
