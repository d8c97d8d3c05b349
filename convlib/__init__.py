"""convlib — convolution arithmetic, executed.

The numpy core (``convlib.conv2d`` …) mirrors ``torch.nn.functional``; torch
is never imported by ``import convlib``. Plotting (:mod:`convlib.render`),
animations (:mod:`convlib.anim`) and explorers (:mod:`convlib.widgets`) are
loaded on first use, so the core imports quickly.
"""

from __future__ import annotations

import importlib
from typing import Any

from .notebook import setup

__version__ = "0.1.0"

# --- numeric core (issue 2: shapes, conv, transposed, building blocks) -------

# --- receptive fields, gridding, HDC (issue 3) --------------------------------

# --- cost counting (issue 4) --------------------------------------------------

# Submodules and names that need matplotlib/ipywidgets load lazily.
_LAZY_MODULES = {"render", "anim", "widgets"}
_LAZY_NAMES: dict[str, str] = {
    # name -> submodule that defines it
}


def __getattr__(name: str) -> Any:
    if name in _LAZY_MODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in _LAZY_NAMES:
        return getattr(importlib.import_module(f".{_LAZY_NAMES[name]}", __name__), name)
    raise AttributeError(f"module 'convlib' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _LAZY_MODULES | set(_LAZY_NAMES))
