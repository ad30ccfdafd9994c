"""Run work where it can be stopped: in a child process with a time limit and a memory limit.

Why a process, as the server's workers (:mod:`kg.server.workers`) found: the engine evaluates
an ORDER BY, an aggregate or an ASK over a cartesian product inside one call that neither
checks for signals nor offers cancellation, so only killing the process running it stops it.
And why a process for memory: under a memory limit the engine's allocator (Rust) does not fail
softly, it aborts the process (SIGABRT, with a backtrace when ``RUST_BACKTRACE`` is set). A
limit on the caller itself would end the command with exit 134 and a Rust backtrace; a limit on
a child lets the caller turn the child's death into one clear message and exit 2.

How:

* :func:`run` forks (no new interpreter: the child has everything imported) and calls
  ``work(out, start_clock)`` in the child. ``out`` is where the answer goes, written as it is
  produced: straight to the caller's standard output when that is a real file or pipe (no copy),
  else through a pipe the caller copies to its stream (a test's captured output).
* The clock runs while the child says so: ``start_clock()`` starts it and
  ``start_clock.pause()`` stops it, and the time limit is on the sum of the running spells. A
  command runs it while checking the query, pauses it while loading the data and runs it again
  for the evaluation and writing the answer: the limit is on the query, as on the server,
  where checking runs in the worker too (checking a query can take as long as running it). Past
  the time limit the child is killed (SIGKILL: the work really stops, its memory is returned).
* The memory limit is ``RLIMIT_DATA`` in the child: the heap and private writable mappings,
  which is where the engine's and Python's memory lives (not ``RLIMIT_AS``: address space that
  threads and allocators reserve without using would count against it).
* The child's file descriptor 2 goes to a pipe the caller reads, and the child's Python
  ``sys.stderr`` to the caller's standard error: warnings reach the user as usual, while what
  native code writes on its way down (``memory allocation of … bytes failed``, a backtrace) is
  recognised and replaced by the message.
* Errors of the library (:class:`kg.errors.KgError`) are sent back and raised again in the
  caller with their message and exit status. A child whose caller dies (killed, say) exits too.

Linux and other POSIX systems only (``fork``, ``setrlimit``), as the server's workers.

**When a fork is unsafe.** RocksDB (the persistent store) runs a pool of threads that a fork
does not copy: a child of a process that has already opened a store hangs for ever the moment
it opens one (found in the test suite). The ``kg`` command forks before it imports the engine,
so it is always safe; a process that has the engine loaded and runs other threads is not, and
:func:`run` refuses it (:func:`fork_is_safe` says which).
"""

from __future__ import annotations

import contextlib
import importlib
import io
import os
import re
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from kg.errors import KgError

DEFAULT_SHARE = 0.5  # of the machine's memory (or the container's limit), for --max-memory
# Patterns as text, compiled (and cached by ``re``) when first used: importing this module is
# on the path of every cold ``kg query``.
_OOM_TEXT = rb"memory allocation of \d+ bytes failed|out of memory|MemoryError"
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
_SIZE = r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$"


class Clock:
    """What ``work`` is given to run the time limit's clock (in the child): call it to start
    (or resume) the clock, :meth:`pause` to stop it while the data is loaded (not the query's
    time). ``Clock(None)`` does nothing (work run in place, without limits).

    A probe's clock (``probe=True``, see :func:`_needed_to_load`) ends the process when it is
    started again after a pause — the data is loaded then — reporting the memory used so far."""

    __slots__ = ("_fd", "_paused", "_probe")

    def __init__(self, fd: int | None, probe: bool = False) -> None:
        self._fd = fd
        self._probe = probe
        self._paused = False

    def __call__(self) -> None:
        if self._fd is None:
            return
        if self._probe and self._paused:
            _send(self._fd, "loaded", str(_data_size()))
            os._exit(0)
        self._paused = False
        _send(self._fd, "start")

    def pause(self) -> None:
        if self._fd is None:
            return
        self._paused = True
        _send(self._fd, "pause")


NO_CLOCK = Clock(None)


def _data_size() -> int:
    """What RLIMIT_DATA counts of this process now (``VmData``: heap and private writable
    mappings, thread stacks included), in bytes; 0 when /proc does not say."""
    with contextlib.suppress(OSError, AttributeError, ValueError):
        status = Path("/proc/self/status").read_text()
        match = re.search(r"VmData:\s+(\d+)\s*kB", status)
        if match is not None:
            return int(match.group(1)) * 1024
    return 0


Work = Callable[[IO[bytes], Clock], None]


class QueryTimeout(KgError):
    """The work ran past its time limit and was stopped."""


class OutOfMemory(KgError):
    """The work needed more memory than its limit and was stopped."""


class Limits:
    """What bounds a run: seconds from ``start_clock()`` and bytes of memory (None: none).
    (A plain class: a dataclass costs a millisecond to define, on every cold ``kg query``.)"""

    __slots__ = ("memory", "timeout")

    def __init__(self, timeout: float | None = None, memory: int | None = None) -> None:
        self.timeout = timeout
        self.memory = memory

    @property
    def any(self) -> bool:
        return self.timeout is not None or self.memory is not None

    def __repr__(self) -> str:
        return f"Limits(timeout={self.timeout!r}, memory={self.memory!r})"


# --- sizes --------------------------------------------------------------------------------


def parse_size(text: str) -> int | None:
    """A memory size as people write it: ``8G``, ``512M``, ``1.5GiB``, ``1000000`` (bytes);
    ``none``, ``off`` or ``0`` for no limit. Raises ValueError for anything else."""
    if text.strip().lower() in ("none", "off", "unlimited", "0"):
        return None
    match = re.match(_SIZE, text, re.IGNORECASE)
    if match is None:
        raise ValueError(f"{text!r} is not a size (like 8G, 512M or 1.5GiB; 'none' for no limit)")
    size = int(float(match.group(1)) * _UNITS[match.group(2).lower()])
    if size < 1 << 20:
        raise ValueError(f"{text!r} is less than 1 MiB: nothing could run in it")
    return size


def format_size(size: int) -> str:
    """``11.5 GiB``, ``512 MiB``: how a limit is named in messages."""
    for unit, factor in (("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= factor:
            return f"{size / factor:.1f}".rstrip("0").rstrip(".") + f" {unit}"
    return f"{size} B"


def machine_memory() -> int | None:
    """The memory this process may use at most: the machine's physical memory, or the
    container's limit (cgroup v2 ``memory.max``, v1 ``memory.limit_in_bytes``) when lower."""
    try:
        total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None
    for name in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        with contextlib.suppress(OSError, ValueError):
            value = Path(name).read_text().strip()
            if value.isdigit() and 0 < int(value) < total:
                total = int(value)
    return total if total > 0 else None


def default_memory_limit() -> int | None:
    """The default limit of ``--max-memory``: half of :func:`machine_memory` — room for the
    query and for the rest of the machine, so that a runaway query ends with a message before
    the system starts swapping or its out-of-memory killer picks a victim."""
    total = machine_memory()
    return int(total * DEFAULT_SHARE) if total else None


def fork_is_safe() -> bool:
    """Whether :func:`run` may fork here: no RocksDB thread runs in this process (they are
    named ``rocksdb:low`` / ``rocksdb:high`` and outlive the stores that started them; see
    the module docstring). Other threads do no harm: the child only uses its own."""
    if "pyoxigraph" not in sys.modules:
        return True
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return threading.active_count() == 1  # no /proc: be careful
    for task in tasks:
        try:
            with open(f"/proc/self/task/{task}/comm") as handle:
                if handle.read().startswith("rocksdb"):
                    return False
        except OSError:
            continue
    return True


class UnsafeFork(KgError):
    """The work cannot be bounded in this process (see :func:`fork_is_safe`)."""


# --- the child ----------------------------------------------------------------------------


def _fileno(stream: Any) -> int | None:
    """The descriptor behind a stream, or None when it has none (a test's captured output)."""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return None
    return fd if isinstance(fd, int) and fd >= 0 else None


def _send(fd: int, kind: str, payload: str = "") -> None:
    with contextlib.suppress(OSError):
        os.write(fd, f"{kind}\n{payload}".encode("utf-8", "replace") + b"\0")


def _watch_parent(lifeline: int) -> None:
    """End the child when the caller is gone (its end of the lifeline pipe closes)."""

    def watch() -> None:
        with contextlib.suppress(OSError):
            os.read(lifeline, 1)
        os._exit(2)

    threading.Thread(target=watch, daemon=True, name="kg-lifeline").start()


def _child(
    work: Work,
    limits: Limits,
    status: int,
    lifeline: int,
    diag: int,
    out_fd: int,
    err_fd: int,
    probe: bool = False,
) -> int:
    """Run ``work`` in the forked child; returns the exit status (see :func:`run`)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C ends the child at once
    _watch_parent(lifeline)
    # Out of memory, a Rust backtrace cannot be printed: symbolising it allocates, the failed
    # allocation wants the lock the backtrace already holds, and the process hangs for ever
    # (seen with pyoxigraph 0.5.13 under RUST_BACKTRACE=1). The message replaces it anyway.
    os.environ["RUST_BACKTRACE"] = "0"
    os.environ.pop("RUST_LIB_BACKTRACE", None)
    if limits.memory is not None:
        import resource

        _soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
        limit = limits.memory if hard == resource.RLIM_INFINITY else min(limits.memory, hard)
        resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))
    sys.stderr = io.TextIOWrapper(
        io.FileIO(err_fd, "w", closefd=False),
        encoding="utf-8",
        errors="replace",
        line_buffering=True,
    )
    os.dup2(diag, 2)  # what native code writes; Python's own messages use sys.stderr above
    out = io.BufferedWriter(io.FileIO(out_fd, "w", closefd=False), buffer_size=1 << 16)
    try:
        work(out, Clock(status, probe))
        out.flush()
    except BrokenPipeError:
        _send(status, "pipe")
        return 0
    except KgError as error:
        kind = type(error)
        where = f"{kind.__module__}:{kind.__qualname__}"
        _send(status, "error", f"{error.exit_code} {where}\n{error}")
        return error.exit_code
    except MemoryError:
        _send(status, "memory")
        return 2
    except BaseException as error:
        import traceback

        traceback.print_exc(file=sys.stderr)
        _send(status, "crash", f"{type(error).__name__}: {error}")
        return 2
    finally:
        with contextlib.suppress(Exception):
            sys.stderr.flush()
    _release(out_fd, err_fd)
    _send(status, "ok")
    return 0


def _release(*fds: int) -> None:
    """Let go of the caller's output before saying "ok": the answer is written and flushed,
    and what is left of the child — the end of the process, its memory and the storage
    engine's threads returned to the system, 10-50 ms at 1M triples — need not hold the
    command's output open, nor the command (see :func:`_fork`)."""
    with contextlib.suppress(OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        for fd in fds:
            os.dup2(devnull, fd)
        os.close(devnull)


# --- the caller ---------------------------------------------------------------------------


def _rebuild(payload: str) -> KgError:
    """The child's KgError, of the same class when it can be made without its arguments."""
    head, _, message = payload.partition("\n")
    code_text, _, where = head.partition(" ")
    module, _, name = where.partition(":")
    error: KgError
    try:
        cls = getattr(importlib.import_module(module), name)
        error = cls.__new__(cls)
        Exception.__init__(error, message)
    except Exception:
        error = KgError(message)
    with contextlib.suppress(ValueError):
        if int(code_text) != error.exit_code:
            error.exit_code = int(code_text)
    return error


def run(
    work: Work,
    limits: Limits,
    *,
    out: IO[bytes],
    err: IO[str],
    what: str = "the query",
    advice: dict[str, str] | None = None,
    freeze: bool = False,
) -> None:
    """Call ``work(out, start_clock)`` in a child process bounded by ``limits``.

    Args:
        work: writes its answer to the binary stream it is given; runs the clock (a
            :class:`Clock`) while it checks and runs the query, pauses it while it loads the
            data (before the first start, the clock does not run either).
        limits: the time limit (seconds the clock ran) and the memory limit (bytes).
        out: where the answer goes (the caller's standard output).
        err: where the child's warnings and messages go (the caller's standard error).
        what: how messages name the work.
        advice: extra words for the messages, by ``timeout`` and ``memory`` (e.g. which
            option raises the limit).
        freeze: the caller only waits for the child and then exits (the ``kg`` command):
            its objects are frozen before the fork (:func:`_freeze`). Not for a long-lived
            caller, whose garbage cycles alive at the fork would never be collected.

    Raises:
        QueryTimeout: the clock ran past ``limits.timeout``; the child was killed.
        OutOfMemory: the child needed more than ``limits.memory``.
        OutOfMemory: the child needed more than ``limits.memory``, also "the limit N is below
            the M needed to open the store" when it died of the limit while loading the data.
        KgError: the child's own error (its message and exit status), or the child died.
        BrokenPipeError: the reader of ``out`` went away (the child is stopped).
    """
    if not fork_is_safe():
        raise UnsafeFork(
            f"cannot bound {what} here: this process already runs the storage engine's threads, "
            "which a child process would not have (run it from a fresh process)"
        )
    advice = advice or {}
    wait_status, status, diag, loading = _fork(work, limits, out, err, what, advice, freeze=freeze)
    if loading and limits.memory is not None and _died_of_memory(wait_status, status, diag):
        needed = _needed_to_load(work, limits.memory)
        if needed is not None:
            needed = -(-needed // (1 << 20)) << 20  # whole MiB, up
            raise OutOfMemory(
                f"the limit {format_size(limits.memory)} is below the {format_size(needed)} "
                f"needed to open the store; raise --max-memory"
            )
    _finish(wait_status, status, diag, limits, what, advice, err)


def _died_of_memory(wait_status: int, status: bytes, diag: bytes) -> bool:
    """Whether a child's end looks like a failed allocation: a signal (the engine's C++ and
    Rust code abort when a thread or an allocation is refused), a MemoryError, or the words
    of an allocator on its way down."""
    kind = status.rstrip(b"\0").partition(b"\n")[0]
    return (
        os.WIFSIGNALED(wait_status)
        or kind in (b"memory", b"crash")
        or re.search(_OOM_TEXT, diag) is not None
    )


def _loads_within(work: Work, memory: int | None) -> int | None:
    """A probe: ``work`` in a child under ``memory`` that stops as soon as its data is loaded
    (its clock is started again after the pause, see :class:`Clock`). What RLIMIT_DATA counted
    of it then, or None when it did not get there."""
    import io as _io

    try:
        _, status, _, _ = _fork(
            work, Limits(memory=memory), _io.BytesIO(), _io.StringIO(), "the probe", {}, probe=True
        )
    except (KgError, OSError):
        return None
    kind, _, payload = status.rstrip(b"\0").decode("utf-8", "replace").partition("\n")
    if kind == "loaded" and payload.strip().isdigit():
        return max(1, int(payload))
    return None


def _needed_to_load(work: Work, failed: int) -> int | None:
    """The memory limit ``work`` needs to load its data, to within 1/8 (or 8 MiB), found by
    probes (:func:`_loads_within`): what it uses once loaded is less than what opening the
    store needs on the way (the engine's threads and read buffers come and go), so the limit
    itself is searched, doubling from ``failed`` and then halving the gap. None when it does not
    load under the machine's memory either (then the limit was not the cause)."""
    ceiling = machine_memory() or 1 << 40
    low, high = failed, min(failed * 2, ceiling)
    while _loads_within(work, high) is None:
        if high >= ceiling:
            return None
        low, high = high, min(high * 2, ceiling)
    while high - low > max(8 << 20, low // 8):
        middle = (low + high) // 2
        if _loads_within(work, middle) is None:
            low = middle
        else:
            high = middle
    return high


def _fork(
    work: Work,
    limits: Limits,
    out: IO[bytes],
    err: IO[str],
    what: str,
    advice: dict[str, str],
    *,
    probe: bool = False,
    freeze: bool = False,
) -> tuple[int, bytes, bytes, bool]:
    """Run the child and follow it to its end: (its wait status, what it said on the status
    pipe, what its native code wrote, whether it was loading data — its clock never started
    or paused — when it ended). Raises QueryTimeout (the child was killed)."""
    import select

    out.flush()
    err.flush()
    direct_out, direct_err = _fileno(out), _fileno(err)
    status_r, status_w = os.pipe()
    life_r, life_w = os.pipe()
    diag_r, diag_w = os.pipe()
    out_r, out_w = os.pipe() if direct_out is None else (None, direct_out)
    err_r, err_w = os.pipe() if direct_err is None else (None, direct_err)
    if freeze:
        _freeze()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child's coverage is not collected
        code = 2
        try:
            for fd in (status_r, life_w, diag_r, out_r, err_r):
                if fd is not None:
                    os.close(fd)
            code = _child(work, limits, status_w, life_r, diag_w, out_w, err_w, probe)
        finally:
            os._exit(code)
    for fd in (status_w, life_r, diag_w, out_w if out_r is not None else None):
        if fd is not None:
            os.close(fd)
    if err_r is not None:
        os.close(err_w)
    reader = {status_r: bytearray(), diag_r: bytearray()}
    streams: dict[int, Any] = {}
    if out_r is not None:
        streams[out_r] = out
    if err_r is not None:
        streams[err_r] = err
    open_fds = [*reader, *streams]
    poller = select.poll()
    for fd in open_fds:
        poller.register(fd, select.POLLIN | select.POLLHUP | select.POLLERR)
    deadline: float | None = None
    loading = True  # the clock has not started, or is paused
    running_since: float | None = None  # the clock runs (see Clock) …
    spent = 0.0  # … and has run this long before
    killed_for = None
    done = False  # the child said "ok": its work is over and its output complete
    try:
        while open_fds:
            if done and not any(fd in streams for fd in open_fds):
                # Only the child's own end is left, not waited for (see below); what it
                # wrote on the diagnostics pipe before "ok" is taken now.
                if diag_r in open_fds:
                    reader[diag_r] += _drain(diag_r)
                break
            wait_ms = None
            if deadline is not None:
                wait_ms = max(0, int((deadline - time.monotonic()) * 1000) + 1)
            events = poller.poll(wait_ms)
            if deadline is not None and time.monotonic() >= deadline:
                killed_for = "timeout"
                break
            for fd, _event in events:
                data = os.read(fd, 1 << 16)
                if not data:
                    poller.unregister(fd)
                    open_fds.remove(fd)
                    continue
                if fd in streams:
                    stream = streams[fd]
                    stream.write(data if fd == out_r else data.decode("utf-8", "replace"))
                    stream.flush()
                    continue
                buffer = reader[fd]
                buffer += data
                while fd == status_r and buffer[:7] in (b"start\n\0", b"pause\n\0"):
                    now = time.monotonic()
                    if buffer.startswith(b"start") and running_since is None:
                        deadline = now + (limits.timeout - spent) if limits.timeout else None
                        running_since, loading = now, False
                    elif buffer.startswith(b"pause"):
                        loading = True
                        if running_since is not None:
                            spent += now - running_since
                            deadline = running_since = None
                    del buffer[:7]
                if fd == status_r and not probe and buffer == b"ok\n\0":
                    done = True
                if fd == diag_r and len(buffer) > 1 << 16:
                    del buffer[: len(buffer) - (1 << 16)]  # keep the end, where a crash speaks
    except BaseException:  # the reader went away (BrokenPipeError), Ctrl-C …: stop the child
        _kill(pid)
        raise
    finally:
        for fd in (*reader, *streams, life_w):
            with contextlib.suppress(OSError):
                os.close(fd)
    if killed_for == "timeout":
        _kill(pid)
        hint = advice.get("timeout", "narrow it or add a LIMIT")
        raise QueryTimeout(
            f"{what} ran past the time limit of {limits.timeout:g} s and was stopped; {hint}"
        )
    if done:
        # The child released the output and said "ok" after everything it wrote on the
        # diagnostics pipe (taken above); it is now only ending. Its status is that of a
        # success whatever the moment it is reaped, so it is reaped in the background, and
        # the command returns without waiting for its end.
        _reap_later(pid)
        return 0, bytes(reader[status_r]), bytes(reader[diag_r]), loading
    _, wait_status = os.waitpid(pid, 0)
    return wait_status, bytes(reader[status_r]), bytes(reader[diag_r]), loading


def _freeze() -> None:
    """Move every object alive now out of the garbage collector's reach (``gc.freeze``), as
    Python's documentation advises before a fork: the child's collections then do not walk
    (and so copy, page by page) the objects it inherited, and the caller's do not walk them
    again either. The caller of a command is about to wait for the child and exit, and the
    interpreter's exit collects everything once more: on a cold ``kg query`` that last walk
    over the modules imported so far cost about 7 ms of CPU. Frozen objects still die
    when their reference count drops; only garbage cycles alive at the fork are left
    uncollected, which is why only a caller about to exit asks for it (``run(freeze=True)``,
    the ``kg`` command), never a long-lived one (a test run, a library user)."""
    import gc

    gc.freeze()


def _drain(fd: int) -> bytes:
    """What a pipe holds now, without waiting for more."""
    chunks = []
    try:
        os.set_blocking(fd, False)
        while chunk := os.read(fd, 1 << 16):
            chunks.append(chunk)
    except OSError:  # BlockingIOError: nothing more for now
        pass
    return b"".join(chunks)


def _reap_later(pid: int) -> None:
    """Wait for a child that is ending in a thread of its own, so that a long-lived caller
    (kg embedded in a server, a test run) collects no zombie processes."""

    def reap() -> None:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)

    threading.Thread(target=reap, daemon=True, name="kg-reaper").start()


def _kill(pid: int) -> None:
    import signal

    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


def _finish(
    wait_status: int,
    status: bytes,
    diag: bytes,
    limits: Limits,
    what: str,
    advice: dict[str, str],
    err: IO[str],
) -> None:
    """Turn how the child ended into nothing (success) or the right error."""
    kind, _, payload = bytes(status).rstrip(b"\0").decode("utf-8", "replace").partition("\n")
    died = os.WIFSIGNALED(wait_status)
    out_of_memory = kind == "memory" or (
        died and limits.memory is not None and re.search(_OOM_TEXT, diag) is not None
    )
    if out_of_memory:
        assert limits.memory is not None
        hint = advice.get("memory", "narrow it or add a LIMIT")
        raise OutOfMemory(
            f"{what} needed more than the memory limit of {format_size(limits.memory)} "
            f"and was stopped; {hint}"
        )
    if diag:
        err.write(bytes(diag).decode("utf-8", "replace"))
        err.flush()
    if kind == "ok":
        return
    if kind == "pipe":
        raise BrokenPipeError
    if kind == "error":
        raise _rebuild(payload)
    if kind == "crash":
        raise KgError(f"{what} failed: {payload} (the details are above)")
    if died:
        import signal  # only now: a cold query that ends well does not pay for it

        number = os.WTERMSIG(wait_status)
        name = signal.Signals(number).name if number in signal.valid_signals() else str(number)
        if number == signal.SIGKILL:
            raise KgError(
                f"{what} was killed (SIGKILL), most likely by the system for want of memory; "
                f"{advice.get('memory', 'narrow it or add a LIMIT')}"
            )
        raise KgError(f"{what} died ({name})")
    raise KgError(f"{what} ended unexpectedly (exit status {os.WEXITSTATUS(wait_status)})")
