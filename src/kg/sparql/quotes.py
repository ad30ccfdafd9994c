"""The quoted text of each passage an answer cites, added to the answer as a column.

Every canned query answers with the passage that states each row, as the passage's IRI (a
column such as ``?passage`` or ``?source``). The words of the document are what a reader
checks, so the library adds, next to each such column, a column holding the passage's text —
``quote`` (``<column>Quote`` when there are several passage columns).

Why here and not in the SPARQL: the graph does not hold the document's text (it cites it by
file name, SHA-256 and character span; the sentences of the source are never copied into the
project), and a remote store answers the same queries. The text comes from the local copy of
the document (:class:`kg.load.documents.Documents`), only when its hash matches the one the
graph records; otherwise the quote is unbound. The passage's span and document are read from
the store that answered (so a remote store's answer is quoted from its own spans).

The answer is rebuilt as SPARQL JSON results and parsed back by the engine, so every result
format (CSV, TSV, JSON, XML) is still written by the engine's serialisers.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterable, Iterator
from typing import Any

from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    QueryResultsFormat,
    QuerySolutions,
    Triple,
    parse_query_results,
)

from kg import resources
from kg.errors import KgError, QuotesUnavailable
from kg.load.documents import Documents
from kg.namespaces import KG, PASSAGE
from kg.sparql import prepare as sparql
from kg.sparql.results import QueryResult
from kg.sparql.terms import sparql_term

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

# Columns that may hold a passage: by name, so an answer without one stays lazy.
PASSAGE_COLUMNS = ("passage", "source")

SPAN_QUERY = (
    "SELECT ?passage ?start ?end ?file ?sha WHERE { "
    f"?passage <{KG}startOffset> ?start ; <{KG}endOffset> ?end ; <{KG}inDocument> ?document . "
    f"?document <{KG}fileName> ?file . OPTIONAL {{ ?document <{KG}sha256> ?sha }} }}"
)

_span_query: sparql.PreparedQuery | None = None


def quote_columns(variables: list[str]) -> dict[str, str]:
    """Passage column → the name of its quote column, for the columns an answer has."""
    found = [v for v in variables if v in PASSAGE_COLUMNS or v.endswith(("Passage", "Source"))]
    taken = set(variables)
    out: dict[str, str] = {}
    for v in found:
        name = "quote" if len(found) == 1 else f"{v}Quote"
        while name in taken:
            name += "_"
        taken.add(name)
        out[v] = name
    return out


def _term_json(term: Any) -> dict[str, Any]:
    if isinstance(term, NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, Literal):
        out: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value not in (XSD_STRING, RDF_LANG_STRING):
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, Triple):
        return {
            "type": "triple",
            "value": {
                "subject": _term_json(term.subject),
                "predicate": _term_json(term.predicate),
                "object": _term_json(term.object),
            },
        }
    raise KgError(f"cannot write the term {term!r} in an answer")


class Quoter:
    """Passage IRI → its text, from the store's spans and the local documents (cached)."""

    def __init__(self, store: Any, documents: Documents) -> None:
        self.store = store
        self.documents = documents
        self._cache: dict[str, str | None] = {}
        self.missing: set[str] = set()  # documents that could not be quoted (file names)

    def prefetch(self, passages: Iterable[NamedNode], chunk: int = 500) -> None:
        """Look up the spans of many passages in a few queries (a VALUES block of their IRIs,
        written by :func:`kg.sparql.terms.sparql_term`) instead of one query per passage."""
        todo = sorted({p.value for p in passages if p.value not in self._cache})
        for i in range(0, len(todo), chunk):
            part = todo[i : i + chunk]
            values = " ".join(sparql_term(NamedNode(iri)) for iri in part)
            text = SPAN_QUERY.replace("WHERE { ", f"WHERE {{ VALUES ?passage {{ {values} }} ", 1)
            rows: dict[str, list[Any]] = {}
            for row in sparql.execute(self.store, sparql.prepare(text)).raw:  # type: ignore[union-attr]
                rows.setdefault(row["passage"].value, []).append(row)
            for iri in part:
                found = rows.get(iri, [])
                self._cache[iri] = self._text(found[0]) if len(found) == 1 else None

    def __call__(self, passage: Any) -> str | None:
        if not isinstance(passage, NamedNode) or not passage.value.startswith(PASSAGE):
            return None
        if passage.value not in self._cache:
            self._cache[passage.value] = self._quote(passage)
        return self._cache[passage.value]

    def _quote(self, passage: NamedNode) -> str | None:
        global _span_query
        if _span_query is None:
            _span_query = sparql.prepare(SPAN_QUERY)
        rows = list(
            sparql.execute(self.store, _span_query, substitutions={"passage": passage}).raw  # type: ignore[arg-type]
        )
        if len(rows) != 1:  # no span, or an ambiguous one: nothing to quote
            return None
        return self._text(rows[0])

    def _text(self, row: Any) -> str | None:
        """The quote a span row gives, when the local document matches its hash."""
        try:
            start, end = int(row["start"].value), int(row["end"].value)
        except (TypeError, ValueError, AttributeError):
            return None
        sha = row["sha"].value if row["sha"] is not None else None
        text, _ = self.documents.text(row["file"].value, sha)
        if text is None:
            self.missing.add(row["file"].value)
        if text is None or not 0 <= start <= end <= len(text):
            return None
        return text[start:end]


# The documents this process has read, kept across answers, one reader per documents folder: a
# text is kept only once its SHA-256 matched the one the graph records, keyed by that hash, so a
# changed document is never quoted from an old copy (measured at 1M: re-reading and hashing the
# document for every answer was most of the quote column's cost).
_READERS: dict[str, Documents] = {}


def _documents() -> Documents:
    folder = str(resources.documents_dir())
    if folder not in _READERS:
        _READERS[folder] = Documents()
    return _READERS[folder]


def add_quotes(store: Any, result: QueryResult, documents: Documents | None = None) -> QueryResult:
    """The answer with a quote column after each passage column (see the module docstring);
    answers without a passage column are returned as they are, unread."""
    if not isinstance(result.raw, QuerySolutions):
        return result
    variables = [v.value for v in result.raw.variables]
    columns = quote_columns(variables)
    if not columns:
        return result
    quoter = Quoter(store, documents if documents is not None else _documents())
    head: list[str] = []
    for v in variables:
        head.append(v)
        if v in columns:
            head.append(columns[v])
    try:
        solutions = list(result.raw)
        quoter.prefetch(
            term
            for solution in solutions
            for v in columns
            if isinstance(term := solution[v], NamedNode) and term.value.startswith(PASSAGE)
        )
        bindings = list(_bindings(solutions, variables, columns, quoter))
    except (OSError, RuntimeError) as error:
        raise KgError(f"query evaluation failed: {error}") from None
    if quoter.missing:
        warnings.warn(QuotesUnavailable(unavailable(quoter.missing)), stacklevel=2)
    document = {"head": {"vars": head}, "results": {"bindings": bindings}}
    raw = parse_query_results(json.dumps(document).encode("utf-8"), QueryResultsFormat.JSON)
    return QueryResult(result.form, raw, uses_service=result.uses_service)


def unavailable(missing: set[str]) -> str:
    """Why an answer's quotes are empty, where kg looked, and how to point it at the
    documents: said once per answer (a :class:`QuotesUnavailable` warning), not per row."""
    folder = resources.documents_dir()
    names = ", ".join(sorted(missing))
    if folder is None:
        where = "KG_DOCUMENTS is not set and there is no shared/seeds folder beside the checkout"
    elif not folder.is_dir():
        where = f"{folder} is not a folder"
    elif any((folder / name).is_file() for name in missing):
        where = f"the copy in {folder} is not the version the graph cites (SHA-256 differs)"
    else:
        where = f"not found in {folder}"
    return (
        f"no quotes: the source document {names} is not available ({where}); "
        "set KG_DOCUMENTS to the folder that holds it"
    )


def _bindings(
    solutions: Iterable[Any], variables: list[str], columns: dict[str, str], quoter: Quoter
) -> Iterator[dict[str, Any]]:
    for solution in solutions:
        row: dict[str, Any] = {}
        for v in variables:
            term = solution[v]
            if term is None:
                continue
            row[v] = _term_json(term)
            if v in columns:
                quote = quoter(term)
                if quote is not None:
                    row[columns[v]] = {"type": "literal", "value": quote}
        yield row
