"""Every UCUM code dosecalc writes is valid UCUM for the very unit dosecalc means.

Each code is parsed back by an independent UCUM grammar (``ucumvert``'s), its
atoms read from UCUM's own table of units (the ``ucum-essence.xml`` that
ucumvert ships), and compared with the pint unit it was written for: same
dimension, same size. The codes come from the unit table itself and from real
output of ``calc``, ``check``, ``audit`` and the FHIR Dosage, so no code
escapes the check.

ucumvert's own pint registry is not used: it cannot load under Pint 0.26
(an alias pint now refuses, and pint no longer reads ``[lb_av]``-style names).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from fractions import Fraction
from typing import Any
from xml.etree import ElementTree

import pytest
from lark import Token, Tree
from ucumvert import InvalidUcumError, get_ucum_parser, parse_ucum
from ucumvert.xml_util import UCUM_ESSENCE_FILE

import dosecalc
from dosecalc.foundation.display import unit_ucum
from dosecalc.foundation.unit_registry import (
    Quantity,
    Unit,
    named_unit,
)
from dosecalc.foundation.units import (
    UNIT_NAMES,
)

UCUM_PARSER = get_ucum_parser()
# UCUM's table of prefixes and units, the one ucumvert generated its grammar from.
_ESSENCE = ElementTree.parse(UCUM_ESSENCE_FILE).getroot()
_NS = {"u": "http://unitsofmeasure.org/ucum-essence"}
UCUM_PREFIXES = {
    p.get("Code"): Fraction(p.find("u:value", _NS).get("value"))
    for p in _ESSENCE.iterfind("u:prefix", _NS)
}
UCUM_UNITS = {u.get("Code"): u for u in _ESSENCE.iterfind("u:unit", _NS)}
# UCUM's seven base units, by their plain SI meaning.
UCUM_BASE_UNITS = {
    "m": "meter",
    "s": "second",
    "g": "gram",
    "rad": "radian",
    "K": "kelvin",
    "C": "coulomb",
    "cd": "candela",
}


def ucum_meaning(code: str) -> Quantity:
    """``code`` as UCUM defines it: parsed by ucumvert, its atoms from UCUM's table.

    Raises ``InvalidUcumError`` for a code the grammar refuses, and ``ValueError``
    for a unit that is not a plain multiple (Cel, [pH], arbitrary units such as [IU]).
    """
    return _meaning(parse_ucum(code, UCUM_PARSER))


def _atom(code: str) -> Quantity:
    if code in UCUM_BASE_UNITS:
        return dosecalc.registry().Quantity(Fraction(1), UCUM_BASE_UNITS[code])
    unit = UCUM_UNITS[code]
    if unit.get("isSpecial") == "yes" or unit.get("isArbitrary") == "yes":
        raise ValueError(f"{code} is not a plain multiple of UCUM's base units")
    value = unit.find("u:value", _NS)
    return Fraction(value.get("value")) * ucum_meaning(value.get("Unit"))


def _meaning(node: Tree[Token] | Token) -> Quantity:
    one = dosecalc.registry().Quantity(Fraction(1))
    if isinstance(node, Token):  # an annotation standing alone, like {tablets}, means 1
        return one
    kids = node.children
    match node.data:
        case "simple_unit":  # [prefix] atom, or a whole number
            *prefix, atom = kids
            scale = UCUM_PREFIXES[prefix[0]] if prefix else 1
            return scale * (one * int(atom) if atom.type == "FACTOR" else _atom(atom))
        case "annotatable":  # a unit and its exponent
            return _meaning(kids[0]) ** int(kids[1])
        case "component":  # a unit and its annotation
            return _meaning(kids[0])
        case "term":
            left, operator, right = kids
            if operator == ".":
                return _meaning(left) * _meaning(right)
            return _meaning(left) / _meaning(right)
        case _:  # main_term: a term, or "/" and a term
            return one / _meaning(kids[1]) if len(kids) == 2 else _meaning(kids[0])


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
    theirs = ucum_meaning(code).to_base_units()
    mine = dosecalc.registry().Quantity(Fraction(1), ours).to_base_units()
    # Both sides are exact Fractions, so "the same size" is equality, not closeness.
    return theirs.dimensionality == mine.dimensionality and theirs.magnitude == mine.magnitude


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
    entries = dosecalc.to_fhir(result)["doseAndRate"]
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
