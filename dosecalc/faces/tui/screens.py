"""The app's screens after the disclaimer (`dosecalc.faces.tui.disclaimer`): the calculator
and the dialogs over it. Importing this module loads the clinical core."""

from __future__ import annotations

from typing import ClassVar, Final

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Footer, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from dosecalc.clinical.session import Session
from dosecalc.faces.tui.widgets import (
    BASES,
    HEIGHT_UNITS,
    SEXES,
    WEIGHT_UNITS,
    BasisPanel,
    CautionPanel,
    CheckPanel,
    Field,
    ResultPanel,
    TitrationTable,
    WrappedText,
)
from dosecalc.reports.formats import FORMATS
from dosecalc.ruleset.loader import RuleSet

SHORT_DISCLAIMER: Final = "Educational use only · verify every figure · specialist supervision"
QUICK_CONCENTRATIONS: Final = ("1 mg/mL", "2 mg/mL")


class SourceScreen(ModalScreen[None]):
    """The source section behind the regimen in use, as the rules quote it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close", id="close-source")
    ]

    def __init__(self, text: str) -> None:
        super().__init__()
        self._text = text

    def compose(self) -> ComposeResult:
        with Vertical(id="source"):
            yield Static(self._text, id="source-text", markup=False)  # rule text, as written
            yield Button("Close", id="close")

    @on(Button.Pressed, "#close")
    def close(self) -> None:
        self.dismiss(None)


class ExportScreen(ModalScreen[str | None]):
    """Which format to save the result in; returns its name, or None when closed."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close", id="close-export")
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="export"):
            yield Label("Save the result as", id="export-title")
            yield OptionList(
                *(Option(f"{f.name}: {f.description}", id=f.name) for f in FORMATS.values()),
                id="formats",
            )

    @on(OptionList.OptionSelected, "#formats")
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


class CalculatorScreen(Screen[None]):
    """The form on the left; the result, cautions, basis and order check on the right."""

    def __init__(self, rules: RuleSet) -> None:
        super().__init__()
        self.rules = rules
        self.session = Session(rules)
        self.session.set(regimen=rules.regimens[0].id)  # what the regimen selector shows first

    def compose(self) -> ComposeResult:
        regimens = [(regimen.route, regimen.id) for regimen in self.rules.regimens]
        with Horizontal(id="main"):
            with VerticalScroll(id="form"):
                yield Field("Weight", "weight", "e.g. 70", WEIGHT_UNITS)
                yield Label("Regimen", classes="field-label")
                yield Select(regimens, value=regimens[0][1], allow_blank=False, id="regimen")
                yield Field("Concentration (optional)", "concentration", "e.g. 1 mg/mL")
                with Horizontal(id="quick-concentrations"):
                    for text in QUICK_CONCENTRATIONS:
                        yield Button(text, classes="quick", name=text, compact=True)
                yield Field("Height (optional)", "height", "e.g. 170", HEIGHT_UNITS)
                yield Label("Sex (optional)", classes="field-label")
                yield Select(SEXES, value="", allow_blank=False, id="sex")
                yield Label("Dosing-weight basis", classes="field-label")
                yield Select(BASES, value="actual", allow_blank=False, id="basis")
                yield WrappedText(id="basis-error", classes="field-error")
            with VerticalScroll(id="results"):
                yield ResultPanel(id="result")
                yield CautionPanel(id="cautions")
                yield TitrationTable(id="titration", show_cursor=False, zebra_stripes=True)
                yield BasisPanel(id="basis-panel")
                yield Field("Check an order: proposed dose", "dose", "dose with its unit")
                yield CheckPanel(id="check", classes="check-panel")
        yield Static(SHORT_DISCLAIMER, id="short-disclaimer", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_results()

    @on(Input.Changed)
    def input_changed(self, event: Input.Changed) -> None:
        if event.input.id is not None:
            self.session.set(**{event.input.id: event.value})
            self.refresh_results()

    @on(Select.Changed)
    def choice_changed(self, event: Select.Changed) -> None:
        if event.select.id is not None and isinstance(event.value, str):
            self.session.set(**{event.select.id: event.value})
            self.refresh_results()

    @on(Button.Pressed, ".quick")
    def quick_concentration(self, event: Button.Pressed) -> None:
        self.query_one("#concentration", Input).value = event.button.name or ""

    def refresh_results(self) -> None:
        """Show what the session holds now; every panel follows the same result."""
        session = self.session
        result, errors = session.result, session.errors
        # A field left blank is not an error to point at; the result panel says what is missing.
        for field in self.query(Field):
            typed = self.query_one(f"#{field.field_name}", Input).value.strip()
            field.show_error(errors.get(field.field_name) if typed else None)
        basis_error = self.query_one("#basis-error", WrappedText)
        basis_error.set_lines([errors["basis"]] if "basis" in errors else [])
        basis_error.display = "basis" in errors
        waiting = not session.inputs.weight.strip()
        self.query_one(ResultPanel).show(result, errors, waiting)
        self.query_one(TitrationTable).show(result)
        self.query_one(CautionPanel).show(result)
        self.query_one(BasisPanel).show(result)
        self.query_one(CheckPanel).show(session.check_result, errors.get("dose"))
        self.query_one("#quick-concentrations").display = (
            result is None or result.kind == "weight-based-rate"
        )

    def switch_regimen(self) -> None:
        select = self.query_one("#regimen", Select)
        ids = [regimen.id for regimen in self.rules.regimens]
        select.value = ids[(ids.index(str(select.value)) + 1) % len(ids)]
