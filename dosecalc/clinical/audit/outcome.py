"""What an audit says of its rows: the output cells, their texts, and the summary counts."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Final, TypeAlias

import numpy as np

from dosecalc.clinical.audit.cells import Column, FloatArray, IndexArray, TextArray
from dosecalc.clinical.check import (
    ENTRY_ERROR_RATIO,
    SLIPS,
    admitted_slips,
    fitting_slips,
    is_far_out,
    slip_factor,
)
from dosecalc.clinical.headline import OUTCOMES, outcomes_of
from dosecalc.clinical.limits import INTERVAL_NOT_COMPARED
from dosecalc.clinical.result import CheckResult, OutcomeCode, Verdict
from dosecalc.foundation.display import magnitude, unit_ucum
from dosecalc.foundation.text import counted
from dosecalc.foundation.unit_registry import (
    Quantity,
)
from dosecalc.patient.body import WEIGHT_WARNING_CODES

OUTPUT_COLUMNS: Final = (
    "outcome",
    "verdict",
    "dose_in_rule_units",
    "rule_unit",
    "probable_entry_error",
    "warnings",
    "hard_limit",
    "error",
)
VERDICTS: Final[tuple[Verdict, ...]] = ("below", "within", "above")

Audited: TypeAlias = dict[str, FloatArray | TextArray]
"""The output columns of an audit, by name (see `audit`)."""


OUTCOME_COUNTS: Final[dict[OutcomeCode, tuple[str, str]]] = {
    "above-hard-limit": ("above a hard limit: do not give as ordered; contact the prescriber",) * 2,
    "below-hard-limit": ("below a hard limit: do not give as ordered; contact the prescriber",) * 2,
    "probable-entry-error": (
        "probable entry error: above the range, withhold it and ask the prescriber; below it, "
        "check the order with the prescriber before giving it",
        "probable entry errors: above the range, withhold them and ask the prescriber; below "
        "it, check each order with the prescriber before giving it",
    ),
    "implausible-concentration": (
        "implausible concentration: withhold it and check it against the stock's label (its "
        "units) first",
        "implausible concentrations: withhold them and check each against the stock's label "
        "(its units) first",
    ),
    "above-max-per-24h": (
        "above a maximum per 24 hours: do not give as ordered; contact the prescriber",
    )
    * 2,
    "above": (
        "above the range: check the order with the prescriber before giving it; for a patient "
        "not checked against the range, withhold it and ask the prescriber",
        "above the range: check each order with the prescriber before giving it; for a "
        "patient not checked against the range, withhold them and ask the prescriber",
    ),
    "patient-not-covered": (
        "not checked for the patient (its weight): check the weight first; the supervising "
        "specialist decides the dose",
    )
    * 2,
    "below": (
        "below the range: check the order with the prescriber before giving it",
        "below the range: check each order with the prescriber before giving it",
    ),
    "per-kg-weight-unclear": (
        "per kg of an unclear weight: ask the prescriber which weight the order is per kg of "
        "before giving it",
        "per kg of an unclear weight: ask the prescriber which weight each order is per kg of "
        "before giving it",
    ),
    "max-per-24h-not-checked": (
        "total per 24 hours not checked: with no weight, enter the weight before giving it; "
        "else check how often it is given before giving it",
    )
    * 2,
    "order-not-checked": ("not compared with any range: regimen needed",) * 2,
    "within": (
        "within the range: verify the order independently before giving it",
        "within the range: verify each order independently before giving it",
    ),
}
"""How the summary counts each outcome, said of one row and of any other count: every row
once, by its worst finding ("1 implausible concentration", "2 implausible concentrations"),
and what to do, in the words of the headline's action (`dosecalc.clinical.headline`)."""

OUTCOME_NAMES: Final[dict[OutcomeCode, str]] = {
    "above-hard-limit": "above a hard limit",
    "below-hard-limit": "below a hard limit",
    "probable-entry-error": "probable entry error",
    "implausible-concentration": "implausible concentration",
    "above-max-per-24h": "above a maximum per 24 hours",
    "above": "above the range",
    "patient-not-covered": "not checked for the patient",
    "below": "below the range",
    "per-kg-weight-unclear": "per kg of an unclear weight",
    "max-per-24h-not-checked": "total per 24 hours not checked",
    "order-not-checked": "not compared with any range",
    "within": "within the range",
}
"""Each outcome's name, as its count begins ("probable entry error"): a filed row's headline
is its name and what to do (`dosecalc.clinical.headline.action_of`)."""

ROW_COUNTS: Final = {
    "audited": ("row audited", "rows audited"),
    "not checked": (
        "row not checked (its error column says why)",
        "rows not checked (their error column says why)",
    ),
}


@dataclass
class AuditSummary:
    """Counts over an audit: rows, each verdict, each outcome (a row's worst finding),
    hard-limit breaches, probable entry errors and bad rows."""

    rows: int = 0
    verdicts: dict[Verdict, int] = field(default_factory=lambda: dict.fromkeys(VERDICTS, 0))
    outcomes: dict[OutcomeCode, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    hard_limits: int = 0
    entry_errors: int = 0
    bad_rows: int = 0

    def add(self, audited: Mapping[str, Column]) -> None:
        """Count the output columns of one audited chunk."""
        verdicts = list(audited["verdict"])
        self.rows += len(verdicts)
        for verdict in VERDICTS:
            self.verdicts[verdict] += verdicts.count(verdict)
        outcomes = list(audited["outcome"])
        for outcome in OUTCOMES:
            self.outcomes[outcome] += outcomes.count(outcome)
        self.hard_limits += sum(1 for text in audited["hard_limit"] if text)
        self.entry_errors += sum(1 for text in audited["probable_entry_error"] if text)
        self.bad_rows += sum(1 for text in audited["error"] if text)

    def lines(self) -> list[str]:
        """The summary in words, one count a line: each row once by its worst finding (the
        outcome column), most serious first, then the bad rows."""
        return [
            counted(self.rows, ROW_COUNTS["audited"]),
            *(
                counted(count, OUTCOME_COUNTS[outcome])
                for outcome, count in self.outcomes.items()
                if count or outcome in VERDICTS
            ),
            counted(self.bad_rows, ROW_COUNTS["not checked"]),
        ]


def entry_text(key: int) -> str:
    """The entry error of a hot-path key: verdict, far out, and a bit per fitting slip."""
    verdict, far, slips = VERDICTS[key >> (len(SLIPS) + 1)], (key >> len(SLIPS)) & 1, key
    fitting = [(slip.name, slip_factor(slip)) for bit, slip in enumerate(SLIPS) if slips >> bit & 1]
    return entry_error_text(verdict, bool(far), fitting)


HOT_WARNING_CODES: Final = (*WEIGHT_WARNING_CODES, INTERVAL_NOT_COMPARED)
"""The warnings the hot path decides, a bit each in this order (as `check` lists them): the
weight's, then, for a dose per administration (its rules have no maximum per 24 hours),
that how often it is given is not checked."""


def warnings_text(key: int) -> str:
    """The warnings of a hot-path key: a bit per warning of `HOT_WARNING_CODES`."""
    return warning_text(_hot_codes(key))


def outcome_text(key: int) -> str:
    """The outcome of a hot-path key: (verdict, entry error) above a bit per weight warning
    (`outcomes_of`, as `check` decides it; the hot path has no library limits)."""
    warnings = len(HOT_WARNING_CODES)
    verdict, entry_error = VERDICTS[key >> (warnings + 1)], bool(key >> warnings & 1)
    return outcomes_of(
        verdict=verdict,
        hard_limit=None,
        entry_error=entry_error,
        warning_codes=_hot_codes(key),
    )[0]


def _hot_codes(key: int) -> list[str]:
    return [code for bit, code in enumerate(HOT_WARNING_CODES) if key >> bit & 1]


def entry_error_text(verdict: Verdict, far: bool, slips: Sequence[tuple[str, str]]) -> str:
    """A probable entry error in a few words: how far out, and which slips fit; or ''."""
    parts = []
    if far:
        parts.append(
            f"{ENTRY_ERROR_RATIO} or more times the upper bound"
            if verdict == "above"
            else f"1/{ENTRY_ERROR_RATIO} or less of the lower bound"
        )
    parts.extend(f"possibly {slip} ({factor})" for slip, factor in slips)
    return "; ".join(parts)


def warning_text(codes: Iterable[str]) -> str:
    """Warning codes, as in `DoseWarning.code`, joined for one cell."""
    return "; ".join(codes)


def texts(keys: IndexArray, text: Callable[[int], str]) -> TextArray:
    """Each key's text, made once per distinct key."""
    distinct, inverse = np.unique(keys, return_inverse=True)
    return np.array([text(int(key)) for key in distinct], dtype=object)[inverse]


@dataclass(frozen=True)
class Outcome:
    """The output cells of one row decided by `check`."""

    verdict: str = ""
    outcome: str = ""
    dose_in_rule_units: float = math.nan
    rule_unit: str = ""
    probable_entry_error: str = ""
    warnings: str = ""
    hard_limit: str = ""
    error: str = ""


def outcome_of(result: CheckResult) -> Outcome:
    """The output cells of a row `check` decided."""
    low, high = result.range.low, result.range.high
    return replace(
        decided(
            result.verdict, admitted_slips(result.proposed.units), result.in_rule_units, low, high
        ),
        outcome=result.headline.outcome,
        warnings=warning_text(warning.code for warning in result.warnings),
        hard_limit=result.hard_limit or "",
    )


def with_row_warnings(decision: Outcome, codes: Sequence[str]) -> Outcome:
    """A decision of the hot or exact path (rules without library limits) with the warnings
    of its row (the weight's, and how often it is given), and the outcome they come to
    (`outcomes_of`)."""
    worst = outcomes_of(
        verdict=decision.verdict,  # type: ignore[arg-type]  # `decided` sets one
        hard_limit=None,
        entry_error=bool(decision.probable_entry_error),
        warning_codes=codes,
    )[0]
    return replace(decision, outcome=worst, warnings=warning_text(codes))


def decided(
    verdict: Verdict, admitted: int, dose: Quantity, low: Quantity, high: Quantity
) -> Outcome:
    """Verdict, value and entry error of a dose in the rule's unit, by `check`'s rules
    (``admitted``: the slips its unit as entered admits, `admitted_slips`)."""
    slips = [
        (slip.name, slip_factor(slip)) for slip in fitting_slips(verdict, admitted, dose, low, high)
    ]
    return Outcome(
        verdict=verdict,
        dose_in_rule_units=float(magnitude(dose)),
        rule_unit=unit_ucum(dose.units),
        probable_entry_error=entry_error_text(verdict, is_far_out(verdict, dose, low, high), slips),
    )


@dataclass
class Output:
    """The output columns of one chunk, filled row by row or by masks."""

    verdict: TextArray
    outcome: TextArray
    dose_in_rule_units: FloatArray
    rule_unit: TextArray
    probable_entry_error: TextArray
    warnings: TextArray
    hard_limit: TextArray
    error: TextArray

    @classmethod
    def empty(cls, rows: int) -> Output:
        def text() -> TextArray:
            return np.full(rows, "", dtype=object)

        return cls(text(), text(), np.full(rows, np.nan), text(), text(), text(), text(), text())

    def fill(self, row: int, outcome: Outcome) -> None:
        for name in OUTPUT_COLUMNS:
            getattr(self, name)[row] = getattr(outcome, name)

    def as_dict(self) -> Audited:
        return {name: getattr(self, name) for name in OUTPUT_COLUMNS}
