"""Checks of the figure standard (docs/figure-standard.md) on a drawn matplotlib Figure.

Test support, not a test module: renderer tests call :func:`check_figure` (or
:func:`assert_standard`) on what they drew, and ``tools/figures.py --audit`` runs it on
every figure of the course. Each ``check_*`` function returns a list of
:class:`Violation` (empty when the figure meets that rule):

==================  =====================================================================
rule                what is checked
==================  =====================================================================
``text-size``       every drawn text displays at ≥ 9 pt (display model: convlib.render.standard)
``text-fit``        a number or label anchored inside a cell (image pixel or rectangle) fits
                    inside that cell; no text is cut off by its axes or the displayed area
``text-overlap``    no two texts overprint each other
``shared-scale``    panels of one figure that use the same colour map share its limits
``colourbar``       a colour scale has exactly one colour bar, unless every coloured cell
                    carries its number
``colourbar-ticks`` a colour bar of counts (integer data) has integer ticks; no offset or
                    exponent labels ("1e16")
``empty-cells``     no "0" printed in an empty (zero or masked) cell of a map
``legend``          every hatch pattern, fill colour and line colour is named by a legend
                    entry or a direct label (a word written on it, or in its colour)
``saturation``      data beyond the colour limits: the colour bar extends and a note says
                    where it saturates
``palette``         fill and line colours come from the course palette (convlib.style)
==================  =====================================================================

The figure is drawn once (:func:`render`), recording every text the renderer really
draws, with its extent in pixels.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import Collection, PatchCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from convlib.render.standard import (
    DISPLAY_HEIGHT,
    DISPLAY_WIDTH,
    MIN_POINTS,
    NOTEBOOK_DPI,
    display_scale,
    displayed_points,
)
from convlib.style import COLORS

#: The course palette: role colours and the Okabe–Ito hues they come from (greys always allowed).
PALETTE = tuple(dict.fromkeys(
    [*COLORS.values(), "#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"]
))
#: Pixels a text may overhang its cell (anti-aliasing, rounding).
FIT_TOLERANCE_PX = 1.5
#: Two texts overprint when their boxes share more than this fraction of the smaller one.
OVERLAP_FRACTION = 0.12
WORD = re.compile(r"[A-Za-z]{3,}")
#: ``gid`` of an image that is a picture (a photo), not colour-coded data: no colour bar needed.
PICTURE_GID = "convlib-picture"


@dataclass(frozen=True)
class Display:
    """How a figure is shown: rendered at ``dpi``, cropped to its tight box (inline backend) or not."""

    dpi: float = NOTEBOOK_DPI
    tight: bool = True


NOTEBOOK = Display()


@dataclass(frozen=True)
class Violation:
    """One broken rule: the rule's name, what is wrong, and how many artists are concerned."""

    rule: str
    message: str
    count: int = 1

    def __str__(self) -> str:
        return f"{self.rule}: {self.message}"


@dataclass
class DrawnText:
    """A text the figure really drew: artist, string, extent (display px), font size (pt), axes."""

    artist: Text
    text: str
    bbox: Bbox
    fontsize: float
    ax: Axes | None
    anchor: tuple[float, float]


@dataclass
class Drawn:
    """The result of drawing a figure once."""

    fig: Figure
    renderer: Any
    display: Display
    texts: list[DrawnText]
    region: Bbox  # displayed area, display px at fig.dpi
    width_in: float
    height_in: float
    _cells: dict[int, list[tuple[Bbox, Any]]] = field(default_factory=dict)

    @property
    def scale(self) -> float:
        return display_scale(self.width_in, self.height_in, self.display.dpi)

    def points(self, fontsize: float) -> float:
        return displayed_points(fontsize, self.width_in, self.height_in, self.display.dpi)


def render(fig: Figure, display: Display = NOTEBOOK) -> Drawn:
    """Draw ``fig`` once and record every non-empty visible text that is really drawn."""
    if not hasattr(fig.canvas, "get_renderer"):  # a figure closed by pyplot keeps a bare canvas
        from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415

        FigureCanvasAgg(fig)
    seen: dict[int, Text] = {}
    original = Text.draw

    def recording(self: Text, renderer: Any) -> Any:
        if self.get_visible() and self.get_text().strip():
            seen[id(self)] = self
        return original(self, renderer)

    Text.draw = recording  # type: ignore[method-assign]
    try:
        fig.canvas.draw()
    finally:
        Text.draw = original  # type: ignore[method-assign]
    renderer = fig.canvas.get_renderer()
    if display.tight:
        pad = float(__import__("matplotlib").rcParams["savefig.pad_inches"])
        box = fig.get_tightbbox(renderer).padded(pad)
        region = Bbox.from_extents(*(np.array(box.extents) * fig.dpi))
        width_in, height_in = box.width, box.height
    else:
        region = fig.bbox.frozen()
        width_in, height_in = fig.get_size_inches()
    texts = []
    for t in seen.values():
        bbox = t.get_window_extent(renderer)
        if bbox.width <= 0 or bbox.height <= 0:
            continue
        anchor = tuple(t.get_transform().transform(t.get_unitless_position()))
        texts.append(DrawnText(t, t.get_text(), bbox, float(t.get_fontsize()), t.axes, anchor))  # type: ignore[arg-type]
    return Drawn(fig, renderer, display, texts, region, float(width_in), float(height_in))


# --- helpers -------------------------------------------------------------------------------------


def _all_axes(fig: Figure) -> list[Axes]:
    """Every axes of the figure, inset (child) axes included."""
    out: list[Axes] = []
    stack = list(fig.axes)
    while stack:
        ax = stack.pop(0)
        if ax not in out:
            out.append(ax)
            stack += list(getattr(ax, "child_axes", []))
    return out


def _is_colorbar_axes(ax: Axes) -> bool:
    return getattr(ax, "_colorbar", None) is not None


def _panels(fig: Figure) -> list[Axes]:
    return [ax for ax in _all_axes(fig) if not _is_colorbar_axes(ax) and ax.get_visible()]


def _mappables(fig: Figure) -> list[tuple[Axes, Any]]:
    """Colour-mapped artists (images, collections with data) of every panel."""
    out = []
    for ax in _panels(fig):
        for im in ax.get_images():
            if im.get_visible() and im.get_array() is not None and np.ndim(im.get_array()) == 2 \
                    and im.get_gid() != PICTURE_GID:
                out.append((ax, im))
        for coll in ax.collections:
            if coll.get_visible() and isinstance(coll, Collection) and coll.get_array() is not None:
                out.append((ax, coll))
    return out


def _limits(m: Any) -> tuple[str, float, float]:
    return (type(m.norm).__name__, float(m.norm.vmin), float(m.norm.vmax))


def _data(m: Any) -> np.ndarray:
    a = np.ma.asarray(m.get_array()).astype(float)
    return a.compressed() if np.ma.isMaskedArray(a) else np.asarray(a).ravel()


def _image_cell(im: AxesImage, ax: Axes, point: tuple[float, float]) -> tuple[int, int] | None:
    """(row, col) of the image pixel under a display point, or None."""
    rows, cols = np.shape(im.get_array())[:2]
    left, right, bottom, top = im.get_extent()
    x, y = ax.transData.inverted().transform(point)
    fx = (x - left) / (right - left)
    fy = (y - top) / (bottom - top) if im.origin == "upper" else (y - bottom) / (top - bottom)
    if not (0 <= fx < 1 and 0 <= fy < 1):
        return None
    return int(fy * rows), int(fx * cols)


def _image_cell_bbox(im: AxesImage, ax: Axes, cell: tuple[int, int]) -> Bbox:
    rows, cols = np.shape(im.get_array())[:2]
    left, right, bottom, top = im.get_extent()
    r, c = cell
    x0, x1 = left + (right - left) * c / cols, left + (right - left) * (c + 1) / cols
    if im.origin == "upper":
        y0, y1 = top + (bottom - top) * r / rows, top + (bottom - top) * (r + 1) / rows
    else:
        y0, y1 = bottom + (top - bottom) * r / rows, bottom + (top - bottom) * (r + 1) / rows
    corners = ax.transData.transform([(x0, y0), (x1, y1)])
    return Bbox.from_extents(corners[:, 0].min(), corners[:, 1].min(), corners[:, 0].max(), corners[:, 1].max())


def _is_rectangle(vertices: np.ndarray) -> bool:
    v = np.round(np.asarray(vertices, dtype=float), 9)
    return len(v) >= 4 and len(np.unique(v[:, 0])) == 2 and len(np.unique(v[:, 1])) == 2


def _rect_cells(drawn: Drawn, ax: Axes) -> list[tuple[Bbox, Any]]:
    """Display boxes of the axis-aligned rectangles drawn in ``ax`` (the cells of diagrams)."""
    key = id(ax)
    if key not in drawn._cells:
        cells: list[tuple[Bbox, Any]] = []
        for p in ax.patches:
            if isinstance(p, Rectangle) and p.get_visible() and p.get_angle() == 0:
                cells.append((p.get_window_extent(drawn.renderer), p))
        for coll in ax.collections:
            if isinstance(coll, PatchCollection) and coll.get_visible():
                transform = coll.get_transform()
                for path in coll.get_paths():
                    if _is_rectangle(path.vertices):
                        cells.append((path.get_extents(transform), coll))
        drawn._cells[key] = cells
    return drawn._cells[key]


def _cell_of(drawn: Drawn, t: DrawnText) -> tuple[Bbox, Any] | None:
    """The smallest cell (image pixel or rectangle) containing the text's anchor."""
    if t.ax is None or _is_colorbar_axes(t.ax):
        return None
    x, y = t.anchor
    best: tuple[Bbox, Any] | None = None
    for im in t.ax.get_images():
        if im.get_array() is None or np.ndim(im.get_array()) != 2:
            continue
        cell = _image_cell(im, t.ax, (x, y))
        if cell is not None:
            box = _image_cell_bbox(im, t.ax, cell)
            if best is None or box.width * box.height < best[0].width * best[0].height:
                best = (box, (im, cell))
    for box, owner in _rect_cells(drawn, t.ax):
        if box.x0 <= x <= box.x1 and box.y0 <= y <= box.y1 and box.width > 0 and box.height > 0:
            if best is None or box.width * box.height < best[0].width * best[0].height:
                best = (box, owner)
    return best


def _contains(outer: Bbox, inner: Bbox, tol: float = FIT_TOLERANCE_PX) -> bool:
    return (inner.x0 >= outer.x0 - tol and inner.x1 <= outer.x1 + tol
            and inner.y0 >= outer.y0 - tol and inner.y1 <= outer.y1 + tol)


def _short(text: str, n: int = 24) -> str:
    text = text.replace("\n", " ⏎ ")
    return text if len(text) <= n else text[: n - 1] + "…"


def _examples(items: Iterable[str], n: int = 3) -> str:
    items = list(dict.fromkeys(items))
    shown = ", ".join(repr(s) for s in items[:n])
    return shown + (f" (+{len(items) - n} more)" if len(items) > n else "")


def _hex(rgba: Sequence[float]) -> str:
    return "#{:02X}{:02X}{:02X}".format(*(int(round(255 * c)) for c in rgba[:3]))


def _same_colour(a: Sequence[float], b: Sequence[float], tol: float = 0.02) -> bool:
    return bool(np.max(np.abs(np.asarray(a[:3], float) - np.asarray(b[:3], float))) <= tol)


def _achromatic(rgba: Sequence[float]) -> bool:
    r, g, b = rgba[:3]
    return max(r, g, b) - min(r, g, b) < 0.06


def _legend_handles(fig: Figure) -> list[Any]:
    legends = list(fig.legends) + [ax.get_legend() for ax in _all_axes(fig) if ax.get_legend() is not None]
    handles = []
    for legend in legends:
        handles += [h for h in getattr(legend, "legend_handles", []) if h is not None]
    return handles


def _handle_colours(handle: Any) -> list[tuple[float, ...]]:
    out = []
    if isinstance(handle, Patch):
        if handle.get_fill():
            out.append(tuple(handle.get_facecolor()))
        out.append(tuple(handle.get_edgecolor()))
    elif isinstance(handle, Line2D):
        out += [tuple(to_rgba(handle.get_color())), tuple(to_rgba(handle.get_markerfacecolor()))]
    elif isinstance(handle, Collection):
        out += [tuple(c) for c in handle.get_facecolor()] + [tuple(c) for c in handle.get_edgecolor()]
    return out


def _fills(ax: Axes) -> list[tuple[tuple[float, ...], str, list[Bbox], Any]]:
    """(rgba, hatch, display boxes, artist) of every visible filled patch and colour-less-mapped collection."""
    out = []
    for p in ax.patches:
        if not p.get_visible():
            continue
        rgba = tuple(p.get_facecolor()) if p.get_fill() else (0.0, 0.0, 0.0, 0.0)
        out.append((rgba, p.get_hatch() or "", [p.get_window_extent()], p))
    for coll in ax.collections:
        if not coll.get_visible() or coll.get_array() is not None or not isinstance(coll, PatchCollection):
            continue
        faces = coll.get_facecolor()
        transform = coll.get_transform()
        paths = coll.get_paths()
        for i, path in enumerate(paths):
            rgba = tuple(faces[i % len(faces)]) if len(faces) else (0.0, 0.0, 0.0, 0.0)
            out.append((rgba, coll.get_hatch() or "", [path.get_extents(transform)], coll))
    return out


def _visible_fill(rgba: Sequence[float]) -> bool:
    return rgba[3] > 0.02 and not _same_colour(rgba, (1.0, 1.0, 1.0), 0.01)


def _found(rule: str, parts: list[tuple[str, list[str]]], *, counted: bool = False) -> list[Violation]:
    """One violation per non-empty part: ``"<what>: <examples>"`` (``"<n> <what>: …"`` when ``counted``)."""
    return [Violation(rule, f"{f'{len(items)} ' if counted else ''}{what}: {_examples(items, 5)}", len(items))
            for what, items in parts if items]


def assert_fits_display(fig: Figure, display: Display = Display(tight=False)) -> None:
    """The figure is no larger than the display box at ``display.dpi`` and meets every rule there."""
    w, h = fig.get_size_inches()
    assert w * display.dpi <= DISPLAY_WIDTH + 1 and h * display.dpi <= DISPLAY_HEIGHT + 1, (w, h)
    assert_standard(fig, display)


# --- checks --------------------------------------------------------------------------------------


def check_text_size(fig: Figure, display: Display = NOTEBOOK, *, drawn: Drawn | None = None) -> list[Violation]:
    """Every drawn text displays at ≥ MIN_POINTS (9 pt)."""
    d = drawn or render(fig, display)
    small = [(d.points(t.fontsize), t.text) for t in d.texts if d.points(t.fontsize) < MIN_POINTS - 0.05]
    if not small:
        return []
    smallest = min(p for p, _ in small)
    where = f"shown {d.region.width / d.fig.dpi * d.display.dpi:.0f}×{d.region.height / d.fig.dpi * d.display.dpi:.0f} px"
    return [Violation("text-size", f"{len(small)} text(s) display below {MIN_POINTS:g} pt (smallest {smallest:.1f} pt, "
                      f"{where}, scale {d.scale:.2f}): {_examples(_short(s) for _, s in small)}", len(small))]


def check_text_fit(fig: Figure, display: Display = NOTEBOOK, *, drawn: Drawn | None = None) -> list[Violation]:
    """Texts anchored in a cell fit that cell; no text is clipped by its axes or by the displayed area."""
    d = drawn or render(fig, display)
    overhang, clipped, outside = [], [], []
    for t in d.texts:
        cell = _cell_of(d, t)
        if cell is not None and not _contains(cell[0], t.bbox):
            overhang.append(t.text)
            continue
        clip = t.artist.get_clip_box() if t.artist.get_clip_on() else None
        if clip is not None and not _contains(clip, t.bbox):
            clipped.append(t.text)
        elif not _contains(d.region, t.bbox):
            outside.append(t.text)
    return _found("text-fit", [("text(s) overflow their cell", [_short(t) for t in overhang]),
                               ("text(s) cut off by their axes", [_short(t) for t in clipped]),
                               ("text(s) outside the displayed area", [_short(t) for t in outside])], counted=True)


def check_text_overlap(fig: Figure, display: Display = NOTEBOOK, *, drawn: Drawn | None = None) -> list[Violation]:
    """No two drawn texts overprint (identical duplicates drawn on top of each other excepted)."""
    d = drawn or render(fig, display)
    texts = d.texts
    boxes = np.array([t.bbox.extents for t in texts]).reshape(-1, 4)  # x0, y0, x1, y1
    x0, y0, x1, y1 = boxes.T
    area = (x1 - x0) * (y1 - y0)
    pairs = []
    for i in range(len(texts) - 1):
        w = np.minimum(x1[i], x1[i + 1:]) - np.maximum(x0[i], x0[i + 1:])
        h = np.minimum(y1[i], y1[i + 1:]) - np.maximum(y0[i], y0[i + 1:])
        inter = np.clip(w, 0, None) * np.clip(h, 0, None)
        frac = inter / np.maximum(np.minimum(area[i], area[i + 1:]), 1e-9)
        for j in np.flatnonzero(frac > OVERLAP_FRACTION) + i + 1:
            same = texts[i].text == texts[j].text and np.allclose(boxes[i], boxes[j], atol=1.0)
            if not same:
                pairs.append((texts[i].text, texts[j].text))
    out = []
    if pairs:
        shown = _examples(f"{_short(a, 12)} / {_short(b, 12)}" for a, b in pairs)
        out.append(Violation("text-overlap", f"{len(pairs)} pair(s) of texts overprint: {shown}", len(pairs)))
    covered = _marker_overlaps(d)
    if covered:
        out.append(Violation("text-overlap", f"{len(covered)} text(s) covered by a marker: "
                             f"{_examples(map(_short, covered))}", len(covered)))
    return out


def _marker_overlaps(d: Drawn) -> list[str]:
    """Texts whose box meets a plotted marker (e.g. a '+' drawn over a cell's number)."""
    covered = []
    for ax in _panels(d.fig):
        marks = []
        for line in ax.lines:
            if not line.get_visible() or line.get_marker() in (None, "None", "", " ", ","):
                continue
            half = line.get_markersize() * d.fig.dpi / 72 / 2
            xy = line.get_transform().transform(np.column_stack([line.get_xdata(), line.get_ydata()]).astype(float))
            marks += [(x - half, y - half, x + half, y + half) for x, y in xy]
        if not marks:
            continue
        m = np.array(marks)
        for t in d.texts:
            if t.ax is not ax:
                continue
            x0, y0, x1, y1 = t.bbox.extents
            hit = (np.minimum(x1, m[:, 2]) - np.maximum(x0, m[:, 0]) > 1) & (np.minimum(y1, m[:, 3]) - np.maximum(y0, m[:, 1]) > 1)
            if hit.any():
                covered.append(t.text)
    return covered


def _scale_groups(fig: Figure) -> dict[tuple, list[tuple[Axes, Any]]]:
    groups: dict[tuple, list[tuple[Axes, Any]]] = {}
    for ax, m in _mappables(fig):
        groups.setdefault((m.get_cmap().name, *_limits(m)), []).append((ax, m))
    return groups


def check_shared_scale(fig: Figure, display: Display = NOTEBOOK, *, drawn: Drawn | None = None,
                       panels: Sequence[Sequence[Axes]] | None = None) -> list[Violation]:
    """Compared panels share one colour scale.

    ``panels`` lists groups of compared axes; by default every panel that uses the same
    colour map is compared with the others.
    """
    by_cmap: dict[Any, list[tuple[Axes, Any]]] = {}
    if panels is None:
        for ax, m in _mappables(fig):
            by_cmap.setdefault(m.get_cmap().name, []).append((ax, m))
    else:
        members = {id(ax): k for k, group in enumerate(panels) for ax in group}
        for ax, m in _mappables(fig):
            if id(ax) in members:
                by_cmap.setdefault(members[id(ax)], []).append((ax, m))
    out = []
    for name, items in by_cmap.items():
        if len({id(ax) for ax, _ in items}) < 2:
            continue
        limits = sorted({_limits(m) for _, m in items})
        if len(limits) > 1:
            shown = ", ".join(f"{lo:g}–{hi:g}" for _, lo, hi in limits[:4]) + (" …" if len(limits) > 4 else "")
            out.append(Violation("shared-scale", f"{len({id(a) for a, _ in items})} panels with colour map {name!r} "
                                 f"use {len(limits)} different colour limits ({shown})", len(limits)))
    return out


def _numbered_cells(d: Drawn, ax: Axes, m: Any) -> bool:
    """True when every non-empty cell of image ``m`` carries a drawn text."""
    if not isinstance(m, AxesImage):
        return False
    a = np.ma.asarray(m.get_array())
    filled = ~np.ma.getmaskarray(a) & (np.ma.filled(a, 0) != 0)
    have = np.zeros_like(filled)
    for t in d.texts:
        if t.ax is ax:
            cell = _image_cell(m, ax, t.anchor)
            if cell is not None:
                have[cell] = True
    return bool(np.all(have[filled]))


def check_colourbar(fig: Figure, display: Display = NOTEBOOK, *, drawn: Drawn | None = None) -> list[Violation]:
    """Each colour scale has one colour bar (or numbers in every coloured cell)."""
    d = drawn or render(fig, display)
    out = []
    for (name, _, lo, hi), items in _scale_groups(fig).items():
        bars = {id(m.colorbar) for _, m in items if getattr(m, "colorbar", None) is not None}
        if not bars and not all(_numbered_cells(d, ax, m) for ax, m in items):
            out.append(Violation("colourbar", f"colour scale {name!r} {lo:g}–{hi:g} on {len(items)} panel(s) "
                                 "has no colour bar and not every cell carries its number"))
        elif len(bars) > 1:
            out.append(Violation("colourbar", f"{len(bars)} colour bars for one shared scale {name!r} {lo:g}–{hi:g}",
                                 len(bars) - 1))
    return out


def check_colourbar_ticks(fig: Figure, display: Display = NOTEBOOK, *, drawn: Drawn | None = None) -> list[Violation]:
    """Colour bars of counts have integer ticks; no colour bar shows an offset or an exponent."""
    d = drawn or render(fig, display)
    out = []
    groups = _scale_groups(fig)
    for ax in _all_axes(fig):
        cbar = getattr(ax, "_colorbar", None)
        if cbar is None:
            continue
        key = (cbar.mappable.get_cmap().name, *_limits(cbar.mappable))
        data = np.concatenate([_data(m) for _, m in groups.get(key, [(None, cbar.mappable)])])
        data = data[np.isfinite(data)]
        ticks = [t for t in cbar.get_ticks() if cbar.norm.vmin - 1e-9 <= t <= cbar.norm.vmax + 1e-9]
        if data.size and np.all(data == np.round(data)):
            fractional = [t for t in ticks if not float(t).is_integer()]
            if fractional:
                out.append(Violation("colourbar-ticks", f"colour bar of counts has non-integer ticks "
                                     f"{', '.join(f'{t:g}' for t in fractional[:4])}", len(fractional)))
        axis = cbar.long_axis if hasattr(cbar, "long_axis") else ax.yaxis
        offset = axis.get_offset_text().get_text()
        labels = [t.text for t in d.texts if t.ax is ax]
        exponent = [s for s in labels if re.search(r"\de[+-]?\d|×10|\^", s)]
        if offset or exponent:
            out.append(Violation("colourbar-ticks", f"colour bar reads an offset or exponent: "
                                 f"{_examples([offset] + exponent if offset else exponent)}"))
    return out


def check_empty_cells(fig: Figure, display: Display = NOTEBOOK, *, drawn: Drawn | None = None) -> list[Violation]:
    """No "0" printed in an empty (zero or masked) cell of a map."""
    d = drawn or render(fig, display)
    zeros = 0
    for t in d.texts:
        if t.ax is None or t.text.strip() not in {"0", "0.0", "0.00", "−0", "-0"}:
            continue
        for im in t.ax.get_images():
            if im.get_array() is None or np.ndim(im.get_array()) != 2:
                continue
            cell = _image_cell(im, t.ax, t.anchor)
            if cell is not None:
                a = np.ma.asarray(im.get_array())
                if np.ma.getmaskarray(a)[cell] or float(np.ma.filled(a, 0)[cell]) == 0.0:
                    zeros += 1
                    break
    return [Violation("empty-cells", f"'0' printed in {zeros} empty cell(s)", zeros)] if zeros else []


def _labelled_inside(d: Drawn, ax: Axes, boxes: list[Bbox]) -> bool:
    for t in d.texts:
        if t.ax is ax and WORD.search(t.text):
            x, y = t.anchor
            if any(b.x0 <= x <= b.x1 and b.y0 <= y <= b.y1 for b in boxes):
                return True
    return False


def check_legend(fig: Figure, display: Display = NOTEBOOK, *, drawn: Drawn | None = None) -> list[Violation]:
    """Every hatch, fill colour and line colour is named: legend entry, or a word on it / in its colour."""
    d = drawn or render(fig, display)
    handles = _legend_handles(fig)
    legend_colours = [c for h in handles for c in _handle_colours(h) if c[3] > 0]
    legend_hatches = {h.get_hatch() for h in handles if isinstance(h, (Patch, Collection)) and h.get_hatch()}
    word_colours = [tuple(to_rgba(t.artist.get_color())) for t in d.texts if WORD.search(t.text)]
    missing_hatch: set[str] = set()
    missing_fill: set[str] = set()
    missing_line: set[str] = set()
    for ax in _panels(fig):
        by_colour: dict[str, list[Bbox]] = {}
        by_hatch: dict[str, list[Bbox]] = {}
        rgba_of: dict[str, tuple[float, ...]] = {}
        for rgba, hatch, boxes, _ in _fills(ax):
            if hatch:
                by_hatch.setdefault(hatch, []).extend(boxes)
            if _visible_fill(rgba):
                key = _hex(rgba)
                rgba_of[key] = rgba
                by_colour.setdefault(key, []).extend(boxes)
        for hatch, boxes in by_hatch.items():
            if hatch not in legend_hatches and not _labelled_inside(d, ax, boxes):
                missing_hatch.add(hatch)
        for key, boxes in by_colour.items():
            rgba = rgba_of[key]
            named = any(_same_colour(rgba, c) for c in legend_colours + word_colours)
            if not named and not _labelled_inside(d, ax, boxes):
                missing_fill.add(key)
        for line in ax.lines:
            if not line.get_visible() or len(line.get_xdata()) == 0:
                continue
            rgba = to_rgba(line.get_color(), line.get_alpha())
            if _achromatic(rgba):
                continue
            if not any(_same_colour(rgba, c) for c in legend_colours + word_colours):
                missing_line.add(_hex(rgba) + (f" (marker {line.get_marker()!r})" if line.get_marker() not in
                                               (None, "None", "", " ") else ""))
    return _found("legend", [("hatching without a legend entry", sorted(missing_hatch)),
                             ("fill colour(s) without a legend entry", sorted(missing_fill)),
                             ("line colour(s) without a legend entry", sorted(missing_line))])


def check_saturation(fig: Figure, display: Display = NOTEBOOK, *, drawn: Drawn | None = None) -> list[Violation]:
    """Data beyond the colour limits: the colour bar extends that way and a note says it saturates."""
    d = drawn or render(fig, display)
    noted = any("saturat" in t.text.lower() for t in d.texts)
    out = []
    for ax, m in _mappables(fig):
        data = _data(m)
        data = data[np.isfinite(data)]
        if not data.size:
            continue
        above = data.max() > m.norm.vmax + 1e-9 * max(1.0, abs(m.norm.vmax))
        below = data.min() < m.norm.vmin - 1e-9 * max(1.0, abs(m.norm.vmin))
        if not (above or below):
            continue
        cbar = getattr(m, "colorbar", None)
        extend = getattr(cbar, "extend", "neither") if cbar is not None else None
        ok_extend = extend is not None and (not above or extend in ("max", "both")) and (
            not below or extend in ("min", "both"))
        if not (ok_extend and noted):
            what = []
            if not ok_extend:
                what.append("no colour bar extension")
            if not noted:
                what.append("no note")
            out.append(Violation("saturation", f"data {data.min():g}–{data.max():g} beyond colour limits "
                                 f"{m.norm.vmin:g}–{m.norm.vmax:g} with {' and '.join(what)}"))
    return out


def check_palette(fig: Figure, display: Display = NOTEBOOK, *, drawn: Drawn | None = None) -> list[Violation]:
    """Fill and line colours come from the course palette (greys and white always allowed)."""
    palette = [to_rgba(c) for c in PALETTE]
    foreign: set[str] = set()
    for ax in _panels(fig):
        colours = [rgba for rgba, _, _, _ in _fills(ax) if _visible_fill(rgba)]
        colours += [to_rgba(line.get_color()) for line in ax.lines if line.get_visible()]
        for rgba in colours:
            if not _achromatic(rgba) and not any(_same_colour(rgba, p) for p in palette):
                foreign.add(_hex(rgba))
    if not foreign:
        return []
    return [Violation("palette", f"{len(foreign)} colour(s) outside the course palette: "
                      f"{_examples(sorted(foreign), 5)}", len(foreign))]


CHECKS: dict[str, Callable[..., list[Violation]]] = {
    "text-size": check_text_size,
    "text-fit": check_text_fit,
    "text-overlap": check_text_overlap,
    "shared-scale": check_shared_scale,
    "colourbar": check_colourbar,
    "colourbar-ticks": check_colourbar_ticks,
    "empty-cells": check_empty_cells,
    "legend": check_legend,
    "saturation": check_saturation,
    "palette": check_palette,
}
RULES = tuple(CHECKS)


def check_figure(fig: Figure, display: Display = NOTEBOOK, *, rules: Iterable[str] | None = None,
                 skip: Iterable[str] = ()) -> list[Violation]:
    """Run the chosen checks (default: all) on one drawing of ``fig``."""
    chosen = [r for r in (RULES if rules is None else tuple(rules)) if r not in set(skip)]
    unknown = set(chosen) - set(CHECKS)
    if unknown:
        raise ValueError(f"unknown rule(s) {sorted(unknown)}; rules are {RULES}")
    drawn = render(fig, display)
    out: list[Violation] = []
    for rule in chosen:
        out += CHECKS[rule](fig, display, drawn=drawn)
    return out


def assert_standard(fig: Figure, display: Display = NOTEBOOK, **kwargs: Any) -> None:
    """Fail with every violation listed, if there is any."""
    violations = check_figure(fig, display, **kwargs)
    assert not violations, "figure breaks the standard:\n" + "\n".join(f"  {v}" for v in violations)


__all__ = ["CHECKS", "Display", "NOTEBOOK", "RULES", "Violation", "assert_fits_display", "assert_standard",
           "check_figure", "render",
           *[fn.__name__ for fn in CHECKS.values()]]
