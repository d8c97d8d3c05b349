"""convlib.oracle: what it reports about torch is what torch does, and its grid checks can fail."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import convlib
from convlib.oracle import (
    Agreement,
    accepts,
    agreement_table,
    compare,
    torch_macs,
    torch_output_size,
    torch_params,
    torch_verdict,
)


@pytest.mark.parametrize("i, k, s, p, d", list(itertools.product((1, 5, 8), (1, 3), (1, 2), (0, 1), (1, 2))))
def test_torch_output_size_is_what_torch_returns(i, k, s, p, d):
    size, note = torch_output_size((i, i + 1), k, s, p, d)
    try:
        want = tuple(F.conv2d(torch.zeros(1, 1, i, i + 1), torch.zeros(1, 1, k, k), stride=s, padding=p,
                              dilation=d).shape[2:])
    except RuntimeError:
        assert size is None and note.startswith("torch refuses it too: ")
        return
    assert size == want and note == ""
    ours = convlib.conv_output_size((i, i + 1), k, s, p, d)
    assert ours == size


def test_torch_output_size_of_every_call():
    assert torch_output_size(3, 3, stride=2, padding=1, transposed=True)[0] == (5, 5)
    assert torch_output_size((3,), 3, stride=2, padding=1, output_padding=1, call="transposed")[0] == (6,)
    assert torch_output_size((7,), 2, 2, call="max_pool", ceil_mode=True)[0] == (4,)
    assert torch_output_size((7,), 2, 2, call="avg_pool")[0] == (3,)
    assert torch_output_size((7,), 3, 2, 0, 2, call="max_pool")[0] == (2,)
    with pytest.raises(ValueError, match=r"call='conv3d' must be one of"):
        torch_output_size(5, 3, call="conv3d")


@pytest.mark.parametrize("transposed", [False, True])
@pytest.mark.parametrize("groups, stride, padding", [(1, 1, 0), (2, 2, 1), (4, 1, 1), (2, 2, 0)])
def test_params_and_macs_agree_with_convlib_cost(transposed, groups, stride, padding):
    cls = nn.ConvTranspose2d if transposed else nn.Conv2d
    layer = cls(4, 8, 3, stride=stride, padding=padding, groups=groups)
    c = convlib.conv_cost(4, 8, 3, 7, stride=stride, padding=padding, groups=groups, transposed=transposed)
    assert torch_params(layer) == c.params == sum(p.numel() for p in layer.parameters())
    assert torch_macs(layer, torch.zeros(1, 4, 7, 7)) == c.macs


def test_macs_of_a_batch_and_of_a_sequential():
    block = nn.Sequential(nn.Conv2d(3, 3, 3, groups=3), nn.ReLU(), nn.Conv2d(3, 8, 1))
    one = torch_macs(block, torch.zeros(1, 3, 10, 10))
    assert one == 3 * 9 * 64 + 8 * 3 * 64
    assert torch_macs(block, torch.zeros(5, 3, 10, 10)) == 5 * one


def test_verdicts():
    assert torch_verdict(lambda: nn.Conv2d(6, 6, 3, groups=3)) == "accepted"
    assert torch_verdict(lambda: nn.Conv2d(10, 20, 3, groups=3)) == "ValueError: in_channels must be divisible by groups"
    assert accepts(lambda: nn.Conv2d(6, 6, 3, groups=3)) and not accepts(lambda: nn.Conv2d(10, 20, 3, groups=3))
    assert not accepts(lambda: convlib.conv_params(10, 20, 3, groups=3))
    with pytest.raises(ZeroDivisionError):  # anything else is a bug, not a verdict
        accepts(lambda: 1 / 0)


def test_compare_counts_exactly_the_disagreements():
    result = compare("floor vs round", [(n / 4,) for n in range(12)], lambda x: int(x), lambda x: round(x))
    assert isinstance(result, Agreement) and result.checked == 12
    # round() goes half to even: 0.5 -> 0 and 2.5 -> 2 agree with int(), 1.5 -> 2 does not
    assert result.disagreements == ((0.75,), (1.5,), (1.75,), (2.75,))
    assert not result.ok
    assert repr(result) == "floor vs round: 12 configurations, 4 disagreements"


def test_compare_treats_refusals_as_answers():
    refuse = lambda n: convlib.conv_output_size(n, 3)  # noqa: E731 - refuses n < 3
    torch_like = lambda n: torch_output_size((n,), 3)[0]  # noqa: E731
    assert compare("sizes", range(1, 8), lambda n: (refuse(n),), torch_like).ok
    lenient = lambda n: (max(n - 2, 0),)  # noqa: E731 - answers where torch refuses
    assert compare("lenient", range(1, 8), lenient, torch_like).disagreements == ((1,), (2,))


def test_compare_compares_arrays_whole():
    x = np.arange(6.0)
    assert compare("arrays", [1, 2], lambda s: x * s, lambda s: x + x * (s - 1)).ok
    assert compare("arrays", [1, 2], lambda s: x * s, lambda s: x * 2).disagreements == ((1,),)
    with pytest.raises(ValueError, match="at least two answers"):
        compare("one", [1], abs)


def test_agreement_table_totals():
    rows = [Agreement("a", 3, ()), Agreement("bb", 4, ((1,),))]
    lines = agreement_table(rows).splitlines()
    assert lines[0].split() == ["check", "configurations", "disagreements"]
    assert lines[1].split() == ["a", "3", "0"] and lines[2].split() == ["bb", "4", "1"]
    assert lines[3].split() == ["total", "7", "1"]
