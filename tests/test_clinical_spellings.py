"""The spellings palliative clinicians write (issue 14): each read exactly as its plain form,
or refused with the field named; never guessed."""

from __future__ import annotations

import re
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import (
    FOOT_MARKS,
    INCH_MARKS,
    amounts_in_volumes,
    decimal_text,
    feet_and_inches_marked,
    inches_of_a_foot_or_more,
    per_spellings,
    positive_decimal_text,
    pounds_of_a_stone_or_more,
    routes,
    stones,
    stones_and_pounds,
    text,
)

import dosecalc
from dosecalc import (
    CONCENTRATION,
    HEIGHT,
    WEIGHT,
    DoseCalcError,
    OutOfRangeError,
    ParseError,
    UnitError,
    UnknownRegimenError,
    load_rules,
    parse_quantity,
    registry,
)
from dosecalc.foundation.display import format_exact
from dosecalc.foundation.dose_units import (
    Dose,
)
from dosecalc.foundation.units import (
    parse_dose,
    parse_dose_unit,
)
from dosecalc.ruleset.loader import RuleSet


def same(a: Any, b: Any) -> bool:
    """The same exact magnitude in the same unit (pint's == would also equate 1 ft and 12 in)."""
    return a.magnitude == b.magnitude and a.units == b.units


def without_inputs(result: Any) -> dict[str, Any]:
    """A result with its echo of the inputs as typed left out: all the rest must agree."""
    dumped = result.model_dump()
    dumped["basis"].pop("inputs")
    return dumped


# ----------------------------------------------------------------------------- stones


@given(stones_and_pounds())
def test_stones_and_pounds_are_exactly_fourteen_pounds_a_stone_plus_the_pounds(entry):
    typed, s, p = entry
    quantity = parse_quantity(typed, WEIGHT)
    assert same(quantity, registry().Quantity(s * 14 + p, "pound"))
    assert quantity.to("kg").magnitude == (s * 14 + p) * Fraction("0.45359237")


@given(stones_and_pounds())
def test_a_weight_in_stones_and_pounds_gives_the_dose_its_weight_in_pounds_gives(entry):
    typed, s, p = entry
    in_stones = dosecalc.calculate(weight=typed, regimen="iv")
    in_pounds = dosecalc.calculate(weight=text(s * 14 + p, "lb"), regimen="iv")
    assert without_inputs(in_stones) == without_inputs(in_pounds)
    # Echoed as typed, each figure by the display rule: "9st 6.50lb" as "9 st 6.5 lb".
    assert in_stones.basis.inputs["weight"] == f"{text(s, 'st')} {text(p, 'lb')}"


@given(stones)
def test_a_weight_in_whole_stones_is_kept_in_stones_and_shown_so(s):
    result = dosecalc.calculate(weight=text(s, "st"), regimen="sl")
    assert same(result.patient.weight, registry().Quantity(s, "stone"))
    assert result.patient.weight_kg.magnitude == s * 14 * Fraction("0.45359237")
    assert result.patient.display["weight"].startswith(f"{format_exact(result.patient.weight)} (")
    assert format_exact(result.patient.weight).endswith(" st")


@given(stones_and_pounds(pounds=pounds_of_a_stone_or_more))
def test_fourteen_pounds_or_more_after_the_stones_is_refused_never_carried_over(entry):
    typed, _, _ = entry
    with pytest.raises(ParseError) as refused:
        dosecalc.calculate(weight=typed, regimen="iv")
    assert refused.value.field == "weight"
    assert "the pounds are 14 or more, which is a whole stone" in refused.value.problem
    assert "'9 st 6 lb'" in refused.value.fix


def test_stone_spellings_of_the_brief_read_as_132_lb():
    for typed in ["9 st 6 lb", "9st 6lb", "9 stone 6 pounds", "9 stones 6 lbs"]:
        assert same(parse_quantity(typed, WEIGHT), registry().Quantity(132, "pound")), typed


# ------------------------------------------------------------------ feet and inches


@given(feet_and_inches_marked())
def test_feet_and_inches_marks_read_exactly_as_feet_and_inches_in_words(entry):
    typed, f, i = entry
    words = f"{text(f, 'ft')} {text(i, 'in')}"
    assert same(parse_quantity(typed, HEIGHT), parse_quantity(words, HEIGHT))
    assert same(parse_quantity(typed, HEIGHT), registry().Quantity(f * 12 + i, "inch"))


@given(feet_and_inches_marked().filter(lambda entry: entry[1] >= 4))  # Devine: 4 ft and over
def test_a_height_in_marks_gives_the_ideal_weight_dose_the_words_give(entry):
    typed, f, i = entry
    common = {"weight": "80 kg", "regimen": "iv", "sex": "female", "basis": "ideal"}
    marked = dosecalc.calculate(height=typed, **common)
    in_words = dosecalc.calculate(height=f"{text(f, 'ft')} {text(i, 'in')}", **common)
    assert without_inputs(marked) == without_inputs(in_words)


@given(feet_and_inches_marked(inches=inches_of_a_foot_or_more))
def test_twelve_inches_or_more_after_the_feet_mark_is_refused_naming_the_height(entry):
    typed, _, _ = entry
    with pytest.raises(ParseError) as refused:
        parse_quantity(typed, HEIGHT)
    assert refused.value.field == "height"
    assert "the inches are 12 or more, which is a whole foot" in refused.value.problem


@given(
    st.decimals(min_value=12, max_value=108, places=1).map(Fraction),
    st.sampled_from(INCH_MARKS),
    st.sampled_from(FOOT_MARKS),
)
def test_a_lone_inch_mark_is_inches_and_a_lone_foot_mark_is_feet(number, inch, foot):
    assert same(
        parse_quantity(f"{decimal_text(number)}{inch}", HEIGHT),
        parse_quantity(text(number, "in"), HEIGHT),
    )
    feet_number = number / 12
    if (feet_number * 10).denominator == 1:
        assert same(
            parse_quantity(f"{decimal_text(feet_number)}{foot}", HEIGHT),
            registry().Quantity(feet_number, "foot"),
        )


@pytest.mark.parametrize(
    ("typed", "inches"),
    [("5'7\"", 67), ("5' 7\"", 67), ("5'7", 67), ("5 ft 7 in", 67), ("5'", 60), ('67"', 67)],
)
def test_the_height_spellings_of_the_brief(typed, inches):
    assert parse_quantity(typed, HEIGHT).to("inch").magnitude == inches


@given(
    number=st.integers(1, 300),
    mark=st.sampled_from(FOOT_MARKS + INCH_MARKS),
    kind=st.sampled_from([WEIGHT, CONCENTRATION]),
)
def test_a_mark_after_a_number_is_never_a_weight_or_a_concentration(number, mark, kind):
    with pytest.raises(UnitError, match=f"a length, not a {kind.name}"):
        parse_quantity(f"{number}{mark}", kind)


@given(
    entry=st.sampled_from(
        [
            ("70 kg", WEIGHT),
            ("170 cm", HEIGHT),
            ("5 ft 7 in", HEIGHT),
            ("50 mg/5 mL", CONCENTRATION),
        ]
    ),
    mark=st.sampled_from(FOOT_MARKS + INCH_MARKS),
    data=st.data(),
)
def test_a_mark_anywhere_but_after_feet_or_inches_is_refused(entry, mark, data):
    typed, kind = entry
    where = data.draw(st.integers(0, len(typed)))
    with pytest.raises(DoseCalcError) as refused:
        parse_quantity(typed[:where] + mark + typed[where:], kind)
    assert refused.value.field == kind.name


@pytest.mark.parametrize("mark", ["\u2018", "\u201c", "\u00b4", "\u02b9", "\u02ba", "\u3003"])
def test_other_quotation_marks_and_look_alikes_of_primes_are_refused_by_code_point(mark):
    with pytest.raises(ParseError, match=f"U\\+{ord(mark):04X}"):
        parse_quantity(f"5{mark}7", HEIGHT)


# ------------------------------------------------------------------ amount in volume


@given(amounts_in_volumes())
def test_an_amount_in_a_volume_is_exactly_that_amount_per_that_volume(entry):
    written_in, written_slash = entry
    assert same(
        parse_quantity(written_in, CONCENTRATION), parse_quantity(written_slash, CONCENTRATION)
    )


@pytest.mark.parametrize("typed", ["500 mg in 50 mL", "500mg in 50mL", "50 mg in 5 ml"])
def test_the_concentration_spellings_of_the_brief_are_500_mg_per_50_ml(typed):
    assert same(parse_quantity(typed, CONCENTRATION), parse_quantity("500 mg/50 mL", CONCENTRATION))
    common = {"weight": "70 kg", "regimen": "iv"}
    assert without_inputs(dosecalc.calculate(concentration=typed, **common)) == without_inputs(
        dosecalc.calculate(concentration="500 mg/50 mL", **common)
    )


@pytest.mark.parametrize(
    ("typed", "error", "words"),
    [
        ("500 mg in 50 mL/h", ParseError, "'in' is read only between an amount and a volume"),
        ("500 mg in mL", ParseError, "'in' is read only between an amount and a volume"),
        ("500 mg in 50", ParseError, "'in' is read only between an amount and a volume"),
        ("500 mg in 50 mL in 2 L", ParseError, "'in' is read only"),
        ("50 mL in 500 mg", UnitError, "does not stand between a drug amount and a volume"),
        ("500 mg in 5 h", UnitError, "does not stand between a drug amount and a volume"),
        ("500 mg in 0 mL", OutOfRangeError, "divides by zero"),
        ("0 mg in 50 mL", OutOfRangeError, "zero"),
        ("500 mg in50 mL", ParseError, "could not read"),
    ],
)
def test_in_between_anything_but_an_amount_and_a_volume_is_refused(typed, error, words):
    with pytest.raises(error, match=re.escape(words)) as refused:
        parse_quantity(typed, CONCENTRATION)
    assert refused.value.field == "concentration"


# ------------------------------------------------------------------------------ per


def outcome(read: Callable[[str], Any], typed: str) -> Any:
    """What ``read`` makes of ``typed``: its value, or its error with the entry left out."""
    try:
        return read(typed)
    except DoseCalcError as error:
        return type(error), str(error).replace(typed, "<entry>")


@given(per_spellings(), positive_decimal_text)
def test_per_reads_exactly_as_a_slash_in_a_dose(entry, amount):
    per, slash = entry
    with_per, with_slash = (
        outcome(parse_dose, f"{amount} {per}"),
        outcome(parse_dose, f"{amount} {slash}"),
    )
    assert with_per == with_slash
    if isinstance(with_per, Dose):
        assert same(with_per.quantity, with_slash.quantity)


@given(per_spellings().filter(lambda entry: not any(c.isdigit() for c in entry[1])))
def test_per_reads_exactly_as_a_slash_in_a_dose_unit(entry):
    per, slash = entry
    assert outcome(parse_dose_unit, per) == outcome(parse_dose_unit, slash)


@pytest.mark.parametrize(
    ("per", "slash"),
    [
        ("30 mg per hr", "30 mg/hr"),
        ("30 mg per hour", "30 mg/hr"),
        ("0.4 mg/kg per hr", "0.4 mg/kg/hr"),
        ("7 mcg per kg per min", "7 mcg/kg/min"),
        ("3 mL per hr", "3 mL/hr"),
    ],
)
def test_a_dose_with_per_is_checked_exactly_as_with_a_slash(per, slash):
    common = {"weight": "70 kg", "regimen": "iv", "concentration": "1 mg/mL"}
    assert without_inputs(dosecalc.check(dose=per, **common)) == without_inputs(
        dosecalc.check(dose=slash, **common)
    )


def test_check_on_the_command_line_reads_per_as_a_slash(run_cli):
    base = ["check", "--weight", "70 kg", "--regimen", "iv", "--json"]
    code, per, _ = run_cli(*base, "--dose", "0.4 mg/kg per hr")
    assert code == 0
    _, slash, _ = run_cli(*base, "--dose", "0.4 mg/kg/hr")
    assert per.replace("0.4 mg/kg per hr", "0.4 mg/kg/hr") == slash


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("per", "does not stand between two units"),
        ("30 per", "does not stand between two units"),
        ("30 mg per", "does not stand between two units"),
        ("30 mg per per hr", "does not stand between two units"),
        ("30 mg per/hr", "does not stand between two units"),
        ("30 mg per hr per", "does not stand between two units"),
        ("per hr", "does not stand between two units"),
        ("30 per mg", "could not read"),
        ("30 mgper hr", "could not read"),
        ("30 mg perhr", "could not read"),
        ("30 mg per 0 h", "divides by zero"),
        ("30 mg per kg", "a dose per kg without a time"),
    ],
)
def test_per_without_a_unit_on_each_side_is_refused_naming_the_dose(typed, words):
    with pytest.raises(DoseCalcError, match=words) as refused:
        dosecalc.check(weight="70 kg", regimen="iv", dose=typed)
    assert refused.value.field == "dose"


@pytest.mark.parametrize("unit", ["per", "mg per", "mg per per hr", "per hr", "mg per kg per"])
def test_a_dose_unit_with_per_out_of_place_is_refused(unit):
    with pytest.raises(ParseError, match="does not stand between two units"):
        parse_dose_unit(unit)


# -------------------------------------------------------------- a route as the regimen


@pytest.mark.parametrize(
    ("name", "regimen_id"),
    [
        ("intravenous infusion", "iv-infusion"),
        ("Intravenous Infusion", "iv-infusion"),
        (" INTRAVENOUS INFUSION ", "iv-infusion"),
        ("sublingual or buccal", "sublingual-buccal"),
        ("Sublingual or Buccal", "sublingual-buccal"),
        ("sublingual", "sublingual-buccal"),
        ("BUCCAL", "sublingual-buccal"),
    ],
)
def test_a_shipped_regimen_is_found_by_its_route_as_the_rule_file_writes_it(name, regimen_id):
    assert load_rules().find(name).id == regimen_id
    assert dosecalc.calculate(weight="70 kg", regimen=name).regimen == regimen_id


@pytest.mark.parametrize("name", ["intravenous", "infusion", "or", "sublingual buccal", "iv or sl"])
def test_a_part_of_a_route_that_is_not_one_of_its_alternatives_is_not_a_regimen(name):
    with pytest.raises(UnknownRegimenError, match="is not a regimen"):
        load_rules().find(name)


def test_a_look_alike_that_lowers_to_a_plain_letter_never_finds_a_route():
    rules = _with_routes("kidney infusion", "oral")  # the Kelvin sign lowers to a plain k
    assert rules.find("Kidney Infusion").id == "iv-infusion"
    with pytest.raises(UnknownRegimenError, match="is not a regimen"):
        rules.find("\u212aidney infusion")


def _with_routes(first: str, second: str) -> RuleSet:
    shipped = load_rules()
    one, two = shipped.regimens
    return RuleSet(
        shipped.path,
        shipped.files,
        (one.model_copy(update={"route": first}), two.model_copy(update={"route": second})),
    )


@given(routes(), routes(), st.data())
def test_each_alternative_of_a_route_finds_its_regimen_unless_another_answers_to_it(
    first, second, data
):
    rules = _with_routes(first[0], second[0])
    one, two = rules.regimens
    names = {
        one.id: {one.id, *one.aliases, first[0].lower(), *first[1]},
        two.id: {two.id, *two.aliases, second[0].lower(), *second[1]},
    }
    regimen = data.draw(st.sampled_from([one, two]))
    route, alternatives = first if regimen is one else second
    name = data.draw(st.sampled_from([route, *alternatives]))
    typed = data.draw(st.sampled_from([name, name.upper(), f" {name} "]))
    answering = sorted(r for r, its in names.items() if name.lower() in its)
    if answering == [regimen.id]:
        assert rules.find(typed) is regimen
    else:
        with pytest.raises(UnknownRegimenError) as refused:
            rules.find(typed)
        assert "names more than one regimen" in refused.value.problem
        for regimen_id in answering:
            assert f"'{regimen_id}'" in refused.value.problem
            assert f"'{regimen_id}'" in refused.value.fix


def test_two_regimens_by_one_route_make_that_route_ambiguous_and_it_is_refused():
    rules = _with_routes("subcutaneous infusion", "oral or subcutaneous infusion")
    with pytest.raises(UnknownRegimenError) as refused:
        dosecalc.calculate(weight="70 kg", regimen="Subcutaneous Infusion", rules=rules)
    assert refused.value.problem == (
        "'Subcutaneous Infusion' names more than one regimen in the rules in force "
        "('iv-infusion', 'sublingual-buccal')"
    )
    assert rules.find("oral").id == "sublingual-buccal"


def test_every_name_the_shipped_regimens_answer_to_is_listed_where_the_help_points(run_cli):
    with pytest.raises(SystemExit):
        run_cli("calc", "--help")
    assert "'dosecalc rules'" in " ".join(run_cli.last_out().split())
    run_cli("rules")
    shown = " ".join(run_cli.last_out().split())
    for regimen in load_rules().regimens:
        for name in (
            regimen.id,
            *regimen.aliases,
            regimen.route,
            *re.split(r" or |/", regimen.route),
        ):
            assert name in shown, name
