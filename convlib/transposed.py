"""Transposed convolution, the ways the course teaches it, all equal to torch.

``conv_transpose2d(x, weight, bias, stride, padding, output_padding, groups, dilation)``
takes torch's arguments in torch's order; ``weight`` has torch's transposed
layout ``(C_in, C_out / groups, kH, kW)``. ``method=`` picks the form:

* ``"scatter"`` -- the definition: every input pixel stamps a weighted copy of
  the kernel into the output, ``stride`` pixels apart; ``padding`` is then cut
  from every border (loops over pixels, for reading);
* ``"zero_insertion"`` -- the sources' recipe: insert ``stride - 1`` zeros
  between input pixels, pad by ``dilation (k - 1) - padding`` (plus
  ``output_padding`` on the far side), flip the kernel, run a stride-1 convolution;
* ``"matrix"`` -- multiply by the transpose of the convolution matrix ``C``
  (:func:`convlib.conv_matrix`), for small inputs;
* ``"subpixel"`` -- one stride-1 convolution per output phase: output pixel
  ``stride * R + a`` only meets the taps ``i`` with ``dilation * i = a (mod stride)``,
  so the zeros of the recipe are never multiplied (the "sub-pixel convolution" view);
* ``"fast"`` (default) -- the same numbers without a Python loop over pixels:
  the zero-insertion recipe when there are no zeros to insert (stride 1), the
  sub-pixel form when its phase kernels are (nearly) free of zero taps, else
  the scatter done as one matrix product (``convlib._fast``).

Introduced in 06_transposed_convolution.ipynb.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from . import _fast
from .conv import conv2d
from .matrix import conv_matrix
from .ops import insert_zeros, pad2d
from .shapes import conv_output_size, conv_transpose_output_size, recipe_padding
from .validate import bias_shape, conv_arrays, conv_channels, divisible, integer, ints, ndim, one_of


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
    x, weight, bias, unbatched = conv_arrays(x, weight, bias, nd, f"conv_transpose{nd}d")
    stride, dilation = ints(stride, nd, "stride", 1), ints(dilation, nd, "dilation", 1)
    padding, output_padding = ints(padding, nd, "padding", 0), ints(output_padding, nd, "output_padding", 0)
    groups = integer(groups, "groups", 1)
    bias_shape(bias, conv_channels(x.shape[1], weight.shape, groups, transposed=True))
    out_size = conv_transpose_output_size(tuple(x.shape[2:]), weight.shape[2:], stride, padding, output_padding, dilation)
    return _Args(x, weight, bias, stride, padding, output_padding, groups, dilation, out_size, unbatched)


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
    return a.finish(_zero_insertion(a))


def _zero_insertion(a: _Args) -> np.ndarray:
    pads = recipe_padding(a.weight.shape[2:], a.padding, a.output_padding, a.dilation)  # see transposed_equivalent
    z = insert_zeros(a.x, a.stride)                                # 1. stride-1 zeros between pixels
    z = pad2d(z, pads)                                             # 2. pad d(k-1)-p, far side +output_padding
    w = flip_kernel(a.weight, a.groups)                            # 3. flip, swap in/out channels
    return conv2d(z, w, stride=1, dilation=a.dilation, groups=a.groups)  # 4. a stride-1 convolution


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
    return a.finish(_scatter(a))


def _scatter(a: _Args) -> np.ndarray:
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
    return full[:, :, ph: ph + a.out_size[0], pw: pw + a.out_size[1]]


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
    return a.finish(_matrix(a))


def _matrix(a: _Args) -> np.ndarray:
    n, c_in, h, w = a.x.shape
    c_out = a.weight.shape[1] * a.groups
    c = conv_matrix((c_out, *a.out_size), a.weight, a.stride, a.padding, a.dilation, a.groups)
    # with output_padding >= stride the forward convolution has more outputs than x has pixels: keep x's
    h_conv, w_conv = conv_output_size(a.out_size, a.weight.shape[2:], a.stride, a.padding, a.dilation)
    c = c.reshape(c_in, h_conv, w_conv, -1)[:, :h, :w].reshape(c_in * h * w, -1)
    y = a.x.reshape(n, c_in * h * w) @ c  # C.T @ x for every batch element (as rows: x @ C)
    return y.reshape(n, c_out, *a.out_size)


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
    ndim(weight, (4,), "weight", "subpixel_weight expects a weight with 4 dimensions (C_in, C_out/groups, kH, kW)")
    groups = integer(groups, "groups", 1)
    divisible(weight.shape[0], groups, "in_channels (weight.shape[0])")
    (sh, sw), (dh, dw) = ints(stride, 2, "stride", 1), ints(dilation, 2, "dilation", 1)
    c_in, c_out_g, kh, kw = weight.shape
    mh, mw = _fast.subpixel_window((kh, kw), (sh, sw), (dh, dw))
    wg = weight.reshape(groups, c_in // groups, c_out_g, kh, kw)
    phased = np.zeros((groups, sh, sw, c_out_g, c_in // groups, mh, mw), dtype=weight.dtype)
    for i in range(kh):  # loops over kernel taps only
        m, phase_h = divmod(dh * i, sh)  # tap i lands on row phase phase_h, m input rows up
        for j in range(kw):
            l, phase_w = divmod(dw * j, sw)
            phased[:, phase_h, phase_w, :, :, mh - 1 - m, mw - 1 - l] = wg[:, :, :, i, j].transpose(0, 2, 1)
    return phased.reshape(groups * sh * sw * c_out_g, c_in // groups, mh, mw)


def _subpixel(a: _Args) -> np.ndarray:
    """Every output phase as a stride-1 convolution, all phases in one :func:`convlib.conv2d` call.

    Every phase reads the same ``mH x mW`` input windows, so their weights are
    stacked as extra output channels (:func:`subpixel_weight`); one strided copy
    per phase interleaves the results.
    """
    n, _, h, w = a.x.shape
    _, c_out_g, kh, kw = a.weight.shape
    (sh, sw), (ph, pw), g = a.stride, a.padding, a.groups
    oh, ow = a.out_size
    mh, mw = _fast.subpixel_window((kh, kw), a.stride, a.dilation)
    rows, cols = -(-(ph + oh) // sh), -(-(pw + ow) // sw)  # phase-grid rows and columns the output needs
    xp = pad2d(a.x, ((mh - 1, max(0, rows - h)), (mw - 1, max(0, cols - w))))
    y = conv2d(xp, subpixel_weight(a.weight, g, a.stride, a.dilation), groups=g)
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


def _fast_path(a: _Args) -> np.ndarray:
    """The form that is fastest here (no Python loop over pixels); all forms give the same numbers."""
    if all(s == 1 for s in a.stride):  # no zeros to insert: the recipe is one plain convolution, already checked
        z = pad2d(a.x, recipe_padding(a.weight.shape[2:], a.padding, a.output_padding, a.dilation))
        return _fast.conv2d(z, flip_kernel(a.weight, a.groups), (1, 1), a.dilation, a.groups)
    if a.x.shape[1] > a.groups and _fast.subpixel_pays(a.weight.shape[2:], a.stride, a.dilation):
        return _subpixel(a)
    return _fast.conv_transpose2d_col2im(a.x, a.weight, a.stride, a.padding, a.dilation, a.groups, a.out_size)


METHODS: dict[str, Callable[[_Args], np.ndarray]] = {
    "fast": _fast_path,
    "zero_insertion": _zero_insertion,
    "scatter": _scatter,
    "matrix": _matrix,
    "subpixel": _subpixel,
}


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
    one_of(method, "method", tuple(METHODS))
    a = _transposed_args(x, weight, bias, stride, padding, output_padding, groups, dilation, nd=2)
    return a.finish(METHODS[method](a))


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
    one_of(method, "method", tuple(METHODS))
    a = _transposed_args(x, weight, bias, stride, padding, output_padding, groups, dilation, nd=1)
    as_2d = _Args(a.x[:, :, None, :], a.weight[:, :, None, :], None, (1, *a.stride), (0, *a.padding),
                  (0, *a.output_padding), a.groups, (1, *a.dilation), (1, *a.out_size), False)
    return a.finish(METHODS[method](as_2d)[:, :, 0, :])


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
