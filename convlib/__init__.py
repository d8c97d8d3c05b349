"""convlib — convolution arithmetic, executed.

The numpy core (``convlib.conv2d`` …) mirrors ``torch.nn.functional``; torch
is never imported by ``import convlib``. Plotting (:mod:`convlib.render`),
animations (:mod:`convlib.anim`) and explorers (:mod:`convlib.widgets`) are
loaded on first use, so the core imports quickly.
"""

from __future__ import annotations

import importlib
from typing import Any

from .notebook import setup

__version__ = "0.1.0"

# --- numeric core (issue 2: shapes, conv, transposed, building blocks) -------
from . import shapes
from .conv import conv1d, conv2d
from .matrix import conv_matrix
from .ops import dilate_kernel, insert_zeros, pad2d
from .shapes import (
    TransposedEquivalent,
    conv_output_size,
    conv_transpose_output_size,
    effective_kernel_size,
    same_padding,
    transposed_equivalent,
)
from .transposed import (
    conv_transpose1d,
    conv_transpose2d,
    conv_transpose2d_matrix,
    conv_transpose2d_scatter,
    conv_transpose2d_subpixel,
    conv_transpose2d_zero_insertion,
    flip_kernel,
    subpixel_weight,
)

# --- receptive fields, gridding, HDC (issue 3) --------------------------------
from .gridding import coverage, holes, progression, unit_utilization, utilization_map
from .hdc import HDCReport, check_hdc, has_holes, hdc_rule_table, max_distances, suggest_rates
from .layers import Layer, vgg16_features
from .receptive import (
    ReceptiveField,
    empirical_receptive_field,
    layers_from_module,
    layers_to_module,
    receptive_field,
)

# --- cost counting (issue 4) --------------------------------------------------
from . import cost, overlap, spec
from .cost import ConvCost, SeparableCost, conv_cost, conv_macs, conv_params, separable_cost
from .overlap import overlap_counts, resize_conv_counts
from .spec import ConvSpec, classic_set
from .verify import GridCheck, check_grid

# Submodules and names that need matplotlib/ipywidgets/torch load lazily.
_LAZY_MODULES = {"render", "anim", "widgets", "erf", "multipath", "networks", "experiments"}
_LAZY_NAMES: dict[str, str] = {
    "plot_map": "render",  # issue 3
    "plot_map_progression": "render",  # issue 3
    "plot_receptive_field": "render",  # issue 3
    "plot_conv_step": "render",  # issue 4
    "plot_transposed": "render",  # issue 4
    "plot_transposed_scatter": "render",  # issue 4
    "plot_dilated_kernel": "render",  # issue 4
    "plot_checkerboard": "render",  # issue 4
    "plot_overlap": "render",  # issue 4
    "plot_wiring": "render",  # issue 4
    "plot_separable_wiring": "render",  # issue 4
    "plot_sparse_vs_dense": "render",  # issue 4
    # effective receptive field (issue 13); convlib.erf imports torch only inside its functions
    "erf_map": "erf",
    "erf_stack": "erf",
    "erf_growth": "erf",
    "fit_gaussian": "erf",
    "loglog_slope": "erf",
    "mean_squared_erf": "erf",
    "GaussianFit": "erf",
    "ErfGrowth": "erf",
    "plot_erf": "render.erf",
    "plot_erf_grid": "render.erf",
    "plot_erf_growth": "render.erf",
    "trace_geometry": "multipath",  # issue 13: receptive fields of any network (torch imported on use)
    "graph_receptive_field": "multipath",  # issue 13
    "measure_receptive_field": "multipath",  # issue 13
    "GraphReceptiveField": "multipath",  # issue 13
    "MergeCheck": "multipath",  # issue 13
    "phase_kernels": "phases",  # issue 12
    "phase_sums": "phases",  # issue 12
    "plot_phases": "render.phases",  # issue 12
    "plot_kernel_volumes": "render.volumes",  # issue 12
    # trained experiments (issue 13, chapter 13); torch is imported only inside their functions
    "gridding_experiment": "experiments",
    "checkerboard_experiment": "experiments",
    "checkerboard_energy": "experiments",
    "power_spectrum": "experiments",
    "thin_structures": "experiments",
    "smooth_images": "experiments",
    "dilated_segmenter": "experiments",
    "upsampling_decoder": "experiments",
    "icnr_": "experiments",
    # name -> submodule that defines it
}


def __getattr__(name: str) -> Any:
    if name in _LAZY_MODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in _LAZY_NAMES:
        return getattr(importlib.import_module(f".{_LAZY_NAMES[name]}", __name__), name)
    raise AttributeError(f"module 'convlib' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _LAZY_MODULES | set(_LAZY_NAMES))
