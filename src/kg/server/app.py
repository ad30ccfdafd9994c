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
from kg.server.limits import Limits
from kg.server.messages import Request, Response
from kg.server.problems import Problem, Refusal, problem_for, refuse
from kg.server.protocol import Endpoint
from kg.server.routes import Route, Router, allow
from kg.server.views import iris_for_path, table_json
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
    """What the home and ontology pages summarise, kept in a file next to a persistent store
    (``<store>/pages-<code>.pickle``): the store never changes once built, so a second server
    on it starts with the pages ready. ``<code>`` is a hash of the code that computes them,
    so a new version of it computes them again. Failures to read or write are ignored (the
    pages are then computed as usual)."""

    MODULES = ("overview", "ontodoc", "ld", "views")

    def __init__(self, folder: str | Path) -> None:
        from kg import server

        digest = hashlib.sha256()
        for name in self.MODULES:
            digest.update((Path(server.__file__).parent / f"{name}.py").read_bytes())
        self.path = Path(folder) / f"pages-{digest.hexdigest()[:16]}.pickle"

    def load(self) -> dict[str, Any]:
        try:
            with self.path.open("rb") as handle:
                value = pickle.load(handle)
        except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError):
            return {}
        return value if isinstance(value, dict) else {}

    def save(self, value: dict[str, Any]) -> None:
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.part")
        try:
            temporary.write_bytes(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
            os.replace(temporary, self.path)
        except OSError:
            with contextlib.suppress(OSError):
                temporary.unlink()


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
        """Compute what the home and ontology pages summarise now, in the background, once
        every worker is up (at 1M statements it takes seconds, longer than a request may), and
        keep it in ``pages`` (a file per store, so that the next server on the same store
        starts with it)."""
        known = pages.load() if pages is not None else {}

        warmed = (("overview", tasks.dataset_overview), ("ontology", tasks.ontology_doc))
        for key, _task in warmed:  # what the file has is there from the first request on
            if key in known:
                self._cached(key, functools.partial(_given, known[key]))

        def run() -> None:
            self.pool.started.wait(READY_TIMEOUT)
            computed = {}
            for key, task in warmed:
                if key in known:
                    continue
                compute = functools.partial(
                    self.pool.run, task, deadline=time.monotonic() + READY_TIMEOUT
                )
                with contextlib.suppress(Exception):  # a request will ask again, and say why
                    computed[key] = self._cached(key, compute)
            if pages is not None and computed:
                pages.save({**known, **computed})

        thread = threading.Thread(target=run, daemon=True, name="kg-serve-warm")
        thread.start()
        return thread

    def _overview(self, request: Request) -> Any:
        return self._cached("overview", lambda: self._run(request, tasks.dataset_overview), request)

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
        if extension == "cells":  # all rows for the page's table (static/table.js)
            table = self._run(request, tasks.canned_table, name, params)
            return Response(200, table_json(table), "application/json")
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
            table, views = self._run(request, tasks.canned_views, name, params)
        except Refusal as refusal:
            return self._page(
                request,
                pages.canned(
                    context, query, values, problem=refusal.problem, vocabulary=vocabulary
                ),
                refusal.problem.status,
            )
        suffix = "?" + urlencode(params) if params else ""
        downloads = [
            (conneg.extension(o).upper(), f"/queries/{name}.{conneg.extension(o)}{suffix}")
            for o in offers
        ]
        rows_url = f"/queries/{name}.cells{suffix}"
        return self._page(
            request,
            pages.canned(
                context,
                query,
                values,
                table=table,
                downloads=downloads,
                views=views,
                rows_url=rows_url,
                vocabulary=vocabulary,
            ),
        )

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
