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
from kg.linking.sources import csv_rows

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
