"""Receptive fields: closed forms for any stack of layers, checked by autograd.

For a stack of layers ``l = 1..L`` (layer 1 nearest the input) with kernel
``k_l``, stride ``s_l``, padding ``p_l`` and dilation ``d_l``, Araujo, Norris &
Sim, *Computing Receptive Fields of Convolutional Neural Networks* (Distill,
2019) give, with the effective kernel ``k'_l = d_l (k_l - 1) + 1``:

* size        ``r = 1 + sum_l (k'_l - 1) * prod_{i<l} s_i``
* stride      ``S = prod_l s_l``               (the jump between neighbouring output units)
* padding     ``P = sum_l p_l * prod_{i<l} s_i``
* center      ``c = (r - 1)/2 - P``            (of output unit 0; unit ``x`` is at ``c + x*S``)

Output unit ``x`` sees input pixels ``x*S - P`` to ``x*S - P + r - 1`` (positions
below 0 or past the end are padding). Every number is per spatial dimension.

Introduced in 03_receptive_field.ipynb.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._checks import is_int, to_tuple
from .layers import Layer, as_layers, common_ndim

IntOrTuple = int | tuple[int, ...]
FloatOrTuple = float | tuple[float, ...]


# --- closed form ---------------------------------------------------------------


@dataclass(frozen=True)
class ReceptiveFieldRow:
    """The receptive field of the units after ``layer`` (cumulative over layers 1..index)."""

    index: int
    layer: Layer
    size: IntOrTuple
    stride: IntOrTuple
    padding: IntOrTuple
    center: FloatOrTuple


@dataclass(frozen=True)
class ReceptiveField:
    """Receptive field of a stack: ``size``, ``stride`` (jump), ``padding``, ``center``.

    Ints when every layer was given with plain ints, per-dimension tuples otherwise.
    ``layers`` holds one :class:`ReceptiveFieldRow` per layer (cumulative values).
    """

    size: IntOrTuple
    stride: IntOrTuple
    padding: IntOrTuple
    center: FloatOrTuple
    layers: tuple[ReceptiveFieldRow, ...]

    def field(self, position: IntOrTuple = 0) -> tuple[IntOrTuple, IntOrTuple]:
        """``(first, last)`` input pixel (inclusive) seen by the output unit at ``position``.

        Pixels below 0 or past the input's end lie in the padding. ``position`` may be a
        tuple (one index per dimension) even when the stack was given with plain ints.

        >>> receptive_field([(3, 2, 1), (3, 1, 1)]).field(2)
        (1, 7)
        """
        if is_int(self.size):
            if is_int(position):
                first = position * self.stride - self.padding
                return first, first + self.size - 1
            pos = to_tuple(position, len(position) if isinstance(position, (tuple, list)) else 1, "position")
            first = tuple(x * self.stride - self.padding for x in pos)
            return first, tuple(f + self.size - 1 for f in first)
        pos = to_tuple(position, len(self.size), "position")
        first = tuple(x * s - p for x, s, p in zip(pos, self.stride, self.padding))
        return first, tuple(f + r - 1 for f, r in zip(first, self.size))

    def to_table(self) -> str:
        """A plain-text table, one row per layer (``h×w`` where the dimensions differ)."""
        head = ("#", "layer", "k", "s", "p", "d", "size", "stride", "padding", "center")
        rows = [head]
        for row in self.layers:
            lay = row.layer
            label = lay.name or lay.kind
            rows.append(
                (
                    str(row.index), label, _fmt(lay.kernel_size), _fmt(lay.stride), _fmt(lay.padding),
                    _fmt(lay.dilation), _fmt(row.size), _fmt(row.stride), _fmt(row.padding), _fmt(row.center),
                )
            )
        widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
        lines = ["  ".join(c.rjust(w) if i != 1 else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))) for r in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(lines)

    def __repr__(self) -> str:
        # one number where every dimension agrees (``size`` itself may still be a tuple); ``h×w`` otherwise
        return (
            f"ReceptiveField(size={_fmt(self.size)}, stride={_fmt(self.stride)}, "
            f"padding={_fmt(self.padding)}, center={_fmt(self.center)}, layers={len(self.layers)})"
        )


def _fmt(value: Any) -> str:
    """3 -> '3'; (3, 3) -> '3'; (3, 1) -> '3×1'; 1.5 -> '1.5'; 'same' -> 'same'."""
    if isinstance(value, tuple):
        if len(set(value)) == 1:
            return _fmt(value[0])
        return "×".join(_fmt(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _geometry(layer: Layer, n: int, where: str) -> list[tuple[int, int, int]]:
    """Per axis: (effective kernel, stride, near padding) of a layer as a direct convolution.

    A stride-1 transposed layer is a direct convolution with the flipped kernel and
    padding ``k'-1-p`` (negative: a crop).
    """
    ks, ss, ds = layer._tuple("kernel_size", n), layer._tuple("stride", n), layer._tuple("dilation", n)
    if layer.padding == "same":
        ps = tuple((d * (k - 1)) // 2 for k, d in zip(ks, ds))
    else:
        ps = layer._tuple("padding", n)
    out = []
    for k, s, p, d in zip(ks, ss, ps, ds):
        k_eff = d * (k - 1) + 1
        if layer.kind == "transposed":
            if s != 1:
                raise ValueError(
                    f"{where} is a transposed convolution with stride={layer.stride}: its output units see "
                    f"either ceil or floor of k'/s input units depending on their position, so no single "
                    f"(size, stride, padding) describes the stack and the closed form of Araujo et al. "
                    f"(strides >= 1) does not apply; use empirical_receptive_field() or unit_utilization()"
                )
            p = k_eff - 1 - p
        out.append((k_eff, s, p))
    return out


def receptive_field(layers: Any) -> ReceptiveField:
    """Receptive field of a stack of layers, closed form (Araujo, Norris & Sim, 2019).

    Parameters
    ----------
    layers : sequence of :class:`convlib.Layer` or ``(k, s, p[, d])`` tuples
        First layer nearest the input. Pooling layers use the same spec. A transposed
        layer is accepted at stride 1 (it equals a convolution with padding
        ``k'-1-p``); at stride > 1 a ValueError explains why no closed form exists.

    Returns
    -------
    ReceptiveField
        ``size``, ``stride``, ``padding``, ``center`` of the whole stack and ``layers``,
        one cumulative row per layer. Ints when every layer uses ints, else tuples.

    Introduced in 03_receptive_field.ipynb.

    Examples
    --------
    A 3×3/1 then a 3×3/2 convolution: 3, then 5 -- a layer's stride spreads only
    the layers *after* it (seed 000's worked example multiplies by the current
    layer's stride and gets 7); a third 3×3 layer then adds ``2 * 2``:

    >>> rf = receptive_field([(3, 1, 0), (3, 2, 0), (3, 1, 0)])
    >>> [row.size for row in rf.layers]
    [3, 5, 9]
    >>> rf
    ReceptiveField(size=9, stride=2, padding=0, center=4, layers=3)
    >>> receptive_field([Layer(3, dilation=r) for r in (1, 2, 5)]).size
    17
    """
    stack = as_layers(layers)
    ndim = common_ndim(stack)
    n = ndim or 1
    size, jump, pad = [1] * n, [1] * n, [0] * n
    rows = []
    for i, layer in enumerate(stack):
        for axis, (k_eff, s, p) in enumerate(_geometry(layer, n, f"layers[{i}]")):
            size[axis] += (k_eff - 1) * jump[axis]
            pad[axis] += p * jump[axis]
            jump[axis] *= s
        center = [(r - 1) / 2 - p for r, p in zip(size, pad)]
        if ndim is None:
            rows.append(ReceptiveFieldRow(i + 1, layer, size[0], jump[0], pad[0], center[0]))
        else:
            rows.append(ReceptiveFieldRow(i + 1, layer, tuple(size), tuple(jump), tuple(pad), tuple(center)))
    out_rows = tuple(rows)
    last = out_rows[-1]
    return ReceptiveField(last.size, last.stride, last.padding, last.center, out_rows)


# --- torch modules -------------------------------------------------------------

#: Layers that keep every pixel where it is (pointwise in space); they do not change the field.
SHAPE_PRESERVING = (
    "Identity", "ReLU", "ReLU6", "LeakyReLU", "PReLU", "RReLU", "ELU", "SELU", "CELU", "GELU", "SiLU", "Mish",
    "Sigmoid", "Tanh", "Hardtanh", "Hardswish", "Hardsigmoid", "Hardshrink", "Softshrink", "Softplus",
    "Softsign", "Tanhshrink", "LogSigmoid", "Threshold", "Dropout", "Dropout1d", "Dropout2d", "AlphaDropout",
    "FeatureAlphaDropout", "BatchNorm1d", "BatchNorm2d",
)
#: Normalisations whose statistics run over all spatial positions: every output sees the whole input.
_GLOBAL_NORMS = ("InstanceNorm1d", "InstanceNorm2d", "GroupNorm", "LayerNorm", "LocalResponseNorm")

_SUPPORTED = (
    "Conv1d/Conv2d, ConvTranspose1d/ConvTranspose2d, MaxPool1d/MaxPool2d, AvgPool1d/AvgPool2d, "
    "nn.Sequential (nested too) and shape-preserving layers (activations, BatchNorm, Dropout, Identity)"
)


def _kinds() -> dict[type, tuple[str, int]]:
    from torch import nn  # noqa: PLC0415 - torch stays out of `import convlib`

    return {
        nn.Conv1d: ("conv", 1), nn.Conv2d: ("conv", 2),
        nn.ConvTranspose1d: ("transposed", 1), nn.ConvTranspose2d: ("transposed", 2),
        nn.MaxPool1d: ("pool", 1), nn.MaxPool2d: ("pool", 2),
        nn.AvgPool1d: ("pool", 1), nn.AvgPool2d: ("pool", 2),
    }


def _walk(module: Any, prefix: str = "") -> Iterator[tuple[str, Any, str]]:
    """Yield ``(qualified name, module, role)`` in forward order; role: conv/pool/transposed/keep."""
    from torch import nn  # noqa: PLC0415

    if not isinstance(module, nn.Module):
        raise TypeError(f"model={module!r} must be a torch.nn.Module (an nn.Sequential of layers)")
    kinds = _kinds()
    where = prefix or type(module).__name__
    if isinstance(module, nn.Sequential):
        for name, child in module.named_children():
            yield from _walk(child, f"{prefix}.{name}" if prefix else name)
        return
    kind = kinds.get(type(module))
    if kind is not None:
        yield where, module, kind[0]
        return
    tname = type(module).__name__
    if type(module) in {getattr(nn, n, None) for n in SHAPE_PRESERVING}:
        yield where, module, "keep"
        return
    who = f"layer {prefix!r} ({tname})" if prefix else f"the model ({tname})"
    if tname in _GLOBAL_NORMS:
        raise TypeError(
            f"{who} normalises with statistics over all spatial positions, so every output depends "
            f"on the whole input and there is no finite receptive field"
        )
    if any(True for _ in module.children()):
        raise TypeError(
            f"{who} is a container without a known layer order: only nn.Sequential has one; "
            f"wrap the layers in nn.Sequential"
        )
    raise TypeError(f"{who} is not supported by layers_from_module; supported: {_SUPPORTED}")


def layers_from_module(model: Any) -> tuple[Layer, ...]:
    """Read the geometry of a torch ``nn.Sequential`` into :class:`convlib.Layer` specs.

    Convolutions, transposed convolutions and max/average pooling (1-D and 2-D)
    become layers, in forward order, nested Sequentials flattened; pointwise layers
    (activations, BatchNorm, Dropout, Identity) are skipped because they move no
    pixel. BatchNorm counts as pointwise: in eval mode it is a per-channel affine
    map (in training mode its batch statistics mix all positions -- the usual
    receptive-field convention ignores that). ``padding_mode`` other than zeros
    is read as plain padding. Anything else raises a TypeError naming the module
    and its type (Linear, Flatten, InstanceNorm, custom modules, ...).

    Introduced in 03_receptive_field.ipynb.

    Returns
    -------
    tuple of Layer
        Per-dimension tuples, named ``"<path>: <Type>"``.
    """
    out = []
    for where, module, role in _walk(model):
        if role == "keep":
            continue
        ndim = _kinds()[type(module)][1]
        label = f"{where}: {type(module).__name__}" if where != type(module).__name__ else where
        k = to_tuple(module.kernel_size, ndim, "kernel_size")
        s = to_tuple(module.stride, ndim, "stride")
        pad = module.padding if isinstance(module.padding, str) else to_tuple(module.padding, ndim, "padding")
        d = to_tuple(getattr(module, "dilation", 1), ndim, "dilation")
        if role == "pool":
            out.append(Layer(k, s, pad, d, kind="pool", ceil_mode=bool(module.ceil_mode), name=label))
        elif role == "transposed":
            op = to_tuple(module.output_padding, ndim, "output_padding")
            out.append(Layer(k, s, pad, d, kind="transposed", output_padding=op, name=label))
        else:
            out.append(Layer(k, s, pad, d, name=label))
    return tuple(out)


def layers_to_module(layers: Any, channels: int = 1, *, ndim: int | None = None) -> Any:
    """Build a torch ``nn.Sequential`` with the geometry of ``layers`` (the inverse of :func:`layers_from_module`).

    Convolutions become ``ConvNd(channels, channels, ...)``, pooling layers
    ``MaxPoolNd`` and transposed layers ``ConvTransposeNd``; weights are torch's
    random initialisation. ``ndim`` (1 or 2) is needed only when every layer uses
    plain ints (default 2).

    Introduced in 03_receptive_field.ipynb.
    """
    from torch import nn  # noqa: PLC0415

    stack = as_layers(layers)
    found = common_ndim(stack)
    if ndim is None:
        ndim = found or 2
    if ndim not in (1, 2):
        raise ValueError(f"ndim={ndim!r} must be 1 or 2")
    if found is not None and found != ndim:
        raise ValueError(f"ndim={ndim} does not match the layers, which have {found} spatial dimension(s)")
    if not is_int(channels) or channels < 1:
        raise ValueError(f"channels={channels!r} must be a positive integer")
    mods = []
    for i, layer in enumerate(stack):
        t = {f: layer._tuple(f, ndim) for f in ("kernel_size", "stride", "dilation", "output_padding")}
        pad = "same" if layer.padding == "same" else layer._tuple("padding", ndim)
        if layer.kind == "conv":
            cls = nn.Conv1d if ndim == 1 else nn.Conv2d
            mods.append(cls(channels, channels, t["kernel_size"], t["stride"], pad, t["dilation"]))
        elif layer.kind == "transposed":
            cls = nn.ConvTranspose1d if ndim == 1 else nn.ConvTranspose2d
            mods.append(
                cls(channels, channels, t["kernel_size"], t["stride"], pad, t["output_padding"], dilation=t["dilation"])
            )
        else:
            if any(p > k // 2 for p, k in zip(pad, t["kernel_size"])):
                raise ValueError(
                    f"layers[{i}]: padding={layer.padding!r} must be at most half of kernel_size="
                    f"{layer.kernel_size!r} for a torch max-pool"
                )
            cls = nn.MaxPool1d if ndim == 1 else nn.MaxPool2d
            mods.append(cls(t["kernel_size"], t["stride"], pad, t["dilation"], ceil_mode=layer.ceil_mode))
    return nn.Sequential(*mods)


# --- empirical receptive field (autograd) ----------------------------------------


@dataclass(frozen=True, eq=False)
class EmpiricalReceptiveField:
    """The input pixels one output unit depends on, found by autograd.

    Attributes
    ----------
    position : output unit (spatial index)
    output_shape : spatial shape of the model's output
    counts : int array over the input's spatial shape: number of paths from each
        input pixel to the unit (summed over channels, see :func:`empirical_receptive_field`)
    mask : ``counts > 0``
    start, stop : first and last (inclusive) input index of the support's bounding box
        (None for a unit that sees only padding)
    size : ``stop - start + 1`` per dimension (zeros for a unit that sees only padding)
    """

    position: tuple[int, ...]
    output_shape: tuple[int, ...]
    counts: np.ndarray
    mask: np.ndarray
    start: tuple[int, ...] | None
    stop: tuple[int, ...] | None
    size: tuple[int, ...]

    def __repr__(self) -> str:
        return (
            f"EmpiricalReceptiveField(position={self.position}, size={self.size}, start={self.start}, "
            f"stop={self.stop}, pixels used={int(self.mask.sum())})"
        )


@functools.cache
def _sum_pool_class() -> type:
    import torch  # noqa: PLC0415
    import torch.nn.functional as F  # noqa: N812, PLC0415

    from .shapes import conv_output_size  # noqa: PLC0415

    class SumPool(torch.nn.Module):
        """A pooling window that sums (weight 1 per tap, zero padding) -- same geometry, same output size."""

        def __init__(self, layer: Layer, ndim: int) -> None:
            super().__init__()
            self.ndim = ndim
            self.k = layer._tuple("kernel_size", ndim)
            self.s = layer._tuple("stride", ndim)
            self.p = layer._tuple("padding", ndim)
            self.d = layer._tuple("dilation", ndim)
            self.ceil_mode = layer.ceil_mode

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            spatial = tuple(x.shape[2:])
            out = conv_output_size(spatial, self.k, self.s, self.p, self.d, ceil_mode=self.ceil_mode)
            pads: list[int] = []
            for n, o, k, s, p, d in reversed(list(zip(spatial, out, self.k, self.s, self.p, self.d))):
                far = max((o - 1) * s + d * (k - 1) + 1 - n - p, 0)
                pads += [p, far]
            xp = F.pad(x, pads)
            channels = x.shape[1]
            ones = torch.ones((channels, 1, *self.k), dtype=x.dtype)
            conv = F.conv1d if self.ndim == 1 else F.conv2d
            y = conv(xp, ones, stride=self.s, dilation=self.d, groups=channels)
            return y[(Ellipsis, *(slice(0, o) for o in out))]

    return SumPool


def _probe(model: Any, ndim: int) -> Any:
    """A linear copy of ``model`` whose gradient counts paths (see empirical_receptive_field)."""
    import torch  # noqa: PLC0415
    from torch import nn  # noqa: PLC0415

    layers = iter(layers_from_module(model))
    mods = []
    for _, module, role in _walk(model):
        if role == "keep":
            mods.append(nn.Identity())
            continue
        layer = next(layers)
        if role == "pool":
            mods.append(_sum_pool_class()(layer, ndim))
            continue
        twin = copy.deepcopy(module).to(torch.float64)
        with torch.no_grad():
            twin.weight.fill_(1.0 / (module.in_channels // module.groups))
            if twin.bias is not None:
                twin.bias.zero_()
        mods.append(twin)
    return nn.Sequential(*mods)


def empirical_receptive_field(
    model: Any, input_shape: tuple[int, ...], position: IntOrTuple | None = None
) -> EmpiricalReceptiveField:
    """The support of one output unit, measured with autograd.

    A copy of ``model`` is made linear and positive, so that no cancellation and no
    argmax can hide a pixel: every convolution's weights are set to
    ``1 / (in_channels / groups)`` and its bias to 0; every max- or average-pool
    becomes a *sum* over the same window (same kernel, stride, padding, dilation,
    ceil_mode; zero padding); every pointwise layer (activation, BatchNorm, Dropout)
    becomes the identity. The gradient of output unit ``position`` (channel 0,
    batch 0) with respect to an input of ones, summed over input channels, is then
    exactly the number of paths from each input pixel to that unit -- the same
    numbers as :func:`convlib.unit_utilization`; the receptive field is where it
    is non-zero. Padding modes other than zeros are kept, so reflected or circular
    borders show up as the real model sees them.

    Parameters
    ----------
    model : torch.nn.Sequential
        Supported layers as in :func:`layers_from_module`.
    input_shape : tuple of int
        ``(N, C, L)`` or ``(N, C, H, W)``.
    position : int or tuple of int, optional
        Output unit; default the middle unit ``size // 2`` in each dimension.

    Returns
    -------
    EmpiricalReceptiveField

    Introduced in 03_receptive_field.ipynb.
    """
    import torch  # noqa: PLC0415

    if not isinstance(input_shape, (tuple, list)) or not all(is_int(v) and v >= 1 for v in input_shape):
        raise ValueError(f"input_shape={input_shape!r} must be a tuple of positive ints like (N, C, H, W)")
    ndim = len(input_shape) - 2
    if ndim not in (1, 2):
        raise ValueError(f"input_shape={tuple(input_shape)!r} must be (N, C, L) or (N, C, H, W)")
    found = common_ndim(layers_from_module(model))
    if found is not None and found != ndim:
        raise ValueError(f"input_shape={tuple(input_shape)!r} has {ndim} spatial dimension(s); the model has {found}")
    probe = _probe(model, ndim)
    x = torch.ones(tuple(input_shape), dtype=torch.float64, requires_grad=True)
    try:
        y = probe(x)
    except RuntimeError as err:
        raise ValueError(f"input_shape={tuple(input_shape)!r} does not fit the model: {err}") from None
    out_shape = tuple(int(v) for v in y.shape[2:])
    pos = tuple(n // 2 for n in out_shape) if position is None else to_tuple(position, ndim, "position")
    if any(not 0 <= p < n for p, n in zip(pos, out_shape)):
        raise ValueError(f"position={position!r} is outside the output, whose spatial shape is {out_shape}")
    y[(0, 0, *pos)].backward()
    grad = x.grad[0].sum(0).numpy()
    counts = np.rint(grad).astype(np.int64)
    mask = counts > 0
    if not mask.any():  # a unit whose windows hold only padding depends on no input pixel
        return EmpiricalReceptiveField(pos, out_shape, counts, mask, None, None, (0,) * ndim)
    idx = np.nonzero(mask)
    start = tuple(int(i.min()) for i in idx)
    stop = tuple(int(i.max()) for i in idx)
    return EmpiricalReceptiveField(
        position=pos, output_shape=out_shape, counts=counts, mask=mask, start=start, stop=stop,
        size=tuple(b - a + 1 for a, b in zip(start, stop)),
    )


__all__ = [
    "EmpiricalReceptiveField",
    "ReceptiveField",
    "ReceptiveFieldRow",
    "SHAPE_PRESERVING",
    "empirical_receptive_field",
    "layers_from_module",
    "layers_to_module",
    "receptive_field",
]
