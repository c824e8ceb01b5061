"""The app's widgets. They show what a `Session` holds and never compute a dose.

Text is wrapped here, to the panel's width, by the report layer's wrapper, so a
number is never split from its unit (Textual would break at any space), and it
is never read as markup: messages echo what the user typed.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.events import Resize
from textual.widgets import DataTable, Input, Label, Select, Static

from dosecalc.clinical.result import CheckResult, DoseResult
from dosecalc.reports.text import wrap

WEIGHT_UNITS = [("kg", "kg"), ("lb", "lb")]
HEIGHT_UNITS = [("cm", "cm"), ("in", "in")]
SEXES = [("not given", ""), ("female", "female"), ("male", "male")]
BASES = [
    ("actual body weight", "actual"),
    ("ideal body weight", "ideal"),
    ("adjusted body weight", "adjusted"),
]


class WrappedText(Static):
    """Lines of plain text, wrapped to the widget's width without splitting a dose."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__("", markup=False, id=id, classes=classes)
        self._lines: list[str] = []

    def set_lines(self, lines: list[str]) -> None:
        self._lines = lines
        self._rewrap()

    def on_resize(self, _: Resize) -> None:
        self._rewrap()

    def _rewrap(self) -> None:
        width = self.content_region.width or 40
        self.update("\n".join(wrap(line, width) if line else "" for line in self._lines))


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
        yield WrappedText(id=f"{self.field_name}-error", classes="field-error")

    def show_error(self, message: str | None) -> None:
        error = self.query_one(f"#{self.field_name}-error", WrappedText)
        error.set_lines([message] if message else [])
        error.display = bool(message)
        self.set_class(bool(message), "invalid")


class ResultPanel(WrappedText):
    """The range for this patient, or why there is none. Never a stale dose."""

    def show(self, result: DoseResult | None, errors: dict[str, str], waiting: bool) -> None:
        self.set_class(result is None, "empty")
        if result is None:
            if waiting:
                self.set_lines(["Enter the patient's weight to see the range."])
            else:
                self.set_lines(["NO DOSE SHOWN: fix the marked field.", *errors.values()])
            return
        label = "Dose per administration" if result.kind == "fixed-dose" else "Dose rate"
        lines = [f"{result.drug}, {result.route}".upper(), f"{label}: {result.dose.display}"]
        for title, shown in (
            ("Per 24 hours", result.dose_per_24h),
            ("Per kg per minute", result.dose_per_kg_per_min),
            ("Pump rate", result.pump_rate),
            ("Volume per dose", result.volume),
            ("Range in the source", result.rule_range),
        ):
            if shown is not None:
                lines.append(f"{title}: {shown.display}")
        if result.dosing_weight is not None:
            lines.append(f"Dosing weight: {result.dosing_weight.display}")
        patient = result.patient.display if result.patient is not None else {}
        for key, title in (
            ("weight", "Weight"),
            ("height", "Height"),
            ("ideal_body_weight", "Ideal body weight"),
            ("adjusted_body_weight", "Adjusted body weight"),
            ("bmi", "BMI"),
        ):
            if key in patient:
                lines.append(f"{title}: {patient[key]}")
        self.set_lines(lines)


class TitrationTable(DataTable[str]):
    """The titration steps across the range; cells never wrap."""

    def show(self, result: DoseResult | None) -> None:
        self.clear(columns=True)
        self.display = result is not None and bool(result.titration)
        if result is None or not result.titration:
            return
        columns = ["rate_per_kg", "dose_rate"] + (["pump_rate"] if result.pump_rate else [])
        titles = {"rate_per_kg": "per kg", "dose_rate": "dose rate", "pump_rate": "pump rate"}
        self.add_columns(*(titles[c] for c in columns))
        for step in result.titration:
            self.add_row(*(step.display[c] for c in columns))


class CautionPanel(WrappedText):
    """Side effects to watch for, the supervision statement, warnings and notes."""

    def show(self, result: DoseResult | None) -> None:
        self.display = result is not None
        if result is None:
            return
        self.set_lines(
            [
                "WATCH FOR (side effects in the source): " + ", ".join(result.side_effects),
                result.supervision,
                *(f"WARNING: {warning.message}" for warning in result.warnings),
                *(f"Note: {note}" for note in result.notes),
            ]
        )


class BasisPanel(WrappedText):
    """The basis: formula with the patient's numbers, source and rules version."""

    def show(self, result: DoseResult | None) -> None:
        self.display = result is not None
        if result is None:
            return
        basis = result.basis
        self.set_lines(
            [
                "BASIS (check by hand)",
                *basis.formula.split("; "),
                *(f"Then {step}" for step in basis.steps),
                f"Source: {basis.source}",
                f'Source says: "{basis.source_quote}"',
                f"Rules: {basis.rules_version}, SHA-256 {basis.rules_sha256}",
            ]
        )


class CheckPanel(WrappedText):
    """The verdict on a proposed order, in words (colour only adds to them)."""

    def show(self, result: CheckResult | None, error: str | None) -> None:
        self.set_classes("check-panel" if result is None else f"check-panel {result.verdict}")
        if error:
            self.set_lines([f"No verdict: {error}"])
            return
        if result is None:
            self.set_lines(["Type a proposed dose, with its unit (mg/hr, mcg/kg/min, mL/hr, mg)."])
            return
        shown = result.display
        lines = [
            shown["verdict"],
            f"Proposed: {shown['proposed']}",
            f"In the rule's unit: {shown['in_rule_units']}",
            f"Range: {shown['range']}",
        ]
        for key, title in (
            ("dose_rate", "As a dose rate"),
            ("pump_rate", "As a pump rate"),
            ("volume", "As a volume"),
        ):
            if key in shown:
                lines.append(f"{title}: {shown[key]}")
        if result.probable_entry_error is not None:
            lines.append(f"WARNING: {result.probable_entry_error.message}")
        self.set_lines(lines)
