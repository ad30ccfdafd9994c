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

The answer stays the engine's own results object, so every result format (CSV, TSV, JSON, XML)
is still written by the engine's serialisers: the engine writes the answer as SPARQL TSV (a line
per row, a term per cell), the quote cells are spliced in after each passage cell, and the
engine parses the lines back. Why not in Python: at 1M (``list-responsible-institutions``,
22,821 rows) rebuilding the answer as SPARQL JSON (a dict per term, ``json.dumps``, parsed
back) and one span query per 500 passages, each checked by kg's lexer, took longer than the
query itself.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable
from itertools import repeat
from typing import Any

from pyoxigraph import (
    Literal,
    NamedNode,
    QueryResultsFormat,
    QuerySolutions,
    Store,
    parse_query_results,
)

from kg import resources
from kg.errors import KgError, QuotesUnavailable
from kg.load.documents import Documents
from kg.namespaces import KG, PASSAGE
from kg.sparql import prepare as sparql
from kg.sparql.results import QueryResult
from kg.sparql.terms import sparql_term

# Columns that may hold a passage: by name, so an answer without one stays lazy.
PASSAGE_COLUMNS = ("passage", "source")

SPAN_QUERY = (
    "SELECT DISTINCT ?passage ?start ?end ?file ?sha WHERE { "
    f"?passage <{KG}startOffset> ?start ; <{KG}endOffset> ?end ; <{KG}inDocument> ?document . "
    f"?document <{KG}fileName> ?file . OPTIONAL {{ ?document <{KG}sha256> ?sha }} }}"
)

# Passages per span query sent to a remote store (a local store gets them all in one query).
REMOTE_CHUNK = 500

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


# The same join in two steps, for many passages at once: their spans and documents, then the
# documents' files (a handful); the rows the span query would give are recombined in Python.
PASSAGE_SPANS = (
    "SELECT DISTINCT ?passage ?start ?end ?document WHERE { VALUES ?passage { %s } "
    f"?passage <{KG}startOffset> ?start ; <{KG}endOffset> ?end ; <{KG}inDocument> ?document }}"
)
DOCUMENT_FILES = (
    "SELECT DISTINCT ?document ?file ?sha WHERE { VALUES ?document { %s } "
    f"?document <{KG}fileName> ?file . OPTIONAL {{ ?document <{KG}sha256> ?sha }} }}"
)

# IRI cells as the engine's TSV writes them (``<iri>``), each followed by a space, when every
# IRI matches SPARQL's IRIREF grammar (kg.sparql.terms.IRIREF_BODY): such a run of cells is a
# VALUES block as it is.
_IRI_CELLS = re.compile(rb'(?:<[^<>"{}|^`\\\x00-\x20]*> )*')
# An integer as the engine's TSV writes an xsd:integer (Turtle's short form).
_BARE_INTEGER = re.compile(rb"[+-]?[0-9]+")
_BARE_INTEGERS = re.compile(rb"(?:[+-]?[0-9]+\n)*")
# Characters a literal's N-Triples form escapes (pyoxigraph's str(Literal), the TSV writer's).
_ESCAPED = re.compile(r'[\x00-\x1f"\\\x7f\ufffe\uffff]')


def _with_values(template: str, cells: list[bytes]) -> sparql.PreparedQuery:
    """A query with a VALUES block of these IRIs, given as the engine's TSV cells (``<iri>``).
    Built, not checked by :func:`kg.sparql.prepare.prepare`: kg writes the whole text, and
    lexing 22,821 IRIs took longer than answering them. The cells go in as they are when all
    of them are IRIs SPARQL can hold (one pass of a pattern over them all: the engine wrote
    them from valid IRIs); otherwise each is written by :func:`kg.sparql.terms.sparql_term`,
    which refuses what it cannot write safely."""
    block = b" ".join(cells) + b" "
    # a space is never in a cell that matches: one per cell means the cells are the IRIs
    if block.count(b" ") == len(cells) and _IRI_CELLS.fullmatch(block):
        values = block.decode("utf-8")
    else:
        values = " ".join(sparql_term(NamedNode(c[1:-1].decode("utf-8"))) for c in cells)
    # both templates are SELECT DISTINCT without counting (kg.sparql.multiplicity)
    return sparql.PreparedQuery(text=template % values, form="SELECT", set_determined=True)


def _columns(data: bytes, width: int) -> tuple[int, list[list[bytes]]]:
    """The rows of a SPARQL TSV answer (header line first) and its cells as columns: one split
    of the whole body, not one per row (every line ends with a newline; a row may be empty: a
    single unbound cell)."""
    body = data.partition(b"\n")[2]
    ends = body.endswith(b"\n")
    body = body[:-1] if ends else body
    count = body.count(b"\n") + 1 if body or ends else 0
    flat = body.replace(b"\n", b"\t").split(b"\t") if count else []
    return count, [flat[i::width] for i in range(width)]


def _term(cell: bytes) -> Any:
    """The term a TSV cell writes, read by the engine's own parser."""
    parsed = parse_query_results(b"?x\n" + cell + b"\n", QueryResultsFormat.TSV)
    return next(iter(parsed))["x"]  # type: ignore[arg-type]


def _offset(cell: bytes) -> int | None:
    """A span's offset from its TSV cell: ``int`` of the term's value, as :func:`_integer`
    reads a term (an integer written bare, the common case, without parsing the cell)."""
    if _BARE_INTEGER.fullmatch(cell):
        return int(cell)
    return _integer(_term(cell))


def _integer(term: Any) -> int | None:
    try:
        return int(term.value)
    except (TypeError, ValueError, AttributeError):
        return None


def tsv_cell(text: str) -> bytes:
    """A string's SPARQL TSV cell (its N-Triples form, as the engine writes it): quoted as it
    is when it has nothing to escape, else written by pyoxigraph."""
    if _ESCAPED.search(text) is None:
        return b'"' + text.encode("utf-8") + b'"'
    return str(Literal(text)).encode("utf-8")


def tsv_cells(texts: list[str]) -> list[bytes]:
    """:func:`tsv_cell` of each text. When none has anything to escape (one search of them
    all, joined by a line break: the only escapes found are then the joins), they are quoted
    and encoded together, not one by one."""
    joined = "\n".join(texts)
    if len(_ESCAPED.findall(joined)) != len(texts) - 1:
        return list(map(tsv_cell, texts))
    return (b'"' + joined.encode("utf-8").replace(b"\n", b'"\n"') + b'"').split(b"\n")


class Quoter:
    """Passage IRI → its text, from the store's spans and the local documents."""

    def __init__(self, store: Any, documents: Documents) -> None:
        self.store = store
        self.documents = documents
        self._cache: dict[str, str | None] = {}
        self.missing: set[str] = set()  # documents that could not be quoted (file names)

    def quotes(self, passages: Iterable[str]) -> dict[str, str | None]:
        """The quote of each passage (by IRI), as :meth:`__call__` gives it one by one: the spans
        of all of them in one query (a local store; a remote one gets :data:`REMOTE_CHUNK` at a
        time), their documents' files in another, each document read once."""
        asked = list(passages)
        todo = sorted({iri for iri in asked if iri not in self._cache})
        if todo:
            found = self.cells([f"<{iri}>".encode() for iri in todo])
            self._cache.update(zip(todo, found.values(), strict=True))
        return {iri: self._cache[iri] for iri in asked}

    def cells(self, passages: list[bytes]) -> dict[bytes, str | None]:
        """The quote of each passage given as the engine's TSV cell (``<iri>``), in the order
        given (see :meth:`quotes`). The spans come back as the engine's TSV, read as columns (a
        solution object per row and per term was most of the lookup's cost at 1M); a passage
        with one span in a document with one file, the common case, is quoted from its cells
        in one loop, any other as the span query's rows say."""
        found: list[list[bytes]] = [[], [], [], []]  # passage, start, end, document
        for part in self._chunks(passages):
            for column, cells in zip(found, self._select(PASSAGE_SPANS, part), strict=True):
                column += cells
        cited, starts, ends, documents = found
        named = sorted({d for d in documents if d[:1] == b"<"})
        files: dict[bytes, list[tuple[Any, Any]]] = {}
        for part in self._chunks(named):
            for document, file, sha in zip(*self._select(DOCUMENT_FILES, part), strict=True):
                # a handful of documents: their cells read back as terms by the engine
                files.setdefault(document, []).append((_term(file), _term(sha) if sha else None))
        texts: dict[tuple[str, str | None], str | None] = {}
        out: dict[bytes, str | None] = dict.fromkeys(passages)  # no span: no quote
        once = len(set(cited)) == len(cited)
        spans: dict[bytes, list[tuple[bytes, bytes, bytes]]] = {}
        # offsets all written bare (the common case): read in one pass each, not cell by cell
        bare = _BARE_INTEGERS.fullmatch(b"\n".join([*starts, *ends, b""]))
        offsets: Iterable[tuple[Any, Any]] = (
            zip(map(int, starts), map(int, ends), strict=True)
            if bare
            else zip(starts, ends, strict=True)
        )
        read = (lambda offset: offset) if bare else _offset  # ints already, or TSV cells
        for cell, (start, end), document in zip(cited, offsets, documents, strict=True):
            rows = files.get(document)
            if once and rows is not None and len(rows) == 1:
                file, sha = rows[0]
                out[cell] = self._text(read(start), read(end), file, sha, texts)
            else:
                spans.setdefault(cell, []).append((start, end, document))
        for cell, spanned in spans.items():
            if not all(d[:1] == b"<" for *_, d in spanned):  # a document VALUES cannot name
                out[cell] = self._quote(NamedNode(cell[1:-1].decode("utf-8")))
                continue
            # the rows the span query gives this passage: each span with each file of its document
            combined = [(s, e, f, h) for s, e, d in spanned for f, h in files.get(d, ())]
            if len(combined) == 1:
                start, end, file, sha = combined[0]
                out[cell] = self._text(read(start), read(end), file, sha, texts)
        return out

    def _chunks(self, cells: list[bytes]) -> Iterable[list[bytes]]:
        size = len(cells) if isinstance(self.store, Store) else REMOTE_CHUNK
        for i in range(0, len(cells), max(size, 1)):
            yield cells[i : i + size]

    def _select(self, template: str, cells: list[bytes]) -> list[list[bytes]]:
        """The answer's columns, as the engine's TSV cells."""
        raw = sparql.execute(self.store, _with_values(template, cells)).raw
        assert isinstance(raw, QuerySolutions)  # a SELECT
        data = raw.serialize(format=QueryResultsFormat.TSV) or b""
        return _columns(data, len(raw.variables))[1]

    def __call__(self, passage: Any) -> str | None:
        """One passage's quote, looked up on its own (the span query with the passage bound)."""
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
        row = rows[0]
        start, end = _integer(row["start"]), _integer(row["end"])
        return self._text(start, end, row["file"], row["sha"], {})

    def _text(
        self,
        start: int | None,
        end: int | None,
        file: Any,
        sha: Any,
        texts: dict[tuple[str, str | None], str | None],
    ) -> str | None:
        """The quote a span gives, when the local document matches its hash (``texts``: the
        documents this answer has read, so that each is looked up once per answer)."""
        if start is None or end is None:
            return None
        key = (file.value, sha.value if sha is not None else None)
        if key not in texts:
            texts[key] = self.documents.text(*key)[0]
        text = texts[key]
        if text is None:
            self.missing.add(key[0])
        if text is None or not 0 <= start <= end <= len(text):
            return None
        return text[start:end]


# The documents this process has read, kept across answers, one reader per documents folder:
# the reader re-reads a document whose file changed (kg.load.documents.Documents), so a changed
# document is never quoted from an old copy (measured at 1M: re-reading and hashing the document
# for every answer was most of the quote column's cost).
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
    try:
        data = result.tsv
        if data is None:
            data = result.raw.serialize(format=QueryResultsFormat.TSV) or b""
        count, table = _columns(data, len(variables))
        at = [variables.index(v) for v in columns]
        cited = b"<" + PASSAGE.encode("utf-8")
        passages = [cell for cell in {c for i in at for c in table[i]} if cell.startswith(cited)]
        texts = quoter.cells(passages)
    except (OSError, RuntimeError) as error:
        raise KgError(f"query evaluation failed: {error}") from None
    quoted = {cell: text for cell, text in texts.items() if text is not None}
    cells = dict(zip(quoted, tsv_cells(list(quoted.values())), strict=True))
    head: list[str] = []
    out: list[list[bytes]] = []
    for i, v in enumerate(variables):
        head.append(v)
        out.append(table[i])
        if v in columns:
            head.append(columns[v])
            out.append(list(map(cells.get, table[i], repeat(b"", count))))
    if quoter.missing:
        warnings.warn(QuotesUnavailable(unavailable(quoter.missing)), stacklevel=2)
    header = b"\t".join(b"?" + v.encode("utf-8") for v in head)
    tsv = b"\n".join([header, *map(b"\t".join, zip(*out, strict=True)), b""])
    raw = parse_query_results(tsv, QueryResultsFormat.TSV)
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
