"""Readers of the external open-data files that ``kg link`` matches our entities with.

One module per source format, each returning plain records (never RDF of ours): the
Publications Office authority table (RDF/XML, :mod:`.op`), the Natural Earth countries table
(CSV, :mod:`.naturalearth`), GeoNames' country info (TSV, :mod:`.geonames`), the SKOS country
linkset (Turtle, :mod:`.gsq`) and the EU member-state table (CSV, :mod:`.eums`). What each file
is, where it comes from and under which licence is read from ``SOURCES.md`` beside the files
(:mod:`.sources`), so that the provenance kg writes is the folder's own, not typed again here.

Every reader raises :class:`kg.errors.InputError` naming the file, the line and the field when
a file is missing or malformed, before anything is written.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from pathlib import Path

from kg.errors import InputError


def csv_rows(path: Path, required: Sequence[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """The rows of a UTF-8 CSV file with a header, each with its line number, after checking
    the header has the required columns. Every problem is an InputError naming the file (and
    line): a missing column, an unreadable file, bytes that are not UTF-8 CSV."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in required if c not in (reader.fieldnames or [])]
            if missing:
                raise InputError(f"{path}:1: missing column(s) {', '.join(missing)}")
            for row in reader:
                yield reader.line_num, row
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error.strerror or error}") from None
    except (UnicodeDecodeError, csv.Error) as error:
        raise InputError(f"{path}: not a UTF-8 CSV file: {error}") from None
