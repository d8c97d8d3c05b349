"""The source's loop algorithms, kept as test references (test code, not convlib).

``dilated_conv_one_pixel``, ``dilated_conv_all_map`` and ``source_main_map`` are
seed 002 §3's code (Le0v1n, "空洞卷积(膨胀卷积)的相关知识以及使用建议(HDC原则)"),
with only the Chinese docstrings translated, the ``assert`` that checked nothing
(``divmod(3, 2)``) made to check ``k``, and an explicit bounds check: the original
silently wraps negative indices around the map (numpy indexing) when the map is
too small.

``strided_all_map`` extends the same pixel loop to strides: it walks the maps
of each layer (not the input grid), so it shares no idea with convlib's
comb-convolution shortcut.
"""

from __future__ import annotations

import numpy as np


def dilated_conv_one_pixel(center, feature_map, k=3, r=1, v=1):
    """With the dilated kernel centred at ``center`` = (x, y), add ``v`` at every pixel it reads."""
    assert k >= 1 and r >= 1
    left_top = (center[0] - ((k - 1) // 2) * r, center[1] - ((k - 1) // 2) * r)
    for i in range(k):
        for j in range(k):
            row, col = left_top[1] + i * r, left_top[0] + j * r
            if not (0 <= row < feature_map.shape[0] and 0 <= col < feature_map.shape[1]):
                raise IndexError(f"map {feature_map.shape} too small for pixel ({row}, {col})")
            feature_map[row][col] += v


def dilated_conv_all_map(dilated_map, k=3, r=1):
    """From the counts of the output map, the counts of the input map under a (k, r) dilated conv."""
    new_map = np.zeros_like(dilated_map)
    for i in range(dilated_map.shape[0]):
        for j in range(dilated_map.shape[1]):
            if dilated_map[i][j] > 0:
                dilated_conv_one_pixel((j, i), new_map, k=k, r=r, v=dilated_map[i][j])
    return new_map


def source_main_map(dilated_rates, size=31, k=3):
    """The source's ``main()``: one pixel in the middle, layers applied from the last to the first."""
    m = np.zeros(shape=(size, size), dtype=np.int64)
    center = size // 2
    m[center][center] = 1
    for dilated_r in dilated_rates[::-1]:
        m = dilated_conv_all_map(m, k=k, r=dilated_r)
    return m


def strided_all_map(layers, size):
    """Same loop, with strides: ``layers`` = [(k, s, d), ...] from the input up, square kernels.

    Works on every layer's own grid: a unit at ``y`` of layer ``l``'s output reads
    units ``y*s + (t - (k-1)//2)*d`` of its input, ``t = 0..k-1`` (the source's
    centring). The last layer's single output unit sits at 0; the counts on the input
    grid are returned in a ``size × size`` map with that unit at ``size // 2``.
    """
    counts = {(0, 0): 1}
    for k, s, d in reversed(layers):
        below = {}
        for (y, x), v in counts.items():
            for i in range(k):
                for j in range(k):
                    key = (y * s + (i - (k - 1) // 2) * d, x * s + (j - (k - 1) // 2) * d)
                    below[key] = below.get(key, 0) + v
        counts = below
    m = np.zeros((size, size), dtype=np.int64)
    c = size // 2
    for (y, x), v in counts.items():
        if not (0 <= y + c < size and 0 <= x + c < size):
            raise IndexError(f"map of size {size} too small for offset ({y}, {x})")
        m[y + c, x + c] += v
    return m
