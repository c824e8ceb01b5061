"""Rule files: exactly the source's Table 1, validated, refused whole when broken."""

from __future__ import annotations

import hashlib
import json
import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import DATA, REPO, reviewed
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

import dosecalc
from dosecalc import RulesError, UnknownRegimenError, load_rules
from dosecalc.foundation.units import (
    parse_dose_unit,
)
from dosecalc.ruleset import loader
from dosecalc.ruleset.schema import RuleFile


def test_the_shipped_rules_hold_exactly_table_1_of_the_source():
    rules = load_rules()
    iv, sl = rules.find("iv-infusion"), rules.find("sublingual-buccal")
    assert (iv.kind, iv.dose.low, iv.dose.high, iv.dose.unit) == (
        "weight-based-rate",
        Decimal("0.3"),
        Decimal("0.5"),
        "mg/kg/h",
    )
    assert iv.route == "intravenous infusion"
    assert iv.side_effects == ("confusion", "nausea", "dizziness", "blurred vision")
    assert (sl.kind, sl.dose.low, sl.dose.high, sl.dose.unit) == ("fixed-dose", 25, 50, "mg")
    assert sl.route == "sublingual or buccal"
    assert sl.side_effects == ("disorientation", "hallucinations", "prolonged sedation")
    assert len(rules.regimens) == 2
    for regimen in rules.regimens:
        assert regimen.drug == "ketamine"
        assert regimen.hard_limits is None
        assert regimen.max_per_24h is None
        assert regimen.standard_concentrations == ()


def test_every_quoted_row_and_the_supervision_statement_are_in_the_source_document():
    source = (DATA / "source" / "ketamine-overview-palliative-care.txt").read_text(encoding="utf-8")
    for regimen in load_rules().regimens:
        assert regimen.supervision in source
        assert regimen.source.section in source
        assert regimen.source.table in source
        cells = [cell.strip() for cell in regimen.source.quote.split("|")]
        row = next(line for line in source.splitlines() if line.startswith(cells[0]))
        assert [cell.strip() for cell in row.split("|") if cell.strip()] == cells


@pytest.mark.parametrize(
    ("name", "regimen_id"),
    [
        ("iv", "iv-infusion"),
        ("IV", "iv-infusion"),
        (" iv-infusion ", "iv-infusion"),
        ("sublingual", "sublingual-buccal"),
        ("buccal", "sublingual-buccal"),
        ("sl", "sublingual-buccal"),
        ("SL", "sublingual-buccal"),
    ],
)
def test_regimens_are_found_by_id_or_alias(name, regimen_id):
    assert load_rules().find(name).id == regimen_id


@pytest.mark.parametrize("name", ["im", "subcutaneous", "", "iv infusion", None, 3])
def test_an_unknown_regimen_is_refused_with_the_choices(name):
    with pytest.raises(UnknownRegimenError, match="Use one of: 'iv-infusion'") as raised:
        load_rules().find(name)
    assert raised.value.field == "regimen"


def test_the_committed_json_schema_matches_the_pydantic_models():
    committed = json.loads((REPO / "rules" / "schema.json").read_text(encoding="utf-8"))
    assert committed == RuleFile.model_json_schema(), (
        "rules/schema.json is stale: run `dosecalc rules --schema > rules/schema.json`"
    )


def test_version_lists_each_file_and_the_hash_covers_every_byte(rules_copy: Path):
    before = load_rules(reviewed(rules_copy))
    assert before.version == "ketamine-palliative@1.1.0"
    assert (
        before.files[0].sha256
        == hashlib.sha256((rules_copy / "ketamine-palliative.toml").read_bytes()).hexdigest()
    )
    path = rules_copy / "ketamine-palliative.toml"
    path.write_bytes(path.read_bytes() + b"\n")
    assert load_rules(reviewed(rules_copy)).sha256 != before.sha256


def test_the_shipped_rule_set_hash_is_the_same_wherever_it_is_loaded_from(rules_copy: Path):
    assert load_rules(reviewed(rules_copy)).sha256 == load_rules().sha256


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


BROKEN_EDITS = [
    ("low = 0.3, high = 0.5", "low = 0.6, high = 0.5", "low (0.6) is above high (0.5)"),
    ("low = 0.3, high = 0.5", "low = -0.3, high = 0.5", "dose.low"),
    ("low = 0.3, high = 0.5", "low = 0, high = 0.5", "dose.low"),
    ('unit = "mg/kg/h"', 'unit = "mg/h"', "a weight-based rate needs a unit per kg per time"),
    ('unit = "mg/kg/h"', 'unit = "mL/h"', "dose unit"),
    ('unit = "mg" }', 'unit = "mg/kg" }', "a fixed dose needs a plain drug amount"),
    ('kind = "fixed-dose"', 'kind = "fixed"', "kind"),
    ('aliases = ["iv"]', 'aliases = ["iv"]\ncolour = "red"', "Extra inputs are not permitted"),
    ('aliases = ["iv"]', 'aliases = ["sl"]', "the name 'sl' is already used"),
    ('aliases = ["iv"]', 'aliases = ["iv", "iv"]', "aliases must be unique"),
    ('id = "iv-infusion"', 'id = "IV Infusion"', "regimens.0.id"),
    (
        'side_effects = ["confusion", "nausea", "dizziness", "blurred vision"]',
        "side_effects = []",
        "side_effects",
    ),
    ("schema_version = 1", "schema_version = 2", "schema_version"),
    ('version = "1.1.0"', "", "version"),
    ("[regimens.source]", "[regimens.sauce]", "sauce"),
    ("schema_version = 1", "schema_version = = 1", "invalid TOML"),
]


@pytest.mark.parametrize(("old", "new", "words"), BROKEN_EDITS)
def test_a_broken_rule_file_refuses_the_whole_folder_naming_file_and_field(
    rules_copy: Path, old, new, words
):
    _replace(rules_copy / "ketamine-palliative.toml", old, new)
    with pytest.raises(RulesError) as raised:
        load_rules(rules_copy)
    assert str(raised.value).startswith("ketamine-palliative.toml: ")
    assert words in str(raised.value)


def test_an_invalid_toml_error_names_the_line(rules_copy: Path):
    _replace(rules_copy / "ketamine-palliative.toml", "schema_version = 1", "schema_version = = 1")
    with pytest.raises(RulesError, match=r"line \d+"):
        load_rules(rules_copy)


def test_a_second_file_reusing_an_id_is_refused(rules_copy: Path):
    (rules_copy / "zz-copy.toml").write_bytes(
        (rules_copy / "ketamine-palliative.toml").read_bytes()
    )
    with pytest.raises(
        RulesError,
        match=r"zz-copy\.toml: regimen .iv-infusion..*already used in ketamine-palliative\.toml",
    ):
        load_rules(rules_copy)


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "schema_version"),
        (b"\xff\xfe", "not UTF-8"),
        (b"# " + b"x" * loader.MAX_RULE_FILE_BYTES, "more than a rule file may hold"),
    ],
)
def test_empty_binary_and_huge_files_are_refused(rules_copy: Path, content, words):
    (rules_copy / "extra.toml").write_bytes(content)
    with pytest.raises(RulesError, match=words):
        load_rules(rules_copy)


def test_an_empty_or_missing_folder_is_refused(tmp_path: Path):
    with pytest.raises(RulesError, match="holds no rule files"):
        load_rules(tmp_path)
    with pytest.raises(RulesError, match="does not exist"):
        load_rules(tmp_path / "nowhere")


_CITED = (  # its quote prints each figure of HOSPITAL_LIMITS: a rule carries only those
    'source = { document = "Test library", description = "test data", section = "Limits", '
    'quote = "test: 0.1 to 1 mg/kg/h; 1200 mg; 1 mg/mL" }'
)
HOSPITAL_LIMITS = {
    "hard_limits": 'hard_limits = { low = 0.1, high = 1, unit = "mg/kg/h"%s }',
    "max_per_24h": 'max_per_24h = { value = 1200, unit = "mg"%s }',
    "standard_concentrations": 'standard_concentrations = [{ value = 1, unit = "mg/mL"%s }]',
}


def _with_limits(path: Path, limits: set[str], cited: bool) -> str:
    original = path.read_text(encoding="utf-8")
    added = "\n".join(
        HOSPITAL_LIMITS[name] % (f", {_CITED}" if cited else "") for name in sorted(limits)
    )
    path.write_text(original.replace('aliases = ["iv"]', f'aliases = ["iv"]\n{added}', 1), "utf-8")
    return original


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(limits=st.sets(st.sampled_from(sorted(HOSPITAL_LIMITS)), min_size=1))
def test_a_limit_without_its_own_citation_is_refused_by_name(rules_copy: Path, limits):
    path = rules_copy / "ketamine-palliative.toml"
    original = _with_limits(path, limits, cited=False)
    try:
        with pytest.raises(RulesError, match="source: Field required") as refused:
            load_rules(rules_copy)
    finally:
        path.write_text(original, encoding="utf-8")
    assert all(name in str(refused.value) for name in limits)


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(limits=st.sets(st.sampled_from(sorted(HOSPITAL_LIMITS)), min_size=1))
def test_every_cited_limit_loads_and_reaches_the_basis_of_a_result(rules_copy: Path, limits):
    path = rules_copy / "ketamine-palliative.toml"
    original = _with_limits(path, limits, cited=True)
    try:
        rule_set = load_rules(reviewed(rules_copy))
    finally:
        path.write_text(original, encoding="utf-8")
    basis = dosecalc.calculate(weight="70 kg", regimen="iv", rules=rule_set).basis
    said = {"hard_limits": "hard limits", "max_per_24h": "maximum per 24 hours"}
    said["standard_concentrations"] = "standard concentration"
    assert sorted(line.split(":")[0] for line in basis.limits) == sorted(
        said[name] for name in limits
    )
    assert all("(Test library, section 'Limits' (test data))" in line for line in basis.limits)


def test_review_fields_are_accepted_and_a_limit_of_the_wrong_kind_is_named(rules_copy: Path):
    path = rules_copy / "ketamine-palliative.toml"
    _replace(
        path,
        'aliases = ["iv"]',
        'aliases = ["iv"]\nreviewed_by = "A Pharmacist"\nreview_date = 2026-11-24',
    )
    regimen = load_rules(reviewed(rules_copy)).find("iv")
    assert (regimen.reviewed_by, str(regimen.review_date)) == ("A Pharmacist", "2026-11-24")
    _replace(
        path,
        'aliases = ["iv"]',
        f'aliases = ["iv"]\nmax_per_24h = {{ value = 1, unit = "mL", {_CITED} }}',
    )
    with pytest.raises(RulesError, match="max_per_24h"):
        load_rules(rules_copy)


def test_hard_limits_must_be_in_the_same_kind_of_unit_as_the_dose(rules_copy: Path):
    _replace(
        rules_copy / "ketamine-palliative.toml",
        'aliases = ["iv"]',
        f'aliases = ["iv"]\nhard_limits = {{ low = 10, high = 50, unit = "mg/h", {_CITED} }}',
    )
    with pytest.raises(RulesError, match="hard_limits must be in the same kind of unit"):
        load_rules(rules_copy)


def test_dosecalc_rules_env_chooses_the_folder(rules_copy: Path, monkeypatch):
    monkeypatch.setenv("DOSECALC_RULES", str(rules_copy))
    assert dosecalc.default_rules_path() == rules_copy


def test_the_rules_in_force_follow_the_environment_and_a_relative_folder_the_working_folder(
    monkeypatch, tmp_path: Path
):
    """``rules=None`` resolves the folder once per value (and working folder): a change of
    either is seen by the next call, never an earlier folder's rules."""
    library = Path(__file__).parent.parent / "examples" / "hospital-library"
    shipped = dosecalc.calculate(weight="70 kg", regimen="iv").basis.rules_version
    monkeypatch.setenv("DOSECALC_RULES", str(library))
    assert dosecalc.calculate(weight="70 kg", regimen="driver").basis.rules_version != shipped
    (tmp_path / "here").mkdir()
    monkeypatch.chdir(library.parent)
    monkeypatch.setenv("DOSECALC_RULES", "hospital-library")  # relative to the working folder
    in_examples = dosecalc.calculate(weight="70 kg", regimen="driver").basis.rules_version
    assert in_examples != shipped
    monkeypatch.chdir(tmp_path / "here")  # no hospital-library here: that folder is refused
    with pytest.raises(RulesError):
        dosecalc.calculate(weight="70 kg", regimen="driver")
    monkeypatch.delenv("DOSECALC_RULES")
    assert dosecalc.calculate(weight="70 kg", regimen="iv").basis.rules_version == shipped


def test_without_a_packaged_copy_the_checkouts_rules_are_used(monkeypatch, tmp_path: Path):
    monkeypatch.setattr(loader, "_PACKAGE_DIR", tmp_path / "dosecalc")
    assert loader.default_rules_path() == tmp_path / "rules"


# ------------------------------------------------------------ the reviewed-hash manifest


def test_the_committed_manifest_lists_every_rule_file_with_its_hash():
    folder = REPO / "rules"
    committed = (folder / "MANIFEST.sha256").read_text(encoding="utf-8")
    assert committed == load_rules(folder).manifest, (
        "a rule file changed without its reviewed hash: after review, run "
        "`cd rules && sha256sum *.toml > MANIFEST.sha256` in the same commit"
    )


def test_the_rule_set_hash_is_the_hash_of_its_manifest():
    rules = load_rules()
    assert rules.sha256 == hashlib.sha256(rules.manifest.encode()).hexdigest()


@pytest.fixture
def reviewed_copy(rules_copy: Path) -> Path:
    (rules_copy / "MANIFEST.sha256").write_text(
        load_rules(rules_copy, unverified=True).manifest, encoding="utf-8"
    )
    return rules_copy


def test_a_folder_matching_its_manifest_loads(reviewed_copy: Path):
    assert load_rules(reviewed_copy).find("iv").id == "iv-infusion"


def test_a_rule_file_edited_after_review_refuses_the_folder(reviewed_copy: Path):
    # An edit no check of the figures sees (a side effect's words): only the manifest tells.
    _replace(reviewed_copy / "ketamine-palliative.toml", '"blurred vision"', '"blurred sight"')
    with pytest.raises(RulesError, match=r"ketamine-palliative\.toml differs from its reviewed"):
        load_rules(reviewed_copy)


@given(
    regimen=st.sampled_from([("0.3", "0.5"), ("25", "50")]),
    edit=st.sampled_from(["low to high", "high to low"]),
)
def test_a_bound_edited_to_the_other_bound_the_quote_prints_is_refused_by_the_quote(
    tmp_path_factory, regimen, edit
):
    """0.5 made 0.3 (a figure the quote prints, as the other bound) is no range the quote
    prints ("0.3-0.5"): refused with the quote, even in a folder re-signed after the edit."""
    low, high = regimen
    new_low, new_high = {"low to high": (high, high), "high to low": (low, low)}[edit]
    folder = tmp_path_factory.mktemp("rules")
    shipped = dosecalc.default_rules_path() / "ketamine-palliative.toml"
    text = shipped.read_text(encoding="utf-8").replace(
        f"low = {low}, high = {high},", f"low = {new_low}, high = {new_high},"
    )
    assert text != shipped.read_text(encoding="utf-8")
    (folder / "ketamine-palliative.toml").write_text(text, encoding="utf-8")
    said = f"{new_low} to {new_high} is not a range its source is quoted printing"
    with pytest.raises(RulesError, match=re.escape(said)):
        load_rules(folder, unverified=True)


def test_an_unlisted_rule_file_refuses_the_folder(reviewed_copy: Path):
    text = (reviewed_copy / "ketamine-palliative.toml").read_text(encoding="utf-8")
    other = text.replace('"iv-infusion"', '"iv-other"').replace('["iv"]', '["iv2"]')
    other = other.replace('"sublingual-buccal"', '"sl-other"').replace(
        '["sublingual", "buccal", "sl"]', "[]"
    )
    (reviewed_copy / "extra.toml").write_text(other, encoding="utf-8")
    with pytest.raises(RulesError, match=r"extra\.toml is not listed"):
        load_rules(reviewed_copy)


def test_a_listed_file_that_is_missing_refuses_the_folder(reviewed_copy: Path):
    manifest = reviewed_copy / "MANIFEST.sha256"
    manifest.write_text(manifest.read_text() + f"{'0' * 64}  gone.toml\n", encoding="utf-8")
    with pytest.raises(RulesError, match=r"lists gone\.toml, which is not in the folder"):
        load_rules(reviewed_copy)


def test_a_malformed_manifest_refuses_the_folder(reviewed_copy: Path):
    (reviewed_copy / "MANIFEST.sha256").write_text("not a hash line\n", encoding="utf-8")
    with pytest.raises(RulesError, match="line 1 is not"):
        load_rules(reviewed_copy)


def test_an_unreadable_rule_file_refuses_the_folder(rules_copy: Path):
    (rules_copy / "folder.toml").mkdir()
    with pytest.raises(RulesError, match=r"folder\.toml: cannot be read"):
        load_rules(rules_copy)


def test_a_rule_file_of_exactly_the_size_limit_loads_and_one_byte_more_is_refused(
    rules_copy: Path,
):
    path = rules_copy / "ketamine-palliative.toml"
    text = path.read_bytes()
    padding = loader.MAX_RULE_FILE_BYTES - len(text) - 3
    path.write_bytes(text + b"\n# " + b"x" * padding)
    assert len(path.read_bytes()) == loader.MAX_RULE_FILE_BYTES
    assert load_rules(reviewed(rules_copy)).find("iv").id == "iv-infusion"
    path.write_bytes(path.read_bytes() + b"x")
    with pytest.raises(RulesError, match="more than a rule file may hold"):
        load_rules(rules_copy)


def test_every_problem_of_a_file_is_listed_up_to_ten_then_counted(rules_copy: Path):
    path = rules_copy / "ketamine-palliative.toml"
    text = path.read_text(encoding="utf-8")
    for key in ("drug", "route", "label", "supervision"):
        text = text.replace(f"\n{key} = ", f"\n{key}_x = ")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RulesError) as raised:
        load_rules(rules_copy)
    message = str(raised.value)
    assert message.count("; ") == 10
    assert message.endswith("; and 14 more")  # 8 in each regimen, 2 in each of 4 route codes
    assert message.startswith("ketamine-palliative.toml: regimens.0.drug: Field required; ")


def test_a_manifest_line_with_a_short_hash_is_malformed(reviewed_copy: Path):
    (reviewed_copy / "MANIFEST.sha256").write_text("abc  ketamine-palliative.toml\n")
    with pytest.raises(RulesError, match="line 1 is not"):
        load_rules(reviewed_copy)


def test_a_file_with_one_problem_says_just_that(rules_copy: Path):
    _replace(
        rules_copy / "ketamine-palliative.toml", "low = 0.3, high = 0.5", "low = 0.6, high = 0.5"
    )
    with pytest.raises(RulesError) as raised:
        load_rules(rules_copy)
    assert str(raised.value) == (
        "ketamine-palliative.toml: regimens.0.dose: Value error, low (0.6) is above high (0.5)"
    )


# ------------------------------------------------- rule folders that cannot attack

toml_numbers = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False).map(lambda d: f"{d:e}" if d else "0"),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["1e99999999", "1e-99999999", "0.1234567891234567", "999999999999999999"]),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(low=toml_numbers, high=toml_numbers)
def test_a_rule_number_is_refused_or_calculated_with_never_a_hang(rules_copy: Path, low, high):
    path = rules_copy / "ketamine-palliative.toml"
    original = path.read_text(encoding="utf-8")
    path.write_text(
        original.replace("low = 0.3, high = 0.5", f"low = {low}, high = {high}", 1).replace(
            "Low Dose: 0.3-0.5",
            f"Low Dose: {low}-{high}",
            1,  # printed by its quote
        ),
        "utf-8",
    )
    try:
        rules = load_rules(rules_copy)
    except RulesError:
        return
    finally:
        path.write_text(original, encoding="utf-8")
    result = dosecalc.calculate(weight="70 kg", regimen="iv", rules=rules)
    assert result.dose.low <= result.dose.high


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda p: os.mkfifo(p), "it is not a regular file"),
        (lambda p: p.symlink_to("/dev/zero"), "symbolic link"),
        (lambda p: p.symlink_to(p.parent / "ketamine-palliative.toml"), "symbolic link"),
        (lambda p: p.mkdir(), "cannot be read: it is not a regular file"),
        (lambda p: p.write_bytes(b"x = " + b"[" * 100_000 + b"]" * 100_000), "rule file"),
        (lambda p: p.write_bytes(b"#" * (loader.MAX_RULE_FILE_BYTES + 1)), "may hold"),
    ],
    ids=["fifo", "link-to-dev-zero", "link-inside", "folder", "deep-nesting", "oversized"],
)
def test_only_plain_rule_files_of_bounded_size_are_read(rules_copy: Path, make, says):
    make(rules_copy / "extra.toml")
    with pytest.raises(RulesError, match=says) as refused:
        load_rules(rules_copy)
    assert str(refused.value).startswith("extra.toml: ")


@pytest.mark.parametrize("empty", ["", " "])
def test_an_empty_rules_folder_name_is_refused_not_read_as_the_current_folder(empty):
    with pytest.raises(RulesError, match="name is empty"):
        load_rules(empty)


def test_a_manifest_that_lists_a_file_twice_is_refused(rules_copy: Path):
    listing = load_rules(rules_copy, unverified=True).manifest
    wrong = listing.replace(listing[:64], "0" * 64)
    (rules_copy / "MANIFEST.sha256").write_text(wrong + listing, encoding="utf-8")
    with pytest.raises(RulesError, match="a second time"):
        load_rules(rules_copy)


@pytest.mark.parametrize(
    ("value", "says"),
    [("1E-7", "more than 6 decimal places"), ("1E+7", "more than 1,000,000"), ("NaN", "decimal")],
)
def test_dosecalc_bounds_rule_decimals_itself_whatever_pydantic_lets_through(value, says):
    from dosecalc.ruleset.schema import _bounded_decimal

    with pytest.raises(ValueError, match=says):
        _bounded_decimal(Decimal(value))
    assert _bounded_decimal(Decimal("0.000001")) == Decimal("0.000001")


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ('route = "buccal"\nsystem', 'route = "oral"\nsystem', "or one alternative of it"),
        ('route = "buccal"\nsystem', 'route = "sublingual"\nsystem', "once"),
    ],
)
def test_a_route_code_for_a_route_the_regimen_has_not_or_twice_is_refused(
    rules_copy: Path, old: str, new: str, problem: str
):
    _replace(rules_copy / "ketamine-palliative.toml", old, new)
    with pytest.raises(RulesError, match=rf"route_codes: each codes the route .*{problem}"):
        load_rules(rules_copy)


_SHIPPED_FIGURES = [
    ("iv-infusion", "low = 0.3"),
    ("iv-infusion", "high = 0.5"),
    ("sublingual-buccal", "low = 25"),
    ("sublingual-buccal", "high = 50"),
]


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    where=st.sampled_from(_SHIPPED_FIGURES),
    figure=st.decimals(min_value=Decimal("0.01"), max_value=Decimal(500), places=2),
)
def test_a_figure_its_quote_does_not_print_is_refused_even_with_a_fresh_manifest(
    rules_copy: Path, where: tuple[str, str], figure: Decimal
):
    """The eleventh review's attack: 0.5 edited to 5 and the manifest written again ran as
    the source's range. A rule carries only figures its own citation prints, so an edited
    figure is refused by name, with the quote, however the folder is signed."""
    regimen, written = where
    path = rules_copy / "ketamine-palliative.toml"
    text = (dosecalc.default_rules_path() / path.name).read_text(encoding="utf-8")  # afresh
    start = text.index(f'id = "{regimen}"')
    name = written.split(" = ")[0]
    edited = text[:start] + text[start:].replace(written, f"{name} = {figure}", 1)
    path.write_text(edited, encoding="utf-8")
    reviewed(rules_copy)
    printed = {"iv-infusion": {Decimal("0.3"), Decimal("0.5")}, "sublingual-buccal": {25, 50}}
    if figure in printed[regimen]:  # a figure the quote prints: only the manifest could tell
        return
    with pytest.raises(RulesError) as refused:
        load_rules(rules_copy)
    said = str(refused.value)
    if "is above high" in said:  # refused before the quote is read: low above high
        return
    found = re.search(
        rf"regimen '{regimen}': dose: (\S+) is not a figure its source is quoted", said
    )
    assert found is not None, said
    assert Decimal(found[1]) == figure
    assert "Low Dose: 0.3-0.5 mg/kg/hr" in said or "Sublingual/Buccal: 25-50 mg" in said


_SHIPPED_UNITS = {
    "iv-infusion": ('unit = "mg/kg/h"', ["mg/kg/h", "mg/kg/hr", "mg/kg/hour", "mg/kg/min",
                                          "mcg/kg/h", "g/kg/h", "mg/kg/day", "mcg/kg/min"]),
    "sublingual-buccal": ('unit = "mg"', ["mg", "milligrams", "g", "mcg", "ug"]),
}  # fmt: skip


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(regimen=st.sampled_from(sorted(_SHIPPED_UNITS)), data=st.data())
def test_a_unit_its_quote_prints_otherwise_is_refused_even_with_a_fresh_manifest(
    rules_copy: Path, regimen: str, data: st.DataObject
):
    """The twelfth review's attack: mg/kg/h edited to mg/kg/min (60 times the dose) with the
    manifest written again ran as the source's range. The unit the quote prints beside a
    figure must be the rule's: another spelling of it loads, another unit is refused."""
    written, units = _SHIPPED_UNITS[regimen]
    unit = data.draw(st.sampled_from(units))
    path = rules_copy / "ketamine-palliative.toml"
    text = (dosecalc.default_rules_path() / path.name).read_text(encoding="utf-8")
    start = text.index(f'id = "{regimen}"')
    edited = text[:start] + text[start:].replace(written, f'unit = "{unit}"', 1)
    path.write_text(edited, encoding="utf-8")
    reviewed(rules_copy)
    shipped = dosecalc.load_rules().find(regimen).dose.dose_unit
    if parse_dose_unit(unit) == shipped:  # the same unit, spelled another way
        assert load_rules(rules_copy).find(regimen).dose.dose_unit == shipped
        return
    with pytest.raises(RulesError, match=rf"regimen '{regimen}': dose: .* {re.escape(unit)} is "
                       r"printed in its source's quote in another unit only"):  # fmt: skip
        load_rules(rules_copy)


@given(
    field=st.sampled_from(
        [
            "aliases",
            "side_effects",
            "source_does_not_specify",
            "route_codes",
            "other_names",
            "standard_concentrations",
        ]
    ),
    folder=st.sampled_from([None, "examples/hospital-library"]),
)
def test_loaded_rules_cannot_be_changed_in_place(field, folder):
    """A rule set names the SHA-256 of the files it was read from: none of its regimens'
    lists can be changed after loading (an alias moved, a side effect added), so what a
    result cites is what it was worked from."""
    from conftest import REPO

    rules = load_rules(REPO / folder) if folder else load_rules()
    for regimen in rules.regimens:
        held = getattr(regimen, field)
        assert isinstance(held, tuple)
        with pytest.raises((AttributeError, TypeError)):
            held.append("x")  # type: ignore[attr-defined]
        with pytest.raises(ValidationError):
            setattr(regimen, field, ())
