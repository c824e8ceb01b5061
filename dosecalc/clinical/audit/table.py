"""`audit` and its `Auditor`: a table of orders in, the same rows out with their verdicts.

The table's columns are found and checked here; each chunk goes first to the
hot path, then its rows near a threshold to the exact decision, then every row
left to `check`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

import numpy as np

from dosecalc.clinical.audit.arrays import HotPath
from dosecalc.clinical.audit.cells import Column, Readers, cell
from dosecalc.clinical.audit.exact import CheckedRows, ExactDecision
from dosecalc.clinical.audit.outcome import OUTPUT_COLUMNS, Audited, Output
from dosecalc.clinical.calculate import Rules, rule_set_of
from dosecalc.foundation.errors import InputError, MissingInputError
from dosecalc.ruleset.loader import RuleSet

REQUIRED_COLUMNS: Final = ("weight", "regimen", "dose")
OPTIONAL_COLUMNS: Final = ("concentration", "height", "sex", "basis")
INPUT_COLUMNS: Final = REQUIRED_COLUMNS + OPTIONAL_COLUMNS


def audit(orders: Any, *, rules: Rules = None) -> Any:
    """Check every order in ``orders`` against the rules; rows out == rows in.

    ``orders`` is a mapping of column name to a sequence or array (one value
    per row), or a pandas DataFrame. Columns: ``weight``, ``regimen``,
    ``dose`` (required), ``concentration``, ``height``, ``sex``, ``basis``
    (optional; a blank cell means not given, a blank basis means actual);
    names are matched without regard to case or outer spaces. Any other
    column passes through untouched. Returns the same kind of table: the input
    columns, in order, then `OUTPUT_COLUMNS`. ``dose_in_rule_units`` is a
    float array (NaN where there is no verdict); the others hold text, empty
    when there is nothing to say. ``rule_unit`` is a UCUM code.

    Raises `MissingInputError` when a required column is missing and
    `InputError` when the columns differ in length or an output column's
    name is taken; a bad row never raises, its ``error`` says what is wrong.
    """
    rule_set = rule_set_of(rules)
    if _is_data_frame(orders):
        columns = {name: orders[name].to_numpy() for name in orders.columns}
        return orders.assign(**Auditor(rule_set).columns(columns))
    return {**orders, **Auditor(rule_set).columns(orders)}


def _is_data_frame(orders: object) -> bool:
    """A pandas DataFrame, recognised without importing pandas (an optional extra)."""
    kind = type(orders)
    return kind.__name__ == "DataFrame" and kind.__module__.partition(".")[0] == "pandas"


class Auditor:
    """Audits the chunks of one stream against one rule set.

    Unit texts resolved and rows checked by `check` are remembered across
    chunks, so a stream pays for each only once.
    """

    def __init__(self, rule_set: RuleSet) -> None:
        readers = Readers.new()
        self._hot = HotPath(rule_set, readers)
        self._exact = ExactDecision(rule_set, readers)
        self._checked = CheckedRows(rule_set)

    def columns(self, orders: Mapping[Any, Column]) -> Audited:
        """The output columns for one table of orders (see `audit`)."""
        columns = _input_columns(orders)
        rows = _row_count(columns)
        out = Output.empty(rows)
        hot = self._hot.decide(columns, rows, out)
        for row in np.flatnonzero(hot.near).tolist():
            decided = self._exact.decide(
                cell(columns["weight"], row),
                cell(columns["dose"], row),
                cell(columns["concentration"], row) if "concentration" in columns else "",
                rule=int(hot.rule[row]),
                form=int(hot.form[row]),
            )
            if decided is not None:
                out.fill(row, decided)
                hot.done[row] = True
        for row in np.flatnonzero(~hot.done).tolist():
            cells = [cell(columns[name], row) if name in columns else "" for name in INPUT_COLUMNS]
            out.fill(row, self._checked.outcome(cells))
        return out.as_dict()


def check_header(names: Sequence[str]) -> None:
    """Refuse a file's header early if an audit cannot use its columns (see `audit`)."""
    keys = [name.strip().lower() for name in names]
    for key in sorted(set(keys) & set(INPUT_COLUMNS)):
        if keys.count(key) > 1:
            raise InputError(
                "orders", f"two columns are named '{key}'", "Keep one of them, or rename the other"
            )
    _input_columns(dict.fromkeys(names, ()))


def _input_columns(orders: Mapping[Any, Column]) -> dict[str, Column]:
    """The input columns, by their names (trimmed, lower case), checked."""
    named: dict[str, Column] = {}
    for name, values in orders.items():
        key = str(name).strip().lower()
        if key in OUTPUT_COLUMNS:
            raise InputError(
                "orders",
                f"there is already a column named '{name}', which the audit adds",
                "Rename or remove that column",
            )
        if key in named:
            raise InputError(
                "orders", f"two columns are named '{key}'", "Keep one of them, or rename the other"
            )
        if key in INPUT_COLUMNS:
            named[key] = values
    missing = [name for name in REQUIRED_COLUMNS if name not in named]
    if missing:
        raise MissingInputError(
            "orders",
            f"no {' or '.join(repr(name) for name in missing)} column",
            f"Give the columns {', '.join(REQUIRED_COLUMNS)} "
            f"(and, if needed, {', '.join(OPTIONAL_COLUMNS)})",
        )
    return named


def _row_count(columns: Mapping[str, Column]) -> int:
    lengths = {name: len(values) for name, values in columns.items()}
    if len(set(lengths.values())) > 1:
        raise InputError(
            "orders",
            f"the columns differ in length ({', '.join(f'{n}: {k}' for n, k in lengths.items())})",
            "Give one value per row in every column",
        )
    return lengths["weight"]
