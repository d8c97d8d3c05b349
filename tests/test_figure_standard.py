"""The figure-standard checks (tests/figure_standard.py): each fails on a bad figure and passes on a good one."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch, Rectangle  # noqa: E402

from convlib.render import standard  # noqa: E402
from convlib.style import COLORS  # noqa: E402
from figure_standard import (  # noqa: E402
    NOTEBOOK,
    RULES,
    Display,
    assert_standard,
    check_colourbar,
    check_colourbar_ticks,
    check_empty_cells,
    check_figure,
    check_legend,
    check_palette,
    check_saturation,
    check_shared_scale,
    check_text_fit,
    check_text_overlap,
    check_text_size,
    render,
)


def _numbered_map(m, *, figsize=(4.0, 4.0), fontsize=12.0, blank_zeros=True, colorbar=False):
    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    im = ax.imshow(m, vmin=0, vmax=max(1, m.max()))
    for (r, c), v in np.ndenumerate(m):
        if v or not blank_zeros:
            ax.text(c, r, str(int(v)), ha="center", va="center", fontsize=fontsize)
    if colorbar:
        standard.integer_ticks(fig.colorbar(im, ax=ax))
    return fig, ax


# --- text-size -----------------------------------------------------------------------------------


def test_text_size_fails_on_small_text_and_passes_on_readable_text():
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.set_axis_off()
    ax.text(0.5, 0.5, "tiny", fontsize=6)
    [v] = check_text_size(fig)
    assert v.rule == "text-size" and v.count == 1 and "'tiny'" in v.message
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.set_axis_off()
    ax.text(0.5, 0.5, "readable", fontsize=12)
    assert check_text_size(fig) == []


def test_text_size_accounts_for_scaling_to_the_display_and_the_dpi():
    # 12 pt in a 20-inch-wide figure is shown at 840/2000 of its size: about 5 pt
    fig, ax = plt.subplots(figsize=(20, 3))
    ax.set_axis_off()
    ax.text(0.0, 0.5, "wide figure", fontsize=12)
    ax.text(1.0, 0.5, "other end", fontsize=12, ha="right")
    [v] = check_text_size(fig, Display(tight=False))
    assert v.count == 2 and "scale 0.4" in v.message
    # 10 pt displays at 10.4 pt from a 100-dpi PNG but at 8.3 pt from an 80-dpi one (the explorers' DPI)
    fig, ax = plt.subplots(figsize=(5, 3))
    ax.set_axis_off()
    ax.text(0.5, 0.5, "ten points", fontsize=10)
    assert check_text_size(fig, Display(dpi=100)) == []
    assert check_text_size(fig, Display(dpi=80, tight=False))[0].count == 1


def test_display_model_numbers():
    assert standard.display_scale(8.4, 6.4, 100) == 1.0
    assert standard.display_scale(16.8, 3, 100) == pytest.approx(0.5)
    assert standard.display_scale(4, 12.8, 100) == pytest.approx(0.5)
    assert standard.displayed_points(9 * 96 / 100, 5, 5, 100) == pytest.approx(standard.MIN_POINTS)
    assert standard.min_fontsize(16.8, 3, 100) == pytest.approx(2 * 9 * 96 / 100)


# --- text-fit ------------------------------------------------------------------------------------


def test_text_fit_fails_when_numbers_overflow_their_cells():
    m = np.arange(1, 401).reshape(20, 20)
    fig, _ = _numbered_map(m, figsize=(3.5, 3.5), fontsize=10)
    [v] = check_text_fit(fig)
    assert v.rule == "text-fit" and "overflow their cell" in v.message and v.count > 300
    fig, _ = _numbered_map(np.arange(1, 17).reshape(4, 4), figsize=(4, 4), fontsize=12)
    assert check_text_fit(fig) == []


def test_text_fit_uses_rectangles_as_cells_too():
    fig, ax = plt.subplots(figsize=(4, 4))
    ax.set_xlim(0, 4)
    ax.set_ylim(0, 4)
    ax.add_patch(Rectangle((1, 1), 1, 1, facecolor=COLORS["input"]))
    ax.text(1.5, 1.5, "123456789", ha="center", va="center", fontsize=12)
    assert check_text_fit(fig)[0].message.startswith("1 text(s) overflow")
    fig, ax = plt.subplots(figsize=(4, 4))
    ax.set_xlim(0, 4)
    ax.set_ylim(0, 4)
    ax.add_patch(Rectangle((1, 1), 1, 1, facecolor=COLORS["input"]))
    ax.text(1.5, 1.5, "7", ha="center", va="center", fontsize=12)
    assert check_text_fit(fig) == []


def test_text_fit_finds_clipped_and_off_canvas_texts():
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.text(0.98, 0.5, "cut by the axes", transform=ax.transAxes, clip_on=True, fontsize=12)
    assert "cut off by their axes" in check_text_fit(fig)[0].message
    fig, ax = plt.subplots(figsize=(4, 3))
    fig.text(0.9, 0.5, "beyond the right edge", fontsize=12)
    frame = Display(tight=False)  # e.g. an explorer frame: the canvas is shown as it is
    assert "outside the displayed area" in check_text_fit(fig, frame)[0].message
    assert check_text_fit(fig, NOTEBOOK) == []  # inline figures are cropped to include it


# --- text-overlap --------------------------------------------------------------------------------


def test_text_overlap_finds_a_marker_drawn_over_a_number():
    fig, ax = _numbered_map(np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]]), colorbar=True)
    ax.plot([1], [1], marker="+", markersize=14, color=COLORS["highlight"])
    [v] = check_text_overlap(fig)
    assert "covered by a marker" in v.message and "'5'" in v.message
    fig, ax = _numbered_map(np.array([[1, 2, 3], [4, 0, 6], [7, 8, 9]]), colorbar=True)
    ax.plot([1], [1], marker="+", markersize=14, color=COLORS["highlight"])  # on an empty cell: fine
    assert check_text_overlap(fig) == []


def test_text_overlap_finds_overprinted_texts():
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.set_axis_off()
    ax.text(0.5, 0.5, "12", fontsize=14, ha="center", va="center")
    ax.text(0.52, 0.5, "×3", fontsize=12, ha="center", va="center")
    [v] = check_text_overlap(fig)
    assert v.count == 1 and "'12 / ×3'" in v.message
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.set_axis_off()
    ax.text(0.2, 0.5, "12", fontsize=14, ha="center", va="center")
    ax.text(0.8, 0.5, "×3", fontsize=12, ha="center", va="center")
    ax.text(0.8, 0.5, "×3", fontsize=12, ha="center", va="center")  # an identical duplicate is not overprinting
    assert check_text_overlap(fig) == []


# --- shared-scale and colourbar ------------------------------------------------------------------


def _three_panels(shared: bool, colorbars: int):
    maps = [np.arange(9).reshape(3, 3) * k for k in (1, 2, 5)]
    fig, axes = plt.subplots(1, 3, figsize=(8, 3), layout="constrained")
    top = max(m.max() for m in maps)
    images = [ax.imshow(m, vmin=0, vmax=top if shared else m.max()) for ax, m in zip(axes, maps)]
    for k in range(colorbars):
        fig.colorbar(images[k], ax=list(axes) if colorbars == 1 else axes[k])
    return fig


def test_shared_scale_fails_on_separately_scaled_panels():
    [v] = check_shared_scale(_three_panels(shared=False, colorbars=0))
    assert v.rule == "shared-scale" and "3 different colour limits" in v.message and "0–40" in v.message
    assert check_shared_scale(_three_panels(shared=True, colorbars=1)) == []


def test_shared_scale_with_explicit_groups():
    fig = _three_panels(shared=False, colorbars=0)
    a, b, c = fig.axes
    assert check_shared_scale(fig, panels=[[a], [b], [c]]) == []  # not compared with each other
    assert len(check_shared_scale(fig, panels=[[a, b], [c]])) == 1


def test_colourbar_required_once_per_shared_scale():
    [v] = check_colourbar(_three_panels(shared=True, colorbars=0))
    assert "has no colour bar" in v.message
    [v] = check_colourbar(_three_panels(shared=True, colorbars=3))
    assert "3 colour bars for one shared scale" in v.message
    assert check_colourbar(_three_panels(shared=True, colorbars=1)) == []


def test_colourbar_not_required_when_every_cell_carries_its_number():
    m = np.array([[0, 1, 2], [3, 0, 5]])
    fig, _ = _numbered_map(m)
    assert check_colourbar(fig) == []
    fig, ax = plt.subplots(figsize=(4, 3))  # a picture (photo) needs no colour bar
    ax.imshow(np.random.default_rng(0).random((8, 8)), cmap="gray", gid="convlib-picture")
    assert check_colourbar(fig) == []
    fig, ax = _numbered_map(m)
    ax.texts[-1].remove()  # one coloured cell without its number: the colours need a bar
    assert len(check_colourbar(fig)) == 1


def test_colourbar_ticks_of_counts_are_integers():
    m = np.array([[0, 1], [2, 2]])
    fig, ax = plt.subplots(figsize=(4, 3))
    fig.colorbar(ax.imshow(m), ax=ax)  # default ticks 0.00, 0.25, ... on counts
    [v] = check_colourbar_ticks(fig)
    assert "non-integer ticks" in v.message and "0.5" in v.message
    fig, _ = _numbered_map(m, colorbar=True)
    assert check_colourbar_ticks(fig) == []
    fig, ax = plt.subplots(figsize=(4, 3))
    fig.colorbar(ax.imshow(np.array([[0.0, 0.3], [0.6, 0.9]])), ax=ax)  # not counts: fractions are fine
    assert check_colourbar_ticks(fig) == []


def test_colourbar_ticks_without_exponents():
    fig, ax = plt.subplots(figsize=(4, 3))
    fig.colorbar(ax.imshow(np.array([[1e16, 2e16], [3e16, 4e16]])), ax=ax)
    assert any("offset or exponent" in v.message for v in check_colourbar_ticks(fig))


# --- empty-cells ---------------------------------------------------------------------------------


def test_empty_cells_stay_blank():
    m = np.array([[0, 1, 0], [2, 0, 3]])
    fig, _ = _numbered_map(m, blank_zeros=False)
    [v] = check_empty_cells(fig)
    assert v.count == 3
    fig, _ = _numbered_map(m, blank_zeros=True)
    assert check_empty_cells(fig) == []
    fig, ax = plt.subplots(figsize=(4, 3))  # masked cells are empty too
    ax.imshow(np.ma.masked_equal(m, 0))
    ax.text(0, 0, "0", ha="center", va="center")
    assert check_empty_cells(fig)[0].count == 1


# --- legend --------------------------------------------------------------------------------------


def _hatched(legend: bool):
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.set_xlim(0, 4)
    ax.set_ylim(0, 2)
    ax.add_patch(Rectangle((0, 0), 1, 1, facecolor=COLORS["input"], label="input"))
    ax.add_patch(Rectangle((2, 0), 1, 1, facecolor=COLORS["padding"], hatch="//", edgecolor="#8c8c8c"))
    if legend:
        ax.legend(handles=[Patch(facecolor=COLORS["input"], label="input"),
                           Patch(facecolor=COLORS["padding"], hatch="//", label="cropped")])
    return fig


def test_legend_names_every_hatch_and_fill_colour():
    found = check_legend(_hatched(legend=False))
    assert {v.message.split(":")[0] for v in found} == {"hatching without a legend entry",
                                                         "fill colour(s) without a legend entry"}
    assert any("#56B4E9" in v.message for v in found) and any("#D9D9D9" in v.message for v in found)
    assert check_legend(_hatched(legend=True)) == []


def test_legend_accepts_direct_labels():
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.set_xlim(0, 4)
    ax.set_ylim(0, 2)
    ax.add_patch(Rectangle((0, 0), 2, 1, facecolor=COLORS["input"]))
    ax.text(1, 0.5, "input", ha="center", va="center")  # a word written on the patch names it
    ax.add_patch(Rectangle((2.5, 0), 1, 1, facecolor=COLORS["output"]))
    ax.text(3, 1.5, "output", color=COLORS["output"], ha="center")  # a word in the patch's colour names it
    assert check_legend(fig) == []


def test_legend_names_coloured_lines_and_markers():
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([1], [1], marker="+", color=COLORS["highlight"])
    [v] = check_legend(fig)
    assert "line colour" in v.message and "'+'" in v.message
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([1], [1], marker="+", color=COLORS["highlight"])
    ax.legend(handles=[Line2D([], [], marker="+", color=COLORS["highlight"], linestyle="", label="centre")])
    assert check_legend(fig) == []


# --- saturation ----------------------------------------------------------------------------------


def test_saturation_needs_an_extended_bar_and_a_note():
    m = np.array([[1.0, 5.0], [50.0, 1e16]])
    fig, ax = plt.subplots(figsize=(4, 3))
    fig.colorbar(ax.imshow(m, vmin=0, vmax=100), ax=ax)
    [v] = check_saturation(fig)
    assert "no colour bar extension and no note" in v.message
    fig, ax = plt.subplots(figsize=(4, 3))
    fig.colorbar(ax.imshow(m, vmin=0, vmax=100), ax=ax, extend="max", label="colours saturate at 100")
    assert check_saturation(fig) == []
    fig, ax = plt.subplots(figsize=(4, 3))
    fig.colorbar(ax.imshow(m, vmin=0, vmax=m.max()), ax=ax)  # no saturation: nothing to say
    assert check_saturation(fig) == []


# --- palette -------------------------------------------------------------------------------------


def test_palette_allows_role_colours_and_greys_only():
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.add_patch(Rectangle((0, 0), 1, 1, facecolor="#123456"))
    ax.plot([0, 1], [0, 1], color="#9A6A00")
    [v] = check_palette(fig)
    assert v.count == 2 and "#123456" in v.message and "#9A6A00" in v.message
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.add_patch(Rectangle((0, 0), 1, 1, facecolor=COLORS["kernel"], alpha=0.4))
    ax.add_patch(Rectangle((0, 0), 1, 1, facecolor="#8c8c8c"))
    ax.plot([0, 1], [0, 1], color="#0072B2")
    assert check_palette(fig) == []


# --- the whole standard --------------------------------------------------------------------------


def test_a_figure_that_meets_every_rule():
    m = np.array([[0, 1, 2], [3, 0, 5], [1, 1, 0]])
    fig, axes = plt.subplots(1, 2, figsize=(7, 3.2), layout="constrained")
    images = []
    for ax, k in zip(axes, (1, 2)):
        images.append(ax.imshow(m * k, vmin=0, vmax=10, cmap="Blues"))
        for (r, c), v in np.ndenumerate(m * k):
            if v:
                ax.text(c, r, str(v), ha="center", va="center", fontsize=12)
        ax.set_title(f"×{k}")
    standard.integer_ticks(fig.colorbar(images[0], ax=list(axes), label="count"))
    assert check_figure(fig) == []
    assert_standard(fig)


def test_check_figure_rules_and_report():
    fig = _three_panels(shared=False, colorbars=0)
    rules = {v.rule for v in check_figure(fig)}
    assert {"shared-scale", "colourbar"} <= rules
    assert check_figure(fig, rules=["text-size"]) == []
    assert {v.rule for v in check_figure(fig, skip=["shared-scale"])} == rules - {"shared-scale"}
    with pytest.raises(ValueError, match="unknown rule"):
        check_figure(fig, rules=["no-such-rule"])
    with pytest.raises(AssertionError, match="shared-scale"):
        assert_standard(fig)
    assert set(RULES) == {"text-size", "text-fit", "text-overlap", "shared-scale", "colourbar", "colourbar-ticks",
                          "empty-cells", "legend", "saturation", "palette"}


def test_render_records_only_texts_that_are_drawn():
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.set_xlim(0, 1)
    ax.text(0.5, 0.5, "shown", fontsize=12)
    hidden = ax.text(0.5, 0.2, "hidden", fontsize=12)
    hidden.set_visible(False)
    ax.text(0.5, 0.8, "   ", fontsize=4)  # blank: not a text anyone reads
    texts = {t.text for t in render(fig).texts}
    assert "shown" in texts and "hidden" not in texts and "   " not in texts
    assert {"0.0", "1.0"} <= texts  # tick labels that are drawn


def test_notebooks_keep_figures_as_png():
    """nbval compares image/svg+xml as text (its ids change every run): notebooks carry PNG only."""
    import json  # noqa: PLC0415
    from pathlib import Path  # noqa: PLC0415

    root = Path(__file__).resolve().parent.parent
    svg, png = [], 0
    for path in sorted((root / "notebooks").glob("*.ipynb")):
        for i, cell in enumerate(json.loads(path.read_text(encoding="utf-8"))["cells"]):
            for out in cell.get("outputs", []):
                data = out.get("data", {})
                png += "image/png" in data
                if "image/svg+xml" in data:
                    svg.append(f"{path.name} cell {i}")
    assert png > 10 and not svg, f"SVG outputs in notebooks: {svg}"


def test_standard_module_examples():
    import doctest  # noqa: PLC0415

    result = doctest.testmod(standard)
    assert result.failed == 0 and result.attempted >= 5
