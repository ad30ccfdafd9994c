"""``kg build``: the persistent store."""

from __future__ import annotations

from pathlib import Path

import click

from kg.cli.base import command
from kg.errors import KgError


@command("build")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Rebuild even when the store is up to date.")
def build(paths: tuple[Path, ...], force: bool) -> None:
    """Build the persistent store for the data (the given files and folders, the repository's
    data/ when none): loaded and inferred once, so that `kg query` and `kg sparql` on the same
    data answer without parsing. Rebuilt whenever an input file changes. The store lives in
    $KG_CACHE_DIR (default: .kg-cache/ in a checkout, else ~/.cache/kg). What `kg serve`'s
    home, ontology and editor pages summarise, and the canned queries' answers with their
    default parameters, are computed too and kept beside the store."""
    from kg import progress
    from kg.load import store
    from kg.server.app import precompute

    problem = ""
    with progress.bar() as shown:
        result = store.build(list(paths) or None, force=force, progress=shown)
        # what `kg serve`'s pages summarise and the default canned answers, kept beside it
        if shown is not None:
            shown("summarising the pages", None, None)
        try:
            precompute(result.location)
        except (KgError, OSError, RuntimeError, ValueError) as error:
            # the store is built and correct; a server computes the summaries on first need
            problem = f"{error}"
    click.echo(store.render_build(result), nl=False)
    if problem:
        click.echo(
            f"kg build: the page summaries and canned answers were not kept ({problem}); "
            "kg serve computes them when it starts or first needs them",
            err=True,
        )
