"""plot_phases: what is drawn (cells, colours, numbers, sums, output) against the data and torch."""

from __future__ import annotations

import itertools

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

import convlib  # noqa: E402
from convlib.render import standard  # noqa: E402
from convlib.render.phases import fmt, plot_phases, resolve_weight  # noqa: E402
from figure_standard import Display, assert_fits_display, check_figure  # noqa: E402

CANVAS = Display(tight=False)  # the figure's own canvas must hold everything (no cropping needed)

CASES = {
    "ones k3 s2": dict(weight="ones", stride=2, kernel_size=3),
    "random k4 s2": dict(weight="random", stride=2, kernel_size=4, seed=3),
    "ones k3 s2 d2": dict(weight="ones", stride=2, kernel_size=3, dilation=2),
    "user k5 s3 p1": dict(weight=[0.5, -1.0, 2.0, 0.25, 1.5], stride=3, padding=1),
    "resize k3 s2": dict(weight=[0.3, -1.1, 2.0], stride=2, method="resize"),
    "ones 3x3 s2": dict(weight="ones", stride=2, kernel_size=(3, 3)),
    "random 4x4 s2": dict(weight="random", stride=2, kernel_size=(4, 4)),
    "random 3x3 s2 resize": dict(weight="random", stride=2, kernel_size=(3, 3), method="resize"),
    "ones 5x5 s3": dict(weight="ones", stride=3, kernel_size=(5, 5)),
}


def _rect_at(ax, x, y, c):
    found = [p for p in ax.patches if isinstance(p, Rectangle)
             and np.allclose(p.get_xy(), (x, y), atol=1e-9) and np.isclose(p.get_width(), c)]
    assert found, f"no cell drawn at ({x:.3f}, {y:.3f})"
    return found[0]


def _text_at(ax, x, y):
    found = [t.get_text() for t in ax.texts if np.allclose(t.get_position(), (x, y), atol=1e-9)]
    return found[0] if found else None


def _grid_cells(shape):
    return list(np.ndindex(*((1,) + shape if len(shape) == 1 else shape)))


def _tap_phase_by_torch(weight, stride, dilation, padding, index):
    """The output phase(s) a single tap feeds, found by running conv_transpose on a one-hot kernel."""
    w = np.zeros(weight.shape)
    w[index] = 1.0
    n = 8
    if weight.ndim == 1:
        out = F.conv_transpose1d(torch.ones(1, 1, n, dtype=torch.float64), torch.from_numpy(w)[None, None],
                                 stride=stride, padding=padding, dilation=dilation)[0, 0].numpy()
        return {int(t) % stride for t in np.flatnonzero(out)}
    out = F.conv_transpose2d(torch.ones(1, 1, n, n, dtype=torch.float64), torch.from_numpy(w)[None, None],
                             stride=stride, padding=padding, dilation=dilation)[0, 0].numpy()
    s = (stride, stride) if np.ndim(stride) == 0 else stride
    return {(int(r) % s[0], int(c) % s[1]) for r, c in zip(*np.nonzero(out))}


@pytest.mark.parametrize("name", list(CASES))
def test_kernel_and_phase_cells_show_the_data(name):
    drawn = plot_phases(**CASES[name])
    ax, ph, c = drawn.ax, drawn.phases, drawn.cell
    assert drawn.kernel_numbers, "numbers fit at this size"
    # the kernel: one cell per tap, its value written in it, filled in its phase's colour
    kx, ky = drawn.origins["kernel"]
    for i, cell in enumerate(_grid_cells(ph.weight.shape)):
        rect = _rect_at(ax, kx + cell[1] * c, ky + cell[0] * c, c)
        assert _text_at(ax, kx + (cell[1] + 0.5) * c, ky + (cell[0] + 0.5) * c) == fmt(ph.weight.ravel()[i])
        assert np.allclose(rect.get_facecolor(), drawn.kernel_colors[cell])
    # every phase: taps with their values, empty window cells dashed and blank, the sum written
    for a in np.ndindex(*ph.stride):
        px, py = drawn.origins[a]
        kern, taps = ph.kernels[a].reshape(-1), ph.taps[a].reshape(-1)
        for i, cell in enumerate(_grid_cells(ph.window)):
            rect = _rect_at(ax, px + cell[1] * c, py + cell[0] * c, c)
            text = _text_at(ax, px + (cell[1] + 0.5) * c, py + (cell[0] + 0.5) * c)
            if taps[i]:
                assert text == fmt(kern[i]) and np.allclose(rect.get_facecolor(), drawn.phase_colors[a])
            else:
                assert text is None and rect.get_linestyle() == "--"
                assert np.allclose(rect.get_facecolor(), to_rgba("white"))
        assert drawn.sum_texts[a] == f"Σ = {fmt(ph.sums[a])}"
        assert drawn.sum_texts[a] in [t.get_text() for t in ax.texts]


@pytest.mark.parametrize("name", [n for n in CASES if "resize" not in n])
def test_tap_colours_follow_the_phase_torch_sends_them_to(name):
    kw = CASES[name]
    drawn = plot_phases(**kw)
    ph = drawn.phases
    stride = kw["stride"]
    for i, cell in enumerate(_grid_cells(ph.weight.shape)):
        index = np.unravel_index(i, ph.weight.shape)
        [phase] = _tap_phase_by_torch(ph.weight, stride, kw.get("dilation", 1), kw.get("padding", 0), index)
        phase = (phase,) if ph.ndim == 1 else phase
        assert drawn.kernel_colors[cell] == drawn.phase_colors[phase]
    # distinct phases, distinct colours (up to the palette's seven)
    if len(drawn.phase_colors) <= 7:
        assert len(set(drawn.phase_colors.values())) == len(drawn.phase_colors)


@pytest.mark.parametrize("name", list(CASES))
def test_output_tile_is_what_torch_gives_for_an_all_ones_input(name):
    kw = CASES[name]
    drawn = plot_phases(**kw)
    ph = drawn.phases
    [image] = drawn.ax.get_images()
    np.testing.assert_allclose(np.ma.filled(image.get_array(), 0.0), drawn.output)
    s = ph.stride
    w = torch.from_numpy(ph.weight)[None, None]
    n = 12
    if ph.method == "transposed":
        conv = F.conv_transpose1d if ph.ndim == 1 else F.conv_transpose2d
        x = torch.ones((1, 1) + (n,) * ph.ndim, dtype=torch.float64)
        out = conv(x, w, stride=s, padding=ph.padding, dilation=ph.dilation)[0, 0].numpy()
    else:
        conv = F.conv1d if ph.ndim == 1 else F.conv2d
        up = F.interpolate(torch.ones((1, 1) + (n,) * ph.ndim, dtype=torch.float64), scale_factor=s, mode="nearest")
        out = conv(up, w, padding=ph.padding, dilation=ph.dilation)[0, 0].numpy()
    start = [((o // 2) // si) * si for o, si in zip(out.shape, s)]  # an interior position of phase 0
    window = tuple(slice(b, b + e) for b, e in zip(start, drawn.output.shape[-ph.ndim:]))
    np.testing.assert_allclose(out[window].reshape(drawn.output.shape), drawn.output, atol=1e-12)
    # numbers in the output cells, blank where the output is zero
    ox, oy = drawn.origins["output"]
    c = drawn.cell
    for (r, col), v in np.ndenumerate(drawn.output):
        text = _text_at(drawn.ax, ox + (col + 0.5) * c, oy + (r + 0.5) * c)
        assert text == (None if fmt(v) == "0" else fmt(v))


@pytest.mark.parametrize("name", list(CASES))
def test_phase_figures_meet_the_figure_standard(name):
    assert_fits_display(plot_phases(**CASES[name]).figure)


def test_numbers_are_left_out_where_they_do_not_fit_and_a_colour_bar_carries_the_output():
    drawn = plot_phases("random", 4, kernel_size=(7, 7))
    assert drawn.kernel_numbers == {} and drawn.output_numbers == {}
    [image] = drawn.ax.get_images()
    assert image.colorbar is not None  # the output's colour bar carries the values
    assert check_figure(drawn.figure, CANVAS) == []
    forced = plot_phases("random", 4, kernel_size=(7, 7), numbers=False)
    assert forced.kernel_numbers == {}


def test_verdicts():
    assert plot_phases("ones", 2, kernel_size=3).verdict.startswith("unequal phase sums (1 to 2)")
    assert plot_phases("ones", 2, kernel_size=4).verdict.startswith("equal phase sums (2)")
    learned = plot_phases([0.5, -1.0, 2.0, 0.25], 2)
    assert learned.verdict.startswith("every phase has 2 taps, but the weights make the sums differ (-0.75 to 2.5)")
    assert plot_phases([0.5, -1.0, 2.0, 0.25], 2, method="resize").verdict.startswith(
        "every phase sums the whole kernel (1.75)")
    for drawn in (learned, plot_phases("ones", 2, kernel_size=3)):
        assert drawn.verdict.split(":")[0] in "\n".join(t.get_text() for t in drawn.ax.texts).replace("\n", " ")


def test_compositions_name_the_taps_of_each_phase():
    drawn = plot_phases([1.0, 2.0, 4.0], 2)
    assert drawn.compositions == {(0,): "[w2, w0]", (1,): "[—, w1]"}  # the flip: w2 comes first
    resized = plot_phases([1.0, 2.0, 4.0], 2, method="resize")
    assert resized.compositions == {(0,): "[w0+w1, w2]", (1,): "[w0, w1+w2]"}
    for d in (drawn, resized):
        for a, text in d.compositions.items():
            assert text in [t.get_text() for t in d.ax.texts]
            slots = text.strip("[]").split(", ")
            for q, slot in enumerate(slots):
                value = 0.0 if slot == "—" else sum(d.phases.weight[int(w[1:])] for w in slot.split("+"))
                assert d.phases.kernels[a][q] == value
    for k, s, dil, p in itertools.product(range(1, 6), range(1, 4), range(1, 3), range(2)):
        d = plot_phases(np.arange(1.0, k + 1), s, dilation=dil, padding=p, legend=False, title="")
        for a, text in d.compositions.items():
            for q, slot in enumerate(text.strip("[]").split(", ")):
                value = 0.0 if slot == "—" else sum(d.phases.weight[int(w[1:])] for w in slot.split("+"))
                assert d.phases.kernels[a][q] == value
        plt.close(d.figure)


def test_legend_lists_the_encodings_used():
    labels = lambda d: [t.get_text() for t in d.ax.get_legend().get_texts()]  # noqa: E731
    assert labels(plot_phases("ones", 2, kernel_size=3)) == ["no tap in this phase"]
    assert plot_phases("ones", 2, kernel_size=4).ax.get_legend() is None  # no empty cells, colours labelled
    assert labels(plot_phases("ones", 2, kernel_size=3, method="resize")) == ["sum of kernel taps"]
    assert labels(plot_phases("ones", 3, kernel_size=(5, 5))) == ["kernel tap", "no tap in this phase"]


def test_draws_on_given_axes_and_attribution():
    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    drawn = plot_phases("ones", 2, kernel_size=3, ax=axes[1], attribution="subpixel")
    assert drawn.ax is axes[1] and drawn.figure is fig
    assert standard.attribution(fig) == standard.ATTRIBUTIONS["subpixel"]
    alone = plot_phases("ones", 2, kernel_size=3, attribution="after a figure somewhere")
    assert standard.attribution(alone.figure) == "after a figure somewhere"
    assert check_figure(alone.figure, CANVAS) == []


def test_weights():
    np.testing.assert_array_equal(resolve_weight("ones", 3), np.ones(3))
    np.testing.assert_array_equal(resolve_weight("ones", (2, 3)), np.ones((2, 3)))
    r = resolve_weight("random", (3, 3), seed=1)
    np.testing.assert_array_equal(r, resolve_weight("random", (3, 3), seed=1))
    assert not np.array_equal(r, resolve_weight("random", (3, 3), seed=2))
    np.testing.assert_array_equal(r, np.round(r, 1))  # one decimal: short numbers
    np.testing.assert_array_equal(resolve_weight([1, 2]), [1.0, 2.0])
    with pytest.raises(ValueError, match="needs kernel_size"):
        resolve_weight("ones")
    with pytest.raises(ValueError, match="'zeros'"):
        resolve_weight("zeros", 3)
    with pytest.raises(ValueError, match="kernel_size"):
        resolve_weight("ones", (0, 2))
    with pytest.raises(ValueError, match="does not match"):
        resolve_weight([1, 2, 3], 2)
    with pytest.raises(ValueError, match="stride=0"):
        plot_phases("ones", 0, kernel_size=3)


def test_lazy_export():
    assert convlib.plot_phases is plot_phases
    from convlib.phases import phase_kernels, phase_sums

    assert convlib.phase_kernels is phase_kernels and convlib.phase_sums is phase_sums
