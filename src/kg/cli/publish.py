"""``kg publish``."""

from __future__ import annotations

from pathlib import Path

import click

from kg.cli.base import command


@command("publish")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--endpoint", required=True, metavar="URL", help="The server's SPARQL query URL.")
@click.option(
    "--update",
    "update_url",
    metavar="URL",
    default=None,
    help="SPARQL Update URL (default: the query URL ending in /update instead of /query).",
)
@click.option(
    "--graph-store",
    metavar="URL",
    default=None,
    help="Graph Store Protocol URL (default: the query URL ending in /store instead of /query).",
)
@click.option(
    "--default-graph",
    type=click.Choice(["union", "named", "none"]),
    default="union",
    show_default=True,
    help="union: also write the union of the graphs into the server's default graph, so kg's "
    "queries answer the same; named: into the graph urn:x-kg:default instead, which readers "
    "choose with default-graph-uri (the only mode for a server whose default graph is the "
    "union of all its graphs, as Virtuoso's); none: no union.",
)
@click.option(
    "--timeout",
    type=float,
    default=None,
    metavar="SECONDS",
    help="How long to wait for each request (default 30); the swap and the drops of staging "
    "graphs get this plus 10 ms (5 ms) per triple.",
)
def publish(
    paths: tuple[Path, ...],
    endpoint: str,
    update_url: str | None,
    graph_store: str | None,
    default_graph: str,
    timeout: float | None,
) -> None:
    """Validate the data and publish it to a SPARQL server, named graphs kept, through the
    Graph Store Protocol; the new graphs replace the previous ones in one update, and success is
    reported only when the server's counts of every published graph match what was sent. A
    publish while another runs is refused. Exit status: 0, 1 the data does not conform, 2 error
    (the message says whether the previous publication is in place)."""
    from kg import progress
    from kg import publish as publishing
    from kg.sparql import remote

    target = remote.endpoint_for(
        endpoint, update=update_url, graph_store=graph_store, timeout=timeout
    )
    with progress.bar() as shown:
        report = publishing.publish(
            list(paths) or None, endpoint=target, default_graph=default_graph, progress=shown
        )
    click.echo(publishing.render_publish(report), nl=False)
