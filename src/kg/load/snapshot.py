"""The in-memory dataset kept as one N-Quads file, so that the next cold command on the same
small inputs loads it in one call instead of loading them again.

**Why.** Data below the persistent store's threshold (:mod:`kg.load.store`) is loaded in
memory on every command: each file parsed, the inferences computed, the query graphs filled
(the external union quad by quad in Python). On the repository's data that was 75 ms of a
155 ms cold ``kg query``. Oxigraph parses the whole result back from N-Quads, in Rust, in
one call, for a third of that; the files, the inference and the query graphs' code are then
not even imported. A RocksDB store opens faster still, but starts threads that a later fork
(the query's time limit, :mod:`kg.sparql.bounded`) cannot copy, and it is read-only: the
snapshot gives the same in-memory store a load gives.

**Where.** ``<cache>/<slot>/snapshot-<key>.nq``: the persistent store's folder for these
inputs (:func:`kg.load.store.slot_dir`; the cache folder is ``$KG_CACHE_DIR``, see there).
``KG_CACHE=off`` uses no snapshot either.

**The key** hashes what the dataset is computed from: every input file's path and ``stat``
fields (size, mtime, ctime, inode: the one pass over the inputs that opening the store takes,
:meth:`kg.load.store.Request.stats`), the options, the versions of kg and pyoxigraph and the
source of the code that computes the dataset (:data:`CODE_MODULES`). Any change of any of them
names another file, so a snapshot is never read for other inputs; stale ones are deleted when
a new one is written. An input modified shortly before it was read (:data:`RACY_NS`) could
change again within the same clock tick without changing its ``stat``: such a load is not
kept (as git treats a "racily clean" file). A load that warned (an empty file) is not kept
either, so its warnings are given on every run, as before.

**Atomic.** Written to a temporary file (named after the writing process, removed by the
next writer once that process is gone: :mod:`kg.leftovers`), then renamed into place: readers
see a whole file or none, and concurrent writers of the same key write the same content. The
first line records the key, the size of the N-Quads and their number; a file whose size or
quad count differs (truncated), or that does not parse, is ignored, deleted and written
again. So the file is not synced to disk (that cost the first run milliseconds): what a crash
leaves of it fails those checks. Failures to write (a read-only cache folder) are ignored.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path

import pyoxigraph
from pyoxigraph import RdfFormat, Store

from kg import __version__, leftovers
from kg.load import files as graph
from kg.load import store as persistent
from kg.load.files import Dataset, FileIndex

FORMAT = 1
# The code whose result a snapshot holds: the persistent store's (load, inference, query
# graphs), this module, and what names the graphs and picks the parsers.
CODE_MODULES = (*persistent._CODE_MODULES, "load/snapshot.py", "formats.py", "resources.py")
# An input modified less than this before the load began is "racily clean" (see above).
RACY_NS = persistent.RACY_NS
PACKAGE = Path(__file__).resolve().parent.parent  # the kg package, where CODE_MODULES are
_HEAD = b"# kg snapshot "
_PART = r"\.snapshot-(?P<pid>[0-9]+)-.*\.part"  # compiled when a snapshot is written


def key(request: persistent.Request, options: Mapping[str, bool]) -> str | None:
    """The snapshot's key for these inputs and options (see the module docstring); None when
    an input cannot be looked at (the load reports it)."""
    stats = request.stats()
    if any(st is None for st in stats):
        return None
    h = persistent._hasher()()
    persistent.hash_sources(h, CODE_MODULES, PACKAGE)
    identity = [
        FORMAT,
        __version__,
        pyoxigraph.__version__,
        sorted(options.items()),
        [[str(path), st] for path, st in zip(request.files, stats, strict=True)],
    ]
    h.update(json.dumps(identity, sort_keys=True).encode())
    return h.hexdigest()[:32]


def path_of(request: persistent.Request, key: str, root: Path | None = None) -> Path:
    return persistent.slot_dir(request, root) / f"snapshot-{key}.nq"


def read(path: Path, key: str) -> Store | None:
    """The store a snapshot holds; None when there is none, or it is not whole (then it is
    deleted)."""
    try:
        with path.open("rb") as handle:
            head = handle.readline(256)
            size = os.fstat(handle.fileno()).st_size
    except OSError:
        return None
    fields = head[len(_HEAD) :].split() if head.startswith(_HEAD) else []
    try:
        whole = (
            len(fields) == 3 and fields[0].decode() == key and size == len(head) + int(fields[1])
        )
        quads = int(fields[2]) if whole else -1
    except (UnicodeDecodeError, ValueError):
        whole = False
    if whole:
        store = Store()
        try:
            # written by Oxigraph's own serializer: nothing to check again (lenient)
            store.load(path=str(path), format=RdfFormat.N_QUADS, lenient=True)
            if len(store) == quads:
                return store
        except (OSError, SyntaxError, ValueError):
            pass
    with contextlib.suppress(OSError):
        path.unlink()
    return None


def write(path: Path, store: Store) -> bool:
    """Keep ``store`` at ``path`` (atomically), and delete the slot's other snapshots (of
    other stats or code: never read again). False when it cannot be written."""
    data = store.dump(format=RdfFormat.N_QUADS)
    assert data is not None  # no output given: the bytes
    key = path.stem.removeprefix("snapshot-")
    head = _HEAD + f"{key} {len(data)} {len(store)}\n".encode()
    folder = path.parent
    temporary = folder / f".snapshot-{os.getpid()}-{persistent._token()}.part"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with temporary.open("wb") as handle:  # not synced: see the module docstring
            handle.write(head)
            handle.write(data)
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink()
        return False
    leftovers.sweep(folder, re.compile(_PART))
    for other in folder.glob("snapshot-*.nq"):
        if other != path:
            with contextlib.suppress(OSError):
                other.unlink()
    return True


def _racy(request: persistent.Request, started_ns: int) -> bool:
    """Whether an input was modified so shortly before the load began that a later change
    might leave its ``stat`` as it was (see the module docstring)."""
    return any(st is None or st["mtime_ns"] >= started_ns - RACY_NS for st in request.stats())


def open_dataset(
    request: persistent.Request,
    options: Mapping[str, bool],
    load: Callable[[], Dataset],
    root: Path | None = None,
) -> Dataset:
    """The dataset ``load()`` computes for ``request``'s inputs and ``options``: read from its
    snapshot when there is one, else loaded and then kept (see the module docstring).

    Raises what ``load`` raises (a file that does not parse, a missing path)."""
    name = key(request, options)
    path = path_of(request, name, root) if name is not None else None
    if path is not None:
        store = read(path, name)  # type: ignore[arg-type]
        if store is not None:
            return Dataset(store, files_of(request.files))
    started = time.time_ns()
    with warnings.catch_warnings(record=True) as caught:
        try:
            dataset = load()
        finally:
            warned = list(caught)
    for w in warned:  # shown as they would have been (kg's command prints them its way)
        warnings.showwarning(w.message, w.category, w.filename, w.lineno, w.file, w.line)
    if path is not None and not warned and not _racy(request, started):
        if options.get("query_graphs"):
            # a deferred copy (kg.load.scope.defer) is made now: the snapshot keeps the
            # store as queries need it, and reading it back is one load whatever it holds
            from kg.load import scope

            scope.ensure(dataset.store)
        write(path, dataset.store)
    return dataset


def files_of(paths: tuple[Path, ...]) -> FileIndex:
    """The graph → file map that loading these files records (:func:`kg.load.files.load_file`),
    for a store that was not loaded file by file: a TriG or N-Quads file's graphs are read
    from it when the map is first consulted, as after a load; the paths are the real ones."""
    index = FileIndex()
    for path in paths:
        fmt = graph.FORMATS[path.suffix.lower()]
        target = graph.graph_name(path, path)
        index.loaded.append(path)
        if fmt in (RdfFormat.TRIG, RdfFormat.N_QUADS):
            index.defer(path, fmt, target)
        else:
            index.own(target.value, path)
    return index
