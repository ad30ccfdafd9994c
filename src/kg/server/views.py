"""RDF terms turned into what a page shows: text, a link, a note — plain data that crosses from
a worker to the server process and that templates render (and escape) without knowing RDF.

Also the map between the IRIs we mint and the paths of this server: every IRI under
``kg.namespaces.BASE`` is served at the path that follows the base (``…/id/PL`` at ``/id/PL``),
so a link in a page is the IRI itself, relocated to whichever host serves the graph.
"""

from __future__ import annotations

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
    """A query result for a page: columns and rows of cells (None: unbound), or a boolean."""

    form: str
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[Cell | None, ...], ...] = ()
    boolean: bool | None = None

    @property
    def count(self) -> int:
        return len(self.rows)
