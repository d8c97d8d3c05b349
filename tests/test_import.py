"""`import convlib` stays light (no torch, no matplotlib), exports the core names, and its examples run."""

from __future__ import annotations

import doctest
import importlib
import json
import subprocess
import sys

import pytest

CORE_NAMES = [
    "conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d", "conv_matrix", "dilate_kernel", "insert_zeros",
    "pad2d", "conv_output_size", "conv_transpose_output_size", "effective_kernel_size", "same_padding",
    "transposed_equivalent",
]
CORE_MODULES = ["convlib.shapes", "convlib.ops", "convlib.conv", "convlib.transposed", "convlib.matrix",
                "convlib._checks"]


def _fresh_import() -> dict:
    code = (
        "import sys, time; t = time.perf_counter(); import convlib; dt = time.perf_counter() - t; "
        "import json; print(json.dumps({'seconds': dt, 'modules': sorted(sys.modules)}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_import_convlib_does_not_import_torch_or_plotting():
    result = _fresh_import()
    heavy = {m.split(".")[0] for m in result["modules"]} & {"torch", "matplotlib", "ipywidgets", "scipy"}
    assert not heavy, f"import convlib pulled in {sorted(heavy)}"
    print(f"import convlib: {result['seconds'] * 1000:.0f} ms")


def test_core_names_at_top_level():
    import convlib

    missing = [n for n in CORE_NAMES if not callable(getattr(convlib, n, None))]
    assert not missing


@pytest.mark.parametrize("module", CORE_MODULES)
def test_docstring_examples(module):
    mod = importlib.import_module(module)
    result = doctest.testmod(mod, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
    if module != "convlib._checks":
        assert result.attempted > 0, f"{module} has no examples"


@pytest.mark.parametrize("module", CORE_MODULES[:-1])
def test_public_functions_say_where_they_are_introduced(module):
    mod = importlib.import_module(module)
    for name in mod.__all__:
        obj = getattr(mod, name)
        if callable(obj) and not isinstance(obj, type):
            assert "Introduced in" in (obj.__doc__ or ""), f"{module}.{name}"
