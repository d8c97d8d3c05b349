"""Docstrings point back to the chapter that introduces a function, and that chapter exists.

(Their examples run as doctests: ``--doctest-modules`` over ``convlib/``.)"""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import convlib

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = {p.stem for p in (ROOT / "notebooks").glob("*.ipynb")}
REFERENCE = re.compile(r"Introduced in\s+`?([0-9]{2}_[A-Za-z0-9_]+)(?:\.ipynb)?")


def test_every_introduced_in_names_an_existing_notebook():
    refs = []
    for path in sorted((ROOT / "convlib").rglob("*.py")):
        for name in REFERENCE.findall(path.read_text(encoding="utf-8")):
            refs.append((path.relative_to(ROOT).as_posix(), name))
    assert len(refs) > 50, "the package's docstrings should point back to their chapters"
    missing = sorted({f"{file}: {name}" for file, name in refs if name not in NOTEBOOKS})
    assert not missing, "docstrings name notebooks that do not exist:\n" + "\n".join(missing)


def test_every_chapter_is_referenced_by_some_docstring():
    text = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "convlib").rglob("*.py"))
    named = set(REFERENCE.findall(text))
    unreferenced = sorted(n for n in NOTEBOOKS if n not in named and n != "00_index")
    assert not unreferenced, f"chapters no convlib function points back to: {unreferenced}"


# convlib.validate holds plumbing (argument rules), not lessons: its module docstring names its chapter
MODULES = sorted(m.name for m in pkgutil.walk_packages(convlib.__path__, "convlib.")
                 if not m.name.rsplit(".", 1)[-1].startswith("_") and m.name != "convlib.validate")


@pytest.mark.parametrize("module", MODULES)
def test_every_public_function_says_where_it_is_introduced(module):
    mod = importlib.import_module(module)
    missing = []
    for name in getattr(mod, "__all__", []):
        obj = getattr(mod, name)
        if callable(obj) and not isinstance(obj, type) and getattr(obj, "__module__", module) == module:
            if not REFERENCE.search(obj.__doc__ or ""):
                missing.append(name)
    assert not missing, f"{module}: public functions without 'Introduced in NN_chapter': {missing}"
