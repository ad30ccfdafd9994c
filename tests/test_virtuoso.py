"""Publishing to and querying Virtuoso Open Source (Debian's ``virtuoso-opensource``, the store
DBpedia runs on), with the settings docs/how-to/publish.md gives, and publishing that never
loses the previous publication on Virtuoso or Oxigraph whichever request fails.

The server is the session fixture ``virtuoso_server`` (conftest): a fresh database in a
temporary folder on loopback ports, the anonymous SPARQL user granted updates. Virtuoso never
answers a POST of ``application/sparql-query`` (openlink/virtuoso-opensource#842), answers a
Graph Store request it does not understand with 200 and an HTML page, runs the operations of
one update request one after the other (no transaction), and its default graph is the union of
all graphs — so kg sends form-encoded requests, treats an HTML answer as a failure, verifies
every staging graph's triple count before the swap, and publishes with
``--default-graph none``.

Fault injection: a loopback proxy (``servers.FaultProxy``) in front of the server fails the
N-th request of a publish without forwarding it, for every N from the first request to the
last; after each failure the server must hold exactly the previous publication, and the next
publish must succeed.
"""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import quote, unquote_plus

import pytest
from click.testing import CliRunner
from pyoxigraph import Literal, NamedNode, Quad
from servers import FaultProxy, oxigraph

from kg import publish as publishing
from kg.cli import main
from kg.errors import EndpointError
from kg.load import open_dataset
from kg.load import scope as scopes
from kg.sparql import catalogue as query
from kg.sparql import remote, results

XSD = "http://www.w3.org/2001/XMLSchema#"
NUMERIC = {
    XSD + name
    for name in (
        "integer",
        "decimal",
        "double",
        "float",
        "int",
        "long",
        "short",
        "byte",
        "nonNegativeInteger",
        "positiveInteger",
        "negativeInteger",
        "nonPositiveInteger",
        "unsignedInt",
        "unsignedLong",
    )
}


def _settings(server) -> list[str]:
    """The settings docs/how-to/publish.md gives for Virtuoso."""
    return [
        "--endpoint",
        server.sparql,
        "--update",
        server.sparql,
        "--graph-store",
        server.graph_store,
    ]


def _reader(server) -> str:
    """The query URL of a reader of the publication: its default graph is the union kg
    published (``--default-graph named``), not Virtuoso's union of every graph."""
    return f"{server.sparql}?default-graph-uri={quote(publishing.DEFAULT_GRAPH, safe='')}"


def _endpoint(server, **options) -> remote.Endpoint:
    return remote.endpoint_for(
        server.sparql, update=server.sparql, graph_store=server.graph_store, **options
    )


@pytest.fixture(autouse=True)
def _no_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path / "cache"))


def _published_quads(endpoint: remote.Endpoint, graphs: set[str]) -> Counter:
    """The quads the server holds in the given graphs, as N-Quads lines (literals as the
    server gives them back)."""
    far = remote.RemoteStore(endpoint)
    try:
        rows = far.query(
            "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } "
            "FILTER(?g IN "
            f"({', '.join(f'<{g}>' for g in sorted(graphs)) or '<urn:x-none:>'})) }}"
        )
        return Counter(str(Quad(r["s"], r["p"], r["o"], r["g"])) for r in rows)
    finally:
        far.close()


# --- the CLI with the manual's settings ------------------------------------------------------


@pytest.fixture(scope="module")
def published(virtuoso_server):
    """The repository's dataset published to Virtuoso by `kg publish`."""
    result = CliRunner().invoke(
        main, ["publish", *_settings(virtuoso_server), "--default-graph", "named"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("published ")
    return virtuoso_server


def test_kg_publish_puts_every_graph_on_virtuoso(published):
    local = open_dataset().store
    scopes.ensure(local)  # the external union is published too (for `scope: all` queries)
    graphs = {g.value for g in local.named_graphs()}
    assert scopes.EXTERNAL_UNION_GRAPH.value in graphs
    far = remote.RemoteStore(_endpoint(published))
    counts = {g: n for g, n in far.staging_counts("https://w3id.org/digital-policy-kg/").items()}
    assert counts == Counter(  # every graph, every triple
        q.graph_name.value for q in local if isinstance(q.graph_name, NamedNode)
    )
    assert publishing._leftover_staging(far) == []  # no staging graph is left behind
    assert sorted(publishing._previous_graphs(far)) == sorted(graphs | {publishing.DEFAULT_GRAPH})
    union = far.staging_counts(publishing.DEFAULT_GRAPH)
    assert union == {publishing.DEFAULT_GRAPH: publishing._distinct_triples(local)}
    far.close()


def test_kg_query_and_kg_sparql_endpoint_on_virtuoso(published):
    runner = CliRunner()
    args = ["query", "list-strategies-by-country", "-p", "country=Poland", "--format", "csv"]
    there = runner.invoke(main, [*args, "--endpoint", _reader(published)])
    here = runner.invoke(main, args)
    assert there.exit_code == 0, there.output
    assert sorted(there.output.splitlines()) == sorted(here.output.splitlines())
    assert there.output.count("\n") > 1
    text = "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { GRAPH ?g { ?c a kg:Country } }"
    there = runner.invoke(
        main, ["sparql", text, "--format", "csv", "--endpoint", _reader(published)]
    )
    here = runner.invoke(main, ["sparql", text, "--format", "csv"])
    assert there.exit_code == 0, there.output
    assert there.output == here.output
    graph = runner.invoke(
        main,
        [
            "sparql",
            "CONSTRUCT { ?c a kg:Country } WHERE { GRAPH ?g { ?c a kg:Country } }",
            "--format",
            "ntriples",
            "--endpoint",
            published.sparql,
        ],
    )
    assert graph.exit_code == 0, graph.output
    assert len(set(graph.output.splitlines())) == int(here.output.split()[-1])


def _value(term) -> object:
    """A term compared by value, as a result set written as CSV shows it: numbers as numbers,
    booleans as booleans (Virtuoso writes ``1`` for true), other literals by their text (CSV
    carries no language tag or datatype: Oxigraph keeps the language of a GROUP_CONCAT whose
    values share one, Virtuoso gives a plain string), unbound as the empty string (Oxigraph
    leaves a GROUP_CONCAT over unbound values unbound, Virtuoso gives ``""``)."""
    if term is None:
        return ("text", "")
    if not isinstance(term, Literal):
        return ("term", str(term))
    datatype = term.datatype.value
    boolean_like = datatype == XSD + "boolean" or datatype in NUMERIC
    if boolean_like and term.value in ("true", "1", "false", "0"):
        return ("bool-or-number", term.value in ("true", "1"))
    if datatype in NUMERIC:
        try:
            return ("number", Decimal(term.value))
        except InvalidOperation:
            pass
    return ("text", term.value)


def _unordered(row: list) -> str:
    return repr(
        [("items", sorted(v[1].split("; "))) if v[0] == "text" and "; " in v[1] else v for v in row]
    )


def test_every_canned_query_answers_the_same_on_virtuoso(published, capsys):
    local = open_dataset().store
    far = remote.RemoteStore(remote.endpoint_for(_reader(published)))
    verdicts = {}
    for canned in query.load_catalogue().values():
        here = query.run_canned(local, canned, {})
        there = query.run_canned(far, canned, {})
        here_rows = [[_value(t) for t in row] for row in results._rows(here)]
        there_rows = [[_value(t) for t in row] for row in results._rows(there)]
        here_csv = results.serialize(query.run_canned(local, canned, {}), "csv")
        there_csv = results.serialize(query.run_canned(far, canned, {}), "csv")
        if here_csv == there_csv:
            verdicts[canned.name] = "identical"
        elif Counter(map(repr, here_rows)) == Counter(map(repr, there_rows)):
            verdicts[canned.name] = "same rows"
        elif Counter(map(_unordered, here_rows)) == Counter(map(_unordered, there_rows)):
            # GROUP_CONCAT joins in whatever order the store finds the values: the same rows
            # once each joined value is read as a set of items
            verdicts[canned.name] = "different (GROUP_CONCAT order only)"
        else:
            verdicts[canned.name] = "different"
    far.close()
    with capsys.disabled():
        print("\ncanned queries on Virtuoso vs local:")
        for name, verdict in sorted(verdicts.items()):
            print(f"  {verdict:10}  {name}")
        print("  " + json.dumps(Counter(verdicts.values())))
    assert len(verdicts) == 16
    assert [n for n, v in verdicts.items() if v == "different"] == []


# --- failures: HTML pages, IRIs in messages ---------------------------------------------------


def test_an_html_page_is_not_a_successful_upload(virtuoso_server):
    """Virtuoso answers an N-Quads POST to its Graph Store URL with 200 and its form page."""
    far = remote.RemoteStore(_endpoint(virtuoso_server))
    with pytest.raises(remote.NotStored, match="HTML page"):
        far.post_quads(b"<urn:x:s> <urn:x:p> <urn:x:o> <urn:x:g> .\n")
    assert not far.accepts_quads()
    far.close()


def test_error_messages_keep_the_iris(virtuoso_server):
    far = remote.RemoteStore(_endpoint(virtuoso_server))
    with pytest.raises(EndpointError) as caught:
        far.update("DROP GRAPH <urn:x-kg-test:never-created>")
    assert "<urn:x-kg-test:never-created>" in str(caught.value)
    with pytest.raises(EndpointError) as caught:
        far.put_graph("urn:x-kg-test:broken", b"this is not N-Triples\n")
    assert "<urn:x-kg-test:broken>" in str(caught.value)
    far.close()


# --- fault injection: every request of a publish fails once -----------------------------------


SWAP_MARK = "INSERT { GRAPH ?target"  # how the swap request starts (publish.swap_update)


def _form_text(body: bytes) -> str:
    return unquote_plus(body.decode("latin-1"))


def _tiny(folder: Path, version: int) -> Path:
    """A small dataset (the ontology and vocabulary come with every dataset): version 1 has
    graphs a and b, version 2 has b changed, c new and a gone, plus a blank node."""
    folder.mkdir(parents=True, exist_ok=True)
    ex = "http://example.org/kg-test/"
    if version == 1:
        text = (
            f'<{ex}a> {{ <{ex}s> <{ex}p> "one" . }}\n'
            f'<{ex}b> {{ <{ex}s> <{ex}p> "two" ; <{ex}q> true . }}\n'
        )
    else:
        text = (
            f'<{ex}b> {{ <{ex}s> <{ex}p> "two, changed" ; <{ex}q> 2 . }}\n'
            f'<{ex}c> {{ <{ex}s> <{ex}r> [ <{ex}p> "blank" ] . }}\n'
        )
    (folder / "data.trig").write_text(text, encoding="utf-8")
    return folder


def _state(endpoint: remote.Endpoint, graphs: set[str], mode: str) -> tuple:
    """What the server holds in the graphs of either version (blank nodes named alike), in
    the default graph readers see (the server's with ``union``, ``urn:x-kg:default`` with
    ``named``), and its publication record."""
    held = _published_quads(endpoint, graphs)
    normal = Counter()
    for line, n in held.items():
        normal[" ".join("_:b" if p.startswith("_:") else p for p in line.split(" "))] += n
    far = remote.RemoteStore(endpoint)
    try:
        record = sorted(publishing._previous_graphs(far))
        union = Counter()
        if mode != "none":
            pattern = (
                "?s ?p ?o"
                if mode == "union"
                else f"GRAPH <{publishing.DEFAULT_GRAPH}> {{ ?s ?p ?o }}"
            )
            for r in far.query(f"SELECT ?s ?p ?o WHERE {{ {pattern} }}"):
                terms = ["_:b" if str(t).startswith("_:") else str(t) for t in r]
                union[" ".join(terms)] += 1
    finally:
        far.close()
    return normal, union, record


def _fault_injection(endpoint_of, target: str, tmp_path: Path, *, default_graph: str) -> dict:
    """Publish v1, then for N = 1, 2, …: fail the N-th request of a publish of the other
    version, check the server holds exactly the last good publication, publish the other
    version successfully. Stops when a publish has fewer than N requests."""
    versions = [_tiny(tmp_path / "v1", 1), _tiny(tmp_path / "v2", 2)]
    graphs = set()
    for v in versions:
        graphs |= {g.value for g in open_dataset([v]).store.named_graphs()}
    proxy = FaultProxy(target)
    try:
        endpoint = endpoint_of(proxy)
        publishing.publish(
            [versions[0]], endpoint=endpoint, default_graph=default_graph, validate=False
        )
        default = default_graph
        good = {0: _state(endpoint, graphs, default)}
        current = 0
        proxy.reset()
        publishing.publish(
            [versions[1]], endpoint=endpoint, default_graph=default_graph, validate=False
        )
        requests = proxy.count
        good[1] = _state(endpoint, graphs, default)
        current = 1
        assert good[0] != good[1]
        swap = next(
            n for n, (_, _, body) in enumerate(proxy.seen, 1) if SWAP_MARK in _form_text(body)
        )
        injected = lost = recovered = 0
        # request N answered 503 (odd N) or its connection closed (even N), never forwarded;
        # then the swap carried out with its answer lost
        plan = [(n, "status" if n % 2 else "close") for n in range(1, requests + 1)]
        plan.append((swap, "lose"))
        for n, mode in plan:
            other = 1 - current
            proxy.reset(fail_at=n, mode=mode)
            try:
                publishing.publish(
                    [versions[other]],
                    endpoint=endpoint,
                    default_graph=default_graph,
                    validate=False,
                )
            except EndpointError:
                failed = True
            else:  # kg retried an idle connection or its lock's release, or proved its swap
                failed = False
                body = _form_text(proxy.seen[n - 1][2])
                release = f"GRAPH <{publishing.LOCK_GRAPH}>" in body and "INSERT" not in body
                # asked again: the lock's release and the (read-only) proof after the swap
                again = release or body.startswith("query=")
                assert mode != "status" or again, f"a 503 to request {n} went unnoticed"
            assert proxy.failed, f"request {n} of {requests} was never made"
            injected += 1
            what = _form_text(proxy.seen[n - 1][2])[:120] if len(proxy.seen) >= n else ""
            proxy.reset()
            if not failed:  # then it is the new publication, whole
                recovered += 1
                assert _state(endpoint, graphs, default) == good[other], f"{mode} at {n}"
                current = other
                continue
            if _state(endpoint, graphs, default) != good[current]:
                lost += 1
                print(f"lost: {mode} at request {n} ({what})")
            publishing.publish(
                [versions[other]], endpoint=endpoint, default_graph=default_graph, validate=False
            )
            assert _state(endpoint, graphs, default) == good[other], f"publish after {n}"
            current = other
        assert recovered < injected
        return {
            "requests per publish": requests,
            "failures injected": injected,
            "recovered": recovered,
            "publications lost": lost,
        }
    finally:
        proxy.close()


def test_no_failed_request_loses_the_publication_on_virtuoso(virtuoso_server, tmp_path, capsys):
    def endpoint_of(proxy):
        return remote.endpoint_for(
            proxy.url("/sparql"),
            update=proxy.url("/sparql"),
            graph_store=proxy.url("/sparql-graph-crud"),
            timeout=30,
        )

    report = _fault_injection(endpoint_of, virtuoso_server.base, tmp_path, default_graph="named")
    with capsys.disabled():
        print(f"\nfault injection, Virtuoso: {report}")
    assert report["failures injected"] >= 8
    assert report["publications lost"] == 0


def test_no_failed_request_loses_the_publication_on_oxigraph(tmp_path, capsys):
    with oxigraph(tmp_path / "db") as base:

        def endpoint_of(proxy):
            return remote.endpoint_for(proxy.url("/query"), timeout=30)

        report = _fault_injection(endpoint_of, base, tmp_path, default_graph="union")
    with capsys.disabled():
        print(f"\nfault injection, Oxigraph: {report}")
    assert report["failures injected"] >= 8
    assert report["publications lost"] == 0
