"""A result as one FHIR R4 ``Dosage``: the format other clinical systems read.

What goes where, and why:

* ``route``: SNOMED CT. A clinician who asked for "sublingual" or "buccal"
  gets that route; the regimen's own name ("sublingual or buccal") gets the
  oromucosal route, which covers both, so a record never claims a route nobody
  chose. A route dosecalc has no code for (from another rule file) is text only.
* ``doseAndRate``: an ``ordered`` entry with the source's range in its own
  unit (``rateRange`` in mg/kg/h, or ``doseRange`` in mg), then ``calculated``
  entries for this patient: mg/h, and mL/h (or mL per dose) with a
  concentration. A fixed dose gets no calculated mg entry: it does not depend
  on the patient. Values are those the clinician reads (never outside the exact range, see
  `dosecalc.foundation.display`), so the record is never wider than the exact
  range and agrees with the text. Every Quantity is UCUM.
* ``text``: the instruction, any warnings, the basis (source, rules version
  and SHA-256) and the disclaimer. It is the element every receiving system
  shows beside the dose; an extension would need a published definition, and
  systems drop one they do not know, disclaimer and all.
* ``additionalInstruction``: the side effects to watch for and the
  supervision statement, as text (FHIR's "warnings", like "may cause
  drowsiness"). None is coded: the source names them in words only.
* ``patientInstruction`` stays empty: dosecalc speaks to clinicians.

Timing, frequency and maximum doses stay empty because the source gives none.
"""

from __future__ import annotations

import re
from typing import Any, Final

from dosecalc.clinical.result import DoseResult, QuantityRange
from dosecalc.foundation.display import (
    format_exact,
    json_number,
    unit_display,
    unit_ucum,
)

SNOMED_CT: Final = "http://snomed.info/sct"
UCUM: Final = "http://unitsofmeasure.org"
DOSE_RATE_TYPE: Final = "http://terminology.hl7.org/CodeSystem/dose-rate-type"

ROUTES: Final[dict[str, tuple[str, str]]] = {
    "intravenous": ("47625008", "Intravenous route"),
    "sublingual": ("37839007", "Sublingual route"),
    "buccal": ("54471007", "Buccal route"),
}
"""SNOMED CT route concepts (qualifier values), by the word of a route they code."""
OROMUCOSAL: Final = ("372473007", "Oromucosal route")
"""For "sublingual or buccal": the route that begins on the lining of the mouth covers both."""


def fhir_dosage(result: DoseResult) -> dict[str, Any]:
    """One FHIR R4 ``Dosage`` for ``result``, as a JSON-ready dict."""
    watch_for = [
        {"text": f"Watch for {effect} (a side effect the source names)"}
        for effect in result.side_effects
    ]
    return {
        "text": _text(result),
        "additionalInstruction": [*watch_for, {"text": result.supervision}],
        "route": _route(result),
        "doseAndRate": _dose_and_rate(result),
    }


def route_of(result: DoseResult) -> tuple[str, tuple[str, str] | None]:
    """The route in words and its SNOMED CT (code, display).

    The regimen's route ("sublingual or buccal") is narrowed to the one the
    clinician asked for by name ("buccal"). The code is None for a route
    dosecalc knows no code for, so that a record never carries a guess.
    """
    named = [word for word in re.findall(r"[a-z]+", result.route.lower()) if word in ROUTES]
    if len(named) == 1:
        return result.route, ROUTES[named[0]]
    asked = (result.basis.inputs.get("regimen") or "").strip().lower()
    if asked in named:
        return asked, ROUTES[asked]
    if sorted(named) == ["buccal", "sublingual"]:
        return result.route, OROMUCOSAL
    return result.route, None


def _route(result: DoseResult) -> dict[str, Any]:
    text, coded = route_of(result)
    if coded is None:
        return {"text": text}
    code, display = coded
    return {"coding": [{"system": SNOMED_CT, "code": code, "display": display}], "text": text}


def _dose_and_rate(result: DoseResult) -> list[dict[str, Any]]:
    rate = result.kind == "weight-based-rate"
    entries = [_entry("ordered", "rateRange" if rate else "doseRange", result.rule_range)]
    if rate:
        entries.append(_entry("calculated", "rateRange", result.dose))
        if result.pump_rate is not None:
            entries.append(_entry("calculated", "rateRange", result.pump_rate))
    elif result.volume is not None:
        entries.append(_entry("calculated", "doseRange", result.volume))
    return entries


def _entry(kind: str, element: str, quantities: QuantityRange) -> dict[str, Any]:
    return {
        "type": {
            "coding": [{"system": DOSE_RATE_TYPE, "code": kind, "display": kind.capitalize()}]
        },
        element: _range(quantities),
    }


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
    route, _code = route_of(result)
    sentences = [f"{result.drug.capitalize()}, {route}: {_instruction(result)}."]
    sentences += [warning.message for warning in result.warnings]
    source = result.basis
    sentences.append(
        f"Range from {source.source}; rules {source.rules_version}, SHA-256 {source.rules_sha256}."
    )
    sentences.append(result.disclaimer)
    return " ".join(sentences)


def _instruction(result: DoseResult) -> str:
    concentration = result.concentration
    if result.dosing_weight is None:  # a fixed dose: the weight is not used
        text = f"{result.dose.display} per dose"
        if result.volume is not None and concentration is not None:
            text += f" ({result.volume.display} of {format_exact(concentration)})"
        return text
    text = (
        f"{result.dose.display}, from {result.rule_range.display} for a dosing weight of "
        f"{result.dosing_weight.display}"
    )
    if result.pump_rate is not None and concentration is not None:
        text += f"; at {format_exact(concentration)}, {result.pump_rate.display}"
    return text
