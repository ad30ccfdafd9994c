"""``kg serve``."""

from __future__ import annotations

from pathlib import Path

import click

from kg.cli.base import command


@command("serve")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on (loopback: only this machine; 0.0.0.0 or :: for the network).",
)
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to listen on (0: any free port, printed at start).",
)
@click.option(
    "--timeout",
    default=30.0,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    metavar="SECONDS",
    help="Longest a request's query may run; past it the query is stopped and answered 503.",
)
@click.option(
    "--cors",
    default=None,
    metavar="ORIGIN",
    help="Allow web pages from ORIGIN ('*' for any) to call the endpoint "
    "(Access-Control-Allow-Origin).",
)
@click.option(
    "--row-limit",
    default=10_000,
    show_default=True,
    type=click.IntRange(min=1),
    help="Most rows (or triples) one answer holds; a larger result is refused (400) with a "
    "message, never cut short.",
)
@click.option(
    "--workers",
    default=None,
    type=click.IntRange(min=2),
    help="Worker processes that run queries (default: cores + 1, at least 3).",
)
@click.option("--access-log", is_flag=True, help="Log every request on stderr.")
@click.option(
    "--review",
    "review",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    default=None,
    metavar="DIR",
    help="Also serve /review: the drafts (kg draft) in DIR, to accept, edit or reject; "
    "accepted facts are written to data/. Loopback only.",
)
def serve(
    paths: tuple[Path, ...],
    host: str,
    port: int,
    timeout: float,
    cors: str | None,
    row_limit: int,
    workers: int | None,
    access_log: bool,
    review: Path | None,
) -> None:
    """Serve the graph over HTTP until interrupted: a read-only SPARQL 1.1 endpoint at /sparql
    (JSON, XML, CSV, TSV; Turtle, JSON-LD, N-Triples, RDF/XML), a page for every IRI of the
    graph (/id/PL: HTML, or RDF by Accept or ?format=), the canned queries as forms (/queries),
    a query editor and downloads.

    Serves the given files and folders, or the repository's data/ (with the inferred and
    external graphs). Updates are refused (403); SERVICE, LOAD and FROM on other graphs are
    refused (400); a query that runs past --timeout is stopped (503).
    """
    from kg import server

    server.run(
        list(paths),
        host=host,
        port=port,
        timeout=timeout,
        cors=cors,
        row_limit=row_limit,
        workers=workers,
        access_log=access_log,
        review=review,
    )
