"""Reading an audit's cells: numbers in one unit per dose form, each unit text resolved once.

A unit text ("kg", "mg/kg/hr") is resolved by the parser `check` uses; a cell
the fast reader does not take is left to `check` (NaN here).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Final, TypeAlias, TypeVar

import numpy as np
import numpy.typing as npt

from dosecalc.foundation.display import magnitude
from dosecalc.foundation.errors import InputError
from dosecalc.foundation.units import (
    CONCENTRATION,
    DOSE,
    MAX_INPUT_LENGTH,
    WEIGHT,
    DoseForm,
    QuantityKind,
    Unit,
    dose_form,
    is_given,
    named_unit,
    parse_quantity,
)
from dosecalc.ruleset.schema import Regimen

REMEMBERED: Final = 100_000
"""Rows checked and unit texts resolved that an `Auditor` keeps; it forgets them all when
full, so memory stays bounded on a stream of any length."""

Column: TypeAlias = Sequence[Any] | npt.NDArray[Any]
FloatArray: TypeAlias = npt.NDArray[np.float64]
TextArray: TypeAlias = npt.NDArray[np.object_]
IndexArray: TypeAlias = npt.NDArray[np.intp]
BoolArray: TypeAlias = npt.NDArray[np.bool_]

# The unit each dose form is computed in on the hot path.
CANONICAL: Final[dict[DoseForm, str]] = {
    "weight-based-rate": "mg/kg/h",
    "absolute-rate": "mg/h",
    "pump-rate": "mL/h",
    "fixed-dose": "mg",
    "volume": "mL",
    "weight-based-dose": "mg/kg",
}
FORMS: Final[tuple[DoseForm, ...]] = tuple(CANONICAL)
NOT_READ: Final = -1
_FAST_CELL: Final = re.compile(r" *(\d+(?:\.\d+)?) *([^\W\d_]+(?: */ *[^\W\d_]+)*) *")

_K = TypeVar("_K")
_V = TypeVar("_V")


def remember(store: dict[_K, _V], key: _K, value: _V) -> _V:
    """Keep ``value`` under ``key``; a full ``store`` (`REMEMBERED`) forgets all it held first."""
    if len(store) >= REMEMBERED:
        store.clear()
    store[key] = value
    return value


def cell(values: Column, row: int) -> object:
    """A cell as `check` takes it: a missing value (None, NaN) is blank."""
    value = values[row]
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return value


def is_given_cell(value: object) -> bool:
    """`is_given`, and a missing value from a numpy or pandas column (NaN) is not given."""
    return is_given(value) and not (isinstance(value, float) and math.isnan(value))


def is_actual_basis(value: object) -> bool:
    return not is_given_cell(value) or (
        isinstance(value, str) and value.strip(" ").lower() == "actual"
    )


def per_distinct(values: Column, compute: Callable[[Any], Any], dtype: type) -> npt.NDArray[Any]:
    """``compute`` of each value, called once per distinct value."""
    distinct_values, codes = distinct(values)
    return np.array([compute(value) for value in distinct_values], dtype=dtype)[codes]


def distinct(values: Column) -> tuple[list[object], IndexArray]:
    """The distinct values, in order of first appearance, and each value's index among them."""
    index: dict[object, int] = {}
    codes = np.fromiter(
        (index.setdefault(value, len(index)) for value in values), dtype=np.intp, count=len(values)
    )
    return list(index), codes


def canonical_unit(regimen: Regimen) -> Unit:
    """The unit the hot path computes a regimen's doses in."""
    return named_unit(
        CANONICAL["weight-based-rate" if regimen.regimen_kind.per_kg else "fixed-dose"]
    )


def _dose_canonical(unit: Unit) -> tuple[str, int] | None:
    form = dose_form(unit)
    return None if form is None else (CANONICAL[form], FORMS.index(form))


class CellReader:
    """Reads ``<number> <unit>`` cells as float64 in one unit, each unit text resolved once.

    A unit text is resolved by parsing "1 <unit>" with `parse_quantity`: for a
    plain positive decimal N and a unit without digits, "N <unit>" reads as
    exactly N times that (none of the parser's rules depends on N but its
    sign). Any other cell is left to `check` (NaN here).
    """

    def __init__(self, kind: QuantityKind, canonical: Callable[[Unit], tuple[str, int] | None]):
        self._kind = kind
        self._canonical = canonical
        self._units: dict[str, tuple[Fraction, int] | None] = {}

    def read(self, values: Column) -> tuple[FloatArray, IndexArray]:
        """Each cell's value in its canonical unit (NaN if not read here), and its form."""
        distinct_values, codes = distinct(values)
        read = [self._read_cell(value) for value in distinct_values]
        numbers = np.array([number for number, _ in read], dtype=np.float64)
        forms = np.array([form for _, form in read], dtype=np.intp)
        return numbers[codes], forms[codes]

    def _read_cell(self, value: object) -> tuple[float, int]:
        read = self._split(value)
        if read is None:
            return math.nan, NOT_READ
        number, (factor, form) = read
        return float(number) * float(factor), form

    def exact(self, value: object) -> Fraction:
        """The exact value, in the canonical unit, of a cell this reader has read."""
        read = self._split(value)
        assert read is not None, "only read cells have an exact value here"
        number, (factor, _) = read
        return Fraction(number) * factor

    def _split(self, value: object) -> tuple[str, tuple[Fraction, int]] | None:
        """The number's text and the unit's factor and form, if this reader takes the cell."""
        match = (
            _FAST_CELL.fullmatch(value)
            if isinstance(value, str) and len(value) <= MAX_INPUT_LENGTH
            else None
        )
        if match is None:
            return None
        number, text = match.groups()
        if text not in self._units:
            remember(self._units, text, self._resolve(text))
        unit = self._units[text]
        if unit is None or float(number) <= 0:
            return None
        return number, unit

    def _resolve(self, text: str) -> tuple[Fraction, int] | None:
        try:
            one = parse_quantity(f"1 {text}", self._kind)
        except InputError:
            return None
        canonical = self._canonical(one.units)
        if canonical is None:
            return None
        unit, form = canonical
        return magnitude(one.to(named_unit(unit))), form


@dataclass(frozen=True)
class Readers:
    """The readers of one stream's weight, concentration and dose cells."""

    weights: CellReader
    concentrations: CellReader
    doses: CellReader

    @classmethod
    def new(cls) -> Readers:
        return cls(
            CellReader(WEIGHT, lambda unit: (WEIGHT.unit, 0)),
            CellReader(CONCENTRATION, lambda unit: ("mg/mL", 0)),
            CellReader(DOSE, _dose_canonical),
        )
