"""Reading an audit's cells: numbers in one unit per dose form, each unit text resolved once.

A unit text ("kg", "mg/kg/hr") is resolved by the parser `check` uses; a cell
the fast reader does not take is left to `check` (NaN here).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, Final, TypeAlias, TypeVar

import numpy as np
import numpy.typing as npt

from dosecalc.clinical.check import admitted_slips
from dosecalc.foundation.display import magnitude
from dosecalc.foundation.dose_units import (
    CONCENTRATION_UNIT,
    DOSE_FORMS,
    DoseForm,
    dose_form,
)
from dosecalc.foundation.errors import InputError
from dosecalc.foundation.unit_registry import (
    Unit,
    named_unit,
)
from dosecalc.foundation.units import (
    CONCENTRATION,
    DOSE,
    MAX_INPUT_LENGTH,
    WEIGHT,
    QuantityKind,
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

REQUIRED_COLUMNS: Final = ("weight", "regimen", "dose")
OPTIONAL_COLUMNS: Final = ("concentration", "height", "sex", "basis", "every")
INPUT_COLUMNS: Final = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

# The unit each dose form is computed in on the hot path: the form's own.
CANONICAL: Final[dict[DoseForm, str]] = {form: shape.unit for form, shape in DOSE_FORMS.items()}
FORMS: Final[tuple[DoseForm, ...]] = tuple(CANONICAL)
NOT_READ: Final = -1
# The digits are 0 to 9 only, as `check` reads them: ``\d`` would also take a Bengali four
# or a full-width seven, which `float` reads but `check` refuses. A unit's letters may be any
# (a "µ"), since each unit text is resolved by `check`'s own parser.
_FAST_CELL: Final = re.compile(r" *([0-9]+(?:\.[0-9]+)?) *([^\W\d_]+(?: */ *[^\W\d_]+)*) *")

_K = TypeVar("_K")
_V = TypeVar("_V")


def remember(store: dict[_K, _V], key: _K, value: _V) -> _V:
    """Keep ``value`` under ``key``; a full ``store`` (`REMEMBERED`) forgets all it held first."""
    if len(store) >= REMEMBERED:
        store.clear()
    store[key] = value
    return value


def cell(values: Column, row: int) -> object:
    """A cell as `check` takes it: every kind of blank (`is_blank`) is the empty text."""
    value = values[row]
    if isinstance(value, np.generic) and not isinstance(value, np.datetime64 | np.timedelta64):
        value = value.item()  # a numpy number or text as Python's; a date stays a date
    return "" if is_blank(value) else value


def is_blank(value: object) -> bool:
    """Every kind of blank a table can hold, as a blank CSV cell: None, NaN (float, numpy or
    Decimal), pandas' NA and NaT, numpy's NaT, and text of nothing but spaces."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, Decimal):
        return value.is_nan()
    if isinstance(value, np.datetime64 | np.timedelta64 | np.floating):
        return bool(np.isnat(value) if not isinstance(value, np.floating) else np.isnan(value))
    kind = type(value)  # pandas' markers, recognised without importing pandas (optional)
    return kind.__name__ in _PANDAS_BLANKS and kind.__module__.partition(".")[0] == "pandas"


_PANDAS_BLANKS: Final = frozenset({"NAType", "NaTType"})


def kind_of(value: object) -> str:
    """What kind of thing ``value`` is, with its article: 'a list', 'an int'."""
    name = type(value).__name__
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


def is_given_cell(value: object) -> bool:
    """A cell that holds something: not blank (`is_blank`)."""
    return not is_blank(value)


def is_actual_basis(value: object) -> bool:
    return is_blank(value) or (isinstance(value, str) and value.strip(" ").lower() == "actual")


def per_distinct(values: Column, compute: Callable[[Any], Any], dtype: type) -> npt.NDArray[Any]:
    """``compute`` of each value, called once per distinct value."""
    distinct_values, codes = distinct(values)
    return np.array([compute(value) for value in distinct_values], dtype=dtype)[codes]


def distinct(values: Column) -> tuple[list[object], IndexArray]:
    """The distinct values, in order of first appearance, and each value's index among them.

    A cell that cannot be a key (a list, a dict, an array) is a value of its own.
    """
    index: dict[object, int] = {}
    try:
        codes = np.fromiter(
            (index.setdefault(value, len(index)) for value in values),
            dtype=np.intp,
            count=len(values),
        )
    except (TypeError, ValueError, ArithmeticError):  # unhashable, or a signalling NaN
        return _distinct_by_row(values)
    return list(index), codes


def _distinct_by_row(values: Column) -> tuple[list[object], IndexArray]:
    """`distinct`, one row at a time, for a column holding cells that cannot be keys."""
    index: dict[object, int] = {}
    found: list[object] = []
    codes = np.empty(len(values), dtype=np.intp)
    for row, value in enumerate(values):
        try:
            codes[row] = index.setdefault(value, len(found))
        except (TypeError, ValueError, ArithmeticError):
            codes[row] = len(found)
        if codes[row] == len(found):
            found.append(value)
    return found, codes


def canonical_unit(regimen: Regimen) -> Unit:
    """The unit the hot path computes a regimen's doses in."""
    return named_unit(
        CANONICAL["weight-based-rate" if regimen.regimen_kind.per_kg else "fixed-dose"]
    )


def _dose_canonical(unit: Unit) -> tuple[str, int, int] | None:
    """A dose unit's canonical unit, its form, and the usual slips an entry in it can have
    made (`admitted_slips`: which way a slip of units goes depends on the unit entered)."""
    form = dose_form(unit)
    return None if form is None else (CANONICAL[form], FORMS.index(form), admitted_slips(unit))


@dataclass(frozen=True)
class _Resolved:
    """A unit text, resolved: its factor to the canonical unit, its form and its tag."""

    factor: Fraction
    form: int
    tag: int


class CellReader:
    """Reads ``<number> <unit>`` cells as float64 in one unit, each unit text resolved once.

    A unit text is resolved by parsing "1 <unit>" with `parse_quantity`: for a
    plain positive decimal N and a unit without digits, "N <unit>" reads as
    exactly N times that (none of the parser's rules depends on N but its
    sign). Any other cell is left to `check` (NaN here).
    """

    def __init__(
        self, kind: QuantityKind, canonical: Callable[[Unit], tuple[str, int, int] | None]
    ):
        """``canonical`` gives a unit's canonical unit, form and tag (or None: not read)."""
        self._kind = kind
        self._canonical = canonical
        self._units: dict[str, _Resolved | None] = {}

    def read(self, values: Column) -> tuple[FloatArray, IndexArray, IndexArray]:
        """Each cell's value in its canonical unit (NaN if not read here), its form and
        its unit's tag."""
        distinct_values, codes = distinct(values)
        read = [self._read_cell(value) for value in distinct_values]
        numbers = np.array([number for number, _, _ in read], dtype=np.float64)
        forms = np.array([form for _, form, _ in read], dtype=np.intp)
        tags = np.array([tag for _, _, tag in read], dtype=np.intp)
        return numbers[codes], forms[codes], tags[codes]

    def _read_cell(self, value: object) -> tuple[float, int, int]:
        read = self._split(value)
        if read is None:
            return math.nan, NOT_READ, 0
        number, unit = read
        return float(number) * float(unit.factor), unit.form, unit.tag

    def exact(self, value: object) -> tuple[Fraction, int]:
        """The exact value, in the canonical unit, of a cell this reader has read, and its
        unit's tag."""
        read = self._split(value)
        assert read is not None, "only read cells have an exact value here"
        number, unit = read
        return Fraction(number) * unit.factor, unit.tag

    def _split(self, value: object) -> tuple[str, _Resolved] | None:
        """The number's text and its unit resolved, if this reader takes the cell."""
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

    def _resolve(self, text: str) -> _Resolved | None:
        try:
            one = parse_quantity(f"1 {text}", self._kind)
        except InputError:
            return None
        canonical = self._canonical(one.units)
        if canonical is None:
            return None
        unit, form, tag = canonical
        return _Resolved(magnitude(one.to(named_unit(unit))), form, tag)


@dataclass(frozen=True)
class Readers:
    """The readers of one stream's weight, concentration and dose cells."""

    weights: CellReader
    concentrations: CellReader
    doses: CellReader

    @classmethod
    def new(cls) -> Readers:
        return cls(
            CellReader(WEIGHT, lambda unit: (WEIGHT.unit, 0, 0)),
            CellReader(CONCENTRATION, lambda unit: (CONCENTRATION_UNIT, 0, 0)),
            CellReader(DOSE, _dose_canonical),
        )
