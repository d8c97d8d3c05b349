"""convlib.conv_matrix: conv(x).ravel() == C @ x.ravel(); its transpose is the transposed convolution."""

from __future__ import annotations

import numpy as np
import pytest
from core_strategies import conv_configs, make_arrays
from hypothesis import given

import convlib


@given(conv_configs(nd=2, modes=("zeros",)))
def test_conv_matrix_times_x_is_conv2d(cfg):
    x, w, _ = make_arrays(cfg)
    x = x[0] if x.ndim == 4 else x  # one unbatched input
    kw = dict(stride=cfg["stride"], padding=cfg["padding"], dilation=cfg["dilation"], groups=cfg["groups"])
    c = convlib.conv_matrix(x.shape, w, **kw)
    y = convlib.conv2d(x, w, **kw)
    assert c.shape == (y.size, x.size)
    np.testing.assert_allclose(c @ x.ravel(), y.ravel(), rtol=1e-10, atol=1e-12)


@given(conv_configs(nd=1, modes=("zeros",)))
def test_conv_matrix_1d(cfg):
    x, w, _ = make_arrays(cfg)
    x = x[0] if x.ndim == 3 else x
    kw = dict(stride=cfg["stride"], padding=cfg["padding"], dilation=cfg["dilation"], groups=cfg["groups"])
    c = convlib.conv_matrix(x.shape, w, **kw)
    np.testing.assert_allclose(c @ x.ravel(), convlib.conv1d(x, w, **kw).ravel(), rtol=1e-10, atol=1e-12)


def test_by_hand_1d():
    # kernel [1 2], stride 2 over 4 inputs: two outputs, each reading its own pair
    c = convlib.conv_matrix((1, 4), np.array([[[1.0, 2.0]]]), stride=2)
    np.testing.assert_array_equal(c, [[1, 2, 0, 0], [0, 0, 1, 2]])


def test_by_hand_with_padding():
    # kernel [1 2 3], padding 1 over x0 x1 x2: out0 = 2 x0 + 3 x1 (tap 0 reads padding),
    # out1 = x0 + 2 x1 + 3 x2, out2 = x1 + 2 x2 (tap 2 reads padding)
    c = convlib.conv_matrix((1, 3), np.array([[[1.0, 2.0, 3.0]]]), padding=1)
    np.testing.assert_array_equal(c, [[2, 3, 0], [1, 2, 3], [0, 1, 2]])


def test_transpose_of_the_matrix_is_the_transposed_convolution():
    rng = np.random.default_rng(1)
    w = rng.standard_normal((2, 3, 3, 3))  # as a conv: 3 in -> 2 out; as a transposed conv: 2 in -> 3 out
    c = convlib.conv_matrix((3, 7, 7), w, stride=2, padding=1)  # 7x7 -> 4x4
    y = rng.standard_normal((2, 4, 4))
    xt = convlib.conv_transpose2d(y, w, stride=2, padding=1)  # 4x4 -> 7x7
    np.testing.assert_allclose(c.T @ y.ravel(), xt.ravel(), rtol=1e-12, atol=1e-12)


def test_sparse_structure():
    c = convlib.conv_matrix((1, 5, 5), np.ones((1, 1, 3, 3)))
    assert c.shape == (9, 25)
    assert (c.sum(axis=1) == 9).all()  # every row holds the 9 taps
    assert np.count_nonzero(c) == 81


def test_refuses_large_matrices():
    with pytest.raises(ValueError, match=r"entries.*max_entries"):
        convlib.conv_matrix((64, 56, 56), np.ones((64, 64, 3, 3)))
    with pytest.raises(ValueError, match="max_entries=10"):
        convlib.conv_matrix((1, 4, 4), np.ones((1, 1, 3, 3)), max_entries=10)


def test_bad_input_shape():
    with pytest.raises(ValueError, match="input_shape"):
        convlib.conv_matrix((4, 4), np.ones((1, 1, 3, 3)))
    with pytest.raises(ValueError, match="channels"):
        convlib.conv_matrix((2, 4, 4), np.ones((1, 1, 3, 3)))
