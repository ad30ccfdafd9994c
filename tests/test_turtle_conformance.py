"""The W3C RDF 1.1 Turtle test suite, run from its manifest.

Negative syntax tests: each file given to ``kg validate`` must exit 2 with a message naming the
file and a line. Positive syntax and evaluation tests: each file must load (the syntax only;
whether it conforms to any shapes is beside the point). Gaps, if any, are listed with their
reason in tests/turtle-known-gaps.md."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

import pytest
import rdflib
from click.testing import CliRunner
from conftest import CONFORMANCE, TEST_DATA

from kg import resources
from kg.cli import main
from kg.load import files as graph

SUITE = CONFORMANCE / "rdf" / "rdf11" / "rdf-turtle"
MANIFEST = SUITE / "manifest.ttl"
RDFT = rdflib.Namespace("http://www.w3.org/ns/rdftest#")
MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")


def _tests(kind: str) -> list[tuple[str, Path]]:
    """(test name, action file) for every test of the manifest of the given type."""
    if not MANIFEST.is_file():
        return []
    g = rdflib.Graph().parse(MANIFEST, format="turtle", publicID=MANIFEST.as_uri())
    out = []
    for test in g.subjects(rdflib.RDF.type, RDFT[kind]):
        action = g.value(test, MF.action)
        name = str(g.value(test, MF.name) or test)
        out.append((name, Path(url2pathname(urlparse(str(action)).path))))
    return sorted(out)


NEGATIVE = _tests("TestTurtleNegativeSyntax")
POSITIVE = _tests("TestTurtlePositiveSyntax") + _tests("TestTurtleEval")
pytestmark = pytest.mark.skipif(not MANIFEST.is_file(), reason="W3C test suite not present")


def test_the_manifest_has_the_expected_number_of_tests():
    assert len(NEGATIVE) == 94
    assert len(POSITIVE) == 74 + 145


@pytest.fixture(scope="module")
def stand_in_project():
    """kg validate needs an ontology and shapes; the syntax check does not depend on them,
    so the small stand-in project of the validation tests serves."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(resources, "root", lambda: TEST_DATA / "shacl" / "root")
        yield


@pytest.mark.parametrize(("name", "path"), NEGATIVE, ids=[n for n, _ in NEGATIVE])
def test_negative_syntax_exits_2_naming_file_and_line(stand_in_project, name, path):
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2, f"{name}: accepted\n{result.output}"
    assert result.stdout == ""
    assert re.search(re.escape(str(path)) + r":\d+(:\d+)?: syntax error: ", result.stderr), (
        result.stderr
    )
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("name", "path"), POSITIVE, ids=[n for n, _ in POSITIVE])
def test_positive_syntax_loads(name, path):
    dataset = graph.load([path], ontology=False)
    assert path in dataset.files.values()
