"""How quantities are shown: the one place for rounding, ISMP display and UCUM codes.

The display rule (README, "How numbers are shown"), stated once in `ROUNDING_RULE`:

* A dose, rate or volume whose exact value has at most 7 significant figures is
  shown exactly (12.21 mg/hr, 19.458 mg/hr, 106.665 mg/hr).
* Any other is rounded to 3 significant figures (whole digits are never rounded
  away; in a range, to at least the decimals its other bound shows), to nearest,
  or toward the inside where the nearest would lie outside the range it belongs
  to, so that no figure shown lies outside the exact range it stands for. A
  rounded figure says so: "(rounded)", "(rounded up)" or "(rounded down)".
* Each figure is worked out from the figures shown before it (the pump rate
  from the dose rate as shown), so every line of arithmetic checks by hand.
* Body measurements (kg from lb, inches from cm, IBW, ABW, BMI) are shown and
  used to 2 decimal places, to nearest. Values a person entered are echoed exactly.

Display follows ISMP: a leading zero (0.3), no trailing zero (5 mg), ``mcg``
not ``µg``, ``mL`` not ``cc``, ``hr`` spelled out, a space before the unit and
thousands separated by commas. Exact values are kept everywhere else; JSON
carries them with UCUM unit codes.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Annotated, Any, Final, Literal, NoReturn, assert_never

from pint.util import UnitsContainer, to_units_container
from pydantic import AfterValidator, PlainSerializer

from dosecalc.foundation.unit_registry import (
    Quantity,
    Unit,
    conversion_factor,
    convert,
    dimension_of,
    named_unit,
    unit_powers,
)
from dosecalc.foundation.units import (
    UNIT_NAMES,
    written_terms,
)

ROUNDING_RULE: Final = (
    "Figures of up to 7 significant figures are exact; others are rounded to 3 (in a "
    "range, to its other bound's decimals), to nearest or, where that would leave the "
    "range, inward, and marked so. Each is worked from the figures shown before it; "
    "weights and heights are used to 2 decimal places. JSON holds the values unrounded."
)
EXACT_SIGNIFICANT_FIGURES: Final = 7
"""A figure with at most this many significant figures is shown exactly: every product of a
weight to 0.01 kg and a rate to 0.01 mg/kg/hr (159.9975 mg/hr at 355.55 kg) is, so that no
figure is worked from a rounded one."""
SIGNIFICANT_FIGURES: Final = 3
DATA_SIGNIFICANT_FIGURES: Final = 6
BODY_DECIMALS: Final = 2
_MAX_EXTRA_DECIMALS: Final = 12

EXACT_DECIMALS: Final = 12
MAX_TYPED_DECIMALS: Final = 100
"""A finite decimal of up to this many places (no text dosecalc reads holds more) is shown
with every one of them by `format_exact`: 0.45000000000000007 mg/kg/hr, never cut."""
Rounding = Literal["nearest", "up", "down"]
_ROUNDINGS: Final[tuple[Rounding, ...]] = ("nearest", "up", "down")


PER_DAY: Final = "24 hr"
"""A rate per day is written per 24 hours, as syringe drivers are prescribed: each line
that works from it then checks by hand (40 mg/24 hr ÷ 2 mg/mL = 0.833 mL/hr)."""

# Denominators read "per kg, per mL, per hour": mg/kg/hr, never mg/hr/kg.
_DENOMINATOR_ORDER: Final = {"[mass]": 0, "[length]": 1, "[time]": 2}


def unit_display(units: Unit) -> str:
    """``mg/kg/hr``, ``mcg/kg/min``, ``mL``: the ISMP spelling of a unit."""
    return _spelled(units._units, ucum=False)


def unit_ucum(units: Unit) -> str:
    """``mg/kg/h``, ``ug/kg/min``, ``[lb_av]``: the case-sensitive UCUM code of a unit."""
    return _spelled(units._units, ucum=True)


# Kept by the unit's terms, never by Unit (a Unit of another registry refuses to be compared).
@functools.lru_cache(maxsize=1024)
def _spelled(terms: UnitsContainer, *, ucum: bool) -> str:
    return _compose(tuple(unit_powers(terms).items()), ucum=ucum)


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
    if not ucum and "day" in denominator:
        names["day"] = PER_DAY  # a syringe driver's "mg/24 hr", never "mg/day"
    return ("." if ucum else "·").join(numerator) + "".join(f"/{names[n]}" for n in denominator)


def format_number(value: Fraction, decimals: int | None = None) -> str:
    """``value`` as ISMP-safe text: leading zero, no trailing zero, thousands commas.

    Rounded half up to ``decimals`` places (default: the significant-figure
    rule), exactly: on the rational value, never on a float.
    """
    places = significant_decimals(value) if decimals is None else decimals
    scaled = _scaled(value, places, "nearest")
    if places <= 0:
        return f"{scaled * 10**-places:,}"
    # In whole numbers, every digit kept (a float or Decimal's default context would not).
    whole, fraction = divmod(abs(scaled), 10**places)
    decimals_shown = f"{fraction:0{places}d}".rstrip("0")
    sign = "-" if scaled < 0 else ""
    return f"{sign}{whole:,}.{decimals_shown}" if decimals_shown else f"{sign}{whole:,}"


def format_data_number(value: float, figures: int = DATA_SIGNIFICANT_FIGURES) -> str:
    """A float for a data file (an audit's CSV): ``figures`` significant figures
    (``DATA_SIGNIFICANT_FIGURES`` unless more are needed beside a bound), leading zero, no
    trailing zero, no exponent; '' for NaN."""
    if math.isnan(value):
        return ""
    text = f"{value:.{figures}g}"
    return format(Decimal(text), "f") if "e" in text else text


def significant_decimals(value: Fraction) -> int:
    """Decimal places that show ``value`` to SIGNIFICANT_FIGURES, keeping whole digits."""
    if value == 0:
        return 0
    return max(0, SIGNIFICANT_FIGURES - 1 - _exponent(abs(value)))


def _exponent(value: Fraction) -> int:
    """The e with 10**e <= value < 10**(e + 1), for value > 0, exactly."""
    numerator, denominator = value.numerator, value.denominator
    exponent = len(str(numerator)) - len(str(denominator))
    if exponent >= 0:
        below = numerator < denominator * 10**exponent
    else:
        below = numerator * 10**-exponent < denominator
    return exponent - 1 if below else exponent


def _scaled(value: Fraction, places: int, rounding: Rounding) -> int:
    """``value`` x 10**places, rounded to a whole number in the given direction (in whole
    numbers: a Fraction would build and reduce one at every step)."""
    numerator, denominator = value.numerator, value.denominator
    if places >= 0:
        numerator *= 10**places
    else:
        denominator *= 10**-places
    match rounding:
        case "up":
            return -(-numerator // denominator)
        case "down":
            return numerator // denominator
        case "nearest":  # half up; every value dosecalc shows is positive
            return (2 * numerator + denominator) // (2 * denominator)
        case _:
            assert_never(rounding)


def _rounded(value: Fraction, places: int, rounding: Rounding) -> Fraction:
    return Fraction(_scaled(value, places, rounding), 10**places)


def format_apart_from(quantity: Quantity, bounds: Sequence[Quantity]) -> str:
    """``quantity`` as the display rule shows it, with as many more decimals as it takes
    never to read as equal to a bound it is not equal to (0.5004 mg/kg/hr is never
    shown as "0.5").

    Closer to a bound than 12 more decimals can show, it says so in words:
    "just over 0.5 mg/kg/hr" (ISMP: no ">" or "<", which are misread).
    """
    others = [magnitude(convert(bound, quantity.units)) for bound in bounds]
    return number_apart_from(magnitude(quantity), others, unit_display(quantity.units))


def number_apart_from(value: Fraction, others: Sequence[Fraction], unit: str = "") -> str:
    """`format_apart_from` for a plain number (a ratio: "1.003", never "1" for 1.003)."""
    spaced = f" {unit}" if unit else ""
    shown = figure_apart_from(value, others)
    if isinstance(shown, Figure):
        return f"{shown.text}{spaced}{shown.mark}"
    return f"just {'over' if value > shown else 'under'} {format_number(shown)}{spaced}"


def figure_apart_from(value: Fraction, others: Sequence[Fraction]) -> Figure | Fraction:
    """``value`` as `number_apart_from` shows it, as a figure; or, closer to one of
    ``others`` than any figure can show, that other value (said "just over" it)."""
    if _is_short(value):
        return figure(value)
    places = significant_decimals(value)
    for extra in range(_MAX_EXTRA_DECIMALS + 1):
        shown = _figure_at(value, places + extra, "nearest")
        # Another value, however it is rounded at this precision, must not look the same.
        alike = [
            other
            for other in others
            if other != value
            and shown.value in {_rounded(other, places + extra, r) for r in _ROUNDINGS}
        ]
        if not alike:
            return shown
    return alike[0]


def format_body(quantity: Quantity) -> str:
    """``69.99 kg``: a converted body measurement to BODY_DECIMALS places."""
    text = format_number(magnitude(quantity), decimals=BODY_DECIMALS)
    return f"{text} {unit_display(quantity.units)}"


def format_exact(quantity: Quantity) -> str:
    """``154.3 lb``: a value as entered, every decimal shown (a finite decimal of up to
    MAX_TYPED_DECIMALS places, which anything typed is: 0.45000000000000007 mg/kg/hr).

    A ratio with no finite decimal form (1 g/3 mL) is written as one amount in
    another, ``1 g in 3 mL``, which is exact; any other such value is shown to
    EXACT_DECIMALS places, marked rounded.
    """
    value = magnitude(quantity)
    unit = counted_unit(value, unit_display(quantity.units))
    typed = _finite_places(value)
    if typed is not None:  # a finite decimal (whatever was typed): every decimal of it
        return f"{format_number(value, decimals=typed)} {unit}"
    if unit.count("/") == 1:
        amount, per = unit.split("/")
        return (
            f"{format_number(Fraction(value.numerator))} {amount} in "
            f"{format_number(Fraction(value.denominator))} {per}"
        )
    # No finite decimal form of up to MAX_TYPED_DECIMALS places: never exact in EXACT_DECIMALS.
    return f"{format_number(value, decimals=exact_places(value))} {unit}{_MARKS['nearest']}"


@functools.lru_cache(maxsize=4096)
def format_entered(text: str) -> str:
    """A value as a person typed it, written under the display rule in the shape it was
    typed: ".5 mg/mL" as "0.5 mg/mL", "5000mg/100.0mL" as "5,000 mg/100 mL", "2 µg/kg/min"
    as "2 mcg/kg/min", "500 mg in 10 mL" as it is (a label's shape is kept, never reduced
    to "50 mg/mL"). Every number exactly, as `format_exact`. Text that is not a quantity (a
    regimen, a sex, a basis) is returned as typed, stripped. Kept per text: a result's
    inputs are written each time a result holds them."""
    shape = written_terms(text)
    if shape is None:
        return text.strip()
    joiner, terms = shape
    return joiner.join(
        UNIT_NAMES[name].display
        if number is None
        else f"{format_number(number, decimals=_places_of(number))} "
        f"{counted_unit(number, UNIT_NAMES[name].display)}"
        for number, name in terms
    )


def counted_unit(value: Fraction, unit: str) -> str:
    """A unit written after its number: "day" is the one unit whose plural is written ("2
    days"); abbreviations (hr, min, mg) take none, as ISMP writes them."""
    return "days" if unit == "day" and value != 1 else unit


def _places_of(value: Fraction) -> int:
    """The decimals that write ``value`` exactly (a typed number: a finite decimal)."""
    places = _finite_places(value)
    return exact_places(value) if places is None else places


def _finite_places(value: Fraction) -> int | None:
    """The decimals ``value`` takes to be written exactly when it is a finite decimal of at
    most MAX_TYPED_DECIMALS of them (anything typed is); else None (1/3, 1 g/3 mL)."""
    places = finite_places(value)
    return places if places is not None and places <= MAX_TYPED_DECIMALS else None


def finite_places(value: Fraction) -> int | None:
    """The decimals ``value`` takes to be written exactly, however many; None when it has no
    finite decimal form (1/3). A denominator of 2**twos x 5**fives takes max(twos, fives)."""
    rest, twos, fives = value.denominator, 0, 0
    while rest % 2 == 0:
        rest, twos = rest // 2, twos + 1
    while rest % 5 == 0:
        rest, fives = rest // 5, fives + 1
    return max(twos, fives) if rest == 1 else None


@dataclass(frozen=True)
class Figure:
    """One figure as shown: its value, its text (no unit), and how it was rounded.

    ``rounding`` is None when the figure is the exact value; ``value`` is what a
    person reads, and what the next figure is worked out from.
    """

    value: Fraction
    text: str
    rounding: Rounding | None
    places: int

    def with_unit(self, unit: str) -> str:
        """``4.08 mL/hr (rounded up)``: the figure, its unit, and its rounding if any."""
        return f"{self.text} {unit}{self.mark}"

    @property
    def marked(self) -> str:
        """``2.99 (rounded down)``: a pure number and its rounding if any."""
        return f"{self.text}{self.mark}"

    @property
    def mark(self) -> str:
        """`` (rounded)``, `` (rounded up)``, `` (rounded down)``, or nothing when exact."""
        return _MARKS[self.rounding] if self.rounding else ""


_MARKS: Final[dict[Rounding, str]] = {
    "nearest": " (rounded)",
    "up": " (rounded up)",
    "down": " (rounded down)",
}


def figure(
    value: Fraction, inside: tuple[Fraction, Fraction] | None = None, min_places: int = 0
) -> Figure:
    """``value`` under the display rule: exactly when short, else rounded and marked.

    A rounded figure takes 3 significant figures (at least ``min_places`` decimals), to
    nearest, or toward the inside where the nearest falls outside ``inside``; more
    decimals are added until a figure inside exists. A value with no finite decimal
    form squeezed into a range of one value is shown at its nearest, marked.
    """
    if _is_short(value):  # every decimal it has, however small it is: never shown as 0
        places = exact_places(value, most=None)
        return Figure(value, format_number(value, decimals=places), None, places)
    places = max(significant_decimals(value), min_places)
    extra = 0
    # Between two different bounds there is always a decimal: keep adding places.
    while extra <= _MAX_EXTRA_DECIMALS or (
        inside is not None and inside[0] <= value <= inside[1] and inside[0] < inside[1]
    ):
        shown = _inside_at(value, places + extra, inside)
        if shown is not None:
            return shown
        extra += 1
    return _figure_at(value, places + _MAX_EXTRA_DECIMALS, "nearest")


def figure_range(
    low: Fraction, high: Fraction, inside: tuple[Fraction, Fraction] | None = None
) -> tuple[Figure, Figure]:
    """The two bounds of an inclusive range as shown: each inside ``inside`` (the exact
    range, by default ``low`` to ``high``), the low one never above the high one, a
    rounded bound to at least its partner's decimals.

    ``low`` and ``high`` may be worked from figures shown before (a pump rate from the
    dose rate as shown), while ``inside`` is the exact range they stand for.
    """
    inside = (low, high) if inside is None else inside
    places = 0
    while True:
        low_shown = figure(low, inside, places)
        high_shown = figure(high, inside, places)
        wanted = max(low_shown.places, high_shown.places)
        settled = all(f.rounding is None or f.places >= wanted for f in (low_shown, high_shown))
        if settled and low_shown.value <= high_shown.value:
            return low_shown, high_shown
        if places > wanted + _MAX_EXTRA_DECIMALS:
            return low_shown, low_shown
        places = max(places + 1, wanted)


def _inside_at(
    value: Fraction, places: int, inside: tuple[Fraction, Fraction] | None
) -> Figure | None:
    nearest = _figure_at(value, places, "nearest")
    if inside is None:
        return nearest
    low, high = inside
    if low <= nearest.value <= high:
        return nearest
    toward = _figure_at(value, places, "up" if nearest.value < low else "down")
    return toward if low <= toward.value <= high else None


def _figure_at(value: Fraction, places: int, rounding: Rounding) -> Figure:
    shown = _rounded(value, places, rounding)
    # A figure that comes out exact at these decimals is exact, and is not marked.
    return Figure(
        shown, format_number(shown, decimals=places), None if shown == value else rounding, places
    )


def _is_short(value: Fraction) -> bool:
    """Whether ``value`` has an exact decimal form of at most EXACT_SIGNIFICANT_FIGURES
    significant figures (whole digits always count as short)."""
    places = max(0, EXACT_SIGNIFICANT_FIGURES - 1 - _exponent(abs(value))) if value else 0
    return _ends_within(value, places)


def _ends_within(value: Fraction, places: int) -> bool:
    """Whether ``value`` is written exactly in ``places`` decimals (its denominator divides
    10**places)."""
    return bool(10**places % value.denominator == 0)


def exact_places(value: Fraction, most: int | None = EXACT_DECIMALS) -> int:
    """The decimals ``value`` takes to be written exactly, at ``most`` (None: as many as it
    takes); EXACT_DECIMALS if it has no finite decimal form that short."""
    places = finite_places(value)
    if places is None:
        return EXACT_DECIMALS
    return places if most is None else min(places, most)


def figure_beside(bound: Fraction, value: Fraction, rounding: Rounding) -> Figure:
    """A range's ``bound`` shown so that ``value``, which lies inside the range, never
    reads as outside it: exactly, or with decimals added, rounded in ``rounding``'s
    direction (up for a low bound) until ``value`` is on the inside of it."""
    if _ends_within(bound, EXACT_DECIMALS):
        places = exact_places(bound)
        return Figure(bound, format_number(bound, decimals=places), None, places)
    places = significant_decimals(bound)
    for extra in range(_MAX_EXTRA_DECIMALS + 1):
        shown = _figure_at(bound, places + extra, rounding)
        if (shown.value <= value) if rounding == "up" else (shown.value >= value):
            return shown
    return _figure_at(bound, places + _MAX_EXTRA_DECIMALS, "nearest")


def range_text(low: Figure, high: Figure, unit: str) -> str:
    """``12.21 to 20.33 mg/hr (high rounded)``: ranges say "to" (a dash can be read as a
    minus sign), and say which bound is rounded and how."""
    marks = [
        f"{name} {_MARKS[shown.rounding].strip(' ()')}"
        for name, shown in (("low", low), ("high", high))
        if shown.rounding is not None
    ]
    return f"{low.text} to {high.text} {unit}" + (f" ({', '.join(marks)})" if marks else "")


def format_range(low: Quantity, high: Quantity) -> str:
    """``21 to 35 mg/hr``: an exact range under the display rule (see `range_text`)."""
    low_shown, high_shown = figure_range(magnitude(low), magnitude(convert(high, low.units)))
    return range_text(low_shown, high_shown, unit_display(low.units))


def format_exact_range(low: Quantity, high: Quantity) -> str:
    """``0.3 to 0.5 mg/kg/hr``: a range as a rule file writes it, every decimal shown, so that
    two bounds that differ never read alike (for rule values, which have a finite decimal form)."""
    high_value = magnitude(convert(high, low.units))
    numbers = (format_number(v, decimals=exact_places(v)) for v in (magnitude(low), high_value))
    return f"{' to '.join(numbers)} {unit_display(low.units)}"


def operand(quantity: Quantity) -> str:
    """A quantity as an operand of a line of working: "2 mg/mL", or "(50 mg in 3 mL)"."""
    text = format_exact(quantity)
    return f"({text})" if " in " in text else text


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


def inputs_shown(inputs: Mapping[str, str | None]) -> dict[str, str | None]:
    """Each input of a result's basis written by `format_entered` (None left out stays None)."""
    return {name: None if text is None else format_entered(text) for name, text in inputs.items()}


class ReadOnlyDict(dict[str, Any]):
    """A dict that refuses to change once made: a result's figures and inputs as shown,
    which must stay those it was worked from. It pickles, copies and serialises as a
    dict does."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if self:  # made once: calling __init__ again would change it
            self._refuse()
        super().__init__(*args, **kwargs)

    def _refuse(self, *args: object, **kwargs: object) -> NoReturn:
        raise TypeError(
            "a result's shown figures and inputs are read-only: they are those it was "
            "worked from. For other inputs, work a new result out (dosecalc.calculate, "
            "check or prepare)"
        )

    __setitem__ = __delitem__ = __ior__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse

    def __reduce__(self) -> tuple[type[ReadOnlyDict], tuple[dict[str, Any]]]:
        return ReadOnlyDict, (dict(self),)


def _read_only(texts: Mapping[str, Any]) -> ReadOnlyDict:
    return ReadOnlyDict(texts)


ShownInputs = Annotated[
    Mapping[str, str | None], AfterValidator(inputs_shown), AfterValidator(_read_only)
]
"""A basis's inputs: each as a person entered it, written under the display rule;
read-only, so that a result cannot be changed to say it was worked from other inputs."""

ShownTexts = Annotated[Mapping[str, str], AfterValidator(_read_only)]
"""A result's figures as shown, by name; read-only, like the values they show."""

JsonNumber = Annotated[Fraction, PlainSerializer(json_number, when_used="json")]
"""An exact (Fraction) field that is a plain number in JSON."""

JsonQuantity = Annotated[Quantity, PlainSerializer(json_quantity, when_used="json")]
"""A pint Quantity field that is ``{"value", "unit"}`` (UCUM) in JSON."""


def unit_change_terms(
    units: Unit, to: Unit
) -> tuple[tuple[tuple[Literal["×", "÷"], Fraction], ...], str]:
    """A change of unit as a line of working holds it: each factor with its sign (times a
    whole factor, divided by one whose inverse is whole), and the words that name the
    change ("mcg/kg/min to mg/kg/hr"); no factors when the units agree. Made once per pair."""
    return _unit_change(to_units_container(units), to_units_container(to))


@functools.cache
def _unit_change(
    units: UnitsContainer, to: UnitsContainer
) -> tuple[tuple[tuple[Literal["×", "÷"], Fraction], ...], str]:
    targets = {(dimension_of(name), power): name for name, power in unit_powers(to).items()}
    times: list[Fraction] = []
    by: list[Fraction] = []
    for name, power in unit_powers(units).items():
        target = targets.get((dimension_of(name), power), name)
        factor = conversion_factor(named_unit(name), named_unit(target)) ** power
        if factor.denominator == 1 and factor != 1:
            times.append(factor)
        elif factor.numerator == 1 and factor != 1:
            by.append(1 / factor)
        elif factor != 1:  # no whole factor either way: the exact decimal
            times.append(factor)
    factors: tuple[tuple[Literal["×", "÷"], Fraction], ...] = (
        *(("×", f) for f in times),
        *(("÷", f) for f in by),
    )
    words = f"{_compose(tuple(unit_powers(units).items()), ucum=False)} to "
    return factors, words + _compose(tuple(unit_powers(to).items()), ucum=False)
