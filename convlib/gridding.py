"""Utilization (gridding) maps: how often each input pixel reaches one output pixel.

Follow one output pixel back through a stack of layers: every kernel tap of
the last layer points at a pixel of the layer below, every tap there points
further down, and so on. The *utilization map* counts, for each input pixel,
the number of such paths (seed 002's ``dilated_conv_all_map`` applied layer by
layer). Zeros inside the receptive field are the gridding effect's holes.

How it is computed: counting paths is convolving with all-ones kernels. Start
with a single 1 at the output pixel and go down through the layers: a
transposed convolution with the layer's all-ones kernel, stride and dilation
(:func:`convlib.conv_transpose1d`) sends every count to the ``k`` input pixels
its window reads. Every window is a rectangle of taps, so the 2-D count is the
outer product of the per-axis 1-D counts: ``map[y, x] = rows[y] * cols[x]``.

Introduced in 04_gridding_effect.ipynb.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .conv import conv1d
from .layers import Layer, as_layer, as_layers, common_ndim
from .shapes import window_span
from .transposed import conv_transpose1d
from .validate import integer, ints, is_int, nonempty, one_of

IntOrTuple = int | tuple[int, ...]

#: Path counts are int64: a stack whose counts could reach this is refused.
_INT64_LIMIT = 2**63


def _stack(rates_or_layers: Any, kernel_size: IntOrTuple, ndim: int) -> list[tuple[Layer, ...]]:
    """Per axis, the 1-D layers of a stack given as dilation rates and/or layer specs."""
    one_of(ndim, "ndim", (1, 2))
    if isinstance(rates_or_layers, (str, Layer)) or is_int(rates_or_layers) or not hasattr(rates_or_layers, "__iter__"):
        raise TypeError(
            f"rates_or_layers={rates_or_layers!r} must be a sequence of dilation rates (ints) "
            f"or of layers (convlib.Layer / (k, s, p[, d]) tuples)"
        )
    items = list(rates_or_layers)
    nonempty(items, "rates_or_layers", "layer")
    layers = []
    for i, item in enumerate(items):
        if is_int(item):
            layer = Layer(kernel_size, dilation=integer(item, f"rates[{i}]", 1))
        else:
            layer = as_layer(item, f"layers[{i}]")
        if layer.kind == "transposed":
            raise ValueError(
                f"layers[{i}] is a transposed convolution: its output pixels see different numbers of input "
                f"pixels depending on their phase, so there is no single map; use unit_utilization(layers, "
                f"input_size, position) for one particular output pixel"
            )
        layers.append(layer)
    found = common_ndim(layers)
    if found is not None and found != ndim:
        raise ValueError(f"ndim={ndim} does not match the layers, which have {found} spatial dimension(s)")
    split = [layer.along(ndim) for layer in layers]
    return [tuple(axes[d] for axes in split) for d in range(ndim)]


def _count_dtype(bound: float) -> type:
    """int64 while ``bound`` paths fit in it; float64 beyond (counts then rounded to 53 bits)."""
    return np.int64 if bound < _INT64_LIMIT else np.float64


def _line(layers: tuple[Layer, ...]) -> tuple[np.ndarray, int]:
    """1-D path counts of one output pixel over its receptive field, and the index of its anchor.

    The one counting primitive of this module: from the output pixel down to the
    input, each layer's all-ones kernel spreads the counts (a transposed
    convolution). The anchor is where the output pixel sits: each layer's tap
    ``(k-1)//2`` is its centre, as in the source (left of centre for even kernels).
    """
    dtype = _count_dtype(np.prod([float(layer.kernel_size) for layer in layers]))
    counts, anchor = np.ones(1, dtype=dtype), 0
    for layer in reversed(layers):
        k, s, d = layer.kernel_size, layer.stride, layer.dilation
        counts = conv_transpose1d(counts[None], np.ones((1, 1, k), dtype=dtype), stride=s, dilation=d)[0]
        anchor = anchor * s + (k - 1) // 2 * d
    return counts, anchor


def rate_lines(rate_lists: Any, kernel_size: int = 3) -> list[np.ndarray]:
    """1-D path counts of many stride-1 stacks of dilated ``kernel_size`` convolutions, computed together.

    Line ``i`` equals ``utilization_map(rate_lists[i], kernel_size, ndim=1)``. The
    stacks must have the same number of layers; they are spread layer by layer
    with one batched :func:`convlib.conv_transpose1d` per layer and rate (at stride 1
    the order of the layers does not change the counts), which is what makes the
    HDC brute force over thousands of rate lists fast.

    Introduced in 05_hdc.ipynb.

    >>> rate_lines([(1, 2), (2, 1), (2, 2)])
    [array([1, 1, 2, 1, 2, 1, 1]), array([1, 1, 2, 1, 2, 1, 1]), array([1, 0, 2, 0, 3, 0, 2, 0, 1])]
    """
    k = integer(kernel_size, "kernel_size", 1)
    lists = [tuple(integer(r, f"rate_lists[{i}][{j}]", 1) for j, r in enumerate(rates))
             for i, rates in enumerate(rate_lists)]
    nonempty(lists, "rate_lists", "rate list")
    n = len(lists[0])
    if any(len(rates) != n for rates in lists):
        raise ValueError(f"rate_lists must all have the same number of layers (the first has {n})")
    rates = np.array(lists, dtype=np.int64).reshape(len(lists), n)
    sizes = 1 + (k - 1) * rates.sum(axis=1)
    width = int(sizes.max())
    dtype = _count_dtype(float(k) ** n)
    counts = np.zeros((len(lists), 1, width), dtype=dtype)
    counts[:, 0, 0] = 1
    ones = np.ones((1, 1, k), dtype=dtype)
    for layer in range(n):
        spread = np.zeros_like(counts)
        for r in np.unique(rates[:, layer]):
            rows = rates[:, layer] == r
            reach = (k - 1) * int(r)  # a line still this short of the width cannot overflow it
            spread[rows] = conv_transpose1d(counts[rows, :, : width - reach], ones, dilation=int(r))
        counts = spread
    return [line[0, :size] for line, size in zip(counts, sizes)]


def _outer(lines: list[np.ndarray]) -> np.ndarray:
    if len(lines) == 1:
        return lines[0]
    rows, cols = lines
    dtype = _count_dtype(float(rows.max()) * float(cols.max()))
    return np.outer(rows.astype(dtype), cols.astype(dtype))


def _placed(lines: list[tuple[np.ndarray, int]], size: Any, extents: list[tuple[int, int]]) -> list[np.ndarray]:
    """Place each axis' counts so that its anchor lands at ``size // 2`` (or tight when size is None).

    ``extents`` are the (before, after) reach that the map must hold, per axis.
    """
    ndim = len(lines)
    if size is None:
        sizes = [before + after + 1 for before, after in extents]
        centres = [before for before, _ in extents]
    else:
        sizes = list(ints(size, ndim, "size", 1))
        centres = [n // 2 for n in sizes]
        for n, c, (before, after) in zip(sizes, centres, extents):
            if c < before or n - 1 - c < after:
                need = max(2 * before, 2 * after + 1)
                raise ValueError(
                    f"size={size!r} is too small: the receptive field spans {before + after + 1} pixels "
                    f"({before} before and {after} after the output pixel, which sits at index size//2), "
                    f"so size must be at least {need}"
                )
    out = []
    for (counts, anchor), n, c in zip(lines, sizes, centres):
        line = np.zeros(n, dtype=counts.dtype)
        line[c - anchor : c - anchor + len(counts)] = counts
        out.append(line)
    return out


def utilization_map(
    rates_or_layers: Any, kernel_size: IntOrTuple = 3, size: IntOrTuple | None = None, *, ndim: int = 2
) -> np.ndarray:
    """Number of paths by which each input pixel contributes to one output pixel.

    Parameters
    ----------
    rates_or_layers : sequence of int or of layer specs
        Dilation rates (each a ``kernel_size`` convolution with stride 1), or
        :class:`convlib.Layer` / ``(k, s, p[, d])`` tuples for any kernels, strides
        and dilations; layer 1 is nearest the input. Padding plays no role.
    kernel_size : int or tuple of int
        Kernel of the layers given as rates.
    size : int or tuple of int, optional
        ``None``: the tight map, exactly the receptive field's square (``r × r``).
        An int: a ``size × size`` map with the output pixel at index ``size // 2``
        -- the source's layout (its ``main()`` uses ``size=31``).
    ndim : {1, 2}
        A 1-D count line or a 2-D map.

    Returns
    -------
    numpy.ndarray of int64
        Exact counts; a stack that could have ``2**63`` or more paths to one pixel
        gets float64 counts instead (exact up to ``2**53``, rounded beyond).

    Raises
    ------
    ValueError
        Zero or negative kernels, rates or strides; a ``size`` too small for the
        field (the message says how large it must be); transposed layers.

    Introduced in 04_gridding_effect.ipynb.

    Examples
    --------
    Three layers with rate 2 (seed 002, §2.1): a 13×13 field used only on every other pixel.

    >>> m = utilization_map([2, 2, 2])
    >>> m.shape, int((m == 0).sum())
    ((13, 13), 120)
    >>> utilization_map([1, 2], ndim=1)
    array([1, 1, 2, 1, 2, 1, 1])
    """
    axes = _stack(rates_or_layers, kernel_size, ndim)
    lines = [_line(axes[0])]
    lines += [lines[0] if layers == axes[0] else _line(layers) for layers in axes[1:]]  # square stacks: one line
    extents = [(anchor, len(counts) - 1 - anchor) for counts, anchor in lines]
    return _outer(_placed(lines, size, extents))


def progression(
    rates_or_layers: Any, kernel_size: IntOrTuple = 3, size: IntOrTuple | None = None, *, ndim: int = 2
) -> list[np.ndarray]:
    """Utilization maps after layer 1, layers 1–2, layers 1–3, … on one common grid.

    Map ``i`` shows how a pixel of layer ``i + 1``'s output uses the input (the
    source's Layer2, Layer3, Layer4 figures). All maps share the full stack's grid
    (``size`` as in :func:`utilization_map`) so they can be shown side by side.

    Introduced in 04_gridding_effect.ipynb.

    >>> [int((m > 0).sum()) for m in progression([1, 2, 3], ndim=1)]
    [3, 7, 13]
    """
    axes = _stack(rates_or_layers, kernel_size, ndim)
    n_layers = len(axes[0])
    full = [_line(layers) for layers in axes]
    extents = [(anchor, len(counts) - 1 - anchor) for counts, anchor in full]
    return [
        _outer(_placed([_line(layers[: i + 1]) for layers in axes], size, extents)) for i in range(n_layers)
    ]


def _as_map(counts_or_layers: Any, kernel_size: IntOrTuple) -> np.ndarray:
    if isinstance(counts_or_layers, np.ndarray):
        counts = counts_or_layers
    else:
        counts = utilization_map(counts_or_layers, kernel_size)
    if counts.ndim not in (1, 2) or counts.size == 0:
        raise ValueError(f"a utilization map must be a non-empty 1-D or 2-D array, got shape {counts.shape}")
    if not (counts > 0).any():
        raise ValueError("the map has no non-zero entry: there is no receptive field to measure")
    return counts


def _box(used: np.ndarray) -> tuple[slice, ...]:
    idx = np.nonzero(used)
    return tuple(slice(int(i.min()), int(i.max()) + 1) for i in idx)


def coverage(counts_or_layers: Any, kernel_size: IntOrTuple = 3) -> float:
    """Fraction of the receptive field's square (the non-zero bounding box) that is used.

    Takes a map (numpy array) or anything :func:`utilization_map` takes.

    Introduced in 04_gridding_effect.ipynb.

    >>> coverage([1, 2, 5])
    1.0
    >>> coverage([2, 2, 2]) == (7 * 7) / (13 * 13)  # every other pixel of a 13×13 field
    True
    """
    counts = _as_map(counts_or_layers, kernel_size)
    used = counts > 0
    return float(used[_box(used)].mean())


def holes(counts_or_layers: Any, kernel_size: IntOrTuple = 3) -> np.ndarray:
    """Positions inside the receptive field's square that are never used.

    Returns an ``(n, ndim)`` int array of indices into the map (empty when hole-free).

    Introduced in 04_gridding_effect.ipynb.

    >>> holes([1, 2, 5]).shape
    (0, 2)
    >>> holes(np.array([1, 0, 2, 0, 1]))
    array([[1],
           [3]])
    """
    counts = _as_map(counts_or_layers, kernel_size)
    used = counts > 0
    box = _box(used)
    offset = np.array([b.start for b in box])
    return np.argwhere(~used[box]) + offset


def _paths_below(counts: np.ndarray, layer: Layer, n_prev: int) -> np.ndarray:
    """Paths from each of a layer's ``n_prev`` inputs, given the paths from each of its outputs.

    The layer's adjoint with an all-ones kernel. A convolution's output ``y``
    reads input ``y*s - p + t*d`` (tap ``t``): a transposed convolution of the
    counts sends them back. A transposed layer's input ``x`` writes output
    ``x*s - p + t*d``: a convolution of the counts reads them back. Positions in
    the padding hold no paths.
    """
    k, s, d, p = layer.kernel_size, layer.stride, layer.dilation, layer.near_padding
    ones = np.ones((1, 1, k), dtype=counts.dtype)
    if layer.kind == "transposed":
        far = max(0, window_span(n_prev, k, s, d) - p - len(counts))  # room for the last input's window
        padded = np.pad(counts, (p, far))
        return conv1d(padded[None], ones, stride=s, dilation=d)[0, :n_prev]
    canvas = conv_transpose1d(counts[None], ones, stride=s, dilation=d)[0]  # canvas cell c = input x + p
    below = np.zeros(n_prev, dtype=counts.dtype)
    kept = canvas[p:p + n_prev]
    below[:len(kept)] = kept
    return below


def _unit_line(layers: tuple[Layer, ...], n_in: int, position: int | None, axis: int) -> np.ndarray:
    sizes = [n_in]
    for layer in layers:
        sizes.append(layer.output_size(sizes[-1]))
    n_out = sizes[-1]
    pos = n_out // 2 if position is None else position
    if not 0 <= pos < n_out:
        raise ValueError(f"position={pos} (axis {axis}) is outside the output, which has {n_out} units on that axis")
    counts = np.zeros(n_out, dtype=np.int64)
    counts[pos] = 1
    for layer, n_prev in zip(reversed(layers), reversed(sizes[:-1])):
        counts = _paths_below(counts, layer, n_prev)
    return counts


def unit_utilization(layers: Any, input_size: IntOrTuple, position: IntOrTuple | None = None) -> np.ndarray:
    """Exact path counts from each pixel of a finite input to one output unit.

    Unlike :func:`utilization_map` (one pixel far from any border), this follows the
    real maps of an ``input_size`` input: a path through a padded position does not
    exist, windows follow ``ceil_mode``, and transposed layers are allowed. Equal to
    :func:`convlib.empirical_receptive_field`'s counts for a zero-padded model.

    Parameters
    ----------
    layers : sequence of layer specs
    input_size : int or tuple of int
        ``(H, W)``, ``(L,)``, or an int for a square input.
    position : int or tuple of int, optional
        Output unit; default the middle unit in each dimension.

    Introduced in 03_receptive_field.ipynb.

    >>> unit_utilization([(3, 1, 1), (3, 2, 1)], (6,), position=0)
    array([2, 2, 1, 0, 0, 0])
    """

    stack = as_layers(layers)
    found = common_ndim(stack)
    ndim = len(input_size) if isinstance(input_size, (tuple, list)) else (found or 2)
    if found is not None and found != ndim:
        raise ValueError(f"input_size={input_size!r} has {ndim} dimension(s); the layers have {found}")
    sizes = ints(input_size, ndim, "input_size", 1)
    pos = (None,) * ndim if position is None else ints(position, ndim, "position")
    split = [layer.along(ndim) for layer in stack]
    lines = [
        _unit_line(tuple(axes[d] for axes in split), sizes[d], pos[d], d) for d in range(ndim)
    ]
    return _outer(lines)


__all__ = ["coverage", "holes", "progression", "rate_lines", "unit_utilization", "utilization_map"]
