"""External SPARQL stores: query any SPARQL 1.1 endpoint with kg's queries (publishing to
them is :mod:`kg.publish`).

**Querying** (``kg query NAME --endpoint URL``, ``kg sparql --endpoint URL``).
:class:`RemoteStore` stands in for the local store wherever kg runs a query
(``kg.sparql.prepare.execute``, ``kg.sparql.catalogue.run_canned``), so the same checks, the
same canned queries and the same result writers apply. Queries and updates go out with the
SPARQL 1.1 Protocol as form-encoded ``POST`` (``application/x-www-form-urlencoded``): every
server takes it, while Virtuoso never answers a ``POST`` of ``application/sparql-query``
(openlink/virtuoso-opensource#842), so there is nothing to detect and no 30 s wait to fall back
after. SELECT/ASK answers are asked for as SPARQL JSON results and CONSTRUCT/DESCRIBE answers as
N-Triples, then written by kg's own writers, so ``--format csv``
gives the same bytes remotely and locally. The project's prefixes are declared in front of the
query (as the local engine predeclares them) when the query does not declare them itself.

*Parameters* cannot use the local engine's substitution remotely. They are bound by a
``VALUES`` block built from RDF terms — each IRI checked against the IRIREF grammar, each
literal escaped as in N-Triples — and inserted by the tokenizer (``kg.sparql.lexer``) right after
the ``{`` that opens the WHERE group; the user's text is never pasted into the query, and the
result is tokenized again to check that exactly the block was added. *Entity parameters given
as labels are resolved against the remote store*: the endpoint is what the query will read, and
a user of a server may have no local copy of the data (or a different version of it).

**Failures** are reported within the timeout, with what happened: connection refused, no answer
within N seconds (a hung server), or the server's HTTP status and the message of its body.
"""

from __future__ import annotations

import contextlib
import html
import http.client
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from pyoxigraph import (
    Literal,
    NamedNode,
    QueryBoolean,
    QueryResultsFormat,
    RdfFormat,
    Triple,
    Variable,
    parse,
    parse_query_results,
)

from kg.errors import EndpointError, InputError, QuerySyntaxError
from kg.load import scope as scopes
from kg.sparql.lexer import PNAME, PUNCT, WORD, lex
from kg.sparql.results import ask_answer
from kg.sparql.terms import IRIREF_BODY, sparql_term
from kg.sparql.values import with_values

DEFAULT_TIMEOUT = 30.0
RESULTS_JSON = "application/sparql-results+json"
RESULTS_XML = "application/sparql-results+xml"
N_TRIPLES = "application/n-triples"
FORM = "application/x-www-form-urlencoded"
USER_AGENT = "kg (digital-policy-kg)"

# --- endpoints and HTTP ---------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    """Where a SPARQL service answers: its query URL, update URL and Graph Store URL."""

    query: str
    update: str | None = None
    graph_store: str | None = None
    timeout: float = DEFAULT_TIMEOUT


def _check_url(url: str, what: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"{what} {url!r} is not an http(s) URL")
    return url


def endpoint_for(
    url: str,
    *,
    update: str | None = None,
    graph_store: str | None = None,
    timeout: float | None = None,
) -> Endpoint:
    """An endpoint from the query URL; the update and Graph Store URLs default to the query
    URL with its last segment ``query`` (or ``sparql``) replaced by ``update`` and ``store``
    (Oxigraph's layout), or to the query URL itself when it has no such segment."""
    _check_url(url, "endpoint")
    base, _, last = url.rstrip("/").rpartition("/")
    if last in ("query", "sparql") and base:
        default_update, default_store = f"{base}/update", f"{base}/store"
    else:
        default_update = default_store = url
    if timeout is not None and timeout <= 0:
        raise InputError("--timeout must be a positive number of seconds")
    return Endpoint(
        query=url,
        update=_check_url(update, "update endpoint") if update else default_update,
        graph_store=_check_url(graph_store, "graph store") if graph_store else default_store,
        timeout=timeout if timeout is not None else DEFAULT_TIMEOUT,
    )


# An HTML/XML tag, a comment, a declaration or a processing instruction — but not an IRI in
# angle brackets (``<urn:x:g>``, ``<http://…>``: a scheme's colon follows the first word), which
# servers put in their messages and which must survive (Virtuoso: "graph <…> is rejected").
_TAG = re.compile(r"<!--.*?-->|<[!?][^<>]*>|</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>", re.S)


def _message(body: bytes) -> str:
    """The readable part of an error body: text, or HTML without its tags (IRIs kept),
    shortened."""
    text = body.decode("utf-8", "replace")
    with contextlib.suppress(ValueError):
        data = json.loads(text)
        if isinstance(data, dict):
            for key in ("message", "error", "detail"):
                if isinstance(data.get(key), str):
                    text = data[key]
                    break
    text = re.sub(r"<(script|style|title)\b.*?</\1>", " ", text, flags=re.S | re.I)
    text = html.unescape(_TAG.sub(" ", text))
    text = " ".join(text.split())
    return text if len(text) <= 600 else text[:597] + "…"


class NotStored(EndpointError):
    """A Graph Store or Update request answered with something other than a success the
    protocol defines (an HTML page, a redirect, 202): the data may not have been stored."""


@dataclass(frozen=True)
class Answer:
    """A successful HTTP answer: status, media type (lower case, no parameters) and body."""

    status: int
    media: str
    body: bytes


@dataclass
class _Http:
    """Plain HTTP/1.1 with keep-alive and a deadline per request (connect, send and every read
    count against it), so a server that accepts and never answers is reported in time."""

    timeout: float
    _connections: dict[tuple[str, str, int], http.client.HTTPConnection] = field(
        default_factory=dict
    )

    def close(self) -> None:
        for conn in self._connections.values():
            with contextlib.suppress(OSError):
                conn.close()
        self._connections.clear()

    def _connection(self, url: str, fresh: bool) -> tuple[http.client.HTTPConnection, bool]:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        key = (parts.scheme, parts.hostname or "", port)
        conn = self._connections.get(key)
        if conn is not None and not fresh:
            return conn, True
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.close()
        cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        conn = cls(parts.hostname or "", port, timeout=self.timeout)
        self._connections[key] = conn
        return conn, False

    def request(
        self,
        method: str,
        url: str,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        *,
        fresh: bool = False,
        timeout: float | None = None,
        success: tuple[int, ...] = (200,),
        html_is_failure: bool = False,
    ) -> Answer:
        """Send one request; return its answer when the status is one of ``success``.

        Raises:
            EndpointError: no answer, or an HTTP error status (with the server's message).
            NotStored: another status (a redirect is not followed: a write must reach the URL
                given), or, with ``html_is_failure``, an HTML page as the answer (Virtuoso answers
                a request it does not understand with 200 and its form page).
        """
        limit = timeout if timeout is not None else self.timeout
        deadline = time.monotonic() + limit
        parts = urlsplit(url)
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        all_headers = {"User-Agent": USER_AGENT, **(headers or {})}
        for attempt in (0, 1):
            conn, reused = self._connection(url, fresh or attempt == 1)
            try:
                conn.timeout = max(deadline - time.monotonic(), 0.001)
                if conn.sock is not None:
                    conn.sock.settimeout(conn.timeout)
                conn.request(method, target, body=body, headers=all_headers)
                response = conn.getresponse()
                chunks = []
                while True:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise TimeoutError
                    if conn.sock is not None:
                        conn.sock.settimeout(remaining)
                    chunk = response.read(1 << 16)
                    if not chunk:
                        break
                    chunks.append(chunk)
                data = b"".join(chunks)
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self._connections.pop(self._key(url), None)
                if reused and attempt == 0:
                    continue  # the server closed an idle keep-alive connection: once more
                raise EndpointError(
                    f"{_short(url)}: the server closed the connection without answering"
                ) from None
            except TimeoutError:
                self._drop(url)
                raise EndpointError(
                    f"{_short(url)}: no answer within {limit:g} s (the server may be hung or "
                    "overloaded; --timeout sets how long to wait)"
                ) from None
            except ConnectionRefusedError:
                self._drop(url)
                raise EndpointError(
                    f"{_short(url)}: connection refused (is the server running, on this port?)"
                ) from None
            except OSError as error:
                self._drop(url)
                raise EndpointError(f"{_short(url)}: cannot reach the server: {error}") from None
            except http.client.HTTPException as error:  # not HTTP, or cut short
                self._drop(url)
                raise EndpointError(
                    f"{_short(url)}: not a valid HTTP answer ({type(error).__name__}: {error})"
                ) from None
            if response.will_close:
                self._drop(url)
            if response.status >= 400:
                message = _message(data) or "(empty body)"
                raise EndpointError(
                    f"{_short(url)} answered HTTP {response.status} {response.reason}: {message}"
                )
            media = (response.getheader("Content-Type") or "").split(";")[0].strip().lower()
            if response.status not in success:
                where = response.getheader("Location")
                raise NotStored(
                    f"{_short(url)} answered {method} with HTTP {response.status} "
                    f"{response.reason}{f' (to {where})' if where else ''}, not "
                    f"{' or '.join(map(str, success))}: it did not do what was asked"
                )
            if html_is_failure and media in ("text/html", "application/xhtml+xml") and data.strip():
                title = re.search(rb"<title>(.*?)</title>", data, re.S | re.I)
                page = (
                    html.unescape(title.group(1).decode("utf-8", "replace")).strip()
                    if title
                    else ""
                )
                raise NotStored(
                    f"{_short(url)} answered {method} with an HTML page"
                    f"{f' ({page!r})' if page else ''}, not a SPARQL Protocol or Graph Store "
                    "Protocol success: nothing is known to be stored (is it the right URL for "
                    "this kind of request? see --update and --graph-store)"
                )
            return Answer(response.status, media, data)
        raise AssertionError("unreachable")  # pragma: no cover

    def _key(self, url: str) -> tuple[str, str, int]:
        parts = urlsplit(url)
        return (
            parts.scheme,
            parts.hostname or "",
            parts.port or (443 if parts.scheme == "https" else 80),
        )

    def _drop(self, url: str) -> None:
        conn = self._connections.pop(self._key(url), None)
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.close()


def _short(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


# --- terms and VALUES -----------------------------------------------------------------------

_VARNAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def values_block(bindings: Mapping[str, Any]) -> str:
    """``VALUES (?a ?b) { (<…> "…") }`` for one row of bindings (names checked)."""
    names = list(bindings)
    for name in names:
        if not _VARNAME.fullmatch(name):
            raise InputError(f"{name!r} is not a variable name")
    head = " ".join(f"?{n}" for n in names)
    row = " ".join(sparql_term(bindings[n]) for n in names)
    return f"VALUES ({head}) {{ ({row}) }}"


def _where_brace(text: str) -> int:
    """Offset just after the ``{`` that opens the query's WHERE group."""
    lexed = lex(text)
    tokens = lexed.tokens
    i = 0
    while i < len(tokens) and tokens[i].kind == WORD and tokens[i].upper in ("BASE", "PREFIX"):
        i += 3 if tokens[i].upper == "PREFIX" else 2
    if i >= len(tokens) or tokens[i].kind != WORD:
        raise QuerySyntaxError("cannot find the query form to bind parameters")
    form = tokens[i].upper
    i += 1
    if form == "CONSTRUCT" and i < len(tokens) and tokens[i].text == "{":
        depth = 0
        while i < len(tokens):  # skip the template
            if tokens[i].kind == PUNCT and tokens[i].text == "{":
                depth += 1
            elif tokens[i].kind == PUNCT and tokens[i].text == "}":
                depth -= 1
                if depth == 0:
                    i += 1
                    break
            i += 1
    while i < len(tokens):
        if tokens[i].kind == PUNCT and tokens[i].text == "{":
            return tokens[i].end
        i += 1
    raise QuerySyntaxError("the query has no WHERE group to bind parameters in")


def bind_values(text: str, bindings: Mapping[Any, Any]) -> str:
    """The query with a VALUES block for ``bindings`` at the start of its WHERE group.

    Keys are variable names or ``Variable`` objects, values RDF terms. The text of the query
    is not otherwise changed; the result is checked by tokenizing it again.
    """
    if not bindings:
        return text
    named = {(k.value if isinstance(k, Variable) else str(k)): v for k, v in bindings.items()}
    block = values_block(named)
    at = _where_brace(text)
    bound = f"{text[:at]} {block} {text[at:]}"
    before = [(t.kind, t.text) for t in lex(text).tokens]
    added = [(t.kind, t.text) for t in lex(block).tokens]
    after = [(t.kind, t.text) for t in lex(bound).tokens]
    k = next(i for i, t in enumerate(lex(text).tokens) if t.end == at) + 1
    if after != before[:k] + added + before[k:]:  # pragma: no cover - terms are escaped
        raise InputError("a parameter value would change the query; refused")
    # A sub-select that projects a parameter sees it too, as the local engine's substitution
    # does: the sub-select is evaluated on its own, so the top-level block does not reach it.
    return with_values(bound, named, top=False, term_text=sparql_term)


def _prologue(text: str, prefixes: Mapping[str, str] | None, base_iri: str | None) -> str:
    """Declarations the local engine predeclares and the query does not."""
    declared: set[str] = set()
    has_base = False
    tokens = lex(text).tokens
    for i, token in enumerate(tokens):
        if token.kind == WORD and token.upper == "PREFIX" and i + 1 < len(tokens):
            if tokens[i + 1].kind == PNAME:
                declared.add(tokens[i + 1].text.rstrip(":"))
        elif token.kind == WORD and token.upper == "BASE":
            has_base = True
    lines = []
    if base_iri and not has_base:
        lines.append(f"BASE <{base_iri}>")
    for name, iri in (prefixes or {}).items():
        if name not in declared:
            lines.append(f"PREFIX {name}: <{iri}>")
    return "\n".join(lines) + ("\n" if lines else "")


# --- the remote store -----------------------------------------------------------------------


def _form(text: str) -> str:
    for token in lex(text).tokens:
        if token.kind == WORD and token.upper not in ("BASE", "PREFIX"):
            return token.upper
    return ""


_BNODE_LABEL = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*(?<!\.)")


def _blank_node_labels(body: bytes) -> bytes:
    """SPARQL JSON results with every blank node label made one the parser takes: Virtuoso
    names blank nodes ``nodeID://b10000``, which is no blank node label. A label that is not
    valid becomes ``x`` and its UTF-8 bytes in hex: the same node keeps one label, two nodes
    never share one."""
    data = json.loads(body)

    def fix(term: Any) -> None:
        if isinstance(term, dict) and term.get("type") == "bnode":
            value = str(term.get("value", ""))
            if not _BNODE_LABEL.fullmatch(value):
                term["value"] = "x" + value.encode("utf-8").hex()

    for row in (data.get("results") or {}).get("bindings") or []:
        for term in row.values():
            fix(term)
    return json.dumps(data).encode("utf-8")


def _boolean(answer: Answer, url: str) -> QueryBoolean:
    """An ASK answer as the engine's boolean, whatever shape the store sent it in
    (:func:`kg.sparql.results.ask_answer`); an answer that carries no boolean is an error, never
    read as true (a SELECT-shaped table is a non-empty object: that was issue 18's false
    success)."""
    value = ask_answer(answer.body, answer.media)
    if value is None:
        shown = " ".join(answer.body.decode("utf-8", "replace").split())[:200]
        raise EndpointError(
            f"{_short(url)}: the answer to an ASK query is not a boolean "
            f"({answer.media or 'no media type'}: {shown!r})"
        )
    result = parse_query_results(
        b'{"head":{},"boolean":%s}' % (b"true" if value else b"false"),
        format=QueryResultsFormat.JSON,
    )
    assert isinstance(result, QueryBoolean)
    return result


XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"


def _boolean_parameters(bindings: Mapping[Any, Any]) -> set[str]:
    """The variables a query's parameters bind to an ``xsd:boolean``."""
    return {
        (k.value if isinstance(k, Variable) else str(k))
        for k, v in bindings.items()
        if isinstance(v, Literal) and v.datatype.value == XSD_BOOLEAN
    }


def _integers_as_booleans(body: bytes, names: set[str]) -> bytes:
    """SPARQL JSON results with the boolean parameters given back as booleans: Virtuoso turns
    every ``xsd:boolean`` into the ``xsd:integer`` 1 or 0, and a parameter the query projects
    (``?profiled``) would come back as 1. Only a variable kg bound to a boolean is restored:
    elsewhere a 1 cannot be told from a number."""
    data = json.loads(body)
    for row in (data.get("results") or {}).get("bindings") or []:
        for name in names:
            term = row.get(name)
            if (
                isinstance(term, dict)
                and term.get("datatype") == XSD_INTEGER
                and term.get("value") in ("0", "1")
            ):
                term["datatype"] = XSD_BOOLEAN
                term["value"] = "true" if term["value"] == "1" else "false"
    return json.dumps(data).encode("utf-8")


class RemoteStore:
    """The part of ``pyoxigraph.Store`` that kg's query layer uses, answered by an endpoint."""

    # Substitutions are sent as a VALUES block of its own (the protocol has no other way), so
    # kg.sparql.prepare.execute does not add the planner's VALUES block (kg.sparql.values).
    writes_values = True

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self._http = _Http(endpoint.timeout)

    def close(self) -> None:
        self._http.close()

    def query(
        self,
        query: str,
        *,
        prefixes: Mapping[str, str] | None = None,
        base_iri: str | None = None,
        use_default_graph_as_union: bool = False,
        substitutions: Mapping[Any, Any] | None = None,
        scope: str | None = None,
        **_: Any,
    ) -> Any:
        """Run a query on the endpoint; the answer is parsed into pyoxigraph's result types.

        ``use_default_graph_as_union`` is the server's business (see the module docstring);
        ``substitutions`` become a VALUES block. With the ``all`` ``scope`` the external union
        (``graph:union/external``, which ``kg publish`` sends) joins the default graph when the
        endpoint URL names its default graph
        (``?default-graph-uri=…``, as for a publication made with ``--default-graph named``);
        the server's own default graph cannot be named, so otherwise they cannot join.
        """
        text = bind_values(query, substitutions or {})
        text = _prologue(text, prefixes, base_iri) + text
        form = _form(text)
        graph_form = form in ("CONSTRUCT", "DESCRIBE")
        accept = N_TRIPLES if graph_form else RESULTS_JSON
        if form == "ASK":
            accept = f"{RESULTS_JSON}, {RESULTS_XML};q=0.9"
        graphs = self._default_graphs(scope)
        url = self.endpoint.query
        if graphs:  # all of them in the form: Oxigraph refuses them in both places
            parts = urlsplit(url)
            kept = [(k, v) for k, v in parse_qsl(parts.query) if k != "default-graph-uri"]
            url = parts._replace(query=urlencode(kept)).geturl()
        answer = self._http.request(
            "POST",
            url,
            urlencode([("query", text), *graphs]).encode("ascii"),
            {"Content-Type": FORM, "Accept": accept},
        )
        body = answer.body
        if form == "ASK":
            return _boolean(answer, self.endpoint.query)
        try:
            if graph_form:
                return [
                    Triple(q.subject, q.predicate, q.object)
                    for q in parse(body, format=RdfFormat.N_TRIPLES)
                ]
            if b'"bnode"' in body:
                body = _blank_node_labels(body)
            flags = _boolean_parameters(substitutions or {})
            if flags and b"XMLSchema#integer" in body:
                body = _integers_as_booleans(body, flags)
            return parse_query_results(body, format=QueryResultsFormat.JSON)
        except (SyntaxError, ValueError) as error:
            raise EndpointError(
                f"{_short(self.endpoint.query)}: the answer is not "
                f"{'N-Triples' if graph_form else 'SPARQL JSON results'}: {error}"
            ) from None

    def _default_graphs(self, scope: str | None) -> list[tuple[str, str]]:
        """``default-graph-uri`` parameters: the URL's own and the scope's named graphs, when
        the URL names its default graph (sent in the form, the URL's taken out of the URL:
        Virtuoso merges the two, Oxigraph refuses the parameter in both)."""
        named = [scopes.EXTERNAL_UNION_GRAPH.value] if scope == scopes.ALL else []
        own = [
            v for k, v in parse_qsl(urlsplit(self.endpoint.query).query) if k == "default-graph-uri"
        ]
        if not named or not own:
            return []
        return [("default-graph-uri", g) for g in dict.fromkeys(own + named)]

    def contains_named_graph(self, graph: NamedNode) -> bool:
        return self.ask(f"ASK {{ GRAPH {sparql_term(graph)} {{ ?s ?p ?o }} }}")

    def ask(self, query: str) -> bool:
        """The answer to an ASK query, as a bool (raises when the store sent no boolean)."""
        result = self.query(query)
        if not isinstance(result, QueryBoolean):
            raise EndpointError(f"{_short(self.endpoint.query)}: not an ASK query")
        return bool(result)

    def named_graphs(self) -> list[NamedNode]:
        rows = self.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        return [row["g"] for row in rows if isinstance(row["g"], NamedNode)]

    def update(self, text: str, *, timeout: float | None = None) -> None:
        """Send one SPARQL Update request (a fresh connection: never retried), form-encoded
        like queries. A 200 or 204 is success; an HTML page is not (see :class:`NotStored`)."""
        url = self.endpoint.update or self.endpoint.query
        self._http.request(
            "POST",
            url,
            urlencode({"update": text}).encode("ascii"),
            {"Content-Type": FORM},
            fresh=True,
            timeout=timeout,
            success=(200, 204),
            html_is_failure=True,
        )

    def put_graph(self, graph: str, data: bytes, *, append: bool = False) -> None:
        """Graph Store Protocol: replace (PUT) or add to (POST) one graph, as N-Triples.
        Success is 200, 201 or 204 without an HTML page; anything else raises."""
        url = self._graph_url(graph)
        self._http.request(
            "POST" if append else "PUT",
            url,
            data,
            {"Content-Type": N_TRIPLES},
            success=(200, 201, 204),
            html_is_failure=True,
        )

    def post_quads(self, data: bytes) -> None:
        """Add N-Quads to the dataset (a POST to the Graph Store URL with no graph named)."""
        url = self.endpoint.graph_store or self.endpoint.query
        self._http.request(
            "POST",
            url,
            data,
            {"Content-Type": "application/n-quads"},
            success=(200, 201, 204),
            html_is_failure=True,
        )

    def accepts_quads(self) -> bool:
        """Whether the Graph Store URL takes N-Quads for the whole dataset (an empty POST);
        Virtuoso answers it with 200 and an HTML form page: that is a no."""
        try:
            self.post_quads(b"")
        except NotStored:
            return False
        except EndpointError as error:
            if re.search(r"HTTP (400|404|405|406|415|501)\b", str(error)):
                return False
            raise
        return True

    def staging_counts(self, prefix: str) -> dict[str, int]:
        """The number of triples the server holds in each graph whose name starts with
        ``prefix`` (one grouped COUNT)."""
        if not IRIREF_BODY.fullmatch(prefix) or '"' in prefix or "\\" in prefix:
            raise InputError(f"cannot use {prefix!r} as a graph name prefix")
        rows = self.query(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
            f'FILTER(STRSTARTS(STR(?g), "{prefix}")) }} GROUP BY ?g'
        )
        return {row["g"].value: int(row["n"].value) for row in rows}

    def _graph_url(self, graph: str) -> str:
        base = self.endpoint.graph_store or self.endpoint.query
        joiner = "&" if "?" in base else "?"
        return base + joiner + urlencode({"graph": graph}, quote_via=quote)
