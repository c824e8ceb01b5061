"""What a report holds, in order, with every label: one list that every face reads.

The plain-text, Markdown and HTML reports (and the app's panels) differ in
layout only; the rows, labels, sections and their order are chosen here, once.
The answer comes first (dose, pump rate or volume, warnings; for a check the
verdict and any probable entry error), then the lines to fill in by hand, then
the detail: patient, inputs, titration, side effects, notes and the basis.
Every number is already a display string in the result (rounded once, in
`dosecalc.foundation.display`).

For a face that lays rows out itself (the app): `result_rows` and
`order_check_rows` give ``(label, value)`` pairs, `warning_items` and
`entry_error_items` the alerts, `calc_sections` and `check_sections` the whole
report in order.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from dosecalc.clinical.check import ratio_text
from dosecalc.clinical.limits import reviewed
from dosecalc.clinical.prepare import Preparation, PrepareBasis, PrepareResult, Refusal
from dosecalc.clinical.result import Basis, CheckResult, DoseResult, QuantityRange, Severity
from dosecalc.foundation.display import ROUNDING_RULE, format_exact, magnitude
from dosecalc.foundation.text import counted
from dosecalc.foundation.unit_registry import (
    convert,
)
from dosecalc.foundation.working import line_text
from dosecalc.patient.body import WEIGHT_NOT_GIVEN, DoseWarning, source_covers
from dosecalc.ruleset.kinds import KINDS
from dosecalc.ruleset.schema import Regimen

Row = tuple[str, str]


BLANK: Final = "_" * 24
"""A rule to write on: dosecalc stores no patient data, so these are filled in by hand."""

FILL_IN_LABELS: Final = (
    "Patient identifier",
    "Prescriber",
    "Checked by",
    "Date the weight was measured",
)

NO_BREAK_SPACE: Final = "\u00a0"
_NUMBER_THEN_UNIT: Final = re.compile(r"(\d) (?=[^\W\d_]|%)(?![0-9a-f]{64}\b)")
"""A number and the unit after it; never "SHA-256" and a hash that happens to start with a
letter, which together would make one unbreakable word wider than a phone."""
_RANGE_TO: Final = re.compile(r"(\d) to (?=\d)")


@dataclass(frozen=True)
class Table:
    """A table of display strings: a header row, then one row per entry."""

    header: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class Section:
    """One titled part of a report: a headline, rows, alert or plain items, a table."""

    title: str
    rows: list[Row] = field(default_factory=list)
    items: list[str] = field(default_factory=list)
    table: Table | None = None
    headline: str | None = None
    """Shown before the rows, in bold (the verdict)."""
    severity: Severity | None = None
    """How serious the headline is, for a face that marks it beyond its words."""
    alert: bool = False
    """Its items are warnings, shown as such."""
    half: bool = False
    """May be printed beside a neighbour, so that the report fits one page."""
    flowing: bool = False
    """Its rows are sentences of working: each flows on after its label, never in a
    column of values."""


def bind_units(text: str) -> str:
    """``text`` with a no-break space between each number and its unit, and around the
    "to" of a range, so that no layout can split "30.8 mg/hr" or "21 to 35 mg/hr"."""
    bound = _RANGE_TO.sub(rf"\1{NO_BREAK_SPACE}to{NO_BREAK_SPACE}", text)
    return _NUMBER_THEN_UNIT.sub(rf"\1{NO_BREAK_SPACE}", bound)


def dose_label(result: DoseResult) -> str:
    """ "Dose rate" for a rate, "Dose per administration" for any other range."""
    return "Dose rate" if KINDS[result.kind].is_rate else "Dose per administration"


def headline_rows(result: DoseResult) -> list[Row]:
    """What a clinician acts on, before anything else: the dose for this patient and,
    with a concentration, the pump rate or the volume."""
    shown: list[tuple[str, QuantityRange | None]] = [
        (dose_label(result), result.dose),
        ("Pump rate", result.pump_rate),
        ("Volume per dose", result.volume),
    ]
    return [(label, value.display) for label, value in shown if value is not None]


def result_rows(result: DoseResult) -> list[Row]:
    """The answer: the dose for this patient (pump rate or volume with a concentration),
    the source's range and the dosing weight it rests on."""
    ranges: list[tuple[str, QuantityRange | None]] = [
        (dose_label(result), result.dose),
        ("If run for 24 hours", result.dose_per_24h),  # the source gives no duration
        ("Per kg per minute", result.dose_per_kg_per_min),
        ("Pump rate", result.pump_rate),
        ("Volume per dose", result.volume),
        ("Range in the source", result.rule_range),
    ]
    rows = [(label, value.display) for label, value in ranges if value is not None]
    if result.hard_limits is not None:
        rows.append(("Hard limits (library)", result.hard_limits.display))
    if result.max_per_24h is not None:
        rows.append(("Maximum per 24 hours (library)", format_exact(result.max_per_24h)))
    if result.dosing_weight is not None:
        rows.append(("Dosing weight", result.dosing_weight.display))
    return rows


def patient_rows(result: DoseResult) -> list[Row]:
    """The patient as entered and as derived (the dosing weight is in `result_rows`)."""
    if result.patient is None:
        return [
            (
                "Weight",
                "not given: this regimen's range does not use it, but the patient was not assessed",
            )
        ]
    shown = result.patient.display
    rows = [("Weight", shown["weight"])]
    if "height" in shown:
        rows.append(("Height", shown["height"]))
    if result.patient.sex is not None:
        rows.append(("Sex", result.patient.sex))
    for key, label in (
        ("ideal_body_weight", "Ideal body weight"),
        ("adjusted_body_weight", "Adjusted body weight"),
        ("bmi", "BMI"),
    ):
        if key in shown:
            rows.append((label, shown[key]))
    return rows


def verdict_line(check: CheckResult) -> str:
    """``Verdict: ABOVE THE HARD LIMIT of …: do not give as ordered; …``: the worst finding."""
    return f"Verdict: {check.display['verdict']}"


def rules_advice(basis: Basis | PrepareBasis) -> str | None:
    """Beside a verdict or a figure from rules no ward has reviewed (the shipped ones
    restate a general-audience article): which library a ward should check against
    instead. None for a reviewed rule, and for a preparation without a range."""
    if basis.reviewed is not None or basis.range_from is None:
        return None
    return (
        f"No ward has reviewed this range (it restates {basis.range_from}): check orders "
        "against your ward's own reviewed library (--rules DIR)."
    )


_SAID_IN_FULL: Final = frozenset(
    {
        "probable-entry-error",
        "implausible-concentration",
        "above-max-per-24h",
        "patient-not-covered",
        "per-kg-weight-unclear",
        "max-per-24h-not-checked",
    }
)
"""Findings a report says in full elsewhere when they are not the headline: the entry error
beside the verdict, the others as the warnings they come from (``implausible-*``,
``order-above-max-per-24h``, the weight's, ``order-per-kg-weight-unclear``,
``max-per-24h-not-compared``)."""


APP_BANNER: Final = "Educational use only · verify every figure"
UNREVIEWED_TAG: Final = "rules unreviewed (--rules DIR)"
"""The app's banner, and what it adds for rules no ward has reviewed (`rules_advice`)."""


def banner_lines(rule: Regimen) -> list[str]:
    """What the app keeps in sight above every figure, whatever scrolls: the short
    disclaimer (with `UNREVIEWED_TAG` for rules no ward has reviewed), then the rule's
    supervision statement."""
    first = APP_BANNER if reviewed(rule) else f"{APP_BANNER} · {UNREVIEWED_TAG}"
    return [first, rule.supervision]


def finding_items(check: CheckResult) -> list[str]:
    """What a check found beyond its headline and not said in full elsewhere, most serious
    first, then the probable entry error: said beside the verdict, with `rules_advice`
    (which the app keeps in its banner instead)."""
    return [
        *(
            f"Also: {finding.text}."
            for finding in check.findings[1:]
            if finding.outcome not in _SAID_IN_FULL
        ),
        *entry_error_items(check),
    ]


def for_this_patient(warnings: Sequence[DoseWarning]) -> str:
    """Whose a range worked for the patient is (of a result with these ``warnings``): theirs;
    for a patient the source does not cover, only the source's range at that weight; with
    no weight given, no patient's."""
    if source_covers(warnings):
        return "for this patient"
    if _no_weight(warnings):
        return "with no weight given (not checked for this patient)"
    return "at this weight (not checked for this patient)"


def uncovered_result(warnings: Sequence[DoseWarning]) -> str:
    """Said after "Result" when the source does not cover the patient: figures, not their
    dose; nothing when it does."""
    if source_covers(warnings):
        return ""
    return UNCOVERED_NO_WEIGHT if _no_weight(warnings) else UNCOVERED_RESULT


def _no_weight(warnings: Sequence[DoseWarning]) -> bool:
    return any(warning.code == WEIGHT_NOT_GIVEN for warning in warnings)


UNCOVERED_RESULT: Final = ": at this weight, not checked for this patient"
UNCOVERED_NO_WEIGHT: Final = ": no weight given, not checked for this patient"


def order_check_rows(check: CheckResult, *, patient_ranges: bool = True) -> list[Row]:
    """The proposed dose, restated in the rule's unit and as a dose rate, pump rate or
    volume, beside the source's range and this patient's range (the verdict is
    `verdict_line`); without ``patient_ranges``, no range worked for the patient (a
    record for a patient the source does not cover)."""
    shown = check.display
    rows = [
        ("Proposed", shown["proposed"]),
        ("In the rule's unit", shown["in_rule_units"]),
        ("Range in the source", shown["range"]),
    ]
    for key, label in (
        ("dose_rate", "As a dose rate"),
        ("dose_amount", "As a dose"),
        ("pump_rate", "As a pump rate"),
        ("volume", "As a volume"),
    ):
        if key in shown and not patient_ranges:
            rows.append((label, shown[key]))
        elif key in shown:  # each beside the range it is compared with
            whose = for_this_patient(check.warnings)
            rows.append((label, f"{shown[key]}; {whose} {shown[f'{key}_range']}"))
    if "hard_limits" in shown:
        rows.append(("Hard limits (library)", shown["hard_limits"]))
    if "max_per_24h" in shown:
        rows.append(("Maximum per 24 hours (library)", shown["max_per_24h"]))
    rows.append((f"Proposed / {_nearest_bound(check)} bound", ratio_text(check.ratio_to_bound)))
    return rows


def _nearest_bound(check: CheckResult) -> str:
    """Which bound of the source's range (shown beside it) the proposed dose is divided by,
    nearest by ratio: "lower" or "upper", so that the figure checks by hand."""
    unit = check.range.low.units
    bound = magnitude(convert(check.in_rule_units, unit)) / check.ratio_to_bound
    return "lower" if bound == magnitude(check.range.low) else "upper"


def entry_error_items(check: CheckResult) -> list[str]:
    """The probable entry error, with the slips that would explain it; empty if none. When
    it is the headline, which already says why, only the slips follow it."""
    flag = check.probable_entry_error
    if flag is None:
        return []
    if check.headline.outcome == "probable-entry-error":
        return [f"Possibly {slip.display}." for slip in flag.slips]
    return [flag.message]


def warning_items(warnings: Sequence[DoseWarning]) -> list[str]:
    """Each warning with its code: ``The weight ... [high-weight]``."""
    return [f"{warning.message} [{warning.code}]" for warning in warnings]


def order_warnings(check: CheckResult, shown: Sequence[DoseWarning]) -> list[DoseWarning]:
    """The warnings of the order itself: those of ``check`` not among the result's
    (``shown``), such as a maximum per 24 hours that the dose passes."""
    return [warning for warning in check.warnings if warning not in shown]


def fill_in_rows() -> list[Row]:
    """The blanks a filed report needs and dosecalc never holds."""
    return [(label, BLANK) for label in FILL_IN_LABELS]


EQUAL_STEPS_TITLE: Final = "The range in equal steps (not a titration protocol)"
"""The title of `titration_table`: the source gives a range, never steps to titrate by."""


def titration_table(result: DoseResult) -> Table | None:
    """The titration steps across the rule's range, or None for a fixed dose."""
    if not result.titration:
        return None
    columns = {"rate_per_kg": "rate per kg", "dose_rate": "dose rate"}
    if result.pump_rate is not None:
        columns["pump_rate"] = "pump rate"
    return Table(
        header=list(columns.values()),
        rows=[[step.display[key] for key in columns] for step in result.titration],
    )


def input_rows(basis: Basis) -> list[Row]:
    """The inputs exactly as entered (those left blank are left out)."""
    return [(name, value) for name, value in basis.inputs.items() if value]


def watch_for_rows(side_effects: Sequence[str], supervision: str) -> list[Row]:
    """The side effects the source names, and its supervision statement."""
    return [
        ("Side effects in the source", ", ".join(side_effects)),
        ("Supervision", supervision),
    ]


def basis_rows(basis: Basis) -> list[Row]:
    """Enough to check the result by hand, in the order it was worked: how the dosing weight
    was reached, the formula with the patient's numbers, each step after it, the rule and
    its source, the source's words, the rules' identity."""
    return [
        *(("First", line_text(step)) for step in basis.weight_steps),
        ("Formula", line_text(basis.formula)),
        *(("Then", line_text(step)) for step in basis.steps),
        ("Rule", f"{basis.rule}, from {basis.source}"),
        ("Source says", f'"{basis.source_quote}"'),
        *(("Library limit", line) for line in basis.limits),
        *([("Review", basis.reviewed)] if basis.reviewed else []),
        ("Rules", f"{basis.rules_version}, SHA-256 {basis.rules_sha256}"),
        ("Rounding", ROUNDING_RULE),
    ]


def order_check_sections(
    check: CheckResult, *, half: bool = False, warnings: Sequence[DoseWarning] | None = None
) -> list[Section]:
    """The answer of a check: the verdict and any probable entry error, then ``warnings``
    (so that all of it comes first), then the dose restated beside each range."""
    return [
        Section(
            "Order check",
            items=[*finding_items(check), *filter(None, [rules_advice(check.basis)])],
            headline=verdict_line(check),
            severity=check.headline.severity,
            alert=True,
            half=half,
        ),
        *_warnings(warnings or []),
        Section("The order, restated", order_check_rows(check), half=half),
    ]


def _warnings(warnings: Sequence[DoseWarning], *, half: bool = False) -> list[Section]:
    if not warnings:
        return []
    return [Section("Warnings", items=warning_items(warnings), alert=True, half=half)]


def _sign_off(disclaimer: str) -> list[Section]:
    return [
        Section("Disclaimer", items=[disclaimer], half=True),
        Section("To fill in by hand", fill_in_rows(), half=True),
    ]


def _watch_for(side_effects: Sequence[str], supervision: str) -> Section:
    """The side effects the source names and its supervision statement."""
    return Section("Watch for", watch_for_rows(side_effects, supervision), half=True)


def _notes(notes: Sequence[str]) -> list[Section]:
    return [Section("Notes", items=list(notes))] if notes else []


def _whose_range(basis: Basis | PrepareBasis) -> list[Section]:
    """Beside the first figure worked from rules no ward has reviewed: `rules_advice`."""
    advice = rules_advice(basis)
    return [Section("Whose range this is", items=[advice], alert=True)] if advice else []


WARNING_WORDS: Final = ("warning", "warnings")


def warning_count(warnings: Sequence[object]) -> str:
    """``2 warnings``, ``1 warning``: how many warnings go with an answer, on every face."""
    return counted(len(warnings), WARNING_WORDS)


def calc_sections(result: DoseResult, check: CheckResult | None = None) -> list[Section]:
    """A calculation's report, answer first; with ``check``, the order check leads."""
    beside = check is not None  # the check and the range it was checked against, side by side
    sections = (
        order_check_sections(check, half=True) if check is not None else _before_figures(result)
    )
    # A check's warnings hold the result's and its own (the order's, the weight not given).
    warnings = check.warnings if check is not None else result.warnings
    marker = f" ({warning_count(warnings)} below)" if warnings else ""
    whose = uncovered_result(result.warnings)
    sections += [
        Section(f"Result{whose}{marker}", result_rows(result), half=beside),
        *_warnings(warnings, half=beside),
        *([] if beside else _whose_range(result.basis)),  # a check says it beside its verdict
        _watch_for(result.side_effects, result.supervision),  # with every figure, near it
    ]
    sections += _sign_off(result.disclaimer)
    sections += [
        Section("Patient", patient_rows(result), half=True),
        # With an order check, its inputs: the calculation's and the order (dose, every).
        Section("Inputs, as entered", input_rows((check or result).basis), half=True),
    ]
    table = titration_table(result)
    if table is not None:
        which_kg = f", {result.rule_range.qualifier}" if result.rule_range.qualifier else ""
        # Qualified as the result is: for a patient not covered, figures, not their dose.
        title = f"{EQUAL_STEPS_TITLE}{uncovered_result(result.warnings)}{which_kg}"
        sections.append(Section(title, table=table, half=True))
    sections += _notes(result.notes)
    # With an order checked, the check's basis: its restatement, the working of each figure
    # restated beside a range, then the calculation's own working (as `check` shows it).
    sections.append(
        Section("Basis (check by hand)", basis_rows((check or result).basis), flowing=True)
    )
    return sections


BEFORE_FIGURES_TITLE: Final = "Before any figure"


def _before_figures(result: DoseResult) -> list[Section]:
    """What to settle before any figure of a calculation is used: its headline (the other
    findings are each said in full among the warnings, just below)."""
    if result.headline is None:
        return []
    return [
        Section(
            BEFORE_FIGURES_TITLE,
            headline=result.headline.text,
            severity=result.headline.severity,
            alert=True,
        )
    ]


def check_sections(check: CheckResult) -> list[Section]:
    """An order check's report, answer first: verdict, entry error, warnings."""
    return [
        *order_check_sections(check, warnings=check.warnings),
        _watch_for(check.side_effects, check.supervision),  # with every figure, near it
        *_sign_off(check.disclaimer),
        Section("Inputs, as entered", input_rows(check.basis), half=True),
        *_notes(check.notes),
        Section("Basis (check by hand)", basis_rows(check.basis), flowing=True),
    ]


PREPARATION_LABELS: Final = (
    ("dose_rate", "Dose rate"),
    ("duration", "Runs for"),
    ("amount", "Drug amount"),
    ("stock_volume", "Stock volume to draw"),
    ("diluent_volume", "Diluent volume to add"),
    ("final_concentration", "Final concentration"),
    ("pump_rate", "Pump rate"),
)
"""A preparation's rows, in the order they are made up."""

WITHHELD_TITLE: Final = "Recipe withheld"
WITHHELD: Final = (
    "No recipe is shown for an order that is refused (a library limit breached, or a "
    "probable entry error): not the amount, "
    "the volumes, the concentration nor the pump rate. Have the order reviewed."
)
NOT_AS_ORDERED: Final = "NOT TO BE MADE UP AS ORDERED (shown on request)"
"""The title of every preparation of a refused order whose recipe was asked for anyway."""
WITHHELD_FOR_THIS_PATIENT: Final = (
    "No recipe is shown for a patient the source does not cover: its range is no dose "
    "for them. The specialist decides the dose; make up the order once it is written."
)
NOT_FOR_THIS_PATIENT: Final = "NOT A DOSE FOR THIS PATIENT"
"""The title of every preparation of a range refused for its patient, asked for anyway."""
ON_REQUEST: Final = (
    "The arithmetic is shown only when asked for explicitly (dosecalc prepare "
    "--show-recipe-anyway; prepare(show_recipe_anyway=True)), marked {mark}."
)
"""How a withheld recipe is asked for, where it can be (a report; never the app)."""


def withheld(refusal: Refusal, *, on_request: bool = True) -> str:
    """Why no recipe is shown: for a refused order, or for a patient the source does not
    cover; with how to ask for it anyway (``on_request``), where that can be done."""
    why = WITHHELD if refusal.for_order else WITHHELD_FOR_THIS_PATIENT
    if not on_request:
        return why
    mark = "not to be made up as ordered" if refusal.for_order else "not a dose for this patient"
    return f"{why} {ON_REQUEST.format(mark=mark)}"


def not_to_make_up(refusal: Refusal) -> str:
    """The title of each preparation of a refusal whose recipe was asked for anyway."""
    return NOT_AS_ORDERED if refusal.for_order else NOT_FOR_THIS_PATIENT


def lead_line(result: DoseResult | PrepareResult) -> str | None:
    """What a report of a calculation or a preparation says first, before its title: a
    refused order's refusal (the action, each breach and the library's citation), else
    the headline, what to settle before any figure is used; None when neither applies."""
    if isinstance(result, PrepareResult) and result.refusal is not None:
        return result.refusal.message
    return None if result.headline is None else result.headline.text


def lead_severity(result: DoseResult | PrepareResult) -> Severity | None:
    """How serious `lead_line` is, for a face that marks it beyond its words."""
    if isinstance(result, PrepareResult) and result.refusal is not None:
        return "stop"
    return None if result.headline is None else result.headline.severity


def preparation_rows(preparation: Preparation, result: PrepareResult) -> list[Row]:
    """What to draw, what to add and how to run it, each figure as shown; whether the
    pump rate is a setting; the vials and what is left over in them."""
    shown = preparation.display
    rows = [(label, shown[key]) for key, label in PREPARATION_LABELS]
    stock = result.basis.inputs.get("stock") or ""
    final = result.basis.inputs.get("final volume") or ""
    rows.insert(3, ("Stock, as labelled", stock))
    rows.insert(6, ("Final volume", final))
    vials = preparation.vials
    if preparation.vials_needed is not None:
        vials += f", {preparation.left_over} left over"
    rows += [("Pump setting", preparation.pump_setting), ("Vials needed", vials)]
    return rows


def supervision_section(result: PrepareResult) -> Section:
    """The source's supervision statement (each, for an order without a regimen), and
    whose range the preparation was worked from, if no ward has reviewed it."""
    title = "Supervision" if result.regimen else "Supervision (every regimen of the rules)"
    advice = rules_advice(result.basis)
    items = [*result.supervision, *([advice] if advice else [])]
    return Section(title, items=items, alert=True, half=True)


def prepare_sections(result: PrepareResult) -> list[Section]:
    """An infusion's preparation, answer first: a refusal and the recipe withheld, or
    each preparation (marked not to be made up when asked for anyway); the warnings, the
    supervision statement, what is out of scope; then the lines to fill in by hand, the
    inputs, notes and the basis. (`lead_line` goes before all of it.)"""
    marker = f" ({warning_count(result.warnings)} below)" if result.warnings else ""
    refusal = result.refusal
    sections = []
    if refusal is not None and not result.preparations:
        sections.append(Section(f"{WITHHELD_TITLE}{marker}", items=[withheld(refusal)], alert=True))
    sections += [
        Section(
            f"{not_to_make_up(refusal) + ': ' if refusal else ''}Preparation for {p.label}"
            f"{marker if i == 0 else ''}",
            preparation_rows(p, result),
            half=True,
        )
        for i, p in enumerate(result.preparations)
    ]
    sections += _warnings(result.warnings)
    sections.append(supervision_section(result))
    sections.append(Section("Out of scope", items=[result.out_of_scope], alert=True, half=True))
    sections += _sign_off(result.disclaimer)
    inputs = [(name, value) for name, value in result.basis.inputs.items() if value]
    if result.patient_range is not None:
        whose = for_this_patient(result.warnings)
        inputs.append((f"range {whose}", result.patient_range.display))
    # One line: each input is in a preparation's rows too, and the page is one page.
    entered = "; ".join(f"{name}: {value}" for name, value in inputs)
    sections.append(Section("Inputs, as entered", items=[entered]))
    if result.notes:
        sections.append(Section("Notes", items=list(result.notes)))
    # Two preparations: each one's working beside the other's, under the range's.
    # (The preparations' lines are the basis's last: there each is named by its end.)
    steps = result.basis.steps
    if len(result.preparations) > 1:
        steps = steps[: len(steps) - sum(len(p.working) for p in result.preparations)]
        sections += [
            Section(f"Working for {p.label}", items=list(p.working), half=True)
            for p in result.preparations
        ]
    basis = [("Then", line_text(step)) for step in steps]
    if result.basis.rule is not None:
        basis += [
            ("Rule", f"{result.basis.rule}, from {result.basis.source}"),
            ("Source says", f'"{result.basis.source_quote}"'),
            ("Rules", f"{result.basis.rules_version}, SHA-256 {result.basis.rules_sha256}"),
        ]
    basis.append(("Rounding", ROUNDING_RULE))
    sections.append(Section("Basis (check by hand)", basis, flowing=True))
    return sections
