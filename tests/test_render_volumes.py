"""plot_kernel_volumes: the drawn boxes, labels, colours and counts against the layer's parameters."""

from __future__ import annotations

from math import cos, prod

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

import convlib  # noqa: E402
from convlib import conv_cost, conv_output_size  # noqa: E402
from convlib.render import standard  # noqa: E402
from convlib.render.volumes import (  # noqa: E402
    ANGLE,
    DEFAULTS,
    MAX_DEPTH,
    MAX_GROUPS_DRAWN,
    RECEDE,
    channel_unit,
    plot_kernel_volumes,
)
from convlib.cost import connections  # noqa: E402
from figure_standard import NOTEBOOK, Display, assert_fits_display, check_figure  # noqa: E402

CANVAS = Display(tight=False)
VARIANTS = {
    "standard": dict(kind="standard"),
    "depthwise": dict(kind="depthwise"),
    "pointwise": dict(kind="pointwise"),
    "grouped": dict(kind="grouped"),
    "depthwise 32": dict(kind="depthwise", in_channels=32, kernel_size=3, input_size=10),
    "grouped 8": dict(kind="grouped", in_channels=16, out_channels=32, groups=8),
    "standard 3x3 64->128": dict(kind="standard", in_channels=64, out_channels=128, kernel_size=3, input_size=16),
    "depthwise x2": dict(kind="depthwise", in_channels=4, out_channels=8, groups=4, kernel_size=3, input_size=6),
}


def _params(drawn):
    c = drawn.cost
    return c.in_channels, c.out_channels, c.kernel_size[0], drawn.boxes["input"].shape[0], c.groups


def _front(box):
    [front] = [p for p in box.faces if p.get_gid() == "face:front" and p.get_edgecolor()[3] > 0][:1]
    return front


def _extent(poly):
    xy = poly.get_xy()
    return xy[:, 0].max() - xy[:, 0].min(), xy[:, 1].max() - xy[:, 1].min()


def test_defaults_are_the_sources_layers():
    assert {k: _params(plot_kernel_volumes(k)) for k in DEFAULTS} == DEFAULTS
    std = plot_kernel_volumes("standard")
    assert std.boxes["output"].shape == (8, 8, 256) and std.cost.macs == 1_228_800
    assert plot_kernel_volumes("depthwise").cost.macs == 4_800
    assert plot_kernel_volumes("pointwise").cost.macs == 49_152


@pytest.mark.parametrize("name", list(VARIANTS))
def test_boxes_have_the_layers_sizes(name):
    drawn = plot_kernel_volumes(**VARIANTS[name])
    cin, cout, k, size, g = _params(drawn)
    out = conv_output_size((size, size), k)
    unit = channel_unit(cin)
    b = drawn.boxes
    assert b["input"].shape == (size, size, cin)
    assert b["output"].shape == (*out, cout)
    assert b["window"].shape == (k, k, cin // g)
    assert b["value"].shape == (1, 1, 1)
    for j in range(min(g, MAX_GROUPS_DRAWN)):
        assert b[f"kernel {j}"].shape == (k, k, cin // g)
    assert f"kernel {min(g, MAX_GROUPS_DRAWN)}" not in b
    # drawn geometry: a unit per row and column, channel_unit per channel, capped at MAX_DEPTH (and then marked)
    for key in ("input", "output"):
        rows, cols, ch = b[key].shape
        depth = ch * unit
        assert b[key].compressed == (depth > MAX_DEPTH)
        assert b[key].size == pytest.approx((cols, rows, min(depth, MAX_DEPTH)))
        w, h = _extent(_front(b[key]))
        assert (w, h) == pytest.approx((cols, rows))
        sides = [p for p in b[key].faces if p.get_gid() == "face:side"]
        receded = max(p.get_xy()[:, 0].max() for p in sides) - b[key].origin[0] - cols
        assert receded == pytest.approx(b[key].size[2] * RECEDE * cos(ANGLE))
    # window and kernels are as deep as C_in/g channels of the input, at the input's scale
    d_in = b["input"].size[2]
    assert b["window"].size[2] == pytest.approx(d_in * (cin // g) / cin)
    assert b["kernel 0"].size[2] == pytest.approx(b["window"].size[2])
    assert b["window"].origin == (0.0, size - k, 0.0)  # the top-left window, in front


@pytest.mark.parametrize("name", list(VARIANTS))
def test_groups_and_colours_show_which_input_channels_each_output_reads(name):
    drawn = plot_kernel_volumes(**VARIANTS[name])
    cin, cout, _, _, g = _params(drawn)
    pairs = {(i, o) for i_range, o_range in drawn.groups for i in i_range for o in o_range}
    assert pairs == set(connections(cin, cout, g))
    inputs = drawn.boxes["input"].colors
    outputs = drawn.boxes["output"].colors
    assert [(a, b) for a, b, _ in inputs] == [(r.start, r.stop - 1) for r, _ in drawn.groups]
    assert [(a, b) for a, b, _ in outputs] == [(r.start, r.stop - 1) for _, r in drawn.groups]
    for j in range(min(g, MAX_GROUPS_DRAWN)):
        [(_, _, kernel_colour)] = drawn.boxes[f"kernel {j}"].colors
        if g > 1:  # a group has one colour in input, kernels and output
            assert kernel_colour == inputs[j][2] == outputs[j][2]
    if g > 1:
        assert len({c for _, _, c in inputs[:MAX_GROUPS_DRAWN]}) == min(g, MAX_GROUPS_DRAWN)
    legend = [t.get_text() for t in drawn.ax.get_legend().get_texts()]
    assert legend[-1] == "one window → one output value"
    if g > 1:
        i_range, o_range = drawn.groups[0]
        assert legend[0] == f"group 0: in {i_range.start}" + (f"–{i_range.stop - 1}" if len(i_range) > 1 else "") + \
            f" → out {o_range.start}" + (f"–{o_range.stop - 1}" if len(o_range) > 1 else "")


@pytest.mark.parametrize("name", list(VARIANTS))
def test_labels_and_counts_come_from_the_parameters_and_conv_cost(name):
    kw = VARIANTS[name]
    drawn = plot_kernel_volumes(**kw)
    cin, cout, k, size, g = _params(drawn)
    texts = [t.get_text() for t in drawn.ax.texts]
    out = conv_output_size((size, size), k)
    assert f"input {size}×{size}×{cin}" in texts and f"output {out[0]}×{out[1]}×{cout}" in texts
    assert f"{k}×{k}×{cin // g}" in texts
    assert texts.count(f"× {cout // g:,}") == min(g, MAX_GROUPS_DRAWN)
    depth = f"{cout}" + (" (not to scale)" if drawn.boxes["output"].compressed else "")
    assert depth in texts and drawn.labels["output"] == (str(out[1]), str(out[0]), depth)
    cost = conv_cost(cin, cout, k, size, groups=g)
    products = k * k * cin // g
    assert drawn.texts[0].endswith(f"{products:,} products")
    assert drawn.texts[-1] == (f"MACs = {products:,} per value × {out[0]}·{out[1]} positions × {cout:,} channels "
                               f"= {cost.macs:,}")
    # and the MACs are what torch's layer does: one multiply per weight and output position
    layer = torch.nn.Conv2d(cin, cout, k, groups=g, bias=False)
    y = layer(torch.zeros(1, cin, size, size))
    assert layer.weight.numel() * y.shape[-1] * y.shape[-2] == cost.macs
    block = "\n".join(texts)
    for line in drawn.texts:
        assert line.split()[0] in block and line.split()[-1] in block


@pytest.mark.parametrize("name", list(VARIANTS))
def test_volume_figures_meet_the_figure_standard(name):
    assert_fits_display(plot_kernel_volumes(**VARIANTS[name]).figure)


def test_attribution_only_for_the_redrawn_example():
    assert standard.attribution(plot_kernel_volumes("standard").figure) == standard.ATTRIBUTIONS["separable_primer"]
    assert standard.attribution(plot_kernel_volumes("grouped").figure) == standard.ATTRIBUTIONS["group_conv_blog"]
    assert standard.attribution(plot_kernel_volumes("standard", out_channels=64).figure) is None
    assert standard.attribution(plot_kernel_volumes("standard", attribution=None).figure) is None
    assert standard.attribution(plot_kernel_volumes("grouped", groups=5, attribution="mine").figure) == "mine"


def test_draws_on_given_axes():
    fig = plt.figure(figsize=(8.4, 6.4))
    ax = fig.add_axes((0.02, 0.02, 0.96, 0.96))
    drawn = plot_kernel_volumes("depthwise", ax=ax)
    assert drawn.ax is ax and drawn.figure is fig
    assert standard.attribution(fig) == standard.ATTRIBUTIONS["separable_primer"]
    assert check_figure(fig, CANVAS) == []
    fig, axes = plt.subplots(1, 2, figsize=(16, 6))  # two side by side: too wide for the display, nothing else
    for ax, kind in zip(axes, ("depthwise", "pointwise")):
        drawn = plot_kernel_volumes(kind, ax=ax, legend=False, attribution=None)
        assert drawn.ax.get_legend() is None
    assert {v.rule for v in check_figure(fig, NOTEBOOK)} <= {"text-size", "legend"}


@pytest.mark.parametrize("kwargs,error,match", [
    (dict(kind="dilated"), ValueError, "kind='dilated'"),
    (dict(kind="grouped", groups=3), ValueError, "divisible"),
    (dict(kind="standard", kernel_size=13), ValueError, "output size"),
    (dict(kind="standard", kernel_size=(3, 5)), ValueError, "ints"),
    (dict(kind="standard", in_channels=0), ValueError, "in_channels=0"),
])
def test_bad_layers_are_named(kwargs, error, match):
    with pytest.raises(error, match=match):
        plot_kernel_volumes(**kwargs)


def test_lazy_export_and_repr():
    assert convlib.plot_kernel_volumes is plot_kernel_volumes
    drawn = plot_kernel_volumes("pointwise")
    assert repr(drawn).startswith("VolumeFigure(pointwise: pointwise 1×1 conv 3→256")
    assert repr(drawn.boxes["output"]) == "Box(output: 8×8×256, depth not to scale)"
    assert prod(drawn.cost.output_size) == 64
