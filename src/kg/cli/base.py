"""What every ``kg`` command shares: library errors turned into a message and an exit code
(0 success, 1 the data does not conform or a check failed, 2 any error), a quiet end when the
reader of our output goes away (``kg export | head``), and the options of the query commands.

Click only: no command holds logic of its own; each is a call into the stages below."""

from __future__ import annotations

import functools
import os
import signal
import sys
import threading
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, ClassVar, TextIO

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
        try:
            work(out, bounded.NO_CLOCK)
        finally:
            Opening.settle()  # in place: no opening outlives the command
        out.flush()
        return
    bounded.run(
        work,
        limits,
        out=out,
        err=sys.stderr,
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


class Opening:
    """:func:`open_store` run in a thread of its own from the moment this is made; the store
    is :meth:`result`.

    Why: ``kg query`` spends its first milliseconds importing the query machinery and finding
    and checking the canned query, all Python, holding the GIL, and then opening the dataset,
    which on small data is one call into the engine that parses the dataset's snapshot in Rust
    without the GIL (:mod:`kg.load.snapshot`). Begun first, the opening runs beside the rest
    on a second core. The checks still decide: an error they find is raised at once, without
    waiting for the data. In a forked child (:mod:`kg.sparql.bounded`) the opening ends with
    the process; run in place, :func:`run_query` waits for it (:meth:`settle`), so that
    nothing keeps loading behind the caller's back."""

    _pending: ClassVar[list[Opening]] = []

    def __init__(
        self,
        data: tuple[Path, ...],
        endpoint: str | None,
        timeout: float | None,
        with_external: bool = False,
    ) -> None:
        # What opening local data runs is imported here, before the thread starts: the
        # thread's own Python work is then short, and the engine's part overlaps the caller's
        # (threads share the GIL in turns of 5 ms: a thread importing while the caller imports
        # would only interleave with it, and start the engine's part no sooner).
        import hashlib  # noqa: F401  (the cache's slot names)

        from kg import api  # noqa: F401
        from kg.load import snapshot, store  # noqa: F401

        self._store: Any = None
        self._error: BaseException | None = None
        args = (data, endpoint, timeout, with_external)
        self._thread = threading.Thread(target=self._open, args=args, name="kg-open", daemon=True)
        Opening._pending.append(self)
        self._thread.start()

    def _open(self, *args: Any) -> None:
        try:
            self._store = open_store(*args)
        except BaseException as error:  # raised again in the caller's thread by result()
            self._error = error

    def result(self) -> Any:
        """The store, once opened; what opening it raised is raised here."""
        self._thread.join()
        if self in Opening._pending:
            Opening._pending.remove(self)
        error, self._error = self._error, None
        if error is not None:
            raise error
        return self._store

    @classmethod
    def settle(cls) -> None:
        """Wait for the openings begun and not taken (what they raise is dropped: the
        command has already failed for another reason)."""
        while cls._pending:
            cls._pending.pop()._thread.join()


def write(out: IO[bytes], data: bytes) -> None:
    """Write a whole answer, produced before anything is written (an error never leaves
    partial output)."""
    out.write(data)
    out.flush()
