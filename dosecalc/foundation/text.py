"""What counts as a control character, and text made safe to print on a terminal.

One definition for every place that reads or prints text: a quantity typed by a user,
a string in a rule file, a message or a report printed by the command line. Escape
sequences (which can clear a screen and print a fake verdict), bidirectional overrides
(which reorder what is shown), line separators and the like are never obeyed.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

_CONTROL_CATEGORIES: Final = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})
_KEPT: Final = frozenset("\n")


def is_control(character: str) -> bool:
    """True for a control, format, separator, surrogate or private-use character."""
    return unicodedata.category(character) in _CONTROL_CATEGORIES


def printable(text: str) -> str:
    """``text`` with every control character but the line feed written as ``\\uXXXX``.

    Such an escape is also valid inside a JSON string, so JSON stays JSON.
    """
    if text.isascii() and text.isprintable():
        return text
    return "".join(_escaped(c) if c not in _KEPT and is_control(c) else c for c in text)


def one_line(text: str) -> str:
    """``text`` as one printable line: every control character written as ``\\uXXXX``, the
    line feed too. What a message quotes from a file (a name, a key) can never begin a line
    of its own that imitates the tool's."""
    if text.isascii() and text.isprintable():
        return text
    return "".join(_escaped(c) if is_control(c) else c for c in text)


def _escaped(character: str) -> str:
    """``\\u001b``; beyond U+FFFF the UTF-16 surrogate pair, as JSON writes it."""
    units = character.encode("utf-16-be", "surrogatepass")
    return "".join(f"\\u{int.from_bytes(units[i : i + 2]):04x}" for i in range(0, len(units), 2))


def route_alternatives(route: str) -> tuple[str, ...]:
    """Each alternative of a route written with "/" or " or ", in lower case ("sublingual or
    buccal": "sublingual", "buccal"); a route of one alternative gives itself. One rule for
    the names a regimen answers to and the words a route code may code."""
    parts = (part.strip() for part in _ROUTE_ALTERNATIVES.split(route.lower()))
    return tuple(dict.fromkeys(filter(None, parts)))


_ROUTE_ALTERNATIVES: Final = re.compile(r"/|\s+or\s+")
