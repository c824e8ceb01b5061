"""What a script passes the library from its own world: quantities of its own pint
registry, numbers of every type and size, rule folders named any way. Only dosecalc's
typed errors escape, and a quantity read is the one that was meant."""

from __future__ import annotations

import math
import numbers
import re
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pint
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from strategies import FOREIGN_UNITS, foreign_magnitudes, foreign_registries, rule_paths

import dosecalc
from dosecalc import DoseCalcError, InputError, RulesError, registry

REGISTRIES = foreign_registries()


def _entry_points(quantity: object) -> dict[str, object]:
    """Each library entry point a quantity may be given to, as a call."""
    return {
        "parse_quantity weight": lambda: dosecalc.parse_quantity(quantity, dosecalc.WEIGHT),
        "parse_quantity height": lambda: dosecalc.parse_quantity(quantity, dosecalc.HEIGHT),
        "parse_dose": lambda: dosecalc.parse_dose(quantity),
        "calculate weight": lambda: dosecalc.calculate(weight=quantity, regimen="iv"),
        "calculate concentration": lambda: dosecalc.calculate(
            weight="70 kg", regimen="iv", concentration=quantity
        ),
        "calculate height": lambda: dosecalc.calculate(
            weight="70 kg", height=quantity, sex="male", regimen="iv"
        ),
        "check dose": lambda: dosecalc.check(weight="70 kg", regimen="iv", dose=quantity),
        "prepare stock": lambda: dosecalc.prepare(
            stock=quantity, final_volume="50 mL", dose="30 mg/hr", duration="24 hr"
        ),
    }


def _meant(magnitude: object) -> Fraction | None:
    """The exact value a caller meant by ``magnitude``, or None for one that is no
    measurement (a bool, NaN, infinity, an array, text, complex)."""
    if isinstance(magnitude, bool) or type(magnitude).__name__ in ("bool_", "ndarray"):
        return None
    if isinstance(magnitude, str | complex):
        return None
    if isinstance(magnitude, float) or type(magnitude).__name__.startswith("float"):
        return Fraction(str(magnitude)) if math.isfinite(float(magnitude)) else None
    if isinstance(magnitude, Decimal):
        return Fraction(magnitude) if magnitude.is_finite() else None
    return Fraction(int(magnitude)) if type(magnitude).__name__ != "Fraction" else magnitude


@settings(max_examples=300, deadline=None)
@given(
    registry_name=st.sampled_from(sorted(REGISTRIES)),
    magnitude=foreign_magnitudes(),
    unit=st.sampled_from(FOREIGN_UNITS),
    entry=st.sampled_from(sorted(_entry_points(None))),
)
def test_a_quantity_of_any_registry_and_magnitude_raises_only_typed_errors(
    registry_name, magnitude, unit, entry
):
    foreign = REGISTRIES[registry_name]
    try:
        quantity = foreign.Quantity(magnitude, unit)
    except Exception:  # pint refuses to build it: nothing of dosecalc's was called
        event("pint refuses to build it")
        return
    try:
        _entry_points(quantity)[entry]()
    except DoseCalcError as error:
        refused: DoseCalcError | None = error
    else:
        refused = None
    if refused is not None:
        event(f"refused: {type(refused).__name__}")
        assert len(str(refused)) < 1000
        return
    event("read")
    # Accepted: then as the caller meant it, in their registry, and only where the unit
    # means the same in theirs as in ours.
    assert _meant(magnitude) is not None
    assert unit != "stonex"
    assert not (registry_name == "stone redefined" and "stone" in unit)


@settings(max_examples=200, deadline=None)
@given(
    registry_name=st.sampled_from(["default", "decimal", "own units"]),
    magnitude=foreign_magnitudes(),
    unit=st.sampled_from(["kg", "lb", "stone", "g"]),
)
def test_a_weight_of_a_caller_registry_is_read_as_the_caller_meant_it(
    registry_name, magnitude, unit
):
    foreign = REGISTRIES[registry_name]
    try:
        quantity = foreign.Quantity(magnitude, unit)
    except Exception:  # pint refuses to build it
        event("pint refuses to build it")
        return
    try:
        read = dosecalc.parse_quantity(quantity, dosecalc.WEIGHT)
    except InputError:
        event("refused")
        return
    event("read")
    meant = _meant(quantity.magnitude)  # what the caller's quantity holds (pint 0.26 reads "70")
    assert meant is not None
    assert read._REGISTRY is registry()
    assert type(read.magnitude) is Fraction
    assert read.to("gram").magnitude == meant * registry().Quantity(1, unit).to("gram").magnitude


def test_the_reported_foreign_quantities_are_read_or_refused_by_name():
    decimal = REGISTRIES["decimal"].Quantity(Decimal(70), "kg")
    assert dosecalc.calculate(weight=decimal, regimen="iv").dose.display == "21 to 35 mg/hr"
    with pytest.raises(dosecalc.UnitError, match="'stonex' is not a unit dosecalc knows"):
        dosecalc.calculate(weight=REGISTRIES["own units"].Quantity(11, "stonex"), regimen="iv")
    with pytest.raises(dosecalc.UnitError, match=r"'stone' .* \(it was redefined\)"):
        dosecalc.calculate(weight=REGISTRIES["stone redefined"].Quantity(11, "stone"), regimen="iv")
    elsewhere = pint.UnitRegistry(on_redefinition="ignore")
    elsewhere.define("stone = 14 * meter")  # another dimension altogether
    with pytest.raises(dosecalc.UnitError, match=r"'stone' .* \(it was redefined\)"):
        dosecalc.calculate(weight=elsewhere.Quantity(11, "stone"), regimen="iv")
    with pytest.raises(dosecalc.UnitError, match="is a ratio such as mg/kg, not a weight"):
        dosecalc.calculate(weight=REGISTRIES["default"].Quantity(70, ""), regimen="iv")
    for huge, phrase in [
        (10**5000, "an integer of about 5,001 digits has too many digits"),
        (Fraction(1, 10**5000), "too many digits to be a dose"),
    ]:
        with pytest.raises(dosecalc.OutOfRangeError, match=phrase):
            dosecalc.check(weight="70 kg", regimen="iv", dose=registry().Quantity(huge, "mg/h"))


class _OddReal(numbers.Real):
    """A number type of a caller's that writes itself as no number (or not at all)."""

    def __init__(self, text: str | None) -> None:
        self.text = text

    def __str__(self) -> str:
        if self.text is None:
            raise RuntimeError("cannot be written")
        return self.text

    def __float__(self) -> float:
        return 70.0

    __repr__ = __str__
    __abs__ = __neg__ = __pos__ = __trunc__ = __floor__ = __ceil__ = __round__ = None  # type: ignore[assignment]
    __add__ = __radd__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = None  # type: ignore[assignment]
    __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = __pow__ = __rpow__ = None  # type: ignore[assignment]
    __lt__ = __le__ = __eq__ = None  # type: ignore[assignment]
    __hash__ = object.__hash__


@pytest.mark.parametrize(
    ("magnitude", "error", "phrase"),
    [
        (True, dosecalc.ParseError, "the magnitude True is true or false, not a number"),
        (np.bool_(False), dosecalc.ParseError, "is true or false, not a number"),
        (_OddReal("seventy"), dosecalc.OutOfRangeError, "weight: seventy is not a finite number"),
        (_OddReal(None), dosecalc.OutOfRangeError, "cannot be written out is not a finite"),
        (np.longdouble("1e400"), dosecalc.OutOfRangeError, "has too many digits"),
    ],
)
def test_a_magnitude_that_is_no_measurement_is_refused_by_what_it_is(magnitude, error, phrase):
    quantity = REGISTRIES["default"].Quantity(70, "kg")
    quantity._magnitude = magnitude  # pint refuses to build these; a caller's code may not
    with pytest.raises(error, match=re.escape(phrase)):
        dosecalc.calculate(weight=quantity, regimen="iv")


@settings(max_examples=150, deadline=None)
@given(path=rule_paths())
def test_a_rule_folder_named_any_way_is_loaded_or_refused_as_a_rules_error(path):
    for call in (
        lambda: dosecalc.load_rules(path),
        lambda: dosecalc.calculate(weight="70 kg", regimen="iv", rules=path),
        lambda: dosecalc.check(weight="70 kg", regimen="iv", dose="30 mg/hr", rules=path),
    ):
        with pytest.raises(RulesError) as refused:
            call()
        assert len(str(refused.value)) < 300
