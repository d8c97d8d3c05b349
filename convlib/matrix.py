"""Convolution as a matrix: ``conv(x).ravel() == C @ x.ravel()``.

A convolution is linear in its input, so for a fixed weight it *is* a matrix
``C`` -- sparse, with the kernel's weights repeated along shifted diagonals.
Its transpose ``C.T`` is the transposed convolution, hence the name.

Introduced in 06_transposed_convolution.ipynb.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .conv import conv1d, conv2d
from .shapes import conv_output_shape, padding_pairs
from .validate import as_array, divisible, integer, ints, ndim

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
    ndim(weight, (3, 4), "weight", "conv_matrix expects 3 (1-D) or 4 (2-D) dimensions")
    nd = weight.ndim - 2
    if not isinstance(input_shape, (tuple, list)):
        raise TypeError(f"input_shape={input_shape!r} must be a tuple (C_in, spatial sizes)")
    if len(input_shape) != nd + 1:
        raise ValueError(
            f"input_shape={input_shape!r} must hold {nd + 1} sizes (C_in, spatial sizes) for a weight "
            f"with shape {weight.shape}"
        )
    c_in, *sizes = ints(input_shape, nd + 1, "input_shape", 1)
    stride, dilation = ints(stride, nd, "stride", 1), ints(dilation, nd, "dilation", 1)
    groups = integer(groups, "groups", 1)
    c_out, cg, *kernel = weight.shape
    divisible(c_out, groups, "out_channels (weight.shape[0])")
    if c_in != cg * groups:
        raise ValueError(
            f"input_shape={tuple(input_shape)} has {c_in} channels, but weight with shape {weight.shape} "
            f"and groups={groups} expects in_channels = {cg * groups}"
        )
    pads = padding_pairs(padding, tuple(kernel), stride, dilation)
    out_sizes = conv_output_shape(tuple(sizes), pads, tuple(kernel), stride, dilation)
    rows, cols = c_out * int(np.prod(out_sizes)), c_in * int(np.prod(sizes))
    if rows * cols > max_entries:
        raise ValueError(
            f"conv_matrix would have {rows} x {cols} = {rows * cols} entries, more than "
            f"max_entries={max_entries}; it is meant for small inputs (use conv2d for large ones)"
        )
    # column j of C is the convolution of the j-th basis image (a single 1 at pixel j),
    # computed for a batch of basis images at a time (the batch stays within max_entries)
    conv = conv1d if nd == 1 else conv2d
    c = np.empty((rows, cols), dtype=weight.dtype)
    batch = max(1, max_entries // max(rows, cols))
    for j in range(0, cols, batch):
        m = min(batch, cols - j)
        basis = np.zeros((m, cols), dtype=weight.dtype)
        basis[np.arange(m), j + np.arange(m)] = 1
        out = conv(basis.reshape(m, c_in, *sizes), weight, stride=stride, padding=padding, dilation=dilation,
                   groups=groups)
        c[:, j:j + m] = out.reshape(m, rows).T
    return c


__all__ = ["MAX_ENTRIES", "conv_matrix"]
