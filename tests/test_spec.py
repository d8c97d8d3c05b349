"""convlib.spec: the declarative diagram spec, its geometry and the classic set — torch is the oracle."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, note
from hypothesis import strategies as st

from convlib.spec import ConvSpec, classic_set



def _config(seed: int, transposed: bool) -> dict:
    rng = np.random.default_rng(seed)
    pair = lambda low, high: tuple(int(v) for v in rng.integers(low, high + 1, size=2))  # noqa: E731
    cfg = dict(input_size=pair(1, 7), kernel_size=pair(1, 4), stride=pair(1, 3), padding=pair(0, 3),
               dilation=pair(1, 3), transposed=transposed, output_padding=pair(0, 2) if transposed else (0, 0))
    note(f"config: {cfg}")
    return cfg


def _torch(cfg, x, w):
    xt = torch.tensor(x, dtype=torch.float64)[None, None]
    wt = torch.tensor(w, dtype=torch.float64)[None, None]
    kw = dict(stride=cfg["stride"], padding=cfg["padding"], dilation=cfg["dilation"])
    if cfg["transposed"]:
        return F.conv_transpose2d(xt, wt, output_padding=cfg["output_padding"], **kw)[0, 0].numpy()
    return F.conv2d(xt, wt, **kw)[0, 0].numpy()


def _spec_or_none(cfg):
    """(spec, None) when convlib accepts, (None, error) when it refuses."""
    try:
        return ConvSpec(**cfg), None
    except ValueError as exc:
        return None, exc


@given(st.integers(0, 2**32 - 1), st.booleans())
def test_spec_accepts_exactly_what_torch_accepts_and_sizes_agree(seed, transposed):
    cfg = _config(seed, transposed)
    x = np.ones(cfg["input_size"])
    w = np.ones(cfg["kernel_size"])
    try:
        ref = _torch(cfg, x, w)
        if ref.size == 0:  # torch returns an empty output for some transposed settings instead of raising
            raise RuntimeError("empty output")
    except RuntimeError:
        spec, err = _spec_or_none(cfg)
        assert spec is None, f"torch refuses {cfg} but ConvSpec accepted it"
        assert re.search(r"output size would be|output_padding=", str(err))
        return
    spec, err = _spec_or_none(cfg)
    assert err is None, f"torch accepts {cfg} but ConvSpec said: {err}"
    assert spec.output_size == ref.shape
    assert len(spec.positions()) == ref.size


@given(st.integers(0, 2**32 - 1), st.booleans())
def test_sliding_the_kernel_over_the_drawn_grid_equals_torch(seed, transposed):
    """grid() (padding, inserted zeros, far padding) + taps() at every position reproduce torch's numbers."""
    cfg = _config(seed, transposed)
    spec, err = _spec_or_none(cfg)
    if spec is None:
        return
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(spec.input_size)
    w = rng.standard_normal(spec.kernel_size)
    np.testing.assert_allclose(spec.apply(x, w), _torch(cfg, x, w), rtol=1e-10, atol=1e-12)


@given(st.integers(0, 2**32 - 1))
def test_taps_are_the_cells_torch_reads(seed):
    """Autograd support of one output value, in padded-grid coordinates, equals taps(position)."""
    cfg = _config(seed, False)
    spec, _ = _spec_or_none(cfg)
    if spec is None:
        return
    pos = spec.positions()[seed % len(spec.positions())]
    grid = torch.zeros(spec.grid().shape, dtype=torch.float64, requires_grad=True)
    y = F.conv2d(grid[None, None], torch.ones((1, 1, *spec.kernel_size), dtype=torch.float64),
                 stride=spec.stride, dilation=spec.dilation)
    y[0, 0][pos].backward()
    read = {tuple(int(v) for v in idx) for idx in torch.nonzero(grid.grad)}
    assert set(spec.taps(pos)) == read
    g = spec.grid()
    assert g.shape == tuple(n + 2 * p for n, p in zip(spec.input_size, spec.padding))
    assert len(g.input_cells) == spec.input_size[0] * spec.input_size[1]


@given(st.integers(0, 2**32 - 1))
def test_scatter_stamps_add_up_to_torch_overlap_counts(seed):
    cfg = _config(seed, True)
    spec, _ = _spec_or_none(cfg)
    if spec is None:
        return
    canvas = spec.canvas()
    counts = np.zeros(canvas.shape)
    for a in range(spec.input_size[0]):
        for b in range(spec.input_size[1]):
            for cell in spec.stamps((a, b)):
                counts[cell] += 1
    (h, w), (ph, pw) = spec.output_size, canvas.crop
    ref = _torch(cfg, np.ones(spec.input_size), np.ones(spec.kernel_size))
    np.testing.assert_array_equal(counts[ph : ph + h, pw : pw + w], ref)
    # what the scatter diagram writes: the same stamps, counted by conv_transpose2d
    np.testing.assert_array_equal(spec.stamp_counts(), counts)
    first = np.zeros(canvas.shape)
    for cell in spec.stamps(0):
        first[cell] += 1
    np.testing.assert_array_equal(spec.stamp_counts(1), first)
    assert not spec.stamp_counts(0).any()
    assert len(canvas.kept_cells) == h * w
    assert len(canvas.kept_cells) + len(canvas.cropped_cells) == canvas.shape[0] * canvas.shape[1]


@given(st.integers(0, 2**32 - 1))
def test_transpose_restores_the_input_size_like_torch(seed):
    cfg = _config(seed, False)
    spec, _ = _spec_or_none(cfg)
    if spec is None:
        return
    t = spec.transpose()
    assert t.transposed and t.input_size == spec.output_size and t.output_size == spec.input_size
    x = torch.zeros(1, 1, *spec.output_size)
    y = F.conv_transpose2d(x, torch.zeros(1, 1, *spec.kernel_size), stride=spec.stride, padding=spec.padding,
                           output_padding=t.output_padding, dilation=spec.dilation)
    assert tuple(y.shape[2:]) == spec.input_size
    back = t.transpose()
    assert back == ConvSpec(spec.input_size, spec.kernel_size, spec.stride, spec.padding, spec.dilation)


# vdumoulin/conv_arithmetic bin/generate_makefile: (name, input, output, padding, kernel, stride) of the
# direct convolution; its "_transposed" animation is the transposed convolution of that convolution.
CONV_ARITHMETIC = [
    ("no_padding_no_strides", 4, 2, 0, 3, 1),
    ("arbitrary_padding_no_strides", 5, 6, 2, 4, 1),
    ("same_padding_no_strides", 5, 5, 1, 3, 1),
    ("full_padding_no_strides", 5, 7, 2, 3, 1),
    ("no_padding_strides", 5, 2, 0, 3, 2),
    ("padding_strides", 5, 3, 1, 3, 2),
    ("padding_strides_odd", 6, 3, 1, 3, 2),
]


@pytest.mark.parametrize("name,i,o,p,k,s", CONV_ARITHMETIC)
def test_classic_set_matches_conv_arithmetic(name, i, o, p, k, s):
    specs = classic_set()
    direct, transposed = specs[name], specs[name + "_transposed"]
    assert (direct.input_size, direct.output_size, direct.padding, direct.kernel_size, direct.stride) == (
        (i, i), (o, o), (p, p), (k, k), (s, s))
    assert transposed.transposed and transposed.input_size == (o, o) and transposed.output_size == (i, i)


def test_classic_set_dilation_and_size():
    specs = classic_set()
    assert len(specs) == 16
    d = specs["dilation"]
    assert (d.input_size, d.kernel_size, d.dilation, d.output_size) == ((7, 7), (3, 3), (2, 2), (3, 3))
    assert specs["dilation_transposed"].output_size == (7, 7)
    assert specs["padding_strides_odd_transposed"].output_padding == (1, 1)
    # the odd-input transposed figure: zeros between pixels, padding 1 near and 2 far
    g = specs["padding_strides_odd_transposed"].grid()
    assert (g.near, g.far, g.shape) == ((1, 1), (2, 2), (8, 8))
    assert len(g.zero_cells) == 5 * 5 - 3 * 3


def test_negative_equivalent_padding_crops():
    """padding > d(k-1): the equivalent direct convolution crops the zero-inserted input."""
    spec = ConvSpec(5, 3, stride=2, padding=3, transposed=True)
    g = spec.grid()
    assert g.near == (-1, -1) and g.shape == (7, 7)
    x = np.arange(25.0).reshape(5, 5)
    w = np.arange(9.0).reshape(3, 3)
    cfg = dict(stride=(2, 2), padding=(3, 3), dilation=(1, 1), transposed=True, output_padding=(0, 0))
    np.testing.assert_allclose(spec.apply(x, w), _torch(cfg, x, w))


def _evaluate(formula: str) -> int:
    _, _symbols, rhs, _result = formula.split(" = ")
    expr = rhs.replace("⌊", "(").replace("⌋", ")").replace("·", "*").replace("−", "-").replace(") / ", ") // ")
    return int(eval(expr, {"__builtins__": {}}))  # noqa: S307 - our own formula text


@given(st.integers(0, 2**32 - 1), st.booleans())
def test_filled_in_formula_evaluates_to_torch_size(seed, transposed):
    cfg = _config(seed, transposed)
    spec, _ = _spec_or_none(cfg)
    if spec is None:
        return
    for dim in (0, 1):
        text = spec.formula(dim)
        assert _evaluate(text) == spec.output_size[dim] == int(text.rsplit("= ", 1)[1])


@pytest.mark.parametrize(
    "kwargs,exc,match",
    [
        (dict(input_size=5, kernel_size=3, stride=0), ValueError, r"stride=0 must be a positive integer"),
        (dict(input_size=5, kernel_size=3, padding=-1), ValueError, r"padding=-1 must be a non-negative integer \(>= 0\)"),
        (dict(input_size=5, kernel_size=0), ValueError, r"kernel_size=0"),
        (dict(input_size=2, kernel_size=5), ValueError, r"output size would be -2 < 1"),
        (dict(input_size=5, kernel_size=3, output_padding=1), ValueError, r"only applies to a transposed"),
        (dict(input_size=5, kernel_size=3, stride=2, output_padding=2, transposed=True), ValueError,
         r"output_padding=2 must be smaller than either stride=2 or dilation=1"),
        (dict(input_size=5.0, kernel_size=3), TypeError, r"input_size=5.0"),
        (dict(input_size=5, kernel_size=3, transposed="yes"), TypeError, r"transposed='yes' must be True or False"),
        (dict(input_size=(5, 5, 5), kernel_size=3), ValueError, r"input_size=\(5, 5, 5\)"),
    ],
)
def test_bad_specs_are_refused_with_the_rule(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        ConvSpec(**kwargs)


def test_positions_and_errors():
    spec = ConvSpec(5, 3, stride=2, padding=1)
    assert spec.position(4) == (1, 1) == spec.position((1, 1))
    with pytest.raises(ValueError, match=r"position=9 must be in range\(0, 9\)"):
        spec.position(9)
    with pytest.raises(ValueError, match="inside the 3×3 output"):
        spec.position((3, 0))
    with pytest.raises(ValueError, match="transposed specs only"):
        spec.canvas()
    with pytest.raises(ValueError, match="transposed specs only"):
        spec.equivalent()
    assert spec.describe() == "5×5 input, 3×3 kernel, stride 2, padding 1 → 3×3 output"
    assert ConvSpec((4, 6), (3, 1), stride=(1, 2)).describe() == "4×6 input, 3×1 kernel, stride (1, 2) → 2×3 output"


def test_spec_is_a_layer_plus_an_input_size():
    from convlib import Layer

    spec = ConvSpec(6, 3, stride=2, padding=1, dilation=(1, 2))
    assert spec.layer == Layer((3, 3), (2, 2), (1, 1), (1, 2), output_padding=(0, 0))
    assert spec.output_size == spec.layer.output_size((6, 6)) == (3, 2)
    t = ConvSpec.from_layer(Layer(3, 2, 1, kind="transposed", output_padding=1), 3, name="up")
    assert (t.transposed, t.output_size, t.output_padding, t.name) == (True, (6, 6), (1, 1), "up")
    assert ConvSpec.from_layer(spec.layer, 6) == spec
    with pytest.raises(TypeError, match="kind 'conv' or 'transposed'"):
        ConvSpec.from_layer(Layer(2, 2, kind="pool"), 6)
    with pytest.raises(ValueError, match="padding='same' cannot be drawn"):
        ConvSpec.from_layer(Layer(3, padding="same"), 6)


def test_stamp_counts_refuses_a_pixel_count_outside_the_input():
    spec = ConvSpec(3, 3, stride=2, transposed=True)
    with pytest.raises(ValueError, match=r"pixels=10 must be in range\(0, 10\)"):
        spec.stamp_counts(10)
