"""The patient's body and the weight a dose is calculated on.

The bounds here are input plausibility checks, not clinical limits: a weight
outside 0.5 to 500 kg or a height outside 30 to 275 cm belongs to no patient
and is refused; weights outside the usual adult band (40 to 150 kg) are
allowed with a warning, because the source gives no guidance there.

Ideal body weight is Devine's formula (Devine BJ, Drug Intell Clin Pharm
1974;8:650-655): 50 kg (male) or 45.5 kg (female) + 2.3 kg per inch over
60 inches. Adjusted body weight is IBW + 0.4 x (actual - IBW), the convention
MedCalc-Bench and clinPK use. Dosing-weight policy: the chosen basis, except
that the actual weight is used whenever it is below IBW (a warning says so).

Every weight a dose is worked from is the one shown: to the nearest 0.01 kg
(`BODY_DECIMALS`), and IBW from the height in inches as shown, so that each
line of the basis checks by hand.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from fractions import Fraction
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict

from dosecalc.foundation.bounds import HEIGHT_LIMITS_CM, USUAL_ADULT_WEIGHT_KG, WEIGHT_LIMITS_KG
from dosecalc.foundation.display import (
    BODY_DECIMALS,
    JsonNumber,
    JsonQuantity,
    ShownTexts,
    exact_places,
    format_body,
    format_exact,
    format_number,
    magnitude,
)
from dosecalc.foundation.errors import ChoiceError, MissingInputError, OutOfRangeError, ParseError
from dosecalc.foundation.text import quoted, unusual_characters
from dosecalc.foundation.unit_registry import (
    Quantity,
    convert,
    named_unit,
    quantity_of,
    registry,
)
from dosecalc.foundation.units import (
    HEIGHT,
    WEIGHT,
    QuantityKind,
    is_given,
    parse_quantity,
)
from dosecalc.foundation.working import Apply, Group, Operand, worked
from dosecalc.patient.bases import BASES, Basis

Sex = Literal["male", "female"]

LB_KG_MIX_UP_FACTOR: Final = Fraction("2.2")
WEIGHT_WARNING_CODES: Final = ("low-weight", "high-weight", "possible-lb-kg-mix-up")
"""The warnings of `weight_warnings`, in its order: a patient the source's range was not
written for, or a weight to verify. A check for such a patient is no check for them."""
LOW_DOSING_WEIGHT: Final = "low-dosing-weight"
"""The warning of an ideal or adjusted dosing weight below the usual adult band, for an
actual weight within it: a dose per kg of it is dosing for a weight no source covers."""
WEIGHT_NOT_GIVEN: Final = "weight-not-given"
"""The warning of an order checked with no weight: whether the patient is one dosecalc applies
the source's range to (its adult band; a child is dosed on no range here) was never asked."""
NOT_COVERED_CODES: Final = (*WEIGHT_WARNING_CODES, LOW_DOSING_WEIGHT, WEIGHT_NOT_GIVEN)
"""Every warning that the source's range was not written for this patient, that the
weight it rests on is to be verified, or that no weight was given to tell."""

DEVINE_BASE_KG: Final[dict[Sex, Fraction]] = {"male": Fraction(50), "female": Fraction("45.5")}
DEVINE_KG_PER_INCH: Final = Fraction("2.3")
DEVINE_FROM_INCHES: Final = Fraction(60)
ADJUSTED_WEIGHT_FACTOR: Final = Fraction("0.4")

_SEX_SPELLINGS: Final[dict[str, Sex]] = {
    "male": "male",
    "m": "male",
    "female": "female",
    "f": "female",
}


class DoseWarning(BaseModel):
    """Something the clinician must see beside the result: a stable code and a sentence."""

    model_config = ConfigDict(frozen=True)
    code: str
    message: str


def source_covers(warnings: Iterable[DoseWarning]) -> bool:
    """False when any of ``warnings`` says the source's range was not written for this
    patient (`NOT_COVERED_CODES`): then a range worked at their weight is arithmetic only,
    never this patient's range, and no dose is suggested from it. True otherwise, also
    when no patient was given (nothing then says the source does not cover them)."""
    return not any(warning.code in NOT_COVERED_CODES for warning in warnings)


class Patient(BaseModel):
    """The patient as entered (exact), with the weights derived from it as shown and used:
    IBW and ABW to the nearest 0.01 kg, IBW worked from the height in inches to 0.01 in."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)
    weight: JsonQuantity
    weight_kg: JsonQuantity
    weight_lb: JsonQuantity
    height: JsonQuantity | None
    height_cm: JsonQuantity | None
    sex: Sex | None
    ideal_body_weight: JsonQuantity | None
    adjusted_body_weight: JsonQuantity | None
    bmi: JsonNumber | None
    """Body mass index in kg/m², a plain number (pint cannot print m² exactly, pint#2386)."""
    display: ShownTexts


class DosingWeight(BaseModel):
    """The weight the dose is calculated on, in kg to the nearest 0.01 kg (as shown), and
    which basis it follows."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)
    value: JsonNumber
    unit: Literal["kg"] = "kg"
    basis: Basis
    requested_basis: Basis
    display: str

    @property
    def quantity(self) -> Quantity:
        return registry().Quantity(self.value, named_unit(self.unit))


def read_sex(value: object) -> Sex | None:
    """``male``/``female`` (or ``m``/``f``), any case; None when not given."""
    if not is_given(value):
        return None
    sex = _SEX_SPELLINGS.get(_trimmed(value).lower()) if isinstance(value, str) else None
    if sex is None:
        raise ChoiceError(
            "sex",
            f"{_shown(value)} is not a sex dosecalc uses",
            "Use 'male' or 'female' (needed for ideal body weight)",
        )
    return sex


def read_basis(value: object) -> Basis:
    """``actual``, ``ideal`` or ``adjusted``, any case."""
    wanted = _trimmed(value).lower() if isinstance(value, str) else None
    for basis in BASES:
        if wanted == basis:
            return basis
    raise ChoiceError(
        "basis",
        f"{_shown(value)} is not a dosing-weight basis",
        "Use 'actual', 'ideal' or 'adjusted'",
    )


def _trimmed(value: str) -> str:
    """A choice as typed, without the plain spaces around it (any other character, a thin
    space included, is part of it, and named when it is refused)."""
    return value.strip(" ")


def _shown(value: object) -> str:
    if isinstance(value, str):
        return quoted(value.strip()) + unusual_characters(value)
    return quoted(value)


def assess_patient(
    weight: object, height: object = None, sex: object = None
) -> tuple[Patient, list[DoseWarning]]:
    """Validate the patient's measurements and derive IBW, ABW and BMI.

    Weight is required; height and sex are optional and together give IBW
    and ABW. Raises `InputError` for a weight or height no patient has.
    """
    entered_weight = parse_quantity(weight, WEIGHT)
    weight_kg = _within(entered_weight, WEIGHT, WEIGHT_LIMITS_KG, "patient weighs")
    entered_height = _read_height(height) if is_given(height) else None
    height_cm = (
        _within(entered_height, HEIGHT, HEIGHT_LIMITS_CM, "patient measures")
        if entered_height is not None
        else None
    )
    chosen_sex = read_sex(sex)
    warnings = weight_warnings(weight_kg, entered=entered_weight)
    ibw = abw = bmi = None
    if height_cm is not None:
        bmi = weight_kg.magnitude / convert(height_cm, named_unit("m")).magnitude ** 2
        if chosen_sex is not None:
            ibw, ibw_warnings = _ideal_body_weight(height_cm, chosen_sex)
            warnings += ibw_warnings
            if ibw is not None:
                adjusted = worked(adjusted_formula(ibw, body_figure(weight_kg)))
                abw = body_figure(quantity_of(adjusted, named_unit("kg")))
    patient = Patient(
        weight=entered_weight,
        weight_kg=weight_kg,
        weight_lb=convert(weight_kg, named_unit("lb")),
        height=entered_height,
        height_cm=height_cm,
        sex=chosen_sex,
        ideal_body_weight=ibw,
        adjusted_body_weight=abw,
        bmi=bmi,
        display=_patient_display(entered_weight, weight_kg, entered_height, ibw, abw, bmi),
    )
    return patient, warnings


def read_unused_measurements(height: object, sex: object) -> None:
    """Read a height and sex given for a regimen that uses no weight: a wrong entry is
    refused as it would be anywhere else, never passed over in silence."""
    if is_given(height):
        _within(_read_height(height), HEIGHT, HEIGHT_LIMITS_CM, "patient measures")
    read_sex(sex)


def choose_dosing_weight(patient: Patient, basis: Basis) -> tuple[DosingWeight, list[DoseWarning]]:
    """The weight for ``basis``; the actual weight when it is below IBW.

    ``ideal`` and ``adjusted`` need height and sex (`MissingInputError`), and
    a height at which Devine's formula gives a positive weight.
    """
    actual: Quantity = patient.weight_kg
    if basis == "actual":
        return _dosing(actual, "actual", basis), []
    if patient.height_cm is None or patient.sex is None:
        missing = " and ".join(
            name
            for name, value in (("height", patient.height_cm), ("sex", patient.sex))
            if value is None
        )
        raise MissingInputError(
            "basis",
            f"the '{basis}' basis needs the patient's {missing}",
            "Enter height and sex, or use the 'actual' basis",
        )
    if patient.ideal_body_weight is None:
        raise OutOfRangeError(
            "height",
            f"Devine's formula gives no positive ideal body weight at "
            f"{format_body(patient.height_cm)}",
            "Use the 'actual' basis for this patient",
        )
    ibw: Quantity = patient.ideal_body_weight
    if body_figure(actual) < ibw:
        warning = DoseWarning(
            code="actual-below-ideal",
            message=f"Actual weight ({format_body(actual)}) is below ideal body weight "
            f"({format_body(ibw)}), so the actual weight is used rather than the {basis} weight.",
        )
        return _dosing(actual, "actual", basis), [warning]
    chosen = ibw if basis == "ideal" else patient.adjusted_body_weight
    assert chosen is not None  # ABW exists whenever IBW does
    return _dosing(chosen, basis, basis), _low_dosing_weight(chosen, basis)


def _low_dosing_weight(chosen: Quantity, basis: Basis) -> list[DoseWarning]:
    """A dosing weight below the usual adult band (the actual weight has its own warnings)."""
    low = USUAL_ADULT_WEIGHT_KG[0]
    if chosen.magnitude >= low:
        return []
    return [
        DoseWarning(
            code=LOW_DOSING_WEIGHT,
            message=f"The {basis} body weight used for dosing, {format_body(chosen)}, is below "
            f"{low} kg: the source gives no low-weight guidance.",
        )
    ]


def body_figure(quantity: Quantity) -> Quantity:
    """``quantity`` to the nearest 0.01 of its unit (`BODY_DECIMALS`): as shown, and as used."""
    places = 10**BODY_DECIMALS
    value = Fraction(math.floor(quantity.magnitude * places + Fraction(1, 2)), places)
    return registry().Quantity(value, quantity.units)


def height_in_inches(height_cm: Quantity) -> Quantity:
    """The height in inches as shown (0.01 in), which Devine's formula is worked from."""
    return body_figure(convert(height_cm, named_unit("inch")))


def _dosing(quantity: Quantity, basis: Basis, requested: Basis) -> DosingWeight:
    used = body_figure(convert(quantity, named_unit("kg")))
    shown = f"{format_body(used)} ({basis} body weight)"
    return DosingWeight(
        value=used.magnitude,
        basis=basis,
        requested_basis=requested,
        display=shown,
    )


def _within(
    entered: Quantity, kind: QuantityKind, limits: tuple[Fraction, Fraction], verb: str
) -> Quantity:
    """``entered`` in the kind's unit, if within ``limits``; the message echoes it as typed."""
    value = convert(entered, named_unit(kind.unit))
    low, high = limits
    for beyond, limit, side, than in (
        (value.magnitude < low, low, "below", "less"),
        (value.magnitude > high, high, "above", "more"),
    ):
        if beyond:
            raise OutOfRangeError(
                kind.name,
                f"{format_exact(entered)} is {side} {format_number(limit)} {kind.unit}, "
                f"{than} than any {verb}",
                f"Check the {kind.name} and its unit, e.g. {kind.example}",
            )
    return value


def weight_warnings(weight_kg: Quantity, entered: Quantity | None = None) -> list[DoseWarning]:
    """Warnings for a weight outside the usual adult band, and for a likely lb/kg mix-up:
    which apply is decided by the weight in kg alone (as the audit's hot path decides it);
    ``entered``, the weight as typed, words the mix-up with the figure typed."""
    low, high = USUAL_ADULT_WEIGHT_KG
    low_code, high_code, mix_up_code = WEIGHT_WARNING_CODES
    used = body_figure(weight_kg)  # judged as used and shown, to the nearest 10 g
    kg = used.magnitude
    shown = format_body(used)
    warnings = []
    if kg < low:
        warnings.append(
            DoseWarning(
                code=low_code,
                message=f"Weight {shown} is below {low} kg: the source gives no paediatric or "
                "low-weight guidance.",
            )
        )
    if kg > high:
        warnings.append(
            DoseWarning(
                code=high_code,
                message=f"Weight {shown} is above {high} kg: check it. The source gives no dosing "
                "at this weight and does not say which weight to dose on: the specialist decides.",
            )
        )
    if kg < low or kg > high:  # found with 2.2 lb/kg; said with the exact pound
        for other, light in ((kg * LB_KG_MIX_UP_FACTOR, True), (kg / LB_KG_MIX_UP_FACTOR, False)):
            if low <= other <= high:
                said = _mixed_up(used, light=light, entered=entered)
                warnings.append(DoseWarning(code=mix_up_code, message=said))
    return warnings


def _mixed_up(used: Quantity, *, light: bool, entered: Quantity | None) -> str:
    """Why a weight may be pounds and kilograms mixed up, in exact figures: a light weight
    is the number typed in lb (70 lb is 31.75 kg: 70 kg meant?), said as typed when it was
    typed in lb (88 lb, never the 88.01 lb that 39.92 kg makes again); a heavy one, the
    number in kg that is a usual weight read in lb (154 kg: 154 lb, 69.85 kg, meant?)."""
    check = "Check that pounds and kilograms were not mixed up."
    if light and entered is not None and entered.units == named_unit("lb"):
        number = format_number(magnitude(entered), decimals=exact_places(magnitude(entered)))
        return (
            f"Weight {number} lb ({format_body(used)}): if {number} kg was meant, that is a "
            f"usual adult weight. {check}"
        )
    if light:
        in_lb = body_figure(convert(used, named_unit("lb")))
        number = format_number(in_lb.magnitude, decimals=BODY_DECIMALS)
        return (
            f"Weight {format_body(used)} is {number} lb: if {number} kg was meant, that is a "
            f"usual adult weight. {check}"
        )
    number = format_number(used.magnitude, decimals=BODY_DECIMALS)
    in_kg = format_body(
        convert(registry().Quantity(used.magnitude, named_unit("lb")), named_unit("kg"))
    )
    return (
        f"Weight {format_body(used)}: if {number} lb was meant ({in_kg}), that is a usual "
        f"adult weight. {check}"
    )


_DECIMAL_FEET: Final = re.compile(r"\s*(\d+)\.(0?[1-9]|1[01])(?![\d.])")
"""Feet whose decimals could be inches: 5.7, 5.08, 5.10 and 5.11 (not 5.25, nor 5.5 ft
written 5.50)."""


def _read_height(typed: object) -> Quantity:
    """The height entered (`parse_quantity`), refused when it is in decimal feet whose
    decimals could be inches: 5.7 ft is 68.4 in, and 5 ft 7 in is 67 in. Through an ideal
    or adjusted body weight, the two readings can give two verdicts: which was meant is
    the person's to say, as for "1,000 mg"."""
    entered = parse_quantity(typed, HEIGHT)
    if entered.units != named_unit("foot") or not isinstance(typed, str):
        return entered
    number = _DECIMAL_FEET.match(typed)
    if number is None:
        return entered
    feet, inches = int(number[1]), int(number[2])
    read = format_exact(convert(entered, named_unit("inch")))
    raise ParseError(
        "height",
        f"{quoted(typed.strip())} could be {number[1]}.{number[2]} feet ({read}) or {feet} ft "
        f"{inches} in ({feet * 12 + inches} in)",
        f"Write the height so that it reads one way: '{feet} ft {inches} in' if that was "
        f"meant, else in inches or cm ('{read}')",
    )


def weight_not_given() -> DoseWarning:
    """Said of an order checked with no weight: the patient was not assessed."""
    low, high = (format_number(bound) for bound in USUAL_ADULT_WEIGHT_KG)
    return DoseWarning(
        code=WEIGHT_NOT_GIVEN,
        message="No weight was given: whether the patient is within dosecalc's adult band "
        f"({low} to {high} kg), the only patients it applies the source's range to, was not "
        "checked. Enter the weight to check it.",
    )


def devine_formula(inches: Quantity, sex: Sex) -> Apply:
    """Devine's ideal body weight for a height in inches (as shown, 0.01 in), as a line of
    working: ``50 kg + 2.3 kg × (66.93 in − 60 in)``; its value is in kg, before rounding."""
    kg, inch = named_unit("kg"), named_unit("inch")
    over_60 = Group(
        Apply(Operand.exact(inches), "−", Operand.exact(quantity_of(DEVINE_FROM_INCHES, inch)))
    )
    per_inch = Apply(Operand.exact(quantity_of(DEVINE_KG_PER_INCH, kg)), "×", over_60)
    return Apply(Operand.exact(quantity_of(DEVINE_BASE_KG[sex], kg)), "+", per_inch)


def adjusted_formula(ibw: Quantity, actual: Quantity) -> Apply:
    """The adjusted body weight from the ideal and the actual (each as used, 0.01 kg), as a
    line of working: ``65.94 kg + 0.4 × (100 kg − 65.94 kg)``; its value is in kg."""
    ideal = Operand.exact(ibw)
    over_ideal = Group(Apply(Operand.exact(actual), "−", ideal))
    return Apply(ideal, "+", Apply(Operand.number(ADJUSTED_WEIGHT_FACTOR), "×", over_ideal))


def _ideal_body_weight(height_cm: Quantity, sex: Sex) -> tuple[Quantity | None, list[DoseWarning]]:
    inches = height_in_inches(height_cm).magnitude
    kg = worked(devine_formula(height_in_inches(height_cm), sex))
    ibw = body_figure(registry().Quantity(kg, named_unit("kg")))
    if inches >= DEVINE_FROM_INCHES:
        return ibw, []
    threshold = registry().Quantity(DEVINE_FROM_INCHES, named_unit("inch"))
    if ibw.magnitude <= 0:
        return None, [
            DoseWarning(
                code="ideal-weight-undefined",
                message="Devine's formula gives no positive ideal body weight at "
                f"{format_body(height_cm)}; ideal and adjusted body weight are not shown.",
            )
        ]
    return ibw, [
        DoseWarning(
            code="devine-extrapolated",
            message=f"Height {format_body(height_cm)} is under {format_body(threshold)} "
            f"({format_body(convert(threshold, named_unit('cm')))}), where Devine's formula is "
            "extrapolated: treat ideal and adjusted body weight with caution.",
        )
    ]


def _patient_display(
    weight: Quantity,
    weight_kg: Quantity,
    height: Quantity | None,
    ibw: Quantity | None,
    abw: Quantity | None,
    bmi: Fraction | None,
) -> dict[str, str]:
    shown = {"weight": _echo(weight, ("kg", "lb"))}
    if height is not None:
        shown["height"] = _echo(height, ("cm", "inch"))
    for name, value in (("ideal_body_weight", ibw), ("adjusted_body_weight", abw)):
        if value is not None:
            shown[name] = format_body(value)
    if bmi is not None:
        shown["bmi"] = f"{format_number(bmi, decimals=BODY_DECIMALS)} kg/m²"
    return shown


def _echo(entered: Quantity, units: tuple[str, str]) -> str:
    """``154.3 lb (69.99 kg)``: the entry as typed, then in the usual units."""
    others = [
        format_body(convert(entered, named_unit(u)))
        for u in units
        if entered.units != named_unit(u)
    ]
    return f"{format_exact(entered)} ({', '.join(others)})"
