"""``kg serve``: the SPARQL endpoint beyond the W3C suite (content negotiation, refusals,
protocol datasets, the service description, CORS), and Linked Data (every IRI of our namespace
dereferences; the descriptions carry incoming links, labels, identifiers and provenance)."""

from __future__ import annotations

import json
from urllib.parse import quote, urlencode

import pytest
from click.testing import CliRunner
from conftest import http_request
from pyoxigraph import (
    BlankNode,
    Dataset,
    Literal,
    NamedNode,
    Quad,
    QueryResultsFormat,
    RdfFormat,
    Store,
    parse,
    parse_query_results,
)

from kg.load import open_dataset
from kg.load.documents import Documents
from kg.namespaces import BASE, GRAPH, ID, KG, PASSAGE, PREFIXES
from kg.server import ld

RDFS_LABEL = NamedNode(PREFIXES["rdfs"] + "label")
SD = "http://www.w3.org/ns/sparql-service-description#"
COUNTRIES = (
    "SELECT ?c ?l WHERE { ?c a kg:Country ; rdfs:label ?l FILTER(LANG(?l) = 'en') } ORDER BY ?l"
)


def sparql_get(server, query: str, accept: str | None = None, **params: str):
    url = f"{server.url}/sparql?" + urlencode({"query": query, **params})
    return http_request(url, headers={"Accept": accept} if accept else {})


def media(headers: dict) -> str:
    return headers.get("content-type", "").split(";")[0]


# --- the query operation ---------------------------------------------------------------------


def test_get_post_form_and_post_direct_give_the_same_answer(repo_server):
    _, _, by_get = sparql_get(repo_server, COUNTRIES)
    _, _, by_form = http_request(
        repo_server.url + "/sparql",
        "POST",
        urlencode({"query": COUNTRIES}).encode(),
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    status, headers, direct = http_request(
        repo_server.url + "/sparql",
        "POST",
        COUNTRIES.encode(),
        {"Content-Type": "application/sparql-query; charset=utf-8"},
    )
    assert status == 200 and media(headers) == "application/sparql-results+json"
    assert by_get == by_form == direct
    names = [b["l"]["value"] for b in json.loads(direct)["results"]["bindings"]]
    assert "Poland" in names and "Serbia" in names and names == sorted(names)


@pytest.mark.parametrize(
    "accept,expected,fmt",
    [
        (
            "application/sparql-results+json",
            "application/sparql-results+json",
            QueryResultsFormat.JSON,
        ),
        (
            "application/sparql-results+xml",
            "application/sparql-results+xml",
            QueryResultsFormat.XML,
        ),
        ("text/tab-separated-values", "text/tab-separated-values", QueryResultsFormat.TSV),
        ("text/csv", "text/csv", QueryResultsFormat.CSV),
        ("application/json", "application/sparql-results+json", QueryResultsFormat.JSON),
        (
            "text/csv;q=0.5, application/sparql-results+xml",
            "application/sparql-results+xml",
            QueryResultsFormat.XML,
        ),
        ("*/*", "application/sparql-results+json", QueryResultsFormat.JSON),
        (None, "application/sparql-results+json", QueryResultsFormat.JSON),
    ],
)
def test_select_results_are_negotiated(repo_server, accept, expected, fmt):
    status, headers, body = sparql_get(repo_server, COUNTRIES, accept)
    assert status == 200
    assert media(headers) == expected
    assert "Accept" in headers.get("vary", "")
    if fmt != QueryResultsFormat.CSV:
        rows = list(parse_query_results(body, format=fmt))
        assert Literal("Poland", language="en") in [r["l"] for r in rows]
    else:
        assert body.startswith(b"c,l\r\n") and b",Poland\r\n" in body


def test_ask_results_in_json_and_xml(repo_server):
    for accept, fmt in (
        ("application/sparql-results+json", QueryResultsFormat.JSON),
        ("application/sparql-results+xml", QueryResultsFormat.XML),
    ):
        status, _, body = sparql_get(repo_server, "ASK { id:PL a kg:Country }", accept)
        assert status == 200
        assert bool(parse_query_results(body, format=fmt)) is True


GRAPH_TYPES = {
    "text/turtle": RdfFormat.TURTLE,
    "application/ld+json": RdfFormat.JSON_LD,
    "application/n-triples": RdfFormat.N_TRIPLES,
    "application/rdf+xml": RdfFormat.RDF_XML,
}


def test_construct_results_in_every_graph_format_are_the_same_triples(repo_server):
    query = "CONSTRUCT { ?c rdfs:label ?l } WHERE { ?c a kg:Country ; rdfs:label ?l }"
    seen = []
    for accept, fmt in GRAPH_TYPES.items():
        status, headers, body = sparql_get(repo_server, query, accept)
        assert status == 200 and media(headers) == accept
        seen.append({str(t) for t in parse(body, fmt)})
    assert all(s == seen[0] for s in seen)
    assert f'<{ID}PL> <{RDFS_LABEL.value}> "Poland"@en' in seen[0]


def test_describe_gives_turtle_by_default(repo_server):
    status, headers, body = sparql_get(repo_server, "DESCRIBE id:PL")
    assert status == 200 and media(headers) == "text/turtle"
    assert any(t.subject == NamedNode(ID + "PL") for t in parse(body, RdfFormat.TURTLE))


def test_what_cannot_be_produced_is_406(repo_server):
    status, _, body = sparql_get(repo_server, COUNTRIES, "text/turtle")
    assert status == 406 and b"application/sparql-results+json" in body
    status, _, _ = sparql_get(repo_server, "CONSTRUCT WHERE { ?s ?p ?o }", "text/csv")
    assert status == 406
    status, _, _ = sparql_get(repo_server, COUNTRIES, None, format="turtle")
    assert status == 406


def test_the_format_parameter_wins_over_accept(repo_server):
    status, headers, _ = sparql_get(
        repo_server, COUNTRIES, "application/sparql-results+xml", format="csv"
    )
    assert status == 200 and media(headers) == "text/csv"


def _get(server, query: str, pairs: list[tuple[str, str]], accept: str | None = None):
    url = f"{server.url}/sparql?" + urlencode([("query", query), *pairs])
    return http_request(url, headers={"Accept": accept} if accept else {})


def test_format_output_and_results_parameters_as_clients_send_them(repo_server):
    # SPARQLWrapper: the same format under three names, TSV once more as a media type
    pairs = [
        (n, v)
        for n in ("format", "output", "results")
        for v in ("tsv", "text/tab-separated-values")
    ]
    status, headers, body = _get(repo_server, COUNTRIES, pairs, "text/tab-separated-values")
    assert status == 200 and media(headers) == "text/tab-separated-values"
    assert body.startswith(b"?c\t?l\n")
    # values that disagree: as Fuseki, output before format before results, first value first
    status, headers, _ = _get(repo_server, COUNTRIES, [("results", "xml"), ("output", "csv")])
    assert status == 200 and media(headers) == "text/csv"
    status, headers, _ = _get(repo_server, COUNTRIES, [("format", "json"), ("format", "csv")])
    assert status == 200 and media(headers) == "application/sparql-results+json"
    # a first value that names nothing we offer is not rescued by a later one
    status, _, _ = _get(repo_server, COUNTRIES, [("format", "n3"), ("format", "json")])
    assert status == 406


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("xml", "application/rdf+xml"),
        ("json", "application/ld+json"),
        ("n3", "text/turtle"),
        ("rdf+xml", "application/rdf+xml"),
        ("json-ld", "application/ld+json"),
    ],
)
def test_short_names_mean_graph_formats_for_graph_results(repo_server, value, expected):
    status, headers, body = _get(repo_server, "DESCRIBE id:PL", [("format", value)])
    assert status == 200 and media(headers) == expected
    fmt = {
        "application/rdf+xml": RdfFormat.RDF_XML,
        "application/ld+json": RdfFormat.JSON_LD,
        "text/turtle": RdfFormat.TURTLE,
    }[expected]
    assert any(t.subject == NamedNode(ID + "PL") for t in parse(body, fmt))
    # for SELECT, xml and json stay the SPARQL results formats
    status, headers, _ = _get(repo_server, COUNTRIES, [("format", value)])
    if value in ("xml", "json"):
        assert status == 200 and media(headers) == f"application/sparql-results+{value}"


@pytest.mark.parametrize(
    ("accept", "expected", "fmt"),
    [
        ("text/n3", "text/turtle", RdfFormat.TURTLE),
        ("text/rdf+n3", "text/turtle", RdfFormat.TURTLE),
        ("text/plain", "application/n-triples", RdfFormat.N_TRIPLES),
    ],
)
def test_n3_is_answered_with_turtle_and_text_plain_with_ntriples(
    repo_server, accept, expected, fmt
):
    status, headers, body = sparql_get(repo_server, "CONSTRUCT WHERE { id:PL ?p ?o }", accept)
    assert status == 200 and media(headers) == expected
    assert len(list(parse(body, fmt))) > 5
    status, headers, body = describe(repo_server, "/id/PL", accept)
    assert status == 200 and media(headers) == expected


def test_vary_accept_on_every_negotiated_answer_errors_included(repo_server):
    answers = {
        "200 select": sparql_get(repo_server, COUNTRIES),
        "200 description": http_request(repo_server.url + "/sparql"),
        "200 editor": http_request(repo_server.url + "/sparql", headers={"Accept": "text/html"}),
        "406 sparql": sparql_get(repo_server, COUNTRIES, "image/png"),
        "400 sparql": sparql_get(repo_server, "SELECT * WHERE { ?s ?p }"),
        "200 entity": describe(repo_server, "/id/PL", "text/turtle"),
        "404 entity": describe(repo_server, "/id/no-such-thing", "text/turtle"),
        "404 entity html": describe(repo_server, "/id/no-such-thing", "text/html"),
        "406 entity": describe(repo_server, "/id/PL", "image/png"),
        "404 query": http_request(repo_server.url + "/queries/no-such-query"),
        "406 catalogue": http_request(
            repo_server.url + "/queries", headers={"Accept": "image/png"}
        ),
        "200 catalogue": http_request(repo_server.url + "/queries"),
    }
    for name, (status, headers, _) in answers.items():
        assert str(status) == name.split()[0], name
        assert "accept" in headers.get("vary", "").lower(), name


def test_updates_are_refused_403_and_never_run(repo_server):
    before = sparql_get(repo_server, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[2]
    insert = f"INSERT DATA {{ <{ID}PL> <{KG}note> 'x' }}"
    attempts = [
        sparql_get(repo_server, insert),
        http_request(repo_server.url + "/sparql?" + urlencode({"update": insert})),
        http_request(
            repo_server.url + "/sparql",
            "POST",
            urlencode({"update": insert}).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
        ),
        http_request(
            repo_server.url + "/sparql",
            "POST",
            insert.encode(),
            {"Content-Type": "application/sparql-update"},
        ),
        sparql_get(repo_server, "DELETE WHERE { ?s ?p ?o }"),
        sparql_get(repo_server, "CLEAR ALL"),
    ]
    for status, _, body in attempts:
        assert status == 403, body
        assert b"read-only" in body
    assert sparql_get(repo_server, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[2] == before


def test_a_malformed_query_is_400_with_message_and_position(repo_server):
    status, _, body = sparql_get(repo_server, "SELECT ?x WHERE {\n  ?x a kg:Country\n")
    assert status == 400
    assert body.startswith(b"malformed query: line ")
    assert b"never closed" in body
    status, _, body = sparql_get(repo_server, "SELECT ?x WHERE { ?x nope:p ?y }")
    assert status == 400 and b"line 1, column 22: unknown prefix 'nope:'" in body


@pytest.mark.parametrize(
    "query,word",
    [
        ("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", b"SERVICE"),
        ("LOAD <http://example.org/data.ttl>", b"LOAD"),
        ("SELECT * FROM <http://example.org/data.ttl> WHERE { ?s ?p ?o }", b"FROM"),
        ("SELECT * FROM NAMED <file:///etc/passwd> WHERE { GRAPH ?g { ?s ?p ?o } }", b"FROM NAMED"),
    ],
)
def test_service_load_and_remote_from_are_refused_400(repo_server, query, word):
    status, _, body = sparql_get(repo_server, query)
    assert status == 400
    assert body.startswith(b"query refused: ") and word in body


def test_from_one_of_our_graphs_is_allowed(repo_server):
    query = f"SELECT ?o FROM <{PASSAGE}pl-uke> WHERE {{ <{ID}uke> <{RDFS_LABEL.value}> ?o }}"
    status, _, body = sparql_get(repo_server, query)
    assert status == 200 and b"Office of Electronic Communications" in body


def test_the_protocol_dataset_selects_graphs(repo_server):
    query = f"SELECT ?o WHERE {{ <{ID}uke> <{RDFS_LABEL.value}> ?o }}"
    # the statement lives in psg:pl-uke: found there, not in another passage's graph
    status, _, body = sparql_get(repo_server, query, **{"default-graph-uri": PASSAGE + "pl-uke"})
    assert status == 200 and b"Office of Electronic" in body
    status, _, body = sparql_get(repo_server, query, **{"default-graph-uri": PASSAGE + "pl-gdpr"})
    assert status == 200 and json.loads(body)["results"]["bindings"] == []
    named = "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    status, _, body = sparql_get(
        repo_server, named + " GROUP BY ?g", **{"named-graph-uri": PASSAGE + "pl-uke"}
    )
    graphs = [b["g"]["value"] for b in json.loads(body)["results"]["bindings"]]
    assert graphs == [PASSAGE + "pl-uke"]
    # a graph the dataset lacks is empty: nothing is fetched
    status, _, body = sparql_get(
        repo_server, "ASK { ?s ?p ?o }", **{"default-graph-uri": "http://example.org/not-here"}
    )
    assert status == 200 and json.loads(body)["boolean"] is False
    status, _, body = sparql_get(repo_server, "ASK {}", **{"default-graph-uri": "not an iri"})
    assert status == 400


def test_protocol_mistakes(repo_server):
    url = repo_server.url + "/sparql"
    status, headers, _ = http_request(url + "?query=ASK%7B%7D", "PUT")
    assert status == 405 and "POST" in headers["allow"]
    status, _, _ = http_request(url, "POST", b"ASK {}", {"Content-Type": "text/plain"})
    assert status == 415
    status, _, _ = http_request(url, "POST", b"ASK {}")
    assert status == 400
    status, _, _ = http_request(
        url,
        "POST",
        "ASK {}".encode("utf-16"),
        {"Content-Type": "application/sparql-query; charset=UTF-16"},
    )
    assert status == 415
    status, _, _ = http_request(url + "?query=ASK%7B%7D&query=ASK%7B%7D")
    assert status == 400
    status, _, body = http_request(url + "?query=%FF%FE")
    assert status == 400 and b"UTF-8" in body
    status, _, _ = http_request(
        url, "POST", b"x" * (2 << 20), {"Content-Type": "application/sparql-query"}
    )
    assert status == 413


def test_head_gives_the_headers_of_get(repo_server):
    url = f"{repo_server.url}/sparql?query={quote(COUNTRIES)}"
    _, got, body = http_request(url)
    status, headers, empty = http_request(url, "HEAD")
    assert status == 200 and empty == b""
    assert headers["content-length"] == str(len(body)) == got["content-length"]


def test_service_description(repo_server):
    status, headers, body = http_request(
        repo_server.url + "/sparql", headers={"Accept": "text/turtle"}
    )
    assert status == 200 and media(headers) == "text/turtle"
    triples = list(parse(body, RdfFormat.TURTLE))
    endpoint = NamedNode(repo_server.url + "/sparql")
    assert any(t.subject == endpoint and t.object == NamedNode(SD + "Service") for t in triples)
    assert any(t.predicate == NamedNode(SD + "endpoint") and t.object == endpoint for t in triples)
    formats = {t.object.value for t in triples if t.predicate == NamedNode(SD + "resultFormat")}
    assert "http://www.w3.org/ns/formats/SPARQL_Results_CSV" in formats
    # /sparql reads the documents (not the union of every graph); it points to /sparql/all
    assert NamedNode(SD + "UnionDefaultGraph") not in {t.object for t in triples}
    see_also = NamedNode(PREFIXES["rdfs"] + "seeAlso")
    assert NamedNode(repo_server.url + "/sparql/all") in {
        t.object for t in triples if t.predicate == see_also
    }
    status, _, body = http_request(
        repo_server.url + "/sparql/all", headers={"Accept": "text/turtle"}
    )
    assert status == 200
    everything = list(parse(body, RdfFormat.TURTLE))
    assert NamedNode(SD + "UnionDefaultGraph") in {t.object for t in everything}
    assert any(t.subject == NamedNode(repo_server.url + "/sparql/all") for t in everything)
    names = {t.object for t in triples if t.predicate == NamedNode(SD + "name")}
    assert NamedNode(PASSAGE + "pl-uke") in names
    status, headers, body = http_request(repo_server.url + "/sparql?format=jsonld")
    assert status == 200 and media(headers) == "application/ld+json"
    assert len(list(parse(body, RdfFormat.JSON_LD))) == len(triples)
    status, headers, body = http_request(
        repo_server.url + "/sparql", headers={"Accept": "text/html"}
    )
    assert status == 200 and b"<textarea" in body  # a browser gets the editor


def test_cors(serve_store):
    server = serve_store(open_dataset().store, cors="https://notebook.example", workers=2)
    status, headers, _ = http_request(f"{server.url}/sparql?query={quote('ASK {}')}")
    assert headers["access-control-allow-origin"] == "https://notebook.example"
    status, headers, _ = http_request(server.url + "/sparql", "OPTIONS")
    assert status == 204
    assert "POST" in headers["access-control-allow-methods"]
    assert "Content-Type" in headers["access-control-allow-headers"]


def test_no_cors_header_unless_asked(repo_server):
    _, headers, _ = http_request(f"{repo_server.url}/sparql?query={quote('ASK {}')}")
    assert "access-control-allow-origin" not in headers


# --- Linked Data -----------------------------------------------------------------------------


def describe(server, path: str, accept: str):
    return http_request(server.url + path, headers={"Accept": accept})


def our_iris() -> set[str]:
    store = open_dataset().store
    found = set()
    for quad in store:
        for term in (quad.subject, quad.predicate, quad.object, quad.graph_name):
            if isinstance(term, NamedNode) and term.value.startswith(BASE):
                found.add(term.value)
    return found


def test_every_iri_of_our_namespace_dereferences(repo_server):
    iris = our_iris()
    assert len(iris) > 500
    failures = []
    for iri in sorted(iris):
        path = "/" + quote(iri[len(BASE) :].split("#", 1)[0], safe="/:@!$&'()*+,;=-._~")
        status, headers, body = describe(repo_server, path, "application/n-triples")
        if status != 200 or media(headers) != "application/n-triples" or not body:
            failures.append((iri, status))
    assert failures == []


def test_an_entity_in_turtle_has_its_statements_links_labels_ids_and_sources(repo_server):
    status, headers, body = describe(repo_server, "/id/PL", "text/turtle")
    assert status == 200 and media(headers) == "text/turtle"
    assert 'rel="alternate"' in headers["link"] and "format=trig" in headers["link"]
    triples = {str(t) for t in parse(body, RdfFormat.TURTLE)}
    pl = f"<{ID}PL>"
    assert f'{pl} <{RDFS_LABEL.value}> "Poland"@en' in triples  # its description
    assert f"{pl} <{PREFIXES['owl']}sameAs> <http://www.wikidata.org/entity/Q36>" in triples
    assert f'{pl} <{KG}isoAlpha3> "POL"' in triples  # an identifier
    assert f"<{ID}uke> <{KG}country> {pl}" in triples  # an incoming link
    assert f'<{ID}uke> <{RDFS_LABEL.value}> "Office of Electronic Communications"@en' in triples
    assert f'<{PASSAGE}pl-uke> <{KG}startOffset> "9319"^^<{PREFIXES["xsd"]}integer>' in triples
    assert (
        f"<{GRAPH}external/geonames> <{PREFIXES['dcterms']}license> <https://creativecommons.org/licenses/by/4.0/>"
        in triples
    )


def test_trig_puts_each_statement_in_the_graph_that_states_it(repo_server):
    status, headers, body = describe(repo_server, "/id/PL?format=trig", "text/html")
    assert status == 200 and media(headers) == "application/trig"
    quads = {str(q) for q in parse(body, RdfFormat.TRIG)}
    assert f"<{ID}uke> <{KG}country> <{ID}PL> <{PASSAGE}pl-uke>" in quads
    assert f"<{ID}PL> <{KG}capital> <{ID}warsaw> <{GRAPH}external/geonames>" in quads


def test_jsonld_keeps_the_graphs_and_says_the_same_as_nquads(repo_server):
    _, headers, jsonld = describe(repo_server, "/id/PL", "application/ld+json")
    assert media(headers) == "application/ld+json"
    document = json.loads(jsonld)
    assert "@context" in document and isinstance(document["@context"], dict)
    _, _, nquads = describe(repo_server, "/id/PL", "application/n-quads")

    def ground(quads):
        return {
            str(q)
            for q in quads
            if not any(isinstance(t, BlankNode) for t in (q.subject, q.object))
        }

    from_jsonld = ground(parse(jsonld, RdfFormat.JSON_LD))
    from_nquads = ground(parse(nquads, RdfFormat.N_QUADS))
    assert from_jsonld == from_nquads
    assert f"<{ID}uke> <{KG}country> <{ID}PL> <{PASSAGE}pl-uke>" in from_jsonld


@pytest.mark.parametrize(
    "path,expected",
    [
        ("/vocab/topic-cybersecurity", "cybersecurity"),
        ("/passage/pl-uke", "Office of Electronic Communications"),
        ("/source/doc-800b895d3721961f", "Country profiles on digital policy"),
        ("/graph/external/geonames", "GeoNames"),
        ("/ontology", "an ontology of national digital policy"),
        ("/dataset", "a knowledge graph of national digital policy"),
    ],
)
def test_other_kinds_of_iri_dereference(repo_server, path, expected):
    status, _, body = describe(repo_server, path, "application/n-triples")
    assert status == 200
    assert expected.encode() in body


def test_the_ontology_document_holds_every_term(repo_server):
    _, _, body = describe(repo_server, "/ontology", "text/turtle")
    triples = {str(t) for t in parse(body, RdfFormat.TURTLE)}
    assert f"<{KG}Country> <{PREFIXES['rdf']}type> <{PREFIXES['owl']}Class>" in triples
    assert (
        f"<{KG}sharesBorderWith> <{PREFIXES['rdf']}type> <{PREFIXES['owl']}SymmetricProperty>"
        in triples
    )


def test_browsers_get_html_and_unknown_iris_404(repo_server):
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    status, headers, body = describe(repo_server, "/id/PL", browser)
    assert status == 200 and media(headers) == "text/html" and b"<h1>Poland</h1>" in body
    for accept in (browser, "text/turtle"):
        status, _, _ = describe(repo_server, "/id/no-such-thing", accept)
        assert status == 404
    status, _, _ = describe(repo_server, "/id/PL", "application/pdf")
    assert status == 406


def test_the_passage_text_is_shown_only_from_the_cited_document(tmp_path, monkeypatch):
    store = open_dataset().store
    labels = ld.Labels(store)
    monkeypatch.setenv("KG_DOCUMENTS", str(tmp_path))
    description = ld.describe(store, ID + "uke", labels, Documents())
    source = next(s for s in description.sources if s.graph == PASSAGE + "pl-uke")
    assert source.text is None and "not available" in source.text_note
    (tmp_path / "000_800b895d3721961f.txt").write_text("x" * 20000, encoding="utf-8")
    description = ld.describe(store, ID + "uke", labels, Documents())
    source = next(s for s in description.sources if s.graph == PASSAGE + "pl-uke")
    assert source.text is None and "differs" in source.text_note  # wrong hash: never quoted


def test_the_passage_text_comes_from_the_span(monkeypatch):
    from conftest import SEEDS

    document = SEEDS / "000_800b895d3721961f.txt"
    if not document.is_file():
        pytest.skip("the source document is not on this machine")
    monkeypatch.setenv("KG_DOCUMENTS", str(SEEDS))
    store = open_dataset().store
    description = ld.describe(store, PASSAGE + "pl-uke", ld.Labels(store), Documents())
    source = next(s for s in description.sources if s.graph == PASSAGE + "pl-uke")
    text = document.read_text(encoding="utf-8")
    assert source.text == text[source.start : source.end]
    assert (source.start, source.end) == (9319, 9491)  # the sentence that names UKE


def test_statements_in_the_default_graph_are_described_too(serve_store):
    store = Store()
    store.add(Quad(NamedNode(ID + "x"), RDFS_LABEL, Literal("a thing")))
    server = serve_store(store, union_default_graph=False, workers=2)
    status, _, body = describe(server, "/id/x", "application/n-quads")
    assert status == 200
    assert {str(q) for q in parse(body, RdfFormat.N_QUADS)} == {
        f'<{ID}x> <{RDFS_LABEL.value}> "a thing"'
    }


def test_the_cli_serves_and_checks_its_options():
    from kg.cli import main

    result = CliRunner().invoke(main, ["serve", "--timeout", "0"])
    assert result.exit_code == 2 and "timeout" in result.output.lower()
    result = CliRunner().invoke(main, ["serve", "--row-limit", "0"])
    assert result.exit_code == 2
    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0 and "--cors" in result.output and "--row-limit" in result.output


@pytest.mark.parametrize("cache", ["off", "always"])
def test_kg_serve_runs_until_interrupted(tmp_path, cache):
    """The command itself: it prints where it listens, answers, and stops on SIGINT with exit
    status 0, its workers and its temporary files gone. With a persistent store (kg.load.store) the
    workers open it read-only instead of loading a snapshot."""
    import os
    import re
    import signal
    import subprocess
    import sys

    temporary = tmp_path / "tmp"
    temporary.mkdir()
    env = dict(
        os.environ, TMPDIR=str(temporary), KG_CACHE=cache, KG_CACHE_DIR=str(tmp_path / "cache")
    )
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from kg.cli import main; main()",
            "serve",
            "--port",
            "0",
            "--workers",
            "2",
        ],
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    try:
        line = process.stderr.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+)/", line)
        assert match, line
        status, _, body = http_request(match.group(1) + "/id/PL", headers={"Accept": "text/turtle"})
        assert status == 200 and b"Poland" in body
        snapshots = list(temporary.glob("kg-serve-*/dataset.nq"))
        assert len(snapshots) == (1 if cache == "off" else 0)
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
    assert not list(temporary.glob("kg-serve-*"))


def test_a_description_parses_back_as_a_dataset(repo_server):
    _, _, body = describe(repo_server, "/id/eurodig", "application/trig")
    dataset = Dataset(parse(body, RdfFormat.TRIG))
    labels = [
        q for q in dataset if q.subject == NamedNode(ID + "eurodig") and q.predicate == RDFS_LABEL
    ]
    # one label, cited by each passage that names EuroDIG (the Serbia and the Poland profile)
    assert {q.object for q in labels} == {Literal("EuroDIG", language="en")}
    assert {q.graph_name for q in labels} == {
        NamedNode(PASSAGE + "rs-see-plus-eurodig"),
        NamedNode(PASSAGE + "pl-eurodig"),
    }
