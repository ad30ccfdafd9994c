"""Files a killed ``kg`` process left behind, found and removed when they are provably stale.

A temporary file or folder that a process may leave behind when it is killed (SIGKILL gives no
chance to clean up) carries that process's id in its name: ``kg-serve-<pid>-…`` (the server's
snapshot folder), ``.build-<pid>-…`` (a store being built), ``.<name>.<pid>.….part`` (an
export being written). The next process that would make such a file removes those whose
process no longer exists — never one whose process is alive (it may still be writing), and
never a name without a pid (nobody can tell whose it is).

SIGTERM gets a chance to clean up: :func:`terminate_cleanly` turns it into an exception, so that
the ``finally`` and ``except BaseException`` blocks that remove these files run.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import threading
from collections.abc import Iterator
from pathlib import Path


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists (a zombie counts as gone: it runs no more code)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat[stat.rfind(")") + 2 :][:1] not in ("Z", "X")


def sweep(folder: Path | str, pattern: re.Pattern[str]) -> list[Path]:
    """Remove the entries of ``folder`` whose name matches ``pattern`` (its group ``pid``: the
    process that made it) and whose process is gone. Returns what was removed; never raises
    for a folder that cannot be read or an entry that cannot be removed."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        if match is None:
            continue
        pid = int(match.group("pid"))
        if pid == os.getpid() or pid_alive(pid):
            continue
        path = Path(entry.path)
        try:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(path)
            else:
                path.unlink()
        except OSError:
            continue
        removed.append(path)
    return removed


class Terminated(BaseException):
    """SIGTERM arrived; raised where the program was, so that its cleanup code runs."""


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated


@contextlib.contextmanager
def terminate_cleanly() -> Iterator[None]:
    """While inside, SIGTERM raises :class:`Terminated` (in the main thread only: elsewhere
    signal handlers cannot be set, and nothing changes)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
