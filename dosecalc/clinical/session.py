"""A calculator session: what a form holds, and what it may show.

A face (the TUI, a browser page) keeps one `Session` and sets fields as the
clinician types. After every change the session either holds a result that is
exactly `calculate` on the current inputs, or no result at all and the reason
for each invalid field: a stale dose can never stay on screen. Each change makes
one `SessionState`, which a face shows whole, so no two parts of a screen can
show two different calculations.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import Final, TypedDict

from dosecalc.clinical.calculate import Rules, calculate, rule_set_of
from dosecalc.clinical.check import check, check_against
from dosecalc.clinical.result import CheckResult, DoseResult
from dosecalc.foundation.errors import (
    ChoiceError,
    DoseCalcError,
    InputError,
    ParseError,
    RulesError,
)
from dosecalc.foundation.text import quoted
from dosecalc.foundation.units import (
    CONCENTRATION,
    HEIGHT,
    WEIGHT,
    is_given,
    names_a_unit,
    parse_quantity,
)
from dosecalc.patient.body import read_basis, read_sex


@dataclass(frozen=True)
class SessionInputs:
    """The fields of the form, as typed. A number typed without a unit takes the
    unit chosen beside it; text with its own unit ("154 lb", "5'7\"") goes to the
    reader exactly as typed, as the command line's does. No unit is chosen at first:
    a bare number is refused until the clinician types or chooses one."""

    weight: str = ""
    weight_unit: str = ""
    regimen: str = ""
    """Empty: the first regimen of the session's rules (`Session` fills it in)."""
    height: str = ""
    height_unit: str = ""
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


@dataclass(frozen=True)
class SessionState:
    """One calculation: the inputs and all that they give, made together and never
    changed afterwards, so everything a face shows of one state agrees."""

    inputs: SessionInputs
    result: DoseResult | None
    check_result: CheckResult | None
    errors: dict[str, str]
    """Field name -> message, for every field that stops a result."""
    cleared: dict[str, str] = field(default_factory=dict)
    """Field name -> the text a change of regimen cleared (its concentration, and a proposed
    dose that no longer fits), so that a face can clear its fields too and say so."""


class Session:
    """The current inputs and, when they are all valid, the result for them."""

    state: SessionState
    """The latest calculation, replaced whole by every change."""

    def __init__(self, rules: Rules = None) -> None:
        """Starts on the first regimen of ``rules`` (the rules in force for None), so that
        any library starts ready for a weight; rules that cannot be read say why in
        ``errors``, as every calculation then does."""
        self._rules = rules
        try:
            self._rules = rule_set_of(rules)
            first = self._rules.regimens[0].id
        except RulesError:
            first = ""
        self.state = self._calculated(SessionInputs(regimen=first))

    @property
    def inputs(self) -> SessionInputs:
        return self.state.inputs

    @property
    def result(self) -> DoseResult | None:
        return self.state.result

    @property
    def check_result(self) -> CheckResult | None:
        return self.state.check_result

    @property
    def errors(self) -> dict[str, str]:
        return self.state.errors

    def set(self, **changes: str) -> None:
        """Change fields by name (``weight="70"``, ``regimen="sl"``) and recalculate. Each
        is text as typed into a form; anything else raises `ParseError` and changes
        nothing (a session never guesses the unit of a bare 70)."""
        unknown = set(changes) - set(asdict(self.inputs))
        if unknown:
            raise TypeError(f"unknown session fields: {', '.join(sorted(unknown))}")
        for name, value in changes.items():
            if not isinstance(value, str):
                raise ParseError(
                    name,
                    "a session field holds text as typed, not "
                    + ("None" if value is None else f"{type(value).__name__} {quoted(value)}"),
                    "Give text, e.g. weight='70 kg' (or weight='70' with weight_unit='kg')",
                )
        for name in ("weight_unit", "height_unit"):
            if changes.get(name, "") not in ("", *UNIT_CHOICES[name]):
                raise ChoiceError(
                    name,
                    f"{quoted(changes[name])} is not a unit choice",
                    f"Choose one of {', '.join(repr(u) for u in UNIT_CHOICES[name])}, "
                    "or '' for none (or type the unit in the field)",
                )
        inputs = replace(self.inputs, **changes)
        if "regimen" not in changes or self._same_regimen(changes["regimen"]):
            self.state = self._calculated(inputs)
            return
        # A new regimen starts without what belonged to the old one: its concentration
        # (unless given with it), and a proposed dose that no longer fits.
        cleared = {}
        if "concentration" not in changes and inputs.concentration.strip():
            cleared["concentration"] = inputs.concentration
            inputs = replace(inputs, concentration="")
        state = self._calculated(inputs)
        if "dose" not in changes and inputs.dose.strip() and "dose" in state.errors:
            cleared["dose"] = inputs.dose
            state = self._calculated(replace(inputs, dose=""))
        self.state = replace(state, cleared=cleared)

    def _same_regimen(self, regimen: str) -> bool:
        """Whether ``regimen`` names the regimen in use (an alias of it too)."""

        def named(text: str) -> str:
            try:
                return rule_set_of(self._rules).find(text).id
            except DoseCalcError:
                return text

        return named(regimen) == named(self.inputs.regimen)

    def calculate_arguments(self) -> CalculateArguments:
        """The arguments this session passes to `calculate`."""
        return _calculate_arguments(self.inputs)

    def _calculated(self, inputs: SessionInputs) -> SessionState:
        """The state for ``inputs``: a result that is `calculate` on them, or none and why."""
        errors = _field_errors(inputs)
        if errors:
            return SessionState(inputs, None, None, errors)
        arguments = _calculate_arguments(inputs)
        try:
            result = calculate(**arguments, rules=self._rules)
        except InputError as error:
            errors = {error.field: str(error)}
            checked = self._check_without_weight(inputs, errors)  # may add to errors
            return SessionState(inputs, None, checked, errors)
        except DoseCalcError as error:  # an invalid rule folder: nothing is shown
            return SessionState(inputs, None, None, {"rules": str(error)})
        if not is_given(inputs.dose):
            return SessionState(inputs, result, None, {})
        try:
            return SessionState(inputs, result, check_against(result, inputs.dose), {})
        except InputError as error:
            return SessionState(inputs, result, None, {error.field: str(error)})

    def _check_without_weight(
        self, inputs: SessionInputs, errors: dict[str, str]
    ) -> CheckResult | None:
        """With no weight, an order may still be checked against the range per kg
        (`check`); the weight's own message stays, since nothing else is shown. A message
        about the order itself is added to ``errors``."""
        if set(errors) != {"weight"} or inputs.weight.strip() or not is_given(inputs.dose):
            return None
        try:
            return check(**_calculate_arguments(inputs), dose=inputs.dose, rules=self._rules)
        except InputError as error:
            errors[error.field] = str(error)
            return None


def _calculate_arguments(inputs: SessionInputs) -> CalculateArguments:
    """What ``inputs`` pass to `calculate` (blank fields become None)."""
    return {
        "weight": inputs.weight_text() or None,
        "regimen": inputs.regimen,
        "concentration": inputs.concentration or None,
        "height": inputs.height_text() or None,
        "sex": inputs.sex or None,
        "basis": inputs.basis,
    }


def _field_errors(inputs: SessionInputs) -> dict[str, str]:
    """Each field checked on its own, so every invalid field gets its message."""
    checks: dict[str, Callable[[], object]] = {
        "weight": lambda: is_given(inputs.weight) and parse_quantity(inputs.weight_text(), WEIGHT),
        "height": lambda: is_given(inputs.height) and parse_quantity(inputs.height_text(), HEIGHT),
        "concentration": lambda: (
            is_given(inputs.concentration) and parse_quantity(inputs.concentration, CONCENTRATION)
        ),
        "sex": lambda: read_sex(inputs.sex),
        "basis": lambda: read_basis(inputs.basis),
    }
    errors = {}
    for name, validate in checks.items():
        try:
            validate()
        except InputError as error:
            errors[name] = str(error)
    return errors


UNIT_CHOICES: Final[dict[str, tuple[str, ...]]] = {
    "weight_unit": ("kg", "lb"),
    "height_unit": ("cm", "in"),
}
"""The units a form offers beside a number, the one list every face reads ("" is none
chosen: a bare number is then refused)."""


def _with_unit(value: str, unit: str) -> str:
    """A number with no unit of its own takes ``unit`` when one was chosen; anything else
    is read as typed (a bare number with none chosen is then refused by the reader)."""
    text = value.strip(" ")  # only spaces: a tab or a line break is refused by the reader
    return text if not text or not unit or names_a_unit(text) else f"{text} {unit}"
