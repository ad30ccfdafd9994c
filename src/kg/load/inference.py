"""OWL-lite inference: materialise the entailments our queries rely on, apart from the facts.

Why materialise: Oxigraph has no reasoner, and the canned questions must see what the ontology
entails ("which countries border Russia?" when only Finland and Lithuania say so). Why keep the
entailments apart: an analyst must be able to tell what a document states from what kg derived,
and exports leave the derived triples out unless asked.

**What is inferred.** The axioms are read from the ontology graph (``graph:ontology``, loaded
from ``ontology/kg.ttl``), never from a hand-written list, and applied to the facts:

- ``P a owl:SymmetricProperty``: ``s P o`` → ``o P s`` (graph slug ``symmetric``)
- ``P a owl:TransitiveProperty``: ``a P b``, ``b P c`` → ``a P c`` (``transitive``)
- ``P owl:inverseOf Q``: ``s P o`` → ``o Q s`` and ``s Q o`` → ``o P s`` (``inverse``)
- ``A rdfs:subClassOf B``: ``x a A`` → ``x a B`` (``subclass``)
- ``P rdfs:subPropertyOf Q``: ``s P o`` → ``s Q o`` (``subproperty``)
- ``A owl:equivalentClass B``: mutual subclass, see below (``equivalent-class``)
- ``P owl:equivalentProperty Q``: mutual subproperty, see below (``equivalent-property``)

Only axioms between named terms count (a subclass of a blank-node restriction entails nothing
we materialise); an inferred triple never has a literal subject.

**One rule beyond the axioms: the borders of a landlocked country** (:data:`LANDLOCKED_BORDERS`,
graph slug ``rule``). OWL-lite cannot say that a border is on land or at sea and nothing else,
so no axiom entails that a landlocked country's borders are land borders; the ontology says the
two halves: ``kg:sharesBorderWith`` is a border "on land or at sea" with the sub-properties
``kg:sharesLandBorderWith`` and ``kg:sharesMaritimeBorderWith``, and ``kg:LandlockedCountry``
is a subclass of the restriction "at most 0 ``kg:sharesMaritimeBorderWith``". The rule reads
that restriction from the ontology graph (it fires only while the ontology states it) and
derives, for a member of the class and each place it shares a border with, the land border both
ways, and types each ``kg:Border`` node between them a ``kg:LandBorder``. Only borders the
documents or their closure state are specialised (the rule runs on the documents scope, before
the external facts join: an external source's borders are its own); a border of unstated kind
between two countries neither of which is stated landlocked stays unstated. Each derived
triple is described in the provenance graph with the graphs of its premises (the passage saying
the country is landlocked and the passage stating the border), so an analyst can see which
sentences it rests on.

The rules are applied until nothing new comes (a fixpoint), so chains compose: a subclass of a
subclass, a subproperty of a symmetric property, a transitive closure. Each step uses only the
direct axiom, so every inferred triple is credited to the one axiom that produced it (when two
axioms produce the same triple in the same round, the one read first — predicates in IRI
order, axioms in sorted order — gets it: the same input always gives the same graphs).

Equivalences are the alignment of our terms to other vocabularies (``kg:sharesBorderWith
owl:equivalentProperty wdt:P47``). Materialising both directions would copy every border into
Wikidata's vocabulary and back, so a direction is applied only when its *target* is one of our
terms: a ``kg:`` term or a term the local data already uses. Everything else an external
vocabulary entails is out of scope, and so are ``owl:sameAs`` smushing and ``rdfs:domain`` /
``rdfs:range`` typing (they type data by guesswork when a property is misused).

**Which triples are premises.** The facts of every named graph except: the ontology graph and
the other ``graph:ontology/…`` graphs (shapes) — no RDFS meta-level reasoning about the terms
themselves —, and our own provenance graphs. The SKOS vocabulary graph (``graph:ontology/vocab``)
holds instances (concepts), so it counts as facts. The inferred graphs themselves are premises
for the next round.

**Two scopes** (:mod:`kg.load.scope`). Queries read the documents by default and the external
sources only when asked, so the closure is computed twice: first from the documents (external
graphs ``graph:external/…`` and linksets ``graph:links/…`` are not premises: facts marked as
coming from elsewhere must not turn into facts that look like ours), then once more with the
external facts as premises too, where only what *they* add is new (the first closure is closed
under the rules). The first run's triples go to ``graph:inferred/…``, the second's to
``graph:inferred/external/…``: in the documents scope ``id:FR kg:capital ?x`` and ``?x
kg:capitalOf id:FR`` are both empty, in the all scope both give Paris. A triple already in a
premise graph, or in an ontology graph, is not inferred again; one an external source states is
(the documents scope does not see the external graph), and the query graphs count it once.

**Where inferred triples go.** One named graph per axiom, under ``kg.namespaces.INFERRED_GRAPH``::

    graph:inferred/<slug>/<term>            for P a owl:SymmetricProperty / TransitiveProperty
    graph:inferred/<slug>/<term>/<term2>    for the two-term axioms (A rdfs:subClassOf B, …)

where ``<term>`` is the CURIE of the term with our prefixes (``kg:sharesBorderWith``; a ``:``
is a legal character in an IRI path) — e.g.
``https://w3id.org/digital-policy-kg/graph/inferred/symmetric/kg:sharesBorderWith`` — or
``iri-<sha256 prefix>`` for a term no prefix covers.

**Provenance.** The graph ``graph:inferred/provenance`` (``graph:inferred/external/provenance``
for the second run) describes every non-empty inferred graph ``G`` in PROV-O, DCTERMS and
VoID, with no timestamps so that re-running gives the same triples::

    G a prov:Entity ;
      prov:wasDerivedFrom <subject of the axiom> ;      # e.g. kg:sharesBorderWith
      prov:hadPrimarySource graph:ontology ;            # where the axiom was read
      dcterms:conformsTo owl:SymmetricProperty ;        # the rule, named by its OWL/RDFS term
      dcterms:source <G#axiom> ;                        # the axiom itself, machine-readable
      rdfs:comment "inferred from the axiom: kg:sharesBorderWith a owl:SymmetricProperty" ;
      void:triples 12 .
    <G#axiom> a rdf:Statement ; rdf:subject kg:sharesBorderWith ;
      rdf:predicate rdf:type ; rdf:object owl:SymmetricProperty .

Queries read the union of all graphs, so they see asserted and inferred triples alike; ask
``GRAPH ?g`` with ``STRSTARTS(STR(?g), INFERRED_GRAPH)`` to tell them apart.

How: the axioms are read with SPARQL (their terms bound by the engine). The facts the axioms
mention are then read once from the store's indexes (``quads_for_pattern``, premise graphs only)
and the rules run semi-naively in memory: each round applies them only to what the previous round
added, so no predicate is rescanned; the new triples go back in one bulk insert per axiom.
Measured on a 2-core machine: the repository's data replicated to 630k asserted triples gives
160k inferred in 1.0 s; an adversarial 1M (most triples under an axiom, 1.26M inferred) takes
8.7 s, where a SPARQL-rule-per-round variant took 40 s (each round rescans, and every row
crosses into Python anyway). Time grows with the number of triples inferred.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    Quad,
    QuerySolutions,
    Store,
    Triple,
    Variable,
)

from kg.load import scope
from kg.load.files import ONTOLOGY_GRAPH, QueryGraphWriter
from kg.namespaces import GRAPH, INFERRED_GRAPH, PREFIXES, RDF_TYPE, curie

RDF = PREFIXES["rdf"]
RDFS = PREFIXES["rdfs"]
OWL = PREFIXES["owl"]
PROV = PREFIXES["prov"]
DCTERMS = PREFIXES["dcterms"]
VOID = PREFIXES["void"]
XSD = PREFIXES["xsd"]

INFERRED_PREFIX = INFERRED_GRAPH + "/"
PROVENANCE_GRAPH = NamedNode(INFERRED_PREFIX + "provenance")
EXTERNAL_INFERRED_PREFIX = scope.INFERRED_EXTERNAL_GRAPH
EXTERNAL_PROVENANCE_GRAPH = NamedNode(EXTERNAL_INFERRED_PREFIX + "provenance")
VOCABULARY_GRAPH = GRAPH + "ontology/vocab"

_TYPE = NamedNode(RDF_TYPE)

# rule slug → (the OWL/RDFS term that names it, the axiom's predicate, its object or None)
RULES: dict[str, tuple[str, str, str | None]] = {
    "symmetric": (OWL + "SymmetricProperty", RDF_TYPE, OWL + "SymmetricProperty"),
    "transitive": (OWL + "TransitiveProperty", RDF_TYPE, OWL + "TransitiveProperty"),
    "inverse": (OWL + "inverseOf", OWL + "inverseOf", None),
    "subclass": (RDFS + "subClassOf", RDFS + "subClassOf", None),
    "subproperty": (RDFS + "subPropertyOf", RDFS + "subPropertyOf", None),
    "equivalent-class": (OWL + "equivalentClass", OWL + "equivalentClass", None),
    "equivalent-property": (OWL + "equivalentProperty", OWL + "equivalentProperty", None),
}


@dataclass(frozen=True)
class KindRule:
    """A member of ``member_class`` has no ``excluded`` (the ontology says so with an
    ``owl:maxCardinality 0`` restriction), and ``general`` is ``specific`` or ``excluded``; so
    each ``general`` pair of a member is a ``specific`` pair, and each ``node_class`` node
    ``node_link``-ed to a member and its partner is a ``node_specific`` node."""

    slug: str
    member_class: str
    excluded: str
    general: str
    specific: str
    node_class: str
    node_link: str
    node_specific: str
    comment: str

    @property
    def graph(self) -> NamedNode:
        return NamedNode(f"{INFERRED_PREFIX}rule/{self.slug}")


_KG = PREFIXES["kg"]
LANDLOCKED_BORDERS = KindRule(
    slug="landlocked-border",
    member_class=_KG + "LandlockedCountry",
    excluded=_KG + "sharesMaritimeBorderWith",
    general=_KG + "sharesBorderWith",
    specific=_KG + "sharesLandBorderWith",
    node_class=_KG + "Border",
    node_link=_KG + "borderBetween",
    node_specific=_KG + "LandBorder",
    comment=(
        "inferred by the rule: a landlocked country has no maritime border (kg:LandlockedCountry"
        " is a subclass of at most 0 kg:sharesMaritimeBorderWith) and a border is on land or at"
        " sea (kg:sharesBorderWith), so each border of a landlocked country is a land border"
    ),
)
KIND_RULES = (LANDLOCKED_BORDERS,)

_RESTRICTION_QUERY = """
ASK {
  GRAPH ?ontology {
    ?class rdfs:subClassOf ?restriction .
    ?restriction owl:onProperty ?excluded ; owl:maxCardinality ?n .
    ?specific rdfs:subPropertyOf ?general .
    ?excluded rdfs:subPropertyOf ?general .
  }
  FILTER(xsd:integer(?n) = 0)
}
"""


def is_inferred_graph(name: str) -> bool:
    """True for the graphs kg's inference writes (the inferred triples and their provenance)."""
    return name == INFERRED_GRAPH or name.startswith(INFERRED_PREFIX)


def is_ontology_graph(name: str) -> bool:
    """True for the graphs that describe terms rather than things: the ontology and its
    companions (shapes). The SKOS vocabulary is not one of them: its concepts are instances."""
    if name == ONTOLOGY_GRAPH.value:
        return True
    return name.startswith(ONTOLOGY_GRAPH.value + "/") and name != VOCABULARY_GRAPH


def is_external_graph(name: str) -> bool:
    """True for the graphs holding facts from external linked-data sources, linksets and what
    is inferred with them (:func:`kg.load.scope.is_external_graph`)."""
    return scope.is_external_graph(name)


def is_premise_graph(name: str) -> bool:
    """True for the asserted graphs whose facts inference reads first (see the module
    docstring); the external graphs are premises of the second run only."""
    return not (is_inferred_graph(name) or is_ontology_graph(name) or is_external_graph(name))


def _term_slug(term: NamedNode) -> str:
    short = curie(term.value)
    if short != term.value:
        return short
    import hashlib  # here, not at the top: importing it costs ~10 ms of every kg command

    return "iri-" + hashlib.sha256(term.value.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True, order=True)
class Axiom:
    """One axiom of the ontology that licenses inferred triples, and the graph they go to."""

    rule: str
    subject: str
    object: str | None = None

    @property
    def graph(self) -> NamedNode:
        """The graph of what this axiom entails from the documents."""
        return self.graph_in(external=False)

    def graph_in(self, external: bool) -> NamedNode:
        """The graph of what this axiom entails in a scope: from the documents, or only once
        the external facts join (``graph:inferred/external/…``)."""
        prefix = EXTERNAL_INFERRED_PREFIX if external else INFERRED_PREFIX
        name = f"{prefix}{self.rule}/{_term_slug(NamedNode(self.subject))}"
        if self.object is not None:
            name += "/" + _term_slug(NamedNode(self.object))
        return NamedNode(name)

    @property
    def predicate(self) -> str:
        return RULES[self.rule][1]

    @property
    def axiom_object(self) -> str:
        """The object of the axiom triple (the class for the ``a owl:…Property`` axioms)."""
        fixed = RULES[self.rule][2]
        return fixed if fixed is not None else str(self.object)

    def describe(self) -> str:
        """The axiom as a readable Turtle-like statement, e.g. ``kg:x a owl:SymmetricProperty``."""
        predicate = "a" if self.predicate == RDF_TYPE else curie(self.predicate)
        return f"{curie(self.subject)} {predicate} {curie(self.axiom_object)}"


@dataclass
class InferenceReport:
    """What ``materialise`` added: triples per axiom (axioms that added nothing included)."""

    counts: dict[Axiom, int] = field(default_factory=dict)
    rounds: int = 0
    seconds: float = 0.0
    # what the rules beyond the axioms (KIND_RULES) added, by rule slug
    rule_counts: dict[str, int] = field(default_factory=dict)
    # what follows only once the external facts join (graph:inferred/external/…)
    external_counts: dict[Axiom, int] = field(default_factory=dict)
    external_rounds: int = 0

    @property
    def external_total(self) -> int:
        return sum(self.external_counts.values())

    @property
    def total(self) -> int:
        return sum(self.counts.values()) + sum(self.rule_counts.values())

    def by_rule(self) -> dict[str, int]:
        """Inferred triples per rule slug (``symmetric``, ``subclass``, …)."""
        out: dict[str, int] = {}
        for axiom, n in self.counts.items():
            out[axiom.rule] = out.get(axiom.rule, 0) + n
        return out

    def count(self, rule: str, subject: str, obj: str | None = None) -> int:
        """Triples added by one axiom, by its rule slug and term IRIs (0 when unknown)."""
        return self.counts.get(Axiom(rule, subject, obj), 0)


# --------------------------------------------------------------------------------------------
# Reading the axioms

_AXIOM_QUERY = """
SELECT DISTINCT ?ontology ?axiom ?s ?o WHERE {
  GRAPH ?ontology { ?s ?axiom ?o }
  FILTER(isIRI(?s) && isIRI(?o))
}
"""


def read_axioms(store: Store, ontology_graph: NamedNode = ONTOLOGY_GRAPH) -> list[Axiom]:
    """The axioms of the ontology graph that inference applies, in a stable order.

    Only axioms between named terms count: an ``rdfs:subClassOf`` a blank-node restriction
    (a cardinality) entails nothing we materialise.
    """
    axioms: set[Axiom] = set()
    for rule, (_, predicate, fixed_object) in RULES.items():
        subs: dict[Variable, NamedNode | BlankNode | Literal | Triple] = {
            Variable("ontology"): ontology_graph,
            Variable("axiom"): NamedNode(predicate),
        }
        if fixed_object is not None:
            subs[Variable("o")] = NamedNode(fixed_object)
        rows = store.query(_AXIOM_QUERY, substitutions=subs)
        assert isinstance(rows, QuerySolutions)  # a SELECT
        for row in rows:
            s, o = row["s"].value, row["o"].value
            if fixed_object is not None:
                axioms.add(Axiom(rule, s))
            elif s != o or rule == "inverse":  # P owl:inverseOf P means P is symmetric
                axioms.add(Axiom(rule, s, o))
    return sorted(axioms)


# --------------------------------------------------------------------------------------------
# The rules: a semi-naive fixpoint over the facts the axioms mention

Subject = NamedNode | BlankNode
Object = NamedNode | BlankNode | Literal
Pair = tuple[Subject, Object]


@dataclass
class _Rules:
    """The axioms as edges: what a triple of one predicate (or a typing with one class)
    entails directly, and by which axiom."""

    # P → [(Q, swap, axiom)]: s P o entails s Q o (or o Q s when swap)
    properties: dict[NamedNode, list[tuple[NamedNode, bool, Axiom]]] = field(default_factory=dict)
    # A → [(B, axiom)]: x a A entails x a B
    classes: dict[NamedNode, list[tuple[NamedNode, Axiom]]] = field(default_factory=dict)
    transitive: dict[NamedNode, Axiom] = field(default_factory=dict)

    def add_property(self, p: str, q: str, swap: bool, axiom: Axiom) -> None:
        self.properties.setdefault(NamedNode(p), []).append((NamedNode(q), swap, axiom))

    def add_class(self, a: str, b: str, axiom: Axiom) -> None:
        self.classes.setdefault(NamedNode(a), []).append((NamedNode(b), axiom))

    def predicates(self) -> set[NamedNode]:
        out = set(self.properties) | set(self.transitive)
        out.update(q for edges in self.properties.values() for q, _, _ in edges)
        return out

    def class_terms(self) -> set[NamedNode]:
        out = set(self.classes)
        out.update(b for edges in self.classes.values() for b, _ in edges)
        return out


def _premises(store: Store) -> set[NamedNode | BlankNode]:
    return {
        g for g in store.named_graphs() if not isinstance(g, NamedNode) or is_premise_graph(g.value)
    }


def _used_locally(store: Store, premises: set, term: str, as_class: bool) -> bool:
    """Whether a premise graph uses ``term`` (as a predicate, or as a class of rdf:type)."""
    node = NamedNode(term)
    quads = (
        store.quads_for_pattern(None, _TYPE, node, None)
        if as_class
        else store.quads_for_pattern(None, node, None, None)
    )
    return any(q.graph_name in premises for q in quads)


def _rules(store: Store, premises: set, axioms: list[Axiom]) -> _Rules:
    kg_ns = PREFIXES["kg"]
    ours: dict[tuple[str, bool], bool] = {}

    def is_ours(term: str, as_class: bool) -> bool:
        if term.startswith(kg_ns):
            return True
        key = (term, as_class)
        if key not in ours:
            ours[key] = _used_locally(store, premises, term, as_class)
        return ours[key]

    rules = _Rules()
    for ax in axioms:
        s, o = ax.subject, str(ax.object)
        if ax.rule == "symmetric":
            rules.add_property(s, s, True, ax)
        elif ax.rule == "transitive":
            rules.transitive[NamedNode(s)] = ax
        elif ax.rule == "inverse":
            rules.add_property(s, o, True, ax)
            if o != s:
                rules.add_property(o, s, True, ax)
        elif ax.rule == "subproperty":
            rules.add_property(s, o, False, ax)
        elif ax.rule == "subclass":
            rules.add_class(s, o, ax)
        elif ax.rule == "equivalent-property":
            for a, b in ((s, o), (o, s)):
                if is_ours(b, as_class=False):
                    rules.add_property(a, b, False, ax)
        elif ax.rule == "equivalent-class":
            for a, b in ((s, o), (o, s)):
                if is_ours(b, as_class=True):
                    rules.add_class(a, b, ax)
    return rules


Derived = dict[Axiom, list[tuple[Subject, NamedNode, Object]]]


def _named(store: Store, variables: str, pattern: str) -> Any:
    """The rows of ``SELECT ?g variables WHERE { GRAPH ?g { pattern } }``: a pattern's matches
    in the named graphs, each with its graph. Not ``quads_for_pattern``: it reads the default graph
    too, which in a store with query graphs (:mod:`kg.load.scope`) is a copy of the documents
    the closure has no use for, and decodes each term of each copy (at 1M triples the
    closure's premises took 1.6 s to read that way, 0.8 s this way)."""
    rows = store.query(f"SELECT ?g {variables} WHERE {{ GRAPH ?g {{ {pattern} }} }}")
    assert isinstance(rows, QuerySolutions)  # a SELECT
    return rows


class _Closure:
    """The facts the axioms mention, read once from the store's indexes, and the rules applied
    to them semi-naively until nothing new comes.

    Semi-naive: each round applies the rules only to the triples the previous round added, so
    every triple is looked at once per rule that reads it. :meth:`run` can be called again
    after :meth:`admit` adds more premises (the external facts): the closure reached so far is
    closed under the rules, so only what follows from the new facts is computed, and it is
    returned apart.

    Each term is one object (interned as it is read): the store gives a new object for every
    term of every quad, and a country or a class named by thousands of quads was as many
    copies, each with its text. At 1M triples (115k pairs, 88k typed members, 88k distinct
    terms) interning lowered the inference's peak by 22 MB, and the default graph's copies,
    which the closure never keeps, are passed over before their terms are read.
    """

    def __init__(self, store: Store, rules: _Rules, premises: set, external: set) -> None:
        self.rules = rules
        # premises; the external facts (premises of the second run only); and what the other
        # graphs of the documents scope (ontology) state: never premises, never stored again
        self.pairs: dict[NamedNode, set[Pair]] = {}
        self.external_pairs: dict[NamedNode, set[Pair]] = {}
        self.stated: dict[NamedNode, set[Pair]] = {}
        terms: dict[Any, Any] = {}
        intern = terms.setdefault
        for p in rules.predicates():
            mine: set[Pair] = set()
            theirs: set[Pair] = set()
            other: set[Pair] = set()
            for g, s, o in _named(store, "?s ?o", f"?s {p} ?o"):
                # pyoxigraph's terms admit triple terms (RDF 1.2); the rules would carry one
                # like any other term, so Pair leaves them out of its type only
                pair: Pair = (intern(s, s), intern(o, o))
                if g in premises:
                    mine.add(pair)
                elif g in external:
                    theirs.add(pair)
                else:
                    other.add(pair)
            self.pairs[p], self.external_pairs[p], self.stated[p] = mine, theirs, other
        self.members: dict[NamedNode, set[Subject]] = {}
        self.external_members: dict[NamedNode, set[Subject]] = {}
        self.members_stated: dict[NamedNode, set[Subject]] = {}
        for c in rules.class_terms():
            mine_c: set[Subject] = set()
            theirs_c: set[Subject] = set()
            other_c: set[Subject] = set()
            for g, member in _named(store, "?s", f"?s {_TYPE} {c}"):
                member = intern(member, member)
                if g in premises:
                    mine_c.add(member)
                elif g in external:
                    theirs_c.add(member)
                else:
                    other_c.add(member)
            self.members[c], self.external_members[c] = mine_c, theirs_c
            self.members_stated[c] = other_c
        # successor / predecessor indexes of the transitive properties, for the joins
        self.succ: dict[NamedNode, dict[Object, set[Object]]] = {}
        self.pred: dict[NamedNode, dict[Object, set[Subject]]] = {}
        for t in rules.transitive:
            self.succ[t], self.pred[t] = {}, {}
            self._index(t, self.pairs[t])

    def _index(self, t: NamedNode, pairs: Iterable[Pair]) -> None:
        for a, b in pairs:
            self.succ[t].setdefault(a, set()).add(b)
            self.pred[t].setdefault(b, set()).add(a)

    def initial(self) -> tuple[dict[NamedNode, set[Pair]], dict[NamedNode, set[Subject]]]:
        """The first run's delta: every premise."""
        return (
            {p: set(v) for p, v in self.pairs.items() if v},
            {c: set(v) for c, v in self.members.items() if v},
        )

    def know(self, triples: Iterable[tuple[Subject, NamedNode, Object]]) -> None:
        """Count triples derived outside the rules (a kind rule's) as known, so that a later
        run neither derives nor stores them again."""
        for s, p, o in triples:
            if p == _TYPE and isinstance(o, NamedNode):
                if o in self.members:
                    self.members[o].add(s)
            elif p in self.pairs:
                self.pairs[p].add((s, o))
                if p in self.succ:
                    self._index(p, [(s, o)])

    def admit(self) -> tuple[dict[NamedNode, set[Pair]], dict[NamedNode, set[Subject]]]:
        """Make the external facts premises; return those that are new (the next delta)."""
        delta_p: dict[NamedNode, set[Pair]] = {}
        for p, theirs in self.external_pairs.items():
            fresh = theirs - self.pairs[p]
            if fresh:
                self.pairs[p] |= fresh
                delta_p[p] = fresh
                if p in self.succ:
                    self._index(p, fresh)
        delta_c: dict[NamedNode, set[Subject]] = {}
        for c, theirs_c in self.external_members.items():
            fresh_c = theirs_c - self.members[c]
            if fresh_c:
                self.members[c] |= fresh_c
                delta_c[c] = fresh_c
        return delta_p, delta_c

    def run(
        self, delta_p: dict[NamedNode, set[Pair]], delta_c: dict[NamedNode, set[Subject]]
    ) -> tuple[Derived, int]:
        """Apply the rules from the delta until nothing new comes; return the new triples per
        axiom (those no other graph of the scope states) and the number of rounds."""
        rules, pairs, stated = self.rules, self.pairs, self.stated
        succ, pred = self.succ, self.pred
        out: Derived = {}

        def emit(
            q: NamedNode,
            candidates: Iterable[Pair],
            axiom: Axiom,
            into: dict[NamedNode, set[Pair]],
        ) -> None:
            """Record the candidates that are new triples of ``q``, credited to ``axiom``."""
            known, elsewhere = pairs[q], stated[q]
            fresh = {pair for pair in candidates if pair not in known}
            if not fresh:
                return
            known |= fresh
            into.setdefault(q, set()).update(fresh)  # entailed: it feeds the next round …
            out.setdefault(axiom, []).extend(  # … but is stored only where no graph has it
                (a, q, b) for a, b in fresh if (a, b) not in elsewhere
            )
            if q in succ:
                for a, b in fresh:
                    succ[q].setdefault(a, set()).add(b)
                    pred[q].setdefault(b, set()).add(a)

        rounds = 0
        while delta_p or delta_c:
            rounds += 1
            next_p: dict[NamedNode, set[Pair]] = {}
            next_c: dict[NamedNode, set[Subject]] = {}

            for p in sorted(delta_p, key=lambda n: n.value):
                new = list(delta_p[p])  # a snapshot: emit may grow the set of p itself
                for q, swap, axiom in rules.properties.get(p, ()):
                    if swap:
                        emit(
                            q, ((o, s) for s, o in new if not isinstance(o, Literal)), axiom, next_p
                        )
                    else:
                        emit(q, new, axiom, next_p)
                if p in rules.transitive:
                    after, before = succ[p], pred[p]
                    joined: list[Pair] = [(a, c) for a, b in new for c in list(after.get(b, ()))]
                    joined += [(z, b) for a, b in new for z in list(before.get(a, ()))]
                    emit(p, joined, rules.transitive[p], next_p)
            for c in sorted(delta_c, key=lambda n: n.value):
                xs = delta_c[c]
                for b, axiom in rules.classes.get(c, ()):
                    known = self.members[b]
                    fresh = xs - known
                    if fresh:
                        known |= fresh
                        next_c.setdefault(b, set()).update(fresh)
                        out.setdefault(axiom, []).extend(
                            (x, _TYPE, b) for x in fresh - self.members_stated[b]
                        )
            delta_p, delta_c = next_p, next_c
        return out, rounds


# --------------------------------------------------------------------------------------------
# Public API


def inferred_graphs(store: Store) -> list[NamedNode]:
    """The graphs inference wrote (inferred triples and their provenance), sorted."""
    return sorted(
        (
            g
            for g in store.named_graphs()
            if isinstance(g, NamedNode) and is_inferred_graph(g.value)
        ),
        key=lambda g: g.value,
    )


def remove_inferred(store: Store) -> int:
    """Drop every inferred graph and the provenance graph; return how many graphs went."""
    graphs = inferred_graphs(store)
    for graph in graphs:
        store.remove_graph(graph)
    return len(graphs)


def materialise(
    store: Store,
    ontology_graph: NamedNode = ONTOLOGY_GRAPH,
    *,
    external: bool = True,
    copies: QueryGraphWriter | None = None,
) -> InferenceReport:
    """Compute the OWL-lite entailments of the store's facts under the ontology's axioms and
    add them to the inferred graphs (replacing any previous run's), with their provenance.

    Two scopes, two sets of graphs: what follows from the documents (and the vocabulary) goes
    to ``graph:inferred/<rule>/…``; what follows only once the external facts join goes to
    ``graph:inferred/external/<rule>/…``, so that a query in either scope
    (:mod:`kg.load.scope`) sees the closure of exactly the facts of that scope. The query
    graphs of :mod:`kg.load.scope` are dropped first (they would be stale).

    Args:
        store: a store loaded by ``kg.load.files.load`` (ontology graph plus data graphs).
        ontology_graph: where to read the axioms; the project's ontology graph by default.
        external: run the second closure, with the external facts (off for validation: the
            shapes of the documents are not the external sources' own, which are checked
            with ``ontology/shapes-external.ttl``).
        copies: the store is being built and its default graph was filled as the files
            loaded (:func:`kg.load.dataset.load`): write the inferred triples through it,
            each also to the default graph, instead of dropping the query graphs. Only for a
            store no inference ran on before (a previous run's triples, removed here, would
            stay in the default graph): on another, the query graphs are dropped and
            :func:`kg.load.scope.ensure` computes them again.

    Returns:
        The number of triples each axiom added (per scope), the rounds, the time.
    """
    started = time.perf_counter()
    if copies is not None and inferred_graphs(store):
        copies = None
    if copies is not None:
        store.remove_graph(scope.EXTERNAL_UNION_GRAPH)  # :func:`scope.fill_external_union`
    else:
        scope.clear(store)
    remove_inferred(store)
    axioms = read_axioms(store, ontology_graph)
    premises = _premises(store)
    external_graphs = {
        g
        for g in store.named_graphs()
        if isinstance(g, NamedNode) and scope.is_external_graph(g.value)
    }
    rules = _rules(store, premises, axioms)
    # Millions of small tuples and no cycles: the cyclic collector would only rescan them
    # (measured: it doubles the time at 1M triples).
    collecting = gc.isenabled()
    gc.disable()
    try:
        new, more, derivations, report = _derive(
            store, rules, premises, external_graphs, axioms, ontology_graph, external=external
        )
        _store(store, axioms, new, external=False, copies=copies)
        _store_derivations(store, derivations, ontology_graph, copies=copies)
        _store(store, axioms, more, external=True, copies=copies)
    finally:
        if collecting:
            gc.enable()
    _write_provenance(store, report.counts, ontology_graph, external=False, copies=copies)
    _write_provenance(store, report.external_counts, ontology_graph, external=True, copies=copies)
    if copies is not None:
        copies.flush()
    report.seconds = time.perf_counter() - started
    return report


def _derive(
    store: Store,
    rules: _Rules,
    premises: set,
    external_graphs: set,
    axioms: list[Axiom],
    ontology_graph: NamedNode,
    *,
    external: bool,
) -> tuple[Derived, Derived, dict[KindRule, list[_Derivation]], InferenceReport]:
    """Run the closure (:class:`_Closure`) and the kind rules: the triples each axiom adds in
    the documents' scope, those it adds once the external facts join (when ``external``),
    the kind rules' derivations, and their counts.

    Its own function so that the closure — the premises read from the store, their indexes
    and every triple entailed — is freed when it returns, before :func:`materialise` writes
    the new triples: kept alive through the writes, it sat under the bulk loader's batches,
    the peak of a build (at 1M triples, 28 MB of the 315 MB of a store's inference)."""
    closure = _Closure(store, rules, premises, external_graphs)
    new, rounds = closure.run(*closure.initial())
    derivations: dict[KindRule, list[_Derivation]] = {}
    for kind_rule in KIND_RULES:
        if _rule_holds(store, kind_rule, ontology_graph):
            found = _apply_kind_rule(store, kind_rule, closure, premises, new)
            derivations[kind_rule] = found
            closure.know(d.triple for d in found)  # the external run must not redo them
    more, more_rounds = closure.run(*closure.admit()) if external and external_graphs else ({}, 0)
    report = InferenceReport(
        counts={ax: len(new.get(ax, ())) for ax in axioms},
        rounds=rounds,
        external_counts={ax: len(more.get(ax, ())) for ax in axioms if more.get(ax)},
        external_rounds=more_rounds,
        rule_counts={r.slug: len(d) for r, d in derivations.items() if d},
    )
    return new, more, derivations, report


@dataclass(frozen=True)
class _Derivation:
    """A triple a kind rule derived, and the graphs that state its premises."""

    triple: tuple[Subject, NamedNode, Object]
    premises: frozenset[NamedNode]


def _rule_holds(store: Store, rule: KindRule, ontology_graph: NamedNode) -> bool:
    """Whether the ontology graph states the restriction and the two sub-properties the rule
    rests on (remove the restriction from the ontology and the rule derives nothing)."""
    answer = store.query(
        _RESTRICTION_QUERY,
        substitutions={
            Variable("ontology"): ontology_graph,
            Variable("class"): NamedNode(rule.member_class),
            Variable("excluded"): NamedNode(rule.excluded),
            Variable("specific"): NamedNode(rule.specific),
            Variable("general"): NamedNode(rule.general),
        },
        prefixes=PREFIXES,
    )
    return bool(answer)


def _graphs_stating(
    store: Store, s: Subject, p: NamedNode, o: Object, admissible: set, inferred: Derived
) -> set[NamedNode]:
    """The premise graphs that state ``s p o`` (or the inferred graph that will hold it)."""
    graphs = {
        q.graph_name
        for q in store.quads_for_pattern(s, p, o, None)
        if q.graph_name in admissible and isinstance(q.graph_name, NamedNode)
    }
    if not graphs:
        graphs = {ax.graph for ax, triples in inferred.items() if (s, p, o) in triples}
    return graphs


def _apply_kind_rule(
    store: Store, rule: KindRule, closure: _Closure, premises: set, inferred: Derived
) -> list[_Derivation]:
    """Derive what ``rule`` entails from the documents' closure: the ``specific`` pairs (both
    ways) of each member's ``general`` pairs, and the ``node_specific`` type of the nodes
    between a member and its partner, each with the graphs of its premises. A pair the
    documents already state as ``specific``, or state as ``excluded``, gets nothing."""
    member_class, general = NamedNode(rule.member_class), NamedNode(rule.general)
    specific, excluded = NamedNode(rule.specific), NamedNode(rule.excluded)
    members = set(closure.members.get(member_class, set()))
    if not members:
        return []
    neighbours: dict[Subject | Object, set[Subject | Object]] = {}
    for a, b in closure.pairs.get(general, set()):
        if a in members or b in members:  # one pass over the borders, not one per member
            neighbours.setdefault(a, set()).add(b)
            neighbours.setdefault(b, set()).add(a)
    specific_pairs = closure.pairs.get(specific, set())
    excluded_pairs = {
        (q.subject, q.object) for q in store.quads_for_pattern(None, excluded, None, None)
    }
    out: list[_Derivation] = []
    seen: set[tuple] = set()
    for member in sorted(members, key=str):
        typed = _graphs_stating(store, member, _TYPE, member_class, premises, inferred)
        partners = sorted(neighbours.get(member, set()), key=str)
        for partner in partners:
            if isinstance(partner, Literal):
                continue
            if (member, partner) in excluded_pairs or (partner, member) in excluded_pairs:
                continue
            stated = _graphs_stating(store, member, general, partner, premises, {})
            stated |= _graphs_stating(store, partner, general, member, premises, {})
            if not stated:  # the border follows from the closure only
                stated = _graphs_stating(store, member, general, partner, premises, inferred)
                stated |= _graphs_stating(store, partner, general, member, premises, inferred)
            because = frozenset(typed | stated)
            for a, b in ((member, partner), (partner, member)):
                if (a, b) in specific_pairs or (a, specific, b) in seen:
                    continue
                seen.add((a, specific, b))
                out.append(_Derivation((a, specific, b), because))
            link, node_class = NamedNode(rule.node_link), NamedNode(rule.node_class)
            node_specific = NamedNode(rule.node_specific)
            for quad in store.quads_for_pattern(None, link, member, None):
                node = quad.subject
                if quad.graph_name not in premises or (node, _TYPE, node_specific) in seen:
                    continue
                if not any(
                    q.graph_name in premises
                    for q in store.quads_for_pattern(node, link, partner, None)
                ):
                    continue
                if any(
                    q.graph_name in premises
                    for q in store.quads_for_pattern(node, _TYPE, node_specific, None)
                ):
                    continue
                node_typed = {
                    g
                    for q in store.quads_for_pattern(node, _TYPE, node_class, None)
                    if isinstance(g := q.graph_name, NamedNode) and g in premises
                }
                node_links = {
                    g
                    for other in (member, partner)
                    for q in store.quads_for_pattern(node, link, other, None)
                    if isinstance(g := q.graph_name, NamedNode) and g in premises
                }
                if not node_typed:
                    continue
                seen.add((node, _TYPE, node_specific))
                out.append(
                    _Derivation(
                        (node, _TYPE, node_specific),  # type: ignore[arg-type]
                        frozenset(typed | node_typed | node_links),
                    )
                )
    return out


def _store_derivations(
    store: Store,
    derivations: dict[KindRule, list[_Derivation]],
    ontology_graph: NamedNode,
    *,
    copies: QueryGraphWriter | None = None,
) -> None:
    """Write each kind rule's triples to its graph and describe them: the graph as for the
    axioms, and each triple as an ``rdf:Statement`` derived from the graphs of its premises."""
    quads: list[Quad] = []
    for rule, found in derivations.items():
        if not found:
            continue
        graph = rule.graph

        def add(s: NamedNode, p: str, o: object) -> None:
            quads.append(Quad(s, NamedNode(p), o, PROVENANCE_GRAPH))  # type: ignore[arg-type]

        add(graph, RDF_TYPE, NamedNode(PROV + "Entity"))
        add(graph, PROV + "wasDerivedFrom", NamedNode(rule.member_class))
        add(graph, PROV + "hadPrimarySource", ontology_graph)
        add(graph, DCTERMS + "conformsTo", NamedNode(OWL + "maxCardinality"))
        add(graph, RDFS + "comment", Literal(rule.comment))
        add(graph, VOID + "triples", Literal(str(len(found)), datatype=NamedNode(XSD + "integer")))
        for number, derivation in enumerate(found, start=1):
            s, p, o = derivation.triple
            quads.append(Quad(s, p, o, graph))
            statement = NamedNode(f"{graph.value}#derivation-{number}")
            add(graph, DCTERMS + "hasPart", statement)
            add(statement, RDF_TYPE, NamedNode(RDF + "Statement"))
            add(statement, RDF + "subject", s)
            add(statement, RDF + "predicate", p)
            add(statement, RDF + "object", o)
            for premise in sorted(derivation.premises, key=lambda g: g.value):
                add(statement, PROV + "wasDerivedFrom", premise)
    _write(store, quads, len(quads), copies)


def _write(store: Store, quads: Iterable[Quad], size: int, copies: QueryGraphWriter | None) -> None:
    """Write quads: through ``copies`` when given (see :func:`materialise`; flushed at the
    end), else in one transaction when they are few (``bulk_extend`` has a fixed cost per
    call), else with the bulk loader."""
    if copies is not None:
        copies.write_quads(quads)
    elif size < 100_000:
        store.extend(quads)
    else:
        store.bulk_extend(quads)


def _store(
    store: Store,
    axioms: list[Axiom],
    new: Derived,
    *,
    external: bool,
    copies: QueryGraphWriter | None = None,
) -> None:
    if sum(len(v) for v in new.values()) < 100_000:
        # small: one transaction for everything
        quads = [
            Quad(s, p, o, ax.graph_in(external)) for ax in axioms for s, p, o in new.pop(ax, ())
        ]
        _write(store, quads, len(quads), copies)
    for ax in axioms:
        if new.get(ax):
            graph = ax.graph_in(external)
            triples = new.pop(ax)
            _write(store, (Quad(s, p, o, graph) for s, p, o in triples), len(triples), copies)


def _write_provenance(
    store: Store,
    counts: dict[Axiom, int],
    ontology_graph: NamedNode,
    *,
    external: bool,
    copies: QueryGraphWriter | None = None,
) -> None:
    quads: list[Quad] = []
    into = EXTERNAL_PROVENANCE_GRAPH if external else PROVENANCE_GRAPH
    for axiom, n in sorted(counts.items()):
        if n == 0:
            continue
        g = axiom.graph_in(external)
        statement = NamedNode(g.value + "#axiom")

        def add(s: NamedNode, p: str, o: object) -> None:
            quads.append(Quad(s, NamedNode(p), o, into))  # type: ignore[arg-type]

        comment = "inferred from the axiom: " + axiom.describe()
        if external:
            comment += " (with the external sources' facts as premises)"
        add(g, RDF_TYPE, NamedNode(PROV + "Entity"))
        add(g, PROV + "wasDerivedFrom", NamedNode(axiom.subject))
        add(g, PROV + "hadPrimarySource", ontology_graph)
        add(g, DCTERMS + "conformsTo", NamedNode(RULES[axiom.rule][0]))
        add(g, DCTERMS + "source", statement)
        add(g, RDFS + "comment", Literal(comment))
        add(g, VOID + "triples", Literal(str(n), datatype=NamedNode(XSD + "integer")))
        add(statement, RDF_TYPE, NamedNode(RDF + "Statement"))
        add(statement, RDF + "subject", NamedNode(axiom.subject))
        add(statement, RDF + "predicate", NamedNode(axiom.predicate))
        add(statement, RDF + "object", NamedNode(axiom.axiom_object))
    if quads:
        _write(store, quads, len(quads), copies)
