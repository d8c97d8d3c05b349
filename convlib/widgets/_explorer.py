"""The explorer widget every ``explore_*`` function returns (private plumbing).

An :class:`Explorer` is an ``ipywidgets.VBox`` of controls, a one-line message
and an ``Output`` holding the current figure as a PNG. Its design choices:

* The computation is a plain function ``state_fn(**values) -> dict`` (tests call
  it directly); drawing is ``draw_fn(state) -> Figure``.
* The figure goes into the Output widget by setting its ``outputs`` trait (not by
  printing inside ``with output:``), so nothing reaches the cell's own output
  stream. The cell's compared output is just the explorer's one-line ``repr`` —
  stable under nbval. Executing the notebook (nbconvert) saves the widget state,
  PNG included, so exported HTML and slides show the default state.
* Its display bundle also carries ``image/png`` of the current state: a static
  fallback for viewers without widget support.
* Any error becomes the one-line message (never a traceback).
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as widgets

#: Resolution of explorer figures.
DPI = 80


def figure_png(fig: Any, dpi: int = DPI) -> bytes:
    """PNG bytes of a figure; the figure is closed afterwards."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    try:
        # every convlib figure is laid out already (exact sizes or constrained layout): no tight-bbox pass
        fig.savefig(buf, format="png", dpi=dpi)
    finally:
        plt.close(fig)
    return buf.getvalue()


def one_line(exc: BaseException) -> str:
    """First line of an exception message (torch messages can be long)."""
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


class Explorer(widgets.VBox):
    """Controls + message + figure, recomputed whenever a control changes.

    Attributes
    ----------
    name : str
        The ``explore_*`` function that built it (used in ``repr``).
    controls : dict of str -> widget
        Keyword arguments of ``state_fn``, by name.
    message : ipywidgets.HTML
        The state's text, or the one-line explanation of an invalid combination.
    output : ipywidgets.Output
        The current figure (PNG), empty when the combination is invalid.
    state : dict
        Result of the last ``state_fn`` call (``state["ok"]`` says whether it was valid).
    png : bytes
        The current figure's PNG (``b""`` when invalid).
    """

    def __init__(
        self,
        name: str,
        controls: Mapping[str, widgets.Widget],
        state_fn: Callable[..., dict[str, Any]],
        draw_fn: Callable[[dict[str, Any]], Any] | None,
        *,
        adjust: Callable[[Explorer, dict[str, Any]], None] | None = None,
    ) -> None:
        self.name = name
        self.controls = dict(controls)
        self.message = widgets.HTML(layout=widgets.Layout(margin="4px 0 4px 0"))
        self.output = widgets.Output()
        self.state: dict[str, Any] = {}
        self.png = b""
        self._state_fn, self._draw_fn, self._adjust = state_fn, draw_fn, adjust
        self._busy = False
        box = widgets.Box(list(self.controls.values()),
                          layout=widgets.Layout(display="flex", flex_flow="row wrap"))
        super().__init__(children=[box, self.message, self.output])
        for control in self.controls.values():
            control.observe(self._changed, names="value")
        self.refresh()

    @property
    def values(self) -> dict[str, Any]:
        """Current control values, by keyword."""
        return {key: control.value for key, control in self.controls.items()}

    def set(self, **values: Any) -> dict[str, Any]:
        """Set several controls at once (one recomputation); returns the new state."""
        unknown = set(values) - set(self.controls)
        if unknown:
            raise ValueError(f"unknown control(s) {sorted(unknown)}; this explorer has {sorted(self.controls)}")
        self._busy = True
        try:
            for key, value in values.items():
                self.controls[key].value = value
        finally:
            self._busy = False
        self.refresh()
        return self.state

    def _changed(self, change: Any) -> None:
        if not self._busy:
            self.refresh()

    def refresh(self) -> None:
        """Recompute the state from the controls and redraw (never raises)."""
        try:
            state = self._state_fn(**self.values)
        except Exception as exc:  # noqa: BLE001 - an explorer shows errors, it never raises
            state = {"ok": False, "message": one_line(exc)}
        if self._adjust is not None:
            self._busy = True
            try:
                self._adjust(self, state)
            finally:
                self._busy = False
        png = b""
        if state.get("ok") and self._draw_fn is not None:
            try:
                png = figure_png(self._draw_fn(state))
            except Exception as exc:  # noqa: BLE001
                state = {**state, "ok": False, "message": f"could not draw: {one_line(exc)}"}
        self.state = state
        self.png = png
        if state.get("ok"):
            lines = state.get("lines", [])
            self.message.value = "<div style='font-family:monospace;font-size:13px;line-height:1.4'>" + "<br>".join(
                html.escape(line) for line in lines) + "</div>"
        else:
            self.message.value = (
                "<div style='color:#b00020;font-size:14px'>&#9888; " + html.escape(str(state.get("message"))) + "</div>"
            )
        if png:
            b64 = base64.b64encode(png).decode("ascii")
            self.output.outputs = (
                {"output_type": "display_data", "data": {"image/png": b64, "text/plain": f"<{self.name} figure>"},
                 "metadata": {}},
            )
        else:
            self.output.outputs = ()

    def summary(self) -> str:
        """One line: the explorer, its values and the state's headline (stable text for nbval)."""
        args = ", ".join(f"{k}={v!r}" for k, v in self.values.items())
        head = self.state.get("headline") if self.state.get("ok") else f"invalid: {self.state.get('message')}"
        return f"{self.name}({args}): {head}"

    def __repr__(self) -> str:
        return self.summary()

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        data = super()._repr_mimebundle_(**kwargs)
        data["text/plain"] = self.summary()
        if self.png:  # static fallback for viewers that cannot show widgets
            data["image/png"] = base64.b64encode(self.png).decode("ascii")
        return data


def slider(description: str, value: int, low: int, high: int, **kw: Any) -> widgets.IntSlider:
    """An IntSlider that reports only on release (no flood of redraws while dragging)."""
    return widgets.IntSlider(value=value, min=low, max=high, description=description, continuous_update=False,
                             style={"description_width": "initial"}, layout=widgets.Layout(width="260px"), **kw)


def checkbox(description: str, value: bool) -> widgets.Checkbox:
    """A compact checkbox."""
    return widgets.Checkbox(value=value, description=description, indent=False,
                            layout=widgets.Layout(width="160px"))
