"""Explorer of transposed-convolution overlap: the checkerboard for any k, s and depth.

Introduced in 07_checkerboard_artifacts.ipynb.
"""

from __future__ import annotations

from typing import Any

from ..overlap import checkerboard
from ._explorer import Explorer, checkbox, slider


def checkerboard_state(
    kernel_size: int = 3, stride: int = 2, layers: int = 1, padding: int = 0, input_size: int = 5,
    two_d: bool = True, resize: bool = True,
) -> dict[str, Any]:
    """Overlap counts of ``layers`` stacked transposed convolutions (and of resize-then-conv).

    Introduced in 07_checkerboard_artifacts.ipynb.

    Returns
    -------
    dict
        ``ok``; when valid ``result`` (:class:`convlib.overlap.Checkerboard`), ``counts`` (list, one map per layer), ``resize_counts`` (or None), ``even``
        (interior verdict of the last layer, None if too small to judge), ``headline``, ``lines``
        and the parameters; when invalid ``message``.

    >>> s = checkerboard_state(3, 2)
    >>> s["even"], s["counts"][0].shape
    (False, (11, 11))
    >>> checkerboard_state(4, 2)["even"]
    True
    """
    size = (input_size, input_size) if two_d else input_size
    result = checkerboard(kernel_size, stride, input_size=size, layers=layers, padding=padding, resize=resize)
    counts, resized, even, margin = list(result.maps), result.resized, result.even[-1], result.margins[-1]
    last = counts[-1]
    rule = (
        f"k={kernel_size} is a multiple of s={stride}: every interior cell gets the same number of stamps"
        if kernel_size % stride == 0
        else f"k={kernel_size} is not a multiple of s={stride}: neighbouring cells get different numbers of stamps"
    )
    verdict = {None: "too small to judge the interior", True: "even", False: "uneven (checkerboard)"}[even]
    shape = "×".join(map(str, last.shape))
    lines = [
        rule,
        f"after {layers} layer(s): {shape} output, stamps per cell from {int(last.min())} to {int(last.max())}; "
        f"interior (≥{margin} cells from the border): {verdict}",
    ]
    if resized is not None:
        lines.append(f"resize ×{stride} then conv k={kernel_size}: interior even "
                     f"(every cell gets {kernel_size}{'²' if two_d else ''} stamps per layer)")
    return {
        "ok": True, "result": result, "counts": counts, "resize_counts": resized, "even": even, "kernel_size": kernel_size,
        "stride": stride, "layers": layers, "padding": padding, "input_size": size, "resize": resize,
        "headline": f"{shape} overlap map, {verdict}", "lines": lines,
    }


def _draw(state: dict[str, Any]) -> Any:
    from ..render.checkerboard import plot_checkerboard

    return plot_checkerboard(result=state["result"]).figure


def explore_checkerboard(
    kernel_size: int = 3, stride: int = 2, layers: int = 1, padding: int = 0, input_size: int = 5,
    two_d: bool = True,
) -> Explorer:
    """Sliders for k, s, padding, layers and input size → the overlap maps (and resize-conv beside them).

    Introduced in 07_checkerboard_artifacts.ipynb.
    """
    controls = {
        "kernel_size": slider("kernel size k", kernel_size, 1, 8),
        "stride": slider("stride s", stride, 1, 4),
        "layers": slider("layers", layers, 1, 3),
        "padding": slider("padding", padding, 0, 4),
        "input_size": slider("input size", input_size, 2, 10),
        "two_d": checkbox("2-D", two_d),
        "resize": checkbox("resize-conv", True),
    }
    return Explorer("explore_checkerboard", controls, checkerboard_state, _draw)


__all__ = ["checkerboard_state", "explore_checkerboard"]
