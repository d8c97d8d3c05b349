"""A layer's geometry as a value: kernel size, stride, padding, dilation.

Receptive fields, utilization maps and the HDC check only need the geometry of
each layer, not its weights. :class:`Layer` holds it (ints, or per-dimension
tuples like torch's ``(3, 3)``); :func:`as_layers` also accepts the plain
``(k, s, p)`` / ``(k, s, p, d)`` tuples used on the blackboard. Pooling layers
use the same spec (``kind="pool"``).

Introduced in 03_receptive_field.ipynb.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import KW_ONLY, dataclass
from typing import Any

from .validate import flag, integer, ints, is_int, one_of, only_transposed, output_padding_rule, padding_word, same_needs_stride_one
from .shapes import conv_output_size, conv_transpose_output_size, effective_kernel_size, same_padding

IntOrTuple = int | tuple[int, ...]

#: What a layer does with its window: a convolution, a pooling window, or a transposed convolution.
KINDS = ("conv", "pool", "transposed")


def _norm(value: Any, name: str, minimum: int) -> IntOrTuple:
    """An int >= minimum, or a non-empty tuple of them (lists become tuples)."""
    if is_int(value):
        return integer(value, name, minimum)
    return ints(value, None, name, minimum)


@dataclass(frozen=True)
class Layer:
    """Geometry of one convolution or pooling layer.

    Parameters
    ----------
    kernel_size, stride, dilation : int or tuple of int
        Positive integers, one per spatial dimension when given as tuples.
    padding : int, tuple of int, ``'same'`` or ``'valid'``
        Zero padding on each side (torch's convention). ``'valid'`` is stored as 0;
        ``'same'`` (stride 1 only) pads ``d(k-1)`` in total, the odd extra on the far side.
    kind : {'conv', 'pool', 'transposed'}
        Pooling windows have the same geometry as convolutions; ``'transposed'``
        marks a transposed convolution (its ``padding`` crops the output).
    output_padding : int or tuple of int
        Transposed layers only (torch's rule: smaller than stride or dilation).
    ceil_mode : bool
        Pooling only: round the output size up, like torch's ``ceil_mode``.
    name : str, optional
        A label for tables (``'conv1_1'``, ``'features.0: Conv2d'``).

    Introduced in 03_receptive_field.ipynb.

    Examples
    --------
    >>> Layer(3, stride=2, padding=1)
    Layer(kernel_size=3, stride=2, padding=1)
    >>> Layer(3, dilation=2).effective_kernel_size
    5
    >>> Layer((3, 1), padding=(1, 0)).ndim
    2
    """

    kernel_size: IntOrTuple
    stride: IntOrTuple = 1
    padding: IntOrTuple | str = 0
    dilation: IntOrTuple = 1
    _: KW_ONLY
    kind: str = "conv"
    output_padding: IntOrTuple = 0
    ceil_mode: bool = False
    name: str | None = None

    def __post_init__(self) -> None:
        put = object.__setattr__
        one_of(self.kind, "kind", KINDS)
        put(self, "kernel_size", _norm(self.kernel_size, "kernel_size", 1))
        put(self, "stride", _norm(self.stride, "stride", 1))
        put(self, "dilation", _norm(self.dilation, "dilation", 1))
        put(self, "output_padding", _norm(self.output_padding, "output_padding", 0))
        if isinstance(self.padding, str):
            put(self, "padding", 0 if padding_word(self.padding) == "valid" else "same")
        else:
            put(self, "padding", _norm(self.padding, "padding", 0))
        flag(self.ceil_mode, "ceil_mode")
        if self.name is not None and not isinstance(self.name, str):
            raise TypeError(f"name={self.name!r} must be a string or None")

        lengths = {
            f: len(getattr(self, f))
            for f in ("kernel_size", "stride", "padding", "dilation", "output_padding")
            if isinstance(getattr(self, f), tuple)
        }
        if len(set(lengths.values())) > 1:
            shown = ", ".join(f"{f}={getattr(self, f)!r}" for f in lengths)
            raise ValueError(f"per-dimension arguments must have the same length: {shown}")
        put(self, "_ndim", next(iter(lengths.values()), None))

        n = self.ndim or 1
        if self.padding == "same":
            if self.kind != "conv":
                raise ValueError(f"padding='same' is only defined for convolutions, not kind={self.kind!r}")
            same_needs_stride_one(self.stride)
        if self.kind == "transposed":
            output_padding_rule(self.per_axis("output_padding", n), self.per_axis("stride", n),
                                self.per_axis("dilation", n))
        else:
            only_transposed(self.output_padding)
        if self.ceil_mode and self.kind != "pool":
            raise ValueError(f"ceil_mode=True is only defined for kind='pool', not kind={self.kind!r}")

    # -- views -----------------------------------------------------------------
    def per_axis(self, field: str, ndim: int) -> tuple[int, ...]:
        """One value of ``field`` per spatial axis (an int repeats; ``'same'`` padding gives the near side).

        >>> Layer(3, 2, 1).per_axis("stride", 2)
        (2, 2)
        >>> Layer(4, padding="same").per_axis("padding", 1)
        (1,)
        """
        value = getattr(self, field)
        if field == "padding" and value == "same":
            value = self.near_padding
        return value if isinstance(value, tuple) else (value,) * ndim

    @property
    def ndim(self) -> int | None:
        """Number of spatial dimensions fixed by tuple arguments (None: any, the ints repeat)."""
        return self._ndim

    @property
    def effective_kernel_size(self) -> IntOrTuple:
        """Extent of the dilated window, ``d(k-1)+1``."""
        k, d = self.kernel_size, self.dilation
        if isinstance(k, tuple) or isinstance(d, tuple):
            n = self.ndim
            return effective_kernel_size(self.per_axis("kernel_size", n), self.per_axis("dilation", n))
        return effective_kernel_size(k, d)

    @property
    def near_padding(self) -> IntOrTuple:
        """Padding before the first input pixel (what receptive fields use); resolves ``'same'``."""
        if self.padding != "same":
            return self.padding
        n = self.ndim
        if n is None:
            return same_padding(self.kernel_size, self.dilation)[0]
        pairs = same_padding(self.per_axis("kernel_size", n), self.per_axis("dilation", n))
        return tuple(before for before, _ in pairs)

    def along(self, ndim: int) -> tuple[Layer, ...]:
        """The layer as ``ndim`` one-dimensional layers (one per spatial axis).

        >>> [l.kernel_size for l in Layer((3, 1)).along(2)]
        [3, 1]
        """
        own = self.ndim
        if own is not None and own != ndim:
            raise ValueError(f"{self!r} has {own} spatial dimension(s), not {ndim}")
        if own is None:  # plain ints: the same layer along every axis
            return (self,) * ndim
        cols = {f: self.per_axis(f, ndim) for f in ("kernel_size", "stride", "dilation", "output_padding")}
        pads = ["same"] * ndim if self.padding == "same" else list(self.per_axis("padding", ndim))
        out = []
        for i in range(ndim):
            one = object.__new__(Layer)  # every value was validated by this layer already
            object.__setattr__(one, "_ndim", None)
            for f, v in (
                ("kernel_size", cols["kernel_size"][i]), ("stride", cols["stride"][i]), ("padding", pads[i]),
                ("dilation", cols["dilation"][i]), ("kind", self.kind), ("output_padding", cols["output_padding"][i]),
                ("ceil_mode", self.ceil_mode), ("name", self.name),
            ):
                object.__setattr__(one, f, v)
            out.append(one)
        return tuple(out)

    def output_size(self, input_size: IntOrTuple) -> IntOrTuple:
        """Size of this layer's output for an input of ``input_size`` (see :mod:`convlib.shapes`).

        >>> Layer(3, 2, 1).output_size(7)
        4
        >>> Layer(2, 2, kind="pool", ceil_mode=True).output_size(7)
        4
        """
        if self.kind == "transposed":
            return conv_transpose_output_size(
                input_size, self.kernel_size, self.stride, self.padding, self.output_padding, self.dilation
            )
        return conv_output_size(
            input_size, self.kernel_size, self.stride, self.padding, self.dilation, ceil_mode=self.ceil_mode
        )

    def __repr__(self) -> str:
        parts = [f"kernel_size={self.kernel_size!r}", f"stride={self.stride!r}", f"padding={self.padding!r}"]
        if self.dilation not in (1, (1,) * (self.ndim or 0)):
            parts.append(f"dilation={self.dilation!r}")
        if self.kind != "conv":
            parts.append(f"kind={self.kind!r}")
        if self.output_padding not in (0, (0,) * (self.ndim or 0)):
            parts.append(f"output_padding={self.output_padding!r}")
        if self.ceil_mode:
            parts.append("ceil_mode=True")
        if self.name is not None:
            parts.append(f"name={self.name!r}")
        return f"Layer({', '.join(parts)})"


def as_layer(spec: Any, where: str = "layer") -> Layer:
    """A :class:`Layer` from a Layer or a ``(k, s, p)`` / ``(k, s, p, d)`` tuple.

    Introduced in 03_receptive_field.ipynb.

    >>> as_layer((3, 2, 1))
    Layer(kernel_size=3, stride=2, padding=1)
    """
    if isinstance(spec, Layer):
        return spec
    if isinstance(spec, (tuple, list)) and 1 <= len(spec) <= 4:
        try:
            return Layer(*spec)
        except (TypeError, ValueError) as err:
            raise type(err)(f"{where}={spec!r}: {err}") from None
    raise TypeError(
        f"{where}={spec!r} must be a convlib.Layer or a (kernel_size, stride, padding[, dilation]) tuple"
    )


def as_layers(layers: Any) -> tuple[Layer, ...]:
    """Normalise a stack of layer specs (Layers or tuples), first layer = nearest the input.

    Introduced in 03_receptive_field.ipynb.

    >>> as_layers([(3, 1, 1), Layer(2, 2, kind="pool")])[1].kind
    'pool'
    """
    if isinstance(layers, (Layer, str)) or not isinstance(layers, Iterable):
        raise TypeError(f"layers={layers!r} must be a sequence of convlib.Layer or (k, s, p[, d]) tuples")
    out = tuple(as_layer(spec, f"layers[{i}]") for i, spec in enumerate(layers))
    if not out:
        raise ValueError("layers=[] must contain at least one layer")
    return out


def common_ndim(layers: Sequence[Layer]) -> int | None:
    """Spatial dimensions shared by a stack (None when every layer uses plain ints).

    Introduced in 03_receptive_field.ipynb.
    """
    found: tuple[int, int] | None = None
    for i, layer in enumerate(layers):
        n = layer.ndim
        if n is None:
            continue
        if found is None:
            found = (i, n)
        elif n != found[1]:
            raise ValueError(
                f"layers[{i}] has {n} spatial dimension(s) but layers[{found[0]}] has {found[1]}: {layer!r}"
            )
    return None if found is None else found[1]


def vgg16_features() -> tuple[Layer, ...]:
    """Geometry of VGG-16's ``features`` (13 convolutions 3×3/1/1, 5 max-pools 2×2/2).

    Simonyan & Zisserman (2015), configuration D. The receptive field of ``pool5``
    is 212 pixels with an effective stride of 32.

    Introduced in 03_receptive_field.ipynb.

    >>> [l.name for l in vgg16_features()][:3]
    ['conv1_1', 'conv1_2', 'pool1']
    """
    out: list[Layer] = []
    for block, n_convs in enumerate((2, 2, 3, 3, 3), start=1):
        out += [Layer(3, 1, 1, name=f"conv{block}_{i}") for i in range(1, n_convs + 1)]
        out.append(Layer(2, 2, 0, kind="pool", name=f"pool{block}"))
    return tuple(out)


__all__ = ["KINDS", "Layer", "as_layer", "as_layers", "common_ndim", "vgg16_features"]
