"""dosecalc's own plausibility bounds for what a clinician types beside the source's range.

The source gives no concentration, pump rate or volume. These bounds are not clinical
numbers: they only catch entries that are probably slips (mcg written for mg, an infusion
bag's strength typed for a syringe's) before a figure nobody could give is shown. Each
warning says so, and names the likely intent where one is likely, as the lb/kg warning does.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Final

from dosecalc.clinical.result import QuantityRange
from dosecalc.foundation.bounds import (
    PUMP_RATE_ML_PER_H,
    USUAL_CONCENTRATION_MG_PER_ML,
    VOLUME_PER_DOSE_ML,
)
from dosecalc.foundation.display import (
    figure,
    format_exact,
    format_number,
    magnitude,
    operand,
    unit_display,
)
from dosecalc.foundation.dose_units import (
    CONCENTRATION_UNIT,
    VOLUME_UNIT,
)
from dosecalc.foundation.unit_registry import (
    Quantity,
    convert,
    named_unit,
    unit_powers,
)
from dosecalc.patient.body import DoseWarning
from dosecalc.ruleset.schema import Regimen

MCG_PER_MG: Final = Fraction(1000)

UNIT_MIX_UP: Final = "possible-unit-mix-up"
"""The warning code of a concentration that ×/÷ 1,000 would make usual."""

_OWN_BOUND: Final = "a plausibility bound of dosecalc's, not a number of the source"


def concentration_warnings(concentration: Quantity) -> list[DoseWarning]:
    """A concentration outside the usual band; named as a likely slip of its units where
    ×/÷ 1000 brings it into the band (mcg for mg, g for mg, L for mL: as entered)."""
    low, high = USUAL_CONCENTRATION_MG_PER_ML
    mg_per_ml = convert(concentration, named_unit(CONCENTRATION_UNIT)).magnitude
    if low <= mg_per_ml <= high:
        return []
    shown = format_exact(concentration)
    warnings = [
        DoseWarning(
            code="implausible-concentration",
            message=f"Concentration {shown} lies outside {format_number(low)} to "
            f"{format_number(high)} mg/mL ({_OWN_BOUND}): check it against the label.",
        )
    ]
    meant = mg_per_ml * MCG_PER_MG if mg_per_ml < low else mg_per_ml / MCG_PER_MG
    if low <= meant <= high:
        sign = "×" if mg_per_ml < low else "÷"
        # A factor of 1,000 is, per litre, L for mL; in grams, g for mg; else mcg for mg.
        terms = unit_powers(concentration.units)
        if terms.get("liter") == -1:
            mixed = "L and mL"
        elif "gram" in terms:
            mixed = "g and mg"
        else:
            mixed = "mcg and mg"
        warnings.append(
            DoseWarning(
                code=UNIT_MIX_UP,
                message=f"{operand(concentration)} {sign} 1,000 = "
                f"{figure(meant).with_unit('mg/mL')} would be a usual concentration: check "
                f"that {mixed} were not mixed up.",
            )
        )
    return warnings


def delivery_warnings(
    rule: Regimen, pump_rate: QuantityRange | None, volume: QuantityRange | None
) -> list[DoseWarning]:
    """A pump rate or a volume per dose, worked out from the concentration, that no pump
    runs, or that asks for a second look at the concentration. A volume per dose above the
    library's largest (``rule.largest_volume_per_dose``, cited) warns in place of dosecalc's
    own 5 mL, which has a dose held in the mouth in mind and reads no route."""
    largest = rule.largest_volume_per_dose
    least_ml, most_ml = VOLUME_PER_DOSE_ML
    volume_bounds_from = _OWN_BOUND
    if largest is not None:
        most_ml = magnitude(convert(largest.quantity(), named_unit(VOLUME_UNIT)))
        volume_bounds_from = (
            f"{format_number(least_ml)} mL is a plausibility bound of dosecalc's; "
            f"{format_number(most_ml)} mL is this library's largest volume per dose, "
            f"{largest.source.cited}"
        )
    warnings = []
    for figures, (low, high), unit, code, what, whose in (
        (pump_rate, PUMP_RATE_ML_PER_H, "mL/h", "implausible-pump-rate", "pump rate", _OWN_BOUND),
        (
            volume,
            (least_ml, most_ml),
            "mL",
            "implausible-volume",
            "volume per dose",
            volume_bounds_from,
        ),
    ):
        if figures is None:
            continue
        least = convert(figures.low, named_unit(unit)).magnitude
        most = convert(figures.high, named_unit(unit)).magnitude
        if least < low or most > high:
            shown = unit_display(named_unit(unit))
            warnings.append(
                DoseWarning(
                    code=code,
                    message=f"The {what} {figures.display} "
                    f"{_where_outside(least, most, low, high)} {format_number(low)} to "
                    f"{format_number(high)} {shown} ({whose}): "
                    "check the concentration.",
                )
            )
    return warnings


def _where_outside(least: Fraction, most: Fraction, low: Fraction, high: Fraction) -> str:
    """Which part of a range ``least`` to ``most`` is outside the bounds ``low`` to
    ``high``, in words before the bounds: all of it, one end, or both ends."""
    below, above = least < low, most > high
    if below and above:
        return "reaches outside, at both ends,"
    if most < low or least > high:
        return "lies wholly outside"
    return "reaches outside, at its high end," if above else "reaches outside, at its low end,"
