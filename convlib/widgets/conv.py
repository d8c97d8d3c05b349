"""Explorers for convolution arithmetic: the diagram explorer and the output-size calculator.

Introduced in 01_convolution.ipynb (``explore_conv``) and
10_formula_sheet.ipynb (``explore_output_size``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..oracle import torch_output_size
from ..spec import ConvSpec
from ._explorer import Explorer, checkbox, one_line, slider


def conv_explorer_state(
    input_size: int = 5,
    kernel_size: int = 3,
    stride: int = 1,
    padding: int = 0,
    dilation: int = 1,
    transposed: bool = False,
    output_padding: int = 0,
    position: int = 0,
    numbers: bool = False,
) -> dict[str, Any]:
    """Everything :func:`explore_conv` shows, as plain data.

    Introduced in 01_convolution.ipynb.

    The output size comes from :mod:`convlib.shapes` (the formula) and is checked
    against what convlib's convolution returns (``spec.apply``: :func:`convlib.conv2d`
    or :func:`convlib.conv_transpose2d` with these very arguments); torch's
    answer (:func:`convlib.oracle.torch_output_size`) is shown beside them.

    Returns
    -------
    dict
        ``ok`` (bool); when valid: ``spec`` (ConvSpec), ``output_size``, ``convlib_size`` (what
        convlib's convolution returned), ``formula``, ``torch_size``,
        ``torch_note``, ``position`` (clamped to the output), ``positions`` (count), ``numbers``,
        ``headline`` and ``lines`` (the text shown); when invalid: ``message`` (one line) and
        ``torch_note``.

    Examples
    --------
    >>> s = conv_explorer_state(5, 3, stride=2, padding=1)
    >>> s["ok"], s["output_size"], s["torch_size"]
    (True, (3, 3), (3, 3))
    >>> conv_explorer_state(2, 5)["ok"]
    False
    """
    kwargs = dict(stride=stride, padding=padding, dilation=dilation)
    extra = dict(transposed=transposed, output_padding=output_padding if transposed else 0)
    torch_size, torch_note = torch_output_size(input_size, kernel_size, **kwargs, **extra)
    try:
        spec = ConvSpec(input_size, kernel_size, **kwargs, **extra)
    except (ValueError, TypeError) as exc:
        if torch_size is None:
            verdict = " (torch refuses it too)" if torch_note.startswith("torch refuses") else ""
        elif 0 in torch_size:
            verdict = f" (torch returns an empty {torch_size[0]}×{torch_size[1]} output)"
        else:
            verdict = f" (yet torch returns {torch_size[0]}×{torch_size[1]})"
        return {"ok": False, "message": one_line(exc) + verdict, "torch_size": torch_size, "torch_note": torch_note}
    n = len(spec.positions())
    pos = min(max(int(position), 0), n - 1)
    out = spec.output_size
    ours = spec.apply(np.zeros(spec.input_size), np.zeros(spec.kernel_size)).shape
    op = "conv_transpose2d" if transposed else "conv2d"
    check = f"convlib's {op} returns {ours[0]}×{ours[1]}" + (" — the formula's size" if ours == out else
                                                              " — NOT the formula's size")
    if torch_size is None:
        agree = torch_note
    else:
        agree = f"torch returns {torch_size[0]}×{torch_size[1]}" + (
            " — the same" if torch_size == out else " — DIFFERENT"
        )
    lines = [spec.describe(), spec.formula(), check, agree]
    if transposed:
        eq = spec.equivalent()
        lines.append(
            f"as a direct conv: {eq.zeros_inserted} zero(s) between pixels, padding {eq.padding} near / "
            f"{eq.far_padding} far, stride 1, kernel flipped"
        )
    elif output_padding:
        lines.append("(output_padding only applies to transposed convolutions; ignored)")
    return {
        "ok": True, "spec": spec, "output_size": out, "convlib_size": ours, "formula": spec.formula(),
        "torch_size": torch_size,
        "torch_note": torch_note, "position": pos, "positions": n, "numbers": bool(numbers),
        "headline": f"output {out[0]}×{out[1]}" + ("" if torch_size is None else f" (torch: {torch_size[0]}×{torch_size[1]})"),
        "lines": lines,
    }


def _draw_conv(state: dict[str, Any]) -> Any:
    from ..render.diagrams import plot_conv_step, plot_transposed

    spec = state["spec"]
    if spec.transposed:
        pixel = min(state["position"], spec.input_size[0] * spec.input_size[1] - 1)
        return plot_transposed(spec, state["position"], pixel, numbers=state["numbers"]).figure
    return plot_conv_step(spec, state["position"], numbers=state["numbers"]).figure


def _clamp_position(explorer: Explorer, state: dict[str, Any]) -> None:
    control = explorer.controls["position"]
    if state.get("ok"):
        control.max = state["positions"] - 1
        control.value = state["position"]


def explore_conv(
    input_size: int = 5,
    kernel_size: int = 3,
    stride: int = 1,
    padding: int = 0,
    dilation: int = 1,
    transposed: bool = False,
    output_padding: int = 0,
) -> Explorer:
    """Sliders for every convolution parameter → the diagram, the output-size formula, torch's answer.

    A transposed convolution is drawn both as its equivalent direct convolution and
    as scatter. Invalid combinations show a one-line explanation (and whether torch
    refuses them too).

    Introduced in 01_convolution.ipynb.

    Returns
    -------
    Explorer
        An ``ipywidgets.VBox``; ``explorer.set(stride=2)`` changes controls from code,
        ``explorer.state`` is :func:`conv_explorer_state` of the current values.
    """
    controls = {
        "input_size": slider("input size", input_size, 1, 12),
        "kernel_size": slider("kernel size", kernel_size, 1, 7),
        "stride": slider("stride", stride, 1, 4),
        "padding": slider("padding", padding, 0, 6),
        "dilation": slider("dilation", dilation, 1, 4),
        "transposed": checkbox("transposed", transposed),
        "output_padding": slider("output_padding", output_padding, 0, 3),
        "position": slider("output position", 0, 0, 200),
        "numbers": checkbox("numbers", False),
    }
    return Explorer("explore_conv", controls, conv_explorer_state, _draw_conv, adjust=_clamp_position)


def output_size_state(
    input_size: int = 32,
    kernel_size: int = 3,
    stride: int = 1,
    padding: int = 0,
    dilation: int = 1,
    transposed: bool = False,
    output_padding: int = 0,
) -> dict[str, Any]:
    """The output-size calculator's answer: the formula filled in, and torch's size.

    Introduced in 10_formula_sheet.ipynb.

    >>> output_size_state(224, 7, stride=2, padding=3)["output_size"]
    (112, 112)
    """
    state = conv_explorer_state(input_size, kernel_size, stride, padding, dilation, transposed, output_padding)
    if state["ok"]:
        state["lines"] = state["lines"][1:]  # the formula first; no diagram
    return state


def explore_output_size(
    input_size: int = 32, kernel_size: int = 3, stride: int = 1, padding: int = 0, dilation: int = 1,
    transposed: bool = False, output_padding: int = 0,
) -> Explorer:
    """A calculator: any parameters → the output-size formula filled in, and torch's answer (no diagram).

    Introduced in 10_formula_sheet.ipynb.
    """
    controls = {
        "input_size": slider("input size", input_size, 1, 256),
        "kernel_size": slider("kernel size", kernel_size, 1, 11),
        "stride": slider("stride", stride, 1, 8),
        "padding": slider("padding", padding, 0, 10),
        "dilation": slider("dilation", dilation, 1, 8),
        "transposed": checkbox("transposed", transposed),
        "output_padding": slider("output_padding", output_padding, 0, 7),
    }
    return Explorer("explore_output_size", controls, output_size_state, None)


__all__ = ["conv_explorer_state", "explore_conv", "explore_output_size", "output_size_state"]
