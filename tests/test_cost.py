"""convlib.cost: parameters against real torch modules, MACs against the definition.

Parameters: ``sum(p.numel() for p in module.parameters())`` of ``nn.Conv*`` /
``nn.ConvTranspose*``. MACs: counted, not re-derived — (a) torch runs the layer on
an all-ones input whose padding is *also* ones, with all-ones weights and no bias,
so every output value equals the number of products that produced it and the sum
of all outputs is the number of multiply-accumulates; (b) an explicit loop over
output positions, channels and kernel taps on tiny shapes.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given, note
from hypothesis import strategies as st

from convlib import cost
from convlib.cost import conv_cost, conv_macs, conv_params, separable_cost



@st.composite
def layers(draw, *, transposed=False, max_nd=2):
    """One random layer from one drawn seed (a single draw keeps hypothesis's overhead low)."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    nd = int(rng.integers(1, max_nd + 1))
    groups = int(rng.integers(1, 5))
    ints = lambda low, high: tuple(int(v) for v in rng.integers(low, high + 1, size=nd))  # noqa: E731
    c = dict(cin=groups * int(rng.integers(1, 4)), cout=groups * int(rng.integers(1, 4)), k=ints(1, 4),
             s=ints(1, 3), d=ints(1, 3), p=ints(0, 2), i=ints(1, 8), groups=groups, bias=bool(rng.integers(2)),
             op=ints(0, 2) if transposed else (0,) * nd)
    note(f"layer: {c}")
    return c


def _module(c, transposed):
    nd = len(c["k"])
    cls = {(1, False): torch.nn.Conv1d, (2, False): torch.nn.Conv2d,
           (1, True): torch.nn.ConvTranspose1d, (2, True): torch.nn.ConvTranspose2d}[(nd, transposed)]
    return cls(c["cin"], c["cout"], c["k"], stride=c["s"], padding=c["p"], dilation=c["d"], groups=c["groups"],
               bias=c["bias"])


@given(layers(), st.booleans())
def test_params_equal_torch_modules(c, transposed):
    module = _module(c, transposed)
    expected = sum(p.numel() for p in module.parameters())
    got = conv_cost(c["cin"], c["cout"], c["k"], stride=c["s"], padding=c["p"], dilation=c["d"],
                    groups=c["groups"], bias=c["bias"], transposed=transposed)
    assert got.params == expected
    assert got.weights == module.weight.numel()
    assert got.biases == (module.bias.numel() if c["bias"] else 0)
    assert conv_params(c["cin"], c["cout"], c["k"], groups=c["groups"], bias=c["bias"]) == expected


def _indicator_macs(c):
    """Sum of a ones-conv over a ones-input padded with ones: one unit per multiply-accumulate."""
    nd = len(c["k"])
    x = torch.ones((1, c["cin"], *c["i"]), dtype=torch.float64)
    pad = [q for p in reversed(c["p"]) for q in (p, p)]
    x = F.pad(x, pad, value=1.0)  # padding taps are multiplications too
    w = torch.ones((c["cout"], c["cin"] // c["groups"], *c["k"]), dtype=torch.float64)
    conv = F.conv1d if nd == 1 else F.conv2d
    y = conv(x, w, stride=c["s"], dilation=c["d"], groups=c["groups"])
    return int(y.sum().item()), tuple(y.shape[2:])


@given(layers())
def test_macs_count_every_product_torch_indicator(c):
    try:
        expected, out_shape = _indicator_macs(c)
    except RuntimeError:  # the kernel does not fit: convlib must refuse too
        with pytest.raises(ValueError, match="output size"):
            conv_cost(c["cin"], c["cout"], c["k"], c["i"], stride=c["s"], padding=c["p"], dilation=c["d"],
                      groups=c["groups"])
        return
    got = conv_cost(c["cin"], c["cout"], c["k"], c["i"], stride=c["s"], padding=c["p"], dilation=c["d"],
                    groups=c["groups"], bias=c["bias"])
    assert got.macs == expected
    assert got.output_size == out_shape


@given(layers(transposed=True))
def test_transposed_macs_count_every_stamp(c):
    """Scatter count: a ones input through a ones transposed conv without cropping sums every product."""
    ok_op = all(o < s or o < d for o, s, d in zip(c["op"], c["s"], c["d"]))
    assume(ok_op)
    nd = len(c["k"])
    x = torch.ones((1, c["cin"], *c["i"]), dtype=torch.float64)
    w = torch.ones((c["cin"], c["cout"] // c["groups"], *c["k"]), dtype=torch.float64)
    convt = F.conv_transpose1d if nd == 1 else F.conv_transpose2d
    full = convt(x, w, stride=c["s"], dilation=c["d"], groups=c["groups"])  # padding 0: nothing cropped
    try:
        shape = convt(x, w, stride=c["s"], padding=c["p"], output_padding=c["op"], dilation=c["d"],
                      groups=c["groups"]).shape[2:]
        if 0 in shape:  # torch may return an empty output instead of raising
            raise RuntimeError("empty output")
    except RuntimeError:
        with pytest.raises(ValueError):
            conv_cost(c["cin"], c["cout"], c["k"], c["i"], stride=c["s"], padding=c["p"], dilation=c["d"],
                      groups=c["groups"], transposed=True, output_padding=c["op"])
        return
    got = conv_cost(c["cin"], c["cout"], c["k"], c["i"], stride=c["s"], padding=c["p"], dilation=c["d"],
                    groups=c["groups"], transposed=True, output_padding=c["op"])
    assert got.macs == int(full.sum().item())
    assert got.output_size == tuple(shape)


def _loop_macs(cin, cout, k, i, s, p, d, groups):
    """Brute force on one spatial dimension pair: walk every window that fits and count products."""
    count = 0
    padded = [n + 2 * q for n, q in zip(i, p)]
    starts = [range(0, n - dd * (kk - 1), ss) for n, kk, ss, dd in zip(padded, k, s, d)]
    for _pos in itertools.product(*starts):
        for o in range(cout):
            for _c in range(cin // groups):  # the input channels of o's group
                for _tap in itertools.product(*(range(kk) for kk in k)):
                    count += 1
    return count


@pytest.mark.parametrize(
    "cin,cout,k,i,s,p,d,groups",
    [
        (3, 4, (3, 3), (5, 5), (1, 1), (0, 0), (1, 1), 1),
        (4, 6, (3, 2), (6, 7), (2, 1), (1, 0), (1, 2), 2),
        (6, 6, (5, 5), (9, 9), (2, 2), (2, 2), (1, 1), 6),
        (2, 8, (1, 1), (4, 3), (1, 1), (0, 0), (1, 1), 1),
        (4, 4, (3,), (11,), (3,), (1,), (2,), 4),
    ],
)
def test_macs_equal_brute_force_loop(cin, cout, k, i, s, p, d, groups):
    assert conv_macs(cin, cout, k, i, stride=s, padding=p, dilation=d, groups=groups) == _loop_macs(
        cin, cout, k, i, s, p, d, groups
    )


def test_source_example_12x12x3_with_256_kernels():
    """Seed 001: the numbers the chapter shows (its "49512" and "54312" are typos)."""
    sep = separable_cost(3, 256, 5, 12, bias=False)
    # independent counts by torch
    std_macs, std_shape = _indicator_macs(dict(cin=3, cout=256, k=(5, 5), i=(12, 12), s=(1, 1), p=(0, 0),
                                               d=(1, 1), groups=1))
    dw_macs, _ = _indicator_macs(dict(cin=3, cout=3, k=(5, 5), i=(12, 12), s=(1, 1), p=(0, 0), d=(1, 1), groups=3))
    pw_macs, _ = _indicator_macs(dict(cin=3, cout=256, k=(1, 1), i=(8, 8), s=(1, 1), p=(0, 0), d=(1, 1), groups=1))
    assert std_shape == (8, 8)
    assert (sep.standard.macs, sep.depthwise.macs, sep.pointwise.macs) == (std_macs, dw_macs, pw_macs)
    assert (std_macs, dw_macs, pw_macs, dw_macs + pw_macs) == (1_228_800, 4_800, 49_152, 53_952)
    assert sep.macs == 53_952 != 54_312
    assert sep.pointwise.macs != 49_512
    assert sep.mac_ratio == pytest.approx(1 / 256 + 1 / 25)
    assert "53,952 MACs" in str(sep)


@given(st.integers(0, 2**32 - 1))
def test_separable_matches_torch_modules(seed):
    rng = np.random.default_rng(seed)
    cin, cout, k, m, i, p = (int(v) for v in rng.integers([1, 1, 1, 1, 5, 0], [7, 13, 6, 4, 13, 3]))
    bias = bool(rng.integers(2))
    note(f"cin={cin} cout={cout} k={k} m={m} i={i} p={p} bias={bias}")
    dw = torch.nn.Conv2d(cin, cin * m, k, padding=p, groups=cin, bias=bias)
    pw = torch.nn.Conv2d(cin * m, cout, 1, bias=bias)
    std = torch.nn.Conv2d(cin, cout, k, padding=p, bias=bias)
    c = separable_cost(cin, cout, k, i, padding=p, depth_multiplier=m, bias=bias)
    n = lambda mod: sum(q.numel() for q in mod.parameters())  # noqa: E731
    assert (c.depthwise.params, c.pointwise.params, c.standard.params) == (n(dw), n(pw), n(std))
    assert c.params == n(dw) + n(pw)
    y = pw(dw(torch.zeros(1, cin, i, i)))
    assert c.pointwise.output_size == tuple(y.shape[2:])
    dw_macs, _ = _indicator_macs(dict(cin=cin, cout=cin * m, k=(k, k), i=(i, i), s=(1, 1), p=(p, p), d=(1, 1),
                                      groups=cin))
    pw_macs, _ = _indicator_macs(dict(cin=cin * m, cout=cout, k=(1, 1), i=tuple(y.shape[2:]), s=(1, 1),
                                      p=(0, 0), d=(1, 1), groups=1))
    assert (c.depthwise.macs, c.pointwise.macs, c.macs) == (dw_macs, pw_macs, dw_macs + pw_macs)
    if cin > 1:
        assert c.depthwise.kind == "depthwise"


def test_same_and_valid_padding_strings():
    same = conv_cost(4, 8, 3, 10, padding="same")
    assert same.output_size == (10, 10)
    y = torch.nn.Conv2d(4, 8, 3, padding="same")(torch.zeros(1, 4, 10, 10))
    assert same.output_size == tuple(y.shape[2:])
    assert same.macs == 8 * 4 * 9 * 100
    assert conv_cost(4, 8, 3, 10, padding="valid").output_size == (8, 8)


def test_kinds_and_text():
    assert conv_cost(8, 8, 3, groups=8).kind == "depthwise"
    assert conv_cost(8, 16, 1).kind == "pointwise"
    assert conv_cost(8, 16, 3, groups=4).kind == "grouped"
    assert conv_cost(8, 16, 3).kind == "standard"
    c = conv_cost(8, 16, 3)
    assert c.macs is None and c.macs_per_position == 16 * 8 * 9
    assert "MACs per position" in str(c)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(in_channels=10, out_channels=6, kernel_size=3, groups=3), r"in_channels=10 must be divisible by groups=3"),
        (dict(in_channels=6, out_channels=8, kernel_size=3, groups=3), r"out_channels=8 must be divisible by groups=3"),
        (dict(in_channels=0, out_channels=8, kernel_size=3), r"in_channels=0 must be a positive integer"),
        (dict(in_channels=3, out_channels=8, kernel_size=0), r"kernel_size=0 must be a positive"),
        (dict(in_channels=3, out_channels=8, kernel_size=3, groups=0), r"groups=0"),
        (dict(in_channels=3, out_channels=8, kernel_size=5, input_size=3), r"output size would be -1 < 1"),
        (dict(in_channels=3, out_channels=8, kernel_size=3, input_size=5, output_padding=1),
         r"output_padding=1 only applies to a transposed"),
        (dict(in_channels=3, out_channels=8, kernel_size=3, input_size=5, padding="same", stride=2),
         r"padding='same' needs stride=1"),
        (dict(in_channels=3, out_channels=8, kernel_size=3, input_size=5, padding=-1), r"padding=-1"),
    ],
)
def test_bad_input_names_parameter_value_and_rule(kwargs, match):
    with pytest.raises(ValueError, match=match):
        conv_cost(**kwargs)


def test_bad_types():
    with pytest.raises(TypeError, match=r"in_channels=2.5 must be an int"):
        conv_cost(2.5, 4, 3)
    with pytest.raises(TypeError, match="bias"):
        conv_cost(2, 4, 3, bias="yes")
    with pytest.raises(ValueError, match="transposed"):
        conv_cost(2, 4, 3, 5, padding="same", transposed=True)


def test_public_names():
    assert set(cost.__all__) >= {"conv_cost", "conv_macs", "conv_params", "separable_cost", "ConvCost"}
    assert np.isclose(separable_cost(32, 64, 3, 16).mac_ratio, (32 * 9 * 256 + 32 * 64 * 256) / (64 * 32 * 9 * 256))
