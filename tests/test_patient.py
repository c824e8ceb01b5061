"""The patient: plausibility bounds, warnings, IBW/ABW/BMI and the dosing-weight policy."""

from __future__ import annotations

import math
import re
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from strategies import heights_cm, sexes, text, weights_kg

import dosecalc
from dosecalc import ChoiceError, MissingInputError, OutOfRangeError
from dosecalc.foundation.bounds import USUAL_ADULT_WEIGHT_KG, WEIGHT_LIMITS_KG
from dosecalc.foundation.display import exact_places, format_number
from dosecalc.patient.body import (
    LB_KG_MIX_UP_FACTOR,
    assess_patient,
    choose_dosing_weight,
    read_basis,
    read_sex,
)


def codes(warnings) -> set[str]:
    return {w.code for w in warnings}


@pytest.mark.parametrize("weight", ["0.5 kg", "500 kg", "1102 lb", "500000 g"])
def test_weights_at_the_hard_bounds_are_accepted(weight):
    patient, _ = assess_patient(weight)
    assert WEIGHT_LIMITS_KG[0] <= patient.weight_kg.magnitude <= WEIGHT_LIMITS_KG[1]


@pytest.mark.parametrize(
    ("weight", "words"),
    [
        ("0.49 kg", "0.49 kg is below 0.5 kg"),
        ("700 kg", "700 kg is above 500 kg"),
        ("1103 lb", "1,103 lb is above 500 kg"),
        ("70 mg", "70 mg is below 0.5 kg"),
        ("70 g", "70 g is below 0.5 kg"),
    ],
)
def test_weights_no_patient_has_are_refused(weight, words):
    with pytest.raises(OutOfRangeError, match=words) as raised:
        assess_patient(weight)
    assert raised.value.field == "weight"


@pytest.mark.parametrize(
    ("height", "words"),
    [
        ("29 cm", "below 30 cm"),
        ("17000 cm", "above 275 cm"),
        ("276 cm", "above 275 cm"),
        ("10 ft", "above 275 cm"),
    ],
)
def test_heights_no_patient_has_are_refused(height, words):
    with pytest.raises(OutOfRangeError, match=words):
        assess_patient("70 kg", height)


@given(weights_kg)
@example(Fraction(40)).via("the low soft bound is not below it")
@example(Fraction(150)).via("the high soft bound is not above it")
@example(Fraction("39.999"))  # used and shown as 40 kg: not below the band
@example(Fraction("39.994"))  # used and shown as 39.99 kg
@example(Fraction("150.001"))
@example(Fraction("150.005"))
def test_weights_outside_the_usual_adult_band_are_warned_and_inside_are_not(kg):
    _, warnings = assess_patient(text(kg, "kg"))
    low, high = USUAL_ADULT_WEIGHT_KG
    used = to_hundredths(kg)  # judged on the weight as used and shown, never contradicting it
    assert ("low-weight" in codes(warnings)) == (used < low)
    assert ("high-weight" in codes(warnings)) == (used > high)


@pytest.mark.parametrize(
    ("weight", "mixed_up"),
    [
        ("180 kg", True),  # 180 lb typed as kg: 180 / 2.2 = 81.8
        ("30 kg", True),  # 66 lb read as kg? 30 x 2.2 = 66
        ("66 lb", True),  # 29.9 kg; x 2.2 = 66: 66 kg entered as lb?
        ("30 lb", False),  # 13.6 kg; x 2.2 = 30 is still below the band
        ("70 kg", False),
        ("400 kg", False),  # / 2.2 = 181.8: still outside the band
        ("2 kg", False),
    ],
)
def test_a_possible_lb_kg_mix_up_is_warned_only_outside_the_usual_band(weight, mixed_up):
    _, warnings = assess_patient(weight)
    assert ("possible-lb-kg-mix-up" in codes(warnings)) == mixed_up


POUND_KG = Fraction("0.45359237")  # the international pound, exactly


def _hundredths(value: Fraction) -> Fraction:
    return Fraction(math.floor(value * 100 + Fraction(1, 2)), 100)


@given(weights_kg)
@example(Fraction("31.751"))  # 70 lb: said as 70 lb, never "× 2.2 = 69.85 kg"
@example(Fraction(154))
@example(Fraction("222.2"))  # a weight whose digits hold "2.2" is still said whole
def test_a_possible_lb_kg_mix_up_is_said_in_figures_that_check_by_hand(kg):
    """The mix-up was said "31.75 kg × 2.2 = 69.85 kg" for 70 lb typed: 2.2 finds it, and
    every figure said is the exact pound, to 0.01 as weights are used."""
    _, warnings = assess_patient(text(kg, "kg"))
    said = [w.message for w in warnings if w.code == "possible-lb-kg-mix-up"]
    for message in said:
        light = re.fullmatch(
            r"Weight ([\d.]+) kg is ([\d.]+) lb: if \2 kg was meant, that is a usual adult "
            r"weight\. Check that pounds and kilograms were not mixed up\.",
            message,
        )
        heavy = re.fullmatch(
            r"Weight ([\d.]+) kg: if \1 lb was meant \(([\d.]+) kg\), that is a usual adult "
            r"weight\. Check that pounds and kilograms were not mixed up\.",
            message,
        )
        assert light or heavy, message
        used = Fraction((light or heavy)[1])
        assert used == _hundredths(kg)
        if light:
            assert Fraction(light[2]) == _hundredths(used / POUND_KG)
        else:
            assert Fraction(heavy[2]) == _hundredths(used * POUND_KG)


def test_lb_and_kg_are_both_echoed():
    patient, _ = assess_patient("154.3 lb")
    assert patient.display["weight"] == "154.3 lb (69.99 kg)"
    assert patient.weight_lb.magnitude == Fraction("154.3")
    assert patient.weight_kg.magnitude == Fraction("154.3") * Fraction("0.45359237")


def test_devine_ibw_abw_and_bmi_for_a_known_patient():
    patient, _ = assess_patient("80 kg", "64 in", "female")
    assert patient.ideal_body_weight.magnitude == Fraction("54.7")
    assert patient.adjusted_body_weight.magnitude == Fraction("54.7") + Fraction("0.4") * (
        80 - Fraction("54.7")
    )
    assert patient.bmi == 80 / (Fraction(64 * 254, 10000)) ** 2


def test_without_sex_there_is_no_ibw_but_still_a_bmi():
    patient, _ = assess_patient("80 kg", "170 cm")
    assert patient.ideal_body_weight is None
    assert patient.adjusted_body_weight is None
    assert patient.bmi is not None


def test_below_60_inches_devine_is_extrapolated_with_a_warning():
    patient, warnings = assess_patient("45 kg", "150 cm", "male")
    assert "devine-extrapolated" in codes(warnings)
    assert patient.ideal_body_weight.magnitude < 50


def test_where_devine_gives_no_positive_weight_the_ideal_and_adjusted_bases_are_refused():
    patient, warnings = assess_patient("20 kg", "90 cm", "male")
    assert patient.ideal_body_weight is None
    assert "ideal-weight-undefined" in codes(warnings)
    assert choose_dosing_weight(patient, "actual")[0].value == 20
    for basis in ("ideal", "adjusted"):
        with pytest.raises(OutOfRangeError, match="no positive ideal body weight"):
            choose_dosing_weight(patient, basis)


@pytest.mark.parametrize(
    ("height", "sex", "missing"),
    [
        (None, None, "height and sex"),
        ("170 cm", None, "sex"),
        (None, "male", "height"),
    ],
)
@pytest.mark.parametrize("basis", ["ideal", "adjusted"])
def test_ideal_and_adjusted_bases_need_height_and_sex(height, sex, missing, basis):
    patient, _ = assess_patient("80 kg", height, sex)
    with pytest.raises(MissingInputError, match=f"needs the patient's {missing}"):
        choose_dosing_weight(patient, basis)


@given(weights_kg, heights_cm, sexes)
def test_the_dosing_weight_follows_the_basis_except_below_ibw(kg, cm, sex):
    try:
        patient, _ = assess_patient(text(kg, "kg"), text(cm, "cm"), sex)
        chosen = {
            basis: choose_dosing_weight(patient, basis) for basis in ("actual", "ideal", "adjusted")
        }
    except OutOfRangeError:
        assert cm < 103  # only short heights make Devine non-positive
        return
    ibw = patient.ideal_body_weight.magnitude
    used = to_hundredths(kg)  # every weight is used as shown, to the nearest 10 g
    assert chosen["actual"][0].value == used
    if used < ibw:
        for basis in ("ideal", "adjusted"):
            dosing, warnings = chosen[basis]
            assert (dosing.value, dosing.basis, dosing.requested_basis) == (used, "actual", basis)
            assert codes(warnings) == {"actual-below-ideal"}
    else:
        assert chosen["ideal"][0].value == ibw
        assert chosen["adjusted"][0].value == to_hundredths(ibw + Fraction(2, 5) * (used - ibw))
        assert ibw <= chosen["adjusted"][0].value <= used


def to_hundredths(value: Fraction) -> Fraction:
    """Half up to 0.01, as the display rule rounds a body measurement."""
    return Fraction(math.floor(value * 100 + Fraction(1, 2)), 100)


@pytest.mark.parametrize(
    ("given_sex", "expected"),
    [("male", "male"), ("F", "female"), (" Female ", "female"), (None, None), ("", None)],
)
def test_sex_spellings(given_sex, expected):
    assert read_sex(given_sex) == expected


@pytest.mark.parametrize("value", ["unknown", "x", 1])
def test_an_unknown_sex_is_refused(value):
    with pytest.raises(ChoiceError, match="'male' or 'female'"):
        read_sex(value)


@pytest.mark.parametrize("value", ["lean", "", None, "ideal body weight"])
def test_an_unknown_basis_is_refused(value):
    with pytest.raises(ChoiceError, match="'actual', 'ideal' or 'adjusted'"):
        read_basis(value)


def test_a_non_text_sex_or_basis_is_named_in_the_message():
    with pytest.raises(ChoiceError, match=r"^sex: 1 is not a sex"):
        read_sex(1)
    with pytest.raises(ChoiceError, match=r"^basis: None is not a dosing-weight basis"):
        read_basis(None)


def test_at_exactly_60_inches_devine_is_not_extrapolated():
    _, warnings = assess_patient("60 kg", "60 in", "female")
    assert "devine-extrapolated" not in codes(warnings)
    _, warnings = assess_patient("60 kg", "59.9 in", "female")
    (warning,) = [w for w in warnings if w.code == "devine-extrapolated"]
    assert warning.message == (
        "Height 152.15 cm is under 60 in (152.4 cm), where Devine's formula is extrapolated: "
        "treat ideal and adjusted body weight with caution."
    )


def test_an_ibw_that_comes_to_zero_kg_as_used_is_undefined_and_the_next_one_is_not():
    from dosecalc import registry

    # 50 + 2.3 x (38.26 - 60) = -0.002 kg, used as 0 kg; 38.27 in gives 0.021, used as 0.02.
    zero_at = registry().Quantity(Fraction("38.26"), "inch")
    patient, warnings = assess_patient("20 kg", zero_at, "male")
    assert patient.ideal_body_weight is None
    (warning,) = [w for w in warnings if w.code == "ideal-weight-undefined"]
    assert warning.message.startswith("Devine's formula gives no positive ideal body weight at ")
    assert warning.message.endswith("; ideal and adjusted body weight are not shown.")
    patient, _ = assess_patient("20 kg", registry().Quantity(Fraction("38.27"), "inch"), "male")
    assert patient.ideal_body_weight.magnitude == Fraction("0.02")


def test_a_refused_sex_is_echoed_trimmed():
    with pytest.raises(ChoiceError) as raised:
        read_sex("  other ")
    assert str(raised.value).startswith("sex: 'other' is not a sex dosecalc uses.")


@given(st.decimals(min_value=Decimal("40"), max_value=Decimal("88.18"), places=2))
@example(Decimal("88"))  # 39.92 kg made again is 88.01 lb: never said
def test_a_mix_up_of_a_weight_typed_in_lb_says_the_figure_typed(pounds):
    """A weight typed in lb that would be a usual weight in kg is said with the number as
    typed (88 lb: if 88 kg was meant), never a figure made again from the weight in kg."""
    typed = f"{pounds.normalize():f}"
    _, warnings = assess_patient(f"{typed} lb")
    said = [w.message for w in warnings if w.code == "possible-lb-kg-mix-up"]
    kg = _hundredths(Fraction(pounds) * POUND_KG)
    found = kg < 40 and 40 <= kg * LB_KG_MIX_UP_FACTOR <= 150  # found with 2.2 lb/kg
    assert bool(said) == found
    if not found:
        return
    (message,) = said
    assert message == (
        f"Weight {typed} lb ({format_number(kg, decimals=exact_places(kg))} kg): if {typed} kg "
        "was meant, that is a usual adult weight. Check that pounds and kilograms were not "
        "mixed up."
    )


@given(
    feet=st.integers(min_value=4, max_value=7),
    decimals=st.sampled_from(["1", "5", "7", "9", "10", "11", "12", "25", "05", "08", "75", "50"]),
    spelled=st.sampled_from(["ft", "feet", "'"]),
    basis=st.sampled_from(["actual", "ideal", "adjusted"]),
)
def test_a_height_in_decimal_feet_whose_decimals_could_be_inches_is_refused_naming_both(
    feet, decimals, spelled, basis
):
    """5.7 ft is 68.4 in, and 5 ft 7 in is 67 in: through an ideal or adjusted weight the two
    readings can give two verdicts, so no figure is shown until the height reads one way
    (the error gives both readings, each checking by hand). Other decimals (5.25 ft) are
    decimal feet, read as typed."""
    gap = "" if spelled == "'" else " "
    typed = f"{feet}.{decimals}{gap}{spelled}"
    read = Fraction(f"{feet}.{decimals}") * 12
    inches = int(decimals)
    patient = {"weight": "70 kg", "height": typed, "sex": "male", "basis": basis}
    if not 1 <= inches <= 11:  # 5.25 ft, 5.12 ft: no inches; 5.08 ft could be 5 ft 8 in
        result = dosecalc.calculate(**patient, regimen="iv")
        assert result.patient.height.magnitude * 12 == read  # decimal feet, as typed
        return
    shown = format_number(read, decimals=exact_places(read))
    for attempt in (
        lambda: dosecalc.calculate(**patient, regimen="iv"),
        lambda: dosecalc.check(**patient, regimen="iv", dose="28 mg/hr"),
        lambda: dosecalc.calculate(**patient, regimen="sl"),  # read though not used
    ):
        with pytest.raises(dosecalc.ParseError) as refused:
            attempt()
        assert refused.value.field == "height"
        assert f"could be {feet}.{decimals} feet ({shown} in) or {feet} ft {inches} in " in str(
            refused.value
        )
        assert f"({feet * 12 + inches} in)" in str(refused.value)
