"""``kg validate``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kg.cli.base import command


@command("validate")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "turtle"]),
    default="text",
    show_default=True,
    help="text for people, json for programs, turtle for a SHACL sh:ValidationReport.",
)
@click.option(
    "--engine",
    type=click.Choice(["native", "pyshacl"]),
    default="native",
    show_default=True,
    help="native: SHACL evaluated as SPARQL on Oxigraph (fast); pyshacl: the reference.",
)
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=None,
    metavar="N",
    help="Describe at most N findings, counting the rest (default 1000 for text, all for json "
    "and turtle; 0: all).",
)
def validate(paths: tuple[Path, ...], fmt: str, engine: str, limit: int | None) -> None:
    """Validate data against the SHACL shapes and the data-quality checks.

    Loads the ontology, the shapes (ontology/shapes.ttl), the checks
    (queries/checks/*-violation.rq) and the data: the given files and folders, the
    repository's data/ when none are given. Exit status: 0 the data conforms (warnings
    allowed), 1 it does not, 2 any error (a file that does not parse: file, line and column).
    The text report describes the first 1000 findings and counts the others (--limit); values
    and messages longer than 300 characters are cut.
    """
    from kg import api, progress
    from kg.validation.report import TEXT_LIMIT

    with progress.bar() as shown:
        if limit is None:
            limit = TEXT_LIMIT if fmt == "text" else 0
        report = api.validate(paths, engine=engine, progress=shown, limit=limit or None)
    click.echo(report.render(fmt), nl=False)
    sys.exit(report.exit_code)
