"""``kg link``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kg.cli.base import command


@command("link")
@click.option(
    "--external",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of the external open-data files and their SOURCES.md "
    "(default: $KG_EXTERNAL, else shared/external beside the checkout).",
)
@click.option(
    "--check",
    is_flag=True,
    help="Compare the documents' facts with the external sources instead of writing links.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "turtle"]),
    default="table",
    show_default=True,
    help="table for people, json for programs, turtle (with --check) for RDF.",
)
@click.option(
    "--fail-on-disagreement",
    is_flag=True,
    help="With --check: exit 1 when a fact disagrees (default: exit 0 whatever is found).",
)
def link(external: Path | None, check: bool, fmt: str, fail_on_disagreement: bool) -> None:
    """Link countries (and territories) with Wikidata, GeoNames, DBpedia and the EU
    Publications Office, from offline copies of open-data files, by ISO code and label.

    Writes linksets to data/links/ and external facts (capitals, EU membership, native
    names, land neighbours), each source in its own named graph with its provenance, to
    data/external/; reruns give identical files. Lists the entities no file covers. With
    --check, reports per fact whether the documents and the sources agree, disagree or only
    one of them states it. Exit status: 0, 1 (--fail-on-disagreement and a disagreement), 2 error.
    """
    from kg.errors import InputError

    if not check:
        from kg.linking import run

        if fmt not in ("table", "json"):
            raise InputError(f"--format {fmt} is for --check; kg link reports as table or json")
        click.echo(run.render(run.link(external), fmt), nl=False)
        return
    from kg.linking import crosscheck

    report = crosscheck.check(external)
    click.echo(crosscheck.render(report, fmt), nl=False)
    sys.exit(1 if fail_on_disagreement and report.disagreements() else 0)
