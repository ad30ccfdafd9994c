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

from pyoxigraph import Literal, NamedNode, RdfFormat, parse

from kg.errors import InputError

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
