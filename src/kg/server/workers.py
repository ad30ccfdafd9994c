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

import asyncio
import contextlib
import multiprocessing
import os
import queue
import signal
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable
from multiprocessing import forkserver
from multiprocessing.connection import Connection, wait
from typing import TYPE_CHECKING, Any

from kg.errors import KgError
from kg.server.problems import Problem, Refusal, problem_for

if TYPE_CHECKING:  # the workers' code: imported by the fork server (and workers), not here
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


def warm_up() -> None:
    """Start the fork server now, so that it imports pyoxigraph and kg (a few tenths of a
    second) while this process does other start-up work (``kg serve``: finding the store)."""
    context = _context()
    if context.get_start_method() == "forkserver":
        with contextlib.suppress(OSError):
            forkserver.ensure_running()


def _watch_lifeline(lifeline: Connection) -> None:
    """End this worker when the server is gone: the server holds the only write end of the
    lifeline, so reading it ends (EOF) exactly when the server process has exited, however it
    died (SIGKILL included). The engine releases the GIL while it evaluates, so this thread
    runs even while a query does."""
    with contextlib.suppress(EOFError, OSError):
        while True:
            lifeline.recv_bytes()
    os._exit(0)


def _worker_main(
    conn: Connection, spec: StoreSpec | None, lifeline: Connection | None = None
) -> None:
    """The loop of a worker process: load the snapshot (or open the store) — given, or as the
    first message on the pipe when the worker was started before the server knew it —, then
    answer tasks until the pipe closes. Every error becomes a Problem sent back; the loop itself
    never dies of one."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the server, which stops us
    if lifeline is not None:
        threading.Thread(target=_watch_lifeline, args=(lifeline,), daemon=True).start()
    try:
        if spec is None:  # started before the store was found (WorkerPool.launch): sent now
            spec = conn.recv()
        from kg.server.tasks import WorkerState

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


def _pidfd(pid: int) -> int | None:
    """A file descriptor for the process (Linux 5.3+), or None. Why: workers are children of
    the fork server, not of this process; once the fork server is gone, multiprocessing
    believes every worker dead (their status pipes close) and ``Process.kill`` no longer
    signals them. A pidfd signals exactly that process and becomes readable when it exits,
    whoever its parent is."""
    opener = getattr(os, "pidfd_open", None)
    if opener is None:
        return None
    try:
        return int(opener(pid))
    except OSError:
        return None


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _settle(future: asyncio.Future[Any], value: Any = None) -> None:
    """Give ``future`` its result unless it has one (a wake-up, a deadline, a readable pipe:
    whichever comes first wins)."""
    if not future.done():
        future.set_result(value)


def _unwatch(loop: asyncio.AbstractEventLoop, fd: int) -> None:
    """Stop watching a worker's pipe, and make it blocking again: the event loop (libuv) made it
    non-blocking when it began watching, and the pipe's reads and writes (multiprocessing's
    Connection, also used from threads by WorkerPool.run) expect a blocking one — a long answer
    read from a non-blocking pipe fails half-way."""
    loop.remove_reader(fd)
    os.set_blocking(fd, True)


class LocalAnswers:
    """Tasks run in the server process itself, on the persistent store opened read-only here
    on first use — only for queries whose shape bounds their work
    (:func:`kg.server.limits.one_pattern`: they cannot run past the time limit, so they need
    no process that could be killed). Same task functions as the workers, same answers, and
    the same Problems for what they refuse."""

    def __init__(self, database: str) -> None:
        self.database = database
        self._state: WorkerState | None = None
        self._lock = threading.Lock()

    def _load(self, spec: StoreSpec) -> WorkerState:
        with self._lock:
            if self._state is None:
                from kg.server.tasks import WorkerState

                self._state = WorkerState.load(spec)
            return self._state

    def run(self, spec: StoreSpec, task: Task, *args: Any) -> Any:
        """``task(state, *args)`` here (see :meth:`WorkerPool.run` for tasks).

        Raises:
            Refusal: the task's Problem (400, 406 …), as a worker would send it.
        """
        state = self._state or self._load(spec)
        try:
            return task(state, *args)
        except Refusal:
            raise
        except KgError as error:
            raise Refusal(problem_for(error)) from None


class _Waiting:
    """A request awaiting a worker or a slot on an event loop (WorkerPool.run_async)."""

    __slots__ = ("future", "loop", "woken")

    def __init__(self, loop: asyncio.AbstractEventLoop, future: asyncio.Future[Any]) -> None:
        self.loop = loop
        self.future = future
        self.woken = False  # a release chose it (WorkerPool._wake)


class _WorkerDied(Exception):
    """The worker's pipe closed while it held a task."""


class _Worker:
    """One worker process and the server's end of its pipe."""

    def __init__(
        self, context: Any, spec: StoreSpec | None, lifeline: Connection | None = None
    ) -> None:
        """``spec`` None: the worker waits for it on its pipe (WorkerPool.launch)."""
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=_worker_main,
            args=(child, spec, lifeline),
            daemon=True,
            name="kg-serve-worker",
        )
        self.process.start()
        child.close()
        self.pid: int | None = self.process.pid
        self.pidfd: int | None = None
        self.retired = False  # replaced: never given another task

    def wait_ready(self, timeout: float) -> None:
        if not self.conn.poll(timeout):
            self.kill()
            self.close_pipe()
            raise KgError(f"a query worker did not load the dataset within {timeout:.0f} s")
        try:
            status, payload = self.conn.recv()
        except (EOFError, OSError):
            self.kill()
            self.close_pipe()
            raise KgError("a query worker died while loading the dataset") from None
        if status != "ready":
            self.kill()
            self.close_pipe()
            raise KgError(f"a query worker could not load the dataset: {payload}")
        self.pid = int(payload)
        self.pidfd = _pidfd(self.pid)

    @property
    def sentinel(self) -> int:
        """Readable once the process has exited."""
        return self.pidfd if self.pidfd is not None else self.process.sentinel

    def alive(self) -> bool:
        return not wait([self.sentinel], timeout=0)

    def kill(self) -> None:
        if self.pidfd is not None:
            with contextlib.suppress(OSError):
                signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
            wait([self.pidfd], timeout=10)
            with contextlib.suppress(OSError):
                os.close(self.pidfd)
            self.pidfd = None
        else:
            with contextlib.suppress(OSError, ValueError):
                self.process.kill()
        self.process.join(timeout=10)

    def close_pipe(self) -> None:
        """Close the server's end of the pipe. Only the thread that holds the worker (took it
        from the idle queue) may: closing under a thread that polls it could let the number
        be reused by another file, and that thread would wait on the wrong one."""
        with contextlib.suppress(OSError):
            self.conn.close()


def _died_twice() -> Refusal:
    """The refusal of a request whose worker died, was replaced, and died again: it is not
    tried a third time (the request itself is the likely cause: out of memory)."""
    return Refusal(
        Problem(
            503,
            "worker failed",
            "the process running this request died twice (out of memory?) and was "
            "replaced; nothing was sent",
        )
    )


class WorkerPool:
    """A fixed number of worker processes; :meth:`run` gives a task to an idle one and waits
    for its answer until a deadline (see the module docstring).

    Supervision: a thread watches every worker and replaces one that dies, busy or idle, and
    restarts the fork server when it has died; a task whose worker died under it is run once
    more on another (tasks only read); every worker ends when this process does (a lifeline
    pipe it watches), so killing the server, even with SIGKILL, leaves no worker behind."""

    SUPERVISE_EVERY = 0.5  # seconds between two checks of the fork server

    def __init__(
        self,
        spec: StoreSpec | None,
        size: int = 3,
        *,
        reserved: int = 1,
        timeout: float | None = None,
    ) -> None:
        """``timeout`` is only named in the 503 message; deadlines come with each task.
        ``spec`` None: given to :meth:`start` (the processes can be started before it is
        known: :meth:`launch`)."""
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
        # Requests awaiting a worker or an ad-hoc slot on an event loop (run_async): each
        # release of either wakes the first (see _wake).
        self._waiting: deque[_Waiting] = deque()
        self._closed = False
        # The read end goes to every worker; this process holds the only write end.
        self._lifeline, self._lifeline_end = self._context.Pipe(duplex=False)
        self._supervisor: threading.Thread | None = None
        self.started = threading.Event()  # every worker of the first start has been tried
        self.killed = 0  # workers stopped because their task ran past its deadline
        self.replaced = 0  # workers replaced because they died (not killed by a deadline)
        self.retried = 0  # tasks run again because their worker died under them
        self._launched: list[_Worker] = []  # started by launch(), awaiting the spec
        self._local: LocalAnswers | None = None
        self._launching: threading.Thread | None = None

    # --- life cycle --------------------------------------------------------------------------

    def launch(self) -> None:
        """Start the worker processes now, in the background, before the dataset is known
        (``kg serve``: while it finds the store); :meth:`start` then gives them the spec.

        Why: a worker's start — the fork server forking it once it has imported the workers'
        code — took a few tenths of a second of the server's start-up after the store was
        found; started early, it overlaps with finding the store, and the worker only opens
        the store once it is known (milliseconds)."""

        def run() -> None:
            for _ in range(self.size):
                try:
                    worker = _Worker(self._context, None, self._lifeline)
                except (OSError, ValueError) as error:  # start() starts the rest
                    print(f"kg serve: could not start a query worker: {error}", file=sys.stderr)
                    return
                self._launched.append(worker)

        self._launching = threading.Thread(target=run, daemon=True, name="kg-serve-launch")
        self._launching.start()

    def _take_launched(self) -> list[_Worker]:
        """The workers launch() started, each sent the spec (one that cannot take it is
        stopped)."""
        if self._launching is None:
            return []
        self._launching.join()
        self._launching = None
        taken = []
        for worker in self._launched:
            try:
                worker.conn.send(self.spec)
            except (OSError, ValueError):
                worker.kill()
                worker.close_pipe()
                continue
            taken.append(worker)
        self._launched = []
        return taken

    def start(self, spec: StoreSpec | None = None) -> None:
        """Start every worker (or give those :meth:`launch` started ``spec``); return when the
        first has loaded the dataset (the pool answers from then on), the others join as they
        get ready.

        Raises:
            KgError: the first worker could not load the dataset (the message says why).
        """
        if spec is not None:
            self.spec = spec
        if self.spec is None:
            raise ValueError("the pool needs a StoreSpec to start")
        started = self._take_launched()
        started += [self._new_worker() for _ in range(self.size - len(started))]
        first = started[0]
        try:
            first.wait_ready(READY_TIMEOUT)
        except KgError:
            for worker in started:
                worker.kill()
            raise
        with self._lock:
            self._all.add(first)
        self._put_idle(first)
        if started[1:]:
            threading.Thread(
                target=self._join, args=(started[1:],), daemon=True, name="kg-serve-start"
            ).start()
        else:
            self.started.set()
        self._supervisor = threading.Thread(
            target=self._supervise, daemon=True, name="kg-serve-supervisor"
        )
        self._supervisor.start()

    def _join(self, workers: list[_Worker]) -> None:
        """Add started workers to the pool as each gets ready (one that fails is replaced)."""
        for worker in workers:
            try:
                worker.wait_ready(READY_TIMEOUT)
            except KgError as error:
                if self._closed:
                    return
                print(f"kg serve: {error}; starting another", file=sys.stderr)
                self._respawn(worker)
                continue
            if not self._admit(worker):
                return
        self.started.set()

    def close(self) -> None:
        """Stop every worker (busy ones too, and those launched but never started)."""
        if self._launching is not None:
            self._launching.join()
            self._launching = None
        with self._lock:
            self._closed = True
            workers = list(self._all) + self._launched
            self._all.clear()
            self._launched = []
        for worker in workers:
            worker.kill()
        while True:  # idle ones: nobody else holds them
            try:
                self._idle.get_nowait().close_pipe()
            except queue.Empty:
                break
        with contextlib.suppress(OSError):
            self._lifeline_end.close()  # any worker still starting ends itself
        with contextlib.suppress(OSError):
            self._lifeline.close()
        if self._supervisor is not None and self._supervisor is not threading.current_thread():
            self._supervisor.join(timeout=5)

    def reload(self, spec: StoreSpec) -> None:
        """Serve another dataset (``kg serve --review`` after it wrote accepted facts): start a
        full set of workers on ``spec`` and, once all are ready, put them in place of the old
        ones. An idle old worker stops at once; a busy one finishes its task first and stops
        when it comes back (:meth:`_take` drops retired workers).

        Raises:
            KgError: a new worker could not load the dataset (the old ones keep serving).
        """
        fresh = [_Worker(self._context, spec, self._lifeline) for _ in range(self.size)]
        try:
            for worker in fresh:
                worker.wait_ready(READY_TIMEOUT)
        except KgError:
            for worker in fresh:
                worker.kill()
            raise
        with self._lock:
            self.spec = spec
            old = list(self._all)
            for worker in old:
                worker.retired = True
            self._all = set(fresh)
        for worker in fresh:
            self._put_idle(worker)
        stale = []
        while True:
            try:
                stale.append(self._idle.get_nowait())
            except queue.Empty:
                break
        for worker in stale:
            if worker.retired:
                worker.kill()
                worker.close_pipe()
            else:
                self._put_idle(worker)

    def run_here(self, task: Task, *args: Any) -> Any:
        """``task(state, *args)`` in this process (:class:`LocalAnswers`), for a query whose
        shape bounds its work; only on a persistent store (else ValueError: the data is in
        the workers' memory only)."""
        spec = self.spec
        if spec is None or spec.database is None:
            raise ValueError("tasks run here only on a persistent store")
        if self._local is None or self._local.database != spec.database:
            self._local = LocalAnswers(spec.database)
        return self._local.run(spec, task, *args)

    @property
    def runs_here(self) -> bool:
        """Whether :meth:`run_here` can be used (the pool serves a persistent store)."""
        return self.spec is not None and self.spec.database is not None

    def pids(self) -> list[int]:
        with self._lock:
            return sorted(w.pid for w in self._all if w.pid is not None)

    def __enter__(self) -> WorkerPool:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _new_worker(self) -> _Worker:
        return _Worker(self._context, self.spec, self._lifeline)

    def _supervise(self) -> None:
        """Replace workers that die, and the fork server when it dies, until the pool
        closes."""
        while True:
            with self._lock:
                if self._closed:
                    return
                watched = {w.sentinel: w for w in self._all}
            try:
                dead = wait(list(watched), timeout=self.SUPERVISE_EVERY)
            except (OSError, ValueError):  # a sentinel closed under us: look again
                dead = []
            for sentinel in dead:
                self._replace(watched[sentinel], died=True)  # type: ignore[index]
            self._ensure_fork_server()

    def _ensure_fork_server(self) -> None:
        """Start a new fork server when ours has died (multiprocessing checks, and starts one,
        only when a process is started; a dead one found here is replaced at once)."""
        if self._context.get_start_method() != "forkserver" or self._closed:
            return
        try:
            forkserver.ensure_running()
        except OSError as error:
            print(f"kg serve: could not restart the fork server: {error}", file=sys.stderr)

    # --- running tasks -----------------------------------------------------------------------

    def run(self, task: Task, *args: Any, deadline: float, adhoc: bool = False) -> Any:
        """Run ``task(state, *args)`` on a worker and return its answer.

        ``task`` is a module-level function (those of :mod:`kg.server.tasks`): it crosses the
        pipe by reference (its module and name, as pickle sends functions) and the worker calls
        it with its :class:`kg.server.tasks.WorkerState`, so following a request from the app to
        the code that does its work is following a function. Tasks only read, so a task whose
        worker dies under it is run once more, on another worker, within the same deadline.

        Args:
            deadline: ``time.monotonic()`` by which the answer must be complete.
            adhoc: an ad-hoc query from a client; these never take the last free worker.

        Raises:
            Refusal: 503 when the deadline passes (the worker is killed and replaced), no
                worker is free in time, or the task's worker died twice; the task's own Problem
                (400, 403, 404 …) otherwise.
        """
        gate = self._adhoc if adhoc else None
        if gate is not None and not gate.acquire(timeout=max(0.0, deadline - time.monotonic())):
            raise self._busy()
        try:
            return self._run(task, args, deadline)
        finally:
            if gate is not None:
                self._release_slot()

    def _run(self, task: Task, args: tuple[Any, ...], deadline: float) -> Any:
        died = 0
        for _attempt in range(2 * self.size + 4):
            worker = self._take(deadline)
            if not self._hand(worker, task, args):
                continue
            try:
                return self._answer(worker, deadline)
            except _WorkerDied:
                died += 1
                if died > 1:
                    break
                self.retried += 1
        raise _died_twice()

    def _hand(self, worker: _Worker, task: Task, args: tuple[Any, ...]) -> bool:
        """Send a task to a worker taken from the pool; one that died while idle, before it got
        the task, is replaced and the task is not lost (the caller takes another worker)."""
        try:
            worker.conn.send((task, args))
        except (OSError, ValueError):
            self._replace(worker, died=True)
            worker.close_pipe()
            return False
        return True

    def _take(self, deadline: float) -> _Worker:
        """An idle worker that has not been replaced."""
        while True:
            if self._closed:
                raise Refusal(Problem(503, "server stopping", "the server is shutting down"))
            remaining = deadline - time.monotonic()
            try:
                worker = self._idle.get(timeout=max(0.0, min(remaining, 0.5)))
            except queue.Empty:
                if remaining <= 0.5:
                    raise self._busy() from None
                continue
            if worker.retired:  # already replaced by the supervisor
                worker.close_pipe()
                continue
            # A worker that died since the supervisor last looked fails the send (EPIPE) or
            # closes its pipe under the task: both are handled by the caller.
            return worker

    def _answer(self, worker: _Worker, deadline: float) -> Any:
        remaining = deadline - time.monotonic()
        try:
            ready = worker.conn.poll(max(0.0, remaining))
            if not ready:
                self.killed += 1
                self._replace(worker)
                worker.close_pipe()
                raise self._timed_out()
            status, payload = worker.conn.recv()
        except (EOFError, OSError):
            self._replace(worker, died=True)
            worker.close_pipe()
            raise _WorkerDied from None
        self._put_idle(worker)
        if status == "problem":
            raise Refusal(payload)
        return payload

    def _put_idle(self, worker: _Worker) -> None:
        self._idle.put(worker)
        self._wake()

    def _release_slot(self) -> None:
        self._adhoc.release()
        self._wake()

    def _wake(self) -> None:
        """Tell the first request awaiting a worker or a slot (run_async) that one was released:
        it tries again (a thread waiting in run may have taken it first; then it waits on)."""
        with self._lock:
            while self._waiting:
                entry = self._waiting.popleft()
                if not entry.future.done():
                    entry.woken = True
                    break
            else:
                return
        if _running_loop() is entry.loop:
            _settle(entry.future)
        else:
            with contextlib.suppress(RuntimeError):  # that loop is closed: nobody waits
                entry.loop.call_soon_threadsafe(_settle, entry.future)

    async def _wait_for(self, take: Callable[[], Any], deadline: float) -> Any:
        """What ``take()`` gives (it never blocks; None: nothing now), waiting on the event loop
        until it gives something; 503 (busy) at the deadline."""
        taken = take()
        if taken is not None:
            return taken
        loop = asyncio.get_running_loop()
        while True:
            entry = _Waiting(loop, loop.create_future())
            with self._lock:
                self._waiting.append(entry)
            taken = take()  # released between the first try and the registration
            if taken is None:
                timer = loop.call_later(
                    max(0.0, deadline - time.monotonic()), _settle, entry.future
                )
                try:
                    await entry.future
                finally:
                    timer.cancel()
                taken = take()
            if taken is None and time.monotonic() < deadline:
                continue  # another took what was released: wait for the next
            with self._lock, contextlib.suppress(ValueError):
                self._waiting.remove(entry)
            if entry.woken:
                # This request may have taken something other than what its wake-up was for
                # (or nothing): the next in line looks too, so that nothing released stays
                # unseen while requests wait.
                self._wake()
            if taken is None:
                raise self._busy()
            return taken

    def _take_nowait(self) -> _Worker | None:
        """An idle worker that has not been replaced, or None."""
        while True:
            if self._closed:
                raise Refusal(Problem(503, "server stopping", "the server is shutting down"))
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                return None
            if not worker.retired:
                return worker
            worker.close_pipe()

    async def run_async(self, task: Task, *args: Any, deadline: float, adhoc: bool = False) -> Any:
        """:meth:`run` for a caller on an event loop (``kg.server.asgi``): the same task on the
        same workers under the same deadline, but the wait for a worker and for its answer is on
        the loop (the worker's pipe is watched by the loop), not in a thread.

        Why: a thread per request cost a trivial query more than the query itself — the hand-over
        to the thread and back, and every thread taking its turn at the interpreter lock after
        each system call (measured with ``bench/serve_load.py``: ~0.35 ms of the server
        process's time per request, against ~0.1 ms for an HTTP library's bare answer).

        Raises: as :meth:`run`.
        """
        if adhoc:
            await self._wait_for(lambda: self._adhoc.acquire(blocking=False) or None, deadline)
        try:  # the slot (when adhoc) is held from here on
            died = 0
            for _attempt in range(2 * self.size + 4):
                worker = await self._wait_for(self._take_nowait, deadline)
                if not self._hand(worker, task, args):
                    continue
                try:
                    return await self._answer_async(worker, deadline)
                except _WorkerDied:
                    died += 1
                    if died > 1:
                        break
                    self.retried += 1
            raise _died_twice()
        finally:
            if adhoc:
                self._release_slot()

    async def _answer_async(self, worker: _Worker, deadline: float) -> Any:
        loop = asyncio.get_running_loop()
        ready = loop.create_future()
        fd = worker.conn.fileno()
        timer = loop.call_later(max(0.0, deadline - time.monotonic()), _settle, ready, False)
        loop.add_reader(fd, _settle, ready, True)
        try:
            answered = await ready
        except BaseException:  # cancelled (the server stops): the task's answer is never read
            _unwatch(loop, fd)
            timer.cancel()
            self._replace(worker)
            worker.close_pipe()
            raise
        _unwatch(loop, fd)
        timer.cancel()
        if not answered:
            self.killed += 1
            self._replace(worker)
            worker.close_pipe()
            raise self._timed_out()
        try:
            status, payload = worker.conn.recv()
        except (EOFError, OSError):
            self._replace(worker, died=True)
            worker.close_pipe()
            raise _WorkerDied from None
        self._put_idle(worker)
        if status == "problem":
            raise Refusal(payload)
        return payload

    def _timed_out(self) -> Refusal:
        return Refusal(
            Problem(
                503,
                "query timeout",
                f"the work ran past the server's time limit and was stopped "
                f"({self._timeout_text()}); nothing was sent. Narrow the query or add a LIMIT",
            )
        )

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

    def _retire(self, worker: _Worker) -> bool:
        """Take a worker out of the pool; False when it was out already (replaced)."""
        with self._lock:
            if worker.retired or worker not in self._all:
                return False
            worker.retired = True
            self._all.discard(worker)
            return True

    def _replace(self, worker: _Worker, *, died: bool = False) -> None:
        """Kill a worker and start its successor in the background (once per worker).
        ``died``: it died by itself (else it was stopped for running past a deadline)."""
        if not self._retire(worker):
            return
        if died:
            self.replaced += 1
            print(f"kg serve: query worker {worker.pid} died; starting another", file=sys.stderr)
        threading.Thread(target=self._respawn, args=(worker,), daemon=True).start()

    def _respawn(self, old: _Worker) -> None:
        old.kill()
        if self._closed:
            return
        self._ensure_fork_server()
        try:
            new = self._new_worker()
            new.wait_ready(READY_TIMEOUT)
        except (KgError, OSError) as error:
            print(f"kg serve: could not replace a query worker: {error}", file=sys.stderr)
            return
        self._admit(new)

    def _admit(self, worker: _Worker) -> bool:
        """Put a ready worker in the pool, unless the pool was closed meanwhile: then the worker
        is stopped (a worker added after :meth:`close` would never be). Says whether it was
        added."""
        with self._lock:
            closed = self._closed
            if not closed:
                self._all.add(worker)
        if closed:
            worker.kill()
            worker.close_pipe()
            return False
        self._put_idle(worker)
        return True
