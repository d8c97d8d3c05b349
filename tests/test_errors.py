"""Bad input: convlib refuses exactly what torch refuses, with a message naming parameter, value and rule.

The property tests draw configurations that are often invalid (non-positive
stride or dilation, negative or oversized padding, a strided 'same', groups that
do not divide the channels, mismatched channels, kernels that do not fit,
wrong bias length, wrong number of dimensions, output_padding too large, ...),
ask torch, and require the same decision: convlib raises a ValueError or
TypeError from its own checks (never a numpy error from deeper down) exactly when torch raises.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from core_strategies import (
    assert_close,
    assert_convlib_error,
    make_arrays,
    outcome,
    torch_conv,
    torch_conv_transpose,
    wild_conv_configs,
    wild_transposed_configs,
)
from hypothesis import assume, find, given, settings

import convlib


def _negative(value):
    values = value if isinstance(value, (tuple, list)) else [value]
    return any(isinstance(v, int) and v < 0 for v in values)


def _same_decision(cfg, nd, transposed):
    x, w, b = make_arrays(cfg)
    if transposed:
        torch_ok, ref = outcome(torch_conv_transpose, cfg, x, w, b, nd)
        fn = convlib.conv_transpose1d if nd == 1 else convlib.conv_transpose2d
        kw = dict(stride=cfg["stride"], padding=cfg["padding"], output_padding=cfg["output_padding"],
                  groups=cfg["groups"], dilation=cfg["dilation"])
    else:
        torch_ok, ref = outcome(torch_conv, cfg, x, w, b, nd)
        fn = convlib.conv1d if nd == 1 else convlib.conv2d
        kw = dict(stride=cfg["stride"], padding=cfg["padding"], dilation=cfg["dilation"], groups=cfg["groups"],
                  padding_mode=cfg["padding_mode"])
    ours_ok, ours = outcome(fn, x, w, b, **kw)
    if not ours_ok:
        assert_convlib_error(ours)
    assert ours_ok == torch_ok, f"torch {'accepts' if torch_ok else 'refuses'} ({ref if not torch_ok else ''}), " \
                                f"convlib {'accepts' if ours_ok else 'refuses'} ({ours if not ours_ok else ''}): {cfg}"
    if ours_ok:
        assert_close(ours, ref)


def _skip_known_divergence(cfg):
    """nn.ConvNd with a non-zero padding_mode passes a negative padding to F.pad, which crops;
    convlib (like F.convNd itself) refuses negative padding in every mode."""
    return cfg["padding_mode"] != "zeros" and not isinstance(cfg["padding"], str) and _negative(cfg["padding"])


@given(wild_conv_configs(nd=2))
def test_conv2d_refuses_what_torch_refuses(cfg):
    assume(not _skip_known_divergence(cfg))
    _same_decision(cfg, 2, transposed=False)


@given(wild_conv_configs(nd=1))
def test_conv1d_refuses_what_torch_refuses(cfg):
    assume(not _skip_known_divergence(cfg))
    _same_decision(cfg, 1, transposed=False)


@given(wild_transposed_configs(nd=2))
def test_conv_transpose2d_refuses_what_torch_refuses(cfg):
    _same_decision(cfg, 2, transposed=True)


@given(wild_transposed_configs(nd=1))
def test_conv_transpose1d_refuses_what_torch_refuses(cfg):
    _same_decision(cfg, 1, transposed=True)


def _torch_decides(cfg, nd, transposed):
    x, w, b = make_arrays(cfg)
    return outcome(torch_conv_transpose if transposed else torch_conv, cfg, x, w, b, nd)[0]


@pytest.mark.parametrize("nd", [1, 2])
@pytest.mark.parametrize("transposed", [False, True])
def test_the_wild_strategies_reach_both_decisions(nd, transposed):
    """The property tests above compare decisions: their strategies must produce accepted and refused calls."""
    strategy = (wild_transposed_configs if transposed else wild_conv_configs)(nd=nd)
    for wanted in (True, False):
        find(strategy, lambda cfg: _torch_decides(cfg, nd, transposed) is wanted,
             settings=settings(max_examples=200, database=None))


def test_negative_padding_with_a_padding_mode_is_refused():
    """The one documented difference from nn.Conv2d (see _skip_known_divergence)."""
    with pytest.raises(ValueError, match=re.escape("padding=-1 must be a non-negative integer (>= 0)")):
        convlib.conv2d(np.ones((1, 4, 4)), np.ones((1, 1, 1, 1)), padding=-1, padding_mode="reflect")


# --- the messages name parameter, value and rule ---------------------------------

X = np.ones((1, 10, 8, 8))


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: convlib.conv2d(X, np.ones((6, 3, 3, 3)), groups=3), ValueError,
         "x has 10 channels, but weight with shape (6, 3, 3, 3) and groups=3 expects in_channels = "
         "weight.shape[1] * groups = 9"),
        (lambda: convlib.conv2d(X, np.ones((4, 10, 3, 3)), groups=3), ValueError,
         "out_channels (weight.shape[0])=4 must be divisible by groups=3"),
        (lambda: convlib.conv2d(X, np.ones((4, 10, 3, 3)), groups=0), ValueError,
         "groups=0 must be a positive integer"),
        (lambda: convlib.conv2d(X, np.ones((4, 10, 3, 3)), stride=0), ValueError,
         "stride=0 must be a positive integer"),
        (lambda: convlib.conv2d(X, np.ones((4, 10, 3, 3)), dilation=(1, -2)), ValueError,
         "dilation=(1, -2) must be a positive integer"),
        (lambda: convlib.conv2d(X, np.ones((4, 10, 3, 3)), padding=-1), ValueError,
         "padding=-1 must be a non-negative integer (>= 0)"),
        (lambda: convlib.conv2d(X, np.ones((4, 10, 3, 3)), padding="full"), ValueError,
         "padding='full' must be an int, a tuple of ints, 'valid' or 'same'"),
        (lambda: convlib.conv2d(X, np.ones((4, 10, 3, 3)), stride=2, padding="same"), ValueError,
         "padding='same' needs stride=1 (torch does not support it for strided convolutions), got stride=(2, 2)"),
        (lambda: convlib.conv2d(X, np.ones((4, 10, 9, 3))), ValueError,
         "output size would be 0 < 1: input size 8, padding (0, 0), kernel_size=9"),
        (lambda: convlib.conv2d(X, np.ones((4, 10, 3, 3)), dilation=4), ValueError,
         "output size would be 0 < 1"),
        (lambda: convlib.conv2d(X, np.ones((4, 10, 3, 3)), padding_mode="mirror"), ValueError,
         "padding_mode='mirror' must be one of"),
        (lambda: convlib.conv2d(X, np.ones((4, 10, 3, 3)), padding=8, padding_mode="reflect"), ValueError,
         "with mode='reflect' must be smaller than the input size 8"),
        (lambda: convlib.conv2d(X, np.ones((4, 10, 3, 3)), bias=np.ones(3)), ValueError,
         "bias with shape (3,) must have shape (4,)"),
        (lambda: convlib.conv2d(X[0, 0], np.ones((4, 10, 3, 3))), ValueError,
         "x with shape (8, 8) has 2 dimensions; conv2d expects an unbatched (C, H, W) or batched (N, C, H, W) input"),
        (lambda: convlib.conv2d(X, np.ones((10, 3, 3))), ValueError,
         "weight with shape (10, 3, 3) has 3 dimensions; conv2d expects a weight with 4 dimensions"),
        (lambda: convlib.conv1d(X, np.ones((4, 10, 3))), ValueError,
         "conv1d expects an unbatched (C, L) or batched (N, C, L) input"),
        (lambda: convlib.conv2d(X.astype(int), np.ones((4, 10, 3, 3))), TypeError,
         "weight has dtype float64 but x has dtype int64; they must match"),
        (lambda: convlib.conv2d(X.astype(bool), np.ones((4, 10, 3, 3), bool)), TypeError,
         "x has dtype bool, but convolutions need a real number dtype"),
        (lambda: convlib.conv2d(X, np.ones((4, 10, 3, 3)), stride=1.5), TypeError,
         "stride=1.5 must be an int or a sequence of 2 ints"),
        (lambda: convlib.conv2d(X, np.ones((4, 10, 3, 3)), stride=(1, 2, 3)), ValueError,
         "stride=(1, 2, 3) must be an int or a sequence of 2 ints"),
        (lambda: convlib.conv_transpose2d(X, np.ones((10, 2, 3, 3)), stride=2, output_padding=2), ValueError,
         "output_padding=2 must be smaller than either stride=2 or dilation=1"),
        (lambda: convlib.conv_transpose2d(X, np.ones((9, 2, 3, 3)), groups=3), ValueError,
         "x has 10 channels, but weight with shape (9, 2, 3, 3) expects in_channels = weight.shape[0] = 9"),
        (lambda: convlib.conv_transpose2d(X, np.ones((10, 2, 3, 3)), groups=3), ValueError,
         "in_channels (weight.shape[0])=10 must be divisible by groups=3"),
        (lambda: convlib.conv_transpose2d(X[..., :1, :1], np.ones((10, 2, 1, 1)), padding=1), ValueError,
         "output size would be -1 < 1: (input size 1 - 1) * stride=1 - 2 * padding=1"),
        (lambda: convlib.conv_transpose2d(X, np.ones((10, 2, 3, 3)), padding="same"), TypeError,
         "padding='same' must be an int or a sequence of 2 ints"),
        (lambda: convlib.conv_transpose2d(X, np.ones((10, 2, 3, 3)), bias=np.ones((2, 1))), ValueError,
         "bias with shape (2, 1) must have shape (2,)"),
    ],
)
def test_messages(call, error, message):
    with pytest.raises(error) as info:
        call()
    assert message in str(info.value)
    assert_convlib_error(info.value)
