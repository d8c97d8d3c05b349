"""The effective receptive field: erf_map against analytic maps, the Gaussian fit, stacks, growth, errors."""

from __future__ import annotations

import doctest
import itertools
import math

import numpy as np
import pytest
import torch
from torch import nn

import convlib
from convlib import utilization_map
from convlib.erf import (
    ErfGrowth,
    GaussianFit,
    erf_growth,
    erf_map,
    erf_stack,
    fit_gaussian,
    loglog_slope,
    mean_squared_erf,
)


def ones_stack(*rates: int, channels: int = 1) -> nn.Sequential:
    convs = [nn.Conv2d(channels, channels, 3, dilation=r, bias=False) for r in rates]
    for conv in convs:
        nn.init.ones_(conv.weight)
    return nn.Sequential(*convs)


def gaussian(shape, amplitude, centre, sigma):
    grids = np.indices(shape).astype(float)
    return amplitude * np.exp(-sum((g - c) ** 2 / (2 * s**2) for g, c, s in zip(grids, centre, sigma)))


# --- erf_map: analytic cases ---------------------------------------------------------------------


def test_one_all_ones_layer_is_a_block_of_ones():
    m = erf_map(ones_stack(1), (1, 1, 3, 3))
    assert m.dtype == np.float64 and m.shape == (3, 3)
    assert np.array_equal(m, np.ones((3, 3)))
    # on a larger input with padding the centre unit still sees exactly its 3x3 window
    conv = nn.Conv2d(1, 1, 3, padding=1, bias=False)
    nn.init.ones_(conv.weight)
    m = erf_map(conv, (1, 1, 7, 7))
    expected = np.zeros((7, 7))
    expected[2:5, 2:5] = 1
    assert np.array_equal(m, expected)


def test_two_all_ones_layers_are_the_tent():
    tent = np.array([1, 2, 3, 2, 1], dtype=float)
    assert np.array_equal(erf_map(ones_stack(1, 1), (1, 1, 5, 5)), np.outer(tent, tent))


@pytest.mark.parametrize("rates", [[2, 2, 2], [1, 2, 3], [1, 2, 5], [3, 1], [1, 1, 1, 1]])
def test_dilated_all_ones_stack_equals_utilization_map(rates):
    r = convlib.receptive_field([convlib.Layer(3, dilation=d) for d in rates]).size
    m = erf_map(ones_stack(*rates), (1, 1, r, r))
    assert np.array_equal(m, utilization_map(rates))


def test_uniform_erf_stack_is_the_normalised_utilization_map():
    for rates in ([2, 2, 2], [1, 2, 5]):
        net = erf_stack(len(rates), dilation=rates, weights="uniform")
        r = utilization_map(rates).shape[0]
        m = erf_map(net, (1, 1, r, r))
        assert np.allclose(m * 9 ** len(rates), utilization_map(rates), rtol=1e-12, atol=0)
        assert math.isclose(m.sum(), 1.0, rel_tol=1e-12)  # each layer averages: a probability map


def test_channels_are_summed_and_position_is_respected():
    # two channels of ones: every path is doubled at each layer and in the output sum
    m = erf_map(ones_stack(1, channels=2), (1, 2, 5, 5), position=(0, 0))
    expected = np.zeros((5, 5))
    expected[0:3, 0:3] = 2 * 2  # summed over 2 output channels and 2 input channels
    assert np.array_equal(m, expected)
    m = erf_map(ones_stack(1), (1, 1, 5, 5), position=2)
    assert np.array_equal(np.nonzero(m.any(axis=1))[0], [2, 3, 4])


def test_one_dimensional_model():
    conv = nn.Conv1d(1, 1, 3, bias=False)
    nn.init.ones_(conv.weight)
    assert np.array_equal(erf_map(nn.Sequential(conv, conv), (1, 1, 5)), [1, 2, 3, 2, 1])


def test_linear_model_does_not_depend_on_inputs_relu_model_averages_them():
    net = erf_stack(3, channels=2, seed=1)
    a = erf_map(net, (1, 2, 7, 7), seed=0)
    b = erf_map(net, (1, 2, 7, 7), seed=5, n_inputs=3)
    assert np.allclose(a, b, rtol=1e-12)
    relu = erf_stack(3, channels=4, relu=True, seed=1)
    single = [erf_map(relu, (1, 4, 7, 7), seed=0, n_inputs=1)]
    # n_inputs averages |grad| over a batch drawn from the seeded generator
    x = torch.randn((3, 4, 7, 7), generator=torch.Generator().manual_seed(2), dtype=torch.float64,
                    requires_grad=True)
    (g,) = torch.autograd.grad(relu(x)[:, :, 0, 0].sum(), x)
    assert np.allclose(erf_map(relu, (1, 4, 7, 7), seed=2, n_inputs=3), g.abs().sum(1).mean(0).numpy())
    assert not np.allclose(single[0], erf_map(relu, (1, 4, 7, 7), seed=2, n_inputs=3))


def test_erf_map_on_given_inputs():
    relu = erf_stack(3, channels=2, relu=True, seed=4)
    batch = np.random.default_rng(0).normal(size=(5, 2, 7, 7))
    x = torch.tensor(batch, requires_grad=True)
    (g,) = torch.autograd.grad(relu(x)[:, :, 0, 0].sum(), x)
    expected = g.abs().sum(1).mean(0).numpy()
    assert np.allclose(erf_map(relu, (1, 2, 7, 7), inputs=batch), expected, rtol=1e-12)
    assert np.allclose(erf_map(relu, (1, 2, 7, 7), inputs=torch.tensor(batch, dtype=torch.float32)), expected, rtol=1e-6)
    with pytest.raises(ValueError, match=r"inputs with shape \(5, 2, 7, 6\) must be \(N, 2, 7, 7\)"):
        erf_map(relu, (1, 2, 7, 7), inputs=batch[..., :6])
    with pytest.raises(TypeError, match="inputs must be a tensor or an array"):
        erf_map(relu, (1, 2, 7, 7), inputs={"a": 1})


def test_erf_map_leaves_global_rng_and_weight_grads_alone():
    net = erf_stack(2, channels=2)
    state = torch.get_rng_state()
    erf_map(net, (1, 2, 5, 5), n_inputs=2)
    assert torch.equal(state, torch.get_rng_state())
    assert all(p.grad is None for p in net.parameters())


def test_erf_map_refuses_training_mode_batchnorm():
    net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2))
    with pytest.raises(ValueError, match=r"training mode.*BatchNorm2d.*model\.eval\(\)"):
        erf_map(net, (1, 1, 5, 5), n_inputs=2)
    net.eval()
    assert erf_map(net, (1, 1, 5, 5)).shape == (5, 5)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(model="net", input_shape=(1, 1, 5, 5)), TypeError, "model="),
        (dict(input_shape=(1, 1, 5)), ValueError, r"has 1 spatial dimension\(s\) but 0 \(Conv2d\) has 2"),
        (dict(input_shape=(1, 1, 0, 5)), ValueError, "input_shape="),
        (dict(input_shape=(1, 5, 5)), ValueError, "has 1 spatial dimension"),
        (dict(input_shape=(1, 2, 5, 5)), ValueError, "does not fit the model"),
        (dict(input_shape=(4, 1, 5, 5)), ValueError, r"batch size 1.*n_inputs=4"),
        (dict(input_shape=(1, 1, 5, 5), n_inputs=0), ValueError, "n_inputs=0"),
        (dict(input_shape=(1, 1, 5, 5), n_inputs=1.5), TypeError, "n_inputs=1.5"),
        (dict(input_shape=(1, 1, 5, 5), seed=-1), ValueError, "seed=-1"),
        (dict(input_shape=(1, 1, 5, 5), position=(3, 0)), ValueError, r"position=\(3, 0\) is outside"),
        (dict(input_shape=(1, 1, 5, 5), position="c"), TypeError, "position="),
        (dict(input_shape="5x5"), ValueError, "input_shape="),
    ],
)
def test_erf_map_errors(kwargs, error, match):
    kwargs.setdefault("model", ones_stack(1))
    model = kwargs.pop("model")
    shape = kwargs.pop("input_shape")
    with pytest.raises(error, match=match):
        erf_map(model, shape, **kwargs)


def test_erf_map_of_a_model_that_ignores_its_input():
    class Const(nn.Module):
        def forward(self, x):
            return torch.zeros(x.shape[0], 1, 1, 1, dtype=x.dtype)

    assert not erf_map(Const(), (1, 1, 3, 3)).any()


# --- fit_gaussian ------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["moments", "lstsq"])
@pytest.mark.parametrize("sigma", [(2.0, 2.0), (3.5, 1.5), (6.0, 4.0)])
def test_fit_recovers_known_gaussians(method, sigma):
    shape, centre = (61, 55), (30.0, 26.5)
    m = gaussian(shape, 2.5, centre, sigma)
    fit = fit_gaussian(m, method=method)
    assert isinstance(fit, GaussianFit) and fit.method == method and fit.shape == shape
    assert np.allclose(fit.sigma, sigma, rtol=1e-3)
    assert np.allclose(fit.centre, centre, atol=1e-3)
    assert math.isclose(fit.amplitude, 2.5, rel_tol=1e-3)
    assert fit.r2 > 0.9999
    assert math.isclose(fit.sigma_mean, np.mean(sigma), rel_tol=1e-3)
    assert np.allclose(fit.evaluate(), m, atol=1e-2)


def test_lstsq_is_a_least_squares_optimum_and_robust_to_noise():
    rng = np.random.default_rng(0)
    clean = gaussian((41, 41), 1.0, (20.0, 20.0), (4.0, 5.0))
    noisy = np.abs(clean + rng.normal(0, 0.01, clean.shape))
    fit = fit_gaussian(noisy, method="lstsq")
    assert np.allclose(fit.sigma, (4.0, 5.0), rtol=0.02)
    cost = ((fit.evaluate() - noisy) ** 2).sum()
    for i in range(2):  # moving sigma either way costs more
        for factor in (0.99, 1.01):
            sigma = list(fit.sigma)
            sigma[i] *= factor
            assert ((gaussian(noisy.shape, fit.amplitude, fit.centre, sigma) - noisy) ** 2).sum() > cost


@pytest.mark.parametrize("k", [2, 3, 4, 5, 7])
@pytest.mark.parametrize("n", [1, 2, 3, 5, 8])
def test_moments_of_a_uniform_stack_are_the_closed_form(n, k):
    net = erf_stack(n, kernel_size=k, weights="uniform")
    r = n * (k - 1) + 1
    fit = fit_gaussian(erf_map(net, (1, 1, r, r)))
    assert np.allclose(np.square(fit.sigma), n * (k * k - 1) / 12, rtol=1e-12)
    assert np.allclose(fit.centre, n * (k - 1) / 2, rtol=1e-12)


def test_fit_is_scale_invariant_even_for_huge_counts():
    line = np.ones(1)
    for _ in range(600):  # path counts of 600 rate-1 layers, in float: up to ~1e283 (int64 would overflow)
        line = np.convolve(line, np.ones(3))
    small = line / line.max()
    a, b = fit_gaussian(line), fit_gaussian(small)
    assert a.sigma == pytest.approx(b.sigma) and a.r2 == pytest.approx(b.r2) and np.isfinite(a.r2)
    assert a.amplitude == pytest.approx(b.amplitude * line.max())
    assert a.sigma[0] ** 2 == pytest.approx(600 * 2 / 3)  # 1-D steps in {-1, 0, 1}: variance 2/3 each


def test_fit_on_one_dimensional_maps():
    fit = fit_gaussian([1, 2, 3, 2, 1])
    assert fit.sigma == pytest.approx((math.sqrt(2 * (9 - 1) / 12),)) and fit.centre == pytest.approx((2.0,))


def test_fit_quality_sees_a_non_gaussian_map():
    ring = np.zeros((21, 21))
    yy, xx = np.indices(ring.shape)
    ring[np.abs(np.hypot(yy - 10, xx - 10) - 7) < 1] = 1
    assert fit_gaussian(ring).r2 < 0.2 < fit_gaussian(gaussian((21, 21), 1, (10, 10), (3, 3)) + ring * 0.01).r2


@pytest.mark.parametrize(
    "value, error, match",
    [
        (np.zeros((3, 3)), ValueError, "zero everywhere"),
        (-np.ones((3, 3)), ValueError, "negative"),
        (np.array([[1.0, np.nan]]), ValueError, "NaN"),
        (np.ones((2, 2, 2)), ValueError, "1-D or 2-D"),
        (np.ones(0), ValueError, "1-D or 2-D"),
        ([["a"]], TypeError, "real numbers"),
        (np.eye(1), ValueError, "single line or point"),
    ],
)
def test_fit_errors(value, error, match):
    with pytest.raises(error, match=match):
        fit_gaussian(value)
    with pytest.raises(ValueError, match="method='median' must be one of"):
        fit_gaussian(np.ones((3, 3)), method="median")


# --- erf_stack ---------------------------------------------------------------------------------


def test_erf_stack_layers_and_weights():
    net = erf_stack(3, dilation=[1, 2, 3], relu=True, channels=4, seed=7)
    convs = [m for m in net if isinstance(m, nn.Conv2d)]
    assert [c.dilation for c in convs] == [(1, 1), (2, 2), (3, 3)]
    assert sum(isinstance(m, nn.ReLU) for m in net) == 3 and len(net) == 6
    assert all(c.bias is None and c.weight.dtype == torch.float64 and c.in_channels == 4 for c in convs)
    # He initialisation: std sqrt(2 / fan_in), mean 0 (3 x 144 weights: loose bounds)
    w = torch.cat([c.weight.flatten() for c in convs])
    assert abs(w.std().item() / math.sqrt(2 / 36) - 1) < 0.15 and abs(w.mean().item()) < 0.05
    # seeded, reproducible, independent of the global RNG
    state = torch.get_rng_state()
    again = erf_stack(3, dilation=[1, 2, 3], relu=True, channels=4, seed=7)
    assert torch.equal(state, torch.get_rng_state())
    assert all(torch.equal(a.weight, b.weight) for a, b in zip(convs, again[::2]))
    assert not torch.equal(convs[0].weight, erf_stack(3, channels=4, relu=True, seed=8)[0].weight)
    uniform = erf_stack(2, weights="uniform", channels=3, kernel_size=5, dtype="float32")
    assert all(torch.all(c.weight == 1 / 75) and c.weight.dtype == torch.float32 for c in uniform)
    assert erf_stack(2, padding="same")[1].padding == "same"


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(depth=0), ValueError, "depth=0"),
        (dict(depth=2.0), TypeError, "depth=2.0"),
        (dict(depth=2, kernel_size=0), ValueError, "kernel_size=0"),
        (dict(depth=2, dilation=[1, 2, 3]), ValueError, r"dilation=\[1, 2, 3\] must have one rate per layer: depth=2"),
        (dict(depth=2, dilation=[1, 0]), ValueError, r"dilation\[1\]=0"),
        (dict(depth=2, dilation="2"), TypeError, "dilation="),
        (dict(depth=2, weights="gaussian"), ValueError, "weights='gaussian' must be one of"),
        (dict(depth=2, relu="yes"), TypeError, "relu="),
        (dict(depth=2, channels=0), ValueError, "channels=0"),
        (dict(depth=2, padding=-1), ValueError, "padding=-1"),
        (dict(depth=2, seed=-3), ValueError, "seed=-3"),
        (dict(depth=2, dtype="float16"), ValueError, "dtype='float16' must be one of"),
    ],
)
def test_erf_stack_errors(kwargs, error, match):
    depth = kwargs.pop("depth")
    with pytest.raises(error, match=match):
        erf_stack(depth, **kwargs)


# --- mean squared gradient of random stacks ------------------------------------------------------


@pytest.mark.parametrize("depth, rates, seed", [(4, 1, 3), (3, [1, 2, 3], 2), (2, [2, 2], 0)])
def test_mean_squared_erf_of_one_stack_is_its_squared_gradient(depth, rates, seed):
    net = erf_stack(depth, dilation=rates, seed=seed)
    r = convlib.receptive_field(convlib.layers_from_module(net)).size[0]
    expected = erf_map(net, (1, 1, r, r)) ** 2
    assert np.allclose(mean_squared_erf(depth, n_inits=1, dilation=rates, seed=seed), expected, rtol=1e-10, atol=0)


def test_mean_squared_erf_tends_to_the_uniform_erf():
    sq = mean_squared_erf(2, n_inits=20000, seed=1)
    uniform = erf_map(erf_stack(2, weights="uniform"), (1, 1, 5, 5))
    assert np.abs(sq / uniform - 1).max() < 0.1  # 20000 stacks: a few per cent of sampling error
    with pytest.raises(ValueError, match="n_inits=0"):
        mean_squared_erf(2, n_inits=0)


# --- growth ------------------------------------------------------------------------------------


def test_loglog_slope():
    depths = [5, 10, 20, 40]
    assert loglog_slope(depths, [2 * n + 1 for n in depths]) == pytest.approx(
        np.polyfit(np.log(depths), np.log([2 * n + 1 for n in depths]), 1)[0]
    )
    rows = np.array([[n**0.5 for n in depths], [3 * n for n in depths]])
    assert np.allclose(loglog_slope(depths, rows), [0.5, 1.0])
    for bad, match in [(([5], [1.0]), "at least 2"), (([5, 10], [1.0, 0.0]), "positive"),
                       (([5, 10], [1.0, 2.0, 3.0]), "one value per depth"), (([5, 5], [1.0, 2.0]), "two different")]:
        with pytest.raises(ValueError, match=match):
            loglog_slope(*bad)


def test_erf_growth_uniform_is_exactly_sqrt_n():
    g = erf_growth([2, 4, 8], weights="uniform")
    assert isinstance(g, ErfGrowth) and g.field == (5, 9, 17) and g.sigma.shape == (1, 3)
    assert np.allclose(g.sigma[0], np.sqrt(np.array([2, 4, 8]) * 8 / 12), rtol=1e-12)
    assert g.slope == pytest.approx(0.5, abs=1e-12) and np.allclose(g.slopes, 0.5)
    assert g.field_slope == pytest.approx(loglog_slope([2, 4, 8], [5, 9, 17]))
    assert all(math.isclose(m.sum(), 1.0, rel_tol=1e-12) for m in g.maps)
    assert [f.sigma_mean for f in g.fits] == pytest.approx(list(g.sigma_mean))
    table = g.to_table()
    assert table.splitlines()[2].split() == ["2", "5", "1.15", "±", "0.00", f"{math.sqrt(16 / 12) / 5:.3f}"]


def test_erf_growth_random_seeds():
    g = erf_growth([2, 4], weights="random", channels=2, seeds=[0, 1, 2])
    assert g.sigma.shape == (3, 2) and g.seeds == (0, 1, 2)
    for i, seed in enumerate(g.seeds):  # each row is that seed's own stack, measured and fitted
        net = erf_stack(4, channels=2, seed=seed)
        assert g.sigma[i, 1] == pytest.approx(fit_gaussian(erf_map(net, (1, 2, 9, 9), seed=seed)).sigma_mean)
    assert np.allclose(g.sigma_sd, g.sigma.std(axis=0, ddof=1))
    assert np.allclose(g.maps[1], np.mean([erf_map(erf_stack(4, channels=2, seed=s), (1, 2, 9, 9)) /
                                           erf_map(erf_stack(4, channels=2, seed=s), (1, 2, 9, 9)).sum()
                                           for s in g.seeds], axis=0))
    assert len(g.slopes) == 3


def test_erf_growth_dead_relu_network_is_reported():
    dead = next(s for s in range(50) if not erf_map(erf_stack(6, relu=True, seed=s), (1, 1, 13, 13)).any())
    with pytest.raises(ValueError, match=r"depth 6 with seed .* zero gradient everywhere"):
        erf_growth([6], relu=True, seeds=[dead])


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(depths=[]), TypeError, "depths="),
        (dict(depths=5), TypeError, "depths="),
        (dict(depths=[5, 0]), ValueError, r"depths\[1\]=0"),
        (dict(depths=[5], seeds=[]), TypeError, "seeds="),
        (dict(depths=[5], seeds=[-1]), ValueError, r"seeds\[0\]=-1"),
        (dict(depths=[5], method="x"), ValueError, "method="),
        (dict(depths=[5], weights="x"), ValueError, "weights="),
    ],
)
def test_erf_growth_errors(kwargs, error, match):
    depths = kwargs.pop("depths")
    with pytest.raises(error, match=match):
        erf_growth(depths, **kwargs)


def test_public_names_are_lazy_exports():
    for name in ["erf_map", "erf_stack", "erf_growth", "fit_gaussian", "loglog_slope", "mean_squared_erf",
                 "GaussianFit", "ErfGrowth"]:
        assert getattr(convlib, name) is getattr(convlib.erf, name)
    assert set(itertools.chain(["plot_erf", "plot_erf_grid", "plot_erf_growth"])) <= set(dir(convlib))


# --- figures: what is drawn is the data ------------------------------------------------------------

import matplotlib  # noqa: E402

matplotlib.use("Agg")

from matplotlib.text import Text  # noqa: E402

from convlib.render.erf import (  # noqa: E402
    COLORBAR_LABEL,
    HOLE_LABEL,
    mass_within,
    normalised,
    plot_erf,
    plot_erf_grid,
    plot_erf_growth,
)


def _small_texts(fig, minimum=9.0):
    fig.canvas.draw()
    return [(t.get_text(), t.get_fontsize()) for t in fig.findobj(Text)
            if t.get_visible() and t.get_text().strip() and t.get_fontsize() < minimum]


def _legend_texts(legend):
    return [t.get_text() for t in legend.get_texts()]


def test_normalised_and_mass_within():
    m = normalised(np.array([[0.0, 2.0], [4.0, 1.0]]))
    assert np.array_equal(m.mask, [[True, False], [False, False]]) and np.allclose(m.data[~m.mask], [0.5, 1, 0.25])
    assert mass_within(1) == pytest.approx(1 - math.exp(-0.5))
    for bad in (np.zeros((2, 2)), -np.ones(3), np.ones((1, 1, 1))):
        with pytest.raises(ValueError):
            normalised(bad)


def test_plot_erf_draws_the_normalised_map_and_the_fit():
    m = erf_map(erf_stack(6, channels=2, seed=3), (1, 2, 13, 13))
    drawn = plot_erf(m, field=13, title="t")
    image = drawn.image.get_array()
    assert np.allclose(image, m / m.max()) and image.mask.sum() == (m == 0).sum()
    assert drawn.image.get_clim() == (0.0, 1.0)
    fit = fit_gaussian(m)
    assert drawn.fit == fit
    # the ellipse: centre at the fit's centre (pixels from the map's centre), semi-axes 2 sigma
    assert drawn.ellipse.center == pytest.approx((fit.centre[1] - 6, fit.centre[0] - 6))
    assert drawn.ellipse.width == pytest.approx(4 * fit.sigma[1]) and drawn.ellipse.height == pytest.approx(
        4 * fit.sigma[0])
    # the theoretical field: a 13 x 13 square centred on the map's centre, which here is the whole map
    box = drawn.field_box
    assert (box.get_width(), box.get_height(), box.get_x(), box.get_y()) == (13, 13, -6.5, -6.5)
    assert drawn.image.get_extent() == [-6.5, 6.5, 6.5, -6.5]
    assert list(drawn.ax.get_xticks()) == [-6, 0, 6]
    assert drawn.colorbar is not None and drawn.colorbar.ax.get_ylabel() == COLORBAR_LABEL
    texts = _legend_texts(drawn.ax.get_legend())
    assert texts == ["fitted Gaussian, 2σ ellipse (86% of its mass)", "theoretical field 13×13"]  # no holes here
    assert _small_texts(drawn.ax.figure) == []


def test_plot_erf_blanks_holes_and_says_so():
    u = utilization_map([2, 2, 2]).astype(float)
    drawn = plot_erf(u, fit=False, n_sigma=1)
    assert drawn.ellipse is None
    assert np.array_equal(drawn.image.get_array().mask, u == 0) and drawn.image.get_array().mask.sum() == 120
    assert _legend_texts(drawn.ax.get_legend()) == [HOLE_LABEL]
    given = GaussianFit(centre=(6.0, 5.0), sigma=(1.0, 3.0), amplitude=1.0, r2=1.0, method="moments", shape=(13, 13))
    drawn = plot_erf(u, fit=given, n_sigma=1, colorbar=False, legend=False)
    assert drawn.ellipse.center == (-1.0, 0.0) and (drawn.ellipse.width, drawn.ellipse.height) == (6.0, 2.0)
    assert drawn.colorbar is None and drawn.ax.get_legend() is None
    one_row = plot_erf([1.0, 2.0, 1.0])
    assert one_row.image.get_array().shape == (1, 3) and one_row.ellipse.height == 0


def test_plot_erf_errors():
    with pytest.raises(ValueError, match="n_sigma=0"):
        plot_erf(np.ones((3, 3)), n_sigma=0)
    with pytest.raises(ValueError, match="field=0"):
        plot_erf(np.ones((3, 3)), field=0)
    with pytest.raises(TypeError, match="fit="):
        plot_erf(np.ones((3, 3)), fit="yes")
    with pytest.raises(ValueError, match="zero everywhere"):
        plot_erf(np.zeros((3, 3)))


def test_plot_erf_grid_shares_one_scale_and_one_colour_bar():
    maps = [[utilization_map([1] * n).astype(float) for n in (2, 4)],
            [erf_map(erf_stack(n, channels=2, seed=1), (1, 2, 2 * n + 1, 2 * n + 1)) for n in (2, 4)]]
    grid = plot_erf_grid(maps, row_labels=["uniform", "random"], col_labels=["n = 2", "n = 4"])
    panels = [p for row in grid.panels for p in row]
    assert {p.image.get_clim() for p in panels} == {(0.0, 1.0)}
    assert all(p.image.colorbar is grid.colorbar for p in panels[:1])
    assert len(grid.figure.axes) == 4 + 1  # four panels, one colour bar
    for p, m in zip(panels, [m for row in maps for m in row]):
        assert np.allclose(p.image.get_array(), m / m.max())
        fit = fit_gaussian(m)
        assert p.ellipse.width == pytest.approx(4 * fit.sigma[1]) and p.ellipse.height == pytest.approx(
            4 * fit.sigma[0])
    assert [grid.axes[0, j].get_title() for j in range(2)] == ["n = 2", "n = 4"]
    assert [grid.axes[i, 0].get_ylabel() for i in range(2)] == ["uniform", "random"]
    assert _legend_texts(grid.legend) == ["fitted Gaussian, 2σ ellipse (86% of its mass)"]  # no zeros: no hole entry
    # offsets labelled once per column (bottom row), x only: the maps are square and a column shares its shape
    shown = [[(bool(ax.xaxis.get_tick_params()["labelbottom"]), bool(ax.yaxis.get_tick_params()["labelleft"]))
              for ax in row] for row in grid.axes]
    assert shown == [[(False, False)] * 2, [(True, False)] * 2]
    assert [t.get_text() for t in grid.axes[1, 1].get_xticklabels()] == ["-4", "0", "+4"]
    assert _small_texts(grid.figure) == []


def test_plot_erf_grid_empty_panels_given_fits_and_holes():
    u = utilization_map([2, 2]).astype(float)
    fit = fit_gaussian(u)
    grid = plot_erf_grid([[u, None]], fits=[[fit, None]], n_sigma=1)
    assert grid.panels[0][1] is None and not grid.axes[0, 1].axison
    assert grid.panels[0][0].ellipse.width == pytest.approx(2 * fit.sigma[1])
    assert _legend_texts(grid.legend) == ["fitted Gaussian, 1σ ellipse (39% of its mass)", HOLE_LABEL]
    tall = plot_erf_grid([[np.ones((5, 3))], [np.ones((3, 3))]], fits=False)  # shapes differ: every panel labelled
    assert [bool(ax.xaxis.get_tick_params()["labelbottom"]) for ax in tall.axes[:, 0]] == [True, True]
    assert [bool(ax.yaxis.get_tick_params()["labelleft"]) for ax in tall.axes[:, 0]] == [True, False]
    none = plot_erf_grid([[u]], fits=False)
    assert _legend_texts(none.legend) == [HOLE_LABEL] and none.panels[0][0].ellipse is None


def test_plot_erf_grid_errors():
    u = np.ones((3, 3))
    for bad, error in [([], TypeError), (u, TypeError), ([[u], [u, u]], ValueError), ([u], TypeError)]:
        with pytest.raises(error):
            plot_erf_grid(bad)
    with pytest.raises(ValueError, match="row_labels has 2 entries"):
        plot_erf_grid([[u]], row_labels=["a", "b"])
    with pytest.raises(ValueError, match="col_labels has 2 entries"):
        plot_erf_grid([[u]], col_labels=["a", "b"])
    with pytest.raises(ValueError, match="fits must have the shape"):
        plot_erf_grid([[u]], fits=[[None, None]])


def test_plot_erf_growth_draws_the_measured_widths():
    uniform = erf_growth([2, 4, 8], weights="uniform")
    random = erf_growth([2, 4, 8], channels=2, seeds=[0, 1, 2])
    drawn = plot_erf_growth({"uniform": uniform, "random": random})
    for label, g in (("uniform", uniform), ("random", random)):
        line = drawn.lines[label]
        assert list(line.get_xdata()) == [2, 4, 8] and np.allclose(line.get_ydata(), g.sigma_mean)
        (bars,) = drawn.errorbars[label].lines[2]
        segments = bars.get_segments()
        assert np.allclose([s[0][1] for s in segments], g.sigma_mean - g.sigma_sd)
        assert np.allclose([s[1][1] for s in segments], g.sigma_mean + g.sigma_sd)
    assert list(drawn.field_line.get_ydata()) == [5, 9, 17]
    assert drawn.ax.get_xscale() == drawn.ax.get_yscale() == "log"
    assert list(drawn.ax.get_xticks()) == [2, 4, 8]
    lo = min(min(g.sigma_mean - g.sigma_sd) for g in (uniform, random))
    assert list(drawn.ax.get_yticks()) == [v for v in (1, 1.5, 2, 3, 5, 7, 10, 15, 20, 30) if lo / 1.15 <= v <= 17 * 1.15]
    texts = _legend_texts(drawn.ax.get_legend())
    assert sorted(texts) == sorted([
        "uniform: slope 0.50",
        f"random: slope {random.slope:.2f} (± {random.slopes.std(ddof=1):.2f} over 3 inits)",
        f"theoretical field (side): slope {loglog_slope([2, 4, 8], [5, 9, 17]):.2f}",
    ])
    assert _small_texts(drawn.ax.figure) == []
    bare = plot_erf_growth({"uniform": uniform}, field=False, title=None)
    assert bare.field_line is None and bare.ax.get_title() == ""
    with pytest.raises(TypeError, match="non-empty mapping"):
        plot_erf_growth({})
    with pytest.raises(TypeError, match=r"growths\['x'\] must be an ErfGrowth"):
        plot_erf_growth({"x": [1, 2]})


@pytest.mark.parametrize("module", ["convlib.erf", "convlib.render.erf"])
def test_docstring_examples(module):
    import importlib

    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 0


def test_public_functions_say_where_they_are_introduced():
    import convlib.render.erf as render_erf

    for mod in (convlib.erf, render_erf):
        for name in mod.__all__:
            obj = getattr(mod, name)
            if callable(obj) and not isinstance(obj, type):
                assert "Introduced in 12_effective_receptive_field" in (obj.__doc__ or ""), f"{mod.__name__}.{name}"
