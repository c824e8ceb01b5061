"""Plausible concentrations: a concentration that is probably a unit slip, or that gives a
pump rate no pump runs or a volume no mouth holds, is warned about, with the likely intent;
the bounds are dosecalc's own, in one place, and the figures themselves never change."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

import dosecalc
from dosecalc.foundation.bounds import (
    PUMP_RATE_ML_PER_H,
    USUAL_CONCENTRATION_MG_PER_ML,
    VOLUME_PER_DOSE_ML,
)

magnitudes = st.decimals(min_value=Decimal("0.001"), max_value=Decimal(5000), places=3)
units = st.sampled_from(
    [("mg/mL", Fraction(1)), ("mcg/mL", Fraction(1, 1000)), ("g/L", 1), ("mg/L", Fraction(1, 1000))]
)
kgs = st.decimals(min_value=Decimal(40), max_value=Decimal(150), places=1)


def codes(result) -> set[str]:
    return {warning.code for warning in result.warnings}


@given(value=magnitudes, unit=units, kg=kgs, regimen=st.sampled_from(["iv", "sl"]))
def test_each_plausibility_warning_fires_exactly_when_its_bound_is_crossed(
    value, unit, kg, regimen
):
    name, to_mg_per_ml = unit
    mg_per_ml = Fraction(value) * to_mg_per_ml
    result = dosecalc.calculate(weight=f"{kg} kg", regimen=regimen, concentration=f"{value} {name}")
    low, high = USUAL_CONCENTRATION_MG_PER_ML
    outside = not low <= mg_per_ml <= high
    assert ("implausible-concentration" in codes(result)) == outside
    slip = outside and (
        low <= mg_per_ml * 1000 <= high if mg_per_ml < low else low <= mg_per_ml / 1000 <= high
    )
    assert ("possible-mcg-mg-mix-up" in codes(result)) == slip
    if slip:  # the mix-up named is one the unit entered allows: mcg for mg, or L for mL
        (said,) = [w.message for w in result.warnings if w.code == "possible-mcg-mg-mix-up"]
        mixed = "L and mL" if name.endswith("/L") else "mcg and mg"
        assert said.endswith(f"check that {mixed} were not mixed up."), said
    figures = result.pump_rate if regimen == "iv" else result.volume
    assert figures is not None
    unit_name, (least, most) = (
        ("mL/h", PUMP_RATE_ML_PER_H) if regimen == "iv" else ("mL", VOLUME_PER_DOSE_ML)
    )
    delivered = [q.to(unit_name).magnitude for q in (figures.low, figures.high)]
    code = "implausible-pump-rate" if regimen == "iv" else "implausible-volume"
    assert (code in codes(result)) == (delivered[0] < least or delivered[1] > most)


@given(value=magnitudes, kg=kgs)
def test_a_warning_never_changes_a_figure(value, kg):
    plain = dosecalc.calculate(weight=f"{kg} kg", regimen="iv")
    with_concentration = dosecalc.calculate(
        weight=f"{kg} kg", regimen="iv", concentration=f"{value} mcg/mL"
    )
    assert with_concentration.dose == plain.dose
    assert with_concentration.dose_per_24h == plain.dose_per_24h


@pytest.mark.parametrize(
    ("regimen", "concentration", "expected"),
    [
        (
            "iv",
            "1 mcg/mL",
            {"implausible-concentration", "possible-mcg-mg-mix-up", "implausible-pump-rate"},
        ),
        (
            "sl",
            "50 mcg/5 mL",
            {"implausible-concentration", "possible-mcg-mg-mix-up", "implausible-volume"},
        ),
        (
            "iv",
            "0.01 mg/mL",
            {"implausible-concentration", "possible-mcg-mg-mix-up", "implausible-pump-rate"},
        ),
        ("sl", "1 mg/mL", {"implausible-volume"}),
        ("iv", "1 mg/mL", set()),
        ("sl", "50 mg/5 mL", set()),
    ],
)
def test_the_slips_the_review_found_are_warned_and_usual_entries_are_not(
    regimen, concentration, expected
):
    result = dosecalc.calculate(weight="70 kg", regimen=regimen, concentration=concentration)
    assert codes(result) == expected
    for warning in result.warnings:
        if warning.code.startswith("implausible"):
            assert (
                "a plausibility bound of dosecalc's, not a number of the source" in warning.message
            )


def test_a_checked_pump_rate_carries_the_concentration_warnings_and_the_audit_agrees():
    result = dosecalc.check(
        weight="70 kg", regimen="iv", dose="25000 mL/hr", concentration="1 mcg/mL"
    )
    assert {"possible-mcg-mg-mix-up", "implausible-pump-rate"} <= codes(result)
    audited = dosecalc.audit(
        {
            "weight": ["70 kg"],
            "regimen": ["iv"],
            "dose": ["25000 mL/hr"],
            "concentration": ["1 mcg/mL"],
        }
    )
    assert audited["warnings"][0] == "; ".join(w.code for w in result.warnings)
