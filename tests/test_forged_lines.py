"""A rule folder cannot forge the tool's own lines. A file name with a line break once put a
line such as "No changes: ..." into ``rules diff``, ``rules --check`` and the rules' version
in every report. A name (or any rule text) with a control, format or line-separator
character is refused when the folder loads, naming the file, in one line with that character
escaped; a printable name of any script is shown as it is, and each output keeps exactly the
tool's own lines."""

from __future__ import annotations

import os
import shutil
import unicodedata
from pathlib import Path

import pytest
from conftest import reviewed
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import (
    FORGED_LINES,
    LINE_BREAKS,
    forging_characters,
    forging_names,
    printable_names,
    spaced_names,
)

import dosecalc
from dosecalc import RulesError, load_rules
from dosecalc.foundation.text import is_control

SHIPPED = dosecalc.default_rules_path()
RULE_FILE = "ketamine-palliative.toml"


def commands(folder: Path) -> dict[str, list[str]]:
    """The outputs a reviewer reads: ``rules --check``, ``rules diff``, ``rules`` and a report."""
    return {
        "rules --check": ["rules", "--check", str(folder)],
        "rules diff": ["rules", "diff", str(SHIPPED), str(folder)],
        "rules": ["--rules", str(folder), "rules"],
        "calc": ["--rules", str(folder), "calc", "--weight", "70 kg", "--regimen", "iv"],
        "check": [
            *("--rules", str(folder), "check", "--weight", "70 kg", "--regimen", "iv"),
            *("--dose", "30 mg/hr"),
        ],
    }


def assert_one_plain_line_of_refusal(err: str, character: str) -> None:
    """``err`` is exactly one line, with no control character in it, naming ``character``."""
    assert err.endswith("\n")
    assert err.count("\n") == 1, err
    assert not any(is_control(c) for c in err.removesuffix("\n")), err
    assert f"control character U+{ord(character):04X}" in err, err
    for forged in FORGED_LINES:
        assert f"\n{forged}" not in err


def folder_with(tmp_path: Path, name: str, text: str | None = None) -> Path:
    folder = tmp_path / "rules"
    folder.mkdir()
    source = (SHIPPED / RULE_FILE).read_text(encoding="utf-8")
    (folder / name).write_text(text if text is not None else source, encoding="utf-8")
    return reviewed(folder)


@settings(max_examples=80, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=forging_names())
def test_a_file_name_with_a_control_or_separator_character_is_refused_in_one_line_everywhere(
    tmp_path_factory, run_cli, name
):
    character = next(c for c in name if is_control(c))
    folder = folder_with(tmp_path_factory.mktemp("name"), name)
    with pytest.raises(RulesError) as refused:
        load_rules(folder)
    message = str(refused.value)
    assert message.startswith("rule file '"), message
    assert_one_plain_line_of_refusal(message + "\n", character)
    for command, argv in commands(folder).items():
        code, out, err = run_cli(*argv)
        assert (code, out) == (2, ""), (command, out)
        assert err.startswith("dosecalc: rule file '"), (command, err)
        assert_one_plain_line_of_refusal(err, character)


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(character=st.one_of(st.sampled_from(LINE_BREAKS), forging_characters))
def test_a_rules_folder_whose_own_name_could_forge_a_line_is_refused(
    tmp_path_factory, run_cli, character
):
    folder = tmp_path_factory.mktemp("folder") / f"rules{character}No changes: ok"
    folder.mkdir()
    shutil.copy(SHIPPED / RULE_FILE, folder / RULE_FILE)
    reviewed(folder)
    for command, argv in commands(folder).items():
        code, out, err = run_cli(*argv)
        assert (code, out) == (2, ""), command
        assert err.startswith("dosecalc: rules folder '"), (command, err)
        assert_one_plain_line_of_refusal(err, character)


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=spaced_names)
def test_a_file_name_with_a_space_of_any_kind_is_refused_in_one_line(
    tmp_path_factory, run_cli, name
):
    space = next(c for c in name if c.isspace() or unicodedata.category(c) == "Zs")
    folder = folder_with(tmp_path_factory.mktemp("spaced"), name)
    for command, argv in commands(folder).items():
        code, out, err = run_cli(*argv)
        assert (code, out) == (2, ""), command
        assert err.startswith("dosecalc: rule file '"), (command, err)
        assert err.count("\n") == 1
        assert f"a space (U+{ord(space):04X})" in err


def test_a_file_name_that_is_not_utf8_is_refused_naming_the_byte(tmp_path, run_cli):
    folder = tmp_path / "rules"
    folder.mkdir()
    shutil.copy(SHIPPED / RULE_FILE, os.fsencode(folder) + b"/bad\xff\nNo changes.toml")
    for argv in commands(folder).values():
        code, out, err = run_cli(*argv)
        assert (code, out) == (2, "")
        assert err.count("\n") == 1
        assert "a byte that is not UTF-8" in err
        assert "Traceback" not in err


def _outputs(folder: Path, run_cli, stem: str) -> list[str]:
    """What each command prints, its rule file's stem and the rule set's SHA-256 replaced by
    placeholders (they differ between two names, and nothing else may)."""
    sha256 = load_rules(folder).sha256
    printed = []
    for argv in commands(folder).values():
        code, out, err = run_cli(*argv)
        assert code in (0, 1), err
        printed.append(out.replace(sha256, "<sha256>").replace(stem, "<stem>"))
    return printed


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=printable_names)
def test_a_printable_file_name_of_any_script_is_shown_as_it_is_in_the_tools_own_lines(
    tmp_path_factory, run_cli, name
):
    # As long as the name (a report wraps its lines by length): only the name may differ.
    reference = f"rule-{'x' * (len(name) - len('rule--end.toml'))}-end.toml"
    folder = folder_with(tmp_path_factory.mktemp("plain"), reference)
    expected = _outputs(folder, run_cli, reference.removesuffix(".toml"))
    (folder / reference).rename(folder / name)
    reviewed(folder)
    assert name.removesuffix(".toml") in load_rules(folder).version
    assert _outputs(folder, run_cli, name.removesuffix(".toml")) == expected


TEXT_FIELDS = {
    "drug": ('drug = "ketamine"', 'drug = "keta{}mine"'),
    "route": ('route = "intravenous infusion"', 'route = "intravenous{} infusion"'),
    "label": ('label = "Low dose"', 'label = "Low{} dose"'),
    "side effect": ('"confusion"', '"confu{}sion"'),
    "supervision": ("specialist, and", "specialist,{} and"),
    "not specified": ('"infusion duration"', '"infusion{} duration"'),
    "document": ('document = "ketamine-overview.txt"', 'document = "ketamine{}-overview.txt"'),
    "section": (
        'section = "Ketamine in Palliative Care"',
        'section = "Ketamine{} in Palliative Care"',
    ),
    "quote": ("Low Dose:", "Low{} Dose:"),
    "version": ('version = "1.1.0"', 'version = "1.1.0{}"'),
    "a key": ('aliases = ["iv"]', 'aliases = ["iv"]\n"x{}" = 1'),
}


@settings(max_examples=80, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    field=st.sampled_from(sorted(TEXT_FIELDS)),
    character=st.one_of(st.sampled_from(LINE_BREAKS), forging_characters),
    forged=st.sampled_from(["", *FORGED_LINES]),
)
def test_rule_text_with_any_control_or_separator_character_is_refused_in_one_plain_line(
    tmp_path_factory, run_cli, field, character, forged
):
    old, new = TEXT_FIELDS[field]
    # As a TOML basic string escapes a character: any code point, beyond U+FFFF too.
    escaped = "".join(f"\\U{ord(c):08X}" if is_control(c) else c for c in character + forged)
    source = (SHIPPED / RULE_FILE).read_text(encoding="utf-8")
    assert old in source
    folder = folder_with(
        tmp_path_factory.mktemp("text"), RULE_FILE, source.replace(old, new.format(escaped), 1)
    )
    if run_cli("rules", "--check", str(folder))[0] == 0:
        # Blank characters at either end of a value are trimmed, as in every value: what
        # loads is the shipped rule, character for character.
        assert not (character + forged).strip()
        loaded, shipped = load_rules(folder), load_rules(SHIPPED)
        assert (loaded.version, loaded.regimens) == (shipped.version, shipped.regimens)
        return
    for command, argv in commands(folder).items():
        code, out, err = run_cli(*argv)
        assert (code, out) == (2, ""), command
        assert err.startswith(f"dosecalc: {RULE_FILE}: "), (command, err)
        assert err.count("\n") == 1, (command, err)
        assert not any(is_control(c) for c in err.removesuffix("\n")), (command, err)
