"""The app's widgets. They show what a `Session` holds and never compute a dose.

Text is wrapped here, to the panel's width, by the report layer's wrapper, so a
number is never split from its unit (Textual would break at any space), and it
is never read as markup: messages echo what the user typed. Row labels come from
`dosecalc.reports.contents`, so the app says what every report says.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.events import Resize
from textual.widgets import DataTable, Input, Label, Select, Static

from dosecalc.clinical.result import Basis, CheckResult, DoseResult
from dosecalc.clinical.session import UNIT_CHOICES
from dosecalc.foundation.display import unit_display
from dosecalc.foundation.errors import DoseCalcError
from dosecalc.foundation.units import (
    HEIGHT,
    WEIGHT,
    QuantityKind,
    names_a_unit,
    parse_quantity,
)
from dosecalc.patient.body import DoseWarning
from dosecalc.reports.contents import (
    UNCOVERED_RESULT,
    basis_rows,
    finding_items,
    headline_rows,
    lead_line,
    lead_severity,
    order_check_rows,
    order_warnings,
    patient_rows,
    result_rows,
    titration_table,
    warning_count,
    warning_items,
)
from dosecalc.reports.text import wrap

WEIGHT_UNITS = [(unit, unit) for unit in UNIT_CHOICES["weight_unit"]]
HEIGHT_UNITS = [(unit, unit) for unit in UNIT_CHOICES["height_unit"]]
SEXES = [("not given", ""), ("female", "female"), ("male", "male")]
BASES = [
    ("actual body weight", "actual"),
    ("ideal body weight", "ideal"),
    ("adjusted body weight", "adjusted"),
]

_AFTER_THE_NUMBER: Final = re.compile(r"^[+\-−]?\s*[\d.,]+\s*(\S.*)$")
_SHA256: Final = re.compile(r"\b[0-9a-f]{64}\b")


def typed_unit(text: str) -> str | None:
    """The unit typed after the number ("154 lb" -> "lb", "5'7\"" -> "'7\""), or None for a
    bare number.

    The session reads a typed unit before the one chosen beside the field; this
    only lets the face show which one is in use. What counts as a unit, letters or the
    feet and inch marks, is the reader's own judgement (`names_a_unit`).
    """
    found = _AFTER_THE_NUMBER.match(text.strip())
    if found is None or not names_a_unit(found.group(1)):
        return None
    return " ".join(found.group(1).split())


_KINDS: Final[dict[str, QuantityKind]] = {"weight": WEIGHT, "height": HEIGHT}
"""What each field with a unit choice holds, for the reader."""

_CHOICES: Final[dict[str, list[tuple[str, str]]]] = {"weight": WEIGHT_UNITS, "height": HEIGHT_UNITS}
"""The units offered beside each field with a unit choice."""

UNIT_PROMPT: Final = "unit?"
"""What a unit choice shows before one is chosen."""


def unit_as_written(typed: str, field: str) -> str | None:
    """A unit typed as one word, as dosecalc writes it ("kilos" -> "kg", "pounds" -> "lb"),
    by the one reader; None for a unit of several parts (5 ft 7 in), marks, or no unit of
    the field's kind."""
    kind = _KINDS.get(field)
    if kind is None or not typed.isalpha():
        return None
    try:
        return unit_display(parse_quantity(f"1 {typed}", kind).units)
    except DoseCalcError:
        return None


def grouped_hash(text: str) -> str:
    """A SHA-256 in groups of eight, so wrapping breaks between groups, never inside one."""
    return _SHA256.sub(lambda m: " ".join(re.findall(".{8}", m.group())), text)


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
    """A labelled one-line input (with an optional unit choice), its error and its note."""

    def __init__(
        self, label: str, name: str, placeholder: str, units: list[tuple[str, str]] | None = None
    ) -> None:
        super().__init__(id=f"{name}-field", classes="field")
        self.field_name, self.field_label = name, label
        self._placeholder, self._units = placeholder, units

    def compose(self) -> ComposeResult:
        yield Label(self.field_label, classes="field-label")
        with Horizontal(classes="field-row"):
            yield Input(placeholder=self._placeholder, id=self.field_name, compact=True)
            if self._units is not None:
                yield Select(  # no unit until one is chosen or typed: a bare 70 is refused
                    self._units,
                    prompt=UNIT_PROMPT,
                    allow_blank=True,
                    id=f"{self.field_name}_unit",
                    compact=True,
                )
        yield WrappedText(id=f"{self.field_name}-note", classes="field-note")
        yield WrappedText(id=f"{self.field_name}-error", classes="field-error")

    def show_error(self, message: str | None, *, marked: bool | None = None) -> None:
        """Say what is wrong under the field; ``marked`` alone marks it (said elsewhere)."""
        error = self.query_one(f"#{self.field_name}-error", WrappedText)
        error.set_lines([message] if message else [])
        error.display = bool(message)
        self.set_class(bool(message) if marked is None else marked, "invalid")

    def follow_typed_unit(self, *, note: bool, chosen: str) -> None:
        """A unit typed in the field wins over the choice beside it: the choice shows it
        when it can, is locked while a unit is typed, and the note says so (unless
        ``note`` is False: an error under the field says more). It only shows it: the
        unit ``chosen`` (the user's own choice) stays the session's, and the choice shows
        it again once the typed unit is gone, so a bare number is never read in a unit
        that was typed and taken back ("100 lb" back to "100" is 100 of ``chosen``)."""
        if self._units is None:
            return
        typed = typed_unit(self.query_one(f"#{self.field_name}", Input).value)
        choice = self.query_one(f"#{self.field_name}_unit", Select)
        said = self.query_one(f"#{self.field_name}-note", WrappedText)
        choice.disabled = typed is not None
        said.display = note and typed is not None
        known = {value.casefold(): value for _, value in self._units}
        written = None if typed is None else unit_as_written(typed, self.field_name)
        followed = known.get((written or "").casefold())
        shown = followed or chosen
        if chosen_unit(choice) != shown:
            with choice.prevent(Select.Changed):  # shown, never taken as the user's choice
                if shown:
                    choice.value = shown
                else:
                    choice.clear()
        if typed is None:
            return
        if followed is not None:
            said.set_lines([f"Unit typed: {typed}; the unit choice follows it ({followed})."])
        elif not any(char.isalpha() for char in typed):  # the reader takes marks as ft and in
            said.set_lines([f"Feet and inches typed by their marks{_unused(chosen)}."])
        else:
            said.set_lines([f"Unit typed: {typed}{_unused(chosen)}."])


def chosen_unit(choice: Select[str]) -> str:
    """The unit a unit choice shows, or "" while it shows none."""
    return "" if choice.is_blank() else str(choice.value)


def _unused(chosen: str) -> str:
    """What the note adds about a unit chosen beside the field and not used (none chosen,
    nothing)."""
    return f"; the unit choice ({chosen}) is not used" if chosen else ""


def unit_choice_hint(text: str, field: str) -> str:
    """What the form adds to the reader's refusal of ``text`` when it is a number that
    lacks only its unit and no unit is chosen beside it: the reader asks for the unit
    typed, and this form offers its choice too. Nothing for any other text."""
    kind, units = _KINDS.get(field), _CHOICES.get(field)
    number = text.strip(" ")  # as the session trims it: a tab is refused for itself
    if kind is None or units is None or names_a_unit(number):
        return ""
    try:
        parse_quantity(f"{number} {units[0][1]}", kind)
    except DoseCalcError:
        return ""
    return f"; or choose {' or '.join(unit for _, unit in units)} beside the field"


_UNCOVERED: Final = UNCOVERED_RESULT.removeprefix(": at this weight, ").upper()
"""The result's qualifier for a patient the source does not cover, in the reports' words,
beside an order check ("NOT CHECKED FOR THIS PATIENT")."""


class ResultPanel(WrappedText):
    """What matters first: the dose and the pump rate or volume, or why there is none.

    Its title names the drug and route; its bottom border counts the warnings
    below it, so they are never out of sight without a sign that they exist. What must
    be settled before any figure is used (`lead_line`) comes before the dose, and its
    severity marks the border.
    """

    def show(
        self,
        result: DoseResult | None,
        reasons: list[str],
        marked: list[str],
        waiting: bool,
        *,
        checked: bool = False,
    ) -> None:
        """``checked``: an order check is shown, whose box leads with the worst finding
        (the patient's too), so the lead is not said twice on a small screen."""
        self.set_class(result is None, "empty")
        self.set_class(result is not None and bool(result.warnings), "warned")
        severity = None if result is None else lead_severity(result)
        for marked_as in ("stop", "not-checked"):
            self.set_class(severity == marked_as, marked_as)
        self.border_subtitle = None
        if result is None:
            self.border_title = None
            if waiting:
                self.set_lines(["Enter the patient's weight to see the range."])
            else:
                fix = f"fix the marked field ({', '.join(marked)})" if marked else "see below"
                self.set_lines([f"NO DOSE SHOWN: {fix}.", *reasons])
            return
        self.border_title = Content(f"{result.drug}, {result.route}".upper())
        if result.warnings:
            self.border_subtitle = Content(f"{warning_count(result.warnings).upper()} ↓ ctrl+g")
        lead = None if checked else lead_line(result)
        if checked and not result.patient_covered:  # the check's box leads with why; the
            # figures stay qualified, as on every face, on the border (no line to spare)
            self.border_subtitle = Content(f"{_UNCOVERED} ↓ ctrl+g")
        self.set_lines(
            [
                *([f"! {lead}"] if lead is not None else []),
                *(f"{label}: {value}" for label, value in headline_rows(result)),
            ]
        )


class WarningPanel(WrappedText):
    """Every warning on the result, each in words, before anything else below the dose."""

    def show(self, result: DoseResult | None) -> None:
        self.display = result is not None and bool(result.warnings)
        if result is not None:
            self.set_lines([f"WARNING: {warning.message}" for warning in result.warnings])


class DetailsPanel(WrappedText):
    """The rest of the result: the source's range, other forms of the dose, the patient."""

    def show(self, result: DoseResult | None) -> None:
        self.display = result is not None
        if result is None:
            return
        first = headline_rows(result)
        rows = [row for row in result_rows(result) if row not in first] + patient_rows(result)
        self.set_lines([f"{label}: {value}" for label, value in rows])


class TitrationTable(DataTable[str]):
    """The titration steps across the range; cells never wrap."""

    def show(self, result: DoseResult | None) -> None:
        self.clear(columns=True)
        table = titration_table(result) if result is not None else None
        self.display = table is not None
        if table is not None:
            self.add_columns(*table.header)
            for row in table.rows:
                self.add_row(*row)


class CautionPanel(WrappedText):
    """Side effects to watch for, the supervision statement and the notes."""

    def show(self, result: DoseResult | None) -> None:
        self.display = result is not None
        if result is None:
            return
        self.set_lines(
            [
                "WATCH FOR (side effects in the source): " + ", ".join(result.side_effects),
                result.supervision,
                *(f"Note: {note}" for note in result.notes),
            ]
        )


class BasisPanel(WrappedText):
    """The basis: formula with the patient's numbers, source and rules version."""

    def show(self, result: DoseResult | None) -> None:
        self.display = result is not None
        if result is not None:
            self.set_lines(["BASIS (check by hand)", *basis_lines(result.basis)])


def basis_lines(basis: Basis) -> list[str]:
    """The report's basis rows, with the rules' SHA-256 in groups that wrap whole."""
    return [f"{label}: {grouped_hash(value)}" for label, value in basis_rows(basis)]


class CheckPanel(WrappedText):
    """The verdict on a proposed order, in words (colour only adds to them), any probable
    entry error straight after it, and the warnings of the order itself (a maximum per 24
    hours it passes) that the result's panel, ``shown``, does not already hold."""

    def show(
        self,
        result: CheckResult | None,
        error: str | None,
        typed: bool,
        *,
        shown: Sequence[DoseWarning] = (),
    ) -> None:
        self.display = typed
        self.set_classes(
            "check-panel" if result is None else f"check-panel {result.headline.severity}"
        )
        self.border_title = "ORDER CHECK"
        if error:
            self.set_lines([f"No verdict: {error}"])
            return
        if result is None:
            self.set_lines(["No verdict: there is no dose on screen to check it against."])
            return
        lines = [result.display["verdict"]]
        lines += [f"WARNING: {item}" for item in finding_items(result)]
        lines += [f"WARNING: {item}" for item in warning_items(order_warnings(result, shown))]
        lines += [f"{label}: {value}" for label, value in order_check_rows(result)]
        self.set_lines(lines)
