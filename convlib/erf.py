"""The effective receptive field (有效感受野): how much of its field a unit actually uses.

The receptive field of chapter 03 says which input pixels *can* reach an output
unit. Luo, Li, Urtasun & Zemel (*Understanding the Effective Receptive Field in
Deep Convolutional Neural Networks*, NeurIPS 2016) ask how strongly each one
does: put a gradient of 1 on one output unit and 0 everywhere else, back-propagate
it to the input, and look at the size of the input gradient ``|dy/dx|``. That map
is the *effective receptive field* (ERF). For a stack of ``n`` layers with
``k x k`` kernels whose weights are all equal, it is exactly the ``n``-fold
convolution of a ``k x k`` box -- the distribution of a sum of ``n`` independent
uniform steps -- so by the central limit theorem it tends to a Gaussian whose
variance per axis is ``n (k^2 - 1) / 12``: its width grows like ``sqrt(n)`` while
the theoretical field ``n (k - 1) + 1`` grows like ``n``.

This module measures it with torch's autograd (:func:`erf_map`), fits a Gaussian
to it (:func:`fit_gaussian`), builds the stacks that the chapter measures
(:func:`erf_stack`) and follows the width over depth (:func:`erf_growth`,
:func:`loglog_slope`). torch is imported inside the functions, never by
``import convlib``.

Introduced in 12_effective_receptive_field.ipynb.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Integral
from typing import Any

import numpy as np

WEIGHTS = ("uniform", "random")
DTYPES = ("float32", "float64")
FIT_METHODS = ("moments", "lstsq")


def _is_int(value: Any) -> bool:
    return isinstance(value, Integral) and not isinstance(value, (bool, np.bool_))


def _positive_int(value: Any, name: str, minimum: int = 1) -> int:
    if not _is_int(value):
        raise TypeError(f"{name}={value!r} must be an int")
    if value < minimum:
        rule = {1: "a positive integer (>= 1)", 0: "a non-negative integer (>= 0)"}.get(minimum, f"an integer >= {minimum}")
        raise ValueError(f"{name}={value!r} must be {rule}")
    return int(value)


# --- measuring ---------------------------------------------------------------------------------


def _check_mode(model: Any) -> None:
    """Refuse a model whose batch entries interact or whose output is random (training mode)."""
    from torch import nn  # noqa: PLC0415

    if not model.training:
        return
    for name, module in model.named_modules():
        if isinstance(module, (nn.modules.batchnorm._BatchNorm, nn.modules.dropout._DropoutNd, nn.Dropout)):
            raise ValueError(
                f"model is in training mode and contains {type(module).__name__} ({name or 'the model'}): "
                f"its output would mix the n_inputs inputs of the batch or be random; call model.eval() first"
            )


def _check_ndim(model: Any, ndim: int, input_shape: Sequence[int]) -> None:
    """torch would read a 1-D-looking input to a Conv2d as an unbatched image: refuse it here."""
    from torch import nn  # noqa: PLC0415

    for name, module in model.named_modules():
        if isinstance(module, nn.modules.conv._ConvNd) and len(module.kernel_size) != ndim:
            raise ValueError(
                f"input_shape={tuple(input_shape)!r} has {ndim} spatial dimension(s) but {name or 'the model'} "
                f"({type(module).__name__}) has {len(module.kernel_size)}"
            )


def erf_map(
    model: Any,
    input_shape: Sequence[int],
    *,
    position: int | Sequence[int] | None = None,
    n_inputs: int = 1,
    seed: int = 0,
    inputs: Any = None,
) -> np.ndarray:
    """The effective receptive field of one output unit: mean ``|dy/dx|`` over the input.

    What is computed, exactly (Luo et al., 2016, set the gradient to 1 at the
    centre of the output and 0 elsewhere and back-propagate it):

    1. ``n_inputs`` inputs ``x`` of shape ``input_shape[1:]`` are drawn from a
       standard normal distribution (a ``torch.Generator`` seeded with ``seed``; the
       global RNG is not touched);
    2. ``y = sum over output channels of model(x)[:, :, position]`` -- a gradient of 1
       on the unit at ``position`` in every output channel, 0 everywhere else;
    3. ``g = dy/dx`` by autograd (only the input's gradient is computed; the model's
       ``.grad`` fields are left alone);
    4. the map is ``|g|`` summed over input channels and averaged over the
       ``n_inputs`` inputs, as float64.

    For a model without nonlinearity ``g`` does not depend on ``x`` (one input is
    enough, the default); with ReLUs it does, and ``n_inputs`` random inputs average
    that dependence out. The map is not normalised: divide by its sum or peak to
    compare maps.

    Parameters
    ----------
    model : torch.nn.Module
        Maps ``(N, C, H, W)`` to ``(N, C', H', W')`` (or ``(N, C, L)`` to ``(N, C', L')``)
        with no interaction between batch entries: a model in training mode that
        contains BatchNorm or Dropout is refused (call ``model.eval()``).
    input_shape : tuple of int
        ``(1, C, H, W)`` or ``(1, C, L)``, as for :func:`convlib.empirical_receptive_field`;
        the batch is ``n_inputs`` (the inputs are drawn here).
    position : int or tuple of int, optional
        Output unit; default the middle unit ``size // 2`` in each spatial dimension.
    n_inputs : int
        Random inputs to average over.
    seed : int
        Seed of the inputs.
    inputs : torch.Tensor or array, optional
        Use these inputs (e.g. real images, shape ``(N, *input_shape[1:])``) instead of
        random ones; ``n_inputs`` and ``seed`` are then not used. A trained network's
        ERF on its data can differ from its ERF on noise.

    Returns
    -------
    numpy.ndarray
        float64, the input's spatial shape ``(H, W)`` (or ``(L,)``).

    Introduced in 12_effective_receptive_field.ipynb.

    Examples
    --------
    Two 3×3 layers of ones: every input pixel is reached by as many paths as the
    tent (1, 2, 3, 2, 1) ⊗ (1, 2, 3, 2, 1) says:

    >>> import torch
    >>> net = torch.nn.Sequential(torch.nn.Conv2d(1, 1, 3, bias=False), torch.nn.Conv2d(1, 1, 3, bias=False))
    >>> _ = [torch.nn.init.ones_(conv.weight) for conv in net]
    >>> erf_map(net, (1, 1, 5, 5))[2]
    array([3., 6., 9., 6., 3.])
    """
    import torch  # noqa: PLC0415 - torch stays out of `import convlib`

    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model={model!r} must be a torch.nn.Module")
    if not isinstance(input_shape, (tuple, list)) or not all(_is_int(v) and v >= 1 for v in input_shape):
        raise ValueError(f"input_shape={input_shape!r} must be a tuple of positive ints like (1, C, H, W)")
    if len(input_shape) not in (3, 4):
        raise ValueError(f"input_shape={tuple(input_shape)!r} must be (1, C, L) or (1, C, H, W)")
    if input_shape[0] != 1:
        raise ValueError(
            f"input_shape={tuple(input_shape)!r} must have batch size 1: erf_map draws its inputs itself "
            f"(ask for n_inputs={input_shape[0]} instead)"
        )
    n_inputs = _positive_int(n_inputs, "n_inputs")
    seed = _positive_int(seed, "seed", minimum=0)
    _check_mode(model)
    _check_ndim(model, len(input_shape) - 2, input_shape)
    param = next((p for p in model.parameters() if p.is_floating_point()), None)
    dtype = param.dtype if param is not None else torch.get_default_dtype()
    if inputs is None:
        generator = torch.Generator().manual_seed(seed)
        x = torch.randn((n_inputs, *input_shape[1:]), generator=generator, dtype=dtype, requires_grad=True)
    else:
        try:
            x = torch.as_tensor(np.asarray(inputs) if not isinstance(inputs, torch.Tensor) else inputs)
        except (TypeError, ValueError, RuntimeError):
            raise TypeError(f"inputs must be a tensor or an array of numbers, got {type(inputs).__name__}") from None
        if x.dim() != len(input_shape) or tuple(x.shape[1:]) != tuple(input_shape[1:]) or x.shape[0] < 1:
            raise ValueError(
                f"inputs with shape {tuple(x.shape)} must be (N, {', '.join(map(str, input_shape[1:]))}) "
                f"to match input_shape={tuple(input_shape)!r}"
            )
        x = x.detach().to(dtype).clone().requires_grad_(True)
    try:
        y = model(x)
    except RuntimeError as err:
        raise ValueError(f"input_shape={tuple(input_shape)!r} does not fit the model: {err}") from None
    if not isinstance(y, torch.Tensor) or y.dim() != x.dim():
        shape = tuple(y.shape) if isinstance(y, torch.Tensor) else type(y).__name__
        raise ValueError(f"the model's output {shape} must have the input's layout (N, C, H, W) or (N, C, L)")
    out_shape = tuple(int(v) for v in y.shape[2:])
    ndim = len(out_shape)
    if position is None:
        pos = tuple(n // 2 for n in out_shape)
    elif _is_int(position):
        pos = (int(position),) * ndim
    elif isinstance(position, (tuple, list)) and len(position) == ndim and all(_is_int(p) for p in position):
        pos = tuple(int(p) for p in position)
    else:
        raise TypeError(f"position={position!r} must be an int or a tuple of {ndim} ints")
    if any(not 0 <= p < n for p, n in zip(pos, out_shape)):
        raise ValueError(f"position={position!r} is outside the output, whose spatial shape is {out_shape}")
    unit = y[(slice(None), slice(None), *pos)].sum()
    if not unit.requires_grad:  # the output does not depend on the input at all
        return np.zeros(tuple(input_shape[2:]))
    (grad,) = torch.autograd.grad(unit, x, allow_unused=True)
    if grad is None:
        return np.zeros(tuple(input_shape[2:]))
    return grad.detach().abs().sum(dim=1).mean(dim=0).to(torch.float64).numpy()


# --- fitting -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class GaussianFit:
    """An axis-aligned Gaussian ``amplitude * exp(-sum_i (x_i - centre_i)^2 / (2 sigma_i^2))``.

    Attributes
    ----------
    centre : tuple of float
        Per axis (row, col), in the map's index coordinates.
    sigma : tuple of float
        Standard deviation per axis, in pixels.
    amplitude : float
        Peak of the fitted Gaussian, in the map's units.
    r2 : float
        Goodness of fit: ``1 - sum (map - gaussian)^2 / sum (map - mean)^2`` over the
        whole map (1 is perfect).
    method : str
        ``'moments'`` or ``'lstsq'`` (see :func:`fit_gaussian`).
    shape : tuple of int
        Shape of the fitted map.
    """

    centre: tuple[float, ...]
    sigma: tuple[float, ...]
    amplitude: float
    r2: float
    method: str
    shape: tuple[int, ...]

    @property
    def sigma_mean(self) -> float:
        """Mean of the per-axis sigmas (one width for a round ERF)."""
        return float(np.mean(self.sigma))

    def evaluate(self, shape: Sequence[int] | None = None) -> np.ndarray:
        """The fitted Gaussian sampled on the grid of ``shape`` (default: the fitted map's)."""
        return _gaussian(tuple(shape or self.shape), self.amplitude, self.centre, self.sigma)

    def __repr__(self) -> str:
        def fmt(values: tuple[float, ...]) -> str:
            return "(" + ", ".join(f"{v:.3g}" for v in values) + ")"

        return (
            f"GaussianFit(sigma={fmt(self.sigma)}, centre={fmt(self.centre)}, amplitude={self.amplitude:.3g}, "
            f"r2={self.r2:.4f}, method={self.method!r})"
        )


def _grids(shape: tuple[int, ...]) -> list[np.ndarray]:
    return [np.asarray(g, dtype=float) for g in np.indices(shape)]


def _gaussian(shape: tuple[int, ...], amplitude: float, centre: Sequence[float], sigma: Sequence[float]) -> np.ndarray:
    exponent = sum((g - c) ** 2 / (2.0 * s**2) for g, c, s in zip(_grids(shape), centre, sigma))
    return amplitude * np.exp(-exponent)


def _r2(data: np.ndarray, model: np.ndarray) -> float:
    total = float(((data - data.mean()) ** 2).sum())
    return 1.0 - float(((data - model) ** 2).sum()) / total if total > 0 else float("nan")


def _moments(m: np.ndarray) -> tuple[tuple[float, ...], tuple[float, ...]]:
    p = m / m.sum()
    grids = _grids(m.shape)
    centre = tuple(float((p * g).sum()) for g in grids)
    sigma = tuple(math.sqrt(float((p * (g - c) ** 2).sum())) for g, c in zip(grids, centre))
    return centre, sigma


def _lstsq(m: np.ndarray, start: np.ndarray, iterations: int = 200) -> np.ndarray:
    """Levenberg-Marquardt on (amplitude, centres, sigmas), minimising sum (gaussian - map)^2."""
    grids = [g.ravel() for g in _grids(m.shape)]
    data = m.ravel()
    d = len(grids)

    def residual_and_jacobian(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        amp, centre, sigma = theta[0], theta[1 : 1 + d], theta[1 + d :]
        g = amp * np.exp(-sum((x - c) ** 2 / (2 * s**2) for x, c, s in zip(grids, centre, sigma)))
        cols = [g / amp] + [g * (x - c) / s**2 for x, c, s in zip(grids, centre, sigma)]
        cols += [g * (x - c) ** 2 / s**3 for x, c, s in zip(grids, centre, sigma)]
        return g - data, np.stack(cols, axis=1)

    theta, damping = start.astype(float), 1e-3
    r, jac = residual_and_jacobian(theta)
    cost = float(r @ r)
    for _ in range(iterations):
        jtj, jtr = jac.T @ jac, jac.T @ r
        step = np.linalg.solve(jtj + damping * np.diag(np.diag(jtj) + 1e-12), -jtr)
        trial = theta + step
        if trial[0] <= 0 or np.any(trial[1 + d :] <= 0):
            damping *= 10.0
            continue
        r_new, jac_new = residual_and_jacobian(trial)
        cost_new = float(r_new @ r_new)
        if cost_new < cost:
            done = cost - cost_new <= 1e-14 * cost
            theta, r, jac, cost, damping = trial, r_new, jac_new, cost_new, max(damping / 10.0, 1e-12)
            if done:
                break
        else:
            damping *= 10.0
            if damping > 1e12:
                break
    return theta


def fit_gaussian(erf: Any, *, method: str = "moments") -> GaussianFit:
    """Fit an axis-aligned Gaussian to a non-negative 1-D or 2-D map (an ERF).

    ``method='moments'`` (the default) reads the Gaussian off the map's moments:
    with ``p = map / map.sum()`` the centre is the mean position ``sum p x`` and
    ``sigma^2 = sum p (x - centre)^2`` per axis -- exact for the n-fold box of a
    uniform stack, whose variance is ``n (k^2 - 1) / 12``; the amplitude is then the
    least-squares scale of that Gaussian. ``method='lstsq'`` starts there and
    minimises ``sum (gaussian - map)^2`` over amplitude, centre and sigma
    (Levenberg-Marquardt in numpy). The two agree when the map is Gaussian; where
    they differ, the map is not (``r2`` says how well each fits).

    Parameters
    ----------
    erf : array-like, 1-D or 2-D
        Non-negative, finite, not all zero (e.g. :func:`erf_map`'s result).
    method : {'moments', 'lstsq'}

    Returns
    -------
    GaussianFit

    Introduced in 12_effective_receptive_field.ipynb.

    Examples
    --------
    One uniform 3-tap layer: variance (3^2 - 1) / 12 = 2/3.

    >>> fit = fit_gaussian([1.0, 1.0, 1.0])
    >>> round(fit.sigma[0] ** 2, 12), fit.centre
    (0.666666666667, (1.0,))
    """
    if method not in FIT_METHODS:
        raise ValueError(f"method={method!r} must be one of {FIT_METHODS}")
    try:
        m = np.asarray(erf, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"erf must be an array of real numbers, got {type(erf).__name__}") from None
    if m.ndim not in (1, 2) or m.size == 0:
        raise ValueError(f"erf with shape {m.shape} must be a non-empty 1-D or 2-D array")
    if not np.all(np.isfinite(m)):
        raise ValueError("erf contains NaN or infinite values")
    if np.any(m < 0):
        raise ValueError("erf has negative entries; an ERF map is |gradient| and non-negative")
    if not np.any(m > 0):
        raise ValueError("erf is zero everywhere: there is no field to fit (a dead ReLU network?)")
    scale = float(m.max())  # fit the map over its peak (no overflow for huge path counts), scale back after
    m = m / scale
    centre, sigma = _moments(m)
    if any(s == 0 for s in sigma):
        raise ValueError(f"erf is a single line or point (sigma={sigma}): a Gaussian needs a spread on every axis")
    if method == "moments":
        shape_only = _gaussian(m.shape, 1.0, centre, sigma)
        amplitude = float((m * shape_only).sum() / (shape_only**2).sum())
    else:
        start = np.array([float(m.max()), *centre, *sigma])
        theta = _lstsq(m, start)
        d = m.ndim
        amplitude = float(theta[0])
        centre = tuple(float(c) for c in theta[1 : 1 + d])
        sigma = tuple(float(abs(s)) for s in theta[1 + d :])
    r2 = _r2(m, _gaussian(m.shape, amplitude, centre, sigma))
    return GaussianFit(centre=centre, sigma=sigma, amplitude=amplitude * scale, r2=r2, method=method,
                       shape=tuple(m.shape))


# --- the stacks the chapter measures -------------------------------------------------------------


def _rates(dilation: Any, depth: int) -> list[int]:
    if _is_int(dilation):
        return [_positive_int(dilation, "dilation")] * depth
    if isinstance(dilation, (list, tuple)):
        if len(dilation) != depth:
            raise ValueError(f"dilation={list(dilation)!r} must have one rate per layer: depth={depth}")
        return [_positive_int(r, f"dilation[{i}]") for i, r in enumerate(dilation)]
    raise TypeError(f"dilation={dilation!r} must be an int or a list of {depth} ints (one rate per layer)")


def erf_stack(
    depth: int,
    *,
    kernel_size: int = 3,
    dilation: int | Sequence[int] = 1,
    weights: str = "random",
    relu: bool = False,
    channels: int = 1,
    padding: int | str = 0,
    seed: int = 0,
    dtype: str = "float64",
) -> Any:
    """A stack of ``depth`` convolutions as a plain ``torch.nn.Sequential``, for ERF experiments.

    Each layer is ``nn.Conv2d(channels, channels, kernel_size, padding=padding,
    dilation=rate, bias=False)``, followed by ``nn.ReLU()`` when ``relu``. Weights:

    * ``'uniform'``: every weight ``1 / (channels * kernel_size^2)`` -- each layer
      averages its window, so a one-channel stack's ERF is the n-fold convolution
      of the ``k x k`` box and sums to 1;
    * ``'random'``: i.i.d. normal, mean 0, standard deviation ``gain / sqrt(fan_in)``
      with ``fan_in = channels * kernel_size^2`` and ``gain = sqrt(2)`` with ReLU (He),
      1 without -- so activations and gradients keep their scale over 40 layers.
      Drawn from a ``torch.Generator`` seeded with ``seed`` (the global RNG is not
      touched).

    There are no biases (they do not change a linear stack's gradient, and Luo et
    al.'s analysis has none). With ``padding=0`` an input as large as the
    theoretical field (``convlib.receptive_field``) gives a 1×1 output: the one
    unit whose ERF :func:`erf_map` measures. With ``relu`` and a single channel a
    random stack is often dead (every path blocked somewhere); use a few channels.

    Parameters
    ----------
    depth : int
        Number of convolutions.
    kernel_size : int
    dilation : int or sequence of int
        One rate for every layer, or one per layer (``len(dilation) == depth``).
    weights : {'uniform', 'random'}
    relu : bool
    channels : int
        Input, hidden and output channels.
    padding : int or 'same'
        Zero padding of every convolution (torch's meaning).
    seed : int
    dtype : {'float64', 'float32'}
        float64 by default, so that printed widths do not depend on the platform's
        float32 summation order.

    Returns
    -------
    torch.nn.Sequential

    Introduced in 12_effective_receptive_field.ipynb.

    Examples
    --------
    >>> erf_stack(2, relu=True, channels=4)
    Sequential(
      (0): Conv2d(4, 4, kernel_size=(3, 3), stride=(1, 1), bias=False)
      (1): ReLU()
      (2): Conv2d(4, 4, kernel_size=(3, 3), stride=(1, 1), bias=False)
      (3): ReLU()
    )
    """
    import torch  # noqa: PLC0415
    from torch import nn  # noqa: PLC0415

    depth = _positive_int(depth, "depth")
    kernel_size = _positive_int(kernel_size, "kernel_size")
    rates = _rates(dilation, depth)
    if weights not in WEIGHTS:
        raise ValueError(f"weights={weights!r} must be one of {WEIGHTS}")
    if not isinstance(relu, (bool, np.bool_)):
        raise TypeError(f"relu={relu!r} must be True or False")
    channels = _positive_int(channels, "channels")
    if padding != "same" and not (_is_int(padding) and padding >= 0):
        raise ValueError(f"padding={padding!r} must be a non-negative int or 'same'")
    seed = _positive_int(seed, "seed", minimum=0)
    if dtype not in DTYPES:
        raise ValueError(f"dtype={dtype!r} must be one of {DTYPES}")
    torch_dtype = getattr(torch, dtype)
    generator = torch.Generator().manual_seed(seed)
    fan_in = channels * kernel_size**2
    std = (math.sqrt(2.0) if relu else 1.0) / math.sqrt(fan_in)
    layers: list[nn.Module] = []
    for rate in rates:
        conv = nn.utils.skip_init(  # no default init: it would draw from the global RNG
            nn.Conv2d, channels, channels, kernel_size, padding=padding, dilation=rate, bias=False, dtype=torch_dtype
        )
        with torch.no_grad():
            if weights == "uniform":
                conv.weight.fill_(1.0 / fan_in)
            else:
                conv.weight.normal_(0.0, std, generator=generator)
        layers.append(conv)
        if relu:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def mean_squared_erf(
    depth: int, *, n_inits: int, kernel_size: int = 3, dilation: int | Sequence[int] = 1, seed: int = 0
) -> np.ndarray:
    """Mean of ``(dy/dx)^2`` over ``n_inits`` random one-channel linear stacks (Monte Carlo).

    Each stack is ``erf_stack(depth, weights='random', channels=1, ...)``: i.i.d. normal
    weights with variance ``1 / k^2``, no ReLU. A gradient is a sum over paths of
    products of one weight per layer; two different paths differ in at least one
    factor, which has mean 0, so in expectation only the squares survive and

        E[(dy/dx)^2] = (number of paths from x) * (1 / k^2)^depth,

    which is exactly the uniform stack's ERF (:func:`erf_map` of
    ``erf_stack(..., weights='uniform')``). This function lets a notebook check that
    identity on many stacks at once. The gradient map of a one-channel linear stack
    is the full convolution of its kernels (each tap of each layer shifts the map by
    ``tap * rate``), so all stacks are computed together in numpy, one shifted add per
    tap; the weights are drawn exactly as :func:`erf_stack` draws them (with
    ``n_inits=1`` the map is ``erf_map(erf_stack(..., seed=seed), ...) ** 2``).

    Returns
    -------
    numpy.ndarray
        float64 map over the theoretical field (``depth`` layers, no padding).

    Introduced in 12_effective_receptive_field.ipynb.
    """
    import torch  # noqa: PLC0415 - the same generator as erf_stack

    depth = _positive_int(depth, "depth")
    n_inits = _positive_int(n_inits, "n_inits")
    k = _positive_int(kernel_size, "kernel_size")
    rates = _rates(dilation, depth)
    seed = _positive_int(seed, "seed", minimum=0)
    generator = torch.Generator().manual_seed(seed)
    grad = np.ones((n_inits, 1, 1))
    for rate in rates:
        w = torch.randn((n_inits, k, k), generator=generator, dtype=torch.float64).numpy() / k
        h, wd = grad.shape[1:]
        grown = np.zeros((n_inits, h + rate * (k - 1), wd + rate * (k - 1)))
        for a in range(k):
            for b in range(k):
                grown[:, a * rate : a * rate + h, b * rate : b * rate + wd] += w[:, a, b, None, None] * grad
        grad = grown
    return (grad**2).mean(axis=0)


# --- growth with depth ---------------------------------------------------------------------------


def loglog_slope(depths: Sequence[float], widths: Any) -> float | np.ndarray:
    """Least-squares slope of ``log(width)`` against ``log(depth)``.

    A width growing like ``depth^a`` has slope ``a``: 0.5 for ``sqrt(n)``, 1 for ``n``.
    ``widths`` may be 2-D (one row per run, e.g. per initialisation): then one slope
    per row is returned.

    Introduced in 12_effective_receptive_field.ipynb.

    >>> round(loglog_slope([5, 10, 20, 40], [5 ** 0.5, 10 ** 0.5, 20 ** 0.5, 40 ** 0.5]), 12)
    0.5
    """
    d = np.asarray(depths, dtype=float)
    w = np.asarray(widths, dtype=float)
    if d.ndim != 1 or len(d) < 2:
        raise ValueError(f"depths={list(np.atleast_1d(d))!r} must be a sequence of at least 2 depths")
    if w.ndim not in (1, 2) or w.shape[-1] != len(d):
        raise ValueError(f"widths with shape {w.shape} must have one value per depth ({len(d)}) in each row")
    if np.any(d <= 0) or np.any(w <= 0) or not np.all(np.isfinite(w)):
        raise ValueError("depths and widths must be positive and finite (their logarithms are fitted)")
    if len(set(d.tolist())) < 2:
        raise ValueError(f"depths={d.tolist()!r} must contain at least two different values")
    x = np.log(d)
    y = np.log(w)
    xc = x - x.mean()
    slopes = (y - y.mean(axis=-1, keepdims=True)) @ xc / (xc @ xc)
    return float(slopes) if w.ndim == 1 else slopes


@dataclass(frozen=True, eq=False)
class ErfGrowth:
    """ERF widths of one kind of stack over depths and initialisations (:func:`erf_growth`).

    Attributes
    ----------
    depths : tuple of int
    field : tuple of int
        Theoretical receptive field (pixels per side) at each depth.
    seeds : tuple of int
        One initialisation per seed (and the same seed for its random inputs).
    sigma : numpy.ndarray, shape (len(seeds), len(depths))
        Fitted sigma (mean of the two axes, pixels) of each initialisation's ERF.
    maps : tuple of numpy.ndarray
        Per depth, the ERF averaged over the initialisations (each normalised to sum 1
        first, so every initialisation counts the same).
    fits : tuple of GaussianFit
        Per depth, the fit of that averaged map.
    settings : dict
        The :func:`erf_stack` arguments and ``n_inputs``.
    """

    depths: tuple[int, ...]
    field: tuple[int, ...]
    seeds: tuple[int, ...]
    sigma: np.ndarray
    maps: tuple[np.ndarray, ...]
    fits: tuple[GaussianFit, ...]
    settings: dict

    @property
    def sigma_mean(self) -> np.ndarray:
        """Mean sigma over the initialisations, per depth."""
        return self.sigma.mean(axis=0)

    @property
    def sigma_sd(self) -> np.ndarray:
        """Standard deviation of sigma over the initialisations, per depth (0 for one seed)."""
        return self.sigma.std(axis=0, ddof=1) if len(self.seeds) > 1 else np.zeros(len(self.depths))

    @property
    def slopes(self) -> np.ndarray:
        """Log-log slope of sigma against depth, one per initialisation."""
        return np.atleast_1d(loglog_slope(self.depths, self.sigma))

    @property
    def slope(self) -> float:
        """Log-log slope of the mean sigma against depth."""
        return float(loglog_slope(self.depths, self.sigma_mean))

    @property
    def field_slope(self) -> float:
        """Log-log slope of the theoretical field against depth (below 1: the field is ``2n + 1``)."""
        return float(loglog_slope(self.depths, self.field))

    def to_table(self, digits: int = 2) -> str:
        """Depth, theoretical field, sigma (mean ± sd over the initialisations) and sigma / field."""
        runs = len(self.seeds)
        head = ("depth", "field", f"sigma (mean ± sd, {runs} init{'s' if runs > 1 else ''})", "sigma / field")
        rows = [head]
        for n, r, s, sd in zip(self.depths, self.field, self.sigma_mean, self.sigma_sd):
            rows.append((str(n), str(r), f"{s:.{digits}f} ± {sd:.{digits}f}", f"{s / r:.3f}"))
        widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
        lines = ["  ".join(c.rjust(w) for c, w in zip(row, widths)) for row in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(lines)


def erf_growth(
    depths: Sequence[int],
    *,
    weights: str = "random",
    relu: bool = False,
    channels: int = 1,
    kernel_size: int = 3,
    seeds: Sequence[int] = (0,),
    n_inputs: int = 1,
    method: str = "moments",
) -> ErfGrowth:
    """Measure the ERF of :func:`erf_stack` stacks at several depths and initialisations.

    For every depth ``n`` and seed: build ``erf_stack(n, weights=..., relu=...,
    channels=..., kernel_size=..., seed=seed)``, feed it an input exactly as large as
    its theoretical field (so the output is the one unit whose field that is), take
    :func:`erf_map` over ``n_inputs`` random inputs, and fit a Gaussian
    (:func:`fit_gaussian` with ``method``). Widths are the mean of the two axes' sigmas.

    Parameters
    ----------
    depths : sequence of int
    weights, relu, channels, kernel_size
        As in :func:`erf_stack`.
    seeds : sequence of int
        One initialisation per seed.
    n_inputs : int
        Random inputs per initialisation (1 is exact for a linear stack).
    method : {'moments', 'lstsq'}

    Returns
    -------
    ErfGrowth

    Introduced in 12_effective_receptive_field.ipynb.
    """
    from . import layers_from_module, receptive_field  # noqa: PLC0415 - public names only

    if isinstance(depths, (str, bytes)) or not isinstance(depths, Sequence) or not depths:
        raise TypeError(f"depths={depths!r} must be a non-empty sequence of positive ints")
    depth_list = [_positive_int(n, f"depths[{i}]") for i, n in enumerate(depths)]
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, Sequence) or not seeds:
        raise TypeError(f"seeds={seeds!r} must be a non-empty sequence of non-negative ints")
    seed_list = [_positive_int(s, f"seeds[{i}]", minimum=0) for i, s in enumerate(seeds)]
    if method not in FIT_METHODS:
        raise ValueError(f"method={method!r} must be one of {FIT_METHODS}")
    settings = dict(weights=weights, relu=relu, channels=channels, kernel_size=kernel_size, n_inputs=n_inputs)
    sigma = np.zeros((len(seed_list), len(depth_list)))
    fields, maps, fits = [], [], []
    for j, n in enumerate(depth_list):
        total = None
        for i, seed in enumerate(seed_list):
            net = erf_stack(n, weights=weights, relu=relu, channels=channels, kernel_size=kernel_size, seed=seed)
            size = receptive_field(layers_from_module(net)).size
            r = int(size[0]) if isinstance(size, tuple) else int(size)
            m = erf_map(net, (1, channels, r, r), n_inputs=n_inputs, seed=seed)
            if not np.any(m > 0):
                raise ValueError(
                    f"the stack of depth {n} with seed {seed} has a zero gradient everywhere (every path "
                    f"passes a ReLU that is off for all {n_inputs} inputs): use more channels or n_inputs"
                )
            m = m / m.sum()
            sigma[i, j] = fit_gaussian(m, method=method).sigma_mean
            total = m if total is None else total + m
        mean_map = total / len(seed_list)
        fields.append(r)
        maps.append(mean_map)
        fits.append(fit_gaussian(mean_map, method=method))
    return ErfGrowth(
        depths=tuple(depth_list), field=tuple(fields), seeds=tuple(seed_list), sigma=sigma,
        maps=tuple(maps), fits=tuple(fits), settings=settings,
    )


__all__ = [
    "ErfGrowth",
    "GaussianFit",
    "erf_growth",
    "erf_map",
    "erf_stack",
    "fit_gaussian",
    "loglog_slope",
    "mean_squared_erf",
]
