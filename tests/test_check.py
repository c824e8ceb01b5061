"""`check`: a proposed order against the range, exactly, with entry-error detection."""

from __future__ import annotations

import json
import re
import shutil
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from by_hand import lines
from conftest import reviewed
from hypothesis import example, given, settings
from hypothesis import strategies as st
from strategies import (
    DOSE_UNITS_WITH_SLASHES,
    checked_orders,
    dose_forms,
    dose_rates_mg_per_h,
    positive_decimal_text,
    weights_kg,
)

import dosecalc
from dosecalc import (
    DoseCalcError,
    MissingInputError,
    UnitError,
    calculate,
    check,
    parse_dose,
    registry,
)
from dosecalc.clinical.check import READ_AS_CONTINUOUS
from dosecalc.foundation.display import exact_places, format_entered, format_number, magnitude
from dosecalc.foundation.dose_units import (
    DOSE_FORMS,
    RATE_FORMS,
)
from dosecalc.foundation.working import Step
from dosecalc.reports.contents import order_check_rows

KG70 = {"weight": "70 kg", "regimen": "iv"}


def written_as(mg_per_h: Fraction, form: str, kg: Fraction, mg_per_ml: Fraction):
    """The same dose rate as a Quantity in another form, exactly."""
    rate = registry().Quantity(mg_per_h, "mg/h")
    if form in ("mg/kg/h", "mcg/kg/min"):
        return (rate / registry().Quantity(kg, "kg")).to(form)
    if form == "mL/h":
        return (rate / registry().Quantity(mg_per_ml, "mg/mL")).to(form)
    return rate.to(form)


@given(positive_decimal_text, st.sampled_from([*DOSE_UNITS_WITH_SLASHES, "mL", "ML", "mcg"]))
def test_check_reads_every_dose_as_parse_dose_reads_it(amount, unit):
    entered = f"{amount} {unit}"
    dose = parse_dose(entered)
    regimen = "iv" if dose.form in RATE_FORMS else "sl"
    order = {"weight": "70 kg", "regimen": regimen, "dose": entered, "concentration": "1 mg/mL"}
    if dose.form == "weight-based-dose":  # a form no regimen takes: refused in its words
        with pytest.raises(UnitError, match=DOSE_FORMS[dose.form].words):
            check(**order)
        return
    result = check(**order)
    assert (result.form, result.proposed) == (dose.form, dose.quantity)


# ------------------------------------------------------------ the done-when cases


@pytest.mark.parametrize(
    ("dose", "extra", "verdict"),
    [
        ("21 mg/h", {}, "within"),
        ("35 mg/h", {}, "within"),
        ("20.9 mg/h", {}, "below"),
        ("35.1 mg/h", {}, "above"),
        ("6 mcg/kg/min", {}, "within"),
        ("25 mL/h", {"concentration": "1 mg/mL"}, "within"),
        ("0.3 mg/kg/hr", {}, "within"),
        ("600 mg/24 h", {}, "within"),
        ("600 mg/24h", {}, "within"),
        ("600 mg/day", {}, "within"),
        ("0.5 mg/min", {}, "within"),
        ("30000 mcg/h", {}, "within"),
    ],
)
def test_seventy_kg_iv_orders_get_the_right_verdict(dose, extra, verdict):
    result = check(**KG70, dose=dose, **extra)
    assert result.verdict == verdict
    assert result.probable_entry_error is None


def test_400_mg_per_hr_is_above_and_a_probable_entry_error():
    result = check(**KG70, dose="400 mg/h")
    assert result.verdict == "above"
    assert result.probable_entry_error is not None
    assert "11.4 (rounded) times the upper bound" in result.probable_entry_error.message
    assert result.ratio_to_bound == Fraction(400, 35)


def test_2_mg_per_hr_is_below_and_a_probable_entry_error():
    result = check(**KG70, dose="2 mg/h")
    assert result.verdict == "below"
    assert result.probable_entry_error is not None
    assert result.ratio_to_bound == Fraction(2, 21)


def test_sublingual_300_mg_is_above_and_names_the_decimal_slip_meaning_30_mg():
    result = check(weight="70 kg", regimen="sl", dose="300 mg")
    assert result.verdict == "above"
    (slip,) = result.probable_entry_error.slips
    assert slip.factor == "÷ 10"
    assert slip.would_mean == registry().Quantity(30, "mg")
    assert "was 30 mg meant? (300 mg ÷ 10 = 30 mg" in result.probable_entry_error.message
    assert result.probable_entry_error.question == "was 30 mg meant?"


def test_a_per_minute_slip_is_named_with_what_was_meant_per_hour():
    result = check(**KG70, dose="0.4 mg/kg/min")
    slips = {s.slip: s for s in result.probable_entry_error.slips}
    assert slips["per minute and per hour confused"].would_mean == registry().Quantity(
        Fraction(2, 5), "mg/kg/h"
    )


def test_a_pump_rate_without_a_concentration_is_refused():
    with pytest.raises(MissingInputError, match="needs the concentration"):
        check(**KG70, dose="25 mL/h")


@pytest.mark.parametrize(
    ("regimen", "dose", "words"),
    [
        ("iv", "30 mg", "a dose without a time, which does not fit intravenous infusion"),
        ("iv", "1.5 mg/kg", "a dose per kg without a time"),
        ("iv", "25 mL", "a volume, which does not fit"),
        ("sl", "30 mg/h", "a rate, which does not fit sublingual or buccal"),
        ("sl", "0.4 mg/kg/h", "a rate per kg"),
        ("iv", "70 kg", "a weight, not a dose"),
        ("iv", "30", "has no unit"),
        ("iv", "1 mg/mL", "a concentration, not a dose"),
        ("iv", "", "nothing was entered"),
    ],
)
def test_a_dose_whose_form_does_not_fit_the_regimen_is_refused(regimen, dose, words):
    with pytest.raises(DoseCalcError, match=words):
        check(weight="70 kg", regimen=regimen, dose=dose, concentration="1 mg/mL")


def test_a_sublingual_dose_may_be_given_as_a_volume_with_a_concentration():
    result = check(weight="70 kg", regimen="sl", dose="2.5 mL", concentration="50 mg/5 mL")
    assert result.verdict == "within"
    assert result.in_rule_units == registry().Quantity(25, "mg")
    with pytest.raises(UnitError):
        check(weight="70 kg", regimen="sl", dose="2.5 mL/h", concentration="50 mg/5 mL")


def test_the_restatement_is_exact_and_in_every_unit():
    result = check(**KG70, dose="25 mL/h", concentration="1 mg/mL")
    assert result.in_rule_units == registry().Quantity(Fraction(25, 70), "mg/kg/h")
    assert result.dose_rate == registry().Quantity(25, "mg/h")
    assert result.pump_rate == registry().Quantity(25, "mL/h")
    assert result.display["in_rule_units"] == "0.357 mg/kg/hr (rounded)"
    assert str(result.basis.formula) == (
        "25 mL/hr × 1 mg/mL ÷ 70 kg (actual body weight) = 0.357 mg/kg/hr (rounded); "
        "the range is 0.3 to 0.5 mg/kg/hr, so the dose is within it"
    )


def test_a_dose_just_outside_never_reads_as_the_bound():
    result = check(**KG70, dose="0.5004 mg/kg/h")
    assert result.verdict == "above"
    assert result.display["in_rule_units"] == "0.5004 mg/kg/hr"
    assert result.display["dose_rate"] == "35.028 mg/hr"  # exact: 5 significant figures


def test_the_json_carries_the_documented_keys():
    data = check(**KG70, dose="400 mg/h").model_dump(mode="json")
    assert data["verdict"] == "above"
    assert data["proposed"] == {"value": 400, "unit": "mg/h"}
    assert data["in_rule_units"] == {"value": 400 / 70, "unit": "mg/kg/h"}
    assert data["range"]["low"] == {"value": 0.3, "unit": "mg/kg/h"}
    assert data["range"]["high"] == {"value": 0.5, "unit": "mg/kg/h"}
    assert data["ratio_to_bound"] == 400 / 35
    assert (
        data["probable_entry_error"]["reason"] == "the dose is 11.4 (rounded) times the upper bound"
    )
    assert data["basis"]["inputs"]["dose"] == "400 mg/hr"  # as entered, by the display rule
    assert "Educational use only" in data["disclaimer"]
    for key in ("warnings", "side_effects", "supervision"):
        assert key in data


# ------------------------------------------------------------ properties


@given(weights_kg, st.booleans())
@example(Fraction("0.5"), True)
@example(Fraction(500), False)
def test_calculates_own_bounds_are_always_within(kg, low_end):
    quantity = registry().Quantity(kg, "kg")
    calculated = calculate(weight=quantity, regimen="iv")
    bound = calculated.dose.low if low_end else calculated.dose.high
    assert check(weight=quantity, regimen="iv", dose=bound).verdict == "within"


@given(dose_rates_mg_per_h, dose_forms)
@example(Fraction(21), "mcg/kg/min")
@example(Fraction(35), "mL/h")
@example(Fraction(35), "mg/day")
@example(Fraction(20999, 1000), "mg/h")
def test_within_exactly_when_low_le_dose_le_high_whatever_the_unit(mg_per_h, form):
    kg, mg_per_ml = Fraction(70), Fraction(2)
    dose = written_as(mg_per_h, form, kg, mg_per_ml)
    result = check(
        weight=registry().Quantity(kg, "kg"),
        regimen="iv",
        dose=dose,
        concentration=registry().Quantity(mg_per_ml, "mg/mL"),
    )
    expected = "below" if mg_per_h < 21 else "above" if mg_per_h > 35 else "within"
    assert result.verdict == expected


@given(dose_rates_mg_per_h, weights_kg)
def test_restating_a_dose_and_checking_again_gives_the_same_verdict(mg_per_h, kg):
    weight = registry().Quantity(kg, "kg")
    first = check(
        weight=weight,
        regimen="iv",
        dose=registry().Quantity(mg_per_h, "mg/h"),
        concentration="1 mg/mL",
    )
    for restated in (first.in_rule_units, first.dose_rate, first.pump_rate):
        again = check(weight=weight, regimen="iv", dose=restated, concentration="1 mg/mL")
        assert again.verdict == first.verdict
        assert again.in_rule_units == first.in_rule_units


@given(st.fractions(min_value=Fraction(21), max_value=Fraction(35)))
def test_the_entry_error_flag_is_never_set_within_range(mg_per_h):
    result = check(**KG70, dose=registry().Quantity(mg_per_h, "mg/h"))
    assert result.verdict == "within"
    assert result.probable_entry_error is None


@given(
    st.fractions(min_value=Fraction(21), max_value=Fraction(35)), st.sampled_from([10, 100, 1000])
)
@example(Fraction(35), 10)
@example(Fraction(21), 1000)
def test_every_in_range_dose_times_10_100_or_1000_is_flagged(mg_per_h, factor):
    result = check(**KG70, dose=registry().Quantity(mg_per_h * factor, "mg/h"))
    assert result.verdict == "above"
    assert result.probable_entry_error is not None
    assert any(
        s.factor == f"÷ {format_number(Fraction(factor))}"
        for s in result.probable_entry_error.slips
    )


@given(st.text(max_size=40))
def test_arbitrary_dose_text_gives_a_verdict_or_a_dosecalc_error(text):
    try:
        result = check(**KG70, dose=text, concentration="1 mg/mL")
    except DoseCalcError:
        return
    assert result.verdict in ("below", "within", "above")
    assert result.in_rule_units.magnitude > 0


# ------------------------------------------------------------ command line


def test_check_prints_the_verdict_in_words_and_exits_0_whatever_it_is(run_cli):
    code, out, err = run_cli("check", "--weight", "70 kg", "--regimen", "iv", "--dose", "400 mg/h")
    assert (code, err) == (0, "")
    assert out.startswith("Verdict: PROBABLE ENTRY ERROR: ABOVE the range of ketamine-overview")
    assert "the dose is 11.4 (rounded) times the upper bound: withhold it" in " ".join(out.split())
    assert "\033[" not in out  # no colour codes when not on a terminal


def test_check_strict_exits_3_unless_within(run_cli):
    args = ("check", "--weight", "70 kg", "--regimen", "iv", "--strict", "--dose")
    assert run_cli(*args, "400 mg/h")[0] == 3
    assert run_cli(*args, "30 mg/h")[0] == 0


def test_check_json_is_exactly_the_result_model_dump(run_cli):
    code, out, _ = run_cli(
        "check", "--weight", "70 kg", "--regimen", "iv", "--dose", "6 mcg/kg/min", "--json"
    )
    assert code == 0
    expected = dosecalc.check(weight="70 kg", regimen="iv", dose="6 mcg/kg/min")
    assert json.loads(out) == expected.model_dump(mode="json")


@pytest.mark.parametrize("dose", ["25 mL/h", "30 mg", "70 kg", "30", "nan mg/h", "-5 mg/h"])
def test_check_bad_input_exits_2_with_nothing_on_stdout(run_cli, dose):
    code, out, err = run_cli("check", "--weight", "70 kg", "--regimen", "iv", "--dose", dose)
    assert (code, out) == (2, "")
    assert err.startswith("dosecalc: ")


def test_the_report_is_coloured_only_when_asked(monkeypatch):
    from dosecalc.reports.text import render_check_text

    result = check(**KG70, dose="400 mg/h")
    assert "\033[1;97;41mVerdict: PROBABLE ENTRY ERROR" in render_check_text(result, colour=True)
    assert "\033[" not in render_check_text(result, colour=False)


# ------------------------------------------------------------ entry errors, precisely


@pytest.mark.parametrize(
    ("dose", "ratio"),
    [("24 mg/h", Fraction(24, 21)), ("28 mg/h", Fraction(28, 35)), ("21 mg/h", Fraction(1))],
)
def test_the_ratio_is_to_the_nearest_bound_by_factor(dose, ratio):
    assert check(**KG70, dose=dose).ratio_to_bound == ratio


@given(
    st.fractions(min_value=Fraction(999, 1000), max_value=Fraction(1001, 1000)).filter(
        lambda ratio: ratio != 1
    )
)
@example(Fraction(1) + Fraction(1, 3 * 10**3))
@example(Fraction(1) - Fraction(1, 3 * 10**9))
def test_a_ratio_to_its_bound_other_than_1_never_reads_as_1(ratio):
    """Read on the side of 1 it is on: its number, or "just over 1" / "just under 1"."""
    text = dosecalc.clinical.check.ratio_text(ratio)
    side = "over" if ratio > 1 else "under"
    if text.startswith("just "):
        assert text == f"just {side} 1"
    else:
        shown = Fraction(text.removesuffix(" (rounded)"))
        assert shown != 1
        assert (shown > 1) == (ratio > 1)


def test_a_ratio_of_exactly_1_reads_as_1():
    assert dosecalc.clinical.check.ratio_text(Fraction(1)) == "1"


def test_a_dose_equally_far_from_both_bounds_is_compared_with_the_low_one(rules_copy):
    path = rules_copy / "ketamine-palliative.toml"
    path.write_text(
        path.read_text()
        .replace("low = 25, high = 50", "low = 25, high = 100")
        .replace(
            "Buccal: 25-50 mg",
            "Buccal: 25-100 mg",  # a figure is one its quote prints
        )
    )
    result = check(weight="70 kg", regimen="sl", dose="50 mg", rules=reviewed(rules_copy))
    assert result.ratio_to_bound == 2


def test_a_low_dose_names_the_slip_by_its_factor_and_suggests_no_higher_dose():
    result = check(**KG70, dose="2.5 mg/h")
    assert result.verdict == "below"
    flag = result.probable_entry_error
    assert flag.reason == "a usual slip would bring the dose into range"
    (slip,) = flag.slips
    assert (slip.slip, slip.factor) == ("decimal point one place out", "× 10")
    assert slip.display == "decimal point one place out (× 10)"
    assert slip.would_mean is None
    assert flag.question == ""
    assert flag.message == (
        "Probable entry error: a usual slip would bring the dose into range. Possibly "
        "decimal point one place out (× 10). No dose is suggested: a higher dose is the "
        "prescriber's to order."
    )
    assert result.headline.action == (
        "check the order with the prescriber before giving it; no higher dose is suggested"
    )


def test_a_high_dose_asks_about_the_slip_with_what_was_meant():
    result = check(**KG70, dose="250 mg/h")
    flag = result.probable_entry_error
    (slip,) = flag.slips
    assert slip.display == (
        "decimal point one place out: was 25 mg/hr meant? (250 mg/hr ÷ 10 = 25 mg/hr, within "
        "the range)"
    )
    assert flag.question == "was 25 mg/hr meant?"
    assert result.headline.action == "withhold it and ask the prescriber (was 25 mg/hr meant?)"


def test_a_far_low_dose_names_the_lower_bound():
    flag = check(**KG70, dose="2 mg/h").probable_entry_error
    assert flag.reason == "the dose is 0.0952 (rounded) times the lower bound"
    assert flag.slips == ()


def test_exactly_a_tenth_of_the_lower_bound_is_flagged_and_a_fifth_is_not():
    assert check(**KG70, dose="2.1 mg/h").probable_entry_error is not None
    assert check(**KG70, dose="4 mg/h").probable_entry_error is None


@pytest.mark.parametrize(
    ("dose", "concentration", "question", "worked"),
    [
        ("30 mg/min", None, "30 mg/hr", "30 mg/min read per hour: 30 mg/hr, that is 0.429"),
        ("25 mL/min", "1 mg/mL", "25 mL/hr", "25 mL/min read per hour: 25 mL/hr, that is 0.357"),
        ("0.4 mg/kg/min", None, "0.4 mg/kg/hr", "0.4 mg/kg/min read per hour: 0.4 mg/kg/hr, w"),
        ("720 mg/h", None, "720 mg/24 hr", "720 mg/hr read per 24 hours: 720 mg/24 hr, that is"),
        ("30000 mg/h", None, "30,000 mcg/hr", "30,000 mg/hr read in mcg: 30,000 mcg/hr, that is"),
    ],
)
def test_a_slip_of_units_asks_for_the_number_entered_in_the_unit_meant(
    dose, concentration, question, worked
):
    """Per minute read as per hour is asked as "was 0.4 mg/kg/hr meant?", never as a
    number nobody typed; which unit was meant follows from the unit entered."""
    result = check(**KG70, dose=dose, concentration=concentration)
    flag = result.probable_entry_error
    (slip,) = [s for s in flag.slips if "confused" in s.slip]
    assert f"was {question} meant? ({worked}" in slip.display
    assert question in flag.question


@pytest.mark.parametrize(
    ("dose", "slip"),
    [
        ("0.005 mg/kg/hr", "per minute and per hour confused (× 60)"),
        ("21 mg/day", "per day and per hour confused (× 24)"),
        ("25 mcg/hr", "mg and mcg confused (× 1,000)"),
    ],
)
def test_a_slip_of_units_below_the_range_is_named_without_a_dose(dose, slip):
    """Below the range, the unit slip is named, never the higher dose it would make."""
    flag = check(**KG70, dose=dose).probable_entry_error
    assert flag.question == ""
    assert slip in [s.display for s in flag.slips]
    assert all(s.would_mean is None for s in flag.slips)


@pytest.mark.parametrize(
    "dose",
    ["24 mg/kg/hr", "1500 mg/hr", "0.0005 mg/kg/min", "1 mg/day", "0.021 mg/h", "900 mcg/kg/min"],
)
def test_a_slip_of_units_is_never_suggested_against_the_unit_entered(dose):
    """24 mg/kg/hr is not a per-minute dose written per hour (÷ 60 would be a number
    nobody typed), 0.021 mg/h not mcg written as mg: no such slip is suggested."""
    flag = check(**KG70, dose=dose).probable_entry_error
    assert flag is not None
    assert [s.slip for s in flag.slips if "confused" in s.slip] == []


_MASSES = {"microgram": ["milligram"], "milligram": ["microgram"], "gram": ["milligram"]}
"""Each mass unit and those a slip may have meant: mcg for mg and back, and g written for
mg (30 g/hr once was only "857 times the upper bound"); mg for g is no usual slip."""
_TIMES = {"minute": ["hour"], "hour": ["minute", "day"], "day": ["hour"]}


def _rate_unit(mass: str, per_kg: bool, time: str) -> str:
    return f"{mass}/kilogram/{time}" if per_kg else f"{mass}/{time}"


@st.composite
def rate_entries(draw):
    """A rate in any mass and time unit, per kg or not; often a number that, read in a
    neighbouring unit (mg/mcg, per minute/hour/day), would be within 0.3 to 0.5 mg/kg/hr
    at 70 kg, so that slips of units are found as often as not."""
    mass, time = draw(st.sampled_from(sorted(_MASSES))), draw(st.sampled_from(sorted(_TIMES)))
    per_kg = draw(st.booleans())
    unit = _rate_unit(mass, per_kg, time)
    neighbours = [(m, time) for m in _MASSES[mass]] + [(mass, t) for t in _TIMES[time]]
    target_mass, target_time = draw(st.sampled_from([(mass, time), *neighbours]))
    target = registry().Quantity(
        draw(st.fractions(min_value=Fraction(1, 4), max_value=Fraction(3, 5))),
        "mg/kg/h",
    )
    if not per_kg:
        target = target * registry().Quantity(70, "kg")
    number = draw(
        st.one_of(
            st.just(target.to(_rate_unit(target_mass, per_kg, target_time)).magnitude),
            st.fractions(min_value=Fraction(1, 10**4), max_value=Fraction(10**5)),
        )
    )
    return registry().Quantity(Fraction(number).limit_denominator(10**6), unit), mass, time


@given(rate_entries())
@example((registry().Quantity(Fraction(30), "gram/hour"), "gram", "hour"))  # 30 mg/hr meant
def test_the_slips_of_units_found_are_exactly_the_neighbouring_units_that_fit(entry):
    """Independent oracle: a slip of units is the number entered read in a neighbouring
    unit (mg for mcg and back, mg for g; per minute, hour or day for its neighbour), found exactly
    when the dose is out of range and that reading is within it."""
    dose, mass, time = entry
    per_kg = "kilogram" in str(dose.units)
    result = check(**KG70, dose=dose)
    low, high = (registry().Quantity(b, "mg/kg/h") for b in (Fraction(3, 10), Fraction(1, 2)))

    def in_rule_units(quantity):
        per = quantity if per_kg else quantity / registry().Quantity(70, "kg")
        return per.to("mg/kg/h")

    expected = set()
    if result.verdict != "within":
        swaps = [(m, time) for m in _MASSES[mass]] + [(mass, t) for t in _TIMES[time]]
        for m, t in swaps:
            read = registry().Quantity(dose.magnitude, _rate_unit(m, per_kg, t))
            if low <= in_rule_units(read) <= high:
                expected.add((read.magnitude, str(read.units)))
    flag = result.probable_entry_error
    confused = [s for s in (flag.slips if flag else []) if "confused" in s.slip]
    if result.verdict == "below":  # named, but no higher dose is suggested
        assert len(confused) == len(expected)
        assert all(s.would_mean is None for s in confused)
        return
    found = {(s.would_mean.magnitude, str(s.would_mean.units)) for s in confused}
    assert found == expected


def test_no_time_slip_is_suggested_for_a_dose_without_a_time():
    result = check(weight="70 kg", regimen="sl", dose="1500 mg")
    assert all("per" not in s.slip for s in result.probable_entry_error.slips)


def test_a_dose_within_a_very_wide_range_is_never_flagged(rules_copy):
    path = rules_copy / "ketamine-palliative.toml"
    path.write_text(
        path.read_text()
        .replace("low = 25, high = 50", "low = 1, high = 20")
        .replace(
            "Buccal: 25-50 mg",
            "Buccal: 1-20 mg",  # a figure is one its quote prints
        )
    )
    result = check(weight="70 kg", regimen="sl", dose="15 mg", rules=reviewed(rules_copy))
    assert result.verdict == "within"
    assert result.probable_entry_error is None


@pytest.mark.parametrize(
    ("dose", "regimen", "concentration", "formula"),
    [
        ("0.3 mg/kg/hr", "iv", None, "0.3 mg/kg/hr; the range is 0.3 to 0.5 mg/kg/hr"),
        ("6 mcg/kg/min", "iv", None, "6 mcg/kg/min × 60 ÷ 1,000 (mcg/kg/min to mg/kg/hr) = 0.36"),
        ("30 mg/h", "iv", None, "30 mg/hr ÷ 70 kg (actual body weight) = 0.429 mg/kg/hr"),
        (
            "25 mL/h",
            "iv",
            "1 mg/mL",
            "25 mL/hr × 1 mg/mL ÷ 70 kg (actual body weight) = 0.357 mg/kg/hr (rounded); the",
        ),
        ("2.5 mL", "sl", "10 mg/mL", "2.5 mL × 10 mg/mL = 25 mg; the range is 25 to 50 mg"),
        ("25 mg", "sl", "10 mg/mL", "25 mg; the range is 25 to 50 mg, so the dose is within it"),
    ],
)
def test_the_restatement_shows_its_working_for_every_form(dose, regimen, concentration, formula):
    result = check(weight="70 kg", regimen=regimen, dose=dose, concentration=concentration)
    assert str(result.basis.formula).startswith(formula)


def test_the_display_names_the_verdict_and_every_restatement():
    below = check(**KG70, dose="20 mg/h", concentration="2 mg/mL")
    assert below.display == {
        "verdict": "BELOW the range of ketamine-overview.txt: check the order with the "
        "prescriber before giving it",
        "proposed": "20 mg/hr",
        "in_rule_units": "0.286 mg/kg/hr (rounded)",
        "range": "0.3 to 0.5 mg/kg/hr",
        "patient_range": "21 to 35 mg/hr",
        "dose_rate": "20 mg/hr",
        "dose_rate_range": "21 to 35 mg/hr",
        "pump_rate": "10 mL/hr",
        "pump_rate_range": "10.5 to 17.5 mL/hr",
    }
    assert check(**KG70, dose="20 mg/h").display.keys() == below.display.keys() - {
        "pump_rate",
        "pump_rate_range",
    }
    sublingual = check(weight="70 kg", regimen="sl", dose="60 mg", concentration="10 mg/mL")
    assert sublingual.display["verdict"].startswith("ABOVE the range of ketamine-overview.txt")
    assert sublingual.display["volume"] == "6 mL"
    assert "dose_rate" not in sublingual.display


def test_a_pump_rate_without_a_concentration_says_exactly_what_to_add():
    with pytest.raises(MissingInputError) as raised:
        check(**KG70, dose="25 mL/h")
    assert str(raised.value) == (
        "concentration: the dose '25 mL/h' is a pump rate, which needs the concentration to "
        "become a drug amount. Give the concentration, e.g. '1 mg/mL'"
    )


def test_a_form_that_does_not_fit_says_what_would():
    with pytest.raises(UnitError) as raised:
        check(**KG70, dose="30 mg")
    assert raised.value.fix == "Enter a rate, e.g. '30 mg/hr', '0.4 mg/kg/hr' or '25 mL/hr'"


def test_several_slips_are_all_listed_in_the_message():
    flag = check(**KG70, dose="0.5 mg/kg/min").probable_entry_error
    assert len(flag.slips) == 2
    assert flag.message.count(" Possibly ") == 2
    assert ". Possibly per minute and per hour confused: was 0.5 mg/kg/hr meant?" in flag.message
    assert flag.question == "was 0.005 mg/kg/min or 0.5 mg/kg/hr meant?"


@given(
    st.sampled_from(["lb", "g", "oz", "st"]),
    st.sampled_from(["mg/{}/hr", "mcg/{}/min", "mg/{}"]),
)
def test_a_dose_per_any_body_mass_but_kg_is_refused_by_name(mass, shape):
    dose = f"0.2 {shape.format(mass)}"
    with pytest.raises(UnitError) as raised:
        check(**KG70, dose=dose)
    assert f"'{dose}' is a dose per " in str(raised.value)
    assert "a dose per kg only" in str(raised.value)


@given(
    side=st.sampled_from(["above", "below"]),
    k=st.integers(min_value=1, max_value=12),
    offset=st.sampled_from([-1, 0, 1]),
)
def test_the_ten_fold_boundary_is_exact_against_an_independent_oracle(side, k, offset):
    """Far out means exactly: at least 10 times the top, or at most a tenth of the bottom.
    The oracle is this arithmetic on Fractions, not `is_far_out` (which the audit shares)."""
    nudge = Fraction(offset, 10**k)
    ratio = Fraction(10) + nudge if side == "above" else Fraction(1, 10) + nudge / 100
    bound = Fraction(35) if side == "above" else Fraction(21)  # mg/h at 70 kg
    result = check(**KG70, dose=registry().Quantity(bound * ratio, "mg/h"))
    far = ratio >= 10 if side == "above" else ratio <= Fraction(1, 10)
    flag = result.probable_entry_error
    assert flag is not None  # ÷ 10 or × 10 brings every one of these doses into range
    assert flag.reason.startswith("the dose is") == far


# ------------------------------------------- a check without a weight reads what it is given


@given(st.sampled_from(["x", "0 cm", "170 kg", "5 ft 70 in"]))
def test_without_a_weight_a_height_given_is_still_read_and_a_wrong_one_refused(height):
    with pytest.raises(dosecalc.InputError) as raised:
        check(regimen="iv", dose="0.3 mg/kg/h", height=height)
    assert raised.value.field == "height"


@given(st.sampled_from(["x", "0", "woman", "males"]), st.sampled_from(["actual", "ideal"]))
def test_without_a_weight_a_sex_given_is_still_read_and_a_wrong_one_refused(sex, basis):
    """Refused as a wrong sex, before a basis that needs the weight asks for it."""
    with pytest.raises(dosecalc.ChoiceError) as raised:
        check(regimen="iv", dose="0.3 mg/kg/h", sex=sex, basis=basis)
    assert raised.value.field == "sex"


@pytest.mark.parametrize("basis", ["ideal", "adjusted"])
def test_without_a_weight_a_basis_other_than_actual_asks_for_the_weight(basis):
    with pytest.raises(MissingInputError) as raised:
        check(regimen="iv", dose="0.3 mg/kg/h", height="170 cm", sex="male", basis=basis)
    error = raised.value
    assert (error.field, error.problem, error.fix) == (
        "weight",
        f"the '{basis}' basis says which kg a dose per kg counts, and needs the "
        "patient's weight, height and sex",
        "Enter the weight, or leave the basis as 'actual'",
    )


@given(
    regimen=st.sampled_from(["iv", "iv-infusion"]),
    concentration=st.sampled_from([None, "1 mg/mL", " 2 mg/mL ", "500 mg/10 mL"]),
    height=st.sampled_from([None, "170 cm", " 5 ft 7 in ", "  "]),
    sex=st.sampled_from([None, "male", " Female "]),
)
@example(regimen="iv", concentration="500 mg/10 mL", height=None, sex=None)
@example(regimen="iv", concentration=registry().Quantity(2, "mg/mL"), height=None, sex=None)
def test_without_a_weight_the_basis_and_route_read_as_with_a_weight_less_the_weight(
    regimen, concentration, height, sex
):
    """The oracle is the same order checked with a weight, through `calculate`."""
    order = {
        "regimen": regimen,
        "dose": "0.3 mg/kg/h",
        "concentration": concentration,
        "height": height,
        "sex": sex,
    }
    without = check(**order)
    weighed = check(weight="70 kg", **order)
    assert without.basis.inputs == {
        key: value for key, value in weighed.basis.inputs.items() if key != "weight"
    }
    assert without.route_code == weighed.route_code is not None
    # The source gives no maximum per 24 hours: none is said to be left uncompared; the
    # one warning more says the weight was not given.
    codes = [w.code for w in without.warnings]
    assert codes.count("weight-not-given") == 1
    assert [c for c in codes if c != "weight-not-given"] == [w.code for w in weighed.warnings]


HOSPITAL = Path(__file__).parent.parent / "examples" / "hospital-library"
"""The fictional hospital library: its regimens per kg have hard limits and a maximum per
24 hours; its intravenous infusion a standard concentration of 1 mg/mL."""


@given(
    order=st.sampled_from(
        [("fictivane-iv", "mg/kg/h", n) for n in ("0.01", "0.05", "0.1", "0.2", "0.4", "0.5")]
        + [("fictivane-bolus", "mg/kg", n) for n in ("0.1", "0.25", "0.5", "1", "2", "3")]
    ),
    concentration=st.sampled_from([None, "1 mg/mL", "3 mg/mL", " 1 mg/mL "]),
)
@example(order=("fictivane-iv", "mg/kg/h", "0.1"), concentration="3 mg/mL")
def test_without_a_weight_a_dose_per_kg_meets_the_library_limits_and_concentrations_as_with_one(
    order, concentration
):
    """The library's hard limits and standard concentrations are per kg or need no weight:
    a check without one reads them as the same check at 70 kg does (its oracle)."""
    regimen, unit, number = order
    asked = {"regimen": regimen, "dose": f"{number} {unit}", "concentration": concentration}
    without = check(**asked, rules=HOSPITAL)
    weighed = check(weight="70 kg", **asked, rules=HOSPITAL)
    assert without.hard_limits == weighed.hard_limits is not None
    assert without.hard_limit == weighed.hard_limit
    assert without.display["hard_limits"] == weighed.display["hard_limits"]
    assert without.verdict == weighed.verdict
    nonstandard = "non-standard-concentration"
    codes = {warning.code for warning in without.warnings}
    assert (nonstandard in codes) == (nonstandard in {w.code for w in weighed.warnings})
    assert "max-per-24h-not-compared" in codes  # the library has one; no weight to compare
    standard = regimen == "fictivane-iv"  # the bolus has no standard concentration
    assert (nonstandard in codes) == (standard and concentration == "3 mg/mL")


def test_without_a_weight_a_pump_rate_with_its_concentration_asks_for_the_weight():
    with pytest.raises(MissingInputError) as raised:
        check(regimen="iv", dose="5 mL/h", concentration="1 mg/mL")
    assert raised.value.field == "weight"


# ------------------------------------------- the working and the words, line by line

NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


def decimal_text(value: Fraction) -> str:
    """A finite decimal as ISMP writes it, worked here without dosecalc: 2,880 or 0.126."""
    whole, rest = divmod(value, 1)
    digits = ""
    while rest:
        rest *= 10
        digit, rest = divmod(rest, 1)
        digits += str(digit)
    return f"{int(whole):,}" + (f".{digits}" if digits else "")


@given(
    per_kg=st.integers(min_value=1, max_value=100).map(lambda n: Fraction(n, 100)),
    kg=st.integers(min_value=40, max_value=120),
)
@example(per_kg=Fraction(3, 10), kg=70)
def test_a_dose_per_kg_against_a_rate_for_every_patient_is_worked_with_the_actual_weight(
    per_kg, kg
):
    """The driver's range is in mg/24 h for every patient: a dose per kg is multiplied by
    the actual weight, then by 24 hours, and the working says so."""
    dose = f"{decimal_text(per_kg)} mg/kg/h"
    result = check(weight=f"{kg} kg", regimen="fictivane-sc-driver", dose=dose, rules=HOSPITAL)
    per_day = decimal_text(per_kg * kg * 24)
    assert str(result.basis.formula).startswith(
        f"{decimal_text(per_kg)} mg/kg/hr × {kg} kg (actual body weight) × 24 "
        f"(mg/hr to mg/24 hr) = {per_day} mg/24 hr; the range is 10 to 40 mg/24 hr, "
    )
    assert result.in_rule_units == registry().Quantity(per_kg * kg * 24, "mg/day")


@pytest.mark.parametrize(
    ("order", "restated"),
    [
        (
            {"weight": "70 kg", "regimen": "iv", "dose": "0.3 mg/kg/h", "concentration": "1 mg/mL"},
            [  # 0.3 × 70 = 21 mg/hr; 21 ÷ 1 = 21 mL/hr
                "as a dose rate: 0.3 mg/kg/hr × 70 kg = 21 mg/hr",
                "as a pump rate: 21 mg/hr ÷ 1 mg/mL = 21 mL/hr",
            ],
        ),
        (
            {"weight": "70 kg", "regimen": "iv", "dose": "5 mL/h", "concentration": "2 mg/mL"},
            ["as a dose rate: 5 mL/hr × 2 mg/mL = 10 mg/hr"],  # no pump rate: it was entered
        ),
        (
            {"weight": "70 kg", "regimen": "iv", "dose": "21000 mcg/h", "concentration": "1 mg/mL"},
            [
                "as a dose rate: 21,000 mcg/hr ÷ 1,000 (mcg/hr to mg/hr) = 21 mg/hr",
                "as a pump rate: 21 mg/hr ÷ 1 mg/mL = 21 mL/hr",
            ],
        ),
        (  # entered as the dose rate is shown: nothing to restate but the pump rate
            {"weight": "70 kg", "regimen": "iv", "dose": "21 mg/h", "concentration": "1 mg/mL"},
            ["as a pump rate: 21 mg/hr ÷ 1 mg/mL = 21 mL/hr"],
        ),
        (
            {"weight": "70 kg", "regimen": "sl", "dose": "30 mg", "concentration": "10 mg/mL"},
            ["as a volume: 30 mg ÷ 10 mg/mL = 3 mL"],
        ),
        (
            {"weight": "70 kg", "regimen": "fictivane-bolus", "dose": "0.5 mg/kg"},
            ["as a dose: 0.5 mg/kg × 70 kg = 35 mg"],
        ),
    ],
)
def test_each_restatement_of_a_dose_is_named_and_worked_from_what_was_entered(order, restated):
    rules = HOSPITAL if order["regimen"].startswith("fictivane") else None
    result = check(**order, rules=rules)
    assert [step for step in lines(result.basis.steps) if step.startswith("as a ")] == restated


@pytest.mark.parametrize(("dose", "state"), [("0.3", "within"), ("0.5", "above")])
def test_a_dose_above_the_range_is_worked_against_the_hard_limits_too(dose, state):
    result = check(weight="70 kg", regimen="fictivane-iv", dose=f"{dose} mg/kg/h", rules=HOSPITAL)
    assert str(result.basis.formula) == (
        f"{dose} mg/kg/hr; the range is 0.1 to 0.2 mg/kg/hr, so the dose is above it; the "
        f"library's hard limits are 0.05 to 0.4 mg/kg/hr, so the dose is {state} them"
    )


@given(
    bound=st.sampled_from(["0.05", "0.1", "0.2", "0.4"]),  # fictivane-iv's range, hard limits
    k=st.integers(min_value=6, max_value=12),
    side=st.sampled_from([-1, 0, 1]),
)
@example(bound="0.4", k=9, side=1)
@example(bound="0.2", k=9, side=1)
def test_a_dose_never_reads_as_a_bound_of_the_range_or_hard_limits_it_is_not(bound, k, side):
    """Outside the range it reads on its side of each of the four bounds, and as one only
    when it is one; inside, within the range as shown. The bounds are finite decimals, so
    each comparison here is exact."""
    dose = Fraction(bound) + Fraction(side, 10**k)
    result = check(
        weight="70 kg",
        regimen="fictivane-iv",
        dose=f"{decimal_text(dose)} mg/kg/h",
        rules=HOSPITAL,
    )
    text = result.display["in_rule_units"]
    assert " mg/kg/hr" in text
    if text.startswith("just "):
        named = Fraction(NUMBER.search(text)[0])
        assert ("over" in text) == (dose > named)
        return
    shown = Fraction(NUMBER.search(text)[0].replace(",", ""))
    if Fraction("0.1") < dose < Fraction("0.2"):  # inside: within the bounds as shown
        assert Fraction("0.1") <= shown <= Fraction("0.2"), text
        return
    for other in ("0.05", "0.1", "0.2", "0.4"):
        assert (shown > Fraction(other)) == (dose > Fraction(other)), text
        assert (shown == Fraction(other)) == (dose == Fraction(other)), text


@given(k=st.integers(min_value=7, max_value=12), side=st.sampled_from(["above", "below"]))
@example(k=9, side="below")
def test_the_times_the_bound_of_a_far_dose_never_reads_as_the_tenfold_it_is_past(k, side):
    """21 to 35 mg/hr at 70 kg: a dose just past ten times the top, or just under a tenth
    of the bottom, is so many times its bound, never "10" or "0.1"."""
    dose = (
        Fraction(350) + Fraction(1, 10**k)
        if side == "above"
        else Fraction(21, 10) - Fraction(1, 10**k)
    )
    result = check(**KG70, dose=f"{decimal_text(dose)} mg/h")
    ratio = dose / 35 if side == "above" else dose / 21
    reason = result.probable_entry_error.reason
    bound = "upper" if side == "above" else "lower"
    assert reason.startswith("the dose is ")
    assert reason.endswith(f" times the {bound} bound")
    shown = reason.removeprefix("the dose is ")
    if shown.startswith("just "):
        assert shown.startswith("just over 10" if side == "above" else "just under 0.1")
        return
    number = Fraction(NUMBER.search(shown)[0])
    assert number != (10 if side == "above" else Fraction(1, 10))
    assert (number > 10) if side == "above" else (number < Fraction(1, 10)), (ratio, shown)


def test_a_far_dose_that_no_usual_slip_explains_says_only_how_far_it_is():
    """0.01 mg/hr is 1/2,100 of 21 mg/hr; × 10, × 100 or × 60 still leave it below."""
    flag = check(**KG70, dose="0.01 mg/h").probable_entry_error
    assert flag.slips == ()
    assert flag.message == f"Probable entry error: {flag.reason}."


def test_a_far_dose_for_a_patient_the_source_does_not_cover_suggests_no_dose():
    flag = check(weight="3.5 kg", regimen="iv", dose="100 mg/h").probable_entry_error
    assert flag.slips == ()
    assert flag.message == (
        f"Probable entry error: {flag.reason}. No dose is suggested: the source's range is "
        "not for this patient."
    )


IDEAL_100_KG = {
    "weight": "100 kg",
    "height": "170 cm",
    "sex": "male",
    "basis": "ideal",
    "regimen": "fictivane-iv",
    "rules": HOSPITAL,
}
"""Devine: 50 kg + 2.3 kg x (66.93 in - 60 in) = 65.94 kg ideal, against 100 kg actual.
fictivane-iv: 0.1 to 0.2 mg/kg/h, at most 300 mg per 24 hours (12.5 mg/h)."""


def test_a_dose_per_kg_of_the_ideal_weight_shows_the_range_qualifier_beside_it():
    result = check(**IDEAL_100_KG, dose="0.13 mg/kg/h")
    qualifier = "per kg of dosing weight (ideal body weight, 65.94 kg)"
    assert result.display["in_rule_units"] == f"0.13 mg/kg/hr, {qualifier}"
    assert result.display["range"] == f"0.1 to 0.2 mg/kg/hr, {qualifier}"


@given(st.integers(min_value=126, max_value=131).map(lambda n: Fraction(n, 1000)))
def test_an_order_past_the_maximum_only_per_kg_of_the_actual_weight_says_how_much_per_day(
    per_kg,
):
    """Within 6.594 to 13.188 mg/hr read either way, but x 100 kg x 24 hr past 300 mg."""
    result = check(**IDEAL_100_KG, dose=f"{decimal_text(per_kg)} mg/kg/h")
    (warning,) = [w for w in result.warnings if w.code.startswith("order-per-kg")]
    assert warning.code == "order-per-kg-actual-above-max-per-24h"
    per_hour, per_day = per_kg * 100, per_kg * 100 * 24
    assert (
        f"read per kg of the actual body weight (100 kg) it would be {decimal_text(per_hour)} "
        f"mg/hr ({decimal_text(per_day)} mg per 24 hours), above the library's maximum of "
        "300 mg per 24 hours"
    ) in warning.message


def test_an_order_per_kg_with_another_verdict_per_kg_of_the_actual_weight_asks_which():
    result = check(**IDEAL_100_KG, dose="0.19 mg/kg/h")  # 19 mg/hr at 100 kg: above
    (warning,) = [w for w in result.warnings if w.code.startswith("order-per-kg")]
    assert warning.code == "order-per-kg-weight-unclear"
    assert warning.message.endswith(
        "; read per kg of the actual body weight (100 kg) it would be 19 mg/hr, above it. "
        "Ask the prescriber which weight the order is per kg of."
    )


# ------------------------------------------- what cannot be compared, and why, in its words


def test_a_dose_whose_form_does_not_fit_the_regimen_is_refused_quoting_it_and_the_route():
    with pytest.raises(UnitError) as raised:
        check(**KG70, dose=" 25 mg ")
    assert raised.value.field == "dose"
    assert raised.value.problem == (
        "'25 mg' is a dose without a time, which does not fit intravenous infusion (iv-infusion)"
    )


def test_a_rate_not_per_kg_against_a_range_per_kg_without_a_weight_asks_for_either():
    with pytest.raises(MissingInputError) as raised:
        check(regimen="iv", dose="21 mg/h")
    error = raised.value
    assert (error.field, error.problem, error.fix) == (
        "weight",
        "the dose '21 mg/h' is a rate, not per kg: comparing it with the range 0.3 to 0.5 "
        "mg/kg/hr needs the patient's weight",
        "Enter the weight, or give the dose per kg",
    )


def test_a_rate_per_kg_against_a_range_for_every_patient_without_a_weight_asks_for_it():
    with pytest.raises(MissingInputError) as raised:
        check(regimen="fictivane-sc-driver", dose="0.3 mg/kg/h", rules=HOSPITAL)
    error = raised.value
    assert (error.field, error.problem, error.fix) == (
        "weight",
        "the dose '0.3 mg/kg/h' is a rate per kg: comparing it with the range 10 to 40 "
        "mg/24 hr needs the patient's weight",
        "Enter the weight",
    )


def test_the_shared_conversion_refuses_a_form_that_does_not_fit_or_lacks_a_factor_by_name():
    in_rule_form = dosecalc.clinical.check.in_rule_form
    with pytest.raises(ValueError, match=r"^a dose in the form fixed-dose does not fit a weight"):
        in_rule_form(Fraction(1), "fixed-dose", "weight-based-rate", concentration=None, weight=1)
    with pytest.raises(ValueError, match=r"^a dose in the form pump-rate needs the concentration$"):
        in_rule_form(Fraction(1), "pump-rate", "absolute-rate", concentration=None, weight=70)


def test_a_pump_rate_from_a_dose_per_24_hours_is_worked_per_hour():
    """40 mg/24 hr ÷ 2 mg/mL = 20 mL/24 hr, ÷ 24 = 0.833 mL/hr."""
    result = check(
        weight="70 kg",
        regimen="fictivane-sc-driver",
        dose="40 mg/24 h",
        concentration="2 mg/mL",
        rules=HOSPITAL,
    )
    assert [step for step in lines(result.basis.steps) if step.startswith("as a ")] == [
        "as a pump rate: 40 mg/24 hr ÷ 2 mg/mL ÷ 24 (hours) = 0.833 mL/hr (rounded)"
    ]


def test_a_restatement_shown_as_just_over_a_bound_has_no_line_of_working():
    """ "just over 35 mg/hr" is no figure to work to: its line is left out, not misstated."""
    result = check(**KG70, dose="0.500000000000000001 mg/kg/h", concentration="1 mg/mL")
    assert result.display["dose_rate"] == "just over 35 mg/hr"
    assert result.display["pump_rate"] == "just over 35 mL/hr"
    assert not [step for step in lines(result.basis.steps) if step.startswith("as a ")]


def test_a_dose_not_a_rate_is_shown_for_the_patient_as_a_dose_amount():
    result = check(weight="70 kg", regimen="fictivane-bolus", dose="0.5 mg/kg", rules=HOSPITAL)
    assert result.display["dose_amount"] == "35 mg"  # 0.5 mg/kg × 70 kg
    assert result.display["dose_amount_range"] == "35 to 70 mg"  # 0.5 to 1 mg/kg × 70 kg
    assert "dose_rate" not in result.display
    assert result.dose_amount == registry().Quantity(35, "mg")
    assert result.dose_rate is None


@given(st.integers(min_value=3 * 10**9 + 1, max_value=5 * 10**9 - 1).filter(lambda n: n % 10))
@example(3 * 10**9 + 1)
def test_a_dose_typed_with_more_figures_than_shown_is_restated_as_shown_in_its_unit(n):
    """0.4123456789 mg/kg/hr is shown as 0.412 (rounded): the working says so, in the unit
    it was entered in, before comparing it with the range."""
    typed = f"0.{n:010d}"
    result = check(**KG70, dose=f"{typed} mg/kg/h")
    entered, _, shown = str(result.basis.formula).split("; the range is")[0].partition(" = ")
    assert entered == f"{typed} mg/kg/hr"
    assert shown == result.display["in_rule_units"]
    assert shown.endswith(" mg/kg/hr (rounded)")


def test_an_order_in_volume_with_an_implausible_concentration_leads_with_the_concentration():
    """20 mL/hr of 1,000 mg/mL is 20,000 mg/hr: a slip of the order cannot be told from a
    slip of the concentration. The same dose ordered in mg/hr is an entry error first."""
    order = {"weight": "70 kg", "regimen": "iv", "concentration": "1000 mg/mL"}
    assert check(**order, dose="20 mL/h").headline.outcome == "implausible-concentration"
    assert check(**order, dose="20000 mg/h").headline.outcome == "probable-entry-error"


def test_a_fixed_dose_with_a_concentration_is_returned_as_a_volume():
    result = check(weight="70 kg", regimen="sl", dose="30 mg", concentration="10 mg/mL")
    assert result.volume == registry().Quantity(3, "mL")  # 30 mg ÷ 10 mg/mL
    assert result.pump_rate is None


@pytest.mark.parametrize("typed", ["40 mg/day", " 40 mg/day ", "40 mg/24 hr"])
def test_the_basis_records_the_dose_as_it_was_typed_in_its_own_shape(typed):
    """Values a person entered are echoed as entered: "mg/day" stays "mg/day", though a
    figure worked per day is written "mg/24 hr"."""
    result = check(weight="70 kg", regimen="fictivane-sc-driver", dose=typed, rules=HOSPITAL)
    assert result.basis.inputs["dose"] == typed.strip()


_FIGURE = r"([\d,]+(?:\.\d+)?)"


def _number(text: str) -> Fraction:
    return Fraction(text.replace(",", ""))


@given(
    order=st.sampled_from(
        [
            ("fictivane-sc-driver", "mg/24 hr", 60, True),
            ("fictivane-iv", "mg/hr", 300, True),
            ("fictivane-bolus", "mg", 200, False),
            ("fictivane-oral", "mg", 50, False),
        ]
    ),
    amount=st.decimals(min_value=1, max_value=400, places=1),
)
def test_every_check_against_a_maximum_per_24_hours_shows_the_order_beside_it_by_hand(
    order, amount
):
    """A rate: what it gives in 24 hours. A dose per administration: the dose, and how many
    whole doses of it the maximum holds, by arithmetic only. Each figure redone by hand."""
    regimen, unit, maximum, is_rate = order
    try:
        result = check(weight="70 kg", regimen=regimen, dose=f"{amount} {unit}", rules=HOSPITAL)
    except dosecalc.DoseCalcError:  # a dose the regimen refuses is refused, never shown
        return
    shown = result.display["max_per_24h"]
    total = Fraction(amount) * (24 if unit == "mg/hr" else 1)
    if is_rate:
        said = re.fullmatch(rf"{maximum} mg; at this rate, {_FIGURE} mg per 24 hours", shown)
        assert said, shown
        assert _number(said[1]) == total
    else:
        said = re.fullmatch(
            rf"{maximum} mg; this one dose, {_FIGURE} mg: {maximum} mg ÷ {_FIGURE} mg = "
            rf"{_FIGURE}(?: \(rounded(?: down)?\))?, so "
            r"(\d+ whole doses?|not one whole dose) of it in 24 hours, by arithmetic only "
            r"\(how often it is given decides; the source gives no frequency\)",
            shown,
        )
        assert said, shown
        assert _number(said[1]) == _number(said[2]) == total
        exact = maximum / total  # the quotient shown is never above it, and near it
        assert 0 <= exact - _number(said[3]) < exact / 100
        whole = maximum * total.denominator // total.numerator
        assert said[4] == (
            f"{whole} whole dose{'' if whole == 1 else 's'}" if whole else "not one whole dose"
        )
    assert ("Maximum per 24 hours (library)", shown) in order_check_rows(result)


@given(kg=st.integers(min_value=40, max_value=150), amount=st.integers(min_value=1, max_value=800))
def test_the_ratio_to_the_nearest_bound_names_the_bound_it_divides_by(kg, amount):
    """'Proposed / nearest bound: 0.714' did not check by hand against the nearer-looking
    bound: the row names the bound of the range shown above it ("Proposed / upper bound"),
    and its figure is the dose in the rule's unit over that bound, nearest by ratio."""
    result = check(weight=f"{kg} kg", regimen="iv", dose=f"{amount} mg/hr")
    rows = dict(order_check_rows(result))
    assert rows["Range in the source"] == "0.3 to 0.5 mg/kg/hr"
    (label,) = [label for label in rows if label.startswith("Proposed / ")]
    which = label.removeprefix("Proposed / ").removesuffix(" bound")
    assert which in ("lower", "upper")
    bound, other = (
        (Fraction(3, 10), Fraction(1, 2)) if which == "lower" else (Fraction(1, 2), Fraction(3, 10))
    )
    exact = Fraction(amount, kg) / bound
    assert exact == result.ratio_to_bound
    assert _fold(exact) <= _fold(Fraction(amount, kg) / other)
    assert rows[label] == dosecalc.clinical.check.ratio_text(exact)


def _fold(ratio: Fraction) -> Fraction:
    """How many times apart, whichever is larger (the oracle's own)."""
    return max(ratio, 1 / ratio)


# ------------------------------------------- the library's limits, and what a check carries


@given(st.integers(min_value=1, max_value=1000).map(lambda n: Fraction(n, 1000)))
@example(Fraction(5, 100))  # on the low hard limit: inside
@example(Fraction(4, 10))  # on the high hard limit: inside
def test_a_dose_past_a_hard_limit_is_returned_so_and_leads_the_findings(per_kg):
    """fictivane-iv's hard limits are 0.05 to 0.4 mg/kg/h, inclusive."""
    result = check(
        weight="70 kg",
        regimen="fictivane-iv",
        dose=f"{decimal_text(per_kg)} mg/kg/h",
        rules=HOSPITAL,
    )
    state = "above" if per_kg > Fraction(4, 10) else "below" if per_kg < Fraction(5, 100) else None
    assert result.hard_limit == state
    outcomes = [finding.outcome for finding in result.findings]
    if state is None:
        assert not [outcome for outcome in outcomes if outcome.endswith("hard-limit")]
    else:
        assert result.headline.outcome == f"{state}-hard-limit"


@given(st.sampled_from(["fictivane-sc-driver", "fictivane-bolus"]), st.integers(1, 4000))
@example("fictivane-sc-driver", 600)  # 60 mg/24 h, on the maximum: not above it
@example("fictivane-sc-driver", 601)
@example("fictivane-bolus", 2857)  # 2.857 mg/kg x 70 kg = 199.99 mg
@example("fictivane-bolus", 2858)  # 200.06 mg
def test_an_order_above_the_library_maximum_per_24_hours_is_warned_of(regimen, n):
    """The driver's maximum is 60 mg per 24 hours, a bolus's 200 mg per dose: the order at
    70 kg, worked here without dosecalc, is warned of exactly when it is above it."""
    if regimen == "fictivane-sc-driver":
        amount = Fraction(n, 10)
        dose, per_patient, maximum = f"{decimal_text(amount)} mg/24 h", amount, 60
    else:
        amount = Fraction(n, 1000)
        dose, per_patient, maximum = f"{decimal_text(amount)} mg/kg", amount * 70, 200
    result = check(weight="70 kg", regimen=regimen, dose=dose, rules=HOSPITAL)
    codes = [warning.code for warning in result.warnings]
    assert ("order-above-max-per-24h" in codes) == (per_patient > maximum)


@given(weights_kg, st.sampled_from(["iv", "sl"]))
def test_a_check_carries_the_patients_range_its_calculation_gives(kg, regimen):
    weight = registry().Quantity(kg, "kg")
    calculated = calculate(weight=weight, regimen=regimen)
    result = check(weight=weight, regimen=regimen, dose=calculated.dose.low)
    assert result.patient_range == calculated.dose


def test_a_check_against_a_calculation_carries_its_disclaimer():
    calculated = calculate(**KG70).model_copy(update={"disclaimer": "Not for patients."})
    result = dosecalc.clinical.check.check_against(calculated, "21 mg/h")
    assert result.disclaimer == "Not for patients."


def test_a_bolus_past_the_maximum_only_per_kg_of_the_actual_weight_says_the_one_dose():
    """2.5 mg/kg: 164.85 mg at the ideal 65.94 kg, 250 mg at the actual 100 kg, past the
    bolus's 200 mg only so: one dose, with no total per 24 hours to add."""
    order = {**IDEAL_100_KG, "regimen": "fictivane-bolus"}
    result = check(**order, dose="2.5 mg/kg")
    (warning,) = [w for w in result.warnings if w.code.startswith("order-per-kg")]
    assert warning.code == "order-per-kg-actual-above-max-per-24h"
    assert (
        "read per kg of the actual body weight (100 kg) it would be 250 mg, above the "
        "library's maximum of 200 mg per 24 hours"
    ) in warning.message


@given(st.integers(min_value=13189, max_value=18956).map(lambda n: Fraction(n, 100000)))
@example(Fraction(15, 100))
def test_an_order_per_kg_that_would_pass_the_maximum_per_kg_of_the_actual_weight_says_so_too(
    per_kg,
):
    """Within 6.594 to 13.188 mg/hr and under 12.5 mg/hr (300 mg per 24 hours) read per kg
    of the ideal 65.94 kg; above both read per kg of the actual 100 kg."""
    result = check(**IDEAL_100_KG, dose=f"{decimal_text(per_kg)} mg/kg/h")
    (warning,) = [w for w in result.warnings if w.code.startswith("order-per-kg")]
    assert warning.code == "order-per-kg-weight-unclear"
    assert warning.message.endswith(
        ", above it. Read so, it would also pass the library's maximum of 300 mg per 24 hours "
        "(Example Hospital drug library (fictional)). Ask the prescriber which weight the "
        "order is per kg of."
    )


def test_an_order_per_kg_of_another_verdict_is_asked_about_where_the_library_has_no_maximum():
    """Ketamine's infusion has no maximum per 24 hours: 0.4 mg/kg/hr is 26.376 mg/hr at the
    ideal 65.94 kg, within 19.782 to 32.97 mg/hr, and 40 mg/hr at the actual 100 kg."""
    order = {**IDEAL_100_KG, "regimen": "iv", "rules": None}
    result = check(**order, dose="0.4 mg/kg/h")
    (warning,) = [w for w in result.warnings if w.code.startswith("order-per-kg")]
    assert warning.message.endswith(
        "; read per kg of the actual body weight (100 kg) it would be 40 mg/hr, above it. "
        "Ask the prescriber which weight the order is per kg of."
    )


@pytest.mark.parametrize("bound", ["low", "high"])
def test_a_dose_on_a_bound_with_more_figures_than_shown_reads_as_the_range_shows_it(
    tmp_path, bound
):
    """10.123456 to 40.156789 mg/24 h is shown as 10.2 to 40.1 mg/24 hr, each bound rounded
    inward; a dose on a bound reads as that bound as shown (with hard limits, which a dose
    outside the range is shown apart from, as for one inside), never as a figure outside."""
    library = tmp_path / "library"
    shutil.copytree(HOSPITAL, library)
    rules = library / "fictivane.toml"
    rules.write_text(
        rules.read_text()
        .replace(
            'dose = { low = 10, high = 40, unit = "mg/24 h" }',
            'dose = { low = 10.123456, high = 40.156789, unit = "mg/24 h" }',
        )
        .replace("10-40 mg over 24 hours", "10.123456-40.156789 mg over 24 hours")
    )
    typed = "10.123456" if bound == "low" else "40.156789"
    result = check(
        weight="70 kg",
        regimen="fictivane-sc-driver",
        dose=f"{typed} mg/24 h",
        rules=reviewed(library),
    )
    assert result.verdict == "within"
    low, high = result.display["range"].split(" mg/24 hr")[0].split(" to ")
    assert (low, high) == ("10.2", "40.1")
    assert result.display["in_rule_units"].split()[0] == (low if bound == "low" else high)


@given(
    milligrams=st.integers(1, 80),
    minutes=st.integers(1, 3000),
)
def test_an_interval_under_rules_with_no_maximum_says_its_total_and_that_nothing_compared_it(
    milligrams, minutes
):
    """The shipped rules give no maximum per 24 hours: a dose given every interval is never
    dropped unsaid, nor called plainly within. Its total in any 24 hours is said, by its own
    arithmetic, as compared with nothing; the range's verdict is unchanged, and the headline
    says that how often it is given was not checked (unless something worse leads)."""
    result = check(weight="70 kg", regimen="sl", dose=f"{milligrams} mg", every=f"{minutes} min")
    plain = check(weight="70 kg", regimen="sl", dose=f"{milligrams} mg")
    assert result.verdict == plain.verdict
    outcomes = [finding.outcome for finding in result.findings]
    # Saying how often never makes the answer stricter than saying nothing: the same findings.
    assert outcomes == [finding.outcome for finding in plain.findings]
    assert outcomes[-1] == "max-per-24h-not-checked"
    if plain.headline.outcome == "within":
        assert result.headline.text.startswith(
            "WITHIN the range of ketamine-overview.txt for one dose, but not how often"
        )
        assert result.headline.action == "check how often it is given before giving it"
    doses = -(-(24 * 60) // minutes)
    (said,) = [w.message for w in result.warnings if w.code == "interval-not-compared"]
    many = "dose" if doses == 1 else "doses"
    assert f"at most {doses:,} {many} in any 24 hours: {doses:,} × {milligrams} mg = " in said
    assert f"= {doses * milligrams:,} mg. That total was not compared with anything" in said


@settings(max_examples=60, deadline=None)
@given(
    amount=st.decimals(min_value=Decimal("0.1"), max_value=Decimal(900), places=2),
    unit=st.sampled_from(["mg", "mcg", "mL", "mg/kg", "mcg/kg"]),
    per=st.sampled_from([2, 3, 7, 12, 15, 24, 30, 45, 90]),
    time=st.sampled_from(["min", "hr"]),
    weight=st.sampled_from(["70 kg", "154 lb", "55.5 kg"]),
)
def test_an_order_written_over_a_stated_time_is_shown_and_worked_as_written(
    amount, unit, per, time, weight
):
    """ "17.5 mg/30 min" is shown as the order says it, never as the rate it reduces to
    ("7 mg in 12 min", figures nobody wrote), and its working starts from its own figures;
    FHIR states it as the ratio it is."""
    text = f"{format(amount.normalize(), 'f')} {unit}/{per} {time}"
    result = dosecalc.check(weight=weight, regimen="iv", dose=text, concentration="2 mg/mL")
    written = format_entered(text)
    assert result.display["proposed"] == written == result.basis.inputs["dose"]
    figures = f"{format_entered(f'{amount} {unit}')} ÷ {per} {time}"
    assert str(result.basis.formula).startswith(f"{figures} "), result.basis.formula
    restated = [s for s in result.basis.steps if isinstance(s, Step) and s.label.startswith("as")]
    assert restated
    assert all(s.text.startswith(f"{s.label}: {figures} ") for s in restated[:1]), restated
    stated_amount, stated_per = result.proposed_as_written
    assert (magnitude(stated_amount), magnitude(stated_per)) == (Fraction(amount), per)
    assert (stated_amount / stated_per).to(result.proposed.units) == result.proposed
    dosage = dosecalc.to_fhir(result)["entry"][0]["resource"]["dosageInstruction"][0]
    ratio = dosage["doseAndRate"][0]["rateRatio"]
    assert (Fraction(str(ratio["numerator"]["value"])), ratio["denominator"]["value"]) == (
        Fraction(amount),
        per,
    )
    assert f"{written} proposed" in dosage["text"]
    # Read as a rate given without a break: said, since a loading dose over that time is not
    # (per 24 hours is how a syringe driver's rate is written: nothing to say).
    said = [w.message for w in result.warnings if w.code == READ_AS_CONTINUOUS]
    if (per, time) == (24, "hr"):
        assert said == []
        return
    (only,) = said
    assert only.startswith(f"{written} is read as a continuous rate, ")
    assert f"one dose given once over {per} {time}" in only


@settings(max_examples=60, deadline=None)
@given(order=checked_orders())
def test_an_order_not_written_over_a_stated_time_is_not_said_to_be_read_as_a_rate(order):
    try:
        result = dosecalc.check(**order)
    except dosecalc.DoseCalcError:
        return
    assert READ_AS_CONTINUOUS not in {warning.code for warning in result.warnings}


@settings(max_examples=80, deadline=None)
@given(
    factor=st.sampled_from([Fraction(10), Fraction(1, 10), Fraction(1)]),
    offset=st.fractions(min_value=Fraction(-1, 100), max_value=Fraction(1, 100)),
    weight=st.sampled_from(["70 kg", "55 kg", "154 lb"]),
)
def test_the_ratio_to_a_bound_is_written_one_way_and_never_reads_as_a_threshold_it_is_not(
    factor, offset, weight
):
    """The headline's "10.03 times the upper bound" and the row "Proposed / upper bound" are
    one figure: near 10 (or 0.1, or 1) neither reads as the threshold unless it is it."""
    high, low = Fraction(1, 2), Fraction(3, 10)
    bound = high if factor >= 1 else low
    per_kg = bound * factor * (1 + offset)
    dose = f"{format_number(per_kg, decimals=12)} mg/kg/hr"
    result = dosecalc.check(weight=weight, regimen="iv", dose=dose)
    row = dict(order_check_rows(result))
    ratio_row = next(value for label, value in row.items() if label.startswith("Proposed /"))
    for threshold in (Fraction(1), Fraction(10), Fraction(1, 10)):
        if ratio_row == format_number(threshold):
            assert result.ratio_to_bound == threshold, (dose, ratio_row)
    flag = result.probable_entry_error
    if flag is not None and "times the" in flag.reason:
        assert f"the dose is {ratio_row} times the" in flag.reason, (flag.reason, ratio_row)


@settings(max_examples=60, deadline=None)
@given(
    rate=st.decimals(min_value=Decimal(21), max_value=Decimal(35), places=1),
    per=st.sampled_from([(15, "min"), (30, "min"), (45, "min"), (2, "hr"), (12, "hr")]),
    out=st.sampled_from([10, 100]),
    per_kg=st.booleans(),
)
def test_a_slip_of_an_order_written_over_a_stated_time_is_asked_in_its_own_shape(
    rate, per, out, per_kg
):
    """ "175 mg/30 min", a decimal point out, is asked as "was 17.5 mg/30 min meant?", exactly:
    never as a rounded rate nobody wrote ("0.583 mg/min (rounded)") from figures nobody
    wrote ("35 mg in 6 min")."""
    number, time = per
    hours = Fraction(number, 60) if time == "min" else Fraction(number)
    # Within the range at 70 kg: 21 to 35 mg/hr, or 0.3 to 0.5 mg/kg/hr.
    meant = (Fraction(rate) / 70 if per_kg else Fraction(rate)) * hours
    unit = "mg/kg" if per_kg else "mg"

    def plain(value: Fraction) -> str:
        return format(Decimal(value.numerator) / Decimal(value.denominator), "f")

    if per_kg and exact_places(meant) is None:
        meant = Fraction(3, 10) * hours  # a per-kg rate with a finite decimal
    typed = f"{plain(meant * out)} {unit}/{number} {time}"
    result = dosecalc.check(weight="70 kg", regimen="iv", dose=typed)
    flag = result.probable_entry_error
    assert flag is not None, typed
    asked = format_entered(f"{plain(meant)} {unit}/{number} {time}")
    assert asked in flag.question, (typed, flag.question)
    assert "(rounded)" not in flag.question, flag.question
    assert " in " not in flag.message, flag.message
    assert f"({format_entered(typed)} ÷ {out:,} = {asked}," in flag.message, flag.message
    assert asked in result.headline.action
