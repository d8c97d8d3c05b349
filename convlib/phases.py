"""The phase view of upsampling: a stride-s layer is s interleaved stride-1 convolutions.

A transposed convolution with stride ``s`` writes output pixel ``t = s R + a``
(``0 <= a < s``) only from the kernel taps ``i`` with ``dilation * i + padding``
congruent to ``a`` modulo ``s`` -- so the output splits into ``s`` *phases* (``sH * sW``
in 2-D), each a stride-1 convolution of the input with its own small *phase kernel*
(the "sub-pixel" view, :func:`convlib.subpixel_weight`). On a constant input ``c``,
away from the borders, phase ``a`` outputs ``c`` times the sum of its phase kernel:

* unequal phase sums are the checkerboard (k=3, s=2 with all-ones weights: sums 2 and 1);
* ``k`` divisible by ``s`` gives every phase the same number of taps, but learned
  weights still give unequal sums;
* resize-then-convolve (nearest ×s upsampling, then a stride-1 convolution with the
  kernel) has phase kernels too -- e.g. ``[w0 + w1, w2]`` and ``[w0, w1 + w2]`` for
  ``k = 3``, ``s = 2`` -- and every one of them sums the *whole* kernel, so a constant
  input stays constant whatever the weights.

Introduced in 07_checkerboard_artifacts.ipynb.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .validate import ints
from .transposed import subpixel_weight

METHODS = ("transposed", "resize")


@dataclass(frozen=True, repr=False)
class Phases:
    """The phase decomposition of one upsampling layer (1-D or 2-D kernel).

    Output pixel ``t = stride * R + a`` (per dimension, ``0 <= a < stride``) is
    ``sum_q kernels[a][q] * x[R + offsets[a] + q]``: a stride-1 cross-correlation (what
    :func:`convlib.conv2d` computes) of the input with phase ``a``'s kernel.

    Attributes
    ----------
    method : ``"transposed"`` or ``"resize"``
    weight : ndarray, shape ``(k,)`` or ``(kH, kW)``
    stride, dilation, padding : tuple of int, one per dimension
    kernels : ndarray, shape ``(*stride, *window)``
        Phase kernels, indexed by the output phase ``a`` (``t mod stride``).
    taps : ndarray of int, same shape
        How many of the kernel's taps each entry holds (0: the phase has no tap there;
        more than 1: resize-then-convolve adds neighbouring taps).
    offsets : ndarray of int, shape ``(*stride, ndim)``
        Where each phase's window starts, relative to ``R``.
    """

    method: str
    weight: np.ndarray
    stride: tuple[int, ...]
    dilation: tuple[int, ...]
    padding: tuple[int, ...]
    kernels: np.ndarray
    taps: np.ndarray
    offsets: np.ndarray

    @property
    def ndim(self) -> int:
        """Spatial dimensions of the kernel (1 or 2)."""
        return self.weight.ndim

    @property
    def window(self) -> tuple[int, ...]:
        """Size of every phase kernel (phases with fewer taps hold zeros, ``taps == 0``)."""
        return tuple(self.kernels.shape[self.ndim:])

    @property
    def sums(self) -> np.ndarray:
        """Sum of each phase kernel, shape ``stride``: the output of an all-ones input away from borders."""
        return self.kernels.sum(axis=tuple(range(self.ndim, 2 * self.ndim)))

    @property
    def tap_counts(self) -> np.ndarray:
        """Taps of the kernel each phase uses, shape ``stride`` (all equal when ``stride`` divides ``k``)."""
        return self.taps.sum(axis=tuple(range(self.ndim, 2 * self.ndim)))

    @property
    def equal(self) -> bool:
        """True when every phase has the same sum: a constant input gives a constant output (no checkerboard)."""
        sums = self.sums
        return bool(np.allclose(sums, sums.flat[0], rtol=1e-9, atol=1e-12 * max(1.0, float(np.abs(sums).max()))))

    def phase(self, a: int | tuple[int, ...]) -> np.ndarray:
        """The kernel of output phase ``a`` (an int in 1-D, a pair in 2-D)."""
        index = (a,) if isinstance(a, (int, np.integer)) else tuple(a)
        if len(index) != self.ndim or any(not 0 <= i < s for i, s in zip(index, self.stride)):
            raise ValueError(f"phase {a!r} must be {'an int' if self.ndim == 1 else 'a pair'} with 0 <= a < stride={self.stride}")
        return self.kernels[index]

    def output_size(self, input_size: int | tuple[int, ...]) -> tuple[int, ...]:
        """Output size of the layer for an input of ``input_size`` (no output_padding)."""
        n = ints(input_size, self.ndim, "input_size", minimum=1)
        k = self.weight.shape
        if self.method == "transposed":
            return tuple((i - 1) * s - 2 * p + d * (kk - 1) + 1
                         for i, s, p, d, kk in zip(n, self.stride, self.padding, self.dilation, k))
        return tuple(i * s + 2 * p - d * (kk - 1) for i, s, p, d, kk in zip(n, self.stride, self.padding, self.dilation, k))

    def apply(self, x: Any) -> np.ndarray:
        """Run the layer phase by phase: every phase a stride-1 correlation, the results interleaved.

        ``x`` has the kernel's number of dimensions (one channel, no batch). Equals
        ``conv_transpose1d/2d`` (method ``"transposed"``) or nearest upsampling followed by
        ``conv1d/2d`` (method ``"resize"``) with the same weight, stride/scale, padding and dilation.
        """
        x = np.asarray(x, dtype=np.result_type(self.kernels, np.float64))
        if x.ndim != self.ndim:
            raise ValueError(f"x with shape {x.shape} must have {self.ndim} dimension(s), like the kernel")
        out_size = self.output_size(x.shape)
        if any(o < 1 for o in out_size):
            raise ValueError(f"output size would be {out_size}: the input {x.shape} is too small for this layer")
        k2, off2, s2 = self._as_2d(self.kernels), self._offsets_2d(), (1,) * (2 - self.ndim) + self.stride
        x2 = x.reshape((1,) * (2 - self.ndim) + x.shape)
        o2 = (1,) * (2 - self.ndim) + out_size
        out = np.zeros(o2, dtype=x.dtype)
        mh, mw = k2.shape[2:]
        for a in range(s2[0]):
            rows = np.arange(a, o2[0], s2[0])
            for b in range(s2[1]):
                cols = np.arange(b, o2[1], s2[1])
                if not len(rows) or not len(cols):
                    continue
                r0, c0 = off2[a, b]
                acc = np.zeros((len(rows), len(cols)), dtype=x.dtype)
                for q in range(mh):  # loops over the phase kernel's taps only
                    src_r = rows // s2[0] + r0 + q
                    ok_r = (src_r >= 0) & (src_r < x2.shape[0])
                    for u in range(mw):
                        if k2[a, b, q, u] == 0:
                            continue
                        src_c = cols // s2[1] + c0 + u
                        ok_c = (src_c >= 0) & (src_c < x2.shape[1])
                        block = np.zeros((len(rows), len(cols)), dtype=x.dtype)
                        block[np.ix_(ok_r, ok_c)] = x2[np.ix_(src_r[ok_r], src_c[ok_c])]
                        acc += k2[a, b, q, u] * block
                out[np.ix_(rows, cols)] = acc
        return out.reshape(out_size)

    def _as_2d(self, a: np.ndarray) -> np.ndarray:
        return a if self.ndim == 2 else a[None, :, None, :]

    def _offsets_2d(self) -> np.ndarray:
        if self.ndim == 2:
            return self.offsets
        return np.concatenate([np.zeros_like(self.offsets), self.offsets], axis=-1)[None]

    def __repr__(self) -> str:
        sums = ", ".join(f"{v:g}" for v in np.round(self.sums.ravel(), 6))
        verdict = "equal" if self.equal else "unequal: checkerboard"
        k = "×".join(map(str, self.weight.shape))
        s = "×".join(map(str, self.stride))
        return f"Phases({self.method}, k={k}, s={s}: phase sums [{sums}], {verdict})"


def _kernel(weight: Any) -> np.ndarray:
    w = np.asarray(weight)
    if w.dtype == object or not (np.issubdtype(w.dtype, np.number) or w.dtype == bool):
        raise TypeError(f"weight has dtype {w.dtype}; a kernel holds real numbers")
    if np.issubdtype(w.dtype, np.complexfloating):
        raise TypeError(f"weight has dtype {w.dtype}; a kernel holds real numbers")
    if w.ndim not in (1, 2) or w.size == 0:
        raise ValueError(f"weight with shape {w.shape} must be a non-empty 1-D (k,) or 2-D (kH, kW) kernel")
    return w.astype(np.float64)


def _transposed(w: np.ndarray, s: tuple[int, ...], d: tuple[int, ...], p: tuple[int, ...]) -> tuple[np.ndarray, ...]:
    """Phase kernels from :func:`convlib.subpixel_weight`, re-indexed by the phase of the *cropped* output."""
    nd = w.ndim
    w2 = w.reshape((1,) * (2 - nd) + w.shape)
    s2, d2, p2 = ((1,) * (2 - nd) + s, (1,) * (2 - nd) + d, (0,) * (2 - nd) + p)
    k = subpixel_weight(w2[None, None], 1, s2, d2)  # (sH*sW, 1, mH, mW): output channels ordered by phase
    t = subpixel_weight(np.ones_like(w2)[None, None], 1, s2, d2)
    m = k.shape[2:]
    k, t = k.reshape(*s2, *m), t.reshape(*s2, *m).astype(int)
    kernels, taps = np.empty_like(k), np.empty_like(t)
    offsets = np.zeros((*s2, 2), dtype=int)
    for a in range(s2[0]):
        for b in range(s2[1]):
            # cropped output t = s R + a is uncropped u = t + p = s (R + c) + (a + p) mod s
            (ca, pa), (cb, pb) = divmod(a + p2[0], s2[0]), divmod(b + p2[1], s2[1])
            kernels[a, b], taps[a, b] = k[pa, pb], t[pa, pb]
            offsets[a, b] = (ca - (m[0] - 1), cb - (m[1] - 1))
    if nd == 1:
        return kernels[0, :, 0, :], taps[0, :, 0, :], offsets[0, :, 1:]
    return kernels, taps, offsets


def _resize_maps(k: int, s: int, d: int, p: int) -> tuple[np.ndarray, np.ndarray]:
    """Per phase ``a``: which window slot each tap lands in, and where the window starts.

    Nearest upsampling repeats input pixel ``j`` at ``s j .. s j + s - 1``; output
    ``t = s R + a`` of the convolution reads upsampled pixel ``t + d i - p``, i.e. input
    pixel ``R + (a + d i - p) // s``.
    """
    groups = np.array([[(a + d * i - p) // s for i in range(k)] for a in range(s)])  # (s, k)
    starts = groups[:, 0]
    slots = groups - starts[:, None]
    window = int(slots.max()) + 1
    maps = np.zeros((s, window, k), dtype=int)
    for a in range(s):
        maps[a, slots[a], np.arange(k)] = 1
    return maps, starts


def _resize(w: np.ndarray, s: tuple[int, ...], d: tuple[int, ...], p: tuple[int, ...]) -> tuple[np.ndarray, ...]:
    if w.ndim == 1:
        maps, starts = _resize_maps(w.shape[0], s[0], d[0], p[0])
        return maps @ w, maps.sum(axis=2), starts[:, None]
    (mh, sh), (mw, sw) = (_resize_maps(w.shape[i], s[i], d[i], p[i]) for i in range(2))
    kernels = np.einsum("aqi,ij,brj->abqr", mh, w, mw)
    taps = np.einsum("aqi,ij,brj->abqr", mh, np.ones(w.shape, dtype=int), mw)
    offsets = np.stack(np.broadcast_arrays(sh[:, None], sw[None, :]), axis=-1)
    return kernels, taps, offsets


def phase_kernels(
    weight: Any,
    stride: int | tuple[int, ...],
    dilation: int | tuple[int, ...] = 1,
    padding: int | tuple[int, ...] = 0,
    *,
    method: str = "transposed",
) -> Phases:
    """Split an upsampling layer into its phase kernels.

    Parameters
    ----------
    weight : array, shape ``(k,)`` or ``(kH, kW)``
        One kernel (one input and one output channel).
    stride : int or tuple
        The transposed convolution's stride, or the resize factor (``method="resize"``).
    dilation : int or tuple
    padding : int or tuple
        The transposed convolution's ``padding`` (cropped from the output), or the
        stride-1 convolution's zero padding after resizing. It only changes which phase
        is which.
    method : ``"transposed"`` or ``"resize"``
        ``"transposed"``: ``conv_transpose`` with this weight (phase kernels from
        :func:`convlib.subpixel_weight`); ``"resize"``: nearest-neighbour upsampling by
        ``stride`` followed by a stride-1 convolution with this weight.

    Returns
    -------
    Phases

    Introduced in 07_checkerboard_artifacts.ipynb.

    Examples
    --------
    >>> p = phase_kernels([1.0, 1.0, 1.0], 2)       # k=3, s=2, all-ones weights
    >>> p.kernels, p.sums
    (array([[1., 1.],
           [0., 1.]]), array([2., 1.]))
    >>> phase_kernels([1.0, 2.0, 3.0], 2, method="resize").kernels   # [w0+w1, w2] and [w0, w1+w2]
    array([[3., 3.],
           [1., 5.]])
    """
    if method not in METHODS:
        raise ValueError(f"method={method!r} must be one of {METHODS}")
    w = _kernel(weight)
    nd = w.ndim
    s = ints(stride, nd, "stride", minimum=1)
    d = ints(dilation, nd, "dilation", minimum=1)
    p = ints(padding, nd, "padding", minimum=0)
    kernels, taps, offsets = (_transposed if method == "transposed" else _resize)(w, s, d, p)
    return Phases(method, w, s, d, p, kernels, taps.astype(int), offsets.astype(int))


def phase_sums(
    weight: Any,
    stride: int | tuple[int, ...],
    dilation: int | tuple[int, ...] = 1,
    padding: int | tuple[int, ...] = 0,
    *,
    method: str = "transposed",
) -> np.ndarray:
    """Sum of every phase kernel: what each output phase gives for an all-ones input (away from borders).

    Introduced in 07_checkerboard_artifacts.ipynb.

    Examples
    --------
    >>> phase_sums(np.ones((3, 3)), 2)              # the 2-D checkerboard of k=3, s=2
    array([[4., 2.],
           [2., 1.]])
    >>> phase_sums([0.5, -1.0, 2.0, 0.25], 2)       # k=4: two taps each, but learned sums differ
    array([ 2.5 , -0.75])
    >>> phase_sums([0.5, -1.0, 2.0, 0.25], 2, method="resize")  # every phase sums the whole kernel
    array([1.75, 1.75])
    """
    return phase_kernels(weight, stride, dilation, padding, method=method).sums


__all__ = ["METHODS", "Phases", "phase_kernels", "phase_sums"]
