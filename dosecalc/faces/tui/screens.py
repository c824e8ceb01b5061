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

from dosecalc.clinical.prepare import PrepareResult, prepare
from dosecalc.clinical.session import CalculateArguments, Session
from dosecalc.faces.tui.widgets import (
    BASES,
    HEIGHT_UNITS,
    SEXES,
    WEIGHT_UNITS,
    BasisPanel,
    CautionPanel,
    CheckPanel,
    DetailsPanel,
    Field,
    ResultPanel,
    TitrationTable,
    WarningPanel,
    WrappedText,
    unit_choice_hint,
)
from dosecalc.foundation.display import format_exact
from dosecalc.foundation.errors import DoseCalcError
from dosecalc.foundation.units import (
    CONCENTRATION,
    parse_quantity,
)
from dosecalc.foundation.working import line_text
from dosecalc.reports.contents import (
    banner_lines,
    for_this_patient,
    lead_line,
    preparation_rows,
    supervision_section,
    warning_items,
    withheld,
)
from dosecalc.reports.formats import FORMATS
from dosecalc.ruleset.loader import RuleSet
from dosecalc.ruleset.schema import Regimen


def regimen_choice(regimen: Regimen) -> str:
    """How the picker names a regimen: drug and the source's label, then the route on a line
    of its own, so that two regimens by one route (or of one drug) never look alike, and
    each line fits the form's width at 80 columns rather than wrapping mid-phrase."""
    return f"{regimen.drug} · {regimen.label}\n{regimen.route}"


def quick_concentrations(regimen: Regimen) -> list[str]:
    """The regimen's standard concentrations from the rules, as the buttons show them (and
    type them): none when the rule gives none."""
    return [
        format_exact(parse_quantity(f"{c.value} {c.unit}", CONCENTRATION))
        for c in regimen.standard_concentrations
    ]


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


PREPARE_FIELDS: Final = (
    ("Order (blank: the range)", "dose", "e.g. 35 mg/hr or 840 mg"),
    ("Stock strength, as labelled", "stock", "e.g. 500 mg/10 mL"),
    ("Final volume", "final_volume", "e.g. 50 mL"),
    ("Duration", "duration", "e.g. 24 hr"),
    ("or pump rate", "pump_rate", "e.g. 2 mL/hr"),
)


class PrepareScreen(ModalScreen[None]):
    """Making up an infusion: an order, or the patient's range from the calculator, with
    a stock, a final volume and a duration or pump rate; the preparation follows, live.
    Every figure and word comes from `prepare` and the report's contents."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close", id="close-prepare")
    ]

    def __init__(self, rules: RuleSet, patient: CalculateArguments) -> None:
        super().__init__()
        self._rules = rules
        # The calculator's patient and regimen, always: an order is held to the regimen's
        # range and limits, and a regimen that needs the weight asks for it (never an order
        # made up unchecked because the weight field was blank).
        self._patient = patient

    def compose(self) -> ComposeResult:
        with Vertical(id="prepare"):
            yield Label("Prepare an infusion (arithmetic only) · Esc closes", id="prepare-title")
            banner = banner_lines(self._rules.find(self._patient["regimen"]))
            # The short disclaimer and the supervision statement stay in sight here too.
            yield Static("\n".join(banner), id="prepare-banner", markup=False)
            with Horizontal(id="prepare-main"):
                with VerticalScroll(id="prepare-form"):
                    for label, name, placeholder in PREPARE_FIELDS:
                        yield Label(label, classes="field-label")
                        yield Input(placeholder=placeholder, id=f"prepare-{name}", compact=True)
                with VerticalScroll(id="prepare-output"):
                    yield WrappedText(id="prepared")

    def on_mount(self) -> None:
        self.query_one("#prepare-dose", Input).focus()
        self.refresh_preparation()

    @on(Input.Submitted)
    def next_field(self) -> None:
        self.focus_next()

    @on(Input.Changed)
    def refresh_preparation(self) -> None:
        """The preparation for what the fields hold now, or why there is none."""
        typed = {
            name: self.query_one(f"#prepare-{name}", Input).value for _, name, _ in PREPARE_FIELDS
        }
        lines: list[str]
        if not (typed["stock"].strip() and typed["final_volume"].strip()):
            lines = [
                "Enter the stock strength and the final volume, and a duration or a pump rate."
            ]
        else:
            try:
                result = self._prepared(typed)
            except DoseCalcError as error:
                lines = [str(error)]
            else:
                lines = preparation_lines(result)
        self.query_one("#prepared", WrappedText).set_lines(lines)

    def _prepared(self, typed: dict[str, str]) -> PrepareResult:
        patient = self._patient
        return prepare(  # a refused order's recipe is never shown here
            **typed,
            show_recipe_anyway=False,
            regimen=patient["regimen"],
            weight=patient["weight"] or None,
            height=patient["height"],
            sex=patient["sex"],
            basis=patient["basis"],
            rules=self._rules,
        )


def preparation_lines(result: PrepareResult) -> list[str]:
    """The preparation as the report gives it, for a narrow panel: a refusal first (and
    the recipe withheld), each one made up, the warnings, the supervision statement, the
    scope, then the working."""
    lead = lead_line(result)
    refusal = result.refusal
    said = (  # the app never shows a withheld recipe, so it says no more than why
        [f"! {withheld(refusal, on_request=False)}"]
        if refusal is not None and not result.preparations
        else []
    )
    lines = [f"! {lead}", *said, ""] if lead else []
    if result.patient_range is not None:
        whose = for_this_patient(result.warnings)
        lines.append(f"The range {whose} ({result.regimen}): {result.patient_range.display}")
    for preparation in result.preparations:
        lines += [f"For {preparation.label}:"]
        lines += [f"  {label}: {value}" for label, value in preparation_rows(preparation, result)]
    lines += [f"! {item}" for item in warning_items(result.warnings)]
    lines += [f"{supervision_section(result).title}: {item}" for item in result.supervision]
    lines += [
        *result.notes,
        result.out_of_scope,
        "",
        "Working:",
        *map(line_text, result.basis.steps),
    ]
    return lines


class CalculatorScreen(Screen[None]):
    """The form on the left; on the right what matters first, pinned at the top (the
    dose, the pump rate or volume, the order check's verdict), then a scrolling column
    that starts with every warning, before side effects, notes, titration and basis."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+k",
            "check_order",
            "Check",
            id="check-order",
            tooltip="Go to the proposed-dose field and check an order against the range",
            priority=True,  # a field's own ctrl+k (delete to the end) must not hide it
        ),
        Binding(
            "ctrl+g",
            "show_warnings",
            "Warnings",
            id="show-warnings",
            tooltip="Scroll to the warnings on the result",
        ),
        Binding("escape", "app.hide_help_panel", "Hide keys", show=False, id="hide-keys"),
    ]

    def __init__(self, rules: RuleSet) -> None:
        super().__init__()
        self.rules = rules
        self.session = Session(rules)
        self.session.set(regimen=rules.regimens[0].id)  # what the regimen selector shows first

    def compose(self) -> ComposeResult:
        regimens = [(regimen_choice(regimen), regimen.id) for regimen in self.rules.regimens]
        with Horizontal(id="main"):
            with VerticalScroll(id="form"):
                yield Field("Weight", "weight", "e.g. 70 kg", WEIGHT_UNITS)
                yield Label("Regimen", classes="field-label")
                yield Select(
                    regimens, value=regimens[0][1], allow_blank=False, id="regimen", compact=True
                )
                yield Field("Concentration (optional)", "concentration", "e.g. 1 mg/mL")
                yield Horizontal(id="quick-concentrations")
                yield Field("Height (optional)", "height", "e.g. 170 cm", HEIGHT_UNITS)
                yield Label("Sex (optional)", classes="field-label")
                yield Select(SEXES, value="", allow_blank=False, id="sex", compact=True)
                yield Label("Dosing-weight basis", classes="field-label")
                yield Select(BASES, value="actual", allow_blank=False, id="basis", compact=True)
                yield WrappedText(id="basis-error", classes="field-error")
                yield Field("Check an order: proposed dose", "dose", "dose with its unit")
            with Vertical(id="results"):
                yield ResultPanel(id="result")
                # Beside warnings, held to half the column (scrolling in itself), so that
                # however long an order check is, the warnings stay on the first screen.
                with VerticalScroll(id="check-scroll"):
                    yield CheckPanel(id="check", classes="check-panel")
                with VerticalScroll(id="details"):
                    yield WarningPanel(id="warnings")
                    yield DetailsPanel(id="details-panel")
                    yield CautionPanel(id="cautions")
                    yield TitrationTable(id="titration", show_cursor=False, zebra_stripes=True)
                    yield BasisPanel(id="basis-panel")
        yield Static(id="short-disclaimer", markup=False)
        footer = Footer()
        footer.compact = True  # a reactive since textual 3.5; an argument only later
        yield footer

    def on_mount(self) -> None:
        self._show_quick_concentrations()
        self.refresh_results()

    def _show_quick_concentrations(self) -> None:
        """A button for each standard concentration of the regimen chosen (none, none shown)."""
        row = self.query_one("#quick-concentrations", Horizontal)
        row.remove_children()
        texts = quick_concentrations(self.rules.find(self.session.inputs.regimen))
        row.mount_all(Button(text, classes="quick", name=text, compact=True) for text in texts)
        row.display = bool(texts)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Offer the jump to the warnings only when there are warnings."""
        if action == "show_warnings":
            result = self.session.result
            return result is not None and bool(result.warnings)
        return True

    def action_check_order(self) -> None:
        self.query_one("#dose", Input).focus()

    def action_show_warnings(self) -> None:
        self.query_one("#details", VerticalScroll).scroll_home(animate=False)
        self.query_one("#warnings").scroll_visible(animate=False)

    @on(Input.Submitted)
    def next_field(self) -> None:
        """Enter in a field moves on, as Tab does."""
        self.focus_next()

    @on(Input.Changed)
    def input_changed(self, event: Input.Changed) -> None:
        """Calculate for what the field holds now, not what it held when the event was
        sent: typed fast, the events queue up, and each then shows the latest text."""
        if event.input.id is not None:
            self.session.set(**{event.input.id: event.input.value})
            self.refresh_results()

    @on(Select.Changed)
    def choice_changed(self, event: Select.Changed) -> None:
        name, chosen = event.select.id, event.value
        # A unit choice taken back is no unit: a bare number is refused again. The event's
        # own value, never the choice's state now, which a refresh may since have set.
        unit_taken_back = name is not None and name.endswith("_unit")
        value = chosen if isinstance(chosen, str) else "" if unit_taken_back else None
        if name is None or value is None:
            return
        if name == "regimen" and value != self.session.inputs.regimen:
            self._change_regimen(value)
        else:
            self.session.set(**{name: value})
        self.refresh_results()

    def _change_regimen(self, regimen: str) -> None:
        """A new regimen: the session clears what belonged to the old one (its
        concentration, and a proposed dose that no longer fits); the form clears those
        fields too, and says what it cleared."""
        self.session.set(regimen=regimen)
        self._show_quick_concentrations()
        cleared = self.session.state.cleared
        for name in cleared:
            self._clear(self.query_one(f"#{name}", Input))
        if cleared:
            said = {"concentration": "concentration", "dose": "proposed dose"}
            what = " and ".join(f"{said[name]} {text.strip()}" for name, text in cleared.items())
            route = self.rules.find(regimen).route
            self.notify(f"Cleared for {route}: {what}.", title="Regimen changed", markup=False)

    @staticmethod
    def _clear(field: Input) -> None:
        with field.prevent(Input.Changed):
            field.value = ""

    @on(Button.Pressed, ".quick")
    def quick_concentration(self, event: Button.Pressed) -> None:
        self.query_one("#concentration", Input).value = event.button.name or ""

    def refresh_results(self) -> None:
        """Show the session's state, one calculation, in every panel at once: the pinned
        dose and the column below it can never show two different results. Each error is
        said once: beside its field, or in the result panel."""
        state = self.session.state
        inputs, result, errors = state.inputs, state.result, state.errors
        said, marked = {"basis"}, []
        # A field left blank is not an error to point at; the result panel says what is missing.
        for field in self.query(Field):
            typed = getattr(inputs, field.field_name).strip()
            message = errors.get(field.field_name) if typed else None
            chosen = getattr(inputs, f"{field.field_name}_unit", "")
            if message is not None and not chosen:
                message += unit_choice_hint(getattr(inputs, field.field_name), field.field_name)
            if field.field_name == "dose":  # said by the order check, next to the result
                field.show_error(None, marked=message is not None)
            else:
                field.show_error(message)
            field.follow_typed_unit(note=message is None, chosen=chosen)
            if message is not None:
                said.add(field.field_name)
                marked.append(field.field_label)
        basis_error = self.query_one("#basis-error", WrappedText)
        basis_error.set_lines([errors["basis"]] if "basis" in errors else [])
        basis_error.display = "basis" in errors
        if "basis" in errors:
            marked.append("Dosing-weight basis")
        waiting = not inputs.weight.strip()
        reasons = [message for name, message in errors.items() if name not in said]
        self.query_one(ResultPanel).show(
            result, reasons, marked, waiting, checked=state.check_result is not None
        )
        # With a dose on screen and no check, the check's own refusal (of any field) says why.
        why_no_check = errors.get("dose") or (
            next(iter(errors.values()), None) if result is not None else None
        )
        self.query_one(CheckPanel).show(
            state.check_result,
            why_no_check,
            bool(inputs.dose.strip()),
            shown=result.warnings if result is not None else [],
        )
        self.query_one(WarningPanel).show(result)
        warned = result is not None and bool(result.warnings)
        self.query_one("#check-scroll").set_class(warned, "beside-warnings")
        self.query_one(DetailsPanel).show(result)
        self.query_one(CautionPanel).show(result)
        self.query_one(TitrationTable).show(result)
        self.query_one(BasisPanel).show(result)
        self.query_one("#details", VerticalScroll).scroll_home(animate=False)
        banner = banner_lines(self.rules.find(inputs.regimen))
        self.query_one("#short-disclaimer", Static).update("\n".join(banner))
        self.refresh_bindings()

    def switch_regimen(self) -> None:
        select = self.query_one("#regimen", Select)
        ids = [regimen.id for regimen in self.rules.regimens]
        select.value = ids[(ids.index(str(select.value)) + 1) % len(ids)]
