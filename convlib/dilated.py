"""Dilated (atrous) convolution at work: sparse vs dense feature extraction, as in DeepLab.

Downsample by 2, convolve, upsample: the responses exist at only 1/4 of the
image positions (sparse). Convolve the full-resolution image with the same
kernel dilated by ``rate = 2`` (atrous convolution): a response at every
position (dense), and at the even positions exactly the sparse ones. Both
pipelines call :func:`convlib.conv.correlate2d`; :mod:`convlib.render.dense`
draws them.

The image is ``grace_hopper.jpg``, which ships inside matplotlib
(``matplotlib.cbook.get_sample_data``): no download.

Introduced in 02_dilated_convolution.ipynb.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .conv import correlate2d
from .shapes import same_padding
from .validate import integer, ndim


def sample_image(size: int = 160) -> np.ndarray:
    """Grace Hopper (matplotlib's sample image) in grey, floats in [0, 1], longest side ``size``.

    Introduced in 02_dilated_convolution.ipynb.
    """
    from matplotlib import cbook
    from PIL import Image

    integer(size, "size", 8)
    with cbook.get_sample_data("grace_hopper.jpg") as f, Image.open(f) as img:
        grey = img.convert("L")
        w, h = grey.size
        scale = size / max(w, h)
        grey = grey.resize((max(1, round(w * scale)), max(1, round(h * scale))), Image.Resampling.LANCZOS)
        return np.asarray(grey, dtype=np.float64) / 255.0


def edge_kernel(size: int = 7, sigma: float | None = None) -> np.ndarray:
    """Derivative-of-Gaussian kernel along x (responds to vertical edges), like DeepLab's figure.

    Introduced in 02_dilated_convolution.ipynb.

    >>> edge_kernel(3).shape
    (3, 3)
    """
    integer(size, "size", 2)
    s = (size / 4.0) if sigma is None else float(sigma)
    if s <= 0:
        raise ValueError(f"sigma={sigma!r} must be a positive number")
    t = np.arange(size) - (size - 1) / 2
    g = np.exp(-(t**2) / (2 * s * s))
    dg = -t * g
    k = np.outer(g, dg)
    return k / np.abs(k).sum()


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
    ndim(img, (2,), "image", "sparse_vs_dense expects a 2-D (grey) image")
    ndim(k, (2,), "kernel", "sparse_vs_dense expects a 2-D kernel")
    r = integer(rate, "rate", 1)
    # crop so that both sizes are multiples of the rate (upsampling then restores the size exactly)
    img = img[: img.shape[0] // r * r, : img.shape[1] // r * r]
    small = img[::r, ::r]
    # both keep their size; the dense padding is the sparse padding times the rate, so that
    # dense pixel (r*i, r*j) sees exactly what sparse pixel (i, j) sees
    pads = same_padding(k.shape)
    sparse = correlate2d(small, k, padding=pads)
    dense = correlate2d(img, k, padding=tuple((r * b, r * a) for b, a in pads), dilation=r)
    up = np.repeat(np.repeat(sparse, r, axis=0), r, axis=1)
    return SparseDense(img, k, r, sparse, up, dense)


__all__ = ["SparseDense", "edge_kernel", "sample_image", "sparse_vs_dense"]
