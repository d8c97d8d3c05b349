"""Animations of any :class:`~convlib.spec.ConvSpec`, stepping through the output positions.

conv_arithmetic ships 19 fixed GIFs; here every setting can be animated:

* :func:`animate` — a matplotlib ``FuncAnimation``, one frame per output position
  (or, for the scatter view of a transposed convolution, per input pixel);
* :func:`show` — the animation embedded in a notebook as an interactive HTML player
  (play/pause, step, slider; frames are embedded PNGs, so it also works in exported HTML);
* :func:`save_gif` — a looping GIF written with Pillow;
* :func:`classic_set` — the classic conv_arithmetic settings and their transposed counterparts.

Frames are rendered fast (the static part of the figure is drawn once; only what
moves is redrawn per frame) and stored as palette PNGs: a 25-frame animation
adds about 0.1–0.2 MB to a notebook. ``max_frames`` caps long ones.

In a notebook, make ``convlib.anim.show(...)`` the cell's last expression: its
``text/plain`` is one line and its HTML is reproducible (element ids are hashes of
the settings), so strict nbval compares equal on re-execution. Where scripts do not run
(GitHub), the player's first frame shows as a plain image.

Introduced in 01_convolution.ipynb.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.animation import FuncAnimation

from .render.diagrams import ScatterPainter, StepPainter
from .spec import Cell, ConvSpec, classic_set

#: Resolution of animation frames (dots per inch): small notebooks, readable frames.
DEFAULT_DPI = 80
#: Colours kept per frame (the diagrams use a handful; anti-aliased text needs the rest).
PALETTE_COLORS = 64

_VIEWS = ("direct", "scatter")


def frame_count(spec: ConvSpec, view: str = "direct") -> int:
    """Frames of a full animation: output positions (direct view) or input pixels (scatter view).

    Introduced in 01_convolution.ipynb.

    >>> frame_count(ConvSpec(5, 3, stride=2, padding=1))
    9
    """
    if view not in _VIEWS:
        raise ValueError(f"view={view!r} must be one of {_VIEWS}")
    if not isinstance(spec, ConvSpec):
        raise TypeError(f"spec={spec!r} must be a convlib.spec.ConvSpec")
    if view == "scatter":
        if not spec.transposed:
            raise ValueError("view='scatter' needs a transposed spec (transposed=True); try spec.transpose()")
        return spec.input_size[0] * spec.input_size[1]
    return len(spec.positions())


def _frames(spec: ConvSpec, view: str, max_frames: int | None) -> list[int]:
    total = frame_count(spec, view)
    if max_frames is None:
        return list(range(total))
    if not isinstance(max_frames, int) or isinstance(max_frames, bool) or max_frames < 1:
        raise ValueError(f"max_frames={max_frames!r} must be a positive int or None")
    return list(range(min(total, max_frames)))


def _painter(spec: ConvSpec, view: str, numbers: bool, figsize: tuple[float, float] | None) -> Any:
    ax = None
    if figsize is not None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    if view == "direct":
        return StepPainter(spec, ax, numbers=numbers, x=None, weight=None, legend=True, title=None, arrow=False)
    return ScatterPainter(spec, ax, numbers=True, legend=True, title=None)


def _key(painter: Any, view: str, frame: int) -> Cell:
    spec = painter.spec
    if view == "direct":
        return spec.position(frame)
    return divmod(frame, spec.input_size[1])


def animate(
    spec: ConvSpec,
    *,
    view: str = "direct",
    numbers: bool = False,
    interval: int = 700,
    max_frames: int | None = None,
    figsize: tuple[float, float] | None = None,
) -> FuncAnimation:
    """A ``FuncAnimation`` of ``spec``: one frame per output position (or input pixel for ``view='scatter'``).

    Introduced in 01_convolution.ipynb.

    Parameters
    ----------
    spec : ConvSpec
    view : {'direct', 'scatter'}
        ``'direct'``: the steps of :func:`~convlib.render.diagrams.plot_conv_step` (a transposed spec
        is shown as its equivalent direct convolution); ``'scatter'``: a transposed spec's input
        pixels stamping the kernel one after another.
    numbers : bool
        Show values in the cells (direct view; the scatter view always shows counts).
    interval : int
        Milliseconds between frames.
    max_frames : int, optional
        Stop after this many frames.
    figsize : optional figure size in inches (default: sized to the grids).

    Returns
    -------
    matplotlib.animation.FuncAnimation
        ``anim.figure`` is its figure, left open (close it with ``plt.close(anim.figure)``).
        In a notebook prefer :func:`show`, which closes it.
    """
    frames = _frames(spec, view, max_frames)
    painter = _painter(spec, view, numbers, figsize)
    painter.static()
    fig = painter.ax.figure
    fig.canvas.draw()  # lay out once, then freeze: every frame has the same geometry
    fig.set_layout_engine("none")
    current: list[Any] = []

    def update(frame: int) -> list[Any]:
        for artist in current:
            artist.remove()
        current[:] = painter.dynamic(_key(painter, view, frame))[0]
        return current

    anim = FuncAnimation(fig, update, frames=frames, interval=interval, blit=False, repeat=True)
    anim.figure = fig  # public handle (matplotlib keeps it private)
    return anim


def render_frames(
    spec: ConvSpec,
    *,
    view: str = "direct",
    numbers: bool = False,
    dpi: int = DEFAULT_DPI,
    max_frames: int | None = None,
    figsize: tuple[float, float] | None = None,
) -> list[Any]:
    """The animation's frames as palette images (``PIL.Image``), rendered by blitting.

    The static layer (grids, titles, legend) is drawn once; each frame restores it and
    draws only the moving artists. Same pictures as :func:`animate`, several times faster.

    Introduced in 01_convolution.ipynb.
    """
    from PIL import Image

    if not isinstance(dpi, int) or dpi < 10:
        raise ValueError(f"dpi={dpi!r} must be an int >= 10")
    frames = _frames(spec, view, max_frames)
    painter = _painter(spec, view, numbers, figsize)
    fig, ax = painter.ax.figure, painter.ax
    try:
        fig.set_dpi(dpi)
        painter.static()
        fig.canvas.draw()
        fig.set_layout_engine("none")
        fig.canvas.draw()
        background = fig.canvas.copy_from_bbox(fig.bbox)
        images: list[Any] = []
        for frame in frames:
            fig.canvas.restore_region(background)
            artists, _ = painter.dynamic(_key(painter, view, frame))
            for artist in sorted(artists, key=lambda a: a.get_zorder()):
                ax.draw_artist(artist)
            images.append(Image.fromarray(np.asarray(fig.canvas.buffer_rgba())).convert("RGB"))
            for artist in artists:
                artist.remove()
    finally:
        plt.close(fig)
    # one palette for all frames, from a mosaic of first, middle and last: small files, no flicker
    sample = [images[0], images[len(images) // 2], images[-1]]
    mosaic = Image.new("RGB", (sample[0].width, sample[0].height * len(sample)))
    for k, im in enumerate(sample):
        mosaic.paste(im, (0, k * im.height))
    palette = mosaic.quantize(colors=PALETTE_COLORS, dither=Image.Dither.NONE)
    return [im.quantize(palette=palette, dither=Image.Dither.NONE) for im in images]


def _png_b64(image: Any) -> str:
    buf = io.BytesIO()
    image.save(buf, format="png", optimize=True)
    return base64.b64encode(buf.getvalue()).decode("ascii")


_PLAYER = """<div class="convlib-anim" id="{id}" style="display:inline-block;font-family:sans-serif">
<img id="{id}-img" src="{first}" alt="{alt}" style="max-width:100%;display:block">
<div style="margin-top:4px;display:flex;align-items:center;gap:6px;font-size:14px">
<button id="{id}-first" title="first frame">&#x23EE;</button>
<button id="{id}-prev" title="previous frame">&#x25C0;</button>
<button id="{id}-play" title="play / pause" style="min-width:5em">&#x25B6; play</button>
<button id="{id}-next" title="next frame">&#x25B6;&#x25B6;</button>
<input id="{id}-slider" type="range" min="0" max="{last}" value="0" style="flex:1;min-width:120px">
<span id="{id}-label">1 / {n}</span>
<label><input id="{id}-loop" type="checkbox"{loop}> loop</label>
</div>
<script>
(function() {{
  var frames = {frames};
  var id = "{id}", interval = {interval}, i = 0, timer = null;
  function el(s) {{ return document.getElementById(id + "-" + s); }}
  var img = el("img"), slider = el("slider"), label = el("label"), play = el("play"), loop = el("loop");
  function show(k) {{
    i = (k + frames.length) % frames.length;
    img.src = frames[i]; slider.value = i; label.textContent = (i + 1) + " / " + frames.length;
  }}
  function stop() {{ if (timer) {{ clearInterval(timer); timer = null; }} play.innerHTML = "&#x25B6; play"; }}
  function tick() {{
    if (i === frames.length - 1 && !loop.checked) {{ stop(); return; }}
    show(i + 1);
  }}
  play.onclick = function() {{
    if (timer) {{ stop(); return; }}
    if (i === frames.length - 1) show(0);
    play.innerHTML = "&#x23F8; pause"; timer = setInterval(tick, interval);
  }};
  el("first").onclick = function() {{ stop(); show(0); }};
  el("prev").onclick = function() {{ stop(); show(i - 1); }};
  el("next").onclick = function() {{ stop(); show(i + 1); }};
  slider.oninput = function() {{ stop(); show(parseInt(slider.value, 10)); }};
}})();
</script>
</div>"""


def to_html(
    spec: ConvSpec,
    *,
    view: str = "direct",
    numbers: bool = False,
    interval: int = 700,
    max_frames: int | None = None,
    dpi: int = DEFAULT_DPI,
    loop: bool = True,
) -> str:
    """A self-contained HTML player of the animation (frames embedded as PNG; no external files).

    Where scripts do not run (GitHub, untrusted notebooks) the first frame shows as a
    plain image. The element id is a hash of the settings (spec, view, options), so the
    output is reproducible; showing the very same animation twice on one page makes the
    second player's buttons drive the first (change any option, e.g. ``interval``, to avoid it).

    Introduced in 01_convolution.ipynb.
    """
    if not isinstance(interval, int) or interval < 20:
        raise ValueError(f"interval={interval!r} must be an int >= 20 (milliseconds)")
    images = render_frames(spec, view=view, numbers=numbers, dpi=dpi, max_frames=max_frames)
    urls = ["data:image/png;base64," + _png_b64(im) for im in images]
    # the id depends on what is animated, not on the pixels: a renderer's cosmetic change leaves the
    # markup (what nbval compares once frame data is sanitized) unchanged
    settings = repr((spec, view, numbers, interval, max_frames, dpi, loop))
    digest = hashlib.sha1(settings.encode()).hexdigest()[:16]
    return _PLAYER.format(
        id=f"convlib-anim-{digest}", first=urls[0], alt=spec.describe(), last=len(urls) - 1, n=len(urls),
        loop=" checked" if loop else "", frames=json.dumps(urls), interval=interval,
    )


class Animation:
    """An animation embedded as an HTML player, with a one-line text form (stable for nbval).

    Attributes
    ----------
    html : str
    spec : ConvSpec
    frames : int
    view : str
    """

    def __init__(self, html: str, spec: ConvSpec, frames: int, view: str) -> None:
        self.html = html
        self.spec = spec
        self.frames = frames
        self.view = view

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return f"Animation({self.spec.name or self.spec.describe()}, view={self.view!r}, {self.frames} frames)"


def _resolve(spec: ConvSpec | str) -> ConvSpec:
    if isinstance(spec, str):
        classics = classic_set()
        if spec not in classics:
            raise ValueError(f"spec={spec!r} is not a classic setting; choose one of {sorted(classics)}")
        return classics[spec]
    if not isinstance(spec, ConvSpec):
        raise TypeError(f"spec={spec!r} must be a ConvSpec or the name of a classic setting")
    return spec


def show(
    spec: ConvSpec | str,
    *,
    view: str = "direct",
    numbers: bool = False,
    interval: int = 700,
    max_frames: int | None = None,
    dpi: int = DEFAULT_DPI,
    loop: bool = True,
) -> Animation:
    """Animate ``spec`` in a notebook (a name from :func:`classic_set` works too).

    Introduced in 01_convolution.ipynb.

    Examples
    --------
    ``convlib.anim.show("padding_strides")``, ``convlib.anim.show(ConvSpec(7, 3, dilation=2))``,
    ``convlib.anim.show("padding_strides_transposed", view="scatter")``.
    """
    spec = _resolve(spec)
    html = to_html(spec, view=view, numbers=numbers, interval=interval, max_frames=max_frames, dpi=dpi, loop=loop)
    return Animation(html, spec, len(_frames(spec, view, max_frames)), view)


def save_gif(
    spec: ConvSpec | str,
    path: str | Path,
    *,
    view: str = "direct",
    numbers: bool = False,
    fps: float = 1.5,
    dpi: int = DEFAULT_DPI,
    max_frames: int | None = None,
) -> Path:
    """Write the animation of ``spec`` as a looping GIF (Pillow); returns the path.

    Introduced in 01_convolution.ipynb.
    """
    spec = _resolve(spec)
    path = Path(path)
    if path.suffix.lower() != ".gif":
        raise ValueError(f"path={str(path)!r} must end in .gif")
    if not fps > 0:
        raise ValueError(f"fps={fps!r} must be positive")
    images = render_frames(spec, view=view, numbers=numbers, dpi=dpi, max_frames=max_frames)
    images[0].save(path, format="GIF", save_all=True, append_images=images[1:], duration=round(1000 / fps),
                   loop=0, optimize=True)
    return path


def save_classic_set(directory: str | Path, **options: Any) -> dict[str, Path]:
    """Regenerate the classic conv_arithmetic animations as GIFs in ``directory``.

    One ``<name>.gif`` per setting of :func:`classic_set` (direct convolutions drawn
    directly, their transposed counterparts as the equivalent direct convolution);
    ``options`` go to :func:`save_gif`. Returns ``{name: path}``. ``make gifs``
    writes them to ``build/gifs/``.

    Introduced in 01_convolution.ipynb.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    return {name: save_gif(spec, directory / f"{name}.gif", **options) for name, spec in classic_set().items()}


__all__ = [
    "Animation", "animate", "classic_set", "frame_count", "render_frames", "save_classic_set", "save_gif", "show",
    "to_html",
]
