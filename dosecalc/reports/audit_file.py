"""An audit streamed from a CSV file to CSV or JSON Lines, in chunks.

Memory stays flat whatever the file's size and the rows' width: rows are read,
audited and written a chunk at a time (CHUNK_ROWS rows, or CHUNK_CHARACTERS of
text), and only what `Auditor` remembers (unit texts and rows sent to `check`)
outlives a chunk. Every record of the input is one
record of the output, in order; a record with the wrong number of fields
keeps what it has and gets an error instead of a verdict. Blank lines are not
records and are skipped, as by every CSV reader.
"""

from __future__ import annotations

import csv
import functools
import itertools
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from fractions import Fraction
from typing import Any, Final, Literal, NamedTuple, TextIO, cast

from dosecalc.clinical.audit import (
    OUTCOME_NAMES,
    OUTPUT_COLUMNS,
    REQUIRED_COLUMNS,
    ROW_COUNTS,
    Audited,
    Auditor,
    AuditSummary,
    check_header,
)
from dosecalc.clinical.audit.outcome import VERDICTS
from dosecalc.clinical.headline import action_of
from dosecalc.clinical.limits import reviewed
from dosecalc.clinical.result import Verdict
from dosecalc.foundation.disclaimer import EDUCATIONAL_ONLY
from dosecalc.foundation.display import DATA_SIGNIFICANT_FIGURES, format_data_number
from dosecalc.foundation.errors import DoseCalcError, InputError
from dosecalc.foundation.text import printable
from dosecalc.reports.contents import UNREVIEWED_TAG
from dosecalc.ruleset.loader import RuleSet
from dosecalc.ruleset.schema import Regimen

CHUNK_ROWS: Final = 50_000
"""Rows audited at a time: large enough for arrays to pay, small enough for flat memory."""

CHUNK_CHARACTERS: Final = 8_000_000
"""Also at most this much text at a time, so that wide rows keep memory flat too."""

OutputFormat = Literal["csv", "jsonl"]

NOT_CHECKED: Final = ROW_COUNTS["not checked"][0]
"""The headline of a row with an error and no verdict."""

FILE_COLUMNS: Final = (*OUTPUT_COLUMNS, "headline", "rules", "supervision", "disclaimer")
"""A filed audit's columns after the input's: the audit's own, then each row's worst finding
in words (as the summary counts it: what to do), the rules it was checked against (version
and SHA-256), the supervision its rule's source requires (a row checked) and the
disclaimer, so that the file says on every row what it rests on and what it is not."""


def audit_file(
    source: Iterable[str],
    destination: TextIO,
    rule_set: RuleSet,
    *,
    output_format: OutputFormat = "csv",
    chunk_rows: int = CHUNK_ROWS,
    chunk_characters: int = CHUNK_CHARACTERS,
    on_progress: Callable[[int], None] | None = None,
) -> AuditSummary:
    """Audit the CSV ``source`` (a header, then one order per record) into ``destination``.

    ``source`` is text: an open file (``newline=""``), or `utf8_lines` of a binary one.
    The output has the input's columns, untouched, then the audit's (see
    `dosecalc.audit`). ``on_progress`` is called with 0 once the header is
    written, then with the number of rows done after each chunk. Raises
    `InputError` for a file that cannot be audited: no header, a missing
    required column, text that is not UTF-8 or CSV.
    """
    header, chunks = audited_chunks(
        source, (rule_set,), chunk_rows=chunk_rows, chunk_characters=chunk_characters
    )
    write = _writer(destination, header, output_format, rule_set)
    summary = AuditSummary()
    if on_progress is not None:
        on_progress(0)  # the header is written
    for cells, (audited,) in chunks:
        write(cells, audited)
        summary.add(audited)
        if on_progress is not None:
            on_progress(summary.rows)
    return summary


def audited_chunks(
    source: Iterable[str],
    rule_sets: Sequence[RuleSet],
    *,
    chunk_rows: int = CHUNK_ROWS,
    chunk_characters: int = CHUNK_CHARACTERS,
) -> tuple[list[str], Iterator[tuple[list[list[str]], list[Audited]]]]:
    """The CSV ``source``'s header, and its records a chunk at a time, each chunk audited
    against every rule set in ``rule_sets`` (one `Auditor` each, for the whole stream).

    The header is read and checked at once: raises `InputError` as `audit_file` does.
    """
    lines = iter(source)
    first = next(lines, None)
    skipped = 0
    if first is not None and _separator_hint(first) == ",":  # a spreadsheet's hint: commas
        first, skipped = next(lines, None), 1
    if first is None:
        raise InputError(
            "file",
            "it is empty" if not skipped else "it holds only the line 'sep=,'",
            f"Give a CSV file whose first line names the columns, "
            f"with at least {', '.join(REQUIRED_COLUMNS)}",
        )
    records = _records(itertools.chain([first], lines), skipped)
    try:
        _refuse_other_separators(first)
        header = next(records, None)
        if header is None:
            raise InputError(
                "file",
                "it holds only blank lines",
                f"Give a CSV file whose first line names the columns, "
                f"with at least {', '.join(REQUIRED_COLUMNS)}",
            )
        check_header(header)
    except InputError as error:
        raise _why_unreadable(first) or error from None
    auditors = [Auditor(rule_set) for rule_set in rule_sets]

    def chunks() -> Iterator[tuple[list[list[str]], list[Audited]]]:
        for chunk in _chunks(records, chunk_rows, chunk_characters):
            cells, misshapen = _fit(chunk, len(header))
            columns = dict(zip(header, zip(*cells, strict=True), strict=True))
            outputs = [auditor.columns(columns) for auditor in auditors]
            for audited in outputs:
                for row, problem in misshapen.items():
                    for name in OUTPUT_COLUMNS:
                        audited[name][row] = math.nan if name == "dose_in_rule_units" else ""
                    audited["error"][row] = problem
            yield cells, outputs

    return header, chunks()


def _chunks(records: Iterator[list[str]], rows: int, characters: int) -> Iterator[list[list[str]]]:
    """Records in chunks of at most ``rows`` records and about ``characters`` of text."""
    chunk: list[list[str]] = []
    size = 0
    for record in records:
        chunk.append(record)
        size += sum(map(len, record))
        if len(chunk) >= rows or size >= characters:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


_SEPARATOR_HINT: Final = re.compile(r'"?sep=(.)"?\r?\n?', re.IGNORECASE)
"""Excel's first line naming the separator of the lines after it: sep=; or sep=,"""

SEPARATORS: Final = {";": "semicolons (;)", "\t": "tabs", "|": "vertical bars (|)"}
"""Separators other than commas that a file of orders is found to use, and their names."""

_SAVE_AS_CSV: Final = (
    "Save the file as comma-separated CSV (in a spreadsheet: CSV UTF-8 (Comma delimited)), "
    "or replace the separator with commas"
)

_UTF16_BOMS: Final = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)


def _separator_hint(line: str) -> str | None:
    """The separator a ``sep=`` first line names, if the line is one."""
    hint = _SEPARATOR_HINT.fullmatch(line)
    return None if hint is None else hint.group(1)


def _refuse_other_separators(first: str) -> None:
    """Refuse a ``sep=`` hint naming a separator other than a comma, with what to do."""
    separator = _separator_hint(first)
    if separator is not None and separator != ",":
        raise InputError(
            "file",
            f"its first line, 'sep={printable(separator)}', is a spreadsheet's hint that the "
            f"columns are separated by {SEPARATORS.get(separator, repr(separator))}, and "
            "dosecalc reads commas only",
            _SAVE_AS_CSV,
        )


def _why_unreadable(first: str) -> InputError | None:
    """Why a file whose header is unusable is so, when its first line tells: UTF-16 text
    (NUL between the letters), or columns separated by something other than commas."""
    if "\x00" in first:
        return InputError(
            "file",
            "its first line has NUL characters between the letters: it is UTF-16 text "
            "(a spreadsheet's 'Unicode text'), not UTF-8",
            "Save the file as UTF-8 (in a spreadsheet: CSV UTF-8 (Comma delimited))",
        )
    for separator, name in SEPARATORS.items():
        names = {field.strip().strip('"').strip().lower() for field in first.split(separator)}
        if separator in first and set(REQUIRED_COLUMNS) <= names:
            return InputError(
                "file",
                f"its columns are separated by {name}, not commas (its first line is "
                f"'{printable(first.rstrip(chr(13) + chr(10)))[:80]}')",
                _SAVE_AS_CSV,
            )
    return None


def utf8_lines(binary: Iterable[bytes]) -> Iterator[str]:
    """The lines of a UTF-8 file (a spreadsheet's byte order mark dropped), decoded one at a
    time so that a line that is not UTF-8 is named by its number."""
    for number, line in enumerate(binary, start=1):
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            encoding = next(
                (name for bom, name in _UTF16_BOMS if number == 1 and line.startswith(bom)),
                "UTF-16" if number == 1 and b"\x00" in line else None,
            )
            raise InputError(
                "file",
                f"line {number} is not UTF-8 text"
                + (
                    ""
                    if encoding is None
                    else f": the file is {encoding} text"
                    + (" (a spreadsheet's 'Unicode text')" if encoding == "UTF-16" else "")
                ),
                "Save the file as UTF-8 (in a spreadsheet: CSV UTF-8)",
            ) from None
        yield text.removeprefix("\ufeff") if number == 1 else text


def _records(source: Iterable[str], skipped: int = 0) -> Iterator[list[str]]:
    """The CSV records of ``source``, without blank lines; file problems as `InputError`.

    Read strictly: a quote that is never closed would otherwise swallow every later line
    into one cell, and the audit would end early without a word. ``skipped`` lines (a
    ``sep=,`` hint) came before ``source``, and count in the line numbers named.
    """
    reader = csv.reader(source, strict=True)
    starts = 1
    try:
        for record in reader:
            if record:
                yield record
            starts = reader.line_num + 1
    except csv.Error as error:
        read_to = reader.line_num + skipped
        starts += skipped
        where = (
            f"line {starts}"
            if read_to <= starts
            else f"the record that starts on line {starts} (read to line {read_to})"
        )
        raise InputError(
            "file",
            f"{where} is not valid CSV ({error}; an unclosed or stray quote?)",
            "Fix that record: a cell with a comma, quote or line break goes in double "
            'quotes, and a quote inside it is written twice ("")',
        ) from None


def _fit(chunk: Sequence[list[str]], width: int) -> tuple[list[list[str]], dict[int, str]]:
    """Records padded or cut to the header's width, and why each misshapen one was."""
    misshapen = {}
    for row, record in enumerate(chunk):
        if len(record) != width:
            misshapen[row] = (
                f"file: this record has {len(record)} fields but the header has {width}. "
                "Fix the record (a missing or extra comma?)"
                + ("; the extra fields are not copied" if len(record) > width else "")
            )
            chunk[row][:] = (record + [""] * width)[:width]
    return list(chunk), misshapen


def rules_cell(rule_set: RuleSet) -> str:
    """A filed row's `rules`: the version and SHA-256 it was checked against, and, as every
    face says beside a verdict, when no ward has reviewed them (`UNREVIEWED_TAG`)."""
    unreviewed = sum(reviewed(regimen) is None for regimen in rule_set.regimens)
    said = f"{rule_set.version} sha256:{rule_set.sha256}"
    if unreviewed == len(rule_set.regimens):
        return f"{said}; {UNREVIEWED_TAG}"
    if unreviewed:
        return f"{said}; some {UNREVIEWED_TAG}"
    return said


def _writer(
    destination: TextIO, header: Sequence[str], output_format: OutputFormat, rule_set: RuleSet
) -> Callable[[Sequence[Sequence[str]], Audited], None]:
    keys = [name.strip().lower() for name in header]
    for name, key in zip(header, keys, strict=True):
        if key in FILE_COLUMNS:  # its cells would be overwritten (JSON) or named twice (CSV)
            raise InputError(
                "orders",
                f"there is already a column named '{name}', which the audit adds",
                "Rename or remove that column",
            )
    regimen_at = keys.index("regimen")
    rules = rules_cell(rule_set)

    @functools.cache
    def rule_of(regimen: str) -> Regimen | None:
        """The rule a row's ``regimen`` cell names, as the audit reads it (few distinct)."""
        try:
            return rule_set.find(regimen)
        except DoseCalcError:
            return None

    def supervision(regimen: str) -> str:
        rule = rule_of(regimen)
        return rule.supervision if rule is not None else ""

    @functools.cache
    def bounds_of(regimen: str) -> Bounds | None:
        rule = rule_of(regimen)
        return Bounds.of(rule) if rule is not None else None

    def doses(audited: Audited, regimens: list[str]) -> list[str]:
        """The dose restated, each beside its verdict: never reading as a bound it is beyond."""
        values: list[float] = audited["dose_in_rule_units"].tolist()
        verdicts: list[str] = audited["verdict"].tolist()
        return [
            dose_beside_bounds(value, verdict, bounds_of(regimen))
            for value, verdict, regimen in zip(values, verdicts, regimens, strict=True)
        ]

    @functools.cache
    def headline(outcome: str, verdict: str, warnings: str) -> str:
        """A row's worst finding and what to do, as every face says it (few distinct)."""
        if outcome not in OUTCOME_NAMES:
            return NOT_CHECKED
        action = action_of(outcome, cast(Verdict, verdict), warnings.split("; "))
        return f"{OUTCOME_NAMES[outcome]}: {action}"

    def filed(
        cells: Sequence[Sequence[str]], audited: Audited, *, whole_floats: bool = False
    ) -> list[list[Any]]:
        """The file's columns of one chunk (`FILE_COLUMNS`), as lists; the dose restated as
        text beside its bounds (CSV), or as the whole float (``whole_floats``, JSON)."""
        outcomes: list[str] = audited["outcome"].tolist()
        headlines = list(
            map(headline, outcomes, audited["verdict"].tolist(), audited["warnings"].tolist())
        )
        regimens = [record[regimen_at] for record in cells]
        supervised = [
            supervision(regimen) if outcome else ""  # a row checked: a dose shown
            for regimen, outcome in zip(regimens, outcomes, strict=True)
        ]
        return [
            *(
                doses(audited, regimens)
                if name == "dose_in_rule_units" and not whole_floats
                else audited[name].tolist()
                for name in OUTPUT_COLUMNS
            ),
            headlines,
            [rules] * len(outcomes),
            supervised,
            [EDUCATIONAL_ONLY] * len(outcomes),
        ]

    if output_format == "csv":
        # RFC 4180: CRLF ends a record, so a cell holding a lone CR or LF is quoted too.
        writer = csv.writer(destination, lineterminator="\r\n")
        writer.writerow([*header, *FILE_COLUMNS])

        def write_csv(cells: Sequence[Sequence[str]], audited: Audited) -> None:
            outputs = filed(cells, audited)
            writer.writerows(
                [*record, *out]
                for record, out in zip(cells, zip(*outputs, strict=True), strict=True)
            )

        return write_csv

    repeated = sorted({name for name in header if list(header).count(name) > 1})
    if repeated:
        raise InputError(
            "file",
            f"the header names {', '.join(repr(name) for name in repeated)} more than once, "
            "and a JSON object holds each name once",
            "Rename the repeated columns, or audit to CSV",
        )

    def write_json_lines(cells: Sequence[Sequence[str]], audited: Audited) -> None:
        outputs = filed(cells, audited, whole_floats=True)
        for record, out in zip(cells, zip(*outputs, strict=True), strict=True):
            row: dict[str, Any] = dict(zip(header, record, strict=True))
            row.update(zip(FILE_COLUMNS, out, strict=True))
            if math.isnan(row["dose_in_rule_units"]):
                row["dose_in_rule_units"] = None
            destination.write(printable(json.dumps(row, ensure_ascii=False)) + "\n")

    return write_json_lines


MOST_SIGNIFICANT_FIGURES: Final = 17
"""A double's significant figures: at these, its text reads back as the same double."""


class Bounds(NamedTuple):
    """A rule's range in its unit, exactly and as the nearest doubles (for a quick look)."""

    low: Fraction
    high: Fraction
    low_float: float
    high_float: float

    @classmethod
    def of(cls, rule: Regimen) -> Bounds:
        low, high = Fraction(rule.dose.low), Fraction(rule.dose.high)
        return cls(low, high, float(low), float(high))

    def verdict_of(self, text: str) -> str:
        """Where the decimal ``text`` lies: "below", "within" or "above", bounds inclusive."""
        shown = float(text)
        # Rounding to a double never reorders two numbers, so a strict order of the doubles
        # is the order of the decimals; only a double equal to a bound's is looked at exactly.
        if shown < self.low_float:
            return "below"
        if shown > self.high_float:
            return "above"
        if self.low_float < shown < self.high_float:
            return "within"
        exact = Fraction(text)
        return "below" if exact < self.low else "above" if exact > self.high else "within"


def dose_beside_bounds(value: float, verdict: str, bounds: Bounds | None) -> str:
    """``value`` (a dose in the rule's unit) for a data file: to `DATA_SIGNIFICANT_FIGURES`,
    or to the figures it takes to lie beyond the bound its ``verdict`` says it is beyond
    (35.0000000001 mg/hr at 70 kg is "0.500000000001", above, never "0.5"), nor as
    within a bound it is within (a library's bound of more figures)."""
    text = format_data_number(value)
    if bounds is None or verdict not in VERDICTS or bounds.verdict_of(text) == verdict:
        return text
    for figures in range(DATA_SIGNIFICANT_FIGURES + 1, MOST_SIGNIFICANT_FIGURES + 1):
        text = format_data_number(value, figures)
        if bounds.verdict_of(text) == verdict:
            return text
    return text
