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
from types import MappingProxyType
from typing import Final, Literal

from dosecalc.foundation.units import (
    AMOUNT_UNIT,
    DOSE_FORMS,
    DOSE_RATE_UNIT,
    DoseForm,
    DoseUnit,
)

KindName = Literal["weight-based-rate", "absolute-rate", "weight-based-dose", "fixed-dose"]

ConversionStep = Literal["× concentration", "× weight", "÷ weight"]
"""One step from a dose as written to the rule's unit: mL to mg, per kg to per patient,
per patient to per kg."""


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

    def conversion(self, form: DoseForm) -> tuple[ConversionStep, ...]:
        """The steps that take a dose of ``form`` (one of `forms`) to the rule's unit."""
        shape = DOSE_FORMS[form]
        steps: list[ConversionStep] = []
        if shape.in_volume:
            steps.append("× concentration")
        if shape.per_kg and not self.per_kg:
            steps.append("× weight")
        if self.per_kg and not shape.per_kg:
            steps.append("÷ weight")
        return tuple(steps)


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
            ),
        )
    }
)
"""Every kind a rule may name, by name."""
