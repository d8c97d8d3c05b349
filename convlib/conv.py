"""Convolution (cross-correlation, as in deep learning) with torch.nn.functional's semantics.

``conv2d(x, weight, bias, stride, padding, dilation, groups)`` takes the same
arguments in the same order as ``torch.nn.functional.conv2d`` and returns the
same numbers; ``padding_mode`` adds what ``torch.nn.Conv2d`` offers on top
(``'zeros'``, ``'reflect'``, ``'replicate'``, ``'circular'``).

The computation is *im2col*: every receptive field is copied into a column,
then one matrix product per group multiplies all columns by all filters at once
(no Python loop over pixels or batch elements).

Introduced in 01_convolution.ipynb.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ._checks import (
    check_bias,
    check_divisible,
    check_groups,
    nonnegative,
    positive,
    prepare_inputs,
)
from .ops import pad2d
from .shapes import same_padding

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def conv2d(
    x: Any,
    weight: Any,
    bias: Any = None,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] | str = 0,
    dilation: int | tuple[int, int] = 1,
    groups: int = 1,
    *,
    padding_mode: str = "zeros",
) -> np.ndarray:
    """2-D convolution, exactly like ``torch.nn.functional.conv2d``.

    Parameters
    ----------
    x : array, shape (N, C_in, H, W) or unbatched (C_in, H, W)
    weight : array, shape (C_out, C_in / groups, kH, kW)
    bias : array of shape (C_out,), optional
    stride, dilation : int or (int, int), positive
    padding : int, (int, int), ``'valid'`` (no padding) or ``'same'``
        ``'same'`` keeps the size (stride must be 1); with an even effective
        kernel the extra row/column goes on the far side, like torch.
    groups : int
        Split the channels into ``groups`` independent convolutions
        (``groups == C_in`` is a depthwise convolution).
    padding_mode : ``'zeros'``, ``'reflect'``, ``'replicate'`` or ``'circular'``
        What the padding is filled with, as in ``torch.nn.Conv2d``.

    Returns
    -------
    array of shape (N, C_out, H_out, W_out) (no N for an unbatched input), with
    ``H_out = (H + 2 padding - dilation (kH - 1) - 1) // stride + 1``; same dtype as ``x``.

    Introduced in 01_convolution.ipynb.

    Examples
    --------
    >>> x = np.arange(16.0).reshape(1, 4, 4)
    >>> conv2d(x, np.ones((1, 1, 3, 3)))          # sum over each 3x3 window
    array([[[45., 54.],
            [81., 90.]]])
    >>> conv2d(x, np.ones((1, 1, 3, 3)), stride=2, padding=1).shape
    (1, 2, 2)
    """
    return _conv(x, weight, bias, stride, padding, dilation, groups, padding_mode, nd=2)


def conv1d(
    x: Any,
    weight: Any,
    bias: Any = None,
    stride: int | tuple[int] = 1,
    padding: int | tuple[int] | str = 0,
    dilation: int | tuple[int] = 1,
    groups: int = 1,
    *,
    padding_mode: str = "zeros",
) -> np.ndarray:
    """1-D convolution, exactly like ``torch.nn.functional.conv1d``.

    ``x`` has shape (N, C_in, L) or (C_in, L); ``weight`` (C_out, C_in / groups, k).
    All other arguments as in :func:`conv2d`.

    Introduced in 01_convolution.ipynb.

    Examples
    --------
    >>> conv1d(np.array([[1.0, 2.0, 3.0, 4.0]]), np.array([[[1.0, -1.0]]]))
    array([[-1., -1., -1.]])
    """
    return _conv(x, weight, bias, stride, padding, dilation, groups, padding_mode, nd=1)


def resolve_padding(
    padding: Any, kernel_size: tuple[int, ...], stride: tuple[int, ...], dilation: tuple[int, ...]
) -> tuple[tuple[int, int], ...]:
    """``(before, after)`` per spatial dimension for an int/tuple/'valid'/'same' ``padding``."""
    nd = len(kernel_size)
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * nd
        if padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError(
                    f"padding='same' is not supported for strided convolutions (stride={stride}); "
                    "use an explicit padding"
                )
            return tuple(same_padding(k, d) for k, d in zip(kernel_size, dilation))
        raise ValueError(f"padding={padding!r} must be an int, a tuple of ints, 'valid' or 'same'")
    return tuple((p, p) for p in nonnegative(padding, nd, "padding"))


def check_output_size(
    sizes: tuple[int, ...], pads: tuple[tuple[int, int], ...], kernel_size: tuple[int, ...],
    stride: tuple[int, ...], dilation: tuple[int, ...],
) -> tuple[int, ...]:
    """The convolution's output size per dimension; ValueError (with the size) when one is < 1."""
    out = []
    for n, (b, a), k, s, d in zip(sizes, pads, kernel_size, stride, dilation):
        o = (n + b + a - d * (k - 1) - 1) // s + 1
        if o < 1 or n < 1:
            raise ValueError(
                f"output size would be {o} < 1: input size {n}, padding ({b}, {a}), kernel_size={k}, "
                f"dilation={d} (effective kernel {d * (k - 1) + 1}), stride={s} give "
                f"({n} + {b} + {a} - {d * (k - 1) + 1}) // {s} + 1 = {o}; "
                "the (dilated) kernel must fit inside the padded input"
            )
        out.append(o)
    return tuple(out)


def _conv(
    x: Any, weight: Any, bias: Any, stride: Any, padding: Any, dilation: Any, groups: Any,
    padding_mode: str, nd: int,
) -> np.ndarray:
    """Validate like torch, pad, then run the im2col kernel (1-D runs as 2-D with height 1)."""
    x, weight, bias, unbatched = prepare_inputs(x, weight, bias, nd, f"conv{nd}d")
    stride = positive(stride, nd, "stride")
    dilation = positive(dilation, nd, "dilation")
    groups = check_groups(groups)
    c_out, c_in_per_group = weight.shape[:2]
    kernel_size = weight.shape[2:]
    if c_out < 1 or any(k < 1 for k in kernel_size):
        raise ValueError(f"weight with shape {weight.shape} must have at least one output channel and one tap")
    check_divisible(c_out, groups, "out_channels (weight.shape[0])")
    if x.shape[1] != c_in_per_group * groups:
        raise ValueError(
            f"x has {x.shape[1]} channels, but weight with shape {weight.shape} and groups={groups} "
            f"expects in_channels = weight.shape[1] * groups = {c_in_per_group * groups}"
        )
    check_bias(bias, c_out)
    if padding_mode not in PADDING_MODES:
        raise ValueError(f"padding_mode={padding_mode!r} must be one of {PADDING_MODES}")
    pads = resolve_padding(padding, kernel_size, stride, dilation)
    check_output_size(x.shape[2:], pads, kernel_size, stride, dilation)

    if any(b or a for b, a in pads):
        x = pad2d(x, pads, mode=padding_mode)
    if nd == 1:  # a 1-D convolution is a 2-D one over an image of height 1
        x, weight = x[:, :, None, :], weight[:, :, None, :]
        stride, dilation = (1, *stride), (1, *dilation)
    out = conv2d_im2col(x, weight, stride, dilation, groups)
    if nd == 1:
        out = out[:, :, 0, :]
    if bias is not None:
        out += bias.reshape(-1, *([1] * nd))
    return out[0] if unbatched else out


def conv2d_im2col(
    x: np.ndarray, weight: np.ndarray, stride: tuple[int, int], dilation: tuple[int, int], groups: int
) -> np.ndarray:
    """The fast path: an already padded, batched, valid convolution as one matmul per group.

    ``cols[n, g, (c, i, j), (h, w)] = x[n, g*Cg + c, h*sh + i*dh, w*sw + j*dw]`` holds
    every receptive field as a column (the only copy); the weight, reshaped to
    ``(groups, C_out/groups, Cg*kH*kW)``, multiplies all of them at once. A depthwise
    weight (one input and one output channel per group) skips the copy: a
    multiply-add per tap (:func:`_depthwise`, a cache-sized block of groups at a
    time) is faster than thousands of tiny matmuls.

    With stride 1 every image is read as one long row (``flat``): tap ``(i, j)``
    is then a single shift by ``i*dh*W + j*dw``, and each output row carries
    ``W - W_out`` extra columns that are dropped at the end. Long contiguous rows
    make the copy (and the depthwise multiply-adds) several times faster.
    The result is then a view that skips those columns (no copy back).

    Introduced in 01_convolution.ipynb (the fast path behind :func:`conv2d`).
    """
    n, c_in, h, w = x.shape
    c_out, cg, kh, kw = weight.shape
    (sh, sw), (dh, dw) = stride, dilation
    h_out, w_out = (h - dh * (kh - 1) - 1) // sh + 1, (w - dw * (kw - 1) - 1) // sw + 1
    flat = sh == sw == 1
    if flat:
        x = np.ascontiguousarray(x)
        length = (h_out - 1) * w + w_out  # output pixel (r, c) sits at r*w + c
        # tap (i, j) of every channel, as a view: shape (N, G, Cg, kH, kW, length)
        taps = as_strided(x, (n, groups, cg, kh, kw, length),
                          (x.strides[0], cg * x.strides[1], x.strides[1], dh * x.strides[2], dw * x.strides[3],
                           x.strides[3]))
    else:
        length = h_out * w_out
        taps = as_strided(x, (n, groups, cg, kh, kw, h_out, w_out),
                          (x.strides[0], cg * x.strides[1], x.strides[1], dh * x.strides[2], dw * x.strides[3],
                           sh * x.strides[2], sw * x.strides[3]))
    if cg == 1 and c_out == groups:  # depthwise: out[n, g] = sum over taps of weight[g, i, j] * (x[n, g] shifted)
        out = _depthwise(taps[:, :, 0], weight.reshape(groups, kh, kw))
    else:
        cols = taps.reshape(n, groups, cg * kh * kw, length)  # im2col: the one copy
        out = np.matmul(weight.reshape(groups, c_out // groups, cg * kh * kw), cols)
    out = out.reshape(n, c_out, length)
    if flat:  # drop the extra columns of every row: a view, no copy (rows do not overlap)
        return as_strided(out, (n, c_out, h_out, w_out),
                          (out.strides[0], out.strides[1], w * out.strides[2], out.strides[2]))
    return out.reshape(n, c_out, h_out, w_out)


def _depthwise(taps: np.ndarray, weight: np.ndarray, block_bytes: int = 1 << 18) -> np.ndarray:
    """Depthwise multiply-adds, ``out[n, g, ...] = sum_ij weight[g, i, j] * taps[n, g, i, j, ...]``.

    ``taps`` is the (N, G, kH, kW, ...) view of :func:`conv2d_im2col`. One
    multiply and one add per tap over the whole batch would stream every
    intermediate through main memory (18 passes over megabytes); instead the
    groups are taken a block at a time, small enough (``block_bytes`` per
    buffer) that the running sum and the product stay in the CPU cache.
    A loop over blocks of groups, not over pixels or batch elements.
    """
    n, groups, kh, kw = taps.shape[:4]
    rest = taps.shape[4:]
    out = np.empty((n, groups, *rest), dtype=np.result_type(taps.dtype, weight.dtype))
    w = weight.reshape(groups, kh, kw, *([1] * len(rest)))
    per_group = n * int(np.prod(rest)) * out.itemsize
    block = max(1, min(groups, block_bytes // max(per_group, 1)))
    tmp = np.empty((n, block, *rest), dtype=out.dtype)
    for g0 in range(0, groups, block):
        gs = slice(g0, g0 + block)
        acc, prod = out[:, gs], tmp[:, : min(block, groups - g0)]
        np.multiply(taps[:, gs, 0, 0], w[gs, 0, 0], out=acc)
        for i in range(kh):
            for j in range(kw):
                if i or j:
                    acc += np.multiply(taps[:, gs, i, j], w[gs, i, j], out=prod)
    return out


__all__ = ["PADDING_MODES", "conv1d", "conv2d", "conv2d_im2col"]
