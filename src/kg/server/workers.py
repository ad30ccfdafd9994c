"""Worker processes that hold the store and do the work of requests, so that the work of a
request can be stopped when it runs past the time limit.

Why processes, measured on pyoxigraph 0.5.13 (see ``tests/test_server_limits.py``):

* the engine releases the GIL while it evaluates, so threads would run queries side by side;
* a SELECT's solutions are pulled lazily, so a thread could stop between two solutions;
* but a query that must see every solution before giving its first — ORDER BY, an aggregate,
  an ASK or a COUNT over a cartesian product — spends all its time inside one call
  (``Store.query``) that offers no cancellation and does not check for signals. A thread running
  it cannot be stopped; it would run on after its client got a 503, holding a core.

A process can be stopped. Each worker opens the dataset — the persistent store (``kg.load.store``)
read-only when there is one, else a snapshot (N-Quads written once by the server) loaded into
memory —, waits for a task on a pipe, runs it and sends back the complete answer
(bytes, or plain data for a page). The server waits on the pipe until the request's deadline;
past it the worker is killed (SIGKILL: the work really stops, its memory is returned) and a
new one is started from the snapshot in the background, while the other workers go on serving.

Workers are forked from a fork server that has already imported pyoxigraph and kg, so a new
worker is ready in tens of milliseconds plus the time to load the snapshot; they are never
forked from the server process itself, whose threads may hold locks.

Ad-hoc SPARQL may occupy all workers but one (``reserved``): pages and canned queries always
find a worker, even when every other worker is busy with a runaway query.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from kg.errors import KgError
from kg.server.problems import Problem, Refusal, problem_for
from kg.server.tasks import StoreSpec, WorkerState

Task = Callable[..., Any]  # task(state: WorkerState, *args) -> picklable answer

READY_TIMEOUT = 300.0  # seconds a new worker may take to load the snapshot


def _context() -> Any:
    """The fork-server context (spawn where the platform has no fork server)."""
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["kg.server.tasks"])
        return context
    return multiprocessing.get_context("spawn")


def _worker_main(conn: Connection, spec: StoreSpec) -> None:
    """The loop of a worker process: load the snapshot, then answer tasks until the pipe
    closes. Every error becomes a Problem sent back; the loop itself never dies of one."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the server, which stops us
    try:
        state = WorkerState.load(spec)
    except BaseException as error:  # report why, then exit
        with contextlib.suppress(OSError):
            conn.send(("failed", f"{type(error).__name__}: {error}"))
        return
    conn.send(("ready", os.getpid()))
    while True:
        try:
            task, args = conn.recv()
        except (EOFError, OSError):
            return
        try:
            reply: tuple[str, Any] = ("ok", task(state, *args))
        except Refusal as refusal:
            reply = ("problem", refusal.problem)
        except KgError as error:
            reply = ("problem", problem_for(error))
        except Exception as error:
            traceback.print_exc(file=sys.stderr)
            reply = ("problem", Problem(500, "internal error", f"the task failed ({error!r})"))
        try:
            conn.send(reply)
        except (OSError, ValueError):
            return


class _Worker:
    """One worker process and the server's end of its pipe."""

    def __init__(self, context: Any, spec: StoreSpec) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=_worker_main, args=(child, spec), daemon=True, name="kg-serve-worker"
        )
        self.process.start()
        child.close()

    def wait_ready(self, timeout: float) -> None:
        if not self.conn.poll(timeout):
            self.kill()
            raise KgError(f"a query worker did not load the dataset within {timeout:.0f} s")
        try:
            status, payload = self.conn.recv()
        except (EOFError, OSError):
            self.kill()
            raise KgError("a query worker died while loading the dataset") from None
        if status != "ready":
            self.kill()
            raise KgError(f"a query worker could not load the dataset: {payload}")

    def kill(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.process.kill()
        self.process.join(timeout=10)
        with contextlib.suppress(OSError):
            self.conn.close()


class WorkerPool:
    """A fixed number of worker processes; :meth:`run` gives a task to an idle one and waits
    for its answer until a deadline (see the module docstring)."""

    def __init__(
        self, spec: StoreSpec, size: int = 3, *, reserved: int = 1, timeout: float | None = None
    ) -> None:
        """``timeout`` is only named in the 503 message; deadlines come with each task."""
        if size < 1:
            raise ValueError("a pool needs at least one worker")
        self.spec = spec
        self.size = size
        self.timeout = timeout
        self._context = _context()
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._adhoc = threading.BoundedSemaphore(max(1, size - reserved))
        self._closed = False
        self.killed = 0  # workers stopped because their task ran past its deadline

    # --- life cycle --------------------------------------------------------------------------

    def start(self) -> None:
        """Start every worker and wait until each has loaded the dataset.

        Raises:
            KgError: a worker could not load the snapshot (the message says why).
        """
        started = [_Worker(self._context, self.spec) for _ in range(self.size)]
        try:
            for worker in started:
                worker.wait_ready(READY_TIMEOUT)
        except KgError:
            for worker in started:
                worker.kill()
            raise
        with self._lock:
            self._all.update(started)
        for worker in started:
            self._idle.put(worker)

    def close(self) -> None:
        """Stop every worker (busy ones too)."""
        with self._lock:
            self._closed = True
            workers = list(self._all)
            self._all.clear()
        for worker in workers:
            worker.kill()

    def pids(self) -> list[int]:
        with self._lock:
            return sorted(w.process.pid for w in self._all if w.process.pid is not None)

    def __enter__(self) -> WorkerPool:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- running tasks -----------------------------------------------------------------------

    def run(self, task: Task, *args: Any, deadline: float, adhoc: bool = False) -> Any:
        """Run ``task(state, *args)`` on a worker and return its answer.

        ``task`` is a module-level function (those of :mod:`kg.server.tasks`): it crosses the
        pipe by reference (its module and name, as pickle sends functions) and the worker calls
        it with its :class:`kg.server.tasks.WorkerState`, so following a request from the app to
        the code that does its work is following a function.

        Args:
            deadline: ``time.monotonic()`` by which the answer must be complete.
            adhoc: an ad-hoc query from a client; these never take the last free worker.

        Raises:
            Refusal: 503 when the deadline passes (the worker is killed and replaced) or no
                worker is free in time; the task's own Problem (400, 403, 404 …) otherwise.
        """
        gate = self._adhoc if adhoc else None
        if gate is not None and not gate.acquire(timeout=max(0.0, deadline - time.monotonic())):
            raise self._busy()
        try:
            return self._run(task, args, deadline)
        finally:
            if gate is not None:
                gate.release()

    def _run(self, task: Task, args: tuple[Any, ...], deadline: float) -> Any:
        for _attempt in range(3):
            try:
                worker = self._idle.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise self._busy() from None
            try:
                worker.conn.send((task, args))
            except (OSError, ValueError):  # the worker died while idle: take another
                self._replace(worker)
                continue
            return self._answer(worker, deadline)
        raise Refusal(Problem(503, "server unavailable", "no query worker is working"))

    def _answer(self, worker: _Worker, deadline: float) -> Any:
        remaining = deadline - time.monotonic()
        try:
            ready = worker.conn.poll(max(0.0, remaining))
            if not ready:
                self.killed += 1
                self._replace(worker)
                raise Refusal(
                    Problem(
                        503,
                        "query timeout",
                        f"the work ran past the server's time limit and was stopped "
                        f"({self._timeout_text()}); nothing was sent. Narrow the query or "
                        "add a LIMIT",
                    )
                )
            status, payload = worker.conn.recv()
        except (EOFError, OSError):
            self._replace(worker)
            raise Refusal(
                Problem(
                    503,
                    "worker failed",
                    "the process running this request died (out of memory?) and was replaced",
                )
            ) from None
        self._idle.put(worker)
        if status == "problem":
            raise Refusal(payload)
        return payload

    def _timeout_text(self) -> str:
        return f"{self.timeout:g} s" if self.timeout else "the request's deadline"

    def _busy(self) -> Refusal:
        return Refusal(
            Problem(
                503,
                "server busy",
                "every query worker stayed busy until this request's time limit; try again",
                headers=(("Retry-After", "5"),),
            )
        )

    def _replace(self, worker: _Worker) -> None:
        """Kill a worker and start its successor in the background."""
        with self._lock:
            self._all.discard(worker)
            closed = self._closed
        threading.Thread(target=self._respawn, args=(worker, closed), daemon=True).start()

    def _respawn(self, old: _Worker, closed: bool) -> None:
        old.kill()
        if closed:
            return
        try:
            new = _Worker(self._context, self.spec)
            new.wait_ready(READY_TIMEOUT)
        except (KgError, OSError) as error:
            print(f"kg serve: could not replace a query worker: {error}", file=sys.stderr)
            return
        with self._lock:
            if self._closed:
                new.kill()
                return
            self._all.add(new)
        self._idle.put(new)
