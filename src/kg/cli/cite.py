"""``kg cite``."""

from __future__ import annotations

from pathlib import Path

import click

from kg.cli.base import command


@command("cite")
@click.argument("document", type=click.Path(path_type=Path))
@click.argument("quotes", nargs=-1, required=True)
@click.option("--trig", is_flag=True, help="Print a passage-graph skeleton for each match.")
def cite(document: Path, quotes: tuple[str, ...], trig: bool) -> None:
    """Print where each QUOTE lies in DOCUMENT: start and end in code points of the decoded
    text (end exclusive), as data/ cites passages, and the profile that holds it.

    Whitespace and line breaks, typographic quotes and dashes may differ from the document's.
    An ambiguous quote lists every match. Exit status 2 when a quote is not found (the message
    names the closest passage), crosses a profile boundary, or the document cannot be read.
    """
    from kg import api

    for found in api.cite(document, *quotes):
        where = f"\t{found.profile}" if found.profile else ""
        click.echo(f"{found.start}\t{found.end}{where}")
        if trig:
            click.echo(found.trig, nl=False)
