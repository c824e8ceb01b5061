"""Results as plain-text reports for a terminal, a printout or a note.

Only layout lives here: the sections, their order and every label come from
`dosecalc.reports.contents`, and every number is already a display string in
the result (rounded once, in `dosecalc.foundation.display`). The answer comes
in the first screenful, after a one-line disclaimer.
"""

from __future__ import annotations

import textwrap

from dosecalc.clinical.prepare import PrepareResult
from dosecalc.clinical.result import CheckResult, DoseResult, Severity
from dosecalc.foundation.disclaimer import SHORT_DISCLAIMER
from dosecalc.reports.contents import (
    NO_BREAK_SPACE,
    Section,
    Table,
    bind_units,
    calc_sections,
    check_sections,
    lead_line,
    lead_severity,
    prepare_sections,
    verdict_line,
)

_WIDTH = 78
_LABEL = 26


def render_text(result: DoseResult, check: CheckResult | None = None) -> str:
    """The whole report, answer first; with ``check``, the order check leads it, else
    the headline (`lead_line`) does (never in colour: this is the text a file or the
    clipboard gets; `paint_lead` colours it for a terminal)."""
    title = f"dosecalc: {result.drug}, {result.route} ({result.regimen})"
    lead = lead_line(result) if check is None else None
    return _report(title, calc_sections(result, check), check, lead=lead)


def render_prepare_text(result: PrepareResult) -> str:
    """An infusion's preparation: each one made up, then warnings, scope and basis."""
    made_for = f"{result.drug}, {result.route} ({result.regimen})" if result.drug else "an order"
    title = f"dosecalc prepare: {made_for}"
    return _report(title, prepare_sections(result), lead=lead_line(result))


_SEVERITY_COLOURS: dict[Severity, str] = {
    "stop": "\033[1;97;41m",  # bold white on red: do not give as ordered
    "out-of-range": "\033[1;31m",
    "not-checked": "\033[1;33m",
    "within": "\033[1;32m",
}
_RESET = "\033[0m"


def render_check_text(result: CheckResult, *, colour: bool = False) -> str:
    """A checked order: the worst finding first, in words (and colour on a terminal), then
    the rest of the check and its basis."""
    title = f"dosecalc check: {result.drug}, {result.route} ({result.regimen})"
    text = _report(title, check_sections(result), result)
    return paint_verdict(text, result) if colour else text


def paint_verdict(report: str, result: CheckResult) -> str:
    """``report``, the text of ``result`` (as `render_check_text` gives it, or made
    printable since), with its first lines, the verdict, each in its severity's colour.

    Colour is the last thing done to a report: whatever makes text safe for a terminal
    (`dosecalc.foundation.text.printable`) writes an ESC byte out as ``\\u001b``, so it
    runs before, on the words alone, and the colour's own ESC bytes reach the terminal.
    """
    return _paint(report, verdict_line(result), result.headline.severity)


def paint_lead(report: str, result: DoseResult | PrepareResult) -> str:
    """``report``, the text of a calculation or preparation (made printable since), with
    its lead (`lead_line`), if any, in its severity's colour, as `paint_verdict` does."""
    lead, severity = lead_line(result), lead_severity(result)
    if lead is None or severity is None:
        return report
    return _paint(report, lead, severity)


def _paint(report: str, first: str, severity: Severity) -> str:
    """``report`` with the lines ``first`` wraps to, its first, painted for ``severity``."""
    count = len(_wrap(first).split("\n"))  # printable adds no line
    paint = _SEVERITY_COLOURS[severity]
    lines = report.split("\n")
    painted = [f"{paint}{line}{_RESET}" for line in lines[:count]]
    return "\n".join([*painted, *lines[count:]])


def _report(
    title: str,
    sections: list[Section],
    check: CheckResult | None = None,
    lead: str | None = None,
) -> str:
    """The report; with ``check``, its verdict (the worst finding) is the very first line,
    before the title, and is not repeated in the order check's section; ``lead`` (a
    preparation's refusal) likewise leads, as the first lines."""
    first = [_wrap(verdict_line(check))] if check is not None else []
    if lead is not None:
        first.append(f"{_wrap(lead)}\n")
    head = "\n".join([*first, title, "=" * len(title), _wrap(SHORT_DISCLAIMER)])
    # A section of nothing but the headline already leading the report is not said twice.
    said = [s for s in sections if s.rows or s.items or s.table or s.headline != lead]
    return "\n\n".join([head, *(_section(s) for s in said)]) + "\n"


def _section(section: Section) -> str:
    lines = [_wrap(section.title)]
    # One value column per section: wide enough for its longest label, so each row aligns.
    column = max([_LABEL, *(len(label) + 2 for label, _ in section.rows)])
    if section.flowing:
        lines += [_wrap(f"{label}: {value}", indent="  ") for label, value in section.rows]
    else:
        lines += [_row(label, value, column) for label, value in section.rows]
    mark = "! " if section.alert else "- " if len(section.items) > 1 else ""
    lines += [_wrap(f"{mark}{item}", indent="  ") for item in section.items]
    if section.table is not None:
        lines += _table(section.table)
    return "\n".join(lines)


def _table(table: Table) -> list[str]:
    cells = [table.header, *table.rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(table.header))]
    return [
        "  " + "   ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True))
        for row in cells
    ]


def _row(label: str, value: str, column: int) -> str:
    """``  Label:      value`` in two columns, the value at ``column``; a value too long for
    one line wraps within its column, so that every value of a section starts in it, unless
    that takes more lines than flowing on after its label (the answer stays in the first
    screenful)."""
    head = f"  {label + ':':<{column - 1}} "
    if len(head) + len(value) <= _WIDTH:
        return head + value
    flowing = _wrap(f"{label}: {value}", indent="  ")
    in_column = head + wrap(value, _WIDTH - len(head), "").replace("\n  ", "\n" + " " * len(head))
    return in_column if in_column.count("\n") <= flowing.count("\n") else flowing


def _wrap(text: str, indent: str = "") -> str:
    return wrap(text, _WIDTH, indent)


def wrap(text: str, width: int, indent: str = "") -> str:
    """Wrap at ``width``, never inside a dose or a range (``21 to 35 mg/hr`` stays whole).

    Continuation lines are indented two more spaces than ``indent``. The result keeps
    ordinary spaces, so that what is printed can be searched for as it reads.
    """
    wrapped = textwrap.fill(
        bind_units(text),
        max(width, len(indent) + 10),
        initial_indent=indent,
        subsequent_indent=indent + "  ",
        break_on_hyphens=False,
        break_long_words=False,  # a line a little too long beats a dose split in two
    )
    return wrapped.replace(NO_BREAK_SPACE, " ")
