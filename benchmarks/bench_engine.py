"""The receptive-field and gridding engine against the source's loops, with their targets.

Run with ``make bench`` (or ``.venv/bin/python benchmarks/bench_engine.py``).

1. ``utilization_map`` against seed 002's ``dilated_conv_all_map`` loops (kept in
   ``convlib.sources``) on a 257×257 map with rates [1, 2, 5, 1, 2, 5],
   timed alternately in the same run; target: at least 100× faster.
2. 20 layers on a 1025×1025 map; target: under 1 s.
3. ``receptive_field`` of a 100-layer stack; target: under 10 ms.

Medians of the repeats are printed with the targets. The script exits with 1 only
if the two implementations disagree (timings depend on the machine and its load).
Options: ``--repeats N`` (default 5), ``--quick`` (2 repeats).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import numpy as np

import convlib
from convlib import Layer, receptive_field, utilization_map
from convlib.sources import source_main


def _median(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    repeats = 2 if args.quick else args.repeats
    ok = True
    print(f"convlib {convlib.__version__}, numpy {np.__version__}: receptive-field and gridding engine")

    # 1. against the source's loops
    rates, size = [1, 2, 5, 1, 2, 5], 257
    ours = utilization_map(rates, size=size)
    theirs = source_main(rates, size=size)
    same = bool(np.array_equal(ours, theirs))
    ok &= same
    t_loop, t_ours = [], []
    for _ in range(repeats):  # alternately, in the same run
        t = time.perf_counter()
        source_main(rates, size=size)
        t_loop.append(time.perf_counter() - t)
        t_ours.append(_median(lambda: utilization_map(rates, size=size), 5))
    loop, fast = statistics.median(t_loop), statistics.median(t_ours)
    ratio = loop / fast
    print(f"\n1. utilization map, rates {rates}, {size}x{size}: identical={same}")
    print(f"   source loops   {loop * 1e3:10.2f} ms")
    print(f"   convlib        {fast * 1e3:10.3f} ms")
    print(f"   ratio          {ratio:10.0f}x   (target >= 100x: {'met' if ratio >= 100 else 'MISSED'})")

    # 2. twenty layers on a 1025x1025 map
    deep = ([1, 2, 5, 9, 17, 33] * 4)[:20]
    big = utilization_map(deep, size=1025)
    paths_ok = int(big.sum(dtype=object)) == 3 ** (2 * len(deep))  # 3^40 > int64: sum exactly
    ok &= paths_ok
    t_big = _median(lambda: utilization_map(deep, size=1025), repeats)
    field = receptive_field([Layer(3, dilation=r) for r in deep]).size
    print(f"\n2. 20 layers {deep[:6]}..., field {field}, 1025x1025 map: paths counted = 3^40: {paths_ok}")
    print(f"   convlib        {t_big * 1e3:10.2f} ms   (target < 1000 ms: {'met' if t_big < 1 else 'MISSED'})")
    strided = [Layer(3, 2 if i % 5 == 4 else 1, 1, 1 + i % 3) for i in range(20)]
    t_strided = _median(lambda: utilization_map(strided, size=1025), repeats)
    print(f"   strided stack  {t_strided * 1e3:10.2f} ms   (strides 2 every 5th layer, field "
          f"{receptive_field(strided).size})")

    # 3. closed form of a 100-layer stack
    stacks = {
        "100 (k, s, p) tuples": [(3, 2 if i % 10 == 9 else 1, 1) for i in range(100)],
        "100 Layers, 2-D tuples": [Layer((3, 1), (1 + (i % 10 == 9), 1), (1, 0), (1, 1 + i % 2)) for i in range(100)],
    }
    print("\n3. receptive_field of a 100-layer stack")
    for name, stack in stacks.items():
        receptive_field(stack)
        t_rf = _median(lambda: receptive_field(stack), max(repeats, 5) * 4)
        print(f"   {name:24} {t_rf * 1e3:8.3f} ms   (target < 10 ms: {'met' if t_rf < 0.01 else 'MISSED'})")

    if not ok:
        print("\nFAILED: the implementations disagree", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
