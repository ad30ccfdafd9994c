"""The RDF every external source writes with: a deduplicating triple builder, the provenance
each graph or linkset derived from a source carries, and the slug rule for minted nodes.

Why a module of its own: the sources (:mod:`kg.linking.sources`) build their facts and links
with it, and :mod:`kg.linking.build` assembles the files from them; both sit above it, so the
provenance of a source is written one way whichever source writes it.
"""

from __future__ import annotations

import re
import unicodedata

from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad

from kg.linking.origins import Source
from kg.namespaces import BASE, PREFIXES, RDF_TYPE, RDFS_LABEL

KG = PREFIXES["kg"]
OWL = PREFIXES["owl"]
SKOS = PREFIXES["skos"]
XSD = PREFIXES["xsd"]
DCT = PREFIXES["dcterms"]
PROV = PREFIXES["prov"]
VOID = PREFIXES["void"]
DCAT = PREFIXES["dcat"]
RDFS = PREFIXES["rdfs"]
WD = PREFIXES["wd"]

ACTIVITY = BASE + "activity/kg-link"
RETRIEVAL = "offline copy, matched by ISO code"


def n(iri: str) -> NamedNode:
    return NamedNode(iri)


def en(text: str) -> Literal:
    """An English literal."""
    return Literal(text, language="en")


def s(text: str) -> Literal:
    """A plain string literal."""
    return Literal(text)


def date(value: str) -> Literal:
    """An ``xsd:date`` literal."""
    return Literal(value, datatype=n(XSD + "date"))


class Graph:
    """Triples for one graph (or one Turtle file), deduplicated."""

    def __init__(self, name: str | None = None) -> None:
        self.graph = n(name) if name else DefaultGraph()
        self.quads: set[Quad] = set()

    def add(self, s: str, p: str, o: NamedNode | Literal | str) -> None:
        obj = n(o) if isinstance(o, str) else o
        self.quads.add(Quad(n(s), n(p), obj, self.graph))


def slug(name: str) -> str:
    """A readable id for a place name: ASCII, lower case, words joined by hyphens."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def describe_source(g: Graph, subject: str, source: Source, version: str | None) -> None:
    """The provenance every graph or linkset derived from ``source`` carries."""
    spec = source.spec
    g.add(subject, DCT + "source", source.upstream_url)
    g.add(subject, PROV + "wasDerivedFrom", source.upstream_url)
    g.add(subject, DCT + "license", spec.license_iri)
    g.add(subject, DCT + "rights", s(source.license_text))
    g.add(subject, DCT + "bibliographicCitation", s(spec.attribution))
    g.add(subject, DCT + "publisher", s(spec.publisher))
    g.add(subject, KG + "sourceFileName", s(spec.file))
    g.add(subject, KG + "upstreamRepository", s(source.repository))
    g.add(subject, KG + "upstreamCommit", s(source.commit))
    g.add(subject, KG + "upstreamPath", s(source.upstream_path))
    g.add(subject, KG + "retrievalMethod", en(RETRIEVAL))
    g.add(subject, PROV + "wasGeneratedBy", ACTIVITY)
    if version:
        g.add(subject, OWL + "versionInfo", s(version))


def describe_upstream(g: Graph, source: Source) -> None:
    """The upstream file itself, as a PROV entity with its title."""
    g.add(source.upstream_url, RDF_TYPE, PROV + "Entity")
    g.add(source.upstream_url, DCT + "title", en(source.spec.title))


NOT_REPEATED = (
    " Facts the documents already state, or that follow from them by the ontology's axioms, are "
    "not repeated here (a triple is stored in one graph only); kg link --check compares them."
)


def fact_graph_header(g: Graph, source: Source, description: str, version: str | None) -> None:
    """What a ``graph:external/<slug>`` graph says about itself: its type, title, what it
    holds, and where it comes from."""
    graph_iri = g.graph.value  # type: ignore[union-attr]
    g.add(graph_iri, RDF_TYPE, PROV + "Entity")
    g.add(graph_iri, RDF_TYPE, VOID + "Dataset")
    g.add(graph_iri, RDF_TYPE, DCAT + "Dataset")
    g.add(graph_iri, RDFS_LABEL, en(f"{source.spec.title} (external source)"))
    g.add(graph_iri, DCT + "title", en(source.spec.title))
    g.add(graph_iri, DCT + "description", en(description + NOT_REPEATED))
    describe_source(g, graph_iri, source, version)
