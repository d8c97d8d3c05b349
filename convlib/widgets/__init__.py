"""Interactive explorers (ipywidgets), each with its computation in a plain function.

Every ``explore_*`` function returns an :class:`~convlib.widgets._explorer.Explorer`
(an ``ipywidgets.VBox``); the matching ``*_state`` function computes what it
shows and is what tests call. Display an explorer as the last expression of a
cell (or with ``display``); do not wrap it in ``interact``.

Pattern for notebooks (strict nbval stays green): the cell's compared output is
the explorer's one-line text; the figure lives in the widget's saved state and
in an ``image/png`` fallback, which nbval does not compare.
"""

from ._explorer import Explorer
from .checkerboard import checkerboard_state, explore_checkerboard
from .conv import conv_explorer_state, explore_conv, explore_output_size, output_size_state, torch_output_size
from .dilation import dilation_stack_state, explore_dilation_stack, parse_rates
from .groups import explore_groups, groups_state

__all__ = [
    "Explorer",
    "checkerboard_state",
    "conv_explorer_state",
    "dilation_stack_state",
    "explore_checkerboard",
    "explore_conv",
    "explore_dilation_stack",
    "explore_groups",
    "explore_output_size",
    "groups_state",
    "output_size_state",
    "parse_rates",
    "torch_output_size",
]
