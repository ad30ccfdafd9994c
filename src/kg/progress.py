"""One progress display for long work (build, validate, publish): a rich progress bar on a
terminal, nothing at all in pipes, files and CI.

The library reports progress through one kind of callback, :data:`Progress`
``(message, done, total)`` (``done``/``total`` None when unknown), and never prints; only the
CLI creates a :class:`Bar`. Quiet when stderr is not a terminal, when ``CI`` is
set (CI logs are files, and a bar there is noise), when ``TERM=dumb`` or ``KG_NO_PROGRESS`` is
set.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from typing import IO, Any

Progress = Callable[[str, int | None, int | None], None]


def enabled(stream: IO[str] | None = None) -> bool:
    """Whether a progress bar may be drawn on ``stream`` (stderr by default)."""
    stream = stream if stream is not None else sys.stderr
    if os.environ.get("CI") or os.environ.get("KG_NO_PROGRESS"):
        return False
    if os.environ.get("TERM") == "dumb":
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


class Bar:
    """A transient rich progress bar on stderr: a message, and a bar when a total is known."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        console = Console(file=stream if stream is not None else sys.stderr)
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=console,
            transient=True,
        )
        self._task = self._progress.add_task("", total=None)
        self._progress.start()

    def __call__(self, message: str, done: int | None = None, total: int | None = None) -> None:
        fields: dict[str, Any] = {"description": message}
        if total is not None:
            fields["total"] = total
        if done is not None:
            fields["completed"] = done
        self._progress.update(self._task, **fields)

    def close(self) -> None:
        self._progress.stop()


@contextlib.contextmanager
def bar(stream: IO[str] | None = None) -> Iterator[Progress | None]:
    """A progress callback for the duration of the block, or None where a bar is not wanted.
    The bar is removed before the block's output or error message is printed."""
    if not enabled(stream):
        yield None
        return
    shown = Bar(stream)
    try:
        yield shown
    finally:
        shown.close()
