"""The shared model of ``kg link``: our documents' entities, the external records, and the
matches between them: what :mod:`kg.linking.build` writes and :mod:`kg.linking.crosscheck`
compares. The matches are made by :mod:`kg.linking.matching` with the sources of
:mod:`kg.linking.sources`; this module names no source.

What it does, and why each step is there:

1. **Read our documents' entities** (:func:`read_documents`) from the files directly under
   ``data/`` — never from ``data/links`` or ``data/external``, which this command writes, so
   that a rerun sees the same input. Every ``kg:Country`` node counts, with or without a
   profile; territories (``kg:Territory`` and its subclasses) and international organisations
   are linked only where a source names them unambiguously.
2. **Read the external files** of the registered sources (:mod:`kg.linking.sources`, one
   module per source, one contract) from ``kg.resources.external_dir()``.
3. **Match** (:func:`kg.linking.matching.match`): a country node's ``id:`` slug is its ISO
   3166-1 alpha-2 code; each source finds its record for the code; its English label must be
   one of the names the sources (and ``pycountry``) give for that code, and the codes the
   sources give must agree with each other and with ``pycountry``. Any mismatch is a
   :class:`kg.errors.LinkError` listing all of them: no file is written from an identity in
   doubt. Identifiers come only from the files (QIDs only from Natural Earth).
4. **Build and write** (:mod:`kg.linking.build`): linksets in ``data/links/`` and one TriG file per
   source of facts in ``data/external/`` (graph ``graph:external/<source>``, with its
   provenance), plus a VoID/DCAT description; sorted, so reruns are byte-identical, and written
   all-or-nothing.

Which link property: ``owl:sameAs`` to resources that denote the place itself (a Wikidata
item, a GeoNames feature, a DBpedia resource); ``skos:exactMatch`` to the Publications
Office's entries, which are ``skos:Concept``s of an authority table — ``owl:sameAs`` would make
our country a SKOS concept and merge the table's 45 preferred labels into it.

``kg link --check`` (:mod:`kg.linking.crosscheck`) compares the documents' facts with the sources'.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyoxigraph import Store

from kg import resources
from kg.errors import InputError
from kg.linking.origins import Source
from kg.load import files as graph
from kg.namespaces import ID, PREFIXES, sparql_prologue

KG = PREFIXES["kg"]
EU = ID + "european-union"


# --------------------------------------------------------------------------- names


def normalise(name: str) -> str:
    """A name for comparison: case, accents, a leading "the", brackets, punctuation and a
    trailing "city" do not count ("The Netherlands" = "Netherlands", "Kosovo*" = "Kosovo",
    "Luxembourg City" = "Luxembourg")."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = re.sub(r"\(.*?\)", " ", text)
    text = re.sub(r"[^\w\s-]", " ", text).replace("-", " ")
    words = text.split()
    if words and words[0] == "the":
        words = words[1:]
    if len(words) > 1 and words[-1] == "city":
        words = words[:-1]
    return " ".join(words)


# --------------------------------------------------------------------------- documents


@dataclass(frozen=True)
class Entity:
    iri: str
    label: str
    cls: str  # the most specific asserted class (IRI)
    names: frozenset[str] = frozenset()  # rdfs:label and skos:altLabel in English


@dataclass(frozen=True)
class Statement:
    """A fact of the documents and the passages (graphs) that state it."""

    subject: str
    predicate: str
    object: str
    passages: tuple[str, ...]


@dataclass
class Documents:
    """What the linker and the cross-check need from our documents."""

    store: Store
    countries: dict[str, Entity]  # by alpha-2 slug
    territories: dict[str, Entity]  # by IRI
    owners: dict[str, set[str]]  # territory IRI -> country IRIs it belongs to
    organisations: dict[str, Entity]  # international organisations, by IRI
    named: dict[str, Entity]  # every id: node with an English rdfs:label, by IRI
    profiled: set[str]  # countries with a profile
    passages: dict[str, tuple[str, int, int]] = field(default_factory=dict)  # profile, span
    capitals: list[Statement] = field(default_factory=list)
    borders: list[Statement] = field(default_factory=list)  # predicate: which border property
    via: dict[tuple[str, str], set[str]] = field(default_factory=dict)  # pair -> territories
    eu_relations: list[Statement] = field(default_factory=list)  # object: the role
    neighbour_counts: list[Statement] = field(default_factory=list)  # object: the count


def document_files(data_dir: Path | None = None) -> list[Path]:
    """The document files: RDF files directly under ``data/`` (not its subfolders, which hold
    what ``kg link`` and other tools generate)."""
    folder = data_dir if data_dir is not None else resources.data_dir()
    try:
        is_folder = folder.is_dir()
    except OSError as error:
        raise InputError(f"{folder}: cannot read: {error.strerror or error}") from None
    if not is_folder:
        raise InputError(f"{folder}: no such folder")
    return graph.discover([folder], recursive=False)


def _select(store: Store, query: str) -> list[dict[str, str]]:
    solutions = store.query(sparql_prologue() + query, use_default_graph_as_union=True)
    names = [v.value for v in solutions.variables]  # type: ignore[union-attr]
    return [
        {n: s[n].value for n in names if s[n] is not None}
        for s in solutions  # type: ignore[union-attr]
    ]


_NAMED = """
SELECT ?e ?label ?type WHERE {
  ?e rdfs:label ?label ; a ?type .
  FILTER(STRSTARTS(STR(?e), STR(id:)) && LANGMATCHES(LANG(?label), "en"))
  FILTER NOT EXISTS {
    ?e a ?other . ?other rdfs:subClassOf+ ?type . FILTER(?other != ?type)
  }
}"""

_ALT = """
SELECT ?e ?name WHERE {
  ?e skos:altLabel ?name . FILTER(STRSTARTS(STR(?e), STR(id:)) && LANGMATCHES(LANG(?name), "en"))
}"""

_INSTANCES = "SELECT ?e WHERE { ?e a/rdfs:subClassOf* <%s> }"

_OWNERS = """
SELECT ?t ?c WHERE {
  { ?c kg:hasTerritory|kg:hasOverseasTerritory ?t } UNION { ?t kg:territoryOf ?c }
  ?c a kg:Country .
}"""

_PASSAGES = """
SELECT ?passage ?profile ?start ?end WHERE {
  ?passage a kg:Passage ; kg:inProfile/rdfs:label ?profile ;
      kg:startOffset ?start ; kg:endOffset ?end .
}"""

_FACTS = """
SELECT ?s ?p ?o ?g WHERE {
  GRAPH ?g { ?s ?p ?o } ?g a kg:Passage .
  VALUES ?p { kg:capital kg:sharesBorderWith kg:sharesLandBorderWith
              kg:sharesMaritimeBorderWith kg:connectedTo kg:landNeighbourCount }
}"""

_VIA = """
SELECT ?a ?b ?t WHERE {
  ?border kg:borderBetween ?a, ?b ; kg:viaTerritory ?t . FILTER(STR(?a) < STR(?b))
}"""

_EU = """
SELECT ?country ?role ?cls ?g WHERE {
  GRAPH ?g { ?aff kg:affiliate ?country ; kg:affiliatedWith id:european-union ; a ?cls . }
  ?g a kg:Passage .
  OPTIONAL { GRAPH ?g2 { ?aff kg:affiliationRole ?role } }
  ?country a kg:Country .
}"""


def read_documents(data_dir: Path | None = None) -> Documents:
    """Load the document files and read the entities and facts the linker compares."""
    dataset = graph.load(document_files(data_dir))
    store = dataset.store
    named: dict[str, Entity] = {}
    alt: dict[str, set[str]] = defaultdict(set)
    for row in _select(store, _ALT):
        alt[row["e"]].add(row["name"])
    for row in sorted(_select(store, _NAMED), key=lambda r: (r["e"], r["type"], r["label"])):
        if row["e"] not in named:
            names = frozenset({row["label"], *alt.get(row["e"], ())})
            named[row["e"]] = Entity(row["e"], row["label"], row["type"], names)

    def instances(cls: str) -> set[str]:
        return {r["e"] for r in _select(store, _INSTANCES % (KG + cls))}

    countries = {}
    for iri in sorted(instances("Country")):
        entity = named.get(iri) or Entity(iri, iri[len(ID) :], KG + "Country")
        countries[iri[len(ID) :]] = entity
    territories = {iri: named[iri] for iri in sorted(instances("Territory")) if iri in named}
    organisations = {
        iri: named[iri] for iri in sorted(instances("InternationalOrganisation")) if iri in named
    }
    owners: dict[str, set[str]] = defaultdict(set)
    for row in _select(store, _OWNERS):
        owners[row["t"]].add(row["c"])
    profiled = {r["c"] for r in _select(store, "SELECT ?c WHERE { ?p kg:profileOf ?c }")}
    docs = Documents(store, countries, territories, owners, organisations, named, profiled)
    for row in _select(store, _PASSAGES):
        docs.passages[row["passage"]] = (row["profile"], int(row["start"]), int(row["end"]))
    grouped: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for row in _select(store, _FACTS):
        grouped[(row["s"], row["p"], row["o"])].add(row["g"])
    for (s, p, o), graphs in sorted(grouped.items()):
        fact = Statement(s, p, o, tuple(sorted(graphs)))
        if p == KG + "capital":
            docs.capitals.append(fact)
        elif p == KG + "landNeighbourCount":
            docs.neighbour_counts.append(fact)
        else:
            docs.borders.append(fact)
    for row in _select(store, _VIA):
        docs.via.setdefault((row["a"], row["b"]), set()).add(row["t"])
    eu: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in _select(store, _EU):
        role = row.get("role") or row["cls"]
        eu[(row["country"], role)].add(row["g"])
    docs.eu_relations = [
        Statement(c, KG + "affiliationRole", r, tuple(sorted(g)))
        for (c, r), g in sorted(eu.items())
    ]
    return docs


# --------------------------------------------------------------------------- matches


@dataclass
class ExternalData:
    """What the registered sources read: their SOURCES.md rows and their records, by slug,
    the codes a source says are withdrawn, and the sources themselves in the registry's order
    (:class:`kg.linking.sources.contract.ExternalSource`, which builds on this module)."""

    sources: dict[str, Source]
    records: dict[str, Any]
    retired: frozenset[str] = frozenset()
    registry: tuple[Any, ...] = ()


@dataclass
class CountryMatch:
    """One of our country nodes and the record each source has for it, by slug (a source
    with nothing for it has no entry). Each source module reads its own with ``of(match)``."""

    entity: Entity
    alpha2: str
    iso: Any | None = None  # the pycountry record
    records: dict[str, Any] = field(default_factory=dict)

    @property
    def iri(self) -> str:
        return self.entity.iri


@dataclass
class PlaceMatch:
    """A territory or organisation a source found by label, under the ISO code (if any) and
    the names that source gives it, with the record each source has for it, by slug."""

    entity: Entity
    alpha2: str | None
    names: frozenset[str]  # normalised: ours and the finding source's
    records: dict[str, Any] = field(default_factory=dict)


@dataclass
class Matches:
    documents: Documents
    external: ExternalData
    countries: list[CountryMatch]
    places: list[PlaceMatch]
    notes: list[str] = field(default_factory=list)

    def obsolete(self, code: str) -> bool:
        """True for a code a source lists only as withdrawn (GeoNames still has a row for AN,
        the Netherlands Antilles, dissolved in 2010)."""
        return code in self.external.retired

    def linked(self) -> set[str]:
        return {m.iri for m in self.countries} | {p.entity.iri for p in self.places}
