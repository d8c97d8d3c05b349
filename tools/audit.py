"""The claim audit: every statement in a notebook's prose is computed or checked beside it.

The course promises that nothing in its markdown is taken on trust. This tool makes the
promise checkable on the saved notebooks (``make test`` runs it through tests/test_audit.py):

**Numbers.** Every number in a markdown cell's prose must be *evidenced* in the same
section (the cells from one ``#``/``##`` heading to the next):

* ``computed`` — it appears in the text output of a code cell of the section, *not counting
  text that the cell typed by hand* (string literals it prints, f-string text);
* ``parameter`` — it appears as a literal in the section's code (an input the example
  chose, e.g. ``conv_output_size(7, 3, stride=2)`` evidences "7", "3" and "2");
* ``given`` — the cell lists it in ``<!-- given: 2016, 12 — reason -->`` (a citation year,
  an exercise's parameters …); the reason is required.

In a "Summary" or "What you will learn" section the evidence may come from anywhere in the
notebook (those sections recap it).

Numbers prefixed by ``≈``, ``~``, "about", "roughly", …, numbers with decimals and
percentages may be evidenced by an output that rounds to them. Not audited: quotations
(``> blockquotes`` and text in double quotes — the sources' own words), code spans and
blocks, links, LaTeX sub- and superscripts, references such as "chapter 04", "§3.2",
"layer 2", "exercise 1", and cells tagged ``chrome-header``/``chrome-footer``/``generated``.

**General statements.** A sentence with a quantifier ("every", "always", "never", "for any",
"whenever", "only if", …) must sit in a markdown cell tagged ``<!-- claim: name -->``, and the
notebook must run ``convlib.verify.check_grid("name", …)`` over at least
:data:`MIN_CASES` cases (its stored output says how many held). Questions are not claims.

Usage::

    python tools/audit.py                 # summary per notebook
    python tools/audit.py -v NOTEBOOK…    # every finding
    python tools/audit.py --strict        # exit 1 if anything is unevidenced (what the test asserts)
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_GLOB = "[0-9][0-9]_*.ipynb"
MIN_CASES = 10
SKIP_TAGS = frozenset({"chrome-header", "chrome-footer", "generated", "corrections-table"})
#: Sections whose numbers recap the whole notebook: evidence may come from any of its cells.
WIDE_SECTION = re.compile(r"^#{1,2}\s+.*\b(?:summary|what you will learn)\b", re.I | re.M)

# --- tokens -------------------------------------------------------------------------------------
NUMBER = re.compile(r"(?<![\w.])[-−]?\d{1,3}(?:,\d{3})+(?:\.\d+)?%?|(?<![\w.])[-−]?\d+(?:\.\d+)?%?")
TIMES = re.compile(r"(?<=\d)\s*[x×]\s*(?=\d)")
APPROX = re.compile(r"(?:≈|~|∼|\babout|\baround|\broughly|\bnearly|\balmost|\bapprox\.?|\bapproximately|\bunder|\bover)\s*$", re.I)
REFERENCE = re.compile(
    r"(?:§\s*|\b(?:chapters?|ch\.|sections?|sec\.|exercises?|steps?|parts?|figures?|fig\.|tables?|layers?|rows?|"
    r"columns?|taps?|channels?|groups?|phases?|panels?|lines?|cells?|items?|rules?|pages?|equations?|eq\.|"
    r"stages?|blocks?|branch(?:es)?|defects?|seeds?|notebooks?|issues?|versions?|v|python|torch|pytorch|"
    r"numpy|nbformat|jupyterlab|reveal\.js|mathjax)\s+)"
    r"((?:\d+(?:\.\d+)*)(?:\s*(?:,|and|or|to|–|-|…)\s*\d+(?:\.\d+)*)*)",
    re.I,
)
YEAR = re.compile(r"(?<![\w.,])(?:19[5-9]\d|20[0-4]\d)(?![\w,])")
CHAPTER = re.compile(r"(?<![\w.])0\d(?![\w.])")

# --- general statements -------------------------------------------------------------------------
QUANTIFIER = re.compile(
    r"\b(?:always|never|every|everywhere|for (?:any|all|each)|whenever|regardless|no matter|in general|"
    r"only if|if and only if|any (?:k|s|d|p|n|g|i|stride|kernel|kernel size|size|rate|rates|input|dilation|"
    r"padding|layer|list|value|combination|choice|network|depth|shape|weights?))\b",
    re.I,
)
DIRECTIVE = re.compile(r"<!--\s*(given|claim)\s*:(.*?)-->", re.S | re.I)


class Finding(NamedTuple):
    """One audited statement: a number or a general sentence, and what evidences it."""

    notebook: str
    cell: int  # index in the notebook's cells
    kind: str  # "number" or "general"
    text: str  # the number as written, or the sentence
    status: str  # computed, parameter, given | claim | uncovered, untagged, bad-claim
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status in {"computed", "parameter", "given", "claim"}


def source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def tags(cell: dict) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


# --- prose --------------------------------------------------------------------------------------


def directives(text: str) -> tuple[set[str], set[str], list[str]]:
    """``(given numbers, claim names, problems)`` declared by the cell's HTML comments."""
    given: set[str] = set()
    claims: set[str] = set()
    problems: list[str] = []
    for kind, body in DIRECTIVE.findall(text):
        if kind.lower() == "claim":
            names = [n.strip() for n in body.split(",") if n.strip()]
            if not names:
                problems.append("empty <!-- claim: --> comment")
            claims.update(names)
        else:
            parts = re.split(r"\s(?:—|--)\s", body, maxsplit=1)
            values, reason = parts[0], parts[1].strip() if len(parts) > 1 else ""
            if not reason:
                problems.append(f"<!-- given: {body.strip()} --> needs a reason after ' — '")
            given.update(canonical(t) for t in NUMBER.findall(TIMES.sub(" × ", values)))
    return given, claims, problems


def prose(text: str) -> str:
    """The cell's own words: quotations, code, links, comments, markup and LaTeX indices removed."""
    text = DIRECTIVE.sub(" ", text)
    text = re.sub(r"<!--.*?-->", " ", text, flags=re.S)
    text = re.sub(r"```.*?```", " ", text, flags=re.S)
    text = re.sub(r"`[^`\n]*`", " ", text)
    text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(">"))
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", " ", text)
    text = re.sub(r"\]\([^)]*\)", "] ", text)
    text = re.sub(r"https?://\S+", " ", text)
    text = re.sub(r"\b(?:arXiv:?\s*)?\d{4}\.\d{4,5}(?:v\d+)?\b", " ", text)  # arXiv identifiers
    text = re.sub(r"<[^>\n]+>", " ", text)
    text = re.sub(r"\*?\"[^\"\n]*\"\*?|“[^”]*”|「[^」]*」|‘[^’\n]*’", " ", text)
    text = re.sub(r"^\s*#+\s*\d+(?:\.\d+)*\s*[·.:]?", " ", text, flags=re.M)  # numbered headings
    text = re.sub(r"^\s*\d+[.)]\s", " ", text, flags=re.M)  # ordered-list markers
    text = re.sub(r"[_^]\{[^{}]*\}|[_^][\w\\]+", " ", text)  # LaTeX indices: M_{i+1}, r_1, k^2
    text = re.sub(r"\\[A-Za-z]+", " ", text)  # LaTeX commands
    text = REFERENCE.sub(" ", text)
    text = YEAR.sub(" ", text)
    text = CHAPTER.sub(" ", text)
    text = re.sub(r"\b[A-Za-z]+\d+[\w]*", " ", text)  # identifiers with digits: conv2d, fp32, v1
    text = re.sub(r"\d+(?:\.\d+)?-(?:D|d)\b", " ", text)  # 1-D, 2-D
    return text


def canonical(token: str) -> str:
    """``'11,100' -> '11100'``, ``'−3' -> '-3'``, ``'70.6%' -> '70.6'``, ``'2.50' -> '2.5'``."""
    token = token.replace("−", "-").replace(",", "").rstrip("%")
    if "." in token:
        token = token.rstrip("0").rstrip(".") or "0"
    return token


def prose_numbers(text: str) -> Iterator[tuple[str, bool]]:
    """``(token as written, approximate?)`` for every number in the prose of ``text``."""
    body = TIMES.sub(" × ", prose(text))
    for m in NUMBER.finditer(body):
        token = m.group(0)
        approx = bool(APPROX.search(body[max(0, m.start() - 16) : m.start()])) or "." in token or token.endswith("%")
        yield token, approx


def sentences(text: str) -> Iterator[str]:
    body = prose(text)
    for part in re.split(r"(?<=[.!?;])\s+|\n+", body):
        part = " ".join(part.split())
        if part:
            yield part


# --- code ---------------------------------------------------------------------------------------

PRINTERS = {"print", "display", "Markdown", "HTML", "Latex", "write"}


def literals(code: str) -> tuple[Counter, set[str]]:
    """``(printed, chosen)``: number tokens typed by hand in printed text, and literal inputs.

    Printed: string constants inside ``print(...)``/``display(...)`` calls and the constant parts
    of f-strings (their numbers cannot evidence a claim). Chosen: numeric literals and other
    string constants (inputs the example chose).
    """
    code = "\n".join(line for line in code.splitlines() if not line.lstrip().startswith(("%", "!")))
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return Counter(), set()
    printed: Counter = Counter()
    chosen: set[str] = set()
    parents: dict[int, ast.AST] = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[id(child)] = node

    def inside_printer(node: ast.AST) -> bool:
        while id(node) in parents:
            node = parents[id(node)]
            if isinstance(node, ast.JoinedStr):
                return True
            if isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
                if name in PRINTERS:
                    return True
        return False

    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            value = node.value
            sign = "-" if isinstance(parents.get(id(node)), ast.UnaryOp) and isinstance(parents[id(node)].op, ast.USub) else ""
            chosen.add(canonical(sign + repr(value)))
            chosen.add(canonical(repr(value)))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            tokens = [canonical(t) for t in NUMBER.findall(TIMES.sub(" × ", node.value))]
            if inside_printer(node):
                printed.update(tokens)
            else:
                chosen.update(tokens)
    return printed, chosen


def output_text(cell: dict) -> str:
    parts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            parts.append(source({"source": out.get("text", "")}))
        data = out.get("data", {})
        for mime in ("text/plain", "text/markdown", "text/latex"):
            if mime in data:
                parts.append(source({"source": data[mime]}))
        if "text/html" in data and "text/plain" not in data:
            html = source({"source": data["text/html"]})
            parts.append(re.sub(r"<[^>]+>", " ", re.sub(r"<script.*?</script>|data:[\w/+.-]+;base64,[\w+/=]+", " ", html, flags=re.S)))
    return "\n".join(parts)


def computed_numbers(cell: dict) -> Counter:
    """Number tokens in the cell's text output, minus the ones the cell typed by hand."""
    printed, _ = literals(source(cell))
    shown = Counter(canonical(t) for t in NUMBER.findall(TIMES.sub(" × ", output_text(cell))))
    return shown - printed


# --- the audit ----------------------------------------------------------------------------------


def sections(cells: Sequence[dict]) -> list[int]:
    """Section number of every cell (a markdown cell with a ``#``/``##`` heading opens one)."""
    out, current = [], 0
    for cell in cells:
        if cell.get("cell_type") == "markdown" and re.search(r"^#{1,2}\s", source(cell), re.M):
            current += 1
        out.append(current)
    return out


def rounds_to(value: str, token: str) -> bool:
    """True when ``value`` rounded to ``token``'s precision is ``token``."""
    try:
        v, t = float(value), float(token)
    except ValueError:
        return False
    decimals = len(token.split(".")[1]) if "." in token else 0
    return abs(round(v, decimals) - t) < 1e-9 or (abs(t) >= 10 and decimals == 0 and round(v) == t)


def grid_checks(cells: Sequence[dict]) -> dict[str, int]:
    """Claim name -> number of cases its ``check_grid`` output reports (the largest, if several)."""
    found: dict[str, int] = {}
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        for name, cases in re.findall(r"✓ claim ([\w-]+): holds in all (\d+) cases", output_text(cell)):
            found[name] = max(found.get(name, 0), int(cases))
    return found


def audit(nb: dict, name: str = "notebook") -> list[Finding]:
    """Every audited statement of notebook ``nb`` with its evidence (or its lack)."""
    cells = nb.get("cells", [])
    section_of = sections(cells)
    computed: dict[int, Counter] = {}
    chosen: dict[int, set[str]] = {}
    for cell, sec in zip(cells, section_of):
        if cell.get("cell_type") == "code":
            computed.setdefault(sec, Counter()).update(computed_numbers(cell))
            chosen.setdefault(sec, set()).update(literals(source(cell))[1])
    checks = grid_checks(cells)
    everywhere = sum(computed.values(), Counter())
    wide = {sec for cell, sec in zip(cells, section_of)
            if cell.get("cell_type") == "markdown" and WIDE_SECTION.search(source(cell))}
    findings: list[Finding] = []
    for index, (cell, sec) in enumerate(zip(cells, section_of)):
        if cell.get("cell_type") != "markdown" or tags(cell) & SKIP_TAGS:
            continue
        text = source(cell)
        given, claims, problems = directives(text)
        for problem in problems:
            findings.append(Finding(name, index, "number", problem, "uncovered", "malformed directive"))
        evidence = everywhere if sec in wide else computed.get(sec, Counter())
        inputs = set().union(*chosen.values()) if sec in wide else chosen.get(sec, set())
        for token, approx in prose_numbers(text):
            key = canonical(token)
            if key in evidence:
                status = "computed"
            elif approx and any(rounds_to(v, key) for v in evidence):
                status = "computed"
            elif key in inputs:
                status = "parameter"
            elif key in given:
                status = "given"
            else:
                status = "uncovered"
            findings.append(Finding(name, index, "number", token, status))
        general = [s for s in sentences(text) if QUANTIFIER.search(s) and not s.rstrip().endswith("?")]
        for sentence in general:
            if not claims:
                findings.append(Finding(name, index, "general", sentence, "untagged", "add <!-- claim: name --> and check_grid"))
                continue
            weak = [c for c in claims if checks.get(c, 0) < MIN_CASES]
            if weak:
                detail = "; ".join(
                    f"{c}: no check_grid output" if c not in checks else f"{c}: only {checks[c]} cases" for c in weak
                )
                findings.append(Finding(name, index, "general", sentence, "bad-claim", detail))
            else:
                findings.append(Finding(name, index, "general", sentence, "claim", ", ".join(sorted(claims))))
    return findings


def notebooks(root: Path = ROOT) -> list[Path]:
    return sorted((root / "notebooks").glob(NOTEBOOK_GLOB))


def audit_path(path: Path) -> list[Finding]:
    return audit(json.loads(path.read_text(encoding="utf-8")), path.name)


def summary(findings: Iterable[Finding]) -> Counter:
    return Counter((f.kind, f.status) for f in findings)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", type=Path, help="notebooks (default: every course notebook)")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every unevidenced statement")
    parser.add_argument("--strict", action="store_true", help="exit 1 if any statement is unevidenced")
    args = parser.parse_args(argv)
    paths = args.paths or notebooks()
    bad_total = 0
    total = Counter()
    for path in paths:
        findings = audit_path(path)
        counts = summary(findings)
        total.update(counts)
        bad = [f for f in findings if not f.ok]
        bad_total += len(bad)
        numbers = sum(v for (k, _), v in counts.items() if k == "number")
        general = sum(v for (k, _), v in counts.items() if k == "general")
        print(f"{path.name}: {numbers} numbers ({counts['number', 'computed']} computed, "
              f"{counts['number', 'parameter']} parameters, {counts['number', 'given']} given, "
              f"{counts['number', 'uncovered']} unevidenced); {general} general statements "
              f"({counts['general', 'claim']} checked on a grid, {general - counts['general', 'claim']} not)")
        if args.verbose:
            for f in bad:
                print(f"   cell {f.cell:3d} {f.kind:7s} {f.status:9s} {f.text[:110]!r} {f.detail}")
    numbers = sum(v for (k, _), v in total.items() if k == "number")
    general = sum(v for (k, _), v in total.items() if k == "general")
    print(f"total: {numbers} numbers, {general} general statements audited; {bad_total} unevidenced")
    return 1 if args.strict and bad_total else 0


if __name__ == "__main__":
    sys.exit(main())
