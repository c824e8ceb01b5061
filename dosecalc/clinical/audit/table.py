"""`audit` and its `Auditor`: a table of orders in, the same rows out with their verdicts.

The table's columns are found and checked here; each chunk goes first to the
hot path, then its rows near a threshold to the exact decision, then every row
left to `check`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from typing import Any

import numpy as np

from dosecalc.clinical.audit.arrays import HotPath
from dosecalc.clinical.audit.cells import (
    INPUT_COLUMNS,
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    BoolArray,
    Column,
    Readers,
    cell,
    is_given_cell,
    kind_of,
)
from dosecalc.clinical.audit.exact import CheckedRows, ExactDecision
from dosecalc.clinical.audit.outcome import OUTPUT_COLUMNS, Audited, Output
from dosecalc.clinical.calculate import Rules, rule_set_of
from dosecalc.foundation.errors import InputError, MissingInputError
from dosecalc.ruleset.loader import RuleSet


def audit(orders: Any, *, rules: Rules = None) -> Any:
    """Check every order in ``orders`` against the rules; rows out == rows in.

    ``orders`` is a mapping of column name to a sequence or array (one value
    per row), or a pandas DataFrame. Columns: ``weight``, ``regimen``,
    ``dose`` (required), ``concentration``, ``height``, ``sex``, ``basis``, ``every``
    (optional; a blank cell means not given, a blank basis means actual);
    names are matched without regard to case or outer spaces. Any other
    column passes through untouched. Returns the same kind of table: the input
    columns, in order, then `OUTPUT_COLUMNS`. ``dose_in_rule_units`` is a
    float array (NaN where there is no verdict); the others hold text, empty
    when there is nothing to say. ``rule_unit`` is a UCUM code.

    Every kind of blank a table holds (None, NaN, pandas' NA and NaT, text of
    spaces) is a blank cell. Raises `MissingInputError` when a required column
    is missing and `InputError` when the columns cannot be read unambiguously (a
    label that is not text, a name twice, MultiIndex columns, a column that is
    not one value a row), differ in length or take an output column's name; a
    bad row never raises, its ``error`` says what is wrong (a cell that is not
    text, in a few words).
    """
    rule_set = rule_set_of(rules)
    if _is_data_frame(orders):
        return orders.assign(**Auditor(rule_set).columns(_frame_columns(orders)))
    if not isinstance(orders, Mapping):
        raise InputError(
            "orders",
            f"expected a mapping of column names to columns, or a pandas DataFrame, "
            f"got {type(orders).__name__}",
            "Give the orders as {'weight': [...], 'regimen': [...], 'dose': [...]}",
        )
    return {**orders, **Auditor(rule_set).columns(orders)}


def _frame_columns(frame: Any) -> dict[Any, Column]:
    """A DataFrame's columns by label, each as the objects it holds (a date as a date, a
    blank as pandas' NA or NaT); refused as a whole when a label is not one plain name."""
    labels = frame.columns
    if labels.nlevels > 1:
        raise InputError(
            "orders",
            f"the columns have {labels.nlevels} levels of names (a MultiIndex, such as "
            f"{_label(labels[0]) if len(labels) else '()'}), so no column is plainly 'weight'",
            "Give one level of names, e.g. frame.columns = ['_'.join(map(str, c)) for c in "
            "frame.columns]",
        )
    seen: set[Any] = set()
    for label in labels:
        _check_label(label)
        if label in seen:
            raise InputError(
                "orders",
                f"two columns are named {_label(label)}",
                "Keep one of them, or rename the other",
            )
        seen.add(label)
    return {
        label: frame.iloc[:, position].to_numpy(dtype=object)
        for position, label in enumerate(labels)
    }


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
        for row in np.flatnonzero(~hot.done | _every_given(columns, rows)).tolist():
            cells = [cell(columns[name], row) if name in columns else "" for name in INPUT_COLUMNS]
            out.fill(row, self._checked.outcome(cells))
        return out.as_dict()


def _every_given(columns: Mapping[str, Column], rows: int) -> BoolArray:
    """The rows with an interval between doses: `check` itself reads them (it compares a
    dose's total per 24 hours with a library's maximum, and refuses one for a rate)."""
    if "every" not in columns:
        return np.zeros(rows, dtype=np.bool_)
    return np.fromiter((is_given_cell(value) for value in columns["every"]), np.bool_, rows)


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
    spelled: dict[str, str] = {}
    for name, values in orders.items():
        _check_label(name)
        key = name.strip().lower()
        if key in OUTPUT_COLUMNS:
            raise InputError(
                "orders",
                f"there is already a column named '{name}', which the audit adds",
                "Rename or remove that column",
            )
        if key in named:
            raise InputError(
                "orders",
                f"two columns are named '{key}' ({_label(spelled[key])} and {_label(name)}; "
                "names are matched without regard to case or outer spaces)",
                "Keep one of them, or rename the other",
            )
        if key in INPUT_COLUMNS:
            named[key] = _column(key, values)
            spelled[key] = name
    missing = [name for name in REQUIRED_COLUMNS if name not in named]
    if missing:
        raise MissingInputError(
            "orders",
            f"no {' or '.join(repr(name) for name in missing)} column",
            f"Give the columns {', '.join(REQUIRED_COLUMNS)} "
            f"(and, if needed, {', '.join(OPTIONAL_COLUMNS)})",
        )
    return named


def _check_label(label: object) -> None:
    """Refuse a column label that is not text: 0, None, b"weight", ("weight", "kg")."""
    if not isinstance(label, str):
        raise InputError(
            "orders",
            f"the column label {_label(label)} is {kind_of(label)}, not text, "
            "so it cannot be matched to weight, regimen or dose",
            "Name every column with text, e.g. frame.columns = frame.columns.map(str)",
        )


def _label(label: object) -> str:
    """A column label as the error names it: its repr, cut short."""
    shown = repr(label) if not isinstance(label, int) or abs(label) < 10**40 else "a large int"
    return shown if len(shown) <= 60 else shown[:59] + "…"


def _column(name: str, values: object) -> Column:
    """An input column whose cells can be taken by position, one a row; refused if it is
    not one (one text, a number, a set, which has no order, a table of two dimensions)."""
    if isinstance(values, np.ndarray):
        if values.ndim == 1:
            return values
        problem = f"an array of {values.ndim} dimensions (shape {values.shape})"
    elif isinstance(values, list | tuple):
        return values
    elif isinstance(values, str | bytes | bytearray | Mapping | Set) or not (
        hasattr(values, "__len__") and hasattr(values, "__iter__")
    ):
        problem = f"{kind_of(values)}"
    else:  # a pandas Series, a range, an array of another library: by position
        try:
            return np.fromiter(values, dtype=object, count=len(values))
        except (TypeError, ValueError) as error:
            problem = f"{kind_of(values)} that cannot be read row by row ({error})"
    raise InputError(
        "orders",
        f"the column '{name}' is {problem}, not one value per row",
        "Give each column as a list, a one-dimensional array or a pandas Series",
    )


def _row_count(columns: Mapping[str, Column]) -> int:
    lengths = {name: len(values) for name, values in columns.items()}
    if len(set(lengths.values())) > 1:
        raise InputError(
            "orders",
            f"the columns differ in length ({', '.join(f'{n}: {k}' for n, k in lengths.items())})",
            "Give one value per row in every column",
        )
    return lengths["weight"]
