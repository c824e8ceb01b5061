"""The plain-text wrapper never splits a dose or a range across lines."""

from __future__ import annotations

from fractions import Fraction

import pytest
import strategies
from hypothesis import given, settings
from hypothesis import strategies as st
from test_prepare import ismp_breaches

import dosecalc
from dosecalc.reports.contents import (
    EQUAL_STEPS_TITLE,
    NO_BREAK_SPACE,
    UNCOVERED_RESULT,
    bind_units,
    calc_sections,
    input_rows,
)
from dosecalc.reports.formats import render_check
from dosecalc.reports.text import wrap

SENTENCE = (
    "Per kg per minute: 5 to 8.33 mcg/kg/min; dose rate 21 to 35 mg/hr; pump rate "
    "10.5 to 17.5 mL/hr; volume 2.5 mL; weight 154.3 lb (69.99 kg)."
)
WHOLE = [
    "5 to 8.33 mcg/kg/min",
    "21 to 35 mg/hr",
    "10.5 to 17.5 mL/hr",
    "2.5 mL",
    "154.3 lb",
    "69.99 kg",
]


@pytest.mark.parametrize("width", range(20, 90, 3))
def test_doses_and_ranges_stay_whole_at_any_width(width):
    lines = wrap(SENTENCE, width).splitlines()
    joined = " ".join(line.strip() for line in lines)
    assert joined == SENTENCE
    for piece in WHOLE:
        assert any(piece in line for line in lines), (piece, lines)


def test_continuation_lines_are_indented_two_more_spaces():
    lines = wrap(SENTENCE, 30, indent="  ").splitlines()
    assert lines[0].startswith("  P")
    assert all(line.startswith("    ") for line in lines[1:])


@given(strategies.sha256_digests)
def test_a_hash_after_sha_256_is_never_bound_to_it_whatever_its_first_character(digest):
    assert bind_units(f"rules x@1, SHA-256 {digest}") == f"rules x@1, SHA-256 {digest}"
    assert bind_units("30 mg") == f"30{NO_BREAK_SPACE}mg"


@settings(max_examples=80, deadline=None)
@given(
    weight=st.sampled_from([Fraction(70), Fraction(1543, 10), Fraction(65)]).flatmap(
        lambda kg: strategies.careless_quantities(kg, "kg")
    ),
    concentration=st.none()
    | st.sampled_from([(Fraction(500), Fraction(10)), (Fraction(1, 2), None)]).flatmap(
        lambda c: strategies.careless_quantities(c[0], "mg", (c[1], "mL"))
    ),
    dose=st.sampled_from([Fraction(30), Fraction(1, 2), Fraction(400)]).flatmap(
        lambda mg: strategies.careless_quantities(mg, "mg", (None, "hr"))
    ),
)
def test_the_inputs_a_calculation_and_a_check_echo_are_written_by_the_display_rule(
    weight, concentration, dose
):
    """ "Inputs, as entered" (and JSON's basis.inputs) of calc and check: each figure as the
    display rule writes it, whatever was typed (70.0KG, .5 mg/mL, 30mg/HR, µg)."""
    checked = dosecalc.check(weight=weight, regimen="iv", concentration=concentration, dose=dose)
    result = dosecalc.calculate(weight=weight, regimen="iv", concentration=concentration)
    for basis in (result.basis, checked.basis):
        shown = "\n".join(f"{name}: {value}" for name, value in input_rows(basis))
        assert not ismp_breaches(shown), shown
        assert not ismp_breaches(" ".join(filter(None, basis.inputs.values())))
    assert not ismp_breaches(render_check(checked, "text").split("Inputs, as entered")[1])


def _row_lines(rendered: list[str], label: str, after: int) -> tuple[list[str], int]:
    """The lines of the next row ``label`` from line ``after`` (its first, and each
    continuation), and the line after them."""
    start = next(i for i in range(after, len(rendered)) if rendered[i].startswith(f"  {label}:"))
    end = start + 1
    while end < len(rendered) and rendered[end].startswith("    "):
        end += 1
    return rendered[start:end], end


@given(patient=strategies.patients())
def test_a_text_sections_values_share_one_column_and_the_working_flows_after_its_label(patient):
    """In a section of values each starts at the section's column and wraps within it,
    unless that takes more lines than flowing on after its label; the basis's rows are
    sentences of working, each flowing on after its label (never padded to a column).
    Either way every word of the value is there, in order."""
    from dosecalc.reports import text

    result = dosecalc.calculate(**patient)
    for section in calc_sections(result):
        rendered = text._section(section).splitlines()
        column = max([text._LABEL, *(len(label) + 2 for label, _ in section.rows)])
        after = 1
        for label, value in section.rows:
            lines, after = _row_lines(rendered, label, after)
            said = " ".join(line.strip() for line in lines).removeprefix(f"{label}:").split()
            assert said == value.split(), (lines, value)
            head = f"  {label + ':':<{column - 1}} "
            in_column = lines[0].startswith(head) and all(
                line.startswith(" " * len(head)) for line in lines[1:]
            )
            if section.flowing or not in_column:
                assert lines[0].startswith(f"  {label}: {value.split()[0]}"), lines
                assert all(line.startswith("    ") for line in lines[1:])
            if not section.flowing and not in_column:  # flowing is shorter here
                narrow = text.wrap(value, text._WIDTH - len(head))
                assert narrow.count("\n") + 1 > len(lines), (lines, value)
            if section.flowing:
                assert lines[0][len(label) + 4] != " ", lines  # never padded


@given(strategies.checked_orders(), st.sampled_from([None, "4 hr", "30 min"]))
def test_a_report_of_a_calculation_with_an_order_checked_lists_the_order_among_its_inputs(
    order, every
):
    """The web page's record of what was entered (a calculation with the order checked
    beside it) left out the dose and the interval, which the check's own report lists."""
    every = every if order["regimen"] == "sl" else None
    try:
        checked = dosecalc.check(**order, every=every)
    except dosecalc.InputError:
        return
    arguments = {key: value for key, value in order.items() if key != "dose"}
    sections = calc_sections(dosecalc.calculate(**arguments), checked)
    (inputs,) = [section for section in sections if section.title == "Inputs, as entered"]
    assert inputs.rows == input_rows(checked.basis)
    assert ("dose", checked.basis.inputs["dose"]) in inputs.rows
    assert (every is not None) == any(name == "every" for name, _ in inputs.rows)


@given(strategies.weights_kg)
def test_the_range_in_equal_steps_is_qualified_exactly_as_the_result_is(kg):
    """For a patient the source does not cover, the table's figures are no more theirs than
    the result's: its title says so, as the result's heading does."""
    result = dosecalc.calculate(weight=strategies.text(kg, "kg"), regimen="iv")
    (table,) = [s for s in calc_sections(result) if s.title.startswith(EQUAL_STEPS_TITLE)]
    (heading,) = [s.title for s in calc_sections(result) if s.title.startswith("Result")]
    assert (UNCOVERED_RESULT in table.title) == (not result.patient_covered)
    assert (UNCOVERED_RESULT in heading) == (not result.patient_covered)


@settings(max_examples=30, deadline=None)
@given(order=strategies.checked_orders())
def test_a_calculation_shown_with_its_order_check_carries_the_working_of_every_figure(order):
    """The web page and the app's report (a calculation with its order check) show each
    restatement of the order ("As a pump rate 50 mL/hr"): each one's working is in the basis,
    as `check`'s own report has it, and nothing of the check's basis is left out."""
    from dosecalc.foundation.working import line_text
    from dosecalc.reports.formats import render

    patient = {key: value for key, value in order.items() if key != "dose"}
    try:
        result = dosecalc.calculate(**patient)
        check = dosecalc.check(**order)
    except dosecalc.DoseCalcError:
        return
    for name in ("text", "markdown", "html"):
        shown = " ".join(render(result, name, check=check).replace("\u00a0", " ").split())
        for line in [check.basis.formula, *check.basis.steps]:
            words = " ".join(line_text(line).split())
            if name == "html":
                words = words.replace("&", "&amp;").replace("'", "&#x27;")
            assert words in shown, (name, words)
