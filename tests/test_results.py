"""Result formats (kg.sparql.results): SPARQL 1.1 CSV/TSV/JSON/XML byte for byte, projection order
kept and stable, graph results in six RDF syntaxes that parse back to the same triples, the
table for people (kg's own writer: rich is not loaded)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET

import pyoxigraph
import pytest
from conftest import REPO, TEST_DATA
from pyoxigraph import BlankNode, Literal, NamedNode

from kg.errors import InputError
from kg.load import files as graph
from kg.sparql import prepare as sparql
from kg.sparql import results

FIXTURE = TEST_DATA / "query-fixture.trig"
ID = "https://w3id.org/digital-policy-kg/id/"
XSD = "http://www.w3.org/2001/XMLSchema#"
TERMS = (
    "SELECT ?iri ?plain ?lang ?typed ?int ?bool ?date ?unbound WHERE { "
    "id:note-1 rdfs:label ?lang ; kg:score ?typed ; kg:open ?bool . "
    "id:DE kg:population ?int . id:p4 kg:since ?date . "
    'BIND(id:note-1 AS ?iri) BIND("a,b" AS ?plain) }'
)


@pytest.fixture(scope="module")
def store() -> pyoxigraph.Store:
    return graph.load([FIXTURE], ontology=False).store


def answer(store: pyoxigraph.Store, text: str) -> results.QueryResult:
    return sparql.execute(store, sparql.prepare(text))


def test_csv_is_exactly_the_sparql_csv_format(store: pyoxigraph.Store) -> None:
    # CRLF line ends, bare IRIs, plain lexical forms, quotes doubled, empty for unbound.
    assert results.serialize(answer(store, TERMS), "csv") == (
        b"iri,plain,lang,typed,int,bool,date,unbound\r\n"
        b"https://w3id.org/digital-policy-kg/id/note-1,"
        b'"a,b","Say ""hi"", then\nleave",2.5,83200000,true,2021-06-28,\r\n'
    )


def test_tsv_is_exactly_the_sparql_tsv_format(store: pyoxigraph.Store) -> None:
    # ?-prefixed header, <IRI>, N-Triples-style literals with escapes, Turtle numbers.
    assert results.serialize(answer(store, TERMS), "tsv") == (
        b"?iri\t?plain\t?lang\t?typed\t?int\t?bool\t?date\t?unbound\n"
        b"<https://w3id.org/digital-policy-kg/id/note-1>\t"
        b'"a,b"\t"Say \\"hi\\", then\\nleave"@en\t2.5\t83200000\ttrue\t'
        b'"2021-06-28"^^<http://www.w3.org/2001/XMLSchema#date>\t\n'
    )


def test_json_is_sparql_results_json(store: pyoxigraph.Store) -> None:
    data = results.serialize(answer(store, TERMS), "json")
    assert json.loads(data) == {
        "head": {"vars": ["iri", "plain", "lang", "typed", "int", "bool", "date", "unbound"]},
        "results": {
            "bindings": [
                {
                    "iri": {"type": "uri", "value": ID + "note-1"},
                    "plain": {"type": "literal", "value": "a,b"},
                    "lang": {"type": "literal", "value": 'Say "hi", then\nleave', "xml:lang": "en"},
                    "typed": {"type": "literal", "value": "2.5", "datatype": XSD + "decimal"},
                    "int": {"type": "literal", "value": "83200000", "datatype": XSD + "integer"},
                    "bool": {"type": "literal", "value": "true", "datatype": XSD + "boolean"},
                    "date": {"type": "literal", "value": "2021-06-28", "datatype": XSD + "date"},
                }
            ]
        },
    }


def test_xml_is_sparql_results_xml(store: pyoxigraph.Store) -> None:
    ns = {"r": "http://www.w3.org/2005/sparql-results#"}
    root = ET.fromstring(results.serialize(answer(store, TERMS), "xml"))
    assert [v.get("name") for v in root.findall("r:head/r:variable", ns)] == [
        "iri",
        "plain",
        "lang",
        "typed",
        "int",
        "bool",
        "date",
        "unbound",
    ]
    (row,) = root.findall("r:results/r:result", ns)
    bindings = {b.get("name"): b[0] for b in row.findall("r:binding", ns)}
    assert "unbound" not in bindings
    assert bindings["iri"].tag.endswith("uri") and bindings["iri"].text == ID + "note-1"
    lang = bindings["lang"]
    assert lang.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    assert lang.text == 'Say "hi", then\nleave'
    assert bindings["typed"].get("datatype") == XSD + "decimal"


def test_ask_results(store: pyoxigraph.Store) -> None:
    assert results.serialize(answer(store, "ASK { id:DE a kg:Country }"), "json") == (
        b'{"head":{},"boolean":true}\n'
    )
    assert b"<boolean>false</boolean>" in results.serialize(
        answer(store, "ASK { id:DE a kg:Forum }"), "xml"
    )
    assert results.serialize(answer(store, "ASK { id:DE a kg:Country }"), "table") == b"true\n"


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "xml", "table"])
def test_columns_keep_the_projection_order_from_run_to_run(
    fmt: str, store: pyoxigraph.Store
) -> None:
    text = "SELECT ?zulu ?alpha ?mike WHERE { BIND(1 AS ?alpha) BIND(2 AS ?mike) BIND(3 AS ?zulu) }"
    first = results.serialize(answer(store, text), fmt, width=80)
    for _ in range(3):
        assert results.serialize(answer(store, text), fmt, width=80) == first
    header = first.decode()
    assert header.index("zulu") < header.index("alpha") < header.index("mike")


def test_table_is_compact(store: pyoxigraph.Store) -> None:
    text = (
        "SELECT ?c ?label ?n ?other ?none WHERE { ?c kg:population ?n ; rdfs:label ?label "
        "FILTER(lang(?label) = 'en') BIND(<http://example.org/x> AS ?other) } ORDER BY ?c"
    )
    lines = results.serialize(answer(store, text), "table", width=100).decode().splitlines()
    assert lines[0].split() == ["c", "label", "n", "other", "none"]
    assert [line.split() for line in lines[2:5]] == [
        ["id:DE", "Germany", "83200000", "http://example.org/x"],
        ["id:FR", "France", "68000000", "http://example.org/x"],
        ["id:RS", "Serbia", "6600000", "http://example.org/x"],
    ]
    assert lines[-1].strip() == "3 rows"


def test_table_does_not_interpret_markup_in_values(store: pyoxigraph.Store) -> None:
    out = results.serialize(
        answer(store, 'SELECT ?x WHERE { BIND("[bold]x[/bold]" AS ?x) }'), "table"
    )
    assert b"[bold]x[/bold]" in out


def test_compact_terms() -> None:
    assert results.compact(NamedNode(ID + "DE")) == "id:DE"
    assert (
        results.compact(NamedNode("http://example.org/a b".replace(" ", "%20")))
        == "http://example.org/a%20b"
    )
    assert results.compact(Literal("5", datatype=NamedNode(XSD + "integer"))) == "5"
    assert results.compact(Literal("chat", language="fr")) == "chat"
    assert results.compact(BlankNode("b0")) == "_:b0"
    assert results.compact(None) == ""


@pytest.mark.parametrize(
    ("fmt", "rdf_format"),
    [
        ("turtle", pyoxigraph.RdfFormat.TURTLE),
        ("ntriples", pyoxigraph.RdfFormat.N_TRIPLES),
        ("nquads", pyoxigraph.RdfFormat.N_QUADS),
        ("jsonld", pyoxigraph.RdfFormat.JSON_LD),
        ("rdfxml", pyoxigraph.RdfFormat.RDF_XML),
        ("trig", pyoxigraph.RdfFormat.TRIG),
    ],
)
def test_graph_results_parse_back_to_the_same_triples(
    fmt: str, rdf_format: pyoxigraph.RdfFormat, store: pyoxigraph.Store
) -> None:
    text = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH graph:fixture-countries { ?s ?p ?o } }"
    expected = set(answer(store, text).raw)
    assert len(expected) == 15
    data = results.serialize(answer(store, text), fmt)
    parsed = {
        pyoxigraph.Triple(q.subject, q.predicate, q.object)
        for q in pyoxigraph.parse(data, rdf_format)
    }
    assert parsed == expected
    assert results.serialize(answer(store, text), fmt) == data  # stable order


def test_turtle_declares_only_the_prefixes_it_uses(store: pyoxigraph.Store) -> None:
    data = results.serialize(answer(store, "DESCRIBE id:DE"), "turtle").decode()
    assert "@prefix id: <https://w3id.org/digital-policy-kg/id/> ." in data
    assert "@prefix skos:" not in data
    assert "id:DE a kg:Country" in data


def test_formats_that_do_not_fit_are_refused(store: pyoxigraph.Store) -> None:
    with pytest.raises(InputError, match="does not fit graph results"):
        results.serialize(answer(store, "DESCRIBE id:DE"), "csv")
    with pytest.raises(InputError, match="does not fit SELECT results"):
        results.serialize(answer(store, "SELECT * WHERE { ?s ?p ?o }"), "turtle")
    assert results.check_format("SELECT", None) == "table"
    assert results.check_format("CONSTRUCT", None) == "turtle"


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "xml", "table"])
def test_streaming_writes_the_same_bytes(fmt: str, store: pyoxigraph.Store) -> None:
    text = "SELECT ?s ?label WHERE { ?s rdfs:label ?label } ORDER BY ?s ?label"
    out = io.BytesIO()
    results.write(answer(store, text), fmt, out, width=90)
    assert out.getvalue() == results.serialize(answer(store, text), fmt, width=90)


def test_rich_is_never_imported_for_results() -> None:
    """The table is kg's own writer (Rich took 10 s for 6,015 rows: issue 18)."""
    script = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from kg.load import files as graph
        from kg.sparql import results
        from kg.sparql import prepare as sparql
        store = graph.load([Path({str(FIXTURE)!r})], ontology=False).store
        run = lambda: sparql.execute(store, sparql.prepare("SELECT * WHERE {{ ?s ?p ?o }}"))
        for fmt in ("csv", "tsv", "json", "xml"):
            results.serialize(run(), fmt)
        before = "rich" in sys.modules
        results.serialize(run(), "table")
        print(before, "rich" in sys.modules)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, check=True
    )
    assert out.stdout.split() == ["False", "False"]
