"""Phase kernels (convlib.phases) against torch: conv_transpose, and nearest upsampling + conv."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from convlib import subpixel_weight
from convlib.phases import phase_kernels, phase_sums

GRID_1D = [(k, s, d, p) for k, s, d in itertools.product(range(1, 7), range(1, 5), range(1, 4))
           for p in range(0, (d * (k - 1)) // 2 + 2)]


def _t(a):
    return torch.from_numpy(np.ascontiguousarray(a, dtype=np.float64))


def _transposed_torch(x, w, s, d, p):
    conv = F.conv_transpose1d if w.ndim == 1 else F.conv_transpose2d
    return conv(_t(x)[None, None], _t(w)[None, None], stride=s, padding=p, dilation=d)[0, 0].numpy()


def _resize_torch(x, w, s, d, p):
    up = F.interpolate(_t(x)[None, None], scale_factor=s, mode="nearest")
    conv = F.conv1d if w.ndim == 1 else F.conv2d
    return conv(up, _t(w)[None, None], padding=p, dilation=d)[0, 0].numpy()


def _interior(n, k, s, d, p):
    """Output positions t (1-D) every one of whose taps meets a real input pixel (u = t + p uncropped)."""
    out = (n - 1) * s - 2 * p + d * (k - 1) + 1
    return [t for t in range(out) if d * (k - 1) <= t + p <= (n - 1) * s]


@pytest.mark.parametrize("k,s,d,p", GRID_1D)
def test_transposed_phases_rebuild_conv_transpose1d(k, s, d, p):
    rng = np.random.default_rng(k * 100 + s * 10 + d + 1000 * p)
    n = d * (k - 1) // s + 5
    w, x = rng.normal(size=k), rng.normal(size=n)
    phases = phase_kernels(w, s, d, p)
    want = _transposed_torch(x, w, s, d, p)
    if want.size == 0:
        return
    np.testing.assert_allclose(phases.apply(x), want, atol=1e-12)
    assert phases.kernels.shape[0] == s and phases.tap_counts.sum() == k  # every tap in exactly one phase


@pytest.mark.parametrize("k,s,d,p", GRID_1D)
def test_constant_input_gives_the_phase_sums_away_from_the_borders(k, s, d, p):
    rng = np.random.default_rng(7 * k + s + 31 * d + 101 * p)
    n = d * (k - 1) // s + 5
    w, c = rng.normal(size=k), 1.7
    out = _transposed_torch(np.full(n, c), w, s, d, p)
    inner = _interior(n, k, s, d, p)
    assert len(inner) >= s  # every phase is checked
    sums = phase_sums(w, s, d, p)
    for t in inner:
        assert out[t] == pytest.approx(c * sums[t % s], abs=1e-12)


@pytest.mark.parametrize("k,s,d,p", [g for g in GRID_1D if g[3] <= 2])
def test_resize_phases_rebuild_interpolate_then_conv1d(k, s, d, p):
    rng = np.random.default_rng(3 * k + 17 * s + 5 * d + p)
    n = d * (k - 1) // s + 4
    w, x = rng.normal(size=k), rng.normal(size=n)
    want = _resize_torch(x, w, s, d, p)
    if want.size == 0:
        return
    phases = phase_kernels(w, s, d, p, method="resize")
    np.testing.assert_allclose(phases.apply(x), want, atol=1e-12)
    # every phase sums the whole kernel: a constant stays constant, whatever the weights
    np.testing.assert_allclose(phases.sums, np.full(s, w.sum()), atol=1e-12)
    assert phases.equal


@pytest.mark.parametrize("kh,kw,sh,sw,dh,dw,ph,pw", [
    (3, 3, 2, 2, 1, 1, 0, 0), (3, 3, 2, 2, 1, 1, 1, 1), (4, 4, 2, 2, 1, 1, 1, 1), (5, 3, 3, 2, 1, 2, 2, 0),
    (2, 7, 1, 4, 2, 1, 0, 3), (1, 1, 3, 3, 1, 1, 0, 0), (4, 2, 4, 3, 3, 2, 1, 1), (7, 4, 4, 4, 4, 2, 3, 2),
])
def test_2d_phases_rebuild_torch(kh, kw, sh, sw, dh, dw, ph, pw):
    rng = np.random.default_rng(kh + 10 * kw + 100 * sh + 1000 * sw)
    w, x = rng.normal(size=(kh, kw)), rng.normal(size=(6, 5))
    phases = phase_kernels(w, (sh, sw), (dh, dw), (ph, pw))
    np.testing.assert_allclose(phases.apply(x), _transposed_torch(x, w, (sh, sw), (dh, dw), (ph, pw)), atol=1e-12)
    assert phases.kernels.shape[:2] == (sh, sw) and phases.tap_counts.sum() == kh * kw
    resized = phase_kernels(w, (sh, sw), (dh, dw), (min(ph, 1), min(pw, 1)), method="resize")
    np.testing.assert_allclose(resized.apply(x), _resize_torch(x, w, (sh, sw), (dh, dw), (min(ph, 1), min(pw, 1))),
                               atol=1e-12)
    np.testing.assert_allclose(resized.sums, np.full((sh, sw), w.sum()), atol=1e-12)


def test_2d_constant_input_checkerboard_of_all_ones_k3_s2():
    out = _transposed_torch(np.ones((6, 6)), np.ones((3, 3)), 2, 1, 0)
    sums = phase_sums(np.ones((3, 3)), 2)
    np.testing.assert_array_equal(sums, [[4, 2], [2, 1]])
    for r, c in itertools.product(range(2, 11), repeat=2):  # interior of the 13×13 output
        assert out[r, c] == sums[r % 2, c % 2]


def test_k_divisible_by_s_equalises_tap_counts_but_not_learned_sums():
    rng = np.random.default_rng(0)
    for s in range(2, 5):
        for m in range(1, 4):
            k = m * s
            w = rng.normal(size=k)
            phases = phase_kernels(w, s)
            assert np.all(phases.tap_counts == m)  # equal taps: all-ones weights are even
            assert phase_kernels(np.ones(k), s).equal
            assert not phases.equal  # random weights: unequal sums (probability 1)
    for k, s in [(3, 2), (5, 2), (5, 3), (7, 4)]:  # s does not divide k: even all-ones weights are uneven
        assert not phase_kernels(np.ones(k), s).equal
        assert len(set(phase_kernels(np.ones(k), s).tap_counts)) > 1


def test_resize_conv_example_from_the_lesson():
    k0, k1, k2 = 0.3, -1.1, 2.0
    phases = phase_kernels([k0, k1, k2], 2, method="resize")
    np.testing.assert_allclose(phases.phase(0), [k0 + k1, k2])
    np.testing.assert_allclose(phases.phase(1), [k0, k1 + k2])
    np.testing.assert_array_equal(phases.taps, [[2, 1], [1, 2]])


def test_transposed_kernels_are_subpixel_weight_regrouped():
    rng = np.random.default_rng(5)
    w = rng.normal(size=(4, 5))
    phases = phase_kernels(w, (2, 3), (1, 2))
    sub = subpixel_weight(w[None, None], 1, (2, 3), (1, 2))
    np.testing.assert_array_equal(phases.kernels.reshape(6, *phases.window), sub[:, 0])
    assert phases.window == sub.shape[2:]


def test_dilation_sharing_a_factor_with_the_stride_leaves_phases_empty():
    phases = phase_kernels(np.ones(3), 2, dilation=2)  # taps at 0, 2, 4: all even
    np.testing.assert_array_equal(phases.tap_counts, [3, 0])
    np.testing.assert_array_equal(phases.sums, [3, 0])


def test_padding_only_relabels_the_phases():
    w = np.array([1.0, 2.0, 4.0])
    a, b = phase_kernels(w, 2, padding=0), phase_kernels(w, 2, padding=1)
    np.testing.assert_array_equal(b.sums, a.sums[::-1])


def test_repr_and_accessors():
    phases = phase_kernels(np.ones(3), 2)
    assert repr(phases) == "Phases(transposed, k=3, s=2: phase sums [2, 1], unequal: checkerboard)"
    assert phases.ndim == 1 and phases.window == (2,) and phases.output_size(4) == (9,)
    assert "equal)" in repr(phase_kernels(np.ones(4), 2))
    with pytest.raises(ValueError, match="phase"):
        phases.phase(2)
    with pytest.raises(ValueError, match="phase"):
        phases.phase((0, 1))


@pytest.mark.parametrize("kwargs,error,match", [
    (dict(weight=np.ones((2, 2, 2)), stride=2), ValueError, "1-D .* or 2-D"),
    (dict(weight=[], stride=2), ValueError, "non-empty"),
    (dict(weight=["a"], stride=2), TypeError, "real numbers"),
    (dict(weight=np.ones(3), stride=0), ValueError, "stride=0"),
    (dict(weight=np.ones(3), stride=2, dilation=0), ValueError, "dilation=0"),
    (dict(weight=np.ones(3), stride=2, padding=-1), ValueError, "padding=-1"),
    (dict(weight=np.ones(3), stride=2, method="bilinear"), ValueError, "method='bilinear'"),
    (dict(weight=np.ones((3, 3)), stride=(2, 2, 2)), ValueError, "stride"),
])
def test_bad_arguments_are_named(kwargs, error, match):
    with pytest.raises(error, match=match):
        phase_kernels(**kwargs)


def test_apply_checks_its_input():
    phases = phase_kernels(np.ones(3), 2)
    with pytest.raises(ValueError, match="1 dimension"):
        phases.apply(np.ones((2, 2)))
    with pytest.raises(ValueError, match="too small"):
        phase_kernels(np.ones(3), 2, padding=3).apply(np.ones(1))


def test_docstring_examples():
    import doctest

    import convlib.phases

    result = doctest.testmod(convlib.phases, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted >= 5
