"""The bad-input corpus (tests/data/bad_inputs.toml): no entry ever becomes a dose."""

from __future__ import annotations

import subprocess
import tomllib
from typing import Any

import pytest
from conftest import DATA, plain_id

import dosecalc
from dosecalc.foundation.units import (
    MAX_INPUT_LENGTH,
)

CORPUS = tomllib.loads((DATA / "bad_inputs.toml").read_text("utf-8"))
CASES: list[dict[str, Any]] = CORPUS["case"]
BASE = {"weight": "70 kg", "regimen": "iv", "dose": "30 mg/h"}


def arguments(case: dict[str, Any]) -> dict[str, str]:
    value = case["value"] * case.get("repeat", 1)
    return {**BASE, **case.get("with", {}), case["field"]: value}


def case_id(case: dict[str, Any]) -> str:
    value = f"'{case['value']}'" + (f"x{case['repeat']}" if "repeat" in case else "")
    return plain_id(f"{case['field']}={value}")


def test_the_corpus_covers_every_field_with_at_least_150_entries():
    assert len(CASES) >= 150
    fields = {case["field"] for case in CASES}
    assert fields == {"weight", "height", "sex", "basis", "regimen", "concentration", "dose"}
    assert all(
        issubclass(getattr(dosecalc, case["error"]), dosecalc.DoseCalcError) for case in CASES
    )


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_the_library_refuses_it_with_the_named_error_and_message(case):
    error = getattr(dosecalc, case["error"])
    with pytest.raises(error) as raised:
        dosecalc.check(**arguments(case))
    assert case["says"] in str(raised.value)
    assert type(raised.value).__name__ == case["error"]


@pytest.mark.parametrize("case", [c for c in CASES if c.get("cli", True)], ids=case_id)
def test_the_cli_exits_2_with_the_message_on_stderr_and_nothing_on_stdout(case, run_cli):
    argv = ["check", *(f"--{name}={value}" for name, value in arguments(case).items())]
    code, out, err = run_cli(*argv)
    assert (code, out) == (2, "")
    assert err.startswith("dosecalc: ")
    assert case["says"] in err
    assert "Traceback" not in err


def test_long_input_is_refused_by_its_length_before_any_parsing():
    # Tens of kilobytes of "70 kg" would parse if length were not checked first.
    with pytest.raises(dosecalc.ParseError, match="too long") as raised:
        dosecalc.calculate(weight="70 kg" * 10_000, regimen="iv")
    assert str(MAX_INPUT_LENGTH) in str(raised.value)


SAMPLE = [c for c in CASES if c.get("cli", True) and "repeat" not in c][::12]


@pytest.mark.subprocess
@pytest.mark.parametrize("case", SAMPLE, ids=case_id)
def test_the_installed_command_behaves_the_same(case, tmp_path):
    argv = ["dosecalc", "check", *(f"--{k}={v}" for k, v in arguments(case).items())]
    done = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, check=False)
    assert (done.returncode, done.stdout) == (2, "")
    assert case["says"] in done.stderr
    assert "Traceback" not in done.stderr
