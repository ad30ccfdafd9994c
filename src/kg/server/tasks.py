"""The work a worker process does for a request, on its own copy of the store.

Every task is a call into the library — :mod:`kg.sparql.prepare` to check and run a query,
:mod:`kg.sparql.catalogue` for canned queries, :mod:`kg.sparql.results` for the result formats,
:mod:`kg.export.writers` for downloads, :mod:`kg.server.ld` and :mod:`kg.server.overview` for the
pages — with the row limit applied, and returns the complete answer (bytes, or plain data a page
renders). Nothing here knows about HTTP.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyoxigraph import (
    Literal,
    NamedNode,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    Store,
    parse_query_results,
)

from kg.errors import QuotesUnavailable, UnknownQuery
from kg.export import writers as export
from kg.load import scope as scopes
from kg.load.documents import Documents
from kg.namespaces import PASSAGE
from kg.server import conneg, ld, ontodoc, overview, visual
from kg.server.answers import Answers, Kept
from kg.server.limits import (
    RowLimitExceeded,
    bounded,
    bounded_tsv,
    serialize_bounded,
    solutions_at_most,
)
from kg.server.problems import refuse
from kg.server.views import Table, cell, fold, page_number
from kg.sparql import catalogue as catalogue_module
from kg.sparql import prepare as sparql
from kg.sparql import quotes, results
from kg.sparql.catalogue import CannedQuery

_PREPARED_CACHE = 256


@dataclass(frozen=True)
class StoreSpec:
    """What a worker needs to build its store and answer tasks."""

    snapshot: str | None = None  # an N-Quads file with the whole dataset, loaded in memory
    database: str | None = None  # or a persistent store (kg.load.store), opened read-only
    union_default_graph: bool = True  # queries read the union of the graphs by default
    queries_dir: str | None = None  # the canned-query catalogue (None: the repository's)
    row_limit: int = 10_000


@dataclass
class WorkerState:
    """What a worker keeps between tasks: the store, the catalogue and a few caches."""

    store: Store
    spec: StoreSpec
    labels: ld.Labels
    documents: Documents
    _catalogue: dict[str, CannedQuery] | None = None
    _queries: dict[str, CannedQuery] = field(default_factory=dict)  # read one by one
    _prepared: OrderedDict[str, sparql.PreparedQuery] = field(default_factory=OrderedDict)
    _terms: OrderedDict[tuple, dict[str, Any]] = field(default_factory=OrderedDict)
    _answers: list[Answers | None] = field(default_factory=list)

    @classmethod
    def load(cls, spec: StoreSpec) -> WorkerState:
        if spec.database is not None:
            store = Store.read_only(spec.database)
        else:
            store = Store()
            if spec.snapshot is not None:
                store.load(path=spec.snapshot, format=RdfFormat.N_QUADS)
        return cls(store, spec, ld.Labels(store), Documents())

    @property
    def catalogue(self) -> dict[str, CannedQuery]:
        """The canned queries, read on first use (checking them all takes a few tenths of a
        second, which a worker would otherwise spend before it can answer anything)."""
        if self._catalogue is None:
            self._catalogue = catalogue_module.load_catalogue(self.spec.queries_dir)
        return self._catalogue

    def prepare(self, text: str) -> sparql.PreparedQuery:
        """kg.sparql.prepare.prepare, remembered for the texts seen last (clients repeat
        queries)."""
        prepared = self._prepared.get(text)
        if prepared is None:
            prepared = sparql.prepare(text)
            self._prepared[text] = prepared
            if len(self._prepared) > _PREPARED_CACHE:
                self._prepared.popitem(last=False)
        else:
            self._prepared.move_to_end(text)
        return prepared

    def canned(self, name: str) -> CannedQuery:
        """The canned query of that name: from the catalogue when it has been read, else read
        alone (and remembered). Why: checking the whole catalogue took a third of a
        fresh worker's time for a canned page whose answer is kept (kg.server.answers)."""
        if self._catalogue is not None:
            query = self._catalogue.get(name)
            if query is None:
                raise UnknownQuery(f"no canned query named {name!r}")
            return query
        query = self._queries.get(name)
        if query is None:
            query = catalogue_module.find_query(name, self.spec.queries_dir)  # or UnknownQuery
            self._queries[name] = query
        return query

    def evaluate(self, name: str, params: dict[str, str]) -> results.QueryResult:
        """A canned query's answer as the engine gives it (lazy, no quotes), with the
        parameters' terms remembered (resolving a label scans every label of the graph, and the
        graph does not change while it is served)."""
        query = self.canned(name)
        key = (name, tuple(sorted(params.items())))
        terms = self._terms.get(key)
        if terms is None:
            terms = catalogue_module.bind_params(self.store, query, params)
            self._terms[key] = terms
            if len(self._terms) > _PREPARED_CACHE:
                self._terms.popitem(last=False)
        else:
            self._terms.move_to_end(key)
        prepared = query.prepared or sparql.prepare(query.text)
        return sparql.execute(
            self.store,
            prepared,
            substitutions=terms,
            scope=catalogue_module.widest(query.scope, None),
        )

    @property
    def answers(self) -> Answers | None:
        """The answers kept beside the persistent store (:mod:`kg.server.answers`); None for
        a store in memory, which is loaded anew on every start."""
        if not self._answers:
            database = self.spec.database
            self._answers.append(
                Answers.of_store(Path(database).parent) if database is not None else None
            )
        return self._answers[0]

    def answer(self, name: str, params: dict[str, str]) -> Evaluated | results.QueryResult:
        """A canned SELECT's whole answer within the row limit as SPARQL TSV: the one kept
        beside the store for these parameters (:mod:`kg.server.answers`), else evaluated now
        and kept; any other answer (ASK, CONSTRUCT, a SERVICE call) as the engine gives it.
        Past the limit, RowLimitExceeded (kept too: the same parameters are refused at once).

        Why kept: at 1M statements a canned query's evaluation takes seconds and its answer
        does not change while the store does not; a server started later reads it."""
        query = self.canned(name)
        prepared = query.prepared or self.prepare(query.text)
        kept = self.answers if prepared.form == "SELECT" and not prepared.uses_service else None
        key = kept.key(query, params) if kept is not None else None
        if kept is not None and key is not None:
            found = kept.read(key)
            if found is not None:
                limit = self.spec.row_limit
                if found.tsv is None:
                    assert found.over is not None
                    if limit <= found.over:
                        raise RowLimitExceeded(limit)
                elif found.rows > limit:
                    raise RowLimitExceeded(limit)
                else:
                    return Evaluated(prepared.form, found.tsv)
        result = self.evaluate(name, params)
        if not isinstance(result.raw, QuerySolutions):
            return result
        try:
            tsv = bounded_tsv(result, self.spec.row_limit)
        except RowLimitExceeded:
            if kept is not None and key is not None:
                kept.write(key, Kept(None, over=self.spec.row_limit))
            raise
        if kept is not None and key is not None:
            kept.write(key, Kept(tsv))
        return Evaluated(result.form, tsv, result.uses_service)

    def run_canned(self, name: str, params: dict[str, str]) -> results.QueryResult:
        """kg.sparql.catalogue.execute_canned, with the parameters' terms remembered (resolving
        a label scans every label of the graph, and the graph does not change while it is
        served), the answer kept beside the store (:meth:`answer`) and the row limit applied
        before the quotes are added: adding them reads the whole answer, so a limit applied
        after would let an answer of any size be evaluated first. Past the limit the
        evaluation stops (RowLimitExceeded)."""
        found = self.answer(name, params)
        result = (
            found.result() if isinstance(found, Evaluated) else bounded(found, self.spec.row_limit)
        )
        return quotes.add_quotes(self.store, result, self.documents)


def _run(
    state: WorkerState,
    text: str,
    default_graphs: Sequence[str] | None,
    named_graphs: Sequence[str] | None,
    scope: str = scopes.DOCUMENTS,
) -> results.QueryResult:
    return sparql.execute(
        state.store,
        state.prepare(text),
        default_graphs=default_graphs,
        named_graphs=named_graphs,
        union_default_graph=state.spec.union_default_graph,
        scope=scope,
    )


def table(result: results.QueryResult, row_limit: int, label_of: Callable[[str], Any]) -> Table:
    """A result as a Table of cells, refusing it past the row limit (never cut short)."""
    raw = result.raw
    if isinstance(raw, QueryBoolean):
        return Table(result.form, boolean=bool(raw))
    rows = []
    try:
        if isinstance(raw, QuerySolutions):
            variables = raw.variables
            columns = tuple(v.value for v in variables)
            for count, solution in enumerate(raw, start=1):
                if count > row_limit:
                    raise RowLimitExceeded(row_limit)
                rows.append(
                    tuple(
                        None if solution[v] is None else cell(solution[v], label_of)
                        for v in variables
                    )
                )
        else:
            columns = ("subject", "predicate", "object")
            triples = []
            for count, triple in enumerate(raw, start=1):
                if count > row_limit:
                    raise RowLimitExceeded(row_limit, "triples")
                triples.append(triple)
            triples.sort(key=str)
            rows = [
                tuple(cell(t, label_of) for t in (x.subject, x.predicate, x.object))
                for x in triples
            ]
    except (OSError, RuntimeError) as error:
        from kg.errors import KgError

        raise KgError(f"query evaluation failed: {error}") from None
    return Table(result.form, columns, tuple(rows))


# --- tasks -----------------------------------------------------------------------------------


def ping(state: WorkerState) -> int:
    """Statements in the store: a liveness check with an answer that can be tested."""
    return len(state.store)


def summary(state: WorkerState) -> tuple[list[str], int]:
    """The named graphs (sorted IRIs) and the number of statements: what the server shows
    about the dataset, asked of a worker so that the server process never opens the store
    (listing and counting a 1M-triple RocksDB store leaves ~60 MB of caches behind)."""
    graphs = sorted(g.value for g in scopes.source_graphs(state.store) if hasattr(g, "value"))
    return graphs, scopes.source_quads(state.store)  # the query graphs left out (kg.load.scope)


def run_sparql(
    state: WorkerState,
    text: str,
    fmt: str,
    default_graphs: Sequence[str] | None = None,
    named_graphs: Sequence[str] | None = None,
    scope: str = scopes.DOCUMENTS,
) -> bytes:
    """An ad-hoc query's complete answer in a result format of kg.sparql.results, with the
    default graph of ``scope`` (kg.load.scope)."""
    result = _run(state, text, default_graphs, named_graphs, scope)
    at_most = solutions_at_most(state.prepare(text))  # a LIMIT within the row limit: no count
    return serialize_bounded(result, fmt, state.spec.row_limit, at_most=at_most)


def answer_sparql(
    state: WorkerState,
    text: str,
    format_param: str | None,
    accept: str | None,
    default_graphs: Sequence[str] | None = None,
    named_graphs: Sequence[str] | None = None,
    scope: str = scopes.DOCUMENTS,
) -> tuple[str, bytes]:
    """A request to the SPARQL endpoint, from the query text on: check it
    (:func:`kg.sparql.prepare.prepare`, remembered per text), choose the format its form allows
    (the ``format`` parameter, else ``Accept``; 406 when none fits), run it within the row limit
    and serialise it. Returns the media type and the body.

    Why all of it here and not the checking in the server process: checking a query can take as
    long as running it (an 80 KB UNION of 3,000 branches: tens of seconds), and only work done in
    a worker is stopped at the request's time limit."""
    prepared = state.prepare(text)
    offers = conneg.GRAPH_OFFERS if prepared.returns_graph else conneg.RESULT_OFFERS
    fmt = conneg.choose(format_param, accept, offers)
    if fmt is None:
        asked = format_param or accept
        raise refuse(
            406,
            "not acceptable",
            f"a {prepared.form} result cannot be given as {asked!r}; available: "
            + ", ".join(conneg.media_type(o).split(";")[0] for o in offers),
        )
    return conneg.media_type(fmt), run_sparql(state, text, fmt, default_graphs, named_graphs, scope)


def sparql_table(
    state: WorkerState,
    text: str,
    default_graphs: Sequence[str] | None = None,
    named_graphs: Sequence[str] | None = None,
) -> Table:
    """An ad-hoc query's answer as a table for the query editor page, with the quote of each
    passage it cites (as canned answers have them: :mod:`kg.sparql.quotes`)."""
    result = _run(state, text, default_graphs, named_graphs)
    if isinstance(result.raw, QuerySolutions) and quotes.quote_columns(
        [v.value for v in result.raw.variables]
    ):
        result = quotes.add_quotes(
            state.store, bounded(result, state.spec.row_limit), state.documents
        )
    return table(result, state.spec.row_limit, state.labels)


def run_canned(state: WorkerState, name: str, params: dict[str, str], fmt: str) -> bytes:
    """A canned query's complete answer (parameters as a person typed them)."""
    result = state.run_canned(name, params)
    return serialize_bounded(result, fmt, state.spec.row_limit)


def canned_table(state: WorkerState, name: str, params: dict[str, str]) -> Table:
    """A canned query's answer as a table for its page."""
    result = state.run_canned(name, params)
    return table(result, state.spec.row_limit, state.labels)


def describe(state: WorkerState, iri: str) -> ld.Description | None:
    """What a page shows about an IRI, or None when the graph does not mention it."""
    return ld.describe(state.store, iri, state.labels, state.documents)


def describe_rdf(state: WorkerState, iri: str, fmt: str) -> bytes | None:
    """The RDF description of an IRI in one of :data:`kg.server.ld.RDF_FORMATS`."""
    return ld.describe_rdf(state.store, iri, fmt, row_limit=state.spec.row_limit)


def dataset_overview(
    state: WorkerState, known: overview.Overview | None = None
) -> overview.Overview:
    """What the home page shows: classes, counts, sources and licences. ``known``: the same
    computed earlier for this store (``kg.server.app.PageCache``), of which only whether each
    source document is on this machine is asked again."""
    if known is not None:
        return overview.with_documents(known, state.documents)
    return overview.overview(state.store, state.labels, state.documents)


def export_dataset(state: WorkerState, fmt: str) -> bytes:
    """The whole dataset as ``kg export`` writes it (asserted graphs) in format ``fmt``."""
    out = io.BytesIO()
    export.serialize_store(state.store, out, fmt)
    return out.getvalue()


def canned_views(
    state: WorkerState, name: str, params: dict[str, str]
) -> tuple[Table, dict[str, Any]]:
    """A canned query's table and the views that fit it (:mod:`kg.server.visual`)."""
    return _with_views(state, name, state.run_canned(name, params))


def _with_views(
    state: WorkerState, name: str, result: results.QueryResult
) -> tuple[Table, dict[str, Any]]:
    made = table(result, state.spec.row_limit, state.labels)
    declared = [p.name for p in state.canned(name).params]
    return made, visual.table_views(state.store, made, declared)


@dataclass(frozen=True)
class Evaluated:
    """A canned SELECT answer as the engine gave it, within the row limit, as SPARQL TSV (what
    :func:`kg.server.limits.bounded` holds): handed from the worker that made the answer's first
    page (:func:`canned_head`) to the one that makes the rest (:func:`canned_views_of`), so the
    query is evaluated once."""

    form: str
    tsv: bytes
    uses_service: bool = False

    def result(self) -> results.QueryResult:
        """The answer as :func:`kg.server.limits.bounded` gives it: parsed back from the TSV,
        which it holds."""
        raw = parse_query_results(self.tsv, format=QueryResultsFormat.TSV)
        return results.QueryResult(self.form, raw, uses_service=self.uses_service, tsv=self.tsv)


def canned_views_of(
    state: WorkerState, name: str, evaluated: Evaluated
) -> tuple[Table, dict[str, Any]]:
    """:func:`canned_views` of an answer evaluated already (:func:`canned_head`): the same
    quotes, cells and views, made from the same solutions."""
    raw = parse_query_results(evaluated.tsv, format=QueryResultsFormat.TSV)
    result = results.QueryResult(evaluated.form, raw, uses_service=evaluated.uses_service)
    return _with_views(state, name, quotes.add_quotes(state.store, result, state.documents))


def canned_head(
    state: WorkerState, name: str, params: dict[str, str], number: int, size: int
) -> tuple[Table, Evaluated] | tuple[Table, dict[str, Any]]:
    """Page ``number`` of ``size`` rows of a canned answer (:func:`canned_part`) and the
    evaluated answer, from which :func:`canned_views_of` makes the rest and
    :func:`canned_part` other pages; an answer that is not a SELECT's comes whole, with its
    views, as from :func:`canned_views`.

    Why: at 1M statements the cells, quotes and views of a 5,725-row answer took longer than
    evaluating it, and the first page shows 100 rows."""
    found = state.answer(name, params)  # kept beside the store, or evaluated now
    if not isinstance(found, Evaluated):
        whole = bounded(found, state.spec.row_limit)
        return _with_views(state, name, quotes.add_quotes(state.store, whole, state.documents))
    return canned_part(state, name, found, number, size), found


def canned_part(
    state: WorkerState, name: str, evaluated: Evaluated, number: int, size: int
) -> Table:
    """Page ``number`` of ``size`` rows (the last when there are fewer pages) of an evaluated
    canned answer as its page shows it, before the rest of the answer is made: the quotes and
    cells of the page's rows only, and of the whole answer only what the page says of it — how
    many rows, which columns are folded (:func:`kg.server.views.fold`, which asks of the rows
    only until it knows), the values of the parameter columns (:meth:`Table.distinct`). The
    same page as the whole answer's (:func:`canned_views_of`) gives."""
    raw = parse_query_results(evaluated.tsv, format=QueryResultsFormat.TSV)
    assert isinstance(raw, QuerySolutions)  # TSV is for solutions only
    names = [v.value for v in raw.variables]
    try:
        rows = list(raw)  # solutions, whose terms are read only where asked
    except (OSError, RuntimeError) as error:
        from kg.errors import KgError

        raise KgError(f"query evaluation failed: {error}") from None
    cited = quotes.quote_columns(names)
    # each column of the page: (the answer's column, whether it is that column's quote)
    sources: list[tuple[int, bool]] = []
    columns: list[str] = []
    for i, v in enumerate(names):
        sources.append((i, False))
        columns.append(v)
        if v in cited:
            sources.append((i, True))
            columns.append(cited[v])
    quoter = quotes.Quoter(state.store, state.documents)
    passage_at = [names.index(v) for v in cited]

    def quoted(selected: Sequence[Any]) -> dict[str, str | None]:
        """The quotes of the passages these rows cite (as quotes.add_quotes finds them)."""
        return quoter.quotes(
            {
                t.value
                for row in selected
                for i in passage_at
                if isinstance(t := row[i], NamedNode) and t.value.startswith(PASSAGE)
            }
        )

    def term(row: Any, j: int, texts: dict[str, str | None]) -> Any:
        i, quote = sources[j]
        t = row[i]
        if not quote:
            return t
        text = texts.get(t.value) if isinstance(t, NamedNode) else None
        return None if text is None else Literal(text)

    def offsets(j: int) -> bool:
        texts = quoted(rows) if sources[j][1] else {}
        values = [t for row in rows if (t := term(row, j, texts)) is not None]
        return bool(values) and all(
            isinstance(t, Literal) and t.value.lstrip("-").isdigit() for t in values
        )

    def labelled(j: int) -> bool:
        if sources[j][1]:  # a quote is a plain string: no note
            return False
        i = sources[j][0]
        return any(
            t is not None and cell(t, state.labels).note is not None
            for t in (row[i] for row in rows)
        )

    total = len(rows)
    offset = (page_number(number, size, total) - 1) * size
    page = rows[offset : offset + size]
    texts = quoted(page) if cited else {}
    cells = tuple(
        tuple(
            None if (t := term(row, j, texts)) is None else cell(t, state.labels)
            for j in range(len(columns))
        )
        for row in page
    )
    if quoter.missing:
        warnings.warn(QuotesUnavailable(quotes.unavailable(quoter.missing)), stacklevel=2)
    constants = []
    for p in state.canned(name).params:
        if p.name not in names:
            continue
        at = names.index(p.name)
        seen: list[Any] = []
        for row in rows:
            if row[at] not in seen:
                seen.append(row[at])
                if len(seen) == 2:  # two are as many as a page asks (one value, or not)
                    break
        constants.append(
            (p.name, tuple(None if t is None else cell(t, state.labels) for t in seen))
        )
    return Table(
        evaluated.form,
        tuple(columns),
        cells,
        total=total,
        offset=offset,
        headers=tuple(fold(tuple(columns), offsets, labelled)),
        constants=tuple(constants),
    )


def sparql_views(state: WorkerState, text: str) -> tuple[Table, dict[str, Any]]:
    """An editor query's table and the views that fit it."""
    result = sparql_table(state, text)
    return result, visual.table_views(state.store, result)


def describe_views(state: WorkerState, iri: str) -> tuple[ld.Description, dict[str, Any]] | None:
    """An entity's page data and its map, timeline and neighbourhood graph."""
    description = describe(state, iri)
    if description is None:
        return None
    return description, visual.entity_views(state.store, description)


def ontology_doc(state: WorkerState) -> ontodoc.OntologyDoc:
    """The ontology documentation page (:mod:`kg.server.ontodoc`)."""
    return ontodoc.document(state.store, state.labels)


def vocabulary(state: WorkerState) -> list[dict[str, str]]:
    """What the SPARQL editor completes: prefixes, classes and properties."""
    return ontodoc.vocabulary(state.store, state.labels)


def default_answers(state: WorkerState) -> list[str]:
    """Evaluate and keep beside the store (:meth:`WorkerState.answer`) the answer of each
    canned SELECT with its default parameters, what its page shows first: ``kg build`` does
    it, so that a server's first evaluation of a canned page reads it. Returns the names of the
    queries evaluated (an answer kept already is not evaluated again).

    Left out: a query whose default parameters name an entity. Its answer is about that entity
    (a lookup: well under a second at 1M statements), and binding a default given as a label
    that names nothing in the data (a label of the repository's data, on other data) compares
    it with every label of the store, seconds at 1M. A server keeps its answer when a page
    first evaluates it. An answer past the row limit is kept as that fact; one whose
    parameters do not bind is not kept."""
    from kg.errors import KgError

    kept = state.answers
    if kept is None or kept.identity is None:
        return []
    done = []
    for name, query in sorted(state.catalogue.items()):
        if any(p.type == "entity" and p.default is not None for p in query.params):
            continue
        prepared = query.prepared or state.prepare(query.text)
        if prepared.form != "SELECT" or prepared.uses_service:
            continue
        key = kept.key(query, {})
        if key is None or kept.read(key) is not None:
            continue
        with contextlib.suppress(KgError):  # past the row limit (kept as such), or unbound
            state.answer(name, {})
        done.append(name)
    return done


# What the home, ontology and editor pages summarise: the whole store, seconds at 1M statements,
# so computed once per store (``kg build``, or a server's first start) and kept beside it.
PAGE_SUMMARIES: dict[str, Callable[[WorkerState], Any]] = {
    "overview": dataset_overview,
    "ontology": ontology_doc,
    "vocabulary": vocabulary,
}
# What ``kg build`` keeps beside the store: those, and the named graphs and statement count the
# server shows (``summary``: about a second of a worker at 1M statements, which every server
# start spent beside its first requests).
KEPT_SUMMARIES: dict[str, Callable[[WorkerState], Any]] = {**PAGE_SUMMARIES, "summary": summary}
