"""Convolution as a matrix: ``conv(x).ravel() == C @ x.ravel()``.

A convolution is linear in its input, so for a fixed weight it *is* a matrix
``C`` -- sparse, with the kernel's weights repeated along shifted diagonals.
Its transpose ``C.T`` is the transposed convolution, hence the name.

Introduced in 06_transposed_convolution.ipynb.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._checks import as_array, check_divisible, check_groups, is_int, positive
from .conv import check_output_size, resolve_padding

#: default largest number of entries :func:`conv_matrix` builds (64 MiB of float64)
MAX_ENTRIES = 8_388_608


def conv_matrix(
    input_shape: tuple[int, ...],
    weight: Any,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
    *,
    max_entries: int = MAX_ENTRIES,
) -> np.ndarray:
    """The matrix ``C`` of a convolution: ``conv2d(x, weight, ...).ravel() == C @ x.ravel()``.

    Parameters
    ----------
    input_shape : (C_in, H, W) for a 4-D ``weight``, or (C_in, L) for a 3-D one
        The shape of one unbatched input.
    weight : array, shape (C_out, C_in / groups, kH, kW) or (C_out, C_in / groups, k)
    stride, padding, dilation, groups
        As in :func:`convlib.conv2d` (zero padding; ``'valid'`` and ``'same'`` work too).
    max_entries : int
        Refuse (ValueError) to build a matrix with more entries than this.

    Returns
    -------
    array of shape (C_out * H_out * W_out, C_in * H * W), the weight's dtype.
    Row ``(o, h, w)`` holds the weights that output pixel ``(o, h, w)`` gives to
    every input pixel; ``C.T`` is the matrix of the transposed convolution.

    Introduced in 06_transposed_convolution.ipynb.

    Examples
    --------
    >>> conv_matrix((1, 4), np.array([[[1.0, 2.0]]]), stride=2)
    array([[1., 2., 0., 0.],
           [0., 0., 1., 2.]])
    """
    weight = as_array(weight, "weight")
    if weight.ndim not in (3, 4):
        raise ValueError(f"weight with shape {weight.shape} must have 3 (1-D) or 4 (2-D) dimensions")
    nd = weight.ndim - 2
    if not isinstance(input_shape, (tuple, list)) or len(input_shape) != nd + 1 or not all(
        is_int(s) and s >= 1 for s in input_shape
    ):
        raise ValueError(
            f"input_shape={input_shape!r} must be {nd + 1} positive ints (C_in, spatial sizes) for a weight "
            f"with shape {weight.shape}"
        )
    c_in, *sizes = (int(s) for s in input_shape)
    stride = positive(stride, nd, "stride")
    dilation = positive(dilation, nd, "dilation")
    groups = check_groups(groups)
    c_out, cg, *kernel = weight.shape
    check_divisible(c_out, groups, "out_channels (weight.shape[0])")
    if c_in != cg * groups:
        raise ValueError(
            f"input_shape={tuple(input_shape)} has {c_in} channels, but weight with shape {weight.shape} "
            f"and groups={groups} expects in_channels = {cg * groups}"
        )
    pads = resolve_padding(padding, tuple(kernel), stride, dilation)
    out_sizes = check_output_size(tuple(sizes), pads, tuple(kernel), stride, dilation)
    rows, cols = c_out * int(np.prod(out_sizes)), c_in * int(np.prod(sizes))
    if rows * cols > max_entries:
        raise ValueError(
            f"conv_matrix would have {rows} x {cols} = {rows * cols} entries, more than "
            f"max_entries={max_entries}; it is meant for small inputs (use conv2d for large ones)"
        )
    if nd == 1:  # a 1-D convolution is a 2-D one over an image of height 1
        sizes, out_sizes, kernel = [1, *sizes], (1, *out_sizes), [1, *kernel]
        stride, dilation, pads = (1, *stride), (1, *dilation), ((0, 0), *pads)
        weight = weight[:, :, None, :]
    (h, w), (h_out, w_out), (kh, kw) = sizes, out_sizes, kernel

    c = np.zeros((c_out, h_out, w_out, c_in, h, w), dtype=weight.dtype)
    o = np.arange(c_out)[:, None, None, None]                      # output channel
    ci = (o // (c_out // groups)) * cg + np.arange(cg)[:, None, None]  # input channels of its group
    for i in range(kh):  # one kernel tap at a time: where does it land for every output pixel?
        for j in range(kw):
            hi = np.arange(h_out) * stride[0] - pads[0][0] + i * dilation[0]
            wi = np.arange(w_out) * stride[1] - pads[1][0] + j * dilation[1]
            ho, wo = np.nonzero((hi >= 0) & (hi < h))[0], np.nonzero((wi >= 0) & (wi < w))[0]
            c[o, ho[:, None], wo, ci, hi[ho][:, None], wi[wo]] = weight[:, :, i, j][:, :, None, None]
    return c.reshape(rows, cols)


__all__ = ["MAX_ENTRIES", "conv_matrix"]
