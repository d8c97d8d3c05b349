"""convlib.widgets: the state functions against torch, and every explorer driven like a user would."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import base64  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from hypothesis import given, note, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from convlib import widgets as W  # noqa: E402
from convlib.cost import separable_cost  # noqa: E402
from convlib.gridding import utilization_map  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"




@settings(max_examples=300)
@given(st.integers(0, 2**32 - 1))
def test_conv_state_agrees_with_torch_on_valid_and_invalid_calls(seed):
    """Same accept/reject decision as torch; same output size when accepted."""
    rng = np.random.default_rng(seed)
    i, k, s, p, d, op = (int(v) for v in rng.integers([1, 1, 1, 0, 1, 0], [9, 6, 4, 5, 4, 3]))
    transposed = bool(rng.integers(2))
    note(f"i={i} k={k} s={s} p={p} d={d} op={op} transposed={transposed}")
    x, w = torch.zeros(1, 1, i, i), torch.zeros(1, 1, k, k)
    try:
        if transposed:
            y = F.conv_transpose2d(x, w, stride=s, padding=p, output_padding=op, dilation=d)
        else:
            y = F.conv2d(x, w, stride=s, padding=p, dilation=d)
        shape = tuple(y.shape[2:])
    except RuntimeError:
        shape = None
    ref = shape if shape and 0 not in shape else None  # torch may return an empty output instead of raising
    state = W.conv_explorer_state(i, k, s, p, d, transposed, op)
    assert state["ok"] is (ref is not None)
    assert state["torch_size"] == shape
    if ref is None:
        assert "\n" not in state["message"]
        assert ("torch refuses it too" if shape is None else "torch returns an empty") in state["message"]
    else:
        assert state["output_size"] == state["convlib_size"] == ref  # the formula, and convlib's convolution itself
        assert state["formula"].endswith(f"= {ref[0]}")


def test_explore_conv_reacts_to_controls_and_explains_invalid_combinations(capsys):
    e = W.explore_conv()
    assert e.state["ok"] and e.state["output_size"] == (3, 3)
    assert e.png.startswith(PNG)
    first = e.png
    outputs = e.output.outputs
    assert len(outputs) == 1 and base64.b64decode(outputs[0]["data"]["image/png"]) == first
    e.controls["stride"].value = 2  # like dragging a slider
    assert e.state["output_size"] == (2, 2) and e.png != first
    e.set(transposed=True, input_size=3, padding=1, output_padding=1)
    assert e.state["output_size"] == (6, 6) == e.state["torch_size"]
    assert "6×6" in e.message.value
    e.set(transposed=False, input_size=2, kernel_size=5, padding=0)  # kernel larger than the input
    assert not e.state["ok"]
    assert "output size would be" in e.message.value and "torch refuses it too" in e.message.value
    assert e.output.outputs == () and e.png == b""
    assert "invalid:" in repr(e)
    e.set(kernel_size=1)
    assert e.state["ok"] and e.png.startswith(PNG)
    assert capsys.readouterr().out == ""  # nothing printed into the cell (strict nbval)


def test_explore_conv_position_slider_is_clamped_to_the_output():
    e = W.explore_conv(input_size=5, kernel_size=3)
    e.controls["position"].value = 8
    assert e.state["position"] == 8 and e.controls["position"].max == 8
    e.set(stride=2)  # 2×2 output: only 4 positions
    assert e.state["position"] == 3 and e.controls["position"].max == 3 and e.controls["position"].value == 3


def test_display_bundle_is_stable_text_plus_widget_plus_static_png():
    e = W.explore_conv()
    bundle = e._repr_mimebundle_()
    assert bundle["text/plain"] == repr(e) == e.summary()
    assert "0x" not in bundle["text/plain"]
    assert bundle["text/plain"].endswith("output 3×3 (torch: 3×3)")
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert base64.b64decode(bundle["image/png"]).startswith(PNG)
    assert repr(W.explore_conv()) == repr(e)  # the same text in a fresh kernel


def test_explore_groups_costs_and_messages():
    g = W.explore_groups()
    module = torch.nn.Conv2d(8, 8, 3, groups=2)
    assert g.state["params"] == sum(p.numel() for p in module.parameters())
    before = g.png
    g.set(in_channels=10, groups=3)
    assert not g.state["ok"] and "in_channels=10 must be divisible by groups=3" in g.message.value
    g.set(in_channels=3, out_channels=64, groups=1, kernel_size=5, input_size=12, separable=True, bias=False)
    assert g.state["ok"] and g.png != before
    assert g.state["macs"] == separable_cost(3, 64, 5, 12, bias=False).macs
    assert "4,800" in g.message.value


def test_explore_checkerboard_verdicts():
    c = W.explore_checkerboard(input_size=3)
    assert c.state["even"] is False and "uneven" in repr(c)
    counts = F.conv_transpose2d(torch.ones(1, 1, 3, 3, dtype=torch.float64),
                                torch.ones(1, 1, 3, 3, dtype=torch.float64), stride=2)[0, 0].numpy()
    np.testing.assert_array_equal(c.state["counts"][0], counts)
    c.set(kernel_size=4)
    assert c.state["even"] is True
    c.set(two_d=False, layers=3, resize=False)
    assert c.state["counts"][-1].ndim == 1 and len(c.state["counts"]) == 3
    c.set(padding=4, kernel_size=1, input_size=2)
    assert not c.state["ok"] and "output size would be" in c.message.value


def test_explore_dilation_stack_map_field_and_hdc():
    e = W.explore_dilation_stack()
    assert e.state["receptive_field"] == 17 and e.state["report"].hole_free
    np.testing.assert_array_equal(e.state["map"], utilization_map([1, 2, 5], 3))
    e.controls["rates"].value = "2, 2, 2"
    assert e.state["report"].n_holes == 120 and not e.state["report"].conforms
    assert "120 holes" in repr(e)
    e.controls["rates"].value = "1, two"
    assert not e.state["ok"] and "positive integers" in e.message.value
    e.controls["rates"].value = "9, 9, 9, 9"
    assert not e.state["ok"] and "73×73" in e.message.value


def test_explore_output_size_calculator():
    o = W.explore_output_size()
    o.set(input_size=224, kernel_size=7, stride=2, padding=3)
    y = torch.nn.Conv2d(1, 1, 7, stride=2, padding=3)(torch.zeros(1, 1, 224, 224))
    assert o.state["output_size"] == tuple(y.shape[2:]) == (112, 112)
    assert "⌊(224 + 2·3 − 1·(7−1) − 1) / 2⌋ + 1 = 112" in o.message.value
    assert o.png == b""  # a calculator: no figure


def test_torch_missing_is_explained(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_torch(name, *args, **kwargs):
        if name == "torch" or name.startswith("torch."):
            raise ImportError("no torch here")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_torch)
    state = W.conv_explorer_state(5, 3)
    assert state["ok"] and state["torch_size"] is None
    assert "torch is not installed" in "\n".join(state["lines"])


def test_explorer_set_rejects_unknown_controls():
    e = W.explore_checkerboard()
    with pytest.raises(ValueError, match="unknown control"):
        e.set(kernal_size=3)


def test_explorers_draw_the_state_they_computed(monkeypatch):
    """The draw step gets the state's numbers; it does not compute them again."""
    import convlib.overlap
    import convlib.render.wiring

    e = W.explore_checkerboard()
    calls = []
    monkeypatch.setattr(convlib.overlap, "overlap_counts", lambda *a, **k: calls.append(a))
    monkeypatch.setattr(convlib.render.wiring, "conv_cost", lambda *a, **k: calls.append(a))
    from convlib.widgets.checkerboard import _draw as draw_checkerboard
    from convlib.widgets.groups import _draw as draw_groups

    assert draw_checkerboard(e.state) is not None
    assert draw_groups(W.groups_state(8, 8, 2)) is not None
    assert calls == []
