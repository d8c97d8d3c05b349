"""Trained experiments: gridding and checkerboards after training (chapter 13).

Small, deterministic CPU experiments that put the counting arguments of chapters
04, 05 and 07 to a test with learned weights:

* :mod:`.data` -- seeded synthetic images (thin structures with labels; smooth images);
* :mod:`.models` -- the tiny ``torch.nn`` networks (dilated segmenters, upsampling decoders, ICNR);
* :mod:`.train` -- a deterministic training loop;
* :mod:`.metrics` -- pixel accuracy and IoU;
* :mod:`.spectrum` -- power spectra and the energy at the checkerboard frequencies;
* :mod:`.phases` -- the phase kernels and phase sums of an upsampling layer;
* :mod:`.runs` -- the two experiments, one call each.

numpy-only parts import no torch; torch is imported inside the functions that need it,
so ``import convlib`` (and even ``import convlib.experiments``) stays torch-free.

Introduced in 13_trained_artifacts.ipynb.
"""

from .data import CLASSES, Segmentation, curve_pixels, downsample, smooth_images, thin_structures
from .metrics import confusion_matrix, iou, mean_iou, pixel_accuracy
from .models import UPSAMPLERS, class_score, count_parameters, dilated_segmenter, icnr_, upsampler, upsampling_decoder
from .phases import flat_tile, upsampler_phase_kernels, upsampler_phase_sums, resize_conv_as_transposed
from .runs import (
    TEST_SEED_OFFSET,
    CheckerboardResult,
    GriddingResult,
    checkerboard_experiment,
    gridding_experiment,
    mean_spread,
)
from .spectrum import checkerboard_energy, checkerboard_frequencies, phase_means, power_spectrum
from .train import TrainLog, deterministic, seeded, train

__all__ = [
    "CLASSES", "CheckerboardResult", "GriddingResult", "Segmentation", "TEST_SEED_OFFSET", "TrainLog",
    "UPSAMPLERS", "checkerboard_energy", "class_score", "checkerboard_experiment", "checkerboard_frequencies",
    "confusion_matrix", "count_parameters", "curve_pixels", "deterministic", "dilated_segmenter", "downsample",
    "flat_tile", "gridding_experiment", "icnr_", "iou", "mean_iou", "mean_spread", "upsampler_phase_kernels",
    "phase_means", "upsampler_phase_sums", "pixel_accuracy", "power_spectrum", "resize_conv_as_transposed", "seeded",
    "smooth_images", "thin_structures", "train", "upsampler", "upsampling_decoder",
]
