"""The one unit registry: exact, frozen quantities, their conversions and dimensions.

One pint registry serves the whole package, built once from any thread, with
``fractions.Fraction`` magnitudes (arithmetic is exact: 0.35 mg/kg/hr x 70 kg is 24.5
mg/hr), and quantities that never change once made, since a rule's range is shared by
every result. Reading what people type is `dosecalc.foundation.units`'s.
"""

from __future__ import annotations

import functools
import os
import shutil
import threading
from collections.abc import Mapping
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeAlias

import pint
import platformdirs

from dosecalc.foundation.errors import FrozenQuantityError

if TYPE_CHECKING:
    from pint.facets.plain import PlainUnit

    Quantity: TypeAlias = pint.Quantity[Fraction]  # the registry's magnitudes are Fractions
    Unit: TypeAlias = PlainUnit
    Registry: TypeAlias = pint.UnitRegistry[Fraction]
else:
    Quantity = pint.Quantity
    Unit = pint.Unit
    Registry = pint.UnitRegistry


UNIT_CACHE_ENV: Final = "DOSECALC_UNIT_CACHE"
"""Set to ``0`` to build the registry without pint's disk cache."""


_registry: Registry | None = None
_registry_lock = threading.Lock()


def _new_lock_after_fork() -> None:
    """A child forked while another thread held the lock would wait on it for ever."""
    global _registry_lock
    _registry_lock = threading.Lock()


os.register_at_fork(after_in_child=_new_lock_after_fork)


def registry() -> Registry:
    """The package's only pint registry, built once, on first use, from any thread.

    Every cache in dosecalc holds units of this one registry: two threads making
    their first call at once must not build two (pint refuses to mix them).
    pint's definition cache makes later starts faster; set
    ``DOSECALC_UNIT_CACHE=0`` to build without it (read-only or shared home folders).
    """
    global _registry
    if _registry is None:
        with _registry_lock:
            if _registry is None:
                _registry = _build_registry()
    return _registry


def unit_cache_folder() -> Path:
    """dosecalc's own folder for pint's definition cache: ours to rebuild when it breaks."""
    return platformdirs.user_cache_path("dosecalc", appauthor=False) / "pint"


def _build_registry() -> Registry:
    if os.environ.get(UNIT_CACHE_ENV, "1") == "0":
        return _ExactRegistry(cache_folder=None, non_int_type=Fraction)
    folder = unit_cache_folder()
    try:
        return _ExactRegistry(cache_folder=folder, non_int_type=Fraction)
    except Exception:  # whatever a torn or unwritable cache raises
        # pint writes its cache in place: a full disk or two cold starts at once can leave
        # a truncated file that every later start would fail on. Drop the folder (ours
        # alone) and build from the definitions; the next start writes a whole cache.
        shutil.rmtree(folder, ignore_errors=True)
        return _ExactRegistry(cache_folder=None, non_int_type=Fraction)


def _refuse_in_place(method: str) -> FrozenQuantityError:
    return FrozenQuantityError(
        f"a dosecalc quantity cannot be changed in place ({method}): it may be shared with "
        "every later result. Use q.to(unit), which returns a new quantity"
    )


_SEALED: Final = frozenset({"_magnitude", "_units"})


class _FrozenQuantity(pint.UnitRegistry.Quantity):  # type: ignore[type-arg]
    """A quantity of dosecalc's registry: it never changes once made.

    A rule's range is read once and then shared by every result (and an entry's reading by
    every call that types it): a caller's ``result.rule_range.low.ito("mcg/kg/min")`` would
    otherwise change the range of every later check in the process. So every way pint has
    of changing a quantity in place refuses (`FrozenQuantityError`), and the in-place
    operators (``+=``, ``*=``, ...) give a new quantity, as they do for a number.

    Pickled, it comes back in this registry, exactly (pint's own pickling rebuilds a
    quantity in its application registry, of floats: 21 mg/hr came back 350.00000000000003
    mcg/min).
    """

    def __setattr__(self, name: str, value: object) -> None:
        if name in self.__dict__ and name in _SEALED:  # set once, when made
            raise _refuse_in_place(f"setting {name}")
        object.__setattr__(self, name, value)  # pint's own: object's (tests/test_units.py)

    def __delattr__(self, name: str) -> None:
        raise _refuse_in_place(f"deleting {name}")

    def __reduce__(self) -> tuple[object, tuple[object, dict[str, object]]]:  # type: ignore[override]
        return _unpickle_quantity, (self._magnitude, dict(self._units))

    def ito(self, *args: object, **kwargs: object) -> None:
        raise _refuse_in_place("ito")

    def ito_base_units(self, *args: object, **kwargs: object) -> None:
        raise _refuse_in_place("ito_base_units")

    def ito_root_units(self, *args: object, **kwargs: object) -> None:
        raise _refuse_in_place("ito_root_units")

    def ito_reduced_units(self, *args: object, **kwargs: object) -> None:
        raise _refuse_in_place("ito_reduced_units")

    def ito_preferred(self, *args: object, **kwargs: object) -> None:  # type: ignore[override]
        raise _refuse_in_place("ito_preferred")

    def ito_unprefixed(self, *args: object, **kwargs: object) -> None:  # type: ignore[override]
        raise _refuse_in_place("ito_unprefixed")

    def __setitem__(self, key: object, value: object) -> None:
        raise _refuse_in_place("item assignment")

    def put(self, *args: object, **kwargs: object) -> None:
        raise _refuse_in_place("put")

    def fill(self, *args: object, **kwargs: object) -> None:
        raise _refuse_in_place("fill")

    # pint changes some quantities in place for these (//=, **= and %= always; the others
    # when the magnitude is an array): here each gives a new quantity, as for a number.
    def __iadd__(self, other: Any) -> Any:
        return self + other

    def __isub__(self, other: Any) -> Any:
        return self - other

    def __imul__(self, other: Any) -> Any:
        return self * other

    def __itruediv__(self, other: Any) -> Any:
        return self / other

    __idiv__ = __itruediv__

    def __ifloordiv__(self, other: Any) -> Any:  # type: ignore[misc]
        return self // other

    def __imod__(self, other: Any) -> Any:  # type: ignore[misc]
        return self % other

    def __ipow__(self, other: Any) -> Any:  # type: ignore[misc]
        return self**other


class _RegistryUnit(pint.UnitRegistry.Unit):
    """A unit of dosecalc's registry, pickled back into it (not pint's application registry)."""

    def __setattr__(self, name: str, value: object) -> None:
        if name in self.__dict__ and name == "_units":
            raise _refuse_in_place("setting _units")
        object.__setattr__(self, name, value)

    def __reduce__(self) -> tuple[object, tuple[dict[str, object]]]:
        return _unpickle_unit, (dict(self._units),)


class _ExactRegistry(pint.UnitRegistry):  # type: ignore[type-arg]
    """pint's registry with `_FrozenQuantity` and `_RegistryUnit` as its classes."""

    Quantity = _FrozenQuantity
    Unit = _RegistryUnit


def _unpickle_quantity(magnitude: Fraction, units: dict[str, object]) -> Quantity:
    """A pickled quantity, back in dosecalc's registry with its exact magnitude."""
    return registry().Quantity(magnitude, _unpickle_unit(units))


def _unpickle_unit(units: dict[str, object]) -> Unit:
    """A pickled unit, back in dosecalc's registry."""
    return registry().Unit(registry().UnitsContainer(units))


@functools.cache
def named_unit(name: str) -> Unit:
    """The registry's unit called ``name``, parsed once (parsing is most of what a pint
    conversion by name costs)."""
    return registry().Unit(name)


def convert(quantity: Quantity, unit: Unit) -> Quantity:
    """``quantity.to(unit)``, the same exact value: by `conversion_factor`, found once per
    pair of units, where pint works its way to the factor again on every call."""
    return quantity_of(quantity.magnitude * _factor(quantity._units, unit._units), unit)


def conversion_factor(source: Unit, target: Unit) -> Fraction:
    """What a magnitude in ``source`` is multiplied by to be in ``target``, exactly: pint's
    own factor, kept per pair of units (by their terms, never by Unit: a Unit of another
    registry refuses to be compared with ours). Raises pint's DimensionalityError for units
    of different dimensions, as ``to`` does."""
    return _factor(source._units, target._units)


@functools.lru_cache(maxsize=1024)
def _factor(source: pint.util.UnitsContainer, target: pint.util.UnitsContainer) -> Fraction:
    units = registry()
    if units.convert(Fraction(0), source, target) != 0:  # an offset unit: no one factor
        raise ValueError(f"{source} to {target} is no multiplication")
    return Fraction(units.convert(Fraction(1), source, target))


def quantity_of(value: Fraction, unit: Unit) -> Quantity:
    """An exact quantity of the registry: ``value`` in ``unit``, as ``Quantity(value, unit)``
    makes it (its two attributes) without the checks for arrays and strings, which an
    exact magnitude and a Unit of ours never need (tests/test_units.py holds the two equal)."""
    quantity = object.__new__(registry().Quantity)
    quantity._magnitude = value
    quantity._units = unit._units
    return quantity


Dimension = tuple[tuple[str, int], ...]
"""A dimension as sorted (base dimension, power) pairs: (("[mass]", 1), ("[time]", -1)).

Compared as tuples, never via pint's text: pint cannot format a power other
than 1 when magnitudes are Fractions (hgrecco/pint#2386).
"""

MASS: Final[Dimension] = (("[mass]", 1),)
LENGTH: Final[Dimension] = (("[length]", 1),)
TIME: Final[Dimension] = (("[time]", 1),)
VOLUME: Final[Dimension] = (("[length]", 3),)
FLOW: Final[Dimension] = (("[length]", 3), ("[time]", -1))


def dimension_of(of: Unit | str) -> Dimension:
    """The dimension of a unit as comparable (base dimension, power) pairs."""
    return _dimension(of if isinstance(of, str) else pint.util.to_units_container(of))


def unit_powers(of: Unit | pint.util.UnitsContainer) -> dict[str, int]:
    """The unit's terms and whole powers: mg/kg/h -> {milligram: 1, kilogram: -1, hour: -1}."""
    return dict(_unit_powers(pint.util.to_units_container(of)))


# Cached by name or by units container, never by Unit: a Unit of another registry
# refuses to be compared with ours.
@functools.cache
def _dimension(of: str | pint.util.UnitsContainer) -> Dimension:
    return tuple(sorted(_whole_powers(registry().get_dimensionality(of)).items()))


@functools.cache
def _unit_powers(of: pint.util.UnitsContainer) -> tuple[tuple[str, int], ...]:
    return tuple(_whole_powers(of).items())


def _whole_powers(terms: Mapping[str, object]) -> dict[str, int]:
    powers = {}
    for name, power in terms.items():
        if not isinstance(power, int | Fraction | float) or power != int(power):
            raise ValueError(f"dosecalc uses whole powers of units only, not {name}**{power}")
        powers[name] = int(power)
    return powers
