"""HDC: the M recursion and rules, the brute force beside them, and where they disagree."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import convlib.hdc
from convlib.gridding import rate_lines
from convlib import check_hdc, has_holes, hdc_rule_table, max_distances, suggest_rates, utilization_map
from reference_seed import source_main_map


def _m_by_hand(rates):
    """The recursion exactly as seed 002 writes it: M_i = max[M_{i+1} - 2r_i, M_{i+1} - 2(M_{i+1} - r_i), r_i]."""
    m = rates[-1]
    out = [m]
    for r in reversed(rates[:-1]):
        m = max(m - 2 * r, m - 2 * (m - r), r)
        out.append(m)
    return tuple(reversed(out))


# --- the source's numbers ---------------------------------------------------------------


def test_source_examples():
    # §3.2: [1,2,5]: M_2 = max[5-4, 4-5, 2] = 2 <= 3;  [1,2,9]: M_2 = max[9-4, 4-9, 2] = 5 > 3
    assert max_distances([1, 2, 5])[1] == 2
    assert max_distances([1, 2, 9])[1] == 5
    assert check_hdc([1, 2, 5]).conforms and check_hdc([1, 2, 5]).hole_free
    report = check_hdc([1, 2, 9])
    assert not report.max_distance_ok and not report.hole_free and report.agrees
    # §3.4: [2, 4, 8] has the common factor 2
    report = check_hdc([2, 4, 8])
    assert report.gcd == 2 and not report.common_factor_ok and not report.hole_free


@given(st.lists(st.integers(1, 30), min_size=1, max_size=8))
def test_recursion_matches_the_source_formula(rates):
    assert max_distances(rates) == _m_by_hand(rates)


# --- brute force ---------------------------------------------------------------------------


@given(st.lists(st.integers(1, 5), min_size=1, max_size=3), st.integers(2, 3))
def test_has_holes_equals_the_source_loop(rates, k):
    side = max(2 * sum((k - 1) // 2 * r for r in rates), 2 * sum((k - 1 - (k - 1) // 2) * r for r in rates) + 1)
    m = source_main_map(rates, size=side, k=k)
    rows, cols = np.nonzero(m)
    box = m[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]  # the receptive field's square
    assert has_holes(rates, k) == bool((box == 0).any())


@given(st.permutations([1, 2, 5, 3]), st.integers(2, 4))
def test_order_does_not_change_the_map(rates, k):
    # stride 1: convolution commutes, so the map is the same for every order of the rates
    assert np.array_equal(utilization_map(rates, k), utilization_map([1, 2, 3, 5], k))


def test_m_depends_on_order_while_the_map_does_not():
    assert max_distances([1, 3, 1])[1] == 5 and max_distances([1, 1, 3])[1] == 1
    assert np.array_equal(utilization_map([1, 3, 1]), utilization_map([1, 1, 3]))
    assert check_hdc([2, 1]).hole_free and not check_hdc([2, 1]).conforms  # r_1 = 2, yet no holes
    assert np.array_equal(utilization_map([2, 1]), utilization_map([1, 2]))


def test_every_common_factor_leaves_holes():
    for rates in itertools.product(range(1, 9), repeat=3):
        if math.gcd(*rates) > 1:
            assert has_holes(rates)


# --- the table: where the rule M_2 <= K and the brute force disagree ----------------------


@pytest.fixture(scope="module")
def table():
    return hdc_rule_table(lengths=(2, 3, 4), max_rate=10, kernel_size=3)


def test_rule_table_as_found(table):
    # Computed once over all 11,100 lists (rates 1..10, lengths 2..4, K = 3) and kept here:
    # (layers, r_1 == 1): (rule ok & hole-free, rule ok & holes, rule fails & hole-free, rule fails & holes)
    found = {
        (2, True): (3, 0, 0, 7),
        (2, False): (2, 25, 0, 63),
        (3, True): (19, 0, 14, 67),
        (3, False): (28, 143, 24, 705),
        (4, True): (158, 0, 379, 463),
        (4, False): (437, 985, 799, 6779),
    }
    assert {(row.n_layers, row.first_rate_one): row.counts for row in table.rows} == found
    assert sum(sum(c) for c in found.values()) == 10**2 + 10**3 + 10**4
    assert (table.agree, table.disagree) == (8731, 2369)


def test_rule_table_conclusions(table):
    # with r_1 = 1 the rule never passes a stack with holes (sufficient) but rejects hole-free ones
    assert table.total("rule ok, holes", first_rate_one=True) == 0
    assert table.total("rule fails, hole-free", first_rate_one=True) == 393
    # with r_1 > 1 it errs both ways
    assert table.total("rule ok, holes", first_rate_one=False) == 1153
    assert table.total("rule fails, hole-free", first_rate_one=False) == 823


@pytest.mark.parametrize(
    "rates, category",
    [
        ((1, 2, 5), "rule ok, hole-free"),
        ((1, 2, 3), "rule ok, hole-free"),
        ((2, 1), "rule ok, hole-free"),  # r_1 = 2 > 1, still no hole
        ((2, 2, 2), "rule ok, holes"),  # the source's own gridding example passes M_2 <= K
        ((1, 3, 1), "rule fails, hole-free"),
        ((1, 2, 5, 1), "rule fails, hole-free"),
        ((1, 2, 9), "rule fails, holes"),
    ],
)
def test_named_examples(table, rates, category):
    assert _category(rates) == category


def _category(rates):
    report = check_hdc(rates)
    return f"rule {'ok' if report.max_distance_ok else 'fails'}, {'hole-free' if report.hole_free else 'holes'}"


def test_table_examples_are_in_their_category(table):
    for category, examples in table.examples.items():
        assert len(examples) == 6
        assert all(_category(rates) == category for rates in examples)


def test_the_sources_sawtooth_fails_the_rule_but_has_no_holes():
    report = check_hdc([1, 2, 5, 1, 2, 5])
    assert report.sawtooth and report.hole_free
    assert report.M[1] == 5 and not report.max_distance_ok and not report.agrees


def test_table_repr_lists_the_categories(table):
    text = repr(table)
    assert "agree: 8731, disagree: 2369" in text
    assert "rule ok, holes: e.g. [2, 2]" in text
    assert len(text.splitlines()) == 3 + 6 + 1 + 1 + 2


@pytest.mark.parametrize("k", [2, 3, 4])
def test_batched_rate_lines_equal_utilization_map_on_every_list(k):
    """The HDC brute force counts many stacks at once (rate_lines); each line equals the stack's own map."""
    for n in (1, 2, 3):
        rate_lists = list(itertools.product(range(1, 8), repeat=n))
        for rates, line in zip(rate_lists, rate_lines(rate_lists, k)):
            np.testing.assert_array_equal(line, utilization_map(rates, k, ndim=1))
    with pytest.raises(ValueError, match="same number of layers"):
        rate_lines([(1, 2), (1,)])


# --- the report ------------------------------------------------------------------------------


def test_report_repr_says_which_rule_holds_and_why():
    text = repr(check_hdc([1, 2, 9]))
    assert "M_2 = 5 > K = 3" in text and "FAILS" in text
    assert "(M_1=3, M_2=5, M_3=9)" in text
    assert "HOLES: 184 holes in the 25×25 field" in text  # 25² - (25 - 4)² : 4 unused columns and rows
    text = repr(check_hdc([2, 4, 8]))
    assert "gcd(2, 4, 8) = 2: every tap lands on a multiple of 2" in text
    assert "r_1 = 2 > 1" in text
    text = repr(check_hdc([3]))
    assert "a single layer has no M_2" in text


def test_sawtooth_detection():
    assert check_hdc([1, 2, 3, 1, 2, 3]).sawtooth
    assert not check_hdc([1, 2, 3]).sawtooth
    assert not check_hdc([1, 2, 3, 1, 2]).sawtooth
    assert not check_hdc([1, 2, 3, 1, 2, 4]).sawtooth


@pytest.mark.parametrize(
    "rates, kernel_size, exc, match",
    [
        ([], 3, ValueError, "at least one rate"),
        ([1, 0], 3, ValueError, r"rates\[1\]=0 must be a positive integer"),
        ([1, -2], 3, ValueError, r"rates\[1\]=-2"),
        ([1, 2.0], 3, TypeError, r"rates\[1\]=2.0 must be an int"),
        (5, 3, TypeError, "must be a sequence"),
        ([1, 2], 0, ValueError, "kernel_size=0 must be a positive integer"),
    ],
)
def test_check_hdc_bad_input(rates, kernel_size, exc, match):
    with pytest.raises(exc, match=match):
        check_hdc(rates, kernel_size)


# --- suggestions ---------------------------------------------------------------------------


def _candidates_by_definition(target, n, k):
    """Independent brute force of suggest_rates' candidates: every list whose field is within 8 sizes."""
    smax = -(-(target - 1) // (k - 1)) + 8
    rows = {}
    for rates in itertools.product(range(1, smax - n + 2), repeat=n):
        s = sum(rates)
        if 1 + (k - 1) * s < target or s > smax or rates[0] != 1 or _m_by_hand(rates)[1] > k:
            continue
        line = utilization_map(rates, k, ndim=1)
        if (line == 0).any() or math.gcd(*rates) > 1:
            continue
        rows[tuple(sorted(rates))] = (1 + (k - 1) * s, int(line.max()), max(rates))
    return rows


@pytest.mark.parametrize("target, n", [(13, 3), (17, 3), (9, 2), (21, 4)])
def test_suggestions_follow_the_definition(target, n):
    got = suggest_rates(target, n)
    rows = _candidates_by_definition(target, n, 3)
    best_keys = sorted(rows.values())[:5]
    assert [rows[tuple(sorted(r))] for r in got] == best_keys  # same ranking keys, best first
    assert len({tuple(sorted(r)) for r in got}) == len(got)  # one order per multiset
    for rates in got:
        report = check_hdc(rates)
        assert report.conforms and report.hole_free and report.receptive_field >= target


def test_suggestions_known_answers():
    assert suggest_rates(13, 3)[0] == (1, 2, 3)  # the source's preferred [1, 2, 3]
    assert suggest_rates(17, 3)[0] == (1, 2, 5)  # the HDC paper's [1, 2, 5]
    assert suggest_rates(3, 1) == [(1,)]


def test_suggest_rates_bad_input(monkeypatch):
    with pytest.raises(ValueError, match="target_rf=0 must be a positive integer"):
        suggest_rates(0, 3)
    with pytest.raises(ValueError, match="n_layers=0 must be a positive integer"):
        suggest_rates(13, 0)
    with pytest.raises(TypeError, match="n_layers=2.5 must be an int"):
        suggest_rates(13, 2.5)
    with pytest.raises(ValueError, match="kernel_size=1 never grows"):
        suggest_rates(13, 3, kernel_size=1)
    with pytest.raises(ValueError, match="try more layers"):
        suggest_rates(9, 1)
    monkeypatch.setattr(convlib.hdc, "_SEARCH_BUDGET", 50)
    with pytest.raises(ValueError, match="too large"):
        suggest_rates(101, 6)


@pytest.mark.parametrize("target, n_layers", [(13, 3), (14, 3), (20, 3), (20, 4), (21, 3), (30, 4), (8, 3)])
def test_every_suggestion_reaches_the_target_with_the_smallest_field(target, n_layers):
    k = 3
    found = suggest_rates(target, n_layers, k)
    assert found
    fields = [1 + (k - 1) * sum(r) for r in found]
    assert all(f >= target for f in fields), (target, found)
    assert fields == sorted(fields)
    smallest = max(1 + (k - 1) * n_layers, target + (-(target - 1)) % (k - 1))  # first reachable field >= target
    assert fields[0] == smallest
    for rates in found:
        report = check_hdc(rates, k)
        assert report.conforms and report.hole_free and report.receptive_field == 1 + (k - 1) * sum(rates)
