"""How much work one request may cause: a time limit and a row limit, and the code that holds
a result to the row limit without ever cutting it short.

The time limit is enforced by :mod:`kg.server.workers` (the process that runs a query past it is
killed). The row limit is enforced here, inside the worker, while the engine's solutions are
pulled one by one: as soon as one row more than the limit arrives the query is refused with
:class:`RowLimitExceeded` — a client never receives a result that silently lacks rows.

How the rows are counted without a Python loop over them: the engine writes the solutions as
SPARQL TSV (one line per solution: TSV escapes the line breaks inside literals, and every term
is written in its exact N-Triples form, so nothing is lost) into a writer that counts the line
breaks of each piece it is given and raises as soon as the count passes the limit — the engine
then stops evaluating, within one buffer of the limit. A TSV answer is those bytes; any other
result format is the engine's serialiser over the same TSV parsed back (a thousand rows: about
half a millisecond, against several for reading each solution's terms in Python).
"""

from __future__ import annotations

from dataclasses import dataclass

from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    QueryResultsFormat,
    QuerySolutions,
    Triple,
    parse_query_results,
)

from kg.errors import KgError
from kg.sparql.results import QueryResult, serialize

DEFAULT_TIMEOUT = 30.0
DEFAULT_ROW_LIMIT = 10_000
DEFAULT_MAX_BODY = 1 << 20  # bytes of a request body (a query, a form)


@dataclass(frozen=True)
class Limits:
    """The bounds of one request's work."""

    timeout: float = DEFAULT_TIMEOUT  # seconds, from the request's arrival to its answer
    row_limit: int = DEFAULT_ROW_LIMIT  # solutions of a SELECT, triples of a CONSTRUCT
    max_body: int = DEFAULT_MAX_BODY

    def __post_init__(self) -> None:
        if not self.timeout > 0:
            raise ValueError("the timeout must be a positive number of seconds")
        if self.row_limit < 1:
            raise ValueError("the row limit must be at least 1")


class RowLimitExceeded(KgError):
    """The result has more rows than the server sends in one answer."""

    def __init__(self, limit: int, what: str = "rows") -> None:
        self.limit = limit
        super().__init__(
            f"the result has more than {limit} {what}, the limit of this server: its "
            f"evaluation stopped at the {what[:-1]} past the limit (a sorted answer, ORDER BY, "
            f"is evaluated whole before its first {what[:-1]}); nothing was "
            f"sent. Narrow the query, or page through it with LIMIT {limit} OFFSET 0, "
            f"LIMIT {limit} OFFSET {limit}, … (with an ORDER BY so the pages are stable)"
        )


def tsv_term(term: NamedNode | BlankNode | Literal | Triple | None) -> str:
    """A term as SPARQL TSV writes it: its N-Triples form (tabs and newlines escaped), a
    triple term as ``<<( s p o )>>``, nothing for an unbound variable."""
    if term is None:
        return ""
    if isinstance(term, Triple):
        parts = (term.subject, term.predicate, term.object)
        return "<<( " + " ".join(tsv_term(t) for t in parts) + " )>>"
    return str(term)


def _evaluation_error(error: Exception) -> KgError:
    return KgError(f"query evaluation failed: {error}")


class _Counted:
    """A binary writer that keeps what the engine writes and counts its lines, raising
    RowLimitExceeded when they pass ``lines`` (which the engine lets through: a Python
    exception raised by a writer ends the serialisation, and with it the evaluation)."""

    __slots__ = ("limit", "lines", "parts", "row_limit")

    def __init__(self, row_limit: int) -> None:
        self.row_limit = row_limit
        self.limit = row_limit + 1  # the header line
        self.lines = 0
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.lines += data.count(b"\n")
        if self.lines > self.limit:
            raise RowLimitExceeded(self.row_limit)
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass


def _solutions_tsv(raw: QuerySolutions, row_limit: int) -> bytes:
    """The solutions as SPARQL TSV, or RowLimitExceeded as soon as there is one too many."""
    counted = _Counted(row_limit)
    raw.serialize(counted, format=QueryResultsFormat.TSV)  # type: ignore[arg-type]
    return b"".join(counted.parts)


def bounded(result: QueryResult, row_limit: int) -> QueryResult:
    """The whole result, evaluated now and held in memory, or RowLimitExceeded.

    Returns a QueryResult that :func:`kg.sparql.results.serialize` writes like the original: the
    same variables in the same order, the same terms (blank node labels may differ, as they
    may between any two evaluations).
    """
    raw = result.raw
    try:
        if isinstance(raw, QuerySolutions):
            text = _solutions_tsv(raw, row_limit)
            parsed = parse_query_results(text, format=QueryResultsFormat.TSV)
            return QueryResult(result.form, parsed, uses_service=result.uses_service)
        if result.kind == "graph":
            triples = []
            for count, triple in enumerate(raw, start=1):  # type: ignore[arg-type]
                if count > row_limit:
                    raise RowLimitExceeded(row_limit, "triples")
                triples.append(triple)
            return QueryResult(result.form, triples, uses_service=result.uses_service)  # type: ignore[arg-type]
    except (OSError, RuntimeError) as error:
        raise _evaluation_error(error) from None
    return result  # a boolean is complete already


def serialize_bounded(result: QueryResult, fmt: str, row_limit: int) -> bytes:
    """:func:`kg.sparql.results.serialize` of the result held to the row limit: a TSV answer
    is the counted bytes themselves, without a second pass."""
    if fmt == "tsv" and isinstance(result.raw, QuerySolutions):
        try:
            return _solutions_tsv(result.raw, row_limit)
        except (OSError, RuntimeError) as error:
            raise _evaluation_error(error) from None
    return serialize(bounded(result, row_limit), fmt)
