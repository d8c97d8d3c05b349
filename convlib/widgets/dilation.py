"""Explorer of stacked dilated convolutions: utilization map, receptive field, HDC verdict.

Introduced in 05_hdc.ipynb.
"""

from __future__ import annotations

import re
from typing import Any

from ._explorer import Explorer, slider

#: Largest receptive field (per side) the explorer draws.
MAX_FIELD = 61


def parse_rates(text: str) -> tuple[int, ...]:
    """``"1, 2, 5"`` → ``(1, 2, 5)``; a clear ValueError otherwise.

    Introduced in 05_hdc.ipynb.

    >>> parse_rates("1,2 5")
    (1, 2, 5)
    """
    if not isinstance(text, str):
        raise TypeError(f"rates={text!r} must be a string such as '1, 2, 5'")
    parts = [p for p in re.split(r"[\s,;]+", text.strip()) if p]
    if not parts or not all(p.isdigit() for p in parts) or any(int(p) < 1 for p in parts):
        raise ValueError(f"rates={text!r} must be a list of positive integers such as '1, 2, 5'")
    return tuple(int(p) for p in parts)


def dilation_stack_state(rates: str = "1, 2, 5", kernel_size: int = 3) -> dict[str, Any]:
    """Utilization map, receptive field and HDC report of a stack of dilated ``kernel_size`` convolutions.

    Introduced in 05_hdc.ipynb.

    Returns
    -------
    dict
        ``ok``; when valid ``rates``, ``map`` (utilization counts), ``receptive_field`` (size),
        ``report`` (:class:`convlib.hdc.HDCReport`), ``headline``, ``lines``; else ``message``.

    >>> s = dilation_stack_state("1, 2, 5")
    >>> s["receptive_field"], s["report"].hole_free
    (17, True)
    """
    from ..gridding import utilization_map
    from ..hdc import check_hdc
    from ..receptive import receptive_field

    rs = parse_rates(rates)
    k = int(kernel_size)
    rf = receptive_field([(k, 1, 0, r) for r in rs])
    if rf.size > MAX_FIELD:
        raise ValueError(f"the receptive field would be {rf.size}×{rf.size}; this explorer draws up to "
                         f"{MAX_FIELD}×{MAX_FIELD} (use smaller rates or fewer layers)")
    counts = utilization_map(list(rs), k)
    report = check_hdc(list(rs), k)
    lines = [f"receptive field {rf.size}×{rf.size} (= 1 + (k−1)·Σr = 1 + {k - 1}·{sum(rs)})", *report.lines()]
    verdict = "hole-free" if report.hole_free else f"{report.n_holes} holes"
    return {
        "ok": True, "rates": rs, "kernel_size": k, "map": counts, "receptive_field": rf.size, "report": report,
        "headline": f"rates {list(rs)}: receptive field {rf.size}, {verdict}, "
                    f"{'conforms to' if report.conforms else 'breaks'} HDC",
        "lines": lines,
    }


def _draw(state: dict[str, Any]) -> Any:
    import matplotlib.pyplot as plt

    from ..render.maps import plot_map

    side = state["map"].shape[0]
    inches = min(7.5, max(3.5, 0.32 * side + 1.2))
    fig, ax = plt.subplots(figsize=(inches + 1.0, inches))  # no layout engine: plot_map has many texts
    plot_map(state["map"], ax=ax, title=f"utilization map, rates {list(state['rates'])}, k={state['kernel_size']}")
    return fig


def explore_dilation_stack(rates: str = "1, 2, 5", kernel_size: int = 3) -> Explorer:
    """A list of rates and a kernel size → utilization map, receptive field and HDC verdict.

    Introduced in 05_hdc.ipynb.
    """
    import ipywidgets as widgets

    controls = {
        "rates": widgets.Text(value=rates, description="rates", continuous_update=False,
                              style={"description_width": "initial"}, layout=widgets.Layout(width="260px")),
        "kernel_size": slider("kernel size", kernel_size, 2, 7),
    }
    return Explorer("explore_dilation_stack", controls, dilation_stack_state, _draw)


__all__ = ["dilation_stack_state", "explore_dilation_stack", "parse_rates"]
