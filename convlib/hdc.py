"""Hybrid Dilated Convolution (HDC): the design rules, and the brute force beside them.

Wang et al., *Understanding Convolution for Semantic Segmentation* (WACV 2018),
as retold in seed 002 §3, for ``n`` stacked ``K×K`` convolutions with rates
``r_1 … r_n`` (layer 1 nearest the input):

1. the "maximum distance between two non-zero values"
   ``M_i = max[M_{i+1} − 2 r_i, 2 r_i − M_{i+1}, r_i]`` with ``M_n = r_n``,
   and the design goal ``M_2 ≤ K`` (with ``r_1 = 1``, seed 002 §3.3);
2. a sawtooth of rising groups, e.g. ``[1, 2, 5, 1, 2, 5]`` (a suggestion);
3. no common factor greater than 1, e.g. not ``[2, 4, 8]``.

The brute force counts the holes of the stack's utilization map
(:func:`convlib.utilization_map`). :func:`hdc_rule_table` compares the two over
every rate list of a range: the rule is not exact (see its docstring).

Introduced in 05_hdc.ipynb.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .gridding import rate_lines, utilization_map
from .validate import integer, is_int, nonempty


def _check_rates(rates: Any, kernel_size: Any) -> tuple[tuple[int, ...], int]:
    k = integer(kernel_size, "kernel_size", 1)
    if is_int(rates) or isinstance(rates, str) or not hasattr(rates, "__iter__"):
        raise TypeError(f"rates={rates!r} must be a sequence of dilation rates (positive ints)")
    out = tuple(rates)
    nonempty(out, "rates", "rate")
    return tuple(integer(r, f"rates[{i}]", 1) for i, r in enumerate(out)), k


def max_distances(rates: Any) -> tuple[int, ...]:
    """``(M_1, …, M_n)``: HDC's "maximum distance between two non-zero values" per layer.

    ``M_n = r_n`` and ``M_i = max[M_{i+1} − 2 r_i, 2 r_i − M_{i+1}, r_i]``.

    Introduced in 05_hdc.ipynb.

    >>> max_distances([1, 2, 5])   # seed 002: M_2 = 2 <= 3
    (1, 2, 5)
    >>> max_distances([1, 2, 9])   # seed 002: M_2 = 5 > 3
    (3, 5, 9)
    """
    rs, _ = _check_rates(rates, 3)
    m = [rs[-1]]
    for r in reversed(rs[:-1]):
        m.append(max(m[-1] - 2 * r, 2 * r - m[-1], r))
    return tuple(reversed(m))


def has_holes(rates_or_layers: Any, kernel_size: int = 3) -> bool:
    """Brute force: does the stack's utilization map have a zero inside its receptive field?

    Introduced in 05_hdc.ipynb.

    >>> has_holes([2, 2, 2]), has_holes([1, 2, 5]), has_holes([1, 2, 9])
    (True, False, True)
    """
    return not (utilization_map(rates_or_layers, kernel_size) > 0).all()


def _runs(rates: tuple[int, ...]) -> list[tuple[int, ...]]:
    """Maximal strictly rising runs: [1, 2, 5, 1, 2, 5] -> [(1, 2, 5), (1, 2, 5)]."""
    runs = [[rates[0]]]
    for r in rates[1:]:
        if r > runs[-1][-1]:
            runs[-1].append(r)
        else:
            runs.append([r])
    return [tuple(run) for run in runs]


@dataclass(frozen=True)
class HDCReport:
    """What :func:`check_hdc` found: each rule, why it holds or fails, and the brute force.

    Attributes
    ----------
    rates, kernel_size : the stack checked
    M : ``(M_1, …, M_n)`` maximum distances
    max_distance_ok : ``M_2 <= K`` (None for a single layer: no ``M_2``)
    first_rate_one : ``r_1 == 1`` (needed for ``M_1 = 1``, seed 002 §3.3)
    gcd, common_factor_ok : greatest common divisor of the rates, and ``gcd == 1``
    sawtooth : the rates repeat one rising group at least twice
    receptive_field : field size ``1 + (K-1) * sum(r)``
    hole_free, n_holes, coverage : brute force on the 2-D utilization map
    """

    rates: tuple[int, ...]
    kernel_size: int
    M: tuple[int, ...]
    max_distance_ok: bool | None
    first_rate_one: bool
    gcd: int
    common_factor_ok: bool
    sawtooth: bool
    receptive_field: int
    hole_free: bool
    n_holes: int
    coverage: float

    @property
    def conforms(self) -> bool:
        """The HDC design rules hold: ``M_2 <= K``, ``r_1 = 1`` and no common factor."""
        return self.max_distance_ok is not False and self.first_rate_one and self.common_factor_ok

    @property
    def agrees(self) -> bool:
        """The rules' verdict matches the brute force (conforms == hole-free)."""
        return self.conforms == self.hole_free

    def lines(self) -> list[str]:
        """The report, one finding per line (what ``repr`` prints)."""
        K, rs, M = self.kernel_size, list(self.rates), self.M
        ok = {True: "holds", False: "FAILS", None: "n/a"}
        out = [f"HDC check of rates {rs} with kernel_size={K} (receptive field {self.receptive_field})"]
        ms = ", ".join(f"M_{i + 1}={m}" for i, m in enumerate(M))
        if self.max_distance_ok is None:
            why = "a single layer has no M_2"
        else:
            why = f"M_2 = {M[1]} {'<=' if self.max_distance_ok else '>'} K = {K}"
            if not self.max_distance_ok:
                why += ": layer 2's non-zero taps are further apart than layer 1's kernel can fill"
        out.append(f"  max distance   {ok[self.max_distance_ok]:5}  {why}  ({ms})")
        why = "r_1 = 1, so M_1 can be 1" if self.first_rate_one else (
            f"r_1 = {rs[0]} > 1, so M_1 >= {rs[0]}: the rule asks for r_1 = 1"
        )
        out.append(f"  first rate     {ok[self.first_rate_one]:5}  {why}")
        g = f"gcd{tuple(rs)}" if len(rs) > 1 else f"gcd({rs[0]})"
        why = f"{g} = {self.gcd}" + (
            "" if self.common_factor_ok else f": every tap lands on a multiple of {self.gcd}"
        )
        out.append(f"  common factor  {ok[self.common_factor_ok]:5}  {why}")
        runs = _runs(self.rates)
        if self.sawtooth:
            why = f"the rising group {list(runs[0])} repeats {len(runs)} times"
        elif len(runs) == 1:
            why = f"one rising group {rs}; a sawtooth repeats it, e.g. {rs * 2}"
        else:
            why = f"rising groups {[list(r) for r in runs]} are not one group repeated"
        out.append(f"  sawtooth       {'yes' if self.sawtooth else 'no':5}  {why}  (a suggestion, not a hole test)")
        side = self.receptive_field
        holes = "no holes" if self.hole_free else f"{self.n_holes} holes"
        out.append(
            f"  brute force    {'hole-free' if self.hole_free else 'HOLES'}: {holes} in the {side}×{side} field, "
            f"coverage {self.coverage:.1%}"
        )
        verdict = "conforms to HDC" if self.conforms else "does not conform to HDC"
        agree = "agrees with" if self.agrees else "DISAGREES with"
        out.append(f"  verdict: {verdict}; the rule {agree} the brute force")
        return out

    def __repr__(self) -> str:
        return "\n".join(self.lines())


def check_hdc(rates: Any, kernel_size: int = 3) -> HDCReport:
    """Check a stack of dilation rates against the HDC rules and by brute force.

    Parameters
    ----------
    rates : sequence of int
        Dilation rates ``r_1 … r_n``, layer 1 nearest the input (stride 1, ``K×K`` kernels).
    kernel_size : int
        ``K``.

    Returns
    -------
    HDCReport
        Its ``repr`` is a readable report for notebooks.

    Introduced in 05_hdc.ipynb.

    Examples
    --------
    >>> report = check_hdc([1, 2, 9])
    >>> report.M, report.max_distance_ok, report.hole_free
    ((3, 5, 9), False, False)
    >>> check_hdc([2, 2, 2]).max_distance_ok   # M_2 = 2 <= 3, yet the source's gridding example
    True
    """
    rs, k = _check_rates(rates, kernel_size)
    M = max_distances(rs)
    counts = utilization_map(rs, k)
    used = counts > 0
    g = math.gcd(*rs)
    runs = _runs(rs)
    return HDCReport(
        rates=rs,
        kernel_size=k,
        M=M,
        max_distance_ok=None if len(rs) == 1 else M[1] <= k,
        first_rate_one=rs[0] == 1,
        gcd=g,
        common_factor_ok=g == 1,
        sawtooth=len(runs) >= 2 and len(runs[0]) >= 2 and all(r == runs[0] for r in runs),
        receptive_field=counts.shape[0],
        hole_free=bool(used.all()),
        n_holes=int((~used).sum()),
        coverage=float(used.mean()),
    )


# --- the rule against the brute force ----------------------------------------------

_CATEGORIES = ("rule ok, hole-free", "rule ok, holes", "rule fails, hole-free", "rule fails, holes")


@dataclass(frozen=True)
class HDCRuleRow:
    """Counts for rate lists of one length, with ``r_1 = 1`` or ``r_1 > 1``."""

    n_layers: int
    first_rate_one: bool
    counts: tuple[int, int, int, int]  # in the order of HDCRuleTable.categories

    @property
    def agree(self) -> int:
        return self.counts[0] + self.counts[3]

    @property
    def disagree(self) -> int:
        return self.counts[1] + self.counts[2]


@dataclass(frozen=True)
class HDCRuleTable:
    """Where the rule ``M_2 <= K`` and the brute force (holes in the map) agree.

    ``rows`` split the rate lists by length and by ``r_1 = 1`` / ``r_1 > 1``;
    ``examples`` maps each category to its first rate lists (lexicographic order).
    """

    kernel_size: int
    max_rate: int
    lengths: tuple[int, ...]
    rows: tuple[HDCRuleRow, ...]
    examples: dict[str, tuple[tuple[int, ...], ...]]

    categories = _CATEGORIES

    def total(self, category: str, *, first_rate_one: bool | None = None) -> int:
        """Number of rate lists in ``category`` (optionally only ``r_1 = 1`` or ``r_1 > 1``)."""
        i = _CATEGORIES.index(category)
        return sum(
            row.counts[i] for row in self.rows if first_rate_one is None or row.first_rate_one == first_rate_one
        )

    @property
    def agree(self) -> int:
        return sum(row.agree for row in self.rows)

    @property
    def disagree(self) -> int:
        return sum(row.disagree for row in self.rows)

    def __repr__(self) -> str:
        head = ("layers", "r_1", *_CATEGORIES)
        body = [
            (str(row.n_layers), "= 1" if row.first_rate_one else "> 1", *(str(c) for c in row.counts))
            for row in self.rows
        ]
        body.append(("all", "", *(str(self.total(c)) for c in _CATEGORIES)))
        widths = [max(len(r[i]) for r in [head, *body]) for i in range(len(head))]
        fmt = lambda r: "  ".join(c.rjust(w) for c, w in zip(r, widths))  # noqa: E731
        lines = [
            f"M_2 <= K={self.kernel_size} against the brute force, every rate list of length "
            f"{', '.join(map(str, self.lengths))} with rates 1..{self.max_rate}",
            fmt(head),
            "  ".join("-" * w for w in widths),
            *(fmt(r) for r in body),
            f"agree: {self.agree}, disagree: {self.disagree}",
        ]
        for cat in _CATEGORIES[1:3]:
            shown = ", ".join(str(list(r)) for r in self.examples[cat][:4]) or "none"
            lines.append(f"{cat}: e.g. {shown}")
        return "\n".join(lines)


def hdc_rule_table(
    lengths: tuple[int, ...] = (2, 3, 4), max_rate: int = 10, kernel_size: int = 3, n_examples: int = 6
) -> HDCRuleTable:
    """Tabulate the rule ``M_2 <= K`` against the brute force over every rate list.

    Every list of each length in ``lengths`` with rates ``1..max_rate`` is checked
    both ways. For ``K = 3``, lengths 2–4 and rates 1–10 (11,100 lists) the table
    shows that the rule is neither necessary nor sufficient on its own: ``[2, 2, 2]``
    (seed 002's own gridding example) has ``M_2 = 2 <= 3`` and holes. With
    ``r_1 = 1`` it never passes a stack with holes, but it rejects many hole-free
    ones such as ``[1, 3, 1]``. (At stride 1 the layers' order does not change the
    map -- convolution commutes -- while ``M`` depends on the order.)

    Introduced in 05_hdc.ipynb.
    """
    integer(max_rate, "max_rate", 1)
    lens = tuple(lengths)
    nonempty(lens, "lengths", "length")
    for i, n in enumerate(lens):
        integer(n, f"lengths[{i}]", 2)  # M_2 needs two layers
    _check_rates([1], kernel_size)
    counts: dict[tuple[int, bool], list[int]] = {}
    examples: dict[str, list[tuple[int, ...]]] = {c: [] for c in _CATEGORIES}
    for n in lens:
        rate_lists = list(itertools.product(range(1, max_rate + 1), repeat=n))
        # the brute force: a hole in the 1-D line of a stride-1 stack (2-D holes iff 1-D holes)
        has_hole = [not line.all() for line in rate_lines(rate_lists, kernel_size)]
        for rates, holes in zip(rate_lists, has_hole):
            rule = max_distances(rates)[1] <= kernel_size
            cat = 2 * (not rule) + holes
            counts.setdefault((n, rates[0] == 1), [0, 0, 0, 0])[cat] += 1
            if len(examples[_CATEGORIES[cat]]) < n_examples:
                examples[_CATEGORIES[cat]].append(rates)
    rows = tuple(
        HDCRuleRow(n, one, tuple(counts.get((n, one), [0, 0, 0, 0]))) for n in lens for one in (True, False)
    )
    return HDCRuleTable(kernel_size, max_rate, lens, rows, {c: tuple(v) for c, v in examples.items()})


# --- suggestions ---------------------------------------------------------------------


def _conforming(n: int, total: int, k: int, budget: list[int]) -> list[tuple[int, ...]]:
    """Rate lists of length n, sum ``total``, ``r_1 = 1`` and ``M_2 <= K`` (depth-first from the top layer).

    Pruning: going down one layer divides ``M`` by at most 3, so ``r_i <= M_i <= K * 3^(i-2)``
    (1-based ``i >= 2``), which also caps what layers ``2..i`` can add up to. ``budget[0]``
    counts down the partial lists visited (negative: the search stopped early).
    """
    if n == 1:
        return [(1,)] if total == 1 else []
    reach = [0, 0] + [k * 3 ** (i - 2) for i in range(2, n + 1)]  # reach[i]: largest useful M_i
    cap = [0, 0] + list(itertools.accumulate(reach[2:]))  # cap[i]: largest r_2 + ... + r_i
    out = []
    # stack items: (i, rest, M_{i+1}, chosen r_{i+1..n}); choose r_i with r_2 + ... + r_i = rest
    stack = [(n, total - 1, None, ())]
    while stack:
        i, rest, m, tail = stack.pop()
        budget[0] -= 1
        if budget[0] < 0:
            break
        if i == 1:
            if rest == 0 and m <= k:
                out.append((1, *tail))
            continue
        for r in range(max(1, rest - cap[i - 1]), min(rest - (i - 2), reach[i]) + 1):
            mi = r if m is None else max(m - 2 * r, 2 * r - m, r)
            if mi <= reach[i]:
                stack.append((i - 1, rest - r, mi, (r, *tail)))
    return out


_SEARCH_BUDGET = 1_000_000


def _order(orders: list[tuple[int, ...]]) -> tuple[int, ...]:
    """Among HDC-conforming orders of one multiset of rates: a sawtooth, else rising, else the first."""
    for rates in sorted(orders):
        runs = _runs(rates)
        if len(runs) >= 2 and len(runs[0]) >= 2 and all(r == runs[0] for r in runs):
            return rates
    rising = [r for r in orders if list(r) == sorted(r)]
    return rising[0] if rising else min(orders)


def suggest_rates(
    target_rf: int, n_layers: int, kernel_size: int = 3, *, limit: int = 5
) -> list[tuple[int, ...]]:
    """Hole-free, HDC-conforming rate lists that reach a receptive field, best first.

    Candidates have ``r_1 = 1``, ``M_2 <= K``, no common factor, and a hole-free
    utilization map (brute force). At stride 1 the map does not depend on the
    layers' order, so each multiset of rates is suggested once, in one of its
    conforming orders (a sawtooth if there is one, else rising, else the first).
    "Best" means, in this order:

    1. the smallest receptive field ``1 + (K-1) * sum(r)`` that is ``>= target_rf``
       (no wasted reach);
    2. the evenest use of the field: the smallest peak of the utilization map
       (every candidate of one field size spreads the same ``K^(2n)`` paths over
       the same square, so a lower peak means fewer pixels counted many times);
    3. the smaller largest rate, then lexicographic order (to be deterministic).

    Field sizes are tried upward from the target until ``limit`` lists are found
    (at most 8 sizes above the first reachable one). The search enumerates rate
    lists, pruned by the ``M`` recursion: instant for 3–4 layers, about a second
    for 6 layers and a field of 100.

    Introduced in 05_hdc.ipynb.

    Examples
    --------
    >>> suggest_rates(13, 3)
    [(1, 2, 3), (1, 1, 4), (1, 3, 3), (1, 2, 4), (1, 1, 5)]
    """
    for name, value in (("target_rf", target_rf), ("n_layers", n_layers), ("limit", limit)):
        integer(value, name, 1)
    _check_rates([1], kernel_size)
    k = int(kernel_size)
    if k == 1:
        raise ValueError("kernel_size=1 never grows the receptive field; use kernel_size >= 2")
    total = max(n_layers, -(-(target_rf - 1) // (k - 1)))
    found: list[tuple[int, int, int, tuple[int, ...]]] = []
    budget = [_SEARCH_BUDGET]
    for extra in range(9):
        s = total + extra
        groups: dict[tuple[int, ...], list[tuple[int, ...]]] = {}
        for rates in _conforming(n_layers, s, k, budget):
            groups.setdefault(tuple(sorted(rates)), []).append(rates)
        candidates = [m for m in groups if math.gcd(*m) == 1]
        for multiset, line in zip(candidates, rate_lines(candidates, k) if candidates else []):
            orders = groups[multiset]
            if not line.all():
                continue
            peak = int(line.max()) ** 2
            found.append((1 + (k - 1) * s, peak, multiset[-1], _order(orders)))
        if budget[0] < 0:
            raise ValueError(
                f"the search for n_layers={n_layers}, target_rf={target_rf} is too large (more than "
                f"{_SEARCH_BUDGET:,} partial rate lists); ask for fewer layers or a smaller field"
            )
        if len(found) >= limit:
            break
    if not found:
        raise ValueError(
            f"no hole-free HDC-conforming list of n_layers={n_layers} rates reaches target_rf={target_rf} "
            f"within 8 field sizes above the first reachable one; try more layers"
        )
    found.sort()
    return [rates for *_, rates in found[:limit]]


__all__ = [
    "HDCReport",
    "HDCRuleRow",
    "HDCRuleTable",
    "check_hdc",
    "has_holes",
    "hdc_rule_table",
    "max_distances",
    "suggest_rates",
]
