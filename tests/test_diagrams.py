"""Every diagram renderer checked against what it drew (and torch where it applies).

Each test inspects the returned record *and* the matplotlib artists on the axes
(rectangles per colour, texts, image arrays), so a renderer that computes the
right sets but draws something else fails too.
"""

from __future__ import annotations

import re
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

from convlib.cost import conv_cost, separable_cost  # noqa: E402
from convlib.render import (  # noqa: E402
    plot_checkerboard,
    plot_conv_step,
    plot_dilated_kernel,
    plot_overlap,
    plot_separable_wiring,
    plot_sparse_vs_dense,
    plot_transposed,
    plot_transposed_scatter,
    plot_wiring,
)
from convlib.dilated import sample_image, sparse_vs_dense  # noqa: E402
from convlib.spec import ConvSpec, classic_set  # noqa: E402
from convlib.style import COLORS  # noqa: E402




def cells_by_color(ax, origin=None):
    """Map hex colour -> list of (x, y) lower-left corners of the rectangles drawn in collections."""
    out: dict[str, list[tuple[float, float]]] = {}
    for coll in ax.collections:
        faces = coll.get_facecolor()
        for k, path in enumerate(coll.get_paths()):
            if len(faces) == 0:
                continue
            color = to_hex(faces[k % len(faces)][:3])
            x0, y0 = path.vertices.min(axis=0)
            out.setdefault(color, []).append((round(float(x0), 3), round(float(y0), 3)))
    return out


def torch_read_cells(spec: ConvSpec, pos):
    """Cells of the padded input one output value depends on (autograd), padded coordinates."""
    grid = torch.zeros(spec.grid().shape, dtype=torch.float64, requires_grad=True)
    y = F.conv2d(grid[None, None], torch.ones((1, 1, *spec.kernel_size), dtype=torch.float64),
                 stride=spec.stride, dilation=spec.dilation)
    y[0, 0][pos].backward()
    return {tuple(int(v) for v in idx) for idx in torch.nonzero(grid.grad)}, tuple(y.shape[2:])


# ------------------------------------------------------------------ conv step
@pytest.mark.parametrize("name", [n for n in classic_set() if not n.endswith("_transposed")])
def test_conv_step_highlights_the_taps_torch_reads(name):
    spec = classic_set()[name]
    pos = spec.positions()[len(spec.positions()) // 2]
    d = plot_conv_step(spec, pos)
    read, out_shape = torch_read_cells(spec, pos)
    assert d.tap_cells == read
    assert d.output_shape == out_shape
    assert d.position == pos and len(d.done_cells) == spec.positions().index(pos)
    # what is on the axes: one kernel square per tap, one output cell per output position
    drawn = cells_by_color(d.ax)
    assert len(drawn[to_hex(COLORS["kernel"])]) == spec.kernel_size[0] * spec.kernel_size[1]
    assert len(drawn["#ffffff"]) == out_shape[0] * out_shape[1]  # the output grid
    assert len(drawn.get(to_hex(COLORS["output"]), [])) == len(d.done_cells)  # cells already produced
    assert len(drawn[to_hex(COLORS["highlight"])]) == 1  # the one being produced
    pad = spec.padding
    n_pad = (spec.input_size[0] + 2 * pad[0]) * (spec.input_size[1] + 2 * pad[1]) - spec.input_size[0] * spec.input_size[1]
    assert len(drawn.get(to_hex(COLORS["padding"]), [])) == n_pad == len(d.padding_cells)
    assert len(drawn[to_hex(COLORS["input"])]) == spec.input_size[0] * spec.input_size[1]


def test_dilated_step_shows_holes():
    d = plot_conv_step(classic_set()["dilation"], 0)
    assert len(d.tap_cells) == 9 and len(d.hole_cells) == 25 - 9
    assert d.tap_cells.isdisjoint(d.hole_cells)


def test_conv_step_numbers_are_torch_outputs():
    spec = ConvSpec(5, 3, stride=2, padding=1)
    x = np.arange(25.0).reshape(5, 5)
    w = np.array([[1.0, 0, -1], [2, 0, -2], [1, 0, -1]])
    d = plot_conv_step(spec, 5, x=x, weight=w)
    ref = F.conv2d(torch.tensor(x)[None, None], torch.tensor(w)[None, None], stride=2, padding=1)[0, 0].numpy()
    assert set(d.output_numbers) == set(spec.positions()[:6])
    for cell, text in d.output_numbers.items():
        assert float(text) == pytest.approx(ref[cell])
    texts = {t.get_text() for t in d.ax.texts}
    assert {d.output_numbers[c] for c in d.output_numbers} <= texts
    assert len(d.kernel_numbers) == 9 and set(d.kernel_numbers) == d.tap_cells


@pytest.mark.parametrize("name", [n for n in classic_set() if n.endswith("_transposed")])
def test_transposed_as_direct_conv_zeros_and_padding(name):
    spec = classic_set()[name]
    d = plot_conv_step(spec, 0)
    (s0, s1), (ih, iw) = spec.stride, spec.input_size
    k_eff = spec.effective_kernel_size
    near = (k_eff[0] - 1 - spec.padding[0], k_eff[1] - 1 - spec.padding[1])
    dil = ((ih - 1) * s0 + 1, (iw - 1) * s1 + 1)
    assert d.grid_shape == (dil[0] + 2 * near[0] + spec.output_padding[0], dil[1] + 2 * near[1] + spec.output_padding[1])
    assert len(d.zero_cells) == dil[0] * dil[1] - ih * iw
    assert len(d.input_cells) == ih * iw
    # the drawn cells, read as a stride-1 conv with the flipped kernel, give torch's transposed conv
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal(spec.input_size), rng.standard_normal(spec.kernel_size)
    grid = spec.grid().values(x)
    direct = F.conv2d(torch.tensor(grid)[None, None], torch.tensor(w[::-1, ::-1].copy())[None, None],
                      dilation=spec.dilation)[0, 0].numpy()
    ref = F.conv_transpose2d(torch.tensor(x)[None, None], torch.tensor(w)[None, None],
                             **spec.torch_kwargs())[0, 0].numpy()
    np.testing.assert_allclose(direct, ref, atol=1e-12)
    assert d.output_shape == ref.shape
    drawn = cells_by_color(d.ax)
    assert len(drawn.get(to_hex(COLORS["zeros"]), [])) == len(d.zero_cells)


# ------------------------------------------------------------------ scatter
@pytest.mark.parametrize("name", ["padding_strides_transposed", "padding_strides_odd_transposed",
                                  "no_padding_strides_transposed", "dilation_transposed"])
def test_scatter_stamps_and_final_counts_equal_torch(name):
    spec = classic_set()[name]
    n = spec.input_size[0] * spec.input_size[1]
    last = plot_transposed_scatter(spec, n - 1)
    ones = F.conv_transpose2d(torch.ones(1, 1, *spec.input_size, dtype=torch.float64),
                              torch.ones(1, 1, *spec.kernel_size, dtype=torch.float64), **spec.torch_kwargs())
    np.testing.assert_array_equal(last.output_counts, ones[0, 0].numpy())
    # one pixel's stamp = where torch's output depends on that pixel (shifted by the crop)
    pix = (spec.input_size[0] // 2, spec.input_size[1] // 2)
    d = plot_transposed_scatter(spec, pix)
    x = torch.zeros(1, 1, *spec.input_size, dtype=torch.float64)
    x[0, 0][pix] = 1.0
    y = F.conv_transpose2d(x, torch.ones(1, 1, *spec.kernel_size, dtype=torch.float64), **spec.torch_kwargs())
    kept = {(r - d.crop[0], c - d.crop[1]) for r, c in d.stamp_cells} & set(np.ndindex(*spec.output_size))
    assert kept == {tuple(int(v) for v in idx) for idx in torch.nonzero(y[0, 0])}
    drawn = cells_by_color(d.ax)
    assert len(drawn[to_hex(COLORS["highlight"])]) == 1  # the pixel being stamped
    assert d.counts.sum() == spec.kernel_size[0] * spec.kernel_size[1] * (spec.input_size[1] * pix[0] + pix[1] + 1)
    numbers = {t.get_text() for t in d.ax.texts}
    assert set(d.count_numbers.values()) <= numbers


def test_plot_transposed_two_views():
    spec = classic_set()["padding_strides"]
    fig = plot_transposed(spec, position=3, pixel=2)  # a direct spec is replaced by its transpose
    assert fig.direct.spec == spec.transpose() == fig.scatter.spec
    assert len(fig.figure.axes) == 2
    assert fig.direct.position == (0, 3) and fig.scatter.pixel == (0, 2)


# ------------------------------------------------------------------ dilated kernel
@pytest.mark.parametrize("k,d", [(3, 2), (3, 3), ((2, 3), (3, 1)), (5, 2)])
def test_dilated_kernel_zero_filled_equals_torch_dilation(k, d):
    r = plot_dilated_kernel(k, d)
    kk = r.kernel_size
    rng = np.random.default_rng(1)
    x = torch.tensor(rng.standard_normal((1, 1, 12, 13)))
    w = torch.tensor(r.weights)[None, None]
    dilated = F.conv2d(x, w, dilation=r.dilation)
    filled = F.conv2d(x, torch.tensor(r.filled)[None, None])
    np.testing.assert_allclose(dilated.numpy(), filled.numpy(), atol=1e-12)
    eff = tuple(dd * (n - 1) + 1 for n, dd in zip(kk, r.dilation))
    assert r.effective_size == eff == r.filled.shape
    assert len(r.tap_cells) == kk[0] * kk[1] and len(r.zero_cells) == eff[0] * eff[1] - kk[0] * kk[1]
    assert f"= {eff[0]}" in r.ax.get_title()
    drawn = cells_by_color(r.ax)
    assert len(drawn[to_hex(COLORS["kernel"])]) == 2 * kk[0] * kk[1]  # the kernel and its taps
    assert len(drawn.get(to_hex(COLORS["zeros"]), [])) == len(r.zero_cells)


# ------------------------------------------------------------------ checkerboard
def torch_stack(input_size, k, s, p, layers):
    x = torch.ones(1, 1, *input_size, dtype=torch.float64)
    conv = F.conv_transpose2d if len(input_size) == 2 else F.conv_transpose1d
    w = torch.ones(1, 1, *([k] * len(input_size)), dtype=torch.float64)
    maps = []
    for _ in range(layers):
        x = conv(x, w, stride=s, padding=p)
        maps.append(x[0, 0].numpy())
    return maps


def torch_resize_conv(input_size, k, scale, layers):
    x = torch.ones(1, 1, *input_size, dtype=torch.float64)
    nd = len(input_size)
    w = torch.ones(1, 1, *([k] * nd), dtype=torch.float64)
    conv = F.conv2d if nd == 2 else F.conv1d
    for _ in range(layers):
        x = F.interpolate(x, scale_factor=scale, mode="nearest")
        with warnings.catch_warnings():  # torch notes that an even kernel needs a padded copy
            warnings.simplefilter("ignore", UserWarning)
            x = conv(x, w, padding="same")
    return x[0, 0].numpy()


@pytest.mark.parametrize("k,s,p,layers,size", [(3, 2, 0, 1, (4, 4)), (3, 2, 1, 2, (3, 3)), (4, 2, 1, 1, (5, 5)),
                                               (5, 3, 0, 2, (9,)), (4, 2, 1, 3, (8,))])
def test_checkerboard_panels_equal_torch(k, s, p, layers, size):
    input_size = size if len(size) == 2 else size[0]
    fig = plot_checkerboard(k, s, input_size=input_size, layers=layers, padding=p)
    refs = torch_stack(size, k, s, p, layers)
    assert len(fig.figure.axes) == layers + 1
    for plot, ref in zip(fig.layers, refs):
        np.testing.assert_array_equal(plot.counts, ref)
        if len(size) == 2:
            np.testing.assert_array_equal(np.asarray(plot.ax.images[0].get_array()), ref)
        else:
            heights = [bar.get_height() for bar in plot.ax.patches]
            np.testing.assert_array_equal(heights, ref)
        if plot.texts:
            assert [float(v) for v in plot.texts.values()] == [float(v) for v in ref.ravel()]
    np.testing.assert_array_equal(fig.resize.counts, torch_resize_conv(size, k, s, layers))
    assert fig.layers[-1].even is (k % s == 0)
    assert fig.resize.even is True
    title = fig.layers[-1].ax.get_title()
    assert ("uneven" in title) is (k % s != 0)


def test_plot_overlap_rejects_bad_maps():
    with pytest.raises(ValueError, match="1-D or 2-D"):
        plot_overlap(np.ones((2, 2, 2)))


# ------------------------------------------------------------------ wiring
def torch_connections(cin, cout, groups):
    conv = torch.nn.Conv2d(cin, cout, 1, groups=groups, bias=False)
    with torch.no_grad():
        conv.weight.fill_(1.0)
    pairs = set()
    for c in range(cin):
        x = torch.zeros(1, cin, 1, 1)
        x[0, c] = 1.0
        y = conv(x)[0, :, 0, 0]
        pairs |= {(c, int(o)) for o in torch.nonzero(y).ravel()}
    return pairs


def numbers_in(texts):
    return {int(n.replace(",", "")) for t in texts for n in re.findall(r"\d[\d,]*", t)}


@pytest.mark.parametrize("cin,cout,groups", [(8, 6, 2), (6, 6, 6), (4, 8, 1), (12, 12, 4), (3, 6, 3)])
def test_wiring_edges_and_counts_match_torch(cin, cout, groups):
    w = plot_wiring(cin, cout, groups, kernel_size=3, input_size=10)
    assert w.edges[0] == torch_connections(cin, cout, groups)
    assert not w.summarized
    lines = [line for line in w.ax.get_lines()]
    assert len(lines) == len(w.edges[0])  # one drawn line per connection
    module = torch.nn.Conv2d(cin, cout, 3, groups=groups)
    params = sum(p.numel() for p in module.parameters())
    y = torch.nn.functional.pad(torch.ones(1, cin, 10, 10), [0, 0, 0, 0])
    macs = int(F.conv2d(y, torch.ones_like(module.weight), groups=groups).sum())
    drawn_text = "\n".join(t.get_text() for t in w.ax.texts)
    assert f"{params:,} parameters" in drawn_text and f"= {macs:,}" in drawn_text
    assert {params, macs} <= numbers_in(w.texts)


def test_wiring_big_channel_counts_are_summarised():
    w = plot_wiring(256, 256, 32, input_size=12)
    assert w.summarized and w.edges == (frozenset(),)
    assert w.blocks[0] == {(0, 0), (1, 1), (2, 2), (31, 31)}  # three groups, "⋮", the last one
    text = "\n".join(t.get_text() for t in w.ax.texts)
    assert "28 more groups" in text
    c = conv_cost(256, 256, 3, 12, groups=32)
    assert f"{c.params:,} parameters" in text and f"{c.macs:,}" in text


def test_separable_wiring_source_example():
    w = plot_separable_wiring(3, 8, 5, input_size=12, bias=False)
    dw, pw = w.edges
    assert dw == torch_connections(3, 3, 3) and pw == torch_connections(3, 8, 1)
    text = "\n".join(t.get_text() for t in w.ax.texts)
    sep = separable_cost(3, 8, 5, 12, bias=False)
    assert f"{sep.depthwise.macs:,}" in text and f"{sep.pointwise.macs:,}" in text and f"{sep.macs:,}" in text
    big = plot_separable_wiring(3, 256, 5, input_size=12, bias=False)
    assert big.summarized
    big_text = "\n".join(t.get_text() for t in big.ax.texts)
    for n in ("4,800", "49,152", "53,952", "1,228,800"):
        assert n in big_text


def test_wiring_refuses_indivisible_groups():
    with pytest.raises(ValueError, match=r"in_channels=10 must be divisible by groups=3"):
        plot_wiring(10, 6, 3)


# ------------------------------------------------------------------ dense
def test_sparse_vs_dense_equals_torch_on_the_real_image():
    img = sample_image(96)
    assert img.ndim == 2 and max(img.shape) == 96 and img.std() > 0.1  # a real photograph, not a constant
    res = sparse_vs_dense(img, rate=2)
    k = res.kernel
    x = torch.tensor(res.image)[None, None]
    pad = (k.shape[0] - 1) // 2 * 2
    dense = F.conv2d(F.pad(x, [pad, 2 * (k.shape[1] - 1) - pad, pad, 2 * (k.shape[0] - 1) - pad]),
                     torch.tensor(k)[None, None], dilation=2)[0, 0].numpy()
    np.testing.assert_allclose(res.dense, dense, atol=1e-12)
    small = torch.tensor(res.image[::2, ::2].copy())[None, None]
    sparse = F.conv2d(small, torch.tensor(k)[None, None], padding="same")[0, 0].numpy()
    np.testing.assert_allclose(res.sparse, sparse, atol=1e-12)
    np.testing.assert_allclose(res.dense[::2, ::2], res.sparse, atol=1e-12)
    assert res.max_difference < 1e-12
    assert res.sparse_upsampled.shape == res.dense.shape == res.image.shape


def test_plot_sparse_vs_dense_draws_the_computed_arrays():
    res = sparse_vs_dense(sample_image(64), rate=2)
    fig = plot_sparse_vs_dense(res)
    top = fig.axes[:3]
    np.testing.assert_array_equal(np.asarray(top[0].images[0].get_array()), res.image)
    np.testing.assert_array_equal(np.asarray(top[1].images[0].get_array()), res.sparse_upsampled)
    np.testing.assert_array_equal(np.asarray(top[2].images[0].get_array()), res.dense)
    assert len(fig.axes) == 6 and "rate 2" in top[2].get_title()
    assert len(plot_sparse_vs_dense(res, zoom=False).axes) == 3


def test_renderers_draw_on_given_axes_and_leave_rcparams_alone():
    before = dict(matplotlib.rcParams)
    fig, axes = plt.subplots(1, 3)
    assert plot_conv_step(ConvSpec(4, 3), ax=axes[0]).ax is axes[0]
    assert plot_dilated_kernel(3, 2, ax=axes[1]).ax is axes[1]
    assert plot_wiring(4, 4, 2, ax=axes[2]).ax is axes[2]
    assert len(plt.get_fignums()) == 1
    assert dict(matplotlib.rcParams) == before
