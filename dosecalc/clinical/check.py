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

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Final, TypeVar

from dosecalc.clinical.calculate import (
    Rules,
    calculate,
    not_specified,
    per_hour,
    rule_basis,
    rule_set_of,
)
from dosecalc.clinical.headline import (
    MAXIMUM_NOT_COMPARED,
    PER_KG_ACTUAL_ABOVE_MAXIMUM,
    PER_KG_WEIGHT_UNCLEAR,
    findings_of,
    slip_withheld,
)
from dosecalc.clinical.limits import (
    ORDER_ABOVE_MAXIMUM,
    HardLimitState,
    dose_per_24h_warnings,
    doses_in_24_hours,
    hard_limit_state,
    hard_limits_of,
    order_beside_maximum,
    standard_concentration_warnings,
)
from dosecalc.clinical.result import (
    Basis,
    CheckResult,
    DoseResult,
    EntryErrorFlag,
    EntrySlip,
    QuantityRange,
    Verdict,
)
from dosecalc.foundation.disclaimer import DISCLAIMER
from dosecalc.foundation.display import (
    finite_places,
    format_apart_from,
    format_body,
    format_entered,
    format_exact,
    format_number,
    magnitude,
    number_apart_from,
    operand,
    unit_display,
)
from dosecalc.foundation.dose_units import (
    DOSE_FORMS,
    Dose,
    DoseForm,
)
from dosecalc.foundation.errors import InputError, MissingInputError, UnitError
from dosecalc.foundation.text import quoted
from dosecalc.foundation.unit_registry import (
    Quantity,
    Unit,
    conversion_factor,
    named_unit,
    quantity_of,
    registry,
    unit_powers,
)
from dosecalc.foundation.units import (
    CONCENTRATION,
    DURATION,
    is_given,
    parse_dose,
    parse_quantity,
)
from dosecalc.foundation.working import (
    Apply,
    Equation,
    Factor,
    Operand,
    Step,
    Term,
    chain,
    unit_change,
    unit_change_factors,
    written,
)
from dosecalc.patient.body import (
    DoseWarning,
    body_figure,
    read_basis,
    read_sex,
    read_unused_measurements,
    source_covers,
    weight_not_given,
)
from dosecalc.ruleset.kinds import KINDS, ConversionStep, KindName, RegimenKind
from dosecalc.ruleset.loader import RuleSet
from dosecalc.ruleset.schema import Regimen, RouteCode

ENTRY_ERROR_RATIO: Final = 10
"""A dose this many times the top of the range, or this fraction of the bottom, is flagged."""


@dataclass(frozen=True)
class UsualSlip:
    """A usual slip of entry: the dose meant is the dose entered times ``factor``.

    A slip of units (``entered`` and ``meant`` set) means the same number in another unit,
    so it can only have happened to an entry whose unit holds ``entered`` (to the power
    ``power``): 0.4 mg/kg/min may have meant 0.4 mg/kg/hr, but 24 mg/kg/hr was not a per
    minute dose written per hour. Which way it goes follows from the unit entered. A slip
    of the decimal point fits any entry, either way.
    """

    name: str
    factor: Fraction
    entered: str | None = None
    meant: str | None = None
    power: int = 0
    reading: str = ""
    """How the number entered reads in the unit meant ("per hour"), for a slip of units."""

    @property
    def confuses_units(self) -> bool:
        return self.entered is not None

    def admits(self, units: Unit) -> bool:
        """Whether an entry in ``units`` can have made this slip."""
        return self.entered is None or unit_powers(units).get(self.entered) == self.power

    def meant_units(self, units: Unit) -> Unit:
        """``units`` with the unit entered by mistake replaced by the one meant (the same
        units for a slip of the decimal point)."""
        if self.entered is None or self.meant is None:
            return units
        swap: Unit = (named_unit(self.meant) / named_unit(self.entered)) ** self.power
        return units * swap  # type: ignore[no-any-return]


DAY_WRITTEN_PER_HOUR: Final = UsualSlip(
    "per day and per hour confused", Fraction(1, 24), "hour", "day", -1, "per 24 hours"
)
HOUR_WRITTEN_PER_DAY: Final = UsualSlip(
    "per day and per hour confused", Fraction(24), "day", "hour", -1, "per hour"
)

SLIPS: Final[tuple[UsualSlip, ...]] = (
    UsualSlip("decimal point one place out", Fraction(1, 10)),
    UsualSlip("decimal point one place out", Fraction(10)),
    UsualSlip("decimal point two places out", Fraction(1, 100)),
    UsualSlip("decimal point two places out", Fraction(100)),
    UsualSlip("mg and mcg confused", Fraction(1, 1000), "milligram", "microgram", 1, "in mcg"),
    UsualSlip("mg and mcg confused", Fraction(1000), "microgram", "milligram", 1, "in mg"),
    UsualSlip("g and mg confused", Fraction(1, 1000), "gram", "milligram", 1, "in mg"),
    UsualSlip(
        "per minute and per hour confused", Fraction(1, 60), "minute", "hour", -1, "per hour"
    ),
    UsualSlip("per minute and per hour confused", Fraction(60), "hour", "minute", -1, "per minute"),
    DAY_WRITTEN_PER_HOUR,
    HOUR_WRITTEN_PER_DAY,
)
"""The usual slips, each way it can go. The one list behind `check` and both paths of the
audit (which reads an entry's unit once, as `admitted_slips`)."""


def admitted_slips(units: Unit) -> int:
    """The slips an entry in ``units`` can have made, a bit per slip of `SLIPS`."""
    return sum(1 << bit for bit, slip in enumerate(SLIPS) if slip.admits(units))


_Amount = TypeVar("_Amount")


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
    every: object = None,
) -> CheckResult:
    """Check a proposed ``dose`` against the regimen's range for this patient.

    Arguments are as for `calculate`, plus ``dose`` (text or a pint Quantity) and, for a
    dose per administration, ``every``: the interval between doses ("6 hr"), with which
    its total per 24 hours is compared with a library's maximum per 24 hours (without it,
    that comparison is said not to be made).
    Without a weight (None), a fixed dose is checked as usual and a dose per kg
    against the range per kg (nothing is restated in mg/hr, and a note says the
    weight is needed for that). Raises `InputError` for unusable input,
    including a dose whose form does not fit the regimen, a pump rate without a
    concentration, or a rate not per kg without a weight.
    """
    rule_set = rule_set_of(rules)
    rule = rule_set.find(regimen)
    if rule.regimen_kind.per_kg and weight is None:
        without = _without_weight(rule, rule_set, regimen, concentration, height, sex, basis)
        return check_against(without, dose, every=every)
    result = calculate(
        weight=weight,
        regimen=regimen,
        concentration=concentration,
        height=height,
        sex=sex,
        basis=basis,
        rules=rule_set,
    )
    return check_against(result, dose, every=every)


@dataclass(frozen=True, kw_only=True)
class _RuleOnly:
    """What a check against the rule's own range needs, for a patient without a weight:
    the fields of a `DoseResult` that such a check reads, none computed from a weight."""

    drug: str
    regimen: str
    route: str
    route_code: RouteCode | None
    kind: KindName
    rule_range: QuantityRange
    dosing_weight: None = None
    concentration: Quantity | None
    dose: None = None
    pump_rate: None = None
    volume: None = None
    hard_limits: QuantityRange | None
    max_per_24h: None = None  # a dose per kg without a weight has no total to compare
    side_effects: tuple[str, ...]
    supervision: str
    warnings: tuple[DoseWarning, ...]
    notes: tuple[str, ...]
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
        hard_limits=hard_limits_of(rule, rule_range.qualifier),
        concentration=conc,
        side_effects=tuple(rule.side_effects),
        supervision=rule.supervision,
        warnings=(
            *standard_concentration_warnings(rule, conc),
            *(
                [DoseWarning(code=MAXIMUM_NOT_COMPARED, message=NO_WEIGHT_MAXIMUM_NOTE)]
                if rule.max_per_24h is not None
                else []
            ),
            weight_not_given(),
        ),
        notes=(NO_WEIGHT_NOTE, *not_specified(rule)),
        basis=rule_basis(
            rule, rule_set, inputs, f"the range in the source: {rule_range.display}", []
        ),
    )


NO_WEIGHT_NOTE: Final = (
    "No weight was given: the dose is checked against the range per kg only. "
    "Restating it in mg/hr, or as a pump rate, needs the patient's weight."
)


NO_WEIGHT_MAXIMUM_NOTE: Final = (
    "No weight was given, so the dose is not compared with the library's maximum per 24 "
    "hours: that needs the patient's weight."
)


def check_against(
    result: DoseResult | _RuleOnly, dose: object, *, every: object = None
) -> CheckResult:
    """Check a proposed ``dose`` (given ``every`` interval, for a dose per administration:
    see `check`) against a range already calculated for a patient."""
    read = parse_dose(dose)
    proposed, form = read.quantity, read.form
    in_rule_units = _in_rule_units(proposed, form, result, _shown(dose, proposed))
    interval = _interval(every, result)
    low, high = result.rule_range.low, result.rule_range.high
    verdict = verdict_of(in_rule_units, low, high)
    ratio = _ratio_to_nearest_bound(in_rule_units, low, high)
    kind = KINDS[result.kind]
    patient_dose = (
        (in_rule_units * result.dosing_weight.quantity).to(result.dose.low.units)
        if kind.per_kg and result.dosing_weight is not None and result.dose is not None
        else None
    )
    per_patient = kind.per_patient(in_rule_units, patient_dose)
    conc = result.concentration
    delivered = (
        (per_patient / conc).to(named_unit(kind.delivered_unit))
        if per_patient is not None and conc is not None
        else None
    )
    pump_rate, volume = kind.as_rate_or_amount(delivered)
    dose_rate, dose_amount = kind.as_rate_or_amount(patient_dose)
    hard_limit = hard_limit_state(in_rule_units, result.hard_limits)
    ranges = [r for r in (result.rule_range, result.dose, result.pump_rate, result.volume) if r]
    restated = [q for q in (in_rule_units, patient_dose, pump_rate, volume) if q is not None]
    slips = _slips(verdict, proposed, in_rule_units, result.rule_range)
    beside = [*restated, *(s.in_rule_units for s in slips), *(s.meant for s in slips)]
    about_the_patient = result.warnings  # "no weight was given" among them, if none was
    covered = source_covers(about_the_patient)
    entry_error = _probable_entry_error(
        verdict, read, in_rule_units, slips, ranges, beside, covered
    )
    display = _display(proposed, in_rule_units, patient_dose, pump_rate, volume, result, beside)
    display["proposed"] = format_entered(_shown(dose, proposed))  # as written, never reduced
    if result.hard_limits is not None:  # shown beside every check
        display["hard_limits"] = result.hard_limits.display_beside(*beside)
    beside_maximum = order_beside_maximum(kind, per_patient, result.max_per_24h, interval)
    if beside_maximum is not None:  # shown beside every check against a maximum
        display["max_per_24h"] = beside_maximum
    rate_shown = display.get(_patient_dose_key(result)) or display["in_rule_units"]
    warnings = [
        *about_the_patient,
        *continuous_rate_warnings(read, rate_shown),
        *dose_per_24h_warnings(kind, per_patient, result.max_per_24h, interval),
        *_other_weight_reading(form, in_rule_units, verdict, result, beside, interval),
    ]
    findings = findings_of(
        verdict=verdict,
        hard_limit=hard_limit,
        entry_error=entry_error,
        warnings=warnings,
        basis=result.basis,
        in_volume=DOSE_FORMS[form].in_volume,
    )
    display["verdict"] = findings[0].text  # the worst finding leads, on every face
    return CheckResult(
        headline=findings[0],
        verdict=verdict,
        drug=result.drug,
        regimen=result.regimen,
        route=result.route,
        route_code=result.route_code,
        form=form,
        proposed=proposed,
        proposed_as_written=read.written_as,
        in_rule_units=in_rule_units,
        dose_rate=dose_rate,
        dose_amount=dose_amount,
        pump_rate=pump_rate,
        volume=volume,
        every=interval,
        hard_limit=hard_limit,
        hard_limits=result.hard_limits,
        range=result.rule_range,
        patient_range=result.dose,
        ratio_to_bound=ratio,
        probable_entry_error=entry_error,
        findings=tuple(findings),
        display=display,
        side_effects=result.side_effects,
        supervision=result.supervision,
        warnings=tuple(warnings),
        notes=result.notes,
        basis=result.basis.model_copy(
            update={
                "inputs": {
                    **result.basis.inputs,
                    "dose": _shown(dose, proposed),
                    **({"every": _shown(every, interval)} if interval is not None else {}),
                },
                "formula": _restatement(read, in_rule_units, result, verdict)
                + _against_hard_limits(in_rule_units, result.hard_limits, hard_limit),
                "steps": [
                    *_restated_steps(
                        read,
                        (in_rule_units, patient_dose),
                        (pump_rate, volume),
                        result,
                        beside,
                    ),
                    result.basis.formula,
                    *result.basis.steps,
                ],
            }
        ),
        disclaimer=result.disclaimer,
    )


def _interval(every: object, result: DoseResult | _RuleOnly) -> Quantity | None:
    """The interval between doses, read by the one reader of durations; None when not
    given. A rate has none: it runs continuously."""
    if not is_given(every):
        return None
    interval = parse_quantity(every, DURATION, "every")
    if KINDS[result.kind].is_rate:
        raise InputError(
            "every",
            f"{result.route} ({result.regimen}) is a rate, which runs continuously: it has no "
            "interval between doses",
            "Leave 'every' out for a rate",
        )
    return interval


def _passes(
    kind: RegimenKind, per_patient: Quantity, maximum: Quantity, interval: Quantity | None
) -> bool:
    """Whether the order for the patient is above the maximum per 24 hours."""
    warnings = dose_per_24h_warnings(kind, per_patient, maximum, interval)
    return any(warning.code == ORDER_ABOVE_MAXIMUM for warning in warnings)


def _other_weight_reading(
    form: DoseForm,
    in_rule_units: Quantity,
    verdict: Verdict,
    result: DoseResult | _RuleOnly,
    beside: list[Quantity],
    interval: Quantity | None,
) -> list[DoseWarning]:
    """An order written per kg is read per kg of the dosing weight. When that is not the
    actual weight, and the order read per kg of the actual weight gets another verdict
    against this patient's range, both readings are said: which weight the order means
    is the prescriber's to say, never dosecalc's to guess."""
    patient = getattr(result, "patient", None)
    dosing = result.dosing_weight
    if (
        not DOSE_FORMS[form].per_kg
        or dosing is None
        or dosing.basis == "actual"
        or patient is None
        or result.dose is None
    ):
        return []
    actual = body_figure(patient.weight_kg)
    other = (in_rule_units * actual).to(result.dose.low.units)
    read_as = (in_rule_units * dosing.quantity).to(result.dose.low.units)
    other_verdict = verdict_of(other, result.dose.low, result.dose.high)
    maximum = result.max_per_24h
    passes = (
        maximum is not None
        and _passes(KINDS[result.kind], other, maximum, interval)
        and not _passes(KINDS[result.kind], read_as, maximum, interval)
    )
    if other_verdict == verdict and not passes:
        return []
    shown = [*beside, other]
    on_actual = (
        f"read per kg of the actual body weight ({format_body(actual)}) it would be "
        f"{result.dose.value_beside(other, *shown)}"
    )
    beyond = (
        f"the library's maximum of {format_exact(maximum)} per 24 hours "
        f"({result.basis.max_per_24h_from})"
        if maximum is not None
        else ""
    )
    ask = "Ask the prescriber which weight the order is per kg of."
    if other_verdict == verdict:  # the same verdict, but past the maximum read so
        kind = KINDS[result.kind]
        total = f" ({format_exact(kind.in_24_hours(other))} per 24 hours)" if kind.is_rate else ""
        if not kind.is_rate and interval is not None:  # the doses any 24 hours holds
            doses = doses_in_24_hours(interval)[1]
            total = (
                f" (given every {format_exact(interval)}, {doses:,} × {format_exact(other)} = "
                f"{format_exact(other * doses)} in any 24 hours)"
            )
        return [
            DoseWarning(
                code=PER_KG_ACTUAL_ABOVE_MAXIMUM,
                message=f"The order is per kg. It is {verdict} this patient's range "
                f"({result.dose.display_beside(*shown)}) either way, but {on_actual}"
                f"{total}, above {beyond}. {ask}",
            )
        ]
    also = f" Read so, it would also pass {beyond}." if passes else ""
    return [
        DoseWarning(
            code=PER_KG_WEIGHT_UNCLEAR,
            message=f"The order is per kg. Read per kg of the {dosing.basis} body weight "
            f"({format_body(dosing.quantity)}), the dosing weight chosen, it is "
            f"{result.dose.value_beside(read_as, *shown)}, {verdict} this patient's range "
            f"({result.dose.display_beside(*shown)}); {on_actual}, {other_verdict} it.{also} "
            f"{ask}",
        )
    ]


def _in_rule_units(
    proposed: Quantity, form: DoseForm, result: DoseResult | _RuleOnly, shown: str
) -> Quantity:
    """The dose restated in the rule's unit, by the steps the regimen kind gives for its
    form (`RegimenKind.conversion`), or an input error saying why it cannot be: a form
    that does not fit, a missing concentration or weight."""
    kind = KINDS[result.kind]
    if form not in kind.forms:
        raise UnitError(
            "dose",
            f"{quoted(shown)} is {DOSE_FORMS[form].words}, which does not fit {result.route} "
            f"({result.regimen})",
            f"Enter {kind.enter}",
        )
    steps = kind.conversion(form)
    if ConversionStep.TIMES_CONCENTRATION in steps and result.concentration is None:
        raise MissingInputError(
            "concentration",
            f"the dose {quoted(shown)} is {DOSE_FORMS[form].words}, which needs the "
            "concentration to become a drug amount",
            "Give the concentration, e.g. '1 mg/mL'",
        )
    weighed = _conversion_weight(result)
    if kind.needs_weight(form) and weighed is None:
        per_kg = ConversionStep.PER_WEIGHT in steps
        raise MissingInputError(
            "weight",
            f"the dose {quoted(shown)} is {DOSE_FORMS[form].words}"
            + (", not per kg" if per_kg else "")
            + f": comparing it with the range {result.rule_range.display} needs the "
            "patient's weight",
            "Enter the weight" + (", or give the dose per kg" if per_kg else ""),
        )
    weight = weighed[0] if weighed is not None else None
    in_form = in_rule_form(
        proposed, form, result.kind, concentration=result.concentration, weight=weight
    )
    return in_form.to(result.rule_range.low.units)


def _conversion_weight(result: DoseResult | _RuleOnly) -> tuple[Quantity, str] | None:
    """The weight a dose per kg is converted with, and which weight it is: the dosing
    weight of a range per kg; for any other range, the patient's actual weight as used
    (to 0.01 kg), when one was given."""
    if result.dosing_weight is not None:
        return result.dosing_weight.quantity, result.dosing_weight.basis
    patient = getattr(result, "patient", None)
    if patient is None:
        return None
    return body_figure(patient.weight_kg), "actual"


def in_rule_form(
    dose: _Amount,
    form: DoseForm,
    kind: KindName,
    *,
    concentration: _Amount | None,
    weight: _Amount | None,
) -> _Amount:
    """``dose``, written in ``form``, as a dose of the regimen's ``kind`` (any unit of it),
    by the kind's conversion steps (`RegimenKind.conversion`). The one conversion `check`
    and both paths of the audit use, alike on exact quantities, on exact numbers and on
    float arrays (each in one unit per form).

    ``form`` must fit ``kind`` and what it needs be given (callers say what is missing in
    their own words); anything else is a programming error.
    """
    regimen_kind = KINDS[kind]
    if form not in regimen_kind.forms:
        raise ValueError(f"a dose in the form {form} does not fit a {kind} regimen")
    amount = dose
    for step in regimen_kind.conversion(form):
        factor = weight if step.needs_weight else concentration
        if factor is None:
            raise ValueError(f"a dose in the form {form} needs the {step.factor}")
        amount = step.apply(amount, factor)
    return amount


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
    verdict: Verdict, admitted: int, dose: Quantity, low: Quantity, high: Quantity
) -> list[UsualSlip]:
    """The usual slips (of those ``admitted``, a bit per slip of `SLIPS`) that would bring
    ``dose``, in the rule's unit and outside the range, into it."""
    if verdict == "within":
        return []
    return [
        slip
        for bit, slip in enumerate(SLIPS)
        if admitted >> bit & 1 and verdict_of(dose * slip.factor, low, high) == "within"
    ]


def slip_factor(slip: UsualSlip) -> str:
    """The factor of a slip as worked: "÷ 60" or "× 10"."""
    if slip.factor < 1:
        return f"÷ {format_number(1 / slip.factor)}"
    return f"× {format_number(slip.factor)}"


def is_far_out(verdict: Verdict, dose: Quantity, low: Quantity, high: Quantity) -> bool:
    """Out of range by `ENTRY_ERROR_RATIO` times or more (above) or its inverse (below)."""
    if verdict == "within":
        return False
    ratio = dose.magnitude / (high.magnitude if verdict == "above" else low.magnitude)
    return bool(ratio >= ENTRY_ERROR_RATIO or ratio <= Fraction(1, ENTRY_ERROR_RATIO))


@dataclass(frozen=True)
class _Slip:
    """A usual slip that fits, and what it would make of the dose: as meant (the number
    entered in the unit meant, for a slip of units) and in the rule's unit."""

    slip: UsualSlip
    meant: Quantity
    in_rule_units: Quantity


def _slips(
    verdict: Verdict, proposed: Quantity, dose: Quantity, rule: QuantityRange
) -> list[_Slip]:
    admitted = admitted_slips(proposed.units)
    slips = []
    for slip in fitting_slips(verdict, admitted, dose, rule.low, rule.high):
        meant = (
            registry().Quantity(proposed.magnitude, slip.meant_units(proposed.units))
            if slip.confuses_units
            else proposed * slip.factor
        )
        slips.append(_Slip(slip, meant, dose * slip.factor))
    return slips


def _written_meant(read: Dose, slip: UsualSlip) -> str | None:
    """What ``slip`` would make of an order written over a stated time, in the order's own
    shape and exactly ("17.5 mg/30 min" for 175 mg/30 min a decimal place out, never the
    rate it reduces to); None for any other order, and for a slip of a unit its figures do
    not show (840 mg/24 hr read per hour: the time is in hours, not days)."""
    if read.written_as is None:
        return None
    amount, per = read.written_as
    if not slip.confuses_units:
        amount = amount * slip.factor
    elif slip.power == 1 and unit_powers(amount.units).get(slip.entered or "") == 1:
        amount = amount.magnitude * slip.meant_units(amount.units)
    elif slip.power == -1 and per.units == named_unit(slip.entered or ""):
        per = quantity_of(magnitude(per), named_unit(slip.meant or ""))
    else:
        return None
    return _over(amount, per)


READ_AS_CONTINUOUS: Final = "order-read-as-continuous-rate"
"""The warning code of an order written as an amount over a stated time ("17.5 mg/30 min"),
which dosecalc reads as a rate given without a break: one dose given once over that time (a
loading dose) is no rate, and nothing here checks it. Per one unit of time or per 24 hours
is how a rate is written, and is not said so."""


def continuous_rate_warnings(read: Dose, rate: str) -> list[DoseWarning]:
    """Said of an order written as an amount over a stated time, read as the continuous
    ``rate`` it comes to (as shown); none for any other order."""
    if read.written_as is None or not DOSE_FORMS[read.form].is_rate:
        return []
    per = read.written_as[1]
    days = magnitude(per) * conversion_factor(per.units, named_unit("day"))
    if magnitude(per) == 1 or days == 1:
        return []  # "30 mg/1 hr", "840 mg/24 hr": how a rate is written, a syringe driver's
    over = format_exact(per)
    return [
        DoseWarning(
            code=READ_AS_CONTINUOUS,
            message=f"{_order_as_written(read)} is read as a continuous rate, {rate}, given "
            f"without a break. If it is one dose given once over {over} (a loading dose), "
            "it is not a rate and is not checked here: check it with the prescriber.",
        )
    ]


def _order_as_written(read: Dose) -> str:
    """The order in its own shape: "175 mg/30 min", else the dose ("30 mg/hr")."""
    if read.written_as is None:
        return format_exact(read.quantity)
    return _over(*read.written_as)


def _over(amount: Quantity, per: Quantity) -> str:
    """An amount over a stated time, in the shape an order writes it: "17.5 mg/30 min"."""
    return f"{format_exact(amount)}/{format_exact(per)}"


def _probable_entry_error(
    verdict: Verdict,
    read: Dose,
    dose: Quantity,
    slips: list[_Slip],
    ranges: list[QuantityRange],
    beside: list[Quantity],
    covered: bool,
) -> EntryErrorFlag | None:
    """``ranges[0]`` is the rule's range (``dose`` is in its unit). What a slip would
    make of the dose is asked as a question in the unit meant (the unit entered, for a
    slip of the decimal point), with the rule's unit too when they differ, each beside
    the range in its unit as shown with ``beside``. Below the range, and for a patient the
    source does not cover (not ``covered``), each slip is named with its factor, and no
    dose is asked about: a higher dose is the prescriber's to order, never dosecalc's to
    suggest, and the range is not that patient's."""
    low, high = ranges[0].low, ranges[0].high
    asked = covered and slip_withheld(verdict)
    entered = _order_as_written(read)
    entry_slips = []
    meant = []
    for found in slips:
        as_written = _written_meant(read, found.slip)
        text = as_written or _value_beside(found.meant, ranges, beside)
        meant.append(text)
        worked = text
        in_rule_units = _value_beside(found.in_rule_units, ranges, beside)
        if (found.slip.confuses_units or as_written) and in_rule_units != text:
            worked += f", that is {in_rule_units}"
        factor = slip_factor(found.slip)
        if not asked:
            display = f"{found.slip.name} ({factor})"
        elif found.slip.confuses_units:  # the same number, in the unit meant
            display = (
                f"{found.slip.name}: was {text} meant? ({entered} read "
                f"{found.slip.reading}: {worked}, within the range)"
            )
        else:
            display = (
                f"{found.slip.name}: was {text} meant? ({entered} {factor} = "
                f"{worked}, within the range)"
            )
        entry_slips.append(
            EntrySlip(
                slip=found.slip.name,
                factor=factor,
                would_mean=found.meant if asked else None,
                display=display,
            )
        )
    far = is_far_out(verdict, dose, low, high)
    if not entry_slips and not far:
        return None
    ratio = dose.magnitude / (high.magnitude if verdict == "above" else low.magnitude)
    reason = (
        f"the dose is {ratio_text(ratio)} times the "
        f"{'upper' if verdict == 'above' else 'lower'} bound"
        if far
        else "a usual slip would bring the dose into range"
    )
    message = f"Probable entry error: {reason}." + "".join(
        f" Possibly {s.display}." for s in entry_slips
    )
    if not covered:
        message += " No dose is suggested: the source's range is not for this patient."
    elif not asked and entry_slips:
        message += " No dose is suggested: a higher dose is the prescriber's to order."
    question = f"was {' or '.join(dict.fromkeys(meant))} meant?" if meant and asked else ""
    return EntryErrorFlag(
        reason=reason, slips=tuple(entry_slips), question=question, message=message
    )


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
    proposed: Quantity,
    in_rule_units: Quantity,
    patient_dose: Quantity | None,
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
        "in_rule_units": _in_rule_text(in_rule_units, result, beside)
        + (f", {qualifier}" if qualifier else ""),
        "range": result.rule_range.display_beside(*beside),
    }
    for key, value, compared in (
        (_patient_dose_key(result), patient_dose, result.dose),
        ("pump_rate", pump_rate, result.pump_rate),
        ("volume", volume, result.volume),
    ):
        if value is not None and compared is not None:
            shown[key] = compared.value_beside(value, *beside)
            shown[f"{key}_range"] = compared.display_beside(*beside)
    if result.dose is not None:
        shown["patient_range"] = result.dose.display_beside(*beside)
    return shown


_RATIOS_APART: Final = (Fraction(1), Fraction(ENTRY_ERROR_RATIO), Fraction(1, ENTRY_ERROR_RATIO))


def ratio_text(ratio: Fraction) -> str:
    """The proposed dose over a bound, the one way every line writes it: never reading as
    1 (on a bound) or as the probable-entry-error ratio (10 or 0.1) unless it is one."""
    return number_apart_from(ratio, _RATIOS_APART)


def _as_entered(read: Dose) -> tuple[Term, Quantity]:
    """The order as a line of working starts from it, and its exact value in the unit of
    that start: "17.5 mg ÷ 30 min" (35/60 mg/min) for a rate written over a stated time,
    else the dose itself."""
    if read.written_as is None:
        return Operand.exact(read.quantity), read.quantity
    amount, per = read.written_as
    return Apply(Operand.exact(amount), "÷", Operand.exact(per)), amount / per


def _restatement(
    read: Dose, in_rule_units: Quantity, result: DoseResult | _RuleOnly, verdict: Verdict
) -> str:
    term, worked = _as_entered(read)
    entered = written(term)
    restated = _in_rule_text(in_rule_units, result, [])
    via = ""
    for step in KINDS[result.kind].conversion(read.form):  # `_in_rule_units` has them all
        if not step.needs_weight and result.concentration is not None:
            via += f" {step.operator} {operand(result.concentration)}"
            worked = step.apply(worked, result.concentration)
        elif step.needs_weight and (weighed := _conversion_weight(result)):
            kg, basis = weighed
            via += f" {step.operator} {format_body(kg)} ({basis} body weight)"
            worked = step.apply(worked, kg)
    via += unit_change(worked.units, result.rule_range.low.units)
    working = entered if not via and entered == restated else f"{entered}{via} = {restated}"
    return (
        f"{working}; the range is {result.rule_range.display_beside(in_rule_units)}, "
        f"so the dose is {verdict} it"
    )


def _in_rule_text(
    value: Quantity, result: DoseResult | _RuleOnly, beside: Sequence[Quantity]
) -> str:
    """The dose in the rule's unit as shown beside the range and, outside it, beside the
    library's hard limits too: never reading as a hard limit it breaches or as inside one
    it is not (0.40001 mg/kg/hr is not "0.4" beside a hard limit of 0.4)."""
    text = result.rule_range.value_beside(value, *beside)
    limits = result.hard_limits
    low, high = (magnitude(bound) for bound in (result.rule_range.low, result.rule_range.high))
    number = magnitude(value.to(result.rule_range.low.units))
    if limits is None or low <= number <= high:
        return text
    hard_low, hard_high = (
        magnitude(limits.low.to(result.rule_range.low.units)),
        magnitude(limits.high.to(result.rule_range.low.units)),
    )
    if number in (hard_low, hard_high):
        return limits.value_beside(value, *beside)
    return number_apart_from(
        number, [low, high, hard_low, hard_high], unit_display(result.rule_range.low.units)
    )


def _against_hard_limits(
    dose: Quantity, limits: QuantityRange | None, state: HardLimitState | None
) -> str:
    """``; the library's hard limits are 5 to 60 mg/24 hr, so the dose is above them``."""
    if limits is None:
        return ""
    return (
        f"; the library's hard limits are {limits.display_beside(dose)}, so the dose is "
        f"{state or 'within'} them"
    )


def _restated_steps(
    read: Dose,
    restated: tuple[Quantity, Quantity | None],
    delivered: tuple[Quantity | None, Quantity | None],
    result: DoseResult | _RuleOnly,
    beside: list[Quantity],
) -> list[Step]:
    """The working of each restatement shown beside a range, each from exact operands
    (``restated``: the dose in the rule's unit and for this patient; ``delivered``: its
    pump rate and volume), to the figure shown beside that range (none for a figure shown
    only as "just over" a bound)."""
    in_rule_units, patient_dose = restated
    form = read.form
    kind = KINDS[result.kind]
    conc = result.concentration
    entered, start = _as_entered(read)
    steps = []

    def step(label: str, term: Term, value: Quantity, compared: QuantityRange | None) -> None:
        shown = compared.figure_beside(value, *beside) if compared is not None else None
        if compared is None or shown is None:
            return
        got = Operand.shown(shown, compared.low.units)
        if term != entered or got.text != written(entered):  # not the order, merely repeated
            steps.append(Step(label, (Equation(term, got),)))

    patient_term: Term | None = None  # what comes to the dose for this patient, exactly
    if patient_dose is not None and result.dosing_weight is not None:
        to_patient = patient_dose.units
        if DOSE_FORMS[form].per_kg:
            weight = result.dosing_weight.quantity
            # From the order's own figures when it states a time ("0.25 mg/kg ÷ 30 min").
            per_kg = in_rule_units if read.written_as is None else start
            first = Operand.exact(per_kg) if read.written_as is None else entered
            by_weight = Apply(first, "×", Operand.exact(weight))
            change = unit_change_factors(per_kg.units * weight.units, to_patient)
            patient_term = chain(by_weight, change)
        elif DOSE_FORMS[form].in_volume and conc is not None:
            change = unit_change_factors(start.units * conc.units, to_patient)
            patient_term = chain(Apply(entered, "×", Operand.exact(conc)), change)
        else:
            patient_term = chain(entered, unit_change_factors(start.units, to_patient))
        step(kind.ordered_as, patient_term, patient_dose, result.dose)
    per_patient = kind.per_patient(in_rule_units, patient_dose)
    pump_rate, volume = delivered
    if DOSE_FORMS[form].in_volume and pump_rate is not None:  # the order is the pump rate
        change = unit_change_factors(start.units, pump_rate.units)
        step("as a pump rate", chain(entered, change), pump_rate, result.pump_rate)
    if conc is not None and per_patient is not None and not DOSE_FORMS[form].in_volume:
        # An order written over a time comes to a dose with no exact decimal (1 mg/kg ÷ 3
        # hr × 70 kg): worked on from its own figures, never from "70 mg in 3 hr".
        source: Term = Operand.exact(per_patient)
        if read.written_as is not None and finite_places(magnitude(per_patient)) is None:
            if patient_term is not None and per_patient is patient_dose:
                source = patient_term
            elif not DOSE_FORMS[form].per_kg:
                source = chain(entered, unit_change_factors(start.units, per_patient.units))
        by_conc: list[Factor] = [("÷", Operand.exact(conc))]
        if pump_rate is not None:
            by_conc_per_hour = [*by_conc, *per_hour(per_patient.units)]
            step("as a pump rate", chain(source, by_conc_per_hour), pump_rate, result.pump_rate)
        if volume is not None:
            step("as a volume", chain(source, by_conc), volume, result.volume)
    return steps


def _patient_dose_key(result: DoseResult | _RuleOnly) -> str:
    """Where the dose for this patient is shown: as a dose rate, or as a dose."""
    return "dose_rate" if KINDS[result.kind].is_rate else "dose_amount"


def _shown(value: object, parsed: Quantity) -> str:
    return value.strip() if isinstance(value, str) else format_exact(parsed)
