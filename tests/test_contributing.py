"""Each checklist of CONTRIBUTING.md, done once on a fixture: if a step stops working (or a
step is missing), the checklist is wrong and this test says which.

Every test works on copies in ``tmp_path`` (a queries folder, a shapes file, the data, the
external folder) or on a monkeypatched registry; nothing in the repository changes.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import EXTERNAL, REPO, TEST_DATA
from pyoxigraph import RdfFormat, parse

from kg import formats, resources
from kg.cli import main
from kg.errors import LinkError
from kg.export import writers
from kg.linking import model, run
from kg.linking.model import CountryMatch, Matches, PlaceMatch
from kg.linking.origins import SourceSpec
from kg.linking.rdf import RDFS, SKOS, Graph, en
from kg.linking.sources import REGISTRY, naturalearth
from kg.linking.sources.contract import ExternalSource, Linkset
from kg.linking.sources.readers import csv_rows
from kg.load import open_dataset
from kg.namespaces import EXTERNAL_GRAPH, GRAPH, ID
from kg.server.app import ROUTES, App, Summary
from kg.server.limits import Limits
from kg.server.messages import Request, Response
from kg.server.routes import Route
from kg.sparql import catalogue
from kg.validation import report as validation

FIXTURES = TEST_DATA / "contributing"
VALID = TEST_DATA / "valid" / "country-with-borders-and-capital.trig"
needs_external = pytest.mark.skipif(not EXTERNAL.is_dir(), reason="shared/external not available")


def _copy_documents(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    for path in model.document_files():
        shutil.copy(path, folder / path.name)
    return folder


# --------------------------------------------------------------------------- a canned query

QUERY = """\
#+ summary: The capital of a country
#+ description: A country's capital, as the documents state it.
#+ tags: [geography, capital]
#+ params:
#+   country: entity kg:Country = Poland ; the country
PREFIX kg: <https://w3id.org/digital-policy-kg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?country ?capitalLabel WHERE {
  ?country kg:capital ?capital . ?capital rdfs:label ?capitalLabel .
}
"""


def test_a_canned_query_is_found_by_the_catalogue_and_run_by_kg_query(tmp_path, monkeypatch):
    folder = tmp_path / "queries"
    folder.mkdir()
    (folder / "show-capital.rq").write_text(QUERY, encoding="utf-8")
    canned = catalogue.load_catalogue(folder)["show-capital"]
    assert canned.summary == "The capital of a country"
    assert [p.name for p in canned.params] == ["country"]
    store = open_dataset([VALID]).store
    rows = catalogue.run_canned(store, "show-capital", {}, folder=folder).raw
    assert [s["capitalLabel"].value for s in rows] == ["Warsaw"]  # type: ignore[union-attr]
    monkeypatch.setattr(resources, "queries_dir", lambda: folder)
    runner = CliRunner()
    listed = runner.invoke(main, ["queries", "--format", "json"])
    assert listed.exit_code == 0 and "show-capital" in listed.output
    done = runner.invoke(
        main, ["query", "show-capital", "-d", str(VALID), "--format", "csv", "-p", "country=Poland"]
    )
    assert done.exit_code == 0, done.output
    assert done.output.splitlines() == ["country,capitalLabel", f"{ID}PL,Warsaw"]


def test_a_canned_query_that_breaks_a_header_rule_is_refused(tmp_path):
    folder = tmp_path / "queries"
    folder.mkdir()
    # a parameter that the query does not project: refused when the catalogue loads it
    text = QUERY.replace("SELECT ?country ?capitalLabel", "SELECT ?capitalLabel")
    (folder / "show-capital.rq").write_text(text, encoding="utf-8")
    with pytest.raises(Exception, match="country"):
        catalogue.load_catalogue(folder)


# --------------------------------------------------------------------------- a SHACL shape

SHAPE = """
kgsh:CityShape sh:property kgsh:CityShape-label .

kgsh:CityShape-label a sh:PropertyShape ;
    sh:path rdfs:label ;
    sh:name "label"@en ;
    sh:minCount 1 ;
    sh:message "A city has a label."@en .
"""

CITY_WITHOUT_LABEL = """\
@prefix id: <https://w3id.org/digital-policy-kg/id/> .
@prefix kg: <https://w3id.org/digital-policy-kg/ontology#> .
<urn:fixture:g> { id:nameless-city a kg:City . }
"""


@pytest.mark.parametrize("engine", ["native", "pyshacl"])
def test_a_shape_added_to_the_shapes_file_is_applied_by_both_engines(tmp_path, engine):
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(resources.shapes_file().read_text(encoding="utf-8") + SHAPE, "utf-8")
    bad = tmp_path / "nameless-city.trig"
    bad.write_text(CITY_WITHOUT_LABEL, encoding="utf-8")
    assert validation.validate([VALID], engine=engine, shapes=shapes).conforms
    found = validation.validate([VALID, bad], engine=engine, shapes=shapes)
    assert not found.conforms
    assert {(r.focus.value, str(r.message)) for r in found.results} >= {
        (ID + "nameless-city", "A city has a label.")
    }


def test_kg_validate_reports_the_new_shape(tmp_path, monkeypatch):
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(resources.shapes_file().read_text(encoding="utf-8") + SHAPE, "utf-8")
    bad = tmp_path / "nameless-city.trig"
    bad.write_text(CITY_WITHOUT_LABEL, encoding="utf-8")
    monkeypatch.setattr(resources, "shapes_files", lambda: [shapes])
    result = CliRunner().invoke(main, ["validate", str(VALID), str(bad), "--format", "json"])
    assert result.exit_code == 1
    messages = [f["message"] for f in json.loads(result.output)["results"]]
    assert "A city has a label." in messages


# --------------------------------------------------------------------------- an export format


def write_tsv_quads(rows, out) -> None:
    """A test format: one quad a line, its four N-Triples tokens tab-separated."""
    for graph, subject, predicate, obj in rows:
        out.write(b"\t".join((subject, predicate, obj, graph)) + b"\n")


def test_an_export_format_is_one_registry_entry_and_one_writer(tmp_path, monkeypatch):
    spec = formats.Format(
        "tsvquads",
        "text/tab-separated-values; charset=utf-8",
        ("text/x-tsv-quads",),
        ("tsvq",),
        frozenset({"graph", "dataset"}),
        export=True,
    )
    monkeypatch.setitem(formats.FORMATS, spec.name, spec)
    monkeypatch.setattr(formats, "_ALL", (*formats._ALL, spec))
    monkeypatch.setitem(formats.EXPORT_EXTENSIONS, spec.extension, spec.name)
    monkeypatch.setitem(writers.FORMATS, spec.name, spec)
    monkeypatch.setitem(writers._WRITERS, spec.name, write_tsv_quads)
    assert "tsvquads" in formats.choices("export")
    target = tmp_path / "out.tsvq"  # the format named by the extension alone
    summary = writers.export([VALID], output=target)
    assert summary.format == "tsvquads"
    lines = target.read_bytes().decode("utf-8").splitlines()
    assert len(lines) == summary.statements
    warsaw = f"<{ID}PL>\t<https://w3id.org/digital-policy-kg/ontology#capital>\t<{ID}warsaw>"
    assert any(line.startswith(warsaw + "\t<") for line in lines)  # in its passage graph
    again = tmp_path / "again.tsvq"
    writers.export([VALID], fmt="tsvquads", output=again)
    assert again.read_bytes() == target.read_bytes()  # stable: same input, same bytes


# --------------------------------------------------------------------------- an external source


class FixtureNames(ExternalSource):
    """A small source: a CSV of alpha-2, alpha-3, English name and a page about the country."""

    spec = SourceSpec(
        "fixture-names",
        "fixture-names.csv",
        "Fixture: country names and pages",
        "kg tests",
        "https://creativecommons.org/publicdomain/zero/1.0/",
        "kg test fixture (CC0)",
    )
    linksets = (
        Linkset(
            "fixture-pages",
            RDFS + "seeAlso",
            "https://example.org/countries",
            "https://example.org/countries/",
            "Fixture pages",
        ),
    )
    description = "Each country's English name as the fixture gives it."

    def read(self, path: Path) -> dict[str, dict[str, str]]:
        return {row["alpha2"]: row for _line, row in csv_rows(path, ("alpha2", "alpha3", "name"))}

    def find(self, records: dict, country: CountryMatch) -> dict | None:
        return records.get(country.alpha2)

    def codes(self, record: dict) -> list[tuple[str, str | None, str]]:
        return [("fixture alpha3", record["alpha3"], "alpha_3")]

    def names(self, record: dict) -> set[str]:
        return {record["name"]}

    def links(self, matches: Matches) -> dict[str, set[tuple[str, str]]]:
        return {"fixture-pages": {(c.iri, r["page"]) for c in matches.countries if (r := of(c))}}

    def facts(self, matches: Matches, graph: Graph) -> None:
        for c in matches.countries:
            if (record := of(c)) is not None:
                graph.add(c.iri, SKOS + "altLabel", en(record["name"] + " (fixture)"))


SOURCE = FixtureNames()


def of(match: CountryMatch | PlaceMatch) -> dict | None:
    return match.records.get(SOURCE.slug)


def _external_with_fixture(tmp_path: Path, csv_text: str | None = None) -> Path:
    folder = tmp_path / "external"
    shutil.copytree(EXTERNAL, folder)
    for path in folder.iterdir():
        path.chmod(0o644)
    target = folder / "fixture-names.csv"
    shutil.copy(FIXTURES / "fixture-names.csv", target)
    if csv_text is not None:
        target.write_text(csv_text, encoding="utf-8")
    with (folder / "SOURCES.md").open("a", encoding="utf-8") as handle:
        handle.write(
            "| `fixture-names.csv` | test fixture | kg/fixtures @ "
            + "0" * 40
            + " : `fixture-names.csv` | CC0 |\n"
        )
    return folder


@needs_external
def test_a_source_registered_through_the_registry_links_and_writes_its_facts(tmp_path):
    external = _external_with_fixture(tmp_path)
    data = _copy_documents(tmp_path)
    report = run.link(external, data, registry=[*REGISTRY, SOURCE])
    assert "fixture-pages" in report.coverage()
    pages = (data / "links" / "fixture-pages.ttl").read_text(encoding="utf-8")
    assert "https://example.org/countries/poland" in pages
    assert "austria" not in pages  # no node of ours is Austria
    facts = list(parse(path=str(data / "external" / "fixture-names.trig"), format=RdfFormat.TRIG))
    assert {q.graph_name.value for q in facts} == {EXTERNAL_GRAPH + "fixture-names"}
    commits = {q.object.value for q in facts if q.predicate.value.endswith("upstreamCommit")}
    assert commits == {"0" * 40}  # provenance read from SOURCES.md
    void = list(parse(path=str(data / "links" / "void.ttl"), format=RdfFormat.TURTLE))
    described = {q.object.value for q in void if q.subject.value == GRAPH + "links/fixture-pages"}
    assert {RDFS + "seeAlso", "https://example.org/countries"} <= described
    assert len(REGISTRY) == 5  # the registry itself is unchanged


@needs_external
def test_a_registered_source_whose_codes_disagree_stops_kg_link(tmp_path):
    text = (FIXTURES / "fixture-names.csv").read_text(encoding="utf-8").replace(",FRA,", ",FRX,")
    external = _external_with_fixture(tmp_path, text)
    data = _copy_documents(tmp_path)
    with pytest.raises(LinkError, match="fixture alpha3 is 'FRX', pycountry says 'FRA'"):
        run.link(external, data, registry=[*REGISTRY, SOURCE])
    assert not (data / "links").exists()  # nothing written


# --------------------------------------------------------------------------- a country profile


@needs_external
def test_a_new_profile_validates_relinks_and_changes_the_pinned_answers(tmp_path, monkeypatch):
    data = _copy_documents(tmp_path)
    monkeypatch.setattr(resources, "data_dir", lambda: data)  # the copy is "data/"
    shutil.copy(FIXTURES / "austria-profile.trig", data / "austria.trig")
    runner = CliRunner()
    # 1. kg validate
    checked = runner.invoke(main, ["validate"])
    assert checked.exit_code == 0, checked.output[-2000:]
    # 2. kg link: the new country is linked, and the committed linksets become stale
    linked = runner.invoke(main, ["link", "--external", str(EXTERNAL), "--format", "json"])
    assert linked.exit_code == 0, linked.output[-2000:]
    report = json.loads(linked.output)
    assert report["countries"] == 25
    assert "AT" in report["coverage"]["wikidata"]["linked"]
    assert {"wikidata.ttl", "eu-authority.ttl", "op-countries.trig"} <= set(report["written"])
    # 3. the competency answers pinned in the tests change: one more profiled country
    store = open_dataset().store
    capitals = catalogue.run_canned(store, "list-capitals", {})
    got = {
        (s["countryLabel"].value, s["capitalLabel"].value, s["origin"].value)
        for s in capitals.raw  # type: ignore[union-attr]
    }
    assert ("Austria", "Vienna", "document") in got and len(got) == 9
    identifiers = catalogue.run_canned(store, "list-external-identifiers", {"country": "Austria"})
    values = {s["identifier"].value: s["value"].value for s in identifiers.raw}  # type: ignore[union-attr]
    rows = naturalearth.read(EXTERNAL / naturalearth.SOURCE.spec.file)
    qid = next(r.qid for r in rows if r.alpha3 == "AUT")
    assert values["Wikidata item"] == f"http://www.wikidata.org/entity/{qid}"


def test_the_checklists_name_files_that_exist():
    text = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")
    for heading in (
        "A country profile",
        "A canned query",
        "A SHACL shape",
        "An export format",
        "An external source",
        "An HTTP route",
    ):
        assert f"## {heading}" in text

    for path in re.findall(r"`((?:src|tests|ontology|queries|data|scripts)/[\w./-]+)`", text):
        if "<" not in path and "*" not in path:
            assert (REPO / path).exists(), f"CONTRIBUTING.md names {path}, which does not exist"


# --------------------------------------------------------------------------- an HTTP route


def status(app: App, request: Request) -> Response:
    """What CONTRIBUTING.md asks for: a handler (an App method in app.py; a function here, so
    that the test leaves app.py alone)."""
    body = {"queries": len(app.catalogue), "statements": app.statements}
    return Response(200, json.dumps(body).encode("utf-8"), "application/json")


def _app() -> App:
    # One row in the table, before the Linked Data row; no worker pool: the new route and the
    # catalogue answer without the dataset.
    routes = (Route(("GET",), "/status", status), *ROUTES)
    return App(  # type: ignore[arg-type]
        None, Limits(), catalogue.load_catalogue(), Summary.known([], 42), routes=routes
    )


def test_an_http_route_answers_get_and_head_and_refuses_other_methods():
    app = _app()
    got = app.handle(Request("GET", "/status"))
    assert (got.status, got.content_type) == (200, "application/json")
    assert json.loads(got.body) == {"queries": len(catalogue.load_catalogue()), "statements": 42}
    head = app.handle(Request("HEAD", "/status"))
    assert head.status == 200 and head.body == b""
    assert head.header("Content-Length") == str(len(got.body))
    post = app.handle(Request("POST", "/status"))
    assert post.status == 405 and post.header("Allow") == "GET, HEAD, OPTIONS"
    # the routes before it still answer
    listed = app.handle(Request("GET", "/queries", "format=json"))
    assert listed.status == 200 and json.loads(listed.body)
