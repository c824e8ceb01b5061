"""A hospital drug library's limits act, in every face.

The library (tests/data/hospital-library) is fictional test data: fictivane, a drug that
does not exist, with a syringe driver in mg/24 h (absolute-rate), an infusion per kg, a
bolus per kg and a fixed oral dose, each with hard limits, a maximum per 24 hours and
standard concentrations where they apply. The figures below are worked by hand.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import subprocess
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from by_hand import lines
from hypothesis import example, given
from hypothesis import strategies as st

import dosecalc
from dosecalc.foundation.display import magnitude
from dosecalc.reports.fhir import UCUM
from dosecalc.reports.formats import render_check

LIBRARY = Path(__file__).parent.parent / "examples" / "hospital-library"


@pytest.fixture(scope="module")
def library() -> dosecalc.RuleSet:
    return dosecalc.load_rules(LIBRARY)


# ------------------------------------------------------------------ hand-worked cases


def test_a_syringe_driver_in_mg_per_24_hours_needs_no_weight_and_gives_its_pump_rate(library):
    result = dosecalc.calculate(regimen="driver", concentration="2 mg/mL", rules=library)
    # 10 to 40 mg over 24 hours; at 2 mg/mL: 10 / 2 / 24 = 0.2083 mL/hr, 40 / 2 / 24 = 0.8333.
    assert result.dose.display == "10 to 40 mg/24 hr"
    assert result.dose_per_24h is not None
    assert result.dose_per_24h.display == "10 to 40 mg"
    assert result.pump_rate is not None
    assert result.pump_rate.display == "0.209 to 0.833 mL/hr (low rounded up, high rounded)"
    assert lines(result.basis.steps) == [
        "pump rate: 10 mg/24 hr ÷ 2 mg/mL ÷ 24 (hours) = 0.209 mL/hr (rounded up); "
        "40 mg/24 hr ÷ 2 mg/mL ÷ 24 (hours) = 0.833 mL/hr (rounded)"
    ]
    assert result.titration == ()
    # Without a weight, nothing is known of the patient; with one, nothing else is said:
    # 40 mg is within the 60 mg maximum, and 2 mg/mL is standard.
    assert [w.code for w in result.warnings] == ["weight-not-given"]
    weighed = dosecalc.calculate(
        weight="70 kg", regimen="driver", concentration="2 mg/mL", rules=library
    )
    assert weighed.warnings == ()
    assert weighed.pump_rate == result.pump_rate
    assert result.basis.reviewed == "reviewed by A. Pharmacist (fictional), 2026-11-30"
    assert result.basis.limits[:2] == (
        "hard limits: 5 to 60 mg/24 hr (Example Hospital drug library (fictional), "
        "section 'Syringe drivers' (Fictional test data; not a clinical source))",
        "maximum per 24 hours: 60 mg (Example Hospital drug library (fictional), "
        "section 'Syringe drivers' (Fictional test data; not a clinical source))",
    )


@pytest.mark.parametrize(
    ("dose", "verdict", "hard_limit", "shown"),
    [
        ("30 mg/24 h", "within", None, "WITHIN the range of Example Hospital"),
        ("1.25 mg/hr", "within", None, "WITHIN the range of"),  # 1.25 × 24 = 30 mg/24 hr
        ("0.625 mL/hr", "within", None, "WITHIN the range of"),  # 0.625 × 2 × 24 = 30
        ("50 mg/24 h", "above", None, "ABOVE the range of"),  # above 40, within 60
        ("61 mg/24 h", "above", "above", "ABOVE THE HARD LIMIT of Example Hospital"),
        ("4 mg/24 h", "below", "below", "BELOW THE HARD LIMIT of"),
        ("5 mg/24 h", "below", None, "BELOW the range of"),  # on the hard limit: inclusive
    ],
)
def test_a_dose_beyond_the_hard_limits_is_reported_apart_and_above_the_verdict(
    library, dose, verdict, hard_limit, shown
):
    checked = dosecalc.check(
        weight="70 kg", regimen="driver", dose=dose, concentration="2 mg/mL", rules=library
    )
    assert (checked.verdict, checked.hard_limit) == (verdict, hard_limit)
    assert checked.display["verdict"].startswith(shown)
    assert checked.display["verdict"] == checked.headline.text
    assert ("the library's hard limits are 5 to 60 mg/24 hr") in str(checked.basis.formula)
    assert checked.model_dump(mode="json")["hard_limit"] == hard_limit


def test_a_checked_rate_over_the_maximum_per_24_hours_warns(library):
    checked = dosecalc.check(weight="70 kg", regimen="driver", dose="61 mg/24 h", rules=library)
    assert [w.code for w in checked.warnings] == ["order-above-max-per-24h"]
    assert "at this rate, 61 mg per 24 hours" in checked.warnings[0].message
    within = dosecalc.check(weight="70 kg", regimen="driver", dose="60 mg/24 h", rules=library)
    assert within.warnings == ()  # on the maximum is not above it


def test_an_infusion_whose_range_can_pass_the_maximum_per_24_hours_warns(library):
    # 0.1 to 0.2 mg/kg/hr × 70 kg = 7 to 14 mg/hr; × 24 = 168 to 336 mg, above 300 mg.
    result = dosecalc.calculate(weight="70 kg", regimen="fictivane-iv", rules=library)
    assert [w.code for w in result.warnings] == ["range-above-max-per-24h"]
    assert "the top of the range is above" in result.warnings[0].message
    assert "its top gives 336 mg per 24 hours" in result.warnings[0].message
    # 62.5 kg: 0.2 × 62.5 × 24 = 300 mg, exactly the maximum: no warning.
    assert (
        dosecalc.calculate(weight="62.5 kg", regimen="fictivane-iv", rules=library).warnings == ()
    )


def test_a_concentration_that_is_not_standard_warns_and_a_standard_one_in_any_unit_does_not(
    library,
):
    odd = dosecalc.calculate(
        weight="50 kg", regimen="fictivane-iv", concentration="3 mg/mL", rules=library
    )
    assert [w.code for w in odd.warnings] == ["non-standard-concentration"]
    for same in ("1 mg/mL", "1000 mcg/mL", "50 mg/50 mL", "500 mg in 500 mL"):
        result = dosecalc.calculate(
            weight="50 kg", regimen="fictivane-iv", concentration=same, rules=library
        )
        assert result.warnings == (), same


def test_a_dose_per_kg_gives_the_dose_and_the_doses_the_maximum_holds(library):
    result = dosecalc.calculate(
        weight="70 kg", regimen="fictivane-bolus", concentration="10 mg/mL", rules=library
    )
    # 0.5 and 1 mg/kg × 70 kg = 35 and 70 mg; ÷ 10 mg/mL = 3.5 and 7 mL.
    assert result.dose.display == "35 to 70 mg"
    assert result.volume is not None
    assert result.volume.display == "3.5 to 7 mL"
    assert str(result.basis.formula) == "0.5 mg/kg × 70 kg = 35 mg; 1 mg/kg × 70 kg = 70 mg"
    # 200 ÷ 35 = 5.714…, 5 whole doses; 200 ÷ 70 = 2.857…, 2 whole doses (rounded down:
    # a count of doses is never rounded up past the maximum).
    assert (
        "200 mg ÷ 35 mg = 5.71 (rounded), so 5 whole doses at the low end; "
        "200 mg ÷ 70 mg = 2.85 (rounded down), so 2 whole doses at the high end"
    ) in result.notes[0]
    checked = dosecalc.check(
        weight="70 kg",
        regimen="fictivane-bolus",
        dose="5 mL",
        concentration="10 mg/mL",
        rules=library,
    )
    # 5 mL × 10 mg/mL = 50 mg; ÷ 70 kg = 0.714 mg/kg (rounded), within 0.5 to 1.
    assert checked.verdict == "within"
    assert checked.dose_amount is not None
    assert magnitude(checked.dose_amount) == 50
    assert checked.display["dose_amount"] == "50 mg"


def test_a_fixed_dose_says_how_many_doses_fit_in_the_maximum_and_warns_for_one_above(library):
    result = dosecalc.calculate(regimen="fictivane-oral", rules=library)
    assert "50 mg ÷ 10 mg = 5, so 5 whole doses at the low end" in result.notes[1]
    assert "50 mg ÷ 20 mg = 2.5, so 2 whole doses at the high end" in result.notes[1]
    big = dosecalc.check(weight="70 kg", regimen="fictivane-oral", dose="60 mg", rules=library)
    assert [w.code for w in big.warnings] == ["order-above-max-per-24h"]
    assert "this one dose, 60 mg" in big.warnings[0].message


@given(
    tenths=st.integers(min_value=1, max_value=1000),
    regimen=st.sampled_from(["fictivane-sc-driver", "fictivane-oral"]),
)
def test_the_hard_limit_state_is_the_exact_comparison_and_outranks_the_verdict(tenths, regimen):
    rule_set = dosecalc.load_rules(LIBRARY)
    rule = rule_set.find(regimen)
    unit = "mg/24 h" if rule.kind == "absolute-rate" else "mg"
    dose = Fraction(tenths, 10)
    checked = dosecalc.check(regimen=regimen, dose=f"{Decimal(tenths) / 10} {unit}", rules=rule_set)
    if rule.hard_limits is None:
        assert checked.hard_limit is None
        return
    low, high = (Fraction(bound) for bound in (rule.hard_limits.low, rule.hard_limits.high))
    expected = "below" if dose < low else "above" if dose > high else None
    assert checked.hard_limit == expected
    if expected is not None:  # a breach is always outside the range, on the same side
        assert checked.verdict == expected
        assert checked.headline.outcome == f"{expected}-hard-limit"
        assert checked.display["verdict"].startswith(f"{expected.upper()} THE HARD LIMIT of ")
        assert checked.display["verdict"].endswith("do not give as ordered; contact the prescriber")


@given(weight=st.decimals(min_value=Decimal(1), max_value=Decimal(200), places=1))
def test_the_maximum_per_24_hours_warns_exactly_when_the_range_can_pass_it(weight):
    result = dosecalc.calculate(weight=f"{weight} kg", regimen="fictivane-iv", rules=LIBRARY)
    top = Fraction("0.2") * Fraction(weight) * 24
    assert ("range-above-max-per-24h" in {w.code for w in result.warnings}) == (top > 300)


# ------------------------------------------------------------------ a library refused


def _library_with(tmp_path: Path, old: str, new: str) -> Path:
    folder = tmp_path / "library"
    folder.mkdir()
    text = (LIBRARY / "fictivane.toml").read_text(encoding="utf-8")
    assert old in text
    (folder / "fictivane.toml").write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        (
            "dose = { low = 10, high = 40",
            "dose = { low = 10, high = 70",
            "lies outside its own hard limits 5 to 60 mg/24 hr",
        ),
        (
            "hard_limits = { low = 5,",
            "hard_limits = { low = 12,",
            "lies outside its own hard limits 12 to 60 mg/24 hr",
        ),
        (
            'max_per_24h = { value = 60, unit = "mg"',
            'max_per_24h = { value = 6, unit = "mg"',
            "the lowest dose of 10 to 40 mg/24 hr is more than max_per_24h (6 mg in 24 hours)",
        ),
        (
            'max_per_24h = { value = 50, unit = "mg"',
            'max_per_24h = { value = 5, unit = "mg"',
            "the lowest dose of 10 to 20 mg is more than max_per_24h (5 mg)",
        ),
        ('kind = "absolute-rate"', 'kind = "fixed-dose"', "a fixed dose needs a plain drug amount"),
        ("review_date = 2026-11-30", "review_date = 2999-01-01", "is in the future"),
        (
            'hard_limits = { low = 0.25, high = 2, unit = "mg/kg"',
            'hard_limits = { low = 0.25, high = 2, unit = "mg"',
            "hard_limits must be in the same kind of unit",
        ),
    ],
)
def test_a_library_whose_limits_contradict_its_range_is_refused_by_name(tmp_path, old, new, words):
    with pytest.raises(dosecalc.RulesError) as refused:
        dosecalc.load_rules(_library_with(tmp_path, old, new))
    assert words in str(refused.value)


# ------------------------------------------------------------------ every face


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["dosecalc", "--rules", str(LIBRARY), *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "NO_COLOR": "1"},
    )


@pytest.mark.subprocess
def test_the_cli_lists_the_limits_and_checks_against_them():
    listed = _cli("rules")
    assert listed.returncode == 0, listed.stderr
    assert "standard concentration: 2 mg/mL" in listed.stdout
    assert "hard limits: 5 to 60 mg/24 hr" in listed.stdout
    assert "reviewed by A. Pharmacist (fictional), 2026-11-30" in listed.stdout
    checked = _cli("check", "--regimen", "driver", "--dose", "61 mg/24 h", "--json")
    assert checked.returncode == 0, checked.stderr
    data = json.loads(checked.stdout)
    assert (data["verdict"], data["hard_limit"]) == ("above", "above")
    text = _cli("check", "--regimen", "driver", "--dose", "61 mg/24 h")
    assert "ABOVE THE HARD LIMIT" in text.stdout
    assert "[order-above-max-per-24h]" in text.stdout
    calc = _cli("calc", "--regimen", "driver", "--concentration", "2 mg/mL", "--json")
    assert json.loads(calc.stdout)["pump_rate"]["display"].startswith("0.209 to 0.833 mL/hr")


def test_reports_and_fhir_say_the_breach_as_the_most_severe_state(library):
    checked = dosecalc.check(regimen="driver", dose="61 mg/24 h", rules=library)
    for name in ("text", "markdown", "html"):
        shown = render_check(checked, name)
        assert "ABOVE THE HARD LIMIT" in shown, name
        assert "Hard limits (library)" in shown, name
    bundle = render_check(checked, "fhir")
    issue = json.loads(bundle)["entry"][1]["resource"]
    assert issue["severity"] == "high"
    assert issue["code"]["text"] == (
        "ABOVE THE HARD LIMIT of Example Hospital drug library (fictional): do not give as "
        "ordered; contact the prescriber"
    )
    result = dosecalc.calculate(
        weight="70 kg", regimen="driver", concentration="2 mg/mL", rules=library
    )
    dosage = dosecalc.to_fhir(result)
    assert [entry.keys() - {"type"} for entry in dosage["doseAndRate"]] == [
        {"rateRange"},
        {"rateRange"},
    ]
    assert "per dose" not in dosage["text"]
    assert dosage["maxDosePerPeriod"] == {  # the library's 60 mg per 24 hours
        "numerator": {"value": 60, "unit": "mg", "system": UCUM, "code": "mg"},
        "denominator": {"value": 1, "unit": "d", "system": UCUM, "code": "d"},
    }
    bolus = dosecalc.calculate(weight="70 kg", regimen="fictivane-bolus", rules=library)
    assert [entry.keys() - {"type"} for entry in dosecalc.to_fhir(bolus)["doseAndRate"]] == [
        {"doseRange"},
        {"doseRange"},
    ]


def test_an_audit_adds_a_hard_limit_column(library):
    orders = {
        "regimen": ["driver", "driver", "driver", "fictivane-oral"],
        "weight": ["70 kg"] * 4,
        "dose": ["30 mg/24 h", "61 mg/24 h", "4 mg/24 h", "15 mg"],
        "every": ["", "", "", "12 hr"],
    }
    audited = dosecalc.audit(orders, rules=library)
    assert list(audited["verdict"]) == ["within", "above", "below", "within"]
    assert list(audited["hard_limit"]) == ["", "above", "below", ""]
    summary = dosecalc.AuditSummary()
    summary.add(audited)
    assert list(audited["outcome"]) == ["within", "above-hard-limit", "below-hard-limit", "within"]
    assert "1 above a hard limit: do not give as ordered; contact the prescriber" in summary.lines()
    assert "1 below a hard limit: do not give as ordered; contact the prescriber" in summary.lines()
    assert summary.hard_limits == 2
    written = io.StringIO()
    csv.writer(written).writerows(zip(*([k, *v] for k, v in audited.items()), strict=True))
    assert "hard_limit" in written.getvalue().splitlines()[0]


@pytest.mark.parametrize(
    "regimen", ["fictivane-sc-driver", "fictivane-iv", "fictivane-bolus", "fictivane-oral"]
)
def test_every_kind_is_a_valid_fhir_dosage_saying_rate_or_dose_as_its_kind_is(library, regimen):
    from fhir.resources.R4B.bundle import Bundle
    from fhir.resources.R4B.dosage import Dosage

    result = dosecalc.calculate(
        weight="70 kg", regimen=regimen, concentration="1 mg/mL", rules=library
    )
    dosage = dosecalc.to_fhir(result)
    Dosage.model_validate(dosage)
    is_rate = result.dose_per_24h is not None
    elements = {key for entry in dosage["doseAndRate"] for key in entry if key != "type"}
    assert elements == ({"rateRange"} if is_rate else {"doseRange"})
    assert ("per dose" in dosage["text"]) == (not is_rate)
    checked = dosecalc.check(
        weight="70 kg",
        regimen=regimen,
        dose="1000 mL" if not is_rate else "1000 mL/hr",
        concentration="1 mg/mL",
        rules=library,
    )
    Bundle.model_validate(json.loads(render_check(checked, "fhir")))


def test_a_syringe_driver_is_prepared_from_its_range_per_24_hours_as_written(library):
    prepared = dosecalc.prepare(
        weight="70 kg",
        regimen="driver",
        stock="500 mg/10 mL",
        final_volume="48 mL",
        duration="24 hr",
        rules=library,
    )
    low, high = prepared.preparations
    # 10 mg/24 hr over 24 hr = 10 mg; 10 mg ÷ 50 mg/mL = 0.2 mL; 48 − 0.2 = 47.8 mL.
    assert low.display["dose_rate"] == "10 mg/24 hr"
    assert (low.display["amount"], low.display["stock_volume"]) == ("10 mg", "0.2 mL")
    assert low.display["diluent_volume"] == "47.8 mL"
    assert high.display["amount"] == "40 mg"
    assert "amount (high end): 40 mg/24 hr × 24 hr = 40 mg" in lines(prepared.basis.steps)


def test_the_app_offers_the_librarys_concentrations_and_says_a_hard_limit_breach_first(tmp_path):
    import asyncio

    from textual.widgets import Button, Input, Label, Static

    from dosecalc.faces.tui.app import DoseCalcApp

    app = DoseCalcApp(dosecalc.load_rules(LIBRARY), export_dir=tmp_path)

    def shown() -> str:
        widgets = app.screen.query("Static, Label")
        text = "\n".join(
            str(w.render()) for w in widgets if isinstance(w, Static | Label) and w.display
        )
        return " ".join(text.split())

    async def go() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("enter")  # the disclaimer
            await pilot.pause()
            # The syringe driver (the library's first regimen) needs no weight.
            buttons = [str(b.label) for b in app.screen.query(Button) if "quick" in b.classes]
            assert buttons == ["1 mg/mL", "2 mg/mL"]
            app.screen.query_one("#concentration", Input).value = "2 mg/mL"
            app.screen.query_one("#dose", Input).value = "61 mg/24 h"
            await pilot.pause()
            assert "ABOVE THE HARD LIMIT" in shown()
            assert "0.209 to 0.833 mL/hr" in shown()
            assert "The order is above this library's maximum of 60 mg" in shown()
            app.screen.query_one("#concentration", Input).value = "3 mg/mL"
            await pilot.pause()
            assert "3 mg/mL is not a standard concentration of this library" in shown()

    asyncio.run(go())


def test_without_a_weight_a_dose_per_kg_is_held_to_the_hard_limits_and_the_maximum_is_not_claimed(
    library,
):
    checked = dosecalc.check(regimen="fictivane-iv", dose="0.5 mg/kg/hr", rules=library)
    assert (checked.verdict, checked.hard_limit) == ("above", "above")  # 0.5 > 0.4 mg/kg/hr
    # The maximum is not claimed: it was not compared, and the check says so as a finding;
    # nor is the patient assessed (no weight).
    assert [w.code for w in checked.warnings] == ["max-per-24h-not-compared", "weight-not-given"]
    assert [f.outcome for f in checked.findings] == [
        "above-hard-limit",
        "patient-not-covered",
        "max-per-24h-not-checked",
    ]


@pytest.mark.subprocess
def test_strict_fails_a_dose_within_the_range_that_passes_the_maximum_per_24_hours():
    # 13.5 mg/hr at 70 kg: 0.193 mg/kg/hr, within 0.1 to 0.2; × 24 = 324 mg, above 300 mg.
    over = _cli(
        "check",
        "--regimen",
        "fictivane-iv",
        "--weight",
        "70 kg",
        "--dose",
        "13.5 mg/hr",
        "--strict",
    )
    assert over.returncode == 3, over.stderr
    first = over.stdout.splitlines()[0]
    assert first.startswith("Verdict: ABOVE THE MAXIMUM PER 24 HOURS of Example Hospital"), first
    assert "WITHIN" not in over.stdout.split("\n\n")[0]  # the headline never says within
    assert "[order-above-max-per-24h]" in over.stdout
    under = _cli(
        "check",
        "--regimen",
        "fictivane-iv",
        "--weight",
        "70 kg",
        "--dose",
        "12.5 mg/hr",
        "--strict",
    )
    assert under.returncode == 0, under.stderr  # 12.5 × 24 = 300 mg: on the maximum


def test_prepare_holds_an_order_to_the_librarys_limits(library):
    # 40 mg/hr for 24 hr is 960 mg/24 hr: above the hard limits (5 to 60) and the maximum.
    made_up = dosecalc.prepare(
        weight="70 kg",
        regimen="driver",
        dose="40 mg/hr",
        stock="100 mg/mL",
        final_volume="20 mL",
        duration="24 hr",
        rules=library,
    )
    assert made_up.hard_limit == "above"
    codes = [w.code for w in made_up.warnings]
    assert codes[0] == "above-hard-limit"
    assert "order-above-max-per-24h" in codes
    assert made_up.warnings[0].message.startswith("ABOVE THE HARD LIMIT: the order, 960 mg/24 hr")
    # Refused: the recipe is withheld, and no warning about it is worked out.
    assert made_up.refusal is not None
    # 40 mg/hr on a 10 to 40 mg/24 hr driver is the per-hour for per-24-hours slip too.
    assert made_up.refusal.codes == (
        "above-hard-limit",
        "probable-entry-error",
        "order-above-max-per-24h",
    )
    assert "(was 40 mg/24 hr meant?)" in made_up.refusal.message
    assert made_up.preparations == ()
    assert "non-standard-concentration" not in codes
    anyway = dosecalc.prepare(
        weight="70 kg",
        regimen="driver",
        dose="40 mg/hr",
        stock="100 mg/mL",
        final_volume="20 mL",
        duration="24 hr",
        show_recipe_anyway=True,
        rules=library,
    )
    assert anyway.refusal is not None
    assert anyway.refusal.recipe_shown
    # 960 mg in 20 mL is 48 mg/mL, none of the library's standard concentrations.
    assert "non-standard-concentration" in [w.code for w in anyway.warnings]
    within = dosecalc.prepare(
        weight="70 kg",
        regimen="driver",
        dose="24 mg/24 h",
        stock="100 mg/mL",
        final_volume="24 mL",
        duration="24 hr",
        rules=library,
    )
    assert within.hard_limit is None
    assert [w.code for w in within.warnings] == []  # 24 mg in 24 mL: 1 mg/mL, standard


def test_an_audit_row_without_a_weight_is_checked_as_check_checks_it(library):
    orders = {
        "regimen": ["fictivane-iv", "fictivane-iv", "driver"],
        "weight": ["", "70 kg", "70 kg"],
        "dose": ["0.5 mg/kg/hr", "0.15 mg/kg/hr", "0.05 mg/kg/hr"],
    }
    audited = dosecalc.audit(orders, rules=library)
    for row, (regimen, weight, dose) in enumerate(zip(*orders.values(), strict=True)):
        checked = dosecalc.check(regimen=regimen, weight=weight or None, dose=dose, rules=library)
        assert audited["verdict"][row] == checked.verdict
        assert audited["hard_limit"][row] == (checked.hard_limit or "")
        assert audited["error"][row] == ""
    # A rate per kg for the syringe driver: 0.05 × 70 kg × 24 = 84 mg/24 hr, above 60.
    assert list(audited["hard_limit"]) == ["above", "", "above"]


@given(
    excess=st.integers(min_value=1, max_value=10**6),
    side=st.sampled_from(["above", "below"]),
    regimen=st.sampled_from(["fictivane-iv", "fictivane-bolus", "fictivane-sc-driver"]),
)
def test_a_dose_a_hair_beyond_a_hard_limit_never_reads_as_the_limit(excess, side, regimen):
    """Just over (or under) a hard limit, by one part in 10**9 to 10**3: the dose shown in
    the rule's unit is apart from the limit, so the breach checks by hand."""
    rule_set = dosecalc.load_rules(LIBRARY)
    rule = rule_set.find(regimen)
    assert rule.hard_limits is not None
    bound = Fraction(rule.hard_limits.high if side == "above" else rule.hard_limits.low)
    factor = 1 + Fraction(excess, 10**9) if side == "above" else 1 - Fraction(excess, 10**9)
    value = bound * factor
    per_kg = rule.regimen_kind.per_kg
    unit = rule.hard_limits.unit
    amount = value * 70 if per_kg else value
    dose_unit = {"mg/kg/h": "mg/hr", "mg/kg": "mg", "mg/24 h": "mg/24 h"}[unit]
    text = f"{Decimal(amount.numerator) / Decimal(amount.denominator):.15f} {dose_unit}"
    checked = dosecalc.check(weight="70 kg", regimen=regimen, dose=text, rules=rule_set)
    exact = magnitude(checked.in_rule_units)
    if (exact > bound) if side == "above" else (exact < bound):
        assert checked.hard_limit == side
        shown = checked.display["in_rule_units"]
        if shown.startswith("just "):  # too close for any decimals: said in words
            assert shown.startswith(f"just {'over' if side == 'above' else 'under'} ")
            return
        number = Fraction(shown.split()[0].replace(",", ""))
        assert number != bound, shown
        assert (number > bound) if side == "above" else (number < bound), shown


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal(100000), places=2))
@example(Decimal(300))  # 12.5 mg/hr, exactly
@example(Decimal(250))  # 10.4166… mg/hr: 10.4, never 10.5
def test_the_highest_rate_within_a_maximum_per_24_hours_never_passes_it(maximum_mg):
    from dosecalc.clinical.limits import hourly_ceiling
    from dosecalc.foundation.unit_registry import (
        registry,
    )
    from dosecalc.ruleset.kinds import KINDS

    rate_kind = next(kind for kind in KINDS.values() if kind.is_rate)
    said = hourly_ceiling(rate_kind, registry().Quantity(Fraction(maximum_mg), "mg"))
    assert said is not None
    shown = Fraction(said.split(" ")[0].replace(",", ""))  # the figure, as a nurse reads it
    exact = Fraction(maximum_mg) / 24
    assert shown * 24 <= Fraction(maximum_mg)  # run for 24 hours, it keeps within
    assert exact - shown <= exact / 100  # and is no lower than its 3 figures need
    assert said.endswith("mg/hr") == (shown == exact)  # a rounded one is marked
    dose_kind = next(kind for kind in KINDS.values() if not kind.is_rate)
    assert hourly_ceiling(dose_kind, registry().Quantity(300, "mg")) is None


# How often a dose is given, against the library's maximum per 24 hours

_INTERVAL_UNITS = {"min": Fraction(1, 60), "hr": Fraction(1), "day": Fraction(24)}


@given(
    regimen=st.sampled_from(["fictivane-oral", "fictivane-bolus"]),
    milligrams=st.integers(1, 250),
    interval=st.none()
    | st.tuples(
        st.integers(1, 48).map(Fraction) | st.fractions(Fraction(1, 4), 48, max_denominator=4),
        st.sampled_from(sorted(_INTERVAL_UNITS)),
    ),
)
@example(regimen="fictivane-oral", milligrams=20, interval=(Fraction(5), "hr"))
@example(regimen="fictivane-oral", milligrams=20, interval=(Fraction(6), "hr"))
@example(regimen="fictivane-oral", milligrams=10, interval=(Fraction(5), "hr"))
def test_a_dose_given_every_interval_is_compared_with_the_maximum_by_the_doses_any_24_hours_hold(
    library, regimen, milligrams, interval
):
    """By hand, with its own arithmetic: any 24 hours holds 24 hours over the interval,
    rounded up, doses (at 0, e, 2e, ... before 24 hours), and their total is compared with
    the maximum; the working beside the maximum says those figures. Without an interval, a
    dose within the maximum is never a plain within: not compared, and says so."""
    maximum = {"fictivane-oral": 50, "fictivane-bolus": 200}[regimen]
    every = None
    if interval is not None:
        value, unit = interval
        every = f"{float(value):g} {unit}"  # quarters and wholes: exact in decimals
    result = dosecalc.check(
        weight="70 kg", regimen=regimen, dose=f"{milligrams} mg", rules=library, every=every
    )
    outcomes = [finding.outcome for finding in result.findings]
    if every is None:
        doses = 1
    else:
        hours = Fraction(every.split()[0]) * _INTERVAL_UNITS[every.split()[1]]
        doses = -(-Fraction(24) // hours)
        doses_said = "dose" if doses == 1 else "doses"
        said = result.display["max_per_24h"]
        count = f"{doses:,}"
        assert f"so at most {count} {doses_said} in any 24 hours: {count} × {milligrams} mg = " in (
            said
        ), said
        # The quotient shown gives the count by hand: never a whole number that is more.
        quotient = said.split(", so at most")[0].split(" = ")[-1]
        shown = quotient.removesuffix(" (rounded down)")
        assert -(-Fraction(shown.replace(",", "")) // 1) == doses, said
        if shown != quotient:  # rounded down, to 3 significant figures at least, as the rule
            exact, figure = Fraction(24) / hours, Fraction(shown.replace(",", ""))
            places = 2 - math.floor(math.log10(exact))  # the decimals of 3 significant figures
            assert 0 < exact - figure < Fraction(1, 10**places), said
    above = milligrams * doses > maximum
    assert ("above-max-per-24h" in outcomes) == above
    assert ("max-per-24h-not-checked" in outcomes) == (every is None and not above)
    if outcomes[0] == "max-per-24h-not-checked":
        assert "that needs how often it is given" in result.headline.says
        assert result.headline.action.startswith("check how often it is given")


def test_an_interval_for_a_rate_is_refused_by_name(library):
    with pytest.raises(dosecalc.InputError, match=r"^every: .* is a rate, which runs continuously"):
        dosecalc.check(
            weight="70 kg", regimen="driver", dose="30 mg/24 h", rules=library, every="6 hr"
        )


def test_the_rules_listing_names_each_other_name_of_the_drug_with_its_citation(library):
    from dosecalc.reports.rules_listing import rules_listing

    listing = rules_listing(library)
    regimens = library.regimens
    for regimen in regimens:
        for other in regimen.other_names:
            assert f"  also ordered as: {other.name} ({other.source.cited})" in listing
    assert listing.count("also ordered as: ") == sum(len(r.other_names) for r in regimens) == 4
