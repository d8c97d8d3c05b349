"""The figure standard's numbers and the small helpers renderers use to meet it.

``docs/figure-standard.md`` states the rules; this module is their one home in code.
A figure is *displayed* at most :data:`DISPLAY_WIDTH` × :data:`DISPLAY_HEIGHT` CSS
pixels (96 per inch): wider or taller figures are scaled down to fit. A text of
``s`` points in a figure rendered at ``dpi`` is then displayed at

    s × dpi / 96 × min(1, DISPLAY_WIDTH / width_px, DISPLAY_HEIGHT / height_px)

points, and every text must display at :data:`MIN_POINTS` or more.
``tests/figure_standard.py`` checks every rule on drawn figures.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from ..style import RC

#: Widest a figure is shown without scaling (CSS px): a reveal.js slide is 960 px wide and
#: nbconvert's slide template gives 110 px of it to the prompt column (≈ 840 px remain); a
#: JupyterLab notebook column at 1280×720 with the file browser open is ≈ 930 px.
DISPLAY_WIDTH = 840
#: Tallest a figure is shown whole (CSS px): a 720 px screen minus a slide heading or
#: JupyterLab's toolbars.
DISPLAY_HEIGHT = 640
#: CSS pixels per inch (a point is 1/72 inch).
CSS_DPI = 96
#: Smallest text size at the displayed size (points).
MIN_POINTS = 9.0
#: Resolution of notebook figures (PNG via :func:`convlib.setup`; 1 image px = 1 CSS px).
NOTEBOOK_DPI = int(RC["figure.dpi"])
#: Projector resolution of the lecturer's kit (``make figures``): each PNG fits this box.
PROJECTOR = (1280, 720)
#: ``gid`` of the text artist that carries a figure's attribution line.
ATTRIBUTION_GID = "convlib-attribution"
#: Fraction of a cell a number may fill (each side keeps the rest as margin).
CELL_FILL = 0.85

#: Attribution lines for figures that redraw a published figure (key: the source).
ATTRIBUTIONS = MappingProxyType(
    {
        "conv_arithmetic": "after Dumoulin & Visin 2016, conv_arithmetic (MIT)",
        "distill_checkerboard": "after Odena, Dumoulin & Olah 2016, Distill (CC BY 4.0)",
        "d2l_transposed": "after Zhang et al., Dive into Deep Learning, transposed convolution (CC BY-SA 4.0)",
        "subpixel": "after Shi et al. 2016, Is the deconvolution layer the same as a convolutional layer?",
        "separable_primer": "after 'A Primer on Atrous (Dilated) and Depth-wise Separable Convolutions', "
        "Towards Data Science",
        "group_conv_blog": "after the groups=2 example of 'Convolution, dilated convolution and group convolution "
        "in PyTorch' (blog, 2021)",
    }
)


def display_scale(width_in: float, height_in: float, dpi: float = NOTEBOOK_DPI) -> float:
    """Factor by which a ``width_in`` × ``height_in`` inch figure rendered at ``dpi`` is shown (≤ 1).

    >>> display_scale(6.0, 4.0, 100)
    1.0
    >>> display_scale(16.8, 4.0, 100)
    0.5
    """
    if width_in <= 0 or height_in <= 0 or dpi <= 0:
        raise ValueError(f"figure size ({width_in}, {height_in}) in and dpi={dpi} must be positive")
    return min(1.0, DISPLAY_WIDTH / (width_in * dpi), DISPLAY_HEIGHT / (height_in * dpi))


def displayed_points(fontsize: float, width_in: float, height_in: float, dpi: float = NOTEBOOK_DPI) -> float:
    """Size (points) at which a ``fontsize``-point text of such a figure is displayed.

    >>> round(displayed_points(12, 6.0, 4.0, 100), 2)
    12.5
    """
    return fontsize * dpi / CSS_DPI * display_scale(width_in, height_in, dpi)


def min_fontsize(width_in: float, height_in: float, dpi: float = NOTEBOOK_DPI) -> float:
    """Smallest font size (figure points) that displays at :data:`MIN_POINTS` in such a figure.

    >>> round(min_fontsize(6.0, 4.0, 100), 2)
    8.64
    """
    return MIN_POINTS * CSS_DPI / (dpi * display_scale(width_in, height_in, dpi))


@lru_cache(maxsize=4096)
def _extent(text: str, fontsize: float, weight: str) -> tuple[float, float]:
    from matplotlib.font_manager import FontProperties  # noqa: PLC0415
    from matplotlib.textpath import text_to_path  # noqa: PLC0415

    prop = FontProperties(size=fontsize, weight=weight)
    widths, height = [], 0.0
    for line in text.split("\n") or [""]:
        w, h, _ = text_to_path.get_text_width_height_descent(line or " ", prop, ismath=False)
        widths.append(w)
        height += fontsize * 1.2
    return max(widths), height


def text_extent(text: str, fontsize: float, *, weight: str = "normal") -> tuple[float, float]:
    """Width and height (points) of ``text`` at ``fontsize`` in the default font, without drawing it."""
    return _extent(str(text), float(fontsize), weight)


def fitting_fontsize(
    labels: Iterable[str], cell_width_pt: float, cell_height_pt: float, *, largest: float = 14.0,
    smallest: float = 0.0, weight: str = "normal",
) -> float | None:
    """Largest font size ≤ ``largest`` at which every label fits a cell (with margin), or None below ``smallest``.

    The widest label must fill at most :data:`CELL_FILL` of the cell's width and a line at most
    that share of its height. Renderers pass ``smallest = min_fontsize(...)``: a number that
    would display below 9 pt is not drawn (the colour bar or a table carries it instead).

    >>> fitting_fontsize(["12"], 40, 40) is not None
    True
    >>> fitting_fontsize(["-0.123"], 20, 20, smallest=8.64) is None
    True
    """
    labels = [str(s) for s in labels] or ["0"]
    widest = max(labels, key=lambda s: text_extent(s, 10.0, weight=weight)[0])
    w10, h10 = text_extent(widest, 10.0, weight=weight)
    size = min(largest, 10.0 * CELL_FILL * cell_width_pt / max(w10, 1e-9),
               10.0 * CELL_FILL * cell_height_pt / max(h10, 1e-9))
    return None if size < smallest else float(size)


def add_attribution(fig: Any, text: str, *, fontsize: float | None = None) -> Any:
    """Write ``text`` as the figure's attribution line (bottom left, kept by tight cropping).

    Returns the Text artist; its ``gid`` is :data:`ATTRIBUTION_GID`, which is how
    :func:`attribution` and ``make figures`` find it.
    """
    width, height = fig.get_size_inches()
    size = fontsize or max(9.5, min_fontsize(width, height, NOTEBOOK_DPI))
    return fig.text(0.005, 0.005, text, ha="left", va="bottom", fontsize=size, color="#555555",
                    gid=ATTRIBUTION_GID, style="italic")


def attribution(fig: Any) -> str | None:
    """The attribution line of ``fig`` (see :func:`add_attribution`) as one line, or None."""
    for text in fig.findobj(lambda a: getattr(a, "get_gid", lambda: None)() == ATTRIBUTION_GID):
        return " ".join(text.get_text().split())
    return None


def integer_ticks(colorbar: Any) -> None:
    """Give a colour bar of counts integer ticks only."""
    from matplotlib.ticker import MaxNLocator  # noqa: PLC0415

    colorbar.locator = MaxNLocator(integer=True)
    colorbar.update_ticks()


# Public constants of the standard; its helper functions are plumbing for the renderers and tests.
__all__ = [
    "ATTRIBUTIONS",
    "ATTRIBUTION_GID",
    "CSS_DPI",
    "DISPLAY_HEIGHT",
    "DISPLAY_WIDTH",
    "MIN_POINTS",
    "NOTEBOOK_DPI",
    "PROJECTOR",
]
