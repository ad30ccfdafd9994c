"""Scopes and sources (kg.load.scope): a fact two passages state sits in both passage graphs
and counts once; "which passages state this?" and the entity pages list both; a plain query
reads the documents, the external data only when asked; inference agrees within each scope;
canned answers carry the quote of each passage."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import http_request
from pyoxigraph import DefaultGraph, NamedNode

from kg.cli import main
from kg.errors import InputError
from kg.load import files as graph
from kg.load import open_dataset, scope
from kg.load import store as persistent
from kg.load.documents import Documents
from kg.namespaces import EXTERNAL_GRAPH, GRAPH, ID, INFERRED_GRAPH, PASSAGE
from kg.server import ld
from kg.sparql import catalogue, results
from kg.sparql import prepare as sparql

DOCUMENT = (
    "Xaland borders Ybland. Xaland and Ybland share a border, says the second passage. "
    "Nothing else."
)
SHA = hashlib.sha256(DOCUMENT.encode("utf-8")).hexdigest()


def _fixture_trig() -> str:
    first = (0, 22)
    second = (23, 83)
    return f"""
@prefix kg: <https://w3id.org/digital-policy-kg/ontology#> .
@prefix id: <https://w3id.org/digital-policy-kg/id/> .
@prefix psg: <https://w3id.org/digital-policy-kg/passage/> .
@prefix src: <https://w3id.org/digital-policy-kg/source/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix prov: <http://www.w3.org/ns/prov#> .

src:doc-test {{
    src:doc-test a kg:SourceDocument ; kg:fileName "scope-test.txt" ; kg:sha256 "{SHA}" .
    src:profile-xa a kg:Profile ; rdfs:label "Xaland profile"@en ; kg:profileOf id:XA .
    id:XA a kg:Country ; rdfs:label "Xaland"@en .
    id:XB a kg:Country ; rdfs:label "Ybland"@en .
}}
psg:xa-one {{
    psg:xa-one a kg:Passage ; kg:inDocument src:doc-test ; kg:inProfile src:profile-xa ;
        kg:startOffset {first[0]} ; kg:endOffset {first[1]} .
    id:XA kg:sharesBorderWith id:XB .
}}
psg:xa-two {{
    psg:xa-two a kg:Passage ; kg:inDocument src:doc-test ; kg:inProfile src:profile-xa ;
        kg:startOffset {second[0]} ; kg:endOffset {second[1]} .
    id:XA kg:sharesBorderWith id:XB .
}}
<https://w3id.org/digital-policy-kg/graph/external/test> {{
    <https://w3id.org/digital-policy-kg/graph/external/test> dcterms:title "a test source" ;
        prov:wasDerivedFrom <http://example.org/source> .
    id:XA kg:capital id:xa-city ; kg:sharesLandBorderWith id:XC ;
        kg:sharesBorderWith id:XB .
    id:xa-city rdfs:label "Xa City"@en .
}}
"""


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    (data / "scope.trig").write_text(_fixture_trig(), encoding="utf-8")
    documents = tmp_path / "documents"
    documents.mkdir()
    (documents / "scope-test.txt").write_text(DOCUMENT, encoding="utf-8")
    monkeypatch.setenv("KG_DOCUMENTS", str(documents))
    monkeypatch.setenv("KG_CACHE", "off")
    return data


@pytest.fixture
def store(folder: Path):
    return open_dataset([folder]).store


def _select(store, text: str, scope_name: str = scope.DOCUMENTS) -> list[dict[str, str]]:
    result = sparql.execute(store, sparql.prepare(text), scope=scope_name)
    return [
        {v.value: s[v].value for v in result.raw.variables if s[v] is not None}
        for s in result.raw  # type: ignore[union-attr]
    ]


def _count(store, text: str, scope_name: str = scope.DOCUMENTS) -> int:
    return int(_select(store, text, scope_name)[0]["n"])


BORDERS = "SELECT (COUNT(*) AS ?n) WHERE { id:XA kg:sharesBorderWith id:XB }"


def test_a_fact_two_passages_state_is_in_both_graphs_and_counts_once(store) -> None:
    # the bag the engine's own union gives (oxigraph#1919): what the query graphs avoid
    bag = store.query(BORDERS, use_default_graph_as_union=True, prefixes={"id": ID, **_kg()})
    assert int(next(iter(bag))["n"].value) >= 3  # two passages and the external source
    assert _count(store, BORDERS) == 1
    assert _count(store, BORDERS, scope.ALL) == 1
    # the whole default graph is a set: no triple counted twice in either scope
    for name in scope.SCOPES:
        everything = _count(store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", name)
        distinct = _count(
            store,
            "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }",
            name,
        )
        assert everything == distinct, name


def _kg() -> dict[str, str]:
    from kg.namespaces import PREFIXES

    return {"kg": PREFIXES["kg"]}


def test_which_passages_state_it_lists_every_one(store) -> None:
    rows = _select(
        store,
        "SELECT ?g WHERE { GRAPH ?g { id:XA kg:sharesBorderWith id:XB } ?g a kg:Passage }",
    )
    assert sorted(r["g"] for r in rows) == [PASSAGE + "xa-one", PASSAGE + "xa-two"]
    # CQ15: the canned query lists both, each with its quote
    answer = catalogue.run_canned(store, "list-sources-by-resource", {"resource": "id:XB"})
    got = {
        (s["passage"].value, s["quote"].value if s["quote"] is not None else None)
        for s in answer.raw  # type: ignore[union-attr]
    }
    assert got == {
        (PASSAGE + "xa-one", DOCUMENT[0:22]),
        (PASSAGE + "xa-two", DOCUMENT[23:83]),
    }


def test_the_entity_page_lists_every_source(store) -> None:
    page = ld.describe(store, ID + "XA", ld.Labels(store), Documents())
    assert page is not None
    by_number = {s.number: s for s in page.sources}
    border = next(s for s in page.statements if s.value.value == ID + "XB")
    graphs = {by_number[n].graph for n in border.sources}
    assert graphs == {PASSAGE + "xa-one", PASSAGE + "xa-two", EXTERNAL_GRAPH + "test"}
    # the query graphs are the source of nothing
    assert all(s.kind != "default" for s in page.sources)
    assert scope.EXTERNAL_UNION_GRAPH.value not in {s.graph for s in page.sources}
    texts = {s.graph: s.text for s in page.sources if s.kind == "passage"}
    assert texts[PASSAGE + "xa-two"] == DOCUMENT[23:83]
    # and the RDF description keeps each statement in its own graph, never the default graph
    quads = ld.description_quads(store, ID + "XA", 1000)
    assert quads is not None
    assert not [q for q in quads if scope.is_query_graph(q.graph_name)]


def test_documents_first_external_facts_only_when_asked(store) -> None:
    capital = "SELECT ?c WHERE { id:XA kg:capital ?c }"
    assert _select(store, capital) == []
    assert _select(store, capital, scope.ALL) == [{"c": ID + "xa-city"}]
    # GRAPH still names the external graph in either scope: its answer says where it is from
    rows = _select(store, "SELECT ?g WHERE { GRAPH ?g { id:XA kg:capital ?c } }")
    assert {r["g"] for r in rows} >= {EXTERNAL_GRAPH + "test"}


def test_inverse_and_subproperty_answers_agree_within_each_scope(store) -> None:
    forward = "SELECT ?c WHERE { id:XA kg:capital ?c }"
    inverse = "SELECT ?c WHERE { ?c kg:capitalOf id:XA }"
    wide = "SELECT ?c WHERE { id:XA kg:sharesBorderWith ?c }"
    narrow = "SELECT ?c WHERE { id:XA kg:sharesLandBorderWith ?c }"
    for name in scope.SCOPES:
        assert _select(store, forward, name) == _select(store, inverse, name), name
        borders = {r["c"] for r in _select(store, wide, name)}
        land = {r["c"] for r in _select(store, narrow, name)}
        assert borders >= land, name
    assert {r["c"] for r in _select(store, wide, scope.ALL)} == {ID + "XB", ID + "XC"}
    assert {r["c"] for r in _select(store, wide)} == {ID + "XB"}
    # what the external facts entail sits in its own inferred graph, described as such
    rows = _select(store, "SELECT ?g WHERE { GRAPH ?g { id:xa-city kg:capitalOf id:XA } }")
    inferred = INFERRED_GRAPH + "/external/inverse/kg:capital/kg:capitalOf"
    # not the derived graph:union/external: GRAPH sees the graphs that state something
    assert {r["g"] for r in rows} == {inferred}


def test_graph_sees_the_graphs_an_export_and_a_publication_hold(store, folder: Path) -> None:
    """The derived graphs are consistent between a local query, an export and a publication
    (issue 20): GRAPH ?g lists exactly the graphs that state something — those TriG exports
    (with the inferred graphs) and kg publish uploads (tests/test_remote.py) — in both
    scopes, never graph:union/external."""
    listed = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    stating = {g.value for g in scope.source_graphs(store)}
    exported = CliRunner().invoke(
        main, ["export", str(folder), "--format", "nquads", "--with-inferred", "--include-ontology"]
    )
    assert exported.exit_code == 0, exported.output
    graphs_exported = {line.rsplit(" ", 2)[-2][1:-1] for line in exported.stdout.splitlines()}
    for name in scope.SCOPES:
        rows = {r["g"] for r in _select(store, listed, name)}
        assert rows == stating == graphs_exported, name
        assert scope.EXTERNAL_UNION_GRAPH.value not in rows
    assert store.contains_named_graph(scope.EXTERNAL_UNION_GRAPH)  # it is there, for the scope
    sparql_all = CliRunner().invoke(
        main, ["sparql", "-d", str(folder), "--with-external", "--format", "csv", listed]
    )
    assert scope.EXTERNAL_UNION_GRAPH.value not in sparql_all.stdout


def test_the_repository_agrees_with_itself_in_each_scope() -> None:
    s = open_dataset().store
    for name in scope.SCOPES:
        forward = _select(s, "SELECT ?x WHERE { id:FR kg:capital ?x }", name)
        inverse = _select(s, "SELECT ?x WHERE { ?x kg:capitalOf id:FR }", name)
        assert forward == inverse, name
        borders = {
            r["c"] for r in _select(s, "SELECT ?c WHERE { id:DE kg:sharesBorderWith ?c }", name)
        }
        land = {
            r["c"] for r in _select(s, "SELECT ?c WHERE { id:DE kg:sharesLandBorderWith ?c }", name)
        }
        assert borders >= land, name
    # the documents never state France's capital: only the external scope has it
    assert _select(s, "SELECT ?x WHERE { id:FR kg:capital ?x }") == []
    assert _select(s, "SELECT ?x WHERE { id:FR kg:capital ?x }", scope.ALL) == [{"x": ID + "paris"}]


def test_the_persistent_store_is_built_with_the_query_graphs(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path / "cache"))
    result = persistent.build([folder])
    opened = persistent.open_persistent([folder], build=False)
    assert opened is not None
    try:
        disk = opened.store
        assert next(iter(disk.quads_for_pattern(None, None, None, DefaultGraph())), None)
        assert _count(disk, BORDERS) == 1 and _count(disk, BORDERS, scope.ALL) == 1
        assert result.graphs == len(scope.source_graphs(disk))  # the query graphs not counted
        assert _select(disk, "SELECT ?c WHERE { id:XA kg:capital ?c }") == []
    finally:
        opened.close()


def test_the_cli_reads_the_documents_unless_asked(folder: Path) -> None:
    runner = CliRunner()
    args = ["sparql", "-d", str(folder), "--format", "csv"]
    plain = runner.invoke(main, [*args, "SELECT ?c WHERE { id:XA kg:capital ?c }"])
    assert plain.exit_code == 0 and plain.stdout_bytes == b"c\r\n"
    wide = runner.invoke(
        main, [*args, "--with-external", "SELECT ?c WHERE { id:XA kg:capital ?c }"]
    )
    assert wide.exit_code == 0 and wide.stdout_bytes == f"c\r\n{ID}xa-city\r\n".encode()
    counted = runner.invoke(main, [*args, BORDERS])
    assert counted.stdout_bytes == b"n\r\n1\r\n"
    refused = runner.invoke(
        main, ["sparql", "--endpoint", "http://127.0.0.1:9/sparql", "--with-external", "ASK {}"]
    )
    assert refused.exit_code == 2 and "--with-external" in refused.output


def test_the_endpoint_reads_the_documents_and_sparql_all_everything(store, serve_store) -> None:
    server = serve_store(store)
    query = "SELECT ?c WHERE { id:XA kg:capital ?c }"
    from urllib.parse import urlencode

    for path, expected in (
        ("/sparql", b"c\r\n"),
        ("/sparql/all", f"c\r\n{ID}xa-city\r\n".encode()),
    ):
        status, _, body = http_request(
            server.url + path + "?" + urlencode({"query": query, "format": "csv"})
        )
        assert status == 200 and body == expected, path
    status, _, body = http_request(
        server.url + "/sparql?" + urlencode({"query": BORDERS, "format": "csv"})
    )
    assert body == b"n\r\n1\r\n"


def test_the_scope_header_of_canned_queries(tmp_path: Path) -> None:
    needs = {q.name for q in catalogue.load_catalogue().values() if q.scope == scope.ALL}
    assert needs == {"list-capitals", "list-eu-relations", "list-external-identifiers"}
    bad = tmp_path / "list-things.rq"
    bad.write_text("#+ summary: x\n#+ scope: everything\nSELECT * WHERE { ?s ?p ?o }\n")
    with pytest.raises(InputError, match=r"list-things.rq:2: scope must be one of"):
        catalogue.load_query(bad)
    assert catalogue.widest(scope.DOCUMENTS, None) == scope.DOCUMENTS
    assert catalogue.widest(scope.DOCUMENTS, scope.ALL) == scope.ALL
    assert catalogue.widest(scope.ALL, scope.DOCUMENTS) == scope.ALL


def test_external_capitals_are_labelled_in_their_canned_query() -> None:
    result = catalogue.run_canned(open_dataset().store, "list-capitals")
    rows = {s["countryLabel"].value: s for s in result.raw}  # type: ignore[union-attr]
    assert rows["France"]["capitalLabel"].value == "Paris"  # the label comes from GeoNames


# --- quotes ------------------------------------------------------------------------------------


SEEDS = Path("/work/shared/seeds")


@pytest.fixture
def seeds(monkeypatch: pytest.MonkeyPatch) -> Path:
    from kg import resources

    folder = resources.documents_dir()
    if folder is None or not folder.is_dir():
        folder = SEEDS
    if not folder.is_dir():
        pytest.skip("the source document is not on this machine")
    monkeypatch.setenv("KG_DOCUMENTS", str(folder))
    return folder


def test_canned_answers_quote_each_passage(seeds: Path) -> None:
    s = open_dataset().store
    result = catalogue.run_canned(s, "list-participants-by-forum", {"forum": "EuroDIG"})
    assert result.variables[result.variables.index("passage") + 1] == "quote"
    text = next(seeds.glob("*.txt")).read_text(encoding="utf-8")
    rows = list(result.raw)  # type: ignore[arg-type]
    assert rows
    for row in rows:
        start, end = int(row["start"].value), int(row["end"].value)
        assert row["quote"].value == text[start:end]
    # CSV and JSON carry the quote whole; the table cuts it short
    again = catalogue.run_canned(s, "list-participants-by-forum", {"forum": "EuroDIG"})
    data = json.loads(results.serialize(again, "json"))
    quotes = [b["quote"]["value"] for b in data["results"]["bindings"]]
    assert sorted(quotes) == sorted(r["quote"].value for r in rows)
    table = results.serialize(
        catalogue.run_canned(s, "list-participants-by-forum", {"forum": "EuroDIG"}),
        "table",
        width=400,
    ).decode()
    assert "…" in table and max(quotes, key=len) not in table


def test_no_document_no_quote(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KG_DOCUMENTS", str(tmp_path))  # an empty folder
    result = catalogue.run_canned(open_dataset().store, "list-participants-by-forum")
    rows = list(result.raw)  # type: ignore[arg-type]
    assert rows and all(r["quote"] is None for r in rows)
    assert "quote" in result.variables


@pytest.mark.parametrize(
    "text",
    [
        "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
        "SELECT ?g WHERE { VALUES ?g { <%s> } GRAPH ?g { ?s ?p ?o } }",
        "SELECT ?s (COUNT(*) AS ?n) WHERE { ?s a kg:Country . GRAPH $g { ?s ?p ?o } } GROUP BY ?s",
        "SELECT ?g ?h WHERE { GRAPH ?g { ?s kg:capital ?c } OPTIONAL { GRAPH ?h { ?c ?q ?x } } }",
        "SELECT ?s WHERE { ?s ?p ?o FILTER EXISTS { GRAPH ?g { ?s ?p ?o } "
        "FILTER(sameTerm(?g, <%s>)) } }",
        "ASK { GRAPH ?g { ?s ?p ?o } GRAPH ?h { ?o ?q ?x } }",
        "ASK { GRAPH ?g { GRAPH ?h { ?s ?p ?o } } }",  # nested: the list
    ],
)
def test_graph_patterns_are_filtered_as_the_named_graph_list_would(
    store, text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GRAPH is kept off graph:union/external by a filter on its variable, which Oxigraph
    # evaluates in one pass; the explicit list of the other graphs (the fallback, evaluated
    # graph by graph) is the reference: every answer the same, in both scopes
    if "%s" in text:
        text = text.replace("%s", scope.EXTERNAL_UNION_GRAPH.value)
    nested = "GRAPH ?g { GRAPH" in text
    assert (sparql._graphs_without_union(text) is None) == nested
    for name in scope.SCOPES:
        filtered = sparql.execute(store, sparql.prepare(text), scope=name)
        got = results.serialize(filtered, "csv")
        monkeypatch.setattr(sparql, "_graphs_without_union", lambda text: None)
        listed = results.serialize(sparql.execute(store, sparql.prepare(text), scope=name), "csv")
        monkeypatch.undo()
        assert sorted(got.splitlines()) == sorted(listed.splitlines()), name
        assert scope.EXTERNAL_UNION_GRAPH.value.encode() not in got


def test_a_changed_document_is_never_quoted(folder: Path, tmp_path: Path) -> None:
    (tmp_path / "documents" / "scope-test.txt").write_text(DOCUMENT + " edited", "utf-8")
    store = open_dataset([folder]).store
    answer = catalogue.run_canned(store, "list-sources-by-resource", {"resource": "id:XB"})
    assert [s["quote"] for s in answer.raw] == [None, None]  # type: ignore[union-attr]


def test_loading_leaves_the_default_graph_to_the_query_graphs(folder: Path) -> None:
    # the loader never writes the default graph: that is what tells the query graphs are due
    dataset = graph.load([folder])
    assert (
        next(iter(dataset.store.quads_for_pattern(None, None, None, DefaultGraph())), None) is None
    )
    assert not scope.is_ready(dataset.store)
    scope.ensure(dataset.store)
    assert scope.is_ready(dataset.store)
    assert scope.is_query_graph(DefaultGraph()) and scope.is_query_graph(scope.EXTERNAL_UNION_GRAPH)
    assert not scope.is_query_graph(NamedNode(PASSAGE + "xa-one"))
    # linksets are external; the dataset's own VoID description (beside them) is not
    assert scope.is_external_graph(GRAPH + "links/wikidata")
    assert not scope.is_external_graph(GRAPH + "links/void")


def test_a_query_while_the_query_graphs_are_computed_waits_for_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The ordering forced: thread A computes the query graphs of a store loaded in memory and
    # is held after the default graph is filled, before the external union. Thread B then
    # asks an all-scope question with a label. B must not read the half-computed graphs (it
    # found the store "ready" and answered without the external capital), nor compute them
    # again under A (its clear emptied the default graph: "no kg:Country is labelled ...").
    # `waiting` is set when B is blocked on the computation or done: either way A goes on.
    import threading

    waiting = threading.Event()

    class Watched:
        """The module's lock, telling when another thread has to wait for it."""

        def __init__(self) -> None:
            self.lock = threading.Lock()

        def locked(self) -> bool:
            return self.lock.locked()

        def __enter__(self) -> None:
            if not self.lock.acquire(blocking=False):
                waiting.set()
                self.lock.acquire()

        def __exit__(self, *exc: object) -> None:
            self.lock.release()

    def ask(store: object) -> str:
        answer = catalogue.run_canned(store, "list-capitals", {"country": "Poland"})  # type: ignore[arg-type]
        return results.serialize(answer, "csv").decode("utf-8")

    expected = ask(open_dataset().store)
    assert ",external," in expected, expected  # Poland's capital, from GeoNames

    store = open_dataset().store
    assert not scope.is_ready(store)
    got: dict[str, object] = {}

    def reader() -> None:
        try:
            got["rows"] = ask(store)
        except Exception as error:  # the answer is checked below, in the test's thread
            got["error"] = error
        finally:
            waiting.set()

    b = threading.Thread(target=reader)
    fill = scope.fill_external_union

    def held(s: object) -> None:
        b.start()
        assert waiting.wait(60), "thread B neither answered nor waited"
        fill(s)  # type: ignore[arg-type]

    monkeypatch.setattr(scope, "_MATERIALISING", Watched())
    monkeypatch.setattr(scope, "fill_external_union", held)
    a = threading.Thread(target=scope.ensure, args=(store,))
    a.start()
    a.join(120)
    b.join(120)
    assert "error" not in got, got.get("error")
    assert got["rows"] == expected
