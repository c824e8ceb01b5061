"""Redoing a shown figure by hand: does it agree with the display rule its mark states?"""

from __future__ import annotations

from fractions import Fraction

MARKS = {None: None, "nearest": "rounded", "up": "rounded up", "down": "rounded down"}
"""`Figure.rounding` -> the words a figure is marked with."""


def value(text: str) -> Fraction:
    """A figure as printed ("1,234.5"), exactly."""
    return Fraction(text.replace(",", ""))


def agrees(shown_text: str, mark: str | None, worked: Fraction) -> bool:
    """Whether the figure ``shown_text`` is ``worked`` under the rule its ``mark`` states:
    unmarked, exactly; "rounded", the nearest at its decimals; "rounded up"/"rounded
    down", the next one in that direction."""
    shown = value(shown_text)
    places = len(shown_text.split(".")[1]) if "." in shown_text else 0
    unit = Fraction(1, 10**places)
    if mark is None:
        return shown == worked
    if mark == "rounded":
        return abs(shown - worked) <= unit / 2
    if mark == "rounded up":
        return worked <= shown < worked + unit
    return worked - unit < shown <= worked


def lines(steps: list[object]) -> list[str]:
    """A basis's lines of working as a clinician reads them."""
    return [str(step) for step in steps]
