"""Regimen kinds: what each kind of dose range means, in one object per kind.

A rule names its kind (``kind = "weight-based-rate"``); everything that depends on
it is answered here and nowhere else: which dose units fit the rule, whether the
range is per kg of the patient (so needs a weight), whether it is a rate (so has a
per-24-hour total, a pump rate and, per kg, a titration table) or an amount per dose
(so has a volume), which forms of a proposed dose fit it, how each converts to the
rule's unit, its words, and its FHIR element. Adding a kind means adding one object
to `KINDS` (and its tests); the calculator, the check, the audit and every output
read these fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from fractions import Fraction
from types import MappingProxyType
from typing import Final, Literal, TypeVar

from dosecalc.foundation.dose_units import (
    AMOUNT_UNIT,
    DOSE_FORMS,
    DOSE_RATE_UNIT,
    PUMP_RATE_UNIT,
    VOLUME_UNIT,
    DoseForm,
    DoseUnit,
)
from dosecalc.foundation.unit_registry import (
    Quantity,
    convert,
    named_unit,
    registry,
)

KindName = Literal["weight-based-rate", "absolute-rate", "weight-based-dose", "fixed-dose"]

_Figure = TypeVar("_Figure")
_Number = TypeVar("_Number")


class ConversionStep(Enum):
    """One step from a dose as written to the rule's unit: mL to mg, per kg to per patient,
    per patient to per kg. An enum, so that a misspelt step is an error, never a branch
    that silently never runs. Its value is the step in symbols: operator, then factor."""

    TIMES_CONCENTRATION = "× concentration"
    TIMES_WEIGHT = "× weight"
    PER_WEIGHT = "÷ weight"

    @property
    def needs_weight(self) -> bool:
        """The step multiplies or divides by the patient's weight."""
        return self is not ConversionStep.TIMES_CONCENTRATION

    @property
    def factor(self) -> str:
        """What the step multiplies or divides by: 'concentration' or 'weight'."""
        return self.value.split()[1]

    @property
    def operator(self) -> str:
        """``×`` or ``÷``, as the step is written in a line of working."""
        return "÷" if self is ConversionStep.PER_WEIGHT else "×"

    def apply(self, amount: _Number, factor: _Number) -> _Number:
        """``amount`` taken through this step by its ``factor`` (the concentration or the
        weight the step names)."""
        return amount / factor if self is ConversionStep.PER_WEIGHT else amount * factor  # type: ignore[operator,no-any-return]


@dataclass(frozen=True)
class RegimenKind:
    """One kind of dose range, and everything that follows from it."""

    name: KindName
    per_kg: bool
    """The range is per kg of the patient's dosing weight: applying it needs a weight."""
    is_rate: bool
    """The range is per time: it has a total per 24 hours and, with a concentration, a
    pump rate (mL/hr); otherwise it is per dose and has a volume (mL)."""
    words: str
    """The kind in words: 'a weight-based rate'."""
    unit_words: str
    """What its unit is made of, and an example: 'a unit per kg per time (e.g. mg/kg/h)'."""
    forms: frozenset[DoseForm]
    """The forms of a proposed dose that a check reads against this kind of range."""
    enter: str
    """What to enter for a check of this kind, in words with examples."""
    patient_unit: str | None
    """The unit of the range applied to the patient (mg/h for a rate per kg, mg for a dose
    per kg); None keeps the rule's own unit (a range not per kg is the patient's range)."""
    read_as: str
    """How dosecalc reads a range of this kind, whose source states no frequency."""
    ordered_as: str
    """A dose for the patient, in a line of working: 'as a dose rate: 0.3 mg/kg/hr × …'."""
    for_every_patient: str | None
    """A range not per kg, as printed in the source, in words; None for a range per kg (it
    is no patient's until applied to a weight)."""
    measured_in: str | None
    """What a range not per kg is in, said where the weight is not used; None for a range
    per kg."""
    applies: str
    """Of whom a range's figures hold: 'At this weight' or 'Whatever the weight'."""
    top_in_24_hours: str
    """The top of a range against a maximum per 24 hours, ``{}`` its total."""
    order_in_24_hours: str
    """An order against a maximum per 24 hours, ``{}`` its total."""

    @property
    def has_titration(self) -> bool:
        """A rate per kg is titrated across its range: a table of equal steps."""
        return self.per_kg and self.is_rate

    @property
    def fhir_element(self) -> str:
        """Where the range goes in a FHIR ``Dosage.doseAndRate``."""
        return "rateRange" if self.is_rate else "doseRange"

    def fits(self, unit: DoseUnit) -> bool:
        """A rule unit fits this kind if it is per kg and per time exactly as the kind is."""
        return (unit.is_weight_based, unit.is_rate) == (self.per_kg, self.is_rate)

    @property
    def delivered_unit(self) -> str:
        """What a concentration turns a patient's dose into: a pump rate for a rate, a
        volume for a dose per administration."""
        return PUMP_RATE_UNIT if self.is_rate else VOLUME_UNIT

    def as_rate_or_amount(self, figure: _Figure) -> tuple[_Figure | None, _Figure | None]:
        """``figure`` in its place of a (rate, amount) pair: a rate's, or a dose's."""
        return (figure, None) if self.is_rate else (None, figure)

    def per_patient(self, in_rule_units: Quantity, for_weight: Quantity | None) -> Quantity | None:
        """An order for the patient: the order in the rule's unit when the range is not per
        kg; otherwise ``for_weight``, the order worked for the dosing weight (None without
        one)."""
        return for_weight if self.per_kg else in_rule_units

    def in_24_hours(self, per_patient: Quantity) -> Quantity:
        """What an order gives in 24 hours as written, in mg, to compare with a maximum per
        24 hours: a rate run for 24 hours, or one dose itself (no frequency is read, so one
        dose is all that is known of its 24 hours)."""
        mg = named_unit(AMOUNT_UNIT)
        if self.is_rate:
            day = registry().Quantity(Fraction(24), named_unit("hour"))
            per_day: Quantity = (per_patient * day).to(mg)
            return per_day
        return convert(per_patient, mg)

    def conversion(self, form: DoseForm) -> tuple[ConversionStep, ...]:
        """The steps that take a dose of ``form`` (one of `forms`) to the rule's unit."""
        shape = DOSE_FORMS[form]
        steps: list[ConversionStep] = []
        if shape.in_volume:
            steps.append(ConversionStep.TIMES_CONCENTRATION)
        if shape.per_kg and not self.per_kg:
            steps.append(ConversionStep.TIMES_WEIGHT)
        if self.per_kg and not shape.per_kg:
            steps.append(ConversionStep.PER_WEIGHT)
        return tuple(steps)

    def needs_weight(self, form: DoseForm) -> bool:
        """A dose of ``form`` is compared with this kind of range only through a weight."""
        return any(step.needs_weight for step in self.conversion(form))


KINDS: Final[Mapping[KindName, RegimenKind]] = MappingProxyType(
    {
        kind.name: kind
        for kind in (
            RegimenKind(
                name="weight-based-rate",
                per_kg=True,
                is_rate=True,
                words="a weight-based rate",
                unit_words="a unit per kg per time (e.g. mg/kg/h)",
                forms=frozenset({"weight-based-rate", "absolute-rate", "pump-rate"}),
                enter="a rate, e.g. '30 mg/hr', '0.4 mg/kg/hr' or '25 mL/hr'",
                patient_unit=DOSE_RATE_UNIT,
                read_as="a rate",
                ordered_as="as a dose rate",
                for_every_patient=None,
                measured_in=None,
                applies="At this weight",
                top_in_24_hours="gives {} per 24 hours",
                order_in_24_hours="at this rate, {} per 24 hours",
            ),
            RegimenKind(
                name="absolute-rate",
                per_kg=False,
                is_rate=True,
                words="an absolute rate",
                unit_words="a drug amount per time (e.g. mg/h or mg/24 h)",
                forms=frozenset({"absolute-rate", "pump-rate", "weight-based-rate"}),
                enter="a rate, e.g. '30 mg/24 h', '1.25 mg/hr' or '2 mL/hr'",
                patient_unit=None,
                read_as="a rate",
                ordered_as="as a dose rate",
                for_every_patient="rate for every patient",
                measured_in="an amount per time",
                applies="Whatever the weight",
                top_in_24_hours="gives {} per 24 hours",
                order_in_24_hours="at this rate, {} per 24 hours",
            ),
            RegimenKind(
                name="weight-based-dose",
                per_kg=True,
                is_rate=False,
                words="a weight-based dose",
                unit_words="a drug amount per kg (e.g. mg/kg)",
                forms=frozenset({"weight-based-dose", "fixed-dose", "volume"}),
                enter="a dose per administration, e.g. '0.5 mg/kg', '35 mg' or '3.5 mL'",
                patient_unit=AMOUNT_UNIT,
                read_as="a dose per administration",
                ordered_as="as a dose",
                for_every_patient=None,
                measured_in=None,
                applies="At this weight",
                top_in_24_hours="is one dose of {}",
                order_in_24_hours="this one dose, {}",
            ),
            RegimenKind(
                name="fixed-dose",
                per_kg=False,
                is_rate=False,
                words="a fixed dose",
                unit_words="a plain drug amount (e.g. mg)",
                forms=frozenset({"fixed-dose", "volume"}),
                enter="a dose per administration, e.g. '25 mg' or '2.5 mL'",
                patient_unit=None,
                read_as="a dose per administration",
                ordered_as="as a dose",
                for_every_patient="fixed dose per administration",
                measured_in="a drug amount",
                applies="Whatever the weight",
                top_in_24_hours="is one dose of {}",
                order_in_24_hours="this one dose, {}",
            ),
        )
    }
)
"""Every kind a rule may name, by name."""
