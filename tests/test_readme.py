"""The README's examples are run, and the values its comments claim are checked."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest
from conftest import DATA, REPO, plain_id

import dosecalc

README = (REPO / "README.md").read_text(encoding="utf-8")
CLAIM = re.compile(r"^(?P<expr>[^#]+?)\s+# (?P<value>'.*')$")


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README, flags=re.DOTALL)


def run_block(containing: str) -> str:
    """Run the README's python example that contains ``containing``, check every value its
    comments claim, and return what it printed."""
    (block,) = [block for block in python_blocks() if containing in block]
    namespace: dict[str, object] = {}
    with contextlib.redirect_stdout(io.StringIO()) as printed:
        exec(compile(block, "README.md", "exec"), namespace)  # the documented example, as is
    claims = [m for line in block.splitlines() if (m := CLAIM.match(line.strip()))]
    assert len(claims) >= 3
    for claim in claims:
        assert repr(eval(claim["expr"], namespace)) == claim["value"], claim["expr"]
    return printed.getvalue()


def test_the_readme_python_example_runs_and_its_commented_values_are_true():
    assert "weight: '70' has no unit" in run_block("dosecalc.calculate(")


def test_the_readme_audit_example_runs_and_its_commented_values_are_true():
    run_block("dosecalc.audit(")


def test_the_readme_shell_examples_state_what_dosecalc_gives(run_cli):
    examples = re.findall(r"^dosecalc calc (.*?)\s+# (.*)$", README, flags=re.MULTILINE)
    assert len(examples) >= 4
    for arguments, claim in examples:
        code, out, err = run_cli("calc", *shlex.split(arguments))
        assert code == 0, err
        for expected in re.findall(r"\d[\d.,]* to [\d.,]+ [\w/]+", claim):
            assert expected in out, (arguments, expected)


def test_the_readme_check_examples_give_the_verdicts_it_states(run_cli):
    examples = re.findall(
        r"^dosecalc check (--weight.*?)\s+# ((?:PROBABLE ENTRY ERROR: )?\w+ the range)$",
        README,
        flags=re.MULTILINE,
    )
    assert len(examples) >= 5
    for arguments, verdict in examples:
        code, out, err = run_cli("check", *shlex.split(arguments))
        assert code == 0, err
        assert " ".join(out.split()).startswith(f"Verdict: {verdict} of "), out  # first


# Shell lines of the README that this file does not run, each with the test that covers it.
NOT_RUN = {
    "python3 -m venv .venv": "the quick start: .ci/run runs it word for word, on each Python",
    'pip install ".[test]" && pytest': "the quick start: .ci/run runs it word for word",
    'pip install -e ".[test,lint]"': "installs; the quick start installs the same extras",
    "pytest && ruff check .": "the static checks: .ci/run runs each of them",
    'pip install ".[web]"': "installs textual-serve, which the test extra installs too",
    "dosecalc serve": "serves until stopped: tests/test_serve.py starts it and reads the page",
    "dosecalc web": "serves until stopped: tests/test_web_command.py starts it, with a trust "
    "file, and tests/test_web_*.py drive the page and the service",
}
REPO_FILES_THE_EXAMPLES_USE = ("examples", "rules", "tests/data/fictional-library")


def shell_lines() -> list[tuple[str, str]]:
    """(command, comment) for each line of the README's ``sh`` blocks."""
    lines = []
    for block in re.findall(r"```sh\n(.*?)```", README, flags=re.DOTALL):
        for line in block.splitlines():
            command, _, comment = line.partition("  #")
            if command.strip():
                lines.append((command.strip(), comment.strip()))
    return lines


def test_every_shell_line_of_the_readme_is_run_here_or_names_the_test_that_runs_it():
    lines = [command for command, _ in shell_lines()]
    assert len(lines) >= 25
    for prefix in NOT_RUN:
        assert any(line.startswith(prefix) for line in lines), f"stale NOT_RUN entry {prefix!r}"


@pytest.mark.subprocess
@pytest.mark.parametrize(
    ("command", "comment"),
    [line for line in shell_lines() if not line[0].startswith(tuple(NOT_RUN))],
    ids=lambda value: plain_id(value[:60]),
)
def test_each_readme_command_runs_as_written_and_gives_what_its_comment_says(
    tmp_path, command, comment
):
    for name in REPO_FILES_THE_EXAMPLES_USE:
        shutil.copytree(REPO / name, tmp_path / name)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    run = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", command],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    stated_exit = re.match(r"exit (\d+)", comment)
    assert run.returncode == (int(stated_exit[1]) if stated_exit else 0), run.stderr
    assert "Traceback" not in run.stderr
    for figures in re.findall(r"\d[\d.,]* to [\d.,]+ [\w/]+", comment):
        assert figures in run.stdout, figures
    if verdict := re.search(
        r"((?:PROBABLE ENTRY ERROR: )?\b[A-Z]+ (?:the range|THE HARD LIMIT))", comment
    ):
        assert f"Verdict: {verdict[1]} of " in " ".join(run.stdout.split())
    elif " check " in command and (lead := re.match(r"[A-Z]+(?: [A-Z0-9]+)+\b", comment)):
        # a headline's leading capitals, as the verdict's first words
        assert re.match(rf"Verdict: {lead[0]}\b", " ".join(run.stdout.split())), run.stdout
    if "-o audited.csv" in command:
        audited = _columns(tmp_path / "audited.csv")
        assert audited["id"] == _columns(tmp_path / "examples" / "orders.csv")["id"]


def test_the_example_orders_hold_what_the_readme_says_they_hold():
    described = re.search(r"`examples/orders.csv` holds (\w+) orders", README)
    assert described is not None
    out = dosecalc.audit(_columns(REPO / "examples" / "orders.csv"))
    rows = len(out["id"])
    assert NUMBER_WORDS[described[1]] == rows
    verdicts = set(out["verdict"])
    assert {"within", "above", "below", ""} <= verdicts
    assert sum(bool(flag) for flag in out["probable_entry_error"]) >= 2
    errors = " ".join(out["error"])
    assert "has no unit" in errors
    assert "is not a regimen in the rules in force" in errors
    doses = " ".join(out["dose"])
    assert "mL/hr" in doses
    assert " mL" in doses.replace("mL/hr", "")


NUMBER_WORDS = {"twelve": 12}


def _columns(path: Path) -> dict[str, list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {name: [row[name] for row in rows] for name in rows[0]}


def dask_block() -> str:
    (block,) = [b for b in python_blocks() if "import dask" in b]
    return block


@pytest.mark.subprocess
@pytest.mark.parametrize("scheduler", ["threads", "processes", "local-cluster"])
def test_the_readme_dask_example_gives_exactly_one_audit_of_the_whole_file(
    tmp_path, monkeypatch, scheduler
):
    dask = pytest.importorskip("dask", reason="the test extra installs dask")
    pd = pytest.importorskip("pandas", reason="the test extra installs pandas")
    shutil.copytree(REPO / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    with contextlib.ExitStack() as stack:
        if scheduler == "local-cluster":
            distributed = pytest.importorskip("distributed", reason="the test extra installs it")
            cluster = stack.enter_context(
                distributed.LocalCluster(
                    n_workers=2, threads_per_worker=2, processes=True, dashboard_address=None
                )
            )
            stack.enter_context(distributed.Client(cluster))
        else:
            stack.enter_context(dask.config.set(scheduler=scheduler))
        exec(compile(dask_block(), "README.md", "exec"), {})  # the documented example, as is
    parts = sorted(tmp_path.glob("audited-*.csv"), key=lambda p: int(p.stem.split("-")[1]))
    assert len(parts) == 4
    read = {"dtype": str, "keep_default_na": False}
    got = pd.concat([pd.read_csv(part, **read) for part in parts], ignore_index=True)
    whole = dosecalc.audit(pd.read_csv(tmp_path / "examples" / "orders.csv", **read))
    expected = pd.read_csv(io.StringIO(whole.to_csv(index=False)), **read)
    pd.testing.assert_frame_equal(got, expected)


def _stated(pattern: str) -> re.Match[str]:
    found = re.search(pattern, " ".join(README.split()))
    assert found is not None, pattern
    return found


def test_the_numbers_the_readme_states_are_the_ones_the_code_uses():
    import tomllib

    from dosecalc.foundation import bounds
    from dosecalc.foundation.units import (
        MAX_INPUT_LENGTH,
    )
    from dosecalc.patient import body
    from dosecalc.reports.audit_file import CHUNK_ROWS

    band = _stated(
        r"usual adult band of (\d+) to (\d+) kg, a possible lb/kg mix-up when × or ÷ ([\d.]+)"
    )
    assert tuple(map(Fraction, band.groups()[:2])) == bounds.USUAL_ADULT_WEIGHT_KG
    assert Fraction(band[3]) == body.LB_KG_MIX_UP_FACTOR
    weights = _stated(
        r"A weight outside ([\d.]+) to (\d+) kg or a height outside (\d+) to (\d+) cm"
    )
    assert tuple(map(Fraction, weights.groups()[:2])) == bounds.WEIGHT_LIMITS_KG
    assert tuple(map(Fraction, weights.groups()[2:])) == bounds.HEIGHT_LIMITS_CM
    assert int(_stated(r"text over (\d+) characters")[1]) == MAX_INPUT_LENGTH
    from dosecalc.foundation.text import EXCERPT_CHARACTERS

    assert int(_stated(r"as typed up to (\d+) characters")[1]) == EXCERPT_CHARACTERS
    for pattern, stated_bounds in (
        (
            r"a concentration outside ([\d.]+) to ([\d.]+) mg/mL",
            bounds.USUAL_CONCENTRATION_MG_PER_ML,
        ),
        (r"a pump rate outside ([\d.]+) to ([\d.]+) mL/hr", bounds.PUMP_RATE_ML_PER_H),
        (r"a volume per dose outside ([\d.]+) to\s+([\d.]+) mL", bounds.VOLUME_PER_DOSE_ML),
    ):
        assert tuple(map(Fraction, _stated(pattern).groups())) == stated_bounds
    assert int(_stated(r"streams in chunks of ([\d,]+) rows")[1].replace(",", "")) == CHUNK_ROWS
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    gate = pyproject["tool"]["coverage"]["report"]["fail_under"]
    assert all(int(n) == gate for n in re.findall(r"fails below (\d+) % branch coverage", README))
    corpus = tomllib.loads((DATA / "bad_inputs.toml").read_text(encoding="utf-8"))
    assert int(_stated(r"bad_inputs.toml`, (\d+) entries")[1]) == len(corpus["case"])
    cases = sum(len(_columns(path)["source"]) for path in (DATA / "validation").glob("*.csv"))
    assert int(_stated(r"External worked cases\*\*: (\d+) rows")[1]) == cases


def test_the_audit_restates_a_dose_to_the_precision_the_readme_states_for_each_format(tmp_path):
    stated = _stated(
        r"`dose_in_rule_units` \| the dose restated in the rule's unit: (\d+) significant"
    )
    orders = tmp_path / "orders.csv"
    orders.write_text("weight,regimen,dose\n70 kg,iv,30 mg/hr\n70 kg,iv,1 mg/min\n", "utf-8")
    csv_out = subprocess.run(
        [sys.executable, "-m", "dosecalc", "audit", str(orders)], capture_output=True, text=True
    )
    jsonl = subprocess.run(
        [sys.executable, "-m", "dosecalc", "audit", str(orders), "--json"],
        capture_output=True,
        text=True,
    )
    exact = [Fraction(30, 70), Fraction(60, 70)]
    shown = [row["dose_in_rule_units"] for row in csv.DictReader(io.StringIO(csv_out.stdout))]
    assert shown == [f"{float(value):.{stated[1]}g}" for value in exact]
    floats = [json.loads(line)["dose_in_rule_units"] for line in jsonl.stdout.splitlines()]
    assert floats == [float(value) for value in exact]


def test_the_readme_table_of_verdicts_lists_every_outcome_in_the_policys_order():
    """The table a ward reads to learn what a verdict means names every outcome that
    `dosecalc.clinical.headline` can give, most serious first, as the code ranks them."""
    from dosecalc.clinical.headline import OUTCOMES

    table = README.split("| outcome | headline", 1)[1].split("\n\n", 1)[0]
    listed = [
        code
        for row in table.splitlines()[2:]
        for code in re.findall(r"`([a-z0-9-]+)`", row.split("|")[1])
    ]
    assert listed == list(OUTCOMES)
