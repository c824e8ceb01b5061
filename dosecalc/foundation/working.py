"""The working as data: each line's operands, operators and result, as shown.

A line of working that a clinician redoes by hand ("0.3 mg/kg/hr × 70 kg = 21 mg/hr") is
kept as the figures it is made of. It is redone by exact arithmetic (`Equation.worked`),
and written by one rule (`Step.text`), only when it is read; nothing reads it back from
text. A figure's own text is the display rule's (`dosecalc.foundation.display`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from operator import add, mul, sub, truediv
from typing import Final, Literal, assert_never

from dosecalc.foundation.display import (
    Figure,
    exact_places,
    format_number,
    magnitude,
    operand,
    unit_change_terms,
    unit_display,
)
from dosecalc.foundation.unit_registry import (
    Quantity,
    Unit,
    quantity_of,
)

Operator = Literal["×", "÷", "+", "−"]

_APPLY: Final[dict[Operator, Callable[[Fraction, Fraction], Fraction]]] = {
    "×": mul,
    "÷": truediv,
    "+": add,
    "−": sub,
}


@dataclass(frozen=True, slots=True)
class Operand:
    """A figure of a line: ``value`` is what the line works with (a figure as shown, never
    the exact value behind a rounded one). ``figure`` is how a worked figure is shown (its
    rounding marked); without one, the value is written exactly, as entered. ``note`` is
    words written after it ("(hours)", "(mg to mcg)")."""

    value: Fraction
    units: Unit | None = None
    figure: Figure | None = None
    note: str = ""

    @classmethod
    def exact(cls, quantity: Quantity) -> Operand:
        """A quantity entered or stated (a weight, a concentration, a rule's rate)."""
        return cls(magnitude(quantity), quantity.units)

    @classmethod
    def number(cls, value: Fraction, note: str = "") -> Operand:
        """A pure number: a factor of a change of unit, or of a formula."""
        return cls(value, None, None, note)

    @classmethod
    def shown(cls, figure: Figure, units: Unit) -> Operand:
        """A worked figure as shown, with its rounding."""
        return cls(figure.value, units, figure)

    @property
    def text(self) -> str:
        """``12.21 mg/hr (rounded)``, ``(50 mg in 3 mL)``, ``24 (hours)``."""
        if self.figure is not None:
            unit = unit_display(self.units) if self.units is not None else ""
            body = self.figure.with_unit(unit) if unit else self.figure.marked
        elif self.units is not None:
            body = operand(quantity_of(self.value, self.units))
        else:
            body = format_number(self.value, decimals=exact_places(self.value))
        return f"{body} {self.note}" if self.note else body


@dataclass(frozen=True, slots=True)
class Apply:
    """``left operator right``, written in that order."""

    left: Term
    operator: Operator
    right: Term


@dataclass(frozen=True, slots=True)
class Group:
    """A term written in brackets: ``(66.93 in − 60 in)``."""

    inner: Term


@dataclass(frozen=True, slots=True)
class Convert:
    """An entry in another unit: written as entered, worked times ``factor`` (the
    equation's note states the factor)."""

    entered: Operand
    factor: Fraction


Term = Operand | Apply | Group | Convert


def worked(term: Term) -> Fraction:
    """The exact value of ``term``, worked from its operands as shown."""
    if isinstance(term, Operand):
        return term.value
    if isinstance(term, Apply):
        return _APPLY[term.operator](worked(term.left), worked(term.right))
    if isinstance(term, Group):
        return worked(term.inner)
    if isinstance(term, Convert):
        return term.entered.value * term.factor
    assert_never(term)


def written(term: Term) -> str:
    """``term`` as a line writes it."""
    if isinstance(term, Operand):
        return term.text
    if isinstance(term, Apply):
        return f"{written(term.left)} {term.operator} {written(term.right)}"
    if isinstance(term, Group):
        return f"({written(term.inner)})"
    if isinstance(term, Convert):
        return term.entered.text
    assert_never(term)


def operands(term: Term) -> list[Operand]:
    """The operands of ``term``, in the order they are written."""
    if isinstance(term, Operand):
        return [term]
    if isinstance(term, Apply):
        return [*operands(term.left), *operands(term.right)]
    if isinstance(term, Group):
        return operands(term.inner)
    if isinstance(term, Convert):
        return [term.entered]
    assert_never(term)


@dataclass(frozen=True, slots=True)
class Equation:
    """``left = result``; or, with no result, ``left, used as used``.

    ``used`` is the result as the next line uses it, to the nearest ``nearest`` (a body
    measurement to 0.01 kg); ``note`` states what the line does not write as arithmetic
    (the factor of a change of unit).
    """

    left: Term
    result: Operand | None = None
    used: Operand | None = None
    nearest: Operand | None = None
    note: str = ""

    @property
    def worked(self) -> Fraction:
        """The exact value of the left side, worked from its operands as shown."""
        return worked(self.left)

    @property
    def text(self) -> str:
        """``170 cm = 66.93 in (1 in = 2.54 cm; nearest 0.01 in)``, and the like."""
        nearest = f"nearest {self.nearest.text}" if self.nearest is not None else ""
        line = written(self.left)
        if self.result is not None:
            line += f" = {self.result.text}"
        if self.used is not None:
            line += f", used as {self.used.text}"
        said = "; ".join(filter(None, [self.note, nearest]))
        return f"{line} ({said})" if said else line


@dataclass(frozen=True, slots=True)
class Step:
    """One line of working: a label and its equations (one per bound of a range)."""

    label: str
    equations: tuple[Equation, ...]

    @property
    def text(self) -> str:
        """``pump rate: 21 mg/hr ÷ 2 mg/mL = 10.5 mL/hr; 35 mg/hr ÷ 2 mg/mL = 17.5 mL/hr``."""
        body = "; ".join(equation.text for equation in self.equations)
        return f"{self.label}: {body}" if self.label else body

    def __str__(self) -> str:
        return self.text


Factor = tuple[Operator, Operand]
"""An operation that a line applies to the figure before it: ``("÷", 2 mg/mL)``."""


def chain(first: Term, factors: list[Factor]) -> Term:
    """``first`` with each factor applied in turn, left to right, as written."""
    term = first
    for operator, factor in factors:
        term = Apply(term, operator, factor)
    return term


def unit_change(units: Unit, to: Unit) -> str:
    """`` × 60 ÷ 1,000 (mcg/kg/min to mg/kg/hr)``: a change of unit written into a line kept
    as text, as a step writes it (`unit_change_factors`); empty when the units agree."""
    factors = unit_change_factors(units, to)
    return "".join(f" {operator} {factor.text}" for operator, factor in factors)


def unit_change_factors(units: Unit, to: Unit) -> list[Factor]:
    """A change of unit as factors, the last one followed by the words that name the
    change: `` × 1,000 ÷ 60 (mg/kg/hr to mcg/kg/min)``; none when the units agree."""
    terms, words = unit_change_terms(units, to)
    last = len(terms) - 1
    return [
        (sign, Operand.number(factor, note=f"({words})" if i == last else ""))
        for i, (sign, factor) in enumerate(terms)
    ]


Line = Step | str
"""A line of a basis: a step kept as data, or a line kept as text: a statement with no
arithmetic ("fixed dose for every patient, as printed in the source: 25 to 50 mg"), or an
order check's verdict line or a preparation's working, which are not yet kept as data."""


def line_text(line: Line) -> str:
    """A line of a basis as a clinician reads it."""
    return line if isinstance(line, str) else line.text
