"""The Natural Earth admin-0 countries table (CSV): the only source of Wikidata QIDs.

Why ``ISO_A3_EH`` and then ``ADM0_A3``: Natural Earth gives ``ISO_A2 = -99`` (and ``ISO_A3 =
-99``) for rows whose mapped unit differs from the ISO entity (France, Norway); ``ISO_A3_EH``
("even if") still carries the ISO code for France, and ``ADM0_A3`` for Norway. Rows keep
``ISO_A2`` when it is a real code so that the linker can cross-check it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from kg.errors import InputError
from kg.linking.model import CountryMatch, Matches, PlaceMatch
from kg.linking.origins import SourceSpec
from kg.linking.rdf import OWL, WD
from kg.linking.sources.contract import ExternalSource, Linkset
from kg.linking.sources.readers import csv_rows

NONE = "-99"
QID = re.compile(r"Q[1-9][0-9]*")
REQUIRED = ("ISO_A2", "ISO_A3_EH", "ADM0_A3", "WIKIDATAID", "NAME_EN", "NAME", "ADMIN")


@dataclass(frozen=True)
class NeCountry:
    line: int
    alpha3: str  # ISO_A3_EH, or ADM0_A3 when that is -99
    alpha2: str | None  # None when Natural Earth gives -99
    qid: str
    names: frozenset[str]  # English names: NAME_EN, NAME, NAME_LONG, ADMIN, FORMAL_EN


def read(path: Path) -> list[NeCountry]:
    """Read the rows. Raises InputError (file, line, field) on a missing column or a QID that
    is not of the form Q123."""
    rows = []
    for line, row in csv_rows(path, REQUIRED):
        qid = (row["WIKIDATAID"] or "").strip()
        if not QID.fullmatch(qid):
            raise InputError(f"{path}:{line}: field WIKIDATAID {qid!r} is not a QID")
        alpha3 = row["ISO_A3_EH"].strip()
        if alpha3 == NONE:
            alpha3 = row["ADM0_A3"].strip()
        alpha2 = row["ISO_A2"].strip()
        names = {
            (row.get(c) or "").strip()
            for c in ("NAME_EN", "NAME", "NAME_LONG", "ADMIN", "FORMAL_EN")
        }
        rows.append(
            NeCountry(
                line=line,
                alpha3=alpha3,
                alpha2=None if alpha2 == NONE else alpha2,
                qid=qid,
                names=frozenset(n for n in names if n),
            )
        )
    return rows


class NaturalEarth(ExternalSource):
    """Wikidata links: a country's row is found by its ISO alpha-3 code (pycountry's; the run
    checks that every other source gives the same)."""

    spec = SourceSpec(
        "naturalearth",
        "naturalearth-ne_110m_admin_0_countries.csv",
        "Natural Earth admin-0 countries (1:110m)",
        "Natural Earth",
        "https://creativecommons.org/publicdomain/mark/1.0/",
        "Made with Natural Earth (public domain)",
    )
    linksets = (Linkset("wikidata", OWL + "sameAs", "http://www.wikidata.org/", WD, "Wikidata"),)

    def read(self, path: Path) -> list[NeCountry]:
        return read(path)

    def find(self, records: list[NeCountry], country: CountryMatch) -> NeCountry | None:
        alpha3 = getattr(country.iso, "alpha_3", None)
        return {row.alpha3: row for row in records}.get(alpha3) if alpha3 else None

    def codes(self, record: NeCountry) -> list[tuple[str, str | None, str]]:
        return [] if record.alpha2 is None else [("Natural Earth ISO_A2", record.alpha2, "alpha_2")]

    def names(self, record: NeCountry) -> set[str]:
        return set(record.names)

    def links(self, matches: Matches) -> dict[str, set[tuple[str, str]]]:
        found = ((c.iri, of(c)) for c in matches.countries)
        return {"wikidata": {(iri, WD + row.qid) for iri, row in found if row is not None}}


SOURCE = NaturalEarth()


def of(match: CountryMatch | PlaceMatch) -> NeCountry | None:
    """The Natural Earth row matched to a country or place, if any."""
    return match.records.get(SOURCE.slug)
