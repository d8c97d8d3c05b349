"""Build the offline reveal.js decks: ``build/slides/NN_name.slides.html`` + ``index.html``.

``make slides`` runs this script. Every deck loads reveal.js 4.0.2, require.js, jQuery 2,
MathJax 2 and the Jupyter widget renderer from ``build/slides/lib/`` (copied from the npm
packages pinned in ``tools/slides/package-lock.json``), so the decks work from disk with no
network at all. The only template change is ``templates/convlib_reveal`` (no mermaid).

Steps:

1. ``npm ci`` in ``tools/slides`` when ``node_modules`` is missing or older than the lock file
   (needs the npm registry once; nothing is downloaded at view time);
2. copy the pruned assets into ``build/slides/lib`` (about 14 MB);
3. convert each ``notebooks/NN_*.ipynb`` whose deck is missing or older than the notebook
   (or than this script/template); decks follow the cells' slide metadata, theme ``white``;
   widgets show the state saved in the notebook;
4. write ``index.html`` linking every deck.

Usage::

    python tools/slides/build.py [--force] [--out build/slides] [NOTEBOOK ...]
"""

from __future__ import annotations

import argparse
import hashlib
import html
import importlib.util
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
TEMPLATES = HERE / "templates"
TEMPLATE_NAME = "convlib_reveal"
NODE_MODULES = HERE / "node_modules"
STAMP = NODE_MODULES / ".convlib-lock-sha256"
DEFAULT_OUT = ROOT / "build" / "slides"
THEME = "white"

# Where each asset lives under build/slides (decks use these relative URLs).
LIB = "lib"
URLS = {
    "reveal_url_prefix": f"{LIB}/reveal.js",
    "require_js_url": f"{LIB}/require.js",
    "jquery_url": f"{LIB}/jquery.min.js",
    "mathjax_url": f"{LIB}/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe",
    "widget_renderer_url": f"{LIB}/html-manager/embed-amd.js",
}

# (source under node_modules, destination under lib/, glob patterns to drop when copying a folder)
ASSETS: list[tuple[str, str, tuple[str, ...]]] = [
    ("reveal.js/dist", "reveal.js/dist", ("*.map", "*.esm.js")),
    ("reveal.js/plugin/notes", "reveal.js/plugin/notes", ("*.esm.js",)),
    ("requirejs/require.js", "require.js", ()),
    ("jquery/dist/jquery.min.js", "jquery.min.js", ()),
    ("mathjax/MathJax.js", "mathjax/MathJax.js", ()),
    ("mathjax/config/TeX-AMS_CHTML-full.js", "mathjax/config/TeX-AMS_CHTML-full.js", ()),
    ("mathjax/config/Safe.js", "mathjax/config/Safe.js", ()),
    ("mathjax/extensions", "mathjax/extensions", ()),
    ("mathjax/jax/input/TeX", "mathjax/jax/input/TeX", ()),
    ("mathjax/jax/element", "mathjax/jax/element", ()),
    ("mathjax/jax/output/CommonHTML", "mathjax/jax/output/CommonHTML", ()),
    ("mathjax/jax/output/PreviewHTML", "mathjax/jax/output/PreviewHTML", ()),
    ("mathjax/localization/en", "mathjax/localization/en", ()),
    ("mathjax/fonts/HTML-CSS/TeX/woff", "mathjax/fonts/HTML-CSS/TeX/woff", ()),
    (
        "@jupyter-widgets/html-manager/dist",
        "html-manager",
        ("*.map", "embed.js", "embed.js.*", "[0-9]*.embed.js", "libembed-amd.js", "*.eot", "*.svg"),
    ),
]


def _load_chrome():
    """tools/chrome.py (for notebook titles and the notebook list), loaded by path."""
    spec = importlib.util.spec_from_file_location("convlib_tools_chrome", ROOT / "tools" / "chrome.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def ensure_node_modules() -> None:
    """Install the pinned npm packages into tools/slides/node_modules unless already current."""
    lock = HERE / "package-lock.json"
    want = _sha256(lock)
    if STAMP.exists() and STAMP.read_text().strip() == want:
        return
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit(
            "npm not found: the offline slide assets come from the npm registry "
            "(install Node.js + npm, e.g. `apt-get install -y npm`)"
        )
    print("slides: npm ci (reveal.js, require.js, jQuery, MathJax 2, widget renderer)", flush=True)
    cmd = [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"]
    subprocess.run(cmd, cwd=HERE, check=True)
    STAMP.write_text(want + "\n")


def copy_assets(out: Path) -> None:
    """Copy the pruned offline assets into ``out/lib`` (replacing what was there)."""
    lib = out / LIB
    tmp = out / (LIB + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    for src_rel, dst_rel, drop in ASSETS:
        src, dst = NODE_MODULES / src_rel, tmp / dst_rel
        if not src.exists():
            raise SystemExit(f"slides: missing {src} (delete {NODE_MODULES} and rebuild)")
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns(*drop))
        else:
            shutil.copy2(src, dst)
    shutil.rmtree(lib, ignore_errors=True)
    tmp.rename(lib)
    (lib / ".lock-sha256").write_text(_sha256(HERE / "package-lock.json") + "\n")


def assets_current(out: Path) -> bool:
    stamp = out / LIB / ".lock-sha256"
    return stamp.exists() and stamp.read_text().strip() == _sha256(HERE / "package-lock.json")


def deck_name(notebook: Path) -> str:
    return notebook.stem + ".slides.html"


def _exporter():
    from nbconvert import SlidesExporter  # noqa: PLC0415 - heavy import, only when converting
    from traitlets.config import Config  # noqa: PLC0415

    c = Config()
    c.SlidesExporter.extra_template_basedirs = [str(TEMPLATES)]
    c.SlidesExporter.template_name = TEMPLATE_NAME
    c.SlidesExporter.reveal_theme = THEME
    c.SlidesExporter.reveal_transition = "none"
    c.SlidesExporter.reveal_number = "c/t"
    c.SlidesExporter.reveal_scroll = True  # a slide taller than the screen scrolls instead of being cut
    for key, url in URLS.items():
        setattr(c.SlidesExporter, key, url)
    return c, SlidesExporter(config=c)


def convert(notebooks: Iterable[Path], out: Path, titles: dict[str, str]) -> list[Path]:
    """Write one deck per notebook into ``out``; return the written paths."""
    import nbformat  # noqa: PLC0415

    _, exporter = _exporter()
    written = []
    for nb_path in notebooks:
        nb = nbformat.read(nb_path, as_version=4)
        nb.metadata["title"] = titles.get(nb_path.name, nb_path.stem)  # the deck's <title>; not saved
        body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": nb_path.stem}})
        target = out / deck_name(nb_path)
        target.write_text(body, encoding="utf-8")
        written.append(target)
    return written


def write_index(notebooks: Sequence[Path], out: Path, titles: dict[str, str]) -> Path:
    """A plain, self-contained page linking every deck."""
    items = "\n".join(
        f'    <li><a href="{html.escape(deck_name(p))}">{html.escape(titles.get(p.name, p.stem))}</a>'
        f' <span class="file">{html.escape(p.name)}</span></li>'
        for p in notebooks
    )
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>convlib — lecture slides</title>
<style>
  body {{ font-family: sans-serif; max-width: 46em; margin: 3em auto; line-height: 1.5; color: #222; }}
  li {{ margin: .4em 0; }} .file {{ color: #888; font-size: .85em; margin-left: .5em; }}
</style>
</head>
<body>
<h1>convlib — lecture slides</h1>
<p>One reveal.js deck per notebook; they work offline (arrow keys to move, <kbd>Esc</kbd> for the overview).</p>
<ol start="0">
{items}
</ol>
</body>
</html>
"""
    target = out / "index.html"
    target.write_text(page, encoding="utf-8")
    return target


def build(
    notebooks: Sequence[Path] | None = None,
    *,
    root: Path = ROOT,
    out: Path = DEFAULT_OUT,
    force: bool = False,
    quiet: bool = False,
) -> list[Path]:
    """Build (incrementally) the decks and the index; return the decks written this time.

    ``notebooks`` defaults to every ``root/notebooks/NN_*.ipynb``; the index always lists all of them.
    """
    chrome = _load_chrome()
    all_notebooks = chrome.course_notebooks(root)
    chosen = [Path(p).resolve() for p in notebooks] if notebooks else all_notebooks
    out.mkdir(parents=True, exist_ok=True)
    if force or not assets_current(out):
        ensure_node_modules()
        copy_assets(out)
    titles = {
        p.name: chrome.notebook_title(json.loads(p.read_text(encoding="utf-8")), fallback=p.stem)
        for p in sorted(set(all_notebooks) | set(chosen))
    }
    tool_mtime = max(
        f.stat().st_mtime for f in [Path(__file__), *TEMPLATES.rglob("*"), ROOT / "tools" / "chrome.py"] if f.is_file()
    )
    todo = [
        p
        for p in chosen
        if force
        or not (out / deck_name(p)).exists()
        or (out / deck_name(p)).stat().st_mtime < max(p.stat().st_mtime, tool_mtime)
    ]
    t0 = time.perf_counter()
    written = convert(todo, out, titles)
    write_index(all_notebooks, out, titles)
    if not quiet:
        print(
            f"slides: {len(written)} deck(s) built, {len(chosen) - len(written)} current, "
            f"in {time.perf_counter() - t0:.1f} s -> {out / 'index.html'}"
        )
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebooks/NN_*.ipynb")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default build/slides)")
    parser.add_argument("--force", action="store_true", help="rebuild assets and every deck")
    parser.add_argument("--root", type=Path, default=ROOT, help="repository root holding notebooks/")
    args = parser.parse_args(argv)
    build(args.notebooks or None, root=args.root.resolve(), out=args.out.resolve(), force=args.force)
    return 0


if __name__ == "__main__":
    sys.exit(main())
