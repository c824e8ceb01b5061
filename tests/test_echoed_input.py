"""What a message quotes back of an input, and how spaces of every kind are read.

A message (and an audit's error cell) quotes at most a short, marked excerpt of what was
entered, whatever its length; every Unicode space separator is read as a space."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import long_text, space_separator_characters, space_separators

import dosecalc
from dosecalc import DoseCalcError
from dosecalc.foundation.text import EXCERPT_CHARACTERS, SPACE_SEPARATORS, quoted

# Each field a caller types into, and the call that reads it (the others valid).
FIELDS: dict[str, Callable[[str], object]] = {
    "weight": lambda text: dosecalc.calculate(weight=text, regimen="iv"),
    "height": lambda text: dosecalc.calculate(weight="70 kg", height=text, regimen="iv"),
    "sex": lambda text: dosecalc.calculate(weight="70 kg", height="170 cm", sex=text, regimen="iv"),
    "basis": lambda text: dosecalc.calculate(weight="70 kg", basis=text, regimen="iv"),
    "regimen": lambda text: dosecalc.calculate(weight="70 kg", regimen=text),
    "concentration": lambda text: dosecalc.calculate(
        weight="70 kg", regimen="iv", concentration=text
    ),
    "dose": lambda text: dosecalc.check(weight="70 kg", regimen="iv", dose=text),
    "stock": lambda text: dosecalc.prepare(
        stock=text, final_volume="50 mL", dose="30 mg/hr", duration="24 hr"
    ),
    "final volume": lambda text: dosecalc.prepare(
        stock="500 mg/10 mL", final_volume=text, dose="30 mg/hr", duration="24 hr"
    ),
    "duration": lambda text: dosecalc.prepare(
        stock="500 mg/10 mL", final_volume="50 mL", dose="30 mg/hr", duration=text
    ),
    "pump rate": lambda text: dosecalc.prepare(
        stock="500 mg/10 mL", final_volume="50 mL", dose="30 mg/hr", pump_rate=text
    ),
    "rules": lambda text: dosecalc.calculate(weight="70 kg", regimen="iv", rules=text),
    "parse_quantity": lambda text: dosecalc.parse_quantity(text, dosecalc.WEIGHT),
    "parse_dose": lambda text: dosecalc.parse_dose(text),
    "load_rules": lambda text: dosecalc.load_rules(text),
}
AUDIT_COLUMNS = ("weight", "regimen", "dose", "concentration", "height", "sex", "basis")
LONGEST_MESSAGE = 700  # the longest fix (every regimen of the rules in force) and more


def assert_bounded(message: str, text: str) -> None:
    """``message`` holds no more of ``text`` than a marked excerpt, with its length."""
    assert len(message) < LONGEST_MESSAGE
    assert text[: EXCERPT_CHARACTERS + 1] not in message
    start = text.strip()[:EXCERPT_CHARACTERS]
    if start and len(start) == EXCERPT_CHARACTERS and start in message:
        assert f"{start}…" in message
        assert " characters)" in message


@settings(max_examples=120, deadline=None)
@given(field=st.sampled_from(sorted(FIELDS)), text=long_text())
def test_an_input_of_any_length_is_quoted_back_as_a_short_marked_excerpt(field, text):
    with pytest.raises(DoseCalcError) as refused:
        FIELDS[field](text)
    assert_bounded(str(refused.value), text)


@settings(max_examples=30, deadline=None)
@given(column=st.sampled_from(AUDIT_COLUMNS), text=long_text())
def test_an_audit_error_cell_quotes_a_long_cell_as_a_short_marked_excerpt(column, text):
    order = {
        "weight": "70 kg",
        "regimen": "iv",
        "dose": "30 mg/hr",
        "concentration": "1 mg/mL",
        "height": "170 cm",
        "sex": "male",
        "basis": "actual",
    }
    order[column] = text
    audited = dosecalc.audit({name: [value] for name, value in order.items()})
    error = next(iter(audited["error"]))
    assert error
    assert_bounded(error, text)


def test_the_reported_megabyte_regimen_is_quoted_by_its_start_and_its_length():
    text = "x" * 2**20
    with pytest.raises(dosecalc.UnknownRegimenError) as refused:
        dosecalc.calculate(weight="70 kg", regimen=text)
    assert f"'{'x' * EXCERPT_CHARACTERS}…' (1,048,576 characters)" in str(refused.value)


@given(text=st.text(max_size=EXCERPT_CHARACTERS))
def test_a_short_input_is_quoted_whole(text):
    assert quoted(text) == f"'{text}'"


# --------------------------------------------------------------- space separators


def test_the_space_separators_are_all_of_unicodes():
    assert sorted(SPACE_SEPARATORS) == space_separator_characters()


VALID_ENTRIES: list[tuple[str, Callable[[str], object]]] = [
    ("70 kg", lambda t: dosecalc.parse_quantity(t, dosecalc.WEIGHT)),
    ("9 st 6 lb", lambda t: dosecalc.parse_quantity(t, dosecalc.WEIGHT)),
    ("5 ft 7 in", lambda t: dosecalc.parse_quantity(t, dosecalc.HEIGHT)),
    ("5' 7\"", lambda t: dosecalc.parse_quantity(t, dosecalc.HEIGHT)),
    ("50 mg/5 mL", lambda t: dosecalc.parse_quantity(t, dosecalc.CONCENTRATION)),
    ("500 mg in 50 mL", lambda t: dosecalc.parse_quantity(t, dosecalc.CONCENTRATION)),
    ("30 mg per hr", lambda t: dosecalc.parse_dose(t).quantity),
    ("6 mcg per kg per min", lambda t: dosecalc.parse_dose(t).quantity),
    ("30 mg/hr", lambda t: dosecalc.check(weight="70 kg", regimen="iv", dose=t).verdict),
    (
        "1 mg/mL",
        lambda t: dosecalc.calculate(weight="70 kg", regimen="iv", concentration=t).dose,
    ),
]
VALID_CHOICES: list[tuple[str, Callable[[str], object]]] = [
    ("intravenous infusion", lambda t: dosecalc.calculate(weight="70 kg", regimen=t)),
    ("sublingual or buccal", lambda t: dosecalc.calculate(weight="70 kg", regimen=t)),
    ("iv", lambda t: dosecalc.calculate(weight="70 kg", regimen=t)),
    ("female", lambda t: dosecalc.calculate(weight="70 kg", height="170 cm", sex=t, regimen="iv")),
    (
        "ideal",
        lambda t: dosecalc.calculate(
            weight="70 kg", height="170 cm", sex="male", basis=t, regimen="iv"
        ),
    ),
]


def outcome(read: Callable[[str], object], text: str) -> object:
    """What reading ``text`` gives: its value, or the kind of error refusing it."""
    try:
        return read(text)
    except DoseCalcError as error:
        return type(error)


@settings(max_examples=300, deadline=None)
@given(entry=st.sampled_from(VALID_ENTRIES), space=space_separators(), data=st.data())
def test_a_space_separator_anywhere_in_an_entry_reads_as_a_space_there(entry, space, data):
    text, read = entry
    where = data.draw(st.integers(0, len(text)), label="where")
    assert outcome(read, text[:where] + space + text[where:]) == outcome(
        read, text[:where] + " " + text[where:]
    )


@settings(max_examples=200, deadline=None)
@given(entry=st.sampled_from(VALID_ENTRIES), space=space_separators(), data=st.data())
def test_an_entry_with_its_spaces_typed_as_any_space_separator_reads_the_same(entry, space, data):
    text, read = entry
    spaced = "".join(
        data.draw(st.sampled_from([" ", space])) if character == " " else character
        for character in text
    )
    outside = data.draw(st.sampled_from(["", space, space * 2]))
    assert outcome(read, outside + spaced + outside) == read(text)


@settings(max_examples=200, deadline=None)
@given(
    entry=st.sampled_from(VALID_CHOICES),
    space=space_separators().filter(lambda c: c != " "),
    data=st.data(),
)
def test_a_choice_holding_a_space_separator_is_refused_naming_it(entry, space, data):
    """A regimen, sex or basis is matched on plain spaces only (tests/test_terminal_safety.py):
    one holding another space is refused, and the message names that space, which quoted
    looks like nothing at all."""
    text, read = entry
    where = data.draw(st.integers(0, len(text)), label="where")
    with pytest.raises(dosecalc.ChoiceError) as refused:
        read(text[:where] + space + text[where:])
    name = unicodedata.name(space)
    assert f"(it holds U+{ord(space):04X} {name}, a space character other than" in str(
        refused.value
    )


def test_the_reported_thin_space_label_reads_as_ten_mg_per_ml():
    thin = "50\u2009mg/5\u2009mL"
    result = dosecalc.calculate(weight="70 kg", regimen="iv", concentration=thin)
    assert result.pump_rate is not None
    assert result.pump_rate.display == "2.1 to 3.5 mL/hr"
