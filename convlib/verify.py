"""Checking a general statement over a grid of parameters, the way the course does.

A sentence such as "for every kernel size and stride, ..." is a claim about infinitely
many cases. The course never rests it on one example: it names the claim, runs it over a
grid of parameters and prints one line saying how many cases held. If one case fails, the
cell raises with the first counterexample, so a notebook whose prose is wrong cannot be
executed (or pass nbval). The markdown cell that makes the claim carries the comment
``<!-- claim: name -->``; ``tools/audit.py`` checks that every general statement has such
a tag and that the tag's check ran over enough cases.

Introduced in 00_index.ipynb (how the course checks itself).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

#: Name of a claim: letters, digits, ``-`` and ``_`` (used in ``<!-- claim: name -->``).
CLAIM_NAME = re.compile(r"[A-Za-z][\w-]*")


@dataclass(frozen=True)
class GridCheck:
    """The result of :func:`check_grid`: a claim that held in every case of a grid.

    Attributes
    ----------
    name : str
        The claim's name (what ``<!-- claim: name -->`` refers to).
    cases : int
        How many cases were checked (all held).
    axes : dict of str -> (first, last, count)
        Each parameter's first and last value and how many values it took.
    """

    name: str
    cases: int
    axes: dict[str, tuple[Any, Any, int]]

    def __repr__(self) -> str:
        ranges = ", ".join(
            f"{key} ∈ {{{first}}}" if count == 1 else f"{key} ∈ {first}…{last} ({count} values)"
            for key, (first, last, count) in self.axes.items()
        )
        return f"✓ claim {self.name}: holds in all {self.cases} cases ({ranges})"


def check_grid(
    name: str, predicate: Callable[..., Any], /, *, where: Callable[..., Any] | None = None, **axes: Iterable[Any]
) -> GridCheck:
    """Check ``predicate(**case)`` for every case of the grid ``axes``; raise on the first failure.

    Parameters
    ----------
    name : str
        The claim's name, as the markdown tag ``<!-- claim: name -->`` spells it.
    predicate : callable
        Called with one keyword argument per axis; the claim holds for a case when it
        returns a true value.
    where : callable, optional
        Called like ``predicate``; cases where it returns a false value are left out
        (e.g. parameter combinations PyTorch refuses). Left-out cases are not counted.
    **axes : iterables
        The values each parameter takes; the grid is their Cartesian product.

    Returns
    -------
    GridCheck
        Prints as one line: the claim, the number of cases and the ranges.

    Raises
    ------
    AssertionError
        On the first case where ``predicate`` is false, naming that case.
    ValueError
        For a bad name, no axes, an empty axis, or a grid with no case left after ``where``.

    Introduced in 00_index.ipynb.

    Examples
    --------
    >>> check_grid("floor-division", lambda n, s: n // s * s <= n, n=range(0, 20), s=range(1, 5))
    ✓ claim floor-division: holds in all 80 cases (n ∈ 0…19 (20 values), s ∈ 1…4 (4 values))
    >>> check_grid("too-strong", lambda n: n * n > n, n=range(0, 5))
    Traceback (most recent call last):
    ...
    AssertionError: claim too-strong fails for n=0 (case 1 of 5)
    """
    if not isinstance(name, str) or not CLAIM_NAME.fullmatch(name):
        raise ValueError(f"name={name!r} must be letters, digits, '-' or '_', starting with a letter")
    if not callable(predicate):
        raise TypeError(f"predicate={predicate!r} must be callable")
    if not axes:
        raise ValueError("check_grid needs at least one axis, e.g. k=range(1, 10)")
    values = {key: list(axis) for key, axis in axes.items()}
    empty = [key for key, vals in values.items() if not vals]
    if empty:
        raise ValueError(f"axes {empty} have no values")
    keys = list(values)
    grid = [dict(zip(keys, combo)) for combo in itertools.product(*values.values())]
    if where is not None:
        grid = [case for case in grid if where(**case)]
    if not grid:
        raise ValueError(f"claim {name}: no case is left after `where`")
    for number, case in enumerate(grid, start=1):
        if not predicate(**case):
            shown = ", ".join(f"{k}={v!r}" for k, v in case.items())
            raise AssertionError(f"claim {name} fails for {shown} (case {number} of {len(grid)})")
    used = {key: [case[key] for case in grid] for key in keys}
    summary = {key: (vals[0], vals[-1], len(dict.fromkeys(map(repr, vals)))) for key, vals in used.items()}
    return GridCheck(name=name, cases=len(grid), axes=summary)


__all__ = ["CLAIM_NAME", "GridCheck", "check_grid"]
