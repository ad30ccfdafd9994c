"""``kg queries``: the catalogue of canned queries."""

from __future__ import annotations

import json

import click

from kg.cli.base import command, stdout, write


@command("queries")
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
    from kg import api, resources

    folder = resources.queries_dir()
    entries = api.queries(folder)
    if fmt == "json":
        text = json.dumps([q.as_dict() for q in entries], indent=2, ensure_ascii=False) + "\n"
        write(stdout(), text.encode("utf-8"))
        return
    if not entries:
        write(stdout(), f"no canned queries in {folder}\n".encode())
        return
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from kg.cli.render import table_bytes

    table = Table("name", "summary", "parameters", box=box.SIMPLE_HEAD, show_edge=False)
    for q in entries:
        table.add_row(Text(q.name), Text(q.summary), Text("\n".join(str(p) for p in q.params)))
    write(stdout(), table_bytes(table))
