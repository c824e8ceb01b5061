"""`prepare` as a pharmacist reviewed it: a refused order leads with its refusal and shows
no recipe unless asked; every output carries the supervision statement; a pump rate is said
to be a setting or not, and a volume too small to measure warns; vials are counted only from
a vial volume given. Each class is generated, in every format prepare is given in.
"""

from __future__ import annotations

import html
import json
import math
import re
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
import strategies
from by_hand import lines
from conftest import REPO
from hypothesis import assume, example, given
from hypothesis import strategies as st
from test_hand_check import check_line
from test_prepare import doses, final_volumes, stocks, timings, weights_kg

import dosecalc
from dosecalc.clinical.delivery import NO_STEP, NOT_A_SETTING, UNMEASURABLE
from dosecalc.clinical.prepare import ABOVE_FOR_PATIENT_NOT_COVERED, DO_NOT_MAKE_UP, NOT_GIVEN
from dosecalc.faces.tui.screens import preparation_lines
from dosecalc.foundation.bounds import MEASURABLE_VOLUME_ML
from dosecalc.foundation.display import magnitude
from dosecalc.foundation.units import (
    VOLUME_KIND,
    parse_quantity,
)
from dosecalc.reports.contents import (
    FILL_IN_LABELS,
    NOT_AS_ORDERED,
    PREPARATION_LABELS,
    WITHHELD_TITLE,
)
from dosecalc.reports.formats import PREPARE_FORMATS, render_prepare
from dosecalc.ruleset.loader import RuleSet, load_rules
from dosecalc.ruleset.schema import MeasurableVolume, PumpRateStep

MADE_AT = datetime(2026, 12, 6, 21, 0, tzinfo=UTC)
REPORTS = ("text", "markdown", "html")
LIBRARY = load_rules(strategies.HOSPITAL_LIBRARY)
SHIPPED_SUPERVISION = dosecalc.calculate(weight="70 kg", regimen="iv").supervision
RECIPE_LABELS = [label for key, label in PREPARATION_LABELS if key != "dose_rate"]
"""The rows of a recipe (the dose rate is the order itself, which a refusal restates)."""
CITED = "Example Hospital drug library (fictional)"


def plain(report: str) -> str:
    """A report's words: tags and Markdown marks dropped, entities decoded, spaces one."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", report)).replace("**", "")
    return " ".join(re.sub(r"\\(.)", r"\1", text).split())


def outputs(result: dosecalc.PrepareResult) -> dict[str, str]:
    return {name: render_prepare(result, name, MADE_AT) for name in PREPARE_FORMATS}


def first_words(name: str, output: str) -> str:
    """What a reader meets first: the first line of text or Markdown, the HTML page's
    title and its first paragraph, JSON's first key and its message."""
    if name == "json":
        data = json.loads(output)
        key = next(iter(data))
        return f"{key}: {(data[key] or {}).get('message', '')}"
    if name == "html":
        title = re.search(r"<title>(.*?)</title>", output, re.DOTALL)
        body = output.split("<body>", 1)[1]
        assert title is not None
        return f"{plain(title[1])} | {plain(body.split('</p>', 1)[0])}"
    return plain(output.lstrip().splitlines()[0])


def _made(**arguments: Any) -> dosecalc.PrepareResult | None:
    """A preparation, or None for an entry refused as one that cannot be made up."""
    try:
        return dosecalc.prepare(**arguments)
    except dosecalc.InputError as error:
        too_weak = error.field == "stock" and "is more than the final volume" in error.problem
        if error.field not in ("final volume", "duration", "pump rate") and not too_weak:
            raise
        return None


# --- 1. a refused order: the refusal first, and no recipe unless asked ------------------


DRIVER_40_MG_PER_HR = {
    "regimen": "driver",
    "dose": "40 mg/hr",
    "stock": "100 mg/mL",
    "final_volume": "60 mL",
    "duration": "24 hr",
}
"""960 mg/24 hr: above the driver's hard limits (5 to 60 mg/24 hr) and its maximum."""


@given(strategies.breaching_orders())
@example((DRIVER_40_MG_PER_HR, "above"))
def test_an_order_that_breaches_a_limit_is_refused_first_and_no_recipe_is_shown(case):
    order, breach = case
    refused = dosecalc.prepare(**order, rules=LIBRARY)
    assert refused.refusal is not None
    assert not refused.refusal.recipe_shown
    expected = "order-above-max-per-24h" if breach == "above-max" else f"{breach}-hard-limit"
    assert expected in refused.refusal.codes
    assert CITED in refused.refusal.message  # the library's citation, with the action
    assert refused.preparations == ()
    # What the recipe would have held, worked out only when asked for: none of its lines.
    anyway = _made(**order, rules=LIBRARY, show_recipe_anyway=True)
    done = len(refused.basis.steps)
    recipe_lines = [] if anyway is None else lines(anyway.basis.steps)[done:]
    for name, output in outputs(refused).items():
        assert first_words(name, output).count(DO_NOT_MAKE_UP) >= 1, name
        words = plain(output)
        for label in RECIPE_LABELS:
            assert label not in words, (name, label)
        for line in recipe_lines:
            assert " ".join(line.split()) not in words, (name, line)
        if name == "json":
            assert '"stock_volume"' not in output
        else:
            assert WITHHELD_TITLE in words


@given(strategies.breaching_orders())
def test_a_recipe_asked_for_anyway_comes_after_the_refusal_and_is_marked_not_to_be_made_up(
    case,
):
    order, _ = case
    anyway = _made(**order, rules=LIBRARY, show_recipe_anyway=True)
    assume(anyway is not None)
    assert anyway is not None
    assert anyway.refusal is not None
    assert anyway.refusal.recipe_shown
    assert anyway.preparations
    for name, output in outputs(anyway).items():
        assert DO_NOT_MAKE_UP in first_words(name, output), name
        if name == "json":
            assert next(iter(json.loads(output))) == "refusal"
            continue
        words = plain(output)
        refusal_at = words.index(DO_NOT_MAKE_UP)
        for label in RECIPE_LABELS:
            assert refusal_at < words.index(label), (name, label)
        assert words.count(NOT_AS_ORDERED) == len(anyway.preparations), name


@given(
    kg=st.decimals(min_value=Decimal("0.5"), max_value=Decimal(500), places=2),
    anyway=st.booleans(),
)
@example(kg=Decimal("3.5"), anyway=False)
@example(kg=Decimal(154), anyway=False)  # 70 kg × 2.2: lb and kg may be mixed up
def test_no_recipe_is_made_up_from_the_range_of_a_patient_the_source_does_not_cover(kg, anyway):
    # Oracle: dosecalc's stated adult band, 40 to 150 kg (weights are used to 0.01 kg).
    covered = 40 <= kg <= 150
    made = _made(
        regimen="iv",
        weight=f"{kg} kg",
        stock="50 mg/mL",
        final_volume="500 mL",
        duration="24 hr",
        show_recipe_anyway=anyway,
    )
    assume(made is not None)
    assert made is not None
    if covered:
        assert made.refusal is None
        assert len(made.preparations) == 2
        return
    assert made.refusal is not None
    assert not made.refusal.for_order
    assert made.refusal.codes == ("patient-not-covered",)
    assert made.refusal.recipe_shown is anyway
    assert bool(made.preparations) is anyway
    for name, output in outputs(made).items():
        assert "NO RECIPE FOR THIS PATIENT" in first_words(name, output), name
        if name == "json":
            continue
        words = plain(output)
        if anyway:  # each marked as no dose for this patient, after the refusal
            assert words.count("NOT A DOSE FOR THIS PATIENT") == len(made.preparations)
            assert words.index("NO RECIPE FOR THIS PATIENT") < words.index("Stock volume to draw")
        else:
            for label in RECIPE_LABELS:
                assert label not in words, (name, label)
            assert WITHHELD_TITLE in words
    if not anyway:
        panel = " ".join(preparation_lines(made))
        assert "No recipe is shown for a patient the source does not cover" in panel
        assert "show-recipe-anyway" not in panel


@given(
    st.decimals(min_value=Decimal(40), max_value=Decimal(150), places=1),
    st.decimals(min_value=Decimal(0), max_value=Decimal(1), places=3),
)
@example(Decimal(40), Decimal(0))  # 2 mg/hr: on the low hard limit, 0.05 mg/kg/hr
@example(Decimal(40), Decimal(1))  # 12.5 mg/hr: on the maximum, 300 mg per 24 hours
def test_an_order_within_the_hard_limits_and_the_maximum_is_never_refused(kg, share):
    # Within 0.05 mg/kg/hr × kg and the lower of 0.4 mg/kg/hr × kg and 12.5 mg/hr.
    low, high = kg * Decimal("0.05"), min(kg * Decimal("0.4"), Decimal("12.5"))
    rate = low + (high - low) * share
    result = dosecalc.prepare(
        regimen="fictivane-iv",
        weight=f"{kg} kg",
        dose=f"{rate} mg/hr",
        stock="10 mg/mL",
        final_volume="500 mL",
        duration="24 hr",
        rules=LIBRARY,
    )
    assert result.refusal is None
    assert len(result.preparations) == 1
    assert DO_NOT_MAKE_UP not in render_prepare(result, "text")


def test_a_dose_within_the_hard_limits_and_the_maximum_is_not_refused():
    # 24 mg/24 h on the driver: within 5 to 60 mg/24 h, and 24 mg is under 60 mg a day.
    within = dosecalc.prepare(
        regimen="driver",
        dose="24 mg/24 h",
        stock="100 mg/mL",
        final_volume="24 mL",
        duration="24 hr",
        rules=LIBRARY,
    )
    assert within.refusal is None
    assert len(within.preparations) == 1


def test_the_cli_exits_3_for_a_refused_order_with_the_refusal_as_its_first_line(run_cli):
    argv = [
        *("--rules", str(strategies.HOSPITAL_LIBRARY), "prepare", "--regimen=driver"),
        *("--dose=40 mg/hr", "--stock=100 mg/mL", "--final-volume=20 mL", "--duration=24 hr"),
    ]
    code, out, err = run_cli(*argv)
    assert (code, err) == (3, "")
    assert " ".join(out.split()).startswith(
        f"{DO_NOT_MAKE_UP}: the order, 960 mg/24 hr, is above this library's hard limits"
    )
    assert "Stock volume to draw" not in out
    code, out, _ = run_cli(*argv, "--show-recipe-anyway")
    assert code == 3
    assert out.startswith(DO_NOT_MAKE_UP)
    assert out.index(DO_NOT_MAKE_UP) < out.index("Stock volume to draw:     9.6 mL")
    code, out, _ = run_cli(*argv[:4], "--dose=10 mg/24 hr", *argv[5:])
    assert code == 0
    assert DO_NOT_MAKE_UP not in out


def test_the_apps_prepare_panel_leads_with_the_refusal_and_withholds_the_recipe():
    refused = dosecalc.prepare(
        regimen="driver",
        dose="40 mg/hr",
        stock="100 mg/mL",
        final_volume="20 mL",
        duration="24 hr",
        rules=LIBRARY,
    )
    lines = preparation_lines(refused)
    assert lines[0].startswith(f"! {DO_NOT_MAKE_UP}: the order, 960 mg/24 hr")
    shown = "\n".join(lines)
    assert not any(f"{label}:" in shown for label in RECIPE_LABELS)
    assert "Example Hospital: fictional test data, not for patients." in shown
    assert "show-recipe-anyway" not in shown  # no way the app offers: it never shows one
    report = render_prepare(refused, "text")
    assert "--show-recipe-anyway" in report  # where it can be asked for, it says how


# --- 2. the supervision statement, the lines to fill in, the vials, in every format ------


@given(doses, stocks, final_volumes, timings, st.booleans(), strategies.vial_volumes())
@example("35 mg/hr", "500 mg/10 mL", Fraction(50), {"duration": "24 hr"}, True, None)
def test_every_format_of_every_preparation_carries_supervision_filing_lines_and_vials(
    dose, stock, volume, timing, for_patient, vial
):
    patient = {"regimen": "iv", "weight": "70 kg"} if for_patient else {}
    arguments = {"stock": stock, "final_volume": f"{volume} mL", "vial_volume": vial, **timing}
    result = _made(dose=dose, **patient, **arguments)
    if result is None:
        return
    assert result.supervision == (SHIPPED_SUPERVISION,)
    for name, output in outputs(result).items():
        words = plain(output)
        assert SHIPPED_SUPERVISION in words, name
        if name == "json":
            continue
        assert "To fill in by hand" in words, name
        for label in FILL_IN_LABELS:
            assert label in words, (name, label)
        assert words.count("Vials needed") == len(result.preparations), name
        if vial is None:
            assert words.count(NOT_GIVEN) == len(result.preparations), name


def test_an_order_without_a_regimen_carries_the_supervision_of_every_regimen_of_its_rules():
    result = dosecalc.prepare(
        dose="10 mg/hr", stock="10 mg/mL", final_volume="50 mL", duration="24 hr", rules=LIBRARY
    )
    assert result.supervision == tuple(dict.fromkeys(r.supervision for r in LIBRARY.regimens))
    for output in outputs(result).values():
        assert all(statement in plain(output) for statement in result.supervision)


@given(doses, stocks, final_volumes, timings, strategies.vial_volumes().filter(bool))
@example("35 mg/hr", "500 mg/10 mL", Fraction(50), {"duration": "24 hr"}, "10 mL")
def test_the_vials_hold_the_stock_volume_with_none_to_spare_and_their_lines_check_by_hand(
    dose, stock, volume, timing, vial
):
    result = _made(dose=dose, stock=stock, final_volume=f"{volume} mL", vial_volume=vial, **timing)
    if result is None:
        return
    size = magnitude(parse_quantity(vial, VOLUME_KIND).to("mL"))
    for made in result.preparations:
        drawn = magnitude(made.stock_volume)
        assert made.vials_needed is not None
        assert (made.vials_needed - 1) * size < drawn <= made.vials_needed * size
        assert made.volume_left_over is not None
        assert magnitude(made.volume_left_over) == made.vials_needed * size - drawn
    vial_lines = [s for s in lines(result.basis.steps) if s.startswith(("vials", "left over"))]
    assert len(vial_lines) == 2 * len(result.preparations)
    for line in vial_lines:
        check_line(line)
        assert_vials_follow(line, size)


def assert_vials_follow(line: str, size: Fraction) -> None:
    """ "vials: 20.1 mL (rounded up) ÷ 10 mL = 2.01, so 3 vials": the count is the whole
    number of vials the volume shown in the line takes, so the line checks by hand."""
    found = re.search(r"^vials[^:]*: ([\d.,]+) mL.* so (\d+) vials? of", line)
    if found is not None:
        shown = Fraction(found.group(1).replace(",", ""))
        assert math.ceil(shown / size) == int(found.group(2)), line


@given(
    vials=st.integers(1, 4),
    over=st.sampled_from([Fraction(1, 10**4), Fraction(1, 10**3), Fraction(-1, 10**4), 0]),
)
def test_a_volume_just_over_whole_vials_is_shown_in_the_vials_line_as_needing_one_more(vials, over):
    """140.0001 mg of 7 mg/mL is 20.0001 mL: "20 mL ÷ 10 mL = 2, so 3 vials" did not check
    by hand. The line shows the volume to the decimals that take as many vials as it does."""
    amount = vials * 70 + over
    result = dosecalc.prepare(
        dose=f"{Decimal(amount.numerator) / Decimal(amount.denominator)} mg",
        stock="7 mg/mL",
        final_volume="100 mL",
        duration="24 hr",
        vial_volume="10 mL",
    )
    (made,) = result.preparations
    assert made.vials_needed == math.ceil(amount / 70)
    (line,) = [s for s in lines(result.basis.steps) if s.startswith("vials")]
    check_line(line)
    assert_vials_follow(line, Fraction(10))


def test_35_mg_an_hour_takes_two_10_ml_vials_and_leaves_3_2_ml_as_worked_by_hand():
    # 16.8 mL ÷ 10 mL = 1.68, so 2 vials; 2 × 10 mL − 16.8 mL = 3.2 mL left over.
    result = dosecalc.prepare(
        dose="35 mg/hr",
        stock="500 mg/10 mL",
        final_volume="50 mL",
        duration="24 hr",
        vial_volume="10 mL",
    )
    made = result.preparations[0]
    assert (made.vials, made.left_over) == ("2 vials of 10 mL", "3.2 mL")
    assert "vials: 16.8 mL ÷ 10 mL = 1.68, so 2 vials of 10 mL" in lines(result.basis.steps)


# --- 3. figures a nurse can set and measure ---------------------------------------------


def with_library_fields(**fields: Any) -> RuleSet:
    """The hospital library with ``fields`` set on every regimen."""
    regimens = tuple(r.model_copy(update=fields) for r in LIBRARY.regimens)
    return RuleSet(LIBRARY.path, LIBRARY.files, regimens)


draw_doses = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(20), places=2)
strong_stocks = st.sampled_from(["100 mg/mL", "50 mg/mL", "500 mg/10 mL", "10 mg/mL"])
short_durations = st.sampled_from(["15 min", "30 min", "1 hr", "24 hr"])


@given(draw_doses, strong_stocks, short_durations)
@example(Decimal("0.25"), "100 mg/mL", "1 hr")  # 0.25 mg ÷ 100 mg/mL = 0.0025 mL
def test_a_draw_volume_under_dosecalcs_bound_always_warns_and_one_above_never(
    amount, stock, duration
):
    result = _made(dose=f"{amount} mg", stock=stock, final_volume="10 mL", duration=duration)
    if result is None:
        return
    drawn = magnitude(result.preparations[0].stock_volume)
    warned = [w for w in result.warnings if w.code == UNMEASURABLE]
    assert bool(warned) == (drawn < MEASURABLE_VOLUME_ML)
    for warning in warned:
        assert "a bound of dosecalc's" in warning.message
        assert result.preparations[0].display["stock_volume"] in warning.message


@given(
    draw_doses,
    strong_stocks,
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal(2), places=2),
)
def test_a_draw_volume_under_the_librarys_smallest_measurable_volume_warns_with_its_citation(
    amount, stock, smallest
):
    source = LIBRARY.regimens[0].source
    rules = with_library_fields(
        smallest_measurable_volume=MeasurableVolume(value=smallest, unit="mL", source=source)
    )
    # An amount ordered for the syringe driver: 24 hr, any weight.
    result = _made(
        regimen="driver",
        dose=f"{amount} mg/24 hr",
        stock=stock,
        final_volume="10 mL",
        duration="24 hr",
        rules=rules,
    )
    if result is None or result.refusal is not None:
        return
    drawn = magnitude(result.preparations[0].stock_volume)
    library = [w for w in result.warnings if "library's smallest" in w.message]
    assert bool(library) == (drawn < Fraction(smallest))
    assert all(source.cited in w.message for w in library)


@given(
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal(5), places=2),
    st.sampled_from(["48 mL", "24 mL", "50 mL", "10 mL"]),
    st.sampled_from(["24 hr", "16 hr", "7 hr", "1 day"]),
)
@example(Decimal("0.1"), "50 mL", "24 hr")  # 2.0833… mL/hr: not a setting in steps of 0.1
@example(Decimal("0.1"), "48 mL", "24 hr")  # 2 mL/hr: a setting
def test_a_pump_rate_is_said_a_setting_exactly_when_it_is_a_multiple_of_the_librarys_step(
    step, volume, duration
):
    source = LIBRARY.regimens[0].source
    rules = with_library_fields(
        pump_rate_increment=PumpRateStep(value=step, unit="mL/h", source=source)
    )
    result = _made(
        regimen="driver", stock="10 mg/mL", final_volume=volume, duration=duration, rules=rules
    )
    if result is None:
        return
    for made in result.preparations:
        rate = magnitude(made.pump_rate)
        setting = rate % Fraction(step) == 0
        assert made.pump_setting.startswith("a setting" if setting else "NOT a setting")
        said = [w for w in result.warnings if w.code == NOT_A_SETTING and made.label in w.message]
        assert bool(said) != setting
        assert source.cited in (made.pump_setting if setting else said[0].message)
        if said:  # the settings either side bracket the rate; neither is chosen
            sides = re.search(r"either side are (.+?), and each", said[0].message)
            assert sides is not None
            values = [Fraction(v) for v in re.findall(r"[\d.]+(?= mL/hr)", sides[1])]
            assert values[-1] - Fraction(step) < rate < values[-1]


@given(doses, stocks, final_volumes, timings)
def test_without_a_librarys_step_every_pump_rate_says_it_is_not_rounded_to_a_setting(
    dose, stock, volume, timing
):
    result = _made(dose=dose, stock=stock, final_volume=f"{volume} mL", **timing)
    if result is None:
        return
    assert all(made.pump_setting == NO_STEP for made in result.preparations)
    assert not any(w.code == NOT_A_SETTING for w in result.warnings)
    for name in REPORTS:
        assert NO_STEP in plain(render_prepare(result, name, MADE_AT))


@given(weights_kg, st.sampled_from(["1 mg/mL", "2 mg/mL", "50 mg/5 mL"]))
def test_calc_says_its_pump_rate_is_not_rounded_to_a_setting_and_nothing_without_one(kg, conc):
    weight = strategies.text(kg, "kg")
    result = dosecalc.calculate(weight=weight, regimen="iv", concentration=conc)
    assert result.pump_rate is not None
    assert f"The pump rate {result.pump_rate.display} is {NO_STEP}." in result.notes
    bare = dosecalc.calculate(weight=weight, regimen="iv")
    assert not any(NO_STEP in note for note in bare.notes)


@pytest.mark.parametrize(("step", "setting"), [(Decimal("0.5"), True), (Decimal("0.3"), False)])
def test_calc_with_a_librarys_step_says_whether_the_ends_of_its_pump_rate_are_settings(
    step, setting
):
    source = LIBRARY.regimens[0].source
    rules = with_library_fields(
        pump_rate_increment=PumpRateStep(value=step, unit="mL/h", source=source)
    )
    result = dosecalc.calculate(
        regimen="fictivane-iv", weight="100 kg", concentration="1 mg/mL", rules=rules
    )
    # 0.1 to 0.2 mg/kg/hr × 100 kg = 10 to 20 mg/hr; ÷ 1 mg/mL = 10 to 20 mL/hr: in steps
    # of 0.5 mL/hr both ends are settings (20 and 40 steps); in steps of 0.3, neither.
    assert result.pump_rate is not None
    assert result.pump_rate.display == "10 to 20 mL/hr"
    note = next(n for n in result.notes if n.startswith("The pump rate"))
    assert ("each end is a setting" in note) == setting
    assert source.cited in note


# --- the rule fields: optional, each with its citation, of the right kind -------------


def _library_with(tmp_path: Any, old: str, new: str) -> Any:
    folder = tmp_path / "library"
    folder.mkdir()
    text = (strategies.HOSPITAL_LIBRARY / "fictivane.toml").read_text(encoding="utf-8")
    assert old in text
    (folder / "fictivane.toml").write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ('value = 0.1, unit = "mL/h"', 'value = 0.1, unit = "mg/h"', "pump_rate_increment"),
        ('value = 0.1, unit = "mL", source', 'value = 0.1, unit = "mL/h", source',
         "smallest_measurable_volume"),
        ('value = 0.1, unit = "mL/h"', 'value = 0, unit = "mL/h"', "pump_rate_increment"),
        ('value = 0.1, unit = "mL/h", source = {', 'value = 0.1, unit = "mL/h", sauce = {',
         "pump_rate_increment"),
    ],
)  # fmt: skip
def test_a_pump_step_or_smallest_volume_of_the_wrong_kind_or_without_a_source_is_refused(
    tmp_path, old, new, words
):
    with pytest.raises(dosecalc.RulesError) as refused:
        load_rules(_library_with(tmp_path, old, new))
    assert words in str(refused.value)


def test_the_example_library_states_both_fields_and_the_shipped_rules_neither():
    driver = LIBRARY.find("driver")
    assert driver.pump_rate_increment is not None
    assert driver.smallest_measurable_volume is not None
    assert format(driver.pump_rate_increment.value, "f") == "0.1"
    shipped = load_rules(None)
    assert all(r.pump_rate_increment is None for r in shipped.regimens)
    assert all(r.smallest_measurable_volume is None for r in shipped.regimens)


@given(
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal(2), places=2),
    st.sampled_from(["10 mg/mL", "50 mg/mL", "100 mg/mL", "50 mg/5 mL"]),
)
@example(Decimal("0.5"), "50 mg/mL")  # 10 mg ÷ 50 mg/mL = 0.2 mL: under 0.5 mL
def test_calc_warns_for_a_volume_per_dose_under_the_librarys_smallest_measurable_volume(
    smallest, concentration
):
    source = LIBRARY.regimens[0].source
    rules = with_library_fields(
        smallest_measurable_volume=MeasurableVolume(value=smallest, unit="mL", source=source)
    )
    result = dosecalc.calculate(regimen="fictivane-oral", concentration=concentration, rules=rules)
    assert result.volume is not None
    under = magnitude(result.volume.low) < Fraction(smallest)
    warned = [w for w in result.warnings if w.code == UNMEASURABLE]
    assert bool(warned) == under
    assert all(source.cited in w.message for w in warned)


@given(
    rules=st.sampled_from(["shipped", "library"]),
    kg=st.decimals(min_value=Decimal(40), max_value=Decimal(150), places=1)
    | st.decimals(min_value=Decimal(3), max_value=Decimal(300), places=1),
    per_kg_hour=st.sampled_from([Fraction(n, 100) for n in range(1, 100)])
    | st.fractions(min_value=Fraction(1, 1000), max_value=Fraction(30)),
)
def test_prepare_refuses_exactly_the_orders_check_would_stop(rules, kg, per_kg_hour):
    """One policy: an order is refused by `prepare` exactly when `check`, given the same
    order, finds what says not to give it (a hard limit, a probable entry error above the
    range, a maximum per 24 hours, a dose above the range for a patient the source does not
    cover); a probable slip below the range is asked about, not withheld."""
    folder = REPO / "examples" / "hospital-library" if rules == "library" else None
    rule_set = dosecalc.load_rules(folder) if folder else dosecalc.load_rules()
    regimen = "fictivane-iv" if rules == "library" else "iv"
    mg_per_hour = Fraction(round(per_kg_hour * Fraction(kg) * 1000), 1000) or Fraction(1, 1000)
    dose = f"{Decimal(mg_per_hour.numerator) / Decimal(mg_per_hour.denominator)} mg/hr"
    checked = dosecalc.check(weight=f"{kg} kg", regimen=regimen, dose=dose, rules=rule_set)
    stopping = (
        "above-hard-limit",
        "below-hard-limit",
        "probable-entry-error",
        "above-max-per-24h",
        "above",  # withheld only for a patient the source does not cover
    )
    stopped = {
        f.outcome
        for f in checked.findings
        if f.outcome in stopping
        and f.action.startswith(("do not give", "withhold"))  # never a slip below the range
    }
    try:
        made = dosecalc.prepare(
            weight=f"{kg} kg",
            regimen=regimen,
            dose=dose,
            stock="500 mg/10 mL",
            final_volume="500 mL",
            duration="24 hr",
            rules=rule_set,
        )
    except dosecalc.InputError:
        return  # more stock than the final volume holds: nothing is made up at all
    assert (made.refusal is not None) == bool(stopped), (checked.headline, made.refusal)
    if made.refusal is not None:
        assert made.preparations == ()
        named = {code.replace("order-", "") for code in made.refusal.codes}
        named = {"above" if code == ABOVE_FOR_PATIENT_NOT_COVERED else code for code in named}
        assert named == stopped


@given(kg=st.decimals(min_value=Decimal(40), max_value=Decimal(150), places=1))
def test_no_end_of_the_range_made_up_passes_the_librarys_maximum_per_24_hours(kg):
    library = dosecalc.load_rules(REPO / "examples" / "hospital-library")
    made = dosecalc.prepare(
        weight=f"{kg} kg",
        regimen="fictivane-iv",
        stock="10 mg/mL",
        final_volume="50 mL",
        duration="24 hr",
        rules=library,
    )
    maximum = Fraction(300)  # mg per 24 hours, the fictional library's
    ends = {"low": Fraction(kg) * Fraction(1, 10), "high": Fraction(kg) * Fraction(2, 10)}
    over = {end for end, mg_per_hour in ends.items() if mg_per_hour * 24 > maximum}
    made_up = {p.label.split()[1] for p in made.preparations}  # "the low end of the range"
    assert made_up == set(ends) - over
    withheld = [w for w in made.warnings if w.code == "range-end-above-max-per-24h"]
    assert {w.message.split()[4] for w in withheld} == over  # "Not made up: the high end …"
    for preparation in made.preparations:
        assert magnitude(preparation.dose_rate.to("mg/h")) * 24 <= maximum


def test_a_range_asked_for_anyway_whose_ends_are_both_past_the_maximum_promises_no_recipe():
    """160 kg on fictivane-iv: the source does not cover the patient, and both ends of the
    range pass the library's maximum per 24 hours, so neither is made up even on request:
    the refusal never says a recipe follows."""
    result = dosecalc.prepare(
        regimen="fictivane-iv",
        weight="160 kg",
        stock="10 mg/mL",
        final_volume="50 mL",
        duration="24 hr",
        show_recipe_anyway=True,
        rules=LIBRARY,
    )
    assert result.preparations == ()
    assert result.refusal is not None
    assert not result.refusal.recipe_shown
    assert "asked for anyway" not in result.refusal.message
    assert "No recipe is given" in result.refusal.message
