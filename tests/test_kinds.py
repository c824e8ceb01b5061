"""Each regimen kind is one object, and the calculator, the check and the schema obey it.

The hospital test library (tests/data/hospital-library, a fictional drug) holds one
regimen of each kind, so each property here runs on every kind.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import get_args

import pytest
from conftest import reviewed
from hypothesis import given
from hypothesis import strategies as st
from test_hand_check import check_worked, says_the_same

import dosecalc
from dosecalc.foundation.display import magnitude
from dosecalc.foundation.dose_units import (
    DOSE_FORMS as FORMS,
)
from dosecalc.foundation.dose_units import (
    DoseForm,
    DoseUnit,
)
from dosecalc.foundation.unit_registry import (
    named_unit,
    registry,
)
from dosecalc.foundation.units import (
    parse_dose_unit,
)
from dosecalc.foundation.working import Step
from dosecalc.ruleset.kinds import KINDS, ConversionStep, KindName

LIBRARY = Path(__file__).parent.parent / "examples" / "hospital-library"
BY_KIND = {
    "absolute-rate": "fictivane-sc-driver",
    "weight-based-rate": "fictivane-iv",
    "weight-based-dose": "fictivane-bolus",
    "fixed-dose": "fictivane-oral",
}
# A unit for each form, and a concentration to make a volume or pump rate a drug amount.
FORM_UNITS: dict[DoseForm, str] = {
    "weight-based-rate": "mg/kg/hr",
    "absolute-rate": "mg/hr",
    "pump-rate": "mL/hr",
    "fixed-dose": "mg",
    "volume": "mL",
    "weight-based-dose": "mg/kg",
}
CONCENTRATION = "2 mg/mL"

magnitudes = st.decimals(
    min_value=Decimal("0.01"), max_value=Decimal(1000), places=2, allow_nan=False
)
weights = st.decimals(min_value=Decimal(1), max_value=Decimal(300), places=2)


@pytest.fixture(scope="module")
def library() -> dosecalc.RuleSet:
    return dosecalc.load_rules(LIBRARY)


def test_every_kind_a_rule_may_name_is_one_object_and_the_library_uses_each(library):
    assert set(KINDS) == set(get_args(KindName))
    assert {regimen.kind for regimen in library.regimens} == set(KINDS)
    assert all(kind.name == name for name, kind in KINDS.items())


@pytest.mark.parametrize("unit", ["mg", "mcg", "mg/kg", "mg/h", "mg/24 h", "mg/kg/h", "g/day"])
def test_a_rule_unit_fits_exactly_one_kind(unit):
    fitting = [kind.name for kind in KINDS.values() if kind.fits(parse_dose_unit(unit))]
    assert len(fitting) == 1, (unit, fitting)


@pytest.mark.parametrize("kind", KINDS.values(), ids=lambda kind: kind.name)
def test_each_form_a_kind_reads_converts_to_the_rule_unit_by_its_own_steps(kind):
    for form in kind.forms:
        shape = FORMS[form]
        assert shape.is_rate == kind.is_rate, (kind.name, form)  # a rate is never a dose
        steps = kind.conversion(form)
        assert (ConversionStep.TIMES_CONCENTRATION in steps) == shape.in_volume
        assert (ConversionStep.PER_WEIGHT in steps) == (kind.per_kg and not shape.per_kg)
        assert (ConversionStep.TIMES_WEIGHT in steps) == (shape.per_kg and not kind.per_kg)
        assert kind.needs_weight(form) == (shape.per_kg != kind.per_kg)


@given(
    amount=st.fractions(min_value=0, max_value=10_000),
    factor=st.fractions(min_value=Fraction(1, 1000), max_value=10_000),
)
def test_a_conversion_step_applies_its_operator_by_its_factor_and_per_weight_undoes_times_weight(
    amount, factor
):
    for step in ConversionStep:
        operator, named = step.value.split()
        assert (step.operator, step.factor) == (operator, named)
        assert step.needs_weight == (named == "weight")
        expected = amount / factor if operator == "÷" else amount * factor
        assert step.apply(amount, factor) == expected
    times = ConversionStep.TIMES_WEIGHT.apply(amount, factor)
    assert ConversionStep.PER_WEIGHT.apply(times, factor) == amount


@pytest.mark.parametrize("kind", KINDS.values(), ids=lambda kind: kind.name)
def test_only_a_rate_per_kg_has_a_titration_table_and_fhir_follows_rate_or_dose(kind):
    assert kind.has_titration == (kind.per_kg and kind.is_rate)
    assert kind.fhir_element == ("rateRange" if kind.is_rate else "doseRange")


@given(kind=st.sampled_from(sorted(KINDS)), data=st.data())
def test_a_dose_in_any_form_that_fits_reads_as_the_same_dose_in_the_rule_unit(kind, data):
    """Unit invariance across forms: the dose written per kg, per patient or as a volume
    (or a pump rate) is the same dose once restated, exactly."""
    rule_set = dosecalc.load_rules(LIBRARY)
    regimen = KINDS[kind]
    weight = data.draw(weights)
    amount = Fraction(data.draw(magnitudes))  # in the rule's own unit, per patient or per kg
    rule = rule_set.find(BY_KIND[kind])
    rule_unit = rule.dose.dose_unit.pint_unit()
    in_rule = registry().Quantity(amount, rule_unit)
    kg = registry().Quantity(Fraction(weight), named_unit("kg"))
    per_patient = in_rule * kg if regimen.per_kg else in_rule
    conc = registry().Quantity(Fraction(2), named_unit("mg/mL"))
    for form in sorted(regimen.forms):
        shape = FORMS[form]
        written = per_patient / conc if shape.in_volume else per_patient
        written = written / kg if shape.per_kg else written
        unit = named_unit(FORM_UNITS[form])
        text = f"{magnitude(written.to(unit))} {FORM_UNITS[form]}"
        if "/" in str(magnitude(written.to(unit))):
            continue  # not a decimal: no one types it
        checked = dosecalc.check(
            weight=f"{weight} kg",
            regimen=rule.id,
            dose=text,
            concentration=CONCENTRATION,
            rules=rule_set,
        )
        assert magnitude(checked.in_rule_units.to(rule_unit)) == amount, (form, text)


@given(kind=st.sampled_from(sorted(KINDS)), weight=weights)
def test_the_weight_is_asked_for_exactly_where_the_kind_is_per_kg(kind, weight):
    rule_set = dosecalc.load_rules(LIBRARY)
    regimen = BY_KIND[kind]
    if KINDS[kind].per_kg:
        with pytest.raises(dosecalc.MissingInputError, match="weight"):
            dosecalc.calculate(regimen=regimen, rules=rule_set)
    else:
        without = dosecalc.calculate(regimen=regimen, rules=rule_set)
        with_weight = dosecalc.calculate(weight=f"{weight} kg", regimen=regimen, rules=rule_set)
        assert without.dose == with_weight.dose  # the weight changes nothing it does not use


@given(
    kind=st.sampled_from(sorted(KINDS)),
    weight=st.decimals(min_value=Decimal(1), max_value=Decimal(100), places=2),
    factor=st.integers(2, 5),
)
def test_a_range_per_kg_scales_with_the_weight_and_any_other_does_not(kind, weight, factor):
    rule_set = dosecalc.load_rules(LIBRARY)
    light, heavy = (
        dosecalc.calculate(weight=f"{w} kg", regimen=BY_KIND[kind], rules=rule_set)
        for w in (weight, weight * factor)
    )
    times = factor if KINDS[kind].per_kg else 1
    assert heavy.dose.low == light.dose.low * times
    assert heavy.dose.high == light.dose.high * times
    assert light.dose.low <= light.dose.high


def test_a_dose_of_a_form_that_does_not_fit_the_kind_is_refused_with_what_to_enter(library):
    for kind, regimen in BY_KIND.items():
        wrong = "25 mg/hr" if not KINDS[kind].is_rate else "25 mg"
        with pytest.raises(dosecalc.UnitError) as refused:
            dosecalc.check(weight="70 kg", regimen=regimen, dose=wrong, rules=library)
        assert KINDS[kind].enter in refused.value.fix


def test_a_rate_per_day_is_read_and_shown_per_24_hours_as_written():
    parsed = dosecalc.parse_dose("30 mg/24 h")
    assert parsed.unit == DoseUnit("milligram", None, "day")
    assert magnitude(parsed.quantity) == 30
    assert dosecalc.check(regimen="driver", dose="30 mg/24 h", rules=LIBRARY).display[
        "proposed"
    ] == ("30 mg/24 hr")


_PER_KG_RATE_UNITS = ["mg/kg/h", "mcg/kg/min", "mg/kg/day", "mg/kg/min", "mcg/kg/h"]
_RULE = """schema_version = 1
version = "1"

[[regimens]]
id = "generated"
drug = "testdrug"
route = "intravenous infusion"
label = "Generated"
kind = "{kind}"
dose = {{ low = {low}, high = {high}, unit = "{unit}" }}
side_effects = ["none"]
supervision = "Test data."

[regimens.source]
document = "Generated test rule"
description = "test data"
section = "Generated"
quote = "generated: {low} to {high} {unit}"
"""


@given(
    unit=st.sampled_from([*_PER_KG_RATE_UNITS, "mg/h", "mg/24 h", "mg/kg", "mcg/kg", "mg"]),
    bounds=st.lists(
        st.decimals(min_value=Decimal("0.01"), max_value=Decimal(50), places=2),
        min_size=2,
        max_size=2,
    ),
    weight=st.decimals(min_value=Decimal(3), max_value=Decimal(200), places=1),
    concentration=st.sampled_from(["1 mg/mL", "2 mg/mL", "50 mg/3 mL"]),
)
def test_every_basis_line_of_every_kind_and_unit_holds_when_redone_by_hand(
    tmp_path_factory, unit, bounds, weight, concentration
):
    kind = next(k for k in KINDS.values() if k.fits(parse_dose_unit(unit)))
    low, high = sorted(bounds)
    folder = tmp_path_factory.mktemp("rules")
    (folder / "generated.toml").write_text(
        _RULE.format(kind=kind.name, low=low, high=high, unit=unit), encoding="utf-8"
    )
    result = dosecalc.calculate(
        weight=f"{weight} kg",
        regimen="generated",
        concentration=concentration,
        rules=reviewed(folder),
    )
    basis = result.basis
    for line in [*basis.weight_steps, basis.formula, *basis.steps]:
        if isinstance(line, Step):  # redone from the data, and its text says the same
            for equation in line.equations:
                check_worked(equation)
            says_the_same(line)
        else:  # a range as printed: nothing is worked
            assert ", as printed in the source: " in line


@given(kind=st.sampled_from(list(KINDS.values())), value=magnitudes)
def test_a_kind_gives_its_24_hours_as_a_rate_run_for_24_hours_or_as_one_dose(kind, value):
    """The oracle: a rate in mg/h times 24; a dose is itself (no frequency is read)."""
    unit = "mg/h" if kind.is_rate else "mg"
    total = kind.in_24_hours(registry().Quantity(Fraction(value), named_unit(unit)))
    assert total.units == named_unit("mg")
    assert magnitude(total) == Fraction(value) * (24 if kind.is_rate else 1)


@given(kind=st.sampled_from(list(KINDS.values())), value=magnitudes)
def test_a_kind_puts_a_figure_in_the_rate_or_the_amount_place_and_delivers_it_so(kind, value):
    rate, amount = kind.as_rate_or_amount(value)
    assert (rate, amount) == ((value, None) if kind.is_rate else (None, value))
    delivered = named_unit(kind.delivered_unit)
    per_hour = delivered == named_unit("mL/h")
    assert per_hour == kind.is_rate
    assert delivered in (named_unit("mL/h"), named_unit("mL"))


@given(kind=st.sampled_from(list(KINDS.values())), value=magnitudes)
def test_an_order_for_the_patient_is_the_order_itself_only_when_the_range_is_not_per_kg(
    kind, value
):
    order = registry().Quantity(Fraction(value), named_unit("mg"))
    worked = registry().Quantity(Fraction(value) * 70, named_unit("mg"))
    assert kind.per_patient(order, worked) is (worked if kind.per_kg else order)
    assert (kind.per_patient(order, None) is None) == kind.per_kg


@pytest.mark.parametrize("kind", list(KINDS.values()), ids=list(KINDS))
def test_a_kind_words_what_it_is_as_its_flags_say(kind):
    """A range per kg is nobody's as printed; the words of a rate speak of a rate."""
    assert (kind.for_every_patient is None) == kind.per_kg
    assert (kind.measured_in is None) == kind.per_kg
    assert kind.applies == ("At this weight" if kind.per_kg else "Whatever the weight")
    assert ("rate" in kind.ordered_as) == kind.is_rate
    assert ("rate" in kind.read_as) == kind.is_rate
    assert ("per 24 hours" in kind.order_in_24_hours) == kind.is_rate
    assert kind.top_in_24_hours.count("{}") == kind.order_in_24_hours.count("{}") == 1


def test_the_kind_contributing_shows_is_the_kind_the_code_uses():
    """CONTRIBUTING's example of a kind, read as literals (a unit constant by its name in
    `dosecalc.foundation.dose_units`), equals the one in `KINDS`."""
    import ast

    from dosecalc.foundation import dose_units as units
    from dosecalc.ruleset.kinds import RegimenKind

    def value(node: ast.expr) -> object:
        if isinstance(node, ast.Name):
            return getattr(units, node.id)
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "frozenset":
            return frozenset(ast.literal_eval(node.args[0]))
        return ast.literal_eval(node)

    text = (Path(__file__).parent.parent / "CONTRIBUTING.md").read_text(encoding="utf-8")
    section = text.split("## Add a kind of regimen", 1)[1].split("\n## ", 1)[0]
    example = section.split("```python\n", 1)[1].split("```", 1)[0]
    call = ast.parse(example, mode="eval").body
    assert isinstance(call, ast.Call)
    assert getattr(call.func, "id", None) == "RegimenKind"
    built = RegimenKind(**{str(k.arg): value(k.value) for k in call.keywords})
    assert built == KINDS[built.name]
