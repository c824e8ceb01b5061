"""The impact of a rule change on past orders: each order audited under the old rules and the
new, and every order whose outcome changes listed.

An outcome is what a reviewer acts on: the verdict, whether the row could be checked at all,
the probable entry error, the warnings, and any other column the audit adds (a hard-limit
state, say). The restatement of the dose in the rule's unit is not an outcome: a rule that
changes only its unit would otherwise change every row.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

from dosecalc.clinical.audit import INPUT_COLUMNS, OUTPUT_COLUMNS, Audited
from dosecalc.reports.audit_file import audited_chunks
from dosecalc.ruleset.loader import RuleSet

NOT_OUTCOMES: Final = ("dose_in_rule_units", "rule_unit")
"""Audit columns that restate the order rather than judge it: not compared."""
OUTCOMES: Final = tuple(name for name in OUTPUT_COLUMNS if name not in NOT_OUTCOMES)


@dataclass(frozen=True)
class OrderChange:
    """One order whose outcome differs: its row (the first order after the header is row 1,
    as in the audit's output), its input cells, and its outcome under each rule set."""

    row: int
    order: dict[str, str]
    old: dict[str, str]
    new: dict[str, str]

    def text(self) -> str:
        """``row 3 (weight 70 kg, regimen iv, dose 0.45 mg/kg/hr): within → above``."""
        cells = ", ".join(f"{name} {value}" for name, value in self.order.items() if value)
        parts = [f"{_state(self.old)} → {_state(self.new)}"]
        parts += [
            f"{name.replace('_', ' ')}: {self.old[name] or 'none'} → {self.new[name] or 'none'}"
            for name in OUTCOMES
            if name not in ("verdict", "error")
            and self.old[name] != self.new[name]
            and not (name == "outcome" and _says_only_the_verdict(self.old, self.new))
        ]
        return f"row {self.row} ({cells}): {'; '.join(parts)}"

    def as_json(self) -> dict[str, object]:
        return {"row": self.row, "order": self.order, "old": self.old, "new": self.new}


@dataclass
class Impact:
    """Every order of a file, audited under two rule sets, and those whose outcome changes."""

    rows: int = 0
    changes: list[OrderChange] = field(default_factory=list)

    def summary(self) -> str:
        """``2 of 12 orders change outcome: 1 within → above, 1 not checked → within.``"""
        if not self.changes:
            return f"No order of {self.rows:,} changes outcome."
        moves = Counter(_move(change) for change in self.changes)
        counted = ", ".join(f"{count:,} {move}" for move, count in moves.items())
        noun = "order changes" if len(self.changes) == 1 else "orders change"
        return f"{len(self.changes):,} of {self.rows:,} {noun} outcome: {counted}."

    def lines(self) -> list[str]:
        return [*(change.text() for change in self.changes), self.summary()]

    def as_json(self) -> dict[str, object]:
        return {
            "orders": self.rows,
            "changed": [change.as_json() for change in self.changes],
            "summary": self.summary(),
        }


def impact(source: Iterable[str], old: RuleSet, new: RuleSet) -> Impact:
    """Audit the CSV orders ``source`` (as `audit_file` reads it) under ``old`` and ``new``.

    Streams in the audit's chunks: memory holds the changed orders, not the file. Raises
    `InputError` for a file that cannot be audited, as `audit_file` does.
    """
    header, chunks = audited_chunks(source, (old, new))
    inputs = [name for name in header if name.strip().lower() in INPUT_COLUMNS]
    result = Impact()
    for cells, (before, after) in chunks:
        for row, record in enumerate(cells):
            was, now = _outcome(before, row), _outcome(after, row)
            if _compared(was) != _compared(now):
                order = dict(zip(header, record, strict=True))
                result.changes.append(
                    OrderChange(result.rows + row + 1, {n: order[n] for n in inputs}, was, now)
                )
        result.rows += len(cells)
    return result


def _outcome(audited: Audited, row: int) -> dict[str, str]:
    return {name: str(audited[name][row]) for name in OUTCOMES}


def _compared(outcome: dict[str, str]) -> dict[str, str | bool]:
    """What a change is judged on: an error by whether there is one (its words name the
    regimens in force, which a new regimen changes on every unknown-regimen row)."""
    return {name: bool(value) if name == "error" else value for name, value in outcome.items()}


def _move(change: OrderChange) -> str:
    """``within → above``, or ``above, its flags changed`` for the same verdict."""
    was, now = (outcome["verdict"] or "not checked" for outcome in (change.old, change.new))
    return f"{was} → {now}" if was != now else f"{was}, its flags changed"


def _says_only_the_verdict(*outcomes: dict[str, str]) -> bool:
    """Whether each outcome column just repeats its verdict (or both are empty): then the
    verdict's change already says it."""
    return all(outcome["outcome"] in ("", outcome["verdict"]) for outcome in outcomes)


def _state(outcome: dict[str, str]) -> str:
    return outcome["verdict"] or f"not checked ({outcome['error']})"
