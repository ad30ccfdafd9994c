"""The ``kg`` command. Click only: every command body is one call into the library, and
errors from the library (``kg.errors.KgError``) become a message and an exit code here:
0 success, 1 the data does not conform (validate) or a check failed, 2 any error."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from kg import __version__
from kg.errors import KgError


def _handle_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn library errors into a one-line message and exit status, never a traceback;
    end quietly when the reader of our output goes away (``kg export | head``)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except KgError as error:
            click.echo(f"kg: error: {error}", err=True)
            sys.exit(error.exit_code)
        except BrokenPipeError:
            # Point stdout at devnull so that the interpreter's final flush does not fail.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(0)

    return wrapper


class KgGroup(click.Group):
    """A click group whose commands all get the error handling above."""

    def command(self, *args: Any, **kwargs: Any) -> Callable[..., Any]:
        decorator = super().command(*args, **kwargs)

        def wrap(func: Callable[..., Any]) -> Any:
            return decorator(_handle_errors(func))

        return wrap


@click.group(cls=KgGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kg")
def main() -> None:
    """kg: a linked-data knowledge graph of national digital policy.

    Validate, query, export, link and serve the graph. Exit status: 0 success, 1 the data
    does not conform (validate), 2 any error.
    """


def _terminal_progress() -> Callable[[str], None] | None:
    """Progress messages on stderr when it is a terminal; nothing in pipes and CI."""
    if not sys.stderr.isatty():
        return None

    def show(message: str) -> None:
        click.echo(f"\r\033[K{message}", err=True, nl=False)

    return show


@main.command()
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
def validate(paths: tuple[Path, ...], fmt: str, engine: str) -> None:
    """Validate data against the SHACL shapes and the data-quality checks.

    Loads the ontology, the shapes (ontology/shapes.ttl), the checks
    (queries/checks/*-violation.rq) and the data: the given files and folders, the
    repository's data/ when none are given. Exit status: 0 the data conforms (warnings
    allowed), 1 it does not, 2 any error (a file that does not parse: file, line and column).
    """
    from kg import validate as validation

    progress = _terminal_progress()
    try:
        report = validation.validate(list(paths) or None, engine=engine, progress=progress)
    finally:
        if progress is not None:
            progress("")  # clear the progress line, before the report or an error message
    click.echo(validation.render(report, fmt), nl=False)
    sys.exit(report.exit_code)


@main.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="table for people, json for programs.",
)
def queries(fmt: str) -> None:
    """List the canned queries (queries/*.rq): name, summary, parameters."""
    from kg import query as catalogue

    catalogue.catalogue_to(click.get_binary_stream("stdout"), fmt)


_RESULT_FORMATS = [
    "table",
    "csv",
    "tsv",
    "json",
    "xml",
    "turtle",
    "ntriples",
    "nquads",
    "jsonld",
    "rdfxml",
    "trig",
]


def _source_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--data, --endpoint and --timeout: where `kg query` and `kg sparql` read the graph."""
    func = click.option(
        "--timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="With --endpoint: how long to wait for the server (default 30).",
    )(func)
    func = click.option(
        "--endpoint",
        metavar="URL",
        default=None,
        help="Query this SPARQL 1.1 endpoint instead of the local data (see `kg publish`).",
    )(func)
    func = click.option(
        "-d",
        "--data",
        "data",
        multiple=True,
        type=click.Path(path_type=Path),
        help="Data file or folder (repeatable); default: the repository's data/.",
    )(func)
    return func


@main.command("query")
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
    type=click.Choice(_RESULT_FORMATS),
    default=None,
    help="table (default), csv, tsv, json (SPARQL results JSON), xml; "
    "turtle etc. for CONSTRUCT queries.",
)
@_source_options
def query_command(
    name: str,
    params: tuple[str, ...],
    fmt: str | None,
    data: tuple[Path, ...],
    endpoint: str | None,
    timeout: float | None,
) -> None:
    """Run the canned query NAME (see `kg queries`) on the dataset, or on a SPARQL endpoint
    with --endpoint (entity labels are then resolved on the endpoint)."""
    from kg import query as catalogue

    catalogue.run_to(
        click.get_binary_stream("stdout"),
        name,
        params,
        fmt,
        data=list(data) or None,
        endpoint=endpoint,
        timeout=timeout,
    )


@main.command()
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
    type=click.Choice(_RESULT_FORMATS),
    default=None,
    help="SELECT/ASK: table (default), csv, tsv, json, xml. "
    "CONSTRUCT/DESCRIBE: turtle (default), ntriples, nquads, jsonld, rdfxml, trig.",
)
@click.option(
    "--allow-service",
    is_flag=True,
    help="Let SERVICE clauses query other endpoints over the network.",
)
@_source_options
def sparql(
    query: str | None,
    file: str | None,
    fmt: str | None,
    allow_service: bool,
    data: tuple[Path, ...],
    endpoint: str | None,
    timeout: float | None,
) -> None:
    """Run a SPARQL query (SELECT, ASK, CONSTRUCT, DESCRIBE) on the dataset.

    QUERY is the query text, or '-' to read it from stdin. Updates, LOAD, SERVICE (unless
    --allow-service) and FROM on anything but a graph of the dataset are refused (exit 2);
    a malformed query gives its line and column (exit 2).
    """
    from kg import sparql as adhoc

    adhoc.run_to(
        click.get_binary_stream("stdout"),
        query,
        file,
        fmt=fmt,
        allow_service=allow_service,
        stdin=click.get_binary_stream("stdin"),
        data=list(data) or None,
        endpoint=endpoint,
        timeout=timeout,
    )


# Kept here so that `kg --help` does not import the exporter; tests/test_export.py checks
# that it matches kg.export.FORMATS.
_EXPORT_FORMATS = ["trig", "nquads", "turtle", "ntriples", "jsonld", "rdfxml"]


@main.command("export")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(_EXPORT_FORMATS),
    default=None,
    help="Output format; by default the one the -o file's extension names, else trig. "
    "trig and nquads keep the named graphs; the others write their union.",
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
def export_command(
    paths: tuple[Path, ...],
    fmt: str | None,
    output: Path | None,
    with_inferred: bool,
    include_ontology: bool,
) -> None:
    """Export the graph: the data (the given files and folders, the repository's data/ when
    none are given) with passage graphs, provenance, vocabulary and linksets.

    Output is stable (same input, same bytes, for turtle, trig, ntriples, nquads) and parses
    back to the same dataset. JSON-LD is compacted with ontology/context.jsonld, embedded.
    """
    from kg import export

    export.export(
        list(paths) or None,
        fmt=fmt,
        output=output,
        stream=click.get_binary_stream("stdout"),
        with_inferred=with_inferred,
        include_ontology=include_ontology,
    )


@main.command("link")
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
def link_command(external: Path | None, check: bool, fmt: str, fail_on_disagreement: bool) -> None:
    """Link countries (and territories) with Wikidata, GeoNames, DBpedia and the EU
    Publications Office, from offline copies of open-data files, by ISO code and label.

    Writes linksets to data/links/ and external facts (capitals, EU membership, native
    names, land neighbours), each source in its own named graph with its provenance, to
    data/external/; reruns give identical files. Lists the entities no file covers. With
    --check, reports per fact whether the documents and the sources agree, disagree or only
    one of them states it. Exit status: 0, 1 (--fail-on-disagreement and a disagreement), 2 error.
    """
    from kg import link

    text, status = link.command(
        external, check=check, fmt=fmt, fail_on_disagreement=fail_on_disagreement
    )
    click.echo(text, nl=False)
    sys.exit(status)


@main.command("build")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Rebuild even when the store is up to date.")
def build_command(paths: tuple[Path, ...], force: bool) -> None:
    """Build the persistent store for the data (the given files and folders, the repository's
    data/ when none): loaded and inferred once, so that `kg query` and `kg sparql` on the same
    data answer without parsing. Rebuilt whenever an input file changes. The store lives in
    $KG_CACHE_DIR (default: .kg-cache/ in a checkout, else ~/.cache/kg)."""
    from kg import progress, store

    with progress.bar() as shown:
        result = store.build(list(paths) or None, force=force, progress=progress.messages(shown))
    click.echo(store.render_build(result), nl=False)


@main.command("publish")
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
    type=click.Choice(["union", "none"]),
    default="union",
    show_default=True,
    help="union: also write the union of the graphs into the server's default graph, so kg's "
    "queries answer the same; none: for a server that already queries the union.",
)
@click.option(
    "--timeout",
    type=float,
    default=None,
    metavar="SECONDS",
    help="How long to wait for each request (default 30; the swap may take 10x).",
)
def publish_command(
    paths: tuple[Path, ...],
    endpoint: str,
    update_url: str | None,
    graph_store: str | None,
    default_graph: str,
    timeout: float | None,
) -> None:
    """Validate the data and publish it to a SPARQL server, named graphs kept, through the
    Graph Store Protocol; the new graphs replace the previous ones in one update, so a failed
    publish leaves the server as it was. Exit status: 0, 1 the data does not conform, 2 error."""
    from kg import progress, remote

    with progress.bar() as shown:
        report = remote.publish_command(
            list(paths) or None,
            endpoint=endpoint,
            update=update_url,
            graph_store=graph_store,
            default_graph=default_graph,
            timeout=timeout,
            progress=shown,
        )
    click.echo(report, nl=False)


@main.command("serve")
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
def serve_command(
    paths: tuple[Path, ...],
    host: str,
    port: int,
    timeout: float,
    cors: str | None,
    row_limit: int,
    workers: int | None,
    access_log: bool,
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
    )
