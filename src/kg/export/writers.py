"""Exports of the graph in the RDF formats other tools read, stable and written atomically.

**What is exported.** The data graphs: the facts with their passage graphs and provenance, the
SKOS vocabulary, linksets and external-source graphs when present. The ontology graph (terms
and axioms) is left out unless ``include_ontology`` (consumers reuse the ontology from its own
IRI). The inferred graphs and their provenance graph are left out unless ``with_inferred``.

**Why asserted-only by default.** An export is for reuse: loading into another store, diffing
releases, citing. Inferred triples are a function of the data and the ontology that any OWL
reasoner recomputes; frozen into an export they go stale when the ontology changes, double the
size, and — in the triple formats, which merge all graphs — can no longer be told apart from
what a document states. Ask for them (``--with-inferred``) when the consumer has no reasoner;
TriG and N-Quads then keep them in their own graphs with their provenance.

**Formats.** Quad formats (TriG, N-Quads) and JSON-LD keep the named graphs: JSON-LD as a
JSON-LD 1.1 dataset, each graph an object with its ``@id`` and ``@graph`` (``union`` asks for
the union instead, as one graph). The triple formats (Turtle, N-Triples, RDF/XML) write the
union of the selected graphs, without duplicates. The default is TriG because it is the one
human-readable format that loses nothing: which passage states which fact is the graph a
triple sits in.

**Stable output.** Turtle, TriG, N-Triples and N-Quads are written by this module: the same
input gives byte-identical output, whatever the load order. Blank nodes get canonical labels
(RDFC-1.0, ``pyoxigraph.Dataset.canonicalize``, where it is cheap; linear-time tree labels for
deep nests of look-alike blank nodes such as nested lists, see ``_canonical``); graphs,
subjects, predicates (``rdf:type`` first) and objects are sorted by their N-Triples form;
only the prefixes used are declared, in the order of ``kg.namespaces.PREFIXES``. Oxigraph
writes each statement in N-Triples; this module only sorts and reformats those lines, so an
export runs at close to the engine's speed.
JSON-LD is compacted with our context (``ontology/context.jsonld``, embedded in the output, so
consumers need no network) by ``kg.export.context.Compactor`` — rdflib's serializer loses blank
nodes, see there —, nodes and values sorted. RDF/XML is written by Oxigraph from the sorted triples.

**Atomic files.** Output goes to a temporary file in the target's folder, is fsynced and then
renamed over the target: on any failure the previous file is unchanged and nothing is left
behind (SIGTERM included, see :mod:`kg.cli.base`; what a SIGKILL leaves, the next export to the
same target removes). The data is loaded and checked before the temporary file is even created.

No format needs rdflib: exports run at the speed of the engine.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import heapq
import io
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, count, groupby
from operator import itemgetter
from pathlib import Path
from typing import IO, Any

from pyoxigraph import (
    BlankNode,
    CanonicalizationAlgorithm,
    Dataset,
    DefaultGraph,
    NamedNode,
    Quad,
    RdfFormat,
    Store,
    Triple,
    parse,
    serialize,
)

from kg import formats, leftovers, resources
from kg.errors import InputError, OutputError
from kg.formats import Format
from kg.load import inference, scope
from kg.load.files import ONTOLOGY_GRAPH
from kg.namespaces import PREFIXES, RDF_TYPE, split

_PART = r"(?P<pid>[0-9]+)\.[A-Za-z0-9_]+\.part"  # after ".<target name>."

XSD = PREFIXES["xsd"]


FORMATS: dict[str, Format] = {name: formats.get(name) for name in formats.choices("export")}
"""The export formats (``kg.formats``: name, extension, media type, whether graphs are kept)."""
DEFAULT_FORMAT = "trig"


def format_for(path: Path | str | None, requested: str | None = None) -> Format:
    """The format to write: the one asked for, else the one the file's extension names, else
    the default (TriG)."""
    if requested:
        if requested not in FORMATS:
            raise InputError(f"unknown export format {requested!r} (known: {', '.join(FORMATS)})")
        return FORMATS[requested]
    if path is not None:
        name = formats.EXPORT_EXTENSIONS.get(Path(path).suffix.lower())
        if name is None:
            known = ", ".join(sorted(formats.EXPORT_EXTENSIONS))
            raise InputError(
                f"{path}: cannot tell the format from the extension (known: {known}); give --format"
            )
        return FORMATS[name]
    return FORMATS[DEFAULT_FORMAT]


# --------------------------------------------------------------------------------------------
# What is exported

Graph = NamedNode | BlankNode | DefaultGraph


def select_graphs(
    store: Store, *, with_inferred: bool = False, include_ontology: bool = False
) -> list[Graph]:
    """The graphs an export holds, sorted: the data graphs, plus the inferred graphs and the
    ontology graphs when asked (see the module docstring)."""
    chosen: list[Graph] = []
    for g in store.named_graphs():
        name = g.value if isinstance(g, NamedNode) else ""
        if scope.is_query_graph(g):
            continue  # derived for queries (kg.load.scope): it states nothing of its own
        if inference.is_inferred_graph(name):
            if with_inferred:
                chosen.append(g)
        elif inference.is_ontology_graph(name):
            if include_ontology:
                chosen.append(g)
        else:
            chosen.append(g)
    chosen.sort(key=str)
    first = next(iter(store.quads_for_pattern(None, None, None, DefaultGraph())), None)
    # the default graph is exported when it holds data of its own, not the documents' union
    # that kg.load.scope computes for queries (its triples are all stated in named graphs)
    if first is not None and not scope.is_derived_copy(store, first):
        chosen.insert(0, DefaultGraph())
    return chosen


# A statement as the N-Triples tokens Oxigraph writes: (graph, subject, predicate, object),
# graph b"" for the default graph and for the union. Working on these bytes rather than on
# Python term objects keeps an export of a million triples to seconds.
Row = tuple[bytes, bytes, bytes, bytes]

_TYPE_TOKEN = f"<{RDF_TYPE}>".encode()

# Rows are sorted as Oxigraph writes them, one N-Triples line each ("s p o ."), per graph.
# Sorting the lines sorts by subject, predicate and object: tokens are separated by a space,
# which sorts before every byte a subject or predicate token can hold (N-Triples escapes
# control characters), and no subject or predicate token is a proper prefix of another that a
# space could not tell apart. rdf:type is first replaced by \x01 (never raw in N-Triples) so
# that it sorts first among a subject's predicates, and put back when the line is read. All of
# it happens in C (split, replace, sort) on whole dumps: no Python work per statement.
_TYPE_MARK = b"\x01"
_TYPE_SPACED = b" " + _TYPE_TOKEN + b" "
_TYPE_MARK_SPACED = b" " + _TYPE_MARK + b" "

# a graph's token (b"" for the default graph, and for the union) and its sorted lines
Block = tuple[bytes, Iterable[bytes]]


def _line(row: Row) -> bytes:
    return b" ".join(row[1:]).replace(_TYPE_SPACED, _TYPE_MARK_SPACED) + b" ."


def _rows(blocks: Iterable[Block]) -> Iterator[Row]:
    """The statements of sorted blocks as (graph, subject, predicate, object) rows, made one
    at a time as they are written."""
    for graph, lines in blocks:
        for line in lines:
            subject, predicate, obj = line[:-2].split(b" ", 2)
            if predicate == _TYPE_MARK:
                predicate = _TYPE_TOKEN
            if _TYPE_MARK in obj:
                obj = obj.replace(_TYPE_MARK, _TYPE_TOKEN)
            yield graph, subject, predicate, obj


# The union of the graphs (Turtle, N-Triples, RDF/XML, JSON-LD) is sorted in runs of about this
# many bytes of lines: a run that fills is sorted and spilled to a temporary file, and the runs
# are merged as they are written. An export then holds one run beside the store, not a second
# copy of the data (at 1M triples the lines alone are 180 MB, their Turtle as much again).
RUN_BYTES = 32 << 20


_CHOP = itemgetter(slice(None, -1))  # a line without its newline, in C


class SortedRuns:
    """Byte strings (without newlines) sorted in bounded memory: kept in memory while they fit
    in ``limit`` bytes, else sorted in runs spilled to temporary files and merged when read
    (``heapq.merge``: the same order as one ``sorted``). Read once."""

    def __init__(self, limit: int | None = None) -> None:
        self.limit = limit if limit is not None else RUN_BYTES
        self.count = 0
        self._items: list[bytes] = []
        self._size = 0
        self._files: list[IO[bytes]] = []

    def extend(self, items: list[bytes], size: int | None = None) -> None:
        """Add items (``size``: their total length, when the caller knows it)."""
        self._items.extend(items)
        self.count += len(items)
        self._size += size if size is not None else sum(map(len, items))
        if self._size >= self.limit:
            self._spill()

    def _spill(self) -> None:
        self._items.sort()
        handle = tempfile.TemporaryFile(prefix="kg-export-")  # noqa: SIM115 (closed when read)
        handle.write(b"\n".join(self._items))
        handle.write(b"\n")
        handle.seek(0)
        self._files.append(handle)
        self._items, self._size = [], 0

    def __iter__(self) -> Iterator[bytes]:
        if not self._files:
            self._items.sort()
            items, self._items = self._items, []
            yield from items
            return
        if self._items:
            self._spill()
        files, self._files = self._files, []
        try:
            yield from heapq.merge(*(map(_CHOP, handle) for handle in files))
        finally:
            for handle in files:
                handle.close()


def _unique(lines: Iterable[bytes]) -> Iterator[bytes]:
    """Sorted lines without repeats (a triple stated in several graphs is written once)."""
    return map(itemgetter(0), groupby(lines))  # no Python frame per line


def collect_blocks(
    store: Store, graphs: Sequence[Graph], *, union: bool, grouped: bool = False
) -> list[Block]:
    """The statements of the chosen graphs as sorted blocks of lines (see ``_rows``): one block
    for the union of the graphs, without duplicates, when ``union``; else one block per graph,
    the default graph first, then by name. Blank nodes are canonically labelled (RDFC-1.0).

    ``grouped``: the lines need only come grouped by subject, as JSON-LD reads them (it sorts
    its nodes by their compacted ``@id`` and each node's values itself): a graph's lines are
    left in the order Oxigraph writes them (by subject; a graph with blank nodes is sorted, as
    its canonically labelled statements come last), and rdf:type is not marked. Why: sorting
    the lines and marking rdf:type was a tenth of the JSON-LD export's time with the graphs.
    The union is sorted either way (that is how its repeats are found).

    The union's block is an iterator over ``SortedRuns`` (bounded memory; read it once); the
    blocks of graphs are lists."""
    blocks: dict[bytes, list[bytes]] = {}
    runs = SortedRuns()
    blank: list[Row] = []
    line = _plain_line if grouped else _line
    unsorted: set[bytes] = set()  # graphs left in Oxigraph's order
    for g in graphs:
        token = b"" if union or isinstance(g, DefaultGraph) else str(g).encode()
        data = store.dump(None, RdfFormat.N_TRIPLES, from_graph=g)
        assert data is not None  # no output given: dump returns the bytes
        lines: list[bytes] = [] if union else blocks.setdefault(token, [])
        if token.startswith(b"_:") or b"_:" in data:
            for text in data.splitlines():  # rare: only graphs that mention a blank node
                subject, predicate, obj = text[:-2].split(b" ", 2)
                if token.startswith(b"_:") or subject[:2] == b"_:" or obj[:2] == b"_:":
                    blank.append((token, subject, predicate, obj))
                else:
                    lines.append(line((token, subject, predicate, obj)))
        elif grouped:
            lines.extend(data.splitlines())
            unsorted.add(token)
        else:
            lines.extend(data.replace(_TYPE_SPACED, _TYPE_MARK_SPACED).splitlines())
        if union:
            runs.extend(lines, len(data))
        del data
    canonical = _canonical(blank) if blank else []
    if union:
        runs.extend([line(row) for row in canonical])
        return [(b"", _unique(runs))] if runs.count else []
    for row in canonical:
        blocks.setdefault(row[0], []).append(line(row))
        unsorted.discard(row[0])
    for token, lines in blocks.items():
        if token not in unsorted:
            lines.sort()
    return [(token, blocks[token]) for token in sorted(blocks) if blocks[token]]


def _plain_line(row: Row) -> bytes:
    return b" ".join(row[1:]) + b" ."


def collect(store: Store, graphs: Sequence[Graph], *, union: bool) -> list[Row]:
    """The statements of the chosen graphs as sorted (graph, subject, predicate, object) rows
    of N-Triples tokens (``collect_blocks``, read out)."""
    return list(_rows(collect_blocks(store, graphs, union=union)))


# RDFC-1.0 tells most blank nodes apart by their own statements (its "first degree" hash) in
# linear time. Those it cannot (nodes whose statements look alike, such as the cells of a
# nested list) go through its n-degree step, which is cubic or worse in their number: a list
# nested 500 levels deep took 14 s, 10,000 levels never finished. Up to this many such nodes
# RDFC-1.0 is used as the standard says; above, see ``_tree_labels``.
RDFC_TIES = 64


def _canonical(rows: list[Row]) -> list[Row]:
    """Relabel the blank nodes canonically (the same graph always gets the same labels, whatever
    the labels it came with). Only the statements that mention a blank node take part, so the
    others never leave the fast path.

    RDFC-1.0 (``pyoxigraph.Dataset.canonicalize``) when at most ``RDFC_TIES`` blank nodes need
    its expensive step — every graph of the repository, whose blank nodes (OWL restrictions)
    all differ in their own statements. Otherwise the blank nodes must form trees, as Turtle's
    ``[ … ]`` and ``( … )`` write them, and are labelled in linear time by ``_tree_labels``
    (labels ``_:t0``, ``_:t1`` … so that nobody takes them for RDFC-1.0's).

    Raises:
        OutputError: more than ``RDFC_TIES`` look-alike blank nodes that do not form trees.
    """
    rows = list(dict.fromkeys(rows))
    ties = _look_alike(rows)
    if ties <= RDFC_TIES:
        return _rdfc(rows)
    labels = _tree_labels(rows)
    if labels is None:
        raise OutputError(
            f"cannot label the blank nodes canonically: {ties} of them look alike and they do "
            "not form trees (a blank node is the object of two statements, names a graph, or "
            f"is part of a cycle); RDFC-1.0 would take hours on that. At most {RDFC_TIES} such "
            "blank nodes can be exported; give the nodes IRIs"
        )

    def relabel(term: bytes) -> bytes:
        return labels.get(term, term) if term[:2] == b"_:" else term

    return [(relabel(g), relabel(s), relabel(p), relabel(o)) for g, s, p, o in rows]


def _rdfc(rows: list[Row]) -> list[Row]:
    """The rows relabelled by RDFC-1.0."""
    text = b"".join(b" ".join(r[1:]) + (b" " + r[0] if r[0] else b"") + b" .\n" for r in rows)
    dataset = Dataset(parse(text, RdfFormat.N_QUADS))
    dataset.canonicalize(CanonicalizationAlgorithm.RDFC_1_0)
    return [
        (
            b"" if isinstance(q.graph_name, DefaultGraph) else str(q.graph_name).encode(),
            str(q.subject).encode(),
            str(q.predicate).encode(),
            str(q.object).encode(),
        )
        for q in dataset
    ]


def _look_alike(rows: list[Row]) -> int:
    """How many blank nodes share their RDFC-1.0 first-degree hash with another one (the nodes
    RDFC-1.0's n-degree step has to tell apart). Compared is the text the standard hashes: the
    sorted N-Quads of the statements that mention the node, the node written ``_:a``, other
    blank nodes ``_:z``."""
    mentions: dict[bytes, list[Row]] = {}
    for row in rows:
        graph, subject, _predicate, obj = row
        if subject[:2] == b"_:":
            mentions.setdefault(subject, []).append(row)
        if obj[:2] == b"_:" and obj != subject:
            mentions.setdefault(obj, []).append(row)
        if graph[:2] == b"_:" and graph != subject and graph != obj:
            mentions.setdefault(graph, []).append(row)
    seen: dict[bytes, int] = {}  # keyed by the hashed text itself: equal texts, equal hashes
    for node, quads in mentions.items():
        lines = []
        for graph, subject, predicate, obj in quads:
            if subject[:2] == b"_:":
                subject = b"_:a" if subject == node else b"_:z"
            if obj[:2] == b"_:":
                obj = b"_:a" if obj == node else b"_:z"
            if graph[:2] == b"_:":
                graph = b"_:a" if graph == node else b"_:z"
            lines.append(
                b"%s %s %s %s.\n" % (subject, predicate, obj, graph + b" " if graph else b"")
            )
        lines.sort()
        text = b"".join(lines)
        seen[text] = seen.get(text, 0) + 1
    return sum(n for n in seen.values() if n > 1)


def _tree_labels(rows: list[Row]) -> dict[bytes, bytes] | None:
    """Canonical labels for blank nodes that form trees, in linear time; None when they do not
    (a blank node that names a graph, is the object of two statements, or lies on a cycle).

    A node's *content* hash covers its statements with each blank object replaced by that
    object's content hash (computed from the leaves up); its *key* adds where it hangs: the
    statement whose object it is (subject, predicate, graph), the parent's key in place of a
    blank subject (computed from the roots down). Two nodes with the same key have the same
    subtree at the same place, so swapping them (with their subtrees) maps the graph onto
    itself: whichever gets the smaller label, the output is the same. Labels are given in a
    depth-first walk, roots and children in the order of their keys, so that the subtrees of
    such twins are labelled alike too.
    """
    parent: dict[bytes, Row] = {}
    outgoing: dict[bytes, list[Row]] = {}
    kids: dict[bytes, list[bytes]] = {}
    for row in rows:
        graph, subject, _predicate, obj = row
        if graph[:2] == b"_:":
            return None
        if subject[:2] == b"_:":
            outgoing.setdefault(subject, []).append(row)
        if obj[:2] == b"_:":
            if obj in parent:
                return None
            parent[obj] = row
            if subject[:2] == b"_:":
                kids.setdefault(subject, []).append(obj)
    nodes = outgoing.keys() | parent.keys()
    roots = [n for n in nodes if n not in parent or parent[n][1][:2] != b"_:"]
    order: list[bytes] = []  # parents before children
    stack = list(roots)
    while stack:
        node = stack.pop()
        order.append(node)
        stack.extend(kids.get(node, ()))
    if len(order) != len(nodes):
        return None  # the rest hang on each other in cycles
    sha256 = hashlib.sha256
    content: dict[bytes, bytes] = {}
    for node in reversed(order):
        lines = [
            b"%s %s %s" % (graph, predicate, content[obj] if obj[:2] == b"_:" else obj)
            for graph, _subject, predicate, obj in outgoing.get(node, ())
        ]
        lines.sort()
        content[node] = sha256(b"\n".join(lines)).digest()
    key: dict[bytes, bytes] = {}
    for node in order:
        hanging = parent.get(node)
        if hanging is None:
            where = b"root"
        else:
            graph, subject, predicate, _obj = hanging
            above = key[subject] if subject[:2] == b"_:" else subject
            where = b"%s %s %s" % (graph, above, predicate)
        key[node] = sha256(content[node] + b"\n" + where).digest()
    labels: dict[bytes, bytes] = {}
    stack = sorted(roots, key=key.__getitem__, reverse=True)
    while stack:
        node = stack.pop()
        labels[node] = b"_:t%d" % len(labels)
        below = kids.get(node)
        if below:
            stack.extend(sorted(below, key=key.__getitem__, reverse=True))
    return labels


# --------------------------------------------------------------------------------------------
# Turtle and TriG, written here so that the output is stable

_LOCAL = re.compile(r"^([A-Za-z0-9_]([A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?)?$")
_INTEGER = re.compile(r"^[+-]?[0-9]+$")
_DECIMAL = re.compile(r"^[+-]?[0-9]*\.[0-9]+$")
_SHORTHAND: dict[str, Callable[[str], object]] = {
    XSD + "integer": _INTEGER.match,
    XSD + "decimal": _DECIMAL.match,
    XSD + "boolean": lambda v: v in ("true", "false"),
}


def _is_turtle_local(local: str) -> bool:
    return _LOCAL.match(local) is not None


_NAMER_CACHE = 1 << 16


class _Namer:
    """Renders N-Triples tokens as Turtle with the project's prefixes, remembering which
    prefixes were used."""

    def __init__(self, prefixes: dict[str, str]) -> None:
        self.prefixes = prefixes
        self.used: set[str] = set()
        self.cache: dict[bytes, str] = {}
        self.encoded: dict[bytes, bytes] = {}

    def iri(self, iri: str) -> str:
        found = split(iri, _is_turtle_local, self.prefixes)
        if found is None:
            return "<" + iri + ">"
        self.used.add(found[0])
        return f"{found[0]}:{found[1]}"

    def token(self, token: bytes) -> str:
        rendered = self.cache.get(token)
        if rendered is None:
            rendered = self._render(token.decode("utf-8"))
            if len(token) < 200:
                if len(self.cache) >= _NAMER_CACHE:
                    self.cache.clear()  # bounded: a million distinct IRIs are ~100 MB
                self.cache[token] = rendered
        return rendered

    def token_bytes(self, token: bytes) -> bytes:
        """``token`` as UTF-8 bytes, without decoding what Turtle writes as it is: a blank
        node, a plain or language-tagged literal (a datatyped one ends in ``>``). Why: most
        objects are such literals, each seen once; the cache is for IRIs, which repeat."""
        if token[:2] == b"_:" or (token[:1] == b'"' and token[-1:] != b">"):
            return token
        rendered = self.encoded.get(token)
        if rendered is None:
            rendered = self._render(token.decode("utf-8")).encode("utf-8")
            if len(token) < 200:
                if len(self.encoded) >= _NAMER_CACHE:
                    self.encoded.clear()
                self.encoded[token] = rendered
        return rendered

    def _render(self, text: str) -> str:
        if text.startswith("<"):
            return self.iri(text[1:-1])
        if not text.startswith('"') or text.endswith('"'):
            return text  # a blank node, or a plain string literal
        quote = text.rfind('"')
        tail = text[quote + 1 :]
        if not tail.startswith("^^<"):
            return text  # a language-tagged string
        quoted, datatype = text[: quote + 1], tail[3:-1]
        check = _SHORTHAND.get(datatype)
        if check is not None and check(quoted[1:-1]):
            return quoted[1:-1]
        return quoted + "^^" + self.iri(datatype)


def _prefix_block(namer: _Namer) -> str:
    lines = [f"@prefix {p}: <{ns}> ." for p, ns in namer.prefixes.items() if p in namer.used]
    return "\n".join(lines) + "\n\n" if lines else ""


def _statements(
    namer: _Namer, lines: Iterable[bytes], indent: bytes
) -> Generator[bytes, None, int]:
    """The Turtle statements (one per subject, separated by a blank line) of the sorted lines
    of one graph (``collect_blocks``), as UTF-8 chunks of many statements; returns how many
    lines it read. Why lines and one loop: splitting them into rows, grouping the rows and
    rendering each token through a method call was most of the Turtle export's time."""
    render = namer.token_bytes
    encoded = namer.encoded
    mark, type_token = _TYPE_MARK, _TYPE_TOKEN
    next_object = b",\n" + indent + b"        "
    next_predicate = b" ;\n" + indent + b"    "
    next_subject = b" .\n\n" + indent
    parts: list[bytes] = []
    subject = predicate = None
    count = 0
    for line in lines:
        s, p, o = line[:-2].split(b" ", 2)
        if mark in o:
            o = o.replace(mark, type_token)
        count += 1
        obj = encoded.get(o)
        if obj is None:
            # a plain or language-tagged literal is written as it is (``token_bytes``)
            obj = o if o[:1] == b'"' and o[-1:] != b">" else render(o)
        if s == subject:
            if p == predicate:
                parts += (next_object, obj)
                continue
            predicate = p
            verb = b"a" if p in (mark, type_token) else encoded.get(p) or render(p)
            parts += (next_predicate, verb, b" ", obj)
            continue
        if subject is None:
            parts.append(indent)
        else:
            parts.append(next_subject)
            if len(parts) > 1024:
                yield b"".join(parts)
                parts = []
        subject, predicate = s, p
        verb = b"a" if p in (mark, type_token) else encoded.get(p) or render(p)
        parts += (encoded.get(s) or render(s), b" ", verb, b" ", obj)
    if subject is not None:
        parts.append(b" .\n")
        yield b"".join(parts)
    return count


def _sorted_blocks(rows: Iterable[Row]) -> Iterator[Block]:
    """Sorted rows as the blocks of lines ``collect_blocks`` gives (for rows from elsewhere)."""
    for graph, same_graph in groupby(rows, key=itemgetter(0)):
        yield graph, map(_line, same_graph)


def _write_chunks(out: IO[bytes], chunks: Iterable[str | bytes]) -> None:
    """Write in blocks of about 64 KiB: few system calls, and a closed pipe is noticed early."""
    buffer: list[bytes] = []
    size = 0
    for chunk in chunks:
        data = chunk.encode("utf-8") if isinstance(chunk, str) else chunk
        buffer.append(data)
        size += len(data)
        if size > 1 << 16:
            out.write(b"".join(buffer))
            buffer, size = [], 0
    if buffer:
        out.write(b"".join(buffer))


def _with_prefixes(out: IO[bytes], namer: _Namer, body: Iterable[bytes]) -> None:
    """Write the prefix block, then the body. The prefix block lists the prefixes the body
    uses, known only once it is rendered: the body goes to a spooled temporary file first
    (in memory while small), not into a list of strings as large as the output."""
    with tempfile.SpooledTemporaryFile(max_size=RUN_BYTES, prefix="kg-export-") as spool:
        _write_chunks(spool, body)
        out.write(_prefix_block(namer).encode("utf-8"))
        spool.seek(0)
        shutil.copyfileobj(spool, out, 1 << 16)


def write_turtle(rows: Iterable[Row], out: IO[bytes]) -> None:
    """Stable Turtle of the sorted union rows."""
    namer = _Namer(PREFIXES)

    def body() -> Iterator[bytes]:
        for _graph, lines in _blocks(rows):
            _counted(rows, (yield from _statements(namer, lines, b"")))

    _with_prefixes(out, namer, body())


def write_trig(rows: Iterable[Row], out: IO[bytes]) -> None:
    """Stable TriG of the sorted rows, one block per graph (the default graph first)."""
    namer = _Namer(PREFIXES)

    def body() -> Iterator[bytes]:
        for i, (graph, lines) in enumerate(_blocks(rows)):
            head = namer.token_bytes(graph) + b" {\n" if graph else b"{\n"
            yield head if i == 0 else b"\n" + head
            _counted(rows, (yield from _statements(namer, lines, b"    ")))
            yield b"}\n"

    _with_prefixes(out, namer, body())


def _blocks(rows: Iterable[Row]) -> Iterable[Block]:
    """The blocks of lines behind ``rows``: as ``collect_blocks`` made them when the rows are
    an export's ``Statements`` (no row is made), else made from the rows."""
    return rows.blocks if isinstance(rows, Statements) else _sorted_blocks(rows)


def _counted(rows: Iterable[Row], count: int) -> None:
    if isinstance(rows, Statements):
        rows.count += count


def write_ntriples(rows: Iterable[Row], out: IO[bytes]) -> None:
    """N-Triples as Oxigraph writes each triple, one sorted line per triple."""
    _write_chunks(out, (b" ".join(r[1:]) + b" .\n" for r in rows))


def write_nquads(rows: Iterable[Row], out: IO[bytes]) -> None:
    """N-Quads, one sorted line per quad; default-graph quads without a fourth term."""
    _write_chunks(out, (b" ".join(r[1:]) + (b" " + r[0] if r[0] else b"") + b" .\n" for r in rows))


def _triples(rows: Iterable[Row]) -> list[Triple]:
    """The rows as Oxigraph triples, in the same order."""
    text = b"".join(b" ".join(r[1:]) + b" .\n" for r in rows)
    return [q.triple for q in parse(text, RdfFormat.N_TRIPLES)]


# RDF/XML writes a predicate as an XML element: its IRI must end in an XML name (NCName).
_XML_NAME_END = re.compile(r"[^\W\d][\w.\-]*$")


def write_rdfxml(rows: Iterable[Row], out: IO[bytes]) -> None:
    """RDF/XML by Oxigraph, from the sorted union."""
    triples = _triples(rows)
    namer = _Namer(PREFIXES)
    for predicate in sorted({t.predicate.value for t in triples}):
        if not _XML_NAME_END.search(predicate):
            raise OutputError(
                f"cannot write RDF/XML: the predicate <{predicate}> does not end in an XML "
                "name; use another format"
            )
        namer.iri(predicate)
    prefixes = {p: ns for p, ns in PREFIXES.items() if p in namer.used} | {"rdf": PREFIXES["rdf"]}
    try:
        data = serialize(triples, None, RdfFormat.RDF_XML, prefixes=prefixes)
    except (ValueError, SyntaxError) as error:
        raise OutputError(f"cannot write RDF/XML: {error}") from None
    out.write(data)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# JSON-LD, compacted with our context


def load_context(store: Store | None = None) -> dict[str, Any]:
    """Our JSON-LD context document: ``ontology/context.jsonld`` (local, never fetched), or,
    where that file does not exist, the same context built from the store's ontology graph."""
    path = resources.context_file()
    if path.is_file():
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise InputError(f"{path}: not a JSON-LD context: {error}") from None
        if not isinstance(document, dict) or not isinstance(document.get("@context"), dict):
            raise InputError(f"{path}: not a JSON-LD context (no @context object)")
        return document
    from kg.export.context import build_context

    if store is not None:
        return build_context(store, ONTOLOGY_GRAPH)
    return {"@context": dict(PREFIXES)}


def write_jsonld(
    rows: Iterable[Row], out: IO[bytes], context: dict[str, Any], *, keep_graphs: bool = False
) -> None:
    """JSON-LD compacted with ``context``, embedded: ``{"@context": …, "@graph": [nodes]}``,
    nodes sorted by ``@id`` (``kg.export.context.Compactor``). The one JSON-LD writer of kg:
    exports, and the descriptions the server gives.

    With ``keep_graphs`` (a JSON-LD 1.1 dataset), each named graph becomes
    ``{"@id": graph, "@graph": [nodes]}`` and the default graph's nodes stay at the top
    level; the rows must come grouped by graph, the default graph first (``collect_blocks``
    gives them so). Otherwise the rows are merged into one graph (the union). Either way the
    document is written as a stream, one node at a time (``_Nodes``), and is the text
    ``json.dumps(document, indent=2)`` gives."""
    from kg.export.context import Compactor

    compactor = _TokenCompactor(Compactor(context["@context"]))
    head = json.dumps({"@context": context["@context"], "@graph": []}, indent=2, **_JSON)
    assert head.endswith(_EMPTY_GRAPH)
    top = _Nodes(compactor, 4)
    inner = _Nodes(compactor, 8)
    blocks = _blocks(rows)
    if keep_graphs:
        items = _graph_items(compactor, blocks, top, inner)
    else:
        items = top.sorted_nodes(chain.from_iterable(lines for _graph, lines in blocks))
    first = next(items, None)
    if first is None:
        out.write((head + "\n").encode("utf-8"))
    else:
        buffer = [head[: -len(_EMPTY_GRAPH)].encode("utf-8") + b"[\n", first]
        size = 0
        for item in items:  # one at a time, never a list of them
            buffer += (b",\n", item)
            size += len(item)
            if size > 1 << 16:
                out.write(b"".join(buffer))
                buffer, size = [], 0
        buffer.append(b"\n  ]\n}\n")
        out.write(b"".join(buffer))
    _counted(rows, top.count + inner.count)


def _graph_items(
    compactor: _TokenCompactor, blocks: Iterable[Block], top: _Nodes, inner: _Nodes
) -> Iterator[bytes]:
    """The top-level items of a JSON-LD dataset: the default graph's nodes, then one object per
    named graph holding its nodes, as JSON text (UTF-8) indented for the document's
    ``@graph``."""
    for graph, lines in blocks:
        if not graph:
            yield from top.sorted_nodes(lines)
            continue
        name = graph.decode("utf-8")
        graph_id = compactor.compactor.iri(name[1:-1]) if name.startswith("<") else name
        head = '    {\n      "@id": ' + _string(graph_id) + ',\n      "@graph": [\n'
        nodes = b",\n".join(inner.sorted_nodes(lines))
        yield head.encode("utf-8") + nodes + b"\n      ]\n    }"


_JSON: dict[str, Any] = {"ensure_ascii": False}
# json.dumps(str, ensure_ascii=False) without the encoder around it (the same C function)
_string: Callable[[str], str] = json.encoder.encode_basestring
_EMPTY_GRAPH = "[]\n}"


# A newline of a node's indented JSON while it waits in SortedRuns (one entry per line there):
# json.dumps escapes every control character inside strings, so this byte is never in the text.
_NEWLINE_MARK = b"\x01"

# How a value is written around its core (a JSON string: the literal's lexical form, or the
# reference): (before, after) alone under its key, (before, after) in a list of values,
# (before, after) in the text values are sorted by (``context._json_sort_key``). A plain
# string is its core; ``{"@id": …}`` and ``{"@type" or "@language": …, "@value": …}`` wrap it.
Shape = tuple[bytes, bytes, bytes, bytes, bytes, bytes]
_PLAIN: Shape = (b"", b"", b"", b"", b"", b"")
Value = tuple[bytes, Shape]  # (core, shape)

_CACHE = 1 << 16  # entries kept per text cache (bounded: a million distinct IRIs are 100s of MB)


class _TokenCompactor:
    """``Compactor``'s choices (key, and value as a string or a flat object) for the N-Triples
    tokens of a statement, without making Oxigraph terms of them: an IRI is the text between
    its brackets (Oxigraph writes IRIs unescaped), a blank node its token, a literal is given
    by its predicate, datatype or language alone (its lexical form does not change the key or
    the shape of the value). Any other object (an escaped literal, a base direction, a triple
    term) is parsed by Oxigraph and given to ``Compactor.add`` as before. Shared by the
    ``_Nodes`` of both indents of a dataset, so that each IRI is compacted once."""

    def __init__(self, compactor: Any) -> None:
        self.compactor = compactor
        self.namespaces = {
            namespace.encode("utf-8"): prefix.encode("utf-8") + b":"
            for namespace, prefix in compactor.by_namespace.items()
        }

    def ids(self, token: bytes) -> tuple[bytes, bytes]:
        """The ``@id`` of an IRI or blank node token, in UTF-8, and as a JSON string.

        An IRI is compacted on its bytes where the namespace before its last ``/`` or ``#``
        has a prefix, which is the first namespace ``Compactor.iri`` tries (the longest), so
        the answer is the same; else by ``Compactor.iri``. Why: most subjects and objects are
        IRIs seen once, and decoding, compacting and escaping each as text was a tenth of the
        JSON-LD export's time."""
        if token[:1] == b"<":
            cut = max(token.rfind(b"/", 1, len(token) - 2), token.rfind(b"#", 1, len(token) - 2))
            prefix = self.namespaces.get(token[1 : cut + 1]) if cut > 0 else None
            if prefix is not None and not token.startswith(b"//", cut + 1):
                node_id = prefix + token[cut + 1 : -1]
            else:
                node_id = self.compactor.iri(token[1:-1].decode("utf-8")).encode("utf-8")
        else:
            node_id = token
        if _ESCAPED(node_id):  # not in an IRI or a blank node label Oxigraph accepts
            return node_id, _string(node_id.decode("utf-8")).encode("utf-8")
        return node_id, b'"' + node_id + b'"'

    def reference(self, predicate: bytes, token: bytes) -> tuple[str, Any]:
        """The key and value of a statement whose object is an IRI or a blank node
        (``token``; the reference itself is ``"\0"`` when ``token`` is empty)."""
        name = _RDF_TYPE if predicate == _TYPE_MARK else predicate[1:-1].decode("utf-8")
        if token[:1] == b"<":
            if name == _RDF_TYPE:
                found: dict[str, list[Any]] = {}
                self.compactor.add_type(found, token[1:-1].decode("utf-8"))
                return "@type", found["@type"][0]
            return self.compactor.reference(name, self.compactor.iri(token[1:-1].decode("utf-8")))
        return self.compactor.reference(name, token.decode("utf-8") or "\0")

    def literal(self, predicate: bytes, tail: bytes) -> tuple[str, Any] | None:
        """The key and value (its lexical form "") of a literal object of ``predicate`` from
        what follows its closing quote (nothing, ``^^<datatype>`` or ``@language``); None for
        what this does not read (a base direction)."""
        name = _RDF_TYPE if predicate == _TYPE_MARK else predicate[1:-1].decode("utf-8")
        if not tail:
            return self.compactor.literal(name, "", _XSD_STRING, None)
        if tail[:3] == b"^^<":
            return self.compactor.literal(name, "", tail[3:-1].decode("utf-8"), None)
        if tail[:1] == b"@" and b"--" not in tail:
            return self.compactor.literal(name, "", None, tail[1:].decode("utf-8"))
        return None

    def parsed(self, subject: bytes, predicate: bytes, obj: bytes) -> tuple[str, Any]:
        """The key and value of any statement, parsed by Oxigraph (``Compactor.add``)."""
        if predicate == _TYPE_MARK:
            predicate = _TYPE_TOKEN
        (triple,) = _triples([(b"", subject, predicate, obj)])
        found: dict[str, list[Any]] = {}
        self.compactor.add(found, triple.predicate, triple.object)
        ((key, (value,)),) = found.items()
        return key, value


class _Nodes:
    """The node objects of a graph's statements (the lines of ``collect_blocks``: grouped by
    subject), as the UTF-8 text ``_indented(Compactor.node(…), margin)`` gives at an indent,
    sorted by ``@id`` (``sorted_nodes``).

    Why this way: the statements are read in one loop over the lines, a subject's statements
    as a run of lines. A statement's key and value text are looked up by what follows its
    subject in the line (the predicate and object tokens, as bytes): IRI objects repeat, so
    most statements cost a split and a dict lookup. A literal's lexical form is its JSON string
    as it stands in the line when it holds no backslash (then N-Triples escaped nothing in it,
    so there is no quote, backslash or control character that JSON would escape): only its
    predicate and datatype or language are looked up. A node's text is joined from these
    pieces, already in the layout of ``json.dumps(indent=2)`` and encoded. Compacting each
    statement through method calls into dicts of values, then writing them, was most of the
    JSON-LD export's time (1.7-1.9x raw's at 1M triples with the graphs)."""

    def __init__(self, compactor: _TokenCompactor, indent: int) -> None:
        self.compactor = compactor
        self.margin = " " * indent
        self.one = "\n" + self.margin + "  "
        self.two = self.one + "  "
        self.three = self.two + "  "
        self.opening = (self.margin + "{" + self.one + '"@id": ').encode("utf-8")
        self.closing = ("\n" + self.margin + "}").encode("utf-8")
        self.list_open = ("[" + self.two).encode("utf-8")
        self.list_next = ("," + self.two).encode("utf-8")
        self.list_close = (self.one + "]").encode("utf-8")
        self.count = 0  # lines read
        # a node's keys in the order its lines gave them → (key, ',' indent '"key": ') in order
        self.layouts: dict[tuple[str, ...], tuple[tuple[str, bytes], ...]] = {}
        self.shapes: dict[tuple[tuple[str, str], ...], Shape] = {}
        # predicate and object tokens (a line after its subject) → key, value; IRI objects only
        self.references: dict[bytes, tuple[str, Value]] = {}
        # predicate token + what follows a literal's closing quote → key, shape
        self.literals: dict[bytes, tuple[str, Shape]] = {}
        self.predicates: dict[bytes, tuple[str, Shape]] = {}  # → key, shape of IRI objects

    def sorted_nodes(self, lines: Iterable[bytes]) -> Iterator[bytes]:
        """The nodes of the lines, sorted by ``@id``, in bounded memory.

        The lines come grouped by subject, but nodes are sorted by their compacted ``@id``,
        another order: each subject's node is kept as a line ``@id NUL text`` in
        ``SortedRuns`` (UTF-8 bytes sort as the code points ``sorted`` compares, and NUL
        before every character, so the lines sort by ``@id``; the text's newlines are kept
        as ``_NEWLINE_MARK``). A subject is one run of lines, so each ``@id`` has one line,
        written as it is; two subjects that compact to the same ``@id`` meet there and are
        merged from their texts, as ``Compactor.nodes`` merges them."""
        # (@id, text) pairs until their text outgrows a quarter of RUN_BYTES, then sorted
        # runs: most graphs are a few nodes
        runs: SortedRuns | None = None
        held: list[tuple[bytes, bytes]] = []
        size = 0
        for node_id, text in self.nodes(lines):
            if runs is None:
                held.append((node_id, text))
                size += len(text)
                if size < RUN_BYTES // 4:
                    continue
                runs = SortedRuns()
                entries = [_entry(i, t) for i, t in held]
                held = []
                runs.extend(entries, sum(map(len, entries)))
                continue
            entry = _entry(node_id, text)
            runs.extend([entry], len(entry))
        groups: Iterable[tuple[bytes, list[bytes]]]
        if runs is None:
            held.sort(key=itemgetter(0))
            if len({node_id for node_id, _ in held}) == len(held):  # each @id once: no merging
                yield from map(itemgetter(1), held)
                return
            groups = ((i, [text for _, text in same]) for i, same in groupby(held, itemgetter(0)))
        else:
            groups = (
                (
                    node_id,
                    [entry[len(node_id) + 1 :].replace(_NEWLINE_MARK, b"\n") for entry in same],
                )
                for node_id, same in groupby(runs, key=lambda entry: entry[: entry.index(b"\0")])
            )
        for node_id, texts in groups:
            if len(texts) == 1:
                yield texts[0]
            else:
                yield self._merged(node_id.decode("utf-8"), texts)

    def _merged(self, node_id: str, texts: list[bytes]) -> bytes:
        """One node of the texts of the nodes of several subjects with the same ``@id``."""
        merged: dict[str, list[Any]] = {}
        for text in texts:
            for key, value in json.loads(text).items():
                if key != "@id":
                    merged.setdefault(key, []).extend(value if isinstance(value, list) else [value])
        node = self.compactor.compactor.node(node_id, merged)
        return _indented(node, self.margin).encode("utf-8")

    def nodes(self, lines: Iterable[bytes]) -> Iterator[tuple[bytes, bytes]]:
        """``(@id, text)`` of each subject's run of lines (the ``@id`` as UTF-8), in the
        order of the lines."""
        references = self.references
        literals = self.literals
        subject = None
        properties: dict[str, list[Value]] = {}
        read = 0
        for read, line in enumerate(lines, 1):  # noqa: B007 (the count is read after)
            s, rest = line.split(b" ", 1)
            if s != subject:
                if subject is not None:
                    yield self._node(subject, properties)
                subject = s
                properties = {}
            found = references.get(rest)
            if found is None:
                predicate, obj = rest[:-2].split(b" ", 1)
                if obj[:1] == b'"' and b"\\" not in obj and _TYPE_MARK not in obj:
                    end = obj.rindex(b'"')
                    shaped = literals.get(predicate + obj[end + 1 :])
                    if shaped is None:
                        shaped = self._literal_shape(predicate, obj[end + 1 :])
                    if shaped is not None:
                        found = shaped[0], (obj[: end + 1], shaped[1])
                if found is None:
                    found = self._value(s, predicate, obj, rest)
            key, value = found
            values = properties.get(key)
            if values is None:
                properties[key] = [value]
            else:
                values.append(value)
        if subject is not None:
            yield self._node(subject, properties)
        self.count += read

    def _literal_shape(self, predicate: bytes, tail: bytes) -> tuple[str, Shape] | None:
        chosen = self.compactor.literal(predicate, tail)
        if chosen is None:
            return None
        key, value = chosen
        shaped = key, self._core(value)[1]
        if len(self.literals) >= _CACHE:
            self.literals.clear()
        self.literals[predicate + tail] = shaped
        return shaped

    def _value(
        self, subject: bytes, predicate: bytes, obj: bytes, rest: bytes
    ) -> tuple[str, Value]:
        """The key and value of a statement that is not a plain literal (``nodes``)."""
        if obj[:1] == b"<" and obj[:2] != b"<<":
            if predicate in (_TYPE_MARK, _TYPE_TOKEN):
                key, value = self.compactor.reference(predicate, obj)
                found = key, self._core(value)
            else:
                shaped = self.predicates.get(predicate)
                if shaped is None:
                    key, value = self.compactor.reference(predicate, b"")
                    shaped = self.predicates[predicate] = key, self._core(value)[1]
                found = shaped[0], (self.compactor.ids(obj)[1], shaped[1])
            if len(self.references) >= _CACHE:
                self.references.clear()
            self.references[rest] = found
            return found
        if obj[:2] == b"_:":
            key, value = self.compactor.reference(predicate, obj)
            return key, self._core(value)
        if _TYPE_MARK in obj:
            obj = obj.replace(_TYPE_MARK, _TYPE_TOKEN)
        key, value = self.compactor.parsed(subject, predicate, obj)
        return key, self._core(value)

    def _core(self, value: str | dict[str, str]) -> Value:
        """A value (``Compactor``'s: a string or a flat object of strings) as its core and
        shape."""
        if isinstance(value, str):
            return _string(value).encode("utf-8"), _PLAIN
        core = "@value" if "@value" in value else "@id"
        return _string(value[core]).encode("utf-8"), self._shape(value, core)

    def _shape(self, value: dict[str, str], core: str) -> Shape:
        """The shape of a flat object whose member ``core`` holds the core: its texts (as
        ``_flat`` and ``_sort_text`` write them) split where the core goes."""
        sample = {key: "\0" if key == core else text for key, text in value.items()}
        cache_key = tuple(sample.items())
        shape = self.shapes.get(cache_key)
        if shape is None:
            marker = _string("\0")  # no other member holds NUL: the core's place
            single = "{" + self.two + _flat(sample, self.two) + self.one + "}"
            listed = "{" + self.three + _flat(sample, self.three) + self.two + "}"
            pieces: list[bytes] = []
            for text in (single, listed, _sort_text(sample)):
                before, after = text.split(marker)
                pieces += (before.encode("utf-8"), after.encode("utf-8"))
            shape = self.shapes[cache_key] = (
                pieces[0],
                pieces[1],
                pieces[2],
                pieces[3],
                pieces[4],
                pieces[5],
            )
        return shape

    def _node(self, subject: bytes, properties: dict[str, list[Value]]) -> tuple[bytes, bytes]:
        """``(@id, text)`` of a subject's node: ``@id``, ``@type``, then the keys in order,
        values sorted by their sort text, as ``Compactor.node`` orders them."""
        ids = self.compactor.ids(subject)
        parts = [self.opening, ids[1]]
        layout = self.layouts.get(tuple(properties))
        if layout is None:
            layout = self._layout(properties)
        for key, head in layout:
            values = properties[key]
            if len(values) == 1:
                core, shape = values[0]
                parts += (head, shape[0], core, shape[1])
                continue
            ordered = sorted([(s[4] + c + s[5], s[2] + c + s[3]) for c, s in values])
            listed = self.list_next.join([text for _, text in ordered])
            parts += (head, self.list_open, listed, self.list_close)
        parts.append(self.closing)
        return ids[0], b"".join(parts)

    def _layout(self, properties: dict[str, list[Value]]) -> tuple[tuple[str, bytes], ...]:
        """The keys of a node in their order (``@type``, then sorted) with the text that
        opens each; kept for the keys in the order the node's lines brought them (nodes of a
        kind have the same keys, and Oxigraph writes their statements in the same order)."""
        keys = sorted(properties)
        if keys[0] != "@type" and "@type" in properties:
            keys.remove("@type")
            keys.insert(0, "@type")
        layout = tuple(
            (key, ("," + self.one + _string(key) + ": ").encode("utf-8")) for key in keys
        )
        if len(self.layouts) >= _CACHE:
            self.layouts.clear()
        self.layouts[tuple(properties)] = layout
        return layout


def _entry(node_id: bytes, text: bytes) -> bytes:
    """A node as a line of ``SortedRuns``: ``@id NUL text``, newlines as ``_NEWLINE_MARK``."""
    return node_id + b"\0" + text.replace(b"\n", _NEWLINE_MARK)


_RDF_TYPE = PREFIXES["rdf"] + "type"
_XSD_STRING = XSD + "string"
# what json.dumps escapes in a string (ensure_ascii=False): quotes, backslashes, control codes
_ESCAPED = re.compile(rb'[\x00-\x1f"\\]').search


def _flat(value: dict[str, str], newline: str) -> str:
    """The members of a flat object (``{"@id": …}``, ``{"@type": …, "@value": …}``, …) as
    ``json.dumps(indent=2)`` lays them out, joined by ``newline`` (which holds the indent)."""
    return ("," + newline).join(_string(k) + ": " + _string(v) for k, v in value.items())


def _sort_text(value: dict[str, str]) -> str:
    """``context._json_sort_key(value)`` (``json.dumps(value, sort_keys=True)``) for a flat
    object of strings."""
    return "{" + ", ".join(_string(k) + ": " + _string(value[k]) for k in sorted(value)) + "}"


_INDENTED = count(1)


def _indented(node: dict[str, Any], margin: str) -> str:
    """A node object as ``json.dumps(…, indent=2)`` writes it inside the document, at ``margin``.

    json.dumps with an indent builds its encoder as closures that refer to each other: a
    reference cycle per call, freed only by the cyclic collector, which an export turns off
    (_no_cycle_collection). Unfreed, they held 700 MB at 1M triples: they are collected every
    100 calls, counted across calls (a JSON-LD dataset's passage graphs hold a few nodes each:
    counted per graph, they were never collected, and its export peaked at 1.2 GB)."""
    if next(_INDENTED) % 100 == 0:
        gc.collect(0)
    return margin + json.dumps(node, indent=2, **_JSON).replace("\n", "\n" + margin)


# --------------------------------------------------------------------------------------------
# Putting it together

_WRITERS: dict[str, Callable[[Iterable[Row], IO[bytes]], None]] = {
    "turtle": write_turtle,
    "trig": write_trig,
    "ntriples": write_ntriples,
    "nquads": write_nquads,
    "rdfxml": write_rdfxml,
}


@dataclass(frozen=True)
class ExportSummary:
    """What an export wrote."""

    format: str
    graphs: int
    statements: int  # quads for quad formats, triples (after merging) for the others
    with_inferred: bool
    path: Path | None = None


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Millions of small tuples and no reference cycles: the cyclic collector would only
    rescan them (measured: about half the time of an export at 1M triples)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def serialize_store(
    store: Store,
    out: IO[bytes],
    fmt: str = DEFAULT_FORMAT,
    *,
    with_inferred: bool = False,
    include_ontology: bool = False,
    context: dict[str, Any] | None = None,
    union: bool = False,
) -> ExportSummary:
    """Write the selected graphs of ``store`` to the binary stream ``out`` in format ``fmt``.

    ``union``: JSON-LD writes the union of the graphs as one graph instead of a JSON-LD 1.1
    dataset with a named graph per passage (the triple formats always write the union)."""
    spec = format_for(None, fmt)
    keeps = keeps_graphs(spec.name, union=union)
    graphs = select_graphs(store, with_inferred=with_inferred, include_ontology=include_ontology)
    with _no_cycle_collection():
        blocks = collect_blocks(store, graphs, union=not keeps, grouped=spec.name == "jsonld")
        counted = Statements(blocks)  # rows made as they are written: one alive at a time
        if spec.name == "jsonld":
            chosen = context if context is not None else load_context(store)
            write_jsonld(counted, out, chosen, keep_graphs=keeps)
        else:
            _WRITERS[spec.name](counted, out)
    return ExportSummary(spec.name, len(graphs), counted.count, with_inferred)


def keeps_graphs(fmt: str, *, union: bool = False) -> bool:
    """Whether an export in ``fmt`` keeps the named graphs (which passage states which fact):
    the quad formats always; JSON-LD unless the union is asked for (a JSON-LD 1.1 dataset:
    each graph an object with its ``@id`` and ``@graph``); the other triple formats never."""
    spec = format_for(None, fmt)
    return spec.keeps_graphs or (spec.name == "jsonld" and not union)


class Statements:
    """The sorted blocks of an export (``collect_blocks``) as an iterable of rows, made one at
    a time as they are taken, counted (the union is a stream: its length is known once it is
    written). Turtle, TriG and JSON-LD read the blocks' lines directly (``_blocks``) and add
    what they wrote to ``count``."""

    def __init__(self, blocks: Iterable[Block]) -> None:
        self.blocks = blocks
        self.count = 0

    def __iter__(self) -> Iterator[Row]:
        for item in _rows(self.blocks):
            self.count += 1
            yield item


def serialize_quads(quads: Iterable[Quad], fmt: str) -> bytes:
    """Some quads in a stable format of ``FORMATS`` (not JSON-LD): the one way kg writes RDF
    it builds itself — the files ``kg link`` generates, the descriptions ``kg serve`` gives —
    so that they read like exports: sorted, our prefixes, the same bytes for the same quads."""
    spec = format_for(None, fmt)
    if spec.name not in _WRITERS:
        raise ValueError(f"serialize_quads does not write {spec.name}")
    scratch = Store()
    scratch.extend(quads)
    graphs: list[Graph] = sorted(scratch.named_graphs(), key=str)
    if any(True for _ in scratch.quads_for_pattern(None, None, None, DefaultGraph())):
        graphs.insert(0, DefaultGraph())
    out = io.BytesIO()
    blocks = collect_blocks(scratch, graphs, union=not spec.keeps_graphs)
    _WRITERS[spec.name](Statements(blocks), out)
    return out.getvalue()


def atomic_write(path: Path | str, produce: Callable[[IO[bytes]], Any]) -> Any:
    """Call ``produce`` with a temporary file beside ``path``; fsync it and rename it over
    ``path``. On any failure the old file is unchanged and the temporary file is removed.

    Raises:
        OutputError: the file cannot be written (missing folder, permissions, disk full).
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise OutputError(f"{target}: is a folder")
    if not folder.is_dir():
        raise OutputError(f"{target}: no such folder: {folder}")
    # The name carries our pid, so that the next export removes what a killed one left
    # (kg.leftovers); a live process's file is never touched.
    leftovers.sweep(folder, re.compile(re.escape(f".{target.name}.") + _PART))
    try:
        fd, temporary = tempfile.mkstemp(
            dir=folder, prefix=f".{target.name}.{os.getpid()}.", suffix=".part"
        )
    except OSError as error:
        raise OutputError(f"{target}: cannot write: {error.strerror or error}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            result = produce(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, _mode_for(target))
        os.replace(temporary, target)
    except BaseException as error:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        if isinstance(error, OSError):
            raise OutputError(
                f"{target}: cannot write: {error.strerror or error}; the file is unchanged"
            ) from None
        raise
    _fsync_folder(folder)
    return result


def _mode_for(target: Path) -> int:
    """Keep an existing file's permissions; a new file gets the usual 0666 minus umask."""
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _fsync_folder(folder: Path) -> None:
    """Make the rename durable (best effort: not every platform can open a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def export(
    paths: Sequence[Path | str] | None = None,
    *,
    fmt: str | None = None,
    output: Path | str | None = None,
    stream: IO[bytes] | None = None,
    with_inferred: bool = False,
    include_ontology: bool = False,
    union: bool = False,
) -> ExportSummary:
    """Load the dataset (``kg.load.open_dataset``) and export it to ``output`` (atomically)
    or to the binary ``stream`` (standard output for the CLI).

    Args:
        paths: files or folders to load; the repository's data when none.
        fmt: a key of ``FORMATS``; by default the format the output's extension names, or TriG.
        output: the file to write; ``stream`` is used when it is None.
        stream: a binary stream, flushed at the end so a closed pipe shows up here.
        with_inferred: add the inferred graphs and their provenance.
        include_ontology: add the ontology graph.
        union: JSON-LD: one graph, the union, instead of the named graphs (``keeps_graphs``).

    Raises:
        InputError, RdfSyntaxError: the data cannot be loaded (nothing is written).
        OutputError: the output cannot be written (the old file, if any, is unchanged).
    """
    from kg.load import open_dataset

    spec = format_for(output, fmt)
    dataset = open_dataset(paths, inferred=with_inferred)

    def write(handle: IO[bytes]) -> ExportSummary:
        return serialize_store(
            dataset.store,
            handle,
            spec.name,
            with_inferred=with_inferred,
            include_ontology=include_ontology,
            union=union,
        )

    if output is not None:
        summary = atomic_write(output, write)
        return ExportSummary(
            summary.format, summary.graphs, summary.statements, with_inferred, Path(output)
        )
    if stream is None:
        raise OutputError("no output: give a file or a stream")
    summary = write(stream)
    stream.flush()
    return summary
