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

from ._checks import check_output_padding, nonnegative, positive
from .shapes import (
    TransposedEquivalent,
    conv_output_size,
    conv_transpose_output_size,
    effective_kernel_size,
    transposed_equivalent,
)

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


def _pair(value: Any, name: str, *, minimum: int) -> Pair:
    out = (positive if minimum == 1 else nonnegative)(value, 2, name)
    return (out[0], out[1])


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
        if not isinstance(transposed, (bool, np.bool_)):
            raise TypeError(f"transposed={transposed!r} must be True or False")
        values = {
            "input_size": _pair(input_size, "input_size", minimum=1),
            "kernel_size": _pair(kernel_size, "kernel_size", minimum=1),
            "stride": _pair(stride, "stride", minimum=1),
            "padding": _pair(padding, "padding", minimum=0),
            "dilation": _pair(dilation, "dilation", minimum=1),
            "transposed": bool(transposed),
            "output_padding": _pair(output_padding, "output_padding", minimum=0),
            "name": str(name),
        }
        for key, value in values.items():
            object.__setattr__(self, key, value)
        if not self.transposed and any(self.output_padding):
            raise ValueError(
                f"output_padding={output_padding!r} only applies to a transposed convolution (transposed=True)"
            )
        if self.transposed:
            check_output_padding(self.output_padding, self.stride, self.dilation)
        self.output_size  # noqa: B018 - raises ValueError (with the computed size) if the output is empty

    # ----------------------------------------------------------------- sizes
    @property
    def output_size(self) -> Pair:
        """Output size from :mod:`convlib.shapes` (what torch returns)."""
        if self.transposed:
            out = conv_transpose_output_size(
                self.input_size, self.kernel_size, self.stride, self.padding, self.output_padding, self.dilation
            )
        else:
            out = conv_output_size(self.input_size, self.kernel_size, self.stride, self.padding, self.dilation)
        return (int(out[0]), int(out[1]))

    @property
    def effective_kernel_size(self) -> Pair:
        """Extent of the dilated kernel, ``d(k-1)+1``."""
        out = effective_kernel_size(self.kernel_size, self.dilation)
        return (int(out[0]), int(out[1]))

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
        extra = tuple(
            (i + 2 * p - ke) % s
            for i, p, ke, s in zip(self.input_size, self.padding, self.effective_kernel_size, self.stride)
        )
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

    def footprint(self, position: int | Cell) -> tuple[Cell, Cell]:
        """Top-left and bottom-right grid cells of the dilated kernel's window at ``position``."""
        taps = self.taps(position)
        return taps[0], taps[-1]

    def canvas(self) -> ScatterCanvas:
        """Geometry of the scatter view of a transposed spec (uncropped canvas and crop)."""
        if not self.transposed:
            raise ValueError("canvas() is defined for transposed specs only (transposed=False here)")
        full = tuple((i - 1) * s + ke for i, s, ke in zip(self.input_size, self.stride, self.effective_kernel_size))
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
        """Compute the output exactly as the diagram shows it: slide the kernel over :meth:`grid`.

        Single channel, no bias; a teaching loop (one dot product per output position).
        Equals ``torch.nn.functional.conv2d`` (or ``conv_transpose2d``) with this spec.
        """
        x = np.asarray(x, dtype=np.float64)
        if x.shape != self.input_size:
            raise ValueError(f"x with shape {x.shape} must have shape input_size={self.input_size}")
        k = np.asarray(self.kernel_as_drawn(weight), dtype=np.float64).ravel()
        grid = self.grid().values(x)
        out = np.zeros(self.output_size)
        for pos in self.positions():
            out[pos] = sum(k[t] * grid[cell] for t, cell in enumerate(self.taps(pos)))
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
