"""``kg validate`` and kg.validation.report: the report (text, JSON, Turtle), exit codes, checks,
errors.

The tests point kg.resources at a small stand-in project (tests/data/shacl/root: ontology,
shapes, checks, data) so that they do not move while the real ontology and data change."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import rdflib
from click.testing import CliRunner
from conftest import REPO, TEST_DATA

from kg import resources
from kg.cli import main
from kg.errors import InputError, RdfSyntaxError, ShapesError
from kg.load import files as graph
from kg.validation import shacl
from kg.validation.report import load_checks, render_text, validate

ROOT = TEST_DATA / "shacl" / "root"
CASES = TEST_DATA / "shacl" / "validate"
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
ID = "https://w3id.org/digital-policy-kg/id/"
KG = "https://w3id.org/digital-policy-kg/ontology#"


@pytest.fixture
def project(monkeypatch) -> Path:
    monkeypatch.setattr(resources, "root", lambda: ROOT)
    return ROOT


@pytest.fixture
def own_project(tmp_path, monkeypatch) -> Path:
    """A copy of the stand-in project that a test may change."""
    root = tmp_path / "project"
    shutil.copytree(ROOT, root)
    monkeypatch.setattr(resources, "root", lambda: root)
    return root


def kg(*args: str):
    return CliRunner().invoke(main, ["validate", *args])


def test_the_stand_in_project_conforms(project):
    result = kg()
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1].startswith("conforms: 0 violations, 0 warnings, 0 info (")
    assert result.stderr == ""  # no progress output when stderr is not a terminal


def test_violations_name_entity_property_message_and_file(project):
    result = kg(str(CASES / "population-twice.ttl"))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    case = str((CASES / "population-twice.ttl").resolve().relative_to(Path.cwd().resolve()))
    assert lines[:3] == [
        f"{case}: Violation: Serbia (id:rs): kg:population: "
        "A country's population is one xsd:integer.",
        '    value: "about seven million"',
        "    shape kg:CountryShape-population (sh:DatatypeConstraintComponent)",
    ]
    assert lines[3] == (
        f"{case}: Violation: Serbia (id:rs): kg:population: "
        "A country's population is one xsd:integer."
    )
    assert lines[-1].startswith("does not conform: 2 violations, 0 warnings, 0 info (")


def test_findings_point_at_the_file_stating_the_offending_triple(project):
    """Serbia is described in data/countries.ttl too, but the string population is only in
    the case file: that is the file to fix."""
    report = validate([ROOT / "data", CASES / "population-twice.ttl"])
    datatype = [
        f
        for f in report.findings
        if f.result.component.value.endswith("DatatypeConstraintComponent")
    ]
    assert [f.files for f in datatype] == [(CASES / "population-twice.ttl",)]
    max_count = [f for f in report.findings if "MaxCount" in f.result.component.value]
    assert max_count[0].files == (ROOT / "data" / "countries.ttl", CASES / "population-twice.ttl")


def test_warnings_alone_conform(project):
    result = kg(str(CASES / "agency-without-country.trig"))
    assert result.exit_code == 0
    assert "agency-without-country.trig: Warning: RNIDS (id:rnids): kg:country: " in result.stdout
    assert result.stdout.splitlines()[-1].startswith("conforms: 0 violations, 1 warning, 0 info")


def test_validation_sees_the_inferred_graphs(project):
    case = CASES / "agency-country-by-inverse.ttl"
    assert validate([case]).findings == []
    # Without the inferred graphs, the agency would have no country.
    asserted = graph.load([case])
    results = shacl.validate_store(asserted.store, shacl.ShapesGraph.load(resources.shapes_file()))
    assert [(r.focus.value, r.path.label) for r in results] == [(ID + "ratel2", "kg:country")]


def test_checks_are_findings_with_their_header_severity_and_message(project):
    report = validate([CASES / "checks-fail.ttl"])
    assert not report.conforms
    found = {
        (f.check, f.result.severity.value.split("#")[1], f.result.message) for f in report.findings
    }
    assert found == {
        ("population-positive-violation", "Violation", "A population is positive"),
        (
            "country-label-english-violation",
            "Warning",
            f"no English label for {ID}fr",
        ),
    }


def test_load_checks_reads_the_header(project):
    checks = {c.name: c for c in load_checks()}
    english = checks["country-label-english-violation"]
    assert english.summary == "Every country has an English label"
    assert english.description == (
        "A country without an rdfs:label in English cannot be named in reports written in English."
    )
    assert english.severity.value.endswith("#Warning")
    assert checks["population-positive-violation"].severity.value.endswith("#Violation")


def test_json_report(project):
    result = kg("--format", "json", str(CASES / "population-twice.ttl"))
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["conforms"] is False
    assert doc["counts"] == {"Violation": 2, "Warning": 0, "Info": 0}
    first = doc["results"][0]
    assert first["focusNode"] == {"type": "uri", "value": ID + "rs"}
    assert first["focusLabel"] == "Serbia"
    assert first["resultPath"] == KG + "population"
    assert first["value"] == {"type": "literal", "value": "about seven million"}
    assert first["sourceShape"] == KG + "CountryShape-population"
    assert first["sourceConstraintComponent"] == str(SH.DatatypeConstraintComponent)
    assert first["files"][0].endswith("population-twice.ttl")


def test_turtle_report_is_a_shacl_validation_report(project):
    result = kg("--format", "turtle", str(CASES / "population-twice.ttl"))
    assert result.exit_code == 1
    g = rdflib.Graph().parse(data=result.stdout, format="turtle")
    (report,) = g.subjects(rdflib.RDF.type, SH.ValidationReport)
    assert g.value(report, SH.conforms) == rdflib.Literal(False)
    results = list(g.objects(report, SH.result))
    assert len(results) == 2
    components = set()
    for r in results:
        assert g.value(r, rdflib.RDF.type) == SH.ValidationResult
        assert g.value(r, SH.focusNode) == rdflib.URIRef(ID + "rs")
        assert g.value(r, SH.resultPath) == rdflib.URIRef(KG + "population")
        assert g.value(r, SH.resultSeverity) == SH.Violation
        assert g.value(r, SH.sourceShape) == rdflib.URIRef(KG + "CountryShape-population")
        assert str(g.value(r, SH.resultMessage)) == "A country's population is one xsd:integer."
        components.add(g.value(r, SH.sourceConstraintComponent))
    assert components == {SH.DatatypeConstraintComponent, SH.MaxCountConstraintComponent}


def test_turtle_report_of_conforming_data(project):
    result = kg("--format", "turtle")
    assert result.exit_code == 0
    g = rdflib.Graph().parse(data=result.stdout, format="turtle")
    (report,) = g.subjects(rdflib.RDF.type, SH.ValidationReport)
    assert g.value(report, SH.conforms) == rdflib.Literal(True)
    assert list(g.objects(report, SH.result)) == []


def test_a_file_that_does_not_parse_exits_2_with_file_line_and_no_output(project):
    broken = CASES / "broken.ttl"
    result = kg(str(ROOT / "data"), str(broken))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert f"{broken}:6:1: syntax error:" in result.stderr
    assert "Traceback" not in result.stderr


def test_library_raises_the_syntax_error(project):
    with pytest.raises(RdfSyntaxError) as error:
        validate([CASES / "broken.ttl"])
    assert (error.value.line, error.value.column) == (6, 1)


def test_a_missing_path_exits_2(project):
    result = kg(str(CASES / "no-such-file.ttl"))
    assert result.exit_code == 2
    assert "no-such-file.ttl: no such file or folder" in result.stderr


def test_unsupported_shape_exits_2_naming_shape_and_feature(own_project):
    shapes = own_project / "ontology" / "shapes.ttl"
    shapes.write_text(
        shapes.read_text(encoding="utf-8") + "\nkg:CountryShape sh:closed true .\n",
        encoding="utf-8",
    )
    result = kg()
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "shape kg:CountryShape: sh:closed is not supported" in result.stderr
    with pytest.raises(ShapesError):
        validate()


def test_the_pyshacl_engine_accepts_what_the_native_one_refuses(own_project):
    shapes = own_project / "ontology" / "shapes.ttl"
    shapes.write_text(
        shapes.read_text(encoding="utf-8") + "\nkg:CountryShape sh:closed false .\n",
        encoding="utf-8",
    )
    assert validate(engine="pyshacl").conforms


def test_a_shapes_file_that_does_not_parse_exits_2(own_project):
    shapes = own_project / "ontology" / "shapes.ttl"
    shapes.write_text("@prefix sh: <http://www.w3.org/ns/shacl#> .\nsh:a sh:b\n", encoding="utf-8")
    result = kg()
    assert result.exit_code == 2
    assert f"{shapes}:3:" in result.stderr or f"{shapes}:2:" in result.stderr


def test_a_malformed_check_exits_2_naming_the_file(own_project):
    bad = own_project / "queries" / "checks" / "broken-violation.rq"
    bad.write_text("#+ summary: broken\nSELECT ?focus WHERE { ?focus ?p }\n", encoding="utf-8")
    result = kg()
    assert result.exit_code == 2
    assert f"{bad}: malformed query:" in result.stderr


def test_a_check_without_focus_is_refused(own_project):
    bad = own_project / "queries" / "checks" / "nofocus-violation.rq"
    bad.write_text("#+ summary: no focus\nSELECT ?x WHERE { ?x ?p ?o }\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"must select \?focus"):
        validate()


def test_both_engines_give_the_same_report(project):
    paths = [CASES / "population-twice.ttl", CASES / "agency-without-country.trig"]
    native = validate(paths)
    reference = validate(paths, engine="pyshacl")
    assert [f.result.key() for f in native.findings] == [f.result.key() for f in reference.findings]
    assert [f.files for f in native.findings] == [f.files for f in reference.findings]
    assert native.conforms is reference.conforms is False


def test_the_report_is_stable(project):
    paths = [CASES / "population-twice.ttl", CASES / "checks-fail.ttl", ROOT / "data"]
    assert render_text(validate(paths)) == render_text(validate(list(reversed(paths))))


# --- the real project -----------------------------------------------------------------------


@pytest.mark.skipif(
    not (REPO / "ontology" / "shapes.ttl").is_file(), reason="ontology/shapes.ttl not written yet"
)
def test_the_repository_data_conforms():
    result = CliRunner().invoke(main, ["validate"])
    assert result.exit_code == 0, result.output


# --- graph ownership: each graph is one file's -------------------------------------------


def test_a_second_file_adding_to_a_passage_graph_is_a_violation_naming_both(own_project):
    """Issue 18: a file that reuses another file's passage graph put its facts in a passage
    that does not state them, and validation conformed. Now it is a violation naming both
    files and the lines that open the graph; the violations in that graph name the file that
    states the offending triple (not the first file that named the graph); the summary counts
    every file."""
    data = own_project / "data"
    intruder = data / "zz-intruder.trig"
    intruder.write_text(
        "@prefix id: <https://w3id.org/digital-policy-kg/id/> .\n"
        "@prefix kg: <https://w3id.org/digital-policy-kg/ontology#> .\n"
        "@prefix psg: <https://w3id.org/digital-policy-kg/passage/> .\n"
        "\n"
        "psg:p1 {\n"
        '    id:rs kg:population "a great many" .\n'
        "}\n",
        encoding="utf-8",
    )
    report = validate([data])
    assert not report.conforms
    owned = [f for f in report.findings if f.check == "one-file-per-graph"]
    assert len(owned) == 1
    message = owned[0].result.message
    assert "psg:p1" in message
    assert "organisations.trig line 6 and again by " in message
    assert "zz-intruder.trig line 5" in message
    assert set(owned[0].files) == {data / "organisations.trig", intruder}
    datatype = [f for f in report.findings if "Datatype" in f.result.component.value]
    assert [f.files for f in datatype] == [(intruder,)]  # the file that states it
    assert set(report.files) >= {data / "organisations.trig", intruder, data / "countries.ttl"}
    text = render_text(report)
    assert f"{len(report.files)} files" in text.splitlines()[-1]
    result = kg(str(data))
    assert result.exit_code == 1
    assert "zz-intruder.trig line 5" in result.stdout


def test_graph_lines_finds_where_a_trig_file_opens_each_graph(tmp_path):
    path = tmp_path / "g.trig"
    path.write_text(
        "@prefix psg: <https://w3id.org/digital-policy-kg/passage/> .\n"
        "PREFIX ex: <http://example.org/>\n"
        "psg:a { ex:s ex:p ex:o . }\n"
        "\n"
        "GRAPH <http://example.org/b> {\n"
        "  ex:s ex:p 'x' }\n"
        "ex:c{ ex:s ex:p ex:o }\n",
        encoding="utf-8",
    )
    assert graph.graph_lines(path) == {
        "https://w3id.org/digital-policy-kg/passage/a": 3,
        "http://example.org/b": 5,
        "http://example.org/c": 7,
    }


# --- ill-typed literals -------------------------------------------------------------------


def test_an_ill_typed_literal_is_reported_on_any_property(own_project):
    """Issue 18: a literal whose form is not its datatype's was reported only on a property a
    shape covers, and then with the shape's message ("never a string" for an ill-typed
    gYear). Now every one is a violation saying what it is; on a covered property the shape's
    finding says it, once."""
    case = own_project / "data" / "ill-typed.ttl"
    case.write_text(
        "@prefix id: <https://w3id.org/digital-policy-kg/id/> .\n"
        "@prefix kg: <https://w3id.org/digital-policy-kg/ontology#> .\n"
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        'id:rnids kg:foundedIn "19x9"^^xsd:gYear ; kg:staff "a dozen"^^xsd:integer ;\n'
        '    kg:active "maybe"^^xsd:boolean ; kg:since "2009"^^xsd:gYear ;\n'
        '    kg:size "12"^^xsd:nonNegativeInteger .\n'
        'id:rs kg:population "many"^^xsd:integer .\n',
        encoding="utf-8",
    )
    report = validate([own_project / "data"])
    ill = {
        (f.result.path.label, f.result.value.value): f
        for f in report.findings
        if f.result.value is not None and "ill-typed" in f.result.message
    }
    assert set(ill) == {
        ("kg:foundedIn", "19x9"),
        ("kg:staff", "a dozen"),
        ("kg:active", "maybe"),
        ("kg:population", "many"),
    }  # the valid gYear and nonNegativeInteger are not findings
    year = ill[("kg:foundedIn", "19x9")]
    assert year.result.message.startswith('"19x9"^^xsd:gYear is not a valid xsd:gYear')
    assert "never a string" not in year.result.message
    assert year.check == "ill-typed-literal" and year.files == (case,)
    # a property a shape covers: the shape's finding, said accurately, and no second one
    population = ill[("kg:population", "many")]
    assert population.check is None  # the shape's
    assert "is not a valid xsd:integer" in population.result.message
    assert "the rule: A country's population is one xsd:integer." in population.result.message
    same = [
        f for f in report.findings if f.result.value is not None and f.result.value.value == "many"
    ]
    assert len(same) == 1
    assert not report.conforms


# --- a report that stays readable: limits on what is described and printed -----------------


def test_a_list_nested_100000_deep_gives_a_bounded_report(tmp_path):
    """Issue 18: 199,999 violations, ~600,000 lines and 613 MB, nothing shown until the end.
    The text report describes the first 1000 and counts the rest; conformance and the counts
    still cover every one. (The repository's checks: every list node is a fact without a
    passage.)"""
    depth = 100_000
    case = tmp_path / "deep.ttl"
    case.write_text(
        f"@prefix ex: <http://example.org/> .\nex:s ex:p {'(' * depth} ex:o {')' * depth} .\n"
    )
    result = kg(str(case))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) < 3200  # 1000 findings of three lines, and the summary
    described = sum(1 for line in lines if ": Violation: " in line)
    assert described == 1000
    total = int(lines[-1].split("does not conform: ")[1].split(" violations")[0])
    assert total >= 2 * depth  # every list node's rdf:first and rdf:rest
    assert lines[-2] == (
        f"… {total - 1000} more findings not shown ({total - 1000} violations); "
        "--limit 0 shows them all"
    )
    report = validate([case], limit=10)
    assert len(report.findings) == 10 and report.counts()["Violation"] == total
    assert not report.conforms


def test_a_huge_literal_is_not_printed_whole(project, tmp_path):
    case = tmp_path / "huge.ttl"
    big = "x" * 10_000_000
    case.write_text(
        "@prefix id: <https://w3id.org/digital-policy-kg/id/> .\n"
        "@prefix kg: <https://w3id.org/digital-policy-kg/ontology#> .\n"
        f'id:rs a kg:Country ; kg:population "{big}" .\n',
        encoding="utf-8",
    )
    result = kg(str(case))
    assert result.exit_code == 1
    assert len(result.stdout) < 20_000
    assert "(10,000,002 characters)" in result.stdout  # the value, quoted, cut and measured
    whole = validate([case])  # the library keeps the value whole
    assert any(
        f.result.value is not None and len(f.result.value.value) == len(big) for f in whole.findings
    )
