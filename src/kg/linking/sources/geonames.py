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
