"""The schema of a rule file (``rules/*.toml``).

A rule file carries only what a cited source says. The optional fields at the
end of `Regimen` are for a hospital drug library (hard limits, a maximum per
24 hours, standard concentrations, review); the shipped file leaves them out
because the source gives none of them. Each limit carries its own citation, and
each acts: a range outside its own hard limits is refused here, and calculate,
check and audit act on every limit. ``rules/schema.json`` is generated
from these models (``dosecalc rules --schema``) and a test keeps it in step.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Annotated, ClassVar, Final, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from dosecalc.foundation.clock import is_after_today, local_today
from dosecalc.foundation.display import format_exact, format_range
from dosecalc.foundation.dose_units import (
    DoseUnit,
)
from dosecalc.foundation.errors import InputError
from dosecalc.foundation.text import is_control, route_alternatives
from dosecalc.foundation.unit_registry import (
    MASS,
    TIME,
    VOLUME,
    Quantity,
    dimension_of,
    named_unit,
    registry,
    unit_powers,
)
from dosecalc.foundation.units import (
    CONCENTRATION,
    DOSE,
    DRUG_AMOUNT,
    PUMP_RATE,
    VOLUME_KIND,
    QuantityKind,
    describe_dimension,
    is_unit_word,
    parse_dose_unit,
    parse_quantity,
)
from dosecalc.ruleset.kinds import KINDS, KindName, RegimenKind

_IDENTIFIER: Final = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
Identifier = Annotated[str, StringConstraints(pattern=_IDENTIFIER)]

UnitRole = Literal["dose", "amount", "concentration", "pump-rate", "volume"]
"""What a quantity field of a rule holds, and so which units it may be written in."""

_EXPECTED: Final[dict[UnitRole, str]] = {
    "dose": "a drug amount (mg, mcg or g), optionally per kg, optionally per time "
    "(mg, mg/kg, mg/h, mg/24 h or mg/kg/h)",
    "amount": "a drug amount: mg, mcg or g",
    "concentration": "a drug amount per volume: mg/mL, mcg/mL, g/L or mg/L",
    "pump-rate": "a volume per time: mL/h or mL/min",
    "volume": "a volume: mL or L",
}

QUANTITY_FIELDS: Final[dict[str, UnitRole]] = {
    "dose": "dose",
    "hard_limits": "dose",
    "max_per_24h": "amount",
    "standard_concentrations": "concentration",
    "pump_rate_increment": "pump-rate",
    "smallest_measurable_volume": "volume",
    "largest_volume_per_dose": "volume",
}
"""Every field of a regimen that holds a quantity, and what its unit must be."""


def unit_problem(role: UnitRole, unit: str, kind: RegimenKind | None = None) -> str | None:
    """What is wrong with ``unit`` for a field holding ``role`` (None: nothing).

    A dimension alone is not enough: kg, lb, oz and st are masses, yet a maximum per 24 hours
    in kg is a body weight's unit, 300 kg is 300,000,000 mg, and it would never act. So a drug
    amount is mg, mcg or g exactly, and a concentration one of them per mL or L. A dose's unit
    (and its hard limits') must also fit the regimen's ``kind`` when it is known.
    """
    expected = kind.unit_words if role == "dose" and kind is not None else _EXPECTED[role]
    if role == "dose":
        try:
            dose_unit = parse_dose_unit(unit)
        except InputError as error:
            return f"'{unit}' is not a dose unit ({error.problem}); the unit expected is {expected}"
        if kind is not None and not kind.fits(dose_unit):
            return f"{kind.words} needs {kind.unit_words}, not '{unit}'"
        return None
    try:
        quantity = parse_quantity(f"1 {unit}", DOSE, "unit")
    except InputError as error:
        return (
            f"'{unit}' is not a unit dosecalc reads ({error.problem}); "
            f"the unit expected is {expected}"
        )
    powers = unit_powers(quantity.units)
    if role in ("pump-rate", "volume"):  # a device's setting: volume, per time for a pump
        volumes = [n for n, p in powers.items() if p == 1 and dimension_of(n) == VOLUME]
        times = [n for n, p in powers.items() if p == -1 and dimension_of(n) == TIME]
        wanted = (1, 1) if role == "pump-rate" else (1, 0)
        if (len(volumes), len(times)) == wanted and len(powers) == sum(wanted):
            return None
        return f"'{unit}' is {describe_dimension(quantity)}; the unit expected is {expected}"
    amount = [name for name, power in powers.items() if power == 1]
    per = [name for name, power in powers.items() if power != 1]
    is_amount = len(amount) == 1 and DoseUnit.of(named_unit(amount[0])) is not None
    fits = is_amount and (
        not per
        if role == "amount"
        else len(per) == 1 and powers[per[0]] == -1 and dimension_of(per[0]) == VOLUME
    )
    if fits:
        return None
    body = any(dimension_of(name) == MASS for name in amount) and not is_amount
    what = describe_dimension(quantity) + (
        " in a unit of body weight (kg, lb, oz and st weigh a patient, never a drug)"
        if body
        else ""
    )
    return f"'{unit}' is {what}; the unit expected is {expected}"


def _no_control_characters(text: str) -> str:
    """Rule text reaches terminals, the app and reports: it may hold no escape sequence,
    bidirectional override or other control character (a line break included)."""
    for character in text:
        if is_control(character):
            raise ValueError(f"holds the control character U+{ord(character):04X}")
    return text


Text = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1),
    AfterValidator(_no_control_characters),
]


def _bounded_decimal(value: Decimal) -> Decimal:
    """Bounded before any arithmetic: 1e99999999 or 1e-99999999 would make an exact
    Fraction with a hundred-million-digit integer, and every calculation on it would hang.
    (Checked here too: some pydantic releases let 1e-99999999 past ``decimal_places``.)"""
    exponent = value.as_tuple().exponent
    if not value.is_finite() or not isinstance(exponent, int) or exponent < -6:
        raise ValueError(f"{value} has more than 6 decimal places")
    if value.adjusted() >= 7:
        raise ValueError(f"{value} is more than 1,000,000")
    return value


PositiveDecimal = Annotated[
    Decimal,
    Field(gt=0, le=1_000_000, max_digits=15, decimal_places=6, allow_inf_nan=False),
    AfterValidator(_bounded_decimal),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Citation(_Strict):
    """Where a rule's numbers come from, down to the words printed there."""

    document: Text = Field(description="The source document's file name or title.")
    description: Text = Field(description="What kind of document it is, so nobody claims more.")
    section: Text
    table: Text | None = None
    quote: Text = Field(description="The row or sentence as printed in the source.")

    @property
    def cited(self) -> str:
        """The citation in words, written the same wherever it is shown: document, section,
        table, and what kind of document it is."""
        table = f", {self.table}" if self.table else ""
        return f"{self.document}, section '{self.section}'{table} ({self.description})"


_PRINTED_NUMBER: Final = re.compile(r"\d[\d,]*(?:\.\d+)?|\.\d+")
_RANGE_REST: Final = re.compile(r"\s*(?:-|\u2013|to)\s*(?:\d[\d,]*(?:\.\d+)?|\.\d+)")
_UNIT_ENDS: Final = re.compile(r"[|;,()]")
_JOINING_WORDS: Final = frozenset({"per", "over", "in"})

SameUnit = Callable[[Decimal, str], bool]
"""Whether a figure printed with a unit (``0.5``, ``"mg/kg/hr"``) is the rule's figure in
the rule's unit; raises `InputError` for words that are no unit of the field's kind."""


def _units_printed(quote: str, end: int) -> list[str]:
    """What may be the unit printed after a figure that ends at ``end`` (past a range's
    other bound: "0.3-0.5 mg/kg/hr"), up to a separator, longest first; "per", "over" and
    "in" read as "/" ("10-40 mg over 24 hours" is mg/24 hours)."""
    rest = quote[end:]
    if (bound := _RANGE_REST.match(rest)) is not None:
        rest = rest[bound.end() :]
    words = ["/" if word in _JOINING_WORDS else word for word in _UNIT_ENDS.split(rest)[0].split()]
    return [" ".join(words[:count]).replace(" / ", "/") for count in range(len(words), 0, -1)]


def _printed_unit_agrees(figure: Decimal, quote: str, end: int, same: SameUnit) -> bool | None:
    """Whether the unit printed after one printing of ``figure`` is the rule's; None when
    none is printed there. A unit of another kind printed there ("24 h" for 24 mg) is not
    the rule's: False, never None."""
    printed = _units_printed(quote, end)
    for words in printed:
        try:
            return same(figure, words)
        except InputError:  # no unit of this kind: fewer words
            continue
    return False if printed and is_unit_word(printed[-1]) else None


def said_in(citation: Citation, what: str, unit: str, same: SameUnit, *numbers: Decimal) -> None:
    """Refuse a figure its citation's quote does not print, or prints only in another unit:
    a rule carries only what its source says, so a slip in copying a figure (0.5 typed as
    5) or its unit (mg/kg/h for mg/kg/hr typed as mg/kg/min) never runs under the source's
    name. A figure is compared as a value (0.50 is 0.5); where the quote prints a unit beside
    it, that unit must be the rule's (``same``)."""
    quote = citation.quote
    printed = [(_printed_value(match[0]), match.end()) for match in _PRINTED_NUMBER.finditer(quote)]
    for number in numbers:
        ends = [end for figure, end in printed if figure == number]
        if not ends:
            raise ValueError(
                f"{what}: {number} is not a figure its source is quoted printing "
                f"({quote!r}): correct the figure, or quote the source's words that give it, "
                "in the rule's unit"
            )
        agrees = [_printed_unit_agrees(number, quote, end, same) for end in ends]
        if False in agrees and True not in agrees and None not in agrees:
            raise ValueError(
                f"{what}: {number} {unit} is printed in its source's quote in another unit only "
                f"({quote!r}): correct the unit, or quote the source's words that give it in "
                "the rule's unit"
            )


def said_as_range(citation: Citation, what: str, low: Decimal, high: Decimal) -> None:
    """Refuse a range whose two bounds its citation's quote does not print as one range
    ("0.3-0.5", "10 to 40"), low first: each bound printed somewhere (`said_in`) is not
    enough, since a bound edited to a figure the quote prints as the other (0.5 made 0.3)
    would pass. A range of one value may be printed alone ("0.3") too."""
    quote = citation.quote
    printed = list(_PRINTED_NUMBER.finditer(quote))
    ranges: set[tuple[Decimal, Decimal]] = set()
    alone: set[Decimal] = set()
    index = 0
    while index < len(printed):
        first = _printed_value(printed[index][0])
        rest = _RANGE_REST.match(quote, printed[index].end())
        if rest is not None and index + 1 < len(printed) and printed[index + 1].end() == rest.end():
            ranges.add((first, _printed_value(printed[index + 1][0])))
            index += 2
        else:
            alone.add(first)
            index += 1
    if (low, high) in ranges or (low == high and low in alone):
        return
    raise ValueError(
        f"{what}: {low} to {high} is not a range its source is quoted printing ({quote!r}): "
        "correct the bounds, or quote the source's words that give this range"
    )


def _printed_value(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


class DoseRange(_Strict):
    """An inclusive range in one dose unit, such as 0.3 to 0.5 mg/kg/h."""

    low: PositiveDecimal
    high: PositiveDecimal
    unit: Text = Field(description="A drug mass, optionally per kg, optionally per time: mg/kg/h.")

    @model_validator(mode="after")
    def _low_not_above_high(self) -> Self:
        if self.low > self.high:
            raise ValueError(f"low ({self.low}) is above high ({self.high})")
        self.quantities()  # the unit is read, and refused if it is none, at load
        return self

    @property
    def dose_unit(self) -> DoseUnit:
        return _dose_unit(self.unit)

    def same_unit(self, figure: Decimal, printed: str) -> bool:
        """`SameUnit` for a bound: the unit printed is this range's (mg/kg/hr is mg/kg/h)."""
        return parse_dose_unit(printed) == self.dose_unit

    def quantities(self) -> tuple[Quantity, Quantity]:
        """Low and high as exact Quantities (TOML decimals become exact fractions)."""
        return _range_quantities(self.low, self.high, self.unit)

    @property
    def display(self) -> str:
        """``0.3 to 0.5 mg/kg/hr``: exactly as the file gives it, in the display's units."""
        return format_range(*self.quantities())


# Read once per distinct value, when the rule file is loaded: every calculation asks for
# them. Keyed by the values, never kept on the model, so a `model_copy` is never stale.
@functools.lru_cache(maxsize=256)
def _dose_unit(text: str) -> DoseUnit:
    return parse_dose_unit(text)


@functools.lru_cache(maxsize=256)
def _range_quantities(low: Decimal, high: Decimal, unit: str) -> tuple[Quantity, Quantity]:
    pint_unit = _dose_unit(unit).pint_unit()
    return (
        registry().Quantity(Fraction(low), pint_unit),
        registry().Quantity(Fraction(high), pint_unit),
    )


class HardLimits(DoseRange):
    """The range no dose may leave without an override: a smart pump's hard limits."""

    source: Citation = Field(description="Where the limits come from (not the dose's source).")


class _RuleQuantity(_Strict):
    """A value and unit in a rule file, of the kind the subclass names."""

    value: PositiveDecimal
    unit: Text
    source: Citation
    _kind: ClassVar[QuantityKind]
    _role: ClassVar[UnitRole]

    @model_validator(mode="after")
    def _fits_kind(self) -> Self:
        problem = unit_problem(self._role, self.unit)
        if problem is not None:
            raise ValueError(f"unit: {problem}")
        parse_quantity(f"{self.value} {self.unit}", self._kind, "unit")
        return self

    def quantity(self) -> Quantity:
        """The value as an exact Quantity, in the file's unit."""
        return parse_quantity(f"{self.value} {self.unit}", self._kind, "unit")

    def same_unit(self, figure: Decimal, printed: str) -> bool:
        """`SameUnit` for the value: the figure in the unit printed is this value."""
        return bool(parse_quantity(f"{figure} {printed}", self._kind, "unit") == self.quantity())


class Amount(_RuleQuantity):
    """A drug amount, such as a maximum per 24 hours, and where it comes from."""

    _kind = DRUG_AMOUNT
    _role = "amount"


class Concentration(_RuleQuantity):
    """A drug concentration, such as a standard 1 mg/mL infusion, and where it comes from."""

    _kind = CONCENTRATION
    _role = "concentration"


class PumpRateStep(_RuleQuantity):
    """The step a library's pumps are set in, such as 0.1 mL/h, and where that is stated: a
    pump rate that is no multiple of it cannot be set as shown."""

    _kind = PUMP_RATE
    _role = "pump-rate"


class MeasurableVolume(_RuleQuantity):
    """The smallest volume a library's syringes measure, such as 0.1 mL, and where that is
    stated: a volume to draw below it cannot be measured as shown."""

    _kind = VOLUME_KIND
    _role = "volume"


class LargestVolumePerDose(_RuleQuantity):
    """The largest volume a library gives as one dose by its route, such as 20 mL for an
    intravenous bolus, and where that is stated: it takes the place of dosecalc's own bound
    (`VOLUME_PER_DOSE_ML`, written with a dose held in the mouth in mind)."""

    _kind = VOLUME_KIND
    _role = "volume"


class RouteCode(_Strict):
    """A terminology code for a route (or for one alternative of it), with its own citation:
    the rule's source names routes in words, so a code is never taken from it."""

    route: Text = Field(
        description="The words it codes: the regimen's route, or one alternative of a route "
        "written with '/' or ' or ' (the one a clinician asked for by name)."
    )
    system: Text = Field(description="The code system's URI, e.g. 'http://snomed.info/sct'.")
    code: Text
    display: Text = Field(description="The code system's own name for the code.")
    source: Text = Field(description="Where this code is from (terminology and edition).")


class DrugName(_Strict):
    """Another name a drug is ordered by (a brand name), with where that name is given: the
    rule's source may name none, so each name carries its own citation."""

    name: Text
    source: Citation


class Regimen(_Strict):
    """One regimen: a drug by one route, its dose range and what to watch for."""

    id: Identifier
    aliases: tuple[Identifier, ...] = Field(default=(), description="Input only.")
    drug: Text
    route: Text = Field(description="Spelled out for display, e.g. 'intravenous infusion'.")
    label: Text = Field(description="The source's own name for the row, e.g. 'Low dose'.")
    kind: KindName
    dose: DoseRange
    side_effects: tuple[Text, ...] = Field(min_length=1)
    supervision: Text
    source: Citation
    source_does_not_specify: tuple[Text, ...] = Field(
        default=(), description="What a clinician would ask that the source leaves open."
    )
    route_codes: tuple[RouteCode, ...] = Field(
        default=(),
        description="Codes for the route, each with its own citation; a route without one is "
        "exported as text only, never given a guessed code.",
    )
    other_names: tuple[DrugName, ...] = Field(
        default=(),
        description="Other names the drug is ordered by (brand names), each with its own "
        "citation: CDS Hooks reads an order named by any of them as one for this drug.",
    )
    # Optional: for a hospital drug library, each limit with its own citation. The shipped
    # rules set none (the source gives none). Each acts: see the module's docstring.
    hard_limits: HardLimits | None = Field(
        default=None, description="A dose outside them is reported apart from the range."
    )
    max_per_24h: Amount | None = Field(
        default=None, description="A range or dose whose total per 24 hours can exceed it warns."
    )
    standard_concentrations: tuple[Concentration, ...] = Field(
        default=(), description="Offered as quick choices; any other concentration warns."
    )
    pump_rate_increment: PumpRateStep | None = Field(
        default=None,
        description="The step the library's pumps are set in: a pump rate that is no multiple "
        "of it warns, with the settings either side.",
    )
    smallest_measurable_volume: MeasurableVolume | None = Field(
        default=None,
        description="The smallest volume the library's syringes measure: a volume to draw "
        "below it warns.",
    )
    largest_volume_per_dose: LargestVolumePerDose | None = Field(
        default=None,
        description="The largest volume given as one dose by the regimen's route: a volume per "
        "dose above it warns, in place of dosecalc's own bound of 5 mL.",
    )
    reviewed_by: Text | None = None
    review_date: dt.date | None = None

    @property
    def regimen_kind(self) -> RegimenKind:
        """What the rule's kind means (`dosecalc.ruleset.kinds`)."""
        return KINDS[self.kind]

    @model_validator(mode="before")
    @classmethod
    def _units_of_their_fields(cls, data: object) -> object:
        """Every quantity's unit has the dimension its field holds, checked as the folder
        loads (`unit_problem`), before each field reads its own, so that the message names
        the regimen, the field and the unit expected."""
        if not isinstance(data, dict):
            return data
        raw_id, raw_kind = data.get("id"), data.get("kind")
        named = (
            f"regimen '{raw_id}'"
            if isinstance(raw_id, str) and re.fullmatch(_IDENTIFIER, raw_id)
            else "this regimen (its id unreadable)"
        )
        kind = next((k for name, k in KINDS.items() if name == raw_kind), None)
        for field, role in QUANTITY_FIELDS.items():
            value = data.get(field)
            entries = value if isinstance(value, list | tuple) else [value]
            for position, entry in enumerate(entries):
                unit = entry.get("unit") if isinstance(entry, dict) else None
                if not isinstance(unit, str) or any(is_control(c) for c in unit):
                    continue  # missing, or not text: the field's own validation says so
                problem = unit_problem(role, unit.strip(), kind)
                if problem is not None:
                    where = f"{field}[{position}]" if isinstance(value, list | tuple) else field
                    if field == "hard_limits" and kind is not None:
                        problem = f"hard_limits must be in the same kind of unit as dose: {problem}"
                    raise ValueError(f"{named}: {where}.unit: {problem}")
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        kind = self.regimen_kind
        if not kind.fits(self.dose.dose_unit):
            raise ValueError(
                f"regimen '{self.id}': dose.unit: {kind.words} needs {kind.unit_words}, "
                f"not '{self.dose.unit}'"
            )
        if len(set(self.aliases)) != len(self.aliases) or self.id in self.aliases:
            raise ValueError("aliases must be unique and differ from the id")
        coded = [code.route.lower() for code in self.route_codes]
        words = {self.route.lower(), *route_alternatives(self.route)}
        if not set(coded) <= words or len(set(coded)) != len(coded):
            raise ValueError(
                f"route_codes: each codes the route '{self.route}' or one alternative of it "
                f"({', '.join(sorted(words))}), once"
            )
        if self.review_date is not None and is_after_today(self.review_date):
            raise ValueError(
                f"review_date {self.review_date} is in the future (today is {local_today()} "
                "here, and a day later is allowed for a zone ahead): a review is dated when done"
            )
        if self.largest_volume_per_dose is not None and kind.is_rate:
            raise ValueError(
                f"regimen '{self.id}': largest_volume_per_dose is for a dose given at once, "
                f"and {kind.words} is a rate: remove it, or use a dose kind"
            )
        if self.hard_limits is not None:
            self._within_hard_limits(self.hard_limits)
        if self.max_per_24h is not None:
            self._can_keep_below(self.max_per_24h)
        self._as_quoted()
        return self

    def _as_quoted(self) -> None:
        """Each figure the rule carries is one its own citation prints (`said_in`)."""
        named = f"regimen '{self.id}'"
        dose = self.dose
        said_in(self.source, f"{named}: dose", dose.unit, dose.same_unit, dose.low, dose.high)
        said_as_range(self.source, f"{named}: dose", dose.low, dose.high)
        if self.hard_limits is not None:
            limits = self.hard_limits
            bounds = (limits.low, limits.high)
            said_in(limits.source, f"{named}: hard_limits", limits.unit, limits.same_unit, *bounds)
            said_as_range(limits.source, f"{named}: hard_limits", *bounds)
        single: dict[str, Sequence[_RuleQuantity | None]] = {
            "max_per_24h": [self.max_per_24h],
            "standard_concentrations": self.standard_concentrations,
            "pump_rate_increment": [self.pump_rate_increment],
            "smallest_measurable_volume": [self.smallest_measurable_volume],
            "largest_volume_per_dose": [self.largest_volume_per_dose],
        }
        for field, values in single.items():
            for value in values:
                if value is not None:
                    said_in(
                        value.source, f"{named}: {field}", value.unit, value.same_unit, value.value
                    )

    def _within_hard_limits(self, limits: HardLimits) -> None:
        """A range that crosses its own hard limits would flag every dose it recommends."""
        if not self.regimen_kind.fits(limits.dose_unit):
            raise ValueError(
                f"regimen '{self.id}': hard_limits.unit: hard_limits must be in the same kind "
                f"of unit as dose ('{self.dose.unit}'): {self.regimen_kind.unit_words}"
            )
        (low, high), (hard_low, hard_high) = self.dose.quantities(), limits.quantities()
        if low < hard_low or high > hard_high:
            raise ValueError(
                f"the dose range {self.dose.display} lies outside its own hard limits "
                f"{limits.display}: correct the range or the limits"
            )

    def _can_keep_below(self, maximum: Amount) -> None:
        """A range not per kg whose lowest dose already passes the maximum per 24 hours could
        never be given within it (one per kg is judged for each patient)."""
        kind = self.regimen_kind
        if kind.per_kg:
            return
        low = self.dose.quantities()[0]
        if kind.is_rate:
            low = low * registry().Quantity(Fraction(24), named_unit("hour"))
        if low > maximum.quantity():
            raise ValueError(
                f"the lowest dose of {self.dose.display} is more than max_per_24h "
                f"({format_exact(maximum.quantity())}"
                f"{' in 24 hours' if kind.is_rate else ''}): correct the range or the maximum"
            )

    def route_code_for(self, name: str) -> RouteCode | None:
        """The code for the route a clinician asked for by ``name`` (an alternative of the
        route, such as "buccal"), else the code for the whole route, else None."""
        asked = name.strip().lower()
        by_route = {code.route.lower(): code for code in self.route_codes}
        return by_route.get(asked, by_route.get(self.route.lower()))


class RuleFile(_Strict):
    """A rule file: a version and its regimens."""

    schema_version: Literal[1]
    version: Text = Field(description="Bumped on every reviewed change of this file.")
    regimens: list[Regimen] = Field(min_length=1)  # read once: the loader keeps a tuple
