"""The HTML face of ``dosecalc web``: one page, a GET form, the answer of ``calc`` and
``check`` in the library's own words.

The page is built from the same sections every report reads (`dosecalc.reports.contents`):
the order check's verdict leads, then the result, its warnings, the detail and the basis,
each figure a display string of the library. The disclaimer comes before the first field
and before any figure. An input the library refuses shows the form again, as typed, with
the library's message in an alert, and no dose anywhere. Jinja escapes everything typed;
the page needs no JavaScript and loads nothing from another origin.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import jinja2

from dosecalc.clinical.calculate import calculate
from dosecalc.clinical.check import check
from dosecalc.clinical.result import CheckResult, DoseResult
from dosecalc.foundation.disclaimer import DISCLAIMER
from dosecalc.foundation.errors import DoseCalcError, MissingInputError
from dosecalc.foundation.text import printable, quoted
from dosecalc.foundation.version import __version__
from dosecalc.patient.bases import BASES
from dosecalc.reports.contents import Section, bind_units, calc_sections, check_sections
from dosecalc.ruleset.loader import RuleSet

PARAMETERS: Final = (
    "weight",
    "regimen",
    "concentration",
    "height",
    "sex",
    "basis",
    "dose",
    "every",
)
"""The page's query parameters: the options of ``dosecalc calc`` and ``check``."""

PACKAGE: Final = Path(__file__).resolve().parent
TEMPLATES: Final = PACKAGE / "web_templates"
STATIC: Final = PACKAGE / "web_static"

SEXES: Final = ("male", "female")

_ENVIRONMENT: Final = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENVIRONMENT.filters["bound"] = lambda text: bind_units(printable(str(text)))


@dataclass
class Page:
    """What the page shows: its status, what was typed, and a result, a check or an error."""

    status: int
    typed: dict[str, str]
    result: DoseResult | None = None
    check: CheckResult | None = None
    error: str | None = None
    error_field: str | None = None
    sections: list[Section] = field(default_factory=list)


def answer(query: Mapping[str, list[str]], rules: RuleSet) -> Page:
    """The page for a query (each parameter with every value given): an empty value counts
    as not given; a parameter given twice is refused (400); an input the library refuses
    gets 422, and so does any field given without a regimen (the CLI requires one); no
    field at all is the empty form (200)."""
    typed = {name: values[0] for name, values in query.items() if name in PARAMETERS and values}
    for name in PARAMETERS:
        if len(query.get(name, [])) > 1:
            said = f"{name}: given more than once. Give it once"
            return Page(400, typed, error=said, error_field=name)
    unknown = [name for name in query if name not in PARAMETERS]
    if unknown:  # a dose under another name would otherwise go unchecked, and unsaid
        return Page(400, typed, error=_unknown_parameter(unknown[0]))
    given = {name: value for name, value in typed.items() if value.strip()}
    if "regimen" not in given:
        if not given:
            return Page(200, typed)  # the empty form
        refused = _no_regimen(given, rules)
        return Page(422, typed, error=str(refused), error_field=refused.field)
    patient = {name: given.get(name) for name in ("weight", "concentration", "height", "sex")}
    inputs = {**patient, "regimen": given["regimen"], "basis": given.get("basis", "actual")}
    checked: CheckResult | None = None
    if "every" in given and "dose" not in given:  # never read, and never dropped unsaid
        said = "every: how often applies to a proposed dose. Give the dose too, or leave it out"
        return Page(422, typed, error=said, error_field="every")
    try:
        if "dose" in given:
            checked = check(
                **inputs,  # type: ignore[arg-type]
                dose=given["dose"],
                every=given.get("every"),
                rules=rules,
            )
        try:
            result = calculate(**inputs, rules=rules)  # type: ignore[arg-type]
        except MissingInputError as error:
            if checked is None or error.field != "weight":
                raise
            result = None  # a dose per kg checked against the range per kg: no weight needed
    except DoseCalcError as error:
        field_name = getattr(error, "field", None)
        return Page(422, typed, error=str(error), error_field=field_name)
    if result is None:
        assert checked is not None
        sections = check_sections(checked)
    else:
        sections = calc_sections(result, checked)
    return Page(200, typed, result=result, check=checked, sections=sections)


def _unknown_parameter(name: str) -> str:
    """Why a parameter the page does not read is refused, naming the one meant when only
    its case (or surrounding spaces) differ: ``Dose`` for ``dose``."""
    meant = next((p for p in PARAMETERS if p == name.strip().casefold()), None)
    fix = f"Write it '{meant}'" if meant else f"Use only: {', '.join(PARAMETERS)}"
    return f"{quoted(name)}: not a field of this page, so it was not read. {fix}"


def _no_regimen(given: Mapping[str, str], rules: RuleSet) -> MissingInputError:
    """What any field given without a regimen is refused with, as the CLI refuses it (its
    --regimen is required): the range comes from the regimen's rule, so nothing is worked
    out, and no dose is shown."""
    names = ", ".join(name for name in PARAMETERS if name in given)
    regimens = "; ".join(f"'{r.id}' ({r.route})" for r in rules.regimens)
    return MissingInputError(
        "regimen",
        f"no regimen was chosen ({names} given), and the range comes from the regimen's rule",
        f"Choose the regimen in the Regimen field: {regimens}",
    )


def render(page: Page, rules: RuleSet) -> str:
    """The page as HTML."""
    regimens = [
        (regimen.id, f"{regimen.drug} · {regimen.label}, {regimen.route}")
        for regimen in rules.regimens
    ]
    typed_regimen = page.typed.get("regimen", "")
    if typed_regimen and typed_regimen not in {id_ for id_, _ in regimens}:
        regimens.append((typed_regimen, typed_regimen))  # kept as typed (an alias, say)
    shown = page.check or page.result
    alerted = _alerted(page)
    return _ENVIRONMENT.get_template("page.html").render(
        page=page,
        typed=page.typed,
        disclaimer=DISCLAIMER,
        supervision=shown.supervision if shown is not None else None,
        regimens=regimens,
        sexes=SEXES,
        bases=BASES,
        version=__version__,
        alerted=alerted,
        title=_title(page),
    )


def _alerted(page: Page) -> int | None:
    """Which section is announced (``role="alert"``): the first alert, once; none when the
    page holds an error (the error is)."""
    if page.error is not None:
        return None
    return next((i for i, s in enumerate(page.sections) if s.alert), None)


def _title(page: Page) -> str:
    if page.error is not None:
        return "Input refused · dosecalc"
    if page.check is not None:
        return f"{page.check.headline.says} · dosecalc"
    if page.result is not None:  # what to settle before any figure leads, as on the page
        lead = f"{page.result.headline.says} · " if page.result.headline is not None else ""
        return f"{lead}{page.result.drug}, {page.result.route} · dosecalc"
    return "dosecalc: dose range calculator"
