"""Every UCUM code dosecalc writes is valid UCUM for the very unit dosecalc means.

Each code is parsed back by an independent UCUM grammar (``ucumvert``) and
compared with the pint unit it was written for: same dimension, same size.
The codes come from the unit table itself and from real output of ``calc``,
``check``, ``audit`` and the FHIR Dosage, so no code escapes the check.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

import pytest
from ucumvert import InvalidUcumError, PintUcumRegistry

import dosecalc
from dosecalc.foundation.display import UNIT_NAMES, unit_ucum
from dosecalc.foundation.units import Unit, named_unit

UCUM = PintUcumRegistry()

CALCULATIONS = [
    {"weight": "70 kg", "regimen": "iv"},
    {"weight": "154.3 lb", "regimen": "iv", "concentration": "50 mg/5 mL"},
    {
        "weight": "95 kg",
        "regimen": "iv",
        "height": "5 ft 7 in",
        "sex": "female",
        "basis": "adjusted",
        "concentration": "1 mg/mL",
    },
    {"weight": "60000 g", "regimen": "sl", "concentration": "10 mg/mL", "height": "170 cm"},
]
CHECKS = [
    ("70 kg", "iv", "1 mg/mL", dose)
    for dose in ("30 mg/hr", "0.4 mg/kg/hr", "6 mcg/kg/min", "25 mL/hr", "500 mcg/min", "1 g/day")
] + [("70 kg", "sl", "10 mg/mL", dose) for dose in ("25 mg", "2.5 mL", "30000 mcg")]


def same_unit(code: str, ours: Unit) -> bool:
    """``code`` read as UCUM is the same unit as ``ours``: dimension and size."""
    theirs = UCUM.from_ucum(code)
    mine = dosecalc.registry().Quantity(1, ours)
    if dict(theirs.dimensionality) != {k: int(v) for k, v in mine.dimensionality.items()}:
        return False
    return math.isclose(
        float(theirs.to_base_units().magnitude),
        float(mine.to_base_units().magnitude),
        rel_tol=1e-12,
    )


def emitted(model: Any, data: Any) -> Iterator[tuple[str, Unit]]:
    """Each (UCUM code, pint unit) pair in ``data``, the JSON of ``model``."""
    if isinstance(data, dict) and set(data) == {"value", "unit"}:
        yield data["unit"], model.units
    elif isinstance(data, dict):
        for key, value in data.items():
            child = model[key] if isinstance(model, dict) else getattr(model, key)
            yield from emitted(child, value)
    elif isinstance(data, list):
        for child, value in zip(model, data, strict=True):
            yield from emitted(child, value)


@pytest.mark.parametrize("name", sorted(UNIT_NAMES))
def test_every_code_in_the_unit_table_is_ucum_for_its_unit(name):
    assert same_unit(UNIT_NAMES[name].ucum, named_unit(name))


@pytest.mark.parametrize("inputs", CALCULATIONS, ids=lambda i: i["weight"] + " " + i["regimen"])
def test_every_code_in_a_calculations_json_is_ucum_for_its_quantity(inputs):
    result = dosecalc.calculate(**inputs)
    pairs = list(emitted(result, json.loads(result.model_dump_json())))
    assert len(pairs) > 10
    for code, unit in pairs:
        assert code == unit_ucum(unit)
        assert same_unit(code, unit), code


@pytest.mark.parametrize(("weight", "regimen", "concentration", "dose"), CHECKS)
def test_every_code_in_a_checks_json_is_ucum_for_its_quantity(weight, regimen, concentration, dose):
    result = dosecalc.check(weight=weight, regimen=regimen, concentration=concentration, dose=dose)
    pairs = list(emitted(result, json.loads(result.model_dump_json())))
    assert pairs
    for code, unit in pairs:
        assert same_unit(code, unit), code


def test_every_code_in_an_audits_rule_unit_column_is_ucum_for_the_rules_unit():
    rules = dosecalc.load_rules()
    out = dosecalc.audit(
        {
            "weight": ["70 kg", "70 kg", "70 kg"],
            "regimen": ["iv", "sl", "iv"],
            "dose": ["30 mg/hr", "25 mg", "6 mcg/kg/min"],
        }
    )
    assert len(out["rule_unit"]) == 3
    for code, regimen in zip(out["rule_unit"], ["iv", "sl", "iv"], strict=True):
        assert same_unit(code, rules.find(regimen).dose.dose_unit.pint_unit())


@pytest.mark.parametrize("inputs", CALCULATIONS, ids=lambda i: i["weight"] + " " + i["regimen"])
def test_every_code_in_a_fhir_dosage_is_ucum_for_the_range_it_carries(inputs):
    result = dosecalc.calculate(**inputs)
    ranges = [result.rule_range]
    if result.kind == "weight-based-rate":
        ranges.append(result.dose)
    ranges += [r for r in (result.pump_rate, result.volume) if r is not None]
    entries = result.to_fhir()["doseAndRate"]
    assert len(entries) == len(ranges)
    for entry, carried in zip(entries, ranges, strict=True):
        shown = entry.get("rateRange") or entry["doseRange"]
        for bound in ("low", "high"):
            assert same_unit(shown[bound]["code"], carried.low.units)


@pytest.mark.parametrize("code", ["mcg/kg/min", "mg/kg/hr", "[lb]", "cc"])
def test_the_check_rejects_a_code_that_is_not_ucum(code):
    with pytest.raises(InvalidUcumError):
        same_unit(code, named_unit("milligram"))


@pytest.mark.parametrize(
    ("code", "name"), [("ML/h", "milliliter / hour"), ("ug/kg/h", "microgram / kilogram / minute")]
)
def test_the_check_rejects_a_ucum_code_for_another_unit(code, name):
    assert not same_unit(code, dosecalc.registry().Unit(name))
