"""Hypothesis strategies shared by the tests: patients, entries and rule ranges."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from hypothesis import strategies as st

LB_IN_KG = Fraction("0.45359237")

# Weights as a person types them: a decimal in kg, within dosecalc's hard bounds.
weights_kg = st.decimals(
    min_value=Decimal("0.5"), max_value=Decimal(500), places=3, allow_nan=False
).map(Fraction)

# Weights in lb whose kg value is within the hard bounds.
weights_lb = st.decimals(
    min_value=Decimal("1.11"), max_value=Decimal("1102.3"), places=2, allow_nan=False
).map(Fraction)

heights_cm = st.decimals(
    min_value=Decimal(30), max_value=Decimal(275), places=1, allow_nan=False
).map(Fraction)

concentrations_mg_per_ml = st.decimals(
    min_value=Decimal("0.1"), max_value=Decimal(100), places=2, allow_nan=False
).map(Fraction)

scale_factors = st.fractions(min_value=Fraction(1, 10), max_value=Fraction(10)).filter(bool)

regimen_names = st.sampled_from(
    ["iv-infusion", "iv", "IV", " iv ", "sublingual-buccal", "sublingual", "buccal", "sl", "SL"]
)

sexes = st.sampled_from(["male", "female", "m", "f", "Male", "FEMALE"])

positive_decimal_text = st.decimals(
    min_value=Decimal("0.001"), max_value=Decimal(10_000), places=3, allow_nan=False
).map(lambda d: format(d.normalize(), "f"))


def text(value: Fraction, unit: str) -> str:
    """A Fraction with a finite decimal form, written as a person would type it."""
    return f"{format(Decimal(value.numerator) / Decimal(value.denominator), 'f')} {unit}"


# A dose rate in mg/h for a 70 kg patient, across and well beyond the 21 to 35 mg/h range.
dose_rates_mg_per_h = st.fractions(min_value=Fraction(1, 100), max_value=Fraction(1000)).filter(
    bool
)

# How a dose rate may be written: (unit, factor from mg/h to that unit, needs a concentration).
DOSE_FORMS = ("mg/h", "mcg/h", "mg/kg/h", "mcg/kg/min", "mL/h", "mg/day", "mg/min")
dose_forms = st.sampled_from(DOSE_FORMS)


VOCABULARY_UNITS = [
    "kg",
    "g",
    "mg",
    "mcg",
    "lb",
    "oz",
    "m",
    "cm",
    "mm",
    "inch",
    "ft",
    "hour",
    "minute",
    "day",
    "mL",
    "L",
    "mg/mL",
    "mg/h",
    "mg/kg/h",
    "mcg/kg/min",
    "mL/h",
    "kg/m",
    "1/h",
    "mg/kg",
    "dimensionless",
]


def anything():
    """Whatever a script or a form might pass: text, numbers, None, bytes, Quantities."""
    from dosecalc import registry

    magnitudes = st.one_of(
        st.integers(min_value=-(10**30), max_value=10**30),
        st.floats(allow_nan=True, allow_infinity=True),
        st.fractions(),
        st.decimals(allow_nan=True, allow_infinity=True),
    )
    quantities = st.builds(
        lambda m, u: registry().Quantity(m, u), magnitudes, st.sampled_from(VOCABULARY_UNITS)
    )
    return st.one_of(st.text(max_size=60), magnitudes, st.none(), st.binary(max_size=8), quantities)
