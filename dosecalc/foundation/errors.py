"""The one exception hierarchy of dosecalc.

Every error a caller can see is a `DoseCalcError`. Input errors say which
field was wrong, what was wrong with it and what a correct entry looks like,
so that a clinician can fix the entry without reading code. The CLI turns them
into a one-line message and exit code 2; nothing else escapes as a traceback.
"""

from __future__ import annotations

from dosecalc.foundation.text import one_line


class DoseCalcError(Exception):
    """Base class of every error dosecalc raises on purpose."""


class InputError(DoseCalcError, ValueError):
    """An input the calculator cannot use; no dose is produced.

    The message is ``"<field>: <problem>. <how to fix it>"``.
    """

    def __init__(self, field: str, problem: str, fix: str) -> None:
        self.field = field
        self.problem = problem
        self.fix = fix
        super().__init__(f"{field}: {problem}. {fix}")

    def __reduce__(self) -> tuple[type[InputError], tuple[str, str, str]]:
        """Pickle and copy by the three parts (Dask and Spark send errors between processes)."""
        return type(self), (self.field, self.problem, self.fix)


class ParseError(InputError):
    """The text is not a quantity we can read (empty, words, expressions, commas...)."""


class UnitError(InputError):
    """The unit is missing, unknown, or of the wrong kind (metres for a weight)."""


class OutOfRangeError(InputError):
    """The value is not finite, not positive, or outside the plausible bounds."""


class MissingInputError(InputError):
    """An input that the chosen options require was not given."""


class ChoiceError(InputError):
    """A value that must be one of a fixed set of choices is not one of them."""


class UnknownRegimenError(ChoiceError):
    """The regimen is not in the rule set in force."""


class FrozenQuantityError(DoseCalcError, TypeError):
    """A dosecalc quantity was asked to change in place (``ito``, ``+=`` on its array, a
    new ``_magnitude``). Quantities are shared (a rule's range serves every later call), so
    none may change: ``to`` and the arithmetic operators return new quantities instead."""


class RulesError(DoseCalcError):
    """A rule file or folder is invalid; the whole folder is refused.

    The message names the file and, where known, the field. It is one printable line,
    whatever it quotes from the folder: a line break or other control character in a name or
    key is written as ``\\uXXXX``, so it cannot forge a line of the tool's own.
    """

    def __init__(self, message: str) -> None:
        super().__init__(one_line(message))
