"""The server's answers: the handlers and the route table (:data:`ROUTES`, at the end) that says
which handler answers which path. Every answer is computed whole before it is sent (its length
is known), so a failure can never leave a half-written body. The work of a request runs in a
worker process as a function of :mod:`kg.server.tasks` (``self._run(request, tasks.describe,
iri)``).

=====================================  =========================================================
``/``                                  home page: the dataset, counts per class, sources,
                                       licences, downloads
``/sparql``                            SPARQL 1.1 Protocol, the documents (:mod:`.protocol`)
``/sparql/all``                        the same, with the external open data joined
``/editor``                            a plain query editor with results as a table
``/queries``                           the canned queries (``?format=json``: the catalogue)
``/queries/<name>``                    a canned query as a form, and its results as a table
``/queries/<name>.<ext>``              its results as csv, tsv, json, xml (ttl, jsonld … for
                                       CONSTRUCT); ``.cells``: every row as the page's table
                                       pages them (``views.table_json``; also
                                       ``/editor?query=…&format=cells``)
``/downloads/kg.<ext>``                the dataset as ``kg export`` writes it
``/static/<file>``                     the stylesheet and scripts shipped in the package;
                                       ``/static/vendor/``: the vendored libraries
``/ontology``                          the ontology's documentation page (:mod:`.ontodoc`)
anything else                          Linked Data: ``/id/PL`` is ``<BASE id/PL>`` (HTML, or RDF
                                       by Accept or ``?format=``), 404 when the graph does not
                                       mention it
=====================================  =========================================================
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import json
import os
import pickle
import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from importlib import resources as package_resources
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from kg.export import writers as export
from kg.namespaces import ONTOLOGY_IRI
from kg.server import conneg, ld, pages, tasks
from kg.server.answers import store_identity
from kg.server.limits import Limits, RowLimitExceeded
from kg.server.messages import Request, Response
from kg.server.problems import Problem, Refusal, problem_for, refuse
from kg.server.protocol import Endpoint
from kg.server.routes import Route, Router, allow
from kg.server.views import PAGE_ROWS, Table, iris_for_path, page_number, table_json
from kg.server.workers import READY_TIMEOUT, WorkerPool
from kg.sparql.catalogue import CannedQuery

STATIC_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
    ".json": "application/json",
    ".txt": "text/plain; charset=utf-8",
}
# static/ and the vendored libraries with their licences (static/vendor/, see web/)
_STATIC_NAME = re.compile(r"(?:vendor/(?:licences/)?)?[A-Za-z0-9][A-Za-z0-9_.-]*")
_HOST = re.compile(r"[A-Za-z0-9.\-]+(?::[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](?::[0-9]{1,5})?")
SECURITY_HEADERS = (
    (
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
)
EXPORT_EXTENSIONS = {spec.extension.lstrip("."): name for name, spec in export.FORMATS.items()}


def _given(value: Any) -> Any:
    return value


class PageCache:
    """What the home, ontology and editor pages summarise (:data:`kg.server.tasks.PAGE_SUMMARIES`:
    the overview, the ontology's documentation, the editor's vocabulary) and the dataset's
    named graphs and statement count (``summary``), kept in a file next to a persistent store
    (``<store>/pages-<key>.pickle``). ``kg build`` computes it (:func:`precompute`); a server
    on a store built without it computes the pages' summaries once the workers are up and keeps
    them there, so only the first server on an older store pays for them (the dataset's
    summary it computes on every start, as before ``kg build`` kept it).

    Why the key: the file must never be read for other data. ``<key>`` hashes the store's
    identity — its manifest's content id (every input file's hash, the options, the code that
    built it) and the time its build started, so a store rebuilt in the same folder does not
    find its predecessor's file — and the code that computes the summaries; the file records
    the identity too and is ignored when it differs. A folder without a manifest has no
    identity and keeps nothing. Failures to read or write are ignored (the pages are then
    computed as usual)."""

    MODULES = ("overview", "ontodoc", "ld", "views", "tasks")

    def __init__(self, folder: str | Path) -> None:
        from kg import server

        self.folder = Path(folder)
        self.identity = store_identity(self.folder)
        digest = hashlib.sha256((self.identity or "").encode())
        for name in self.MODULES:
            digest.update((Path(server.__file__).parent / f"{name}.py").read_bytes())
        self.path = self.folder / f"pages-{digest.hexdigest()[:16]}.pickle"
        self._loaded: dict[str, Any] | None = None

    def load(self) -> dict[str, Any]:
        """What the file keeps (read once: the server reads the dataset's summary from it,
        then the pages' summaries)."""
        if self._loaded is None:
            self._loaded = self._read()
        return dict(self._loaded)

    def _read(self) -> dict[str, Any]:
        if self.identity is None:
            return {}
        try:
            with self.path.open("rb") as handle:
                value = pickle.load(handle)
        except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError):
            return {}
        if not isinstance(value, dict) or value.get("store") != self.identity:
            return {}
        pages = value.get("pages")
        return dict(pages) if isinstance(pages, dict) else {}

    def save(self, pages: dict[str, Any]) -> None:
        if self.identity is None:
            return
        self._loaded = dict(pages)
        value = {"store": self.identity, "pages": pages}
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.part")
        try:
            temporary.write_bytes(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
            os.replace(temporary, self.path)
        except OSError:
            with contextlib.suppress(OSError):
                temporary.unlink()
            return
        for other in self.folder.glob("pages-*.pickle"):  # of older code: never read again
            if other != self.path:
                with contextlib.suppress(OSError):
                    other.unlink()


def precompute(folder: str | Path) -> list[str]:
    """Compute what the pages summarise for the persistent store in ``folder`` (a
    ``kg.load.store`` location) and keep it beside the store (:class:`PageCache`), and the
    answers of the canned queries with their default parameters (``tasks.default_answers``,
    kept by ``kg.server.answers``), in this process: what ``kg build`` does after building, so
    that a server's first page is not the one that waits for them. Returns what was computed:
    the summaries' names, then ``queries/<name>`` for each answer (none when all were kept
    already)."""
    from kg.load import store as persistent

    cache = PageCache(folder)
    if cache.identity is None:
        return []
    known = cache.load()
    missing = [key for key in tasks.KEPT_SUMMARIES if key not in known]
    state = tasks.WorkerState.load(tasks.StoreSpec(database=str(Path(folder) / persistent.DB)))
    try:
        if missing:
            computed = {key: tasks.KEPT_SUMMARIES[key](state) for key in missing}
            cache.save({**known, **computed})
        answered = tasks.default_answers(state)
    finally:
        del state
    return missing + [f"queries/{name}" for name in answered]


class Summary:
    """The dataset's named graphs and statement count, known now or computed once in the
    background (listing and counting a 1M-statement store takes seconds; the server answers
    meanwhile, and only what shows them waits)."""

    def __init__(self) -> None:
        self._future: Future[tuple[list[str], int]] = Future()

    @classmethod
    def known(cls, graphs: Sequence[str], statements: int) -> Summary:
        summary = cls()
        summary._future.set_result((list(graphs), statements))
        return summary

    @classmethod
    def later(cls, compute: Callable[[], tuple[list[str], int]]) -> Summary:
        summary = cls()

        def run() -> None:
            try:
                summary._future.set_result(compute())
            except BaseException as error:
                summary._future.set_exception(error)

        threading.Thread(target=run, daemon=True, name="kg-serve-summary").start()
        return summary

    def get(self) -> tuple[list[str], int]:
        """Raises what computing it raised (a Refusal: the pool could not run it)."""
        return self._future.result()


# The title of the Problem of an answer over the row limit (kg.server.problems says which).
TOO_LARGE = problem_for(RowLimitExceeded(1)).title
ANSWER_ROWS = 20_000  # rows of canned answers a server keeps (Answers): ~5 kB a row with quotes
PAGE_SIZES = (25, 50, 100, 500)  # rows a page of a canned answer may show (as static/table.js)


class Answers:
    """Canned answers as their pages show them (the table and its views), the most recently
    used kept, up to ``rows`` rows in all. Why: the store does not change while it is served,
    and a long answer is read a page at a time (``?page=``), its rows fetched by the page's
    script (``.cells``): one evaluation serves them all, instead of one per page (at 1M
    statements, seconds each)."""

    def __init__(self, rows: int = ANSWER_ROWS) -> None:
        self.rows = rows
        self._items: OrderedDict[tuple, Any] = OrderedDict()
        self._held = 0
        self._lock = threading.Lock()

    def get(self, key: tuple) -> Any:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    @staticmethod
    def _size(answer: Any) -> int:
        """Rows held: of a table, or of a part of one (:func:`kg.server.tasks.canned_head`)."""
        return max(1, len(answer[0].rows)) if isinstance(answer, tuple) else 1

    def put(self, key: tuple, answer: Any) -> None:
        """``answer``: (table, views), or the Problem of an answer over the row limit."""
        size = self._size(answer)
        if size > self.rows:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._held -= self._size(old)
            self._items[key] = answer
            self._held += size
            while self._held > self.rows:
                _, dropped = self._items.popitem(last=False)
                self._held -= self._size(dropped)


@dataclass(frozen=True)
class Paging:
    """Which rows of an answer a page shows (``?page=N&size=S``), with the links to the pages
    before and after it: a page without script pages through a long answer too."""

    number: int  # 1-based
    size: int
    pages: int
    previous: str | None
    next: str | None

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @staticmethod
    def asked(request: Request, default: int) -> tuple[int, int]:
        """The page number and size a request asks for (before the answer's length is known:
        :func:`kg.server.views.page_number` keeps the number within it)."""
        try:
            size = int(request.first("size") or default)
        except ValueError:
            size = default
        if size not in PAGE_SIZES:
            size = default
        try:
            number = int(request.first("page") or 1)
        except ValueError:
            number = 1
        return number, size

    @classmethod
    def of(cls, request: Request, total: int, base: str, default: int) -> Paging:
        number, size = cls.asked(request, default)
        pages = max(1, -(-total // size))
        number = page_number(number, size, total)
        sep = "&" if "?" in base else "?"

        def link(n: int) -> str:
            return f"{base}{sep}{urlencode({'page': n, 'size': size})}"

        return cls(
            number,
            size,
            pages,
            link(number - 1) if number > 1 else None,
            link(number + 1) if number < pages else None,
        )


@dataclass
class App:
    """The server's answers, given a pool of workers holding the dataset."""

    pool: WorkerPool
    limits: Limits
    catalogue: dict[str, CannedQuery]
    summary: Summary = field(default_factory=lambda: Summary.known([], 0))
    union_default_graph: bool = True
    cors: str | None = None
    review: Any = None  # kg.server.review.ReviewPages when serving with --review
    routes: Sequence[Route] = ()  # the route table; empty: ROUTES
    endpoint: Endpoint = field(init=False)
    endpoint_all: Endpoint = field(init=False)  # /sparql/all: the external data joins
    router: Router = field(init=False)
    _cache: dict[str, Any] = field(default_factory=dict, init=False)
    _cache_lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _known: dict[str, Any] = field(default_factory=dict, init=False)  # kept beside the store
    # canned answers whose first page was sent and whose rest is being made (_complete)
    _pending: dict[tuple, tuple[Future, tasks.Evaluated]] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        graphs = lambda: self.graphs  # noqa: E731 - known later (Summary)
        self.endpoint = Endpoint(self.pool, self.limits.timeout, graphs, self.union_default_graph)
        self.endpoint_all = Endpoint(
            self.pool, self.limits.timeout, graphs, self.union_default_graph, "all"
        )
        review = REVIEW_ROUTES if self.review is not None else ()
        self.router = Router((*review, *(self.routes or ROUTES)))

    @property
    def graphs(self) -> list[str]:
        """The dataset's named graphs (sorted IRIs); waits for the Summary."""
        return self.summary.get()[0]

    @property
    def statements(self) -> int:
        """The dataset's statements (the query graphs left out); waits for the Summary."""
        return self.summary.get()[1]

    # --- entry point ---------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        """The complete response to a request; never raises."""
        if not request.arrived:
            request = Request(
                request.method,
                request.path,
                request.query_string,
                request.headers,
                request.body,
                time.monotonic(),
            )
        try:
            response = self._route(request)
        except Refusal as refusal:
            response = self._problem(request, refusal.problem)
        except Exception as error:  # a bug: a plain 500, details only in the server's log
            response = self._bug(request, error)
        return self._finish(request, response)

    def sparql_route(self, request: Request) -> Endpoint | None:
        """The endpoint the route table gives ``request`` when it is a query operation (GET
        with a query string, or POST, of App.sparql's or App.sparql_all's path), else None.
        The HTTP layer (kg.server.asgi) awaits those on its event loop (:meth:`answer_async`)
        instead of handing them to a thread: a trivial query then costs the server process a
        third of the time."""
        if request.method not in ("GET", "POST") or (
            request.method == "GET" and not request.query_string
        ):
            return None  # the service description, or the editor for a browser
        try:
            route, _ = self.router.find(request)
        except Refusal:
            return None
        if route.handler is App.sparql:
            return self.endpoint
        if route.handler is App.sparql_all:
            return self.endpoint_all
        return None

    async def answer_async(self, request: Request, endpoint: Endpoint) -> Response:
        """:meth:`handle` for a request :meth:`sparql_route` gave to ``endpoint``."""
        try:
            response = await endpoint.answer_async(request, self._base(request))
        except Exception as error:
            response = self._bug(request, error)
        return self._finish(request, response)

    def _bug(self, request: Request, error: Exception) -> Response:
        import traceback

        traceback.print_exc()
        return self._problem(request, problem_for(error))

    def _finish(self, request: Request, response: Response) -> Response:
        """What every response gets: no body for HEAD, the CORS headers."""
        if request.method == "HEAD":
            response.headers.append(("Content-Length", str(len(response.body))))
            response.body = b""
        if self.cors:
            response.headers.append(("Access-Control-Allow-Origin", self.cors))
            if self.cors != "*":
                response.headers.append(("Vary", "Origin"))
        return response

    def _route(self, request: Request) -> Response:
        if request.method == "OPTIONS":
            return self._options(request)
        return self.router.dispatch(self, request)

    # --- helpers ---------------------------------------------------------------------------

    def _options(self, request: Request) -> Response:
        methods = self.router.methods_for(request.path)
        if not methods:
            raise refuse(404, "not found", "no such page")
        allowed = allow(methods)
        headers = [("Allow", allowed)]
        if self.cors:
            headers += [
                ("Access-Control-Allow-Methods", allowed),
                ("Access-Control-Allow-Headers", "Accept, Content-Type"),
                ("Access-Control-Max-Age", "600"),
            ]
        return Response(204, b"", None, headers)

    def _base(self, request: Request) -> str:
        host = request.header("host") or ""
        if not _HOST.fullmatch(host):
            host = "localhost"
        return f"http://{host}"

    def _deadline(self, request: Request) -> float:
        return (request.arrived or time.monotonic()) + self.limits.timeout

    def _run(self, request: Request, task: Callable[..., Any], *args: Any) -> Any:
        """``task`` (a function of :mod:`kg.server.tasks`) on a worker, within the request's
        deadline."""
        return self.pool.run(task, *args, deadline=self._deadline(request))

    def _context(self, request: Request) -> pages.Context:
        return pages.Context(
            base=self._base(request),
            queries=tuple(self.catalogue.values()),
            timeout=self.limits.timeout,
            row_limit=self.limits.row_limit,
        )

    def _page(
        self, request: Request, html: str, status: int = 200, style_nonce: str | None = None
    ) -> Response:
        """``style_nonce``: the editor's one exception to ``style-src 'self'`` — CodeMirror
        writes its styles into a <style> element, which it marks with this per-response
        nonce (``EditorView.cspNonce``)."""
        headers = list(SECURITY_HEADERS)
        if style_nonce is not None:
            name, policy = headers[0]
            headers[0] = (
                name,
                policy.replace("style-src 'self'", f"style-src 'self' 'nonce-{style_nonce}'"),
            )
        return Response(status, html.encode("utf-8"), conneg.media_type("html"), headers)

    def _problem(self, request: Request, problem: Problem) -> Response:
        """A Problem as HTML for browsers, as text for everyone else (so it varies by Accept,
        and says so: a cache must not give a browser's 404 page to a client)."""
        headers = [*problem.headers, ("Vary", "Accept")]
        wants = conneg.negotiate(request.header("accept"), ("table", "html"))
        if wants == "html" and not request.path.startswith("/sparql"):
            html = pages.problem(self._context(request), problem)
            return Response(
                problem.status,
                html.encode("utf-8"),
                conneg.media_type("html"),
                headers + list(SECURITY_HEADERS),
            )
        return Response(problem.status, problem.text().encode("utf-8"), headers=headers)

    def _cached(self, key: str, compute: Callable[[], Any], request: Request | None = None) -> Any:
        """Answers that depend only on the dataset, which does not change while serving. One
        computation per key: a request that finds it under way waits for it (until its own
        deadline: 503 then), instead of starting the same work on another worker."""
        with self._cache_lock:
            entry = self._cache.get(key)
            owner = entry is None
            if owner:
                entry = self._cache[key] = Future()
        assert isinstance(entry, Future)
        if owner:
            try:
                entry.set_result(compute())
            except BaseException as error:
                with self._cache_lock:
                    self._cache.pop(key, None)  # asked again next time
                entry.set_exception(error)
                raise
        wait = None if request is None else max(0.0, self._deadline(request) - time.monotonic())
        try:
            return entry.result(timeout=wait)
        except FutureTimeout:
            raise refuse(
                503,
                "query timeout",
                "this page's data is still being computed (it is computed once, then served "
                "from memory); try again in a moment",
                headers=(("Retry-After", "5"),),
            ) from None

    def warm(self, pages: PageCache | None = None) -> threading.Thread:
        """Make what the home, ontology and editor pages summarise ready before their first
        request: taken from ``pages`` (kept beside the store, :class:`PageCache`) when it has
        it, else computed now in the background once every worker is up (at 1M statements it
        takes seconds, longer than a request may) and kept in ``pages`` for the next server.
        Of a kept overview only the documents' availability is asked again (a worker does it:
        the files are on its side)."""
        known = pages.load() if pages is not None else {}
        self._known = known
        for key in tasks.PAGE_SUMMARIES:  # what the file has is there from the first request on
            if key in known and key != "overview":
                self._cached(key, functools.partial(_given, known[key]))

        def run() -> None:
            self.pool.started.wait(READY_TIMEOUT)
            computed = {}
            for key, task in tasks.PAGE_SUMMARIES.items():
                if key in known and key != "overview":
                    continue
                args = (known[key],) if key in known else ()
                compute = functools.partial(
                    self.pool.run, task, *args, deadline=time.monotonic() + READY_TIMEOUT
                )
                with contextlib.suppress(Exception):  # a request will ask again, and say why
                    value = self._cached(key, compute)
                    if key not in known:
                        computed[key] = value
            if pages is not None and computed:
                pages.save({**known, **computed})

        thread = threading.Thread(target=run, daemon=True, name="kg-serve-warm")
        thread.start()
        return thread

    def _overview(self, request: Request) -> Any:
        known = self._known.get("overview")
        args = (known,) if known is not None else ()
        return self._cached(
            "overview", lambda: self._run(request, tasks.dataset_overview, *args), request
        )

    # --- the handlers of the route table -------------------------------------------------------

    def sparql(self, request: Request) -> Response:
        if (
            request.method in ("GET", "HEAD")
            and not request.query_string
            and conneg.negotiate(request.header("accept"), ("turtle", "html")) == "html"
        ):  # a browser opening the endpoint gets the editor; clients get the description
            page = self.editor(request)
            page.headers.append(("Vary", "Accept"))
            return page
        return self.endpoint.answer(request, self._base(request))

    def sparql_all(self, request: Request) -> Response:
        """The SPARQL endpoint whose default graph has the external open data joined."""
        return self.endpoint_all.answer(request, self._base(request))

    def review_page(self, request: Request, rest: str = "") -> Response:
        """The review page (``kg serve --review``), which answers its own methods."""
        return self._page(request, self.review.answer(request, self._context(request)))

    def home(self, request: Request) -> Response:
        return self._page(request, pages.home(self._context(request), self._overview(request)))

    def editor(self, request: Request) -> Response:
        text = request.first("query")
        context = self._context(request)
        vocabulary = self._cached(
            "vocabulary", lambda: self._run(request, tasks.vocabulary), request
        )
        nonce = secrets.token_urlsafe(16)
        context = dataclasses.replace(context, style_nonce=nonce)
        if not text:
            return self._page(
                request, pages.editor(context, vocabulary=vocabulary), style_nonce=nonce
            )
        if request.first("format") == "cells":  # all rows for the page's table (table.js)
            # the worker checks the query (a malformed one is a 400, as on /sparql)
            table = self._run(request, tasks.sparql_table, text)
            return Response(200, table_json(table), "application/json")
        try:
            table, views = self._run(request, tasks.sparql_views, text)
        except Refusal as refusal:
            return self._page(
                request,
                pages.editor(context, text, problem=refusal.problem, vocabulary=vocabulary),
                refusal.problem.status,
                style_nonce=nonce,
            )
        except Exception as error:
            problem = problem_for(error)
            return self._page(
                request,
                pages.editor(context, text, problem=problem, vocabulary=vocabulary),
                problem.status,
                style_nonce=nonce,
            )
        graph = table.form in ("CONSTRUCT", "DESCRIBE")
        offers = conneg.GRAPH_OFFERS if graph else conneg.RESULT_OFFERS
        downloads = [
            (
                conneg.extension(name).upper(),
                "/sparql?" + urlencode({"query": text, "format": name}),
            )
            for name in offers
        ]
        return self._page(
            request,
            pages.editor(
                context,
                text,
                table=table,
                downloads=downloads,
                views=views,
                vocabulary=vocabulary,
                rows_url="/editor?" + urlencode({"query": text, "format": "cells"}),
            ),
            style_nonce=nonce,
        )

    def catalogue_page(self, request: Request) -> Response:
        fmt = conneg.choose(request.first("format"), request.header("accept"), ("html", "json"))
        if fmt == "json":
            body = json.dumps(
                [q.as_dict() for q in self.catalogue.values()], indent=2, ensure_ascii=False
            )
            return Response(
                200, (body + "\n").encode("utf-8"), "application/json", [("Vary", "Accept")]
            )
        if fmt is None:
            raise refuse(
                406, "not acceptable", "the catalogue is available as text/html or application/json"
            )
        page = self._page(request, pages.catalogue(self._context(request)))
        page.headers.append(("Vary", "Accept"))
        return page

    def canned(self, request: Request, name: str, ext: str = "") -> Response:
        extension = ext.lstrip(".") or None
        query = self.catalogue.get(name)
        if query is None:
            raise refuse(
                404, "no such query", f"there is no canned query named {name!r}; see /queries"
            )
        assert query.prepared is not None
        params = {}
        declared = {p.name for p in query.params}
        for key, value in request.params():
            if key in declared and value.strip():
                params[key] = value
        offers = conneg.GRAPH_OFFERS if query.prepared.returns_graph else conneg.RESULT_OFFERS
        suffix = "?" + urlencode(params) if params else ""
        if extension == "cells":  # all rows for the page's table (static/table.js)
            table, _ = self._canned_answer(request, name, params)
            return Response(200, table_json(table), "application/json")
        if extension == "views":  # the views of the answer for the page's script (views.js)
            _, views = self._canned_answer(request, name, params)
            body = json.dumps(views, ensure_ascii=False, separators=(",", ":"))
            return Response(200, body.encode("utf-8"), "application/json")
        if extension is not None:
            fmt = conneg.from_parameter(extension, offers)
            if fmt is None:
                raise refuse(
                    404,
                    "no such format",
                    f"{name} gives {', '.join(conneg.extension(o) for o in offers)}",
                )
            body = self._run(request, tasks.run_canned, name, params, fmt)
            filename = f"{name}.{conneg.extension(fmt)}"
            return Response(
                200,
                body,
                conneg.media_type(fmt),
                [("Content-Disposition", f'attachment; filename="{filename}"')],
            )
        context = self._context(request)
        values = {p.name: request.first(p.name) for p in query.params}
        # the parameter fields' suggestions (the editor's completion, computed once)
        vocabulary = self._cached("vocabulary", lambda: self._run(request, tasks.vocabulary))
        try:
            table = self._canned_page(request, name, params)
        except Refusal as refusal:
            return self._page(
                request,
                pages.canned(
                    context, query, values, problem=refusal.problem, vocabulary=vocabulary
                ),
                refusal.problem.status,
            )
        downloads = [
            (conneg.extension(o).upper(), f"/queries/{name}.{conneg.extension(o)}{suffix}")
            for o in offers
        ]
        rows_url = f"/queries/{name}.cells{suffix}"
        paging = Paging.of(request, table.count, f"/queries/{name}{suffix}", PAGE_ROWS)
        return self._page(
            request,
            pages.canned(
                context,
                query,
                values,
                table=table,
                downloads=downloads,
                views_url=f"/queries/{name}.views{suffix}",
                rows_url=rows_url,
                vocabulary=vocabulary,
                paging=paging,
            ),
        )

    def _canned_page(self, request: Request, name: str, params: dict[str, str]) -> Table:
        """The table a canned page renders: the whole answer when it is kept (:class:`Answers`)
        else the part of it the page shows (``tasks.canned_head``: the engine's answer, and
        the cells and quotes of the page's rows only), kept too, the rest made in the
        background (:meth:`_complete`); a later page asked meanwhile is made from the same
        evaluation (``tasks.canned_part``). Either renders the same page."""
        answers = self._cached("answers", Answers)
        key = (name, tuple(sorted(params.items())))
        number, size = Paging.asked(request, PAGE_ROWS)
        part = (*key, number, size)
        found = answers.get(key) or answers.get(part)
        if found is None:
            with self._cache_lock:
                pending = self._pending.get(key)
            if pending is not None:
                table = self._run(request, tasks.canned_part, name, pending[1], number, size)
                answers.put(part, (table, None))
                found = (table, None)
        if found is None:
            try:
                found = self._run(request, tasks.canned_head, name, params, number, size)
            except Refusal as refusal:
                # over the row limit: so it is every time on this store (a timeout may not be)
                if refusal.problem.title == TOO_LARGE:
                    answers.put(key, refusal.problem)
                raise
            table, rest = found
            if isinstance(rest, tasks.Evaluated):
                answers.put(part, (table, None))
                self._complete(key, name, rest)
            else:  # not a SELECT: the whole answer came
                answers.put(key, found)
        if isinstance(found, Problem):
            raise Refusal(found)
        return found[0]

    def _complete(self, key: tuple, name: str, evaluated: tasks.Evaluated) -> None:
        """Make the rest of an answer whose first page is being sent (its cells, quotes and
        views: ``tasks.canned_views_of``, from the solutions the page's worker evaluated) on a
        worker in the background, and keep it: a later page and the page's script (``.cells``,
        ``.views``) wait for it rather than evaluate the query again."""
        with self._cache_lock:
            if key in self._pending:
                return
            future: Future = Future()
            self._pending[key] = (future, evaluated)
        answers = self._cached("answers", Answers)

        def run() -> None:
            try:
                deadline = time.monotonic() + self.limits.timeout
                whole = self.pool.run(tasks.canned_views_of, name, evaluated, deadline=deadline)
            except BaseException as error:
                future.set_exception(error)
            else:
                answers.put(key, whole)
                future.set_result(whole)
            finally:
                with self._cache_lock:
                    if self._pending.get(key, (None,))[0] is future:
                        del self._pending[key]

        threading.Thread(target=run, daemon=True, name="kg-serve-answer").start()

    def _made(self, key: tuple, request: Request) -> Any:
        """The whole answer being made in the background (:meth:`_complete`), waited for
        within the request's deadline; None when none is, or it failed (then the request makes
        it itself)."""
        with self._cache_lock:
            pending = self._pending.get(key)
        if pending is None:
            return None
        wait = max(0.0, self._deadline(request) - time.monotonic())
        try:
            return pending[0].result(timeout=wait)
        except FutureTimeout:
            raise refuse(
                503,
                "query timeout",
                "this answer is still being made; try again in a moment",
                headers=(("Retry-After", "5"),),
            ) from None
        except Exception:
            return None

    def _canned_answer(self, request: Request, name: str, params: dict[str, str]) -> Any:
        """A canned query's table and views (``tasks.canned_views``), evaluated once per
        parameters and kept (:class:`Answers`, emptied with the other caches when the data is
        reloaded); when its first page was sent, the rest made from that evaluation."""
        answers = self._cached("answers", Answers)
        key = (name, tuple(sorted(params.items())))
        found = answers.get(key) or self._made(key, request)
        if found is None:
            try:
                found = self._run(request, tasks.canned_views, name, params)
            except Refusal as refusal:
                # over the row limit: so it is every time on this store (a timeout may not be)
                if refusal.problem.title == TOO_LARGE:
                    answers.put(key, refusal.problem)
                raise
            answers.put(key, found)
        if isinstance(found, Problem):
            raise Refusal(found)
        return found

    def download(self, request: Request, extension: str) -> Response:
        fmt = EXPORT_EXTENSIONS.get(extension)
        if fmt is None:
            raise refuse(
                404,
                "no such download",
                "downloads: " + ", ".join(f"kg.{e}" for e in EXPORT_EXTENSIONS),
            )
        body = self._cached(
            f"export:{fmt}", lambda: self._run(request, tasks.export_dataset, fmt), request
        )
        return Response(
            200,
            body,
            export.FORMATS[fmt].media_type,
            [("Content-Disposition", f'attachment; filename="kg.{extension}"')],
        )

    def static(self, request: Request, name: str) -> Response:
        if not _STATIC_NAME.fullmatch(name) or ".." in name:
            raise refuse(404, "not found", "no such file")
        suffix = name[name.rfind(".") :]
        try:
            data = (package_resources.files("kg.server") / "static" / name).read_bytes()
        except (FileNotFoundError, IsADirectoryError, OSError):
            raise refuse(404, "not found", "no such file") from None
        return Response(
            200,
            data,
            STATIC_TYPES.get(suffix, "application/octet-stream"),
            [("Cache-Control", "public, max-age=3600")],
        )

    def favicon(self, request: Request) -> Response:
        return self.static(request, "favicon.svg")

    def linked_data(self, request: Request, path: str = "") -> Response:
        offers = ("html", *ld.RDF_FORMATS)
        fmt = conneg.choose(request.first("format"), request.header("accept"), offers)
        if fmt is None:
            raise refuse(
                406,
                "not acceptable",
                "available: " + ", ".join(conneg.media_type(o).split(";")[0] for o in offers),
            )
        for iri in iris_for_path(request.path):
            if fmt == "html" and iri == ONTOLOGY_IRI:
                return self._ontology(request, iri)
            if fmt == "html":
                found = self._run(request, tasks.describe_views, iri)
                if found is not None:
                    return self._entity(request, iri, *found)
            else:
                body = self._run(request, tasks.describe_rdf, iri, fmt)
                if body is not None:
                    return Response(
                        200, body, conneg.media_type(fmt), self._alternates(request, iri)
                    )
        raise refuse(
            404, "not found", f"the graph says nothing about <{iris_for_path(request.path)[0]}>"
        )

    def _alternates(self, request: Request, iri: str) -> list[tuple[str, str]]:
        path = request.path
        links = []
        for o in ld.RDF_FORMATS:
            media = conneg.media_type(o).split(";")[0]
            links.append(f'<{path}?format={conneg.extension(o)}>; rel="alternate"; type="{media}"')
        return [("Vary", "Accept"), ("Link", ", ".join(links))]

    def _entity(
        self,
        request: Request,
        iri: str,
        description: ld.Description,
        views: dict[str, Any] | None = None,
    ) -> Response:
        html = pages.entity(self._context(request), description, self._formats(request), views)
        response = self._page(request, html)
        response.headers += self._alternates(request, iri)
        return response

    def _ontology(self, request: Request, iri: str) -> Response:
        """The ontology's documentation page; the same IRI gives the RDF by Accept/?format=."""
        doc = self._cached("ontology", lambda: self._run(request, tasks.ontology_doc), request)
        html = pages.ontology(self._context(request), doc, self._formats(request))
        response = self._page(request, html)
        response.headers += self._alternates(request, iri)
        return response

    def _formats(self, request: Request) -> list[tuple[str, str]]:
        return [
            (
                conneg.extension(o).upper() if o != "jsonld" else "JSON-LD",
                f"{request.path}?format={conneg.extension(o)}",
            )
            for o in ld.RDF_FORMATS
        ]


# The route table: which handler answers which method and path (kg.server.routes gives the
# pattern syntax). The first row whose pattern and method match answers; a path that rows match
# but no row's method fits gets 405 with their methods in Allow. The last row takes every other
# path: Linked Data.
ROUTES: tuple[Route, ...] = (
    Route(("GET", "POST"), "/sparql/?", App.sparql),
    Route(("GET", "POST"), "/sparql/all", App.sparql_all),
    Route(("GET",), "/", App.home),
    Route(("GET",), "/editor", App.editor),
    Route(("GET",), "/queries/?", App.catalogue_page),
    Route(("GET",), r"/queries/{name:[a-z0-9]+(?:-[a-z0-9]+)*}{ext:(?:\.[a-z]+)?}", App.canned),
    Route(("GET",), "/downloads/kg.{extension:[a-z]+}", App.download),
    Route(("GET",), "/static/{name:.*}", App.static),
    Route(("GET",), "/favicon.ico", App.favicon),
    Route(("GET",), "/{path:.*}", App.linked_data),
)
# Only with ``kg serve --review DIR`` (kg.server.review), before the table above.
REVIEW_ROUTES: tuple[Route, ...] = (
    Route(("GET", "POST"), "/review{rest:(?:/.*)?}", App.review_page),
)
