"""`diff`: what changed between two rule sets, per file and per regimen, in words a reviewer signs.

Every field of `Regimen` is compared: the fields are read from the model itself, and each needs
its words in `FIELD_WORDS` (a test checks that every field has them), so a field added to the
schema is never skipped in silence. Values are compared exactly, as the rule files hold them
(decimals, not floats); ranges are said with every decimal of the file, and how each bound
moved. A change of unit is said as such, with the new range converted into the old unit (by
the display rule) and whether it is the same dose once converted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Final, TypeAlias

from pydantic import BaseModel

from dosecalc.foundation.display import (
    figure,
    format_exact,
    format_exact_range,
    format_range,
    magnitude,
    unit_display,
)
from dosecalc.foundation.dose_units import (
    CONCENTRATION_UNIT,
)
from dosecalc.foundation.unit_registry import (
    Quantity,
    dimension_of,
    named_unit,
)
from dosecalc.foundation.units import (
    parse_quantity,
)
from dosecalc.ruleset.loader import RuleFileInfo, RuleSet, regimen_names
from dosecalc.ruleset.schema import (
    Amount,
    Citation,
    Concentration,
    DoseRange,
    HardLimits,
    MeasurableVolume,
    PumpRateStep,
    Regimen,
    RouteCode,
)

_Quantities = Amount | Concentration | PumpRateStep | MeasurableVolume
"""A rule's value and unit with its own citation."""

JsonValue: TypeAlias = bool | int | float | str | list["JsonValue"] | dict[str, "JsonValue"] | None

FIELD_WORDS: Final[dict[str, str]] = {
    "id": "id",
    "aliases": "aliases",
    "drug": "drug",
    "route": "route",
    "label": "label",
    "kind": "kind",
    "dose": "dose range",
    "side_effects": "side effects",
    "supervision": "supervision statement",
    "source": "source",
    "source_does_not_specify": "what the source does not specify",
    "route_codes": "route codes",
    "other_names": "other names of the drug",
    "hard_limits": "hard limits",
    "max_per_24h": "maximum per 24 hours",
    "standard_concentrations": "standard concentrations",
    "pump_rate_increment": "pump rate increment",
    "smallest_measurable_volume": "smallest measurable volume",
    "largest_volume_per_dose": "largest volume per dose",
    "reviewed_by": "reviewed by",
    "review_date": "review date",
}
"""How each field of `Regimen` is named in a sentence; every field must have words here."""


@dataclass(frozen=True)
class Change:
    """One difference: where (a file or a regimen), which field, both values, in words.

    ``field`` is the field's name in the rule file (``dose``, ``source.quote``), or
    ``regimen`` for a regimen added or removed and ``file`` for a file added or removed;
    ``old`` and ``new`` are the values as JSON (None where there is none).
    """

    file: str | None
    regimen: str | None
    field: str
    old: JsonValue
    new: JsonValue
    text: str

    def as_json(self) -> dict[str, JsonValue]:
        return {
            "file": self.file,
            "regimen": self.regimen,
            "field": self.field,
            "old": self.old,
            "new": self.new,
            "text": self.text,
        }


@dataclass(frozen=True)
class RuleDiff:
    """The changes from the rule set ``old`` to ``new``; none when they are the same."""

    old: RuleSet
    new: RuleSet
    changes: tuple[Change, ...]

    def summary(self) -> str:
        """One line: how many changes, to which files and regimens."""
        if not self.changes:
            return f"No changes: both rule sets are version {self.new.version}."
        files = _unique(c.file for c in self.changes if c.file is not None)
        added = [c.regimen for c in self.changes if c.field == "regimen" and c.old is None]
        removed = [c.regimen for c in self.changes if c.field == "regimen" and c.new is None]
        changed = _unique(
            c.regimen for c in self.changes if c.regimen is not None and c.field != "regimen"
        )
        parts = [
            f"{_count(len(self.changes), 'change')}:",
            f"files changed: {', '.join(files) or 'none'};",
            f"regimens changed: {', '.join(changed) or 'none'};",
            f"added: {', '.join(map(str, added)) or 'none'};",
            f"removed: {', '.join(map(str, removed)) or 'none'}.",
        ]
        return " ".join(parts)

    def lines(self) -> list[str]:
        """The diff in words: both rule sets, each change, and the summary."""
        return [
            f"Old rules: {self.old.path}, version {self.old.version}, sha256 {self.old.sha256}",
            f"New rules: {self.new.path}, version {self.new.version}, sha256 {self.new.sha256}",
            "",
            *(change.text for change in self.changes),
            *([""] if self.changes else []),
            self.summary(),
        ]

    def as_json(self) -> dict[str, JsonValue]:
        def rule_set(rules: RuleSet) -> dict[str, JsonValue]:
            return {"path": str(rules.path), "version": rules.version, "sha256": rules.sha256}

        return {
            "old": rule_set(self.old),
            "new": rule_set(self.new),
            "changes": [change.as_json() for change in self.changes],
            "summary": self.summary(),
        }


def diff(old: RuleSet, new: RuleSet) -> RuleDiff:
    """Every change from ``old`` to ``new``: files first, then regimens in the new set's order,
    then the regimens removed."""
    return RuleDiff(
        old, new, (*_file_changes(old.files, new.files), *diff_regimens(old.regimens, new.regimens))
    )


def diff_regimens(old: Sequence[Regimen], new: Sequence[Regimen]) -> tuple[Change, ...]:
    """The changes from the regimens ``old`` to ``new``, matched by id.

    A regimen removed and one added with the same drug, route and label (one of each) are
    one regimen renamed: its new id is said, and its other fields are compared as usual.
    """
    old_by_id = {regimen.id: regimen for regimen in old}
    new_by_id = {regimen.id: regimen for regimen in new}
    removed = [r for r in old if r.id not in new_by_id]
    added = [r for r in new if r.id not in old_by_id]
    renamed = _renames(removed, added)
    changes: list[Change] = []
    for regimen in new:
        before = old_by_id.get(regimen.id) or renamed.get(regimen.id)
        if before is None:
            changes.append(_whole(regimen, "added", None, regimen))
        else:
            changes.extend(_regimen_changes(before, regimen))
    paired = {regimen.id for regimen in renamed.values()}
    changes.extend(_whole(r, "removed", r, None) for r in removed if r.id not in paired)
    return tuple(changes)


def _renames(removed: Sequence[Regimen], added: Sequence[Regimen]) -> dict[str, Regimen]:
    """For each added regimen that renames a removed one, by the new id, the old regimen."""

    def key(regimen: Regimen) -> tuple[str, str, str]:
        return regimen.drug, regimen.route, regimen.label

    def once(regimens: Sequence[Regimen]) -> dict[tuple[str, str, str], Regimen]:
        keys = [key(regimen) for regimen in regimens]
        return {key(r): r for r in regimens if keys.count(key(r)) == 1}

    before, after = once(removed), once(added)
    return {after[k].id: before[k] for k in after.keys() & before.keys()}


def _whole(regimen: Regimen, how: str, old: Regimen | None, new: Regimen | None) -> Change:
    return Change(
        None,
        regimen.id,
        "regimen",
        None if old is None else _plain(old),
        None if new is None else _plain(new),
        f"{regimen.id}: regimen {how}: {regimen.drug}, {regimen.route} ('{regimen.label}'), "
        f"{_shown(regimen.dose)} ({_shown(regimen.kind)})",
    )


def _regimen_changes(old: Regimen, new: Regimen) -> Iterator[Change]:
    """Each field of `Regimen` compared, in the schema's order."""
    for name in type(new).model_fields:
        before, after = getattr(old, name), getattr(new, name)
        if name == "id" and before != after:
            kept = before in regimen_names(new)
            yield Change(
                None,
                new.id,
                "id",
                before,
                after,
                f"{new.id}: renamed from '{before}' (same drug, route and label); "
                + (
                    f"'{before}' still finds it"
                    if kept
                    else f"an order naming '{before}' no longer finds it"
                ),
            )
        else:
            yield from _compare(new.id, name, FIELD_WORDS[name], before, after)


def _compare(regimen: str, field: str, words: str, old: object, new: object) -> Iterator[Change]:
    """The changes between two values of one field (none when they are equal)."""
    if old == new:
        return
    plain_old, plain_new = _plain(old), _plain(new)
    if isinstance(old, HardLimits | _Quantities) and type(old) is type(new):
        # A limit's own citation, then its figures: either may change without the other.
        yield from _compare(regimen, f"{field}.source", f"{words} source", old.source, new.source)
        old, new = (limit.model_copy(update={"source": None}) for limit in (old, new))
        if old == new:
            return
    if field == "standard_concentrations" and isinstance(old, tuple) and isinstance(new, tuple):
        yield from _concentration_changes(regimen, field, words, old, new)
        return
    if isinstance(old, DoseRange) and isinstance(new, DoseRange):
        text = _range_text(old, new)
    elif isinstance(old, _Quantities) and type(old) is type(new):
        text = _moved(_quantity(old), _quantity(new))
    elif isinstance(old, BaseModel) and type(old) is type(new):
        for name in type(old).model_fields:
            yield from _compare(
                regimen,
                f"{field}.{name}",
                f"{words} {name.replace('_', ' ')}",
                getattr(old, name),
                getattr(new, name),
            )
        return
    elif isinstance(old, tuple) and isinstance(new, tuple):
        text = _list_text(old, new)
    else:
        text = f"{_shown(old)} → {_shown(new)}"
    yield Change(None, regimen, field, plain_old, plain_new, f"{regimen}: {words} {text}")


def _concentration_changes(
    regimen: str,
    field: str,
    words: str,
    old: tuple[Concentration, ...],
    new: tuple[Concentration, ...],
) -> Iterator[Change]:
    """Standard concentrations compared by strength: those added and removed; for a
    strength in both, how it is written and its citation, each said as such."""

    def by_strength(items: tuple[Concentration, ...]) -> dict[Fraction, Concentration]:
        return {
            magnitude(_quantity(item).to(named_unit(CONCENTRATION_UNIT))): item for item in items
        }

    before, after = by_strength(old), by_strength(new)
    added = [item for strength, item in after.items() if strength not in before]
    removed = [item for strength, item in before.items() if strength not in after]
    if added or removed:
        parts = [
            f"added {_shown(added)}" if added else "",
            f"removed {_shown(removed)}" if removed else "",
        ]
        yield Change(
            None,
            regimen,
            field,
            _plain(removed),
            _plain(added),
            f"{regimen}: {words} {'; '.join(filter(None, parts))} (now {_shown(new)})",
        )
    for strength in before.keys() & after.keys():
        was, now = before[strength], after[strength]
        shown = _shown(now)
        if (was.value, was.unit) != (now.value, now.unit):
            yield Change(
                None,
                regimen,
                f"{field}.unit",
                f"{was.value} {was.unit}",
                f"{now.value} {now.unit}",
                f"{regimen}: {words} {shown} written '{was.value} {was.unit}' → "
                f"'{now.value} {now.unit}' (the same strength)",
            )
        yield from _compare(
            regimen, f"{field}.source", f"{words} {shown} source", was.source, now.source
        )


def _range_text(old: DoseRange, new: DoseRange) -> str:
    """``0.3 to 0.5 mg/kg/hr → 0.3 to 0.6 mg/kg/hr (high raised by 0.1 mg/kg/hr)``."""
    old_low, old_high = old.quantities()
    new_low, new_high = new.quantities()
    said = f"{_shown(old)} → {_shown(new)}"
    if new_low.units == old_low.units:
        notes = [
            f"{name} {_direction(b - a)} by {format_exact(abs(b - a))}"
            for name, a, b in (("low", old_low, new_low), ("high", old_high, new_high))
            if a != b
        ]
        if old.unit != new.unit:
            notes.append(f"the unit written '{old.unit}', now '{new.unit}': the same unit")
        return f"{said} ({'; '.join(notes)})"
    change = f"the unit changed from {unit_display(old_low.units)} to {unit_display(new_low.units)}"
    if dimension_of(old_low.units) != dimension_of(new_low.units):
        return f"{said} ({change}: a different kind of dose, not comparable)"
    low, high = new_low.to(old_low.units), new_high.to(old_low.units)
    if (magnitude(low), magnitude(high)) == (magnitude(old_low), magnitude(old_high)):
        return f"{said} ({change}: the same dose once converted)"
    moves = [
        f"{name} {_direction(b - a)} by {_figure(abs(b - a))}"
        for name, a, b in (("low", old_low, low), ("high", old_high, high))
        if magnitude(a) != magnitude(b)
    ]
    return f"{said} ({change}; converted, {format_range(low, high)}: {', '.join(moves)})"


def _moved(old: Quantity, new: Quantity) -> str:
    """``2,400 mg → 2,000 mg (lowered by 400 mg)``; in another unit, converted (an amount
    or a concentration keeps its dimension, which the schema checks)."""
    said = f"{format_exact(old)} → {format_exact(new)}"
    converted = new.to(old.units)
    difference = converted - old
    if magnitude(difference) == 0:
        return f"{said} (the same once converted)"
    by = format_exact(abs(difference)) if new.units == old.units else _figure(abs(difference))
    return f"{said} ({_direction(difference)} by {by})"


def _figure(quantity: Quantity) -> str:
    """A difference worked by conversion: by the display rule, marked if rounded."""
    return figure(magnitude(quantity)).with_unit(unit_display(quantity.units))


def _direction(difference: Quantity) -> str:
    return "raised" if magnitude(difference) > 0 else "lowered"


def _list_text(old: tuple[object, ...], new: tuple[object, ...]) -> str:
    """What a list gained and lost; or, when it holds the same items, its new order."""
    added = [item for item in new if item not in old]
    removed = [item for item in old if item not in new]
    if not added and not removed:
        return f"{_shown(old)} → {_shown(new)} (the same, reordered)"
    parts = [
        f"added {_shown(added)}" if added else "",
        f"removed {_shown(removed)}" if removed else "",
    ]
    return f"{'; '.join(filter(None, parts))} (now {_shown(new)})"


def _quantity(value: _Quantities) -> Quantity:
    return parse_quantity(f"{value.value} {value.unit}", value._kind)


def _shown(value: object) -> str:
    """A rule value in words: figures as the rule file gives them, text quoted; never a
    Python object's own text (``RouteCode(route=...)``, ``Decimal('0.5')``)."""
    match value:
        case None:
            return "none"
        case DoseRange():
            return format_exact_range(*value.quantities())
        case Amount() | Concentration() | PumpRateStep() | MeasurableVolume():
            return format_exact(_quantity(value))
        case RouteCode():
            return (
                f"'{value.route}' coded {value.code} ('{value.display}') in {value.system} "
                f"(from '{value.source}')"
            )
        case Citation():
            return f"{value.cited}, quoting '{value.quote}'"
        case BaseModel():  # a model the schema may gain: each field in words, by name
            fields = (
                f"{name.replace('_', ' ')} {_shown(getattr(value, name))}"
                for name in type(value).model_fields
            )
            return "; ".join(fields)
        case list() | tuple():
            return ", ".join(_shown(item) for item in value) if value else "none"
        case dt.date():
            return value.isoformat()
        case bool():
            return "yes" if value else "no"
        case _:  # text, a decimal (as the file writes it), and the kind
            return f"'{value}'"


def _plain(value: object) -> JsonValue:
    """A rule value as JSON: numbers exact where the file's decimal allows, dates ISO."""
    match value:
        case None | bool() | int():
            return value
        case Decimal():
            return int(value) if value == value.to_integral_value() else float(value)
        case dt.date():
            return value.isoformat()
        case BaseModel():
            return {name: _plain(getattr(value, name)) for name in type(value).model_fields}
        case list() | tuple():
            return [_plain(item) for item in value]
        case _:  # text, and the kind
            return str(value)


def _file_changes(old: Sequence[RuleFileInfo], new: Sequence[RuleFileInfo]) -> Iterator[Change]:
    """Files added or removed, and each file's version and SHA-256."""
    before = {info.name: info for info in old}
    after = {info.name: info for info in new}
    for name in _unique([*before, *after]):
        was, now = before.get(name), after.get(name)
        if was is None or now is None:
            info, how = (now, "added") if was is None else (was, "removed")
            assert info is not None
            yield Change(
                name,
                None,
                "file",
                None if was is None else {"version": was.version, "sha256": was.sha256},
                None if now is None else {"version": now.version, "sha256": now.sha256},
                f"{name}: file {how} (version {info.version}, sha256 {info.sha256})",
            )
            continue
        if was.version != now.version:
            yield Change(
                name,
                None,
                "version",
                was.version,
                now.version,
                f"{name}: version {was.version} → {now.version}",
            )
        if was.sha256 != now.sha256:
            unbumped = (
                f"; its version is still {now.version}: a reviewed change bumps the version"
                if was.version == now.version
                else ""
            )
            yield Change(
                name,
                None,
                "sha256",
                was.sha256,
                now.sha256,
                f"{name}: sha256 {was.sha256} → {now.sha256}{unbumped}",
            )


def _unique(names: Iterable[str | None]) -> list[str]:
    return [name for name in dict.fromkeys(names) if name is not None]


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"
