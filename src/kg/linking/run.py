"""``kg link``: link our entities with external open-data graphs, from offline copies — the
run that reads the documents and the sources (:mod:`kg.linking.model`), matches them, and
writes what :mod:`kg.linking.build` makes; its report for people and programs."""

from __future__ import annotations

import io
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from kg import resources
from kg.linking import build as link_build
from kg.linking.matching import match, read_external
from kg.linking.model import Matches, PlaceMatch, read_documents
from kg.linking.sources import geonames, op
from kg.linking.sources.contract import ExternalSource
from kg.namespaces import curie


@dataclass
class LinkReport:
    """What ``kg link`` did: coverage per source, what stayed unlinked, the files written."""

    matches: Matches
    written: list[Path]
    unchanged: list[Path]
    triples: dict[str, int]  # file (relative to data/) -> triples

    def coverage(self) -> dict[str, dict[str, list[str]]]:
        """Per linkset (in the registry's order): the country nodes linked and not linked (by
        alpha-2 code)."""
        coverage = {}
        for source in self.matches.external.registry:
            links = source.links(self.matches)
            for linkset in source.linksets:
                linked = {iri for iri, _target in links.get(linkset.stem, ())}
                coverage[linkset.stem] = {
                    "linked": [m.alpha2 for m in self.matches.countries if m.iri in linked],
                    "missing": [m.alpha2 for m in self.matches.countries if m.iri not in linked],
                }
        return coverage

    def unlinked(self) -> dict[str, list[str]]:
        """Named entities of the documents no source covers, by class CURIE."""
        linked = self.matches.linked()
        groups: dict[str, list[str]] = defaultdict(list)
        for iri, entity in sorted(self.matches.documents.named.items()):
            if iri not in linked:
                groups[curie(entity.cls)].append(entity.label)
        return {k: sorted(v, key=str.casefold) for k, v in sorted(groups.items())}


def link(
    external: Path | None = None,
    data_dir: Path | None = None,
    *,
    write: bool = True,
    registry: Sequence[ExternalSource] | None = None,
) -> LinkReport:
    """Build the linksets, the external-fact graphs and the dataset description, and write
    them under ``data/links`` and ``data/external`` (all files or none).

    Args:
        external: the folder of external files (default: ``kg.resources.external_dir()``).
        data_dir: the data folder to read documents from and write into (default ``data/``).
        write: False to build and report without writing (the files are still compared).
        registry: the sources to read (default: :data:`kg.linking.sources.REGISTRY`).

    Raises:
        InputError: a file is missing or malformed (file, line, field).
        LinkError: identities disagree; nothing is written.
        OutputError: a file cannot be written; none is changed.
    """
    folder = data_dir if data_dir is not None else resources.data_dir()
    documents = read_documents(folder)
    ext = read_external(external, registry)
    matches = match(documents, ext)
    files = link_build.build(matches, folder)
    written, unchanged = link_build.write_all(folder, files, dry_run=not write)
    counts = {name: n for name, (_data, n) in files.items()}
    return LinkReport(matches, written, unchanged, counts)


def _place_label(place: PlaceMatch) -> str:
    """A place as the table names it: its label and its EU authority code."""
    entry = op.of(place)
    return f"{place.entity.label} ({entry.code})" if entry else place.entity.label


def render(report: LinkReport, fmt: str = "table") -> str:
    """The report of ``kg link``: JSON for programs, a table for people."""
    coverage = report.coverage()
    places = [
        {
            "entity": p.entity.iri,
            "label": p.entity.label,
            "eu_authority": entry.iri if (entry := op.of(p)) else None,
            "geonames": row.uri if (row := geonames.of(p)) else None,
        }
        for p in report.matches.places
    ]
    if fmt == "json":
        return (
            json.dumps(
                {
                    "countries": len(report.matches.countries),
                    "coverage": coverage,
                    "places": places,
                    "unlinked": report.unlinked(),
                    "notes": report.matches.notes,
                    "files": {k: v for k, v in sorted(report.triples.items())},
                    "written": [p.name for p in report.written],
                },
                indent=2,
                ensure_ascii=False,
            )
            + "\n"
        )
    out = io.StringIO()
    console = Console(file=out, width=100, color_system=None)
    n = len(report.matches.countries)
    table = Table(title=f"Country nodes linked ({n})", title_justify="left")
    for column in ("target", "linked", "not linked"):
        table.add_column(column)
    for name, cov in coverage.items():
        table.add_row(name, str(len(cov["linked"])), ", ".join(cov["missing"]) or "-")
    console.print(table)
    if places:
        console.print(
            "Territories and organisations linked: "
            + ", ".join(_place_label(p) for p in report.matches.places)
        )
    console.print("Unlinked (no external file covers them), by class:")
    for cls, labels in report.unlinked().items():
        shown = "; ".join(labels[:8]) + (f"; … {len(labels) - 8} more" if len(labels) > 8 else "")
        console.print(f"  {cls} ({len(labels)}): {shown}", soft_wrap=True)
    for note in report.matches.notes:
        console.print(f"note: {note}", soft_wrap=True)
    files = ", ".join(f"{k} ({v})" for k, v in sorted(report.triples.items()))
    console.print(f"files (triples): {files}", soft_wrap=True)
    state = f"{len(report.written)} written, {len(report.unchanged)} unchanged"
    console.print(state)
    return out.getvalue()
