"""Results as plain-text reports for a terminal, a printout or a note.

Only layout lives here: every number is already a display string in the
result (rounded once, in `dosecalc.foundation.display`).
"""

from __future__ import annotations

import re
import textwrap

from dosecalc.clinical.result import Basis, CheckResult, DoseResult, QuantityRange
from dosecalc.foundation.display import ROUNDING_RULE, format_number
from dosecalc.patient.body import DoseWarning

_WIDTH = 78
_LABEL = 26
# Bound so that wrapping never splits "30.8 mg/hr", nor a range "21 to 35 mg/hr".
_NUMBER_THEN_UNIT = re.compile(r"(\d) (?=[^\W\d_])")
_RANGE_TO = re.compile(r"(\d) to (?=\d)")
_NO_BREAK_SPACE = "\u00a0"


def render_text(result: DoseResult) -> str:
    """The whole report: disclaimer first, then results, cautions and basis."""
    sections = [
        _header(result),
        _patient(result),
        _results(result),
        _titration(result),
        _watch_for(result),
        _cautions(result.warnings, result.notes),
        _basis_lines(result.basis),
    ]
    return "\n\n".join(section for section in sections if section) + "\n"


def _header(result: DoseResult) -> str:
    title = f"dosecalc: {result.drug}, {result.route} ({result.regimen})"
    return "\n".join([title, "=" * len(title), _wrap(result.disclaimer.upper())])


def _patient(result: DoseResult) -> str:
    shown = result.patient.display
    lines = ["Patient", _row("Weight", shown["weight"])]
    if "height" in shown:
        lines.append(_row("Height", shown["height"]))
    if result.patient.sex is not None:
        lines.append(_row("Sex", result.patient.sex))
    for key, label in (
        ("ideal_body_weight", "Ideal body weight"),
        ("adjusted_body_weight", "Adjusted body weight"),
        ("bmi", "BMI"),
    ):
        if key in shown:
            lines.append(_row(label, shown[key]))
    if result.dosing_weight is not None:
        lines.append(_row("Dosing weight", result.dosing_weight.display))
    return "\n".join(lines)


def _results(result: DoseResult) -> str:
    rows: list[tuple[str, QuantityRange | None]] = [
        ("Range in the source", result.rule_range),
        ("Dose per administration" if result.kind == "fixed-dose" else "Dose rate", result.dose),
        ("Per 24 hours", result.dose_per_24h),
        ("Per kg per minute", result.dose_per_kg_per_min),
        ("Pump rate", result.pump_rate),
        ("Volume per dose", result.volume),
    ]
    lines = ["Result"] + [_row(label, value.display) for label, value in rows if value is not None]
    return "\n".join(lines)


def _titration(result: DoseResult) -> str:
    if not result.titration:
        return ""
    columns = ["rate_per_kg", "dose_rate"] + (["pump_rate"] if result.pump_rate else [])
    headers = {"rate_per_kg": "per kg", "dose_rate": "dose rate", "pump_rate": "pump rate"}
    table = [[headers[c] for c in columns]] + [
        [s.display[c] for c in columns] for s in result.titration
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(columns))]
    lines = ["Titration across the range"]
    lines += [
        "  " + "   ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True))
        for row in table
    ]
    return "\n".join(lines)


def _watch_for(result: DoseResult) -> str:
    return "\n".join(
        [
            "Watch for (side effects in the source)",
            _wrap(", ".join(result.side_effects), indent="  "),
            _wrap("Supervision: " + result.supervision, indent="  "),
        ]
    )


def _cautions(warnings: list[DoseWarning], notes: list[str]) -> str:
    lines = []
    if warnings:
        lines.append("Warnings")
        lines += [_wrap(f"! {w.message} [{w.code}]", indent="  ") for w in warnings]
    if notes:
        lines.append("Notes")
        lines += [_wrap(f"- {note}", indent="  ") for note in notes]
    return "\n".join(lines)


def _basis_lines(basis: Basis) -> str:
    inputs = ", ".join(f"{key} = {value}" for key, value in basis.inputs.items() if value)
    return "\n".join(
        [
            "Basis (check by hand)",
            _wrap(f"Inputs: {inputs}", indent="  "),
            _wrap(f"Formula: {basis.formula}", indent="  "),
            *(_wrap(f"Then {step}", indent="  ") for step in basis.steps),
            _wrap(f"Rule: {basis.rule}, from {basis.source}", indent="  "),
            _wrap(f'Source says: "{basis.source_quote}"', indent="  "),
            _wrap(f"Rules: {basis.rules_version}, SHA-256 {basis.rules_sha256}", indent="  "),
            _wrap(f"Rounding: {ROUNDING_RULE}", indent="  "),
        ]
    )


def _row(label: str, value: str) -> str:
    return f"  {label + ':':<{_LABEL}}{value}"


def _wrap(text: str, indent: str = "") -> str:
    return wrap(text, _WIDTH, indent)


def wrap(text: str, width: int, indent: str = "") -> str:
    """Wrap at ``width``, never inside a dose or a range (``21 to 35 mg/hr`` stays whole).

    Continuation lines are indented two more spaces than ``indent``.
    """
    bound = _RANGE_TO.sub(rf"\1{_NO_BREAK_SPACE}to{_NO_BREAK_SPACE}", text)
    bound = _NUMBER_THEN_UNIT.sub(rf"\1{_NO_BREAK_SPACE}", bound)
    wrapped = textwrap.fill(
        bound,
        max(width, len(indent) + 10),
        initial_indent=indent,
        subsequent_indent=indent + "  ",
        break_on_hyphens=False,
        break_long_words=False,  # a line a little too long beats a dose split in two
    )
    return wrapped.replace(_NO_BREAK_SPACE, " ")


_VERDICT_COLOURS = {"below": "\033[1;33m", "within": "\033[1;32m", "above": "\033[1;31m"}
_RESET = "\033[0m"


def render_check_text(result: CheckResult, *, colour: bool = False) -> str:
    """A checked order: the verdict in words (and colour on a terminal), then the basis."""
    shown = result.display
    verdict = shown["verdict"]
    if colour:
        verdict = f"{_VERDICT_COLOURS[result.verdict]}{verdict}{_RESET}"
    title = f"dosecalc check: {result.drug}, {result.route} ({result.regimen})"
    lines = [
        title,
        "=" * len(title),
        _wrap(result.disclaimer.upper()),
        "",
        f"Verdict: {verdict}",
        _row("Proposed", shown["proposed"]),
        _row("In the rule's unit", shown["in_rule_units"]),
        _row("Range in the source", shown["range"]),
    ]
    for key, label in (
        ("dose_rate", "As a dose rate"),
        ("pump_rate", "As a pump rate"),
        ("volume", "As a volume"),
    ):
        if key in shown:
            lines.append(_row(label, shown[key]))
    lines.append(_row("Range for this patient", shown["patient_range"]))
    lines.append(_row("Proposed / nearest bound", format_number(result.ratio_to_bound)))
    if result.probable_entry_error is not None:
        lines += ["", _wrap("!! " + result.probable_entry_error.message)]
    sections = [
        "\n".join(lines),
        "\n".join(
            [
                "Watch for (side effects in the source)",
                _wrap(", ".join(result.side_effects), indent="  "),
                _wrap("Supervision: " + result.supervision, indent="  "),
            ]
        ),
        _cautions(result.warnings, result.notes),
        _basis_lines(result.basis),
    ]
    return "\n\n".join(section for section in sections if section) + "\n"
