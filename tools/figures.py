"""Every figure of the course as PNG and SVG, with an index; ``--audit`` checks the figure standard.

``make figures`` runs this script. It *executes* each chapter (``notebooks/NN_*.ipynb``)
cell by cell, in a fresh Python process per notebook (an in-process IPython shell with
matplotlib's Agg backend), and captures every figure a reader sees:

* **figures** — every figure open when a cell ends (what JupyterLab's inline backend shows,
  cropped to its tight box at the notebook's 100 dpi);
* **explorers** — the figure an explorer rendered into the PNG it displays (the capture is
  the ``savefig`` whose bytes equal the explorer's ``png``; earlier states set in the same
  cell are dropped);
* **animations** — the first frame of every animation a cell renders (drawn by the same
  painter with :func:`convlib.render.plot_conv_step` / ``plot_transposed_scatter``).

Executing the notebooks is what guarantees *every* figure: there is no second list of
figures to keep in step with the chapters. Each capture is written to
``build/figures/<chapter>/<chapter number>-<k>-<slug>.png`` (scaled to fit the projector,
1280×720) and ``.svg``, with a footer naming its chapter (its attribution line, when the
renderer redraws a published figure, is part of the figure). ``index.html`` and
``index.md`` list them by chapter with titles and attribution lines.

``--audit`` runs the checks of ``tests/figure_standard.py`` on every capture *as it is
displayed* (before the footer is added) and prints a table of violations per figure;
``build/figures/audit.md`` and ``audit.json`` keep it.

Usage::

    python tools/figures.py                          # every chapter -> build/figures/
    python tools/figures.py notebooks/04_*.ipynb     # some chapters
    python tools/figures.py --audit                  # ... and the standard's violations table
    python tools/figures.py --audit --no-export      # the table only
    python tools/figures.py --jobs 2 --out DIR
"""

from __future__ import annotations

import argparse
import contextlib
import html
import importlib.util
import io
import json
import os
import re
import subprocess
import sys
import time
import unicodedata
import warnings
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_GLOB = "[0-9][0-9]_*.ipynb"
DEFAULT_OUT = ROOT / "build" / "figures"
PROJECTOR = (1280, 720)
FOOTER_SIZE = 11.0
CJK = re.compile(r"\s*\([^)]*[\u2e80-\u9fff\uf900-\ufaff][^)]*\)")


@dataclass
class Capture:
    """One figure of the course, as recorded in a chapter's manifest."""

    chapter: str  # notebook stem, e.g. "07_checkerboard_artifacts"
    cell: int  # index of the code cell in the notebook's cells
    kind: str  # "figure", "explorer" or "animation"
    title: str
    dpi: float
    tight: bool
    size_px: tuple[int, int]  # as displayed in the notebook (before scaling to the display box)
    attribution: str | None = None
    png: str | None = None  # paths relative to the output directory
    svg: str | None = None
    violations: list[dict[str, Any]] = field(default_factory=list)


# --- the worker: executes one notebook ----------------------------------------------------------


def _load_checks() -> Any:
    """``tests/figure_standard.py`` (test support, not part of the package) loaded by path."""
    spec = importlib.util.spec_from_file_location("figure_standard", ROOT / "tests" / "figure_standard.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["figure_standard"] = module
    spec.loader.exec_module(module)
    return module


def chapter_title(nb: dict[str, Any], stem: str) -> str:
    """``"07 · Checkerboard artifacts"`` from the notebook's first ``# `` heading (Chinese terms dropped)."""
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            for line in "".join(cell["source"]).splitlines():
                if line.startswith("# "):
                    return CJK.sub("", line[2:]).strip()
    return stem


def slug(text: str, n: int = 48) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    return text[:n].rstrip("-") or "figure"


def figure_title(fig: Any) -> str:
    """The figure's suptitle, else its first axes title, else its largest text with words (one line)."""
    sup = getattr(fig, "_suptitle", None)
    if sup is not None and sup.get_text().strip():
        return " ".join(sup.get_text().split())
    for ax in fig.axes:
        for loc in ("center", "left", "right"):
            title = ax.get_title(loc=loc).strip()
            if title:
                return " ".join(title.split())
    texts = [t for ax in fig.axes for t in ax.texts] + list(fig.texts)
    texts = [t for t in texts if re.search(r"[A-Za-z]{3,}", t.get_text()) and t.get_gid() != "convlib-attribution"]
    sizes = sorted(t.get_fontsize() for t in texts)
    if texts and sizes[-1] > sizes[len(sizes) // 2]:  # a title stands out from the body text
        return " ".join(max(texts, key=lambda t: t.get_fontsize()).get_text().split())
    return ""


class _Recorder:
    """Hooks that see what a cell shows besides the figures left open."""

    def __init__(self) -> None:
        self.saved: list[tuple[Any, float, bool, bytes]] = []  # (figure, dpi, tight, bytes)
        self.animations: list[dict[str, Any]] = []
        self.active = False

    def install(self) -> None:
        from matplotlib.figure import Figure  # noqa: PLC0415

        import convlib.anim as anim  # noqa: PLC0415

        recorder = self
        original_savefig = Figure.savefig

        def savefig(fig: Any, fname: Any, *args: Any, **kwargs: Any) -> Any:
            result = original_savefig(fig, fname, *args, **kwargs)
            if recorder.active and isinstance(fname, io.BytesIO):
                dpi = kwargs.get("dpi") or fig.dpi
                dpi = fig.dpi if dpi == "figure" else dpi
                recorder.saved.append((fig, float(dpi), kwargs.get("bbox_inches") == "tight", fname.getvalue()))
            return result

        Figure.savefig = savefig  # type: ignore[method-assign]
        original_frames = anim.render_frames

        def render_frames(spec: Any, **kwargs: Any) -> Any:
            if recorder.active:
                recorder.animations.append({"spec": spec, **kwargs})
            return original_frames(spec, **kwargs)

        anim.render_frames = render_frames  # to_html, show and save_gif look it up here

    def reset(self) -> None:
        self.saved.clear()
        self.animations.clear()


def _first_frame(record: dict[str, Any]) -> Any:
    """The first frame of a recorded animation, as a Figure (the same painter draws it)."""
    from convlib.render import plot_conv_step, plot_transposed_scatter  # noqa: PLC0415

    spec = record["spec"]
    if record.get("view", "direct") == "scatter":
        drawn = plot_transposed_scatter(spec, 0)
    else:
        drawn = plot_conv_step(spec, 0, numbers=bool(record.get("numbers", False)))
    return drawn.ax.figure


def run_notebook(path: Path, out: Path, *, audit: bool, export: bool) -> dict[str, Any]:
    """Execute one notebook and capture (check, export) every figure it shows; returns its manifest."""
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415
    from IPython.core.interactiveshell import InteractiveShell  # noqa: PLC0415

    from convlib.render.standard import attribution  # noqa: PLC0415

    checks = _load_checks() if audit else None
    nb = json.loads(path.read_text(encoding="utf-8"))
    stem = path.stem
    title = chapter_title(nb, stem)
    number = stem.split("_", 1)[0]
    chapter_dir = out / stem
    if export:
        chapter_dir.mkdir(parents=True, exist_ok=True)
    recorder = _Recorder()
    recorder.install()
    shell = InteractiveShell.instance()
    captures: list[Capture] = []
    started = time.perf_counter()
    os.chdir(path.parent)
    warnings.filterwarnings("ignore", message=".*non-interactive.*")
    warnings.filterwarnings("ignore", message=".*Animation was deleted.*")

    def capture(fig: Any, index: int, kind: str, dpi: float, tight: bool, fallback: str) -> None:
        fig_title = figure_title(fig) or fallback
        violations = []
        drawn = None
        if checks is not None:
            display = checks.Display(dpi=dpi, tight=tight)
            drawn = checks.render(fig, display)
            violations = [asdict(v) for v in checks.check_figure(fig, display)]
        if drawn is None:
            if not hasattr(fig.canvas, "get_renderer"):
                from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415

                FigureCanvasAgg(fig)
            fig.canvas.draw()
            renderer = fig.canvas.get_renderer()
            box = fig.get_tightbbox(renderer) if tight else None
            w_in, h_in = (box.width, box.height) if box is not None else tuple(fig.get_size_inches())
        else:
            w_in, h_in = drawn.width_in, drawn.height_in
        k = len(captures) + 1
        record = Capture(stem, index, kind, fig_title, dpi, tight, (round(w_in * dpi), round(h_in * dpi)),
                         attribution(fig), violations=violations)
        if export:
            name = f"{number}-{k:02d}-{slug(fig_title)}"
            _export(fig, chapter_dir / name, f"convlib · {title}")
            record.png, record.svg = f"{stem}/{name}.png", f"{stem}/{name}.svg"
        captures.append(record)

    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        tags = set(cell.get("metadata", {}).get("tags", []))
        recorder.reset()
        recorder.active = True
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            result = shell.run_cell(source, store_history=False)
        recorder.active = False
        if not result.success and "raises-exception" not in tags:
            error = result.error_in_exec or result.error_before_exec
            raise RuntimeError(f"{path.name}: cell {index} failed: {type(error).__name__}: {error}")
        first_line = next((line for line in source.splitlines() if line.strip() and not line.startswith("#")), "")
        for num in plt.get_fignums():
            capture(plt.figure(num), index, "figure", plt.figure(num).dpi, True, first_line)
        value = result.result
        saved = recorder.saved
        if value is not None and hasattr(value, "png") and hasattr(value, "state"):  # an explorer
            saved = [s for s in saved if s[3] == value.png]
            for fig, dpi, tight, _ in saved[-1:]:
                capture(fig, index, "explorer", dpi, tight, f"explorer: {getattr(value, 'name', 'explorer')}")
        else:
            for fig, dpi, tight, _ in saved:
                if fig.number not in plt.get_fignums():
                    capture(fig, index, "figure", dpi, tight, first_line)
        for record in recorder.animations:
            fig = _first_frame(record)
            capture(fig, index, "animation", float(record.get("dpi") or 80), False,
                    f"animation: {record['spec'].describe()}")
        plt.close("all")
    manifest = {
        "chapter": stem, "title": title, "seconds": round(time.perf_counter() - started, 1),
        "captures": [asdict(c) for c in captures],
    }
    if export:
        (chapter_dir / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n",
                                                   encoding="utf-8")
    return manifest


def _export(fig: Any, base: Path, footer: str) -> None:
    """PNG scaled to fit the projector and SVG, both with the chapter footer, tight crop."""
    import matplotlib  # noqa: PLC0415
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415

    if not hasattr(fig.canvas, "get_renderer"):  # closed by pyplot (an explorer's figure)
        FigureCanvasAgg(fig)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    box = fig.get_tightbbox(renderer)
    fw, fh = fig.get_size_inches()
    fig.text(box.x0 / fw, (box.y0 - 0.12) / fh, footer, ha="left", va="top", fontsize=FOOTER_SIZE,
             color="#555555", gid="convlib-footer")
    box = fig.get_tightbbox(renderer).padded(0.1)
    dpi = min(PROJECTOR[0] / box.width, PROJECTOR[1] / box.height)
    with matplotlib.rc_context({"svg.hashsalt": "convlib", "svg.fonttype": "path"}):
        fig.savefig(base.with_suffix(".png"), dpi=dpi, bbox_inches="tight", pad_inches=0.1, metadata={"Software": None})
        fig.savefig(base.with_suffix(".svg"), bbox_inches="tight", pad_inches=0.1, metadata={"Date": None})


# --- the parent: runs the workers, writes the index and the audit -------------------------------


def notebooks(args: list[str]) -> list[Path]:
    paths = [Path(a).resolve() for a in args] if args else sorted((ROOT / "notebooks").glob(NOTEBOOK_GLOB))
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise SystemExit(f"no such notebook: {', '.join(missing)}")
    return paths


def run_worker(path: Path, out: Path, audit: bool, export: bool) -> dict[str, Any]:
    """Run :func:`run_notebook` in a fresh Python process (a fresh "kernel" per chapter)."""
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(__import__("tempfile").TemporaryDirectory())
        result_file = Path(tmp) / "manifest.json"
        cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", str(path), "--out", str(out),
               "--result", str(result_file)]
        cmd += ["--audit"] if audit else []
        cmd += [] if export else ["--no-export"]
        env = {**os.environ, "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
        if proc.returncode != 0:
            raise RuntimeError(f"{path.name}: figure capture failed\n{proc.stderr[-3000:]}")
        return json.loads(result_file.read_text(encoding="utf-8"))


def summarize(violations: list[dict[str, Any]]) -> str:
    """``"text-size ×2, legend"`` style summary of one figure's violations."""
    counts = Counter(v["rule"] for v in violations)
    return ", ".join(rule if n == 1 else f"{rule} ×{n}" for rule, n in counts.items()) or "—"


def _cell_text(text: str) -> str:
    """Text safe inside a markdown table cell."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "/")


def audit_table(manifests: list[dict[str, Any]]) -> str:
    """Markdown table: chapter, cell, kind, title, violations (one line each)."""
    lines = ["| chapter | cell | kind | figure | violations |", "| --- | --- | --- | --- | --- |"]
    for m in manifests:
        for c in m["captures"]:
            detail = "<br>".join(_cell_text(f"{v['rule']}: {v['message']}") for v in c["violations"]) or "—"
            lines.append(f"| {c['chapter'][:2]} | {c['cell']} | {c['kind']} | {_cell_text(c['title'][:70])} | {detail} |")
    return "\n".join(lines)


def rule_summary(manifests: list[dict[str, Any]]) -> str:
    """Per chapter: figures, figures meeting the standard, and violations by rule."""
    from collections import defaultdict  # noqa: PLC0415

    rules = sorted({v["rule"] for m in manifests for c in m["captures"] for v in c["violations"]})
    head = "| chapter | figures | clean | " + " | ".join(rules) + " |"
    lines = [head, "| --- " * (3 + len(rules)) + "|"]
    totals: dict[str, int] = defaultdict(int)
    n_all = clean_all = 0
    for m in manifests:
        caps = m["captures"]
        per = Counter(v["rule"] for c in caps for v in {x["rule"]: x for x in c["violations"]}.values())
        clean = sum(1 for c in caps if not c["violations"])
        n_all, clean_all = n_all + len(caps), clean_all + clean
        for r in rules:
            totals[r] += per[r]
        lines.append(f"| {m['chapter'][:2]} | {len(caps)} | {clean} | " + " | ".join(str(per[r] or "") for r in rules)
                     + " |")
    lines.append(f"| all | {n_all} | {clean_all} | " + " | ".join(str(totals[r]) for r in rules) + " |")
    return "\n".join(lines)


def write_index(manifests: list[dict[str, Any]], out: Path) -> None:
    """``index.html`` (thumbnails) and ``index.md`` listing every figure by chapter."""
    md = ["# Figures of the convlib course", "",
          "Every figure of the chapters, regenerated by `make figures`: PNG scaled to 1280×720 and SVG.", ""]
    body = []
    for m in manifests:
        md += [f"## {m['title']}", "", "| # | figure | cell | files | attribution |", "| --- | --- | --- | --- | --- |"]
        cards = []
        for k, c in enumerate(m["captures"], start=1):
            attribution = c["attribution"] or ""
            md.append(f"| {k} | {c['title'].replace('|', '/')} ({c['kind']}) | {c['cell']} | "
                      f"[PNG]({c['png']}) · [SVG]({c['svg']}) | {attribution} |")
            cards.append(
                f"<figure><a href='{html.escape(c['png'])}'><img src='{html.escape(c['png'])}' loading='lazy' "
                f"alt='{html.escape(c['title'])}'></a><figcaption><b>{k}.</b> {html.escape(c['title'])} "
                f"<span class='kind'>({c['kind']}, cell {c['cell']})</span><br>"
                f"<a href='{html.escape(c['png'])}'>PNG</a> · <a href='{html.escape(c['svg'])}'>SVG</a>"
                + (f"<br><i>{html.escape(attribution)}</i>" if attribution else "") + "</figcaption></figure>")
        md.append("")
        body.append(f"<h2 id='{m['chapter']}'>{html.escape(m['title'])}</h2>\n<div class='grid'>"
                    + "\n".join(cards) + "</div>")
    toc = " · ".join(f"<a href='#{m['chapter']}'>{html.escape(m['chapter'][:2])}</a>" for m in manifests)
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Figures of the convlib course</title>
<style>
body {{ font-family: sans-serif; margin: 2em; color: #222; }}
.grid {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(320px, 1fr)); gap: 1.2em; }}
figure {{ margin: 0; border: 1px solid #ddd; padding: 0.6em; }}
img {{ width: 100%; height: auto; }}
figcaption {{ font-size: 0.9em; line-height: 1.4; }}
.kind {{ color: #777; }}
</style></head><body>
<h1>Figures of the convlib course</h1>
<p>Every figure of the chapters, regenerated from parameters by <code>make figures</code>: PNG scaled to
1280×720 and SVG. Each image names its chapter; figures that redraw a published figure carry its
attribution line. Chapters: {toc}</p>
{chr(10).join(body)}
</body></html>
"""
    (out / "index.html").write_text(page, encoding="utf-8")
    (out / "index.md").write_text("\n".join(md) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", help="notebooks (default: notebooks/NN_*.ipynb)")
    parser.add_argument("--out", default=str(DEFAULT_OUT), help="output directory (default: build/figures)")
    parser.add_argument("--audit", action="store_true", help="check every figure against the figure standard")
    parser.add_argument("--no-export", dest="export", action="store_false", help="write no images (with --audit)")
    parser.add_argument("--jobs", type=int, default=1, help="notebooks executed at once (default 1)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    out = Path(args.out).resolve()

    if args.worker:
        manifest = run_notebook(Path(args.worker).resolve(), out, audit=args.audit, export=args.export)
        Path(args.result).write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
        return 0

    paths = notebooks(args.notebooks)
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        manifests = list(pool.map(lambda p: run_worker(p, out, args.audit, args.export), paths))
    seconds = time.perf_counter() - started
    n = sum(len(m["captures"]) for m in manifests)
    if args.export:
        write_index(manifests, out)
        size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
        chapters = f"{len(manifests)} chapter{'s' * (len(manifests) != 1)}"
        print(f"{n} figures from {chapters} in {seconds:.0f} s -> {out} ({size / 1e6:.1f} MB); "
              f"index: {out / 'index.html'}")
    for m in manifests:
        print(f"  {m['chapter']}: {len(m['captures'])} figures ({m['seconds']:.0f} s)")
    if args.audit:
        table = audit_table(manifests)
        summary = rule_summary(manifests)
        (out / "audit.md").write_text(f"# Figure-standard audit\n\n{summary}\n\n{table}\n", encoding="utf-8")
        (out / "audit.json").write_text(json.dumps(manifests, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print()
        print(summary)
        print()
        print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
