"""The tiny networks of the trained experiments, as plain ``torch.nn`` stacks.

* :func:`dilated_segmenter` -- three 3×3 dilated convolutions with ReLUs and a 1×1
  classifier: the stacks of chapter 04 ([2, 2, 2], [1, 2, 3], [1, 2, 5]) made
  trainable. Only the rates differ, so every rate list has the same parameters.
* :func:`upsampling_decoder` -- one 3×3 convolution with a ReLU at low resolution,
  then one of the five ways to double the size of chapter 07 (:data:`UPSAMPLERS`),
  straight to the output image.
* :func:`icnr_` -- the ICNR initialisation of a sub-pixel convolution (Aitken et al.
  2017, *Checkerboard artifact free sub-pixel convolution*).

torch is imported inside the functions: ``import convlib`` stays torch-free.

Introduced in 13_trained_artifacts.ipynb.
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral
from typing import Any

#: The upsampling layers compared in chapter 13, in the order of chapter 07's remedies.
UPSAMPLERS = ("transposed k3", "transposed k4", "resize + conv", "sub-pixel", "sub-pixel + ICNR")


def _rates(rates: Any) -> tuple[int, ...]:
    if isinstance(rates, (str, bytes)) or not isinstance(rates, Sequence) or not rates:
        raise TypeError(f"rates={rates!r} must be a non-empty sequence of dilation rates")
    if not all(isinstance(r, Integral) and not isinstance(r, bool) and r >= 1 for r in rates):
        raise ValueError(f"rates={list(rates)!r} must all be integers >= 1")
    return tuple(int(r) for r in rates)


def dilated_segmenter(rates: Sequence[int], *, channels: int = 16, classes: int = 3, in_channels: int = 1) -> Any:
    """A stack of 3×3 dilated convolutions (``padding = rate``, size kept) and a 1×1 classifier.

    ``Conv(rate r_1) → ReLU → Conv(r_2) → ReLU → … → Conv 1×1 → class scores``.
    The receptive field is chapter 04's: 13 for [2, 2, 2] and [1, 2, 3], 17 for
    [1, 2, 5]; with rates [2, 2, 2] an output pixel reads only the input pixels
    whose row and column have its own parity.

    Introduced in 13_trained_artifacts.ipynb.

    Returns
    -------
    torch.nn.Sequential

    Examples
    --------
    >>> [count_parameters(dilated_segmenter(r)) for r in ([2, 2, 2], [1, 2, 3], [1, 2, 5])]
    [4851, 4851, 4851]
    """
    from torch import nn  # noqa: PLC0415 - torch stays out of `import convlib`

    layers: list[Any] = []
    width = in_channels
    for r in _rates(rates):
        layers += [nn.Conv2d(width, channels, 3, padding=r, dilation=r), nn.ReLU()]
        width = channels
    layers.append(nn.Conv2d(width, classes, 1))
    return nn.Sequential(*layers)


def count_parameters(model: Any) -> int:
    """Number of trainable numbers in a torch module.

    Introduced in 13_trained_artifacts.ipynb.
    """
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def class_score(model: Any, index: int) -> Any:
    """The network up to its 1×1 classifier, then only class ``index``'s score: one output channel.

    A copy (the original is not changed) whose last layer keeps row ``index`` of
    the classifier -- what :func:`convlib.erf_map` needs to follow one class.

    Introduced in 13_trained_artifacts.ipynb.
    """
    from torch import nn  # noqa: PLC0415

    head = model[-1]
    if not isinstance(head, nn.Conv2d) or head.kernel_size != (1, 1):
        raise TypeError(f"the last layer of model must be a 1×1 nn.Conv2d classifier, got {head!r}")
    if not 0 <= index < head.out_channels:
        raise ValueError(f"index={index} must lie in 0..{head.out_channels - 1}")
    single = nn.Conv2d(head.in_channels, 1, 1, bias=head.bias is not None)
    single.load_state_dict({k: v[index : index + 1] for k, v in head.state_dict().items()})
    return nn.Sequential(*list(model)[:-1], single).eval()


def icnr_(weight: Any, scale: int = 2) -> Any:
    """ICNR: make the ``scale**2`` sub-kernels of every output channel of a sub-pixel convolution equal.

    ``nn.PixelShuffle(scale)`` sends channel ``c * scale**2 + i * scale + j`` to
    offset ``(i, j)`` of output channel ``c``. ICNR (Aitken et al. 2017) initialises
    one kernel per output channel the usual way and copies it to all of that
    channel's ``scale**2`` phases, so the layer starts as "convolve, then
    nearest-neighbour upsample": no checkerboard at initialisation. Here the usual
    way is the layer's own default initialisation: the kernel of phase (0, 0) is
    copied to the other phases. Works in place on a ``(C_out * scale**2, C_in, k, k)``
    weight -- and on the ``(C_out * scale**2,)`` bias, which must be tied too, or the
    phases start with different offsets -- and returns it.

    Introduced in 13_trained_artifacts.ipynb.

    Examples
    --------
    >>> import torch
    >>> icnr_(torch.arange(8.0), scale=2)
    tensor([0., 0., 0., 0., 4., 4., 4., 4.])
    """
    import torch  # noqa: PLC0415

    phases = int(scale) ** 2
    if weight.shape[0] % phases:
        raise ValueError(f"weight.shape[0]={weight.shape[0]} must be divisible by scale**2={phases}")
    with torch.no_grad():
        weight.copy_(weight[::phases].repeat_interleave(phases, dim=0))
    return weight


def upsampler(method: str, in_channels: int, out_channels: int = 1) -> Any:
    """One of :data:`UPSAMPLERS`: a layer that doubles the height and width.

    ======================  ========================================================
    ``"transposed k3"``     ``ConvTranspose2d(k=3, stride=2, padding=1, output_padding=1)``
    ``"transposed k4"``     ``ConvTranspose2d(k=4, stride=2, padding=1)``
    ``"resize + conv"``     nearest-neighbour ×2, then ``Conv2d(k=3, padding=1)``
    ``"sub-pixel"``         ``Conv2d(k=3, padding=1)`` to 4× the channels, ``PixelShuffle(2)``
    ``"sub-pixel + ICNR"``  the same, initialised with :func:`icnr_`
    ======================  ========================================================

    Introduced in 13_trained_artifacts.ipynb.
    """
    from torch import nn  # noqa: PLC0415

    if method == "transposed k3":
        return nn.ConvTranspose2d(in_channels, out_channels, 3, stride=2, padding=1, output_padding=1)
    if method == "transposed k4":
        return nn.ConvTranspose2d(in_channels, out_channels, 4, stride=2, padding=1)
    if method == "resize + conv":
        return nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(in_channels, out_channels, 3, padding=1))
    if method in ("sub-pixel", "sub-pixel + ICNR"):
        conv = nn.Conv2d(in_channels, 4 * out_channels, 3, padding=1)
        if method == "sub-pixel + ICNR":
            icnr_(conv.weight)
            icnr_(conv.bias)
        return nn.Sequential(conv, nn.PixelShuffle(2))
    raise ValueError(f"method={method!r} must be one of {UPSAMPLERS}")


def upsampling_decoder(method: str, *, channels: int = 16) -> Any:
    """``Conv2d(1 → channels, 3×3) → ReLU → upsampler(method) → 1 channel, twice the size``.

    The upsampling layer is the last one, so on a flat input its four output
    phases are exactly what its phase sums predict (:func:`convlib.experiments.flat_tile`).

    Introduced in 13_trained_artifacts.ipynb.

    Examples
    --------
    >>> {m: count_parameters(upsampling_decoder(m)) for m in UPSAMPLERS[:3]}
    {'transposed k3': 305, 'transposed k4': 417, 'resize + conv': 305}
    """
    from torch import nn  # noqa: PLC0415

    return nn.Sequential(nn.Conv2d(1, channels, 3, padding=1), nn.ReLU(), upsampler(method, channels))


__all__ = ["UPSAMPLERS", "class_score", "count_parameters", "dilated_segmenter", "icnr_", "upsampler", "upsampling_decoder"]
