"""The ``dosecalc`` command: reports, JSON, exit codes and messages."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import reviewed
from hypothesis import given
from hypothesis import strategies as st

import dosecalc
from dosecalc.faces import cli

CALC_70_KG = ("calc", "--weight", "70 kg", "--regimen", "iv")


def test_calc_prints_a_readable_report_with_disclaimer_basis_and_side_effects(run_cli):
    code, out, err = run_cli(*CALC_70_KG, "--concentration", "1 mg/mL")
    assert (code, err) == (0, "")
    assert out.startswith("dosecalc: ketamine, intravenous infusion (iv-infusion)")
    assert "EDUCATIONAL USE ONLY" in out
    assert "Dose rate:                21 to 35 mg/hr" in out
    assert "If run for 24 hours:      504 to 840 mg" in out
    assert "Pump rate:                21 to 35 mL/hr" in out
    assert "confusion, nausea, dizziness, blurred vision" in out
    assert "Formula: 0.3 mg/kg/hr × 70 kg = 21 mg/hr" in out
    assert dosecalc.load_rules().sha256 in out


@pytest.mark.parametrize("weight", ["154.3 lb", "33 kg", "70 kg", "180 kg"])
def test_the_report_never_splits_a_number_from_its_unit_across_lines(run_cli, weight):
    _, out, _ = run_cli(
        "calc",
        "--weight",
        weight,
        "--regimen",
        "iv",
        "--concentration",
        "2 mg/mL",
        "--height",
        "5 ft 7 in",
        "--sex",
        "female",
        "--basis",
        "adjusted",
    )
    assert not any(
        line.rstrip()[-1:].isdigit()
        and nxt.lstrip()[:1].isalpha()
        and nxt.lstrip()[:2] != "to"
        and not re.fullmatch(r"[0-9a-f]{64}", nxt.strip())  # the rules' hash, after SHA-256
        for line, nxt in zip(out.splitlines(), out.splitlines()[1:], strict=False)
        if line.strip() and nxt.strip() and nxt.startswith("    ")
    ), out
    assert all(len(line) <= 78 or "SHA-256" in line for line in out.splitlines())


def test_calc_json_is_exactly_the_result_model_dump(run_cli):
    code, out, err = run_cli(*CALC_70_KG, "--concentration", "2 mg/mL", "--json")
    assert (code, err) == (0, "")
    expected = dosecalc.calculate(weight="70 kg", regimen="iv", concentration="2 mg/mL")
    assert json.loads(out) == expected.model_dump(mode="json")
    data = json.loads(out)
    assert data["dose"]["low"] == {"value": 21, "unit": "mg/h"}
    assert data["dose_per_24h"]["high"] == {"value": 840, "unit": "mg"}
    assert data["pump_rate"]["low"] == {"value": 10.5, "unit": "mL/h"}


def test_sublingual_json_has_no_per_24h_and_a_volume_with_a_concentration(run_cli):
    _, out, _ = run_cli(
        "calc", "--weight", "40 kg", "--regimen", "sl", "--concentration", "50 mg/5 mL", "--json"
    )
    data = json.loads(out)
    assert data["dose"]["low"] == {"value": 25, "unit": "mg"}
    assert data["dose_per_24h"] is None
    assert data["pump_rate"] is None
    assert data["volume"]["high"] == {"value": 5, "unit": "mL"}


@pytest.mark.parametrize(
    "args",
    [
        ("calc", "--weight", "70", "--regimen", "iv"),
        ("calc", "--weight", "", "--regimen", "iv"),
        ("calc", "--weight", "-70 kg", "--regimen", "iv"),
        ("calc", "--weight", "NaN kg", "--regimen", "iv"),
        ("calc", "--weight", "70 m", "--regimen", "iv"),
        ("calc", "--weight", "70,5 kg", "--regimen", "iv"),
        ("calc", "--weight", "70 kg", "--regimen", "im"),
        ("calc", "--weight", "70 kg", "--regimen", "iv", "--concentration", "1 mg/kg"),
        ("calc", "--weight", "70 kg", "--regimen", "iv", "--basis", "ideal"),
        ("calc", "--weight", "70 kg", "--regimen", "iv", "--json", "--basis", "ideal"),
        ("--rules", "/nonexistent", "calc", "--weight", "70 kg", "--regimen", "iv"),
    ],
)
def test_bad_input_exits_2_with_one_message_and_nothing_on_stdout(run_cli, args):
    code, out, err = run_cli(*args)
    assert (code, out) == (2, "")
    assert err.startswith("dosecalc: ")
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_missing_or_unknown_arguments_exit_2_like_bad_input(run_cli):
    with pytest.raises(SystemExit) as raised:
        run_cli("calc", "--weight", "70 kg")
    assert raised.value.code == 2


def test_an_unexpected_error_is_a_short_message_and_exit_70(run_cli, monkeypatch):
    def broken(**_: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("dosecalc.clinical.calculate.calculate", broken)
    code, out, err = run_cli(*CALC_70_KG)
    assert (code, out) == (70, "")
    assert "internal error (RuntimeError): boom" in err
    assert "Traceback" not in err
    with pytest.raises(RuntimeError, match="boom"):
        run_cli("--debug", *CALC_70_KG)


def test_rules_lists_the_regimens_with_version_and_hash(run_cli):
    code, out, _ = run_cli("rules")
    rules = dosecalc.load_rules()
    assert code == 0
    assert f"version {rules.version}" in out
    assert f"sha256 {rules.sha256}" in out
    assert "iv-infusion (also: iv)" in out
    assert "ketamine, intravenous infusion: 0.3 to 0.5 mg/kg/hr" in out
    assert "sublingual-buccal (also: sublingual, buccal, sl)" in out


def test_rules_cites_each_regimens_source_as_a_calculations_basis_does(run_cli):
    _, out, _ = run_cli("rules")
    for regimen in dosecalc.load_rules().regimens:
        weight = "70 kg" if regimen.kind == "weight-based-rate" else None
        basis = dosecalc.calculate(weight=weight, regimen=regimen.id).basis
        assert f"  source: {basis.source}\n" in out
        assert regimen.source.section in basis.source


def test_rules_check_accepts_a_valid_folder_and_refuses_a_broken_one(run_cli, rules_copy: Path):
    code, out, _ = run_cli("rules", "--check", str(reviewed(rules_copy)))
    assert code == 0
    assert out.startswith("OK: ")
    path = rules_copy / "ketamine-palliative.toml"
    path.write_text(path.read_text().replace("high = 0.5", "high = 0.2"))
    code, out, err = run_cli("rules", "--check", str(rules_copy))
    assert (code, out) == (2, "")
    assert "ketamine-palliative.toml" in err
    assert "above high" in err


def test_a_broken_rules_folder_stops_calc_before_any_dose(run_cli, rules_copy: Path):
    (rules_copy / "broken.toml").write_text("schema_version = 1\n")
    code, out, err = run_cli("--rules", str(rules_copy), *CALC_70_KG)
    assert (code, out) == (2, "")
    assert "broken.toml" in err


def test_the_rules_option_and_env_choose_another_folder(run_cli, rules_copy: Path, monkeypatch):
    path = rules_copy / "ketamine-palliative.toml"
    path.write_text(path.read_text().replace('version = "1.1.0"', 'version = "9.9.9"'))
    _, out, _ = run_cli("--rules", str(reviewed(rules_copy)), *CALC_70_KG, "--json")
    assert json.loads(out)["basis"]["rules_version"] == "ketamine-palliative@9.9.9"
    monkeypatch.setenv("DOSECALC_RULES", str(rules_copy))
    _, out, _ = run_cli(*CALC_70_KG, "--json")
    assert json.loads(out)["basis"]["rules_version"] == "ketamine-palliative@9.9.9"


def test_rules_schema_prints_the_committed_json_schema(run_cli):
    _, out, _ = run_cli("rules", "--schema")
    committed = (Path(__file__).resolve().parents[1] / "rules" / "schema.json").read_text()
    assert out == committed


def test_no_command_prints_help(run_cli):
    code, out, _ = run_cli()
    assert code == 0
    assert "calc" in out
    assert "Educational use only" in out


@pytest.mark.subprocess
@pytest.mark.parametrize("launcher", [["dosecalc"], [sys.executable, "-m", "dosecalc"]])
def test_the_console_script_and_python_m_work_from_any_folder(launcher, tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if k != "DOSECALC_RULES"}
    done = subprocess.run(
        [*launcher, *CALC_70_KG, "--json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["dose"]["high"] == {"value": 35, "unit": "mg/h"}
    bad = subprocess.run(
        [*launcher, "calc", "--weight", "70", "--regimen", "iv"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (bad.returncode, bad.stdout) == (2, "")
    assert "has no unit" in bad.stderr


def test_python_m_dosecalc_runs_the_same_main(monkeypatch, capsys):
    import runpy

    monkeypatch.setattr(sys, "argv", ["dosecalc", *CALC_70_KG, "--json"])
    with pytest.raises(SystemExit) as raised:
        runpy.run_module("dosecalc", run_name="__main__")
    assert raised.value.code == 0
    assert json.loads(capsys.readouterr().out)["regimen"] == "iv-infusion"


def test_a_report_without_notes_has_no_notes_heading(run_cli, rules_copy: Path):
    path = rules_copy / "ketamine-palliative.toml"
    text = path.read_text(encoding="utf-8")
    start = text.index("source_does_not_specify = [")
    path.write_text(text[:start] + text[text.index("]", start) + 1 :], encoding="utf-8")
    _, out, _ = run_cli("--rules", str(reviewed(rules_copy)), *CALC_70_KG)
    assert "Notes" not in out
    assert "Basis (check by hand)" in out


def test_the_app_needs_a_terminal_and_says_so(run_cli):
    code, out, err = run_cli("tui")
    assert (code, out) == (2, "")
    assert "the app needs an interactive terminal" in err


@pytest.fixture
def app_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """``dosecalc tui`` as on a terminal, its app run headless until the calculator has
    loaded behind the disclaimer (then closed) or the load failed (the app closes itself)."""
    from textual.app import App
    from textual.pilot import Pilot

    from dosecalc.faces.tui.app import DoseCalcApp

    opened: list[DoseCalcApp] = []

    async def until_loaded(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, DoseCalcApp)
        while app.calculator is None and app.startup_error is None:
            await pilot.pause(0.02)
        if app.calculator is not None:
            app.exit()

    def run(self: DoseCalcApp) -> None:
        opened.append(self)
        App.run(self, headless=True, size=(80, 24), auto_pilot=until_loaded)

    monkeypatch.setattr(cli, "_on_a_terminal", lambda: True)
    monkeypatch.setattr(DoseCalcApp, "run", run)
    return opened


@pytest.mark.parametrize("where", ["before", "after"])
def test_a_broken_rule_folder_closes_the_app_with_its_error_and_exit_2(
    run_cli, rules_copy: Path, app_on_a_terminal, where
):
    (rules_copy / "broken.toml").write_text("schema_version = 1\n")
    options = ["--rules", str(rules_copy)]
    code, out, err = run_cli(*([*options, "tui"] if where == "before" else ["tui", *options]))
    assert (code, out) == (2, "")
    assert err.startswith("dosecalc: broken.toml: ")
    (app,) = app_on_a_terminal
    assert app.calculator is None


def test_on_a_terminal_no_command_opens_the_app_with_the_rules_in_force(run_cli, app_on_a_terminal):
    code, out, err = run_cli()
    assert (code, out, err) == (0, "", "")
    (app,) = app_on_a_terminal
    assert app.rules.sha256 == dosecalc.load_rules().sha256


COMMANDS = ("calc", "check", "tui", "serve", "web", "audit", "rules")


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_every_help_describes_the_command_and_lists_the_exit_codes(run_cli, command):
    with pytest.raises(SystemExit) as exited:
        run_cli(*([command] if command else []), "--help")
    assert exited.value.code == 0
    out = run_cli.last_out()
    assert "exit codes:" in out
    for code in ("0 ", "2 ", "3 ", "70 "):
        assert f"\n  {code}" in out
    assert "--rules DIR" in out
    assert "--debug" in out
    description = out.split("\n\n")[1]
    assert len(description.split()) >= 8, description


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("where", ["before", "after"])
def test_every_command_takes_rules_and_debug_before_or_after_its_name(command, where):
    options = ["--rules", "some/dir", "--debug"]
    argv = [*options, command] if where == "before" else [command, *options]
    patient = ["--weight", "1 kg", "--regimen", "x"]
    extra = {"calc": patient, "check": [*patient, "--dose", "1 mg"], "audit": ["-"]}
    argv += extra.get(command, [])
    args = cli._parser().parse_args(argv)
    assert (args.rules, args.debug) == ("some/dir", True)


def test_the_regimen_help_names_no_regimen_and_sends_to_the_listing_which_names_every_alias(
    run_cli,
):
    with pytest.raises(SystemExit):
        run_cli("calc", "--help")
    text = " ".join(run_cli.last_out().split())
    assert "'dosecalc rules' lists them" in text
    code, listing, _ = run_cli("rules")
    assert code == 0
    for regimen in dosecalc.load_rules().regimens:
        assert regimen.route not in text  # the help holds nothing of the shipped rules
        for name in (regimen.id, *regimen.aliases):
            assert name in listing


def test_debug_after_the_command_shows_the_traceback_too(run_cli, monkeypatch):
    def broken(**_: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("dosecalc.clinical.calculate.calculate", broken)
    with pytest.raises(RuntimeError, match="boom"):
        run_cli(*CALC_70_KG, "--debug")


@pytest.mark.parametrize(
    ("raised", "code", "says"),
    [
        (KeyboardInterrupt(), 130, "interrupted; no output file was written"),
        (OSError(28, "No space left on device"), 2, "(No space left on device); what was written"),
        (BrokenPipeError(32, "Broken pipe"), 2, "(Broken pipe); what was written is incomplete"),
    ],
)
def test_an_interruption_or_a_failed_stream_is_one_line_never_a_traceback(
    run_cli, monkeypatch, raised, code, says
):
    def interrupted(**_: object) -> None:
        raise raised

    monkeypatch.setattr("dosecalc.clinical.calculate.calculate", interrupted)
    exit_code, out, err = run_cli(*CALC_70_KG)
    assert (exit_code, out) == (code, "")
    assert says in err
    assert err.count("\n") == 1


def test_a_closed_standard_output_or_input_is_named(run_cli, monkeypatch):
    monkeypatch.setattr(cli.sys, "stdin", None)
    code, _, err = run_cli("audit", "-")
    assert (code, err) == (
        2,
        "dosecalc: file: standard input is closed. Give the orders file's name\n",
    )
    monkeypatch.setattr(cli.sys, "stdout", None)
    assert cli.main(list(CALC_70_KG)) == 2


def test_serve_refuses_fewer_than_one_session(run_cli):
    code, out, err = run_cli("serve", "--max-sessions", "0")
    assert (code, out) == (2, "")
    assert "0 sessions would serve nobody" in err


def test_a_fixed_dose_needs_no_weight_and_a_rate_asks_for_one(run_cli):
    code, out, _ = run_cli("calc", "--regimen", "sl")
    assert code == 0
    assert "Dose per administration:  25 to 50 mg" in out
    code, out, err = run_cli("calc", "--regimen", "iv")
    assert (code, out) == (2, "")
    assert "needs the patient's weight" in err


def test_a_dose_per_kg_is_checked_without_a_weight_and_a_rate_is_not(run_cli):
    code, out, _ = run_cli("check", "--regimen", "iv", "--dose", "1.5 mg/kg/hr")
    assert code == 0
    verdict = " ".join(out.split("dosecalc check:", 1)[0].split())
    # Above even without a weight: that leads, and the patient is checked too.
    assert verdict.startswith(
        "Verdict: ABOVE the range of ketamine-overview.txt, and the patient was not checked "
        "against it: withhold it and ask the prescriber; check the weight too"
    )
    assert "needs the patient's weight" in out
    code, out, err = run_cli("check", "--regimen", "iv", "--dose", "30 mg/hr")
    assert (code, out) == (2, "")
    assert "give the dose per kg" in err


def test_a_rule_folder_without_a_manifest_closes_the_app_before_any_dose_with_exit_2(
    run_cli, rules_copy: Path, app_on_a_terminal
):
    code, out, err = run_cli("--rules", str(rules_copy), "tui")
    assert (code, out) == (2, "")
    assert err.startswith(f"dosecalc: rules folder '{rules_copy}' has no MANIFEST.sha256")
    assert err.count("\n") == 1
    (app,) = app_on_a_terminal
    assert app.calculator is None


@pytest.mark.parametrize(
    ("weight", "dose", "regimen"),
    [
        ("20 kg", "8 mg/hr", "iv"),  # a patient the source does not cover: led, made up
        ("70 kg", "30 mg/hr", "iv"),  # within: no lead
        ("70 kg", "40 mg/hr", "iv"),  # above the range: led by check's headline
        (None, "30 mg/hr", None),  # no regimen: NOT CHECKED
    ],
)
def test_prepare_strict_exits_3_exactly_when_a_lead_comes_before_the_recipe(
    run_cli, weight, dose, regimen
):
    """As check --strict fails on any headline but a plain within, prepare --strict fails on
    any lead: the recipe under "NOT CHECKED FOR THIS PATIENT" exited 0."""
    arguments = ["prepare", "--dose", dose, "--stock", "100 mg/mL", "--final-volume", "50 mL"]
    arguments += ["--duration", "24 hr", "--json"]
    arguments += ["--regimen", regimen, "--weight", weight] if regimen else []
    code, out, _ = run_cli(*arguments)
    strict_code, strict_out, _ = run_cli(*arguments, "--strict")
    document = json.loads(out)
    led, refused = document["headline"] is not None, document["refusal"] is not None
    assert code == (3 if refused else 0)
    assert strict_code == (3 if led or refused else 0)
    assert strict_out == out


def _value_for(action: argparse.Action) -> str:
    """A value argparse itself accepts for ``action`` (its first choice, a number for a
    number), so that any refusal seen is dosecalc's."""
    if action.choices:
        return str(next(iter(action.choices)))
    return "8000" if action.type is int else "70 kg"


def _commands_and_options() -> list[tuple[list[str], argparse.Action]]:
    """Every (command line that parses, option) of the parser, help and version aside: read
    from the parser itself, so an option added later is covered. The command line gives
    each required argument of its command."""
    found: list[tuple[list[str], argparse.Action]] = []

    def walk(parser: argparse.ArgumentParser, path: list[str]) -> None:
        required = [
            part
            for action in parser._actions
            if action.required and not isinstance(action, argparse._SubParsersAction)
            for part in (
                [action.option_strings[0], _value_for(action)]
                if action.option_strings
                else [_value_for(action)] * (action.nargs if isinstance(action.nargs, int) else 1)
            )
        ]
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    walk(sub, [*path, name])
            elif action.option_strings and not isinstance(
                action, argparse._HelpAction | argparse._VersionAction
            ):
                found.append(([*path, *required], action))

    walk(cli._parser(), [])
    return found


@given(chosen=st.sampled_from(_commands_and_options()), joined=st.booleans(), data=st.data())
def test_an_option_given_twice_is_refused_by_name_and_nothing_is_worked(chosen, joined, data):
    """argparse keeps the last of a repeated option in silence (--weight 70 kg --weight
    80 kg worked for 80 kg; -o a.csv -o b.csv wrote b.csv): dosecalc refuses it, by any
    of its names (-o and --output are one), before reading any."""
    base, action = chosen
    names = [data.draw(st.sampled_from(action.option_strings)) for _ in range(2)]
    option = names[1]
    if action.nargs == 0:
        twice = names
    elif joined and all(name.startswith("--") for name in names):
        twice = [f"{name}={_value_for(action)}" for name in names]
    else:
        twice = [part for name in names for part in (name, _value_for(action))]
    with (
        pytest.raises(SystemExit) as exited,
        contextlib.redirect_stderr(io.StringIO()) as err,
        contextlib.redirect_stdout(io.StringIO()) as out,
    ):
        cli.main([*base, *twice])
    assert exited.value.code == 2
    also = "" if names[0] == names[1] else f" (as {names[0]} too)"
    said = f"{option} was given more than once{also}: give it once"
    assert said in err.getvalue(), err.getvalue()
    assert out.getvalue() == ""


@pytest.mark.parametrize("shortened", ["--conc", "--weig", "--bas", "--form"])
def test_an_option_is_read_only_by_its_whole_name(shortened):
    argv = ["calc", "--regimen", "iv", shortened, "x"]
    with (
        pytest.raises(SystemExit) as exited,
        contextlib.redirect_stderr(io.StringIO()) as err,
        contextlib.redirect_stdout(io.StringIO()) as out,
    ):
        cli.main(argv)
    assert exited.value.code == 2
    assert f"unrecognized arguments: {shortened} x" in err.getvalue()
    assert out.getvalue() == ""


def test_the_audit_help_names_every_column_the_audit_reads(run_cli):
    """The help is written where the audit (numpy) is not loaded: tied to its columns here."""
    from dosecalc.clinical.audit import OPTIONAL_COLUMNS, REQUIRED_COLUMNS

    with pytest.raises(SystemExit):
        run_cli("audit", "--help")
    said = " ".join(run_cli.last_out().split())
    assert (
        f"columns {', '.join(REQUIRED_COLUMNS)}; optionally {', '.join(OPTIONAL_COLUMNS)};" in said
    )
