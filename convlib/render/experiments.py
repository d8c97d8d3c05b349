"""Figures of the trained experiments (chapter 13): predictions, spreads over seeds, spectra, curves.

Every function draws on given axes or a new figure and returns a small record of
what it drew (the arrays, the colour scale), which the tests compare with the data.
Compared panels share one colour scale and one colour bar; every colour has a
legend entry or a colour bar; texts are at least 11 pt in figures at most 10.5
inches wide (projected at 1280×720 they stay above 9 pt).

Introduced in 13_trained_artifacts.ipynb.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colorbar import Colorbar
from matplotlib.colors import ListedColormap, Normalize, PowerNorm
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..experiments.data import CLASSES
from ..experiments.spectrum import checkerboard_energy, checkerboard_frequencies, power_spectrum

#: Colours of the segmentation classes (background, line, blob): white and two Okabe–Ito hues.
CLASS_COLORS = ("#FFFFFF", "#0072B2", "#E69F00")
#: Colours of compared series (rate lists, upsampling methods), Okabe–Ito, in order.
SERIES_COLORS = ("#D55E00", "#E69F00", "#009E73", "#0072B2", "#CC79A7", "#56B4E9")
#: Colour of the circles around the checkerboard frequencies (visible on the dark spectrum and on white).
MARKER_COLOR = "#56B4E9"
#: Font sizes (points) of titles and other texts.
TITLE_SIZE, TEXT_SIZE = 12.5, 11.5


def _new_figure(ncols: int, nrows: int, panel: tuple[float, float], extra: float = 1.2) -> tuple[Figure, np.ndarray]:
    width = min(10.5, panel[0] * ncols + extra)
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, panel[1] * nrows + 0.6), layout="constrained",
                             squeeze=False)
    return fig, axes


def _image_axes(ax: Axes) -> None:
    ax.set_xticks([])
    ax.set_yticks([])


# --- segmentation ------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class SegmentationFigure:
    """What :func:`plot_segmentation` drew.

    Attributes
    ----------
    figure : Figure
    axes : the input panel, then one panel per label map
    maps : label map drawn in each panel, by title ("truth" first)
    wrong : for every prediction, the mask of pixels marked as wrong
    colorbars : the intensity and the class colour bars
    """

    figure: Figure
    axes: list[Axes]
    image: np.ndarray
    maps: dict[str, np.ndarray]
    wrong: dict[str, np.ndarray]
    colorbars: list[Colorbar] = field(default_factory=list)

    def __repr__(self) -> str:
        counts = ", ".join(f"{k}: {int(v.sum())} wrong" for k, v in self.wrong.items())
        return f"SegmentationFigure(input + truth + {len(self.wrong)} predictions; {counts})"


def plot_segmentation(
    image: Any,
    labels: Any,
    predictions: Mapping[str, Any],
    *,
    classes: Sequence[str] = CLASSES,
    title: str | None = None,
) -> SegmentationFigure:
    """One row: the input image, the true labels, and each prediction with its wrong pixels dotted.

    Introduced in 13_trained_artifacts.ipynb.

    Parameters
    ----------
    image : 2-D array (or (1, H, W)) -- the network's input
    labels : 2-D int array -- the true class of every pixel
    predictions : name -> 2-D int array
    classes : class names, in label order (their colours: :data:`CLASS_COLORS`)
    title : optional figure title

    Returns
    -------
    SegmentationFigure
    """
    image = np.asarray(image, dtype=np.float64).squeeze()
    labels = np.asarray(labels)
    if image.ndim != 2 or labels.shape != image.shape:
        raise ValueError(f"image {image.shape} and labels {labels.shape} must be 2-D maps of one shape")
    preds = {str(k): np.asarray(v) for k, v in predictions.items()}
    for k, v in preds.items():
        if v.shape != labels.shape:
            raise ValueError(f"prediction {k!r} has shape {v.shape}, labels {labels.shape}")
    if len(classes) > len(CLASS_COLORS):
        raise ValueError(f"{len(classes)} classes but only {len(CLASS_COLORS)} class colours")
    n = 2 + len(preds)
    fig, axes = _new_figure(n, 1, (1.9, 2.3), extra=1.6)
    axes = list(axes[0])
    cmap = ListedColormap(CLASS_COLORS[: len(classes)], name="convlib_classes")
    norm = Normalize(-0.5, len(classes) - 0.5)
    shown = axes[0].imshow(image, cmap="gray", interpolation="nearest")
    axes[0].set_title("input", fontsize=TITLE_SIZE)
    bar_in = fig.colorbar(shown, ax=axes[0], location="left", shrink=0.8)
    bar_in.set_label("intensity", fontsize=TEXT_SIZE)
    bar_in.ax.tick_params(labelsize=TEXT_SIZE)
    maps = {"truth": labels, **preds}
    wrong: dict[str, np.ndarray] = {}
    drawn = None
    for ax, (name, m) in zip(axes[1:], maps.items()):
        drawn = ax.imshow(m, cmap=cmap, norm=norm, interpolation="nearest")
        if name != "truth":
            wrong[name] = m != labels
            rows, cols = np.nonzero(wrong[name])
            name = f"{name}\n{int(wrong[name].sum())} wrong"
            ax.plot(cols, rows, linestyle="none", marker="o", markersize=2.2, color="black")
        ax.set_title(name, fontsize=TITLE_SIZE)
    for ax in axes:
        _image_axes(ax)
        ax.set_frame_on(True)
    bar = fig.colorbar(drawn, ax=axes[1:], ticks=range(len(classes)), shrink=0.8)
    bar.ax.set_yticklabels(list(classes), fontsize=TEXT_SIZE)
    if preds:
        fig.legend(handles=[Line2D([], [], linestyle="none", marker="o", markersize=5, color="black",
                                   label="wrong pixel")], loc="outside lower right", fontsize=TEXT_SIZE, frameon=False)
    if title:
        fig.suptitle(title, fontsize=TITLE_SIZE)
    return SegmentationFigure(fig, axes, image, maps, wrong, [bar_in, bar])


# --- spread over seeds ---------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class SpreadPlot:
    """What :func:`plot_spread` drew: per group, the seed values, their mean and sample sd."""

    ax: Axes
    names: list[str]
    values: dict[str, np.ndarray]
    means: np.ndarray
    sds: np.ndarray

    def __repr__(self) -> str:
        return "SpreadPlot(" + ", ".join(f"{n}: {m:.3g} ± {s:.2g}" for n, m, s in
                                         zip(self.names, self.means, self.sds)) + ")"


def plot_spread(
    values: Mapping[str, Sequence[float]],
    *,
    ax: Axes | None = None,
    ylabel: str = "",
    title: str | None = None,
    legend: bool = True,
) -> SpreadPlot:
    """Each group's values over seeds as grey dots, with the mean ± sample sd as a black bar.

    Introduced in 13_trained_artifacts.ipynb.

    Parameters
    ----------
    values : group name -> one value per seed
    ax : Axes, optional
    ylabel, title : optional labels
    legend : draw the legend ("one seed", "mean ± sd")

    Returns
    -------
    SpreadPlot
    """
    vals = {str(k): np.asarray(v, dtype=np.float64).ravel() for k, v in values.items()}
    if not vals or any(v.size == 0 for v in vals.values()):
        raise ValueError("values must map at least one group to at least one value")
    if ax is None:
        _, ax = plt.subplots(figsize=(1.3 * len(vals) + 1.8, 3.6), layout="constrained")
    names = list(vals)
    means = np.array([v.mean() for v in vals.values()])
    sds = np.array([v.std(ddof=1) if v.size > 1 else 0.0 for v in vals.values()])
    for i, v in enumerate(vals.values()):
        offsets = np.linspace(-0.15, 0.15, v.size) if v.size > 1 else np.zeros(1)
        ax.plot(i + offsets, v, linestyle="none", marker="o", markersize=6, markerfacecolor="none",
                color="#777777")
    ax.errorbar(np.arange(len(names)), means, yerr=sds, fmt="_", markersize=22, color="black",
                capsize=6, elinewidth=1.6, markeredgewidth=2)
    ax.set_xticks(range(len(names)), names, fontsize=TEXT_SIZE)
    ax.set_xlim(-0.6, len(names) - 0.4)
    ax.tick_params(axis="y", labelsize=TEXT_SIZE)
    ax.set_ylabel(ylabel, fontsize=TEXT_SIZE)
    ax.spines[["top", "right"]].set_visible(False)
    if title:
        ax.set_title(title, fontsize=TITLE_SIZE)
    if legend:
        ax.legend(handles=[
            Line2D([], [], linestyle="none", marker="o", markerfacecolor="none", color="#777777", label="one seed"),
            Line2D([], [], marker="_", markersize=14, color="black", label="mean ± sd"),
        ], fontsize=TEXT_SIZE, frameon=False, loc="best")
    return SpreadPlot(ax, names, vals, means, sds)


# --- compared maps -------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class PanelsFigure:
    """What :func:`plot_panels` (and :func:`plot_spectra`) drew: one image per panel, one shared scale."""

    figure: Figure
    axes: list[Axes]
    maps: dict[str, np.ndarray]
    norm: Normalize
    colorbar: Colorbar

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({len(self.maps)} panels, shared scale "
                f"{self.norm.vmin:.3g}…{self.norm.vmax:.3g})")


def plot_panels(
    maps: Mapping[str, Any],
    *,
    cmap: Any = "viridis",
    vmin: float | None = None,
    vmax: float | None = None,
    label: str = "",
    ncols: int | None = None,
    panel: float = 2.3,
    gamma: float = 1.0,
    title: str | None = None,
) -> PanelsFigure:
    """Maps side by side on one colour scale with one colour bar.

    Introduced in 13_trained_artifacts.ipynb.

    Parameters
    ----------
    maps : panel title -> 2-D array
    cmap : colour map
    vmin, vmax : limits of the shared scale (default: the minimum and maximum over all maps)
    label : colour bar label
    ncols : panels per row (default: all in one row)
    panel : inches per panel
    gamma : colour scale ``((value - vmin) / (vmax - vmin)) ** gamma`` (``matplotlib.colors.PowerNorm``);
        0.5 (square root) shows faint structure next to a strong peak; 1 is linear
    title : optional figure title

    Returns
    -------
    PanelsFigure
    """
    arrays = {str(k): np.asarray(v, dtype=np.float64) for k, v in maps.items()}
    if not arrays or any(a.ndim != 2 for a in arrays.values()):
        raise ValueError("maps must hold at least one 2-D array")
    lo = min(float(np.nanmin(a)) for a in arrays.values()) if vmin is None else float(vmin)
    hi = max(float(np.nanmax(a)) for a in arrays.values()) if vmax is None else float(vmax)
    hi = hi if hi > lo else lo + 1.0
    norm = Normalize(lo, hi) if gamma == 1.0 else PowerNorm(gamma, lo, hi)
    ncols = len(arrays) if ncols is None else int(ncols)
    nrows = -(-len(arrays) // ncols)
    fig, grid = _new_figure(ncols, nrows, (panel, panel), extra=1.3)
    axes = list(grid.ravel())
    image = None
    for ax, (name, a) in zip(axes, arrays.items()):
        image = ax.imshow(a, cmap=cmap, norm=norm, interpolation="nearest")
        ax.set_title(name, fontsize=TITLE_SIZE)
        _image_axes(ax)
    for ax in axes[len(arrays):]:
        ax.set_visible(False)
    bar = fig.colorbar(image, ax=axes[: len(arrays)], shrink=0.85)
    bar.set_label(label, fontsize=TEXT_SIZE)
    bar.ax.tick_params(labelsize=TEXT_SIZE)
    if title:
        fig.suptitle(title, fontsize=TITLE_SIZE)
    return PanelsFigure(fig, axes[: len(arrays)], arrays, norm, bar)


@dataclass(frozen=True, repr=False)
class SpectraFigure(PanelsFigure):
    """What :func:`plot_spectra` drew; ``maps`` hold log10 power (floored), ``energy`` each panel's number."""

    energy: dict[str, float] = field(default_factory=dict)
    markers: list[tuple[int, int]] = field(default_factory=list)


def plot_spectra(
    images: Mapping[str, Any],
    *,
    stride: int = 2,
    decades: float = 8.0,
    ncols: int | None = None,
    title: str | None = None,
) -> SpectraFigure:
    """Mean power spectrum of each set of images, log scale, with the checkerboard frequencies circled.

    Each panel is :func:`convlib.experiments.power_spectrum` of one set of images
    (zero frequency in the centre, ``-π`` at the top-left pixel), drawn as
    ``log10(power)`` on one colour scale that spans ``decades`` decades below the
    largest value; smaller values (and exact zeros) are drawn at that floor. The
    title gives the set's :func:`convlib.experiments.checkerboard_energy`.

    Introduced in 13_trained_artifacts.ipynb.

    Returns
    -------
    SpectraFigure
    """
    stacks = {str(k): np.asarray(v, dtype=np.float64) for k, v in images.items()}
    if not stacks:
        raise ValueError("images must hold at least one set of images")
    power = {k: power_spectrum(v) for k, v in stacks.items()}
    energy = {k: checkerboard_energy(v, stride) for k, v in stacks.items()}
    top = np.log10(max(float(p.max()) for p in power.values()))
    floor = top - float(decades)
    logs = {k: np.maximum(np.log10(np.maximum(p, 1e-300)), floor) for k, p in power.items()}
    titled = {f"{k}\nE = {energy[k]:.2g}": v for k, v in logs.items()}
    drawn = plot_panels(titled, cmap="magma", vmin=floor, vmax=top, ncols=ncols, title=title,
                        label="log₁₀ power")
    h, w = next(iter(logs.values())).shape
    markers = [((i + h // 2) % h, (j + w // 2) % w) for i, j in checkerboard_frequencies((h, w), stride)]
    for ax in drawn.axes:
        ax.plot([c for _, c in markers], [r for r, _ in markers], linestyle="none", marker="o", markersize=9,
                color=MARKER_COLOR, markerfacecolor="none", markeredgecolor=MARKER_COLOR, markeredgewidth=2.0)
        pad = 0.5 + max(h, w) / 12  # room for the circles on the top and left edge (where -π is)
        ax.set_xlim(-pad, w - 0.5)
        ax.set_ylim(h - 0.5, -pad)
        ax.set_xticks([0, w // 2], ["−π", "0"], fontsize=TEXT_SIZE)
        ax.set_yticks([0, h // 2], ["−π", "0"], fontsize=TEXT_SIZE)
    drawn.figure.legend(handles=[Line2D([], [], linestyle="none", marker="o", markersize=9, markerfacecolor="none",
                                        color=MARKER_COLOR, markeredgecolor=MARKER_COLOR, markeredgewidth=2.0,
                                        label="checkerboard frequencies")],
                        loc="outside lower right", fontsize=TEXT_SIZE, frameon=False)
    return SpectraFigure(drawn.figure, drawn.axes, dict(zip(logs, titled.values())), drawn.norm, drawn.colorbar,
                         energy, markers)


# --- curves ----------------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class CurvesPlot:
    """What :func:`plot_curves` drew: per series, the mean line and the min–max band over seeds."""

    ax: Axes
    x: np.ndarray
    means: dict[str, np.ndarray]
    lows: dict[str, np.ndarray]
    highs: dict[str, np.ndarray]
    baseline: float | None = None

    def __repr__(self) -> str:
        return f"CurvesPlot({len(self.means)} series over {len(self.x)} points)"


def plot_curves(
    x: Sequence[float],
    series: Mapping[str, Any],
    *,
    ax: Axes | None = None,
    baseline: float | None = None,
    baseline_label: str = "baseline",
    xlabel: str = "",
    ylabel: str = "",
    log: bool = True,
    linthresh: float | None = None,
    span: tuple[float, float] | None = None,
    span_label: str = "",
    title: str | None = None,
) -> CurvesPlot:
    """One line per series (the mean over seeds) with a band from the smallest to the largest seed.

    Introduced in 13_trained_artifacts.ipynb.

    Parameters
    ----------
    x : the common x values
    series : name -> array (seeds, len(x))
    baseline : optional horizontal dashed line (e.g. the value of the target images)
    log : symmetric-log y axis (zeros stay drawable), linear below ``linthresh``
        (default: a tenth of the smallest positive value)
    span : optional (x0, x1) shaded in grey and named ``span_label`` in the legend

    Returns
    -------
    CurvesPlot
    """
    x = np.asarray(x, dtype=np.float64)
    data = {str(k): np.atleast_2d(np.asarray(v, dtype=np.float64)) for k, v in series.items()}
    for k, v in data.items():
        if v.shape[1] != x.size:
            raise ValueError(f"series {k!r} has {v.shape[1]} points per seed but x has {x.size}")
    if ax is None:
        _, ax = plt.subplots(figsize=(8.0, 4.4), layout="constrained")
    handles = []
    if span is not None:
        ax.axvspan(*span, color="#DDDDDD", zorder=0)
        handles.append(Patch(color="#DDDDDD", label=span_label))
    means, lows, highs = {}, {}, {}
    for (name, v), colour in zip(data.items(), SERIES_COLORS * 4):
        means[name], lows[name], highs[name] = v.mean(axis=0), v.min(axis=0), v.max(axis=0)
        ax.fill_between(x, lows[name], highs[name], color=colour, alpha=0.18, linewidth=0)
        line, = ax.plot(x, means[name], color=colour, linewidth=2.2, label=name)
        handles.append(line)
    if baseline is not None:
        handles.append(ax.axhline(baseline, color="black", linestyle="--", linewidth=1.5, label=baseline_label))
    if log:
        positive = np.concatenate([v[v > 0] for v in data.values()] + [np.array([baseline or np.inf])])
        thresh = linthresh or float(np.min(positive[np.isfinite(positive)])) / 10
        ax.set_yscale("symlog", linthresh=thresh, linscale=0.3)
        ax.set_ylim(bottom=0)
    handles.append(Patch(color="#BBBBBB", label="band: min–max over seeds"))
    ax.legend(handles=handles, fontsize=TEXT_SIZE, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.set_xlabel(xlabel, fontsize=TEXT_SIZE)
    ax.set_ylabel(ylabel, fontsize=TEXT_SIZE)
    ax.tick_params(labelsize=TEXT_SIZE)
    ax.spines[["top", "right"]].set_visible(False)
    if title:
        ax.set_title(title, fontsize=TITLE_SIZE)
    return CurvesPlot(ax, x, means, lows, highs, baseline)


# --- phase tiles -------------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class TilesFigure:
    """What :func:`plot_phase_tiles` drew: each 2×2 tile's deviation from its mean (percent), one symmetric scale."""

    figure: Figure
    axes: list[Axes]
    deviations: dict[str, np.ndarray]
    texts: dict[str, list[str]]
    norm: Normalize
    colorbar: Colorbar

    def __repr__(self) -> str:
        spread = ", ".join(f"{k}: {np.ptp(v):.2g}" for k, v in self.deviations.items())
        return f"TilesFigure(spread per tile: {spread})"


def plot_phase_tiles(tiles: Mapping[str, Any], *, fmt: str = "+.2f", title: str | None = None) -> TilesFigure:
    """The 2×2 tile each layer paints on a flat region, as deviations from the tile's mean, in percent.

    Cell ``(i, j)`` is output phase ``(row mod 2, col mod 2)``; it shows
    ``100 * (value - mean) / |mean|`` and carries that number (``fmt``, with "%").
    All tiles share one symmetric diverging colour scale, so an equal tile is white
    and a checkerboard is red and blue.

    Introduced in 13_trained_artifacts.ipynb.

    Returns
    -------
    TilesFigure
    """
    arrays = {str(k): np.asarray(v, dtype=np.float64) for k, v in tiles.items()}
    if not arrays or any(v.shape != (2, 2) for v in arrays.values()):
        raise ValueError("tiles must map names to 2×2 arrays")
    if any(np.mean(v) == 0 for v in arrays.values()):
        raise ValueError("a tile with mean 0 has no relative deviation")
    dev = {k: 100 * (v - v.mean()) / abs(v.mean()) for k, v in arrays.items()}
    top = max(float(np.abs(v).max()) for v in dev.values()) or 1.0
    norm = Normalize(-top, top)
    fig, grid = _new_figure(len(dev), 1, (1.95, 2.0), extra=1.2)
    axes = list(grid[0])
    texts: dict[str, list[str]] = {}
    image = None
    for ax, (name, v) in zip(axes, dev.items()):
        image = ax.imshow(v, cmap="RdBu_r", norm=norm)
        texts[name] = []
        for (r, c), value in np.ndenumerate(v):
            s = f"{value:{fmt}}%"
            texts[name].append(s)
            ax.text(c, r, s, ha="center", va="center", fontsize=TEXT_SIZE,
                    color="white" if abs(value) > 0.6 * top else "black")
        ax.set_title(name, fontsize=TITLE_SIZE)
        ax.set_xticks([0, 1], ["even", "odd"], fontsize=TEXT_SIZE)
        ax.set_yticks([0, 1], ["even", "odd"], fontsize=TEXT_SIZE, rotation=90, va="center")
    axes[0].set_ylabel("output row", fontsize=TEXT_SIZE)
    for ax in axes:
        ax.set_xlabel("output column", fontsize=TEXT_SIZE)
    bar = fig.colorbar(image, ax=axes, shrink=0.85)
    bar.set_label("phase − tile mean (% of mean)", fontsize=TEXT_SIZE)
    bar.ax.tick_params(labelsize=TEXT_SIZE)
    if title:
        fig.suptitle(title, fontsize=TITLE_SIZE)
    return TilesFigure(fig, axes, dev, texts, norm, bar)


__all__ = [
    "CLASS_COLORS", "CurvesPlot", "MARKER_COLOR", "PanelsFigure", "SERIES_COLORS", "SegmentationFigure", "SpectraFigure",
    "SpreadPlot", "TilesFigure", "plot_curves", "plot_panels", "plot_phase_tiles", "plot_segmentation",
    "plot_spectra", "plot_spread",
]
