"""One reader for every face: the audit's fast path reads exactly the cells `check` reads.

A digit of another script, a look-alike letter or a full-width form anywhere in a weight,
dose or concentration is what `check` says of it (refused, named), never read as a number
by the audit's own reader.
"""

from __future__ import annotations

import sys
import unicodedata

import pytest
from audit_oracle import assert_agrees_with_check, orders_of
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import FAST_PATH_ROWS, altered_fast_path_rows

import dosecalc

DIGITS_OF_EVERY_SCRIPT = [
    chr(code) for code in range(sys.maxunicode + 1) if unicodedata.category(chr(code)) == "Nd"
]
LOOK_ALIKES = [
    *"⁰¹²³⁴⁵⁶⁷⁸⁹₀₁₂₃₄₅₆₇₈₉",  # superscripts and subscripts (numbers, not digits)
    *"①⑦⑩ⅠⅦ½¾",  # circled, Roman, fractions
    *"OoIl|",  # letter O for zero, l and I for one
    *"\u066b\u066c\uff0e\u00b7\uff0c\uff0f",  # Arabic decimal and thousands marks,
    # full-width full stop, middle dot, full-width comma and solidus
    *"\uff4b\uff47\uff4d\uff2c\uff48",  # full-width k, g, m, L, h
    "\u00a0",  # no-break space
]
CHARACTERS = DIGITS_OF_EVERY_SCRIPT + LOOK_ALIKES
BENGALI_FOUR = "\u09ea"


def _row(weight, regimen, dose, concentration):
    return (weight, regimen, dose, concentration, "", "", "")


@pytest.mark.parametrize("field", [0, 2, 3], ids=["weight", "dose", "concentration"])
def test_every_unicode_digit_at_every_place_of_a_cell_is_what_check_says(field):
    """All 700-odd digits of category Nd, and each look-alike, put in place of each character
    of a valid cell, and after its last: the audit says of every row what `check` says. (Put
    beside a character: the generating test below.)"""
    valid = ("70 kg", "iv", "25 mL/hr", "1 mg/mL")
    written = valid[field]
    rows = []
    for at in range(len(written) + 1):
        for character in CHARACTERS:
            for cut in (1,) if at < len(written) else (0,):  # in its place; or after it
                cells = list(valid)
                cells[field] = written[:at] + character + written[at + cut :]
                rows.append(_row(*cells))
    out = dosecalc.audit(orders_of(rows))
    for i, row in enumerate(rows):
        assert_agrees_with_check(row, out, i)
    bengali = [i for i, row in enumerate(rows) if BENGALI_FOUR in row[field]]
    assert bengali
    assert not any(out["verdict"][i] for i in bengali)


@settings(deadline=None)  # no wall-clock limit: the machine is shared
@given(
    st.lists(
        st.one_of(
            altered_fast_path_rows(CHARACTERS),
            st.sampled_from(FAST_PATH_ROWS).map(lambda r: _row(*r)),
        ),
        min_size=1,
        max_size=10,
    )
)
def test_a_character_of_any_script_anywhere_in_a_cell_is_read_as_check_reads_it(rows):
    out = dosecalc.audit(orders_of(rows))
    for i, row in enumerate(rows):
        assert_agrees_with_check(row, out, i)


def test_a_bengali_four_is_refused_as_check_refuses_it():
    out = dosecalc.audit(orders_of([_row("70 kg", "iv", f"{BENGALI_FOUR}0 mg/hr", "")]))
    assert out["verdict"][0] == ""
    assert "U+09EA BENGALI DIGIT FOUR" in out["error"][0]
