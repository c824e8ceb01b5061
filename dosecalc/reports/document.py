"""A result as a one-page report for a paper chart: Markdown, or HTML that prints.

Both layouts read the same contents (`dosecalc.reports.contents`) in the same
order: the disclaimer and the date first, then inputs, patient and dosing
weight, results, titration, what to watch for and the supervision statement,
warnings and notes, and the basis with the rules' version and SHA-256. The
HTML is one self-contained file (no scripts, fonts or links to load) whose
print style fits one A4 or US Letter page.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from dosecalc import __version__
from dosecalc.clinical.result import DoseResult
from dosecalc.reports.contents import (
    Row,
    Table,
    basis_rows,
    input_rows,
    patient_rows,
    result_rows,
    titration_table,
)


@dataclass(frozen=True)
class _Section:
    title: str
    rows: list[Row]
    table: Table | None = None
    items: tuple[str, ...] = ()
    half: bool = False
    """Printed beside its neighbour, so that the report fits one page."""


def _title(result: DoseResult) -> str:
    return f"dosecalc report: {result.drug}, {result.route}"


def made_line(made_at: datetime) -> str:
    """``Made 2026-11-24 14:03 UTC by dosecalc 0.1.0``: when, and by which version."""
    return f"Made {made_at:%Y-%m-%d %H:%M} {made_at.tzname() or ''} by dosecalc {__version__}"


def _sections(result: DoseResult) -> list[_Section]:
    cautions = [f"{w.message} [{w.code}]" for w in result.warnings]
    titration = titration_table(result)
    sections = [
        _Section("Inputs, as entered", input_rows(result), half=True),
        _Section("Patient and dosing weight", patient_rows(result), half=True),
        _Section("Result", result_rows(result), half=True),
    ]
    if titration is not None:
        sections.append(_Section("Titration across the range", [], titration, half=True))
    sections.append(
        _Section(
            "Watch for",
            [
                ("Side effects in the source", ", ".join(result.side_effects)),
                ("Supervision", result.supervision),
            ],
        )
    )
    if cautions or result.notes:
        sections.append(_Section("Warnings and notes", [], items=(*cautions, *result.notes)))
    sections.append(_Section("Basis and source (check by hand)", basis_rows(result.basis)))
    return sections


def render_markdown(result: DoseResult, made_at: datetime | None = None) -> str:
    """The report in Markdown (CommonMark with tables); ``made_at`` defaults to now."""
    when = (made_at or datetime.now()).astimezone()
    lines = [
        f"# {_md(_title(result))}",
        "",
        _md(made_line(when)),
        "",
        f"> **{_md(result.disclaimer)}**",
    ]
    for section in _sections(result):
        lines += ["", f"## {_md(section.title)}", ""]
        lines += [f"- **{_md(label)}:** {_md(value)}" for label, value in section.rows]
        lines += [f"- {_md(item)}" for item in section.items]
        if section.table is not None:
            lines += _md_table(section.table)
    return "\n".join(lines) + "\n"


_MARKDOWN_SPECIAL: Final = re.compile(r"([\\`*_{}\[\]<>#|~])")


def _md(text: str) -> str:
    """Text as Markdown shows it literally: rule files may hold any character."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _md_table(table: Table) -> list[str]:
    def row(cells: list[str]) -> str:
        return "| " + " | ".join(_md(cell) for cell in cells) + " |"

    return [row(table.header), "|" + "---:|" * len(table.header)] + [
        row(cells) for cells in table.rows
    ]


_STYLE: Final = """
:root { color-scheme: light; }
body { font: 10.5pt/1.35 system-ui, "Segoe UI", Arial, sans-serif; color: #111;
       max-width: 46rem; margin: 1.5rem auto; padding: 0 1rem; }
h1 { font-size: 15pt; margin: 0 0 .2rem; }
h2 { font-size: 11pt; margin: .9rem 0 .25rem; border-bottom: 1px solid #999; }
.made { margin: 0 0 .5rem; color: #333; }
.disclaimer { border: 2px solid #000; padding: .4rem .6rem; font-weight: 600; margin: .4rem 0; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .1rem .8rem; margin: 0; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 0 1.5rem; }
dt { font-weight: 600; }
dd { margin: 0; overflow-wrap: anywhere; }
table { border-collapse: collapse; margin: .4rem 0 0; }
th, td { border: 1px solid #999; padding: .1rem .5rem; text-align: right; }
ul { margin: 0; padding-left: 1.2rem; }
section { break-inside: avoid; }
@page { margin: 12mm; }
@media print {
  body { font-size: 9pt; max-width: none; margin: 0; padding: 0; }
  h1 { font-size: 13pt; }
  h2 { font-size: 10pt; margin-top: .6rem; }
}
"""


def render_html(result: DoseResult, made_at: datetime | None = None) -> str:
    """The report as one HTML page with its own print style; ``made_at`` defaults to now."""
    when = (made_at or datetime.now()).astimezone()
    title = html.escape(_title(result))
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{title}</title>",
        f"<style>{_STYLE}</style>",
        "</head>",
        "<body>",
        f"<h1>{title}</h1>",
        f'<p class="made">{html.escape(made_line(when))}</p>',
        f'<p class="disclaimer" role="note">{html.escape(result.disclaimer)}</p>',
    ]
    sections = _sections(result)
    while sections:
        section = sections.pop(0)
        if section.half:
            beside = [sections.pop(0)] if sections and sections[0].half else []
            parts += ['<div class="pair">', *map(_html_section, [section, *beside]), "</div>"]
        else:
            parts.append(_html_section(section))
    parts += ["</body>", "</html>"]
    return "\n".join(parts) + "\n"


def _html_section(section: _Section) -> str:
    parts = ["<section>", f"<h2>{html.escape(section.title)}</h2>"]
    if section.rows:
        parts.append("<dl>")
        parts += [
            f"<dt>{html.escape(label)}</dt><dd>{html.escape(value)}</dd>"
            for label, value in section.rows
        ]
        parts.append("</dl>")
    if section.items:
        parts.append("<ul>")
        parts += [f"<li>{html.escape(item)}</li>" for item in section.items]
        parts.append("</ul>")
    if section.table is not None:
        parts.append(_html_table(section.table))
    parts.append("</section>")
    return "\n".join(parts)


def _html_table(table: Table) -> str:
    head = "".join(f'<th scope="col">{html.escape(cell)}</th>' for cell in table.header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>"
        for row in table.rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
