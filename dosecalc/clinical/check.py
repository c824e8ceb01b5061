"""`check`: is this proposed order within the source's range for this patient?

The proposed dose may be written in any form a clinician uses; its form is
recognised from its unit (pint reduces mg/kg/h to 1/time, so "per kg" is read
from the unit's parts, never from its dimension):

* weight-based rate: mg/kg/h, mcg/kg/min;
* absolute rate: mg/h, mcg/h, mg/24 h, mg/day, mg/min;
* pump rate: mL/h, which needs the concentration;
* fixed dose: mg, mcg; volume: mL, which needs the concentration.

A form that does not fit the regimen is an input error. The verdict is
decided on the exact dose restated in the rule's unit, bounds inclusive.
Like smart-pump dose error reduction software, it also flags the classic
entry errors: a dose out of range by 10x or more, or one that a slipped
decimal, mcg for mg, per minute for per hour or per day for per hour would
bring into range.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Final

from dosecalc.clinical.calculate import (
    VOLUME_UNIT,
    Rules,
    calculate,
    not_specified,
    rule_basis,
    rule_set_of,
)
from dosecalc.clinical.result import (
    DOSE_RATE_UNIT,
    PUMP_RATE_UNIT,
    Basis,
    CheckResult,
    DoseForm,
    DoseResult,
    EntryErrorFlag,
    EntrySlip,
    QuantityRange,
    Verdict,
)
from dosecalc.foundation.disclaimer import DISCLAIMER
from dosecalc.foundation.display import (
    exact_places,
    format_apart_from,
    format_body,
    format_exact,
    format_number,
    magnitude,
    number_apart_from,
    operand,
    unit_display,
)
from dosecalc.foundation.errors import MissingInputError, UnitError
from dosecalc.foundation.units import (
    CONCENTRATION,
    FLOW,
    VOLUME,
    Dimension,
    DoseUnit,
    Quantity,
    QuantityKind,
    Unit,
    describe_dimension,
    dimension_of,
    is_given,
    named_unit,
    parse_quantity,
    registry,
    unit_powers,
)
from dosecalc.patient.body import DoseWarning, read_basis, read_sex, read_unused_measurements
from dosecalc.ruleset.loader import RuleSet
from dosecalc.ruleset.schema import Regimen, RegimenKind, RouteCode

PROPOSED_DOSE: Final = QuantityKind(
    "dose", None, "mg", "'30 mg/hr', '0.4 mg/kg/hr', '25 mL/hr' (with a concentration) or '25 mg'"
)

ENTRY_ERROR_RATIO: Final = 10
"""A dose this many times the top of the range, or this fraction of the bottom, is flagged."""

SLIPS: Final[tuple[tuple[int, str, bool, bool], ...]] = (
    (10, "decimal point one place out", False, False),
    (100, "decimal point two places out", False, False),
    (1000, "mg and mcg confused", False, True),
    (60, "per minute and per hour confused", True, True),
    (24, "per day and per hour confused", True, True),
)
"""The usual slips: a factor on the number entered, whether only a rate can make it, and
whether it confuses units (then what was meant is shown in the rule's unit)."""

RATE_FORMS: Final[frozenset[DoseForm]] = frozenset(
    {"weight-based-rate", "absolute-rate", "pump-rate"}
)
_FORMS_BY_KIND: Final[dict[str, frozenset[DoseForm]]] = {
    "weight-based-rate": frozenset({"weight-based-rate", "absolute-rate", "pump-rate"}),
    "fixed-dose": frozenset({"fixed-dose", "volume"}),
}
_FORMS_BY_DIMENSION: Final[dict[Dimension, DoseForm]] = {FLOW: "pump-rate", VOLUME: "volume"}
_FORM_WORDS: Final[dict[DoseForm, str]] = {
    "weight-based-rate": "a rate per kg",
    "absolute-rate": "a rate",
    "pump-rate": "a pump rate",
    "fixed-dose": "a dose without a time",
    "volume": "a volume",
    "weight-based-dose": "a dose per kg without a time",
}
_KIND_WORDS: Final[dict[str, str]] = {
    "weight-based-rate": "a rate, e.g. '30 mg/hr', '0.4 mg/kg/hr' or '25 mL/hr'",
    "fixed-dose": "a dose per administration, e.g. '25 mg' or '2.5 mL'",
}


def check(
    *,
    weight: object = None,
    regimen: str,
    dose: object,
    concentration: object = None,
    height: object = None,
    sex: str | None = None,
    basis: str = "actual",
    rules: Rules = None,
) -> CheckResult:
    """Check a proposed ``dose`` against the regimen's range for this patient.

    Arguments are as for `calculate`, plus ``dose`` (text or a pint Quantity).
    Without a weight (None), a fixed dose is checked as usual and a dose per kg
    against the range per kg (nothing is restated in mg/hr, and a note says the
    weight is needed for that). Raises `InputError` for unusable input,
    including a dose whose form does not fit the regimen, a pump rate without a
    concentration, or a rate not per kg without a weight.
    """
    rule_set = rule_set_of(rules)
    rule = rule_set.find(regimen)
    if rule.kind == "weight-based-rate" and weight is None:
        without = _without_weight(rule, rule_set, regimen, concentration, height, sex, basis)
        return check_against(without, dose)
    result = calculate(
        weight=weight,
        regimen=regimen,
        concentration=concentration,
        height=height,
        sex=sex,
        basis=basis,
        rules=rule_set,
    )
    return check_against(result, dose)


@dataclass(frozen=True, kw_only=True)
class _RuleOnly:
    """What a check against the rule's own range needs, for a patient without a weight:
    the fields of a `DoseResult` that such a check reads, none computed from a weight."""

    drug: str
    regimen: str
    route: str
    route_code: RouteCode | None
    kind: RegimenKind
    rule_range: QuantityRange
    dosing_weight: None = None
    concentration: Quantity | None
    dose: None = None
    pump_rate: None = None
    volume: None = None
    side_effects: list[str]
    supervision: str
    warnings: list[DoseWarning]
    notes: list[str]
    basis: Basis
    disclaimer: str = DISCLAIMER


def _without_weight(
    rule: Regimen,
    rule_set: RuleSet,
    regimen: str,
    concentration: object,
    height: object,
    sex: str | None,
    basis: str,
) -> _RuleOnly:
    """The rule's own range, for a check without a weight. A height or sex given is still
    read (and refused if wrong); a basis other than the actual weight needs a weight."""
    read_unused_measurements(height, sex)
    chosen_basis = read_basis(basis)
    if chosen_basis != "actual":
        raise MissingInputError(
            "weight",
            f"the '{chosen_basis}' basis says which kg a dose per kg counts, and needs the "
            "patient's weight, height and sex",
            "Enter the weight, or leave the basis as 'actual'",
        )
    conc = parse_quantity(concentration, CONCENTRATION) if is_given(concentration) else None
    rule_range = QuantityRange.between(*rule.dose.quantities())
    inputs = {
        "regimen": regimen,
        "concentration": None if conc is None else _shown(concentration, conc),
        "height": height.strip() if isinstance(height, str) and height.strip() else None,
        "sex": read_sex(sex),
        "basis": chosen_basis,
    }
    return _RuleOnly(
        drug=rule.drug,
        regimen=rule.id,
        route=rule.route,
        route_code=rule.route_code_for(regimen),
        kind=rule.kind,
        rule_range=rule_range,
        concentration=conc,
        side_effects=list(rule.side_effects),
        supervision=rule.supervision,
        warnings=[],
        notes=[NO_WEIGHT_NOTE, *not_specified(rule)],
        basis=rule_basis(
            rule, rule_set, inputs, f"the range in the source: {rule_range.display}", []
        ),
    )


NO_WEIGHT_NOTE: Final = (
    "No weight was given: the dose is checked against the range per kg only. "
    "Restating it in mg/hr, or as a pump rate, needs the patient's weight."
)


def check_against(result: DoseResult | _RuleOnly, dose: object) -> CheckResult:
    """Check a proposed ``dose`` against a range already calculated for a patient."""
    proposed, form = _read_dose(dose)
    in_rule_units = _in_rule_units(proposed, form, result, _shown(dose, proposed))
    low, high = result.rule_range.low, result.rule_range.high
    verdict = verdict_of(in_rule_units, low, high)
    ratio = _ratio_to_nearest_bound(in_rule_units, low, high)
    rate = result.kind == "weight-based-rate"
    dose_rate = (
        (in_rule_units * result.dosing_weight.quantity).to(named_unit(DOSE_RATE_UNIT))
        if (rate and result.dosing_weight is not None)
        else None
    )
    pump_rate = (
        (dose_rate / result.concentration).to(named_unit(PUMP_RATE_UNIT))
        if dose_rate is not None and result.concentration is not None
        else None
    )
    volume = (
        (in_rule_units / result.concentration).to(named_unit(VOLUME_UNIT))
        if not rate and result.concentration is not None
        else None
    )
    ranges = [r for r in (result.rule_range, result.dose, result.pump_rate, result.volume) if r]
    restated = [q for q in (in_rule_units, dose_rate, pump_rate, volume) if q is not None]
    slips = _slips(verdict, proposed, form, in_rule_units, result.rule_range)
    beside = [*restated, *(s.meant for s in slips), *(s.entered for s in slips)]
    entry_error = _probable_entry_error(verdict, proposed, in_rule_units, slips, ranges, beside)
    display = _display(
        verdict, proposed, in_rule_units, dose_rate, pump_rate, volume, result, beside
    )
    return CheckResult(
        verdict=verdict,
        drug=result.drug,
        regimen=result.regimen,
        route=result.route,
        route_code=result.route_code,
        form=form,
        proposed=proposed,
        in_rule_units=in_rule_units,
        dose_rate=dose_rate,
        pump_rate=pump_rate,
        volume=volume,
        range=result.rule_range,
        patient_range=result.dose,
        ratio_to_bound=ratio,
        probable_entry_error=entry_error,
        display=display,
        side_effects=result.side_effects,
        supervision=result.supervision,
        warnings=result.warnings,
        notes=result.notes,
        basis=result.basis.model_copy(
            update={
                "inputs": {**result.basis.inputs, "dose": _shown(dose, proposed)},
                "formula": _restatement(proposed, form, in_rule_units, result, verdict),
                "steps": [
                    *_restated_steps(proposed, form, (in_rule_units, dose_rate), display, result),
                    result.basis.formula,
                    *result.basis.steps,
                ],
            }
        ),
        disclaimer=result.disclaimer,
    )


def dose_form(unit: Unit) -> DoseForm | None:
    """The form of a dose written in ``unit``, from its parts; None if it is no dose."""
    parts = DoseUnit.of(unit)
    if parts is not None:
        if parts.is_weight_based:
            return "weight-based-rate" if parts.is_rate else "weight-based-dose"
        return "absolute-rate" if parts.is_rate else "fixed-dose"
    return _FORMS_BY_DIMENSION.get(dimension_of(unit))


def _read_dose(value: object) -> tuple[Quantity, DoseForm]:
    quantity = parse_quantity(value, PROPOSED_DOSE)
    form = dose_form(quantity.units)
    if form is not None:
        return quantity, form
    per_body = [
        name
        for name, power in unit_powers(quantity.units).items()
        if power < 0 and dimension_of(name) == dimension_of("kilogram") and name != "kilogram"
    ]
    if per_body:
        raise UnitError(
            "dose",
            f"'{_shown(value, quantity)}' is a dose per {unit_display(named_unit(per_body[0]))} "
            "of body weight; dosecalc reads a dose per kg only",
            "Convert it to a dose per kg, e.g. '0.4 mg/kg/hr'",
        )
    raise UnitError(
        "dose",
        f"'{_shown(value, quantity)}' is {describe_dimension(quantity)}, not a dose",
        f"Enter {PROPOSED_DOSE.example}",
    )


def _in_rule_units(
    proposed: Quantity, form: DoseForm, result: DoseResult | _RuleOnly, shown: str
) -> Quantity:
    if form not in _FORMS_BY_KIND[result.kind]:
        raise UnitError(
            "dose",
            f"'{shown}' is {_FORM_WORDS[form]}, which does not fit {result.route} "
            f"({result.regimen})",
            f"Enter {_KIND_WORDS[result.kind]}",
        )
    quantity = proposed
    if form in ("pump-rate", "volume"):
        if result.concentration is None:
            raise MissingInputError(
                "concentration",
                f"the dose '{shown}' is {_FORM_WORDS[form]}, which needs the "
                "concentration to become a drug amount",
                "Give the concentration, e.g. '1 mg/mL'",
            )
        quantity = quantity * result.concentration
    if form in ("absolute-rate", "pump-rate"):
        if result.dosing_weight is None:
            raise MissingInputError(
                "weight",
                f"the dose '{shown}' is {_FORM_WORDS[form]}, not a rate per kg: comparing it "
                f"with the range per kg ({result.rule_range.display}) needs the patient's weight",
                "Enter the weight, or give the dose per kg, e.g. '0.4 mg/kg/hr'",
            )
        quantity = quantity / result.dosing_weight.quantity
    return quantity.to(result.rule_range.low.units)


def verdict_of(dose: Quantity, low: Quantity, high: Quantity) -> Verdict:
    """Below, within or above ``low`` to ``high`` (inclusive), on exact magnitudes."""
    if dose.magnitude < low.magnitude:
        return "below"
    if dose.magnitude > high.magnitude:
        return "above"
    return "within"


def _ratio_to_nearest_bound(dose: Quantity, low: Quantity, high: Quantity) -> Fraction:
    """Proposed / nearest bound, nearest by ratio: < 1 below the low bound, > 1 above the high."""
    to_low = dose.magnitude / low.magnitude
    to_high = dose.magnitude / high.magnitude
    return to_low if _fold(to_low) <= _fold(to_high) else to_high


def _fold(ratio: Fraction) -> Fraction:
    """How many times apart, whichever is larger: 2 for both 2 and 1/2."""
    return ratio if ratio >= 1 else 1 / ratio


def fitting_slips(
    verdict: Verdict, form: DoseForm, dose: Quantity, low: Quantity, high: Quantity
) -> list[tuple[int, str, bool]]:
    """The usual slips (factor, name, confuses units) that would bring ``dose`` into range.

    ``dose`` is in the rule's unit; too high, the number meant may have been
    divided, too low, multiplied. Only a rate can have a per-time slip.
    """
    if verdict == "within":
        return []
    is_rate = form in RATE_FORMS
    fitting = []
    for factor, slip, needs_rate, confuses_units in SLIPS:
        meant_factor = Fraction(1, factor) if verdict == "above" else Fraction(factor)
        if (is_rate or not needs_rate) and verdict_of(dose * meant_factor, low, high) == "within":
            fitting.append((factor, slip, confuses_units))
    return fitting


def is_far_out(verdict: Verdict, dose: Quantity, low: Quantity, high: Quantity) -> bool:
    """Out of range by `ENTRY_ERROR_RATIO` times or more (above) or its inverse (below)."""
    if verdict == "within":
        return False
    ratio = dose.magnitude / (high.magnitude if verdict == "above" else low.magnitude)
    return bool(ratio >= ENTRY_ERROR_RATIO or ratio <= Fraction(1, ENTRY_ERROR_RATIO))


@dataclass(frozen=True)
class _Slip:
    """A usual slip that fits, and what it would make of the dose: in the rule's unit
    (``meant``, for a slip that confuses units) or the unit entered, and as entered."""

    factor: int
    name: str
    confuses_units: bool
    meant: Quantity
    entered: Quantity


def _slips(
    verdict: Verdict, proposed: Quantity, form: DoseForm, dose: Quantity, rule: QuantityRange
) -> list[_Slip]:
    slips = []
    for factor, name, confuses_units in fitting_slips(verdict, form, dose, rule.low, rule.high):
        # Too high, the number meant may have been divided by the factor; too low, multiplied.
        by = Fraction(1, factor) if verdict == "above" else Fraction(factor)
        meant = (dose if confuses_units else proposed) * by
        slips.append(_Slip(factor, name, confuses_units, meant, proposed * by))
    return slips


def _probable_entry_error(
    verdict: Verdict,
    proposed: Quantity,
    dose: Quantity,
    slips: list[_Slip],
    ranges: list[QuantityRange],
    beside: list[Quantity],
) -> EntryErrorFlag | None:
    """``ranges[0]`` is the rule's range (``dose`` is in its unit). What a slip would
    make of the dose is said in the unit entered (and in the rule's unit too, when the
    slip confuses units), each beside the range in its unit as shown with ``beside``."""
    low, high = ranges[0].low, ranges[0].high
    sign = "÷" if verdict == "above" else "×"
    entry_slips = []
    for slip in slips:
        text = _value_beside(slip.entered, ranges, beside)
        in_rule_units = _value_beside(slip.meant, ranges, beside)
        if slip.confuses_units and in_rule_units != text:
            text += f", that is {in_rule_units}"
        entry_slips.append(
            EntrySlip(
                slip=slip.name,
                factor=f"{sign} {slip.factor}",
                would_mean=slip.meant,
                display=f"{slip.name}: {format_exact(proposed)} {sign} "
                f"{format_number(Fraction(slip.factor))} would be {text}, within the range",
            )
        )
    far = is_far_out(verdict, dose, low, high)
    if not entry_slips and not far:
        return None
    ratio = dose.magnitude / (high.magnitude if verdict == "above" else low.magnitude)
    threshold = [Fraction(ENTRY_ERROR_RATIO), Fraction(1, ENTRY_ERROR_RATIO)]
    reason = (
        f"the dose is {number_apart_from(ratio, threshold)} times the "
        f"{'upper' if verdict == 'above' else 'lower'} bound"
        if far
        else "a usual slip would bring the dose into range"
    )
    message = f"Probable entry error: {reason}." + "".join(
        f" Possibly {s.display}." for s in entry_slips
    )
    return EntryErrorFlag(reason=reason, slips=entry_slips, message=message)


def _value_beside(value: Quantity, ranges: list[QuantityRange], others: list[Quantity]) -> str:
    """``value`` in its own unit, beside the first of ``ranges`` in its dimension: as that
    range shows it when the units agree, else apart from its bounds."""
    for compared in ranges:
        if compared.low.dimensionality == value.dimensionality:
            if value.units == compared.low.units:
                return compared.value_beside(value, *others)
            return format_apart_from(value, [compared.low, compared.high])
    return format_apart_from(value, [])


def _display(
    verdict: Verdict,
    proposed: Quantity,
    in_rule_units: Quantity,
    dose_rate: Quantity | None,
    pump_rate: Quantity | None,
    volume: Quantity | None,
    result: DoseResult | _RuleOnly,
    beside: list[Quantity],
) -> dict[str, str]:
    """Each restatement of the dose beside the range it is compared with, that range shown
    so that neither the dose nor what a slip would make of it ever contradicts it
    (`QuantityRange.display_beside`)."""
    qualifier = result.rule_range.qualifier
    shown = {
        "verdict": VERDICT_WORDS[verdict],
        "proposed": format_exact(proposed),
        "in_rule_units": result.rule_range.value_beside(in_rule_units, *beside)
        + (f", {qualifier}" if qualifier else ""),
        "range": result.rule_range.display_beside(*beside),
    }
    for key, value, compared in (
        ("dose_rate", dose_rate, result.dose),
        ("pump_rate", pump_rate, result.pump_rate),
        ("volume", volume, result.volume),
    ):
        if value is not None and compared is not None:
            shown[key] = compared.value_beside(value, *beside)
            shown[f"{key}_range"] = compared.display_beside(*beside)
    if result.dose is not None:
        shown["patient_range"] = result.dose.display_beside(*beside)
    return shown


VERDICT_WORDS: Final[dict[Verdict, str]] = {
    "below": "BELOW the range",
    "within": "WITHIN the range",
    "above": "ABOVE the range",
}


def ratio_text(ratio: Fraction) -> str:
    """The proposed dose over its nearest bound, never reading as 1 unless it is 1."""
    return number_apart_from(ratio, [Fraction(1)])


def _restatement(
    proposed: Quantity,
    form: DoseForm,
    in_rule_units: Quantity,
    result: DoseResult | _RuleOnly,
    verdict: Verdict,
) -> str:
    entered = format_exact(proposed)
    restated = result.rule_range.value_beside(in_rule_units)
    via = ""
    if form in ("pump-rate", "volume") and result.concentration is not None:
        via += f" × {operand(result.concentration)}"
    worked = proposed
    if form in ("pump-rate", "volume") and result.concentration is not None:
        worked = worked * result.concentration
    if form in ("absolute-rate", "pump-rate") and result.dosing_weight is not None:
        dosing = result.dosing_weight
        via += f" ÷ {format_body(dosing.quantity)} ({dosing.basis} body weight)"
        worked = worked / dosing.quantity
    via += _conversion(worked.units, result.rule_range.low.units)
    working = entered if not via and entered == restated else f"{entered}{via} = {restated}"
    return (
        f"{working}; the range is {result.rule_range.display_beside(in_rule_units)}, "
        f"so the dose is {verdict} it"
    )


def _conversion(units: Unit, to: Unit) -> str:
    """`` × 60 ÷ 1,000 (mcg/kg/min to mg/kg/hr)``: the factor each changed unit
    multiplies by, so that the restatement checks by hand; empty when units agree."""
    targets = {(dimension_of(name), power): name for name, power in unit_powers(to).items()}
    times, by = [], []
    for name, power in unit_powers(units).items():
        target = targets.get((dimension_of(name), power), name)
        factor = magnitude(
            registry().Quantity(Fraction(1), named_unit(name)).to(named_unit(target))
        )
        factor = factor**power
        if factor.denominator == 1 and factor != 1:
            times.append(factor)
        elif factor.numerator == 1 and factor != 1:
            by.append(1 / factor)
        elif factor != 1:  # no whole factor either way: the exact decimal
            times.append(factor)
    if not times and not by:
        return ""
    steps = [f" × {format_number(f, decimals=exact_places(f))}" for f in times]
    steps += [f" ÷ {format_number(f, decimals=exact_places(f))}" for f in by]
    return "".join(steps) + f" ({unit_display(units)} to {unit_display(to)})"


def _restated_steps(
    proposed: Quantity,
    form: DoseForm,
    restated: tuple[Quantity, Quantity | None],
    shown: dict[str, str],
    result: DoseResult | _RuleOnly,
) -> list[str]:
    """The working of each restatement shown beside a range, each from exact operands
    (``restated``: the dose in the rule's unit and as a dose rate), to the figure shown."""
    in_rule_units, dose_rate = restated
    conc = operand(result.concentration) if result.concentration is not None else ""
    entered = format_exact(proposed)
    steps = []
    if dose_rate is not None and result.dosing_weight is not None:
        if form == "weight-based-rate":
            weight = format_body(result.dosing_weight.quantity)
            steps.append(
                f"as a dose rate: {operand(in_rule_units)} × {weight} = {shown['dose_rate']}"
            )
        elif form == "pump-rate":
            steps.append(f"as a dose rate: {entered} × {conc} = {shown['dose_rate']}")
        elif entered != shown["dose_rate"]:
            conversion = _conversion(proposed.units, named_unit(DOSE_RATE_UNIT))
            steps.append(f"as a dose rate: {entered}{conversion} = {shown['dose_rate']}")
        if "pump_rate" in shown and form != "pump-rate":
            steps.append(f"as a pump rate: {operand(dose_rate)} ÷ {conc} = {shown['pump_rate']}")
    if "volume" in shown and form != "volume":
        steps.append(f"as a volume: {operand(in_rule_units)} ÷ {conc} = {shown['volume']}")
    return [step for step in steps if "just " not in step]  # "just over" is no operand


def _shown(value: object, parsed: Quantity) -> str:
    return value.strip() if isinstance(value, str) else format_exact(parsed)
