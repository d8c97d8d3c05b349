"""Receptive fields of multi-path graphs (torch.fx): hand-checked graphs, autograd, random nets, bad input.

The oracle is autograd on the model itself (``measure_receptive_field`` makes it linear and
positive but keeps every kernel, stride, padding and edge of the graph); the small graphs
are also checked against numbers worked out by hand, and chains against chapter 03's
closed form ``convlib.receptive_field``.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

import convlib
from convlib import graph_receptive_field, measure_receptive_field
from convlib.networks import TFSamePad


def agree(model: nn.Module, n: int, channels: int = 1, **kw) -> tuple:
    """fx and autograd on an n×n (or length-n) input; returns both after asserting they agree."""
    rf = graph_receptive_field(model, input_size=n, **kw)
    shape = (1, channels, n) if len(rf.size) == 1 else (1, channels, n, n)
    m = measure_receptive_field(model, shape, **kw)
    assert (rf.size, rf.stride, rf.padding) == (m.size, m.stride, m.padding), (rf, m)
    assert rf.center == m.center
    return rf, m


class TwoBranches(nn.Module):
    def __init__(self, a: nn.Module, b: nn.Module, merge: str = "add") -> None:
        super().__init__()
        self.a, self.b, self.merge = a, b, merge

    def forward(self, x):
        if self.merge == "cat":
            return torch.cat([self.a(x), self.b(x)], dim=1)
        return self.a(x) + self.b(x)


# --- hand-checkable graphs ---------------------------------------------------------------------


def test_two_branches_with_different_kernels_take_the_larger_field():
    net = TwoBranches(nn.Conv2d(1, 1, 3, padding=1), nn.Conv2d(1, 1, 5, padding=2))
    rf, _ = agree(net, 21)
    assert (rf.size, rf.stride, rf.padding, rf.center) == ((5, 5), (1, 1), (2, 2), (0.0, 0.0))
    (merge,) = rf.merges
    assert merge.aligned and merge.inputs == ("a", "b") and merge.sizes == ((3, 3), (5, 5))
    assert rf.aligned and rf.misaligned == ()


def test_misaligned_merge_is_reported_and_the_field_is_the_union():
    # branch b pads 0 before and 2 after: its unit 0 is centred one pixel later than branch a's
    shifted = nn.Sequential(nn.ZeroPad2d((0, 2, 0, 2)), nn.Conv2d(1, 1, 3))
    net = TwoBranches(nn.Conv2d(1, 1, 3, padding=1), shifted)
    rf, m = agree(net, 21)
    (merge,) = rf.merges
    assert merge.same_stride and not merge.same_center and not merge.aligned
    assert merge.offsets == ((0.0, 0.0), (1.0, 1.0))
    assert "MISALIGNED" in merge.describe() and "1 pixel" in merge.describe()
    assert rf.misaligned == (merge,) and not rf.aligned
    # union of [-1, 1] and [0, 2]: first -1, last 2 -- what autograd sees
    assert rf.field(0) == ((-1, -1), (2, 2)) and rf.size == (4, 4) and m.size == (4, 4)
    assert "MISALIGNED" in repr(rf)
    with pytest.raises(ValueError, match=r"strict=True.*add.*MISALIGNED"):
        graph_receptive_field(net, strict=True)


def test_residual_block_v15():
    block = convlib.networks.Bottleneck(4, 2, 8, stride=2)  # 1x1, 3x3/2/1, 1x1 + 1x1/2 downsample
    rf, _ = agree(block, 24, channels=4)
    assert (rf.size, rf.stride, rf.padding, rf.center) == ((3, 3), (2, 2), (1, 1), (0.0, 0.0))
    (merge,) = rf.merges
    assert merge.aligned and merge.sizes == ((3, 3), (1, 1))


def test_concat_of_asymmetric_kernels_is_per_axis():
    net = nn.Module()
    branches = [nn.Conv2d(1, 1, 1), nn.Conv2d(1, 1, 3, padding=1), nn.Conv2d(1, 1, (1, 7), padding=(0, 3)),
                nn.MaxPool2d(3, 1, 1)]

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.branches = nn.ModuleList(branches)

        def forward(self, x):
            return torch.cat([b(x) for b in self.branches], 1)

    net = Block()
    rf, _ = agree(net, 25)
    assert (rf.size, rf.padding) == ((3, 7), (1, 3))
    assert rf.merges[0].op == "cat" and rf.aligned


def test_tf_same_at_stride_two_misaligns_even_inputs_only():
    # TensorFlow's 'SAME' at stride 2 pads (0, 1) on an even input and (1, 1) on an odd one;
    # against a 1x1/2 shortcut the 3x3/2 branch is then off by one pixel -- or aligned.
    net = TwoBranches(nn.Sequential(TFSamePad(3, 2), nn.Conv2d(1, 1, 3, 2)), nn.Conv2d(1, 1, 1, 2))
    even, _ = agree(net, 32)
    odd, _ = agree(net, 33)
    assert even.merges[0].offsets[0] == (0.0, 0.0) and even.merges[0].offsets[1] == (-1.0, -1.0)
    assert not even.aligned and odd.aligned
    assert (even.size, even.padding) == ((3, 3), (0, 0)) and (odd.size, odd.padding) == ((3, 3), (1, 1))
    with pytest.raises(ValueError, match=r"TFSamePad.*input_size"):
        graph_receptive_field(net)


def test_stride_1_tf_same_needs_no_input_size():
    net = nn.Sequential(TFSamePad((1, 7)), nn.Conv2d(1, 1, (1, 7)))
    rf = graph_receptive_field(net)
    assert (rf.size, rf.padding) == ((1, 7), (0, 3))


def test_merge_of_different_strides_has_no_single_field():
    # on an 8x8 input both branches give 4x4 maps, but their units are 2 and 1 pixels apart
    net = TwoBranches(nn.Conv2d(1, 1, 3, 2, 1), nn.Conv2d(1, 1, 5))
    with pytest.raises(ValueError, match=r"add \(add\) merges paths with different effective strides a: 2, b: 1"):
        graph_receptive_field(net, input_size=8)


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")  # torch's own note on its copy
def test_dilation_transposed_stride_1_functional_pool_and_pad():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.dil = nn.Conv2d(1, 1, 3, padding=2, dilation=2)
            self.up = nn.ConvTranspose2d(1, 1, 3, padding=0)  # stride 1: a convolution padded by 2
            self.same = nn.Conv2d(1, 1, 4, padding="same")  # torch pads 1 before, 2 after

        def forward(self, x):
            x = F.max_pool2d(self.dil(x), 3, 2, 1)
            x = F.pad(x, (2, 0, 1, 0))
            return self.same(self.up(torch.relu(x)))

    rf, _ = agree(Net(), 40)
    # by hand: 5 (dilated) -> +2 (pool) = 7, S 2 -> +2*2 (transposed 3) = 11 -> +3*2 (k=4) = 17
    assert rf.size == (17, 17) and rf.stride == (2, 2)
    # padding: 2 (dil) + 1 (pool) + 2*(1, 2) (F.pad before: 1 row, 2 columns) + 2*2 (transposed) + 2*1 (same)
    assert rf.padding == (2 + 1 + 2 * 1 + 4 + 2, 2 + 1 + 2 * 2 + 4 + 2)


def test_one_dimensional_graph():
    net = TwoBranches(nn.Conv1d(1, 1, 3, 2, 1), nn.Sequential(nn.Conv1d(1, 1, 5, 1, 2), nn.MaxPool1d(2, 2)))
    rf, _ = agree(net, 30)
    assert (rf.size, rf.stride) == ((6,), (2,))


def test_every_unit_matches_autograd_along_a_row():
    net = convlib.networks.Bottleneck(1, 1, 2, stride=2)
    rf = graph_receptive_field(net, input_size=20)
    for x in range(1, 8):
        m = measure_receptive_field(net, (1, 1, 20, 20), position=(5, x))
        assert rf.field((5, x)) == (m.first, m.last)


def test_nodes_at_and_table():
    net = convlib.networks.resnet50(1 / 64)
    with torch.device("meta"):
        full = convlib.networks.resnet50()
    rf = graph_receptive_field(net)
    assert graph_receptive_field(full).nodes.keys() == rf.nodes.keys()
    # by hand (v1.5): stem 11/4/5; three 3x3 at S=4 -> 35/4/17; layer2 +8 (3x3/2 at S=4) +3*16 -> 91/8/45
    assert (rf.at("maxpool").size, rf.at("maxpool").padding) == ((11, 11), (5, 5))
    assert (rf.at("layer1").size, rf.at("layer1").stride, rf.at("layer1").padding) == ((35, 35), (4, 4), (17, 17))
    assert (rf.at("layer2").size, rf.at("layer2").stride, rf.at("layer2").padding) == ((91, 91), (8, 8), (45, 45))
    assert rf.at("layer4.2.conv2").size == (427, 427) and rf.at("layer4").size == (427, 427)
    text = rf.table()
    assert "layer4.2.conv2" in text and "427" in text.splitlines()[-1]
    with pytest.raises(ValueError, match="where='layer9'"):
        rf.at("layer9")


# --- chains agree with chapter 03's closed form -------------------------------------------------

layer = st.tuples(st.integers(1, 5), st.integers(1, 3), st.integers(0, 2), st.integers(1, 3))


@settings(max_examples=40)
@given(st.lists(layer, min_size=1, max_size=5))
def test_chains_equal_the_closed_form(layers):
    layers = [(k, s, min(p, (d * (k - 1)) // 2), d) for k, s, p, d in layers]
    rf = graph_receptive_field(convlib.layers_to_module(layers))
    closed = convlib.receptive_field(layers)
    assert rf.size == (closed.size,) * 2 and rf.stride == (closed.stride,) * 2
    assert rf.padding == (closed.padding,) * 2 and rf.center == (closed.center,) * 2


# --- random multi-path networks against autograd ------------------------------------------------


class RandomNet(nn.Module):
    """Blocks of parallel branches (conv / pool / identity), merged by add or cat."""

    def __init__(self, blocks: list) -> None:
        super().__init__()
        self.blocks = nn.ModuleList()
        self.merges = []
        c = 1
        for stride, branches, merge in blocks:
            mods = nn.ModuleList()
            for kind, (kh, kw), (dh, dw), (ah, aw) in branches:
                if kind == "conv":
                    eh, ew = dh * (kh - 1), dw * (kw - 1)  # total padding k'-1: every branch gives ceil(n/s)
                    pad = nn.ZeroPad2d((aw % (ew + 1), ew - aw % (ew + 1), ah % (eh + 1), eh - ah % (eh + 1)))
                    mods.append(nn.Sequential(pad, nn.Conv2d(c, 1, (kh, kw), stride, dilation=(dh, dw))))
                elif kind == "pool":
                    k = 2 * (kh // 2) + 1
                    mods.append(nn.Sequential(nn.MaxPool2d(k, stride, k // 2), nn.Conv2d(c, 1, 1)))
                else:
                    mods.append(nn.Conv2d(c, 1, 1, stride))
            self.blocks.append(mods)
            self.merges.append(merge)
            c = len(branches) if merge == "cat" else 1

    def forward(self, x):
        for mods, merge in zip(self.blocks, self.merges):
            outs = [m(x) for m in mods]
            x = torch.cat(outs, 1) if merge == "cat" else sum(outs[1:], outs[0])
            x = torch.relu(x)
        return x


branch = st.tuples(
    st.sampled_from(["conv", "conv", "pool", "shortcut"]),
    st.tuples(st.integers(1, 4), st.integers(1, 4)),
    st.tuples(st.integers(1, 2), st.integers(1, 2)),
    st.tuples(st.integers(0, 6), st.integers(0, 6)),
)
block = st.tuples(st.sampled_from([1, 1, 2]), st.lists(branch, min_size=1, max_size=3), st.sampled_from(["add", "cat"]))


@settings(max_examples=30)
@given(st.lists(block, min_size=1, max_size=4))
def test_random_multipath_nets_match_autograd(blocks):
    net = RandomNet(blocks)
    rf = graph_receptive_field(net, input_size=64)
    n = max(rf.size) + 4 * max(rf.stride) + 8
    agree(net, n)


# --- stops, unsupported ops, bad input ----------------------------------------------------------


def test_a_classifier_head_stops_the_field_before_it():
    net = nn.Sequential(nn.Conv2d(1, 2, 3, 2), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2, 3))
    rf = graph_receptive_field(net)
    assert rf.output == "_1" and rf.stopped_at == "_2" and rf.size == (3, 3)
    with pytest.raises(ValueError, match=r"node 2 \(AdaptiveAvgPool2d\) pools over the whole map"):
        graph_receptive_field(net, output="_4")
    m = measure_receptive_field(net, (1, 1, 16, 16))
    assert m.size == (3, 3)


def test_squeeze_excitation_gate_has_no_finite_field():
    class SE(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(1, 1, 3, padding=1)

        def forward(self, x):
            x = self.conv(x)
            return x * torch.sigmoid(F.adaptive_avg_pool2d(x, 1))

    with pytest.raises(ValueError, match=r"adaptive_avg_pool2d \(adaptive_avg_pool2d\) pools over the whole map"):
        graph_receptive_field(SE())
    assert graph_receptive_field(SE(), output="conv").size == (3, 3)


@pytest.mark.parametrize(
    ("module", "error", "pattern"),
    [
        (nn.ConvTranspose2d(1, 1, 3, stride=2), ValueError, r"1 \(ConvTranspose2d\) is a transposed convolution with stride=\(2, 2\)"),
        (nn.Upsample(scale_factor=2), ValueError, r"1 \(Upsample\) upsamples"),
        (nn.LPPool2d(2, 3), TypeError, r"1 \(LPPool2d\) is not a module whose geometry convlib knows"),
        (nn.Conv1d(1, 1, 3), ValueError, r"1 \(Conv1d\) is 1-D but the model is read as 2-D"),
    ],
)
def test_unsupported_modules_are_named(module, error, pattern):
    net = nn.Sequential(nn.Conv2d(1, 1, 3), module)
    with pytest.raises(error, match=pattern):
        graph_receptive_field(net, ndim=2)
    assert graph_receptive_field(net, ndim=2, output="_0").size == (3, 3)  # before it: fine


def test_unsupported_functions_are_named():
    class Up(nn.Module):
        def forward(self, x):
            return F.interpolate(x, scale_factor=2.0)

    class SpatialCat(nn.Module):
        def forward(self, x):
            return torch.cat([x, x], dim=3)

    class Odd(nn.Module):
        def forward(self, x):
            return torch.fft.fft2(x).real

    class Crop(nn.Module):
        def forward(self, x):
            return x[:, :, 1:-1, 1:-1]

    with pytest.raises(ValueError, match="interpolate.*upsamples"):
        graph_receptive_field(Up())
    with pytest.raises(ValueError, match=r"concatenates along dim=3"):
        graph_receptive_field(SpatialCat())
    with pytest.raises(TypeError, match="fft2.*does not know"):
        graph_receptive_field(Odd())
    with pytest.raises(TypeError, match=r"getitem \(getitem\) indexes a tensor"):
        graph_receptive_field(Crop())


def test_untraceable_and_non_modules():
    class Branchy(nn.Module):
        def forward(self, x):
            return x if x.sum() > 0 else -x

    with pytest.raises(TypeError, match=r"model \(Branchy\) could not be traced with torch.fx"):
        graph_receptive_field(Branchy())
    with pytest.raises(TypeError, match="must be a torch.nn.Module"):
        graph_receptive_field([nn.Conv2d(1, 1, 3)])


def test_bad_arguments():
    net = nn.Sequential(nn.Conv2d(1, 1, 3, 2))
    with pytest.raises(ValueError, match="input_size"):
        graph_receptive_field(net, input_size=(8, 8, 8))
    with pytest.raises(ValueError, match=r"node 0 \(Conv2d\) gets a 2 map"):
        graph_receptive_field(net, input_size=2)
    with pytest.raises(ValueError, match="output='nope' names no node"):
        graph_receptive_field(net, output="nope")
    with pytest.raises(ValueError, match="ndim"):
        graph_receptive_field(net, ndim=3)
    with pytest.raises(ValueError, match="reaches the border"):
        measure_receptive_field(nn.Sequential(nn.Conv2d(1, 1, 3, padding=1)), (1, 1, 4, 4))
    with pytest.raises(ValueError, match="input_shape"):
        measure_receptive_field(net, (1, 16, 16))
    with pytest.raises(ValueError, match="position"):
        measure_receptive_field(net, (1, 1, 32, 32), position=(40, 0))


def test_measured_counts_are_path_counts():
    # two 3x3 layers: the centre pixel is reached by 9 paths, as convlib.utilization_map counts
    net = nn.Sequential(nn.Conv2d(1, 1, 3), nn.Conv2d(1, 1, 3))
    m = measure_receptive_field(net, (1, 1, 15, 15))
    (r0, c0), (r1, c1) = m.first, m.last
    box = m.counts[r0 : r1 + 1, c0 : c1 + 1]
    assert np.array_equal(np.rint(box).astype(int), convlib.utilization_map([1, 1]))


def test_measuring_leaves_the_model_untouched():
    net = nn.Sequential(nn.Sequential(TFSamePad(3, 2, value=float("-inf")), nn.MaxPool2d(3, 2)), nn.Conv2d(1, 2, 3),
                        nn.BatchNorm2d(2), nn.ReLU()).eval()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    x = torch.randn(1, 1, 20, 20)
    y = net(x)
    measure_receptive_field(net, (1, 1, 40, 40))
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())
    assert net[0][0].value == float("-inf") and net[1].weight.dtype == torch.float32
    assert torch.equal(net(x), y)


@pytest.mark.parametrize("name", ["resnet_v1_50", "deeplabv3 backbone, multi-grid", "mobilenet_v2"])
def test_float32_probe_finds_the_same_support_as_float64(name):
    net = convlib.networks.NETWORKS[name].model(1 / 64)
    n = convlib.networks.probe_size(graph_receptive_field(net, input_size=224))
    m32 = measure_receptive_field(net, (1, 3, n, n))
    m64 = measure_receptive_field(net, (1, 3, n, n), dtype="float64")
    assert m32.counts.dtype == np.float32 and m64.counts.dtype == np.float64
    assert ((m32.counts > 0) == (m64.counts > 0)).all()
    assert (m32.first, m32.last, m32.stride) == (m64.first, m64.last, m64.stride)
    np.testing.assert_allclose(m32.counts, m64.counts, rtol=1e-5)
    with pytest.raises(ValueError, match="dtype='float16'"):
        measure_receptive_field(net, (1, 3, n, n), dtype="float16")
