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

from dataclasses import dataclass
from typing import Any

import numpy as np

from .conv import conv1d, conv2d
from .transposed import conv_transpose1d, conv_transpose2d
from .validate import flag, integer, ints, is_int, ndim


def _shape(input_size: Any) -> tuple[int, ...]:
    """An int is a 1-D signal, a pair a 2-D map."""
    return ints(input_size, 1 if is_int(input_size) else 2, "input_size", 1)


def _ones_conv(counts: np.ndarray, k: int, transposed: bool, **kwargs: Any) -> np.ndarray:
    """``counts`` (1-D or 2-D) convolved with an all-ones ``k`` (or ``k x k``) kernel."""
    nd = counts.ndim
    ones = np.ones((1, 1) + (k,) * nd)
    conv = {(1, False): conv1d, (2, False): conv2d, (1, True): conv_transpose1d, (2, True): conv_transpose2d}
    return conv[nd, transposed](counts[None, None], ones, **kwargs)[0, 0]


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
    ndim(counts, (1, 2), "counts", "stamp_counts expects a 1-D or 2-D count map")
    k, s, p = integer(kernel_size, "kernel_size", 1), integer(stride, "stride", 1), integer(padding, "padding", 0)
    return _ones_conv(counts, k, True, stride=s, padding=p)


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
    for _ in range(integer(layers, "layers", 1)):
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
    k, sc = integer(kernel_size, "kernel_size", 1), integer(scale, "scale", 1)
    for _ in range(integer(layers, "layers", 1)):
        for axis in range(counts.ndim):
            counts = np.repeat(counts, sc, axis=axis)
        counts = _ones_conv(counts, k, False, padding="same")
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
    k, s, p = integer(kernel_size, "kernel_size", 1), integer(stride, "stride", 1), integer(padding, "padding", 0)
    margin = 0
    for _ in range(integer(layers, "layers", 1)):
        if resize:
            margin = margin * s + (k - 1) - (k - 1) // 2
        else:
            margin = max(0, margin * s + k - 1 - p)
    return margin


def is_even(counts: np.ndarray, *, margin: int = 0) -> bool:
    """True if every cell at least ``margin`` cells away from the border has the same count.

    Introduced in 07_checkerboard_artifacts.ipynb.

    >>> is_even(overlap_counts(6, 4, 2, padding=1), margin=1)
    True
    >>> is_even(overlap_counts(6, 3, 2, padding=1), margin=1)
    False
    """
    counts = np.asarray(counts)
    m = integer(margin, "margin", 0)
    inner = counts[tuple(slice(m, n - m) for n in counts.shape)]
    if inner.size == 0:
        raise ValueError(f"margin={margin} leaves no cells of the {counts.shape} map")
    return bool(np.all(inner == inner.flat[0]))


def _verdict(counts: np.ndarray, margin: int) -> bool | None:
    """:func:`is_even` away from the border, or None when no interior cell is left to judge."""
    try:
        return is_even(counts, margin=margin)
    except ValueError:
        return None


@dataclass(frozen=True, repr=False)
class Checkerboard:
    """Overlap counts of stacked transposed convolutions, and of resize-then-convolve beside them.

    Attributes
    ----------
    kernel_size, stride, padding, layers, input_size : the settings
    maps : count map after each transposed layer (1, 2, ...)
    margins : border cells excluded from each map's verdict (:func:`interior_margin`)
    even : whether each map's interior is even (None: too small to judge)
    resized : counts of ``layers`` resize-then-convolve layers (None when not asked for)
    resize_margin, resize_even : its margin and verdict
    """

    kernel_size: int
    stride: int
    padding: int
    layers: int
    input_size: tuple[int, ...]
    maps: tuple[np.ndarray, ...]
    margins: tuple[int, ...]
    even: tuple[bool | None, ...]
    resized: np.ndarray | None
    resize_margin: int
    resize_even: bool | None

    def __repr__(self) -> str:
        last = self.maps[-1]
        verdict = {None: "too small to judge", True: "even", False: "uneven (checkerboard)"}[self.even[-1]]
        return (f"Checkerboard(k={self.kernel_size}, s={self.stride}, {self.layers} layer(s): "
                f"{'×'.join(map(str, last.shape))} map, {verdict})")


def checkerboard(
    kernel_size: int = 3, stride: int = 2, *, input_size: int | tuple[int, int] = (5, 5), layers: int = 1,
    padding: int = 0, resize: bool = True,
) -> Checkerboard:
    """Everything the checkerboard figure and explorer show: counts, margins and verdicts per layer.

    Introduced in 07_checkerboard_artifacts.ipynb.

    >>> c = checkerboard(3, 2, input_size=4)
    >>> c.maps[0], c.even[0]
    (array([1., 1., 2., 1., 2., 1., 2., 1., 1.]), False)
    """
    n = integer(layers, "layers", 1)
    size = _shape(input_size)
    maps = tuple(overlap_counts(size if len(size) == 2 else size[0], kernel_size, stride, padding, layers=i)
                 for i in range(1, n + 1))
    margins = tuple(interior_margin(kernel_size, stride, padding, layers=i) for i in range(1, n + 1))
    resized = resize_conv_counts(size if len(size) == 2 else size[0], kernel_size, stride, layers=n) \
        if flag(resize, "resize") else None
    resize_margin = interior_margin(kernel_size, stride, layers=n, resize=True)
    return Checkerboard(
        kernel_size, stride, padding, n, size, maps, margins, tuple(_verdict(m, g) for m, g in zip(maps, margins)),
        resized, resize_margin, None if resized is None else _verdict(resized, resize_margin),
    )


__all__ = ["Checkerboard", "checkerboard", "interior_margin", "is_even", "overlap_counts", "resize_conv_counts", "stamp_counts"]
