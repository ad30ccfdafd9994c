"""``kg sparql``: run an ad-hoc SPARQL query."""

from __future__ import annotations

from pathlib import Path
from typing import IO, TYPE_CHECKING

import click

from kg.cli import base
from kg.cli.base import RESULT_FORMATS, command, source_options, stdin

if TYPE_CHECKING:
    from kg.sparql.bounded import Clock


@command("sparql")
@click.argument("query", required=False)
@click.option(
    "-f",
    "--file",
    "file",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="Read the query from FILE ('-' for stdin).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(RESULT_FORMATS),
    default=None,
    help="SELECT/ASK: table (default), csv, tsv, json, xml. "
    "CONSTRUCT/DESCRIBE: turtle (default), ntriples, nquads, jsonld, rdfxml, trig.",
)
@click.option(
    "--allow-service",
    is_flag=True,
    help="Let SERVICE clauses query other endpoints over the network.",
)
@source_options
def sparql(
    query: str | None,
    file: str | None,
    fmt: str | None,
    allow_service: bool,
    data: tuple[Path, ...],
    endpoint: str | None,
    timeout: float | None,
    max_memory: int | None,
    with_external: bool,
) -> None:
    """Run a SPARQL query (SELECT, ASK, CONSTRUCT, DESCRIBE) on the dataset.

    QUERY is the query text, or '-' to read it from stdin. Updates, LOAD, SERVICE (unless
    --allow-service) and FROM on anything but a graph of the dataset are refused (exit 2);
    a malformed query gives its line and column (exit 2). The default graph holds the
    documents, the ontology and the vocabulary (each triple once); --with-external adds the
    external open data. GRAPH ?g sees every named graph.

    CSV, TSV, JSON, XML and N-Triples answers are written as the engine produces them, so a
    large answer streams (an error after the first rows leaves those rows written, and exits
    2); tables and the other graph formats are sorted and written once complete. On the local
    data a query that runs past --timeout or needs more than --max-memory is stopped (exit 2).
    """
    text = read_query(query, file)

    def work(out: IO[bytes], clock: Clock) -> None:
        from kg import api
        from kg.sparql import prepare, results

        # The query is checked before the dataset is loaded, within the time limit (checking
        # can take as long as running); loading the dataset is not the query's time.
        clock()
        prepared = prepare.prepare(text, allow_service=allow_service)
        chosen = results.check_format(prepared.form, fmt)
        clock.pause()
        store = base.open_store(data, endpoint, timeout, with_external)
        dataset = api.Dataset(store, with_external=with_external, endpoint=endpoint)
        clock()
        dataset.sparql(prepared).write(out, chosen)

    base.run_query(work, endpoint=endpoint, timeout=timeout, max_memory=max_memory)


def read_query(query: str | None, file: str | None) -> str:
    """The query text from the command line: an argument, a file, or ``-`` for stdin."""
    from kg.errors import InputError

    if query is not None and file is not None:
        raise InputError("give the query either as an argument or with -f FILE, not both")
    if query is None and file is None:
        raise InputError("no query: give it as an argument, with -f FILE, or '-' for stdin")
    if query is not None and query != "-":
        return query
    source = file if file is not None else "-"
    try:
        if source == "-":
            data = stdin().read()
        else:
            with open(source, "rb") as handle:
                data = handle.read()
    except OSError as error:
        raise InputError(f"{source}: cannot read: {error.strerror or error}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(f"{source}: not UTF-8 text (byte {error.start})") from None
