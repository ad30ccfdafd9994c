"""How much work one request may cause: a time limit and a row limit, and the code that holds
a result to the row limit without ever cutting it short.

The time limit is enforced by :mod:`kg.server.workers` (the process that runs a query past it is
killed). The row limit is enforced here, inside the worker, while the engine's solutions are
pulled one by one: as soon as one row more than the limit arrives the query is refused with
:class:`RowLimitExceeded` — a client never receives a result that silently lacks rows.

Why the solutions are re-read through TSV: the engine's serialisers (SPARQL JSON, XML, CSV,
TSV — the ones :mod:`kg.sparql.results` uses, so the endpoint writes exactly what ``kg sparql``
writes)
take the engine's own lazy solution iterator, which cannot be counted without being consumed.
So the rows are counted as they are pulled, written to TSV (every term in its exact N-Triples
form: lossless), and parsed back by the engine into a fresh iterator for the serialiser.
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
from kg.sparql.results import QueryResult

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
            f"the result has more than {limit} {what}, the limit of this server; nothing was "
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


def bounded(result: QueryResult, row_limit: int) -> QueryResult:
    """The whole result, evaluated now and held in memory, or RowLimitExceeded.

    Returns a QueryResult that :func:`kg.sparql.results.serialize` writes like the original: the
    same variables in the same order, the same terms (blank node labels may differ, as they
    may between any two evaluations).
    """
    raw = result.raw
    try:
        if isinstance(raw, QuerySolutions):
            variables = raw.variables
            lines = ["\t".join(str(v) for v in variables)]
            for count, solution in enumerate(raw, start=1):
                if count > row_limit:
                    raise RowLimitExceeded(row_limit)
                lines.append("\t".join(tsv_term(solution[v]) for v in variables))
            text = ("\n".join(lines) + "\n").encode("utf-8")
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
