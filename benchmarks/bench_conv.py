"""convlib's conv2d / conv_transpose2d against torch CPU, on a fixed set of shapes.

Run with ``make bench`` (or ``.venv/bin/python benchmarks/bench_conv.py``).
float32, torch with its default number of threads; convlib and torch are timed
alternately in the same run, and the table shows the median of the repeats.
Each shape is run both ways: ``conv2d`` with the listed weight, and
``conv_transpose2d`` with the same weight tensor (its transposed layout), on an
input of the convolution's output shape -- except the last shape, which is a
transposed convolution by definition (its conv2d row is the matching forward
convolution).

Options: ``--repeats N`` (default 9), ``--quick`` (3 repeats), ``--single-thread``
(numpy's BLAS and torch on one thread each, timed in CPU seconds: a comparison
that stays meaningful on a machine busy with other work, where wall-clock times
of two-thread code swing by 10x), ``--no-isolation`` (keep the thread pools'
default spinning; see below).

Isolation. numpy's OpenBLAS and torch's OpenMP each keep worker threads that
spin after a call (OpenBLAS for about 2**28 cycles, ~0.1 s). Timed alternately
on two cores, each library's idle spinners steal the cores from the other: on
the development VM torch's dense convolution took 44 ms right after a convlib
call and 19 ms on its own. Timings made that way flatter convlib (the ratios
printed before this was fixed were 2-3x too low). So by default the script
restarts itself with ``OPENBLAS_THREAD_TIMEOUT=4`` (spin for 2**4 cycles) and
``OMP_WAIT_POLICY=PASSIVE``, which lets both pools go idle at once; each
library then runs as fast as it does alone.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

ISOLATION = {"OPENBLAS_THREAD_TIMEOUT": "4", "OMP_WAIT_POLICY": "PASSIVE"}
SINGLE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def _wanted_env() -> dict[str, str]:
    env = {} if "--no-isolation" in sys.argv else dict(ISOLATION)
    if "--single-thread" in sys.argv:
        env.update(SINGLE_THREAD)
    return env


if any(os.environ.get(k) != v for k, v in _wanted_env().items()):
    # the BLAS and OpenMP runtimes read these when they load: restart with them set
    os.execve(sys.executable, [sys.executable, *sys.argv], dict(os.environ, **_wanted_env()))

import numpy as np
import torch
import torch.nn.functional as F

import convlib

#: convlib's time over torch's, median over the shapes below (isolated timing, see the module docstring)
MEDIAN_TARGET = 2.5

# name, input (N, C, H, W), weight, keyword arguments -- the benchmark's shape set
SHAPES = [
    ("8x64->64 56x56 k3 s1 p1", (8, 64, 56, 56), (64, 64, 3, 3), dict(stride=1, padding=1)),
    ("1x3->16 224x224 k3 s2 p1", (1, 3, 224, 224), (16, 3, 3, 3), dict(stride=2, padding=1)),
    ("4x32->32 64x64 k3 d2 p2", (4, 32, 64, 64), (32, 32, 3, 3), dict(dilation=2, padding=2)),
    ("depthwise 8x64 56x56 k3 p1 g64", (8, 64, 56, 56), (64, 1, 3, 3), dict(padding=1, groups=64)),
]
# transposed (8, 64->32, 28x28, k4, s2, p1): weight (C_in=64, C_out=32, 4, 4)
TRANSPOSED = ("transposed 8x64->32 28x28 k4 s2 p1", (8, 64, 28, 28), (64, 32, 4, 4), dict(stride=2, padding=1))


CLOCK = time.perf_counter  # time.process_time with --single-thread


def _once(fn) -> float:
    t = CLOCK()
    fn()
    return CLOCK() - t


def compare(ours, theirs, repeats: int) -> tuple[float, float, float]:
    """Median seconds of ``ours`` and ``theirs``, timed alternately; max abs difference of the results."""
    a, b = ours(), theirs().numpy()  # warm-up, and the check that both compute the same thing
    diff = float(np.abs(a - b).max() / max(1.0, np.abs(b).max()))
    ours(), theirs()
    t_ours, t_theirs = [], []
    for _ in range(repeats):
        t_ours.append(_once(ours))
        t_theirs.append(_once(theirs))
    return statistics.median(t_ours), statistics.median(t_theirs), diff


def rows(repeats: int):
    rng = np.random.default_rng(0)
    cases = []
    for name, xs, ws, kw in SHAPES:
        x = rng.standard_normal(xs, dtype=np.float32)
        w = rng.standard_normal(ws, dtype=np.float32)
        cases.append(("conv2d", name, x, w, kw))
        y = convlib.conv2d(x, w, **kw)  # the transposed convolution maps the output shape back
        cases.append(("conv_transpose2d", name, y, w, kw))
    name, xs, ws, kw = TRANSPOSED
    x = rng.standard_normal(xs, dtype=np.float32)
    w = rng.standard_normal(ws, dtype=np.float32)
    y = convlib.conv_transpose2d(x, w, **kw)
    cases.append(("conv2d", name.replace("transposed", "forward of"), y, w, kw))
    cases.append(("conv_transpose2d", name, x, w, kw))
    for op, name, x, w, kw in cases:
        ours_fn = getattr(convlib, op)
        torch_fn = getattr(F, op)
        tx, tw = torch.from_numpy(x), torch.from_numpy(w)
        t_ours, t_torch, diff = compare(lambda: ours_fn(x, w, **kw), lambda: torch_fn(tx, tw, **kw), repeats)
        yield op, name, t_ours, t_torch, diff


def import_time(runs: int = 5) -> float:
    code = "import time; t = time.perf_counter(); import convlib; print(time.perf_counter() - t)"
    times = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
             for _ in range(runs)]
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--single-thread", action="store_true")
    parser.add_argument("--no-isolation", action="store_true",
                        help="keep OpenBLAS's and OpenMP's spinning threads (they slow each other down)")
    args = parser.parse_args()
    repeats = 3 if args.quick else args.repeats
    global CLOCK
    if args.single_thread:
        torch.set_num_threads(1)
        CLOCK = time.process_time
    clock = "CPU time, one thread each" if args.single_thread else "wall time"
    print(f"convlib {convlib.__version__} vs torch {torch.__version__} ({torch.get_num_threads()} threads), "
          f"numpy {np.__version__}, float32, median of {repeats} ({clock}); load average {os.getloadavg()[0]:.1f}")
    env = _wanted_env()
    print("environment: " + (" ".join(f"{k}={v}" for k, v in env.items()) or "as inherited (no isolation)"))
    header = f"{'op':<17} {'shape':<38} {'convlib_ms':>10} {'torch_ms':>9} {'ratio':>6}  rel.diff"
    print(header)
    print("-" * len(header))
    ratios = []
    for op, name, t_ours, t_torch, diff in rows(repeats):
        ratio = t_ours / t_torch
        ratios.append(ratio)
        print(f"{op:<17} {name:<38} {t_ours * 1e3:10.2f} {t_torch * 1e3:9.2f} {ratio:6.2f}  {diff:.1e}")
    print("-" * len(header))
    median = statistics.median(ratios)
    print(f"median ratio {median:.2f} (target <= {MEDIAN_TARGET}: {'met' if median <= MEDIAN_TARGET else 'MISSED'}); "
          f"worst {max(ratios):.2f}; rows within {MEDIAN_TARGET}: {sum(r <= MEDIAN_TARGET for r in ratios)}/{len(ratios)}")
    print(f"import convlib: {import_time() * 1e3:.0f} ms (median of 5 fresh interpreters; torch not imported: "
          f"{_torch_free()})")


def _torch_free() -> bool:
    code = "import sys, convlib; print('torch' not in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return out.stdout.strip() == "True"


if __name__ == "__main__":
    main()
