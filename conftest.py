"""Shared test configuration (tests/ and the docstring examples in convlib/).

Hypothesis profiles: ``default`` (the normal run), ``slow`` (ten times the
examples; ``HYPOTHESIS_PROFILE=slow make unit``) and ``mutate`` (fewer examples,
for ``make mutate``, which runs the tests once per mutant).
"""

from __future__ import annotations

import os

import matplotlib
import pytest
import torch
from hypothesis import HealthCheck, settings

matplotlib.use("Agg")  # tests draw off-screen

# The tests call torch on tiny tensors thousands of times; on a 2-core machine shared with another
# pytest worker, torch's thread pool makes each call ~10x slower than one thread does.
torch.set_num_threads(1)

settings.register_profile(
    "default",
    max_examples=500,
    deadline=None,
    derandomize=True,  # same configurations every run: CI is reproducible
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    print_blob=True,
)
settings.register_profile(
    "slow",
    parent=settings.get_profile("default"),
    max_examples=5000,
    derandomize=False,
)
settings.register_profile(  # `make mutate` runs the unit tests once per mutant: fewer, still derandomized
    "mutate",
    parent=settings.get_profile("default"),
    max_examples=60,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(autouse=True)
def _close_figures():
    """Every test starts and ends without open matplotlib figures."""
    yield
    import matplotlib.pyplot as plt  # noqa: PLC0415

    plt.close("all")
