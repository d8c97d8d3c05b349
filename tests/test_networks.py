"""The chapter's network geometries: Araujo et al.'s published numbers, autograd, torchvision's layout.

Every geometry's field is computed by torch.fx (full width, on the meta device) and measured by
autograd (narrow copy); the TF-Slim rows must equal the values Araujo, Norris & Sim published
(the README table and the per-end-point table of their library), the torchvision mirrors must have
torchvision's parameter counts (its documented totals minus the classifier heads).
"""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from convlib import graph_receptive_field, measure_receptive_field
from convlib import networks as N

#: Araujo et al.'s per-end-point table (their library's RECEPTIVE_FIELD_TABLE.md), 224×224 input:
#: (end point, receptive field, effective stride, effective padding) -- published claims.
PUBLISHED_ENDPOINTS = {
    "alexnet_v2": [("conv1", 11, 4, 0), ("pool1", 19, 8, 0), ("conv2", 51, 8, 16), ("conv5", 163, 16, 64)],
    "vgg_16": [("conv1_1", 3, 1, 1), ("pool1", 6, 2, 2), ("conv3_2", 32, 4, 14), ("pool4", 100, 16, 42)],
    "mobilenet_v1": [("Conv2d_0", 3, 2, 0), ("Conv2d_1_pointwise", 7, 2, 2), ("Conv2d_5_pointwise", 43, 8, 14),
                     ("Conv2d_11_pointwise", 219, 16, 94), ("Conv2d_12_pointwise", 251, 32, 94)],
    "resnet_v1_50": [("block1", 35, 8, 15), ("block2", 99, 16, 47), ("block3", 291, 32, 143)],
    "inception_v3": [("Conv2d_2b_3x3", 11, 2, 2), ("MaxPool_5a_3x3", 31, 8, 2), ("Mixed_5b", 63, 8, 18),
                     ("Mixed_6a", 159, 16, 58), ("Mixed_6e", 927, 16, 442), ("Mixed_7a", 1055, 32, 490),
                     ("Mixed_7b", 1183, 32, 554)],
}


def full(name: str) -> nn.Module:
    with torch.device("meta"):
        return N.NETWORKS[name].model()


def triple(rf) -> tuple:
    return rf.size, rf.stride, rf.padding


@pytest.mark.parametrize("name", list(N.ARAUJO_2019))
def test_araujo_rows(name):
    r, s, p = N.ARAUJO_2019[name]
    rf = graph_receptive_field(full(name), input_size=224)
    assert triple(rf) == ((r, r), (s, s), (p, p))
    assert rf.aligned


@pytest.mark.parametrize("name", list(PUBLISHED_ENDPOINTS))
def test_published_end_points(name):
    rf = graph_receptive_field(full(name), input_size=224)
    for end, r, s, p in PUBLISHED_ENDPOINTS[name]:
        assert triple(rf.at(end)) == ((r, r), (s, s), (p, p)), end


def test_resolution_dependence_like_the_published_table():
    # the published table: mobilenet_v1 pads 126 at 224 and 157 at 321; with no resolution, 'None'
    assert graph_receptive_field(full("mobilenet_v1"), input_size=321).padding == (157, 157)
    assert graph_receptive_field(full("resnet_v1_50"), input_size=321).padding == (241, 241)
    for name in ("mobilenet_v1", "resnet_v1_50"):
        with pytest.raises(ValueError, match="TensorFlow's 'SAME'.*input_size"):
            graph_receptive_field(full(name))
    # VALID and stride-1 'SAME' only: the same without a resolution
    assert triple(graph_receptive_field(full("inception_v3"))) == ((1311,) * 2, (32,) * 2, (618,) * 2)
    assert triple(graph_receptive_field(full("alexnet_v2"))) == ((195,) * 2, (32,) * 2, (64,) * 2)


@pytest.mark.parametrize("name", list(N.NETWORKS))
def test_fx_equals_autograd(name):
    (row,) = N.network_fields([name]).rows
    m, rf, at_probe = row.measured, row.computed, row.computed_at_probe
    assert triple(rf) == triple(at_probe) == (m.size, m.stride, m.padding)
    assert rf.center == m.center
    assert row.agrees and row.probe_input % 32 == 224 % 32


def test_agrees_can_fail():
    (row,) = N.network_fields(["alexnet_v2"], autograd=False).rows
    assert row.agrees and row.measured is None
    wrong = N.FieldRow(row.name, row.computed, None, None, (195, 32, 63))
    assert not wrong.agrees
    assert "195/32/64" in repr(N.FieldTable((row,), 224))


@pytest.mark.parametrize("name", list(N.NETWORKS))
def test_width_changes_no_geometry(name):
    wide = graph_receptive_field(full(name), input_size=224)
    narrow = graph_receptive_field(N.NETWORKS[name].model(1 / 64), input_size=224)
    assert wide.nodes.keys() == narrow.nodes.keys()
    assert all(triple(wide.nodes[k]) == triple(narrow.nodes[k]) for k in wide.nodes)


def test_torchvision_parameter_counts():
    # torchvision's documented totals minus their classifier heads (fc / classifier)
    count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    with torch.device("meta"):
        assert count(N.resnet50()) == 25_557_032 - (2048 * 1000 + 1000)
        assert count(N.deeplabv3_backbone()) == count(N.resnet50())
        assert count(N.mobilenet_v2()) == 3_504_872 - (1280 * 1000 + 1000)
        assert count(N.vgg16()) == 138_357_544 - (25088 * 4096 + 4096 + 4096 * 4096 + 4096 + 4096 * 1000 + 1000)
        # TF-Slim's own table in mobilenet_v1.py: 3,185,088 convolution weights
        assert sum(m.weight.numel() for m in N.mobilenet_v1().modules() if isinstance(m, nn.Conv2d)) == 3_185_088
        names = dict(N.resnet50().named_modules())
    assert {"conv1", "bn1", "maxpool", "layer1.0.downsample.0", "layer4.2.conv3"} <= names.keys()


def test_resnet_variants_by_stage():
    v15 = graph_receptive_field(full("resnet50 (v1.5)"))
    v1 = graph_receptive_field(full("resnet50 (v1)"))
    slim = graph_receptive_field(full("resnet_v1_50"), input_size=224)
    # the stride in the 1x1 spreads the next 3x3 by the new stride: v1 grows faster than v1.5
    assert [v15.at(f"layer{i}").size[0] for i in range(1, 5)] == [35, 91, 267, 427]
    assert [v1.at(f"layer{i}").size[0] for i in range(1, 5)] == [35, 99, 291, 483]
    # TF-Slim strides the 3x3 of the LAST unit of a block: the same sizes as v1, stage for stage
    assert [slim.at(f"block{i}").size[0] for i in range(1, 5)] == [v1.at(f"layer{i}").size[0] for i in range(1, 5)]
    # ... but its 'SAME' max-pool pads 0 before a 112 map, torchvision's pads 1: 2 input pixels less
    assert slim.padding[0] == v1.padding[0] - 2


def test_deeplab_backbone():
    net = N.deeplabv3_backbone(1 / 64)
    assert N.dilation_rates(net, "layer3") == (1, 2, 2, 2, 2, 2)
    assert N.dilation_rates(net, "layer4") == (2, 4, 4)
    assert N.dilation_rates(N.deeplabv3_backbone(1 / 64, multi_grid=(1, 2, 4)), "layer4") == (4, 8, 16)
    assert N.dilation_rates(N.deeplabv3_backbone(1 / 64, output_stride=16), "layer4") == (1, 2, 2)
    assert N.dilation_rates(N.deeplabv3_backbone(1 / 64, output_stride=16, multi_grid=(1, 2, 4)), "layer4") == (2, 4, 8)
    # torchvision's dilation reproduces the strided network's taps: same size and padding, stride 8 not 32
    deeplab = graph_receptive_field(full("deeplabv3 backbone"))
    v15 = graph_receptive_field(full("resnet50 (v1.5)"))
    assert (deeplab.size, deeplab.padding, deeplab.stride) == (v15.size, v15.padding, (8, 8))
    with pytest.raises(ValueError, match="output_stride=4"):
        N.deeplabv3_backbone(output_stride=4)
    with pytest.raises(ValueError, match="multi_grid"):
        N.deeplabv3_backbone(multi_grid=(1, 2))
    with pytest.raises(ValueError, match="stride_in"):
        N.resnet50(stride_in="7x7")


def test_layer4_support_is_the_chain_of_its_rates():
    # the real layer4 (with its residual shortcuts) uses exactly the positions the chain of rates uses
    import convlib

    for mg in (None, (1, 2, 4)):
        net = N.deeplabv3_backbone(1 / 64, multi_grid=mg).layer4
        rates = N.dilation_rates(net)
        chain = convlib.utilization_map(rates)
        n = chain.shape[0] + 12
        m = measure_receptive_field(net, (1, net[0].conv1.in_channels, n, n))
        assert m.size == chain.shape
        assert ((m.field_counts > 0) == (chain > 0)).all()
        assert (m.field_counts >= chain).all() and (m.field_counts > chain).any()  # shortcuts add paths


@settings(max_examples=60)
@given(st.integers(1, 40), st.integers(1, 7), st.integers(1, 3), st.integers(1, 3))
def test_tf_same_pad(n, k, s, d):
    pad = N.TFSamePad(k, s, d)
    (before, after), _ = pad.spatial_padding((n, n))
    k_eff = d * (k - 1) + 1
    out = (n + before + after - k_eff) // s + 1
    assert out == math.ceil(n / s) or (before + after == 0 and n < k_eff)
    assert 0 <= after - before <= 1
    x = torch.zeros(1, 1, n, n)
    assert pad(x).shape[-1] == n + before + after
    if s == 1:
        assert pad.spatial_padding(None) == pad.spatial_padding((n, n))
    else:
        assert pad.spatial_padding(None) is None


def test_tf_same_pad_fills_max_pools_with_minus_infinity():
    pool = N.slim_max_pool(3, 2, "SAME")
    y = pool(-torch.ones(1, 1, 4, 4))
    assert (y == -1).all()  # zero padding would have won the max


@pytest.mark.parametrize("module", ["convlib.multipath", "convlib.networks"])
def test_docstring_examples_and_chapter_references(module):
    import doctest
    import importlib

    mod = importlib.import_module(module)
    result = doctest.testmod(mod, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 0
    for name in mod.__all__:
        obj = getattr(mod, name)
        if callable(obj) and not isinstance(obj, type):
            assert "Introduced in 11_receptive_fields_of_networks" in (obj.__doc__ or ""), name
