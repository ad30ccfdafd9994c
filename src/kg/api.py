"""The public Python API of kg: the names :data:`kg.__all__` lists, and the one the ``kg``
command itself calls.

Why a module of its own: the stages below (:mod:`kg.load`, :mod:`kg.sparql`,
:mod:`kg.validation`, :mod:`kg.export`, :mod:`kg.draft`) are free to change shape as they are
optimised; this module is the small surface that does not. It holds no logic of its own: every
function is the call the CLI makes, so a notebook and ``kg query … --format csv`` get the same
answer, byte for byte. Everything not in ``kg.__all__`` is private, whatever its name.

Typical use::

    import kg

    graph = kg.open_dataset()                          # the repository's data
    answer = graph.query("list-participants-by-forum", forum="EuroDIG")
    answer.columns, answer.rows[0]                     # column labels, Python values
    answer.to_dataframe()                              # with pandas installed
"""

from __future__ import annotations

import datetime
import io
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    QueryResultsFormat,
    QuerySolutions,
    Triple,
    parse_query_results,
)

from kg.errors import InputError, KgError, KgWarning, QuotesUnavailable
from kg.load import scope as scopes
from kg.namespaces import XSD_INTEGER_TYPES

# The query machinery (kg.sparql: the catalogue, the checks, the answers' formats) is imported
# where it is used, not here: opening a dataset (:func:`open_dataset`) needs kg.load only.
if TYPE_CHECKING:
    import pandas
    import rdflib

    from kg.api_records import Citation, Exported, Finding, ValidationReport
    from kg.sparql import catalogue
    from kg.sparql.prepare import PreparedQuery
    from kg.sparql.results import QueryResult

__all__ = [
    "Answer",
    "Citation",
    "Dataset",
    "Exported",
    "Finding",
    "KgError",
    "KgWarning",
    "Param",
    "Query",
    "QuotesUnavailable",
    "ValidationReport",
    "cite",
    "export_graph",
    "get_query",
    "open_dataset",
    "queries",
    "validate",
]

PathLike = str | Path

# What validate, export_graph and cite return: public names of this module, defined in
# kg.api_records and imported on first use (PEP 562), so that importing kg.api — every cold
# `kg query` does — does not build four dataclasses it does not use (~1 ms each).
_RECORDS = ("Citation", "Exported", "Finding", "ValidationReport")


def __getattr__(name: str) -> Any:
    if name in _RECORDS:
        from kg import api_records

        return getattr(api_records, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# --- the catalogue ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Param:
    """A parameter of a canned query, as its ``#+ params:`` header line declares it.

    Attributes:
        name: the keyword to pass to :meth:`Dataset.query`.
        type: ``entity``, ``iri``, ``string`` or an XSD type such as ``xsd:gYear``.
        cls: for an entity, the class (a CURIE) its label is looked up among, if any.
        default: the value used when none is given (None: the variable stays unbound).
        description: what it is, in words.
    """

    name: str
    type: str
    cls: str | None
    default: str | None
    description: str
    _param: catalogue.Param = field(repr=False, compare=False)

    def __str__(self) -> str:
        """``forum: entity kg:Initiative = EuroDIG``, as ``kg queries`` shows it."""
        return self._param.describe()


@dataclass(frozen=True)
class Query:
    """A canned query of the catalogue (``queries/*.rq``): its header, and its form.

    Attributes:
        name: the file's name without ``.rq``, as given to :meth:`Dataset.query`.
        summary: one line saying what it answers.
        description: more words, when the header has them.
        tags: the header's tags.
        competency: the competency questions it answers (``CQ1`` …).
        params: its parameters, in header order.
        scope: ``documents``, or ``all`` when the external open data answers too.
        form: ``SELECT``, ``ASK``, ``CONSTRUCT`` or ``DESCRIBE``.
    """

    name: str
    summary: str
    description: str
    tags: tuple[str, ...]
    competency: tuple[str, ...]
    params: tuple[Param, ...]
    scope: str
    form: str
    _canned: catalogue.CannedQuery = field(repr=False, compare=False)

    def as_dict(self) -> dict[str, Any]:
        """The header as plain data (what ``kg queries --format json`` prints)."""
        return self._canned.as_dict()


def _query(canned: catalogue.CannedQuery) -> Query:
    assert canned.prepared is not None  # load_query prepares every query it returns
    return Query(
        name=canned.name,
        summary=canned.summary,
        description=canned.description,
        tags=canned.tags,
        competency=canned.competency,
        params=tuple(
            Param(p.name, p.type, p.cls, p.default, p.description, p) for p in canned.params
        ),
        scope=canned.scope,
        form=canned.prepared.form,
        _canned=canned,
    )


def queries(folder: PathLike | None = None) -> list[Query]:
    """The canned queries, sorted by name (the repository's ``queries/`` by default).

    Raises:
        InputError: a query file's header or text is malformed (names the file and line).
    """
    from kg.sparql import catalogue

    return [_query(q) for q in catalogue.load_catalogue(folder).values()]


def get_query(name: str, folder: PathLike | None = None) -> Query:
    """The canned query of that name.

    Raises:
        KgError: no such query (the message lists the closest names), or its file is
            malformed.
    """
    from kg.sparql import catalogue

    return _query(catalogue.find_query(name, folder))


# --- answers -------------------------------------------------------------------------------

_XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGERS = {_XSD + t for t in ("integer", *XSD_INTEGER_TYPES)}


def _python_value(term: Any) -> Any:
    """A term as a plain Python value where one fits its datatype, else as an rdflib term."""
    if term is None:
        return None
    if isinstance(term, Literal):
        datatype = term.datatype.value
        text = term.value
        try:
            if term.language or datatype == _XSD + "string":
                return text
            if datatype in _INTEGERS or (datatype == _XSD + "gYear" and text.lstrip("-").isdigit()):
                return int(text)
            if datatype == _XSD + "decimal":
                return _decimal(text)
            if datatype in (_XSD + "double", _XSD + "float"):
                return float(text)
            if datatype == _XSD + "boolean" and text in ("true", "false", "1", "0"):
                return text in ("true", "1")
            if datatype == _XSD + "date":
                return datetime.date.fromisoformat(text)
            if datatype == _XSD + "dateTime":
                return datetime.datetime.fromisoformat(text)
        except ValueError:
            pass  # not a valid lexical form: the term, as it is
    return _rdflib_term(term)


def _decimal(text: str) -> Any:
    """An ``xsd:decimal`` as a Decimal (ValueError when it is not one). The decimal module is
    imported here, when an answer first holds one, not on every cold ``kg query``."""
    from decimal import Decimal, InvalidOperation

    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError(text) from None


def _rdflib_term(term: Any) -> Any:
    """The rdflib term for a pyoxigraph term (lexical forms kept exactly as they are)."""
    import rdflib

    if term is None:
        return None
    if isinstance(term, NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, BlankNode):
        return rdflib.BNode(term.value)
    if isinstance(term, Literal):
        if term.language:
            return rdflib.Literal(term.value, lang=term.language)
        datatype = rdflib.URIRef(term.datatype.value)
        return rdflib.Literal(term.value, datatype=datatype, normalize=False)
    if isinstance(term, Triple):
        return (
            _rdflib_term(term.subject),
            _rdflib_term(term.predicate),
            _rdflib_term(term.object),
        )
    raise KgError(f"cannot convert the term {term!r}")


class Answer:
    """The answer to one query: column labels and rows, or a boolean (ASK), or triples
    (CONSTRUCT, DESCRIBE).

    Rows hold Python values: an IRI or a blank node as an rdflib term (``URIRef``, ``BNode``),
    a literal as the plain value its datatype names (``str``, ``int``, ``Decimal``,
    ``float``, ``bool``, ``datetime.date``; an ``xsd:gYear`` as an ``int``), any other
    literal as an ``rdflib.Literal``; an unbound variable as None. :attr:`terms` has the exact
    RDF terms. A canned query's answer carries a ``quote`` column beside each passage column
    (:attr:`passages`, :attr:`quotes`).

    The answer is read from the engine once, when it is first looked at; after that it can be
    looked at and serialised any number of times.
    """

    def __init__(self, result: QueryResult) -> None:
        self._result: QueryResult | None = result
        self.form: str = result.form
        """``SELECT``, ``ASK``, ``CONSTRUCT`` or ``DESCRIBE``."""
        self._columns = (
            ["subject", "predicate", "object"] if result.kind == "graph" else result.variables
        )
        self._json: bytes | None = None  # a SELECT answer, read: SPARQL JSON results
        self._triples: list[Triple] | None = None  # a graph answer, read
        self._boolean: bool | None = bool(result.raw) if result.kind == "boolean" else None
        self._rows: list[tuple[Any, ...]] | None = None
        self._streamed = False  # written by write() as the engine produced it: gone

    # reading, once

    def _read(self) -> None:
        if self._streamed:
            raise KgError("this answer was streamed by write(); run the query again to read it")
        result = self._result
        if result is None:
            return
        self._result = None
        if result.kind == "solutions":
            from kg.sparql import results as answers

            assert isinstance(result.raw, QuerySolutions)
            self._json = answers.serialize(result, "json")
        elif result.kind == "graph":
            try:
                self._triples = list(result.raw)  # type: ignore[arg-type]
            except (OSError, RuntimeError) as error:
                raise KgError(f"query evaluation failed: {error}") from None

    def _again(self) -> QueryResult:
        """A fresh engine result holding this answer, for the engine's serialisers."""
        from kg.sparql.results import QueryResult

        if self._result is not None:
            return self._result
        if self._boolean is not None:
            document = b'{"head":{},"boolean":%s}' % (b"true" if self._boolean else b"false")
            raw = parse_query_results(document, QueryResultsFormat.JSON)
            return QueryResult(self.form, raw)
        if self._json is not None:
            return QueryResult(self.form, parse_query_results(self._json, QueryResultsFormat.JSON))
        return QueryResult(self.form, list(self._triples or []))  # type: ignore[arg-type]

    def _solutions(self) -> Iterator[tuple[Any, ...]]:
        self._read()
        if self._json is not None:
            raw = parse_query_results(self._json, QueryResultsFormat.JSON)
            assert isinstance(raw, QuerySolutions)
            for solution in raw:
                yield tuple(solution[v] for v in self._columns)
        elif self._triples is not None:
            for t in self._triples:
                yield (t.subject, t.predicate, t.object)

    # what a user looks at

    @property
    def columns(self) -> list[str]:
        """The column labels, in projection order (``subject``, ``predicate``, ``object`` for
        a graph; none for ASK)."""
        return list(self._columns)

    @property
    def boolean(self) -> bool | None:
        """The answer to an ASK query; None for the other forms."""
        return self._boolean

    @property
    def rows(self) -> list[tuple[Any, ...]]:
        """The rows as tuples of Python values (see the class docstring)."""
        if self._rows is None:
            self._rows = [tuple(_python_value(t) for t in row) for row in self._solutions()]
        return list(self._rows)

    @property
    def terms(self) -> list[tuple[Any, ...]]:
        """The rows as tuples of rdflib terms (``URIRef``, ``BNode``, ``Literal`` with its
        exact lexical form), None for unbound."""
        return [tuple(_rdflib_term(t) for t in row) for row in self._solutions()]

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        """Each row as a dict from column label to Python value."""
        for row in self.rows:
            yield dict(zip(self._columns, row, strict=True))

    @property
    def passages(self) -> list[str]:
        """The IRIs of the passages the answer cites, in order of first appearance."""
        return list(self.quotes)

    @property
    def quotes(self) -> dict[str, str | None]:
        """Passage IRI → the passage's text, quoted from the local copy of the source
        document (None when it is not available: a :class:`QuotesUnavailable` warning then
        said where kg looked)."""
        from kg.sparql import quotes as quoting
        from kg.sparql import results as answers

        pairs = [
            (self._columns.index(p), self._columns.index(q))
            for p, q in quoting.quote_columns(
                [c for c in self._columns if not answers.is_quote_column(c)]
            ).items()
            if q in self._columns
        ]
        found: dict[str, str | None] = {}
        for row in self.rows:
            for p, q in pairs:
                passage = row[p]
                if passage is not None and str(passage) not in found:
                    found[str(passage)] = row[q]
        return found

    def graph(self) -> rdflib.Graph:
        """A CONSTRUCT or DESCRIBE answer as an ``rdflib.Graph`` (kg's prefixes bound).

        Raises:
            KgError: the answer is not a graph.
        """
        if self.form not in ("CONSTRUCT", "DESCRIBE"):
            raise KgError(f"a {self.form} answer is not a graph; graph() is for CONSTRUCT")
        import rdflib

        from kg.namespaces import PREFIXES

        g = rdflib.Graph()
        for prefix, namespace in PREFIXES.items():
            g.bind(prefix, namespace, override=True)
        for row in self._solutions():
            g.add(tuple(_rdflib_term(t) for t in row))
        return g

    def to_dataframe(self) -> pandas.DataFrame:
        """The rows as a pandas DataFrame, one column per label (needs pandas:
        ``pip install 'kg[pandas]'``).

        Raises:
            ImportError: pandas is not installed.
        """
        try:
            import pandas
        except ImportError:
            raise ImportError(
                "Answer.to_dataframe() needs pandas, an optional dependency of kg: "
                "pip install 'kg[pandas]' (or pip install pandas)"
            ) from None
        return pandas.DataFrame(self.rows, columns=self.columns)

    def serialize(self, format: str | None = None) -> bytes:
        """The answer in one of the CLI's ``--format`` choices (``csv``, ``tsv``, ``json``,
        ``xml``, ``table``; ``turtle``, ``ntriples`` … for graphs), the same bytes as
        ``kg query``/``kg sparql --format`` write. Default: a table, or Turtle for a graph.

        Raises:
            InputError: the format does not fit the answer's form.
        """
        from kg.sparql import results as answers

        chosen = answers.check_format(self.form, format)
        self._read()
        return answers.serialize(self._again(), chosen)

    def write(self, out: IO[bytes], format: str | None = None) -> None:
        """Write the answer to a binary stream; an answer not looked at yet streams from the
        engine (CSV, TSV, JSON, XML, N-Triples), so memory stays flat however large it is."""
        from kg.sparql import results as answers

        chosen = answers.check_format(self.form, format)
        if self._result is not None:
            result, self._result = self._result, None
            self._streamed = self._boolean is None  # a boolean is kept; rows are gone
            answers.write(result, chosen, out)
            return
        self._read()
        out.write(answers.serialize(self._again(), chosen))

    def __repr__(self) -> str:
        if self._boolean is not None:
            return f"<Answer {self.form} {self._boolean}>"
        return f"<Answer {self.form} {len(self.rows)} rows: {', '.join(self._columns)}>"


# --- the dataset ---------------------------------------------------------------------------


def _paths(paths: PathLike | Sequence[PathLike] | None) -> list[Path] | None:
    if paths is None:
        return None
    if isinstance(paths, str | Path):
        return [Path(paths)]
    return [Path(p) for p in paths] or None


def _param_text(name: str, value: Any) -> str:
    """A keyword parameter as the text a user would type after ``-p name=``: strings as they
    are, IRIs (rdflib or pyoxigraph) as ``<…>``, numbers, booleans and dates in XSD form."""
    if isinstance(value, str):
        return value
    if isinstance(value, NamedNode):
        return f"<{value.value}>"
    if isinstance(value, bool):
        return "true" if value else "false"
    decimal = sys.modules.get("decimal")  # a Decimal value means the module is imported
    if isinstance(value, int | float) or (decimal and isinstance(value, decimal.Decimal)):
        return str(value)
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value.isoformat()
    if type(value).__name__ == "URIRef":  # rdflib, not imported unless used
        return f"<{value}>"
    raise InputError(f"parameter '{name}': cannot use a {type(value).__name__} as a value")


class Dataset:
    """The graph a query runs on: local data (in memory or the persistent store) or a remote
    SPARQL endpoint, in one scope. Made by :func:`open_dataset`; ``Dataset(store)`` wraps a
    ``pyoxigraph.Store`` loaded some other way (kg computes its query graphs into the store's
    default graph on the first query, see *Sources and scopes*)."""

    def __init__(
        self, store: Any, *, with_external: bool = False, endpoint: str | None = None
    ) -> None:
        self._store = store
        self.with_external: bool = with_external
        """Whether the external open data answers too (the CLI's ``--with-external``)."""
        self.endpoint: str | None = endpoint
        """The SPARQL endpoint queried, or None for local data."""

    @property
    def store(self) -> Any:
        """The store answering: a ``pyoxigraph.Store`` for local data (for what the API does
        not offer; its interface is pyoxigraph's), a client object for an endpoint."""
        return self._store

    @property
    def scope(self) -> str:
        """``all`` with the external open data, else ``documents``."""
        return scopes.ALL if self.with_external else scopes.DOCUMENTS

    def query(self, name: str | Query, /, **params: Any) -> Answer:
        """Run a canned query with keyword parameters, as ``kg query NAME -p k=v`` does.

        An entity parameter takes an IRI, a CURIE (``"id:PL"``) or a label (``"Poland"``,
        case-insensitive), resolved on this dataset exactly as the CLI resolves it; other
        values may be Python values (``year=2021``). The answer quotes each passage it cites.

        Raises:
            KgError: no such query, an unknown or ill-typed parameter, a label that names no
                entity or several (the message lists the candidates).
        """
        from kg.sparql import catalogue

        canned = name._canned if isinstance(name, Query) else catalogue.find_query(name)
        values = {k: _param_text(k, v) for k, v in params.items()}
        asked = scopes.ALL if self.with_external else None
        return Answer(catalogue.run_canned(self._store, canned, values, scope=asked))

    def sparql(self, query: str | PreparedQuery, *, allow_service: bool = False) -> Answer:
        """Run a SPARQL query (SELECT, ASK, CONSTRUCT, DESCRIBE), as ``kg sparql`` does: the
        project's prefixes are declared; updates, LOAD and (unless allowed) SERVICE are
        refused. A query already checked by ``kg.sparql.prepare`` (as the CLI does, inside its
        time limit) is run as it is, not checked twice: checking a large query can take as long
        as running it.

        Raises:
            KgError: the query is malformed (with its line and column) or refused.
        """
        from kg.sparql import prepare

        if isinstance(query, str):
            query = prepare.prepare(query, allow_service=allow_service)
        return Answer(prepare.execute(self._store, query, scope=self.scope))

    def rdflib(self) -> rdflib.Dataset:
        """The local data as an ``rdflib.Dataset`` on the same store, not a copy, through
        `oxrdflib` (``pip install 'kg[rdflib]'``): for code written for rdflib. Its SPARQL
        runs on Oxigraph (``bench/rdflib_interop.py``: wrapping takes no time, and a query
        runs about a hundred times faster than on a copy in rdflib's own store). Its default
        graph is this dataset's documents scope; named graphs are the passages and sources.

        Raises:
            KgError: the dataset is a remote endpoint.
            ImportError: oxrdflib is not installed.
        """
        if self.endpoint is not None:
            raise KgError("rdflib() is for local data; query the endpoint with sparql()")
        try:
            from oxrdflib import OxigraphStore
        except ImportError:
            raise ImportError(
                "Dataset.rdflib() needs oxrdflib, an optional dependency of kg: "
                "pip install 'kg[rdflib]' (or pip install oxrdflib)"
            ) from None
        import rdflib

        from kg.load import scope
        from kg.namespaces import PREFIXES

        scope.ensure(self._store)  # the default graph: the documents' distinct union
        dataset = rdflib.Dataset(store=OxigraphStore(store=self._store))
        for prefix, namespace in PREFIXES.items():
            dataset.bind(prefix, namespace, override=True)
        return dataset

    def close(self) -> None:
        """Let go of a remote endpoint's connections (local data needs nothing)."""
        close = getattr(self._store, "close", None)
        if self.endpoint is not None and close is not None:
            close()

    def __enter__(self) -> Dataset:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def __repr__(self) -> str:
        where = self.endpoint or "local data"
        return f"<Dataset {where}, scope {self.scope}>"


def open_dataset(
    paths: PathLike | Sequence[PathLike] | None = None,
    *,
    with_external: bool = False,
    endpoint: str | None = None,
    timeout: float | None = None,
) -> Dataset:
    """Open the graph to query: the repository's data, the given files and folders, or a
    remote SPARQL endpoint — where ``kg query`` and ``kg sparql`` get theirs.

    Local data is read from the persistent store when ``kg build`` built one that is up to
    date for these inputs, else from the snapshot an earlier load of the same inputs kept in
    the cache folder (``kg.load.snapshot``), else loaded in memory and inferred (and then kept
    as a snapshot; ``KG_CACHE=off`` keeps nothing).

    Args:
        paths: data files or folders; the repository's ``data/`` when None.
        with_external: let the external open data (graphs ``graph:external/…``, linksets)
            answer too; without it the default graph holds the documents, the ontology and
            the vocabulary. A canned query whose header says ``scope: all`` reads it anyway.
        endpoint: a SPARQL 1.1 query endpoint to ask instead of local data (see
            ``kg publish``); entity labels are then resolved on the endpoint.
        timeout: with an endpoint, how long to wait for it (seconds; default 30).

    Raises:
        KgError: a file does not parse (names file, line, column), a path is missing, or
            paths and an endpoint (or an endpoint and ``with_external``) are both given.
    """
    chosen = _paths(paths)
    if endpoint is not None:
        from kg.sparql import remote

        if chosen:
            raise InputError("give either data files (-d) or --endpoint, not both")
        if with_external:
            raise InputError(
                "--with-external applies to local data: a remote store's default graph is the "
                "server's (kg publish writes the documents' union there); name the external "
                "graphs with GRAPH <https://w3id.org/digital-policy-kg/graph/external/…> instead"
            )
        store = remote.RemoteStore(remote.endpoint_for(endpoint, timeout=timeout))
        return Dataset(store, with_external=False, endpoint=endpoint)
    from kg.load import open_dataset as load

    # with the query graphs, computed before the store is handed out (the first query would)
    dataset = load(chosen, cache=True, query_graphs=True)
    return Dataset(dataset.store, with_external=with_external, endpoint=None)


# --- validate ------------------------------------------------------------------------------


def validate(
    paths: PathLike | Sequence[PathLike] | None = None,
    *,
    engine: str = "native",
    progress: Any = None,
    limit: int | None = None,
) -> ValidationReport:
    """Validate data against the SHACL shapes and the data-quality checks, as
    ``kg validate`` does.

    Args:
        paths: data files or folders; the repository's ``data/`` when None.
        engine: ``native`` (SHACL as SPARQL on Oxigraph) or ``pyshacl`` (the reference).
        progress: private (the CLI's progress bar).
        limit: describe at most that many findings, counting the others (None: all); a
            report of hundreds of thousands of findings otherwise costs their labels and files.

    Raises:
        KgError: a file does not parse (names file, line, column), a path is missing, a shape
            or check is malformed.
    """
    from kg.api_records import Finding, ValidationReport
    from kg.validation import report

    from_files = report.validate(_paths(paths), engine=engine, progress=progress, limit=limit)
    findings = [
        Finding(
            severity=report._severity_name(f.result.severity),
            focus=_rdflib_term(f.result.focus),
            label=f.label,
            path=f.result.path.sparql if f.result.path is not None else None,
            value=_rdflib_term(f.result.value),
            message=f.result.message,
            shape=str(f.result.source_shape).strip("<>"),
            files=f.files,
            check=f.check,
        )
        for f in from_files.findings
    ]
    return ValidationReport(
        conforms=from_files.conforms,
        findings=findings,
        counts=from_files.counts(),
        engine=from_files.engine,
        triples=from_files.triples,
        _report=from_files,
    )


# --- export --------------------------------------------------------------------------------


def export_graph(
    paths: PathLike | Sequence[PathLike] | None = None,
    output: PathLike | IO[bytes] | None = None,
    *,
    format: str | None = None,
    with_inferred: bool = False,
    include_ontology: bool = False,
    union: bool = False,
) -> Exported:
    """Export the graph, as ``kg export`` does: stable output (same input, same bytes) that
    parses back to the same dataset.

    Args:
        paths: data files or folders; the repository's ``data/`` when None.
        output: a file to write (atomically: an old file stays intact on failure), a binary
            stream, or None to get the bytes in :attr:`Exported.data`.
        format: ``trig`` (default; keeps the passage graphs), ``nquads``, ``turtle``,
            ``ntriples``, ``jsonld``, ``rdfxml``; by default the one the file's extension
            names.
        with_inferred: add the inferred graphs and their provenance.
        include_ontology: add the ontology graph.
        union: JSON-LD only: one graph, the union, instead of a named graph per passage (the
            other triple formats always write the union).

    Raises:
        KgError: the data cannot be loaded or the file cannot be written (nothing is).
    """
    from kg.api_records import Exported
    from kg.export import writers

    options = {
        "fmt": format,
        "with_inferred": with_inferred,
        "include_ontology": include_ontology,
        "union": union,
    }
    if output is None:
        buffer = io.BytesIO()
        done = writers.export(_paths(paths), stream=buffer, **options)  # type: ignore[arg-type]
        return Exported(done.format, done.graphs, done.statements, None, buffer.getvalue())
    if isinstance(output, str | Path):
        done = writers.export(_paths(paths), output=output, **options)  # type: ignore[arg-type]
        return Exported(done.format, done.graphs, done.statements, Path(output), None)
    done = writers.export(_paths(paths), stream=output, **options)  # type: ignore[arg-type]
    return Exported(done.format, done.graphs, done.statements, None, None)


# --- cite ----------------------------------------------------------------------------------


def cite(document: PathLike, *quotes: str) -> list[Citation]:
    """Every occurrence of each quote in the document, in order, as ``kg cite`` prints them.
    Whitespace, typographic quotes and dashes may differ from the document's.

    Raises:
        KgError: a quote is not in the document (the message names the closest passage),
            crosses a profile boundary, or the document cannot be read or changed since the
            graph recorded it.
    """
    from kg.api_records import Citation
    from kg.draft import cite as citing
    from kg.draft import document as documents
    from kg.draft.drafting import load_graph, recorded_text

    if not quotes:
        raise InputError("no quote to look for")
    doc = documents.read_document(document)
    store = load_graph()
    recorded = documents.check_recorded(store, doc, recorded_text)
    profiles = documents.recorded_profiles(store, recorded) if recorded is not None else []
    doc_iri = recorded.value if recorded is not None else doc.iri
    return [
        Citation(
            quote,
            m.start,
            m.end,
            m.profile.name if m.profile else None,
            citing.skeleton(doc_iri, m),
        )
        for quote in quotes
        for m in citing.cite(doc, quote, profiles)
    ]
