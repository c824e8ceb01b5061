"""The schema of a rule file (``rules/*.toml``).

A rule file carries only what a cited source says. The optional fields at the
end of `Regimen` are for a hospital drug library (hard limits, a maximum per
24 hours, standard concentrations, review); the shipped file leaves them out
because the source gives none of them, and the three limits are refused until
dosecalc enforces them. ``rules/schema.json`` is generated
from these models (``dosecalc rules --schema``) and a test keeps it in step.
"""

from __future__ import annotations

import datetime as dt
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

from dosecalc.foundation.text import is_control, route_alternatives
from dosecalc.foundation.units import (
    CONCENTRATION,
    DRUG_AMOUNT,
    DoseUnit,
    Quantity,
    QuantityKind,
    parse_dose_unit,
    parse_quantity,
    registry,
)

RegimenKind = Literal["weight-based-rate", "fixed-dose"]
Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]


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


class DoseRange(_Strict):
    """An inclusive range in one dose unit, such as 0.3 to 0.5 mg/kg/h."""

    low: PositiveDecimal
    high: PositiveDecimal
    unit: Text = Field(description="A drug mass, optionally per kg, optionally per time: mg/kg/h.")

    @model_validator(mode="after")
    def _low_not_above_high(self) -> Self:
        if self.low > self.high:
            raise ValueError(f"low ({self.low}) is above high ({self.high})")
        parse_dose_unit(self.unit)
        return self

    @property
    def dose_unit(self) -> DoseUnit:
        return parse_dose_unit(self.unit)

    def quantities(self) -> tuple[Quantity, Quantity]:
        """Low and high as exact Quantities (TOML decimals become exact fractions)."""
        unit = self.dose_unit.pint_unit()
        return (
            registry().Quantity(Fraction(self.low), unit),
            registry().Quantity(Fraction(self.high), unit),
        )


class _RuleQuantity(_Strict):
    """A value and unit in a rule file, of the kind the subclass names."""

    value: PositiveDecimal
    unit: Text
    _kind: ClassVar[QuantityKind]

    @model_validator(mode="after")
    def _fits_kind(self) -> Self:
        parse_quantity(f"{self.value} {self.unit}", self._kind, "unit")
        return self


class Amount(_RuleQuantity):
    """A drug amount, such as a maximum per 24 hours."""

    _kind = DRUG_AMOUNT


class Concentration(_RuleQuantity):
    """A drug concentration, such as a standard 1 mg/mL infusion."""

    _kind = CONCENTRATION


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


class Regimen(_Strict):
    """One regimen: a drug by one route, its dose range and what to watch for."""

    id: Identifier
    aliases: list[Identifier] = Field(default_factory=list, description="Input only.")
    drug: Text
    route: Text = Field(description="Spelled out for display, e.g. 'intravenous infusion'.")
    label: Text = Field(description="The source's own name for the row, e.g. 'Low dose'.")
    kind: RegimenKind
    dose: DoseRange
    side_effects: list[Text] = Field(min_length=1)
    supervision: Text
    source: Citation
    source_does_not_specify: list[Text] = Field(
        default_factory=list, description="What a clinician would ask that the source leaves open."
    )
    route_codes: list[RouteCode] = Field(
        default_factory=list,
        description="Codes for the route, each with its own citation; a route without one is "
        "exported as text only, never given a guessed code.",
    )
    # Optional: for a hospital drug library. Not used by the shipped rules; the three
    # limits are refused until dosecalc enforces them (see _LIMITS_NOT_YET_ENFORCED).
    hard_limits: DoseRange | None = None
    max_per_24h: Amount | None = None
    standard_concentrations: list[Concentration] = Field(default_factory=list)
    reviewed_by: Text | None = None
    review_date: dt.date | None = None

    @model_validator(mode="after")
    def _unit_fits_kind(self) -> Self:
        unit = self.dose.dose_unit
        if self.kind == "weight-based-rate" and not (unit.is_weight_based and unit.is_rate):
            raise ValueError(
                f"a weight-based rate needs a unit per kg per time (e.g. mg/kg/h), "
                f"not '{self.dose.unit}'"
            )
        if self.kind == "fixed-dose" and (unit.is_weight_based or unit.is_rate):
            raise ValueError(
                f"a fixed dose needs a plain drug amount (e.g. mg), not '{self.dose.unit}'"
            )
        limits = self.hard_limits
        if limits is not None and (limits.dose_unit.is_weight_based, limits.dose_unit.is_rate) != (
            unit.is_weight_based,
            unit.is_rate,
        ):
            raise ValueError(
                f"hard_limits must be in the same kind of unit as dose ('{self.dose.unit}')"
            )
        coded = [code.route.lower() for code in self.route_codes]
        words = {self.route.lower(), *route_alternatives(self.route)}
        if not set(coded) <= words or len(set(coded)) != len(coded):
            raise ValueError(
                f"route_codes: each codes the route '{self.route}' or one alternative of it "
                f"({', '.join(sorted(words))}), once"
            )
        if len(set(self.aliases)) != len(self.aliases) or self.id in self.aliases:
            raise ValueError("aliases must be unique and differ from the id")
        unchecked = [name for name in _LIMITS_NOT_YET_ENFORCED if getattr(self, name)]
        if unchecked:
            raise ValueError(
                f"{', '.join(unchecked)}: dosecalc does not enforce "
                f"{'this' if len(unchecked) == 1 else 'these'} yet, and a limit that nothing "
                "checks would be trusted as if it were. Remove it from the rule file"
            )
        return self

    def route_code_for(self, name: str) -> RouteCode | None:
        """The code for the route a clinician asked for by ``name`` (an alternative of the
        route, such as "buccal"), else the code for the whole route, else None."""
        asked = name.strip().lower()
        by_route = {code.route.lower(): code for code in self.route_codes}
        return by_route.get(asked, by_route.get(self.route.lower()))


_LIMITS_NOT_YET_ENFORCED: Final = ("hard_limits", "max_per_24h", "standard_concentrations")
"""Validated for their shape, then refused: a pharmacist who configures a limit believes it
acts, so until calculate, check and audit act on one, a rule file may not set it."""


class RuleFile(_Strict):
    """A rule file: a version and its regimens."""

    schema_version: Literal[1]
    version: Text = Field(description="Bumped on every reviewed change of this file.")
    regimens: list[Regimen] = Field(min_length=1)
