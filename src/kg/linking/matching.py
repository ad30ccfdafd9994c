"""Read the registered sources and match our entities with their records.

A country node's ``id:`` slug is its ISO 3166-1 alpha-2 code. Each source finds its record for
the code (:meth:`~kg.linking.sources.contract.ExternalSource.find`); then every code a source
gives must equal pycountry's, every source's own checks must pass, and our English label must
be one of the names some source (or pycountry) gives. Any problem is a
:class:`kg.errors.LinkError` listing all of them: no file is written from an identity in doubt.
Territories and organisations are matched where a source finds exactly one entry by label, and
the other sources attach their records to them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pycountry

from kg import resources
from kg.errors import InputError, LinkError
from kg.linking.model import CountryMatch, Documents, Entity, ExternalData, Matches, normalise
from kg.linking.origins import load_sources
from kg.linking.sources import REGISTRY
from kg.linking.sources.contract import ExternalSource

_ALPHA2 = re.compile(r"[A-Z]{2}")


def read_external(
    folder: Path | None = None, registry: Sequence[ExternalSource] | None = None
) -> ExternalData:
    """Read every registered source's file from the external folder (``KG_EXTERNAL`` or
    ``shared/external``).

    Raises:
        InputError: no folder, a missing SOURCES.md row or file, a malformed file.
    """
    sources_ = list(REGISTRY if registry is None else registry)
    folder = folder if folder is not None else resources.external_dir()
    if folder is None:
        raise InputError(
            "no folder of external files: set KG_EXTERNAL or pass --external DIR "
            "(the folder holding SOURCES.md and the files it lists)"
        )
    if not folder.is_dir():
        raise InputError(f"{folder}: no such folder")
    found = load_sources(folder, [s.spec for s in sources_])
    records = {s.slug: s.read(found[s.slug].path) for s in sources_}
    retired = frozenset(code for s in sources_ for code in s.retired_codes(records[s.slug]))
    return ExternalData(found, records, retired, tuple(sources_))


def _iso_names(record: object | None) -> set[str]:
    return {
        getattr(record, a)
        for a in ("name", "common_name", "official_name")
        if record is not None and getattr(record, a, None)
    }


def _code_problems(m: CountryMatch, registry: Sequence[ExternalSource]) -> list[str]:
    """Every code a source gives for the country that is not pycountry's."""
    return [
        f"{what} is {value!r}, pycountry says {getattr(m.iso, attr)!r}"
        for source in registry
        if source.slug in m.records
        for what, value, attr in source.codes(m.records[source.slug])
        if value != getattr(m.iso, attr)
    ]


def _names(m: CountryMatch, ext: ExternalData) -> set[str]:
    """Every name pycountry and the sources give the country's code."""
    found = [s.names(m.records[s.slug]) for s in ext.registry if s.slug in m.records]
    return _iso_names(m.iso).union(*found)


def _label_problem(m: CountryMatch, ext: ExternalData) -> str | None:
    """Our English label must be a name some source (or pycountry) gives the code; if not,
    say whose name it is."""
    names = _names(m, ext)
    entity = m.entity
    ours = {normalise(n) for n in entity.names or {entity.label}}
    if not names or ours & {normalise(n) for n in names}:
        return None
    other = sorted(c for s in ext.registry for c in s.named(ext.records[s.slug], ours))
    hint = f"; the label is the name of {', '.join(other)}" if other else ""
    return f"the label is none of the names of {m.alpha2} ({', '.join(sorted(names))}){hint}"


def match_country(entity: Entity, code: str, ext: ExternalData) -> tuple[CountryMatch, list[str]]:
    """A country node and each source's record for its code, with every problem found."""
    m = CountryMatch(entity, code)
    if not _ALPHA2.fullmatch(code):
        return m, ["a kg:Country's id must be its ISO 3166-1 alpha-2 code"]
    m.iso = pycountry.countries.get(alpha_2=code)
    for source in ext.registry:
        record = source.find(ext.records[source.slug], m)
        if record is not None:
            m.records[source.slug] = record
    problems = []
    if m.iso is None:
        problems.append(f"{code} is not an ISO 3166-1 alpha-2 code (pycountry)")
    else:
        problems += _code_problems(m, ext.registry)
    for source in ext.registry:
        problems += source.check(ext.records[source.slug], m)
    label = _label_problem(m, ext)
    return m, problems + ([label] if label else [])


def match(documents: Documents, external: ExternalData) -> Matches:
    """Match every country node by code (cross-checked by label and across sources), and
    territories and international organisations where a source finds exactly one entry.

    Raises:
        LinkError: a code and a label disagree, or two sources give different codes.
    """
    problems: list[str] = []
    countries = []
    for code, entity in sorted(documents.countries.items()):
        m, found = match_country(entity, code, external)
        countries.append(m)
        problems += [f"{entity.iri} ({entity.label!r}): {p}" for p in found]
    if problems:
        raise LinkError(problems)
    by_iri = {m.iri: m for m in countries}
    places, notes = [], []
    for source in external.registry:
        found, said = source.places(external.records[source.slug], documents, by_iri)
        places += found
        notes += said
    for place in places:
        for source in external.registry:
            if source.slug not in place.records:
                record = source.find_place(external.records[source.slug], place)
                if record is not None:
                    place.records[source.slug] = record
    return Matches(documents, external, countries, places, notes)
