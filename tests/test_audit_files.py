"""Files that are not what they seem: the same orders written with another separator, in
another encoding or after a spreadsheet's ``sep=`` hint are audited as the plain file is where
dosecalc reads them, and otherwise refused with a message naming the cause and the fix, never
"no 'weight' column" when a weight column is there."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import audit_headers, order_rows

import dosecalc
from dosecalc.clinical.audit import INPUT_COLUMNS
from dosecalc.reports.audit_file import SEPARATORS, utf8_lines

READ: dict[str, str | None] = {"utf-8": None, "utf-8-sig": None}  # encoding: what is named
OTHER_ENCODINGS = {
    "utf-16": "UTF-16",  # with a byte order mark
    "utf-16-le": "UTF-16",  # without one
    "utf-16-be": "UTF-16",
    "utf-32": "UTF-32",
}


def _written(header, rows, *, separator, encoding, hint, newline):
    text = io.StringIO(newline="")
    if hint is not None:
        text.write(f"sep={hint}{newline}")
    csv.writer(text, delimiter=separator, lineterminator=newline).writerows([header, *rows])
    return text.getvalue().encode(encoding)


def _audited(data):
    out = io.StringIO(newline="")
    dosecalc.audit_file(utf8_lines(io.BytesIO(data)), out, dosecalc.load_rules())
    return out.getvalue()


@settings(deadline=None)  # no wall-clock limit: the machine is shared
@given(
    header=audit_headers(),
    rows=st.lists(order_rows(), min_size=1, max_size=4),
    separator=st.sampled_from([",", *SEPARATORS]),
    encoding=st.sampled_from([*READ, *OTHER_ENCODINGS]),
    hint=st.sampled_from([None, "same", ",", ";", "\t"]),
    newline=st.sampled_from(["\r\n", "\n"]),
)
def test_orders_in_any_separator_or_encoding_are_audited_or_refused_naming_the_cause(
    header, rows, separator, encoding, hint, newline
):
    columns = [name.strip().lower() for name in header]
    table = [
        [str(i) if name == "id" else row[INPUT_COLUMNS.index(name)] for name in columns]
        for i, row in enumerate(rows)
    ]
    hint = separator if hint == "same" else hint
    data = _written(
        header, table, separator=separator, encoding=encoding, hint=hint, newline=newline
    )
    plain = _written(header, table, separator=",", encoding="utf-8", hint=None, newline="\r\n")
    if encoding in READ and separator == "," and hint in (None, ","):
        assert _audited(data) == _audited(plain)  # read as the plain file is
        return
    with pytest.raises(dosecalc.InputError) as refused:
        _audited(data)
    message = str(refused.value)
    assert "no 'weight'" not in message
    if encoding in OTHER_ENCODINGS:
        assert OTHER_ENCODINGS[encoding] in message
        assert "Save the file as UTF-8" in message
    elif hint not in (None, ","):
        assert f"'sep={hint}'" in message.replace("\\u0009", "\t")
        assert SEPARATORS[hint] in message
    else:
        assert SEPARATORS[separator] in message
        assert "Save the file as comma-separated CSV" in message


@pytest.mark.parametrize(
    ("data", "named"),
    [
        (b"sep=;\r\nweight;regimen;dose\r\n70 kg;iv;21 mg/hr\r\n", "'sep=;'"),
        (b"weight;regimen;dose\r\n70 kg;iv;21 mg/hr\r\n", "separated by semicolons (;)"),
        (b"weight\tregimen\tdose\r\n70 kg\tiv\t21 mg/hr\r\n", "separated by tabs"),
        ("weight,regimen,dose\r\n".encode("utf-16-le"), "it is UTF-16 text"),
        ("weight,regimen,dose\r\n".encode("utf-16"), "the file is UTF-16 text"),
    ],
)
def test_excels_hint_a_semicolon_a_tab_or_utf16_is_named_with_its_fix(data, named):
    with pytest.raises(dosecalc.InputError, match="Save the file as") as refused:
        _audited(data)
    assert named in str(refused.value)


def test_a_comma_hint_is_read_and_the_lines_keep_their_numbers():
    assert (
        _audited(b"sep=,\r\nweight,regimen,dose\r\n70 kg,iv,21 mg/hr\r\n")
        .splitlines()[1]
        .startswith("70 kg,iv,21 mg/hr,within,within,")
    )
    with pytest.raises(dosecalc.InputError, match="line 3 is not valid CSV"):
        _audited(b'sep=,\r\nweight,regimen,dose\r\n"70 kg,iv,21 mg/hr\r\n')


def test_the_cli_names_a_semicolon_separated_file(run_cli, tmp_path):
    orders = tmp_path / "orders.csv"
    orders.write_bytes(b"weight;regimen;dose\r\n70 kg;iv;21 mg/hr\r\n")
    code, _, err = run_cli("audit", str(orders))
    assert code == 2
    assert "separated by semicolons (;)" in err
