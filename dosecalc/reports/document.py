"""A result or an order check as a one-page report for a paper chart: Markdown, or
HTML that prints.

Both layouts read the same sections (`dosecalc.reports.contents`) in the same
order as the plain text: the title, the date and a one-line disclaimer, then
the answer (with a check, the verdict and any probable entry error first), the
warnings, the full disclaimer and the lines to fill in by hand, then the
detail and the basis with the rules' version and SHA-256. Every number is
bound to its unit by a no-break space, so no width splits "30.8 mg/hr". The
HTML is one self-contained file (no scripts, fonts or links to load) that
reads on a 360 px phone and whose print style fits one A4 or US Letter page.
"""

from __future__ import annotations

import html
import re
from datetime import datetime
from typing import Final

from dosecalc.clinical.prepare import PrepareResult
from dosecalc.clinical.result import CheckResult, DoseResult
from dosecalc.foundation.clock import local_time, zone_label
from dosecalc.foundation.disclaimer import SHORT_DISCLAIMER
from dosecalc.foundation.version import __version__
from dosecalc.reports.contents import (
    Section,
    Table,
    bind_units,
    calc_sections,
    check_sections,
    lead_line,
    lead_severity,
    prepare_sections,
)

Reported = DoseResult | CheckResult | PrepareResult


def made_line(made_at: datetime) -> str:
    """``Made 2026-11-24 14:03 UTC by dosecalc 0.1.0``: when, and by which version (the
    zone as `zone_label` names it: ``CET (UTC+01:00)``)."""
    return f"Made {made_at:%Y-%m-%d %H:%M} {zone_label(made_at)} by dosecalc {__version__}"


def _report(result: Reported, check: CheckResult | None) -> tuple[str, list[Section]]:
    if isinstance(result, PrepareResult):
        made_for = f"{result.drug}, {result.route}" if result.drug else "an order"
        return f"dosecalc prepare: {made_for}", prepare_sections(result)
    if isinstance(result, CheckResult):
        return f"dosecalc order check: {result.drug}, {result.route}", check_sections(result)
    return f"dosecalc report: {result.drug}, {result.route}", calc_sections(result, check)


def _lead(result: Reported) -> tuple[str, str] | None:
    """What goes before a preparation's title (`lead_line`: a refusal, or what to settle
    before any figure), with its severity; a calculation's is its first section, and a
    check leads with its verdict."""
    if not isinstance(result, PrepareResult):
        return None
    lead, severity = lead_line(result), lead_severity(result)
    return None if lead is None or severity is None else (lead, severity)


def render_markdown(
    result: Reported,
    made_at: datetime | None = None,
    check: CheckResult | None = None,
) -> str:
    """The report in Markdown (CommonMark with tables); ``made_at`` defaults to now.
    With ``check`` (beside a `DoseResult`), the order check leads the report; a refused
    preparation's refusal is its first line."""
    when = local_time(made_at)  # any TZ: local, or UTC
    title, sections = _report(result, check)
    lead = _lead(result)
    lines = [f"**{_md(lead[0])}**", ""] if lead is not None else []
    lines += [f"# {_md(title)}", "", _md(made_line(when)), "", f"> **{_md(SHORT_DISCLAIMER)}**"]
    for section in sections:
        lines += ["", f"## {_md(section.title)}", ""]
        if section.headline is not None:
            lines += [f"**{_md(section.headline)}**", ""]
        lines += [f"- **{_md(label)}:** {_md(value)}" for label, value in section.rows]
        if _paragraph(section):
            lines += [_md(section.items[0])]
        else:
            mark = "**!** " if section.alert else ""
            lines += [f"- {mark}{_md(item)}" for item in section.items]
        if section.table is not None:
            lines += _md_table(section.table)
    return "\n".join(lines) + "\n"


def _paragraph(section: Section) -> bool:
    """One plain item (the disclaimer, a single note) reads as a paragraph, not a list."""
    return len(section.items) == 1 and not section.alert and not section.rows


_MARKDOWN_SPECIAL: Final = re.compile(r"([\\`*_{}\[\]<>#|~])")


def _md(text: str) -> str:
    """Text as Markdown shows it literally (rule files may hold any character), each
    number bound to its unit."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", bind_units(text))


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
h2 { font-size: 11pt; margin: .8rem 0 .25rem; border-bottom: 1px solid #999; }
.made { margin: 0 0 .5rem; color: #333; }
.disclaimer { border: 2px solid #000; padding: .3rem .6rem; font-weight: 600; margin: .4rem 0; }
.lead { border: 3px solid #000; padding: .3rem .6rem; font-weight: 700; margin: 0 0 .4rem; }
.lead.stop { border-color: #a00; background: #fdecea; }
.lead.not-checked { border-style: dashed; border-color: #7a5200; }
.headline { font-weight: 700; margin: .2rem 0; }
.headline.stop { border: 3px solid #a00; background: #fdecea; padding: 0 .3rem; }
.headline.out-of-range { border: 2px solid #a00; padding: 0 .3rem; }
.headline.not-checked { border: 2px dashed #7a5200; padding: 0 .3rem; }
.alert li { font-weight: 600; }
dl { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: .1rem .8rem;
     margin: 0; }
.pair { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 0 1.5rem; }
dt { font-weight: 600; }
dd { margin: 0; overflow-wrap: break-word; min-width: 0; }
table { border-collapse: collapse; margin: .4rem 0 0; }
th, td { border: 1px solid #999; padding: .1rem .5rem; text-align: right; }
ul { margin: 0; padding-left: 1.2rem; }
li { overflow-wrap: break-word; }
section { break-inside: avoid; }
@page { margin: 8mm; }
@media screen and (max-width: 36rem) {
  body { margin: .5rem auto; padding: 0 .5rem; }
  dl, .pair { display: block; }
  dd { margin: 0 0 .25rem .8rem; }
  table { font-size: 9.5pt; width: 100%; }
  th, td { padding: .1rem .25rem; white-space: normal; }
}
@media print {
  body { font-size: 8pt; line-height: 1.1; max-width: none; margin: 0; padding: 0; }
  h1 { font-size: 12pt; }
  h2 { font-size: 9pt; margin: .2rem 0 .05rem; }
  .made, .disclaimer, section p { margin: .15rem 0; }
  th, td { padding: 0 .4rem; }
}
"""


def render_html(
    result: Reported,
    made_at: datetime | None = None,
    check: CheckResult | None = None,
) -> str:
    """The report as one HTML page with its own print style; ``made_at`` defaults to now.
    With ``check`` (beside a `DoseResult`), the order check leads the report; a refused
    preparation's refusal comes first: in the page's title, and before its heading."""
    when = local_time(made_at)  # any TZ: local, or UTC
    title, sections = _report(result, check)
    lead = _lead(result)
    first = None if lead is None else lead[0].split(":")[0]
    page_title = title if first is None else f"{first}: {title}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_html(page_title)}</title>",
        f"<style>{_STYLE}</style>",
        "</head>",
        "<body>",
        *(
            [f'<p class="lead {lead[1]}" role="alert">{_html(lead[0])}</p>']
            if lead is not None
            else []
        ),
        f"<h1>{_html(title)}</h1>",
        f'<p class="made">{_html(made_line(when))}</p>',
        f'<p class="disclaimer" role="note">{_html(SHORT_DISCLAIMER)}</p>',
    ]
    while sections:
        section = sections.pop(0)
        if section.half and sections and sections[0].half:
            parts += ['<div class="pair">', _html_section(section)]
            parts += [_html_section(sections.pop(0)), "</div>"]
        else:
            parts.append(_html_section(section))
    parts += ["</body>", "</html>"]
    return "\n".join(parts) + "\n"


def _html(text: str) -> str:
    """Text escaped for HTML, each number bound to its unit."""
    return html.escape(bind_units(text))


def _html_section(section: Section) -> str:
    parts = ["<section>", f"<h2>{_html(section.title)}</h2>"]
    if section.headline is not None:
        marked = f" {section.severity}" if section.severity else ""
        parts.append(f'<p class="headline{marked}">{_html(section.headline)}</p>')
    if section.rows:
        parts.append("<dl>")
        parts += [
            f"<dt>{_html(label)}</dt><dd>{_html(value)}</dd>" for label, value in section.rows
        ]
        parts.append("</dl>")
    if _paragraph(section):
        parts.append(f"<p>{_html(section.items[0])}</p>")
    elif section.items:
        parts.append('<ul class="alert" role="alert">' if section.alert else "<ul>")
        parts += [f"<li>{_html(item)}</li>" for item in section.items]
        parts.append("</ul>")
    if section.table is not None:
        parts.append(_html_table(section.table))
    parts.append("</section>")
    return "\n".join(parts)


def _html_table(table: Table) -> str:
    head = "".join(f'<th scope="col">{_html(cell)}</th>' for cell in table.header)
    body = "".join(
        "<tr>" + "".join(f"<td>{_html(cell)}</td>" for cell in row) + "</tr>" for row in table.rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
