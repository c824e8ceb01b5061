"""``dosecalc web``'s CDS Hooks service, called over real HTTP by a fake EHR that signs its
own tokens: discovery, every card kind, every weight prefetch case, every token failure,
feedback, CORS and the errors, each answer checked against schemas from the spec."""

from __future__ import annotations

import contextlib
import datetime
import json
import logging
import os
import re
import stat
import time
import unicodedata
import uuid
from collections.abc import Iterator
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any, Final

import jwt
import pytest
import strategies
from cds_hooks_schemas import (
    DISCOVERY,
    OPERATION_OUTCOME,
    RESPONSE,
    no_null_or_empty,
    valid,
)
from conftest import REPO
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from web_support import (
    ALLOWED_ORIGIN,
    DROP,
    EHR_ISS,
    IV_ROUTE,
    OMIT,
    PATIENT,
    SANDBOX_ISS,
    SL_ROUTE,
    FakeEHR,
    Reply,
    Served,
    hook_request,
    medication_request,
    quantity,
    searchset,
    served,
    weight_observation,
    write_trust,
)

import dosecalc
from dosecalc.clinical.headline import action_of
from dosecalc.faces import cds_hooks, web_app
from dosecalc.faces.trust import LEEWAY_SECONDS
from dosecalc.foundation.clock import local_today
from dosecalc.foundation.display import format_entered, format_exact
from dosecalc.foundation.text import route_alternatives
from dosecalc.foundation.units import (
    parse_quantity,
)
from dosecalc.ruleset.loader import RuleSet

SERVICE = "/cds-services/dosecalc-order-check"
FEEDBACK = f"{SERVICE}/feedback"
SHA = dosecalc.load_rules().sha256


@pytest.fixture(scope="module")
def ehrs() -> tuple[FakeEHR, FakeEHR]:
    return FakeEHR(EHR_ISS, "ES384"), FakeEHR(SANDBOX_ISS, "RS384")


@pytest.fixture(scope="module")
def trust_file(tmp_path_factory: pytest.TempPathFactory, ehrs) -> Path:
    return write_trust(tmp_path_factory.mktemp("trust"), *ehrs)


@pytest.fixture(scope="module")
def feedback_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("feedback") / "feedback.jsonl"


@pytest.fixture(scope="module")
def server(trust_file, feedback_log) -> Iterator[Served]:
    with served(dosecalc.load_rules(), trust_file, feedback_log) as live:
        yield live


@pytest.fixture(scope="module")
def library(trust_file) -> Iterator[Served]:
    """The fictional hospital library, with hard limits and maxima per 24 hours."""
    with served(dosecalc.load_rules(REPO / "examples" / "hospital-library"), trust_file) as live:
        yield live


def call(server: Served, ehr: FakeEHR, body: object) -> Reply:
    return server.post_json(SERVICE, body, ehr.token(f"{server.base}{SERVICE}"))


def cards(server: Served, ehr: FakeEHR, *orders: dict[str, Any], **options: Any) -> list[dict]:
    """The cards for ``orders``, after checking the answer against the schema."""
    reply = call(server, ehr, hook_request(*orders, **options))
    assert reply.status == 200, reply.text
    assert reply.header("Content-Type").startswith("application/json")
    answer = reply.json()
    valid(RESPONSE, answer)
    for card in answer["cards"]:
        no_null_or_empty(card)
    return answer["cards"]


TOTAL_NOT_CHECKED: Final = "each checked alone; their total was not checked"


def per_order(found: list[dict]) -> list[dict]:
    """The cards of the orders one by one: all but the card saying orders of one drug were
    never added together."""
    return [card for card in found if TOTAL_NOT_CHECKED not in card["summary"]]


def only_card(server: Served, ehr: FakeEHR, *orders: dict[str, Any], **options: Any) -> dict:
    (card,) = cards(server, ehr, *orders, **options)
    return card


def outcome_of(reply: Reply, status: int) -> dict[str, Any]:
    assert reply.status == status, reply.text
    assert reply.header("Content-Type").split(";")[0] in (
        "application/fhir+json",
        "application/json",
    )
    document = reply.json()
    valid(OPERATION_OUTCOME, document)
    assert "Traceback" not in reply.text
    return document


# Discovery


def test_discovery_lists_both_order_hooks_under_one_id_with_the_weight_prefetch(server):
    reply = server.request("GET", "/cds-services")
    assert reply.status == 200
    assert reply.header("Content-Type").startswith("application/json")
    document = reply.json()
    valid(DISCOVERY, document)
    assert [s["hook"] for s in document["services"]] == ["order-select", "order-sign"]
    for service in document["services"]:
        assert service["id"] == "dosecalc-order-check"
        assert service["version"] == "3.0.0"
        assert service["prefetch"] == {
            "patient": "Patient/{{context.patientId}}",
            "weight": "Observation?patient={{context.patientId}}&code=http://loinc.org|29463-7"
            "&_sort=-date&_count=1",
        }
        for key in ("title", "description", "usageRequirements"):
            assert service[key]
        assert "(ketamine)" in service["description"]  # the drugs of the rules in force


def test_discovery_needs_no_token_and_ignores_one_sent(server):
    sent = server.request("GET", "/cds-services", headers={"Authorization": "Bearer not.a.token"})
    assert sent.status == 200
    assert sent.json() == server.request("GET", "/cds-services").json()


# §3: the cards


def test_a_dose_within_and_nothing_else_found_gives_no_card(server, ehrs):
    assert cards(server, ehrs[0], medication_request(rate=(28, "mg/h"))) == []


def assert_not_assessed(card: dict) -> None:
    """An order checked with no weight: within its range, but the patient not assessed,
    so never silence (which means checked and within)."""
    assert card["indicator"] == "info"
    assert "NOT CHECKED FOR THIS PATIENT" in card["summary"]
    # What to do ends the summary; why is in its detail.
    assert card["summary"].endswith(
        action_of("patient-not-covered", "within", ["weight-not-given"])
    )
    assert "[weight-not-given]" in _plain(card["detail"])


def test_a_dose_per_kg_within_needs_no_weight_and_without_one_says_the_patient_was_not_assessed(
    server, ehrs
):
    order = medication_request(rate=(0.4, "mg/kg/h"))
    (card,) = cards(server, ehrs[0], order, weight=OMIT)
    assert_not_assessed(card)


def test_a_fixed_dose_within_needs_no_weight_and_without_one_says_the_patient_was_not_assessed(
    server, ehrs
):
    order = medication_request(route=SL_ROUTE, rate=None, dose=(25, "mg"))
    (card,) = cards(server, ehrs[1], order, weight=OMIT)
    assert_not_assessed(card)
    # With the weight: within the range for one dose, but how often it is given is not
    # checked (the rules give no maximum per 24 hours): an info card, never silence.
    (card,) = cards(server, ehrs[1], order)
    assert card["indicator"] == "info"
    assert "HOW OFTEN IT IS GIVEN IS NOT CHECKED; one dose is within" in card["summary"]


def test_within_with_a_warning_of_the_check_is_an_info_card_naming_it(server, ehrs):
    weight = searchset(weight_observation(154, "kg"))  # lb typed as kg?
    card = only_card(server, ehrs[0], medication_request(rate=(0.4, "mg/kg/h")), weight=weight)
    assert card["indicator"] == "info"
    assert card["summary"].startswith("ketamine 0.4 mg/kg/hr: NOT CHECKED FOR THIS PATIENT")
    assert card["summary"].endswith("the supervising specialist decides the dose")  # the action
    assert "within the range" in _plain(card["detail"]).lower()  # the verdict, in the detail
    assert "[possible-lb-kg-mix-up]" in _plain(card["detail"])
    assert "[high-weight]" in _plain(card["detail"])
    assert "overrideReasons" not in card


@pytest.mark.parametrize(("rate", "verdict"), [((45, "mg/h"), "above"), ((15, "mg/h"), "below")])
def test_a_dose_out_of_range_is_a_warning_card(server, ehrs, rate, verdict):
    card = only_card(server, ehrs[0], medication_request(rate=rate))
    assert card["indicator"] == "warning"
    assert card["summary"].startswith(f"ketamine {rate[0]} mg/hr: {verdict} the range")
    result = dosecalc.check(weight="70 kg", regimen="iv-infusion", dose=f"{rate[0]} mg/h")
    detail = _plain(card["detail"])
    for said in (result.display["verdict"], result.display["proposed"], result.display["range"]):
        assert said in detail
    assert result.display["patient_range"] in detail
    assert "Weight used: 70 kg, from 2026-12-01." in detail
    _has_the_whole_basis(card)
    assert [r["code"] for r in card["overrideReasons"]] == [
        "expert-contradicts",
        "policy-contradicts",
        "action-performed-no-adverse-effect",
        "risk-benefit-ratio",
    ]
    assert {r["system"] for r in card["overrideReasons"]} == {
        "http://terminology.hl7.org/CodeSystem/non-adherence-reason-codes"
    }
    (link,) = card["links"]
    assert link["type"] == "absolute"
    assert link["url"].startswith(f"{server.base}/?")
    assert server.request("GET", link["url"][len(server.base) :]).status == 200


def test_a_probable_entry_error_is_a_critical_card_with_its_reason_and_slip(server, ehrs):
    card = only_card(server, ehrs[0], medication_request(rate=(350, "mg/h")))
    assert card["indicator"] == "critical"
    assert card["summary"] == (
        "ketamine 350 mg/hr: PROBABLE ENTRY ERROR, above the range: withhold it and ask the "
        "prescriber"
    )
    result = dosecalc.check(weight="70 kg", regimen="iv", dose="350 mg/h")
    assert result.probable_entry_error is not None
    detail = _plain(card["detail"])
    assert result.display["verdict"] in detail
    assert "decimal point one place out: was 35 mg/hr meant?" in detail


def test_above_a_hard_limit_is_critical_citing_the_librarys_own_source(library, ehrs):
    order = medication_request(
        text="Fictivane 10 mg/mL", route={"text": "subcutaneous syringe driver"}, rate=None
    )
    order["dosageInstruction"][0]["doseAndRate"][0]["rateRatio"] = {
        "numerator": quantity(100, "mg"),
        "denominator": quantity(24, "h"),
    }
    card = only_card(library, ehrs[0], order, weight=OMIT)
    assert card["indicator"] == "critical"
    assert "ABOVE THE HARD LIMIT of Example Hospital drug library (fictional)" in card["detail"]
    assert "'Fictivane: hard limits 5-60 mg/24 h'" in _plain(card["detail"])
    assert card["source"]["label"] == (
        "Example Hospital drug library (fictional), section 'Syringe drivers'; "
        f"dosecalc rules {library.service.rules.version}"
    )


def test_above_a_librarys_maximum_per_24_hours_is_critical(library, ehrs):
    order = medication_request(text="fictivane infusion", route={"text": "intravenous infusion"})
    order["dosageInstruction"][0]["doseAndRate"][0]["rateQuantity"] = quantity(0.35, "mg/kg/h")
    weight = searchset(weight_observation(70))
    card = only_card(library, ehrs[0], order, weight=weight)
    assert card["indicator"] == "critical"
    detail = _plain(card["detail"])
    assert "ABOVE THE MAXIMUM PER 24 HOURS of Example Hospital drug library" in detail
    assert "'Fictivane: no more than 300 mg in 24 h'" in detail
    assert card["source"]["label"].startswith("Example Hospital drug library (fictional), ")


@given(
    field=st.sampled_from(
        [
            ("status",),
            ("code",),
            ("code", "coding"),
            ("subject",),
            ("subject", "reference"),
            ("valueQuantity",),
            ("valueQuantity", "code"),
            ("valueQuantity", "system"),
            ("valueQuantity", "value"),
            ("effectiveDateTime",),
            ("effectivePeriod",),
            ("issued",),
        ]
    ),
    junk=strategies.json_values,
)
def test_a_weight_observation_with_any_json_in_any_field_is_read_or_refused_never_raised(
    field, junk
):
    """A list for a code, an object for a status: the Observation is unusable (a reason),
    or still read; never an exception, which would lose every card of the hook (500)."""
    observation = weight_observation(70)
    *path, last = field
    place = observation
    for key in path:
        place = place[key]
    place[last] = junk
    read = cds_hooks._reading(observation, PATIENT)
    assert isinstance(read, str | tuple)


def _paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place in a JSON document: each key of an object, each item of a list."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*path, key)
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield (*path, index)
            yield from _paths(item, (*path, index))


_REQUEST = hook_request(medication_request(rate=(350, "mg/h")), hook="order-select")
_PLACES = list(_paths(_REQUEST))


@given(place=st.sampled_from(_PLACES), junk=strategies.json_values)
def test_any_json_in_any_place_of_a_hook_request_is_a_card_or_a_refusal_never_a_crash(place, junk):
    """The class behind a junk weight's 500: every field of the request, replaced by any
    JSON value, gives cards, or a `HookError` with its status; nothing else is raised."""
    body = json.loads(json.dumps(_REQUEST))
    *path, last = place
    target = body
    for key in path:
        target = target[key]
    target[last] = junk
    refused: cds_hooks.HookError | None = None
    issued: list[cds_hooks.IssuedCard] = []
    try:
        issued = cds_hooks.answer(body, dosecalc.load_rules(), "http://127.0.0.1:8765")
    except cds_hooks.HookError as error:
        refused = error
    assert refused is None or refused.status in (400, 412)
    assert all(card.card["indicator"] in ("info", "warning", "critical") for card in issued)


@given(
    codings=st.lists(
        st.tuples(
            st.sampled_from(["http://loinc.org", "http://snomed.info/sct", "urn:x"]),
            st.sampled_from(["29463-7", "3141-9", "8302-2", "39156-5", "8310-5", "27113001"]),
        ),
        max_size=3,
    )
)
def test_an_observation_is_read_as_the_weight_only_when_coded_as_a_body_weight(codings):
    """A height (LOINC 8302-2) or a BMI sent with a value in kg is never the weight: an
    Observation is read only when a coding is LOINC's body weight (29463-7, 3141-9)."""
    observation = weight_observation(70)
    observation["code"] = {"coding": [{"system": s, "code": c} for s, c in codings]}
    read = cds_hooks._reading(observation, PATIENT)
    loinc = {code for system, code in codings if system == "http://loinc.org"}
    if loinc & {"29463-7", "3141-9"}:
        assert isinstance(read, tuple)
        assert read[1] == "70 kg"
    else:
        assert read == "the Observation is not coded as a body weight (LOINC 29463-7)"


def test_one_junk_weight_beside_a_usable_one_never_silences_the_hook(server, ehrs):
    junk = weight_observation(60, when="2020-01-01T08:00:00Z")
    junk["valueQuantity"]["code"] = ["kg"]
    listed = weight_observation(50, when="2020-02-01T08:00:00Z")
    listed["status"] = ["final"]
    weight = searchset(weight_observation(70), junk, listed)
    card = only_card(server, ehrs[0], medication_request(rate=(350, "mg/h")), weight=weight)
    assert card["indicator"] == "critical"


def test_an_order_for_a_drug_the_rules_do_not_name_gets_no_card(server, ehrs):
    order = medication_request(text="Morphine 10 mg/mL (ketamine-free)", rate=(500, "mg/h"))
    order["medicationCodeableConcept"]["text"] = "Morphine 10 mg/mL"
    assert cards(server, ehrs[0], order, weight=OMIT) == []
    assert cards(server, ehrs[0], medication_request(text="Esketamine", rate=(500, "mg/h"))) == []
    for enantiomer in ("S-ketamine 25 mg/mL", "(R)-Ketamine", "S(+)ketamine"):
        assert cards(server, ehrs[0], medication_request(text=enantiomer, rate=(500, "mg/h"))) == []
    assert cards(server, ehrs[0], medication_request(text=None, rate=(500, "mg/h"))) == []


_JOINERS = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212)]+"
_APART = " \t(/,;:["


@given(
    before=st.text(alphabet="ESRarls()+ 0123456789", max_size=8),
    joiner=st.sampled_from([*_JOINERS, "es", "ar", "S", "levo"]),
    apart=st.sampled_from(["", *_APART]),
    case=st.sampled_from([str.lower, str.upper, str.title]),
    after=st.sampled_from(["", " 50 mg/mL", "-HCl", " (as hydrochloride)", "/midazolam", "."]),
)
def test_a_drug_is_named_by_its_word_standing_apart_never_joined_to_another(
    before, joiner, apart, case, after
):
    """S-ketamine, (R)-ketamine, esketamine: another substance, never read as ketamine; the
    word apart (at the start, after a space, a bracket, a slash, a comma) is ketamine."""
    drug = case("ketamine")
    assert not cds_hooks._names_drug([f"{before}{joiner}{drug}{after}"], "ketamine")
    if not before or apart:
        assert cds_hooks._names_drug([f"{before}{apart}{drug}{after}"], "ketamine")


def test_the_drug_is_read_from_a_codings_display_as_a_word_in_any_case(server, ehrs):
    order = medication_request(text=None, rate=(45, "mg/h"))
    order["medicationCodeableConcept"] = {"coding": [{"display": "KETAMINE HCl 50 mg/mL"}]}
    assert only_card(server, ehrs[0], order)["indicator"] == "warning"


def _not_checked(server: Served, ehr: FakeEHR, order: dict, **options: Any) -> str:
    card = only_card(server, ehr, order, **options)
    assert card["indicator"] == "info"
    assert "overrideReasons" not in card
    assert " not checked: " in card["summary"]
    assert card["summary"].startswith("ketamine ")
    assert SHA in card["detail"]
    assert dosecalc.DISCLAIMER in _plain(card["detail"])
    return card["summary"]


def test_an_order_not_per_kg_without_a_usable_weight_is_not_checked(server, ehrs):
    summary = _not_checked(server, ehrs[0], medication_request(), weight="null")
    assert "not checked: no usable weight (the EHR sent none)" in summary


ORDERED = {
    "coding": [
        {"system": "http://terminology.hl7.org/CodeSystem/dose-rate-type", "code": "ordered"}
    ]
}


def _with_entries(*entries: dict[str, Any]) -> dict[str, Any]:
    order = medication_request()
    order["dosageInstruction"][0]["doseAndRate"] = list(entries)
    return order


def _with_instruction(**changes: Any) -> dict[str, Any]:
    order = medication_request()
    order["dosageInstruction"][0].update(changes)
    return order


@pytest.mark.parametrize(
    ("order", "reason"),
    [
        (medication_request(route=None), "no route in the order"),
        (medication_request(route={"text": "intrathecal"}), "no rule for the order's route"),
        (
            medication_request(
                route={"coding": [{"system": "http://snomed.info/sct", "code": "1"}]}
            ),
            "no rule for the order's route",
        ),
        (medication_request(route={"text": "  "}), "no route in the order"),
        (
            medication_request(
                route={
                    "coding": [{"system": "http://snomed.info/sct", "code": "34206005"}],
                    "text": "iv",
                }
            ),
            "no rule for the order's route",
        ),
        (
            _with_entries(
                {"type": ORDERED, "rateQuantity": quantity(30, "mg/h")},
                {"type": ORDERED, "rateQuantity": quantity(300, "mg/h")},
            ),
            "more than one dose typed 'ordered'",
        ),
        (medication_request(instructions=[]), "no dose in the order"),
        (medication_request(rate=None), "no dose in the order"),
        (_with_instruction(doseAndRate=[]), "no dose in the order"),
        (
            medication_request(instructions=[{"route": IV_ROUTE}, {"route": IV_ROUTE}]),
            "more than one dosage instruction",
        ),
        (
            medication_request(entry={"rateRange": {"low": quantity(20, "mg/h")}}),
            "the dose is a range",
        ),
        (
            medication_request(entry={"doseRange": {"low": quantity(20, "mg")}}),
            "the dose is a range",
        ),
        (
            medication_request(entry={"rateQuantity": {"value": 35, "unit": "mg/h"}}),
            "the dose has no UCUM code",
        ),
        (
            medication_request(entry={"rateQuantity": {**quantity(35, "mg/h"), "system": "x"}}),
            "the dose has no UCUM code",
        ),
        (medication_request(rate=(35, "mg/h/m2")), "UCUM unit is not one dosecalc reads"),
        (medication_request(rate=(25, "mL/h")), "mL or mL/h"),
        (medication_request(rate=None, dose=(2, "mL")), "mL or mL/h"),
        (medication_request(rate=("35", "mg/h")), "the dose has no number dosecalc reads"),
        (medication_request(rate=(True, "mg/h")), "the dose has no number dosecalc reads"),
        (medication_request(rate=(1e300, "mg/h")), "the dose has no number dosecalc reads"),
        (medication_request(rate=(-35, "mg/h")), "not checked: dose:"),
        (medication_request(rate=(0, "mg/h")), "not checked: dose:"),
        (medication_request(rate=None, dose=(25, "mg")), "does not fit intravenous infusion"),
        (
            medication_request(
                entry={
                    "rateQuantity": quantity(35, "mg/h"),
                    "type": {"coding": [{"code": "calculated"}]},
                },
            ),
            None,  # the only entry, typed otherwise: read
        ),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_each_order_that_cannot_be_checked_is_an_info_card_saying_why(server, ehrs, order, reason):
    if reason is None:
        assert cards(server, ehrs[0], order) == []
        return
    summary = _not_checked(server, ehrs[0], order)
    assert reason in summary or reason[:60] in summary


def test_several_doses_none_typed_ordered_are_not_guessed_between(server, ehrs):
    order = medication_request()
    order["dosageInstruction"][0]["doseAndRate"] = [
        {"rateQuantity": quantity(35, "mg/h")},
        {"rateQuantity": quantity(450, "mg/h")},
    ]
    assert "none is typed 'ordered'" in _not_checked(server, ehrs[0], order)


def test_the_dose_typed_ordered_is_the_one_checked(server, ehrs):
    """The ordered 35 mg/h is checked (within), never the calculated 450 mg/h (a probable
    entry error, critical); the calculated figure, not checked, is said (an info card)."""
    order = medication_request()
    order["dosageInstruction"][0]["doseAndRate"] = [
        {"type": {"coding": [{"code": "calculated"}]}, "rateQuantity": quantity(450, "mg/h")},
        {"type": {"coding": [{"code": "ordered"}]}, "rateQuantity": quantity(35, "mg/h")},
    ]
    card = only_card(server, ehrs[0], order)
    assert card["indicator"] == "info"
    assert card["summary"].startswith("ketamine 35 mg/hr: not checked: the order's calculated")
    assert "found it within the range" in _plain(card["detail"])


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [
        (quantity(840, "mg"), quantity(24, "h"), []),
        (quantity(1200, "mg"), quantity(24, "h"), ["warning"]),
        (quantity(840, "mg"), quantity(1, "d"), []),
        (quantity(2, "mL"), quantity(1, "h"), ["info"]),
        (quantity(840, "mg"), quantity(24, "hours"), ["info"]),
    ],
)
def test_a_rate_ratio_is_read_as_an_amount_per_time(server, ehrs, numerator, denominator, expected):
    order = medication_request(rate=None)
    order["dosageInstruction"][0]["doseAndRate"][0]["rateRatio"] = {
        "numerator": numerator,
        "denominator": denominator,
    }
    assert [card["indicator"] for card in cards(server, ehrs[0], order)] == expected


@pytest.mark.parametrize(
    ("code", "value"),
    [("mg/(kg.h)", 0.4), ("ug/kg/min", 6), ("ug/h", 28000), ("mg/d", 700), ("mg/min", 0.5)],
)
def test_the_ucum_codes_dosecalc_reads_are_mapped(server, ehrs, code, value):
    assert cards(server, ehrs[0], medication_request(rate=(value, code))) == []


def test_the_route_text_is_read_as_regimen_reads_it(server, ehrs):
    order = medication_request(route={"text": "Sublingual"}, rate=None, dose=(75, "mg"))
    assert only_card(server, ehrs[0], order)["indicator"] == "warning"
    order = medication_request(route={"text": "IV"}, rate=(45, "mg/h"))
    assert only_card(server, ehrs[0], order)["indicator"] == "warning"


def test_a_unit_text_naming_another_unit_than_its_code_is_not_checked(server, ehrs):
    """The EHR shows "35 mg/min" and codes 35 mg/h: silence would say the dose the
    clinician saw was checked and within. Neither is checked, and the card says why."""
    order = medication_request(rate=None)
    order["dosageInstruction"][0]["doseAndRate"][0]["rateQuantity"] = quantity(
        35, "mg/h", unit="mg/min"
    )
    summary = _not_checked(server, ehrs[0], order)
    assert summary.endswith(f"not checked: {cds_hooks.UNIT_TEXT_DISAGREES}")
    order["dosageInstruction"][0]["doseAndRate"][0]["rateQuantity"] = quantity(
        35, "mg/h", unit="milligrams per hour"
    )
    assert cards(server, ehrs[0], order) == []


_MG: Final = {"mg": Fraction(1), "ug": Fraction(1, 1000), "g": Fraction(1000)}
_HOURS: Final = {
    "h": Fraction(1),
    "min": Fraction(1, 60),
    "d": Fraction(24),
    "(24.h)": Fraction(24),
}


def _meaning(code: str) -> tuple[Fraction, bool, bool]:
    """What a UCUM dose code means, worked out apart from dosecalc: mg per hour (or mg,
    without a time), per kg or not, per time or not."""
    amount, _, rest = code.partition("/")
    per_kg = rest.startswith(("kg", "(kg."))
    time = rest.removeprefix("(kg.").removesuffix(")") if rest.startswith("(kg.") else rest
    time = time.removeprefix("kg").removeprefix("/")
    hours = _HOURS.get(time)
    return (_MG[amount] / hours if hours else _MG[amount]), per_kg, hours is None


_SPELLINGS: Final = {"h": ["hr", "hour", "hours"], "min": ["minute"], "d": ["day", "24 hr"]}


@given(
    code=st.sampled_from(sorted(cds_hooks.DOSE_UNITS)),
    shown=st.sampled_from(sorted(cds_hooks.DOSE_UNITS)),
    as_code=st.booleans(),
    respelled=st.integers(0, 3),
)
@example(code="mg/d", shown="mg/(24.h)", as_code=True, respelled=0)  # written apart: one unit
def test_a_dose_is_read_only_when_its_unit_text_names_the_unit_of_its_code(
    code, shown, as_code, respelled
):
    """Each code beside the unit text of every code, as the EHR would write it (the UCUM
    code itself, or words the reader takes): read when the two name one unit (mg/d and
    mg/(24.h), mg/h and "mg/hr"), refused as disagreeing otherwise."""
    text = shown if as_code else cds_hooks.DOSE_UNITS[shown]
    for unit, spellings in _SPELLINGS.items():
        if not as_code and text.endswith(f"/{unit}") and respelled:
            text = text.removesuffix(unit) + spellings[respelled % len(spellings)]
    read = cds_hooks._quantity(quantity(35, code, unit=text), cds_hooks.DOSE_UNITS)
    if _meaning(code) == _meaning(shown):
        assert read == f"35 {cds_hooks.DOSE_UNITS[code]}"
    else:
        assert read == f"!{cds_hooks.UNIT_TEXT_DISAGREES}"


@given(
    code=st.sampled_from(sorted(cds_hooks.DOSE_UNITS)),
    text=st.one_of(
        st.sampled_from(sorted(cds_hooks.DOSE_UNITS.values())).flatmap(
            lambda said: st.sampled_from([f"{said}.", f"{said} (IV)", f"{said}\n"])
        ),
        strategies.json_values.filter(
            lambda value: value is not None and not isinstance(value, str)
        ),
        st.sampled_from(["ng/h", "units/h", "#", "㎍/h"]),
    ),
)
def test_a_unit_text_the_reader_cannot_take_is_never_read_as_agreeing(code, text):
    """ "mcg/hr." or "mg/kg/hr (IV)" beside mg/h, or a list: whatever it names, the
    clinician may have seen another dose than the code holds, so none is checked (and
    silence never says it was)."""
    dose = {**quantity(35, code), "unit": text}
    assert cds_hooks._quantity(dose, cds_hooks.DOSE_UNITS) == f"!{cds_hooks.UNIT_TEXT_DISAGREES}"


@pytest.mark.parametrize("absent", [None, "", "  "])
def test_a_dose_with_no_unit_text_is_read_by_its_code(absent):
    dose = quantity(35, "mg/h")
    dose["unit"] = absent
    assert cds_hooks._quantity(dose, cds_hooks.DOSE_UNITS) == "35 mg/h"
    del dose["unit"]
    assert cds_hooks._quantity(dose, cds_hooks.DOSE_UNITS) == "35 mg/h"


@pytest.mark.parametrize(
    ("code", "unit", "read"),
    [
        ("kg", "kilograms", "70 kg"),
        ("[lb_av]", "lbs", "70 lb"),
        ("kg", "lb", None),
        ("[lb_av]", "kg", None),
        ("g", "kg", None),
        ("kg", "[lb_av]", None),
        ("[lb_av]", "[lb_av]", "70 lb"),
        ("kg", "lbs.", None),  # text the reader cannot take is never read as agreeing
        ("kg", "[weird]", None),
    ],
)
def test_a_weight_is_read_only_when_its_unit_text_names_the_unit_of_its_code(code, unit, read):
    observation = weight_observation(70, code)
    observation["valueQuantity"]["unit"] = unit
    reading = cds_hooks._reading(observation, PATIENT)
    if read is None:
        assert reading == "the Observation's unit text and its UCUM code name different units"
    else:
        assert isinstance(reading, tuple)
        assert reading[1] == read


def test_order_sign_examines_every_medication_request_and_ignores_other_resources(server, ehrs):
    other = {"resourceType": "ServiceRequest", "id": "sr-1", "status": "draft"}
    found = cards(
        server,
        ehrs[0],
        medication_request("a", rate=(45, "mg/h")),
        other,
        medication_request("b", rate=(15, "mg/h")),
        medication_request("c", rate=(30, "mg/h")),
    )
    assert [c["indicator"] for c in per_order(found)] == ["warning", "warning"]
    assert len({c["uuid"] for c in found}) == 3
    (total,) = [c for c in found if c not in per_order(found)]  # the three, never added
    assert "(MedicationRequest c)" in total["detail"]


def test_order_select_examines_only_the_orders_selected(server, ehrs):
    orders = (
        medication_request("a", rate=(45, "mg/h")),
        medication_request("b", rate=(350, "mg/h")),
    )
    found = cards(server, ehrs[0], *orders, hook="order-select", selections=["MedicationRequest/b"])
    assert [c["indicator"] for c in per_order(found)] == ["critical"]
    assert cards(server, ehrs[0], *orders, hook="order-select", selections=[]) == []


@given(
    base=st.sampled_from(["", "https://ehr.example.org/fhir/", "http://10.0.0.1:8080/r4/"]),
    version=st.none() | st.integers(1, 10**6),
    order_id=st.from_regex(r"[A-Za-z0-9\-.]{1,64}", fullmatch=True),
)
@example(base="", version=1, order_id="a")
@example(base="https://ehr.example.org/fhir/", version=None, order_id="a")
def test_a_selection_names_its_order_relative_absolute_or_to_one_version(base, version, order_id):
    """FHIR writes a reference relative, absolute or to one version: each selects the draft
    order of that type and id (a 350 mg/h order's critical card), where anything but the
    relative form selected nothing and the answer was silence."""
    selection = f"{base}MedicationRequest/{order_id}" + (
        f"/_history/{version}" if version is not None else ""
    )
    body = hook_request(
        medication_request(order_id, rate=(350, "mg/h")),
        hook="order-select",
        selections=[selection],
    )
    issued = cds_hooks.answer(body, dosecalc.load_rules(), "http://x")
    assert [card.card["indicator"] for card in issued] == ["critical"]


@given(
    selection=st.sampled_from(
        [
            "MedicationRequest/b",
            "medicationrequest/a",
            "ServiceRequest/a",
            "MedicationRequest/a/b",
            "a",
            "",
            "#a",
            "https://ehr.example.org/fhir/MedicationRequest/b/_history/1",
        ]
    )
    | st.text(max_size=30),
    selected_first=st.booleans(),
)
def test_a_selection_that_names_no_draft_order_is_refused_never_passed_by(
    selection, selected_first
):
    """A selection that names no order of the draft orders (another id, another type, no
    reference at all) is a 400 OperationOutcome, whatever else is selected: it was passed
    by, and the answer {"cards": []} read as "checked and within"."""
    assume(not re.fullmatch(r"(https?://\S+/)?MedicationRequest/a(/_history/[\w\-.]+)?", selection))
    selections = ["MedicationRequest/a", selection]
    body = hook_request(
        medication_request("a", rate=(30, "mg/h")),
        hook="order-select",
        selections=selections if selected_first else selections[::-1],
    )
    with pytest.raises(cds_hooks.HookError) as refused:
        cds_hooks.answer(body, dosecalc.load_rules(), "http://x")
    assert refused.value.status == 400
    assert "names no order of context.draftOrders" in refused.value.text


def test_a_selection_of_another_kind_of_draft_order_is_examined_and_gets_no_card(server, ehrs):
    """A selected ServiceRequest is a draft order the rules name no drug of: no card, as for
    any drug the rules do not name; over HTTP, a selection naming nothing is a 400."""
    other = {"resourceType": "ServiceRequest", "id": "sr-1", "status": "draft"}
    orders = (medication_request("a", rate=(350, "mg/h")), other)
    assert (
        cards(server, ehrs[0], *orders, hook="order-select", selections=["ServiceRequest/sr-1"])
        == []
    )
    request = hook_request(*orders, hook="order-select", selections=["MedicationRequest/zz"])
    outcome = outcome_of(call(server, ehrs[0], request), 400)
    assert "context.selections[0]" in outcome["issue"][0]["details"]["text"]


# The weight prefetch


def test_the_weight_key_omitted_when_an_order_needs_a_weight_is_412_with_no_cards(server, ehrs):
    reply = call(server, ehrs[0], hook_request(medication_request(), weight=OMIT))
    outcome = outcome_of(reply, 412)
    assert "cards" not in reply.json()
    assert "weight" in outcome["issue"][0]["details"]["text"]


def test_the_patient_prefetch_is_never_needed(server, ehrs):
    request = hook_request(medication_request(rate=(45, "mg/h")), patient=None)
    assert call(server, ehrs[0], request).status == 200
    request = hook_request(
        medication_request(rate=(45, "mg/h")), patient={"resourceType": "Patient"}
    )
    assert call(server, ehrs[0], request).status == 200


def _years_old(born: datetime.date, on: datetime.date) -> int:
    """Whole years from ``born`` to ``on``, by the calendar (the test's own arithmetic)."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


@settings(max_examples=150)
@given(
    days=st.integers(-400, 40 * 366),
    given_as=st.sampled_from(["day", "month", "year", "none", "another patient's"]),
    rate=st.sampled_from(
        [(15, "mg/h"), (30, "mg/h"), (45, "mg/h"), (350, "mg/h"), (0.4, "mg/kg/h")]
    ),
    kg=st.sampled_from([45, 70]),
)
@example(days=18 * 365 + 3, given_as="day", rate=(30, "mg/h"), kg=70)  # 18 less a day or so
@example(days=10 * 365, given_as="day", rate=(15, "mg/h"), kg=45)  # the reviewer's 10-year-old
def test_an_order_for_a_child_is_never_checked_in_silence(days, given_as, rate, kg):
    """A Patient whose birthDate shows them under `CHILD_UNDER_YEARS` (18) today is a child,
    for whom the source gives no paediatric dosing: each order is "NOT CHECKED FOR THIS
    PATIENT" (a warning when outside even the source's range), or a stop that leads as for
    anyone with the child said first in its detail; never silence, never "within". A year
    or month alone counts only when its first day shows a child; no birthDate, or another
    patient's Patient, changes nothing. A 10-year-old's 15 mg/h at 45 kg was silence."""
    today = local_today()
    born = today - datetime.timedelta(days=days)
    patient: dict[str, Any] = {"resourceType": "Patient", "id": PATIENT}
    earliest = born
    if given_as == "day":
        patient["birthDate"] = born.isoformat()
    elif given_as == "month":
        patient["birthDate"] = born.isoformat()[:7]
        earliest = born.replace(day=1)
    elif given_as == "year":
        patient["birthDate"] = str(born.year)
        earliest = born.replace(month=1, day=1)
    elif given_as == "another patient's":
        patient |= {"id": "pat-2", "birthDate": born.isoformat()}
    child = given_as in ("day", "month", "year") and _years_old(earliest, today) < 18
    rules = dosecalc.load_rules()
    weight = searchset(weight_observation(kg))
    order = medication_request(rate=rate)
    found = [
        issued.card
        for issued in cds_hooks.answer(
            hook_request(order, weight=weight, patient=patient), rules, "http://x"
        )
    ]
    adult = [
        issued.card
        for issued in cds_hooks.answer(hook_request(order, weight=weight), rules, "http://x")
    ]
    if not child:
        assert [(c["indicator"], c["summary"]) for c in found] == [
            (c["indicator"], c["summary"]) for c in adult
        ]
        return
    (card,) = found
    said = _plain(card["summary"] + " " + card["detail"])
    assert "under 18 years old" in said
    assert "within" not in card["summary"]
    if adult and adult[0]["indicator"] == "critical":
        assert (card["indicator"], card["summary"]) == ("critical", adult[0]["summary"])
        assert _plain(card["detail"]).startswith("Not checked for this patient:")
    else:
        assert "NOT CHECKED FOR THIS PATIENT: under 18" in card["summary"]
        outside = bool(adult) and adult[0]["indicator"] == "warning"
        assert card["indicator"] == ("warning" if outside else "info")


@pytest.mark.parametrize(
    ("weight", "why"),
    [
        ("null", "the EHR sent none"),
        (searchset(), "no weight Observation was found"),
        (
            {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "x"}]},
            "the EHR could not fetch it",
        ),
        (searchset(weight_observation(status="entered-in-error")), "entered in error"),
        (searchset(weight_observation(status="preliminary")), "not final, amended or corrected"),
        (searchset(weight_observation(patient="someone-else")), "another patient's"),
        (searchset(weight_observation(70, "kg", system="http://example.org")), "no UCUM weight"),
        (searchset(weight_observation(70, "[stone_av]")), "no UCUM weight"),
        (searchset(weight_observation("70", "kg")), "no UCUM weight"),
        ({"resourceType": "Patient"}, "not a Bundle of Observations"),
        ([1, 2], "not a FHIR resource"),
        (searchset(weight_observation(2000, "kg")), "weight:"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_each_weight_that_is_not_usable_gives_an_info_card_when_a_weight_is_needed(
    server, ehrs, weight, why
):
    summary = _not_checked(server, ehrs[0], medication_request(rate=(45, "mg/h")), weight=weight)
    assert "no usable weight (" in summary
    assert why in summary or why in summary.replace("…", "")


_COMPARATORS = st.sampled_from(["<", "<=", ">=", ">", "ad"])


@given(
    comparator=_COMPARATORS,
    kg=st.integers(40, 150),
    per_kg=st.booleans(),
)
def test_a_weight_given_with_a_comparator_is_never_used_as_the_weight(comparator, kg, per_kg):
    """A weight of "<70 kg" (a bound, or "ad") is no weight of 70 kg: an order that needs one
    is not checked, one per kg is checked per kg with the patient unassessed, and each card
    says why. It was read as exact, and 30 mg/h against "<70 kg" was silence."""
    observation = weight_observation(kg)
    observation["valueQuantity"]["comparator"] = comparator
    rate = (0.4, "mg/kg/h") if per_kg else (30, "mg/h")
    body = hook_request(medication_request(rate=rate), weight=searchset(observation))
    (card,) = [issued.card for issued in cds_hooks.answer(body, dosecalc.load_rules(), "http://x")]
    assert card["indicator"] == "info"
    said = _plain(card["summary"] + " " + card["detail"])
    assert "no usable weight" in said
    assert "Weight used" not in said
    if not per_kg:
        assert "given with a comparator" in said
        assert said.startswith("ketamine 30 mg/hr: not checked: no usable weight")


@given(
    comparator=_COMPARATORS,
    place=st.sampled_from(["rateQuantity", "doseQuantity", "numerator", "denominator"]),
)
def test_a_dose_given_with_a_comparator_is_not_checked(comparator, place):
    """A dose of "<300 mg/h" is no dose as ordered (FHIR's SimpleQuantity allows no
    comparator): not checked, never checked as 300 mg/h."""
    if place in ("numerator", "denominator"):
        ratio = {"numerator": quantity(300, "mg"), "denominator": quantity(1, "h")}
        ratio[place]["comparator"] = comparator
        entry: dict[str, Any] = {"rateRatio": ratio}
    else:
        entry = {place: quantity(300, "mg/h" if place == "rateQuantity" else "mg")}
        entry[place]["comparator"] = comparator
    body = hook_request(medication_request(entry=entry))
    (card,) = [issued.card for issued in cds_hooks.answer(body, dosecalc.load_rules(), "http://x")]
    assert card["indicator"] == "info"
    assert "not checked: the dose" in card["summary"]
    assert "given with a comparator" in _plain(card["detail"])


@given(
    base=st.sampled_from(["", "https://ehr.example.org/fhir/", "http://10.0.0.1:8080/r4/"]),
    version=st.none() | st.integers(1, 10**6),
    same=st.booleans(),
)
@example(base="https://ehr.example.org/fhir/", version=None, same=True)
@example(base="", version=2, same=True)
def test_a_weights_subject_names_the_patient_relative_absolute_or_to_one_version(
    base, version, same
):
    """The weight's subject written absolute or to one version of the Patient is this
    patient's weight, used as such; it was called another patient's. Another id, however
    written, is still another patient's."""
    patient = PATIENT if same else "pat-2"
    observation = weight_observation()
    observation["subject"]["reference"] = f"{base}Patient/{patient}" + (
        f"/_history/{version}" if version is not None else ""
    )
    body = hook_request(medication_request(rate=(45, "mg/h")), weight=searchset(observation))
    (card,) = [issued.card for issued in cds_hooks.answer(body, dosecalc.load_rules(), "http://x")]
    said = _plain(card["detail"])
    if same:
        assert card["indicator"] == "warning"
        assert "Weight used: 70 kg, from 2026-12-01." in said
    else:
        assert "another patient's" in card["summary"]


def test_an_unusable_weight_leaves_an_order_per_kg_checked_per_kg_and_the_patient_unassessed(
    server, ehrs
):
    order = medication_request(rate=(0.45, "mg/kg/h"))
    (card,) = cards(server, ehrs[0], order, weight="null")
    assert_not_assessed(card)


@pytest.mark.parametrize(
    ("observations", "used"),
    [
        ((weight_observation(70000, "g"),), "70,000 g, from 2026-12-01"),
        ((weight_observation(154, "[lb_av]"),), "154 lb, from 2026-12-01"),
        (
            (
                weight_observation(80, when="2026-11-01T08:00:00Z"),
                weight_observation(70.0, when="2026-12-03"),
                weight_observation(60, when="2026-12-02T08:00:00+01:00"),
            ),
            "70 kg, from 2026-12-03",
        ),
        (
            (
                weight_observation(90, status="entered-in-error", when="2026-12-05"),
                weight_observation(70, status="amended", when="2026-12-01"),
            ),
            "70 kg, from 2026-12-01",
        ),
        (
            (weight_observation(70, status="corrected", when="not a date"),),
            f"70 kg, from {cds_hooks.UNDATED}",
        ),
    ],
)
def test_the_latest_usable_weight_is_used_and_said_with_its_date(server, ehrs, observations, used):
    card = only_card(
        server, ehrs[0], medication_request(rate=(45, "mg/h")), weight=searchset(*observations)
    )
    assert f"Weight used: {used}." in _plain(card["detail"])


@given(days=st.integers(min_value=2, max_value=10**5), kg=st.integers(min_value=40, max_value=150))
@example(days=26_691, kg=150)  # 2099-12-31, once used as the latest weight
def test_a_weight_dated_in_the_future_is_never_used_nor_taken_as_the_latest(server, ehrs, days, kg):
    future = (local_today() + datetime.timedelta(days=days)).isoformat()
    observations = (weight_observation(kg, when=future), weight_observation(70))
    order = medication_request(rate=(45, "mg/h"))
    card = only_card(server, ehrs[0], order, weight=searchset(*observations))
    assert "Weight used: 70 kg, from 2026-12-01." in _plain(card["detail"])
    (alone,) = cards(server, ehrs[0], order, weight=searchset(observations[0]))
    assert alone["indicator"] == "info"
    assert "in the future" in _plain(alone["detail"])
    assert "Weight used" not in _plain(alone["detail"])


def test_a_single_observation_as_the_prefetch_is_read_too(server, ehrs):
    card = only_card(
        server, ehrs[0], medication_request(rate=(45, "mg/h")), weight=weight_observation()
    )
    assert "Weight used: 70 kg" in _plain(card["detail"])


def test_the_answers_equal_the_cli_check(server, ehrs, run_cli):
    for dose in ("10 mg/h", "20.9 mg/h", "35 mg/h", "35.5 mg/h", "700 mg/h"):
        value = dose.split()[0]
        found = cards(server, ehrs[0], medication_request(rate=(float(value), "mg/h")))
        _code, out, _err = run_cli("check", "--weight", "70 kg", "--regimen", "iv", "--dose", dose)
        verdict = " ".join(out.split()).split("Verdict: ", 1)[1].split(" of ")[0]
        if not found:
            assert verdict == "WITHIN the range"
        else:
            assert f"Verdict: {verdict} of" in " ".join(_plain(found[0]["detail"]).split())


# Nothing from the request reaches a card


PLANTED = "<img src=x onerror=alert(1)>[click](https://evil.example)"


def test_nothing_from_the_request_is_copied_into_a_card(server, ehrs):
    order = medication_request(f"{PLANTED}-id", text=f"ketamine {PLANTED}", rate=(450, "mg/h"))
    order["dosageInstruction"][0]["text"] = PLANTED
    order["dosageInstruction"][0]["route"] = {"text": "iv"}
    request = hook_request(order)
    request["hookInstance"] = PLANTED
    # A unit text in the dose: not checked (it names no unit the code holds), and not copied.
    planted_unit = medication_request(text="ketamine", rate=(450, "mg/h"))
    planted_unit["dosageInstruction"][0]["doseAndRate"][0]["rateQuantity"]["unit"] = PLANTED
    # A route's display: not checked (it names no route the text names), and not copied.
    planted_route = medication_request(text="ketamine", rate=(450, "mg/h"))
    planted_route["dosageInstruction"][0]["route"] = {
        "text": "iv",
        "coding": [{"display": PLANTED}],
    }
    for sent, indicator in (
        (request, "critical"),
        (hook_request(planted_unit), "info"),
        (hook_request(planted_route), "info"),
    ):
        reply = call(server, ehrs[0], sent)
        assert reply.status == 200
        assert "evil" not in reply.text
        assert "onerror" not in reply.text
        assert "SECRET-ACCESS-TOKEN" not in reply.text
        (card,) = reply.json()["cards"]
        assert card["indicator"] == indicator


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(min_size=1, max_size=60))
def test_any_drug_text_beside_the_drugs_name_never_reaches_a_card(server, ehrs, text):
    marker = f"zq{abs(hash(text)) % 10**8}zq"
    order = medication_request(text=f"ketamine {marker}{text}", rate=(450, "mg/h"))
    reply = call(server, ehrs[0], hook_request(order))
    assert reply.status == 200
    assert marker not in reply.text


# Requests the service refuses


def test_the_service_answers_only_its_own_id_and_methods(server, ehrs):
    token = ehrs[0].token(f"{server.base}/cds-services/other")
    outcome_of(server.post_json("/cds-services/other", hook_request(), token), 404)
    wrong = server.request("GET", SERVICE)
    outcome_of(wrong, 405)
    assert "POST" in wrong.header("Allow")
    outcome_of(server.request("PUT", SERVICE, "{}"), 405)
    outcome_of(server.request("DELETE", "/cds-services"), 405)
    outcome_of(server.request("GET", FEEDBACK), 405)
    outcome_of(server.request("GET", f"{SERVICE}/anything/else"), 404)


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[1, 2]",
        "\xff",
        json.dumps({"hookInstance": "x", "context": {}}),
        json.dumps({**hook_request(), "hook": "patient-view"}),
        json.dumps({**hook_request(), "hook": 3}),
        json.dumps({**hook_request(), "hookInstance": 7}),
        json.dumps({**hook_request(), "context": []}),
        json.dumps({**hook_request(), "context": {"draftOrders": {"resourceType": "Bundle"}}}),
        json.dumps({**hook_request(), "prefetch": []}),
        json.dumps(
            {**hook_request(), "context": {"patientId": PATIENT, "draftOrders": {"entry": []}}}
        ),
        json.dumps(
            {
                **hook_request(),
                "context": {
                    "patientId": PATIENT,
                    "draftOrders": {"resourceType": "Bundle", "entry": {}},
                },
            }
        ),
        json.dumps(
            {
                **hook_request(),
                "hook": "order-select",
                "context": {"patientId": PATIENT, "draftOrders": {"resourceType": "Bundle"}},
            }
        ),
    ],
)
def test_a_request_that_is_not_a_hook_this_service_answers_is_400(server, ehrs, body):
    token = ehrs[0].token(f"{server.base}{SERVICE}")
    reply = server.request(
        "POST",
        SERVICE,
        body.encode("latin-1") if body == "\xff" else body,
        {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    outcome_of(reply, 400)


@settings(max_examples=15)
@given(
    over=st.integers(1, 3 * cds_hooks.MAX_DRAFT_ORDERS),
    ketamine=st.integers(0, 5),
    hook=st.sampled_from(cds_hooks.HOOKS),
)
def test_more_draft_orders_than_the_stated_limit_are_refused_whole(over, ketamine, hook):
    """A request of more draft orders than `MAX_DRAFT_ORDERS` (entries of any kind) is a 413
    naming the limit, never answered in part: 3,500 orders took seconds and answered with
    13 MB of cards."""
    count = cds_hooks.MAX_DRAFT_ORDERS + over
    orders = [medication_request(f"k{i}", rate=(350, "mg/h")) for i in range(ketamine)]
    orders += [
        {"resourceType": "ServiceRequest", "id": f"s{i}", "status": "draft"}
        for i in range(count - ketamine)
    ]
    body = hook_request(*orders, hook=hook)
    with pytest.raises(cds_hooks.HookError) as refused:
        cds_hooks.answer(body, dosecalc.load_rules(), "http://x")
    assert (refused.value.status, refused.value.code) == (413, "too-costly")
    assert f"at most {cds_hooks.MAX_DRAFT_ORDERS:,} in one request" in refused.value.text


def test_as_many_draft_orders_as_the_limit_are_all_answered(server, ehrs):
    orders = [
        medication_request(f"k{i}", rate=(350, "mg/h")) for i in range(cds_hooks.MAX_DRAFT_ORDERS)
    ]
    found = cards(server, ehrs[0], *orders)
    assert len(per_order(found)) == cds_hooks.MAX_DRAFT_ORDERS
    request = hook_request(*orders, medication_request("one-more"))
    outcome = outcome_of(call(server, ehrs[0], request), 413)
    assert outcome["issue"][0]["code"] == "too-costly"


@settings(max_examples=40)
@given(
    content_type=st.sampled_from(
        [
            None,
            "text/plain",
            "text/plain; charset=utf-8",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "application/fhir+json",
            "application/xml",
            "application/jsonx",
        ]
    )
    | st.from_regex(r"[a-z]{1,12}/[a-z+.\-]{1,20}", fullmatch=True),
    path=st.sampled_from([SERVICE, FEEDBACK]),
)
def test_a_body_not_sent_as_application_json_is_415_and_never_read(
    server, ehrs, content_type, path
):
    """CDS Hooks sends JSON as application/json: a hook or feedback sent as text/plain or a
    form (any other type, or none) is refused with a 415 OperationOutcome, its body unread;
    it was read as JSON whatever its type."""
    assume(content_type != "application/json")
    token = ehrs[0].token(f"{server.base}{path}")
    headers = {"Authorization": f"Bearer {token}"}
    if content_type is not None:
        headers["Content-Type"] = content_type
    body = hook_request(medication_request(rate=(350, "mg/h")))
    if path == FEEDBACK:
        body = {"feedback": [_entry(str(uuid.uuid4()))]}
    outcome = outcome_of(server.request("POST", path, json.dumps(body), headers), 415)
    assert "application/json" in outcome["issue"][0]["details"]["text"]


@pytest.mark.parametrize("content_type", ["application/json", "application/json; charset=utf-8"])
def test_a_body_sent_as_application_json_is_read(server, ehrs, content_type):
    reply = server.post_json(
        SERVICE,
        hook_request(medication_request(rate=(350, "mg/h"))),
        ehrs[0].token(f"{server.base}{SERVICE}"),
        **{"Content-Type": content_type},
    )
    assert [card["indicator"] for card in reply.json()["cards"]] == ["critical"]


@settings(max_examples=20)
@given(
    depth=st.integers(web_app.MAX_JSON_DEPTH, 20_000),
    digits=st.integers(4_301, 20_000),
    which=st.sampled_from(["nested", "long integer", "not UTF-8", "not JSON"]),
    path=st.sampled_from([SERVICE, FEEDBACK]),
)
def test_a_body_that_cannot_be_read_is_refused_with_its_own_reason(
    server, ehrs, depth, digits, which, path
):
    """Valid JSON nested more than `MAX_JSON_DEPTH` levels (1,000 was refused only past
    Python's recursion limit), or holding an integer of more digits than Python turns into
    a number, is refused saying so; it was called "not JSON in UTF-8", as were bytes that
    are not UTF-8 and text that is not JSON, each now said apart."""
    sent = json.dumps(hook_request(medication_request(rate=(350, "mg/h"))))
    said = {
        "nested": f"nests more than {web_app.MAX_JSON_DEPTH} levels deep",
        "long integer": "more than 4,300 digits",
        "not UTF-8": "not UTF-8",
        "not JSON": "not JSON",
    }[which]
    if which == "nested":
        sent = sent[:-1] + ', "extension": ' + "[" * depth + "]" * depth + "}"
    elif which == "long integer":
        sent = sent[:-1] + ', "extension": ' + "7" * digits + "}"
    elif which == "not JSON":
        sent = sent[:-1]
    body = sent.encode()
    if which == "not UTF-8":
        body = body.replace(b"Ketamine", b"K\xffetamine")
    headers = {
        "Authorization": f"Bearer {ehrs[0].token(f'{server.base}{path}')}",
        "Content-Type": "application/json",
    }
    reply = server.request("POST", path, body, headers)
    outcome = outcome_of(reply, 400)
    text_said = outcome["issue"][0]["details"]["text"]
    assert said in text_said
    assert "not JSON in UTF-8" not in text_said


def test_json_nested_as_deep_as_the_limit_is_read(server, ehrs):
    request = hook_request(medication_request(rate=(350, "mg/h")))
    depth = web_app.MAX_JSON_DEPTH - 1  # under the request's own object
    sent = json.dumps(request)[:-1] + ', "extension": ' + "[" * depth + "]" * depth + "}"
    headers = {
        "Authorization": f"Bearer {ehrs[0].token(f'{server.base}{SERVICE}')}",
        "Content-Type": "application/json",
    }
    reply = server.request("POST", SERVICE, sent, headers)
    assert [card["indicator"] for card in reply.json()["cards"]] == ["critical"]


def test_a_null_prefetch_is_no_prefetch(server, ehrs):
    request = {**hook_request(medication_request(rate=(0.45, "mg/kg/h"))), "prefetch": None}
    (card,) = call(server, ehrs[0], request).json()["cards"]
    assert_not_assessed(card)


def test_a_body_over_1_mib_is_413_before_it_is_read(server, ehrs):
    token = ehrs[0].token(f"{server.base}{SERVICE}")
    big = json.dumps({**hook_request(), "padding": "x" * (1024 * 1024)})
    outcome_of(server.post_json(SERVICE, json.loads(big), token), 413)


def test_without_a_trust_file_there_is_no_cds_hooks_service(ehrs):
    with served(dosecalc.load_rules()) as bare:
        outcome_of(bare.request("GET", "/cds-services"), 404)
        outcome_of(
            bare.post_json(SERVICE, hook_request(), ehrs[0].token(f"{bare.base}{SERVICE}")), 404
        )
        outcome_of(bare.request("GET", "/cds-services/anything"), 404)


def test_a_host_that_is_not_the_servers_own_is_403(server):
    reply = server.request("GET", "/cds-services", headers={"Host": "evil.example:80"})
    outcome_of(reply, 403)
    origin = {"Host": "evil.example:80", "Origin": ALLOWED_ORIGIN}
    reply = server.request("GET", "/cds-services", headers=origin)
    outcome_of(reply, 403)
    assert reply.header("Access-Control-Allow-Origin") == ALLOWED_ORIGIN


def test_an_internal_error_is_500_with_no_traceback(server, ehrs, monkeypatch):
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom at /secret/path")

    monkeypatch.setattr(cds_hooks, "answer", broken)
    reply = call(server, ehrs[0], hook_request())
    outcome = outcome_of(reply, 500)
    assert "boom" not in reply.text
    assert outcome["issue"][0]["code"] == "exception"
    assert server.logged[-1].startswith("dosecalc: internal error on")
    assert "boom" not in server.logged[-1]


# §4.3.2: tokens


def _sole_401(server: Served, reply: Reply) -> None:
    outcome = outcome_of(reply, 401)
    assert reply.header("WWW-Authenticate").startswith("Bearer")
    assert outcome == {
        "resourceType": "OperationOutcome",
        "issue": [
            {
                "severity": "error",
                "code": "login",
                "details": {
                    "text": "the request needs a valid bearer token from an issuer this service "
                    "trusts"
                },
            }
        ],
    }


def _hmac_with_public_key(ehr: FakeEHR, aud: str) -> str:
    """The classic confusion: HS256 keyed with the issuer's public key."""
    import base64
    import hashlib
    import hmac

    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    secret = json.dumps(ehr.public_jwk).encode()
    signing = f"{part({'alg': 'HS256', 'kid': ehr.kid, 'typ': 'JWT'})}.{part(ehr.claims(aud))}"
    signature = hmac.new(secret, signing.encode(), hashlib.sha256).digest()
    return f"{signing}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


def _unsigned(ehr: FakeEHR, aud: str) -> str:
    return jwt.encode(ehr.claims(aud), None, algorithm="none", headers={"kid": ehr.kid})


def _token_failures(server: Served, ec: FakeEHR, rs: FakeEHR) -> dict[str, str | None]:
    aud = f"{server.base}{SERVICE}"
    now = int(time.time())
    stranger = FakeEHR("https://stranger.example", "ES384")
    impostor = FakeEHR(EHR_ISS, "ES384")  # the right iss and kid, another key
    return {
        "alg none": _unsigned(ec, aud),
        "HS256 keyed with the public key": _hmac_with_public_key(ec, aud),
        "unknown kid": ec.token(aud, headers={"kid": "no-such-key"}),
        "no kid": ec.token(aud, headers={"kid": DROP}),
        "kty does not fit alg": ec.token(aud, alg="RS384", key=rs.private),
        "the JWK states another alg": ec.token(
            aud, alg="ES512", key=FakeEHR(EHR_ISS, "ES512").private
        ),
        "another curve": ec.token(aud, alg="ES256", key=FakeEHR(EHR_ISS, "ES256").private),
        "RSA key for PS384 when the JWK says RS384": rs.token(aud, alg="PS384"),
        "typ not JWT": ec.token(aud, headers={"typ": "at+jwt"}),
        "signed by another key": impostor.token(aud, headers={"kid": ec.kid}),
        "wrong aud": ec.token(f"{server.base}/cds-services/other"),
        "the feedback aud on the service": ec.token(f"{server.base}{FEEDBACK}"),
        "aud another host": ec.token(aud.replace("127.0.0.1", "localhost")),
        "no aud": ec.token(aud, aud=DROP),
        "expired": ec.token(aud, exp=now - LEEWAY_SECONDS - 5, iat=now - 600),
        "no exp": ec.token(aud, exp=DROP),
        "iat in the future": ec.token(aud, iat=now + LEEWAY_SECONDS + 30),
        "no iat": ec.token(aud, iat=DROP),
        "nbf in the future": ec.token(aud, nbf=now + LEEWAY_SECONDS + 30),
        "no jti": ec.token(aud, jti=DROP),
        "empty jti": ec.token(aud, jti=""),
        "unknown iss": stranger.token(aud),
        "no iss": ec.token(aud, iss=DROP),
        "iss of the other issuer": ec.token(aud, iss=SANDBOX_ISS),
        "not a token": "not-a-token",
        "two parts": "abc.def",
        "no header": None,
    }


FAILURES = [
    "alg none",
    "HS256 keyed with the public key",
    "unknown kid",
    "no kid",
    "kty does not fit alg",
    "the JWK states another alg",
    "another curve",
    "RSA key for PS384 when the JWK says RS384",
    "typ not JWT",
    "signed by another key",
    "wrong aud",
    "the feedback aud on the service",
    "aud another host",
    "no aud",
    "expired",
    "no exp",
    "iat in the future",
    "no iat",
    "nbf in the future",
    "no jti",
    "empty jti",
    "unknown iss",
    "no iss",
    "iss of the other issuer",
    "not a token",
    "two parts",
    "no header",
]


@pytest.mark.parametrize("failure", FAILURES)
def test_every_token_failure_is_the_same_401_and_its_reason_goes_to_the_log_only(
    server, ehrs, failure
):
    token = _token_failures(server, *ehrs)[failure]
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    before = len(server.logged)
    reply = server.request("POST", SERVICE, json.dumps(hook_request()), headers)
    _sole_401(server, reply)
    (logged,) = server.logged[before:]
    assert logged.startswith("dosecalc: refused a token on /cds-services/dosecalc-order-check: ")
    if token is not None and len(token) > 20:
        assert token not in logged
        assert all(part not in logged for part in token.split(".") if part)


@pytest.mark.parametrize("scheme", ["Basic", "Token", "Bearer", "Bearer  ", "JWT"])
def test_a_header_not_of_the_bearer_scheme_is_401(server, ehrs, scheme):
    token = ehrs[0].token(f"{server.base}{SERVICE}")
    value = f"{scheme} {token}" if scheme not in ("Bearer", "Bearer  ") else scheme
    reply = server.request("POST", SERVICE, json.dumps(hook_request()), {"Authorization": value})
    _sole_401(server, reply)


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER", "bEaReR"])
def test_the_bearer_scheme_is_case_insensitive(server, ehrs, scheme):
    token = ehrs[0].token(f"{server.base}{SERVICE}")
    headers = {"Authorization": f"{scheme} {token}", "Content-Type": "application/json"}
    reply = server.request("POST", SERVICE, json.dumps(hook_request()), headers)
    assert reply.status == 200


@pytest.mark.parametrize("which", [0, 1])
def test_es384_and_rs384_both_work_inline_and_from_a_jwks_file(server, ehrs, which):
    assert call(server, ehrs[which], hook_request()).status == 200


def test_an_audience_array_that_contains_the_url_is_accepted(server, ehrs):
    aud = [f"{server.base}/other", f"{server.base}{SERVICE}"]
    reply = server.post_json(SERVICE, hook_request(), ehrs[0].token(aud))
    assert reply.status == 200


def test_clocks_within_60_seconds_are_forgiven(server, ehrs):
    now = int(time.time())
    token = ehrs[0].token(f"{server.base}{SERVICE}", exp=now - 30, iat=now + 30, nbf=now + 30)
    assert server.post_json(SERVICE, hook_request(), token).status == 200


def test_a_replayed_jti_is_401(server, ehrs):
    token = ehrs[1].token(f"{server.base}{SERVICE}")
    assert server.post_json(SERVICE, hook_request(), token).status == 200
    _sole_401(server, server.post_json(SERVICE, hook_request(), token))
    again = ehrs[1].token(
        f"{server.base}{SERVICE}", jti=jwt.decode(token, options={"verify_signature": False})["jti"]
    )
    _sole_401(server, server.post_json(SERVICE, hook_request(), again))


def test_a_jku_is_never_fetched(server, ehrs):
    token = ehrs[0].token(
        f"{server.base}{SERVICE}", headers={"jku": "http://127.0.0.1:9/jwks.json", "kid": "x"}
    )
    _sole_401(server, server.post_json(SERVICE, hook_request(), token))


def test_tokens_and_bodies_are_never_logged(server, ehrs):
    before = len(server.logged)
    token = ehrs[0].token(f"{server.base}/elsewhere")
    server.post_json(SERVICE, hook_request(), token)
    call(server, ehrs[0], hook_request(medication_request(rate=(450, "mg/h"))))
    logged = "\n".join(server.logged[before:])
    assert token not in logged
    assert "SECRET-ACCESS-TOKEN" not in logged
    assert "ketamine" not in logged.lower()


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_change_to_a_valid_token_gets_the_same_401(server, ehrs, data):
    token = ehrs[data.draw(st.sampled_from([0, 1]))].token(f"{server.base}{SERVICE}")
    position = data.draw(st.integers(0, len(token) - 1))
    replacement = data.draw(
        st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
    )
    mutated = token[:position] + replacement + token[position + 1 :]
    if mutated == token or _same_bytes(token, mutated):
        return
    _sole_401(server, server.post_json(SERVICE, hook_request(), mutated))


def _same_bytes(token: str, mutated: str) -> bool:
    """A change in a base64url part's last character may leave its bytes as they were."""
    import base64

    def decoded(text: str) -> list[bytes | None]:
        parts = []
        for part in text.split("."):
            try:
                parts.append(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
            except ValueError:
                parts.append(None)
        return parts

    return decoded(token) == decoded(mutated)


# §4.3.6: feedback


def _feedback(server: Served, ehr: FakeEHR, entries: list[dict]) -> Reply:
    return server.post_json(FEEDBACK, {"feedback": entries}, ehr.token(f"{server.base}{FEEDBACK}"))


def _entry(card_id: str, /, **changes: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "card": card_id,
        "outcome": "overridden",
        "outcomeTimestamp": "2026-12-06T10:00:00Z",
        "overrideReason": {
            "reason": {
                "system": cds_hooks.OVERRIDE_SYSTEM,
                "code": "expert-contradicts",
                "display": "Advice from expert contradicts the recommended action",
            },
            "userComment": "palliative team agreed",
        },
    }
    entry.update(changes)
    return {k: v for k, v in entry.items() if v is not DROP}


def _log_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_feedback_on_a_card_this_process_issued_is_logged_with_the_card(server, ehrs, feedback_log):
    request = hook_request(medication_request(rate=(45, "mg/h")))
    card = call(server, ehrs[0], request).json()["cards"][0]
    before = len(_log_lines(feedback_log))
    token = ehrs[1].token(f"{server.base}{FEEDBACK}")
    entry = _entry(card["uuid"])
    reply = server.post_json(FEEDBACK, {"feedback": [entry]}, token)
    assert 200 <= reply.status < 300
    (line,) = _log_lines(feedback_log)[before:]
    assert {k: line[k] for k in entry} == entry
    assert line["iss"] == SANDBOX_ISS
    assert line["service"] == "dosecalc-order-check"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", line["received"])
    assert line["hook"] == "order-sign"
    assert line["hookInstance"] == request["hookInstance"]
    assert (line["indicator"], line["summary"]) == (card["indicator"], card["summary"])
    assert line["rules_version"] == dosecalc.load_rules().version
    assert line["rules_sha256"] == SHA
    assert token not in feedback_log.read_text()
    assert stat.S_IMODE(os.stat(feedback_log).st_mode) == 0o600


_CONTROLS: Final = ("Cc", "Cf", "Cs", "Co", "Zl", "Zp")


@settings(max_examples=40)
@given(
    comment=st.text(st.characters(categories=_CONTROLS) | st.characters(codec="utf-8"), min_size=1)
)
@example(comment="agreed\u202e ,dedirrevo ton")
@example(comment="line one\u2028line two\x1b[2J")
@example(comment="\udc80")
def test_feedback_comments_are_logged_with_every_control_character_escaped(
    server, ehrs, feedback_log, comment
):
    """A userComment holding U+202E (which reorders what a terminal shows), U+2028 (which
    splits a line for many readers), an escape sequence or a lone surrogate is logged as
    its \\uXXXX escape, one line of JSON that reads back as the comment sent: U+202E was
    written raw, and a lone surrogate could not be written at all."""
    entry = _entry(str(uuid.uuid4()))
    entry["overrideReason"]["userComment"] = comment
    before = feedback_log.read_bytes() if feedback_log.exists() else b""
    assert _feedback(server, ehrs[0], [entry]).status == 200
    written = feedback_log.read_bytes()[len(before) :].decode("utf-8")
    assert written.endswith("\n")
    assert not any(unicodedata.category(c) in _CONTROLS for c in written[:-1])
    assert json.loads(written)["overrideReason"]["userComment"] == comment


def test_feedback_on_an_unknown_card_is_logged_without_the_cards_fields(server, ehrs, feedback_log):
    before = len(_log_lines(feedback_log))
    accepted = _entry(
        str(uuid.uuid4()),
        outcome="accepted",
        overrideReason=DROP,
        acceptedSuggestions=[{"id": "s"}],
    )
    comment_only = _entry(str(uuid.uuid4()), overrideReason={"userComment": "seen"})
    assert _feedback(server, ehrs[0], [accepted, comment_only]).status == 200
    lines = _log_lines(feedback_log)[before:]
    assert [line["card"] for line in lines] == [accepted["card"], comment_only["card"]]
    for line in lines:
        assert "hook" not in line
        assert "rules_sha256" not in line
        assert line["iss"] == EHR_ISS
    assert lines[0]["acceptedSuggestions"] == [{"id": "s"}]


@pytest.mark.parametrize(
    "entries",
    [
        [_entry("not-a-uuid")],
        [_entry(str(uuid.uuid4()), card=DROP)],
        [_entry(str(uuid.uuid4()), outcome="ignored")],
        [_entry(str(uuid.uuid4()), outcomeTimestamp="2026-12-06 10:00")],
        [_entry(str(uuid.uuid4()), outcomeTimestamp="2026-12-06T10:00:00+01:00")],
        [_entry(str(uuid.uuid4()), outcomeTimestamp="yesterday")],
        [_entry(str(uuid.uuid4()), outcomeTimestamp=DROP)],
        [_entry(str(uuid.uuid4()), outcome="accepted", overrideReason=DROP)],
        [_entry(str(uuid.uuid4()), outcome="accepted", acceptedSuggestions=[{"x": 1}])],
        [_entry(str(uuid.uuid4()), overrideReason=DROP)],
        [_entry(str(uuid.uuid4()), overrideReason={})],
        [_entry(str(uuid.uuid4()), overrideReason={"reason": "expert"})],
        [_entry(str(uuid.uuid4()), overrideReason={"reason": {"code": "x"}, "userComment": 3})],
        [_entry(str(uuid.uuid4())), "not an object"],
        [],
    ],
)
def test_feedback_not_as_the_spec_requires_is_400_and_nothing_is_logged(
    server, ehrs, feedback_log, entries
):
    before = _log_lines(feedback_log)
    outcome_of(_feedback(server, ehrs[0], entries), 400)
    assert _log_lines(feedback_log) == before


def test_feedback_that_is_not_a_feedback_object_is_400(server, ehrs):
    token = ehrs[0].token(f"{server.base}{FEEDBACK}")
    outcome_of(server.post_json(FEEDBACK, [1], token), 400)


def test_feedback_needs_a_token_for_the_feedback_url(server, ehrs):
    entries = {"feedback": [_entry(str(uuid.uuid4()))]}
    _sole_401(server, server.post_json(FEEDBACK, entries, ehrs[0].token(f"{server.base}{SERVICE}")))
    _sole_401(server, server.post_json(FEEDBACK, entries))


def test_feedback_without_a_log_is_answered_and_kept_nowhere(ehrs, trust_file, tmp_path):
    with served(dosecalc.load_rules(), trust_file) as bare:
        assert _feedback(bare, ehrs[0], [_entry(str(uuid.uuid4()))]).status == 200
    assert list(tmp_path.iterdir()) == []


# §4.3.7: CORS


@pytest.mark.parametrize("path", ["/cds-services", SERVICE, FEEDBACK])
def test_a_preflight_from_an_allowed_origin_is_answered_without_a_token(server, path):
    reply = server.request(
        "OPTIONS",
        path,
        headers={
            "Origin": ALLOWED_ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert 200 <= reply.status < 300
    assert reply.header("Access-Control-Allow-Origin") == ALLOWED_ORIGIN
    methods = {m.strip() for m in reply.header("Access-Control-Allow-Methods").split(",")}
    assert {"GET", "POST"} <= methods
    allowed = {h.strip().lower() for h in reply.header("Access-Control-Allow-Headers").split(",")}
    assert {"authorization", "content-type"} <= allowed
    assert "Origin" in reply.header("Vary")


def test_every_answer_to_an_allowed_origin_carries_its_cors_headers(server, ehrs):
    origin = {"Origin": ALLOWED_ORIGIN}
    answers = [
        server.request("GET", "/cds-services", headers=origin),
        server.post_json(SERVICE, hook_request(), None, **origin),
        server.post_json(
            SERVICE, hook_request(), ehrs[0].token(f"{server.base}{SERVICE}"), **origin
        ),
        server.request(
            "POST",
            SERVICE,
            "x",
            {
                "Authorization": f"Bearer {ehrs[0].token(f'{server.base}{SERVICE}')}",
                "Content-Type": "application/json",
                **origin,
            },
        ),
        server.request("GET", SERVICE, headers=origin),
    ]
    assert [a.status for a in answers] == [200, 401, 200, 400, 405]
    for reply in answers:
        assert reply.header("Access-Control-Allow-Origin") == ALLOWED_ORIGIN
        assert "Origin" in reply.header("Vary")


@pytest.mark.parametrize(
    "origin", ["https://evil.example", "null", "https://ehr.example.org.evil.example", "*"]
)
def test_any_other_origin_gets_no_cors_header(server, ehrs, origin):
    preflight = server.request(
        "OPTIONS", SERVICE, headers={"Origin": origin, "Access-Control-Request-Method": "POST"}
    )
    called = server.post_json(
        SERVICE, hook_request(), ehrs[0].token(f"{server.base}{SERVICE}"), Origin=origin
    )
    for reply in (preflight, called):
        assert not any(k.lower().startswith("access-control-") for k in reply.headers)
        assert "*" not in json.dumps(reply.headers)


def _plain(markdown: str) -> str:
    """A card's Markdown as read: its escapes undone, its emphasis dropped."""
    return re.sub(r"\\(.)", r"\1", markdown.replace("**", ""))


def _has_the_whole_basis(card: dict[str, Any]) -> None:
    detail = _plain(card["detail"])
    rules = dosecalc.load_rules()
    for part in (
        "Formula:",
        "ketamine-overview.txt, section 'Ketamine in Palliative Care'",
        rules.version,
        rules.sha256,
        "confusion, nausea, dizziness, blurred vision",
        "palliative care specialist",
        dosecalc.DISCLAIMER,
    ):
        assert part in detail, part
    assert card["source"]["label"] == (
        "ketamine-overview.txt, section 'Ketamine in Palliative Care', Table 1; "
        f"dosecalc rules {rules.version}"
    )
    assert "url" not in card["source"]


# The less travelled paths, one by one


@pytest.mark.parametrize(
    ("order", "reason"),
    [
        (medication_request(entry=3), "no dose in the order"),  # type: ignore[arg-type]
        (medication_request(entry={"rateQuantity": 3}), "no dose in the order"),
        (medication_request(entry={"rateRatio": 3}), "no dose in the order"),
        (medication_request(rate=(float("nan"), "mg/h")), "no number dosecalc reads"),
    ],
    ids=["entry", "quantity", "ratio", "nan"],
)
def test_malformed_parts_of_an_order_are_not_checked(server, ehrs, order, reason):
    assert reason in _not_checked(server, ehrs[0], order)


def test_a_route_coding_that_is_not_an_object_is_passed_by(server, ehrs):
    order = medication_request(route={"coding": [3, {"code": "x"}], "text": "sl"}, rate=(70, "mg"))
    assert only_card(server, ehrs[0], order)["indicator"] == "warning"


def test_a_coding_without_a_display_names_no_drug(server, ehrs):
    order = medication_request(text=None, rate=(450, "mg/h"))
    order["medicationCodeableConcept"] = {"coding": [{"code": "123"}, "x"]}
    assert cards(server, ehrs[0], order) == []


@given(
    code=st.text(alphabet="0123456789", min_size=1, max_size=9),
    text=st.sampled_from(["iv", "sl", "intravenous infusion", "buccal", "sublingual", ""]),
)
def test_a_coded_route_the_rules_do_not_have_is_no_rule_whatever_its_text(code, text):
    """A SNOMED CT route no regimen of the drug codes (subcutaneous, oral) is never read as
    the route its text names (the IV range for an order coded subcutaneous)."""
    rules = dosecalc.load_rules()
    known = {c.code for regimen in rules.regimens for c in regimen.route_codes}
    route = {"coding": [{"system": "http://snomed.info/sct", "code": code}], "text": text}
    found = cds_hooks._regimen(route, list(rules.regimens), rules)
    if code in known:
        assert found in rules.regimens
        assert code in {c.code for c in found.route_codes}
    else:
        assert found == "no rule for the order's route"


@given(
    spelling=st.sampled_from([str.lower, str.upper, str.title, str.capitalize]),
    suffix=st.sampled_from(["", " route"]),
    pad=st.sampled_from(["", " ", "  "]),
)
def test_a_route_text_that_is_the_display_of_a_rules_route_code_names_its_regimen(
    spelling, suffix, pad
):
    """A route given as text alone, as the route code's display ("Intravenous route") or
    without SNOMED's trailing "route" ("intravenous"), names the regimen that code is of,
    in any case; a display two of the drug's regimens share names neither."""
    rules = dosecalc.load_rules()
    for regimen in rules.regimens:
        for code in regimen.route_codes:
            said = code.display.removesuffix(" route") + suffix
            found = cds_hooks._regimen({"text": pad + spelling(said) + pad}, [regimen], rules)
            assert found == regimen
    iv = rules.find("iv")
    twin = iv.model_copy(update={"id": "iv-twin", "aliases": ("iv-twin",), "route": "iv twin"})
    both = RuleSet(rules.path, rules.files, (*rules.regimens, twin))
    found = cds_hooks._regimen({"text": spelling("intravenous" + suffix)}, [iv, twin], both)
    assert found == "the order's route names more than one rule (iv-infusion, iv-twin)"


def test_a_route_that_names_another_drugs_regimen_is_no_rule_for_it():
    rules = dosecalc.load_rules()
    assert cds_hooks._regimen({"text": "iv"}, [], rules) == "no rule for the order's route"


def test_a_dose_per_kg_out_of_range_without_a_weight_says_it_was_checked_per_kg(server, ehrs):
    card = only_card(server, ehrs[0], medication_request(rate=(0.6, "mg/kg/h")), weight=OMIT)
    assert card["indicator"] == "warning"
    detail = _plain(card["detail"])
    assert "Checked per kg without a weight" in detail
    assert "Range for this patient" not in detail
    assert "Range at this weight" not in detail


def test_a_weight_the_library_cannot_read_is_no_usable_weight(server, ehrs):
    weight = searchset(weight_observation(0, "kg"))
    summary = _not_checked(server, ehrs[0], medication_request(rate=(45, "mg/h")), weight=weight)
    assert "no usable weight (weight:" in summary


def test_only_the_latest_cards_are_remembered_for_feedback(server, ehrs, monkeypatch):
    from dosecalc.faces import web_app

    monkeypatch.setattr(web_app, "REMEMBERED_CARDS", 1)
    first = call(server, ehrs[0], hook_request(medication_request(rate=(45, "mg/h"))))
    second = call(server, ehrs[0], hook_request(medication_request(rate=(15, "mg/h"))))
    remembered = server.service._cards
    assert list(remembered) == [second.json()["cards"][0]["uuid"]]
    assert first.json()["cards"][0]["uuid"] not in remembered


def test_an_override_reason_that_is_not_a_coding_is_400(server, ehrs):
    entry = _entry(str(uuid.uuid4()), overrideReason={"reason": "x", "userComment": "ok"})
    outcome_of(_feedback(server, ehrs[0], [entry]), 400)


def test_the_server_logs_to_stderr_by_default(capsys):
    from dosecalc.faces import web_app

    web_app._to_stderr("dosecalc: a line")
    assert capsys.readouterr().err == "dosecalc: a line\n"


def test_a_jti_is_kept_until_its_token_expires_then_forgotten(trust_file):
    from dosecalc.faces.trust import TokenError, load_trust

    trust = load_trust(trust_file)
    now = 1_000_000.0
    claims = {"iat": now, "exp": now + 10, "jti": "j"}
    trust._first_use(EHR_ISS, claims, now)
    with pytest.raises(TokenError, match="replay"):
        trust._first_use(EHR_ISS, claims, now + 5)
    later = now + 10 + LEEWAY_SECONDS + 1
    trust._first_use(EHR_ISS, {**claims, "iat": later, "exp": later + 10}, later)
    with pytest.raises(TokenError, match="iat is in the future"):
        trust._first_use(EHR_ISS, {**claims, "iat": later + 600, "jti": "k"}, later)


def test_a_key_whose_curve_does_not_fit_the_algorithm_is_refused(ehrs):
    from dosecalc.faces.trust import TokenError, _key_for

    jwk = {k: v for k, v in ehrs[0].public_jwk.items() if k != "alg"}
    with pytest.raises(TokenError, match="curve"):
        _key_for(jwk, "ES256")


def test_with_debug_an_internal_errors_traceback_goes_to_the_log_only(monkeypatch):
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    with served(dosecalc.load_rules()) as live:
        live.service._debug = True
        monkeypatch.setattr(cds_hooks, "discovery", broken)
        monkeypatch.setattr("dosecalc.faces.html_face.answer", broken)
        reply = live.request("GET", "/?regimen=iv")
        assert reply.status == 500
        assert "boom" not in reply.text
        assert "Traceback" in live.logged[-1]
        assert "RuntimeError: boom" in live.logged[-1]


def test_a_dose_not_per_kg_against_a_range_per_kg_needs_the_weight_whatever_its_kind(library, ehrs):
    bolus = medication_request(
        text="fictivane", route={"text": "intravenous bolus"}, rate=None, dose=(50, "mg")
    )
    outcome_of(call(library, ehrs[0], hook_request(bolus, weight=OMIT)), 412)
    per_kg = medication_request(
        text="fictivane", route={"text": "intravenous bolus"}, rate=None, dose=(0.75, "mg/kg")
    )
    (card,) = cards(library, ehrs[0], per_kg, weight=OMIT)  # checked per kg, no 412
    assert card["indicator"] == "info"
    assert "not compared with the library's maximum per 24 hours" in _plain(card["detail"])
    # 50 mg for 70 kg: 0.714 mg/kg, within; once a day, within the maximum per 24 hours.
    bolus["dosageInstruction"][0]["timing"] = {
        "repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}
    }
    assert cards(library, ehrs[0], bolus) == []


# Any finite JSON number the CLI would read is read (the dose and the weight)


def _plain_decimals(value: float) -> str:
    """A float as the CLI is given it: its shortest repr, in plain decimals."""
    return format(Decimal(repr(value)), "f")


def _kind(found: list[dict]) -> str:
    """A card's kind: none, or its indicator, "not checked" for an info card saying so."""
    if not found:
        return "none"
    (card,) = found
    return "not checked" if " not checked: " in card["summary"] else card["indicator"]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(dose=strategies.float_doses(), kg=strategies.float_weights())
@example(dose=(0.45000000000000007, "mg/kg/h"), kg=70.0)
@example(dose=(450.00000000000006, "mg/h"), kg=70.0)
@example(dose=(33.333333333333336, "mg/h"), kg=70.00000000000001)
def test_a_float_dose_gets_the_card_the_cli_check_of_its_exact_text_gives(server, ehrs, dose, kg):
    value, code = dose
    weight = searchset(weight_observation(kg, "kg"))
    found = cards(server, ehrs[0], medication_request(rate=(value, code)), weight=weight)
    text = f"{_plain_decimals(value)} {cds_hooks.DOSE_UNITS[code]}"
    result = dosecalc.check(weight=f"{_plain_decimals(kg)} kg", regimen="iv", dose=text)
    expected = cds_hooks.indicator_of(result)
    assert _kind(found) == (expected or "none"), (text, found)
    if found:
        (card,) = found
        assert card["summary"].startswith(f"ketamine {result.display['proposed']}: ")
        assert f"Weight used: {format_exact(parse_quantity(f'{kg!r} kg', dosecalc.WEIGHT))}" in (
            _plain(card["detail"])
        )


@pytest.mark.parametrize(
    ("value", "read"),
    [
        (0.45000000000000007, "0.45000000000000007"),
        (450.00000000000006, "450.00000000000006"),
        (1e-05, "0.00001"),
        (35, "35"),
        (Decimal("35.000"), "35.000"),
        (True, None),
        ("35", None),
        (float("nan"), None),
        (float("inf"), None),
        (1e300, None),
        (10**500, None),
        (Decimal("1e999999999"), None),
    ],
)
def test_a_json_number_is_read_exactly_as_its_plain_decimals(value, read):
    assert cds_hooks._number(value) == read


# A card's summary: the most serious finding first, whole words only

_HOSPITAL = dosecalc.load_rules(REPO / "examples" / "hospital-library")
_SHIPPED = dosecalc.load_rules()


def _summaries_of(library: bool, text: str, route: str, dose, kg) -> tuple[list[dict], Any]:
    rules = _HOSPITAL if library else _SHIPPED
    order = medication_request(text=text, route={"text": route}, rate=None)
    entry = order["dosageInstruction"][0]["doseAndRate"][0]
    entry[
        "rateQuantity"
        if "/h" in dose[1] or "/min" in dose[1] or "/d" in dose[1]
        else "doseQuantity"
    ] = quantity(*dose)
    weight = OMIT if kg is None else searchset(weight_observation(kg, "kg"))
    try:
        issued = cds_hooks.answer(hook_request(order, weight=weight), rules, "http://dosecalc.test")
    except cds_hooks.HookError:
        return [], rules
    return [card.card for card in issued], rules


@settings(max_examples=300, deadline=None)
@given(order=strategies.hook_orders())
@example(order=(False, "Ketamine", "intravenous infusion", (0.4, "mg/kg/min"), 70.0))
@example(order=(False, "Ketamine", "intravenous infusion", (350, "mg/h"), 70.0))
@example(order=(True, "Fictivane", "intravenous infusion", (0.5, "mg/kg/h"), 70.0))
@example(order=(False, "Ketamine", "intravenous infusion", (45, "mg/h"), 2000.0))
def test_a_cards_summary_leads_with_the_most_serious_finding_in_whole_words(order):
    """Under 140 characters; the drug and the dose as ordered first; the headline's
    leading words in capitals when it is more than a plain verdict, then what to do (the
    headline's action) whenever it fits whole, after the leading words alone when it does
    not fit after all that was found; never a word cut, never "…", never an unclosed
    bracket."""
    library, text, route, dose, kg = order
    found, rules = _summaries_of(library, text, route, dose, kg)
    for card in found:
        summary = card["summary"]
        assert len(summary) < 140, summary
        assert "…" not in summary
        assert summary.count("(") == summary.count(")"), summary
        drug = "fictivane" if library else "ketamine"
        assert summary.startswith(f"{drug} "), summary
        if " not checked: " in summary:
            continue
        regimen = rules.find(route)
        value = _plain_decimals(dose[0])
        result = dosecalc.check(
            weight=None if kg is None else f"{_plain_decimals(kg)} kg",
            regimen=regimen.id,
            dose=f"{value} {cds_hooks.DOSE_UNITS[dose[1]]}",
            rules=rules,
        )
        head = f"{drug} {result.display['proposed']}: "
        assert summary.startswith(head), summary
        said = cds_hooks._said(result)
        action = result.headline.action
        done = f"{head}{said}: "
        codes = [w.code for w in result.warnings]
        then = action_of(result.headline.outcome, result.verdict, codes)
        fits = len(done) + len(then) <= cds_hooks.SUMMARY_LIMIT
        assert summary.startswith(done) == fits, summary
        if fits:
            assert action.startswith(summary.removeprefix(done)), (summary, action)
            continue
        lead = cds_hooks.LEAD_WORDS.match(result.headline.says)
        if result.headline.outcome not in ("above", "below", "within") and lead is not None:
            short = f"{head}{lead.group()}: {then}"
            if len(short) <= cds_hooks.SUMMARY_LIMIT:
                assert summary == short
                continue
        whole, shown = said.split(), summary.removeprefix(head).split()
        assert shown, summary
        assert whole[: len(shown) - 1] == shown[:-1], (summary, said)
        last = whole[len(shown) - 1].rstrip(",;:.)")
        assert last == shown[-1].rstrip(",;:.)"), (summary, said)
        if result.headline.outcome not in ("above", "below", "within"):
            lead = cds_hooks.LEAD_WORDS.match(result.headline.says)
            assert lead is not None
            assert lead.group() in summary, (summary, result.headline.says)
        elif result.verdict != "within":
            assert f"{result.verdict} the range" in summary


def test_a_summary_above_the_maximum_says_the_dose_itself_is_within_the_range():
    """312 mg per 24 hours against a 300 mg maximum, at a rate within the range: the
    summary never reads as two contradictory verdicts."""
    found, _ = _summaries_of(True, "Fictivane", "intravenous infusion", (13, "mg/h"), 70.0)
    (card,) = found
    assert card["summary"] == (
        "fictivane 13 mg/hr: ABOVE THE MAXIMUM PER 24 HOURS (the dose itself is within the "
        "range): do not give as ordered; contact the prescriber"
    )


def test_a_summary_above_the_maximum_keeps_do_not_give_before_the_within_words():
    """0.19 mg/kg/h at 70 kg (13.3 mg/h, 319.2 mg per 24 hours against 300 mg): with the
    dose as ordered the words do not all fit, and the action is what stays."""
    found, _ = _summaries_of(True, "Fictivane", "intravenous infusion", (0.19, "mg/kg/h"), 70.0)
    (card,) = found
    assert card["indicator"] == "critical"
    assert card["summary"] == (
        "fictivane 0.19 mg/kg/hr: ABOVE THE MAXIMUM PER 24 HOURS: do not give as ordered; "
        "contact the prescriber"
    )


def test_a_summary_for_a_patient_the_source_does_not_cover_says_no_word_of_the_range():
    found, _ = _summaries_of(True, "Fictivane", "intravenous infusion", (30, "mg/h"), 160.0)
    (card,) = found
    assert "; the source may not cover the patient: " in card["summary"], card["summary"]
    assert "the range" not in card["summary"]


def test_a_probable_entry_error_leads_the_summary_before_the_verdict():
    found, _ = _summaries_of(False, "Ketamine", "intravenous infusion", (0.4, "mg/kg/min"), 70.0)
    (card,) = found
    assert card["summary"] == (
        "ketamine 0.4 mg/kg/min: PROBABLE ENTRY ERROR, above the range: withhold it and ask "
        "the prescriber"
    )


@pytest.mark.parametrize("length", [1, 40, 90, 120, 200])
def test_a_long_summary_is_shortened_by_whole_words(length):
    reason = " ".join(["word"] * length) + " (a bracket that never closes in time)"
    summary = cds_hooks._summary("ketamine", "35 mg/hr", f"not checked: {reason}")
    assert len(summary) < 140
    assert summary.startswith("ketamine 35 mg/hr: not checked")
    assert not summary.endswith(("wor", "…", "(", ",", ":"))
    assert summary.count("(") == summary.count(")")
    said, whole = (
        summary.removeprefix("ketamine 35 mg/hr: ").split(),
        f"not checked: {reason}".split(),
    )
    assert said[:-1] == whole[: len(said) - 1]  # whole words, in order
    assert said[-1].rstrip(",;:.)") == whole[len(said) - 1].rstrip(",;:.)")


@settings(max_examples=12, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    broken=st.sampled_from(
        [
            "Authorization: Bearer {token}\x00",  # a NUL ends the header
            "Authorization: Bearer {token}\x01x",
            "X-Note: {token}\x7f",
            "Authorization: Bearer {token}\r\nTransfer-Encoding: chunked\r\nContent-Length: 2",
        ]
    ),
    path=st.sampled_from([SERVICE, "/", f"/{'a' * 9000}"]),
)
def test_a_request_aiohttp_cannot_parse_never_puts_its_text_in_the_log(
    server, ehrs, caplog, broken, path
):
    """aiohttp logged such a request's header, a whole bearer token, with a traceback; the
    token, never verified, could then be replayed. Only a line without them is logged."""
    import socket

    token = ehrs[0].token(f"{server.base}{SERVICE}")
    header = broken.format(token=token)
    raw = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n{header}\r\n"
        "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
    ).encode("latin-1")
    caplog.clear()
    with caplog.at_level(logging.DEBUG), socket.create_connection(("127.0.0.1", server.port)) as s:
        s.settimeout(10)
        s.sendall(raw)
        with contextlib.suppress(OSError):
            while s.recv(65536):
                pass
    logged = (
        caplog.text + "".join(r.exc_text or "" for r in caplog.records) + "".join(server.logged)
    )
    assert token not in logged
    assert token.split(".")[2][:20] not in logged  # not even the signature's start


def _post_text(server: Served, ehr: FakeEHR, path: str, text: str) -> Reply:
    token = ehr.token(f"{server.base}{path}")
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    return server.request("POST", path, text, headers)


@given(
    place=st.sampled_from(_PLACES),
    twice=st.sampled_from(["value", "code", "hook", "resourceType", "x"]),
)
def test_a_key_given_twice_anywhere_is_refused_never_read_one_way(server, ehrs, place, twice):
    """{"value": 300, "value": 30}: Python's reader keeps 30, an EHR's may show 300. An
    object anywhere in the request that gives a key twice is a 400, and no card."""
    body = json.loads(json.dumps(_REQUEST))
    *path, last = place
    target = body
    for key in path:
        target = target[key]
    marker = "\u0000twice\u0000"  # a key no request holds, replaced below by the repeat
    target[last] = {twice: 300, marker: 30}
    text = json.dumps(body).replace(json.dumps(marker), json.dumps(twice))
    outcome = outcome_of(_post_text(server, ehrs[0], SERVICE, text), 400)
    assert "appears twice" in json.dumps(outcome)


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_feedback_holding_nan_or_infinity_is_refused_and_never_logged(
    server, ehrs, feedback_log, constant
):
    before = feedback_log.read_text() if feedback_log.exists() else ""
    text = json.dumps({"feedback": [_entry(str(uuid.uuid4()))]}).replace(
        '"palliative team agreed"', constant
    )
    outcome_of(_post_text(server, ehrs[0], FEEDBACK, text), 400)
    after = feedback_log.read_text() if feedback_log.exists() else ""
    assert after == before


_DATES = st.sampled_from(
    [
        "2020-01-01T08:00:00Z",
        "2026-12-01T08:00:00Z",
        "2026-12-01",
        "2026-12",
        "2026",
        "2099-01",
        "2026-11-30T23:00:00-05:00",
        "not a date",
    ]
)


@given(
    readings=st.lists(
        st.tuples(
            st.sampled_from([50, 70, "70.004", 154]), st.sampled_from(["kg", "[lb_av]"]), _DATES
        ),
        min_size=1,
        max_size=4,
    ),
    shift=st.integers(min_value=0, max_value=3),
)
@example(readings=[(70, "kg", "2026-12-01"), (Decimal("70.004"), "kg", "2026-12-01")], shift=0)
def test_the_weight_read_never_depends_on_the_order_of_the_observations(readings, shift):
    """Two weights of one date (70 kg and 50 kg) were resolved by their order in the
    Bundle. The weight read, or why none is, is the same in any order; the newest readings
    that disagree (to 0.01 kg) are no usable weight; a year or a year-month is a date."""
    observations = [weight_observation(v, c, when=w) for v, c, w in readings]
    turn = shift % len(observations)  # rotated, then reversed: every pair swaps somewhere
    shuffled = list(reversed(observations[turn:] + observations[:turn]))
    first = cds_hooks._weight(searchset(*observations), PATIENT)
    again = cds_hooks._weight(searchset(*shuffled), PATIENT)
    assert (first.text is None) == (again.text is None)
    if first.text is not None:
        assert first.shown == again.shown
    else:
        assert ("disagree" in first.why_not) == ("disagree" in again.why_not)


def test_the_newest_weights_that_disagree_are_no_usable_weight(server, ehrs):
    weight = searchset(weight_observation(70), weight_observation(50))
    summary = _not_checked(server, ehrs[0], medication_request(rate=(30, "mg/h")), weight=weight)
    assert "the latest weights disagree: 70 kg and 50 kg" in summary


def test_a_weight_dated_by_month_is_newer_than_one_of_an_earlier_year_and_a_future_one_unusable():
    month = searchset(
        weight_observation(70, when="2020-01-01T08:00:00Z"), weight_observation(50, when="2026-12")
    )
    assert cds_hooks._weight(month, PATIENT).text == "50 kg"
    future = searchset(weight_observation(50, when="2099-01"))
    assert "in the future" in cds_hooks._weight(future, PATIENT).why_not


def test_a_hook_is_answered_off_the_event_loop_so_a_large_one_never_stalls_the_rest(
    server, ehrs, monkeypatch
):
    """2,683 orders in one request took 6 s on the event loop, and every other request
    waited. The answer is worked out in a worker thread of the loop's default executor
    (named ``asyncio_N``), never in the thread that runs the loop."""
    import threading

    threads: list[threading.Thread] = []
    answer = cds_hooks.answer

    def recorded(*args: Any, **options: Any) -> Any:
        threads.append(threading.current_thread())
        return answer(*args, **options)

    monkeypatch.setattr(cds_hooks, "answer", recorded)
    card = only_card(server, ehrs[0], medication_request(rate=(350, "mg/h")))
    assert card["indicator"] == "critical"
    (worker,) = threads
    assert worker.name.startswith("asyncio_")


@given(
    amount=st.sampled_from(["mg", "ug", "g"]),
    per_kg=st.booleans(),
    time=st.sampled_from([None, "h", "min", "d", "(24.h)"]),
    bracketed=st.booleans(),
)
def test_every_ucum_dose_unit_the_cli_reads_is_read_by_the_service_too(
    amount, per_kg, time, bracketed
):
    """0.03 g/h was WITHIN on the command line and "not checked" by the service: each
    drug amount, per kg or not, per time or not (both UCUM spellings), is read, and reads
    as the same dose the command line reads."""
    if time == "(24.h)" and per_kg:
        return  # no rule unit is per kg per 24 hours written so
    if per_kg and time:
        code = f"{amount}/(kg.{time})" if bracketed else f"{amount}/kg/{time}"
    else:
        code = "/".join(part for part in (amount, "kg" if per_kg else None, time) if part)
    assert code in cds_hooks.DOSE_UNITS
    written = cds_hooks.DOSE_UNITS[code]
    read = dosecalc.parse_dose(f"3 {written}")
    said = {"ug": "mcg"}.get(amount, amount)
    assert format_exact(read.quantity).startswith(f"3 {said}")
    assert ("/kg" in written) == per_kg


# The medication named by reference: as the EHR writes it, never silence for a drug named


def _named(way: str, name: str, order: dict[str, Any]) -> tuple[dict[str, Any], list[dict]]:
    """``order`` with its medication named ``name`` in one of the ways FHIR allows, and the
    other resources of the draft orders' Bundle that naming needs."""
    del order["medicationCodeableConcept"]
    medication = {"resourceType": "Medication", "id": "med-1", "code": {"text": name}}
    if way == "coding display":
        order["medicationCodeableConcept"] = {
            "coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "display": name}]
        }
    elif way == "reference display":
        order["medicationReference"] = {"reference": "Medication/elsewhere", "display": name}
    elif way.startswith("contained"):
        if way == "contained coding":
            medication["code"] = {"coding": [{"display": name}]}
        order["contained"] = [medication]
        order["medicationReference"] = {"reference": "#med-1"}
    elif way == "in the Bundle":
        order["medicationReference"] = {"reference": "Medication/med-1"}
        return order, [medication]
    elif way == "in the Bundle, by an absolute URL":
        order["medicationReference"] = {"reference": "https://ehr.test/fhir/Medication/med-1"}
        return order, [medication]
    elif way == "in the Bundle, one version":
        order["medicationReference"] = {"reference": "Medication/med-1/_history/2"}
        return order, [medication]
    elif way == "in the Bundle by fullUrl":
        order["medicationReference"] = {
            "reference": "urn:uuid:7d1e8a0c-aaaa-4bbb-8ccc-1234567890ab"
        }
        return order, [
            {"fullUrl": "urn:uuid:7d1e8a0c-aaaa-4bbb-8ccc-1234567890ab", "resource": medication}
        ]
    return order, []


def _cards_for(order: dict[str, Any], others: list[dict]) -> list[dict]:
    request = hook_request(order)
    for other in others:
        entry = other if "fullUrl" in other else {"resource": other}
        request["context"]["draftOrders"]["entry"].append(entry)
    return [card.card for card in cds_hooks.answer(request, _SHIPPED, "http://dosecalc.test")]


@settings(max_examples=60, deadline=None)
@given(
    way=st.sampled_from(
        [
            "coding display",
            "reference display",
            "contained text",
            "contained coding",
            "in the Bundle",
            "in the Bundle, by an absolute URL",
            "in the Bundle, one version",
            "in the Bundle by fullUrl",
        ]
    ),
    rate=st.sampled_from([(0.4, "mg/kg/min"), (45, "mg/h"), (400, "mg/h"), (5, "mg/h")]),
)
def test_a_drug_named_by_any_element_fhir_allows_gets_the_card_its_text_gets(way, rate):
    """A Medication contained in the order or in the Bundle, a reference's display, a
    coding's display: each names the drug as the order's text does, so the card is the
    same (an 11-fold overdose is never silent because the EHR named the drug by reference)."""
    by_text = _cards_for(medication_request(rate=rate), [])
    assert by_text  # every rate here is out of the range
    order, others = _named(way, "Ketamine 500 mg/10 mL injection", medication_request(rate=rate))
    named = _cards_for(order, others)
    drop = ("uuid",)
    assert [{k: v for k, v in c.items() if k not in drop} for c in named] == [
        {k: v for k, v in c.items() if k not in drop} for c in by_text
    ]


@pytest.mark.parametrize(
    "reference",
    [
        {"reference": "#other"},  # contained, but not that one
        {"reference": "Medication/absent"},
        {"reference": "Medication/med-1", "display": "Morphine"},
        {"reference": 7},
    ],
)
def test_a_reference_that_names_no_drug_of_the_rules_gets_no_card(reference):
    order = medication_request(rate=(400, "mg/h"))
    del order["medicationCodeableConcept"]
    order["medicationReference"] = reference
    order["contained"] = [
        {"resourceType": "Medication", "id": "med-1", "code": {"text": "Ketamine"}}
    ]
    others = [{"resourceType": "Medication", "id": "med-1", "code": {"text": "Morphine"}}]
    assert _cards_for(order, others) == []


# How often a dose is given: the order's timing.repeat, read as check --every reads it

_PERIOD_HOURS = {"min": Fraction(1, 60), "h": Fraction(1), "d": Fraction(24), "wk": Fraction(168)}


@settings(max_examples=80, deadline=None)
@given(
    milligrams=st.integers(1, 60),
    frequency=st.integers(1, 6),
    frequency_max=st.none() | st.integers(1, 8),
    period=st.integers(1, 12),
    unit=st.sampled_from(sorted(_PERIOD_HOURS)),
)
def test_a_dose_orders_timing_repeat_is_its_interval_as_check_every_reads_it(
    milligrams, frequency, frequency_max, period, unit
):
    """A dose per administration given ``frequency`` (or ``frequencyMax``, the most) times
    per ``period``: the card is the one `check` gives with that interval, by its own
    arithmetic. Several doses per a period that does not divide 24 hours, or an interval
    with no exact decimal form, give no interval: the dose is checked as one, the maximum
    said not compared, and the timing said not read. No timing: never silent."""
    order = medication_request(
        text="Fictivane", route={"text": "oral"}, rate=None, dose=(milligrams, "mg")
    )
    repeat: dict[str, Any] = {"frequency": frequency, "period": period, "periodUnit": unit}
    if frequency_max is not None:
        repeat["frequencyMax"] = frequency_max
    order["dosageInstruction"][0]["timing"] = {"repeat": repeat}
    found = [c.card for c in cds_hooks.answer(hook_request(order), _HOSPITAL, "http://x.test")]
    times = max(frequency, frequency_max or 1)
    span = Fraction(period) * _PERIOD_HOURS[unit]  # hours
    minutes = span * 60 / times
    unread = (times > 1 and (span > 24 or Fraction(24) / span != int(Fraction(24) / span))) or (
        not strategies._finite_decimal(minutes)
    )
    every = None if unread else dosecalc.registry().Quantity(minutes, "minute")
    result = dosecalc.check(
        weight="70 kg", regimen="fictivane-oral", dose=f"{milligrams} mg", rules=_HOSPITAL,
        every=every,
    )  # fmt: skip
    if not unread:
        doses = -(-Fraction(24 * 60) // minutes)  # by hand: any 24 hours holds this many
        outcomes = [finding.outcome for finding in result.findings]
        assert ("above-max-per-24h" in outcomes) == (milligrams * doses > 50)
    indicator = cds_hooks.indicator_of(result)
    assert indicator is not None or not unread  # not compared: never silence
    if indicator is None:
        assert found == [], [c["summary"] for c in found]
    else:
        (card,) = found
        assert card["indicator"] == indicator
        assert card["summary"].startswith(f"fictivane {milligrams} mg: ")
        assert ("Not read: the order's timing" in _plain(card["detail"])) == unread
    del order["dosageInstruction"][0]["timing"]
    untimed = [c.card for c in cds_hooks.answer(hook_request(order), _HOSPITAL, "http://x.test")]
    assert untimed, "never silent without how often it is given"


@pytest.mark.parametrize(
    "repeat",
    [
        {"frequency": 1, "period": 1, "periodUnit": "mo"},
        {"frequency": 0, "period": 6, "periodUnit": "h"},
        {"frequency": 1, "period": -6, "periodUnit": "h"},
        {"frequency": "2", "period": 6, "periodUnit": "h"},
        {"frequency": 1, "period": 6},
        {"frequency": 1, "period": "Infinity", "periodUnit": "h"},
        {"frequency": 1, "period": 1e999, "periodUnit": "h"},
        {"frequency": 7, "period": 1, "periodUnit": "d"},
        {"frequency": 14, "period": 1, "periodUnit": "wk"},
        {"frequency": 2, "period": 7, "periodUnit": "h"},
        {"frequency": 1, "period": 1, "periodUnit": "d", "timeOfDay": ["08:00", "20:00"]},
        {"frequency": 1, "period": 1, "periodUnit": "d", "when": ["MORN", "EVE"]},
        [],
    ],
)
def test_a_timing_that_cannot_be_read_still_checks_the_dose_and_says_it_was_not_read(repeat):
    """An unread timing never hides what the dose itself is: 500 mg of ketamine is still a
    probable entry error; the fictional oral dose is within, its maximum not compared."""
    order = medication_request(text="Fictivane", route={"text": "oral"}, rate=None, dose=(15, "mg"))
    order["dosageInstruction"][0]["timing"] = {"repeat": repeat}
    (card,) = [c.card for c in cds_hooks.answer(hook_request(order), _HOSPITAL, "http://x.test")]
    assert card["indicator"] == "info"
    assert "NOT COMPARED WITH THE MAXIMUM PER 24 HOURS; within the range" in card["summary"]
    assert "Not read: the order's timing" in _plain(card["detail"])
    ketamine = medication_request(rate=None, dose=(500, "mg"), route=SL_ROUTE)
    ketamine["dosageInstruction"][0]["timing"] = {"repeat": repeat}
    (card,) = [c.card for c in cds_hooks.answer(hook_request(ketamine), _SHIPPED, "http://x.test")]
    assert card["indicator"] == "critical"
    assert "PROBABLE ENTRY ERROR" in card["summary"]


@settings(max_examples=40, deadline=None)
@given(
    milligrams=st.integers(5, 60),
    period=st.integers(1, 3600),
    unit=st.sampled_from(["s", "min", "h", "d", "wk"]),
)
def test_a_cards_link_opens_the_page_on_the_check_the_card_made(milligrams, period, unit):
    """The page the card links to checks the same order, how often included: its headline
    is the card's, never a milder one for want of the interval."""
    from urllib.parse import parse_qs, urlsplit

    from dosecalc.faces import html_face

    order = medication_request(
        text="Fictivane", route={"text": "oral"}, rate=None, dose=(milligrams, "mg")
    )
    repeat = {"frequency": 1, "period": period, "periodUnit": unit}
    order["dosageInstruction"][0]["timing"] = {"repeat": repeat}
    for issued in cds_hooks.answer(hook_request(order), _HOSPITAL, "http://x.test"):
        card = issued.card
        if " not checked: " in card["summary"]:  # no check to open: an interval not exact
            assert "links" not in card
            continue
        query = parse_qs(urlsplit(card["links"][0]["url"]).query)
        page = html_face.answer(query, _HOSPITAL)
        assert page.status == 200, page.error
        assert page.check is not None
        assert card["summary"].startswith(f"fictivane {milligrams} mg: ")
        lead = cds_hooks._lead(page.check)
        said = lead if lead is not None else f"{page.check.verdict} the range"
        assert said in card["summary"], (card["summary"], page.check.headline.text)


@given(
    age=st.integers(0, 4000),
    max_age=st.none() | st.integers(0, 400),
    dated=st.sampled_from(["day", "year", "undated"]),
    per_kg=st.booleans(),
)
def test_a_weight_older_than_the_wards_policy_is_no_usable_weight_and_never_silence(
    age, max_age, dated, per_kg
):
    """With ``--weight-max-age`` (a ward's policy; dosecalc sets none), a weight measured more
    days ago than it allows, undated, or dated only by its year, is not used: an order that
    needs it is not checked, one per kg is checked without it; either card says why, with
    the weight's date as the EHR gave it, and never the silence of "checked and within" nor
    "no weight was given". Within the policy, or without one, the weight is used as before."""
    measured = local_today() - datetime.timedelta(days=age)
    observation = weight_observation(when=measured.isoformat())
    if dated == "year":  # FHIR's partial date
        observation["effectiveDateTime"] = str(measured.year)
    elif dated == "undated":
        del observation["effectiveDateTime"]
    rate = (0.4, "mg/kg/h") if per_kg else (30, "mg/h")
    body = hook_request(medication_request(rate=rate), weight=searchset(observation))
    issued = cds_hooks.answer(body, dosecalc.load_rules(), "http://x", weight_max_age=max_age)
    too_old = max_age is not None and (dated != "day" or age > max_age)
    if not too_old:
        assert issued == []  # 30 mg/h or 0.4 mg/kg/h at 70 kg: within, checked, silence
        return
    (card,) = [issued_card.card for issued_card in issued]
    assert card["indicator"] == "info"
    said = _plain(card["summary"] + " " + card["detail"])
    assert "no usable weight" in said
    assert "no weight was given;" not in card["summary"]
    assert f"measured at most {max_age:,} day" in said
    if dated == "day":
        assert f"from {measured.isoformat()}, was measured {age:,} day" in said
    elif dated == "year":
        assert f"dated only {measured.year}," in said


@given(
    effective=st.sampled_from(
        [
            {},
            {"effectiveDateTime": "not a date"},
            {"effectiveDateTime": "2026-13-45"},
            {"effectiveDateTime": ""},
            {"effectiveDateTime": 20261201},
            {"effectivePeriod": {"start": "yesterday"}},
            {"effectivePeriod": {"end": "2026-12-01"}},
        ]
    ),
    issued_days_ago=st.integers(0, 4000),
    max_age=st.none() | st.integers(0, 400),
)
def test_a_weight_with_no_readable_effective_date_is_undated_never_dated_by_its_issued(
    effective, issued_days_ago, max_age
):
    """``issued`` is when the record was released, not when the weight was measured: an old
    weight issued again today must not pass ``--weight-max-age``. A weight with no readable
    ``effective[x]`` is undated: under a policy it is no usable weight, saying it is undated;
    without one it is used and its date said unknown, never the ``issued`` date."""
    issued = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=issued_days_ago)
    observation = weight_observation()
    del observation["effectiveDateTime"]
    observation.update(effective, issued=issued.isoformat().replace("+00:00", "Z"))
    body = hook_request(medication_request(rate=(45, "mg/h")), weight=searchset(observation))
    issued_cards = cds_hooks.answer(body, _SHIPPED, "http://x", weight_max_age=max_age)
    (card,) = [c.card for c in issued_cards]  # 45 mg/h at 70 kg is above the range
    said = _plain(card["summary"] + " " + card["detail"])
    assert issued.date().isoformat() not in said
    if max_age is not None:
        assert card["indicator"] == "info"
        assert "no usable weight" in said
        assert "the latest weight is undated" in said
    else:
        assert card["indicator"] == "warning"
        assert f"Weight used: 70 kg, from {cds_hooks.UNDATED}" in said


def test_the_weight_max_age_option_takes_only_a_whole_number_of_days_and_needs_trust(run_cli):
    for bad in ("-1", "7.5", "a week", "٣"):
        code, out, err = run_cli("web", "--weight-max-age", bad, "--port", "1")
        assert code == 2, (bad, err)
        assert "weight-max-age" in err
        assert "whole number of days" in err
        assert out == ""
    code, out, err = run_cli("web", "--weight-max-age", "7", "--port", "1")  # no --trust
    assert code == 2, err
    assert "only --trust switches on" in err
    assert out == ""


@given(milligrams=st.integers(25, 50), hours=st.integers(1, 48))
def test_a_sublingual_dose_with_a_timing_is_never_called_plainly_within(milligrams, hours):
    """The shipped rules give no maximum per 24 hours: a dose within the range given every
    so often gets a card that says how often it is given was not checked, never silence nor
    a plain "within"."""
    order = medication_request(rate=None, dose=(milligrams, "mg"), route=SL_ROUTE)
    order["dosageInstruction"][0]["timing"] = {"repeat": {"period": hours, "periodUnit": "h"}}
    issued = cds_hooks.answer(hook_request(order), dosecalc.load_rules(), "http://x")
    (card,) = [issued_card.card for issued_card in issued]
    assert card["indicator"] == "info"  # the contract's §3: within, with a warning
    assert "HOW OFTEN IT IS GIVEN IS NOT CHECKED; one dose is within" in card["summary"]
    assert "check how often it is given before giving it" in _plain(card["detail"])


@given(
    spelling=st.sampled_from([str.lower, str.upper, str.title]),
    around=st.sampled_from(["{} 10 mg/mL injection", "{}", "Oral {} solution"]),
    joined=st.sampled_from(["", "ol", "es"]),
    milligrams=st.integers(1, 400),
)
def test_an_order_named_by_another_name_the_library_gives_the_drug_is_checked_as_the_drug(
    spelling, around, joined, milligrams
):
    """A library may give a drug other names (a brand), each cited: an order named by one,
    in any case and among other words, gets the card an order named by the drug gets; the
    name joined to another word is another substance's, and gets none."""
    brand = _HOSPITAL.find("fictivane-oral").other_names[0].name  # "Fictivax", cited

    def cards(name: str) -> list[dict]:
        order = medication_request(
            text=around.format(name), route={"text": "oral"}, rate=None, dose=(milligrams, "mg")
        )
        issued = cds_hooks.answer(hook_request(order), _HOSPITAL, "http://dosecalc.test")
        return [card.card for card in issued]

    by_drug = cards(spelling("fictivane"))
    by_brand = cards(spelling(brand) if not joined else spelling(brand + joined))
    if joined:
        assert by_brand == []
    else:
        assert [(c["indicator"], c["summary"]) for c in by_brand] == [
            (c["indicator"], c["summary"]) for c in by_drug
        ]
        assert by_drug  # an oral dose without an interval is never silent (the maximum)


def test_the_shipped_rules_give_no_other_name_the_source_does_not():
    """The source names no brand of ketamine: the shipped rules give none (a library may)."""
    assert all(regimen.other_names == () for regimen in _SHIPPED.regimens)


# Several orders of one drug: each checked alone, never their total in silence


def _oral_fictivane(id_: str, milligrams: int, hours: int) -> dict[str, Any]:
    order = medication_request(
        id_,
        text="fictivane 10 mg tablet",
        route={"text": "oral"},
        rate=None,
        dose=(milligrams, "mg"),
    )
    order["dosageInstruction"][0]["timing"] = {
        "repeat": {"frequency": 1, "period": hours, "periodUnit": "h"}
    }
    return order


_ONE_OF_SEVERAL = st.sampled_from(
    [
        lambda id_, n: medication_request(id_, rate=(21 + n % 15, "mg/h")),  # within at 70 kg
        lambda id_, n: medication_request(id_, rate=(Decimal(n % 3 + 3) / 10, "mg/kg/h")),
        lambda id_, n: medication_request(id_, route=SL_ROUTE, rate=None, dose=(25 + n % 26, "mg")),
        lambda id_, n: medication_request(id_, rate=(25, "mL/h")),  # not checked, still named
    ]
)


@given(
    makers=st.lists(st.tuples(_ONE_OF_SEVERAL, st.integers(0, 100)), min_size=2, max_size=4),
    hook=st.sampled_from(["order-sign", "order-select"]),
    data=st.data(),
)
def test_several_orders_of_one_drug_are_said_never_added_together_naming_each(makers, hook, data):
    """Two 30 mg/hr orders are each within the range, and 60 mg/hr together is not: dosecalc
    checks one order at a time, so whenever the draft orders hold more than one of a drug and
    one of them is examined, a warning card says their total was not checked, naming each
    order by its dose as read and its id; silence never stands for the total."""
    orders = [make(f"o-{i}", n) for i, (make, n) in enumerate(makers)]
    chosen = data.draw(st.lists(st.sampled_from(orders), min_size=1, unique_by=id))
    selections = [f"MedicationRequest/{order['id']}" for order in chosen]
    body = hook_request(*orders, hook=hook, selections=selections)
    found = [c.card for c in cds_hooks.answer(body, _SHIPPED, "http://x.test")]
    totals = [card for card in found if card not in per_order(found)]
    assert len(totals) == 1, [card["summary"] for card in found]
    (total,) = totals
    assert total["indicator"] == "warning"
    assert total["summary"] == f"ketamine ({len(orders)} orders): {TOTAL_NOT_CHECKED}"
    detail = _plain(total["detail"])
    for order in orders:
        entry = order["dosageInstruction"][0]["doseAndRate"][0]
        value, code = next(
            (entry[key]["value"], entry[key]["code"])
            for key in ("rateQuantity", "doseQuantity")
            if key in entry
        )
        named = f"(MedicationRequest {order['id']})"
        if code == "mL/h":
            assert f"- a dose not read {named}" in detail
        else:
            assert f"- {format_exact(parse_quantity(f'{value} {code}', 'dose'))} {named}" in detail


def test_two_doses_of_a_library_within_its_maximum_each_are_never_silent_together():
    """Two orders of 20 mg every 12 hours: 40 mg per 24 hours each, within a maximum of 50;
    80 mg together is not, and no card would have said so."""
    body = hook_request(_oral_fictivane("a", 20, 12), _oral_fictivane("b", 20, 12))
    found = [c.card for c in cds_hooks.answer(body, _HOSPITAL, "http://x.test")]
    assert per_order(found) == []  # each alone: checked and within
    (total,) = found
    assert total["indicator"] == "warning"
    assert "20 mg (MedicationRequest a)" in _plain(total["detail"])
    assert "20 mg (MedicationRequest b)" in _plain(total["detail"])


# A doseAndRate of more than one figure: never checked on one of them in silence

_FIGURES: Final = {
    "doseQuantity": lambda n: quantity(n, "mg"),
    "rateQuantity": lambda n: quantity(n, "mg/h"),
    "rateRatio": lambda n: {"numerator": quantity(n, "mg"), "denominator": quantity(1, "h")},
}


@given(
    figures=st.lists(st.sampled_from(sorted(_FIGURES)), min_size=2, max_size=3, unique=True),
    values=st.lists(st.integers(1, 400), min_size=3, max_size=3),
    route=st.sampled_from([IV_ROUTE, SL_ROUTE]),
)
def test_an_order_of_more_than_one_dose_figure_is_not_checked_and_names_each(
    figures, values, route
):
    """A dose of 5000 mg beside a rate of 30 mg/hr: checking the rate alone would be silence
    on the dose. Which figure is meant is the prescriber's to say: the order is not
    checked, and its card names every figure as read."""
    entry: dict[str, Any] = {
        key: _FIGURES[key](value) for key, value in zip(figures, values, strict=False)
    }
    order = medication_request(route=route, entry=entry)
    (card,) = [c.card for c in cds_hooks.answer(hook_request(order), _SHIPPED, "http://x.test")]
    assert card["indicator"] == "info"
    detail = _plain(card["detail"])
    assert "Not checked: the order gives more than one dose figure" in detail
    for key, value in zip(figures, values, strict=False):
        read = f"{value} mg/h" if key == "rateQuantity" else f"{value} mg"
        assert f"{key} {read}" in detail


# A calculated figure beside the ordered dose: said unless it is that dose restated

_RESTATED: Final[dict[str, Fraction]] = {
    "mg/min": Fraction(1, 60),
    "mg/d": Fraction(24),
    "mg/(24.h)": Fraction(24),
    "ug/h": Fraction(1000),
    "g/h": Fraction(1, 1000),
}
"""UCUM codes a rate in mg/h may be restated in, and what a figure in mg/h is in each."""


def _exactly(value: Fraction) -> Decimal | None:
    """``value`` as a decimal JSON number writes it exactly; None when none does."""
    written = Decimal(value.numerator) / Decimal(value.denominator)
    return written if Fraction(written) == value else None


def _typed_entry(code: str, key: str, figure: dict[str, Any]) -> dict[str, Any]:
    system = "http://terminology.hl7.org/CodeSystem/dose-rate-type"
    return {"type": {"coding": [{"system": system, "code": code}]}, key: figure}


@given(
    ordered=st.sampled_from([30, 28, 45, 42, 15, 350]),  # within, above, below, a slip (70 kg)
    calculated=st.sampled_from(
        [
            *(("restated", code) for code in _RESTATED),
            ("restated per kg", "mg/kg/h"),  # as the check restates it at the weight used
            *(("scaled", factor) for factor in (100, 10, Fraction(1, 2), Fraction(11, 10))),
            ("other form", ("rateQuantity", 0.4, "mg/kg/h")),
            ("other form", ("doseQuantity", 30, "mg")),
            ("not read", ("rateQuantity", 25, "mL/h")),
        ]
    ),
    calculated_first=st.booleans(),
)
@example(ordered=30, calculated=("scaled", 100), calculated_first=False)  # the reviewer's
def test_a_calculated_figure_that_is_not_the_ordered_dose_restated_is_never_passed_in_silence(
    ordered, calculated, calculated_first
):
    """Ordered 30 mg/h beside a calculated 3000 mg/h gave no card: the clinician sees both,
    and only one was checked. A calculated figure is read by the same reader as the ordered
    one: exactly the ordered dose in another unit (0.5 mg/min, 720 mg/d), or exactly as the
    check restates it at the weight it used (28 mg/h as 0.4 mg/kg/h at 70 kg), changes
    nothing (an EHR's calculated figure beside a dose per kg is no alert). Any other
    (another figure, another form, one not read) is said not checked, named as read beside
    the ordered dose, first in the detail and in the summary unless a warning or a stop
    leads there. The ordered dose is still the one checked."""
    how, given_as = calculated
    if how == "restated":
        value = _exactly(Fraction(ordered) * _RESTATED[given_as])
        assume(value is not None)
        key, figure, named = "rateQuantity", quantity(value, given_as), None
    elif how == "restated per kg":
        value = _exactly(Fraction(ordered, 70))  # the weight the hook request gives
        assume(value is not None)
        key, figure, named = "rateQuantity", quantity(value, given_as), None
    elif how == "scaled":
        value = _exactly(Fraction(ordered) * given_as)
        key, figure = "rateQuantity", quantity(value, "mg/h")
        named = format_entered(f"{value} mg/h")
    else:
        key, number, code = given_as
        figure = quantity(number, code)
        named = "not read" if how == "not read" else format_entered(f"{number} {code}")
        if code == "mg/kg/h" and Fraction(str(number)) == Fraction(ordered, 70):
            named = None  # the check's own restatement at 70 kg
    entries = [
        _typed_entry("ordered", "rateQuantity", quantity(ordered, "mg/h")),
        _typed_entry("calculated", key, figure),
    ]
    order = medication_request(entry={})
    order["dosageInstruction"][0]["doseAndRate"] = entries[::-1] if calculated_first else entries
    found = [c.card for c in cds_hooks.answer(hook_request(order), _SHIPPED, "http://x")]
    alone = medication_request(rate=(ordered, "mg/h"))
    expected = [c.card for c in cds_hooks.answer(hook_request(alone), _SHIPPED, "http://x")]
    if named is None:  # a restatement: as the ordered dose alone
        assert [(c["indicator"], c["summary"]) for c in found] == [
            (c["indicator"], c["summary"]) for c in expected
        ]
        return
    (card,) = found  # never silence
    detail = _plain(card["detail"])
    assert detail.startswith(f"Not checked: the order's calculated figure ({named})")
    assert f"its ordered dose ({ordered} mg/hr)" in detail
    if expected and expected[0]["indicator"] in ("warning", "critical"):  # it leads
        assert (card["indicator"], card["summary"]) == (
            expected[0]["indicator"],
            expected[0]["summary"],
        )
    else:
        assert card["indicator"] == "info"
        assert card["summary"].startswith(
            f"ketamine {ordered} mg/hr: not checked: the order's calculated figure"
        )


# A route's words are held to its code, as a dose's unit text is


def _route_words(regimen: Any) -> list[str]:
    """Every way the rules let a route's text name ``regimen``: its names, its codes'
    displays (with and without SNOMED's "route", and as SNOMED's fully specified name, its
    "(qualifier value)" after it), its route's alternatives joined by "/"."""
    from dosecalc.ruleset.loader import regimen_names

    displays = [code.display for code in regimen.route_codes]
    words = [
        *regimen_names(regimen),
        *displays,
        *(d.removesuffix(" route") for d in displays),
        *(f"{d} (qualifier value)" for d in displays),
    ]
    parts = [name for name in regimen_names(regimen) if name in regimen.route.lower().split()]
    return [*words, "/".join(parts)] if len(parts) > 1 else words


_CODED = [(regimen, code) for regimen in _SHIPPED.regimens for code in regimen.route_codes]


@given(
    coded=st.sampled_from(_CODED),
    data=st.data(),
    where=st.sampled_from(["text", "display"]),
    case=st.sampled_from([str, str.upper, str.title]),
)
def test_a_routes_text_or_display_is_read_only_when_it_names_the_route_of_its_code(
    coded, data, where, case
):
    """Coded intravenous and shown as "Sublingual route": the clinician read another route
    than the one whose range is checked. A route's text or a coding's display must name the
    regimen its code names, in any spelling the route reader takes (its names, a code's
    display, the source's "Sublingual/Buccal"); else the order is not checked, saying so:
    "different routes" when the text, or one of its alternatives, names another route the
    rules know; else that the text could not be read as a route ("Subcutaneous route",
    which the shipped rules do not know)."""
    regimen, code = coded
    same = data.draw(st.booleans())
    if same:
        text = data.draw(st.sampled_from(_route_words(regimen)))
    else:
        others = [w for r in _SHIPPED.regimens if r is not regimen for w in _route_words(r)]
        mine = {w.lower() for w in _route_words(regimen)}
        unknown = ["subcutaneous", "Subcutaneous route", "IV push", "IV/SC", "oral", "rectal"]
        text = data.draw(st.sampled_from([w for w in others + unknown if w.lower() not in mine]))
    coding = {"system": code.system, "code": code.code}
    route: dict[str, Any] = {"coding": [coding]}
    if where == "text":
        route["text"] = case(text)
    else:
        coding["display"] = case(text)
    found = cds_hooks._regimen(route, list(_SHIPPED.regimens), _SHIPPED)
    if same:
        assert found is regimen
    else:
        parts = {text.lower(), *route_alternatives(text)}
        another = any(
            part in {w.lower() for w in _route_words(r)}
            for r in _SHIPPED.regimens
            if r is not regimen
            for part in parts
        )
        why = cds_hooks.ROUTE_TEXT_DISAGREES if another else cds_hooks.ROUTE_TEXT_UNREAD
        assert found == why
        order = medication_request(route=route, rate=(30, "mg/h"))
        (card,) = [c.card for c in cds_hooks.answer(hook_request(order), _SHIPPED, "http://x")]
        assert card["indicator"] == "info"
        assert f"Not checked: {why}" in _plain(card["detail"])


_NO_ROUTE_WORDS: Final = ("infusion", "use", "drip", "push", "only", "administration", "(route)")
"""Words no rule names a route by: beside a route's own word, a text the reader cannot read."""


_CODED_WORDS: Final = [(r, c, w) for r, c in _CODED for w in _route_words(r)]
_IV_CODED = next((r, c, "IV") for r, c in _CODED if c.code == "47625008")
_SL_CODED = next((r, c, "Sublingual") for r, c in _CODED if c.code == "37839007")


@given(
    coded=st.sampled_from(_CODED_WORDS),
    other=st.sampled_from(_NO_ROUTE_WORDS),
    before=st.booleans(),
    where=st.sampled_from(["text", "display"]),
    case=st.sampled_from([str, str.upper, str.title]),
)
@example(coded=_IV_CODED, other="infusion", before=False, where="text", case=str)
@example(coded=_SL_CODED, other="use", before=False, where="text", case=str)
def test_a_route_text_the_reader_cannot_read_is_said_unread_never_a_different_route(
    coded, other, before, where, case
):
    """ "IV infusion" beside the intravenous code, "Sublingual use" beside the sublingual
    one: the reader cannot read the text as a route, and "the route's text and its code name
    different routes" was a reason no one found. Such a text is not checked against its
    code, saying it could not be read as a route."""
    _, code, word = coded
    text = case(f"{other} {word}" if before else f"{word} {other}")
    known = {w.lower() for r in _SHIPPED.regimens for w in _route_words(r)}
    assume(text.lower() not in known)  # "intravenous infusion" is the rule's own route
    coding = {"system": code.system, "code": code.code}
    route: dict[str, Any] = {"coding": [coding]}
    if where == "text":
        route["text"] = text
    else:
        coding["display"] = text
    assert cds_hooks._regimen(route, list(_SHIPPED.regimens), _SHIPPED) == (
        cds_hooks.ROUTE_TEXT_UNREAD
    )
    order = medication_request(route=route, rate=(30, "mg/h"))
    (card,) = [c.card for c in cds_hooks.answer(hook_request(order), _SHIPPED, "http://x")]
    assert card["indicator"] == "info"
    assert f"Not checked: {cds_hooks.ROUTE_TEXT_UNREAD}" in _plain(card["detail"])
    assert "different routes" not in card["summary"] + card["detail"]


@given(
    coded=st.sampled_from(_CODED),
    where=st.sampled_from(["text", "display"]),
    case=st.sampled_from([str, str.lower, str.upper, str.title]),
)
def test_snomeds_own_full_name_of_a_route_names_its_regimen(coded, where, case):
    """An EHR may show a route code by SNOMED CT's fully specified name, "Intravenous route
    (qualifier value)": that names the route of its code, as its display does."""
    regimen, code = coded
    name = case(f"{code.display} (qualifier value)")
    coding = {"system": code.system, "code": code.code}
    route: dict[str, Any] = {"coding": [coding]}
    if where == "text":
        route["text"] = name
    else:
        coding["display"] = name
    assert cds_hooks._regimen(route, list(_SHIPPED.regimens), _SHIPPED) is regimen


@pytest.mark.parametrize("text", ["sublingual/buccal", "Sublingual/Buccal", "buccal / sublingual"])
def test_the_sources_own_route_wording_names_its_regimen(text):
    """The source writes the route "Sublingual/Buccal" (the rule's label): each alternative
    names the one regimen, so the text is read, as "sublingual or buccal" is."""
    found = cds_hooks._regimen({"text": text}, list(_SHIPPED.regimens), _SHIPPED)
    assert found is _SHIPPED.find("sublingual-buccal")


@pytest.mark.parametrize("text", ["IV/SC", "iv or sublingual", "IV infusion"])
def test_a_route_text_of_alternatives_naming_several_regimens_or_none_is_no_rule(text):
    assert cds_hooks._regimen({"text": text}, list(_SHIPPED.regimens), _SHIPPED) == (
        "no rule for the order's route"
    )


_ROUTE_CODINGS = st.sampled_from(
    [
        *({"system": code.system, "code": code.code} for _, code in _CODED),
        {"system": "http://snomed.info/sct", "code": "34206005"},  # subcutaneous: no rule
        {"system": "http://snomed.info/sct", "code": "26643006"},  # oral: no rule
        {"system": "http://snomed.info/sct"},  # no code
        {"system": "urn:example:routes", "code": "SC"},  # a system the rules code none in
    ]
)


def _coded_as(coding: dict[str, Any]) -> Any:
    """The regimen the shipped rules code ``coding`` as, None for none they code; "other"
    for a coding of a system the rules code no route in."""
    if coding["system"] not in {code.system for _, code in _CODED}:
        return "other"
    return next((r for r, code in _CODED if code.code == coding.get("code")), None)


@given(
    codings=st.lists(_ROUTE_CODINGS, min_size=1, max_size=4),
    dose=st.sampled_from([{"rate": (30, "mg/h")}, {"rate": None, "dose": (25, "mg")}]),
)
@example(  # the reviewer's: intravenous beside subcutaneous, 30 mg/h
    codings=[
        {"system": "http://snomed.info/sct", "code": "47625008"},
        {"system": "http://snomed.info/sct", "code": "34206005"},
    ],
    dose={"rate": (30, "mg/h")},
)
@example(  # sublingual beside intravenous, 25 mg: was checked as sublingual
    codings=[
        {"system": "http://snomed.info/sct", "code": "37839007"},
        {"system": "http://snomed.info/sct", "code": "47625008"},
    ],
    dose={"rate": None, "dose": (25, "mg")},
)
def test_a_route_whose_codes_name_different_routes_is_not_checked_never_read_by_its_first(
    codings, dose
):
    """A route coded intravenous and subcutaneous, or sublingual and intravenous: checking
    the first code the rules know is silence on the route the other names. Codes of a
    system the rules code routes in must all name one regimen (a code the rules do not
    have names none, which is not that one); else the order is not checked, saying so.
    Codes of another system are not read, as before."""
    route = {"coding": codings}
    found = cds_hooks._regimen(route, list(_SHIPPED.regimens), _SHIPPED)
    named = {id(r): r for r in map(_coded_as, codings) if r != "other"}
    if len(named) > 1:
        assert found == cds_hooks.ROUTE_CODES_DISAGREE
        order = medication_request(route=route, **dose)
        (card,) = [c.card for c in cds_hooks.answer(hook_request(order), _SHIPPED, "http://x")]
        assert card["indicator"] == "info"
        assert f"Not checked: {cds_hooks.ROUTE_CODES_DISAGREE}" in _plain(card["detail"])
    elif named:
        (regimen,) = named.values()
        assert found == (regimen or "no rule for the order's route")
    else:
        assert found == "no rule for the order's route"


# Cards worst first; a card not checked says which order it is about

_ANY_CARD = st.sampled_from(
    [
        lambda id_: medication_request(id_, rate=(350, "mg/h")),  # critical
        lambda id_: medication_request(id_, rate=(45, "mg/h")),  # warning
        lambda id_: medication_request(id_, rate=(15, "mg/h")),  # warning
        lambda id_: medication_request(id_, rate=(30, "mg/h")),  # none
        lambda id_: medication_request(id_, rate=(25, "mL/h")),  # not checked, no dose read
        lambda id_: medication_request(id_, route=None),  # not checked, its dose read
        lambda id_: medication_request(id_, route=SL_ROUTE, rate=None, dose=(25, "mg")),  # info
    ]
)


@given(makers=st.lists(_ANY_CARD, min_size=1, max_size=6))
def test_cards_come_worst_first_in_the_order_sent_within_a_level(makers):
    """An EHR may show only the first card, or show them as sent: a critical card never
    follows a warning, nor a warning an info; cards of one level keep the orders' order."""
    orders = [make(f"o-{i}") for i, make in enumerate(makers)]

    def said(found: list[Any]) -> list[tuple[str, str]]:
        return [(c.card["indicator"], c.card["summary"]) for c in found]

    alone = [
        card
        for order in orders
        for card in said(cds_hooks.answer(hook_request(order), _SHIPPED, "http://x"))
    ]
    found = said(cds_hooks.answer(hook_request(*orders), _SHIPPED, "http://x"))
    rank = ("critical", "warning", "info").index
    assert [card for card in found if TOTAL_NOT_CHECKED not in card[1]] == sorted(
        alone, key=lambda card: rank(card[0])
    )
    assert [rank(i) for i, _ in found] == sorted(rank(i) for i, _ in found)


@given(make=_ANY_CARD, id_=st.from_regex(r"[A-Za-z0-9\-.]{1,64}", fullmatch=True))
def test_a_card_not_checked_says_which_order_it_is_about(make, id_):
    """ "ketamine order: not checked" beside three ketamine orders says not which: the card
    names the order by its dose as read, else by its id, and its detail by both."""
    order = make(id_)
    for issued in cds_hooks.answer(hook_request(order), _SHIPPED, "http://x"):
        card = issued.card
        if "not checked:" not in card["summary"]:
            continue
        assert not card["summary"].startswith("ketamine order:")
        assert f"(MedicationRequest {id_})" in _plain(card["detail"])


# No card carries an example dose

_DOSE_FIGURE: Final = re.compile(r"(?<![\w.])(-?\d[\d,]*(?:\.\d+)?) ?(?:mg|mcg|ug|g|mL)\b")


@given(
    value=st.sampled_from([0, -3, Decimal("0.000000001"), 30, 450, 10**40, "30", None]),
    code=st.sampled_from([*sorted(cds_hooks.DOSE_UNITS), "mL/h", "mL", "mmol/h"]),
    key=st.sampled_from(["rateQuantity", "doseQuantity"]),
    route=st.sampled_from([IV_ROUTE, SL_ROUTE, {"text": "iv"}, None]),
    kg=st.sampled_from([70, 0, -70, 5000, "seventy"]),
)
def test_no_card_for_an_order_dosecalc_refuses_holds_an_example_dose(value, code, key, route, kg):
    """The library's messages tell a person at a keyboard how to retype an input, with
    examples ("e.g. '30 mg/hr', '0.4 mg/kg/hr'"): beside a ketamine order in the EHR, an
    example reads as a dose suggested. A card says why the order was refused, never how
    to retype it: no "e.g.", and a card not checked holds no dose figure but the order's
    own."""
    order = medication_request(route=route, rate=None, entry={key: quantity(value, code)})
    weight = searchset(weight_observation(kg))
    for issued in cds_hooks.answer(hook_request(order, weight=weight), _SHIPPED, "http://x"):
        card = issued.card
        said = _plain(f"{card['summary']}\n{card['detail']}")
        assert "e.g." not in said
        if "not checked:" in card["summary"]:
            figures = {Decimal(f.replace(",", "")) for f in _DOSE_FIGURE.findall(said)}
            own = {Decimal(value)} if isinstance(value, int | Decimal) else set()
            assert figures <= own, (figures, said)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rate=st.decimals(min_value=Decimal(36), max_value=Decimal(340), places=1),
    per=st.sampled_from([(15, "min"), (30, "min"), (45, "min"), (2, "h"), (12, "h")]),
)
def test_an_order_over_a_stated_time_is_named_in_its_cards_as_written(server, ehrs, rate, per):
    """A ``rateRatio`` of 17.5 mg / 30 min is "17.5 mg/30 min" in the card's summary and
    detail, as on every face: never the rate it reduces to ("7 mg in 12 min")."""
    number, unit = per
    hours = Fraction(number, 60) if unit == "min" else Fraction(number)
    amount = Fraction(rate) * hours  # above the range at 70 kg: 36 mg/hr or more
    order = medication_request(rate=None)
    order["dosageInstruction"][0]["doseAndRate"][0]["rateRatio"] = {
        "numerator": quantity(float(amount), "mg"),
        "denominator": quantity(number, unit),
    }
    card = only_card(server, ehrs[0], order)
    time = "hr" if unit == "h" else unit
    written = f"{format_exact(dosecalc.registry().Quantity(amount, 'mg'))}/{number} {time}"
    assert card["summary"].startswith(f"ketamine {written}: "), card["summary"]
    assert f"{written}" in _plain(card["detail"])
    assert " in " not in card["summary"]
