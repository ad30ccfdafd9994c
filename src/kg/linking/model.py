"""The shared model of ``kg link``: our documents' entities, the external records, and the
matches between them (what :mod:`kg.linking.build` writes and :mod:`kg.linking.crosscheck`
compares).

What it does, and why each step is there:

1. **Read our documents' entities** (:func:`read_documents`) from the files directly under
   ``data/`` — never from ``data/links`` or ``data/external``, which this command writes, so
   that a rerun sees the same input. Every ``kg:Country`` node counts, with or without a
   profile; territories (``kg:Territory`` and its subclasses) and international organisations
   are linked only where a source names them unambiguously.
2. **Read the five external files** (:mod:`kg.linking.sources`) from
``kg.resources.external_dir()``.
3. **Match** (:func:`match`): a country node's ``id:`` slug is its ISO 3166-1 alpha-2 code; its
   English label must be one of the names the sources (and ``pycountry``) give for that code,
   and the codes the sources give must agree with each other and with ``pycountry``. Any
   mismatch is a :class:`kg.errors.LinkError` listing all of them: no file is written from an
   identity in doubt. Identifiers come only from the files (QIDs only from Natural Earth).
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

import pycountry
from pyoxigraph import Store

from kg import labels, resources
from kg.errors import InputError, LinkError
from kg.linking.sources import eums, geonames, gsq, naturalearth, op
from kg.linking.sources.origins import Source, load_sources
from kg.load import files as graph
from kg.namespaces import ID, PREFIXES, sparql_prologue

KG = PREFIXES["kg"]
EU = ID + "european-union"
SOURCE_SLUGS = ("op-countries", "naturalearth", "geonames", "gsq", "eums")


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
    if not folder.is_dir():
        raise InputError(f"{folder}: no such folder")
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in graph.FORMATS)


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


def label_of(store: Store, iri: str) -> str:
    """What the reports call a term: its label (:mod:`kg.labels`), else its CURIE."""
    return labels.name(store, iri)


# --------------------------------------------------------------------------- sources


@dataclass
class ExternalData:
    sources: dict[str, Source]
    op: op.OpTable
    naturalearth: list[naturalearth.NeCountry]
    geonames: dict[str, geonames.GnCountry]
    gsq: dict[str, gsq.GsqConcept]
    eums: dict[str, eums.EumsMember]

    def ne_by_alpha3(self) -> dict[str, naturalearth.NeCountry]:
        return {row.alpha3: row for row in self.naturalearth}


def read_external(folder: Path | None = None) -> ExternalData:
    """Read the five files of the external folder (``KG_EXTERNAL`` or ``shared/external``)."""
    folder = folder if folder is not None else resources.external_dir()
    if folder is None:
        raise InputError(
            "no folder of external files: set KG_EXTERNAL or pass --external DIR "
            "(the folder holding SOURCES.md and the five files it lists)"
        )
    if not folder.is_dir():
        raise InputError(f"{folder}: no such folder")
    sources = load_sources(folder)
    return ExternalData(
        sources=sources,
        op=op.read(sources["op-countries"].path),
        naturalearth=naturalearth.read(sources["naturalearth"].path),
        geonames=geonames.read(sources["geonames"].path),
        gsq=gsq.read(sources["gsq"].path),
        eums=eums.read(sources["eums"].path),
    )


# --------------------------------------------------------------------------- matching


@dataclass
class CountryMatch:
    """One of our country nodes and what each source has for it (None: nothing)."""

    entity: Entity
    alpha2: str
    op: op.OpConcept | None = None
    ne: naturalearth.NeCountry | None = None
    gn: geonames.GnCountry | None = None
    gsq: gsq.GsqConcept | None = None
    eums: eums.EumsMember | None = None
    iso: object | None = None  # the pycountry record

    @property
    def iri(self) -> str:
        return self.entity.iri


@dataclass
class PlaceMatch:
    """A territory or organisation matched by label with one Publications Office entry."""

    entity: Entity
    op: op.OpConcept
    gn: geonames.GnCountry | None = None
    gsq: gsq.GsqConcept | None = None


@dataclass
class Matches:
    documents: Documents
    external: ExternalData
    countries: list[CountryMatch]
    places: list[PlaceMatch]
    notes: list[str] = field(default_factory=list)

    def node_for_code(self) -> dict[str, str]:
        """ISO alpha-2 code -> our node (a country, or a territory linked to that code)."""
        found = {m.alpha2: m.iri for m in self.countries}
        for p in self.places:
            if p.op.alpha2 and p.op.alpha2 not in found and p.gn is not None:
                found[p.op.alpha2] = p.entity.iri
        return found

    def obsolete(self, code: str) -> bool:
        """True for a code the Publications Office lists only as deprecated (GeoNames still has
        a row for AN, the Netherlands Antilles, dissolved in 2010)."""
        entries = [c for c in self.external.op.concepts.values() if c.alpha2 == code]
        return bool(entries) and all(c.deprecated for c in entries)

    def linked(self) -> set[str]:
        return {m.iri for m in self.countries} | {p.entity.iri for p in self.places}


def _iso_names(record: object | None) -> set[str]:
    return {
        getattr(record, a)
        for a in ("name", "common_name", "official_name")
        if record is not None and getattr(record, a, None)
    }


def _match_country(
    entity: Entity, slug: str, ext: ExternalData, problems: list[str]
) -> CountryMatch:
    m = CountryMatch(entity, slug)
    where = f"{entity.iri} ({entity.label!r})"
    if not re.fullmatch(r"[A-Z]{2}", slug):
        problems.append(f"{where}: a kg:Country's id must be its ISO 3166-1 alpha-2 code")
        return m
    m.iso = pycountry.countries.get(alpha_2=slug)
    found = ext.op.by_alpha2(slug)
    if len(found) > 1:
        problems.append(f"{where}: {len(found)} current Publications Office entries have {slug}")
    m.op = found[0] if len(found) == 1 else None
    alpha3 = m.op.alpha3 if m.op else getattr(m.iso, "alpha_3", None)
    m.gn = ext.geonames.get(slug)
    m.ne = ext.ne_by_alpha3().get(alpha3) if alpha3 else None
    m.gsq = ext.gsq.get(slug)
    m.eums = ext.eums.get(slug)
    # Codes: every source that has the country must give the same codes as pycountry.
    if m.iso is None:
        problems.append(f"{where}: {slug} is not an ISO 3166-1 alpha-2 code (pycountry)")
    else:
        iso3, num = m.iso.alpha_3, m.iso.numeric  # type: ignore[attr-defined]
        given = []
        if m.op:
            given += [("Publications Office alpha-3", m.op.alpha3, iso3)]
            given += [("Publications Office numeric", m.op.numeric, num)]
        if m.gn:
            given += [("GeoNames ISO3", m.gn.alpha3, iso3), ("GeoNames numeric", m.gn.numeric, num)]
        if m.eums:
            given += [("EUMS iso_alpha_3_code", m.eums.alpha3, iso3)]
        if m.ne and m.ne.alpha2 is not None:
            given += [("Natural Earth ISO_A2", m.ne.alpha2, slug)]
        for what, value, expected in given:
            if value != expected:
                problems.append(f"{where}: {what} is {value!r}, pycountry says {expected!r}")
    if m.gsq and m.gn and m.gsq.geonameids and m.gn.geonameid not in m.gsq.geonameids:
        problems.append(
            f"{where}: GeoNames id {m.gn.geonameid} (countryInfo) but {m.gsq.geonameids} (gsq)"
        )
    if m.gsq and m.op and m.gsq.op and m.op.iri not in m.gsq.op:
        problems.append(f"{where}: gsq matches {m.gsq.op}, the code gives <{m.op.iri}>")
    # Label: our English label must be a name of that code in at least one source.
    names = set(_iso_names(m.iso))
    if m.op:
        names |= m.op.english_names
    if m.gn:
        names.add(m.gn.name)
    if m.ne:
        names |= m.ne.names
    if m.eums:
        names.add(m.eums.name)
    ours = {normalise(n) for n in entity.names} if entity.names else {normalise(entity.label)}
    if names and not ours & {normalise(n) for n in names}:
        other = sorted(
            c.alpha2 or c.code
            for c in ext.op.current()
            if ours & {normalise(n) for n in c.english_names}
        )
        hint = f"; the label is the name of {', '.join(other)}" if other else ""
        problems.append(
            f"{where}: the label is none of the names of {slug} ({', '.join(sorted(names))}){hint}"
        )
    return m


def _match_place(
    entity: Entity,
    ext: ExternalData,
    owners: set[str],
    countries: dict[str, CountryMatch],
    notes: list[str],
    organisation: bool,
) -> PlaceMatch | None:
    ours = {normalise(n) for n in entity.names}
    candidates = [c for c in ext.op.current() if ours & {normalise(n) for n in c.english_names}]
    if organisation:
        candidates = [c for c in candidates if op.CURRENT_COUNTRIES_SCHEME not in c.schemes]
    else:
        candidates = [c for c in candidates if c.broader]  # a part of a country
    if len(candidates) != 1:
        if len(candidates) > 1:
            notes.append(
                f"{entity.label}: not linked, {len(candidates)} Publications Office entries "
                f"match ({', '.join(c.code for c in candidates)})"
            )
        return None
    concept = candidates[0]
    if not organisation:
        country = ext.op.country_of(concept)
        owner_codes = {countries[o].op.iri for o in owners if o in countries and countries[o].op}
        if owner_codes and country.iri not in owner_codes:
            notes.append(
                f"{entity.label}: not linked, the Publications Office puts {concept.code} "
                f"under {country.code}, our data under another country"
            )
            return None
    place = PlaceMatch(entity, concept)
    if concept.alpha2:
        gn_row = ext.geonames.get(concept.alpha2)
        if gn_row and normalise(gn_row.name) in ours | {normalise(concept.label)}:
            place.gn = gn_row
        place.gsq = ext.gsq.get(concept.alpha2)
    return place


def match(documents: Documents, external: ExternalData) -> Matches:
    """Match every country node by code (cross-checked by label and across sources), and
    territories and international organisations by label where exactly one entry fits.

    Raises:
        LinkError: a code and a label disagree, or two sources give different codes.
    """
    problems: list[str] = []
    countries = [
        _match_country(entity, slug, external, problems)
        for slug, entity in sorted(documents.countries.items())
    ]
    if problems:
        raise LinkError(problems)
    by_iri = {m.iri: m for m in countries}
    notes: list[str] = []
    places = []
    for iri, entity in sorted(documents.territories.items()):
        found = _match_place(
            entity, external, documents.owners.get(iri, set()), by_iri, notes, False
        )
        if found:
            places.append(found)
    for _iri, entity in sorted(documents.organisations.items()):
        found = _match_place(entity, external, set(), by_iri, notes, True)
        if found:
            places.append(found)
    return Matches(documents, external, countries, places, notes)


def native_languages(m: CountryMatch) -> list[str]:
    """The languages a country's own names are taken in: a member state's official languages
    (EUMS), otherwise GeoNames' national varieties or its most spoken language."""
    if m.eums is not None:
        codes = []
        for name in m.eums.languages:
            try:
                code = getattr(pycountry.languages.lookup(name), "alpha_2", None)
            except LookupError:
                code = None
            if code:
                codes.append(code)
        return list(dict.fromkeys(codes))
    return m.gn.own_languages() if m.gn is not None else []
