"""The project's papers hold: floors pinned for CI, the Pythons promised are the ones tested,
a licence, a changelog for this version."""

from __future__ import annotations

import re
import tomllib

from conftest import REPO
from packaging.requirements import Requirement
from packaging.version import Version

import dosecalc

PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
README = (REPO / "README.md").read_text(encoding="utf-8")


def direct_requirements() -> list[Requirement]:
    project = PYPROJECT["project"]
    extras = project["optional-dependencies"]
    return [Requirement(text) for text in project["dependencies"] + extras["test"] + extras["web"]]


def lowest_pins() -> dict[str, str]:
    pins = {}
    for line in (REPO / "constraints" / "lowest.txt").read_text(encoding="utf-8").splitlines():
        text = line.partition("#")[0].strip()
        if text:
            name, _, version = text.partition("==")
            assert version, f"constraints/lowest.txt: {line!r} is not NAME==VERSION"
            pins[name.strip().lower()] = version.strip()
    return pins


def test_every_direct_dependency_has_a_floor_and_ci_installs_exactly_that_floor():
    pins = lowest_pins()
    for requirement in direct_requirements():
        floors = [spec.version for spec in requirement.specifier if spec.operator == ">="]
        assert len(floors) == 1, f"{requirement} states no single floor"
        pinned = pins.get(requirement.name.lower(), "0")
        assert Version(pinned) == Version(floors[0]), (
            f"{requirement.name}: pyproject.toml's floor is {floors[0]}, "
            f"constraints/lowest.txt pins {pins.get(requirement.name.lower())}"
        )


def test_the_pythons_the_readme_and_metadata_promise_are_the_ones_ci_tests():
    ci = re.search(r"^pythons=\(([^)]*)\)", (REPO / ".ci" / "run").read_text(), re.MULTILINE)
    assert ci is not None
    tested = ci[1].split()
    classified = [
        c.rsplit(" :: ", 1)[1]
        for c in PYPROJECT["project"]["classifiers"]
        if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)
    ]
    assert classified == tested
    promised = re.search(r"with Python ([\d.]+), ([\d.]+) or ([\d.]+) \(CI tests each\)", README)
    assert promised is not None
    assert list(promised.groups()) == tested
    assert PYPROJECT["project"]["requires-python"] == f">={tested[0]}"


def test_the_licence_is_apache_2_in_the_file_and_the_metadata():
    licence = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in licence
    assert "Version 2.0, January 2004" in licence
    assert PYPROJECT["project"]["license"] == "Apache-2.0"
    assert PYPROJECT["project"]["license-files"] == ["LICENSE"]


def test_the_changelog_has_a_place_for_this_version_and_names_the_rule_set():
    changelog = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (\S+)", changelog, flags=re.MULTILINE)
    assert headings[0] == "Unreleased" or headings[0] == dosecalc.__version__
    assert dosecalc.__version__ in headings
    rules = dosecalc.load_rules()
    first_section = changelog.split("\n## ")[1]
    assert rules.version in first_section
