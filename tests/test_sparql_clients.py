"""The SPARQL clients people actually use, against ``kg serve`` and, in the same test, against
``oxigraph serve`` holding the same data: kg must answer every request Oxigraph answers.

SPARQLWrapper (the most used Python client) is tried with 57 combinations, as a user would
call it: GET, POST form-encoded and POST direct × SELECT (JSON, XML, CSV, TSV), ASK (JSON,
XML, CSV), CONSTRUCT and DESCRIBE (Turtle, XML, RDF/XML, JSON-LD, N3, JSON), its defaults
otherwise. It sends the format three times (``format``, ``output``, ``results``; TSV, RDF/XML
and JSON-LD once more as a media type) besides an ``Accept`` header, says ``xml`` for RDF/XML
and ``json`` for JSON-LD, and asks N3 by ``text/n3``. A combination succeeds when
``query().convert()`` raises nothing and what it gives, read by the answer's Content-Type,
holds the right answer (rows, boolean, triples): a 200 with the wrong payload fails.

rdflib's ``SPARQLStore`` (what rdflib users point at an endpoint) is tried too.
"""

from __future__ import annotations

import json
import warnings
from xml.dom.minidom import Document

import pytest
import rdflib
from pyoxigraph import RdfFormat, Store
from servers import oxigraph

SPARQLWrapper = pytest.importorskip("SPARQLWrapper", reason="SPARQLWrapper (the test extra)")

EX = "http://example.org/"
DATA = f"""
<{EX}g1> {{
  <{EX}a> <{EX}p> "x" ; <{EX}q> <{EX}b> .
  <{EX}b> <{EX}p> "y"@en .
}}
<{EX}g2> {{
  <{EX}b> <{EX}r> 42 .
}}
"""
QUERIES = {
    "SELECT": f"SELECT ?s ?o WHERE {{ ?s <{EX}p> ?o }}",
    "ASK": f'ASK {{ ?s <{EX}p> "x" }}',
    "CONSTRUCT": "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "DESCRIBE": f"DESCRIBE <{EX}b>",
}
EXPECTED = {"SELECT": 2, "ASK": True, "CONSTRUCT": 4, "DESCRIBE": 2}
FORMATS = {
    "SELECT": ("json", "xml", "csv", "tsv"),
    "ASK": ("json", "xml", "csv"),
    "CONSTRUCT": ("turtle", "xml", "rdf+xml", "json-ld", "n3", "json"),
    "DESCRIBE": ("turtle", "xml", "rdf+xml", "json-ld", "n3", "json"),
}
METHODS = ("GET", "POST form", "POST direct")
COMBINATIONS = [(m, form, f) for m in METHODS for form in FORMATS for f in FORMATS[form]]


def _rdflib_format(content_type: str) -> str | None:
    media = content_type.split(";")[0].strip().lower()
    return {
        "text/turtle": "turtle",
        "application/turtle": "turtle",
        "text/n3": "n3",
        "application/n-triples": "nt",
        "text/plain": "nt",
        "application/n-quads": "nquads",
        "application/trig": "trig",
        "application/rdf+xml": "xml",
        "application/ld+json": "json-ld",
    }.get(media)


def _answer(result, value) -> object:
    """What a converted SPARQLWrapper answer holds: a row count, a boolean or a triple count."""
    content_type = result.info().get("content-type", "")
    if isinstance(value, rdflib.Graph):
        return len(value)
    if isinstance(value, Document):
        boolean = value.getElementsByTagName("boolean")
        if boolean:
            return boolean[0].firstChild.data.strip() == "true"
        return len(value.getElementsByTagName("result"))
    if isinstance(value, dict):
        if "boolean" in value:
            return value["boolean"]
        return len(value["results"]["bindings"])
    text = value.decode("utf-8") if isinstance(value, bytes) else str(value)
    media = content_type.split(";")[0].strip().lower()
    if media in ("text/csv", "text/tab-separated-values"):
        lines = [line for line in text.splitlines() if line.strip()]
        if len(lines) == 1 and lines[0].strip().lower() in ("true", "false"):
            return lines[0].strip().lower() == "true"  # a boolean as CSV (no standard form)
        if len(lines) == 2 and lines[1].strip().lower() in ("true", "false"):
            return lines[1].strip().lower() == "true"
        return len(lines) - 1
    fmt = _rdflib_format(content_type)
    if fmt is None:
        raise AssertionError(f"cannot read an answer of type {content_type!r}")
    graph = rdflib.Dataset() if fmt in ("nquads", "trig") else rdflib.Graph()
    graph.parse(data=text, format=fmt)
    return len(graph) if fmt not in ("nquads", "trig") else sum(1 for _ in graph.quads())


def _try(endpoint: str, method: str, form: str, fmt: str) -> str | None:
    """None when the combination works, else what went wrong."""
    from SPARQLWrapper import GET, POST, POSTDIRECTLY, URLENCODED

    client = SPARQLWrapper.SPARQLWrapper(endpoint)
    client.setQuery(QUERIES[form])
    client.setReturnFormat(fmt)
    client.setMethod(GET if method == "GET" else POST)
    if method != "GET":
        client.setRequestMethod(POSTDIRECTLY if method == "POST direct" else URLENCODED)
    client.setTimeout(30)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # it warns about its own Accept for JSON graphs
            result = client.query()
            value = result.convert()
        got = _answer(result, value)
    except Exception as error:  # what a user would see
        return f"{type(error).__name__}: {str(error)[:160]}"
    if got != EXPECTED[form]:
        return f"answered {got!r}, expected {EXPECTED[form]!r}"
    return None


@pytest.fixture(scope="module")
def store() -> Store:
    s = Store()
    s.load(DATA.encode(), format=RdfFormat.TRIG)
    return s


@pytest.fixture(scope="module")
def kg_endpoint(store):
    from kg.server import Server

    server = Server(store, host="127.0.0.1", port=0, workers=3).start()
    yield server.url + "/sparql"
    server.close()


@pytest.fixture(scope="module")
def oxigraph_endpoint(store, tmp_path_factory):
    """Oxigraph with the same graphs and, like kg, the union of them as its default graph."""
    folder = tmp_path_factory.mktemp("oxigraph-clients")
    with oxigraph(folder / "db", "--union-default-graph") as base:
        import urllib.request

        request = urllib.request.Request(
            base + "/store",
            data=DATA.encode(),
            method="POST",
            headers={"Content-Type": "application/trig"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status in (200, 201, 204)
        yield base + "/query"


def test_sparqlwrapper_matrix_kg_passes_whatever_oxigraph_passes(kg_endpoint, oxigraph_endpoint):
    assert len(COMBINATIONS) == 57
    outcome = {"kg": {}, "oxigraph": {}}
    for combination in COMBINATIONS:
        outcome["oxigraph"][combination] = _try(oxigraph_endpoint, *combination)
        outcome["kg"][combination] = _try(kg_endpoint, *combination)
    scores = {name: sum(v is None for v in results.values()) for name, results in outcome.items()}
    print(f"\nSPARQLWrapper: kg serve {scores['kg']}/57, oxigraph serve {scores['oxigraph']}/57")
    for combination in COMBINATIONS:
        for name in ("kg", "oxigraph"):
            if outcome[name][combination] is not None:
                print(f"  {name}: {' / '.join(combination)}: {outcome[name][combination]}")
    regressions = [
        (combination, outcome["kg"][combination])
        for combination in COMBINATIONS
        if outcome["oxigraph"][combination] is None and outcome["kg"][combination] is not None
    ]
    assert not regressions, json.dumps([f"{' / '.join(c)}: {e}" for c, e in regressions], indent=1)
    assert scores["kg"] == 57


def test_rdflib_sparqlstore_reads_kg_serve(kg_endpoint):
    """rdflib's default (XML: it asks for RDF/XML or SPARQL XML results) and JSON, which it
    asks for only as SPARQL JSON results (so a graph result cannot be asked for that way)."""
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    for method in ("GET", "POST", "POST_FORM"):
        xml = rdflib.Graph(SPARQLStore(kg_endpoint, method=method))
        assert sorted(str(r.o) for r in xml.query(QUERIES["SELECT"])) == ["x", "y"], method
        assert xml.query(QUERIES["ASK"]).askAnswer is True, method
        assert len(xml.query(QUERIES["CONSTRUCT"]).graph) == EXPECTED["CONSTRUCT"], method
        assert len(xml.query(QUERIES["DESCRIBE"]).graph) == EXPECTED["DESCRIBE"], method
        # triples() sends a SELECT of its own
        assert len(list(xml.triples((rdflib.URIRef(EX + "a"), None, None)))) == 2, method
        as_json = rdflib.Graph(SPARQLStore(kg_endpoint, returnFormat="json", method=method))
        rows = list(as_json.query(QUERIES["SELECT"]))
        assert sorted(str(r.o) for r in rows) == ["x", "y"], method
        assert as_json.query(QUERIES["ASK"]).askAnswer is True, method
