"""The app's widgets. They show what a `Session` holds and never compute a dose."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Select, Static

from dosecalc.clinical.result import CheckResult, DoseResult

WEIGHT_UNITS = [("kg", "kg"), ("lb", "lb")]
HEIGHT_UNITS = [("cm", "cm"), ("in", "in")]
SEXES = [("not given", ""), ("female", "female"), ("male", "male")]
BASES = [
    ("actual body weight", "actual"),
    ("ideal body weight", "ideal"),
    ("adjusted body weight", "adjusted"),
]


class Field(Vertical):
    """A labelled input (with an optional unit choice) and its error line."""

    def __init__(
        self, label: str, name: str, placeholder: str, units: list[tuple[str, str]] | None = None
    ) -> None:
        super().__init__(id=f"{name}-field", classes="field")
        self.field_name = name
        self._label, self._placeholder, self._units = label, placeholder, units

    def compose(self) -> ComposeResult:
        yield Label(self._label, classes="field-label")
        with Horizontal(classes="field-row"):
            yield Input(placeholder=self._placeholder, id=self.field_name)
            if self._units is not None:
                yield Select(
                    self._units,
                    value=self._units[0][1],
                    allow_blank=False,
                    id=f"{self.field_name}_unit",
                    compact=True,
                )
        yield Label("", id=f"{self.field_name}-error", classes="field-error")

    def show_error(self, message: str | None) -> None:
        error = self.query_one(f"#{self.field_name}-error", Label)
        error.update(message or "")
        error.display = bool(message)
        self.set_class(bool(message), "invalid")


class ResultPanel(Static):
    """The range for this patient, or why there is none. Never a stale dose."""

    def show(self, result: DoseResult | None, errors: dict[str, str]) -> None:
        if result is None:
            reasons = "\n".join(f"• {message}" for message in errors.values())
            self.update(f"[b]No dose shown.[/b] Fix the field marked below it.\n{reasons}")
            self.set_class(True, "empty")
            return
        self.set_class(False, "empty")
        lines = [
            f"[b]{result.drug}, {result.route}[/b]",
            f"Range in the source: {result.rule_range.display}",
        ]
        if result.dosing_weight is not None:
            lines.append(f"Dosing weight: {result.dosing_weight.display}")
        label = "Dose per administration" if result.kind == "fixed-dose" else "Dose rate"
        lines.append(f"[b]{label}: {result.dose.display}[/b]")
        for title, shown in (
            ("Per 24 hours", result.dose_per_24h),
            ("Per kg per minute", result.dose_per_kg_per_min),
            ("Pump rate", result.pump_rate),
            ("Volume per dose", result.volume),
        ):
            if shown is not None:
                lines.append(f"{title}: {shown.display}")
        if result.titration:
            lines.append("")
            lines.append("Titration across the range:")
            for step in result.titration:
                cells = [step.display["rate_per_kg"], step.display["dose_rate"]]
                if "pump_rate" in step.display:
                    cells.append(step.display["pump_rate"])
                lines.append("  " + " → ".join(cells))
        lines += [f"Note: {note}" for note in result.notes]
        self.update("\n".join(lines))


class CautionPanel(Static):
    """Side effects to watch for, the supervision statement and warnings."""

    def show(self, result: DoseResult | None) -> None:
        self.display = result is not None
        if result is None:
            return
        lines = [
            "[b]Watch for[/b] (side effects in the source): " + ", ".join(result.side_effects),
            result.supervision,
        ]
        lines += [f"⚠ WARNING: {warning.message}" for warning in result.warnings]
        self.update("\n".join(lines))


class BasisPanel(Static):
    """The basis: formula with the patient's numbers, source and rules version."""

    def show(self, result: DoseResult | None) -> None:
        self.display = result is not None
        if result is None:
            return
        basis = result.basis
        self.update(
            "\n".join(
                [
                    "[b]Basis[/b] (check by hand)",
                    f"Formula: {basis.formula}",
                    *(f"Then {step}" for step in basis.steps),
                    f"Source: {basis.source}",
                    f'Source says: "{basis.source_quote}"',
                    f"Rules: {basis.rules_version}, SHA-256 {basis.rules_sha256[:16]}…",
                ]
            )
        )


VERDICT_WORDS = {
    "below": "BELOW the range",
    "within": "WITHIN the range",
    "above": "ABOVE the range",
}


class CheckPanel(Static):
    """The verdict on a proposed order, in words (colour only adds to them)."""

    def show(self, result: CheckResult | None, error: str | None) -> None:
        if error:
            self.update(f"No verdict: {error}")
            self.set_classes("check-panel")
            return
        if result is None:
            self.update("Type a proposed dose, with its unit (mg/hr, mcg/kg/min, mL/hr, mg...).")
            self.set_classes("check-panel")
            return
        shown = result.display
        lines = [
            f"[b]{shown['verdict']}[/b]: {shown['proposed']} = {shown['in_rule_units']}"
            f" (range {shown['range']})"
        ]
        for key, title in (
            ("dose_rate", "as a dose rate"),
            ("pump_rate", "as a pump rate"),
            ("volume", "as a volume"),
        ):
            if key in shown:
                lines.append(f"  {title}: {shown[key]}")
        if result.probable_entry_error is not None:
            lines.append(f"⚠ {result.probable_entry_error.message}")
        self.update("\n".join(lines))
        self.set_classes(f"check-panel {result.verdict}")
