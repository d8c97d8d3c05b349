"""Sparse vs dense feature extraction — the DeepLab picture, on a real image.

Downsample by 2, convolve, upsample: the responses exist at only 1/4 of the
image positions (sparse). Convolve the full-resolution image with the same
kernel dilated by ``rate = 2`` (atrous convolution): a response at every
position (dense), and at the even positions exactly the sparse ones.

The image is ``grace_hopper.jpg``, which ships inside matplotlib
(``matplotlib.cbook.get_sample_data``): no download.

Introduced in 02_dilated_convolution.ipynb.
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .._checks import is_int


def sample_image(size: int = 160) -> np.ndarray:
    """Grace Hopper (matplotlib's sample image) in grey, floats in [0, 1], longest side ``size``.

    Introduced in 02_dilated_convolution.ipynb.
    """
    from matplotlib import cbook
    from PIL import Image

    if not is_int(size) or size < 8:
        raise ValueError(f"size={size!r} must be an integer >= 8")
    with cbook.get_sample_data("grace_hopper.jpg") as f, Image.open(f) as img:
        grey = img.convert("L")
        w, h = grey.size
        scale = size / max(w, h)
        grey = grey.resize((max(1, round(w * scale)), max(1, round(h * scale))), Image.Resampling.LANCZOS)
        return np.asarray(grey, dtype=np.float64) / 255.0


def edge_kernel(size: int = 7, sigma: float | None = None) -> np.ndarray:
    """Derivative-of-Gaussian kernel along x (responds to vertical edges), like DeepLab's figure.

    >>> edge_kernel(3).shape
    (3, 3)
    """
    if not is_int(size) or size < 2:
        raise ValueError(f"size={size!r} must be an integer >= 2")
    s = (size / 4.0) if sigma is None else float(sigma)
    if s <= 0:
        raise ValueError(f"sigma={sigma!r} must be positive")
    t = np.arange(size) - (size - 1) / 2
    g = np.exp(-(t**2) / (2 * s * s))
    dg = -t * g
    k = np.outer(g, dg)
    return k / np.abs(k).sum()


def correlate(x: np.ndarray, w: np.ndarray, *, dilation: int = 1, padding: tuple[int, int] | None = None) -> np.ndarray:
    """2-D cross-correlation (torch's ``conv2d``) with zero padding ``(before, after)`` on both axes.

    Default padding keeps the size: ``before = d*((k-1)//2)``, ``after = d*(k-1) - before``.
    A loop over kernel taps; single channel.

    Introduced in 02_dilated_convolution.ipynb.
    """
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    if x.ndim != 2 or w.ndim != 2:
        raise ValueError(f"x with shape {x.shape} and w with shape {w.shape} must both be 2-D")
    if not is_int(dilation) or dilation < 1:
        raise ValueError(f"dilation={dilation!r} must be a positive integer")
    d = int(dilation)
    kh, kw = w.shape
    if padding is None:
        before = (d * ((kh - 1) // 2), d * ((kw - 1) // 2))
        padded = np.pad(x, [(before[0], d * (kh - 1) - before[0]), (before[1], d * (kw - 1) - before[1])])
    else:
        padded = np.pad(x, [tuple(padding), tuple(padding)])
    oh, ow = padded.shape[0] - d * (kh - 1), padded.shape[1] - d * (kw - 1)
    if oh < 1 or ow < 1:
        raise ValueError(f"the dilated {kh}×{kw} kernel (dilation={d}) does not fit the padded {padded.shape} input")
    out = np.zeros((oh, ow))
    for a in range(kh):
        for b in range(kw):
            out += w[a, b] * padded[a * d : a * d + oh, b * d : b * d + ow]
    return out


@dataclass(frozen=True, repr=False)
class SparseDense:
    """Responses of the two pipelines.

    Attributes
    ----------
    image : full-resolution input
    kernel : the kernel (undilated)
    rate : downsampling factor = dilation rate
    sparse : responses computed on the downsampled image (low resolution)
    sparse_upsampled : ``sparse`` repeated ``rate`` times per axis (nearest-neighbour upsampling)
    dense : atrous-convolution responses at full resolution
    """

    image: np.ndarray
    kernel: np.ndarray
    rate: int
    sparse: np.ndarray
    sparse_upsampled: np.ndarray
    dense: np.ndarray

    @property
    def max_difference(self) -> float:
        """``max |dense[::rate, ::rate] - sparse|`` — zero up to rounding."""
        r = self.rate
        return float(np.abs(self.dense[::r, ::r] - self.sparse).max())

    def __repr__(self) -> str:
        h, w = self.image.shape
        return (
            f"SparseDense(image {h}×{w}, rate {self.rate}: sparse {self.sparse.shape[0]}×{self.sparse.shape[1]} "
            f"responses, dense {self.dense.shape[0]}×{self.dense.shape[1]}; dense[::{self.rate}, ::{self.rate}] "
            f"equals sparse: {self.max_difference < 1e-9})"
        )


def sparse_vs_dense(image: np.ndarray | None = None, kernel: np.ndarray | None = None, rate: int = 2) -> SparseDense:
    """Compute DeepLab's comparison: downsample → conv → upsample against atrous conv.

    Introduced in 02_dilated_convolution.ipynb.

    Parameters
    ----------
    image : 2-D array, optional
        Default :func:`sample_image`.
    kernel : 2-D array, optional
        Default :func:`edge_kernel` (7×7).
    rate : int
        Downsampling factor of the sparse path and dilation of the dense path.

    Returns
    -------
    SparseDense
    """
    img = sample_image() if image is None else np.asarray(image, dtype=np.float64)
    k = edge_kernel() if kernel is None else np.asarray(kernel, dtype=np.float64)
    if img.ndim != 2:
        raise ValueError(f"image with shape {img.shape} must be 2-D (grey)")
    if not is_int(rate) or rate < 1:
        raise ValueError(f"rate={rate!r} must be a positive integer")
    r = int(rate)
    # crop so that both sizes are multiples of the rate (upsampling then restores the size exactly)
    img = img[: img.shape[0] // r * r, : img.shape[1] // r * r]
    small = img[::r, ::r]
    sparse = correlate(small, k)
    dense = correlate(img, k, dilation=r)
    up = np.repeat(np.repeat(sparse, r, axis=0), r, axis=1)
    return SparseDense(img, k, r, sparse, up, dense)


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


__all__ = ["DenseFigure", "SparseDense", "correlate", "edge_kernel", "plot_sparse_vs_dense", "sample_image",
           "sparse_vs_dense"]
