"""External SPARQL stores, against a real Oxigraph server on a loopback port: publish keeps the
named graphs and equals the local dataset, canned queries answer the same remotely (on a server
whose default graph is not the union), a publish that fails halfway leaves the previous graphs,
hung and dead servers are reported within the timeout, HTTP errors are shown, and parameter
values never change the query sent."""

from __future__ import annotations

import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import bench_gen
from pyoxigraph import (
    CanonicalizationAlgorithm,
    Dataset,
    DefaultGraph,
    Literal,
    NamedNode,
    Quad,
    QueryResultsFormat,
    Store,
    Variable,
    parse_query_results,
)

from kg import publish as publishing
from kg.cli import main
from kg.errors import DoesNotConform, EndpointError, InputError
from kg.load import open_dataset
from kg.load import scope as scopes
from kg.namespaces import PREFIXES
from kg.sparql import catalogue as query
from kg.sparql import remote, results
from kg.sparql.lexer import STRING, lex

OXIGRAPH = shutil.which("oxigraph")
pytestmark = pytest.mark.skipif(OXIGRAPH is None, reason="oxigraph server not installed")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``oxigraph serve`` on a free loopback port, with a store folder that outlives restarts."""

    def __init__(self, location: Path) -> None:
        self.location = location
        self.port = _free_port()
        self.process: subprocess.Popen | None = None

    @property
    def bind(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/query"

    def start(self) -> Server:
        self.process = subprocess.Popen(
            [
                OXIGRAPH,
                "serve",
                "--location",
                str(self.location),
                "--bind",
                f"127.0.0.1:{self.port}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(self.url + "?query=ASK%7B%7D", timeout=1):
                    return self
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("oxigraph serve did not start") from None
                time.sleep(0.05)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = Server(tmp_path_factory.mktemp("oxigraph") / "db").start()
    yield srv
    srv.stop()


@pytest.fixture
def own_server(tmp_path):
    """A server of its own, for tests that kill it."""
    srv = Server(tmp_path / "db").start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("remote-data") / "v1"
    bench_gen().generate("3k", out, seed=3)
    return out


@pytest.fixture(scope="module")
def data_v2(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("remote-data") / "v2"
    bench_gen().generate("4k", out, seed=4)
    return out


@pytest.fixture(autouse=True)
def _no_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path / "cache"))


def _endpoint(srv: Server, **options) -> remote.Endpoint:
    return remote.endpoint_for(srv.url, **options)


def _canonical(quads) -> set[str]:
    ds = Dataset(quads)
    ds.canonicalize(CanonicalizationAlgorithm.RDFC_1_0)
    return {str(q) for q in ds}


def _server_quads(srv: Server) -> set[str]:
    rows = remote.RemoteStore(_endpoint(srv)).query(
        "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } "
        f"FILTER(?g != <{publishing.PUBLICATION_GRAPH}>) }}"
    )
    return _canonical(Quad(r["s"], r["p"], r["o"], r["g"]) for r in rows)


def _server_default(srv: Server) -> set[str]:
    rows = remote.RemoteStore(_endpoint(srv)).query("SELECT ?s ?p ?o WHERE { ?s ?p ?o }")
    return _canonical(Quad(r["s"], r["p"], r["o"], DefaultGraph()) for r in rows)


def _local_quads(paths) -> set[str]:
    return _canonical(open_dataset(paths).store)


def _graphs(srv: Server) -> set[str]:
    return {g.value for g in remote.RemoteStore(_endpoint(srv)).named_graphs()}


def test_the_server_default_graph_is_not_the_union(own_server):
    rs = remote.RemoteStore(_endpoint(own_server))
    rs.update(
        "INSERT DATA { GRAPH <http://example.org/g> { <http://example.org/s> "
        "<http://example.org/p> 1 } }"
    )
    assert not bool(rs.query("ASK { <http://example.org/s> ?p ?o }"))
    assert bool(rs.query("ASK { GRAPH ?g { <http://example.org/s> ?p ?o } }"))


def test_published_dataset_equals_the_local_one(server, data):
    report = publishing.publish([data], endpoint=_endpoint(server))
    local = open_dataset([data]).store
    assert report.graphs == sum(1 for _ in local.named_graphs())
    assert _server_quads(server) == _canonical(local)
    # the default graph holds the union of the named graphs (a set)
    union = _canonical(Quad(q.subject, q.predicate, q.object, DefaultGraph()) for q in local)
    assert _server_default(server) == union
    assert not any(g.startswith(publishing.STAGING_PREFIX) for g in _graphs(server))


def test_canned_queries_answer_the_same_remotely(server, data):
    publishing.publish([data], endpoint=_endpoint(server))
    local = open_dataset([data]).store
    far = remote.RemoteStore(_endpoint(server))
    params = json.loads((data / "params.json").read_text())
    compared = 0
    for canned in query.load_catalogue().values():
        values = params.get(canned.name, {})
        if any(
            p.default is not None and p.name not in values and p.type == "entity"
            for p in canned.params
        ):
            continue  # its default names an entity of the real data, not of this data
        here = results.serialize(query.run_canned(local, canned, values), "csv")
        there = results.serialize(query.run_canned(far, canned, values), "csv")
        # ORDER BY leaves ties in whatever order a store keeps them: compare the rows as sets
        assert there.split(b"\r\n")[0] == here.split(b"\r\n")[0], canned.name
        assert sorted(there.split(b"\r\n")) == sorted(here.split(b"\r\n")), canned.name
        compared += here.count(b"\n") > 1
    assert compared >= 10  # queries with rows on this data (some need the real data)


def test_kg_query_endpoint_resolves_labels_on_the_server(server, data):
    publishing.publish([data], endpoint=_endpoint(server))
    runner = CliRunner()
    args = ["query", "list-strategies-by-country", "-p", "country=Synthland AB", "--format", "csv"]
    there = runner.invoke(main, [*args, "--endpoint", server.url])
    here = runner.invoke(main, [*args, "-d", str(data)])
    assert there.exit_code == 0, there.output
    assert there.output == here.output and there.output.count("\n") > 2
    unknown = runner.invoke(main, [*args[:3], "country=Atlantis", "--endpoint", server.url])
    assert unknown.exit_code == 2 and "no kg:Country is labelled 'Atlantis'" in unknown.output


def test_kg_sparql_endpoint(server, data):
    publishing.publish([data], endpoint=_endpoint(server))
    runner = CliRunner()
    text = "SELECT (COUNT(*) AS ?n) WHERE { ?c a kg:Country }"
    there = runner.invoke(main, ["sparql", text, "--format", "csv", "--endpoint", server.url])
    here = runner.invoke(main, ["sparql", text, "--format", "csv", "-d", str(data)])
    assert there.exit_code == 0, there.output
    assert there.output == here.output
    graph = runner.invoke(
        main,
        [
            "sparql",
            "CONSTRUCT WHERE { ?c a kg:Country }",
            "--format",
            "ntriples",
            "--endpoint",
            server.url,
        ],
    )
    assert graph.exit_code == 0 and graph.output.count("\n") == int(here.output.split()[-1])
    refused = runner.invoke(main, ["sparql", "DROP ALL", "--endpoint", server.url])
    assert refused.exit_code == 2 and "refused" in refused.output


def test_a_rejected_graph_leaves_the_previous_publication(server, data, data_v2, monkeypatch):
    publishing.publish([data], endpoint=_endpoint(server))
    before, before_default = _server_quads(server), _server_default(server)
    sent = []
    real = remote.RemoteStore.post_quads

    def reject_second(self, body):
        sent.append(len(body))
        if len(sent) == 2:
            body = body + b"this is not N-Quads .\n"
        return real(self, body)

    monkeypatch.setattr(publishing, "CHUNK_BYTES", 64 * 1024)
    monkeypatch.setattr(remote.RemoteStore, "post_quads", reject_second)
    with pytest.raises(EndpointError, match=r"HTTP 400"):
        publishing.publish([data_v2], endpoint=_endpoint(server), upload="quads")
    assert len(sent) == 2
    assert _server_quads(server) == before
    assert _server_default(server) == before_default
    assert not any(g.startswith(publishing.STAGING_PREFIX) for g in _graphs(server))


def test_a_failure_in_graph_by_graph_upload_leaves_the_previous_publication(server, data, data_v2):
    publishing.publish([data], endpoint=_endpoint(server), upload="graphs")
    before = _server_quads(server)

    def fail(n, _name):
        if n == 5:
            raise EndpointError("injected failure")

    with pytest.raises(EndpointError, match="injected"):
        publishing.publish([data_v2], endpoint=_endpoint(server), upload="graphs", upload_hook=fail)
    assert _server_quads(server) == before
    assert not any(g.startswith(publishing.STAGING_PREFIX) for g in _graphs(server))


def test_a_server_that_dies_halfway_keeps_its_previous_graphs(own_server, data, data_v2):
    publishing.publish([data], endpoint=_endpoint(own_server))
    before, before_default = _server_quads(own_server), _server_default(own_server)

    def die(n, _name):
        if n == 20:
            own_server.kill()

    with pytest.raises(EndpointError, match=r"connection refused|closed the connection"):
        publishing.publish(
            [data_v2], endpoint=_endpoint(own_server, timeout=5), upload="graphs", upload_hook=die
        )
    own_server.start()
    assert {
        q
        for q in _server_quads(own_server)
        if publishing.STAGING_PREFIX not in q and f"<{publishing.LOCK_GRAPH}>" not in q
    } == before
    assert _server_default(own_server) == before_default
    # the dead publish's lock refuses the next one until its lease ends (or it is dropped)
    with pytest.raises(publishing.Locked, match="another publish is running"):
        publishing.publish([data_v2], endpoint=_endpoint(own_server))
    far = remote.RemoteStore(_endpoint(own_server))
    far.update(f"DROP GRAPH <{publishing.LOCK_GRAPH}>")
    far.close()
    # the next publish removes the leftovers and succeeds
    publishing.publish([data_v2], endpoint=_endpoint(own_server))
    assert _server_quads(own_server) == _local_quads([data_v2])
    assert not any(g.startswith(publishing.STAGING_PREFIX) for g in _graphs(own_server))


def test_republishing_drops_graphs_no_longer_in_the_data(own_server, data, data_v2):
    publishing.publish([data], endpoint=_endpoint(own_server))
    report = publishing.publish([data_v2], endpoint=_endpoint(own_server))
    assert report.dropped > 0
    assert _server_quads(own_server) == _local_quads([data_v2])


def test_publish_refuses_data_that_does_not_conform(own_server, data, tmp_path):
    publishing.publish([data], endpoint=_endpoint(own_server))
    before = _server_quads(own_server)
    broken = tmp_path / "broken"
    shutil.copytree(data, broken)
    target = broken / "country-AB.trig"
    target.write_text(target.read_text().replace("kg:jurisdiction id:AB ;", "", 1))
    with pytest.raises(DoesNotConform):
        publishing.publish([broken], endpoint=_endpoint(own_server))
    result = CliRunner().invoke(main, ["publish", str(broken), "--endpoint", own_server.url])
    assert result.exit_code == 1 and "does not conform" in result.output
    assert _server_quads(own_server) == before


def test_kg_publish_cli_is_quiet_in_a_pipe(own_server, data):
    child = subprocess.run(
        [
            sys.executable,
            "-c",
            "from kg.cli import main; main()",
            "publish",
            str(data),
            "--endpoint",
            own_server.url,
        ],
        capture_output=True,
        timeout=300,
        env={**os.environ, "CI": ""},
    )
    assert child.returncode == 0, child.stderr
    assert child.stderr == b""
    assert child.stdout.startswith(b"published ")


# --- failures of the server ----------------------------------------------------------------


@pytest.fixture
def hung_server():
    """Accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/query"
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    listener.close()


def test_a_hung_server_is_reported_within_the_timeout(hung_server):
    """The server accepts and never answers: only the client's time limit ends the wait, and
    the message says it was that limit (no wall-clock budget is asserted: a busy machine)."""
    result = CliRunner().invoke(
        main, ["sparql", "ASK {}", "--endpoint", hung_server, "--timeout", "1"]
    )
    assert result.exit_code == 2
    assert "no answer within 1 s" in result.output


def test_a_dead_server_is_reported_at_once():
    url = f"http://127.0.0.1:{_free_port()}/query"
    result = CliRunner().invoke(main, ["query", "list-ai-strategies", "--endpoint", url])
    assert result.exit_code == 2
    assert "connection refused" in result.output  # not a wait for the time limit
    assert "Traceback" not in result.output


def test_a_hung_server_during_publish_is_reported(hung_server, data):
    with pytest.raises(EndpointError, match="no answer within 1 s"):
        publishing.publish([data], endpoint=remote.endpoint_for(hung_server, timeout=1))


class _ErrorHandler(http.server.BaseHTTPRequestHandler):
    status = 500
    body = b"<html><body><h1>Internal error</h1><p>database is locked</p></body></html>"
    content_type = "text/html"

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.server.requests.append(self.rfile.read(length))
        self.send_response(self.status)
        self.send_header("Content-Type", self.content_type)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_server():
    """A tiny HTTP server whose answer each test sets; it records the request bodies."""

    def start(status=500, body=b"", content_type="text/plain"):
        handler = type(
            "Handler",
            (_ErrorHandler,),
            {"status": status, "body": body, "content_type": content_type},
        )
        srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        srv.requests = []
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        started.append(srv)
        return srv, f"http://127.0.0.1:{srv.server_address[1]}/query"

    started = []
    yield start
    for srv in started:
        srv.shutdown()
        srv.server_close()


def test_http_errors_are_shown_with_status_and_message(fake_server):
    _, url = fake_server(
        500,
        b"<html><body><h1>Internal error</h1><p>database is locked</p></body></html>",
        "text/html",
    )
    result = CliRunner().invoke(main, ["sparql", "ASK {}", "--endpoint", url])
    assert result.exit_code == 2
    assert "HTTP 500" in result.output and "database is locked" in result.output
    assert "<p>" not in result.output


def test_a_server_syntax_error_is_shown(server):
    with pytest.raises(EndpointError, match=r"HTTP 400.*"):
        remote.RemoteStore(_endpoint(server)).query("SELECT * WHERE { ?s ?p }")


def test_an_answer_that_is_not_sparql_results_is_an_error(fake_server):
    _, url = fake_server(200, b"<html>hello</html>", "text/html")
    with pytest.raises(EndpointError, match="not SPARQL JSON results"):
        remote.RemoteStore(remote.endpoint_for(url)).query("SELECT * WHERE { ?s ?p ?o }")


# --- parameters: values never change the query ---------------------------------------------

HOSTILE = [
    'x" } UNION { ?s ?p ?o } #',
    "x' } UNION { ?s ?p ?o }",
    "line\nbreak\r\n} SELECT * {",
    'back\\slash\\" } ; DROP ALL',
    "\\u0022 } UNION { ?s ?p ?o }",
    "}}}}{{{{ >>><<< ''' \"\"\"",
    "tab\there \x01 \u2028 é 😀",
]


@pytest.fixture
def string_query(tmp_path):
    folder = tmp_path / "queries"
    folder.mkdir()
    (folder / "echo-value.rq").write_text(
        "#+ summary: Echo a string parameter\n"
        "#+ params:\n"
        "#+   value: string = x ; anything\n"
        "SELECT ?value ?n WHERE {\n"
        "  OPTIONAL { ?s <http://example.org/never> ?value }\n"
        "  BIND(STRLEN(?value) AS ?n)\n"
        "}\n",
        encoding="utf-8",
    )
    return folder


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_parameters_do_not_change_the_remote_query(value, string_query, fake_server):
    empty = json.dumps({"head": {"vars": ["value", "n"]}, "results": {"bindings": []}})
    srv, url = fake_server(200, empty.encode(), "application/sparql-results+json")
    far = remote.RemoteStore(remote.endpoint_for(url))
    canned = query.find_query("echo-value", string_query)
    query.run_canned(far, canned, {"value": value})
    (sent,) = srv.requests
    # queries go form-encoded (the one way every server takes: Virtuoso never answers a POST
    # of application/sparql-query), so the query is the form's one field
    form = urllib.parse.parse_qs(sent.decode("ascii"), strict_parsing=True)
    assert list(form) == ["query"] and len(form["query"]) == 1
    sent_text = form["query"][0]
    original = [(t.kind, t.text) for t in lex(canned.text).tokens]
    tokens = [(t.kind, t.text) for t in lex(sent_text).tokens]
    # the query's own tokens, in order, with exactly one VALUES block holding one string
    block_start = tokens.index(("WORD", "VALUES"))
    block = tokens[block_start : block_start + 9]
    assert [k for k, _ in block] == [
        "WORD",
        "PUNCT",
        "VAR",
        "PUNCT",
        "PUNCT",
        "PUNCT",
        STRING,
        "PUNCT",
        "PUNCT",
    ]
    rest = tokens[:block_start] + tokens[block_start + 9 :]
    assert rest[-len(original) :] == original
    # and the engine reads the string back as exactly the value given
    store = Store()
    rows = list(store.query(sent_text))
    assert [r["value"] for r in rows] == [Literal(value)]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_parameters_reach_a_real_server_as_one_literal(value, string_query, server):
    far = remote.RemoteStore(_endpoint(server))
    canned = query.find_query("echo-value", string_query)
    rows = list(query.run_canned(far, canned, {"value": value}).raw)
    assert [(r["value"], r["n"].value) for r in rows] == [(Literal(value), str(len(value)))]


def test_terms_that_cannot_be_written_safely_are_refused():
    assert remote.sparql_term(NamedNode("http://example.org/a")) == "<http://example.org/a>"
    with pytest.raises((InputError, ValueError)):  # the engine refuses such a tag already
        remote.sparql_term(Literal("x", language="en} UNION {"))
    from pyoxigraph import BlankNode

    with pytest.raises(InputError):
        remote.sparql_term(BlankNode())
    block = remote.values_block(
        {"year": Literal("2021", datatype=NamedNode("http://www.w3.org/2001/XMLSchema#gYear"))}
    )
    assert block == 'VALUES (?year) { ("2021"^^<http://www.w3.org/2001/XMLSchema#gYear>) }'
    with pytest.raises(InputError):
        remote.values_block({"a b": Literal("x")})


def test_values_go_into_the_where_group_of_each_query_form():
    lit = {Variable("v"): Literal("a")}
    assert remote.bind_values("SELECT ?v WHERE { ?s ?p ?v }", lit).startswith(
        'SELECT ?v WHERE { VALUES (?v) { ("a") }'
    )
    construct = remote.bind_values("CONSTRUCT { ?s ?p ?v } WHERE { ?s ?p ?v }", lit)
    assert construct.startswith('CONSTRUCT { ?s ?p ?v } WHERE { VALUES (?v) { ("a") }')
    assert remote.bind_values("ASK { ?s ?p ?v }", lit).startswith('ASK { VALUES (?v) { ("a") }')
    prefixed = remote.bind_values("PREFIX ex: <http://e/>\nSELECT * { ?s ex:p ?v }", lit)
    assert 'SELECT * { VALUES (?v) { ("a") }' in prefixed


def test_remote_results_parse_like_local_ones():
    body = json.dumps(
        {
            "head": {"vars": ["a"]},
            "results": {"bindings": [{"a": {"type": "literal", "value": "1"}}]},
        }
    ).encode()
    assert [r["a"] for r in parse_query_results(body, format=QueryResultsFormat.JSON)] == [
        Literal("1")
    ]


def test_a_server_that_does_not_speak_http_is_an_error_not_a_traceback():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def answer():
        conn, _ = listener.accept()
        conn.recv(65536)
        conn.sendall(b"SSH-2.0-OpenSSH\r\n\r\n")
        conn.close()

    threading.Thread(target=answer, daemon=True).start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/query"
    result = CliRunner().invoke(main, ["sparql", "ASK {}", "--endpoint", url, "--timeout", "5"])
    listener.close()
    assert result.exit_code == 2
    assert "not a valid HTTP answer" in result.output and "Traceback" not in result.output


def test_the_remote_default_graph_is_the_documents_union_a_set(own_server, tmp_path):
    """A fact two passages state (and an external source too) is published in all three
    graphs and counted once in the server's default graph, which holds the documents' union
    (kg.load.scope): the external facts stay in their graphs, reachable with GRAPH, and in the
    external union graph."""
    from test_scope import BORDERS, _fixture_trig

    folder = tmp_path / "scoped"
    folder.mkdir()
    (folder / "scope.trig").write_text(_fixture_trig(), encoding="utf-8")
    publishing.publish([folder], endpoint=_endpoint(own_server), validate=False)
    far = remote.RemoteStore(_endpoint(own_server))
    assert int(next(iter(far.query(BORDERS, prefixes=PREFIXES)))["n"].value) == 1
    stating = "SELECT ?g WHERE { GRAPH ?g { id:XA kg:sharesBorderWith id:XB } }"
    graphs = list(far.query(stating, prefixes=PREFIXES))
    assert len({r["g"].value for r in graphs}) == 3  # two passages and the external source
    assert not list(far.query("SELECT ?c WHERE { id:XA kg:capital ?c }", prefixes=PREFIXES))
    named = "SELECT ?c WHERE { GRAPH ?g { id:XA kg:capital ?c } }"
    assert list(far.query(named, prefixes=PREFIXES))
    # the external union is published (a `scope: all` query adds it to its default graph:
    # publish.md) and holds only what the documents lack: not the border, but the capital
    assert scopes.EXTERNAL_UNION_GRAPH.value in _graphs(own_server)
    union = f"GRAPH <{scopes.EXTERNAL_UNION_GRAPH.value}>"
    border = f"SELECT * WHERE {{ {union} {{ id:XA kg:sharesBorderWith id:XB }} }}"
    assert not list(far.query(border, prefixes=PREFIXES))
    capital = f"SELECT ?c WHERE {{ {union} {{ id:XA kg:capital ?c }} }}"
    assert list(far.query(capital, prefixes=PREFIXES))


# --- ASK answers in every shape ---------------------------------------------------------------

ASK_TABLE_TRUE = (
    b'{"head":{"vars":["__ASK_RETVAL"]},"results":{"bindings":'
    b'[{"__ASK_RETVAL":{"type":"literal","value":"1"}}]}}'
)
ASK_TABLE_FALSE = b'{"head":{"vars":["__ASK_RETVAL"]},"results":{"bindings":[]}}'
ASK_XML_TABLE = (
    b'<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>'
    b'<variable name="__ask_retval"/></head><results><result>'
    b'<binding name="__ask_retval"><literal datatype="http://www.w3.org/2001/XMLSchema#integer">'
    b"1</literal></binding></result></results></sparql>"
)


@pytest.mark.parametrize(
    ("body", "media", "expected"),
    [
        (b'{"head":{},"boolean":true}', "application/sparql-results+json", True),
        (b'{ "head": { "link": [] }, "boolean": false}', "application/sparql-results+json", False),
        (
            b'<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head></head>'
            b"<boolean>true</boolean></sparql>",
            "application/sparql-results+xml",
            True,
        ),
        (ASK_TABLE_TRUE, "application/sparql-results+json", True),
        (ASK_TABLE_FALSE, "application/sparql-results+json", False),  # issue 18's answer
        (ASK_XML_TABLE, "application/sparql-results+xml", True),
        (b'{"head":{"vars":["x"]},"results":{"bindings":[{}]}}', "application/json", None),
        (b"<html>yes</html>", "text/html", None),
        (b"true", "text/plain", None),
    ],
)
def test_ask_answers_are_read_in_every_shape(body, media, expected):
    assert results.ask_answer(body, media) is expected


@pytest.mark.parametrize("fmt", ["table", "csv", "tsv", "json", "xml"])
@pytest.mark.parametrize(("body", "word"), [(ASK_TABLE_TRUE, "true"), (ASK_TABLE_FALSE, "false")])
def test_kg_sparql_prints_a_virtuoso_ask_table_as_true_or_false(fake_server, fmt, body, word):
    _, url = fake_server(200, body, "application/sparql-results+json")
    there = CliRunner().invoke(main, ["sparql", "ASK {}", "--format", fmt, "--endpoint", url])
    assert there.exit_code == 0, there.output
    assert word in there.output and "__ASK_RETVAL" not in there.output


def test_an_ask_answered_with_a_table_of_something_else_is_an_error(fake_server):
    """Read by truthiness, any table was "true": the false success of issue 18."""
    _, url = fake_server(
        200, b'{"head":{"vars":["x"]},"results":{"bindings":[]}}', "application/json"
    )
    result = CliRunner().invoke(main, ["sparql", "ASK {}", "--endpoint", url])
    assert result.exit_code == 2
    assert "the answer to an ASK query is not a boolean" in result.output
