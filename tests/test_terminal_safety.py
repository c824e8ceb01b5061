"""Nothing raw on a terminal: whatever a user types or a rule file holds, what dosecalc
prints carries no escape sequence, bidirectional override or other control character
(only line feeds), JSON stays JSON, and rule text is refused with such characters in it."""

from __future__ import annotations

import asyncio
import json
import unicodedata
from pathlib import Path

import pytest
from conftest import reviewed
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dosecalc import RulesError, load_rules
from dosecalc.foundation.text import is_control, printable

ESCAPES = ["\x1b[2J", "\x1b[32mWITHIN\x1b[0m", "\x9b31m", "\u202e", "\x07", "\r", "\u2028"]
hostile = st.one_of(
    st.sampled_from(ESCAPES),
    st.text(st.characters(categories=["Cc", "Cf", "Zl", "Zp"]), min_size=1, max_size=4),
)
texts = st.builds(lambda a, b, c: a + b + c, st.text(max_size=5), hostile, st.text(max_size=5))


def assert_printable(text: str) -> None:
    raw = [f"U+{ord(c):04X}" for c in text if c != "\n" and is_control(c)]
    assert not raw, raw


@given(text=st.text())
def test_printable_leaves_no_control_character_but_line_feeds(text):
    assert_printable(printable(text))


@given(text=st.text())
def test_json_made_printable_is_still_json_with_the_same_strings(text):
    assert json.loads(printable(json.dumps({"x": text}, ensure_ascii=False))) == {"x": text}


@given(text=st.text(st.characters(exclude_categories=["Cc", "Cf", "Cs", "Co", "Zl", "Zp"])))
def test_text_without_control_characters_is_printed_as_it_is(text):
    assert printable(text) == text


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from(["--regimen", "--sex", "--basis", "--weight", "--dose"]), text=texts)
def test_nothing_a_user_types_reaches_the_terminal_raw(run_cli, field, text):
    arguments = {"--weight": "70 kg", "--regimen": "iv", "--dose": "30 mg/h", "--sex": "male"}
    arguments[field] = text
    for command, extra in (("check", []), ("check", ["--json"]), ("calc", [])):
        argv = [command, *(a for k, v in arguments.items() for a in (k, v)), *extra]
        if command == "calc":
            dose = argv.index("--dose")
            del argv[dose : dose + 2]
        try:
            code, out, err = run_cli(*argv)
        except SystemExit:  # argparse refused the command line itself
            continue
        assert_printable(out)
        assert_printable(err)
        if code == 0 and "--json" in argv:
            json.loads(out)


@pytest.mark.parametrize("character", ["\x1b", "\u202e", "\n", "\x9b", "\u2028"])
@pytest.mark.parametrize("field", ["side_effects", "supervision", "route", "quote"])
def test_rule_text_with_a_control_character_is_refused(rules_copy: Path, character, field):
    path = rules_copy / "ketamine-palliative.toml"
    text = path.read_text(encoding="utf-8")
    escaped = json.dumps(character)[1:-1]  # as a TOML basic string writes it
    edits = {
        "side_effects": ('"confusion"', f'"confu{escaped}sion"'),
        "supervision": ("specialist, and", f"specialist,{escaped} and"),
        "route": ('"intravenous infusion"', f'"intravenous{escaped} infusion"'),
        "quote": ("Low Dose:", f"Low{escaped} Dose:"),
    }
    old, new = edits[field]
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(RulesError, match=f"control character U\\+{ord(character):04X}"):
        load_rules(rules_copy)


def test_the_source_screen_shows_rule_text_as_written_not_as_markup(tmp_path, rules_copy):
    from textual.widgets import Static

    from dosecalc.faces.tui.app import DoseCalcApp
    from dosecalc.faces.tui.screens import SourceScreen

    path = rules_copy / "ketamine-palliative.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("Low Dose:", "Low Dose [sic] [bold]:", 1), encoding="utf-8")
    app = DoseCalcApp(load_rules(reviewed(rules_copy)), export_dir=tmp_path)

    async def go() -> None:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press("enter")
            await pilot.pause()
            await pilot.press("ctrl+o")
            await pilot.pause()
            assert isinstance(pilot.app.screen, SourceScreen)
            shown = str(pilot.app.screen.query_one("#source-text", Static).render())
            assert "Low Dose [sic] [bold]:" in " ".join(shown.split())

    asyncio.run(go())


def test_every_character_class_printable_escapes_is_one_is_control_names():
    for code in (0x1B, 0x9B, 0x202E, 0x2028, 0x2029, 0x200B, 0xFEFF, 0xE000):
        character = chr(code)
        assert is_control(character), unicodedata.name(character, hex(code))
        assert printable(character) == f"\\u{code:04x}"


@given(
    field=st.sampled_from(["regimen", "sex", "basis"]),
    edge=st.one_of(
        st.characters(categories=["Cc", "Cf", "Zl", "Zp"]),
        st.characters(categories=["Zs"]).filter(lambda c: c != " "),
    ),
    before=st.booleans(),
)
def test_a_choice_with_a_control_character_or_an_odd_space_at_its_end_is_refused(
    field, edge, before
):
    import dosecalc

    value = {"regimen": "iv", "sex": "male", "basis": "ideal"}[field]
    fields = {
        "weight": "70 kg",
        "regimen": "iv",
        "height": "170 cm",
        "sex": "male",
        "basis": "ideal",
    }
    fields[field] = edge + value if before else value + edge
    with pytest.raises(dosecalc.ChoiceError):
        dosecalc.calculate(**fields)


def test_argparse_errors_on_stderr_are_printable(capsys):
    from dosecalc.faces import cli

    with pytest.raises(SystemExit):
        cli.main(["calc", "--weight", "70 kg", "--regimen", "iv", "\x1b]0;PWN\x07\x1b[31m\x9b"])
    err = capsys.readouterr().err
    assert "unrecognized arguments" in err
    assert_printable(err)
    assert "\\u001b" in err


def test_json_lines_of_an_audit_escape_every_control_character_and_stay_json(tmp_path):
    import dosecalc

    orders = tmp_path / "orders.csv"
    orders.write_text("id,weight,regimen,dose\n\x1b[31ma\x9bb\u202e,70 kg,iv,30 mg/h\n", "utf-8")
    out = __import__("io").StringIO()
    with orders.open(encoding="utf-8", newline="") as source:
        dosecalc.audit_file(source, out, dosecalc.load_rules(), output_format="jsonl")
    assert_printable(out.getvalue())
    assert json.loads(out.getvalue())["id"] == "\x1b[31ma\x9bb\u202e"
