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
:func:`convlib.empirical_receptive_field` (in :mod:`convlib.oracle`) measures the
same field on a torch model with autograd.

Introduced in 03_receptive_field.ipynb.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .layers import Layer, as_layers, common_ndim
from .validate import integer, ints, is_int

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
            pos = ints(position, None, "position")
            first = tuple(x * self.stride - self.padding for x in pos)
            return first, tuple(f + self.size - 1 for f in first)
        pos = ints(position, len(self.size), "position")
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
    out = []
    for one in layer.along(n):
        k_eff, s, p = one.effective_kernel_size, one.stride, one.near_padding
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


def _first(value: Any) -> int:
    """The first dimension of an int-or-tuple value (growth plots are per axis)."""
    return int(value[0]) if isinstance(value, tuple) else int(value)


def growth_table(stacks: Mapping[str, Any], input_size: int | None = None) -> dict[str, dict[str, list[int]]]:
    """Per stack and layer: receptive-field ``size`` (and feature-map ``map_size`` for ``input_size``).

    Parameters
    ----------
    stacks : mapping of label -> layer specs
        Each value is anything :func:`convlib.receptive_field` takes.
    input_size : int, optional
        Side of the input; when given, ``map_size`` lists each layer's output side.

    Returns
    -------
    dict
        ``{label: {"layer": [0, 1, ...], "size": [1, ...], "map_size": [...]}}``; index 0
        is the input itself (a pixel sees itself: size 1).

    Introduced in 03_receptive_field.ipynb.

    Examples
    --------
    >>> growth_table({"plain": [(3, 1, 1)] * 3})["plain"]["size"]
    [1, 3, 5, 7]
    >>> growth_table({"strided": [(3, 2, 1)] * 2}, input_size=16)["strided"]["map_size"]
    [16, 8, 4]
    """
    if not isinstance(stacks, Mapping) or not stacks:
        raise TypeError(f"stacks={stacks!r} must be a non-empty mapping of label -> layers")
    if input_size is not None:
        integer(input_size, "input_size", 1)
    out: dict[str, dict[str, list[int]]] = {}
    for label, layers in stacks.items():
        stack = as_layers(layers)
        rows = receptive_field(stack).layers
        entry = {"layer": list(range(len(rows) + 1)), "size": [1] + [_first(r.size) for r in rows]}
        if input_size is not None:
            sizes = [input_size]
            for i, layer in enumerate(stack):
                try:
                    sizes.append(_first(layer.output_size(sizes[-1])))
                except ValueError as err:
                    raise ValueError(
                        f"stack {label!r}: layer {i + 1} has no output for input_size={input_size}: {err}"
                    ) from None
            entry["map_size"] = sizes
        out[str(label)] = entry
    return out


__all__ = ["ReceptiveField", "ReceptiveFieldRow", "growth_table", "receptive_field"]
