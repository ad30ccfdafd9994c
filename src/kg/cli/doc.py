"""The CLI reference of the manual, generated from the commands' own ``--help``.

So that the reference cannot drift from the code: ``python -m kg.cli.doc --write
docs/reference/cli.md`` rewrites the part of that page between the two markers below, and
``tests/test_docs.py`` fails when the page differs from what this module renders.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

START = "<!-- cli-reference: start (python -m kg.cli.doc --write docs/reference/cli.md) -->"
PAGE = "docs/reference/cli.md"
END = "<!-- cli-reference: end -->"


def _context(command: click.Command, name: str, parent: click.Context | None) -> click.Context:
    settings = dict(command.context_settings)
    return click.Context(
        command,
        info_name=name,
        parent=parent,
        terminal_width=100,
        max_content_width=100,
        **settings,
    )


def render() -> str:
    """Markdown for ``kg --help`` and every command's ``--help``, in alphabetical order."""
    from kg.cli import main

    root = _context(main, "kg", None)
    parts = [START, "", "## `kg`", "", "```text", main.get_help(root).rstrip(), "```"]
    for name in sorted(main.commands):
        command = main.commands[name]
        text = command.get_help(_context(command, name, root)).rstrip()
        parts += ["", f"## `kg {name}`", "", "```text", text, "```"]
    parts += ["", END]
    return "\n".join(parts)


def update(page: str) -> str:
    """The page's text with its CLI reference replaced by a fresh rendering."""
    start, end = page.find(START), page.find(END)
    if start < 0 or end < start:
        raise SystemExit(f"the page has no '{START}' ... '{END}' section")
    return page[:start] + render() + page[end + len(END) :]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) == 2 and args[0] == "--write":
        path = Path(args[1])
        path.write_text(update(path.read_text(encoding="utf-8")), encoding="utf-8")
        return 0
    sys.stdout.write(render() + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
