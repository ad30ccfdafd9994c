"""The ``kg`` command. Click only: every command body is one call into the library, and
errors from the library (``kg.errors.KgError``) become a message and an exit code here:
0 success, 1 the data does not conform (validate) or a check failed, 2 any error."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
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
