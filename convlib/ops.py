"""Building blocks the chapters take apart: padding, zero insertion, dilated kernels.

All three work on the *last* axes of an array (the spatial ones), so the same
call serves a single image ``(H, W)``, an unbatched ``(C, H, W)`` and a batched
``(N, C, H, W)`` array.

Introduced in 01_convolution.ipynb (padding), 06_transposed_convolution.ipynb
(zero insertion) and 02_dilated_convolution.ipynb (dilated kernels).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .validate import ints, is_int, one_of

#: padding modes, torch's names -> numpy.pad's names
PAD_MODES = {"zeros": "constant", "constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def _spatial_axes(x: np.ndarray, arg: Any, name: str) -> int:
    """How many trailing axes an int-or-tuple argument addresses (int: 2, or 1 for a 1-D array)."""
    if is_int(arg):
        n = 1 if x.ndim == 1 else 2
    elif isinstance(arg, (tuple, list)):
        n = len(arg)
    else:
        raise TypeError(f"{name}={arg!r} must be an int or a sequence of ints")
    if not 1 <= n <= x.ndim:
        raise ValueError(f"{name}={arg!r} addresses {n} trailing axes, but the array has shape {x.shape}")
    return n


def _pad_pairs(x: np.ndarray, padding: Any) -> tuple[tuple[int, int], ...]:
    """Normalise ``padding`` to one ``(before, after)`` pair per padded trailing axis."""
    if isinstance(padding, (tuple, list)) and padding and all(isinstance(p, (tuple, list)) for p in padding):
        if any(len(p) != 2 for p in padding):
            raise ValueError(f"padding={padding!r}: every per-dimension entry must be a (before, after) pair")
        pairs = tuple(ints(p, 2, "padding") for p in padding)
    else:
        n = _spatial_axes(x, padding, "padding")
        pairs = tuple((p, p) for p in ints(padding, n, "padding"))
    if len(pairs) > x.ndim:
        raise ValueError(f"padding={padding!r} pads {len(pairs)} axes, but the array has shape {x.shape}")
    return pairs


def pad2d(x: Any, padding: Any, mode: str = "zeros", value: float = 0.0) -> np.ndarray:
    """Pad the trailing (spatial) axes of ``x``, with torch's padding modes.

    ``padding`` is given per axis **in axis order** (like ``numpy.pad``):

    * ``p`` -- ``p`` on every side of the last two axes (the last axis only, for a 1-D ``x``);
    * ``(ph, pw)`` -- ``ph`` above and below, ``pw`` left and right;
    * ``((top, bottom), (left, right))`` -- each side separately.

    Note that ``torch.nn.functional.pad`` lists the *last* axis first:
    ``F.pad(x, (left, right, top, bottom))``. A tuple of length 1 or 3 pads the
    last 1 or 3 axes.

    ``mode`` is one of torch's names: ``'zeros'`` (or ``'constant'``, filled with
    ``value``), ``'reflect'`` (mirror without repeating the edge; pad must be
    smaller than the axis), ``'replicate'`` (repeat the edge) and ``'circular'``
    (wrap around; pad at most the axis length). Negative padding crops, in
    ``'zeros'``/``'constant'`` mode only.

    Introduced in 01_convolution.ipynb.

    Examples
    --------
    >>> pad2d(np.array([[1, 2], [3, 4]]), 1)
    array([[0, 0, 0, 0],
           [0, 1, 2, 0],
           [0, 3, 4, 0],
           [0, 0, 0, 0]])
    >>> pad2d(np.array([[1, 2, 3]]), ((0, 0), (2, 1)), mode="reflect")
    array([[3, 2, 1, 2, 3, 2]])
    """
    x = np.asarray(x)
    one_of(mode, "mode", tuple(PAD_MODES))
    pairs = _pad_pairs(x, padding)
    axes = range(x.ndim - len(pairs), x.ndim)
    if mode in ("zeros", "constant"):
        lead = x.ndim - len(pairs)
        for (b, a), ax in zip(pairs, axes):
            if x.shape[ax] - max(-b, 0) - max(-a, 0) < 0:
                raise ValueError(f"padding={padding!r} crops more than the {x.shape[ax]} elements of axis {ax}")
        x = x[(Ellipsis,) + tuple(slice(max(-b, 0), x.shape[ax] - max(-a, 0)) for (b, a), ax in zip(pairs, axes))]
        pos = [(max(b, 0), max(a, 0)) for b, a in pairs]
        shape = x.shape[:lead] + tuple(n + b + a for n, (b, a) in zip(x.shape[lead:], pos))
        out = np.zeros(shape, x.dtype) if value == 0 else np.full(shape, value, x.dtype)
        out[(Ellipsis,) + tuple(slice(b, b + n) for n, (b, _) in zip(x.shape[lead:], pos))] = x
        return out
    for (b, a), ax in zip(pairs, axes):
        n = x.shape[ax]
        if b < 0 or a < 0:
            raise ValueError(f"padding={padding!r} is negative; cropping works only with mode='zeros'")
        if mode == "reflect" and max(b, a) >= n:
            raise ValueError(
                f"padding={padding!r} with mode='reflect' must be smaller than the input size {n} of axis {ax}"
            )
        if mode == "circular" and max(b, a) > n:
            raise ValueError(
                f"padding={padding!r} with mode='circular' must be at most the input size {n} of axis {ax} "
                "(it would wrap around more than once)"
            )
        if mode == "replicate" and n == 0 and (a or b):
            raise ValueError(f"mode='replicate' cannot pad the empty axis {ax}")
    return np.pad(x, [(0, 0)] * (x.ndim - len(pairs)) + list(pairs), mode=PAD_MODES[mode])


def insert_zeros(x: Any, stride: Any) -> np.ndarray:
    """Insert ``stride - 1`` zeros between neighbouring elements of the trailing axes.

    This is the first step of the transposed-convolution recipe: a stride-``s``
    transposed convolution is a stride-1 convolution over the input "stretched"
    this way. An int ``stride`` acts on the last two axes (the last one for a 1-D
    ``x``); a tuple acts on as many trailing axes as it has entries. Size ``n``
    becomes ``(n - 1) * stride + 1``.

    Introduced in 06_transposed_convolution.ipynb.

    Examples
    --------
    >>> insert_zeros(np.array([[1, 2], [3, 4]]), 2)
    array([[1, 0, 2],
           [0, 0, 0],
           [3, 0, 4]])
    >>> insert_zeros(np.array([1, 2, 3]), 3)
    array([1, 0, 0, 2, 0, 0, 3])
    """
    x = np.asarray(x)
    n = _spatial_axes(x, stride, "stride")
    strides = ints(stride, n, "stride", 1)
    lead = x.shape[: x.ndim - n]
    sizes = x.shape[x.ndim - n:]
    out = np.zeros(lead + tuple(max((m - 1) * s + 1, 0) for m, s in zip(sizes, strides)), dtype=x.dtype)
    out[(Ellipsis,) + tuple(slice(None, None, s) for s in strides)] = x
    return out


def dilate_kernel(w: Any, dilation: Any) -> np.ndarray:
    """The zero-filled kernel of a dilated convolution: ``dilation - 1`` zeros between taps.

    Convolving with ``dilate_kernel(w, d)`` (dilation 1) equals convolving with
    ``w`` and ``dilation=d``; a ``k``-tap kernel grows to the effective size
    ``d * (k - 1) + 1``. It is the same operation as :func:`insert_zeros`,
    applied to the kernel instead of the input. An int acts on the last two axes
    (the last one for a 1-D ``w``), a tuple on as many trailing axes as it has entries.

    Introduced in 02_dilated_convolution.ipynb.

    Examples
    --------
    >>> dilate_kernel(np.array([[1, 2], [3, 4]]), 3)
    array([[1, 0, 0, 2],
           [0, 0, 0, 0],
           [0, 0, 0, 0],
           [3, 0, 0, 4]])
    """
    w = np.asarray(w)
    n = _spatial_axes(w, dilation, "dilation")
    return insert_zeros(w, ints(dilation, n, "dilation", 1))


__all__ = ["PAD_MODES", "dilate_kernel", "insert_zeros", "pad2d"]
