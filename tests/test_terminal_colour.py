"""Colour reaches a terminal as colour: the command line run on a pseudo-terminal, its bytes
read as the terminal gets them. The verdict's SGR sequences arrive as real ESC bytes, never
written out as ``\\u001b`` text; on a pipe, or with NO_COLOR set, no ESC byte at all."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from conftest import REPO
from hypothesis import given, settings
from strategies import terminal_commands

import dosecalc
from dosecalc.foundation.text import printable
from dosecalc.reports.formats import render_check

SGR = re.compile(rb"\x1b\[[0-9;]*m")
LITERAL_ESCAPES = (b"\\u001b", b"\\u001B", b"\\x1b", b"\\033", b"\\e[")
RESET = b"\x1b[0m"


def environment(*, no_color: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "DOSECALC_RULES")}
    return {**env, "NO_COLOR": "1"} if no_color else env


def on_a_terminal(argv: list[str], *, no_color: bool = False) -> tuple[int, bytes, bytes]:
    """``dosecalc ARGV`` with its standard output on a pseudo-terminal: (exit code, the bytes
    the terminal got, standard error)."""
    controller, terminal = os.openpty()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "dosecalc", *argv],
            stdin=subprocess.DEVNULL,
            stdout=terminal,
            stderr=subprocess.PIPE,
            cwd=REPO,
            env=environment(no_color=no_color),
        )
    finally:
        os.close(terminal)
    received = bytearray()
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # EIO: the last writer closed the terminal
            break
        if not chunk:
            break
        received += chunk
    os.close(controller)
    assert process.stderr is not None
    err = process.stderr.read()
    process.stderr.close()
    return process.wait(), bytes(received), err


def on_a_pipe(argv: list[str]) -> tuple[int, bytes, bytes]:
    run = subprocess.run(
        [sys.executable, "-m", "dosecalc", *argv],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        cwd=REPO,
        env=environment(no_color=False),
        check=False,
    )
    return run.returncode, run.stdout, run.stderr


def assert_no_escape_written_out(*outputs: bytes) -> None:
    for output in outputs:
        assert not [escape for escape in LITERAL_ESCAPES if escape in output], output[:400]


def painted(argv: list[str]) -> bool:
    """Whether this command paints anything on a terminal: a text report with a headline, a
    check's, or a preparation's of an order without its regimen (NOT CHECKED leads it)."""
    if "--json" in argv:
        return False
    return argv[0] == "check" or (argv[0] == "prepare" and "--regimen" not in argv)


@pytest.mark.subprocess
@settings(max_examples=12, deadline=None)
@given(argv=terminal_commands())
def test_on_a_terminal_colour_arrives_as_escape_bytes_and_never_as_escape_text(argv):
    code, out, err = on_a_terminal(argv)
    assert code == 0, err
    assert_no_escape_written_out(out, err)
    assert SGR.sub(b"", out).count(b"\x1b") == 0  # every ESC byte starts a colour, nothing else
    if not painted(argv):
        assert b"\x1b" not in out
        return
    # Which words are painted, and in which colour, is the report's to say; that they are
    # painted, each colour closed on its line with words inside, is what a terminal needs.
    coloured = [line for line in out.splitlines() if SGR.search(line)]
    assert coloured
    for line in coloured:
        assert SGR.findall(line)[-1] == RESET
        assert all(words.strip() for words in SGR.split(line)[1::2])  # colour, words, reset


@pytest.mark.subprocess
@settings(max_examples=12, deadline=None)
@given(argv=terminal_commands())
def test_on_a_pipe_and_with_no_color_no_escape_byte_is_printed(argv):
    for code, out, err in (on_a_pipe(argv), on_a_terminal(argv, no_color=True)):
        assert code == 0, err
        assert b"\x1b" not in out
        assert b"\x1b" not in err
        assert_no_escape_written_out(out, err)


def test_colour_is_added_after_the_report_is_made_printable(run_cli, monkeypatch):
    """In process, colour forced on: a control character in the report is still written out
    as text, and the colour still arrives as ESC bytes; colour adds nothing but SGR codes."""
    from dosecalc.faces import cli

    hostile = "\x1b[2J"
    monkeypatch.setattr(cli, "_colour_wanted", lambda: True)
    monkeypatch.setattr(
        cli, "render_check", lambda result, name: render_check(result, name) + hostile
    )
    code, out, _ = run_cli("check", "--weight", "70 kg", "--regimen", "iv", "--dose", "400 mg/hr")
    assert code == 0
    assert out.endswith("\\u001b[2J")  # the report's own ESC, made printable
    assert re.search(r"\x1b\[[0-9;]*m", out)  # the colour's, as it is
    result = dosecalc.check(weight="70 kg", regimen="iv", dose="400 mg/hr")
    plain = printable(render_check(result, "text") + hostile)
    assert re.sub(r"\x1b\[[0-9;]*m", "", out) == plain
