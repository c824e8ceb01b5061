"""The CDS Hooks service of ``dosecalc web``: ``order-select`` and ``order-sign`` answered
with cards, from the same `check` and rules every other face uses.

Nothing here knows HTTP (that is `dosecalc.faces.web_app`): a hook request goes in as
parsed JSON, cards or a `HookError` (status and OperationOutcome) come out. Nothing from
the request is copied into a card but an order's id, only when it is a FHIR id (letters,
digits, '-' and '.'): the drug is the rule's name for it, the dose is read
into dosecalc's own quantity (a number and a unit from a fixed table of UCUM codes) and
said in the library's display strings, and every sentence is dosecalc's own or the
rules'. So a request cannot plant text, HTML or links in the EHR. No card ever suggests
another dose: no source here makes that recommendation.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType
from typing import Any, Final, Literal
from urllib.parse import urlencode

from dosecalc.clinical.check import check
from dosecalc.clinical.headline import action_of
from dosecalc.clinical.limits import INTERVAL_NOT_COMPARED, INTERVAL_NOT_GIVEN
from dosecalc.clinical.result import CheckResult
from dosecalc.foundation.clock import is_after_today, local_today
from dosecalc.foundation.disclaimer import DISCLAIMER, EDUCATIONAL_ONLY
from dosecalc.foundation.display import (
    exact_places,
    finite_places,
    format_entered,
    format_exact,
    format_number,
    magnitude,
)
from dosecalc.foundation.errors import DoseCalcError, InputError, UnknownRegimenError
from dosecalc.foundation.text import counted, route_alternatives
from dosecalc.foundation.unit_registry import (
    Quantity,
    conversion_factor,
    convert,
    dimension_of,
    named_unit,
)
from dosecalc.foundation.units import (
    DOSE,
    DRUG_AMOUNT,
    DURATION,
    MAX_INPUT_LENGTH,
    WEIGHT,
    QuantityKind,
    parse_dose,
    parse_quantity,
)
from dosecalc.patient.body import WEIGHT_NOT_GIVEN
from dosecalc.reports.contents import (
    basis_rows,
    finding_items,
    for_this_patient,
    order_check_rows,
    rules_advice,
    verdict_line,
    warning_items,
    watch_for_rows,
)
from dosecalc.ruleset.kinds import KINDS
from dosecalc.ruleset.loader import RuleSet, regimen_names
from dosecalc.ruleset.schema import Citation, Regimen

SERVICE_ID: Final = "dosecalc-order-check"
HOOKS: Final = ("order-select", "order-sign")
SPEC_VERSION: Final = "3.0.0"
UCUM: Final = "http://unitsofmeasure.org"
SNOMED_ROUTE_TAG: Final = "(qualifier value)"
"""SNOMED CT's semantic tag of a route concept, which ends its fully specified name
("Intravenous route (qualifier value)"): an EHR may show that name as the display."""
WEIGHT_LOINC: Final = "29463-7"
WEIGHT_CODES: Final = frozenset({WEIGHT_LOINC, "3141-9"})
"""LOINC's body weight (FHIR's vital-signs code) and body weight measured: an Observation
coded with neither (a height, a BMI) is never read as the weight, whatever its unit."""
LOINC: Final = "http://loinc.org"
OVERRIDE_SYSTEM: Final = "http://terminology.hl7.org/CodeSystem/non-adherence-reason-codes"
OVERRIDE_REASONS: Final = (
    ("expert-contradicts", "Advice from expert contradicts the recommended action"),
    ("policy-contradicts", "Institutional policy/guideline contradicts the recommended action"),
    (
        "action-performed-no-adverse-effect",
        "Intended action was performed previously without adverse effect",
    ),
    ("risk-benefit-ratio", "Recipient assessment of risk/benefit ratio"),
)
"""The reasons a clinician may give for going on with a warning or critical card: the code
system's own codes and displays (CDS Hooks 3.0)."""

MAX_DRAFT_ORDERS: Final = 200
"""The most entries of ``context.draftOrders`` one hook request may hold; a request of more
is refused (413), never answered in part. Far more than one prescriber signs at once, and
it bounds the work and the answer (a card is a few kB): 3,500 orders took seconds and
answered with 13 MB of cards."""

CHILD_UNDER_YEARS: Final = 18
"""The definition of a child: a patient under this many years old on the day the hook is
answered, by the ``patient`` prefetch's ``birthDate``. It is no dose and no bound of one:
the source gives no paediatric dosing (its rules list "age limits or paediatric dosing" as
unspecified), so an order for a child is never checked in silence."""

SUMMARY_LIMIT: Final = 139
"""A card's summary is under 140 characters (the spec's advice)."""

Indicator = Literal["info", "warning", "critical"]
WORST_FIRST: Final[tuple[Indicator, ...]] = ("critical", "warning", "info")

AMOUNT_UNITS: Final[Mapping[str, str]] = {"mg": "mg", "ug": "mcg", "g": "g"}
TIME_UNITS: Final[Mapping[str, str]] = {"h": "h", "min": "min", "d": "day"}


def _dose_units() -> dict[str, str]:
    """Every UCUM code of a dose: a drug amount, per kg or not, per time or not (per kg per
    time written both ways UCUM allows: mg/kg/h and mg/(kg.h)), and per 24 hours."""
    units: dict[str, str] = {}
    for amount, said in AMOUNT_UNITS.items():
        units[amount] = said
        units[f"{amount}/kg"] = f"{said}/kg"
        units[f"{amount}/(24.h)"] = f"{said}/24 h"
        for time, time_said in TIME_UNITS.items():
            units[f"{amount}/{time}"] = f"{said}/{time_said}"
            units[f"{amount}/kg/{time}"] = f"{said}/kg/{time_said}"
            units[f"{amount}/(kg.{time})"] = f"{said}/kg/{time_said}"
    return units


DOSE_UNITS: Final[Mapping[str, str]] = MappingProxyType(_dose_units())
"""The UCUM codes of a dose that dosecalc reads, and how dosecalc writes each."""
VOLUME_CODES: Final = frozenset({"mL", "ml", "mL/h", "ml/h", "mL/min", "L", "L/h", "mL/d"})
WEIGHT_UNITS: Final[Mapping[str, str]] = {"kg": "kg", "g": "g", "[lb_av]": "lb"}
USABLE_STATUS: Final = frozenset({"final", "amended", "corrected"})

NO_CONCENTRATION: Final = "the dose is a volume (mL or mL/h), and the order holds no concentration"
UNIT_TEXT_DISAGREES: Final = "the dose's unit text and its UCUM code name different units"
ROUTE_TEXT_DISAGREES: Final = "the route's text and its code name different routes"
ROUTE_TEXT_UNREAD: Final = (
    "the route's text could not be read as a route; it is not checked against its code"
)
"""Why a coded route is not checked beside a text or display the route reader cannot read
as any route the rules know ("IV infusion"): it may name another route, or the same one;
"different routes" would be a reason no one found."""
ROUTE_CODES_DISAGREE: Final = "the route's codes name different routes"
"""Why a route coded twice, each code of a system the rules code routes in, is not checked
when its codes do not name one regimen (intravenous beside subcutaneous): checking the first
the rules know would be silence on the other."""
NOT_EXACT: Final = "given with a comparator (<, <=, >=, > or ad): a bound, not an exact figure"
"""Why a Quantity with a ``comparator`` is never read as its number: "<70 kg" is no weight
of 70 kg, nor "<300 mg/h" a dose of 300 mg/h."""


class HookError(Exception):
    """A request the service cannot answer with cards: its HTTP status, FHIR IssueType code
    and what to say (never a traceback)."""

    def __init__(self, status: int, code: str, text: str) -> None:
        super().__init__(text)
        self.status = status
        self.code = code
        self.text = text


def operation_outcome(code: str, text: str, severity: str = "error") -> dict[str, Any]:
    """A FHIR R4 OperationOutcome with one issue."""
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": severity, "code": code, "details": {"text": text}}],
    }


def discovery(rules: RuleSet) -> dict[str, Any]:
    """``GET /cds-services``: one service id answering both order hooks, for the drugs of
    ``rules``."""
    drugs = ", ".join(dict.fromkeys(regimen.drug for regimen in rules.regimens))
    prefetch = {
        "patient": "Patient/{{context.patientId}}",
        "weight": "Observation?patient={{context.patientId}}&code="
        f"{LOINC}|{WEIGHT_LOINC}&_sort=-date&_count=1",
    }
    common = {
        "id": SERVICE_ID,
        "title": "dosecalc: dose range check",
        "prefetch": prefetch,
        "usageRequirements": (
            f"{EDUCATIONAL_ONLY} Send the "
            "'weight' prefetch (the patient's latest body weight Observation): a rate not "
            "per kg cannot be checked without it. Send the 'patient' prefetch too: by its "
            f"birthDate, an order for a child (under {CHILD_UNDER_YEARS}, for whom the source "
            "gives no dosing) is said not checked for them, never passed in silence."
        ),
        "version": SPEC_VERSION,
    }
    return {
        "services": [
            {
                "hook": hook,
                **common,
                "description": (
                    f"On **{hook}**, checks each `MedicationRequest` for a drug of the rules "
                    f"in force ({drugs}) against the dose range of the source the rules "
                    "cite, for this patient. No card when the dose is within the range and "
                    "nothing else was found. Cards carry no suggestions: a probable slip above "
                    "the range is asked about as a question for the prescriber."
                ),
            }
            for hook in HOOKS
        ]
    }


@dataclass(frozen=True)
class Weight:
    """The patient's weight from the prefetch, as dosecalc reads it, or why there is none."""

    text: str | None
    shown: str | None = None
    why_not: str | None = None


@dataclass(frozen=True)
class Order:
    """One examined order: its rule's drug, its regimen and dose as dosecalc reads them, or
    why it cannot be checked."""

    drug: str
    regimen: Regimen | None = None
    dose: str | None = None
    not_checked: str | None = None
    needs_weight: bool = False
    shown: str | None = None
    """The dose as ordered, in the library's display."""
    every: str | None = None
    """For a dose per administration, the interval between doses its timing gives, as text
    the CLI and the page read (``"1000 min"``)."""
    timing_unread: str | None = None
    """Why its timing gives no interval dosecalc reads, when it has one: the dose is checked
    without it (a library's maximum per 24 hours is then said not to be compared)."""
    fhir_id: str | None = None
    """The MedicationRequest's id, when it is a FHIR id (letters, digits, '-' and '.'; at most
    64): it names the order to the EHR, and can carry no markup or link."""
    calculated: tuple[str, ...] = ()
    """The ``calculated`` figures beside the ordered dose, as read ("!" and why, when not),
    that are not that dose in its own form: the clinician sees them, so unless the check
    restates the dose as each (`_restates`), the order is never silent."""


@dataclass(frozen=True)
class IssuedCard:
    """What this process remembers of a card it issued, for its feedback."""

    card: dict[str, Any]
    hook: str
    hook_instance: str


def answer(
    body: object, rules: RuleSet, base: str, *, weight_max_age: int | None = None
) -> list[IssuedCard]:
    """The cards for a hook request (``body``, parsed JSON); raises `HookError` for a
    request that is not one (400) or that lacks the weight an order needs (412). A weight
    measured more than ``weight_max_age`` days ago, or undated, is not used when that is
    given (a ward's policy: dosecalc sets none)."""
    hook, instance, context, prefetch = _request(body)
    patient = context["patientId"]
    medications = _bundled_medications(context["draftOrders"])
    drafts = [
        (resource, order)
        for resource in _drafts(context)
        if (order := _order(resource, rules, medications)) is not None
    ]
    selected = _selected(hook, context)
    orders = [
        order
        for resource, order in drafts
        if selected is None or ("MedicationRequest", _id_of(resource)) in selected
    ]
    if any(order.needs_weight for order in orders) and "weight" not in prefetch:
        raise HookError(
            412,
            "required",
            "the 'weight' prefetch is required: an order here needs the patient's weight, and "
            "this service fetches nothing itself",
        )
    weight = (
        _weight(prefetch.get("weight"), patient, weight_max_age)
        if "weight" in prefetch
        else Weight(None)
    )
    child = _child(prefetch.get("patient"), patient)
    cards = []
    for order in orders:
        card = _card(order, weight, rules, base, child)
        if card is not None:
            cards.append(IssuedCard(card, hook, instance))
    by_drug: dict[str, list[Order]] = {}
    for _, order in drafts:
        by_drug.setdefault(order.drug, []).append(order)
    examined_drugs = {order.drug for order in orders}
    for drug, same in by_drug.items():
        # Never silence on an order examined for a total no one checked.
        if len(same) > 1 and drug in examined_drugs:
            cards.append(IssuedCard(_not_added(drug, same, rules), hook, instance))
    # The worst first (an EHR may show the first alone); within a level, as sent (stable).
    cards.sort(key=lambda issued: WORST_FIRST.index(issued.card["indicator"]))
    return cards


def _request(body: object) -> tuple[str, str, dict[str, Any], dict[str, Any]]:
    def bad(text: str) -> HookError:
        return HookError(400, "invalid", text)

    if not isinstance(body, dict):
        raise bad("the body must be a JSON object")
    hook = body.get("hook")
    if not isinstance(hook, str):
        raise bad("'hook' must be a string")
    if hook not in HOOKS:
        raise HookError(400, "not-supported", f"this service answers {' and '.join(HOOKS)} only")
    instance = body.get("hookInstance")
    if not isinstance(instance, str) or not instance:
        raise bad("'hookInstance' must be a string")
    context = body.get("context")
    if not isinstance(context, dict):
        raise bad("'context' must be an object")
    if not isinstance(context.get("patientId"), str) or not context["patientId"]:
        raise bad("'context.patientId' must be a string")
    orders = context.get("draftOrders")
    if not isinstance(orders, dict) or orders.get("resourceType") != "Bundle":
        raise bad("'context.draftOrders' must be a FHIR Bundle")
    if not isinstance(orders.get("entry", []), list):
        raise bad("'context.draftOrders.entry' must be an array")
    if len(orders.get("entry", [])) > MAX_DRAFT_ORDERS:
        raise HookError(
            413,
            "too-costly",
            f"'context.draftOrders' holds {len(orders['entry']):,} entries: this service checks "
            f"at most {MAX_DRAFT_ORDERS:,} in one request, and none was checked",
        )
    selections = context.get("selections")
    if hook == "order-select" and (
        not isinstance(selections, list) or not all(isinstance(s, str) for s in selections)
    ):
        raise bad("order-select needs 'context.selections', an array of strings")
    prefetch = body.get("prefetch", {})
    if prefetch is None:
        prefetch = {}
    if not isinstance(prefetch, dict):
        raise bad("'prefetch' must be an object")
    return hook, instance, context, prefetch


def _drafts(context: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The draft orders' MedicationRequests."""
    return [
        entry["resource"]
        for entry in context["draftOrders"].get("entry", [])
        if isinstance(entry, dict)
        and isinstance(entry.get("resource"), dict)
        and entry["resource"].get("resourceType") == "MedicationRequest"
    ]


_REFERENCE: Final = re.compile(
    r"(?:https?://[^\s?#]+/)?([A-Z][A-Za-z]{0,63})/([A-Za-z0-9\-.]{1,64})"
    r"(?:/_history/[A-Za-z0-9\-.]{1,64})?"
)
"""A FHIR literal reference to a resource: relative (``Patient/pat-1``), absolute (a
server's base URL before it), or to one version of it (``/_history/2`` after it)."""


def _named(reference: object) -> tuple[str, str] | None:
    """The resource type and id a reference names (``("Patient", "pat-1")``), whichever way
    FHIR writes it; None for anything else."""
    found = _REFERENCE.fullmatch(reference) if isinstance(reference, str) else None
    return (found[1], found[2]) if found is not None else None


def _id_of(resource: Mapping[str, Any]) -> str | None:
    """A resource's id, when it is text (any JSON may stand there: a list is no id)."""
    found = resource.get("id")
    return found if isinstance(found, str) else None


def _selected(hook: str, context: Mapping[str, Any]) -> set[tuple[str, str | None]] | None:
    """The draft orders the hook examines, by type and id: those selected (order-select), or
    None for all (order-sign). A selection that names no draft order is refused (400): the
    spec has it name one, and passing it by would be silence on an order never examined."""
    if hook == "order-sign":
        return None
    drafts = {
        (kind, _id_of(entry["resource"]))
        for entry in context["draftOrders"].get("entry", [])
        if isinstance(entry, dict)
        and isinstance(entry.get("resource"), dict)
        and isinstance(kind := entry["resource"].get("resourceType"), str)
    }
    selected: set[tuple[str, str | None]] = set()
    for position, selection in enumerate(context["selections"]):
        named = _named(selection)
        if named is None or named not in drafts:
            raise HookError(
                400,
                "invalid",
                f"context.selections[{position}] names no order of context.draftOrders: "
                "that order could not be examined",
            )
        selected.add(named)
    return selected


_FHIR_ID: Final = re.compile(r"[A-Za-z0-9\-.]{1,64}")
"""FHIR R4's id: what a card may say of an order's id, being no markup and no link."""


def _fhir_id(resource: Mapping[str, Any]) -> str | None:
    found = resource.get("id")
    return found if isinstance(found, str) and _FHIR_ID.fullmatch(found) else None


_MEDICATION_REFERENCE: Final = re.compile(r"(?:^|/)(Medication/[^/]+)(?:/_history/[^/]+)?$")
"""A reference to a Medication by its id: relative, absolute, or to one version."""


def _bundled_medications(bundle: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The Medication resources of the draft orders' Bundle, by the references that may
    name them: ``Medication/<id>`` and their entry's ``fullUrl``."""
    found: dict[str, Mapping[str, Any]] = {}
    for entry in bundle.get("entry", []):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict) or resource.get("resourceType") != "Medication":
            continue
        if isinstance(resource.get("id"), str):
            found[f"Medication/{resource['id']}"] = resource
        if isinstance(entry.get("fullUrl"), str):
            found[entry["fullUrl"]] = resource
    return found


def _names(resource: Mapping[str, Any], medications: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Every name the order gives its medication: its ``medicationCodeableConcept``, or its
    ``medicationReference`` (the reference's display, and the code of the Medication it
    points to: one contained in the order, or one in the draft orders' Bundle). A drug named
    by a code alone is not named: dosecalc holds no table of codes."""
    names = _concept_names(resource.get("medicationCodeableConcept"))
    reference = resource.get("medicationReference")
    if not isinstance(reference, dict):
        return names
    if isinstance(reference.get("display"), str):
        names.append(reference["display"])
    target = reference.get("reference")
    medication: Mapping[str, Any] | None
    if isinstance(target, str) and target.startswith("#"):
        contained = resource.get("contained")
        medication = next(
            (
                item
                for item in (contained if isinstance(contained, list) else [])
                if isinstance(item, dict)
                and item.get("resourceType") == "Medication"
                and item.get("id") == target[1:]
            ),
            None,
        )
    elif isinstance(target, str):
        local = _MEDICATION_REFERENCE.search(target)  # a server's absolute URL, a version
        medication = medications.get(target) or (
            medications.get(local.group(1)) if local is not None else None
        )
    else:
        medication = None
    if medication is not None:
        names += _concept_names(medication.get("code"))
    return names


def _concept_names(concept: object) -> list[str]:
    """A CodeableConcept's text and its codings' displays."""
    if not isinstance(concept, dict):
        return []
    names = [concept["text"]] if isinstance(concept.get("text"), str) else []
    codings = concept.get("coding")
    for coding in codings if isinstance(codings, list) else []:
        if isinstance(coding, dict) and isinstance(coding.get("display"), str):
            names.append(coding["display"])
    return names


_JOINED_BEFORE: Final = r"\w\-\u2010-\u2015\u2212)\]+"
"""What, just before a drug's name, joins another word to it: a letter (for a drug named
"fictivane", esfictivane), a hyphen or any dash (S-fictivane), a stereo descriptor's closing
bracket or sign ((S)fictivane, S+fictivane). The name so joined is another substance's
(an enantiomer), which the rules do not name: its order gets no card, as any drug's the
rules do not name."""


def _names_drug(names: Sequence[str], drug: str) -> bool:
    """A name holds the drug's name (or another name the rules give it, a brand's) as a word
    of its own, not joined to another."""
    word = re.compile(rf"(?<![{_JOINED_BEFORE}]){re.escape(drug)}(?!\w)", re.IGNORECASE)
    return any(word.search(name) for name in names)


def _order(
    resource: Mapping[str, Any], rules: RuleSet, medications: Mapping[str, Mapping[str, Any]]
) -> Order | None:
    """How one MedicationRequest is read, with its FHIR id; None for a drug the rules do
    not name."""
    order = _read_order(resource, rules, medications)
    return None if order is None else replace(order, fhir_id=_fhir_id(resource))


def _read_order(
    resource: Mapping[str, Any], rules: RuleSet, medications: Mapping[str, Mapping[str, Any]]
) -> Order | None:
    names = _names(resource, medications)
    regimens = [
        r
        for r in rules.regimens
        if any(_names_drug(names, name) for name in (r.drug, *(o.name for o in r.other_names)))
    ]
    if not regimens:
        return None
    drug = regimens[0].drug
    regimens = [r for r in regimens if r.drug == drug]
    instructions = resource.get("dosageInstruction")
    if not isinstance(instructions, list) or not instructions:
        return Order(drug, not_checked="no dose in the order")
    if len(instructions) > 1:
        return Order(drug, not_checked="the order has more than one dosage instruction")
    instruction = instructions[0] if isinstance(instructions[0], dict) else {}
    dose = _dose(instruction)
    try:  # read first: a card not checked for its route still says which order it is
        read = None if dose.startswith("!") else parse_dose(dose)
    except DoseCalcError as error:
        read, refused = None, error
    # The order in its own shape ("17.5 mg/30 min"), as every face shows it, never reduced.
    shown = format_entered(dose) if read is not None else None
    regimen = _regimen(instruction.get("route"), regimens, rules)
    if isinstance(regimen, str):
        return Order(drug, not_checked=regimen, shown=shown)
    if dose.startswith("!"):
        return Order(drug, regimen, not_checked=dose[1:])
    if read is None:
        return Order(drug, regimen, not_checked=refusal(refused))
    every = None if regimen.regimen_kind.is_rate else _interval(instruction.get("timing"))
    timing_unread = every[1:] if every is not None and every.startswith("!") else None
    if timing_unread is not None:  # the dose is still checked, without it
        every = None
    kind = KINDS[regimen.kind]
    needs = read.form in kind.forms and kind.needs_weight(read.form)
    return Order(
        drug,
        regimen,
        dose,
        needs_weight=needs,
        shown=shown,
        every=every,
        timing_unread=timing_unread,
        calculated=_calculated_figures(instruction),
    )


def _regimen(route: object, regimens: Sequence[Regimen], rules: RuleSet) -> Regimen | str:
    """The regimen the route names, among the drug's; or why there is none. Every word the
    route shows beside it (its text, a coding's display) must name the same regimen, as a
    dose's unit text must name its code's unit: the clinician may have read another route
    than the one checked, so the order is not checked, and silence never says it was."""
    found = _coded_or_said(route, regimens, rules)
    if isinstance(found, str):
        return found
    assert isinstance(route, dict)
    codings = route.get("coding")
    shown = [route.get("text")] + [
        coding["display"]
        for coding in (codings if isinstance(codings, list) else [])
        if isinstance(coding, dict) and "display" in coding
    ]
    why = {_route_text_against(text, found, regimens, rules) for text in shown}
    if ROUTE_TEXT_DISAGREES in why:  # another route named leads: it is the worse
        return ROUTE_TEXT_DISAGREES
    if ROUTE_TEXT_UNREAD in why:
        return ROUTE_TEXT_UNREAD
    return found


def _route_text_against(
    text: object, regimen: Regimen, regimens: Sequence[Regimen], rules: RuleSet
) -> str | None:
    """Why a route's text or display does not agree with its code's ``regimen``, or None when
    it does: no text, a blank one, or one naming ``regimen`` as the route's text is read.
    A text naming another route the rules know, whole or as one of its alternatives
    ("iv or sublingual"), names different routes (`ROUTE_TEXT_DISAGREES`); any other is
    one the reader cannot read (`ROUTE_TEXT_UNREAD`), never said to name another route."""
    if text is None or (isinstance(text, str) and not text.strip(" ")):
        return None
    if not isinstance(text, str):
        return ROUTE_TEXT_UNREAD
    if _by_route_text(text, regimens, rules) is regimen:
        return None
    parts = {text, *route_alternatives(text.strip(" "))}
    named = {other.id for part in parts for other in _named_by(part, rules)}
    return ROUTE_TEXT_DISAGREES if named - {regimen.id} else ROUTE_TEXT_UNREAD


def _named_by(text: str, rules: RuleSet) -> list[Regimen]:
    """Every regimen of the rules a route's text names, as `RuleSet.find` and the route
    codes' displays read it (several when the text is ambiguous, none when unread)."""
    trimmed = text.strip(" ")
    wanted = trimmed.lower() if trimmed.isascii() else trimmed
    return [
        regimen
        for regimen in rules.regimens
        if wanted in regimen_names(regimen) or wanted in _code_names(regimen)
    ]


def _coded_or_said(route: object, regimens: Sequence[Regimen], rules: RuleSet) -> Regimen | str:
    """The regimen a route's codes name, else its text; or why there is none. A coded route
    wins over its text: a code of a system the rules code routes in that names none of
    the drug's routes is no rule, whatever the text says; its text is read only beside
    codes of no such system, or none. Every code of such a system must name the one
    regimen (`ROUTE_CODES_DISAGREE`): intravenous beside subcutaneous is neither."""
    if not isinstance(route, dict):
        return "no route in the order"
    codings = route.get("coding")
    systems = {code.system for regimen in rules.regimens for code in regimen.route_codes}
    named: list[Regimen | None] = []  # per code of such a system: its regimen, or none
    for coding in codings if isinstance(codings, list) else []:
        system = coding.get("system") if isinstance(coding, dict) else None
        if isinstance(system, str) and system in systems:
            named.append(_coded_regimen(system, coding.get("code"), regimens))
    if named:
        if any(regimen is not named[0] for regimen in named):
            return ROUTE_CODES_DISAGREE
        return named[0] or "no rule for the order's route"
    text = route.get("text")
    if isinstance(text, str) and text.strip():
        return _by_route_text(text, regimens, rules)
    if codings:
        return "no rule for the order's route"
    return "no route in the order"


def _coded_regimen(system: str, code: object, regimens: Sequence[Regimen]) -> Regimen | None:
    """The drug's regimen whose route codes hold ``code`` of ``system``; None for none."""
    return next(
        (
            regimen
            for regimen in regimens
            for coded in regimen.route_codes
            if (system, code) == (coded.system, coded.code)
        ),
        None,
    )


def _by_route_text(text: str, regimens: Sequence[Regimen], rules: RuleSet) -> Regimen | str:
    """The regimen a route's text names: by a name the rules give it (id, alias, route), or
    else by the display of one of its route codes, with or without SNOMED's trailing
    "route" ("Intravenous route", "intravenous"), or else as alternatives written with "/"
    or "or" that each name that one regimen (the source's "Sublingual/Buccal"); a text
    that names several is none."""
    try:
        found = rules.find(text)
    except UnknownRegimenError:
        wanted = text.strip(" ").lower()
        named = [regimen for regimen in regimens if wanted in _code_names(regimen)]
        if len(named) > 1:
            ids = ", ".join(regimen.id for regimen in named)
            return f"the order's route names more than one rule ({ids})"
        if named:
            return named[0]
        return _by_alternatives(text, regimens, rules)
    return found if found in regimens else "no rule for the order's route"


def _by_alternatives(text: str, regimens: Sequence[Regimen], rules: RuleSet) -> Regimen | str:
    """The one regimen every alternative of a route written with "/" or "or" names."""
    alternatives = route_alternatives(text.strip(" "))
    if len(alternatives) < 2:
        return "no rule for the order's route"
    named = [_by_route_text(part, regimens, rules) for part in alternatives]
    first = named[0]
    if isinstance(first, Regimen) and all(regimen is first for regimen in named):
        return first
    return "no rule for the order's route"


def _code_names(regimen: Regimen) -> set[str]:
    """The texts that name a regimen by its route codes' displays, in lower case: each
    display, without SNOMED's trailing "route" ("intravenous"), and as SNOMED's own fully
    specified name, with its semantic tag ("intravenous route (qualifier value)")."""
    displays = [code.display.lower() for code in regimen.route_codes]
    return {
        *displays,
        *(display.removesuffix(" route") for display in displays),
        *(f"{display} {SNOMED_ROUTE_TAG}" for display in displays),
    }


_PERIOD_UNITS: Final[Mapping[str, tuple[str, Fraction]]] = {
    "s": ("minute", Fraction(1, 60)),
    "min": ("minute", Fraction(1)),
    "h": ("hour", Fraction(1)),
    "d": ("day", Fraction(1)),
    "wk": ("day", Fraction(7)),
}
"""A FHIR ``Timing.repeat.periodUnit`` of a fixed length, in a unit dosecalc writes, and how
many of it one makes (a month or a year is not of one length)."""


def _interval(timing: object) -> str | None:
    """The interval between doses a Timing gives (``"6 hr"``), exactly, as text the CLI and
    the page read; None when it gives none; ``"!"`` and why not, when it gives one dosecalc
    cannot read as evenly spaced doses (as `_dose` says it).

    The most frequent reading counts: ``frequencyMax`` over ``period`` when it is more,
    ``periodMax`` never (it spaces doses further). Doses are read as evenly spaced only
    where FHIR leaves no other reading: one per period, or several per a period that divides
    24 hours (several per 7 hours, or per week, may fall close together on one day). Times
    of day (``timeOfDay``, ``when``) beside a frequency are not read."""
    repeat = timing.get("repeat") if isinstance(timing, dict) else None
    if repeat is None:
        return None
    if not isinstance(repeat, dict):
        return "!the order's timing cannot be read"
    if "period" not in repeat and "frequency" not in repeat:
        return None
    if repeat.get("timeOfDay") or repeat.get("when"):
        return "!the order's timing gives times of day beside its frequency"
    counts = [repeat.get("frequency", 1), repeat.get("frequencyMax", 1)]
    period, unit = _number(repeat.get("period")), repeat.get("periodUnit")
    if (
        not all(isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in counts)
        or period is None
        or not Fraction(period) > 0
        or not isinstance(unit, str)
        or unit not in _PERIOD_UNITS
    ):
        return "!the order's timing (frequency per period) cannot be read"
    frequency = max(counts)
    written, factor = _PERIOD_UNITS[unit]
    minutes = Fraction(period) * factor * _MINUTES[written]
    if frequency > 1 and (minutes > _MINUTES["day"] or _MINUTES["day"] % minutes != 0):
        return (
            f"!the order's timing ({frequency} doses per {period} {unit}) does not say how "
            "they are spaced within 24 hours"
        )
    minutes /= frequency
    if not _written_exactly(minutes):  # a page or a record could not say it as checked
        return "!the order's timing gives an interval dosecalc cannot write exactly"
    for name in (written, "hour"):  # the unit given, else one that writes it exactly
        if _written_exactly(minutes / _MINUTES[name]):
            return f"{_plain(minutes / _MINUTES[name])} {_MINUTES_WORDS[name]}"
    return f"{_plain(minutes)} min"


_MINUTES: Final[Mapping[str, int]] = {"minute": 1, "hour": 60, "day": 1440}
_MINUTES_WORDS: Final[Mapping[str, str]] = {"minute": "min", "hour": "hr", "day": "day"}


def _plain(value: Fraction) -> str:
    """A finite decimal in plain decimals, every one of them, as the page's reader takes it:
    the display rule's writing without its thousands commas."""
    return format_number(value, decimals=exact_places(value, most=None)).replace(",", "")


def _written_exactly(value: Fraction) -> bool:
    """``value`` has a finite decimal form: it can be written as typed, and read back."""
    return finite_places(value) is not None


def _dose(instruction: Mapping[str, Any]) -> str:
    """The dose as dosecalc reads it (``"35 mg/h"``), or ``"!"`` and why there is none."""
    entries = instruction.get("doseAndRate")
    if not isinstance(entries, list) or not entries:
        return "!no dose in the order"
    ordered = [e for e in entries if _typed(e, "ordered")]
    if len(ordered) > 1:  # which one is given is the prescriber's to say
        return "!the order has more than one dose typed 'ordered'"
    if not ordered:
        if len(entries) > 1:
            return "!the order has several doses and none is typed 'ordered'"
        ordered = entries
    entry = ordered[0]
    if not isinstance(entry, dict):
        return "!no dose in the order"
    if "doseRange" in entry or "rateRange" in entry:
        return "!the dose is a range"
    given = [key for key in DOSE_FIGURES if key in entry]
    if len(given) > 1:  # checking one would be silence on the other
        figures = " and ".join(f"{key} {_figure(key, entry[key])}" for key in given)
        return f"!the order gives more than one dose figure ({figures}): which is meant is unclear"
    if not given:
        return "!no dose in the order"
    return _figure_read(given[0], entry[given[0]])


DOSE_FIGURES: Final = ("doseQuantity", "rateQuantity", "rateRatio")
"""The elements of a ``doseAndRate`` that each give a dose (a range is refused before)."""


def _figure_read(key: str, figure: object) -> str:
    """One dose figure as dosecalc reads it, or ``"!"`` and why not."""
    return _ratio(figure) if key == "rateRatio" else _quantity(figure, DOSE_UNITS)


def _figure(key: str, figure: object) -> str:
    """One dose figure as a card names it: as dosecalc reads it, else "not read"."""
    read = _figure_read(key, figure)
    return "not read" if read.startswith("!") else read


def _typed(entry: object, code: str) -> bool:
    """Whether a ``doseAndRate`` entry's type holds ``code`` (``ordered``, ``calculated``)."""
    if not isinstance(entry, dict) or not isinstance(entry.get("type"), dict):
        return False
    codings = entry["type"].get("coding")
    return isinstance(codings, list) and any(
        isinstance(c, dict) and c.get("code") == code for c in codings
    )


def _calculated_figures(instruction: Mapping[str, Any]) -> tuple[str, ...]:
    """The figures of the ``doseAndRate`` entries typed ``calculated`` (not ``ordered``), as
    read by the one reader ("!" and why, when not): each is a dose the clinician may see,
    which is checked against the check's own restatements of the ordered one (`_restates`)."""
    entries = instruction.get("doseAndRate")
    figures = [
        (key, entry[key])
        for entry in (entries if isinstance(entries, list) else [])
        if _typed(entry, "calculated") and not _typed(entry, "ordered")
        for key in (*DOSE_FIGURES, "doseRange", "rateRange")
        if key in entry
    ]
    return tuple(_figure_read(key, figure) for key, figure in figures)


def _restates(text: str, result: CheckResult) -> bool:
    """Whether a calculated figure as read is the ordered dose or one of the check's own
    restatements of it, exactly, in any unit of the same kind (840 mg/d beside 35 mg/h; 28
    mg/h beside 0.4 mg/kg/h at 70 kg; its pump rate): the same dose, worked as dosecalc
    works it at the weight it used, so nothing new to check."""
    if text.startswith("!"):
        return False
    try:
        read = parse_dose(text).quantity
    except DoseCalcError:
        return False
    restated = (
        result.proposed,
        result.in_rule_units,
        result.dose_rate,
        result.dose_amount,
        result.pump_rate,
        result.volume,
    )
    return any(
        figure is not None
        and read.dimensionality == figure.dimensionality
        and convert(read, figure.units) == figure
        for figure in restated
    )


def _calculated_reason(differing: Sequence[str], shown: str | None) -> str:
    """Why calculated figures were not checked: they differ from the ordered dose, or could
    not be read as it."""
    said = "; ".join("not read" if r.startswith("!") else format_entered(r) for r in differing)
    which = "the order's calculated " + ("figure" if len(differing) == 1 else "figures")
    if any(read.startswith("!") for read in differing):  # not read: not known to differ
        return f"{which} ({said}) could not be read as its ordered dose ({shown})"
    differ = "differs" if len(differing) == 1 else "differ"
    return f"{which} ({said}) {differ} from its ordered dose ({shown})"


def _quantity(quantity: object, units: Mapping[str, str], kind: QuantityKind = DOSE) -> str:
    if not isinstance(quantity, dict):
        return "!no dose in the order"
    if "comparator" in quantity:
        return f"!the dose is {NOT_EXACT}"
    code = quantity.get("code")
    if quantity.get("system") != UCUM or not isinstance(code, str):
        return "!the dose has no UCUM code"
    if code in VOLUME_CODES:
        return f"!{NO_CONCENTRATION}"
    if code not in units:
        return "!the dose's UCUM unit is not one dosecalc reads"
    if not unit_text_agrees(quantity.get("unit"), code, units, kind):
        return f"!{UNIT_TEXT_DISAGREES}"
    number = _number(quantity.get("value"))
    if number is None:
        return "!the dose has no number dosecalc reads"
    return f"{number} {units[code]}"


def unit_text_agrees(text: object, code: str, units: Mapping[str, str], kind: QuantityKind) -> bool:
    """Whether a Quantity's ``unit`` text (what the EHR shows beside the number) names the
    unit its UCUM ``code`` is read as (``units[code]``): no text, the code itself, another
    code of ``units`` read as the same unit (mg/(kg.h) beside mg/kg/h), or the same unit in
    any spelling the one reader takes ("mg/hr", "milligrams per hour" for mg/h). Anything
    else does not agree, text that names another unit (mcg/h beside mg/h) and text the
    reader cannot take alike (a "mcg/hr." or a list): the clinician may have seen another
    dose than the code holds, so neither is checked, and silence never says it was."""
    if text is None or (isinstance(text, str) and not text.strip(" ")):
        return True
    if not isinstance(text, str):
        return False
    shown = text.strip(" ")
    if shown == code or units.get(shown) == units[code]:
        return True
    shown = units.get(shown, shown)  # another UCUM code, as dosecalc writes it (mg/(24.h))
    try:
        said = parse_quantity(f"1 {shown}", kind).units
    except DoseCalcError:
        return False
    read = parse_quantity(f"1 {units[code]}", kind).units
    return dimension_of(said) == dimension_of(read) and conversion_factor(said, read) == 1


def _ratio(ratio: object) -> str:
    if not isinstance(ratio, dict):
        return "!no dose in the order"
    top = _quantity(ratio.get("numerator"), AMOUNT_UNITS, DRUG_AMOUNT)
    if top.startswith("!"):
        return top
    bottom = _quantity(ratio.get("denominator"), TIME_UNITS, DURATION)
    if bottom.startswith("!"):
        return bottom.replace("the dose", "the dose's time")
    return f"{top}/{bottom}"


def _number(value: object) -> str | None:
    """A JSON number as the plain decimals that write it exactly (a float as its shortest
    repr: 0.45000000000000007, never cut to 0.45), which is what the CLI reads; None for
    anything else: text, a boolean, NaN or infinity, or a number whose plain decimals are
    longer than any text dosecalc reads (the CLI refuses 1e300 mg/h too)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    if isinstance(value, int) and value.bit_length() > 4 * MAX_INPUT_LENGTH:
        return None  # more digits than a text dosecalc reads (and than int-to-text writes)
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not number.is_finite():
        return None
    # Bounded before it is written out: Decimal("1e999999999") would be a billion digits.
    if abs(number.adjusted()) > MAX_INPUT_LENGTH:
        return None
    written = format(number, "f")
    return written if len(written) <= MAX_INPUT_LENGTH else None


def _weight(found: object, patient: str, max_age: int | None = None) -> Weight:
    """The patient's latest usable weight in the prefetch, or why there is none: also when
    it is older than ``max_age`` days, or undated while a ``max_age`` is set."""
    if found is None:
        return Weight(None, why_not="the EHR sent none")
    if not isinstance(found, dict):
        return Weight(None, why_not="the prefetch is not a FHIR resource")
    kind = found.get("resourceType")
    if kind == "OperationOutcome":
        return Weight(None, why_not="the EHR could not fetch it")
    if kind == "Observation":
        observations = [found]
    elif kind == "Bundle":
        entries = found.get("entry")
        observations = [
            e["resource"]
            for e in (entries if isinstance(entries, list) else [])
            if isinstance(e, dict)
            and isinstance(e.get("resource"), dict)
            and e["resource"].get("resourceType") == "Observation"
        ]
    else:
        return Weight(None, why_not="the prefetch is not a Bundle of Observations")
    if not observations:
        return Weight(None, why_not="no weight Observation was found")
    why = ""
    usable: list[Reading] = []
    for observation in observations:
        reading = _reading(observation, patient)
        if isinstance(reading, str):
            why = why or reading
        else:
            usable.append(reading)
    if not usable:
        return Weight(None, why_not=why)
    dated = [u for u in usable if u[0] is not None]
    newest = max(u[0] for u in dated) if dated else None  # type: ignore[type-var]
    latest = [u for u in usable if u[0] == newest]  # the newest; else every undated one
    try:
        read = [(parse_quantity(text, WEIGHT), text, date) for _, text, date in latest]
    except DoseCalcError as error:
        return Weight(None, why_not=refusal(error))
    if len({_to_hundredths_kg(weight) for weight, _, _ in read}) > 1:
        shown = " and ".join(dict.fromkeys(format_exact(weight) for weight, _, _ in read))
        return Weight(None, why_not=f"the latest weights disagree: {shown}, from {read[0][2]}")
    # Readings that agree to 0.01 kg: the same one whatever their order in the Bundle (of one
    # instant, the one dated most precisely: 2026-12-01 before 2026-12).
    weight, text, date = min(read, key=lambda r: (_in_kg(r[0]), r[1], -len(r[2]), r[2]))
    if max_age is not None:
        policy = f"this service uses a weight measured at most {_days_said(max_age)} ago"
        if newest is None:
            return Weight(None, why_not=f"the latest weight is undated, and {policy}")
        if _PARTIAL_DATE.fullmatch(date):  # how many days ago is not known
            return Weight(
                None,
                why_not=f"the latest weight, {format_exact(weight)}, is dated only {date}, and "
                f"{policy}",
            )
        age = (local_today() - newest.date()).days
        if age > max_age:
            return Weight(
                None,
                why_not=f"the latest weight, {format_exact(weight)} from {date}, was measured "
                f"{_days_said(age)} ago, and {policy}",
            )
    return Weight(text, f"{format_exact(weight)}, from {date}")


def _days_said(days: int) -> str:
    return counted(days, ("day", "days"))


def _in_kg(weight: Quantity) -> Fraction:
    return magnitude(convert(weight, named_unit("kg")))


def _to_hundredths_kg(weight: Quantity) -> Fraction:
    """A weight as dosecalc uses it, to 0.01 kg: two readings that agree to it are one."""
    return Fraction(round(_in_kg(weight) * 100), 100)


Reading = tuple[datetime | None, str, str]


def _reading(observation: Mapping[str, Any], patient: str) -> Reading | str:
    """(when, the weight as dosecalc reads it, the date shown), or why it is not usable."""
    status = observation.get("status")  # any JSON: a list or an object is no status
    if not isinstance(status, str) or status not in USABLE_STATUS:
        return "the Observation is not final, amended or corrected (entered in error?)"
    subject = observation.get("subject")  # relative, absolute or to one version
    if not isinstance(subject, dict) or _named(subject.get("reference")) != ("Patient", patient):
        return "the Observation is another patient's"
    if not _coded_as_weight(observation.get("code")):
        return f"the Observation is not coded as a body weight (LOINC {WEIGHT_LOINC})"
    value = observation.get("valueQuantity")
    if not isinstance(value, dict) or value.get("system") != UCUM:
        return "the Observation holds no UCUM weight (kg, g or [lb_av])"
    code = value.get("code")
    unit = WEIGHT_UNITS.get(code) if isinstance(code, str) else None
    number = _number(value.get("value"))
    if unit is None or number is None:
        return "the Observation holds no UCUM weight (kg, g or [lb_av])"
    if not unit_text_agrees(value.get("unit"), str(code), WEIGHT_UNITS, WEIGHT):
        return "the Observation's unit text and its UCUM code name different units"
    if "comparator" in value:
        return f"the Observation's weight is {NOT_EXACT}"
    when, partial = _when(observation)
    if when is not None and is_after_today(when.date()):  # it would win as the latest
        return f"the Observation is dated {when.date().isoformat()}, in the future"
    # A year or a year-month is said as the EHR gave it, never as a day it did not give.
    date = partial or (when.date().isoformat() if when is not None else UNDATED)
    return when, f"{number} {unit}", date


def _coded_as_weight(code: object) -> bool:
    """Whether an Observation's ``code`` (any JSON) holds a LOINC body weight coding."""
    codings = code.get("coding") if isinstance(code, dict) else None
    return isinstance(codings, list) and any(
        isinstance(coding, dict)
        and coding.get("system") == LOINC
        and isinstance(coding.get("code"), str)  # a list or an object is no code, nor hashable
        and coding["code"] in WEIGHT_CODES
        for coding in codings
    )


UNDATED: Final = "an unknown date (the Observation gives no date of measurement dosecalc reads)"
"""The date said of a weight with no ``effective[x]`` dosecalc reads. Its ``issued`` is when
the record was released, not when the weight was measured (an old weight issued again
today), so it never dates a weight."""


def _when(observation: Mapping[str, Any]) -> tuple[datetime | None, str]:
    """When a weight was measured, by its ``effective[x]`` alone (never `UNDATED`'s
    ``issued``), and, for a year or a year-month (FHIR's partial dates, dated by their
    start), that date as given; else an empty text."""
    period = observation.get("effectivePeriod")
    for text in (
        observation.get("effectiveDateTime"),
        observation.get("effectiveInstant"),
        period.get("start") if isinstance(period, dict) else None,
    ):
        if isinstance(text, str):
            partial = _PARTIAL_DATE.fullmatch(text)
            if partial:  # FHIR's year or year-month: dated by the period's start
                return datetime(int(partial[1]), int(partial[2] or 1), 1, tzinfo=UTC), text
            try:
                when = datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                continue
            return (when if when.tzinfo is not None else when.replace(tzinfo=UTC)), ""
    return None, ""


_PARTIAL_DATE: Final = re.compile(r"(\d{4})(?:-(0[1-9]|1[0-2]))?")
"""A FHIR dateTime of a year or a year and month only ("2026", "2026-12")."""


_BIRTH_DATE: Final = re.compile(r"(\d{4})(?:-(0[1-9]|1[0-2])(?:-(0[1-9]|[12]\d|3[01]))?)?")
"""A FHIR date: a year, a year and month, or a day."""


def _child(found: object, patient: str) -> str | None:
    """Why the ``patient`` prefetch shows a child (`CHILD_UNDER_YEARS`), or None: also for
    no Patient, another patient's, or a birthDate that leaves it open. A year or a month
    alone counts only when even its first day shows a child (born in 2016: a child until
    2034)."""
    if not isinstance(found, dict) or found.get("resourceType") != "Patient":
        return None
    if "id" in found and found["id"] != patient:
        return None
    birth = found.get("birthDate")
    given = _BIRTH_DATE.fullmatch(birth) if isinstance(birth, str) else None
    if given is None:
        return None
    year, month, day = int(given[1]), int(given[2] or 1), int(given[3] or 1)
    try:
        earliest = datetime(year, month, day).date()
    except ValueError:  # 2016-02-30: no date
        return None
    try:
        adult = earliest.replace(year=year + CHILD_UNDER_YEARS)
    except ValueError:  # born on 29 February: of age on 1 March, never a day early
        adult = datetime(year + CHILD_UNDER_YEARS, 3, 1).date()
    if local_today() >= adult:
        return None
    return (
        f"the patient is under {CHILD_UNDER_YEARS} years old (born {given[0]}), and the "
        "source gives no paediatric dosing"
    )


def _card(
    order: Order, weight: Weight, rules: RuleSet, base: str, child: str | None = None
) -> dict[str, Any] | None:
    """The order's card, or None for silence: checked and within, for this patient. For a
    child (``child`` says why), never silence nor "within": the source's range is not
    theirs; only a stop (a probable slip, a limit) leads as for anyone, the child said. A
    calculated figure not checked beside an order checked is said (`_calculated_said`)."""
    if order.not_checked is not None or order.regimen is None or order.dose is None:
        return _not_checked(order, order.not_checked or "no dose in the order", rules)
    if order.needs_weight and weight.text is None:
        return _not_checked(order, f"no usable weight ({weight.why_not})", rules)
    try:
        result = check(
            weight=weight.text,
            regimen=order.regimen.id,
            dose=order.dose,
            rules=rules,
            every=order.every,
        )
    except DoseCalcError as error:
        if getattr(error, "field", None) == "weight" and weight.text is not None:
            return _not_checked(order, f"no usable weight ({refusal(error)})", rules)
        return _not_checked(order, refusal(error), rules)
    indicator = indicator_of(result)
    card: dict[str, Any] | None
    if child is not None and indicator != "critical":
        card = _not_for_child(order, result, child, rules)
    elif indicator is None:
        card = None
    else:
        card = _checked(order, result, indicator, weight, rules, base)
        if child is not None:  # a stop leads; the child is said first in its detail
            said = f"Not checked for this patient: {child}."
            card["detail"] = f"**{_md(said)}**\n\n{card['detail']}"
    differing = [text for text in order.calculated if not _restates(text, result)]
    if not differing:
        return card
    reason = _calculated_reason(differing, order.shown)
    return _calculated_said(order, card, rules, reason, lead=child is None)


def _calculated_said(
    order: Order, card: dict[str, Any] | None, rules: RuleSet, reason: str, *, lead: bool
) -> dict[str, Any]:
    """The card of an order checked beside a calculated figure not checked
    (`Order.calculated`): never silence; the figure first in the detail, and in the summary
    too, when ``lead``, if nothing worse than ``info`` was found (a warning or a stop leads
    there; so does a child's "not checked for this patient", which covers every figure)."""
    if card is None:  # the ordered dose alone was checked, and found within
        return _not_checked(
            order,
            reason,
            rules,
            "dosecalc checked the ordered dose alone and found it within the range of the "
            "source its rules cite, nothing else found; it did not check the calculated "
            "figure: check it independently.",
        )
    said = f"Not checked: {reason}; dosecalc checked the ordered dose alone."
    card["detail"] = f"**{_md(said)}**\n\n{card['detail']}"
    if lead and card["indicator"] == "info":
        card["summary"] = _summary(order.drug, _which(order), f"not checked: {reason}")
    return card


def _not_for_child(order: Order, result: CheckResult, child: str, rules: RuleSet) -> dict[str, Any]:
    """A child's order short of a stop: not checked for this patient (`CHILD_UNDER_YEARS`),
    still a warning when it would be one for anyone (above or below even the source's
    range), never "within"."""
    warned = indicator_of(result) == "warning"
    said = f"NOT CHECKED FOR THIS PATIENT: under {CHILD_UNDER_YEARS}"
    if result.verdict != "within":
        said += f"; {result.verdict} the source's range"
    card = _not_checked(
        order,
        f"for this patient: {child}",
        rules,
        "The range of the source its rules cite is not this patient's, so dosecalc did not "
        "check the dose for them: the supervising specialist decides the dose.",
    )
    card["summary"] = _summary(order.drug, _which(order), said)
    if warned:
        card["indicator"] = "warning"
        card["overrideReasons"] = _override_reasons()
    return card


def refusal(error: DoseCalcError) -> str:
    """Why the library refused an order or a weight, as a card says it: the field and the
    problem, never the fix. A fix tells a person at a keyboard how to retype the input,
    with examples ("e.g. '30 mg/hr'"), which beside an order in the EHR would read as a
    dose suggested; and no one retypes an EHR's order in dosecalc."""
    if isinstance(error, InputError):
        return f"{error.field}: {error.problem}"
    return str(error)


def indicator_of(result: CheckResult) -> Indicator | None:
    """The card's indicator (CDS Hooks §3 of issue 22), from the most serious finding first:
    a stop (hard limit, probable entry error, maximum per 24 hours) is critical; a dose out
    of range is a warning; within with a warning of the check is info; within and nothing
    else found is no card at all."""
    severity = result.headline.severity
    if severity == "stop":
        return "critical"
    if severity == "out-of-range" or result.verdict != "within":
        return "warning"
    if severity == "not-checked" or result.warnings:
        return "info"
    return None


def _summary(
    drug: str, dose: str | None, said: str, then: str | None = None, lead: str | None = None
) -> str:
    """``<drug> <dose as ordered>: <what was found>: <then, what to do>``, under
    `SUMMARY_LIMIT` characters (CDS Hooks' advice). What to do is said only whole, after
    all that was found; when both do not fit, after the finding's ``lead`` (its capitals)
    alone, since the summary may be all a prescriber reads. Otherwise the summary says
    fewer words, never part of one and never "…": the most that fit, ending where a clause
    or sentence ends when that keeps at least half of them, a bracket left open closed (the
    detail holds all of it)."""
    head = f"{drug} {dose or 'order'}:"
    text = f"{head} {said}"
    if then is not None and len(f"{text}: {then}") <= SUMMARY_LIMIT:
        return f"{text}: {then}"
    if then is not None and lead is not None and len(f"{head} {lead}: {then}") <= SUMMARY_LIMIT:
        return f"{head} {lead}: {then}"
    if len(text) <= SUMMARY_LIMIT:
        return text
    words = said.split()
    fitting: list[tuple[int, str]] = []
    for end in range(len(words), 0, -1):
        kept = " ".join(words[:end]).rstrip(",;:.")
        kept += ")" * (kept.count("(") - kept.count(")"))
        if len(f"{head} {kept}") <= SUMMARY_LIMIT:
            fitting.append((end, kept))
    if not fitting:
        return head.rstrip(":")
    most = fitting[0][0]
    for end, kept in fitting:
        at_clause = words[end - 1].endswith((",", ";", ":", ".")) or (
            end < len(words) and words[end].startswith("(")
        )
        if at_clause and end * 2 >= most:
            return f"{head} {kept}"
    return f"{head} {fitting[0][1]}"


LEAD_WORDS: Final = re.compile(r"[A-Z0-9]+(?: [A-Z0-9]+)*(?![a-z])")
"""The leading words of a finding in capitals: PROBABLE ENTRY ERROR, ABOVE THE HARD LIMIT."""

_SUMMARY_WORDS: Final[Mapping[str, str]] = {
    "implausible-concentration": "{lead}: {verdict} the range only if the concentration is right",
    "per-kg-weight-unclear": "{lead} the range only per kg of the dosing weight: which weight?",
    "patient-not-covered": "{lead}: the source may not cover them; {verdict} the range",
    "max-per-24h-not-checked": "{lead}: no weight; {verdict} the range per kg",
    "above-max-per-24h": "{lead} (the dose itself is {verdict} the range)",
}
"""A summary's words for a finding whose capitals alone would not say it; any other reads
``<its capitals>, <verdict> the range``."""


def _said(result: CheckResult, *, unusable: bool = False) -> str:
    """What a summary says after the drug and dose, the most serious finding first: its
    leading words in capitals (``PROBABLE ENTRY ERROR, above the range``); a plain verdict
    as ``above the range``; within with warnings, ``within the range; read the warnings``."""
    headline = result.headline
    verdict = f"{result.verdict} the range"
    if headline.outcome in ("above", "below"):
        return verdict if result.patient_covered else f"{verdict}; patient not checked against it"
    if headline.outcome == "within":
        return f"{verdict}; read the warnings"
    lead = _lead(result) or result.verdict.upper()
    words = _SUMMARY_WORDS.get(headline.outcome, "{lead}, {verdict} the range")
    codes = {warning.code for warning in result.warnings}
    if INTERVAL_NOT_GIVEN in codes:
        words = "{lead}; {verdict} the range"
    elif headline.outcome == "max-per-24h-not-checked" and INTERVAL_NOT_COMPARED in codes:
        words = "{lead}; one dose is {verdict} the range"
    if headline.outcome == "patient-not-covered" and any(
        warning.code == WEIGHT_NOT_GIVEN for warning in result.warnings
    ):
        weightless = "no usable weight" if unusable else "no weight was given"
        words = "{lead}: " + weightless + "; {verdict} the range"
    elif not result.patient_covered and headline.outcome != "patient-not-covered":
        words = "{lead}; the source may not cover the patient"  # never "within" for them
    return words.format(lead=lead, verdict=result.verdict)


def _lead(result: CheckResult) -> str | None:
    """The headline's leading words in capitals (``ABOVE THE MAXIMUM PER 24 HOURS``), for a
    finding more than a plain verdict; None for above, below or within."""
    if result.headline.outcome in ("above", "below", "within"):
        return None
    match = LEAD_WORDS.match(result.headline.says)
    return match.group() if match else None


def _action(result: CheckResult) -> str:
    """What a summary says to do: the headline's action, as every face says it."""
    codes = [warning.code for warning in result.warnings]
    return action_of(result.headline.outcome, result.verdict, codes)


def _checked(
    order: Order,
    result: CheckResult,
    indicator: Indicator,
    weight: Weight,
    rules: RuleSet,
    base: str,
) -> dict[str, Any]:
    assert order.regimen is not None
    assert order.dose is not None
    unweighed = weight.text is None
    if not unweighed:
        weighed = f"Weight used: {weight.shown}."
    else:  # why none was used comes first: the EHR may have sent one that was not usable
        why = f"no usable weight: {weight.why_not}" if weight.why_not else "no weight was sent"
        if order.regimen.regimen_kind.per_kg:
            weighed = (
                f"Checked per kg without a weight ({why}): the order and the range are both per kg."
            )
        else:
            weighed = (
                f"Checked without a weight ({why}): this regimen's range does not use one, but "
                "the patient was not assessed."
            )
    found = [*finding_items(result), *filter(None, [rules_advice(result.basis)])]
    lines = [
        f"**{_md(verdict_line(result))}**",
        "",
        *([_md(weighed), ""] if unweighed else []),
        *(f"- {_md(item)}" for item in found),
        *([""] if found else []),
        *(f"- **{_md(label)}:** {_md(value)}" for label, value in order_check_rows(result)),
    ]
    if "patient_range" in result.display:
        whose = f"Range {for_this_patient(result.warnings)}"
        lines.append(f"- **{whose}:** {_md(result.display['patient_range'])}")
    lines += [] if unweighed else ["", _md(weighed)]
    if order.timing_unread is not None:  # said, never dropped: checked without an interval
        lines += ["", _md(f"Not read: {order.timing_unread}; checked as one dose.")]
    limit = _limit_source(result, order.regimen)
    if limit is not None:
        lines += ["", f"- **The limit's source:** {_md(limit.cited)}: {_md(repr(limit.quote))}"]
    if result.warnings:
        lines += ["", "**Warnings**", *(f"- {_md(w)}" for w in warning_items(result.warnings))]
    watch = watch_for_rows(result.side_effects, result.supervision)
    lines += ["", *(f"- **{_md(k)}:** {_md(v)}" for k, v in watch)]
    lines += ["", "**Basis**", *(f"- **{_md(k)}:** {_md(v)}" for k, v in basis_rows(result.basis))]
    lines += ["", f"_{_md(DISCLAIMER)}_"]
    query = {"regimen": order.regimen.id, "dose": order.dose}
    if weight.text is not None:
        query = {"weight": weight.text, **query}
    if order.every is not None:  # the page checks what the card checked
        query["every"] = order.every
    card: dict[str, Any] = {
        "uuid": str(uuid.uuid4()),
        "summary": _summary(
            order.drug,
            result.display["proposed"],
            _said(result, unusable=weight.why_not is not None),
            then=_action(result),
            # What to do never gives way to the finding's detail (which the card's detail holds).
            lead=_lead(result),
        ),
        "indicator": indicator,
        "detail": "\n".join(lines),
        "source": {"label": source_label(order.regimen, rules, limit)},
        "links": [
            {
                "label": "Open this check in dosecalc",
                "url": f"{base}/?{urlencode(query)}",
                "type": "absolute",
            }
        ],
    }
    if indicator in ("warning", "critical"):
        card["overrideReasons"] = _override_reasons()
    return card


def _not_checked(
    order: Order,
    reason: str,
    rules: RuleSet,
    explained: str = "dosecalc could not compare this order with the range of the source its "
    "rules cite; check the dose independently.",
) -> dict[str, Any]:
    regimen = order.regimen or next(r for r in rules.regimens if r.drug == order.drug)
    lines = [
        f"**{_md(f'Not checked: {reason}')}**",
        "",
        _md(explained),
        "",
        f"- **Order:** {_md(order_named(order))}",
    ]
    summary = _summary(order.drug, _which(order), f"not checked: {reason}")
    return _unchecked_card(summary, "info", lines, regimen, rules)


def _unchecked_card(
    summary: str, indicator: Indicator, lines: list[str], regimen: Regimen, rules: RuleSet
) -> dict[str, Any]:
    """A card of something not checked: its ``lines``, then the supervision, the rules and
    the disclaimer, as every such card ends."""
    detail = [
        *lines,
        f"- **Supervision:** {_md(regimen.supervision)}",
        f"- **Rules:** {_md(f'{rules.version}, SHA-256 {rules.sha256}')}",
        "",
        f"_{_md(DISCLAIMER)}_",
    ]
    return {
        "uuid": str(uuid.uuid4()),
        "summary": summary,
        "indicator": indicator,
        "detail": "\n".join(detail),
        "source": {"label": source_label(regimen, rules)},
    }


def _which(order: Order) -> str | None:
    """Which order a summary is about: its dose as read, else its id (``order mr-1``)."""
    if order.shown is not None or order.fhir_id is None:
        return order.shown
    return f"order {order.fhir_id}"


def order_named(order: Order) -> str:
    """An order as a card names it: its dose as dosecalc read it, else that it was not
    read, and its FHIR id when it has one (``30 mg/hr (MedicationRequest mr-1)``)."""
    dose = order.shown or "a dose not read"
    return dose if order.fhir_id is None else f"{dose} (MedicationRequest {order.fhir_id})"


def _not_added(drug: str, orders: Sequence[Order], rules: RuleSet) -> dict[str, Any]:
    """The card for several orders of one drug: each was checked alone, and what they give
    together was not (adding doses across regimens is a clinical judgment no rule here
    makes), so silence on each never stands for their total."""
    regimen = next(
        (order.regimen for order in orders if order.regimen is not None),
        next(r for r in rules.regimens if r.drug == drug),
    )
    said = f"{len(orders)} {drug} orders, each checked alone: their total was not checked"
    lines = [
        f"**{_md(said)}**",
        "",
        _md(
            "dosecalc compares one order at a time with the range of the source its rules "
            "cite, and never adds orders together: check what they give together "
            "independently."
        ),
        "",
        *(f"- {_md(order_named(order))}" for order in orders),
        "",
    ]
    summary = _summary(
        drug, f"({len(orders)} orders)", "each checked alone; their total was not checked"
    )
    return {
        **_unchecked_card(summary, "warning", lines, regimen, rules),
        "overrideReasons": _override_reasons(),
    }


def _override_reasons() -> list[dict[str, str]]:
    return [
        {"system": OVERRIDE_SYSTEM, "code": code, "display": display}
        for code, display in OVERRIDE_REASONS
    ]


def _limit_source(result: CheckResult, regimen: Regimen) -> Citation | None:
    """The library's own source for a limit the order breaches (a hard limit, a maximum per
    24 hours) when that is the most serious finding; else None."""
    outcome = result.headline.outcome
    if outcome in ("above-hard-limit", "below-hard-limit") and regimen.hard_limits is not None:
        return regimen.hard_limits.source
    if outcome == "above-max-per-24h" and regimen.max_per_24h is not None:
        return regimen.max_per_24h.source
    return None


def source_label(regimen: Regimen, rules: RuleSet, limit: Citation | None = None) -> str:
    """``<document>, section '<section>', <table>; dosecalc rules <file>@<version>``:
    the rule's own citation (or that of the limit breached), and the rules version."""
    source = limit or regimen.source
    table = f", {source.table}" if source.table else ""
    return f"{source.document}, section '{source.section}'{table}; dosecalc rules {rules.version}"


_MARKDOWN_SPECIAL: Final = re.compile(r"([\\`*_{}\[\]<>#|~!])")


def _md(text: str) -> str:
    """Text as GitHub-flavoured Markdown shows it literally: no markup, link or HTML."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split()))
