"""dosecalc: the dose range of a cited source (the rules in force), applied to one patient.

Educational use only; not a substitute for clinical judgement.

The package is built in layers, each importing only those below it::

    faces       the CLI, the Textual app, browser mode dosecalc.faces
    reports     text, Markdown, HTML and FHIR output   dosecalc.reports
    clinical    calculate, check, the session          dosecalc.clinical
    patient     measurements and dosing weight         dosecalc.patient
    ruleset     rule-file schema and loader            dosecalc.ruleset
    foundation  errors, units, display                 dosecalc.foundation

This module re-exports the public API; everything else may change. Each name
is imported from its home on first use, so that ``import dosecalc.faces.tui``
(the app's disclaimer, painted before the clinical core loads) or
``dosecalc.foundation.errors`` costs no pint, pydantic or numpy.

>>> import dosecalc
>>> r = dosecalc.calculate(weight="70 kg", regimen="iv-infusion")
>>> r.dose.display
'21 to 35 mg/hr'
"""

import importlib as _importlib
import typing as _typing

from dosecalc.foundation.version import __version__

# Only the API is a public name here (tests/test_architecture.py checks it): the helpers
# above are imported under private names, and `__dir__` lists the API alone.
_HOMES: _typing.Final = {
    "dosecalc.clinical.audit": ("AuditSummary", "audit"),
    "dosecalc.clinical.calculate": ("calculate",),
    "dosecalc.clinical.check": ("check",),
    "dosecalc.clinical.prepare": ("Preparation", "PrepareResult", "prepare"),
    "dosecalc.clinical.session": ("Session", "SessionInputs"),
    "dosecalc.clinical.result": (
        "Basis",
        "CheckResult",
        "DoseResult",
        "EntryErrorFlag",
        "EntrySlip",
        "QuantityRange",
        "TitrationStep",
    ),
    "dosecalc.foundation.disclaimer": ("DISCLAIMER",),
    "dosecalc.foundation.errors": (
        "ChoiceError",
        "DoseCalcError",
        "FrozenQuantityError",
        "InputError",
        "MissingInputError",
        "OutOfRangeError",
        "ParseError",
        "RulesError",
        "UnitError",
        "UnknownRegimenError",
    ),
    "dosecalc.foundation.dose_units": ("Dose", "DoseUnit"),
    "dosecalc.foundation.unit_registry": ("registry",),
    "dosecalc.foundation.units": (
        "CONCENTRATION",
        "HEIGHT",
        "WEIGHT",
        "QuantityKind",
        "parse_dose",
        "parse_quantity",
    ),
    "dosecalc.patient.body": ("DoseWarning", "DosingWeight", "Patient"),
    "dosecalc.reports.audit_file": ("audit_file",),
    "dosecalc.reports.fhir": ("to_fhir",),
    "dosecalc.ruleset.loader": ("RuleSet", "default_rules_path", "load_rules"),
    "dosecalc.ruleset.schema": ("Regimen",),
}
_HOME: _typing.Final = {name: module for module, names in _HOMES.items() for name in names}


def __getattr__(name: str) -> _typing.Any:
    """Each public name, imported from its home when first asked for (PEP 562)."""
    if name in _HOME:
        value = getattr(_importlib.import_module(_HOME[name]), name)
        globals()[name] = value  # asked once, then an ordinary attribute
        return value
    raise AttributeError(f"module 'dosecalc' has no attribute {name!r}")


def __dir__() -> list[str]:
    """The API and the module's dunders: not the private helpers, nor the layers' subpackages,
    which Python binds here as attributes once imported but which are no API."""
    dunders = {name for name in globals() if name.startswith("__") and name.endswith("__")}
    return sorted({*__all__, *dunders})


if _typing.TYPE_CHECKING:
    from dosecalc.clinical.audit import AuditSummary, audit
    from dosecalc.clinical.calculate import calculate
    from dosecalc.clinical.check import check
    from dosecalc.clinical.prepare import Preparation, PrepareResult, prepare
    from dosecalc.clinical.result import (
        Basis,
        CheckResult,
        DoseResult,
        EntryErrorFlag,
        EntrySlip,
        QuantityRange,
        TitrationStep,
    )
    from dosecalc.clinical.session import Session, SessionInputs
    from dosecalc.foundation.disclaimer import DISCLAIMER
    from dosecalc.foundation.dose_units import (
        Dose,
        DoseUnit,
    )
    from dosecalc.foundation.errors import (
        ChoiceError,
        DoseCalcError,
        FrozenQuantityError,
        InputError,
        MissingInputError,
        OutOfRangeError,
        ParseError,
        RulesError,
        UnitError,
        UnknownRegimenError,
    )
    from dosecalc.foundation.unit_registry import (
        registry,
    )
    from dosecalc.foundation.units import (
        CONCENTRATION,
        HEIGHT,
        WEIGHT,
        QuantityKind,
        parse_dose,
        parse_quantity,
    )
    from dosecalc.patient.body import DoseWarning, DosingWeight, Patient
    from dosecalc.reports.audit_file import audit_file
    from dosecalc.reports.fhir import to_fhir
    from dosecalc.ruleset.loader import RuleSet, default_rules_path, load_rules
    from dosecalc.ruleset.schema import Regimen

__all__ = [
    "CONCENTRATION",
    "DISCLAIMER",
    "HEIGHT",
    "WEIGHT",
    "AuditSummary",
    "Basis",
    "CheckResult",
    "ChoiceError",
    "Dose",
    "DoseCalcError",
    "DoseResult",
    "DoseUnit",
    "DoseWarning",
    "DosingWeight",
    "EntryErrorFlag",
    "EntrySlip",
    "FrozenQuantityError",
    "InputError",
    "MissingInputError",
    "OutOfRangeError",
    "ParseError",
    "Patient",
    "Preparation",
    "PrepareResult",
    "QuantityKind",
    "QuantityRange",
    "Regimen",
    "RuleSet",
    "RulesError",
    "Session",
    "SessionInputs",
    "TitrationStep",
    "UnitError",
    "UnknownRegimenError",
    "__version__",
    "audit",
    "audit_file",
    "calculate",
    "check",
    "default_rules_path",
    "load_rules",
    "parse_dose",
    "parse_quantity",
    "prepare",
    "registry",
    "to_fhir",
]
