"""The SPARQL 1.1 Protocol at ``/sparql`` (https://www.w3.org/TR/sparql11-protocol/), read-only.

The query operation by GET (``?query=``), by POST of a form (``application/x-www-form-urlencoded``)
and by POST of the query itself (``application/sparql-query``, UTF-8), with
``default-graph-uri`` / ``named-graph-uri``. The answer is negotiated: SELECT and ASK as SPARQL
Results JSON, XML, CSV or TSV; CONSTRUCT and DESCRIBE as Turtle, JSON-LD, N-Triples, RDF/XML
(TriG and N-Quads too); a ``format`` parameter (or ``output``, ``results``: see
:func:`format_parameter`) overrides ``Accept``; 406 when nothing fits. Every answer, errors
included, says ``Vary: Accept``.

What is refused, and with which status:

* any update (``update=`` or ``application/sparql-update``, or an update sent as a query) — 403,
  never parsed into an operation, never executed;
* a malformed query — 400 with the message, line and column (``kg.sparql.prepare.prepare``);
* SERVICE, LOAD, and FROM on a graph the dataset does not have — 400 (nothing is fetched);
* protocol mistakes — two queries, a POST without or with another media type (415),
  a charset other than UTF-8 (415), another method (405).

**Scopes.** ``/sparql`` answers from the documents: its default graph holds the documents, the
ontology and the vocabulary (and what is inferred from them), each triple once;
``/sparql/all`` is the same service with the external open data joined (:mod:`kg.load.scope`).
Both say so in their service description. ``GRAPH ?g`` sees every named graph at both.

A graph named by ``default-graph-uri`` / ``named-graph-uri`` that the dataset lacks is an empty
graph: the protocol's dataset selects among our graphs and never causes a fetch (the W3C tests
name graphs nobody loaded and expect an answer). A GET without a query returns the SPARQL 1.1
Service Description (or, for a browser, the query editor).

The query is checked, run and serialised in a worker (:mod:`kg.server.workers`), so that the
time limit covers checking too (a query can take as long to check as to run); the row limit
applies there as well.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pyoxigraph import BlankNode, Literal, NamedNode, Quad

from kg import formats
from kg.load import scope as scopes
from kg.namespaces import PREFIXES
from kg.server import conneg, tasks
from kg.server.ld import serialize_quads
from kg.server.limits import one_pattern
from kg.server.messages import Request, Response, parse_params
from kg.server.problems import Refusal, refuse
from kg.server.workers import WorkerPool

FORM = "application/x-www-form-urlencoded"
DIRECT_QUERY = "application/sparql-query"
DIRECT_UPDATE = "application/sparql-update"
SD = "http://www.w3.org/ns/sparql-service-description#"
SD_OFFERS = ("turtle", "jsonld", "ntriples", "rdfxml")
# One endpoint per scope (kg.load.scope): its path and what its default graph holds.
SCOPE_PATHS = {scopes.DOCUMENTS: "/sparql", scopes.ALL: "/sparql/all"}
SCOPE_TEXT = {
    scopes.DOCUMENTS: Literal(
        "The default graph holds the documents, the ontology and the vocabulary, and what is "
        "inferred from them, each triple once; the external open data (graph:external/…, "
        "graph:links/…) joins only at /sparql/all. GRAPH ?g sees every named graph.",
        language="en",
    ),
    scopes.ALL: Literal(
        "The default graph holds the documents, the ontology, the vocabulary and the external "
        "open data (graph:external/…, graph:links/…), and what is inferred from them, each "
        "triple once. GRAPH ?g sees every named graph. /sparql reads the documents only.",
        language="en",
    ),
}


@dataclass(frozen=True)
class Operation:
    """A query operation as the protocol request states it."""

    query: str
    default_graphs: tuple[str, ...] | None = None  # None: not given (the query decides)
    named_graphs: tuple[str, ...] | None = None
    format: str | None = None


def _media(request: Request) -> tuple[str | None, dict[str, str]]:
    """The request's media type (lower case, no parameters) and its parameters."""
    value = request.header("content-type")
    if value is None or not value.strip():
        return None, {}
    kind, *rest = value.split(";")
    params = {}
    for item in rest:
        name, _, val = item.partition("=")
        params[name.strip().lower()] = val.strip().strip('"')
    return kind.strip().lower(), params


def _check_charset(params: dict[str, str]) -> None:
    charset = params.get("charset")
    if charset is not None and charset.lower() not in ("utf-8", "utf8"):
        raise refuse(
            415,
            "unsupported media type",
            f"the body must be UTF-8 (charset={charset} was sent)",
        )


def _graph_iris(values: list[str], name: str) -> tuple[str, ...]:
    iris = []
    for value in values:
        try:
            iris.append(NamedNode(value).value)
        except ValueError:
            raise refuse(400, "bad request", f"{name}={value!r} is not an absolute IRI") from None
    return tuple(iris)


FORMAT_PARAMETERS = ("output", "format", "results")


def format_parameter(params: Sequence[tuple[str, str]]) -> str | None:
    """The format a request names by parameter, as Fuseki reads it: ``output``, else
    ``format``, else ``results`` (clients disagree on the name — SPARQLWrapper sends all three,
    and TSV, RDF/XML and JSON-LD twice, once as a short name and once as a media type); the
    first non-empty value of the first of them present. Values after it are ignored whether they
    agree or not: Fuseki does the same and Oxigraph ignores the parameters altogether, so a
    request either of them answers is answered here too, never refused for repeating itself."""
    for wanted in FORMAT_PARAMETERS:
        for name, value in params:
            if name == wanted and value.strip():
                return value.strip()
    return None


def read_operation(request: Request) -> Operation | None:
    """The query operation of a request to /sparql; None when it carries none (a GET of the
    service description).

    Raises:
        Refusal: 403 for updates; 400, 405, 415 for requests the protocol does not allow.
    """
    method = request.method
    if method not in ("GET", "HEAD", "POST"):
        raise refuse(
            405,
            "method not allowed",
            f"{method} is not a SPARQL Protocol method here; use GET or POST",
            headers=(("Allow", "GET, HEAD, POST, OPTIONS"),),
        )
    params = request.params()
    body_query: str | None = None
    if method == "POST":
        media, media_params = _media(request)
        if media == DIRECT_UPDATE:
            raise refuse(403, "read-only endpoint", "SPARQL Update is not offered: kg only reads")
        if media is None:
            raise refuse(
                400,
                "bad request",
                f"a POST needs a Content-Type: {FORM} or {DIRECT_QUERY}",
            )
        if media == FORM:
            _check_charset(media_params)
            try:
                text = request.body.decode("ascii")
            except UnicodeDecodeError:
                raise refuse(400, "bad request", "a form body must be percent-encoded") from None
            params = params + parse_params(text, "the form")
        elif media == DIRECT_QUERY:
            _check_charset(media_params)
            try:
                body_query = request.body.decode("utf-8")
            except UnicodeDecodeError as error:
                raise refuse(
                    400, "bad request", f"the query is not UTF-8 (byte {error.start})"
                ) from None
        else:
            raise refuse(
                415,
                "unsupported media type",
                f"{media} is not a SPARQL Protocol request; send {FORM} or {DIRECT_QUERY}",
            )
    names = [name for name, _ in params]
    if "update" in names or "using-graph-uri" in names or "using-named-graph-uri" in names:
        raise refuse(403, "read-only endpoint", "SPARQL Update is not offered: kg only reads")
    queries = [value for name, value in params if name == "query"]
    if body_query is not None:
        queries.append(body_query)
    if len(queries) > 1:
        raise refuse(400, "bad request", "a request carries one query; this one has several")
    fmt = format_parameter(params)
    defaults = [v for n, v in params if n == "default-graph-uri"]
    named = [v for n, v in params if n == "named-graph-uri"]
    dataset_given = bool(defaults or named)
    if not queries:
        if method == "POST":
            raise refuse(400, "bad request", "the POST carries no query")
        if dataset_given:
            raise refuse(400, "bad request", "graphs are named but no query is given")
        return None
    return Operation(
        query=queries[0],
        default_graphs=_graph_iris(defaults, "default-graph-uri") if dataset_given else None,
        named_graphs=_graph_iris(named, "named-graph-uri") if dataset_given else None,
        format=fmt,
    )


@dataclass
class Endpoint:
    """The SPARQL endpoint: reads the protocol request here and hands the query to a worker,
    which checks it, runs it and serialises the answer (:func:`kg.server.tasks.answer_sparql`)."""

    pool: WorkerPool
    timeout: float
    graphs: Sequence[str] | Callable[[], Sequence[str]] = ()
    union_default_graph: bool = True
    scope: str = scopes.DOCUMENTS  # the default graph: the documents', or with external data

    def deadline(self, request: Request) -> float:
        return (request.arrived or time.monotonic()) + self.timeout

    def answer(self, request: Request, base: str) -> Response:
        """The response to a request at /sparql (errors included, as Problems)."""
        try:
            operation = read_operation(request)
            if operation is None:
                return self.service_description(request, base)
            media, body = self.pool.run(
                tasks.answer_sparql,
                *self._task_args(request, operation),
                deadline=self.deadline(request),
                adhoc=True,
            )
            return Response(200, body, media, [("Vary", "Accept")])
        except Refusal as refusal:
            return self._refused(refusal)

    async def answer_async(self, request: Request, base: str) -> Response:
        """:meth:`answer` on an event loop: the worker is awaited there
        (:meth:`kg.server.workers.WorkerPool.run_async`); the service description, which waits
        for the dataset's summary, is made on a thread."""
        try:
            operation = read_operation(request)
            if operation is None:
                loop = asyncio.get_running_loop()
                return await loop.run_in_executor(None, self.service_description, request, base)
            if (
                operation.default_graphs is None
                and operation.named_graphs is None
                and self.pool.runs_here
                and one_pattern(operation.query)
            ):  # bounded work: answered here, no hop to a worker
                media, body = self.pool.run_here(
                    tasks.answer_sparql, *self._task_args(request, operation)
                )
            else:
                media, body = await self.pool.run_async(
                    tasks.answer_sparql,
                    *self._task_args(request, operation),
                    deadline=self.deadline(request),
                    adhoc=True,
                )
            return Response(200, body, media, [("Vary", "Accept")])
        except Refusal as refusal:
            return self._refused(refusal)

    def _task_args(self, request: Request, operation: Operation) -> tuple[object, ...]:
        """The arguments of :func:`kg.server.tasks.answer_sparql` after the worker's state."""
        return (
            operation.query,
            operation.format,
            request.header("accept"),
            operation.default_graphs,
            operation.named_graphs,
            self.scope,
        )

    @staticmethod
    def _refused(refusal: Refusal) -> Response:
        problem = refusal.problem
        return Response(
            problem.status,
            problem.text().encode("utf-8"),
            headers=[*problem.headers, ("Vary", "Accept")],
        )

    def service_description(self, request: Request, base: str) -> Response:
        """The SPARQL 1.1 Service Description of this endpoint, in an RDF format."""
        fmt = conneg.choose(format_parameter(request.params()), request.header("accept"), SD_OFFERS)
        if fmt is None:
            raise refuse(
                406,
                "not acceptable",
                "the service description is available as "
                + ", ".join(conneg.media_type(o).split(";")[0] for o in SD_OFFERS),
            )
        body = serialize_quads(self.description_quads(base + SCOPE_PATHS[self.scope]), fmt)
        return Response(200, body, conneg.media_type(fmt), [("Vary", "Accept")])

    def description_quads(self, endpoint: str) -> list[Quad]:
        service = NamedNode(endpoint)
        rdf_type = NamedNode(PREFIXES["rdf"] + "type")
        quads = [
            Quad(service, rdf_type, NamedNode(SD + "Service")),
            Quad(service, NamedNode(SD + "endpoint"), service),
            Quad(service, NamedNode(SD + "supportedLanguage"), NamedNode(SD + "SPARQL11Query")),
            Quad(
                service,
                NamedNode(PREFIXES["rdfs"] + "comment"),
                Literal(
                    "Read-only SPARQL 1.1 endpoint of kg: updates are refused (403); SERVICE, "
                    f"LOAD and FROM on other graphs are refused (400); queries stop after "
                    f"{self.timeout:g} s (503).",
                    language="en",
                ),
            ),
        ]
        for name in (*conneg.RESULT_OFFERS, *conneg.GRAPH_OFFERS):
            quads.append(
                Quad(
                    service,
                    NamedNode(SD + "resultFormat"),
                    NamedNode(formats.W3C_FORMATS + str(formats.get(name).w3c)),
                )
            )
        if self.union_default_graph and self.scope == scopes.ALL:
            quads.append(
                Quad(service, NamedNode(SD + "feature"), NamedNode(SD + "UnionDefaultGraph"))
            )
        dataset = BlankNode("dataset")
        default = BlankNode("default")
        quads += [
            Quad(service, NamedNode(SD + "defaultDataset"), dataset),
            Quad(dataset, rdf_type, NamedNode(SD + "Dataset")),
            Quad(dataset, NamedNode(SD + "defaultGraph"), default),
            Quad(default, rdf_type, NamedNode(SD + "Graph")),
        ]
        if self.union_default_graph:
            root = endpoint[: -len(SCOPE_PATHS[self.scope])]
            other = scopes.ALL if self.scope == scopes.DOCUMENTS else scopes.DOCUMENTS
            quads += [
                Quad(default, NamedNode(PREFIXES["rdfs"] + "comment"), SCOPE_TEXT[self.scope]),
                Quad(
                    service,
                    NamedNode(PREFIXES["rdfs"] + "seeAlso"),
                    NamedNode(root + SCOPE_PATHS[other]),
                ),
            ]
        graphs = self.graphs() if callable(self.graphs) else self.graphs
        for i, graph in enumerate(sorted(graphs)):
            named = BlankNode(f"g{i}")
            quads += [
                Quad(dataset, NamedNode(SD + "namedGraph"), named),
                Quad(named, rdf_type, NamedNode(SD + "NamedGraph")),
                Quad(named, NamedNode(SD + "name"), NamedNode(graph)),
            ]
        return quads
