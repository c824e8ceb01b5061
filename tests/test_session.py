"""A calculator session never shows a dose that `calculate` would not give right now."""

from __future__ import annotations

from dataclasses import FrozenInstanceError

import pytest
from conftest import reviewed
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from strategies import height_spellings

import dosecalc
from dosecalc import DoseCalcError, DoseResult, calculate, check
from dosecalc.clinical.session import Session

# Entries as people type them into the form: valid, borderline and wrong.
weight_entries = st.sampled_from(
    [
        "70",
        "154.3",
        "0.5",
        "500",
        "39.9",
        "151",
        "",
        "abc",
        "-3",
        "70 kg",
        "154 lb",
        "70,5",
        "1e3",
        "nan",
        "700",
        "0",
        "70 m",
    ]
)
height_entries = st.sampled_from(["", "170", "5 ft 7 in", "67 in", "90", "300", "x", "1.7 m"])
concentration_entries = st.sampled_from(["", "1 mg/mL", "2 mg/mL", "50 mg/5 mL", "1", "1 mg/kg"])
dose_entries = st.sampled_from(
    ["", "30 mg/h", "400 mg/h", "25 mL/h", "6 mcg/kg/min", "25 mg", "70 kg"]
)


class CalculatorSession(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.session = Session()

    @rule(value=weight_entries)
    def type_weight(self, value: str) -> None:
        self.session.set(weight=value)

    @rule(unit=st.sampled_from(["kg", "lb", ""]))
    def choose_weight_unit(self, unit: str) -> None:
        self.session.set(weight_unit=unit)

    @rule(regimen=st.sampled_from(["iv-infusion", "sublingual-buccal", "sl", "im", ""]))
    def choose_regimen(self, regimen: str) -> None:
        self.session.set(regimen=regimen)

    @rule(value=height_entries, unit=st.sampled_from(["cm", "in"]))
    def type_height(self, value: str, unit: str) -> None:
        self.session.set(height=value, height_unit=unit)

    @rule(sex=st.sampled_from(["", "male", "female", "other"]))
    def choose_sex(self, sex: str) -> None:
        self.session.set(sex=sex)

    @rule(basis=st.sampled_from(["actual", "ideal", "adjusted", "lean"]))
    def choose_basis(self, basis: str) -> None:
        self.session.set(basis=basis)

    @rule(value=concentration_entries)
    def type_concentration(self, value: str) -> None:
        self.session.set(concentration=value)

    @rule(value=dose_entries)
    def type_dose(self, value: str) -> None:
        self.session.set(dose=value)

    @invariant()
    def shows_exactly_a_fresh_calculation_or_nothing(self) -> None:
        arguments = self.session.calculate_arguments()
        try:
            fresh = calculate(**arguments)
        except DoseCalcError as error:
            refused: DoseCalcError | None = error
        else:
            refused = None
        if refused is not None:
            assert self.session.result is None
            assert self.session.errors
            if self.session.check_result is not None:  # checked per kg, without a weight
                assert arguments["weight"] is None
                assert getattr(refused, "field", None) == "weight"
                assert self.session.check_result == check(
                    **arguments, dose=self.session.inputs.dose
                )
            return
        assert self.session.result == fresh
        if self.session.inputs.dose.strip():
            try:
                fresh_check = check(**arguments, dose=self.session.inputs.dose)
            except DoseCalcError:
                assert self.session.check_result is None
                assert "dose" in self.session.errors or "concentration" in self.session.errors
                return
            assert self.session.check_result == fresh_check
        assert not self.session.errors


TestCalculatorSession = CalculatorSession.TestCase


def test_every_invalid_field_gets_its_own_message_and_no_dose_is_shown():
    session = Session()
    session.set(
        weight="70,5", weight_unit="kg", height="x", concentration="1", sex="other", basis="lean"
    )
    assert session.result is None
    assert set(session.errors) == {"weight", "height", "concentration", "sex", "basis"}
    assert "70.5 kg" in session.errors["weight"]


def test_a_number_takes_the_chosen_unit_and_a_typed_unit_wins():
    session = Session()
    session.set(weight="154.3", weight_unit="lb")
    assert session.result is not None
    assert session.result.patient.display["weight"] == "154.3 lb (69.99 kg)"
    session.set(weight="70 kg")
    assert session.result.dose.display == "21 to 35 mg/hr"


def test_a_stale_result_disappears_when_an_input_becomes_invalid():
    session = Session()
    session.set(weight="70 kg")
    assert session.result is not None
    session.set(weight="70 m")
    assert session.result is None
    assert "a length, not a weight" in session.errors["weight"]


def test_a_cross_field_error_is_reported_on_its_field():
    session = Session()
    session.set(weight="70 kg", basis="ideal")
    assert session.result is None
    assert "needs the patient's height and sex" in session.errors["basis"]


def test_an_unknown_session_field_is_a_programming_error():
    with pytest.raises(TypeError, match="unknown session fields: colour"):
        Session().set(colour="red")


@given(
    field=st.sampled_from(
        ["weight", "weight_unit", "regimen", "height", "sex", "basis", "concentration", "dose"]
    ),
    value=st.none()
    | st.integers()
    | st.floats(allow_nan=True)
    | st.binary(max_size=8)
    | st.lists(st.text(max_size=3), max_size=2),
)
def test_a_session_field_given_other_than_text_is_a_typed_error_and_changes_nothing(field, value):
    """``set(weight=70)`` never guesses the unit of a bare number, nor fails untyped."""
    session = Session()
    session.set(weight="70 kg")
    before = session.state
    with pytest.raises(dosecalc.ParseError, match=f"^{field}: a session field holds text"):
        session.set(**{field: value})
    assert session.state is before


def test_an_invalid_rule_folder_shows_no_dose_and_says_why(tmp_path):
    session = Session(rules=tmp_path / "missing")
    session.set(weight="70 kg")
    assert session.result is None
    assert "does not exist" in session.errors["rules"]


def test_a_height_number_takes_the_chosen_unit():
    session = Session()
    session.set(weight="70 kg", height="170", height_unit="cm", sex="male", basis="ideal")
    assert session.result.patient.height_cm.magnitude == 170
    session.set(height_unit="in", height="67")
    assert session.result.patient.display["height"] == "67 in (170.18 cm)"


def test_the_session_checks_the_dose_against_its_own_rules(rules_copy):
    path = rules_copy / "ketamine-palliative.toml"
    path.write_text(path.read_text().replace('version = "1.1.0"', 'version = "9.9.9"'))
    session = Session(rules=reviewed(rules_copy))
    session.set(weight="70 kg", dose="30 mg/h")
    assert session.check_result.basis.rules_version == "ketamine-palliative@9.9.9"


def test_a_dose_that_cannot_be_checked_is_reported_on_its_field():
    session = Session()
    session.set(weight="70 kg", dose="30 mg")
    assert session.check_result is None
    assert session.errors["dose"].startswith("dose: '30 mg' is a dose without a time")


def test_unknown_session_fields_are_all_named():
    with pytest.raises(TypeError, match="unknown session fields: colour, size"):
        Session().set(size="L", colour="red")


def test_a_keystroke_parses_the_changed_field_once_and_no_other(monkeypatch):
    from dosecalc.foundation import units

    units._read_text.cache_clear()  # whatever other tests read before, in this process
    session = Session()
    session.set(
        weight="70",
        weight_unit="kg",
        height="170 cm",
        sex="male",
        concentration="1 mg/mL",
        dose="30 mg/h",
    )
    parsed: list[str] = []
    read = units._from_text
    monkeypatch.setattr(
        units, "_from_text", lambda text, *rest: parsed.append(text) or read(text, *rest)
    )
    session.set(weight="71 kg")
    assert parsed == ["71 kg"]
    assert session.result == calculate(**session.calculate_arguments())


def test_a_quantity_read_once_is_a_new_quantity_for_every_caller():
    from dosecalc import WEIGHT, FrozenQuantityError, parse_quantity

    first = parse_quantity("70 kg", WEIGHT)
    with pytest.raises(FrozenQuantityError):
        first.ito("lb")  # a caller changing its own Quantity in place: refused
    first *= 2  # a new quantity, bound to the caller's name
    assert (first.magnitude, str(first.units)) == (140, "kilogram")
    again = parse_quantity("70 kg", WEIGHT)
    assert (again.magnitude, str(again.units)) == (70, "kilogram")


def calculated(**arguments: str) -> DoseResult | str:
    """`calculate`'s result for ``arguments``, or its message when it refuses them."""
    try:
        return calculate(**arguments)
    except DoseCalcError as error:
        return str(error)


@given(height=height_spellings(), unit=st.sampled_from(["cm", "in"]))
def test_a_height_with_a_unit_of_its_own_is_read_as_calculate_reads_it_whatever_the_choice(
    height, unit
):
    session = Session()
    session.set(weight="95 kg", height=height, height_unit=unit, sex="female", basis="adjusted")
    expected = calculated(
        weight="95 kg", regimen="iv-infusion", height=height, sex="female", basis="adjusted"
    )
    if isinstance(expected, str):
        assert session.result is None
        assert expected in session.errors.values()
    else:
        assert session.result == expected
        assert not session.errors


def test_each_change_makes_a_new_state_and_leaves_the_one_shown_before_as_it_was():
    session = Session()
    session.set(weight="70 kg", dose="30 mg/h")
    shown = session.state
    session.set(weight="80 kg")
    assert shown.inputs.weight == "70 kg"
    assert shown.result == calculate(weight="70 kg", regimen="iv-infusion")
    assert shown.check_result == check(weight="70 kg", regimen="iv-infusion", dose="30 mg/h")
    assert session.state.result == calculate(weight="80 kg", regimen="iv-infusion")
    with pytest.raises(FrozenInstanceError):
        shown.result = session.state.result


@pytest.mark.parametrize(
    "folder", [None, "examples/hospital-library", "tests/data/fictional-library"]
)
def test_a_session_starts_on_the_first_regimen_of_the_library_it_was_given(folder):
    """Any library starts ready for a weight, never in an error about a regimen it lacks."""
    from conftest import REPO

    rules = dosecalc.load_rules(REPO / folder) if folder else dosecalc.load_rules()
    session = dosecalc.Session(rules)
    assert session.inputs.regimen == rules.regimens[0].id
    assert set(session.errors) <= {"weight"}
    session.set(weight="70 kg")
    assert session.result is not None
    assert session.result.regimen == rules.regimens[0].id


@given(number=st.decimals(min_value=5, max_value=300, places=2).map(str))
def test_a_bare_number_is_refused_until_a_unit_is_chosen_or_typed(number):
    """No unit is chosen at first: a bare weight or height is refused by name, never read
    as kg or cm; choosing a unit, or typing one, reads it as `calculate` does."""
    session = Session()
    session.set(weight=number, dose="30 mg/h")
    assert session.result is None
    assert session.check_result is None
    assert session.errors["weight"] == f"weight: {number!r} has no unit. " + (
        "Write the unit after the number, e.g. '70 kg' or '154 lb'"
    )
    session.set(weight_unit="lb")
    assert session.result == calculated(weight=f"{number} lb", regimen="iv-infusion")
    session.set(weight_unit="")
    assert session.result is None
    session.set(weight=f"{number} kg", height=number)
    assert session.result is None
    assert session.errors["height"].startswith(f"height: {number!r} has no unit.")


@given(
    mark=st.sampled_from(["\t", "\n", "\r", "\x1c", "\x85", "\u2028", "\u2029", "\x0b"]),
    before=st.booleans(),
    unit=st.sampled_from(["kg", "lb"]),
)
def test_a_number_with_a_control_character_at_its_end_is_refused_as_calculate_refuses_it(
    mark, before, unit
):
    """Only spaces are trimmed: "70\\t" with kg chosen is "70\\t kg", which the reader
    refuses by naming the character, as `calculate` does; never read as 70 kg."""
    typed = f"{mark}70" if before else f"70{mark}"
    session = Session()
    session.set(weight=typed, weight_unit=unit)
    assert session.result is None
    assert session.errors["weight"] == calculated(weight=f"{typed} {unit}", regimen="iv")


@given(
    concentration=st.sampled_from(["", "10 mg/mL", "1 mg/mL"]),
    dose=st.sampled_from(["", "28 mg/hr", "0.4 mg/kg/hr", "30 mg", "2.8 mL/hr"]),
    to=st.sampled_from(["sl", "sublingual-buccal", "buccal", "iv", "iv-infusion"]),
)
def test_a_change_of_regimen_clears_its_concentration_and_a_dose_that_no_longer_fits(
    concentration, dose, to
):
    """The app cleared these in its screen code; a script's `Session` kept an IV stock's
    strength and worked sublingual volumes from it. Now the session clears them, says
    what it cleared, and a name of the same regimen (an alias) clears nothing."""
    session = Session()
    session.set(weight="68 kg", regimen="iv", concentration=concentration, dose=dose)
    before = session.inputs
    session.set(regimen=to)
    same = dosecalc.load_rules().find(to).id == "iv-infusion"
    if same:
        assert session.state.cleared == {}
        assert (session.inputs.concentration, session.inputs.dose) == (concentration, dose)
        return
    assert session.inputs.concentration == ""
    assert session.state.cleared.get("concentration", "") == concentration
    fits = calculated(weight="68 kg", regimen=to, concentration=None)
    assert isinstance(fits, DoseResult)
    try:
        dosecalc.check(weight="68 kg", regimen=to, dose=dose) if dose else None
    except dosecalc.InputError:
        assert session.inputs.dose == ""
        assert session.state.cleared["dose"] == before.dose
    else:
        assert session.inputs.dose == dose
        assert "dose" not in session.state.cleared
    assert session.result == calculate(**session.calculate_arguments())


@given(
    field=st.sampled_from(["weight_unit", "height_unit"]),
    unit=st.sampled_from(["st", "lb 0 oz", "KG", "kg ", "m", "ft", "mm"]),
)
def test_a_unit_choice_is_one_the_form_offers_or_none(field, unit):
    """`weight_unit="st"` read a bare 68 as 68 stone (431.82 kg). The choice beside a
    number is one of the form's (kg or lb; cm or in) or none: anything else is refused
    by name and changes nothing (a unit of another kind is typed in the field)."""
    session = Session()
    before = session.state
    with pytest.raises(dosecalc.ChoiceError, match=f"^{field}: "):
        session.set(**{field: unit})
    assert session.state is before
