"""The dosing-weight bases a user may choose: here with no imports, so that the command
line can build its help before anything clinical loads (`dosecalc.patient.body` uses them)."""

from typing import Final, Literal

Basis = Literal["actual", "ideal", "adjusted"]
BASES: Final[tuple[Basis, ...]] = ("actual", "ideal", "adjusted")
