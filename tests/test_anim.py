"""convlib.anim: frame counts equal the output positions (torch's output shape), GIFs are valid, HTML is stable."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import json  # noqa: E402
import re  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from PIL import Image  # noqa: E402

from convlib import anim  # noqa: E402
from convlib.spec import ConvSpec, classic_set  # noqa: E402



def torch_positions(spec: ConvSpec) -> int:
    x = torch.zeros(1, 1, *spec.input_size)
    w = torch.zeros(1, 1, *spec.kernel_size)
    f = F.conv_transpose2d if spec.transposed else F.conv2d
    y = f(x, w, **spec.torch_kwargs())
    return int(y.shape[2] * y.shape[3])


@pytest.mark.parametrize("name", sorted(classic_set()))
def test_frame_count_is_the_number_of_output_positions(name):
    spec = classic_set()[name]
    assert anim.frame_count(spec) == torch_positions(spec)


def test_funcanimation_steps_through_every_output_position():
    spec = classic_set()["padding_strides"]
    a = anim.animate(spec)
    frames = list(a.new_frame_seq())
    assert len(frames) == torch_positions(spec) == 9
    a._draw_next_frame(frames[4], blit=False)  # drawing a frame works and moves the highlight
    assert a.figure.axes[0].get_title().startswith("5×5 input")
    plt.close(a.figure)
    t = classic_set()["no_padding_strides_transposed"]
    scatter = anim.animate(t, view="scatter")
    assert len(list(scatter.new_frame_seq())) == t.input_size[0] * t.input_size[1]
    scatter._draw_next_frame(0, blit=False)
    plt.close(scatter.figure)


def test_rendered_frames_differ_only_where_the_step_moves():
    spec = ConvSpec(4, 3)
    frames = anim.render_frames(spec, dpi=40)
    assert len(frames) == torch_positions(spec) == 4
    arrays = [np.asarray(f.convert("RGB")).astype(int) for f in frames]
    assert all(a.shape == arrays[0].shape for a in arrays)  # one geometry for every frame
    assert all(np.abs(arrays[i] - arrays[i + 1]).sum() > 0 for i in range(3))


def test_save_gif_writes_a_valid_gif(tmp_path):
    spec = classic_set()["no_padding_strides"]
    path = anim.save_gif(spec, tmp_path / "s.gif", dpi=40)
    with Image.open(path) as img:
        assert img.format == "GIF"
        assert img.n_frames == torch_positions(spec) == 4
        assert img.info.get("loop") == 0
    path = anim.save_gif("no_padding_no_strides_transposed", tmp_path / "t.gif", view="scatter", dpi=40)
    with Image.open(path) as img:
        assert img.n_frames == 4  # 2×2 input pixels


def test_save_classic_set_writes_one_gif_per_setting(tmp_path):
    paths = anim.save_classic_set(tmp_path / "gifs", dpi=30, max_frames=2)
    assert set(paths) == set(classic_set()) and len(paths) == 16
    for name, path in paths.items():
        assert path == tmp_path / "gifs" / f"{name}.gif"
        with Image.open(path) as img:
            assert img.format == "GIF" and img.n_frames == min(2, anim.frame_count(classic_set()[name]))


def test_html_player_is_reproducible_and_small():
    spec = classic_set()["padding_strides"]
    one = anim.to_html(spec, dpi=50)
    two = anim.to_html(spec, dpi=50)
    assert one == two  # no random ids: a re-executed notebook compares equal under nbval
    array = re.search(r"var frames = (\[.*?\]);", one).group(1)
    frames = json.loads(array)
    assert len(frames) == torch_positions(spec)
    assert all(f.startswith("data:image/png;base64,") for f in frames)
    assert f'src="{frames[0]}"' in one  # without scripts (GitHub), the first frame shows as an image
    assert len(one) < 150_000
    shown = anim.show("padding_strides", dpi=50)
    assert repr(shown) == "Animation(padding_strides, view='direct', 9 frames)"
    assert shown._repr_html_() == one
    assert len(plt.get_fignums()) == 0  # figures closed: no stray static copy in the notebook


def test_max_frames_and_bad_arguments(tmp_path):
    spec = classic_set()["full_padding_no_strides"]
    assert len(anim.render_frames(spec, max_frames=3, dpi=30)) == 3
    with pytest.raises(ValueError, match="view='scatter' needs a transposed spec"):
        anim.frame_count(spec, view="scatter")
    with pytest.raises(ValueError, match="view='side' must be one of"):
        anim.frame_count(spec, view="side")
    with pytest.raises(ValueError, match="max_frames=0"):
        anim.render_frames(spec, max_frames=0)
    with pytest.raises(ValueError, match="must end in .gif"):
        anim.save_gif(spec, tmp_path / "x.png")
    with pytest.raises(ValueError, match="not a classic setting"):
        anim.show("no_such_thing")
    assert len(anim.classic_set()) == 16
