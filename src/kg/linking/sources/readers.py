"""Helpers the readers share: a UTF-8 CSV file with a header, read row by row with line
numbers, so that every reader's errors name the file, the line and the field."""

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
