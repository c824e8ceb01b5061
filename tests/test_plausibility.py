"""Plausible concentrations: a concentration that is probably a unit slip, or that gives a
pump rate no pump runs or a volume no mouth holds, is warned about, with the likely intent;
the bounds are dosecalc's own, in one place, and the figures themselves never change."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
import strategies
from hypothesis import example, given
from hypothesis import strategies as st

import dosecalc
from dosecalc.foundation.bounds import (
    PUMP_RATE_ML_PER_H,
    USUAL_CONCENTRATION_MG_PER_ML,
    VOLUME_PER_DOSE_ML,
)
from dosecalc.ruleset.loader import RuleSet, load_rules
from dosecalc.ruleset.schema import LargestVolumePerDose, MeasurableVolume

magnitudes = st.decimals(min_value=Decimal("0.001"), max_value=Decimal(5000), places=3)
units = st.sampled_from(
    [
        ("mg/mL", Fraction(1)),
        ("mcg/mL", Fraction(1, 1000)),
        ("g/mL", Fraction(1000)),
        ("g/L", 1),
        ("mg/L", Fraction(1, 1000)),
    ]
)
kgs = st.decimals(min_value=Decimal(40), max_value=Decimal(150), places=1)


def codes(result) -> set[str]:
    return {warning.code for warning in result.warnings}


@given(value=magnitudes, unit=units, kg=kgs, regimen=st.sampled_from(["iv", "sl"]))
def test_each_plausibility_warning_fires_exactly_when_its_bound_is_crossed(
    value, unit, kg, regimen
):
    name, to_mg_per_ml = unit
    mg_per_ml = Fraction(value) * to_mg_per_ml
    result = dosecalc.calculate(weight=f"{kg} kg", regimen=regimen, concentration=f"{value} {name}")
    low, high = USUAL_CONCENTRATION_MG_PER_ML
    outside = not low <= mg_per_ml <= high
    assert ("implausible-concentration" in codes(result)) == outside
    slip = outside and (
        low <= mg_per_ml * 1000 <= high if mg_per_ml < low else low <= mg_per_ml / 1000 <= high
    )
    assert ("possible-unit-mix-up" in codes(result)) == slip
    if slip:  # the mix-up named is one the unit entered allows: mcg or g for mg, L for mL
        (said,) = [w.message for w in result.warnings if w.code == "possible-unit-mix-up"]
        mixed = (
            "L and mL"
            if name.endswith("/L")
            else "g and mg"
            if name.startswith("g/")
            else "mcg and mg"
        )
        assert said.endswith(f"check that {mixed} were not mixed up."), said
    figures = result.pump_rate if regimen == "iv" else result.volume
    assert figures is not None
    unit_name, (least, most) = (
        ("mL/h", PUMP_RATE_ML_PER_H) if regimen == "iv" else ("mL", VOLUME_PER_DOSE_ML)
    )
    delivered = [q.to(unit_name).magnitude for q in (figures.low, figures.high)]
    code = "implausible-pump-rate" if regimen == "iv" else "implausible-volume"
    assert (code in codes(result)) == (delivered[0] < least or delivered[1] > most)
    # The warning names which part is outside, never "lies outside" for one end.
    low_out, high_out = delivered[0] < least, delivered[1] > most
    wholly = delivered[1] < least or delivered[0] > most
    where = (
        "lies wholly outside"
        if wholly
        else "reaches outside, at both ends,"
        if low_out and high_out
        else "reaches outside, at its low end,"
        if low_out
        else "reaches outside, at its high end,"
    )
    for warning in result.warnings:
        if warning.code == code:
            assert f"{figures.display} {where} " in warning.message, warning.message


@given(value=magnitudes, kg=kgs)
def test_a_warning_never_changes_a_figure(value, kg):
    plain = dosecalc.calculate(weight=f"{kg} kg", regimen="iv")
    with_concentration = dosecalc.calculate(
        weight=f"{kg} kg", regimen="iv", concentration=f"{value} mcg/mL"
    )
    assert with_concentration.dose == plain.dose
    assert with_concentration.dose_per_24h == plain.dose_per_24h


@pytest.mark.parametrize(
    ("regimen", "concentration", "expected"),
    [
        (
            "iv",
            "1 mcg/mL",
            {"implausible-concentration", "possible-unit-mix-up", "implausible-pump-rate"},
        ),
        (
            "sl",
            "50 mcg/5 mL",
            {"implausible-concentration", "possible-unit-mix-up", "implausible-volume"},
        ),
        (
            "iv",
            "0.01 mg/mL",
            {"implausible-concentration", "possible-unit-mix-up", "implausible-pump-rate"},
        ),
        ("sl", "1 mg/mL", {"implausible-volume"}),
        ("iv", "1 mg/mL", set()),
        ("sl", "50 mg/5 mL", set()),
    ],
)
def test_the_slips_the_review_found_are_warned_and_usual_entries_are_not(
    regimen, concentration, expected
):
    result = dosecalc.calculate(weight="70 kg", regimen=regimen, concentration=concentration)
    assert codes(result) == expected
    for warning in result.warnings:
        if warning.code.startswith("implausible"):
            assert (
                "a plausibility bound of dosecalc's, not a number of the source" in warning.message
            )


def test_a_checked_pump_rate_carries_the_concentration_warnings_and_the_audit_agrees():
    result = dosecalc.check(
        weight="70 kg", regimen="iv", dose="25000 mL/hr", concentration="1 mcg/mL"
    )
    assert {"possible-unit-mix-up", "implausible-pump-rate"} <= codes(result)
    audited = dosecalc.audit(
        {
            "weight": ["70 kg"],
            "regimen": ["iv"],
            "dose": ["25000 mL/hr"],
            "concentration": ["1 mcg/mL"],
        }
    )
    assert audited["warnings"][0] == "; ".join(w.code for w in result.warnings)


# --- a library's largest volume per dose: its route's bound, cited, in place of 5 mL ----

LIBRARY = load_rules(strategies.HOSPITAL_LIBRARY)
BOLUS = LIBRARY.find("fictivane-bolus")
bolus_concentrations = st.decimals(min_value=Decimal("0.1"), max_value=Decimal(100), places=1)
largest_volumes = st.decimals(min_value=Decimal(1), max_value=Decimal(100), places=1)


SHIPPED = load_rules(None)


def _with_largest(
    volume: Decimal | None, rules: RuleSet = LIBRARY, regimen: str = BOLUS.id
) -> RuleSet:
    """``rules`` with ``regimen``'s largest volume per dose set to ``volume`` mL."""
    largest = (
        None
        if volume is None
        else LargestVolumePerDose(value=volume, unit="mL", source=BOLUS.source)
    )
    regimens = tuple(
        r.model_copy(update={"largest_volume_per_dose": largest}) if r.id == regimen else r
        for r in rules.regimens
    )
    return RuleSet(rules.path, rules.files, regimens)


@given(kg=kgs, concentration=bolus_concentrations, largest=st.none() | largest_volumes)
def test_a_volume_per_dose_warns_exactly_past_the_librarys_largest_or_else_dosecalcs_own(
    kg, concentration, largest
):
    rules = _with_largest(largest)
    result = dosecalc.calculate(
        weight=f"{kg} kg", regimen="fictivane-bolus", concentration=f"{concentration} mg/mL",
        rules=rules,
    )  # fmt: skip
    # By hand: the range 0.5 to 1 mg/kg at the weight as shown (to 0.01 kg), over the
    # concentration, against 0.1 mL and the library's largest (or dosecalc's 5 mL).
    low_mg, high_mg = Fraction(kg) / 2, Fraction(kg)
    most = Fraction(largest) if largest is not None else VOLUME_PER_DOSE_ML[1]
    outside = (
        low_mg / Fraction(concentration) < VOLUME_PER_DOSE_ML[0]
        or high_mg / Fraction(concentration) > most
    )
    said = [w.message for w in result.warnings if w.code == "implausible-volume"]
    assert bool(said) == outside
    for message in said:
        if largest is None:
            assert "(a plausibility bound of dosecalc's, not a number of the source)" in message
        else:  # whose bound it is, with its citation
            assert "this library's largest volume per dose" in message
            assert BOLUS.source.cited in message


def test_the_example_librarys_bolus_of_7_ml_is_within_and_says_nothing_of_the_volume():
    result = dosecalc.check(
        weight="70 kg", regimen="fictivane-bolus", dose="70 mg", concentration="10 mg/mL",
        rules=strategies.HOSPITAL_LIBRARY, every="24 hr",
    )  # fmt: skip
    assert result.headline.outcome == "within"
    assert "implausible-volume" not in codes(result)
    larger = dosecalc.check(
        weight="70 kg", regimen="fictivane-bolus", dose="70 mg", concentration="2 mg/mL",
        rules=strategies.HOSPITAL_LIBRARY,
    )  # fmt: skip
    assert larger.headline.outcome == "implausible-concentration"  # 35 mL: past the library's 20 mL


@given(
    kgs,
    st.lists(bolus_concentrations, min_size=1, max_size=6),
    st.none() | largest_volumes,
    st.sampled_from([(LIBRARY, BOLUS.id, "0.75 mg/kg"), (SHIPPED, "sublingual-buccal", "30 mg")]),
)
@example(Decimal(70), [Decimal(20)], Decimal(2), (SHIPPED, "sublingual-buccal", "30 mg"))  # 2.5 mL
def test_the_audit_judges_a_librarys_largest_volume_as_check_does(
    kg, concentrations, largest, regimen
):
    library, name, dose = regimen  # a fixed dose without other limits is the audit's hot path
    rules = _with_largest(largest, library, name)
    orders = {
        "weight": [f"{kg} kg"] * len(concentrations),
        "regimen": [name] * len(concentrations),
        "dose": [dose] * len(concentrations),
        "concentration": [f"{c} mg/mL" for c in concentrations],
    }
    audited = dosecalc.audit(orders, rules=rules)
    for row, concentration in enumerate(concentrations):
        checked = dosecalc.check(
            weight=f"{kg} kg", regimen=name, dose=dose,
            concentration=f"{concentration} mg/mL", rules=rules,
        )  # fmt: skip
        assert audited["outcome"][row] == checked.headline.outcome
        assert audited["warnings"][row] == "; ".join(w.code for w in checked.warnings)


@pytest.mark.parametrize("regimen", ["fictivane-iv", "fictivane-sc-driver"])
def test_a_largest_volume_per_dose_on_a_rate_is_refused_as_the_folder_loads(tmp_path, regimen):
    text = (strategies.HOSPITAL_LIBRARY / "fictivane.toml").read_text(encoding="utf-8")
    marker = f'id = "{regimen}"\n'
    field = (
        'largest_volume_per_dose = { value = 20, unit = "mL", source = { document = "d", '
        'description = "x", section = "s", quote = "20 mL" } }\n'
    )
    folder = tmp_path / "library"
    folder.mkdir()
    (folder / "fictivane.toml").write_text(text.replace(marker, marker + field, 1), "utf-8")
    with pytest.raises(dosecalc.RulesError) as refused:
        load_rules(folder, unverified=True)
    assert "largest_volume_per_dose" in str(refused.value)
    assert "rate" in str(refused.value)


@given(
    st.lists(st.decimals(min_value=Decimal(50), max_value=Decimal(100), places=0), min_size=1),
    st.decimals(min_value=Decimal("0.1"), max_value=Decimal(2), places=1),
)
@example([Decimal(100)], Decimal("0.5"))  # 25 to 50 mg ÷ 100 mg/mL = 0.25 to 0.5 mL
def test_the_audit_judges_a_librarys_smallest_measurable_volume_as_check_does(
    concentrations, smallest
):
    sublingual = SHIPPED.find("sublingual-buccal")
    measurable = MeasurableVolume(value=smallest, unit="mL", source=BOLUS.source)
    regimens = tuple(
        r.model_copy(update={"smallest_measurable_volume": measurable}) if r is sublingual else r
        for r in SHIPPED.regimens
    )
    rules = RuleSet(SHIPPED.path, SHIPPED.files, regimens)
    cells = [f"{c} mg/mL" for c in concentrations]
    audited = dosecalc.audit(
        {"weight": ["70 kg"] * len(cells), "regimen": ["sl"] * len(cells),
         "dose": ["30 mg"] * len(cells), "concentration": cells},
        rules=rules,
    )  # fmt: skip
    for row, cell in enumerate(cells):
        checked = dosecalc.check(
            weight="70 kg", regimen="sl", dose="30 mg", concentration=cell, rules=rules
        )
        assert audited["warnings"][row] == "; ".join(w.code for w in checked.warnings)
