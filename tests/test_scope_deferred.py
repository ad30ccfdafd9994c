"""An in-memory store whose query graphs are deferred (kg.load.scope.defer) answers as the
store with the copy does: SELECT DISTINCT and ASK on the union of the graphs in place, the
first query that could tell a bag from a set after the copy is made."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import bench_gen
from pyoxigraph import DefaultGraph
from test_scope import _fixture_trig

from kg.export import writers as export
from kg.load import open_dataset, scope
from kg.sparql import catalogue, multiplicity, results
from kg.sparql import prepare as sparql


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SELECT DISTINCT ?s WHERE { ?s ?p ?o }", True),
        ("select distinct ?s where { ?s ?p ?o } order by ?s limit 5 offset 2", True),
        ("ASK { ?s ?p ?o }", True),
        ("PREFIX ex: <http://e/> BASE <http://b/> SELECT DISTINCT ?s { ?s ex:p ?o }", True),
        ("SELECT DISTINCT ?s { { SELECT ?s { ?s ?p ?o } } OPTIONAL { ?s ?q ?r } }", True),
        ("SELECT DISTINCT ?s { ?s ?p ?o FILTER NOT EXISTS { ?s a ?t } MINUS { ?s ?x ?y } }", True),
        # the words inside strings, IRIs, prefixed names and variables are not the keywords
        ('SELECT DISTINCT ?count { ?s <http://e/COUNT> ?count ; ex:sum "GROUP BY" }', True),
        ("SELECT ?s WHERE { ?s ?p ?o }", False),
        ("SELECT REDUCED ?s WHERE { ?s ?p ?o }", False),
        ("SELECT DISTINCT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", False),
        ("SELECT DISTINCT ?s WHERE { ?s ?p ?o } GROUP BY ?s", False),
        ("ASK { { SELECT ?s (SAMPLE(?o) AS ?x) { ?s ?p ?o } GROUP BY ?s } }", False),
        ("SELECT DISTINCT ?s { { SELECT ?s { ?s ?p ?o } LIMIT 3 } }", False),
        ("SELECT DISTINCT ?s { { SELECT ?s { ?s ?p ?o } OFFSET 3 } }", False),
        ("SELECT DISTINCT ?b { ?s ?p ?o BIND(BNODE() AS ?b) }", False),
        ("SELECT DISTINCT ?r { ?s ?p ?o BIND(RAND() AS ?r) }", False),
        ("SELECT DISTINCT ?u { ?s ?p ?o BIND(STRUUID() AS ?u) }", False),
        ("SELECT DISTINCT ?s { SERVICE <http://e/sparql> { ?s ?p ?o } }", False),
        ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", False),
        ("DESCRIBE <http://e/a>", False),
    ],
)
def test_which_answers_a_bag_cannot_change(text: str, expected: bool) -> None:
    assert _determined(text) is expected


def _determined(text: str) -> bool:
    lexed = sparql.analyse(text).lexed
    return multiplicity.set_determined(lexed, sparql.form_index(lexed.tokens))


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("deferred") / "data"
    bench_gen().generate("10k", folder, seed=11)
    return folder


@pytest.fixture
def no_cache(monkeypatch: pytest.MonkeyPatch, generated: Path) -> None:
    monkeypatch.setenv("KG_CACHE", "off")
    monkeypatch.setenv("KG_DOCUMENTS", str(generated / "documents"))


def _default_graph_size(store) -> int:
    return sum(1 for _ in store.quads_for_pattern(None, None, None, DefaultGraph()))


def _csv(store, name: str, params: dict) -> bytes:
    query = catalogue.load_catalogue()[name]
    terms = catalogue.bind_params(store, query, params.get(name, {}))
    return results.serialize(catalogue.execute_canned(store, query, terms), "csv")


def test_every_canned_query_answers_as_with_the_copy(generated: Path, no_cache) -> None:
    deferred = open_dataset([generated], query_graphs=True).store
    copied = open_dataset([generated], query_graphs=True).store
    assert scope.is_deferred(deferred) and _default_graph_size(deferred) == 0
    scope.ensure(copied)
    assert not scope.is_deferred(copied) and _default_graph_size(copied) > 10_000
    params = json.loads((generated / "params.json").read_text())
    queries = catalogue.load_catalogue()
    in_place = [n for n, q in queries.items() if _determined(q.text)]
    assert len(in_place) >= len(queries) - 3, in_place  # the path under test is taken
    for name in in_place:
        assert _csv(deferred, name, params) == _csv(copied, name, params), name
    # the quotes were filled (their span queries read the union too) and nothing was copied
    assert b"synthetic passage" in _csv(deferred, "list-responsible-institutions", params)
    assert scope.is_deferred(deferred) and _default_graph_size(deferred) == 0
    for name in sorted(set(queries) - set(in_place)):
        assert _csv(deferred, name, params) == _csv(copied, name, params), name
    if len(in_place) < len(queries):  # one of them needed the copy: made, the mark gone
        assert not scope.is_deferred(deferred)
        assert _default_graph_size(deferred) == _default_graph_size(copied)


def test_a_count_makes_the_copy_first(generated: Path, no_cache) -> None:
    store = open_dataset([generated], query_graphs=True).store
    assert scope.is_deferred(store)
    text = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    result = sparql.execute(store, sparql.prepare(text))
    counted = int(next(iter(result.raw))["n"].value)  # type: ignore[call-overload]
    assert not scope.is_deferred(store)
    assert counted == _default_graph_size(store) > 10_000


def test_graph_patterns_that_need_a_triple_read_in_place(generated: Path, no_cache) -> None:
    store = open_dataset([generated], query_graphs=True).store
    text = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s a ?type } } ORDER BY ?g"
    graphs = [row["g"].value for row in sparql.execute(store, sparql.prepare(text)).raw]  # type: ignore[union-attr]
    assert scope.is_deferred(store)  # read in place
    assert scope.DEFERRED_GRAPH.value not in graphs and len(graphs) > 100


def test_an_export_of_a_deferred_store_is_the_same(generated: Path, no_cache, tmp_path) -> None:
    deferred = open_dataset([generated], query_graphs=True).store
    plain = open_dataset([generated]).store
    assert scope.is_deferred(deferred)
    assert export.select_graphs(deferred) == export.select_graphs(plain)


def _write(folder: Path, text: str) -> Path:
    folder.mkdir()
    (folder / "data.trig").write_text(text, encoding="utf-8")
    return folder


def test_repeated_triples_are_copied_at_once(tmp_path: Path, monkeypatch) -> None:
    """Two passages state the same border (and more than 1 % of the sample repeats): the union
    would read it twice, so the copy is made as before."""
    monkeypatch.setenv("KG_CACHE", "off")
    trig = _fixture_trig()
    own = trig[: trig.index("<https://w3id.org/digital-policy-kg/graph/external/test>")]
    store = open_dataset([_write(tmp_path / "data", own)], query_graphs=True).store
    assert not scope.is_deferred(store)
    assert _default_graph_size(store) > 0


def test_external_graphs_are_copied_at_once(tmp_path: Path, monkeypatch) -> None:
    """With an external graph the union is not the documents' scope: the copy is made."""
    monkeypatch.setenv("KG_CACHE", "off")
    store = open_dataset([_write(tmp_path / "data", _fixture_trig())], query_graphs=True).store
    assert not scope.is_deferred(store)
    assert store.contains_named_graph(scope.EXTERNAL_UNION_GRAPH)


def test_the_snapshot_keeps_the_copy(generated: Path, tmp_path: Path, monkeypatch) -> None:
    """A snapshot is read back in one load whatever it holds: it holds the copy."""
    from kg.load import snapshot

    monkeypatch.setattr(snapshot, "RACY_NS", 0)  # the data was generated just now
    monkeypatch.setenv("KG_CACHE", "auto")
    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path / "cache"))
    first = open_dataset([generated], cache=True, query_graphs=True).store
    assert list((tmp_path / "cache").rglob("snapshot-*.nq"))
    again = open_dataset([generated], cache=True, query_graphs=True).store
    for store in (first, again):
        assert not scope.is_deferred(store)
        assert _default_graph_size(store) > 10_000


@pytest.mark.parametrize(
    "pattern",
    ["GRAPH ?g { }", "GRAPH ?g { OPTIONAL { ?s ?p ?o } }", "GRAPH ?g { id:AA kg:partOf* ?o }"],
)
def test_a_graph_pattern_that_could_bind_an_empty_graph_makes_the_copy_first(
    generated: Path, no_cache, pattern: str
) -> None:
    """``GRAPH ?g { }`` matches every named graph, the empty mark of a deferred store too: such a
    query is answered after the copy, without the mark."""
    store = open_dataset([generated], query_graphs=True).store
    text = f"SELECT DISTINCT ?g WHERE {{ {pattern} }} ORDER BY ?g"
    graphs = [row["g"].value for row in sparql.execute(store, sparql.prepare(text)).raw]  # type: ignore[union-attr]
    assert not scope.is_deferred(store)
    assert scope.DEFERRED_GRAPH.value not in graphs
    if pattern == "GRAPH ?g { }":
        assert graphs == sorted(g.value for g in scope.source_graphs(store))
