"""convlib.conv_transpose1d / conv_transpose2d: every method equals torch, and hand-checked cases."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from core_strategies import (
    assert_close,
    conv_configs,
    make_arrays,
    torch_conv_transpose,
    transposed_configs,
)
from hypothesis import given, settings

import convlib

METHODS = ["fast", "zero_insertion", "scatter", "matrix", "subpixel"]


def _kwargs(cfg):
    return dict(stride=cfg["stride"], padding=cfg["padding"], output_padding=cfg["output_padding"],
                groups=cfg["groups"], dilation=cfg["dilation"])


@given(transposed_configs(nd=2))
def test_conv_transpose2d_every_method_matches_torch(cfg):
    """The fast path and the three teaching implementations (recipe, scatter, matrix) each equal torch."""
    x, w, b = make_arrays(cfg)
    ref = torch_conv_transpose(cfg, x, w, b, 2)
    for method in METHODS:
        assert_close(convlib.conv_transpose2d(x, w, b, **_kwargs(cfg), method=method), ref)
    size = convlib.conv_transpose_output_size(cfg["x_shape"][-2:], cfg["w_shape"][-2:], cfg["stride"],
                                              cfg["padding"], cfg["output_padding"], cfg["dilation"])
    assert ref.shape[-2:] == size


@given(transposed_configs(nd=1, max_size=7))
def test_conv_transpose1d_matches_torch_every_method(cfg):
    x, w, b = make_arrays(cfg)
    ref = torch_conv_transpose(cfg, x, w, b, 1)
    for method in METHODS:
        assert_close(convlib.conv_transpose1d(x, w, b, **_kwargs(cfg), method=method), ref)


@settings(max_examples=max(settings().max_examples // 5, 10))
@given(transposed_configs(nd=2))
def test_conv_transpose2d_float32(cfg):
    x, w, b = make_arrays(cfg, np.float32)
    ref = torch_conv_transpose(cfg, x, w, b, 2)
    assert_close(convlib.conv_transpose2d(x, w, b, **_kwargs(cfg)), ref, np.float32)


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


@settings(max_examples=max(settings().max_examples // 5, 10))
@given(conv_configs(nd=2, modes=("zeros",)).filter(lambda c: not isinstance(c["padding"], str)))
def test_transposed_is_the_adjoint_of_conv(cfg):
    """<conv(x), y> == <x, conv_transpose(y)>: the transposed convolution is the transpose."""
    x, w, _ = make_arrays(cfg)
    kw = dict(stride=cfg["stride"], padding=cfg["padding"], dilation=cfg["dilation"], groups=cfg["groups"])
    y_conv = convlib.conv2d(x, w, **kw)
    y = np.random.default_rng(cfg["seed"] + 3).standard_normal(y_conv.shape)
    # output_padding restores the input size that the strided convolution rounded away
    stride, padding, dilation = _pair(cfg["stride"]), _pair(cfg["padding"]), _pair(cfg["dilation"])
    out_pad = tuple((n + 2 * p - d * (k - 1) - 1) % s
                    for n, p, d, k, s in zip(x.shape[-2:], padding, dilation, w.shape[-2:], stride))
    if not all(op < s or op < d for op, s, d in zip(out_pad, stride, dilation)):
        return  # this input size is not reachable by a transposed convolution (torch's rule)
    xt = convlib.conv_transpose2d(y, w, output_padding=out_pad, **kw)
    assert xt.shape == x.shape
    np.testing.assert_allclose(np.vdot(y_conv, y), np.vdot(x, xt), rtol=1e-10, atol=1e-10)


# --- by hand ------------------------------------------------------------------

@pytest.mark.parametrize("method", METHODS)
def test_every_pixel_stamps_the_kernel(method):
    x = np.array([[[1.0, 2.0], [3.0, 4.0]]])
    out = convlib.conv_transpose2d(x, np.ones((1, 1, 2, 2)), stride=2, method=method)
    np.testing.assert_array_equal(out, [[[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]])


@pytest.mark.parametrize("method", METHODS)
def test_overlapping_stamps_add_up(method):
    # kernel [1 1 1], stride 2: stamps at 0..2 (x=1) and 2..4 (x=2) overlap at 2 -> 1 + 2
    out = convlib.conv_transpose1d(np.array([[1.0, 2.0]]), np.ones((1, 1, 3)), stride=2, method=method)
    np.testing.assert_array_equal(out, [[1.0, 1.0, 3.0, 2.0, 2.0]])
    # padding=1 cuts one element off each end; output_padding=1 adds one zero at the far end
    out = convlib.conv_transpose1d(np.array([[1.0, 2.0]]), np.ones((1, 1, 3)), stride=2, padding=1,
                                   output_padding=1, method=method)
    np.testing.assert_array_equal(out, [[1.0, 3.0, 2.0, 2.0]])


@pytest.mark.parametrize("method", METHODS)
def test_weighted_kernel_copy(method):
    out = convlib.conv_transpose1d(np.array([[2.0, 0.0, 1.0]]), np.array([[[1.0, 10.0]]]), method=method)
    # 2*[1 10] at 0, 0 at 1, 1*[1 10] at 2
    np.testing.assert_array_equal(out, [[2.0, 20.0, 1.0, 10.0]])


def test_flip_kernel_swaps_channels_per_group_and_rotates():
    w = np.arange(2 * 3 * 1 * 2).reshape(2, 3, 1, 2)  # (C_in=2, C_out/groups=3, 1, 2), groups=2
    f = convlib.flip_kernel(w, groups=2)
    assert f.shape == (6, 1, 1, 2)
    # output channel 4 = group 1's output 1; it reads group 1's input 0 (= input channel 1)
    np.testing.assert_array_equal(f[4, 0, 0], w[1, 1, 0, ::-1])


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    "i, k, s, p, op, d",
    [(1, 1, 1, 1, 2, 3), (1, 2, 2, 1, 0, 3), (1, 2, 2, 1, 1, 3), (2, 2, 2, 3, 2, 3)],
)
def test_phases_that_meet_no_input_pixel(method, i, k, s, p, op, d):
    """Padding and output_padding can leave whole output phases beyond every stamp: zeros (and bias)."""
    x, w, b = np.arange(1.0, 2 * i + 1).reshape(1, 2, i), np.arange(1.0, 2 * 3 * k + 1).reshape(2, 3, k), np.ones(3)
    with torch.no_grad():
        ref = torch.nn.functional.conv_transpose1d(torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b),
                                                   stride=s, padding=p, output_padding=op, dilation=d).numpy()
    out = convlib.conv_transpose1d(x, w, b, stride=s, padding=p, output_padding=op, dilation=d, method=method)
    np.testing.assert_allclose(out, ref, rtol=1e-12, atol=1e-12)


def test_subpixel_weight_splits_the_taps_by_phase():
    """Stride 2, taps [1, 2, 3, 4]: even output columns meet taps 0 and 2, odd ones taps 1 and 3 (flipped)."""
    w = np.array([1.0, 2.0, 3.0, 4.0]).reshape(1, 1, 1, 4)
    phases = convlib.subpixel_weight(w, groups=1, stride=(1, 2), dilation=(1, 1))
    assert phases.shape == (2, 1, 1, 2)
    np.testing.assert_array_equal(phases[:, 0, 0], [[3.0, 1.0], [4.0, 2.0]])
    # stride 3 does not divide k = 4: phase 0 gets two taps (0, 3), phases 1 and 2 one each (zero-filled)
    phases = convlib.subpixel_weight(w, groups=1, stride=(1, 3), dilation=(1, 1))
    np.testing.assert_array_equal(phases[:, 0, 0], [[4.0, 1.0], [0.0, 2.0], [0.0, 3.0]])


def test_subpixel_weight_takes_ints_and_rejects_bad_input():
    w = np.arange(16.0).reshape(2, 2, 2, 2)
    np.testing.assert_array_equal(convlib.subpixel_weight(w, 1, 2, 1),
                                  convlib.subpixel_weight(w, 1, (2, 2), (1, 1)))
    with pytest.raises(ValueError, match="stride"):
        convlib.subpixel_weight(w, stride=0)
    with pytest.raises(ValueError, match="divisible by groups=3"):
        convlib.subpixel_weight(w, groups=3)
    with pytest.raises(ValueError, match="4 dimensions"):
        convlib.subpixel_weight(w[0], stride=2)


@pytest.mark.parametrize(
    "k, stride, groups, c_in, expected",
    [(4, 2, 1, 6, True), (2, 2, 2, 6, True), (6, 3, 1, 2, True),  # every phase weight is a real tap
     (3, 2, 1, 6, False),  # 4 phases x 2x2 window = 16 weights for 9 taps: col2im
     (5, 2, 1, 6, False),  # 4 x 3x3 = 36 weights for 25 taps (1.44 > 1.25)
     (4, 1, 1, 6, False),  # stride 1: a plain convolution
     (4, 2, 6, 6, False)],  # depthwise: the per-channel stamps
)
def test_fast_path_routing(monkeypatch, k, stride, groups, c_in, expected):
    """The fast path takes the sub-pixel form exactly when few of its taps are zeros (k = 2s and the like)."""
    import convlib.transposed as transposed

    calls = []
    real = transposed._subpixel
    monkeypatch.setattr(transposed, "_subpixel", lambda a: calls.append(a) or real(a))
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((2, c_in, 5, 7)), rng.standard_normal((c_in, 2, k, k))
    out = convlib.conv_transpose2d(x, w, stride=stride, padding=1, groups=groups)
    assert bool(calls) == expected
    np.testing.assert_allclose(out, convlib.conv_transpose2d(x, w, stride=stride, padding=1, groups=groups,
                                                             method="scatter"), rtol=1e-12, atol=1e-12)


def test_method_is_validated():
    with pytest.raises(ValueError, match="method='loop'"):
        convlib.conv_transpose2d(np.ones((1, 2, 2)), np.ones((1, 1, 2, 2)), method="loop")


@pytest.mark.parametrize("name", ["zero_insertion", "scatter", "matrix", "subpixel"])
def test_each_named_form_is_its_method(name):
    """conv_transpose2d_<name>(...) is conv_transpose2d(..., method=<name>), bias and all."""
    rng = np.random.default_rng(7)
    x, w, b = rng.standard_normal((2, 4, 3, 5)), rng.standard_normal((4, 3, 3, 2)), rng.standard_normal(6)
    args = (x, w, b, (2, 1), (1, 0), (1, 0), 2, (1, 2))
    named = getattr(convlib, f"conv_transpose2d_{name}")(*args)
    np.testing.assert_allclose(named, convlib.conv_transpose2d(*args, method=name), rtol=1e-12, atol=1e-12)
    ref = torch.nn.functional.conv_transpose2d(*map(torch.from_numpy, (x, w, b)), stride=(2, 1), padding=(1, 0),
                                               output_padding=(1, 0), groups=2, dilation=(1, 2)).numpy()
    np.testing.assert_allclose(named, ref, rtol=1e-12, atol=1e-12)
