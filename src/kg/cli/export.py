"""``kg export``."""

from __future__ import annotations

from pathlib import Path

import click

from kg.cli.base import command, stdout
from kg.formats import choices


@command("export")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(choices("export")),
    default=None,
    help="Output format; by default the one the -o file's extension names, else trig. "
    "trig, nquads and jsonld keep the named graphs (which passage states which fact); "
    "the others write their union.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to FILE (atomically: the old file stays intact on failure); default stdout.",
)
@click.option(
    "--with-inferred/--asserted-only",
    default=False,
    show_default=True,
    help="Add the inferred graphs and their provenance (default: asserted triples only).",
)
@click.option(
    "--include-ontology",
    is_flag=True,
    help="Add the ontology graph (terms and axioms) to the data.",
)
@click.option(
    "--union",
    is_flag=True,
    help="JSON-LD: write the union of the graphs as one graph, without the passage graphs "
    "(the other triple formats always write the union).",
)
def export(
    paths: tuple[Path, ...],
    fmt: str | None,
    output: Path | None,
    with_inferred: bool,
    include_ontology: bool,
    union: bool,
) -> None:
    """Export the graph: the data (the given files and folders, the repository's data/ when
    none are given) with passage graphs, provenance, vocabulary and linksets.

    Output is stable (same input, same bytes, for every format but rdfxml) and parses
    back to the same dataset. JSON-LD is compacted with ontology/context.jsonld, embedded: a
    JSON-LD 1.1 dataset with a named graph per passage, or one graph with --union.
    """
    from kg import api

    api.export_graph(
        paths,
        output if output is not None else stdout(),
        format=fmt,
        with_inferred=with_inferred,
        include_ontology=include_ontology,
        union=union,
    )
