"""Torch is the oracle: everything in convlib that talks to PyTorch.

convlib computes with numpy; the course checks every number against PyTorch.
This module holds the code that asks torch, so that notebooks call it instead
of defining helpers, and so that ``import convlib`` stays free of torch (every
function imports torch when it is called):

* module translation -- :func:`layers_from_module` reads the geometry of an
  ``nn.Sequential`` into :class:`convlib.Layer` specs, :func:`layers_to_module`
  builds one from them;
* the autograd probe -- :func:`empirical_receptive_field` measures which input
  pixels one output unit depends on;
* counts -- :func:`torch_params` and :func:`torch_macs` (parameters and
  multiply-accumulates of a module, as torch counts them);
* verdicts -- :func:`torch_output_size` (what torch returns for a convolution or
  pooling call, or why it refuses), :func:`torch_verdict` and :func:`accepts`
  (does a call go through?).

Introduced in 03_receptive_field.ipynb.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from .layers import Layer, as_layers, common_ndim
from .shapes import conv_output_size, window_span
from .validate import integer, ints, one_of

# --- torch modules <-> layers ------------------------------------------------------

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
        k = ints(module.kernel_size, ndim, "kernel_size")
        s = ints(module.stride, ndim, "stride")
        pad = module.padding if isinstance(module.padding, str) else ints(module.padding, ndim, "padding")
        d = ints(getattr(module, "dilation", 1), ndim, "dilation")
        if role == "pool":
            out.append(Layer(k, s, pad, d, kind="pool", ceil_mode=bool(module.ceil_mode), name=label))
        elif role == "transposed":
            op = ints(module.output_padding, ndim, "output_padding")
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
    integer(channels, "channels", 1)
    mods = []
    for i, layer in enumerate(stack):
        t = {f: layer.per_axis(f, ndim) for f in ("kernel_size", "stride", "dilation", "output_padding")}
        pad = "same" if layer.padding == "same" else layer.per_axis("padding", ndim)
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

    class SumPool(torch.nn.Module):
        """A pooling window that sums (weight 1 per tap, zero padding) -- same geometry, same output size."""

        def __init__(self, layer: Layer, ndim: int) -> None:
            super().__init__()
            self.ndim = ndim
            self.k = layer.per_axis("kernel_size", ndim)
            self.s = layer.per_axis("stride", ndim)
            self.p = layer.per_axis("padding", ndim)
            self.d = layer.per_axis("dilation", ndim)
            self.ceil_mode = layer.ceil_mode

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            spatial = tuple(x.shape[2:])
            out = conv_output_size(spatial, self.k, self.s, self.p, self.d, ceil_mode=self.ceil_mode)
            pads: list[int] = []
            span = window_span(out, self.k, self.s, self.d)  # input the windows read, padding included
            for n, o, r, p in reversed(list(zip(spatial, out, span, self.p))):
                pads += [p, max(r - n - p, 0)]
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

    if not isinstance(input_shape, (tuple, list)):
        raise TypeError(f"input_shape={input_shape!r} must be a tuple of positive ints like (N, C, H, W)")
    ints(input_shape, None, "input_shape", 1)
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
    pos = tuple(n // 2 for n in out_shape) if position is None else ints(position, ndim, "position")
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


# --- counts ---------------------------------------------------------------------------


def torch_params(module: Any) -> int:
    """Number of parameters of a torch module, ``sum(p.numel() for p in module.parameters())``.

    Introduced in 08_depthwise_separable.ipynb.
    """
    return int(sum(p.numel() for p in module.parameters()))


def torch_macs(module: Any, x: Any) -> int:
    """Multiply-accumulates of one call ``module(x)``, as torch's ``FlopCounterMode`` counts them.

    torch counts 2 FLOPs per multiply-accumulate; padding positions are counted (every
    framework multiplies them), and a transposed convolution counts its whole scatter
    (``C_in * C_out/groups * kH * kW`` per input pixel) -- the conventions of
    :mod:`convlib.cost`.

    Introduced in 08_depthwise_separable.ipynb.
    """
    import torch  # noqa: PLC0415
    from torch.utils.flop_counter import FlopCounterMode  # noqa: PLC0415

    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        module(x)
    return int(counter.get_total_flops()) // 2


# --- verdicts ---------------------------------------------------------------------------


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def accepts(make: Callable[[], Any], errors: tuple[type[BaseException], ...] = (ValueError, TypeError,
                                                                               RuntimeError)) -> bool:
    """True if ``make()`` returns, False if it raises one of ``errors`` (for torch and convlib alike).

    Introduced in 09_group_convolution.ipynb.

    >>> accepts(lambda: int("3")), accepts(lambda: int("three"))
    (True, False)
    """
    try:
        make()
    except errors:
        return False
    return True


def torch_verdict(make: Callable[[], Any]) -> str:
    """``"accepted"``, or the error torch raises, as ``"ValueError: <first line>"``.

    Introduced in 08_depthwise_separable.ipynb.

    >>> torch_verdict(lambda: int("three"))
    "ValueError: invalid literal for int() with base 10: 'three'"
    """
    try:
        make()
    except (ValueError, TypeError, RuntimeError) as err:
        return f"{type(err).__name__}: {_first_line(err)}"
    return "accepted"


#: What :func:`torch_output_size` can ask torch about.
CALLS = ("conv", "transposed", "max_pool", "avg_pool")


def torch_output_size(
    input_size: int | tuple[int, ...],
    kernel_size: int | tuple[int, ...],
    stride: int | tuple[int, ...] = 1,
    padding: int | tuple[int, ...] | str = 0,
    dilation: int | tuple[int, ...] = 1,
    *,
    transposed: bool = False,
    output_padding: int | tuple[int, ...] = 0,
    call: str = "conv",
    ceil_mode: bool = False,
) -> tuple[tuple[int, ...] | None, str]:
    """What torch returns for the same call: ``(spatial size, "")``, or ``(None, reason)``.

    Runs ``torch.nn.functional`` on zeros of one channel: ``conv1d``/``conv2d``,
    ``conv_transpose1d``/``conv_transpose2d`` (``transposed=True`` or
    ``call="transposed"``), ``max_pool*``/``avg_pool*`` (``call="max_pool"`` or
    ``"avg_pool"``, with ``ceil_mode``). An int ``input_size`` means a square 2-D
    input; a tuple gives the spatial dimensions (1 or 2).

    Introduced in 01_convolution.ipynb.
    """
    one_of(call, "call", CALLS)
    if transposed:
        call = "transposed"
    try:
        import torch  # noqa: PLC0415
        import torch.nn.functional as F  # noqa: N812, PLC0415
    except ImportError:
        return None, "torch is not installed, so its answer cannot be shown"
    sizes = tuple(input_size) if isinstance(input_size, (tuple, list)) else (input_size, input_size)
    nd = len(sizes)
    kernel = tuple(kernel_size) if isinstance(kernel_size, (tuple, list)) else (kernel_size,) * nd
    try:
        x = torch.zeros(1, 1, *sizes)
        if call in ("conv", "transposed"):
            w = torch.zeros(1, 1, *kernel)
            if call == "transposed":
                fn = F.conv_transpose1d if nd == 1 else F.conv_transpose2d
                y = fn(x, w, stride=stride, padding=padding, output_padding=output_padding, dilation=dilation)
            else:
                fn = F.conv1d if nd == 1 else F.conv2d
                y = fn(x, w, stride=stride, padding=padding, dilation=dilation)
        elif call == "max_pool":
            fn = F.max_pool1d if nd == 1 else F.max_pool2d
            y = fn(x, kernel, stride, padding, dilation, ceil_mode=ceil_mode)
        else:
            fn = F.avg_pool1d if nd == 1 else F.avg_pool2d
            y = fn(x, kernel, stride, padding, ceil_mode=ceil_mode)
    except Exception as exc:  # noqa: BLE001 - torch's refusal is part of the answer
        return None, f"torch refuses it too: {_first_line(exc)}"
    return tuple(int(v) for v in y.shape[2:]), ""


# --- agreement over a grid --------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class Agreement:
    """How often several answers to the same question agreed over a grid of configurations.

    Attributes
    ----------
    name : what was checked
    checked : number of configurations
    disagreements : the configurations where the answers differed
    """

    name: str
    checked: int
    disagreements: tuple[tuple[Any, ...], ...]

    @property
    def ok(self) -> bool:
        """True when every configuration got the same answer from every source."""
        return not self.disagreements

    def __repr__(self) -> str:
        return f"{self.name}: {self.checked} configurations, {len(self.disagreements)} disagreements"


def compare(name: str, configurations: Iterable[Any], *answers: Callable[..., Any]) -> Agreement:
    """Ask every ``answer(*configuration)`` on every configuration; count where they differ.

    An answer that raises ``ValueError``, ``TypeError``, ``RuntimeError`` or
    ``IndexError`` answers ``None`` (a refusal), so refusing the same
    configurations is agreement too. Typical answers: convlib, torch (through
    :func:`torch_output_size` and friends) and a source's formula.

    Introduced in 10_formula_sheet.ipynb.

    >>> compare("squares", range(5), lambda n: n * n, lambda n: n ** 2)
    squares: 5 configurations, 0 disagreements
    >>> compare("roots", [4, -1], lambda n: int(n ** 0.5) if n >= 0 else None, lambda n: [0, 1, 2][int(n ** 0.5)])
    roots: 2 configurations, 0 disagreements
    """
    if len(answers) < 2:
        raise ValueError(f"compare needs at least two answers to compare, got {len(answers)}")
    configs = [c if isinstance(c, tuple) else (c,) for c in configurations]

    def ask(answer: Callable[..., Any], config: tuple[Any, ...]) -> Any:
        try:
            return answer(*config)
        except (ValueError, TypeError, RuntimeError, IndexError):
            return None

    def same(a: Any, b: Any) -> bool:
        try:
            return bool(a == b)
        except ValueError:  # arrays: compare them whole
            return bool(np.array_equal(a, b))

    bad = []
    for config in configs:
        first, *rest = (ask(answer, config) for answer in answers)
        if not all(same(first, other) for other in rest):
            bad.append(config)
    return Agreement(name, len(configs), tuple(bad))


def agreement_table(results: Iterable[Agreement]) -> str:
    """A plain-text table of checks: configurations and disagreements per row, and the total.

    Introduced in 10_formula_sheet.ipynb.
    """
    rows = list(results)
    width = max([len("total")] + [len(r.name) for r in rows])
    lines = [f"{'check'.ljust(width)}  configurations  disagreements"]
    lines += [f"{r.name.ljust(width)}  {r.checked:>14}  {len(r.disagreements):>13}" for r in rows]
    lines.append(f"{'total'.ljust(width)}  {sum(r.checked for r in rows):>14}  "
                 f"{sum(len(r.disagreements) for r in rows):>13}")
    return "\n".join(lines)


__all__ = [
    "Agreement",
    "CALLS",
    "EmpiricalReceptiveField",
    "SHAPE_PRESERVING",
    "accepts",
    "agreement_table",
    "compare",
    "empirical_receptive_field",
    "layers_from_module",
    "layers_to_module",
    "torch_macs",
    "torch_output_size",
    "torch_params",
    "torch_verdict",
]
