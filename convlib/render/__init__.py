"""Figures of the course (matplotlib; loaded lazily by ``import convlib``).

Every renderer follows ``plot_x(data, *, ax=None, **style)``: it draws on the
given axes or a new figure and returns what it drew. It computes nothing of its
own: the numbers come from the topic modules (:mod:`convlib.gridding`,
:mod:`convlib.overlap`, :mod:`convlib.cost`, :mod:`convlib.dilated`, ...).
Colours come from :mod:`convlib.style`; no global rcParams are changed here.
"""

# utilization maps and receptive fields
from .maps import map_cmap, plot_map, plot_map_progression, plot_receptive_field

# diagrams, checkerboard, wiring, sparse vs dense
from .diagrams import (
    DilatedKernelDiagram,
    ScatterDiagram,
    StepDiagram,
    TransposedFigure,
    plot_conv_step,
    plot_dilated_kernel,
    plot_transposed,
    plot_transposed_scatter,
)
from .checkerboard import CheckerboardFigure, OverlapPlot, plot_checkerboard, plot_overlap
from .wiring import WiringDiagram, plot_separable_wiring, plot_wiring
from .dense import DenseFigure, plot_sparse_vs_dense
