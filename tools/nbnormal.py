"""Keep the course notebooks in normal form: what JupyterLab writes on save, and nothing that varies.

A notebook in normal form

* opens clean in JupyterLab 4 (the document is not marked modified) and saving it there changes no
  byte, so a student's ``git status`` stays quiet;
* is written again byte for byte by ``make execute`` when the course has not changed.

What that takes (measured with JupyterLab 4.6, open + Ctrl+S, see ``tests/browser/test_open_save.py``):

* layout: nbformat's (``indent=1``, sorted keys, ``ensure_ascii=False``, sources split into lines)
  plus a final newline, which is how jupyter_server writes a saved notebook;
* ``metadata.kernelspec`` as JupyterLab fills it in when the kernel starts:
  ``{"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}``;
* a code cell whose outputs are folded (``metadata.jupyter.outputs_hidden``) also carries
  ``metadata.collapsed: true`` — JupyterLab keeps the two in step and writes both;
* consecutive stream outputs of one stream merged into one output, as JupyterLab shows them: how
  much text each stream message carried depends on timing, so the same prints were stored as 1, 2
  or 3 outputs on different runs (nbval merges them before comparing, so tests never saw it);
* no execution timestamps (``metadata.execution``, written by nbclient when ``record_timing`` is on,
  and ``ExecuteTime`` from a popular extension): they change every run;
* widget model ids renumbered deterministically. ipywidgets names every model by a random UUID, so
  each execution rewrote every id in ``metadata.widgets`` and in the widget-view outputs. The ids
  are replaced, consistently everywhere, by ids derived from the order in which the notebook
  reaches the models (outputs top to bottom, then references depth first), which does not depend on
  the old ids — so the rewrite is idempotent and the notebook stays valid (every reference resolves).

Cell sources, outputs and prose are never changed.

Usage::

    python tools/nbnormal.py [NOTEBOOK ...]            # rewrite what is not in normal form
    python tools/nbnormal.py --check [NOTEBOOK ...]    # exit 1 listing files not in normal form

Without arguments it works on ``notebooks/NN_*.ipynb``.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_GLOB = "[0-9][0-9]_*.ipynb"

#: What JupyterLab writes once the ipykernel "python3" kernel has started.
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
#: Cell metadata that records when a cell ran (differs on every run).
VOLATILE_CELL_METADATA = ("execution", "ExecuteTime")
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
REF_PREFIX = "IPY_MODEL_"


def widget_id(index: int) -> str:
    """The deterministic id of the ``index``-th widget model (32 hex digits, like ipywidgets' UUIDs).

    >>> widget_id(0) == widget_id(0) != widget_id(1)
    True
    """
    return hashlib.sha1(f"convlib-widget-{index}".encode()).hexdigest()[:32]


def _refs(value: Any, known: dict) -> Iterator[str]:
    """Model ids referenced inside ``value``, in a fixed order (dict keys sorted, lists in order)."""
    if isinstance(value, str):
        if value.startswith(REF_PREFIX) and value[len(REF_PREFIX) :] in known:
            yield value[len(REF_PREFIX) :]
    elif isinstance(value, dict):
        for key in sorted(value):
            item = value[key]
            if key == "model_id" and isinstance(item, str) and item in known:
                yield item
            else:
                yield from _refs(item, known)
    elif isinstance(value, list):
        for item in value:
            yield from _refs(item, known)


def _view_ids(nb: dict, known: dict) -> Iterator[str]:
    """Model ids shown by the notebook's widget-view outputs, top to bottom."""
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", []):
            view = out.get("data", {}).get(WIDGET_VIEW)
            if isinstance(view, dict) and view.get("model_id") in known:
                yield view["model_id"]


def _content_keys(state: dict) -> dict[str, str]:
    """A hash of each model's content with references replaced by the referents' hashes (id-free)."""
    keys: dict[str, str] = {}

    def key(mid: str, stack: frozenset) -> str:
        if mid in keys:
            return keys[mid]
        if mid in stack:  # a cycle: stop here, the rest of the model still distinguishes it
            return "cycle"

        def strip(value: Any) -> Any:
            if isinstance(value, str) and value.startswith(REF_PREFIX) and value[len(REF_PREFIX) :] in state:
                return REF_PREFIX + key(value[len(REF_PREFIX) :], stack | {mid})
            if isinstance(value, dict):
                return {
                    k: (key(v, stack | {mid}) if k == "model_id" and isinstance(v, str) and v in state else strip(v))
                    for k, v in value.items()
                }
            if isinstance(value, list):
                return [strip(v) for v in value]
            return value

        text = json.dumps(strip(state[mid]), sort_keys=True, ensure_ascii=False)
        keys[mid] = hashlib.sha1(text.encode()).hexdigest()
        return keys[mid]

    for mid in state:
        key(mid, frozenset())
    return keys


def widget_id_map(nb: dict) -> dict[str, str]:
    """Old model id -> deterministic id, for every model in the notebook's saved widget state."""
    state = nb.get("metadata", {}).get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    if not state:
        return {}
    order: list[str] = []
    seen: set[str] = set()

    def visit(mid: str) -> None:
        stack = [mid]
        while stack:  # depth first, iteratively (widget trees can be deep)
            m = stack.pop()
            if m in seen:
                continue
            seen.add(m)
            order.append(m)
            stack.extend(reversed([r for r in _refs(state[m], state) if r not in seen]))

    for mid in _view_ids(nb, state):
        visit(mid)
    keys = _content_keys(state)
    for mid in sorted((m for m in state if m not in seen), key=lambda m: keys[m]):
        visit(mid)
    return {old: widget_id(i) for i, old in enumerate(order)}


def _rename(value: Any, mapping: dict[str, str]) -> Any:
    if isinstance(value, str):
        if value.startswith(REF_PREFIX) and value[len(REF_PREFIX) :] in mapping:
            return REF_PREFIX + mapping[value[len(REF_PREFIX) :]]
        return value
    if isinstance(value, dict):
        return {
            k: (mapping[v] if k == "model_id" and isinstance(v, str) and v in mapping else _rename(v, mapping))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_rename(v, mapping) for v in value]
    return value


def merge_streams(outputs: list[dict]) -> list[dict]:
    """Consecutive ``stream`` outputs of the same name (stdout/stderr) merged into one; text kept exactly.

    >>> merge_streams([{"output_type": "stream", "name": "stdout", "text": ["a\\n"]},
    ...                {"output_type": "stream", "name": "stdout", "text": "b\\n"}])
    [{'output_type': 'stream', 'name': 'stdout', 'text': 'a\\nb\\n'}]
    """
    merged: list[dict] = []
    for out in outputs:
        prev = merged[-1] if merged else None
        if (
            prev is not None
            and out.get("output_type") == prev.get("output_type") == "stream"
            and out.get("name") == prev.get("name")
        ):
            merged[-1] = {**prev, "text": _text(prev["text"]) + _text(out["text"])}
        else:
            merged.append(out)
    return merged


def _text(value: str | list[str]) -> str:
    return "".join(value) if isinstance(value, list) else value


def normalize(nb: dict) -> dict:
    """The notebook in normal form (``nb`` itself is not modified)."""
    nb = copy.deepcopy(nb)
    meta = nb.setdefault("metadata", {})
    if meta.get("kernelspec", {}).get("name", "python3") == "python3":
        meta["kernelspec"] = dict(KERNELSPEC)
    for cell in nb.get("cells", []):
        cmeta = cell.setdefault("metadata", {})
        for key in VOLATILE_CELL_METADATA:
            cmeta.pop(key, None)
        if cell.get("cell_type") == "code" and cmeta.get("jupyter", {}).get("outputs_hidden"):
            cmeta["collapsed"] = True
        if cell.get("outputs"):
            cell["outputs"] = merge_streams(cell["outputs"])
    mapping = widget_id_map(nb)
    if mapping:
        widgets = meta["widgets"][WIDGET_STATE]
        widgets["state"] = {mapping[k]: _rename(v, mapping) for k, v in widgets["state"].items()}
        for cell in nb["cells"]:
            if "outputs" in cell:
                cell["outputs"] = _rename(cell["outputs"], mapping)
    return nb


def dumps(nb: dict) -> str:
    """Notebook JSON laid out as jupyter_server saves it (nbformat's layout plus a final newline)."""
    import nbformat  # noqa: PLC0415 - part of the course install ([lab] extra)

    text = nbformat.writes(nbformat.from_dict(nb), version=nbformat.NO_CONVERT)
    return text if text.endswith("\n") else text + "\n"


def normal_text(text: str) -> str:
    """The normal form of a notebook given as JSON text."""
    return dumps(normalize(json.loads(text)))


def course_notebooks(root: Path = ROOT) -> list[Path]:
    return sorted((root / "notebooks").glob(NOTEBOOK_GLOB))


def run(paths: Sequence[Path], *, check: bool = False) -> list[Path]:
    """Rewrite (or, with ``check``, only find) the notebooks not in normal form; return them."""
    changed = []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        new = normal_text(text)
        if new != text:
            changed.append(path)
            if not check:
                path.write_text(new, encoding="utf-8")
    return changed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/NN_*.ipynb")
    parser.add_argument("--check", action="store_true", help="exit 1 listing notebooks not in normal form")
    args = parser.parse_args(argv)
    paths = args.notebooks or course_notebooks()
    changed = run(paths, check=args.check)
    if args.check:
        if changed:
            print("notebooks not in normal form (run `make chrome`, or `python tools/nbnormal.py`):")
            print("\n".join(f"  {p}" for p in changed))
            return 1
        print(f"{len(paths)} notebook(s) in normal form")
        return 0
    for p in changed:
        print(f"normalized {p}")
    print(f"{len(changed)} of {len(paths)} notebook(s) rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
