"""GeoNames' country info (``countryInfo.txt``): tab-separated, ``#`` comments, the column
names on the last comment line before the data.

What kg reads: the ISO codes, the English name, the capital's name, the ``geonameid`` (the
feature's URI is ``https://sws.geonames.org/{geonameid}/``), the ``neighbours`` (ISO alpha-2
codes of the countries it shares a *land* border with: GeoNames lists no maritime neighbours —
Denmark's only neighbour is Germany, Sweden's are Norway and Finland) and the ``Languages``
(BCP 47 tags, most spoken first; a tag with the country's own region subtag, ``fr-FR``, marks the
national variety).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from kg.errors import InputError
from kg.linking.model import CountryMatch, ExternalData, Matches, PlaceMatch, normalise
from kg.linking.origins import CC_BY_4, SourceSpec
from kg.linking.rdf import KG, OWL, Graph, en, slug
from kg.linking.sources.contract import ExternalSource, Linkset
from kg.namespaces import ID, RDF_TYPE, RDFS_LABEL

URI = "https://sws.geonames.org/{}/"
COLUMNS = (
    "ISO",
    "ISO3",
    "ISO-Numeric",
    "Country",
    "Capital",
    "Languages",
    "geonameid",
    "neighbours",
)
_ALPHA2 = re.compile(r"[A-Z]{2}")


@dataclass(frozen=True)
class GnCountry:
    line: int
    alpha2: str
    alpha3: str
    numeric: str
    name: str
    capital: str | None
    geonameid: str
    neighbours: tuple[str, ...]
    languages: tuple[str, ...]

    @property
    def uri(self) -> str:
        return URI.format(self.geonameid)

    def own_languages(self) -> list[str]:
        """Primary language subtags of the national varieties (``xx-<own code>``), or the most
        spoken language when no variety is marked: the languages a country names itself in."""
        own = [t.split("-")[0] for t in self.languages if t.endswith("-" + self.alpha2)]
        if not own and self.languages:
            own = [self.languages[0].split("-")[0]]
        return list(dict.fromkeys(own))


def read(path: Path) -> dict[str, GnCountry]:
    """Rows by ISO alpha-2 code. Raises InputError (file, line, field) when the header is
    missing, a row is short, or a code or geonameid is malformed."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: not UTF-8 text (byte {error.start})") from None
    header: list[str] | None = None
    rows: dict[str, GnCountry] = {}
    for number, line in enumerate(lines, 1):
        if line.startswith("#"):
            cells = line[1:].split("\t")
            if cells and cells[0] == "ISO":
                header = [c.strip() for c in cells]
            continue
        if not line.strip():
            continue
        if header is None:
            raise InputError(f"{path}:{number}: data before the '#ISO\\tISO3…' header line")
        missing = [c for c in COLUMNS if c not in header]
        if missing:
            raise InputError(f"{path}:{number}: header lacks column(s) {', '.join(missing)}")
        cells = line.split("\t")
        if len(cells) < len(header) - 1:
            raise InputError(
                f"{path}:{number}: {len(cells)} fields, expected {len(header)} (tab-separated)"
            )
        row = dict(zip(header, [c.strip() for c in cells], strict=False))
        alpha2 = row["ISO"]
        if not _ALPHA2.fullmatch(alpha2):
            raise InputError(f"{path}:{number}: field ISO {alpha2!r} is not an alpha-2 code")
        if not row["geonameid"].isdigit():
            raise InputError(f"{path}:{number}: field geonameid {row['geonameid']!r}")
        neighbours = tuple(n for n in (row.get("neighbours") or "").split(",") if n)
        for n in neighbours:
            if not _ALPHA2.fullmatch(n):
                raise InputError(f"{path}:{number}: field neighbours has {n!r}")
        rows[alpha2] = GnCountry(
            line=number,
            alpha2=alpha2,
            alpha3=row["ISO3"],
            numeric=row["ISO-Numeric"],
            name=row["Country"],
            capital=row["Capital"] or None,
            geonameid=row["geonameid"],
            neighbours=neighbours,
            languages=tuple(t for t in (row.get("Languages") or "").split(",") if t),
        )
    if not rows:
        raise InputError(f"{path}: no country rows")
    return rows


# --------------------------------------------------------------------------- the source


class GeoNames(ExternalSource):
    """GeoNames features for country nodes (by alpha-2) and for territories another source
    found (by their code, when GeoNames names them as we or that source do); capitals and
    land neighbours as facts."""

    spec = SourceSpec(
        "geonames",
        "geonames-countryInfo.txt",
        "GeoNames country info",
        "GeoNames",
        CC_BY_4,
        "GeoNames (geonames.org), licensed under CC BY 4.0",
    )
    linksets = (
        Linkset(
            "geonames",
            OWL + "sameAs",
            "https://www.geonames.org/",
            "https://sws.geonames.org/",
            "GeoNames",
        ),
    )
    description = (
        "Capitals (GeoNames' capital names; a city node is created only where the documents "
        "have none, labelled as GeoNames names it) and land borders (GeoNames' 'neighbours', "
        "which list land borders only, as kg:sharesLandBorderWith; a neighbour without a node "
        "of ours is its GeoNames feature)."
    )

    def read(self, path: Path) -> dict[str, GnCountry]:
        return read(path)

    def find(self, records: dict[str, GnCountry], country: CountryMatch) -> GnCountry | None:
        return records.get(country.alpha2)

    def codes(self, record: GnCountry) -> list[tuple[str, str | None, str]]:
        return [
            ("GeoNames ISO3", record.alpha3, "alpha_3"),
            ("GeoNames numeric", record.numeric, "numeric"),
        ]

    def names(self, record: GnCountry) -> set[str]:
        return {record.name}

    def find_place(self, records: dict[str, GnCountry], place: PlaceMatch) -> GnCountry | None:
        row = records.get(place.alpha2) if place.alpha2 else None
        return row if row is not None and normalise(row.name) in place.names else None

    def links(self, matches: Matches) -> dict[str, set[tuple[str, str]]]:
        found = [(c.iri, of(c)) for c in matches.countries]
        found += [(p.entity.iri, of(p)) for p in matches.places]
        return {"geonames": {(iri, row.uri) for iri, row in found if row is not None}}

    def facts(self, matches: Matches, graph: Graph) -> None:
        _neighbours(matches, graph)
        _capitals(matches, graph)


def _node_for_code(m: Matches) -> dict[str, str]:
    """ISO alpha-2 code -> our node (a country, or a territory linked to GeoNames by that
    code)."""
    found = {c.alpha2: c.iri for c in m.countries}
    for p in m.places:
        if p.alpha2 and p.alpha2 not in found and of(p) is not None:
            found[p.alpha2] = p.entity.iri
    return found


def _neighbours(m: Matches, g: Graph) -> None:
    """Land neighbours of every node GeoNames has a row for; a neighbour without a node of
    ours is its GeoNames feature, labelled as GeoNames names it."""
    rows = table(m.external)
    by_code = _node_for_code(m)
    subjects = [(c.iri, of(c)) for c in m.countries]
    subjects += [(p.entity.iri, of(p)) for p in m.places]
    for iri, row in sorted(subjects, key=lambda t: t[0]):
        for code in row.neighbours if row is not None else ():
            if m.obsolete(code):
                continue
            target = by_code.get(code)
            if target is None:
                other = rows.get(code)
                if other is None:
                    continue
                target = other.uri
                g.add(target, RDFS_LABEL, en(other.name))
            g.add(iri, KG + "sharesLandBorderWith", target)


def _capitals(m: Matches, g: Graph) -> None:
    for c in m.countries:
        row = of(c)
        if row is None or not row.capital:
            continue
        city, new = _capital_node(m, c.iri, row.capital)
        g.add(c.iri, KG + "capital", city)
        g.add(city, RDF_TYPE, KG + "City")
        if new:
            g.add(city, RDFS_LABEL, en(row.capital))


def _capital_node(m: Matches, country: str, name: str) -> tuple[str, bool]:
    """The node for a GeoNames capital: the documents' capital of that country if it bears the
    name, else the one document city or unclassified place of that name, else a new node."""
    docs = m.documents
    wanted = normalise(name)
    for fact in docs.capitals:
        if fact.subject == country:
            city = docs.named.get(fact.object)
            if city and wanted in {normalise(n) for n in city.names}:
                return fact.object, False
    candidates = [
        e.iri
        for e in docs.named.values()
        if e.cls in (KG + "City", KG + "Place") and wanted in {normalise(n) for n in e.names}
    ]
    if len(candidates) == 1:
        return candidates[0], False
    iri = ID + slug(name)
    if iri in docs.named or iri in (c.iri for c in m.countries):
        iri = ID + slug(name) + "-city"
    return iri, True


SOURCE = GeoNames()


def of(match: CountryMatch | PlaceMatch) -> GnCountry | None:
    """The GeoNames row matched to a country or place, if any."""
    return match.records.get(SOURCE.slug)


def table(external: ExternalData) -> dict[str, GnCountry]:
    """The rows as read for this run, by alpha-2 code."""
    return external.records[SOURCE.slug]
