"""Shape arithmetic of convolution and transposed convolution.

The relationships of Dumoulin & Visin, *A guide to convolution arithmetic for
deep learning* (2016), with torch's conventions (dilation, ``output_padding``,
``padding='same'``). Every function takes ints, or tuples for a per-dimension
answer: when any argument is a tuple the result is a tuple, and plain ints are
repeated to the tuples' length.

Introduced in 01_convolution.ipynb.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from ._checks import check_output_padding, is_int

IntOrTuple = int | tuple[int, ...]


def _per_dim(fn: Callable[..., Any], names: tuple[str, ...], *args: Any) -> Any:
    """Apply a scalar ``fn`` per dimension when any argument is a tuple/list."""
    lengths = {len(a) for a in args if isinstance(a, (tuple, list))}
    if not lengths:
        return fn(*args)
    if len(lengths) > 1:
        shown = ", ".join(f"{n}={a!r}" for n, a in zip(names, args) if isinstance(a, (tuple, list)))
        raise ValueError(f"per-dimension arguments must have the same length: {shown}")
    (n,) = lengths
    cols = [tuple(a) if isinstance(a, (tuple, list)) else (a,) * n for a in args]
    return tuple(fn(*dim) for dim in zip(*cols))


def _int(value: Any, name: str, minimum: int) -> int:
    if not is_int(value):
        raise TypeError(f"{name}={value!r} must be an int")
    if value < minimum:
        rule = "a positive integer (>= 1)" if minimum == 1 else f"an integer >= {minimum}"
        raise ValueError(f"{name}={value} must be {rule}")
    return int(value)


def effective_kernel_size(kernel_size: IntOrTuple, dilation: IntOrTuple = 1) -> IntOrTuple:
    """Extent of a dilated kernel: ``dilation * (kernel_size - 1) + 1``.

    Introduced in 02_dilated_convolution.ipynb.

    Examples
    --------
    >>> effective_kernel_size(3, 2)
    5
    >>> effective_kernel_size((3, 5), (2, 1))
    (5, 5)
    """

    def one(k: int, d: int) -> int:
        return _int(d, "dilation", 1) * (_int(k, "kernel_size", 1) - 1) + 1

    return _per_dim(one, ("kernel_size", "dilation"), kernel_size, dilation)


def conv_output_size(
    input_size: IntOrTuple,
    kernel_size: IntOrTuple,
    stride: IntOrTuple = 1,
    padding: IntOrTuple | str = 0,
    dilation: IntOrTuple = 1,
    *,
    ceil_mode: bool = False,
) -> IntOrTuple:
    """Output size of a convolution: ``floor((i + 2p - d(k-1) - 1) / s) + 1``.

    ``padding`` may also be ``'valid'`` (no padding) or ``'same'`` (output size
    equals input size; stride must be 1, as torch requires). ``ceil_mode=True``
    rounds up like torch's pooling layers (a last window that would start in the
    right padding is dropped).

    Introduced in 01_convolution.ipynb.

    Raises
    ------
    ValueError
        If the output would be smaller than 1 (the message shows the computed size).

    Examples
    --------
    >>> conv_output_size(5, 3, stride=2, padding=1)
    3
    >>> conv_output_size((7, 6), (3, 2), stride=(2, 1))
    (3, 5)
    """
    if isinstance(padding, str):
        if padding == "valid":
            padding = 0
        elif padding == "same":
            strides = stride if isinstance(stride, (tuple, list)) else (stride,)
            if any(s != 1 for s in strides):
                raise ValueError(f"padding='same' is not supported for strided convolutions (stride={stride!r})")
            _per_dim(effective_kernel_size, ("kernel_size", "dilation"), kernel_size, dilation)
            return _per_dim(lambda i: _int(i, "input_size", 1), ("input_size",), input_size)
        else:
            raise ValueError(f"padding={padding!r} must be an int, a tuple, 'valid' or 'same'")

    def one(i: int, k: int, s: int, p: int, d: int) -> int:
        i = _int(i, "input_size", 1)
        s = _int(s, "stride", 1)
        p = _int(p, "padding", 0)
        k_eff = effective_kernel_size(k, d)
        span = i + 2 * p - k_eff
        if ceil_mode:
            out = -(-span // s) + 1
            if (out - 1) * s >= i + p:  # last window would start inside the right padding
                out -= 1
        else:
            out = span // s + 1
        if out < 1:
            raise ValueError(
                f"output size would be {out} < 1: input_size={i}, padding={p}, "
                f"kernel_size={k}, dilation={d} (effective kernel {k_eff}), stride={s} "
                f"give ({i} + 2*{p} - {k_eff}) // {s} + 1 = {out}; "
                "the (dilated) kernel must fit inside the padded input"
            )
        return out

    return _per_dim(
        one, ("input_size", "kernel_size", "stride", "padding", "dilation"),
        input_size, kernel_size, stride, padding, dilation,
    )


def conv_transpose_output_size(
    input_size: IntOrTuple,
    kernel_size: IntOrTuple,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    output_padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
) -> IntOrTuple:
    """Output size of a transposed convolution: ``(i-1)s - 2p + d(k-1) + output_padding + 1``.

    ``output_padding`` must be smaller than ``stride`` or than ``dilation`` (torch's rule):
    it picks one of the ``stride`` input sizes that a strided convolution maps to the
    same output size.

    Introduced in 06_transposed_convolution.ipynb.

    Examples
    --------
    >>> conv_transpose_output_size(3, 3, stride=2, padding=1)
    5
    >>> conv_transpose_output_size(3, 3, stride=2, padding=1, output_padding=1)
    6
    """

    def one(i: int, k: int, s: int, p: int, op: int, d: int) -> int:
        i = _int(i, "input_size", 1)
        s = _int(s, "stride", 1)
        p = _int(p, "padding", 0)
        op = _int(op, "output_padding", 0)
        k_eff = effective_kernel_size(k, d)
        check_output_padding((op,), (s,), (int(d),))
        out = (i - 1) * s - 2 * p + k_eff + op
        if out < 1:
            raise ValueError(
                f"output size would be {out} < 1: ({i} - 1)*stride={s} - 2*padding={p} "
                f"+ effective kernel {k_eff} + output_padding={op} = {out}"
            )
        return out

    return _per_dim(
        one, ("input_size", "kernel_size", "stride", "padding", "output_padding", "dilation"),
        input_size, kernel_size, stride, padding, output_padding, dilation,
    )


def same_padding(kernel_size: IntOrTuple, dilation: IntOrTuple = 1) -> tuple[int, int] | tuple[tuple[int, int], ...]:
    """``(before, after)`` padding that keeps the size at stride 1, as torch's ``padding='same'``.

    The total is ``dilation * (kernel_size - 1)``; when it is odd the extra
    element goes on the far side (after), exactly like torch.

    Introduced in 01_convolution.ipynb.

    Examples
    --------
    >>> same_padding(3)
    (1, 1)
    >>> same_padding(4)
    (1, 2)
    >>> same_padding((3, 2), (2, 1))
    ((2, 2), (0, 1))
    """

    def one(k: int, d: int) -> tuple[int, int]:
        total = effective_kernel_size(k, d) - 1
        return (total // 2, total - total // 2)

    return _per_dim(one, ("kernel_size", "dilation"), kernel_size, dilation)


@dataclass(frozen=True)
class TransposedEquivalent:
    """The direct (stride-1) convolution that a transposed convolution equals.

    Attributes
    ----------
    kernel_size : effective kernel size ``k' = d(k-1)+1`` of the (flipped) kernel
    stride : always 1
    padding : near-side padding ``p' = d(k-1) - p`` (negative means: crop)
    far_padding : far-side padding ``p' + output_padding``
    zeros_inserted : zeros inserted between neighbouring input pixels, ``stride - 1``
    dilated_input_size : input size after inserting the zeros, ``(i-1)*stride + 1``
    output_size : ``dilated_input_size + padding + far_padding - kernel_size + 1``
    """

    kernel_size: IntOrTuple
    stride: IntOrTuple
    padding: IntOrTuple
    far_padding: IntOrTuple
    zeros_inserted: IntOrTuple
    dilated_input_size: IntOrTuple
    output_size: IntOrTuple


def transposed_equivalent(
    input_size: IntOrTuple,
    kernel_size: IntOrTuple,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    output_padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
) -> TransposedEquivalent:
    """The zero-insertion recipe behind a transposed convolution, as numbers.

    Insert ``stride-1`` zeros between input pixels, pad ``p' = d(k-1) - p`` on the
    near side and ``p' + output_padding`` on the far side, then run a stride-1
    convolution with the flipped kernel (effective size ``k'``). Relationship 14
    of Dumoulin & Visin, generalised to dilation and ``output_padding``.

    Introduced in 06_transposed_convolution.ipynb.

    Examples
    --------
    >>> eq = transposed_equivalent(3, 3, stride=2, padding=1, output_padding=1)
    >>> eq.zeros_inserted, eq.dilated_input_size, eq.padding, eq.far_padding, eq.output_size
    (1, 5, 1, 2, 6)
    """

    def one(i: int, k: int, s: int, p: int, op: int, d: int) -> TransposedEquivalent:
        out = conv_transpose_output_size(i, k, s, p, op, d)
        k_eff = effective_kernel_size(k, d)
        near = k_eff - 1 - p
        return TransposedEquivalent(
            kernel_size=k_eff,
            stride=1,
            padding=near,
            far_padding=near + op,
            zeros_inserted=s - 1,
            dilated_input_size=(i - 1) * s + 1,
            output_size=out,
        )

    dims = _per_dim(
        one, ("input_size", "kernel_size", "stride", "padding", "output_padding", "dilation"),
        input_size, kernel_size, stride, padding, output_padding, dilation,
    )
    if isinstance(dims, TransposedEquivalent):
        return dims
    fields = TransposedEquivalent.__dataclass_fields__
    return TransposedEquivalent(**{f: tuple(getattr(d, f) for d in dims) for f in fields})


__all__ = [
    "TransposedEquivalent",
    "conv_output_size",
    "conv_transpose_output_size",
    "effective_kernel_size",
    "same_padding",
    "transposed_equivalent",
]
