"""Every figure shown checks by hand, as a pharmacist would redo it.

Each test reads only what is shown (the basis's steps, kept as data and written from it;
the ranges; the check's restatements), redoes the arithmetic with the operands as shown,
and holds the result to the display rule: an unmarked figure is exact, a figure marked
"(rounded)" is the nearest at the decimals shown, "(rounded up)" and "(rounded down)" the
next one in that direction. And no figure shown lies outside the
exact range it stands for.
"""

from __future__ import annotations

import html
import re
from decimal import Decimal
from fractions import Fraction

import strategies
from by_hand import MARKS, agrees, lines, value
from hypothesis import example, given
from hypothesis import strategies as st

import dosecalc
from dosecalc.foundation.display import exact_places, format_number, magnitude, unit_display
from dosecalc.foundation.dose_units import (
    DOSE_FORMS,
)
from dosecalc.foundation.working import Convert, Equation, Step, operands
from dosecalc.reports.contents import basis_rows
from dosecalc.reports.formats import render

NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
MARK = re.compile(r"\((rounded(?: up| down)?)\)")
_OPERATORS = {"×": "*", "÷": "/", "+": "+", "−": "-", "(": "(", ")": ")", "in": "/"}
# "50 mg in 3 mL" is a division; "66.93 in − 60 in" are inches.
_TOKEN = re.compile(r"\d[\d,]*(?:\.\d+)?|[×÷+−()]|\bin(?= \d)")


def redo(expression: str) -> Fraction:
    """The arithmetic of ``expression`` on its numbers as shown; units are words, skipped."""
    # "mg/24 hr" is a unit (per 24 hours); "(actual body weight)" holds no figure.
    words = re.sub(r"\([^()\d]*\)", "", expression.replace("/24 hr", "/d"))
    python = " ".join(
        f"Fraction('{token.replace(',', '')}')" if token[0].isdigit() else _OPERATORS[token]
        for token in _TOKEN.findall(words)
    )
    return eval(python, {"Fraction": Fraction})


def check_equation(equation: str) -> None:
    """``a U × b V = c W (mark)[, used as d W (nearest 0.01 kg)]`` holds as shown."""
    left, right = equation.rsplit(" = ", 1)
    result = NUMBER.search(right)
    assert result is not None, equation
    mark = MARK.search(right[result.end() :].split(", used as")[0])
    worked = redo(left)
    assert agrees(result.group(), mark.group(1) if mark else None, worked), equation
    if ", used as " in right:
        used = NUMBER.search(right.split(", used as ")[1])
        assert used is not None
        assert abs(value(used.group()) - value(result.group())) <= Fraction(1, 200), equation


def check_line(line: str) -> None:
    """One basis line: a named step with its equations, or a conversion of an entry."""
    name, _, body = line.partition(": ") if ": " in line.split(" = ")[0] else ("", "", line)
    if name in ("weight", "height"):
        if " = " not in body:  # "70.125 kg, used as 70.13 kg (nearest 0.01 kg)"
            entered, used = (value(NUMBER.search(part).group()) for part in body.split(", used"))
            assert abs(entered - used) <= Fraction(1, 200)
            return
        entered, rest = body.split(" = ", 1)
        shown, factor = re.fullmatch(r"(.+?) \(1 \S+ = (.+?); nearest 0\.01 \w+\)", rest).groups()
        # The entry may be compound ("9 st 6 lb"): each part is converted by its own unit.
        assert abs(value(NUMBER.search(shown).group())) > 0
        assert NUMBER.search(factor) is not None
        return
    if name in ("dosing weight", "the range in the source") or name.startswith(
        ("fixed dose", "rate for every patient")  # the range as printed: nothing worked
    ):
        return
    for equation in body.split("; "):
        check_equation(equation)


def all_figures_inside(result: dosecalc.DoseResult) -> None:
    ranges = [result.rule_range, result.dose, result.dose_per_24h, result.dose_per_kg_per_min]
    for shown in filter(None, [*ranges, result.pump_rate, result.volume]):
        low, high = magnitude(shown.low), magnitude(shown.high.to(shown.low.units))
        figures = re.match(r"([\d,.]+) to ([\d,.]+) ", shown.display)
        assert figures is not None, shown.display
        shown_low, shown_high = (value(text) for text in figures.groups())
        assert low <= shown_low <= shown_high <= high, shown.display


def exact(value: Fraction) -> str:
    return format_number(value, decimals=exact_places(value))


weights = st.one_of(
    strategies.weights_kg.map(lambda kg: strategies.text(kg, "kg")),
    strategies.weights_lb.map(lambda lb: strategies.text(lb, "lb")),
)
concentrations = st.none() | st.one_of(
    strategies.concentrations_mg_per_ml.map(lambda c: strategies.text(c, "mg/mL")),
    st.sampled_from(["50 mg/3 mL", "500 mg/7 mL", "10 mg/6 mL", "200 mg/30 mL"]),
)
bases = st.one_of(
    st.just({"basis": "actual"}),
    st.builds(
        lambda basis, cm, sex: {"basis": basis, "height": strategies.text(cm, "cm"), "sex": sex},
        st.sampled_from(["ideal", "adjusted"]),
        strategies.heights_cm.filter(lambda cm: cm >= 140),
        st.sampled_from(["male", "female"]),
    ),
    st.builds(
        lambda basis, inches, sex: {"basis": basis, "height": f"{inches} in", "sex": sex},
        st.sampled_from(["ideal", "adjusted"]),
        st.integers(min_value=56, max_value=84),
        st.sampled_from(["male", "female"]),
    ),
    st.builds(  # in metres and in feet: each conversion states its own factor
        lambda basis, height, sex: {"basis": basis, "height": height, "sex": sex},
        st.sampled_from(["ideal", "adjusted"]),
        st.one_of(
            st.decimals(min_value=Decimal("1.4"), max_value=Decimal("2.2"), places=3).map(
                lambda m: f"{m} m"
            ),
            st.decimals(min_value=Decimal("4.7"), max_value=Decimal("7"), places=2).map(
                lambda ft: f"{ft} ft"
            ),
        ),
        st.sampled_from(["male", "female"]),
    ),
)


@given(weights, concentrations, bases, st.sampled_from(["iv", "sl"]))
@example("40.7 kg", "2 mg/mL", {"basis": "actual"}, "iv")
@example("70 kg", "1 mg/mL", {"basis": "actual"}, "sl")
@example("154.3 lb", "3 mg/mL", {"basis": "adjusted", "height": "170 cm", "sex": "male"}, "iv")
def test_every_line_of_the_basis_holds_when_redone_with_the_figures_shown(
    weight, concentration, basis, regimen
):
    try:
        result = dosecalc.calculate(
            weight=weight, regimen=regimen, concentration=concentration, **basis
        )
    except dosecalc.InputError:  # e.g. a height at which Devine's formula gives nothing
        return
    basis = result.basis
    every = [*basis.weight_steps, basis.formula, *basis.steps]
    steps = [line for line in every if isinstance(line, Step)]
    assert len(steps) == len(every) - (regimen == "sl")  # "sl": stated, not worked
    for step in steps:
        for equation in step.equations:
            check_worked(equation)
        says_the_same(step)
    all_figures_inside(result)


@given(weights, bases)
@example("154 lb", {"basis": "adjusted", "height": "5 ft 7 in", "sex": "male"})
def test_the_working_reads_in_the_order_it_was_done_the_weight_before_the_formula_using_it(
    weight, basis
):
    """How the dosing weight was reached is read first, and the weight the formula
    multiplies by is the figure that working ended on (as used), on every face's rows."""
    try:
        result = dosecalc.calculate(weight=weight, regimen="iv", **basis)
    except dosecalc.InputError:
        return
    labels = [label for label, _ in basis_rows(result.basis)]
    firsts = labels.count("First")
    assert labels[: firsts + 1] == ["First"] * firsts + ["Formula"]
    assert "First" not in labels[firsts:]
    weighed = result.dosing_weight.quantity
    times_weight = [
        operand
        for equation in result.basis.formula.equations
        for operand in operands(equation.left)
        if operand.units == weighed.units
    ]
    assert {operand.value for operand in times_weight} == {weighed.magnitude}

    def reached(step: Step) -> tuple[Fraction, object]:
        (*_, equation) = step.equations
        figure = equation.used or equation.result
        return figure.value, figure.units

    steps = {step.label: step for step in result.basis.weight_steps}
    if result.dosing_weight.basis != "actual":  # the working ends on the weight asked for
        assert reached(result.basis.weight_steps[-1]) == (weighed.magnitude, weighed.units)
    elif "weight" in steps:  # the entry, as used in kg
        assert reached(steps["weight"]) == (weighed.magnitude, weighed.units)
    else:  # a weight in kg to the hundredth, used as entered: nothing to work
        assert result.patient.weight == weighed


def check_worked(equation: Equation) -> None:
    """The equation's arithmetic redone exactly on its operands as shown: the result agrees
    under the rounding it is marked with, and a figure used next is the result (or, with
    no result, the entry) to its stated nearest."""
    done = equation.worked
    if equation.result is not None:
        shown = equation.result.figure
        if shown is None:  # written exactly, or used to its nearest (0.01 kg)
            step = equation.nearest.value if equation.nearest and not equation.used else 0
            assert abs(equation.result.value - done) <= step / 2, equation
        else:
            mark = MARKS[shown.rounding]
            assert agrees(shown.text, mark, done), equation
        done = equation.result.value
    if equation.used is not None:
        assert equation.nearest is not None
        assert abs(equation.used.value - done) <= equation.nearest.value / 2, equation


def says_the_same(step: Step) -> None:
    """The line a clinician reads holds the step's figures, as shown, in the order worked."""
    figures = [
        *(
            figure
            for equation in step.equations
            for figure in [
                *(operand.text for operand in operands(equation.left)),
                *([equation.result.text] if equation.result else []),
                *([equation.used.text] if equation.used else []),
            ]
        )
    ]
    text, at = step.text, 0
    for figure in figures:
        found = text.find(figure, at)
        assert found >= 0, (figure, text)
        at = found + len(figure)
    for equation in step.equations:  # a change of unit states its factor, one way or the other
        if isinstance(equation.left, Convert):
            entered = unit_display(equation.left.entered.units)
            factor = equation.left.factor
            assert f"1 {entered} = {exact(factor)} " in equation.note or (
                f" = {exact(1 / factor)} {entered}" in equation.note
            ), equation.note


def _shown_range(display: str) -> tuple[Fraction, Fraction]:
    low, high = re.match(r"([\d,.]+) to ([\d,.]+) ", display).groups()
    return value(low), value(high)


@given(weights, concentrations, bases)
def test_figures_derived_from_one_another_agree_as_shown(weight, concentration, basis):
    try:
        result = dosecalc.calculate(
            weight=weight, regimen="iv", concentration=concentration, **basis
        )
    except dosecalc.InputError:
        return
    dose_low, dose_high = _shown_range(result.dose.display)
    day_low, day_high = _shown_range(result.dose_per_24h.display)
    # Per 24 hours is the rate shown times 24, never a wider range than the rate's.
    assert dose_low * 24 <= day_low <= day_high <= dose_high * 24
    if result.pump_rate is not None:
        conc = magnitude(result.concentration.to("mg/mL"))
        pump_low, pump_high = _shown_range(result.pump_rate.display)
        # The pump rates shown deliver doses inside the dose range shown.
        assert dose_low <= pump_low * conc <= pump_high * conc <= dose_high
    rows = result.titration
    for column, whole in (("rate_per_kg", result.rule_range), ("dose_rate", result.dose)):
        figures = [value(NUMBER.search(row.display[column]).group()) for row in rows]
        assert figures == sorted(figures)
        assert (figures[0], figures[-1]) == _shown_range(whole.display)
    for row in rows:
        rate = value(NUMBER.search(row.display["rate_per_kg"]).group())
        dose = row.display["dose_rate"]
        mark = MARK.search(dose)
        worked = rate * result.dosing_weight.value
        assert agrees(NUMBER.search(dose).group(), mark.group(1) if mark else None, worked), row
        if "pump_rate" in row.display:
            pump = row.display["pump_rate"]
            mark = MARK.search(pump)
            worked = value(NUMBER.search(dose).group()) / conc
            assert agrees(NUMBER.search(pump).group(), mark.group(1) if mark else None, worked)


_dose_numbers = st.decimals(min_value=Decimal("0.001"), max_value=Decimal(2000), places=4)
proposed_doses = st.builds(
    lambda number, unit: f"{format(number.normalize(), 'f')} {unit}",
    _dose_numbers,
    st.sampled_from(
        ["mg/hr", "mg/kg/hr", "mcg/kg/min", "mL/hr", "mL/min", "mg/min", "mcg/min", "mg/24 hr"]
    ),
) | st.builds(  # a rate written as an amount over a stated time: "17.5 mg/30 min"
    lambda number, unit, per, time: f"{format(number.normalize(), 'f')} {unit}/{per} {time}",
    _dose_numbers,
    st.sampled_from(["mg", "mcg", "mL"]),
    st.sampled_from([1, 2, 4, 5, 12, 15, 24, 30, 45, 90]),
    st.sampled_from(["min", "hr"]),
)


@given(weights, st.sampled_from([None, "1 mg/mL", "2 mg/mL", "50 mg/3 mL"]), proposed_doses)
@example("40.7 kg", None, "12.25 mg/hr")
@example("64.86 kg", "2 mg/mL", "19.46 mg/hr")
@example("70 kg", "2 mg/mL", "35.0004 mg/hr")
def test_a_verdict_never_contradicts_the_range_shown_beside_it(weight, concentration, dose):
    try:
        result = dosecalc.check(weight=weight, regimen="iv", dose=dose, concentration=concentration)
    except dosecalc.InputError:
        return
    shown = result.display
    pairs = [("in_rule_units", "range")]
    pairs += [(key, f"{key}_range") for key in ("dose_rate", "pump_rate") if key in shown]
    for figure_key, range_key in pairs:
        text = shown[figure_key]
        low, high = _shown_range(shown[range_key])
        if text.startswith("just "):
            assert ("over" in text) == (result.verdict == "above")
            continue
        figure = value(NUMBER.search(text).group())
        expected = "below" if figure < low else "above" if figure > high else "within"
        assert expected == result.verdict, (text, shown[range_key])
    ratio = dosecalc.clinical.check.ratio_text(result.ratio_to_bound)
    if not ratio.startswith("just"):
        assert (value(NUMBER.search(ratio).group()) == 1) == (result.ratio_to_bound == 1)


@given(weights, st.sampled_from(["2 mg/mL", "50 mg/3 mL", "500 mg in 7 mL"]), proposed_doses)
def test_the_check_restatement_holds_when_redone(weight, concentration, dose):
    try:
        result = dosecalc.check(weight=weight, regimen="iv", dose=dose, concentration=concentration)
    except dosecalc.InputError:
        return
    working = str(result.basis.formula).split("; the range is")[0]
    if " = " in working and "just " not in working:
        check_equation(working)
    restated = [
        step
        for step in result.basis.steps
        if isinstance(step, Step) and step.label.startswith("as a ")
    ]
    for step in restated:  # each restatement beside a range, redone from the data
        for equation in step.equations:
            check_worked(equation)
        says_the_same(step)
    shown = result.display  # each restatement with a figure beside its range is worked
    worked = {step.label.removeprefix("as a ") for step in restated}
    in_volume = DOSE_FORMS[dosecalc.parse_dose(dose).form].in_volume  # the order is the volume
    for key, label in (("pump_rate", "pump rate"), ("volume", "volume")):
        if key in shown and not shown[key].startswith("just ") and not in_volume:
            assert label in worked, (key, lines(result.basis.steps))


@given(weights, st.sampled_from([None, "2 mg/mL", "3.21 mg/mL", "50 mg/3 mL"]), proposed_doses)
@example("0.5 kg", "3.21 mg/mL", "0.46729 mL/hr")  # a slip just inside a rounded bound
def test_what_a_slip_would_make_of_a_dose_reads_inside_the_range_shown(weight, conc, dose):
    try:
        result = dosecalc.check(weight=weight, regimen="iv", dose=dose, concentration=conc)
    except dosecalc.InputError:
        return
    if result.probable_entry_error is None:
        return
    shown = result.display
    ranges = {
        shown[key].split(" to ")[1].split()[1].rstrip(","): _shown_range(shown[key])
        for key in ("range", "dose_rate_range", "pump_rate_range")
        if key in shown
    }
    for slip in result.probable_entry_error.slips:
        meant = slip.display.split(" = ")[-1]
        if meant.startswith("just "):
            continue
        number, unit = NUMBER.search(meant).group(), meant.split()[1].rstrip(",")
        if unit not in ranges:  # no range is shown in that unit (mcg/kg/min): none to read
            continue
        low, high = ranges[unit]
        assert low <= value(number) <= high, (slip.display, ranges[unit])


@given(weights, concentrations, bases, st.sampled_from(["iv", "sl"]))
def test_every_face_shows_the_figures_as_the_display_rule_made_them(
    weight, concentration, basis, regimen
):
    try:
        result = dosecalc.calculate(
            weight=weight, regimen=regimen, concentration=concentration, **basis
        )
    except dosecalc.InputError:
        return
    figures = [
        shown.display
        for shown in (result.dose, result.dose_per_24h, result.pump_rate, result.volume)
        if shown is not None
    ]
    dosage = dosecalc.to_fhir(result)
    faces = {name: render(result, name) for name in ("text", "markdown", "html")}
    faces["fhir text"] = dosage["text"]  # a Dosage's text is a plain string
    for name, shown in faces.items():
        readable = " ".join(html.unescape(shown).replace("\u00a0", " ").split())
        # A Dosage's text, read as the instruction, states none for a patient not covered.
        wanted = 1 if result.patient_covered else 0
        for figure in figures[: wanted if name == "fhir text" else None]:
            assert figure in readable, (name, figure)
