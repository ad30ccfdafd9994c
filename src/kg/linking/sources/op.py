"""The EU Publications Office "Countries and territories" authority table (SKOS, RDF/XML).

Each concept is ``http://publications.europa.eu/resource/authority/country/{code}`` with
``skos:notation`` literals typed by the code list they belong to (ISO 3166-1 alpha-2, alpha-3,
numeric, …), labels in many languages, ``skos:broader`` from a territory to its country, the
concept schemes it is in (``…/country/0005`` is "Current EU members") and ``at:deprecated``.

Why ``lenient`` parsing: the file's ``xml:base`` attribute lists several IRIs separated by
spaces, which is not an IRI; every ``rdf:about`` in the file is absolute, so the base is never
used, and this reader checks that every concept it keeps lies under :data:`NAMESPACE`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pycountry
from pyoxigraph import Literal, NamedNode, RdfFormat, parse

from kg.errors import InputError
from kg.linking.model import (
    CountryMatch,
    Documents,
    Entity,
    ExternalData,
    Matches,
    PlaceMatch,
    normalise,
)
from kg.linking.origins import SourceSpec
from kg.linking.rdf import KG, SKOS, Graph, s
from kg.linking.sources import eums, geonames
from kg.linking.sources.contract import ExternalSource, Linkset

NAMESPACE = "http://publications.europa.eu/resource/authority/country/"
SCHEME = "http://publications.europa.eu/resource/authority/country"
EU_MEMBERS_SCHEME = NAMESPACE + "0005"
CURRENT_COUNTRIES_SCHEME = NAMESPACE + "0001"

_SKOS = "http://www.w3.org/2004/02/skos/core#"
_AT = "http://publications.europa.eu/ontology/authority/"
_EUVOC = "http://publications.europa.eu/ontology/euvoc#"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_OWL_VERSION = "http://www.w3.org/2002/07/owl#versionInfo"


@dataclass
class OpConcept:
    """One concept of the table: a country, territory, region or organisation."""

    iri: str
    code: str = ""  # at:authority-code, e.g. FRA
    alpha2: str | None = None
    alpha3: str | None = None
    numeric: str | None = None
    pref_labels: dict[str, str] = field(default_factory=dict)  # language -> label
    english_names: set[str] = field(default_factory=set)  # pref, alt and hidden labels @en
    broader: set[str] = field(default_factory=set)
    schemes: set[str] = field(default_factory=set)
    deprecated: bool = False

    @property
    def label(self) -> str:
        return self.pref_labels.get("en", self.code)


@dataclass
class OpTable:
    version: str | None
    concepts: dict[str, OpConcept]

    def current(self) -> list[OpConcept]:
        """Concepts still in use (not deprecated), sorted by IRI."""
        return sorted((c for c in self.concepts.values() if not c.deprecated), key=lambda c: c.iri)

    def by_alpha2(self, code: str) -> list[OpConcept]:
        return [c for c in self.current() if c.alpha2 == code]

    def country_of(self, concept: OpConcept) -> OpConcept:
        """The current country a territory belongs to (its ``skos:broader`` in the list of
        current countries), or the concept itself."""
        for parent in sorted(concept.broader):
            found = self.concepts.get(parent)
            if found and not found.deprecated and CURRENT_COUNTRIES_SCHEME in found.schemes:
                return found
        return concept


_NOTATIONS = {
    _EUVOC + "ISO_3166_1_ALPHA_2": "alpha2",
    _EUVOC + "ISO_3166_1_ALPHA_3": "alpha3",
    _EUVOC + "ISO_3166_1_NUM": "numeric",
}


def read(path: Path) -> OpTable:
    """Read the table. Raises InputError naming the file when it does not parse or holds no
    concept."""
    try:
        quads = list(parse(path=str(path), format=RdfFormat.RDF_XML, lenient=True))
    except SyntaxError as error:
        raise InputError(f"{path}: not RDF/XML: {error}") from None
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error.strerror or error}") from None
    subjects: dict[str, list] = defaultdict(list)
    version = None
    for q in quads:
        if isinstance(q.subject, NamedNode):
            subjects[q.subject.value].append(q)
            if q.subject.value == SCHEME and q.predicate.value == _OWL_VERSION:
                version = q.object.value
    concepts: dict[str, OpConcept] = {}
    for iri, statements in subjects.items():
        if not any(
            q.predicate.value == _RDF_TYPE and q.object.value == _SKOS + "Concept"
            for q in statements
        ):
            continue
        if not iri.startswith(NAMESPACE):
            raise InputError(f"{path}: concept <{iri}> lies outside {NAMESPACE}")
        concept = OpConcept(iri)
        for q in statements:
            p, o = q.predicate.value, q.object
            if p == _AT + "authority-code":
                concept.code = o.value
            elif p == _AT + "deprecated":
                concept.deprecated = o.value == "true"
            elif p == _SKOS + "notation" and isinstance(o, Literal):
                attr = _NOTATIONS.get(o.datatype.value)
                if attr is not None:
                    setattr(concept, attr, o.value)
            elif p == _SKOS + "prefLabel" and isinstance(o, Literal) and o.language:
                concept.pref_labels[o.language] = o.value
                if o.language == "en":
                    concept.english_names.add(o.value)
            elif (
                p in (_SKOS + "altLabel", _SKOS + "hiddenLabel")
                and isinstance(o, Literal)
                and o.language == "en"
            ):
                concept.english_names.add(o.value)
            elif p == _SKOS + "broader" and isinstance(o, NamedNode):
                concept.broader.add(o.value)
            elif p == _SKOS + "inScheme" and isinstance(o, NamedNode):
                concept.schemes.add(o.value)
        if not concept.code:
            raise InputError(f"{path}: concept <{iri}> has no at:authority-code")
        concepts[iri] = concept
    if not concepts:
        raise InputError(f"{path}: no skos:Concept found")
    return OpTable(version, concepts)


# --------------------------------------------------------------------------- the source


class PublicationsOffice(ExternalSource):
    """The EU authority table: a country node's entry by its alpha-2 notation (exactly one
    current entry), territories and international organisations by label where exactly one
    entry fits; ISO and EU authority codes and names in the countries' own languages."""

    spec = SourceSpec(
        "op-countries",
        "op-countries-skos-20230915.rdf",
        "EU Publications Office authority table: countries and territories",
        "Publications Office of the European Union",
        "http://data.europa.eu/eli/dec/2011/833/oj",
        "© European Union, Publications Office (Countries and territories authority table); "
        "reused under Commission Decision 2011/833/EU",
    )
    linksets = (
        Linkset(
            "eu-authority",
            SKOS + "exactMatch",
            SCHEME,
            NAMESPACE,
            "EU Publications Office: countries and territories",
        ),
    )
    description = (
        "ISO 3166-1 alpha-2, alpha-3 and numeric codes, EU authority codes and names in the "
        "countries' own languages (a member state's official languages per EUMS, otherwise "
        "GeoNames' national language varieties), read from the EU Publications Office "
        "authority table and cross-checked with pycountry."
    )

    def read(self, path: Path) -> OpTable:
        return read(path)

    def version(self, records: OpTable) -> str | None:
        return records.version

    def retired_codes(self, records: OpTable) -> set[str]:
        entries: dict[str, list[OpConcept]] = defaultdict(list)
        for concept in records.concepts.values():
            if concept.alpha2:
                entries[concept.alpha2].append(concept)
        return {code for code, found in entries.items() if all(c.deprecated for c in found)}

    def find(self, records: OpTable, country: CountryMatch) -> OpConcept | None:
        found = records.by_alpha2(country.alpha2)
        return found[0] if len(found) == 1 else None

    def codes(self, record: OpConcept) -> list[tuple[str, str | None, str]]:
        return [
            ("Publications Office alpha-3", record.alpha3, "alpha_3"),
            ("Publications Office numeric", record.numeric, "numeric"),
        ]

    def names(self, record: OpConcept) -> set[str]:
        return set(record.english_names)

    def named(self, records: OpTable, names: set[str]) -> list[str]:
        return [
            c.alpha2 or c.code
            for c in records.current()
            if names & {normalise(n) for n in c.english_names}
        ]

    def check(self, records: OpTable, country: CountryMatch) -> list[str]:
        found = records.by_alpha2(country.alpha2)
        if len(found) > 1:
            return [f"{len(found)} current Publications Office entries have {country.alpha2}"]
        return []

    def places(
        self, records: OpTable, documents: Documents, countries: dict[str, CountryMatch]
    ) -> tuple[list[PlaceMatch], list[str]]:
        notes: list[str] = []
        candidates = [
            (entity, documents.owners.get(iri, set()), False)
            for iri, entity in sorted(documents.territories.items())
        ] + [(entity, set(), True) for _iri, entity in sorted(documents.organisations.items())]
        found = [_place(records, *c, countries, notes) for c in candidates]
        return [p for p in found if p is not None], notes

    def links(self, matches: Matches) -> dict[str, set[tuple[str, str]]]:
        pairs = {(c.iri, concept.iri) for c in matches.countries if (concept := of(c))}
        pairs |= {(p.entity.iri, concept.iri) for p in matches.places if (concept := of(p))}
        return {"eu-authority": pairs}

    def facts(self, matches: Matches, graph: Graph) -> None:
        # Territories matched to the table (French Guiana, the Azores …) have codes too.
        coded = [(c.iri, of(c)) for c in matches.countries]
        coded += [(p.entity.iri, of(p)) for p in matches.places]
        for iri, concept in sorted(coded, key=lambda t: t[0]):
            if concept is not None:
                _codes(graph, iri, concept)
        for c in matches.countries:
            if (concept := of(c)) is not None:
                _native_labels(graph, c, concept)


def _codes(graph: Graph, iri: str, concept: OpConcept) -> None:
    for prop, value in (
        ("isoAlpha2", concept.alpha2),
        ("isoAlpha3", concept.alpha3),
        ("isoNumeric", concept.numeric),
        ("euAuthorityCode", concept.code),
    ):
        if value:
            graph.add(iri, KG + prop, s(value))


def _native_labels(graph: Graph, country: CountryMatch, concept: OpConcept) -> None:
    """The entry's preferred labels in the languages the country names itself in."""
    for lang in native_languages(country):
        label = concept.pref_labels.get(lang)
        if label:
            graph.add(country.iri, KG + "nativeLabel", Literal(label, language=lang))


def _place(
    table: OpTable,
    entity: Entity,
    owners: set[str],
    organisation: bool,
    countries: dict[str, CountryMatch],
    notes: list[str],
) -> PlaceMatch | None:
    """A territory (a part of a country) or an international organisation (not a country)
    whose English names fit exactly one current entry; a territory only when the table puts
    it under the country our data does."""
    ours = {normalise(n) for n in entity.names}
    candidates = _candidates(table, ours, organisation)
    if len(candidates) != 1:
        if len(candidates) > 1:
            notes.append(
                f"{entity.label}: not linked, {len(candidates)} Publications Office entries "
                f"match ({', '.join(c.code for c in candidates)})"
            )
        return None
    concept = candidates[0]
    if not organisation and not _owned_as_we_say(table, concept, owners, countries):
        country = table.country_of(concept)
        notes.append(
            f"{entity.label}: not linked, the Publications Office puts {concept.code} "
            f"under {country.code}, our data under another country"
        )
        return None
    names = frozenset(ours | {normalise(concept.label)})
    place = PlaceMatch(entity, concept.alpha2 or None, names)
    place.records[SOURCE.slug] = concept
    return place


def _candidates(table: OpTable, names: set[str], organisation: bool) -> list[OpConcept]:
    """Current entries bearing one of the names: for an organisation, not a country; for a
    territory, a part of a country (it has a ``skos:broader``)."""
    named = [c for c in table.current() if names & {normalise(n) for n in c.english_names}]
    if organisation:
        return [c for c in named if CURRENT_COUNTRIES_SCHEME not in c.schemes]
    return [c for c in named if c.broader]


def _owned_as_we_say(
    table: OpTable, concept: OpConcept, owners: set[str], countries: dict[str, CountryMatch]
) -> bool:
    """True unless our data names the territory's countries and the table's is not one."""
    owner_codes = {c.iri for o in owners if o in countries and (c := of(countries[o]))}
    return not owner_codes or table.country_of(concept).iri in owner_codes


def native_languages(m: CountryMatch) -> list[str]:
    """The languages a country's own names are taken in: a member state's official languages
    (EUMS), otherwise GeoNames' national varieties or its most spoken language."""
    member = eums.of(m)
    if member is not None:
        codes = []
        for name in member.languages:
            try:
                code = getattr(pycountry.languages.lookup(name), "alpha_2", None)
            except LookupError:
                code = None
            if code:
                codes.append(code)
        return list(dict.fromkeys(codes))
    row = geonames.of(m)
    return row.own_languages() if row is not None else []


SOURCE = PublicationsOffice()


def of(match: CountryMatch | PlaceMatch) -> OpConcept | None:
    """The authority-table entry matched to a country or place, if any."""
    return match.records.get(SOURCE.slug)


def table(external: ExternalData) -> OpTable:
    """The table as read for this run."""
    return external.records[SOURCE.slug]
