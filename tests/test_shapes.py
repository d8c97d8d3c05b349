"""convlib.shapes equals the output shapes torch produces (and refuses what torch refuses)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from core_strategies import assert_convlib_error, oracle, outcome, per_dim
from hypothesis import given
from hypothesis import strategies as st

import convlib
from convlib.shapes import TransposedEquivalent


def _zeros(*shape):
    return torch.zeros(*shape, dtype=torch.float64)


def _torch_conv_len(i, k, s, p, d):
    with oracle():
        return F.conv1d(_zeros(1, 1, i), _zeros(1, 1, k), stride=s, padding=p, dilation=d).shape[-1]


def _torch_conv_transpose_len(i, k, s, p, op, d):
    with oracle():
        return F.conv_transpose1d(_zeros(1, 1, i), _zeros(1, 1, k), stride=s, padding=p, output_padding=op,
                                  dilation=d).shape[-1]


# i, k, s, p, d (and op) from ranges that include invalid values
wild = st.tuples(st.integers(0, 9), st.integers(1, 6), st.integers(-1, 4), st.integers(-1, 5), st.integers(-1, 4))


@given(wild)
def test_conv_output_size_equals_torch(args):
    torch_ok, ref = outcome(_torch_conv_len, *args)
    ok, ours = outcome(convlib.conv_output_size, *args)
    if not ok:
        assert_convlib_error(ours)
    assert ok == torch_ok, (args, ref, ours)
    if ok:
        assert ours == ref


@given(wild, st.integers(-1, 4))
def test_conv_transpose_output_size_equals_torch(args, op):
    i, k, s, p, d = args
    torch_ok, ref = outcome(_torch_conv_transpose_len, i, k, s, p, op, d)
    ok, ours = outcome(convlib.conv_transpose_output_size, i, k, s, p, op, d)
    if not ok:
        assert_convlib_error(ours)
    assert ok == torch_ok, ((i, k, s, p, op, d), ref, ours)
    if ok:
        assert ours == ref


@given(st.data())
def test_per_dimension_tuples_equal_conv2d(data):
    i = per_dim(data.draw, 2, 1, 9)
    k, s, p, d = (per_dim(data.draw, 2, *r) for r in [(1, 3), (1, 3), (0, 2), (1, 2)])
    with oracle():
        torch_ok, ref = outcome(lambda: tuple(F.conv2d(_zeros(1, 1, *i), _zeros(1, 1, *k), stride=s, padding=p,
                                                       dilation=d).shape[-2:]))
    ok, ours = outcome(convlib.conv_output_size, i, k, s, p, d)
    assert ok == torch_ok and (not ok or ours == ref), (i, k, s, p, d, ref, ours)


@given(st.integers(1, 9), st.integers(1, 5), st.integers(1, 4), st.integers(0, 3), st.integers(1, 3))
def test_ceil_mode_equals_torch_pooling(i, k, s, p, d):
    with oracle():
        ok, ref = outcome(lambda: F.max_pool1d(_zeros(1, 1, i), k, s, p, d, ceil_mode=True).shape[-1])
    if ok:  # pooling has rules of its own (padding <= k/2); compare where torch pools
        assert convlib.conv_output_size(i, k, s, p, d, ceil_mode=True) == ref


@given(st.integers(1, 7), st.integers(1, 4), st.integers(1, 64))
def test_same_padding_is_torchs_same(k, d, i):
    """Padding (before, after) explicitly gives torch's padding='same' result, extra on the far side."""
    before, after = convlib.same_padding(k, d)
    assert before + after == d * (k - 1) and after - before in (0, 1)
    x = torch.arange(float(i), dtype=torch.float64)[None, None]
    w = torch.arange(1.0, k + 1, dtype=torch.float64)[None, None]
    with oracle():
        ref = F.conv1d(x, w, padding="same", dilation=d)
        ours = F.conv1d(F.pad(x, (before, after)), w, dilation=d)
    torch.testing.assert_close(ours, ref)
    assert convlib.conv_output_size(i, k, 1, "same", d) == i


@given(st.integers(1, 6), st.integers(1, 4), st.integers(1, 3), st.integers(0, 4), st.integers(0, 2), st.integers(1, 3))
def test_transposed_equivalent_rebuilds_torch_conv_transpose(i, k, s, p, op, d):
    """Zeros in, pad p' (far side p' + op; negative crops), flip, stride-1 conv: done with torch alone."""
    op = op % max(s, d)
    ok, ref_len = outcome(_torch_conv_transpose_len, i, k, s, p, op, d)
    if not ok:
        with pytest.raises(ValueError, match="output size would be"):
            convlib.transposed_equivalent(i, k, s, p, op, d)
        return
    eq = convlib.transposed_equivalent(i, k, s, p, op, d)
    assert eq.kernel_size == d * (k - 1) + 1 and eq.stride == 1 and eq.zeros_inserted == s - 1
    assert eq.dilated_input_size == (i - 1) * s + 1 and eq.far_padding - eq.padding == op
    assert eq.output_size == ref_len == eq.dilated_input_size + eq.padding + eq.far_padding - eq.kernel_size + 1
    x = torch.arange(1.0, i + 1, dtype=torch.float64)[None, None]
    w = torch.arange(1.0, k + 1, dtype=torch.float64)[None, None] ** 2
    z = torch.zeros(1, 1, eq.dilated_input_size, dtype=torch.float64)
    z[..., :: s] = x
    with oracle():
        z = F.pad(z, (eq.padding, eq.far_padding))  # F.pad crops where negative
        direct = F.conv1d(z, w.flip(-1), dilation=d)
        ref = F.conv_transpose1d(x, w, stride=s, padding=p, output_padding=op, dilation=d)
    torch.testing.assert_close(direct, ref)


def test_effective_kernel_size_by_hand():
    assert convlib.effective_kernel_size(3, 1) == 3
    assert convlib.effective_kernel_size(3, 2) == 5  # x . x . x
    assert convlib.effective_kernel_size(3, 4) == 9
    assert convlib.effective_kernel_size(1, 7) == 1
    assert convlib.effective_kernel_size((3, 2), 3) == (7, 4)


def test_conv_output_size_by_hand():
    # Dumoulin & Visin relationship 6: o = floor((i + 2p - k) / s) + 1
    assert convlib.conv_output_size(5, 3) == 3
    assert convlib.conv_output_size(5, 3, stride=2, padding=1) == 3
    assert convlib.conv_output_size(6, 3, stride=2, padding=1) == 3  # the floor drops a column
    assert convlib.conv_output_size(7, 3, dilation=2) == 3
    assert convlib.conv_output_size((5, 6), 3, stride=(1, 2)) == (3, 2)
    assert convlib.conv_output_size(8, 3, padding="valid") == 6
    assert convlib.conv_output_size(8, 3, padding="same", dilation=3) == 8
    assert convlib.conv_output_size(6, 2, stride=2, padding=1, ceil_mode=True) == 4
    assert convlib.conv_output_size(5, 2, stride=2, ceil_mode=True) == 3


def test_conv_transpose_output_size_by_hand():
    # relationship 14: o' = s (i' - 1) + k - 2p
    assert convlib.conv_transpose_output_size(3, 3, stride=2, padding=1) == 5
    assert convlib.conv_transpose_output_size(3, 3, stride=2, padding=1, output_padding=1) == 6
    assert convlib.conv_transpose_output_size((2, 3), 4, stride=2, padding=1) == (4, 6)


def test_transposed_equivalent_by_hand():
    # Dumoulin & Visin fig. 4.5: i=5, k=3, s=2, p=1 conv gives 3; its transpose: 3 -> 5
    eq = convlib.transposed_equivalent(3, 3, stride=2, padding=1)
    assert eq == TransposedEquivalent(kernel_size=3, stride=1, padding=1, far_padding=1, zeros_inserted=1,
                                      dilated_input_size=5, output_size=5)
    both = convlib.transposed_equivalent((3, 2), 3, stride=(2, 1), padding=(1, 0))
    assert both.output_size == (5, 4) and both.padding == (1, 2) and both.zeros_inserted == (1, 0)
    with pytest.raises(AttributeError):
        eq.padding = 0  # frozen


def test_same_padding_by_hand():
    assert convlib.same_padding(3) == (1, 1)
    assert convlib.same_padding(4) == (1, 2)  # extra on the far side, like torch
    assert convlib.same_padding(3, 2) == (2, 2)
    assert convlib.same_padding((3, 4)) == ((1, 1), (1, 2))


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: convlib.conv_output_size(2, 5), "output size would be -2 < 1"),
        (lambda: convlib.conv_output_size(5, 3, stride=0), "stride=0 must be a positive integer"),
        (lambda: convlib.conv_output_size(5, 3, padding=-1), "padding=-1 must be a non-negative integer (>= 0)"),
        (lambda: convlib.conv_output_size(5, 3, stride=2, padding="same"), "padding='same' needs stride=1"),
        (lambda: convlib.conv_output_size((5, 5), (3, 3, 3)), "per-dimension arguments must have the same length"),
        (lambda: convlib.conv_transpose_output_size(5, 3, stride=2, output_padding=2),
         "output_padding=2 must be smaller than either stride=2 or dilation=1"),
        (lambda: convlib.effective_kernel_size(3, 0), "dilation=0 must be a positive integer"),
    ],
)
def test_messages(call, message):
    with pytest.raises(ValueError) as info:
        call()
    assert message in str(info.value)


def test_types():
    with pytest.raises(TypeError, match="stride=1.5 must be an int"):
        convlib.conv_output_size(5, 3, stride=1.5)
    assert convlib.conv_output_size(np.int64(5), np.int32(3)) == 3


@given(st.integers(1, 20), st.integers(1, 5), st.integers(1, 4), st.integers(0, 3), st.integers(1, 3))
def test_transposed_output_padding_restores_the_input_size(i, k, s, p, d):
    try:
        o = convlib.conv_output_size(i, k, s, p, d)
    except ValueError:
        with pytest.raises(ValueError):
            convlib.shapes.transposed_output_padding(i, k, s, p, d)
        return
    op = convlib.shapes.transposed_output_padding(i, k, s, p, d)
    assert 0 <= op < s
    assert convlib.conv_transpose_output_size(o, k, s, p, op, d) == i
    if op and i > 1:  # one less is a different input size: output_padding is determined
        assert convlib.conv_transpose_output_size(o, k, s, p, op - 1, d) == i - 1
    assert convlib.shapes.transposed_output_padding((i, i + 1), k, s, p, d) == (
        op, convlib.shapes.transposed_output_padding(i + 1, k, s, p, d))


def test_window_span_by_hand_and_its_rules():
    assert convlib.window_span(3, 3) == 5 and convlib.window_span(3, 3, 2) == 7 and convlib.window_span(3, 3, 1, 2) == 7
    assert convlib.window_span((3, 1), (3, 2), (2, 1), (1, 3)) == (7, 4)
    assert convlib.window_span(1, 1) == 1
    with pytest.raises(ValueError, match=r"n_windows=0 must be a positive integer \(>= 1\)"):
        convlib.window_span(0, 3)
    with pytest.raises(ValueError, match=r"stride=0 must be a positive integer \(>= 1\)"):
        convlib.window_span(2, 3, 0)
    with pytest.raises(ValueError, match=r"kernel_size=0 must be a positive integer"):
        convlib.window_span(2, 0)
    with pytest.raises(ValueError, match=r"dilation=0 must be a positive integer"):
        convlib.window_span(2, 3, 1, 0)
    with pytest.raises(ValueError, match=r"per-dimension arguments must have the same length: n_windows=\(1, 2\), "
                                         r"kernel_size=\(3, 3, 3\)"):
        convlib.window_span((1, 2), (3, 3, 3))


def test_transposed_output_padding_defaults_and_messages():
    assert convlib.shapes.transposed_output_padding(5, 3) == convlib.shapes.transposed_output_padding(6, 3) == 0
    assert convlib.shapes.transposed_output_padding(6, 3, 3) == 0  # padding 0 and dilation 1 by default
    assert convlib.shapes.transposed_output_padding(6, 3, 2) == 1 and convlib.shapes.transposed_output_padding(6, 3, 2, 1) == 1
    assert convlib.shapes.transposed_output_padding(9, 3, 3, 0, 2) == 1
    for fn, args in ((convlib.shapes.transposed_output_padding, ((5, 5), (3, 3, 3))),
                     (convlib.window_span, ((5, 5), (3, 3, 3)))):
        with pytest.raises(ValueError, match=r"same length: [a-z_]+=\(5, 5\), kernel_size=\(3, 3, 3\)$"):
            fn(*args)
    with pytest.raises(ValueError, match=r"same length: n_windows=\(1, 2\), stride=\(1, 2, 3\)$"):
        convlib.window_span((1, 2), 3, (1, 2, 3))
    with pytest.raises(ValueError, match=r"same length: n_windows=\(1, 2\), dilation=\(1, 2, 3\)$"):
        convlib.window_span((1, 2), 3, 1, (1, 2, 3))
    with pytest.raises(ValueError, match=r"same length: input_size=\(5, 5\), stride=\(1, 2, 3\)$"):
        convlib.shapes.transposed_output_padding((5, 5), 3, (1, 2, 3))
    with pytest.raises(ValueError, match=r"same length: input_size=\(5, 5\), padding=\(1, 2, 3\)$"):
        convlib.shapes.transposed_output_padding((5, 5), 3, 1, (1, 2, 3))
    with pytest.raises(ValueError, match=r"same length: input_size=\(5, 5\), dilation=\(1, 2, 3\)$"):
        convlib.shapes.transposed_output_padding((5, 5), 3, 1, 0, (1, 2, 3))


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: convlib.conv_output_size(0, 3), ValueError, "input_size=0 must be a positive integer (>= 1)"),
        (lambda: convlib.conv_output_size(0, 3, padding="same"), ValueError,
         "input_size=0 must be a positive integer (>= 1)"),
        (lambda: convlib.conv_output_size(5.0, 3, padding="same"), TypeError, "input_size=5.0 must be an int"),
        (lambda: convlib.conv_output_size(5, 0), ValueError, "kernel_size=0 must be a positive integer (>= 1)"),
        (lambda: convlib.conv_output_size(5, 0, padding="same"), ValueError,
         "kernel_size=0 must be a positive integer (>= 1)"),
        (lambda: convlib.conv_output_size(5, 3, dilation=0, padding="same"), ValueError,
         "dilation=0 must be a positive integer (>= 1)"),
        (lambda: convlib.conv_output_size(5, (3, 3), dilation=(1, 1, 1), padding="same"), ValueError,
         "per-dimension arguments must have the same length: kernel_size=(3, 3), dilation=(1, 1, 1)"),
        (lambda: convlib.same_padding((3, 3), (1, 1, 1)), ValueError,
         "per-dimension arguments must have the same length: kernel_size=(3, 3), dilation=(1, 1, 1)"),
        (lambda: convlib.shapes.recipe_padding((3, 4), (1, 0), (1, 0), (1, 2)), None, ((1, 2), (6, 6))),
    ],
)
def test_size_rules_say_exactly_what_is_wrong(call, error, message):
    if error is None:  # recipe_padding: near d(k-1)-p, far near+output_padding, per dimension
        assert call() == message
        assert convlib.shapes.recipe_padding((2,), (3,), (0,), (1,)) == ((-2, -2),)  # negative: a crop
        return
    with pytest.raises(Exception) as info:
        call()
    assert type(info.value) is error and str(info.value) == message
