"""convlib.conv1d / conv2d equal torch, both ways (the sliding-window definition and the fast path), and small cases by hand."""

from __future__ import annotations

import numpy as np
import pytest
from core_strategies import (
    assert_close,
    conv_configs,
    make_arrays,
    outcome,
    torch_conv,
)
from hypothesis import given, settings

import convlib


def _run(cfg, nd, dtype=np.float64):
    x, w, b = make_arrays(cfg, dtype)
    ok, ref = outcome(torch_conv, cfg, x, w, b, nd)
    fn = convlib.conv1d if nd == 1 else convlib.conv2d
    kw = dict(stride=cfg["stride"], padding=cfg["padding"], dilation=cfg["dilation"], groups=cfg["groups"],
              padding_mode=cfg["padding_mode"])
    assert ok, f"the strategy made a configuration torch refuses: {cfg}: {ref}"
    ours = fn(x, w, b, **kw)
    assert_close(ours, ref, dtype)
    # the definition (the sliding window) gives the same numbers as the fast path and torch
    assert_close(fn(x, w, b, **kw, method="sliding_window"), ref, dtype)
    # the shape function predicts torch's output shape for every accepted configuration
    size = convlib.conv_output_size(cfg["x_shape"][-nd:], cfg["w_shape"][-nd:], cfg["stride"],
                                    cfg["padding"], cfg["dilation"])
    assert ref.shape[-nd:] == size


@given(conv_configs(nd=2))
def test_conv2d_matches_torch(cfg):
    _run(cfg, 2)


@given(conv_configs(nd=1))
def test_conv1d_matches_torch(cfg):
    _run(cfg, 1)


@settings(max_examples=max(settings().max_examples // 5, 10))
@given(conv_configs(nd=2))
def test_conv2d_float32_matches_torch(cfg):
    """float32 in, float32 out, equal to torch within float32 rounding (a lighter check)."""
    _run(cfg, 2, np.float32)


# --- small cases a reader can check by hand -----------------------------------

def test_window_sums_by_hand():
    x = np.arange(16.0).reshape(1, 1, 4, 4)  # rows 0..3, 4..7, 8..11, 12..15
    out = convlib.conv2d(x, np.ones((1, 1, 3, 3)))
    # top-left window: 0+1+2 + 4+5+6 + 8+9+10 = 45; each step right adds 3*1, down adds 3*4 per row
    np.testing.assert_array_equal(out, [[[[45.0, 54.0], [81.0, 90.0]]]])


def test_cross_correlation_not_flipped():
    """Deep-learning 'convolution' does not flip the kernel."""
    out = convlib.conv1d(np.array([[1.0, 2.0, 3.0]]), np.array([[[1.0, 0.0]]]))
    np.testing.assert_array_equal(out, [[1.0, 2.0]])  # picks the left element of each window


def test_stride_padding_dilation_by_hand():
    x = np.array([[1.0, 2.0, 3.0, 4.0, 5.0]])
    w = np.array([[[1.0, 1.0]]])
    # padded: 0 1 2 3 4 5 0 ; windows start at 0, 2, 4 (stride 2)
    np.testing.assert_array_equal(convlib.conv1d(x, w, stride=2, padding=1), [[1.0, 5.0, 9.0]])
    # dilation 2: taps at i and i+2: 1+3, 2+4, 3+5
    np.testing.assert_array_equal(convlib.conv1d(x, w, dilation=2), [[4.0, 6.0, 8.0]])


def test_same_padding_puts_the_extra_on_the_far_side():
    # even kernel: total padding 1 goes after: [1 2 3 0] -> 1+2, 2+3, 3+0
    out = convlib.conv1d(np.array([[1.0, 2.0, 3.0]]), np.array([[[1.0, 1.0]]]), padding="same")
    np.testing.assert_array_equal(out, [[3.0, 5.0, 3.0]])


@pytest.mark.parametrize(
    "mode, expected",
    [
        ("zeros", [0 + 1 + 2, 1 + 2 + 3, 2 + 3 + 0]),
        ("reflect", [2 + 1 + 2, 1 + 2 + 3, 2 + 3 + 2]),  # padded 2 | 1 2 3 | 2
        ("replicate", [1 + 1 + 2, 1 + 2 + 3, 2 + 3 + 3]),  # padded 1 | 1 2 3 | 3
        ("circular", [3 + 1 + 2, 1 + 2 + 3, 2 + 3 + 1]),  # padded 3 | 1 2 3 | 1
    ],
)
def test_padding_modes_by_hand(mode, expected):
    out = convlib.conv1d(np.array([[1.0, 2.0, 3.0]]), np.ones((1, 1, 3)), padding=1, padding_mode=mode)
    np.testing.assert_array_equal(out, [expected])


def test_groups_by_hand():
    x = np.stack([np.ones((2, 2)), 10 * np.ones((2, 2))])  # channel 0: ones, channel 1: tens
    w = np.ones((2, 1, 1, 1))
    w[1] = 2.0
    out = convlib.conv2d(x, w, groups=2)  # depthwise: each channel scaled by its own weight
    np.testing.assert_array_equal(out[0], np.ones((2, 2)))
    np.testing.assert_array_equal(out[1], 20 * np.ones((2, 2)))


def test_bias_is_added_per_output_channel():
    out = convlib.conv2d(np.zeros((1, 2, 2)), np.zeros((3, 1, 1, 1)), bias=np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(out[:, 0, 0], [1.0, 2.0, 3.0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_dtype_follows_input(dtype):
    x = np.arange(9).reshape(1, 3, 3).astype(dtype)
    out = convlib.conv2d(x, np.ones((1, 1, 2, 2), dtype=dtype))
    assert out.dtype == dtype
    np.testing.assert_array_equal(out, [[[8, 12], [20, 24]]])  # 0+1+3+4, 1+2+4+5, ...


def test_unbatched_equals_batched_without_the_batch_axis():
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((3, 6, 5)), rng.standard_normal((4, 3, 3, 2))
    np.testing.assert_array_equal(convlib.conv2d(x, w, padding=1), convlib.conv2d(x[None], w, padding=1)[0])


def test_empty_batch():
    out = convlib.conv2d(np.zeros((0, 1, 4, 4)), np.zeros((2, 1, 3, 3)))
    assert out.shape == (0, 2, 2, 2)


@pytest.mark.parametrize("view", ["strided", "reversed", "fortran"])
def test_non_contiguous_inputs(view):
    import torch

    base = np.random.default_rng(3).standard_normal((2, 6, 11, 13))
    x = {"strided": base[:, :4, ::2, 1::2], "reversed": base[:, :4, ::-1, ::-2],
         "fortran": np.asfortranarray(base[:, :4])}[view]
    w = np.random.default_rng(4).standard_normal((3, 4, 3, 2))
    for kw in [dict(), dict(stride=2), dict(padding=1, dilation=(2, 1))]:
        ref = torch.nn.functional.conv2d(torch.from_numpy(x.copy()), torch.from_numpy(w), **kw).numpy()
        np.testing.assert_allclose(convlib.conv2d(x, w, **kw), ref, rtol=1e-12, atol=1e-12)


def test_correlate2d_matches_torch_with_per_side_padding():
    import torch
    import torch.nn.functional as F

    rng = np.random.default_rng(3)
    x, w = rng.standard_normal((9, 11)), rng.standard_normal((3, 4))
    ref = F.conv2d(F.pad(torch.tensor(x)[None, None], [1, 3, 2, 0]), torch.tensor(w)[None, None], dilation=3)
    ours = convlib.correlate2d(x, w, dilation=3, padding=((2, 0), (1, 3)))
    np.testing.assert_allclose(ours, ref[0, 0].numpy(), atol=1e-12)


def test_sliding_window_is_the_loop_of_the_definition():
    """out[n, o, i, j] = sum over c, a, b of x[n, g*Cg + c, i*s + a*d, j*s + b*d] * w[o, c, a, b], written out."""
    rng = np.random.default_rng(5)
    x, w = rng.standard_normal((2, 4, 9, 8)), rng.standard_normal((6, 2, 3, 2))
    (sh, sw), (dh, dw), groups = (2, 1), (1, 3), 2
    out = convlib.sliding_window(x, w, (sh, sw), (dh, dw), groups)
    assert out.shape == (2, 6, 4, 5)
    for n, o, i, j in np.ndindex(*out.shape):
        g = o // 3
        total = sum(x[n, 2 * g + c, i * sh + a * dh, j * sw + b * dw] * w[o, c, a, b]
                    for c in range(2) for a in range(3) for b in range(2))
        assert abs(out[n, o, i, j] - total) < 1e-12


def test_method_is_checked():
    with pytest.raises(ValueError, match=r"method='loop' must be one of \('fast', 'sliding_window'\)"):
        convlib.conv2d(np.ones((1, 3, 3)), np.ones((1, 1, 2, 2)), method="loop")


@pytest.mark.parametrize("stride, dilation, padding", [(1, 1, 0), (2, 1, 1), (1, 2, "same"), ((2, 1), (1, 3), (1, 2))])
@pytest.mark.parametrize("dtype", [np.float64, np.int64])
def test_correlate2d_is_conv2d_on_one_channel(stride, dilation, padding, dtype):
    import torch
    import torch.nn.functional as F

    rng = np.random.default_rng(11)
    x, w = rng.integers(-3, 4, (9, 10)).astype(dtype), rng.integers(-2, 3, (3, 2)).astype(dtype)
    ours = convlib.correlate2d(x, w, stride=stride, padding=padding, dilation=dilation)
    ref = F.conv2d(torch.from_numpy(x)[None, None], torch.from_numpy(w)[None, None], stride=stride, padding=padding,
                   dilation=dilation)[0, 0].numpy()
    assert ours.dtype == dtype and ours.shape == ref.shape
    np.testing.assert_array_equal(ours, ref)


def test_correlate2d_mixes_dtypes_and_refuses_other_shapes():
    out = convlib.correlate2d(np.arange(9).reshape(3, 3), np.full((2, 2), 0.5))
    np.testing.assert_array_equal(out, [[4.0, 6.0], [10.0, 12.0]])
    out = convlib.correlate2d(np.full((3, 3), 0.5), np.ones((2, 2), dtype=np.int64))
    assert out.dtype == np.float64 and (out == 2.0).all()
    with pytest.raises(ValueError, match="correlate2d expects one 2-D image"):
        convlib.correlate2d(np.ones((1, 3, 3)), np.ones((2, 2)))
    with pytest.raises(ValueError, match="correlate2d expects one 2-D kernel"):
        convlib.correlate2d(np.ones((3, 3)), np.ones(2))


def test_sliding_window_defaults_and_dtypes():
    x, w = np.arange(16).reshape(1, 1, 4, 4), np.ones((1, 1, 2, 2))
    out = convlib.sliding_window(x, w)  # stride 1, dilation 1, one group
    assert out.shape == (1, 1, 3, 3) and out.dtype == np.float64
    np.testing.assert_array_equal(out[0, 0, 0], [10.0, 14.0, 18.0])
    assert convlib.sliding_window(x.astype(np.float32), w.astype(np.float32)).dtype == np.float32
    two = convlib.sliding_window(np.ones((1, 2, 3, 3)), np.ones((2, 1, 2, 2)))  # groups=1 needs C_in = 1 * 1
    assert two.shape == (1, 2, 2, 2) and (two == 4).all()


def test_sliding_window_result_type_follows_both_arrays():
    out = convlib.sliding_window(np.full((1, 1, 2, 2), 0.25), np.ones((1, 1, 2, 2), dtype=np.int64))
    assert out.dtype == np.float64 and out[0, 0, 0, 0] == 1.0


def test_correlate2d_names_the_argument_in_its_errors():
    with pytest.raises(TypeError, match=r"^image has dtype bool"):
        convlib.correlate2d(np.ones((3, 3), bool), np.ones((2, 2)))
    with pytest.raises(TypeError, match=r"^kernel has dtype bool"):
        convlib.correlate2d(np.ones((3, 3)), np.ones((2, 2), bool))
    with pytest.raises(ValueError, match=r"^image with shape \(3,\) has 1 dimensions; correlate2d expects one 2-D image$"):
        convlib.correlate2d(np.ones(3), np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"^kernel with shape \(2,\) has 1 dimensions; correlate2d expects one 2-D kernel$"):
        convlib.correlate2d(np.ones((3, 3)), np.ones(2))
