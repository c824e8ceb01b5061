"""Standard output and error written as their encoding can carry them.

Under ``PYTHONIOENCODING=ascii``, a Latin-1 locale or an ASCII terminal, a character such
as "×" or "→" cannot be written as it is. Rather than fail midway (after some of the output
is out), what a stream cannot carry is written as its plain-text stand-in ("x", "->", a
space for a no-break space; `dosecalc.foundation.text.STAND_INS`) or its ``\\uXXXX``
escape, and JSON as JSON's own escapes, so that it means the same. Figures are plain ASCII
and never change.
"""

from __future__ import annotations

import codecs
import contextlib
import io
import sys
from collections.abc import Iterator
from typing import TextIO

from dosecalc.foundation.text import JSON_ESCAPE_ERRORS, STAND_IN_ERRORS

_UNICODE: frozenset[str] = frozenset(
    {"utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"}
)


def encoding_of(stream: TextIO | None) -> str:
    """The codec name of ``stream``'s encoding (``utf-8`` where it has none)."""
    name = getattr(stream, "encoding", None) or "utf-8"
    try:
        return codecs.lookup(name).name
    except LookupError:
        return name


def carries_everything(stream: TextIO | None) -> bool:
    """True where ``stream``'s encoding carries every character (a Unicode encoding)."""
    return encoding_of(stream) in _UNICODE


@contextlib.contextmanager
def carried() -> Iterator[None]:
    """Within: stdout and stderr write what they cannot carry as stand-ins or escapes."""
    before = [(stream, _errors(stream, STAND_IN_ERRORS)) for stream in (sys.stdout, sys.stderr)]
    try:
        yield
    finally:
        for stream, errors in before:
            if errors is not None:
                with contextlib.suppress(ValueError, OSError):  # closed, or full
                    _errors(stream, errors)


def json_escaped(stream: TextIO | None) -> None:
    """``stream`` writes what it cannot carry as JSON escapes (inside `carried`)."""
    _errors(stream, JSON_ESCAPE_ERRORS)


def _errors(stream: TextIO | None, errors: str) -> str | None:
    """Set ``stream``'s codec error handler; its previous one (None if it has none)."""
    if not isinstance(stream, io.TextIOWrapper):
        return None  # a StringIO, say: it holds any text
    before = stream.errors
    with contextlib.suppress(ValueError, OSError):  # closed, or a flush of a full pipe
        stream.reconfigure(errors=errors)
        return before
    return None
