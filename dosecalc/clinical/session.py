"""A calculator session: what a form holds, and what it may show.

A face (the TUI, a browser page) keeps one `Session` and sets fields as the
clinician types. After every change the session either holds a result that is
exactly `calculate` on the current inputs, or no result at all and the reason
for each invalid field: a stale dose can never stay on screen.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Final, TypedDict

from dosecalc.clinical.calculate import Rules, calculate
from dosecalc.clinical.check import check, check_against
from dosecalc.clinical.result import CheckResult, DoseResult
from dosecalc.foundation.errors import DoseCalcError, InputError
from dosecalc.foundation.units import CONCENTRATION, HEIGHT, WEIGHT, is_given, parse_quantity
from dosecalc.patient.body import read_basis, read_sex

_HAS_UNIT: Final = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class SessionInputs:
    """The fields of the form, as typed. A number typed without a unit takes the
    unit chosen beside it; one typed with its own unit ("154 lb") keeps it."""

    weight: str = ""
    weight_unit: str = "kg"
    regimen: str = "iv-infusion"
    height: str = ""
    height_unit: str = "cm"
    sex: str = ""
    basis: str = "actual"
    concentration: str = ""
    dose: str = ""

    def weight_text(self) -> str:
        return _with_unit(self.weight, self.weight_unit)

    def height_text(self) -> str:
        return _with_unit(self.height, self.height_unit)


class CalculateArguments(TypedDict):
    """What a session passes to `calculate` (blank fields become None)."""

    weight: str | None
    regimen: str
    concentration: str | None
    height: str | None
    sex: str | None
    basis: str


class Session:
    """The current inputs and, when they are all valid, the result for them."""

    result: DoseResult | None
    check_result: CheckResult | None
    errors: dict[str, str]
    """Field name -> message, for every field that stops a result."""

    def __init__(self, rules: Rules = None) -> None:
        self._rules = rules
        self.inputs = SessionInputs()
        self._refresh()

    def set(self, **changes: str) -> None:
        """Change fields by name (``weight="70"``, ``regimen="sl"``) and recalculate."""
        unknown = set(changes) - set(asdict(self.inputs))
        if unknown:
            raise TypeError(f"unknown session fields: {', '.join(sorted(unknown))}")
        self.inputs = replace(self.inputs, **changes)
        self._refresh()

    def calculate_arguments(self) -> CalculateArguments:
        """The arguments this session passes to `calculate`."""
        inputs = self.inputs
        return {
            "weight": inputs.weight_text() or None,
            "regimen": inputs.regimen,
            "concentration": inputs.concentration or None,
            "height": inputs.height_text() or None,
            "sex": inputs.sex or None,
            "basis": inputs.basis,
        }

    def _refresh(self) -> None:
        self.result, self.check_result = None, None
        self.errors = self._field_errors()
        if self.errors:
            return
        try:
            self.result = calculate(**self.calculate_arguments(), rules=self._rules)
        except InputError as error:
            self.errors = {error.field: str(error)}
            self._check_without_weight()
            return
        except DoseCalcError as error:  # an invalid rule folder: nothing is shown
            self.errors = {"rules": str(error)}
            return
        if is_given(self.inputs.dose):
            try:
                self.check_result = check_against(self.result, self.inputs.dose)
            except InputError as error:
                self.errors = {error.field: str(error)}

    def _check_without_weight(self) -> None:
        """With no weight, an order may still be checked against the range per kg
        (`check`); the weight's own message stays, since nothing else is shown."""
        if (
            set(self.errors) != {"weight"}
            or self.inputs.weight.strip()
            or not is_given(self.inputs.dose)
        ):
            return
        try:
            self.check_result = check(
                **self.calculate_arguments(), dose=self.inputs.dose, rules=self._rules
            )
        except InputError as error:
            self.errors = {**self.errors, error.field: str(error)}

    def _field_errors(self) -> dict[str, str]:
        """Each field checked on its own, so every invalid field gets its message."""
        inputs = self.inputs
        checks: dict[str, Callable[[], object]] = {
            "weight": lambda: (
                is_given(inputs.weight) and parse_quantity(inputs.weight_text(), WEIGHT)
            ),
            "height": lambda: (
                is_given(inputs.height) and parse_quantity(inputs.height_text(), HEIGHT)
            ),
            "concentration": lambda: (
                is_given(inputs.concentration)
                and parse_quantity(inputs.concentration, CONCENTRATION)
            ),
            "sex": lambda: read_sex(inputs.sex),
            "basis": lambda: read_basis(inputs.basis),
        }
        errors = {}
        for field, validate in checks.items():
            try:
                validate()
            except InputError as error:
                errors[field] = str(error)
        return errors


def _with_unit(value: str, unit: str) -> str:
    text = value.strip()
    return text if not text or _HAS_UNIT.search(text) else f"{text} {unit}"
