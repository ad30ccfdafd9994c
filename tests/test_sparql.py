"""Ad-hoc SPARQL (kg.sparql.prepare, kg.sparql.lexer, `kg sparql`): what is refused and why, precise
syntax errors, the W3C syntax suite, execution on the union of graphs, and SERVICE reaching a
real (local) endpoint only when allowed.

The SERVICE refusal is checked against the engine itself: a query to ``http://127.0.0.1:1/``
makes Oxigraph fail with "port 1 is not allowed" exactly when it tries the call, so every
query the engine would send out must be one that ``prepare`` refuses.
"""

from __future__ import annotations

import itertools
import json
import random
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pyoxigraph
import pytest
from click.testing import CliRunner
from conftest import CONFORMANCE, TEST_DATA

from kg import cli
from kg.cli import base
from kg.cli import sparql as cli_sparql
from kg.errors import EndpointError, InputError, QueryRefused, QuerySyntaxError
from kg.load import files as graph
from kg.sparql import prepare as sparql
from kg.sparql.lexer import IRI, PNAME, STRING, VAR, WORD, lex, tokenize

FIXTURE = TEST_DATA / "query-fixture.trig"
SYNTAX_QUERY = CONFORMANCE / "sparql" / "sparql11" / "syntax-query"
KG = "https://w3id.org/digital-policy-kg/"


@pytest.fixture(scope="module")
def store() -> pyoxigraph.Store:
    return graph.load([FIXTURE], ontology=False).store


@pytest.fixture
def fixture_store(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the commands run on the fixture dataset instead of the repository's data."""
    monkeypatch.setattr(base, "open_store", lambda *_: graph.load([FIXTURE], ontology=False).store)


def run(args: list[str], stdin: bytes | None = None):
    return CliRunner().invoke(cli.main, args, input=stdin)


# --- tokenizer ------------------------------------------------------------------------------


def test_tokenizer_reads_terminals_of_each_kind() -> None:
    text = (
        'PREFIX ex: <http://ex/#> SELECT ?s $o WHERE { ?s ex:p\\.q \'a\' , "b\\"" , '
        "'''c\n''' , \"\"\"d\"\"\"@en-GB , 1.5e3 , _:b1 } # SERVICE"
    )
    kinds = [(t.kind, t.text) for t in tokenize(text)]
    assert kinds == [
        (WORD, "PREFIX"),
        (PNAME, "ex:"),
        (IRI, "<http://ex/#>"),
        (WORD, "SELECT"),
        (VAR, "?s"),
        (VAR, "$o"),
        (WORD, "WHERE"),
        ("PUNCT", "{"),
        (VAR, "?s"),
        (PNAME, "ex:p\\.q"),
        (STRING, "'a'"),
        ("PUNCT", ","),
        (STRING, '"b\\""'),
        ("PUNCT", ","),
        (STRING, "'''c\n'''"),
        ("PUNCT", ","),
        (STRING, '"""d"""'),
        ("LANGTAG", "@en-GB"),
        ("PUNCT", ","),
        ("NUMBER", "1.5e3"),
        ("PUNCT", ","),
        ("BNODE", "_:b1"),
        ("PUNCT", "}"),
    ]


def test_less_than_is_an_operator_where_no_iri_can_be_read() -> None:
    tokens = tokenize("FILTER(?a < ?b && ?c<=3)")
    assert [t.text for t in tokens] == ["FILTER", "(", "?a", "<", "?b", "&&", "?c", "<=", "3", ")"]


def test_ambiguous_less_than_is_read_both_ways() -> None:
    # A longest-match lexer reads <2)SERVICE:x#> as one IRI; the engine reads less-than.
    lexed = lex("SELECT * { ?s ?p ?o FILTER(?one<2)SERVICE:x#>\n{} }")
    assert any(t.kind == IRI and "SERVICE" in t.text for t in lexed.tokens)
    assert any(t.kind == PNAME and t.text == "SERVICE:x" for t in lexed.alternatives)


def test_positions_are_one_based_lines_and_columns() -> None:
    lexed = lex("SELECT *\r\nWHERE {\n  ?s ?p ?o }")
    assert lexed.position(0) == (1, 1)
    assert lexed.position(10) == (2, 1)
    assert lexed.position(20) == (3, 3)
    assert lexed.offset(3, 3) == 20


# --- SERVICE --------------------------------------------------------------------------------

NOT_SERVICE = [
    'SELECT * WHERE { ?s ?p "SERVICE <http://127.0.0.1:1/> { }" }',
    "SELECT * WHERE { ?s ?p 'SERVICE' }",
    "SELECT * WHERE { ?s ?p '''multi\nSERVICE <http://x/> {}\n''' }",
    'SELECT * WHERE { ?s ?p """a "quoted" SERVICE""" }',
    'SELECT * WHERE { ?s ?p "escaped \\" SERVICE <http://x/> {} \\"" }',
    "PREFIX ex: <http://example.org/> SELECT * WHERE { ?s ex:SERVICE ?o }",
    "SELECT ?service WHERE { ?service ?p ?o }",
    "SELECT $service WHERE { $service ?p ?o }",
    "SELECT * WHERE { ?s ?p ?o } # SERVICE <http://127.0.0.1:1/> { }",
    "SELECT * WHERE { ?s <http://example.org/SERVICE> ?o }",
    "PREFIX svc: <http://example.org/service#> SELECT * WHERE { ?s svc:p ?o }",
    "SELECT * WHERE { ?s ?p ?o FILTER(?o IN (<http://ex/service#a>, <http://ex/b#c>)) }",
    "SELECT * WHERE { ?s ?p ?o FILTER(?o < <http://ex.org/service#x>) }",
    'SELECT * WHERE { ?s ?p "x"@en } ORDER BY (STR(?o) < "SERVICE")',
]


@pytest.mark.parametrize("text", NOT_SERVICE)
def test_the_word_service_elsewhere_is_not_refused(text: str) -> None:
    assert sparql.prepare(text).form == "SELECT"


SERVICE = [
    "SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }",
    "select * where { service <http://127.0.0.1:1/> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE SILENT <http://127.0.0.1:1/> { ?s ?p ?o } }",
    "SELECT * WHERE { ?x ?y ?z OPTIONAL { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } } }",
    "ASK { FILTER EXISTS { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } } }",
    "SELECT * WHERE { { SELECT ?s WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } } } }",
    "CONSTRUCT WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }",
    "SELECT * WHERE { ?x ?y ?z # comment\nSERVICE ?endpoint { ?s ?p ?o } }",
    # The engine reads keywords without a word boundary.
    "PREFIX : <http://127.0.0.1:1/> SELECT * WHERE { SERVICE:x { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICESILENT <http://127.0.0.1:1/> { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p ?o }SERVICE<http://127.0.0.1:1/>{}",
    # Less-than read as an IRI by a longest-match lexer, hiding what follows.
    "PREFIX : <http://127.0.0.1:1/>\nSELECT * WHERE { ?s ?p ?o BIND(1 AS ?one) "
    "FILTER(?one<2)SERVICE:x#>\n{?s ?p ?o} }",
    "SELECT * WHERE { ?s ?p ?o BIND(1 AS ?one) FILTER(?one<2*'>')"
    " SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } #'\n}",
    'SELECT * WHERE { ?s ?p ?o BIND(1 AS ?one) FILTER(?one<2)#>"""\n'
    'SERVICE <http://127.0.0.1:1/> {?s ?p ?o}\n#"""\n}',
]


@pytest.mark.parametrize("text", SERVICE)
def test_service_is_refused_unless_allowed(text: str) -> None:
    with pytest.raises(QueryRefused, match="SERVICE is refused"):
        sparql.prepare(text)


def test_service_refusal_names_line_and_column() -> None:
    with pytest.raises(QueryRefused) as caught:
        sparql.prepare("SELECT *\nWHERE {\n  SERVICE <http://x/> { ?s ?p ?o } }")
    assert str(caught.value).startswith("line 3, column 3: SERVICE is refused")


def _engine_calls_service(engine: pyoxigraph.Store, text: str) -> bool:
    """True when Oxigraph tried to call http://127.0.0.1:1/ (it refuses port 1 with an
    OSError before connecting, so nothing leaves the machine)."""
    try:
        result = engine.query(text, use_default_graph_as_union=True)
        if not isinstance(result, pyoxigraph.QueryBoolean):
            list(result)
    except OSError as error:
        return "port 1 " in str(error)
    except (SyntaxError, RuntimeError, ValueError):
        return False
    return False


@pytest.fixture(scope="module")
def engine() -> pyoxigraph.Store:
    store = pyoxigraph.Store()
    store.add(
        pyoxigraph.Quad(
            pyoxigraph.NamedNode("http://ex/a"),
            pyoxigraph.NamedNode("http://ex/p"),
            pyoxigraph.NamedNode("http://ex/b"),
        )
    )
    return store


def _service_variants() -> list[str]:
    """Queries that may hide a SERVICE call behind the tricks a lexer can get wrong (a fixed
    sample of all the combinations; the engine tells which of them are valid and call out)."""
    before = [
        "",
        ".",
        "FILTER(?one<2)",
        "FILTER(?one<2)#>\n",
        "FILTER(?one<2*'>')",
        "FILTER(?one<=2)#>'''\n",
        "OPTIONAL{?s ?p ?o}",
        "FILTER(?one<2&&true)",
        "BIND(?one<2 AS ?lt)",
        "FILTER(?one<2)#'\n",
        "FILTER(COALESCE(true<2,true))",
        "FILTER(COALESCE(false<?one,true))",
        # Triples ending right before the keyword.
        "?s ?p :o.",
        "?s ?p :o.SERVICE",
        "?s ?p :o;:p :o.",
        "?s ?p 1.",
        "?s ?p 1.0.",
        "?s ?p true.",
        "?s ?p 'x'.",
        "?s ?p 'x'@en.",
        "?s ?p _:b.",
        "?s ?p (1).",
        "?s ?p [].",
        "{}",
    ]
    keyword = ["SERVICE", "service", "SeRvIcE"]
    gap = ["", " ", "\n", "\t", " #x\n", "#>\n", "#'\n"]
    target = ["<http://127.0.0.1:1/>", ":x"]
    after = ["", "#>\n", "#'\n", '#"""\n', "#'''\n"]
    queries = []
    combinations = list(itertools.product(before, keyword, gap, target, gap, after))
    for parts in random.Random(7).sample(combinations, 15000):
        b, k, g1, t, g2, a = parts
        body = f"{b}{k}{g1}{t}{g2}{{?s ?p ?o}}{a}"
        queries.append(
            f"PREFIX : <http://127.0.0.1:1/>\nSELECT * WHERE {{ ?s ?p ?o BIND(1 AS ?one) {body} }}"
        )
    return queries


def test_every_query_that_makes_the_engine_call_out_is_refused(engine: pyoxigraph.Store) -> None:
    called = 0
    for text in _service_variants():
        if _engine_calls_service(engine, text):
            called += 1
            with pytest.raises(QueryRefused):
                sparql.prepare(text)
    assert called > 500  # the variants really exercise the engine's SERVICE


def test_random_token_soup_never_slips_a_service_call_past(engine: pyoxigraph.Store) -> None:
    atoms = [")", "#", "'", "'''", '"', '"""', "2", "SERVICE", ":x", "\n", " ", "{?s ?p ?o}"]
    atoms += [">", "<", "?one", "*", "(", "}", "{", "<http://127.0.0.1:1/>", ".", "SERVICE:x"]
    rng = random.Random(20240611)
    called = 0
    for _ in range(20000):
        start = rng.choice(["FILTER(?one<", "FILTER(", "", "BIND(?one<"])
        body = start + "".join(rng.choice(atoms) for _ in range(rng.randint(2, 10)))
        text = (
            f"PREFIX : <http://127.0.0.1:1/>\nSELECT * WHERE {{ ?s ?p ?o BIND(1 AS ?one) {body} }}"
        )
        if _engine_calls_service(engine, text):
            called += 1
            with pytest.raises(QueryRefused):
                sparql.prepare(text)
    assert called > 0


def test_codepoint_escape_outside_strings_is_not_a_keyword(engine: pyoxigraph.Store) -> None:
    text = "SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }"
    assert not _engine_calls_service(engine, text)
    with pytest.raises(QuerySyntaxError):
        sparql.prepare(text)


# --- updates, LOAD, FROM ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "keyword"),
    [
        ("INSERT DATA { <http://a> <http://b> <http://c> }", "INSERT"),
        ("DELETE WHERE { ?s ?p ?o }", "DELETE"),
        (
            "PREFIX ex: <http://ex/>\ndelete { ?s ?p ?o } insert { ?s ?p 1 } where { ?s ?p ?o }",
            "DELETE",
        ),
        ("CLEAR ALL", "CLEAR"),
        ("DROP GRAPH <http://ex/g>", "DROP"),
        ("CREATE GRAPH <http://ex/g>", "CREATE"),
        ("WITH <http://ex/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "WITH"),
        ("COPY <http://ex/a> TO <http://ex/b>", "COPY"),
    ],
)
def test_updates_are_refused(text: str, keyword: str) -> None:
    with pytest.raises(QueryRefused, match=f"SPARQL Update \\({keyword}\\) is refused"):
        sparql.prepare(text)


def test_load_is_refused() -> None:
    with pytest.raises(QueryRefused, match="line 2, column 1: LOAD is refused"):
        sparql.prepare("PREFIX ex: <http://ex/>\nLOAD <file:///etc/passwd> INTO GRAPH ex:g")


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }",
        "SELECT * FROM <https://example.org/data.ttl> WHERE { ?s ?p ?o }",
        "SELECT * FROM NAMED <http://127.0.0.1:8080/x.ttl> WHERE { GRAPH ?g { ?s ?p ?o } }",
        "SELECT * FROM graph:fixture-terms FROM <data.ttl> WHERE { ?s ?p ?o }",
        "DESCRIBE ?s FROM <file:data.ttl> WHERE { ?s ?p ?o }",
    ],
)
def test_from_on_files_or_urls_is_refused(text: str, store: pyoxigraph.Store) -> None:
    graphs = {g.value for g in store.named_graphs()}
    with pytest.raises(QueryRefused, match="names no graph of the dataset"):
        sparql.prepare(text, known_graphs=graphs)
    prepared = sparql.prepare(text)  # deferred: execute checks against its store
    with pytest.raises(QueryRefused, match="names no graph of the dataset"):
        sparql.execute(store, prepared)


def test_from_written_without_spaces_is_refused() -> None:
    with pytest.raises(QueryRefused, match="reads as FROM"):
        sparql.prepare("PREFIX : <http://ex/> SELECT * FROM:g WHERE { ?s ?p ?o }")


def test_from_naming_one_of_our_graphs_selects_it(store: pyoxigraph.Store) -> None:
    text = "SELECT DISTINCT ?s FROM graph:fixture-terms WHERE { ?s ?p ?o } ORDER BY ?s"
    prepared = sparql.prepare(text, known_graphs=lambda: {g.value for g in store.named_graphs()})
    rows = [r["s"].value for r in sparql.execute(store, prepared).raw]
    assert rows == [
        f"{KG}ontology#{c}" for c in ("Country", "Forum", "Initiative", "Participation", "Strategy")
    ]


def test_from_named_and_relative_graph_iris(store: pyoxigraph.Store) -> None:
    # Relative IRIs resolve against the graph's base IRI, like <graph/fixture-terms>.
    text = "SELECT DISTINCT ?g FROM NAMED <graph/fixture-terms> WHERE { GRAPH ?g { ?s ?p ?o } }"
    rows = [r["g"].value for r in sparql.execute(store, sparql.prepare(text)).raw]
    assert rows == [f"{KG}graph/fixture-terms"]


def test_from_inside_a_string_is_not_a_dataset_clause(store: pyoxigraph.Store) -> None:
    prepared = sparql.prepare('SELECT ?x WHERE { BIND("FROM <file:///etc/passwd>" AS ?x) }')
    assert prepared.dataset == ()
    assert [r["x"].value for r in sparql.execute(store, prepared).raw] == [
        "FROM <file:///etc/passwd>"
    ]


# --- syntax errors --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ('SELECT * WHERE {\n  ?s ?p "open\n}', 2, 9, "unterminated string"),
        ("SELECT * WHERE { ?s nope:p ?o }", 1, 21, "unknown prefix 'nope:'"),
        ("SELECT * WHERE {\n ?s ?p ?o )\n}", 2, 11, "unexpected ')'"),
        ("SELECT * WHERE { ?s ?p ?o ", 1, 27, "is never closed"),
        ("PREFIX 1: <http://ex/>\nASK {}", 1, 8, "PREFIX must be followed by a prefix name"),
        # Positions the engine gives (the furthest point its parser reached).
        ("SELECT ?x WHERE { ?x ?y }", 1, 26, "the parser could continue here with"),
        ("SELECT * WHERE { ?s ?p ?o } LIMT 5", 1, 35, "HAVING"),
        ("SELECT (1 AS ?X) (1 AS ?X) {}", 1, 30, "Duplicated variable name in SELECT"),
    ],
)
def test_malformed_query_gives_line_and_column(
    text: str, line: int, column: int, message: str
) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        sparql.prepare(text)
    assert (caught.value.line, caught.value.column) == (line, column)
    assert message in caught.value.detail
    assert str(caught.value).startswith(f"malformed query: line {line}, column {column}: ")


def test_engine_message_is_made_readable() -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        sparql.prepare("SELECT * WHERE { ?s ?p ?o FILTER(?o = ) }")
    detail = caught.value.detail
    assert detail.startswith("syntax error; the parser could continue here with ")
    assert "[" not in detail and "\n" not in detail


def test_empty_query_is_a_syntax_error() -> None:
    with pytest.raises(QuerySyntaxError, match="empty"):
        sparql.prepare("  \n")


def _manifest_tests(kind: str) -> list[Path]:
    rdflib = pytest.importorskip("rdflib")
    manifest = SYNTAX_QUERY / "manifest.ttl"
    g = rdflib.Graph().parse(manifest)
    mf = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
    files = [
        Path(str(g.value(t, mf.action)).removeprefix("file://"))
        for t in g.subjects(rdflib.RDF.type, mf[kind])
    ]
    return sorted(SYNTAX_QUERY / f.name for f in files)


NEGATIVE = _manifest_tests("NegativeSyntaxTest11") if SYNTAX_QUERY.is_dir() else []
POSITIVE = _manifest_tests("PositiveSyntaxTest11") if SYNTAX_QUERY.is_dir() else []


def test_the_manifest_lists_31_negative_and_63_positive_tests() -> None:
    assert (len(NEGATIVE), len(POSITIVE)) == (31, 63)


@pytest.mark.parametrize("path", NEGATIVE, ids=lambda p: p.name)
def test_w3c_negative_syntax_test_exits_2_with_a_position(path: Path, fixture_store: None) -> None:
    result = run(["sparql", "-f", str(path)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("kg: error: malformed query: line ")
    assert ", column " in result.stderr.splitlines()[0]


# Positive tests that kg does not run, each for a stated reason.
POSITIVE_NOT_RUN = {
    # FROM <file>: a relative IRI (our base + "file") naming no graph of the dataset.
    "syntax-construct-where-02.rq": (QueryRefused, "names no graph of the dataset"),
    # Calls the custom function <http://example/function>, which Oxigraph does not have.
    "syntax-select-expr-04.rq": (QueryRefused, "is not supported"),
}


@pytest.mark.parametrize("path", POSITIVE, ids=lambda p: p.name)
def test_w3c_positive_syntax_test_is_accepted(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    if path.name in POSITIVE_NOT_RUN:
        error, message = POSITIVE_NOT_RUN[path.name]
        with pytest.raises(error, match=message):
            sparql.prepare(text, known_graphs=())
        return
    prepared = sparql.prepare(text, known_graphs=())
    assert prepared.form in sparql.FORMS
    assert not prepared.uses_service


# --- execution ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "form", "kind"),
    [
        ("SELECT ?s WHERE { ?s a kg:Country }", "SELECT", "solutions"),
        ("ASK { id:DE a kg:Country }", "ASK", "boolean"),
        ("CONSTRUCT WHERE { id:DE a ?c }", "CONSTRUCT", "graph"),
        ("DESCRIBE id:DE", "DESCRIBE", "graph"),
        ("PREFIX x: <http://x/>\n# comment\nselect*{?s ?p ?o}", "SELECT", "solutions"),
    ],
)
def test_forms_are_recognised(text: str, form: str, kind: str, store: pyoxigraph.Store) -> None:
    prepared = sparql.prepare(text)
    assert prepared.form == form
    assert sparql.execute(store, prepared).kind == kind


def test_default_graph_is_the_union_of_all_graphs(store: pyoxigraph.Store) -> None:
    # id:DE's type and its participation are in two different named graphs.
    text = (
        "SELECT ?forum WHERE { ?c a kg:Country ; rdfs:label 'Germany'@en . "
        "?p kg:participant ?c ; kg:initiative ?forum }"
    )
    rows = [r["forum"].value for r in sparql.execute(store, sparql.prepare(text)).raw]
    assert rows == [f"{KG}id/eurodig"]


def test_query_text_reaches_the_engine_unchanged(store: pyoxigraph.Store) -> None:
    text = "SELECT ?s WHERE { ?s a kg:Forum } # trailing comment"
    assert sparql.prepare(text).text is text


# --- the command ----------------------------------------------------------------------------


def test_cli_runs_a_query_from_argument_file_and_stdin(tmp_path: Path, fixture_store: None) -> None:
    text = "SELECT ?c WHERE { ?c a kg:Country ; kg:population ?n } ORDER BY DESC(?n) LIMIT 2"
    expected = "c\r\nhttps://w3id.org/digital-policy-kg/id/DE\r\nhttps://w3id.org/digital-policy-kg/id/FR\r\n"
    query_file = tmp_path / "q.rq"
    query_file.write_text(text, encoding="utf-8")
    for args, stdin in (
        (["sparql", text], None),
        (["sparql", "-f", str(query_file)], None),
        (["sparql", "-"], text.encode()),
        (["sparql", "-f", "-"], text.encode()),
    ):
        result = run([*args, "--format", "csv"], stdin)
        assert result.exit_code == 0, result.stderr
        assert result.stdout_bytes.decode() == expected


def test_cli_graph_results_default_to_turtle(fixture_store: None) -> None:
    result = run(["sparql", "CONSTRUCT WHERE { id:FR a ?c }"])
    assert result.exit_code == 0
    assert "id:FR a kg:Country ." in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sparql"], "no query"),
        (["sparql", "ASK {}", "-f", "x.rq"], "not both"),
        (["sparql", "-f", "/nonexistent/q.rq"], "cannot read"),
        (["sparql", "ASK {}", "--format", "turtle"], "does not fit ASK results"),
        (
            ["sparql", "CONSTRUCT WHERE { ?s ?p ?o }", "--format", "csv"],
            "does not fit graph results",
        ),
        (
            ["sparql", "INSERT DATA { <http://a> <http://b> <http://c> }"],
            "SPARQL Update (INSERT) is refused",
        ),
        (
            ["sparql", "SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }"],
            "SERVICE is refused",
        ),
        (["sparql", "SELECT * WHERE { ?s ?p ?o"], "malformed query: line 1, column 26"),
    ],
)
def test_cli_errors_exit_2_without_traceback(
    args: list[str], message: str, fixture_store: None
) -> None:
    result = run(args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_rejects_a_file_that_is_not_utf8(tmp_path: Path, fixture_store: None) -> None:
    bad = tmp_path / "latin1.rq"
    bad.write_bytes("SELECT * WHERE { ?s ?p 'caf\xe9' }".encode("latin-1"))
    result = run(["sparql", "-f", str(bad)])
    assert result.exit_code == 2
    assert "not UTF-8" in result.stderr


def test_syntax_error_is_reported_before_the_dataset_is_loaded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_store() -> None:
        raise AssertionError("the dataset must not be loaded for a malformed query")

    monkeypatch.setattr(base, "open_store", no_store)
    result = run(["sparql", "SELECT * WHERE { ?s ?p ?o "])
    assert result.exit_code == 2


# --- SERVICE, when allowed, reaches a real endpoint -------------------------------------------


class _Endpoint(BaseHTTPRequestHandler):
    """A minimal SPARQL endpoint on loopback: answers every query with one fixed row."""

    requests: ClassVar[list[str]] = []

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace") if length else self.path
        type(self).requests.append(body)
        payload = {
            "head": {"vars": ["s"]},
            "results": {
                "bindings": [{"s": {"type": "uri", "value": "http://remote.example/thing"}}]
            },
        }
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = _answer
    do_POST = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def endpoint():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Endpoint)
    _Endpoint.requests = []
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/sparql"
    server.shutdown()
    server.server_close()
    thread.join()


def test_allow_service_lets_the_engine_call_the_endpoint(
    endpoint: str, fixture_store: None
) -> None:
    text = f"SELECT ?s WHERE {{ SERVICE <{endpoint}> {{ ?s ?p ?o }} }}"
    refused = run(["sparql", text])
    assert refused.exit_code == 2
    assert _Endpoint.requests == []
    result = run(["sparql", "--allow-service", text, "--format", "csv"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout_bytes == b"s\r\nhttp://remote.example/thing\r\n"
    assert len(_Endpoint.requests) == 1


@pytest.mark.parametrize("form", ["ASK", "SELECT *", "CONSTRUCT { ?s ?p ?o }"])
def test_checking_a_service_query_does_not_call_the_endpoint(
    form: str, endpoint: str, store: pyoxigraph.Store
) -> None:
    from kg.sparql import results

    prepared = sparql.prepare(
        f"{form} WHERE {{ SERVICE <{endpoint}> {{ ?s ?p ?o }} }}", allow_service=True
    )
    assert _Endpoint.requests == []
    fmt = "turtle" if form.startswith("CONSTRUCT") else "json"
    results.serialize(sparql.execute(store, prepared), fmt)
    assert len(_Endpoint.requests) == 1


def test_malformed_service_query_is_reported_when_it_runs(
    endpoint: str, store: pyoxigraph.Store
) -> None:
    prepared = sparql.prepare(
        f"SELECT * WHERE {{ SERVICE <{endpoint}> {{ ?s ?p }} }}", allow_service=True
    )
    with pytest.raises(QuerySyntaxError) as caught:
        sparql.execute(store, prepared)
    assert caught.value.line == 1
    assert _Endpoint.requests == []


def test_unreachable_service_is_an_endpoint_error(store: pyoxigraph.Store) -> None:
    from kg.sparql import results

    prepared = sparql.prepare(
        "SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }", allow_service=True
    )
    with pytest.raises(EndpointError, match="SERVICE call failed"):
        results.serialize(sparql.execute(store, prepared), "csv")


def test_input_error_for_missing_query_source() -> None:
    with pytest.raises(InputError):
        cli_sparql.read_query(None, None)
