"""`calculate`: the source's range for one regimen, applied to one patient.

The arithmetic is exact (rational magnitudes): a weight-based rate times the
dosing weight, converted by pint; a fixed dose is taken as printed. Nothing
is shown for an input that is not valid: every check raises before any
number is computed.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Final

from dosecalc.clinical.plausibility import concentration_warnings, delivery_warnings
from dosecalc.clinical.result import (
    DOSE_RATE_UNIT,
    PUMP_RATE_UNIT,
    Basis,
    DoseResult,
    QuantityRange,
)
from dosecalc.foundation.display import (
    format_body,
    format_exact,
    format_number,
    format_range_bounds,
)
from dosecalc.foundation.units import (
    CONCENTRATION,
    Quantity,
    is_given,
    named_unit,
    parse_quantity,
    registry,
)
from dosecalc.patient.body import (
    ADJUSTED_WEIGHT_FACTOR,
    DEVINE_BASE_KG,
    DEVINE_FROM_INCHES,
    DEVINE_KG_PER_INCH,
    DosingWeight,
    Patient,
    assess_patient,
    choose_dosing_weight,
    read_basis,
)
from dosecalc.ruleset.loader import RuleSet, cached_rules, default_rules_path, load_rules
from dosecalc.ruleset.schema import Regimen, RegimenKind

DAILY_DOSE_UNIT: Final = "mg"
PER_KG_PER_MIN_UNIT: Final = "mcg/kg/min"
FIXED_DOSE_UNIT: Final = "mg"
VOLUME_UNIT: Final = "mL"

Rules = RuleSet | str | os.PathLike[str] | None


def calculate(
    *,
    weight: object,
    regimen: str,
    concentration: object = None,
    height: object = None,
    sex: str | None = None,
    basis: str = "actual",
    rules: Rules = None,
) -> DoseResult:
    """Apply a regimen's range from the rules to a patient.

    ``weight``, ``height`` and ``concentration`` take text ("70 kg",
    "5 ft 7 in", "50 mg/5 mL") or pint Quantities. ``regimen`` is a rule id or
    alias ("iv-infusion", "iv", "sl"). ``basis`` is actual, ideal or adjusted
    (the last two need height and sex). ``rules`` is a `RuleSet`, a rule
    folder, or None for the rules in force (`default_rules_path`).

    Raises `InputError` for any unusable input and `RulesError` for an
    invalid rule folder; never returns a result built on either.
    """
    rule_set = rule_set_of(rules)
    rule = rule_set.find(regimen)
    chosen_basis = read_basis(basis)
    patient, warnings = assess_patient(weight, height, sex)
    dosing_weight, basis_warnings = choose_dosing_weight(patient, chosen_basis)
    conc = parse_quantity(concentration, CONCENTRATION) if is_given(concentration) else None
    parts = _BY_KIND[rule.kind](rule, dosing_weight, conc)
    inputs = {
        "weight": _entered(weight, patient.weight),
        "regimen": regimen,
        "concentration": _entered(concentration, conc),
        "height": _entered(height, patient.height),
        "sex": patient.sex,
        "basis": chosen_basis,
    }
    steps = [*_weight_steps(patient, dosing_weight, rule.kind), *parts.steps]
    citation = rule.source
    source = (
        f"{citation.document}, section '{citation.section}'"
        + (f", {citation.table}" if citation.table else "")
        + f" ({citation.description})"
    )
    return DoseResult(
        drug=rule.drug,
        regimen=rule.id,
        route=rule.route,
        kind=rule.kind,
        rule_range=QuantityRange.between(*rule.dose.quantities()),
        patient=patient,
        dosing_weight=dosing_weight if rule.kind == "weight-based-rate" else None,
        concentration=conc,
        dose=parts.dose,
        dose_per_24h=parts.dose_per_24h,
        dose_per_kg_per_min=parts.dose_per_kg_per_min,
        pump_rate=parts.pump_rate,
        volume=parts.volume,
        side_effects=list(rule.side_effects),
        supervision=rule.supervision,
        warnings=[
            *warnings,
            *basis_warnings,
            *(concentration_warnings(conc) if conc is not None else []),
            *delivery_warnings(parts.pump_rate, parts.volume),
        ],
        notes=[*parts.notes, _not_specified(rule)] if rule.source_does_not_specify else parts.notes,
        basis=Basis(
            inputs=inputs,
            formula=parts.formula,
            steps=steps,
            rule=rule.id,
            source=source,
            source_quote=citation.quote,
            rules_version=rule_set.version,
            rules_sha256=rule_set.sha256,
        ),
    )


@dataclass(frozen=True, kw_only=True)
class _Parts:
    """The regimen-specific part of a result."""

    dose: QuantityRange
    formula: str
    steps: list[str]
    notes: list[str]
    dose_per_24h: QuantityRange | None = None
    dose_per_kg_per_min: QuantityRange | None = None
    pump_rate: QuantityRange | None = None
    volume: QuantityRange | None = None


def _weight_based_rate(rule: Regimen, dosing: DosingWeight, conc: Quantity | None) -> _Parts:
    low_rate, high_rate = rule.dose.quantities()
    weight = dosing.quantity
    dose = QuantityRange.between(
        (low_rate * weight).to(named_unit(DOSE_RATE_UNIT)),
        (high_rate * weight).to(named_unit(DOSE_RATE_UNIT)),
    )
    day = registry().Quantity(Fraction(24), named_unit("h"))
    per_24h = QuantityRange.between(
        (dose.low * day).to(named_unit(DAILY_DOSE_UNIT)),
        (dose.high * day).to(named_unit(DAILY_DOSE_UNIT)),
    )
    per_min = QuantityRange.between(
        low_rate.to(named_unit(PER_KG_PER_MIN_UNIT)), high_rate.to(named_unit(PER_KG_PER_MIN_UNIT))
    )
    rule_low, rule_high = format_exact(low_rate), format_exact(high_rate)
    dose_low, dose_high = _bounds(dose)
    day_low, day_high = _bounds(per_24h)
    min_low, min_high = _bounds(per_min)
    weight_text = format_body(weight)
    steps = [
        f"per 24 hours: {dose_low} × 24 hr = {day_low}; {dose_high} × 24 hr = {day_high}",
        f"per kg per minute: {rule_low} = {min_low}; {rule_high} = {min_high}",
    ]
    pump = None
    if conc is not None:
        pump = QuantityRange.between(
            (dose.low / conc).to(named_unit(PUMP_RATE_UNIT)),
            (dose.high / conc).to(named_unit(PUMP_RATE_UNIT)),
        )
        conc_text = format_exact(conc)
        pump_low, pump_high = _bounds(pump)
        steps.append(
            f"pump rate: {dose_low} ÷ {conc_text} = {pump_low}; "
            f"{dose_high} ÷ {conc_text} = {pump_high}"
        )
    return _Parts(
        dose=dose,
        formula=(
            f"{rule_low} × {weight_text} = {dose_low}; {rule_high} × {weight_text} = {dose_high}"
        ),
        steps=steps,
        notes=[],
        dose_per_24h=per_24h,
        dose_per_kg_per_min=per_min,
        pump_rate=pump,
    )


def _fixed_dose(rule: Regimen, dosing: DosingWeight, conc: Quantity | None) -> _Parts:
    low, high = (bound.to(named_unit(FIXED_DOSE_UNIT)) for bound in rule.dose.quantities())
    dose = QuantityRange.between(low, high)
    steps, volume = [], None
    if conc is not None:
        volume = QuantityRange.between(
            (low / conc).to(named_unit(VOLUME_UNIT)), (high / conc).to(named_unit(VOLUME_UNIT))
        )
        conc_text = format_exact(conc)
        (dose_low, dose_high), (volume_low, volume_high) = _bounds(dose), _bounds(volume)
        steps.append(
            f"volume: {dose_low} ÷ {conc_text} = {volume_low}; "
            f"{dose_high} ÷ {conc_text} = {volume_high}"
        )
    return _Parts(
        dose=dose,
        formula=f"fixed dose per administration, as printed in the source: {dose.display}",
        steps=steps,
        notes=[
            "The weight is not used: the source gives a fixed dose per administration, "
            "whatever the patient weighs."
        ],
        volume=volume,
    )


_BY_KIND: Final[dict[RegimenKind, Callable[[Regimen, DosingWeight, Quantity | None], _Parts]]] = {
    "weight-based-rate": _weight_based_rate,
    "fixed-dose": _fixed_dose,
}


def _weight_steps(patient: Patient, dosing: DosingWeight, kind: RegimenKind) -> list[str]:
    if kind != "weight-based-rate":
        return []
    weight = patient.weight_kg
    line = f"dosing weight ({dosing.basis}): {patient.display['weight']}"
    if dosing.basis in ("ideal", "adjusted"):
        assert patient.sex is not None
        assert patient.height_cm is not None
        ibw = patient.ideal_body_weight
        assert ibw is not None
        inches = format_body(patient.height_cm.to(named_unit("inch")))
        line = (
            f"ideal body weight (Devine, {patient.sex}): "
            f"{format_number(DEVINE_BASE_KG[patient.sex])} kg + "
            f"{format_number(DEVINE_KG_PER_INCH)} kg × ({inches} − "
            f"{format_number(DEVINE_FROM_INCHES)} in) = {format_body(ibw)}"
        )
        if dosing.basis == "adjusted":
            line += (
                f"; adjusted body weight: {format_body(ibw)} + "
                f"{format_number(ADJUSTED_WEIGHT_FACTOR)} × ({format_body(weight)} − "
                f"{format_body(ibw)}) = {format_body(dosing.quantity)}"
            )
    return [line]


def _bounds(quantity_range: QuantityRange) -> tuple[str, str]:
    return format_range_bounds(quantity_range.low, quantity_range.high)


def _not_specified(rule: Regimen) -> str:
    return f"The source does not specify: {'; '.join(rule.source_does_not_specify)}."


def rule_set_of(rules: Rules) -> RuleSet:
    """The `RuleSet` that ``rules`` names (see `calculate`)."""
    if isinstance(rules, RuleSet):
        return rules
    if rules is None:
        return cached_rules(default_rules_path().resolve())
    return load_rules(rules)


def _entered(raw: object, parsed: Quantity | None) -> str | None:
    """An input as the caller gave it: their text, or the Quantity written out exactly."""
    if parsed is None:
        return None
    return raw.strip() if isinstance(raw, str) else format_exact(parsed)
