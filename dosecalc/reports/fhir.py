"""A result as one FHIR R4 ``Dosage``: the format other clinical systems read.

What goes where, and why:

* ``route``: the code the rule file gives (``route_codes``, each with its own
  citation; SNOMED CT in the shipped rules). A clinician who asked for one
  alternative of a route ("buccal" of "sublingual or buccal") gets that
  alternative's code when the rule has one, else the whole route's code, so a
  record never claims a route nobody chose. A route the rule gives no code for is text
  only: dosecalc holds no table of codes of its own, so never guesses one.
* ``doseAndRate``: an untyped entry with the source's range (nobody ordered it) in its own
  unit (``rateRange`` in mg/kg/h, or ``doseRange`` in mg), then ``calculated``
  entries for this patient: mg/h, and mL/h (or mL per dose) with a
  concentration. A fixed dose gets no calculated mg entry: it does not depend
  on the patient. For a patient the source does not cover (``patient_covered`` false)
  there is no entry at all, not even the source's range: a receiving system would take a
  fixed range in mg, or a range per kg times their weight, as their dose. The text says
  why, and states no figure either; an order check for them keeps the order as ordered
  and restates it in no other unit.
  Values are those the clinician reads (never outside the exact range, see
  `dosecalc.foundation.display`), so the record is never wider than the exact
  range and agrees with the text. Every Quantity is UCUM.
* ``text``: the instruction, any warnings, the basis (source, rules version
  and SHA-256), the source's supervision statement and the disclaimer. It is
  the element every receiving system shows beside the dose; an extension would
  need a published definition, and systems drop one they do not know,
  disclaimer and all.
* ``additionalInstruction``: the side effects to watch for and the
  supervision statement, as text (FHIR's "warnings", like "may cause
  drowsiness"). None is coded: the source names them in words only.
* ``patientInstruction`` stays empty: dosecalc speaks to clinicians.

Timing, frequency and maximum doses stay empty because the source gives none.

An order check (`fhir_check`) is a ``Bundle`` of type ``collection``:

* a ``MedicationRequest`` (status ``draft``, intent ``proposal``: an order
  not yet made) whose one ``dosageInstruction`` is the proposed dose: an
  ``ordered`` entry with the dose as entered, then ``calculated`` entries
  restating it in the rule's unit and as mg/h, mL/h or mL. These values are
  exact (the nearest double), never rounded: rounding could carry a dose just
  over a bound back into the range. The subject is a display only: dosecalc
  holds no patient data. Its ``note`` gives the verdict, the working, the
  ranges and the disclaimer, so a "within" verdict travels too;
* for a dose below or above the range, a ``DetectedIssue`` implicating that
  request, coded from HL7's ActCode dosage alerts (High or Low Dose Alert; for
  Weight when the range is per kg), severity ``high`` for a probable entry
  error, else ``moderate``, status ``preliminary`` (unverified), with the
  verdict, the ranges and the entry error in ``detail``. A dose within the
  range raises no issue, so has no ``DetectedIssue``.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any, Final

from dosecalc.clinical.result import CheckResult, DoseResult, QuantityRange, Severity
from dosecalc.foundation.display import (
    format_exact,
    json_number,
    magnitude,
    unit_display,
    unit_ucum,
)
from dosecalc.foundation.unit_registry import (
    Quantity,
    convert,
    named_unit,
)
from dosecalc.foundation.working import line_text
from dosecalc.reports.contents import (
    finding_items,
    for_this_patient,
    order_check_rows,
    rules_advice,
    verdict_line,
)
from dosecalc.ruleset.kinds import KINDS

UCUM: Final = "http://unitsofmeasure.org"
DOSE_RATE_TYPE: Final = "http://terminology.hl7.org/CodeSystem/dose-rate-type"
ACT_CODE: Final = "http://terminology.hl7.org/CodeSystem/v3-ActCode"

DOSE_ALERTS: Final[dict[tuple[str, bool], tuple[str, str]]] = {
    ("above", True): ("DOSEHINDW", "High Dose for Weight Alert"),
    ("above", False): ("DOSEH", "High Dose Alert"),
    ("below", True): ("DOSELINDW", "Low Dose for Weight Alert"),
    ("below", False): ("DOSEL", "Low Dose Alert"),
}
"""ActCode dosage alerts, by verdict and whether the range is per kg of body weight."""
DOSAGE_PROBLEM: Final = ("DOSE", "Dosage problem")
"""The ActCode of a check within the range for a patient the range was not written for."""
ISSUE_SEVERITY: Final[dict[Severity, str]] = {
    "stop": "high",
    "out-of-range": "moderate",
    "not-checked": "moderate",
    "within": "low",
}
"""A DetectedIssue's severity, by how serious the check's headline is."""
NO_PATIENT: Final = "Patient not identified: dosecalc holds no patient data"


def to_fhir(result: DoseResult | CheckResult) -> dict[str, Any]:
    """A result as FHIR R4, JSON-ready: a calculation as one ``Dosage``, a check as a
    ``Bundle`` (this module's docstring says what goes where). Anything else (a
    preparation, which FHIR has no resource for here) is a `TypeError`."""
    if isinstance(result, CheckResult):
        return fhir_check(result)
    if isinstance(result, DoseResult):
        return fhir_dosage(result)
    raise TypeError(
        f"to_fhir takes the result of calculate or check, not a {type(result).__name__}"
    )


def fhir_dosage(result: DoseResult) -> dict[str, Any]:
    """One FHIR R4 ``Dosage`` for ``result``, as a JSON-ready dict."""
    watch_for = [
        {"text": f"Watch for {effect} (a side effect the source names)"}
        for effect in result.side_effects
    ]
    dosage: dict[str, Any] = {
        "text": _text(result),
        "additionalInstruction": [*watch_for, {"text": result.supervision}],
        "route": _route(result),
    }
    dose_and_rate = _dose_and_rate(result)
    if dose_and_rate:  # FHIR JSON has no empty arrays: none at all, for a patient not covered
        dosage["doseAndRate"] = dose_and_rate
    if result.max_per_24h is not None:  # the library's maximum, exactly
        dosage["maxDosePerPeriod"] = {
            "numerator": _exact_quantity(result.max_per_24h),
            "denominator": {"value": 1, "unit": "d", "system": UCUM, "code": "d"},
        }
    return dosage


def _exact_quantity(quantity: Quantity) -> dict[str, Any]:
    return {
        "value": json_number(magnitude(quantity)),
        "unit": unit_display(quantity.units),
        "system": UCUM,
        "code": unit_ucum(quantity.units),
    }


def route_of(result: DoseResult | CheckResult) -> str:
    """The route in words: the alternative the rule's code stands for, when the clinician
    asked for one by name ("buccal"), else the regimen's route."""
    return result.route if result.route_code is None else result.route_code.route


def _route(result: DoseResult | CheckResult) -> dict[str, Any]:
    coded = result.route_code
    if coded is None:
        return {"text": route_of(result)}
    coding = {"system": coded.system, "code": coded.code, "display": coded.display}
    return {"coding": [coding], "text": route_of(result)}


def _dose_and_rate(result: DoseResult) -> list[dict[str, Any]]:
    if not result.patient_covered:  # no figure for them: the text says why
        return []
    element = KINDS[result.kind].fhir_element
    entries = [_entry(None, element, result.rule_range)]  # the source's, as it states it
    if result.dose.low.units != result.rule_range.low.units:  # worked for the patient
        entries.append(_entry("calculated", element, result.dose))
    delivered = result.pump_rate or result.volume
    if delivered is not None:
        entries.append(_entry("calculated", element, delivered))
    return entries


def _entry(kind: str | None, element: str, quantities: QuantityRange) -> dict[str, Any]:
    """A ``doseAndRate`` entry; untyped (``kind`` None) for the source's range, which
    nobody ordered and nobody calculated: a receiving system must not read it as an order."""
    typed = (
        {"type": {"coding": [{"system": DOSE_RATE_TYPE, "code": kind, "display": kind.title()}]}}
        if kind is not None
        else {}
    )
    return {**typed, element: _range(quantities)}


def _range(quantities: QuantityRange) -> dict[str, Any]:
    low, high = quantities.shown_low.value, quantities.shown_high.value
    units = quantities.low.units
    return {
        bound: {
            "value": json_number(value),
            "unit": unit_display(units),
            "system": UCUM,
            "code": unit_ucum(units),
        }
        for bound, value in (("low", low), ("high", high))
    }


def _text(result: DoseResult) -> str:
    route = route_of(result)
    first = [f"{result.headline.text}."] if result.headline is not None else []
    # No figure for a patient not covered: the text is shown as the instruction, as the
    # doseAndRate it stands beside would be (which has no entry for them either).
    instruction = _instruction(result) if result.patient_covered else NO_FIGURE
    whose = "" if result.patient_covered else f", {for_this_patient(result.warnings)}"
    sentences = [*first, f"{result.drug.capitalize()}, {route}{whose}: {instruction}."]
    sentences += [warning.message for warning in result.warnings]
    advice = rules_advice(result.basis)
    sentences += [advice] if advice else []
    source = result.basis
    sentences.append(
        f"Range from {source.source}; rules {source.rules_version}, SHA-256 {source.rules_sha256}."
    )
    sentences += [f"Supervision: {result.supervision}", result.disclaimer]  # with every dose
    return " ".join(sentences)


NO_FIGURE: Final = "no dose is stated, since the source does not cover this patient"
"""The instruction of a Dosage for a patient the source does not cover, in place of figures."""


def _instruction(result: DoseResult) -> str:
    """``35 to 70 mg per dose, from 0.5 to 1 mg/kg for a dosing weight of 70 kg (3.5 to 7 mL
    of 10 mg/mL)``: the patient's range, its basis when per kg, and what to deliver."""
    concentration = result.concentration
    text = result.dose.display + ("" if KINDS[result.kind].is_rate else " per dose")
    if result.dosing_weight is not None:  # a range per kg
        text += (
            f", from {result.rule_range.display} for a dosing weight of "
            f"{result.dosing_weight.display}"
        )
    if result.volume is not None and concentration is not None:
        text += f" ({result.volume.display} of {format_exact(concentration)})"
    if result.pump_rate is not None and concentration is not None:
        text += f"; at {format_exact(concentration)}, {result.pump_rate.display}"
    return text


def fhir_check(check: CheckResult) -> dict[str, Any]:
    """An order check as a FHIR R4 ``Bundle``: the proposed ``MedicationRequest`` and,
    out of range, a ``DetectedIssue`` (the module's docstring says what goes where)."""
    seed = json.dumps(check.model_dump(mode="json"), sort_keys=True)
    request_url = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, seed + '#request')}"
    summary = _check_summary(check)
    request = {
        "resourceType": "MedicationRequest",
        "status": "draft",
        "intent": "proposal",
        "medicationCodeableConcept": {"text": check.drug},
        "subject": {"display": NO_PATIENT},
        "note": [
            {"text": f"{summary} Working: {line_text(check.basis.formula)}. {check.disclaimer}"},
            {"text": f"Supervision: {check.supervision}"},
        ],
        "dosageInstruction": [_proposed_dosage(check)],
    }
    entries = [{"fullUrl": request_url, "resource": request}]
    headline = check.headline
    if headline.outcome != "within":
        code, display = _alert(check)
        issue = {
            "resourceType": "DetectedIssue",
            "status": "preliminary",
            "code": {
                "coding": [{"system": ACT_CODE, "code": code, "display": display}],
                "text": check.display["verdict"],
            },
            "severity": ISSUE_SEVERITY[headline.severity],
            "implicated": [{"reference": request_url}],
            "detail": summary,
        }
        issue_url = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, seed + '#issue')}"
        entries.append({"fullUrl": issue_url, "resource": issue})
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


def _alert(check: CheckResult) -> tuple[str, str]:
    """The ActCode of the headline: a dose alert by verdict, a high-dose alert for a total
    above the maximum per 24 hours, else a dosage problem (a patient not covered)."""
    if check.verdict != "within":
        return DOSE_ALERTS[check.verdict, _per_kg(check)]
    if check.headline.outcome == "above-max-per-24h":
        return DOSE_ALERTS["above", False]
    return DOSAGE_PROBLEM


def _per_kg(check: CheckResult) -> bool:
    """Whether the source's range is per kg of body weight (mg/kg/h, not mg)."""
    return "kg" in unit_ucum(check.range.low.units)


def _check_summary(check: CheckResult) -> str:
    """The verdict, the restatements and ranges, the other findings, any probable entry
    error, whose rules they are, and the warnings, in words."""
    # For a patient the source does not cover, no range worked for them, as in the Dosage.
    rows = "; ".join(
        f"{label}: {value}"
        for label, value in order_check_rows(check, patient_ranges=check.patient_covered)
    )
    advice = rules_advice(check.basis)
    sentences = [f"{verdict_line(check)}.", f"{rows}.", *finding_items(check)]
    sentences += [advice] if advice else []
    sentences += [warning.message for warning in check.warnings]
    return " ".join(sentences)


def _proposed_dosage(check: CheckResult) -> dict[str, Any]:
    route = route_of(check)
    source = check.basis
    # Each restatement once, and none that merely repeats the order: a ``calculated`` entry
    # of the ordered figure could be read as a dose dosecalc worked out.
    # For a patient the source does not cover, none at all: the order restated for their
    # weight would be read as a dose worked out for them (the text says why).
    restated: list[Quantity] = []
    covered = check.patient_covered
    # (An order written over a stated time, "360 mg/12 hr", is not the 30 mg/hr it comes to.)
    ordered = [check.proposed] if check.proposed_as_written is None else []
    for quantity in (check.in_rule_units, check.dose_rate, check.pump_rate, check.volume):
        if covered and quantity is not None and not _same(quantity, [*ordered, *restated]):
            restated.append(quantity)
    # For a patient the source does not cover, not even the source's range (a fixed range
    # in mg would be read as theirs), as in a calculation's Dosage.
    against = (
        f"checked against the range {check.display['range']} from {source.source}"
        if check.patient_covered
        else f"not checked for this patient against the range of {source.source}"
    )
    return {
        # The verdict first, as on every face; the range after it, never read as an instruction.
        "text": f"{verdict_line(check)}. {check.drug.capitalize()}, {route}: "
        f"{check.display['proposed']} proposed, {against}; rules {source.rules_version}, "
        f"SHA-256 {source.rules_sha256}. {check.supervision} {check.disclaimer}",
        "route": _route(check),
        **({"timing": _timing(check.every)} if check.every is not None else {}),
        "doseAndRate": [
            _ordered_entry(check),
            *(_exact_entry("calculated", q) for q in restated),
        ],
    }


def _same(quantity: Quantity, others: list[Quantity]) -> bool:
    """Whether ``quantity`` is one of ``others``: the same value in the same unit."""
    return any(quantity.units == other.units and quantity == other for other in others)


_PERIOD_UNITS: Final = {"second": "s", "minute": "min", "hour": "h", "day": "d", "week": "wk"}
"""FHIR's ``Timing.repeat.periodUnit`` of each unit of time it has (UCUM)."""


def _timing(every: Quantity) -> dict[str, Any]:
    """How often the order is given, as FHIR says it: once per the interval, exactly (in
    hours when its unit is none of FHIR's)."""
    unit = str(every.units)
    if unit not in _PERIOD_UNITS:
        every, unit = convert(every, named_unit("hour")), "hour"
    return {
        "repeat": {
            "frequency": 1,
            "period": json_number(magnitude(every)),
            "periodUnit": _PERIOD_UNITS[unit],
        }
    }


def _ordered_entry(check: CheckResult) -> dict[str, Any]:
    """The order as entered: a rate written over a stated time ("17.5 mg/30 min") as the
    ``rateRatio`` it is, else its quantity exactly (`_exact_entry`)."""
    if check.proposed_as_written is None:
        return _exact_entry("ordered", check.proposed)
    amount, per = check.proposed_as_written
    return {
        "type": {"coding": [{"system": DOSE_RATE_TYPE, "code": "ordered", "display": "Ordered"}]},
        "rateRatio": {"numerator": _exact_quantity(amount), "denominator": _exact_quantity(per)},
    }


def _exact_entry(kind: str, quantity: Quantity) -> dict[str, Any]:
    """A ``doseAndRate`` entry holding ``quantity`` exactly: a rate as ``rateQuantity``."""
    code = unit_ucum(quantity.units)
    element = "rateQuantity" if re.search(r"/(h|min|d)\b", code) else "doseQuantity"
    return {
        "type": {
            "coding": [{"system": DOSE_RATE_TYPE, "code": kind, "display": kind.capitalize()}]
        },
        element: _exact_quantity(quantity),
    }
