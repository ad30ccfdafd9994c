"""The W3C SPARQL 1.1 Protocol test suite, and the JSON and CSV/TSV result-format tests,
against a live ``kg serve``.

Each protocol test gets a server of its own on a free loopback port, with the test's data
loaded as the manifest says (``ut:graphData``: a named graph per file, named by its label; the
store's default graph is the query's default graph, as in the suite — no union); every request
of the test is replayed byte for byte (method, headers, body in its declared encoding), and the
status class and the result format (boolean / tabular / RDF, and the boolean's value) are
checked.

kg is read-only by design: the seven positive update tests (``update_*``) expect a 2xx and are
answered 403 instead. For them this runner checks the refusal and that nothing was executed
(the test's own follow-up ASK, which would be true after the update, is false). Every query
test and every ``bad_*`` test must pass. Score on this machine: 27/34 pass, 7 refused by design.

The result-format tests load ``qt:data`` into the default graph, run ``qt:query`` through the
endpoint with the matching Accept header, and compare the answer with ``mf:result`` as result
sets: same variables, same multiset of rows, blank nodes equal up to renaming.
"""

from __future__ import annotations

import csv
import io
import json
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import pytest
from conftest import CONFORMANCE, http_request
from pyoxigraph import (
    BlankNode,
    DefaultGraph,
    Literal,
    NamedNode,
    QueryResultsFormat,
    RdfFormat,
    Store,
    parse,
    parse_query_results,
)

from kg.server import tasks

SPARQL11 = CONFORMANCE / "sparql" / "sparql11"
PROTOCOL = SPARQL11 / "protocol"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
MF = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#"
QT = "http://www.w3.org/2001/sw/DataAccess/tests/test-query#"
HT = "http://www.w3.org/2011/http#"
HTS = "http://www.w3.org/2011/http-statusCodes#"
CNT = "http://www.w3.org/2011/content#"
UT = "http://www.w3.org/2009/sparql/tests/test-update#"

pytestmark = pytest.mark.skipif(
    not (PROTOCOL / "manifest.ttl").is_file(), reason="the W3C test suite is not available"
)

BOOLEAN_TYPES = {"application/sparql-results+json", "application/sparql-results+xml"}
TABULAR_TYPES = BOOLEAN_TYPES | {"text/csv", "text/tab-separated-values"}
RDF_TYPES = {
    "text/turtle": RdfFormat.TURTLE,
    "application/n-triples": RdfFormat.N_TRIPLES,
    "application/rdf+xml": RdfFormat.RDF_XML,
    "application/ld+json": RdfFormat.JSON_LD,
}
RESULT_PARSERS = {
    "application/sparql-results+json": QueryResultsFormat.JSON,
    "application/sparql-results+xml": QueryResultsFormat.XML,
    "text/tab-separated-values": QueryResultsFormat.TSV,
    "text/csv": QueryResultsFormat.CSV,
}


# --- reading a manifest ------------------------------------------------------------------------


class Manifest:
    """A manifest file in a store, with helpers to walk its lists and values."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.store = Store()
        self.store.load(path=str(path), format=RdfFormat.TURTLE, base_iri=path.resolve().as_uri())

    def values(self, subject, predicate: str) -> list:
        return [q.object for q in self.store.quads_for_pattern(subject, NamedNode(predicate), None)]

    def value(self, subject, predicate: str):
        found = self.values(subject, predicate)
        return found[0] if found else None

    def items(self, head) -> list:
        out = []
        while head is not None and head != NamedNode(RDF + "nil"):
            out.append(self.value(head, RDF + "first"))
            head = self.value(head, RDF + "rest")
        return out

    def entries(self) -> list:
        manifest = next(
            q.subject
            for q in self.store.quads_for_pattern(
                None, NamedNode(RDF + "type"), NamedNode(MF + "Manifest")
            )
        )
        return self.items(self.value(manifest, MF + "entries"))

    def local(self, node) -> Path:
        return Path(node.value.removeprefix("file://"))


def protocol_tests() -> list[tuple[str, dict]]:
    if not (PROTOCOL / "manifest.ttl").is_file():
        return []
    m = Manifest(PROTOCOL / "manifest.ttl")
    tests = []
    for entry in m.entries():
        name = entry.value.rsplit("#", 1)[1]
        graphs = [
            (m.local(m.value(g, UT + "graph")), m.value(g, RDFS + "label").value)
            for g in m.values(entry, UT + "graphData")
        ]
        requests = []
        for request in m.items(m.value(m.value(entry, MF + "action"), HT + "requests")):
            headers = {}
            for header in m.items(m.value(request, HT + "headers")):
                headers[m.value(header, HT + "fieldName").value] = m.value(
                    header, HT + "fieldValue"
                ).value
            body = m.value(request, HT + "body")
            data = None
            if body is not None:
                encoding = m.value(body, CNT + "characterEncoding").value
                data = m.value(body, CNT + "chars").value.encode(encoding)
            response = m.value(request, HT + "resp")
            statuses = {
                s.value.rsplit("#StatusCode", 1)[1]
                for s in m.values(response, MF + "expectedStatus")
            }
            expected_format = m.value(response, MF + "expectedFormat")
            expected_boolean = m.value(response, MF + "expectedBoolean")
            requests.append(
                {
                    "method": m.value(request, HT + "methodName").value,
                    "path": m.value(request, HT + "absolutePath").value,
                    "headers": headers,
                    "body": data,
                    "statuses": statuses,  # {"2xx", "3xx"} …
                    "format": expected_format.value if expected_format is not None else None,
                    "boolean": (expected_boolean.value == "true")
                    if expected_boolean is not None
                    else None,
                }
            )
        tests.append((name, {"graphs": graphs, "requests": requests}))
    return tests


PROTOCOL_TESTS = protocol_tests()
UPDATE_TESTS = [name for name, _ in PROTOCOL_TESTS if name.startswith("update_")]
QUERY_AND_BAD_TESTS = [name for name, _ in PROTOCOL_TESTS if not name.startswith("update_")]


def test_the_suite_has_34_tests_of_which_7_are_updates():
    """The score in the module docstring counts these."""
    assert len(PROTOCOL_TESTS) == 34
    assert len(UPDATE_TESTS) == 7
    assert len(QUERY_AND_BAD_TESTS) == 27


def _store_for(graphs: list[tuple[Path, str]]) -> Store:
    store = Store()
    for path, name in graphs:
        store.load(path=str(path), format=RdfFormat.N_TRIPLES, to_graph=NamedNode(name))
    return store


def _replay(server, request: dict) -> tuple[int, dict, bytes]:
    path = request["path"].replace("/sparql/", "/sparql", 1)
    return http_request(server.url + path, request["method"], request["body"], request["headers"])


def _media(headers: dict) -> str:
    return (headers.get("content-type") or "").split(";")[0].strip().lower()


def _check_format(request: dict, headers: dict, body: bytes) -> None:
    media = _media(headers)
    expected = request["format"]
    if expected == "boolean":
        assert media in BOOLEAN_TYPES, media
        answer = parse_query_results(body, format=RESULT_PARSERS[media])
        if request["boolean"] is not None:
            assert bool(answer) is request["boolean"]
    elif expected == "tabular":
        assert media in TABULAR_TYPES, media
        if media != "text/csv":
            answer = parse_query_results(body, format=RESULT_PARSERS[media])
            assert [v.value for v in answer.variables] == ["value"]
            assert [s["value"] for s in answer] == [Literal(1)]
        else:
            assert body.splitlines()[0] == b"value"
    elif expected == "RDF":
        assert media in RDF_TYPES, media
        list(parse(body, RDF_TYPES[media]))  # parses


@pytest.mark.parametrize("name", QUERY_AND_BAD_TESTS)
def test_protocol(name, serve_store):
    test = dict(PROTOCOL_TESTS)[name]
    server = serve_store(_store_for(test["graphs"]), union_default_graph=False, workers=2)
    for request in test["requests"]:
        status, headers, body = _replay(server, request)
        assert f"{status // 100}xx" in request["statuses"], (status, body[:300])
        if status // 100 == 2 and request["format"]:
            _check_format(request, headers, body)


@pytest.mark.parametrize("name", UPDATE_TESTS)
def test_protocol_update_is_refused_by_design(name, serve_store):
    """A positive update test: every update is answered 403 and not executed (the query that
    would see its effect answers as before)."""
    test = dict(PROTOCOL_TESTS)[name]
    store = _store_for(test["graphs"])
    before = len(store)
    server = serve_store(store, union_default_graph=False, workers=2)
    saw_update = False
    for request in test["requests"]:
        is_update = (request["headers"].get("content-type") or "").startswith(
            "application/sparql-update"
        ) or (request["body"] or b"").startswith(b"update=")
        status, headers, body = _replay(server, request)
        if is_update:
            saw_update = True
            assert status == 403, body
            assert b"read-only" in body
        else:
            assert status == 200
            if request["boolean"] is True:  # true only had the update run
                assert (
                    bool(parse_query_results(body, format=RESULT_PARSERS[_media(headers)])) is False
                )
    assert saw_update
    assert server.pool.run(tasks.ping, deadline=time.monotonic() + 10) == before


# --- result formats: json-res and csv-tsv-res ---------------------------------------------------


def result_format_tests() -> list[tuple[str, Path, Path, Path]]:
    tests = []
    for folder in ("json-res", "csv-tsv-res"):
        path = SPARQL11 / folder / "manifest.ttl"
        if not path.is_file():
            continue
        m = Manifest(path)
        for entry in m.entries():
            action = m.value(entry, MF + "action")
            tests.append(
                (
                    entry.value.rsplit("#", 1)[1],
                    m.local(m.value(action, QT + "query")),
                    m.local(m.value(action, QT + "data")),
                    m.local(m.value(entry, MF + "result")),
                )
            )
    return tests


@dataclass(frozen=True)
class Blank:
    """A blank node of a result, by its label (compared up to renaming)."""

    label: str


XSD = "http://www.w3.org/2001/XMLSchema#"
FLOATS = {XSD + "double", XSD + "float"}
DECIMALS = {
    XSD + t
    for t in (
        "decimal",
        "integer",
        "nonPositiveInteger",
        "negativeInteger",
        "long",
        "int",
        "short",
        "byte",
        "nonNegativeInteger",
        "unsignedLong",
        "unsignedInt",
        "unsignedShort",
        "unsignedByte",
        "positiveInteger",
    )
}


def _normalised(term):
    """Numbers by value, in their family (decimal-derived, or float/double). Oxigraph stores
    numbers as values: "1.0E6"^^xsd:double comes back as "1000000" and
    "-3"^^xsd:negativeInteger as "-3"^^xsd:integer (csv03, tsv03) — the same values."""
    try:
        if isinstance(term, Literal) and term.datatype.value in FLOATS:
            return ("float", float(term.value))
        if isinstance(term, Literal) and term.datatype.value in DECIMALS:
            return ("decimal", Decimal(term.value))
        if isinstance(term, str):  # CSV: no datatypes left, compare numbers by value
            return ("number", float(term)) if term.strip() == term and term else term
    except (ValueError, ArithmeticError):
        return term
    return term


def _rows(text: bytes, kind: str):
    """(variables, rows) with each term as a comparable value; blank nodes as Blank."""
    if kind == "csv":
        reader = list(csv.reader(io.StringIO(text.decode("utf-8"), newline="")))
        header, rows = reader[0], reader[1:]

        def term(cell: str):
            return Blank(cell[2:]) if cell.startswith("_:") else cell

        return header, [tuple(term(c) for c in row) for row in rows]
    parsed = parse_query_results(
        text, format={"srj": QueryResultsFormat.JSON, "tsv": QueryResultsFormat.TSV}[kind]
    )
    if not hasattr(parsed, "variables"):
        return None, bool(parsed)
    variables = [v.value for v in parsed.variables]

    def convert(t):
        if isinstance(t, BlankNode):
            return Blank(t.value)
        return t

    return variables, [tuple(convert(s[v]) for v in variables) for s in parsed]


def _same_up_to_blank_nodes(ours: list[tuple], theirs: list[tuple]) -> bool:
    """Equal multisets of rows once blank node labels are renamed one to one. Each label is
    matched by its signature: the rows it occurs in, with blank nodes masked."""

    def masked(row):
        return tuple("_" if isinstance(t, Blank) else t for t in row)

    def signatures(rows):
        sig: dict[str, list] = {}
        for row in rows:
            for i, t in enumerate(row):
                if isinstance(t, Blank):
                    sig.setdefault(t.label, []).append((masked(row), i))
        return {k: tuple(sorted(map(repr, v))) for k, v in sig.items()}

    if sorted(map(repr, map(masked, ours))) != sorted(map(repr, map(masked, theirs))):
        return False
    a, b = signatures(ours), signatures(theirs)
    by_sig = {}
    for label, s in b.items():
        by_sig.setdefault(s, []).append(label)
    mapping = {}
    for label, s in a.items():
        candidates = by_sig.get(s)
        if not candidates:
            return False
        mapping[label] = candidates.pop()

    def renamed(row):
        return tuple(Blank(mapping[t.label]) if isinstance(t, Blank) else t for t in row)

    return sorted(map(repr, map(renamed, ours))) == sorted(map(repr, theirs))


RESULT_TESTS = result_format_tests()
ACCEPT = {
    ".srj": ("application/sparql-results+json", "srj"),
    ".csv": ("text/csv", "csv"),
    ".tsv": ("text/tab-separated-values", "tsv"),
}


@pytest.fixture(scope="module")
def data_servers():
    """One server per data file of the result-format tests, the file in the default graph."""
    from kg.server import Server

    servers = {}
    try:
        for _name, _query, data, _result in RESULT_TESTS:
            if data not in servers:
                store = Store()
                store.load(
                    path=str(data),
                    format=RdfFormat.TURTLE,
                    base_iri=data.as_uri(),
                    to_graph=DefaultGraph(),
                )
                servers[data] = Server(store, port=0, union_default_graph=False, workers=2).start()
        yield servers
    finally:
        for server in servers.values():
            server.close()


def test_there_are_ten_result_format_tests():
    assert len(RESULT_TESTS) == 10


@pytest.mark.parametrize("name,query,data,result", RESULT_TESTS, ids=[t[0] for t in RESULT_TESTS])
def test_result_format(name, query, data, result, data_servers):
    accept, kind = ACCEPT[result.suffix]
    server = data_servers[data]
    text = query.read_text(encoding="utf-8")
    status, headers, body = http_request(
        f"{server.url}/sparql?query={quote(text)}", headers={"Accept": accept}
    )
    assert status == 200, body
    assert _media(headers) == accept
    ours_vars, ours = _rows(body, kind)
    theirs_vars, theirs = _rows(result.read_bytes(), kind)
    if theirs_vars is None:  # ASK
        assert ours_vars is None
        assert ours is theirs
        assert json.loads(body)["boolean"] is theirs
        return
    # A solution maps variables to terms: the order of the columns is not part of the result
    # (the engine lists the variables of SELECT * in its own order), so rows are compared as
    # mappings, here as tuples in the expected file's column order.
    assert sorted(ours_vars) == sorted(theirs_vars)
    order = [ours_vars.index(v) for v in theirs_vars]
    ours = [tuple(row[i] for i in order) for row in ours]
    assert len(ours) == len(theirs)
    ours = [tuple(_normalised(t) for t in row) for row in ours]
    theirs = [tuple(_normalised(t) for t in row) for row in theirs]
    assert _same_up_to_blank_nodes(ours, theirs), (ours, theirs)
