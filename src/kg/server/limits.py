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

import functools
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
from kg.sparql.lexer import (
    BNODE,
    IRI,
    LANGTAG,
    NUMBER,
    PNAME,
    PUNCT,
    STRING,
    VAR,
    WORD,
    Token,
    lex,
    top_level,
)
from kg.sparql.prepare import PreparedQuery, form_index
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


def bounded_tsv(result: QueryResult, row_limit: int) -> bytes:
    """The whole of a SELECT answer as SPARQL TSV, evaluated now, or RowLimitExceeded: what
    :func:`bounded` parses back, for a worker to hand on (``kg.server.tasks.canned_head``).
    An answer held whole already (``result.tsv``: sorted in Python, kg.sparql.order) is
    counted, not written again."""
    assert isinstance(result.raw, QuerySolutions)
    if result.tsv is not None:
        if result.tsv.count(b"\n") > row_limit + 1:  # the header line, then a line a row
            raise RowLimitExceeded(row_limit)
        return result.tsv
    try:
        return _solutions_tsv(result.raw, row_limit)
    except (OSError, RuntimeError) as error:
        raise _evaluation_error(error) from None


def bounded(result: QueryResult, row_limit: int) -> QueryResult:
    """The whole result, evaluated now and held in memory, or RowLimitExceeded.

    Returns a QueryResult that :func:`kg.sparql.results.serialize` writes like the original: the
    same variables in the same order, the same terms (blank node labels may differ, as they
    may between any two evaluations).
    """
    raw = result.raw
    if isinstance(raw, QuerySolutions):
        text = bounded_tsv(result, row_limit)
        parsed = parse_query_results(text, format=QueryResultsFormat.TSV)
        return QueryResult(result.form, parsed, uses_service=result.uses_service, tsv=text)
    try:
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


@functools.lru_cache(maxsize=256)
def solutions_at_most(prepared: PreparedQuery) -> int | None:
    """The most solutions a SELECT can give, by its own outermost ``LIMIT``; None when it has
    none (or its tokens can be read more than one way). Remembered per query.

    Why: a result that cannot pass the row limit need not be counted on its way out
    (:func:`serialize_bounded`). The outermost LIMIT is the one outside every bracket: a
    subquery's is inside the braces of the pattern holding it, and nothing else of the
    grammar at that level (the prologue, the SELECT clause, FROM, the solution modifiers, a
    trailing VALUES block) can be the word LIMIT."""
    analysis = prepared.analysis
    if prepared.form != "SELECT" or analysis is None:
        return None
    lexed = analysis.lexed
    if lexed.alternatives or not lexed.complete:
        return None
    tokens = lexed.tokens
    found = None
    for i in top_level(tokens):
        token = tokens[i]
        if token.kind == WORD and token.upper == "LIMIT":
            following = tokens[i + 1] if i + 1 < len(tokens) else None
            if following is None or following.kind != NUMBER or not following.text.isdigit():
                return None
            if found is not None:
                return None
            found = int(following.text)
    return found


SHAPE_TEXT = 2048  # characters: longer texts are never read for their shape in the server
SHAPE_ROWS = 100  # the largest LIMIT of a SELECT answered without a worker


@functools.lru_cache(maxsize=512)
def one_pattern(text: str) -> bool:
    """Whether a query is an ASK, or a SELECT with a LIMIT of at most :data:`SHAPE_ROWS`,
    over a single triple pattern of plain terms — no path, filter, group, subquery, dataset
    clause, ordering, DISTINCT, aggregate or VALUES, and no variable twice. Read from the
    tokens only (never the engine), for texts of at most :data:`SHAPE_TEXT` characters;
    remembered per text.

    Why: such a query costs the engine one index lookup (ASK) or the scan of at most LIMIT
    index entries, each a solution, whatever the size of the store — it cannot run away. The
    server answers these itself (``kg.server.workers.LocalAnswers``), sparing the hop to a
    worker, which cost more than the query (measured on a trivial ASK at 1M statements: the
    hop ~0.25 ms of the worker's CPU and ~0.05 ms of the server's, the query ~0.05 ms). Every
    other query goes to a worker, where the time limit can stop it."""
    if len(text) > SHAPE_TEXT:
        return False
    lexed = lex(text)
    if lexed.alternatives or not lexed.complete:
        return False
    tokens = [t for t in lexed.tokens]
    i = form_index(tokens)
    if i >= len(tokens) or tokens[i].kind != WORD:
        return False
    form = tokens[i].upper
    i += 1
    if form == "SELECT":
        if i < len(tokens) and _is(tokens[i], PUNCT, "*"):
            i += 1
        else:
            start = i
            while i < len(tokens) and tokens[i].kind == VAR:
                i += 1
            if i == start:
                return False
    elif form != "ASK":
        return False
    if i < len(tokens) and _is(tokens[i], WORD, "WHERE"):
        i += 1
    if i >= len(tokens) or not _is(tokens[i], PUNCT, "{"):
        return False
    i += 1
    names: set[str] = set()
    for position in range(3):
        if i >= len(tokens):
            return False
        token = tokens[i]
        if token.kind in (VAR, BNODE):
            name = token.text[1:] if token.kind == VAR else token.text
            if name in names:
                return False
            names.add(name)
            i += 1
        elif token.kind in (IRI, PNAME) or (position == 1 and _is(token, WORD, "a")):
            i += 1
        elif position == 2 and token.kind in (STRING, NUMBER):
            i += 1
            if i < len(tokens) and tokens[i].kind == LANGTAG:
                i += 1
            elif i + 1 < len(tokens) and _is(tokens[i], PUNCT, "^^"):
                if tokens[i + 1].kind not in (IRI, PNAME):
                    return False
                i += 2
        elif position == 2 and (_is(token, WORD, "true") or _is(token, WORD, "false")):
            i += 1
        else:
            return False
    if i < len(tokens) and _is(tokens[i], PUNCT, "."):
        i += 1
    if i >= len(tokens) or not _is(tokens[i], PUNCT, "}"):
        return False
    i += 1
    if form == "SELECT":
        if i + 1 >= len(tokens) or not _is(tokens[i], WORD, "LIMIT"):
            return False
        count = tokens[i + 1]
        if count.kind != NUMBER or not count.text.isdigit() or int(count.text) > SHAPE_ROWS:
            return False
        i += 2
    return i == len(tokens)


def _is(token: Token, kind: str, text: str) -> bool:
    return token.kind == kind and token.upper == text.upper()


def serialize_bounded(
    result: QueryResult, fmt: str, row_limit: int, *, at_most: int | None = None
) -> bytes:
    """:func:`kg.sparql.results.serialize` of the result held to the row limit: a TSV answer
    is the counted bytes themselves, without a second pass. ``at_most``: the most solutions
    the query can give (:func:`solutions_at_most`); within the row limit, the engine's
    serialiser writes the answer at once, with nothing to count (a 1,000-row CSV: half the
    time)."""
    raw = result.raw
    if isinstance(raw, QuerySolutions) and at_most is not None and at_most <= row_limit:
        try:
            return serialize(result, fmt)
        except (OSError, RuntimeError) as error:
            raise _evaluation_error(error) from None
    if fmt == "tsv" and isinstance(raw, QuerySolutions):
        try:
            return _solutions_tsv(raw, row_limit)
        except (OSError, RuntimeError) as error:
            raise _evaluation_error(error) from None
    return serialize(bounded(result, row_limit), fmt)
