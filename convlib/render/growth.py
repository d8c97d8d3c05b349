"""Receptive-field growth: how the field of a stack grows layer by layer.

One line per stack (plain, dilated, strided, a real network...), the layer
index on the x axis and the receptive-field size of that layer's units on the
y axis, from :func:`convlib.receptive.growth_table` (the closed form of
:func:`convlib.receptive_field`). Optionally a
second panel shows what each stack pays for its growth: the size of the feature
map it leaves for a given input size (strides shrink it, dilation does not).

Introduced in 03_receptive_field.ipynb.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter

from ..receptive import growth_table

#: Line colours, in order (Okabe–Ito, like :mod:`convlib.style`).
_CYCLE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#333333")
_MARKERS = ("o", "s", "^", "D", "v", "P", "X")
#: Line styles, in order: stacks with equal numbers (dilated and strided fields) stay visible on top of each other.
_STYLES = ("-", "--", ":", "-.")


def _plain(value: float, _pos: Any = None) -> str:
    """Tick label of a log axis as a plain number (512, not 2^9)."""
    return f"{value:g}"


@dataclass(frozen=True)
class GrowthPlot:
    """What :func:`plot_receptive_field_growth` drew."""

    ax: Axes
    lines: dict[str, Line2D]
    map_ax: Axes | None
    map_lines: dict[str, Line2D]
    table: dict[str, dict[str, list[int]]]


def plot_receptive_field_growth(
    stacks: Mapping[str, Any],
    *,
    input_size: int | None = None,
    ax: Axes | None = None,
    log: bool = False,
    annotate: bool = True,
    title: str | None = "Receptive-field growth",
) -> GrowthPlot:
    """Plot receptive-field size against depth, one line per stack.

    Parameters
    ----------
    stacks : mapping of label -> layer specs
        E.g. ``{"3×3, rate 1": [(3, 1, 1)] * 6, "3×3, rates 1,2,4…": [...]}``.
    input_size : int, optional
        Also draw, on a second panel to the right, the feature-map side each layer
        leaves for an input of this side (shows what strides cost).
    ax : matplotlib Axes, optional
        Axes for the growth panel. With ``input_size`` the map panel is added to
        the same figure only when ``ax`` is None.
    log : bool
        Logarithmic y axis (exponential growth becomes a straight line).
    annotate : bool
        Write the last layer's size at the end of each line.
    title : str or None

    Returns
    -------
    GrowthPlot
        Axes, the ``Line2D`` per stack (its y data are the sizes), and the table.

    Introduced in 03_receptive_field.ipynb.
    """
    table = growth_table(stacks, input_size)
    map_ax = None
    if ax is None:
        if input_size is not None:
            fig, (ax, map_ax) = plt.subplots(1, 2, figsize=(11.5, 4.4), layout="constrained")
        else:
            fig, ax = plt.subplots(figsize=(7.0, 4.4), layout="constrained")
    lines: dict[str, Line2D] = {}
    map_lines: dict[str, Line2D] = {}
    for i, (label, entry) in enumerate(table.items()):
        style = {
            "color": _CYCLE[i % len(_CYCLE)], "marker": _MARKERS[i % len(_MARKERS)], "ls": _STYLES[i % len(_STYLES)],
            "markersize": max(8 - 2 * i, 4), "lw": 2.5 if i == 0 else 2, "zorder": 2 + i,
        }
        (line,) = ax.plot(entry["layer"], entry["size"], label=label, **style)
        lines[label] = line
        if annotate:
            ax.annotate(
                str(entry["size"][-1]), (entry["layer"][-1], entry["size"][-1]),
                xytext=(5, 0), textcoords="offset points", va="center", color=style["color"], fontsize=11,
            )
        if map_ax is not None:
            (mline,) = map_ax.plot(entry["layer"], entry["map_size"], label=label, **style)
            map_lines[label] = mline
    ax.set_xlabel("layer")
    ax.set_ylabel("receptive field (pixels per side)")
    if log:
        ax.set_yscale("log", base=2)
        ax.yaxis.set_major_formatter(FuncFormatter(_plain))
    ax.grid(True, alpha=0.3)
    ax.legend(loc="upper left")
    if title:
        ax.set_title(title)
    if map_ax is not None:
        map_ax.set_xlabel("layer")
        map_ax.set_ylabel("feature-map side (pixels)")
        map_ax.set_title(f"Resolution left, input {input_size}×{input_size}")
        map_ax.grid(True, alpha=0.3)
        if log:
            map_ax.set_yscale("log", base=2)
            map_ax.yaxis.set_major_formatter(FuncFormatter(_plain))
    return GrowthPlot(ax=ax, lines=lines, map_ax=map_ax, map_lines=map_lines, table=table)


__all__ = ["GrowthPlot", "plot_receptive_field_growth"]
