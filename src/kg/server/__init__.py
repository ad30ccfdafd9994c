"""``kg serve``: a read-only SPARQL 1.1 endpoint and Linked Data pages over the dataset.

The server is a thin layer over the library (:mod:`kg.sparql.prepare`, :mod:`kg.sparql.catalogue`,
:mod:`kg.sparql.results`, :mod:`kg.export.writers`): it adds HTTP (:mod:`.httpd`), the SPARQL
Protocol
(:mod:`.protocol`), content negotiation (:mod:`.conneg`), Linked Data descriptions (:mod:`.ld`),
pages (:mod:`.pages`) and bounds on each request's work (:mod:`.limits`, :mod:`.workers`).

:class:`Server` puts them together for a store: it writes a snapshot of the store that the
worker processes load, starts the workers and the HTTP server. :func:`run` is the command.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kg import leftovers
from kg.errors import InputError, KgError
from kg.server.limits import DEFAULT_ROW_LIMIT, DEFAULT_TIMEOUT, Limits

# The workers' code (kg.server.tasks and all it imports: a few tenths of a second) is imported
# when a Server is made, not with the package: ``kg serve`` starts the fork server first
# (kg.server.workers.warm_up), which imports that code on its own, in parallel with this
# process finding the store.
if TYPE_CHECKING:
    from pyoxigraph import Store

    from kg.server.workers import WorkerPool

DEFAULT_PORT = 8000
_FOLDER = re.compile(r"kg-serve-(?P<pid>[0-9]+)-.*")  # a server's snapshot folder


def is_loopback(host: str) -> bool:
    """Whether a listening address only this machine can reach."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def default_workers() -> int:
    """One worker per core plus one, at least three: a runaway query holds one worker until its
    deadline, the others keep answering."""
    return max(3, (os.cpu_count() or 2) + 1)


def _review_pages(folder: str | Path, on_written: Callable[[], None] | None) -> Any:
    """The review page (imported only when asked for: it brings the drafting and validation
    code, a few tenths of a second of every server's start otherwise); ``on_written`` is called
    after it wrote into data/."""
    from kg.server.review import ReviewPages

    return ReviewPages(folder, on_written=on_written)


class Server:
    """The HTTP server, its app and its worker pool, for one store."""

    def __init__(
        self,
        store: Store | None,
        *,
        host: str = "127.0.0.1",
        port: int = DEFAULT_PORT,
        limits: Limits | None = None,
        cors: str | None = None,
        workers: int | None = None,
        union_default_graph: bool = True,
        queries_dir: str | Path | None = None,
        access_log: bool = False,
        database: str | Path | None = None,
        review: str | Path | None = None,
        paths: Sequence[Path | str] | None = None,
        warm_pages: bool = False,
        pool: WorkerPool | None = None,
    ) -> None:
        """``warm_pages``: compute what the home and ontology pages summarise as soon as the
        workers are up (kept next to a persistent store for the next server: see
        ``kg.server.app.PageCache``) rather than on their first request.
        ``database``: the folder of a persistent store (``kg.load.store``); workers open it
        read-only instead of loading a snapshot, and ``store`` is not used (None is fine): the
        server process holds no copy of the data, and opens the store (read-only) only to
        answer queries whose shape bounds their work (``kg.server.limits.one_pattern``).
        ``review``: a folder of drafts; the review page (``kg.server.review``), which writes
        into data/, is served only then and only on a loopback address; after it writes, the
        server loads ``paths`` (the files and folders served; None: data/) again and serves
        them (:meth:`reload`), so accepted facts show without a restart.
        ``pool``: a WorkerPool made (and perhaps launched, ``WorkerPool.launch``) before the
        store was known, without its StoreSpec; ``workers`` is then its size."""
        if review is not None and not is_loopback(host):
            raise InputError(
                f"--review writes into data/ and is served on loopback only, not on {host}"
            )
        from pyoxigraph import RdfFormat

        from kg.load import scope as scopes
        from kg.server import tasks
        from kg.server.app import App, PageCache, Summary
        from kg.server.httpd import HttpServer
        from kg.server.tasks import StoreSpec
        from kg.server.workers import READY_TIMEOUT, WorkerPool
        from kg.sparql import catalogue

        self.limits = limits or Limits()
        # The catalogue is read (every canned query checked) while the workers start, and the
        # page templates compiled.
        canned = Future()  # type: ignore[var-annotated]

        def read_catalogue() -> None:
            try:
                canned.set_result(catalogue.load_catalogue(queries_dir))
            except BaseException as error:
                canned.set_exception(error)
            # then the page templates, still while the workers start (on a page's first
            # request, compiling its template took tens of milliseconds)
            with contextlib.suppress(Exception):  # else compiled on first use
                from kg.server.pages import compile_templates

                compile_templates()

        threading.Thread(target=read_catalogue, daemon=True, name="kg-serve-catalogue").start()
        # Named by our pid: what a killed server left is removed by the next one (kg.leftovers).
        leftovers.sweep(tempfile.gettempdir(), _FOLDER)
        self._folder = tempfile.mkdtemp(prefix=f"kg-serve-{os.getpid()}-")
        try:
            snapshot = None
            if database is None:
                if store is None:
                    raise ValueError("Server needs a store or a database")
                scopes.ensure(store)  # once here, not in every worker
                snapshot = os.path.join(self._folder, "dataset.nq")
                store.dump(snapshot, RdfFormat.N_QUADS)
                graphs = sorted(g.value for g in scopes.source_graphs(store) if hasattr(g, "value"))
                statements = scopes.source_quads(store)
            spec = StoreSpec(
                snapshot=snapshot,
                database=str(database) if database is not None else None,
                union_default_graph=union_default_graph,
                queries_dir=str(queries_dir) if queries_dir is not None else None,
                row_limit=self.limits.row_limit,
            )
            if pool is None:
                pool = WorkerPool(None, workers or default_workers(), timeout=self.limits.timeout)
            self.pool = pool
            self.pool.start(spec)
            kept = None
            if database is not None:
                with contextlib.suppress(OSError):
                    kept = PageCache(Path(database).parent)
            known = kept.load() if kept is not None else {}
            if database is not None and "summary" in known:  # kept by kg build
                summary = Summary.known(*known["summary"])
            elif database is not None:
                # A worker lists and counts (the server process never opens the store), in the
                # background: at 1M statements that takes seconds, and only the service
                # description and the start-up message need it.
                # Once every worker is up, so that it does not hold the first one.
                pool = self.pool

                def compute() -> tuple[list[str], int]:
                    pool.started.wait(READY_TIMEOUT)
                    return pool.run(tasks.summary, deadline=time.monotonic() + READY_TIMEOUT)

                summary = Summary.later(compute)
            else:
                summary = Summary.known(graphs, statements)
        except BaseException:
            shutil.rmtree(self._folder, ignore_errors=True)
            raise
        try:
            self.app = App(
                self.pool,
                self.limits,
                canned.result(),
                summary,
                union_default_graph,
                cors,
                review=(
                    _review_pages(review, self.reload_data if database is None else None)
                    if review is not None
                    else None
                ),
            )
            try:
                self.httpd = HttpServer((host, port), self.app, access_log=access_log)
            except OSError as error:
                raise InputError(
                    f"cannot listen on {host}:{port}: {error.strerror or error}"
                ) from None
        except BaseException:
            self.pool.close()
            shutil.rmtree(self._folder, ignore_errors=True)
            raise
        if warm_pages:
            self.warming: threading.Thread | None = self.app.warm(kept)
        else:
            self.warming = None
        self._thread: threading.Thread | None = None
        self._paths = list(paths) if paths else None
        self._generation = 0

    def reload(self, store: Store) -> None:
        """Serve ``store`` from now on: a new snapshot, new workers
        (:meth:`WorkerPool.reload`), the page caches emptied. Not for a persistent store."""
        from dataclasses import replace

        from pyoxigraph import RdfFormat

        from kg.load import scope as scopes
        from kg.server.app import Summary
        from kg.server.protocol import Endpoint

        scopes.ensure(store)
        self._generation += 1
        snapshot = os.path.join(self._folder, f"dataset-{self._generation}.nq")
        store.dump(snapshot, RdfFormat.N_QUADS)
        graphs = sorted(g.value for g in scopes.source_graphs(store) if hasattr(g, "value"))
        spec = self.pool.spec
        assert spec is not None  # the pool has started
        old = spec.snapshot
        self.pool.reload(replace(spec, snapshot=snapshot))
        app = self.app
        app.summary = Summary.known(graphs, scopes.source_quads(store))
        app.endpoint = Endpoint(app.pool, app.limits.timeout, graphs, app.union_default_graph)
        app.endpoint_all = Endpoint(
            app.pool, app.limits.timeout, graphs, app.union_default_graph, "all"
        )
        with app._cache_lock:
            app._cache.clear()
            app._pending.clear()  # answers of the old data being made: not kept
        if old and old != snapshot:
            with contextlib.suppress(OSError):
                os.remove(old)

    def reload_data(self) -> None:
        """Load the served files again (after the review page wrote into data/)."""
        from kg.load import open_dataset

        self.reload(open_dataset(self._paths).store)

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    @property
    def url(self) -> str:
        host = self.httpd.server_address[0]
        if ":" in str(host):
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    def serve_forever(self) -> None:
        self.httpd.serve_forever()

    def start(self) -> Server:
        """Serve in a background thread (tests, benchmarks)."""
        self._thread = threading.Thread(target=self.serve_forever, daemon=True, name="kg-serve")
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving, stop the workers, remove the snapshot."""
        if self._thread is not None:
            self.httpd.shutdown()
            self._thread.join(timeout=10)
            self._thread = None
        self.httpd.close()
        self.pool.close()
        shutil.rmtree(self._folder, ignore_errors=True)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _import_server() -> None:
    """Import what :class:`Server` needs (the app and its pages, the HTTP library: about half
    a second), so that it overlaps with finding the store (``kg serve``)."""
    with contextlib.suppress(Exception):  # Server imports them again and reports any error
        import kg.server.app
        import kg.server.httpd  # noqa: F401


def run(
    paths: Sequence[Path | str] = (),
    *,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    timeout: float = DEFAULT_TIMEOUT,
    cors: str | None = None,
    row_limit: int = DEFAULT_ROW_LIMIT,
    workers: int | None = None,
    access_log: bool = False,
    announce: Callable[[str], None] | None = None,
    review: str | Path | None = None,
) -> None:
    """``kg serve``: load the dataset (``kg.load.open_dataset``: the given files, else the
    repository's data, with the inferred graphs; the persistent store when one is built) and
    serve it until interrupted.

    Raises:
        InputError, RdfSyntaxError: the data cannot be loaded, or the port cannot be used.
    """
    from kg.load import open_dataset
    from kg.load import store as persistent

    try:
        limits = Limits(timeout=timeout, row_limit=row_limit)
    except ValueError as error:
        raise InputError(str(error)) from None
    if workers is not None and workers < 2:
        raise InputError("--workers must be at least 2 (one stays free for pages)")
    from kg.server.workers import WorkerPool, warm_up

    warm_up()  # the fork server imports what workers need while the store is found, …
    pool = WorkerPool(None, workers or default_workers(), timeout=limits.timeout)
    pool.launch()  # … then forks the workers, which wait to be told where the store is, …
    # … and a thread of this process imports the server's own modules meanwhile
    threading.Thread(target=_import_server, daemon=True, name="kg-serve-import").start()
    try:
        dataset = open_dataset(list(paths) or None, cache=True)
    except BaseException:
        pool.close()
        raise
    location = getattr(dataset, "location", None)  # a persistent store: workers share it
    if location is not None:
        # The workers open it; this process keeps only the reader's lock (kg.load.store's
        # _HELD), so that the store is not deleted under them.
        dataset.store = None  # type: ignore[assignment]
    try:
        server = Server(
            dataset.store,
            database=Path(location) / persistent.DB if location is not None else None,
            host=host,
            port=port,
            limits=limits,
            cors=cors,
            access_log=access_log,
            review=review,
            paths=list(paths) or None,
            warm_pages=True,
            pool=pool,
        )
    except BaseException:
        pool.close()
        raise
    del dataset

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    # `kill` stops as cleanly as Ctrl-C, from the moment the server exists (a SIGTERM right
    # after the announcement still closes it and exits 0).
    previous = signal.signal(signal.SIGTERM, stop)
    try:
        say = announce or (lambda text: print(text, file=sys.stderr, flush=True))
        say(
            f"kg serve: {server.url}/ (SPARQL at {server.url}/sparql; "
            f"{server.pool.size} workers, timeout {limits.timeout:g} s, "
            f"row limit {limits.row_limit}). Ctrl-C stops."
        )

        def counts() -> None:
            with contextlib.suppress(Exception):  # a failure is the service description's
                say(
                    f"kg serve: {len(server.app.graphs)} graphs, {server.app.statements} statements"
                )

        threading.Thread(target=counts, daemon=True).start()
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.close()


__all__ = ["DEFAULT_PORT", "KgError", "Server", "run"]
