"""Linked Data descriptions: what the server says about one IRI, for people and for machines.

A description holds the IRI's own statements, the statements that point at it (incoming
links), the labels of everything they mention, its identifiers in other datasets
(``owl:sameAs``, ``skos:exactMatch`` … and codes such as ISO 3166), and for every statement the
graph that states it — the provenance, since each passage of a source document, each external
source and each inference rule has a named graph of its own that describes itself (document and
character span; title, licence and origin; the axiom applied). Nothing here is specific to one
source: a new linkset or external graph shows up with its own description.

Two renderings: :func:`describe` gives plain data for the HTML page (with the passage text when
the source document is on this machine and its hash matches); :func:`describe_rdf` gives the
same statements as RDF. TriG and N-Quads keep each statement in its graph, so provenance is
complete there; JSON-LD keeps the graphs too (named graphs, compacted with our context);
Turtle, N-Triples and RDF/XML cannot hold graphs and give the merged statements plus each
graph's self-description, and the server points to the TriG version in a ``Link`` header.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass

from pyoxigraph import (
    BlankNode,
    DefaultGraph,
    Literal,
    NamedNode,
    Quad,
    Store,
    Triple,
)

from kg.export import writers as export
from kg.labels import LABEL_PROPERTIES, Labels
from kg.load import inference
from kg.load import scope as scopes
from kg.load.documents import Documents
from kg.load.files import ONTOLOGY_GRAPH
from kg.namespaces import EXTERNAL_GRAPH, GRAPH, KG, ONTOLOGY_IRI, PREFIXES, curie
from kg.server.limits import RowLimitExceeded
from kg.server.views import Cell, cell, href_for

RDF = PREFIXES["rdf"]
RDFS = PREFIXES["rdfs"]
SKOS = PREFIXES["skos"]
OWL = PREFIXES["owl"]
DCTERMS = PREFIXES["dcterms"]
PROV = PREFIXES["prov"]
SCHEMA = PREFIXES["schema"]

RDF_TYPE = NamedNode(RDF + "type")
# Links to the same thing elsewhere: shown as external identifiers.
IDENTITY_LINKS = frozenset(
    {
        OWL + "sameAs",
        SKOS + "exactMatch",
        SKOS + "closeMatch",
        SCHEMA + "sameAs",
    }
)
# Codes that identify a thing in another system. The generic ones, plus ours (the ontology
# does not mark its code properties as identifiers, so they are named here).
IDENTIFIER_CODES = frozenset(
    {
        DCTERMS + "identifier",
        SCHEMA + "identifier",
        SKOS + "notation",
        KG + "isoAlpha2",
        KG + "isoAlpha3",
        KG + "isoNumeric",
        KG + "euAuthorityCode",
    }
)
PASSAGE_CLASS = NamedNode(KG + "Passage")
INCOMING_LIMIT = 500  # incoming links a page lists (the count of the rest is shown)
CONTENTS_LIMIT = 500  # statements of a graph a page lists
NESTED_LIMIT = 50  # statements shown for a blank node value

RDF_FORMATS = ("turtle", "jsonld", "ntriples", "trig", "nquads", "rdfxml")


# --- labels and documents (cached per worker) ----------------------------------------------


# --- the description as data for a page -----------------------------------------------------


@dataclass(frozen=True)
class Source:
    """A graph that states something on the page, and what it says about itself."""

    number: int
    graph: str
    kind: str  # passage, external, linkset, inferred, ontology, data, default
    title: str
    href: str | None = None
    document: Cell | None = None
    profile: Cell | None = None
    start: int | None = None
    end: int | None = None
    text: str | None = None
    text_note: str | None = None
    license: Cell | None = None
    citation: str | None = None
    origin: Cell | None = None
    comment: str | None = None


@dataclass(frozen=True)
class Statement:
    """One property and value of the subject (or, for incoming links, the subject that points
    here), with the numbers of the sources that state it, and a blank node value's own
    statements."""

    predicate: Cell
    value: Cell
    sources: tuple[int, ...]
    nested: tuple[Statement, ...] = ()


@dataclass(frozen=True)
class Triple3:
    """A statement of a graph's contents: subject, predicate, object."""

    subject: Cell
    predicate: Cell
    object: Cell


@dataclass(frozen=True)
class Description:
    """Everything the page of one IRI shows."""

    iri: str
    curie: str
    label: str | None
    types: tuple[Cell, ...]
    statements: tuple[Statement, ...]
    identifiers: tuple[Statement, ...]
    incoming: tuple[Statement, ...]
    incoming_total: int
    contents: tuple[Triple3, ...]
    contents_total: int
    sources: tuple[Source, ...]
    terms: tuple[Description, ...] = ()  # the ontology page: one entry per term it defines

    @property
    def is_graph(self) -> bool:
        return self.contents_total > 0


def _graph_key(graph: NamedNode | BlankNode | DefaultGraph) -> str:
    return graph.value if isinstance(graph, NamedNode | BlankNode) else ""


class _SourceBook:
    """Numbers the graphs as they are first cited, and describes each once."""

    def __init__(self, store: Store, labels: Labels, documents: Documents) -> None:
        self.store = store
        self.labels = labels
        self.documents = documents
        self.numbers: dict[str, int] = {}

    def is_copy(self, quad: Quad) -> bool:
        """A query graph's copy of a statement (kg.load.scope): cited by nobody."""
        return scopes.is_derived_copy(self.store, quad)

    def cite(self, graph: NamedNode | BlankNode | DefaultGraph) -> int:
        key = _graph_key(graph)
        if key not in self.numbers:
            self.numbers[key] = len(self.numbers) + 1
        return self.numbers[key]

    def sources(self) -> tuple[Source, ...]:
        return tuple(self._source(key, n) for key, n in self.numbers.items())

    def _values(
        self, subject: str, predicate: str
    ) -> list[NamedNode | Literal | BlankNode | Triple]:
        found = {
            q.object
            for q in self.store.quads_for_pattern(NamedNode(subject), NamedNode(predicate), None)
        }
        return sorted(found, key=str)

    def _first(
        self, subject: str, *predicates: str
    ) -> NamedNode | Literal | BlankNode | Triple | None:
        for predicate in predicates:
            values = self._values(subject, predicate)
            if values:
                return values[0]
        return None

    def _source(self, graph: str, number: int) -> Source:
        if not graph:
            return Source(number, graph, "default", "the default graph")
        if graph.startswith("_:"):
            return Source(number, graph, "data", graph)
        href = href_for(graph)
        if any(
            True for _ in self.store.quads_for_pattern(NamedNode(graph), RDF_TYPE, PASSAGE_CLASS)
        ):
            return self._passage(graph, number, href)
        title_term = self._first(graph, DCTERMS + "title", RDFS + "label")
        title = title_term.value if isinstance(title_term, Literal) else curie(graph)
        if inference.is_inferred_graph(graph):
            comment = self._first(graph, RDFS + "comment")
            text = comment.value if isinstance(comment, Literal) else None
            if text and "axiom:" in text:  # "inferred from the axiom: A rdfs:subClassOf B"
                text = text.split("axiom:", 1)[1].strip()
            return Source(number, graph, "inferred", "inferred by kg", href, comment=text)
        if graph == ONTOLOGY_GRAPH.value or graph.startswith(ONTOLOGY_GRAPH.value + "/"):
            kind = "ontology"
        elif graph.startswith(EXTERNAL_GRAPH):
            kind = "external"
        elif graph.startswith(GRAPH + "links/"):
            kind = "linkset"
        else:
            kind = "data"
        license_term = self._first(graph, DCTERMS + "license")
        citation = self._first(graph, DCTERMS + "bibliographicCitation", DCTERMS + "rights")
        origin = self._first(graph, DCTERMS + "source", PROV + "wasDerivedFrom")
        return Source(
            number,
            graph,
            kind,
            title,
            href,
            license=cell(license_term, self.labels) if license_term is not None else None,
            citation=citation.value if isinstance(citation, Literal) else None,
            origin=cell(origin, self.labels) if isinstance(origin, NamedNode) else None,
        )

    def _passage(self, graph: str, number: int, href: str | None) -> Source:
        document = self._first(graph, KG + "inDocument")
        profile = self._first(graph, KG + "inProfile")
        start = self._first(graph, KG + "startOffset")
        end = self._first(graph, KG + "endOffset")
        span = None
        if isinstance(start, Literal) and isinstance(end, Literal):
            try:
                span = (int(start.value), int(end.value))
            except ValueError:
                span = None
        text = note = None
        if isinstance(document, NamedNode) and span is not None:
            file_name = self._first(document.value, KG + "fileName")
            sha = self._first(document.value, KG + "sha256")
            if isinstance(file_name, Literal):
                whole, note = self.documents.text(
                    file_name.value, sha.value if isinstance(sha, Literal) else None
                )
                if whole is not None:
                    if 0 <= span[0] <= span[1] <= len(whole):
                        text = whole[span[0] : span[1]]
                    else:
                        note = "the recorded span lies outside the document"
            else:
                note = "the graph does not record the document's file name"
        elif span is None:
            note = "the graph does not record the passage's span"
        label = self.labels(graph)
        return Source(
            number,
            graph,
            "passage",
            label or curie(graph),
            href,
            document=cell(document, self.labels) if document is not None else None,
            profile=cell(profile, self.labels) if profile is not None else None,
            start=span[0] if span else None,
            end=span[1] if span else None,
            text=text,
            text_note=note,
        )


def _sort_statements(statements: Iterable[Statement]) -> tuple[Statement, ...]:
    def key(s: Statement) -> tuple[int, str, str, str]:
        return (
            0 if s.predicate.value == RDF_TYPE.value else 1,
            s.predicate.text.casefold(),
            s.value.text.casefold(),
            s.value.value,
        )

    return tuple(sorted(statements, key=key))


def _grouped(
    quads: Iterable[Quad], book: _SourceBook, labels: Labels, *, incoming: bool
) -> dict[tuple[str, str], tuple[Cell, Cell, list[int], NamedNode | BlankNode | Literal | Triple]]:
    """Statements with one entry per (predicate, value), listing every graph that states it."""
    grouped: dict[
        tuple[str, str], tuple[Cell, Cell, list[int], NamedNode | BlankNode | Literal | Triple]
    ] = {}
    for quad in quads:
        if book.is_copy(quad):
            continue  # the query graphs repeat what the named graphs state: no source
        value = quad.subject if incoming else quad.object
        key = (quad.predicate.value, str(value))
        entry = grouped.get(key)
        if entry is None:
            entry = (cell(quad.predicate, labels), cell(value, labels), [], value)
            grouped[key] = entry
        number = book.cite(quad.graph_name)
        if number not in entry[2]:
            entry[2].append(number)
    return grouped


def _nested(
    store: Store,
    node: BlankNode | NamedNode,
    book: _SourceBook,
    labels: Labels,
    exclude: NamedNode | None = None,
) -> tuple[Statement, ...]:
    """A value's own statements, shown inline: for blank nodes, and for the unlabelled nodes of
    n-ary relations (a participation, a membership) that link here — so that Poland's page
    shows the forum its participation is in, not only the participation."""
    quads: list[Quad] = []
    for quad in store.quads_for_pattern(node, None, None, None):
        if len(quads) >= NESTED_LIMIT:
            break
        if book.is_copy(quad):
            continue
        if exclude is not None and quad.object == exclude:
            continue
        if quad.predicate == RDF_TYPE and isinstance(node, NamedNode):
            continue
        quads.append(quad)
    grouped = _grouped(quads, book, labels, incoming=False)
    return _sort_statements(Statement(p, v, tuple(sorted(n))) for p, v, n, _ in grouped.values())


def mentions(store: Store, node: NamedNode) -> bool:
    """Whether the graph mentions the IRI at all: as subject, object or graph name."""
    return (
        next(iter(store.quads_for_pattern(node, None, None, None)), None) is not None
        or next(iter(store.quads_for_pattern(None, None, node, None)), None) is not None
        or next(iter(store.quads_for_pattern(None, node, None, None)), None) is not None
        or store.contains_named_graph(node)
    )


def _statements(
    store: Store, node: NamedNode, book: _SourceBook, labels: Labels
) -> tuple[tuple[Cell, ...], tuple[Statement, ...], tuple[Statement, ...]]:
    """(types, statements, identifiers) of a subject."""
    grouped = _grouped(
        store.quads_for_pattern(node, None, None, None), book, labels, incoming=False
    )
    types: list[Cell] = []
    statements: list[Statement] = []
    identifiers: list[Statement] = []
    for (predicate, _), (p_cell, v_cell, numbers, value) in grouped.items():
        nested = _nested(store, value, book, labels) if isinstance(value, BlankNode) else ()
        statement = Statement(p_cell, v_cell, tuple(sorted(numbers)), nested)
        if predicate == RDF_TYPE.value and isinstance(value, NamedNode):
            types.append(v_cell)
        if predicate in IDENTITY_LINKS or predicate in IDENTIFIER_CODES:
            identifiers.append(statement)
        else:
            statements.append(statement)
    types.sort(key=lambda c: c.text.casefold())
    return tuple(types), _sort_statements(statements), _sort_statements(identifiers)


def describe(store: Store, iri: str, labels: Labels, documents: Documents) -> Description | None:
    """The page data for an IRI, or None when the graph does not mention it. The ontology IRI
    also lists every term it defines (``rdfs:isDefinedBy``), the way a hash namespace is read:
    one document, one anchor per term."""
    try:
        node = NamedNode(iri)
    except ValueError:
        return None
    if not mentions(store, node):
        return None
    book = _SourceBook(store, labels, documents)
    types, statements, identifiers = _statements(store, node, book, labels)
    incoming_quads: list[Quad] = []
    total = 0
    for quad in store.quads_for_pattern(None, None, node, None):
        if book.is_copy(quad):
            continue
        total += 1
        if len(incoming_quads) < INCOMING_LIMIT:
            incoming_quads.append(quad)
    grouped = _grouped(incoming_quads, book, labels, incoming=True)
    incoming = _sort_statements(
        Statement(
            p,
            v,
            tuple(sorted(n)),
            _nested(store, subject, book, labels, exclude=node)
            if isinstance(subject, BlankNode)
            or (isinstance(subject, NamedNode) and labels(subject.value) is None)
            else (),
        )
        for p, v, n, subject in grouped.values()
    )
    contents: list[Triple3] = []
    contents_total = 0
    if store.contains_named_graph(node):
        for quad in store.quads_for_pattern(None, None, None, node):
            contents_total += 1
            if len(contents) < CONTENTS_LIMIT:
                contents.append(
                    Triple3(
                        cell(quad.subject, labels),
                        cell(quad.predicate, labels),
                        cell(quad.object, labels),
                    )
                )
        contents.sort(key=lambda t: (t.subject.value, t.predicate.text, t.object.value))
    terms: list[Description] = []
    if iri == ONTOLOGY_IRI:
        defined = sorted(
            {
                q.subject.value
                for q in store.quads_for_pattern(None, NamedNode(RDFS + "isDefinedBy"), node)
                if isinstance(q.subject, NamedNode)
            }
        )
        for term in defined:
            t_types, t_statements, t_identifiers = _statements(store, NamedNode(term), book, labels)
            terms.append(
                Description(
                    term,
                    curie(term),
                    labels(term),
                    t_types,
                    t_statements,
                    t_identifiers,
                    (),
                    0,
                    (),
                    0,
                    (),
                )
            )
        contents, contents_total = [], 0
    return Description(
        iri=iri,
        curie=curie(iri),
        label=labels(iri),
        types=types,
        statements=statements,
        identifiers=identifiers,
        incoming=incoming,
        incoming_total=total,
        contents=tuple(contents),
        contents_total=contents_total,
        sources=book.sources(),
        terms=tuple(terms),
    )


# --- the description as RDF -------------------------------------------------------------------


def description_quads(store: Store, iri: str, row_limit: int) -> list[Quad] | None:
    """The quads of an IRI's RDF description (see the module docstring), or None when the
    graph does not mention it.

    Raises:
        RowLimitExceeded: the description would hold more than ``row_limit`` statements.
    """
    node = NamedNode(iri)
    if not mentions(store, node):
        return None
    chosen: dict[str, Quad] = {}

    def add(quads: Iterable[Quad]) -> None:
        for quad in quads:
            if scopes.is_derived_copy(store, quad):
                continue  # derived copies (kg.load.scope): each statement in its own graph
            chosen.setdefault(str(quad), quad)
            if len(chosen) > row_limit:
                raise RowLimitExceeded(row_limit, "statements")

    add(store.quads_for_pattern(node, None, None, None))
    add(store.quads_for_pattern(None, None, node, None))
    if store.contains_named_graph(node):
        add(store.quads_for_pattern(None, None, None, node))
    if iri == ONTOLOGY_IRI:
        add(store.quads_for_pattern(None, None, None, ONTOLOGY_GRAPH))
    core = list(chosen.values())
    for quad in core:  # one level of blank nodes: memberships, restrictions
        if isinstance(quad.object, BlankNode):
            add(store.quads_for_pattern(quad.object, None, None, None))
    mentioned: set[str] = set()
    graphs: set[str] = set()
    for quad in list(chosen.values()):
        for term in (quad.subject, quad.predicate, quad.object):
            if isinstance(term, NamedNode):
                mentioned.add(term.value)
        if isinstance(quad.graph_name, NamedNode):
            graphs.add(quad.graph_name.value)
    for graph in sorted(graphs):  # each graph's description of itself: its provenance
        add(store.quads_for_pattern(NamedNode(graph), None, None, None))
        mentioned.add(graph)
    for other in sorted(mentioned - {iri}):
        for predicate in LABEL_PROPERTIES:
            add(store.quads_for_pattern(NamedNode(other), predicate, None, None))
    return list(chosen.values())


def serialize_quads(quads: list[Quad], fmt: str) -> bytes:
    """Quads in one of RDF_FORMATS: stable, with our prefixes (``kg.export.writers``'s writers);
    JSON-LD keeps the named graphs (JSON-LD 1.1 datasets)."""
    if fmt not in RDF_FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    if fmt != "jsonld":
        return export.serialize_quads(quads, fmt)
    scratch = Store()
    scratch.extend(quads)
    graphs: list[export.Graph] = sorted(scratch.named_graphs(), key=str)
    if any(True for _ in scratch.quads_for_pattern(None, None, None, DefaultGraph())):
        graphs.insert(0, DefaultGraph())
    out = io.BytesIO()
    export.write_jsonld(
        export.collect(scratch, graphs, union=False), out, export.load_context(), keep_graphs=True
    )
    return out.getvalue()


def describe_rdf(store: Store, iri: str, fmt: str, *, row_limit: int) -> bytes | None:
    """The RDF description of an IRI in ``fmt``, or None when the graph does not mention it."""
    try:
        quads = description_quads(store, iri, row_limit)
    except ValueError:
        return None
    if quads is None:
        return None
    return serialize_quads(quads, fmt)
