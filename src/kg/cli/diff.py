"""``kg diff``."""

from __future__ import annotations

import click

from kg.cli.base import command


@command("diff")
@click.argument("old")
@click.argument("new", required=False, default=None)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people, json for programs.",
)
def diff(old: str, new: str | None, fmt: str) -> None:
    """List the facts added (+), removed (-) and changed (~) between two versions of the data,
    grouped by the passage (graph) that states them. OLD and NEW are folders (or files) or git
    revisions of this repository (its data/ folder); NEW defaults to the working data/.
    """
    from kg import resources
    from kg.draft import diff as diffs

    result = diffs.compare(diffs.version(old), diffs.version(new or str(resources.data_dir())))
    click.echo(diffs.render_json(result) if fmt == "json" else diffs.render_text(result), nl=False)
