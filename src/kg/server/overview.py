"""What the home page says about the dataset: what it is, how much of each kind of thing it
holds, where its facts come from and under which licence — read from the graph itself (the
dataset's VoID/DCAT description, the ontology's header, the source documents, every graph or
source that declares a licence), so a new source appears here without a code change.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from pyoxigraph import Literal, NamedNode, Store

from kg.load import scope as scopes
from kg.load.documents import Documents
from kg.namespaces import BASE, ONTOLOGY_IRI
from kg.server.ld import Labels
from kg.server.views import Cell, cell
from kg.sparql import prepare as sparql

DATASET_IRI = BASE + "dataset"

CLASS_COUNTS = """
SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class . FILTER(isIRI(?class)) }
GROUP BY ?class ORDER BY DESC(?n) ?class
"""
DESCRIPTION = """
SELECT ?d ?title ?description ?license WHERE {
  ?d dcterms:title ?title .
  OPTIONAL { ?d dcterms:description ?description }
  OPTIONAL { ?d dcterms:license ?license }
} ORDER BY ?title LIMIT 1
"""
DOCUMENTS = """
SELECT ?doc ?label ?file ?sha WHERE {
  ?doc a kg:SourceDocument .
  OPTIONAL { ?doc rdfs:label ?label }
  OPTIONAL { ?doc kg:fileName ?file }
  OPTIONAL { ?doc kg:sha256 ?sha }
} ORDER BY ?doc
"""
LICENSED = """
SELECT ?thing (SAMPLE(?t) AS ?title) (SAMPLE(?c) AS ?citation) ?license WHERE {
  ?thing dcterms:license ?license .
  OPTIONAL { ?thing dcterms:title ?t }
  OPTIONAL { ?thing dcterms:bibliographicCitation ?c }
} GROUP BY ?thing ?license ORDER BY ?thing
"""
PASSAGES = "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a kg:Passage }"


@dataclass(frozen=True)
class ClassCount:
    cls: Cell
    count: int


@dataclass(frozen=True)
class Document:
    document: Cell
    file_name: str | None
    available: bool
    note: str | None
    sha256: str | None = None  # as the graph records it: what a local copy must match


@dataclass(frozen=True)
class Licensed:
    thing: Cell
    title: str | None
    license: Cell
    citation: str | None


@dataclass(frozen=True)
class Overview:
    title: str
    description: str | None
    license: Cell | None
    statements: int
    graphs: int
    passages: int
    classes: tuple[ClassCount, ...]
    documents: tuple[Document, ...]
    licensed: tuple[Licensed, ...]


def _rows(store: Store, text: str, **terms: NamedNode) -> list:
    # the home page describes the whole dataset: every graph's sources and licences
    result = sparql.execute(
        store, sparql.prepare(text), substitutions=terms or None, scope=scopes.ALL
    )
    return list(result.raw)  # type: ignore[arg-type]


def _text(term: object) -> str | None:
    return term.value if isinstance(term, Literal) else None


def overview(store: Store, labels: Labels, documents: Documents) -> Overview:
    """The home page's facts about ``store``."""
    title, description, license_cell = (
        "kg: a knowledge graph of national digital policy",
        None,
        None,
    )
    for iri in (DATASET_IRI, ONTOLOGY_IRI):
        rows = _rows(store, DESCRIPTION, d=NamedNode(iri))
        if rows:
            row = rows[0]
            title = _text(row["title"]) or title
            description = _text(row["description"])
            if row["license"] is not None:
                license_cell = cell(row["license"], labels)
            break
    classes = tuple(
        ClassCount(cell(row["class"], labels), int(row["n"].value))
        for row in _rows(store, CLASS_COUNTS)
    )
    docs = tuple(
        Document(cell(row["doc"], labels), _text(row["file"]), False, None, _text(row["sha"]))
        for row in _rows(store, DOCUMENTS)
    )
    licensed = tuple(
        Licensed(
            cell(row["thing"], labels),
            _text(row["title"]),
            cell(row["license"], labels),
            _text(row["citation"]),
        )
        for row in _rows(store, LICENSED)
    )
    passages = _rows(store, PASSAGES)
    found = Overview(
        title=title,
        description=description,
        license=license_cell,
        statements=scopes.source_quads(store),
        graphs=len(scopes.source_graphs(store)),
        passages=int(passages[0]["n"].value) if passages else 0,
        classes=classes,
        documents=docs,
        licensed=licensed,
    )
    return with_documents(found, documents)


def with_documents(found: Overview, documents: Documents) -> Overview:
    """``found`` with each source document's availability as this machine has it now: the
    rest of an overview depends only on the store (and is kept with it, see
    ``kg.server.app.PageCache``), this part on the files beside the server."""
    docs = []
    for doc in found.documents:
        note = None
        available = False
        if doc.file_name:
            text, note = documents.text(doc.file_name, doc.sha256)
            available = text is not None
        docs.append(dataclasses.replace(doc, available=available, note=note))
    return dataclasses.replace(found, documents=tuple(docs))
