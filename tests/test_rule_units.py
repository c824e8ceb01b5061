"""Every quantity a rule holds has a unit of the right dimension, checked when the folder
loads: a maximum per 24 hours written in kg (a mass, but a patient's) would be 1,000,000 times
the mg it meant, and never act. A wrong unit refuses the folder in one message that names the
file, the regimen, the field and the unit expected."""

from __future__ import annotations

import re
import shutil
import typing
from pathlib import Path

import pytest
from conftest import reviewed
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from strategies import (
    BODY_WEIGHT_SPELLINGS,
    DRUG_AMOUNT_SPELLINGS,
    KILOGRAM_SPELLINGS,
    TIME_SPELLINGS,
    VOLUME_SPELLINGS,
    rule_regimens,
    rule_units,
)

import dosecalc
from dosecalc import RulesError, load_rules
from dosecalc.ruleset.kinds import KINDS
from dosecalc.ruleset.schema import (
    QUANTITY_FIELDS,
    Amount,
    Concentration,
    DoseRange,
    HardLimits,
    Regimen,
)

SHIPPED = dosecalc.default_rules_path() / "ketamine-palliative.toml"
LIBRARY = Path(__file__).resolve().parents[1] / "examples" / "hospital-library"
# The quote prints every figure these tests give a cited field: a rule carries only those.
CITED = 'source = { document = "Test library", description = "test data", section = "Limits", quote = "test: 0.000001-1000000, 0.1, 1 and 1000000" }'  # noqa: E501

# Where each regimen of the shipped file may take a field: after its aliases, or in place of
# its dose. Values wide enough that any fitting unit keeps the range within them.
REGIMENS = {
    "iv-infusion": ('aliases = ["iv"]', 'dose = { low = 0.3, high = 0.5, unit = "mg/kg/h" }'),
    "sublingual-buccal": (
        'aliases = ["sublingual", "buccal", "sl"]',
        'dose = { low = 25, high = 50, unit = "mg" }',
    ),
}
KIND_OF = {"iv-infusion": KINDS["weight-based-rate"], "sublingual-buccal": KINDS["fixed-dose"]}
EXPECTED_WORDS = {
    "amount": "mg, mcg or g",
    "concentration": "mg/mL, mcg/mL, g/L or mg/L",
    "pump-rate": "mL/h or mL/min",
    "volume": "mL or L",
}


def field_with_unit(field: str, unit: str, dose_line: str) -> str:
    """The TOML line that sets ``field`` with its unit ``unit``."""
    match field:
        case "dose":
            return dose_line.replace(
                dose_line[dose_line.index('unit = "') :], f'unit = "{unit}" }}'
            )
        case "hard_limits":
            return f'hard_limits = {{ low = 0.000001, high = 1000000, unit = "{unit}", {CITED} }}'
        case "max_per_24h":
            return f'max_per_24h = {{ value = 1000000, unit = "{unit}", {CITED} }}'
        case "pump_rate_increment" | "smallest_measurable_volume" | "largest_volume_per_dose":
            return f'{field} = {{ value = 0.1, unit = "{unit}", {CITED} }}'
        case _:
            return f'standard_concentrations = [{{ value = 1, unit = "{unit}", {CITED} }}]'


def fits(field: str, regimen: str, terms: list[str]) -> bool:
    """Whether a unit written as ``terms`` suits ``field`` of ``regimen``, read from the
    spellings alone (not from dosecalc's tables)."""
    first, rest = terms[0], terms[1:]
    role = QUANTITY_FIELDS[field]
    if role == "volume":
        return first in VOLUME_SPELLINGS and not rest
    if role == "pump-rate":
        return first in VOLUME_SPELLINGS and len(rest) == 1 and rest[0] in TIME_SPELLINGS
    if first not in DRUG_AMOUNT_SPELLINGS:
        return False
    if role == "amount":
        return not rest
    if role == "concentration":
        return len(rest) == 1 and rest[0] in VOLUME_SPELLINGS
    kind = KIND_OF[regimen]
    per_kg = [term for term in rest if term in KILOGRAM_SPELLINGS]
    per_time = [term for term in rest if term in TIME_SPELLINGS]
    if len(per_kg) + len(per_time) != len(rest) or len(per_kg) > 1 or len(per_time) > 1:
        return False
    return (bool(per_kg), bool(per_time)) == (kind.per_kg, kind.is_rate)


def _holds_a_unit(annotation: object) -> bool:
    """Whether a field's type is (or holds) a model with a ``unit``: a quantity."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "unit" in annotation.model_fields
    return any(_holds_a_unit(arg) for arg in typing.get_args(annotation))


def test_every_quantity_field_of_a_regimen_is_in_the_table_the_load_checks():
    """A field added with a unit (a pump setting, say) fails here until the load checks its
    unit's dimension too."""
    quantities = {
        name for name, info in Regimen.model_fields.items() if _holds_a_unit(info.annotation)
    }
    assert quantities == set(QUANTITY_FIELDS)


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    unit=rule_units(),
    field=st.sampled_from(sorted(QUANTITY_FIELDS)),
    regimen=st.sampled_from(sorted(REGIMENS)),
)
def test_a_unit_of_any_dimension_loads_only_where_its_field_holds_that_dimension(
    tmp_path_factory, unit, field, regimen
):
    terms, written = unit
    after, dose_line = REGIMENS[regimen]
    folder = tmp_path_factory.mktemp("units")
    text = SHIPPED.read_text(encoding="utf-8")
    line = field_with_unit(field, written, dose_line)
    text = (
        text.replace(dose_line, line, 1)
        if field == "dose"
        else text.replace(after, f"{after}\n{line}", 1)
    )
    if field == "dose":  # the quotes' figures without their unit: only the dimension is tried
        text = re.sub(
            r'quote = "(Low Dose: 0.3-0.5|Sublingual/Buccal: 25-50) [^"]*"', r'quote = "\1"', text
        )
    (folder / SHIPPED.name).write_text(text, encoding="utf-8")
    # A largest volume per dose is for a dose given at once: on a rate, refused whatever its unit.
    misplaced = field == "largest_volume_per_dose" and KIND_OF[regimen].is_rate
    if fits(field, regimen, terms) and not misplaced:
        rules = load_rules(reviewed(folder))
        assert rules.find(regimen).id == regimen
        return
    with pytest.raises(RulesError) as refused:
        load_rules(reviewed(folder))
    message = str(refused.value)
    role = QUANTITY_FIELDS[field]
    expected = KIND_OF[regimen].unit_words if role == "dose" else EXPECTED_WORDS[role]
    assert message.startswith(f"{SHIPPED.name}: "), message
    assert f"regimen '{regimen}'" in message, message
    assert field in message, message
    assert "\n" not in message
    if misplaced and fits(field, regimen, terms):
        assert "is a rate" in message, message
        return
    assert expected in message, message
    assert f"'{written}'" in message, message


@pytest.mark.parametrize("unit", BODY_WEIGHT_SPELLINGS)
def test_a_maximum_per_24_hours_in_a_body_weight_unit_is_refused_and_never_passes_a_dose(
    run_cli, tmp_path, unit
):
    """319 mg/24 h once passed a '300 kg' maximum, and check --strict exited 0."""
    folder = tmp_path / "library"
    shutil.copytree(LIBRARY, folder)
    path = folder / "fictivane.toml"
    text = path.read_text(encoding="utf-8")
    assert 'max_per_24h = { value = 300, unit = "mg"' in text
    path.write_text(text.replace('value = 300, unit = "mg"', f'value = 300, unit = "{unit}"'))
    reviewed(folder)
    for argv in (
        [
            "check",
            "--weight",
            "70 kg",
            "--regimen",
            "fictivane-iv",
            "--dose",
            "319 mg/24 h",
            "--strict",
        ],
        ["calc", "--weight", "70 kg", "--regimen", "fictivane-iv"],
        ["rules", "--check", str(folder)],
    ):
        code, out, err = run_cli("--rules", str(folder), *argv)
        assert (code, out) == (2, ""), argv
        assert err.count("\n") == 1
        assert "fictivane.toml" in err
        assert "regimen 'fictivane-iv'" in err
        assert "max_per_24h" in err
        assert "the unit expected is a drug amount: mg, mcg or g" in err


@pytest.mark.parametrize("unit", ["kg", "lb", "oz", "st", "kilograms"])
def test_an_amount_or_a_concentration_alone_refuses_a_body_weight_unit(unit):
    cited = {"document": "d", "description": "d", "section": "s", "quote": "300 mg; 1 mg/mL"}
    with pytest.raises(ValueError, match="unit of body weight"):
        Amount(value=300, unit=unit, source=cited)
    with pytest.raises(ValueError, match="unit of body weight"):
        Concentration(value=1, unit=f"{unit}/mL", source=cited)
    assert Amount(value=300, unit="mg", source=cited).quantity() > 0


@given(regimen=rule_regimens(), data=st.data())
def test_a_regimen_built_in_code_is_held_to_the_same_units_as_one_read_from_a_file(regimen, data):
    """A script may build a `Regimen` from models rather than a file: a dose or hard limits of
    another kind of unit is refused there too, naming the regimen, field and unit expected."""
    kind = KINDS[regimen.kind]
    other = data.draw(st.sampled_from([k for k in KINDS.values() if k is not kind]))
    units = {(True, True): "mg/kg/h", (False, True): "mg/h", (True, False): "mg/kg"}
    unit = units.get((other.per_kg, other.is_rate), "mg")
    fields = regimen.model_dump()
    for field, value in (
        ("dose", DoseRange(low=1, high=2, unit=unit)),
        (
            "hard_limits",
            HardLimits(
                low=1,
                high=2,
                unit=unit,
                source=regimen.source.model_copy(update={"quote": "1 to 2"}),
            ),
        ),
    ):
        with pytest.raises(
            ValueError, match=rf"regimen '{regimen.id}': {field}\.unit: "
        ) as refused:
            Regimen(**{**fields, "hard_limits": None, "review_date": None, field: value})
        assert kind.unit_words in str(refused.value)


@given(
    value=st.integers(min_value=1, max_value=500),
    time=st.sampled_from(["h", "hr", "hours", "min", "day", "days"]),
    field=st.sampled_from(["max_per_24h", "largest_volume_per_dose"]),
)
def test_a_figure_its_quote_prints_only_beside_a_unit_of_another_kind_is_refused(
    value, time, field
):
    """ "no more than 300 mg in 24 h" prints 24 as hours: a maximum of 24 mg (or a volume of
    24 mL) is no figure it gives. Printed beside its own unit, or with none, it is."""
    from dosecalc.foundation.units import DRUG_AMOUNT, VOLUME_KIND
    from dosecalc.ruleset.schema import Citation, said_in

    unit = {"max_per_24h": "mg", "largest_volume_per_dose": "mL"}[field]
    kind = DRUG_AMOUNT if field == "max_per_24h" else VOLUME_KIND

    def same(figure, printed):
        return dosecalc.parse_quantity(f"{figure} {printed}", kind) == dosecalc.parse_quantity(
            f"{value} {unit}", kind
        )

    def cited(quote):
        return Citation(document="d", description="d", section="s", quote=quote)

    with pytest.raises(ValueError, match="in another unit only"):
        said_in(
            cited(f"no more than {value + 1} {unit} in {value} {time}"), field, unit, same, value
        )
    said_in(cited(f"no more than {value} {unit} in 24 {time}"), field, unit, same, value)
    said_in(cited(f"test: {value}"), field, unit, same, value)
