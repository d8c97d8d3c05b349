"""convlib.setup(): one call makes a notebook deterministic and its figures readable."""

from __future__ import annotations

import random

import matplotlib
import numpy as np
import pytest
import torch

import convlib
from convlib.style import RC


def _draws():
    return random.random(), float(np.random.rand()), float(torch.rand(1))


def test_setup_seeds_every_generator():
    convlib.setup(7)
    first = _draws()
    _draws()  # advance all generators
    convlib.setup(7)
    assert _draws() == first
    convlib.setup(8)
    assert _draws() != first


def test_setup_reports_what_it_did():
    info = convlib.setup(3)
    assert info.seed == 3 and info.torch_seeded
    assert "seed=3" in repr(info)


def test_setup_applies_course_rc_and_print_options():
    with matplotlib.rc_context():
        convlib.setup()
        for key, value in RC.items():
            got = matplotlib.rcParams[key]
            assert (list(got) if isinstance(got, (list, tuple)) else got) == (
                list(value) if isinstance(value, (list, tuple)) else value
            ), key
    assert np.get_printoptions()["precision"] == 4


@pytest.mark.parametrize(
    "bad, error, message",
    [(-1, ValueError, "seed=-1 must be a non-negative integer (>= 0)"), (1.5, TypeError, "seed=1.5 must be an int"),
     ("0", TypeError, "seed='0' must be an int"), (True, TypeError, "seed=True must be an int")],
)
def test_setup_rejects_bad_seed(bad, error, message):
    """A value of the wrong type is a TypeError, a wrong value of the right type a ValueError."""
    with pytest.raises(error) as info:
        convlib.setup(bad)
    assert str(info.value) == message
