"""The claim audit (tools/audit.py) and the grid checks it relies on (convlib.verify).

The audit itself is tested on hand-made notebooks here: each rule must flag what it exists
to flag, so that a clean audit of the course means something.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from convlib.verify import GridCheck, check_grid

ROOT = Path(__file__).resolve().parent.parent


def _load_audit():
    spec = importlib.util.spec_from_file_location("convlib_tools_audit", ROOT / "tools" / "audit.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


audit = _load_audit()


def md(text: str, **meta) -> dict:
    return {"cell_type": "markdown", "source": text, "metadata": meta}


def code(src: str, *texts: str) -> dict:
    outputs = [{"output_type": "stream", "name": "stdout", "text": t} for t in texts]
    return {"cell_type": "code", "source": src, "metadata": {}, "outputs": outputs, "execution_count": 1}


def statuses(*cells: dict, kind: str = "number") -> dict[str, str]:
    return {f.text: f.status for f in audit.audit({"cells": list(cells)}) if f.kind == kind}


# --- convlib.verify.check_grid -------------------------------------------------------------------


def test_check_grid_counts_every_case_and_prints_the_ranges() -> None:
    result = check_grid("sizes", lambda i, k: (i - k) // 1 + 1 == i - k + 1, i=range(5, 9), k=(1, 3, 5))
    assert isinstance(result, GridCheck)
    assert result.cases == 12
    assert result.axes == {"i": (5, 8, 4), "k": (1, 5, 3)}
    assert repr(result) == "✓ claim sizes: holds in all 12 cases (i ∈ 5…8 (4 values), k ∈ 1…5 (3 values))"


def test_check_grid_raises_on_the_first_counterexample() -> None:
    with pytest.raises(AssertionError, match=r"claim odd fails for k=2 \(case 2 of 4\)"):
        check_grid("odd", lambda k: k % 2 == 1, k=[1, 2, 3, 4])


def test_check_grid_where_leaves_cases_out_and_does_not_count_them() -> None:
    result = check_grid("positive", lambda a, b: a - b > 0, where=lambda a, b: a > b, a=range(4), b=range(4))
    assert result.cases == 6
    with pytest.raises(ValueError, match="no case is left"):
        check_grid("none", lambda a: True, where=lambda a: False, a=range(3))


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        (("bad name", lambda k: True), {"k": [1]}, ValueError, "name='bad name'"),
        (("3rd", lambda k: True), {"k": [1]}, ValueError, "starting with a letter"),
        (("ok", 3), {"k": [1]}, TypeError, "must be callable"),
        (("ok", lambda: True), {}, ValueError, "at least one axis"),
        (("ok", lambda k: True), {"k": []}, ValueError, r"axes \['k'\] have no values"),
    ],
)
def test_check_grid_rejects_bad_arguments(args, kwargs, error, match) -> None:
    with pytest.raises(error, match=match):
        check_grid(*args, **kwargs)


# --- numbers -------------------------------------------------------------------------------------


def test_a_number_printed_by_the_section_is_computed() -> None:
    found = statuses(md("## S\nThe output is 45."), code("print(x.sum())", "45.0\n"))
    assert found == {"45": "computed"}


def test_a_number_nobody_computes_is_flagged() -> None:
    assert statuses(md("## S\nThe output is 46."), code("print(x.sum())", "45.0\n")) == {"46": "uncovered"}


def test_text_typed_by_hand_is_not_evidence() -> None:
    """A check that prints a constant it typed proves nothing."""
    cells = (md("## S\nThe total is 53952."), code('print("total: 53952")', "total: 53952\n"))
    assert statuses(*cells) == {"53952": "uncovered"}
    fstring = (md("## S\nThe total is 53952."), code('print(f"{a} + {b} = 53952")', "1 + 2 = 53952\n"))
    assert statuses(*fstring) == {"53952": "uncovered"}
    computed = (md("## S\nThe total is 53952."), code('print(f"total: {a + b}")', "total: 53952\n"))
    assert statuses(*computed) == {"53952": "computed"}


def test_evidence_must_come_from_the_same_section() -> None:
    cells = (code("print(x)", "7\n"), md("## Other section\nIt is 7."), code("print(y)", "8\n"))
    assert statuses(*cells) == {"7": "uncovered"}


def test_summary_sections_may_use_the_whole_notebook() -> None:
    cells = (md("## A"), code("print(x)", "7\n"), md("## Summary\n- it is 7"))
    assert statuses(*cells) == {"7": "computed"}


def test_literal_inputs_are_parameters() -> None:
    cells = (md("## S\nA 224×224 input, stride 2:"), code("conv_output_size(224, 3, stride=2)", "112\n"))
    assert statuses(*cells) == {"224": "parameter", "2": "parameter"}


def test_given_numbers_need_a_reason() -> None:
    good = statuses(md("## S\nPublished in 1998 with 12 layers.<!-- given: 12 — the paper's depth -->"))
    assert good == {"12": "given"}  # 1998 is a year: not audited
    bad = audit.audit({"cells": [md("## S\nIt has 12 layers.<!-- given: 12 -->")]})
    assert [f.status for f in bad] == ["uncovered", "given"] and "needs a reason" in bad[0].text


def test_approximate_numbers_may_round() -> None:
    cells = (md("## S\nThe ratio is about 2.3, i.e. 71%."), code("print(r, p)", "2.2871 70.6\n"))
    assert statuses(*cells) == {"2.3": "computed", "71%": "computed"}
    exact = (md("## S\nThe count is 71."), code("print(p)", "70.6\n"))
    assert statuses(*exact) == {"71": "uncovered"}


def test_quotations_code_references_and_indices_are_not_audited() -> None:
    text = (
        "## 3 · Section\n"
        "> the source says 8\n\n"
        'It writes *"感受野为8"*; see chapter 04, §5.2, layer 2, exercise 3 and `conv2d(x, w, 5)`;'
        " Yu & Koltun (2016); arXiv 1610.02357; $M_2 = M_{i+1}$ in 2-D."
    )
    assert statuses(md(text)) == {}


def test_thousands_separators_and_multiplication_signs() -> None:
    cells = (md("## S\n11,100 lists; a 5×5 window."), code("print(n, k)", "11100 5x5\n"))
    assert statuses(*cells) == {"11,100": "computed", "5": "computed"}


def test_generated_and_chrome_cells_are_skipped() -> None:
    assert statuses(md("## S\n99 of them", tags=["corrections-table"]), md("42", tags=["chrome-header"])) == {}


# --- general statements ---------------------------------------------------------------------------


def test_a_general_statement_needs_a_claim_tag() -> None:
    found = statuses(md("## S\nFor every k the size shrinks."), kind="general")
    assert list(found.values()) == ["untagged"]


def test_a_claim_tag_needs_a_grid_check_with_enough_cases() -> None:
    claim = md("## S\nFor every k the size shrinks. <!-- claim: shrinks -->")
    missing = statuses(claim, kind="general")
    assert list(missing.values()) == ["bad-claim"]
    small = statuses(claim, code('check_grid("shrinks", f, k=range(3))', "✓ claim shrinks: holds in all 3 cases (k ∈ 0…2)\n"),
                     kind="general")
    assert list(small.values()) == ["bad-claim"]
    enough = repr(check_grid("shrinks", lambda k: k - 1 < k, k=range(1, 21)))
    assert list(statuses(claim, code('check_grid("shrinks", f, k=range(1, 21))', enough + "\n"),
                         kind="general").values()) == ["claim"]


def test_questions_are_not_claims() -> None:
    assert statuses(md("## Exercises\nIs it true for every k?"), kind="general") == {}


def test_the_course_notebooks_can_be_audited() -> None:
    """The audit runs on every committed notebook and finds statements to check in each."""
    paths = audit.notebooks()
    assert paths
    for path in paths:
        assert any(f.kind == "number" for f in audit.audit_path(path)), path.name
