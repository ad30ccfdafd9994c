"""The query graphs filled while a store is built (kg.load.files.QueryGraphWriter) or right
after an in-memory load (kg.load.dataset.load with ``query_graphs``): the default graph holds
exactly the distinct triples of every graph but the external ones — a triple stated in two
files and two graphs once, a blank node as the very node its named graph has — and the
external union what the external graphs add; the same as computing them later
(kg.load.scope.materialise) gives."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from pyoxigraph import BlankNode, DefaultGraph, NamedNode, QuerySolutions, Store

from kg.errors import KgWarning, RdfSyntaxError
from kg.load import dataset as memory
from kg.load import files as graph
from kg.load import inference, scope
from kg.namespaces import GRAPH

KG = "https://w3id.org/digital-policy-kg/ontology#"
ID = "https://w3id.org/digital-policy-kg/id/"
EXTERNAL = GRAPH + "external/test"
RDFS_COMMENT = "http://www.w3.org/2000/01/rdf-schema#comment"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"

TRIG = f"""
@prefix kg: <{KG}> .
@prefix id: <{ID}> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .

<http://example.org/passage/one> {{
    id:QA a kg:Country ; rdfs:label "Qaland"@en .
    id:QA kg:sharesBorderWith id:QB .
    id:QA kg:memberOf [ rdfs:label "a union with no name"@en ] .
    _:shared rdfs:comment "named in one graph" .
}}
<http://example.org/passage/two> {{
    id:QA kg:sharesBorderWith id:QB .
    id:QB rdfs:label "Qbland"@en .
    _:shared rdfs:comment "the same label in another graph of the file: the same node" .
}}
<{EXTERNAL}> {{
    id:QA kg:sharesBorderWith id:QB .
    id:QA kg:capital id:qa-city .
    id:qa-city rdfs:label "Qa City"@en .
}}
id:QC kg:sharesBorderWith id:QA .
"""

TURTLE = f"""
@prefix kg: <{KG}> .
@prefix id: <{ID}> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

id:QA kg:sharesBorderWith id:QB .
id:QB rdfs:comment "a line\\nbreak and a full stop .\\n inside, and text like _:b1 ." .
id:QB kg:memberOf [ rdfs:label "another anonymous union"@en ] .
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.trig").write_text(TRIG, encoding="utf-8")
    (data / "b.ttl").write_text(TURTLE, encoding="utf-8")
    return data


def _triples(store: Store) -> dict[str, set[tuple]]:
    """The store's triples: of the default graph, the external union, the external graphs and
    the other named graphs."""
    out: dict[str, set[tuple]] = {
        "default": set(),
        "union": set(),
        "external": set(),
        "docs": set(),
    }
    for q in store:
        g = q.graph_name
        key = (
            "default"
            if isinstance(g, DefaultGraph)
            else "union"
            if g == scope.EXTERNAL_UNION_GRAPH
            else "external"
            if scope.is_external_name(g)
            else "docs"
        )
        out[key].add((q.subject, q.predicate, q.object))
    return out


def _check(store: Store) -> dict[str, set[tuple]]:
    got = _triples(store)
    assert got["default"] == got["docs"]
    assert got["union"] == got["external"] - got["docs"]
    assert scope.is_ready(store)
    return got


@pytest.mark.parametrize("on_disk", [True, False])
def test_the_default_graph_is_the_distinct_union_of_the_documents(
    folder: Path, tmp_path: Path, on_disk: bool
) -> None:
    store = Store(str(tmp_path / "db")) if on_disk else None
    got = _check(memory.load([folder], query_graphs=True, store=store).store)
    border = (NamedNode(ID + "QA"), NamedNode(KG + "sharesBorderWith"), NamedNode(ID + "QB"))
    assert border in got["default"]  # stated by two passages and another file: once
    # the external facts are in the all scope only
    capital = (NamedNode(ID + "QA"), NamedNode(KG + "capital"), NamedNode(ID + "qa-city"))
    assert capital in got["union"] and capital not in got["default"]
    # inferred from the documents (kg:sharesBorderWith is symmetric): in the default graph
    assert (border[2], border[1], border[0]) in got["default"]
    # blank nodes: the node of the named graph, the same node in the default graph (the
    # ontology's restrictions too); a label is the file's, across its graphs (TriG)
    blank = {t for t in got["docs"] if isinstance(t[0], BlankNode)}
    assert blank <= got["default"]
    ours = {t for t in blank if t[1] in (NamedNode(RDFS_COMMENT), NamedNode(RDFS_LABEL))}
    assert len(ours) == 4 and len({t[0] for t in ours}) == 3  # two unions, one `_:shared`
    # the literal that holds line breaks, " ." and "_:" text came through as it was
    comments = {t[2].value for t in got["default"] if t[1] == NamedNode(RDFS_COMMENT)}
    assert "a line\nbreak and a full stop .\n inside, and text like _:b1 ." in comments


def test_filled_while_loading_or_afterwards_the_query_graphs_agree(
    folder: Path, tmp_path: Path
) -> None:
    built = memory.load([folder], query_graphs=True, store=Store(str(tmp_path / "db"))).store
    later = memory.load([folder]).store
    assert not scope.is_ready(later)
    scope.ensure(later)
    a, b = scope.report(built), scope.report(later)
    assert (a.documents, a.external_only) == (b.documents, b.external_only)
    assert len(built) == len(later)

    def named(store: Store) -> set[tuple]:  # blank nodes aside: their labels are random
        return {
            t
            for key in ("default", "union")
            for t in _triples(store)[key]
            if not any(isinstance(x, BlankNode) for x in t)
        }

    assert named(built) == named(later)


def test_many_batches_and_chunks_keep_each_blank_node(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a blank node stated in two chunks of a file, flushed in two batches, stays one node
    monkeypatch.setattr(graph.QueryGraphWriter, "CHUNK", 3)
    monkeypatch.setattr(scope, "BATCH_BYTES", 200)
    lines = [f"<{ID}x{i}> <{KG}p> _:same ." for i in range(10)]
    lines += [f'<{ID}x{i}> <{KG}q> "{i}" .' for i in range(10)]
    data = tmp_path / "data"
    data.mkdir()
    (data / "c.nt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    store = Store(str(tmp_path / "db"))
    got = _check(memory.load([data], query_graphs=True, store=store, ontology=False).store)
    assert len({t[2] for t in got["default"] if isinstance(t[2], BlankNode)}) == 1
    assert len(got["default"]) == 20


def test_an_external_file_goes_to_the_external_union_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a Turtle file whose graph is external (the project's data/external/ folder)
    data = tmp_path / "data"
    (data / "external").mkdir(parents=True)
    (data / "external" / "test.ttl").write_text(
        f"<{ID}QA> <{KG}capital> <{ID}qa-city> .\n", encoding="utf-8"
    )
    (data / "own.ttl").write_text(f"<{ID}QA> <{KG}memberOf> <{ID}QU> .\n", encoding="utf-8")
    monkeypatch.setattr(graph.resources, "data_dir", lambda: data)
    graph._resolved.cache_clear()
    try:
        store = Store(str(tmp_path / "db"))
        got = _check(memory.load([data], query_graphs=True, store=store, ontology=False).store)
    finally:
        graph._resolved.cache_clear()
    capital = (NamedNode(ID + "QA"), NamedNode(KG + "capital"), NamedNode(ID + "qa-city"))
    assert capital in got["union"] and capital not in got["default"]
    assert len(got["default"]) == 1


def test_the_writer_reports_what_the_loader_does(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "empty.ttl").write_text("@prefix ex: <http://example.org/> .\n", encoding="utf-8")
    with pytest.warns(KgWarning, match="no statements"):
        memory.load([data], query_graphs=True, store=Store(str(tmp_path / "a")), ontology=False)
    (data / "bad.ttl").write_text("<http://example.org/a> <http://example.org/b> .\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", KgWarning)
        with pytest.raises(RdfSyntaxError) as error:
            memory.load([data], query_graphs=True, store=Store(str(tmp_path / "b")), ontology=False)
    assert "bad.ttl" in str(error.value) and error.value.line == 1


def test_inferring_again_drops_the_query_graphs_it_would_make_stale(
    folder: Path, tmp_path: Path
) -> None:
    store = Store(str(tmp_path / "db"))
    memory.load([folder], query_graphs=True, store=store)
    assert scope.is_ready(store)
    # a second run removes the first run's graphs, whose triples the default graph holds:
    # the query graphs go (computed again on the next query), rather than keep them stale
    inference.materialise(store, copies=graph.QueryGraphWriter(store))
    assert not scope.is_ready(store)
    scope.ensure(store)
    _check(store)


@pytest.mark.parametrize("per_update", [1, 2, 10_000])
def test_the_in_memory_copy_has_each_triple_once_whatever_its_batches(
    folder: Path, monkeypatch: pytest.MonkeyPatch, per_update: int
) -> None:
    # the in-memory load copies the graphs in updates of FILL_GRAPHS graphs: one graph an
    # update (the two passages that state the border in two updates), two, all at once
    monkeypatch.setattr(scope, "FILL_GRAPHS", per_update)
    store = memory.load([folder], query_graphs=True).store
    got = _check(store)  # no triple of the documents missing, none from outside them

    def count(pattern: str) -> int:
        rows = store.query(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}",
            **scope.query_options(scope.DOCUMENTS, store),
        )
        assert isinstance(rows, QuerySolutions)
        return int(next(iter(rows))["n"].value)

    # as a query reads it: each distinct triple once, the border stated by two passages and
    # another file too (a bag of the graphs would count it three times)
    assert count("?s ?p ?o") == len(got["docs"])
    assert count(f"<{ID}QA> <{KG}sharesBorderWith> <{ID}QB>") == 1


@pytest.mark.parametrize("above", [0, 10**9])
def test_a_large_inference_hands_its_garbage_back_before_the_copy(
    folder: Path, monkeypatch: pytest.MonkeyPatch, above: int
) -> None:
    # the freed heap goes back before the copy only after an inference that is worth it (a
    # cold query on small data would pay the collection for nothing); the copy is the same
    calls: list[None] = []
    monkeypatch.setattr(memory, "RELEASE_ABOVE", above)
    monkeypatch.setattr(memory, "release_freed_memory", lambda: calls.append(None))
    _check(memory.load([folder], query_graphs=True).store)
    assert len(calls) == (1 if above == 0 else 0)
    memory.load([folder])  # no query graphs: no copy to make room for
    assert len(calls) == (1 if above == 0 else 0)


def test_a_build_writes_the_inferred_triples_in_batches_of_their_own(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the files in batches of BATCH_BYTES, the inferred triples (written while the inference's
    # results are held, the peak of a build) in the smaller INFERENCE_BATCH_BYTES; the same
    # query graphs either way
    monkeypatch.setattr(scope, "BATCH_BYTES", 10**9)
    monkeypatch.setattr(scope, "INFERENCE_BATCH_BYTES", 1)
    inferring: list[bool] = []
    flushed: list[tuple[bool, int]] = []
    materialise, flush = inference.materialise, graph.QueryGraphWriter.flush

    def marked(*args: object, **kwargs: object) -> inference.InferenceReport:
        inferring.append(True)
        try:
            return materialise(*args, **kwargs)  # type: ignore[arg-type]
        finally:
            inferring.clear()

    def counted(self: graph.QueryGraphWriter) -> None:
        if self._batch:
            flushed.append((bool(inferring), self._size))
        flush(self)

    monkeypatch.setattr(inference, "materialise", marked)
    monkeypatch.setattr(graph.QueryGraphWriter, "flush", counted)
    store = Store(str(tmp_path / "db"))
    _check(memory.load([folder], query_graphs=True, store=store).store)
    loading = [size for during, size in flushed if not during]
    written = [size for during, size in flushed if during]
    assert len(loading) == 1  # every file in one batch
    assert len(written) > 1  # the inferred triples batch by batch
    later = memory.load([folder]).store
    scope.ensure(later)

    def named(store: Store) -> set[tuple]:  # blank nodes aside: their labels are random
        return {
            t for t in _triples(store)["default"] if not any(isinstance(x, BlankNode) for x in t)
        }

    assert named(store) == named(later)
