"""Transposed convolution, three ways the course teaches, plus a fast path.

``conv_transpose2d(x, weight, bias, stride, padding, output_padding, groups, dilation)``
takes torch's arguments in torch's order; ``weight`` has torch's transposed
layout ``(C_in, C_out / groups, kH, kW)``. ``method=`` picks the implementation:

* ``"zero_insertion"`` -- the sources' recipe: insert ``stride - 1`` zeros
  between input pixels, pad by ``dilation (k - 1) - padding`` (plus
  ``output_padding`` on the far side), flip the kernel, run a stride-1 convolution;
* ``"scatter"`` -- every input pixel stamps a weighted copy of the kernel into
  the output (the definition; loops over pixels, for reading not for speed);
* ``"matrix"`` -- multiply by the transpose of the convolution matrix ``C``
  (:func:`convlib.conv_matrix`), for small inputs;
* ``"subpixel"`` -- one stride-1 convolution per output phase: output pixel
  ``stride * R + a`` only meets the taps ``i`` with ``dilation * i = a (mod stride)``,
  so the zeros of the recipe are never multiplied (the "sub-pixel convolution"
  view; all phases share one im2col and one matrix product);
* ``"fast"`` (default) -- no Python loop over pixels: with stride 1 the recipe
  is a plain convolution (no zeros to insert); with a larger stride the
  sub-pixel form when its phase kernels are (nearly) free of zero taps, as for
  ``kernel_size = 2 * stride``, otherwise the scatter done as one matrix product
  ("col2im"), all stamps at once, then one strided add per kernel tap.

All five give the same numbers as ``torch.nn.functional.conv_transpose2d``.

Introduced in 06_transposed_convolution.ipynb.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from ._checks import (
    check_bias,
    check_divisible,
    check_groups,
    check_output_padding,
    nonnegative,
    positive,
    prepare_inputs,
)
from .conv import conv2d, conv2d_im2col
from .matrix import conv_matrix
from .ops import insert_zeros, pad2d
from .shapes import conv_output_size, transposed_equivalent


@dataclass(frozen=True)
class _Args:
    """Validated, normalised arguments of a transposed convolution (x always batched)."""

    x: np.ndarray
    weight: np.ndarray
    bias: np.ndarray | None
    stride: tuple[int, ...]
    padding: tuple[int, ...]
    output_padding: tuple[int, ...]
    groups: int
    dilation: tuple[int, ...]
    out_size: tuple[int, ...]
    unbatched: bool

    def finish(self, y: np.ndarray) -> np.ndarray:
        """Add the bias and drop the batch axis of an unbatched input."""
        if self.bias is not None:
            y = y + self.bias.reshape(-1, *([1] * len(self.out_size)))
        return y[0] if self.unbatched else y


def _transposed_args(
    x: Any, weight: Any, bias: Any, stride: Any, padding: Any, output_padding: Any,
    groups: Any, dilation: Any, nd: int,
) -> _Args:
    """Check everything torch checks, with messages naming parameter, value and rule."""
    x, weight, bias, unbatched = prepare_inputs(x, weight, bias, nd, f"conv_transpose{nd}d")
    stride = positive(stride, nd, "stride")
    dilation = positive(dilation, nd, "dilation")
    padding = nonnegative(padding, nd, "padding")
    output_padding = nonnegative(output_padding, nd, "output_padding")
    groups = check_groups(groups)
    c_in, c_out_per_group = weight.shape[:2]
    kernel_size = weight.shape[2:]
    if c_in < 1 or c_out_per_group < 1 or any(k < 1 for k in kernel_size):
        raise ValueError(f"weight with shape {weight.shape} must have at least one channel each way and one tap")
    check_divisible(c_in, groups, "in_channels (weight.shape[0])")
    if x.shape[1] != c_in:
        raise ValueError(
            f"x has {x.shape[1]} channels, but weight with shape {weight.shape} expects "
            f"in_channels = weight.shape[0] = {c_in} (transposed layout: (C_in, C_out/groups, ...))"
        )
    check_bias(bias, c_out_per_group * groups)
    check_output_padding(output_padding, stride, dilation)
    out_size = []
    for i, k, s, p, op, d in zip(x.shape[2:], kernel_size, stride, padding, output_padding, dilation):
        o = (i - 1) * s - 2 * p + d * (k - 1) + op + 1
        if o < 1 or i < 1:
            raise ValueError(
                f"output size would be {o} < 1: (input size {i} - 1) * stride={s} - 2 * padding={p} "
                f"+ dilation={d} * (kernel_size={k} - 1) + output_padding={op} + 1 = {o}"
            )
        out_size.append(o)
    return _Args(x, weight, bias, stride, padding, output_padding, groups, dilation, tuple(out_size), unbatched)


def flip_kernel(weight: Any, groups: int = 1) -> np.ndarray:
    """The convolution weight a transposed convolution's weight turns into.

    Rotate every kernel by 180 degrees and swap input and output channels within
    each group: ``(C_in, C_out/groups, kH, kW)`` becomes ``(C_out, C_in/groups, kH, kW)``.

    Introduced in 06_transposed_convolution.ipynb.

    Examples
    --------
    >>> flip_kernel(np.array([[[[1, 2], [3, 4]]]]))
    array([[[[4, 3],
             [2, 1]]]])
    """
    weight = np.asarray(weight)
    c_in, c_out_g, *k = weight.shape
    w = weight.reshape(groups, c_in // groups, c_out_g, *k).swapaxes(1, 2)  # swap in/out per group
    w = w.reshape(groups * c_out_g, c_in // groups, *k)
    return w[(Ellipsis,) + (slice(None, None, -1),) * len(k)]  # rotate 180 degrees


def conv_transpose2d_zero_insertion(
    x: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0,
    output_padding: Any = 0, groups: int = 1, dilation: Any = 1,
) -> np.ndarray:
    """Transposed convolution by the sources' recipe: zeros in, pad, flip, stride-1 convolution.

    Arguments as :func:`conv_transpose2d`. The numbers come from
    :func:`convlib.transposed_equivalent`; a negative padding (when
    ``padding > dilation (k - 1)``) crops instead.

    Introduced in 06_transposed_convolution.ipynb.
    """
    a = _transposed_args(x, weight, bias, stride, padding, output_padding, groups, dilation, nd=2)
    eq = transposed_equivalent(a.x.shape[2:], a.weight.shape[2:], a.stride, a.padding, a.output_padding, a.dilation)
    z = insert_zeros(a.x, a.stride)                                # 1. stride-1 zeros between pixels
    z = pad2d(z, tuple(zip(eq.padding, eq.far_padding)))           # 2. pad d(k-1)-p, far side +output_padding
    w = flip_kernel(a.weight, a.groups)                            # 3. flip, swap in/out channels
    y = conv2d(z, w, stride=1, dilation=a.dilation, groups=a.groups)  # 4. a stride-1 convolution
    return a.finish(y)


def conv_transpose2d_scatter(
    x: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0,
    output_padding: Any = 0, groups: int = 1, dilation: Any = 1,
) -> np.ndarray:
    """Transposed convolution by its definition: every input pixel stamps a weighted kernel.

    Input pixel ``(i, j)`` adds ``x[i, j] * kernel`` to the output window that
    starts at ``(i * stride, j * stride)`` (taps ``dilation`` apart); then
    ``padding`` is cut from every border. Loops over pixels: for reading.

    Introduced in 06_transposed_convolution.ipynb.
    """
    a = _transposed_args(x, weight, bias, stride, padding, output_padding, groups, dilation, nd=2)
    n, c_in, h, w = a.x.shape
    _, c_out_g, kh, kw = a.weight.shape
    (sh, sw), (dh, dw), (ph, pw), g = a.stride, a.dilation, a.padding, a.groups
    xg = a.x.reshape(n, g, c_in // g, h, w)
    wg = a.weight.reshape(g, c_in // g, c_out_g, kh, kw)
    full = np.zeros((n, g, c_out_g, ph + a.out_size[0] + ph, pw + a.out_size[1] + pw), dtype=a.x.dtype)
    for i in range(h):
        for j in range(w):
            stamp = np.einsum("ngc,gcokl->ngokl", xg[..., i, j], wg)  # pixel value times kernel
            full[..., i * sh: i * sh + dh * (kh - 1) + 1: dh, j * sw: j * sw + dw * (kw - 1) + 1: dw] += stamp
    full = full.reshape(n, g * c_out_g, *full.shape[3:])
    return a.finish(full[:, :, ph: ph + a.out_size[0], pw: pw + a.out_size[1]])


def conv_transpose2d_matrix(
    x: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0,
    output_padding: Any = 0, groups: int = 1, dilation: Any = 1,
) -> np.ndarray:
    """Transposed convolution as the transpose of the convolution matrix: ``y = C.T @ x``.

    ``C = conv_matrix(...)`` is the matrix of the *forward* convolution from the
    transposed output's shape to ``x``'s shape (same stride, padding, dilation,
    groups and the same weight tensor). For small inputs only.

    Introduced in 06_transposed_convolution.ipynb.
    """
    a = _transposed_args(x, weight, bias, stride, padding, output_padding, groups, dilation, nd=2)
    n, c_in, h, w = a.x.shape
    c_out = a.weight.shape[1] * a.groups
    c = conv_matrix((c_out, *a.out_size), a.weight, a.stride, a.padding, a.dilation, a.groups)
    # with output_padding >= stride the forward convolution has more outputs than x has pixels: keep x's
    h_conv, w_conv = conv_output_size(a.out_size, a.weight.shape[2:], a.stride, a.padding, a.dilation)
    c = c.reshape(c_in, h_conv, w_conv, -1)[:, :h, :w].reshape(c_in * h * w, -1)
    y = a.x.reshape(n, c_in * h * w) @ c  # C.T @ x for every batch element (as rows: x @ C)
    return a.finish(y.reshape(n, c_out, *a.out_size))


def _fast(a: _Args) -> np.ndarray:
    """The fast path (no Python loop over pixels or batch elements).

    Stride 1: the recipe inserts no zeros, so it is a direct convolution with the
    flipped kernel (:func:`convlib.conv.conv2d_im2col`). Larger strides: the
    sub-pixel form (:func:`_subpixel`) when at most ``SUBPIXEL_MAX_WASTE`` times
    the kernel's taps are multiplied, else "col2im", the scatter done at once --
    one matmul per group computes every pixel's weighted kernel copy, then one
    strided add per kernel tap places them all (a depthwise weight always takes
    this path: its sub-pixel matmuls would be tiny).
    """
    n, c_in, h, w = a.x.shape
    _, c_out_g, kh, kw = a.weight.shape
    (sh, sw), (dh, dw), (ph, pw), g = a.stride, a.dilation, a.padding, a.groups
    if sh == sw == 1:
        eq = transposed_equivalent((h, w), (kh, kw), 1, a.padding, a.output_padding, a.dilation)
        z = pad2d(a.x, tuple(zip(eq.padding, eq.far_padding)))  # negative: crop
        return conv2d_im2col(z, flip_kernel(a.weight, g), (1, 1), a.dilation, g)
    if c_in > g and _subpixel_waste((kh, kw), a.stride, a.dilation) <= SUBPIXEL_MAX_WASTE:
        return _subpixel(a)
    full = np.zeros((n, g, c_out_g, ph + a.out_size[0] + ph, pw + a.out_size[1] + pw), dtype=a.x.dtype)
    if c_in == g:  # depthwise: every input channel stamps its own kernels; no matmul needed
        stamps = a.weight[:, :, :, :, None, None] * a.x[:, :, None, None, None]  # (N, G, C_out/G, kH, kW, H, W)
        stamps = stamps.transpose(0, 1, 3, 4, 2, 5, 6)
    else:
        # rows ordered (tap i, tap j, output channel): stamps[n, g, i, j] is then one contiguous
        # (C_out/G, H, W) block, which makes the strided adds below read memory in order
        wt = a.weight.reshape(g, c_in // g, c_out_g, kh, kw).transpose(0, 3, 4, 2, 1)
        wt = wt.reshape(g, kh * kw * c_out_g, c_in // g)
        stamps = np.matmul(wt, a.x.reshape(n, g, c_in // g, h * w))  # (N, G, kH kW C_out/G, H W)
        stamps = stamps.reshape(n, g, kh, kw, c_out_g, h, w)
    for i in range(kh):  # loops over kernel taps only
        for j in range(kw):
            rows = slice(i * dh, i * dh + (h - 1) * sh + 1, sh)
            cols = slice(j * dw, j * dw + (w - 1) * sw + 1, sw)
            full[..., rows, cols] += stamps[:, :, i, j]
    full = full.reshape(n, g * c_out_g, *full.shape[3:])
    return full[:, :, ph: ph + a.out_size[0], pw: pw + a.out_size[1]]


SUBPIXEL_MAX_WASTE = 1.25  # use the sub-pixel path when at most 25% of its weight taps are zeros


def _subpixel_window(kernel_size: tuple[int, ...], stride: tuple[int, ...], dilation: tuple[int, ...]) -> tuple[int, ...]:
    """Input pixels per dimension that reach one output pixel of a strided transposed convolution."""
    return tuple(d * (k - 1) // s + 1 for k, s, d in zip(kernel_size, stride, dilation))


def _subpixel_waste(kernel_size: tuple[int, ...], stride: tuple[int, ...], dilation: tuple[int, ...]) -> float:
    """Weights in the sub-pixel form (``stride * window`` per dimension) over the kernel's real taps."""
    window = _subpixel_window(kernel_size, stride, dilation)
    return float(np.prod([s * m for s, m in zip(stride, window)]) / np.prod(kernel_size))


def subpixel_weight(
    weight: Any, groups: int = 1, stride: int | tuple[int, int] = 1, dilation: int | tuple[int, int] = 1
) -> np.ndarray:
    """The direct-convolution weight of every output phase of a transposed convolution, stacked.

    Output pixel ``y = stride * R + a`` (``0 <= a < stride``, before cropping
    ``padding``) only receives the taps ``i`` with ``dilation * i = a + stride * m``,
    from input pixel ``R - m``. So each of the ``sH * sW`` phases is a stride-1
    convolution of the input with a small kernel (the "sub-pixel convolution"
    view of a transposed convolution).

    Parameters
    ----------
    weight : array, shape (C_in, C_out / groups, kH, kW) -- torch's transposed layout
    groups : int
    stride, dilation : int or (int, int), positive

    Returns
    -------
    array of shape ``(G * sH * sW * C_out/G, C_in/G, mH, mW)`` with
    ``m = dilation (k - 1) // stride + 1``: output channels ordered (group, row
    phase, column phase, channel), taps flipped for cross-correlation, zeros where
    a phase has fewer taps than the window.

    Introduced in 06_transposed_convolution.ipynb.

    Examples
    --------
    >>> subpixel_weight(np.array([[[[1.0, 2.0, 3.0, 4.0]]]]), 1, (1, 2), (1, 1))[:, 0, 0]  # even, odd columns
    array([[3., 1.],
           [4., 2.]])
    """
    weight = np.asarray(weight)
    if weight.ndim != 4:
        raise ValueError(f"weight must have 4 dimensions (C_in, C_out/groups, kH, kW), got shape {weight.shape}")
    groups = check_groups(groups)
    check_divisible(weight.shape[0], groups, "in_channels (weight.shape[0])")
    (sh, sw), (dh, dw) = positive(stride, 2, "stride"), positive(dilation, 2, "dilation")
    c_in, c_out_g, kh, kw = weight.shape
    mh, mw = _subpixel_window((kh, kw), (sh, sw), (dh, dw))
    wg = weight.reshape(groups, c_in // groups, c_out_g, kh, kw)
    phased = np.zeros((groups, sh, sw, c_out_g, c_in // groups, mh, mw), dtype=weight.dtype)
    for i in range(kh):  # loops over kernel taps only
        m, phase_h = divmod(dh * i, sh)  # tap i lands on row phase phase_h, m input rows up
        for j in range(kw):
            l, phase_w = divmod(dw * j, sw)
            phased[:, phase_h, phase_w, :, :, mh - 1 - m, mw - 1 - l] = wg[:, :, :, i, j].transpose(0, 2, 1)
    return phased.reshape(groups * sh * sw * c_out_g, c_in // groups, mh, mw)


def _subpixel(a: _Args) -> np.ndarray:
    """Strided transposed convolution as one stride-1 convolution per output phase, all in one matmul.

    Every phase reads the same ``mH x mW`` input windows, so the phases share one
    im2col and their weights are stacked as extra output channels
    (:func:`subpixel_weight`); one strided copy per phase interleaves the results.
    No Python loop over pixels or batch elements, and no scatter-add.
    """
    n, _, h, w = a.x.shape
    _, c_out_g, kh, kw = a.weight.shape
    (sh, sw), (ph, pw), g = a.stride, a.padding, a.groups
    oh, ow = a.out_size
    mh, mw = _subpixel_window((kh, kw), a.stride, a.dilation)
    rows, cols = -(-(ph + oh) // sh), -(-(pw + ow) // sw)  # phase-grid rows and columns the output needs
    xp = pad2d(a.x, ((mh - 1, max(0, rows - h)), (mw - 1, max(0, cols - w))))
    y = conv2d_im2col(xp, subpixel_weight(a.weight, g, a.stride, a.dilation), (1, 1), (1, 1), g)
    y = y.reshape(n, g, sh, sw, c_out_g, *y.shape[2:])
    out = np.empty((n, g, c_out_g, oh, ow), dtype=y.dtype)
    for phase_h in range(sh):  # loops over the stride x stride phases only
        t0 = (phase_h - ph) % sh  # first output row of this phase
        r0, nr = (t0 + ph) // sh, len(range(t0, oh, sh))
        for phase_w in range(sw):
            u0 = (phase_w - pw) % sw
            q0, nq = (u0 + pw) // sw, len(range(u0, ow, sw))
            out[..., t0::sh, u0::sw] = y[:, :, phase_h, phase_w, :, r0: r0 + nr, q0: q0 + nq]
    return out.reshape(n, g * c_out_g, oh, ow)


def conv_transpose2d_subpixel(
    x: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0,
    output_padding: Any = 0, groups: int = 1, dilation: Any = 1,
) -> np.ndarray:
    """Transposed convolution as ``stride x stride`` interleaved stride-1 convolutions.

    Arguments as :func:`conv_transpose2d`. The zero-insertion recipe multiplies
    most kernel taps by inserted zeros; here each output phase
    ``(y mod stride, x mod stride)`` is computed by a small convolution with
    only the taps that meet real pixels (:func:`subpixel_weight`). With
    ``kernel_size = 2 * stride`` every phase gets an equal share of the taps;
    when ``stride`` does not divide ``kernel_size`` the phases get unequal
    shares, the root of the checkerboard pattern.

    Introduced in 06_transposed_convolution.ipynb.
    """
    a = _transposed_args(x, weight, bias, stride, padding, output_padding, groups, dilation, nd=2)
    return a.finish(_subpixel(a))


METHODS: dict[str, Callable[..., np.ndarray]] = {
    "zero_insertion": conv_transpose2d_zero_insertion,
    "scatter": conv_transpose2d_scatter,
    "matrix": conv_transpose2d_matrix,
    "subpixel": conv_transpose2d_subpixel,
}


def _check_method(method: str) -> None:
    if method != "fast" and method not in METHODS:
        raise ValueError(f"method={method!r} must be one of {('fast', *METHODS)}")


def conv_transpose2d(
    x: Any,
    weight: Any,
    bias: Any = None,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
    output_padding: int | tuple[int, int] = 0,
    groups: int = 1,
    dilation: int | tuple[int, int] = 1,
    *,
    method: str = "fast",
) -> np.ndarray:
    """2-D transposed convolution, exactly like ``torch.nn.functional.conv_transpose2d``.

    Parameters
    ----------
    x : array, shape (N, C_in, H, W) or unbatched (C_in, H, W)
    weight : array, shape (C_in, C_out / groups, kH, kW) -- torch's transposed layout
    bias : array of shape (C_out,), optional
    stride, dilation : int or (int, int), positive
    padding : int or (int, int), non-negative
        Cut from every border of the output (``dilation (k - 1) - padding`` is
        the padding of the equivalent direct convolution).
    output_padding : int or (int, int)
        Extra rows/columns on the far side; must be smaller than ``stride`` or
        than ``dilation`` (torch's rule).
    groups : int
    method : ``"fast"``, ``"zero_insertion"``, ``"scatter"``, ``"matrix"`` or ``"subpixel"``
        Which implementation computes it (see the module docstring); all agree.

    Returns
    -------
    array of shape (N, C_out, H_out, W_out) with
    ``H_out = (H - 1) stride - 2 padding + dilation (kH - 1) + output_padding + 1``.

    Introduced in 06_transposed_convolution.ipynb.

    Examples
    --------
    >>> x = np.array([[[1.0, 2.0], [3.0, 4.0]]])
    >>> conv_transpose2d(x, np.ones((1, 1, 2, 2)), stride=2)   # every pixel stamps a 2x2 block
    array([[[1., 1., 2., 2.],
            [1., 1., 2., 2.],
            [3., 3., 4., 4.],
            [3., 3., 4., 4.]]])
    """
    _check_method(method)
    if method != "fast":
        return METHODS[method](x, weight, bias, stride, padding, output_padding, groups, dilation)
    a = _transposed_args(x, weight, bias, stride, padding, output_padding, groups, dilation, nd=2)
    return a.finish(_fast(a))


def conv_transpose1d(
    x: Any,
    weight: Any,
    bias: Any = None,
    stride: int | tuple[int] = 1,
    padding: int | tuple[int] = 0,
    output_padding: int | tuple[int] = 0,
    groups: int = 1,
    dilation: int | tuple[int] = 1,
    *,
    method: str = "fast",
) -> np.ndarray:
    """1-D transposed convolution, exactly like ``torch.nn.functional.conv_transpose1d``.

    ``x`` has shape (N, C_in, L) or (C_in, L); ``weight`` (C_in, C_out / groups, k).
    It runs as a 2-D transposed convolution over an image of height 1; all other
    arguments as in :func:`conv_transpose2d`.

    Introduced in 06_transposed_convolution.ipynb.

    Examples
    --------
    >>> conv_transpose1d(np.array([[1.0, 2.0]]), np.array([[[1.0, 1.0, 1.0]]]), stride=2)
    array([[1., 1., 3., 2., 2.]])
    """
    _check_method(method)
    a = _transposed_args(x, weight, bias, stride, padding, output_padding, groups, dilation, nd=1)
    fn = METHODS.get(method, conv_transpose2d)
    y = fn(a.x[:, :, None, :], a.weight[:, :, None, :], a.bias, (1, *a.stride), (0, *a.padding),
           (0, *a.output_padding), a.groups, (1, *a.dilation))
    y = y[:, :, 0, :]
    return y[0] if a.unbatched else y


__all__ = [
    "METHODS",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose2d_matrix",
    "conv_transpose2d_scatter",
    "conv_transpose2d_subpixel",
    "conv_transpose2d_zero_insertion",
    "flip_kernel",
    "subpixel_weight",
]
