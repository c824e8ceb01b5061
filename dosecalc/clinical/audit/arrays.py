"""The audit's hot path: verdicts, slips and weight warnings as comparisons of float64 arrays.

A row is decided here only when the float64 arithmetic (good to about 1e-15)
cannot differ from `check`'s exact one: a row within a relative `NEAR` of a
threshold, or with an unusual cell, is left to the exact decision or to `check`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

import numpy as np

from dosecalc.clinical.audit.cells import (
    FORMS,
    NOT_READ,
    BoolArray,
    Column,
    FloatArray,
    IndexArray,
    Readers,
    TextArray,
    canonical_unit,
    is_actual_basis,
    is_given_cell,
    per_distinct,
)
from dosecalc.clinical.audit.outcome import (
    HOT_WARNING_CODES,
    VERDICTS,
    Output,
    entry_text,
    outcome_text,
    texts,
    warnings_text,
)
from dosecalc.clinical.check import ENTRY_ERROR_RATIO, SLIPS, in_rule_form
from dosecalc.clinical.limits import frequency_unchecked
from dosecalc.foundation.bounds import (
    PUMP_RATE_ML_PER_H,
    USUAL_ADULT_WEIGHT_KG,
    USUAL_CONCENTRATION_MG_PER_ML,
    VOLUME_PER_DOSE_ML,
    WEIGHT_LIMITS_KG,
)
from dosecalc.foundation.display import magnitude, unit_ucum
from dosecalc.foundation.errors import UnknownRegimenError
from dosecalc.patient.body import (
    LB_KG_MIX_UP_FACTOR,
)
from dosecalc.ruleset.kinds import KINDS, KindName
from dosecalc.ruleset.loader import RuleSet

NEAR: Final = 1e-9
"""Relative distance to a threshold within which a row is decided exactly, by `check`."""


@dataclass(frozen=True)
class Hot:
    """What the hot path decided: rows done, rows read but near a threshold, and for every
    row its regimen number and dose form (meaningful where read)."""

    done: BoolArray
    near: BoolArray
    rule: IndexArray
    form: IndexArray


class HotPath:
    """Decides the ordinary rows of a table against one rule set, on arrays."""

    def __init__(self, rule_set: RuleSet, readers: Readers) -> None:
        self._rule_set = rule_set
        self._rules = _RuleArrays.of(rule_set)
        self._readers = readers

    def decide(self, columns: Mapping[str, Column], rows: int, out: Output) -> Hot:
        """Fill ``out`` for every row decided on arrays; say which rows those are, and which
        were read but lie near a threshold."""
        rules = self._rules
        entered, _, _ = self._readers.weights.read(columns["weight"])
        # Every weight is used as `check` uses it: to the nearest 0.01 kg, half up. Where
        # the float cannot tell which way a half goes, `check` decides on the exact value.
        hundredths = entered * 100
        weight = np.floor(hundredths + 0.5) / 100
        weight[weight <= 0] = np.nan  # used as 0 kg: refused, with `check`'s words
        at_a_half = np.abs(hundredths - np.floor(hundredths) - 0.5) <= NEAR * hundredths
        dose, form, admitted = self._readers.doses.read(columns["dose"])
        regimen = per_distinct(columns["regimen"], self._regimen, np.intp)
        done = ~np.isnan(weight) & ~np.isnan(dose) & (regimen >= 0)
        concentration = np.full(rows, np.nan)
        if "concentration" in columns:
            given = per_distinct(columns["concentration"], is_given_cell, np.bool_)
            read, _, _ = self._readers.concentrations.read(columns["concentration"])
            concentration = np.where(given, read, np.nan)
            done &= ~given | ~np.isnan(read)
        for name in ("height", "sex"):
            if name in columns:
                done &= ~per_distinct(columns[name], is_given_cell, np.bool_)
        if "basis" in columns:
            done &= per_distinct(columns["basis"], is_actual_basis, np.bool_)

        rule = np.where(regimen >= 0, regimen, 0)
        done &= rules.hot[rule]
        is_rate, low, high = rules.is_rate[rule], rules.low[rule], rules.high[rule]
        value = np.full(rows, np.nan)
        hot_kinds: tuple[tuple[KindName, BoolArray], ...] = (
            ("weight-based-rate", is_rate),
            ("fixed-dose", ~is_rate),
        )
        for kind, of_kind in hot_kinds:  # the kinds `_RuleArrays.hot` admits
            for name in KINDS[kind].forms:
                in_form = in_rule_form(dose, name, kind, concentration=concentration, weight=weight)
                value = np.where(of_kind & (form == FORMS.index(name)), in_form, value)
        done &= ~np.isnan(value)
        if "concentration" in columns:
            done &= ~given | _clearly_plausible(concentration, weight, low, high, is_rate)
        near = done & (
            _near_any(value, [bound * f for bound in (low, high) for f in _BOUND_FACTORS])
            | _near_any(weight, _WEIGHT_THRESHOLDS)
            | _near_any(entered, [float(kg) for kg in WEIGHT_LIMITS_KG])
            | at_a_half
        )
        done &= ~near
        done &= (entered >= float(WEIGHT_LIMITS_KG[0])) & (entered <= float(WEIGHT_LIMITS_KG[1]))

        below, above = value < low, value > high
        verdict = np.where(below, 0, np.where(above, 2, 1))
        slips = np.zeros(rows, dtype=np.intp)
        for bit, slip in enumerate(SLIPS):  # as `fitting_slips`, for the slips each unit admits
            meant = value * float(slip.factor)
            fits = (below | above) & (meant >= low) & (meant <= high) & (admitted >> bit & 1 == 1)
            slips |= fits.astype(np.intp) << bit
        far = (above & (value >= ENTRY_ERROR_RATIO * high)) | (
            below & (value <= low / ENTRY_ERROR_RATIO)
        )
        entry = (verdict * 2 + far) << len(SLIPS) | slips
        usual_low, usual_high = (float(kg) for kg in USUAL_ADULT_WEIGHT_KG)
        warned_low, warned_high = weight < usual_low, weight > usual_high
        mix_up = (warned_low | warned_high) & (
            _between(weight * float(LB_KG_MIX_UP_FACTOR), usual_low, usual_high)
            | _between(weight / float(LB_KG_MIX_UP_FACTOR), usual_low, usual_high)
        )
        # As `HOT_WARNING_CODES`: the weight's, then that how often it is given is not checked.
        unchecked = rules.frequency_unchecked[rule]
        warning = warned_low * 1 + warned_high * 2 + mix_up * 4 + unchecked * 8

        out.verdict[done] = np.array(VERDICTS, dtype=object)[verdict[done]]
        out.dose_in_rule_units[done] = (value * rules.to_rule_unit[rule])[done]
        out.rule_unit[done] = rules.rule_unit[rule[done]]
        out.probable_entry_error[done] = texts(entry[done], entry_text)
        out.warnings[done] = texts(warning[done], warnings_text)
        entry_error = far | (slips != 0)
        worst = (verdict * 2 + entry_error) << len(HOT_WARNING_CODES) | warning
        out.outcome[done] = texts(worst[done], outcome_text)
        return Hot(done, near, rule, form)

    def _regimen(self, name: object) -> int:
        if not isinstance(name, str):
            return NOT_READ
        try:
            regimen = self._rule_set.find(name)
        except UnknownRegimenError:
            return NOT_READ
        return self._rule_set.regimens.index(regimen)


# Thresholds a decision turns on: a bound times 1 (the verdict), a slip factor or
# its inverse (a slip fits), or the entry-error ratio (already among the factors).
_BOUND_FACTORS: Final = (
    1.0,
    *(float(slip.factor) for slip in SLIPS),
    *(float(1 / slip.factor) for slip in SLIPS),
)
_WEIGHT_THRESHOLDS: Final = tuple(
    float(kg)
    for kg in (
        *WEIGHT_LIMITS_KG,
        *USUAL_ADULT_WEIGHT_KG,
        *(kg / LB_KG_MIX_UP_FACTOR for kg in USUAL_ADULT_WEIGHT_KG),
        *(kg * LB_KG_MIX_UP_FACTOR for kg in USUAL_ADULT_WEIGHT_KG),
    )
)


def _near_any(values: FloatArray, thresholds: Iterable[FloatArray | float]) -> BoolArray:
    near = np.zeros(values.shape, dtype=np.bool_)
    for threshold in thresholds:
        near |= np.abs(values - threshold) <= NEAR * np.abs(threshold)
    return near


def _clearly_plausible(
    concentration: FloatArray,
    weight: FloatArray,
    low: FloatArray,
    high: FloatArray,
    is_rate: BoolArray,
) -> BoolArray:
    """Rows whose concentration (mg/mL), and the pump rate (mL/h) or volume per dose (mL) it
    gives for the patient's range, lie well inside dosecalc's plausibility bounds. The rest
    go to `check`, which words the warnings."""

    def inside(
        values: FloatArray, least: FloatArray | float, most: FloatArray | float
    ) -> BoolArray:
        return (values > np.multiply(least, 1 + NEAR)) & (values < np.multiply(most, 1 - NEAR))

    per = np.where(is_rate, weight, 1.0) / concentration
    delivery = [
        np.where(is_rate, float(pump), float(volume))
        for pump, volume in zip(PUMP_RATE_ML_PER_H, VOLUME_PER_DOSE_ML, strict=True)
    ]
    return (
        inside(concentration, *(float(bound) for bound in USUAL_CONCENTRATION_MG_PER_ML))
        & inside(low * per, *delivery)
        & inside(high * per, *delivery)
    )


def _between(values: FloatArray, low: float, high: float) -> BoolArray:
    return (values >= low) & (values <= high)


@dataclass(frozen=True)
class _RuleArrays:
    """The rule set as arrays indexed by regimen number, bounds in the hot path's units.

    ``hot`` marks the regimens the arrays decide: a rate per kg or a fixed dose (whose
    kind is a rate exactly when it is per kg), with no library limits. Any other row
    is left to `check`, which knows every kind and limit.
    """

    hot: BoolArray
    is_rate: BoolArray
    frequency_unchecked: BoolArray
    low: FloatArray
    high: FloatArray
    to_rule_unit: FloatArray
    rule_unit: TextArray

    @classmethod
    def of(cls, rule_set: RuleSet) -> _RuleArrays:
        hot, is_rate, low, high, to_rule_unit, rule_unit = [], [], [], [], [], []
        unchecked = []
        for regimen in rule_set.regimens:
            rule_low, rule_high = regimen.dose.quantities()
            kind = regimen.regimen_kind
            limits = (
                *(regimen.hard_limits, regimen.max_per_24h, regimen.standard_concentrations),
                *(regimen.smallest_measurable_volume, regimen.largest_volume_per_dose),
            )
            hot.append(kind.is_rate == kind.per_kg and not any(limits))
            is_rate.append(kind.is_rate)
            unchecked.append(frequency_unchecked(kind, has_maximum=regimen.max_per_24h is not None))
            if not hot[-1]:  # never read: its rows are `check`'s
                low.append(np.nan)
                high.append(np.nan)
                to_rule_unit.append(np.nan)
                rule_unit.append("")
                continue
            canonical = canonical_unit(regimen)
            low_in_canonical = magnitude(rule_low.to(canonical))
            low.append(float(low_in_canonical))
            high.append(float(magnitude(rule_high.to(canonical))))
            to_rule_unit.append(float(magnitude(rule_low) / low_in_canonical))
            rule_unit.append(unit_ucum(rule_low.units))
        return cls(
            np.array(hot, dtype=np.bool_),
            np.array(is_rate, dtype=np.bool_),
            np.array(unchecked, dtype=np.bool_),
            np.array(low),
            np.array(high),
            np.array(to_rule_unit),
            np.array(rule_unit, dtype=object),
        )
