"""A small, stable Turtle / TriG writer for the files kg generates into ``data/``.

Why not :mod:`kg.export`'s writers: those serve whole-dataset exports and their internal row
format changes with them; generated data files need only IRIs and literals (never blank
nodes), subjects sorted, ``rdf:type`` first, the project's prefixes — and the guarantee that
the same triples give the same bytes, which this module keeps on its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from pyoxigraph import BlankNode, DefaultGraph, Literal, NamedNode, Quad

from kg.namespaces import PREFIXES, RDF_TYPE

XSD_STRING = PREFIXES["xsd"] + "string"
_LOCAL = re.compile(r"[A-Za-z0-9_]([A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?")
_BY_LENGTH = sorted(PREFIXES.items(), key=lambda kv: -len(kv[1]))


class _Namer:
    def __init__(self) -> None:
        self.used: set[str] = set()

    def iri(self, iri: str) -> str:
        for prefix, ns in _BY_LENGTH:
            if iri.startswith(ns) and _LOCAL.fullmatch(iri[len(ns) :]):
                self.used.add(prefix)
                return f"{prefix}:{iri[len(ns) :]}"
        return f"<{iri}>"

    def term(self, term: NamedNode | Literal | BlankNode) -> str:
        if isinstance(term, NamedNode):
            return self.iri(term.value)
        if isinstance(term, Literal):
            if term.language is None and term.datatype.value not in (XSD_STRING,):
                return str(Literal(term.value)) + "^^" + self.iri(term.datatype.value)
            return str(term)
        raise ValueError("generated files never contain blank nodes")

    def prefixes(self) -> str:
        lines = [f"@prefix {p}: <{ns}> ." for p, ns in PREFIXES.items() if p in self.used]
        return "\n".join(lines) + "\n\n" if lines else ""


def _key(q: Quad) -> tuple[str, str, str, str]:
    graph = "" if isinstance(q.graph_name, DefaultGraph) else str(q.graph_name)
    predicate = "" if q.predicate.value == RDF_TYPE else str(q.predicate)
    return (graph, str(q.subject), predicate, str(q.object))


def _statements(namer: _Namer, quads: Sequence[Quad], indent: str) -> Iterable[str]:
    i, n = 0, len(quads)
    while i < n:
        subject = quads[i].subject
        lines = [indent + namer.term(subject)]  # type: ignore[arg-type]
        first = True
        while i < n and quads[i].subject == subject:
            predicate = quads[i].predicate
            objects = []
            while i < n and quads[i].subject == subject and quads[i].predicate == predicate:
                objects.append(namer.term(quads[i].object))  # type: ignore[arg-type]
                i += 1
            verb = "a" if predicate.value == RDF_TYPE else namer.iri(predicate.value)
            joined = (",\n" + indent + "        ").join(objects)
            lines.append((" " if first else " ;\n" + indent + "    ") + f"{verb} {joined}")
            first = False
        yield "".join(lines) + " .\n"


def turtle(quads: Iterable[Quad], header: str = "") -> bytes:
    """Turtle of the triples (graph names ignored), sorted, with a comment header."""
    rows = sorted(set(quads), key=_key)
    namer = _Namer()
    body = "\n".join(_statements(namer, rows, ""))
    return (header + namer.prefixes() + body).encode("utf-8")


def trig(quads: Iterable[Quad], header: str = "") -> bytes:
    """TriG of the quads, one block per named graph, sorted, with a comment header."""
    rows = sorted(set(quads), key=_key)
    namer = _Namer()
    blocks = []
    i = 0
    while i < len(rows):
        graph = rows[i].graph_name
        j = i
        while j < len(rows) and rows[j].graph_name == graph:
            j += 1
        head = "{" if isinstance(graph, DefaultGraph) else namer.term(graph) + " {"  # type: ignore[arg-type]
        blocks.append(head + "\n" + "\n".join(_statements(namer, rows[i:j], "    ")) + "}\n")
        i = j
    return (header + namer.prefixes() + "\n".join(blocks)).encode("utf-8")
