"""Convolution-arithmetic diagrams drawn from a :class:`~convlib.spec.ConvSpec`.

One renderer for every setting (the conv_arithmetic figures exist for 19 fixed
ones): :func:`plot_conv_step` draws the input grid with padding shaded (for a
transposed spec: its equivalent direct convolution, with inserted zeros and the
near/far padding), the kernel footprint with its dilation holes, and the output
grid with the produced cell highlighted, optionally with numbers.
:func:`plot_transposed_scatter` draws a transposed convolution the other way —
each input pixel stamping the kernel into the output — and
:func:`plot_dilated_kernel` a dilated kernel beside its zero-filled equivalent.

Every function returns a small dataclass recording what was drawn (cell sets,
shapes, texts), so tests — and curious readers — can check the picture.

Introduced in 01_convolution.ipynb.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from ..shapes import effective_kernel_size
from ..spec import Cell, ConvSpec, Pair
from ..style import COLORS
from ..validate import ints
from . import _draw

#: conv_arithmetic's numerical kernel (used when numbers are shown for a 3×3 kernel).
DEFAULT_KERNEL_3X3 = np.array([[0.0, 1.0, 2.0], [2.0, 2.0, 0.0], [0.0, 1.0, 2.0]])


def default_values(spec: ConvSpec) -> tuple[np.ndarray, np.ndarray]:
    """Small integer input and kernel used when a diagram shows numbers (deterministic).

    Introduced in 01_convolution.ipynb.
    """
    rng = np.random.default_rng(2016)  # local generator: no global state
    x = rng.integers(0, 4, size=spec.input_size).astype(np.float64)
    w = DEFAULT_KERNEL_3X3.copy() if spec.kernel_size == (3, 3) else rng.integers(0, 3, size=spec.kernel_size) * 1.0
    return x, w


@dataclass(frozen=True, repr=False)
class StepDiagram:
    """What :func:`plot_conv_step` drew. Cells are ``(row, col)`` of the drawn grids.

    Attributes
    ----------
    ax : Axes
    spec : ConvSpec
    position : output cell being produced
    grid_shape : shape of the drawn input grid (padding and inserted zeros included)
    input_cells, padding_cells, zero_cells : cells of the input grid by role
    tap_cells : input-grid cells under a kernel tap (highlighted)
    hole_cells : cells inside the kernel's window that no tap reads (dilation holes)
    output_shape : shape of the drawn output grid
    done_cells : output cells already produced (before ``position``)
    input_numbers, kernel_numbers, output_numbers : texts written in cells (empty without numbers)
    """

    ax: Axes
    spec: ConvSpec
    position: Cell
    grid_shape: Pair
    input_cells: frozenset[Cell]
    padding_cells: frozenset[Cell]
    zero_cells: frozenset[Cell]
    tap_cells: frozenset[Cell]
    hole_cells: frozenset[Cell]
    output_shape: Pair
    done_cells: frozenset[Cell]
    input_numbers: dict[Cell, str] = field(default_factory=dict)
    kernel_numbers: dict[Cell, str] = field(default_factory=dict)
    output_numbers: dict[Cell, str] = field(default_factory=dict)

    @property
    def figure(self) -> Figure:
        """The figure holding the drawing."""
        return self.ax.figure

    def __repr__(self) -> str:
        h, w = self.output_shape
        return (
            f"StepDiagram({self.spec.name or self.spec.describe()}: output {self.position} of {h}×{w}, "
            f"{len(self.tap_cells)} taps on a {self.grid_shape[0]}×{self.grid_shape[1]} grid)"
        )


def _grid_title(spec: ConvSpec) -> str:
    h, w = spec.input_size
    if not spec.transposed:
        pad = spec.padding
        return f"input {h}×{w}" + (f", padding {pad[0] if pad[0] == pad[1] else pad}" if any(pad) else "")
    eq = spec.equivalent()
    near, far = tuple(eq.padding), tuple(eq.far_padding)
    zeros = tuple(eq.zeros_inserted)
    parts = [f"input {h}×{w}"]
    if any(zeros):
        parts.append(f"{zeros[0] if zeros[0] == zeros[1] else zeros} zero(s) between pixels")
    if near == far:
        parts.append(f"padding {near[0] if near[0] == near[1] else near}")
    else:
        parts.append(f"padding {near[0] if near[0] == near[1] else near} / far {far[0] if far[0] == far[1] else far}")
    return ", ".join(parts)


class StepPainter:
    """Draws a conv step in two layers: static (grids, titles, legend) and per-position (taps, outputs).

    The split lets animations (:mod:`convlib.anim`) draw the static layer once and
    redraw only what moves: ``static()``, then ``dynamic(position)`` per frame.

    Introduced in 01_convolution.ipynb.
    """

    def __init__(self, spec: ConvSpec, ax: Axes | None, *, numbers: bool, x: np.ndarray | None,
                 weight: np.ndarray | None, legend: bool, title: str | None, arrow: bool) -> None:
        if not isinstance(spec, ConvSpec):
            raise TypeError(f"spec={spec!r} must be a convlib.spec.ConvSpec")
        self.spec = spec
        self.grid = spec.grid()
        gh, gw = self.grid.shape
        oh, ow = spec.output_size
        self.height = float(max(gh, oh))
        self.top = 1.1  # room for the grid titles
        self.width = gw + 2.0 + ow
        if title is None:
            title = spec.describe()
            if spec.transposed:
                title += "\n(drawn as its equivalent stride-1 convolution, kernel flipped)"
        self.title = _draw.wrap(title, _draw.planned_width(ax, self.width + 0.5)) if title else ""
        self.roles = ["input"] + (["padding"] if self.grid.padding_cells else []) + (
            ["zeros"] if self.grid.zero_cells else []) + ["kernel", "output", "highlight"]
        self.legend = legend
        self.ax = _draw.new_axes(ax, self.width + 0.5, self.height + self.top + 0.5,
                                 title_lines=self.title.count("\n") + 1 if self.title else 0,
                                 legend_rows=-(-len(self.roles) // 3) if legend else 0)
        self.in_origin = (0.0, self.top + (self.height - gh) / 2)
        self.out_origin = (gw + 2.0, self.top + (self.height - oh) / 2)
        self.size = _draw.cell_fontsize(self.ax, self.width + 0.5)
        self.arrow = arrow
        self.values: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        if numbers or x is not None or weight is not None:
            dx, dw = default_values(spec)
            xv = dx if x is None else np.asarray(x, dtype=np.float64)
            wv = dw if weight is None else np.asarray(weight, dtype=np.float64)
            if xv.shape != spec.input_size:
                raise ValueError(f"x with shape {xv.shape} must have shape input_size={spec.input_size}")
            self.values = (xv, spec.kernel_as_drawn(wv).ravel(), spec.apply(xv, wv))
        self.input_numbers: dict[Cell, str] = {}
        self.positions = spec.positions()

    def static(self) -> None:
        ax, grid, spec = self.ax, self.grid, self.spec
        (gh, gw), (oh, ow) = grid.shape, spec.output_size
        _draw.rects(ax, grid.input_cells, self.in_origin, COLORS["input"])
        _draw.rects(ax, grid.padding_cells, self.in_origin, COLORS["padding"])
        _draw.rects(ax, grid.zero_cells, self.in_origin, COLORS["zeros"])
        _draw.rects(ax, {(r, c) for r in range(oh) for c in range(ow)}, self.out_origin, "white")
        if self.values is not None:
            filled = grid.values(self.values[0])
            self.input_numbers = {cell: _draw.fmt_number(filled[cell]) for cell in grid.input_cells}
            _draw.cell_texts(ax, self.input_numbers, self.in_origin, size=self.size)
            zero_text = {cell: "0" for cell in grid.padding_cells | grid.zero_cells}
            _draw.cell_texts(ax, zero_text, self.in_origin, size=self.size * 0.8, color="#777777")
        cell_in = _draw.planned_width(ax, self.width + 0.5) / (self.width + 0.5)
        label = _draw.wrap(_grid_title(spec), max(gw, 4) * cell_in + 0.6, _draw.LABEL_SIZE)
        ax.text(self.in_origin[0] + gw / 2, self.in_origin[1] - 0.3, label, ha="center", va="bottom",
                fontsize=_draw.LABEL_SIZE, color=COLORS["text"], linespacing=1.1)
        ax.text(self.out_origin[0] + ow / 2, self.out_origin[1] - 0.3, f"output {oh}×{ow}", ha="center",
                va="bottom", fontsize=_draw.LABEL_SIZE, color=COLORS["text"])
        if self.title:
            ax.set_title(self.title, fontsize=_draw.TITLE_SIZE)
        _draw.finish(ax, self.width, self.height + self.top)
        if self.legend:
            _draw.legend(ax, self.roles, fontsize=_draw.LEGEND_SIZE, ncol=3)

    def dynamic(self, pos: Cell) -> tuple[list[Any], dict[str, Any]]:
        """Draw what belongs to output position ``pos``; return the artists and what they show."""
        ax, spec = self.ax, self.spec
        artists: list[Any] = []
        taps = spec.taps(pos)
        tap_cells = frozenset(taps)
        artists.append(_draw.rects(ax, tap_cells, self.in_origin, COLORS["kernel"], zorder=3, linewidth=1.0,
                                   inset=0.14))
        (r0, c0), (r1, c1) = taps[0], taps[-1]
        window = {(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
        dilated = spec.dilation != (1, 1)
        artists.append(_draw.outline(ax, (r0, c0), (r1, c1), self.in_origin, color=COLORS["kernel"],
                                     linewidth=3.0, linestyle="--" if dilated else "-"))
        done = frozenset(self.positions[: self.positions.index(pos)])
        artists.append(_draw.rects(ax, done, self.out_origin, COLORS["output"], alpha=_draw.OUTPUT_ALPHA, zorder=2))
        artists.append(_draw.rects(ax, {pos}, self.out_origin, COLORS["highlight"], zorder=3, linewidth=2.0))
        if self.arrow:
            start = (self.in_origin[0] + c1 + 1.05, self.in_origin[1] + (r0 + r1 + 1) / 2)
            end = (self.out_origin[0] + pos[1] - 0.05, self.out_origin[1] + pos[0] + 0.5)
            artists.append(ax.annotate("", xy=end, xytext=start, zorder=7, arrowprops=dict(
                arrowstyle="->", color=COLORS["highlight"], lw=2.0, alpha=0.8, connectionstyle="arc3,rad=-0.15")))
        kernel_numbers: dict[Cell, str] = {}
        output_numbers: dict[Cell, str] = {}
        if self.values is not None:
            _, kernel, out = self.values
            # the values under the taps again, above the tap squares (animations blit this layer on top)
            under = {c: self.input_numbers[c] for c in tap_cells if c in self.input_numbers}
            artists += _draw.cell_texts(ax, under, self.in_origin, size=self.size).values()
            zeros = {c: "0" for c in tap_cells if c not in self.input_numbers}
            artists += _draw.cell_texts(ax, zeros, self.in_origin, size=self.size * 0.8, color="#777777").values()
            kernel_numbers = {cell: "×" + _draw.fmt_number(kernel[t]) for t, cell in enumerate(taps)}
            artists += _draw.cell_texts(ax, kernel_numbers, self.in_origin, size=self.size * 0.6, color="#5a2d00",
                                        dx=0.9, dy=0.88, ha="right", va="bottom", fontweight="bold").values()
            output_numbers = {cell: _draw.fmt_number(out[cell]) for cell in done | {pos}}
            artists += _draw.cell_texts(ax, output_numbers, self.out_origin, size=self.size).values()
        info = dict(tap_cells=tap_cells, hole_cells=frozenset(window - tap_cells), done_cells=done,
                    kernel_numbers=kernel_numbers, output_numbers=output_numbers)
        return [a for a in artists if a is not None], info


def plot_conv_step(
    spec: ConvSpec,
    position: int | Cell = 0,
    *,
    ax: Axes | None = None,
    numbers: bool = False,
    x: np.ndarray | None = None,
    weight: np.ndarray | None = None,
    legend: bool = True,
    title: str | None = None,
    arrow: bool = False,
) -> StepDiagram:
    """Draw one step of a convolution: input grid, kernel footprint, output grid.

    A transposed spec is drawn as its equivalent direct convolution (stride 1,
    ``stride-1`` zeros inserted between input pixels, near padding ``d(k-1)-p``,
    far padding ``d(k-1)-p+output_padding``, flipped kernel).

    Introduced in 01_convolution.ipynb.

    Parameters
    ----------
    spec : ConvSpec
    position : int or (row, col)
        Output position being produced (an int counts row by row).
    ax : Axes, optional
        Draw here; default: a new figure sized to the grids.
    numbers : bool
        Write input values, kernel weights (small, in the tap cells) and outputs.
    x, weight : ndarray, optional
        Values to show (shapes ``spec.input_size`` and ``spec.kernel_size``); imply ``numbers``.
        Defaults: :func:`default_values`.
    legend, title, arrow :
        Legend of colour roles below; axes title (default: ``spec.describe()``); arrow from
        the footprint to the produced cell.

    Returns
    -------
    StepDiagram
    """
    if not isinstance(spec, ConvSpec):
        raise TypeError(f"spec={spec!r} must be a convlib.spec.ConvSpec")
    pos = spec.position(position)
    painter = StepPainter(spec, ax, numbers=numbers, x=x, weight=weight, legend=legend, title=title, arrow=arrow)
    painter.static()
    _, info = painter.dynamic(pos)
    grid = painter.grid
    return StepDiagram(
        ax=painter.ax,
        spec=spec,
        position=pos,
        grid_shape=grid.shape,
        input_cells=grid.input_cells,
        padding_cells=grid.padding_cells,
        zero_cells=grid.zero_cells,
        output_shape=spec.output_size,
        input_numbers=painter.input_numbers,
        **info,
    )


@dataclass(frozen=True, repr=False)
class ScatterDiagram:
    """What :func:`plot_transposed_scatter` drew. Output cells are canvas coordinates.

    Attributes
    ----------
    ax : Axes
    spec : ConvSpec
    pixel : input pixel whose stamp is shown
    canvas_shape : uncropped output canvas
    crop : padding cropped from each side (output cell (r, c) = canvas cell (r+crop[0], c+crop[1]))
    kept_cells, cropped_cells : canvas cells kept / cropped by ``padding``
    stamp_cells : canvas cells the current pixel writes to (one per kernel tap)
    counts : stamps received by every canvas cell from pixels ``0 .. pixel`` (row-major)
    count_numbers : texts written in canvas cells
    """

    ax: Axes
    spec: ConvSpec
    pixel: Cell
    canvas_shape: Pair
    crop: Pair
    kept_cells: frozenset[Cell]
    cropped_cells: frozenset[Cell]
    stamp_cells: frozenset[Cell]
    counts: np.ndarray
    count_numbers: dict[Cell, str] = field(default_factory=dict)

    @property
    def output_counts(self) -> np.ndarray:
        """``counts`` restricted to the kept output (what the transposed convolution returns for ones)."""
        (h, w), (ph, pw) = self.spec.output_size, self.crop
        return self.counts[ph : ph + h, pw : pw + w]

    def __repr__(self) -> str:
        return (
            f"ScatterDiagram({self.spec.name or self.spec.describe()}: pixel {self.pixel} stamps "
            f"{len(self.stamp_cells)} cells of a {self.canvas_shape[0]}×{self.canvas_shape[1]} canvas)"
        )


def plot_transposed_scatter(
    spec: ConvSpec,
    pixel: int | Cell = 0,
    *,
    ax: Axes | None = None,
    numbers: bool = True,
    legend: bool = True,
    title: str | None = None,
) -> ScatterDiagram:
    """Draw a transposed convolution as scatter: input pixel ``pixel`` stamps the kernel into the output.

    Pixels are visited row by row; output cells show how many stamps they have
    received so far (after the last pixel: the overlap counts behind the
    checkerboard). The border that ``padding`` crops is hatched.

    Introduced in 06_transposed_convolution.ipynb.

    Parameters
    ----------
    spec : ConvSpec
        Must have ``transposed=True`` (use ``spec.transpose()`` for a direct one).
    pixel : int or (row, col)
        Input pixel being stamped.
    ax, numbers, legend, title :
        As in :func:`plot_conv_step`; ``numbers`` writes the running counts.

    Returns
    -------
    ScatterDiagram
    """
    painter = ScatterPainter(spec, ax, numbers=numbers, legend=legend, title=title)
    pix = painter.pixel_of(pixel)
    painter.static()
    _, info = painter.dynamic(pix)
    canvas = painter.canvas
    return ScatterDiagram(
        ax=painter.ax, spec=spec, pixel=pix, canvas_shape=canvas.shape, crop=canvas.crop,
        kept_cells=canvas.kept_cells, cropped_cells=canvas.cropped_cells, **info,
    )


class ScatterPainter:
    """Static layer (grids, titles, legend) and per-pixel layer (stamps, counts) of the scatter view.

    ``static()``, then ``dynamic(pixel)`` per frame, as :class:`StepPainter`.

    Introduced in 06_transposed_convolution.ipynb.
    """

    def __init__(self, spec: ConvSpec, ax: Axes | None, *, numbers: bool, legend: bool, title: str | None) -> None:
        if not isinstance(spec, ConvSpec):
            raise TypeError(f"spec={spec!r} must be a convlib.spec.ConvSpec")
        if not spec.transposed:
            raise ValueError(
                "plot_transposed_scatter needs a transposed spec (transposed=True); try spec.transpose()"
            )
        self.spec = spec
        self.canvas = spec.canvas()
        ih, iw = spec.input_size
        ch, cw = self.canvas.shape
        self.height = float(max(ih, ch))
        self.top = 1.1
        self.width = iw + 2.0 + cw
        if title is None:
            title = f"{spec.describe()}\n(as scatter: each input pixel stamps the kernel; numbers = stamps so far)"
        self.title = _draw.wrap(title, _draw.planned_width(ax, self.width + 0.5)) if title else ""
        self.roles = ["input", "highlight", "kernel", "output"] + (["cropped"] if self.canvas.cropped_cells else [])
        self.ax = _draw.new_axes(ax, self.width + 0.5, self.height + self.top + 0.5,
                                 title_lines=self.title.count("\n") + 1 if self.title else 0,
                                 legend_rows=-(-len(self.roles) // 2) if legend else 0)
        self.in_origin = (0.0, self.top + (self.height - ih) / 2)
        self.out_origin = (iw + 2.0, self.top + (self.height - ch) / 2)
        self.size = _draw.cell_fontsize(self.ax, self.width + 0.5)
        self.numbers, self.legend = numbers, legend
        self.order = [(a, b) for a in range(ih) for b in range(iw)]

    def pixel_of(self, pixel: int | Cell) -> Cell:
        first = self.spec.stamps(pixel)[0]  # validates the pixel
        return (first[0] // self.spec.stride[0], first[1] // self.spec.stride[1])

    def static(self) -> None:
        ax, spec, canvas = self.ax, self.spec, self.canvas
        (ih, iw), (ch, cw) = spec.input_size, canvas.shape
        _draw.rects(ax, set(self.order), self.in_origin, COLORS["input"])
        _draw.rects(ax, canvas.kept_cells, self.out_origin, "white")
        _draw.rects(ax, canvas.cropped_cells, self.out_origin, COLORS["padding"], hatch="//",
                    edgecolor=_draw.HATCH_COLOR)
        _draw.rects(ax, canvas.cropped_cells, self.out_origin, "none", zorder=1.5)  # dark borders over hatching
        ax.text(self.in_origin[0] + iw / 2, self.in_origin[1] - 0.3, f"input {ih}×{iw}", ha="center",
                va="bottom", fontsize=_draw.LABEL_SIZE)
        oh, ow = spec.output_size
        pad = spec.padding
        crop_txt = f", {pad[0] if pad[0] == pad[1] else pad} cropped" if any(pad) else ""
        ax.text(self.out_origin[0] + cw / 2, self.out_origin[1] - 0.3, f"output {oh}×{ow}{crop_txt}",
                ha="center", va="bottom", fontsize=_draw.LABEL_SIZE)
        if self.title:
            ax.set_title(self.title, fontsize=_draw.TITLE_SIZE)
        _draw.finish(ax, self.width, self.height + self.top)
        if self.legend:
            _draw.legend(ax, self.roles, fontsize=_draw.LEGEND_SIZE, ncol=2,
                         labels={"highlight": "pixel being stamped", "kernel": "its kernel stamp",
                                 "output": "stamps so far"})

    def dynamic(self, pix: Cell) -> tuple[list[Any], dict[str, Any]]:
        ax, spec, canvas = self.ax, self.spec, self.canvas
        index = self.order.index(pix)
        counts = spec.stamp_counts(index + 1)
        artists: list[Any] = []
        done_pixels = set(self.order[:index])
        artists.append(_draw.rects(ax, done_pixels, self.in_origin, "white", alpha=0.55, zorder=2))
        artists.append(_draw.rects(ax, {pix}, self.in_origin, COLORS["highlight"], zorder=3, linewidth=2.0))
        peak = counts.max()
        reached = sorted(cell for cell in canvas.kept_cells if counts[cell] > 0)
        if reached:
            coll = _draw.rects(ax, reached, self.out_origin, COLORS["output"], zorder=2)
            coll.set_alpha(None)
            coll.set_facecolor(np.array([to_rgba(COLORS["output"], 0.3 + 0.6 * counts[c] / peak) for c in reached]))
            artists.append(coll)
        stamps = spec.stamps(pix)
        stamp_cells = frozenset(stamps)
        artists.append(_draw.rects(ax, stamp_cells, self.out_origin, "none", edgecolor=COLORS["kernel"],
                                   linewidth=3.0, zorder=4))
        (r0, c0), (r1, c1) = stamps[0], stamps[-1]
        if spec.dilation != (1, 1):
            artists.append(_draw.outline(ax, (r0, c0), (r1, c1), self.out_origin, color=COLORS["kernel"],
                                         linewidth=1.5, linestyle="--"))
        artists.append(ax.annotate(
            "", xy=(self.out_origin[0] + c0 - 0.05, self.out_origin[1] + (r0 + r1 + 1) / 2),
            xytext=(self.in_origin[0] + pix[1] + 1.05, self.in_origin[1] + pix[0] + 0.5), zorder=7,
            arrowprops=dict(arrowstyle="->", color=COLORS["highlight"], lw=2.0, alpha=0.8,
                            connectionstyle="arc3,rad=-0.15")))
        count_numbers: dict[Cell, str] = {}
        if self.numbers:
            count_numbers = {cell: str(int(counts[cell])) for cell in np.ndindex(*canvas.shape) if counts[cell] > 0}
            artists += _draw.cell_texts(ax, count_numbers, self.out_origin, size=self.size).values()
        info = dict(stamp_cells=stamp_cells, counts=counts, count_numbers=count_numbers)
        return [a for a in artists if a is not None], info


@dataclass(frozen=True, repr=False)
class TransposedFigure:
    """Both views of one transposed convolution (:func:`plot_transposed`)."""

    figure: Figure
    direct: StepDiagram
    scatter: ScatterDiagram

    def __repr__(self) -> str:
        return f"TransposedFigure({self.direct!r}, {self.scatter!r})"


def plot_transposed(
    spec: ConvSpec, position: int | Cell = 0, pixel: int | Cell = 0, *, numbers: bool = False,
    figsize: tuple[float, float] | None = None,
) -> TransposedFigure:
    """A transposed convolution two ways, side by side: equivalent direct convolution and scatter.

    Introduced in 06_transposed_convolution.ipynb.

    Parameters
    ----------
    spec : ConvSpec
        A transposed spec (a direct one is replaced by ``spec.transpose()``).
    position : output position of the direct view
    pixel : input pixel of the scatter view
    numbers : write values in the direct view (the scatter view always shows counts)
    figsize : optional figure size in inches
    """
    if not isinstance(spec, ConvSpec):
        raise TypeError(f"spec={spec!r} must be a convlib.spec.ConvSpec")
    if not spec.transposed:
        spec = spec.transpose()
    (gh, gw), (ch, cw) = spec.grid().shape, spec.canvas().shape
    (oh, ow), (ih, iw) = spec.output_size, spec.input_size
    w_left, w_right = gw + 2 + ow + 0.5, iw + 2 + cw + 0.5
    rows = max(gh, oh, ih, ch) + 1.1 + 0.5
    scale = min(_draw.CELL_INCHES, 15.0 / (w_left + w_right + 1))
    top = 3 * _draw.TITLE_SIZE * 1.3 / 72 + 0.25  # suptitle + two-line panel titles
    bottom = 3 * _draw.LEGEND_SIZE * 1.8 / 72 + 0.15  # the scatter legend has up to three rows
    width = max(8.0, (w_left + w_right + 1) * scale)
    height = rows * scale + top + bottom
    if figsize is not None:
        width, height = figsize
    fig = plt.figure(figsize=(width, height))
    frac_h = (height - top - bottom) / height
    left_w = w_left / (w_left + w_right + 1)
    a1 = fig.add_axes((0.0, bottom / height, left_w, frac_h))
    a2 = fig.add_axes((left_w + 1 / (w_left + w_right + 1), bottom / height, 1 - left_w - 1 / (w_left + w_right + 1),
                       frac_h))
    direct = plot_conv_step(spec, position, ax=a1, numbers=numbers,
                            title="as a direct convolution\n(zeros inserted, padding d(k−1)−p, kernel flipped)")
    scatter = plot_transposed_scatter(spec, pixel, ax=a2, title="as scatter\n(each input pixel stamps the kernel)")
    fig.suptitle(spec.describe(), fontsize=15, y=1 - 0.08 / height)
    return TransposedFigure(fig, direct, scatter)


@dataclass(frozen=True, repr=False)
class DilatedKernelDiagram:
    """What :func:`plot_dilated_kernel` drew (cells of the zero-filled grid).

    Attributes
    ----------
    ax : Axes
    kernel_size, dilation, effective_size : (rows, cols)
    weights : the ``kernel_size`` weights shown
    filled : the zero-filled ``effective_size`` kernel (convolving with it == dilated convolution)
    tap_cells, zero_cells : cells of the filled kernel holding weights / inserted zeros
    caption : the effective-size text written on the figure
    """

    ax: Axes
    kernel_size: Pair
    dilation: Pair
    effective_size: Pair
    weights: np.ndarray
    filled: np.ndarray
    tap_cells: frozenset[Cell]
    zero_cells: frozenset[Cell]
    caption: str

    def __repr__(self) -> str:
        return f"DilatedKernelDiagram({self.caption})"


def plot_dilated_kernel(
    kernel_size: int | Pair = 3,
    dilation: int | Pair = 2,
    *,
    weights: np.ndarray | None = None,
    ax: Axes | None = None,
    numbers: bool = True,
    title: str | None = None,
) -> DilatedKernelDiagram:
    """A dilated kernel beside its zero-filled equivalent, effective size written on the figure.

    Introduced in 02_dilated_convolution.ipynb.

    Parameters
    ----------
    kernel_size, dilation : int or (int, int)
    weights : ndarray, optional
        Kernel values (default ``1 .. k*k``, so each weight is easy to follow).
    ax, numbers, title : as in :func:`plot_conv_step`

    Returns
    -------
    DilatedKernelDiagram
    """
    k, d = ints(kernel_size, 2, "kernel_size", 1), ints(dilation, 2, "dilation", 1)
    eff = effective_kernel_size(k, d)
    if weights is None:
        w = np.arange(1, k[0] * k[1] + 1, dtype=np.float64).reshape(k)
    else:
        w = np.asarray(weights, dtype=np.float64)
        if w.shape != k:
            raise ValueError(f"weights with shape {w.shape} must have shape kernel_size={k}")
    filled = np.zeros(eff)
    filled[:: d[0], :: d[1]] = w
    taps = frozenset((a * d[0], b * d[1]) for a in range(k[0]) for b in range(k[1]))
    zeros = frozenset(np.ndindex(*eff)) - taps

    gap = 2.5
    height = float(max(k[0], eff[0]))
    top = 1.1
    width = k[1] + gap + eff[1]
    ax = _draw.new_axes(ax, width + 0.5, height + top + 0.5, title_lines=1, legend_rows=0)
    left = (0.0, top + (height - k[0]) / 2)
    right = (k[1] + gap, top + (height - eff[0]) / 2)
    size = _draw.cell_fontsize(ax, width + 0.5)
    _draw.rects(ax, set(np.ndindex(*k)), left, COLORS["kernel"])
    _draw.rects(ax, taps, right, COLORS["kernel"])
    _draw.rects(ax, zeros, right, COLORS["zeros"])
    if numbers:
        _draw.cell_texts(ax, {c: _draw.fmt_number(w[c]) for c in np.ndindex(*k)}, left, size=size)
        _draw.cell_texts(ax, {c: _draw.fmt_number(filled[c]) for c in taps}, right, size=size)
        _draw.cell_texts(ax, {c: "0" for c in zeros}, right, size=size * 0.8, color="#777777")
    ax.annotate("", xy=(right[0] - 0.3, top + height / 2), xytext=(k[1] + 0.3, top + height / 2),
                arrowprops=dict(arrowstyle="->", lw=2.0, color=COLORS["grid"]))
    ax.text(k[1] + gap / 2, top + height / 2 - 0.25, f"d={d[0] if d[0] == d[1] else d}", ha="center",
            va="bottom", fontsize=max(11.0, size * 0.8))
    label = lambda p: str(p[0]) if p[0] == p[1] else f"{p}"  # noqa: E731
    caption = (
        f"k = {label(k)}, d = {label(d)}: K = k + (k−1)(d−1) = "
        f"{k[0]} + {k[0] - 1}·{d[0] - 1} = {eff[0]}"
        + ("" if k[0] == k[1] and d[0] == d[1] else f" (rows), {k[1]} + {k[1] - 1}·{d[1] - 1} = {eff[1]} (cols)")
    )
    ax.text(left[0] + k[1] / 2, left[1] - 0.3, f"{k[0]}×{k[1]} kernel", ha="center", va="bottom",
            fontsize=max(11.0, size * 0.75))
    ax.text(right[0] + eff[1] / 2, right[1] - 0.3, f"zero-filled {eff[0]}×{eff[1]}", ha="center", va="bottom",
            fontsize=max(11.0, size * 0.75))
    ax.set_title(_draw.wrap(caption if title is None else title, _draw.planned_width(ax, width)),
                 fontsize=_draw.TITLE_SIZE)
    _draw.finish(ax, width, height + top)
    return DilatedKernelDiagram(ax, k, d, eff, w, filled, taps, zeros, caption)


__all__ = [
    "DEFAULT_KERNEL_3X3",
    "DilatedKernelDiagram",
    "ScatterDiagram",
    "ScatterPainter",
    "StepDiagram",
    "StepPainter",
    "TransposedFigure",
    "default_values",
    "plot_conv_step",
    "plot_dilated_kernel",
    "plot_transposed",
    "plot_transposed_scatter",
]
