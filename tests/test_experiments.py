"""convlib.experiments (chapter 13): data, networks, training, metrics, spectra, phases, and their figures."""

from __future__ import annotations

import doctest
import importlib
import subprocess
import sys

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from convlib.experiments import (
    UPSAMPLERS,
    checkerboard_energy,
    checkerboard_experiment,
    checkerboard_frequencies,
    class_score,
    confusion_matrix,
    count_parameters,
    curve_pixels,
    deterministic,
    dilated_segmenter,
    downsample,
    flat_tile,
    gridding_experiment,
    icnr_,
    iou,
    mean_iou,
    mean_spread,
    phase_means,
    pixel_accuracy,
    power_spectrum,
    resize_conv_as_transposed,
    seeded,
    smooth_images,
    thin_structures,
    train,
    upsampler,
    upsampler_phase_kernels,
    upsampler_phase_sums,
    upsampling_decoder,
)
from convlib.render import experiments as rx

MODULES = ["data", "metrics", "models", "phases", "runs", "spectrum", "train"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_and_introduced_in(name):
    mod = importlib.import_module(f"convlib.experiments.{name}")
    assert doctest.testmod(mod, optionflags=doctest.NORMALIZE_WHITESPACE).failed == 0
    for public in mod.__all__:
        obj = getattr(mod, public)
        if callable(obj) and not isinstance(obj, type):
            assert "Introduced in 13_trained_artifacts.ipynb" in (obj.__doc__ or ""), f"{name}.{public}"


def test_import_stays_torch_free():
    code = "import sys, convlib, convlib.experiments; print(sorted({m.split('.')[0] for m in sys.modules}))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "torch" not in out and "matplotlib" not in out


# --- data ----------------------------------------------------------------------------------------------


def test_thin_structures_is_deterministic_per_seed():
    a, b, c = (thin_structures(6, 16, seed=s) for s in (3, 3, 4))
    assert np.array_equal(a.images, b.images) and np.array_equal(a.labels, b.labels)
    assert not np.array_equal(a.labels, c.labels)
    assert a.images.dtype == np.float32 and a.labels.dtype == np.int64
    assert a.images.shape == (6, 1, 16, 16) and a.labels.shape == (6, 16, 16)


@pytest.mark.parametrize("seed", range(5))
def test_images_are_the_labels_plus_noise(seed):
    clean = thin_structures(4, 20, noise=0.0, seed=seed)
    assert np.array_equal(clean.images[:, 0], (clean.labels > 0).astype(np.float32))
    noisy = thin_structures(4, 20, noise=0.5, seed=seed)
    assert np.array_equal(noisy.labels, clean.labels)  # the noise is drawn after the structures
    residual = noisy.images[:, 0] - (noisy.labels > 0)
    assert 0.4 < residual.std() < 0.6


@pytest.mark.parametrize("seed", range(8))
def test_a_blob_is_the_disc_drawn(seed):
    size, radius = 20, (1.0, 2.0)
    data = thin_structures(1, size, lines=0, blobs=1, radius=radius, noise=0.0, seed=seed)
    rng = np.random.default_rng(seed)  # the generator's draws, in its order: centre, then radius
    (cy, cx), r = rng.uniform(1, size - 1, size=2), rng.uniform(*radius)
    rows, cols = np.mgrid[:size, :size]
    disc = (rows + 0.5 - cy) ** 2 + (cols + 0.5 - cx) ** 2 <= r * r
    assert np.array_equal(data.labels[0] == 2, disc) and set(np.unique(data.labels[0])) <= {0, 2}


def test_lines_only_give_line_labels_and_blobs_win_over_lines():
    assert set(np.unique(thin_structures(5, 16, blobs=0, seed=1).labels)) == {0, 1}
    both = thin_structures(30, 16, lines=3, blobs=5, noise=0.0, seed=2)
    assert set(np.unique(both.labels)) == {0, 1, 2}
    np.testing.assert_allclose(both.class_fractions().sum(), 1.0)


@pytest.mark.parametrize("end", [(0.5, 9.5), (9.5, 9.5), (3.5, 9.5), (9.5, 0.5)])
def test_a_straight_curve_is_one_pixel_wide(end):
    start = np.array([0.5, 0.5])
    control = np.array([start, (start + np.array(end)) / 2, end])
    pixels = curve_pixels(control, 10)
    steps = int(max(abs(end[0] - start[0]), abs(end[1] - start[1])))
    assert len(pixels) == steps + 1  # one pixel per step along the longer axis
    assert tuple(pixels[0]) == (0, 0) and tuple(pixels[-1]) == (int(end[0]), int(end[1]))


@pytest.mark.parametrize("seed", range(20))
def test_curves_are_8_connected_without_staircase_corners(seed):
    control = np.random.default_rng(seed).uniform(0, 24, size=(3, 2))
    pixels = curve_pixels(control, 24)
    steps = np.abs(np.diff(pixels, axis=0)).max(axis=1)
    assert np.all(steps == 1)  # consecutive pixels touch (8-neighbours), none repeated
    corners = np.all(np.abs(pixels[2:] - pixels[:-2]) == 1, axis=1)
    assert not corners.any()  # no staircase: a pixel whose two path neighbours touch diagonally


def test_curve_and_generator_reject_bad_arguments():
    with pytest.raises(ValueError, match="control"):
        curve_pixels(np.zeros((2, 2)), 5)
    with pytest.raises(ValueError, match="radius"):
        thin_structures(1, 8, radius=(2.0, 1.0))
    with pytest.raises(TypeError, match="n="):
        thin_structures(1.5, 8)
    with pytest.raises(ValueError, match="noise"):
        thin_structures(1, 8, noise=-1.0)


def test_smooth_images_and_downsample():
    a, b = smooth_images(4, 16, seed=5), smooth_images(4, 16, seed=5)
    assert np.array_equal(a, b) and a.shape == (4, 1, 16, 16) and a.dtype == np.float32
    assert checkerboard_energy(a) < 0.01  # smooth: almost no power at the period-2 frequencies
    low = downsample(a)
    assert low.shape == (4, 1, 8, 8) and low.dtype == np.float32
    np.testing.assert_allclose(low[0, 0, 1, 2], a[0, 0, 2:4, 4:6].mean(), rtol=1e-6)
    with pytest.raises(ValueError, match="divisible"):
        downsample(np.zeros((5, 4)))


# --- networks ----------------------------------------------------------------------------------------


def test_rate_lists_have_equal_parameter_counts():
    counts = {r: count_parameters(dilated_segmenter(r)) for r in ((2, 2, 2), (1, 2, 3), (1, 2, 5))}
    assert len(set(counts.values())) == 1
    assert counts[2, 2, 2] == 16 * 9 + 16 + 2 * (16 * 16 * 9 + 16) + 16 * 3 + 3


def test_gridding_experiment_asserts_equal_parameter_counts():
    with pytest.raises(AssertionError, match="parameter counts differ"):
        gridding_experiment(rates=([2, 2], [1, 2, 3]), seeds=(0,), size=8, n_train=2, n_test=1, steps=1)


@pytest.mark.parametrize("rates, keeps_parity", [([2, 2, 2], True), ([1, 2, 3], False), ([1, 2, 5], False)])
def test_rate_two_everywhere_reads_one_parity_class_only(rates, keeps_parity):
    net = seeded(lambda: dilated_segmenter(rates, channels=4), 0).double()
    x = torch.randn(1, 1, 21, 21, dtype=torch.float64, requires_grad=True)
    net(x)[0, :, 10, 10].sum().backward()
    used = x.grad[0, 0] != 0
    odd = (np.indices((21, 21)).sum(axis=0) * 0 + np.indices((21, 21))[0] % 2 + np.indices((21, 21))[1] % 2) > 0
    assert bool(used[torch.from_numpy(odd)].any()) is not keeps_parity


def test_class_score_keeps_one_row_of_the_classifier():
    net = seeded(lambda: dilated_segmenter([1, 2, 3], channels=4), 0).eval()
    x = torch.randn(2, 1, 9, 9)
    for c in range(3):
        with torch.no_grad():
            assert torch.equal(class_score(net, c)(x)[:, 0], net(x)[:, c])
    with pytest.raises(ValueError, match="index"):
        class_score(net, 3)


@pytest.mark.parametrize("method", UPSAMPLERS)
def test_every_upsampler_doubles_the_size(method):
    dec = seeded(lambda: upsampling_decoder(method, channels=4), 1)
    assert dec(torch.zeros(2, 1, 7, 5)).shape == (2, 1, 14, 10)
    with pytest.raises(ValueError, match="method"):
        upsampler("bilinear", 4)


def test_icnr_makes_the_four_phase_kernels_identical():
    plain, tied = (seeded(lambda m=m: upsampling_decoder(m, channels=4), 2) for m in ("sub-pixel", "sub-pixel + ICNR"))
    kernels, bias = upsampler_phase_kernels(tied[-1])
    assert all(np.array_equal(kernels[i, j], kernels[0, 0]) and np.array_equal(bias[i, j], bias[0, 0])
               for i in range(2) for j in range(2))
    k_plain, _ = upsampler_phase_kernels(plain[-1])
    assert not np.array_equal(k_plain[0, 1], k_plain[0, 0])
    x = torch.randn(3, 1, 6, 6)
    with torch.no_grad():
        y = tied(x)[:, 0].numpy()
        const = tied(torch.full((1, 1, 8, 8), 0.7))[0, 0].numpy()
    blocks = y.reshape(3, 6, 2, 6, 2)
    assert np.array_equal(blocks, np.broadcast_to(blocks[:, :, :1, :, :1], blocks.shape))  # each 2×2 block constant
    assert checkerboard_energy(y) < 1e-20
    assert np.ptp(const[4:-4, 4:-4]) == 0.0  # a constant input gives a constant output (away from the border)
    with pytest.raises(ValueError, match="divisible"):
        icnr_(torch.zeros(6, 2, 3, 3))


def test_resize_then_convolve_is_a_transposed_4x4_convolution():
    up = seeded(lambda: upsampler("resize + conv", 3, 2), 3).double()
    x = torch.randn(2, 3, 5, 7, dtype=torch.float64)
    weight = torch.from_numpy(resize_conv_as_transposed(up[1].weight))
    with torch.no_grad():
        np.testing.assert_allclose(F.conv_transpose2d(x, weight, up[1].bias, stride=2, padding=1), up(x), atol=1e-12)
    sums = upsampler_phase_sums(up)
    assert np.allclose(sums, sums[0, 0])  # every tap lands once in every phase
    np.testing.assert_allclose(sums[0, 0], up[1].weight.detach().numpy().sum(axis=(2, 3)))


def test_phase_sums_of_an_all_ones_transposed_k3_in_output_coordinates():
    layer = nn.ConvTranspose2d(1, 1, 3, stride=2, padding=1, output_padding=1, bias=False)
    nn.init.ones_(layer.weight)
    np.testing.assert_array_equal(upsampler_phase_sums(layer)[:, :, 0, 0], [[1, 2], [2, 4]])
    with torch.no_grad():
        y = layer(torch.ones(1, 1, 6, 6))[0, 0, 2:-2, 2:-2].numpy()
    np.testing.assert_array_equal(phase_means(y), [[1, 2], [2, 4]])


@pytest.mark.parametrize("method", UPSAMPLERS)
@pytest.mark.parametrize("seed", range(3))
def test_flat_tile_predicts_the_output_on_a_flat_input(method, seed):
    dec = seeded(lambda: upsampling_decoder(method, channels=5), seed).double()
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in dec.parameters():  # trained-looking weights: not the init's symmetries
            p.add_(0.1 * torch.randn(p.shape, generator=generator, dtype=p.dtype))
    spreads = []
    for value in (-0.5, 0.0, 0.3, 1.7):
        with torch.no_grad():
            y = dec(torch.full((1, 1, 10, 10), value, dtype=torch.float64))[0, 0, 4:-4, 4:-4].numpy()
        tile = flat_tile(dec, value)
        np.testing.assert_allclose(np.tile(tile, (6, 6)), y, atol=1e-12)
        spreads.append(np.ptp(tile))
    if method == "resize + conv":
        assert max(spreads) < 1e-12  # equal phase sums: flat whatever the weights
    else:
        assert max(spreads) > 1e-6  # (a level whose features are all zero gives a flat tile: the bias)


def test_phase_kernels_reject_other_layers():
    with pytest.raises(TypeError, match="upsampling"):
        upsampler_phase_kernels(nn.Conv2d(1, 1, 3))
    with pytest.raises(ValueError, match="stride 2"):
        upsampler_phase_kernels(nn.ConvTranspose2d(1, 1, 3, stride=3))


# --- spectrum ----------------------------------------------------------------------------------------


def test_checkerboard_energy_on_known_images():
    rows, cols = np.indices((8, 12))
    assert checkerboard_energy((rows + cols) % 2) == 1.0  # a pure checkerboard
    assert checkerboard_energy(np.ones((8, 8))) == 0.0  # a constant
    assert checkerboard_energy(np.tile([[1.0, 3.0], [0.0, 7.0]], (4, 5))) == pytest.approx(1.0)  # any 2×2 tile
    assert checkerboard_energy(np.cos(2 * np.pi * cols / 12)) == pytest.approx(0.0, abs=1e-20)  # one period
    stripes = checkerboard_energy(np.cos(np.pi * rows) + np.cos(2 * np.pi * cols / 12))
    assert stripes == pytest.approx(2 / 3)  # variance 1 at (π, 0), 1/2 at a low frequency
    assert checkerboard_energy(np.tile([[1.0, 0.0, 0.0]] * 3, (3, 3)), stride=3) == pytest.approx(1.0)


@pytest.mark.parametrize("seed", range(4))
def test_checkerboard_energy_is_the_variance_of_the_phase_means(seed):
    x = np.random.default_rng(seed).standard_normal((3, 10, 6))
    between = sum(((phase_means(im) - im.mean()) ** 2).sum() * im.size / 4 for im in x)
    total = sum(((im - im.mean()) ** 2).sum() for im in x)
    assert checkerboard_energy(x) == pytest.approx(between / total, rel=1e-12)
    assert power_spectrum(x).sum() == pytest.approx(np.mean([im.var() for im in x]), rel=1e-12)  # Parseval


def test_spectrum_layout_and_errors():
    p = power_spectrum(np.indices((4, 4)).sum(axis=0) % 2)
    assert p[0, 0] == pytest.approx(0.25) and p.sum() == pytest.approx(0.25)  # (-π, -π) at the top-left
    assert checkerboard_frequencies((6, 4)) == [(0, 2), (3, 0), (3, 2)]
    with pytest.raises(ValueError, match="divisible"):
        checkerboard_energy(np.zeros((5, 4)))
    with pytest.raises(ValueError, match="stride"):
        checkerboard_energy(np.zeros((4, 4)), stride=1)


# --- metrics -------------------------------------------------------------------------------------------


def test_scores_on_a_hand_made_example():
    truth = np.array([[0, 0, 1], [2, 2, 0]])
    pred = np.array([[0, 1, 1], [2, 0, 0]])
    assert pixel_accuracy(pred, truth) == pytest.approx(4 / 6)
    np.testing.assert_array_equal(confusion_matrix(pred, truth, 3), [[2, 1, 0], [0, 1, 0], [1, 0, 1]])
    np.testing.assert_allclose(iou(pred, truth, 3), [2 / 4, 1 / 2, 1 / 2])
    assert mean_iou(pred, truth, 4) == pytest.approx(0.5)  # class 3 is absent from both: ignored
    assert np.isnan(iou(pred, truth, 4)[3])
    with pytest.raises(ValueError, match="shape"):
        iou(pred, truth[:1], 3)
    with pytest.raises(ValueError, match="labels"):
        iou(pred, truth, 2)
    with pytest.raises(TypeError, match="integer"):
        iou(pred.astype(float), truth, 3)


# --- training ---------------------------------------------------------------------------------------


def _tiny_run(loss, seed=0, threads=1):
    if loss == "mse":
        targets = smooth_images(8, 8, seed=seed)
        inputs, build = downsample(targets), (lambda: upsampling_decoder("transposed k3", channels=3))
    else:
        data = thin_structures(8, 8, seed=seed)
        inputs, targets, build = data.images, data.labels, (lambda: dilated_segmenter([1, 2, 3], channels=3))
    model = seeded(build, seed)
    log = train(model, inputs, targets, loss=loss, steps=4, batch_size=4, seed=seed, threads=threads,
                evaluate=lambda m: float(sum(p.sum() for p in m.parameters())), every=2)
    return model, log


@pytest.mark.parametrize("loss", ["cross_entropy", "mse"])
def test_training_twice_gives_identical_weights(loss):
    (a, log_a), (b, log_b) = _tiny_run(loss), _tiny_run(loss)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert np.array_equal(log_a.losses, log_b.losses)
    c, _ = _tiny_run(loss, seed=1)
    assert not all(torch.equal(p, q) for p, q in zip(a.parameters(), c.parameters()))
    assert log_a.checkpoints == (0, 2, 4) and len(log_a.evaluations) == 3
    assert log_a.evaluations[0] != log_a.evaluations[-1]


def test_deterministic_restores_the_settings_and_seeded_keeps_the_global_stream():
    before = torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()
    with deterministic(threads=2):
        assert torch.get_num_threads() == 2 and torch.are_deterministic_algorithms_enabled()
    assert (torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()) == before
    torch.manual_seed(11)
    expected = torch.rand(3)
    torch.manual_seed(11)
    seeded(lambda: nn.Linear(4, 4), 0)
    assert torch.equal(torch.rand(3), expected)
    with pytest.raises(ValueError, match="threads"):
        with deterministic(threads=0):
            pass


def test_train_rejects_bad_arguments():
    model = dilated_segmenter([1], channels=2)
    with pytest.raises(ValueError, match="loss"):
        train(model, np.zeros((2, 1, 4, 4), np.float32), np.zeros((2, 4, 4), np.int64), loss="l1")
    with pytest.raises(ValueError, match="same number"):
        train(model, np.zeros((2, 1, 4, 4), np.float32), np.zeros((3, 4, 4), np.int64), loss="cross_entropy")


# --- the experiments, tiny --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_gridding():
    return gridding_experiment(seeds=(0, 1), size=8, n_train=8, n_test=3, channels=4, steps=3, batch_size=4)


@pytest.fixture(scope="module")
def tiny_checkerboard():
    return checkerboard_experiment(seeds=(0, 1), size=8, n_train=8, n_test=3, steps=4, batch_size=4, every=2)


def test_gridding_experiment_keeps_every_number(tiny_gridding):
    g = tiny_gridding
    assert set(g.scores) == {"pixel accuracy", "mean IoU", "IoU background", "IoU line", "IoU blob"}
    assert all(v.shape == (3, 2) for v in g.scores.values())
    seed, r = 1, (1, 2, 5)
    predicted = g.predictions(seed)[r]
    test = g.tests[seed]
    assert g.score("pixel accuracy", r)[1] == pytest.approx(pixel_accuracy(predicted, test.labels))
    assert g.score("mean IoU", r)[1] == pytest.approx(mean_iou(predicted, test.labels, 3))
    assert np.array_equal(g.predictions(seed, 0)[r], predicted[0])
    again = gridding_experiment(seeds=(0, 1), size=8, n_train=8, n_test=3, channels=4, steps=3, batch_size=4)
    assert all(np.array_equal(g.scores[m], again.scores[m]) for m in g.scores)
    table = g.table()
    assert "[2, 2, 2]" in table and mean_spread(g.scores["mean IoU"][0]) in table
    for on in ("test", "noise"):
        erf = g.erf((2, 2, 2), 0, trained=False, on=on, n_inputs=2)
        assert erf.shape == (8, 8) and erf.sum() == pytest.approx(1.0)
        other = np.ones((8, 8), bool)
        other[::2, ::2] = False  # the centre (4, 4) is even-even
        assert erf[other].sum() == 0.0 and erf[4, 4] > 0
    with pytest.raises(ValueError, match="on="):
        g.erf((2, 2, 2), 0, on="images")


def test_checkerboard_experiment_keeps_every_number(tiny_checkerboard):
    cb = tiny_checkerboard
    assert cb.checkpoints == (0, 2, 4)
    assert cb.energy.shape == (len(UPSAMPLERS), 2, 3)
    icnr = UPSAMPLERS.index("sub-pixel + ICNR")
    assert np.all(cb.energy_initial[icnr] < 1e-20)
    for i, m in enumerate(cb.methods):
        for j, s in enumerate(cb.seeds):
            assert cb.energy_trained[i, j] == pytest.approx(checkerboard_energy(cb.outputs(m, s)))
            assert cb.energy_initial[i, j] == pytest.approx(checkerboard_energy(cb.outputs(m, s, trained=False)))
    assert cb.target_energy[1] == pytest.approx(checkerboard_energy(cb.tests[1][1]))
    assert "sub-pixel + ICNR" in cb.table() and "target images" in cb.table()


def test_mean_spread_and_seed_checks():
    assert mean_spread([1.0, 2.0, 3.0], ".1f") == "2.0 ± 1.0"
    with pytest.raises(ValueError, match="distinct"):
        checkerboard_experiment(seeds=(1, 1))


# --- figures ------------------------------------------------------------------------------------------


def test_plot_segmentation_draws_the_maps_and_marks_the_wrong_pixels():
    data = thin_structures(1, 12, seed=4)
    truth = data.labels[0]
    pred = truth.copy()
    pred[3, 5] = (pred[3, 5] + 1) % 3
    pred[7, 2] = (pred[7, 2] + 2) % 3
    f = rx.plot_segmentation(data.images[0], truth, {"net": pred, "perfect": truth})
    titles = [ax.get_title() for ax in f.axes]
    assert len(f.axes) == 4 and titles == ["input", "truth", "net\n2 wrong", "perfect\n0 wrong"]
    for ax, m in zip(f.axes[1:], [truth, pred, truth]):
        assert np.array_equal(ax.get_images()[0].get_array(), m)
    assert np.array_equal(f.axes[0].get_images()[0].get_array(), data.images[0, 0])
    dots = f.axes[2].lines[0]
    assert sorted(zip(dots.get_ydata(), dots.get_xdata())) == [(3, 5), (7, 2)]
    assert len(f.axes[3].lines[0].get_xdata()) == 0 and int(f.wrong["net"].sum()) == 2
    norms = {(im.norm.vmin, im.norm.vmax) for ax in f.axes[1:] for im in ax.get_images()}
    assert norms == {(-0.5, 2.5)}  # one class scale for truth and predictions
    labels = [t.get_text() for t in f.colorbars[1].ax.get_yticklabels()]
    assert labels == ["background", "line", "blob"]


def test_plot_spread_draws_every_seed_and_the_mean_and_sd():
    values = {"a": [0.5, 0.6, 0.7], "b": [0.2, 0.2, 0.5]}
    s = rx.plot_spread(values, ylabel="IoU")
    for i, line in enumerate(s.ax.lines[:2]):
        np.testing.assert_allclose(line.get_ydata(), list(values.values())[i])
        assert np.all(np.abs(np.asarray(line.get_xdata()) - i) <= 0.15 + 1e-12)
    np.testing.assert_allclose(s.means, [0.6, 0.3])
    np.testing.assert_allclose(s.sds, [0.1, np.std([0.2, 0.2, 0.5], ddof=1)])
    bars = s.ax.containers[0]
    np.testing.assert_allclose(bars.lines[0].get_ydata(), s.means)
    segments = bars.lines[2][0].get_segments()
    np.testing.assert_allclose([seg[1, 1] - seg[0, 1] for seg in segments], 2 * s.sds)
    assert [t.get_text() for t in s.ax.get_legend().get_texts()] == ["one seed", "mean ± sd"]


def test_plot_panels_share_one_scale_and_one_colour_bar():
    maps = {"a": np.arange(4.0).reshape(2, 2), "b": -np.ones((2, 2)), "c": np.full((2, 2), 9.0)}
    p = rx.plot_panels(maps, ncols=2, gamma=0.5, vmin=-1)
    for ax, m in zip(p.axes, maps.values()):
        im = ax.get_images()[0]
        assert np.array_equal(im.get_array(), m) and im.norm is p.norm
    assert (p.norm.vmin, p.norm.vmax) == (-1.0, 9.0) and type(p.norm).__name__ == "PowerNorm"
    bars = [ax for ax in p.figure.axes if getattr(ax, "_colorbar", None) is not None]
    assert len(bars) == 1
    assert sum(ax.get_visible() for ax in p.figure.axes if getattr(ax, "_colorbar", None) is None) == 3


def test_plot_spectra_marks_the_checkerboard_frequencies():
    rows, cols = np.indices((8, 8))
    board = ((rows + cols) % 2)[None].astype(float)
    smooth = smooth_images(2, 8, seed=0)[:, 0]
    s = rx.plot_spectra({"board": board, "smooth": smooth}, decades=6)
    assert s.energy == {"board": 1.0, "smooth": pytest.approx(checkerboard_energy(smooth))}
    assert [ax.get_title() for ax in s.axes] == [f"board\nE = {1.0:.2g}", f"smooth\nE = {s.energy['smooth']:.2g}"]
    assert sorted(s.markers) == [(0, 0), (0, 4), (4, 0)]
    for ax in s.axes:
        assert sorted(zip(ax.lines[0].get_ydata(), ax.lines[0].get_xdata())) == sorted(s.markers)
    shown = s.axes[0].get_images()[0].get_array()
    expected = np.maximum(np.log10(np.maximum(power_spectrum(board), 1e-300)), s.norm.vmin)
    np.testing.assert_allclose(shown, expected)
    assert np.unravel_index(np.argmax(shown), shown.shape) == (0, 0)  # all power at (-π, -π)
    assert s.norm.vmax - s.norm.vmin == pytest.approx(6)


def test_plot_curves_draws_means_bands_and_baseline():
    x = [0, 10, 20]
    series = {"m1": [[1.0, 0.1, 0.0], [0.5, 0.3, 0.02]], "m2": [[0.0, 0.01, 0.1], [0.0, 0.03, 0.1]]}
    c = rx.plot_curves(x, series, baseline=0.05, baseline_label="target", span=(5, 15), span_label="seen")
    lines = [ln for ln in c.ax.lines if ln.get_label() in series]
    for line, v in zip(lines, series.values()):
        np.testing.assert_allclose(line.get_ydata(), np.mean(v, axis=0))
    bands = [coll for coll in c.ax.collections]
    for band, v in zip(bands, series.values()):
        verts = band.get_paths()[0].vertices
        for k, xk in enumerate(x):
            ys = verts[np.isclose(verts[:, 0], xk), 1]
            assert np.isclose(ys, np.min(v, 0)[k]).any() and np.isclose(ys, np.max(v, 0)[k]).any()
        assert verts[:, 1].min() == pytest.approx(np.min(v)) and verts[:, 1].max() == pytest.approx(np.max(v))
    baseline = [ln for ln in c.ax.lines if ln.get_label() == "target"][0]
    assert set(baseline.get_ydata()) == {0.05}
    labels = [t.get_text() for t in c.ax.get_legend().get_texts()]
    assert labels == ["seen", "m1", "m2", "target", "band: min–max over seeds"]
    assert c.ax.get_ylim()[0] == 0 and c.ax.get_yscale() == "symlog"


def test_plot_phase_tiles_writes_every_deviation():
    tiles = {"even": np.full((2, 2), 0.5), "uneven": np.array([[1.0, 2.0], [3.0, 2.0]])}
    t = rx.plot_phase_tiles(tiles)
    np.testing.assert_allclose(t.deviations["uneven"], [[-50.0, 0.0], [50.0, 0.0]])
    np.testing.assert_allclose(t.deviations["even"], 0.0)
    assert t.texts["uneven"] == ["-50.00%", "+0.00%", "+50.00%", "+0.00%"]
    drawn = [x.get_text() for x in t.axes[1].texts]
    assert drawn == t.texts["uneven"]
    assert (t.norm.vmin, t.norm.vmax) == (-50.0, 50.0)
    assert all(ax.get_images()[0].norm is t.norm for ax in t.axes)
    with pytest.raises(ValueError, match="mean 0"):
        rx.plot_phase_tiles({"zero": np.zeros((2, 2))})


def test_figures_reject_mismatched_inputs():
    with pytest.raises(ValueError, match="shape"):
        rx.plot_segmentation(np.zeros((4, 4)), np.zeros((4, 4), int), {"p": np.zeros((3, 4), int)})
    with pytest.raises(ValueError, match="points"):
        rx.plot_curves([0, 1], {"a": [[1.0, 2.0, 3.0]]})
    plt.close("all")
