"""Receptive fields: the closed form (Araujo et al.) against autograd on torch stacks.

The oracle is torch: a stack is built with ``nn.Conv*d`` / ``nn.MaxPool*d`` /
``nn.ConvTranspose*d``, and the support of one output unit is found by autograd
(both through convlib.empirical_receptive_field and, in the first tests, by hand).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from torch import nn

import convlib
from convlib import Layer, empirical_receptive_field, layers_from_module, layers_to_module, receptive_field
from convlib.gridding import unit_utilization

#: Property tests that call torch on every example run a fifth of the profile's examples.
TORCH_EXAMPLES = settings(max_examples=max(50, settings().max_examples // 5))


def _support_by_hand(model: nn.Module, shape: tuple[int, ...], position: tuple[int, ...]) -> np.ndarray:
    """Autograd support of one output unit with all weights 1 (convs only, no convlib involved)."""
    model = model.double()
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.Conv1d, nn.Conv2d)):
                m.weight.fill_(1.0)
                if m.bias is not None:
                    m.bias.zero_()
    x = torch.ones(shape, dtype=torch.float64, requires_grad=True)
    model(x)[(0, 0, *position)].backward()
    return (x.grad[0].sum(0) != 0).numpy()


# --- known values ------------------------------------------------------------------


def test_source_worked_example_is_5_not_7():
    # seed 000: a 3x3/1 then a 3x3/2 convolution; the source multiplies by the current
    # layer's stride and gets 7; autograd says 5 (a stride only spreads the layers after it)
    rf = receptive_field([(3, 1, 0), (3, 2, 0)])
    assert [row.size for row in rf.layers] == [3, 5]
    model = nn.Sequential(nn.Conv2d(1, 1, 3, 1), nn.Conv2d(1, 1, 3, 2))
    support = _support_by_hand(model, (1, 1, 5, 5), (0, 0))  # the source's 5x5 input
    rows, cols = np.nonzero(support)
    assert rows.max() - rows.min() + 1 == cols.max() - cols.min() + 1 == 5


def test_vgg16_features_closed_form():
    # Araujo, Norris & Sim (2019), table of receptive fields: VGG-16 -> r=212, S=32, P=90
    rf = receptive_field(convlib.vgg16_features())
    assert (rf.size, rf.stride, rf.padding, rf.center) == (212, 32, 90, 15.5)
    sizes = {row.layer.name: row.size for row in rf.layers}
    # the textbook recursion, by hand: pool1 6, pool2 16, pool3 44, pool4 100
    assert [sizes[f"pool{i}"] for i in range(1, 6)] == [6, 16, 44, 100, 212]


def test_vgg16_features_closed_form_equals_autograd():
    model = layers_to_module(convlib.vgg16_features(), channels=2)
    rf = receptive_field(layers_from_module(model))
    assert rf.size == (212, 212) and rf.stride == (32, 32)
    for position in [(3, 3), (2, 4), (0, 0), (6, 6)]:
        emp = empirical_receptive_field(model, (1, 2, 224, 224), position)
        first, last = rf.field(position)
        inside = all(f >= 0 for f in first) and all(v <= 223 for v in last)
        if inside:
            assert emp.start == first and emp.stop == last and emp.size == (212, 212)
        else:  # the field reaches into the padding: autograd sees the part inside the image
            assert all(e >= max(f, 0) for e, f in zip(emp.start, first))
            assert all(e <= min(v, 223) for e, v in zip(emp.stop, last))
        assert np.array_equal(emp.counts, unit_utilization(convlib.vgg16_features(), (224, 224), position))


def test_dilation_enters_as_effective_kernel():
    rf = receptive_field([Layer(3, dilation=r) for r in (1, 2, 5)])
    assert rf.size == 1 + 2 * (1 + 2 + 5)
    rf = receptive_field([Layer((3, 5), dilation=(2, 1)), Layer(3, 2, 1)])
    assert rf.size == (5 + 2, 5 + 2) and rf.stride == (2, 2)


def test_per_layer_rows_are_cumulative_and_table_renders():
    rf = receptive_field([(3, 1, 1), (2, 2, 0), (3, 1, 1, 2)])
    assert [r.size for r in rf.layers] == [3, 4, 12]
    assert [r.stride for r in rf.layers] == [1, 2, 2]
    assert [r.padding for r in rf.layers] == [1, 1, 3]
    assert [r.center for r in rf.layers] == [0.0, 0.5, 2.5]
    table = rf.to_table().splitlines()
    assert len(table) == 2 + 3 and "center" in table[0]
    assert repr(rf) == "ReceptiveField(size=12, stride=2, padding=3, center=2.5, layers=3)"


def test_table_text_by_hand():
    """Every column of the table, with h×w where the dimensions differ (a mistyped header would show)."""
    rf = receptive_field([(3, 1, 1), (3, 2, 1), Layer((3, 1), (1, 1), (1, 0), (2, 1), name="c3")])
    assert rf.to_table().splitlines() == [
        "#  layer    k  s    p    d  size  stride  padding  center",
        "-  -----  ---  -  ---  ---  ----  ------  -------  ------",
        "1  conv     3  1    1    1     3       1        1       0",
        "2  conv     3  2    1    1     5       2        2       0",
        "3  c3     3×1  1  1×0  2×1  13×5       2      4×2     2×0",
    ]


def test_same_padding_and_stride1_transposed():
    rf = receptive_field([Layer(4, padding="same", dilation=2)])  # total 6: 3 before, 3 after
    assert (rf.size, rf.padding) == (7, 3)
    rf = receptive_field([Layer(3, 1, 0, kind="transposed")])  # = conv with padding k'-1-p = 2
    assert (rf.size, rf.padding, rf.center) == (3, 2, -1.0)


def test_strided_transposed_has_no_closed_form():
    with pytest.raises(ValueError, match=r"layers\[1\] is a transposed convolution with stride=2"):
        receptive_field([(3, 1, 1), Layer(3, 2, 1, kind="transposed")])


def test_receptive_field_100_layers_is_fast_enough_to_be_interactive():
    rf = receptive_field([(3, 1, 1)] * 100)
    assert rf.size == 201 and len(rf.layers) == 100


# --- closed form == autograd on random stacks --------------------------------------

def _layer():
    return st.one_of(
        st.builds(
            lambda k, s, d, p: Layer(k, s, p, d),
            st.tuples(st.integers(1, 4), st.integers(1, 4)),
            st.tuples(st.integers(1, 3), st.integers(1, 3)),
            st.tuples(st.integers(1, 3), st.integers(1, 3)),
            st.tuples(st.integers(0, 3), st.integers(0, 3)),
        ),
        st.integers(1, 3).flatmap(
            lambda k: st.builds(
                lambda s, p, ceil: Layer(k, s, p, kind="pool", ceil_mode=ceil),
                st.integers(1, 3), st.integers(0, k // 2), st.booleans(),
            )
        ),
    )


def _fits(layers, size):
    for layer in layers:
        try:
            size = layer.output_size(size)
        except ValueError:
            return None
    return size


@TORCH_EXAMPLES
@given(st.lists(_layer(), min_size=1, max_size=4), st.data())
def test_empirical_equals_exact_counts_and_lies_in_closed_form(layers, data):
    rf = receptive_field(layers)
    h = data.draw(st.integers(1, 24), label="h")
    w = data.draw(st.integers(1, 24), label="w")
    out = _fits(layers, (h, w))
    assume(out is not None)
    pos = (data.draw(st.integers(0, out[0] - 1)), data.draw(st.integers(0, out[1] - 1)))
    channels = data.draw(st.integers(1, 2), label="channels")
    emp = empirical_receptive_field(layers_to_module(layers, channels), (1, channels, h, w), pos)
    assert emp.output_shape == out
    # autograd counts = convlib's exact path counts, pixel by pixel
    assert np.array_equal(emp.counts, unit_utilization(layers, (h, w), pos))
    first, last = rf.field(pos)
    if emp.start is None:  # the unit's windows hold only padding
        assert emp.size == (0, 0) and not emp.counts.any()
        return
    for d in range(2):
        assert emp.start[d] >= first[d] and emp.stop[d] <= last[d]


@TORCH_EXAMPLES
@given(st.lists(_layer(), min_size=1, max_size=4), st.data())
def test_closed_form_equals_autograd_for_units_inside_the_input(layers, data):
    rf = receptive_field(layers)
    r, S, P = (v if isinstance(v, tuple) else (v, v) for v in (rf.size, rf.stride, rf.padding))
    extra = data.draw(st.tuples(st.integers(0, 6), st.integers(0, 6)), label="extra")
    size = tuple(r_ + 2 * p + 2 * s + e for r_, p, s, e in zip(r, P, S, extra))
    out = _fits(layers, size)
    assume(out is not None)
    # output units whose whole field lies inside the input: x*S - P >= 0 and x*S - P + r - 1 <= n - 1
    lo = [-(-p // s) for p, s in zip(P, S)]
    hi = [min(o - 1, (n - r_ + p) // s) for o, n, r_, p, s in zip(out, size, r, P, S)]
    assume(all(a <= b for a, b in zip(lo, hi)))
    pos = tuple(data.draw(st.integers(a, b)) for a, b in zip(lo, hi))
    emp = empirical_receptive_field(layers_to_module(layers), (1, 1, *size), pos)
    first, last = rf.field(pos)
    assert emp.start == tuple(first) and emp.stop == tuple(last) and emp.size == r


@TORCH_EXAMPLES
@given(
    st.lists(
        st.tuples(st.integers(1, 4), st.integers(1, 3), st.integers(0, 2), st.integers(1, 3)), min_size=1, max_size=3
    ),
    st.integers(8, 40),
    st.data(),
)
def test_1d_stacks_by_hand_autograd(specs, n, data):
    layers = [Layer(*spec) for spec in specs]
    out = _fits(layers, n)
    assume(out is not None)
    pos = data.draw(st.integers(0, out - 1))
    model = nn.Sequential(*[nn.Conv1d(1, 1, k, s, p, d) for k, s, p, d in specs])
    support = _support_by_hand(model, (1, 1, n), (pos,))
    assert np.array_equal(support, unit_utilization(layers, (n,), pos) > 0)
    first, last = receptive_field(layers).field(pos)
    idx = np.nonzero(support)[0]
    assert idx.size == 0 or (idx.min() >= first and idx.max() <= last)


@TORCH_EXAMPLES
@given(
    st.lists(
        st.builds(
            lambda k, s, p, d, op, t: Layer(k, s, min(p, d * (k - 1)), d, kind="transposed" if t else "conv",
                                            output_padding=min(op, max(s, d) - 1) if t else 0),
            st.integers(1, 4), st.integers(1, 3), st.integers(0, 2), st.integers(1, 2), st.integers(0, 2),
            st.booleans(),
        ),
        min_size=1,
        max_size=3,
    ),
    st.integers(3, 12),
    st.data(),
)
def test_transposed_stacks_exact_counts_equal_autograd(layers, n, data):
    out = _fits(layers, n)
    assume(out is not None)
    pos = data.draw(st.integers(0, out - 1))
    model = layers_to_module(layers, ndim=1)
    emp = empirical_receptive_field(model, (1, 1, n), pos)
    assert np.array_equal(emp.counts, unit_utilization(layers, (n,), pos))


# --- torch modules ------------------------------------------------------------------


def test_layers_from_module_reads_every_supported_layer():
    model = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1),
        nn.BatchNorm2d(8),
        nn.ReLU(),
        nn.Sequential(nn.MaxPool2d(2, ceil_mode=True), nn.Dropout(0.1), nn.GELU()),
        nn.Conv2d(8, 8, (3, 1), stride=(2, 1), padding=(1, 0), dilation=(2, 1), groups=4, padding_mode="reflect"),
        nn.AvgPool2d(3, 1, 1),
        nn.ConvTranspose2d(8, 4, 4, 2, 1, output_padding=1),
        nn.Identity(),
        nn.Conv2d(4, 1, 3, padding="same"),
    )
    layers = layers_from_module(model)
    assert [l.kind for l in layers] == ["conv", "pool", "conv", "pool", "transposed", "conv"]
    assert layers[0] == Layer((3, 3), (1, 1), (1, 1), (1, 1), name="0: Conv2d")
    assert layers[1].ceil_mode and layers[1].stride == (2, 2) and layers[1].name == "3.0: MaxPool2d"
    assert layers[2].kernel_size == (3, 1) and layers[2].dilation == (2, 1)
    assert layers[4].output_padding == (1, 1)
    assert layers[5].padding == "same"


def test_layers_round_trip_through_torch():
    layers = (Layer(3, 2, 1), Layer(2, 2, 0, kind="pool", ceil_mode=True), Layer(3, 1, 2, 2), Layer(4, 2, 1, kind="transposed"))
    back = layers_from_module(layers_to_module(layers))
    for a, b in zip(layers, back):
        assert [getattr(b, f) for f in ("kind", "ceil_mode")] == [a.kind, a.ceil_mode]
        fields = ("kernel_size", "stride", "padding", "dilation") + (("output_padding",) if a.kind == "transposed" else ())
        for f in fields:
            assert getattr(b, f) == (getattr(a, f),) * 2


def test_empirical_handles_groups_norms_activations_and_maxpool_argmax():
    model = nn.Sequential(
        nn.Conv2d(4, 4, 3, padding=1, groups=4),
        nn.BatchNorm2d(4),
        nn.Tanh(),  # would saturate / cancel with real weights
        nn.MaxPool2d(3, 2, 1),  # argmax would pick one pixel per window
        nn.Conv2d(4, 2, 3, dilation=2, groups=2),
    ).eval()
    emp = empirical_receptive_field(model, (2, 4, 20, 20), (2, 3))
    layers = layers_from_module(model)
    assert np.array_equal(emp.counts, unit_utilization(layers, (20, 20), (2, 3)))
    rf = receptive_field(layers)
    first, last = rf.field((2, 3))
    assert emp.start == first and emp.stop == last  # this unit's field is inside the image
    # the original model is untouched
    assert not torch.all(model[0].weight == model[0].weight.flatten()[0])


def test_empirical_default_position_is_the_middle_unit():
    emp = empirical_receptive_field(nn.Conv1d(1, 1, 3), (1, 1, 9))
    assert emp.output_shape == (7,) and emp.position == (3,) and emp.start == (3,) and emp.size == (3,)


@pytest.mark.parametrize(
    "module, match",
    [
        (nn.Linear(4, 4), r"the model \(Linear\) is not supported"),
        (nn.Sequential(nn.Conv2d(1, 1, 3), nn.Flatten()), r"layer '1' \(Flatten\)"),
        (nn.Sequential(nn.InstanceNorm2d(3)), "statistics over all spatial positions"),
        (nn.Sequential(nn.Sequential(nn.Conv2d(1, 1, 3), nn.GroupNorm(1, 1))), r"layer '0.1' \(GroupNorm\)"),
        (nn.Conv3d(1, 1, 3), r"Conv3d"),
        (nn.Sequential(nn.AdaptiveAvgPool2d(1)), "AdaptiveAvgPool2d"),
    ],
)
def test_unsupported_layers_are_named(module, match):
    with pytest.raises(TypeError, match=match):
        layers_from_module(module)
    with pytest.raises(TypeError, match=match):
        empirical_receptive_field(module, (1, 1, 8, 8))


def test_custom_container_is_refused_with_advice():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(1, 1, 3)

        def forward(self, x):
            return self.conv(x)

    with pytest.raises(TypeError, match="wrap the layers in nn.Sequential"):
        layers_from_module(Net())
    with pytest.raises(TypeError, match="torch.nn.Module"):
        layers_from_module([nn.Conv2d(1, 1, 3)])


def test_empirical_bad_input():
    model = nn.Sequential(nn.Conv2d(1, 1, 3))
    with pytest.raises(ValueError, match=r"position=\(5, 0\) is outside the output, whose spatial shape is \(4, 4\)"):
        empirical_receptive_field(model, (1, 1, 6, 6), (5, 0))
    with pytest.raises(ValueError, match="input_shape"):
        empirical_receptive_field(model, (1, 6, 6), None)
    with pytest.raises(ValueError, match="does not fit the model"):
        empirical_receptive_field(model, (1, 1, 2, 2))
    with pytest.raises(ValueError, match="input_shape"):
        empirical_receptive_field(model, (1, 1, 0, 6))


@pytest.mark.parametrize(
    "spec, match",
    [
        ((0, 1, 0), "kernel_size=0 must be a positive integer"),
        ((3, 0, 1), "stride=0 must be a positive integer"),
        ((3, -1, 1), "stride=-1 must be a positive integer"),
        ((3, 1, -1), "padding=-1 must be a non-negative integer"),
        ((3, 1, 0, 0), "dilation=0 must be a positive integer"),
        ((3, 2, "same"), "padding='same' needs stride=1"),
    ],
)
def test_bad_layer_specs_name_the_parameter(spec, match):
    with pytest.raises(ValueError, match=match):
        receptive_field([(3, 1, 1), spec])


def test_bad_layer_types():
    with pytest.raises(TypeError, match="kernel_size=2.5"):
        Layer(2.5)
    with pytest.raises(TypeError, match="must be a convlib.Layer"):
        receptive_field([(3, 1, 1), "conv"])
    with pytest.raises(ValueError, match="at least one layer"):
        receptive_field([])
    with pytest.raises(ValueError, match=r"layers\[1\] has 1 spatial dimension\(s\) but layers\[0\] has 2"):
        receptive_field([Layer((3, 3)), Layer((3,))])
    with pytest.raises(ValueError, match="output_padding=2 must be smaller than either stride=2 or dilation=1"):
        Layer(3, 2, kind="transposed", output_padding=2)


# --- cases the mutation tests found unchecked ------------------------------------------


def test_dilated_stride_one_transposed_layer_by_hand():
    """A stride-1 transposed layer is a direct convolution with padding k' - 1 - p (k' = 5 here)."""
    rf = receptive_field([Layer(3, 1, 0, 2, kind="transposed")])
    assert (rf.size, rf.stride, rf.padding, rf.center) == (5, 1, 4, -2)
    assert rf.field(0) == (-4, 0)


@settings(max_examples=60)
@given(st.integers(1, 4), st.integers(1, 3), st.data())
def test_stride_one_transposed_closed_form_equals_autograd(k, d, data):
    p = data.draw(st.integers(0, d * (k - 1)))
    layers = [Layer(3, 1, 1), Layer(k, 1, p, d, kind="transposed"), Layer(2, 1, 0)]
    rf = receptive_field(layers)
    model = layers_to_module(layers, ndim=1)
    n = 24
    out = n
    for layer in layers:
        out = layer.output_size(out)
    position = out // 2
    emp = empirical_receptive_field(model, (1, 1, n), position)
    first, last = rf.field(position)
    assert (emp.start[0], emp.stop[0]) == (first, last), (k, d, p)
    assert rf.center == (first + last) / 2 - position * rf.stride


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths")  # the very case under test
@pytest.mark.parametrize("k, d", [(2, 1), (4, 1), (2, 3), (3, 2), (5, 1)])
def test_same_padding_with_an_even_effective_kernel_matches_torch(k, d):
    """torch's 'same' puts the odd extra padding on the far side: the near side gets d(k-1) // 2."""
    layer = Layer(k, padding="same", dilation=d)
    assert layer.near_padding == d * (k - 1) // 2
    conv = nn.Conv1d(1, 1, k, padding="same", dilation=d)
    emp = empirical_receptive_field(nn.Sequential(conv), (1, 1, 12), 0)
    rf = receptive_field([layer])
    first, last = rf.field(0)
    assert emp.output_shape == (12,) and layer.output_size(12) == 12
    assert last - first + 1 == d * (k - 1) + 1 == rf.size
    taps_inside = {first + d * t for t in range(k) if 0 <= first + d * t < 12}
    assert set(np.nonzero(emp.mask)[0].tolist()) == taps_inside
    assert rf.padding == layer.near_padding


def test_table_of_one_dimensional_layers():
    rf = receptive_field([Layer((3,), (2,), (1,)), Layer((2,), (1,), (0,))])
    assert rf.to_table().splitlines()[2:] == ["1  conv   3  2  1  1     3       2        1       0",
                                             "2  conv   2  1  0  1     5       2        1       1"]
    assert repr(rf) == "ReceptiveField(size=5, stride=2, padding=1, center=1, layers=2)"
