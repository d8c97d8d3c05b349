"""Receptive-field growth plots (convlib.render.growth), checked against known closed
forms and against torch (output sizes; the support of one unit found by autograd)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from convlib.render.growth import growth_table, plot_receptive_field_growth


def _torch_support(layers, size):
    """Side of the input support of the middle output unit of a 1-D conv stack (weights 1)."""
    mods = [nn.Conv1d(1, 1, k, s, p, d, bias=False, dtype=torch.float64) for k, s, p, d in layers]
    for m in mods:
        nn.init.ones_(m.weight)
    x = torch.ones(1, 1, size, dtype=torch.float64, requires_grad=True)
    y = nn.Sequential(*mods)(x)
    y[0, 0, y.shape[-1] // 2].backward()
    idx = torch.nonzero(x.grad[0, 0]).flatten()
    return int(idx.max() - idx.min() + 1), int(y.shape[-1])


def test_known_growth_laws():
    n = 6
    table = growth_table(
        {
            "plain": [(3, 1, 1)] * n,
            "dilated": [(3, 1, 2**i, 2**i) for i in range(n)],
            "strided": [(3, 2, 1)] * n,
        }
    )
    assert table["plain"]["size"] == [2 * i + 1 for i in range(n + 1)]
    assert table["dilated"]["size"] == [2 ** (i + 1) - 1 for i in range(n + 1)]
    assert table["strided"]["size"] == [2 ** (i + 1) - 1 for i in range(n + 1)]


@settings(max_examples=25)
@given(
    st.lists(
        st.tuples(st.integers(1, 4), st.integers(1, 3), st.integers(0, 2), st.integers(1, 3)),
        min_size=1,
        max_size=4,
    )
)
def test_sizes_match_torch(layers):
    layers = [(k, s, min(p, (d * (k - 1)) // 2), d) for k, s, p, d in layers]
    size = 400  # large enough that the middle unit's field never touches a border
    table = growth_table({"s": layers}, input_size=size)["s"]
    torch_rf, torch_out = _torch_support(layers, size)
    assert table["size"][-1] == torch_rf
    assert table["map_size"][-1] == torch_out


def test_plot_draws_the_table():
    stacks = {"plain": [(3, 1, 1)] * 4, "strided": [(3, 2, 1)] * 4}
    g = plot_receptive_field_growth(stacks, input_size=64, log=True)
    try:
        assert set(g.lines) == {"plain", "strided"}
        for label, line in g.lines.items():
            assert list(line.get_ydata()) == g.table[label]["size"]
            assert list(line.get_xdata()) == list(range(5))
        assert list(g.map_lines["strided"].get_ydata()) == [64, 32, 16, 8, 4]
        assert g.ax.get_yscale() == "log"
    finally:
        plt.close("all")


def test_plot_on_given_axes():
    fig, ax = plt.subplots()
    try:
        g = plot_receptive_field_growth({"a": [(5, 1, 2)]}, ax=ax, title=None, annotate=False)
        assert g.ax is ax and g.map_ax is None
        assert np.array_equal(g.lines["a"].get_ydata(), [1, 5])
    finally:
        plt.close(fig)


def test_bad_input():
    with pytest.raises(TypeError, match="stacks="):
        growth_table([(3, 1, 1)])
    with pytest.raises(ValueError, match="input_size=0"):
        growth_table({"a": [(3, 1, 1)]}, input_size=0)
    with pytest.raises(ValueError, match="stack 'a': layer 2"):
        growth_table({"a": [(3, 2, 0), (3, 2, 0)]}, input_size=5)


def test_growth_table_reads_the_first_axis_of_per_dimension_layers_and_checks_input_size():
    from convlib import Layer, growth_table

    table = growth_table({"2-D": [Layer((3, 5), (2, 1), (1, 2))] * 2}, input_size=9)["2-D"]
    assert table["size"] == [1, 3, 7] and table["map_size"] == [9, 5, 3]
    with pytest.raises(ValueError, match=r"^input_size=0 must be a positive integer"):
        growth_table({"a": [(3, 1, 1)]}, input_size=0)
