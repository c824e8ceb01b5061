"""Whether a figure can be set on a pump, or measured in a syringe, as shown.

dosecalc rounds no figure to a device: a figure is shown under the display rule, and what
a nurse can set or measure is said beside it. A library may state the step its pumps are
set in (`pump_rate_increment`) and the smallest volume its syringes measure
(`smallest_measurable_volume`), each with its own citation. Without a step, a pump rate
is said not to be rounded to a pump setting; with one, a rate that is no multiple of it
warns, with the settings either side (none is chosen). A volume to draw under the
library's smallest measurable volume, or under dosecalc's own bound
(`MEASURABLE_VOLUME_ML`), warns with its reason, never silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Final

from dosecalc.clinical.result import QuantityRange
from dosecalc.foundation.bounds import MEASURABLE_VOLUME_ML
from dosecalc.foundation.display import format_exact, magnitude
from dosecalc.foundation.dose_units import (
    PUMP_RATE_UNIT,
)
from dosecalc.foundation.unit_registry import (
    convert,
    named_unit,
    registry,
)
from dosecalc.patient.body import DoseWarning
from dosecalc.ruleset.schema import Regimen

NOT_A_SETTING: Final = "pump-rate-not-a-setting"
UNMEASURABLE: Final = "volume-below-measurable"

NO_STEP: Final = "not rounded to a pump setting (the rules state no pump rate step)"
"""Said beside every pump rate of a library that states no step: the figure is exact (or
rounded by the display rule, and marked so), never a setting dosecalc chose."""

_OWN_BOUND: Final = "a bound of dosecalc's, not a number of the source"


def pump_step(rule: Regimen | None) -> Fraction | None:
    """The library's pump rate step in mL/h, exactly; None when it states none."""
    if rule is None or rule.pump_rate_increment is None:
        return None
    return magnitude(convert(rule.pump_rate_increment.quantity(), named_unit(PUMP_RATE_UNIT)))


def _step_words(rule: Regimen) -> str:
    assert rule.pump_rate_increment is not None
    step = rule.pump_rate_increment
    return f"steps of {format_exact(step.quantity())}; {step.source.cited}"


def pump_setting(rule: Regimen | None, rate: Fraction) -> str:
    """What a nurse can set for ``rate`` (mL/h, exact), in words, beside the figure."""
    step = pump_step(rule)
    if step is None or rule is None:
        return NO_STEP
    if rate % step == 0:
        return f"a setting of this library's pump ({_step_words(rule)})"
    assert rule.pump_rate_increment is not None
    step_text = format_exact(rule.pump_rate_increment.quantity())
    return f"NOT a setting of this library's pump (steps of {step_text}): see the warnings"


def said_of(figures: Sequence[tuple[Fraction, str]]) -> str:
    """``for the low end, 0.05 mL, and for the high end, 0.08 mL``: each ``(value, words)``
    of a figure, as one subject."""
    return ", and ".join(words for _, words in figures)


def pump_setting_warnings(
    rule: Regimen | None, rates: Sequence[tuple[Fraction, str]]
) -> list[DoseWarning]:
    """Pump rates (mL/h, exact, each with its words) that are no multiple of the library's
    step: one warning per rate, with the settings either side; neither is chosen here."""
    step = pump_step(rule)
    if step is None or rule is None:
        return []
    warnings = []
    for rate in dict.fromkeys(value for value, _ in rates if value % step != 0):
        below = rate // step * step
        unit = named_unit(PUMP_RATE_UNIT)
        sides = [registry().Quantity(v, unit) for v in (below, below + step) if v > 0]
        either = " and ".join(format_exact(q) for q in sides)
        what = said_of([(value, words) for value, words in rates if value == rate])
        warnings.append(
            DoseWarning(
                code=NOT_A_SETTING,
                message=f"The pump rate {what}, is not a setting of this library's pump "
                f"({_step_words(rule)}); the settings either side are {either}, and each "
                "gives another dose. Change the final volume or the duration so that the rate "
                "is a setting, or have the order restated; do not round it at the pump.",
            )
        )
    return warnings


def pump_rate_notes(rule: Regimen, pump_rate: QuantityRange | None) -> list[str]:
    """For a range of pump rates (`calculate`): whether its ends are pump settings."""
    if pump_rate is None:
        return []
    step = pump_step(rule)
    if step is None:
        return [f"The pump rate {pump_rate.display} is {NO_STEP}."]
    ends = (pump_rate.shown_low.value, pump_rate.shown_high.value)
    if all(end % step == 0 for end in ends):
        return [
            f"The pump rate {pump_rate.display}: each end is a setting of this library's "
            f"pump ({_step_words(rule)})."
        ]
    return [
        f"The pump rate {pump_rate.display} is not rounded to a pump setting, and an end of "
        f"it is not a setting of this library's pump ({_step_words(rule)}): set a rate that "
        "is a setting and within the range, and work out the dose it gives."
    ]


def measurable_below(rule: Regimen | None) -> Fraction:
    """The smallest volume taken as measurable, in mL: the library's, or dosecalc's own
    bound, whichever is larger."""
    smallest = rule.smallest_measurable_volume if rule is not None else None
    least = magnitude(convert(smallest.quantity(), named_unit("mL"))) if smallest else Fraction(0)
    return max(least, MEASURABLE_VOLUME_ML)


UNMEASURABLE_MARK: Final = " (too small to measure: see the warnings)"
"""Said beside a volume to draw under `measurable_below`: never a plain instruction."""


def volume_warnings(
    rule: Regimen | None,
    what: str,
    volumes: Sequence[tuple[Fraction, str]],
    *,
    own_bound: bool = True,
) -> list[DoseWarning]:
    """Volumes to draw or give (mL, exact, above zero, each with its words) under the
    library's smallest measurable volume, or (with ``own_bound``) under dosecalc's own
    bound: one warning per bound, naming each volume under it, with the reason.
    `calculate` leaves its own bound to the volume-per-dose plausibility warning."""
    warnings = []
    smallest = rule.smallest_measurable_volume if rule is not None else None
    least = magnitude(convert(smallest.quantity(), named_unit("mL"))) if smallest else None
    under = [(v, words) for v, words in volumes if least is not None and v < least]
    if smallest is not None and under:
        warnings.append(
            DoseWarning(
                code=UNMEASURABLE,
                message=f"The {what} {said_of(under)}, is under this library's smallest "
                "measurable volume, "
                f"{format_exact(smallest.quantity())} ({smallest.source.cited}): it cannot be "
                "measured as shown; use a weaker stock or another final volume.",
            )
        )
    under = [(v, words) for v, words in volumes if 0 < v < MEASURABLE_VOLUME_ML]
    if own_bound and under:
        bound = format_exact(registry().Quantity(MEASURABLE_VOLUME_ML, named_unit("mL")))
        warnings.append(
            DoseWarning(
                code=UNMEASURABLE,
                message=f"The {what} {said_of(under)}, is under {bound}, the smallest volume "
                "dosecalc "
                f"takes as measurable ({_OWN_BOUND}): it cannot be measured accurately; use a "
                "weaker stock or another final volume.",
            )
        )
    return warnings
