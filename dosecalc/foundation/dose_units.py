"""Dose units taken apart, the forms a dose is written in, and the units results are in.

pint reduces ``mg/kg/h`` to 1/time; a `DoseUnit` keeps the drug amount, the per kg and
the per time apart, so a weight-based rate is never mistaken for an absolute one. Each
form's shape (`DOSE_FORMS`) and each canonical unit of a result (mg/h, mL/h, mcg/kg/min)
have their home here.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, Literal

import pint

from dosecalc.foundation.unit_registry import (
    FLOW,
    VOLUME,
    Dimension,
    Quantity,
    Unit,
    dimension_of,
    named_unit,
    unit_powers,
)

_DRUG_AMOUNT_UNITS: Final = frozenset({"gram", "milligram", "microgram"})
BODY_WEIGHT_UNITS: Final = frozenset({"kilogram"})
_TIME_UNITS: Final = frozenset({"hour", "minute", "day"})


@dataclass(frozen=True)
class DoseUnit:
    """A dose unit taken apart: drug amount, per kg of body weight, per time.

    pint reduces ``mg/kg/h`` to 1/time; keeping the parts separate means a
    weight-based rate can never be mistaken for an absolute one.
    """

    amount: str
    per_body_weight: str | None
    per_time: str | None

    @property
    def is_weight_based(self) -> bool:
        return self.per_body_weight is not None

    @property
    def is_rate(self) -> bool:
        return self.per_time is not None

    def pint_unit(self) -> Unit:
        text = "/".join(p for p in (self.amount, self.per_body_weight, self.per_time) if p)
        return named_unit(text)

    @classmethod
    def of(cls, unit: Unit) -> DoseUnit | None:
        """The parts of ``unit`` if it is a dose unit (g, mg or mcg; per kg; per hr, min or
        day), else None."""
        return _dose_unit_of(pint.util.to_units_container(unit))


# Read once per distinct unit (by its terms, never by Unit: see `_dimension`); a DoseUnit
# is frozen, so one is shared safely.
@functools.lru_cache(maxsize=256)
def _dose_unit_of(unit: pint.util.UnitsContainer) -> DoseUnit | None:
    """`DoseUnit.of`, worked out."""
    powers = unit_powers(unit)
    amounts = [name for name, power in powers.items() if power == 1]
    per = {name for name, power in powers.items() if power == -1}
    per_weight, per_time = per & BODY_WEIGHT_UNITS, per & _TIME_UNITS
    if (
        len(amounts) != 1
        or amounts[0] not in _DRUG_AMOUNT_UNITS
        or len(per_weight) > 1
        or len(per_time) > 1
        or len(powers) != 1 + len(per_weight) + len(per_time)
    ):
        return None
    return DoseUnit(amounts[0], next(iter(per_weight), None), next(iter(per_time), None))


DoseForm = Literal[
    "weight-based-rate", "absolute-rate", "pump-rate", "fixed-dose", "volume", "weight-based-dose"
]
"""The form a dose is written in, recognised from its unit (see `dose_form`)."""


# The units dosecalc works a figure out in, one home each (a figure is shown in its own).
AMOUNT_UNIT: Final = "mg"
"""A dose, a total per 24 hours, an amount of drug in a preparation."""
DOSE_RATE_UNIT: Final = "mg/h"
DAILY_RATE_UNIT: Final = "mg/day"
"""A rate per 24 hours stays per 24 hours: mg/kg/24 h gives mg/24 h, as written."""
PER_KG_PER_MIN_UNIT: Final = "mcg/kg/min"
PUMP_RATE_UNIT: Final = "mL/h"
VOLUME_UNIT: Final = "mL"
CONCENTRATION_UNIT: Final = "mg/mL"
HOUR_UNIT: Final = "h"


@dataclass(frozen=True)
class FormShape:
    """What a dose form is made of: per kg of body weight, per time, in volume; in words;
    and the unit a dose of this form is worked in."""

    per_kg: bool
    is_rate: bool
    in_volume: bool
    words: str
    unit: str


DOSE_FORMS: Final[Mapping[DoseForm, FormShape]] = MappingProxyType(
    {
        "weight-based-rate": FormShape(True, True, False, "a rate per kg", "mg/kg/h"),
        "absolute-rate": FormShape(False, True, False, "a rate", DOSE_RATE_UNIT),
        "pump-rate": FormShape(False, True, True, "a pump rate", PUMP_RATE_UNIT),
        "fixed-dose": FormShape(False, False, False, "a dose without a time", AMOUNT_UNIT),
        "volume": FormShape(False, False, True, "a volume", VOLUME_UNIT),
        "weight-based-dose": FormShape(True, False, False, "a dose per kg without a time", "mg/kg"),
    }
)
"""Each form's shape, the one home of what a form is: a regimen kind converts each form by
it (`dosecalc.ruleset.kinds`); the audit works each form in its unit."""

RATE_FORMS: Final[frozenset[DoseForm]] = frozenset(
    form for form, shape in DOSE_FORMS.items() if shape.is_rate
)
_FORMS_BY_DIMENSION: Final[dict[Dimension, DoseForm]] = {FLOW: "pump-rate", VOLUME: "volume"}


def dose_form(unit: Unit) -> DoseForm | None:
    """The form of a dose written in ``unit``, from its parts; None if it is no dose.

    pint reduces mg/kg/h to 1/time, so "per kg" is read from the unit's parts,
    never from its dimension.
    """
    parts = DoseUnit.of(unit)
    if parts is not None:
        if parts.is_weight_based:
            return "weight-based-rate" if parts.is_rate else "weight-based-dose"
        return "absolute-rate" if parts.is_rate else "fixed-dose"
    return _FORMS_BY_DIMENSION.get(dimension_of(unit))


@dataclass(frozen=True)
class Dose:
    """A dose as entered: its exact quantity, its form, and the parts of its unit (None for
    a pump rate or a volume, which become a drug amount only with a concentration).
    ``written_as`` is a rate written as an amount over a stated time ("17.5 mg/30 min"):
    that amount and time, which a face shows and works from as written, never the rate
    they reduce to ("7 mg in 12 min")."""

    quantity: Quantity
    unit: DoseUnit | None
    form: DoseForm
    written_as: tuple[Quantity, Quantity] | None = None
