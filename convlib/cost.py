"""What a convolution costs: parameters and multiply-accumulates (MACs).

A convolution layer with ``C_in`` input channels, ``C_out`` output channels,
``groups`` groups and a ``kH x kW`` kernel holds ``C_out * (C_in/groups) * kH * kW``
weights (+ ``C_out`` biases). Every output value is one dot product of
``(C_in/groups) * kH * kW`` products, so a layer performs

    MACs = C_out * (C_in/groups) * kH * kW * (number of output positions)

multiply-accumulates. Depthwise-separable convolution (Xception, MobileNet)
replaces one standard convolution by a depthwise one (``groups = C_in``) and a
pointwise one (``1 x 1``), which is where its savings come from.

Conventions
-----------
* Multiplications by padding zeros are counted (every framework performs them).
* A transposed convolution is counted as its scatter: every input pixel stamps
  the kernel once, ``C_in * (C_out/groups) * kH * kW * (input positions)`` MACs,
  whatever its ``padding`` (stamps landing in the cropped border are counted too).
  This equals the MACs of the forward convolution it transposes.
* Bias additions are not MACs (they are listed as parameters only).

Introduced in 08_depthwise_separable.ipynb.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod
from typing import Any

from .shapes import conv_output_size, conv_transpose_output_size
from .validate import divisible, flag, integer, ints, only_transposed, padding_word, same_length

IntOrTuple = int | tuple[int, ...]


@dataclass(frozen=True)
class ConvCost:
    """Parameter and MAC count of one convolution layer.

    Attributes
    ----------
    kind : str
        ``"standard"``, ``"grouped"``, ``"depthwise"``, ``"pointwise"`` or ``"transposed"``.
    in_channels, out_channels, groups : int
    kernel_size : tuple of int
    output_size : tuple of int
        Spatial size of the layer's output (``()`` when no input size was given).
    weights, biases : int
        Parameter counts; ``params = weights + biases``.
    macs_per_position : int
        Multiply-accumulates that produce the output channels at one output position
        (for a transposed convolution: that one input pixel scatters).
    macs : int or None
        Total multiply-accumulates for one input (``None`` without an input size).
    """

    kind: str
    in_channels: int
    out_channels: int
    groups: int
    kernel_size: tuple[int, ...]
    output_size: tuple[int, ...]
    weights: int
    biases: int
    macs_per_position: int
    macs: int | None

    @property
    def params(self) -> int:
        """Total number of learnable parameters (weights + biases)."""
        return self.weights + self.biases

    def __str__(self) -> str:
        k = "×".join(map(str, self.kernel_size))
        head = f"{self.kind} {k} conv {self.in_channels}→{self.out_channels}"
        if self.groups > 1:
            head += f" (groups={self.groups})"
        macs = f"{self.macs:,} MACs" if self.macs is not None else f"{self.macs_per_position:,} MACs per position"
        return f"{head}: {self.params:,} parameters, {macs}"


@dataclass(frozen=True)
class SeparableCost:
    """Cost of a depthwise-separable convolution next to the standard one it replaces.

    Attributes
    ----------
    depthwise, pointwise : ConvCost
        The two layers (``k x k`` with ``groups = C_in``, then ``1 x 1``).
    standard : ConvCost
        The standard ``k x k`` convolution with the same in/out channels and output size.
    """

    depthwise: ConvCost
    pointwise: ConvCost
    standard: ConvCost

    @property
    def params(self) -> int:
        """Parameters of depthwise + pointwise."""
        return self.depthwise.params + self.pointwise.params

    @property
    def macs(self) -> int | None:
        """MACs of depthwise + pointwise (``None`` without an input size)."""
        if self.depthwise.macs is None or self.pointwise.macs is None:
            return None
        return self.depthwise.macs + self.pointwise.macs

    @property
    def mac_ratio(self) -> float | None:
        """``separable MACs / standard MACs`` (= ``1/C_out + 1/(k_h k_w)`` for a depth multiplier of 1)."""
        if self.macs is None or self.standard.macs is None:
            return None
        return self.macs / self.standard.macs

    @property
    def param_ratio(self) -> float:
        """``separable parameters / standard parameters``."""
        return self.params / self.standard.params

    def __str__(self) -> str:
        lines = [f"depthwise : {self.depthwise}", f"pointwise : {self.pointwise}", f"standard  : {self.standard}"]
        if self.macs is not None:
            lines.append(
                f"separable total: {self.params:,} parameters, {self.macs:,} MACs "
                f"({self.mac_ratio:.1%} of the standard convolution's MACs)"
            )
        else:
            lines.append(f"separable total: {self.params:,} parameters ({self.param_ratio:.1%} of standard)")
        return "\n".join(lines)


def conv_cost(
    in_channels: int,
    out_channels: int,
    kernel_size: IntOrTuple,
    input_size: IntOrTuple | None = None,
    *,
    stride: IntOrTuple = 1,
    padding: IntOrTuple | str = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
    bias: bool = True,
    transposed: bool = False,
    output_padding: IntOrTuple = 0,
) -> ConvCost:
    """Parameters and MACs of one convolution (``nn.Conv2d`` / ``nn.ConvTranspose2d`` semantics).

    Introduced in 08_depthwise_separable.ipynb.

    Parameters
    ----------
    in_channels, out_channels : int
        Both must be divisible by ``groups``.
    kernel_size : int or tuple
        An int means a square kernel (2-D); a tuple gives one size per spatial dimension.
    input_size : int or tuple, optional
        Spatial input size; without it only ``macs_per_position`` is known.
    stride, padding, dilation, output_padding :
        As in torch. ``padding`` may be ``'valid'`` or ``'same'`` for a direct convolution.
    groups : int
    bias : bool
    transposed : bool
        Count a transposed convolution (weights ``C_in x C_out/groups x k``; MACs as scatter).

    Returns
    -------
    ConvCost

    Examples
    --------
    The source's standard convolution: 12×12×3 input, 256 kernels of 5×5, no padding.

    >>> c = conv_cost(3, 256, 5, 12)
    >>> c.output_size, c.weights, c.macs
    ((8, 8), 19200, 1228800)
    """
    cin, cout = integer(in_channels, "in_channels", 1), integer(out_channels, "out_channels", 1)
    g = integer(groups, "groups", 1)
    divisible(cin, g, "in_channels")
    divisible(cout, g, "out_channels")
    flag(bias, "bias")
    flag(transposed, "transposed")
    n = same_length(kernel_size=kernel_size, input_size=input_size, stride=stride, dilation=dilation,
                    output_padding=output_padding, padding=None if isinstance(padding, str) else padding) or 2
    k, s, d = ints(kernel_size, n, "kernel_size", 1), ints(stride, n, "stride", 1), ints(dilation, n, "dilation", 1)
    taps = prod(k)
    weights = cout * (cin // g) * taps
    biases = cout if bias else 0

    if transposed:
        if isinstance(padding, str):
            raise ValueError(f"padding={padding!r}: a transposed convolution takes int or tuple padding")
        p, op = ints(padding, n, "padding", 0), ints(output_padding, n, "output_padding", 0)
        per_position = cin * (cout // g) * taps  # one input pixel scatters into every output channel of its group
        if input_size is None:
            return ConvCost("transposed", cin, cout, g, k, (), weights, biases, per_position, None)
        i = ints(input_size, n, "input_size", 1)
        out = conv_transpose_output_size(i, k, s, p, op, d)
        return ConvCost("transposed", cin, cout, g, k, tuple(out), weights, biases, per_position, per_position * prod(i))

    only_transposed(output_padding)
    pad = padding_word(padding) if isinstance(padding, str) else ints(padding, n, "padding", 0)
    if taps == 1 and g == 1:
        kind = "pointwise"
    elif g == cin and g > 1:
        kind = "depthwise"
    elif g > 1:
        kind = "grouped"
    else:
        kind = "standard"
    per_position = cout * (cin // g) * taps
    if input_size is None:
        return ConvCost(kind, cin, cout, g, k, (), weights, biases, per_position, None)
    i = ints(input_size, n, "input_size", 1)
    out = conv_output_size(i, k, s, pad, d)
    return ConvCost(kind, cin, cout, g, k, tuple(out), weights, biases, per_position, per_position * prod(out))


def conv_params(
    in_channels: int, out_channels: int, kernel_size: IntOrTuple, *, groups: int = 1, bias: bool = True
) -> int:
    """Number of parameters of a (grouped) convolution, ``sum(p.numel() for p in conv.parameters())``.

    Introduced in 08_depthwise_separable.ipynb.

    >>> conv_params(3, 256, 5)
    19456
    >>> conv_params(3, 3, 5, groups=3, bias=False)
    75
    """
    return conv_cost(in_channels, out_channels, kernel_size, groups=groups, bias=bias).params


def conv_macs(
    in_channels: int,
    out_channels: int,
    kernel_size: IntOrTuple,
    input_size: IntOrTuple,
    *,
    stride: IntOrTuple = 1,
    padding: IntOrTuple | str = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
    transposed: bool = False,
    output_padding: IntOrTuple = 0,
) -> int:
    """Multiply-accumulates of one convolution on one input of spatial size ``input_size``.

    Introduced in 08_depthwise_separable.ipynb.

    >>> conv_macs(3, 3, 5, 12, groups=3)  # depthwise 5×5 on 12×12×3
    4800
    >>> conv_macs(3, 256, 1, 8)  # pointwise on the 8×8 result
    49152
    """
    cost = conv_cost(
        in_channels, out_channels, kernel_size, input_size, stride=stride, padding=padding, dilation=dilation,
        groups=groups, transposed=transposed, output_padding=output_padding,
    )
    assert cost.macs is not None
    return cost.macs


def separable_cost(
    in_channels: int,
    out_channels: int,
    kernel_size: IntOrTuple,
    input_size: IntOrTuple | None = None,
    *,
    stride: IntOrTuple = 1,
    padding: IntOrTuple | str = 0,
    dilation: IntOrTuple = 1,
    depth_multiplier: int = 1,
    bias: bool = True,
) -> SeparableCost:
    """Depthwise ``k x k`` (groups = C_in) then pointwise ``1 x 1``, against the standard ``k x k`` conv.

    Stride, padding and dilation belong to the depthwise layer; the pointwise layer runs
    on its output. ``depth_multiplier`` m gives the depthwise layer ``m * C_in`` outputs.

    Introduced in 08_depthwise_separable.ipynb.

    Examples
    --------
    The source's example (its "49512" and "54312" are typos for these numbers):

    >>> c = separable_cost(3, 256, 5, 12, bias=False)
    >>> c.depthwise.macs, c.pointwise.macs, c.macs, c.standard.macs
    (4800, 49152, 53952, 1228800)
    """
    cin = integer(in_channels, "in_channels", 1)
    m = integer(depth_multiplier, "depth_multiplier", 1)
    common = dict(stride=stride, padding=padding, dilation=dilation, bias=bias)
    dw = conv_cost(cin, cin * m, kernel_size, input_size, groups=cin, **common)
    std = conv_cost(cin, out_channels, kernel_size, input_size, **common)
    n = len(dw.kernel_size)
    pw = conv_cost(cin * m, out_channels, (1,) * n, dw.output_size or None, bias=bias)
    return SeparableCost(depthwise=dw, pointwise=pw, standard=std)


# --- which channels meet --------------------------------------------------------------


def group_of(channel: int, channels: int, groups: int) -> int:
    """Group of ``channel`` when ``channels`` channels are split into ``groups`` equal groups.

    Introduced in 09_group_convolution.ipynb.

    >>> [group_of(c, 6, 3) for c in range(6)]
    [0, 0, 1, 1, 2, 2]
    """
    return channel // (channels // groups)


def connections(in_channels: int, out_channels: int, groups: int = 1) -> frozenset[tuple[int, int]]:
    """All ``(input channel, output channel)`` pairs a grouped convolution connects.

    Output channel ``o`` reads the input channels of its own group only.

    Introduced in 09_group_convolution.ipynb.

    >>> sorted(connections(4, 2, groups=2))
    [(0, 0), (1, 0), (2, 1), (3, 1)]
    """
    conv_cost(in_channels, out_channels, 1, groups=groups)  # validates, with the usual messages
    return frozenset(
        (i, o)
        for i in range(in_channels)
        for o in range(out_channels)
        if group_of(i, in_channels, groups) == group_of(o, out_channels, groups)
    )


__all__ = [
    "ConvCost", "SeparableCost", "connections", "conv_cost", "conv_macs", "conv_params", "group_of", "separable_cost",
]
