"""The example files of ``tests/data``: every valid one conforms to the real shapes and checks,
every invalid one fails exactly the shape (or check) its ``# expect:`` line names, and nothing
else. One invalid file per kind of violation. (Warnings, such as a country with no external
link, are not failures: the examples are not linked.)"""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from conftest import TEST_DATA

from kg.cli import main
from kg.validation.report import validate

SHAPES = "https://w3id.org/digital-policy-kg/shapes#"
CHECKS = "https://w3id.org/digital-policy-kg/checks/"
INVALID = sorted((TEST_DATA / "invalid").iterdir())
VALID = sorted((TEST_DATA / "valid").iterdir())


def expected(path) -> str:
    match = re.search(r"^# expect: (kgsh|checks):(\S+)$", path.read_text(encoding="utf-8"), re.M)
    assert match, f"{path.name} has no '# expect:' line"
    return (SHAPES if match.group(1) == "kgsh" else CHECKS) + match.group(2)


def test_there_is_one_invalid_example_per_kind_of_violation():
    assert len(INVALID) >= 12
    assert len({expected(p) for p in INVALID}) >= 12


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_valid_example_conforms(path):
    report = validate([path])
    assert report.conforms, [r.message for r in report.results]


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_invalid_example_fails_exactly_its_shape(path):
    report = validate([path])
    assert not report.conforms
    violated = {
        (r.source_constraint or r.source_shape).value
        for r in report.results
        if r.severity.value.endswith("#Violation")
    }
    assert violated == {expected(path)}


@pytest.mark.parametrize("path", INVALID[:3], ids=lambda p: p.name)
def test_kg_validate_exits_1_naming_the_shape_and_the_file(path):
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 1, result.output
    assert path.name in result.output
