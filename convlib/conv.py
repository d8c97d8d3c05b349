"""Convolution (cross-correlation, as in deep learning) with torch.nn.functional's semantics.

The definition, as chapter 01 draws it: slide the kernel over the (padded)
input; at every output position multiply the window under the kernel by the
kernel and sum. With stride ``s`` the window moves ``s`` pixels per step; with
dilation ``d`` its taps are ``d`` pixels apart; with ``groups`` the channels
split into independent convolutions (output channel ``o`` reads only the input
channels of its own group).

:func:`sliding_window` is that definition, loop for loop. :func:`conv2d` adds
torch's arguments around it (padding, bias, an unbatched input) and, by
default, computes the same numbers with a fast path (im2col: every window
copied into a column, one matrix product per group; see ``convlib._fast``)
that the tests check equal to :func:`sliding_window` and to torch.

Introduced in 01_convolution.ipynb.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _fast
from .ops import pad2d
from .shapes import conv_output_shape, padding_pairs
from .validate import as_array, bias_shape, conv_arrays, conv_channels, integer, ints, ndim, one_of

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")
METHODS = ("fast", "sliding_window")


def sliding_window(
    x: np.ndarray, weight: np.ndarray, stride: tuple[int, int] = (1, 1), dilation: tuple[int, int] = (1, 1),
    groups: int = 1,
) -> np.ndarray:
    """The definition: slide the kernel over an (already padded) batch of images.

    ``out[n, o, i, j] = sum over c, a, b of x[n, c, i*sh + a*dh, j*sw + b*dw] * weight[o, c, a, b]``,
    where ``c`` runs over the input channels of output channel ``o``'s group.

    Parameters
    ----------
    x : array, shape (N, C_in, H, W), already padded
    weight : array, shape (C_out, C_in / groups, kH, kW)
    stride, dilation : (int, int)
    groups : int

    Introduced in 01_convolution.ipynb.

    Examples
    --------
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> sliding_window(x, np.ones((1, 1, 3, 3)))      # each output: the sum of one 3x3 window
    array([[[[45., 54.],
             [81., 90.]]]])
    """
    n, c_in, h, w = x.shape
    c_out, c_group, kh, kw = weight.shape
    (sh, sw), (dh, dw) = stride, dilation
    h_out, w_out = conv_output_shape((h, w), ((0, 0), (0, 0)), (kh, kw), stride, dilation)
    out = np.zeros((n, c_out, h_out, w_out), dtype=np.result_type(x, weight))
    per_group = c_out // groups
    for o in range(c_out):
        g = o // per_group                                   # the group of output channel o ...
        xg = x[:, g * c_group:(g + 1) * c_group]             # ... reads only that group's input channels
        for i in range(h_out):
            for j in range(w_out):
                window = xg[:, :, i * sh:i * sh + dh * (kh - 1) + 1:dh, j * sw:j * sw + dw * (kw - 1) + 1:dw]
                out[:, o, i, j] = np.sum(window * weight[o], axis=(1, 2, 3))
    return out


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
    method: str = "fast",
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
    method : ``'fast'`` or ``'sliding_window'``
        ``'sliding_window'`` runs the definition (:func:`sliding_window`), loop
        for loop; ``'fast'`` computes the same numbers with matrix products.

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
    return _conv(x, weight, bias, stride, padding, dilation, groups, padding_mode, method, nd=2)


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
    method: str = "fast",
) -> np.ndarray:
    """1-D convolution, exactly like ``torch.nn.functional.conv1d``.

    ``x`` has shape (N, C_in, L) or (C_in, L); ``weight`` (C_out, C_in / groups, k).
    It runs as a 2-D convolution over an image of height 1; all other arguments
    as in :func:`conv2d`.

    Introduced in 01_convolution.ipynb.

    Examples
    --------
    >>> conv1d(np.array([[1.0, 2.0, 3.0, 4.0]]), np.array([[[1.0, -1.0]]]))
    array([[-1., -1., -1.]])
    """
    return _conv(x, weight, bias, stride, padding, dilation, groups, padding_mode, method, nd=1)


def _conv(
    x: Any, weight: Any, bias: Any, stride: Any, padding: Any, dilation: Any, groups: Any,
    padding_mode: str, method: str, nd: int,
) -> np.ndarray:
    """Check what torch checks, pad, then slide (1-D runs as 2-D with height 1)."""
    x, weight, bias, unbatched = conv_arrays(x, weight, bias, nd, f"conv{nd}d")
    stride, dilation = ints(stride, nd, "stride", 1), ints(dilation, nd, "dilation", 1)
    groups = integer(groups, "groups", 1)
    one_of(padding_mode, "padding_mode", PADDING_MODES)
    one_of(method, "method", METHODS)
    bias_shape(bias, conv_channels(x.shape[1], weight.shape, groups, transposed=False))
    kernel_size = weight.shape[2:]
    pads = padding_pairs(padding, kernel_size, stride, dilation)
    conv_output_shape(x.shape[2:], pads, kernel_size, stride, dilation)  # refuses an empty output

    if any(b or a for b, a in pads):
        x = pad2d(x, pads, mode=padding_mode)
    if nd == 1:  # a 1-D convolution is a 2-D one over an image of height 1
        x, weight = x[:, :, None, :], weight[:, :, None, :]
        stride, dilation = (1, *stride), (1, *dilation)
    slide = sliding_window if method == "sliding_window" else _fast.conv2d
    out = slide(x, weight, stride, dilation, groups)
    if nd == 1:
        out = out[:, :, 0, :]
    if bias is not None:
        out += bias.reshape(-1, *([1] * nd))
    return out[0] if unbatched else out


def correlate2d(
    image: Any, kernel: Any, *, stride: int | tuple[int, int] = 1, padding: Any = 0,
    dilation: int | tuple[int, int] = 1,
) -> np.ndarray:
    """One 2-D image, one 2-D kernel: :func:`conv2d` without the channel axes.

    ``padding`` may also be per side, ``((top, bottom), (left, right))`` (zeros).

    Introduced in 01_convolution.ipynb.

    >>> correlate2d(np.eye(3), np.ones((2, 2)))
    array([[2., 1.],
           [1., 2.]])
    """
    image, kernel = as_array(image, "image"), as_array(kernel, "kernel")
    ndim(image, (2,), "image", "correlate2d expects one 2-D image")
    ndim(kernel, (2,), "kernel", "correlate2d expects one 2-D kernel")
    dtype = np.result_type(image, kernel)
    if isinstance(padding, (tuple, list)) and padding and all(isinstance(p, (tuple, list)) for p in padding):
        image, padding = pad2d(image, padding), 0
    return conv2d(image[None, None].astype(dtype, copy=False), kernel[None, None].astype(dtype, copy=False),
                  stride=stride, padding=padding, dilation=dilation)[0, 0]


__all__ = ["METHODS", "PADDING_MODES", "conv1d", "conv2d", "correlate2d", "sliding_window"]
