"""Receptive fields of any network: multi-path graphs traced with ``torch.fx``.

A chain of layers has one path from the input to an output unit (chapter 03). A
ResNet or an Inception network has many: a residual block adds a shortcut to its
convolutions, an Inception block concatenates four branches. Araujo, Norris & Sim
(*Computing Receptive Fields of Convolutional Neural Networks*, Distill 2019)
treat such a graph path by path: the region a unit sees is the union of the
regions of all its paths, and the graph is *aligned* when the paths that meet
at a merge have the same effective stride and the same centre.

Per spatial axis every node carries three numbers: the first and the last input
pixel seen by its unit 0 (``first``, ``last``) and its effective stride ``S``.
Unit ``x`` sees pixels ``first + x*S`` to ``last + x*S``, so the size is
``r = last - first + 1``, the effective padding ``P = -first`` and the centre of
unit 0 ``c = (first + last) / 2`` -- the quantities of :func:`convlib.receptive_field`.
One sweep over the graph in topological order fills them in:

* a window (convolution or pooling with kernel ``k``, stride ``s``, padding ``p``
  before the input and dilation ``d``; ``k' = d(k-1)+1``):
  ``first -= p*S``, ``last += (k'-1-p)*S``, ``S *= s``;
* a pad of ``p`` pixels before the input: ``first -= p*S``, ``last -= p*S``;
* a pointwise op (activation, BatchNorm, Dropout, scaling by a constant): nothing;
* a merge (``x + y``, ``torch.cat`` along channels): the union of the regions,
  ``first = min``, ``last = max``, once the strides agree. Each merge is checked
  against the two alignment criteria and reported (:class:`MergeCheck`).

:func:`measure_receptive_field` measures the same numbers with autograd on the
model itself (weights made positive, max-pools made sums), so every computed
field can be checked.

Introduced in 11_receptive_fields_of_networks.ipynb.
"""

from __future__ import annotations

import copy
import functools
import operator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .shapes import conv_output_size, conv_transpose_output_size

Ints = tuple[int, ...]

#: The kinds of op the sweep knows.
KINDS = ("input", "window", "pad", "pointwise", "merge", "stop", "meta")


# --- the graph of geometric ops ---------------------------------------------------------------


@dataclass(frozen=True)
class GraphOp:
    """One node of a traced model, reduced to its geometry.

    Attributes
    ----------
    name : str
        The ``torch.fx`` node name (``layer1_0_conv2``, ``add_3``, ``cat``).
    op : str
        What the node calls: a module type (``Conv2d``), a function (``add``, ``cat``).
    module : str or None
        Qualified name of the module it calls (``layer1.0.conv2``), if any.
    kind : str
        ``'input'``, ``'window'`` (convolution, pooling), ``'pad'``, ``'pointwise'``,
        ``'merge'`` (add, multiply, concatenate), ``'stop'`` (flatten, global pooling:
        no finite field after it), ``'meta'`` (sizes, constants) or ``'unsupported'``.
    inputs : tuple of str
        Nodes it reads.
    kernel_size, stride, padding, dilation : tuple of int, or None
        Windows: per axis; ``padding`` is the padding *before* the input (what fields
        use). Pads: ``padding`` before the input; ``far_padding`` after it.
    reason : str or None
        For stops and unsupported ops: why (shown in errors).
    """

    name: str
    op: str
    module: str | None
    kind: str
    inputs: tuple[str, ...]
    kernel_size: Ints | None = None
    stride: Ints | None = None
    padding: Ints | None = None
    dilation: Ints | None = None
    far_padding: Ints | None = None
    ceil_mode: bool = False
    transposed: bool = False
    output_padding: Ints | None = None
    reason: str | None = None
    error: type | None = field(default=None, repr=False, compare=False)
    scope: tuple[str, ...] = field(default=(), repr=False, compare=False)
    _source: Any = field(default=None, repr=False, compare=False)

    @property
    def label(self) -> str:
        """``module (Type)`` for modules, ``name (function)`` otherwise."""
        return f"{self.module} ({self.op})" if self.module is not None else f"{self.name} ({self.op})"

    @property
    def effective_kernel_size(self) -> Ints | None:
        if self.kernel_size is None:
            return None
        return tuple(d * (k - 1) + 1 for k, d in zip(self.kernel_size, self.dilation))


@functools.cache
def _tables() -> dict[str, Any]:
    """Module and function classifications (built on first use: torch stays out of ``import convlib``)."""
    import torch  # noqa: PLC0415
    import torch.nn.functional as F  # noqa: N812, PLC0415
    from torch import nn  # noqa: PLC0415
    from torch.nn.modules import activation, dropout  # noqa: PLC0415

    channelwise = {"Softmax", "Softmin", "LogSoftmax"}  # pointwise only along the channel axis
    pointwise_modules = {
        getattr(activation, n) for n in activation.__all__ if n not in channelwise | {"MultiheadAttention"}
    }
    pointwise_modules |= {getattr(dropout, n) for n in dropout.__all__}
    pointwise_modules |= {nn.Identity, nn.BatchNorm1d, nn.BatchNorm2d, nn.SyncBatchNorm, nn.LocalResponseNorm}
    pointwise_functions = {
        F.relu, F.relu_, F.relu6, F.leaky_relu, F.elu, F.selu, F.celu, F.gelu, F.silu, F.mish, F.hardswish,
        F.hardsigmoid, F.hardtanh, F.softplus, F.sigmoid, F.tanh, F.dropout, F.dropout1d, F.dropout2d,
        F.batch_norm, torch.relu, torch.relu_, torch.sigmoid, torch.tanh, torch.clamp, torch.abs, torch.neg,
        torch.exp, torch.sqrt, operator.neg, operator.pos, operator.abs,
    }
    pointwise_methods = {
        "relu", "relu_", "sigmoid", "sigmoid_", "tanh", "tanh_", "clamp", "clamp_", "clamp_min", "clamp_min_",
        "contiguous", "clone", "float", "double", "half", "to", "type_as", "abs", "neg", "exp", "sqrt",
    }
    merge_functions = {
        operator.add, operator.iadd, operator.sub, operator.isub, operator.mul, operator.imul,
        operator.truediv, operator.itruediv, torch.add, torch.sub, torch.mul, torch.div, torch.maximum,
        torch.minimum,
    }
    merge_methods = {"add", "add_", "sub", "sub_", "mul", "mul_", "div", "div_"}
    stop_modules = {
        nn.Flatten, nn.Linear, nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool1d,
        nn.AdaptiveMaxPool2d, nn.InstanceNorm1d, nn.InstanceNorm2d, nn.GroupNorm, nn.LayerNorm,
    }
    stop_functions = {
        torch.flatten, F.adaptive_avg_pool1d, F.adaptive_avg_pool2d, F.adaptive_max_pool1d,
        F.adaptive_max_pool2d, F.linear, torch.mean, torch.sum, torch.amax, F.instance_norm, F.group_norm,
        F.layer_norm,
    }
    stop_methods = {"view", "reshape", "flatten", "mean", "sum", "amax", "max", "squeeze", "permute", "transpose"}
    meta_functions = {len}
    meta_attributes = {"shape", "dtype", "device", "ndim", "is_cuda", "layout"}
    pointwise_attributes = {"real", "imag", "data"}
    global_pools = {F.adaptive_avg_pool1d, F.adaptive_avg_pool2d, F.adaptive_max_pool1d, F.adaptive_max_pool2d}
    meta_methods = {"size", "dim"}
    pads = (
        nn.ZeroPad1d, nn.ZeroPad2d, nn.ConstantPad1d, nn.ConstantPad2d, nn.ReflectionPad1d, nn.ReflectionPad2d,
        nn.ReplicationPad1d, nn.ReplicationPad2d, nn.CircularPad1d, nn.CircularPad2d,
    )
    windows = {
        nn.Conv1d: 1, nn.Conv2d: 2, nn.ConvTranspose1d: 1, nn.ConvTranspose2d: 2,
        nn.MaxPool1d: 1, nn.MaxPool2d: 2, nn.AvgPool1d: 1, nn.AvgPool2d: 2,
    }
    pool_functions = {F.max_pool1d: (1, False), F.max_pool2d: (2, False), F.avg_pool1d: (1, True),
                      F.avg_pool2d: (2, True)}
    upsampling = (nn.Upsample, nn.UpsamplingNearest2d, nn.UpsamplingBilinear2d, nn.PixelShuffle, nn.PixelUnshuffle)
    return {k: v for k, v in locals().items() if k not in {"torch", "F", "nn", "activation", "dropout"}}


def _pads_of(module: Any) -> Any:
    """A pad module's ``spatial_padding`` protocol, or its static ``padding`` as per-axis (before, after)."""
    if callable(getattr(module, "spatial_padding", None)):
        return module.spatial_padding
    pad = tuple(module.padding)  # torch order: (left, right[, top, bottom]) -- last axis first
    pairs = tuple((pad[i], pad[i + 1]) for i in range(0, len(pad), 2))
    return lambda input_size: tuple(reversed(pairs))


def _tracer_class() -> type:
    import torch.fx  # noqa: PLC0415

    class GeometryTracer(torch.fx.Tracer):
        """Keeps torch's own modules (and modules declaring ``spatial_padding``) as leaves."""

        def is_leaf_module(self, m: Any, qualname: str) -> bool:
            return callable(getattr(m, "spatial_padding", None)) or super().is_leaf_module(m, qualname)

    return GeometryTracer


def _trace(model: Any) -> Any:
    """``torch.fx`` graph of ``model`` (a TypeError names what could not be traced)."""
    from torch import nn  # noqa: PLC0415

    if not isinstance(model, nn.Module):
        raise TypeError(f"model={model!r} must be a torch.nn.Module")
    try:
        return _tracer_class()().trace(model)
    except Exception as err:  # noqa: BLE001 - fx raises many kinds; all mean "not traceable"
        raise TypeError(
            f"model ({type(model).__name__}) could not be traced with torch.fx: {type(err).__name__}: {err}. "
            f"Data-dependent control flow (if/for on tensor values) cannot be traced; move it out of forward()"
        ) from None


def _arg(node: Any, index: int, name: str, default: Any) -> Any:
    if len(node.args) > index:
        return node.args[index]
    return node.kwargs.get(name, default)


def _tuple(value: Any, n: int) -> Ints:
    if isinstance(value, (tuple, list)):
        if len(value) == 1:
            return (int(value[0]),) * n
        return tuple(int(v) for v in value)
    return (int(value),) * n


def _window(name: str, op: str, module: str | None, inputs: tuple[str, ...], scope: tuple[str, ...], n: int,
            k: Any, s: Any, p: Any, d: Any, ceil_mode: bool = False) -> GraphOp:
    ks, ss, ds = _tuple(k, n), _tuple(s, n), _tuple(d, n)
    if p == "same":  # torch: total d(k-1), the odd pixel after the input
        near = tuple(dd * (kk - 1) // 2 for kk, dd in zip(ks, ds))
        far = tuple(dd * (kk - 1) - b for kk, dd, b in zip(ks, ds, near))
    elif p == "valid":
        near = far = (0,) * n
    else:
        near = far = _tuple(p, n)
    return GraphOp(name, op, module, "window", inputs, ks, ss, near, ds, far, bool(ceil_mode), scope=scope)


def _classify(node: Any, root: Any, n: int, tensors: set[str]) -> GraphOp:
    """The geometry of one fx node (``tensors``: names of nodes that hold tensors)."""
    t = _tables()
    ins = tuple(a.name for a in node.all_input_nodes)
    tensor_ins = tuple(a for a in ins if a in tensors)
    scope = tuple(node.meta.get("nn_module_stack", {}) or ())

    def make(kind: str, op: str, module: str | None = None, **kw: Any) -> GraphOp:
        return GraphOp(node.name, op, module, kind, tensor_ins if kind != "meta" else ins, scope=scope, **kw)

    if node.op == "placeholder":
        return make("input", "input")
    if node.op == "get_attr":
        return make("meta", "constant")
    if node.op == "call_module":
        mod = root.get_submodule(node.target)
        tname = type(mod).__name__
        where = str(node.target)
        if type(mod) in t["windows"]:
            if t["windows"][type(mod)] != n:
                return make("unsupported", tname, where, error=ValueError,
                            reason=f"is {t['windows'][type(mod)]}-D but the model is read as {n}-D (ndim={n})")
            if "ConvTranspose" in tname:
                ks, ss, ds = _tuple(mod.kernel_size, n), _tuple(mod.stride, n), _tuple(mod.dilation, n)
                if any(s != 1 for s in ss):
                    return make(
                        "unsupported", tname, where, error=ValueError,
                        reason=f"is a transposed convolution with stride={mod.stride}: its output units see "
                               f"ceil or floor of k'/s inputs depending on their position, so no single "
                               f"(size, stride, padding) exists (Araujo et al. assume strides >= 1)")
                p = _tuple(mod.padding, n)
                near = tuple(d * (k - 1) - pp for k, d, pp in zip(ks, ds, p))  # a direct conv with pad k'-1-p
                far = tuple(a + op for a, op in zip(near, _tuple(mod.output_padding, n)))
                return GraphOp(node.name, tname, where, "window", tensor_ins, ks, ss, near, ds, far, False, True,
                               _tuple(mod.output_padding, n), scope=scope)
            d = getattr(mod, "dilation", 1)
            s = mod.stride if mod.stride is not None else mod.kernel_size
            return _window(node.name, tname, where, tensor_ins, scope, n, mod.kernel_size, s, mod.padding, d,
                           getattr(mod, "ceil_mode", False))
        if isinstance(mod, t["pads"]) or callable(getattr(mod, "spatial_padding", None)):
            return make("pad", tname, where, _source=_pads_of(mod))
        if type(mod) in t["pointwise_modules"]:
            return make("pointwise", tname, where)
        if tname in t["channelwise"] or tname == "Softmax2d":
            dim = getattr(mod, "dim", None)
            if tname == "Softmax2d" or dim in (1, -n - 1):
                return make("pointwise", tname, where)
            return make("stop", tname, where, reason=f"normalises along dim={dim}, mixing spatial positions")
        if type(mod) in t["stop_modules"]:
            why = {"Flatten": "flattens the map", "Linear": "mixes every position along the last axis"}.get(
                tname, "normalises over the whole map" if "Norm" in tname else "pools over the whole map")
            return make("stop", tname, where, reason=f"{why}: it mixes all positions")
        if isinstance(mod, t["upsampling"]):
            return make("unsupported", tname, where, error=ValueError,
                        reason="upsamples: its effective stride would be a fraction, which the closed form "
                               "(strides >= 1) does not describe")
        return make("unsupported", tname, where, error=TypeError,
                    reason="is not a module whose geometry convlib knows (convolutions, pooling, padding, "
                           "pointwise layers such as activations/BatchNorm/Dropout, Flatten/Linear/adaptive "
                           "pooling as stops); give it a `spatial_padding(input_size)` method if it pads")
    # functions and methods
    fn = node.target
    fname = getattr(fn, "__name__", str(fn))
    is_method = node.op == "call_method"
    if not tensor_ins:
        return make("meta", fname)
    if (is_method and fn in t["meta_methods"]) or (not is_method and fn in t["meta_functions"]):
        return make("meta", fname)
    if fn is getattr:
        attr = _arg(node, 1, "name", None)
        if attr in t["meta_attributes"]:
            return make("meta", f"getattr .{attr}")
        if attr in t["pointwise_attributes"]:
            return make("pointwise", f"getattr .{attr}")
        return make("stop", f"getattr .{attr}", reason=f"reads .{attr}, which is not a map of the same positions")
    if fn is operator.getitem:
        return make("unsupported", "getitem", error=TypeError,
                    reason="indexes a tensor: a slice may crop or reorder positions, which convlib does not follow")
    if (is_method and fn in t["pointwise_methods"]) or (not is_method and fn in t["pointwise_functions"]):
        return make("pointwise", fname)
    if (is_method and fn in t["merge_methods"]) or (not is_method and fn in t["merge_functions"]):
        return make("merge" if len(tensor_ins) > 1 else "pointwise", fname)
    if not is_method and fn in t["pool_functions"]:
        dims, avg = t["pool_functions"][fn]
        if dims != n:
            return make("unsupported", fname, error=ValueError, reason=f"is {dims}-D but the model is read as {n}-D")
        k = _arg(node, 1, "kernel_size", None)
        s = _arg(node, 2, "stride", None) or k
        p = _arg(node, 3, "padding", 0)
        d = 1 if avg else _arg(node, 4, "dilation", 1)
        ceil = _arg(node, 4 if avg else 5, "ceil_mode", False)
        return _window(node.name, fname, None, tensor_ins, scope, n, k, s, p, d, ceil)
    if not is_method and fname == "pad":
        pad = tuple(_arg(node, 1, "pad", ()))
        pairs = tuple((pad[i], pad[i + 1]) for i in range(0, len(pad), 2))
        mode = _arg(node, 2, "mode", "constant")
        if len(pairs) != n:
            return make("unsupported", fname, error=ValueError,
                        reason=f"pads {len(pairs)} axes (pad={list(pad)}); only the {n} spatial axes are supported")
        return make("pad", f"pad ({mode})", _source=lambda size, p=tuple(reversed(pairs)): p)
    if (not is_method and fname == "cat") or (is_method and fn == "cat"):
        dim = _arg(node, 1, "dim", 0)
        if dim in (1, -n - 1):
            return make("merge", "cat")
        return make("unsupported", "cat", error=ValueError,
                    reason=f"concatenates along dim={dim}: only channel concatenation (dim=1) keeps a field")
    if not is_method and fn in t["global_pools"]:
        return make("stop", fname, reason="pools over the whole map (adaptive pooling)")
    if (is_method and fn in t["stop_methods"]) or (not is_method and fn in t["stop_functions"]):
        return make("stop", fname, reason="reshapes or reduces the map, so its entries are no longer units at "
                                           "positions of the input")
    if fname == "interpolate" or fname == "upsample":
        return make("unsupported", fname, error=ValueError,
                    reason="upsamples: its effective stride would be a fraction, which the closed form "
                           "(strides >= 1) does not describe")
    return make("unsupported", fname, error=TypeError,
                reason="is a function convlib does not know; supported: pointwise functions (relu, sigmoid, ...), "
                       "add/sub/mul/div, torch.cat along channels, F.pad, F.max_pool/avg_pool, flatten/view as stops")


def _infer_ndim(root: Any) -> int:
    t = _tables()
    found = {t["windows"][type(m)] for m in root.modules() if type(m) in t["windows"]}
    if len(found) > 1:
        raise ValueError("the model mixes 1-D and 2-D layers; pass ndim=1 or ndim=2")
    return found.pop() if found else 2


def trace_geometry(model: Any, *, ndim: int | None = None) -> tuple[GraphOp, ...]:
    """Trace ``model`` with ``torch.fx`` and read every node's geometry.

    Parameters
    ----------
    model : torch.nn.Module
        Any module ``torch.fx.symbolic_trace`` can trace (no control flow on tensor values).
    ndim : {1, 2}, optional
        Spatial dimensions (default: from the model's convolutions and pools).

    Returns
    -------
    tuple of GraphOp
        In topological order, the input first. Nothing is rejected here: an op whose
        geometry is unknown becomes ``kind='unsupported'`` and the receptive-field
        functions raise only if the output depends on it.

    Introduced in 11_receptive_fields_of_networks.ipynb.
    """
    graph = _trace(model)
    n = _infer_ndim(model) if ndim is None else ndim
    if n not in (1, 2):
        raise ValueError(f"ndim={ndim!r} must be 1 or 2")
    tensors: set[str] = set()
    ops = []
    for node in graph.nodes:
        if node.op == "output":
            continue
        op = _classify(node, model, n, tensors)
        if op.kind != "meta":
            tensors.add(op.name)
        ops.append(op)
    outputs = [a.name for node in graph.nodes if node.op == "output" for a in node.all_input_nodes]
    return _Traced(tuple(ops), tuple(outputs), n, graph)


class _Traced(tuple):
    """The ops, plus the graph's outputs, ndim and the fx graph (a tuple to the reader)."""

    def __new__(cls, ops: tuple[GraphOp, ...], outputs: tuple[str, ...], ndim: int, graph: Any) -> _Traced:
        self = super().__new__(cls, ops)
        self.outputs, self.ndim, self.graph = outputs, ndim, graph
        return self


# --- the sweep --------------------------------------------------------------------------------


@dataclass(frozen=True)
class NodeField:
    """The receptive field of one node's units (per spatial axis).

    ``first``/``last``: input pixels seen by unit 0 (inclusive; negative = padding).
    ``size = last - first + 1``, ``padding = -first``, ``center = (first + last) / 2``
    (unit ``x``'s centre is ``center + x * stride``). ``spatial_size``: the node's
    map size for the ``input_size`` given (None when no size was given).
    """

    name: str
    op: str
    kind: str
    first: Ints
    last: Ints
    stride: Ints
    spatial_size: Ints | None

    @property
    def size(self) -> Ints:
        return tuple(b - a + 1 for a, b in zip(self.first, self.last))

    @property
    def padding(self) -> Ints:
        return tuple(-a for a in self.first)

    @property
    def center(self) -> tuple[float, ...]:
        return tuple((a + b) / 2 for a, b in zip(self.first, self.last))


@dataclass(frozen=True)
class MergeCheck:
    """Araujo et al.'s alignment criteria at one merge, for the paths that meet there.

    ``same_stride``: every input has the same effective stride (otherwise no single
    field exists and the sweep stops with a ValueError). ``same_center``: every
    input's unit 0 is centred on the same input pixel. ``offsets``: each input's
    centre minus the first input's, per axis.
    """

    name: str
    op: str
    inputs: tuple[str, ...]
    strides: tuple[Ints, ...]
    centers: tuple[tuple[float, ...], ...]
    sizes: tuple[Ints, ...]

    @property
    def same_stride(self) -> bool:
        return len(set(self.strides)) == 1

    @property
    def same_center(self) -> bool:
        return len(set(self.centers)) == 1

    @property
    def aligned(self) -> bool:
        return self.same_stride and self.same_center

    @property
    def offsets(self) -> tuple[tuple[float, ...], ...]:
        ref = self.centers[0]
        return tuple(tuple(c - r for c, r in zip(cs, ref)) for cs in self.centers)

    def describe(self) -> str:
        """One line: the merge, its inputs' strides and centres, and the verdict."""
        parts = ", ".join(
            f"{i}: stride {_fmt(s)}, centre {_fmt(c)}, size {_fmt(r)}"
            for i, s, c, r in zip(self.inputs, self.strides, self.centers, self.sizes)
        )
        if self.aligned:
            verdict = "aligned"
        elif not self.same_stride:
            verdict = "MISALIGNED: the effective strides differ"
        else:
            worst = max((abs(o) for off in self.offsets for o in off), default=0)
            verdict = f"MISALIGNED: the centres differ by up to {_fmt(worst)} pixel(s)"
        return f"{self.name} ({self.op}) <- {parts}: {verdict}"


def _fmt(value: Any) -> str:
    """Per-axis values as text: ``(3, 3)`` -> ``'3'``, ``(3, 7)`` -> ``'3×7'``, ``(0.5, 0.5)`` -> ``'0.5'``."""
    items = value if isinstance(value, tuple) else (value,)
    text = [f"{v:g}" if isinstance(v, float) else str(v) for v in items]
    return text[0] if len(set(text)) == 1 else "×".join(text)


@dataclass(frozen=True)
class _Blocked:
    """A node without a finite field: after a stop, or after an op convlib cannot describe."""

    op: GraphOp
    error: type
    message: str


@dataclass(frozen=True)
class GraphReceptiveField:
    """Receptive field of a node of a traced network (per spatial axis), and of every node before it.

    Attributes
    ----------
    output : str
        The node the top-level numbers describe.
    size, stride, padding, center : tuples, one entry per spatial axis
        As in :func:`convlib.receptive_field`; ``center`` is unit 0's.
    nodes : dict of str to NodeField
        Every node with a field, in topological order (not only the output's ancestors).
    merges : tuple of MergeCheck
        The merges the output depends on, each with its alignment criteria.
    input_size : tuple of int or None
    stopped_at : str or None
        When no output was asked for and the model ends in a stop (global pooling,
        flatten, a classifier), the stop; the output is then the node it reads.
    """

    output: str
    size: Ints
    stride: Ints
    padding: Ints
    center: tuple[float, ...]
    nodes: dict[str, NodeField]
    merges: tuple[MergeCheck, ...]
    input_size: Ints | None
    stopped_at: str | None
    ops: tuple[GraphOp, ...] = field(repr=False)
    pads: dict[str, tuple[Ints, Ints]] = field(repr=False, default_factory=dict)

    @property
    def aligned(self) -> bool:
        """Every merge the output depends on is aligned."""
        return all(m.aligned for m in self.merges)

    @property
    def misaligned(self) -> tuple[MergeCheck, ...]:
        return tuple(m for m in self.merges if not m.aligned)

    def field(self, position: int | tuple[int, ...] = 0) -> tuple[Ints, Ints]:
        """``(first, last)`` input pixel per axis seen by the output unit at ``position``."""
        pos = _tuple(position, len(self.size))
        first = tuple(x * s - p for x, s, p in zip(pos, self.stride, self.padding))
        return first, tuple(f + r - 1 for f, r in zip(first, self.size))

    def at(self, where: str) -> NodeField:
        """The field of a node: its fx name, a module's qualified name, or the last node inside a module.

        ``rf.at("layer3")`` is the output of the module ``layer3`` (its last node).
        """
        if where in self.nodes:
            return self.nodes[where]
        by_module = [op.name for op in self.ops if op.module == where and op.name in self.nodes]
        if by_module:
            return self.nodes[by_module[-1]]
        inside = [op.name for op in self.ops if where in op.scope and op.name in self.nodes]
        if inside:
            return self.nodes[inside[-1]]
        raise ValueError(f"where={where!r} names no node or module with a receptive field")

    def table(self, kinds: tuple[str, ...] = ("window", "merge"), every: bool = False) -> str:
        """Plain-text table of the nodes leading to the output (windows and merges by default)."""
        ops = {op.name: op for op in self.ops}
        head = ("node", "op", "k", "s", "p", "d", "size", "stride", "padding", "centre")
        rows = [head]
        for name, nf in self.nodes.items():
            op = ops[name]
            if not every and op.kind not in kinds:
                continue
            geo = [_fmt(v) if v is not None else "" for v in (op.kernel_size, op.stride, op.padding, op.dilation)]
            if op.kind == "pad":
                geo = ["", "", _fmt(self.pads[name][0]), ""]
            rows.append((op.module or name, op.op, *geo, _fmt(nf.size), _fmt(nf.stride), _fmt(nf.padding),
                         _fmt(nf.center)))
            if name == self.output:
                break
        widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
        lines = ["  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
                 for r in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(lines)

    def __repr__(self) -> str:
        bad = len(self.misaligned)
        align = "aligned" if not bad else f"{bad} MISALIGNED merge(s)"
        return (
            f"GraphReceptiveField(output={self.output!r}, size={_fmt(self.size)}, stride={_fmt(self.stride)}, "
            f"padding={_fmt(self.padding)}, center={_fmt(self.center)}, merges={len(self.merges)} {align})"
        )


def _input_size(input_size: Any, n: int) -> Ints | None:
    if input_size is None:
        return None
    sizes = _tuple(input_size, n) if isinstance(input_size, (int, np.integer)) else tuple(input_size)
    if len(sizes) != n or not all(isinstance(v, (int, np.integer)) and v >= 1 for v in sizes):
        raise ValueError(f"input_size={input_size!r} must be a positive int or {n} positive ints (H, W)")
    return tuple(int(v) for v in sizes)


def _out_size(op: GraphOp, sizes: Ints) -> Ints:
    """Spatial size after a window (convolution / pooling)."""
    out = []
    for i, n in enumerate(sizes):
        k, s, p, d, far = op.kernel_size[i], op.stride[i], op.padding[i], op.dilation[i], op.far_padding[i]
        if op.transposed:
            crop = d * (k - 1) - p
            o = conv_transpose_output_size(n, k, s, crop, op.output_padding[i], d)
        elif p == far:
            o = conv_output_size(n, k, s, p, d, ceil_mode=op.ceil_mode)
        else:  # torch's padding='same' (stride 1): the size is kept
            o = n
        out.append(int(o))
    return tuple(out)


@dataclass(frozen=True)
class _Swept:
    state: dict[str, Any]  # node name -> NodeField, _Blocked, or None (no tensor)
    checks: dict[str, MergeCheck]
    pads: dict[str, tuple[Ints, Ints]]  # pad node -> (before, after) per axis, as resolved


def _sweep(traced: _Traced, input_size: Ints | None) -> _Swept:
    """Fill in every node's field, in topological order."""
    n = traced.ndim
    state: dict[str, Any] = {}
    checks: dict[str, MergeCheck] = {}
    pads: dict[str, tuple[Ints, Ints]] = {}
    for op in traced:
        if op.kind == "input":
            state[op.name] = NodeField(op.name, op.op, op.kind, (0,) * n, (0,) * n, (1,) * n, input_size)
            continue
        if op.kind == "meta":
            state[op.name] = None
            continue
        ins = [state[i] for i in op.inputs if state.get(i) is not None]
        blocked = next((s for s in ins if isinstance(s, _Blocked)), None)
        if blocked is not None:
            state[op.name] = blocked
            continue
        if not ins:  # built from constants only
            state[op.name] = None
            continue
        if op.kind == "stop":
            state[op.name] = _Blocked(op, ValueError, f"node {op.label} {op.reason}, so no unit after it has a "
                                                      f"finite receptive field")
            continue
        if op.kind == "unsupported":
            state[op.name] = _Blocked(op, op.error or TypeError, f"node {op.label} {op.reason}")
            continue
        try:
            state[op.name] = _step(op, ins, ins[0].spatial_size, checks, pads)
        except ValueError as err:
            state[op.name] = _Blocked(op, ValueError, str(err))
    return _Swept(state, checks, pads)


def _step(op: GraphOp, ins: list[NodeField], sizes: Ints | None, checks: dict[str, MergeCheck],
          pads: dict[str, tuple[Ints, Ints]]) -> NodeField:
    src = ins[0]
    first, last, jump = list(src.first), list(src.last), list(src.stride)
    if op.kind == "pointwise" or (op.kind == "merge" and len(ins) == 1):
        return NodeField(op.name, op.op, op.kind, src.first, src.last, src.stride, sizes)
    if op.kind == "pad":
        pairs = op._source(sizes)
        if pairs is None:
            raise ValueError(
                f"node {op.label} pads according to the input size (like TensorFlow's 'SAME'); "
                f"pass input_size= to graph_receptive_field")
        before = tuple(int(b) for b, _ in pairs)
        pads[op.name] = (before, tuple(int(a) for _, a in pairs))
        first = [f - b * j for f, b, j in zip(first, before, jump)]
        last = [v - b * j for v, b, j in zip(last, before, jump)]
        new_sizes = None if sizes is None else tuple(s + b + a for s, (b, a) in zip(sizes, pairs))
        return NodeField(op.name, op.op, op.kind, tuple(first), tuple(last), tuple(jump), new_sizes)
    if op.kind == "window":
        for i, (k_eff, s, p) in enumerate(zip(op.effective_kernel_size, op.stride, op.padding)):
            first[i] -= p * jump[i]
            last[i] += (k_eff - 1 - p) * jump[i]
            jump[i] *= s
        new_sizes = None
        if sizes is not None:
            try:
                new_sizes = _out_size(op, sizes)
            except ValueError as err:
                raise ValueError(f"node {op.label} gets a {_fmt(sizes)} map: {err}") from None
        return NodeField(op.name, op.op, op.kind, tuple(first), tuple(last), tuple(jump), new_sizes)
    # merge
    names = [i.name for i in ins]
    check = MergeCheck(op.name, op.op, tuple(names), tuple(i.stride for i in ins), tuple(i.center for i in ins),
                       tuple(i.size for i in ins))
    checks[op.name] = check
    if not check.same_stride:
        raise ValueError(
            f"node {op.label} merges paths with different effective strides "
            + ", ".join(f"{n_}: {_fmt(s)}" for n_, s in zip(names, check.strides))
            + ": unit x's field then depends on x, so no single (size, stride, padding) exists")
    known = {i.spatial_size for i in ins if i.spatial_size is not None}
    if len(known) > 1 and op.op == "cat":
        raise ValueError(f"node {op.label} concatenates maps of different sizes {sorted(known)}")
    first = tuple(min(i.first[a] for i in ins) for a in range(len(first)))
    last = tuple(max(i.last[a] for i in ins) for a in range(len(last)))
    size_out = max(known) if known else None
    return NodeField(op.name, op.op, op.kind, first, last, src.stride, size_out)


def _ancestors(traced: _Traced, name: str) -> set[str]:
    inputs = {op.name: op.inputs for op in traced}
    seen, todo = set(), [name]
    while todo:
        cur = todo.pop()
        if cur in seen:
            continue
        seen.add(cur)
        todo.extend(inputs.get(cur, ()))
    return seen


def _select(traced: _Traced, state: dict[str, Any], output: str | None) -> tuple[str, str | None]:
    """The output node's name, and the stop that ended the model when no output was asked for."""
    ops = {op.name: op for op in traced}
    if output is None:
        if len(traced.outputs) != 1:
            raise ValueError(f"the model returns {len(traced.outputs)} tensors; pass output= to choose one")
        name = traced.outputs[0]
        cur = state.get(name)
        if isinstance(cur, _Blocked) and cur.op.kind == "stop":
            stop, walk = cur.op, name
            while walk != stop.name and len(ops[walk].inputs) == 1:  # a chain (head) after the stop?
                walk = ops[walk].inputs[0]
            feeding = [i for i in stop.inputs if isinstance(state.get(i), NodeField)]
            if walk == stop.name and len(feeding) == 1:
                return feeding[0], stop.name
        return name, None
    if output in ops:
        return output, None
    by_module = [op.name for op in traced if op.module == output]
    if by_module:
        return by_module[-1], None
    inside = [op.name for op in traced if output in op.scope]
    if inside:
        return inside[-1], None
    raise ValueError(f"output={output!r} names no node or module of the model (fx node names or module names)")


def graph_receptive_field(
    model: Any,
    *,
    input_size: int | tuple[int, ...] | None = None,
    output: str | None = None,
    ndim: int | None = None,
    strict: bool = False,
) -> GraphReceptiveField:
    """Receptive field of any ``torch.fx``-traceable network (Araujo, Norris & Sim, 2019).

    Parameters
    ----------
    model : torch.nn.Module
        Traced with ``torch.fx``; its modules' geometry is read, weights are ignored.
    input_size : int or (H, W), optional
        Needed only when a padding depends on the map size (TensorFlow's 'SAME' with
        stride > 1; see :class:`convlib.networks.TFSamePad`). Also checks every map is
        non-empty and fills in ``NodeField.spatial_size``.
    output : str, optional
        fx node name, module name (``'layer3'``: its last node) -- default the model's
        output, or, when the model ends in global pooling/flatten/a classifier, the
        node before that stop.
    ndim : {1, 2}, optional
        Spatial dimensions (default: read from the model's layers).
    strict : bool
        Raise a ValueError at a merge whose paths are not centred alike (by default
        such a merge is reported in ``merges`` and the field is the union of the paths).

    Returns
    -------
    GraphReceptiveField

    Raises
    ------
    TypeError
        The model cannot be traced, or the output depends on a module or function
        whose geometry is unknown (the message names the node).
    ValueError
        The output depends on something without a single field: a strided transposed
        convolution, upsampling, a merge of different effective strides, a stop
        (flatten, global pooling); or a misaligned merge with ``strict=True``.

    Introduced in 11_receptive_fields_of_networks.ipynb.

    Examples
    --------
    >>> from torch import nn
    >>> rf = graph_receptive_field(nn.Sequential(nn.Conv2d(1, 1, 3, 2, 1), nn.ReLU(), nn.Conv2d(1, 1, 3)))
    >>> rf.size, rf.stride, rf.padding
    ((7, 7), (2, 2), (1, 1))
    """
    traced = trace_geometry(model, ndim=ndim)
    sizes = _input_size(input_size, traced.ndim)
    swept = _sweep(traced, sizes)
    state, checks = swept.state, swept.checks
    name, stopped = _select(traced, state, output)
    result = state.get(name)
    if isinstance(result, _Blocked):
        raise result.error(result.message)
    if result is None:
        raise ValueError(f"output={name!r} does not depend on the input: it has no receptive field")
    upstream = _ancestors(traced, name)
    merges = tuple(checks[op.name] for op in traced if op.name in checks and op.name in upstream)
    if strict:
        bad = [m for m in merges if not m.aligned]
        if bad:
            raise ValueError("strict=True and the graph is not aligned: " + "; ".join(m.describe() for m in bad))
    nodes = {k: v for k, v in state.items() if isinstance(v, NodeField)}
    return GraphReceptiveField(
        output=name, size=result.size, stride=result.stride, padding=result.padding, center=result.center,
        nodes=nodes, merges=merges, input_size=sizes, stopped_at=stopped, ops=tuple(traced), pads=swept.pads,
    )


# --- autograd: the same numbers, measured -----------------------------------------------------


@dataclass(frozen=True)
class MeasuredField:
    """A receptive field measured with autograd (see :func:`measure_receptive_field`).

    ``position`` is the output unit measured; ``first``/``last`` its support's
    bounding box on the input (per axis); ``stride`` comes from the neighbouring
    unit ``position + 1``; ``padding = position*stride - first``. ``counts`` holds
    the gradient of the unit (summed over its channels) with respect to each input pixel,
    summed over input channels: the number of paths when no op rescales (exact up to ``2**24``
    in float32).
    """

    output: str
    position: Ints
    output_shape: Ints
    first: Ints
    last: Ints
    stride: Ints
    counts: np.ndarray = field(repr=False)

    @property
    def size(self) -> Ints:
        return tuple(b - a + 1 for a, b in zip(self.first, self.last))

    @property
    def padding(self) -> Ints:
        return tuple(x * s - a for x, s, a in zip(self.position, self.stride, self.first))

    @property
    def field_counts(self) -> np.ndarray:
        """``counts`` cut to the field's bounding box: the unit's utilization map (as :func:`convlib.plot_map` draws)."""
        return self.counts[tuple(slice(a, b + 1) for a, b in zip(self.first, self.last))]

    @property
    def center(self) -> tuple[float, ...]:
        """Centre of unit 0's field (as in :class:`GraphReceptiveField`)."""
        return tuple((r - 1) / 2 - p for r, p in zip(self.size, self.padding))

    def __repr__(self) -> str:
        return (
            f"MeasuredField(output={self.output!r}, size={_fmt(self.size)}, stride={_fmt(self.stride)}, "
            f"padding={_fmt(self.padding)}, unit={self.position}, input pixels used={int((self.counts > 0).sum())})"
        )


def _sum_pool(x: Any, kernel_size: Ints, stride: Ints, padding: Ints, ceil_mode: bool) -> Any:
    """A pooling window that sums with zero padding: the same windows as max/avg pooling, every tap counted."""
    import torch.nn.functional as F  # noqa: N812, PLC0415

    one_d = x.dim() == 3
    if one_d:
        x, kernel_size, stride, padding = x.unsqueeze(-2), (1, *kernel_size), (1, *stride), (0, *padding)
    y = F.avg_pool2d(x, kernel_size, stride, padding, ceil_mode, count_include_pad=True, divisor_override=1)
    return y.squeeze(-2) if one_d else y


def _add_all(*tensors: Any) -> Any:
    """Every merge becomes a sum in the probe: no subtraction or division can cancel a path."""
    out = tensors[0]
    for t in tensors[1:]:
        out = out + t
    return out


def _probe(model: Any, traced: _Traced, output: str, dtype: Any) -> Any:
    """A linear, positive stand-in for ``model`` (in ``dtype``) whose graph ends at ``output``.

    ``model`` itself is never changed: convolutions and constant pads are copied before
    they are changed; pointwise modules and pools leave the graph.
    """
    import torch.fx  # noqa: PLC0415

    gm = torch.fx.GraphModule(model, traced.graph)  # shares the submodules until they are replaced
    ops = {op.name: op for op in traced}
    meta = {op.name for op in traced if op.kind == "meta"}
    nodes = {node.name: node for node in gm.graph.nodes}
    tensor_args = lambda node: [a for a in node.all_input_nodes if a.name not in meta]  # noqa: E731
    pointwise = []
    for name, node in nodes.items():
        op = ops.get(name)
        if op is None or op.kind in ("input", "meta"):
            continue
        if op.kind == "pointwise":
            pointwise.append(node)
        elif op.kind == "merge" and op.op != "cat":
            node.op, node.target = "call_function", _add_all
            node.args, node.kwargs = tuple(tensor_args(node)), {}
        elif op.kind == "window":
            _probe_window(gm, node, op, dtype)
        elif op.kind == "pad":
            if op.module is not None and isinstance(getattr(gm.get_submodule(op.module), "value", None), float):
                pad = copy.copy(gm.get_submodule(op.module))
                pad.value = 0.0  # -inf padding (before a max-pool) must not reach the sums
                gm.set_submodule(op.module, pad)
            elif "value" in node.kwargs or len(node.args) > 3:
                node.kwargs = {**node.kwargs, "value": 0.0}
                node.args = node.args[:3]
    for node in pointwise:  # topological order: a chain of pointwise ops collapses onto its input
        node.replace_all_uses_with(tensor_args(node)[0])
    out_node = nodes[output]
    while out_node in pointwise:  # the output itself was pointwise: read what it was applied to
        out_node = tensor_args(out_node)[0]
    graph_out = next(node for node in gm.graph.nodes if node.op == "output")
    graph_out.args = (out_node,)
    for node in reversed(list(gm.graph.nodes)):
        if node.op not in ("placeholder", "output") and not node.users:
            gm.graph.erase_node(node)
    gm.recompile()
    return gm


def _probe_window(gm: Any, node: Any, op: GraphOp, dtype: Any) -> None:
    """Convolutions get positive weights and no bias; pools become sums over the same windows."""
    import torch  # noqa: PLC0415

    mod = gm.get_submodule(op.module) if op.module is not None else None
    if mod is not None and hasattr(mod, "weight"):
        twin = copy.copy(mod)  # the same hyper-parameters; new weights below, the model's untouched
        twin._parameters = {
            "weight": torch.full(mod.weight.shape, 1.0 / (mod.in_channels // mod.groups), dtype=dtype),
            "bias": None,
        }
        gm.set_submodule(op.module, twin)
        return
    if any(d != 1 for d in op.dilation):
        raise TypeError(f"node {op.label}: the autograd probe cannot stand in for a dilated pooling")
    node.op, node.target = "call_function", _sum_pool
    node.args, node.kwargs = (node.args[0], op.kernel_size, op.stride, op.padding, op.ceil_mode), {}


def measure_receptive_field(
    model: Any,
    input_shape: tuple[int, ...],
    *,
    output: str | None = None,
    position: int | tuple[int, ...] | None = None,
    ndim: int | None = None,
    dtype: str = "float32",
) -> MeasuredField:
    """Size, effective stride and effective padding of a traced network, measured with autograd.

    The model is traced with ``torch.fx`` and made linear and positive, so that no
    cancellation and no argmax can hide a pixel (as :func:`convlib.empirical_receptive_field`
    does for chains): every convolution gets weights ``1/(in_channels/groups)`` and no
    bias, every max- or average-pool sums over its windows, every pointwise op
    (activation, BatchNorm, Dropout) becomes the identity, every ``+ - * /`` merge
    a sum; padding modules pad with zeros. The geometry itself -- kernel, stride,
    padding, dilation of every convolution, the pads, the graph -- is the model's own.

    The gradient of output unit ``position`` (all its channels: after a concatenation each
    channel sees one branch only) with respect to an input of ones gives the unit's support; the neighbouring unit ``position + 1`` gives the
    stride. Both supports must lie inside the input with a pixel to spare on each side,
    so that the border cuts nothing: otherwise a ValueError asks for a larger input.
    The probe runs on one thread (its many small ops are slower on a thread pool); torch's
    thread count is restored afterwards. ``model`` itself is not changed.

    Parameters
    ----------
    model : torch.nn.Module
    input_shape : (N, C, H, W) or (N, C, L)
        Channel count as the model expects; narrow models make the probe fast.
    output : str, optional
        As in :func:`graph_receptive_field` (the same default).
    position : int or tuple of int, optional
        Output unit (default: the middle one).
    dtype : {'float32', 'float64'}
        Every value of the probe is a sum of positive terms, so a pixel's gradient is
        exactly 0 or clearly positive in either; float32 is several times faster, float64
        keeps the path counts exact beyond ``2**24``.

    Returns
    -------
    MeasuredField

    Introduced in 11_receptive_fields_of_networks.ipynb.
    """
    import torch  # noqa: PLC0415

    if not isinstance(input_shape, (tuple, list)) or not all(
        isinstance(v, (int, np.integer)) and v >= 1 for v in input_shape
    ):
        raise ValueError(f"input_shape={input_shape!r} must be a tuple of positive ints like (N, C, H, W)")
    n = len(input_shape) - 2
    if n not in (1, 2):
        raise ValueError(f"input_shape={tuple(input_shape)!r} must be (N, C, L) or (N, C, H, W)")
    traced = trace_geometry(model, ndim=ndim)
    if traced.ndim != n:
        raise ValueError(f"input_shape={tuple(input_shape)!r} has {n} spatial dimension(s); the model has {traced.ndim}")
    state = _sweep(traced, tuple(int(v) for v in input_shape[2:])).state
    name, _ = _select(traced, state, output)
    cur = state.get(name)
    if isinstance(cur, _Blocked):
        raise cur.error(cur.message)
    if dtype not in ("float32", "float64"):
        raise ValueError(f"dtype={dtype!r} must be 'float32' or 'float64'")
    probe = _probe(model, traced, name, getattr(torch, dtype))
    x = torch.ones(tuple(int(v) for v in input_shape), dtype=getattr(torch, dtype), requires_grad=True)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # many small ops: a thread pool costs more than it saves (restored below)
    try:
        return _measure(probe, x, name, position, n)
    except RuntimeError as err:
        raise ValueError(f"input_shape={tuple(input_shape)!r} does not fit the model: {err}") from None
    finally:
        torch.set_num_threads(threads)


def _measure(probe: Any, x: Any, name: str, position: Any, n: int) -> MeasuredField:
    """Supports of the chosen unit and of its neighbour, by two backward passes."""
    import torch  # noqa: PLC0415

    y = probe(x)
    out_shape = tuple(int(v) for v in y.shape[2:])
    pos = tuple(s // 2 for s in out_shape) if position is None else _tuple(position, n)
    if any(not 0 <= p < s for p, s in zip(pos, out_shape)):
        raise ValueError(f"position={position!r} is outside the output, whose spatial shape is {out_shape}")
    step = tuple(1 if p + 1 < s else -1 for p, s in zip(pos, out_shape))
    if any(s < 2 for s in out_shape):
        raise ValueError(f"input_shape={tuple(x.shape)!r} gives a {out_shape} output: two units per axis are "
                         f"needed to measure the stride; use a larger input")
    boxes = []
    counts = None
    for unit in (pos, tuple(p + d for p, d in zip(pos, step))):
        (grad,) = torch.autograd.grad(y[(0, slice(None), *unit)].sum(), x, retain_graph=True)
        g = grad[0].sum(0).numpy()
        if counts is None:
            counts = g
        mask = g > 0
        if not mask.any():
            raise ValueError(f"output unit {unit} depends on no input pixel (it sees only padding); use a larger input")
        idx = np.nonzero(mask)
        box = (tuple(int(i.min()) for i in idx), tuple(int(i.max()) for i in idx))
        if any(a < 1 for a in box[0]) or any(b > s - 2 for b, s in zip(box[1], x.shape[2:])):
            raise ValueError(
                f"the field of output unit {unit} reaches the border of the {tuple(x.shape[2:])} input "
                f"(pixels {box[0]} to {box[1]}), so the border may cut it; use a larger input_shape")
        boxes.append(box)
    (first, last), (first2, _) = boxes
    stride = tuple(abs(b - a) for a, b in zip(first, first2))
    return MeasuredField(name, pos, out_shape, first, last, stride, counts)


__all__ = [
    "GraphOp",
    "GraphReceptiveField",
    "KINDS",
    "MeasuredField",
    "MergeCheck",
    "NodeField",
    "graph_receptive_field",
    "measure_receptive_field",
    "trace_geometry",
]
