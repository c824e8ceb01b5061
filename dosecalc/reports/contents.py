"""What a report of a result holds, in order: one list that every layout reads.

The plain-text, Markdown and HTML reports differ in layout only; the rows,
labels and tables are chosen here, once. Every number is already a display
string in the result (rounded once, in `dosecalc.foundation.display`).
"""

from __future__ import annotations

from dataclasses import dataclass

from dosecalc.clinical.result import Basis, DoseResult, QuantityRange
from dosecalc.foundation.display import ROUNDING_RULE

Row = tuple[str, str]


@dataclass(frozen=True)
class Table:
    """A table of display strings: a header row, then one row per entry."""

    header: list[str]
    rows: list[list[str]]


def patient_rows(result: DoseResult) -> list[Row]:
    """The patient as entered and as derived, then the dosing weight and its basis."""
    if result.patient is None:
        return [("Weight", "not given (not used by this regimen)")]
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
    if result.dosing_weight is not None:
        rows.append(("Dosing weight", result.dosing_weight.display))
    return rows


def result_rows(result: DoseResult) -> list[Row]:
    """The source's range, then what it comes to for this patient."""
    ranges: list[tuple[str, QuantityRange | None]] = [
        ("Range in the source", result.rule_range),
        ("Dose per administration" if result.kind == "fixed-dose" else "Dose rate", result.dose),
        ("Per 24 hours", result.dose_per_24h),
        ("Per kg per minute", result.dose_per_kg_per_min),
        ("Pump rate", result.pump_rate),
        ("Volume per dose", result.volume),
    ]
    return [(label, value.display) for label, value in ranges if value is not None]


def titration_table(result: DoseResult) -> Table | None:
    """The titration steps across the rule's range, or None for a fixed dose."""
    if not result.titration:
        return None
    columns = {"rate_per_kg": "per kg", "dose_rate": "dose rate"}
    if result.pump_rate is not None:
        columns["pump_rate"] = "pump rate"
    return Table(
        header=list(columns.values()),
        rows=[[step.display[key] for key in columns] for step in result.titration],
    )


def input_rows(result: DoseResult) -> list[Row]:
    """The inputs exactly as entered (those left blank are left out)."""
    return [(name, value) for name, value in result.basis.inputs.items() if value]


def basis_rows(basis: Basis) -> list[Row]:
    """Enough to check the result by hand: the formula with the patient's numbers, each
    step after it, the rule and its source, the source's words, the rules' identity."""
    return [
        ("Formula", basis.formula),
        *(("Then", step) for step in basis.steps),
        ("Rule", f"{basis.rule}, from {basis.source}"),
        ("Source says", f'"{basis.source_quote}"'),
        ("Rules", f"{basis.rules_version}, SHA-256 {basis.rules_sha256}"),
        ("Rounding", ROUNDING_RULE),
    ]
