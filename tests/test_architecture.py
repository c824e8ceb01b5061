"""The shape of the house: a small public API, and a core that never loads a UI."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import types
from collections.abc import Iterable

import pint
import pytest
from pydantic import BaseModel

import dosecalc

_LOADED_AFTER_CALCULATE = """
import json, sys
import dosecalc
result = dosecalc.calculate(weight="70 kg", regimen="iv", concentration="1 mg/mL")
dosecalc.to_fhir(result)
from dosecalc.reports.formats import FORMATS, render
for name in FORMATS:
    render(result, name)
print(json.dumps(sorted(m for m in sys.modules
                        if m.split(".")[0] in {"textual", "pandas", "textual_serve", "aiohttp"}
                        or m.startswith(("dosecalc.faces", "dosecalc.clinical.audit")))))
"""


@pytest.mark.subprocess
def test_calculating_and_rendering_every_format_loads_no_ui_server_pandas_or_cli():
    out = subprocess.run(
        [sys.executable, "-c", _LOADED_AFTER_CALCULATE], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out) == []


@pytest.mark.subprocess
def test_the_calc_command_loads_neither_textual_nor_pandas_nor_the_audit():
    probe = (
        "import sys; from dosecalc.faces.cli import main; main(['calc', '--weight', '70 kg', "
        "'--regimen', 'iv', '--json']); "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'textual', 'pandas'}) "
        "+ [m for m in sys.modules if m.startswith(('dosecalc.clinical.audit', "
        "'dosecalc.reports.audit'))], "
        "file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stderr.strip() == "[]"


_HEAVY = ("pint", "pydantic", "pandas", "numpy")
_LOADED_BEFORE_THE_APP_RUNS = """
import sys
from dosecalc.faces import cli
from dosecalc.faces.tui.app import DoseCalcApp
cli._on_a_terminal = lambda: True
DoseCalcApp.run = lambda self: print(sorted({m.split(".")[0] for m in sys.modules} & set(HEAVY)))
cli.main(["tui"])
"""


@pytest.mark.subprocess
def test_the_disclaimer_screen_and_the_app_module_load_no_pint_pydantic_or_pandas():
    probe = (
        "import sys; import dosecalc.faces.tui.app, dosecalc.faces.tui.disclaimer; "
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({_HEAVY!r})))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.subprocess
def test_dosecalc_tui_reaches_the_app_before_loading_pint_pydantic_or_pandas():
    probe = f"HEAVY = {_HEAVY!r}" + _LOADED_BEFORE_THE_APP_RUNS
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_public_name_exists_and_is_documented():
    for name in dosecalc.__all__:
        assert hasattr(dosecalc, name), name
    for name in ("calculate", "load_rules", "parse_quantity", "DoseCalcError", "DoseResult"):
        assert getattr(dosecalc, name).__doc__


def test_the_public_namespace_holds_the_api_and_nothing_else():
    # Every public name loaded, and every layer imported, as a long-running program has.
    for name in dosecalc.__all__:
        getattr(dosecalc, name)
    for module in ("dosecalc.faces.cli", "dosecalc.reports.formats"):
        importlib.import_module(module)

    def dunders(names: Iterable[str]) -> set[str]:
        return {name for name in names if name.startswith("__") and name.endswith("__")}

    assert set(dir(dosecalc)) - dunders(dir(dosecalc)) == set(dosecalc.__all__) - dunders(
        dosecalc.__all__
    )
    assert "__version__" in dir(dosecalc)
    # Python binds each imported subpackage on its parent: the layers are attributes of
    # dosecalc once loaded, but no API, so `dir` leaves them out. Anything else public
    # in the module's namespace (a helper such as `importlib`) would be a stray name.
    stray = {
        name
        for name, value in vars(dosecalc).items()
        if not name.startswith("_") and name not in dosecalc.__all__
    }
    assert stray
    assert all(
        isinstance(value := getattr(dosecalc, name), types.ModuleType)
        and value.__name__ == f"dosecalc.{name}"
        for name in stray
    ), stray


def test_the_calculator_session_is_public():
    session = dosecalc.Session()
    session.set(weight="70", weight_unit="kg", regimen="iv")
    assert session.result == dosecalc.calculate(**session.calculate_arguments())
    assert isinstance(session.inputs, dosecalc.SessionInputs)


def test_every_error_dosecalc_raises_is_a_dosecalc_error():
    errors = [getattr(dosecalc, n) for n in dosecalc.__all__ if n.endswith("Error")]
    assert errors
    assert all(issubclass(e, dosecalc.DoseCalcError) for e in errors)
    assert issubclass(dosecalc.InputError, ValueError)


def _quantities(value: object) -> list[pint.Quantity]:
    if isinstance(value, pint.Quantity):
        return [value]
    if isinstance(value, BaseModel):
        names = [*type(value).model_fields, *type(value).model_computed_fields]
        return [q for name in names for q in _quantities(getattr(value, name))]
    if isinstance(value, list | tuple):
        return [q for item in value for q in _quantities(item)]
    return []


def test_every_quantity_dosecalc_returns_can_be_printed():
    # pint cannot print a unit with a power other than 1 under Fraction magnitudes
    # (hgrecco/pint#2386); dosecalc must never hand one out.
    r = dosecalc.calculate(
        weight="80 kg",
        regimen="iv",
        concentration="1 mg/mL",
        height="170 cm",
        sex="male",
        basis="adjusted",
    )
    quantities = _quantities(r)
    assert len(quantities) > 20
    for quantity in quantities:
        assert str(quantity.units) in str(quantity)
        # Only that it prints: the form is pint's own, <Quantity(3/10, '...')> before
        # Pint 0.26 and Quantity(Fraction(3, 10), "...") since.
        assert "Quantity(" in repr(quantity)
    assert repr(r).startswith("DoseResult(")


def test_no_hypothesis_profile_the_tests_run_under_has_a_wall_clock_deadline():
    from hypothesis import settings

    assert settings().deadline is None  # whichever profile is loaded (local, ci, mutation)
    for name in ("local", "ci", "mutation"):
        assert settings.get_profile(name).deadline is None, name
