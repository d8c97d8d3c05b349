"""Hypothesis strategies and torch oracles for the numeric-core tests.

Test code, not convlib. A configuration is a plain dict; arrays are made from a
drawn seed (fast, reproducible) rather than drawn element by element.

``valid`` strategies build configurations torch accepts (the tests still check,
and skip the rare example torch refuses after asserting convlib refuses it too);
``wild`` strategies mix in invalid values so that the accept/reject decision
can be compared with torch's.
"""

from __future__ import annotations

import contextlib
import traceback
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from hypothesis import strategies as st

MODES = ("zeros", "reflect", "replicate", "circular")

def array(seed: int, shape: tuple[int, ...], dtype: Any = np.float64) -> np.ndarray:
    """Standard-normal test data from a seed."""
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def per_dim(draw: Any, nd: int, low: int, high: int) -> tuple[int, ...]:
    """``nd`` integers in ``[low, high]`` with a single draw.

    One packed draw instead of ``nd`` keeps hypothesis's per-draw overhead (the
    bulk of these tests' run time) down; it still shrinks towards ``low``.
    """
    base = high - low + 1
    packed = draw(st.integers(0, base**nd - 1))
    return tuple(low + (packed // base**i) % base for i in range(nd))


def spell(draw: Any, values: tuple[int, ...]) -> Any:
    """Write a per-dimension value as torch users do: an int when uniform, else a tuple or list."""
    how = draw(st.integers(0, 3))
    if len(set(values)) == 1 and how == 0:
        return values[0]
    return list(values) if how == 1 else tuple(values)


def mixed(draw: Any, *bases: int) -> tuple[int, ...]:
    """Several small choices (``0 <= c_i < bases[i]``) with a single packed draw."""
    total = int(np.prod(bases))
    packed = draw(st.integers(0, total - 1))
    out = []
    for base in bases:
        out.append(packed % base)
        packed //= base
    return tuple(out)


CIN_PER_GROUP = (1, 1, 2, 3)  # 1 with groups > 1: depthwise (with a channel multiplier)
BATCHES = (None, 1, 2, 3)  # None: unbatched input


@st.composite
def conv_configs(draw: Any, nd: int, modes: tuple[str, ...] = MODES) -> dict[str, Any]:
    """A convolution configuration torch accepts (nd = 1 or 2)."""
    mode_choices = ("zeros",) * 2 + modes if len(modes) > 1 else modes
    g, ci, co, kind_i, mode_i, batch_i, bias = mixed(draw, 3, 4, 3, 4, len(mode_choices), 4, 2)
    groups, cin_g, cout_g = g + 1, CIN_PER_GROUP[ci], co + 1
    kind = ("int", "tuple", "valid", "same")[kind_i]
    mode = mode_choices[mode_i]
    kernel = per_dim(draw, nd, 1, 4)
    dilation = per_dim(draw, nd, 1, 3)
    if kind == "same":
        stride = (1,) * nd
        total = [d * (k - 1) for k, d in zip(kernel, dilation)]
        pads = [(t // 2, t - t // 2) for t in total]
        padding: Any = "same"
    else:
        stride = per_dim(draw, nd, 1, 3)
        if kind == "valid":
            p = (0,) * nd
            padding = "valid"
        else:
            p = per_dim(draw, nd, 0, 3) if kind == "tuple" else (draw(st.integers(0, 3)),) * nd
            padding = p[0] if kind == "int" else spell(draw, p)
        pads = [(q, q) for q in p]
    sizes = []
    for k, d, (b, a), extra in zip(kernel, dilation, pads, per_dim(draw, nd, 0, 4)):
        need = max(1, d * (k - 1) + 1 - b - a)
        if mode == "reflect":
            need = max(need, max(b, a) + 1)
        elif mode == "circular":
            need = max(need, b, a)
        sizes.append(need + extra)
    batch = BATCHES[batch_i]
    x_shape = ((batch,) if batch else ()) + (groups * cin_g, *sizes)
    return dict(
        x_shape=x_shape,
        w_shape=(groups * cout_g, cin_g, *kernel),
        bias=bool(bias),
        stride=spell(draw, stride),
        padding=padding,
        dilation=spell(draw, dilation),
        groups=groups,
        padding_mode=mode,
        seed=draw(st.integers(0, 2**32 - 1)),
    )


@st.composite
def transposed_configs(draw: Any, nd: int, max_size: int = 5) -> dict[str, Any]:
    """A transposed-convolution configuration torch accepts."""
    g, ci, co, batch_i, bias = mixed(draw, 3, 4, 3, 4, 2)
    groups, cin_g, cout_g = g + 1, CIN_PER_GROUP[ci], co + 1
    kernel = per_dim(draw, nd, 1, 4)
    stride = per_dim(draw, nd, 1, 3)
    dilation = per_dim(draw, nd, 1, 3)
    padding = per_dim(draw, nd, 0, 3)
    output_padding = tuple(v % max(s, d) for v, s, d in zip(per_dim(draw, nd, 0, 2), stride, dilation))
    sizes = []
    for k, s, d, p, op, extra in zip(kernel, stride, dilation, padding, output_padding, per_dim(draw, nd, 0, 4)):
        i = 1
        while (i - 1) * s - 2 * p + d * (k - 1) + op + 1 < 1:
            i += 1
        sizes.append(min(i + extra, max(i, max_size)))
    batch = BATCHES[batch_i]
    return dict(
        x_shape=((batch,) if batch else ()) + (groups * cin_g, *sizes),
        w_shape=(groups * cin_g, cout_g, *kernel),
        bias=bool(bias),
        stride=spell(draw, stride),
        padding=spell(draw, padding),
        output_padding=spell(draw, output_padding),
        groups=groups,
        dilation=spell(draw, dilation),
        seed=draw(st.integers(0, 2**32 - 1)),
    )


def _wild_per_dim(draw: Any, nd: int, low: int, high: int) -> Any:
    values = per_dim(draw, nd, low, high)
    return spell(draw, values)


@st.composite
def wild_conv_configs(draw: Any, nd: int) -> dict[str, Any]:
    """A convolution configuration that is often invalid (for the accept/reject comparison)."""
    cfg = draw(conv_configs(nd))
    choice = draw(st.integers(0, 11))
    if choice == 0:
        cfg["stride"] = _wild_per_dim(draw, nd, -1, 2)
    elif choice == 1:
        cfg["dilation"] = _wild_per_dim(draw, nd, -1, 2)
    elif choice == 2:
        cfg["padding"] = draw(st.one_of(_wild_st(nd, -2, 4), st.sampled_from(["same", "valid", "full", "SAME"])))
    elif choice == 3:
        cfg["groups"] = draw(st.integers(-1, 4))
    elif choice == 4:  # channels that may not match the weight
        xs = list(cfg["x_shape"])
        xs[-nd - 1] = draw(st.integers(1, 7))
        cfg["x_shape"] = tuple(xs)
    elif choice == 5:  # out_channels that may not divide by groups
        ws = list(cfg["w_shape"])
        ws[0] = draw(st.integers(1, 7))
        cfg["w_shape"] = tuple(ws)
    elif choice == 6:  # a kernel that may not fit
        ws = list(cfg["w_shape"])
        ws[2:] = per_dim(draw, nd, 1, 9)
        cfg["w_shape"] = tuple(ws)
    elif choice == 7:  # wrong number of dimensions
        if draw(st.booleans()):
            cfg["x_shape"] = tuple(draw(st.lists(st.integers(1, 3), min_size=1, max_size=nd + 3)))
        else:
            cfg["w_shape"] = tuple(draw(st.lists(st.integers(1, 3), min_size=1, max_size=nd + 3)))
    elif choice == 8:  # wrong bias length
        cfg["bias"] = draw(st.integers(1, 4))
    elif choice == 9:  # padding too large for the mode, or a strided 'same'
        cfg["padding_mode"] = draw(st.sampled_from(MODES))
        cfg["padding"] = draw(st.one_of(_wild_st(nd, 0, 6), st.just("same")))
        cfg["stride"] = _wild_per_dim(draw, nd, 1, 2)
    elif choice == 10:  # small inputs
        xs = list(cfg["x_shape"])
        xs[-nd:] = per_dim(draw, nd, 1, 3)
        cfg["x_shape"] = tuple(xs)
    # choice 11: unchanged (valid)
    return cfg


@st.composite
def wild_transposed_configs(draw: Any, nd: int) -> dict[str, Any]:
    """A transposed-convolution configuration that is often invalid."""
    cfg = draw(transposed_configs(nd))
    choice = draw(st.integers(0, 10))
    if choice == 0:
        cfg["stride"] = _wild_per_dim(draw, nd, -1, 3)
    elif choice == 1:
        cfg["dilation"] = _wild_per_dim(draw, nd, -1, 3)
    elif choice == 2:
        cfg["padding"] = _wild_per_dim(draw, nd, -1, 6)
    elif choice == 3:
        cfg["output_padding"] = _wild_per_dim(draw, nd, -1, 4)
    elif choice == 4:
        cfg["groups"] = draw(st.integers(-1, 4))
    elif choice == 5:  # x channels that may not match weight.shape[0]
        xs = list(cfg["x_shape"])
        xs[-nd - 1] = draw(st.integers(1, 7))
        cfg["x_shape"] = tuple(xs)
    elif choice == 6:  # in_channels that may not divide by groups
        ws = list(cfg["w_shape"])
        ws[0] = draw(st.integers(1, 7))
        cfg["w_shape"] = tuple(ws)
    elif choice == 7:
        if draw(st.booleans()):
            cfg["x_shape"] = tuple(draw(st.lists(st.integers(1, 3), min_size=1, max_size=nd + 3)))
        else:
            cfg["w_shape"] = tuple(draw(st.lists(st.integers(1, 3), min_size=1, max_size=nd + 3)))
    elif choice == 8:
        cfg["bias"] = draw(st.integers(1, 4))
    elif choice == 9:  # small input with large padding: output may vanish
        xs = list(cfg["x_shape"])
        xs[-nd:] = per_dim(draw, nd, 1, 2)
        cfg["x_shape"] = tuple(xs)
        cfg["padding"] = _wild_per_dim(draw, nd, 0, 5)
    return cfg


def _wild_st(nd: int, low: int, high: int) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.integers(low, high),
        st.tuples(*[st.integers(low, high)] * nd),
    )


def make_arrays(cfg: dict[str, Any], dtype: Any = np.float64) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """x, weight and bias (None, the right length for True, or an int length) for a configuration."""
    seed = cfg["seed"]
    x = array(seed, cfg["x_shape"], dtype)
    w = array(seed + 1, cfg["w_shape"], dtype)
    b = cfg["bias"]
    if b is True:
        n_out = cfg["w_shape"][0] if "output_padding" not in cfg else _transposed_out_channels(cfg)
        b = array(seed + 2, (n_out,), dtype)
    elif b is False:
        b = None
    else:
        b = array(seed + 2, (b,), dtype)
    return x, w, b


def _transposed_out_channels(cfg: dict[str, Any]) -> int:
    ws = cfg["w_shape"]
    groups = cfg["groups"]
    return ws[1] * groups if len(ws) > 1 and isinstance(groups, int) and groups > 0 else 1


@contextlib.contextmanager
def oracle() -> Iterator[None]:
    """Run torch on one thread for these tiny tensors (its thread pool only adds latency, and a
    lot of it on a loaded machine); restore the previous count; silence torch's notice about
    'same' padding with even kernels."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            yield
    finally:
        torch.set_num_threads(before)


def t(a: np.ndarray | None) -> torch.Tensor | None:
    return None if a is None else torch.from_numpy(np.ascontiguousarray(a))


def torch_conv(cfg: dict[str, Any], x: np.ndarray, w: np.ndarray, b: np.ndarray | None, nd: int) -> np.ndarray:
    """The oracle: F.convNd for zero padding, nn.ConvNd (which pads with F.pad) for the other modes."""
    with oracle():
        return _torch_conv(cfg, x, w, b, nd)


def _torch_conv(cfg: dict[str, Any], x: np.ndarray, w: np.ndarray, b: np.ndarray | None, nd: int) -> np.ndarray:
    kw = dict(stride=cfg["stride"], padding=cfg["padding"], dilation=cfg["dilation"], groups=cfg["groups"])
    if cfg["padding_mode"] == "zeros":
        f = F.conv1d if nd == 1 else F.conv2d
        return f(t(x), t(w), t(b), **kw).numpy()
    cls = torch.nn.Conv1d if nd == 1 else torch.nn.Conv2d
    in_channels = x.shape[-nd - 1] if x.ndim >= nd + 1 else 1
    module = cls(
        in_channels, w.shape[0], tuple(w.shape[2:]) or 1, bias=b is not None,
        padding_mode=cfg["padding_mode"], dtype=torch.float64 if x.dtype == np.float64 else torch.float32, **kw,
    )
    module.weight = torch.nn.Parameter(t(w), requires_grad=False)
    if b is not None:
        module.bias = torch.nn.Parameter(t(b), requires_grad=False)
    with torch.no_grad():
        return module(t(x)).numpy()


def torch_conv_transpose(
    cfg: dict[str, Any], x: np.ndarray, w: np.ndarray, b: np.ndarray | None, nd: int
) -> np.ndarray:
    f = F.conv_transpose1d if nd == 1 else F.conv_transpose2d
    with oracle():
        return f(
            t(x), t(w), t(b), stride=cfg["stride"], padding=cfg["padding"], output_padding=cfg["output_padding"],
            groups=cfg["groups"], dilation=cfg["dilation"],
        ).numpy()


def outcome(fn: Any, *args: Any, **kwargs: Any) -> tuple[bool, Any]:
    """(True, result) or (False, exception)."""
    try:
        return True, fn(*args, **kwargs)
    except Exception as e:  # noqa: BLE001 - the oracle may raise anything
        return False, e


def assert_convlib_error(err: BaseException) -> None:
    """A refusal must be a ValueError/TypeError raised by convlib's own checks, not numpy."""
    assert isinstance(err, (ValueError, TypeError)), f"{type(err).__name__}: {err}"
    frame = traceback.extract_tb(err.__traceback__)[-1]
    assert "/convlib/" in frame.filename, f"raised from {frame.filename}:{frame.lineno}: {err}"


def assert_close(ours: np.ndarray, ref: np.ndarray, dtype: Any = np.float64) -> None:
    assert ours.shape == ref.shape, (ours.shape, ref.shape)
    assert ours.dtype == ref.dtype, (ours.dtype, ref.dtype)
    if np.dtype(dtype) == np.float64:
        np.testing.assert_allclose(ours, ref, rtol=1e-10, atol=1e-12)
    else:
        np.testing.assert_allclose(ours, ref, rtol=1e-4, atol=1e-4)
