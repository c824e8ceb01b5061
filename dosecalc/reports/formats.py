"""The formats a result can be saved in, for the command line and the app alike.

The table costs nothing to import (the command line builds its help from it before
anything clinical loads); the renderers are imported when a result is rendered.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from dosecalc.clinical.result import DoseResult


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
        Format("json", "exact values, UCUM units", ".json", "application/json"),
        Format("fhir", "a FHIR R4 Dosage", ".fhir.json", "application/fhir+json"),
        Format("markdown", "one-page report", ".md", "text/markdown"),
        Format("html", "one-page report to print", ".html", "text/html"),
    )
}


def render(result: DoseResult, name: str, made_at: datetime | None = None) -> str:
    """``result`` in the format called ``name`` (a key of `FORMATS`); reports say
    when they were made: ``made_at``, or now."""
    from dosecalc.reports.document import render_html, render_markdown
    from dosecalc.reports.fhir import fhir_dosage
    from dosecalc.reports.text import render_text

    match name:
        case "text":
            return render_text(result)
        case "json":
            return to_json(result.model_dump(mode="json"))
        case "fhir":
            return to_json(fhir_dosage(result))
        case "markdown":
            return render_markdown(result, made_at)
        case "html":
            return render_html(result, made_at)
        case _:
            raise ValueError(f"no format called {name!r}; choose from {', '.join(FORMATS)}")


def to_json(data: object) -> str:
    """Indented JSON with non-ASCII kept readable ("×", "²"), ending in a newline."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
