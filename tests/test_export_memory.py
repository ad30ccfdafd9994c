"""Exports in bounded memory (issue 14): the union is sorted in runs spilled to temporary
files and merged, Turtle's body is spooled, JSON-LD's nodes are written one at a time — and
the bytes are those of the in-memory way, whatever the run size."""

from __future__ import annotations

import io
import json
import tracemalloc

import pytest
from conftest import bench_gen
from pyoxigraph import Literal, NamedNode, Quad, Store

from kg.export import writers as export
from kg.export.context import Compactor
from kg.load import open_dataset
from kg.namespaces import ID, KG


@pytest.fixture(scope="module")
def repository() -> Store:
    return open_dataset().store


def _export(store: Store, fmt: str, **options: bool) -> tuple[bytes, int]:
    out = io.BytesIO()
    summary = export.serialize_store(store, out, fmt, **options)
    return out.getvalue(), summary.statements


@pytest.mark.parametrize("fmt", list(export.FORMATS))
@pytest.mark.parametrize(
    "options",
    [{}, {"with_inferred": True}, {"include_ontology": True}],
    ids=["asserted", "inferred", "ontology"],
)
def test_spilled_runs_write_the_same_bytes(repository, monkeypatch, fmt, options) -> None:
    """Runs of 4 KB (hundreds of temporary files merged) and a namer cache of 16 entries give
    the bytes and the count of one in-memory sort."""
    whole = _export(repository, fmt, **options)
    monkeypatch.setattr(export, "RUN_BYTES", 4096)
    monkeypatch.setattr(export, "_NAMER_CACHE", 16)
    assert _export(repository, fmt, **options) == whole
    assert whole[1] > 1000


def _document(store: Store, context: dict) -> bytes:
    """JSON-LD as kg wrote it before it streamed: every node, then one json.dumps."""
    rows = export.collect(store, export.select_graphs(store), union=True)
    compactor = Compactor(context["@context"])
    nodes = compactor.nodes((t.subject, t.predicate, t.object) for t in export._triples(rows))
    document = {"@context": context["@context"], "@graph": nodes}
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode()


def test_streamed_jsonld_is_the_document_json_dumps_writes(repository, monkeypatch) -> None:
    context = export.load_context(repository)
    expected = _document(repository, context)
    monkeypatch.setattr(export, "RUN_BYTES", 4096)
    out = io.BytesIO()
    export.serialize_store(repository, out, "jsonld", context=context, union=True)
    assert out.getvalue() == expected


def test_subjects_that_compact_to_one_id_are_merged_as_before() -> None:
    """<id:ZZ> (an IRI of the scheme "id") and <…/id/ZZ> both compact to "id:ZZ": one node,
    as Compactor.nodes makes it, even when they meet only in the merge of two runs."""
    store = Store()
    label = NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    store.extend(
        [
            Quad(NamedNode(ID + "ZZ"), label, Literal("long"), NamedNode(ID + "g")),
            Quad(NamedNode("id:ZZ"), label, Literal("short"), NamedNode(ID + "g")),
            Quad(NamedNode("id:ZZ"), NamedNode(KG + "name"), Literal("n"), NamedNode(ID + "g")),
        ]
    )
    context = {"@context": {"id": ID, "kg": KG, "label": label.value}}
    out = io.BytesIO()
    export.serialize_store(store, out, "jsonld", context=context, union=True)
    assert out.getvalue() == _document(store, context)
    assert out.getvalue().count(b'"@id": "id:ZZ"') == 1


def test_empty_jsonld_is_the_document_json_dumps_writes() -> None:
    context = {"@context": {"id": ID}}
    out = io.BytesIO()
    export.serialize_store(Store(), out, "jsonld", context=context, union=True)
    assert out.getvalue() == _document(Store(), context)


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Store:
    folder = tmp_path_factory.mktemp("export-memory") / "data"
    bench_gen().generate("20k", folder, seed=3)
    return open_dataset([folder]).store


@pytest.mark.parametrize("fmt", ["turtle", "jsonld", "ntriples"])
def test_an_export_holds_a_bounded_part_of_the_data(generated, monkeypatch, fmt) -> None:
    """Python's allocations during an export stay below the size of what it writes (the store
    is Oxigraph's, outside them): the union is never held whole, as lines, as Turtle or as
    nodes; what remains is a run, the compactor's caches and the largest graph's dump. Holding
    the union (as kg did) peaks at several times the output: its lines, then its Turtle or its
    nodes."""
    monkeypatch.setattr(export, "RUN_BYTES", 64 << 10)
    monkeypatch.setattr(export, "_NAMER_CACHE", 1024)
    monkeypatch.setattr(export, "_CACHE", 1000)
    sink = _Sink()
    tracemalloc.start()
    try:
        export.serialize_store(generated, sink, fmt, union=True)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sink.size > 500_000
    # JSON-LD's fixed costs (the compactor and its caches) weigh more at this size
    bound = 2 * sink.size if fmt == "jsonld" else sink.size
    assert peak < bound, (peak, sink.size)


class _Sink(io.RawIOBase):
    """A binary stream that counts what is written and keeps none of it."""

    def __init__(self) -> None:
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:  # type: ignore[override]
        self.size += len(data)
        return len(data)


@pytest.mark.parametrize("writer", ["write_turtle", "write_trig"])
def test_turtle_from_lines_is_turtle_from_rows(repository, writer) -> None:
    """Turtle and TriG read an export's sorted lines directly (``Statements``); rows from
    elsewhere (a plain list, as a contributor's code may give) are written to the same bytes,
    and the lines read are counted as the rows taken would be."""
    union = writer == "write_turtle"
    graphs = export.select_graphs(repository, with_inferred=True)
    statements = export.Statements(export.collect_blocks(repository, graphs, union=union))
    from_lines, from_rows = io.BytesIO(), io.BytesIO()
    getattr(export, writer)(statements, from_lines)
    rows = export.collect(repository, graphs, union=union)
    getattr(export, writer)(rows, from_rows)
    assert from_lines.getvalue() == from_rows.getvalue()
    assert statements.count == len(rows) > 1000
    assert b" a " in from_lines.getvalue() and b"\n\n" in from_lines.getvalue()
