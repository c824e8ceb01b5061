"""What a check comes to: every finding that applies, most serious first, worded as an action.

A face leads with the first finding (the headline) and never with a milder one: a
breach of a library's hard limit, then a probable entry error, then a total per
24 hours above the library's maximum, then a dose above the range (for any patient:
one the range was not written for too), then a patient the range was not written for
(a weight outside the usual adult band, a possible lb/kg mix-up, no weight), then a
dose below the range, and only then "within". Each names whose range or limit it
is (the document it comes from), so that "within" never reads as more than
"within what that document says".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Final

from dosecalc.clinical.limits import (
    INTERVAL_NOT_COMPARED,
    INTERVAL_NOT_GIVEN,
    ORDER_ABOVE_MAXIMUM,
    RANGE_ABOVE_MAXIMUM,
    HardLimitState,
)
from dosecalc.clinical.result import Basis, EntryErrorFlag, Finding, OutcomeCode, Severity, Verdict
from dosecalc.foundation.bounds import USUAL_ADULT_WEIGHT_KG
from dosecalc.foundation.display import format_number
from dosecalc.patient.body import NOT_COVERED_CODES, WEIGHT_NOT_GIVEN, DoseWarning

PER_KG_WEIGHT_UNCLEAR: Final = "order-per-kg-weight-unclear"
"""The warning code of an order per kg whose verdict depends on which body weight it is
per kg of (the dosing weight chosen, or the actual weight)."""
PER_KG_ACTUAL_ABOVE_MAXIMUM: Final = "order-per-kg-actual-above-max-per-24h"
"""The warning code of an order per kg within the same verdict either way, but past the
library's maximum per 24 hours when read per kg of the actual weight."""

_IMPLAUSIBLE: Final[dict[str, str]] = {
    "implausible-concentration": "it",
    "possible-unit-mix-up": "it (possibly a unit mixed up)",
    "implausible-pump-rate": "the pump rate worked from it",
    "implausible-volume": "the volume worked from it",
}
IMPLAUSIBLE_ENTRY_CODES: Final = tuple(_IMPLAUSIBLE)
"""Warnings that a concentration (or the pump rate or volume worked from it) is outside
the plausibility bounds (dosecalc's, or a library's largest volume per dose): every figure
worked from it, the verdict too, is in doubt."""


_CHECK_THE_LABEL: Final = "check it against the stock's label (its units)"


def _implausible(codes: set[str]) -> str:
    """What is out of the plausibility bounds (the concentration, "it", or what is worked
    from it), for each of ``codes`` that says so; a possible mix-up of its units says why."""
    if "possible-unit-mix-up" in codes:
        codes = codes - {"implausible-concentration"}
    subjects = [said for code, said in _IMPLAUSIBLE.items() if code in codes]
    # A pump rate or a volume is a range, which may be outside the bounds at one end only.
    one = len(subjects) == 1
    if codes & {"implausible-pump-rate", "implausible-volume"}:
        verb = "reaches" if one else "reach"
    else:
        verb = "lies" if one else "lie"
    return f"{' and '.join(subjects)} {verb} outside the plausibility bounds given in the warnings"


MAXIMUM_NOT_COMPARED: Final = "max-per-24h-not-compared"
"""The warning code of a dose checked without a weight against a rule that has a maximum
per 24 hours: the total per 24 hours needs the weight, so it was not compared."""

DO_NOT_GIVE: Final = "do not give as ordered; contact the prescriber"
WITHHOLD: Final = "withhold it and ask the prescriber"
ASK_FIRST: Final = "check the order with the prescriber before giving it"
NOT_CHECKED: Final = "check {what} first; the supervising specialist decides the dose"
VERIFY: Final = "verify the order independently before giving it"
INTERVAL_ACTION: Final = "check how often it is given before giving it"

SEVERITY: Final[dict[OutcomeCode, Severity]] = {
    "above-hard-limit": "stop",
    "below-hard-limit": "stop",
    "probable-entry-error": "stop",
    "implausible-concentration": "stop",
    "above-max-per-24h": "stop",
    "above": "out-of-range",
    "patient-not-covered": "not-checked",
    "below": "out-of-range",
    "per-kg-weight-unclear": "out-of-range",
    "max-per-24h-not-checked": "not-checked",
    "order-not-checked": "not-checked",
    "within": "within",
}
"""Every outcome, most serious first: the order in which findings are listed."""

OUTCOMES: Final[tuple[OutcomeCode, ...]] = tuple(SEVERITY)

_LOW: Final = format_number(USUAL_ADULT_WEIGHT_KG[0])
_HIGH: Final = format_number(USUAL_ADULT_WEIGHT_KG[1])
_ABOUT_THE_WEIGHT: Final[dict[str, str]] = dict(
    zip(
        NOT_COVERED_CODES,
        (
            f"the weight is below {_LOW} kg (dosecalc's adult bound), with no paediatric "
            "dosing in {document}",
            f"the weight is above {_HIGH} kg (dosecalc's adult bound)",
            "lb and kg may be mixed up",
            f"the ideal or adjusted weight dosed on is below {_LOW} kg (dosecalc's adult "
            "bound), with no low-weight dosing in {document}",
            f"no weight was given, so whether the patient is within dosecalc's adult band ({_LOW} "
            f"to {_HIGH} kg), the only patients it applies {{document}}'s range to, was not "
            "checked",
        ),
        strict=True,
    )
)
_CHECK_FIRST: Final[dict[str, str]] = dict(
    zip(
        NOT_COVERED_CODES,
        ("the weight", "the weight", "the weight", "the height, sex and basis", "the weight"),
        strict=True,
    )
)


def _not_covered(codes: set[str], action: str) -> tuple[str, str]:
    """What makes a patient one the source does not cover, and ``action`` (a template
    with ``{what}``), naming what to check first."""
    found = [code for code in NOT_COVERED_CODES if code in codes]
    about = "; and ".join(_ABOUT_THE_WEIGHT[code] for code in found)
    what = " and ".join(dict.fromkeys(_CHECK_FIRST[code] for code in found))
    return about, action.format(what=what)


def slip_withheld(verdict: Verdict) -> bool:
    """The one policy for a probable slip: above the range it is withheld and asked about
    with the dose it may have meant; below it, withholding helps no one, so it is asked
    about with no higher dose suggested (that is the prescriber's to order)."""
    return verdict == "above"


_ACTIONS: Final[dict[OutcomeCode, str]] = {
    "above-hard-limit": DO_NOT_GIVE,
    "below-hard-limit": DO_NOT_GIVE,
    "implausible-concentration": f"withhold it and {_CHECK_THE_LABEL} first",
    "above-max-per-24h": DO_NOT_GIVE,
    "above": ASK_FIRST,
    "below": ASK_FIRST,
    "per-kg-weight-unclear": "ask the prescriber which weight the order is per kg of before "
    "giving it",
    "within": VERIFY,
}


def action_of(outcome: OutcomeCode, verdict: Verdict, codes: Iterable[str] = ()) -> str:
    """What a headline of ``outcome`` says to do, the one home of each action: a slip's by
    `slip_withheld`, a patient not covered's by what (of the warning ``codes``) to check
    first. A finding may add why (a slip's question)."""
    if outcome == "probable-entry-error":
        asked = WITHHOLD if slip_withheld(verdict) else ASK_FIRST
        if set(codes) & set(NOT_COVERED_CODES):  # the slip may be the weight's (6.8 for 68 kg)
            return _not_covered(set(codes), f"{asked}; check {{what}} too")[1]
        return asked
    if outcome == "patient-not-covered":
        return _not_covered(set(codes), NOT_CHECKED)[1]
    if outcome == "above" and set(codes) & set(NOT_COVERED_CODES):
        # Above even a range not written for this patient: not given until settled.
        return _not_covered(set(codes), f"{WITHHOLD}; check {{what}} too")[1]
    if outcome == "order-not-checked":
        return ORDER_NOT_CHECKED.action
    if outcome == "max-per-24h-not-checked":
        if MAXIMUM_NOT_COMPARED in set(codes):
            return "enter the weight before giving it"
        return INTERVAL_ACTION
    return _ACTIONS[outcome]


def why_not_covered(warnings: Sequence[DoseWarning], document: str) -> str:
    """Why the source (``document``) does not cover the patient, in brief: "the weight is
    below 40 kg (dosecalc's adult bound), with no paediatric dosing in …"."""
    about, _ = _not_covered({warning.code for warning in warnings}, NOT_CHECKED)
    return about.format(document=document)


def outcomes_of(
    *,
    verdict: Verdict,
    hard_limit: HardLimitState | None,
    entry_error: bool,
    warning_codes: Iterable[str],
    in_volume: bool = False,
) -> list[OutcomeCode]:
    """Every outcome of a check, most serious first; never empty. The one policy behind
    `findings_of` and the audit's ``outcome`` column, on every path of the audit.

    An order written in volume (``in_volume``: mL/hr, mL) is a drug amount only through
    its concentration: with a concentration in doubt, a slip of the order cannot be told
    from a slip of the concentration, and the concentration is checked first, before
    even a hard limit (an exception to `SEVERITY`'s order). The other: a probable slip
    below the range (which asks only for a word with the prescriber) comes after a total
    per 24 hours above the maximum (not to be given as ordered)."""
    codes = set(warning_codes)
    implausible = bool(codes & set(IMPLAUSIBLE_ENTRY_CODES))
    entry_error = entry_error and not (implausible and in_volume)
    # Even a hard limit is compared through the concentration for an order in volume.
    concentration_first = implausible and in_volume
    found: list[OutcomeCode] = ["implausible-concentration"] if concentration_first else []
    if hard_limit is not None:
        found.append("above-hard-limit" if hard_limit == "above" else "below-hard-limit")
    if entry_error:
        found.append("probable-entry-error")
    if implausible and not concentration_first:
        found.append("implausible-concentration")
    if ORDER_ABOVE_MAXIMUM in codes:
        found.append("above-max-per-24h")
    # Outside the range, unless said above as a hard limit or a slip. Above it leads a
    # patient not covered (above a range not written for them, it is withheld all the
    # same); below it follows, as it rests on the weight.
    out_of_range = verdict != "within" and hard_limit is None and not entry_error
    if out_of_range and verdict == "above":
        found.append(verdict)
    if codes & set(NOT_COVERED_CODES):
        found.append("patient-not-covered")
    if out_of_range and verdict == "below":
        found.append(verdict)
    if PER_KG_WEIGHT_UNCLEAR in codes or PER_KG_ACTUAL_ABOVE_MAXIMUM in codes:
        found.append("per-kg-weight-unclear")
    if codes & {MAXIMUM_NOT_COMPARED, INTERVAL_NOT_GIVEN, INTERVAL_NOT_COMPARED}:
        found.append("max-per-24h-not-checked")
    if verdict == "below" and "probable-entry-error" in found and "above-max-per-24h" in found:
        # A slip below the range only asks for a word with the prescriber; a total above the
        # maximum is not to be given as ordered: that leads.
        found.remove("above-max-per-24h")
        found.insert(found.index("probable-entry-error"), "above-max-per-24h")
    return found or ["within"]


def findings_of(
    *,
    verdict: Verdict,
    hard_limit: HardLimitState | None,
    entry_error: EntryErrorFlag | None,
    warnings: Sequence[DoseWarning],
    basis: Basis,
    in_volume: bool = False,
) -> list[Finding]:
    """Every finding of a check (`outcomes_of`), most serious first, in words that name
    whose range or limit it is and say what to do."""
    outcomes = outcomes_of(
        verdict=verdict,
        hard_limit=hard_limit,
        entry_error=entry_error is not None,
        warning_codes=(warning.code for warning in warnings),
        in_volume=in_volume,
    )
    return [
        _worded(outcome, verdict, entry_error, warnings, basis, in_volume=in_volume)
        for outcome in outcomes
    ]


def _worded(
    outcome: OutcomeCode,
    verdict: Verdict,
    entry_error: EntryErrorFlag | None,
    warnings: Sequence[DoseWarning],
    basis: Basis,
    *,
    in_volume: bool,
) -> Finding:
    whose = basis.range_from
    codes = {warning.code for warning in warnings}
    if outcome in ("above-hard-limit", "below-hard-limit"):
        side = outcome.split("-")[0].upper()
        return _finding(
            outcome,
            f"{side} THE HARD LIMIT of {basis.hard_limits_from}",
            action_of(outcome, verdict),
        )
    if outcome == "probable-entry-error" and entry_error is not None:
        action = action_of(outcome, verdict, codes)
        if WEIGHT_NOT_GIVEN in codes:  # nothing is known of the patient
            action += "; no weight was given, so no dose is suggested"
        elif codes & set(NOT_COVERED_CODES):  # no dose is suggested for such a patient
            action += f"; {whose} gives no dosing for this patient, so no dose is suggested"
        elif not slip_withheld(verdict):
            action += "; no higher dose is suggested"
        elif entry_error.question:
            action += f" ({entry_error.question})"
        return _finding(
            outcome,
            f"PROBABLE ENTRY ERROR: {verdict.upper()} the range of {whose}, {entry_error.reason}",
            action,
        )
    if outcome == "implausible-concentration":
        doubts = _implausible(codes)
        if in_volume:  # the order is a drug amount only through the concentration
            says = (
                f"CHECK THE CONCENTRATION: {doubts}, and the order is {verdict} the range of "
                f"{whose} only if the concentration is right"
            )
        else:
            says = (
                f"CHECK THE CONCENTRATION: {doubts} (the order itself is {verdict} the range "
                f"of {whose})"
            )
        return _finding(outcome, says, action_of(outcome, verdict))
    if outcome == "max-per-24h-not-checked":  # what was not checked leads, never WITHIN
        if INTERVAL_NOT_COMPARED in codes:  # how often it is given, with nothing to compare
            return _finding(
                outcome,
                "HOW OFTEN IT IS GIVEN IS NOT CHECKED: these rules give no maximum per 24 "
                f"hours; one dose is {verdict} the range of {whose}",
                action_of(outcome, verdict, codes),
            )
        if MAXIMUM_NOT_COMPARED in codes:
            needs, checked = "the patient's weight", "the range per kg"
        else:
            needs, checked = "how often it is given", "the range"
        return _finding(
            outcome,
            f"NOT COMPARED WITH THE MAXIMUM PER 24 HOURS of {basis.max_per_24h_from}: that "
            f"needs {needs}; the order is {verdict} {checked} of {whose}",
            action_of(outcome, verdict, codes),
        )
    if outcome == "above-max-per-24h":
        return _finding(
            outcome,
            f"ABOVE THE MAXIMUM PER 24 HOURS of {basis.max_per_24h_from}",
            action_of(outcome, verdict),
        )
    if outcome in ("above", "below"):
        says = f"{verdict.upper()} the range of {whose}"
        if outcome == "above" and codes & set(NOT_COVERED_CODES):  # why: the next finding
            says += ", and the patient was not checked against it"
        return _finding(outcome, says, action_of(outcome, verdict, codes))
    if outcome == "per-kg-weight-unclear":
        differs = (
            "the verdict differs"
            if PER_KG_WEIGHT_UNCLEAR in codes
            else f"it passes the maximum per 24 hours of {basis.max_per_24h_from}"
        )
        return _finding(
            outcome,
            f"{verdict.upper()} the range of {whose} only as read per kg of the dosing weight: "
            f"per kg of the actual weight {differs}",
            action_of(outcome, verdict),
        )
    if outcome == "patient-not-covered":
        about, _ = _not_covered(codes, NOT_CHECKED)
        return _finding(
            outcome,
            f"NOT CHECKED FOR THIS PATIENT: {about.format(document=whose)}; the order is "
            f"{verdict} the range of {whose}",
            action_of(outcome, verdict, codes),
        )
    return _finding("within", f"WITHIN the range of {whose}", action_of("within", verdict))


NOT_FOR_THIS_PATIENT: Final = "check {what} first; the specialist decides the dose"


def findings_before_figures(
    warnings: Sequence[DoseWarning],
    *,
    range_from: str | None,
    max_per_24h_from: str | None,
    maximum: str | None = None,
    ceiling: str | None = None,
) -> list[Finding]:
    """What a calculation or a preparation must settle before any of its figures is used,
    most serious first (in `SEVERITY`'s order): a concentration outside the plausibility
    bounds, a range above the library's maximum per 24 hours, a patient the source
    (``range_from``) does not cover. Empty when none applies: there is no verdict to give."""
    codes = {warning.code for warning in warnings}
    found = []
    if codes & set(IMPLAUSIBLE_ENTRY_CODES):
        found.append(
            _finding(
                "implausible-concentration",
                f"CHECK THE CONCENTRATION: {_implausible(codes)}",
                f"{_CHECK_THE_LABEL} before using any figure",
            )
        )
    if RANGE_ABOVE_MAXIMUM in codes and max_per_24h_from is not None and maximum is not None:
        found.append(
            _finding(
                "above-max-per-24h",
                f"THE RANGE AT THIS WEIGHT PASSES THE MAXIMUM OF {maximum} PER 24 HOURS of "
                f"{max_per_24h_from}",
                f"never give more than {maximum} in 24 hours"
                + (f" (at most {ceiling} if run for 24 hours)" if ceiling else ""),
            )
        )
    if codes & set(NOT_COVERED_CODES) and range_from is not None:
        about, action = _not_covered(codes, NOT_FOR_THIS_PATIENT)
        found.append(
            _finding(
                "patient-not-covered",
                f"THE PATIENT MAY NOT BE COVERED: {about.format(document=range_from)}",
                action,
            )
        )
    return found


def _finding(outcome: OutcomeCode, says: str, action: str) -> Finding:
    return Finding(outcome=outcome, severity=SEVERITY[outcome], says=says, action=action)


ORDER_NOT_CHECKED: Final = _finding(
    "order-not-checked",
    "NOT CHECKED: this order was not compared with any range",
    "give the regimen and the patient's weight to have it checked (a slip of ten, or of "
    "per hour for per 24 hours, among others) before making it up",
)
"""What leads a preparation of an order given without its regimen: figures made from an
order nobody checked, said before any of them."""


def most_serious_first(checked: Sequence[Finding], before: Sequence[Finding]) -> list[Finding]:
    """An order's findings as `check` gives them (``checked``; "within" is no finding to
    settle), then those to settle before any figure (``before``) that say something of
    another outcome, in `SEVERITY`'s order: what a preparation of a checked order leads with."""
    found = [finding for finding in checked if finding.outcome != "within"]
    said = {finding.outcome for finding in found}
    found += [finding for finding in before if finding.outcome not in said]
    return sorted(found, key=lambda finding: OUTCOMES.index(finding.outcome))
