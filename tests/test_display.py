"""The one place numbers become text: ISMP display, the display rule, UCUM codes."""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

import pytest
import strategies
from by_hand import MARKS, agrees
from hypothesis import example, given
from hypothesis import strategies as st
from test_prepare import ismp_breaches

from dosecalc import registry
from dosecalc.foundation import display
from dosecalc.foundation.display import (
    Figure,
    exact_places,
    figure,
    figure_beside,
    figure_range,
    format_body,
    format_data_number,
    format_entered,
    format_exact,
    format_exact_range,
    format_number,
    format_range,
    inputs_shown,
    json_number,
    json_quantity,
    number_apart_from,
    operand,
    significant_decimals,
    unit_display,
    unit_ucum,
)
from dosecalc.foundation.units import (
    QuantityKind,
    parse_quantity,
)
from dosecalc.foundation.working import unit_change

positive = st.fractions(min_value=Fraction(1, 10**6), max_value=Fraction(10**6)).filter(bool)


@pytest.fixture(autouse=True)
def _no_text_kept_from_an_earlier_test():
    """Each test works its text out anew: `format_entered` and the unit spellings keep what
    they wrote, so a test given text an earlier one wrote would exercise no code at all
    (nor would a mutant forked after a clean run, as mutmut's are)."""
    kept = [format_entered, display._spelled, display._compose, display._unit_change]
    for function in kept:
        function.cache_clear()
    yield
    for function in kept:
        function.cache_clear()


def shown_value(text: str) -> Fraction:
    return Fraction(text.replace(",", ""))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Fraction(3, 10), "0.3"),  # leading zero, never ".3"
        (Fraction(5), "5"),  # no trailing zero, never "5.0"
        (Fraction(21), "21"),
        (Fraction(49, 2), "24.5"),
        (Fraction(25, 3), "8.33"),
        (Fraction(1, 20), "0.05"),
        (Fraction(1234), "1,234"),  # thousands separated, whole digits kept
        (Fraction(12345678, 10), "1,234,568"),
        (Fraction(1, 3000), "0.000333"),
    ],
)
def test_numbers_are_shown_the_ismp_way(value, expected):
    assert format_number(value) == expected


@pytest.mark.parametrize(
    ("unit", "display", "ucum"),
    [
        ("mg/kg/h", "mg/kg/hr", "mg/kg/h"),
        ("mg/h/kg", "mg/kg/hr", "mg/kg/h"),  # per kg before per time, whatever pint's order
        ("mcg/kg/min", "mcg/kg/min", "ug/kg/min"),
        ("mg/mL", "mg/mL", "mg/mL"),
        ("mL/h", "mL/hr", "mL/h"),
        ("microgram", "mcg", "ug"),
        ("pound", "lb", "[lb_av]"),
        ("inch", "in", "[in_i]"),
        ("mg/day", "mg/24 hr", "mg/d"),
    ],
)
def test_units_are_spelled_the_ismp_way_for_people_and_in_ucum_for_machines(unit, display, ucum):
    assert unit_display(registry().Unit(unit)) == display
    assert unit_ucum(registry().Unit(unit)) == ucum


def test_no_display_ever_shows_micro_sign_cc_or_a_trailing_zero():
    quantity = registry().Quantity(Fraction(5), "µg/mL")
    assert format_exact(quantity) == "5 mcg/mL"
    assert format_exact(registry().Quantity(Fraction(50), "mL")) == "50 mL"


def test_units_with_powers_are_refused_rather_than_printed_wrongly():
    with pytest.raises(ValueError, match="power"):
        unit_display(registry().Unit("kg/m**2"))


def test_a_unit_without_a_display_name_is_a_programming_error():
    with pytest.raises(ValueError, match="no display name"):
        unit_display(registry().Unit("grain"))


def test_entered_values_are_echoed_exactly_and_converted_ones_to_two_places():
    assert format_exact(registry().Quantity(Fraction("154.3"), "lb")) == "154.3 lb"
    assert format_exact(registry().Quantity(Fraction(1, 3), "g/mL")) == "1 g in 3 mL"
    assert format_exact(registry().Quantity(Fraction(1, 3), "kg")) == "0.333333333333 kg (rounded)"
    assert format_body(registry().Quantity(Fraction("154.3"), "lb").to("kg")) == "69.99 kg"


def test_a_short_exact_value_is_shown_exactly_and_a_long_one_rounded_and_marked():
    assert (
        format_range(
            registry().Quantity(Fraction("12.21"), "mg/h"),
            registry().Quantity(Fraction("20.35"), "mg/h"),
        )
        == "12.21 to 20.35 mg/hr"
    )
    low = registry().Quantity(Fraction("20.9967908073"), "mg/h")
    high = registry().Quantity(Fraction("34.9946513455"), "mg/h")
    assert format_range(low, high) == "21 to 34.9 mg/hr (low rounded, high rounded down)"
    thirds = registry().Quantity(Fraction(25, 3), "mL"), registry().Quantity(Fraction(50, 3), "mL")
    assert format_range(*thirds) == "8.34 to 16.66 mL (low rounded up, high rounded down)"


def _holds(shown: Fraction, text: str, rounding: str | None, value: Fraction) -> bool:
    """Whether ``shown`` (written ``text``) is ``value`` rounded as its mark says."""
    return shown_value(text) == shown and agrees(text, MARKS[rounding], value)


@given(positive)
def test_a_figure_is_exact_when_unmarked_and_rounded_as_its_mark_says_otherwise(value):
    shown = figure(value)
    assert shown_value(shown.text) == shown.value
    assert _holds(shown.value, shown.text, shown.rounding, value)
    if shown.rounding is None:
        assert len(shown.text.replace(",", "").replace(".", "").lstrip("0")) <= 7


@given(positive, positive)
@example(Fraction(1, 3), Fraction(1, 3))  # equal, with no finite decimal form
@example(Fraction("20.9967908073"), Fraction("34.9946513455"))
@example(Fraction(21), Fraction(35))
@example(Fraction("0.999"), Fraction("1.0001"))
@example(Fraction(25, 3), Fraction(50, 3))
@example(  # bounds apart by less than 1e-12 of their size (found by hypothesis)
    Fraction(175000000000007, 175000000000001000000),
    Fraction(200000000035117, 200000000035109000000),
)
@example(
    Fraction(100000000000002, 100000000000001000000),
    Fraction(100000000000003, 100000000000002000000),
)
def test_a_shown_range_never_lies_outside_the_exact_one_and_is_never_inverted(a, b):
    low, high = sorted((a, b))
    shown_low, shown_high = figure_range(low, high)
    assert shown_low.value <= shown_high.value
    for shown, value in ((shown_low, low), (shown_high, high)):
        assert shown_value(shown.text) == shown.value
        if low < high:
            assert low <= shown.value <= high
            assert _holds(shown.value, shown.text, shown.rounding, value)
    if low == high:  # a single value: shown once
        assert shown_low == shown_high


@given(positive, positive)
def test_a_bound_shown_beside_a_value_inside_the_range_never_puts_it_outside(bound, value):
    low_side = figure_beside(min(bound, value), max(bound, value), "up")
    high_side = figure_beside(max(bound, value), min(bound, value), "down")
    if bound != value:
        assert low_side.value <= max(bound, value)
        assert high_side.value >= min(bound, value)


@given(st.fractions(min_value=Fraction(1, 1000), max_value=Fraction(1000)))
def test_a_ratio_reads_as_one_only_when_it_is_one(ratio):
    text = number_apart_from(ratio, [Fraction(1)])
    if not text.startswith("just"):
        assert (shown_value(text.split()[0]) == 1) == (ratio == 1)


@given(positive)
def test_rounding_to_nearest_stays_within_half_a_unit_of_the_last_shown_digit(value):
    text = format_number(value)
    places = len(text.split(".")[1]) if "." in text else 0
    assert abs(shown_value(text) - value) <= Fraction(1, 2 * 10**places) + Fraction(1, 10**12)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(Fraction(21), 21), (Fraction(21, 2), 10.5), (Fraction(25, 3), 8.333333333333334)],
)
def test_json_numbers_are_whole_where_whole(value, expected):
    number = json_number(value)
    assert number == expected
    assert type(number) is type(expected)


def test_json_quantities_carry_the_exact_value_and_a_ucum_code():
    quantity = registry().Quantity(Fraction(21), "mg/h")
    assert json_quantity(quantity) == {"value": 21, "unit": "mg/h"}


def test_a_float_magnitude_is_refused_by_the_display_layer():
    with pytest.raises(TypeError, match=r"expected an exact \(Fraction\) magnitude, got float"):
        format_exact(registry().Quantity(2.5, "mg"))


def test_zero_and_whole_number_magnitudes_are_shown_exactly():
    assert format_number(Fraction(0)) == "0"
    assert format_exact(registry().Quantity(2, "mg")) == "2 mg"


def test_a_value_is_never_shown_as_a_bound_it_is_not_equal_to():
    from dosecalc.foundation.display import format_apart_from

    bound = registry().Quantity(Fraction(1, 2), "mg/kg/h")
    near = registry().Quantity(Fraction(5004, 10000), "mg/kg/h")
    assert format_apart_from(near, [bound]) == "0.5004 mg/kg/hr"
    assert format_apart_from(bound, [bound]) == "0.5 mg/kg/hr"
    hair_above = registry().Quantity(Fraction(1, 2) + Fraction(1, 10**20), "mg/kg/h")
    hair_below = registry().Quantity(Fraction(1, 2) - Fraction(1, 10**20), "mg/kg/h")
    assert format_apart_from(hair_above, [bound]) == "just over 0.5 mg/kg/hr"
    assert format_apart_from(hair_below, [bound]) == "just under 0.5 mg/kg/hr"


@given(positive, positive)
def test_a_shown_value_never_reads_as_a_different_bound(value, other):
    from dosecalc.foundation.display import format_apart_from

    text = format_apart_from(
        registry().Quantity(value, "mg/h"), [registry().Quantity(other, "mg/h")]
    )
    if value != other and not text.startswith("just"):
        assert shown_value(text.split()[0]) != other


def test_a_value_is_told_apart_from_a_bound_down_to_the_last_decimal_the_rule_allows():
    from dosecalc.foundation.display import format_apart_from

    bound = registry().Quantity(Fraction(1, 2), "mg/kg/h")
    at_limit = registry().Quantity(Fraction(1, 2) + Fraction(1, 10**15), "mg/kg/h")
    beyond = registry().Quantity(Fraction(1, 2) + Fraction(1, 10**16), "mg/kg/h")
    assert format_apart_from(at_limit, [bound]) == "0.500000000000001 mg/kg/hr"
    assert format_apart_from(beyond, [bound]) == "just over 0.5 mg/kg/hr"


@given(positive, st.integers(min_value=0, max_value=60))
def test_every_decimal_asked_for_is_shown_exactly_however_many(value, decimals):
    text = format_number(value, decimals=decimals)
    expected = Fraction(math.floor(value * 10**decimals + Fraction(1, 2)), 10**decimals)
    assert shown_value(text) == expected


_ANY_QUANTITY = QuantityKind("quantity", None, "mg", "'25 mg'")


@given(
    typed=st.sampled_from(
        [
            (Fraction(1, 2), "mg", (None, "mL")),
            (Fraction(5000), "mg", (Fraction(100), "mL")),
            (Fraction(840), "mg", (Fraction(24), "hr")),
            (Fraction(2), "mcg", None),
            (Fraction(1, 20), "L", None),
            (Fraction(30), "min", None),
        ]
    ).flatmap(lambda q: strategies.careless_quantities(*q))
)
@example(typed="500 mg in 10.0 ml")
@example(typed="5'7.0\"")
@example(typed="9st 6.50LB")
def test_an_entry_echoed_by_the_display_rule_reads_as_the_same_quantity(typed):
    """`format_entered` changes how an entry is written, never what it says: read again
    (thousands commas aside, which the reader refuses as ambiguous), it is the same
    quantity in the same unit; and it holds no bare point, trailing zero, glued unit or µ."""
    shown = format_entered(typed)
    again = parse_quantity(shown.replace(",", ""), _ANY_QUANTITY)
    first = parse_quantity(typed, _ANY_QUANTITY)
    assert (again.magnitude, again.units) == (first.magnitude, first.units)
    assert not ismp_breaches(shown), shown
    assert format_entered(shown) == shown or "," in shown


@given(
    digits=st.integers(min_value=1, max_value=9_999_999),
    exponent=st.integers(min_value=-40, max_value=6),
)
@example(digits=1, exponent=-16)  # 0.0000000000000001 mg/hr, once shown as 0
@example(digits=24, exponent=-13)  # 0.0000000000024 mg, once shown as 0.000000000002
def test_a_figure_of_up_to_seven_significant_figures_is_shown_exactly_however_small(
    digits, exponent
):
    value = Fraction(digits) * Fraction(10) ** exponent
    shown = figure(value)
    assert shown.rounding is None
    assert shown_value(shown.text) == value  # every decimal: never 0 for a dose that is not


# ------------------------------------------------------ a data file's numbers (an audit's CSV)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (math.nan, ""),
        (math.inf, "inf"),
        (-math.inf, "-inf"),
        (21.0, "21"),
        (0.1, "0.1"),
        (1e-7, "0.0000001"),
        (2.5e-5, "0.000025"),
        (1234567.0, "1234570"),
        (1e20, "100000000000000000000"),
    ],
)
def test_a_data_number_has_six_significant_figures_and_never_an_exponent(value, expected):
    assert format_data_number(value) == expected


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_every_finite_data_number_reads_back_as_the_float_to_six_significant_figures(value):
    text = format_data_number(value)
    assert "e" not in text.lower()
    assert float(text) == float(f"{value:.6g}")


# ------------------------------------------------ a range's bound shown beside a value inside


def _beside_by_hand(bound: Fraction, value: Fraction, rounding: str) -> Figure:
    """`figure_beside` worked by hand, in whole numbers: a bound of at most 12 decimals
    exactly; else to 3 significant figures, then one decimal more at a time (12 at most),
    rounded toward the value until the value is on the inside; failing that, to nearest."""
    places = 0
    while (bound * 10**places).denominator != 1 and places <= 12:
        places += 1
    if places <= 12:
        whole, decimals = divmod(int(bound * 10**places), 10**places)
        text = f"{whole:,}" + (f".{decimals:0{places}d}" if places else "")
        return Figure(bound, text, None, places)
    exponent = 0  # 10**exponent <= bound < 10**(exponent + 1)
    while Fraction(10) ** exponent > bound:
        exponent -= 1
    while Fraction(10) ** (exponent + 1) <= bound:
        exponent += 1
    first = max(0, 2 - exponent)
    for places in range(first, first + 13):
        scaled = bound * 10**places
        whole = math.ceil(scaled) if rounding == "up" else math.floor(scaled)
        shown = Fraction(whole, 10**places)
        if (shown <= value) if rounding == "up" else (shown >= value):
            return Figure(shown, format_number(shown, decimals=places), rounding, places)
    places = first + 12
    shown = Fraction(math.floor(bound * 10**places + Fraction(1, 2)), 10**places)
    return Figure(shown, format_number(shown, decimals=places), "nearest", places)


@given(
    st.integers(min_value=1, max_value=10**9),
    st.integers(min_value=0, max_value=12),
    st.sampled_from(["up", "down"]),
)
@example(1, 0, "up")
@example(1234567, 3, "down")
def test_a_bound_of_at_most_twelve_decimals_is_shown_beside_a_value_exactly(digits, places, way):
    bound = Fraction(digits, 10**places)
    value = bound + 1 if way == "up" else bound / 2
    shown = figure_beside(bound, value, way)
    assert shown == _beside_by_hand(bound, value, way)
    assert shown.rounding is None
    assert shown_value(shown.text) == bound


@given(
    st.fractions(min_value=Fraction(1, 10**4), max_value=Fraction(10**4)).filter(
        lambda bound: (bound * 10**12).denominator != 1
    ),
    st.integers(min_value=0, max_value=18),
    st.sampled_from(["up", "down"]),
)
@example(Fraction(1, 3), -1, "up")  # 0.334 is the bound rounded up: the value is on it
@example(Fraction(2, 3), -1, "down")  # 0.666 likewise, rounded down
@example(Fraction(1, 3), -2, "up")  # inside only at 14 decimals, 11 more than 3 figures
@example(Fraction(1, 3), -3, "up")  # inside only at 16 decimals: to nearest at 15
@example(Fraction(1, 3), 20, "up")  # closer than any 15 decimals tell apart
def test_a_bound_is_rounded_toward_the_value_with_the_fewest_decimals_that_keep_it_inside(
    bound, closeness, way
):
    near = {-1: "0.334", -2: "0.33333333333334", -3: "0.3333333333333334"}
    if closeness in near:
        value = Fraction(near[closeness]) if way == "up" else Fraction("0.666")
    else:
        gap = bound / 10**closeness
        value = bound + gap if way == "up" else bound - gap
    shown = figure_beside(bound, value, way)
    assert shown == _beside_by_hand(bound, value, way)
    assert shown_value(shown.text) == shown.value


# ------------------------------------------ the operands, unit changes and ranges of the working


def written(value: Fraction) -> str:
    """A finite decimal as ISMP writes it, by Decimal's exact division: 1,000 or 0.25."""
    return f"{Decimal(value.numerator) / Decimal(value.denominator):,f}"


finite_decimals = st.builds(
    lambda digits, places: Fraction(digits, 10**places),
    st.integers(min_value=1, max_value=10**7),
    st.integers(min_value=0, max_value=6),
)


@given(low=finite_decimals, more=finite_decimals)
@example(low=Fraction(3, 10), more=Fraction(2, 10))
def test_a_range_as_a_rule_writes_it_shows_every_decimal_of_both_bounds(low, more):
    high = low + more
    mg = registry().Quantity(low, "mg/kg/h")
    assert format_exact_range(mg, registry().Quantity(high, "mg/kg/h")) == (
        f"{written(low)} to {written(high)} mg/kg/hr"
    )
    per_min = registry().Quantity(high * 1000 / 60, "mcg/kg/min")  # the same high bound
    assert format_exact_range(mg, per_min) == f"{written(low)} to {written(high)} mg/kg/hr"


@given(finite_decimals)
def test_a_finite_decimal_operand_is_written_exactly(value):
    assert operand(registry().Quantity(value, "mg/mL")) == f"{written(value)} mg/mL"


@given(
    amount=st.integers(min_value=1, max_value=10**6),
    volume=st.integers(min_value=1, max_value=10**4).map(lambda n: 3 * n),
)
@example(amount=50, volume=3)
def test_an_operand_with_no_finite_decimal_is_written_as_an_amount_in_a_volume(amount, volume):
    ratio = Fraction(amount, volume)
    if ratio.denominator % 3:  # 3 cancelled out: a finite decimal (see above)
        return
    assert operand(registry().Quantity(ratio, "mg/mL")) == (
        f"({ratio.numerator:,} mg in {ratio.denominator:,} mL)"
    )


def test_the_inputs_of_a_basis_are_each_written_by_the_display_rule_none_left_none():
    assert inputs_shown(
        {"dose": ".5 mg/mL", "sex": " male ", "height": None, "stock": "5000mg/100.0mL"}
    ) == {"dose": "0.5 mg/mL", "sex": "male", "height": None, "stock": "5,000 mg/100 mL"}


UNITS_BY_DIMENSION = [
    ["mg/h", "mcg/h", "mg/day", "mg/min", "g/h"],
    ["mg/kg/h", "mcg/kg/min", "mg/kg/day", "mcg/kg/h"],
    ["mg", "mcg", "g"],
    ["mL/h", "mL/min", "L/h"],
]
STEP = re.compile(r" ([×÷]) ([\d,.]+)")


@given(
    st.sampled_from(UNITS_BY_DIMENSION).flatmap(
        lambda units: st.tuples(st.sampled_from(units), st.sampled_from(units))
    )
)
@example(("mcg/kg/min", "mg/kg/h"))
def test_a_change_of_unit_is_written_with_factors_that_redo_the_conversion(pair):
    """The oracle is pint's own conversion of 1 of the unit, not dosecalc's factors."""
    entered, to = (registry().Quantity(1, unit).units for unit in pair)
    text = unit_change(entered, to)
    factor = registry().Quantity(1, entered).to(to).magnitude
    if factor == 1:
        assert text == ""
        return
    steps, words = text.rsplit(" (", 1)
    assert words == f"{unit_display(entered)} to {unit_display(to)})"
    worked = Fraction(1)
    for sign, number in STEP.findall(steps):
        number = Fraction(number.replace(",", ""))
        worked = worked * number if sign == "×" else worked / number
    assert "".join(f" {sign} {n}" for sign, n in STEP.findall(steps)) == steps
    assert worked == factor


# ------------------------------------------------ every decimal typed, up to MAX_TYPED_DECIMALS


def every_decimal(value: Fraction) -> str:
    """A finite decimal of up to 100 places, every decimal, by Decimal at 300 digits."""
    with localcontext() as context:
        context.prec = 300
        return f"{Decimal(value.numerator) / Decimal(value.denominator):f}"


@given(base=st.sampled_from([2, 5, 10]), places=st.integers(min_value=1, max_value=100))
@example(base=2, places=100)
@example(base=5, places=100)
@example(base=10, places=100)
def test_a_finite_decimal_of_up_to_a_hundred_places_is_shown_with_every_one(base, places):
    """1/2**n and 1/5**n have n decimals, 1/10**n too: each is shown as it is, never cut."""
    value = Fraction(1, base**places)
    assert format_exact(registry().Quantity(value, "mg")) == f"{every_decimal(value)} mg"


@pytest.mark.parametrize("base", [2, 5, 10])
def test_a_decimal_of_more_than_a_hundred_places_is_shown_rounded_and_says_so(base):
    shown = format_exact(registry().Quantity(Fraction(1, base**101), "mg"))
    assert shown.endswith(" mg (rounded)")
    assert len(shown) < 30  # to EXACT_DECIMALS places, not 101


@given(
    digits=st.integers(min_value=1, max_value=10**9),
    places=st.integers(min_value=13, max_value=100),
)
@example(digits=1, places=14)
def test_an_entry_typed_with_more_than_twelve_decimals_is_echoed_with_every_one(digits, places):
    value = Fraction(digits, 10**places)
    typed = every_decimal(value)
    assert format_entered(f"{typed} mg") == f"{typed} mg"


@given(
    st.fractions(min_value=100, max_value=10**9).filter(
        lambda value: value.denominator % 3 == 0  # no finite decimal: rounded
    )
)
@example(Fraction(10**9 + 1, 3))
def test_a_long_figure_of_a_hundred_or_more_is_rounded_to_whole_units(value):
    """Three significant figures never round whole digits away, nor add a decimal."""
    whole = Decimal(value.numerator) / Decimal(value.denominator)
    expected = whole.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    shown = figure(value)
    assert (shown.text, shown.rounding) == (f"{expected:,}", "nearest")


def test_a_plain_number_apart_from_others_has_no_unit_and_says_when_it_is_rounded():
    assert number_apart_from(Fraction(1003, 1000), [Fraction(1)]) == "1.003"
    assert number_apart_from(Fraction(1, 3), []) == "0.333 (rounded)"
    assert number_apart_from(Fraction(1, 3), [], "mg") == "0.333 mg (rounded)"


# ------------------------------------------------- decimals: how many, and on which side


def exponent_by_hand(value: Fraction) -> int:
    """The e with 10**e <= value < 10**(e + 1), found by stepping."""
    e = 0
    while Fraction(10) ** e > value:
        e -= 1
    while Fraction(10) ** (e + 1) <= value:
        e += 1
    return e


@given(
    st.one_of(
        st.integers(min_value=-9, max_value=9).map(lambda e: Fraction(10) ** e),
        st.integers(min_value=-9, max_value=9).map(
            lambda e: Fraction(10) ** e - Fraction(1, 10**12)
        ),
        positive,
    )
)
@example(Fraction(1))
@example(Fraction(10))
@example(Fraction(1, 10))
def test_significant_decimals_keep_three_figures_and_every_whole_digit(value):
    """On a power of ten and just under one, where the count of digits changes."""
    assert significant_decimals(value) == max(0, 2 - exponent_by_hand(value))


def test_zero_takes_no_decimals():
    assert significant_decimals(Fraction(0)) == 0


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (Fraction(123456), -3, "123,000"),
        (Fraction(123456), -1, "123,460"),
        (Fraction(125), -1, "130"),  # half up
        (Fraction(123456), 0, "123,456"),
        (Fraction(-3, 2), None, "-1.5"),
        (Fraction(-1, 8), 3, "-0.125"),
    ],
)
def test_a_number_is_rounded_half_up_to_any_decimals_even_to_tens_and_keeps_its_sign(
    value, decimals, expected
):
    assert format_number(value, decimals) == expected


@given(st.integers(min_value=1, max_value=40))
def test_the_exact_decimals_of_a_value_are_capped_at_twelve_unless_asked_for_all(places):
    value = Fraction(1, 2**places)  # exactly `places` decimals
    assert exact_places(value) == min(places, 12)
    assert exact_places(value, most=None) == places


def test_a_long_figure_with_eight_whole_digits_and_a_decimal_is_rounded():
    shown = figure(Fraction(123456785, 10))  # 12,345,678.5: nine significant figures
    assert (shown.text, shown.rounding) == ("12,345,679", "nearest")


LOW, HIGH = Fraction(3, 10), Fraction(1, 2)


@pytest.mark.parametrize(
    ("value", "text", "rounding"),
    [
        (LOW + Fraction(1, 3 * 10**6), "0.3", "nearest"),  # the nearest is on a bound: inside
        (HIGH - Fraction(1, 3 * 10**6), "0.5", "nearest"),
        (LOW - Fraction(1, 1500), "0.3", "up"),  # just outside: rounded onto the bound
        (HIGH + Fraction(1, 1500), "0.5", "down"),
    ],
)
def test_a_figure_on_a_bound_of_its_range_is_inside_it(value, text, rounding):
    """0.3 to 0.5: a figure equal to a bound is inside, whichever way it was rounded."""
    shown = figure(value, (LOW, HIGH))
    assert (shown.text, shown.rounding) == (text, rounding)


def test_a_figure_that_comes_out_exact_at_its_decimals_is_not_marked():
    value = Fraction(123456789, 10**9)  # nine significant figures: not short
    inside = (Fraction(1234567885, 10**10), Fraction(1234567895, 10**10))
    shown = figure(value, inside)  # only at 9 decimals is a figure inside
    assert (shown.text, shown.rounding) == ("0.123456789", None)


@given(k=st.integers(min_value=16, max_value=40), at=st.sampled_from(["low", "high"]))
def test_a_figure_of_a_range_narrower_than_twelve_more_decimals_still_lies_inside_it(k, at):
    low = Fraction(1, 3)
    high = low + Fraction(1, 10**k)
    shown = figure(low if at == "low" else high, (low, high))
    assert low <= shown.value <= high


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (Fraction(1000, 3), Fraction(2000, 3), "334 to 666 mg (low rounded up, high rounded down)"),
        (Fraction(1000, 3), Fraction(4005, 10), "333.4 to 400.5 mg (low rounded up)"),
    ],
)
def test_a_rounded_bound_is_shown_inward_to_at_least_its_partners_decimals(low, high, expected):
    """333.33 to 666.67: to nearest, 333 and 667 would lie outside; 400.5 is exact, so the
    low bound takes its one decimal."""
    mg = registry().Quantity
    assert format_range(mg(low, "mg"), mg(high, "mg")) == expected


def test_a_figure_takes_the_fewest_decimals_that_put_it_inside_its_range():
    """0.3001 to 0.3002: at 3 decimals neither 0.3 nor 0.301 is inside; at 4, 0.3002 is."""
    value = Fraction(30015, 10**5) + Fraction(1, 3 * 10**7)
    shown = figure(value, (Fraction(3001, 10**4), Fraction(3002, 10**4)))
    assert (shown.text, shown.rounding) == ("0.3002", "nearest")


def test_a_value_just_outside_its_range_is_rounded_onto_it_at_up_to_twelve_more_decimals():
    """The range's top is 0.300000000000001 (15 decimals: 3 + 12); the value lies 0.7 of
    that last decimal above it, so only at 15 decimals, rounded down, is it inside."""
    high = Fraction(3, 10) + Fraction(1, 10**15)
    low = Fraction(3, 10) + Fraction(5, 10**16)
    value = high + Fraction(7, 10**16) + Fraction(1, 3 * 10**18)
    shown = figure(value, (low, high))
    assert (shown.text, shown.rounding) == ("0.300000000000001", "down")


def test_a_bound_worked_from_figures_shown_is_rounded_to_nearest_inside_the_exact_range():
    """A low bound of 0.34043 (worked from figures shown) of an exact range from 1/3: 0.34,
    to nearest, is inside the exact range though below the bound worked."""
    worked = Fraction(3404, 10**4) + Fraction(1, 3 * 10**5)
    low, _ = figure_range(worked, Fraction(2, 3), (Fraction(1, 3), Fraction(2, 3)))
    assert (low.text, low.rounding) == ("0.34", "nearest")


@given(
    st.fractions(min_value=-(10**6), max_value=10**6, max_denominator=10**9),
    st.integers(min_value=-6, max_value=12),
)
@example(Fraction(1, 10**6), 2)  # 0 at two decimals: "0", never "-0"
@example(Fraction(0), 3)
@example(Fraction(2511, 10), -1)  # 251.1 to tens: 250
@example(Fraction(251, 2), -1)  # 125.5 to tens: 130
def test_a_number_is_rounded_half_up_to_any_decimals_and_signed_only_when_below_zero(
    value, decimals
):
    """The oracle: floor(value x 10**decimals + 1/2), for tens and hundreds too."""
    scale = Fraction(10) ** decimals
    expected = math.floor(value * scale + Fraction(1, 2)) / scale
    text = format_number(value, decimals)
    assert shown_value(text) == expected
    assert text.startswith("-") == (expected < 0)


@given(
    days=st.decimals(min_value=Decimal("0.01"), max_value=Decimal(60), places=2),
    spelling=st.sampled_from(["d", "day", "days"]),
)
def test_a_number_of_days_reads_in_the_plural_except_one_day(days, spelling):
    """ "Given every 2 days", never "2 day"; "1 day". A day per unit of a rate is untouched."""
    from dosecalc.foundation.display import format_entered, format_exact
    from dosecalc.foundation.unit_registry import (
        named_unit,
        quantity_of,
    )

    plural = "day" if days == 1 else "days"
    typed = f"{days} {spelling}"
    assert format_entered(typed).endswith(f" {plural}")
    assert format_exact(quantity_of(Fraction(days), named_unit("day"))).endswith(f" {plural}")
    assert format_entered(f"{days} mg/{spelling}").endswith("mg/day")
