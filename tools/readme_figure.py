"""Draw the README's picture of the course with convlib itself: ``docs/course.png``.

Three panels, each a figure the notebooks draw and check:

1. one step of a dilated convolution (7×7 input, 3×3 kernel, rate 2) — chapter 02;
2. the gridding effect: how often each input pixel reaches one output of three stacked 3×3 layers,
   rates [2, 2, 2] against the hybrid [1, 2, 3] — chapters 04–05;
3. the uneven overlap of a stride-2, 3×3 transposed convolution behind checkerboard artifacts — chapter 07.

The file is written without a timestamp or software tag in its metadata, so an unchanged convlib and
matplotlib write the same bytes; ``tests/test_readme.py`` checks it is current and small.

Usage::

    python tools/readme_figure.py [--out docs/course.png]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "course.png"
DPI = 80


def figure():
    """The three-panel figure (a matplotlib Figure)."""
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    import convlib  # noqa: PLC0415

    convlib.setup()
    fig, (step, grid222, grid123, overlap) = plt.subplots(
        1, 4, figsize=(15, 4.2), width_ratios=[1.25, 1, 1, 1.1], layout="constrained"
    )
    convlib.plot_conv_step(convlib.ConvSpec(7, 3, dilation=2), position=4, ax=step, legend=False,
                           title="dilated 3×3 kernel, rate 2")  # fmt: skip
    convlib.plot_map_progression(
        [convlib.utilization_map([2, 2, 2]), convlib.utilization_map([1, 2, 3])], axes=[grid222, grid123],
        titles=["gridding: rates [2, 2, 2]", "hybrid rates [1, 2, 3]"], annotate=False,
    )  # fmt: skip
    convlib.plot_overlap(convlib.overlap_counts((4, 4), 3, 2), ax=overlap, title="transposed 3×3, stride 2")
    return fig


def write(out: Path = OUT) -> Path:
    import matplotlib.pyplot as plt  # noqa: PLC0415

    fig = figure()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=DPI, metadata={"Software": None}, pil_kwargs={"optimize": True})
    plt.close(fig)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT, help="default: docs/course.png")
    args = parser.parse_args(argv)
    path = write(args.out)
    print(f"wrote {path} ({path.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
