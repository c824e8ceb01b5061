"""A hospital drug library's own limits, acting as dose error reduction software does.

A rule may carry hard limits, a maximum per 24 hours and standard concentrations,
each with its own citation (`dosecalc.ruleset.schema`). None is a number of the
source's range: each is said with its own source, beside the range, never in
place of it.

* Hard limits: a checked dose outside them is reported apart from the soft verdict,
  as the most severe state (`HARD_LIMIT_WORDS`).
* Maximum per 24 hours: a range or a dose whose total per 24 hours can exceed it
  warns (``range-above-max-per-24h``); for a dose per administration, how many doses of
  the range fit in it is said as arithmetic, never as a frequency.
* Standard concentrations: any other concentration warns
  (``non-standard-concentration``).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Final, Literal

from dosecalc.clinical.result import QuantityRange
from dosecalc.foundation.display import (
    figure,
    finite_places,
    format_exact,
    format_number,
    magnitude,
    number_apart_from,
    significant_decimals,
    unit_display,
)
from dosecalc.foundation.dose_units import (
    AMOUNT_UNIT,
    CONCENTRATION_UNIT,
)
from dosecalc.foundation.text import counted
from dosecalc.foundation.unit_registry import (
    Quantity,
    convert,
    named_unit,
    registry,
)
from dosecalc.patient.body import DoseWarning
from dosecalc.ruleset.kinds import RegimenKind
from dosecalc.ruleset.schema import Regimen

HardLimitState = Literal["below", "above"]

HARD_LIMIT_WORDS: Final[dict[HardLimitState, str]] = {
    "below": "BELOW THE HARD LIMIT",
    "above": "ABOVE THE HARD LIMIT",
}
"""How a hard-limit breach is said wherever a verdict is: it outranks the range."""


ORDER_ABOVE_MAXIMUM: Final = "order-above-max-per-24h"
"""The code of a checked dose above the maximum per 24 hours: with a breach of the hard
limits, it makes ``check --strict`` fail even for a dose within the range."""

INTERVAL_NOT_GIVEN: Final = "max-per-24h-interval-not-given"
"""The code of a dose per administration checked against a maximum per 24 hours without
how often it is given: one dose is within the maximum, but its total per 24 hours is not
known, so it was not compared."""


INTERVAL_NOT_COMPARED: Final = "interval-not-compared"
"""The code of a dose per administration checked against rules with no maximum per 24
hours: how often it is given is not checked. Given every interval, its total per 24 hours
is said, and compared with nothing; without one, that it was not entered."""


def frequency_unchecked(kind: RegimenKind, *, has_maximum: bool) -> bool:
    """Whether how often a dose is given goes unchecked (`INTERVAL_NOT_COMPARED`): a dose per
    administration under rules with no maximum per 24 hours to compare its total with. The
    one policy for `check` and both paths of the audit."""
    return not kind.is_rate and not has_maximum


def doses_in_24_hours(interval: Quantity) -> tuple[Fraction, int]:
    """24 hours over the ``interval`` between doses, and the most doses any 24 hours then
    holds: that ratio rounded up (every 5 hours, 4.8: 5 doses, at 0, 5, 10, 15 and 20)."""
    ratio = magnitude(
        convert(registry().Quantity(Fraction(24), named_unit("hour")), interval.units)
    )
    ratio /= magnitude(interval)
    return ratio, -(-ratio.numerator // ratio.denominator)


def hard_limits_of(rule: Regimen, qualifier: str = "") -> QuantityRange | None:
    """The rule's hard limits, in its own unit, as exact quantities."""
    if rule.hard_limits is None:
        return None
    return QuantityRange.between(*rule.hard_limits.quantities(), qualifier=qualifier)


def hard_limit_state(dose: Quantity, limits: QuantityRange | None) -> HardLimitState | None:
    """Where ``dose`` (in the limits' unit) stands against them, inclusive: None inside."""
    if limits is None:
        return None
    value = magnitude(convert(dose, limits.low.units))
    if value < magnitude(limits.low):
        return "below"
    if value > magnitude(limits.high):
        return "above"
    return None


def limit_lines(rule: Regimen) -> list[str]:
    """Each limit of the rule as one line of the basis, with its source."""
    lines = []
    if rule.hard_limits is not None:
        lines.append(f"hard limits: {rule.hard_limits.display} ({rule.hard_limits.source.cited})")
    if rule.max_per_24h is not None:
        lines.append(
            f"maximum per 24 hours: {format_exact(rule.max_per_24h.quantity())} "
            f"({rule.max_per_24h.source.cited})"
        )
    for concentration in rule.standard_concentrations:
        lines.append(
            f"standard concentration: {format_exact(concentration.quantity())} "
            f"({concentration.source.cited})"
        )
    return lines


def reviewed(rule: Regimen) -> str | None:
    """ "reviewed by J. Smith, 2026-11-30", from whichever review fields the rule has."""
    parts = [f"by {rule.reviewed_by}"] if rule.reviewed_by else []
    parts += [rule.review_date.isoformat()] if rule.review_date else []
    return f"reviewed {', '.join(parts)}" if parts else None


def standard_concentration_warnings(rule: Regimen, conc: Quantity | None) -> list[DoseWarning]:
    """A concentration that is none of the rule's standard ones (compared exactly)."""
    standard = [c.quantity() for c in rule.standard_concentrations]
    if conc is None or not standard:
        return []
    mg_per_ml = named_unit(CONCENTRATION_UNIT)
    if any(
        magnitude(convert(conc, mg_per_ml)) == magnitude(convert(s, mg_per_ml)) for s in standard
    ):
        return []
    listed = ", ".join(format_exact(s) for s in standard)
    sources = "; ".join(dict.fromkeys(c.source.cited for c in rule.standard_concentrations))
    return [
        DoseWarning(
            code="non-standard-concentration",
            message=f"{format_exact(conc)} is not a standard concentration of this library "
            f"({listed}; {sources}): check the preparation before using any figure worked "
            "from it.",
        )
    ]


RANGE_ABOVE_MAXIMUM: Final = "range-above-max-per-24h"
"""The warning code of a range whose total per 24 hours, for this patient, can pass the
library's maximum."""


def hourly_ceiling(kind: RegimenKind, maximum: Quantity | None) -> str | None:
    """For a rate, the highest rate that keeps within the library's maximum per 24 hours
    if run for 24 hours: the maximum ÷ 24, rounded down, never up ("12.5 mg/hr"); None
    for a dose per administration or without a maximum."""
    if maximum is None or not kind.is_rate:
        return None
    per_hour = magnitude(convert(maximum, named_unit("mg"))) / 24
    return figure(per_hour, inside=(Fraction(0), per_hour)).with_unit("mg/hr")


def range_per_24h_warnings(
    kind: RegimenKind, per_24h: QuantityRange | None, dose: QuantityRange, maximum: Quantity | None
) -> list[DoseWarning]:
    """A range whose total per 24 hours can exceed the maximum: for a rate, its total per
    24 hours (as shown); for a dose per administration, one dose of it."""
    if maximum is None:
        return []
    totals = per_24h if kind.is_rate else dose
    if totals is None or totals.high <= maximum:
        return []
    over = "the whole range" if totals.low > maximum else "the top of the range"
    top = _apart(totals.high, maximum)  # never reading as the maximum it passes
    return [
        DoseWarning(
            code=RANGE_ABOVE_MAXIMUM,
            message=f"{kind.applies}, {over} is above this library's maximum of "
            f"{format_exact(maximum)} per 24 hours: its top {kind.top_in_24_hours.format(top)}.",
        )
    ]


def doses_within(kind: RegimenKind, dose: QuantityRange, maximum: Quantity | None) -> list[str]:
    """For a dose per administration: how many whole doses of each end of the range the
    maximum per 24 hours holds, as arithmetic (the source gives no frequency)."""
    if maximum is None or kind.is_rate:
        return []
    counts = []
    unit = dose.low.units
    for end, shown in (("low", dose.shown_low), ("high", dose.shown_high)):
        amount = registry().Quantity(shown.value, unit)
        ratio = magnitude(convert(maximum, unit)) / shown.value
        whole = ratio.numerator // ratio.denominator
        counts.append(
            f"{format_exact(convert(maximum, unit))} ÷ {shown.with_unit(unit_display(unit))} = "
            f"{figure(ratio, inside=(Fraction(0), ratio)).marked}"
            f", so {whole} whole dose{'' if whole == 1 else 's'} at the {end} end"
            if amount <= maximum
            else f"not one dose of {shown.with_unit(unit_display(unit))} at the {end} end"
        )
    return [
        "The library's maximum per 24 hours holds, by arithmetic only (it is no frequency): "
        + "; ".join(counts)
        + "."
    ]


def order_beside_maximum(
    kind: RegimenKind,
    per_patient: Quantity | None,
    maximum: Quantity | None,
    interval: Quantity | None = None,
) -> str | None:
    """An order beside the library's maximum per 24 hours, shown with every check against a
    rule that has one: what the order gives in 24 hours as written. For a dose per
    administration given every ``interval``, the most doses any 24 hours holds and their
    total; without one, how many whole doses of it the maximum holds, by arithmetic only
    (how often it is given decides, and the source gives no frequency). None without a
    maximum, or without the order for the patient (a dose per kg without a weight)."""
    if maximum is None or per_patient is None:
        return None
    if not kind.is_rate and interval is not None:
        ratio, doses = doses_in_24_hours(interval)
        one = convert(per_patient, named_unit(AMOUNT_UNIT))
        total = one * doses
        day = convert(registry().Quantity(Fraction(24), named_unit("hour")), interval.units)
        return (
            f"{format_exact(maximum)}; given every {format_exact(interval)}: "
            f"{format_exact(day)} ÷ {format_exact(interval)} = {_above_whole(ratio)}, so at "
            f"most {_doses(doses)} in any 24 hours: {format_number(Fraction(doses))} × "
            f"{format_exact(one)} = {_apart(total, maximum)}"
        )
    total = kind.in_24_hours(per_patient)
    said = f"{format_exact(maximum)}; {kind.order_in_24_hours.format(_apart(total, maximum))}"
    if kind.is_rate:
        return said
    mg = named_unit(AMOUNT_UNIT)
    ratio = magnitude(convert(maximum, mg)) / magnitude(total)
    whole = ratio.numerator // ratio.denominator
    fits = (
        f"{whole} whole dose{'' if whole == 1 else 's'} of it"
        if whole
        else "not one whole dose of it"
    )
    return (
        f"{said}: {format_exact(maximum)} ÷ {_apart(total, maximum)} = "
        f"{figure(ratio, inside=(Fraction(0), ratio)).marked}, so {fits} in 24 hours, by "
        "arithmetic only (how often it is given decides; the source gives no frequency)"
    )


def _doses(count: int) -> str:
    """``1 dose``, ``240,000 doses``."""
    return counted(count, ("dose", "doses"))


def _above_whole(ratio: Fraction) -> str:
    """A quotient whose whole part decides a count, never shown as that whole number when it
    is more: exactly when it ends within 6 decimals, else rounded down to 3 significant
    figures (the display rule's), or to the first decimals beyond them that show it above
    its whole part (24 hr ÷ 7 hr = 3.42; 24 hr ÷ 5.99 hr = 4.006: more than 4, so 5 doses)."""
    exact = finite_places(ratio)
    if exact is not None and exact <= 6:
        return format_number(ratio, decimals=exact)
    whole = ratio.numerator // ratio.denominator
    places = max(significant_decimals(ratio), 1)
    while (cut := Fraction(int(ratio * 10**places), 10**places)) == whole:
        places += 1
    return f"{format_number(cut, decimals=places)} (rounded down)"


def _apart(total: Quantity, maximum: Quantity) -> str:
    """A total in mg beside the maximum: never reading as the maximum it passes."""
    mg = named_unit(AMOUNT_UNIT)
    return number_apart_from(magnitude(total.to(mg)), [magnitude(maximum.to(mg))], AMOUNT_UNIT)


def dose_per_24h_warnings(
    kind: RegimenKind,
    per_patient: Quantity | None,
    maximum: Quantity | None,
    interval: Quantity | None = None,
) -> list[DoseWarning]:
    """A checked dose whose total per 24 hours is above the maximum: a rate run for 24
    hours; a dose per administration, each dose given every ``interval`` (the most any 24
    hours holds), or without one, the one dose (`ORDER_ABOVE_MAXIMUM`, apart from a range
    that can pass it, ``range-above-max-per-24h``). A dose per administration within the
    maximum whose interval was not given was not compared (`INTERVAL_NOT_GIVEN`)."""
    if per_patient is None:
        return []
    if maximum is None:
        return _without_maximum(kind, per_patient, interval)
    if not kind.is_rate and interval is not None:
        _, doses = doses_in_24_hours(interval)
        total = convert(per_patient, named_unit(AMOUNT_UNIT)) * doses
        said = (
            f"given every {format_exact(interval)}, at most {_doses(doses)} in any 24 hours, "
            f"{_apart(total, maximum)}"
        )
    else:
        total = kind.in_24_hours(per_patient)
        said = kind.order_in_24_hours.format(_apart(total, maximum))
    if total <= maximum:
        if kind.is_rate or interval is not None:
            return []
        return [
            DoseWarning(
                code=INTERVAL_NOT_GIVEN,
                message=f"How often the dose is given was not entered, so its total per 24 "
                f"hours was not compared with this library's maximum of "
                f"{format_exact(maximum)}. {said[0].upper()}{said[1:]}, is within it, but a "
                "second dose may not be.",
            )
        ]
    return [
        DoseWarning(
            code=ORDER_ABOVE_MAXIMUM,
            message=f"The order is above this library's maximum of {format_exact(maximum)} "
            f"per 24 hours: {said}.",
        )
    ]


def _without_maximum(
    kind: RegimenKind, per_patient: Quantity, interval: Quantity | None
) -> list[DoseWarning]:
    """A dose per administration under rules with no maximum per 24 hours: how often it is
    given is not checked, whether or not it was entered (never a plain within, and never a
    stricter answer for saying more). Given every ``interval``, its total in any 24 hours is
    said, so that an interval read is never dropped unsaid, compared with nothing (no number
    is invented)."""
    if not frequency_unchecked(kind, has_maximum=False):
        return []
    if interval is None:
        return [
            DoseWarning(
                code=INTERVAL_NOT_COMPARED,
                message="How often the dose is given was not entered, and these rules give no "
                "maximum per 24 hours: how much is given in 24 hours was not checked.",
            )
        ]
    _, doses = doses_in_24_hours(interval)
    one = convert(per_patient, named_unit(AMOUNT_UNIT))
    return [
        DoseWarning(
            code=INTERVAL_NOT_COMPARED,
            message=f"Given every {format_exact(interval)}, at most {_doses(doses)} in any 24 "
            f"hours: {format_number(Fraction(doses))} × {format_exact(one)} = "
            f"{format_exact(one * doses)}. That total was not compared with anything: these "
            "rules give no maximum per 24 hours.",
        )
    ]
