"""Argument rules: one function and one wording per rule, for the whole package.

Messages follow PyTorch's style: they name the parameter, its value and the
rule, e.g. ``ValueError("stride=0 must be a positive integer (>= 1)")``.

Which exception:

* :class:`TypeError` -- the value has the wrong *type*: a float, bool or string
  where an int is required, a number where a sequence is required, an array of
  the wrong dtype;
* :class:`ValueError` -- the type is right but the *value* breaks a rule:
  ``stride=0``, a tuple of the wrong length, ``padding='full'``, a strided
  ``'same'``, channels that ``groups`` does not divide, an empty output.

Every check raises before numpy would fail with an error of its own.

Introduced in 01_convolution.ipynb.

Examples
--------
>>> integer(3, "kernel_size", minimum=1)
3
>>> ints((1, 3), 2, "stride", minimum=1)
(1, 3)
>>> ints(0, 2, "stride", minimum=1)
Traceback (most recent call last):
    ...
ValueError: stride=0 must be a positive integer (>= 1)
>>> integer(1.5, "seed", minimum=0)
Traceback (most recent call last):
    ...
TypeError: seed=1.5 must be an int
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral
from typing import Any

import numpy as np


def is_int(value: Any) -> bool:
    """True for Python and numpy integers (``bool`` is not an int here).

    >>> is_int(3), is_int(np.int64(3)), is_int(True), is_int(3.0)
    (True, True, False, False)
    """
    if type(value) is int:  # the common case, without the slower abstract-class check
        return True
    return isinstance(value, Integral) and not isinstance(value, (bool, np.bool_))


def rule(minimum: int) -> str:
    """The words for "an integer >= minimum" (the same everywhere).

    >>> rule(1), rule(0), rule(2)
    ('a positive integer (>= 1)', 'a non-negative integer (>= 0)', 'an integer >= 2')
    """
    if minimum == 1:
        return "a positive integer (>= 1)"
    if minimum == 0:
        return "a non-negative integer (>= 0)"
    return f"an integer >= {minimum}"


def integer(value: Any, name: str, minimum: int | None = None) -> int:
    """``value`` as an int: TypeError unless it is one, ValueError if it is below ``minimum``."""
    if not is_int(value):
        raise TypeError(f"{name}={value!r} must be an int")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name}={value!r} must be {rule(minimum)}")
    return int(value)


def ints(value: Any, n: int | None, name: str, minimum: int | None = None) -> tuple[int, ...]:
    """An int, or a sequence of ``n`` ints (or of one, which torch repeats), as an ``n``-tuple.

    ``n=None`` accepts a non-empty sequence of any length (an int then gives a 1-tuple).
    """
    spelled = f"a sequence of {n} ints" if n is not None else "a sequence of ints"
    if is_int(value):
        items: tuple[Any, ...] = (value,) * (n or 1)
    elif isinstance(value, Sequence) and not isinstance(value, str):
        items = tuple(value)
        if n is not None and len(items) == 1 and n > 1:
            items = items * n
        if not items or (n is not None and len(items) != n):
            raise ValueError(f"{name}={value!r} must be an int or {spelled}")
        if not all(is_int(v) for v in items):
            raise TypeError(f"{name}={value!r} must be an int or {spelled}")
    else:
        raise TypeError(f"{name}={value!r} must be an int or {spelled}")
    if minimum is not None and any(v < minimum for v in items):
        where = "" if is_int(value) else " in every dimension"
        raise ValueError(f"{name}={value!r} must be {rule(minimum)}{where}")
    return tuple(int(v) for v in items)


def flag(value: Any, name: str) -> bool:
    """``value`` as a bool: TypeError for anything but True/False.

    >>> flag(np.bool_(True), "transposed")
    True
    """
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}={value!r} must be True or False")
    return bool(value)


def one_of(value: Any, name: str, options: Sequence[Any]) -> Any:
    """ValueError unless ``value`` is one of ``options``."""
    if value not in options:
        raise ValueError(f"{name}={value!r} must be one of {tuple(options)}")
    return value


def nonempty(items: Sequence[Any], name: str, what: str) -> None:
    """ValueError for an empty sequence (``what`` names an element)."""
    if len(items) == 0:
        raise ValueError(f"{name}={list(items)!r} must contain at least one {what}")


def same_length(**values: Any) -> int | None:
    """The common length of the tuple/list arguments (None when all are scalars); ValueError if they differ."""
    lengths = {len(v) for v in values.values() if isinstance(v, (tuple, list))}
    if len(lengths) > 1:
        shown = ", ".join(f"{k}={v!r}" for k, v in values.items() if isinstance(v, (tuple, list)))
        raise ValueError(f"per-dimension arguments must have the same length: {shown}")
    return lengths.pop() if lengths else None


# --- convolution rules --------------------------------------------------------------


def padding_word(padding: str) -> str:
    """A string padding must be ``'valid'`` or ``'same'``."""
    if padding not in ("valid", "same"):
        raise ValueError(f"padding={padding!r} must be an int, a tuple of ints, 'valid' or 'same'")
    return padding


def same_needs_stride_one(stride: Any) -> None:
    """torch refuses ``padding='same'`` with a stride other than 1; so do we, in these words."""
    strides = stride if isinstance(stride, (tuple, list)) else (stride,)
    if any(s != 1 for s in strides):
        raise ValueError(
            f"padding='same' needs stride=1 (torch does not support it for strided convolutions), "
            f"got stride={stride!r}"
        )


def output_padding_rule(output_padding: Sequence[int], stride: Sequence[int], dilation: Sequence[int]) -> None:
    """torch's rule: output_padding must be smaller than stride or than dilation, per dimension."""
    for op, s, d in zip(output_padding, stride, dilation):
        if not (op < s or op < d):
            raise ValueError(f"output_padding={op} must be smaller than either stride={s} or dilation={d}")


def only_transposed(output_padding: Any) -> None:
    """``output_padding`` other than 0 belongs to transposed convolutions only."""
    values = output_padding if isinstance(output_padding, (tuple, list)) else (output_padding,)
    if any(values):
        raise ValueError(
            f"output_padding={output_padding!r} only applies to a transposed convolution (transposed=True)"
        )


def divisible(count: int, groups: int, name: str) -> None:
    """``name``=count must be divisible by groups.

    >>> divisible(10, 3, "in_channels")
    Traceback (most recent call last):
        ...
    ValueError: in_channels=10 must be divisible by groups=3
    """
    if count % groups != 0:
        raise ValueError(f"{name}={count} must be divisible by groups={groups}")


# --- arrays -------------------------------------------------------------------------


def as_array(x: Any, name: str) -> np.ndarray:
    """``x`` as a numeric numpy array (no copy when it already is one).

    Floating and integer dtypes are accepted (torch's CPU ``conv2d`` computes in
    integers too, exactly); bool, complex and object arrays are refused (TypeError).
    """
    arr = np.asarray(x)
    if arr.dtype.kind not in "fiu":
        raise TypeError(
            f"{name} has dtype {arr.dtype}, but convolutions need a real number dtype "
            f"(float32 and float64 are the usual ones); convert with {name}.astype(np.float64)"
        )
    return arr


def same_dtype(x: np.ndarray, other: np.ndarray, name: str) -> None:
    """torch refuses mixed input/weight/bias dtypes; so do we (TypeError)."""
    if other.dtype != x.dtype:
        raise TypeError(
            f"{name} has dtype {other.dtype} but x has dtype {x.dtype}; they must match (like torch): "
            f"convert with {name}.astype(x.dtype)"
        )


def ndim(arr: np.ndarray, allowed: tuple[int, ...], name: str, what: str) -> None:
    """ValueError naming the allowed numbers of dimensions."""
    if arr.ndim not in allowed:
        raise ValueError(f"{name} with shape {arr.shape} has {arr.ndim} dimensions; {what}")


def shape(arr: np.ndarray, expected: tuple[int, ...], name: str, why: str = "") -> None:
    """ValueError unless ``arr.shape == expected``."""
    if arr.shape != tuple(expected):
        raise ValueError(f"{name} with shape {arr.shape} must have shape {tuple(expected)}{why}")


def conv_arrays(
    x: Any, weight: Any, bias: Any, nd: int, op: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, bool]:
    """Validate ``x``/``weight``/``bias`` of an ``nd``-dimensional (transposed) convolution.

    Returns ``x`` with a batch axis (added when the input was unbatched), the
    weight, the bias (or None) and whether a batch axis was added.
    """
    x = as_array(x, "x")
    weight = as_array(weight, "weight")
    layout = {1: ("(C, L)", "(N, C, L)"), 2: ("(C, H, W)", "(N, C, H, W)")}[nd]
    ndim(x, (nd + 1, nd + 2), "x", f"{op} expects an unbatched {layout[0]} or batched {layout[1]} input")
    ndim(weight, (nd + 2,), "weight", f"{op} expects a weight with {nd + 2} dimensions")
    same_dtype(x, weight, "weight")
    if bias is not None:
        bias = as_array(bias, "bias")
        same_dtype(x, bias, "bias")
    unbatched = x.ndim == nd + 1
    return (x[None] if unbatched else x), weight, bias, unbatched


def conv_channels(x_channels: int, weight_shape: tuple[int, ...], groups: int, *, transposed: bool) -> int:
    """The weight fits ``x`` and ``groups`` (torch's layouts); returns the number of output channels.

    A convolution's weight is ``(C_out, C_in / groups, k...)``, a transposed
    convolution's ``(C_in, C_out / groups, k...)``.
    """
    first, second, *kernel_size = weight_shape
    if first < 1 or second < 1 or any(k < 1 for k in kernel_size):
        raise ValueError(f"weight with shape {weight_shape} must have at least one channel each way and one tap")
    if transposed:
        divisible(first, groups, "in_channels (weight.shape[0])")
        if x_channels != first:
            raise ValueError(
                f"x has {x_channels} channels, but weight with shape {weight_shape} expects "
                f"in_channels = weight.shape[0] = {first} (transposed layout: (C_in, C_out/groups, ...))"
            )
        return second * groups
    divisible(first, groups, "out_channels (weight.shape[0])")
    if x_channels != second * groups:
        raise ValueError(
            f"x has {x_channels} channels, but weight with shape {weight_shape} and groups={groups} "
            f"expects in_channels = weight.shape[1] * groups = {second * groups}"
        )
    return first


def bias_shape(bias: np.ndarray | None, out_channels: int) -> None:
    """bias must have shape (out_channels,)."""
    if bias is not None:
        shape(bias, (out_channels,), "bias", ": one value per output channel")


__all__ = [
    "as_array",
    "bias_shape",
    "conv_arrays",
    "conv_channels",
    "divisible",
    "flag",
    "integer",
    "ints",
    "is_int",
    "ndim",
    "nonempty",
    "one_of",
    "only_transposed",
    "output_padding_rule",
    "padding_word",
    "rule",
    "same_dtype",
    "same_length",
    "same_needs_stride_one",
    "shape",
]
