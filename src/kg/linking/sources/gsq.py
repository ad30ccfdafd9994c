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
