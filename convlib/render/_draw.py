"""Small drawing helpers shared by the diagram renderers (private plumbing).

Grids are drawn in "cell units": cell ``(row, col)`` of a grid whose top-left
corner sits at ``origin = (x0, y0)`` covers ``[x0+col, x0+col+1] x [y0+row, y0+row+1]``
on axes whose y axis points down (see :func:`finish`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.patches import Patch, Rectangle

from ..style import COLORS, MAP_COLORS

Cell = tuple[int, int]

#: Produced output cells are drawn in the output colour at this opacity (lighter than the current cell).
OUTPUT_ALPHA = 0.6

#: Colour of hatching (cropped cells): light enough to read numbers through it.
HATCH_COLOR = "#8c8c8c"

#: Inches per grid cell of a new figure (projector-readable numbers inside cells).
CELL_INCHES = 0.42

ROLE_LABELS = {
    "input": "input",
    "padding": "padding",
    "zeros": "inserted zeros",
    "kernel": "kernel taps",
    "output": "output",
    "highlight": "current output",
    "cropped": "cropped by padding",
}


def count_cmap() -> LinearSegmentedColormap:
    """The course's white → blue → red map for counts (same as ``plot_map``)."""
    return LinearSegmentedColormap.from_list("convlib_counts", list(MAP_COLORS))


TITLE_SIZE = 13.0
LEGEND_SIZE = 11.0
LABEL_SIZE = 11.0


def _scale(width_cells: float, max_width: float) -> float:
    return min(CELL_INCHES, max_width / max(width_cells, 1.0))


def planned_width(ax: Axes | None, width_cells: float, *, max_width: float = 12.0) -> float:
    """Width in inches the drawing will get: of ``ax`` if given, else of the figure :func:`new_axes` makes."""
    if ax is not None:
        return float(ax.figure.get_figwidth() * ax.get_position().width)
    return max(6.0, width_cells * _scale(width_cells, max_width) + 0.2)


def new_axes(
    ax: Axes | None,
    width_cells: float,
    height_cells: float,
    *,
    title_lines: int = 1,
    legend_rows: int = 0,
    max_width: float = 12.0,
) -> Axes:
    """Return ``ax``, or the axes of a new figure sized for the drawing plus its title and legend.

    The figure gets exact room: ``title_lines`` lines of :data:`TITLE_SIZE` above the
    data area and ``legend_rows`` rows of :data:`LEGEND_SIZE` below (no layout engine,
    so animation frames keep one geometry).
    """
    if ax is not None:
        return ax
    scale = _scale(width_cells, max_width)
    width = planned_width(None, width_cells, max_width=max_width)
    top = title_lines * TITLE_SIZE * 1.3 / 72 + 0.15 if title_lines else 0.1
    bottom = legend_rows * LEGEND_SIZE * 1.8 / 72 + 0.15 if legend_rows else 0.1
    height = height_cells * scale + top + bottom
    fig = plt.figure(figsize=(width, height))
    return fig.add_axes((0.0, bottom / height, 1.0, (height - top - bottom) / height))


def cell_borders(
    ax: Axes,
    rows: tuple[int, int],
    cols: tuple[int, int],
    *,
    color: str = COLORS["grid"],
    linewidth: float = 1.0,
) -> LineCollection:
    """Draw the borders of the cells ``rows[0]..rows[1]`` × ``cols[0]..cols[1]`` (inclusive) of an image.

    One :class:`~matplotlib.collections.LineCollection` (label ``"cell borders"``): much
    cheaper to draw than a minor-tick grid, which costs a tick object per cell.
    """
    (r0, r1), (c0, c1) = rows, cols
    ys = [r - 0.5 for r in range(r0, r1 + 2)]
    xs = [c - 0.5 for c in range(c0, c1 + 2)]
    segments = [((xs[0], y), (xs[-1], y)) for y in ys] + [((x, ys[0]), (x, ys[-1])) for x in xs]
    lines = LineCollection(segments, colors=color, linewidths=linewidth, label="cell borders", zorder=2)
    ax.add_collection(lines, autolim=False)
    return lines


def cell_fontsize(ax: Axes, cells_across: float, fraction: float = 0.42) -> float:
    """A font size (points) that fills ``fraction`` of a cell, for axes spanning ``cells_across`` cells."""
    fig = ax.figure
    width_in = fig.get_figwidth() * ax.get_position().width
    cell_pt = 72.0 * width_in / max(cells_across, 1.0)
    return float(min(22.0, max(7.0, fraction * cell_pt)))


def rects(
    ax: Axes,
    cells: Iterable[Cell],
    origin: tuple[float, float],
    facecolor: Any,
    *,
    edgecolor: Any = COLORS["grid"],
    linewidth: float = 1.0,
    alpha: float = 1.0,
    zorder: float = 1.0,
    hatch: str | None = None,
    linestyle: str = "-",
    inset: float = 0.0,
) -> PatchCollection | None:
    """Draw one rectangle per cell as a single collection (fast enough for animations).

    ``inset`` shrinks every rectangle by that many cell units on each side, so the
    cell's own fill stays visible as a ring (used for kernel taps).
    """
    x0, y0 = origin
    side = 1.0 - 2 * inset
    patches = [Rectangle((x0 + c + inset, y0 + r + inset), side, side) for r, c in sorted(cells)]
    if not patches:
        return None
    coll = PatchCollection(
        patches,
        facecolors=facecolor,
        edgecolors=edgecolor,
        linewidths=linewidth,
        alpha=alpha,
        zorder=zorder,
        hatch=hatch,
        linestyles=linestyle,
    )
    ax.add_collection(coll)
    return coll


def outline(
    ax: Axes, top_left: Cell, bottom_right: Cell, origin: tuple[float, float], *, color: Any, linewidth: float = 3.0,
    linestyle: str = "-", zorder: float = 5.0, pad: float = 0.0,
) -> Rectangle:
    """A rectangle around the cells from ``top_left`` to ``bottom_right`` (inclusive)."""
    (r0, c0), (r1, c1) = top_left, bottom_right
    x0, y0 = origin
    rect = Rectangle(
        (x0 + c0 - pad, y0 + r0 - pad), c1 - c0 + 1 + 2 * pad, r1 - r0 + 1 + 2 * pad,
        fill=False, edgecolor=color, linewidth=linewidth, linestyle=linestyle, zorder=zorder,
    )
    ax.add_patch(rect)
    return rect


def cell_texts(
    ax: Axes,
    values: Mapping[Cell, str],
    origin: tuple[float, float],
    *,
    size: float,
    color: Any = COLORS["text"],
    dx: float = 0.5,
    dy: float = 0.5,
    ha: str = "center",
    va: str = "center",
    zorder: float = 6.0,
    **kwargs: Any,
) -> dict[Cell, Any]:
    """Write one string per cell; returns the Text artists by cell."""
    x0, y0 = origin
    out = {}
    for (r, c), text in values.items():
        out[(r, c)] = ax.text(
            x0 + c + dx, y0 + r + dy, text, ha=ha, va=va, fontsize=size, color=color, zorder=zorder,
            in_layout=False,  # inside the grid: layout and tight bounding boxes need not measure it (fast)
            **kwargs,
        )
    return out


def legend(
    ax: Axes, roles: Iterable[str], *, fontsize: float = 11.0, ncol: int | None = None,
    labels: Mapping[str, str] | None = None,
) -> Any:
    """A legend of colour roles below the drawing (``labels`` overrides the default role names)."""
    names = {**ROLE_LABELS, **(labels or {})}
    handles = []
    for role in roles:
        color = COLORS["padding"] if role == "cropped" else COLORS[role]
        hatch = "//" if role == "cropped" else None
        handles.append(Patch(facecolor=color, edgecolor=HATCH_COLOR if hatch else COLORS["grid"], hatch=hatch,
                             alpha=OUTPUT_ALPHA if role == "output" else None, label=names[role]))
    if not handles:
        return None
    return ax.legend(
        handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=ncol or min(len(handles), 4),
        fontsize=fontsize, frameon=False, handlelength=1.2, columnspacing=1.2,
    )


def finish(ax: Axes, width: float, height: float, *, top: float = 0.0, left: float = 0.0) -> None:
    """Equal aspect, y pointing down, no ticks, limits around the drawing."""
    ax.set_xlim(left - 0.25, width + 0.25)
    ax.set_ylim(height + 0.25, top - 0.25)
    ax.set_aspect("equal")
    ax.set_xticks([])  # no tick computation on every redraw (animations)
    ax.set_yticks([])
    ax.set_axis_off()


def fmt_number(value: float) -> str:
    """Integers without decimals, others with up to 2 significant decimals."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.2g}" if abs(value) < 1 else f"{value:.1f}"


def wrap(text: str, width_in: float, fontsize: float = TITLE_SIZE) -> str:
    """Wrap ``text`` (line by line) to ``width_in`` inches at ``fontsize`` points."""
    import textwrap

    chars = max(16, int(width_in * 72 / (0.56 * fontsize)))
    return "\n".join(textwrap.fill(line, chars) for line in text.split("\n"))
