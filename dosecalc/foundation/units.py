"""The one parser for quantities that people type (the registry is `unit_registry`'s).

Why not hand user text to pint? pint evaluates expressions: it reads
``50 mg/5 mL`` as 10 mg·mL, ``5 ft 7 in`` as an area, ``70 ** 2 kg`` as
4,900 kg, and knows ``Mg`` (megagram) and ``cc``. A dose calculator must not
guess, so user text goes through a small grammar instead::

    quantity := number unit ( per [number] unit )*     e.g. 0.3 mg/kg/hr, 50 mg/5 mL
              | number unit "in" number unit      e.g. 500 mg in 50 mL (an amount in a volume)
              | number ft number in | number lb number oz | number st number lb
              | number ' [number ["]] | number "     e.g. 5' 7", 5'7, 5', 67" (feet, inches)
    per      := "/" | "per"                          e.g. mcg per kg per min

over a clinical vocabulary of units. Matching ignores case (MG, KG and LB are
common in clinical systems) except for the few capitalisations whose SI
meaning differs (``Mg`` is a megagram): those are refused, never guessed.
pint then does what it is good at: dimensions and conversions. The registry
uses ``fractions.Fraction`` magnitudes, so arithmetic is exact: ``0.35 mg/kg/hr
x 70 kg`` is 24.5 mg/hr (not 24.499999999999996) and 0.3 mg/kg/hr is 5
mcg/kg/min (not 5.0000...01, as a Decimal would give after dividing by 60). A
verdict on a bound is never decided by rounding noise.
"""

from __future__ import annotations

import functools
import numbers
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, Final, TypeAlias

import pint

from dosecalc.foundation.dose_units import (
    BODY_WEIGHT_UNITS,
    RATE_FORMS,
    Dose,
    DoseUnit,
    dose_form,
)
from dosecalc.foundation.errors import (
    ChoiceError,
    OutOfRangeError,
    ParseError,
    UnitError,
)
from dosecalc.foundation.text import excerpt, is_control, quoted, spaces_as_space
from dosecalc.foundation.unit_registry import (
    FLOW,
    LENGTH,
    MASS,
    TIME,
    VOLUME,
    Dimension,
    Quantity,
    Registry,
    Unit,
    conversion_factor,
    convert,
    dimension_of,
    named_unit,
    registry,
    unit_powers,
)

MAX_INPUT_LENGTH: Final = 100
"""Longer text is refused before any parsing is attempted."""


@dataclass(frozen=True)
class UnitName:
    """How one unit is read and written: the spellings read (any case, see `_resolve_term`),
    the ISMP spelling shown to people and the UCUM code for machines. One table, so that
    every unit written is a unit read."""

    read: tuple[str, ...]
    display: str
    ucum: str


UNIT_NAMES: Final[dict[str, UnitName]] = {
    "kilogram": UnitName(("kg", "kgs", "kilogram", "kilograms", "kilo", "kilos"), "kg", "kg"),
    "gram": UnitName(("g", "gram", "grams"), "g", "g"),
    "milligram": UnitName(("mg", "milligram", "milligrams"), "mg", "mg"),
    "microgram": UnitName(("mcg", "µg", "μg", "ug", "microgram", "micrograms"), "mcg", "ug"),
    "pound": UnitName(("lb", "lbs", "pound", "pounds"), "lb", "[lb_av]"),
    "ounce": UnitName(("oz", "ounce", "ounces"), "oz", "[oz_av]"),
    # 14 lb, in UK weights: 9 st 6 lb
    "stone": UnitName(("st", "stone", "stones"), "st", "[stone_av]"),
    "meter": UnitName(("m", "metre", "metres", "meter", "meters"), "m", "m"),
    "centimeter": UnitName(
        ("cm", "centimetre", "centimetres", "centimeter", "centimeters"), "cm", "cm"
    ),
    "millimeter": UnitName(
        ("mm", "millimetre", "millimetres", "millimeter", "millimeters"), "mm", "mm"
    ),
    "inch": UnitName(("in", "inch", "inches"), "in", "[in_i]"),
    "foot": UnitName(("ft", "foot", "feet"), "ft", "[ft_i]"),
    "hour": UnitName(("h", "hr", "hrs", "hour", "hours"), "hr", "h"),
    "minute": UnitName(("min", "mins", "minute", "minutes"), "min", "min"),
    "day": UnitName(("d", "day", "days"), "day", "d"),
    "milliliter": UnitName(
        ("ml", "millilitre", "millilitres", "milliliter", "milliliters"), "mL", "mL"
    ),
    "liter": UnitName(("l", "litre", "litres", "liter", "liters"), "L", "L"),
}

# Lower-case spelling -> pint unit, for reading.
_VOCABULARY: Final[dict[str, str]] = {
    spelling: name for name, unit in UNIT_NAMES.items() for spelling in unit.read
}

# Spellings refused with a reason rather than read: ISMP's error-prone "cc",
# and capitalisations whose SI meaning is not the lower-case one (Mg = megagram).
_REFUSED_UNITS: Final[dict[str, str]] = {
    "cc": "Write mL instead of cc ('cc' is mistaken for 'u' or '00')",
    "CC": "Write mL instead of cc ('cc' is mistaken for 'u' or '00')",
    "Mg": "'Mg' means megagram: write 'mg' for milligram",
    "Ml": "'Ml' means megalitre: write 'mL' for millilitre",
    "Mm": "'Mm' means megametre: write 'mm' for millimetre",
}


@dataclass(frozen=True)
class QuantityKind:
    """What a field holds: its name, dimension, canonical unit and an example."""

    name: str
    dimensionality: str | None  # None: any dimension, checked by the caller
    unit: str
    example: str


WEIGHT: Final = QuantityKind("weight", "[mass]", "kg", "'70 kg' or '154 lb'")
HEIGHT: Final = QuantityKind("height", "[length]", "cm", "'170 cm' or '5 ft 7 in'")
DRUG_AMOUNT: Final = QuantityKind("drug amount", "[mass]", "mg", "'25 mg'")
CONCENTRATION: Final = QuantityKind(
    "concentration", "[mass]/[length]**3", "mg/mL", "'1 mg/mL' or '50 mg/5 mL'"
)

VOLUME_KIND: Final = QuantityKind("volume", "[length]**3", "mL", "'50 mL' or '0.5 L'")
DURATION: Final = QuantityKind("duration", "[time]", "hr", "'24 hr', '12 hours' or '30 min'")
PUMP_RATE: Final = QuantityKind("pump rate", "[length]**3/[time]", "mL/hr", "'2 mL/hr'")


# How a dimension is named in an error message ("'70 m' is a length, not a weight").
_DIMENSION_WORDS: Final[dict[Dimension, str]] = {
    MASS: "a weight",
    LENGTH: "a length",
    (("[length]", 2),): "an area",
    VOLUME: "a volume",
    TIME: "a time",
    (("[length]", -3), ("[mass]", 1)): "a concentration",
    (("[mass]", 1), ("[time]", -1)): "a dose rate",
    (("[time]", -1),): "a rate of a pure number (its masses cancel), such as mg/mg/hr",
    (): "a ratio such as mg/kg",
    FLOW: "a flow rate",
}

# The only entries written as a sum of two parts, and how much of the smaller unit makes one
# of the larger (5 ft 13 in is refused, never read as 6 ft 1 in; 9 st 14 lb, as 10 st).
_COMPOUND_UNITS: Final = frozenset({("foot", "inch"), ("pound", "ounce"), ("stone", "pound")})
_SMALLER_PART_BELOW: Final = {
    "inch": (12, "inches", "feet", "'5 ft 7 in'"),
    "ounce": (16, "ounces", "pounds", "'10 lb 3 oz'"),
    "pound": (14, "pounds", "stones", "'9 st 6 lb'"),
}

_NUMBER = r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
_TERM = r"[^\W\d_]+"  # letters only, including µ and μ
_SIMPLE_RE: Final = re.compile(rf"({_NUMBER})\s*({_TERM})")
_DENOMINATOR_RE: Final = re.compile(rf"({_NUMBER})?\s*({_TERM})")
_COMPOUND_RE: Final = re.compile(rf"{_NUMBER}\s*{_TERM}(?:\s*{_NUMBER}\s*{_TERM})+")
_BARE_NUMBER_RE: Final = re.compile(rf"[+\-−]?\s*{_NUMBER}")
_NEGATIVE_RE: Final = re.compile(rf"[\-−]\s*{_NUMBER}")
# "/" or the word "per" (any case) between the parts of a unit: mg per kg per hr.
_PER_RE: Final = re.compile(r"/|\bper\b", re.IGNORECASE)
# The word "in" after a unit and before more text: 500 mg in 50 mL (but not 5 ft 7 in).
_IN_WORD_RE: Final = re.compile(r"[^\W\d_]\s+in\s+\S", re.IGNORECASE)
_AMOUNT_IN_VOLUME_RE: Final = re.compile(
    rf"({_NUMBER})\s*({_TERM})\s+in\s+({_NUMBER})\s*({_TERM})", re.IGNORECASE
)
# Feet and inch marks, typed plainly or as typography sets them: the prime and double prime
# (U+2032, U+2033), and the right quotation marks (U+2019, U+201D) that autocorrection puts
# after a digit. The left ones (U+2018, U+201C) never follow a digit, and stay refused.
_FOOT_MARKS: Final = "'\u2032\u2019"
_INCH_MARKS: Final = '"\u2033\u201d'
_FEET_AND_INCHES_RE: Final = re.compile(
    rf"({_NUMBER})\s*[{_FOOT_MARKS}](?:\s*({_NUMBER})\s*[{_INCH_MARKS}]?)?"
)
_INCHES_RE: Final = re.compile(rf"({_NUMBER})\s*[{_INCH_MARKS}]")
_UNIT_OF_ITS_OWN_RE: Final = re.compile(rf"[^\W\d_]|[{_FOOT_MARKS}{_INCH_MARKS}]")
_NOT_FINITE_RE: Final = re.compile(r"\b(?:nan|inf|infinity)\b", re.IGNORECASE)
_DECIMAL_COMMA_RE: Final = re.compile(r"\d,\d")
_THOUSANDS_COMMA_RE: Final = re.compile(r"\d,\d{3}(?!\d)")
_EXPONENT_RE: Final = re.compile(r"\d[eE][+\-]?\d")


def parse_quantity(value: object, kind: QuantityKind | str, field: str | None = None) -> Quantity:
    """Read ``value`` (text or a pint Quantity) as a positive, finite ``kind`` (a kind, such
    as `WEIGHT`, or its name: "weight").

    Returns a Quantity of this package's registry with a Fraction magnitude, in
    the units that were entered. Raises a subclass of `InputError` naming
    ``field`` (default: the kind's name) for anything else: no unit, unknown
    or wrong-dimension unit, zero, negative, NaN, infinity, unreadable text;
    `ChoiceError` for a kind that is none of dosecalc's.
    """
    kind = kind if isinstance(kind, QuantityKind) else _kind_named(kind)
    name = field or kind.name
    if isinstance(value, pint.Quantity):
        quantity = _from_pint(value, kind, name)
    elif isinstance(value, str):
        magnitude, unit = _read_text(value, kind, name)
        quantity = registry().Quantity(magnitude, unit)  # a new Quantity for every caller
    elif isinstance(value, int | float | Decimal | Fraction):
        raise UnitError(
            name,
            f"the number {quoted(value)} has no unit",
            f"Give text with a unit, e.g. {kind.example}, or a pint Quantity",
        )
    else:
        raise ParseError(
            name,
            f"expected text such as {kind.example}, got {type(value).__name__}",
            f"Enter {kind.example}",
        )
    shown = value.strip() if isinstance(value, str) else _written_quantity(value)
    _check_dimension(quantity, kind, name, shown=shown)
    if not set(unit_powers(quantity.units)) <= set(_VOCABULARY.values()):
        if kind.dimensionality is None:
            raise UnitError(
                name,
                f"{quoted(shown)} is in a unit dosecalc does not use",
                f"Enter {kind.example}",
            )
        return quantity.to(named_unit(kind.unit))  # a caller's Quantity in a unit we do not display
    return quantity


def is_given(value: object) -> bool:
    """False for an optional input left out: None, or text of nothing but spaces (any space
    separator: a no-break or thin space is a space, as the reader takes it). A tab or any
    other character is an entry, read, and refused, as one."""
    return value is not None and not (
        isinstance(value, str) and not spaces_as_space(value).strip(" ")
    )


def is_unit_word(text: str) -> bool:
    """Whether ``text`` is one unit this reader knows, of any kind ("h", "mg", "mL")."""
    return text.strip().lower() in _VOCABULARY


def names_a_unit(text: str) -> bool:
    """Whether ``text`` carries a unit of its own, in letters (``170 cm``) or by the feet
    and inch marks this reader takes (``5'7"``). A form gives the unit chosen beside a
    field only to text without one, so it must see units exactly as the reader does."""
    return _UNIT_OF_ITS_OWN_RE.search(text) is not None


_DOSE_UNIT_EXAMPLE: Final = "'mg', 'mg/kg', 'mg/h', 'mg/24 h' or 'mg/kg/h'"


DOSE: Final = QuantityKind(
    "dose", None, "mg", "'30 mg/hr', '0.4 mg/kg/hr', '25 mL/hr' (with a concentration) or '25 mg'"
)


def _kind_named(name: object) -> QuantityKind:
    """The kind of quantity ``name`` names ("weight"); `ChoiceError` for any other."""
    kinds = {kind.name: kind for kind in _KINDS}
    if isinstance(name, str) and name in kinds:
        return kinds[name]
    raise ChoiceError(
        "kind",
        f"{quoted(name)} is not a kind of quantity dosecalc reads",
        f"Give one of {', '.join(repr(k) for k in kinds)}, or the kind itself (WEIGHT)",
    )


_KINDS: Final = (WEIGHT, HEIGHT, DRUG_AMOUNT, CONCENTRATION, VOLUME_KIND, DURATION, PUMP_RATE, DOSE)
"""Every kind of quantity dosecalc reads."""


def parse_dose(value: object, field: str = "dose") -> Dose:
    """Read a dose in any form `check` takes (``25 mg``, ``30 mg/hr``, ``600 mg/24 h``,
    ``0.3 mg/kg/hr``, ``5 mcg/kg/min``, ``25 mL/hr``, ``2.5 mL``) from text or a pint
    Quantity, keeping "per kg" explicit.

    Raises `InputError` as `parse_quantity` does, and `UnitError` for a
    quantity that is not a drug amount (optionally per kg, optionally per
    time), a flow rate or a volume; a dose per lb is refused by name.
    """
    quantity = parse_quantity(value, DOSE, field)
    form = dose_form(quantity.units)
    if form is not None:
        parts = _rate_as_written(value, quantity) if form in RATE_FORMS else None
        return Dose(quantity, DoseUnit.of(quantity.units), form, parts)
    shown = value.strip() if isinstance(value, str) else _written_quantity(value)
    per_body = [
        name
        for name, power in unit_powers(quantity.units).items()
        if power < 0 and dimension_of(name) == MASS and name not in BODY_WEIGHT_UNITS
    ]
    if per_body:
        # No example figure: one with the number typed, per kg, reads as its conversion.
        unit = UNIT_NAMES[per_body[0]].display
        kg_each = conversion_factor(named_unit(per_body[0]), named_unit("kg"))
        raise UnitError(
            field,
            f"{quoted(shown)} is a dose per {unit} of body weight; dosecalc reads a dose "
            "per kg only",
            f"Have it written per kg: 1 {unit} is {_exact_text(kg_each)} kg, so the dose "
            f"per kg is the dose per {unit} divided by {_exact_text(kg_each)}",
        )
    raise UnitError(
        field,
        f"{quoted(shown)} is {describe_dimension(quantity)}, not a dose",
        f"Enter {DOSE.example}",
    )


_PER_24_HOURS_RE: Final = re.compile(r"24\s*(?:h|hr|hrs|hours?)", re.IGNORECASE)
"""The one number a rule's unit may hold: a syringe driver's "mg/24 h", exactly a day."""


_WRITTEN_RATIO_RE: Final = re.compile(
    rf"({_NUMBER})\s*({_TERM})\s*(?:/|\bper\b|\bin\b)\s*({_NUMBER})\s*({_TERM})", re.IGNORECASE
)


def ratio_parts(value: object) -> tuple[Quantity, Quantity] | None:
    """The amount and the "per" quantity of text written as one amount in another
    ("500 mg/10 mL", "500 mg in 10 mL", "840 mg per 24 hr"), read after `parse_quantity`
    has accepted it; None for any other entry ("50 mg/mL", a pint Quantity)."""
    if not isinstance(value, str):
        return None
    match = _WRITTEN_RATIO_RE.fullmatch(spaces_as_space(value).strip())
    if match is None:
        return None
    amount, amount_term, per, per_term = match.groups()
    try:
        amount_unit = named_unit(_VOCABULARY[amount_term.lower()])
        per_unit = named_unit(_VOCABULARY[per_term.lower()])
    except KeyError:
        return None
    return (
        registry().Quantity(Fraction(amount), amount_unit),
        registry().Quantity(Fraction(per), per_unit),
    )


_WRITTEN_PER_KG_RATE_RE: Final = re.compile(
    rf"({_NUMBER})\s*({_TERM})\s*(?:/|\bper\b)\s*({_TERM})\s*(?:/|\bper\b)\s*({_NUMBER})\s*({_TERM})",
    re.IGNORECASE,
)


def _rate_as_written(value: object, quantity: Quantity) -> tuple[Quantity, Quantity] | None:
    """A rate written as an amount over a stated time, the amount per kg or not ("17.5
    mg/30 min", "0.25 mg/kg/30 min"): that amount and time, which come to ``quantity``;
    None for any other entry."""
    parts = ratio_parts(value)
    if parts is None and isinstance(value, str):
        match = _WRITTEN_PER_KG_RATE_RE.fullmatch(spaces_as_space(value).strip())
        if match is not None:
            amount, amount_term, body, per, per_term = match.groups()
            try:
                terms = [named_unit(_VOCABULARY[t.lower()]) for t in (amount_term, body, per_term)]
            except KeyError:
                return None
            parts = (
                registry().Quantity(Fraction(amount), terms[0] / terms[1]),
                registry().Quantity(Fraction(per), terms[2]),
            )
    if parts is None or dimension_of(parts[1].units) != TIME:
        return None
    amount, per = parts
    return parts if convert(amount / per, quantity.units) == quantity else None


Term: TypeAlias = tuple[Fraction | None, str]
"""One term of a quantity as written: its number (None for a bare unit, the "hr" of
"mg/hr") and the pint name of its unit."""


def written_terms(text: str) -> tuple[str, list[Term]] | None:
    """A quantity's text in the shape it was written: how its terms are joined ("/" for
    "500 mg/10 mL" and "mg per kg per hr", " in " for "500 mg in 10 mL", " " for "5 ft
    7 in" and "5' 7\"") and each term's number and unit, so that it can be written again
    under the display rule, shape kept. Read by its shape alone (no quantity is built, so
    that echoing an input never parses it again); None for text of no such shape (a
    regimen's name, a sex, a basis, text `parse_quantity` refuses)."""
    shown = spaces_as_space(text).strip()
    try:
        return _shape_of(shown)
    except (KeyError, ValueError, ZeroDivisionError):  # a term no unit, a number unread
        return None


def _shape_of(shown: str) -> tuple[str, list[Term]] | None:
    if any(mark in shown for mark in _FOOT_MARKS + _INCH_MARKS):
        feet = _FEET_AND_INCHES_RE.fullmatch(shown)
        if feet is not None:
            terms: list[Term] = [(Fraction(feet.group(1)), "foot")]
            if feet.group(2) is not None:
                terms.append((Fraction(feet.group(2)), "inch"))
            return " ", terms
        inches = _INCHES_RE.fullmatch(shown)
        return (" ", [(Fraction(inches.group(1)), "inch")]) if inches is not None else None
    if _IN_WORD_RE.search(shown):
        match = _AMOUNT_IN_VOLUME_RE.fullmatch(shown)
        if match is None:
            return None
        amount, amount_term, volume, volume_term = match.groups()
        return " in ", [
            (Fraction(amount), _term_name(amount_term)),
            (Fraction(volume), _term_name(volume_term)),
        ]
    if _COMPOUND_RE.fullmatch(shown):
        return " ", [(Fraction(n), _term_name(term)) for n, term in _SIMPLE_RE.findall(shown)]
    parts = [part.strip() for part in _PER_RE.split(shown)]
    head = _SIMPLE_RE.fullmatch(parts[0])
    if head is None:
        return None  # no number before the first unit: no quantity
    per_terms: list[Term] = [(Fraction(head.group(1)), _term_name(head.group(2)))]
    for part in parts[1:]:
        match = _DENOMINATOR_RE.fullmatch(part)
        if match is None:
            return None
        number, term = match.groups()
        per_terms.append((None if number is None else Fraction(number), _term_name(term)))
    return "/", per_terms


def _term_name(term: str) -> str:
    """The pint name of a unit term read (µg and μg, any case of plain letters); a
    spelling refused by name (cc, Mg) is no unit here either (KeyError)."""
    if term in _REFUSED_UNITS:
        raise KeyError(term)
    return _VOCABULARY[term.lower() if term.isascii() else term]


def parse_dose_unit(text: str) -> DoseUnit:
    """Read a dose unit such as ``mg``, ``mg/h``, ``mg/24 h`` or ``mg/kg/h`` for rule files
    (no number but the 24 of "per 24 hours", read as per day)."""
    first, *per = (
        named_unit(
            "day"
            if _PER_24_HOURS_RE.fullmatch(term)
            else _resolve_term(term, "dose unit", _DOSE_UNIT_EXAMPLE)
        )
        for term in _per_parts(text, "dose unit", _DOSE_UNIT_EXAMPLE)
    )
    for divisor in per:
        first /= divisor
    dose_unit = DoseUnit.of(first)
    if dose_unit is None:
        raise UnitError(
            "dose unit",
            f"{quoted(text)} is not a drug amount, optionally per kg, optionally per time",
            f"Write it as {_DOSE_UNIT_EXAMPLE}",
        )
    return dose_unit


def describe_dimension(quantity: Quantity) -> str:
    """Name a quantity's dimension in words for messages: 'a length', 'a concentration'..."""
    return _DIMENSION_WORDS.get(dimension_of(quantity.units), "a quantity of another kind")


def _from_pint(value: Quantity, kind: QuantityKind, name: str) -> Quantity:
    """A caller's pint quantity, of any registry (floats, Decimals, a registry with units of
    its own), rebuilt exactly in ours; refused with an `InputError` for anything we cannot
    read as it was meant."""
    terms = _foreign_terms(value, kind, name)
    exact = _exact_magnitude(value.magnitude, kind, name)
    _check_positive(exact, name, kind, shown=excerpt(_written_quantity(value)))
    # Rebuild in our registry, term by term with exact powers: quantities from
    # another registry cannot be mixed, and its float powers would make the
    # conversions inexact.
    unit = named_unit("dimensionless")
    for term, power in terms.items():
        unit *= named_unit(term) ** power
    return registry().Quantity(exact, unit)


def _foreign_terms(value: Quantity, kind: QuantityKind, name: str) -> dict[str, int]:
    """The terms of ``value``'s unit and their powers, each a unit our registry holds with
    the same meaning as the caller's registry gives it (a ``stone`` redefined as 15 lb, or a
    ``stonex`` of the caller's own, is refused, never read as something else)."""
    terms: dict[str, Any] = dict(value._units.items())
    if any(not _is_one(abs(power)) for power in terms.values()):
        # Checked before the quantity is ever printed: pint cannot print such a unit when
        # the magnitude is a Fraction (hgrecco/pint#2386), and dosecalc uses none.
        written = " ".join(f"{unit}**{power}" for unit, power in terms.items())
        raise UnitError(
            name,
            f"a quantity in {quoted(written)} is in a unit dosecalc does not use "
            "(a power other than 1)",
            f"Enter {kind.example}",
        )
    ours = registry()
    theirs = getattr(value, "_REGISTRY", ours)
    for term in terms:
        try:
            named_unit(term)
            same = theirs is ours or _same_meaning(theirs, ours, term)
        except Exception:  # whatever pint raises for a unit it does not know
            same = None
        if same is None:
            raise UnitError(
                name,
                f"{quoted(term)} is not a unit dosecalc knows (it is your registry's own)",
                f"Convert it to a unit such as {kind.example}",
            )
        if not same:
            raise UnitError(
                name,
                f"your registry's {quoted(term)} is not the {quoted(term)} dosecalc knows "
                "(it was redefined)",
                f"Convert it to a standard unit, e.g. {kind.example}",
            )
    return {term: 1 if power > 0 else -1 for term, power in terms.items()}


def _is_one(power: object) -> bool:
    return isinstance(power, int | float | Fraction | Decimal) and power == 1


_SAME_MEANING_TOLERANCE: Final = Fraction(1, 10**9)
"""How near a caller's registry must make a unit to ours: its float arithmetic (0.45359237
kg to a pound) is off by about 1e-16, a redefinition by far more."""


def _same_meaning(theirs: Registry, ours: Registry, term: str) -> bool:
    """Whether ``term`` is the same unit in the caller's registry as in ours: one of it
    converts, in their registry, to what it is in our root units (within float rounding).
    (By conversion: pint's root-unit cache can keep a unit's meaning from before a
    redefinition, which its conversions do not.)"""
    our_factor: Any
    our_factor, our_root = ours.get_root_units(term)
    powers: dict[str, Any] = dict(our_root._units.items())
    root = theirs.UnitsContainer({unit: int(power) for unit, power in powers.items()})
    their_factor: Any
    try:
        their_factor = theirs.convert(1, term, root)
    except pint.DimensionalityError:
        return False
    if isinstance(their_factor, float):
        their_factor = Decimal(str(their_factor))
    difference = abs(Fraction(their_factor) / Fraction(our_factor) - 1)
    return bool(difference <= _SAME_MEANING_TOLERANCE)


def _exact_magnitude(magnitude: object, kind: QuantityKind, name: str) -> Fraction:
    """A caller's magnitude as an exact Fraction: an int, a float (as the decimal it prints
    as: 70.1, not 70.099999999999994), a Fraction, a Decimal or a numpy number. A bool, an
    array, a complex number or text is refused, and so are NaN, infinity and numbers of
    more digits than a measurement has, before any exact arithmetic they would stall."""
    if type(magnitude).__name__ in ("bool", "bool_"):  # Python's and numpy's
        raise ParseError(
            name,
            f"the magnitude {quoted(magnitude)} is true or false, not a number",
            f"Enter {kind.example}",
        )
    if not isinstance(magnitude, numbers.Real | Decimal):  # e.g. complex, an array, text
        raise ParseError(
            name,
            f"the magnitude must be a single number, got {type(magnitude).__name__}",
            f"Enter {kind.example}",
        )
    given = magnitude
    if isinstance(magnitude, numbers.Integral):
        magnitude = int(magnitude)
    elif not isinstance(magnitude, numbers.Rational | Decimal):  # a float, of any width
        magnitude = _float_as_written(magnitude)
    if isinstance(magnitude, Decimal) and not magnitude.is_finite():
        magnitude = None
    if magnitude is None:
        written = _number_text(given)
        plain = written[1:-1] if written.endswith("'") else written  # nan, not 'nan'
        raise OutOfRangeError(name, f"{plain} is not a finite number", f"Enter {kind.example}")
    if not _of_sane_size(magnitude):
        raise OutOfRangeError(
            name,
            f"{_number_text(given)} has too many digits to be a {kind.name}",
            f"Enter {kind.example}",
        )
    return Fraction(magnitude)


def _exact_text(value: Fraction) -> str:
    """A fraction with a finite decimal form (a unit's size in kg) written out exactly."""
    return format(Decimal(value.numerator) / Decimal(value.denominator), "f")


def _number_text(number: object) -> str:
    """A caller's number, quoted as it writes itself (bounded, and described when Python
    refuses to write it: an int of 5,000 digits)."""
    try:
        return quoted(str(number))
    except Exception:  # int-to-text's digit limit, or a number type's own failure
        return quoted(number)


def _float_as_written(magnitude: numbers.Real) -> Decimal | None:
    """A float of any width (numpy's too) as the decimal it prints as; None if not finite."""
    try:
        written = Decimal(str(magnitude))
    except Exception:  # a number type that writes itself as no number, or not at all
        return None
    return written if written.is_finite() else None


def _written_quantity(value: object) -> str:
    """A caller's quantity as its registry writes it, or its type if that fails."""
    try:
        return str(value)
    except Exception:  # a magnitude or unit that pint cannot write out
        return f"a {type(value).__name__}"


_MAX_DIGITS: Final = 60
"""A magnitude with more digits than this is no measurement (1e-99999999 would take an exact
Fraction with a hundred-million-digit denominator, and hang every calculation)."""


def _of_sane_size(magnitude: int | numbers.Rational | Decimal) -> bool:
    if isinstance(magnitude, Decimal):
        digits = len(magnitude.as_tuple().digits)
        return digits <= _MAX_DIGITS and abs(magnitude.adjusted()) <= _MAX_DIGITS
    exact = Fraction(magnitude)
    bits = _MAX_DIGITS * 4  # about 10**72
    return exact.numerator.bit_length() <= bits and exact.denominator.bit_length() <= bits


@functools.lru_cache(maxsize=1024)
def _read_text(text: str, kind: QuantityKind, name: str) -> tuple[Fraction, Unit]:
    """What `_from_text` reads, kept: a form's fields are read by the session and again by
    `calculate` on every change, and each text is parsed once. Errors are not kept."""
    quantity = _from_text(text, kind, name)
    return quantity.magnitude, quantity.units


def _from_text(text: str, kind: QuantityKind, name: str) -> Quantity:
    if len(text) > MAX_INPUT_LENGTH:
        raise ParseError(
            name,
            f"the text is too long ({len(text)} characters; at most {MAX_INPUT_LENGTH})",
            f"Enter a single quantity, e.g. {kind.example}",
        )
    text = spaces_as_space(text)  # a thin or no-break space is a space
    _refuse_unreadable_characters(text, name, kind.example)
    shown = text.strip()
    if not shown:
        raise ParseError(name, "nothing was entered", f"Enter {kind.example}")
    if _NOT_FINITE_RE.search(shown):
        raise OutOfRangeError(
            name, f"{quoted(shown)} is not a finite number", f"Enter {kind.example}"
        )
    if _DECIMAL_COMMA_RE.search(shown):
        raise ParseError(name, *_comma_advice(shown))
    if _EXPONENT_RE.search(shown):
        raise ParseError(
            name,
            f"{quoted(shown)} uses exponent notation",
            f"Write the number out in plain decimals, e.g. {kind.example}",
        )
    signed = _NEGATIVE_RE.match(shown)
    if signed:
        if Decimal(signed.group()[1:].strip()) == 0:  # -0 and -0.0 are zero, not negative
            _check_positive(Fraction(0), name, kind, quoted(shown))
        raise OutOfRangeError(
            name,
            f"{quoted(shown)} is negative",
            f"Enter a positive {kind.name}, e.g. {kind.example}",
        )
    if _BARE_NUMBER_RE.fullmatch(shown):
        raise UnitError(
            name,
            f"{quoted(shown)} has no unit",
            f"Write the unit after the number, e.g. {kind.example}",
        )
    if any(mark in shown for mark in _FOOT_MARKS + _INCH_MARKS):
        quantity = _marked(shown, kind, name)
    elif _IN_WORD_RE.search(shown):
        quantity = _amount_in_volume(shown, kind, name)
    elif _COMPOUND_RE.fullmatch(shown):
        quantity = _compound(shown, kind, name)
    else:
        quantity = _ratio(shown, kind, name)
    magnitude = quantity.magnitude
    _check_positive(magnitude, name, kind, shown=quoted(shown))
    return quantity


def _per_parts(text: str, field: str, example: str) -> list[str]:
    """The parts of ``text`` between each "/" or "per", none of them empty."""
    parts = [part.strip() for part in _PER_RE.split(text)]
    if len(parts) > 1 and not all(parts):
        raise ParseError(
            field,
            f"could not read {quoted(text)}: a '/' or 'per' does not stand between two units",
            f"Write one unit on each side of it, e.g. {example}",
        )
    return parts


def _ratio(text: str, kind: QuantityKind, name: str) -> Quantity:
    """``number unit ( per [number] unit )*``: 0.3 mg/kg/hr, 50 mg/5 mL, 600 mg per 24 h."""
    head, *denominators = _per_parts(text, name, kind.example)
    match = _SIMPLE_RE.fullmatch(head)
    if match is None:
        raise _unreadable(text, kind, name)
    quantity = registry().Quantity(
        Fraction(match.group(1)), named_unit(_resolve_term(match.group(2), name, kind.example))
    )
    for denominator in denominators:
        part = _DENOMINATOR_RE.fullmatch(denominator)
        if part is None:
            raise _unreadable(text, kind, name)
        quantity = _divided(quantity, part.group(1), part.group(2), text, kind, name)
    return quantity


def _divided(
    quantity: Quantity, number: str | None, term: str, text: str, kind: QuantityKind, name: str
) -> Quantity:
    """``quantity`` divided by ``[number] term``: one denominator of a ratio."""
    magnitude = quantity.magnitude
    per = named_unit(_resolve_term(term, name, kind.example))
    if number is not None and Fraction(number) == 24 and per == named_unit("hour"):
        return registry().Quantity(magnitude, quantity.units / named_unit("day"))  # as written
    if number is not None:
        divisor = Fraction(number)
        if divisor == 0:
            raise OutOfRangeError(name, f"{quoted(text)} divides by zero", f"Enter {kind.example}")
        magnitude /= divisor
    unit = quantity.units / per
    return registry().Quantity(magnitude, unit)


def _amount_in_volume(text: str, kind: QuantityKind, name: str) -> Quantity:
    """``500 mg in 50 mL``: read exactly as ``500 mg/50 mL``; "in" joins nothing else."""
    match = _AMOUNT_IN_VOLUME_RE.fullmatch(text)
    fix = "Write a drug amount in a volume, e.g. '500 mg in 50 mL', or '500 mg/50 mL'"
    if match is None:
        raise ParseError(
            name,
            f"could not read {quoted(text)}: 'in' is read only between an amount and a volume",
            fix,
        )
    amount, amount_term, volume, volume_term = match.groups()
    amount_unit = named_unit(_resolve_term(amount_term, name, kind.example))
    volume_unit = named_unit(_resolve_term(volume_term, name, kind.example))
    if dimension_of(amount_unit) != MASS or dimension_of(volume_unit) != VOLUME:
        raise UnitError(
            name,
            f"in {quoted(text)} 'in' does not stand between a drug amount and a volume",
            fix,
        )
    quantity = registry().Quantity(Fraction(amount), amount_unit)
    return _divided(quantity, volume, volume_term, text, kind, name)


def _compound(text: str, kind: QuantityKind, name: str) -> Quantity:
    """``5 ft 7 in``, ``10 lb 3 oz`` or ``9 st 6 lb``: the two parts added, in the smaller
    unit."""
    pairs = _SIMPLE_RE.findall(text)
    units = tuple(_resolve_term(term, name, kind.example) for _, term in pairs)
    if units not in _COMPOUND_UNITS:
        raise _unreadable(text, kind, name)
    (big, _), (small, _) = pairs
    return _sum_of_parts(big, small, (units[0], units[1]), text, name)


def _marked(text: str, kind: QuantityKind, name: str) -> Quantity:
    """``5' 7"``, ``5'7``, ``5'`` or ``67"``: feet and inches by their marks, as ``5 ft 7 in``.

    The marks mean feet and inches only in these shapes; anywhere else they are refused.
    """
    feet = _FEET_AND_INCHES_RE.fullmatch(text)
    if feet is not None and feet.group(2) is not None:
        return _sum_of_parts(feet.group(1), feet.group(2), ("foot", "inch"), text, name)
    if feet is not None:
        return registry().Quantity(Fraction(feet.group(1)), named_unit("foot"))
    inches = _INCHES_RE.fullmatch(text)
    if inches is not None:
        return registry().Quantity(Fraction(inches.group(1)), named_unit("inch"))
    raise ParseError(
        name,
        f"could not read {quoted(text)}: the marks ' and \" stand only for feet and inches, "
        "after a number (5' 7\", 5' or 67\")",
        f"Enter {kind.example}",
    )


def _sum_of_parts(big: str, small: str, units: tuple[str, str], text: str, name: str) -> Quantity:
    """``big`` of the larger unit plus ``small`` of the smaller, which must be less than
    one of the larger (never carried over)."""
    below, smaller, larger, example = _SMALLER_PART_BELOW[units[1]]
    if Fraction(small) >= below:
        raise ParseError(
            name,
            f"in {quoted(text)} the {smaller} are {below} or more, "
            f"which is a whole {units[0]} or more",
            f"Write fewer than {below} {smaller} after the {larger}, e.g. {example}",
        )
    magnitude = registry().Quantity(Fraction(big), named_unit(units[0])).to(
        named_unit(units[1])
    ).magnitude + Fraction(small)
    return registry().Quantity(magnitude, named_unit(units[1]))


# What a quantity may be written with: printable ASCII, the two micro signs (µg, μg), the
# minus sign, read only to say that a value is negative, and the typographic feet and inch
# marks, read only as feet and inches after a number (see _marked). Everything else is
# refused by name, never read as what it resembles: a Bengali four (U+09EA) is drawn like an
# 8, an Arabic-Indic zero (U+0660) like a point, Greek capital Mu (U+039C, what "µg".upper()
# gives) like M, the Kelvin sign (U+212A) like K. Line breaks and other control characters
# are refused too.
_READABLE_BEYOND_ASCII: Final = frozenset("µμ−" + _FOOT_MARKS + _INCH_MARKS)
_CONTROL_NAMES: Final = {
    "\t": "TAB",
    "\n": "LINE FEED",
    "\x0b": "VERTICAL TAB",
    "\x0c": "FORM FEED",
    "\r": "CARRIAGE RETURN",
    "\x00": "NUL",
    "\x1b": "ESCAPE",
    "\x85": "NEXT LINE",
}


def _refuse_unreadable_characters(text: str, field: str, example: str) -> None:
    for character in text:
        if " " <= character <= "~" or character in _READABLE_BEYOND_ASCII:
            continue
        category = unicodedata.category(character)
        code = f"U+{ord(character):04X}"
        if is_control(character):
            what = _CONTROL_NAMES.get(character) or unicodedata.name(character, "")
            raise ParseError(
                field,
                f"the text contains a control character ({code} {what})".replace(" )", ")"),
                f"Retype it in plain characters on one line, e.g. {example}",
            )
        named = f"'{character}' ({code} {unicodedata.name(character, 'unnamed')})"
        if category == "Nd" or character.isdigit() or character.isnumeric():
            fix = "Type the digits 0 to 9"
        elif category[0] == "L":
            fix = "Type the unit in plain Latin letters (mcg for micrograms)"
        else:
            fix = "Type plain characters only"
        raise ParseError(
            field,
            f"{named} is not a character dosecalc reads in a quantity",
            f"{fix}, e.g. {example}",
        )


def _resolve_term(term: str, field: str, example: str) -> str:
    _refuse_unreadable_characters(term, field, example)
    if term in _REFUSED_UNITS:
        raise UnitError(
            field, f"{quoted(term)} is not accepted", f"{_REFUSED_UNITS[term]}, e.g. {example}"
        )
    try:
        # Case is ignored in plain letters only: Greek 'MG' lowers to 'μg' but reads as 'MG'.
        return _VOCABULARY[term.lower() if term.isascii() else term]
    except KeyError:
        raise UnitError(
            field,
            f"{quoted(term)} is not a unit dosecalc knows",
            f"Use a unit such as {example}",
        ) from None


def _check_dimension(quantity: Quantity, kind: QuantityKind, name: str, shown: str) -> None:
    if kind.dimensionality is None:
        return
    if quantity.dimensionality != _dimensionality(kind.dimensionality):
        raise UnitError(
            name,
            f"{quoted(shown)} is {describe_dimension(quantity)}, not a {kind.name}",
            f"Enter {kind.example}",
        )


@functools.cache
def _dimensionality(text: str) -> pint.util.UnitsContainer:
    """pint's dimensionality of ``[mass]/[length]**3``, parsed once."""
    return registry().get_dimensionality(text)


def _check_positive(magnitude: Fraction, name: str, kind: QuantityKind, shown: str) -> None:
    if magnitude <= 0:
        raise OutOfRangeError(
            name,
            f"{shown} is {'zero' if magnitude == 0 else 'negative'}",
            f"Enter a {kind.name} greater than zero, e.g. {kind.example}",
        )


def _comma_advice(text: str) -> tuple[str, str]:
    """A comma in a number, refused with the entry written both ways it may mean: the
    field's own entry, never another field's example."""
    if _THOUSANDS_COMMA_RE.search(text):
        thousands = f"{quoted(text.replace(',', ''))} if the comma separates thousands"
        decimal = (  # several commas are thousands, or a slip: no decimal reading is offered
            f", {quoted(text.replace(',', '.'))} if it is a decimal comma"
            if text.count(",") == 1
            else ""
        )
        return (
            f"{quoted(text)} has a comma, which could be a decimal or a thousands separator",
            f"Write the number without commas, with a point for decimals: {thousands}{decimal}",
        )
    with_point = _DECIMAL_COMMA_RE.sub(lambda m: m.group().replace(",", "."), text)
    return (
        f"{quoted(text)} uses a decimal comma",
        f"Use a decimal point: {quoted(with_point)}",
    )


def _unreadable(text: str, kind: QuantityKind, name: str) -> ParseError:
    return ParseError(
        name,
        f"could not read {quoted(text)} as one number followed by its unit",
        f"Enter {kind.example}",
    )
