"""The ``#+`` header at the top of a query file (grlc's convention), read in one place.

Canned queries (:mod:`kg.sparql.catalogue`) and data-quality checks
(:mod:`kg.validation.report`) both start with it::

    #+ summary: Countries that participate in a forum
    #+ description: Countries whose stakeholders take part in the given forum, with the
    #+   period and the source passage.
    #+ params:
    #+   forum: iri kg:Forum = EuroDIG — the forum

This module knows the syntax (``#+ key: value`` lines, indented continuation lines, the
header at the top of the file, each key once); what a key's value means is the caller's.
Errors name the file and line.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from pathlib import Path
from typing import NamedTuple

from kg.errors import InputError

_KEY_LINE = re.compile(r" ([a-z]+):(?: (.*))?")


class Entry(NamedTuple):
    """One ``#+ key: value`` line and its continuation lines (text and line number, appended
    as they are read). A NamedTuple, not a dataclass: every cold ``kg query`` reads a header,
    and a dataclass costs several times as much to define (its methods are compiled from
    source in every process)."""

    key: str
    value: str
    line: int
    continuation: list[tuple[str, int]]

    def text(self) -> str:
        """The value with its continuation lines joined by spaces."""
        return " ".join([self.value, *(c for c, _ in self.continuation)]).strip()


def read(path: Path | str, text: str, keys: Collection[str]) -> dict[str, Entry]:
    """The header's entries by key, in file order.

    Raises:
        InputError: a malformed line, an unknown key, a key given twice, a continuation before
            any key, or a ``#+`` line after the header ended (file and line named).
    """
    lines = text.splitlines()
    entries: dict[str, Entry] = {}
    current: Entry | None = None
    end = len(lines)
    for index, line in enumerate(lines):
        number = index + 1
        if not line.startswith("#+"):
            end = index
            break
        body = line[2:]
        where = f"{path}:{number}"
        if not body.strip():
            continue
        if body.startswith("  "):
            if current is None:
                raise InputError(f"{where}: continuation line before any '#+ key:' line")
            current.continuation.append((body.strip(), number))
            continue
        m = _KEY_LINE.fullmatch(body.rstrip())
        if not m:
            raise InputError(
                f"{where}: expected '#+ key: value' (keys: {', '.join(keys)}) "
                "or a continuation line '#+   …'"
            )
        key, value = m.group(1), (m.group(2) or "").strip()
        if key not in keys:
            raise InputError(f"{where}: unknown header key '{key}' (keys: {', '.join(keys)})")
        if key in entries:
            raise InputError(f"{where}: '{key}' is given twice")
        current = entries[key] = Entry(key, value, number, [])
    for index in range(end, len(lines)):
        if lines[index].startswith("#+"):
            raise InputError(
                f"{path}:{index + 1}: header lines (#+) must all come at the top of the file"
            )
    return entries
