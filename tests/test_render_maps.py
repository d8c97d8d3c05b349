"""Renderers of utilization maps and receptive fields: check what was drawn."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_rgb
from matplotlib.patches import Rectangle

import convlib
from convlib import Layer, progression, receptive_field, unit_utilization, utilization_map
from convlib.render.maps import plot_map, plot_map_progression, plot_receptive_field



def _texts(ax):
    return [t for t in ax.texts]


def _grid(ax, shape):
    """The annotations laid back into a matrix (text positions are the cell centres)."""
    out = np.full(shape, -1)
    for t in ax.texts:
        x, y = t.get_position()
        out[int(round(y)), int(round(x))] = int(t.get_text())
    return out


def test_plot_map_draws_the_matrix():
    m = utilization_map([1, 2, 5], size=19)
    ax = plot_map(m)
    assert isinstance(ax, plt.Axes)
    assert len(_texts(ax)) == m.size and np.array_equal(_grid(ax, m.shape), m)
    image = ax.get_images()[0]
    assert np.array_equal(image.get_array(), m)
    assert image.norm.vmin == 0 and image.norm.vmax == m.max()
    assert len(ax.figure.axes) == 2  # the map and its colour bar
    # the source's colour map: white -> blue -> red
    cmap = image.cmap
    assert [tuple(np.round(cmap(x)[:3], 1)) for x in (0.0, 0.5, 1.0)] == [(1, 1, 1), (0, 0, 1), (1, 0, 0)]
    borders = [c for c in ax.collections if c.get_label() == "cell borders"]  # one line per cell edge
    assert len(borders) == 1 and len(borders[0].get_segments()) == (m.shape[0] + 1) + (m.shape[1] + 1)


def test_plot_map_text_colour_switches_for_contrast():
    m = np.array([[0, 1, 2], [3, 4, 8]])
    ax = plot_map(m)
    colours = {int(t.get_text()): to_rgb(t.get_color()) for t in ax.texts}
    assert colours[0] == (0, 0, 0)  # on white
    assert colours[4] == (1, 1, 1)  # on blue
    assert colours[8] == (1, 1, 1)  # on red
    # the source's rule: white above a threshold
    ax = plot_map(m, threshold=3)
    colours = {int(t.get_text()): to_rgb(t.get_color()) for t in ax.texts}
    assert [v for v, c in sorted(colours.items()) if c == (1, 1, 1)] == [4, 8]


def test_plot_map_on_given_axes_and_options():
    fig, (a, b) = plt.subplots(1, 2)
    got = plot_map([1, 0, 2], ax=b, colorbar=False, annotate=False, title="line")
    assert got is b and b.get_title() == "line" and not b.texts and len(fig.axes) == 2
    assert b.get_images()[0].get_array().shape == (1, 3)  # a 1-D map is one row
    big = plot_map(utilization_map([1, 2, 5, 1, 2, 5], size=65))
    assert not big.texts  # auto: no annotations above 40 cells per side


def test_plot_map_bad_input():
    with pytest.raises(ValueError, match="must be a non-empty 1-D or 2-D array"):
        plot_map(np.zeros((2, 2, 2)))
    with pytest.raises(TypeError, match="real numbers"):
        plot_map(np.array([["a"]]))


def test_progression_one_panel_per_layer():
    axes = plot_map_progression([2, 2, 2])
    assert len(axes) == 3
    assert [ax.get_title() for ax in axes] == ["Layer 2 (r=2)", "Layer 3 (r=2)", "Layer 4 (r=2)"]
    for ax, m in zip(axes, progression([2, 2, 2])):
        assert np.array_equal(_grid(ax, m.shape), m)
    layers = [Layer(3, 2), Layer(3, 1, 0, 2)]
    axes = plot_map_progression(layers, titles=["a", "b"])
    assert [ax.get_title() for ax in axes] == ["a", "b"]
    with pytest.raises(ValueError, match="titles has 1 entries but there are 2 panels"):
        plot_map_progression(layers, titles=["a"])


def test_progression_of_given_maps_on_given_axes():
    maps = progression([1, 2, 3])
    fig, row = plt.subplots(1, 3)
    axes = plot_map_progression(maps, axes=row, annotate=False)
    assert list(axes) == list(row)
    assert [np.array_equal(ax.get_images()[0].get_array(), m) for ax, m in zip(row, maps)] == [True] * 3
    with pytest.raises(ValueError, match="axes has 2 entries but there are 3 panels"):
        plot_map_progression(maps, axes=row[:2])


def _boxes(ax):
    return [p for p in ax.patches if isinstance(p, Rectangle) and not p.get_fill()]


def test_receptive_field_overlay_inside_the_input():
    layers = [(3, 1, 1), (2, 2, 0), (3, 1, 1, 2)]
    ax = plot_receptive_field(layers, 16, position=(3, 3))
    (box,) = _boxes(ax)
    (r0, c0), (r1, c1) = receptive_field(layers).field((3, 3))
    assert (box.get_x(), box.get_y(), box.get_width(), box.get_height()) == (c0 - 0.5, r0 - 0.5, c1 - c0 + 1, r1 - r0 + 1)
    counts = unit_utilization(layers, (16, 16), (3, 3))
    assert len(ax.texts) == int((counts > 0).sum())
    assert np.array_equal(_grid(ax, counts.shape).clip(0), counts)
    assert not [p for p in ax.patches if p.get_hatch()]  # no padding inside this field
    assert ax.get_title() == "output unit (3, 3): receptive field 12×12"


def test_receptive_field_overlay_reaching_into_padding():
    layers = [(3, 1, 1), (2, 2, 0), (3, 1, 1, 2)]
    ax = plot_receptive_field(layers, 12, position=(0, 2))
    (r0, c0), (r1, c1) = receptive_field(layers).field((0, 2))
    box_cells = {(y, x) for y in range(r0, r1 + 1) for x in range(c0, c1 + 1)}
    outside = {(y, x) for y, x in box_cells if not (0 <= y < 12 and 0 <= x < 12)}
    hatched = {(int(p.get_y() + 0.5), int(p.get_x() + 0.5)) for p in ax.patches if p.get_hatch()}
    assert hatched == outside and len(outside) > 0
    assert ax.get_ylim()[1] == r0 - 0.5  # the view shows the padding rows above the image


def test_receptive_field_overlay_one_d_and_transposed():
    ax = plot_receptive_field([(3, 1, 1), (2, 2, 0)], (10,), position=2)
    assert ax.get_title() == "output unit 2: receptive field 4"
    ax = plot_receptive_field([Layer(3, 2, 1, kind="transposed")], (6,), position=3)
    assert not _boxes(ax) and "no closed form" in ax.get_title()
    assert len(ax.texts) == int((unit_utilization([Layer(3, 2, 1, kind="transposed")], (6,), 3) > 0).sum())


def test_renderers_leave_rcparams_alone():
    before = dict(matplotlib.rcParams)
    plot_map(utilization_map([1, 2]))
    plot_map_progression([1, 2])
    plot_receptive_field([(3, 1, 1)], 5)
    assert dict(matplotlib.rcParams) == before


def test_lazy_top_level_names():
    assert convlib.plot_map is plot_map
    assert convlib.plot_map_progression is plot_map_progression
    assert convlib.plot_receptive_field is plot_receptive_field
