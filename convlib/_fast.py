"""The fast paths behind :func:`convlib.conv2d` and :func:`convlib.conv_transpose2d` (private).

They compute exactly what the readable definitions compute
(:func:`convlib.conv.sliding_window`, :func:`convlib.conv_transpose2d_scatter`),
without a Python loop over pixels or batch elements; the tests check them equal
to those definitions and to torch, and ``make bench`` times them against torch.
The arguments arrive validated and normalised (tuples, batched arrays).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .shapes import conv_output_shape

#: The sub-pixel form of a strided transposed convolution is chosen when its phase
#: kernels hold at most this many times the kernel's real taps (the rest are zeros).
SUBPIXEL_MAX_WASTE = 1.25


def conv2d(
    x: np.ndarray, weight: np.ndarray, stride: tuple[int, int], dilation: tuple[int, int], groups: int
) -> np.ndarray:
    """An already padded, batched, valid convolution as one matrix product per group (im2col).

    ``cols[n, g, (c, i, j), (h, w)] = x[n, g*Cg + c, h*sh + i*dh, w*sw + j*dw]`` holds
    every window as a column (the only copy); the weight, reshaped to
    ``(groups, C_out/groups, Cg*kH*kW)``, multiplies all of them at once. A depthwise
    weight (one input and one output channel per group) skips the copy: a
    multiply-add per tap (:func:`_depthwise`, a cache-sized block of groups at a
    time) is faster than thousands of tiny matmuls.

    With stride 1 every image is read as one long row (``flat``): tap ``(i, j)``
    is then a single shift by ``i*dh*W + j*dw``, and each output row carries
    ``W - W_out`` extra columns that are dropped at the end (a view, no copy).
    Long contiguous rows make the copy (and the depthwise multiply-adds) several
    times faster.
    """
    n, c_in, h, w = x.shape
    c_out, cg, kh, kw = weight.shape
    (sh, sw), (dh, dw) = stride, dilation
    h_out, w_out = conv_output_shape((h, w), ((0, 0), (0, 0)), (kh, kw), stride, dilation)
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

    ``taps`` is the (N, G, kH, kW, ...) view of :func:`conv2d`. One multiply and
    one add per tap over the whole batch would stream every intermediate through
    main memory; instead the groups are taken a block at a time, small enough
    (``block_bytes`` per buffer) that the running sum and the product stay in the
    CPU cache. A loop over blocks of groups, not over pixels or batch elements.
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


def subpixel_window(kernel_size: tuple[int, ...], stride: tuple[int, ...], dilation: tuple[int, ...]) -> tuple[int, ...]:
    """Input pixels per dimension that reach one output pixel of a strided transposed convolution."""
    return tuple(d * (k - 1) // s + 1 for k, s, d in zip(kernel_size, stride, dilation))


def subpixel_pays(kernel_size: tuple[int, ...], stride: tuple[int, ...], dilation: tuple[int, ...]) -> bool:
    """Whether the sub-pixel form multiplies few enough zeros (``stride * window`` weights per real tap)."""
    window = subpixel_window(kernel_size, stride, dilation)
    waste = np.prod([s * m for s, m in zip(stride, window)]) / np.prod(kernel_size)
    return bool(waste <= SUBPIXEL_MAX_WASTE)


def conv_transpose2d_col2im(
    x: np.ndarray, weight: np.ndarray, stride: tuple[int, int], padding: tuple[int, int],
    dilation: tuple[int, int], groups: int, out_size: tuple[int, int],
) -> np.ndarray:
    """The scatter done at once ("col2im"): every pixel's weighted kernel copy, then one strided add per tap.

    One matmul per group computes all stamps; a depthwise weight needs no matmul
    (every input channel stamps its own kernels). ``padding`` is cropped at the end.
    """
    n, c_in, h, w = x.shape
    _, c_out_g, kh, kw = weight.shape
    (sh, sw), (dh, dw), (ph, pw), g = stride, dilation, padding, groups
    full = np.zeros((n, g, c_out_g, ph + out_size[0] + ph, pw + out_size[1] + pw), dtype=x.dtype)
    if c_in == g:  # depthwise: every input channel stamps its own kernels; no matmul needed
        stamps = weight[:, :, :, :, None, None] * x[:, :, None, None, None]  # (N, G, C_out/G, kH, kW, H, W)
        stamps = stamps.transpose(0, 1, 3, 4, 2, 5, 6)
    else:
        # rows ordered (tap i, tap j, output channel): stamps[n, g, i, j] is then one contiguous
        # (C_out/G, H, W) block, which makes the strided adds below read memory in order
        wt = weight.reshape(g, c_in // g, c_out_g, kh, kw).transpose(0, 3, 4, 2, 1)
        wt = wt.reshape(g, kh * kw * c_out_g, c_in // g)
        stamps = np.matmul(wt, x.reshape(n, g, c_in // g, h * w))  # (N, G, kH kW C_out/G, H W)
        stamps = stamps.reshape(n, g, kh, kw, c_out_g, h, w)
    for i in range(kh):  # loops over kernel taps only
        for j in range(kw):
            rows = slice(i * dh, i * dh + (h - 1) * sh + 1, sh)
            cols = slice(j * dw, j * dw + (w - 1) * sw + 1, sw)
            full[..., rows, cols] += stamps[:, :, i, j]
    full = full.reshape(n, g * c_out_g, *full.shape[3:])
    return full[:, :, ph: ph + out_size[0], pw: pw + out_size[1]]
