"""Nothing drug-specific in code (issue 15): a second drug library, examplamine (fictional,
test data only: tests/data/fictional-library), runs through every face with no code
change, and each names examplamine and its route and holds no word of the shipped drug."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import subprocess
import sys
import tomllib
from datetime import UTC, datetime

import pytest
from conftest import DATA, REPO, reviewed
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.dosage import Dosage
from textual.pilot import Pilot
from textual.widgets import Input, Select

import dosecalc
from dosecalc.faces.tui.app import DoseCalcApp
from dosecalc.faces.tui.disclaimer import DisclaimerScreen
from dosecalc.reports.formats import FORMATS, render, render_check
from dosecalc.ruleset.loader import RULES_ENV

LIBRARY = DATA / "fictional-library"
DRUG = "examplamine"
SHIPPED_DRUGS = sorted({regimen.drug.lower() for regimen in dosecalc.load_rules().regimens})
"""The shipped rules' drugs (ketamine): no output made from the fictional library names one."""

RULES = dosecalc.load_rules(LIBRARY)  # its MANIFEST.sha256 verified
RATE, FIXED = (RULES.find("exa-subcutaneous"), RULES.find("exa-oral"))
ORDERS = {  # regimen id -> (weight, a proposed dose, a concentration)
    RATE.id: ("70 kg", "100 mg/hr", "10 mg/mL"),
    FIXED.id: ("70 kg", "15 mg", "5 mg/mL"),
}
MADE_AT = datetime(2026, 11, 24, 14, 5, tzinfo=UTC)


def fictional(text: str, route: str | None) -> str:
    """``text`` (with lines joined, in lower case), after asserting that it names examplamine
    and ``route`` (if given) and no shipped drug."""
    flat = " ".join(text.split()).lower()
    assert DRUG in flat
    assert route is None or route.lower() in flat
    for shipped in SHIPPED_DRUGS:
        assert shipped not in flat
    return flat


def test_the_library_is_fictional_test_data_by_its_own_words():
    for regimen in RULES.regimens:
        assert regimen.drug == DRUG
        assert "fictional" in regimen.source.description.lower()
        assert "fictional" in regimen.supervision.lower()
        for coded in regimen.route_codes:
            assert "test data" in coded.source
    assert RULES.version == "examplamine@1.0.0"


def test_no_file_of_the_package_names_a_shipped_drug():
    """The guard behind the proof: the drug's name lives in the rule files only."""
    package = REPO / "dosecalc"
    files = [p for p in package.rglob("*") if p.suffix in {".py", ".tcss", ".html"}]
    assert len(files) > 30
    for path in files:
        text = path.read_text(encoding="utf-8").lower()
        for shipped in SHIPPED_DRUGS:
            assert shipped not in text, f"{path.relative_to(REPO)} names {shipped}"


# ------------------------------------------------------------------ the library API


@pytest.mark.parametrize("regimen", RULES.regimens, ids=lambda r: r.id)
@pytest.mark.parametrize("name", list(FORMATS))
def test_calculate_and_check_report_the_fictional_drug_in_every_format(regimen, name):
    weight, dose, concentration = ORDERS[regimen.id]
    result = dosecalc.calculate(
        weight=weight, regimen=regimen.id, concentration=concentration, rules=RULES
    )
    checked = dosecalc.check(
        weight=weight, regimen=regimen.id, concentration=concentration, dose=dose, rules=RULES
    )
    assert (result.drug, result.route, checked.verdict) == (DRUG, regimen.route, "within")
    assert result.supervision == regimen.supervision
    fictional(render(result, name, MADE_AT, check=checked), regimen.route)
    fictional(render_check(checked, name, made_at=MADE_AT), regimen.route)


def test_fhir_codes_the_route_only_where_the_fictional_rule_gives_a_code():
    rate = dosecalc.to_fhir(dosecalc.calculate(weight="70 kg", regimen="exa-sc", rules=RULES))
    Dosage.model_validate(rate)
    (coded,) = RATE.route_codes
    assert rate["route"] == {
        "coding": [{"system": coded.system, "code": coded.code, "display": coded.display}],
        "text": "subcutaneous infusion",
    }
    assert rate["text"].startswith("Examplamine, subcutaneous infusion: ")
    # The fixed dose codes "oral" only: asked for by that name it is coded, else text only.
    oral = dosecalc.to_fhir(dosecalc.calculate(regimen="oral", rules=RULES))
    assert oral["route"]["coding"][0]["display"] == "Oral route"
    assert oral["route"]["text"] == "oral"
    whole = dosecalc.to_fhir(dosecalc.calculate(regimen="exa-po", rules=RULES))
    assert whole["route"] == {"text": "oral or nasogastric"}
    Dosage.model_validate(whole)


def test_a_check_as_fhir_is_a_valid_bundle_naming_the_fictional_drug():
    checked = dosecalc.check(weight="70 kg", regimen="exa-sc", dose="300 mg/hr", rules=RULES)
    bundle = json.loads(render_check(checked, "fhir"))
    Bundle.model_validate(bundle)
    request = bundle["entry"][0]["resource"]
    assert request["medicationCodeableConcept"] == {"text": DRUG}
    assert request["dosageInstruction"][0]["route"]["coding"][0]["code"] == "34206005"
    fictional(json.dumps(bundle), RATE.route)


def test_the_audit_checks_fictional_orders_by_id_alias_and_route():
    orders = {
        "weight": ["70 kg", "70 kg", "", ""],
        "regimen": ["exa-sc", "subcutaneous infusion", "exa-po", "oral"],
        "dose": ["100 mg/hr", "1 mg/kg/hr", "15 mg", "30 mg"],
    }
    out = dosecalc.audit(orders, rules=RULES)
    assert list(out["verdict"]) == ["within", "within", "within", "above"]
    assert list(out["rule_unit"]) == ["mg/kg/h", "mg/kg/h", "mg", "mg"]
    assert not any(out["error"])


# ------------------------------------------------------------------ the command line


def dosecalc_cli(*args: str, rules_by: str, stdin: str | None = None) -> tuple[str, str]:
    """``dosecalc ARGS`` in a fresh process, the rule folder given by ``--rules`` or by
    ``DOSECALC_RULES``; (stdout, stderr) after asserting it succeeded."""
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop(RULES_ENV, None)
    if rules_by == "env":
        env[RULES_ENV] = str(LIBRARY)
    else:
        args = ("--rules", str(LIBRARY), *args)
    run = subprocess.run(
        [sys.executable, "-m", "dosecalc", *args],
        capture_output=True,
        text=True,
        env=env,
        input=stdin,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    return run.stdout, run.stderr


@pytest.mark.subprocess
@pytest.mark.parametrize(
    ("command", "name", "rules_by"),
    [
        ("calc", "text", "option"),
        ("calc", "json", "env"),
        ("calc", "markdown", "option"),
        ("calc", "html", "env"),
        ("calc", "fhir", "option"),
        ("check", "text", "env"),
        ("check", "json", "option"),
        ("check", "markdown", "env"),
        ("check", "html", "option"),
        ("check", "fhir", "env"),
    ],
)
def test_calc_and_check_on_the_fictional_rules_in_every_format(command, name, rules_by):
    regimen = RATE if name in {"text", "html", "fhir"} else FIXED
    weight, dose, concentration = ORDERS[regimen.id]
    args = [command, "--weight", weight, "--regimen", regimen.id, "--format", name]
    args += ["--concentration", concentration]
    if command == "check":
        args += ["--dose", dose]
    out, err = dosecalc_cli(*args, rules_by=rules_by)
    assert err == ""
    fictional(out, regimen.route)
    assert RULES.sha256 in out


@pytest.mark.subprocess
def test_rules_lists_the_fictional_regimens_and_the_help_names_no_drug():
    out, _ = dosecalc_cli("rules", rules_by="env")
    for regimen in RULES.regimens:
        fictional(out, regimen.route)
        assert regimen.id in out
    assert RULES.version in out
    help_text, _ = dosecalc_cli("calc", "--help", rules_by="option")
    for shipped in SHIPPED_DRUGS:
        assert shipped not in help_text.lower()


@pytest.mark.subprocess
@pytest.mark.parametrize("as_json", [False, True], ids=["csv", "jsonl"])
def test_the_audit_command_on_the_fictional_rules(as_json):
    orders = "weight,regimen,dose\n70 kg,subcutaneous infusion,100 mg/hr\n,oral,30 mg\n"
    out, err = dosecalc_cli(
        "audit", "-", *(["--json"] if as_json else []), rules_by="option", stdin=orders
    )
    fictional(out + err, "subcutaneous infusion")
    assert RULES.version in err
    assert RATE.supervision in err
    verdicts = (
        [json.loads(line)["verdict"] for line in out.splitlines()]
        if as_json
        else [row["verdict"] for row in csv.DictReader(io.StringIO(out))]
    )
    assert verdicts == ["within", "above"]


# ------------------------------------------------------------------ the app


def screen_text(pilot: Pilot[None]) -> str:
    """What the screen shows, as text: its widgets' renders and each picker's choices."""
    screen = pilot.app.screen
    parts = [str(widget.render()) for widget in screen.query("Static, Label") if widget.display]
    for select in screen.query(Select):
        parts += [str(prompt) for prompt, _ in select._options]
    return "\n".join(parts)


def test_the_app_reads_the_fictional_rules_from_the_environment_on_every_screen(
    tmp_path, monkeypatch
):
    monkeypatch.setenv(RULES_ENV, str(LIBRARY))
    app = DoseCalcApp(dosecalc.load_rules, export_dir=tmp_path)  # as `dosecalc tui` loads

    async def scenario(pilot: Pilot[None]) -> None:
        while app.calculator is None and app.startup_error is None:
            await pilot.pause(0.02)
        await pilot.pause()
        assert isinstance(app.screen, DisclaimerScreen)
        fictional(screen_text(pilot), None)
        assert RATE.supervision in screen_text(pilot)
        await pilot.press("enter")
        await pilot.pause()
        for regimen in RULES.regimens:
            weight, dose, _ = ORDERS[regimen.id]
            app.screen.query_one("#weight", Input).value = weight
            app.screen.query_one("#dose", Input).value = dose
            await pilot.pause()
            shown = fictional(screen_text(pilot), regimen.route)
            assert regimen.label.lower() in shown  # the picker tells the regimens apart
            assert "within" in shown
            for name in FORMATS:
                report = app.export(name, MADE_AT)
                assert report is not None
                fictional(report, regimen.route)
            await pilot.press("ctrl+r")
            await pilot.pause()
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert RATE.source.quote.lower() in fictional(screen_text(pilot), None)

    async def go() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await scenario(pilot)

    asyncio.run(go())
    assert app.startup_error is None


CITED = (
    'source = { document = "Test pharmacy list", description = "test data", '
    'section = "Concentrations", quote = "Examplamine 5 mg/mL" }'
)


def test_the_apps_quick_concentrations_are_the_fictional_rules_own(tmp_path):
    folder = tmp_path / "rules"
    folder.mkdir()
    text = (LIBRARY / "examplamine.toml").read_text(encoding="utf-8")
    (folder / "examplamine.toml").write_text(  # then signed as reviewed, below
        text.replace(
            'kind = "fixed-dose"\n',
            'kind = "fixed-dose"\nstandard_concentrations = [{ value = 5, unit = "mg/mL", '
            f"{CITED} }}]\n",
        ),
        encoding="utf-8",
    )
    app = DoseCalcApp(dosecalc.load_rules(reviewed(folder)), export_dir=tmp_path)

    async def scenario(pilot: Pilot[None]) -> None:
        await pilot.press("enter")
        await pilot.pause()
        assert not app.screen.query("Button.quick")  # the rate regimen gives none
        await pilot.press("ctrl+r")
        await pilot.pause()
        (button,) = app.screen.query("Button.quick")
        assert str(button.label) == "5 mg/mL"
        await pilot.click("Button.quick")
        await pilot.pause()
        volume = dosecalc.calculate(regimen="exa-oral", concentration="5 mg/mL", rules=folder)
        assert volume.volume is not None
        assert volume.volume.display in screen_text(pilot)

    async def go() -> None:
        async with app.run_test(size=(100, 40)) as pilot:
            await scenario(pilot)

    asyncio.run(go())


def test_the_fictional_library_is_never_shipped():
    """Test data only: a wheel holds the package and the shipped rules/, and neither holds it
    (an sdist carries tests/, so that it tests itself, with this folder among its data)."""
    wheel = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["hatch"][
        "build"
    ]["targets"]["wheel"]
    assert wheel["packages"] == ["dosecalc"]
    assert wheel["force-include"] == {"rules": "dosecalc/rules"}
    for folder in (REPO / "dosecalc", REPO / "rules"):
        files = [path for path in folder.rglob("*") if path.is_file()]
        assert not [path for path in files if DRUG.encode() in path.read_bytes().lower()]
