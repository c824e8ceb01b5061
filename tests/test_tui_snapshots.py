"""Snapshots of the app at 80x24 (pytest-textual-snapshot): what a clinician sees.

Update after a reviewed change of the screens with `pytest --snapshot-update`.
"""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Input

from dosecalc import load_rules
from dosecalc.faces.tui.app import DoseCalcApp

SIZE = (80, 24)


def app() -> DoseCalcApp:
    return DoseCalcApp(load_rules())


async def accept_and_type(pilot: Pilot[None], *keys: str) -> None:
    for field in pilot.app.calculator.query(Input):
        field.cursor_blink = False
    await pilot.press("enter", *keys)
    await pilot.pause()


def test_the_disclaimer_is_the_first_thing_seen(snap_compare):
    assert snap_compare(app(), terminal_size=SIZE)


def test_seventy_kg_intravenous(snap_compare):
    async def run_before(pilot: Pilot[None]) -> None:
        await accept_and_type(pilot, *"70 kg")

    assert snap_compare(app(), terminal_size=SIZE, run_before=run_before)


def test_a_weight_with_no_unit_shows_no_dose_and_asks_for_its_unit(snap_compare):
    async def run_before(pilot: Pilot[None]) -> None:
        await accept_and_type(pilot, "7", "0")

    assert snap_compare(app(), terminal_size=SIZE, run_before=run_before)


def test_an_invalid_weight_shows_no_dose(snap_compare):
    async def run_before(pilot: Pilot[None]) -> None:
        await accept_and_type(pilot, "a", "b", "c")

    assert snap_compare(app(), terminal_size=SIZE, run_before=run_before)


def test_sublingual_in_the_light_theme(snap_compare):
    async def run_before(pilot: Pilot[None]) -> None:
        await accept_and_type(pilot, *"70 kg", "ctrl+r", "ctrl+t")

    assert snap_compare(app(), terminal_size=SIZE, run_before=run_before)


def test_saving_offers_every_format(snap_compare):
    async def run_before(pilot: Pilot[None]) -> None:
        await accept_and_type(pilot, *"70 kg", "ctrl+s")

    assert snap_compare(app(), terminal_size=SIZE, run_before=run_before)


def test_154_kg_shows_the_dose_and_both_warnings_first(snap_compare):
    async def run_before(pilot: Pilot[None]) -> None:
        await accept_and_type(pilot, *"154 kg")

    assert snap_compare(app(), terminal_size=SIZE, run_before=run_before)


def test_checking_350_mg_per_hr_at_70_kg_shows_the_verdict_beside_the_dose(snap_compare):
    async def run_before(pilot: Pilot[None]) -> None:
        await accept_and_type(pilot, *"70 kg", "ctrl+k", *"350 mg/hr")

    assert snap_compare(app(), terminal_size=SIZE, run_before=run_before)
