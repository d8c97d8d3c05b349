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

# --- numeric core: shapes, the convolutions, building blocks -------------------------
from . import shapes
from .conv import conv1d, conv2d, correlate2d, sliding_window
from .matrix import conv_matrix
from .ops import dilate_kernel, insert_zeros, pad2d
from .shapes import (
    TransposedEquivalent,
    conv_output_size,
    conv_transpose_output_size,
    effective_kernel_size,
    same_padding,
    transposed_equivalent,
    window_span,
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

# --- receptive fields, gridding, HDC ------------------------------------------------
from .gridding import coverage, holes, progression, unit_utilization, utilization_map
from .hdc import HDCReport, check_hdc, has_holes, hdc_rule_table, max_distances, suggest_rates
from .layers import Layer, vgg16_features
from .receptive import ReceptiveField, growth_table, receptive_field

# --- torch, the oracle (imported inside its functions, never here) --------------------
from . import oracle
from .oracle import (
    accepts,
    empirical_receptive_field,
    layers_from_module,
    layers_to_module,
    torch_macs,
    torch_output_size,
    torch_params,
    torch_verdict,
)

# --- cost counting, checkerboard overlap, diagram specs --------------------------------
from . import cost, overlap, spec
from .cost import ConvCost, SeparableCost, connections, conv_cost, conv_macs, conv_params, group_of, separable_cost
from .overlap import overlap_counts, resize_conv_counts
from .spec import ConvSpec, classic_set
from .verify import GridCheck, check_grid

# Submodules and names that need matplotlib, ipywidgets or torch load lazily: name -> submodule that defines it.
_LAZY_MODULES = {"render", "anim", "widgets", "erf", "multipath", "networks", "experiments", "phases"}
_LAZY_BY_MODULE: dict[str, tuple[str, ...]] = {
    "render": (
        "plot_map", "plot_map_progression", "plot_receptive_field", "plot_conv_step", "plot_transposed",
        "plot_transposed_scatter", "plot_dilated_kernel", "plot_checkerboard", "plot_overlap", "plot_wiring",
        "plot_separable_wiring", "plot_sparse_vs_dense",
    ),
    "render.phases": ("plot_phases",),
    "render.volumes": ("plot_kernel_volumes",),
    "render.erf": ("plot_erf", "plot_erf_grid", "plot_erf_growth"),
    "phases": ("phase_kernels", "phase_sums"),
    "erf": ("erf_map", "erf_stack", "erf_growth", "fit_gaussian", "loglog_slope", "mean_squared_erf",
            "GaussianFit", "ErfGrowth"),
    "multipath": ("trace_geometry", "graph_receptive_field", "measure_receptive_field", "GraphReceptiveField",
                  "MergeCheck"),
    "experiments": ("gridding_experiment", "checkerboard_experiment", "checkerboard_energy", "power_spectrum",
                    "thin_structures", "smooth_images", "dilated_segmenter", "upsampling_decoder", "icnr_"),
}
_LAZY_NAMES: dict[str, str] = {name: module for module, names in _LAZY_BY_MODULE.items() for name in names}


def __getattr__(name: str) -> Any:
    if name in _LAZY_MODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in _LAZY_NAMES:
        return getattr(importlib.import_module(f".{_LAZY_NAMES[name]}", __name__), name)
    raise AttributeError(f"module 'convlib' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _LAZY_MODULES | set(_LAZY_NAMES))
