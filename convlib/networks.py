"""Real network geometries as small ``torch.nn`` definitions: layers and topology only.

Two families, each written the way its source builds it (weights do not matter for
receptive fields; ``width`` scales every channel count so that autograd probes stay
small):

* **TF-Slim** -- the models behind Araujo, Norris & Sim's table (*Computing Receptive
  Fields of Convolutional Neural Networks*, Distill 2019): :func:`alexnet_v2`,
  :func:`vgg_16`, :func:`mobilenet_v1`, :func:`resnet_v1_50`, :func:`inception_v3`.
  TensorFlow's ``padding='SAME'`` is :class:`TFSamePad` before a convolution without
  padding: it depends on the input size, and puts the odd pixel *after* the input.
* **torchvision** -- what a PyTorch learner meets: :func:`vgg16`, :func:`resnet50`
  (``stride_in='3x3'`` is torchvision's "v1.5", ``'1x1'`` the paper's v1),
  :func:`mobilenet_v2` and :func:`deeplabv3_backbone` (ResNet-50 with strides replaced
  by dilation, optionally with DeepLabv3's multi-grid). Module names follow torchvision's.

Every definition stops at its last spatial layer (the end point of Araujo et al.'s
table, or torchvision's feature extractor), and is traced by
:func:`convlib.graph_receptive_field`. :data:`NETWORKS` lists them with the model each
mirrors; :func:`network_fields` computes the whole comparison table.

Introduced in 11_receptive_fields_of_networks.ipynb.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F  # noqa: N812
from torch import nn

from .multipath import GraphReceptiveField, MeasuredField, graph_receptive_field, measure_receptive_field


def _c(channels: int, width: float) -> int:
    """A channel count scaled by ``width`` (at least 1)."""
    return max(1, round(channels * width))


def _pair(value: Any) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else tuple(value)


# --- TensorFlow's 'SAME' -----------------------------------------------------------------------


class TFSamePad(nn.Module):
    """TensorFlow's ``padding='SAME'`` for the window that follows (kernel, stride, dilation).

    TensorFlow makes the output ``ceil(n / s)`` long and pads
    ``total = max((ceil(n/s) - 1)*s + k' - n, 0)`` pixels, ``total // 2`` before the
    input and the rest after it. At stride 1 that is ``k' - 1`` whatever ``n`` is; at
    stride 2 it depends on whether ``n`` is even: ``n = 224`` with ``k' = 3`` gets 0
    before and 1 after, ``n = 225`` gets 1 and 1.

    ``spatial_padding(input_size)`` tells :func:`convlib.graph_receptive_field` the
    ``(before, after)`` per axis (None when the size is unknown and a stride is > 1).
    ``value`` is the fill: ``-inf`` before a max-pool mirrors TensorFlow, whose
    max-pool ignores the padding.

    Introduced in 11_receptive_fields_of_networks.ipynb.

    Examples
    --------
    >>> TFSamePad(3, 2).spatial_padding((224, 225))
    ((0, 1), (1, 1))
    """

    def __init__(self, kernel_size: Any, stride: Any = 1, dilation: Any = 1, value: float = 0.0) -> None:
        super().__init__()
        self.kernel_size, self.stride, self.dilation = _pair(kernel_size), _pair(stride), _pair(dilation)
        self.value = float(value)

    def spatial_padding(self, input_size: tuple[int, ...] | None) -> tuple[tuple[int, int], ...] | None:
        out = []
        for i, (k, s, d) in enumerate(zip(self.kernel_size, self.stride, self.dilation)):
            k_eff = d * (k - 1) + 1
            if input_size is None:
                if s != 1:
                    return None
                total = k_eff - 1
            else:
                n = int(input_size[i])
                total = max((math.ceil(n / s) - 1) * s + k_eff - n, 0)
            out.append((total // 2, total - total // 2))
        return tuple(out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        (top, bottom), (left, right) = self.spatial_padding(tuple(x.shape[2:]))
        return F.pad(x, (left, right, top, bottom), value=self.value)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, dilation={self.dilation}, value={self.value}"


def slim_conv(cin: int, cout: int, kernel_size: Any, stride: int = 1, padding: str = "SAME", *,
              dilation: int = 1, groups: int = 1, act: type = nn.ReLU) -> nn.Sequential:
    """TF-Slim's ``conv2d`` with batch norm: ``'SAME'`` pads like TensorFlow, ``'VALID'`` not at all.

    Introduced in 11_receptive_fields_of_networks.ipynb.
    """
    pad = [TFSamePad(kernel_size, stride, dilation)] if padding == "SAME" else []
    conv = nn.Conv2d(cin, cout, kernel_size, stride, 0, dilation, groups, bias=False)
    return nn.Sequential(*pad, conv, nn.BatchNorm2d(cout), act(inplace=True))


def slim_max_pool(kernel_size: int, stride: int, padding: str = "VALID") -> nn.Module:
    """TF-Slim's ``max_pool2d``: ``'SAME'`` pads with ``-inf`` like TensorFlow.

    Introduced in 11_receptive_fields_of_networks.ipynb.
    """
    pool = nn.MaxPool2d(kernel_size, stride)
    return nn.Sequential(TFSamePad(kernel_size, stride, value=-math.inf), pool) if padding == "SAME" else pool


class Concat(nn.Module):
    """Run every branch on the same input and concatenate along channels (an Inception block)."""

    def __init__(self, *branches: nn.Module) -> None:
        super().__init__()
        self.branches = nn.ModuleList(branches)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([branch(x) for branch in self.branches], dim=1)


class Add(nn.Module):
    """Run every branch on the same input and add the results (a residual block, with ``nn.Identity()`` as shortcut)."""

    def __init__(self, *branches: nn.Module) -> None:
        super().__init__()
        self.branches = nn.ModuleList(branches)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        outs = [branch(x) for branch in self.branches]
        return sum(outs[1:], outs[0])


# --- TF-Slim: the models of Araujo et al.'s table ------------------------------------------------


def alexnet_v2(width: float = 1.0) -> nn.Sequential:
    """TF-Slim ``alexnet_v2`` up to ``pool5`` (Krizhevsky 2014, "One weird trick ...").

    Convolutions ``'SAME'`` except conv1 (``'VALID'``), max-pools ``'VALID'``.

    Introduced in 11_receptive_fields_of_networks.ipynb.
    """
    c = lambda n: _c(n, width)  # noqa: E731
    return nn.Sequential(OrderedDict(
        conv1=slim_conv(3, c(64), 11, 4, "VALID"), pool1=nn.MaxPool2d(3, 2),
        conv2=slim_conv(c(64), c(192), 5), pool2=nn.MaxPool2d(3, 2),
        conv3=slim_conv(c(192), c(384), 3), conv4=slim_conv(c(384), c(384), 3), conv5=slim_conv(c(384), c(256), 3),
        pool5=nn.MaxPool2d(3, 2),
    ))


def vgg_16(width: float = 1.0) -> nn.Sequential:
    """TF-Slim ``vgg_16`` up to ``pool5`` (Simonyan & Zisserman 2015, configuration D).

    3×3 convolutions ``'SAME'``, 2×2 max-pools with stride 2 ``'VALID'``.

    Introduced in 11_receptive_fields_of_networks.ipynb.
    """
    layers: OrderedDict[str, nn.Module] = OrderedDict()
    cin = 3
    for block, (n_convs, cout) in enumerate(((2, 64), (2, 128), (3, 256), (3, 512), (3, 512)), start=1):
        for i in range(1, n_convs + 1):
            layers[f"conv{block}_{i}"] = slim_conv(cin, _c(cout, width), 3)
            cin = _c(cout, width)
        layers[f"pool{block}"] = nn.MaxPool2d(2, 2)
    return nn.Sequential(layers)


def mobilenet_v1(width: float = 1.0) -> nn.Sequential:
    """TF-Slim ``mobilenet_v1_base`` up to ``Conv2d_13_pointwise`` (Howard et al. 2017).

    A 3×3/2 convolution, then 13 depthwise-separable pairs (3×3 depthwise, 1×1
    pointwise), all ``'SAME'`` with ReLU6; strides 2 at pairs 2, 4, 6 and 12.

    Introduced in 11_receptive_fields_of_networks.ipynb.
    """
    defs = [(1, 64), (2, 128), (1, 128), (2, 256), (1, 256), (2, 512)] + [(1, 512)] * 5 + [(2, 1024), (1, 1024)]
    layers: OrderedDict[str, nn.Module] = OrderedDict(Conv2d_0=slim_conv(3, _c(32, width), 3, 2, act=nn.ReLU6))
    cin = _c(32, width)
    for i, (stride, cout) in enumerate(defs, start=1):
        layers[f"Conv2d_{i}_depthwise"] = slim_conv(cin, cin, 3, stride, groups=cin, act=nn.ReLU6)
        layers[f"Conv2d_{i}_pointwise"] = slim_conv(cin, _c(cout, width), 1, act=nn.ReLU6)
        cin = _c(cout, width)
    return nn.Sequential(layers)


class SlimBottleneck(nn.Module):
    """TF-Slim's ``bottleneck`` (resnet_v1): 1×1, 3×3 with the unit's stride, 1×1, plus a shortcut.

    The strided 3×3 is ``conv2d_same``: explicit symmetric padding 1, then ``'VALID'``
    (so it does not depend on the input size); at stride 1 it is plain ``'SAME'``.
    The shortcut is the input (subsampled by a 1×1 max-pool when strided) when the
    depth is unchanged, else a 1×1 convolution with the stride (``project`` overrides the test, so that a
    narrow copy keeps the full network's graph).
    """

    def __init__(self, cin: int, bottleneck: int, cout: int, stride: int, project: bool | None = None) -> None:
        super().__init__()
        if not (cin != cout if project is None else project):
            self.shortcut = nn.MaxPool2d(1, stride) if stride > 1 else nn.Identity()
        else:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
        self.conv1 = slim_conv(cin, bottleneck, 1)
        if stride == 1:
            self.conv2 = slim_conv(bottleneck, bottleneck, 3)
        else:
            self.conv2 = nn.Sequential(nn.ZeroPad2d(1), *slim_conv(bottleneck, bottleneck, 3, stride, "VALID"))
        self.conv3 = nn.Sequential(nn.Conv2d(bottleneck, cout, 1, bias=False), nn.BatchNorm2d(cout))
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.shortcut(x) + self.conv3(self.conv2(self.conv1(x))))


def resnet_v1_50(width: float = 1.0) -> nn.Sequential:
    """TF-Slim ``resnet_v1_50`` up to ``block4`` (He et al. 2016), ``global_pool=False``.

    Root: ``conv2d_same`` 7×7/2 (explicit padding 3) and a 3×3/2 max-pool ``'SAME'``.
    Blocks of 3, 4, 6, 3 bottlenecks; TF-Slim puts each block's stride 2 in its *last*
    unit (blocks 1–3), inside the 3×3 convolution.

    Introduced in 11_receptive_fields_of_networks.ipynb.
    """
    c = lambda n: _c(n, width)  # noqa: E731
    layers: OrderedDict[str, nn.Module] = OrderedDict(
        conv1=nn.Sequential(nn.ZeroPad2d(3), *slim_conv(3, c(64), 7, 2, "VALID")),
        pool1=slim_max_pool(3, 2, "SAME"),
    )
    cin = c(64)
    for b, (base, units, stride) in enumerate(((64, 3, 2), (128, 4, 2), (256, 6, 2), (512, 3, 1)), start=1):
        block = []
        for u in range(units):
            block.append(SlimBottleneck(cin, c(base), c(4 * base), stride if u == units - 1 else 1, project=u == 0))
            cin = c(4 * base)
        layers[f"block{b}"] = nn.Sequential(*block)
    return nn.Sequential(layers)


def _mixed_5(cin: int, pool_out: int, c: Callable[[int], int]) -> Concat:
    return Concat(
        slim_conv(cin, c(64), 1),
        nn.Sequential(slim_conv(cin, c(48), 1), slim_conv(c(48), c(64), 5)),
        nn.Sequential(slim_conv(cin, c(64), 1), slim_conv(c(64), c(96), 3), slim_conv(c(96), c(96), 3)),
        nn.Sequential(nn.AvgPool2d(3, 1, 1, count_include_pad=False), slim_conv(cin, c(pool_out), 1)),
    )


def _mixed_6(cin: int, mid: int, c: Callable[[int], int]) -> Concat:
    m = c(mid)
    return Concat(
        slim_conv(cin, c(192), 1),
        nn.Sequential(slim_conv(cin, m, 1), slim_conv(m, m, (1, 7)), slim_conv(m, c(192), (7, 1))),
        nn.Sequential(slim_conv(cin, m, 1), slim_conv(m, m, (7, 1)), slim_conv(m, m, (1, 7)),
                      slim_conv(m, m, (7, 1)), slim_conv(m, c(192), (1, 7))),
        nn.Sequential(nn.AvgPool2d(3, 1, 1, count_include_pad=False), slim_conv(cin, c(192), 1)),
    )


def _mixed_7(cin: int, c: Callable[[int], int]) -> Concat:
    return Concat(
        slim_conv(cin, c(320), 1),
        nn.Sequential(slim_conv(cin, c(384), 1),
                      Concat(slim_conv(c(384), c(384), (1, 3)), slim_conv(c(384), c(384), (3, 1)))),
        nn.Sequential(slim_conv(cin, c(448), 1), slim_conv(c(448), c(384), 3),
                      Concat(slim_conv(c(384), c(384), (1, 3)), slim_conv(c(384), c(384), (3, 1)))),
        nn.Sequential(nn.AvgPool2d(3, 1, 1, count_include_pad=False), slim_conv(cin, c(192), 1)),
    )


def inception_v3(width: float = 1.0) -> nn.Sequential:
    """TF-Slim ``inception_v3_base`` up to ``Mixed_7c`` (Szegedy et al. 2016).

    The stem is ``'VALID'`` (but ``Conv2d_2b_3x3``); inside the Inception blocks every
    layer is ``'SAME'`` with stride 1 (average pools exclude the padding, as in
    TensorFlow), except the stride-2 ``'VALID'`` reductions ``Mixed_6a`` and ``Mixed_7a``.
    Branches are concatenated along channels (:class:`Concat`).

    Introduced in 11_receptive_fields_of_networks.ipynb.
    """
    c = lambda n: _c(n, width)  # noqa: E731
    layers: OrderedDict[str, nn.Module] = OrderedDict(
        Conv2d_1a_3x3=slim_conv(3, c(32), 3, 2, "VALID"),
        Conv2d_2a_3x3=slim_conv(c(32), c(32), 3, 1, "VALID"),
        Conv2d_2b_3x3=slim_conv(c(32), c(64), 3),
        MaxPool_3a_3x3=nn.MaxPool2d(3, 2),
        Conv2d_3b_1x1=slim_conv(c(64), c(80), 1, 1, "VALID"),
        Conv2d_4a_3x3=slim_conv(c(80), c(192), 3, 1, "VALID"),
        MaxPool_5a_3x3=nn.MaxPool2d(3, 2),
    )
    layers["Mixed_5b"] = _mixed_5(c(192), 32, c)
    layers["Mixed_5c"] = _mixed_5(c(64) + c(64) + c(96) + c(32), 64, c)
    cin = c(64) + c(64) + c(96) + c(64)
    layers["Mixed_5d"] = _mixed_5(cin, 64, c)
    layers["Mixed_6a"] = Concat(
        slim_conv(cin, c(384), 3, 2, "VALID"),
        nn.Sequential(slim_conv(cin, c(64), 1), slim_conv(c(64), c(96), 3), slim_conv(c(96), c(96), 3, 2, "VALID")),
        nn.MaxPool2d(3, 2),
    )
    cin = c(384) + c(96) + cin
    for name, mid in (("Mixed_6b", 128), ("Mixed_6c", 160), ("Mixed_6d", 160), ("Mixed_6e", 192)):
        layers[name] = _mixed_6(cin, mid, c)
        cin = 4 * c(192)
    layers["Mixed_7a"] = Concat(
        nn.Sequential(slim_conv(cin, c(192), 1), slim_conv(c(192), c(320), 3, 2, "VALID")),
        nn.Sequential(slim_conv(cin, c(192), 1), slim_conv(c(192), c(192), (1, 7)), slim_conv(c(192), c(192), (7, 1)),
                      slim_conv(c(192), c(192), 3, 2, "VALID")),
        nn.MaxPool2d(3, 2),
    )
    cin = c(320) + c(192) + cin
    for name in ("Mixed_7b", "Mixed_7c"):
        layers[name] = _mixed_7(cin, c)
        cin = c(320) + 4 * c(384) + c(192)
    return nn.Sequential(layers)


# --- torchvision ---------------------------------------------------------------------------------


def vgg16(width: float = 1.0) -> nn.Sequential:
    """torchvision's ``vgg16().features``: 13 convolutions 3×3 with padding 1, 5 max-pools 2×2/2.

    Introduced in 11_receptive_fields_of_networks.ipynb.
    """
    layers: list[nn.Module] = []
    cin = 3
    for v in (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"):
        if v == "M":
            layers.append(nn.MaxPool2d(2, 2))
        else:
            layers += [nn.Conv2d(cin, _c(v, width), 3, padding=1), nn.ReLU(inplace=True)]
            cin = _c(v, width)
    return nn.Sequential(*layers)


class Bottleneck(nn.Module):
    """torchvision's ResNet ``Bottleneck``: 1×1, 3×3 (padding = dilation), 1×1, plus the shortcut.

    ``stride_in='3x3'`` strides the 3×3 convolution (torchvision, "ResNet v1.5");
    ``'1x1'`` strides the first 1×1 (He et al. 2016, "v1"). The shortcut is the input,
    or ``downsample`` (1×1 convolution with the stride) when the shape changes (``downsample=True/False``
    overrides the test, so that a narrow copy keeps the full network's graph).
    """

    def __init__(self, cin: int, width: int, cout: int, stride: int = 1, dilation: int = 1,
                 stride_in: str = "3x3", downsample: bool | None = None) -> None:
        super().__init__()
        if stride_in not in ("3x3", "1x1"):
            raise ValueError(f"stride_in={stride_in!r} must be '3x3' (torchvision, v1.5) or '1x1' (v1)")
        s1, s3 = (1, stride) if stride_in == "3x3" else (stride, 1)
        self.conv1 = nn.Conv2d(cin, width, 1, s1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, s3, padding=dilation, dilation=dilation, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, cout, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = None
        if (stride != 1 or cin != cout) if downsample is None else downsample:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(out + identity)


class ResNet(nn.Module):
    """torchvision's ``ResNet`` with Bottleneck blocks, up to ``layer4`` (no pooling, no classifier).

    ``dilations``: the 3×3 dilation of every block, stage by stage (see :func:`resnet50`).
    """

    def __init__(self, blocks: tuple[int, ...], strides: tuple[int, ...], dilations: tuple[tuple[int, ...], ...],
                 width: float = 1.0, stride_in: str = "3x3") -> None:
        super().__init__()
        c = lambda n: _c(n, width)  # noqa: E731
        self.conv1 = nn.Conv2d(3, c(64), 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(c(64))
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        cin = c(64)
        for i, (n, stride, rates, planes) in enumerate(zip(blocks, strides, dilations, (64, 128, 256, 512)), 1):
            stage = []
            for b in range(n):
                stage.append(Bottleneck(cin, c(planes), c(4 * planes), stride if b == 0 else 1, rates[b], stride_in,
                                        downsample=b == 0))
                cin = c(4 * planes)
            setattr(self, f"layer{i}", nn.Sequential(*stage))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        return self.layer4(self.layer3(self.layer2(self.layer1(x))))


def resnet50(width: float = 1.0, *, stride_in: str = "3x3",
             replace_stride_with_dilation: tuple[bool, bool, bool] = (False, False, False),
             multi_grid: tuple[int, ...] | None = None) -> ResNet:
    """torchvision's ``resnet50()`` up to ``layer4`` (He et al. 2016).

    ``stride_in='3x3'`` is torchvision's layout ("ResNet v1.5"), ``'1x1'`` the paper's
    (v1). ``replace_stride_with_dilation`` is torchvision's argument: a stage whose
    flag is set keeps stride 1 and multiplies the dilation by 2 instead; its first
    block keeps the previous dilation (as torchvision's ``_make_layer`` does).
    ``multi_grid`` (Chen et al. 2017, DeepLabv3) gives ``layer4``'s three blocks the
    rates ``dilation * multi_grid[i]`` instead.

    Introduced in 11_receptive_fields_of_networks.ipynb.
    """
    blocks = (3, 4, 6, 3)
    strides, dilations, rate = [1], [(1,) * blocks[0]], 1
    for n, dilate in zip(blocks[1:], replace_stride_with_dilation):
        previous = rate
        if dilate:
            rate *= 2
        strides.append(1 if dilate else 2)
        dilations.append((previous,) + (rate,) * (n - 1))
    if multi_grid is not None:
        if len(multi_grid) != blocks[-1] or not all(isinstance(m, int) and m >= 1 for m in multi_grid):
            raise ValueError(f"multi_grid={multi_grid!r} must be {blocks[-1]} positive ints (one per layer4 block)")
        dilations[-1] = tuple(rate * m for m in multi_grid)
    return ResNet(blocks, tuple(strides), tuple(dilations), width, stride_in)


def deeplabv3_backbone(width: float = 1.0, *, output_stride: int = 8,
                       multi_grid: tuple[int, ...] | None = None) -> ResNet:
    """The ResNet-50 backbone of torchvision's ``deeplabv3_resnet50`` (Chen et al. 2017).

    ``output_stride=8`` (torchvision): ``layer3`` and ``layer4`` keep stride 1 and use
    dilation 2 and 4 (``replace_stride_with_dilation=(False, True, True)``);
    ``output_stride=16`` dilates ``layer4`` only. ``multi_grid=(1, 2, 4)`` is the
    paper's multi-grid for ``layer4`` (block4); torchvision does not use it.

    Introduced in 11_receptive_fields_of_networks.ipynb.
    """
    flags = {8: (False, True, True), 16: (False, False, True), 32: (False, False, False)}
    if output_stride not in flags:
        raise ValueError(f"output_stride={output_stride!r} must be 8, 16 or 32")
    return resnet50(width, replace_stride_with_dilation=flags[output_stride], multi_grid=multi_grid)


class InvertedResidual(nn.Module):
    """torchvision's MobileNetV2 block: 1×1 expansion (if t > 1), 3×3 depthwise (stride), 1×1 projection;
    the input is added back when the stride is 1 and the width is unchanged (Sandler et al. 2018)."""

    def __init__(self, cin: int, cout: int, stride: int, expand_ratio: int, residual: bool | None = None) -> None:
        super().__init__()
        hidden = round(cin * expand_ratio)
        self.use_res_connect = (stride == 1 and cin == cout) if residual is None else residual
        layers: list[nn.Module] = []
        if expand_ratio != 1:
            layers.append(_conv_bn_relu6(cin, hidden, 1))
        layers += [_conv_bn_relu6(hidden, hidden, 3, stride, groups=hidden),
                   nn.Conv2d(hidden, cout, 1, bias=False), nn.BatchNorm2d(cout)]
        self.conv = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv(x) if self.use_res_connect else self.conv(x)


def _conv_bn_relu6(cin: int, cout: int, k: int, stride: int = 1, groups: int = 1) -> nn.Sequential:
    """torchvision's ``Conv2dNormActivation`` with ReLU6 (padding ``(k-1)//2``)."""
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, (k - 1) // 2, groups=groups, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU6(inplace=True))


def mobilenet_v2(width: float = 1.0) -> nn.Sequential:
    """torchvision's ``mobilenet_v2().features`` (Sandler et al. 2018).

    A 3×3/2 convolution, 17 inverted residual blocks ``(t, c, n, s)`` =
    (1,16,1,1), (6,24,2,2), (6,32,3,2), (6,64,4,2), (6,96,3,1), (6,160,3,2), (6,320,1,1)
    (stride ``s`` in the first block of each group), a final 1×1 convolution to 1280.

    Introduced in 11_receptive_fields_of_networks.ipynb.
    """
    setting = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2),
               (6, 320, 1, 1))
    cin, full = _c(32, width), 32
    features: list[nn.Module] = [_conv_bn_relu6(3, cin, 3, 2)]
    for t, c, n, s in setting:
        for i in range(n):
            stride = s if i == 0 else 1
            features.append(InvertedResidual(cin, _c(c, width), stride, t, residual=stride == 1 and full == c))
            cin, full = _c(c, width), c
    features.append(_conv_bn_relu6(cin, _c(1280, width), 1))
    return nn.Sequential(*features)


def dilation_rates(model: nn.Module, prefix: str = "", kernel_size: int = 3) -> tuple[int, ...]:
    """Dilation of every ``kernel_size``×``kernel_size`` convolution under module ``prefix``, in forward order.

    >>> dilation_rates(deeplabv3_backbone(1 / 64), "layer4")
    (2, 4, 4)

    Introduced in 11_receptive_fields_of_networks.ipynb.
    """
    from .multipath import trace_geometry  # noqa: PLC0415

    return tuple(
        op.dilation[0] for op in trace_geometry(model)
        if op.kind == "window" and op.kernel_size == (kernel_size, kernel_size) and op.op.startswith("Conv")
        and (op.module or "").startswith(prefix)
    )


# --- the registry and the comparison table -------------------------------------------------------

#: Araujo, Norris & Sim (2019), the table of their library's README, 224×224 input:
#: (receptive field, effective stride, effective padding). The paper's claim, compared, never copied.
ARAUJO_2019: dict[str, tuple[int, int, int]] = {
    "alexnet_v2": (195, 32, 64),
    "vgg_16": (212, 32, 90),
    "mobilenet_v1": (315, 32, 126),
    "resnet_v1_50": (483, 32, 239),
    "inception_v3": (1311, 32, 618),
}


@dataclass(frozen=True)
class NetworkSpec:
    """A geometry of :data:`NETWORKS`: how to build it and what it mirrors."""

    name: str
    build: Callable[..., nn.Module] = field(repr=False)
    kwargs: dict[str, Any]
    family: str  # "TF-Slim" (Araujo et al.'s table) or "PyTorch" (what a PyTorch learner meets)
    mirrors: str
    paper: str

    def model(self, width: float = 1.0) -> nn.Module:
        return self.build(width, **self.kwargs)


def _spec(name: str, build: Callable[..., nn.Module], family: str, mirrors: str, paper: str,
          **kwargs: Any) -> NetworkSpec:
    return NetworkSpec(name, build, kwargs, family, mirrors, paper)


#: Every geometry of the chapter, in table order.
NETWORKS: dict[str, NetworkSpec] = {s.name: s for s in (
    _spec("alexnet_v2", alexnet_v2, "TF-Slim", "nets/alexnet.py alexnet_v2, up to pool5",
          "Krizhevsky 2014, One weird trick for parallelizing convolutional neural networks"),
    _spec("vgg_16", vgg_16, "TF-Slim", "nets/vgg.py vgg_16, up to pool5",
          "Simonyan & Zisserman 2015, Very Deep Convolutional Networks for Large-Scale Image Recognition"),
    _spec("mobilenet_v1", mobilenet_v1, "TF-Slim", "nets/mobilenet_v1.py mobilenet_v1_base, up to Conv2d_13_pointwise",
          "Howard et al. 2017, MobileNets"),
    _spec("resnet_v1_50", resnet_v1_50, "TF-Slim", "nets/resnet_v1.py resnet_v1_50, up to block4",
          "He et al. 2016, Deep Residual Learning for Image Recognition"),
    _spec("inception_v3", inception_v3, "TF-Slim", "nets/inception_v3.py inception_v3_base, up to Mixed_7c "
          "(torchvision: inception_v3(), up to Mixed_7c)", "Szegedy et al. 2016, Rethinking the Inception Architecture"),
    _spec("vgg16", vgg16, "PyTorch", "torchvision.models.vgg16().features",
          "Simonyan & Zisserman 2015"),
    _spec("resnet50 (v1.5)", resnet50, "PyTorch", "torchvision.models.resnet50(), up to layer4",
          "He et al. 2016; stride in the 3×3 as torchvision does", stride_in="3x3"),
    _spec("resnet50 (v1)", resnet50, "PyTorch", "torchvision.models.resnet50() with each stage's stride "
          "moved to the first 1×1, up to layer4", "He et al. 2016", stride_in="1x1"),
    _spec("mobilenet_v2", mobilenet_v2, "PyTorch", "torchvision.models.mobilenet_v2().features",
          "Sandler et al. 2018, MobileNetV2"),
    _spec("deeplabv3 backbone", deeplabv3_backbone, "PyTorch",
          "torchvision.models.segmentation.deeplabv3_resnet50().backbone (layer4 output)",
          "Chen et al. 2017, Rethinking Atrous Convolution for Semantic Image Segmentation"),
    _spec("deeplabv3 backbone, multi-grid", deeplabv3_backbone, "PyTorch",
          "the same with layer4's rates 4·(1, 2, 4) (the paper's multi-grid; not in torchvision)",
          "Chen et al. 2017", multi_grid=(1, 2, 4)),
)}


@dataclass(frozen=True)
class FieldRow:
    """One network of :func:`network_fields`: computed (fx), measured (autograd), published."""

    name: str
    computed: GraphReceptiveField = field(repr=False)
    measured: MeasuredField | None = field(repr=False)
    probe_input: int | None
    paper: tuple[int, int, int] | None
    computed_at_probe: GraphReceptiveField | None = field(default=None, repr=False)

    @property
    def fx(self) -> tuple[int, int, int]:
        rf = self.computed
        return rf.size[0], rf.stride[0], rf.padding[0]

    @property
    def autograd(self) -> tuple[int, int, int] | None:
        m = self.measured
        return None if m is None else (m.size[0], m.stride[0], m.padding[0])

    @property
    def agrees(self) -> bool:
        """fx == autograd on both axes (at the probe's input, and fx gives the same there as at the table's),
        and fx == the paper where it has a row."""
        key = lambda f: (f.size, f.stride, f.padding)  # noqa: E731
        rf, m, at_probe = self.computed, self.measured, self.computed_at_probe
        same = m is None or (key(rf) == key(at_probe) == key(m))
        return same and (self.paper is None or self.fx == self.paper)


@dataclass(frozen=True)
class FieldTable:
    """Rows of :func:`network_fields`, printed as a table (size/stride/padding per column)."""

    rows: tuple[FieldRow, ...]
    input_size: int

    def __getitem__(self, name: str) -> FieldRow:
        return next(r for r in self.rows if r.name == name)

    def __repr__(self) -> str:
        show = lambda t: "" if t is None else "/".join(map(str, t))  # noqa: E731
        head = ("network", "Araujo et al.", "fx", "autograd", "probe input", "merges", "aligned")
        body = [
            (r.name, show(r.paper), show(r.fx), show(r.autograd), "" if r.probe_input is None else str(r.probe_input),
             str(len(r.computed.merges)), "yes" if r.computed.aligned else "NO")
            for r in self.rows
        ]
        widths = [max(len(x[i]) for x in [head, *body]) for i in range(len(head))]
        fmt = lambda x: "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(x, widths)))  # noqa: E731
        lines = [f"size/stride/padding at a {self.input_size}×{self.input_size} input", fmt(head),
                 "  ".join("-" * w for w in widths), *map(fmt, body)]
        return "\n".join(lines)


def probe_size(rf: GraphReceptiveField, input_size: int = 224, step: int = 32) -> int:
    """An input ``input_size + k*step`` large enough for autograd to see two whole neighbouring fields.

    A multiple of ``step`` (the largest effective stride) is added, so every map on the way
    keeps the same size modulo its stride, and TensorFlow-style padding stays what it was
    at ``input_size``.

    Introduced in 11_receptive_fields_of_networks.ipynb.
    """
    need = max(rf.size) + 4 * max(rf.stride)
    return input_size + step * max(0, -(-(need - input_size) // step))


def network_fields(names: Any = None, *, input_size: int = 224, autograd: bool = True,
                   width: float = 1 / 64) -> FieldTable:
    """The chapter's table: every geometry's field by ``torch.fx`` and by autograd, next to the paper.

    The fx column traces the full-width model built on PyTorch's ``meta`` device (no
    memory, no weights: geometry needs none). The autograd column measures a copy with
    every channel count scaled by ``width`` on the input :func:`probe_size` picks.

    Introduced in 11_receptive_fields_of_networks.ipynb.
    """
    chosen = list(NETWORKS) if names is None else list(names)
    rows = []
    for name in chosen:
        spec = NETWORKS[name]
        with torch.device("meta"):
            full = spec.model()
        rf = graph_receptive_field(full, input_size=input_size)
        measured, n, at_probe = None, None, None
        if autograd:
            n = probe_size(rf, input_size)
            at_probe = graph_receptive_field(full, input_size=n)
            measured = measure_receptive_field(spec.model(width), (1, 3, n, n))
        rows.append(FieldRow(name, rf, measured, n, ARAUJO_2019.get(name), at_probe))
    return FieldTable(tuple(rows), input_size)


__all__ = [
    "ARAUJO_2019",
    "Add",
    "Bottleneck",
    "Concat",
    "FieldRow",
    "FieldTable",
    "InvertedResidual",
    "NETWORKS",
    "NetworkSpec",
    "ResNet",
    "SlimBottleneck",
    "TFSamePad",
    "alexnet_v2",
    "deeplabv3_backbone",
    "dilation_rates",
    "inception_v3",
    "mobilenet_v1",
    "mobilenet_v2",
    "network_fields",
    "probe_size",
    "resnet50",
    "resnet_v1_50",
    "slim_conv",
    "slim_max_pool",
    "vgg16",
    "vgg_16",
]
