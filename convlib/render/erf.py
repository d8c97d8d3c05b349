"""Effective receptive fields, drawn: heat maps with their fitted Gaussian, grids of them, growth with depth.

:func:`plot_erf` draws one ERF map (:func:`convlib.erf_map`) divided by its peak,
with pixels that receive exactly zero gradient left blank (the holes of a
gridded stack) and, optionally, the fitted Gaussian's ``n_sigma`` ellipse and a
box for the theoretical field. Axes count pixels from the map's centre.
:func:`plot_erf_grid` puts several such maps in rows and columns on one shared
colour scale with one colour bar; :func:`plot_erf_growth` plots the fitted width
against depth on log-log axes, next to the theoretical field.

Introduced in 12_effective_receptive_field.ipynb.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colorbar import Colorbar
from matplotlib.container import ErrorbarContainer
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.lines import Line2D
from matplotlib.patches import Ellipse, Patch, Rectangle
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from ..erf import ErfGrowth, GaussianFit, fit_gaussian
from ..style import COLORS

#: Sequential, colour-blind-safe, dark at 0: tails stay visible and exact zeros (blank) stand out.
ERF_CMAP = "viridis"
#: Colour of the fitted Gaussian's ellipse and of the theoretical field's box.
FIT_COLOR = COLORS["highlight"]
FIELD_COLOR = "white"
#: What the colour bar measures.
COLORBAR_LABEL = "|∂y/∂x|, fraction of the panel's peak"
HOLE_LABEL = "blank: exactly 0 (no path)"


def normalised(erf: Any) -> np.ma.MaskedArray:
    """``erf / erf.max()`` with exact zeros masked (drawn blank).

    Introduced in 12_effective_receptive_field.ipynb.

    >>> normalised(np.array([[0.0, 1.0], [4.0, 2.0]])).tolist()  # masked cells become None
    [[None, 0.25], [1.0, 0.5]]
    """
    m = np.asarray(erf, dtype=float)
    if m.ndim == 1:
        m = m[None, :]
    if m.ndim != 2 or m.size == 0:
        raise ValueError(f"erf with shape {np.shape(erf)} must be a non-empty 1-D or 2-D array")
    if not np.all(np.isfinite(m)) or np.any(m < 0):
        raise ValueError("erf must be finite and non-negative (an ERF map is |gradient|)")
    peak = m.max()
    if peak <= 0:
        raise ValueError("erf is zero everywhere: nothing to draw (a dead ReLU network?)")
    return np.ma.masked_equal(m / peak, 0.0)


def mass_within(n_sigma: float) -> float:
    """Share of a 2-D Gaussian's mass inside its ``n_sigma`` ellipse: ``1 - exp(-n_sigma^2 / 2)``.

    Introduced in 12_effective_receptive_field.ipynb.

    >>> round(mass_within(2), 3)
    0.865
    """
    return 1.0 - math.exp(-(n_sigma**2) / 2.0)


def _fit_handle(n_sigma: float) -> Line2D:
    """Legend entry of the fitted Gaussian's ellipse."""
    return Line2D([], [], color=FIT_COLOR, linestyle="--", linewidth=2.2,
                  label=f"fitted Gaussian, {n_sigma:g}σ ellipse ({mass_within(n_sigma):.0%} of its mass)")


def _centre_index(shape: tuple[int, int]) -> tuple[int, int]:
    return shape[0] // 2, shape[1] // 2


def _offset_ticks(ax: Axes, shape: tuple[int, int]) -> None:
    """Three ticks per axis: the two edges and the centre, labelled as offsets from the centre."""
    rows, cols = shape
    cy, cx = _centre_index(shape)
    ax.xaxis.set_major_locator(FixedLocator(sorted({-cx, 0, cols - 1 - cx})))
    if rows == 1:
        ax.yaxis.set_major_locator(NullLocator())
    else:
        ax.yaxis.set_major_locator(FixedLocator(sorted({-cy, 0, rows - 1 - cy})))
    fmt = FuncFormatter(lambda v, _pos: f"{v:+.0f}" if v else "0")
    ax.xaxis.set_major_formatter(fmt)
    ax.yaxis.set_major_formatter(fmt)


@dataclass(frozen=True)
class ErfPlot:
    """What :func:`plot_erf` drew.

    ``data`` is the image's array (the map over its peak, zeros masked); ``ellipse``
    is the fitted Gaussian's ``n_sigma`` ellipse (None without a fit); ``field_box``
    the theoretical field's square (None unless asked).
    """

    ax: Axes
    image: AxesImage
    data: np.ma.MaskedArray
    fit: GaussianFit | None
    ellipse: Ellipse | None
    field_box: Rectangle | None
    colorbar: Colorbar | None


def plot_erf(
    erf: Any,
    *,
    ax: Axes | None = None,
    fit: GaussianFit | bool | None = True,
    n_sigma: float = 2.0,
    field: int | None = None,
    colorbar: bool = True,
    legend: bool = True,
    title: str | None = None,
    cmap: Any = ERF_CMAP,
) -> ErfPlot:
    """Draw one effective receptive field; return what was drawn.

    Parameters
    ----------
    erf : array-like, 2-D (or 1-D, drawn as one row)
        Non-negative map, e.g. :func:`convlib.erf_map`. Drawn divided by its peak on a
        fixed 0-1 scale; exact zeros are left blank.
    ax : matplotlib Axes, optional
    fit : GaussianFit, bool or None
        ``True`` (default): fit with :func:`convlib.fit_gaussian` and draw the
        ``n_sigma`` ellipse; a :class:`GaussianFit` is drawn as given; ``False``/``None``: no ellipse.
    n_sigma : float
        Ellipse semi-axes are ``n_sigma * sigma`` (2σ holds ``mass_within(2)`` ≈ 86% of a 2-D Gaussian).
    field : int, optional
        Side of the theoretical receptive field, drawn as a box centred on the map.
    colorbar, legend : bool
    title : str, optional
    cmap : colour map (default viridis: dark at 0, so blanks stand out)

    Returns
    -------
    ErfPlot

    Introduced in 12_effective_receptive_field.ipynb.
    """
    data = normalised(erf)
    if not (isinstance(n_sigma, (int, float)) and not isinstance(n_sigma, bool) and n_sigma > 0):
        raise ValueError(f"n_sigma={n_sigma!r} must be a positive number")
    if field is not None and not (isinstance(field, (int, np.integer)) and not isinstance(field, bool) and field >= 1):
        raise ValueError(f"field={field!r} must be a positive int (the theoretical field's side) or None")
    rows, cols = data.shape
    if ax is None:
        side = float(np.clip(0.09 * max(rows, cols) + 3.2, 3.6, 6.0))
        _, ax = plt.subplots(figsize=(side + (1.3 if colorbar else 0.3), side * rows / max(rows, cols) + 0.8),
                             layout="constrained")
    cy, cx = _centre_index((rows, cols))
    extent = (-cx - 0.5, cols - cx - 0.5, rows - cy - 0.5, -cy - 0.5)
    image = ax.imshow(data, cmap=cmap, vmin=0.0, vmax=1.0, extent=extent, interpolation="nearest")
    ax.set_facecolor("white")
    _offset_ticks(ax, (rows, cols))
    handles = []
    if fit is True:
        fit = fit_gaussian(np.asarray(erf, dtype=float))
    elif fit is False:
        fit = None
    ellipse = None
    if fit is not None:
        if not isinstance(fit, GaussianFit):
            raise TypeError(f"fit={fit!r} must be a GaussianFit, True or False")
        centre = fit.centre if len(fit.centre) == 2 else (0.0, fit.centre[0])
        sigma = fit.sigma if len(fit.sigma) == 2 else (0.0, fit.sigma[0])
        ellipse = Ellipse((centre[1] - cx, centre[0] - cy), width=2 * n_sigma * sigma[1],
                          height=2 * n_sigma * sigma[0], fill=False, edgecolor=FIT_COLOR, linewidth=2.2,
                          linestyle="--", zorder=3)
        ax.add_patch(ellipse)
        handles.append(_fit_handle(n_sigma))
    box = None
    if field is not None:
        half = (field - 1) / 2
        box = Rectangle((-half - 0.5, -half - 0.5), field, field, fill=False, edgecolor=FIELD_COLOR, linewidth=1.8,
                        zorder=3, label=f"theoretical field {field}×{field}")
        ax.add_patch(box)
        handles.append(box)
    if np.ma.count_masked(data):
        handles.append(Patch(facecolor="white", edgecolor="black", label=HOLE_LABEL))
    cbar = ax.figure.colorbar(image, ax=ax, shrink=0.85, label=COLORBAR_LABEL) if colorbar else None
    if legend and handles:
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.08), frameon=False, fontsize=10)
    ax.set_xlabel("pixels from the centre")
    if title is not None:
        ax.set_title(title)
    return ErfPlot(ax=ax, image=image, data=data, fit=fit, ellipse=ellipse, field_box=box, colorbar=cbar)


@dataclass(frozen=True)
class ErfGrid:
    """What :func:`plot_erf_grid` drew: one :class:`ErfPlot` per panel (None where no map was given)."""

    figure: Figure
    axes: np.ndarray
    panels: list[list[ErfPlot | None]]
    colorbar: Colorbar
    legend: Any


def _rows(maps: Any) -> list[list[Any]]:
    if isinstance(maps, np.ndarray) or not isinstance(maps, Sequence) or not maps:
        raise TypeError("maps must be a non-empty list of rows, each a list of 2-D arrays (or None)")
    rows = [list(row) if isinstance(row, Sequence) and not isinstance(row, np.ndarray) else None for row in maps]
    if any(row is None or not row for row in rows):
        raise TypeError("maps must be a list of rows, each a non-empty list of 2-D arrays (or None)")
    width = len(rows[0])
    if any(len(row) != width for row in rows):
        raise ValueError(f"every row of maps must have the same length; got {[len(r) for r in rows]}")
    return rows


def _thin_tick_labels(panels: list[list[ErfPlot | None]]) -> None:
    """Offsets once per column (bottom panel) where a column's maps share a shape; none on y for square maps.

    A square map centred in its panel spans the same offsets on both axes, and the panels of such a
    column span the same offsets as its bottom panel, so the labels left out repeat ones shown.
    """
    for j in range(len(panels[0])):
        column = [row[j] for row in panels if row[j] is not None]
        if len({p.data.shape for p in column}) == 1:
            for p in column[:-1]:
                p.ax.tick_params(labelbottom=False)
        for p in column:
            if p.data.shape[0] == p.data.shape[1]:
                p.ax.tick_params(labelleft=False)


def plot_erf_grid(
    maps: Sequence[Sequence[Any]],
    *,
    row_labels: Sequence[str] | None = None,
    col_labels: Sequence[str] | None = None,
    fits: bool | Sequence[Sequence[GaussianFit | None]] = True,
    n_sigma: float = 2.0,
    panel_size: float = 2.1,
    cmap: Any = ERF_CMAP,
) -> ErfGrid:
    """Several ERF maps in rows and columns, on one shared 0-1 colour scale with one colour bar.

    Each map is divided by its own peak (the panels compare shapes, not magnitudes),
    exact zeros stay blank, and each panel counts pixels from its centre -- maps of
    different sizes keep their own extent, so a panel's border is its map's edge.
    Offsets are labelled once per column where its maps share a shape (on the bottom
    panel), and only on the x axis for square maps.

    Parameters
    ----------
    maps : list of rows of 2-D arrays (None leaves a panel empty)
    row_labels, col_labels : list of str, optional
        Written left of each row and above each column.
    fits : bool or list of rows of GaussianFit
        ``True``: fit and draw each panel's ``n_sigma`` ellipse; ``False``: none; or the fits to draw.
    n_sigma : float
    panel_size : float
        Inches per panel.
    cmap : colour map

    Returns
    -------
    ErfGrid

    Introduced in 12_effective_receptive_field.ipynb.
    """
    rows = _rows(maps)
    n_rows, n_cols = len(rows), len(rows[0])
    if row_labels is not None and len(row_labels) != n_rows:
        raise ValueError(f"row_labels has {len(row_labels)} entries but maps has {n_rows} rows")
    if col_labels is not None and len(col_labels) != n_cols:
        raise ValueError(f"col_labels has {len(col_labels)} entries but maps has {n_cols} columns")
    if not isinstance(fits, bool):
        fit_rows = _rows(fits)
        if len(fit_rows) != n_rows or len(fit_rows[0]) != n_cols:
            raise ValueError(f"fits must have the shape of maps ({n_rows} x {n_cols})")
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(panel_size * n_cols + 1.6, panel_size * n_rows + 0.9),
                             layout="constrained", squeeze=False)
    fig.get_layout_engine().set(wspace=0.08)  # room between the edge labels of neighbouring panels
    panels: list[list[ErfPlot | None]] = []
    any_hole = any_fit = False
    for i, row in enumerate(rows):
        drawn_row: list[ErfPlot | None] = []
        for j, m in enumerate(row):
            ax = axes[i, j]
            if m is None:
                ax.set_axis_off()
                drawn_row.append(None)
                continue
            fit = fits if isinstance(fits, bool) else fit_rows[i][j]
            drawn = plot_erf(m, ax=ax, fit=fit, n_sigma=n_sigma, colorbar=False, legend=False, cmap=cmap)
            ax.set_xlabel("")
            any_hole |= bool(np.ma.count_masked(drawn.data))
            any_fit |= drawn.ellipse is not None
            drawn_row.append(drawn)
            if i == 0 and col_labels is not None:
                ax.set_title(col_labels[j], fontsize=12)
            if j == 0 and row_labels is not None:
                ax.set_ylabel(row_labels[i], fontsize=12)
        panels.append(drawn_row)
    _thin_tick_labels(panels)
    image = next(p.image for row in panels for p in row if p is not None)
    cbar = fig.colorbar(image, ax=axes, shrink=0.8, label=COLORBAR_LABEL)
    handles = []
    if any_fit:
        handles.append(_fit_handle(n_sigma))
    if any_hole:
        handles.append(Patch(facecolor="white", edgecolor="black", label=HOLE_LABEL))
    legend = fig.legend(handles=handles, loc="outside upper center", ncols=2, frameon=False) if handles else None
    fig.supxlabel("pixels from the centre", fontsize=11)
    return ErfGrid(figure=fig, axes=axes, panels=panels, colorbar=cbar, legend=legend)


@dataclass(frozen=True)
class ErfGrowthPlot:
    """What :func:`plot_erf_growth` drew: per label the mean-sigma line and its error bars, and the field line."""

    ax: Axes
    lines: dict[str, Line2D]
    errorbars: dict[str, ErrorbarContainer]
    field_line: Line2D | None


#: Tick values of the log-scaled width axis (those inside the data's range are used).
_NICE = (1, 1.5, 2, 3, 5, 7, 10, 15, 20, 30, 50, 70, 100, 150, 200, 300, 500, 700, 1000)
_CYCLE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9")
_MARKERS = ("o", "s", "^", "D", "v")


def slope_label(label: str, growth: ErfGrowth) -> str:
    """``label: slope 0.55 (± 0.02 over 6 inits)`` -- the legend text of one growth line.

    Introduced in 12_effective_receptive_field.ipynb.
    """
    text = f"{label}: slope {growth.slope:.2f}"
    if len(growth.seeds) > 1:
        text += f" (± {growth.slopes.std(ddof=1):.2f} over {len(growth.seeds)} inits)"
    return text


def plot_erf_growth(
    growths: Mapping[str, ErfGrowth],
    *,
    ax: Axes | None = None,
    field: bool = True,
    title: str | None = "ERF width against depth",
) -> ErfGrowthPlot:
    """Fitted ERF width (sigma) against depth on log-log axes, one line per kind of stack.

    Each line is the mean sigma over the initialisations with error bars of ± one
    standard deviation; the legend gives its log-log slope (:attr:`ErfGrowth.slope`,
    with the spread of the per-initialisation slopes). With ``field`` the theoretical
    field (pixels per side) of the first growth is drawn too, with its slope: on log-log
    axes a slope is the exponent, 0.5 for ``sqrt(n)`` and 1 for ``n``.

    Parameters
    ----------
    growths : mapping of label -> ErfGrowth
    ax : matplotlib Axes, optional
    field : bool
    title : str or None

    Returns
    -------
    ErfGrowthPlot

    Introduced in 12_effective_receptive_field.ipynb.
    """
    if not isinstance(growths, Mapping) or not growths:
        raise TypeError("growths must be a non-empty mapping of label -> ErfGrowth")
    for label, g in growths.items():
        if not isinstance(g, ErfGrowth):
            raise TypeError(f"growths[{label!r}] must be an ErfGrowth (from convlib.erf_growth), got {type(g).__name__}")
    if ax is None:
        _, ax = plt.subplots(figsize=(7.6, 4.8), layout="constrained")
    lines: dict[str, Line2D] = {}
    bars: dict[str, ErrorbarContainer] = {}
    depths: set[int] = set()
    for i, (label, g) in enumerate(growths.items()):
        container = ax.errorbar(g.depths, g.sigma_mean, yerr=g.sigma_sd, color=_CYCLE[i % len(_CYCLE)],
                                marker=_MARKERS[i % len(_MARKERS)], markersize=7, linewidth=2, capsize=4,
                                label=slope_label(label, g), zorder=3 + i)
        lines[label] = container.lines[0]
        bars[label] = container
        depths.update(g.depths)
    field_line = None
    if field:
        first = next(iter(growths.values()))
        (field_line,) = ax.plot(first.depths, first.field, color=COLORS["grid"], linestyle=":", linewidth=2.2,
                                marker="x", markersize=7, label=f"theoretical field (side): slope {first.field_slope:.2f}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.xaxis.set_major_locator(FixedLocator(sorted(depths)))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
    values = [v for g in growths.values() for v in (*(g.sigma_mean - g.sigma_sd), *(g.sigma_mean + g.sigma_sd))]
    if field_line is not None:
        values += list(field_line.get_ydata())
    lo, hi = min(v for v in values if v > 0), max(values)
    ax.yaxis.set_major_locator(FixedLocator([v for v in _NICE if lo / 1.15 <= v <= hi * 1.15]))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
    ax.yaxis.set_minor_formatter(FuncFormatter(lambda v, _pos: ""))
    ax.set_xlabel("depth n (3×3 layers)" if all(g.settings.get("kernel_size") == 3 for g in growths.values())
                  else "depth n (layers)")
    ax.set_ylabel("pixels (ERF: fitted σ; field: side)")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(loc="upper left", fontsize=10)
    if title:
        ax.set_title(title)
    return ErfGrowthPlot(ax=ax, lines=lines, errorbars=bars, field_line=field_line)


__all__ = [
    "ERF_CMAP",
    "ErfGrid",
    "ErfGrowthPlot",
    "ErfPlot",
    "mass_within",
    "normalised",
    "plot_erf",
    "plot_erf_grid",
    "plot_erf_growth",
    "slope_label",
]
