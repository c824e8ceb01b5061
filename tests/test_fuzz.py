"""Fuzzing every public entry point: only a DoseCalcError may escape, and any result
is made of finite, positive quantities with low <= high."""

from __future__ import annotations

import math
from fractions import Fraction

import pint
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from strategies import anything

import dosecalc
from dosecalc import DoseCalcError

REGIMENS = st.one_of(st.sampled_from(["iv", "sl", "iv-infusion", "sublingual-buccal"]), anything())
FUZZ = settings(max_examples=300)


def assert_sound(result: BaseModel) -> None:
    for name in type(result).model_fields:
        value = getattr(result, name)
        if isinstance(value, dosecalc.QuantityRange):
            low, high = value.low.magnitude, value.high.to(value.low.units).magnitude
            assert 0 < low <= high
            assert math.isfinite(low)
            assert math.isfinite(high)
        elif isinstance(value, BaseModel):
            assert_sound(value)


@FUZZ
@given(anything(), st.sampled_from([dosecalc.WEIGHT, dosecalc.HEIGHT, dosecalc.CONCENTRATION]))
def test_the_parser_raises_only_dosecalc_errors(value, kind):
    try:
        quantity = dosecalc.parse_quantity(value, kind)
    except DoseCalcError:
        return
    assert quantity.magnitude > 0


@FUZZ
@given(anything())
def test_the_dose_parser_raises_only_dosecalc_errors(value):
    try:
        dose = dosecalc.parse_dose(value)
    except DoseCalcError:
        return
    assert dose.quantity.magnitude > 0


@FUZZ
@given(anything(), REGIMENS, anything(), anything(), anything(), anything())
def test_calculate_raises_only_dosecalc_errors(weight, regimen, concentration, height, sex, basis):
    try:
        result = dosecalc.calculate(
            weight=weight,
            regimen=regimen,
            concentration=concentration,
            height=height,
            sex=sex,
            basis=basis,
        )
    except DoseCalcError:
        return
    assert_sound(result)


@FUZZ
@given(anything(), REGIMENS, anything(), anything())
def test_check_raises_only_dosecalc_errors(weight, regimen, dose, concentration):
    try:
        result = dosecalc.check(
            weight=weight, regimen=regimen, dose=dose, concentration=concentration
        )
    except DoseCalcError:
        return
    assert_sound(result)
    assert result.in_rule_units.magnitude > 0


@FUZZ
@given(st.sampled_from(["70 kg", "154 lb", "0.5 kg"]), REGIMENS, anything())
def test_calculate_with_a_valid_weight_and_any_concentration(weight, regimen, concentration):
    try:
        result = dosecalc.calculate(weight=weight, regimen=regimen, concentration=concentration)
    except DoseCalcError:
        return
    assert_sound(result)


FOREIGN_REGISTRY = pint.UnitRegistry()
unit_terms = st.lists(
    st.tuples(
        st.sampled_from(["kg", "g", "mg", "lb", "m", "cm", "h", "min", "mL", "L", "mol"]),
        st.sampled_from([-3, -2, -1, 1, 2, 3, 0.5, -0.5, Fraction(1, 3)]),
    ),
    min_size=1,
    max_size=3,
    unique_by=lambda term: term[0],
)


@given(
    terms=unit_terms,
    magnitude=st.one_of(st.integers(1, 10**6), st.fractions(min_value=0, max_value=1000)),
    ours=st.booleans(),
    field=st.sampled_from(["weight", "height", "concentration", "dose"]),
)
def test_a_pint_quantity_in_any_unit_and_power_is_read_or_refused_as_a_dosecalc_error(
    terms, magnitude, ours, field
):
    registry = dosecalc.registry() if ours else FOREIGN_REGISTRY
    unit = registry.Unit("dimensionless")
    for name, power in terms:
        unit *= registry.Unit(name) ** power
    orders = {"weight": "70 kg", "regimen": "iv", "dose": "30 mg/h"}
    orders[field] = registry.Quantity(magnitude, unit)
    try:
        dosecalc.check(**orders)
    except dosecalc.DoseCalcError as error:
        message = str(error)
    else:
        message = f"{field}: read"
    assert message.startswith(f"{field}: ")
