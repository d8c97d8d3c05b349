"""One colour per role across the whole course, and readable figure defaults.

Every renderer in :mod:`convlib.render`, :mod:`convlib.anim` and
:mod:`convlib.widgets` takes its colours from here, so that "input",
"kernel", "output", "padding" and "inserted zeros" look the same in every
chapter. Nothing here changes global matplotlib state; :func:`convlib.setup`
applies :data:`RC` once, in a notebook's first cell.
"""

from __future__ import annotations

from types import MappingProxyType

#: Colour of each role (colour-blind-safe Okabe–Ito hues, readable on a projector).
COLORS = MappingProxyType(
    {
        "input": "#56B4E9",  # sky blue: input feature map cells
        "kernel": "#E69F00",  # orange: kernel taps / the footprint being read
        "output": "#009E73",  # bluish green: output cells
        "padding": "#D9D9D9",  # light grey: padding cells
        "zeros": "#F0E442",  # yellow: zeros inserted between input pixels
        "highlight": "#D55E00",  # vermillion: the cell being produced / emphasis
        "hole": "#FFFFFF",  # white: unused positions (gridding holes)
        "grid": "#333333",  # dark grey: cell borders
        "text": "#111111",
    }
)

#: The white -> blue -> red colour list of the source's ``plot_map`` (seed 002).
MAP_COLORS = ("white", "blue", "red")

#: Matplotlib rc settings applied by :func:`convlib.setup` (projector-friendly).
RC = MappingProxyType(
    {
        "figure.dpi": 100,
        "savefig.dpi": 100,
        "figure.figsize": (6.4, 4.2),
        "font.size": 12,
        "axes.titlesize": 14,
        "axes.labelsize": 12,
        "xtick.labelsize": 11,
        "ytick.labelsize": 11,
        "legend.fontsize": 11,
        "image.interpolation": "nearest",
        "animation.html": "jshtml",
        "animation.embed_limit": 8.0,  # MB, keeps notebooks small
    }
)
