"""The README's examples are run, and the values its comments claim are checked."""

from __future__ import annotations

import contextlib
import io
import re
import shlex

from conftest import REPO

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
        r"^dosecalc check (--weight.*?)\s+# (\w+ the range)$", README, flags=re.MULTILINE
    )
    assert len(examples) >= 5
    for arguments, verdict in examples:
        code, out, err = run_cli("check", *shlex.split(arguments))
        assert code == 0, err
        assert f"Verdict: {verdict}" in out
