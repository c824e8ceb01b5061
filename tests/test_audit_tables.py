"""Tables as they arrive: every kind of blank is no value, a bad cell is an error of its row
and never an exception, and a table whose columns cannot be read unambiguously is refused as
a whole with one `DoseCalcError` naming the column."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from audit_oracle import assert_agrees_with_check, orders_of
from conftest import plain_id
from hypothesis import given, settings
from strategies import audit_tables

import dosecalc
from dosecalc.clinical.audit import INPUT_COLUMNS, OUTPUT_COLUMNS

SHORT = 400
"""An error cell is at most this long, whatever its cell held."""


def _is_blank(value):
    return (
        value is None
        or value is pd.NA
        or value is pd.NaT
        or (isinstance(value, float) and math.isnan(value))
        or (isinstance(value, np.datetime64) and np.isnat(value))
        or (isinstance(value, str) and not value.strip())
    )


def _as_read(value):
    """A cell as a CSV cell would hold it: a blank of any kind is empty text."""
    if isinstance(value, np.generic) and not isinstance(value, np.datetime64):
        value = value.item()
    return "" if _is_blank(value) else value


def _columns(out):
    return {name: np.asarray(list(out[name]), dtype=object) for name in OUTPUT_COLUMNS} | {
        "dose_in_rule_units": np.asarray(list(out["dose_in_rule_units"]), dtype=float)
    }


@settings(deadline=None)  # no wall-clock limit: the machine is shared
@given(audit_tables())
def test_any_table_is_audited_row_for_row_or_refused_as_a_whole(drawn):
    """DataFrames and mappings of every dtype, with repeated and odd labels: one output row
    per input row, a bad row with an error and no verdict, a well-formed row exactly as
    `check` says; or, when the labels cannot be read unambiguously, one `DoseCalcError`."""
    table, rows, by_name, readable = drawn
    if not readable:
        with pytest.raises(dosecalc.DoseCalcError, match=r"^orders: "):
            dosecalc.audit(table)
        return
    out = dosecalc.audit(table)
    if isinstance(table, pd.DataFrame):
        assert list(out.index) == list(table.index)
        assert list(out.columns) == [*table.columns, *OUTPUT_COLUMNS]
    columns = _columns(out)
    assert all(len(column) == rows for column in columns.values())
    for i in range(rows):
        row = tuple(_as_read(by_name[name][i]) if name in by_name else "" for name in INPUT_COLUMNS)
        if all(isinstance(cell, str) for cell in row):
            assert_agrees_with_check(row, columns, i)
        else:
            assert columns["error"][i], row
            assert columns["verdict"][i] == columns["outcome"][i] == ""
            assert math.isnan(columns["dose_in_rule_units"][i])
            assert len(columns["error"][i]) < SHORT


BLANKS = [None, float("nan"), np.nan, pd.NA, pd.NaT, np.datetime64("NaT", "ns"), "", "   ", "\t"]


def blank_id(blank: object) -> str:
    return f"'{plain_id(blank)}'" if isinstance(blank, str) else repr(blank)


@pytest.mark.parametrize("blank", BLANKS, ids=blank_id)
@pytest.mark.parametrize(
    "name", ["weight", "regimen", "dose", "concentration", "height", "sex", "basis"]
)
def test_every_kind_of_blank_in_any_column_is_no_value_as_a_blank_csv_cell_is(blank, name):
    cells = {"weight": "70 kg", "regimen": "iv", "dose": "0.3 mg/kg/hr"}
    with_blank = dosecalc.audit(
        {**{key: [value] for key, value in cells.items()}, name: np.array([blank], dtype=object)}
    )
    with_empty = dosecalc.audit({**{key: [value] for key, value in cells.items()}, name: [""]})
    for column in OUTPUT_COLUMNS:
        assert str(with_blank[column][0]) == str(with_empty[column][0]), column


def test_a_string_dtype_frame_with_a_blank_height_is_checked_without_one():
    frame = pd.DataFrame(
        {"weight": ["70 kg"], "regimen": ["iv"], "dose": ["21 mg/hr"], "height": [None]},
        dtype="string",
    )
    out = dosecalc.audit(frame)
    assert out["error"][0] == ""
    assert out["verdict"][0] == "within"
    assert_agrees_with_check(("70 kg", "iv", "21 mg/hr", "", "", "", ""), _columns(out), 0)


@pytest.mark.parametrize(
    ("columns", "named"),
    [
        (["weight", "weight", "regimen", "dose"], "two columns are named 'weight'"),
        (["Weight", "weight", "regimen", "dose"], "two columns are named 'weight' ('Weight'"),
        (["weight", "regimen", "dose", 0], "the column label 0 is an int, not text"),
        (["weight", "regimen", "dose", b"id"], "the column label b'id' is a bytes"),
        (["id", "id", "weight", "regimen", "dose"], "two columns are named 'id'"),
    ],
)
def test_a_frame_whose_columns_cannot_be_read_unambiguously_is_refused_naming_one(columns, named):
    frame = pd.DataFrame([["70 kg"] * len(columns)], columns=columns)
    with pytest.raises(dosecalc.InputError) as refused:
        dosecalc.audit(frame)
    assert named in str(refused.value)


def test_multiindex_columns_are_refused_naming_the_first():
    frame = pd.DataFrame([["70 kg", "iv", "21 mg/hr"]])
    frame.columns = pd.MultiIndex.from_tuples([("weight", "kg"), ("regimen", ""), ("dose", "")])
    with pytest.raises(dosecalc.InputError, match=r"a MultiIndex, such as \('weight', 'kg'\)"):
        dosecalc.audit(frame)


def test_a_cell_holding_a_list_is_an_error_of_its_row_and_the_others_are_audited():
    out = dosecalc.audit(
        {
            "weight": [["70 kg"], "70 kg", ["x" * 1000] * 1000],
            "regimen": ["iv", "iv", "iv"],
            "dose": ["21 mg/hr", "21 mg/hr", "21 mg/hr"],
        }
    )
    assert list(out["verdict"]) == ["", "within", ""]
    assert out["error"][0] == (
        "weight: the cell holds ['70 kg'] (a list), not text. Enter '70 kg' or '154 lb'"
    )
    assert len(out["error"][2]) < SHORT


@pytest.mark.parametrize(
    ("column", "named"),
    [
        ("70 kg", "the column 'weight' is a str, not one value per row"),
        (70, "the column 'weight' is an int"),
        (np.array([["70 kg"]]), "an array of 2 dimensions"),
        ({"70 kg"}, "the column 'weight' is a set"),  # a set has no order of rows
    ],
)
def test_a_column_that_is_not_one_value_a_row_is_refused_naming_it(column, named):
    with pytest.raises(dosecalc.InputError, match=named):
        dosecalc.audit({"weight": column, "regimen": ["iv"], "dose": ["21 mg/hr"]})


def test_a_series_in_a_mapping_is_read_by_position_not_by_its_index():
    weights = pd.Series(["70 kg", "abc"], index=[1, 0])
    out = dosecalc.audit({"weight": weights, "regimen": ["iv", "iv"], "dose": ["21 mg/hr"] * 2})
    assert list(out["verdict"]) == ["within", ""]


def test_orders_of_rows_are_checked_as_check_checks_them():  # the oracle itself, once
    row = ("70 kg", "iv", "21 mg/hr", "", "", "", "")
    assert_agrees_with_check(row, dosecalc.audit(orders_of([row])), 0)
