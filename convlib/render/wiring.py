"""Channel-wiring diagrams of grouped and depthwise-separable convolution.

Which input channels feed which output channels: with ``groups = g`` the input
and output channels are split into ``g`` groups and output channel ``o`` reads
only the ``C_in/g`` input channels of its own group. The figures write the
parameter and multiply-accumulate counts of :mod:`convlib.cost` on themselves.
Large channel counts are drawn as one block per group with a written summary.

Introduced in 09_group_convolution.ipynb.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Polygon, Rectangle

from ..cost import ConvCost, SeparableCost, connections, conv_cost, group_of, separable_cost
from ..style import COLORS

#: Beyond this many channels in a column, channels are drawn as group blocks.
MAX_CHANNELS = 16
#: Beyond this many groups, the middle groups are elided ("⋮").
MAX_GROUPS = 8

GROUP_SHADES = ("#F2F2F2", "#FFFFFF")
EDGE_COLORS = (COLORS["kernel"], "#9A6A00")


@dataclass(frozen=True, repr=False)
class WiringDiagram:
    """What a wiring figure drew.

    Attributes
    ----------
    ax : Axes
    columns : channel count of each drawn column (left to right)
    edges : per stage, the ``(from channel, to channel)`` lines drawn (empty when summarised)
    summarized : True when channels were drawn as group blocks
    blocks : per stage, the ``(from group, to group)`` bands drawn when summarised
    texts : the cost lines written on the figure
    cost : ConvCost or SeparableCost the texts come from
    """

    ax: Axes
    columns: tuple[int, ...]
    edges: tuple[frozenset[tuple[int, int]], ...]
    summarized: bool
    blocks: tuple[frozenset[tuple[int, int]], ...]
    texts: tuple[str, ...]
    cost: ConvCost | SeparableCost = field(repr=False)

    @property
    def figure(self) -> Figure:
        """The figure holding the drawing."""
        return self.ax.figure

    def __repr__(self) -> str:
        cols = " → ".join(map(str, self.columns))
        mode = "summarised by group" if self.summarized else f"{sum(len(e) for e in self.edges)} connections"
        return f"WiringDiagram({cols} channels, {mode})"


def _fmt(n: int) -> str:
    return f"{n:,}"


def _cost_lines(c: ConvCost, name: str = "") -> list[str]:
    k = "·".join(map(str, c.kernel_size))
    per_group = c.in_channels // c.groups
    prefix = f"{name}: " if name else ""
    lines = [
        f"{prefix}weights = C_out·(C_in/g)·k = {c.out_channels}·{per_group}·{k} = {_fmt(c.weights)}"
        + (f", biases = {c.biases}" if c.biases else "")
        + f" → {_fmt(c.params)} parameters"
    ]
    if c.macs is not None:
        pos = "×".join(map(str, c.output_size))
        lines.append(
            f"{' ' * len(prefix)}MACs = {_fmt(c.macs_per_position)} per position × {pos} positions = {_fmt(c.macs)}"
        )
    else:
        lines.append(f"{' ' * len(prefix)}MACs per output position = {_fmt(c.macs_per_position)}")
    return lines


def _column_y(n: int, height: float) -> np.ndarray:
    """Top y of each of ``n`` nodes (height 0.8, pitch 1) centred in ``height``."""
    return (height - n) / 2 + np.arange(n) + 0.1


def _draw_nodes(ax: Axes, x: float, ys: np.ndarray, color: str, size: float, labels: bool) -> None:
    for c, y in enumerate(ys):
        ax.add_patch(Rectangle((x, y), 1.0, 0.8, facecolor=color, edgecolor=COLORS["grid"], linewidth=1.0, zorder=3))
        if labels:
            ax.text(x + 0.5, y + 0.4, str(c), ha="center", va="center", fontsize=size, zorder=4, in_layout=False)


def _draw_edges(ax: Axes, x0: float, y0: np.ndarray, x1: float, y1: np.ndarray, pairs: frozenset[tuple[int, int]],
                group: callable, width: float) -> None:  # type: ignore[valid-type]
    for i, o in sorted(pairs):
        ax.plot([x0 + 1.0, x1], [y0[i] + 0.4, y1[o] + 0.4], color=EDGE_COLORS[group(o) % 2], linewidth=width,
                alpha=0.85, zorder=2, solid_capstyle="round")


def _group_rows(groups: int) -> list[int | None]:
    """Groups drawn as blocks (None = the elision row)."""
    if groups <= MAX_GROUPS:
        return list(range(groups))
    return [0, 1, 2, None, groups - 1]


def _draw_blocks(ax: Axes, xs: list[float], counts: list[int], groups: int, height: float, dense: bool,
                 size: float) -> frozenset[tuple[int, int]]:
    """Summarised drawing of one stage: a block per group in both columns, a band between matching groups.

    ``dense`` bands mean "every channel of the group feeds every channel of the group";
    hatched ones mean "one filter per channel" (depthwise).
    """
    rows = _group_rows(groups)
    pitch = height / len(rows)
    colors = (COLORS["input"], COLORS["output"])
    drawn = set()
    for row, grp in enumerate(rows):
        y, h = row * pitch + 0.15, pitch - 0.3
        if grp is None:
            for x in xs:
                ax.text(x + 0.5, y + h / 2, "⋮", ha="center", va="center", fontsize=size * 1.6)
            ax.text((xs[0] + xs[1] + 1) / 2, y + h / 2, f"{groups - 4} more groups", ha="center", va="center",
                    fontsize=size)
            continue
        xa, xb = xs[0] + 1.0, xs[1]
        ax.add_patch(Polygon([(xa, y), (xb, y), (xb, y + h), (xa, y + h)], closed=True,
                             facecolor=EDGE_COLORS[grp % 2], alpha=0.35, edgecolor="none", zorder=1,
                             hatch=None if dense else "||"))
        drawn.add((grp, grp))
        for x, n, color in zip(xs, counts, colors):
            ax.add_patch(Rectangle((x, y), 1.0, h, facecolor=color, edgecolor=COLORS["grid"], linewidth=1.0,
                                   zorder=3))
            ax.text(x + 0.5, y + h / 2, f"{n // groups}\nch", ha="center", va="center", fontsize=size * 0.9,
                    zorder=4)
    return frozenset(drawn)


def _finish(ax: Axes, width: float, height: float, texts: list[str], size: float) -> None:
    """Limits, no axis, and the cost lines as one text block under the drawing."""
    ax.set_xlim(-0.3, width + 0.3)
    ax.set_ylim(height + 0.2, -1.6)
    ax.set_axis_off()
    ax.text(0.0, -0.02, "\n".join(texts), transform=ax.transAxes, ha="left", va="top", fontsize=size,
            family="DejaVu Sans Mono", color=COLORS["text"], linespacing=1.45)


def _new_axes(ax: Axes | None, height: float, n_text: int) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    fig_h = min(10.0, max(2.2, 0.3 * (height + 2.0))) + 0.3 * n_text + 0.2
    _, ax = plt.subplots(figsize=(10.0, fig_h), layout="constrained")
    return ax


def plot_wiring(
    in_channels: int,
    out_channels: int,
    groups: int = 1,
    *,
    kernel_size: int | tuple[int, int] = 3,
    input_size: int | tuple[int, int] | None = None,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] | str = 0,
    dilation: int | tuple[int, int] = 1,
    bias: bool = True,
    ax: Axes | None = None,
    max_channels: int = MAX_CHANNELS,
    title: str | None = None,
    cost: ConvCost | None = None,
) -> WiringDiagram:
    """Which input channels feed which output channels, with parameters and MACs written below.

    Introduced in 09_group_convolution.ipynb.

    Parameters
    ----------
    in_channels, out_channels, groups : int
        Both channel counts must be divisible by ``groups`` (torch's rule).
    kernel_size, input_size, stride, padding, dilation, bias :
        For the cost lines (``input_size`` gives total MACs, otherwise MACs per position).
    ax : Axes, optional
    max_channels : int
        Columns with more channels are drawn as one block per group.
    title : str, optional
    cost : ConvCost, optional
        The counts to write (:func:`convlib.conv_cost`); default: computed from the arguments.

    Returns
    -------
    WiringDiagram
    """
    if cost is None:
        cost = conv_cost(in_channels, out_channels, kernel_size, input_size, stride=stride, padding=padding,
                         dilation=dilation, groups=groups, bias=bias)
    elif (cost.in_channels, cost.out_channels, cost.groups) != (in_channels, out_channels, groups):
        raise ValueError(f"cost={cost} does not describe in_channels={in_channels}, out_channels={out_channels}, "
                         f"groups={groups}")
    g = cost.groups
    texts = [
        f"groups = {g}: each output channel reads C_in/g = {in_channels // g} input channel(s)",
        *_cost_lines(cost),
    ]
    summarized = max(in_channels, out_channels) > max_channels
    height = float(max(in_channels, out_channels)) if not summarized else float(min(len(_group_rows(g)), 8) * 1.6)
    ax = _new_axes(ax, height, len(texts))
    size = 12.0
    xs = [0.0, 8.0]
    if summarized:
        blocks = (_draw_blocks(ax, xs, [in_channels, out_channels], g, height, True, size),)
        edges: tuple[frozenset[tuple[int, int]], ...] = (frozenset(),)
    else:
        pairs = connections(in_channels, out_channels, g)
        yi, yo = _column_y(in_channels, height), _column_y(out_channels, height)
        per_out = out_channels // g
        for grp in range(g):  # background band per group
            top = min(yi[grp * (in_channels // g)], yo[grp * per_out]) - 0.1
            bottom = max(yi[(grp + 1) * (in_channels // g) - 1], yo[(grp + 1) * per_out - 1]) + 0.9
            ax.add_patch(Rectangle((-0.2, top), 9.4, bottom - top, facecolor=GROUP_SHADES[grp % 2],
                                   edgecolor="none", zorder=0))
        _draw_edges(ax, xs[0], yi, xs[1], yo, pairs, lambda o: group_of(o, out_channels, g),
                    2.0 if len(pairs) <= 64 else 1.0)
        _draw_nodes(ax, xs[0], yi, COLORS["input"], 10.0, True)
        _draw_nodes(ax, xs[1], yo, COLORS["output"], 10.0, True)
        edges, blocks = (pairs,), (frozenset(),)
    ax.text(xs[0] + 0.5, -0.4, f"input\nC_in = {in_channels}", ha="center", va="bottom", fontsize=size)
    ax.text(xs[1] + 0.5, -0.4, f"output\nC_out = {out_channels}", ha="center", va="bottom", fontsize=size)
    label = {"standard": "standard convolution", "pointwise": "pointwise (1×1) convolution",
             "depthwise": "depthwise convolution"}.get(cost.kind, f"grouped convolution, {g} groups")
    ax.text((xs[0] + xs[1] + 1) / 2, -0.4, label, ha="center", va="bottom", fontsize=size, color="#555555")
    _finish(ax, 9.0, height, texts, size)
    if title:
        ax.set_title(title, fontsize=14)
    return WiringDiagram(ax, (in_channels, out_channels), edges, summarized, blocks, tuple(texts), cost)


def plot_separable_wiring(
    in_channels: int,
    out_channels: int,
    kernel_size: int | tuple[int, int] = 3,
    *,
    input_size: int | tuple[int, int] | None = None,
    depth_multiplier: int = 1,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] | str = 0,
    dilation: int | tuple[int, int] = 1,
    bias: bool = True,
    ax: Axes | None = None,
    max_channels: int = MAX_CHANNELS,
    title: str | None = None,
    cost: SeparableCost | None = None,
) -> WiringDiagram:
    """Depthwise-separable convolution as wiring: input → depthwise (one filter per channel) → pointwise.

    The cost lines compare it with the standard convolution it replaces.

    Introduced in 08_depthwise_separable.ipynb.

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size : int or (int, int)
        Kernel of the depthwise stage (the pointwise stage is 1×1).
    input_size, depth_multiplier, stride, padding, dilation, bias :
        As in :func:`convlib.cost.separable_cost`.
    ax, max_channels, title : as in :func:`plot_wiring`
    cost : SeparableCost, optional
        The counts to write (:func:`convlib.separable_cost`); default: computed from the arguments.

    Returns
    -------
    WiringDiagram
    """
    if cost is None:
        cost = separable_cost(in_channels, out_channels, kernel_size, input_size, stride=stride, padding=padding,
                              dilation=dilation, depth_multiplier=depth_multiplier, bias=bias)
    elif (cost.depthwise.in_channels, cost.pointwise.out_channels) != (in_channels, out_channels):
        raise ValueError(f"cost does not describe in_channels={in_channels}, out_channels={out_channels}")
    mid = cost.depthwise.out_channels
    texts = [*_cost_lines(cost.depthwise, "depthwise"), *_cost_lines(cost.pointwise, "pointwise")]
    std = cost.standard
    if cost.macs is not None:
        texts.append(
            f"separable: {_fmt(cost.params)} parameters, {_fmt(cost.macs)} MACs; "
            f"standard: {_fmt(std.params)} parameters, {_fmt(std.macs)} MACs ({cost.mac_ratio:.1%})"
        )
    else:
        per_pos = cost.depthwise.macs_per_position + cost.pointwise.macs_per_position
        texts.append(
            f"separable: {_fmt(cost.params)} parameters, {_fmt(per_pos)} MACs per position; "
            f"standard: {_fmt(std.params)} parameters, {_fmt(std.macs_per_position)} MACs per position"
        )
    counts = [in_channels, mid, out_channels]
    summarized = max(counts) > max_channels
    height = float(max(counts)) if not summarized else float(min(len(_group_rows(in_channels)), 8) * 1.6)
    ax = _new_axes(ax, height, len(texts))
    size = 12.0
    xs = [0.0, 5.5, 11.0]
    if summarized:
        dw_blocks = _draw_blocks(ax, xs[:2], counts[:2], in_channels, height, False, size)
        # pointwise: every middle channel feeds every output channel (one dense band)
        ax.add_patch(Polygon([(xs[1] + 1, 0.15), (xs[2], 0.15), (xs[2], height - 0.15), (xs[1] + 1, height - 0.15)],
                             closed=True, facecolor=EDGE_COLORS[0], alpha=0.35, edgecolor="none", zorder=1))
        ax.add_patch(Rectangle((xs[2], 0.15), 1.0, height - 0.3, facecolor=COLORS["output"],
                               edgecolor=COLORS["grid"], zorder=3))
        ax.text(xs[2] + 0.5, height / 2, f"{out_channels}\nch", ha="center", va="center", fontsize=size, zorder=4)
        blocks = (dw_blocks, frozenset({(0, 0)}))
        edges: tuple[frozenset[tuple[int, int]], ...] = (frozenset(), frozenset())
    else:
        dw = connections(in_channels, mid, in_channels)
        pw = connections(mid, out_channels, 1)
        y0, y1, y2 = (_column_y(n, height) for n in counts)
        _draw_edges(ax, xs[0], y0, xs[1], y1, dw, lambda o: group_of(o, mid, in_channels), 2.0)
        _draw_edges(ax, xs[1], y1, xs[2], y2, pw, lambda o: 0, 2.0 if len(pw) <= 64 else 1.0)
        _draw_nodes(ax, xs[0], y0, COLORS["input"], 10.0, True)
        _draw_nodes(ax, xs[1], y1, COLORS["output"], 10.0, True)
        _draw_nodes(ax, xs[2], y2, COLORS["output"], 10.0, True)
        edges, blocks = (dw, pw), (frozenset(), frozenset())
    k = "×".join(map(str, cost.depthwise.kernel_size))
    ax.text(xs[0] + 0.5, -0.4, f"input\nC_in = {in_channels}", ha="center", va="bottom", fontsize=size)
    ax.text(xs[1] + 0.5, -0.4, f"depthwise {k}\n{mid} ch", ha="center", va="bottom", fontsize=size)
    ax.text(xs[2] + 0.5, -0.4, f"pointwise 1×1\nC_out = {out_channels}", ha="center", va="bottom", fontsize=size)
    _finish(ax, 12.0, height, texts, size * 0.92)
    if title:
        ax.set_title(title, fontsize=14)
    return WiringDiagram(ax, tuple(counts), edges, summarized, blocks, tuple(texts), cost)


__all__ = ["WiringDiagram", "plot_separable_wiring", "plot_wiring"]
