"""Interactive explorers (ipywidgets), each with its computation in a plain function.

Every ``explore_*`` function returns an :class:`~convlib.widgets._explorer.Explorer`
(an ``ipywidgets.VBox``); the matching ``*_state`` function computes what it
shows and is what tests call.

===========================  ==========================  ============================
explorer                     state function              chapter
===========================  ==========================  ============================
``explore_conv``             ``conv_explorer_state``     01_convolution
``explore_dilation_stack``   ``dilation_stack_state``    05_hdc (also 04)
``explore_checkerboard``     ``checkerboard_state``      07_checkerboard_artifacts
``explore_groups``           ``groups_state``            08/09 (``separable`` box)
``explore_output_size``      ``output_size_state``       10_formula_sheet
===========================  ==========================  ============================

Notebook pattern (strict nbval stays green, verified: execute with nbconvert, then
nbval twice)::

    # one cell, slide_type "subslide"; the explorer is the cell's last expression
    from convlib.widgets import explore_conv
    explore_conv(input_size=5, kernel_size=3)

* Do not use ``interact`` and do not print from callbacks: an explorer writes its
  figure into its ``Output`` widget by setting the widget's state, so the cell's
  only compared output is the explorer's one-line ``text/plain`` (e.g.
  ``explore_conv(input_size=5, …): output 3×3 (torch: 3×3)``) — deterministic.
* Where no kernel is live, the default state still shows: ``nbconvert --execute``
  saves the widget state (PNG included) for exported HTML and slides, and the
  display bundle also carries an ``image/png`` of the default state for viewers
  without widget support. Where the figure itself matters to the text, also draw
  it statically with :mod:`convlib.render` in a cell of its own.
* ``explorer.set(stride=2)`` changes controls from code; ``explorer.state`` is the
  state dict, ``explorer.png`` the current figure.
"""

from ._explorer import Explorer
from .checkerboard import checkerboard_state, explore_checkerboard
from ..oracle import torch_output_size
from .conv import conv_explorer_state, explore_conv, explore_output_size, output_size_state
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
