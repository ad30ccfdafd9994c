"""Ad-hoc SPARQL: check a query, refuse what kg does not allow, run it on the store.

Used by ``kg sparql``, by the canned-query catalogue (:mod:`kg.sparql.catalogue`) and by anything
else that
takes a query from outside (a web endpoint, a remote client): :func:`prepare` validates and
classifies a query text and raises typed errors, :func:`execute` runs a prepared query.

Why the checks are done on tokens (:mod:`kg.sparql.lexer`) and not on the raw text: a query
may mention ``SERVICE`` or ``FROM`` in a string, an IRI, a comment, a variable or a prefixed name
without meaning it. What is refused, and why:

* SPARQL Update (``INSERT``, ``DELETE``, ``LOAD``, ``CLEAR`` …): kg only reads the graph.
* ``SERVICE`` unless explicitly allowed: it makes the engine call another endpoint over the
  network. The engine reads keywords without requiring a word boundary (``SERVICE:x`` is
  ``SERVICE :x`` to it), so any word or prefix that contains ``SERVICE`` counts.
* ``FROM`` / ``FROM NAMED`` on an IRI that is not a graph of the dataset: naming one of our
  graphs selects it (allowed); anything else would read like "fetch this file or URL", which kg
  never does.

Syntax errors carry a line and column. The engine reports the furthest point its parser
reached, which can lie after the real mistake (at the end of the text, for an unbalanced
bracket); the tokenizer knows some mistakes exactly (an unterminated string, a stray character,
an unknown prefix, an unbalanced bracket) and its position is used when it comes first.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple
from urllib.parse import urljoin

from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    Store,
    Triple,
    Variable,
    parse_query_results,
)

from kg.errors import (
    EndpointError,
    KgError,
    QueryRefused,
    QuerySyntaxError,
    UpdateRefused,
)
from kg.load import scope as scopes
from kg.namespaces import BASE, PREFIXES
from kg.sparql import order
from kg.sparql.lexer import (
    BNODE,
    CLOSERS,
    IRI,
    NUMBER,
    OPENERS,
    PNAME,
    PUNCT,
    STRING,
    VAR,
    WORD,
    Lexed,
    Token,
    closing_braces,
    lex,
)
from kg.sparql.results import QueryResult
from kg.sparql.values import with_values

FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
UPDATE_KEYWORDS = (
    "INSERT",
    "DELETE",
    "LOAD",
    "CLEAR",
    "CREATE",
    "DROP",
    "COPY",
    "MOVE",
    "ADD",
    "WITH",
)

Term = NamedNode | BlankNode | Literal | Triple

# Patterns of the engine's error messages, as text: compiled (and cached by ``re``) when a
# query is first malformed, not on every cold ``kg query``.
_ENGINE_POSITION = r"(?s)error at (\d+):(\d+): ?(.*)"
_CHAR_CLASS = r"\[(?:'(?:[^'\\]|\\.)*'|[^'\]])*\]"
_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


class DatasetClause(NamedTuple):
    """``FROM <iri>`` (named=False) or ``FROM NAMED <iri>`` (named=True), with its position.

    A NamedTuple, not a dataclass: every cold ``kg query`` defines it, and a frozen dataclass
    costs about ten times as much to define (its methods are compiled from source in every
    process)."""

    iri: str
    named: bool
    line: int
    column: int


class Analysis(NamedTuple):
    """What the tokens say about a query, before the engine sees it (a NamedTuple, not a
    dataclass: see :class:`DatasetClause`)."""

    lexed: Lexed
    form: str | None  # SELECT, ASK, CONSTRUCT, DESCRIBE, or None when not recognised
    update: str | None  # the update keyword the text starts with, if any
    prefixes: dict[str, str]  # declared in the query's prologue
    base: str | None  # BASE of the prologue
    service: tuple[Token, ...]  # tokens the engine may read as SERVICE
    dataset: tuple[DatasetClause, ...]
    projection: tuple[str, ...] | None  # SELECT variables in order; None for * and other forms
    variables: frozenset[str]  # every variable name mentioned
    bound_tested: frozenset[str]  # variables used as BOUND(?v)
    ambiguous_from: Token | None = None


@dataclass(frozen=True)
class PreparedQuery:
    """A query that passed :func:`prepare`: its text (unchanged) and what kind of query it is."""

    text: str
    form: str
    uses_service: bool = False
    dataset: tuple[DatasetClause, ...] = ()
    projection: tuple[str, ...] | None = None
    analysis: Analysis | None = field(default=None, compare=False, repr=False)
    # Whether the answer is the same over a bag of triples as over their set
    # (kg.sparql.multiplicity); None: read from the text when it matters. Given by kg's own
    # queries whose text is mostly a VALUES block (lexing it would cost more than the query).
    set_determined: bool | None = field(default=None, compare=False, repr=False)

    @property
    def returns_graph(self) -> bool:
        return self.form in ("CONSTRUCT", "DESCRIBE")


# --- analysis ------------------------------------------------------------------------------


def _unescape_iri(text: str) -> str:
    return _UCHAR.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)


def _iri_of(token: Token, prefixes: Mapping[str, str], base: str | None) -> str | None:
    """The absolute IRI an IRI or prefixed-name token stands for (None: unknown prefix)."""
    if token.kind == IRI:
        return urljoin(base or BASE, _unescape_iri(token.text[1:-1]))
    if token.kind == PNAME:
        prefix, _, local = token.text.partition(":")
        namespace = prefixes.get(prefix, PREFIXES.get(prefix))
        if namespace is None:
            return None
        return namespace + re.sub(r"\\(.)", r"\1", local)
    return None


def _prologue(tokens: list[Token]) -> tuple[int, dict[str, str], str | None]:
    """Skip BASE / PREFIX / VERSION declarations: index of the first other token, prefixes, base."""
    prefixes: dict[str, str] = {}
    base: str | None = None
    i = 0
    while i < len(tokens) and tokens[i].kind == WORD:
        word = tokens[i].upper
        if word == "BASE" and i + 1 < len(tokens) and tokens[i + 1].kind == IRI:
            base = urljoin(base or BASE, _unescape_iri(tokens[i + 1].text[1:-1]))
            i += 2
        elif (
            word == "PREFIX"
            and i + 2 < len(tokens)
            and tokens[i + 1].kind == PNAME
            and tokens[i + 1].text.endswith(":")
            and tokens[i + 2].kind == IRI
        ):
            namespace = urljoin(base or BASE, _unescape_iri(tokens[i + 2].text[1:-1]))
            prefixes[tokens[i + 1].text[:-1]] = namespace
            i += 3
        elif word == "VERSION" and i + 1 < len(tokens) and tokens[i + 1].kind == STRING:
            i += 2
        else:
            break
    return i, prefixes, base


def _service_tokens(lexed: Lexed) -> tuple[Token, ...]:
    hits = []
    for token in lexed.all_tokens():
        if (token.kind == WORD and "SERVICE" in token.upper) or (
            token.kind == PNAME and "SERVICE" in token.prefix().upper()
        ):
            hits.append(token)
    return tuple(sorted(hits, key=lambda t: t.start))


def _dataset_clauses(
    lexed: Lexed, start: int, prefixes: Mapping[str, str], base: str | None
) -> tuple[tuple[DatasetClause, ...], Token | None]:
    """FROM / FROM NAMED clauses (outside any group), and a token that the engine may read as
    FROM although it is not written as the keyword (``FROM:g``, ``FROMNAMED``)."""
    tokens = lexed.tokens
    clauses: list[DatasetClause] = []
    depth = 0
    i = start
    while i < len(tokens):
        token = tokens[i]
        if token.kind == PUNCT and token.text == "{":
            depth += 1
        elif token.kind == PUNCT and token.text == "}":
            depth = max(depth - 1, 0)
        elif depth == 0 and token.kind == WORD and token.upper == "FROM":
            named = (
                i + 1 < len(tokens)
                and tokens[i + 1].kind == WORD
                and tokens[i + 1].upper == "NAMED"
            )
            j = i + 2 if named else i + 1
            if j < len(tokens) and tokens[j].kind in (IRI, PNAME):
                iri = _iri_of(tokens[j], prefixes, base)
                if iri is not None:
                    line, column = lexed.position(tokens[j].start)
                    clauses.append(DatasetClause(iri, named, line, column))
                i = j
        elif depth == 0 and (
            (token.kind == WORD and token.upper.startswith("FROM"))
            or (token.kind == PNAME and token.prefix().upper() in ("FROM", "NAMED", "FROMNAMED"))
        ):
            return tuple(clauses), token
        i += 1
    return tuple(clauses), None


def _projection(tokens: list[Token], select_index: int) -> tuple[str, ...] | None:
    names: list[str] = []
    depth = 0
    i = select_index + 1
    while i < len(tokens):
        token = tokens[i]
        if token.kind == PUNCT and token.text == "(":
            depth += 1
        elif token.kind == PUNCT and token.text == ")":
            depth -= 1
        elif depth == 0 and token.kind == PUNCT and token.text in ("*", "{"):
            return None if token.text == "*" else tuple(names)
        elif depth == 0 and token.kind == WORD and token.upper in ("WHERE", "FROM"):
            break
        elif depth == 0 and token.kind == VAR:
            names.append(token.text[1:])
        elif (
            token.kind == WORD
            and token.upper == "AS"
            and i + 1 < len(tokens)
            and tokens[i + 1].kind == VAR
            and depth == 1
        ):
            names.append(tokens[i + 1].text[1:])
            i += 1
        i += 1
    return tuple(names)


def form_index(tokens: list[Token]) -> int:
    """The index of the token that names the query form (SELECT, ASK …): after the prologue."""
    return _prologue(tokens)[0]


def analyse(text: str) -> Analysis:
    """Tokenize a query and read what kg needs from it, without the engine."""
    lexed = lex(text)
    tokens = lexed.tokens
    start, prefixes, base = _prologue(tokens)
    form = update = None
    if start < len(tokens) and tokens[start].kind == WORD:
        word = tokens[start].upper
        form = next((f for f in FORMS if word.startswith(f)), None)
        if form is None:
            update = next((u for u in UPDATE_KEYWORDS if word.startswith(u)), None)
    dataset, ambiguous = _dataset_clauses(lexed, start, prefixes, base)
    projection = _projection(tokens, start) if form == "SELECT" else None
    variables = frozenset(t.text[1:] for t in tokens if t.kind == VAR)
    bound = frozenset(
        tokens[i + 2].text[1:]
        for i in range(len(tokens) - 3)
        if tokens[i].kind == WORD
        and tokens[i].upper == "BOUND"
        and tokens[i + 1].text == "("
        and tokens[i + 2].kind == VAR
    )
    return Analysis(
        lexed=lexed,
        form=form,
        update=update,
        prefixes=prefixes,
        base=base,
        service=_service_tokens(lexed),
        dataset=dataset,
        projection=projection,
        variables=variables,
        bound_tested=bound,
        ambiguous_from=ambiguous,
    )


# --- syntax errors -------------------------------------------------------------------------


def _lexical_diagnosis(analysis: Analysis) -> tuple[int, str] | None:
    """The first mistake the tokens show for sure: a malformed token, an undeclared prefix,
    a bracket that does not match. (offset, message) or None."""
    lexed = analysis.lexed
    found: list[tuple[int, str]] = []
    for token in lexed.tokens:
        if token.kind == "ERROR":
            found.append((token.start, token.message))
            break
    declared = set(analysis.prefixes) | set(PREFIXES)
    tokens = lexed.tokens
    for i, token in enumerate(tokens):
        if token.kind == WORD and token.upper in ("PREFIX", "BASE"):
            problem = _declaration_problem(tokens, i)
            if problem is not None:
                found.append(problem)
                break
        if token.kind != PNAME:
            continue
        if i > 0 and tokens[i - 1].kind == WORD and tokens[i - 1].upper == "PREFIX":
            continue
        prefix = token.prefix()
        if prefix not in declared:
            found.append(
                (token.start, f"unknown prefix '{prefix}:' (declare it: PREFIX {prefix}: <…>)")
            )
            break
    stack: list[Token] = []
    for token in tokens:
        if token.kind != PUNCT:
            continue
        if token.text in OPENERS:
            stack.append(token)
        elif token.text in CLOSERS:
            if not stack:
                found.append((token.start, f"unexpected '{token.text}': nothing is open"))
                break
            opener = stack.pop()
            if OPENERS[opener.text] != token.text:
                line, column = lexed.position(opener.start)
                found.append(
                    (
                        token.start,
                        f"unexpected '{token.text}': the '{opener.text}' at line {line}, "
                        f"column {column} is still open",
                    )
                )
                break
    else:
        if stack:
            line, column = lexed.position(stack[-1].start)
            found.append(
                (
                    len(lexed.text),
                    f"the '{stack[-1].text}' at line {line}, column {column} is never closed",
                )
            )
    return min(found) if found else None


def _declaration_problem(tokens: list[Token], i: int) -> tuple[int, str] | None:
    """A PREFIX or BASE declaration at ``tokens[i]`` that is not well formed."""
    rest = tokens[i + 1 : i + 3]
    if tokens[i].upper == "BASE":
        if rest and rest[0].kind == IRI:
            return None
        return (rest[0].start if rest else tokens[i].end), "BASE must be followed by an <IRI>"
    name = rest[0] if rest else None
    if (
        name is None
        or name.kind != PNAME
        or not name.text.endswith(":")
        or name.text.count(":") != 1
    ):
        where = name.start if name is not None else tokens[i].end
        return where, "PREFIX must be followed by a prefix name ending in ':' (like ex:)"
    if len(rest) < 2 or rest[1].kind != IRI:
        where = rest[1].start if len(rest) > 1 else name.end
        return where, f"PREFIX {name.text} must be followed by an <IRI>"
    return None


def _clean_engine_message(detail: str) -> str:
    """Make the engine's "expected one of …" readable: drop character classes, keep keywords
    and punctuation, and prefer its own explanations (e.g. "Duplicated variable name").
    The list is what the parser could have read at the furthest point it reached, not always
    what the author missed, so it is worded as such."""
    detail = " ".join(detail.split())
    match = re.match(r"expected (?:one of )?(.*)", detail)
    if not match:
        return detail
    items = [i.strip() for i in re.sub(_CHAR_CLASS, "", match.group(1)).split(", ")]
    items = [i for i in items if i and i != "[_]"]
    explanations = [i for i in items if " " in i and not i.startswith('"')]
    if explanations:
        return "; ".join(explanations)
    if not items:
        return "unexpected text here"
    shown = items[:12]
    more = ", …" if len(items) > len(shown) else ""
    return "syntax error; the parser could continue here with " + ", ".join(shown) + more


def syntax_error(analysis: Analysis, error: SyntaxError) -> QuerySyntaxError:
    """A QuerySyntaxError with the best position kg can give for the engine's SyntaxError."""
    message = str(error.args[0]) if error.args else str(error)
    match = re.match(_ENGINE_POSITION, message)
    lexed = analysis.lexed
    ours = _lexical_diagnosis(analysis)
    if match:
        line, column = int(match.group(1)), int(match.group(2))
        engine_offset = lexed.offset(line, column)
        if ours is not None and ours[0] <= engine_offset:
            line, column = lexed.position(ours[0])
            return QuerySyntaxError(ours[1], line, column)
        return QuerySyntaxError(_clean_engine_message(match.group(3)), line, column)
    if ours is not None:
        line, column = lexed.position(ours[0])
        return QuerySyntaxError(ours[1], line, column)
    return QuerySyntaxError(_clean_engine_message(message))


# --- prepare / execute ---------------------------------------------------------------------

_empty_store: Store | None = None


def _parse_check(text: str) -> Any:
    """Let the engine parse the query against an empty store: nothing is read, and the little
    evaluation the engine starts at once (ASK, the first row of a SELECT) runs on no data.
    Never used for a query with SERVICE, whose evaluation would call out."""
    global _empty_store
    if _empty_store is None:
        _empty_store = Store()
    return _empty_store.query(
        text, prefixes=PREFIXES, base_iri=BASE, use_default_graph_as_union=True
    )


def _refused_at(analysis: Analysis, token: Token, message: str) -> QueryRefused:
    line, column = analysis.lexed.position(token.start)
    return QueryRefused(f"line {line}, column {column}: {message}")


def check_dataset(prepared: PreparedQuery, is_graph: Callable[[str], bool]) -> None:
    """Refuse FROM / FROM NAMED clauses that do not name a graph of the dataset."""
    for clause in prepared.dataset:
        if not is_graph(clause.iri):
            keyword = "FROM NAMED" if clause.named else "FROM"
            raise QueryRefused(
                f"line {clause.line}, column {clause.column}: {keyword} <{clause.iri}> is refused: "
                "it names no graph of the dataset, and kg never reads files or URLs named in a "
                "query (FROM may only select one of the dataset's graphs)"
            )


def prepare(
    text: str,
    *,
    allow_service: bool = False,
    known_graphs: Collection[str] | Callable[[], Collection[str]] | None = None,
) -> PreparedQuery:
    """Validate and classify a query; the text itself is never changed.

    Args:
        text: the query.
        allow_service: let ``SERVICE`` through (the engine will then call other endpoints).
        known_graphs: the graph IRIs FROM may name, or a function returning them (called only
            when the query has a FROM clause). None defers that check to :func:`execute`,
            which always makes it against the store it runs on.

    Raises:
        QueryRefused: an update, SERVICE (unless allowed), or FROM on a graph we do not have.
        QuerySyntaxError: the query does not parse (with line and column).
    """
    if not text.strip():
        raise QuerySyntaxError("the query is empty")
    analysis = analyse(text)
    if analysis.update is not None:
        token = analysis.lexed.tokens[_prologue(analysis.lexed.tokens)[0]]
        if analysis.update == "LOAD":
            raise _refused_at(
                analysis, token, "LOAD is refused: kg never fetches data named in a query"
            )
        refused = _refused_at(
            analysis,
            token,
            f"SPARQL Update ({analysis.update}) is refused: kg only reads the graph "
            "(edit the files under data/ instead)",
        )
        raise UpdateRefused(str(refused))
    if analysis.service and not allow_service:
        raise _refused_at(
            analysis,
            analysis.service[0],
            f"SERVICE is refused ({analysis.service[0].text!r}): it would query another endpoint "
            "over the network; allow it explicitly (kg sparql --allow-service)",
        )
    if not analysis.lexed.complete and not allow_service:
        raise QueryRefused("the query is too intricate to check for SERVICE; simplify it")
    if analysis.ambiguous_from is not None:
        raise _refused_at(
            analysis,
            analysis.ambiguous_from,
            f"{analysis.ambiguous_from.text!r} reads as FROM to the engine; write "
            "FROM <graph> or FROM NAMED <graph>, with spaces",
        )
    form = analysis.form
    if analysis.service:
        # The engine starts evaluating when it parses (an ASK at once, a SELECT up to its first
        # row), and that would call the endpoint now: the syntax is checked when it runs.
        result = None
    else:
        try:
            result = _parse_check(text)
        except SyntaxError as error:
            raise syntax_error(analysis, error) from None
        except (RuntimeError, ValueError) as error:
            raise QueryRefused(f"the engine cannot run this query: {error}") from None
        except OSError as error:  # pragma: no cover - an empty store does not read anything
            raise KgError(f"query check failed: {error}") from None
    if isinstance(result, QuerySolutions):
        form = "SELECT"
    elif isinstance(result, QueryBoolean):
        form = "ASK"
    elif result is not None and form not in ("CONSTRUCT", "DESCRIBE"):
        form = "CONSTRUCT"
    if form is None:
        raise QuerySyntaxError("expected SELECT, ASK, CONSTRUCT or DESCRIBE", 1, 1)
    prepared = PreparedQuery(
        text=text,
        form=form,
        uses_service=bool(analysis.service),
        dataset=analysis.dataset,
        projection=analysis.projection,
        analysis=analysis,
    )
    if known_graphs is not None and prepared.dataset:
        graphs = known_graphs() if callable(known_graphs) else known_graphs
        check_dataset(prepared, lambda iri: iri in graphs)
    return prepared


@lru_cache(maxsize=256)
def _graphs_without_union(text: str) -> str | None:
    """The query with each ``GRAPH ?g { … }`` made ``{ GRAPH ?g { … } FILTER(!sameTerm(?g,
    <graph:union/external>)) }``, so that ``GRAPH`` never binds the derived external union
    (see :func:`kg.load.scope.query_options`), or None when that cannot be done by the tokens
    (an ambiguous reading, a graph given by name, GRAPH inside GRAPH, unbalanced braces): then
    the query gets the explicit list of named graphs instead.

    Why: Oxigraph evaluates a ``GRAPH ?g`` pattern graph by graph when it is given that list
    (``list-responsible-institutions`` took three times as long on the repository's 209 graphs,
    and the cost grows with the graphs), while a filter on ``?g`` removes exactly the
    solutions the list would not produce: the wrapped group is ``Filter(Graph(?g, P))``, valid
    wherever ``GRAPH`` is (a group is a pattern of its own), and every other pattern of the
    query reads what it read before."""
    lexed = lex(text)
    if lexed.alternatives or not lexed.complete:
        return None
    tokens = lexed.tokens
    union = scopes.EXTERNAL_UNION_GRAPH.value
    inserts: list[tuple[int, str]] = []
    inside = -1  # the index of the last GRAPH pattern's closing brace
    for i, token in enumerate(tokens):
        if token.kind != WORD or token.upper != "GRAPH":
            continue
        if i < inside:  # nested GRAPH patterns: Oxigraph then answers otherwise, keep the list
            return None
        if i + 2 >= len(tokens) or tokens[i + 1].kind != VAR:
            return None
        brace = tokens[i + 2]
        if brace.kind != PUNCT or brace.text != "{":
            return None
        depth = 0
        close = None
        for j in range(i + 2, len(tokens)):
            if tokens[j].kind == PUNCT and tokens[j].text == "{":
                depth += 1
            elif tokens[j].kind == PUNCT and tokens[j].text == "}":
                depth -= 1
                if depth == 0:
                    close, inside = tokens[j], j
                    break
        if close is None:
            return None
        var = tokens[i + 1].text
        inserts.append((token.start, "{ "))
        inserts.append((close.end, f" FILTER(!sameTerm({var}, <{union}>)) }}"))
    for offset, piece in sorted(inserts, key=lambda x: x[0], reverse=True):
        text = text[:offset] + piece + text[offset:]
    return text


def execute(
    store: Store,
    prepared: PreparedQuery,
    *,
    substitutions: Mapping[str, Term] | None = None,
    default_graphs: Sequence[str] | None = None,
    named_graphs: Sequence[str] | None = None,
    union_default_graph: bool = True,
    scope: str = scopes.DOCUMENTS,
) -> QueryResult:
    """Run a prepared query on a store, with the distinct union of the graphs of ``scope`` as
    the default graph (unless the query's own FROM clauses say otherwise): ``documents`` (the
    documents, the ontology, the vocabulary and what is inferred from them) or ``all`` (the
    external sources too). Every named graph is visible to ``GRAPH`` in both
    (:mod:`kg.load.scope`). A store loaded in memory gets its query graphs computed on its
    first query; the persistent store is built with them.

    ``substitutions`` binds variables to RDF terms inside the engine (SEP-0007); the same terms
    are also given as a ``VALUES`` block written by pyoxigraph's serialiser, so that the planner
    knows them (:mod:`kg.sparql.values`): a value can never change the query's structure.

    ``default_graphs`` / ``named_graphs`` are a dataset given outside the query (the SPARQL
    Protocol's ``default-graph-uri`` / ``named-graph-uri``): when either is given, the dataset
    is exactly those graphs and replaces the query's FROM clauses; a graph the store lacks is
    empty (nothing is ever fetched). ``union_default_graph=False`` reads the store's own default
    graph instead of the union, for stores whose data is loaded there (conformance suites).

    Raises:
        QueryRefused: a FROM clause names no graph of this store.
        QuerySyntaxError: the query does not parse (only for queries prepare could not check).
        EndpointError / KgError: the engine failed (e.g. a SERVICE endpoint did not answer).
    """
    scopes.check_scope(scope)
    check_dataset(prepared, lambda iri: store.contains_named_graph(NamedNode(iri)))
    # A local store's ORDER BY on plain variables is done in Python (kg.sparql.order); a
    # remote store sorts with its own engine, whose order kg does not reproduce.
    sorting = (
        order.plan(prepared.text, prepared.analysis.lexed if prepared.analysis else None)
        if prepared.form == "SELECT"
        and not prepared.uses_service
        and isinstance(store, Store)
        and not order.declined(prepared.text)
        else None
    )
    if (
        sorting is not None
        and prepared.projection is not None
        and any(name not in prepared.projection for name, _ in sorting.keys)
    ):
        sorting = None  # a key the answer does not show: its values are not in the rows
    if sorting is not None:
        sorted_result = _sorted(
            store,
            prepared,
            sorting,
            substitutions,
            default_graphs,
            named_graphs,
            union_default_graph,
            scope,
        )
        if sorted_result is not None:
            return sorted_result
        order.decline(prepared.text)
    return _execute(
        store,
        prepared,
        prepared.text,
        substitutions,
        default_graphs,
        named_graphs,
        union_default_graph,
        scope,
    )


def _sorted(
    store: Store,
    prepared: PreparedQuery,
    sorting: order.OrderPlan,
    substitutions: Mapping[str, Term] | None,
    default_graphs: Sequence[str] | None,
    named_graphs: Sequence[str] | None,
    union_default_graph: bool,
    scope: str,
) -> QueryResult | None:
    """The query run without its ORDER BY / LIMIT / OFFSET and its rows sorted in Python, or
    None when the engine's order cannot be reproduced for these rows (kg.sparql.order)."""
    unsorted = _execute(
        store,
        prepared,
        sorting.text,
        substitutions,
        default_graphs,
        named_graphs,
        union_default_graph,
        scope,
    )
    assert isinstance(unsorted.raw, QuerySolutions)
    try:
        tsv = unsorted.raw.serialize(format=QueryResultsFormat.TSV) or b""
    except (OSError, RuntimeError) as error:
        raise KgError(f"query evaluation failed: {error}") from None
    ordered = order.sort_tsv(tsv, sorting)
    if ordered is None:
        return None
    raw = parse_query_results(ordered, QueryResultsFormat.TSV)
    return QueryResult(prepared.form, raw, tsv=ordered)


def _in_place(store: Store, prepared: PreparedQuery, text: str) -> str | None:
    """``text`` to run on the union of the graphs in place, when the store's query graphs were
    deferred (:func:`kg.load.scope.defer`: no external graph, so the union is either scope)
    and the answer is the same over that bag as over the distinct union
    (:mod:`kg.sparql.multiplicity`), and no ``GRAPH`` pattern could bind the store's mark.
    None otherwise: the query graphs are then computed first."""
    if not scopes.is_deferred(store) or prepared.uses_service:
        return None
    determined = prepared.set_determined
    if determined is None:
        from kg.sparql import multiplicity  # only a deferred store asks

        lexed = (prepared.analysis or analyse(prepared.text)).lexed
        determined = multiplicity.set_determined(lexed, form_index(lexed.tokens))
    if not determined:
        return None
    if "GRAPH" in text.upper() and _may_bind_empty_graphs(prepared):
        return None
    return text


# What a group can start with when it starts with a triple pattern: a subject.
_SUBJECT_KINDS = frozenset({VAR, IRI, PNAME, BNODE, STRING, NUMBER})


def _may_bind_empty_graphs(prepared: PreparedQuery) -> bool:
    """Whether a ``GRAPH`` pattern of the query could match a graph that holds nothing — the
    empty graph that marks a deferred store (:func:`kg.load.scope.defer`) — so that the
    mark would be an answer. A group that starts with a triple pattern is a join with it, and
    one that starts with a ``UNION`` of such groups a join with that: neither has a solution
    in an empty graph. ``GRAPH ?g { }``, or a group that starts with ``OPTIONAL``,
    ``FILTER``, ``VALUES`` …, could, and so could a path that may have length zero (``p*``,
    ``p?``): such a query is answered after the copy. (Rewriting the
    patterns to leave the mark out, as the external union is left out, would change the
    engine's plan of queries whose every ``GRAPH`` needs a triple, for nothing.)"""
    lexed = prepared.analysis.lexed if prepared.analysis else lex(prepared.text)
    if lexed.alternatives or not lexed.complete:
        return True
    tokens = lexed.tokens
    closing = closing_braces(tokens)

    def needs_a_triple(brace: int) -> bool:
        first = tokens[brace + 1] if brace + 1 < len(tokens) else None
        if first is None:
            return False
        if first.kind in _SUBJECT_KINDS or first.text in ("[", "("):
            return True
        while first.kind == PUNCT and first.text == "{":  # { … } UNION { … } …
            at = brace + 1
            if at not in closing or not needs_a_triple(at):
                return False
            after = closing[at] + 1
            if not (
                after + 1 < len(tokens)
                and tokens[after].kind == WORD
                and tokens[after].upper == "UNION"
                and tokens[after + 1].text == "{"
            ):
                return True
            brace = after  # the next branch's brace is at after + 1
            first = tokens[after + 1]
        return False

    for i, token in enumerate(tokens):
        if token.kind != WORD or token.upper != "GRAPH":
            continue
        brace = i + 2
        if brace >= len(tokens) or tokens[brace].text != "{" or not needs_a_triple(brace):
            return True
        inside = tokens[brace : closing.get(brace, len(tokens))]
        if any(t.kind == PUNCT and t.text in ("*", "?") for t in inside):
            return True  # a path of length zero matches its given end in any graph
    return False


def _execute(
    store: Store,
    prepared: PreparedQuery,
    text: str,
    substitutions: Mapping[str, Term] | None,
    default_graphs: Sequence[str] | None,
    named_graphs: Sequence[str] | None,
    union_default_graph: bool,
    scope: str,
) -> QueryResult:
    """:func:`execute` of ``text`` (the prepared query's, or that text without its ORDER BY)."""
    options: dict[str, Any] = {"prefixes": PREFIXES, "base_iri": BASE}
    if default_graphs is not None or named_graphs is not None:
        options["use_default_graph_as_union"] = False
        options["default_graph"] = [NamedNode(iri) for iri in default_graphs or ()]
        options["named_graphs"] = [NamedNode(iri) for iri in named_graphs or ()]
    elif prepared.dataset or not union_default_graph:
        options["use_default_graph_as_union"] = False
    elif isinstance(store, Store) and (in_place := _in_place(store, prepared, text)) is not None:
        # a deferred store (kg.load.scope.defer) and an answer the bag cannot change
        options["use_default_graph_as_union"] = True
        text = in_place
    elif isinstance(store, Store):
        scopes.ensure(store)
        options.update(scopes.query_options(scope))
        if store.contains_named_graph(scopes.EXTERNAL_UNION_GRAPH):
            # GRAPH never sees the derived external union: a filter where the query says
            # GRAPH, else the list of the other graphs (see _graphs_without_union)
            # a text without the word has no GRAPH pattern: not lexed (kg's span queries are
            # VALUES blocks of thousands of IRIs)
            hidden = _graphs_without_union(text) if "GRAPH" in text.upper() else text
            if hidden is None:
                options.update(scopes.query_options(scope, store))
            else:
                text = hidden
    else:  # a remote store: its default graph is the server's (kg publish: the documents')
        options["use_default_graph_as_union"] = True
        options["scope"] = scope  # the external union joins where it can (RemoteStore.query)
    if substitutions:
        options["substitutions"] = {Variable(name): term for name, term in substitutions.items()}
        if not getattr(store, "writes_values", False):
            # The same terms as VALUES too, so that the planner starts from them
            # (kg.sparql.values); a remote store writes its own VALUES block.
            text = with_values(text, substitutions)
    try:
        raw = store.query(text, **options)
    except SyntaxError as error:
        raise syntax_error(prepared.analysis or analyse(prepared.text), error) from None
    except RuntimeError as error:
        raise KgError(f"the engine cannot run this query: {error}") from None
    except OSError as error:
        if prepared.uses_service:
            raise EndpointError(f"SERVICE call failed: {error}") from None
        raise KgError(f"query evaluation failed: {error}") from None
    return QueryResult(prepared.form, raw, uses_service=prepared.uses_service)
