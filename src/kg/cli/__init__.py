"""The ``kg`` command: click only. Each command lives in a module of its own and is one call
into the stages below (:mod:`kg.load`, :mod:`kg.sparql`, :mod:`kg.validation`,
:mod:`kg.export`, :mod:`kg.linking`, :mod:`kg.publish`, :mod:`kg.server`); library errors
become a message and an exit code in :mod:`kg.cli.base`: 0 success, 1 the data does not
conform (validate) or a check failed, 2 any error.

Command modules import the library inside the command body, and are themselves imported only
when their command is looked up (:class:`_Commands`), so ``kg --help`` and a cold ``kg query``
pay only for what they use.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, MutableMapping
from typing import Any

import click

from kg import __version__
from kg.cli.base import show_warnings

# Each command's name, which is also the name of its module in kg.cli and of the command's
# function in that module; in the order `kg --help` once registered them.
COMMANDS = (
    "validate", "queries", "query", "sparql", "export", "link", "build", "publish", "serve",
    "cite", "draft", "review", "diff",
)  # fmt: skip


class _Commands(MutableMapping[str, click.Command]):
    """The group's commands by name, each module imported the first time its command is looked
    up: importing all thirteen (and what they import at the top) was a cost every command paid,
    most of all on a machine that writes no bytecode, where each module is compiled again on
    every run. Listing the names imports nothing; ``kg --help`` looks every command up."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self._names: dict[str, click.Command | None] = dict.fromkeys(names)

    def __getitem__(self, name: str) -> click.Command:
        command = self._names[name]  # KeyError: no such command
        if command is None:
            module = importlib.import_module(f"{__name__}.{name}")
            command = self._names[name] = getattr(module, name)
        return command

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._names[name] = command

    def __delitem__(self, name: str) -> None:
        del self._names[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


class _Group(click.Group):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = _Commands(COMMANDS)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kg")
def main() -> None:
    """kg: a linked-data knowledge graph of national digital policy.

    Validate, query, export, link and serve the graph. Exit status: 0 success, 1 the data
    does not conform (validate), 2 any error.
    """
    show_warnings()
