"""The ``kg`` command: click only. Each command lives in a module of its own and is one call
into the stages below (:mod:`kg.load`, :mod:`kg.sparql`, :mod:`kg.validation`,
:mod:`kg.export`, :mod:`kg.linking`, :mod:`kg.publish`, :mod:`kg.server`); library errors
become a message and an exit code in :mod:`kg.cli.base`: 0 success, 1 the data does not
conform (validate) or a check failed, 2 any error.

Command modules import the library inside the command body, so ``kg --help`` and a cold
``kg query`` pay only for what they use.
"""

from __future__ import annotations

import click

from kg import __version__
from kg.cli import (
    build,
    cite,
    diff,
    draft,
    export,
    link,
    publish,
    queries,
    query,
    review,
    serve,
    sparql,
    validate,
)
from kg.cli.base import show_warnings


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kg")
def main() -> None:
    """kg: a linked-data knowledge graph of national digital policy.

    Validate, query, export, link and serve the graph. Exit status: 0 success, 1 the data
    does not conform (validate), 2 any error.
    """
    show_warnings()


for _module in (
    validate, queries, query, sparql, export, link, build, publish, serve, cite, draft, review, diff
):  # fmt: skip
    main.add_command(getattr(_module, _module.__name__.rsplit(".", 1)[1]))
