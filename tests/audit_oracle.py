"""The audit's oracle: what `dosecalc.check` says of one row, cell for cell of the output."""

from __future__ import annotations

import math

import dosecalc
from dosecalc.clinical.audit import INPUT_COLUMNS
from dosecalc.foundation.display import magnitude

RULE_UNITS = {"iv-infusion": "mg/kg/h", "sublingual-buccal": "mg"}


def orders_of(rows):
    """Rows of the input cells as a mapping of columns (a row without its last cells: blank)."""
    return {
        name: [row[i] if i < len(row) else "" for row in rows]
        for i, name in enumerate(INPUT_COLUMNS)
    }


def check_or_error(row):
    """`check` on a row of text cells, as a blank CSV cell is read: (result, "") or (None,
    the error)."""
    padded = [*row, *[""] * (len(INPUT_COLUMNS) - len(row))]
    weight, regimen, dose, concentration, height, sex, basis, every = (
        cell if cell.strip() else "" for cell in padded
    )
    try:
        return dosecalc.check(
            weight=weight or None,  # a blank cell is no weight
            regimen=regimen,
            dose=dose,
            concentration=concentration,
            height=height,
            sex=sex,
            basis=basis or "actual",  # a blank basis is actual
            every=every or None,
        ), ""
    except dosecalc.InputError as error:
        return None, str(error)


def assert_agrees_with_check(row, out, i):
    """Output row ``i`` says what `check` says of ``row``: every cell."""
    expected, error = check_or_error(row)
    assert out["error"][i] == error, row
    if expected is None:
        assert out["verdict"][i] == out["outcome"][i] == out["warnings"][i] == ""
        assert math.isnan(out["dose_in_rule_units"][i])
        return
    assert out["verdict"][i] == expected.verdict, row
    assert out["outcome"][i] == expected.headline.outcome, row
    assert math.isclose(
        out["dose_in_rule_units"][i], float(magnitude(expected.in_rule_units)), rel_tol=1e-12
    )
    assert out["rule_unit"][i] == RULE_UNITS[expected.regimen]
    assert out["warnings"][i] == "; ".join(w.code for w in expected.warnings), row
    flag = expected.probable_entry_error
    if flag is None:
        assert out["probable_entry_error"][i] == ""
    else:
        named = out["probable_entry_error"][i].split("; ")
        assert [p for p in named if p.startswith("possibly ")] == [
            f"possibly {slip.slip} ({slip.factor})" for slip in flag.slips
        ]
