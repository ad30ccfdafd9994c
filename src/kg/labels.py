"""How kg names an entity for people: the one label rule.

A report, a page, a link report and a query error must call one entity by one name, so every
one of them asks here. The rule: ``rdfs:label``, else ``skos:prefLabel``, else
``dcterms:title``; within a property English first (``en`` or a subtag such as ``en-GB``), then
no language, then any; among equals the smallest text, so the choice is stable. Without a
label an IRI is shown as its CURIE (:func:`kg.namespaces.curie`).
"""

from __future__ import annotations

from pyoxigraph import BlankNode, Literal, NamedNode, Store

from kg.namespaces import PREFIXES, curie

LABEL_PROPERTIES = (
    NamedNode(PREFIXES["rdfs"] + "label"),
    NamedNode(PREFIXES["skos"] + "prefLabel"),
    NamedNode(PREFIXES["dcterms"] + "title"),
)


def language_rank(literal: Literal) -> int:
    """0 English, 1 no language, 2 any other."""
    language = (literal.language or "").lower()
    if not language:
        return 1
    return 0 if language.split("-")[0] == "en" else 2


def rank(property_index: int, literal: Literal) -> tuple[int, int, str]:
    """The sort key of a label: property, language, text (smaller is preferred)."""
    return (property_index, language_rank(literal), literal.value)


def label(store: Store, node: NamedNode | BlankNode | str) -> str | None:
    """The label the rule picks for ``node``, or None when it has none."""
    if isinstance(node, str):
        try:
            node = NamedNode(node)
        except ValueError:
            return None
    best: tuple[int, int, str] | None = None
    for index, predicate in enumerate(LABEL_PROPERTIES):
        for quad in store.quads_for_pattern(node, predicate, None, None):
            if isinstance(quad.object, Literal):
                key = rank(index, quad.object)
                if best is None or key < best:
                    best = key
        if best is not None:
            break  # a label of an earlier property always wins
    return best[2] if best is not None else None


def name(store: Store, iri: str) -> str:
    """The label, else the CURIE: what a report or a message calls an IRI."""
    return label(store, iri) or curie(iri)


class Labels:
    """:func:`label` with a cache, for pages and tables that name many IRIs (the graph does
    not change while it is read)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._cache: dict[str, str | None] = {}

    def __call__(self, iri: str) -> str | None:
        if iri not in self._cache:
            if len(self._cache) > 100_000:
                self._cache.clear()
            self._cache[iri] = label(self.store, iri)
        return self._cache[iri]
