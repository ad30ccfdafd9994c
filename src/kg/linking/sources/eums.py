"""The EU Member State database (EUMS, ``member_states_raw.csv``): one row per member state,
past or present, with ISO codes, accession and exit dates and official languages.

Caveat kept as the source gives it: founding members' ``accession_date`` is 1952-07-23, the
entry into force of the European Coal and Steel Community treaty, not a date of the European
Union (founded 1993-11-01); :attr:`EumsMember.founding` says which rows those are.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from kg.errors import InputError
from kg.linking.model import EU, CountryMatch, Matches, PlaceMatch
from kg.linking.origins import SourceSpec
from kg.linking.rdf import KG, RDFS, Graph, date, en
from kg.linking.sources.contract import ExternalSource
from kg.linking.sources.readers import csv_rows
from kg.namespaces import ID, RDF_TYPE, VOC

REQUIRED = (
    "member_state",
    "iso_alpha_2_code",
    "iso_alpha_3_code",
    "languages",
    "accession_date",
    "exit_date",
    "wave_1",
)
_ALPHA2 = re.compile(r"[A-Z]{2}")


@dataclass(frozen=True)
class EumsMember:
    line: int
    name: str
    alpha2: str
    alpha3: str
    languages: tuple[str, ...]
    accession: dt.date
    exit: dt.date | None
    founding: bool


def _date(path: Path, line: int, column: str, value: str) -> dt.date | None:
    if value in ("", "NA"):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{path}:{line}: field {column} {value!r} is not a date") from None


def read(path: Path) -> dict[str, EumsMember]:
    """Rows by ISO alpha-2 code. Raises InputError (file, line, field) on a missing column, a
    malformed code or date."""
    members: dict[str, EumsMember] = {}
    for line, row in csv_rows(path, REQUIRED):
        alpha2 = row["iso_alpha_2_code"].strip()
        if not _ALPHA2.fullmatch(alpha2):
            raise InputError(f"{path}:{line}: field iso_alpha_2_code {alpha2!r}")
        accession = _date(path, line, "accession_date", row["accession_date"].strip())
        if accession is None:
            raise InputError(f"{path}:{line}: field accession_date is empty")
        members[alpha2] = EumsMember(
            line=line,
            name=row["member_state"].strip(),
            alpha2=alpha2,
            alpha3=row["iso_alpha_3_code"].strip(),
            languages=tuple(n.strip() for n in row["languages"].split(",") if n.strip()),
            accession=accession,
            exit=_date(path, line, "exit_date", row["exit_date"].strip()),
            founding=row["wave_1"].strip() == "1",
        )
    if not members:
        raise InputError(f"{path}: no member-state rows")
    return members


# --------------------------------------------------------------------------- the source

_FOUNDING = (
    "Founding member: the source's accession date, 1952-07-23, is the entry into force of the "
    "European Coal and Steel Community treaty, kept as the source gives it (the European Union "
    "itself dates from 1993-11-01)."
)


class Eums(ExternalSource):
    """EU memberships of our country nodes (by alpha-2), with accession and exit dates."""

    spec = SourceSpec(
        "eums",
        "eums-member_states_raw.csv",
        "EUMS: the European Union Member States database",
        "Joshua C. Fjelstul",
        "https://spdx.org/licenses/MIT.html",
        "EUMS database, © 2021 Joshua C. Fjelstul, MIT licence",
    )
    description = (
        "EU membership of our country nodes with the accession (and exit) date as the EUMS "
        "table gives it. For the six founding members the table's accession date is "
        "1952-07-23, the entry into force of the European Coal and Steel Community treaty; it "
        "is kept as the source gives it, and each such membership says so in an rdfs:comment."
    )

    def read(self, path: Path) -> dict[str, EumsMember]:
        return read(path)

    def find(self, records: dict[str, EumsMember], country: CountryMatch) -> EumsMember | None:
        return records.get(country.alpha2)

    def codes(self, record: EumsMember) -> list[tuple[str, str | None, str]]:
        return [("EUMS iso_alpha_3_code", record.alpha3, "alpha_3")]

    def names(self, record: EumsMember) -> set[str]:
        return {record.name}

    def facts(self, matches: Matches, graph: Graph) -> None:
        for c in matches.countries:
            member = of(c)
            if member is None:
                continue
            node = f"{ID}aff-{c.alpha2}-european-union-eums"
            graph.add(node, RDF_TYPE, KG + "Membership")
            graph.add(node, KG + "affiliate", c.iri)
            graph.add(node, KG + "affiliatedWith", EU)
            graph.add(node, KG + "affiliationRole", VOC + "role-member-state")
            graph.add(node, KG + "startDate", date(member.accession.isoformat()))
            if member.exit is not None:
                graph.add(node, KG + "endDate", date(member.exit.isoformat()))
            if member.founding:
                graph.add(node, RDFS + "comment", en(_FOUNDING))


SOURCE = Eums()


def of(match: CountryMatch | PlaceMatch) -> EumsMember | None:
    """The EUMS row matched to a country, if any."""
    return match.records.get(SOURCE.slug)
