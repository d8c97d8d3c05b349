"""Argument normalisation and validation shared by the shape functions and the ops.

Every check raises :class:`ValueError` or :class:`TypeError` whose message names
the parameter, its value and the rule it breaks, e.g.
``ValueError("stride=0 must be a positive integer")`` -- never a bare numpy
broadcasting error further down.

This module is private: its helpers are plumbing, not lessons.
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral
from typing import Any

import numpy as np


def is_int(value: Any) -> bool:
    """True for Python/numpy integers (bool excluded)."""
    return isinstance(value, Integral) and not isinstance(value, (bool, np.bool_))


def to_tuple(value: Any, n: int, name: str) -> tuple[int, ...]:
    """Normalise an int or a sequence of ``n`` ints (or of one int) to an ``n``-tuple.

    >>> to_tuple(2, 2, "stride")
    (2, 2)
    >>> to_tuple((1, 3), 2, "stride")
    (1, 3)
    """
    if is_int(value):
        return (int(value),) * n
    if isinstance(value, Sequence) and not isinstance(value, str):
        items = tuple(value)
        if len(items) == 1 and n > 1:  # torch expands a single-element list
            items = items * n
        if len(items) != n:
            raise ValueError(f"{name}={value!r} must be an int or a sequence of {n} ints")
        if not all(is_int(v) for v in items):
            raise TypeError(f"{name}={value!r} must contain only ints")
        return tuple(int(v) for v in items)
    raise TypeError(f"{name}={value!r} must be an int or a sequence of {n} ints")


def check_positive(values: tuple[int, ...], name: str, original: Any = None) -> None:
    """Raise ValueError unless every entry is >= 1."""
    if any(v < 1 for v in values):
        shown = values if original is None else original
        raise ValueError(f"{name}={shown!r} must be a positive integer (>= 1) in every dimension")


def check_nonnegative(values: tuple[int, ...], name: str, original: Any = None) -> None:
    """Raise ValueError unless every entry is >= 0."""
    if any(v < 0 for v in values):
        shown = values if original is None else original
        raise ValueError(f"{name}={shown!r} must be non-negative in every dimension")


def positive(value: Any, n: int, name: str) -> tuple[int, ...]:
    """``to_tuple`` followed by :func:`check_positive`."""
    out = to_tuple(value, n, name)
    check_positive(out, name, value)
    return out


def nonnegative(value: Any, n: int, name: str) -> tuple[int, ...]:
    """``to_tuple`` followed by :func:`check_nonnegative`."""
    out = to_tuple(value, n, name)
    check_nonnegative(out, name, value)
    return out


def check_output_padding(
    output_padding: tuple[int, ...], stride: tuple[int, ...], dilation: tuple[int, ...]
) -> None:
    """torch's rule: output_padding must be smaller than stride OR than dilation, per dimension."""
    for op, s, d in zip(output_padding, stride, dilation):
        if not (op < s or op < d):
            raise ValueError(
                f"output_padding={op} must be smaller than either stride={s} or dilation={d}"
            )


def as_array(x: Any, name: str) -> np.ndarray:
    """Return ``x`` as a numeric numpy array (no copy when it already is one).

    Floating and integer dtypes are accepted (torch's CPU ``conv2d`` computes in
    integers too, exactly); bool, complex and object arrays are refused.
    """
    arr = np.asarray(x)
    if arr.dtype.kind not in "fiu":
        raise TypeError(
            f"{name} has dtype {arr.dtype}, but convolutions need a real number dtype "
            f"(float32 and float64 are the usual ones); convert with {name}.astype(np.float64)"
        )
    return arr


def check_same_dtype(x: np.ndarray, other: np.ndarray, name: str) -> None:
    """torch refuses mixed input/weight/bias dtypes; so do we."""
    if other.dtype != x.dtype:
        raise TypeError(
            f"{name} has dtype {other.dtype} but x has dtype {x.dtype}; they must match (like torch): "
            f"convert with {name}.astype(x.dtype)"
        )


def check_ndim(arr: np.ndarray, allowed: tuple[int, ...], name: str, what: str) -> None:
    """Raise ValueError naming the allowed numbers of dimensions."""
    if arr.ndim not in allowed:
        raise ValueError(f"{name} with shape {arr.shape} has {arr.ndim} dimensions; {what}")


def check_groups(groups: Any) -> int:
    """groups must be a positive int."""
    if not is_int(groups):
        raise TypeError(f"groups={groups!r} must be an int")
    if groups < 1:
        raise ValueError(f"groups={groups} must be a positive integer (>= 1)")
    return int(groups)


def check_divisible(count: int, groups: int, name: str) -> None:
    """``name``=count must be divisible by groups."""
    if count % groups != 0:
        raise ValueError(f"{name}={count} must be divisible by groups={groups}")


def prepare_inputs(
    x: Any, weight: Any, bias: Any, nd: int, op: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, bool]:
    """Validate ``x``/``weight``/``bias`` of an ``nd``-dimensional (transposed) convolution.

    Returns ``x`` with a batch axis (added when the input was unbatched), the
    weight, the bias (or None) and whether a batch axis was added.
    """
    x = as_array(x, "x")
    weight = as_array(weight, "weight")
    layout = {1: ("(C, L)", "(N, C, L)"), 2: ("(C, H, W)", "(N, C, H, W)")}[nd]
    check_ndim(x, (nd + 1, nd + 2), "x", f"{op} expects an unbatched {layout[0]} or batched {layout[1]} input")
    check_ndim(weight, (nd + 2,), "weight", f"{op} expects a weight with {nd + 2} dimensions")
    check_same_dtype(x, weight, "weight")
    if bias is not None:
        bias = as_array(bias, "bias")
        check_same_dtype(x, bias, "bias")
    unbatched = x.ndim == nd + 1
    return (x[None] if unbatched else x), weight, bias, unbatched


def check_bias(bias: np.ndarray | None, out_channels: int) -> None:
    """bias must have shape (out_channels,)."""
    if bias is not None and bias.shape != (out_channels,):
        raise ValueError(
            f"bias with shape {bias.shape} must have shape ({out_channels},): one value per output channel"
        )
