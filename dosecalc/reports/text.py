"""Results as plain-text reports for a terminal, a printout or a note.

Only layout lives here: every number is already a display string in the
result (rounded once, in `dosecalc.foundation.display`).
"""

from __future__ import annotations

import re
import textwrap

from dosecalc.clinical.check import ratio_text
from dosecalc.clinical.result import Basis, CheckResult, DoseResult
from dosecalc.patient.body import DoseWarning
from dosecalc.reports.contents import basis_rows, patient_rows, result_rows, titration_table

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
    return "\n".join(["Patient"] + [_row(label, value) for label, value in patient_rows(result)])


def _results(result: DoseResult) -> str:
    return "\n".join(["Result"] + [_row(label, value) for label, value in result_rows(result)])


def _titration(result: DoseResult) -> str:
    table = titration_table(result)
    if table is None:
        return ""
    cells = [table.header, *table.rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(table.header))]
    lines = ["Titration across the range"]
    lines += [
        "  " + "   ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True))
        for row in cells
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
    lines = ["Basis (check by hand)", _wrap(f"Inputs: {inputs}", indent="  ")]
    lines += [
        _wrap(f"Then {value}" if label == "Then" else f"{label}: {value}", indent="  ")
        for label, value in basis_rows(basis)
    ]
    return "\n".join(lines)


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
    if "patient_range" in shown:
        lines.append(_row("Range for this patient", shown["patient_range"]))
    lines.append(_row("Proposed / nearest bound", ratio_text(result.ratio_to_bound)))
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
