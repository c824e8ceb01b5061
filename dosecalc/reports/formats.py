"""The formats a result or an order check can be saved in, for the command line and
the app alike.

The table costs nothing to import (the command line builds its help from it before
anything clinical loads); the renderers are imported when something is rendered.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from dosecalc.clinical.prepare import PrepareResult
    from dosecalc.clinical.result import CheckResult, DoseResult


@dataclass(frozen=True)
class Format:
    """How one format is named, described and saved."""

    name: str
    description: str
    suffix: str
    media_type: str


FORMATS: Final = {
    f.name: f
    for f in (
        Format("text", "plain-text report", ".txt", "text/plain"),
        Format("json", "unrounded values, UCUM units", ".json", "application/json"),
        Format(
            "fhir", "a FHIR R4 Dosage (a check: a Bundle)", ".fhir.json", "application/fhir+json"
        ),
        Format("markdown", "one-page report", ".md", "text/markdown"),
        Format("html", "one-page report to print", ".html", "text/html"),
    )
}


def render(
    result: DoseResult,
    name: str,
    made_at: datetime | None = None,
    check: CheckResult | None = None,
) -> str:
    """``result`` in the format called ``name`` (a key of `FORMATS`); reports say
    when they were made: ``made_at``, or now.

    With ``check`` (an order checked against this result, as the app shows it), every
    format holds it too: the reports lead with it, JSON holds ``{"result", "check"}``
    and FHIR is the check's Bundle, whose note holds the patient's range.
    """
    # Each renderer is imported by the format that needs it: JSON needs none of them.
    match name:
        case "text":
            from dosecalc.reports.text import render_text

            return render_text(result, check)
        case "json":
            if check is None:
                return to_json(result.model_dump(mode="json"))
            both = {
                "result": result.model_dump(mode="json"),
                "check": check.model_dump(mode="json"),
            }
            return to_json(both)
        case "fhir":
            from dosecalc.reports.fhir import fhir_check, fhir_dosage

            return to_json(fhir_dosage(result) if check is None else fhir_check(check))
        case "markdown":
            from dosecalc.reports.document import render_markdown

            return render_markdown(result, made_at, check)
        case "html":
            from dosecalc.reports.document import render_html

            return render_html(result, made_at, check)
        case _:
            raise _unknown(name)


def render_check(
    check: CheckResult, name: str, made_at: datetime | None = None, *, colour: bool = False
) -> str:
    """An order check in the format called ``name``; ``colour`` paints the text verdict."""
    match name:
        case "text":
            from dosecalc.reports.text import render_check_text

            return render_check_text(check, colour=colour)
        case "json":
            return to_json(check.model_dump(mode="json"))
        case "fhir":
            from dosecalc.reports.fhir import fhir_check

            return to_json(fhir_check(check))
        case "markdown":
            from dosecalc.reports.document import render_markdown

            return render_markdown(check, made_at)
        case "html":
            from dosecalc.reports.document import render_html

            return render_html(check, made_at)
        case _:
            raise _unknown(name)


PREPARE_FORMATS: Final = tuple(name for name in FORMATS if name != "fhir")
"""The formats an infusion's preparation is given in: a preparation is no FHIR Dosage."""


def render_prepare(result: PrepareResult, name: str, made_at: datetime | None = None) -> str:
    """An infusion's preparation in the format called ``name`` (one of `PREPARE_FORMATS`);
    reports say when they were made: ``made_at``, or now. A refused order's refusal comes
    first in each: the first line of text and Markdown, the HTML page's title and first
    paragraph, JSON's first key."""
    match name:
        case "text":
            from dosecalc.reports.text import render_prepare_text

            return render_prepare_text(result)
        case "json":
            return to_json(result.model_dump(mode="json"))
        case "markdown":
            from dosecalc.reports.document import render_markdown

            return render_markdown(result, made_at)
        case "html":
            from dosecalc.reports.document import render_html

            return render_html(result, made_at)
        case _:
            raise ValueError(
                f"no format called {name!r} for a preparation; choose from "
                f"{', '.join(PREPARE_FORMATS)}"
            )


def _unknown(name: str) -> ValueError:
    return ValueError(f"no format called {name!r}; choose from {', '.join(FORMATS)}")


def to_json(data: object) -> str:
    """Indented JSON with non-ASCII kept readable ("×", "²"), ending in a newline."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
