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

from .validate import integer, ints, output_padding_rule, padding_word, same_length, same_needs_stride_one

IntOrTuple = int | tuple[int, ...]
Pads = tuple[tuple[int, int], ...]


def _per_dim(fn: Callable[..., Any], names: tuple[str, ...], *args: Any) -> Any:
    """Apply a scalar ``fn`` per dimension when any argument is a tuple/list."""
    if not any(isinstance(a, (tuple, list)) for a in args):
        return fn(*args)
    n = same_length(**dict(zip(names, args)))
    cols = [tuple(a) if isinstance(a, (tuple, list)) else (a,) * n for a in args]
    return tuple(fn(*dim) for dim in zip(*cols))


# --- the formulas (the only place they are written) ----------------------------------


def _window_span(n_windows: int, k: int, s: int, d: int) -> int:
    """Input length that ``n_windows`` windows of a dilated kernel cover: ``(n - 1) s + d (k - 1) + 1``."""
    return (n_windows - 1) * s + d * (k - 1) + 1


def _conv_size(n: int, before: int, after: int, k: int, s: int, d: int) -> int:
    """``floor((n + before + after - d (k - 1) - 1) / s) + 1``: windows that fit in the padded input."""
    return (n + before + after - d * (k - 1) - 1) // s + 1


def _check_conv_size(o: int, n: int, before: int, after: int, k: int, s: int, d: int) -> int:
    """``o``, or the one ValueError (with the arithmetic) when the output would be empty."""
    if o < 1 or n < 1:
        ke = d * (k - 1) + 1
        raise ValueError(
            f"output size would be {o} < 1: input size {n}, padding ({before}, {after}), kernel_size={k}, "
            f"dilation={d} (effective kernel {ke}), stride={s} give ({n} + {before} + {after} - {ke}) // {s} "
            f"+ 1 = {o}; the (dilated) kernel must fit inside the padded input"
        )
    return o


def _transpose_size(i: int, k: int, s: int, p: int, op: int, d: int) -> int:
    """``(i - 1) s - 2 p + d (k - 1) + output_padding + 1``, or the one ValueError when it is below 1."""
    o = _window_span(i, k, s, d) - 2 * p + op
    if o < 1 or i < 1:
        raise ValueError(
            f"output size would be {o} < 1: (input size {i} - 1) * stride={s} - 2 * padding={p} "
            f"+ dilation={d} * (kernel_size={k} - 1) + output_padding={op} + 1 = {o}"
        )
    return o


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
        return integer(d, "dilation", 1) * (integer(k, "kernel_size", 1) - 1) + 1

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
        if padding_word(padding) == "same":
            same_needs_stride_one(stride)
            _per_dim(effective_kernel_size, ("kernel_size", "dilation"), kernel_size, dilation)
            return _per_dim(lambda i: integer(i, "input_size", 1), ("input_size",), input_size)
        padding = 0

    def one(i: int, k: int, s: int, p: int, d: int) -> int:
        i, s, p = integer(i, "input_size", 1), integer(s, "stride", 1), integer(p, "padding", 0)
        effective_kernel_size(k, d)  # validates k and d
        if not ceil_mode:
            return _check_conv_size(_conv_size(i, p, p, k, s, d), i, p, p, k, s, d)
        out = _conv_size(i, p, p + s - 1, k, s, d)  # rounding up = one more stride of room on the far side
        if (out - 1) * s >= i + p:  # torch: the last window may not start inside the right padding
            out -= 1
        return _check_conv_size(out, i, p, p, k, s, d)

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
        i, s = integer(i, "input_size", 1), integer(s, "stride", 1)
        p, op = integer(p, "padding", 0), integer(op, "output_padding", 0)
        effective_kernel_size(k, d)  # validates k and d
        output_padding_rule((op,), (s,), (d,))
        return _transpose_size(i, k, s, p, op, d)

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


def padding_pairs(
    padding: Any, kernel_size: tuple[int, ...], stride: tuple[int, ...], dilation: tuple[int, ...]
) -> Pads:
    """``(before, after)`` per spatial dimension for an int, tuple, ``'valid'`` or ``'same'`` padding.

    ``kernel_size``, ``stride`` and ``dilation`` are already validated tuples.

    Introduced in 01_convolution.ipynb.

    >>> padding_pairs("same", (4, 3), (1, 1), (1, 2))
    ((1, 2), (2, 2))
    >>> padding_pairs(1, (3, 3), (2, 2), (1, 1))
    ((1, 1), (1, 1))
    """
    nd = len(kernel_size)
    if isinstance(padding, str):
        if padding_word(padding) == "valid":
            return ((0, 0),) * nd
        same_needs_stride_one(stride)
        return tuple(same_padding(k, d) for k, d in zip(kernel_size, dilation))
    return tuple((p, p) for p in ints(padding, nd, "padding", 0))


def conv_output_shape(
    sizes: tuple[int, ...], pads: Pads, kernel_size: tuple[int, ...], stride: tuple[int, ...],
    dilation: tuple[int, ...],
) -> tuple[int, ...]:
    """Output size per dimension with ``(before, after)`` padding pairs (validated arguments).

    The same formula as :func:`conv_output_size`, for padding that may differ
    between the two sides (``'same'`` with an even kernel); ValueError when a
    dimension would be empty.

    Introduced in 01_convolution.ipynb.

    >>> conv_output_shape((5, 6), ((1, 2), (0, 0)), (4, 3), (1, 2), (1, 1))
    (5, 2)
    """
    return tuple(
        _check_conv_size(_conv_size(n, b, a, k, s, d), n, b, a, k, s, d)
        for n, (b, a), k, s, d in zip(sizes, pads, kernel_size, stride, dilation)
    )


def window_span(
    n_windows: IntOrTuple, kernel_size: IntOrTuple, stride: IntOrTuple = 1, dilation: IntOrTuple = 1
) -> IntOrTuple:
    """Input length that ``n_windows`` windows cover: ``(n - 1) * stride + dilation * (k - 1) + 1``.

    The inverse view of :func:`conv_output_size`: how much (padded) input an
    output of ``n_windows`` positions reads -- and the size of a transposed
    convolution's output before ``padding`` is cropped.

    Introduced in 06_transposed_convolution.ipynb.

    >>> window_span(3, 3, stride=2)
    7
    """

    def one(n: int, k: int, s: int, d: int) -> int:
        effective_kernel_size(k, d)
        return _window_span(integer(n, "n_windows", 1), k, integer(s, "stride", 1), d)

    return _per_dim(one, ("n_windows", "kernel_size", "stride", "dilation"), n_windows, kernel_size, stride, dilation)


def transposed_output_padding(
    input_size: IntOrTuple, kernel_size: IntOrTuple, stride: IntOrTuple = 1, padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
) -> IntOrTuple:
    """The ``output_padding`` with which the transposed convolution restores ``input_size``.

    A stride-``s`` convolution maps ``s`` input sizes to one output size (the
    floor drops ``(i + 2p - d(k-1) - 1) mod s`` pixels); the transposed
    convolution adds them back as ``output_padding``.

    Introduced in 06_transposed_convolution.ipynb.

    >>> transposed_output_padding(6, 3, stride=2, padding=1), transposed_output_padding(5, 3, stride=2, padding=1)
    (1, 0)
    """

    def one(i: int, k: int, s: int, p: int, d: int) -> int:
        conv_output_size(i, k, s, p, d)  # validates, and refuses an empty output
        return (i + 2 * p - d * (k - 1) - 1) % s

    return _per_dim(
        one, ("input_size", "kernel_size", "stride", "padding", "dilation"),
        input_size, kernel_size, stride, padding, dilation,
    )


def recipe_padding(
    kernel_size: tuple[int, ...], padding: tuple[int, ...], output_padding: tuple[int, ...], dilation: tuple[int, ...]
) -> Pads:
    """``(near, far)`` padding of the zero-insertion recipe per dimension (validated tuples).

    ``near = d(k-1) - p`` (negative: crop) and ``far = near + output_padding``: the
    padding rule of :func:`transposed_equivalent`, for code that has checked its
    arguments already.

    Introduced in 06_transposed_convolution.ipynb.

    >>> recipe_padding((3, 4), (1, 0), (1, 0), (1, 2))
    ((1, 2), (6, 6))
    """
    return tuple((d * (k - 1) - p, d * (k - 1) - p + op) for k, p, op, d in zip(kernel_size, padding, output_padding,
                                                                                 dilation))


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
        ((near, far),) = recipe_padding((k,), (p,), (op,), (d,))
        return TransposedEquivalent(
            kernel_size=effective_kernel_size(k, d),
            stride=1,
            padding=near,
            far_padding=far,
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
    "conv_output_shape",
    "conv_output_size",
    "conv_transpose_output_size",
    "effective_kernel_size",
    "padding_pairs",
    "recipe_padding",
    "same_padding",
    "transposed_equivalent",
    "transposed_output_padding",
    "window_span",
]
