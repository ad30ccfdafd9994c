"""RDF terms turned into what a page shows: text, a link, a note — plain data that crosses from
a worker to the server process and that templates render (and escape) without knowing RDF.

Also the map between the IRIs we mint and the paths of this server: every IRI under
``kg.namespaces.BASE`` is served at the path that follows the base (``…/id/PL`` at ``/id/PL``),
so a link in a page is the IRI itself, relocated to whichever host serves the graph.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, unquote

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from kg.namespaces import BASE, PREFIXES, curie

# Literals whose kind the value shows (a number, a word): no datatype note. English is the
# pages' language: no language note for it. The full form is in the cell's value (a tooltip).
PLAIN_DATATYPES = frozenset(
    PREFIXES["xsd"] + t for t in ("string", "integer", "decimal", "boolean")
) | {PREFIXES["rdf"] + "langString"}
# Characters kept as they are in a path; '#' too, so that ontology#Country jumps to its anchor.
_PATH_SAFE = "/:@!$&'()*+,;=-._~#"
_LINKABLE_SCHEMES = ("http://", "https://")

LabelOf = Callable[[str], "str | None"]


def local_path(iri: str) -> str | None:
    """The path this server answers an IRI of ours at (``/id/PL``), None for other IRIs."""
    if not iri.startswith(BASE) or len(iri) == len(BASE):
        return None
    return "/" + quote(iri[len(BASE) :], safe=_PATH_SAFE)


def iris_for_path(path: str) -> list[str]:
    """The IRIs a request path may stand for, most literal first: the path as sent, then
    percent-decoded (browsers encode non-ASCII characters; an IRI may itself hold '%')."""
    rest = path.lstrip("/")
    candidates = [BASE + rest]
    decoded = BASE + unquote(rest)
    if decoded != candidates[0]:
        candidates.append(decoded)
    return candidates


def href_for(iri: str) -> str | None:
    """Where a link to an IRI goes: our page for our IRIs, the IRI itself for web IRIs, and
    nowhere for other schemes (``javascript:``, ``file:``, ``urn:`` …: never made a link)."""
    path = local_path(iri)
    if path is not None:
        return path
    if iri.lower().startswith(_LINKABLE_SCHEMES):
        return iri
    return None


@dataclass(frozen=True)
class Cell:
    """One term, as shown: ``text`` (a label, a CURIE or a literal's value), the ``value``
    (full IRI, a literal in N-Triples form, or a blank node id), a link, and a note (the CURIE
    when the text is a label; a literal's language or datatype when the text does not say it)."""

    kind: str  # iri, literal, bnode, triple
    text: str
    value: str
    href: str | None = None
    note: str | None = None
    external: bool = False


def cell(term: NamedNode | BlankNode | Literal | Triple, label_of: LabelOf | None = None) -> Cell:
    """The Cell for a term; ``label_of`` gives an IRI's label, when it has one."""
    if isinstance(term, NamedNode):
        iri = term.value
        short = curie(iri)
        label = label_of(iri) if label_of is not None else None
        href = href_for(iri)
        external = href is not None and not href.startswith("/")
        if label:
            return Cell("iri", label, iri, href, short, external)
        return Cell("iri", short, iri, href, None, external)
    if isinstance(term, Literal):
        if term.language:
            note = None if term.language == "en" else f"@{term.language}"
        elif term.datatype.value in PLAIN_DATATYPES:
            note = None
        else:
            note = curie(term.datatype.value)
        return Cell("literal", term.value, str(term), None, note)
    if isinstance(term, BlankNode):
        return Cell("bnode", f"_:{term.value}", term.value)
    parts = (term.subject, term.predicate, term.object)
    text = "<< " + " ".join(cell(t, label_of).text for t in parts) + " >>"
    return Cell("triple", text, str(term))


@dataclass(frozen=True)
class Table:
    """A query result for a page: columns and rows of cells (None: unbound), or a boolean.

    Or one page of a longer answer (``total`` set; :func:`kg.server.tasks.canned_head`): then
    ``rows`` are the answer's rows from ``offset`` on, and what a page says about the whole
    answer comes with them, computed over all of its rows: ``headers`` (:func:`columns_of`) and
    ``constants`` (:meth:`distinct` of the columns that hold the query's parameters). Why: the
    first page of a canned answer is sent before the cells, quotes and views of its other rows
    are made (at 1M statements, seconds), and renders exactly as the whole answer would."""

    form: str
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[Cell | None, ...], ...] = ()
    boolean: bool | None = None
    total: int | None = None
    offset: int = 0
    headers: tuple[Column, ...] | None = None
    constants: tuple[tuple[str, tuple[Cell | None, ...]], ...] = ()

    @property
    def count(self) -> int:
        """Rows of the whole answer."""
        return len(self.rows) if self.total is None else self.total

    def page(self, offset: int, size: int) -> tuple[tuple[Cell | None, ...], ...]:
        """The rows ``offset`` to ``offset + size`` of the whole answer (a page of a part must
        be within it: a part never stands for rows it does not hold)."""
        start = offset - self.offset
        wanted = max(0, min(size, self.count - offset))
        if self.total is not None and (start < 0 or start + wanted > len(self.rows)):
            raise ValueError(f"rows {offset}-{offset + size} are not in this part of the answer")
        return self.rows[start : start + size]

    def distinct(self, column: str) -> set[Cell | None]:
        """The distinct values of a column over the whole answer (of a part: at most two, of
        the parameter columns it was made with)."""
        if self.total is not None:
            return set(dict(self.constants)[column])
        at = self.columns.index(column)
        return {row[at] for row in self.rows}


def page_number(number: int, size: int, total: int) -> int:
    """The page of ``size`` rows a request for page ``number`` gets: within 1 and the last."""
    pages = max(1, -(-total // size))
    return min(max(1, number), pages)


# --- a result table for people: readable headers, folded columns, rows as JSON ------------------

PAGE_ROWS = 100  # rows a result page renders; the browser pages through the rest (table.js)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_OFFSET = re.compile(r"^(start|end)$|offset", re.IGNORECASE)


@dataclass(frozen=True)
class Column:
    """A result column as a table shows it: the variable, a header people read, and whether it
    is folded away (shown on request, always in the downloads) and why."""

    name: str
    header: str
    folded: str | None = None  # why it is folded, None when shown


def header(name: str) -> str:
    """A variable name as a header: ``startYear`` → "Start year", ``profileLabel`` →
    "Profile" (a label column is named for what it labels)."""
    if name.endswith("Label") and len(name) > len("Label"):
        name = name[: -len("Label")]
    words = _CAMEL.sub(" ", name.replace("_", " ")).split()
    text = " ".join(w if w.isupper() and len(w) > 1 else w.lower() for w in words)
    return text[:1].upper() + text[1:] if text else name


def columns_of(table: Table) -> list[Column]:
    """The table's columns with readable headers; folded: character offsets (integers named
    start/end or *offset*: where a passage sits in its document, for machines) and a label
    column whose IRI column already shows that label as its link text."""
    if table.headers is not None:  # a part of an answer: computed over the whole of it
        return list(table.headers)

    def offsets(i: int) -> bool:
        values = [row[i] for row in table.rows if row[i] is not None]
        return bool(values) and all(
            v.kind == "literal" and v.text.lstrip("-").isdigit()  # type: ignore[union-attr]
            for v in values
        )

    def labelled(i: int) -> bool:
        return any(row[i] is not None and row[i].note is not None for row in table.rows)  # type: ignore[union-attr]

    return fold(table.columns, offsets, labelled)


def fold(
    names: tuple[str, ...], offsets: Callable[[int], bool], labelled: Callable[[int], bool]
) -> list[Column]:
    """:func:`columns_of` given, per column index, whether all its values are character
    offsets (``offsets``, asked only of columns named for them) and whether any of its cells
    has a note (``labelled``, asked only of a column whose label column the answer has):
    so that a part of an answer (:func:`kg.server.tasks.canned_head`) asks them of its rows
    without making every cell."""
    out = []
    for name in names:
        folded = None
        base = name[: -len("Label")] if name.endswith("Label") else None
        if _OFFSET.search(name) and offsets(names.index(name)):
            folded = "character offsets of the passage in its document"
        elif base is not None and base in names and labelled(names.index(base)):
            folded = f"the label {base} already shows"
            out.append(Column(name, header(base) + " label", folded))
            continue
        out.append(Column(name, header(name), folded))
    if all(c.folded for c in out):  # never fold everything
        out = [Column(c.name, c.header) for c in out]
    return out


def table_json(table: Table) -> bytes:
    """All the rows of a table for the browser's table (static/table.js): per cell ``[text,
    href, note, kind, value]`` or null when unbound; ``json.dumps`` escapes what must be."""
    rows = [
        [None if c is None else [c.text, c.href, c.note, c.kind, c.value] for c in row]
        for row in table.rows
    ]
    body = {"columns": list(table.columns), "count": len(rows), "rows": rows}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
