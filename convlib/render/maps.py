"""Utilization maps and receptive fields, drawn.

:func:`plot_map` is seed 002's ``plot_map`` made reusable: the white → blue →
red colour map, one integer per cell whose colour switches for contrast, cell
grid lines and a colour bar -- but drawn on given axes, returning them, and
never calling ``plt.show()``. :func:`plot_map_progression` puts the maps after
layer 1, 2, 3… side by side (the source's Layer2/Layer3/Layer4 figures);
:func:`plot_receptive_field` overlays one output unit's field on its input grid.

Introduced in 04_gridding_effect.ipynb (plot_map, plot_map_progression) and
03_receptive_field.ipynb (plot_receptive_field).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import LinearSegmentedColormap, to_rgb
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

from ..validate import ints, is_int
from ..gridding import progression, unit_utilization
from ..layers import as_layers
from ..receptive import receptive_field
from ..style import COLORS, MAP_COLORS
from . import _draw

#: Maps larger than this (cells per side) are not annotated / gridded unless asked.
ANNOTATE_MAX = 40
GRID_MAX = 80


def map_cmap() -> LinearSegmentedColormap:
    """The source's colour map: white (0, unused) → blue → red (most used).

    Introduced in 04_gridding_effect.ipynb.
    """
    return LinearSegmentedColormap.from_list("convlib_map", list(MAP_COLORS))


def _as_2d(matrix: Any, name: str = "matrix") -> np.ndarray:
    m = np.asarray(matrix)
    if m.ndim == 1:
        m = m[None, :]
    if m.ndim != 2 or m.size == 0:
        raise ValueError(f"{name} with shape {np.shape(matrix)} must be a non-empty 1-D or 2-D array")
    if m.dtype == object:
        m = m.astype(float)
    if not np.issubdtype(m.dtype, np.number) or np.issubdtype(m.dtype, np.complexfloating):
        raise TypeError(f"{name} has dtype {m.dtype}; a map holds real numbers (counts)")
    return m


def _label(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.2g}"


def _luminance(rgb: tuple[float, float, float]) -> float:
    r, g, b = rgb
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _cell_fontsize(ax: Axes, cells: int) -> float:
    width_in = ax.figure.get_figwidth() * ax.get_position().width
    return float(np.clip(0.42 * 72.0 * width_in / max(cells, 1), 5.0, 14.0))


def _new_axes(rows: int, cols: int, colorbar: bool) -> Axes:
    side = float(np.clip(0.32 * max(rows, cols), 3.0, 8.0))
    _, ax = plt.subplots(figsize=(side * cols / max(rows, cols) + (1.4 if colorbar else 0.6), side + 0.6),
                         layout="constrained")
    return ax


def plot_map(
    matrix: Any,
    *,
    ax: Axes | None = None,
    annotate: bool | None = None,
    colorbar: bool = True,
    threshold: float | None = None,
    grid: bool | None = None,
    title: str | None = None,
    fontsize: float | None = None,
    **style: Any,
) -> Axes:
    """Draw a count map like seed 002's ``plot_map``; return the axes.

    Parameters
    ----------
    matrix : array-like, 1-D or 2-D
        Counts (e.g. :func:`convlib.utilization_map`); 1-D arrays are drawn as one row.
    ax : matplotlib Axes, optional
        Where to draw (default: a new figure sized to the map).
    annotate : bool, optional
        Write each cell's value. Default: only when the map has at most
        ``ANNOTATE_MAX`` (40) cells per side.
    colorbar : bool
        Add a colour bar beside the axes.
    threshold : float, optional
        The source's rule for the text colour: white above ``threshold``, black
        otherwise. Default: white where the cell's colour is dark (luminance < 0.5).
    grid : bool, optional
        Cell border lines (default: when at most ``GRID_MAX`` (80) cells per side).
    title, fontsize : optional
    **style
        Passed to ``imshow`` (``cmap``, ``vmin``, ``vmax``, ``alpha`` ...). The default
        colour map is white → blue → red with ``vmin=0``, so unused cells are white.

    Returns
    -------
    matplotlib.axes.Axes

    Introduced in 04_gridding_effect.ipynb.
    """
    m = _as_2d(matrix)
    rows, cols = m.shape
    annotate = max(rows, cols) <= ANNOTATE_MAX if annotate is None else bool(annotate)
    grid = max(rows, cols) <= GRID_MAX if grid is None else bool(grid)
    if ax is None:
        ax = _new_axes(rows, cols, colorbar)
    style.setdefault("cmap", map_cmap())
    style.setdefault("vmin", 0)
    style.setdefault("interpolation", "nearest")
    image = ax.imshow(m, **style)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    if rows == 1:
        ax.set_yticks([])
    if grid:
        _draw.cell_borders(ax, (0, rows - 1), (0, cols - 1), color="black",
                           linewidth=1.5 if max(rows, cols) <= 20 else 0.6)
    if colorbar:
        ax.figure.colorbar(image, ax=ax, shrink=0.85 if rows > 1 else 0.5)
    if annotate:
        size = fontsize or _cell_fontsize(ax, cols)
        rgba = image.cmap(image.norm(m))
        for y in range(rows):
            for x in range(cols):
                value = float(m[y, x])
                if threshold is not None:
                    light = value > threshold
                else:
                    light = _luminance(to_rgb(rgba[y, x])) < 0.5
                ax.text(x, y, _label(value), ha="center", va="center", fontsize=size,
                        color="white" if light else "black")
    if title is not None:
        ax.set_title(title)
    return ax


def plot_map_progression(
    maps_or_layers: Any,
    kernel_size: int = 3,
    size: int | None = None,
    *,
    axes: Sequence[Axes] | None = None,
    titles: Sequence[str] | None = None,
    annotate: bool | None = None,
    colorbar: bool = False,
    **style: Any,
) -> list[Axes]:
    """The maps after layer 1, 2, 3… side by side, one panel per layer.

    Parameters
    ----------
    maps_or_layers : sequence of arrays, or rates / layer specs
        Maps to draw, or anything :func:`convlib.progression` takes (then
        ``kernel_size`` and ``size`` are passed on).
    axes : sequence of Axes, optional
        One per panel (default: a new row of panels).
    titles : sequence of str, optional
        Default: the source's names, ``Layer 2`` for the map after one layer, and
        the rate when the stack is given as rates.
    annotate, colorbar, **style
        As in :func:`plot_map`.

    Returns
    -------
    list of Axes, one per panel

    Introduced in 04_gridding_effect.ipynb.
    """
    items = list(maps_or_layers) if not isinstance(maps_or_layers, np.ndarray) else [maps_or_layers]
    if items and all(isinstance(item, np.ndarray) for item in items):
        maps = [_as_2d(item, f"maps_or_layers[{i}]") for i, item in enumerate(items)]
        default_titles = [f"Layer {i + 2}" for i in range(len(maps))]
    else:
        maps = progression(items, kernel_size, size)
        default_titles = [
            f"Layer {i + 2} (r={item})" if is_int(item) else f"Layer {i + 2}" for i, item in enumerate(items)
        ]
    n = len(maps)
    if titles is None:
        titles = default_titles
    elif len(titles) != n:
        raise ValueError(f"titles has {len(titles)} entries but there are {n} panels")
    if axes is None:
        side = float(np.clip(0.2 * max(maps[-1].shape), 2.6, 4.6))
        _, row = plt.subplots(1, n, figsize=(side * n + (1.0 * n if colorbar else 0.4), side + 0.7),
                              layout="constrained", squeeze=False)
        axes = list(row[0])
    else:
        axes = list(axes)
        if len(axes) != n:
            raise ValueError(f"axes has {len(axes)} entries but there are {n} panels")
    for ax, m, t in zip(axes, maps, titles):
        plot_map(m, ax=ax, annotate=annotate, colorbar=colorbar, title=t, **style)
    return axes


def plot_receptive_field(
    layers: Any,
    input_size: int | tuple[int, int],
    position: int | tuple[int, int] | None = None,
    *,
    ax: Axes | None = None,
    counts: bool = True,
    annotate: bool | None = None,
    title: str | None = None,
    **style: Any,
) -> Axes:
    """One output unit's receptive field overlaid on the input grid.

    Draws the ``input_size`` grid, the exact number of paths from each input pixel
    to the unit (:func:`convlib.unit_utilization`, white → blue → red, unused pixels
    left blank), the closed-form field of :func:`convlib.receptive_field` as a
    vermilion box -- hatched grey where it reaches into the padding -- and its
    centre as a ``+``.

    Parameters
    ----------
    layers : layer specs (first layer nearest the input)
    input_size : int or (H, W)
    position : int or (row, col), optional
        Output unit (default: the middle one).
    counts : bool
        Colour used pixels by their path count (False: one highlight colour).
    annotate : bool, optional
        Write the counts (default: when the drawing spans at most 40 cells).
    **style
        Passed to ``imshow`` for the counts.

    Returns
    -------
    matplotlib.axes.Axes

    Introduced in 03_receptive_field.ipynb.
    """
    stack = as_layers(layers)
    one_d = isinstance(input_size, (tuple, list)) and len(input_size) == 1
    ndim = 1 if one_d else 2
    sizes = ints(input_size, ndim, "input_size")
    pos = _default_position(stack, sizes, position, ndim)
    used = unit_utilization(stack, sizes, pos)
    grid = used[None, :] if one_d else used
    rows, cols = grid.shape
    try:
        rf = receptive_field(stack)
    except ValueError:  # a strided transposed layer: no closed form, draw the exact counts only
        rf = None
    box = None
    if rf is not None:
        first, last = rf.field(pos)
        box = ((0, *first), (0, *last)) if one_d else (tuple(first), tuple(last))
    (r0, c0), (r1, c1) = ((0, 0), (rows - 1, cols - 1))
    if box is not None:
        r0, c0 = min(r0, box[0][0]), min(c0, box[0][1])
        r1, c1 = max(r1, box[1][0]), max(c1, box[1][1])
    height, width = r1 - r0 + 1, c1 - c0 + 1
    span = max(height, width)
    if ax is None:
        side = float(np.clip(0.3 * span, 3.5, 8.0))
        _, ax = plt.subplots(figsize=(side * width / span + 0.6, side * height / span + 0.8), layout="constrained")

    # the input grid, and the field's cells that lie in the padding
    ax.add_patch(Rectangle((-0.5, -0.5), cols, rows, facecolor=COLORS["input"], alpha=0.18, edgecolor="none",
                           zorder=0))
    if box is not None:
        (fr, fc), (lr, lc) = box
        ys, xs = np.mgrid[fr : lr + 1, fc : lc + 1]
        outside = (ys < 0) | (ys >= rows) | (xs < 0) | (xs >= cols)
        for y, x in zip(ys[outside], xs[outside]):
            ax.add_patch(Rectangle((x - 0.5, y - 0.5), 1, 1, facecolor=COLORS["padding"], edgecolor="#8c8c8c",
                                   hatch="//", linewidth=0.0, zorder=0.5))
    # the counts (unused pixels masked: the input grid shows through)
    if counts:
        shown = np.ma.masked_equal(grid.astype(float), 0.0)
        style.setdefault("cmap", map_cmap())
        style.setdefault("vmin", 0)
    else:
        shown = np.ma.masked_equal((grid > 0).astype(float), 0.0)
        style.setdefault("cmap", LinearSegmentedColormap.from_list("used", [COLORS["kernel"]] * 2))
    image = ax.imshow(shown, extent=(-0.5, cols - 0.5, rows - 0.5, -0.5), interpolation="nearest", zorder=1,
                      **style)
    ax.set_xlim(c0 - 0.5, c1 + 0.5)
    ax.set_ylim(r1 + 0.5, r0 - 0.5)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    if span <= GRID_MAX:
        _draw.cell_borders(ax, (r0, r1), (c0, c1), linewidth=0.5)
    if one_d:
        ax.set_yticks([])
    if annotate if annotate is not None else span <= ANNOTATE_MAX:
        size = _cell_fontsize(ax, width)
        rgba = image.cmap(image.norm(grid.astype(float)))
        for y, x in zip(*np.nonzero(grid)):
            light = counts and _luminance(to_rgb(rgba[y, x])) < 0.5
            ax.text(x, y, _label(float(grid[y, x])), ha="center", va="center", fontsize=size,
                    color="white" if light else "black", zorder=3)
    # the closed form: field box and centre
    if box is not None:
        (fr, fc), (lr, lc) = box
        ax.add_patch(Rectangle((fc - 0.5, fr - 0.5), lc - fc + 1, lr - fr + 1, fill=False,
                               edgecolor=COLORS["highlight"], linewidth=2.5, zorder=4, label="receptive field"))
        cy, cx = _centre(rf, pos, ndim)
        ax.plot([cx], [cy], marker="+", markersize=14, markeredgewidth=2.5, color=COLORS["highlight"], zorder=5)
    if title is None:
        where = pos[0] if one_d else pos
        if rf is None:
            title = f"output unit {where}: {int((grid > 0).sum())} input pixels (no closed form)"
        else:
            field = rf.size if isinstance(rf.size, tuple) else (rf.size,) * ndim
            title = f"output unit {where}: receptive field {'×'.join(map(str, field))}"
    ax.set_title(title)
    return ax


def _default_position(stack: Any, sizes: tuple[int, ...], position: Any, ndim: int) -> tuple[int, ...]:
    """``position`` as a tuple, or the middle unit of the output (as :func:`unit_utilization` picks it)."""
    if position is not None:
        return ints(position, ndim, "position")
    out: Any = sizes
    for layer in stack:
        out = layer.output_size(out)
    return tuple(n // 2 for n in out)


def _centre(rf: Any, pos: tuple[int, ...], ndim: int) -> tuple[float, float]:
    """(row, col) of the field's centre for output unit ``pos`` (row 0 for 1-D)."""
    stride = rf.stride if isinstance(rf.stride, tuple) else (rf.stride,) * ndim
    center = rf.center if isinstance(rf.center, tuple) else (rf.center,) * ndim
    coords = tuple(c + p * s for c, p, s in zip(center, pos, stride))
    return (0.0, coords[0]) if ndim == 1 else (coords[0], coords[1])


__all__ = ["map_cmap", "plot_map", "plot_map_progression", "plot_receptive_field"]
