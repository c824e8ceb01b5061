"""`calculate`: the source's range for one regimen, applied to one patient.

The arithmetic is exact (rational magnitudes): a range per kg times the dosing
weight, converted by pint; any other range is taken as the rule gives it. What
follows (per 24 hours, pump rate, volume) is the regimen kind's to say. Nothing
is shown for an input that is not valid: every check raises before any
number is computed.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Final, TypedDict

from dosecalc.clinical.delivery import pump_rate_notes, volume_warnings
from dosecalc.clinical.headline import findings_before_figures
from dosecalc.clinical.limits import (
    doses_within,
    hard_limits_of,
    hourly_ceiling,
    limit_lines,
    range_per_24h_warnings,
    reviewed,
    standard_concentration_warnings,
)
from dosecalc.clinical.plausibility import concentration_warnings, delivery_warnings
from dosecalc.clinical.result import (
    Basis,
    DoseResult,
    QuantityRange,
)
from dosecalc.foundation.display import (
    finite_places,
    format_body,
    format_exact,
    magnitude,
    unit_display,
)
from dosecalc.foundation.dose_units import (
    AMOUNT_UNIT,
    DAILY_RATE_UNIT,
    DOSE_RATE_UNIT,
    PER_KG_PER_MIN_UNIT,
    PUMP_RATE_UNIT,
    VOLUME_UNIT,
    DoseUnit,
)
from dosecalc.foundation.errors import MissingInputError, RulesError
from dosecalc.foundation.unit_registry import (
    Quantity,
    Unit,
    conversion_factor,
    convert,
    named_unit,
    quantity_of,
)
from dosecalc.foundation.units import (
    CONCENTRATION,
    is_given,
    parse_quantity,
)
from dosecalc.foundation.working import (
    Apply,
    Convert,
    Equation,
    Factor,
    Line,
    Operand,
    Step,
    chain,
    unit_change_factors,
    worked,
)
from dosecalc.patient.body import (
    DoseWarning,
    DosingWeight,
    Patient,
    adjusted_formula,
    assess_patient,
    body_figure,
    choose_dosing_weight,
    devine_formula,
    height_in_inches,
    read_basis,
    read_unused_measurements,
    weight_not_given,
)
from dosecalc.ruleset.loader import RuleSet, load_rules, rules_in_force
from dosecalc.ruleset.schema import Regimen

Rules = RuleSet | str | os.PathLike[str] | None


def calculate(
    *,
    weight: object = None,
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
    folder, or None for the rules in force (`default_rules_path`). The weight is
    needed only where the regimen uses it (not for a fixed dose); when given, it
    is checked all the same.

    Raises `InputError` for any unusable input and `RulesError` for an
    invalid rule folder; never returns a result built on either.
    """
    rule_set = rule_set_of(rules)
    rule = rule_set.find(regimen)
    chosen_basis = read_basis(basis)
    uses_weight = rule.regimen_kind.per_kg
    patient: Patient | None = None
    dosing_weight: DosingWeight | None = None
    warnings: list[DoseWarning] = []
    if uses_weight and weight is None:
        raise MissingInputError(
            "weight",
            f"{rule.route} ({rule.id}) is dosed per kg of body weight, so it needs the "
            "patient's weight",
            "Enter the weight, e.g. '70 kg' or '154 lb'",
        )
    if uses_weight or is_given(weight):
        patient, warnings = assess_patient(weight, height, sex)
    else:
        read_unused_measurements(height, sex)
    if uses_weight and patient is not None:
        dosing_weight, basis_warnings = choose_dosing_weight(patient, chosen_basis)
        warnings += basis_warnings
    conc = parse_quantity(concentration, CONCENTRATION) if is_given(concentration) else None
    parts = _applied(rule, dosing_weight, conc)
    inputs = {
        "weight": _entered(weight, patient.weight if patient else None),
        "regimen": regimen,
        "concentration": _entered(concentration, conc),
        "height": _entered(height, patient.height if patient else None),
        "sex": patient.sex if patient else None,
        "basis": chosen_basis,
    }
    kind = rule.regimen_kind
    maximum = rule.max_per_24h.quantity() if rule.max_per_24h else None
    warnings += [
        *range_per_24h_warnings(kind, parts.dose_per_24h, parts.dose, maximum),
        *standard_concentration_warnings(rule, conc),
        *(concentration_warnings(conc) if conc is not None else []),
        *delivery_warnings(rule, parts.pump_rate, parts.volume),
        *_measurable(rule, parts.volume),
        # A range not per kg needs no weight, but without one nothing is known of the patient.
        *([weight_not_given()] if patient is None else []),
    ]
    working = rule_basis(
        rule,
        rule_set,
        inputs,
        parts.formula,
        parts.steps,
        weight_steps=_weight_steps(patient, dosing_weight),
    )
    findings = findings_before_figures(
        warnings,
        range_from=working.range_from,
        max_per_24h_from=working.max_per_24h_from,
        maximum=format_exact(maximum) if maximum is not None else None,
        ceiling=hourly_ceiling(kind, maximum),
    )
    return DoseResult(
        headline=findings[0] if findings else None,
        findings=tuple(findings),
        drug=rule.drug,
        regimen=rule.id,
        route=rule.route,
        route_code=rule.route_code_for(regimen),
        kind=rule.kind,
        rule_range=parts.rule_range,
        patient=patient,
        dosing_weight=dosing_weight,
        concentration=conc,
        dose=parts.dose,
        dose_per_24h=parts.dose_per_24h,
        dose_per_kg_per_min=parts.dose_per_kg_per_min,
        pump_rate=parts.pump_rate,
        volume=parts.volume,
        hard_limits=hard_limits_of(rule, parts.rule_range.qualifier),
        max_per_24h=maximum,
        side_effects=tuple(rule.side_effects),
        supervision=rule.supervision,
        warnings=tuple(warnings),
        notes=(
            *parts.notes,
            *pump_rate_notes(rule, parts.pump_rate),
            *doses_within(kind, parts.dose, maximum),
            *not_specified(rule),
        ),
        basis=working,
    )


def _measurable(rule: Regimen, volume: QuantityRange | None) -> list[DoseWarning]:
    """A volume per dose whose low end is under the library's smallest measurable volume
    (dosecalc's own bound is the volume-per-dose plausibility warning's)."""
    if volume is None:
        return []
    shown = volume.shown_low.with_unit(unit_display(volume.low.units))
    low = (magnitude(volume.low), f"at the low end, {shown}")
    return volume_warnings(rule, "volume per dose", [low], own_bound=False)


@dataclass(frozen=True, kw_only=True)
class _Parts:
    """The part of a result that the regimen's kind decides."""

    rule_range: QuantityRange
    dose: QuantityRange
    formula: Line
    steps: list[Step]
    notes: list[str]
    dose_per_24h: QuantityRange | None = None
    dose_per_kg_per_min: QuantityRange | None = None
    pump_rate: QuantityRange | None = None
    volume: QuantityRange | None = None


def _applied(rule: Regimen, dosing: DosingWeight | None, conc: Quantity | None) -> _Parts:
    """The rule's range for this patient, and each figure that follows from it, as the
    regimen's kind says (`dosecalc.ruleset.kinds`)."""
    kind = rule.regimen_kind
    low, high = rule.dose.quantities()
    if kind.per_kg:
        assert dosing is not None  # `calculate` asks for the weight a range per kg needs
        weight = dosing.quantity
        unit = named_unit(kind.patient_unit or DOSE_RATE_UNIT)
        if kind.is_rate and _time_unit(low.units) == named_unit("day"):
            unit = named_unit(DAILY_RATE_UNIT)  # mg/kg/24 hr gives mg/24 hr, as written
        to_dose = magnitude(weight) * conversion_factor(low.units * weight.units, unit)
        rule_range = QuantityRange.between(low, high, qualifier=per_kg_of(dosing))
        dose = QuantityRange.between(
            quantity_of(magnitude(low) * to_dose, unit),
            quantity_of(magnitude(high) * to_dose, unit),
            worked_from=rule_range.worked(lambda value: value * to_dose),
        )
        by_weight = [
            ("×", Operand.exact(weight)),
            *unit_change_factors(low.units * weight.units, unit),
        ]
        formula: Line = _range_step("", rule_range, by_weight, dose)
    else:
        unit = named_unit(kind.patient_unit) if kind.patient_unit else low.units
        rule_range = QuantityRange.between(low, high)
        dose = QuantityRange.between(convert(low, unit), convert(high, unit))
        formula = f"{kind.for_every_patient}, as printed in the source: {dose.display}"
    parts = (
        _rate_parts(rule_range, dose, conc, per_kg=kind.per_kg)
        if kind.is_rate
        else _dose_parts(dose, conc)
    )
    notes = (
        []
        if kind.per_kg
        else [
            f"The weight does not change the range: the source's range is in {kind.measured_in}, "
            f"not per kg (dosecalc reads it as {kind.read_as}). The weight shows whether the "
            "patient is one the range is applied to."
        ]
    )
    return _Parts(rule_range=rule_range, dose=dose, formula=formula, notes=notes, **parts)


class _Derived(TypedDict, total=False):
    steps: list[Step]
    dose_per_24h: QuantityRange
    dose_per_kg_per_min: QuantityRange
    pump_rate: QuantityRange
    volume: QuantityRange


def _rate_parts(
    rule_range: QuantityRange, dose: QuantityRange, conc: Quantity | None, *, per_kg: bool
) -> _Derived:
    """A rate's total per 24 hours, its rate per kg per minute (for a rate per kg) and,
    with a concentration, its pump rate; each worked from the figure shown before it."""
    dose_unit, day_unit = dose.low.units, named_unit(AMOUNT_UNIT)
    day = convert(quantity_of(Fraction(1), named_unit("day")), _time_unit(dose_unit))
    to_day = magnitude(day) * conversion_factor(dose_unit * day.units, day_unit)
    per_24h = QuantityRange.between(
        quantity_of(magnitude(dose.low) * to_day, day_unit),
        quantity_of(magnitude(dose.high) * to_day, day_unit),
        worked_from=dose.worked(lambda rate: rate * to_day),
    )
    per_day = magnitude(day) == 1  # mg/24 hr: the same figures, no step to show
    derived = _Derived(
        steps=[]
        if per_day
        else [_range_step("per 24 hours", dose, [("×", Operand.exact(day))], per_24h)],
        dose_per_24h=per_24h,
    )
    if per_kg:
        per_min_unit = named_unit(PER_KG_PER_MIN_UNIT)
        to_per_min = conversion_factor(rule_range.low.units, per_min_unit)
        per_min = QuantityRange.between(
            convert(rule_range.low, per_min_unit),
            convert(rule_range.high, per_min_unit),
            worked_from=rule_range.worked(lambda rate: rate * to_per_min),
            qualifier=rule_range.qualifier,
        )
        change = unit_change_factors(rule_range.low.units, per_min_unit)
        if change:  # none for a rule in mcg/kg/min: the same figures
            derived["steps"].append(_range_step("per kg per minute", rule_range, change, per_min))
        derived["dose_per_kg_per_min"] = per_min
    if conc is not None:
        pump_unit = named_unit(PUMP_RATE_UNIT)
        by_conc = magnitude(conc)
        to_pump = conversion_factor(dose_unit / conc.units, pump_unit)
        pump = QuantityRange.between(
            quantity_of(magnitude(dose.low) / by_conc * to_pump, pump_unit),
            quantity_of(magnitude(dose.high) / by_conc * to_pump, pump_unit),
            worked_from=dose.worked(lambda rate: rate / by_conc * to_pump),
        )
        by_conc_per_hour = [("÷", Operand.exact(conc)), *per_hour(dose_unit)]
        derived["steps"].append(_range_step("pump rate", dose, by_conc_per_hour, pump))
        derived["pump_rate"] = pump
    return derived


def per_hour(rate: Unit) -> list[Factor]:
    """`` ÷ 24 (hours)``: the factor that makes a rate per 24 hours (or per minute) one per
    hour, kept in a line so that it checks by hand; none for a rate per hour."""
    time = _time_unit(rate)
    hours = conversion_factor(time, named_unit("hour"))
    if hours == 1:
        return []
    if hours > 1:
        return [("÷", Operand.number(hours, note="(hours)"))]
    return [("×", Operand.number(1 / hours, note=f"{unit_display(time)}/hr"))]


def _dose_parts(dose: QuantityRange, conc: Quantity | None) -> _Derived:
    """A dose per administration and, with a concentration, its volume."""
    if conc is None:
        return _Derived(steps=[])
    volume_unit, by_conc = named_unit(VOLUME_UNIT), magnitude(conc)
    to_volume = conversion_factor(dose.low.units / conc.units, volume_unit)
    volume = QuantityRange.between(
        quantity_of(magnitude(dose.low) / by_conc * to_volume, volume_unit),
        quantity_of(magnitude(dose.high) / by_conc * to_volume, volume_unit),
        worked_from=dose.worked(lambda amount: amount / by_conc * to_volume),
    )
    divide: list[Factor] = [("÷", Operand.exact(conc))]
    return _Derived(steps=[_range_step("volume", dose, divide, volume)], volume=volume)


def _time_unit(rate: Unit) -> Unit:
    """The time a rate is per: hour in mg/hr, day in mg/24 hr."""
    parts = DoseUnit.of(rate)
    assert parts is not None  # the schema admits only dose units for a rate
    assert parts.per_time is not None
    return named_unit(parts.per_time)


def per_kg_of(dosing: DosingWeight) -> str:
    """Which kg a per-kg figure counts, said whenever the basis asked for is not the
    actual weight: "per kg of dosing weight (ideal body weight, 64.86 kg)"; empty otherwise.
    An order per kg is read against the same weight, and says so with it."""
    if dosing.requested_basis == "actual":
        return ""
    return f"per kg of dosing weight ({dosing.basis} body weight, {format_body(dosing.quantity)})"


def _range_step(
    label: str, given: QuantityRange, factors: list[Factor], got: QuantityRange
) -> Step:
    """``pump rate: 19.458 mg/hr ÷ 2 mg/mL = 9.729 mL/hr; …``: one equation for each bound,
    from the figures shown, to the figures shown (each with its rounding, if any)."""
    pairs = ((given.shown_low, got.shown_low), (given.shown_high, got.shown_high))
    return Step(
        label,
        tuple(
            Equation(
                chain(Operand.shown(start, given.low.units), factors),
                Operand.shown(end, got.low.units),
            )
            for start, end in pairs
        ),
    )


_NEAREST_KG: Final = Operand.number(Fraction(1, 100), note="kg")
_NEAREST_INCH: Final = Operand.number(Fraction(1, 100), note="in")


def _weight_steps(patient: Patient | None, dosing: DosingWeight | None) -> list[Step]:
    """How the dosing weight was reached, each figure as shown and used."""
    if patient is None or dosing is None:
        return []
    entered = patient.weight
    kg = named_unit("kg")
    actual = Operand.exact(body_figure(patient.weight_kg))
    steps = []
    if entered.units != kg:
        factor = conversion_factor(entered.units, kg)
        conversion = Equation(
            Convert(Operand.exact(entered), factor),
            actual,
            note=_one_unit(entered.units, kg, factor),
            nearest=_NEAREST_KG,
        )
        steps.append(Step("weight", (conversion,)))
    elif magnitude(entered) != actual.value:
        steps.append(Step("weight", (_used_as(Operand.exact(entered), actual, _NEAREST_KG),)))
    if dosing.requested_basis in ("ideal", "adjusted") and patient.ideal_body_weight is not None:
        assert patient.sex is not None
        assert patient.height_cm is not None
        inches = Operand.exact(height_in_inches(patient.height_cm))
        height = patient.height
        if height is not None and height.units != named_unit("inch"):
            factor = conversion_factor(height.units, named_unit("inch"))
            conversion = Equation(
                Convert(Operand.exact(height), factor),
                inches,
                note=_one_unit(height.units, named_unit("inch"), factor),
                nearest=_NEAREST_INCH,
            )
            steps.append(Step("height", (conversion,)))
        elif height is not None and magnitude(height) != inches.value:
            steps.append(Step("height", (_used_as(Operand.exact(height), inches, _NEAREST_INCH),)))
        ibw = patient.ideal_body_weight
        devine = devine_formula(height_in_inches(patient.height_cm), patient.sex)
        steps.append(Step(f"ideal body weight (Devine, {patient.sex})", (_worked(devine, ibw),)))
        abw = patient.adjusted_body_weight
        if dosing.basis == "adjusted" and abw is not None:  # not when the actual is used
            adjusted = adjusted_formula(ibw, body_figure(patient.weight_kg))
            steps.append(Step("adjusted body weight", (_worked(adjusted, abw),)))
    return steps


def _one_unit(entered: Unit, used: Unit, factor: Fraction) -> str:
    """The factor of a conversion as a person checks it: ``1 lb = 0.45359237 kg``, or, where
    that has no exact decimal, the other way round: ``1 in = 2.54 cm``."""
    if finite_places(factor) is not None:
        return f"1 {unit_display(entered)} = {format_exact(quantity_of(factor, used))}"
    return f"1 {unit_display(used)} = {format_exact(quantity_of(1 / factor, entered))}"


def _used_as(entered: Operand, used: Operand, nearest: Operand) -> Equation:
    """``70.125 kg, used as 70.13 kg (nearest 0.01 kg)``."""
    return Equation(entered, used=used, nearest=nearest)


def _worked(left: Apply, used: Quantity) -> Equation:
    """``… = 65.939 kg, used as 65.94 kg (nearest 0.01 kg)``, or one figure when they agree."""
    value = worked(left)
    if value == magnitude(used):
        return Equation(left, Operand.exact(used))
    return Equation(
        left,
        Operand.exact(quantity_of(value, used.units)),
        used=Operand.exact(used),
        nearest=_NEAREST_KG,
    )


def rule_basis(
    rule: Regimen,
    rule_set: RuleSet,
    inputs: dict[str, str | None],
    formula: Line,
    steps: Sequence[Line],
    *,
    weight_steps: Sequence[Line] = (),
) -> Basis:
    """The basis of a figure worked from ``rule``: inputs, working, rule, source, rules."""
    return Basis(
        inputs=inputs,
        weight_steps=tuple(weight_steps),
        formula=formula,
        steps=tuple(steps),
        rule=rule.id,
        source=rule.source.cited,
        source_quote=rule.source.quote,
        rules_version=rule_set.version,
        rules_sha256=rule_set.sha256,
        limits=tuple(limit_lines(rule)),
        reviewed=reviewed(rule),
        range_from=rule.source.document,
        hard_limits_from=rule.hard_limits.source.document if rule.hard_limits else None,
        max_per_24h_from=rule.max_per_24h.source.document if rule.max_per_24h else None,
    )


def not_specified(rule: Regimen) -> list[str]:
    """The note of what the source leaves unsaid, if anything."""
    unsaid = rule.source_does_not_specify
    return [f"The source does not specify: {'; '.join(unsaid)}."] if unsaid else []


def rule_set_of(rules: Rules) -> RuleSet:
    """The `RuleSet` that ``rules`` names (see `calculate`)."""
    if isinstance(rules, RuleSet):
        return rules
    if rules is None:
        return rules_in_force()
    if not isinstance(rules, str | os.PathLike):
        raise RulesError(
            f"rules: expected a RuleSet, a rule folder's path or None, not a {type(rules).__name__}"
        )
    return load_rules(rules)


def _entered(raw: object, parsed: Quantity | None) -> str | None:
    """An input as the caller gave it: their text, or the Quantity written out exactly."""
    if parsed is None:
        return None
    return raw.strip() if isinstance(raw, str) else format_exact(parsed)
