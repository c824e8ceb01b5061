"""`audit`: many proposed orders checked at once, each with the verdict `check` gives.

Rows out == rows in, always, in the same order: a row that cannot be checked
gets the reason in ``error`` and no verdict, and never stops the audit.

The hot path works on numpy arrays. Each distinct unit text ("kg", "mg/kg/hr")
is resolved once, by the parser `check` uses; the numbers become float64
arrays; the verdict, the usual slips and the weight warnings are array
comparisons. A row leaves the hot path for `check` itself (once per distinct
row) whenever anything about it is unusual:

* a cell the fast reader does not take: anything but ``<number> <unit>`` with
  a plain decimal and a unit without digits ("5 ft 7 in" and "600 mg/24 h" go
  to `check`), and any input error, whose message only `check` gives;
* a height, a sex, or a basis other than "actual" (blank means actual);
* a concentration that is not well inside dosecalc's plausibility bounds, or that gives
  a pump rate or volume per dose that is not (`check` words those warnings);
* a value within a relative `NEAR` of any threshold a decision turns on (a
  bound, a bound times a slip factor, a weight limit), or a weight whose
  rounding to 0.01 kg (as `check` uses it) falls on a half: the float64 arithmetic
  here is good to about 1e-15, so outside that band its comparisons are the
  exact ones, and inside it `check` decides on exact fractions.

So every verdict, slip and warning is the one `check` gives for the same row.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any, Final, TypeAlias

import numpy as np
import numpy.typing as npt

from dosecalc.clinical.calculate import Rules, rule_set_of
from dosecalc.clinical.check import (
    ENTRY_ERROR_RATIO,
    PROPOSED_DOSE,
    RATE_FORMS,
    SLIPS,
    check,
    dose_form,
    fitting_slips,
    is_far_out,
    verdict_of,
)
from dosecalc.clinical.plausibility import (
    PUMP_RATE_ML_PER_H,
    USUAL_CONCENTRATION_MG_PER_ML,
    VOLUME_PER_DOSE_ML,
)
from dosecalc.clinical.result import CheckResult, Verdict
from dosecalc.foundation.display import magnitude, unit_ucum
from dosecalc.foundation.errors import InputError, MissingInputError, UnknownRegimenError
from dosecalc.foundation.units import (
    CONCENTRATION,
    MAX_INPUT_LENGTH,
    WEIGHT,
    Quantity,
    QuantityKind,
    Unit,
    is_given,
    named_unit,
    parse_quantity,
    registry,
)
from dosecalc.patient.body import (
    LB_KG_MIX_UP_FACTOR,
    USUAL_ADULT_WEIGHT_KG,
    WEIGHT_LIMITS_KG,
    body_figure,
    weight_warnings,
)
from dosecalc.ruleset.kinds import DoseForm
from dosecalc.ruleset.loader import RuleSet
from dosecalc.ruleset.schema import Regimen

REQUIRED_COLUMNS: Final = ("weight", "regimen", "dose")
OPTIONAL_COLUMNS: Final = ("concentration", "height", "sex", "basis")
OUTPUT_COLUMNS: Final = (
    "verdict",
    "dose_in_rule_units",
    "rule_unit",
    "probable_entry_error",
    "warnings",
    "error",
)
INPUT_COLUMNS: Final = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
REMEMBERED: Final = 100_000
"""Rows checked and unit texts resolved that an `Auditor` keeps; it forgets them all when
full, so memory stays bounded on a stream of any length."""
NEAR: Final = 1e-9
"""Relative distance to a threshold within which a row is decided exactly, by `check`."""

Column: TypeAlias = Sequence[Any] | npt.NDArray[Any]
FloatArray: TypeAlias = npt.NDArray[np.float64]
TextArray: TypeAlias = npt.NDArray[np.object_]
Audited: TypeAlias = dict[str, FloatArray | TextArray]
"""The output columns of an audit, by name (see `audit`)."""
IndexArray: TypeAlias = npt.NDArray[np.intp]
BoolArray: TypeAlias = npt.NDArray[np.bool_]

# The unit each dose form is computed in on the hot path.
_CANONICAL: Final[dict[DoseForm, str]] = {
    "weight-based-rate": "mg/kg/h",
    "absolute-rate": "mg/h",
    "pump-rate": "mL/h",
    "fixed-dose": "mg",
    "volume": "mL",
    "weight-based-dose": "mg/kg",
}
_FORMS: Final[tuple[DoseForm, ...]] = tuple(_CANONICAL)
_FAST_CELL: Final = re.compile(r" *(\d+(?:\.\d+)?) *([^\W\d_]+(?: */ *[^\W\d_]+)*) *")
_NOT_READ: Final = -1
_VERDICTS: Final[tuple[Verdict, ...]] = ("below", "within", "above")


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


@dataclass
class AuditSummary:
    """Counts over an audit: rows, each verdict, probable entry errors and bad rows."""

    rows: int = 0
    verdicts: dict[Verdict, int] = field(default_factory=lambda: dict.fromkeys(_VERDICTS, 0))
    entry_errors: int = 0
    bad_rows: int = 0

    def add(self, audited: Mapping[str, Column]) -> None:
        """Count the output columns of one audited chunk."""
        verdicts = list(audited["verdict"])
        self.rows += len(verdicts)
        for verdict in _VERDICTS:
            self.verdicts[verdict] += verdicts.count(verdict)
        self.entry_errors += sum(1 for text in audited["probable_entry_error"] if text)
        self.bad_rows += sum(1 for text in audited["error"] if text)

    def lines(self) -> list[str]:
        """The summary in words, one count a line."""
        return [
            f"{self.rows:,} rows audited",
            *(f"{count:,} {verdict} the range" for verdict, count in self.verdicts.items()),
            f"{self.entry_errors:,} probable entry errors",
            f"{self.bad_rows:,} rows not checked (their error column says why)",
        ]


class Auditor:
    """Audits the chunks of one stream against one rule set.

    Unit texts resolved and rows checked by `check` are remembered across
    chunks, so a stream pays for each only once.
    """

    def __init__(self, rule_set: RuleSet) -> None:
        self._rule_set = rule_set
        self._rules = _RuleArrays.of(rule_set)
        self._weights = _CellReader(WEIGHT, lambda unit: (WEIGHT.unit, 0))
        self._concentrations = _CellReader(CONCENTRATION, lambda unit: ("mg/mL", 0))
        self._doses = _CellReader(PROPOSED_DOSE, _dose_canonical)
        self._checked: dict[tuple[object, ...], _Outcome] = {}

    def columns(self, orders: Mapping[Any, Column]) -> Audited:
        """The output columns for one table of orders (see `audit`)."""
        columns = _input_columns(orders)
        rows = _row_count(columns)
        out = _Output.empty(rows)
        hot = self._hot_path(columns, rows, out)
        for row in np.flatnonzero(hot.near).tolist():
            decided = self._decide_exactly(
                _cell(columns["weight"], row),
                _cell(columns["dose"], row),
                _cell(columns["concentration"], row) if "concentration" in columns else "",
                rule=int(hot.rule[row]),
                form=int(hot.form[row]),
            )
            if decided is not None:
                out.fill(row, decided)
                hot.done[row] = True
        for row in np.flatnonzero(~hot.done).tolist():
            cells = [_cell(columns[name], row) if name in columns else "" for name in INPUT_COLUMNS]
            out.fill(row, self._check(cells))
        return out.as_dict()

    def _hot_path(self, columns: Mapping[str, Column], rows: int, out: _Output) -> _Hot:
        """Fill ``out`` for every row decided on arrays; say which rows those are, and which
        were read but lie near a threshold."""
        rules = self._rules
        entered, _ = self._weights.read(columns["weight"])
        # Every weight is used as `check` uses it: to the nearest 0.01 kg, half up. Where
        # the float cannot tell which way a half goes, `check` decides on the exact value.
        hundredths = entered * 100
        weight = np.floor(hundredths + 0.5) / 100
        weight[weight <= 0] = np.nan  # used as 0 kg: refused, with `check`'s words
        at_a_half = np.abs(hundredths - np.floor(hundredths) - 0.5) <= NEAR * hundredths
        dose, form = self._doses.read(columns["dose"])
        regimen = _per_distinct(columns["regimen"], self._regimen, np.intp)
        done = ~np.isnan(weight) & ~np.isnan(dose) & (regimen >= 0)
        concentration = np.full(rows, np.nan)
        if "concentration" in columns:
            given = _per_distinct(columns["concentration"], _is_given, np.bool_)
            read, _ = self._concentrations.read(columns["concentration"])
            concentration = np.where(given, read, np.nan)
            done &= ~given | ~np.isnan(read)
        for name in ("height", "sex"):
            if name in columns:
                done &= ~_per_distinct(columns[name], _is_given, np.bool_)
        if "basis" in columns:
            done &= _per_distinct(columns["basis"], _is_actual_basis, np.bool_)

        rule = np.where(regimen >= 0, regimen, 0)
        is_rate, low, high = rules.is_rate[rule], rules.low[rule], rules.high[rule]
        of_form = {name: form == _FORMS.index(name) for name in _FORMS}
        value = np.select(
            [
                is_rate & of_form["weight-based-rate"],
                is_rate & of_form["absolute-rate"],
                is_rate & of_form["pump-rate"],
                ~is_rate & of_form["fixed-dose"],
                ~is_rate & of_form["volume"],
            ],
            [dose, dose / weight, dose * concentration / weight, dose, dose * concentration],
            default=np.nan,
        )
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
        is_rate_form = np.isin(form, [_FORMS.index(name) for name in RATE_FORMS])
        slips = np.zeros(rows, dtype=np.intp)
        for bit, (factor, _, needs_rate, _) in enumerate(SLIPS):
            meant = np.where(above, value / factor, value * factor)
            fits = (below | above) & (meant >= low) & (meant <= high)
            if needs_rate:
                fits &= is_rate_form
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
        warning = warned_low * 1 + warned_high * 2 + mix_up * 4

        out.verdict[done] = np.array(_VERDICTS, dtype=object)[verdict[done]]
        out.dose_in_rule_units[done] = (value * rules.to_rule_unit[rule])[done]
        out.rule_unit[done] = rules.rule_unit[rule[done]]
        out.probable_entry_error[done] = _texts(entry[done], _entry_text)
        out.warnings[done] = _texts(warning[done], _warning_text)
        return _Hot(done, near, rule, form)

    def _decide_exactly(
        self, weight: object, dose: object, concentration: object, *, rule: int, form: int
    ) -> _Outcome | None:
        """A row near a threshold, decided on exact fractions by `check`'s own rules.

        None when the weight is out of bounds: only `check` gives that error.
        """
        entered = self._weights.exact(weight)
        if not WEIGHT_LIMITS_KG[0] <= entered <= WEIGHT_LIMITS_KG[1]:
            return None
        kg = body_figure(registry().Quantity(entered, named_unit("kg"))).magnitude
        amount = self._doses.exact(dose)
        match _FORMS[form]:
            case "absolute-rate":
                value = amount / kg
            case "pump-rate":
                value = amount * self._concentrations.exact(concentration) / kg
            case "volume":
                value = amount * self._concentrations.exact(concentration)
            case _:
                value = amount
        return replace(self._decision(rule, _FORMS[form], value), warnings=self._warnings(kg))

    @functools.lru_cache(maxsize=4096)  # noqa: B019  # one Auditor per stream
    def _decision(self, rule: int, form: DoseForm, value: Fraction) -> _Outcome:
        regimen = self._rule_set.regimens[rule]
        low, high = regimen.dose.quantities()
        canonical = _CANONICAL[
            "weight-based-rate" if regimen.kind == "weight-based-rate" else "fixed-dose"
        ]
        dose = registry().Quantity(value, named_unit(canonical)).to(low.units)
        return _decided(verdict_of(dose, low, high), form, dose, low, high)

    @functools.lru_cache(maxsize=4096)  # noqa: B019
    def _warnings(self, kg: Fraction) -> str:
        return warning_text(
            w.code for w in weight_warnings(registry().Quantity(kg, named_unit("kg")))
        )

    def _regimen(self, name: object) -> int:
        if not isinstance(name, str):
            return _NOT_READ
        try:
            regimen = self._rule_set.find(name)
        except UnknownRegimenError:
            return _NOT_READ
        return self._rule_set.regimens.index(regimen)

    def _check(self, cells: Sequence[object]) -> _Outcome:
        """`check` on one row, once per distinct row of text cells."""
        key = tuple(cells) if all(isinstance(cell, str) for cell in cells) else None
        if key is not None and key in self._checked:
            return self._checked[key]
        weight, regimen, dose, concentration, height, sex, basis = cells
        try:
            outcome = _outcome_of(
                check(
                    weight=weight,
                    regimen=regimen,  # type: ignore[arg-type]  # check refuses a non-text one
                    dose=dose,
                    concentration=concentration,
                    height=height,
                    sex=sex,  # type: ignore[arg-type]
                    basis=basis if _is_given(basis) else "actual",  # type: ignore[arg-type]
                    rules=self._rule_set,
                )
            )
        except InputError as error:
            outcome = _Outcome(error=str(error))
        if key is not None:
            if len(self._checked) >= REMEMBERED:
                self._checked.clear()
            self._checked[key] = outcome
        return outcome


# Thresholds a decision turns on: a bound times 1 (the verdict), a slip factor or
# its inverse (a slip fits), or the entry-error ratio (already among the factors).
_BOUND_FACTORS: Final = (1.0, *(float(f) for f, *_ in SLIPS), *(1 / f for f, *_ in SLIPS))
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


def _entry_text(key: int) -> str:
    verdict, far, slips = _VERDICTS[key >> (len(SLIPS) + 1)], (key >> len(SLIPS)) & 1, key
    sign = "÷" if verdict == "above" else "×"
    fitting = [
        (slip, f"{sign} {factor}")
        for bit, (factor, slip, *_) in enumerate(SLIPS)
        if slips >> bit & 1
    ]
    return entry_error_text(verdict, bool(far), fitting)


def _warning_text(key: int) -> str:
    codes = ("low-weight", "high-weight", "possible-lb-kg-mix-up")
    return warning_text(code for bit, code in enumerate(codes) if key >> bit & 1)


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


def _texts(keys: IndexArray, text: Callable[[int], str]) -> TextArray:
    """Each key's text, made once per distinct key."""
    distinct, inverse = np.unique(keys, return_inverse=True)
    return np.array([text(int(key)) for key in distinct], dtype=object)[inverse]


@dataclass(frozen=True)
class _Outcome:
    """The output cells of one row decided by `check`."""

    verdict: str = ""
    dose_in_rule_units: float = math.nan
    rule_unit: str = ""
    probable_entry_error: str = ""
    warnings: str = ""
    error: str = ""


def _outcome_of(result: CheckResult) -> _Outcome:
    """The output cells of a row `check` decided."""
    low, high = result.range.low, result.range.high
    return replace(
        _decided(result.verdict, result.form, result.in_rule_units, low, high),
        warnings=warning_text(warning.code for warning in result.warnings),
    )


def _decided(
    verdict: Verdict, form: DoseForm, dose: Quantity, low: Quantity, high: Quantity
) -> _Outcome:
    """Verdict, value and entry error of a dose in the rule's unit, by `check`'s rules."""
    sign = "÷" if verdict == "above" else "×"
    slips = [
        (slip, f"{sign} {factor}")
        for factor, slip, _ in fitting_slips(verdict, form, dose, low, high)
    ]
    return _Outcome(
        verdict=verdict,
        dose_in_rule_units=float(magnitude(dose)),
        rule_unit=unit_ucum(dose.units),
        probable_entry_error=entry_error_text(verdict, is_far_out(verdict, dose, low, high), slips),
    )


@dataclass(frozen=True)
class _Hot:
    """What the hot path decided: rows done, rows read but near a threshold, and for every
    row its regimen number and dose form (meaningful where read)."""

    done: BoolArray
    near: BoolArray
    rule: IndexArray
    form: IndexArray


@dataclass
class _Output:
    """The output columns of one chunk, filled row by row or by masks."""

    verdict: TextArray
    dose_in_rule_units: FloatArray
    rule_unit: TextArray
    probable_entry_error: TextArray
    warnings: TextArray
    error: TextArray

    @classmethod
    def empty(cls, rows: int) -> _Output:
        def text() -> TextArray:
            return np.full(rows, "", dtype=object)

        return cls(text(), np.full(rows, np.nan), text(), text(), text(), text())

    def fill(self, row: int, outcome: _Outcome) -> None:
        for name in OUTPUT_COLUMNS:
            getattr(self, name)[row] = getattr(outcome, name)

    def as_dict(self) -> Audited:
        return {name: getattr(self, name) for name in OUTPUT_COLUMNS}


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


def _cell(values: Column, row: int) -> object:
    """A cell as `check` takes it: a missing value (None, NaN) is blank."""
    value = values[row]
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return value


def _is_given(value: object) -> bool:
    """`is_given`, and a missing value from a numpy or pandas column (NaN) is not given."""
    return is_given(value) and not (isinstance(value, float) and math.isnan(value))


def _is_actual_basis(value: object) -> bool:
    return not _is_given(value) or (isinstance(value, str) and value.strip(" ").lower() == "actual")


def _per_distinct(values: Column, compute: Callable[[Any], Any], dtype: type) -> npt.NDArray[Any]:
    """``compute`` of each value, called once per distinct value."""
    distinct, codes = _distinct(values)
    return np.array([compute(value) for value in distinct], dtype=dtype)[codes]


def _distinct(values: Column) -> tuple[list[object], IndexArray]:
    """The distinct values, in order of first appearance, and each value's index among them."""
    index: dict[object, int] = {}
    codes = np.fromiter(
        (index.setdefault(value, len(index)) for value in values), dtype=np.intp, count=len(values)
    )
    return list(index), codes


def _canonical_unit(regimen: Regimen) -> Unit:
    """The unit the hot path computes a regimen's doses in."""
    return named_unit(
        _CANONICAL["weight-based-rate" if regimen.kind == "weight-based-rate" else "fixed-dose"]
    )


def _dose_canonical(unit: Unit) -> tuple[str, int] | None:
    form = dose_form(unit)
    return None if form is None else (_CANONICAL[form], _FORMS.index(form))


class _CellReader:
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
        distinct, codes = _distinct(values)
        read = [self._read_cell(value) for value in distinct]
        numbers = np.array([number for number, _ in read], dtype=np.float64)
        forms = np.array([form for _, form in read], dtype=np.intp)
        return numbers[codes], forms[codes]

    def _read_cell(self, value: object) -> tuple[float, int]:
        read = self._split(value)
        if read is None:
            return math.nan, _NOT_READ
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
            if len(self._units) >= REMEMBERED:
                self._units.clear()
            self._units[text] = self._resolve(text)
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
class _RuleArrays:
    """The rule set as arrays indexed by regimen number, bounds in the hot path's units."""

    is_rate: BoolArray
    low: FloatArray
    high: FloatArray
    to_rule_unit: FloatArray
    rule_unit: TextArray

    @classmethod
    def of(cls, rule_set: RuleSet) -> _RuleArrays:
        is_rate, low, high, to_rule_unit, rule_unit = [], [], [], [], []
        for regimen in rule_set.regimens:
            canonical = _canonical_unit(regimen)
            rule_low, rule_high = regimen.dose.quantities()
            is_rate.append(regimen.kind == "weight-based-rate")
            low_in_canonical = magnitude(rule_low.to(canonical))
            low.append(float(low_in_canonical))
            high.append(float(magnitude(rule_high.to(canonical))))
            to_rule_unit.append(float(magnitude(rule_low) / low_in_canonical))
            rule_unit.append(unit_ucum(rule_low.units))
        return cls(
            np.array(is_rate, dtype=np.bool_),
            np.array(low),
            np.array(high),
            np.array(to_rule_unit),
            np.array(rule_unit, dtype=object),
        )
