"""What each external file is: its upstream (repository, commit, path) and licence as
``SOURCES.md`` states them, plus what kg needs to cite it (a title, the licence's IRI, the
attribution line).

Each source declares its :class:`SourceSpec` in its own module (:mod:`kg.linking.sources`);
this module joins it with the folder's description.

Why parse ``SOURCES.md`` rather than repeat it: the folder of files and its description travel
together; if a file is replaced by a newer copy, its row changes there and kg's provenance
follows. The licence IRIs and titles in the specs are the only things kg adds, and
``load_sources`` checks that every file kg reads has a row.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from kg.errors import InputError

SOURCES_FILE = "SOURCES.md"


@dataclass(frozen=True)
class SourceSpec:
    """What kg knows about a source before reading SOURCES.md: its slug (the graph name under
    ``graph:external/`` or ``graph:links/``), the file, a title, the licence IRI and the
    attribution to show wherever data derived from it is shipped."""

    slug: str
    file: str
    title: str
    publisher: str
    license_iri: str
    attribution: str


@dataclass(frozen=True)
class Source:
    """A source as SOURCES.md describes it, joined with its :class:`SourceSpec`."""

    spec: SourceSpec
    path: Path
    repository: str
    commit: str
    upstream_path: str
    license_text: str

    @property
    def slug(self) -> str:
        return self.spec.slug

    @property
    def upstream_url(self) -> str:
        """The upstream file at the pinned commit (a permanent address on GitHub)."""
        return f"https://github.com/{self.repository}/blob/{self.commit}/{self.upstream_path}"

    @property
    def upstream(self) -> str:
        """``owner/name@commit:path``, as a citation."""
        return f"{self.repository}@{self.commit}:{self.upstream_path}"


CC_BY_4 = "https://creativecommons.org/licenses/by/4.0/"

_ROW = re.compile(r"^\|\s*`([^`]+)`\s*\|(.*)\|\s*$")
_UPSTREAM = re.compile(r"^\s*([\w.-]+/[\w.-]+)\s*@\s*([0-9a-f]{40})\s*:\s*`([^`]+)`\s*$")


def load_sources(folder: Path, specs: Iterable[SourceSpec]) -> dict[str, Source]:
    """The sources of ``folder`` that ``specs`` name, keyed by slug, in the order given, with
    their SOURCES.md rows.

    Raises:
        InputError: SOURCES.md or a file is missing, or a row is not in the expected form
            (the message names the line).
    """
    index = folder / SOURCES_FILE
    try:
        lines = index.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise InputError(f"{index}: cannot read: {error.strerror or error}") from None
    rows: dict[str, tuple[int, list[str]]] = {}
    for number, line in enumerate(lines, 1):
        m = _ROW.match(line)
        if m:
            rows[m.group(1)] = (number, [c.strip() for c in m.group(2).split("|")])
    found: dict[str, Source] = {}
    for spec in specs:
        if spec.file not in rows:
            raise InputError(f"{index}: no row for `{spec.file}` (kg link reads that file)")
        number, cells = rows[spec.file]
        if len(cells) != 3:
            raise InputError(
                f"{index}:{number}: expected the columns what | upstream | licence "
                f"for `{spec.file}`"
            )
        up = _UPSTREAM.match(cells[1])
        if not up:
            raise InputError(
                f"{index}:{number}: field 'upstream' of `{spec.file}` is not "
                "'owner/name @ <40-hex commit> : `path`'"
            )
        path = folder / spec.file
        if not path.is_file():
            raise InputError(f"{path}: no such file (listed in {index}:{number})")
        found[spec.slug] = Source(spec, path, up.group(1), up.group(2), up.group(3), cells[2])
    return found
