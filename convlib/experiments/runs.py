"""The two trained experiments of chapter 13, each one call, with every seed's numbers kept.

* :func:`gridding_experiment` trains :func:`~convlib.experiments.dilated_segmenter`
  with each rate list on :func:`~convlib.experiments.thin_structures`, once per
  seed, and scores it on held-out images;
* :func:`checkerboard_experiment` trains :func:`~convlib.experiments.upsampling_decoder`
  with each upsampling layer on :func:`~convlib.experiments.smooth_images` and follows
  the checkerboard energy of its test outputs during training.

A seed fixes everything of one replicate: the training and test images, the
initial weights and the order of the batches. Within a seed every network sees
the same images in the same order, so the comparison is paired.

Introduced in 13_trained_artifacts.ipynb.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .data import Segmentation, downsample, smooth_images, thin_structures
from .metrics import iou, pixel_accuracy
from .models import UPSAMPLERS, class_score, count_parameters, dilated_segmenter, upsampling_decoder
from .spectrum import checkerboard_energy
from .train import TrainLog, seeded, train

#: Offset between a replicate's training and test data seeds.
TEST_SEED_OFFSET = 10_000


def _seeds(seeds: Sequence[int]) -> tuple[int, ...]:
    seeds = tuple(int(s) for s in seeds)
    if not seeds or len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds={seeds!r} must be distinct and at least one")
    return seeds


def mean_spread(values: Any, fmt: str = ".3f") -> str:
    """``"mean ± sd"`` of values over seeds (sample standard deviation, ddof=1).

    Introduced in 13_trained_artifacts.ipynb.

    >>> mean_spread([0.5, 0.6, 0.7], ".2f")
    '0.60 ± 0.10'
    """
    v = np.asarray(values, dtype=np.float64)
    sd = float(v.std(ddof=1)) if v.size > 1 else float("nan")
    return f"{v.mean():{fmt}} ± {sd:{fmt}}"


def _predict(model: Any, images: np.ndarray) -> np.ndarray:
    import torch  # noqa: PLC0415

    with torch.no_grad():
        return model(torch.as_tensor(images)).argmax(dim=1).numpy()


@dataclass(frozen=True, repr=False)
class GriddingResult:
    """Every number of :func:`gridding_experiment`.

    Attributes
    ----------
    rates : the rate lists, in order
    seeds : the replicates
    scores : metric name -> array (len(rates), len(seeds)): ``"pixel accuracy"``,
        ``"mean IoU"`` and ``"IoU <class>"`` for every class
    parameters : trainable parameters of each rate list's network
    models, initial : trained networks and copies of them before training, by (rates, seed)
    tests : held-out data of each seed
    logs : training logs by (rates, seed)
    class_weights : cross-entropy weights of each seed
    settings : the arguments of the call
    """

    rates: tuple[tuple[int, ...], ...]
    seeds: tuple[int, ...]
    scores: dict[str, np.ndarray]
    parameters: dict[tuple[int, ...], int]
    models: dict[tuple[tuple[int, ...], int], Any] = field(default_factory=dict)
    initial: dict[tuple[tuple[int, ...], int], Any] = field(default_factory=dict)
    tests: dict[int, Segmentation] = field(default_factory=dict)
    logs: dict[tuple[tuple[int, ...], int], TrainLog] = field(default_factory=dict)
    class_weights: dict[int, np.ndarray] = field(default_factory=dict)
    settings: dict = field(default_factory=dict)

    def score(self, metric: str, rates: Sequence[int]) -> np.ndarray:
        """One metric of one rate list, per seed."""
        return self.scores[metric][self.rates.index(tuple(rates))]

    def predictions(self, seed: int, index: int | slice = slice(None)) -> dict[tuple[int, ...], np.ndarray]:
        """Predicted label maps of test image(s) ``index`` of ``seed``, per rate list."""
        images = self.tests[seed].images[index]
        single = np.ndim(images) == 3
        images = images[None] if single else images
        out = {r: _predict(self.models[r, seed], images) for r in self.rates}
        return {r: p[0] for r, p in out.items()} if single else out

    def training_seconds(self) -> float:
        """Wall-clock seconds of all training loops together."""
        return float(sum(log.seconds for log in self.logs.values()))

    def erf(self, rates: Sequence[int], seed: int, *, trained: bool = True, on: str = "test",
            n_inputs: int = 8) -> np.ndarray:
        """Effective receptive field of the centre pixel: :func:`convlib.erf_map` of every class score, averaged.

        Each class score's map (``|d score / d x|`` averaged over the inputs) is divided by
        its sum, then the classes are averaged: the map sums to 1 and gives each input
        pixel's share. ``on="test"`` measures on the seed's test images (the data the
        network is meant for), ``on="noise"`` on ``n_inputs`` standard-normal images of the
        same size.
        """
        from ..erf import erf_map  # noqa: PLC0415 - torch only here

        if on not in ("test", "noise"):
            raise ValueError(f"on={on!r} must be 'test' or 'noise'")
        model = (self.models if trained else self.initial)[tuple(rates), seed]
        images = self.tests[seed].images
        shape = (1, *images.shape[1:])
        kwargs = {"inputs": images} if on == "test" else {"n_inputs": n_inputs}
        maps = [erf_map(class_score(model, c), shape, **kwargs) for c in range(model[-1].out_channels)]
        return np.mean([m / m.sum() for m in maps], axis=0)

    def table(self, metrics: Sequence[str] = ("pixel accuracy", "mean IoU", "IoU line", "IoU blob"),
              fmt: str = ".3f") -> str:
        """One row per rate list: each metric as mean ± sd over the seeds."""
        width = max(len(mean_spread([1.0, 1.0], fmt)), *(len(m) for m in metrics))
        lines = [f"{'rates':<11}{'params':>7}  " + "  ".join(f"{m:>{width}}" for m in metrics)]
        for i, r in enumerate(self.rates):
            cells = "  ".join(f"{mean_spread(self.scores[m][i], fmt):>{width}}" for m in metrics)
            lines.append(f"{str(list(r)):<11}{self.parameters[r]:>7}  {cells}")
        lines.append(f"mean ± sd over {len(self.seeds)} seeds {list(self.seeds)}; "
                     f"{self.settings.get('n_test')} test images of {self.settings.get('size')}² per seed")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"GriddingResult(rates {[list(r) for r in self.rates]}, seeds {list(self.seeds)})"


def gridding_experiment(
    rates: Sequence[Sequence[int]] = ((2, 2, 2), (1, 2, 3), (1, 2, 5)),
    seeds: Sequence[int] = (0, 1, 2),
    *,
    size: int = 24,
    n_train: int = 256,
    n_test: int = 64,
    channels: int = 16,
    steps: int = 150,
    batch_size: int = 16,
    lr: float = 0.02,
    noise: float = 0.4,
    lines: int = 3,
    blobs: int = 5,
    radius: tuple[float, float] = (1.0, 2.0),
    weight_power: float = 0.5,
    threads: int = 1,
) -> GriddingResult:
    """Train one :func:`dilated_segmenter` per rate list and seed on thin structures; score it on held-out images.

    Per seed: ``n_train`` training and ``n_test`` test images from
    :func:`thin_structures` (with ``size``, ``noise``, ``lines``, ``blobs``, ``radius``;
    seeds ``seed`` and ``seed + TEST_SEED_OFFSET``);
    cross-entropy weighted per class by ``fraction ** -weight_power`` (normalised
    to mean 1; 0.5 = inverse square root of the class frequency, so the rare
    line and blob pixels are not ignored); every network initialised from torch
    seed ``seed`` and trained by :func:`train` with the same batches.

    Introduced in 13_trained_artifacts.ipynb.

    Returns
    -------
    GriddingResult

    Raises
    ------
    AssertionError
        If the rate lists' networks do not all have the same number of parameters.
    """
    rates = tuple(tuple(int(v) for v in r) for r in rates)
    seeds = _seeds(seeds)
    parameters = {r: count_parameters(dilated_segmenter(r, channels=channels)) for r in rates}
    assert len(set(parameters.values())) == 1, f"parameter counts differ: {parameters}"
    classes = len(thin_structures(1, 4).classes)
    metrics = ["pixel accuracy", "mean IoU", *(f"IoU {c}" for c in thin_structures(1, 4).classes)]
    scores = {m: np.zeros((len(rates), len(seeds))) for m in metrics}
    models, initial, tests, logs, weights = {}, {}, {}, {}, {}
    for j, seed in enumerate(seeds):
        task = dict(lines=lines, blobs=blobs, radius=radius, noise=noise)
        data = thin_structures(n_train, size, seed=seed, **task)
        tests[seed] = test = thin_structures(n_test, size, seed=seed + TEST_SEED_OFFSET, **task)
        w = data.class_fractions() ** -weight_power
        weights[seed] = w / w.mean()
        for i, r in enumerate(rates):
            model = seeded(lambda r=r: dilated_segmenter(r, channels=channels), seed)
            initial[r, seed] = copy.deepcopy(model).eval()
            logs[r, seed] = train(model, data.images, data.labels, loss="cross_entropy", steps=steps,
                                  batch_size=batch_size, lr=lr, seed=seed, threads=threads,
                                  class_weights=weights[seed])
            models[r, seed] = model
            predicted = _predict(model, test.images)
            per_class = iou(predicted, test.labels, classes)
            scores["pixel accuracy"][i, j] = pixel_accuracy(predicted, test.labels)
            scores["mean IoU"][i, j] = np.nanmean(per_class)
            for c, name in enumerate(test.classes):
                scores[f"IoU {name}"][i, j] = per_class[c]
    settings = dict(size=size, n_train=n_train, n_test=n_test, channels=channels, steps=steps, batch_size=batch_size,
                    lr=lr, noise=noise, lines=lines, blobs=blobs, radius=tuple(radius), weight_power=weight_power,
                    threads=threads)
    return GriddingResult(rates, seeds, scores, parameters, models, initial, tests, logs, weights, settings)


@dataclass(frozen=True, repr=False)
class CheckerboardResult:
    """Every number of :func:`checkerboard_experiment`.

    Attributes
    ----------
    methods, seeds : what was trained
    checkpoints : training steps at which the test outputs were measured (0 = initialisation)
    energy : array (len(methods), len(seeds), len(checkpoints)) -- :func:`checkerboard_energy`
        of the test outputs
    target_energy : the same for the test targets, per seed (what a perfect decoder would show)
    mse : test mean squared error after training, (len(methods), len(seeds))
    parameters : trainable parameters per method
    models, initial : trained decoders and copies before training, by (method, seed)
    tests : (low-resolution inputs, targets) of each seed
    logs : training logs by (method, seed)
    settings : the arguments of the call
    """

    methods: tuple[str, ...]
    seeds: tuple[int, ...]
    checkpoints: tuple[int, ...]
    energy: np.ndarray
    target_energy: np.ndarray
    mse: np.ndarray
    parameters: dict[str, int]
    models: dict[tuple[str, int], Any] = field(default_factory=dict)
    initial: dict[tuple[str, int], Any] = field(default_factory=dict)
    tests: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    logs: dict[tuple[str, int], TrainLog] = field(default_factory=dict)
    settings: dict = field(default_factory=dict)

    @property
    def energy_initial(self) -> np.ndarray:
        """Checkerboard energy at initialisation, (len(methods), len(seeds))."""
        return self.energy[..., 0]

    @property
    def energy_trained(self) -> np.ndarray:
        """Checkerboard energy after training, (len(methods), len(seeds))."""
        return self.energy[..., -1]

    def outputs(self, method: str, seed: int, *, trained: bool = True) -> np.ndarray:
        """Test outputs (N, H, W) of one decoder, after training or at initialisation."""
        import torch  # noqa: PLC0415

        model = (self.models if trained else self.initial)[method, seed]
        with torch.no_grad():
            return model(torch.as_tensor(self.tests[seed][0])).numpy()[:, 0]

    def training_seconds(self) -> float:
        """Wall-clock seconds of all training loops together (with their checkpoint evaluations)."""
        return float(sum(log.seconds for log in self.logs.values()))

    def table(self, fmt: str = ".2e") -> str:
        """One row per method: energy at initialisation and after training, and test MSE (mean ± sd)."""
        width = len(mean_spread([1.0, 1.0], fmt))
        heads = ("energy at init", "energy trained", "test MSE")
        lines = [f"{'method':<18}{'params':>7}  " + "  ".join(f"{h:>{width}}" for h in heads)]
        for i, m in enumerate(self.methods):
            cells = [mean_spread(a[i], fmt) for a in (self.energy_initial, self.energy_trained, self.mse)]
            lines.append(f"{m:<18}{self.parameters[m]:>7}  " + "  ".join(f"{c:>{width}}" for c in cells))
        lines.append(f"{'target images':<18}{'':>7}  {'':>{width}}  {mean_spread(self.target_energy, fmt):>{width}}")
        lines.append(f"mean ± sd over {len(self.seeds)} seeds {list(self.seeds)}; "
                     f"{self.settings.get('n_test')} test images of {self.settings.get('size')}² per seed")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"CheckerboardResult(methods {list(self.methods)}, seeds {list(self.seeds)})"


def checkerboard_experiment(
    methods: Sequence[str] = UPSAMPLERS,
    seeds: Sequence[int] = (0, 1, 2),
    *,
    size: int = 32,
    n_train: int = 256,
    n_test: int = 64,
    channels: int = 8,
    steps: int = 300,
    batch_size: int = 16,
    lr: float = 0.01,
    bumps: int = 4,
    level: tuple[float, float] = (0.2, 0.5),
    every: int = 25,
) -> CheckerboardResult:
    """Train one :func:`upsampling_decoder` per method and seed to undo a 2×2 average pooling.

    Per seed: ``n_train`` training and ``n_test`` test images from
    :func:`smooth_images` (with ``bumps`` and ``level``; seeds ``seed`` and ``seed + TEST_SEED_OFFSET``); the
    input is the image averaged over 2×2 blocks (:func:`downsample`), the target
    the image itself; mean squared error; every decoder initialised from torch
    seed ``seed``, trained by :func:`train` with the same batches. The
    checkerboard energy of the test outputs is measured at initialisation, every
    ``every`` steps and at the end.

    Introduced in 13_trained_artifacts.ipynb.

    Returns
    -------
    CheckerboardResult
    """
    import torch  # noqa: PLC0415

    methods, seeds = tuple(methods), _seeds(seeds)
    unknown = [m for m in methods if m not in UPSAMPLERS]
    if unknown:
        raise ValueError(f"methods {unknown} must be among {UPSAMPLERS}")
    parameters = {m: count_parameters(upsampling_decoder(m, channels=channels)) for m in methods}
    energy, mse, target_energy = [], np.zeros((len(methods), len(seeds))), np.zeros(len(seeds))
    models, initial, tests, logs = {}, {}, {}, {}
    checkpoints: tuple[int, ...] = ()
    for j, seed in enumerate(seeds):
        targets = smooth_images(n_train, size, bumps=bumps, level=level, seed=seed)
        test_targets = smooth_images(n_test, size, bumps=bumps, level=level, seed=seed + TEST_SEED_OFFSET)
        tests[seed] = (test_inputs := downsample(test_targets), test_targets)
        target_energy[j] = checkerboard_energy(test_targets)
        x_test = torch.as_tensor(test_inputs)

        def measure(model: Any) -> float:
            return checkerboard_energy(model(x_test).numpy())

        row = []
        for i, m in enumerate(methods):
            model = seeded(lambda m=m: upsampling_decoder(m, channels=channels), seed)
            initial[m, seed] = copy.deepcopy(model).eval()
            logs[m, seed] = log = train(model, downsample(targets), targets, loss="mse", steps=steps,
                                        batch_size=batch_size, lr=lr, seed=seed, evaluate=measure, every=every)
            models[m, seed] = model
            checkpoints = log.checkpoints
            row.append(log.evaluations)
            with torch.no_grad():
                mse[i, j] = float(torch.mean((model(x_test) - torch.as_tensor(test_targets)) ** 2))
        energy.append(row)
    settings = dict(size=size, n_train=n_train, n_test=n_test, channels=channels, steps=steps,
                    batch_size=batch_size, lr=lr, bumps=bumps, level=tuple(level), every=every)
    return CheckerboardResult(methods, seeds, checkpoints, np.array(energy).transpose(1, 0, 2), target_energy, mse,
                              parameters, models, initial, tests, logs, settings)


__all__ = ["CheckerboardResult", "GriddingResult", "TEST_SEED_OFFSET", "checkerboard_experiment",
           "gridding_experiment", "mean_spread"]
