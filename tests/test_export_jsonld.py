"""The JSON-LD export writes, node by node and from the statements' N-Triples tokens, exactly
the text of ``json.dumps(document, indent=2)`` for the document ``Compactor.nodes`` gives from
the parsed statements (the reference here): on the repository's data, on blank nodes, named
graphs, escaped and directional literals and two subjects with one ``@id``."""

from __future__ import annotations

import io
import json
from itertools import groupby
from operator import itemgetter
from typing import Any

import pytest
from conftest import REPO
from pyoxigraph import (
    BaseDirection,
    BlankNode,
    DefaultGraph,
    Literal,
    NamedNode,
    Quad,
    Store,
)

from kg.export import writers as export
from kg.export.context import Compactor
from kg.load import open_dataset
from kg.namespaces import ID, KG, PREFIXES

XSD = PREFIXES["xsd"]


def _reference(store: Store, *, union: bool, **options: bool) -> bytes:
    """The document as the writer documents it: ``Compactor.nodes`` of the parsed statements
    of each graph (the default graph's at the top level), written by ``json.dumps``."""
    context = export.load_context(store)
    compactor = Compactor(context["@context"])
    graphs = export.select_graphs(store, **options)
    rows = export.collect(store, graphs, union=union)
    items: list[Any] = []
    for graph, group in groupby(rows, key=itemgetter(0)):
        triples = [(t.subject, t.predicate, t.object) for t in export._triples(list(group))]
        nodes = compactor.nodes(triples)
        if not graph:
            items += nodes
            continue
        name = graph.decode("utf-8")
        graph_id = compactor.iri(name[1:-1]) if name.startswith("<") else name
        items.append({"@id": graph_id, "@graph": nodes})
    document = {"@context": context["@context"], "@graph": items}
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _written(store: Store, *, union: bool, **options: bool) -> bytes:
    out = io.BytesIO()
    export.serialize_store(store, out, "jsonld", union=union, **options)
    return out.getvalue()


def _tricky() -> Store:
    """Blank nodes (as subjects, objects, graph names), named graphs and the default graph,
    literals the tokens cannot carry plainly (escapes, a base direction), typed
    and language-tagged values, and two subjects that compact to the same ``@id``."""
    store = open_dataset([]).store  # the ontology, for the context's terms
    g1, g2 = NamedNode("https://w3id.org/digital-policy-kg/passage/g1"), BlankNode("gb")
    xa, b1, b2 = NamedNode(ID + "XA"), BlankNode("m1"), BlankNode("m2")
    label = NamedNode(PREFIXES["rdfs"] + "label")
    note = NamedNode("http://example.org/note")
    year = NamedNode(KG + "startYear")
    quads = [
        Quad(xa, label, Literal("Xaland", language="en"), g1),
        Quad(xa, label, Literal('tab\there "quote" back\\slash\nline \x01 \x7f é'), g1),
        Quad(xa, label, Literal("rtl", language="ar", direction=BaseDirection.RTL), g1),
        Quad(xa, NamedNode(KG + "memberOf"), b1, g1),
        Quad(b1, year, Literal("2020", datatype=NamedNode(XSD + "gYear")), g1),
        Quad(b1, year, Literal("20x", datatype=NamedNode(XSD + "string")), g1),
        Quad(b1, note, Literal("3", datatype=NamedNode(XSD + "integer")), g1),
        Quad(b1, note, b2, g1),
        Quad(b2, note, Literal("a blank node's own statement"), g1),
        Quad(xa, note, Literal("in a blank graph"), g2),
        Quad(xa, NamedNode(PREFIXES["rdf"] + "type"), NamedNode(KG + "Country"), DefaultGraph()),
        Quad(xa, NamedNode(PREFIXES["rdf"] + "type"), b2, DefaultGraph()),
        Quad(NamedNode("id:XA"), note, Literal("the same @id as id:XA"), DefaultGraph()),
        Quad(xa, note, NamedNode("http://example.org/other#x"), DefaultGraph()),
        Quad(xa, note, NamedNode(ID + "XB"), DefaultGraph()),
    ]
    for q in quads:
        store.add(q)
    return store


@pytest.mark.parametrize("union", [True, False])
@pytest.mark.parametrize("run_bytes", [None, 64])  # 64: every node spills to sorted runs
def test_tricky_statements_are_written_as_the_reference_writes_them(
    union: bool, run_bytes: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    if run_bytes is not None:
        monkeypatch.setattr(export, "RUN_BYTES", run_bytes)
    store = _tricky()
    written = _written(store, union=union)
    assert written == _reference(store, union=union)
    assert b"\\u0001" in written and "é".encode() in written  # escaped, and not


@pytest.fixture(scope="module")
def repository_store() -> Store:
    if not (REPO / "data").is_dir() or not (REPO / "ontology" / "kg.ttl").is_file():
        pytest.skip("the repository's ontology and data are not there yet")
    return open_dataset(inferred=True).store


@pytest.mark.parametrize("union", [True, False])
@pytest.mark.parametrize("with_inferred", [False, True])
@pytest.mark.parametrize("run_bytes", [None, 4096])  # 4096: the nodes spill to sorted runs
def test_the_repository_is_written_as_the_reference_writes_it(
    repository_store: Store,
    union: bool,
    with_inferred: bool,
    run_bytes: int | None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if run_bytes is not None:
        monkeypatch.setattr(export, "RUN_BYTES", run_bytes)
    options = {"with_inferred": with_inferred}
    written = _written(repository_store, union=union, **options)
    assert written == _reference(repository_store, union=union, **options)
