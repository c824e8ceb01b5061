"""Audit files round-trip: whatever the cells hold, every input record comes back, in order,
cell for cell, as valid RFC 4180; a record CSV cannot read is an error with its line, never a
silent early end."""

from __future__ import annotations

import csv
import io
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

import dosecalc
from dosecalc.foundation.disclaimer import EDUCATIONAL_ONLY
from dosecalc.reports.audit_file import FILE_COLUMNS, utf8_lines

HEADER = ["id", "weight", "regimen", "dose", "note"]

# Cells people's files hold: line breaks of every kind, quotes, commas, NUL, any script.
awkward = st.sampled_from(
    ["\r", "\n", "\r\n", '"', '""', ",", "\x00", "a\rb", ' "x" ', "\u2028", 'é,"\r\n']
)
cells = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=20),
    awkward,
    st.lists(awkward, max_size=4).map("".join),
)
orders_cells = st.one_of(
    cells, st.sampled_from(["70 kg", "154 lb", "iv", "sl", "30 mg/h", "25 mg"])
)
rows = st.lists(st.tuples(cells, orders_cells, orders_cells, orders_cells, cells), max_size=25)


def written(table: list[list[str]], quoting: int) -> bytes:
    text = io.StringIO(newline="")
    csv.writer(text, lineterminator="\r\n", quoting=quoting).writerows(table)
    return text.getvalue().encode("utf-8")


def audited(data: bytes, output_format: str = "csv") -> str:
    out = io.StringIO(newline="")
    dosecalc.audit_file(
        utf8_lines(io.BytesIO(data)), out, dosecalc.load_rules(), output_format=output_format
    )
    return out.getvalue()


@given(rows=rows, quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
def test_every_input_record_comes_back_in_order_cell_for_cell(rows, quoting):
    table = [HEADER, *map(list, rows)]
    back = list(csv.reader(io.StringIO(audited(written(table, quoting)), newline=""), strict=True))
    assert back[0] == HEADER + list(FILE_COLUMNS)
    assert [record[: len(HEADER)] for record in back[1:]] == table[1:]
    assert all(len(record) == len(HEADER) + len(FILE_COLUMNS) for record in back)


@given(rows=rows)
def test_json_lines_carry_every_input_cell_unchanged(rows):
    import json

    table = [HEADER, *map(list, rows)]
    lines = audited(written(table, csv.QUOTE_MINIMAL), "jsonl").split("\n")
    assert lines.pop() == ""
    back = [json.loads(line) for line in lines]
    assert [[record[name] for name in HEADER] for record in back] == table[1:]


def test_a_carriage_return_inside_a_cell_is_quoted_so_the_record_stays_one():
    out = audited(b'id,weight,regimen,dose,note\r\n1,70 kg,iv,30 mg/hr,"a\rb"\r\n')
    rules = dosecalc.load_rules()
    assert out.endswith(
        '1,70 kg,iv,30 mg/hr,"a\rb",within,within,0.428571,mg/kg/h,,,,,'
        "within the range: verify the order independently before giving it,"
        f"{rules.version} sha256:{rules.sha256}; rules unreviewed (--rules DIR),"
        f'"{rules.find("iv").supervision}",{EDUCATIONAL_ONLY}\r\n'
    )
    assert len(list(csv.reader(io.StringIO(out, newline="")))) == 2


@given(
    rows=st.lists(
        st.tuples(st.sampled_from(["1", "2"]), st.just("70 kg"), st.just("iv"), st.just("30 mg/h")),
        min_size=1,
        max_size=30,
    ),
    data=st.data(),
)
def test_a_stray_quote_is_an_error_with_its_line_or_a_row_error_never_a_silent_end(rows, data):
    lines = ["id,weight,regimen,dose", *(",".join(row) for row in rows)]
    broken = data.draw(st.integers(1, len(lines) - 1))
    cell = data.draw(st.integers(0, 3))
    fields = lines[broken].split(",")
    fields[cell] = '"' + fields[cell]
    lines[broken] = ",".join(fields)
    text = "\n".join(lines) + "\n"
    try:
        out, refused = audited(text.encode()), ""
    except dosecalc.InputError as error:
        out, refused = "", str(error)
    if refused:
        assert f"line {broken + 1}" in refused
        assert "quote" in refused
        return
    records = list(csv.reader(io.StringIO(out, newline="")))[1:]
    errors = [record[-1] for record in records]
    assert len(records) == len(rows) or any("fields but the header has" in e for e in errors)


def test_a_thousand_orders_with_one_unclosed_quote_are_refused_not_cut_to_ten(run_cli, tmp_path):
    lines = ["id,weight,regimen,dose"] + [f"{i},70 kg,iv,400 mg/hr" for i in range(1, 1001)]
    lines[10] = '10,"70 kg,iv,400 mg/hr'
    orders = tmp_path / "orders.csv"
    orders.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, err = run_cli("audit", str(orders), "-o", str(tmp_path / "out.csv"))
    assert (code, out) == (2, "")
    assert "the record that starts on line 11 (read to line 1001) is not valid CSV" in err
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize("terminator", ["\n", "\r\n"])
def test_an_unclosed_quote_on_the_last_line_names_that_line(terminator):
    text = (
        terminator.join(["weight,regimen,dose", "70 kg,iv,30 mg/h", '"70 kg,iv,30 mg/h'])
        + terminator
    )
    with pytest.raises(dosecalc.InputError, match="file: line 3 is not valid CSV"):
        audited(text.encode())


@given(names=st.lists(st.sampled_from(["id", "note", "ward", "x"]), min_size=1, max_size=5))
def test_json_lines_refuse_a_header_that_names_a_column_twice_and_never_drop_a_value(names):
    header = ["weight", "regimen", "dose", *names]
    text = ",".join(header) + "\n" + ",".join(["70 kg", "iv", "30 mg/h", *names]) + "\n"
    if len(set(header)) < len(header):
        with pytest.raises(dosecalc.InputError, match="more than once"):
            audited(text.encode(), "jsonl")
    else:
        (line,) = audited(text.encode(), "jsonl").splitlines()
        import json

        assert all(json.loads(line)[name] == name for name in names)


@given(
    rows=rows,
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]),
    output_format=st.sampled_from(["csv", "jsonl"]),
)
def test_every_row_carries_the_disclaimer_and_a_checked_row_its_rules_supervision(
    rows, quoting, output_format
):
    """A filed audit is kept and shared without the summary printed beside it: each row
    says what it is not, and a row with a verdict (a dose restated) the supervision its
    rule's source requires, as every face does beside a dose."""
    import json

    rules = dosecalc.load_rules()
    table = [HEADER, *map(list, rows)]
    out = audited(written(table, quoting), output_format)
    if output_format == "csv":
        back = list(csv.reader(io.StringIO(out, newline=""), strict=True))
        filed = [dict(zip(back[0], record, strict=True)) for record in back[1:]]
    else:
        filed = [json.loads(line) for line in out.splitlines()]
    assert len(filed) == len(rows)
    for row in filed:
        assert row["disclaimer"] == EDUCATIONAL_ONLY
        expected = rules.find(row["regimen"]).supervision if row["outcome"] else ""
        assert row["supervision"] == expected


@given(
    name=st.sampled_from(FILE_COLUMNS).flatmap(
        lambda name: st.sampled_from([name, name.upper(), f" {name} ", name.capitalize()])
    ),
    output_format=st.sampled_from(["csv", "jsonl"]),
)
def test_an_input_column_named_as_one_the_audit_adds_is_refused_before_anything_is_written(
    name, output_format
):
    """An input column 'rules' or 'headline' was overwritten in JSON Lines, its cells lost,
    and named twice in CSV. Every column the filed audit adds is refused as a name."""
    data = f"id,weight,regimen,dose,{name}\r\n1,70 kg,iv,30 mg/hr,kept\r\n".encode()
    out = io.StringIO(newline="")
    with pytest.raises(dosecalc.InputError, match="which the audit adds"):
        dosecalc.audit_file(
            utf8_lines(io.BytesIO(data)), out, dosecalc.load_rules(), output_format=output_format
        )
    assert out.getvalue() == ""


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["iv", "sl"]),
            st.sampled_from([Fraction(3, 10), Fraction(1, 2), Fraction(25), Fraction(50)]),
            st.integers(-(10**7), 10**7).map(lambda n: 1 + Fraction(n, 10**13)),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_a_filed_dose_never_reads_as_a_bound_it_is_beyond(orders):
    """35.0000000001 mg/hr at 70 kg was filed as "0.5" beside "above": 6 significant figures
    made it the bound. Each filed figure reads against the rule's bounds as its verdict
    says, with as few figures as that takes (6 when they do)."""
    import json
    from decimal import Decimal

    rules = dosecalc.load_rules()
    lines = ["weight,regimen,dose"]
    for regimen, bound, factor in orders:
        per_kg = regimen == "iv" and bound < 1
        amount = bound * factor * (70 if per_kg else 1)
        if (regimen == "sl" and bound < 1) or (regimen == "iv" and bound > 1):
            continue
        text = format(Decimal(amount.numerator) / Decimal(amount.denominator), "f")
        lines.append(f"70 kg,{regimen},{text} {'mg/hr' if per_kg else 'mg'}")
    data = "\r\n".join(lines).encode()
    back = list(csv.DictReader(io.StringIO(audited(data), newline="")))
    jsonl = audited(data, "jsonl").splitlines()
    floats = [json.loads(line)["dose_in_rule_units"] for line in jsonl]
    for row, value in zip(back, floats, strict=True):
        rule = rules.find(row["regimen"])
        assert reads(row["dose_in_rule_units"], rule) == row["verdict"], row
        # As few significant figures as that takes, from 6 (of the whole float, as JSON has it).
        texts = (f"{value:.{n}g}" for n in range(6, 18))
        fewest = next((text for text in texts if reads(text, rule) == row["verdict"]), None)
        assert fewest is not None
        assert Fraction(row["dose_in_rule_units"]) == Fraction(fewest)


def reads(text: str, rule: object) -> str:
    """Where the decimal ``text`` lies against ``rule``'s range: below, within or above."""
    shown = Fraction(text)
    low, high = Fraction(rule.dose.low), Fraction(rule.dose.high)  # type: ignore[attr-defined]
    return "below" if shown < low else "above" if shown > high else "within"
