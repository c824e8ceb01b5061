"""A result as a FHIR R4 Dosage: valid by the R4B models, coded, and true to the result."""

from __future__ import annotations

import json
import re
from fractions import Fraction
from pathlib import Path

import pytest
import strategies
from conftest import REPO, reviewed
from fhir.resources.R4B.dosage import Dosage
from hypothesis import given
from hypothesis import strategies as st

import dosecalc
from dosecalc.foundation.display import magnitude
from dosecalc.patient.body import NOT_COVERED_CODES
from dosecalc.reports.fhir import DOSE_RATE_TYPE, UCUM

SNOMED_CT = "http://snomed.info/sct"
OROMUCOSAL = "372473007"

CASES = [
    ("iv", None),
    ("iv", "1 mg/mL"),
    ("sublingual-buccal", None),
    ("sublingual-buccal", "50 mg/5 mL"),
]


def dosage_of(result: dosecalc.DoseResult) -> dict:
    """The Dosage as JSON text and back, as another system would read it."""
    return json.loads(json.dumps(dosecalc.to_fhir(result)))


def entries(dosage: dict, kind: str | None) -> list[dict]:
    """The entries of a type (None: untyped, the source's range, which nobody ordered)."""
    if kind is None:
        return [entry for entry in dosage["doseAndRate"] if "type" not in entry]
    return [
        entry
        for entry in dosage["doseAndRate"]
        if entry.get("type", {}).get("coding")
        == [{"system": DOSE_RATE_TYPE, "code": kind, "display": kind.capitalize()}]
    ]


def quantities(dosage: dict) -> list[dict]:
    return [
        entry[element][bound]
        for entry in dosage["doseAndRate"]
        for element in ("rateRange", "doseRange")
        if element in entry
        for bound in ("low", "high")
    ]


def test_the_done_when_command_gives_a_valid_r4_dosage_in_ucum_with_a_snomed_route(run_cli):
    code, out, err = run_cli(
        "calc", "--weight", "70 kg", "--regimen", "iv", "--concentration", "1 mg/mL",
        "--format", "fhir",
    )  # fmt: skip
    assert (code, err) == (0, "")
    dosage = json.loads(out)
    Dosage.model_validate(dosage)
    assert dosage["route"]["coding"] == [
        {"system": SNOMED_CT, "code": "47625008", "display": "Intravenous route"}
    ]
    (ordered,) = entries(dosage, None)  # the source's range: never typed as ordered
    assert entries(dosage, "ordered") == []
    first, second = entries(dosage, "calculated")
    assert ordered["rateRange"]["low"] == {
        "value": 0.3, "unit": "mg/kg/hr", "system": UCUM, "code": "mg/kg/h",
    }  # fmt: skip
    assert ordered["rateRange"]["high"]["value"] == 0.5
    assert (first["rateRange"]["low"]["value"], first["rateRange"]["high"]["value"]) == (21, 35)
    assert first["rateRange"]["low"]["code"] == "mg/h"
    assert (second["rateRange"]["low"]["value"], second["rateRange"]["high"]["value"]) == (21, 35)
    assert second["rateRange"]["high"]["code"] == "mL/h"


@pytest.mark.parametrize(("regimen", "concentration"), CASES)
def test_both_regimens_with_and_without_a_concentration_validate_as_r4_dosage(
    regimen, concentration
):
    result = dosecalc.calculate(weight="70 kg", regimen=regimen, concentration=concentration)
    dosage = dosage_of(result)
    parsed = Dosage.model_validate(dosage)
    assert parsed.route is not None
    assert parsed.route.coding[0].system == SNOMED_CT
    for quantity in quantities(dosage):
        assert quantity["system"] == UCUM
    (ordered,) = entries(dosage, None)  # the source's range: never typed as ordered
    assert entries(dosage, "ordered") == []
    calculated = entries(dosage, "calculated")
    if result.kind == "weight-based-rate":
        assert ordered["rateRange"]["low"]["code"] == "mg/kg/h"
        assert [e["rateRange"]["low"]["code"] for e in calculated] == (
            ["mg/h", "mL/h"] if concentration else ["mg/h"]
        )
    else:
        assert ordered["doseRange"]["low"]["code"] == "mg"
        assert [e["doseRange"]["low"]["code"] for e in calculated] == (
            ["mL"] if concentration else []
        )


def test_the_text_holds_the_instruction_the_basis_and_the_disclaimer():
    result = dosecalc.calculate(weight="70 kg", regimen="iv", concentration="2 mg/mL")
    text = dosecalc.to_fhir(result)["text"]
    for expected in (
        "21 to 35 mg/hr",
        "0.3 to 0.5 mg/kg/hr",
        "70 kg (actual body weight)",
        "at 2 mg/mL, 10.5 to 17.5 mL/hr",
        "Table 1",
        result.basis.rules_version,
        result.basis.rules_sha256,
        result.disclaimer,
    ):
        assert expected in text
    # Rules no ward has reviewed say so, as every face does; a reviewed library does not.
    assert "No ward has reviewed this range" in text
    library = Path(__file__).parent.parent / "examples" / "hospital-library"
    reviewed = dosecalc.calculate(weight="70 kg", regimen="driver", rules=library)
    assert "No ward has reviewed" not in dosecalc.to_fhir(reviewed)["text"]


@given(
    weight=st.sampled_from(["70 kg", "3.5 kg", "154 lb", "200 kg", None]),
    regimen=st.sampled_from(["iv", "sl"]),
)
def test_side_effects_and_supervision_travel_with_every_dosage_in_its_text_too(weight, regimen):
    """The supervision statement is in the text every receiving system shows beside the
    dose, as well as in the additional instructions, whatever the patient."""
    try:
        result = dosecalc.calculate(weight=weight, regimen=regimen)
    except dosecalc.InputError:
        return
    dosage = dosecalc.to_fhir(result)
    instructions = [i["text"] for i in dosage["additionalInstruction"]]
    for effect in result.side_effects:
        assert any(effect in instruction for instruction in instructions)
    assert result.supervision in instructions
    assert f"Supervision: {result.supervision}" in dosage["text"]
    assert dosage["text"].endswith(result.disclaimer)
    assert "patientInstruction" not in dosage


def test_a_weight_warning_is_in_the_text():
    result = dosecalc.calculate(weight="250 kg", regimen="iv")
    assert result.warnings
    text = dosecalc.to_fhir(result)["text"]
    for warning in result.warnings:
        assert warning.message in text


@pytest.mark.parametrize(
    ("asked", "code", "text"),
    [
        ("sublingual", "37839007", "sublingual"),
        ("Buccal", "54471007", "buccal"),
        ("sl", OROMUCOSAL, "sublingual or buccal"),
        ("sublingual-buccal", OROMUCOSAL, "sublingual or buccal"),
        ("IV", "47625008", "intravenous infusion"),
    ],
)
def test_the_route_is_the_one_the_clinician_named(asked, code, text):
    dosage = dosecalc.to_fhir(dosecalc.calculate(weight="70 kg", regimen=asked))
    assert dosage["route"]["coding"][0]["code"] == code
    assert dosage["route"]["text"] == text
    assert dosage["text"].startswith(f"Ketamine, {text}: ")


def test_a_route_the_rule_gives_no_code_for_is_text_only(rules_copy):
    path = rules_copy / "ketamine-palliative.toml"
    text = re.sub(
        r"\n\[\[regimens\.route_codes\]\]\n(?:[a-z]+ = .*\n)+", "", path.read_text("utf-8")
    )
    path.write_text(
        text.replace('route = "sublingual or buccal"', 'route = "intranasal"'), encoding="utf-8"
    )
    result = dosecalc.calculate(weight="70 kg", regimen="sl", rules=reviewed(rules_copy))
    dosage = dosage_of(result)
    assert dosage["route"] == {"text": "intranasal"}
    Dosage.model_validate(dosage)


def verhoeff_valid(number: str) -> bool:
    """The check digit every SNOMED CT identifier ends with (Verhoeff's dihedral scheme)."""
    d = [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
        [2, 3, 4, 0, 1, 7, 8, 9, 5, 6], [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
        [4, 0, 1, 2, 3, 9, 5, 6, 7, 8], [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
        [6, 5, 9, 8, 7, 1, 0, 4, 3, 2], [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
        [8, 7, 6, 5, 9, 3, 2, 1, 0, 4], [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
    ]  # fmt: skip
    p = [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
        [5, 8, 0, 3, 7, 9, 6, 1, 4, 2], [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
        [9, 4, 5, 3, 1, 2, 6, 8, 7, 0], [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
        [2, 7, 9, 3, 8, 0, 6, 4, 1, 5], [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
    ]  # fmt: skip
    check = 0
    for i, digit in enumerate(reversed(number)):
        check = d[check][p[i % 8][int(digit)]]
    return check == 0


SHIPPED_ROUTE_CODES = [
    code for regimen in dosecalc.load_rules().regimens for code in regimen.route_codes
]


@pytest.mark.parametrize("coded", SHIPPED_ROUTE_CODES, ids=lambda coded: coded.route)
def test_every_shipped_snomed_route_code_is_a_well_formed_concept_id_with_its_citation(coded):
    assert coded.system == SNOMED_CT
    assert verhoeff_valid(coded.code)
    assert coded.code[-3:-1] == "00"  # partition identifier: a concept, not a description
    assert coded.display.endswith("route")
    assert coded.code in coded.source
    assert "not from the source" in coded.source


def test_asked_by_an_alternative_the_rule_does_not_code_the_route_is_the_whole_routes_code():
    regimen = dosecalc.load_rules().find("sl")
    buccal_only = regimen.model_copy(
        update={"route_codes": tuple(c for c in regimen.route_codes if c.route == "buccal")}
    )
    assert buccal_only.route_code_for("Buccal") == regimen.route_code_for("buccal")
    assert buccal_only.route_code_for("sublingual") is None  # no guess from a sibling
    assert buccal_only.route_code_for("sl") is None


@pytest.mark.parametrize("typo", ["47625009", "37839070", "54417007"])
def test_the_check_digit_test_catches_a_mistyped_code(typo):
    assert not verhoeff_valid(typo)


@given(
    weight=strategies.weights_kg,
    concentration=st.none() | strategies.concentrations_mg_per_ml,
    regimen=strategies.regimen_names,
)
def test_structured_values_are_what_the_clinician_reads_and_never_wider(
    weight, concentration, regimen
):
    result = dosecalc.calculate(
        weight=strategies.text(weight, "kg"),
        regimen=regimen,
        concentration=None if concentration is None else strategies.text(concentration, "mg/mL"),
    )
    dosage = dosecalc.to_fhir(result)
    covered = not {w.code for w in result.warnings} & set(NOT_COVERED_CODES)
    # No figure is structured for a patient the source does not cover, not even the
    # source's range: a receiving system would read it as theirs.
    ranges = [result.rule_range] if covered else []
    if covered and result.kind == "weight-based-rate":
        ranges.append(result.dose)
    if covered:
        ranges += [r for r in (result.pump_rate, result.volume) if r is not None]
    assert ("doseAndRate" in dosage) == covered  # FHIR JSON has no empty array
    entries = dosage.get("doseAndRate", [])
    calculated = [e for e in entries if "type" in e]
    assert (not calculated) == (len(ranges) <= 1)
    structured = [entry.get("rateRange") or entry.get("doseRange") for entry in entries]
    assert len(structured) == len(ranges)
    for shown, exact in zip(structured, ranges, strict=True):
        low, high = Fraction(str(shown["low"]["value"])), Fraction(str(shown["high"]["value"]))
        assert magnitude(exact.low) <= low <= high <= magnitude(exact.high)
        assert (low, high) == (exact.shown_low.value, exact.shown_high.value)
        unit = shown["low"]["unit"]
        assert exact.display.replace(",", "").startswith(
            f"{exact.shown_low.text} to {exact.shown_high.text} {unit}".replace(",", "")
        )
    # The text is shown as the instruction: for a patient not covered it states no figure
    # either, and says why, as the doseAndRate beside it has none.
    route = result.route if result.route_code is None else result.route_code.route
    introduced = f"{route}, at this weight (not checked for this patient): no dose is stated"
    assert (introduced in dosage["text"]) == (not covered)
    assert (f"{route}: {result.dose.display}" in dosage["text"]) == covered
    assert (result.dose.display in dosage["text"]) == covered


def test_to_fhir_refuses_what_it_has_no_resource_for():
    prepared = dosecalc.prepare(
        dose="35 mg/hr", stock="500 mg/10 mL", final_volume="50 mL", duration="24 hr"
    )
    with pytest.raises(TypeError, match="result of calculate or check, not a PrepareResult"):
        dosecalc.to_fhir(prepared)


_UNIT_HOURS = {"min": Fraction(1, 60), "hr": Fraction(1), "days": Fraction(24)}


@given(
    amount=st.integers(1, 384).map(lambda quarters: Fraction(quarters, 4)),
    unit=st.sampled_from(sorted(_UNIT_HOURS)),
)
def test_a_checked_dose_given_every_interval_carries_it_as_the_orders_timing(amount, unit):
    """The order as checked, how often included: a MedicationRequest given once per the
    interval, exactly, which FHIR's own model reads."""
    from fhir.resources.R4B.bundle import Bundle

    text = f"{float(amount):g} {unit}"
    result = dosecalc.check(
        weight="70 kg",
        regimen="fictivane-oral",
        dose="15 mg",
        rules=REPO / "examples" / "hospital-library",
        every=text,
    )
    bundle = dosecalc.to_fhir(result)
    Bundle.model_validate(bundle)
    (request,) = [
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "MedicationRequest"
    ]
    repeat = request["dosageInstruction"][0]["timing"]["repeat"]
    hours = {"min": Fraction(1, 60), "h": Fraction(1), "d": Fraction(24)}[repeat["periodUnit"]]
    assert repeat["frequency"] == 1
    assert Fraction(str(repeat["period"])) * hours == amount * _UNIT_HOURS[unit]


@given(strategies.checked_orders())
def test_a_checked_order_is_written_once_as_ordered_and_never_again_as_calculated(order):
    """A restatement that merely repeats the order (400 mg/hr ordered, 400 mg/hr as a dose
    rate) is not written as ``calculated``: a receiver could read it as a dose dosecalc
    worked out, even for a probable entry error. Each figure worked from it appears once;
    for a patient the source does not cover, none does."""
    try:
        result = dosecalc.check(**order)
    except dosecalc.InputError:
        return
    bundle = dosecalc.to_fhir(result)
    (request,) = [
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "MedicationRequest"
    ]
    entries = request["dosageInstruction"][0]["doseAndRate"]
    figures = [
        (e["type"]["coding"][0]["code"], json.dumps(e.get("doseQuantity") or e["rateQuantity"]))
        for e in entries
    ]
    assert figures[0][0] == "ordered"
    assert len({figure for _, figure in figures}) == len(figures), figures
    if not result.patient_covered:  # the order restated for their weight would read as theirs
        assert [kind for kind, _ in figures] == ["ordered"]
        # Nor, in any text, a range worked for them, nor the source's in the Dosage's.
        texts = [note["text"] for note in request["note"]]
        texts += [e["resource"].get("detail", "") for e in bundle["entry"]]
        assert not any(re.search(r"not checked for this patient\) \d", t) for t in texts)
        assert result.display["range"] not in request["dosageInstruction"][0]["text"]
