"""Figures of the course (matplotlib; loaded lazily by ``import convlib``).

Every renderer follows ``plot_x(data, *, ax=None, **style)``: it draws on the
given axes or a new figure and returns what it drew. Colours come from
:mod:`convlib.style`; no global rcParams are changed here.
"""

# maps (issue 3): utilization maps and receptive fields
from .maps import map_cmap, plot_map, plot_map_progression, plot_receptive_field

# diagrams, checkerboard, wiring, dense (issue 4)
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
from .dense import DenseFigure, SparseDense, plot_sparse_vs_dense, sample_image, sparse_vs_dense
