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
from typing import IO, Any, TextIO

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

    def show(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> None:
        if issubclass(category, KgWarning):
            click.echo(f"kg: warning: {message}", err=True)
        else:
            default(message, category, filename, lineno, file, line)

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


class MemorySize(click.ParamType):
    """A memory size (``8G``, ``512M``, ``1.5GiB``); ``none`` for no limit (given as 0)."""

    name = "size"

    def convert(self, value: Any, param: Any, ctx: Any) -> int:
        if isinstance(value, int):
            return value
        from kg.sparql.bounded import parse_size

        try:
            size = parse_size(str(value))
        except ValueError as error:
            self.fail(str(error), param, ctx)
        return 0 if size is None else size


def source_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--data, --endpoint, --timeout, --max-memory and --with-external: where `kg query` and
    `kg sparql` read the graph, the bounds of a query on the local data, and which of its facts
    answer (kg.load.scope)."""
    func = click.option(
        "--with-external",
        is_flag=True,
        help="Let the external open data (graphs graph:external/…, linksets graph:links/…, and "
        "what is inferred with them) join the documents in the default graph; without it the "
        "default graph holds the documents, the ontology and the vocabulary only.",
    )(func)
    func = click.option(
        "--max-memory",
        "max_memory",
        type=MemorySize(),
        default=None,
        metavar="SIZE",
        help="Most memory a query on the local data may use (like 4G or 512M; 'none' for no "
        "limit); past it the query is stopped (exit 2). Default: half of the machine's memory.",
    )(func)
    func = click.option(
        "--timeout",
        type=click.FloatRange(min=0, min_open=True),
        default=None,
        metavar="SECONDS",
        help="Longest the query may run, answer written (loading the data not counted); past "
        "it the query is stopped (exit 2). With --endpoint: how long to wait for the server "
        "(default 30).",
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


def run_query(
    work: Callable[[IO[bytes], Any], None],
    *,
    endpoint: str | None,
    timeout: float | None,
    max_memory: int | None,
) -> None:
    """Run ``work(out, clock)`` — open the store, run the query, write the answer to ``out``;
    ``clock`` (:class:`kg.sparql.bounded.Clock`) runs while the query is checked and run and is
    paused while the store opens — bounded in time and memory when it runs on the local data
    (:mod:`kg.sparql.bounded`: a child process, stopped at the limit, exit 2 with a message).

    ``max_memory`` None means the default (half of the machine's memory), 0 no limit. With
    ``--endpoint`` the server does the work and ``--timeout`` is the HTTP client's.
    """
    from kg.sparql import bounded

    if endpoint is not None:
        limits = bounded.Limits()
    else:
        memory = bounded.default_memory_limit() if max_memory is None else max_memory or None
        limits = bounded.Limits(timeout=timeout, memory=memory)
    out = stdout()
    if limits.any and timeout is None and max_memory is None and not bounded.fork_is_safe():
        # Only the default memory limit, in a process that cannot fork safely (kg embedded in
        # a long-lived process that has used a store, e.g. a test runner): run in place.
        limits = bounded.Limits()
    if not limits.any:
        work(out, bounded.NO_CLOCK)
        out.flush()
        return
    bounded.run(
        work,
        limits,
        out=out,
        err=sys.stderr,
        freeze=True,  # this process only waits for the child, then exits
        advice={
            "timeout": "narrow the query, add a LIMIT, or raise --timeout",
            "memory": "narrow the query, add a LIMIT, or raise --max-memory",
        },
    )


def open_store(
    data: tuple[Path, ...],
    endpoint: str | None,
    timeout: float | None,
    with_external: bool = False,
) -> Any:
    """The store ``kg query`` and ``kg sparql`` run on, as :func:`kg.api.open_dataset` opens
    it (the one place that decides where the query commands get their data); a function of
    its own so that tests can hand the commands a store of theirs."""
    from kg import api

    return api.open_dataset(
        data, endpoint=endpoint, timeout=timeout, with_external=with_external
    ).store


def write(out: IO[bytes], data: bytes) -> None:
    """Write a whole answer, produced before anything is written (an error never leaves
    partial output)."""
    out.write(data)
    out.flush()
