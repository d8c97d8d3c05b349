"""The phase view of a 2× upsampling layer: four stride-1 convolutions, and their sums.

Every layer of :data:`convlib.experiments.UPSAMPLERS` computes output pixel
``(2R + i, 2C + j)`` with a small kernel of its own for each *phase* ``(i, j)``
(chapter 06's sub-pixel view, :func:`convlib.subpixel_weight`). On a flat input the
features are flat, so phase ``(i, j)`` outputs the same value everywhere:
``bias + sum of its kernel's taps @ features``. Unequal **phase sums** therefore
paint a 2×2 tile over every flat region -- a checkerboard -- whatever the kernel
size. This module reads the phase kernels off a trained layer:

* transposed convolutions: :func:`convlib.subpixel_weight` of their weight;
* resize-then-convolve: nearest ×2 followed by a 3×3 convolution *is* a transposed
  4×4 convolution whose kernel is the 3×3 kernel spread by a 2×2 box
  (:func:`resize_conv_as_transposed`): every tap lands once in every phase, so the
  four phase sums are equal by construction;
* sub-pixel convolution: the ``4`` output channels per image channel *are* the phases.

Introduced in 13_trained_artifacts.ipynb.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from convlib import conv_transpose2d, subpixel_weight


def _np(t: Any) -> np.ndarray:
    return t.detach().cpu().numpy().astype(np.float64)


def resize_conv_as_transposed(weight: Any) -> np.ndarray:
    """The ``ConvTranspose2d(k=4, stride=2, padding=1)`` weight equal to nearest ×2 then ``Conv2d(k=3, padding=1)``.

    Upsampling copies input pixel ``z[R]`` to outputs ``2R`` and ``2R+1``; the 3×3
    convolution then reads, for output phase 0, ``w0 z[R-1] + (w1 + w2) z[R]`` and
    for phase 1 ``(w0 + w1) z[R] + w2 z[R+1]`` (per axis). As a transposed
    convolution that is the kernel ``[w2, w1+w2, w0+w1, w0]``: the kernel convolved
    with a 2×2 box (:func:`convlib.conv_transpose2d` at stride 1 is that full
    convolution) and flipped, with the channel axes swapped.

    Introduced in 13_trained_artifacts.ipynb.

    Parameters
    ----------
    weight : array or tensor, shape (C_out, C_in, 3, 3) -- the ``Conv2d`` weight

    Returns
    -------
    ndarray, shape (C_in, C_out, 4, 4)

    Examples
    --------
    >>> resize_conv_as_transposed(np.array([1.0, 2.0, 4.0]).reshape(1, 1, 1, 3).repeat(3, axis=2))[0, 0, 0]
    array([4., 6., 3., 1.])
    """
    w = _np(weight) if hasattr(weight, "detach") else np.asarray(weight, dtype=np.float64)
    if w.ndim != 4 or w.shape[-2:] != (3, 3):
        raise ValueError(f"weight with shape {w.shape} must be a Conv2d weight (C_out, C_in, 3, 3)")
    c_out, c_in = w.shape[:2]
    spread = conv_transpose2d(w.reshape(c_out * c_in, 1, 3, 3), np.ones((1, 1, 2, 2)))  # full conv with a box
    return spread.reshape(c_out, c_in, 4, 4)[..., ::-1, ::-1].transpose(1, 0, 2, 3).copy()


def _transposed_phases(weight: np.ndarray, padding: int) -> np.ndarray:
    """(2, 2, C_out, C_in, m, m) phase kernels in *output* coordinates (``padding`` shifts the phases)."""
    c_out = weight.shape[1]
    phased = subpixel_weight(weight, 1, 2, 1)  # (2 * 2 * C_out, C_in, m, m), canvas phases
    phased = phased.reshape(2, 2, c_out, *phased.shape[1:])
    order = [(a + padding) % 2 for a in range(2)]  # output phase o comes from canvas phase (o + padding) mod 2
    return phased[order][:, order]


def upsampler_phase_kernels(layer: Any) -> tuple[np.ndarray, np.ndarray]:
    """Phase kernels and biases of a 2× upsampling layer built by :func:`convlib.experiments.upsampler`.

    Introduced in 13_trained_artifacts.ipynb.

    Returns
    -------
    kernels : ndarray (2, 2, C_out, C_in, m, m)
        ``kernels[i, j]`` is the stride-1 convolution (cross-correlation) producing
        output rows ``i::2`` and columns ``j::2``.
    bias : ndarray (2, 2, C_out)
    """
    from torch import nn  # noqa: PLC0415

    if isinstance(layer, nn.ConvTranspose2d):
        if layer.stride != (2, 2) or layer.dilation != (1, 1) or layer.groups != 1:
            raise ValueError(f"{layer} must have stride 2, dilation 1 and groups 1")
        kernels = _transposed_phases(_np(layer.weight), layer.padding[0])
        bias = _np(layer.bias) if layer.bias is not None else np.zeros(layer.out_channels)
        return kernels, np.broadcast_to(bias, (2, 2, len(bias))).copy()
    if isinstance(layer, nn.Sequential) and len(layer) == 2:
        first, second = layer
        if isinstance(first, nn.Upsample) and isinstance(second, nn.Conv2d):
            kernels = _transposed_phases(resize_conv_as_transposed(second.weight), 1)
            bias = _np(second.bias) if second.bias is not None else np.zeros(second.out_channels)
            return kernels, np.broadcast_to(bias, (2, 2, len(bias))).copy()
        if isinstance(first, nn.Conv2d) and isinstance(second, nn.PixelShuffle) and second.upscale_factor == 2:
            w = _np(first.weight)  # channel c * 4 + 2 i + j -> phase (i, j) of image channel c
            kernels = w.reshape(-1, 2, 2, *w.shape[1:]).transpose(1, 2, 0, 3, 4, 5)
            b = _np(first.bias) if first.bias is not None else np.zeros(w.shape[0])
            return kernels, b.reshape(-1, 2, 2).transpose(1, 2, 0)
    raise TypeError(f"layer={layer!r} is not one of the upsampling layers of convlib.experiments.upsampler")


def upsampler_phase_sums(layer: Any) -> np.ndarray:
    """Sum of every phase kernel's taps: ``(2, 2, C_out, C_in)``.

    On a flat input with feature vector ``f`` (flat too), phase ``(i, j)`` outputs
    ``upsampler_phase_sums[i, j] @ f + bias[i, j]``.

    Introduced in 13_trained_artifacts.ipynb.
    """
    kernels, _ = upsampler_phase_kernels(layer)
    return kernels.sum(axis=(-2, -1))


def flat_tile(decoder: Any, value: float) -> np.ndarray:
    """The 2×2 tile a :func:`convlib.experiments.upsampling_decoder` paints over a flat input, from its phase sums.

    A constant input ``value`` gives the constant feature vector
    ``f = relu(sum of each encoder kernel * value + encoder bias)`` (away from the
    border); output phase ``(i, j)`` is then ``upsampler_phase_sums[i, j] @ f + bias[i, j]``.
    Returns the ``(2, 2)`` tile of the first output channel. Equal entries: no
    checkerboard on flat regions.

    Introduced in 13_trained_artifacts.ipynb.
    """
    encoder, up = decoder[0], decoder[-1]
    features = np.maximum(_np(encoder.weight).sum(axis=(1, 2, 3)) * float(value) + _np(encoder.bias), 0.0)
    _, bias = upsampler_phase_kernels(up)
    return upsampler_phase_sums(up)[:, :, 0, :] @ features + bias[:, :, 0]


__all__ = ["flat_tile", "upsampler_phase_kernels", "upsampler_phase_sums", "resize_conv_as_transposed"]
