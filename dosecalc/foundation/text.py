"""What counts as a control character, and text made safe to print on a terminal.

One definition for every place that reads or prints text: a quantity typed by a user,
a string in a rule file, a message or a report printed by the command line. Escape
sequences (which can clear a screen and print a fake verdict), bidirectional overrides
(which reorder what is shown), line separators and the like are never obeyed.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from typing import Final

_CONTROL_CATEGORIES: Final = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})
_KEPT: Final = frozenset("\n")


def counted(count: int, words: tuple[str, str]) -> str:
    """``1 row audited``, ``0 rows audited``, ``1,200 rows audited``: a count and its
    words, singular for one only. Every count a face shows is written by this."""
    return f"{count:,} {words[0] if count == 1 else words[1]}"


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


SPACE_SEPARATORS: Final = (
    " \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u202f\u205f\u3000"
)
"""Every Unicode space separator (category Zs): the space, the no-break spaces, the thin,
hair, figure and ideographic spaces and the rest. Each is typed, pasted or autocorrected
as a space (a thin space in "50 mg/5 mL" from a typeset label), and each is read as one
(tests/test_units.py holds the list equal to Unicode's)."""

_AS_SPACE: Final = str.maketrans(dict.fromkeys(SPACE_SEPARATORS, " "))


def spaces_as_space(text: str) -> str:
    """``text`` with every space separator (`SPACE_SEPARATORS`) written as a plain space."""
    return text if text.isascii() else text.translate(_AS_SPACE)


EXCERPT_CHARACTERS: Final = 40
"""An input quoted back in a message shows at most this many of its characters."""


def quoted(value: object) -> str:
    """An input as a message quotes it back: text in quotes (``'70 kgg'``), and anything
    else by its ``repr``; beyond `EXCERPT_CHARACTERS` its start, marked as cut, with its
    length: ``'xxxx…' (1,048,576 characters)``. A message, a log line or an audit's error
    cell never holds a whole megabyte a caller sent, and a number too large for Python to
    write out (10**5000) is described rather than written."""
    if isinstance(value, str):
        return excerpt(value, "'")
    return excerpt(_written(value))


def excerpt(text: str, mark: str = "") -> str:
    """``text`` between ``mark``s, or its first `EXCERPT_CHARACTERS` marked as cut, with
    its length: ``'xxxx…' (1,048,576 characters)``. (`quoted`, for text already made.)"""
    if len(text) <= EXCERPT_CHARACTERS:
        return f"{mark}{text}{mark}"
    return f"{mark}{text[:EXCERPT_CHARACTERS]}…{mark} ({len(text):,} characters)"


def _written(value: object) -> str:
    """``repr(value)``, or what it is when it cannot be written (an int of more than 4,300
    digits refuses to become text; an object's own ``__repr__`` may fail)."""
    try:
        return repr(value)
    except Exception:  # whatever a caller's object raises
        bits = getattr(value, "bit_length", None)
        if callable(bits):
            return f"an integer of about {int(bits() * 0.30103) + 1:,} digits"
        return f"a {type(value).__name__} that cannot be written out"


def unusual_characters(text: str) -> str:
    """What a choice holds that is not what it looks like, for its refusal: `` (it holds
    U+2009 THIN SPACE, a space character other than the plain space)``; empty for text
    without such a character. A choice is matched on plain spaces only, so a thin or
    no-break space, or a control character, must be named: quoted, it looks like nothing."""
    for character in text:
        if character in SPACE_SEPARATORS[1:] or is_control(character):
            what = (
                "a space character other than the plain space"
                if character in SPACE_SEPARATORS
                else "a control character"
            )
            name = unicodedata.name(character, "")
            return f" (it holds U+{ord(character):04X}{' ' + name if name else ''}, {what})"
    return ""


STAND_INS: Final = {
    "\u00d7": "x",  # multiplication sign
    "\u00f7": "/",  # division sign
    "\u2192": "->",
    "\u2212": "-",  # minus sign
    "\u2013": "-",
    "\u2014": "--",
    "\u2011": "-",  # non-breaking hyphen
    "\u00a0": " ",  # no-break spaces
    "\u202f": " ",
    "\u2009": " ",
    "\u2026": "...",
    "\u00b7": ".",  # middle dot, as UCUM joins units
    "\u00b2": "^2",
    "\u00b3": "^3",
    "\u00b5": "u",  # micro sign: ug, as UCUM writes it
    "\u03bc": "u",
    "\u00b1": "+/-",
    "\u2264": "<=",
    "\u2265": ">=",
    "\u2193": "v",
    "\u2018": "'",
    "\u2019": "'",
    "\u2032": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2033": '"',
}
"""What a character dosecalc writes becomes where an output's encoding cannot carry it
(ASCII, Latin-1): its plain-text stand-in, which means the same to a reader."""

STAND_IN_ERRORS: Final = "dosecalc-stand-ins"
"""The codec error handler for text: `STAND_INS`, else the ``\\uXXXX`` escape."""

JSON_ESCAPE_ERRORS: Final = "dosecalc-json-escapes"
"""The codec error handler for JSON: every character the encoding cannot carry as its
``\\uXXXX`` escape (JSON's own), so the document means exactly the same."""


def carried(text: str, encoding: str, *, json: bool = False) -> str:
    """``text`` as ``encoding`` can carry it: unchanged where it can; else each character
    it cannot carry as its stand-in (`STAND_INS`) or, in JSON or with none, its escape."""
    errors = JSON_ESCAPE_ERRORS if json else STAND_IN_ERRORS
    return text.encode(encoding, errors).decode(encoding)


def _stand_ins(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    cut = error.object[error.start : error.end]
    return "".join(STAND_INS.get(c) or _escaped(c) for c in cut), error.end


def _json_escapes(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    return "".join(map(_escaped, error.object[error.start : error.end])), error.end


codecs.register_error(STAND_IN_ERRORS, _stand_ins)
codecs.register_error(JSON_ESCAPE_ERRORS, _json_escapes)
