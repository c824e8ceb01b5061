"""The examples are what the README says they are: the example orders hold exactly the
orders it counts, and the proposed rules are the shipped rules with exactly the change it
names, reviewed (their manifest matches)."""

from __future__ import annotations

import re

from conftest import REPO
from test_readme import README, _columns

import dosecalc
from dosecalc import load_rules
from dosecalc.reports.rules_diff import diff

ORDERS = REPO / "examples" / "orders.csv"
PROPOSED = REPO / "examples" / "rules-proposed"
NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "twelve": 12}


def readme_sentence(pattern: str) -> re.Match[str]:
    found = re.search(pattern, " ".join(README.split()))
    assert found is not None, pattern
    return found


def test_the_example_orders_hold_exactly_what_the_readme_counts(run_cli):
    stated = readme_sentence(r"`examples/orders\.csv` holds (\w+) orders: ([^.]*)\.")
    clauses = re.split(r", (?:and )?", stated[2])
    out = dosecalc.audit(_columns(ORDERS))
    doses = list(zip(out["dose"], out["concentration"], strict=True))
    counts = {
        "probable entry errors": sum(bool(flag) for flag in out["probable_entry_error"]),
        "patient the range was not written for (under 40 kg: within the range but not "
        "checked for them)": sum(outcome == "patient-not-covered" for outcome in out["outcome"]),
        "weight with no unit": sum("has no unit" in error for error in out["error"]),
        "unknown regimen": sum("is not a regimen" in error for error in out["error"]),
        "pump rate": sum(d.endswith("mL/hr") and bool(c) for d, c in doses),
        "volume with their concentration": sum(d.endswith(" mL") and bool(c) for d, c in doses),
    }
    said: dict[str, int] = {}
    for clause in clauses:
        if clause == "within":
            continue  # "within, above and below the range": each verdict, said without a count
        if clause == "above and below the range":
            assert {"within", "above", "below"} <= set(out["verdict"])
            continue
        number, _, what = clause.partition(" ")
        for part in what.split(" and a "):  # "a pump rate and a volume with ..."
            said[part] = NUMBER_WORDS[number]
    assert said == counts
    assert NUMBER_WORDS[stated[1]] == len(out["id"])
    # The audit's own summary (stderr) says the same counts.
    code, _, summary = run_cli("audit", str(ORDERS))
    assert code == 0
    assert f"\n{len(out['id'])} rows audited\n" in f"\n{summary}"
    assert f"\n{counts['probable entry errors']} probable entry errors: " in summary
    assert f"\n{sum(o == 'within' for o in out['outcome'])} within the range: " in summary
    not_checked = counts["weight with no unit"] + counts["unknown regimen"]
    assert f"\n{not_checked} rows not checked " in summary


def test_the_readme_impact_of_the_proposed_rules_on_the_example_orders_is_what_it_says(run_cli):
    stated = readme_sentence(
        r"dosecalc rules diff rules examples/rules-proposed --impact examples/orders\.csv "
        r"# exit 1: and '(\d+) of (\d+) orders change outcome'"
    )
    code, out, _ = run_cli(
        "rules", "diff", str(REPO / "rules"), str(PROPOSED), "--impact", str(ORDERS)
    )
    assert code == 1
    assert f"\n{stated[1]} of {stated[2]} orders change outcome: " in out


def test_the_proposed_rules_are_reviewed_and_differ_from_the_shipped_only_as_the_readme_says():
    shipped, proposed = load_rules(REPO / "rules"), load_rules(PROPOSED)  # manifest verified
    stated = re.search(
        r"^dosecalc rules diff rules examples/rules-proposed +# exit 1: (.*)$", README, re.MULTILINE
    )
    assert stated is not None
    range_change, *named = stated[1].split(", ")
    fields_named = {
        "its citation": {("iv-infusion", "source")},
        "its reviewer": {("iv-infusion", "reviewed_by"), ("iv-infusion", "review_date")},
        "its version": {
            ("ketamine-palliative.toml", "version"),
            ("ketamine-palliative.toml", "sha256"),
        },
    }
    expected = {("iv-infusion", "dose")}.union(*(fields_named[name] for name in named))
    changes = diff(shipped, proposed).changes
    changed = {(c.regimen or c.file, c.field.split(".")[0]) for c in changes}
    assert changed == expected
    [dose] = [c for c in changes if c.field == "dose"]
    assert range_change in dose.text
    # Beyond the fields named, each regimen is the shipped one, field for field.
    restored = [
        r.model_copy(
            update={
                name: getattr(shipped.find(r.id), name) for rid, name in expected if rid == r.id
            }
        )
        for r in proposed.regimens
    ]
    assert restored == list(shipped.regimens)
