"""Overlap counts of transposed convolution: where the checkerboard comes from.

Feed a transposed convolution an all-ones input and an all-ones kernel: each
output value then counts how many kernel stamps land on it. When the kernel
size is not a multiple of the stride, neighbouring outputs receive different
numbers of stamps — the uneven overlap behind checkerboard artifacts (Odena,
Dumoulin & Olah, *Deconvolution and Checkerboard Artifacts*, Distill 2016).
Stacking layers multiplies the pattern; nearest-neighbour resize followed by a
stride-1 convolution spreads the stamps evenly instead.

Works in 1-D (``input_size`` an int) and 2-D (``input_size`` a pair).

Introduced in 07_checkerboard_artifacts.ipynb.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._checks import is_int
from .shapes import conv_transpose_output_size


def _int(value: Any, name: str, minimum: int) -> int:
    if not is_int(value):
        raise TypeError(f"{name}={value!r} must be an int")
    if value < minimum:
        raise ValueError(f"{name}={value} must be an integer >= {minimum}")
    return int(value)


def _shape(input_size: Any) -> tuple[int, ...]:
    if is_int(input_size):
        return (_int(input_size, "input_size", 1),)
    if isinstance(input_size, (tuple, list)) and len(input_size) == 2:
        return tuple(_int(v, "input_size", 1) for v in input_size)
    raise TypeError(f"input_size={input_size!r} must be an int (1-D) or a pair of ints (2-D)")


def stamp_counts(counts: np.ndarray, kernel_size: int, stride: int, padding: int = 0) -> np.ndarray:
    """One transposed convolution with an all-ones kernel applied to a count map.

    Every input cell with count ``n`` adds ``n`` to the ``kernel_size`` (per axis)
    output cells its kernel stamp covers; the border ``padding`` is cropped, like
    torch's ``conv_transpose`` (``output_padding`` 0). A loop over kernel taps only.

    Introduced in 07_checkerboard_artifacts.ipynb.

    >>> stamp_counts(np.ones(4), kernel_size=3, stride=2)
    array([1., 1., 2., 1., 2., 1., 2., 1., 1.])
    """
    counts = np.asarray(counts, dtype=np.float64)
    if counts.ndim not in (1, 2):
        raise ValueError(f"counts with shape {counts.shape} must be 1-D or 2-D")
    k = _int(kernel_size, "kernel_size", 1)
    s = _int(stride, "stride", 1)
    p = _int(padding, "padding", 0)
    out_shape = tuple(conv_transpose_output_size(n, k, s, p) for n in counts.shape)
    full = np.zeros(tuple((n - 1) * s + k for n in counts.shape))
    if counts.ndim == 1:
        for a in range(k):
            full[a : a + (counts.shape[0] - 1) * s + 1 : s] += counts
        return full[p : p + out_shape[0]]
    h, w = counts.shape
    for a in range(k):
        for b in range(k):
            full[a : a + (h - 1) * s + 1 : s, b : b + (w - 1) * s + 1 : s] += counts
    return full[p : p + out_shape[0], p : p + out_shape[1]]


def overlap_counts(
    input_size: int | tuple[int, int], kernel_size: int, stride: int, padding: int = 0, *, layers: int = 1
) -> np.ndarray:
    """Stamps received by every output cell of ``layers`` stacked transposed convolutions.

    Introduced in 07_checkerboard_artifacts.ipynb.

    Parameters
    ----------
    input_size : int or (int, int)
        An int gives a 1-D signal, a pair a 2-D map (of ones).
    kernel_size, stride, padding : int
        Every layer uses the same settings.
    layers : int
        Number of stacked layers; layer ``l`` stamps the counts of layer ``l-1``.

    Examples
    --------
    k=3, s=2 overlaps unevenly; k=4, s=2 evenly (away from the border):

    >>> overlap_counts(4, 3, 2, padding=1)
    array([1., 2., 1., 2., 1., 2., 1.])
    >>> overlap_counts(4, 4, 2, padding=1)
    array([1., 2., 2., 2., 2., 2., 2., 1.])
    """
    counts = np.ones(_shape(input_size))
    for _ in range(_int(layers, "layers", 1)):
        counts = stamp_counts(counts, kernel_size, stride, padding)
    return counts


def resize_conv_counts(
    input_size: int | tuple[int, int], kernel_size: int, scale: int = 2, *, layers: int = 1
) -> np.ndarray:
    """Stamps received by every output cell of nearest-neighbour resize then a stride-1 convolution.

    Each layer upsamples by ``scale`` (every pixel copied ``scale`` times per axis) and
    convolves with an all-ones ``kernel_size`` kernel with ``'same'`` zero padding
    (torch's split: the extra cell of an even kernel on the far side). Away from the
    border every output receives exactly ``kernel_size`` (1-D) or ``kernel_size**2``
    (2-D) stamps per layer: no checkerboard.

    Introduced in 07_checkerboard_artifacts.ipynb.

    >>> resize_conv_counts(4, 3)
    array([2., 3., 3., 3., 3., 3., 3., 2.])
    """
    counts = np.ones(_shape(input_size))
    k = _int(kernel_size, "kernel_size", 1)
    sc = _int(scale, "scale", 1)
    before, after = (k - 1) // 2, (k - 1) - (k - 1) // 2
    for _ in range(_int(layers, "layers", 1)):
        for axis in range(counts.ndim):
            counts = np.repeat(counts, sc, axis=axis)
        padded = np.pad(counts, [(before, after)] * counts.ndim)
        out = np.zeros_like(counts)
        if counts.ndim == 1:
            for a in range(k):
                out += padded[a : a + counts.shape[0]]
        else:
            h, w = counts.shape
            for a in range(k):
                for b in range(k):
                    out += padded[a : a + h, b : b + w]
        counts = out
    return counts


def interior_margin(kernel_size: int, stride: int, padding: int = 0, *, layers: int = 1, resize: bool = False) -> int:
    """Cells at each border whose count the border itself lowers (a safe, slightly generous bound).

    For a transposed layer an input border of ``m`` cells spoils ``m*stride + k - 1`` canvas
    cells, of which ``padding`` are cropped; for resize-then-convolve (``resize=True``,
    ``stride`` = scale) the ``'same'`` padding spoils ``m*scale + (k-1) - (k-1)//2`` cells.
    Cells farther from the border show the interior pattern.

    Introduced in 07_checkerboard_artifacts.ipynb.

    >>> interior_margin(3, 2, padding=1)
    1
    """
    k = _int(kernel_size, "kernel_size", 1)
    s = _int(stride, "stride", 1)
    p = _int(padding, "padding", 0)
    margin = 0
    for _ in range(_int(layers, "layers", 1)):
        if resize:
            margin = margin * s + (k - 1) - (k - 1) // 2
        else:
            margin = max(0, margin * s + k - 1 - p)
    return margin


def is_even(counts: np.ndarray, *, margin: int = 0) -> bool:
    """True if every cell at least ``margin`` cells away from the border has the same count.

    >>> is_even(overlap_counts(6, 4, 2, padding=1), margin=1)
    True
    >>> is_even(overlap_counts(6, 3, 2, padding=1), margin=1)
    False
    """
    counts = np.asarray(counts)
    m = _int(margin, "margin", 0)
    inner = counts[tuple(slice(m, n - m) for n in counts.shape)]
    if inner.size == 0:
        raise ValueError(f"margin={margin} leaves no cells of the {counts.shape} map")
    return bool(np.all(inner == inner.flat[0]))


__all__ = ["interior_margin", "is_even", "overlap_counts", "resize_conv_counts", "stamp_counts"]
