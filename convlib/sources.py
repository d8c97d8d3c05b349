"""The source articles' own code and formulas, transcribed as they wrote them — errors included.

The chapters execute these to show what a source gets right and what it gets
wrong (and correct it beside them); nothing else in convlib uses them. Each
function names its source; the code is the source's, only type-annotated where
it was, with its Chinese comments left out.

Introduced in 05_hdc.ipynb (seed 002's loops) and 10_formula_sheet.ipynb (the
formulas of seeds 000 and 002).
"""

from __future__ import annotations

import numpy as np

# --- seed 002 §3 (Le0v1n, 空洞卷积(膨胀卷积)的相关知识以及使用建议(HDC原则)): the utilization map by loops ---


def dilated_conv_one_pixel(center: (int, int), feature_map: np.ndarray, k: int = 3, r: int = 1, v: int = 1):
    """Seed 002 §3, verbatim: add ``v`` at every pixel a dilated kernel centred at ``center`` = (x, y) reads.

    Introduced in 05_hdc.ipynb.
    """
    assert divmod(3, 2)[1] == 1

    left_top = (center[0] - ((k - 1) // 2) * r, center[1] - ((k - 1) // 2) * r)
    for i in range(k):
        for j in range(k):
            feature_map[left_top[1] + i * r][left_top[0] + j * r] += v


def dilated_conv_all_map(dilated_map: np.ndarray, k: int = 3, r: int = 1):
    """Seed 002 §3, verbatim: the counts of the input map from those of the output map.

    Introduced in 05_hdc.ipynb.
    """
    new_map = np.zeros_like(dilated_map)
    for i in range(dilated_map.shape[0]):
        for j in range(dilated_map.shape[1]):
            if dilated_map[i][j] > 0:
                dilated_conv_one_pixel((j, i), new_map, k=k, r=r, v=dilated_map[i][j])
    return new_map


def source_main(dilated_rates, size=31):
    """Seed 002 §3's ``main()`` without its plot: one pixel in the middle, layers from the last to the first.

    Introduced in 05_hdc.ipynb.
    """
    m = np.zeros(shape=(size, size), dtype=np.int32)
    m[size // 2][size // 2] = 1
    for dilated_r in dilated_rates[::-1]:
        m = dilated_conv_all_map(m, r=dilated_r)
    return m


# --- seed 002 §3: the HDC maximum distance, as the source writes the recursion -------------------------


def seed002_max_distances(rates):
    """``M_i = max[M_{i+1} - 2 r_i, M_{i+1} - 2 (M_{i+1} - r_i), r_i]``, ``M_n = r_n`` (seed 002 §3).

    Introduced in 10_formula_sheet.ipynb.

    >>> seed002_max_distances([1, 2, 5])
    (1, 2, 5)
    """
    M = [rates[-1]]
    for r in reversed(rates[:-1]):
        M.insert(0, max(M[0] - 2 * r, M[0] - 2 * (M[0] - r), r))
    return tuple(M)


# --- seed 002 §5: output sizes, without the floor (and §5.2 without the -1) ---------------------------


def seed002_conv_size(i, k, s, p):
    """Seed 002 §5.1 (普通卷积): ``(i + 2p - k) / s + 1``, no rounding.

    Introduced in 10_formula_sheet.ipynb.
    """
    return (i + 2 * p - k) / s + 1


def seed002_dilated_size(i, k, s, p, d):
    """Seed 002 §5.2 (空洞卷积): ``(i + 2p - d(k - 1)) / s + 1``.

    Introduced in 10_formula_sheet.ipynb.
    """
    return (i + 2 * p - d * (k - 1)) / s + 1


def seed002_transposed_size(i, k, s, p, d=1, op=0):
    """Seed 002 §5.3 (转置卷积): ``(i - 1)s - 2p + d(k - 1) + output_padding + 1`` (``(i - 1)s - 2p + k`` at d=1, op=0).

    Introduced in 10_formula_sheet.ipynb.
    """
    return (i - 1) * s - 2 * p + d * (k - 1) + op + 1


# --- seed 000 (感受野的计算): the receptive-field recursion ----------------------------------------------


def seed000_receptive_field(layers):
    """``RF_{l+1} = RF_l + (f_{l+1} - 1) * prod of the earlier strides``, ``RF_0 = 1``; ``layers``: (f, s) pairs.

    Introduced in 10_formula_sheet.ipynb.

    >>> seed000_receptive_field([(3, 1), (3, 2)])
    5
    """
    rf, jump = 1, 1
    for k, s in layers:
        rf, jump = rf + (k - 1) * jump, jump * s
    return rf


__all__ = [
    "dilated_conv_all_map",
    "dilated_conv_one_pixel",
    "seed000_receptive_field",
    "seed002_conv_size",
    "seed002_dilated_size",
    "seed002_max_distances",
    "seed002_transposed_size",
    "source_main",
]
