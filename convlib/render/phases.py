"""The phase view of a strided transposed convolution (and of resize-then-convolve), drawn.

A stride-``s`` transposed convolution is ``s`` (``sH * sW`` in 2-D) interleaved
stride-1 convolutions, one per output phase (:func:`convlib.phases.phase_kernels`).
:func:`plot_phases` draws the kernel with every tap in the colour of the phase it
feeds, each phase kernel with its tap values and its sum, and the output of an
all-ones input: equal sums give a constant, unequal sums the checkerboard. The
same figure for ``method="resize"`` (nearest ×s, then a stride-1 convolution) shows
why resizing first removes it: every phase kernel sums the whole kernel.

Introduced in 07_checkerboard_artifacts.ipynb.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import LinearSegmentedColormap, to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from ..phases import Phases, phase_kernels
from ..style import COLORS, MAP_COLORS
from . import standard

Cell = tuple[int, int]
Phase = tuple[int, ...]

#: Phase colours (Okabe–Ito, in order); beyond this many phases, taps are drawn in the kernel colour.
PHASE_COLORS = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7")
#: Opacity of a phase colour behind a number (black text stays readable on every hue).
TINT = 0.5
OUTPUT_HEAD_1D = "all-ones input → output (interior)"
CELL_IN = 0.46  # inches per cell when there is room
TITLE_PT, LABEL_PT = 13.0, 11.0
MAX_SIZE = (standard.DISPLAY_WIDTH / standard.NOTEBOOK_DPI, standard.DISPLAY_HEIGHT / standard.NOTEBOOK_DPI)


@dataclass(frozen=True, repr=False)
class PhaseFigure:
    """What :func:`plot_phases` drew. Cells are ``(row, col)``; 1-D drawings use row 0.

    Attributes
    ----------
    ax : Axes
    phases : Phases -- the decomposition drawn (:func:`convlib.phases.phase_kernels`)
    kernel_numbers : text written in each kernel tap (empty when numbers do not fit)
    kernel_colors : RGBA fill of each kernel tap (the colour of the phase it feeds)
    phase_colors : RGBA of each phase (its label box and its taps)
    phase_numbers : per phase, text written in each window cell that holds a tap
    phase_tap_cells : per phase, the window cells that hold a tap (the others are drawn empty)
    sum_texts : per phase, the sum written under it
    output : the drawn output tile for an all-ones input (phase sums, tiled)
    output_numbers : text written in each output cell (zeros stay blank)
    verdict : the sentence under the output
    cell : side of a cell (data units = inches of the figure :func:`plot_phases` makes)
    origins : top-left corner of each grid: ``"kernel"``, ``"output"`` and every phase
    compositions : 1-D only, the taps in each phase's window, e.g. ``"[w2, w0]"``
    """

    ax: Axes
    phases: Phases
    kernel_numbers: dict[Cell, str]
    kernel_colors: dict[Cell, tuple[float, ...]]
    phase_colors: dict[Phase, tuple[float, ...]]
    phase_numbers: dict[Phase, dict[Cell, str]]
    phase_tap_cells: dict[Phase, frozenset[Cell]]
    sum_texts: dict[Phase, str]
    output: np.ndarray
    output_numbers: dict[Cell, str] = field(default_factory=dict)
    verdict: str = ""
    cell: float = 0.0
    origins: dict[Any, tuple[float, float]] = field(default_factory=dict)
    compositions: dict[Phase, str] = field(default_factory=dict)

    @property
    def figure(self) -> Figure:
        """The figure holding the drawing."""
        return self.ax.figure

    def __repr__(self) -> str:
        return f"PhaseFigure({self.phases!r})"


def fmt(value: float) -> str:
    """A weight or a sum as written in a cell: integers bare, others with up to 3 significant digits."""
    v = float(np.round(value, 3))
    if v == 0:
        return "0"
    return str(int(v)) if v.is_integer() else f"{v:.3g}"


def resolve_weight(weight: Any, kernel_size: int | tuple[int, int] | None = None, seed: int = 0) -> np.ndarray:
    """``"ones"``, ``"random"`` (normal, one decimal, seeded) or the given array, as a float kernel.

    ``kernel_size`` is required for the strings: an int gives a 1-D kernel, a pair a 2-D one.

    Introduced in 07_checkerboard_artifacts.ipynb.
    """
    if isinstance(weight, str):
        if weight not in ("ones", "random"):
            raise ValueError(f"weight={weight!r} must be an array, 'ones' or 'random'")
        if kernel_size is None:
            raise ValueError(f"weight={weight!r} needs kernel_size (an int for 1-D, a pair for 2-D)")
        shape = (int(kernel_size),) if np.ndim(kernel_size) == 0 else tuple(int(k) for k in kernel_size)
        if len(shape) not in (1, 2) or any(k < 1 for k in shape):
            raise ValueError(f"kernel_size={kernel_size!r} must be a positive int or a pair of them")
        if weight == "ones":
            return np.ones(shape)
        return np.round(np.random.default_rng(seed).normal(size=shape), 1)
    if kernel_size is not None and np.shape(weight) != ((kernel_size,) if np.ndim(kernel_size) == 0 else tuple(kernel_size)):
        raise ValueError(f"weight with shape {np.shape(weight)} does not match kernel_size={kernel_size!r}")
    return np.asarray(weight, dtype=np.float64)


def _tap_phase(i: int, s: int, d: int, p: int) -> int:
    """Output phase fed by tap ``i`` of a transposed convolution (tap lands on uncropped ``s R + d i``)."""
    return (d * i - p) % s


def _text_in(text: str, size: float) -> tuple[float, float]:
    w, h = standard.text_extent(text, size)
    return w / 72, h / 72


def _wrap(text: str, width_in: float, size: float, weight: str = "normal") -> str:
    words, lines, line = text.split(), [], ""
    for word in words:
        trial = f"{line} {word}".strip()
        if line and standard.text_extent(trial, size, weight=weight)[0] / 72 > width_in:
            lines.append(line)
            line = word
        else:
            line = trial
    return "\n".join([*lines, line])


class _Layout:
    """Positions (inches, y down) of every part of the drawing, for a given cell size."""

    def __init__(self, ph: Phases, title: str, verdict: str, legend_rows: int, cell: float, bar_w: float,
                 footer: float = 0.0) -> None:
        self.ph, self.c, self.bar_w, self.footer = ph, cell, bar_w, footer
        self.gap = 0.25
        self.title_h = (title.count("\n") + 1) * TITLE_PT * 1.35 / 72 + 0.1 if title else 0.0
        self.head_h = LABEL_PT * 1.4 / 72 + 0.05
        self.sum_h = LABEL_PT * 1.4 / 72 + 0.05
        self.legend_h = legend_rows * LABEL_PT * 1.9 / 72 + 0.1 if legend_rows else 0.0
        self.verdict_lines = verdict.count("\n") + 1
        self.verdict_h = self.verdict_lines * LABEL_PT * 1.35 / 72 + 0.1
        if ph.ndim == 1:
            self._one_d()
        else:
            self._two_d()

    # 1-D: rows -- kernel, one row per phase, output strip
    def _one_d(self) -> None:
        ph, c = self.ph, self.c
        s, k, m = ph.stride[0], ph.weight.shape[0], ph.window[0]
        self.periods = max(2, min(4, 12 // s))
        n_out = self.periods * s
        self.label_w = max(_text_in(t, LABEL_PT)[0] for t in ("kernel w", f"phase {s - 1}", "output")) + 0.3
        self.sum_w = max(_text_in(f"Σ = {fmt(v)}", LABEL_PT)[0] for v in ph.sums) + 0.3
        self.comp_w = max(_text_in(self.composition(a), LABEL_PT)[0] for a in range(s)) + 0.1
        x0 = self.label_w
        y = self.title_h + self.head_h
        self.kernel = (x0, y)
        y += c + self.gap
        self.phase_origin = {}
        for a in range(s):
            self.phase_origin[(a,)] = (x0, y)
            y += c + 0.12
        y += self.gap + self.head_h
        self.out_origin = (x0, y)
        self.out_shape = (1, n_out)
        y += c + 0.1
        self.verdict_y = y
        y += self.verdict_h
        self.legend_y = y
        self.height = y + self.legend_h + self.footer
        self.cells_w = max(k, m, n_out) * c
        self.sum_x = x0 + max(k, m) * c + 0.2
        head = _text_in(OUTPUT_HEAD_1D, LABEL_PT)[0]
        self.width = max(x0 + max(self.cells_w + 0.2 + self.bar_w, head), self.sum_x + self.sum_w + self.comp_w) + 0.1

    def composition(self, a: int) -> str:
        """``[w2, w0]``: the kernel taps in phase ``a``'s window (``—``: no tap)."""
        ph = self.ph
        parts = []
        for q in range(ph.window[0]):
            taps = _members(ph, (a,), (q,))
            parts.append("+".join(f"w{i}" for i in taps) if taps else "—")
        return "[" + ", ".join(parts) + "]"

    # 2-D: columns -- kernel, grid of phase blocks, output tile
    def _two_d(self) -> None:
        ph, c = self.ph, self.c
        (sh, sw), (kh, kw), (mh, mw) = ph.stride, ph.weight.shape, ph.window
        self.label_h = LABEL_PT * 1.45 / 72 + 0.06
        named = "phase " if ph.method == "transposed" and sh * sw <= len(PHASE_COLORS) else ""
        label_w = max(_text_in(f"{named}({a}, {b})", LABEL_PT)[0] for a in range(sh) for b in range(sw)) + 0.14
        sum_w = max(_text_in(f"Σ = {fmt(v)}", LABEL_PT)[0] for v in ph.sums.ravel()) + 0.1
        self.block_w = max(mw * c, label_w, sum_w)
        self.block_h = self.label_h + mh * c + self.sum_h
        top = self.title_h + 2 * self.head_h
        grid_h = sh * self.block_h + (sh - 1) * self.gap
        grid_w = sw * self.block_w + (sw - 1) * self.gap
        self.periods = 2
        self.out_shape = (2 * sh, 2 * sw)
        heads = [_text_in(t, LABEL_PT)[0] for t in self.heads_2d()]
        x = 0.1
        self.kernel = (x, top)
        x += max(kw * c, heads[0]) + 2 * self.gap
        self.grid_origin = (x, top)
        self.phase_origin = {}
        for a in range(sh):
            for b in range(sw):
                bx = x + b * (self.block_w + self.gap)
                by = top + a * (self.block_h + self.gap)
                self.phase_origin[(a, b)] = (bx + (self.block_w - mw * c) / 2, by + self.label_h)
        self.block_origin = {(a, b): (x + b * (self.block_w + self.gap), top + a * (self.block_h + self.gap))
                             for a in range(sh) for b in range(sw)}
        x += max(grid_w, heads[1]) + 2 * self.gap
        self.out_origin = (x, top)
        x += max(2 * sw * c + self.bar_w, heads[2])
        body_h = max(kh * c, grid_h, 2 * sh * c)
        self.verdict_y = top + body_h + 0.15
        self.legend_y = self.verdict_y + self.verdict_h
        self.height = self.legend_y + self.legend_h + self.footer
        self.width = x + 0.1

    def heads_2d(self) -> tuple[str, str, str]:
        kh, kw = self.ph.weight.shape
        return (f"kernel {kh}×{kw}", "phase kernels", "output for an\nall-ones input")


def _members(ph: Phases, phase: Phase, slot: tuple[int, ...]) -> list[int]:
    """Indices of the taps of a 1-D kernel that sum into ``slot`` of ``phase``'s kernel."""
    (a,), (q,) = phase, slot
    s, d, p = ph.stride[0], ph.dilation[0], ph.padding[0]
    k, m = ph.weight.shape[0], ph.window[0]
    if ph.method == "transposed":  # tap i lands on uncropped s R + d i: phase (d i - p) mod s, slot m-1-mm
        return [i for i in range(k) if _tap_phase(i, s, d, p) == a and m - 1 - (d * i - (a + p) % s) // s == q]
    start = (a - p) // s  # resize: output s R + a reads input R + (a + d i - p) // s
    return [i for i in range(k) if (a + d * i - p) // s - start == q]


def _verdict(ph: Phases) -> str:
    sums = np.round(ph.sums.ravel(), 6)
    counts = ph.tap_counts.ravel()
    s = "×".join(map(str, ph.stride))
    if ph.method == "resize":
        return (f"every phase sums the whole kernel ({fmt(sums[0])}): resizing first keeps a constant input "
                "constant, whatever the weights")
    if ph.equal:
        return f"equal phase sums ({fmt(sums[0])}): a constant input gives a constant output"
    spread = f"{fmt(sums.min())} to {fmt(sums.max())}"
    if np.all(counts == counts[0]):
        return (f"every phase has {counts[0]} taps, but the weights make the sums differ ({spread}): "
                f"a checkerboard of period {s}")
    return f"unequal phase sums ({spread}): a constant input gives a checkerboard of period {s}"


def _fit_cell(ph: Phases, title: str, verdict: str, legend_rows: int, box: tuple[float, float],
              bar_w: float, footer: float = 0.0) -> _Layout:
    """The layout with the largest cell (≤ CELL_IN) that fits ``box`` (inches)."""
    lo = _Layout(ph, title, verdict, legend_rows, 0.0, bar_w, footer)
    hi = _Layout(ph, title, verdict, legend_rows, 1.0, bar_w, footer)
    cells = [CELL_IN]
    for size, a, b in ((box[0], lo.width, hi.width), (box[1], lo.height, hi.height)):
        if b > a:
            cells.append((size - a) / (b - a))
    return _Layout(ph, title, verdict, legend_rows, max(0.12, min(cells)), bar_w, footer)


def _labels(ph: Phases, lay: _Layout) -> list[str]:
    """Every number the drawing may write in a cell."""
    tile = _tile(ph, lay)
    out = [fmt(v) for v in ph.weight.ravel()] + [fmt(v) for v in tile.ravel() if fmt(v) != "0"]
    return out + [fmt(v) for v, t in zip(ph.kernels.ravel(), ph.taps.ravel()) if t > 0]


def _tile(ph: Phases, lay: _Layout) -> np.ndarray:
    """The output of an all-ones input away from the borders: the phase sums, repeated."""
    reps = (1, lay.periods) if ph.ndim == 1 else (lay.periods, lay.periods)
    return np.tile(ph.sums.reshape((1, -1) if ph.ndim == 1 else ph.sums.shape), reps)


def _number_size(ph: Phases, lay: _Layout, numbers: bool | None, smallest: float) -> float | None:
    """Font size of the numbers in cells, or None when they are not drawn."""
    if numbers is False:
        return None
    size = standard.fitting_fontsize(_labels(ph, lay), lay.c * 72, lay.c * 72, largest=14.0, smallest=smallest)
    return size if size is not None or numbers is None else smallest


def _new_axes(ax: Axes | None, width: float, height: float) -> Axes:
    if ax is None:
        fig = plt.figure(figsize=(width, height))
        ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)
    ax.set_aspect("equal")
    ax.set_axis_off()
    return ax


def _box_of(ax: Axes | None) -> tuple[float, float]:
    if ax is None:
        return MAX_SIZE
    w, h = ax.figure.get_size_inches()
    pos = ax.get_position()
    return (w * pos.width, h * pos.height)


def _cells(ax: Axes, origin: tuple[float, float], cells: list[Cell], c: float, faces: list[Any], *,
           edge: str = COLORS["grid"], linestyle: str = "-", zorder: float = 2.0) -> list[Rectangle]:
    x0, y0 = origin
    out = []
    for (r, col), face in zip(cells, faces):
        rect = Rectangle((x0 + col * c, y0 + r * c), c, c, facecolor=face, edgecolor=edge, linewidth=1.0,
                         linestyle=linestyle, zorder=zorder)
        ax.add_patch(rect)
        out.append(rect)
    return out


def _ink(rgba: Any) -> str:
    """Text colour readable on ``rgba``: white on dark fills, the text colour elsewhere."""
    r, g, b = rgba[:3]
    return "white" if 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.45 else COLORS["text"]


def _numbers(ax: Axes, origin: tuple[float, float], texts: dict[Cell, str], c: float, size: float,
             colors: dict[Cell, str] | None = None) -> None:
    x0, y0 = origin
    for (r, col), text in texts.items():
        ax.text(x0 + (col + 0.5) * c, y0 + (r + 0.5) * c, text, ha="center", va="center", fontsize=size,
                color=(colors or {}).get((r, col), COLORS["text"]), zorder=5)


def _output_cmap(values: np.ndarray) -> tuple[Any, float, float]:
    lo, hi = float(values.min()), float(values.max())
    if lo >= 0:
        return LinearSegmentedColormap.from_list("convlib_counts", list(MAP_COLORS)), 0.0, max(hi, 1e-12)
    top = max(abs(lo), abs(hi))
    cmap = LinearSegmentedColormap.from_list("convlib_signed", ["#0072B2", "#FFFFFF", "#D55E00"])
    return cmap, -top, top


def plot_phases(
    weight: Any,
    stride: int | tuple[int, int],
    *,
    dilation: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
    method: str = "transposed",
    kernel_size: int | tuple[int, int] | None = None,
    seed: int = 0,
    ax: Axes | None = None,
    numbers: bool | None = None,
    title: str | None = None,
    legend: bool = True,
    attribution: str | None = None,
) -> PhaseFigure:
    """Draw a stride-``s`` transposed convolution as its ``s`` (or ``sH × sW``) phase kernels.

    Left: the kernel, every tap in the colour of the output phase it feeds. Middle: each
    phase kernel -- the stride-1 convolution producing output pixels ``t ≡ a (mod s)``,
    applied as a cross-correlation (taps flipped, as in the zero-insertion recipe) -- with
    its tap values and its sum; window cells a phase does not use are drawn empty.
    Right (below, in 1-D): the output of an all-ones input away from the borders, which
    repeats the phase sums: unequal sums are the checkerboard.

    Parameters
    ----------
    weight : array of shape (k,) or (kH, kW), or ``"ones"`` / ``"random"``
        The kernel; the strings need ``kernel_size`` (int: 1-D, pair: 2-D). ``"random"``
        draws normal weights rounded to one decimal (``seed``), like a learned kernel.
    stride : int or pair
        The transposed convolution's stride (the resize factor for ``method="resize"``).
    dilation, padding : int or pair
        As in :func:`convlib.conv_transpose2d`; ``padding`` only relabels the phases.
    method : ``"transposed"`` or ``"resize"``
        ``"resize"`` draws nearest-neighbour upsampling by ``stride`` followed by a
        stride-1 convolution with ``weight``: its phase kernels sum neighbouring taps.
    kernel_size, seed :
        For ``weight="ones"`` / ``"random"``.
    ax : Axes, optional
        Draw here (default: a new figure sized to fit 840×640 px at 100 dpi).
    numbers : bool, optional
        Write tap values and outputs (default: where they fit at ≥ 9 pt displayed).
    title, legend, attribution :
        Title (default: the layer and its verdict), the legend of encodings, and an
        attribution line (a key of :data:`convlib.render.standard.ATTRIBUTIONS` or text).

    Returns
    -------
    PhaseFigure

    Introduced in 07_checkerboard_artifacts.ipynb.
    """
    w = resolve_weight(weight, kernel_size, seed)
    ph = phase_kernels(w, stride, dilation, padding, method=method)
    n_phases = int(np.prod(ph.stride))
    coloured = method == "transposed" and n_phases <= len(PHASE_COLORS)
    k_txt = "×".join(map(str, ph.weight.shape))
    s_txt = "×".join(map(str, ph.stride)) if len(set(ph.stride)) > 1 else str(ph.stride[0])
    extra = "".join(f", {n} {v[0] if len(set(v)) == 1 else '×'.join(map(str, v))}"
                    for n, v in (("dilation", ph.dilation), ("padding", ph.padding)) if any(x != (1 if n == "dilation" else 0) for x in v))
    if title is None:
        title = (f"transposed convolution k={k_txt}, stride {s_txt}{extra}: {n_phases} phases"
                 if method == "transposed" else
                 f"resize ×{s_txt} (nearest), then convolve with k={k_txt}{extra}: {n_phases} phases")
    box = _box_of(ax)
    verdict_raw = _verdict(ph)
    handles = []
    if np.any(ph.taps == 0):
        handles.append(Patch(facecolor="white", edgecolor=COLORS["grid"], linestyle="--", label="no tap in this phase"))
    if not coloured:
        handles.insert(0, Patch(facecolor=to_rgba(COLORS["kernel"], TINT), edgecolor=COLORS["grid"],
                                label="kernel tap" if method == "transposed" else "sum of kernel taps"))
    legend_rows = 1 if legend and handles else 0
    footer = 10.0 * 1.5 / 72 if attribution and ax is None else 0.0  # the attribution line's row
    lay = _fit_cell(ph, title or "", verdict_raw, legend_rows, box, 0.0, footer)
    fig_w, fig_h = (lay.width, lay.height) if ax is None else ax.figure.get_size_inches()
    size = _number_size(ph, lay, numbers, standard.min_fontsize(fig_w, fig_h))
    bar_w = 0.0 if size is not None else 0.95  # room for a colour bar when the outputs carry no numbers
    lay = _fit_cell(ph, title or "", verdict_raw, legend_rows, box, bar_w, footer)
    title = _wrap(title, lay.width - 0.2, TITLE_PT) if title else ""
    verdict = _wrap(verdict_raw, lay.width - 0.25, LABEL_PT, "bold")
    lay = _fit_cell(ph, title, verdict, legend_rows, box, bar_w, footer)
    ax = _new_axes(ax, lay.width, lay.height)
    c = lay.c
    fig = ax.figure
    fig_w, fig_h = fig.get_size_inches()
    size = _number_size(ph, lay, numbers, standard.min_fontsize(fig_w, fig_h))
    show = size is not None

    # what is written where
    kernel_cells = list(np.ndindex(*((1,) + ph.weight.shape if ph.ndim == 1 else ph.weight.shape)))
    kernel_texts = {cell: fmt(ph.weight.ravel()[i]) for i, cell in enumerate(kernel_cells)}
    window_cells = list(np.ndindex(*((1,) + ph.window if ph.ndim == 1 else ph.window)))
    phases_list = list(np.ndindex(*ph.stride))
    phase_texts: dict[Phase, dict[Cell, str]] = {}
    tap_cells: dict[Phase, frozenset[Cell]] = {}
    for a in phases_list:
        kern, taps = ph.kernels[a].reshape(-1), ph.taps[a].reshape(-1)
        phase_texts[a] = {cell: fmt(kern[i]) for i, cell in enumerate(window_cells) if taps[i] > 0}
        tap_cells[a] = frozenset(cell for i, cell in enumerate(window_cells) if taps[i] > 0)
    tile = _tile(ph, lay)
    out_texts = {cell: fmt(v) for cell, v in np.ndenumerate(tile) if fmt(v) != "0"}

    # colours
    phase_rgba = {a: to_rgba(PHASE_COLORS[i] if coloured else COLORS["kernel"], TINT) for i, a in enumerate(phases_list)}
    kernel_rgba: dict[Cell, tuple[float, ...]] = {}
    for i, cell in enumerate(kernel_cells):
        if coloured:
            idx = np.unravel_index(i, ph.weight.shape)
            a = tuple(_tap_phase(int(j), s, d, p) for j, s, d, p in zip(idx, ph.stride, ph.dilation, ph.padding))
            kernel_rgba[cell] = phase_rgba[a]
        else:
            kernel_rgba[cell] = to_rgba(COLORS["kernel"], TINT)

    # the drawing
    if title:
        ax.text(lay.width / 2, 0.08, title, ha="center", va="top", fontsize=TITLE_PT, color=COLORS["text"])
    _cells(ax, lay.kernel, kernel_cells, c, [kernel_rgba[x] for x in kernel_cells])
    if show:
        _numbers(ax, lay.kernel, kernel_texts, c, size)
    sum_texts: dict[Phase, str] = {}
    for a in phases_list:
        origin = lay.phase_origin[a]
        used = [x for x in window_cells if x in tap_cells[a]]
        empty = [x for x in window_cells if x not in tap_cells[a]]
        _cells(ax, origin, used, c, [phase_rgba[a]] * len(used))
        _cells(ax, origin, empty, c, ["white"] * len(empty), linestyle="--", zorder=1.5)
        if show:
            _numbers(ax, origin, phase_texts[a], c, size)
        sum_texts[a] = f"Σ = {fmt(ph.sums[a])}"
        label = f"phase {a[0]}" if ph.ndim == 1 else (f"phase ({a[0]}, {a[1]})" if coloured else f"({a[0]}, {a[1]})")
        if ph.ndim == 1:
            x0, y0 = origin
            ax.add_patch(Rectangle((0.05, y0), lay.label_w - 0.2, c, facecolor=phase_rgba[a] if coloured else "white",
                                   edgecolor=COLORS["grid"], linewidth=1.0, zorder=2))
            ax.text(0.05 + (lay.label_w - 0.2) / 2, y0 + c / 2, label, ha="center", va="center", fontsize=LABEL_PT,
                    zorder=5)
            ax.text(lay.sum_x, y0 + c / 2, sum_texts[a], ha="left", va="center", fontsize=LABEL_PT, fontweight="bold",
                    zorder=5)
            ax.text(lay.sum_x + lay.sum_w, y0 + c / 2, lay.composition(a[0]), ha="left", va="center",
                    fontsize=LABEL_PT, color="#444444", zorder=5)
        else:
            bx, by = lay.block_origin[a]
            ax.add_patch(Rectangle((bx, by), lay.block_w, lay.label_h - 0.04, facecolor=phase_rgba[a] if coloured
                                   else "white", edgecolor=COLORS["grid"], linewidth=1.0, zorder=2))
            ax.text(bx + lay.block_w / 2, by + (lay.label_h - 0.04) / 2, label, ha="center", va="center",
                    fontsize=LABEL_PT, zorder=5)
            ax.text(bx + lay.block_w / 2, origin[1] + ph.window[0] * c + 0.04, sum_texts[a], ha="center", va="top",
                    fontsize=LABEL_PT, fontweight="bold", zorder=5)
    # headings
    if ph.ndim == 1:
        ax.text(lay.label_w - 0.15, lay.kernel[1] + c / 2, "kernel w", ha="right", va="center", fontsize=LABEL_PT)
        ax.text(lay.kernel[0], lay.kernel[1] - 0.05, ", ".join(f"w{i}" for i in range(ph.weight.shape[0]))
                if ph.weight.shape[0] <= 8 else f"w0 … w{ph.weight.shape[0] - 1}", ha="left", va="bottom",
                fontsize=LABEL_PT, color="#444444")
        ax.text(lay.out_origin[0], lay.out_origin[1] - 0.05, OUTPUT_HEAD_1D,
                ha="left", va="bottom", fontsize=LABEL_PT)
        ax.text(lay.label_w - 0.15, lay.out_origin[1] + c / 2, "output", ha="right", va="center", fontsize=LABEL_PT)
    else:
        heads = lay.heads_2d()
        for (x, y), text in zip((lay.kernel, lay.grid_origin, lay.out_origin), heads):
            ax.text(x, y - 0.05, text, ha="left", va="bottom", fontsize=LABEL_PT)
    # the output of an all-ones input
    cmap, vmin, vmax = _output_cmap(tile)
    rows, cols = tile.shape
    ox, oy = lay.out_origin
    shown_tile = np.ma.masked_equal(np.round(tile, 12), 0.0)
    image = ax.imshow(shown_tile, cmap=cmap, vmin=vmin, vmax=vmax, extent=(ox, ox + cols * c, oy + rows * c, oy),
                      interpolation="nearest", zorder=1)
    for r in range(rows + 1):
        ax.plot([ox, ox + cols * c], [oy + r * c] * 2, color=COLORS["grid"], linewidth=1.0, zorder=2)
    for col in range(cols + 1):
        ax.plot([ox + col * c] * 2, [oy, oy + rows * c], color=COLORS["grid"], linewidth=1.0, zorder=2)
    if show:
        _numbers(ax, (ox, oy), out_texts, c, size, colors={cell: _ink(image.cmap(image.norm(tile[cell])))
                                                           for cell in out_texts})
    else:
        bar_ax = ax.inset_axes((ox + cols * c + 0.1, oy, 0.15, rows * c), transform=ax.transData)
        bar = fig.colorbar(image, cax=bar_ax)
        bar.ax.tick_params(labelsize=LABEL_PT)
        if np.allclose(tile, np.round(tile)):
            standard.integer_ticks(bar)
    ax.text(0.1, lay.verdict_y, verdict, ha="left", va="top", fontsize=LABEL_PT, linespacing=1.25,
            color=COLORS["highlight"] if not ph.equal else COLORS["output"], fontweight="bold")
    if legend and handles:
        ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.0, footer / lay.height), ncol=len(handles),
                  fontsize=LABEL_PT, frameon=False, handlelength=1.4, borderaxespad=0.2)
    if attribution:
        text = standard.ATTRIBUTIONS.get(attribution, attribution)
        if footer:
            standard.add_attribution(fig, text)
        else:
            ax.text(0.0, -0.02, text, transform=ax.transAxes, ha="left", va="top", fontsize=9.5, style="italic",
                    gid=standard.ATTRIBUTION_GID, color="#555555")
    return PhaseFigure(
        ax=ax, phases=ph, kernel_numbers=kernel_texts if show else {}, kernel_colors=kernel_rgba,
        phase_colors=phase_rgba, phase_numbers=phase_texts if show else {a: {} for a in phases_list},
        phase_tap_cells=tap_cells, sum_texts=sum_texts, output=tile, output_numbers=out_texts if show else {},
        verdict=verdict_raw, cell=c,
        origins={"kernel": lay.kernel, "output": lay.out_origin, **lay.phase_origin},
        compositions={a: lay.composition(a[0]) for a in phases_list} if ph.ndim == 1 else {},
    )


__all__ = ["PHASE_COLORS", "PhaseFigure", "plot_phases", "resolve_weight"]
