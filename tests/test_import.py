"""`import convlib` stays light (no torch, no matplotlib, even after the numeric core ran) and exports the core names.

(The docstring examples run as doctests: ``--doctest-modules`` over ``convlib/``.)"""

from __future__ import annotations

import json
import subprocess
import sys


CORE_NAMES = [
    "conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d", "conv_matrix", "dilate_kernel", "insert_zeros",
    "pad2d", "conv_output_size", "conv_transpose_output_size", "effective_kernel_size", "same_padding",
    "transposed_equivalent", "sliding_window", "correlate2d", "window_span", "receptive_field", "utilization_map",
    "layers_from_module", "layers_to_module", "empirical_receptive_field", "torch_macs", "torch_params",
    "torch_output_size", "torch_verdict", "accepts", "growth_table", "connections", "group_of",
]
def _fresh_import() -> dict:
    code = (
        "import sys, time; t = time.perf_counter(); import convlib; dt = time.perf_counter() - t; "
        "import numpy as np; convlib.conv2d(np.ones((1, 4, 4)), np.ones((1, 1, 3, 3)));"
        "convlib.conv_transpose2d(np.ones((1, 3, 3)), np.ones((1, 1, 3, 3)), stride=2);"
        "convlib.receptive_field([(3, 1, 1)]); convlib.utilization_map([1, 2]); convlib.check_hdc([1, 2, 5]);"
        "convlib.ConvSpec(5, 3).apply(np.ones((5, 5)), np.ones((3, 3))); convlib.oracle.torch_params;"
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


def _imports() -> dict[str, set[str]]:
    """convlib module -> the convlib modules it imports (anywhere in the file, lazy imports included)."""
    import convlib

    import ast
    from pathlib import Path

    root = Path(convlib.__file__).parent
    out = {}
    for path in root.rglob("*.py"):
        parts = ("convlib", *path.relative_to(root).with_suffix("").parts)
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        deps = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level:
                base = ".".join(package[: len(package) - node.level + 1])
                targets = [f"{base}.{node.module}"] if node.module else [f"{base}.{a.name}" for a in node.names]
                deps.update(targets)
        out[name] = deps
    return {m: {d for d in ds if d in out and d not in (m, "convlib")} for m, ds in out.items() if m != "convlib"}


def _level(module: str) -> int:
    """widgets and anim draw on render, render draws what the topic and core modules compute."""
    if module.startswith(("convlib.widgets", "convlib.anim")):
        return 3
    return 2 if module.startswith("convlib.render") else 1


def test_the_layers_import_downwards_only_and_without_cycles():
    graph = _imports()
    assert len(graph) > 25
    upward = sorted(f"{m} -> {d}" for m, ds in graph.items() for d in ds if _level(d) > _level(m))
    assert not upward, upward
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        assert module not in path, f"import cycle: {' -> '.join(path[path.index(module):] + (module,))}"
        if module not in done:
            for dep in graph[module]:
                visit(dep, path + (module,))
            done.add(module)

    for module in graph:
        visit(module, ())
