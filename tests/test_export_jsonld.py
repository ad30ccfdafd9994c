"""The JSON-LD export writes, node by node and from the statements' N-Triples tokens, exactly
the text of ``json.dumps(document, indent=2)`` for the document ``Compactor.nodes`` gives from
the parsed statements (the reference here): on the repository's data, on blank nodes, named
graphs, escaped and directional literals and two subjects with one ``@id``, and on generated
statements with the literals, IRIs and keys a writer on N-Triples bytes can get wrong (in any
order of a graph's lines)."""

from __future__ import annotations

import io
import json
import random
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


def _reference(
    store: Store, *, union: bool, context: dict[str, Any] | None = None, **options: bool
) -> bytes:
    """The document as the writer documents it: ``Compactor.nodes`` of the parsed statements
    of each graph (the default graph's at the top level), written by ``json.dumps``."""
    context = context or export.load_context(store)
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


def _written(
    store: Store, *, union: bool, context: dict[str, Any] | None = None, **options: bool
) -> bytes:
    out = io.BytesIO()
    export.serialize_store(store, out, "jsonld", union=union, context=context, **options)
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


# Generated statements with what a writer working on N-Triples bytes can get wrong: literals
# that N-Triples escapes (quotes, backslashes, line breaks, control characters, DEL) or not
# (non-ASCII, U+2028, text that reads like a token, the rdf:type token itself, empty), language
# tags with and without a base direction, datatypes coerced by the context or not, IRIs in
# nested namespaces, with fragments, ending in "/", whose local part starts with "//", without
# a prefix, non-ASCII; blank nodes as subjects, objects and a graph; rdf:type with IRI, blank
# and literal objects; keys that sort before "@type"; the same triple in several graphs; two
# subjects with one @id.
_EX = "http://ex.org/"
_GENERATED_CONTEXT: dict[str, Any] = {
    "@context": {
        "a": _EX + "a/",
        "ab": _EX + "a/b/",
        "h": _EX + "h#",
        "0": _EX + "zero/",
        "id": ID,
        "xsd": XSD,
        "rdfs": PREFIXES["rdfs"],
        "Thing": "h:Thing",
        "plain": "a:plain",
        "link": {"@id": "a:link", "@type": "@id"},
        "year": {"@id": "a:year", "@type": "xsd:gYear"},
        "yearToo": {"@id": "a:year", "@type": "xsd:gYear"},
    }
}
_TEXTS = [
    "plain",
    "",
    'a "quote"',
    "back\\slash",
    "line\nbreak\r\n",
    "tab\there",
    "\x00\x01\x08\x0c\x1f\x7f",
    "é ñ 日本 😀",
    "sep\u2028arator",
    " <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> ",
    "_:b1",
    '"@en',
    "x^^<http://ex.org/dt>",
    " . ",
    "1999",
]
_DATATYPES = [XSD + "string", XSD + "integer", XSD + "gYear", XSD + "date", _EX + "dt#x"]
_LANGUAGES = ["en", "en-GB", "de-CH-1996"]
_IRIS = [
    ID + "XA",
    ID + "XB",
    "id:XA",
    _EX + "a/x",
    _EX + "a/b/x",
    _EX + "a/b/c/x",
    _EX + "a/",
    _EX + "a//x",
    _EX + "h#frag",
    _EX + "h#",
    _EX + "zero/z",
    _EX + "ñ/ü",
    "urn:x:y",
    "http://other.org/no-prefix",
]
_PREDICATES = [
    PREFIXES["rdf"] + "type",
    PREFIXES["rdfs"] + "label",
    _EX + "a/plain",
    _EX + "a/link",
    _EX + "a/year",
    _EX + "a/p",
    _EX + "a/p!q",
    _EX + "zero/first",
    _EX + "h#p",
    "http://other.org/p",
]


def _generated(seed: int, count: int = 1500) -> Store:
    """Random statements over the terms above, the same for the same seed."""
    pick = random.Random(seed)
    blanks = [BlankNode(f"n{i}") for i in range(6)]
    graphs: list[Any] = [
        DefaultGraph(),
        NamedNode("https://w3id.org/digital-policy-kg/passage/p1"),
        NamedNode(_EX + "a/g2"),
        NamedNode("urn:g3"),
    ]
    store = Store()

    def literal() -> Literal:
        text = pick.choice(_TEXTS) + pick.choice(["", str(pick.randrange(50))])
        kind = pick.randrange(4)
        if kind == 0:
            return Literal(text)
        if kind == 1:
            return Literal(text, datatype=NamedNode(pick.choice(_DATATYPES)))
        if kind == 2 and pick.randrange(5) == 0:
            return Literal(text, language="ar", direction=BaseDirection.RTL)
        return Literal(text, language=pick.choice(_LANGUAGES))

    for _ in range(count):
        subject: Any = NamedNode(pick.choice(_IRIS)) if pick.randrange(8) else pick.choice(blanks)
        predicate = NamedNode(pick.choice(_PREDICATES))
        kind = pick.randrange(3)
        obj: Any = (
            literal()
            if kind == 0
            else NamedNode(pick.choice(_IRIS))
            if kind == 1 or pick.randrange(4)
            else pick.choice(blanks)
        )
        store.add(Quad(subject, predicate, obj, pick.choice(graphs)))
    for i, node in enumerate(blanks):  # each blank node told apart by a statement of its own
        store.add(Quad(node, NamedNode(_EX + "a/p"), Literal(f"blank {i}"), graphs[1]))
    store.add(
        Quad(
            NamedNode(ID + "XA"),
            NamedNode(_EX + "a/p"),
            Literal("in a blank graph"),
            BlankNode("graph"),
        )
    )
    return store


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("union", [True, False])
@pytest.mark.parametrize("context", ["generated", "ours"])
@pytest.mark.parametrize("run_bytes", [None, 512])  # 512: the nodes spill to sorted runs
def test_generated_statements_are_written_as_the_reference_writes_them(
    seed: int, union: bool, context: str, run_bytes: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    if run_bytes is not None:
        monkeypatch.setattr(export, "RUN_BYTES", run_bytes)
    store = _generated(seed)
    chosen = _GENERATED_CONTEXT if context == "generated" else export.load_context()
    written = _written(store, union=union, context=chosen)
    assert written == _reference(store, union=union, context=chosen)
    assert b"\\u2028" not in written and "\u2028".encode() in written  # as JSON writes it
    if context == "generated":
        for name in (b'"0:first"', b'"ab:x"', b'"ab:c/x"', b'"a:/x"', b'"h:frag"'):
            assert name in written


@pytest.mark.parametrize("union", [True, False])
def test_any_order_of_a_graphs_lines_gives_the_same_bytes(union: bool) -> None:
    """JSON-LD reads each graph's lines in the order Oxigraph writes them (by subject), not
    sorted: the bytes do not depend on that order. Shuffled, a subject's statements are no
    longer one run of lines; its nodes meet again when sorted by @id and are merged."""
    store = _generated(4)
    graphs = export.select_graphs(store)
    blocks = export.collect_blocks(store, graphs, union=union, grouped=True)
    listed = [(graph, list(lines)) for graph, lines in blocks]
    pick = random.Random(4)
    shuffled = [(graph, pick.sample(lines, len(lines))) for graph, lines in listed]
    assert shuffled != listed
    texts = []
    for chosen in (listed, shuffled):
        out = io.BytesIO()
        statements = export.Statements(chosen)
        export.write_jsonld(statements, out, _GENERATED_CONTEXT, keep_graphs=not union)
        texts.append(out.getvalue())
        assert statements.count == sum(len(lines) for _, lines in listed)
    assert texts[0] == texts[1] == _reference(store, union=union, context=_GENERATED_CONTEXT)
