"""How quantities are shown: the one place for rounding, ISMP display and UCUM codes.

The rounding rule (README, "How numbers are shown"):

* Doses, rates and volumes: 3 significant figures, never rounding away whole
  digits (1,234 mg stays 1,234 mg).
* A range is shown at one precision for both bounds, with the low bound
  rounded up and the high bound rounded down, so the range on screen is never
  wider than the true one. If that would make low > high, more decimals are
  shown until it does not.
* Body measurements derived by conversion (kg from lb, IBW, BMI): 2 decimal
  places. Values a person entered are echoed exactly.

Display follows ISMP: a leading zero (0.3), no trailing zero (5 mg), ``mcg``
not ``µg``, ``mL`` not ``cc``, ``hr`` spelled out, a space before the unit and
thousands separated by commas. Exact values are kept everywhere else; JSON
carries them with UCUM unit codes.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Context, Decimal
from fractions import Fraction
from typing import Annotated, Final, Literal, assert_never

from pydantic import PlainSerializer

from dosecalc.foundation.units import Quantity, Unit, dimension_of, unit_powers

ROUNDING_RULE: Final = (
    "Doses, rates and volumes are shown to 3 significant figures; ranges are rounded "
    "inward (low up, high down), so no range shown is wider than the exact one. "
    "Exact values are in the JSON output; audit files give 6 significant figures."
)
SIGNIFICANT_FIGURES: Final = 3
DATA_SIGNIFICANT_FIGURES: Final = 6
BODY_DECIMALS: Final = 2
_MAX_EXTRA_DECIMALS: Final = 12

EXACT_DECIMALS: Final = 12
Rounding = Literal["nearest", "up", "down"]
_ROUNDINGS: Final[tuple[Rounding, ...]] = ("nearest", "up", "down")


@dataclass(frozen=True)
class UnitName:
    """How one unit is written: for people (ISMP) and in UCUM for machines."""

    display: str
    ucum: str


UNIT_NAMES: Final[dict[str, UnitName]] = {
    "kilogram": UnitName("kg", "kg"),
    "gram": UnitName("g", "g"),
    "milligram": UnitName("mg", "mg"),
    "microgram": UnitName("mcg", "ug"),
    "pound": UnitName("lb", "[lb_av]"),
    "ounce": UnitName("oz", "[oz_av]"),
    "stone": UnitName("st", "[stone_av]"),
    "meter": UnitName("m", "m"),
    "centimeter": UnitName("cm", "cm"),
    "millimeter": UnitName("mm", "mm"),
    "inch": UnitName("in", "[in_i]"),
    "foot": UnitName("ft", "[ft_i]"),
    "hour": UnitName("hr", "h"),
    "minute": UnitName("min", "min"),
    "day": UnitName("day", "d"),
    "milliliter": UnitName("mL", "mL"),
    "liter": UnitName("L", "L"),
}

# Denominators read "per kg, per mL, per hour": mg/kg/hr, never mg/hr/kg.
_DENOMINATOR_ORDER: Final = {"[mass]": 0, "[length]": 1, "[time]": 2}


def unit_display(units: Unit) -> str:
    """``mg/kg/hr``, ``mcg/kg/min``, ``mL``: the ISMP spelling of a unit."""
    return _compose(tuple(unit_powers(units).items()), ucum=False)


def unit_ucum(units: Unit) -> str:
    """``mg/kg/h``, ``ug/kg/min``, ``[lb_av]``: the case-sensitive UCUM code of a unit."""
    return _compose(tuple(unit_powers(units).items()), ucum=True)


@functools.cache
def _compose(powers: tuple[tuple[str, int], ...], *, ucum: bool) -> str:
    """Numerator, then each denominator in the order per mass, per volume, per time.

    Only powers of 1 and -1 occur: dosecalc never builds a squared unit, because
    pint cannot print one when magnitudes are Fractions (hgrecco/pint#2386).
    """
    parts = dict(powers)
    if any(abs(power) != 1 for power in parts.values()):
        raise ValueError("dosecalc reports no unit with a power other than 1")
    try:
        names = {name: getattr(UNIT_NAMES[name], "ucum" if ucum else "display") for name in parts}
    except KeyError as error:
        raise ValueError(f"dosecalc has no display name for the unit {error}") from None
    numerator = [names[name] for name, power in parts.items() if power > 0]
    denominator = sorted(
        (name for name, power in parts.items() if power < 0),
        key=lambda name: _DENOMINATOR_ORDER[dimension_of(name)[0][0]],
    )
    return ("." if ucum else "·").join(numerator) + "".join(f"/{names[n]}" for n in denominator)


def format_number(value: Fraction, decimals: int | None = None) -> str:
    """``value`` as ISMP-safe text: leading zero, no trailing zero, thousands commas.

    Rounded half up to ``decimals`` places (default: the significant-figure
    rule), exactly: on the rational value, never on a float.
    """
    places = significant_decimals(value) if decimals is None else decimals
    scaled = _scaled(value, places, "nearest")
    # Every digit kept: Decimal's default context would round to 28 significant digits.
    exact = Context(prec=max(len(str(abs(scaled))), 1))
    text = format(Decimal(scaled).scaleb(-places, exact), ",f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def format_data_number(value: float) -> str:
    """A float for a data file (an audit's CSV): ``DATA_SIGNIFICANT_FIGURES``
    significant figures, leading zero, no trailing zero, no exponent; '' for NaN."""
    if math.isnan(value):
        return ""
    text = f"{value:.{DATA_SIGNIFICANT_FIGURES}g}"
    return format(Decimal(text), "f") if "e" in text else text


def significant_decimals(value: Fraction) -> int:
    """Decimal places that show ``value`` to SIGNIFICANT_FIGURES, keeping whole digits."""
    if value == 0:
        return 0
    return max(0, SIGNIFICANT_FIGURES - 1 - _exponent(abs(value)))


def _exponent(value: Fraction) -> int:
    """The e with 10**e <= value < 10**(e + 1), for value > 0, exactly."""
    exponent = len(str(value.numerator)) - len(str(value.denominator))
    return exponent - 1 if value < Fraction(10) ** exponent else exponent


def _scaled(value: Fraction, places: int, rounding: Rounding) -> int:
    """``value`` x 10**places, rounded to a whole number in the given direction."""
    scaled = value * Fraction(10) ** places
    match rounding:
        case "up":
            return math.ceil(scaled)
        case "down":
            return math.floor(scaled)
        case "nearest":  # half up; every value dosecalc shows is positive
            return math.floor(scaled + Fraction(1, 2))
        case _:
            assert_never(rounding)


def _rounded(value: Fraction, places: int, rounding: Rounding) -> Fraction:
    return Fraction(_scaled(value, places, rounding), 10**places)


def format_apart_from(quantity: Quantity, bounds: Sequence[Quantity]) -> str:
    """``quantity`` to nearest, with as many more decimals as it takes never to read as
    equal to a bound it is not equal to (0.5004 mg/kg/hr is never shown as "0.5").

    Closer to a bound than 12 more decimals can show, it says so in words:
    "just over 0.5 mg/kg/hr" (ISMP: no ">" or "<", which are misread).
    """
    value = magnitude(quantity)
    unit = unit_display(quantity.units)
    others = [magnitude(bound.to(quantity.units)) for bound in bounds]
    places = significant_decimals(value)
    for extra in range(_MAX_EXTRA_DECIMALS + 1):
        shown = _rounded(value, places + extra, "nearest")
        # A bound, however it is rounded at this precision, must not look the same.
        alike = [
            other
            for other in others
            if other != value and shown in {_rounded(other, places + extra, r) for r in _ROUNDINGS}
        ]
        if not alike:
            return f"{format_number(shown, decimals=places + extra)} {unit}"
    bound = alike[0]
    return f"just {'over' if value > bound else 'under'} {format_number(bound)} {unit}"


def format_body(quantity: Quantity) -> str:
    """``69.99 kg``: a converted body measurement to BODY_DECIMALS places."""
    text = format_number(magnitude(quantity), decimals=BODY_DECIMALS)
    return f"{text} {unit_display(quantity.units)}"


def format_exact(quantity: Quantity) -> str:
    """``154.3 lb``: a value as entered, every decimal shown.

    A value with no finite decimal form (1 g/3 mL) is shown to
    EXACT_DECIMALS places.
    """
    value = magnitude(quantity)
    places = next(
        (p for p in range(EXACT_DECIMALS + 1) if (value * 10**p).denominator == 1), EXACT_DECIMALS
    )
    return f"{format_number(value, decimals=places)} {unit_display(quantity.units)}"


def range_bounds_text(low: Quantity, high: Quantity) -> tuple[str, str]:
    """Low rounded up and high rounded down, at one shared precision (never wider)."""
    shown_low, shown_high, places = _inward(magnitude(low), magnitude(high.to(low.units)))
    return format_number(shown_low, decimals=places), format_number(shown_high, decimals=places)


def range_bounds(low: Quantity, high: Quantity) -> tuple[Fraction, Fraction]:
    """The values `range_bounds_text` shows, as numbers in ``low``'s unit: for a record
    (FHIR) that must say what the clinician reads, never a wider range."""
    shown_low, shown_high, _places = _inward(magnitude(low), magnitude(high.to(low.units)))
    return shown_low, shown_high


def format_steps(steps: Sequence[Quantity]) -> list[str]:
    """Texts for ascending values across a range (a titration table).

    The ends are shown as the range is (inward); the steps between are
    rounded to nearest at the same precision and kept inside the shown range.
    """
    values = [magnitude(step.to(steps[0].units)) for step in steps]
    shown_low, shown_high, places = _inward(values[0], values[-1])
    unit = unit_display(steps[0].units)
    shown = [min(max(_rounded(v, places, "nearest"), shown_low), shown_high) for v in values]
    shown[0], shown[-1] = shown_low, shown_high
    return [f"{format_number(value, decimals=places)} {unit}" for value in shown]


def _inward(low: Fraction, high: Fraction) -> tuple[Fraction, Fraction, int]:
    """Low rounded up and high rounded down at the fewest places where they do not cross.

    Two different bounds always have a decimal between them, found by adding places; a
    range of one value with no finite decimal form (1/3) is shown once, at its nearest.
    """
    places = max(significant_decimals(low), significant_decimals(high))
    extra = 0
    while True:
        shown_low = _rounded(low, places + extra, "up")
        shown_high = _rounded(high, places + extra, "down")
        if shown_low <= shown_high:
            return shown_low, shown_high, places + extra
        if low >= high and extra >= _MAX_EXTRA_DECIMALS:
            shown = _rounded(low, places + extra, "nearest")
            return shown, shown, places + extra
        extra += 1


def format_range(low: Quantity, high: Quantity) -> str:
    """``21 to 35 mg/hr`` (ranges say "to": a dash can be read as a minus sign)."""
    low_text, high_text = range_bounds_text(low, high)
    return f"{low_text} to {high_text} {unit_display(low.units)}"


def format_range_bounds(low: Quantity, high: Quantity) -> tuple[str, str]:
    """``("21 mg/hr", "35 mg/hr")``: each bound as `format_range` rounds it, with its unit."""
    low_text, high_text = range_bounds_text(low, high)
    unit = unit_display(low.units)
    return f"{low_text} {unit}", f"{high_text} {unit}"


def magnitude(quantity: Quantity) -> Fraction:
    """The exact magnitude of a quantity of this package's registry."""
    value = quantity.magnitude
    if isinstance(value, int) and not isinstance(value, bool):
        return Fraction(value)
    if not isinstance(value, Fraction):
        raise TypeError(f"expected an exact (Fraction) magnitude, got {type(value).__name__}")
    return value


def json_number(value: Fraction) -> int | float:
    """An exact value as a JSON number: 21, not 21.0 or "21"; else the nearest double."""
    return int(value) if value == int(value) else float(value)


def json_quantity(quantity: Quantity) -> dict[str, int | float | str]:
    """``{"value": 21, "unit": "mg/h"}``: exact value, UCUM unit code."""
    return {"value": json_number(magnitude(quantity)), "unit": unit_ucum(quantity.units)}


JsonNumber = Annotated[Fraction, PlainSerializer(json_number, when_used="json")]
"""An exact (Fraction) field that is a plain number in JSON."""

JsonQuantity = Annotated[Quantity, PlainSerializer(json_quantity, when_used="json")]
"""A pint Quantity field that is ``{"value", "unit"}`` (UCUM) in JSON."""
