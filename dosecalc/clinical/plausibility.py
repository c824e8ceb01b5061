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
from dosecalc.foundation.display import figure, format_exact, format_number, operand, unit_display
from dosecalc.foundation.units import Quantity, convert, named_unit, unit_powers
from dosecalc.patient.body import DoseWarning

MCG_PER_MG: Final = Fraction(1000)

_OWN_BOUND: Final = "a plausibility bound of dosecalc's, not a number of the source"


def concentration_warnings(concentration: Quantity) -> list[DoseWarning]:
    """A concentration outside the usual band; named as a likely mcg/mg slip where ×/÷ 1000
    brings it into the band."""
    low, high = USUAL_CONCENTRATION_MG_PER_ML
    mg_per_ml = convert(concentration, named_unit("mg/mL")).magnitude
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
        # A factor of 1,000 is mcg for mg, or, per litre, L for mL: named as entered.
        terms = unit_powers(concentration.units)
        mixed = "L and mL" if terms.get("liter") == -1 else "mcg and mg"
        warnings.append(
            DoseWarning(
                code="possible-mcg-mg-mix-up",
                message=f"{operand(concentration)} {sign} 1,000 = "
                f"{figure(meant).with_unit('mg/mL')} would be a usual concentration: check "
                f"that {mixed} were not mixed up.",
            )
        )
    return warnings


def delivery_warnings(
    pump_rate: QuantityRange | None, volume: QuantityRange | None
) -> list[DoseWarning]:
    """A pump rate or a volume per dose, worked out from the concentration, that no pump
    runs, or that asks for a second look at the concentration."""
    warnings = []
    for figures, (low, high), unit, code, what in (
        (pump_rate, PUMP_RATE_ML_PER_H, "mL/h", "implausible-pump-rate", "pump rate"),
        (volume, VOLUME_PER_DOSE_ML, "mL", "implausible-volume", "volume per dose"),
    ):
        if figures is None:
            continue
        least = convert(figures.low, named_unit(unit)).magnitude
        most = convert(figures.high, named_unit(unit)).magnitude
        if least < low or most > high:
            warnings.append(
                DoseWarning(
                    code=code,
                    message=f"The {what} {figures.display} lies outside {format_number(low)} to "
                    f"{format_number(high)} {unit_display(named_unit(unit))} ({_OWN_BOUND}): "
                    "check the concentration.",
                )
            )
    return warnings
