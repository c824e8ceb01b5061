"""One reader for every face: the audit's fast path reads exactly the cells `check` reads.

A digit of another script, a look-alike letter or a full-width form anywhere in a weight,
dose or concentration is what `check` says of it (refused, named), never read as a number
by the audit's own reader.
"""

from __future__ import annotations

import sys
import unicodedata

from audit_oracle import assert_agrees_with_check, orders_of
from hypothesis import given
from hypothesis import strategies as st

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

# Valid rows (weight, regimen, dose, concentration), each audited on the fast path as typed.
VALID_ROWS = [
    ("70 kg", "iv", "21 mg/hr", ""),
    ("154 lb", "iv", "0.3 mg/kg/hr", ""),
    ("70.5 kg", "iv", "30 mg/h", ""),
    ("80kg", "sl", "25 mg", ""),
    ("70 kg", "iv", "25 mL/hr", "1 mg/mL"),
    ("60 kg", "sl", "5 mL", "10 mg/mL"),
]
FIELDS = {"weight": 0, "dose": 2, "concentration": 3}


def _row(weight, regimen, dose, concentration):
    return (weight, regimen, dose, concentration, "", "", "")


def test_every_unicode_digit_in_place_of_a_plain_one_is_what_check_says():
    """All 700-odd digits of category Nd, and each look-alike, put for the first digit of
    each number cell: the audit says of every row exactly what `check` says."""
    rows = []
    for weight, regimen, dose, concentration in VALID_ROWS[-2:]:
        for character in CHARACTERS:
            rows.append(_row(character + weight[1:], regimen, dose, concentration))
            rows.append(_row(weight, regimen, character + dose[1:], concentration))
            rows.append(_row(weight, regimen, dose, character + concentration[1:]))
    out = dosecalc.audit(orders_of(rows))
    for i, row in enumerate(rows):
        assert_agrees_with_check(row, out, i)
    assert not any(out["verdict"][i] for i, row in enumerate(rows) if row[0][0] == BENGALI_FOUR)


@st.composite
def altered_rows(draw):
    """A valid row with one generated character put in, or put in place of another, at a
    generated position of its weight, dose or concentration."""
    weight, regimen, dose, concentration = draw(st.sampled_from(VALID_ROWS))
    cells = [weight, regimen, dose, concentration]
    field = draw(st.sampled_from([i for name, i in FIELDS.items() if cells[i]]))
    text = cells[field]
    at = draw(st.integers(0, len(text)))
    character = draw(st.sampled_from(CHARACTERS))
    replace = draw(st.booleans()) and at < len(text)
    cells[field] = text[:at] + character + text[at + (1 if replace else 0) :]
    return _row(*cells)


@given(
    st.lists(
        st.one_of(altered_rows(), st.sampled_from(VALID_ROWS).map(lambda r: _row(*r))),
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
