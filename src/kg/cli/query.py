"""``kg query``: run a canned query."""

from __future__ import annotations

from pathlib import Path
from typing import IO, TYPE_CHECKING

import click

from kg.cli import base
from kg.cli.base import RESULT_FORMATS, command, source_options

if TYPE_CHECKING:
    from kg.sparql.bounded import Clock


@command("query")
@click.argument("name")
@click.option(
    "-p",
    "--param",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="A parameter value (repeatable). Entities take an IRI, a CURIE or a label.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(RESULT_FORMATS),
    default=None,
    help="table (default), csv, tsv, json (SPARQL results JSON), xml; "
    "turtle etc. for CONSTRUCT queries.",
)
@source_options
def query(
    name: str,
    params: tuple[str, ...],
    fmt: str | None,
    data: tuple[Path, ...],
    endpoint: str | None,
    timeout: float | None,
    max_memory: int | None,
    with_external: bool,
) -> None:
    """Run the canned query NAME (see `kg queries`) on the dataset, or on a SPARQL endpoint
    with --endpoint (entity labels are then resolved on the endpoint). On the local data a
    query that runs past --timeout or needs more than --max-memory is stopped (exit 2). A query
    whose header says `scope: all` reads the external open data too; --with-external makes any
    query do so. Answers that cite passages get their quoted text (a `quote` column) when the
    source document is on this machine."""

    def work(out: IO[bytes], clock: Clock) -> None:
        from kg import api
        from kg.sparql import catalogue, results

        # Everything that can be checked is checked before the dataset is loaded.
        canned = api.get_query(name)
        values = catalogue.parse_assignments(params)
        chosen = results.check_format(canned.form, fmt)
        clock.pause()  # loading the dataset is not the query's time
        store = base.open_store(data, endpoint, timeout, with_external)
        dataset = api.Dataset(store, with_external=with_external, endpoint=endpoint)
        clock()
        dataset.query(canned, **values).write(out, chosen)

    base.run_query(work, endpoint=endpoint, timeout=timeout, max_memory=max_memory)
