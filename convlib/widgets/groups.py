"""Explorer of grouped and depthwise-separable convolution: wiring and cost.

Introduced in 09_group_convolution.ipynb.
"""

from __future__ import annotations

from typing import Any

from ..cost import conv_cost, separable_cost
from ._explorer import Explorer, checkbox, slider


def groups_state(
    in_channels: int = 8, out_channels: int = 8, groups: int = 2, kernel_size: int = 3, input_size: int = 12,
    separable: bool = False, bias: bool = True,
) -> dict[str, Any]:
    """Parameters and MACs of the chosen convolution (grouped, or depthwise-separable).

    Introduced in 09_group_convolution.ipynb.

    Returns
    -------
    dict
        ``ok``; when valid ``cost`` (ConvCost or SeparableCost), ``params``, ``macs``, ``headline``,
        ``lines`` and the parameters; when invalid ``message`` (e.g.
        ``"in_channels=10 must be divisible by groups=3"``).

    >>> s = groups_state(3, 256, 1, 5, 12, separable=True, bias=False)
    >>> s["macs"], s["cost"].standard.macs
    (53952, 1228800)
    >>> groups_state(10, 6, 3)["message"]
    'in_channels=10 must be divisible by groups=3'
    """
    try:
        if separable:
            cost: Any = separable_cost(in_channels, out_channels, kernel_size, input_size, bias=bias)
            lines = str(cost).splitlines()
            headline = f"separable: {cost.params:,} parameters, {cost.macs:,} MACs"
        else:
            cost = conv_cost(in_channels, out_channels, kernel_size, input_size, groups=groups, bias=bias)
            standard = conv_cost(in_channels, out_channels, kernel_size, input_size, bias=bias)
            lines = [str(cost)]
            if groups > 1:
                lines.append(f"the standard convolution: {standard.params:,} parameters, {standard.macs:,} MACs "
                             f"(groups={groups} divides both by {groups})")
            headline = f"{cost.params:,} parameters, {cost.macs:,} MACs"
    except (ValueError, TypeError) as exc:
        return {"ok": False, "message": str(exc)}
    return {
        "ok": True, "cost": cost, "params": cost.params, "macs": cost.macs, "in_channels": in_channels,
        "out_channels": out_channels, "groups": groups, "kernel_size": kernel_size, "input_size": input_size,
        "separable": separable, "bias": bias, "headline": headline, "lines": lines,
    }


def _draw(state: dict[str, Any]) -> Any:
    from ..render.wiring import plot_separable_wiring, plot_wiring

    if state["separable"]:
        return plot_separable_wiring(state["in_channels"], state["out_channels"], cost=state["cost"]).figure
    return plot_wiring(state["in_channels"], state["out_channels"], state["groups"], cost=state["cost"]).figure


def explore_groups(
    in_channels: int = 8, out_channels: int = 8, groups: int = 2, kernel_size: int = 3, input_size: int = 12,
) -> Explorer:
    """Sliders for channels and groups → the channel-wiring diagram with its parameter and MAC counts.

    Introduced in 09_group_convolution.ipynb.
    """
    controls = {
        "in_channels": slider("in channels", in_channels, 1, 64),
        "out_channels": slider("out channels", out_channels, 1, 64),
        "groups": slider("groups", groups, 1, 64),
        "kernel_size": slider("kernel size", kernel_size, 1, 7),
        "input_size": slider("input size", input_size, 1, 64),
        "separable": checkbox("depthwise-separable", False),
        "bias": checkbox("bias", True),
    }
    return Explorer("explore_groups", controls, groups_state, _draw)


__all__ = ["explore_groups", "groups_state"]
