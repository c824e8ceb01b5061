"""The audit's exact decisions: rows near a threshold on exact fractions, by `check`'s own
rules, and every unusual row by `check` itself, once per distinct row."""

from __future__ import annotations

import functools
import reprlib
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Final

import pint

from dosecalc.clinical.audit.cells import (
    CANONICAL,
    FORMS,
    INPUT_COLUMNS,
    Readers,
    is_given_cell,
    kind_of,
    remember,
)
from dosecalc.clinical.audit.outcome import Outcome, decided, outcome_of, with_row_warnings
from dosecalc.clinical.check import check, in_rule_form, verdict_of
from dosecalc.clinical.limits import INTERVAL_NOT_COMPARED, frequency_unchecked
from dosecalc.foundation.bounds import WEIGHT_LIMITS_KG
from dosecalc.foundation.dose_units import (
    DOSE_FORMS,
)
from dosecalc.foundation.errors import InputError
from dosecalc.foundation.unit_registry import (
    named_unit,
    registry,
)
from dosecalc.foundation.units import (
    CONCENTRATION,
    DOSE,
    DURATION,
    HEIGHT,
    WEIGHT,
)
from dosecalc.patient.body import body_figure, weight_warnings
from dosecalc.ruleset.loader import RuleSet


class ExactDecision:
    """Decides a row the hot path read but found near a threshold, on exact fractions."""

    def __init__(self, rule_set: RuleSet, readers: Readers) -> None:
        self._rule_set = rule_set
        self._readers = readers

    def decide(
        self, weight: object, dose: object, concentration: object, *, rule: int, form: int
    ) -> Outcome | None:
        """A row near a threshold, decided on exact fractions by `check`'s own rules.

        None when the weight is out of bounds: only `check` gives that error.
        """
        entered, _ = self._readers.weights.exact(weight)
        if not WEIGHT_LIMITS_KG[0] <= entered <= WEIGHT_LIMITS_KG[1]:
            return None
        kg = body_figure(registry().Quantity(entered, named_unit("kg"))).magnitude
        written = FORMS[form]
        exact_dose, admitted = self._readers.doses.exact(dose)
        value = in_rule_form(
            exact_dose,
            written,
            self._rule_set.regimens[rule].kind,
            concentration=(
                self._readers.concentrations.exact(concentration)[0]
                if DOSE_FORMS[written].in_volume
                else None
            ),
            weight=kg,
        )
        decision = self._decision(rule, admitted, value)
        regimen = self._rule_set.regimens[rule]
        unchecked = frequency_unchecked(
            regimen.regimen_kind, has_maximum=regimen.max_per_24h is not None
        )
        return with_row_warnings(
            decision, (*self._warnings(kg), *([INTERVAL_NOT_COMPARED] if unchecked else []))
        )

    @functools.lru_cache(maxsize=4096)  # noqa: B019  # one per stream
    def _decision(self, rule: int, admitted: int, value: Fraction) -> Outcome:
        regimen = self._rule_set.regimens[rule]
        low, high = regimen.dose.quantities()
        canonical = CANONICAL["weight-based-rate" if regimen.regimen_kind.per_kg else "fixed-dose"]
        dose = registry().Quantity(value, named_unit(canonical)).to(low.units)
        return decided(verdict_of(dose, low, high), admitted, dose, low, high)

    @functools.lru_cache(maxsize=4096)  # noqa: B019
    def _warnings(self, kg: Fraction) -> tuple[str, ...]:
        return tuple(w.code for w in weight_warnings(registry().Quantity(kg, named_unit("kg"))))


_NUMBERS: Final = (int, float, Decimal, Fraction)
"""Numbers, which `check` refuses in its own words (no unit) when they are short to show."""

_SHOWN: Final = 40
"""At most this many characters of a cell `check` does not read are shown in its error."""

_EXAMPLES: Final = dict(
    zip(
        INPUT_COLUMNS,
        (
            WEIGHT.example,
            "a regimen's name, e.g. 'iv-infusion'",
            DOSE.example,
            CONCENTRATION.example,
            HEIGHT.example,
            "'male' or 'female'",
            "'actual', 'ideal' or 'adjusted'",
            f"the interval between doses, e.g. {DURATION.example}",
        ),
        strict=True,
    )
)


def unread_cell(cells: Sequence[object]) -> str | None:
    """The error for the first cell of a row that `check` does not read (a list, a dict,
    bytes, a date; a number too long to show), in a few words; None if there is none.

    `check` would print such a cell whole, or fail on it; a bad cell never stops an audit.
    """
    for name, value in zip(INPUT_COLUMNS, cells, strict=True):
        if isinstance(value, str | pint.Quantity):
            continue  # what `check` reads
        if isinstance(value, _NUMBERS):
            shown = _shown(value)
            if shown is not None and len(shown) < _SHOWN:
                continue  # a number short enough for `check` to show (it has no unit)
        kind = kind_of(value)
        what = _shown(value)
        held = f"{kind} too long to show" if what is None else f"{what} ({kind})"
        return str(InputError(name, f"the cell holds {held}, not text", f"Enter {_EXAMPLES[name]}"))
    return None


def _shown(value: object) -> str | None:
    """The start of ``value``'s repr, at most `_SHOWN` characters (None if it has none)."""
    try:
        shown = _REPR.repr(value)
    except Exception:  # any object's repr may fail (a 5,000-digit number)
        return None
    return shown if len(shown) <= _SHOWN else shown[: _SHOWN - 1] + "…"


_REPR: Final = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = _REPR.maxlong = _SHOWN


class CheckedRows:
    """`check` on one row, once per distinct row of text cells (up to `REMEMBERED` kept)."""

    def __init__(self, rule_set: RuleSet) -> None:
        self._rule_set = rule_set
        self._checked: dict[tuple[object, ...], Outcome] = {}

    def outcome(self, cells: Sequence[object]) -> Outcome:
        """The output cells `check` gives for a row of input cells, in `INPUT_COLUMNS` order."""
        key = tuple(cells) if all(isinstance(cell, str) for cell in cells) else None
        if key is not None and key in self._checked:
            return self._checked[key]
        unread = unread_cell(cells)
        if unread is not None:
            return Outcome(error=unread)
        weight, regimen, dose, concentration, height, sex, basis, every = cells
        try:
            outcome = outcome_of(
                check(
                    weight=weight if is_given_cell(weight) else None,  # a blank cell: none
                    regimen=regimen,  # type: ignore[arg-type]  # check refuses a non-text one
                    dose=dose,
                    concentration=concentration,
                    height=height,
                    sex=sex,  # type: ignore[arg-type]
                    basis=basis if is_given_cell(basis) else "actual",  # type: ignore[arg-type]
                    rules=self._rule_set,
                    every=every if is_given_cell(every) else None,
                )
            )
        except InputError as error:
            outcome = Outcome(error=str(error))
        if key is not None:
            remember(self._checked, key, outcome)
        return outcome
