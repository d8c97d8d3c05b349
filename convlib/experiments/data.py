"""Synthetic images for the trained experiments, generated with a seeded numpy generator.

Two data sets, both small enough to train on a CPU in seconds:

* :func:`thin_structures` -- noisy images of one-pixel-wide curves and small discs,
  with a per-pixel label (background / line / blob): a segmentation task whose
  structures are narrower than the gaps of a dilation-2 stack (chapter 04);
* :func:`smooth_images` -- smooth images (a flat level plus a few wide Gaussian
  bumps), and :func:`downsample` to make their low-resolution inputs: a
  two-times upsampling task on which every output phase should look the same.

Everything is numpy and deterministic: the same ``seed`` gives the same arrays.

Introduced in 13_trained_artifacts.ipynb.
"""

from __future__ import annotations

from dataclasses import dataclass

from numbers import Integral

import numpy as np

#: Class names of :func:`thin_structures`' labels, in label order.
CLASSES = ("background", "line", "blob")


def _count(value: object, name: str, minimum: int) -> int:
    if not isinstance(value, Integral) or isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}={value!r} must be an int")
    if value < minimum:
        raise ValueError(f"{name}={value} must be an integer >= {minimum}")
    return int(value)


@dataclass(frozen=True, repr=False)
class Segmentation:
    """Images and per-pixel labels of a segmentation data set.

    Attributes
    ----------
    images : float32 array (N, 1, H, W) -- structures at 1, background at 0, plus noise
    labels : int64 array (N, H, W) -- index into ``classes``
    classes : names of the labels
    """

    images: np.ndarray
    labels: np.ndarray
    classes: tuple[str, ...] = CLASSES

    def __len__(self) -> int:
        return len(self.labels)

    def class_fractions(self) -> np.ndarray:
        """Fraction of all pixels that carry each label."""
        return np.bincount(self.labels.ravel(), minlength=len(self.classes)) / self.labels.size

    def __repr__(self) -> str:
        n, _, h, w = self.images.shape
        fractions = ", ".join(f"{c} {f:.1%}" for c, f in zip(self.classes, self.class_fractions()))
        return f"Segmentation({n} images {h}×{w}; pixels: {fractions})"


def curve_pixels(control: np.ndarray, size: int) -> np.ndarray:
    """Pixels (row, col) of the quadratic Bézier curve with 3 control points, one pixel wide, in path order.

    The curve is sampled at steps shorter than half a pixel and every sample is
    floored to the pixel that contains it. Then every *staircase corner* is
    dropped -- a pixel whose two neighbours on the path touch diagonally -- until
    none is left, so consecutive pixels are 8-neighbours and the curve is one pixel
    wide. A curve that doubles back may list a pixel twice. Pixels outside the
    ``size`` square are dropped.

    Introduced in 13_trained_artifacts.ipynb.

    >>> curve_pixels(np.array([[0.5, 0.5], [0.5, 2.5], [0.5, 4.5]]), 5)[:, 1]
    array([0, 1, 2, 3, 4])
    >>> curve_pixels(np.array([[0.2, 0.2], [1.0, 1.5], [1.8, 2.8]]), 5).tolist()  # the corner (1, 1) dropped
    [[0, 0], [0, 1], [1, 2]]
    """
    control = np.asarray(control, dtype=np.float64)
    if control.shape != (3, 2):
        raise ValueError(f"control with shape {control.shape} must be 3 points (row, col): shape (3, 2)")
    length = np.abs(np.diff(control, axis=0)).sum()  # the control polygon is longer than the curve
    t = np.linspace(0.0, 1.0, int(np.ceil(2 * length)) + 2)[:, None]
    points = (1 - t) ** 2 * control[0] + 2 * (1 - t) * t * control[1] + t**2 * control[2]
    path: list[tuple[int, int]] = []
    for r, c in np.floor(points).astype(np.int64).tolist():
        if not path or path[-1] != (r, c):
            path.append((r, c))
    corner = True
    while corner:
        corner = False
        for i in range(len(path) - 2, 0, -1):
            (r0, c0), (r1, c1) = path[i - 1], path[i + 1]
            if abs(r0 - r1) == 1 and abs(c0 - c1) == 1:
                del path[i]
                corner = True
    pixels = np.array([p for p in path if 0 <= p[0] < size and 0 <= p[1] < size], dtype=np.int64)
    return pixels.reshape(-1, 2)


def thin_structures(
    n: int,
    size: int = 24,
    *,
    lines: int = 3,
    blobs: int = 5,
    radius: tuple[float, float] = (1.0, 2.0),
    noise: float = 0.4,
    seed: int = 0,
) -> Segmentation:
    """Noisy images of thin curves and small discs, labelled per pixel.

    Each image gets ``lines`` quadratic Bézier curves (one pixel wide, control
    points uniform in the image) labelled 1 and then ``blobs`` filled discs
    (centre uniform, radius uniform in ``radius``) labelled 2 -- a disc drawn over
    a curve wins. The image is 1 on every labelled pixel, 0 elsewhere, plus
    Gaussian noise of standard deviation ``noise``.

    Introduced in 13_trained_artifacts.ipynb.

    Parameters
    ----------
    n, size : int
        Number of images and their side in pixels.
    lines, blobs : int
        Curves and discs per image.
    radius : (float, float)
        Range of disc radii in pixels (a pixel belongs to a disc when the distance from its
        centre to the disc's centre is at most the radius: about 3 to 13 pixels for 1..2).
    noise : float
        Standard deviation of the additive Gaussian noise.
    seed : int
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    Segmentation

    Examples
    --------
    >>> data = thin_structures(2, 8, lines=1, blobs=1, noise=0.0, seed=1)
    >>> bool(np.array_equal(data.images[:, 0] == 1, data.labels > 0))
    True
    """
    n, size = _count(n, "n", 1), _count(size, "size", 4)
    lines, blobs = _count(lines, "lines", 0), _count(blobs, "blobs", 0)
    r_min, r_max = (float(r) for r in radius)
    if not 0 < r_min <= r_max:
        raise ValueError(f"radius={radius!r} must be (min, max) with 0 < min <= max")
    if noise < 0:
        raise ValueError(f"noise={noise} must be >= 0")
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[:size, :size]
    labels = np.zeros((n, size, size), dtype=np.int64)
    for i in range(n):
        for _ in range(lines):
            pixels = curve_pixels(rng.uniform(0, size, size=(3, 2)), size)
            labels[i, pixels[:, 0], pixels[:, 1]] = 1
        for _ in range(blobs):
            (cy, cx), r = rng.uniform(1, size - 1, size=2), rng.uniform(r_min, r_max)
            labels[i][(rows + 0.5 - cy) ** 2 + (cols + 0.5 - cx) ** 2 <= r * r] = 2
    images = (labels > 0).astype(np.float32)[:, None] + np.float32(noise) * rng.standard_normal(
        (n, 1, size, size), dtype=np.float32
    )
    return Segmentation(images, labels)


def smooth_images(n: int, size: int = 32, *, bumps: int = 4, level: tuple[float, float] = (0.2, 0.5),
                  seed: int = 0) -> np.ndarray:
    """Smooth images: a flat level plus ``bumps`` wide Gaussian bumps of either sign.

    Each image is a constant drawn from ``level`` plus bumps with centres uniform in
    the image, widths (standard deviation) uniform in 2-6 pixels and heights uniform
    in -0.5..0.5. Between the bumps the image is nearly flat -- where a
    checkerboard shows most.

    Introduced in 13_trained_artifacts.ipynb.

    Returns
    -------
    float32 array (n, 1, size, size)

    Examples
    --------
    >>> smooth_images(3, 16, seed=0).shape
    (3, 1, 16, 16)
    """
    n, size, bumps = _count(n, "n", 1), _count(size, "size", 2), _count(bumps, "bumps", 0)
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[:size, :size].astype(np.float64)
    out = np.empty((n, 1, size, size), dtype=np.float32)
    for i in range(n):
        image = np.full((size, size), rng.uniform(*level))
        for _ in range(bumps):
            (cy, cx), width, height = rng.uniform(0, size, size=2), rng.uniform(2, 6), rng.uniform(-0.5, 0.5)
            image += height * np.exp(-((rows - cy) ** 2 + (cols - cx) ** 2) / (2 * width**2))
        out[i, 0] = image
    return out


def downsample(images: np.ndarray, factor: int = 2) -> np.ndarray:
    """Average every ``factor x factor`` block: the low-resolution input of the upsampling task.

    Introduced in 13_trained_artifacts.ipynb.

    >>> downsample(np.arange(16.0).reshape(1, 1, 4, 4))[0, 0]
    array([[ 2.5,  4.5],
           [10.5, 12.5]])
    """
    images = np.asarray(images)
    f = _count(factor, "factor", 1)
    *lead, h, w = images.shape
    if h % f or w % f:
        raise ValueError(f"images of size {h}×{w} must be divisible by factor={f}")
    return images.reshape(*lead, h // f, f, w // f, f).mean(axis=(-3, -1)).astype(images.dtype)


__all__ = ["CLASSES", "Segmentation", "curve_pixels", "downsample", "smooth_images", "thin_structures"]
