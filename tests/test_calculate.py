"""`calculate`: the source's range applied to one patient, exactly, with its basis."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from by_hand import lines
from hypothesis import assume, example, given
from hypothesis import strategies as st
from strategies import (
    LB_IN_KG,
    concentrations_mg_per_ml,
    regimen_names,
    text,
    weights_kg,
    weights_lb,
)

import dosecalc
from dosecalc import DoseCalcError, calculate, registry
from dosecalc.foundation.text import SPACE_SEPARATORS
from dosecalc.foundation.units import (
    is_given,
)


def exact(quantity, unit: str) -> Fraction:
    return quantity.to(unit).magnitude


def shown(display: str) -> tuple[Fraction, Fraction]:
    low, high = re.fullmatch(r"([\d,.]+) to ([\d,.]+) .+", display).groups()
    return Fraction(low.replace(",", "")), Fraction(high.replace(",", ""))


# ------------------------------------------------------------ the done-when cases


def test_70_kg_iv_gives_21_to_35_mg_per_hr_and_504_to_840_mg_per_24_hours():
    r = calculate(weight="70 kg", regimen="iv")
    assert (exact(r.dose.low, "mg/h"), exact(r.dose.high, "mg/h")) == (21, 35)
    assert (exact(r.dose_per_24h.low, "mg"), exact(r.dose_per_24h.high, "mg")) == (504, 840)
    assert r.dose.display == "21 to 35 mg/hr"
    assert r.dose_per_24h.display == "504 to 840 mg"
    assert r.dose_per_kg_per_min.display == "5 to 8.33 mcg/kg/min (high rounded)"
    assert r.pump_rate is None
    assert r.volume is None


def test_154_3_lb_agrees_with_70_kg_to_within_the_rounding_of_the_weight():
    r = calculate(weight="154.3 lb", regimen="iv")
    kg = Fraction("69.99")  # 154.3 lb = 69.9893 kg, used as shown: to the nearest 10 g
    assert r.dosing_weight.value == kg
    assert exact(r.dose.low, "mg/h") == Fraction(3, 10) * kg
    assert exact(r.dose.high, "mg/h") == Fraction(1, 2) * kg
    assert r.dose.display == "20.997 to 34.995 mg/hr"  # exact: each has 5 significant figures
    assert lines(r.basis.weight_steps) == [
        "weight: 154.3 lb = 69.99 kg (1 lb = 0.45359237 kg; nearest 0.01 kg)"
    ]


def test_a_2_mg_per_ml_concentration_gives_10_5_to_17_5_ml_per_hr():
    r = calculate(weight="70 kg", regimen="iv", concentration="2 mg/mL")
    assert (exact(r.pump_rate.low, "mL/h"), exact(r.pump_rate.high, "mL/h")) == (
        Fraction(21, 2),
        Fraction(35, 2),
    )
    assert r.pump_rate.display == "10.5 to 17.5 mL/hr"


@given(weights_kg)
@example(Fraction("0.5"))
@example(Fraction(500))
def test_sublingual_gives_25_to_50_mg_whatever_the_weight(kg):
    r = calculate(weight=text(kg, "kg"), regimen="sl")
    assert (exact(r.dose.low, "mg"), exact(r.dose.high, "mg")) == (25, 50)
    assert r.dose.display == "25 to 50 mg"
    assert r.dosing_weight is None
    assert r.dose_per_24h is None
    assert r.titration == ()
    assert any("weight does not change the range" in note for note in r.notes)


def test_sublingual_with_a_label_style_concentration_gives_the_volume():
    r = calculate(weight="60 kg", regimen="buccal", concentration="50 mg/5 mL")
    assert (exact(r.volume.low, "mL"), exact(r.volume.high, "mL")) == (Fraction(5, 2), 5)
    assert r.volume.display == "2.5 to 5 mL"
    assert lines(r.basis.steps) == ["volume: 25 mg ÷ 10 mg/mL = 2.5 mL; 50 mg ÷ 10 mg/mL = 5 mL"]


def test_the_json_has_the_documented_shape_with_exact_values_and_ucum_units():
    data = calculate(weight="70 kg", regimen="iv", concentration="1 mg/mL").model_dump(mode="json")
    assert data["regimen"] == "iv-infusion"
    assert data["route"] == "intravenous infusion"
    assert data["dosing_weight"] == {
        "value": 70,
        "unit": "kg",
        "basis": "actual",
        "requested_basis": "actual",
        "display": "70 kg (actual body weight)",
    }
    assert data["dose"]["low"] == {"value": 21, "unit": "mg/h"}
    assert data["dose"]["high"] == {"value": 35, "unit": "mg/h"}
    assert data["dose_per_24h"]["low"] == {"value": 504, "unit": "mg"}
    assert data["pump_rate"]["high"] == {"value": 35, "unit": "mL/h"}
    assert data["dose_per_kg_per_min"]["low"] == {"value": 5, "unit": "ug/kg/min"}
    assert data["volume"] is None
    assert data["side_effects"] == ["confusion", "nausea", "dizziness", "blurred vision"]
    assert data["warnings"] == []
    basis = data["basis"]
    assert basis["rule"] == "iv-infusion"
    assert basis["formula"] == "0.3 mg/kg/hr × 70 kg = 21 mg/hr; 0.5 mg/kg/hr × 70 kg = 35 mg/hr"
    assert basis["inputs"]["weight"] == "70 kg"
    assert "Ketamine in Palliative Care" in basis["source"]
    assert "Table 1" in basis["source"]
    rules = dosecalc.load_rules()
    assert (basis["rules_version"], basis["rules_sha256"]) == (rules.version, rules.sha256)
    assert "Educational use only" in data["disclaimer"]
    assert "palliative care specialist" in data["supervision"]


def test_the_titration_table_steps_by_0_05_mg_per_kg_per_hr_across_the_range():
    r = calculate(weight="70 kg", regimen="iv", concentration="1 mg/mL")
    rates = [exact(step.rate_per_kg, "mg/kg/h") for step in r.titration]
    assert rates == [Fraction(n, 100) for n in (30, 35, 40, 45, 50)]
    assert [exact(step.dose_rate, "mg/h") for step in r.titration] == [
        21,
        Fraction(49, 2),
        28,
        Fraction(63, 2),
        35,
    ]
    assert [step.display["pump_rate"] for step in r.titration] == [
        "21 mL/hr",
        "24.5 mL/hr",
        "28 mL/hr",
        "31.5 mL/hr",
        "35 mL/hr",
    ]


def test_the_source_leaves_open_what_it_does_not_say():
    note = calculate(weight="70 kg", regimen="iv").notes[-1]
    for question in ("maximum daily dose", "salt or base", "age", "duration"):
        assert question in note


def test_every_result_carries_side_effects_supervision_disclaimer_and_basis():
    for regimen in ("iv", "sl"):
        r = calculate(weight="70 kg", regimen=regimen)
        assert r.side_effects
        assert r.supervision
        assert r.disclaimer == dosecalc.DISCLAIMER
        assert r.basis.source_quote
        assert r.basis.rules_sha256
        assert str(r.basis.formula)


def test_an_adjusted_basis_shows_its_working():
    r = calculate(weight="95 kg", regimen="iv", height="5 ft 7 in", sex="female", basis="adjusted")
    assert r.dosing_weight.basis == "adjusted"
    assert lines(r.basis.weight_steps) == [
        "ideal body weight (Devine, female): 45.5 kg + 2.3 kg × (67 in − 60 in) = 61.6 kg",
        "adjusted body weight: 61.6 kg + 0.4 × (95 kg − 61.6 kg) = 74.96 kg",
    ]
    assert lines(r.basis.steps)[0] == (
        "per 24 hours: 22.488 mg/hr × 24 hr = 539.712 mg; 37.48 mg/hr × 24 hr = 899.52 mg"
    )
    assert exact(r.dose.low, "mg/h") == Fraction(3, 10) * (
        Fraction("61.6") + Fraction(2, 5) * (95 - Fraction("61.6"))
    )


def test_quantities_are_accepted_as_well_as_text():
    kg, mg_per_ml = registry().Quantity(70, "kg"), registry().Quantity(2, "mg/mL")
    from_quantities = calculate(weight=kg, regimen="iv", concentration=mg_per_ml)
    from_text = calculate(weight="70 kg", regimen="iv", concentration="2 mg/mL")
    assert from_quantities.pump_rate == from_text.pump_rate
    assert from_quantities.basis.inputs["weight"] == "70 kg"


def test_arguments_are_keyword_only_so_weight_and_height_cannot_swap():
    with pytest.raises(TypeError):
        calculate("70 kg", "iv")  # type: ignore[misc]


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"weight": "70"}, "weight: '70' has no unit"),
        ({"weight": ""}, "weight: nothing was entered"),
        ({"weight": "-70 kg"}, "weight: '-70 kg' is negative"),
        ({"weight": "nan kg"}, "not a finite number"),
        ({"weight": "70 m"}, "is a length, not a weight"),
        ({"weight": "700 kg"}, "above 500 kg"),
        ({"regimen": "im"}, "regimen: 'im' is not a regimen"),
        ({"concentration": "1 mg/kg"}, "not a concentration"),
        ({"concentration": "2"}, "concentration: '2' has no unit"),
        ({"basis": "ideal"}, "needs the patient's height and sex"),
        ({"basis": "lean"}, "not a dosing-weight basis"),
        ({"sex": "x", "height": "170 cm"}, "not a sex"),
        ({"height": "5 ft 7 in 3 cm"}, "height"),
        ({"rules": "/nonexistent"}, "does not exist"),
    ],
)
def test_bad_input_raises_a_dosecalc_error_and_returns_nothing(kwargs, words):
    arguments = {"weight": "70 kg", "regimen": "iv", **kwargs}
    with pytest.raises(DoseCalcError, match=re.escape(words)):
        calculate(**arguments)


# ------------------------------------------------------------ properties of the range logic


@given(weights_lb, regimen_names)
def test_a_weight_in_lb_gives_exactly_the_result_of_the_same_weight_in_kg(lb, regimen):
    in_lb = calculate(weight=text(lb, "lb"), regimen=regimen)
    in_kg = calculate(weight=registry().Quantity(lb * LB_IN_KG, "kg"), regimen=regimen)
    assert in_lb.dose == in_kg.dose
    assert in_lb.dose_per_24h == in_kg.dose_per_24h


@given(weights_kg, weights_kg)
@example(Fraction("65.531"), Fraction("65.532"))  # both used as 65.53 kg
def test_the_dose_rate_rises_with_the_weight_used(a, b):
    assume(a != b)
    light, heavy = (calculate(weight=text(w, "kg"), regimen="iv") for w in sorted((a, b)))
    if light.dosing_weight.value == heavy.dosing_weight.value:  # the same to 10 g: same dose
        assert light.dose == heavy.dose
        return
    assert light.dose.low < heavy.dose.low
    assert light.dose.high < heavy.dose.high


@given(weights_kg)
def test_the_dosing_weight_is_the_weight_to_the_nearest_10_g(kg):
    r = calculate(weight=registry().Quantity(kg, "kg"), regimen="iv")
    assert abs(r.dosing_weight.value - kg) <= Fraction(1, 200)
    assert (r.dosing_weight.value * 100).denominator == 1
    assert exact(r.dose.low, "mg/h") == Fraction(3, 10) * r.dosing_weight.value


@given(weights_kg.map(lambda kg: round(kg, 2)), st.integers(min_value=1, max_value=20))
def test_the_dose_rate_is_linear_in_weight(kg, factor):
    assume(Fraction(1, 2) <= kg * factor <= 500)
    base = calculate(weight=registry().Quantity(kg, "kg"), regimen="iv")
    scaled = calculate(weight=registry().Quantity(kg * factor, "kg"), regimen="iv")
    assert exact(scaled.dose.low, "mg/h") == factor * exact(base.dose.low, "mg/h")
    assert exact(scaled.dose.high, "mg/h") == factor * exact(base.dose.high, "mg/h")


@given(weights_kg, st.none() | concentrations_mg_per_ml, regimen_names)
@example(Fraction("0.5"), Fraction("0.1"), "iv")
@example(Fraction(500), Fraction(100), "iv")
def test_every_range_has_low_at_most_high_and_is_never_shown_wider(kg, conc, regimen):
    r = calculate(
        weight=text(kg, "kg"),
        regimen=regimen,
        concentration=None if conc is None else text(conc, "mg/mL"),
    )
    ranges = [r.rule_range, r.dose, r.dose_per_24h, r.dose_per_kg_per_min, r.pump_rate, r.volume]
    for quantity_range in filter(None, ranges):
        low, high = quantity_range.low, quantity_range.high
        assert 0 < low.magnitude <= high.to(low.units).magnitude
        shown_low, shown_high = shown(quantity_range.display)
        assert low.magnitude <= shown_low <= shown_high <= high.to(low.units).magnitude


@given(weights_kg, concentrations_mg_per_ml)
def test_conversions_round_trip(kg, conc):
    r = calculate(weight=text(kg, "kg"), regimen="iv", concentration=text(conc, "mg/mL"))
    concentration = registry().Quantity(conc, "mg/mL")
    weight = registry().Quantity(kg, "kg")
    assert (r.pump_rate.low * concentration).to("mg/h") == r.dose.low
    assert (r.dose.high / r.dosing_weight.quantity).to("mg/kg/h") == r.rule_range.high
    assert r.dose_per_kg_per_min.low.to("mg/kg/h") == r.rule_range.low
    assert (r.dose_per_24h.high / registry().Quantity(24, "h")).to("mg/h") == r.dose.high
    assert r.patient.weight_lb.to("kg") == weight


@given(weights_kg, concentrations_mg_per_ml)
def test_titration_rows_run_from_low_to_high_and_agree_with_the_range(kg, conc):
    r = calculate(weight=text(kg, "kg"), regimen="iv", concentration=text(conc, "mg/mL"))
    rows = r.titration
    assert rows[0].dose_rate == r.dose.low
    assert rows[-1].dose_rate == r.dose.high
    assert rows[0].pump_rate == r.pump_rate.low
    assert rows[-1].pump_rate == r.pump_rate.high
    doses = [exact(row.dose_rate, "mg/h") for row in rows]
    assert doses == sorted(doses)
    assert len(set(doses)) == len(doses)


@given(st.text(max_size=40), st.text(max_size=20), st.text(max_size=40))
def test_arbitrary_text_inputs_give_a_valid_result_or_a_dosecalc_error(weight, regimen, conc):
    try:
        r = calculate(weight=weight, regimen=regimen, concentration=conc)
    except DoseCalcError:
        return
    assert 0 < r.dose.low.magnitude <= r.dose.high.magnitude


def test_an_ideal_basis_shows_the_devine_working():
    r = calculate(weight="80 kg", regimen="iv", height="170 cm", sex="male", basis="ideal")
    assert r.dosing_weight.basis == "ideal"
    assert lines(r.basis.weight_steps)[0] == (
        "height: 170 cm = 66.93 in (1 in = 2.54 cm; nearest 0.01 in)"
    )
    assert lines(r.basis.weight_steps)[1] == (
        "ideal body weight (Devine, male): 50 kg + 2.3 kg × (66.93 in − 60 in) = 65.939 kg, "
        "used as 65.94 kg (nearest 0.01 kg)"
    )
    assert not any("adjusted" in step for step in lines([*r.basis.weight_steps, *r.basis.steps]))


def test_rules_may_be_a_loaded_rule_set_a_folder_or_the_default():
    rule_set = dosecalc.load_rules()
    by_object = calculate(weight="70 kg", regimen="iv", rules=rule_set)
    by_folder = calculate(weight="70 kg", regimen="iv", rules=rule_set.path)
    by_default = calculate(weight="70 kg", regimen="iv")
    assert by_object == by_folder == by_default


def test_the_fixed_dose_notes_say_the_weight_does_not_change_it_and_what_the_source_leaves_open():
    assert calculate(weight="70 kg", regimen="sl").notes == (
        "The weight does not change the range: the source's range is in a drug amount, not per "
        "kg (dosecalc reads it as a dose per administration). The weight shows whether the "
        "patient is one the range is applied to.",
        "The source does not specify: dose frequency; salt or base (ketamine hydrochloride or "
        "ketamine base); age limits or paediatric dosing; maximum daily dose.",
    )


@pytest.mark.parametrize("rules", [{}, 42, ["rules"], b"rules"])
def test_rules_of_no_kind_dosecalc_reads_are_refused_by_name(rules):
    with pytest.raises(dosecalc.RulesError, match="expected a RuleSet, a rule folder's path"):
        dosecalc.calculate(weight="70 kg", regimen="iv", rules=rules)


@given(
    blank=st.text(alphabet=st.sampled_from(SPACE_SEPARATORS), max_size=4),
    other=st.sampled_from(["\t", "\n", "\r", "\x0b", "\x0c", "\x85", "\u2028", "\x00"]),
)
def test_text_of_spaces_of_any_kind_is_not_given_and_any_other_character_is_an_entry(blank, other):
    """One rule for a field left out, on every path: a no-break or thin space is a space
    (the reader takes it so), so text of them alone is no entry, as "" is; a tab, line
    break or other control character is an entry, read and refused by name."""
    assert not is_given(blank)
    left = calculate(weight=blank, regimen="sl", concentration=blank, height=blank)
    none = calculate(weight=None, regimen="sl")
    assert (left.patient, left.concentration) == (None, None)
    assert (left.dose, left.warnings) == (none.dose, none.warnings)
    entered = blank + other
    assert is_given(entered)
    for field in ("weight", "concentration", "height"):
        with pytest.raises(DoseCalcError, match=f"^{field}: "):
            calculate(**{"weight": "70 kg", "regimen": "sl", field: entered})


@given(thousandths=st.integers(min_value=59_000, max_value=84_000))
def test_a_height_used_to_the_hundredth_of_an_inch_says_so_in_the_working(thousandths):
    """67.125 in is worked as 67.13 in: the working says the height was used so, as it
    says of a weight, before Devine's formula reads it."""
    typed = Fraction(thousandths, 1000)
    text = f"{float(typed):.3f}".rstrip("0").rstrip(".")
    result = calculate(weight="95 kg", regimen="iv", height=f"{text} in", sex="male", basis="ideal")
    used = Decimal(text).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)  # half up
    shown = f"{used}".rstrip("0").rstrip(".")
    said = [step for step in lines(result.basis.weight_steps) if step.startswith("height: ")]
    if used == typed:
        assert said == []
    else:
        assert said == [f"height: {text} in, used as {shown} in (nearest 0.01 in)"]
    (devine,) = [
        step for step in lines(result.basis.weight_steps) if step.startswith("ideal body weight")
    ]
    assert f"× ({shown} in − 60 in)" in devine


@given(
    regimen=st.sampled_from(
        [("sl", None), ("driver", "library"), ("fictivane-oral", "library"), ("iv", None)]
    ),
    weight=st.none() | st.just("") | st.decimals(min_value=40, max_value=150, places=2),
)
def test_a_range_not_per_kg_without_a_weight_is_no_patients_range_on_any_face(regimen, weight):
    """A fixed dose or a rate not per kg needs no weight, yet without one nothing is known
    of the patient: the calculation leads with "the patient may not be covered", as the
    order check does, and FHIR structures no dose; a usual adult weight clears it."""
    from conftest import REPO, reviewed

    name, where = regimen
    rules = None if where is None else reviewed(REPO / "examples" / "hospital-library")
    typed = weight if weight in (None, "") else f"{weight} kg"
    weighed = weight not in (None, "")
    if name == "iv" and not weighed:  # a range per kg: refused without a weight, as always
        with pytest.raises(dosecalc.InputError, match=r"^weight: "):
            calculate(weight=typed, regimen=name, rules=rules)
        return
    result = calculate(weight=typed, regimen=name, rules=rules)
    assert result.patient_covered == weighed
    outcome = result.headline.outcome if result.headline is not None else None
    assert (outcome == "patient-not-covered") == (not weighed)
    assert ("doseAndRate" in dosecalc.to_fhir(result)) == weighed
    if not weighed:
        assert "no weight was given" in result.headline.says
