"""What dosecalc returns belongs to the caller: nothing done to it changes a later answer,
and it survives pickle, copy and deepcopy exactly."""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import pickle
from collections.abc import Callable, Iterator, Mapping
from fractions import Fraction
from pathlib import Path

import pint
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from strategies import checked_orders, hospital_orders, patients

import dosecalc
from dosecalc import FrozenQuantityError, registry
from dosecalc.foundation.display import ReadOnlyDict
from dosecalc.foundation.units import (
    DOSE,
)

HOSPITAL_DIR = Path(__file__).resolve().parents[1] / "examples" / "hospital-library"
HOSPITAL = dosecalc.load_rules(HOSPITAL_DIR)


def quantities_in(value: object, seen: set[int] | None = None) -> Iterator[pint.Quantity]:
    """Every quantity reachable from ``value``: a model's fields (and its titration table),
    a list's, tuple's or dict's items, a rule's ranges, limits and concentrations."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, pint.Quantity):
        yield value
    elif isinstance(value, dosecalc.RuleSet):
        for regimen in value.regimens:
            yield from quantities_in(regimen, seen)
    elif isinstance(value, dosecalc.Regimen):
        yield from value.dose.quantities()
        if value.hard_limits is not None:
            yield from value.hard_limits.quantities()
        if value.max_per_24h is not None:
            yield value.max_per_24h.quantity()
        yield from (c.quantity() for c in value.standard_concentrations)
    elif isinstance(value, dosecalc.DosingWeight | dosecalc.Dose):
        yield value.quantity
    if isinstance(value, BaseModel):
        names = [*type(value).model_fields, *type(value).model_computed_fields]
        for name in names:
            yield from quantities_in(getattr(value, name), seen)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from quantities_in(item, seen)
    elif isinstance(value, dict):
        for item in value.values():
            yield from quantities_in(item, seen)


def _setattr(name: str, new: Callable[[pint.Quantity], object]) -> Callable[[pint.Quantity], None]:
    return lambda q: setattr(q, name, new(q))


def _in_place(
    operation: Callable[[pint.Quantity], pint.Quantity],
) -> Callable[[pint.Quantity], None]:
    return lambda q: operation(q)  # the result is bound to nothing: only q could change


def _iadd(q):
    q += q
    return q


def _isub(q):
    q -= q / 2
    return q


def _imul(q):
    q *= 3
    return q


def _itruediv(q):
    q /= 7
    return q


def _ifloordiv(q):
    q //= q / 3
    return q


def _imod(q):
    q %= q / 3
    return q


def _ipow(q):
    q **= 2
    return q


MUTATIONS: dict[str, Callable[[pint.Quantity], object]] = {
    "ito": lambda q: q.ito(q.to_root_units().units),
    "ito_base_units": lambda q: q.ito_base_units(),
    "ito_root_units": lambda q: q.ito_root_units(),
    "ito_reduced_units": lambda q: q.ito_reduced_units(),
    "ito_unprefixed": lambda q: q.ito_unprefixed(),
    "ito_preferred": lambda q: q.ito_preferred([registry().Unit("gram")]),
    "+=": _in_place(_iadd),
    "-=": _in_place(_isub),
    "*=": _in_place(_imul),
    "/=": _in_place(_itruediv),
    "//=": _in_place(_ifloordiv),
    "%=": _in_place(_imod),
    "**=": _in_place(_ipow),
    "magnitude =": _setattr("magnitude", lambda q: Fraction(1, 7)),
    "m =": _setattr("m", lambda q: Fraction(1, 7)),
    "_magnitude =": _setattr("_magnitude", lambda q: Fraction(1, 7)),
    "_units =": _setattr("_units", lambda q: registry().Unit("microgram/kilogram/minute")._units),
    "units._units =": lambda q: setattr(q.units, "_units", registry().Unit("gram")._units),
    "del _magnitude": lambda q: delattr(q, "_magnitude"),
    "[0] =": lambda q: q.__setitem__(0, q),
    "put": lambda q: q.put(0, q),
    "fill": lambda q: q.fill(q),
}


def answers(orders: list[dict[str, str]]) -> list[str]:
    """Every answer these orders get, as JSON: calculate, check, prepare and audit, against
    the shipped rules (loaded once per process) and the hospital library (as given)."""
    out = []
    for order in orders:
        out.append(dosecalc.check(**order, rules=HOSPITAL).model_dump_json())
        out.append(dosecalc.check(**order, rules=HOSPITAL_DIR).model_dump_json())
        patient = {k: v for k, v in order.items() if k != "dose"}
        out.append(dosecalc.calculate(**patient, rules=HOSPITAL).model_dump_json())
    for dose in ("21 mg/hr", "30 mg/hr", "35 mg/hr", "0.3 mg/kg/hr", "5 mcg/kg/min"):
        out.append(dosecalc.check(weight="70 kg", regimen="iv", dose=dose).model_dump_json())
    out.append(
        dosecalc.prepare(
            stock="500 mg/10 mL",
            final_volume="50 mL",
            dose="30 mg/hr",
            duration="24 hr",
            regimen="iv",
            weight="70 kg",
        ).model_dump_json()
    )
    table = dosecalc.audit(
        {
            "weight": [o["weight"] for o in orders],
            "regimen": [o["regimen"] for o in orders],
            "dose": [o["dose"] for o in orders],
        },
        rules=HOSPITAL,
    )
    out.append(repr({name: list(column) for name, column in table.items()}))
    return out


def returned_objects(orders: list[dict[str, str]]) -> list[object]:
    """One of every kind of object dosecalc hands a caller, for these orders."""
    objects: list[object] = [HOSPITAL, dosecalc.load_rules(), dosecalc.load_rules(HOSPITAL_DIR)]
    for order in orders:
        objects.append(dosecalc.check(**order, rules=HOSPITAL))
        patient = {k: v for k, v in order.items() if k != "dose"}
        objects.append(dosecalc.calculate(**patient, rules=HOSPITAL, concentration="1 mg/mL"))
        objects.append(dosecalc.parse_dose(order["dose"]))
    result = dosecalc.calculate(
        weight="70 kg",
        height="170 cm",
        sex="male",
        basis="adjusted",
        regimen="iv",
        concentration="1 mg/mL",
    )
    objects += [
        result,
        result.patient,
        result.dosing_weight,
        result.rule_range,
        dosecalc.check(weight="70 kg", regimen="iv", dose="30 mg/hr", concentration="1 mg/mL"),
        dosecalc.prepare(
            stock="500 mg/10 mL",
            final_volume="50 mL",
            dose="30 mg/hr",
            duration="24 hr",
            regimen="iv",
            weight="70 kg",
        ),
        dosecalc.parse_quantity("70 kg", dosecalc.WEIGHT),
        dosecalc.parse_quantity("50 mg/5 mL", dosecalc.CONCENTRATION),
    ]
    return objects


@settings(max_examples=15, deadline=None)
@given(
    orders=st.lists(hospital_orders(), min_size=1, max_size=3),
    mutations=st.permutations(sorted(MUTATIONS)),
)
def test_nothing_a_caller_does_to_a_returned_quantity_changes_a_later_answer(orders, mutations):
    before = answers(orders)
    for mutation in mutations:  # every way, in a generated order
        for quantity in (q for o in returned_objects(orders) for q in quantities_in(o)):
            was = (quantity._magnitude, quantity._units)
            # Refused or not, what matters is that nothing changed.
            with contextlib.suppress(
                FrozenQuantityError, AttributeError, pint.PintError, ValueError, TypeError
            ):
                MUTATIONS[mutation](quantity)
            assert (quantity._magnitude, quantity._units) == was, mutation
    assert answers(orders) == before


def test_the_reported_corruptions_cannot_happen():
    """The review's two cases: ito on a result's rule range, then 30 mg/hr at 70 kg and a
    61 mg/24 h order past a 60 mg/24 h hard limit."""
    result = dosecalc.calculate(weight="70 kg", regimen="iv")
    with pytest.raises(FrozenQuantityError, match=r"in place \(ito\).*q\.to\(unit\)"):
        result.rule_range.low.ito("microgram/kilogram/minute")
    high = HOSPITAL.find("fictivane-sc-driver").dose.quantities()[1]
    with pytest.raises(FrozenQuantityError):
        high.ito("milligram/hour")
    assert dosecalc.check(weight="70 kg", regimen="iv", dose="30 mg/hr").verdict == "within"
    order = dosecalc.check(regimen="fictivane-sc-driver", dose="61 mg/24 h", rules=HOSPITAL)
    assert order.hard_limit == "above"


def test_an_in_place_operator_gives_a_new_quantity_and_leaves_the_old_one():
    dose = dosecalc.calculate(weight="70 kg", regimen="iv").dose.low
    total = dose
    total += dose
    total *= 2
    total **= 1
    assert (dose, total) == (registry().Quantity(21, "mg/h"), registry().Quantity(84, "mg/h"))


def mutable_parts(value: object, path: str = "result") -> Iterator[str]:
    """The path of every part of ``value`` a caller could change in place: a list, set or
    plain dict, or a model or dataclass that is not frozen, however deep."""
    if isinstance(value, BaseModel):
        if not type(value).model_config.get("frozen"):
            yield path
        names = [*type(value).model_fields, *type(value).model_computed_fields]
        for name in names:
            yield from mutable_parts(getattr(value, name), f"{path}.{name}")
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        if not type(value).__dataclass_params__.frozen:  # type: ignore[attr-defined]
            yield path
        for field in dataclasses.fields(value):
            yield from mutable_parts(getattr(value, field.name), f"{path}.{field.name}")
    elif isinstance(value, ReadOnlyDict):
        for key, item in value.items():
            yield from mutable_parts(item, f"{path}[{key!r}]")
    elif isinstance(value, list | set | dict | bytearray):
        yield path
    elif isinstance(value, tuple):
        for i, item in enumerate(value):
            yield from mutable_parts(item, f"{path}[{i}]")


@settings(max_examples=25, deadline=None)
@given(orders=st.lists(hospital_orders(), min_size=1, max_size=2))
def test_no_part_of_a_result_can_be_changed_in_place(orders):
    """A result's lists, shown figures and inputs are as fixed as its quantities: a script
    cannot append a warning away, or rewrite the figure shown beside a verdict."""
    for made in returned_objects(orders):
        if isinstance(made, dosecalc.RuleSet):
            continue  # a rule set is checked by its own tests (test_rules)
        assert list(mutable_parts(made)) == [], type(made).__name__
        for shown in (getattr(made, "display", None), getattr(made, "basis", None)):
            texts = shown.inputs if isinstance(shown, BaseModel) else shown
            if isinstance(texts, Mapping) and texts:
                key = next(iter(texts))
                with pytest.raises(TypeError, match="read-only"):
                    texts[key] = "0.35 mg/kg/hr"  # type: ignore[index]
                with pytest.raises(TypeError, match="read-only"):
                    texts.update({key: "1 mg"})  # type: ignore[attr-defined]
                with pytest.raises(TypeError, match="read-only"):
                    texts.__init__({key: "1 mg"})  # type: ignore[misc]


# ------------------------------------------------------------ pickle, copy, deepcopy


def _round_trips(value: object) -> list[tuple[str, object]]:
    trips: list[tuple[str, object]] = [
        (f"pickle {protocol}", pickle.loads(pickle.dumps(value, protocol=protocol)))
        for protocol in range(pickle.HIGHEST_PROTOCOL + 1)
    ]
    return [*trips, ("copy", copy.copy(value)), ("deepcopy", copy.deepcopy(value))]


def _assert_exactly_equal(original: object, back: object, how: str) -> None:
    assert back == original, how
    pairs = zip(list(quantities_in(original)), list(quantities_in(back)), strict=True)
    for mine, theirs in pairs:
        assert theirs._REGISTRY is registry(), how  # never pint's application registry
        assert type(theirs.magnitude) is type(mine.magnitude), how  # Fractions stay Fractions
        assert (theirs.magnitude, theirs.units) == (mine.magnitude, mine.units), how
        assert hash(theirs) == hash(mine), how
        for unit in ("microgram/minute", "microgram/kilogram/minute", "milliliter/hour", "gram"):
            target = registry().Unit(unit)
            if mine.dimensionality == target.dimensionality:
                assert theirs.to(target).magnitude == mine.to(target).magnitude, how


@settings(max_examples=40, deadline=None)
@given(inputs=patients() | checked_orders())
def test_a_result_survives_pickle_copy_and_deepcopy_exactly(inputs):
    made = dosecalc.check(**inputs) if "dose" in inputs else dosecalc.calculate(**inputs)
    for how, back in _round_trips(made):
        _assert_exactly_equal(made, back, how)
        assert back.model_dump_json() == made.model_dump_json(), how


@settings(max_examples=40, deadline=None)
@given(order=hospital_orders())
def test_rules_and_what_is_read_survive_pickle_copy_and_deepcopy_exactly(order):
    for made in (
        HOSPITAL.find(order["regimen"]),
        dosecalc.parse_dose(order["dose"]),
        dosecalc.parse_quantity(order["weight"], dosecalc.WEIGHT),
        dosecalc.parse_quantity(order["dose"], DOSE),
    ):
        for how, back in _round_trips(made):
            _assert_exactly_equal(made, back, how)


def test_the_reported_pickle_case_converts_exactly():
    result = dosecalc.calculate(weight="70 kg", regimen="iv")
    back = pickle.loads(pickle.dumps(result))
    assert back.dose.low.to("microgram/minute").magnitude == Fraction(350)
    assert hash(back.dose.low) == hash(result.dose.low) == hash(registry().Quantity(21, "mg/h"))
    unit = pickle.loads(pickle.dumps(result.dose.low.units))
    assert unit._REGISTRY is registry()
