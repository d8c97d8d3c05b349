"""Reference loops for the gridding tests (test code, not convlib).

``source_main_map`` is seed 002 §3's ``main()`` (Le0v1n, "空洞卷积(膨胀卷积)的相关知识以及使用建议(HDC原则)")
around its own loop, ``convlib.sources.dilated_conv_all_map`` (kept there verbatim), with the
kernel size as a parameter.

``strided_all_map`` extends the same pixel loop to strides: it walks the maps
of each layer (not the input grid), so it shares no idea with convlib's
convolution of counts.
"""

from __future__ import annotations

import numpy as np

from convlib.sources import dilated_conv_all_map


def source_main_map(dilated_rates, size=31, k=3):
    """The source's ``main()``: one pixel in the middle, layers applied from the last to the first."""
    m = np.zeros(shape=(size, size), dtype=np.int64)
    m[size // 2][size // 2] = 1
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
