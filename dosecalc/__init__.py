"""dosecalc: the palliative ketamine range of a cited source, applied to one patient.

Educational use only; not a substitute for clinical judgement.

The package is built in layers, each importing only those below it::

    faces       the CLI, the Textual app, browser mode dosecalc.faces
    reports     text, Markdown, HTML and FHIR output   dosecalc.reports
    clinical    calculate, check, the session          dosecalc.clinical
    patient     measurements and dosing weight         dosecalc.patient
    ruleset     rule-file schema and loader            dosecalc.ruleset
    foundation  errors, units, display                 dosecalc.foundation

This module re-exports the public API; everything else may change. `audit`
and `audit_file` load numpy, so they are imported on first use only.

>>> import dosecalc
>>> r = dosecalc.calculate(weight="70 kg", regimen="iv-infusion")
>>> r.dose.display
'21 to 35 mg/hr'
"""

import importlib
from typing import TYPE_CHECKING, Any, Final

from dosecalc.clinical.calculate import calculate
from dosecalc.clinical.check import check
from dosecalc.clinical.result import (
    DISCLAIMER,
    Basis,
    CheckResult,
    DoseResult,
    EntryErrorFlag,
    EntrySlip,
    QuantityRange,
    TitrationStep,
)
from dosecalc.foundation.errors import (
    ChoiceError,
    DoseCalcError,
    InputError,
    MissingInputError,
    OutOfRangeError,
    ParseError,
    RulesError,
    UnitError,
    UnknownRegimenError,
)
from dosecalc.foundation.units import (
    CONCENTRATION,
    HEIGHT,
    WEIGHT,
    Dose,
    DoseUnit,
    QuantityKind,
    parse_dose,
    parse_quantity,
    registry,
)
from dosecalc.patient.body import DoseWarning, DosingWeight, Patient
from dosecalc.ruleset.loader import RuleSet, default_rules_path, load_rules
from dosecalc.ruleset.schema import Regimen

__version__ = "0.1.0"

_LAZY: Final = {
    "audit": "dosecalc.clinical.audit",
    "AuditSummary": "dosecalc.clinical.audit",
    "audit_file": "dosecalc.reports.audit_file",
}


def __getattr__(name: str) -> Any:
    """`audit` and its kin, imported when first asked for (PEP 562)."""
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'dosecalc' has no attribute {name!r}")


if TYPE_CHECKING:
    from dosecalc.clinical.audit import AuditSummary, audit
    from dosecalc.reports.audit_file import audit_file

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
    "InputError",
    "MissingInputError",
    "OutOfRangeError",
    "ParseError",
    "Patient",
    "QuantityKind",
    "QuantityRange",
    "Regimen",
    "RuleSet",
    "RulesError",
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
    "registry",
]
