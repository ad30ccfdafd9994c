"""What every ``kg`` command shares: library errors turned into a message and an exit code
(0 success, 1 the data does not conform or a check failed, 2 any error), a quiet end when the
reader of our output goes away (``kg export | head``), and the options of the query commands.

Click only: no command holds logic of its own; each is a call into the stages below."""

from __future__ import annotations

import functools
import os
import signal
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import click

from kg.errors import KgError, KgWarning
from kg.formats import choices
from kg.leftovers import Terminated, terminate_cleanly


def handle_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn library errors into a one-line message and exit status, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            with terminate_cleanly():  # SIGTERM: cleanup code runs, temporary files go
                return func(*args, **kwargs)
        except Terminated:
            sys.exit(128 + signal.SIGTERM)
        except KgError as error:
            click.echo(f"kg: error: {error}", err=True)
            sys.exit(error.exit_code)
        except BrokenPipeError:
            # Point stdout at devnull so that the interpreter's final flush does not fail.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(0)

    return wrapper


def show_warnings() -> None:
    """Print the library's warnings (:class:`kg.errors.KgWarning`: an empty data file) as
    ``kg: warning: …`` lines on standard error, each once, without Python's source line."""
    default = warnings.showwarning

    def show(message: Any, category: Any, filename: str, lineno: int, *rest: Any) -> None:
        if isinstance(category, type) and issubclass(category, KgWarning):
            click.echo(f"kg: warning: {message}", err=True)
        else:
            default(message, category, filename, lineno, *rest)

    warnings.showwarning = show
    warnings.simplefilter("default", KgWarning)


def command(name: str, **kwargs: Any) -> Callable[[Callable[..., Any]], click.Command]:
    """``click.command`` with the error handling above."""

    def decorate(func: Callable[..., Any]) -> click.Command:
        return click.command(name, **kwargs)(handle_errors(func))

    return decorate


def stdout() -> IO[bytes]:
    """The binary standard output (``click.get_binary_stream`` goes away in Click 9)."""
    return sys.stdout.buffer


def stdin() -> IO[bytes]:
    """The binary standard input."""
    return sys.stdin.buffer


RESULT_FORMATS = choices("results")


def source_options(func: Callable[..., Any]) -> Callable[..., Any]:
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


def open_store(data: tuple[Path, ...], endpoint: str | None, timeout: float | None) -> Any:
    """The store ``kg query`` and ``kg sparql`` run on: the dataset (the given files and
    folders, the repository's data when none), from the persistent store when one is built,
    or a remote SPARQL endpoint when one is given. The one place that decides where the query
    commands get their data."""
    from kg.errors import InputError

    if endpoint is not None:
        from kg.sparql import remote

        if data:
            raise InputError("give either data files (-d) or --endpoint, not both")
        return remote.RemoteStore(remote.endpoint_for(endpoint, timeout=timeout))
    from kg.load import open_dataset

    return open_dataset(list(data) or None, cache=True).store


def write(out: IO[bytes], data: bytes) -> None:
    """Write a whole answer, produced before anything is written (an error never leaves
    partial output)."""
    out.write(data)
    out.flush()
