"""Building blocks: insert_zeros, dilate_kernel, pad2d -- by hand, and against torch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from core_strategies import (
    MODES,
    array,
    assert_convlib_error,
    oracle,
    outcome,
    per_dim,
    t,
)
from hypothesis import given
from hypothesis import strategies as st

import convlib

# --- insert_zeros -------------------------------------------------------------


def test_insert_zeros_by_hand():
    np.testing.assert_array_equal(
        convlib.insert_zeros(np.array([[1, 2], [3, 4]]), 2),
        [[1, 0, 2],
         [0, 0, 0],
         [3, 0, 4]],
    )
    np.testing.assert_array_equal(
        convlib.insert_zeros(np.array([[1, 2], [3, 4]]), (1, 3)),
        [[1, 0, 0, 2],
         [3, 0, 0, 4]],
    )
    np.testing.assert_array_equal(convlib.insert_zeros(np.array([5, 6, 7]), 2), [5, 0, 6, 0, 7])


def test_insert_zeros_keeps_leading_axes_and_dtype():
    x = np.arange(2 * 3 * 2 * 2, dtype=np.float32).reshape(2, 3, 2, 2)
    z = convlib.insert_zeros(x, 3)
    assert z.shape == (2, 3, 4, 4) and z.dtype == np.float32
    np.testing.assert_array_equal(z[..., ::3, ::3], x)
    assert z.sum() == x.sum()
    np.testing.assert_array_equal(convlib.insert_zeros(x, 1), x)  # stride 1: nothing inserted


def test_insert_zeros_rejects_bad_stride():
    with pytest.raises(ValueError, match="stride=0 must be a positive integer"):
        convlib.insert_zeros(np.ones((2, 2)), 0)
    with pytest.raises(ValueError, match="addresses 3 trailing axes"):
        convlib.insert_zeros(np.ones((2, 2)), (1, 2, 2))


@given(st.integers(0, 2**32 - 1), st.tuples(st.integers(1, 3), st.integers(1, 5), st.integers(1, 5)),
       st.tuples(st.integers(1, 4), st.integers(1, 4)))
def test_insert_zeros_is_a_transposed_conv_with_a_one(seed, shape, stride):
    """A stride-s transposed convolution with the 1x1 kernel [1] only spreads the pixels apart."""
    x = array(seed, (1, *shape))
    with oracle():
        ref = F.conv_transpose2d(t(x), torch.ones(shape[0], 1, 1, 1, dtype=torch.float64), stride=stride,
                                 groups=shape[0]).numpy()
    np.testing.assert_array_equal(convlib.insert_zeros(x, stride), ref)


# --- dilate_kernel ------------------------------------------------------------


def test_dilate_kernel_by_hand():
    np.testing.assert_array_equal(
        convlib.dilate_kernel(np.array([[1, 2], [3, 4]]), 2),
        [[1, 0, 2],
         [0, 0, 0],
         [3, 0, 4]],
    )
    w = np.ones((4, 2, 3, 3))
    assert convlib.dilate_kernel(w, (2, 3)).shape == (4, 2, 5, 7)  # d(k-1)+1 per axis
    assert convlib.dilate_kernel(w, 1).shape == w.shape


@given(st.integers(0, 2**32 - 1), st.data())
def test_dilated_kernel_conv_equals_dilated_conv(seed, data):
    """conv2d(x, dilate_kernel(w, d)) == torch's conv2d(x, w, dilation=d)."""
    k = per_dim(data.draw, 2, 1, 4)
    d = per_dim(data.draw, 2, 1, 3)
    size = tuple(dd * (kk - 1) + 1 + e for kk, dd, e in zip(k, d, per_dim(data.draw, 2, 0, 3)))
    x, w = array(seed, (2, 2, *size)), array(seed + 1, (3, 2, *k))
    with oracle():
        ref = F.conv2d(t(x), t(w), dilation=d).numpy()
    np.testing.assert_allclose(convlib.conv2d(x, convlib.dilate_kernel(w, d)), ref, rtol=1e-10, atol=1e-12)


# --- pad2d --------------------------------------------------------------------


@pytest.mark.parametrize(
    "mode, expected",
    [
        ("zeros", [0, 0, 1, 2, 3, 0]),
        ("reflect", [3, 2, 1, 2, 3, 2]),  # mirror, the edge itself not repeated
        ("replicate", [1, 1, 1, 2, 3, 3]),  # repeat the edge
        ("circular", [2, 3, 1, 2, 3, 1]),  # wrap around
    ],
)
def test_pad2d_modes_by_hand(mode, expected):
    out = convlib.pad2d(np.array([[1, 2, 3]]), ((0, 0), (2, 1)), mode=mode)
    np.testing.assert_array_equal(out, [expected])


def test_pad2d_forms_of_padding():
    x = np.ones((2, 3))
    assert convlib.pad2d(x, 1).shape == (4, 5)
    assert convlib.pad2d(x, (1, 2)).shape == (4, 7)
    assert convlib.pad2d(x, ((1, 0), (0, 3))).shape == (3, 6)
    assert convlib.pad2d(np.ones((4, 2, 3)), 1).shape == (4, 4, 5)  # leading axes untouched
    assert convlib.pad2d(np.ones(3), 2).shape == (7,)  # a 1-D array: its only axis
    np.testing.assert_array_equal(convlib.pad2d(x, 1, value=7.0)[0], [7.0] * 5)
    np.testing.assert_array_equal(convlib.pad2d(np.arange(5.0)[None], ((0, 0), (-1, -2))), [[1.0, 2.0]])  # crops


def test_pad2d_rules():
    with pytest.raises(ValueError, match="mode='reflect' must be smaller than the input size 3"):
        convlib.pad2d(np.ones((3, 3)), 3, mode="reflect")
    with pytest.raises(ValueError, match="mode='circular' must be at most the input size 3"):
        convlib.pad2d(np.ones((3, 3)), 4, mode="circular")
    with pytest.raises(ValueError, match="cropping works only with mode='zeros'"):
        convlib.pad2d(np.ones((3, 3)), -1, mode="replicate")
    with pytest.raises(ValueError, match="mode='edge' must be one of"):
        convlib.pad2d(np.ones((3, 3)), 1, mode="edge")
    with pytest.raises(ValueError, match=r"\(before, after\) pair"):
        convlib.pad2d(np.ones((3, 3)), ((1, 2, 3), (1, 2)))


@given(st.integers(0, 2**32 - 1), st.data())
def test_pad2d_matches_torch_pad(seed, data):
    """Same numbers and the same accept/reject decision as F.pad (whose list runs from the last axis)."""
    mode = data.draw(st.sampled_from(MODES + ("constant",)))
    low = -2 if mode in ("zeros", "constant") else 0  # convlib crops only in constant mode
    top, bottom, left, right = per_dim(data.draw, 4, low, 5)
    h, w = per_dim(data.draw, 2, 1, 5)
    x = array(seed, (2, 3, h, w))
    value = 0.0 if mode == "zeros" else 1.5
    torch_mode = "constant" if mode == "zeros" else mode
    kw = dict(value=value) if torch_mode == "constant" else {}
    with oracle():
        ok, ref = outcome(lambda: F.pad(t(x), (left, right, top, bottom), mode=torch_mode, **kw).numpy())
    ours_ok, ours = outcome(convlib.pad2d, x, ((top, bottom), (left, right)), mode=mode, value=value)
    if not ours_ok:
        assert_convlib_error(ours)
    assert ours_ok == ok, (mode, (top, bottom, left, right), (h, w), ref if not ok else "", ours if not ours_ok else "")
    if ok:
        np.testing.assert_array_equal(ours, ref)
