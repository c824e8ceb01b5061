"""Reports ready to file: the order check in every format, blanks to fill in by hand,
the answer first, and no number ever split from its unit."""

from __future__ import annotations

import itertools
import json
import re
from datetime import UTC, datetime

import pytest
import strategies
from fhir.resources.R4B.bundle import Bundle
from hypothesis import given

import dosecalc
from dosecalc.clinical.check import check_against
from dosecalc.foundation.disclaimer import SHORT_DISCLAIMER
from dosecalc.foundation.display import json_number, magnitude, unit_ucum
from dosecalc.reports.contents import (
    BLANK,
    EQUAL_STEPS_TITLE,
    FILL_IN_LABELS,
    calc_sections,
    check_sections,
    entry_error_items,
    result_rows,
    warning_items,
)
from dosecalc.reports.fhir import ACT_CODE, DOSE_ALERTS
from dosecalc.reports.formats import FORMATS, render, render_check

MADE_AT = datetime(2026, 11, 24, 14, 5, tzinfo=UTC)
FILED = ["text", "markdown", "html"]
SCREENFUL = 20


def plain(report: str) -> str:
    """The report's words: tags and Markdown escapes dropped, entities decoded, every run
    of spaces (no-break ones too) one space."""
    import html

    text = html.unescape(re.sub(r"<[^>]+>", " ", report)).replace("**", "")
    return " ".join(re.sub(r"\\(.)", r"\1", text).split())


def check_of(order: dict[str, str]) -> dosecalc.CheckResult:
    return dosecalc.check(**order)


@given(order=strategies.checked_orders())
def test_every_format_of_a_check_holds_the_verdict_the_proposed_dose_and_any_entry_error(order):
    check = check_of(order)
    for name in FILED:
        text = plain(render_check(check, name, MADE_AT))
        for piece in (
            f"Verdict: {check.display['verdict']}",
            check.headline.text,  # the worst finding leads; the rest are said beside it
            *(f.text for f in check.findings[1:] if f.outcome in ("above", "below")),
            *(warning.message for warning in check.warnings),
            check.supervision,
            check.display["proposed"],
            check.display["in_rule_units"],
            check.display["range"],
            check.display["patient_range"],
            *entry_error_items(check),
        ):
            assert plain(piece) in text, (name, piece)
    dumped = json.loads(render_check(check, "json"))
    assert dumped == check.model_dump(mode="json")
    assert dumped["verdict"] == check.verdict
    assert (dumped["probable_entry_error"] is None) == (check.probable_entry_error is None)


@given(order=strategies.checked_orders())
def test_a_check_as_fhir_is_a_valid_bundle_of_the_proposed_request_and_any_issue(order):
    check = check_of(order)
    bundle = json.loads(render_check(check, "fhir"))
    Bundle.model_validate(bundle)
    assert json.loads(json.dumps(dosecalc.to_fhir(check))) == bundle  # the API gives the same
    request, *issues = [entry["resource"] for entry in bundle["entry"]]
    assert (request["status"], request["intent"]) == ("draft", "proposal")
    (dosage,) = request["dosageInstruction"]
    ordered = dosage["doseAndRate"][0]
    assert ordered["type"]["coding"][0]["code"] == "ordered"
    (quantity,) = [v for k, v in ordered.items() if k in ("rateQuantity", "doseQuantity")]
    assert quantity["value"] == json_number(magnitude(check.proposed))
    assert quantity["code"] == unit_ucum(check.proposed.units)
    assert check.display["verdict"] in request["note"][0]["text"]
    assert check.disclaimer in dosage["text"]
    assert check.supervision in dosage["text"]
    assert request["note"][-1]["text"] == f"Supervision: {check.supervision}"
    if check.headline.outcome == "within":
        assert issues == []
        return
    (issue,) = issues  # whatever the verdict, the worst finding raises one issue
    assert issue["implicated"] == [{"reference": bundle["entry"][0]["fullUrl"]}]
    assert issue["code"]["text"] == check.headline.text
    (coding,) = issue["code"]["coding"]
    assert coding["system"] == ACT_CODE
    if check.verdict != "within":
        assert (coding["code"], coding["display"]) in [
            alert for (verdict, _), alert in DOSE_ALERTS.items() if verdict == check.verdict
        ]
    assert issue["severity"] == ("high" if check.headline.severity == "stop" else "moderate")
    for message in entry_error_items(check):
        assert message in issue["detail"]


def test_a_check_within_the_range_raises_no_issue_and_one_above_a_weight_alert():
    within = json.loads(
        render_check(dosecalc.check(weight="70 kg", regimen="iv", dose="30 mg/hr"), "fhir")
    )
    assert [e["resource"]["resourceType"] for e in within["entry"]] == ["MedicationRequest"]
    above = json.loads(
        render_check(dosecalc.check(weight="70 kg", regimen="iv", dose="400 mg/hr"), "fhir")
    )
    issue = above["entry"][1]["resource"]
    assert issue["code"]["coding"][0]["code"] == "DOSEHINDW"
    below = json.loads(
        render_check(dosecalc.check(weight="70 kg", regimen="sl", dose="2 mg"), "fhir")
    )
    assert below["entry"][1]["resource"]["code"]["coding"][0]["code"] == "DOSEL"


@given(patient=strategies.patients(), order=strategies.checked_orders())
def test_every_filed_report_has_the_blanks_to_fill_in_by_hand(patient, order):
    reports = [render(dosecalc.calculate(**patient), name, MADE_AT) for name in FILED]
    reports += [render_check(check_of(order), name, MADE_AT) for name in FILED]
    for report in reports:
        text = plain(report)
        for label in FILL_IN_LABELS:
            assert re.search(rf"{label}:? {BLANK}", text), label


@pytest.mark.parametrize("command", ["calc", "check"])
def test_the_blanks_are_never_options_dosecalc_takes(run_cli, command):
    with pytest.raises(SystemExit):
        run_cli(command, "--help")
    for word in ("patient identifier", "prescriber", "checked by", "measured"):
        assert word not in run_cli.last_out().lower()


def lines_of(report: str) -> list[str]:
    return report.splitlines()


def first_line(lines: list[str], piece: str) -> int:
    return next(i for i, line in enumerate(lines) if piece in line)


@given(patient=strategies.patients())
def test_the_calc_answer_comes_in_the_first_screenful_before_the_detail(patient):
    result = dosecalc.calculate(**patient)
    lines = lines_of(render(result, "text"))
    answer = [first_line(lines, value) for _label, value in result_rows(result)[:1]]
    for label in ("Pump rate", "Volume per dose"):
        if any(row[0] == label for row in result_rows(result)):
            answer.append(first_line(lines, f"{label}:"))
    if result.warnings:
        answer.append(first_line(lines, "Warnings"))
    detail = [first_line(lines, "Watch for"), first_line(lines, "Basis (check by hand)")]
    if result.titration:
        detail.append(first_line(lines, EQUAL_STEPS_TITLE))
    if result.notes:
        detail.append(first_line(lines, "Notes"))
    assert max(answer) < SCREENFUL
    assert max(answer) < min(detail)
    assert first_line(lines, SHORT_DISCLAIMER.split(";")[0]) < min(answer)


@given(order=strategies.checked_orders())
def test_the_check_answer_comes_in_the_first_screenful_before_the_detail(order):
    check = check_of(order)
    lines = lines_of(render_check(check, "text"))
    verdict = first_line(lines, "Verdict: ")
    assert verdict == 0  # the worst finding is the very first line
    assert " ".join(check.display["verdict"].split()[:4]) in lines[0]
    answer = [verdict]
    for item in entry_error_items(check):  # its slips, or the whole flag if not the headline
        answer.append(first_line(lines, " ".join(item.split()[:3])))
    if check.warnings:
        answer.append(first_line(lines, "Warnings"))
    detail = [first_line(lines, "Watch for"), first_line(lines, "Basis (check by hand)")]
    assert max(answer) < SCREENFUL
    # Then the order restated beside each range, before any of the detail.
    assert max(answer) < first_line(lines, "Range in the source:") < min(detail)
    assert first_line(lines, SHORT_DISCLAIMER.split(";")[0]) < first_line(lines, "Proposed:")


@given(patient=strategies.patients(), order=strategies.checked_orders())
def test_markdown_and_html_put_the_answer_in_the_same_order_as_the_text(patient, order):
    result, check = dosecalc.calculate(**patient), check_of(order)
    for name in ("markdown", "html"):
        for report, sections in (
            (render(result, name, MADE_AT), calc_sections(result)),
            (render_check(check, name, MADE_AT), check_sections(check)),
        ):
            text = plain(report)
            starts = [text.index(f" {section.title} ") for section in sections]
            assert starts == sorted(starts)
            assert text.index(SHORT_DISCLAIMER) < starts[0]


@pytest.mark.parametrize("name", FILED)
def test_the_full_disclaimer_is_in_every_report(name):
    result = dosecalc.calculate(weight="70 kg", regimen="iv")
    check = dosecalc.check(weight="70 kg", regimen="iv", dose="400 mg/hr")
    for report in (render(result, name, MADE_AT), render_check(check, name, MADE_AT)):
        text = plain(report)
        assert result.disclaimer in text
        assert text.index(SHORT_DISCLAIMER) < text.index("mg/hr")


# A number then a word, but not "SHA-256" then a hash that starts with a letter.
NUMBER_THEN_WORD = re.compile(r"\d[ \t\r\n]+(?![0-9a-f]{64}\b)(?:to\b|[^\W\d_]|%)")


def body(report: str) -> str:
    """What a reader sees of a report: the HTML after its style, or the whole Markdown."""
    return report.split("</style>")[-1]


@given(patient=strategies.patients(), order=strategies.checked_orders())
def test_no_number_is_separated_from_its_unit_by_a_breakable_space(patient, order):
    result, check = dosecalc.calculate(**patient), check_of(order)
    for name in ("markdown", "html"):
        for report in (render(result, name, MADE_AT), render_check(check, name, MADE_AT)):
            found = NUMBER_THEN_WORD.search(body(report))
            assert found is None, (name, found)
    for report in (render(result, "text"), render_check(check, "text")):
        assert not split_by_wrapping(report)


def indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def split_by_wrapping(report: str) -> list[tuple[str, str]]:
    """Lines that end in a number whose unit (or "to") the wrapper put on the next,
    continuation, line (indented deeper, or 4 spaces or more)."""
    lines = report.splitlines()
    return [
        (line, after)
        for line, after in itertools.pairwise(lines)
        if (indent(after) >= 4 or indent(after) > indent(line))
        and re.search(r"\d$", line)
        and re.match(r"\s*(to\b|[^\W\d_])", after)
        and not re.match(r"\s*[0-9a-f]{64}\b", after)  # "SHA-256", then its hash
    ]


def test_the_breakable_space_tests_would_see_a_split_dose():
    assert split_by_wrapping("  Formula: 0.3 mg/kg/hr × 74.96\n    kg = 22.5 mg/hr\n")
    assert NUMBER_THEN_WORD.search("<dd>21 to 35 mg/hr</dd>")
    assert NUMBER_THEN_WORD.search("<dd>21\u00a0to\u00a035 mg/hr</dd>")
    assert not NUMBER_THEN_WORD.search("<dd>21\u00a0to\u00a035\u00a0mg/hr</dd>")


@pytest.mark.parametrize("name", list(FORMATS))
def test_a_calc_report_with_a_check_holds_both(name):
    result = dosecalc.calculate(weight="70 kg", regimen="iv", concentration="1 mg/mL")
    check = check_against(result, "400 mg/hr")
    report = render(result, name, MADE_AT, check=check)
    if name == "json":
        assert json.loads(report) == {
            "result": result.model_dump(mode="json"),
            "check": check.model_dump(mode="json"),
        }
        return
    if name == "fhir":
        Bundle.model_validate(json.loads(report))
        assert result.dose.display in report  # the patient's range, in the note
    text = plain(report)
    for piece in (check.display["verdict"], check.display["proposed"], *entry_error_items(check)):
        assert plain(piece) in text
    if name != "fhir":
        assert text.index(check.display["verdict"]) < text.index(EQUAL_STEPS_TITLE)
        for warning in warning_items(result.warnings):
            assert plain(warning) in text


@pytest.mark.parametrize("name", list(FORMATS))
def test_the_command_line_checks_an_order_in_every_format(run_cli, name):
    code, out, err = run_cli(
        "check", "--weight", "70 kg", "--regimen", "iv", "--dose", "400 mg/hr", "--format", name
    )
    assert (code, err) == (0, "")
    expected = render_check(dosecalc.check(weight="70 kg", regimen="iv", dose="400 mg/hr"), name)
    assert re.sub(r"Made [^<\n]*", "", out) == re.sub(r"Made [^<\n]*", "", expected)


def test_check_takes_format_or_json_but_not_both(run_cli):
    with pytest.raises(SystemExit):
        run_cli("check", "--weight", "70 kg", "--regimen", "iv", "--dose", "30 mg/hr",
                "--json", "--format", "html")  # fmt: skip
