"""The one unit registry and the one parser for typed quantities."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import unicodedata
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pint
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from strategies import exact_magnitudes, positive_decimal_text, vocabulary_units

import dosecalc
from dosecalc import (
    CONCENTRATION,
    HEIGHT,
    WEIGHT,
    DoseCalcError,
    OutOfRangeError,
    ParseError,
    UnitError,
    parse_quantity,
    registry,
)
from dosecalc.foundation.display import unit_display
from dosecalc.foundation.text import SPACE_SEPARATORS
from dosecalc.foundation.unit_registry import (
    conversion_factor,
    convert,
    named_unit,
    quantity_of,
    unit_powers,
)
from dosecalc.foundation.units import (
    DOSE,
    MAX_INPUT_LENGTH,
    UNIT_NAMES,
    parse_dose,
    parse_dose_unit,
)

EXAMPLE = re.compile(r"'[^']*\d[^']*'")  # a quoted entry with a number: '70 kg'


@pytest.mark.parametrize(
    ("text", "kind", "expected", "unit"),
    [
        ("70 kg", WEIGHT, Fraction(70), "kg"),
        ("70kg", WEIGHT, Fraction(70), "kg"),
        ("  70 kg  ", WEIGHT, Fraction(70), "kg"),
        ("154 lb", WEIGHT, Fraction(154), "lb"),
        ("154 lbs", WEIGHT, Fraction(154), "lb"),
        ("154 LBS", WEIGHT, Fraction(154), "lb"),
        ("70000 g", WEIGHT, Fraction(70000), "g"),
        ("70 KG", WEIGHT, Fraction(70), "kg"),
        (".5 kg", WEIGHT, Fraction(1, 2), "kg"),
        ("170 cm", HEIGHT, Fraction(170), "cm"),
        ("1.7 m", HEIGHT, Fraction(17, 10), "m"),
        ("5 ft 7 in", HEIGHT, Fraction(67), "inch"),
        ("5ft7in", HEIGHT, Fraction(67), "inch"),
        ("10 lb 3 oz", WEIGHT, Fraction(163), "ounce"),
        ("9 st", WEIGHT, Fraction(126), "lb"),
        ("9 st 6 lb", WEIGHT, Fraction(132), "lb"),
        ("9st 6lb", WEIGHT, Fraction(132), "lb"),
        ("9 stone 6 pounds", WEIGHT, Fraction(132), "lb"),
        ("5'7\"", HEIGHT, Fraction(67), "inch"),
        ("5\u2032 7\u2033", HEIGHT, Fraction(67), "inch"),
        ("5\u20197\u201d", HEIGHT, Fraction(67), "inch"),
        ("5'", HEIGHT, Fraction(60), "inch"),
        ('67"', HEIGHT, Fraction(67), "inch"),
        ("500 mg in 50 mL", CONCENTRATION, Fraction(10), "mg/mL"),
        ("1 mg per mL", CONCENTRATION, Fraction(1), "mg/mL"),
        ("1 mg/mL", CONCENTRATION, Fraction(1), "mg/mL"),
        ("1 mg/ml", CONCENTRATION, Fraction(1), "mg/mL"),
        ("2 MG/ML", CONCENTRATION, Fraction(2), "mg/mL"),
        ("50 mg/5 mL", CONCENTRATION, Fraction(10), "mg/mL"),
        ("50mg/5mL", CONCENTRATION, Fraction(10), "mg/mL"),
        ("1 g/250 mL", CONCENTRATION, Fraction(1, 250), "g/mL"),
        ("1600 mcg/mL", CONCENTRATION, Fraction(1600), "mcg/mL"),
        ("1600 µg/mL", CONCENTRATION, Fraction(1600), "mcg/mL"),
        ("1600 μg/mL", CONCENTRATION, Fraction(1600), "mcg/mL"),
    ],
)
def test_clinical_spellings_are_read_exactly(text, kind, expected, unit):
    quantity = parse_quantity(text, kind)
    assert quantity.to(unit).magnitude == expected


def test_label_style_concentration_is_a_concentration_not_a_product():
    # pint alone reads "50 mg/5 mL" as 10 mg·mL.
    quantity = parse_quantity("50 mg/5 mL", CONCENTRATION)
    assert quantity.to("mg/mL").magnitude == 10
    assert quantity.dimensionality == registry().get_dimensionality("[mass]/[length]**3")


def test_feet_and_inches_are_a_height_never_an_area():
    quantity = parse_quantity("5 ft 7 in", HEIGHT)
    assert quantity.to("cm").magnitude == Fraction(67 * 254, 100)
    with pytest.raises(UnitError, match="length, not a weight"):
        parse_quantity("5 ft 7 in", WEIGHT)


@pytest.mark.parametrize(
    ("text", "error", "words"),
    [
        ("70", UnitError, "has no unit"),
        ("70.5", UnitError, "has no unit"),
        ("", ParseError, "nothing was entered"),
        ("   ", ParseError, "nothing was entered"),
        ("kg", ParseError, "could not read"),
        ("seventy kg", ParseError, "could not read"),
        ("70 tonne", UnitError, "not a unit dosecalc knows"),
        ("9 st 14 lb", ParseError, "the pounds are 14 or more"),
        ("9 st 6", ParseError, "could not read"),
        ("6 lb 9 st", ParseError, "could not read"),
        ("9 st 6 lb 3 oz", ParseError, "could not read"),
        ('154"', UnitError, "a length, not a weight"),
        ('154 lb"', ParseError, "stand only for feet and inches"),
        ("70 kg'", ParseError, "stand only for feet and inches"),
        ("70 kg per", ParseError, "does not stand between two units"),
        ("70 kg in 5 mL", UnitError, "a concentration, not a weight"),
        ("70 m", UnitError, "a length, not a weight"),
        ("70 mg/h", UnitError, "a dose rate, not a weight"),
        ("70 mL", UnitError, "a volume, not a weight"),
        ("nan kg", OutOfRangeError, "not a finite number"),
        ("NaN kg", OutOfRangeError, "not a finite number"),
        ("inf kg", OutOfRangeError, "not a finite number"),
        ("1e309 kg", ParseError, "exponent notation"),
        ("7e1 kg", ParseError, "exponent notation"),
        ("0 kg", OutOfRangeError, "zero"),
        ("0.0 kg", OutOfRangeError, "zero"),
        ("-70 kg", OutOfRangeError, "negative"),
        ("−70 kg", OutOfRangeError, "negative"),
        ("70,5 kg", ParseError, "70.5 kg"),
        ("1,000 g", ParseError, "thousands separator"),
        ("70 ** 2 kg", ParseError, "could not read"),
        ("(70 kg", ParseError, "could not read"),
        ("70 kg + 5 m", ParseError, "could not read"),
        ("70 lb lb", ParseError, "could not read"),
        ("70 kg 5", ParseError, "could not read"),
        ("70 kg 5 m", ParseError, "could not read"),
        ("70 kg 5 g", ParseError, "could not read"),
        ("3 oz 10 lb", ParseError, "could not read"),
        ("5 ft 7 in 3 cm", ParseError, "could not read"),
        ("70 Mg", UnitError, "megagram"),
        ("70\x00 kg", ParseError, "control character"),
        ("70\u200b kg", ParseError, "control character"),
        ("x" * (MAX_INPUT_LENGTH + 1), ParseError, "too long"),
        ("70 kg; DROP TABLE patients", ParseError, "could not read"),
        ("__import__('os') kg", ParseError, "could not read"),
    ],
)
def test_bad_weight_text_is_refused_with_the_field_the_problem_and_an_example(text, error, words):
    with pytest.raises(error) as raised:
        parse_quantity(text, WEIGHT)
    message = str(raised.value)
    assert message.startswith("weight: ")
    assert words in message
    assert raised.value.field == "weight"
    assert EXAMPLE.search(raised.value.fix), f"no correct example in: {message}"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("1 mg/kg", "ratio such as mg/kg, not a concentration"),
        ("1 mg", "a weight, not a concentration"),
        ("5 cc", "Write mL instead of cc"),
        ("50 mg/0 mL", "divides by zero"),
        ("1 mg/Ml", "megalitre"),
    ],
)
def test_bad_concentrations_are_refused_with_a_correct_example(text, words):
    with pytest.raises(DoseCalcError, match=words) as raised:
        parse_quantity(text, CONCENTRATION)
    assert EXAMPLE.search(raised.value.fix)


def test_a_bare_number_argument_is_refused_rather_than_given_a_default_unit():
    with pytest.raises(UnitError, match="has no unit"):
        parse_quantity(70, WEIGHT)
    with pytest.raises(UnitError, match="has no unit"):
        parse_quantity(70.5, WEIGHT)


def test_an_object_that_is_neither_text_nor_quantity_is_refused():
    with pytest.raises(ParseError, match="got list"):
        parse_quantity(["70 kg"], WEIGHT)


def test_quantities_from_another_pint_registry_are_taken_exactly():
    other = pint.UnitRegistry()
    quantity = parse_quantity(other.Quantity(70.1, "kilogram"), WEIGHT)
    assert quantity.to("kg").magnitude == Fraction("70.1")


def test_a_quantity_in_a_unit_dosecalc_does_not_display_is_converted_to_the_canonical_unit():
    other = pint.UnitRegistry()
    quantity = parse_quantity(other.Quantity(7000, "grain"), WEIGHT)
    assert str(quantity.units) == "kilogram"
    assert quantity.magnitude == Fraction("0.45359237")  # 7,000 grains are a pound


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -1.0, 0])
def test_bad_quantity_magnitudes_are_refused(value):
    with pytest.raises(OutOfRangeError):
        parse_quantity(registry().Quantity(value, "kg"), WEIGHT)


def test_a_quantity_of_the_wrong_dimension_is_refused():
    with pytest.raises(UnitError, match="a length, not a weight"):
        parse_quantity(registry().Quantity(70, "m"), WEIGHT)


@given(positive_decimal_text, st.sampled_from(["kg", "g", "mg", "mcg", "lb", "oz"]))
@example("0.5", "kg")
def test_any_positive_decimal_with_a_mass_unit_reads_as_exactly_that_weight(number, unit):
    quantity = parse_quantity(f"{number} {unit}", WEIGHT)
    assert quantity.magnitude == Fraction(number)
    assert quantity.to("kg") == registry().Quantity(Fraction(number), unit).to("kg")


@given(st.text(max_size=60))
def test_arbitrary_text_either_reads_as_a_positive_weight_or_raises_a_dosecalc_error(text):
    try:
        quantity = parse_quantity(text, WEIGHT)
    except DoseCalcError:
        return
    assert quantity.magnitude > 0
    assert quantity.dimensionality == registry().get_dimensionality("[mass]")


def test_dose_units_keep_per_kg_explicit():
    weight_based = parse_dose_unit("mg/kg/h")
    assert (weight_based.amount, weight_based.per_body_weight, weight_based.per_time) == (
        "milligram",
        "kilogram",
        "hour",
    )
    absolute = parse_dose_unit("mg/h")
    assert not absolute.is_weight_based
    assert absolute.is_rate
    # pint alone cannot tell these apart from a plain 1/time or a ratio.
    assert weight_based.pint_unit().dimensionality == registry().Unit("1/h").dimensionality
    fixed = parse_dose_unit("mg")
    assert not fixed.is_weight_based
    assert not fixed.is_rate


@pytest.mark.parametrize(
    "text", ["kg/mg/h", "mL/h", "h", "mg/kg/h/min", "mg/cm", "mg/lb/h", "lb", "mg/kg/kg", "mg/mg"]
)
def test_dose_units_in_another_order_or_kind_are_refused(text):
    with pytest.raises(UnitError):
        parse_dose_unit(text)


def test_a_dose_unit_is_the_same_whatever_the_order_of_its_denominators():
    assert parse_dose_unit("mg/h/kg") == parse_dose_unit("mg/kg/h")


@pytest.mark.parametrize(
    ("text", "per_kg", "per_time", "mg_per_unit"),
    [
        ("0.3 mg/kg/h", "kilogram", "hour", Fraction(3, 10)),
        ("0.3 mg/kg/hr", "kilogram", "hour", Fraction(3, 10)),
        ("5 mcg/kg/min", "kilogram", "minute", Fraction(5, 1000)),
        ("30 mg/hr", None, "hour", Fraction(30)),
        ("600 mg/24 h", None, "day", Fraction(600)),
        ("600 mg/24h", None, "day", Fraction(600)),
        ("600 mg/day", None, "day", Fraction(600)),
        ("25 mg", None, None, Fraction(25)),
        ("25000 mcg", None, None, Fraction(25)),
        ("1.5 mg/kg", "kilogram", None, Fraction(3, 2)),
    ],
)
def test_doses_are_read_with_per_kg_and_per_time_kept_explicit(text, per_kg, per_time, mg_per_unit):
    dose = parse_dose(text)
    assert dose.unit.per_body_weight == per_kg
    assert dose.unit.per_time == per_time
    assert (
        dose.quantity.to(dose.unit.pint_unit()).magnitude
        * (registry().Quantity(1, dose.unit.amount).to("mg").magnitude)
        == mg_per_unit
    )


@pytest.mark.parametrize(
    ("text", "form"),
    [
        ("0.3 mg/kg/hr", "weight-based-rate"),
        ("30 mg/hr", "absolute-rate"),
        ("600 mg/24 h", "absolute-rate"),
        ("25 mL/hr", "pump-rate"),
        ("25 ml per h", "pump-rate"),
        ("25 mg", "fixed-dose"),
        ("2.5 mL", "volume"),
        ("1.5 mg/kg", "weight-based-dose"),
    ],
)
def test_every_dose_check_takes_is_read_with_its_form(text, form):
    dose = parse_dose(text)
    assert dose.form == form
    # A pump rate or a volume is no drug amount until a concentration makes it one.
    assert (dose.unit is None) == (form in ("pump-rate", "volume"))


def test_a_weight_based_rate_and_an_absolute_rate_are_never_confused():
    per_kg, absolute = parse_dose("0.3 mg/kg/h"), parse_dose("0.3 mg/h")
    assert per_kg.unit.is_weight_based
    assert not absolute.unit.is_weight_based
    assert per_kg.quantity.dimensionality != absolute.quantity.dimensionality
    quantity = parse_dose(registry().Quantity(Fraction(3, 10), "mg/kg/h"))
    assert quantity.unit == per_kg.unit


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("70 kg", "a weight, not a dose"),
        ("1 mg/mL", "a concentration, not a dose"),
        ("30", "has no unit"),
        ("30 mg/lb/h", "a dose per lb of body weight"),
    ],
)
def test_what_is_not_a_dose_is_refused_as_a_dose(text, words):
    with pytest.raises(DoseCalcError, match=words) as raised:
        parse_dose(text)
    assert raised.value.field == "dose"
    assert str(raised.value).startswith(f"dose: '{text}'")


@pytest.mark.parametrize("name", sorted(UNIT_NAMES))
def test_every_unit_is_read_from_each_of_its_spellings_and_written_as_its_display_one(name):
    spellings = UNIT_NAMES[name]
    for spelling in (*spellings.read, spellings.display):
        quantity = parse_quantity(f"2 {spelling}", DOSE)
        assert unit_powers(quantity.units) == {name: 1}, spelling
        assert unit_display(quantity.units) == spellings.display


def test_the_registry_is_built_once_and_shared():
    assert registry() is registry()


_CACHE_PROBE = """
import json, os, sys
from dosecalc import registry
registry()
folder = os.path.join(os.environ["XDG_CACHE_HOME"], "dosecalc", "pint")
print(json.dumps(os.path.isdir(folder) and any(os.scandir(folder))))
"""


@pytest.mark.subprocess
@pytest.mark.parametrize(("setting", "cache_written"), [("1", True), ("0", False)])
def test_pints_disk_cache_is_used_unless_turned_off(tmp_path: Path, setting, cache_written):
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path), "DOSECALC_UNIT_CACHE": setting}
    out = subprocess.run(
        [sys.executable, "-c", _CACHE_PROBE], env=env, capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out) is cache_written


def test_a_dose_quantity_in_a_unit_dosecalc_does_not_use_is_refused():
    other = pint.UnitRegistry()
    with pytest.raises(UnitError, match="a unit dosecalc does not use"):
        parse_dose(other.Quantity(1, "grain/hour"))


def test_a_magnitude_that_is_not_one_real_number_is_refused():
    with pytest.raises(ParseError, match="single number"):
        parse_quantity(registry().Quantity(70 + 1j, "kg"), WEIGHT)


def test_fractional_powers_of_units_are_refused():
    from dosecalc.foundation.unit_registry import (
        unit_powers,
    )

    with pytest.raises(ValueError, match="whole powers"):
        unit_powers(registry().Unit("m**0.5"))


def test_errors_for_quantity_inputs_name_the_field_and_echo_the_value():
    with pytest.raises(OutOfRangeError) as raised:
        parse_quantity(registry().Quantity(float("nan"), "kg"), WEIGHT, "weight")
    assert str(raised.value) == "weight: nan is not a finite number. Enter '70 kg' or '154 lb'"
    with pytest.raises(OutOfRangeError) as raised:
        parse_quantity(registry().Quantity(-2, "kg"), WEIGHT)
    assert str(raised.value).startswith("weight: -2 kilogram is negative. Enter a weight greater")
    with pytest.raises(ParseError) as raised:
        parse_quantity(registry().Quantity(70 + 1j, "kg"), WEIGHT)
    assert str(raised.value) == (
        "weight: the magnitude must be a single number, got complex. Enter '70 kg' or '154 lb'"
    )


def test_a_dimension_without_a_name_is_called_another_kind():
    with pytest.raises(UnitError, match="'70 kg/h/h' is a quantity of another kind, not a weight"):
        parse_quantity("70 kg/h/h", WEIGHT)


@given(
    thousands=st.integers(min_value=1, max_value=999),
    rest=st.integers(min_value=0, max_value=999),
    unit=st.sampled_from(["g", "kg", "mg/hr", "mcg/hr", "mg/kg/hr", "mL"]),
)
def test_the_thousands_comma_advice_writes_the_entry_itself_both_ways(thousands, rest, unit):
    """'1,000 mcg/hr' was told "e.g. '1000 g' or '70.5 kg'": a weight offered for a dose.
    The fix writes the entry itself, without the comma and with a decimal point."""
    text = f"{thousands},{rest:03d} {unit}"
    with pytest.raises(ParseError) as raised:
        parse_dose(text) if "/" in unit or unit == "mL" else parse_quantity(text, WEIGHT)
    assert raised.value.fix == (
        "Write the number without commas, with a point for decimals: "
        f"'{thousands}{rest:03d} {unit}' if the comma separates thousands, "
        f"'{thousands}.{rest:03d} {unit}' if it is a decimal comma"
    )


def test_dose_errors_name_the_callers_field_and_echo_the_entry_as_given():
    with pytest.raises(UnitError) as raised:
        parse_dose("  70 kg ", field="order")
    assert str(raised.value) == (
        "order: '70 kg' is a weight, not a dose. "
        "Enter '30 mg/hr', '0.4 mg/kg/hr', '25 mL/hr' (with a concentration) or '25 mg'"
    )
    with pytest.raises(UnitError) as raised:
        parse_dose(registry().Quantity(70, "kg"))
    assert str(raised.value).startswith("dose: '70 kilogram' is a weight, not a dose.")
    with pytest.raises(UnitError) as raised:
        parse_dose("30", field="order")
    assert raised.value.field == "order"


# ------------------------------------------------- characters that mean one thing

VALID_ENTRIES = [
    ("70 kg", WEIGHT),
    ("154 lb", WEIGHT),
    ("5 ft 7 in", HEIGHT),
    ("170 cm", HEIGHT),
    ("50 mg/5 mL", CONCENTRATION),
    ("9 st 6 lb", WEIGHT),
    ("5' 7\"", HEIGHT),
    ("500 mg in 50 mL", CONCENTRATION),
    ("30 mg per hr", DOSE),
]
LOOK_ALIKES = [0x09EA, 0x0660, 0x06F5, 0x0966, 0x0E53, 0x212A, 0x039C, 0x039A, 0x0391, 0x03BF]
LOOK_ALIKES += [0x0430, 0x0435, 0x0441, 0x043A, 0xFF10, 0xFF2B, 0x2024]
# Besides those read (below), the typographic feet and inch marks: tests/test_clinical_spellings.py.
MARKS = "\u2032\u2033\u2019\u201d"
# Space separators (category Zs) are read as spaces: tests/test_inputs.py.
beyond_ascii = st.characters(min_codepoint=0x80).filter(
    lambda c: c not in "µμ−" + MARKS and unicodedata.category(c) != "Zs"
)


@given(entry=st.sampled_from(VALID_ENTRIES), data=st.data())
def test_a_character_beyond_plain_text_is_refused_by_name_never_read_as_its_look_alike(entry, data):
    text, kind = entry
    character = data.draw(
        st.one_of(
            beyond_ascii,
            st.characters(categories=["Nd"]).filter(lambda c: not c.isascii()),
            # Look-alikes of 8 . 5 0 K M A o a e c k, and full-width 0 and K, by code point.
            st.sampled_from(list(map(chr, LOOK_ALIKES))),
        )
    )
    where = data.draw(st.integers(0, len(text)))
    replace = data.draw(st.booleans()) and where < len(text)
    typed = text[:where] + character + text[where + replace :]
    with pytest.raises(ParseError) as refused:
        parse_quantity(typed, kind)
    assert f"U+{ord(character):04X}" in str(refused.value)


@given(
    entry=st.sampled_from(VALID_ENTRIES),
    control=st.characters(categories=["Cc", "Cf", "Zl", "Zp"]).filter(lambda c: c != " "),
    where=st.integers(0, 12),
)
def test_control_characters_of_every_kind_are_refused_wherever_they_stand(entry, control, where):
    text, kind = entry
    with pytest.raises(ParseError, match=f"control character \\(U\\+{ord(control):04X}"):
        parse_quantity(text[:where] + control + text[where:], kind)


@given(text=st.text(max_size=30))
def test_whatever_is_read_as_a_quantity_was_typed_in_plain_characters(text):
    try:
        parse_quantity(text, WEIGHT)
    except dosecalc.DoseCalcError:
        return
    # No mark: a length. Any space separator is a space.
    assert all(" " <= c <= "~" or c in "µμ" + SPACE_SEPARATORS for c in text)


@pytest.mark.parametrize("spelling", ["5 \u039cG", "5 \u039cg", "5 \u039c\u0393"])
def test_greek_capital_mu_is_never_read_as_micrograms(spelling):
    with pytest.raises(ParseError, match="U\\+039C GREEK CAPITAL LETTER MU"):
        parse_dose(spelling)


@given(
    feet=st.integers(1, 8),
    inches=st.integers(0, 40),
    pounds=st.integers(1, 300),
    ounces=st.integers(0, 40),
    stones=st.integers(1, 70),
)
def test_compound_entries_take_fewer_inches_than_a_foot_ounces_than_a_pound_pounds_than_a_stone(
    feet, inches, pounds, ounces, stones
):
    for text, kind, below, big, small in (
        (f"{feet} ft {inches} in", HEIGHT, 12, feet * 12, inches),
        (f"{pounds} lb {ounces} oz", WEIGHT, 16, pounds * 16, ounces),
        (f"{stones} st {pounds} lb", WEIGHT, 14, stones * 14, pounds),
    ):
        try:
            quantity = parse_quantity(text, kind)
        except dosecalc.DoseCalcError as error:
            message = str(error)
        else:
            message = ""
        if small >= below:
            assert f"are {below} or more" in message
        else:
            assert not message
            assert quantity.magnitude == big + small


@given(
    magnitude=st.one_of(
        st.decimals(allow_nan=False, allow_infinity=False),
        st.sampled_from([Decimal("1e-99999999"), Decimal("1e99999999"), Decimal("7E+1")]),
        st.fractions(),
        st.integers(min_value=-(10**400), max_value=10**400),
    )
)
def test_a_quantity_of_any_magnitude_is_read_or_refused_at_once(magnitude):
    try:
        quantity = parse_quantity(registry().Quantity(magnitude, "kg"), WEIGHT)
    except DoseCalcError:
        return
    assert quantity.magnitude == Fraction(magnitude)


def test_the_registry_is_built_without_the_disk_cache_when_asked(monkeypatch):
    from dosecalc.foundation import unit_registry as units

    monkeypatch.setenv(units.UNIT_CACHE_ENV, "0")
    assert units._build_registry()._diskcache is None


def test_a_cache_that_cannot_be_read_is_dropped_and_the_registry_built_without_it(
    monkeypatch, tmp_path
):
    from dosecalc.foundation import unit_registry as units

    built = []
    real_registry = units._ExactRegistry

    def registry_or_torn_cache(*, cache_folder, non_int_type):
        built.append(cache_folder)
        if cache_folder is not None:
            raise EOFError("Ran out of input")  # what pickle says of a truncated file
        return real_registry(cache_folder=None, non_int_type=non_int_type)

    folder = tmp_path / "dosecalc" / "pint"
    folder.mkdir(parents=True)
    (folder / "torn.pickle").write_bytes(b"\x80")
    monkeypatch.setenv(units.UNIT_CACHE_ENV, "1")
    monkeypatch.setattr(units, "unit_cache_folder", lambda: folder)
    monkeypatch.setattr(units, "_ExactRegistry", registry_or_torn_cache)
    assert units._build_registry() is not None
    assert built == [folder, None]
    assert not folder.exists()


def test_a_child_forked_while_the_registry_lock_was_held_gets_a_free_lock():
    from dosecalc.foundation import unit_registry as units

    held = units._registry_lock
    held.acquire()
    try:
        units._new_lock_after_fork()  # what the child runs right after the fork
        assert units._registry_lock is not held
        assert units._registry_lock.acquire(blocking=False)
        units._registry_lock.release()
    finally:
        held.release()


@given(exact_magnitudes, vocabulary_units)
def test_quantity_of_makes_the_quantity_pints_constructor_makes(value, unit):
    made, pints = quantity_of(value, named_unit(unit)), registry().Quantity(value, named_unit(unit))
    assert type(made) is type(pints)
    assert vars(made) == vars(pints)
    assert made == pints
    assert str(made) == str(pints)


@given(exact_magnitudes, vocabulary_units, vocabulary_units)
def test_convert_gives_exactly_what_pints_to_gives(value, source, target):
    quantity = registry().Quantity(value, named_unit(source))
    try:
        expected = quantity.to(named_unit(target))
    except pint.DimensionalityError:
        with pytest.raises(pint.DimensionalityError):
            convert(quantity, named_unit(target))
        return
    converted = convert(quantity, named_unit(target))
    assert converted.magnitude == expected.magnitude
    assert isinstance(converted.magnitude, Fraction)
    assert converted.units == expected.units


def test_conversion_factor_is_exact_between_vocabulary_units():
    assert conversion_factor(named_unit("mg/kg/h"), named_unit("mcg/kg/min")) == Fraction(50, 3)
    assert conversion_factor(named_unit("lb"), named_unit("kg")) == Fraction("0.45359237")


def test_conversion_factor_refuses_units_of_two_dimensions():
    with pytest.raises(pint.DimensionalityError):
        conversion_factor(named_unit("mg"), named_unit("mL"))


def test_pint_sets_a_quantity_s_and_a_unit_s_attributes_as_object_does():
    """dosecalc's frozen quantity sets its attributes with object's own __setattr__, past
    pint's: true while pint defines none of its own."""
    assert pint.UnitRegistry.Quantity.__setattr__ is object.__setattr__
    assert pint.UnitRegistry.Unit.__setattr__ is object.__setattr__


@given(
    sign=st.sampled_from(["-", "\u2212", "- "]),
    zeros=st.sampled_from(["0", "0.0", "0.000", "00", ".0", "0."]),
    digit=st.integers(min_value=1, max_value=9),
    unit=st.sampled_from(["kg", "lb"]),
)
def test_a_signed_zero_is_zero_and_only_a_signed_figure_above_zero_is_negative(
    sign, zeros, digit, unit
):
    """'-0.0 mg/h' was "negative": a signed zero is refused as zero, as 0 is."""
    with pytest.raises(OutOfRangeError) as zero:
        parse_quantity(f"{sign}{zeros} {unit}", WEIGHT)
    assert " is zero" in zero.value.problem
    with pytest.raises(OutOfRangeError) as negative:
        parse_quantity(f"{sign}{zeros}{digit} {unit}", WEIGHT)
    assert " is negative" in negative.value.problem


@given(
    number=st.decimals(min_value=Decimal("0.01"), max_value=Decimal(100), places=2),
    per=st.sampled_from(["lb", "oz", "g", "st"]),
    time=st.sampled_from(["", "/hr", "/min"]),
)
def test_a_dose_per_another_body_weight_unit_says_how_to_convert_it_never_the_same_figure_per_kg(
    number, per, time
):
    """'0.4 mg/lb/hr' once got "Convert it to a dose per kg, e.g. '0.4 mg/kg/hr'", which,
    typed as offered, is 2.2 times less. The fix gives the unit's size in kg, which turns
    the dose per that unit into the dose per kg exactly, and no figure per kg at all."""
    with pytest.raises(DoseCalcError) as raised:
        parse_dose(f"{number} mg/{per}{time}")
    fix = raised.value.fix
    assert "/kg" not in fix
    size = re.fullmatch(rf"Have it written per kg: 1 {per} is ([\d.]+) kg, .* by \1", fix)
    assert size is not None, fix
    pint_name = {"lb": "pound", "oz": "ounce", "g": "gram", "st": "stone"}[per]
    exact = registry().Quantity(Fraction(number), f"mg/{pint_name}").to("mg/kg").magnitude
    assert Fraction(number) / Fraction(size.group(1)) == exact


@given(
    case=st.sampled_from(
        [
            ("weight", "70 kg"),
            ("height", "5 ft 7 in"),
            ("drug amount", "25 mg"),
            ("concentration", "50 mg/5 mL"),
            ("volume", "2.5 mL"),
            ("duration", "24 hr"),
            ("pump rate", "2 mL/hr"),
            ("dose", "0.4 mg/kg/hr"),
        ]
    ),
    other=st.one_of(st.text(max_size=12), st.none(), st.integers(), st.binary(max_size=4)),
)
def test_a_kind_is_given_as_itself_or_by_its_name_and_anything_else_is_a_typed_error(case, other):
    """`parse_quantity("70 kg", "weight")` raised AttributeError, untyped: a kind's name reads
    as the kind, and anything that names no kind is a `ChoiceError` naming the kinds."""
    from dosecalc.foundation import units

    name, text = case
    (kind,) = [k for k in units._KINDS if k.name == name]
    assert parse_quantity(text, name) == parse_quantity(text, kind)
    if other in {k.name for k in units._KINDS}:
        return
    with pytest.raises(dosecalc.ChoiceError, match=r"(?s)^kind: .* is not a kind of quantity"):
        parse_quantity(text, other)
