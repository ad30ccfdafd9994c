"""The Geological Survey of Queensland's ISO 3166 countries vocabulary (SKOS, Turtle): a ready
linkset from each alpha-2 code to DBpedia (for about 73 countries), GeoNames and the EU
Publications Office. kg takes DBpedia from it, and uses its GeoNames and Publications Office
matches to cross-check the joins it makes from the other files.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import Literal, NamedNode, RdfFormat, parse

from kg.errors import InputError
from kg.linking.model import CountryMatch, Matches, PlaceMatch
from kg.linking.origins import CC_BY_4, SourceSpec
from kg.linking.rdf import OWL
from kg.linking.sources import geonames, op
from kg.linking.sources.contract import ExternalSource, Linkset

DBPEDIA = "http://dbpedia.org/resource/"
GEONAMES = re.compile(r"https?://sws\.geonames\.org/([0-9]+)/?")
OP = "http://publications.europa.eu/resource/authority/country/"
_SKOS = "http://www.w3.org/2004/02/skos/core#"


@dataclass(frozen=True)
class GsqConcept:
    iri: str
    alpha2: str
    dbpedia: tuple[str, ...]
    geonameids: tuple[str, ...]
    op: tuple[str, ...]


def read(path: Path) -> dict[str, GsqConcept]:
    """Concepts by their alpha-2 notation. Raises InputError (with line and column) when the
    file does not parse, or when two concepts share a notation."""
    try:
        quads = list(parse(path=str(path), format=RdfFormat.TURTLE))
    except SyntaxError as error:
        raise InputError(f"{path}: Turtle syntax error: {error}") from None
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error.strerror or error}") from None
    notation: dict[str, str] = {}
    matches: dict[str, list[str]] = defaultdict(list)
    for q in quads:
        if not isinstance(q.subject, NamedNode):
            continue
        if q.predicate.value == _SKOS + "notation" and isinstance(q.object, Literal):
            notation[q.subject.value] = q.object.value
        elif q.predicate.value == _SKOS + "exactMatch" and isinstance(q.object, NamedNode):
            matches[q.subject.value].append(q.object.value)
    found: dict[str, GsqConcept] = {}
    for iri, code in sorted(notation.items()):
        if code in found:
            raise InputError(f"{path}: notation {code!r} on both <{found[code].iri}> and <{iri}>")
        targets = sorted(matches.get(iri, []))
        found[code] = GsqConcept(
            iri=iri,
            alpha2=code,
            dbpedia=tuple(t for t in targets if t.startswith(DBPEDIA)),
            geonameids=tuple(m.group(1) for t in targets if (m := GEONAMES.fullmatch(t))),
            op=tuple(t for t in targets if t.startswith(OP)),
        )
    if not found:
        raise InputError(f"{path}: no skos:notation found")
    return found


# --------------------------------------------------------------------------- the source


class Gsq(ExternalSource):
    """DBpedia links by alpha-2 notation, and a check that its GeoNames and Publications
    Office matches are the ones the other sources gave."""

    spec = SourceSpec(
        "gsq",
        "gsq-countries.ttl",
        "Geological Survey of Queensland: ISO 3166 countries vocabulary",
        "Geological Survey of Queensland",
        CC_BY_4,
        "Geological Survey of Queensland, countries vocabulary, licensed under CC BY 4.0",
    )
    linksets = (Linkset("dbpedia", OWL + "sameAs", "http://dbpedia.org/", DBPEDIA, "DBpedia"),)

    def read(self, path: Path) -> dict[str, GsqConcept]:
        return read(path)

    def find(self, records: dict[str, GsqConcept], country: CountryMatch) -> GsqConcept | None:
        return records.get(country.alpha2)

    def check(self, records: dict[str, GsqConcept], country: CountryMatch) -> list[str]:
        concept, gn, entry = of(country), geonames.of(country), op.of(country)
        problems = []
        if concept and gn and concept.geonameids and gn.geonameid not in concept.geonameids:
            problems.append(
                f"GeoNames id {gn.geonameid} (countryInfo) but {concept.geonameids} (gsq)"
            )
        if concept and entry and concept.op and entry.iri not in concept.op:
            problems.append(f"gsq matches {concept.op}, the code gives <{entry.iri}>")
        return problems

    def find_place(self, records: dict[str, GsqConcept], place: PlaceMatch) -> GsqConcept | None:
        return records.get(place.alpha2) if place.alpha2 else None

    def links(self, matches: Matches) -> dict[str, set[tuple[str, str]]]:
        """Countries; a place only when GeoNames agrees it is that code's entity."""
        found = [(c.iri, of(c)) for c in matches.countries]
        found += [(p.entity.iri, of(p)) for p in matches.places if geonames.of(p) is not None]
        return {
            "dbpedia": {(iri, uri) for iri, concept in found if concept for uri in concept.dbpedia}
        }


SOURCE = Gsq()


def of(match: CountryMatch | PlaceMatch) -> GsqConcept | None:
    """The gsq concept matched to a country or place, if any."""
    return match.records.get(SOURCE.slug)
