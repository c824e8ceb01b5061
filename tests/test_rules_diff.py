"""`dosecalc rules diff OLD NEW` and `--impact`: what changed between two rule folders, and
which past orders it changes. The expected sentences and verdicts are worked by hand."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import reviewed
from hypothesis import given
from hypothesis import strategies as st
from strategies import REGIMEN_FIELD_VALUES, regimen_edits, regimen_lists, rule_regimens

from dosecalc.foundation.display import format_exact, format_exact_range
from dosecalc.reports.rules_diff import FIELD_WORDS, Change, RuleDiff, diff, diff_regimens
from dosecalc.ruleset import schema
from dosecalc.ruleset.loader import RuleFileInfo, RuleSet, load_rules
from dosecalc.ruleset.schema import DoseRange, Regimen

DEFAULTS = {
    "version": "1.0.0",
    "low": "0.3",
    "high": "0.5",
    "unit": "mg/kg/h",
    "side_effects": '"confusion", "nausea"',
    "quote": "Low Dose: {low}-{high} {unit}",  # a rule carries only what its quote prints
    "extra": "",
    "more": "",
}

RULE_FILE = """schema_version = 1
version = "{version}"

[[regimens]]
id = "iv-infusion"
aliases = ["iv"]
drug = "ketamine"
route = "intravenous infusion"
label = "Low dose"
kind = "weight-based-rate"
dose = {{ low = {low}, high = {high}, unit = "{unit}" }}
side_effects = [{side_effects}]
supervision = "Under a palliative care specialist."
{extra}

[regimens.source]
document = "overview.txt"
description = "General-audience article"
section = "Palliative care"
table = "Table 1"
quote = "{quote}"
{more}
"""

SUBLINGUAL = """
[[regimens]]
id = "{id}"
drug = "ketamine"
route = "sublingual or buccal"
label = "Sublingual/Buccal"
kind = "fixed-dose"
dose = {{ low = 25, high = 50, unit = "mg" }}
side_effects = ["hallucinations"]
supervision = "Under a palliative care specialist."

[regimens.source]
document = "overview.txt"
description = "General-audience article"
section = "Palliative care"
quote = "Sublingual/Buccal: 25-50 mg"
"""


def rule_folder(tmp_path: Path, name: str, **fields: str) -> Path:
    """A small rule folder in ``tmp_path``: one file, the iv regimen with ``fields`` changed."""
    folder = tmp_path / name
    folder.mkdir(parents=True)
    merged = {**DEFAULTS, **fields}
    text = RULE_FILE.format(**{**merged, "quote": merged["quote"].format(**merged)})
    (folder / "ketamine.toml").write_text(text, encoding="utf-8")
    return reviewed(folder)


def requoted(quote: str) -> str:
    """What the diff says of the default folder's quote changed to ``quote``."""
    return f"iv-infusion: source quote 'Low Dose: 0.3-0.5 mg/kg/h' → {quote!r}"


def texts(tmp_path: Path, old: dict[str, str], new: dict[str, str]) -> list[str]:
    """The sentences of the regimens' changes from a folder with ``old`` to one with ``new``."""
    changes = diff(
        load_rules(rule_folder(tmp_path, "old", **old)),
        load_rules(rule_folder(tmp_path, "new", **new)),
    ).changes
    return [change.text for change in changes if change.file is None]


QUOTE = "test: 0.1 to 1.2, 0.1 to 1, 1, 2, 10 or 2400"
"""A limit's quote, printing every figure these tests give a limit."""
CITED = (
    'source = { document = "Ward policy", description = "test data", section = "Limits", '
    f'quote = "{QUOTE}" }}'
)

# --- Hand-worked cases ---


def test_a_raised_high_bound_is_said_with_both_ranges_and_by_how_much(tmp_path):
    assert texts(tmp_path, {}, {"high": "0.6"}) == [
        "iv-infusion: dose range 0.3 to 0.5 mg/kg/hr → 0.3 to 0.6 mg/kg/hr "
        "(high raised by 0.1 mg/kg/hr)",
        requoted("Low Dose: 0.3-0.6 mg/kg/h"),  # a figure changes with its quote
    ]


def test_both_bounds_moved_are_each_said(tmp_path):
    assert texts(tmp_path, {}, {"low": "0.25", "high": "0.45"}) == [
        "iv-infusion: dose range 0.3 to 0.5 mg/kg/hr → 0.25 to 0.45 mg/kg/hr "
        "(low lowered by 0.05 mg/kg/hr; high lowered by 0.05 mg/kg/hr)",
        requoted("Low Dose: 0.25-0.45 mg/kg/h"),
    ]


def test_a_bound_is_shown_with_every_decimal_of_the_file_so_a_small_change_is_seen(tmp_path):
    # 123,456.123456 has 12 significant figures: the display rule would round it to
    # 123,000, and a change in its last decimal would read as no change.
    text, _requoted = texts(tmp_path, {"high": "123456.123456"}, {"high": "123456.123457"})
    assert "0.3 to 123,456.123456 mg/kg/hr → 0.3 to 123,456.123457 mg/kg/hr" in text
    assert text.endswith("(high raised by 0.000001 mg/kg/hr)")


def test_a_unit_change_to_the_same_dose_is_said_as_such(tmp_path):
    # 0.3 mg/kg/hr = 0.3 × 1,000 ÷ 60 = 5 mcg/kg/min; 0.5 mg/kg/hr = 500 ÷ 60 mcg/kg/min,
    # which no decimal writes: so 0.3 to 0.5 mg/kg/hr is written 7.2 to 12 mg/kg/day instead
    # (0.3 × 24 = 7.2, 0.5 × 24 = 12).
    assert texts(tmp_path, {}, {"low": "7.2", "high": "12", "unit": "mg/kg/day"}) == [
        "iv-infusion: dose range 0.3 to 0.5 mg/kg/hr → 7.2 to 12 mg/kg/24 hr "
        "(the unit changed from mg/kg/hr to mg/kg/24 hr: the same dose once converted)",
        requoted("Low Dose: 7.2-12 mg/kg/day"),
    ]


def test_a_unit_change_to_another_dose_is_converted_and_the_difference_said(tmp_path):
    # 5 mcg/kg/min × 60 ÷ 1,000 = 0.3 mg/kg/hr; 8 mcg/kg/min × 60 ÷ 1,000 = 0.48 mg/kg/hr,
    # which is 0.02 mg/kg/hr below 0.5.
    assert texts(tmp_path, {}, {"low": "5", "high": "8", "unit": "mcg/kg/min"}) == [
        "iv-infusion: dose range 0.3 to 0.5 mg/kg/hr → 5 to 8 mcg/kg/min "
        "(the unit changed from mg/kg/hr to mcg/kg/min; converted, 0.3 to 0.48 mg/kg/hr: "
        "high lowered by 0.02 mg/kg/hr)",
        requoted("Low Dose: 5-8 mcg/kg/min"),
    ]


def test_a_unit_spelled_another_way_is_the_same_unit(tmp_path):
    as_quoted = {"quote": "Low Dose: 0.3-0.5 mg/kg/h"}  # the quote unchanged
    assert texts(tmp_path, {}, {"unit": "mg/kg/hr", **as_quoted}) == [
        "iv-infusion: dose range 0.3 to 0.5 mg/kg/hr → 0.3 to 0.5 mg/kg/hr "
        "(the unit written 'mg/kg/h', now 'mg/kg/hr': the same unit)"
    ]


def test_side_effects_added_and_removed_are_named(tmp_path):
    new = {"side_effects": '"confusion", "dizziness"'}
    assert texts(tmp_path, {}, new) == [
        "iv-infusion: side effects added 'dizziness'; removed 'nausea' "
        "(now 'confusion', 'dizziness')"
    ]
    reordered = {"side_effects": '"nausea", "confusion"'}
    assert texts(tmp_path / "again", {}, reordered) == [
        "iv-infusion: side effects 'confusion', 'nausea' → 'nausea', 'confusion' "
        "(the same, reordered)"
    ]


def test_a_citation_change_names_the_citation_field(tmp_path):
    assert texts(tmp_path, {}, {"quote": "Low Dose: 0.3-0.5 mg/kg/hr"}) == [
        "iv-infusion: source quote 'Low Dose: 0.3-0.5 mg/kg/h' → 'Low Dose: 0.3-0.5 mg/kg/hr'"
    ]


def test_review_fields_added_are_said(tmp_path):
    extra = 'reviewed_by = "A. Pharmacist"\nreview_date = 2025-03-01'
    assert texts(tmp_path, {}, {"extra": extra}) == [
        "iv-infusion: reviewed by none → 'A. Pharmacist'",
        "iv-infusion: review date none → 2025-03-01",
    ]


def test_limits_added_and_changed_are_said_with_their_figures(tmp_path):
    old = f'hard_limits = {{ low = 0.1, high = 1, unit = "mg/kg/h", {CITED} }}\n' + (
        f'max_per_24h = {{ value = 2400, unit = "mg", {CITED} }}'
    )
    new = (
        f'hard_limits = {{ low = 0.1, high = 1.2, unit = "mg/kg/h", {CITED} }}\n'
        f'max_per_24h = {{ value = 2, unit = "g", {CITED} }}\n'
        f'standard_concentrations = [{{ value = 1, unit = "mg/mL", {CITED} }}]'
    )
    # 2 g = 2,000 mg, 400 mg less than 2,400 mg.
    assert texts(tmp_path, {"extra": old}, {"extra": new}) == [
        "iv-infusion: hard limits 0.1 to 1 mg/kg/hr → 0.1 to 1.2 mg/kg/hr "
        "(high raised by 0.2 mg/kg/hr)",
        "iv-infusion: maximum per 24 hours 2,400 mg → 2 g (lowered by 400 mg)",
        "iv-infusion: standard concentrations added 1 mg/mL (now 1 mg/mL)",
    ]


def test_a_regimen_added_removed_or_renamed_is_said(tmp_path):
    added = texts(tmp_path, {}, {"more": SUBLINGUAL.format(id="sublingual-buccal")})
    assert added == [
        "sublingual-buccal: regimen added: ketamine, sublingual or buccal "
        "('Sublingual/Buccal'), 25 to 50 mg ('fixed-dose')"
    ]
    removed = texts(tmp_path / "2", {"more": SUBLINGUAL.format(id="sl")}, {})
    assert removed == [
        "sl: regimen removed: ketamine, sublingual or buccal ('Sublingual/Buccal'), "
        "25 to 50 mg ('fixed-dose')"
    ]
    renamed = texts(
        tmp_path / "3",
        {"more": SUBLINGUAL.format(id="sl")},
        {"more": SUBLINGUAL.format(id="sublingual-buccal")},
    )
    assert renamed == [
        "sublingual-buccal: renamed from 'sl' (same drug, route and label); "
        "an order naming 'sl' no longer finds it"
    ]


def test_a_rename_that_keeps_the_old_id_as_an_alias_says_the_old_id_still_finds_it(tmp_path):
    [regimen] = load_rules(rule_folder(tmp_path, "old")).regimens
    renamed = regimen.model_copy(update={"id": "iv-continuous", "aliases": ("iv", "iv-infusion")})
    assert [c.text for c in diff_regimens([regimen], [renamed])] == [
        "iv-continuous: renamed from 'iv-infusion' (same drug, route and label); "
        "'iv-infusion' still finds it",
        "iv-continuous: aliases added 'iv-infusion' (now 'iv', 'iv-infusion')",
    ]


def test_an_amount_in_another_unit_is_converted_and_a_kind_change_is_not(tmp_path):
    [regimen] = load_rules(rule_folder(tmp_path, "old")).regimens
    cited = schema.Citation(
        document="Ward policy", description="test", section="A", quote="2400 mg (2.4 g)"
    )
    before = regimen.model_copy(
        update={"max_per_24h": schema.Amount(value=2400, unit="mg", source=cited)}
    )
    after = regimen.model_copy(
        update={"max_per_24h": schema.Amount(value="2.4", unit="g", source=cited)}
    )
    # 2.4 g × 1,000 = 2,400 mg.
    assert [c.text for c in diff_regimens([before], [after])] == [
        "iv-infusion: maximum per 24 hours 2,400 mg → 2.4 g (the same once converted)"
    ]
    fixed = regimen.model_copy(
        update={"kind": "fixed-dose", "dose": DoseRange(low=25, high=50, unit="mg")}
    )
    assert [c.text for c in diff_regimens([regimen], [fixed])] == [
        "iv-infusion: kind 'weight-based-rate' → 'fixed-dose'",
        "iv-infusion: dose range 0.3 to 0.5 mg/kg/hr → 25 to 50 mg (the unit changed from "
        "mg/kg/hr to mg: a different kind of dose, not comparable)",
    ]


def test_a_file_added_or_removed_is_said_with_its_version_and_sha256(tmp_path):
    old = rule_folder(tmp_path, "old")
    new = rule_folder(tmp_path, "new")
    (new / "more.toml").write_text(
        'schema_version = 1\nversion = "2.0"\n' + SUBLINGUAL.format(id="sl"), encoding="utf-8"
    )
    reviewed(new)
    more = load_rules(new).files[1]
    forwards = diff(load_rules(old), load_rules(new)).changes
    assert [c.text for c in forwards] == [
        f"more.toml: file added (version 2.0, sha256 {more.sha256})",
        "sl: regimen added: ketamine, sublingual or buccal ('Sublingual/Buccal'), 25 to 50 mg "
        "('fixed-dose')",
    ]
    backwards = diff(load_rules(new), load_rules(old)).changes
    assert backwards[0].text == f"more.toml: file removed (version 2.0, sha256 {more.sha256})"
    assert "added: sl; removed: none." in diff(load_rules(old), load_rules(new)).summary()


def test_a_file_edited_without_a_version_bump_is_said_to_need_one(tmp_path):
    old, new = rule_folder(tmp_path, "old"), rule_folder(tmp_path, "new", high="0.6")
    changes = diff(load_rules(old), load_rules(new)).changes
    [sha] = [c for c in changes if c.field == "sha256"]
    assert sha.text.endswith("its version is still 1.0.0: a reviewed change bumps the version")
    bumped = rule_folder(tmp_path, "bumped", high="0.6", version="1.1.0")
    files = [c.text for c in diff(load_rules(old), load_rules(bumped)).changes if c.file]
    assert files[0] == "ketamine.toml: version 1.0.0 → 1.1.0"
    assert "still" not in files[1]


def test_the_summary_counts_the_changes_and_names_what_changed(tmp_path):
    old, new = rule_folder(tmp_path, "old"), rule_folder(tmp_path, "new", high="0.6")
    result = diff(load_rules(old), load_rules(new))
    assert result.summary() == (  # the file, the range and its quote
        "3 changes: files changed: ketamine.toml; regimens changed: iv-infusion; "
        "added: none; removed: none."
    )
    same = diff(load_rules(old), load_rules(old))
    assert same.changes == ()
    assert same.summary() == "No changes: both rule sets are version ketamine@1.0.0."


# --- Properties ---


def test_every_field_of_a_regimen_has_words_and_generated_values():
    """A field added to the schema fails here until the diff says it and the tests edit it."""
    assert set(FIELD_WORDS) == set(Regimen.model_fields)
    assert set(REGIMEN_FIELD_VALUES) == set(Regimen.model_fields)
    assert set(DoseRange.model_fields) == {"low", "high", "unit"}  # all said by the range words


def rule_set(regimens, version="1") -> RuleSet:
    return RuleSet(Path("rules"), (RuleFileInfo("a.toml", version, "0" * 64),), tuple(regimens))


@given(regimen_lists())
def test_a_rule_set_compared_with_itself_has_no_changes(regimens):
    assert diff(rule_set(regimens), rule_set(regimens)).changes == ()


@given(regimen_edits())
def test_a_single_field_edit_is_reported_and_only_it(edit):
    regimen, name, value = edit
    edited = regimen.model_copy(update={name: value})
    changes = diff_regimens([regimen], [edited])
    assert changes
    assert all(c.field == name or c.field.startswith(f"{name}.") for c in changes)
    assert all(c.regimen == edited.id and c.file is None for c in changes)


def _mirrored(changes: tuple[Change, ...], swap: bool) -> list[str]:
    return sorted(
        json.dumps([c.field, c.new, c.old] if swap else [c.field, c.old, c.new]) for c in changes
    )


@given(regimen_lists(), regimen_lists())
def test_a_diff_backwards_is_the_mirror_image_of_the_diff_forwards(old, new):
    forwards, backwards = diff_regimens(old, new), diff_regimens(new, old)
    assert _mirrored(forwards, swap=False) == _mirrored(backwards, swap=True)


@given(rule_regimens(), st.data())
def test_a_moved_bound_is_said_raised_one_way_and_lowered_the_other(regimen, data):
    high = data.draw(st.decimals(min_value=regimen.dose.low, max_value=Decimal(1_000_000)))
    high = high.quantize(Decimal("0.000001")).normalize()
    edited = regimen.model_copy(update={"dose": regimen.dose.model_copy(update={"high": high})})
    if edited.dose.high == regimen.dose.high:
        return
    [forwards], [backwards] = diff_regimens([regimen], [edited]), diff_regimens([edited], [regimen])
    low, old_high = regimen.dose.quantities()
    by = format_exact(abs(edited.dose.quantities()[1] - old_high))
    up, down = (forwards, backwards) if high > regimen.dose.high else (backwards, forwards)
    assert up.text.endswith(f"(high raised by {by})")
    assert down.text.endswith(f"(high lowered by {by})")
    assert format_exact_range(low, old_high) in forwards.text


# --- Impact on past orders ---

# Hand-worked: the iv range narrowed from 0.3-0.5 to 0.3-0.4 mg/kg/hr.
#   row 1  0.45 mg/kg/hr: within 0.3-0.5, above 0.3-0.4              -> listed
#   row 2  0.35 mg/kg/hr: within both                                 -> not listed
#   row 3  28 mg/hr at 70 kg = 0.4 mg/kg/hr: within both (on the new high bound)
#   row 4  29.4 mg/hr at 70 kg = 0.42 mg/kg/hr: within, then above    -> listed
#   row 5  4.5 mg/kg/hr: above both; 9 × 0.5, and ÷ 10 = 0.45 fits 0.3-0.5 (a decimal slip);
#          11.25 × 0.4 (10 or more times), and 0.45 no longer fits     -> listed, flags only
#   row 6  30 mg sublingual: within 25-50, unchanged                  -> not listed
#   row 7  a weight with no unit: not checked under both              -> not listed
ORDERS = """id,weight,regimen,dose
1,70 kg,iv,0.45 mg/kg/hr
2,70 kg,iv,0.35 mg/kg/hr
3,70 kg,iv,28 mg/hr
4,70 kg,iv,29.4 mg/hr
5,70 kg,iv,4.5 mg/kg/hr
6,70 kg,sl,30 mg
7,70,iv,0.45 mg/kg/hr
"""


@pytest.fixture
def narrowed(tmp_path: Path) -> tuple[Path, Path, Path]:
    sublingual = SUBLINGUAL.format(id="sl")
    old = rule_folder(tmp_path, "old", more=sublingual)
    new = rule_folder(tmp_path, "new", high="0.4", version="1.1.0", more=sublingual)
    orders = tmp_path / "orders.csv"
    orders.write_text(ORDERS, encoding="utf-8")
    return old, new, orders


def test_impact_lists_each_order_whose_verdict_or_flags_change_with_both(narrowed):
    from dosecalc.reports.impact import impact

    old, new, orders = narrowed
    with orders.open(encoding="utf-8", newline="") as source:
        result = impact(source, load_rules(old), load_rules(new))
    assert [c.row for c in result.changes] == [1, 4, 5]
    assert [(c.old["verdict"], c.new["verdict"]) for c in result.changes] == [
        ("within", "above"),
        ("within", "above"),
        ("above", "above"),
    ]
    assert result.changes[0].text() == (
        "row 1 (weight 70 kg, regimen iv, dose 0.45 mg/kg/hr): within → above"
    )
    assert result.changes[2].text() == (
        "row 5 (weight 70 kg, regimen iv, dose 4.5 mg/kg/hr): above → above; "
        "probable entry error: possibly decimal point one place out (÷ 10) → "
        "10 or more times the upper bound"
    )
    assert result.summary() == (
        "3 of 7 orders change outcome: 2 within → above, 1 above, its flags changed."
    )


def test_impact_lists_an_order_that_a_new_regimen_lets_be_checked(tmp_path):
    from dosecalc.reports.impact import impact

    old = rule_folder(tmp_path, "old")
    new = rule_folder(tmp_path, "new", more=SUBLINGUAL.format(id="sl"))
    orders = ["weight,regimen,dose\n", "70 kg,sl,30 mg\n", "70 kg,bogus,30 mg\n"]
    result = impact(orders, load_rules(old), load_rules(new))
    [change] = result.changes  # the unknown regimen stays unknown: its words change, not it
    assert change.row == 1
    assert change.text().startswith("row 1 (weight 70 kg, regimen sl, dose 30 mg): not checked (")
    # Within the new range for one dose; how often it is given is not checked (no maximum).
    assert ") → within; outcome: none → max-per-24h-not-checked" in change.text()


# --- The command ---


def run(
    *args: str, stdin: str | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dosecalc", "rules", "diff", *args],
        capture_output=True,
        text=True,
        input=stdin,
        cwd=cwd,
        check=False,
    )


@pytest.mark.subprocess
def test_the_command_exits_0_when_nothing_changed_1_when_something_did_2_on_error(narrowed):
    old, new, _orders = narrowed
    same = run(str(old), str(old))
    assert (same.returncode, same.stderr) == (0, "")
    assert same.stdout.endswith("No changes: both rule sets are version ketamine@1.0.0.\n")
    changed = run(str(old), str(new))
    assert (changed.returncode, changed.stderr) == (1, "")
    assert (
        "iv-infusion: dose range 0.3 to 0.5 mg/kg/hr → 0.3 to 0.4 mg/kg/hr "
        "(high lowered by 0.1 mg/kg/hr)\n" in changed.stdout
    )
    missing = run(str(old), str(old.parent / "nowhere"))
    assert (missing.returncode, missing.stdout) == (2, "")
    assert missing.stderr.startswith("dosecalc: rules folder ")
    assert missing.stderr.count("\n") == 1


@pytest.mark.subprocess
def test_the_command_with_impact_lists_the_changed_orders_in_words_and_json(narrowed):
    old, new, orders = narrowed
    text = run(str(old), str(new), "--impact", str(orders))
    assert text.returncode == 1
    assert "row 4 (weight 70 kg, regimen iv, dose 29.4 mg/hr): within → above\n" in text.stdout
    assert text.stdout.endswith(
        "3 of 7 orders change outcome: 2 within → above, 1 above, its flags changed.\n"
    )
    as_json = json.loads(run(str(old), str(new), "--impact", "-", "--json", stdin=ORDERS).stdout)
    assert as_json["impact"]["orders"] == 7
    assert [row["row"] for row in as_json["impact"]["changed"]] == [1, 4, 5]
    [dose] = [c for c in as_json["changes"] if c["field"] == "dose"]
    assert (dose["old"], dose["new"]) == (
        {"low": 0.3, "high": 0.5, "unit": "mg/kg/h"},
        {"low": 0.3, "high": 0.4, "unit": "mg/kg/h"},
    )


@pytest.mark.subprocess
def test_an_orders_file_that_cannot_be_audited_is_an_error(narrowed, tmp_path):
    old, new, _ = narrowed
    (tmp_path / "bad.csv").write_text("weight,dose\n70 kg,30 mg\n", encoding="utf-8")
    result = run(str(old), str(new), "--impact", str(tmp_path / "bad.csv"))
    assert (result.returncode, result.stdout) == (2, "")
    assert "no 'regimen' column" in result.stderr


@pytest.mark.subprocess
def test_the_readme_states_the_impact_its_example_has(tmp_path):
    from conftest import REPO

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    [(command, stated)] = re.findall(
        r"^dosecalc rules diff (.*--impact.*?)\s+# exit 1: .*'(.*orders change outcome)'$",
        readme,
        flags=re.MULTILINE,
    )
    result = run(*command.split(), cwd=REPO)
    assert result.returncode == 1
    assert f"\n{stated}: " in result.stdout


def test_the_command_in_process_prints_the_diff_and_the_impact(narrowed, run_cli):
    old, new, orders = narrowed
    code, out, err = run_cli("rules", "diff", str(old), str(new), "--impact", str(orders))
    assert (code, err) == (1, "")
    assert f"\nImpact on the orders in {orders}:\nrow 1 (" in out
    code, out, _ = run_cli("rules", "diff", str(old), str(new), "--impact", str(orders), "--json")
    assert code == 1
    [first, *_] = json.loads(out)["impact"]["changed"]
    assert (first["row"], first["order"]) == (
        1,
        {"weight": "70 kg", "regimen": "iv", "dose": "0.45 mg/kg/hr"},
    )
    assert (first["old"]["verdict"], first["new"]["verdict"]) == ("within", "above")
    assert first["old"]["error"] == first["new"]["error"] == ""
    code, out, _ = run_cli("rules", "diff", str(old), str(old), "--impact", str(orders))
    assert code == 0
    assert out.endswith("\nNo order of 7 changes outcome.\n")


def test_a_limit_whose_citation_alone_changes_is_said_as_a_change_of_its_source(tmp_path):
    old = f'hard_limits = {{ low = 0.1, high = 1, unit = "mg/kg/h", {CITED} }}'
    new = old.replace(QUOTE, f"{QUOTE}, revised")
    assert texts(tmp_path, {"extra": old}, {"extra": new}) == [
        f"iv-infusion: hard limits source quote '{QUOTE}' → '{QUOTE}, revised'"
    ]


def test_a_standard_concentration_rewritten_or_recited_is_said_as_such_not_added_and_removed(
    tmp_path,
):
    old = f'standard_concentrations = [{{ value = 2, unit = "mg/mL", {CITED} }}]'
    rewritten = old.replace('value = 2, unit = "mg/mL"', 'value = 10, unit = "mg/5 mL"')
    assert texts(tmp_path / "a", {"extra": old}, {"extra": rewritten}) == [
        "iv-infusion: standard concentrations 2 mg/mL written '2 mg/mL' → '10 mg/5 mL' "
        "(the same strength)"
    ]
    recited = old.replace(QUOTE, f"{QUOTE}, revised")
    assert texts(tmp_path / "b", {"extra": old}, {"extra": recited}) == [
        f"iv-infusion: standard concentrations 2 mg/mL source quote '{QUOTE}' → '{QUOTE}, revised'"
    ]
    added = old.replace("}]", f'}}, {{ value = 1, unit = "mg/mL", {CITED} }}]')
    assert texts(tmp_path / "c", {"extra": old}, {"extra": added}) == [
        "iv-infusion: standard concentrations added 1 mg/mL (now 2 mg/mL, 1 mg/mL)"
    ]


def test_a_limit_in_json_keeps_its_citation(tmp_path):
    old = f'hard_limits = {{ low = 0.1, high = 1, unit = "mg/kg/h", {CITED} }}'
    new = old.replace("high = 1,", "high = 1.2,")
    changes = diff(
        load_rules(rule_folder(tmp_path, "old", extra=old)),
        load_rules(rule_folder(tmp_path, "new", extra=new)),
    ).changes
    [limits] = [c for c in changes if c.field == "hard_limits"]
    assert limits.old["source"]["document"] == "Ward policy"
    assert limits.new["high"] == 1.2


# --- Words, never Python's own text ---

PYTHON_REPR = re.compile(
    r"\b[A-Z]\w*\(\w+=|\bDecimal\(|\bFraction\(|\bdatetime\.date\(|\bdate\(\d|\b[a-z_]+='"
)
"""What a value printed by Python looks like: ``RouteCode(route=``, ``Decimal('0.5')``,
``datetime.date(2025, 1, 15)``, a model's own text ``route='iv' code='1'``."""


def assert_in_words(result: RuleDiff) -> None:
    for text in [*result.lines(), json.dumps(result.as_json(), ensure_ascii=False)]:
        assert not PYTHON_REPR.search(text), text


def _rule_set_pair(data: st.DataObject) -> tuple[RuleSet, RuleSet]:
    if data.draw(st.booleans()):
        regimen, name, value = data.draw(regimen_edits())
        old, new = [regimen], [regimen.model_copy(update={name: value})]
    else:
        old, new = data.draw(regimen_lists()), data.draw(regimen_lists())
    versions = data.draw(st.lists(st.sampled_from(["1", "1.1.0", "2"]), min_size=2, max_size=2))
    return rule_set(old, versions[0]), rule_set(new, versions[1])


@given(st.data())
def test_no_rules_diff_says_a_value_as_python_prints_it(data):
    old, new = _rule_set_pair(data)
    assert_in_words(diff(old, new))
    assert_in_words(diff(new, old))


def test_a_route_code_removed_is_said_in_words(tmp_path):
    shipped = load_rules()
    [first, *rest] = shipped.regimens
    uncoded = RuleSet(
        shipped.path, shipped.files, (first.model_copy(update={"route_codes": ()}), *rest)
    )
    [change] = diff(shipped, uncoded).changes
    code = first.route_codes[0]
    assert change.text.startswith(
        f"{first.id}: route codes removed '{code.route}' coded {code.code} ('{code.display}') "
        f"in {code.system}"
    )
    assert_in_words(diff(shipped, uncoded))
