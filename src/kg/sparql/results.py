"""Writing query results in the formats other tools read, and as a table for people.

Standard formats come from the engine's own serialisers, so they follow the specifications:
SPARQL 1.1 Query Results JSON and XML, SPARQL 1.1 CSV (CRLF line ends, bare IRIs) and TSV
(``<IRI>``, N-Triples-style literals); graphs from CONSTRUCT / DESCRIBE as Turtle, N-Triples,
N-Quads, JSON-LD, RDF/XML or TriG. Columns keep the query's projection order.

Results are lazy: the engine evaluates while they are written, so errors of the evaluation
(a SERVICE endpoint that does not answer) surface here and become typed errors. The table is
kg's own writer (no Rich): a line per row, cells cut to fit the terminal.
"""

from __future__ import annotations

import json
import re
import shutil
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any

from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    QueryTriples,
    RdfFormat,
    Triple,
)
from pyoxigraph import (
    serialize as rdf_serialize,
)

from kg import formats
from kg.errors import EndpointError, InputError, KgError
from kg.namespaces import PREFIXES, curie

SOLUTION_FORMATS: dict[str, QueryResultsFormat | None] = {
    name: formats.get(name).results for name in formats.choices("solutions")
}
GRAPH_FORMATS: dict[str, RdfFormat | None] = {
    name: formats.get(name).rdf for name in formats.choices("graphs")
}
FORMATS: tuple[str, ...] = tuple(formats.choices("results"))


@dataclass
class QueryResult:
    """The answer of the engine to one query, not yet read (it is read once, when written).

    ``raw`` is the engine's object: solutions (SELECT), a boolean (ASK) or triples
    (CONSTRUCT / DESCRIBE).
    """

    form: str
    raw: QuerySolutions | QueryBoolean | QueryTriples
    uses_service: bool = False
    # The engine's SPARQL TSV of ``raw``, when kg holds it already (an answer sorted in
    # Python, :mod:`kg.sparql.order`), so that adding quotes need not have it written again.
    tsv: bytes | None = None

    @property
    def kind(self) -> str:
        """``solutions``, ``boolean`` or ``graph``."""
        if isinstance(self.raw, QuerySolutions):
            return "solutions"
        if isinstance(self.raw, QueryBoolean):
            return "boolean"
        return "graph"

    @property
    def variables(self) -> list[str]:
        """Column names in projection order (SELECT only)."""
        if isinstance(self.raw, QuerySolutions):
            return [v.value for v in self.raw.variables]
        return []


def check_format(form: str, fmt: str | None) -> str:
    """The format to write a query of this form in: ``fmt``, or the default (a table for
    SELECT / ASK, Turtle for graphs). Raises InputError when the format does not fit."""
    graph = form in ("CONSTRUCT", "DESCRIBE")
    allowed = GRAPH_FORMATS if graph else SOLUTION_FORMATS
    if fmt is None:
        return "turtle" if graph else "table"
    if fmt not in allowed:
        kind = "graph results (CONSTRUCT, DESCRIBE)" if graph else f"{form} results"
        raise InputError(f"format {fmt!r} does not fit {kind}; use one of: {', '.join(allowed)}")
    return fmt


def compact(term: Any, prefixes: Mapping[str, str] | None = None) -> str:
    """A term as a person reads it: a CURIE for an IRI with a known prefix (else the IRI),
    the plain value of a literal, ``_:x`` for a blank node, empty for unbound."""
    if term is None:
        return ""
    if isinstance(term, NamedNode):
        return curie(term.value, dict(prefixes) if prefixes else None)
    if isinstance(term, Literal):
        return term.value
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    if isinstance(term, Triple):
        parts = (term.subject, term.predicate, term.object)
        return "<< " + " ".join(compact(t, prefixes) for t in parts) + " >>"
    return str(term)


# --- ASK answers in the shapes stores send ---------------------------------------------------

ASK_TABLE_COLUMN = "__ask_retval"
# An endpoint's XML answer to ASK, as text: compiled (and cached by ``re``) when one is read,
# not on every cold ``kg query``.
_XML_BOOLEAN = rb"(?i)<(?:\w+:)?boolean>\s*(true|false|1|0)\s*</(?:\w+:)?boolean>"
_XML_VARIABLES = rb"<(?:\w+:)?variable\s+name=[\"']([^\"']*)[\"']"
_XML_RESULT = rb"<(?:\w+:)?result[\s>]"
_XML_VALUE = rb"<(?:\w+:)?literal[^>]*>\s*([^<]*?)\s*</"


def ask_answer(body: bytes, media: str) -> bool | None:
    """The boolean an ASK answer carries, in every shape stores send it; None when ``body``
    carries no boolean (the caller reports it: an ASK answer is never read by truthiness).

    The shapes: SPARQL 1.1 Query Results JSON (``"boolean": true``) and XML
    (``<boolean>true</boolean>``), and the table Virtuoso answers with in some versions and
    modes (issue 18: 7.2 answered the record check of ``kg publish`` so) — one column
    ``__ASK_RETVAL``, one row holding ``1`` for true, no row (or ``0``) for false.
    """
    text = body.strip()
    if media.endswith("xml") or text.startswith(b"<"):
        found = re.search(_XML_BOOLEAN, text)
        if found:
            return found.group(1).lower() in (b"true", b"1")
        names = [n.decode("utf-8", "replace").lower() for n in re.findall(_XML_VARIABLES, text)]
        if names != [ASK_TABLE_COLUMN]:
            return None
        if not re.search(_XML_RESULT, text):
            return False
        literal = re.search(_XML_VALUE, text)
        return literal is None or literal.group(1).strip().lower() not in (b"0", b"false")
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    if isinstance(data.get("boolean"), bool):
        return bool(data["boolean"])
    names = [str(v).lower() for v in (data.get("head") or {}).get("vars") or []]
    if names != [ASK_TABLE_COLUMN]:
        return None
    rows = (data.get("results") or {}).get("bindings") or []
    if not rows:
        return False
    cell = next(iter(rows[0].values()), None) if isinstance(rows[0], dict) else None
    value = str(cell.get("value", "")) if isinstance(cell, dict) else ""
    return value.strip().lower() not in ("0", "false")


QUOTE_WIDTH = 60  # characters of a quote a table shows (CSV, JSON … carry it whole)


def is_quote_column(name: str) -> bool:
    """Whether a column holds passage text (:mod:`kg.sparql.quotes` names them so)."""
    return name == "quote" or name.endswith("Quote")


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= QUOTE_WIDTH else text[: QUOTE_WIDTH - 1].rstrip() + "…"


def _evaluation_error(result: QueryResult, error: Exception) -> KgError:
    if isinstance(error, OSError) and result.uses_service:
        return EndpointError(f"SERVICE call failed: {error}")
    return KgError(f"query evaluation failed: {error}")


def _rows(result: QueryResult) -> Iterator[list[Any]]:
    try:
        if isinstance(result.raw, QuerySolutions):
            names = result.raw.variables
            for solution in result.raw:
                yield [solution[v] for v in names]
        else:
            if isinstance(result.raw, QueryBoolean):
                raise InputError("an ASK answer has no rows")
            for triple in result.raw:
                yield [triple.subject, triple.predicate, triple.object]
    except (OSError, RuntimeError) as error:
        raise _evaluation_error(result, error) from None


def _width(text: str) -> int:
    """Terminal cells a text takes: East Asian wide characters two, combining marks none."""
    if text.isascii():
        return len(text)
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
        for c in text
    )


def _fit(text: str, width: int) -> str:
    """``text`` in at most ``width`` cells, cut with an ellipsis when longer."""
    if _width(text) <= width:
        return text
    out, used = [], 0
    for c in text:
        w = _width(c)
        if used + w > width - 1:
            break
        out.append(c)
        used += w
    return "".join(out) + "…"


MIN_COLUMN = 8  # cells a column keeps however narrow the terminal


def _table(result: QueryResult, width: int | None, prefixes: Mapping[str, str] | None) -> bytes:
    """A plain table: the header, a rule, one line per row (a cell too wide for its column is
    cut with an ellipsis, never wrapped), then the row count. Written by hand: Rich measured
    and wrapped every cell, 10 s for the 6,015 rows CSV writes in 1 s (issue 18)."""
    if isinstance(result.raw, QueryBoolean):
        return b"true\n" if bool(result.raw) else b"false\n"
    columns = result.variables if result.kind == "solutions" else ["subject", "predicate", "object"]
    quoted = [is_quote_column(c) for c in columns]
    rows = [
        [
            " ".join((_shorten(compact(t, prefixes)) if q else compact(t, prefixes)).split())
            for t, q in zip(row, quoted, strict=True)
        ]
        for row in _rows(result)
    ]
    if result.kind == "graph":
        rows.sort()
    if width is None:
        width = shutil.get_terminal_size((120, 24)).columns
    widths = [_width(c) for c in columns]
    for row in rows:
        for i, cell in enumerate(row):
            w = _width(cell)
            if w > widths[i]:
                widths[i] = w
    # each column takes its cells plus a space on either side; shrink the widest to fit
    while sum(widths) + 2 * len(widths) > width:
        widest = max(range(len(widths)), key=lambda i: widths[i])
        if widths[widest] <= MIN_COLUMN:
            break
        widths[widest] -= 1

    def line(cells: list[str]) -> str:
        parts = []
        for cell, w in zip(cells, widths, strict=True):
            shown = _fit(cell, w)
            parts.append(" " + shown + " " * (w - _width(shown) + 1))
        return "".join(parts).rstrip()

    out = [line(columns), "─" * (sum(widths) + 2 * len(widths))]
    out += [line(row) for row in rows]
    out.append(f"{len(rows)} row{'s' if len(rows) != 1 else ''}")
    return ("\n".join(out) + "\n").encode("utf-8")


def _graph(result: QueryResult, fmt: str, prefixes: Mapping[str, str] | None) -> bytes:
    """Triples in a stable order, with only the prefixes they use."""
    try:
        triples = sorted(result.raw, key=str)  # type: ignore[arg-type]
    except (OSError, RuntimeError) as error:
        raise _evaluation_error(result, error) from None
    namespaces = dict(prefixes or PREFIXES)
    iris: set[str] = set()
    for t in triples:
        for term in (t.subject, t.predicate, t.object):
            if isinstance(term, NamedNode):
                iris.add(term.value)
            elif isinstance(term, Literal):
                iris.add(term.datatype.value)
    used = {p: ns for p, ns in namespaces.items() if any(i.startswith(ns) for i in iris)}
    try:
        return rdf_serialize(triples, format=GRAPH_FORMATS[fmt], prefixes=used) or b""
    except (ValueError, OSError) as error:
        raise KgError(f"cannot write these results as {fmt}: {error}") from None


def serialize(
    result: QueryResult,
    fmt: str,
    *,
    width: int | None = None,
    prefixes: Mapping[str, str] | None = None,
) -> bytes:
    """The whole result in one format, as bytes (nothing is written anywhere).

    Args:
        result: what :func:`kg.sparql.prepare.execute` returned (it is consumed).
        fmt: one of :data:`FORMATS` that fits the result (see :func:`check_format`).
        width: table width in characters (default: the terminal's, else 120).
        prefixes: for CURIEs in tables and prefixes in Turtle/TriG/RDF-XML (default: kg's).
    """
    fmt = check_format(result.form, fmt)
    if fmt == "table":
        return _table(result, width, prefixes)
    if result.kind == "graph":
        return _graph(result, fmt, prefixes)
    if not isinstance(result.raw, QuerySolutions | QueryBoolean):
        raise InputError(f"format {fmt!r} is for SELECT and ASK answers")
    try:
        data = result.raw.serialize(format=SOLUTION_FORMATS[fmt]) or b""
    except (OSError, RuntimeError) as error:
        raise _evaluation_error(result, error) from None
    if fmt in ("json", "xml"):
        data += b"\n"  # insignificant whitespace in both; friendlier on a terminal
    return data


def write(
    result: QueryResult,
    fmt: str,
    out: IO[bytes],
    *,
    width: int | None = None,
    prefixes: Mapping[str, str] | None = None,
) -> None:
    """Stream the result to a binary file object, for large answers (``kg sparql``).

    CSV, TSV, JSON and XML, and N-Triples for graphs, are written by the engine as it
    evaluates, so memory stays flat however large the answer (N-Triples then comes in the
    engine's order, not sorted as :func:`serialize` writes it). Tables and the other graph
    formats are built first (sorted, prefixes chosen). An evaluation error can therefore leave
    part of the output written: use :func:`serialize` where that matters.
    """
    fmt = check_format(result.form, fmt)
    if result.kind == "graph":  # the engine's triples stream; a remote store's are a list
        streamed = fmt == "ntriples" and isinstance(result.raw, QueryTriples)
    else:
        streamed = fmt != "table"
    if not streamed:
        out.write(serialize(result, fmt, width=width, prefixes=prefixes))
        return
    engine_format = GRAPH_FORMATS[fmt] if result.kind == "graph" else SOLUTION_FORMATS[fmt]
    try:
        result.raw.serialize(output=out, format=engine_format)  # type: ignore[arg-type]
    except RuntimeError as error:
        raise _evaluation_error(result, error) from None
    except OSError as error:
        if isinstance(error, BrokenPipeError):
            raise
        raise _evaluation_error(result, error) from None
    if fmt in ("json", "xml"):
        out.write(b"\n")
