"""A declarative description of one convolution diagram, like vdumoulin/conv_arithmetic.

A :class:`ConvSpec` holds what the famous conv_arithmetic figures are made of —
input size, kernel size, stride, padding, dilation, transposed or not, and
``output_padding`` — validated with torch's rules and sized with
:mod:`convlib.shapes`. It also knows the geometry every renderer needs: the
grid that is drawn (padding, inserted zeros), which grid cells one output
position reads, and where each input pixel of a transposed convolution stamps
its kernel. Nothing here draws (see :mod:`convlib.render.diagrams`).

Conventions: sizes are ``(height, width)``; an int means a square. ``input_size``
of a transposed spec is the size of the transposed convolution's *own* input
(torch's ``ConvTranspose2d`` input), so ``ConvSpec(3, 3, stride=2, padding=1,
transposed=True)`` upsamples 3×3 to 5×5.

Introduced in 01_convolution.ipynb.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import product
from typing import Any

import numpy as np

from .conv import conv2d
from .layers import Layer
from .shapes import TransposedEquivalent, transposed_equivalent, transposed_output_padding, window_span
from .transposed import conv_transpose2d
from .validate import flag, ints, shape

Cell = tuple[int, int]
Pair = tuple[int, int]


@dataclass(frozen=True)
class Grid:
    """The input grid a diagram draws, with the role of every cell.

    For a direct convolution it is the padded input. For a transposed one it is
    the input of the equivalent direct convolution: input pixels spread
    ``stride`` apart with ``stride-1`` zeros between them, ``d(k-1)-p`` cells of
    padding on the near side and ``d(k-1)-p+output_padding`` on the far side
    (a negative amount crops).

    Attributes
    ----------
    shape : (rows, cols)
    input_at : dict mapping a grid cell to the input pixel ``(row, col)`` it shows
    zero_cells : cells holding inserted zeros (transposed only)
    padding_cells : padding cells
    near, far : padding before / after, per dimension (negative = cropped)
    """

    shape: Pair
    input_at: dict[Cell, Cell] = field(repr=False)
    zero_cells: frozenset[Cell] = field(repr=False)
    padding_cells: frozenset[Cell] = field(repr=False)
    near: Pair
    far: Pair

    @property
    def input_cells(self) -> frozenset[Cell]:
        """Grid cells showing an input pixel."""
        return frozenset(self.input_at)

    def values(self, x: np.ndarray) -> np.ndarray:
        """The grid filled with input ``x`` (shape ``input_size``): zeros in padding and inserted cells."""
        out = np.zeros(self.shape, dtype=np.result_type(x, np.float64))
        for cell, pixel in self.input_at.items():
            out[cell] = x[pixel]
        return out


@dataclass(frozen=True)
class ScatterCanvas:
    """Where a transposed convolution's stamps land, before cropping.

    Attributes
    ----------
    shape : (rows, cols) of the uncropped canvas
    crop : ``padding`` per dimension: output cell ``(r, c)`` is canvas cell ``(r + crop[0], c + crop[1])``
    output_size : size kept after cropping
    """

    shape: Pair
    crop: Pair
    output_size: Pair

    @property
    def kept_cells(self) -> frozenset[Cell]:
        """Canvas cells that survive the crop (the transposed convolution's output)."""
        (h, w), (ph, pw) = self.output_size, self.crop
        return frozenset((ph + r, pw + c) for r in range(h) for c in range(w))

    @property
    def cropped_cells(self) -> frozenset[Cell]:
        """Canvas cells removed by ``padding`` (their stamps are computed, then thrown away)."""
        all_cells = {(r, c) for r in range(self.shape[0]) for c in range(self.shape[1])}
        return frozenset(all_cells - self.kept_cells)


@dataclass(frozen=True, init=False)
class ConvSpec:
    """One convolution (or transposed convolution) to draw or animate.

    Introduced in 01_convolution.ipynb.

    Parameters
    ----------
    input_size, kernel_size : int or (int, int)
    stride, dilation : int or (int, int), >= 1
    padding : int or (int, int), >= 0
    transposed : bool
    output_padding : int or (int, int)
        Only for ``transposed=True``; must be smaller than stride or dilation (torch's rule).
    name : str
        Optional label (the classic set uses conv_arithmetic's file names).

    Raises
    ------
    ValueError, TypeError
        For any combination torch refuses, naming the parameter and the rule.

    Examples
    --------
    >>> s = ConvSpec(5, 3, stride=2, padding=1)
    >>> s.output_size, s.grid().shape, len(s.positions())
    ((3, 3), (7, 7), 9)
    >>> t = s.transpose()          # the transposed counterpart restores 5×5
    >>> t.input_size, t.output_size, t.output_padding
    ((3, 3), (5, 5), (0, 0))
    """

    input_size: Pair
    kernel_size: Pair
    stride: Pair
    padding: Pair
    dilation: Pair
    transposed: bool
    output_padding: Pair
    name: str
    layer: Layer = field(repr=False)
    output_size: Pair = field(repr=False, compare=False)

    def __init__(
        self,
        input_size: int | Pair,
        kernel_size: int | Pair,
        stride: int | Pair = 1,
        padding: int | Pair = 0,
        dilation: int | Pair = 1,
        *,
        transposed: bool = False,
        output_padding: int | Pair = 0,
        name: str = "",
    ) -> None:
        transposed = flag(transposed, "transposed")
        pairs = {
            "input_size": ints(input_size, 2, "input_size", 1),
            "kernel_size": ints(kernel_size, 2, "kernel_size", 1),
            "stride": ints(stride, 2, "stride", 1),
            "padding": ints(padding, 2, "padding", 0),
            "dilation": ints(dilation, 2, "dilation", 1),
            "output_padding": ints(output_padding, 2, "output_padding", 0),
        }
        layer = Layer(pairs["kernel_size"], pairs["stride"], pairs["padding"], pairs["dilation"],
                      kind="transposed" if transposed else "conv", output_padding=pairs["output_padding"])
        for key, value in {**pairs, "transposed": transposed, "name": str(name), "layer": layer}.items():
            object.__setattr__(self, key, value)
        object.__setattr__(self, "output_size", tuple(layer.output_size(self.input_size)))  # refuses an empty output

    @classmethod
    def from_layer(cls, layer: Layer, input_size: int | Pair, *, name: str = "") -> ConvSpec:
        """The diagram of a convolution or transposed :class:`~convlib.Layer` on an ``input_size`` input.

        >>> ConvSpec.from_layer(Layer(3, 2, 1), 5).output_size
        (3, 3)
        """
        if not isinstance(layer, Layer) or layer.kind == "pool":
            raise TypeError(f"layer={layer!r} must be a convlib.Layer of kind 'conv' or 'transposed'")
        (k, s, p, d, op) = (layer.per_axis(f, 2) for f in ("kernel_size", "stride", "padding", "dilation",
                                                           "output_padding"))
        if layer.padding == "same":
            raise ValueError("padding='same' cannot be drawn as a ConvSpec: give the padding as numbers")
        return cls(input_size, k, s, p, d, transposed=layer.kind == "transposed", output_padding=op, name=name)

    # ----------------------------------------------------------------- sizes
    @property
    def effective_kernel_size(self) -> Pair:
        """Extent of the dilated kernel, ``d(k-1)+1``."""
        return self.layer.effective_kernel_size  # type: ignore[return-value]

    def equivalent(self) -> TransposedEquivalent:
        """The direct stride-1 convolution a transposed spec equals (see :func:`convlib.shapes.transposed_equivalent`)."""
        if not self.transposed:
            raise ValueError("equivalent() is defined for transposed specs only (transposed=False here)")
        return transposed_equivalent(
            self.input_size, self.kernel_size, self.stride, self.padding, self.output_padding, self.dilation
        )

    def transpose(self) -> ConvSpec:
        """The counterpart: a direct spec's transposed convolution (restoring its input size) and vice versa."""
        name = self.name[: -len("_transposed")] if self.name.endswith("_transposed") else (
            f"{self.name}_transposed" if self.name else ""
        )
        common = dict(kernel_size=self.kernel_size, stride=self.stride, padding=self.padding, dilation=self.dilation)
        if self.transposed:
            return ConvSpec(self.output_size, **common, name=name)
        extra = transposed_output_padding(self.input_size, self.kernel_size, self.stride, self.padding, self.dilation)
        return ConvSpec(self.output_size, **common, transposed=True, output_padding=extra, name=name)

    # -------------------------------------------------------------- geometry
    def grid(self) -> Grid:
        """The input grid the diagram draws (padded input, or zero-inserted input for a transposed spec)."""
        if self.transposed:
            eq = self.equivalent()
            near, far = tuple(eq.padding), tuple(eq.far_padding)
            spread = tuple(eq.dilated_input_size)
        else:
            near = far = self.padding
            spread = self.input_size
        step = self.stride if self.transposed else (1, 1)
        shape = (spread[0] + near[0] + far[0], spread[1] + near[1] + far[1])
        input_at: dict[Cell, Cell] = {}
        zeros: set[Cell] = set()
        pads: set[Cell] = set()
        for r, c in product(range(shape[0]), range(shape[1])):
            u, v = r - near[0], c - near[1]
            if 0 <= u < spread[0] and 0 <= v < spread[1]:
                if u % step[0] == 0 and v % step[1] == 0:
                    input_at[(r, c)] = (u // step[0], v // step[1])
                else:
                    zeros.add((r, c))
            else:
                pads.add((r, c))
        return Grid(shape, input_at, frozenset(zeros), frozenset(pads), (near[0], near[1]), (far[0], far[1]))

    def positions(self) -> list[Cell]:
        """Output positions in the order a diagram or animation visits them (row by row)."""
        h, w = self.output_size
        return [(r, c) for r in range(h) for c in range(w)]

    def position(self, index: int | Cell) -> Cell:
        """Normalise a frame index or an ``(row, col)`` output position, checking its range."""
        h, w = self.output_size
        if isinstance(index, (int, np.integer)) and not isinstance(index, bool):
            if not 0 <= index < h * w:
                raise ValueError(f"position={index} must be in range(0, {h * w}) (output is {h}×{w})")
            return divmod(int(index), w)
        try:
            r, c = index  # type: ignore[misc]
        except (TypeError, ValueError):
            raise TypeError(f"position={index!r} must be an int frame index or a (row, col) pair") from None
        if not (0 <= r < h and 0 <= c < w):
            raise ValueError(f"position={index!r} must lie inside the {h}×{w} output")
        return (int(r), int(c))

    def taps(self, position: int | Cell) -> list[Cell]:
        """Grid cells the kernel reads for one output position, kernel tap by tap (row-major).

        For a transposed spec these are cells of the equivalent direct convolution's grid
        (stride 1); the kernel there is the flipped one.
        """
        r, c = self.position(position)
        s = (1, 1) if self.transposed else self.stride
        d = self.dilation
        kh, kw = self.kernel_size
        return [(r * s[0] + a * d[0], c * s[1] + b * d[1]) for a in range(kh) for b in range(kw)]

    def canvas(self) -> ScatterCanvas:
        """Geometry of the scatter view of a transposed spec (uncropped canvas and crop)."""
        if not self.transposed:
            raise ValueError("canvas() is defined for transposed specs only (transposed=False here)")
        full = window_span(self.input_size, self.kernel_size, self.stride, self.dilation)
        out = self.output_size
        shape = tuple(max(f, p + o) for f, p, o in zip(full, self.padding, out))
        return ScatterCanvas((shape[0], shape[1]), self.padding, out)

    def stamps(self, pixel: int | Cell) -> list[Cell]:
        """Canvas cells that input pixel ``pixel`` of a transposed spec writes to, tap by tap."""
        if not self.transposed:
            raise ValueError("stamps() is defined for transposed specs only (transposed=False here)")
        h, w = self.input_size
        if isinstance(pixel, (int, np.integer)) and not isinstance(pixel, bool):
            if not 0 <= pixel < h * w:
                raise ValueError(f"pixel={pixel} must be in range(0, {h * w}) (input is {h}×{w})")
            pixel = divmod(int(pixel), w)
        a0, b0 = pixel  # type: ignore[misc]
        if not (0 <= a0 < h and 0 <= b0 < w):
            raise ValueError(f"pixel={pixel!r} must lie inside the {h}×{w} input")
        (s0, s1), (d0, d1) = self.stride, self.dilation
        kh, kw = self.kernel_size
        return [(a0 * s0 + a * d0, b0 * s1 + b * d1) for a in range(kh) for b in range(kw)]

    # ------------------------------------------------------------- numerics
    def kernel_as_drawn(self, weight: np.ndarray) -> np.ndarray:
        """The kernel the diagram slides: ``weight`` itself, or flipped for a transposed spec."""
        w = np.asarray(weight)
        if w.shape != self.kernel_size:
            raise ValueError(f"weight with shape {w.shape} must have shape kernel_size={self.kernel_size}")
        return w[::-1, ::-1] if self.transposed else w

    def apply(self, x: np.ndarray, weight: np.ndarray) -> np.ndarray:
        """The output the diagram shows: :func:`convlib.conv2d` (or ``conv_transpose2d``) with this spec.

        Single channel, no bias: ``x`` has shape ``input_size`` and ``weight`` ``kernel_size``.
        A transposed spec runs the zero-insertion recipe, the way its diagram draws it.
        """
        x = np.asarray(x, dtype=np.float64)
        w = np.asarray(weight, dtype=np.float64)
        shape(x, self.input_size, "x", " (input_size)")
        shape(w, self.kernel_size, "weight", " (kernel_size)")
        if self.transposed:
            y = conv_transpose2d(x[None, None], w[None, None], stride=self.stride, padding=self.padding,
                                 output_padding=self.output_padding, dilation=self.dilation, method="zero_insertion")
        else:
            y = conv2d(x[None, None], w[None, None], stride=self.stride, padding=self.padding,
                       dilation=self.dilation, method="sliding_window")
        return y[0, 0]

    def stamp_counts(self, pixels: int | None = None) -> np.ndarray:
        """Stamps each canvas cell has received after input pixels ``0 .. pixels - 1`` (row by row).

        A transposed convolution of ones (the first ``pixels`` input pixels; all of
        them by default) with an all-ones kernel, before ``padding`` is cropped:
        the numbers the scatter diagram writes.

        >>> ConvSpec(3, 3, stride=2, padding=1, transposed=True).stamp_counts()[:3, :3]
        array([[1., 1., 2.],
               [1., 1., 2.],
               [2., 2., 4.]])
        """
        canvas = self.canvas()
        h, w = self.input_size
        n = h * w if pixels is None else pixels
        if not 0 <= n <= h * w:
            raise ValueError(f"pixels={pixels!r} must be in range(0, {h * w + 1}) (input is {h}×{w})")
        ones = (np.arange(h * w) < n).astype(np.float64).reshape(1, 1, h, w)
        y = conv_transpose2d(ones, np.ones((1, 1, *self.kernel_size)), stride=self.stride, dilation=self.dilation)
        out = np.zeros(canvas.shape)
        out[: y.shape[2], : y.shape[3]] = y[0, 0, : canvas.shape[0], : canvas.shape[1]]
        return out

    # ---------------------------------------------------------------- text
    def describe(self) -> str:
        """One line: ``'5×5 input, 3×3 kernel, stride 2, padding 1 → 3×3 output'``."""

        def sq(p: Pair) -> str:
            return f"{p[0]}×{p[1]}"

        def one(p: Pair) -> str:
            return str(p[0]) if p[0] == p[1] else f"({p[0]}, {p[1]})"

        parts = [f"{sq(self.input_size)} input", f"{sq(self.kernel_size)} kernel"]
        if self.stride != (1, 1):
            parts.append(f"stride {one(self.stride)}")
        if self.padding != (0, 0):
            parts.append(f"padding {one(self.padding)}")
        if self.dilation != (1, 1):
            parts.append(f"dilation {one(self.dilation)}")
        if self.output_padding != (0, 0):
            parts.append(f"output_padding {one(self.output_padding)}")
        kind = "transposed " if self.transposed else ""
        return f"{kind}{', '.join(parts)} → {sq(self.output_size)} output"

    def formula(self, dim: int = 0) -> str:
        """The output-size formula with this spec's numbers filled in (one dimension).

        >>> print(ConvSpec(5, 3, stride=2, padding=1).formula())
        o = ⌊(i + 2p − d(k−1) − 1) / s⌋ + 1 = ⌊(5 + 2·1 − 1·(3−1) − 1) / 2⌋ + 1 = 3
        >>> print(ConvSpec(3, 3, stride=2, padding=1, output_padding=1, transposed=True).formula())
        o = (i−1)·s − 2p + d(k−1) + output_padding + 1 = (3−1)·2 − 2·1 + 1·(3−1) + 1 + 1 = 6
        """
        if dim not in (0, 1):
            raise ValueError(f"dim={dim!r} must be 0 (height) or 1 (width)")
        i, k, s = self.input_size[dim], self.kernel_size[dim], self.stride[dim]
        p, d, op = self.padding[dim], self.dilation[dim], self.output_padding[dim]
        o = self.output_size[dim]
        if self.transposed:
            return (
                "o = (i−1)·s − 2p + d(k−1) + output_padding + 1 = "
                f"({i}−1)·{s} − 2·{p} + {d}·({k}−1) + {op} + 1 = {o}"
            )
        return f"o = ⌊(i + 2p − d(k−1) − 1) / s⌋ + 1 = ⌊({i} + 2·{p} − {d}·({k}−1) − 1) / {s}⌋ + 1 = {o}"

    def torch_kwargs(self) -> dict[str, Pair]:
        """Keyword arguments for ``torch.nn.functional.conv2d`` / ``conv_transpose2d``."""
        kw: dict[str, Pair] = {"stride": self.stride, "padding": self.padding, "dilation": self.dilation}
        if self.transposed:
            kw["output_padding"] = self.output_padding
        return kw


def classic_set() -> dict[str, ConvSpec]:
    """The settings of vdumoulin/conv_arithmetic's animations, plus dilated transposed.

    Direct: no padding/no strides, arbitrary padding, same (half) padding, full
    padding, strides without and with padding (even and odd input), dilation;
    then every one's transposed counterpart (which restores the direct input size,
    with ``output_padding`` where the stride leaves a remainder).

    Introduced in 01_convolution.ipynb.

    >>> specs = classic_set()
    >>> len(specs), specs["padding_strides_odd_transposed"].output_padding
    (16, (1, 1))
    """
    direct = [
        ConvSpec(4, 3, name="no_padding_no_strides"),
        ConvSpec(5, 4, padding=2, name="arbitrary_padding_no_strides"),
        ConvSpec(5, 3, padding=1, name="same_padding_no_strides"),
        ConvSpec(5, 3, padding=2, name="full_padding_no_strides"),
        ConvSpec(5, 3, stride=2, name="no_padding_strides"),
        ConvSpec(5, 3, stride=2, padding=1, name="padding_strides"),
        ConvSpec(6, 3, stride=2, padding=1, name="padding_strides_odd"),
        ConvSpec(7, 3, dilation=2, name="dilation"),
    ]
    out: dict[str, ConvSpec] = {s.name: s for s in direct}
    out.update({t.name: t for t in (s.transpose() for s in direct)})
    return out


__all__ = ["ConvSpec", "Grid", "ScatterCanvas", "classic_set"]
