"""Utilization maps: convlib's vectorised counts against the source's pixel loops.

References (tests/reference_seed.py): seed 002's ``dilated_conv_all_map`` applied
layer by layer for stride-1 stacks, and the same loop walked over every layer's
own grid for strided stacks.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from convlib import Layer, coverage, holes, progression, receptive_field, unit_utilization, utilization_map
from reference_seed import source_main_map, strided_all_map


def _min_size(rates, k):
    """Smallest map that holds the field with the output pixel at size // 2 (source's layout)."""
    before = sum((k - 1) // 2 * r for r in rates)
    after = sum((k - 1 - (k - 1) // 2) * r for r in rates)
    return max(2 * before, 2 * after + 1)


# --- the source's own experiments ------------------------------------------------------


def test_source_main_rates_1_2_5_on_31x31():
    # seed 002's main(): size 31, rates [1, 2, 5], k = 3
    ours = utilization_map([1, 2, 5], size=31)
    assert np.array_equal(ours, source_main_map([1, 2, 5], size=31))
    assert coverage(ours) == 1.0  # "the field contains every pixel" (§3.2.1)


def test_source_figures_rf_13_13_7():
    # §2: [2,2,2] -> 13x13 field with holes, [1,2,3] -> 13x13 without, [1,1,1] -> 7x7
    for rates, side, full in (([2, 2, 2], 13, False), ([1, 2, 3], 13, True), ([1, 1, 1], 7, True)):
        m = utilization_map(rates)
        assert m.shape == (side, side) == (receptive_field([Layer(3, dilation=r) for r in rates]).size,) * 2
        assert bool((m > 0).all()) is full
    # [2,2,2]: every offset is a multiple of 2, so exactly the even rows and columns are used
    used = utilization_map([2, 2, 2]) > 0
    even = np.add.outer(np.arange(13) % 2, np.arange(13) % 2) == 0
    assert np.array_equal(used, even)
    assert coverage([2, 2, 2]) == 49 / 169
    assert len(holes([2, 2, 2])) == 169 - 49


def test_source_layer2_layer3_counts():
    # §2.1: Layer2 uses 9 pixels of Layer1; Layer3 (two rate-2 layers) uses 25
    maps = progression([2, 2, 2])
    assert [int((m > 0).sum()) for m in maps] == [9, 25, 49]
    assert np.array_equal(maps[-1], utilization_map([2, 2, 2]))


# --- equality with the reference loops -----------------------------------------------


@given(
    st.lists(st.integers(1, 4), min_size=1, max_size=4),
    st.integers(1, 4),
    st.integers(0, 2),
)
def test_equals_source_dilated_conv_all_map(rates, k, extra):
    size = _min_size(rates, k) + extra
    assert np.array_equal(utilization_map(rates, k, size=size), source_main_map(rates, size=size, k=k))


@given(
    st.lists(st.tuples(st.integers(1, 4), st.integers(1, 3), st.integers(1, 3)), min_size=1, max_size=3),
)
def test_equals_strided_loop_reference(specs):
    layers = [Layer(k, s, 0, d) for k, s, d in specs]
    tight = utilization_map(layers)
    r = receptive_field(layers).size
    assert tight.shape == (r, r)
    side = max(_reach(specs)) * 2 + 1
    ref = strided_all_map(specs, side)
    assert np.array_equal(utilization_map(layers, size=side), ref)
    assert tight.sum() == ref.sum() == math.prod(k for k, _, _ in specs) ** 2  # every path counted once


def _reach(specs):
    jump, before, after = 1, 0, 0
    for k, s, d in specs:
        before += (k - 1) // 2 * d * jump
        after += (k - 1 - (k - 1) // 2) * d * jump
        jump *= s
    return before, after


@given(
    st.lists(
        st.tuples(
            st.tuples(st.integers(1, 4), st.integers(1, 4)),
            st.tuples(st.integers(1, 2), st.integers(1, 3)),
            st.tuples(st.integers(1, 3), st.integers(1, 2)),
        ),
        min_size=1,
        max_size=3,
    )
)
def test_anisotropic_map_is_outer_product_of_axes(specs):
    layers = [Layer(k, s, 0, d) for k, s, d in specs]
    m = utilization_map(layers)
    rows = utilization_map([Layer(k[0], s[0], 0, d[0]) for k, s, d in specs], ndim=1)
    cols = utilization_map([Layer(k[1], s[1], 0, d[1]) for k, s, d in specs], ndim=1)
    assert np.array_equal(m, np.outer(rows, cols))
    assert m.shape == receptive_field(layers).size


@given(
    st.lists(st.tuples(st.integers(1, 4), st.integers(1, 3), st.integers(0, 2), st.integers(1, 3)),
             min_size=1, max_size=4),
    st.data(),
)
def test_interior_unit_counts_equal_the_map(specs, data):
    # far from the borders, a unit's exact counts on a finite input are the utilization map
    layers = [Layer(*spec) for spec in specs]
    rf = receptive_field(layers)
    n = rf.size + 2 * rf.padding + 2 * rf.stride + data.draw(st.integers(0, 5))
    out = n
    for layer in layers:
        out = layer.output_size(out)
    lo, hi = -(-rf.padding // rf.stride), min(out - 1, (n - rf.size + rf.padding) // rf.stride)
    if lo > hi:
        return
    x = data.draw(st.integers(lo, hi))
    line = unit_utilization(layers, (n,), x)
    first, last = rf.field(x)
    assert np.array_equal(line[first : last + 1], utilization_map(layers, ndim=1))
    assert line[:first].sum() == line[last + 1 :].sum() == 0


def test_progression_grows_like_the_closed_form():
    layers = [Layer(3, 1, 0, 1), Layer(3, 2, 0, 2), Layer(2, 1, 0, 1), Layer(3, 1, 0, 3)]
    maps = progression(layers)
    assert len(maps) == 4 and all(m.shape == maps[-1].shape for m in maps)
    rows = receptive_field(layers).layers
    for m, row in zip(maps, rows):
        used = np.nonzero(m.any(axis=0))[0]
        assert used.max() - used.min() + 1 == row.size
        assert m.sum() == math.prod(l.kernel_size for l in layers[: row.index]) ** 2
    assert np.array_equal(maps[-1], utilization_map(layers))


def test_progression_with_size_keeps_the_source_layout():
    maps = progression([1, 2, 5], size=31)
    for i, m in enumerate(maps, start=1):
        assert np.array_equal(m, source_main_map([1, 2, 5][:i], size=31))


def test_one_dimensional_line():
    assert utilization_map([1, 2], ndim=1).tolist() == [1, 1, 2, 1, 2, 1, 1]
    assert np.array_equal(utilization_map([1, 2]), np.outer([1, 1, 2, 1, 2, 1, 1], [1, 1, 2, 1, 2, 1, 1]))


def test_counts_are_exact_up_to_int64_and_float_beyond():
    line = utilization_map([1] * 39, ndim=1)  # 3**39 paths: still within int64
    poly = [1]  # coefficients of (1 + x + x^2)^39 in Python ints: the exact path counts
    for _ in range(39):
        poly = [sum(poly[j - t] for t in range(3) if 0 <= j - t < len(poly)) for j in range(len(poly) + 2)]
    assert line.dtype == np.int64 and line.tolist() == poly and sum(poly) == 3**39
    for _ in range(2):  # 40 and 41 layers: more than 2**63 paths in all
        poly = [sum(poly[j - t] for t in range(3) if 0 <= j - t < len(poly)) for j in range(len(poly) + 2)]
    big = utilization_map([1] * 41, ndim=1)
    assert big.dtype == np.float64 and np.allclose(big, np.array(poly, dtype=float), rtol=1e-15, atol=0)
    square = utilization_map([1] * 39)  # 2-D: the centre's count is the 1-D centre squared, beyond int64
    assert square.dtype == np.float64 and square[39, 39] == float(line[39]) ** 2


def test_holes_and_coverage_of_a_map_array():
    line = np.array([0, 1, 0, 2, 0, 1, 0])
    assert holes(line).tolist() == [[2], [4]]  # zeros outside the used span are not holes
    assert coverage(line) == 3 / 5
    with pytest.raises(ValueError, match="no non-zero entry"):
        coverage(np.zeros((3, 3)))


# --- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, kwargs, exc, match",
    [
        (([1, 0, 2],), {}, ValueError, r"rates\[1\]=0 must be a positive integer"),
        (([1, -2],), {}, ValueError, r"rates\[1\]=-2 must be a positive integer"),
        (([1, 2], 0), {}, ValueError, "kernel_size=0 must be a positive integer"),
        (([1, 2], -3), {}, ValueError, "kernel_size=-3 must be a positive integer"),
        (([(3, 0, 0)],), {}, ValueError, "stride=0 must be a positive integer"),
        (([Layer(3, 2, kind="transposed")],), {}, ValueError, "transposed convolution"),
        (([],), {}, ValueError, "at least one layer"),
        ((3,), {}, TypeError, "must be a sequence"),
        (([1, 2, 5],), {"size": 16}, ValueError, "size=16 is too small.*must be at least 17"),
        (([1, 2],), {"ndim": 3}, ValueError, r"ndim=3 must be one of \(1, 2\)"),
        (([Layer((3, 3))],), {"ndim": 1}, ValueError, "does not match"),
    ],
)
def test_bad_input(args, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        utilization_map(*args, **kwargs)


@given(st.lists(st.integers(1, 6), min_size=1, max_size=4), st.integers(1, 5))
def test_size_error_names_the_exact_minimum(rates, k):
    need = _min_size(rates, k)
    utilization_map(rates, k, size=need)
    if need == 1:  # k = 1: a single pixel
        return
    with pytest.raises(ValueError, match=f"must be at least {need}"):
        utilization_map(rates, k, size=need - 1)


def test_unit_utilization_bad_position():
    with pytest.raises(ValueError, match=r"position=4 \(axis 0\) is outside the output, which has 4 units"):
        unit_utilization([(3, 1, 0)], (6,), 4)


def test_coverage_and_holes_take_the_kernel_size_and_refuse_empty_maps():
    assert coverage([2, 2], kernel_size=5) == (9 * 9) / (17 * 17)  # every other pixel of a 17x17 field
    assert len(holes([2, 2], kernel_size=5)) == 17 * 17 - 9 * 9
    assert coverage(np.array([[0, 1], [1, 1]])) == 0.75 and coverage(np.array([1])) == 1.0
    assert holes(np.array([3])).shape == (0, 1)
    with pytest.raises(ValueError, match="non-empty 1-D or 2-D array"):
        coverage(np.zeros((0,)))
    with pytest.raises(ValueError, match="non-empty 1-D or 2-D array"):
        holes(np.ones((2, 2, 2)))


def test_unit_utilization_defaults_to_the_middle_unit_and_counts_in_int64():
    layers = [(3, 1, 1), (3, 2, 1), (2, 1, 0)]
    n_out = 5  # 11 -> 11 -> 6 -> 5
    middle = unit_utilization(layers, (11,), position=n_out // 2)
    assert middle.dtype == np.int64
    np.testing.assert_array_equal(unit_utilization(layers, (11,)), middle)
    assert not np.array_equal(unit_utilization(layers, (11,), position=1), middle)
    up = unit_utilization([Layer(3, 2, 1, kind="transposed")], (4,))  # 4 -> 7, middle unit 3
    assert up.dtype == np.int64
    np.testing.assert_array_equal(up, unit_utilization([Layer(3, 2, 1, kind="transposed")], (4,), position=3))
