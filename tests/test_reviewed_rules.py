"""An edited rule file never runs: a rule folder runs only when its MANIFEST.sha256 lists
every rule file as it is now, from every entry point (the library's ``rules=``, the command
line's ``--rules`` and ``DOSECALC_RULES``, an audit, the app). A folder without one runs
only when asked for by name (``load_rules(..., unverified=True)``), and every figure's basis
then says UNVERIFIED."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import reviewed
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import manifest_states, rule_number_edits

import dosecalc
from dosecalc import RulesError, load_rules
from dosecalc.reports.formats import render
from dosecalc.ruleset.loader import MANIFEST, UNVERIFIED

SHIPPED = dosecalc.default_rules_path() / "ketamine-palliative.toml"
ORDERS = {"weight": ["70 kg"], "regimen": ["iv"], "dose": ["30 mg/hr"]}


def edited_copy(tmp_path: Path, name: str, text: str, manifest: str) -> Path:
    """A copy of the shipped rules in ``tmp_path / name``, its file's text now ``text``,
    with the manifest missing, signed before the edit, or signed after it."""
    folder = tmp_path / name
    folder.mkdir()
    shutil.copy(SHIPPED, folder / SHIPPED.name)
    if manifest == "signed before the edit":
        reviewed(folder)
    (folder / SHIPPED.name).write_text(text, encoding="utf-8")
    if manifest == "signed after the edit":
        reviewed(folder)
    return folder


def doses_from_every_entry_point(folder: Path, run_cli) -> list[str | None]:
    """The rules version each entry point computed a dose under, or None where it refused
    the folder (with a typed error, or exit 2 and one line naming the folder)."""
    versions: list[str | None] = []
    for compute in (
        lambda: dosecalc.calculate(weight="70 kg", regimen="iv", rules=folder).basis,
        lambda: dosecalc.check(weight="70 kg", regimen="iv", dose="30 mg/hr", rules=folder).basis,
    ):
        try:
            versions.append(compute().rules_version)
        except RulesError:
            versions.append(None)
    code, out, err = run_cli("--rules", str(folder), "calc", "--weight", "70 kg", "--regimen", "iv")
    assert code in (0, 2)
    if code == 2:
        assert (out, err.count("\n")) == ("", 1)
        assert err.startswith("dosecalc: ")
    versions.append(None if code else "cli")
    try:
        dosecalc.audit(ORDERS, rules=folder)
        versions.append("audit")
    except RulesError:
        versions.append(None)
    return versions


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data(), manifest=manifest_states)
def test_an_edited_rule_file_computes_no_dose_unless_its_manifest_matches(
    tmp_path_factory, run_cli, data, manifest
):
    text, old, new = data.draw(rule_number_edits(SHIPPED.read_text(encoding="utf-8")))
    folder = edited_copy(tmp_path_factory.mktemp("edit"), "rules", text, manifest)
    versions = doses_from_every_entry_point(folder, run_cli)
    if manifest != "signed after the edit":
        assert versions == [None] * 4, (old, new, manifest)
    else:  # reviewed as it is now: it runs wherever it is valid, and is not marked
        assert len(set(versions[:2])) == 1
        assert UNVERIFIED not in str(versions[0])
        assert len({version is None for version in versions}) == 1  # all run, or none


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data(), manifest=manifest_states)
def test_an_unverified_folder_runs_only_by_name_and_every_figure_says_so(
    tmp_path_factory, data, manifest
):
    text, old, new = data.draw(rule_number_edits(SHIPPED.read_text(encoding="utf-8")))
    folder = edited_copy(tmp_path_factory.mktemp("edit"), "rules", text, manifest)
    refused: str | None = None
    try:
        rules = load_rules(folder, unverified=True)
    except RulesError as error:
        refused = str(error)
    if refused is not None:
        # A manifest that is there must match even so; else only an invalid edit is refused.
        assert manifest == "signed before the edit" or "differs" not in refused
        return
    assert manifest != "signed before the edit", (old, new)
    basis = dosecalc.calculate(weight="70 kg", regimen="iv", rules=rules).basis
    checked = dosecalc.check(weight="70 kg", regimen="iv", dose="30 mg/hr", rules=rules).basis
    marked = manifest == "none"
    assert (UNVERIFIED in basis.rules_version) is marked
    assert (UNVERIFIED in checked.rules_version) is marked
    assert (UNVERIFIED in rules.version) is marked


def test_a_folder_without_a_manifest_is_refused_in_one_line_that_says_how_to_sign_it(
    run_cli, rules_copy: Path
):
    code, out, err = run_cli(
        "--rules", str(rules_copy), "calc", "--weight", "70 kg", "--regimen", "iv"
    )
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert f"rules folder '{rules_copy}' has no {MANIFEST}" in err
    assert f"after review, create it: cd {rules_copy} && sha256sum *.toml > {MANIFEST}" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "argv",
    [
        ["calc", "--weight", "70 kg", "--regimen", "iv"],
        ["check", "--weight", "70 kg", "--regimen", "iv", "--dose", "30 mg/hr"],
        [
            *("prepare", "--weight", "70 kg", "--regimen", "iv", "--stock", "500 mg/10 mL"),
            *("--final-volume", "50 mL", "--duration", "24 hr"),
        ],
        ["rules"],
        ["rules", "--check", "{folder}"],
    ],
    ids=lambda argv: argv[0] if argv[-1] != "{folder}" else "rules --check",
)
def test_every_command_refuses_a_folder_without_a_manifest_by_option_and_by_environment(
    run_cli, rules_copy: Path, monkeypatch, argv
):
    argv = [str(rules_copy) if arg == "{folder}" else arg for arg in argv]
    code, out, err = run_cli("--rules", str(rules_copy), *argv)
    assert (code, out) == (2, "")
    assert f"has no {MANIFEST}" in err
    monkeypatch.setenv("DOSECALC_RULES", str(rules_copy))
    code, out, err = run_cli(*argv)
    assert (code, out) == (2, "")
    assert f"has no {MANIFEST}" in err


def test_an_audit_of_a_folder_without_a_manifest_writes_nothing(run_cli, rules_copy, tmp_path):
    orders = tmp_path / "orders.csv"
    orders.write_text("weight,regimen,dose\n70 kg,iv,30 mg/hr\n", encoding="utf-8")
    audited = tmp_path / "audited.csv"
    code, out, err = run_cli("--rules", str(rules_copy), "audit", str(orders), "-o", str(audited))
    assert (code, out) == (2, "")
    assert f"has no {MANIFEST}" in err
    assert not audited.exists()


def test_a_signed_copy_runs_and_its_basis_is_not_marked_unverified(rules_copy: Path):
    result = dosecalc.calculate(weight="70 kg", regimen="iv", rules=reviewed(rules_copy))
    assert result.dose.display == "21 to 35 mg/hr"
    assert UNVERIFIED not in result.basis.rules_version
    assert result.basis.rules_sha256 == load_rules().sha256


def test_the_unverified_mark_reaches_the_text_report_and_the_fhir_text(rules_copy: Path):
    rules = load_rules(rules_copy, unverified=True)
    result = dosecalc.calculate(weight="70 kg", regimen="iv", rules=rules)
    assert f"({UNVERIFIED}: no {MANIFEST})" in render(result, "text")
    assert f"({UNVERIFIED}: no {MANIFEST})" in json.dumps(dosecalc.to_fhir(result))
