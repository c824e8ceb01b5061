"""The printable report: everything a paper chart needs, escaped, and on one page."""

from __future__ import annotations

import html
import json
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from by_hand import lines
from conftest import REPO, reviewed

import dosecalc
from dosecalc.foundation.disclaimer import SHORT_DISCLAIMER
from dosecalc.reports.contents import EQUAL_STEPS_TITLE, bind_units
from dosecalc.reports.document import render_html, render_markdown
from dosecalc.reports.formats import FORMATS, render, render_check, render_prepare

MADE_AT = datetime(2026, 11, 24, 14, 5, tzinfo=UTC)
LONGEST = {  # every optional row, a titration table with pump rates, notes
    "weight": "95 kg",
    "regimen": "iv",
    "height": "5 ft 7 in",
    "sex": "female",
    "basis": "adjusted",
    "concentration": "1 mg/mL",
}
WITH_WARNINGS = {"weight": "250 kg", "regimen": "iv", "concentration": "50 mg/5 mL"}
SUBLINGUAL = {"weight": "154 lb", "regimen": "sublingual", "concentration": "50 mg/5 mL"}
RENDERERS = [render_markdown, render_html]


def plain(report: str) -> str:
    """The report's words: tags and Markdown escapes dropped, entities decoded."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", report))
    return " ".join(re.sub(r"\\(.)", r"\1", text).split())


@pytest.mark.parametrize("renderer", RENDERERS)
@pytest.mark.parametrize("inputs", [LONGEST, WITH_WARNINGS, SUBLINGUAL])
def test_the_report_holds_everything_a_chart_needs(renderer, inputs):
    result = dosecalc.calculate(**inputs)
    text = plain(renderer(result, MADE_AT))
    expected = [
        *inputs.values(),  # the inputs, as entered
        result.patient.display["weight"],
        result.rule_range.display,
        result.dose.display,
        *result.side_effects,
        result.supervision,
        *lines(result.basis.weight_steps),
        str(result.basis.formula),
        *lines(result.basis.steps),
        result.basis.source_quote,
        result.basis.rules_version,
        result.basis.rules_sha256,
        "Made 2026-11-24 14:05 UTC",
        result.disclaimer,
        *(warning.message for warning in result.warnings),
        *result.notes,
    ]
    if result.dosing_weight is not None:
        expected.append(result.dosing_weight.display)
    for step in result.titration:
        expected += step.display.values()
    for shown in (result.pump_rate, result.volume, result.dose_per_24h):
        if shown is not None:
            expected.append(shown.display)
    for piece in expected:
        assert plain(piece) in text, piece


@pytest.mark.parametrize("renderer", RENDERERS)
def test_the_disclaimer_comes_before_any_dose(renderer):
    result = dosecalc.calculate(**LONGEST)
    report = plain(renderer(result, MADE_AT))
    assert report.index(plain(SHORT_DISCLAIMER)) < report.index(result.dose.display)
    assert result.disclaimer in report


def test_rule_text_is_shown_literally_never_as_markup(rules_copy):
    path = rules_copy / "ketamine-palliative.toml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            '"blurred vision"', '"<script>alert(1)</script> | *bold* _x_ [link](y)"'
        ),
        encoding="utf-8",
    )
    result = dosecalc.calculate(weight="70 kg", regimen="iv", rules=reviewed(rules_copy))
    page = render_html(result, MADE_AT)
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    markdown = render_markdown(result, MADE_AT)
    assert r"\<script\>alert(1)\</script\> \| \*bold\* \_x\_ \[link\](y)" in markdown


def test_the_html_page_loads_nothing_from_anywhere():
    page = render_html(dosecalc.calculate(**LONGEST), MADE_AT)
    assert not re.search(r"<(script|link|img|iframe)\b", page)
    assert "url(" not in page
    assert "@media print" in page


def test_markdown_tables_have_a_separator_row_per_column():
    result = dosecalc.calculate(**LONGEST)
    markdown = render_markdown(result, MADE_AT)
    per_kg = bind_units(result.rule_range.qualifier)  # which kg: "per kg of dosing weight (…)"
    assert f"## {EQUAL_STEPS_TITLE}, {per_kg}\n" in markdown.replace("\\", "")
    header = "| rate per kg | dose rate | pump rate |\n|---:|---:|---:|\n"
    assert header in markdown
    first = result.titration[0].display
    row = f"| {bind_units(first['rate_per_kg'])} | {bind_units(first['dose_rate'])} |"
    assert row in markdown


def test_without_a_time_the_report_says_when_it_was_made():
    before = datetime.now().astimezone().replace(second=0, microsecond=0)
    report = render_markdown(dosecalc.calculate(weight="70 kg", regimen="iv"))
    made = re.search(r"Made (\d{4}-\d\d-\d\d \d\d:\d\d)", report)
    assert made is not None
    assert datetime.strptime(made.group(1), "%Y-%m-%d %H:%M") >= before.replace(tzinfo=None)


@pytest.mark.parametrize("name", ["markdown", "html"])
def test_the_command_line_writes_the_report(run_cli, name):
    code, out, err = run_cli(
        "calc", "--weight", "70 kg", "--regimen", "iv", "--format", name
    )  # fmt: skip
    assert (code, err) == (0, "")
    expected = render(dosecalc.calculate(weight="70 kg", regimen="iv"), name)
    assert undated(out) == undated(expected)
    assert bind_units("21 to 35 mg/hr") in out


def undated(report: str) -> str:
    return re.sub(r"Made [^<\n]*", "Made", report)


def test_an_unknown_format_is_refused_by_name():
    result = dosecalc.calculate(weight="70 kg", regimen="iv")
    with pytest.raises(ValueError, match="no format called 'pdf'"):
        render(result, "pdf")
    assert set(FORMATS) == {"text", "json", "fhir", "markdown", "html"}


def pages_printed(chromium: list[str], page: str, folder: Path) -> int:
    """How many pages Chromium prints ``page`` on."""
    source, pdf = folder / "report.html", folder / "report.pdf"
    source.write_text(page, encoding="utf-8")
    subprocess.run(
        [*chromium, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", source.as_uri()],
        capture_output=True,
        check=True,
        timeout=60,
    )
    counts = re.findall(rb"/Type\s*/Pages\b.*?/Count\s+(\d+)", pdf.read_bytes(), re.DOTALL)
    assert counts, "no page tree in the PDF"
    return int(counts[0])


def longest_pages() -> dict[str, str]:
    """The longest reports of each kind: a calculation, a check with an entry error and
    every warning, and a calculation saved with its check (as the app saves it)."""
    worst = {**WITH_WARNINGS, "height": "5 ft 7 in", "sex": "female", "basis": "adjusted"}
    result = dosecalc.calculate(**worst)
    check = dosecalc.check(**worst, dose="400 mL/hr")
    pages = {
        f"calc {inputs['weight']}": render_html(dosecalc.calculate(**inputs), MADE_AT)
        for inputs in (LONGEST, WITH_WARNINGS, SUBLINGUAL)
    }
    pages["check"] = render_check(check, "html", MADE_AT)
    pages["calc with check"] = render(result, "html", MADE_AT, check=check)
    pages["prepare range"] = render_prepare(
        dosecalc.prepare(**LONGEST_PREPARATION, show_recipe_anyway=True), "html", MADE_AT
    )
    refused = dosecalc.prepare(**REFUSED_PREPARATION, show_recipe_anyway=True)
    pages["prepare refused, recipe anyway"] = render_prepare(refused, "html", MADE_AT)
    return pages


LONGEST_PREPARATION = {  # two preparations, vials, and every warning a preparation has
    "weight": "250 kg",
    "regimen": "iv",
    "height": "5 ft 7 in",
    "sex": "female",
    "stock": "500 mg/mL",
    "final_volume": "1000 mL",
    "duration": "20 min",
    "vial_volume": "0.5 mL",
}
REFUSED_PREPARATION = {
    "regimen": "driver",
    "dose": "40 mg/hr",
    "stock": "100 mg/mL",
    "final_volume": "20 mL",
    "duration": "24 hr",
    "vial_volume": "10 mL",
    "rules": REPO / "examples" / "hospital-library",
}


@pytest.mark.subprocess
@pytest.mark.parametrize("paper", ["A4", "letter"])
@pytest.mark.parametrize("kind", list(longest_pages()))
def test_the_html_report_prints_on_one_page(chromium, tmp_path, paper, kind):
    page = longest_pages()[kind]
    page = page.replace("</style>", f"@page {{ size: {paper}; }}</style>")
    assert pages_printed(chromium, page, tmp_path) == 1


@pytest.mark.subprocess
def test_the_page_count_would_see_a_second_page(chromium, tmp_path):
    page = render_html(dosecalc.calculate(**LONGEST), MADE_AT)
    longer = page.replace("</body>", "<p>filler</p>" * 200 + "</body>")
    assert pages_printed(chromium, longer, tmp_path) > 1


def test_with_no_warnings_and_no_notes_there_is_no_empty_section(rules_copy):
    path = rules_copy / "ketamine-palliative.toml"
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"source_does_not_specify = \[[^\]]*\]\n", "", text)
    path.write_text(text, encoding="utf-8")
    result = dosecalc.calculate(weight="70 kg", regimen="iv", rules=reviewed(rules_copy))
    assert (result.warnings, result.notes) == ((), ())
    markdown = render_markdown(result, MADE_AT)
    assert "## Warnings" not in markdown
    assert "## Notes" not in markdown
    assert "## Notes" in render_markdown(dosecalc.calculate(weight="70 kg", regimen="iv"))
    assert "## Warnings" in render_markdown(dosecalc.calculate(**WITH_WARNINGS))


# Run in the page by Chromium: every word (no-break spaces bind a number to its unit, so
# "21 to 35 mg/hr" is one word) that layout split over lines, and any sideways overflow.
# Only a SHA-256 may break: it is longer than a phone is wide.
SPLIT_WORDS = """<script>
const split = [];
const root = document.documentElement;
if (root.scrollWidth > root.clientWidth + 1) split.push("overflow " + root.scrollWidth);
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let node = walker.nextNode(); node; node = walker.nextNode()) {
  for (const word of node.textContent.matchAll(/[^ \\t\\n-]+-?/g)) {
    const range = document.createRange();
    range.setStart(node, word.index);
    range.setEnd(node, word.index + word[0].length);
    const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
    if (lines.size > 1 && !/^[0-9a-f]{64}$/.test(word[0])) split.push(word[0]);
  }
}
document.body.dataset.split = JSON.stringify(split);
</script>"""


def words_split_at(chromium: list[str], page: str, folder: Path, width: int) -> list[str]:
    """The words Chromium splits over lines (or overflow) at ``width`` CSS pixels."""
    source = folder / "narrow.html"
    source.write_text(page.replace("</body>", SPLIT_WORDS + "</body>"), encoding="utf-8")
    run = subprocess.run(
        [*chromium, f"--window-size={width},3000", "--dump-dom", source.as_uri()],
        capture_output=True,
        check=True,
        timeout=60,
        text=True,
    )
    found = re.search(r'data-split="([^"]*)"', run.stdout)
    assert found is not None, "the measuring script did not run"
    return json.loads(html.unescape(found[1]))


@pytest.mark.subprocess
@pytest.mark.parametrize("kind", list(longest_pages()))
def test_at_phone_width_no_dose_or_word_is_split_over_lines(chromium, tmp_path, kind):
    assert words_split_at(chromium, longest_pages()[kind], tmp_path, 360) == []


@pytest.mark.subprocess
def test_the_phone_width_test_would_see_a_dose_wrapped_one_character_a_line(chromium, tmp_path):
    page = longest_pages()["check"].replace(
        "</style>", "dd { width: 1ch; overflow-wrap: anywhere; }</style>"
    )
    assert words_split_at(chromium, page, tmp_path, 360) != []
