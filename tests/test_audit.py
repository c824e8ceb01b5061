"""`dosecalc.audit` and `dosecalc audit`: every row out, each with `check`'s verdict."""

from __future__ import annotations

import csv
import io
import json
import math
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import order_rows

import dosecalc
from dosecalc.clinical.audit import INPUT_COLUMNS, OUTCOME_COUNTS, OUTCOME_NAMES, OUTPUT_COLUMNS
from dosecalc.foundation.display import magnitude
from dosecalc.foundation.units import (
    is_given,
)
from dosecalc.reports.audit_file import FILE_COLUMNS, NOT_CHECKED


def _orders(rows):
    """Rows as columns; a row without its last cells leaves them blank."""
    return {
        name: [row[i] if i < len(row) else "" for row in rows]
        for i, name in enumerate(INPUT_COLUMNS)
    }


def _check_row(row):
    padded = [*row, *[""] * (len(INPUT_COLUMNS) - len(row))]
    weight, regimen, dose, concentration, height, sex, basis, every = padded
    return dosecalc.check(
        weight=weight if is_given(weight) else None,  # a blank cell is no weight
        regimen=regimen,
        dose=dose,
        concentration=concentration,
        height=height,
        sex=sex,
        basis=basis or "actual",
        every=every if is_given(every) else None,
    )


def _check_or_error(row):
    try:
        return _check_row(row), ""
    except dosecalc.InputError as error:
        return None, str(error)


def _assert_agrees_with_check(row, out, i):
    expected, error = _check_or_error(row)
    assert out["error"][i] == error
    if expected is None:
        assert out["verdict"][i] == out["outcome"][i] == ""
        assert math.isnan(out["dose_in_rule_units"][i])
        return
    assert out["verdict"][i] == expected.verdict
    assert out["outcome"][i] == expected.headline.outcome  # the worst finding, as check says
    assert math.isclose(
        out["dose_in_rule_units"][i], float(magnitude(expected.in_rule_units)), rel_tol=1e-12
    )
    assert (
        out["rule_unit"][i]
        == {"iv-infusion": "mg/kg/h", "sublingual-buccal": "mg"}[expected.regimen]
    )
    assert out["warnings"][i] == "; ".join(w.code for w in expected.warnings)
    flag = expected.probable_entry_error
    if flag is None:
        assert out["probable_entry_error"][i] == ""
    else:
        named = [part for part in out["probable_entry_error"][i].split("; ") if part]
        assert [p for p in named if p.startswith("possibly ")] == [
            f"possibly {slip.slip} ({slip.factor})" for slip in flag.slips
        ]
        assert any("times" in p or "1/10" in p for p in named) == flag.reason.startswith(
            "the dose is"
        )


@given(st.lists(order_rows(), min_size=1, max_size=12))
def test_every_row_gets_exactly_the_verdict_check_gives(rows):
    out = dosecalc.audit(_orders(rows))
    assert all(len(out[name]) == len(rows) for name in OUTPUT_COLUMNS)
    for i, row in enumerate(rows):
        _assert_agrees_with_check(row, out, i)


@given(st.lists(order_rows(), min_size=1, max_size=12))
def test_a_filed_audit_says_on_every_row_its_worst_finding_and_the_rules_it_rests_on(rows):
    """The file is the record: each row's headline is the name of the outcome `check` leads
    with and what `check`'s headline says to do (or that it was not checked), and each row
    names the rules."""
    table = io.StringIO(newline="")
    csv.writer(table, lineterminator="\r\n").writerows([INPUT_COLUMNS, *rows])
    out = io.StringIO(newline="")
    rules = dosecalc.load_rules()
    dosecalc.audit_file(io.StringIO(table.getvalue(), newline=""), out, rules)
    filed = list(csv.DictReader(io.StringIO(out.getvalue(), newline="")))
    assert len(filed) == len(rows)
    for row, record in zip(rows, filed, strict=True):
        checked, _ = _check_or_error(row)
        if checked is None:
            assert record["headline"] == NOT_CHECKED
        else:
            name, _, action = record["headline"].partition(": ")
            assert name == OUTCOME_NAMES[checked.headline.outcome]
            assert action
            assert checked.headline.action.startswith(action)
        # The shipped rules restate an article no ward has reviewed: every row says so.
        assert record["rules"] == (
            f"{rules.version} sha256:{rules.sha256}; rules unreviewed (--rules DIR)"
        )


def test_each_outcome_is_counted_under_its_own_name_with_the_headlines_action():
    """The summary says what to do as the headline says it: one home for each action."""
    from dosecalc.clinical.headline import action_of

    assert set(OUTCOME_NAMES) == set(OUTCOME_COUNTS)
    for outcome, (one, _) in OUTCOME_COUNTS.items():
        assert one.startswith(f"{OUTCOME_NAMES[outcome]}")
        if outcome == "probable-entry-error":  # its action depends on the verdict: both
            above, below = (action_of(outcome, verdict) for verdict in ("above", "below"))
            assert one == f"{OUTCOME_NAMES[outcome]}: above the range, {above}; below it, {below}"
            continue
        if outcome == "max-per-24h-not-checked":  # its action depends on what was missing
            weight = action_of(outcome, "within", ["max-per-24h-not-compared"])
            interval = action_of(outcome, "within", ["max-per-24h-interval-not-given"])
            no_maximum = action_of(outcome, "within", ["interval-not-compared"])
            assert interval == no_maximum  # with no interval, or no maximum: the same action
            assert one == f"{OUTCOME_NAMES[outcome]}: with no weight, {weight}; else {interval}"
            continue
        if outcome == "order-not-checked":
            continue  # a preparation's own
        if outcome == "above":  # withheld for a patient not checked against the range
            covered = action_of(outcome, "above")
            not_covered = action_of(outcome, "above", ["low-weight"])
            assert not_covered.startswith("withhold it and ask the prescriber")
            assert one == (
                f"{OUTCOME_NAMES[outcome]}: {covered}; for a patient not checked against the "
                "range, withhold it and ask the prescriber"
            )
            continue
        verdict = outcome if outcome in ("above", "below") else "within"
        action = action_of(outcome, verdict, ["low-weight"])
        said = one.removeprefix(OUTCOME_NAMES[outcome]).removeprefix(" (its weight)")
        assert said == f": {action}"


THRESHOLD_ORDERS = [
    ("70 kg", "iv", "21 mg/h"),  # exactly the low bound
    ("70 kg", "iv", "35 mg/h"),  # exactly the high bound
    ("70 kg", "iv", "350 mg/h"),  # exactly 10 times the high bound: far, and a slip
    ("70 kg", "iv", "2.1 mg/h"),  # exactly a tenth of the low bound
    ("70 kg", "iv", "5 mcg/kg/min"),  # 0.3 mg/kg/h exactly, through a unit factor
    ("154 lb", "iv", "0.3 mg/kg/hr"),
    ("40 kg", "iv", "12 mg/h"),  # 40 kg: the edge of the usual adult band
    ("150 kg", "iv", "45 mg/h"),
    ("88 lb", "sl", "25 mg"),
    ("0.5 kg", "sl", "50 mg"),  # the lowest weight accepted
    ("500 kg", "sl", "50000 mcg"),
    ("70.005 kg", "iv", "21.0015 mg/h"),  # on the bound for 70.005 kg; used as 70.01: below
    ("39.996 kg", "iv", "12 mg/h"),  # used and shown as 40 kg: no low-weight warning
    ("150.004 kg", "iv", "45 mg/h"),  # used as 150 kg: no high-weight warning
]


@given(
    st.decimals(min_value=Decimal("1"), max_value=Decimal(400), places=3),
    st.sampled_from([Fraction(3, 10), Fraction(1, 2)]),
    st.sampled_from([-1, 0, 1]),
)
def test_a_dose_on_a_bound_for_the_weight_entered_gets_the_verdict_check_gives(kg, rate, nudge):
    """The audit uses each weight as `check` does, to 0.01 kg: a dose exactly on a bound
    for the weight as entered may lie off it for the weight as used."""
    exact = Fraction(kg) * rate + Fraction(nudge, 10**6)
    row = (f"{kg} kg", "iv", f"{format(Decimal(exact.numerator) / exact.denominator, 'f')} mg/h")
    out = dosecalc.audit(_orders([(*row, "", "", "", "")]))
    _assert_agrees_with_check((*row, "", "", "", ""), out, 0)


@pytest.mark.parametrize(("weight", "regimen", "dose"), THRESHOLD_ORDERS)
def test_a_dose_exactly_on_a_threshold_is_decided_exactly(weight, regimen, dose):
    row = (weight, regimen, dose, "", "", "", "")
    out = dosecalc.audit(_orders([row]))
    _assert_agrees_with_check(row, out, 0)


def test_the_bounds_themselves_are_within():
    out = dosecalc.audit(_orders([(w, r, d, "", "", "", "") for w, r, d in THRESHOLD_ORDERS[:2]]))
    assert list(out["verdict"]) == ["within", "within"]


def test_other_columns_pass_through_untouched_and_in_order():
    orders = {
        "id": [7, 8],
        "Weight": ["70 kg", "abc"],
        "note": ["first", None],
        "regimen": ["iv", "iv"],
        "dose": ["30 mg/h", "30 mg/h"],
    }
    out = dosecalc.audit(orders)
    assert list(out) == [*orders, *OUTPUT_COLUMNS]
    for name, values in orders.items():
        assert out[name] is values
    assert list(out["verdict"]) == ["within", ""]
    assert out["error"][1].startswith("weight: could not read 'abc'")


def test_a_bad_row_never_stops_the_audit_and_never_gets_a_number():
    rows = [("70", "iv", "30 mg/h"), ("70 kg", "iv", "30 mg/h"), ("-5 kg", "iv", "30 mg/h")]
    out = dosecalc.audit(_orders([(*r, "", "", "", "") for r in rows]))
    assert list(out["verdict"]) == ["", "within", ""]
    assert [bool(e) for e in out["error"]] == [True, False, True]
    assert np.isnan(out["dose_in_rule_units"][[0, 2]]).all()
    assert list(out["rule_unit"]) == ["", "mg/kg/h", ""]


def test_a_dataframe_comes_back_as_a_dataframe_with_its_index():
    frame = pd.DataFrame(
        {
            "weight": ["70 kg", "154 lb", None],
            "regimen": ["iv", "sl", "iv"],
            "dose": ["300 mg/h", "25 mg", "30 mg/h"],
        },
        index=[10, 20, 30],
    )
    out = dosecalc.audit(frame)
    assert isinstance(out, pd.DataFrame)
    assert list(out.index) == [10, 20, 30]
    assert list(out.columns) == [*frame.columns, *OUTPUT_COLUMNS]
    assert list(out["verdict"]) == ["above", "within", ""]
    assert out["probable_entry_error"][10] == "possibly decimal point one place out (÷ 10)"
    with pytest.raises(dosecalc.InputError) as refused:  # a row without a weight: as check
        dosecalc.check(regimen="iv", dose="30 mg/h")
    assert out["error"][30] == str(refused.value)
    assert out["error"][30].startswith("weight: ")


def test_numpy_columns_and_missing_values_are_read_like_text_columns():
    out = dosecalc.audit(
        {
            "weight": np.array(["70 kg", "70 kg"]),
            "regimen": np.array(["iv", "iv"], dtype=object),
            "dose": np.array(["25 mL/h", "25 mL/h"], dtype=object),
            "concentration": np.array([np.nan, "1 mg/mL"], dtype=object),
        }
    )
    assert list(out["verdict"]) == ["", "within"]
    assert out["error"][0].startswith("concentration: the dose '25 mL/h' is a pump rate")


def test_a_number_without_a_unit_in_a_column_is_a_bad_row():
    out = dosecalc.audit({"weight": [70.0], "regimen": ["iv"], "dose": ["30 mg/h"]})
    assert out["error"][0] == (
        "weight: the number 70.0 has no unit. Give text with a unit, e.g. '70 kg' or '154 lb', "
        "or a pint Quantity"
    )


@pytest.mark.parametrize(
    ("orders", "message"),
    [
        ({"weight": [], "dose": []}, "orders: no 'regimen' column"),
        ({"weight": [], "regimen": [], "dose": [], "verdict": []}, "already a column named"),
        ({"weight": [], "WEIGHT": [], "regimen": [], "dose": []}, "two columns are named 'weight'"),
        ({"weight": ["70 kg"], "regimen": [], "dose": []}, "the columns differ in length"),
    ],
)
def test_an_unusable_table_is_refused_as_a_whole(orders, message):
    with pytest.raises(dosecalc.InputError, match=message):
        dosecalc.audit(orders)


def test_an_entry_error_far_out_is_described_in_words():
    out = dosecalc.audit(_orders([("70 kg", "iv", "3000 mg/h", "", "", "", "")]))
    assert out["probable_entry_error"][0] == (
        "10 or more times the upper bound; possibly decimal point two places out (÷ 100)"
    )
    out = dosecalc.audit(_orders([("70 kg", "iv", "21 mcg/h", "", "", "", "")]))
    assert out["probable_entry_error"][0] == (
        "1/10 or less of the lower bound; possibly mg and mcg confused (× 1,000)"
    )
    out = dosecalc.audit(_orders([("70 kg", "iv", "0.021 mg/h", "", "", "", "")]))
    assert out["probable_entry_error"][0] == "1/10 or less of the lower bound"


# --- Files ---

CSV = (
    "id,weight,regimen,dose,note\n"
    "1,70 kg,iv,30 mg/h,a\n"
    "2,154 lb,iv,6 mcg/kg/min,b\n"
    "\n"
    "3,abc,iv,30 mg/h\n"
    "4,70 kg,sl,250 mg,x,y\n"
    "5,70 kg,iv,25 mL/h,c\n"
)


def _audit_text(text, **options):
    out = io.StringIO()
    summary = dosecalc.audit_file(io.StringIO(text), out, dosecalc.load_rules(), **options)
    return out.getvalue(), summary


def test_a_file_gets_one_output_record_per_input_record():
    import csv

    text, summary = _audit_text(CSV)
    records = list(csv.reader(io.StringIO(text)))
    assert records[0] == ["id", "weight", "regimen", "dose", "note", *FILE_COLUMNS]
    assert [r[0] for r in records[1:]] == ["1", "2", "3", "4", "5"]
    assert records[1][5:11] == ["within", "within", "0.428571", "mg/kg/h", "", ""]
    assert records[3][5] == ""
    assert "has 4 fields but the header has 5" in records[3][5 + OUTPUT_COLUMNS.index("error")]
    assert records[4][4] == "x"
    assert "the extra fields are not copied" in records[4][5 + OUTPUT_COLUMNS.index("error")]
    assert summary.rows == 5
    assert summary.bad_rows == 3
    assert summary.verdicts == {"below": 0, "within": 2, "above": 0}


@given(
    st.lists(order_rows(), min_size=1, max_size=10),
    st.integers(min_value=1, max_value=4),
    st.integers(min_value=1, max_value=200),
)
def test_the_output_does_not_depend_on_the_chunk_size(rows, chunk_rows, chunk_characters):
    import csv

    source = io.StringIO()
    writer = csv.writer(source)
    writer.writerow(INPUT_COLUMNS)
    writer.writerows(rows)
    whole, _ = _audit_text(source.getvalue())
    chunked, summary = _audit_text(
        source.getvalue(), chunk_rows=chunk_rows, chunk_characters=chunk_characters
    )
    assert chunked == whole
    assert summary.rows == len(rows)


def test_json_lines_carry_every_column_and_null_for_no_number():
    text, _ = _audit_text(CSV, output_format="jsonl")
    rows = [json.loads(line) for line in text.splitlines()]
    assert len(rows) == 5
    assert rows[0]["dose_in_rule_units"] == pytest.approx(30 / 70, rel=1e-15)
    assert rows[0]["note"] == "a"
    assert rows[0]["rule_unit"] == "mg/kg/h"
    assert rows[2]["dose_in_rule_units"] is None
    assert rows[2]["verdict"] == ""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "file: it is empty"),
        ("id,weight\n1,70 kg\n", "no 'regimen' or 'dose' column"),
        ("weight,regimen,dose,weight\n", "two columns are named 'weight'"),
    ],
)
def test_a_file_that_cannot_be_audited_is_refused(text, message):
    with pytest.raises(dosecalc.InputError, match=message):
        _audit_text(text)


def test_the_cli_audits_a_file_and_summarises_on_stderr(run_cli, tmp_path):
    orders = tmp_path / "orders.csv"
    orders.write_text(CSV, encoding="utf-8")
    code, out, err = run_cli("audit", str(orders))
    assert code == 0
    assert out.count("\n") == 6
    assert "5 rows audited" in err
    assert "3 rows not checked" in err
    assert "[" not in err  # no progress bar off a terminal
    rules = dosecalc.load_rules()
    assert f"version {rules.version}, sha256 {rules.sha256}" in err
    assert dosecalc.DISCLAIMER in err


def test_the_cli_writes_the_output_file_only_when_the_audit_completes(run_cli, tmp_path):
    good, bad, out = tmp_path / "good.csv", tmp_path / "bad.csv", tmp_path / "out.csv"
    good.write_text(CSV, encoding="utf-8")
    bad.write_bytes(CSV.encode() + b"6,70 kg,iv,30 mg/h,\xff\n")
    code, _, err = run_cli("audit", str(bad), "-o", str(out))
    assert code == 2
    assert "line 8 is not UTF-8 text" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv", "good.csv"]
    code, _, _ = run_cli(
        "audit", str(good), "-o", str(out), "--rules", str(dosecalc.default_rules_path())
    )
    assert code == 0
    assert out.read_text(encoding="utf-8").count("\n") == 6


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["audit", "missing.csv"], "file: 'missing.csv' cannot be opened"),
        (["audit", "{tmp}/o.csv", "-o", "{tmp}/no/such/dir/out.csv"], "output: "),
    ],
)
def test_the_cli_exits_2_for_files_it_cannot_use(run_cli, tmp_path, args, message):
    (tmp_path / "o.csv").write_text(CSV, encoding="utf-8")
    code, out, err = run_cli(*(a.format(tmp=tmp_path) for a in args))
    assert code == 2
    assert out == ""
    assert err.startswith(f"dosecalc: {message}")


def test_a_byte_order_mark_from_a_spreadsheet_is_not_part_of_the_first_column(run_cli, tmp_path):
    orders = tmp_path / "orders.csv"
    orders.write_bytes(b"\xef\xbb\xbfweight,regimen,dose\r\n70 kg,iv,30 mg/h\r\n")
    code, out, _ = run_cli("audit", str(orders))
    assert code == 0
    assert out.splitlines()[1].startswith("70 kg,iv,30 mg/h,within")


def test_the_summary_counts_every_verdict_entry_error_and_bad_row():
    summary = dosecalc.AuditSummary()
    summary.add(
        dosecalc.audit(
            _orders(
                [
                    ("70 kg", "iv", d, "", "", "", "")
                    for d in ("30 mg/h", "300 mg/h", "1 mg/h", "abc", "35 mg/h")
                ]
            )
        )
    )
    assert summary.lines() == [
        "5 rows audited",
        "2 probable entry errors: above the range, withhold them and ask the prescriber; below "
        "it, check each order with the prescriber before giving it",
        "0 above the range: check each order with the prescriber before giving it; for a "
        "patient not checked against the range, withhold them and ask the prescriber",
        "0 below the range: check each order with the prescriber before giving it",
        "2 within the range: verify each order independently before giving it",
        "1 row not checked (its error column says why)",
    ]
    assert summary.verdicts == {"below": 1, "within": 2, "above": 1}
    assert summary.entry_errors == 2


def test_a_float_rounding_error_never_moves_a_dose_across_a_bound():
    # 0.7 mg/kg/h ÷ 7 is 0.1 exactly, but 0.7 / 7 in floats is 0.09999999999999999:
    # with bounds of 0.1 to 0.5 mg/kg/h the hot path alone would say "below".
    assert 0.7 / 7 < 0.1
    out = dosecalc.audit(_orders([("7 kg", "iv", "0.7 mg/h", "", "", "", "")]))
    expected = _check_row(("7 kg", "iv", "0.7 mg/h", "", "", "", ""))
    assert out["verdict"][0] == expected.verdict


@pytest.mark.parametrize("weight", ["500.0000000001 kg", "0.4999999999 kg"])
def test_a_weight_a_hair_beyond_a_limit_is_refused_as_check_refuses_it(weight):
    row = (weight, "iv", "30 mg/h", "", "", "", "")
    out = dosecalc.audit(_orders([row]))
    assert out["error"][0].startswith("weight: ")
    _assert_agrees_with_check(row, out, 0)


@pytest.mark.parametrize(
    ("regimen", "dose", "concentration"),
    [
        ("sl", "25 mL", "1 mg/mL"),
        ("sl", "2.5 mL", "10 mg/mL"),
        ("sl", "50 mL", "1 mg/mL"),
        ("sl", "1.25 mL", "20 mg/mL"),  # a plausible volume: decided on the hot path
        ("iv", "21 mL/h", "1 mg/mL"),
        ("iv", "3.5 mL/h", "10 mg/mL"),
    ],
)
def test_a_volume_or_pump_rate_exactly_on_a_bound_is_decided_exactly(regimen, dose, concentration):
    row = ("70 kg", regimen, dose, concentration, "", "", "")
    out = dosecalc.audit(_orders([row]))
    _assert_agrees_with_check(row, out, 0)


def test_a_regimen_that_is_not_text_is_a_bad_row():
    out = dosecalc.audit({"weight": ["70 kg"], "regimen": [5], "dose": ["30 mg/h"]})
    assert out["verdict"][0] == ""
    assert out["error"][0].startswith("regimen: 5 is not a regimen in the rules in force")


def test_progress_is_reported_once_the_header_is_out_then_after_every_chunk():
    done = []
    _audit_text(CSV, chunk_rows=2, on_progress=done.append)
    assert done == [0, 2, 4, 5]


def test_a_record_csv_cannot_read_is_named_by_its_line():
    text = "weight,regimen,dose\n70 kg,iv,30 mg/h\n" + '"' + "x" * 200_000 + '",iv,30 mg/h\n'
    with pytest.raises(dosecalc.InputError, match="line 3 is not valid CSV"):
        _audit_text(text)


def test_the_cli_reads_orders_from_stdin(run_cli, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(CSV.encode())))
    code, out, err = run_cli("audit", "-")
    assert code == 0
    assert out.count("\n") == 6
    assert "5 rows audited" in err


def test_on_a_terminal_a_progress_bar_by_bytes_read_is_drawn_on_stderr(
    run_cli, tmp_path, monkeypatch
):
    import sys

    orders = tmp_path / "orders.csv"
    orders.write_text(CSV, encoding="utf-8")
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)  # capsys's stand-in, as a terminal
    code, _, err = run_cli("audit", str(orders), "-o", str(tmp_path / "out.csv"))
    assert code == 0
    assert f"\r[{'#' * 30}] 100%  5 rows\n" in err


def test_a_stream_of_unknown_size_shows_the_rows_done(run_cli, monkeypatch):
    import sys

    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(CSV.encode())))
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    code, _, err = run_cli("audit", "-")
    assert code == 0
    assert "\r5 rows\n" in err


def test_with_a_tiny_memory_every_row_is_still_checked_right(monkeypatch):
    from dosecalc.clinical.audit import cells

    monkeypatch.setattr(cells, "REMEMBERED", 2)
    rows = [
        (f"{kg} kg", "iv", dose, "", "170 cm", "male", "ideal")
        for kg in (60, 70, 80)
        for dose in ("20 mg/h", "30 mg/h", "5 ft mg")
    ] * 2
    out = dosecalc.audit(_orders(rows))
    for i, row in enumerate(rows):
        _assert_agrees_with_check(row, out, i)


def test_an_audit_to_stdout_that_fails_midway_says_its_output_is_cut_short(run_cli, tmp_path):
    orders = tmp_path / "orders.csv"
    rows = 50_001  # one chunk written, then the failure in the second
    orders.write_bytes(b"weight,regimen,dose\n" + b"70 kg,iv,30 mg/h\n" * rows + b"70 kg,\xff\n")
    code, out, err = run_cli("audit", str(orders))
    assert code == 2
    assert out.count("\n") == 1 + 50_000
    assert err.startswith(f"dosecalc: file: line {rows + 2} is not UTF-8 text.")
    assert "output (the header and 50,000 rows) is an incomplete audit" in err
    assert "run again with -o FILE, which writes the file only when the audit completes" in err


def test_an_audit_to_stdout_that_fails_before_writing_anything_says_only_what_is_wrong(
    run_cli, tmp_path
):
    orders = tmp_path / "orders.csv"
    orders.write_bytes(b"weight,regimen,\xff\n70 kg,iv,30 mg/h\n")
    code, out, err = run_cli("audit", str(orders))
    assert (code, out) == (2, "")
    assert err == (
        "dosecalc: file: line 1 is not UTF-8 text. "
        "Save the file as UTF-8 (in a spreadsheet: CSV UTF-8)\n"
    )


def test_an_audit_to_stdout_that_fails_after_the_header_says_so(run_cli, tmp_path):
    orders = tmp_path / "orders.csv"
    orders.write_bytes(b"weight,regimen,dose\n70 kg,\xff\n")
    code, out, err = run_cli("audit", str(orders))
    assert (code, out.count("\n")) == (2, 1)
    assert "output (the header and 0 rows) is an incomplete audit" in err


def test_a_stream_of_more_unit_spellings_than_it_remembers_is_still_read_right(monkeypatch):
    from dosecalc.clinical.audit import cells

    monkeypatch.setattr(cells, "REMEMBERED", 3)
    doses = [f"{n} mg/h" for n in (21, 30, 35)] + ["30 MG/H", "30 mg/hr", "30 mg/hour", "1 mg/min"]
    orders = {"weight": ["70 kg"] * len(doses), "regimen": ["iv"] * len(doses), "dose": doses}
    out = dosecalc.audit(orders)
    assert list(out["verdict"]) == [
        dosecalc.check(weight="70 kg", regimen="iv", dose=dose).verdict for dose in doses
    ]


def test_wide_rows_are_audited_a_few_at_a_time_so_memory_stays_flat():
    from dosecalc.reports.audit_file import _chunks

    wide = [["70 kg", "iv", "30 mg/h", "x" * 4_000] for _ in range(10_000)]
    sizes = [len(chunk) for chunk in _chunks(iter(wide), rows=50_000, characters=400_000)]
    assert sum(sizes) == len(wide)
    assert max(sizes) <= 400_000 // 4_000 + 1


@given(
    rows=st.integers(0, 3) | st.integers(0, 10**7),
    bad_rows=st.integers(0, 3),
    counts=st.lists(
        st.integers(0, 3) | st.integers(0, 10**4),
        min_size=len(OUTCOME_COUNTS),
        max_size=len(OUTCOME_COUNTS),
    ),
)
def test_every_count_of_the_audit_summary_is_singular_for_one_and_plural_otherwise(
    rows, bad_rows, counts
):
    """ "1 implausible concentration", "2 implausible concentrations", "1 row audited",
    "0 rows not checked": each line of the summary agrees with its count."""
    from dosecalc.clinical.audit.outcome import OUTCOME_COUNTS, AuditSummary

    outcomes = dict(zip(OUTCOME_COUNTS, counts, strict=True))
    summary = AuditSummary(rows=rows, outcomes=outcomes, bad_rows=bad_rows)
    lines = summary.lines()
    assert lines[0] == f"{rows:,} {'row' if rows == 1 else 'rows'} audited"
    assert lines[-1].startswith(f"{bad_rows:,} {'row' if bad_rows == 1 else 'rows'} not checked")
    said = {line.partition(" ")[2]: int(line.partition(" ")[0].replace(",", "")) for line in lines}
    for outcome, count in outcomes.items():
        one, many = OUTCOME_COUNTS[outcome]
        if count or outcome in ("above", "below", "within"):
            assert said[one if count == 1 else many] == count
    assert not any(line.startswith("1 ") and " rows " in f" {line} " for line in lines)
    for plural in ("errors:", "concentrations:"):
        assert not any(line.startswith("1 ") and plural in line for line in lines)


SHIPPED_IDS = {"iv": "iv-infusion", "sl": "sublingual-buccal"}


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=8)
@given(marked=st.sets(st.sampled_from(sorted(SHIPPED_IDS)), max_size=2))
def test_a_filed_rows_rules_say_when_no_ward_reviewed_them(tmp_path_factory, marked):
    """Every face says beside a verdict when no ward has reviewed its rules; the filed audit,
    the record, says it on every row: of all of them, of some, or not at all."""
    from conftest import REPO, reviewed

    from dosecalc.reports.audit_file import rules_cell

    folder = tmp_path_factory.mktemp("rules")
    for path in (REPO / "rules").glob("*.toml"):
        text = path.read_text(encoding="utf-8")
        for regimen in marked:  # a reviewer's sign-off, as a ward's library carries it
            line = f'id = "{SHIPPED_IDS[regimen]}"'
            signed = f'{line}\nreviewed_by = "A. Pharmacist (test)"\nreview_date = 2026-12-01'
            text = text.replace(line, signed)
        (folder / path.name).write_text(text, encoding="utf-8")
    rules = dosecalc.load_rules(reviewed(folder))
    head = f"{rules.version} sha256:{rules.sha256}"
    said = rules_cell(rules)
    assert said.startswith(head)
    expected = {0: "; rules unreviewed (--rules DIR)", 1: "; some rules unreviewed (--rules DIR)"}
    assert said.removeprefix(head) == expected.get(len(marked), "")
