"""The app under Pilot: disclaimer first, live results, no stale dose, check, export."""

from __future__ import annotations

import asyncio
import itertools
import re
import tempfile
import threading
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import reviewed
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from strategies import (
    decimal_text,
    height_spellings,
    positive_decimal_text,
    unit_gaps,
    weights_kg,
)
from textual import events
from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import (
    Button,
    DataTable,
    HelpPanel,
    Input,
    Label,
    OptionList,
    Select,
    Static,
)
from textual.widgets._footer import FooterKey
from textual.widgets._toast import Toast

from dosecalc import DISCLAIMER, DoseCalcError, RulesError, Session, calculate, load_rules
from dosecalc.clinical.result import DoseResult
from dosecalc.faces.tui.app import DoseCalcApp
from dosecalc.faces.tui.disclaimer import LOADING, DisclaimerScreen
from dosecalc.faces.tui.screens import CalculatorScreen, ExportScreen, SourceScreen
from dosecalc.faces.tui.widgets import chosen_unit, typed_unit, unit_choice_hint
from dosecalc.foundation.units import (
    names_a_unit,
)
from dosecalc.reports.contents import (
    bind_units,
    entry_error_items,
    headline_rows,
    lead_line,
    patient_rows,
    result_rows,
)
from dosecalc.reports.text import wrap
from dosecalc.ruleset.loader import RuleSet

MADE_AT = datetime(2026, 11, 24, 14, 5, tzinfo=UTC)
DOSE_ON_SCREEN = re.compile(r"\d\s*(mg|mcg|mL)(/|\b)")


def on_screen(pilot: Pilot[None]) -> str:
    """Every piece of text the current screen shows, with wrapped lines joined again."""
    return " ".join(screen_lines(pilot).split())


def screen_lines(pilot: Pilot[None]) -> str:
    """Every line of text the current screen shows (visible widgets only), as wrapped."""
    widgets = pilot.app.screen.query("Static, Label")
    return "\n".join(
        str(w.render())
        for w in widgets
        if isinstance(w, Static | Label) and w.display and w.visible
    )


def run(
    scenario: Callable[[Pilot[None]], Awaitable[None]],
    tmp_path: Path,
    size: tuple[int, int] = (80, 24),
    *,
    notifications: bool = False,
) -> DoseCalcApp:
    app = DoseCalcApp(load_rules(), export_dir=tmp_path)

    async def go() -> None:
        async with app.run_test(size=size, notifications=notifications) as pilot:
            await scenario(pilot)

    asyncio.run(go())
    return app


async def accept(pilot: Pilot[None]) -> None:
    await pilot.press("enter")
    await pilot.pause()


async def type_weight(pilot: Pilot[None], text: str) -> None:
    weight = pilot.app.screen.query_one("#weight", Input)
    weight.value = ""
    weight.focus()
    await pilot.press(*text)
    await pilot.pause()


def test_the_disclaimer_comes_first_and_enter_accepts_it(tmp_path):
    async def scenario(pilot: Pilot[None]) -> None:
        assert isinstance(pilot.app.screen, DisclaimerScreen)
        assert "Educational use only" in on_screen(pilot)
        await accept(pilot)
        assert isinstance(pilot.app.screen, CalculatorScreen)
        assert pilot.app.focused is pilot.app.screen.query_one("#weight", Input)

    run(scenario, tmp_path)


class HeldLoader:
    """Loads the shipped rules in the app's thread, but only once `release` is called."""

    def __init__(self) -> None:
        self._go = threading.Event()
        self.started = threading.Event()

    def __call__(self) -> RuleSet:
        self.started.set()
        if not self._go.wait(timeout=30):
            raise RuntimeError("the test never released the loader")
        return load_rules()

    def release(self) -> None:
        self._go.set()


def run_loading(
    scenario: Callable[[Pilot[None]], Awaitable[None]],
    load: Callable[[], RuleSet],
    tmp_path: Path,
) -> DoseCalcApp:
    """Run the app the way ``dosecalc tui`` starts it: the rules load while it runs."""
    app = DoseCalcApp(load, export_dir=tmp_path)

    async def go() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await scenario(pilot)

    asyncio.run(go())
    return app


async def until_loaded(pilot: Pilot[None]) -> None:
    """Wait (30 s at most) until the calculator has loaded in the background, or failed."""
    app = pilot.app
    assert isinstance(app, DoseCalcApp)
    deadline = asyncio.get_running_loop().time() + 30
    while app.calculator is None and app.startup_error is None:
        assert asyncio.get_running_loop().time() < deadline, "the calculator never loaded"
        await pilot.pause(0.02)
    await pilot.pause()


async def until(pilot: Pilot[None], holds: Callable[[], bool], what: str) -> None:
    """Wait until ``holds()``: 30 s at most, a bound on a hang, never a timed assertion."""
    deadline = asyncio.get_running_loop().time() + 30
    while not holds():
        assert asyncio.get_running_loop().time() < deadline, f"never happened: {what}"
        await pilot.pause(0.02)


def typed_at_once(app: DoseCalcApp, *keys: str) -> None:
    """The keys posted all at once, as a fast typist's burst reaches the app: unlike
    `Pilot.press`, nothing waits for one key to be handled before the next arrives."""
    for key in keys:
        app.post_message(events.Key(key, None))


def dose_for_70_kg() -> str:
    regimen = load_rules().regimens[0].id
    return calculate(weight="70 kg", regimen=regimen).dose.display


def test_started_with_a_loader_the_disclaimer_is_shown_before_the_rules_load(tmp_path):
    loader = HeldLoader()

    async def scenario(pilot: Pilot[None]) -> None:
        await pilot.pause()
        assert isinstance(pilot.app.screen, DisclaimerScreen)
        assert " ".join(DISCLAIMER.split()) in on_screen(pilot)
        assert pilot.app.calculator is None
        loader.release()
        await until_loaded(pilot)
        assert isinstance(pilot.app.screen, DisclaimerScreen)  # still, until accepted

    run_loading(scenario, loader, tmp_path)
    assert loader.started.is_set()


def test_accepted_after_the_load_the_calculator_answers_at_once(tmp_path):
    async def scenario(pilot: Pilot[None]) -> None:
        await until_loaded(pilot)
        await accept(pilot)
        assert isinstance(pilot.app.screen, CalculatorScreen)
        assert pilot.app.focused is pilot.app.screen.query_one("#weight", Input)
        await pilot.press(*"70 kg")
        await pilot.pause()
        assert dose_for_70_kg() in on_screen(pilot)

    run_loading(scenario, load_rules, tmp_path)


def test_accepted_before_the_load_the_disclaimer_waits_then_applies_the_keys_typed_meanwhile(
    tmp_path,
):
    loader = HeldLoader()

    async def scenario(pilot: Pilot[None]) -> None:
        await accept(pilot)
        await pilot.press(*"70 kg", "ctrl+r", "ctrl+s", "ctrl+o")
        await pilot.pause()
        assert isinstance(pilot.app.screen, DisclaimerScreen)
        button = pilot.app.screen.query_one("#understand", Button)
        assert (str(button.label), button.disabled) == (LOADING, True)
        assert pilot.app.calculator is None
        loader.release()
        await until_loaded(pilot)
        await until(pilot, lambda: isinstance(pilot.app.screen, ExportScreen), "ctrl+s")
        # The keys typed while it loaded, in order, as if typed now: 70 kg, the next regimen,
        # the choice of format to save in (over which ctrl+o, typed after it, does nothing).
        (_, calculator, export) = pilot.app.screen_stack
        assert (type(calculator), type(export)) == (CalculatorScreen, ExportScreen)
        assert calculator.query_one("#weight", Input).value == "70 kg"
        assert calculator.session.inputs.regimen == load_rules().regimens[1].id

    run_loading(scenario, loader, tmp_path)
    assert list(tmp_path.iterdir()) == []


def shown(pilot: Pilot[None], panel: str) -> str:
    """The text of one panel of the calculator, its wrapped lines joined again."""
    return " ".join(str(pilot.app.screen.query_one(panel, Static).render()).split())


def as_shown(rows: list[tuple[str, str]]) -> str:
    return " ".join(" ".join(f"{label}: {value}" for label, value in rows).split())


def pinned_and_body(result: DoseResult) -> tuple[str, str]:
    """What the pinned panel and the column's details say of ``result``, by the report
    layer's rows: what to settle first (`lead_line`) and the dose, then the rest of the
    result and the patient."""
    first = headline_rows(result)
    body = [row for row in result_rows(result) if row not in first] + patient_rows(result)
    lead = lead_line(result)
    pinned = as_shown(first) if lead is None else " ".join(f"! {lead} {as_shown(first)}".split())
    return pinned, as_shown(body)


async def weight_shown(pilot: Pilot[None], text: str, chosen: str = "") -> None:
    """Once the calculator holds ``text`` as its weight: the field holds exactly it, and
    the pinned dose and the column below are both `calculate` for it, or no dose shows.
    A bare number is read in the unit ``chosen`` beside the field by the user, whatever
    unit was typed and taken back before (the choice only showed it meanwhile); with none
    chosen (""), it is refused as `calculate` refuses it."""
    app = pilot.app
    assert isinstance(app, DoseCalcApp)
    await until(
        pilot,
        lambda: app.calculator is not None and app.calculator.session.inputs.weight == text,
        f"the weight {text!r}",
    )
    assert app.screen.query_one("#weight", Input).value == text
    assert app.focused is app.screen.query_one("#weight", Input)
    regimen = load_rules().regimens[0].id
    beside = chosen_unit(app.screen.query_one("#weight_unit", Select))
    read = text if names_a_unit(text) or not chosen else f"{text} {chosen}"  # as the README says
    if not names_a_unit(text):  # the choice shows the unit the number is read in, or none
        assert beside == chosen
    assert_shows(pilot, calculated(weight=read, regimen=regimen))


def calculated(**arguments: str) -> DoseResult | str:
    """`calculate`'s result for ``arguments``, or its message when it refuses them."""
    try:
        return calculate(**arguments)
    except DoseCalcError as error:
        return str(error)


def assert_shows(pilot: Pilot[None], expected: DoseResult | str) -> None:
    """The pinned dose and the column below both show ``expected``; or, for a refusal, no
    dose shows anywhere and the refusal's own message does."""
    if isinstance(expected, str):
        assert "NO DOSE SHOWN" in shown(pilot, "#result")
        assert not DOSE_ON_SCREEN.search(on_screen(pilot))
        assert " ".join(expected.split()) in on_screen(pilot)
        return
    assert (shown(pilot, "#result"), shown(pilot, "#details-panel")) == pinned_and_body(expected)


def test_keys_typed_at_once_after_enter_all_reach_the_weight_field(tmp_path):
    async def scenario(pilot: Pilot[None]) -> None:
        typed_at_once(pilot.app, "enter", "1", "5", "4", " ", "l", "b")
        await weight_shown(pilot, "154 lb")

    run(scenario, tmp_path)


def test_keys_typed_at_once_after_enter_while_the_calculator_loads_all_reach_it(tmp_path):
    loader = HeldLoader()

    async def scenario(pilot: Pilot[None]) -> None:
        typed_at_once(pilot.app, "enter", "7", "0", " ", "k", "g")
        await pilot.pause()
        assert pilot.app.calculator is None
        loader.release()
        await weight_shown(pilot, "70 kg")

    run_loading(scenario, loader, tmp_path)


typed_weights = st.one_of(
    st.tuples(
        weights_kg.map(decimal_text), st.sampled_from(["", " kg", "kg", " lb", " LB", " lbs"])
    ).map("".join),
    st.sampled_from(["0", "700", "70,5", "abc", "5 st 6 lb"]),
)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=typed_weights, released_after=st.integers(min_value=0), paused_after=st.integers())
def test_whenever_the_calculator_loads_a_weight_typed_after_enter_is_held_whole_and_calculated(
    text, released_after, paused_after
):
    """The keys go in two bursts, with the loader released between them: before Enter's
    acceptance has been handled, while the disclaimer waits, or after the calculator is up."""
    loader = HeldLoader()
    keys = ["enter", *text]
    cut = released_after % (len(keys) + 1)
    pause = paused_after % (len(keys) + 1)

    async def scenario(pilot: Pilot[None]) -> None:
        for at, key in enumerate(keys):
            if at == cut:
                loader.release()
            if at == pause:
                await pilot.pause()
            typed_at_once(pilot.app, key)
        loader.release()
        await weight_shown(pilot, text)

    run_loading(scenario, loader, Path.cwd())


def test_after_rapid_edits_the_pinned_dose_and_the_column_below_are_both_for_the_final_text(
    tmp_path,
):
    async def scenario(pilot: Pilot[None]) -> None:
        await accept(pilot)
        pilot.app.screen.query_one("#weight_unit", Select).value = "kg"  # the user's choice
        await pilot.pause()
        typed_at_once(pilot.app, "1", "5", "4", "backspace", "backspace", "8", "2")
        await weight_shown(pilot, "182", "kg")
        # A unit typed and taken back: the unit choice follows lb, then kg, behind the keys.
        typed_at_once(pilot.app, *["backspace"] * 3, "7", "0", " ", "l", "b")
        typed_at_once(pilot.app, "backspace", "backspace", "k", "g")
        await weight_shown(pilot, "70 kg", "kg")

    run(scenario, tmp_path)


def typed(keys: list[str]) -> list[str]:
    """What the field holds after each key: a character is added, backspace takes one off."""
    held = [""]
    for key in keys:
        held.append(held[-1][:-1] if key == "backspace" else held[-1] + key)
    return held


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    keys=st.lists(
        st.one_of(
            st.sampled_from([*"0123456789", ".", " ", "l", "b", "k", "g"]), st.just("backspace")
        ),
        min_size=1,
        max_size=10,
    )
)
def test_whatever_rapid_edits_end_on_the_pinned_dose_and_the_column_are_calculate_for_it(keys):
    *before, final = typed(keys)
    assume(final.strip() and final not in before)  # it is shown only once all keys are handled

    async def scenario(pilot: Pilot[None]) -> None:
        await accept(pilot)
        typed_at_once(pilot.app, *keys)
        await weight_shown(pilot, final)

    run(scenario, Path.cwd())


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    chosen=st.sampled_from(["kg", "lb", ""]),
    typed_unit_taken_back=st.sampled_from([" lb", " kg", "lb", " LB", " kg"]),
)
def test_a_unit_typed_and_taken_back_leaves_a_bare_number_in_the_unit_the_user_chose(
    chosen, typed_unit_taken_back
):
    """Typed "100 lb" then back to "100" once read 100 lb, the unit the choice had
    followed, with no sign: a bare number is read in the unit the user chose, or refused
    when they chose none."""

    async def scenario(pilot: Pilot[None]) -> None:
        await accept(pilot)
        choice = pilot.app.screen.query_one("#weight_unit", Select)
        if chosen:  # the user's choice, or none
            choice.value = chosen
        await pilot.pause()
        typed_at_once(pilot.app, "1", "0", "0", *typed_unit_taken_back)
        await weight_shown(pilot, "100" + typed_unit_taken_back, chosen)
        typed_at_once(pilot.app, *["backspace"] * len(typed_unit_taken_back))
        await weight_shown(pilot, "100", chosen)

    run(scenario, Path.cwd())


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    weight=weights_kg.filter(lambda kg: 1 <= kg <= 300).map(decimal_text),
    unit=st.sampled_from(["kg", "lb"]),
)
def test_a_bare_weight_shows_no_dose_until_a_unit_is_chosen_and_none_once_it_is_taken_back(
    weight, unit
):
    """No unit is chosen at first: a bare number is refused (saying both ways to give its
    unit), read once a unit is chosen, and refused again once the choice is cleared."""

    async def scenario(pilot: Pilot[None]) -> None:
        await accept(pilot)
        choice = pilot.app.screen.query_one("#weight_unit", Select)
        assert chosen_unit(choice) == ""
        typed_at_once(pilot.app, *weight)
        await weight_shown(pilot, weight)
        assert "or choose kg or lb beside the field" in on_screen(pilot)
        choice.value = unit
        await until(pilot, lambda: pilot.app.calculator.session.inputs.weight_unit == unit, unit)
        await weight_shown(pilot, weight, unit)
        choice.clear()
        await until(pilot, lambda: not pilot.app.calculator.session.inputs.weight_unit, "none")
        await weight_shown(pilot, weight)

    run(scenario, Path.cwd())


def test_a_unit_chosen_or_cleared_in_the_same_instant_as_an_edit_is_the_one_used(tmp_path):
    """The refresh for the edit set the choice back to the session's unit before the
    choice's own event was handled: "70 lb" typed and the kg choice cleared at once, then
    " lb" taken back, read 70 kg."""

    async def scenario(pilot: Pilot[None]) -> None:
        await accept(pilot)
        screen = pilot.app.screen
        choice = screen.query_one("#weight_unit", Select)
        field = screen.query_one("#weight", Input)
        choice.value = "kg"
        await type_weight(pilot, "70")
        await weight_shown(pilot, "70", "kg")
        field.insert_text_at_cursor(" lb")
        choice.clear()
        await pilot.pause()
        await pilot.press(*["backspace"] * 3)
        await weight_shown(pilot, "70")  # no unit chosen: refused
        field.value = "75"
        choice.value = "lb"
        await weight_shown(pilot, "75", "lb")

    run(scenario, tmp_path)


async def patient_shown(pilot: Pilot[None], height: str, basis: str) -> None:
    """Once the calculator holds 95 kg, ``height``, female and ``basis``: it shows what
    `calculate` gives for the same text, or no dose and `calculate`'s own message."""
    app = pilot.app
    assert isinstance(app, DoseCalcApp)
    assert app.calculator is not None
    calculator = app.calculator
    calculator.query_one("#weight", Input).value = "95 kg"
    calculator.query_one("#height", Input).value = height
    calculator.query_one("#sex", Select).value = "female"
    calculator.query_one("#basis", Select).value = basis

    def held() -> tuple[str, ...]:
        inputs = calculator.session.inputs
        return (inputs.weight, inputs.height, inputs.sex, inputs.basis)

    await until(pilot, lambda: held() == ("95 kg", height, "female", basis), repr(height))
    expected = calculated(
        weight="95 kg", regimen="iv-infusion", height=height, sex="female", basis=basis
    )
    assert_shows(pilot, expected)


def test_a_height_of_5_feet_7_inches_by_their_marks_is_read_as_the_command_line_reads_it(
    tmp_path,
):
    async def scenario(pilot: Pilot[None]) -> None:
        await accept(pilot)
        await patient_shown(pilot, "5'7\"", "adjusted")
        assert "Height: 67 in (170.18 cm)" in on_screen(pilot)
        assert "Feet and inches typed by their marks" in on_screen(pilot)
        assert pilot.app.screen.query_one("#height_unit", Select).disabled

    run(scenario, tmp_path, size=(100, 50))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(height=height_spellings(), basis=st.sampled_from(["actual", "adjusted"]))
def test_the_app_reads_every_spelling_of_a_height_exactly_as_calculate_does(height, basis):
    async def scenario(pilot: Pilot[None]) -> None:
        await accept(pilot)
        await patient_shown(pilot, height, basis)

    run(scenario, Path.cwd(), size=(100, 50))


def test_a_rules_error_while_the_disclaimer_is_read_closes_the_app_with_it(tmp_path):
    def broken() -> RuleSet:
        raise RulesError("broken.toml: regimens: Field required")

    async def scenario(pilot: Pilot[None]) -> None:
        await accept(pilot)
        await until_loaded(pilot)

    app = run_loading(scenario, broken, tmp_path)
    assert isinstance(app.startup_error, RulesError)
    assert "broken.toml" in str(app.startup_error)
    assert (app.return_code, app.calculator) == (2, None)


def test_nothing_behind_the_disclaimer_is_reachable_before_it_is_accepted(tmp_path):
    async def scenario(pilot: Pilot[None]) -> None:
        await pilot.press("tab", "7", "0", "ctrl+r", "ctrl+s", "ctrl+o")
        await pilot.pause()
        assert isinstance(pilot.app.screen, DisclaimerScreen)
        assert pilot.app.calculator.session.inputs.weight == ""
        assert pilot.app.calculator.session.inputs.regimen == "iv-infusion"
        assert list(tmp_path.iterdir()) == []

    run(scenario, tmp_path)


def test_typing_70_shows_21_to_35_mg_per_hr_live_with_cautions_and_disclaimer(tmp_path):
    async def scenario(pilot: Pilot[None]) -> None:
        await accept(pilot)
        await pilot.press(*"70 kg")
        await pilot.pause()
        text = on_screen(pilot)
        assert "Dose rate: 21 to 35 mg/hr" in text
        assert "confusion, nausea, dizziness, blurred vision" in text
        assert "palliative care specialist" in text
        assert "Educational use only" in text
        assert "0.3 mg/kg/hr × 70 kg = 21 mg/hr" in text

    run(scenario, tmp_path)


def test_switching_to_sublingual_shows_25_to_50_mg(tmp_path):
    async def scenario(pilot: Pilot[None]) -> None:
        await accept(pilot)
        await type_weight(pilot, "70 kg")
        await pilot.press("ctrl+r")
        await pilot.pause()
        text = on_screen(pilot)
        assert "Dose per administration: 25 to 50 mg" in text
        assert "disorientation, hallucinations, prolonged sedation" in text
        assert "mg/hr" not in str(pilot.app.screen.query_one("#result", Static).render())
        assert not pilot.app.screen.query_one("#titration").display

    run(scenario, tmp_path)


@pytest.mark.parametrize("bad", ["abc", "-5", "0", "70,5", "700", "70"])
def test_an_invalid_weight_leaves_no_dose_anywhere_on_screen(bad, tmp_path):
    async def scenario(pilot: Pilot[None]) -> None:
        await accept(pilot)
        await type_weight(pilot, "70 kg")
        assert DOSE_ON_SCREEN.search(on_screen(pilot))
        await type_weight(pilot, bad)
        text = on_screen(pilot)
        assert "NO DOSE SHOWN" in text
        assert not DOSE_ON_SCREEN.search(text), text
        assert pilot.app.screen.query_one("#weight-error").display
        table = pilot.app.screen.query_one("#titration", DataTable)
        assert not table.display
        assert table.row_count == 0

    run(scenario, tmp_path)


def test_a_weight_in_lb_gives_the_same_range_as_the_same_weight_in_kg(tmp_path):
    async def scenario(pilot: Pilot[None]) -> None:
        await accept(pilot)
        await type_weight(pilot, "154.3")
        pilot.app.screen.query_one("#weight_unit").value = "lb"
        await pilot.pause()
        in_lb = pilot.app.screen.query_one("#result", Static).render()
        await type_weight(pilot, "69.98930269")
        pilot.app.screen.query_one("#weight_unit").value = "kg"
        await pilot.pause()
        in_kg = pilot.app.screen.query_one("#result", Static).render()
        # Both are used as 69.99 kg, the weight shown, to the nearest 10 g.
        assert "Dose rate: 20.997 to 34.995 mg/hr" in str(in_lb)
        assert str(in_kg) == str(in_lb)

    run(scenario, tmp_path)


@pytest.mark.parametrize(
    ("dose", "words"),
    [
        ("30 mg/h", "WITHIN the range"),
        ("400 mg/h", "ABOVE the range"),
        ("2 mg/h", "BELOW the range"),
        ("30 mg", "No verdict"),
    ],
)
def test_the_check_panel_gives_the_verdict_in_words(dose, words, tmp_path):
    async def scenario(pilot: Pilot[None]) -> None:
        await accept(pilot)
        await type_weight(pilot, "70 kg")
        pilot.app.screen.query_one("#dose", Input).value = dose
        await pilot.pause()
        text = str(pilot.app.screen.query_one("#check", Static).render())
        assert words in text
        if dose == "400 mg/h":
            assert text.startswith("PROBABLE ENTRY ERROR: ABOVE the range")

    run(scenario, tmp_path)


def test_the_shipped_rules_give_no_standard_concentration_so_no_quick_button_is_shown(tmp_path):
    async def scenario(pilot: Pilot[None]) -> None:
        await accept(pilot)
        await type_weight(pilot, "70 kg")
        for _ in load_rules().regimens:
            assert not pilot.app.screen.query("Button.quick")
            assert not pilot.app.screen.query_one("#quick-concentrations").display
            await pilot.press("ctrl+r")
            await pilot.pause()

    run(scenario, tmp_path, size=(100, 40))


CITED = (
    'source = { document = "Test pharmacy list", description = "test data", '
    'section = "Concentrations", quote = "Ketamine 2 mg/mL; 50 mg/5 mL" }'
)


def test_a_quick_concentration_from_the_rule_fills_the_field_and_shows_the_pump_rate(
    tmp_path, rules_copy
):
    path = rules_copy / "ketamine-palliative.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace(
            'kind = "weight-based-rate"\n',
            'kind = "weight-based-rate"\n'
            f'standard_concentrations = [{{ value = 2, unit = "mg/mL", {CITED} }}, '
            f'{{ value = 50, unit = "mg/5 mL", {CITED} }}]\n',
        ),
        encoding="utf-8",
    )
    rules = load_rules(reviewed(rules_copy))
    app = DoseCalcApp(rules, export_dir=tmp_path)

    async def scenario(pilot: Pilot[None]) -> None:
        await accept(pilot)
        await type_weight(pilot, "70 kg")
        buttons = pilot.app.screen.query("Button.quick")
        assert [str(b.label) for b in buttons] == ["2 mg/mL", "10 mg/mL"]
        await pilot.click("Button.quick")
        await pilot.pause()
        assert pilot.app.screen.query_one("#concentration", Input).value == "2 mg/mL"
        result = calculate(
            weight="70 kg", regimen="iv-infusion", concentration="2 mg/mL", rules=rules
        )
        assert result.pump_rate is not None
        assert f"Pump rate: {result.pump_rate.display}" in on_screen(pilot)
        await pilot.press("ctrl+r")  # the next regimen has none of its own
        await pilot.pause()
        assert not pilot.app.screen.query("Button.quick")

    async def go() -> None:
        async with app.run_test(size=(100, 40)) as pilot:
            await scenario(pilot)

    asyncio.run(go())


async def saved(pilot: Pilot[None], folder: Path, pattern: str) -> Path:
    """The file the app saved into ``folder``, once written whole: it is written in a
    thread, so it may exist, empty or part written, a moment before it is done."""
    size = -1
    for _ in range(200):
        found = list(folder.glob(pattern))
        if found:
            (path,) = found
            now = path.stat().st_size
            if now and now == size:  # the same size twice, 20 ms apart: written
                return path
            size = now
        await pilot.pause(0.02)
    raise AssertionError(f"nothing matching {pattern} was saved whole")


def test_export_writes_the_summary_with_basis_cautions_and_disclaimer(tmp_path):
    async def scenario(pilot: Pilot[None]) -> None:
        await accept(pilot)
        await pilot.press("ctrl+s")  # nothing valid yet: nothing is offered or saved
        await pilot.pause()
        assert isinstance(pilot.app.screen, CalculatorScreen)
        assert list(tmp_path.iterdir()) == []
        await type_weight(pilot, "70 kg")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ExportScreen)
        await pilot.press("enter")  # the first format: text
        path = await saved(pilot, tmp_path, "dosecalc-*.txt")
        text = path.read_text(encoding="utf-8")
        for expected in (
            "21 to 35 mg/hr",
            "EDUCATIONAL USE ONLY",
            "Supervision:",
            "ketamine-palliative@1.1.0",
            "Summary made",
            "Formula: 0.3 mg/kg/hr",
        ):
            assert expected in text

    run(scenario, tmp_path)


@pytest.mark.parametrize(
    ("name", "suffix", "expected"),
    [
        ("markdown", ".md", bind_units("| 0.3 mg/kg/hr | 21 mg/hr |")),
        ("html", ".html", bind_units("<dd>21 to 35 mg/hr</dd>")),
        ("json", ".json", '"display": "21 to 35 mg/hr"'),
        ("fhir", ".fhir.json", '"code": "mg/kg/h"'),
    ],
)
def test_export_offers_every_format_the_command_line_has(tmp_path, name, suffix, expected):
    async def scenario(pilot: Pilot[None]) -> None:
        await accept(pilot)
        await type_weight(pilot, "70 kg")
        await pilot.press("ctrl+s")
        await pilot.pause()
        options = pilot.app.screen.query_one("#formats", OptionList)
        options.highlighted = [option.id for option in options.options].index(name)
        await pilot.press("enter")
        path = await saved(pilot, tmp_path, f"dosecalc-*{suffix}")
        assert path.name.endswith(suffix)
        assert expected in path.read_text(encoding="utf-8")

    run(scenario, tmp_path)


@pytest.mark.parametrize("name", ["text", "markdown", "html", "json", "fhir"])
def test_every_saved_format_holds_the_order_check_on_screen(tmp_path, name):
    async def scenario(pilot: Pilot[None]) -> None:
        await accept(pilot)
        await type_weight(pilot, "70 kg")
        pilot.app.screen.query_one("#dose", Input).value = "400 mg/h"
        await pilot.pause()
        check = pilot.app.calculator.session.check_result
        assert check is not None
        saved = pilot.app.export(name, MADE_AT)
        assert saved is not None
        flat = " ".join(saved.replace("\u00a0", " ").replace("\\", "").split())
        for piece in (check.display["verdict"], *entry_error_items(check)):
            assert " ".join(piece.split()) in flat

    run(scenario, tmp_path)


def test_closing_the_export_choice_saves_nothing(tmp_path):
    async def scenario(pilot: Pilot[None]) -> None:
        await accept(pilot)
        await type_weight(pilot, "70 kg")
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(pilot.app.screen, CalculatorScreen)
        assert list(tmp_path.iterdir()) == []

    run(scenario, tmp_path)


def test_the_source_section_and_theme_are_one_key_away(tmp_path):
    async def scenario(pilot: Pilot[None]) -> None:
        await accept(pilot)
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert isinstance(pilot.app.screen, SourceScreen)
        assert "Low Dose: 0.3-0.5 mg/kg/hr" in on_screen(pilot)
        await pilot.press("escape")
        await pilot.pause()
        theme = pilot.app.theme
        await pilot.press("ctrl+t")
        assert pilot.app.theme != theme

    run(scenario, tmp_path)


def test_every_binding_has_an_id_and_a_tooltip():
    for binding in [*DoseCalcApp.BINDINGS, *CalculatorScreen.BINDINGS]:
        assert binding.id
        assert binding.tooltip or not binding.show


def test_ctrl_q_quits(tmp_path):
    async def scenario(pilot: Pilot[None]) -> None:
        await accept(pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not pilot.app.is_running

    run(scenario, tmp_path)


def test_the_titration_table_follows_the_result(tmp_path):
    async def scenario(pilot: Pilot[None]) -> None:
        await accept(pilot)
        await type_weight(pilot, "70 kg")
        pilot.app.screen.query_one("#concentration", Input).value = "1 mg/mL"
        await pilot.pause()
        table = pilot.app.screen.query_one("#titration", DataTable)
        assert table.row_count == 5
        assert table.get_row_at(1) == ["0.35 mg/kg/hr", "24.5 mg/hr", "24.5 mL/hr"]

    run(scenario, tmp_path)


def test_a_blank_form_asks_for_the_weight_without_pointing_at_an_error(tmp_path):
    async def scenario(pilot: Pilot[None]) -> None:
        await accept(pilot)
        text = on_screen(pilot)
        assert "Enter the patient's weight to see the range." in text
        assert not pilot.app.screen.query_one("#weight-error").display
        assert not DOSE_ON_SCREEN.search(text)

    run(scenario, tmp_path)


def test_markup_typed_into_a_field_is_shown_as_text_not_obeyed(tmp_path):
    async def scenario(pilot: Pilot[None]) -> None:
        await accept(pilot)
        await type_weight(pilot, "[red]70")
        assert "'[red]70'" in on_screen(pilot)

    run(scenario, tmp_path)


def test_no_number_is_split_from_its_unit_at_80_columns(tmp_path):
    async def scenario(pilot: Pilot[None]) -> None:
        await accept(pilot)
        await type_weight(pilot, "154.3")
        pilot.app.screen.query_one("#weight_unit").value = "lb"
        pilot.app.screen.query_one("#concentration", Input).value = "2 mg/mL"
        await pilot.pause()
        lines = screen_lines(pilot).splitlines()
        assert len(lines) > 20
        assert not any(re.search(r"\d to$", line.rstrip()) for line in lines)
        for line, following in itertools.pairwise(lines):
            assert not (
                line.rstrip()[-1:].isdigit() and re.match(r"\s*(mg|mcg|mL|kg|lb)", following)
            )

    run(scenario, tmp_path)


def test_height_and_sex_show_ibw_and_abw_and_the_basis_can_use_them(tmp_path):
    async def scenario(pilot: Pilot[None]) -> None:
        await accept(pilot)
        await type_weight(pilot, "95 kg")
        screen = pilot.app.screen
        screen.query_one("#height", Input).value = "170 cm"
        screen.query_one("#sex").value = "female"
        await pilot.pause()
        text = on_screen(pilot)
        assert "Ideal body weight: 61.44 kg" in text
        assert "Adjusted body weight: 74.86 kg" in text
        screen.query_one("#basis").value = "adjusted"
        await pilot.pause()
        assert "Dosing weight: 74.86 kg (adjusted body weight)" in on_screen(pilot)
        screen.query_one("#height", Input).value = ""
        await pilot.pause()
        text = on_screen(pilot)
        assert "needs the patient's height" in text
        assert not DOSE_ON_SCREEN.search(text)

    run(scenario, tmp_path)


def test_the_command_palette_offers_the_apps_commands(tmp_path):
    async def scenario(pilot: Pilot[None]) -> None:
        await accept(pilot)
        titles = [c.title for c in pilot.app.get_system_commands(pilot.app.screen)]
        for title in (
            "Switch regimen",
            "Save summary",
            "Show the source section",
            "Toggle dark/light",
        ):
            assert title in titles
        await type_weight(pilot, "70 kg")
        command = next(
            c
            for c in pilot.app.get_system_commands(pilot.app.screen)
            if c.title == "Switch regimen"
        )
        command.callback()
        await pilot.pause()
        assert "Dose per administration: 25 to 50 mg" in on_screen(pilot)

    run(scenario, tmp_path)


def test_the_app_starts_on_the_first_regimen_of_the_rules_in_force(tmp_path, rules_copy):
    path = rules_copy / "ketamine-palliative.toml"
    header, _iv, sublingual = path.read_text(encoding="utf-8").split("[[regimens]]")
    path.write_text(header + "[[regimens]]" + sublingual, encoding="utf-8")
    app = DoseCalcApp(load_rules(reviewed(rules_copy)), export_dir=tmp_path)

    async def go() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await accept(pilot)
            await type_weight(pilot, "70 kg")
            assert "Dose per administration: 25 to 50 mg" in on_screen(pilot)

    asyncio.run(go())


def test_saving_twice_in_the_same_second_keeps_both_reports(tmp_path, monkeypatch):
    import dosecalc.faces.tui.app as app_module

    frozen = datetime(2026, 12, 2, 9, 30, 0, tzinfo=UTC)

    class SameSecond(datetime):
        @classmethod
        def now(cls, tz=None):
            return frozen

    monkeypatch.setattr(app_module, "datetime", SameSecond)
    delivered = []
    monkeypatch.setattr(
        app_module.DoseCalcApp, "on_delivery_complete", lambda self, event: delivered.append(event)
    )

    async def scenario(pilot: Pilot[None]) -> None:
        await accept(pilot)
        await type_weight(pilot, "70 kg")
        for _ in range(3):
            pilot.app.save("text")  # at once, before any of the files is written
        deadline = asyncio.get_running_loop().time() + 10
        while len(delivered) < 3:  # every save thread done before the app closes
            assert asyncio.get_running_loop().time() < deadline
            await pilot.pause(0.05)

    run(scenario, tmp_path)
    assert sorted(p.name for p in tmp_path.glob("dosecalc-*.txt")) == [
        "dosecalc-20261202-093000-2.txt",
        "dosecalc-20261202-093000-3.txt",
        "dosecalc-20261202-093000.txt",
    ]


def seen_whole(pilot: Pilot[None], widget: Widget) -> bool:
    """Every row of ``widget`` is on the first screen, unscrolled and uncovered.

    ``widget.region`` is where the widget lies on the screen, scrolled but not clipped;
    the screen's own ``get_widget_at`` answers what is painted at a cell. The widget is
    seen whole when its region lies inside the screen and the screen paints this very
    widget at each of its rows: a row scrolled out of its container, cut off by the
    footer or covered by another widget answers with some other widget.
    """
    screen = pilot.app.screen
    region = widget.region
    if not widget.display or not region.area or not screen.region.contains_region(region):
        return False
    middle = region.x + region.width // 2
    return all(screen.get_widget_at(middle, y)[0] is widget for y in range(region.y, region.bottom))


def first_row_seen(pilot: Pilot[None], widget: Widget) -> bool:
    """The first row of ``widget`` is painted on the first screen (as `seen_whole`, one row)."""
    return rows_seen(pilot, widget, 1)


def rows_seen(pilot: Pilot[None], widget: Widget, rows: int) -> bool:
    """The first ``rows`` rows of ``widget`` are painted on the first screen (`seen_whole`)."""
    screen = pilot.app.screen
    region = widget.region
    if not widget.display or not region.area or not screen.region.contains_point(region.offset):
        return False
    middle = region.x + region.width // 2
    return all(
        screen.get_widget_at(middle, y)[0] is widget for y in range(region.y, region.y + rows)
    )


def shown_text(widget: Widget) -> str:
    """What a text widget shows, with wrapped lines joined again."""
    return " ".join(str(widget.render()).split())


@pytest.mark.parametrize(
    ("weight", "unit"), [("154", "kg"), ("250", "kg"), ("70", "lb")], ids=["154kg", "250kg", "70lb"]
)
def test_at_80x24_the_dose_and_every_warning_are_on_the_first_screen(weight, unit, tmp_path):
    async def scenario(pilot: Pilot[None]) -> None:
        await accept(pilot)
        screen = pilot.app.screen
        screen.query_one("#weight_unit", Select).value = unit
        await type_weight(pilot, "60")
        screen.query_one("#details").scroll_end(animate=False)  # reading the basis...
        await pilot.pause()
        await type_weight(pilot, weight)  # ...then a new weight: the top comes back
        result = pilot.app.calculator.session.result
        assert result is not None
        assert len(result.warnings) >= 1
        headline, warnings = screen.query_one("#result"), screen.query_one("#warnings")
        assert seen_whole(pilot, headline)
        assert result.dose.display in shown_text(headline)
        assert f"{len(result.warnings)} WARNING" in str(headline.border_subtitle)
        assert seen_whole(pilot, warnings)
        for warning in result.warnings:
            assert " ".join(warning.message.split()) in shown_text(warnings)
        assert warnings.region.y < screen.query_one("#cautions").region.y  # before side effects

    run(scenario, tmp_path)


def test_at_80x24_the_pump_rate_sits_with_the_dose_above_the_warnings(tmp_path):
    async def scenario(pilot: Pilot[None]) -> None:
        await accept(pilot)
        pilot.app.screen.query_one("#concentration", Input).value = "1 mg/mL"
        await type_weight(pilot, "154 kg")
        result = pilot.app.calculator.session.result
        assert result is not None
        assert result.pump_rate is not None
        headline = pilot.app.screen.query_one("#result")
        assert result.pump_rate.display in shown_text(headline)
        assert seen_whole(pilot, headline)
        assert seen_whole(pilot, pilot.app.screen.query_one("#warnings"))

    run(scenario, tmp_path)


def test_the_warnings_key_brings_the_warnings_back_into_view(tmp_path):
    async def scenario(pilot: Pilot[None]) -> None:
        await accept(pilot)
        await type_weight(pilot, "154 kg")
        screen = pilot.app.screen
        screen.query_one("#details").scroll_end(animate=False)
        await pilot.pause()
        assert not seen_whole(pilot, screen.query_one("#warnings"))
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert seen_whole(pilot, screen.query_one("#warnings"))

    run(scenario, tmp_path)


def test_at_80x24_checking_350_mg_per_hr_at_70_kg_shows_the_verdict_and_entry_error(tmp_path):
    async def scenario(pilot: Pilot[None]) -> None:
        await accept(pilot)
        await type_weight(pilot, "70 kg")
        await pilot.press("ctrl+k", *"350 mg/hr")
        await pilot.pause()
        check = pilot.app.calculator.session.check_result
        assert check is not None
        assert check.probable_entry_error is not None
        panel = pilot.app.screen.query_one("#check")
        assert seen_whole(pilot, panel)
        assert seen_whole(pilot, pilot.app.screen.query_one("#result"))
        text = shown_text(panel)
        assert text.startswith(check.display["verdict"])
        for item in entry_error_items(check):  # the slips, the headline having said why
            assert " ".join(item.split()) in text
        assert "stop" in panel.classes  # marked as the headline's severity, not only worded
        banner = pilot.app.screen.query_one("#short-disclaimer")
        assert seen_whole(pilot, banner)  # the supervision stays in sight after a check
        assert " ".join(check.supervision.split()) in " ".join(shown_text(banner).split())

    run(scenario, tmp_path)


@pytest.mark.parametrize("start", ["#weight", "#regimen", "#basis", "#concentration"])
def test_ctrl_k_goes_to_the_proposed_dose_from_anywhere(start, tmp_path):
    async def scenario(pilot: Pilot[None]) -> None:
        await accept(pilot)
        pilot.app.screen.query_one(start).focus()
        await pilot.press("ctrl+k")
        await pilot.pause()
        assert pilot.app.focused is pilot.app.screen.query_one("#dose", Input)

    run(scenario, tmp_path)


@pytest.mark.parametrize("field", ["weight", "concentration", "height"])
def test_enter_in_a_field_moves_to_the_next_field(field, tmp_path):
    async def scenario(pilot: Pilot[None]) -> None:
        await accept(pilot)
        screen = pilot.app.screen
        here = screen.query_one(f"#{field}", Input)
        here.focus()
        await pilot.pause()
        chain = screen.focus_chain
        await pilot.press("enter")
        await pilot.pause()
        assert pilot.app.focused is chain[chain.index(here) + 1]

    run(scenario, tmp_path)


def test_a_regimen_change_clears_its_concentration_and_a_dose_that_no_longer_fits(tmp_path):
    async def scenario(pilot: Pilot[None]) -> None:
        await accept(pilot)
        screen = pilot.app.screen
        screen.query_one("#concentration", Input).value = "1 mg/mL"
        screen.query_one("#dose", Input).value = "30 mg/hr"
        await type_weight(pilot, "70 kg")
        assert pilot.app.calculator.session.result.pump_rate is not None
        await pilot.press("ctrl+r")
        await pilot.pause()
        session = pilot.app.calculator.session
        assert session.inputs.concentration == session.inputs.dose == ""
        assert screen.query_one("#concentration", Input).value == ""
        assert screen.query_one("#dose", Input).value == ""
        assert session.result is not None
        assert session.result.volume is None
        assert " mL" not in on_screen(pilot)
        assert any("Cleared" in n.message for n in pilot.app._notifications)

    run(scenario, tmp_path)


_KG_AND_LB_SPELLINGS = {
    "kg": ["kg", "KG", "kgs", "kilos", "kilograms", "kilogram"],
    "lb": ["lb", "LB", "lbs", "pounds", "pound"],
}


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    follows=st.sampled_from(["kg", "lb"]),
    spelling=st.integers(0, 5),
    joined=st.booleans(),
)
def test_a_unit_typed_in_the_weight_wins_and_the_unit_choice_follows_and_says_so(
    follows, spelling, joined
):
    """Any spelling of kg or lb the reader takes ("kilos", "pounds", "70kg"): the choice
    shows the unit the weight is read in, never the other one beside it."""
    spellings = _KG_AND_LB_SPELLINGS[follows]
    unit = spellings[spelling % len(spellings)]
    typed = f"154{'' if joined else ' '}{unit}"
    chosen = "kg" if follows == "lb" else "lb"

    async def scenario(pilot: Pilot[None]) -> None:
        await accept(pilot)
        screen = pilot.app.screen
        choice = screen.query_one("#weight_unit", Select)
        choice.value = chosen
        await type_weight(pilot, typed)
        assert choice.value == follows
        assert choice.disabled
        assert f"the unit choice follows it ({follows})" in on_screen(pilot)
        assert pilot.app.calculator.session.result.patient.display["weight"].startswith(
            f"154 {follows}"
        )
        await type_weight(pilot, "70")  # a bare number: the choice is the unit again
        assert not choice.disabled
        assert "Unit typed" not in on_screen(pilot)

    run(scenario, Path.cwd())


@pytest.mark.parametrize(("number", "unit"), [("11", "st"), ("2400", "oz"), ("70000", "g")])
def test_a_weight_unit_the_choice_cannot_show_names_the_choice_not_used(number, unit, tmp_path):
    async def scenario(pilot: Pilot[None]) -> None:
        await accept(pilot)
        screen = pilot.app.screen
        screen.query_one("#weight_unit", Select).value = "lb"
        await type_weight(pilot, f"{number} {unit}")
        assert screen.query_one("#weight_unit", Select).disabled
        assert f"Unit typed: {unit}; the unit choice (lb) is not used." in on_screen(pilot)

    run(scenario, tmp_path)


def test_a_typed_unit_the_choice_cannot_show_locks_the_choice_and_says_it_is_not_used(tmp_path):
    async def scenario(pilot: Pilot[None]) -> None:
        await accept(pilot)
        await type_weight(pilot, "70 kg")
        screen = pilot.app.screen
        screen.query_one("#height_unit", Select).value = "cm"
        screen.query_one("#height", Input).value = "5 ft 7 in"
        await pilot.pause()
        assert screen.query_one("#height_unit", Select).disabled
        assert "Unit typed: ft 7 in; the unit choice (cm) is not used." in on_screen(pilot)

    run(scenario, tmp_path)


def test_the_command_palette_waits_for_the_disclaimer(tmp_path):
    async def scenario(pilot: Pilot[None]) -> None:
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(pilot.app.screen, DisclaimerScreen)
        assert not CommandPalette.is_open(pilot.app)
        await accept(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert CommandPalette.is_open(pilot.app)

    run(scenario, tmp_path)


@pytest.mark.parametrize(("key", "words"), [("ctrl+q", "Quit"), ("ctrl+k", "Check")])
def test_the_footer_shows_quit_and_check_at_80x24(key, words, tmp_path):
    async def scenario(pilot: Pilot[None]) -> None:
        await accept(pilot)
        (shown,) = [k for k in pilot.app.screen.query(FooterKey) if k.key == key]
        assert shown.description == words
        assert seen_whole(pilot, shown)

    run(scenario, tmp_path)


def test_the_keys_panel_lies_over_the_results_and_escape_closes_it(tmp_path):
    async def scenario(pilot: Pilot[None]) -> None:
        await accept(pilot)
        await type_weight(pilot, "70 kg")
        result = pilot.app.screen.query_one("#result")
        width = result.region.width
        pilot.app.action_show_help_panel()
        await pilot.pause()
        assert pilot.app.screen.query(HelpPanel)
        assert result.region.width == width
        await pilot.press("escape")
        await pilot.pause()
        assert not pilot.app.screen.query(HelpPanel)

    run(scenario, tmp_path)


def test_the_palettes_screenshot_is_saved_where_results_are_saved(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home-without-downloads"))

    async def scenario(pilot: Pilot[None]) -> None:
        await accept(pilot)
        (command,) = [
            c for c in pilot.app.get_system_commands(pilot.app.screen) if c.title == "Screenshot"
        ]
        command.callback()
        path = await saved(pilot, tmp_path, "dosecalc-screen-*.svg")
        assert path.read_text(encoding="utf-8").startswith("<svg")

    run(scenario, tmp_path)


def test_each_error_is_said_once(tmp_path):
    async def scenario(pilot: Pilot[None]) -> None:
        await accept(pilot)
        await type_weight(pilot, "abc")
        message = pilot.app.calculator.session.errors["weight"]
        assert on_screen(pilot).count(" ".join(message.split())) == 1
        assert "NO DOSE SHOWN: fix the marked field (Weight)." in on_screen(pilot)
        await type_weight(pilot, "70 kg")
        pilot.app.screen.query_one("#dose", Input).value = "30 mg"
        await pilot.pause()
        message = pilot.app.calculator.session.errors["dose"]
        assert on_screen(pilot).count(" ".join(message.split())) == 1

    run(scenario, tmp_path)


def test_the_rules_sha256_wraps_between_groups_never_inside_one(tmp_path):
    async def scenario(pilot: Pilot[None]) -> None:
        await accept(pilot)
        await type_weight(pilot, "70 kg")
        sha = pilot.app.rules.sha256
        lines = str(pilot.app.screen.query_one("#basis-panel").render()).splitlines()
        groups = [sha[i : i + 8] for i in range(0, 64, 8)]
        assert all(any(group in line for line in lines) for group in groups)
        assert sha in "".join("".join(lines).split())

    run(scenario, tmp_path)


def test_a_saved_files_name_is_never_split_in_its_toast(tmp_path):
    async def scenario(pilot: Pilot[None]) -> None:
        await accept(pilot)
        await type_weight(pilot, "70 kg")
        pilot.app.save("fhir")
        path = await saved(pilot, tmp_path, "dosecalc-*.fhir.json")
        for _ in range(100):
            toasts = [str(t.render()) for t in pilot.app.screen.query(Toast)]
            if any("Saved" in t for t in toasts):
                break
            await pilot.pause(0.02)
        assert any(path.name in t.splitlines() for t in toasts), toasts

    run(scenario, tmp_path, notifications=True)


@given(
    number=positive_decimal_text,
    gap=unit_gaps,
    unit=st.sampled_from(["kg", "lb", "KG", "Lb", "lbs", "cm", "in", "ft 7 in"]),
)
def test_the_unit_typed_after_any_number_is_the_one_the_face_reads(number, gap, unit):
    assert typed_unit(f" {number}{gap}{unit} ") == unit
    assert typed_unit(number) is None


def test_sublingual_needs_no_weight_and_an_order_per_kg_is_checked_without_one(tmp_path):
    async def scenario(pilot: Pilot[None]) -> None:
        await accept(pilot)
        pilot.app.screen.query_one("#dose", Input).value = "1.5 mg/kg/hr"
        await pilot.pause()
        check_text = str(pilot.app.screen.query_one("#check", Static).render())
        assert "ABOVE the range" in check_text
        assert "0.3 to 0.5 mg/kg/hr" in check_text
        assert not DOSE_ON_SCREEN.search(str(pilot.app.screen.query_one("#result").render()))
        pilot.app.screen.query_one("#dose", Input).value = ""
        await pilot.press("ctrl+r")  # to sublingual or buccal, weight still blank
        await pilot.pause()
        expected = calculate(regimen="sl").dose.display
        assert f"Dose per administration: {expected}" in on_screen(pilot)

    run(scenario, tmp_path)


@pytest.mark.parametrize(
    ("weight", "dose", "severity"),
    [
        ("70", "30 mg/hr", "within"),
        ("70", "40 mg/hr", "out-of-range"),
        ("70", "350 mg/hr", "stop"),
        ("3.5", "1.4 mg/hr", "not-checked"),  # within 1.05 to 1.75 mg/hr, but 3.5 kg
    ],
)
def test_the_order_check_box_is_marked_by_its_headline_and_leads_with_it(
    weight, dose, severity, tmp_path
):
    async def scenario(pilot: Pilot[None]) -> None:
        await accept(pilot)
        await type_weight(pilot, f"{weight} kg")
        await pilot.press("ctrl+k", *dose)
        await pilot.pause()
        check = pilot.app.calculator.session.check_result
        assert check is not None
        assert check.headline.severity == severity
        panel = pilot.app.screen.query_one("#check")
        assert severity in panel.classes
        assert shown_text(panel).startswith(check.headline.text)
        if pilot.app.calculator.session.result.warnings:  # beside them, its verdict in view
            verdict = wrap(check.display["verdict"], panel.content_region.width).splitlines()
            assert rows_seen(pilot, panel, 1 + len(verdict))  # the top border, the verdict
            assert first_row_seen(pilot, pilot.app.screen.query_one("#warnings"))
        else:
            assert seen_whole(pilot, panel)

    run(scenario, tmp_path)


def test_the_banner_says_whose_supervision_and_whether_a_ward_reviewed_the_rules(tmp_path):
    from conftest import REPO

    from dosecalc.faces.tui.app import DoseCalcApp

    for folder, unreviewed in ((None, True), (REPO / "examples" / "hospital-library", False)):
        rules = load_rules(folder) if folder else load_rules()
        app = DoseCalcApp(rules, export_dir=tmp_path)

        async def go(app=app, rules=rules, unreviewed=unreviewed) -> None:
            async with app.run_test(size=(80, 24)) as pilot:
                await accept(pilot)
                banner = " ".join(
                    shown_text(pilot.app.screen.query_one("#short-disclaimer")).split()
                )
                assert rules.regimens[0].supervision in banner
                assert ("rules unreviewed (--rules DIR)" in banner) == unreviewed

        asyncio.run(go())


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    weight=st.sampled_from(["2.5", "3.5", "20", "35", "39.9", "154", "250", "70", "40"]),
    dose=st.sampled_from(["", "8 mg/hr", "30 mg/hr", "350 mg/hr", "0.4 mg/kg/hr"]),
)
def test_a_dose_for_a_patient_the_source_does_not_cover_is_never_shown_unqualified(weight, dose):
    """With or without an order checked beside it, the pinned result qualifies its figures
    as every other face does (before them, or on its border beside an order check) whenever
    the source does not cover the patient; for a patient it covers, it says nothing of it."""

    async def scenario(pilot: Pilot[None]) -> None:
        await accept(pilot)
        await type_weight(pilot, f"{weight} kg")
        if dose:
            await pilot.press("ctrl+k", *dose)
            await pilot.pause()
        result = pilot.app.calculator.session.result
        assert result is not None
        panel = pilot.app.screen.query_one("#result")
        shown = shown_text(panel)
        first_dose = DOSE_ON_SCREEN.search(shown)
        assert first_dose is not None
        said = shown[: first_dose.start()].casefold()  # before the dose, or on its border
        border = str(panel.border_subtitle or "").casefold()
        qualified = any(
            words in place
            for words in ("not checked for this patient", "may not be covered")
            for place in (said, border)
        )
        assert qualified == (not result.patient_covered), shown

    with tempfile.TemporaryDirectory() as folder:
        run(scenario, Path(folder))


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    weight=st.sampled_from(["70", "55", "3.5"]),
    dose=st.sampled_from(["25 mL/hr", "2 mL/hr", "8 mg/hr", "2.5 mL", "0.4 mg/kg/hr"]),
    concentration=st.sampled_from(["", "1 mg/mL"]),
)
def test_the_order_check_never_says_no_dose_is_on_screen_while_one_is(weight, dose, concentration):
    """'25 mL/hr' with no concentration: the box said "there is no dose on screen" beside
    21 to 35 mg/hr. With a dose on screen, a check that cannot be made says why."""

    async def scenario(pilot: Pilot[None]) -> None:
        await accept(pilot)
        pilot.app.screen.query_one("#concentration", Input).value = concentration
        await type_weight(pilot, f"{weight} kg")
        await pilot.press("ctrl+k", *dose)
        await pilot.pause()
        session = pilot.app.calculator.session
        panel = shown_text(pilot.app.screen.query_one("#check"))
        if session.result is not None:
            assert "no dose on screen" not in panel, panel
        if session.result is not None and session.check_result is None:
            assert panel.startswith("No verdict: "), panel
            assert any(message in panel for message in session.errors.values()), panel

    with tempfile.TemporaryDirectory() as folder:
        run(scenario, Path(folder))


@given(
    kg=weights_kg.filter(lambda kg: 1 <= kg <= 300).map(decimal_text),
    mark=st.sampled_from(["\t", "\n", "\x85", "\u2028"]),
)
def test_the_unit_choice_is_offered_only_for_a_number_that_choosing_a_unit_would_read(kg, mark):
    """ "70" with no unit chosen: choosing kg or lb reads it, so the form offers that beside
    the reader's refusal. "70" and a tab: the session trims only spaces, and the reader
    refuses the tab whatever is chosen, so the choice is not offered."""
    assert unit_choice_hint(f" {kg} ", "weight") == "; or choose kg or lb beside the field"
    assert unit_choice_hint(f"{kg}{mark}", "weight") == ""
    session = Session()
    session.set(weight=f"{kg}{mark}", weight_unit="kg")
    assert session.result is None


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    weight=st.sampled_from(["68 lb", "6.8 kg", "154 kg", "35 kg", "70 kg"]),
    concentration=st.sampled_from(["", "10 mcg/mL", "10 mg/mL", "1 mg/mL"]),
    dose=st.sampled_from(["2.8 mL/hr", "28 mg/hr", "350 mg/hr", "0.4 mg/kg/hr", "40 mg/hr"]),
)
def test_at_80x24_a_long_order_check_never_pushes_the_warnings_off_the_first_screen(
    weight, concentration, dose
):
    """68 lb, 10 mcg/mL and 2.8 mL/hr: the order check's box ran from row 7 to row 37, and
    every warning (the lb/kg mix-up, mcg for mg) lay below the screen, ctrl+g or not.
    Beside warnings the box takes at most half the column and scrolls in itself: its verdict
    and the first warning are both on the first screen, and ctrl+g keeps the warnings there."""

    async def scenario(pilot: Pilot[None]) -> None:
        await accept(pilot)
        screen = pilot.app.screen
        screen.query_one("#concentration", Input).value = concentration
        screen.query_one("#dose", Input).value = dose
        await type_weight(pilot, weight)
        result = pilot.app.calculator.session.result
        check = screen.query_one("#check")
        if result is None or not check.display:
            return
        assert first_row_seen(pilot, check)
        assert first_row_seen(pilot, screen.query_one("#result"))
        if result.warnings:
            warnings = screen.query_one("#warnings")
            assert first_row_seen(pilot, warnings)
            screen.query_one("#details").scroll_end(animate=False)
            await pilot.press("ctrl+g")
            await pilot.pause()
            assert first_row_seen(pilot, warnings)

    run(scenario, Path.cwd())
