"""Every command under any encoding of standard output and error: what it writes is
carried by that encoding and means the same, or it stops with one line and exit 2.

``PYTHONIOENCODING=ascii``, a Latin-1 locale or an ASCII terminal cannot carry "×", "÷",
"→", "−" or a no-break space. dosecalc writes each as its plain stand-in ("x", "/", "->",
"-", a space) or, where it has none, its ``\\uXXXX`` escape, and JSON with JSON's escapes;
the figures never change. An audit to standard output copies cells untouched, so a cell
the encoding cannot carry stops it with one line that says what was written.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import cell_texts, output_encodings

from dosecalc.faces.cli import main
from dosecalc.foundation.text import STAND_INS, carried

REPO = Path(__file__).resolve().parents[1]
ORDERS = REPO / "examples" / "orders.csv"
CALC = ["--weight", "95 kg", "--regimen", "iv", "--height", "5 ft 7 in", "--sex", "female"]
CHECK = ["--weight", "70 kg", "--regimen", "iv", "--dose", "300 mg/hr"]
PREPARE = ["--stock", "500 mg/10 mL", "--final-volume", "50 mL", "--duration", "24 hr"]
COMMANDS: dict[str, list[str]] = {
    **{f"calc {name}": ["calc", *CALC, "--format", name] for name in ("text", "markdown", "html")},
    **{f"calc {name}": ["calc", *CALC, "--format", name] for name in ("json", "fhir")},
    **{f"check {name}": ["check", *CHECK, "--format", name] for name in ("text", "markdown")},
    "check html": ["check", *CHECK, "--format", "html", "--concentration", "1 mg/mL"],
    "check json": ["check", *CHECK, "--json"],
    "check fhir": ["check", *CHECK, "--format", "fhir"],
    "check strict": ["check", *CHECK, "--strict"],
    "prepare text": ["prepare", "--dose", "35 mg/hr", *PREPARE],
    "prepare range": ["prepare", "--weight", "70 kg", "--regimen", "iv", *PREPARE],
    "prepare json": [
        "prepare",
        "--dose",
        "840 mg/hr",
        "--regimen",
        "iv",
        "--weight",
        "70 kg",
        *PREPARE,
        "--json",
    ],
    "audit csv": ["audit", "ORDERS"],
    "audit json": ["audit", "ORDERS", "--json"],
    "rules": ["rules"],
    "rules check": ["rules", "--check", str(REPO / "examples" / "hospital-library")],
    "rules schema": ["rules", "--schema"],
    "rules diff": ["rules", "diff", "rules", "examples/rules-proposed", "--impact", "ORDERS"],
    "rules diff json": ["rules", "diff", "rules", "examples/rules-proposed", "--json"],
    "bad input": ["calc", "--weight", "70 \u00b5g", "--regimen", "iv"],
    "tui": ["tui"],
    "serve": ["serve", "--port", "0"],
    "web": ["web", "--port", "0"],
}
JSON = {
    *("audit json", "calc json", "calc fhir", "check json", "check fhir", "prepare json"),
    *("rules schema", "rules diff json"),
}
WHEN_MADE = re.compile(r"Made [^\n<]*")
ESCAPE = re.compile(r"\\u[0-9a-f]{4}")


def run(args: list[str], encoding: str) -> tuple[int, bytes, bytes]:
    """``dosecalc ARGS`` in this process, its stdout and stderr of ``encoding`` (strict:
    a character that cannot be carried would be an error, as a real stream's is)."""
    out, err = io.BytesIO(), io.BytesIO()
    streams = [io.TextIOWrapper(b, encoding=encoding, errors="strict") for b in (out, err)]
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = streams
    try:
        code = main(args)
    except SystemExit as stopped:  # --help
        code = int(stopped.code or 0)
    finally:
        sys.stdout, sys.stderr = saved
        for stream in streams:
            stream.flush()
    return code, out.getvalue(), err.getvalue()


def figures(text: str) -> list[str]:
    """The numbers of ``text`` in order (escapes, which hold hex digits, and the power of
    a unit, "m^2" for "m²", left out)."""
    plain = re.sub(r"\^\d", "", ESCAPE.sub(" ", WHEN_MADE.sub("", text)))
    return re.findall(r"\d+(?:[.,:]\d+)*", plain)


def documents(text: str) -> list[object]:
    """A JSON document, or JSON Lines: what they say."""
    try:
        return [json.loads(text)]
    except ValueError:
        return [json.loads(line) for line in text.splitlines()]


def same_meaning(shown: str, reference: str, encoding: str, *, is_json: bool) -> None:
    if is_json:
        assert documents(shown) == documents(reference)
        return
    assert figures(shown) == figures(reference)
    assert WHEN_MADE.sub("", shown) == WHEN_MADE.sub("", carried(reference, encoding))
    assert len(shown.splitlines()) == len(reference.splitlines())


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(sorted(COMMANDS)), encoding=output_encodings(), note=cell_texts())
def test_every_command_writes_what_its_encoding_carries_or_one_line_and_exit_2(
    name, encoding, note, tmp_path, monkeypatch
):
    monkeypatch.chdir(REPO)
    orders = tmp_path / "orders.csv"
    lines = ORDERS.read_text(encoding="utf-8").splitlines()
    orders.write_text(
        "\n".join([f"{lines[0]},note", *(f"{line},{note}" for line in lines[1:])]) + "\n",
        encoding="utf-8",
    )
    args = [str(orders) if arg == "ORDERS" else arg for arg in COMMANDS[name]]
    code, out, err = run(args, encoding)
    reference_code, reference_out, reference_err = run(args, "utf-8")
    shown_out, shown_err = out.decode(encoding), err.decode(encoding)
    assert code in (0, 1, 2, 3), shown_err  # never 70
    if code == reference_code:
        same_meaning(shown_out, reference_out.decode(), encoding, is_json=name in JSON)
        same_meaning(shown_err, reference_err.decode(), encoding, is_json=False)
        return
    # Only a cell the encoding cannot carry stops an audit that would have run.
    assert (name, code) == ("audit csv", 2)
    assert shown_err.count("\n") == 1
    assert shown_err.startswith("dosecalc: output: line 2 of the orders holds U+")
    assert [c for c in note if not c.encode(encoding, "ignore")]  # one it cannot carry
    assert shown_out.startswith(lines[0])  # the header, written before the first row: said
    assert "the header and 0 rows" in shown_err


@pytest.mark.parametrize("character", sorted(STAND_INS))
def test_each_stand_in_is_plain_text_that_any_encoding_carries(character):
    stand_in = STAND_INS[character]
    assert stand_in.isascii()
    assert stand_in.isprintable()
    assert carried(f"1 {character} 2", "ascii") == f"1 {stand_in} 2"
    assert json.loads(carried(json.dumps(character, ensure_ascii=False), "ascii", json=True)) == (
        character
    )


@pytest.mark.subprocess
@pytest.mark.parametrize(
    ("environment", "args"),
    [
        ({"PYTHONIOENCODING": "ascii"}, ["calc", *CALC]),
        ({"PYTHONIOENCODING": "ascii"}, ["check", *CHECK]),
        ({"PYTHONIOENCODING": "ascii"}, ["check", *CHECK, "--json"]),
        ({"PYTHONIOENCODING": "ascii"}, ["prepare", "--dose", "35 mg/hr", *PREPARE]),
        ({"PYTHONIOENCODING": "ascii"}, ["audit", str(ORDERS)]),
        ({"PYTHONIOENCODING": "latin-1"}, ["prepare", "--dose", "35 mg/hr", *PREPARE]),
        (
            {"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"},
            ["check", *CHECK],
        ),
    ],
)
def test_an_ascii_or_latin_1_standard_output_gets_the_whole_output(environment, args):
    encoding = environment.get("PYTHONIOENCODING", "ascii")
    run = subprocess.run(
        [sys.executable, "-m", "dosecalc", *args],
        env={**os.environ, **environment},
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    out, err = run.stdout.decode(encoding), run.stderr.decode(encoding)  # strictly
    assert "internal error" not in err
    assert "Nothing was calculated" not in err
    if args[0] == "audit":
        assert len(out.splitlines()) == 1 + 12  # the header and every row
        assert "12 rows audited" in err


def test_an_internal_error_after_rows_are_written_never_says_nothing_was_calculated(
    monkeypatch, capsys
):
    from dosecalc.reports import audit_file

    def broken(value: float, verdict: str, rule: object) -> str:
        raise RuntimeError("a fault of dosecalc's own")

    monkeypatch.setattr(audit_file, "dose_beside_bounds", broken)
    code = main(["audit", str(ORDERS)])
    out, err = capsys.readouterr()
    assert code == 70
    assert out.startswith("id,ward,weight")  # the header was out
    assert err.count("\n") == 1
    assert "Nothing was calculated" not in err
    assert "(the header and 0 rows) is an incomplete audit" in err
