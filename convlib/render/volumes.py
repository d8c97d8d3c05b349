"""Kernel volumes: standard, depthwise, pointwise and grouped convolution as 3-D boxes.

A convolution layer multiplies one ``k × k × C_in/g`` kernel volume with one window
of the input volume and sums the products into one output value; ``C_out`` kernels
give the ``C_out`` values at one position. :func:`plot_kernel_volumes` draws that in
an oblique projection -- the input volume with the window, the kernel volumes (one
stack per group), the output volume with the value they produce -- labels every box
with its size, colours channel groups so that one sees which input channels each
output channel reads, and writes the multiply-accumulate count from
:func:`convlib.conv_cost` (never typed by hand).

Defaults are the source's numbers ("A Primer on Atrous (Dilated) and Depth-wise
Separable Convolutions"): a 12×12×3 input, 5×5 kernels, 256 outputs -> 8×8×256; the
depthwise layer's three 5×5×1 kernels; the pointwise layer's 256 kernels of 1×1×3 on
the 8×8×3 result; and the group-convolution source's ``Conv2d(10, 20, 3, groups=2)``
on a 7×7 input.

Introduced in 08_depthwise_separable.ipynb.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import cos, prod, radians, sin
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Polygon

from ..cost import ConvCost, conv_cost
from ..style import COLORS
from . import standard

#: The source's layers: (in_channels, out_channels, kernel_size, input_size, groups).
DEFAULTS = {
    "standard": (3, 256, 5, 12, 1),
    "depthwise": (3, 3, 5, 12, 3),
    "pointwise": (3, 256, 1, 8, 1),
    "grouped": (10, 20, 3, 7, 2),
}
KINDS = tuple(DEFAULTS)
#: Channel groups get these colours (Okabe–Ito, vermilion kept for the highlight).
GROUP_COLORS = ("#56B4E9", "#E69F00", "#009E73", "#CC79A7", "#0072B2", "#F0E442")
#: Colour of the groups beyond the drawn ones.
OTHER_GROUPS = "#BBBBBB"
#: Deeper volumes are drawn this deep and marked "not to scale".
MAX_DEPTH = 12
#: Kernel groups drawn (more are summarised by a line of text).
MAX_GROUPS_DRAWN = 4
#: Copies drawn of a stack of kernels.
STACK_DRAWN = 3
ANGLE, RECEDE = radians(35.0), 0.5
FRONT_ALPHA, SIDE_ALPHA, TOP_ALPHA = 1.0, 0.8, 0.6
LABEL_PT, TITLE_PT = 11.0, 13.0
MAX_SIZE = (standard.DISPLAY_WIDTH / standard.NOTEBOOK_DPI, standard.DISPLAY_HEIGHT / standard.NOTEBOOK_DPI)


@dataclass(frozen=True, repr=False)
class Box:
    """One drawn volume.

    Attributes
    ----------
    name : str
    shape : (rows, cols, channels) it stands for
    origin : (x, y, z) of its front-bottom-left corner, in drawing units (z: depth, channels)
    size : (width, height, depth) as drawn: a unit per row and column, :func:`channel_unit` per channel
        (depth capped at ``MAX_DEPTH`` when ``compressed``)
    compressed : depth not to scale
    colors : face colour of each channel slab, front to back, as (first channel, last channel, rgba)
    faces : the polygons drawn
    """

    name: str
    shape: tuple[int, int, int]
    origin: tuple[float, float, float]
    size: tuple[float, float, float]
    compressed: bool
    colors: tuple[tuple[int, int, tuple[float, ...]], ...]
    faces: tuple[Polygon, ...] = field(default=(), compare=False)

    def __repr__(self) -> str:
        r, c, ch = self.shape
        return f"Box({self.name}: {r}×{c}×{ch}{', depth not to scale' if self.compressed else ''})"


@dataclass(frozen=True, repr=False)
class VolumeFigure:
    """What :func:`plot_kernel_volumes` drew.

    Attributes
    ----------
    ax : Axes
    kind : ``"standard"``, ``"depthwise"``, ``"pointwise"`` or ``"grouped"``
    cost : ConvCost of the layer (:func:`convlib.conv_cost`)
    boxes : the drawn volumes by name: ``"input"``, ``"window"``, ``"kernel g"`` (one per drawn
        group), ``"output"``, ``"value"``
    groups : per group, (input channels, output channels) it connects, as ranges
    labels : the size labels written on the boxes, by box name
    texts : the lines written under the drawing (multiply, sum, channels read, MACs)
    """

    ax: Axes
    kind: str
    cost: ConvCost
    boxes: dict[str, Box]
    groups: tuple[tuple[range, range], ...]
    labels: dict[str, tuple[str, ...]]
    texts: tuple[str, ...]

    @property
    def figure(self) -> Figure:
        """The figure holding the drawing."""
        return self.ax.figure

    def __repr__(self) -> str:
        return f"VolumeFigure({self.kind}: {self.cost})"


def _project(x: float, y: float, z: float) -> tuple[float, float]:
    return x + z * RECEDE * cos(ANGLE), y + z * RECEDE * sin(ANGLE)


def channel_unit(in_channels: int) -> float:
    """Depth drawn per channel: few channels are drawn thicker (at most 3 units), one figure one unit."""
    return float(np.clip(MAX_DEPTH / in_channels, 1.0, 3.0))


def _depth(channels: int, unit: float) -> tuple[float, bool]:
    """Drawn depth of ``channels`` channels, and whether it is capped at ``MAX_DEPTH`` (not to scale)."""
    depth = channels * unit
    return (depth, False) if depth <= MAX_DEPTH + 1e-9 else (float(MAX_DEPTH), True)


def _faces(ax: Axes, origin: tuple[float, float, float], size: tuple[float, float, float], rgba: tuple[float, ...],
           *, edge: str = COLORS["grid"], linewidth: float = 1.0, zorder: float = 2.0,
           alpha: float = 1.0) -> list[Polygon]:
    """Front, top and right faces of one box (back to front they do not overlap)."""
    x, y, z = origin
    w, h, d = size
    corners = {
        "front": [(x, y, z), (x + w, y, z), (x + w, y + h, z), (x, y + h, z)],
        "top": [(x, y + h, z), (x + w, y + h, z), (x + w, y + h, z + d), (x, y + h, z + d)],
        "side": [(x + w, y, z), (x + w, y, z + d), (x + w, y + h, z + d), (x + w, y + h, z)],
    }
    shade = {"front": FRONT_ALPHA, "top": TOP_ALPHA, "side": SIDE_ALPHA}
    out = []
    for name in ("top", "side", "front"):
        xy = [_project(*p) for p in corners[name]]
        if rgba[3] * alpha > 0:  # an opaque white underlay: shaded faces hide what is behind them
            ax.add_patch(Polygon(xy, closed=True, facecolor="white", edgecolor="none", zorder=zorder))
        poly = Polygon(xy, closed=True, facecolor=to_rgba(rgba, shade[name] * alpha * rgba[3]), edgecolor=edge,
                       linewidth=linewidth, zorder=zorder, joinstyle="round")
        poly.set_gid(f"face:{name}")
        ax.add_patch(poly)
        out.append(poly)
    return out


def _draw_box(ax: Axes, name: str, shape: tuple[int, int, int], origin: tuple[float, float, float],
              slabs: list[tuple[int, int, tuple[float, ...]]], *, zorder: float = 2.0, depth: float | None = None,
              channel: float = 1.0, linewidth: float = 1.0, alpha: float = 1.0, edge: str = COLORS["grid"]) -> Box:
    """A volume of ``shape`` (rows, cols, channels), one slab per (first, last, colour), back slab first."""
    rows, cols, channels = shape
    d, compressed = _depth(channels, channel) if depth is None else (depth, False)
    w, h = float(cols), float(rows)
    faces: list[Polygon] = []
    for first, last, rgba in sorted(slabs, key=lambda s: -s[0]):
        z0 = origin[2] + d * first / channels
        dz = d * (last - first + 1) / channels
        faces += _faces(ax, (origin[0], origin[1], z0), (w, h, dz), rgba, zorder=zorder, linewidth=linewidth,
                        alpha=alpha, edge=edge)
    return Box(name, shape, origin, (w, h, d), compressed, tuple(slabs), tuple(faces))


def _label(ax: Axes, xy: tuple[float, float], text: str, **kw: Any) -> Any:
    kw.setdefault("fontsize", LABEL_PT)
    kw.setdefault("color", COLORS["text"])
    return ax.text(*xy, text, zorder=8, **kw)


def _size_labels(ax: Axes, box: Box, line: float, *, depth_label: bool = True) -> tuple[str, ...]:
    """Rows left of the front face, columns under it, channels along the top-right receding edge."""
    (x, y, z), (w, h, d) = box.origin, box.size
    rows, cols, channels = box.shape
    _label(ax, (x + w / 2, y - 0.2 * line), str(cols), ha="center", va="top")
    _label(ax, (x - 0.3 * line, y + h / 2), str(rows), ha="right", va="center")
    texts = [str(cols), str(rows)]
    if depth_label:
        px, py = _project(x + w, y, z + d / 2)
        text = f"{channels}" + (" (not to scale)" if box.compressed else "")
        _label(ax, (px + 0.3 * line, py), text, ha="left", va="center")
        texts.append(text)
    return tuple(texts)


def _ranges(in_channels: int, out_channels: int, groups: int) -> tuple[tuple[range, range], ...]:
    ci, co = in_channels // groups, out_channels // groups
    return tuple((range(g * ci, (g + 1) * ci), range(g * co, (g + 1) * co)) for g in range(groups))


def _span(r: range) -> str:
    return f"{r.start}" if len(r) == 1 else f"{r.start}–{r.stop - 1}"


def _wrap(text: str, width_in: float, size: float = LABEL_PT, indent: str = "    ") -> str:
    words, lines, line = text.split(" "), [], ""
    for word in words:
        trial = f"{line} {word}".strip()
        if line and standard.text_extent(trial, size)[0] / 72 > width_in:
            lines.append(line)
            line = indent + word
        else:
            line = trial
    return "\n".join([*lines, line])


def _group_colour(g: int, groups: int, role: str) -> tuple[float, ...]:
    if groups == 1:
        return to_rgba(COLORS[role])
    return to_rgba(GROUP_COLORS[g] if g < MAX_GROUPS_DRAWN else OTHER_GROUPS)


def _describe(kind: str, cost: ConvCost, groups: tuple[tuple[range, range], ...]) -> list[str]:
    """The four lines under the drawing: multiplied, summed, channels read, MACs (all from ``cost``)."""
    k = "×".join(map(str, cost.kernel_size))
    per_group = cost.in_channels // cost.groups
    taps = prod(cost.kernel_size) * per_group
    window = f"{k}×{per_group}"
    positions = prod(cost.output_size)
    per_value = cost.macs_per_position // cost.out_channels
    assert per_value == taps and per_value * positions * cost.out_channels == cost.macs  # one home: conv_cost
    lines = [
        f"×  one {window} kernel times one {window} window of the input: {taps:,} products",
        f"Σ  they add up to one output value; the {cost.out_channels:,} kernels give the {cost.out_channels:,} "
        f"values at this position",
    ]
    if cost.groups == 1:
        lines.append(f"every output channel reads all {cost.in_channels} input channels")
    elif per_group == 1 and cost.out_channels == cost.in_channels:
        lines.append("output channel c reads input channel c only (depthwise: groups = channels)")
    else:
        parts = [f"output {_span(o)} read input {_span(i)}" for i, o in groups[:3]]
        more = f"; … ({cost.groups - 3} more groups)" if cost.groups > 3 else ""
        lines.append(f"groups = {cost.groups}: " + "; ".join(parts) + more)
    pos = "·".join(map(str, cost.output_size))
    lines.append(f"MACs = {per_value:,} per value × {pos} positions × {cost.out_channels:,} channels = {cost.macs:,}")
    return lines


@dataclass(frozen=True)
class _Layer:
    """The layer's numbers, resolved and validated."""

    kind: str
    cost: ConvCost
    in_size: int
    groups: tuple[tuple[range, range], ...]

    @property
    def per_group(self) -> tuple[int, int]:
        return self.cost.in_channels // self.cost.groups, self.cost.out_channels // self.cost.groups


def _draw_volumes(ax: Axes, layer: _Layer, unit_in: float) -> tuple[dict[str, Box], dict[str, tuple[str, ...]],
                                                                      tuple[float, float, float, float]]:
    """Boxes, size labels, arrows and box titles; returns them and the drawing's extent (units).

    ``unit_in`` (inches per unit) converts label sizes into room between the boxes.
    """
    cost, g = layer.cost, layer.cost.groups
    cin, cout = cost.in_channels, cost.out_channels
    (kh, kw), (oh, ow) = cost.kernel_size, cost.output_size
    ih = iw = layer.in_size
    per_in, per_out = layer.per_group
    line = LABEL_PT * 1.35 / 72 / unit_in  # one line of label text, in units
    boxes: dict[str, Box] = {}
    labels: dict[str, tuple[str, ...]] = {}
    tops: list[float] = []
    lows: list[float] = []

    # input volume, one slab per group, and the window one kernel covers (group 0, top-left corner)
    in_slabs = [(r.start, r.stop - 1, _group_colour(j, g, "input")) for j, (r, _) in enumerate(layer.groups)]
    unit = channel_unit(cin)
    boxes["input"] = _draw_box(ax, "input", (ih, iw, cin), (0.0, 0.0, 0.0), in_slabs, channel=unit)
    labels["input"] = _size_labels(ax, boxes["input"], line)
    d_in = boxes["input"].size[2]
    k_depth = d_in * per_in / cin
    boxes["window"] = _draw_box(ax, "window", (kh, kw, per_in), (0.0, ih - kh, 0.0), [(0, per_in - 1, (1, 1, 1, 0))],
                                depth=k_depth, zorder=3, linewidth=2.5, edge=COLORS["highlight"])
    top_in = _project(0, ih, d_in)[1]
    _label(ax, (_project(iw / 2, 0, d_in / 2)[0], top_in + 0.5 * line), f"input {ih}×{iw}×{cin}", ha="center",
           va="bottom", fontweight="bold")
    tops.append(top_in + 1.6 * line)
    lows.append(-1.6 * line)

    # kernel stacks, one per drawn group, the first level with the window it multiplies
    def width(text: str, bold: bool = False) -> float:  # of a label, in units
        return standard.text_extent(text, LABEL_PT, weight="bold" if bold else "normal")[0] / 72 / unit_in

    in_title_right = _project(iw / 2, 0, d_in / 2)[0] + width(f"input {ih}×{iw}×{cin}", True) / 2
    k_centre = _project(kw / 2, 0, k_depth / 2)[0]  # of a kernel's labels, from its left edge
    k_half = max(width(f"{cout:,} kernel{'s' * (cout > 1)}", True), width(f"{kh}×{kw}×{per_in}")) / 2
    x_kernel = max(_project(iw, 0, d_in)[0] + max(3.0, width(labels["input"][-1]) + 1.5),
                   in_title_right + k_half - k_centre + 0.8 * line)
    drawn_groups = min(g, MAX_GROUPS_DRAWN)
    copies = min(per_out, STACK_DRAWN)
    shift = 0.5
    step = kh + shift * (copies - 1) + _project(0, 0, k_depth)[1] + 1.6 * line + 0.6
    y_first = float(ih - kh)
    kernel_right = x_kernel
    for j in range(drawn_groups):
        y0 = y_first - j * step
        colour = _group_colour(j, g, "kernel")
        for n in reversed(range(copies)):
            box = _draw_box(ax, f"kernel {j}", (kh, kw, per_in), (x_kernel + shift * n, y0 - shift * n, 0.0),
                            [(0, per_in - 1, colour)], depth=k_depth, zorder=2 + 0.01 * (copies - n))
        boxes[f"kernel {j}"] = box
        right = _project(x_kernel + kw + shift * (copies - 1), 0, k_depth)[0]
        kernel_right = max(kernel_right, right)
        count = f"× {per_out:,}"
        bottom = y0 - shift * (copies - 1)
        _label(ax, ((x_kernel + right) / 2, bottom - 0.25 * line), count, ha="center", va="top")
        labels[f"kernel {j}"] = (f"{kh}×{kw}×{per_in}", count)
        lows.append(bottom - 1.3 * line)
    if g > drawn_groups:
        y_more = lows[-1] - 0.2 * line
        _label(ax, (x_kernel, y_more), f"… {g - drawn_groups} more groups", ha="left", va="top")
        lows.append(y_more - 1.2 * line)
    kx, ky, _ = boxes["kernel 0"].origin
    k_top = _project(0, ky + kh, k_depth)[1]
    _label(ax, (_project(kx + kw / 2, 0, k_depth / 2)[0], k_top + 0.3 * line), f"{kh}×{kw}×{per_in}", ha="center",
           va="bottom")
    _label(ax, (_project(kx + kw / 2, 0, k_depth / 2)[0], k_top + 1.5 * line), f"{cout:,} kernel{'s' * (cout > 1)}",
           ha="center", va="bottom", fontweight="bold")
    tops.append(k_top + 2.7 * line)

    # output volume (slabs by group) and the one value the window and the first kernel produce
    count_right = max((x_kernel + kernel_right) / 2 + width(f"× {per_out:,}") / 2, kernel_right)
    labels_right = x_kernel + k_centre + k_half
    out_title_half = width(f"output {oh}×{ow}×{cout}", True) / 2
    x_out = max(kernel_right + 3.5, count_right + width(str(oh)) + 0.8 * line,
                labels_right + out_title_half - _project(ow / 2, 0, _depth(cout, unit)[0] / 2)[0] + 0.8 * line)
    y_out = ih - kh / 2 - oh + 0.5
    out_slabs = [(r.start, r.stop - 1, _group_colour(j, g, "output")) for j, (_, r) in enumerate(layer.groups)]
    boxes["output"] = _draw_box(ax, "output", (oh, ow, cout), (x_out, y_out, 0.0), out_slabs, channel=unit)
    labels["output"] = _size_labels(ax, boxes["output"], line)
    d_out = boxes["output"].size[2]
    boxes["value"] = _draw_box(ax, "value", (1, 1, 1), (x_out, y_out + oh - 1, 0.0),
                               [(0, 0, to_rgba(COLORS["highlight"]))], depth=max(d_out / cout, 0.8), zorder=3,
                               linewidth=2.0)
    top_out = _project(0, y_out + oh, d_out)[1]
    _label(ax, (_project(x_out + ow / 2, 0, d_out / 2)[0], top_out + 0.5 * line), f"output {oh}×{ow}×{cout}",
           ha="center", va="bottom", fontweight="bold")
    tops.append(top_out + 1.6 * line)
    lows.append(y_out - 1.6 * line)
    right_label = standard.text_extent(labels["output"][-1], LABEL_PT)[0] / 72 / unit_in

    # the arrows: window × kernel, Σ -> value
    wx, wy = _project(kw, ih - kh / 2, 0.0)
    ax.annotate("", xy=(kx - 0.3, ky + kh / 2), xytext=(wx + 0.3, wy), zorder=6,
                arrowprops=dict(arrowstyle="->", lw=2.0, color=COLORS["highlight"]))
    _label(ax, ((wx + kx) / 2, (wy + ky + kh / 2) / 2 - 0.2 * line), "×", ha="center", va="top", fontsize=14,
           fontweight="bold", color=COLORS["highlight"])
    vx, vy = x_out, y_out + oh - 0.5
    kx1 = _project(kx + kw, ky + kh / 2, k_depth)
    ax.annotate("", xy=(vx - 0.3, vy), xytext=(kx1[0] + 0.2, kx1[1]), zorder=6,
                arrowprops=dict(arrowstyle="->", lw=2.0, color=COLORS["highlight"]))
    _label(ax, ((kx1[0] + vx) / 2, (kx1[1] + vy) / 2 - 0.2 * line), "Σ", ha="center", va="top", fontsize=14,
           fontweight="bold", color=COLORS["highlight"])

    xs = [x for b in boxes.values() for p in b.faces for x in p.get_xy()[:, 0]]
    ys = [y for b in boxes.values() for p in b.faces for y in p.get_xy()[:, 1]]
    extent = (min(xs) - 1.2 * line - 0.5, max(max(xs), _project(x_out + ow, 0, d_out / 2)[0] + 0.4 + right_label) + 0.3,
              min(min(ys), *lows) - 0.2, max(max(ys), *tops) + 0.2)
    return boxes, labels, extent


def plot_kernel_volumes(
    kind: str = "standard",
    *,
    in_channels: int | None = None,
    out_channels: int | None = None,
    kernel_size: int | None = None,
    input_size: int | None = None,
    groups: int | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    legend: bool = True,
    attribution: str | None = "source",
) -> VolumeFigure:
    """Draw a convolution layer as volumes: input, kernels (per group), output, and what meets what.

    The input volume shows one window (outlined) the size of one kernel volume,
    ``k × k × C_in/groups``; the kernels are drawn as one stack per group (``C_out/groups``
    kernels each), the first level with the window; the output volume shows the one
    value that window and one kernel produce. Channel groups are coloured alike in input,
    kernels and output. Lines under the drawing say what is multiplied, what is summed,
    which input channels each output channel reads, and the layer's MACs from
    :func:`convlib.conv_cost`. Volumes deeper than :data:`MAX_DEPTH` channels are drawn
    that deep and labelled "not to scale".

    Parameters
    ----------
    kind : ``"standard"``, ``"depthwise"``, ``"pointwise"`` or ``"grouped"``
        Picks the defaults (:data:`DEFAULTS`): the source's 12×12×3 input with 256 kernels
        of 5×5×3; three depthwise 5×5×1 kernels; 256 pointwise 1×1×3 kernels on 8×8×3; and
        ``Conv2d(10, 20, 3, groups=2)`` on 7×7.
    in_channels, out_channels, kernel_size, input_size, groups : int, optional
        Override the defaults (square kernels and inputs, stride 1, no padding).
    ax : Axes, optional
        Draw here (default: a new figure sized to fit 840×640 px at 100 dpi).
    title, legend : optional
    attribution : str, optional
        A key of :data:`convlib.render.standard.ATTRIBUTIONS` or a text; None for none. The
        default ``"source"`` credits the source whose example is redrawn -- only when the
        layer is that example (the defaults).

    Returns
    -------
    VolumeFigure

    Introduced in 08_depthwise_separable.ipynb.
    """
    if kind not in DEFAULTS:
        raise ValueError(f"kind={kind!r} must be one of {KINDS}")
    d_in, d_out, d_k, d_size, d_g = DEFAULTS[kind]
    cin = d_in if in_channels is None else in_channels
    cout = (cin if kind == "depthwise" and in_channels is not None else d_out) if out_channels is None else out_channels
    k = d_k if kernel_size is None else kernel_size
    size = d_size if input_size is None else input_size
    g = (cin if kind == "depthwise" else d_g) if groups is None else groups
    cost = conv_cost(cin, cout, k, size, groups=g, bias=False)  # validates every argument, torch's rules
    if not all(isinstance(v, (int, np.integer)) for v in (k, size)):
        raise ValueError(f"kernel_size={kernel_size!r} and input_size={input_size!r} must be ints (square 2-D)")
    layer = _Layer(kind, cost, int(size), _ranges(cin, cout, g))
    if attribution == "source":
        is_source = (cin, cout, k, size, g) == DEFAULTS[kind]
        attribution = ("group_conv_blog" if kind == "grouped" else "separable_primer") if is_source else None
    attribution = standard.ATTRIBUTIONS.get(attribution, attribution) if attribution else None
    (kh, kw), (oh, ow) = cost.kernel_size, cost.output_size
    per_in, _ = layer.per_group
    if title is None:
        names = {"standard": "standard convolution", "depthwise": "depthwise convolution",
                 "pointwise": "pointwise (1×1) convolution", "grouped": f"grouped convolution, groups = {g}"}
        title = f"{names[kind]}: {size}×{size}×{cin} → {oh}×{ow}×{cout}, kernels {kh}×{kw}×{per_in}"

    owns_figure = ax is None
    if ax is None:
        fig = plt.figure(figsize=MAX_SIZE)
        ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    fig = ax.figure
    box_w, box_h = MAX_SIZE if owns_figure else (fig.get_size_inches()[0] * ax.get_position().width,
                                                  fig.get_size_inches()[1] * ax.get_position().height)
    lines = _describe(kind, cost, layer.groups)
    wrapped = [_wrap(t, box_w - 0.3) for t in lines]
    n_lines = sum(t.count("\n") + 1 for t in wrapped)
    text_h = n_lines * LABEL_PT * 1.3 / 72 * 1.05 + 0.12
    title_h = TITLE_PT * 1.45 / 72 + 0.12 if title else 0.0
    handles = _legend_handles(g, layer.groups) if legend else []
    entry_w = [standard.text_extent(h.get_label(), LABEL_PT)[0] / 72 + 0.6 for h in handles]
    ncol = max([n for n in range(1, len(handles) + 1) if _legend_width(entry_w, n) <= box_w - 0.2] or [1])
    legend_h = (-(-len(handles) // ncol)) * LABEL_PT * 1.55 / 72 + 0.12 if handles else 0.0
    if attribution:
        attribution = _wrap(attribution, box_w - 0.2, 9.5, indent="")
    footer_h = (attribution.count("\n") + 1) * 9.5 * 1.35 / 72 + 0.05 if attribution else 0.0
    extra_h = text_h + title_h + legend_h + footer_h

    unit_in = 0.18
    for _ in range(3):  # labels need room in units, which depends on the final scale: settle it
        ax.cla()
        ax.set_aspect("equal")
        ax.set_axis_off()
        boxes, labels, (x_min, x_max, y_min, y_max) = _draw_volumes(ax, layer, unit_in)
        scale = min((box_w - 0.2) / (x_max - x_min), (box_h - extra_h - 0.05) / (y_max - y_min), 0.3)
        if abs(scale - unit_in) <= 0.1 * unit_in:
            break
        unit_in = scale
    draw_w, draw_h = (x_max - x_min) * scale, (y_max - y_min) * scale
    width = max(draw_w + 0.2, max(standard.text_extent(t, LABEL_PT)[0] for t in wrapped) / 72 + 0.3,
                standard.text_extent(title, TITLE_PT)[0] / 72 + 0.3 if title else 0.0,
                standard.text_extent(attribution, 9.5)[0] / 72 + 0.1 if attribution else 0.0,
                _legend_width(entry_w, ncol) + 0.2 if handles else 0.0)
    height = draw_h + extra_h + 0.05
    if owns_figure:
        fig.set_size_inches(width, height)
        box_w, box_h = width, height
    # the axes is a canvas of box_w × box_h inches at ``scale`` inches per unit; the content sits top-centre
    units_w, units_h = box_w / scale, box_h / scale
    left = x_min - (units_w - (x_max - x_min)) / 2
    top = y_max + title_h / scale
    ax.set_xlim(left, left + units_w)
    ax.set_ylim(top - units_h, top)
    x_text = x_min + (x_max - x_min) / 2 - (width - 0.3) / 2 / scale  # left edge of the content's text
    if title:
        _label(ax, (left + units_w / 2, top - 0.08 / scale), title, ha="center", va="top", fontsize=TITLE_PT)
    _label(ax, (x_text, y_min - 0.02 / scale), "\n".join(wrapped), ha="left", va="top", linespacing=1.3)
    bottom = top - height / scale  # the content's bottom edge, in units
    if handles:
        anchor = ax.transLimits.transform((x_text - 0.1 / scale, bottom + footer_h / scale))
        ax.legend(handles=handles, loc="lower left", bbox_to_anchor=tuple(anchor), ncol=ncol, fontsize=LABEL_PT,
                  frameon=False, handlelength=1.4, borderaxespad=0.2)
    if attribution:
        if owns_figure:
            standard.add_attribution(fig, attribution)
        else:
            ax.text(x_text - 0.1 / scale, bottom + 0.03 / scale, attribution, ha="left", va="bottom", fontsize=9.5,
                    style="italic", gid=standard.ATTRIBUTION_GID, color="#555555")
    return VolumeFigure(ax, kind, cost, boxes, layer.groups, labels, tuple(lines))


def _legend_width(entry_w: list[float], ncol: int) -> float:
    """Width (inches) of a legend of entries of ``entry_w`` inches in ``ncol`` columns."""
    if not entry_w:
        return 0.0
    return sum(max(entry_w[c::ncol]) for c in range(min(ncol, len(entry_w))))


def _legend_handles(groups: int, ranges: tuple[tuple[range, range], ...]) -> list[Patch]:
    window = Patch(facecolor="none", edgecolor=COLORS["highlight"], linewidth=2.5,
                   label="one window → one output value")
    if groups == 1:
        return [Patch(facecolor=COLORS["input"], edgecolor=COLORS["grid"], label="input"),
                Patch(facecolor=COLORS["kernel"], edgecolor=COLORS["grid"], label="kernels"),
                Patch(facecolor=COLORS["output"], edgecolor=COLORS["grid"], label="output"), window]
    coloured = min(groups, MAX_GROUPS_DRAWN)
    handles = [Patch(facecolor=GROUP_COLORS[j], edgecolor=COLORS["grid"], label=f"group {j}: in {_span(i)} → out {_span(o)}")
               for j, (i, o) in enumerate(ranges[:coloured])]
    if groups > coloured:
        handles.append(Patch(facecolor=OTHER_GROUPS, edgecolor=COLORS["grid"],
                             label=f"groups {coloured}–{groups - 1} (kernels not drawn)"))
    return [*handles, window]


__all__ = ["DEFAULTS", "GROUP_COLORS", "KINDS", "MAX_DEPTH", "Box", "VolumeFigure",
           "plot_kernel_volumes"]
