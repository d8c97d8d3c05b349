"""Overlap-count maps of transposed convolution — the checkerboard, drawn.

:func:`plot_overlap` draws one count map (1-D as bars, 2-D as a map with
numbers); :func:`plot_checkerboard` draws stacked transposed convolutions layer
by layer and, beside them, resize-then-convolve with the same kernel. The counts
come from :mod:`convlib.overlap` (:func:`~convlib.overlap.checkerboard`).

Introduced in 07_checkerboard_artifacts.ipynb.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..overlap import Checkerboard, checkerboard
from ..style import COLORS
from . import _draw

#: Largest map (per side) that gets a number in every cell.
MAX_NUMBERED = 20


@dataclass(frozen=True, repr=False)
class OverlapPlot:
    """What :func:`plot_overlap` drew.

    Attributes
    ----------
    ax : Axes
    counts : the drawn counts (1-D or 2-D)
    texts : number written per cell (index tuple -> text); empty when the map is too big
    even : verdict written on the panel (None when not judged)
    """

    ax: Axes
    counts: np.ndarray
    texts: dict[tuple[int, ...], str] = field(default_factory=dict)
    even: bool | None = None

    def __repr__(self) -> str:
        verdict = {None: "", True: ", even", False: ", uneven"}[self.even]
        return f"OverlapPlot({'×'.join(map(str, self.counts.shape))} counts, max {self.counts.max():g}{verdict})"


def plot_overlap(
    counts: np.ndarray,
    *,
    ax: Axes | None = None,
    numbers: bool | None = None,
    title: str | None = None,
    vmax: float | None = None,
    even: bool | None = None,
) -> OverlapPlot:
    """Draw a count map: 1-D as coloured bars, 2-D as a white→blue→red map.

    Introduced in 07_checkerboard_artifacts.ipynb.

    Parameters
    ----------
    counts : ndarray, 1-D or 2-D
    ax : Axes, optional
    numbers : bool, optional
        Write every count (default: when the map has at most ``MAX_NUMBERED`` cells per side
        (2-D) or 40 bars (1-D)).
    title : str, optional
    vmax : float, optional
        Top of the colour scale (share it between panels to compare them).
    even : bool, optional
        Verdict to append to the title ("even" / "uneven: checkerboard").

    Returns
    -------
    OverlapPlot
    """
    counts = np.asarray(counts, dtype=np.float64)
    if counts.ndim not in (1, 2):
        raise ValueError(f"counts with shape {counts.shape} must be 1-D or 2-D")
    if counts.size == 0:
        raise ValueError("counts is empty")
    cmap = _draw.count_cmap()
    top = float(counts.max() if vmax is None else vmax) or 1.0
    texts: dict[tuple[int, ...], str] = {}
    if counts.ndim == 1:
        n = counts.shape[0]
        if ax is None:
            _, ax = plt.subplots(figsize=(max(5.0, min(12.0, 0.35 * n + 1.5)), 3.2), layout="constrained")
        ax.bar(np.arange(n), counts, width=0.85, color=cmap(counts / top), edgecolor=COLORS["grid"])
        ax.set_xlabel("output position")
        ax.set_ylabel("stamps received")
        ax.set_ylim(0, top * 1.22)
        ax.set_xlim(-0.6, n - 0.4)
        ax.spines[["top", "right"]].set_visible(False)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if numbers is None:
            numbers = n <= 40
        if numbers:
            size = max(8.0, min(13.0, 260.0 / max(n, 1)))
            for i, v in enumerate(counts):
                texts[(i,)] = _draw.fmt_number(v)
                ax.text(i, v + top * 0.03, texts[(i,)], ha="center", va="bottom", fontsize=size, in_layout=False)
    else:
        h, w = counts.shape
        if ax is None:
            side = max(3.5, min(7.0, 0.4 * max(h, w) + 1.0))
            _, ax = plt.subplots(figsize=(side * w / max(h, w) + 0.6, side * h / max(h, w) + 0.8),
                                 layout="constrained")
        ax.imshow(counts, cmap=cmap, vmin=0, vmax=top, interpolation="nearest")
        if max(h, w) <= 40:
            _draw.cell_borders(ax, (0, h - 1), (0, w - 1), linewidth=0.8)
        ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
        if numbers is None:
            numbers = max(h, w) <= MAX_NUMBERED
        if numbers:
            size = _draw.cell_fontsize(ax, w, fraction=0.4)
            for r, c in np.ndindex(h, w):
                v = counts[r, c]
                texts[(r, c)] = _draw.fmt_number(v)
                red, green, blue, _ = cmap(v / top)
                dark = 0.299 * red + 0.587 * green + 0.114 * blue < 0.5
                ax.text(c, r, texts[(r, c)], ha="center", va="center", fontsize=size,
                        color="white" if dark else COLORS["text"], in_layout=False)
    if even is not None:
        verdict = "even" if even else "uneven: checkerboard"
        title = f"{title}\n{verdict}" if title else verdict
    if title:
        ax.set_title(title, fontsize=13)
    return OverlapPlot(ax, counts, texts, even)


@dataclass(frozen=True, repr=False)
class CheckerboardFigure:
    """What :func:`plot_checkerboard` drew.

    Attributes
    ----------
    figure : Figure
    layers : one OverlapPlot per stacked transposed convolution (after layer 1, 2, …)
    resize : OverlapPlot of resize-then-convolve after the same number of layers (or None)
    """

    figure: Figure
    layers: list[OverlapPlot]
    resize: OverlapPlot | None

    @property
    def counts(self) -> list[np.ndarray]:
        """Count maps after each transposed layer."""
        return [p.counts for p in self.layers]

    def __repr__(self) -> str:
        last = self.layers[-1]
        text = f"CheckerboardFigure({len(self.layers)} transposed layer(s) → {last!r}"
        return text + (f"; resize-conv → {self.resize!r})" if self.resize is not None else ")")


def plot_checkerboard(
    kernel_size: int = 3,
    stride: int = 2,
    *,
    input_size: int | tuple[int, int] = (5, 5),
    layers: int = 1,
    padding: int = 0,
    resize: bool = True,
    numbers: bool | None = None,
    figsize: tuple[float, float] | None = None,
    result: Checkerboard | None = None,
) -> CheckerboardFigure:
    """Overlap counts of ``layers`` stacked transposed convolutions, and resize-conv beside them.

    Every layer has the given kernel size, stride and padding and is fed all ones
    with an all-ones kernel, so each cell shows how many kernel stamps reach it.
    The last panel upsamples by ``stride`` with nearest-neighbour resize and
    convolves (stride 1, ``'same'``) with the same kernel size, ``layers`` times.
    Each panel says whether its interior (away from the border) is even.

    Introduced in 07_checkerboard_artifacts.ipynb.

    Parameters
    ----------
    kernel_size, stride, padding : int
    input_size : int or (int, int)
        An int draws 1-D bar charts, a pair 2-D maps.
    layers : int
        Number of stacked layers; one panel per layer.
    resize : bool
        Add the resize-then-convolve panel.
    numbers : bool, optional
        Force numbers on or off (default: only on small maps).
    figsize : optional
    result : Checkerboard, optional
        The counts to draw (:func:`convlib.overlap.checkerboard`); default: computed from the settings.

    Returns
    -------
    CheckerboardFigure
    """
    res = checkerboard(kernel_size, stride, input_size=input_size, layers=layers, padding=padding,
                       resize=resize) if result is None else result
    maps, resized = res.maps, res.resized
    k, s, p = res.kernel_size, res.stride, res.padding
    panels = len(maps) + (1 if resized is not None else 0)
    two_d = maps[0].ndim == 2
    if figsize is None:
        each = 3.6 if two_d else 4.2
        title_lines = 3 if res.layers > 1 else 2
        figsize = (min(18.0, max(6.0, each * panels)), (3.6 if two_d else 2.6) + 0.3 * title_lines + 0.3)
    fig, axes = plt.subplots(1, panels, figsize=figsize, layout="constrained", squeeze=False)
    axes = list(axes[0])
    drawn = []
    for n, (counts, even) in enumerate(zip(maps, res.even), start=1):
        title = f"transposed conv k={k}, s={s}" + (f", p={p}" if p else "")
        if len(maps) > 1:
            title += f"\nafter layer {n}"
        drawn.append(plot_overlap(counts, ax=axes[n - 1], numbers=numbers, title=title, even=even))
    resize_plot = None
    if resized is not None:
        title = f"resize ×{s} then conv k={k}" + (f"\n{res.layers} layers" if res.layers > 1 else "")
        resize_plot = plot_overlap(resized, ax=axes[-1], numbers=numbers, title=title, even=res.resize_even)
    return CheckerboardFigure(fig, drawn, resize_plot)


__all__ = ["CheckerboardFigure", "OverlapPlot", "plot_checkerboard", "plot_overlap"]
