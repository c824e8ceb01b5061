"""`prepare`: the arithmetic of making up an infusion, and nothing more.

From a dose to deliver (an order, or each end of the patient's range from `calculate`),
the stock's strength as its label prints it ("500 mg/10 mL"), a final volume and a
duration (or a pump rate): the drug amount, the stock volume to draw, the diluent volume,
the final concentration and the pump rate, each with its line of working. Values are
exact; each figure shown is worked from the operands shown beside it, so that every line
checks by hand. The impossible (more stock than the final volume) is refused, and an
order 24 times off the patient's range is flagged as a per-hour/per-24-hours slip.
Which diluent, compatibility and stability are out of scope, and the result says so.

An order that breaches the library's limits (its hard limits, or its maximum per 24
hours) is refused (`Refusal`): the refusal leads, and no recipe is worked out unless it is
asked for (``show_recipe_anyway``), and then it is marked not to be made up as ordered.
Every result carries the source's supervision statement. A pump rate is said to be a
setting of the library's pump, or not, or not rounded to one (`dosecalc.clinical.delivery`);
a volume to draw too small to measure warns. Vials are counted only for a vial volume
given: none is assumed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Final, TypedDict

from pydantic import BaseModel, ConfigDict, Field, computed_field

from dosecalc.clinical.calculate import Rules, calculate, rule_set_of
from dosecalc.clinical.check import (
    DAY_WRITTEN_PER_HOUR,
    HOUR_WRITTEN_PER_DAY,
    check_against,
    continuous_rate_warnings,
)
from dosecalc.clinical.delivery import (
    UNMEASURABLE_MARK,
    measurable_below,
    pump_setting,
    pump_setting_warnings,
    said_of,
    volume_warnings,
)
from dosecalc.clinical.headline import (
    ORDER_NOT_CHECKED,
    findings_before_figures,
    most_serious_first,
    slip_withheld,
    why_not_covered,
)
from dosecalc.clinical.limits import (
    HARD_LIMIT_WORDS,
    ORDER_ABOVE_MAXIMUM,
    HardLimitState,
    dose_per_24h_warnings,
    hard_limit_state,
    hourly_ceiling,
    standard_concentration_warnings,
)
from dosecalc.clinical.plausibility import concentration_warnings
from dosecalc.clinical.result import (
    CheckResult,
    DoseResult,
    Finding,
    QuantityRange,
    ShownLine,
    Verdict,
)
from dosecalc.foundation.bounds import DURATION_HOURS, FINAL_VOLUME_ML, PUMP_RATE_ML_PER_H
from dosecalc.foundation.disclaimer import DISCLAIMER
from dosecalc.foundation.display import (
    EXACT_DECIMALS,
    Figure,
    JsonQuantity,
    ShownInputs,
    ShownTexts,
    figure,
    format_exact,
    format_number,
    magnitude,
    operand,
    unit_display,
)
from dosecalc.foundation.dose_units import (
    AMOUNT_UNIT,
    CONCENTRATION_UNIT,
    DOSE_FORMS,
    DOSE_RATE_UNIT,
    HOUR_UNIT,
    PUMP_RATE_UNIT,
    VOLUME_UNIT,
)
from dosecalc.foundation.errors import ChoiceError, MissingInputError, OutOfRangeError, UnitError
from dosecalc.foundation.unit_registry import (
    Quantity,
    Unit,
    dimension_of,
    named_unit,
    registry,
)
from dosecalc.foundation.units import (
    CONCENTRATION,
    DURATION,
    PUMP_RATE,
    VOLUME_KIND,
    is_given,
    parse_dose,
    parse_quantity,
    ratio_parts,
)
from dosecalc.foundation.working import Line, line_text, unit_change
from dosecalc.patient.body import DoseWarning, source_covers
from dosecalc.ruleset.kinds import KINDS
from dosecalc.ruleset.schema import Regimen

DAY_IN_HOURS: Final = 24
"""The per-hour/per-24-hours slip: an order this many times off the range."""

OUT_OF_SCOPE: Final = (
    "Arithmetic only: the choice of diluent, compatibility with the diluent and with other "
    "drugs, stability, and labelling are out of scope; check them against local policy and "
    "with a pharmacist."
)

SLIP_CODE: Final = "per-hour-vs-per-24-hours"
OUTSIDE_CODE: Final = "order-outside-range"

_OWN_BOUND: Final = "a plausibility bound of dosecalc's, not a number of the source"

END_ABOVE_MAXIMUM: Final = "range-end-above-max-per-24h"
"""The warning of an end of the patient's range whose total per 24 hours is above the
library's maximum: that end is not made up (said first among the warnings)."""

PROBABLE_ENTRY_ERROR: Final = "probable-entry-error"
"""The refusal's code for an order `check` would have withheld as a probable entry error."""

DO_NOT_MAKE_UP: Final = "DO NOT MAKE THIS UP AS ORDERED"
"""How a refusal starts, wherever it is shown: an action, before anything else."""

ABOVE_FOR_PATIENT_NOT_COVERED: Final = "above-range-patient-not-covered"
"""The refusal's code for an order above the range for a patient the source does not cover
(`check` would have it withheld: above even a range not written for them)."""

NO_RECIPE_FOR_THIS_PATIENT: Final = "NO RECIPE FOR THIS PATIENT"
"""How a refusal of a range's recipe starts, for a patient the source does not cover."""

NOT_COVERED: Final = "patient-not-covered"
"""The refusal's code for a range not made up: the source does not cover the patient."""

NOT_GIVEN: Final = "not given (no vial volume entered; none is assumed)"
"""Vials and what is left over, without a vial volume: never a vial size of dosecalc's."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)


class Refusal(_Frozen):
    """Why the order is not to be made up as ordered: each breach of the library's limits,
    with the library's citation. ``recipe_shown`` is False when no recipe was worked out
    (the default), True when it was asked for anyway, and is then marked so."""

    message: str
    codes: tuple[str, ...]
    reasons: tuple[str, ...]
    recipe_shown: bool
    for_order: bool = Field(
        default=True,
        description="True for an order refused; False for the patient's range not made up "
        "for a patient the source does not cover (no dose is suggested for them).",
    )


class Preparation(_Frozen):
    """One infusion made up: what to draw, what to add, and the rate to run it at.

    Values are exact (mg/h, h, mg, mL, mL, mg/mL, mL/h); ``display`` holds each figure
    as shown, worked from the figures shown before it.
    """

    label: str
    dose_rate: JsonQuantity
    duration: JsonQuantity
    amount: JsonQuantity
    stock_volume: JsonQuantity
    diluent_volume: JsonQuantity
    final_concentration: JsonQuantity
    pump_rate: JsonQuantity
    display: ShownTexts
    pump_setting: str
    """Whether the pump rate is a setting of the library's pump, in words."""
    vials_needed: int | None = None
    volume_left_over: JsonQuantity | None = None
    vials: str = NOT_GIVEN
    left_over: str = NOT_GIVEN
    working: tuple[str, ...] = ()
    """Its own lines of working, in order: the basis's last lines, there named by end."""


class PrepareBasis(_Frozen):
    """Enough to check a preparation by hand: the inputs as entered, every line of
    working, and, where the patient's range was used, its rule, source and rules. Each
    input is written under the display rule, in the shape it was entered (`ShownInputs`)."""

    inputs: ShownInputs
    steps: tuple[ShownLine, ...]
    rule: str | None = None
    source: str | None = None
    source_quote: str | None = None
    rules_version: str | None = None
    rules_sha256: str | None = None
    range_from: str | None = Field(
        default=None, description="The document the patient's range is from (`Basis.range_from`)."
    )
    reviewed: str | None = Field(
        default=None, description="Who reviewed the rule, and when (`Basis.reviewed`)."
    )


class PrepareResult(_Frozen):
    """The preparation of an infusion: one for an order, or one for each end of the
    patient's range (``patient_range``, when a regimen was given). ``hard_limit`` is
    "above" or "below" when the order breaches the library's hard limits (a warning
    says so first), else None.

    ``refusal`` (first, so that JSON leads with it) is set when the order breaches the
    library's limits: ``preparations`` is then empty unless the recipe was asked for
    anyway. ``supervision`` holds the source's supervision statement (without a regimen,
    that of every regimen of the rules in force). ``findings`` are, as for a calculation,
    what must be settled before any figure is used, most serious first."""

    refusal: Refusal | None = None
    headline: Finding | None = Field(
        default=None,
        description="What must be settled before any figure is used (`DoseResult.headline`), "
        "after the refusal, which leads when there is one.",
    )
    findings: tuple[Finding, ...] = Field(default=())
    drug: str | None
    regimen: str | None
    route: str | None
    stock: JsonQuantity
    final_volume: JsonQuantity
    preparations: tuple[Preparation, ...]
    patient_range: QuantityRange | None
    hard_limit: HardLimitState | None = None
    warnings: tuple[DoseWarning, ...]
    notes: tuple[str, ...]
    out_of_scope: str
    supervision: tuple[str, ...]
    vial_volume: JsonQuantity | None = None
    basis: PrepareBasis
    disclaimer: str = DISCLAIMER

    @computed_field  # type: ignore[prop-decorator]
    @property
    def patient_covered(self) -> bool:
        """False for a patient the source does not cover (`source_covers`): the patient's
        range is the source's range worked at their weight only."""
        return source_covers(self.warnings)


@dataclass(frozen=True)
class _Timing:
    """How long the infusion runs: a duration entered, or the final volume ÷ a pump rate."""

    hours: Fraction
    duration: Quantity | None
    pump_rate: Quantity | None  # in mL/h

    def times(self, volume: str) -> str:
        """`` × 24 hr``: multiplying a rate by the duration, as written."""
        if self.duration is not None:
            return f" × {format_exact(self.duration)}{_to_hours(self.duration.units, '×')}"
        assert self.pump_rate is not None
        return f" × {volume} ÷ {operand(self.pump_rate)}"

    def divided(self, volume: str) -> str:
        """`` ÷ 24 hr``: dividing by the duration, as written."""
        if self.duration is not None:
            return f" ÷ {format_exact(self.duration)}{_to_hours(self.duration.units, '÷')}"
        assert self.pump_rate is not None
        return f" ÷ {volume} × {operand(self.pump_rate)}"


def prepare(
    *,
    stock: object,
    final_volume: object,
    dose: object = None,
    duration: object = None,
    pump_rate: object = None,
    regimen: str | None = None,
    weight: object = None,
    height: object = None,
    sex: str | None = None,
    basis: str = "actual",
    vial_volume: object = None,
    show_recipe_anyway: bool = False,
    rules: Rules = None,
) -> PrepareResult:
    """Make up an infusion: from ``dose`` (an order: "35 mg/hr", "840 mg/24 hr", or an
    amount "840 mg"), or, without one, from each end of the range `calculate` gives for
    ``regimen`` and the patient; with a ``stock`` strength as on its label ("500 mg/10
    mL", "500 mg in 10 mL", "50 mg/mL"), a ``final_volume`` ("50 mL") and a ``duration``
    ("24 hr") or a ``pump_rate`` ("2 mL/hr"), one of the two.

    With both a dose and a regimen, the order is compared with the patient's range, and
    one 24 times off it is flagged, and held to the library's limits: an order that
    breaches them is refused (``refusal``), and its recipe is worked out only with
    ``show_recipe_anyway``. ``vial_volume`` ("10 mL"), the volume of one vial of the stock,
    counts the vials and what is left over; without it they are said not to be given.
    Raises `InputError` for any unusable input, and when the stock volume to draw is more
    than the final volume; nothing is returned then.
    """
    labelled_strength = parse_quantity(stock, CONCENTRATION, "stock")
    strength = labelled_strength.to(named_unit(CONCENTRATION_UNIT))
    volume = _final_volume(final_volume)
    vial = (
        parse_quantity(vial_volume, VOLUME_KIND, "vial volume").to(named_unit(VOLUME_UNIT))
        if is_given(vial_volume)
        else None
    )
    timing = _timing(duration, pump_rate, volume)
    order = parse_dose(dose, "dose") if is_given(dose) else None
    if order is not None and DOSE_FORMS[order.form].in_volume:
        raise UnitError(
            "dose",
            f"'{_entered(dose)}' is {DOSE_FORMS[order.form].words}; an infusion is made up "
            "for a dose in mg",
            "Enter the dose rate in mg/hr or the amount in mg",
        )
    if order is not None and DOSE_FORMS[order.form].per_kg:
        raise UnitError(
            "dose",
            f"'{_entered(dose)}' is a dose per kg; an infusion is made up for a dose in mg",
            "Enter the dose rate in mg/hr or the amount in mg, or leave the dose out and "
            "give the regimen and weight to prepare for each end of the patient's range",
        )
    if not is_given(regimen) and any(is_given(v) for v in (weight, height, sex)):
        raise MissingInputError(
            "regimen",
            "a weight, height or sex was given without a regimen, and is used only for the "
            "patient's range",
            "Give the regimen too, or leave the patient's measurements out",
        )
    if order is None and not is_given(regimen):
        raise MissingInputError(
            "dose",
            "there is no dose to deliver",
            "Enter an order, e.g. '35 mg/hr' or '840 mg', or the regimen and weight to "
            "prepare for each end of the patient's range",
        )
    result = None
    if regimen is not None and is_given(regimen):
        result = calculate(
            weight=weight, regimen=regimen, height=height, sex=sex, basis=basis, rules=rules
        )
        if dimension_of(result.dose.low.units) != dimension_of(DOSE_RATE_UNIT):
            raise ChoiceError(
                "regimen",
                f"{result.route} ({result.regimen}) is a dose per administration, not a rate: "
                "there is no infusion to make up from its range",
                "Give a regimen dosed as a rate, or an order alone",
            )
    steps: list[Line] = (
        [*result.basis.weight_steps, result.basis.formula, *result.basis.steps]
        if result is not None
        else []
    )
    rule = rule_set_of(rules).find(result.regimen) if result is not None else None
    warnings = concentration_warnings(labelled_strength)  # in the unit on the label
    notes = []
    unchecked: list[Finding] = []
    labelled = _stock_operand(strength, ratio_parts(stock))
    doubt = " ".join(warning.message for warning in warnings).removesuffix(".")
    made = _Making(timing, volume, strength, labelled, steps, vial, rule, doubt)
    hard_limit, refusal, checked = None, None, None
    if order is not None:
        rate, rate_steps, rate_text = _order_rate(order.quantity, dose, timing, volume)
        warnings += continuous_rate_warnings(order, figure(magnitude(rate)).with_unit("mg/hr"))
        # A rate is checked as entered, so that a slip of its units goes the way they allow.
        as_entered = order.quantity if DOSE_FORMS[order.form].is_rate else rate
        steps += rate_steps
        if result is not None:
            assert rule is not None
            hard_limit, order_warnings, in_rule_units = _against_limits(rate, result)
            checked = check_against(result, as_entered)
            refusal = _refusal(
                hard_limit,
                in_rule_units,
                result,
                rule,
                order_warnings,
                entry_error=_probable_entry_error(checked),
                above_uncovered=_above_for_patient_not_covered(checked),
                shown=show_recipe_anyway,
            )
            warnings = order_warnings + warnings
        withheld = refusal is not None and not refusal.recipe_shown
        try:
            preparations = (
                []
                if withheld
                else [
                    made.preparation(
                        "the order",
                        rate,
                        rate_text,
                        amount_ordered=not DOSE_FORMS[order.form].is_rate,
                    )
                ]
            )
        except OutOfRangeError as error:
            raise _checked_first(error, checked) from None
        if result is not None:
            shown = figure(magnitude(rate)).with_unit("mg/hr")
            entered = order.quantity if DOSE_FORMS[order.form].is_rate else None
            warnings += _against_range(
                rate,
                shown,
                result.dose,
                entered,
                covered=source_covers(result.warnings),
                hours=timing.hours,
            )
        else:
            unchecked = [ORDER_NOT_CHECKED]
    else:
        assert result is not None
        over = _ends_over_the_maximum(result, rule)
        if not source_covers(result.warnings):  # no dose is suggested for such a patient
            makeable = any(end not in over for end, _ in _ends(result.dose))
            refusal = _range_refused(result, shown=show_recipe_anyway and makeable)
        warnings = [
            DoseWarning(code=END_ABOVE_MAXIMUM, message=f"Not made up: {reason}.")
            for reason in over.values()
        ] + warnings
        withheld = refusal is not None and not refusal.recipe_shown
        preparations = [
            made.preparation(
                f"the {end} end of the range",
                _rate_of(shown, result.dose.low.units),
                None,
                suffix=f" ({end} end)",
                as_written=None
                if result.dose.low.units == named_unit(DOSE_RATE_UNIT)
                else registry().Quantity(shown.value, result.dose.low.units),
            )
            for end, shown in _ends(result.dose)
            if end not in over  # an end past the library's maximum is never made up
            and not withheld
        ]
    least = measurable_below(rule)
    preparations = [  # a volume that cannot be measured is marked where it is shown
        p
        if magnitude(p.stock_volume) >= least
        else p.model_copy(
            update={
                "display": {
                    **p.display,
                    "stock_volume": p.display["stock_volume"] + UNMEASURABLE_MARK,
                }
            }
        )
        for p in preparations
    ]
    warnings += _pump_rate_warnings(preparations)
    warnings += pump_setting_warnings(rule, _each(preparations, "pump_rate"))
    warnings += volume_warnings(rule, "stock volume to draw", _each(preparations, "stock_volume"))
    if result is not None:
        assert rule is not None
        warnings = [*result.warnings, *warnings]
        for made_up in preparations:
            warnings += standard_concentration_warnings(rule, made_up.final_concentration)
    if any(magnitude(p.diluent_volume) == 0 for p in preparations):
        notes.append("No diluent: the stock is given undiluted, at its own strength.")
    supervision = (
        [result.supervision]
        if result is not None
        else list(dict.fromkeys(r.supervision for r in rule_set_of(rules).regimens))
    )
    warnings = _once(warnings)
    findings = findings_before_figures(
        warnings,
        range_from=result.basis.range_from if result else None,
        max_per_24h_from=result.basis.max_per_24h_from if result else None,
        maximum=format_exact(result.max_per_24h) if result and result.max_per_24h else None,
        ceiling=hourly_ceiling(KINDS[result.kind], result.max_per_24h) if result else None,
    )
    if unchecked:  # an order without its regimen: nothing was checked, and that leads
        findings = most_serious_first(unchecked, findings)
    if checked is not None:  # the order's own verdict, as `check` gives it, leads
        # (whether the range can pass the maximum is no finding about the order)
        about_the_range = [f for f in findings if f.outcome != "above-max-per-24h"]
        findings = most_serious_first(checked.findings, about_the_range)
    return PrepareResult(
        refusal=refusal,
        headline=findings[0] if findings else None,
        findings=tuple(findings),
        drug=result.drug if result else None,
        regimen=result.regimen if result else None,
        route=result.route if result else None,
        stock=strength,
        final_volume=volume,
        preparations=tuple(preparations),
        patient_range=result.dose if result else None,
        hard_limit=hard_limit,
        warnings=tuple(warnings),
        notes=tuple(notes),
        out_of_scope=OUT_OF_SCOPE,
        supervision=tuple(supervision),
        vial_volume=vial,
        basis=_basis(
            result,
            steps,
            {
                "dose": dose,
                "stock": stock,
                "final volume": final_volume,
                "duration": duration,
                "pump rate": pump_rate,
                "vial volume": vial_volume,
                "regimen": regimen,
            },
        ),
    )


def _basis(result: DoseResult | None, steps: list[Line], given: dict[str, object]) -> PrepareBasis:
    inputs = {name: _entered(value) for name, value in given.items()}
    if result is None:
        return PrepareBasis(inputs=inputs, steps=tuple(steps))
    inputs |= {
        k: v for k, v in result.basis.inputs.items() if k not in ("regimen", "concentration")
    }
    return PrepareBasis(
        inputs=inputs,
        steps=tuple(steps),
        rule=result.basis.rule,
        source=result.basis.source,
        source_quote=result.basis.source_quote,
        rules_version=result.basis.rules_version,
        rules_sha256=result.basis.rules_sha256,
        range_from=result.basis.range_from,
        reviewed=result.basis.reviewed,
    )


def _final_volume(value: object) -> Quantity:
    volume = parse_quantity(value, VOLUME_KIND, "final volume").to(named_unit(VOLUME_UNIT))
    low, high = FINAL_VOLUME_ML
    if not low <= magnitude(volume) <= high:
        raise OutOfRangeError(
            "final volume",
            f"'{_entered(value)}' is outside {format_number(low)} to {format_number(high)} mL "
            f"({_OWN_BOUND})",
            "Enter the syringe's or bag's final volume, e.g. '50 mL'",
        )
    return volume


def _timing(duration: object, pump_rate: object, volume: Quantity) -> _Timing:
    """The duration, entered or worked out from the pump rate; refused outside its bounds."""
    if is_given(duration) and is_given(pump_rate):
        raise ChoiceError(
            "pump rate",
            "both a duration and a pump rate were given, and each sets the other",
            "Give one: the duration, e.g. '24 hr', or the pump rate, e.g. '2 mL/hr'",
        )
    hour = named_unit(HOUR_UNIT)
    if is_given(duration):
        entered = parse_quantity(duration, DURATION, "duration")
        timing = _Timing(magnitude(entered.to(hour)), entered, None)
        field, shown = "duration", f"'{_entered(duration)}'"
    elif is_given(pump_rate):
        rate = parse_quantity(pump_rate, PUMP_RATE, "pump rate").to(named_unit(PUMP_RATE_UNIT))
        timing = _Timing(magnitude(volume / rate), None, rate)
        worked = figure(timing.hours).with_unit("hr")
        field, shown = "pump rate", f"{format_exact(volume)} at {operand(rate)} ({worked})"
    else:
        raise MissingInputError(
            "duration",
            "neither a duration nor a pump rate was given",
            "Enter how long the infusion runs, e.g. '24 hr', or the pump rate, e.g. '2 mL/hr'",
        )
    low, high = DURATION_HOURS
    if not low <= timing.hours <= high:
        raise OutOfRangeError(
            field,
            f"{shown} would run {'under 15 minutes' if timing.hours < low else 'over 7 days'} "
            f"({_OWN_BOUND})",
            "Check the duration or the pump rate and its unit, e.g. '24 hr' or '2 mL/hr'",
        )
    return timing


def _order_rate(
    entered: Quantity, raw: object, timing: _Timing, volume: Quantity
) -> tuple[Quantity, list[str], str]:
    """The order as a dose rate in mg/h (exact), the lines that get there, and the rate as
    an exact operand of the next line."""
    rate_unit, amount_unit = named_unit(DOSE_RATE_UNIT), named_unit(AMOUNT_UNIT)
    volume_text = format_exact(volume)
    if dimension_of(entered.units) == dimension_of(AMOUNT_UNIT):  # an amount, over the time
        amount = entered.to(amount_unit)
        steps = []
        if entered.units != amount_unit:
            conversion = unit_change(entered.units, amount_unit)
            steps.append(f"amount: {format_exact(entered)}{conversion} = {format_exact(amount)}")
        rate = registry().Quantity(magnitude(amount) / timing.hours, rate_unit)
        line = f"{format_exact(amount)}{timing.divided(volume_text)}"
        steps.append(f"dose rate: {line} = {figure(magnitude(rate)).with_unit('mg/hr')}")
        return rate, steps, _exact_operand(rate, None)
    rate = entered.to(rate_unit)
    parts = ratio_parts(raw)
    text = _exact_operand(rate, parts)
    shown = figure(magnitude(rate)).with_unit("mg/hr")
    if parts is not None and parts[1].magnitude != 1:  # 840 mg/24 hr: written out
        written = f"{format_exact(parts[0])} ÷ {format_exact(parts[1])}"
        conversion = unit_change(parts[0].units / parts[1].units, rate_unit)
        return rate, [f"dose rate: {written}{conversion} = {shown}"], text
    if entered.units != rate_unit:
        conversion = unit_change(entered.units, rate_unit)
        return rate, [f"dose rate: {format_exact(entered)}{conversion} = {shown}"], text
    return rate, [], text


def _checked_first(error: OutOfRangeError, checked: CheckResult | None) -> OutOfRangeError:
    """``error`` (the order cannot be made up as asked: too weak a stock), led by what the
    check found when it found anything: how to make an order up is never the only advice
    for one outside the range."""
    if checked is None or checked.headline.severity == "within":
        return error
    headline = checked.headline
    return OutOfRangeError(
        error.field,
        f"{headline.says} ({headline.action}); and {error.problem}",
        f"First {headline.action}; if the order stands, {error.fix[0].lower()}{error.fix[1:]}",
    )


@dataclass(frozen=True)
class _Making:
    """What every preparation of one result is made up with."""

    timing: _Timing
    volume: Quantity
    strength: Quantity
    stock_text: str
    steps: list[Line]
    vial: Quantity | None
    rule: Regimen | None
    stock_doubt: str
    """Why the stock's strength is in doubt (outside the plausibility bounds, perhaps mcg
    for mg), or empty: said first when the stock cannot make the order up."""

    def preparation(
        self,
        label: str,
        rate: Quantity,
        rate_text: str | None,
        suffix: str = "",
        *,
        amount_ordered: bool = False,
        as_written: Quantity | None = None,
    ) -> Preparation:
        """One infusion for ``rate`` (mg/h, exact), its lines appended to the steps."""
        return _preparation(
            label,
            rate,
            rate_text,
            self,
            suffix,
            amount_ordered=amount_ordered,
            as_written=as_written,
        )


def _preparation(
    label: str,
    rate: Quantity,
    rate_text: str | None,
    making: _Making,
    suffix: str = "",
    *,
    amount_ordered: bool = False,
    as_written: Quantity | None = None,
) -> Preparation:
    """One infusion for ``rate`` (mg/h, exact): each figure and its line, appended to
    ``steps``. ``as_written``: the same rate in the unit its range is written in (a
    syringe driver's mg/24 hr), shown and worked from as such."""
    timing, volume, strength = making.timing, making.volume, making.strength
    stock_text, steps = making.stock_text, making.steps
    first_line = len(steps)
    mg, ml = named_unit(AMOUNT_UNIT), named_unit(VOLUME_UNIT)
    v = magnitude(volume)
    volume_text = format_exact(volume)
    rate_value = magnitude(rate)
    rate_shown = figure(rate_value).with_unit("mg/hr")
    rate_text = rate_text or _exact_operand(rate, None)
    if as_written is not None and _terminates(magnitude(as_written)):
        rate_shown = rate_text = format_exact(as_written)
    amount_value = rate_value * timing.hours
    amount = figure(amount_value)
    stock_value = amount.value / magnitude(strength)
    exact_stock = amount_value / magnitude(strength)
    drawn = _carried(figure(stock_value, inside=(Fraction(0), v)), amount)
    if exact_stock > v:
        too_much = (
            f"for {label} the stock volume to draw ({drawn.with_unit('mL')}) is more than "
            f"the final volume ({volume_text})"
        )
        if making.stock_doubt:  # a strength typed wrong, not too weak a stock, comes first
            raise OutOfRangeError(
                "stock",
                f"{too_much}, and the stock's strength is in doubt. {making.stock_doubt}",
                "Check the stock's strength and its units against its label first; if they "
                "are right, use a stronger stock, a larger final volume or a shorter duration",
            )
        raise OutOfRangeError(
            "final volume",
            too_much,
            "Use a stronger stock, a larger final volume or a shorter duration",
        )
    diluent = _carried(figure(v - drawn.value), drawn)
    concentration = _carried(figure(amount.value / v), amount)
    if timing.pump_rate is not None:
        pump_value = magnitude(timing.pump_rate)
        pump = figure(pump_value)
    else:
        pump_value = v / timing.hours
        pump = figure(pump_value)
    shown = {
        "dose_rate": rate_shown,
        "duration": _duration_text(timing),
        "amount": amount.with_unit("mg"),
        "stock_volume": drawn.with_unit("mL"),
        "diluent_volume": diluent.with_unit("mL"),
        "final_concentration": concentration.with_unit(CONCENTRATION_UNIT),
        "pump_rate": pump.with_unit("mL/hr"),
    }
    if timing.pump_rate is None:
        pump_line = f"pump rate{suffix}: {volume_text}{timing.divided(volume_text)}"
        pump_line += f" = {shown['pump_rate']}"
    else:
        pump_line = f"duration{suffix}: {volume_text} ÷ {operand(timing.pump_rate)}"
        pump_line += f" = {shown['duration']}"
    if not amount_ordered:  # an amount ordered is the amount: its rate was worked from it
        steps.append(f"amount{suffix}: {rate_text}{timing.times(volume_text)} = {shown['amount']}")
    steps += [
        f"stock volume{suffix}: {amount.text} mg ÷ {stock_text} = {shown['stock_volume']}",
        f"diluent{suffix}: {volume_text} − {drawn.text} mL = {shown['diluent_volume']}",
        f"final concentration{suffix}: {amount.text} mg ÷ {volume_text} = "
        f"{shown['final_concentration']}",
        pump_line,
    ]
    counted = _vials(making.vial, exact_stock, drawn, suffix, steps)
    return Preparation(
        label=label,
        dose_rate=rate,
        duration=registry().Quantity(timing.hours, named_unit(HOUR_UNIT)),
        amount=registry().Quantity(amount_value, mg),
        stock_volume=registry().Quantity(exact_stock, ml),
        diluent_volume=registry().Quantity(v - exact_stock, ml),
        final_concentration=registry().Quantity(amount_value / v, named_unit(CONCENTRATION_UNIT)),
        pump_rate=registry().Quantity(pump_value, named_unit(PUMP_RATE_UNIT)),
        display=shown,
        pump_setting=pump_setting(making.rule, pump_value),
        working=tuple(line_text(line).replace(suffix, "", 1) for line in steps[first_line:]),
        **counted,
    )


class _Counted(TypedDict, total=False):
    vials_needed: int
    volume_left_over: Quantity
    vials: str
    left_over: str


def _vials(
    vial: Quantity | None, exact_stock: Fraction, drawn: Figure, suffix: str, steps: list[Line]
) -> _Counted:
    """How many whole vials the stock volume takes (from its exact value, so never one too
    few) and what is left over (from the volume as shown), with their lines; nothing
    without a vial volume: none is assumed."""
    if vial is None:
        return {}
    size = magnitude(vial)
    count = math.ceil(exact_stock / size)
    vial_text = format_exact(vial)
    divided = f"{drawn.text} mL"
    if math.ceil(drawn.value / size) != count:  # 20.0001 mL shown as 20 mL: one vial short
        # The volume to as many decimals as it takes to need as many vials as it does.
        drawn_up = figure(exact_stock, inside=(exact_stock, count * size))
        divided = drawn_up.with_unit("mL")
        ratio = figure(drawn_up.value / size)
    else:
        ratio = figure(drawn.value / size)
    left = _carried(figure(count * size - drawn.value), drawn)
    vials = f"{count} vial{'' if count == 1 else 's'} of {vial_text}"
    steps += [
        f"vials{suffix}: {divided} ÷ {vial_text} = {ratio.marked}, so {vials}",
        f"left over{suffix}: {count} × {vial_text} − {drawn.text} mL = {left.with_unit('mL')}",
    ]
    return {
        "vials_needed": count,
        "volume_left_over": registry().Quantity(count * size - exact_stock, named_unit("mL")),
        "vials": vials,
        "left_over": left.with_unit("mL"),
    }


def _against_range(
    rate: Quantity,
    shown: str,
    patient: QuantityRange,
    entered: Quantity | None,
    *,
    covered: bool,
    hours: Fraction,
) -> list[DoseWarning]:
    """An order outside the patient's range; a per-hour/per-24-hours slip where ÷ or × 24
    brings it inside, and the rate's unit as ``entered`` allows it (per hour may have
    meant per 24 hours, and per 24 hours per hour), or, for an amount over ``hours``
    (``entered`` None), where the time does: an amount over 24 hours may have been meant
    per hour, and one over 1 hour per 24 hours. Below the range, or for a patient the source
    does not cover (not ``covered``), the slip is named by its factor only: no dose is
    suggested, as `check` suggests none."""
    low, high = (magnitude(bound.to(rate.units)) for bound in (patient.low, patient.high))
    value = magnitude(rate)
    if low <= value <= high:
        return []
    side: Verdict = "above" if value > high else "below"
    range_text = patient.display_beside(rate)
    whose = "this patient's range" if covered else "the range at this weight (not checked)"
    warnings = [
        DoseWarning(
            code=OUTSIDE_CODE,
            message=f"The order, {patient.value_beside(rate)}, is {side} {whose} {range_text}.",
        )
    ]
    suggested = covered and slip_withheld(side)
    for usual, sign, slip, amount_hours in (
        (DAY_WRITTEN_PER_HOUR, "÷", "a per-24-hours amount ordered per hour", 1),
        (HOUR_WRITTEN_PER_DAY, "×", "a per-hour rate ordered per 24 hours", DAY_IN_HOURS),
    ):
        meant = value * usual.factor
        fits = entered.units if entered is not None else None
        if entered is None and hours != amount_hours:  # an amount: the slip needs that time
            continue
        if not (low <= meant <= high and (fits is None or usual.admits(fits))):
            continue
        if not suggested:  # named, with no dose
            message = (
                f"The order may be {slip} ({sign} {DAY_IN_HOURS}): check it with the prescriber."
            )
        else:
            worked = patient.value_beside(registry().Quantity(meant, rate.units))
            if entered is None:  # an amount over a time: the rate worked from it, × or ÷ 24
                shown_meant = figure(meant).with_unit("mg/hr")
                beside = "" if worked == shown_meant else f" ({worked})"  # each figure once
                reading = f"{shown} {sign} {DAY_IN_HOURS} = {shown_meant}{beside}"
            else:  # a rate as entered: the same number read in the other unit
                read = registry().Quantity(entered.magnitude, usual.meant_units(entered.units))
                read_text = format_exact(read)
                that_is = "" if worked == read_text else f", that is {worked}"  # said once
                reading = f"{format_exact(entered)} read {usual.reading} ({read_text}{that_is})"
            message = (
                f"{reading} would be within the range {range_text}: check that this is not {slip}."
            )
        warnings.append(DoseWarning(code=SLIP_CODE, message=message))
    return warnings


def _against_limits(
    rate: Quantity, result: DoseResult
) -> tuple[HardLimitState | None, list[DoseWarning], Quantity]:
    """An order against the library's own limits, as `check` holds a dose to them: its
    hard limits (in the rule's unit, per kg where the rule is) and its maximum per 24
    hours; and the order in the rule's unit."""
    kind = KINDS[result.kind]
    per_patient = rate.to(result.dose.low.units)
    in_rule_units = (
        per_patient / result.dosing_weight.quantity
        if kind.per_kg and result.dosing_weight is not None
        else per_patient
    ).to(result.rule_range.low.units)
    state = hard_limit_state(in_rule_units, result.hard_limits)
    warnings = dose_per_24h_warnings(kind, rate, result.max_per_24h)
    if state is not None and result.hard_limits is not None:
        warnings.insert(
            0,
            DoseWarning(
                code=f"{state}-hard-limit",
                message=f"{HARD_LIMIT_WORDS[state]}: the order, "
                f"{result.hard_limits.value_beside(in_rule_units)}, is {state} this library's "
                f"hard limits {result.hard_limits.display_beside(in_rule_units)}. Do not make "
                "it up as ordered.",
            ),
        )
    return state, warnings, in_rule_units


def _probable_entry_error(checked: CheckResult) -> str | None:
    """The order's probable entry error above the range as `check` finds it (its one
    policy: a dose out by ten times or more, or one a usual slip would bring into range),
    in words; or None. One below the range is no reason to refuse: `check` says to ask the
    prescriber, not to withhold, and its headline leads the preparation."""
    flag = checked.probable_entry_error
    if flag is None or not slip_withheld(checked.verdict):
        return None
    question = f" ({flag.question})" if flag.question else ""
    return (
        f"the order is a probable entry error: {checked.verdict} the range of "
        f"{checked.basis.range_from}, {flag.reason}{question}"
    )


def _above_for_patient_not_covered(checked: CheckResult) -> str | None:
    """An order above the range for a patient the source does not cover, in words, when
    `check` finds it (as a finding of its own, so not beside a worse one that says it: a
    hard limit, a probable entry error) and withholds it; or None."""
    if checked.patient_covered or not any(f.outcome == "above" for f in checked.findings):
        return None
    return (
        f"the order is above the range of {checked.basis.range_from}, and the patient was "
        f"not checked against it: {why_not_covered(checked.warnings, checked.basis.range_from)}"
    )


def _refusal(
    state: HardLimitState | None,
    in_rule_units: Quantity,
    result: DoseResult,
    rule: Regimen,
    order_warnings: list[DoseWarning],
    *,
    entry_error: str | None,
    above_uncovered: str | None,
    shown: bool,
) -> Refusal | None:
    """The order refused when it breaches the library's limits: its hard limits
    (``state``), or its maximum per 24 hours (what fails ``check --strict`` beside a
    verdict), each reason with the library's citation; or when `check` would have it
    withheld: as a probable entry error (``entry_error``), or above the range for a patient
    the source does not cover (``above_uncovered``). None when none applies."""
    reasons: list[str] = []
    codes: list[str] = []
    if state is not None:
        assert result.hard_limits is not None
        assert rule.hard_limits is not None
        reasons.append(
            f"the order, {result.hard_limits.value_beside(in_rule_units)}, is {state} this "
            f"library's hard limits {result.hard_limits.display_beside(in_rule_units)} "
            f"({rule.hard_limits.source.cited})"
        )
        codes.append(f"{state}-hard-limit")
    if entry_error is not None:  # in the order every finding of a check is ranked in
        reasons.append(entry_error)
        codes.append(PROBABLE_ENTRY_ERROR)
    if above_uncovered is not None:
        reasons.append(above_uncovered)
        codes.append(ABOVE_FOR_PATIENT_NOT_COVERED)
    for warning in order_warnings:
        if warning.code == ORDER_ABOVE_MAXIMUM:
            assert rule.max_per_24h is not None
            said = warning.message.removeprefix("The order is ").rstrip(".")
            reasons.append(f"the order is {said} ({rule.max_per_24h.source.cited})")
            codes.append(warning.code)
    return _refused(reasons, codes, shown=shown)


def _range_refused(result: DoseResult, *, shown: bool) -> Refusal:
    """The patient's range not made up: the source does not cover the patient (a weight
    outside the adult band, a possible lb/kg mix-up, a dosing weight under it), so its
    range, per kg or not, is no dose for them."""
    reasons = [why_not_covered(result.warnings, result.basis.range_from)]
    ask = (
        "The recipes below were asked for anyway: they are NOT a dose for this patient."
        if shown
        else "No recipe is given: the specialist decides the dose; make up the order once "
        "it is written."
    )
    return Refusal(
        message=f"{NO_RECIPE_FOR_THIS_PATIENT}: {'; and '.join(reasons)}. {ask}",
        codes=(NOT_COVERED,),
        reasons=tuple(reasons),
        recipe_shown=shown,
        for_order=False,
    )


def _refused(reasons: list[str], codes: list[str], *, shown: bool) -> Refusal | None:
    """A refusal for ``reasons`` (None without any), saying whether its recipe is shown."""
    if not reasons:
        return None
    ask = (
        "The recipe below was asked for anyway: it is NOT to be made up as ordered."
        if shown
        else "No recipe is given: have the order reviewed by the prescriber."
    )
    return Refusal(
        message=f"{DO_NOT_MAKE_UP}: {'; and '.join(reasons)}. {ask}",
        codes=tuple(codes),
        reasons=tuple(reasons),
        recipe_shown=shown,
    )


def _ends_over_the_maximum(result: DoseResult, rule: Regimen | None) -> dict[str, str]:
    """Each end of the patient's range whose total per 24 hours is above the library's
    maximum (the same comparison as an order's), with why and the library's citation."""
    over = {}
    for end, shown in _ends(result.dose):
        rate = _rate_of(shown, result.dose.low.units)
        for warning in dose_per_24h_warnings(KINDS[result.kind], rate, result.max_per_24h):
            assert rule is not None
            assert rule.max_per_24h is not None
            said = warning.message.removeprefix("The order is ").rstrip(".")
            over[end] = f"the {end} end of the range is {said} ({rule.max_per_24h.source.cited})"
    return over


def _once(warnings: list[DoseWarning]) -> list[DoseWarning]:
    """Each warning once, in order (a standard-concentration warning per preparation)."""
    return list(dict.fromkeys(warnings))


def _each(preparations: list[Preparation], key: str) -> list[tuple[Fraction, str]]:
    """Each preparation's figure ``key``, exact, with its words: "for the order, 16.8 mL"."""
    return [(magnitude(getattr(p, key)), f"for {p.label}, {p.display[key]}") for p in preparations]


def _pump_rate_warnings(preparations: list[Preparation]) -> list[DoseWarning]:
    """Pump rates outside dosecalc's plausible band: one warning naming each."""
    low, high = PUMP_RATE_ML_PER_H
    outside = [(v, words) for v, words in _each(preparations, "pump_rate") if not low <= v <= high]
    if not outside:
        return []
    return [
        DoseWarning(
            code="implausible-pump-rate",
            message=f"The pump rate {said_of(outside)}, lies outside {format_number(low)} to "
            f"{format_number(high)} mL/hr ({_OWN_BOUND}): check the final volume and the "
            "duration.",
        )
    ]


def _ends(dose: QuantityRange) -> list[tuple[str, Figure]]:
    """The ends of the range as shown: one preparation for each, one when they are equal."""
    if dose.shown_low.value == dose.shown_high.value:
        return [("low", dose.shown_low)]
    return [("low", dose.shown_low), ("high", dose.shown_high)]


def _rate_of(shown: Figure, units: Unit) -> Quantity:
    """An end of the range as shown (a figure inside the range), as a rate in mg/h."""
    return registry().Quantity(shown.value, units).to(named_unit(DOSE_RATE_UNIT))


def _stock_operand(strength: Quantity, parts: tuple[Quantity, Quantity] | None) -> str:
    """The stock as an operand: as its label prints it, "(500 mg in 10 mL)", in mg and mL;
    else its strength in mg/mL."""
    if parts is not None:
        amount = parts[0].to(named_unit(AMOUNT_UNIT))
        volume = parts[1].to(named_unit(VOLUME_UNIT))
        if _terminates(magnitude(amount)) and _terminates(magnitude(volume)):
            return f"({format_exact(amount)} in {format_exact(volume)})"
    return operand(strength)


def _exact_operand(rate: Quantity, parts: tuple[Quantity, Quantity] | None) -> str:
    """A rate in mg/h as an exact operand: "35 mg/hr", else as written, "(1,000 mg in 24
    hr)", else as one whole amount in another, "(125 mg in 3 hr)"."""
    if _terminates(magnitude(rate)):
        return format_exact(rate)
    if parts is not None:
        amount = parts[0].to(named_unit(AMOUNT_UNIT))
        per = parts[1].to(named_unit(HOUR_UNIT))
        if _terminates(magnitude(amount)) and _terminates(magnitude(per)):
            return f"({format_exact(amount)} in {format_exact(per)})"
    return operand(rate)


def _terminates(value: Fraction) -> bool:
    return (value * 10**EXACT_DECIMALS).denominator == 1


def _duration_text(timing: _Timing) -> str:
    hours = figure(timing.hours).with_unit("hr")
    if timing.duration is None or timing.duration.units == named_unit(HOUR_UNIT):
        return hours
    return f"{format_exact(timing.duration)} = {hours}"


def _to_hours(units: Unit, operation: str) -> str:
    """The factor after a duration in minutes or days, so that the line reads in hours:
    multiplied, ``× 30 min ÷ 60 min/hr``; divided, ``÷ 30 min × 60 min/hr``."""
    per_hour = magnitude(registry().Quantity(Fraction(1), named_unit(HOUR_UNIT)).to(units))
    if per_hour == 1:
        return ""
    if per_hour > 1:  # minutes
        sign = "÷" if operation == "×" else "×"
        return f" {sign} {format_number(per_hour)} {unit_display(units)}/hr"
    sign = operation  # days: hours per day
    return f" {sign} {format_number(1 / per_hour)} hr/{unit_display(units)}"


def _carried(shown: Figure, *sources: Figure) -> Figure:
    """``shown``, marked rounded when a figure it was worked from was."""
    if shown.rounding is None and any(source.rounding is not None for source in sources):
        return Figure(shown.value, shown.text, "nearest", shown.places)
    return shown


def _entered(value: object) -> str | None:
    """An input as given: its text, stripped, or a Quantity written out; None if left out."""
    if not is_given(value):
        return None
    if isinstance(value, str):
        return value.strip()
    return str(value)
