"""What a calculation returns: exact quantities, their display, and their basis.

Every result carries the inputs used, the formula with the patient's numbers,
the rule, the source citation, the rules' version and SHA-256, the side
effects, the supervision statement and the disclaimer, so that a clinician can
check it by hand. ``model_dump(mode="json")`` gives unrounded values with UCUM
units; ``display`` strings follow the rounding rule in `dosecalc.foundation.display`.
`CheckResult` is what checking a proposed order returns, with the same basis.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from typing import Annotated, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, InstanceOf, PlainSerializer, computed_field

from dosecalc.foundation.disclaimer import DISCLAIMER
from dosecalc.foundation.display import (
    Figure,
    JsonNumber,
    JsonQuantity,
    ShownInputs,
    ShownTexts,
    figure,
    figure_apart_from,
    figure_beside,
    figure_range,
    magnitude,
    range_text,
    unit_display,
)
from dosecalc.foundation.dose_units import (
    DOSE_RATE_UNIT,
    PUMP_RATE_UNIT,
    DoseForm,
)
from dosecalc.foundation.unit_registry import (
    Quantity,
    convert,
    named_unit,
)
from dosecalc.foundation.working import Step, line_text
from dosecalc.patient.body import DoseWarning, DosingWeight, Patient, source_covers
from dosecalc.ruleset.kinds import KINDS, KindName
from dosecalc.ruleset.schema import RouteCode

TITRATION_INTERVALS: Final = 4
"""The titration table splits the rule's range into this many equal steps (0.05 mg/kg/h here)."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)


@dataclass(frozen=True)
class Worked:
    """Two bounds worked out from the figures of ``source`` as shown."""

    low: Fraction
    high: Fraction
    source: QuantityRange


class QuantityRange(_Frozen):
    """An inclusive range of exact quantities, and its bounds as shown (never outside it).

    ``shown_low`` and ``shown_high`` are the figures a person reads (in ``low``'s
    unit); a figure worked out from this range is worked from them.
    """

    low: JsonQuantity
    high: JsonQuantity
    display: str
    shown_low: Figure = Field(exclude=True, repr=False)
    shown_high: Figure = Field(exclude=True, repr=False)
    qualifier: str = Field(default="", exclude=True, repr=False)

    @classmethod
    def between(
        cls,
        low: Quantity,
        high: Quantity,
        worked_from: Worked | None = None,
        qualifier: str = "",
    ) -> QuantityRange:
        """The range ``low`` to ``high``; ``worked_from`` are its bounds worked out from
        figures shown before (in ``low``'s unit), which the display rounds instead of the
        exact ones (and a bound worked from a rounded figure is marked rounded);
        ``qualifier`` follows the range ("per kg of dosing weight (ideal body weight,
        64.86 kg)")."""
        # A worked range lies inside the exact one (it starts from figures shown inside
        # theirs), so a figure inside it is inside both, and agrees with those it came from.
        if worked_from is None:
            shown_low, shown_high = figure_range(
                magnitude(low), magnitude(convert(high, low.units))
            )
        else:  # a figure worked from a rounded one is not exact either
            shown_low, shown_high = figure_range(worked_from.low, worked_from.high)
            shown_low = _carry(shown_low, worked_from.source.shown_low)
            shown_high = _carry(shown_high, worked_from.source.shown_high)
        return cls(
            low=low,
            high=high,
            display=_qualified(
                range_text(shown_low, shown_high, unit_display(low.units)), qualifier
            ),
            shown_low=shown_low,
            shown_high=shown_high,
            qualifier=qualifier,
        )

    def display_beside(self, *values: Quantity) -> str:
        """The range as shown beside ``values`` (a dose, and what a slip would make of it):
        a bound that a value lies strictly between and its rounded figure is shown to more
        decimals, so that no value reads outside a range it is inside. Values in another
        dimension are passed by."""
        low, high = self._bounds_beside(values)
        if (low, high) == (self.shown_low, self.shown_high):
            return self.display
        return _qualified(range_text(low, high, unit_display(self.low.units)), self.qualifier)

    def value_beside(self, value: Quantity, *others: Quantity) -> str:
        """``value`` as shown beside this range (`display_beside` of it and ``others``):
        on a bound, as that bound is shown; inside, inside the bounds as shown; outside,
        with the decimals it takes never to read as a bound, or "just over" the bound."""
        unit = unit_display(self.low.units)
        shown = self.figure_beside(value, *others)
        if shown is not None:
            return shown.with_unit(unit)
        low, high = self._bounds_beside((value, *others))
        over = magnitude(convert(value, self.low.units)) > self._exact()[1]
        return f"just {'over' if over else 'under'} {(high if over else low).text} {unit}"

    def figure_beside(self, value: Quantity, *others: Quantity) -> Figure | None:
        """``value`` as `value_beside` shows it, as a figure in ``low``'s unit; None when
        no figure shows it apart from a bound ("just over" it)."""
        low, high = self._bounds_beside((value, *others))
        exact_low, exact_high = self._exact()
        number = magnitude(convert(value, self.low.units))
        if number == exact_low:
            return low
        if number == exact_high:
            return high
        if exact_low < number < exact_high:
            return figure(number, inside=(low.value, high.value))
        shown = figure_apart_from(number, [exact_low, exact_high])
        return shown if isinstance(shown, Figure) else None

    def _exact(self) -> tuple[Fraction, Fraction]:
        return magnitude(self.low), magnitude(convert(self.high, self.low.units))

    def _bounds_beside(self, values: tuple[Quantity, ...]) -> tuple[Figure, Figure]:
        exact_low, exact_high = self._exact()
        low, high = self.shown_low, self.shown_high
        for value in values:
            if value.dimensionality != self.low.dimensionality:
                continue
            number = magnitude(convert(value, self.low.units))
            if exact_low < number < low.value:
                low = figure_beside(exact_low, number, "up")
            if high.value < number < exact_high:
                high = figure_beside(exact_high, number, "down")
        return low, high

    def worked(self, operation: Callable[[Fraction], Fraction]) -> Worked:
        """``operation`` applied to each bound as shown: the start of the next figure."""
        return Worked(operation(self.shown_low.value), operation(self.shown_high.value), self)


class TitrationStep(_Frozen):
    """One row of the titration table: rate per kg, dose rate, pump rate."""

    rate_per_kg: JsonQuantity
    dose_rate: JsonQuantity
    pump_rate: JsonQuantity | None
    display: ShownTexts


ShownLine = Annotated[InstanceOf[Step] | str, PlainSerializer(line_text, when_used="json")]
"""A line of working (`dosecalc.foundation.working.Line`): its text in JSON."""


class Basis(_Frozen):
    """Where the numbers come from, enough to check them by hand. ``inputs`` are the
    inputs as entered, each figure written under the display rule (".5 mg/mL" as "0.5
    mg/mL"): also when a copy is passed into a result (revalidated)."""

    model_config = ConfigDict(
        frozen=True, arbitrary_types_allowed=True, revalidate_instances="always"
    )

    inputs: ShownInputs
    weight_steps: tuple[ShownLine, ...] = Field(
        default=(),
        description="How the dosing weight was reached from the weight (and height) entered: "
        "read before the formula, which uses it.",
    )
    formula: ShownLine
    steps: tuple[ShownLine, ...]
    rule: str
    source: str
    source_quote: str
    rules_version: str
    rules_sha256: str
    limits: tuple[str, ...] = Field(
        default=(),
        description="The rule's own limits (hard limits, maximum per 24 hours, standard "
        "concentrations), each with its source.",
    )
    reviewed: str | None = Field(default=None, description="Who reviewed the rule, and when.")
    range_from: str = Field(
        description="Whose range it is: the rule's source document, named in every verdict."
    )
    hard_limits_from: str | None = Field(
        default=None, description="Whose hard limits they are: their own source document."
    )
    max_per_24h_from: str | None = Field(
        default=None, description="Whose maximum per 24 hours it is: its own source document."
    )


OutcomeCode = Literal[
    "above-hard-limit",
    "below-hard-limit",
    "probable-entry-error",
    "implausible-concentration",
    "above-max-per-24h",
    "patient-not-covered",
    "above",
    "below",
    "per-kg-weight-unclear",
    "max-per-24h-not-checked",
    "order-not-checked",
    "within",
]
"""What a check comes to, most serious first (`dosecalc.clinical.headline` decides it)."""

Severity = Literal["stop", "out-of-range", "not-checked", "within"]
"""How a face marks a finding: "stop" (do not give as ordered), "out-of-range" (ask the
prescriber first), "not-checked" (the range was not written for this patient), "within"."""


class Finding(_Frozen):
    """One thing a check (or a calculation) found, worded as what to do, with whose
    figure it is."""

    outcome: OutcomeCode
    severity: Severity
    says: str = Field(description="What was found, naming whose range or limit it is.")
    action: str = Field(description="What to do about it.")

    @property
    def text(self) -> str:
        """``ABOVE THE HARD LIMIT of …: do not give as ordered; contact the prescriber``."""
        return f"{self.says}: {self.action}"

    def __str__(self) -> str:
        return self.text


class DoseResult(_Frozen):
    """The source's range applied to one patient.

    ``kind`` names the regimen kind (`dosecalc.ruleset.kinds`). For a rate:
    ``dose`` (mg/h for a rate per kg, else the rule's unit), ``dose_per_24h`` in
    mg and ``pump_rate`` in mL/h (with a concentration); a rate per kg adds
    ``dose_per_kg_per_min`` in mcg/kg/min and a ``titration`` table. For a dose
    per administration: ``dose`` in mg and ``volume`` in mL (with a
    concentration). The weight is used only for a range per kg. Fields that do
    not apply are None (or an empty list).

    ``findings`` are what must be settled before any figure is used (a patient the
    source does not cover, a concentration outside the plausibility bounds, a range above
    the library's maximum per 24 hours), most serious first; ``headline`` is the first,
    or None when there is none.
    """

    headline: Finding | None = Field(
        default=None,
        description="The most serious finding (the first of ``findings``), which every face "
        "shows before any figure; None when nothing is to be settled first.",
    )
    findings: tuple[Finding, ...] = Field(default=())
    drug: str
    regimen: str
    route: str
    route_code: RouteCode | None = Field(
        default=None, description="The rule's code for the route asked for, if it has one."
    )
    kind: KindName
    rule_range: QuantityRange
    patient: Patient | None
    dosing_weight: DosingWeight | None
    concentration: JsonQuantity | None
    dose: QuantityRange
    dose_per_24h: QuantityRange | None
    dose_per_kg_per_min: QuantityRange | None
    pump_rate: QuantityRange | None
    volume: QuantityRange | None
    hard_limits: QuantityRange | None = Field(
        default=None, description="The rule's hard limits, in its unit, if it has any."
    )
    max_per_24h: JsonQuantity | None = Field(
        default=None, description="The rule's maximum per 24 hours, if it has one."
    )
    side_effects: tuple[str, ...]
    supervision: str
    warnings: tuple[DoseWarning, ...]
    notes: tuple[str, ...]
    basis: Basis
    disclaimer: str = DISCLAIMER

    @computed_field  # type: ignore[prop-decorator]
    @property
    def patient_covered(self) -> bool:
        """False for a patient the source does not cover (`source_covers`): the figures
        are the source's range worked at their weight, not a dose for them."""
        return source_covers(self.warnings)

    @computed_field  # type: ignore[prop-decorator]
    @cached_property
    def titration(self) -> tuple[TitrationStep, ...]:
        """The rule's rate range in equal steps, for this patient; built when first read
        (most callers never do), then kept."""
        if not KINDS[self.kind].has_titration or self.dosing_weight is None:
            return ()
        low_rate, high_rate = self.rule_range.low, self.rule_range.high
        width = (high_rate - low_rate) / TITRATION_INTERVALS
        count = 1 if width.magnitude == 0 else TITRATION_INTERVALS + 1
        rates = [low_rate + width * i for i in range(count - 1)] + [high_rate]
        weight = self.dosing_weight.quantity
        doses = [(rate * weight).to(named_unit(DOSE_RATE_UNIT)) for rate in rates]
        conc = self.concentration
        pumps = [(dose / conc).to(named_unit(PUMP_RATE_UNIT)) for dose in doses] if conc else None
        table = []
        for i, (rate, dose) in enumerate(zip(rates, doses, strict=True)):
            # Each figure from the one shown before it; the ends are the ranges shown above.
            shown_rate = _step(i, count, self.rule_range, magnitude(rate))
            shown_dose = _carry(
                _step(i, count, self.dose, _worked(shown_rate, rate, weight, dose)), shown_rate
            )
            shown = {
                "rate_per_kg": shown_rate.with_unit(unit_display(rate.units)),
                "dose_rate": shown_dose.with_unit(unit_display(dose.units)),
            }
            pump = None
            if pumps is not None and conc is not None and self.pump_rate is not None:
                pump = pumps[i]
                worked = _worked(shown_dose, dose, 1 / conc, pump)
                shown_pump = _carry(_step(i, count, self.pump_rate, worked), shown_dose)
                shown["pump_rate"] = shown_pump.with_unit(unit_display(pump.units))
            table.append(
                TitrationStep(rate_per_kg=rate, dose_rate=dose, pump_rate=pump, display=shown)
            )
        return tuple(table)


def _carry(shown: Figure, source: Figure) -> Figure:
    """``shown``, marked rounded when the figure it was worked from was."""
    if shown.rounding is None and source.rounding is not None:
        return Figure(shown.value, shown.text, "nearest", shown.places)
    return shown


def _qualified(text: str, qualifier: str) -> str:
    return f"{text}, {qualifier}" if qualifier else text


def _step(i: int, count: int, whole: QuantityRange, worked: Fraction) -> Figure:
    """Row ``i`` of ``count``: the range's figures at the ends, the display rule between,
    inside the ends as shown."""
    if i == 0:
        return whole.shown_low
    if i == count - 1:
        return whole.shown_high
    return figure(worked, inside=(whole.shown_low.value, whole.shown_high.value))


def _worked(shown: Figure, exact: Quantity, factor: Quantity, result: Quantity) -> Fraction:
    """The figure ``shown`` (for ``exact``) times ``factor``, in ``result``'s unit."""
    operand = exact.__class__(shown.value, exact.units)
    return magnitude((operand * factor).to(result.units))


Verdict = Literal["below", "within", "above"]


class EntrySlip(_Frozen):
    """One usual slip that would bring the proposed dose into range."""

    slip: str
    factor: str
    would_mean: JsonQuantity | None = Field(
        description="The dose the slip would mean, asked about as a question above the range; "
        "None below it (a higher dose is the prescriber's to order) and for a patient the "
        "source does not cover: no dose is suggested then."
    )
    display: str


class EntryErrorFlag(_Frozen):
    """Why an out-of-range dose looks like an entry error, and what it may have meant: as
    a question for the prescriber (``question``, empty when no usual slip fits), never as
    a dose to give."""

    reason: str
    slips: tuple[EntrySlip, ...]
    question: str
    message: str


class CheckResult(_Frozen):
    """A proposed order checked against the source's range for one patient.

    ``verdict`` is decided on exact values, bounds inclusive. ``in_rule_units``
    restates the dose in the rule's own unit (mg/kg/h for the infusion);
    for a range per kg, ``dose_rate`` (mg/h, a rate) or ``dose_amount`` (mg, a
    dose) restates it for this patient; ``pump_rate`` in mL/h for a rate and
    ``volume`` in mL for a dose, with a concentration. ``hard_limit`` is
    "below" or "above" when the dose breaches the rule's hard limits
    (``hard_limits``), else None: a breach outranks the verdict wherever it is
    said. ``ratio_to_bound`` is the proposed dose divided by the nearest bound.
    ``findings`` are all that apply, most serious first: the first is the headline
    every face leads with (``display["verdict"]`` is its text).
    """

    headline: Finding = Field(
        description="The most serious finding (the first of ``findings``): what every face "
        "says first, and so the first key of the JSON."
    )
    verdict: Verdict
    drug: str
    regimen: str
    route: str
    route_code: RouteCode | None = Field(
        default=None, description="The rule's code for the route asked for, if it has one."
    )
    form: DoseForm
    proposed: JsonQuantity
    proposed_as_written: tuple[JsonQuantity, JsonQuantity] | None = Field(
        default=None,
        description='A rate written as an amount over a stated time ("17.5 mg/30 min"): '
        "that amount and time, as the order states them; None for any other order.",
    )
    in_rule_units: JsonQuantity
    dose_rate: JsonQuantity | None
    dose_amount: JsonQuantity | None = None
    pump_rate: JsonQuantity | None
    volume: JsonQuantity | None
    every: JsonQuantity | None = Field(
        default=None,
        description="For a dose per administration, the interval between doses, when given.",
    )
    hard_limit: Literal["below", "above"] | None = None
    hard_limits: QuantityRange | None = None
    range: QuantityRange
    patient_range: QuantityRange | None
    ratio_to_bound: JsonNumber
    probable_entry_error: EntryErrorFlag | None
    findings: tuple[Finding, ...] = Field(min_length=1)
    display: ShownTexts
    side_effects: tuple[str, ...]
    supervision: str
    warnings: tuple[DoseWarning, ...]
    notes: tuple[str, ...]
    basis: Basis
    disclaimer: str = DISCLAIMER

    @computed_field  # type: ignore[prop-decorator]
    @property
    def patient_covered(self) -> bool:
        """False for a patient the source does not cover (`source_covers`): the patient's
        range is the source's range worked at their weight only, and the verdict says so."""
        return source_covers(self.warnings)
