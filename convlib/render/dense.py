"""Sparse vs dense feature extraction — the DeepLab picture, drawn.

The responses come from :func:`convlib.dilated.sparse_vs_dense`; this module
only draws them.

Introduced in 02_dilated_convolution.ipynb.
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..dilated import SparseDense, sparse_vs_dense


@dataclass(frozen=True, repr=False)
class DenseFigure:
    """What :func:`plot_sparse_vs_dense` drew: the figure, its panels and the numbers shown."""

    figure: Figure
    axes: tuple[Axes, ...]
    result: SparseDense

    def __repr__(self) -> str:
        return f"DenseFigure({len(self.axes)} panels; {self.result!r})"


def plot_sparse_vs_dense(
    result: SparseDense | None = None,
    *,
    rate: int = 2,
    zoom: bool = True,
    figsize: tuple[float, float] | None = None,
) -> DenseFigure:
    """The image, sparse responses (downsample → conv → upsample) and dense responses (atrous conv).

    With ``zoom`` a second row repeats the three panels on a crop around the
    centre (outlined on the first row), where the sparse responses' blocks show.

    Introduced in 02_dilated_convolution.ipynb.

    Parameters
    ----------
    result : SparseDense, optional
        Default: ``sparse_vs_dense(rate=rate)`` on the sample image.
    rate : int
    zoom : bool
    figsize : figure size in inches

    Returns
    -------
    DenseFigure
    """
    from matplotlib.patches import Rectangle

    res = sparse_vs_dense(rate=rate) if result is None else result
    rows = 2 if zoom else 1
    fig, grid = plt.subplots(rows, 3, figsize=figsize or (12.5, 4.6 * rows + 0.5), layout="constrained",
                             squeeze=False)
    lim = float(max(np.abs(res.sparse).max(), np.abs(res.dense).max())) or 1.0
    panels = [
        (res.image, dict(cmap="gray", vmin=0, vmax=1), f"input {res.image.shape[0]}×{res.image.shape[1]}"),
        (res.sparse_upsampled, dict(cmap="RdBu_r", vmin=-lim, vmax=lim),
         f"sparse: downsample ×{res.rate} → conv → upsample\nresponses at 1/{res.rate * res.rate} of the positions"),
        (res.dense, dict(cmap="RdBu_r", vmin=-lim, vmax=lim),
         f"dense: atrous conv, rate {res.rate}\nresponses at every position"),
    ]
    h, w = res.image.shape
    side = max(8, min(h, w) // 4 // res.rate * res.rate)
    # crop where the responses are strongest (aligned to the rate so the blocks line up)
    energy = np.lib.stride_tricks.sliding_window_view(res.dense**2, (side, side)).sum(axis=(-1, -2))
    energy = energy[:: res.rate, :: res.rate]
    r0, c0 = (int(v) * res.rate for v in np.unravel_index(np.argmax(energy), energy.shape))
    im = None
    for col, (data, style, title) in enumerate(panels):
        ax = grid[0][col]
        im = ax.imshow(data, interpolation="nearest", **style)
        ax.set_title(title, fontsize=13)
        if zoom:
            ax.add_patch(Rectangle((c0 - 0.5, r0 - 0.5), side, side, fill=False, edgecolor="#D55E00", linewidth=2))
            zax = grid[1][col]
            zax.imshow(data[r0 : r0 + side, c0 : c0 + side], interpolation="nearest", **style)
            zax.set_title(f"zoom: {side}×{side} crop", fontsize=12)
    for ax in [a for row in grid for a in row]:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.colorbar(im, ax=[row[c] for row in grid for c in (1, 2)], shrink=0.7, label="response")
    kh, kw = res.kernel.shape
    fig.suptitle(
        f"same {kh}×{kw} kernel; dense[::{res.rate}, ::{res.rate}] = sparse "
        f"(max difference {res.max_difference:.1e})", fontsize=14,
    )
    return DenseFigure(fig, tuple(a for row in grid for a in row), res)


__all__ = ["DenseFigure", "plot_sparse_vs_dense"]
