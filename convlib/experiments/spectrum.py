"""The 2-D power spectrum of images and the energy at the checkerboard frequencies, in numpy.

A layer that upsamples by a stride ``s`` computes every output *phase*
``(row mod s, col mod s)`` with its own weights (chapter 07). If the phases
disagree by a constant, the output carries a pattern that repeats every ``s``
pixels: a function of the phase alone. The discrete Fourier transform of an
``H x W`` image (``H``, ``W`` multiples of ``s``) puts such a pattern on exactly
the ``s**2`` frequencies ``(a H/s, b W/s)``, ``a, b = 0 … s-1``; the frequency
``(0, 0)`` is the mean. For ``s = 2`` these are the Nyquist frequencies
``(π, 0)``, ``(0, π)`` and ``(π, π)`` in radians per pixel: the stripes along
rows, along columns, and the checkerboard itself.

**Checkerboard energy** (:func:`checkerboard_energy`) is the share of an
image's power, after removing its mean, that sits on those ``s**2 - 1``
frequencies. It is 1 for a pure period-``s`` pattern, 0 for an image whose ``s**2``
phases have equal means, and small for smooth images (their power is at low
frequencies). By Parseval's theorem it equals the variance of the ``s**2`` phase
means divided by the variance of the image -- the fraction of the pixel variance
explained by "which phase is this pixel in" (:func:`phase_means`).

Introduced in 13_trained_artifacts.ipynb.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np


def _images(images: object, stride: int) -> np.ndarray:
    if not isinstance(stride, Integral) or isinstance(stride, bool) or stride < 2:
        raise ValueError(f"stride={stride!r} must be an integer >= 2")
    a = np.asarray(images, dtype=np.float64)
    if a.ndim < 2:
        raise ValueError(f"images with shape {a.shape} must have at least 2 dimensions (..., H, W)")
    h, w = a.shape[-2:]
    if h % stride or w % stride:
        raise ValueError(f"image size {h}×{w} must be divisible by stride={stride}")
    return a


def power_spectrum(images: object, *, shift: bool = True) -> np.ndarray:
    """Mean-removed power ``|DFT|**2 / (H W)**2`` of the last two axes, averaged over the others.

    With ``shift`` (default) the zero frequency is moved to the centre
    (``np.fft.fftshift``): index ``(H//2, W//2)`` is frequency (0, 0) and index
    ``(0, 0)`` is ``(-π, -π)`` -- the checkerboard frequency for even sizes.
    So normalised, the values sum to the image's variance (Parseval).

    Introduced in 13_trained_artifacts.ipynb.

    >>> power_spectrum(np.array([[1.0, -1.0], [-1.0, 1.0]]), shift=False)
    array([[0., 0.],
           [0., 1.]])
    """
    a = np.asarray(images, dtype=np.float64)
    if a.ndim < 2:
        raise ValueError(f"images with shape {a.shape} must have at least 2 dimensions (..., H, W)")
    a = a - a.mean(axis=(-2, -1), keepdims=True)
    h, w = a.shape[-2:]
    p = (np.abs(np.fft.fft2(a)) ** 2 / (h * w) ** 2).reshape(-1, h, w).mean(axis=0)
    return np.fft.fftshift(p) if shift else p


def checkerboard_frequencies(size: tuple[int, int], stride: int = 2) -> list[tuple[int, int]]:
    """DFT indices ``(a H/s, b W/s)`` of a period-``stride`` pattern, without (0, 0), unshifted.

    Introduced in 13_trained_artifacts.ipynb.

    >>> checkerboard_frequencies((8, 8))
    [(0, 4), (4, 0), (4, 4)]
    """
    h, w = size
    _images(np.zeros((h, w)), stride)
    return [(a * h // stride, b * w // stride) for a in range(stride) for b in range(stride) if a or b]


def checkerboard_energy(images: object, stride: int = 2) -> float:
    """Share of the mean-removed power at the period-``stride`` frequencies, pooled over images.

    ``sum over images of power at checkerboard_frequencies / sum over images of all power``
    (0 when every image is constant). Pooling weights every image by its power, so
    a nearly flat image does not dominate.

    Introduced in 13_trained_artifacts.ipynb.

    Examples
    --------
    >>> checkerboard_energy(np.indices((4, 4)).sum(axis=0) % 2)  # a pure checkerboard
    1.0
    >>> checkerboard_energy(np.ones((4, 4)))
    0.0
    """
    a = _images(images, stride)
    h, w = a.shape[-2:]
    a = a.reshape(-1, h, w)
    a = a - a.mean(axis=(-2, -1), keepdims=True)
    total = float(np.sum(a**2))
    if total == 0.0:
        return 0.0
    p = np.abs(np.fft.fft2(a)) ** 2 / (h * w)
    at = sum(float(p[:, i, j].sum()) for i, j in checkerboard_frequencies((h, w), stride))
    return min(1.0, at / total)


def phase_means(image: object, stride: int = 2) -> np.ndarray:
    """Mean of every phase ``image[a::s, b::s]``: the ``s x s`` tile a checkerboard repeats.

    Introduced in 13_trained_artifacts.ipynb.

    >>> phase_means(np.arange(16.0).reshape(4, 4))
    array([[ 5.,  6.],
           [ 9., 10.]])
    """
    a = _images(image, stride)
    if a.ndim != 2:
        raise ValueError(f"image with shape {a.shape} must be 2-D")
    return np.array([[a[i::stride, j::stride].mean() for j in range(stride)] for i in range(stride)])


__all__ = ["checkerboard_energy", "checkerboard_frequencies", "phase_means", "power_spectrum"]
