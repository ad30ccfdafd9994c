"""The one place that loads RDF files into a store.

Every file goes into named graphs: a Turtle (or N-Triples, RDF/XML, JSON-LD) file becomes one
graph named after the file; a TriG or N-Quads file keeps the graphs it names, and its
default-graph triples go to the file's graph. The store's default graph is the queries' (the
distinct union of the graphs, :mod:`kg.load.scope`): only a store being built for queries
gets each triple there too as it loads (:class:`QueryGraphWriter`). The map from graph to file
is kept so that reports can name the file a finding comes from.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import warnings
from collections.abc import Iterable, Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from pyoxigraph import (
    BlankNode,
    DefaultGraph,
    NamedNode,
    Quad,
    RdfFormat,
    Store,
    Triple,
    parse,
    serialize,
)

from kg import formats, resources
from kg.errors import InputError, KgWarning, RdfSyntaxError
from kg.load import scope
from kg.namespaces import GRAPH

if TYPE_CHECKING:
    from kg.progress import Progress

FORMATS: dict[str, RdfFormat] = {
    ext: rdf for ext, name in formats.READABLE.items() if (rdf := formats.get(name).rdf) is not None
}
"""File extension → parser, for the extensions ``kg.formats`` says kg reads."""

ONTOLOGY_GRAPH = NamedNode(GRAPH + "ontology")


class FileIndex(MutableMapping[str, Path]):
    """Graph IRI → the file it was loaded from; the graphs of dataset files (TriG, N-Quads)
    are read from those files the first time the map is consulted.

    Why lazily: the store can only say which graphs a TriG file brought by listing all its
    graphs before and after the file, which costs O(files × graphs) — 30 s for 667 files and
    31k passage graphs at 1M triples, twelve times the load itself — while most commands
    (query, export) never look at the map. Reading the graph names back from the files costs
    one parse, and only for the commands that ask (validate, the persistent store). A graph
    that an earlier file already brought keeps that file, as when loading. Graphs named by a
    blank node are not recorded (their labels are not the store's).
    """

    def __init__(self, data: Mapping[str, Path] | None = None) -> None:
        self._data: dict[str, Path] = dict(data or {})
        self._pending: list[tuple[Path, RdfFormat, NamedNode]] = []
        # every file that states triples in a graph, in load order (the first is _data's)
        self._owners: dict[str, list[Path]] = {g: [p] for g, p in self._data.items()}
        self.loaded: list[Path] = []  # every file loaded, in order

    def own(self, name: str, path: Path) -> None:
        """Record that ``path`` states triples in graph ``name`` (the first such file is the
        graph's file, :meth:`__getitem__`)."""
        self._data.setdefault(name, path)
        owners = self._owners.setdefault(name, [])
        if path not in owners:
            owners.append(path)

    def owners(self, name: str) -> list[Path]:
        """Every file that states triples in graph ``name``, in load order."""
        if self._pending:
            self._resolve()
        return list(self._owners.get(name, ()))

    def shared(self) -> dict[str, list[Path]]:
        """The graphs more than one file states triples in (each graph is one file's: a
        second file adding to a passage graph would put facts in a passage that does not
        state them)."""
        if self._pending:
            self._resolve()
        return {g: list(p) for g, p in self._owners.items() if len(p) > 1}

    def defer(self, path: Path, fmt: RdfFormat, target: NamedNode) -> None:
        """Record that ``path`` (a dataset file, loaded with ``target`` as its default graph)
        brought graphs that are to be read from it when the map is first consulted."""
        self._pending.append((path, fmt, target))

    @staticmethod
    def _graphs_of(path: Path, fmt: RdfFormat, target: NamedNode) -> list[str]:
        """The graphs a dataset file states triples in, in order of first appearance (its
        default-graph triples count for ``target``)."""
        seen: dict[str, None] = {}
        try:
            with rdf_input(path) as source:
                for quad in parse(**source, format=fmt, base_iri=path.resolve().as_uri()):
                    g = quad.graph_name
                    if isinstance(g, DefaultGraph):
                        seen.setdefault(target.value)
                    elif isinstance(g, NamedNode):
                        seen.setdefault(g.value)
        except (OSError, SyntaxError, ValueError):
            pass  # changed or removed since it was loaded: what it no longer has names no file
        return list(seen)

    def _resolve(self) -> None:
        pending, self._pending = self._pending, []
        for path, fmt, target in pending:
            for name in self._graphs_of(path, fmt, target):
                self.own(name, path)

    def __getitem__(self, key: str) -> Path:
        if self._pending:
            self._resolve()
        return self._data[key]

    def __setitem__(self, key: str, value: Path) -> None:
        if self._pending:
            self._resolve()
        self._data[key] = value
        if value not in self._owners.setdefault(key, []):
            self._owners[key].insert(0, value)

    def __delitem__(self, key: str) -> None:
        if self._pending:
            self._resolve()
        del self._data[key]

    def __iter__(self) -> Iterator[str]:
        if self._pending:
            self._resolve()
        return iter(self._data)

    def __len__(self) -> int:
        if self._pending:
            self._resolve()
        return len(self._data)

    def __repr__(self) -> str:
        return f"FileIndex({dict(self)!r})"


@dataclass
class Dataset:
    """A store and the record of which file each of its graphs came from."""

    store: Store
    files: MutableMapping[str, Path] = field(default_factory=FileIndex)

    def file_of(self, graph: str) -> Path | None:
        """The file a graph was loaded from, or None for graphs kg computed itself."""
        return self.files.get(graph)


# As text, compiled (and cached by ``re``) by graph_lines: a cold command that points at no
# line of a TriG file does not compile them.
_PREFIX_LINE = r"(?i)(?:@prefix|PREFIX)\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>"
_GRAPH_OPEN = r"(?i)(?:GRAPH\s+)?(<[^<>\s]*>|[A-Za-z][\w.-]*:[^\s{]*|:[^\s{]*)\s*\{"


BOM = b"\xef\xbb\xbf"


@contextlib.contextmanager
def rdf_input(path: Path) -> Iterator[dict[str, Any]]:
    """What pyoxigraph reads a file from: its path, or, past a UTF-8 byte-order mark (which
    Oxigraph refuses as the first subject and rdflib, Jena and editors on Windows take as
    nothing), the open file."""
    try:
        with open(path, "rb") as handle:
            bom = handle.read(3) == BOM
    except OSError:
        bom = False  # the reader reports it
    if not bom:
        yield {"path": str(path)}
        return
    with open(path, "rb") as handle:
        handle.seek(len(BOM))
        yield {"input": handle}


def graph_lines(path: Path) -> dict[str, int]:
    """The line on which a TriG file opens each graph it names (``name {`` or ``GRAPH name
    {``, CURIEs expanded with the file's prefixes; the first opening counts), for messages
    that point at the place. A file that cannot be read gives nothing."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return {}
    prefixes: dict[str, str] = {}
    base = path.resolve().as_uri()
    lines: dict[str, int] = {}
    prefix_line, graph_open = re.compile(_PREFIX_LINE), re.compile(_GRAPH_OPEN)
    for number, line in enumerate(text.splitlines(), 1):
        for found in prefix_line.finditer(line):
            prefixes[found.group(1) or ""] = found.group(2)
        stripped = line.split("#", 1)[0] if "<" not in line else line
        for found in graph_open.finditer(stripped):
            token = found.group(1)
            if token.startswith("<"):
                iri = urljoin(base, token[1:-1])
            else:
                prefix, _, local = token.partition(":")
                if prefix not in prefixes:
                    continue
                iri = prefixes[prefix] + local
            lines.setdefault(iri, number)
    return lines


def discover(paths: Iterable[Path | str], *, recursive: bool = True) -> list[Path]:
    """Expand folders into the RDF files they hold (recursively unless told not to, sorted,
    so loads are reproducible). A file named explicitly must have a known extension.

    Nothing under a folder is skipped silently: a folder that cannot be listed, a file that
    cannot be read, a symbolic link that points nowhere or into a loop is an InputError naming
    the path (a load that quietly left out part of the data would give wrong answers that
    look right). Symbolic links to folders are followed, once: a link back to a folder being
    walked is a loop. Emacs lock files (``.#name.ttl``, links to nowhere by design) are the
    one exception.

    Raises:
        InputError: a path is missing, unreadable, a loop, or has an unknown extension.
    """
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        kind = _kind(path)
        if kind == "dir":
            files: list[Path] = []
            _walk(path, files, set(), recursive=recursive)
            found.extend(sorted(files))
        elif kind == "file":
            if path.suffix.lower() not in FORMATS:
                known = ", ".join(sorted(FORMATS))
                raise InputError(f"{path}: unknown RDF file extension (known: {known})")
            _check_readable(path)
            found.append(path)
        else:
            raise InputError(f"{path}: no such file or folder")
    return found


def _kind(path: Path) -> str:
    """``dir``, ``file``, ``missing`` or ``other`` (a socket, a device) for a path, following
    symbolic links. Raises InputError for what cannot be looked at, naming the path."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            raise InputError(f"{path}: broken symbolic link (it points to nothing)") from None
        return "missing"
    except OSError as error:
        raise _unusable(path, error) from None
    if stat.S_ISDIR(st.st_mode):
        return "dir"
    return "file" if stat.S_ISREG(st.st_mode) else "other"


def _entry_kind(entry: os.DirEntry[str], path: Path) -> str:
    """:func:`_kind` of a folder's entry, from the type the listing already gave (no system
    call) unless it is a symbolic link, which is followed as :func:`_kind` follows it: at 1M
    triples (669 files in one folder) a ``stat`` per file was a pass over every input on each
    cold ``kg query``."""
    try:
        if entry.is_symlink():
            return _kind(path)
        if entry.is_dir(follow_symlinks=False):
            return "dir"
        return "file" if entry.is_file(follow_symlinks=False) else "other"
    except OSError as error:
        raise _unusable(path, error) from None


def _unusable(path: Path, error: OSError) -> InputError:
    if error.errno == errno.ELOOP:
        return InputError(f"{path}: symbolic link loop")
    return InputError(f"{path}: cannot read: {error.strerror or error}")


def _check_readable(path: Path) -> None:
    """See that a file can be read, so that an unreadable file is an error at once, before
    anything is loaded or hashed (one ``access`` call: the kernel's own check, ACLs included)."""
    if not os.access(path, os.R_OK):
        raise InputError(f"{path}: cannot read: {os.strerror(errno.EACCES)}")


def _walk(
    folder: Path, found: list[Path], ancestors: set[tuple[int, int]], *, recursive: bool = True
) -> None:
    """The RDF files under ``folder`` (see :func:`discover`); ``ancestors`` holds the
    (device, inode) of the folders being walked, to tell a link loop from a second visit.
    Iterative, so that a deep tree cannot exhaust the stack."""
    stack: list[tuple[Path, frozenset[tuple[int, int]]]] = [(folder, frozenset(ancestors))]
    while stack:
        current, above = stack.pop()
        try:
            st = os.stat(current)
            identity = (st.st_dev, st.st_ino)
            if identity in above:
                raise InputError(
                    f"{current}: symbolic link loop (it leads back to a folder that contains it)"
                )
            with os.scandir(current) as entries:
                listed = sorted(entries, key=lambda e: e.name)
        except OSError as error:
            raise _unusable(current, error) from None
        inside = above | {identity}
        for entry in listed:
            path = Path(entry.path)
            if entry.name.startswith(".#") and entry.is_symlink():
                continue  # an Emacs lock file
            kind = _entry_kind(entry, path)
            if kind == "dir":
                if recursive:
                    stack.append((path, inside))
            elif path.suffix.lower() in FORMATS:
                if kind != "file":
                    raise InputError(f"{path}: not a regular file")
                _check_readable(path)
                found.append(path)


def _own_folders() -> tuple[tuple[Path, str], ...]:
    """The project's data and ontology folders, resolved (once per location)."""
    return _resolved(resources.data_dir(), resources.ontology_dir())


@cache
def _resolved(data: Path, ontology: Path) -> tuple[tuple[Path, str], ...]:
    return ((data.resolve(), ""), (ontology.resolve(), "ontology/"))


def graph_name(path: Path, resolved: Path | None = None) -> NamedNode:
    """The graph a file's triples go to: a stable IRI for the project's own files (so that
    the graph names do not depend on where the checkout lives), a file: IRI otherwise."""
    resolved = resolved if resolved is not None else path.resolve()
    for folder, prefix in _own_folders():
        try:
            rel = resolved.relative_to(folder)
        except ValueError:
            continue
        stem = rel.with_suffix("").as_posix()
        if prefix and stem == "kg":
            return ONTOLOGY_GRAPH
        return NamedNode(GRAPH + prefix + stem)
    return NamedNode(resolved.as_uri())


def _syntax_error(path: Path, error: SyntaxError) -> RdfSyntaxError:
    line = column = None
    message = str(error.args[0]) if error.args else str(error)
    if len(error.args) > 1 and isinstance(error.args[1], tuple) and len(error.args[1]) >= 3:
        line, column = error.args[1][1], error.args[1][2]
    return RdfSyntaxError(path, message, line, column)


def load_file(
    dataset: Dataset, path: Path, *, bulk: bool = False, copies: QueryGraphWriter | None = None
) -> None:
    """Load one file into the dataset's store, recording the graphs it brought.

    ``bulk``: write with Oxigraph's bulk loader (no transaction: the file is parsed and
    written to the store's files in batches, never held whole in memory). For a fresh on-disk
    store that nothing reads yet (``kg.load.store`` builds one); a file that fails half-way
    leaves what came before it, so the caller must discard the store on error.

    ``copies``: write through it instead (see :class:`QueryGraphWriter`: each quad also goes
    to the default graph, and the writes are batched across files; the caller flushes it).
    The same holds of a failure half-way: the store is to be discarded."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(f"{path}: unknown RDF file extension")
    resolved = path.resolve()
    target = graph_name(path, resolved)
    is_dataset_file = fmt in (RdfFormat.TRIG, RdfFormat.N_QUADS)
    writer = dataset.store.bulk_load if bulk else dataset.store.load
    stated = True
    try:
        with rdf_input(path) as source:
            if copies is not None:
                stated = copies.write(source, fmt, resolved.as_uri(), target) > 0
            else:
                writer(**source, format=fmt, base_iri=resolved.as_uri(), to_graph=target)
    except SyntaxError as error:
        raise _syntax_error(path, error) from None
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error.strerror or error}") from None
    except ValueError as error:
        raise InputError(f"{path}: {error}") from None
    if copies is not None and not stated:
        copies.flush()  # what came before is in the store: the check below reads it
    if (not stated or copies is None) and _holds_nothing(
        dataset.store, path, fmt, target, is_dataset_file
    ):
        warnings.warn(
            f"{path}: no statements (the file is empty or holds only prefixes and comments)",
            KgWarning,
            stacklevel=2,
        )
    if isinstance(dataset.files, FileIndex):
        dataset.files.loaded.append(path)
    if not is_dataset_file:
        if isinstance(dataset.files, FileIndex):
            dataset.files.own(target.value, path)
        else:
            dataset.files[target.value] = path
    elif isinstance(dataset.files, FileIndex):
        # a dataset file: the graphs it brought (its own graph only if it has triples) are
        # read back from it when the map is consulted (see FileIndex)
        dataset.files.defer(path, fmt, target)
    else:
        for name in FileIndex._graphs_of(path, fmt, target):
            dataset.files.setdefault(name, path)


class QueryGraphWriter:
    """Writes quads to their graphs and each triple, once more, to the store's default graph
    (but not those of the external graphs): the documents' distinct union that queries read
    (:mod:`kg.load.scope`), filled as a store is built instead of copied afterwards.

    **Why while loading.** Copying afterwards read every quad back: ``kg build`` dumped the
    31k graphs of 1M triples and bulk-loaded them again, a third of the build. Here each file
    is parsed once, in chunks of ``CHUNK`` quads, and each chunk becomes N-Quads text: its
    quads (a triple of the file's default graph named by the file's graph, as ``Store.load``
    does with ``to_graph``) and the same triples without a graph name. The inferences are
    written the same way (:meth:`write_quads`). The text reaches the store in batches of
    :data:`kg.load.scope.BATCH_BYTES`: one call of the bulk loader per batch, not per file
    (a call costs tens of milliseconds whatever its size; given as text, a quad costs a
    third of what it costs given as terms to ``bulk_extend``); the inferred triples in the
    smaller :data:`kg.load.scope.INFERENCE_BATCH_BYTES` (:attr:`batch_bytes`, set by
    :func:`kg.load.dataset.load`), where a batch sits on the inference's results.

    **Blank nodes.** Oxigraph's loaders give every blank node label a new one, per call: a
    blank node written as text in two calls would become two. So the quads that have a blank
    node (the ontology's restrictions) are written as terms instead, the copy holding the
    very terms of the quad (the parser already gave each blank node a label of its own,
    ``rename_blank_nodes``, as the loaders do)."""

    CHUNK = 20_000

    def __init__(self, store: Store, *, bulk: bool = True) -> None:
        self.store = store
        self.bulk = bulk
        # bytes from which a batch is written; None: :data:`kg.load.scope.BATCH_BYTES`
        self.batch_bytes: int | None = None
        self._batch: list[bytes] = []
        self._size = 0

    def write(
        self, source: dict[str, Any], fmt: RdfFormat, base_iri: str, target: NamedNode
    ) -> int:
        """Parse one file (``source`` as :func:`rdf_input` gives it) and write it; the
        number of quads it stated."""
        quads = parse(**source, format=fmt, base_iri=base_iri, rename_blank_nodes=True)
        dataset_file = fmt in (RdfFormat.TRIG, RdfFormat.N_QUADS)
        total = 0
        while chunk := list(islice(quads, self.CHUNK)):
            total += len(chunk)
            if dataset_file:
                self._named(
                    [
                        q
                        if not isinstance(q.graph_name, DefaultGraph)
                        else Quad(q.subject, q.predicate, q.object, target)
                        for q in chunk
                    ]
                )
                continue
            triples = serialize([q.triple for q in chunk], format=RdfFormat.N_TRIPLES)
            assert triples is not None  # no output given: the bytes
            if b"_:" in triples:  # a blank node, or a literal that reads like one
                self._named([Quad(q.subject, q.predicate, q.object, target) for q in chunk])
                continue
            # N-Triples escapes a line break inside a literal: " .\n" ends a statement only
            nquads = triples.replace(b" .\n", b" " + str(target).encode() + b" .\n")
            self._add(nquads, b"" if scope.is_external_graph(target.value) else triples)
        return total

    def write_quads(self, quads: Iterable[Quad]) -> None:
        """Write quads of named graphs (kg's inferences) and their copies."""
        it = iter(quads)
        while chunk := list(islice(it, self.CHUNK)):
            self._named(chunk)

    def _named(self, named: list[Quad]) -> None:
        """Write quads that each name their graph, and their copies."""
        nquads = serialize(named, format=RdfFormat.N_QUADS)
        assert nquads is not None
        if b"_:" in nquads:
            blank = [q for q in named if _mentions_blank_node(q)]
            if blank:  # as terms; the others as text
                terms = scope.with_copies(blank)
                self.store.bulk_extend(terms) if self.bulk else self.store.extend(terms)
                if len(blank) == len(named):
                    return
                named = [q for q in named if not _mentions_blank_node(q)]
                nquads = serialize(named, format=RdfFormat.N_QUADS)
                assert nquads is not None
        if any(mark in nquads for mark in _EXTERNAL_MARKS):
            kept = [q.triple for q in named if not scope.is_external_name(q.graph_name)]
        else:
            kept = [q.triple for q in named]
        triples = serialize(kept, format=RdfFormat.N_TRIPLES)
        assert triples is not None
        self._add(nquads, triples)

    def _add(self, nquads: bytes, triples: bytes) -> None:
        self._batch += (nquads, triples)
        self._size += len(nquads) + len(triples)
        if self._size >= (self.batch_bytes or scope.BATCH_BYTES):
            self.flush()

    def flush(self) -> None:
        """Write what is batched (the text kg wrote itself: no need to check it again)."""
        if not self._batch:
            return
        data = b"".join(self._batch)
        self._batch, self._size = [], 0
        if self.bulk:
            self.store.bulk_load(data, format=RdfFormat.N_QUADS, lenient=True)
        else:
            self.store.load(data, format=RdfFormat.N_QUADS, lenient=True)


def _mentions_blank_node(quad: Quad) -> bool:
    """Whether a quad has a blank node (a triple term may hold one: counted as if it did)."""
    return (
        isinstance(quad.subject, (BlankNode, Triple))
        or isinstance(quad.object, (BlankNode, Triple))
        or isinstance(quad.graph_name, BlankNode)
    )


# Text that names an external graph in N-Quads (a quick test before looking at each quad).
_EXTERNAL_MARKS = (
    *(f"<{prefix}".encode() for prefix in scope.EXTERNAL_PREFIXES),
    f"<{scope.EXTERNAL_UNION_GRAPH.value}>".encode(),
)


def _holds_nothing(
    store: Store, path: Path, fmt: RdfFormat, target: NamedNode, is_dataset_file: bool
) -> bool:
    """Whether a file that just loaded stated nothing: its own graph is empty (one index
    lookup), or, for a dataset file whose graphs are its own to name, it parses to no quad
    (read up to its first statement only)."""
    if next(store.quads_for_pattern(None, None, None, target), None) is not None:
        return False
    if not is_dataset_file:
        return True
    try:
        with rdf_input(path) as source:
            quads = parse(**source, format=fmt, base_iri=path.resolve().as_uri())
            return next(quads, None) is None
    except (OSError, SyntaxError, ValueError):
        return False  # it loaded a moment ago; a file changed since is not ours to judge


def input_files(paths: Sequence[Path | str] | None = None, *, ontology: bool = True) -> list[Path]:
    """The files ``load`` reads, in the order it reads them: the ontology's (unless told not
    to), then the given files and folders' RDF files (the repository's ``data/`` when none).
    The persistent store (``kg.load.store``) keys its cache on this list."""
    return input_files_resolved(paths, ontology=ontology)[0]


def input_files_resolved(
    paths: Sequence[Path | str] | None = None, *, ontology: bool = True
) -> tuple[list[Path], tuple[Path, ...]]:
    """:func:`input_files` and their real paths (:func:`resolve_all`), each file resolved
    once: the persistent store needs both, and resolving is a system call per file."""
    files = discover(paths if paths else [resources.data_dir()])
    resolved = resolve_all(files)
    if ontology:
        own_files = resources.ontology_files()
        own = resolve_all(own_files)
        kept = [(p, real) for p, real in zip(files, resolved, strict=True) if real not in own]
        files = own_files + [p for p, _ in kept]
        resolved = own + tuple(real for _, real in kept)
    return files, resolved


def resolve_all(files: Sequence[Path]) -> tuple[Path, ...]:
    """The files' real paths (``Path.resolve``), each folder resolved once: resolving walks
    every component of a path with a system call each, and at 1M triples (669 files in one
    folder) that was most of the cost of opening the persistent store. A file that is itself a
    symbolic link is resolved whole."""
    folders: dict[Path, Path] = {}
    out = []
    for path in files:
        folder = folders.get(path.parent)
        if folder is None:
            folder = folders[path.parent] = path.parent.resolve()
        real = folder / path.name
        out.append(real.resolve() if os.path.islink(real) else real)
    return tuple(out)


def load(
    paths: Sequence[Path | str] | None = None,
    *,
    ontology: bool = True,
    store: Store | None = None,
    progress: Progress | None = None,
    bulk: bool = False,
    copies: QueryGraphWriter | None = None,
) -> Dataset:
    """Load the ontology (unless told not to) and the given files or folders — the
    repository's ``data/`` when none are given — into one store (a new in-memory one unless
    ``store`` is given; ``bulk``: see ``load_file``).

    ``copies``: write through it (:class:`QueryGraphWriter`: each triple also goes to the
    default graph, but those of external graphs), for a new store that queries will read
    (:func:`kg.load.dataset.load` completes the query graphs after the inference).

    Raises:
        RdfSyntaxError: a file does not parse (the message names file, line and column).
        InputError: a path is missing or has an unknown extension.
    """
    files = input_files(paths, ontology=ontology)
    dataset = Dataset(store if store is not None else Store())
    for done, path in enumerate(files, 1):
        load_file(dataset, path, bulk=bulk, copies=copies)
        if progress is not None:
            progress(f"loaded {path.name}", done, len(files))
    if copies is not None:
        copies.flush()
    return dataset
