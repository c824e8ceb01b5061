"""The plain-text wrapper never splits a dose or a range across lines."""

from __future__ import annotations

import pytest
import strategies
from hypothesis import given

from dosecalc.reports.contents import NO_BREAK_SPACE, bind_units
from dosecalc.reports.text import wrap

SENTENCE = (
    "Per kg per minute: 5 to 8.33 mcg/kg/min; dose rate 21 to 35 mg/hr; pump rate "
    "10.5 to 17.5 mL/hr; volume 2.5 mL; weight 154.3 lb (69.99 kg)."
)
WHOLE = [
    "5 to 8.33 mcg/kg/min",
    "21 to 35 mg/hr",
    "10.5 to 17.5 mL/hr",
    "2.5 mL",
    "154.3 lb",
    "69.99 kg",
]


@pytest.mark.parametrize("width", range(20, 90, 3))
def test_doses_and_ranges_stay_whole_at_any_width(width):
    lines = wrap(SENTENCE, width).splitlines()
    joined = " ".join(line.strip() for line in lines)
    assert joined == SENTENCE
    for piece in WHOLE:
        assert any(piece in line for line in lines), (piece, lines)


def test_continuation_lines_are_indented_two_more_spaces():
    lines = wrap(SENTENCE, 30, indent="  ").splitlines()
    assert lines[0].startswith("  P")
    assert all(line.startswith("    ") for line in lines[1:])


@given(strategies.sha256_digests)
def test_a_hash_after_sha_256_is_never_bound_to_it_whatever_its_first_character(digest):
    assert bind_units(f"rules x@1, SHA-256 {digest}") == f"rules x@1, SHA-256 {digest}"
    assert bind_units("30 mg") == f"30{NO_BREAK_SPACE}mg"
