"""The persistent store: the loaded and inferred dataset kept on disk, so that a cold ``kg query``
on a large graph answers without parsing anything.

**Why.** Parsing and inferring 1M triples takes seconds on every command; opening an Oxigraph
(RocksDB) store takes milliseconds. The store is a cache of exactly what
``kg.load.open_dataset`` computes from the input files, never a second source of truth: it
is rebuilt whenever an input changes, and deleting it loses nothing.

**Where.** ``$KG_CACHE_DIR`` when set; otherwise ``.kg-cache/`` in the checkout (gitignored)
when kg runs from one; otherwise ``$XDG_CACHE_HOME/kg`` (``~/.cache/kg``). Inside, one *slot*
per set of inputs (the ordered list of input files and the options), named by a hash of it::

    <cache>/<slot>/current              names the store in use (replaced atomically)
    <cache>/<slot>/lock                 held while building (one builder at a time)
    <cache>/<slot>/store-<content>/     a published store: db/ (RocksDB) and manifest.json
    <cache>/<slot>/.build-<pid>-<rnd>/  a build in progress (never read)
    <cache>/<slot>/snapshot-<key>.nq    small inputs, loaded in memory, kept (kg.load.snapshot)

**Change detection.** The manifest records, for each input file, its size, mtime, ctime and
inode *and* its SHA-256, plus the versions of kg and pyoxigraph and a hash of the code that
shapes the store (loader, inference, this module). A store is used only if the input list is
the same (a file added to or removed from a data folder changes it) and every file is
unchanged: the stat fields are trusted when they all match and the file was last modified well
before it was hashed (as git does, a file written in the same clock tick as the hash is
"racily clean" and gets hashed again); otherwise the content is hashed and compared. So an edit
is always seen, and a ``touch`` costs one hash, not a rebuild.

**Atomicity.** A build writes into a temporary folder, closes the database, writes the manifest
last (fsynced), renames the folder into place, then replaces ``current``. A store is used only
if ``current``, the manifest and the database files it lists (names and sizes) agree and
RocksDB opens it; anything else — a killed build, a truncated or corrupted file, a manifest that
does not parse or does not match — is a broken store, rebuilt and never used.

**Readers.** Published stores are never written again, and are opened read-only, so any number
of processes can query one at once. A reader holds a shared lock on its store; old stores are
deleted only when no reader holds them.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import json
import os
import re
import shutil
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import pyoxigraph
from pyoxigraph import Store

from kg import __version__, leftovers, resources
from kg.errors import KgError
from kg.load import files as graph
from kg.load import scope
from kg.load.files import Dataset

if TYPE_CHECKING:
    from kg.load.records import BuildResult
    from kg.progress import Progress

FORMAT = 2  # 2: with the query graphs of kg.load.scope
MANIFEST = "manifest.json"
FILES = "files.json"  # graph → file map, read only when asked
CURRENT = "current"
DB = "db"
_BUILD = r"\.build-(?P<pid>[0-9]+)-.*"  # a build in progress, by its process (compiled when swept)
# A file modified less than this before it was hashed is re-hashed on every check (see above).
RACY_NS = 2_000_000_000
# The code whose behaviour is baked into a store: change it and every store is rebuilt.
_CODE_MODULES = (
    "load/files.py",
    "load/inference.py",
    "load/dataset.py",
    "load/scope.py",
    "load/store.py",
    "namespaces.py",
)
# Inputs of at least this many bytes get a store built automatically by the query commands.
DEFAULT_AUTO_BYTES = 8 * 1024 * 1024
# Defined in kg.load.records and imported on first use (PEP 562): a query on small data
# never builds a store, and a dataclass costs about a millisecond to define.
_RECORDS = ("BuildResult",)


def __getattr__(name: str) -> Any:
    if name in _RECORDS:
        from kg.load import records

        return getattr(records, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class StoreError(KgError):
    """The persistent store cannot be built or written (e.g. the cache folder is not writable)."""


# --- where --------------------------------------------------------------------------------


def _hasher() -> Any:
    """hashlib.sha256, imported when first needed: importing hashlib (OpenSSL) costs a few
    milliseconds that a query on small data, which never touches a store, should not pay."""
    import hashlib

    return hashlib.sha256


def _token() -> str:
    import secrets

    return secrets.token_hex(4)


def cache_root() -> Path:
    """The folder holding the stores (see the module docstring)."""
    env = os.environ.get("KG_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    root = resources.root()
    if root.name != "_bundled" and (root / "pyproject.toml").is_file():
        return root / ".kg-cache"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "kg"


def hash_sources(h: Any, patterns: Sequence[str], package: Path | None = None) -> None:
    """Feed ``h`` (a hashlib object) kg's own source files named by ``patterns`` (paths in the
    kg package, globs allowed), each as its path, a NUL and its bytes: what the keys of
    everything kept on disk for later runs (this store, :mod:`kg.load.snapshot`,
    ``kg.server.answers``) hold of the code that computed it, so that other code never
    reads it. ``package``: the kg package (where this module is, by default)."""
    package = package or Path(__file__).resolve().parent.parent
    for pattern in patterns:
        # a plain name is read as it is (a glob of it costs a cold command a scan)
        glob = any(c in pattern for c in "*?[")
        for path in sorted(package.glob(pattern)) if glob else [package / pattern]:
            h.update(path.relative_to(package).as_posix().encode() + b"\0")
            with contextlib.suppress(OSError):
                h.update(path.read_bytes())


def _code_hash() -> str:
    h = _hasher()()
    hash_sources(h, _CODE_MODULES)
    return h.hexdigest()


@dataclass(frozen=True)
class Request:
    """What the store must hold: the input files in load order and the options.

    ``stats``: each file's stat fields (or None when it cannot be looked at), taken once, the
    first time they are needed (:meth:`stats`): the size that decides whether to build and the
    check that the store is up to date (:func:`check`) read the same pass over the inputs
    (they were two passes, each a ``stat`` per file: 669 of them at 1M triples)."""

    files: tuple[Path, ...]
    inferred: bool
    ontology: bool
    _stats: list[tuple[dict[str, int] | None, ...]] = field(
        default_factory=list, compare=False, repr=False
    )

    @classmethod
    def of(
        cls, paths: Sequence[Path | str] | None, *, inferred: bool = True, ontology: bool = True
    ) -> Request:
        _, resolved = graph.input_files_resolved(paths, ontology=ontology)
        return cls(resolved, inferred, ontology)

    @property
    def options(self) -> dict[str, bool]:
        return {"inferred": self.inferred, "ontology": self.ontology}

    def slot(self) -> str:
        text = json.dumps([[str(p) for p in self.files], self.options])
        return _hasher()(text.encode()).hexdigest()[:24]

    def stats(self) -> tuple[dict[str, int] | None, ...]:
        """The stat fields of each input file, in order (None: it cannot be looked at), from
        the one pass over the inputs (see the class docstring)."""
        if not self._stats:
            self._stats.append(tuple(_stat_or_none(p) for p in self.files))
        return self._stats[0]

    def total_bytes(self) -> int:
        return sum(st["size"] for st in self.stats() if st is not None)


def slot_dir(request: Request, root: Path | None = None) -> Path:
    return (root if root is not None else cache_root()) / request.slot()


# --- fingerprints ---------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    h = _hasher()()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _stat(path: Path) -> dict[str, int]:
    st = os.stat(path)
    return {
        "size": st.st_size,
        "mtime_ns": st.st_mtime_ns,
        "ctime_ns": st.st_ctime_ns,
        "ino": st.st_ino,
    }


def _stat_or_none(path: Path) -> dict[str, int] | None:
    try:
        return _stat(path)
    except OSError:
        return None


def fingerprint(files: Sequence[Path]) -> list[dict[str, Any]]:
    """Stat and hash each input file (stat first: a write during hashing changes the stat)."""
    out = []
    for path in files:
        entry: dict[str, Any] = {"path": str(path), **_stat(path)}
        entry["hashed_ns"] = time.time_ns()
        entry["sha256"] = _sha256(path)
        out.append(entry)
    return out


def _file_unchanged(entry: dict[str, Any], now: dict[str, int] | None) -> bool:
    """Whether a file the manifest lists is as it was hashed, given its stat fields ``now``
    (None: it cannot be looked at): the stat is trusted unless the file is racily clean (see
    the module docstring), otherwise the content is hashed again."""
    path = Path(entry["path"])
    if now is None:
        return False
    same_stat = all(now[k] == entry.get(k) for k in ("size", "mtime_ns", "ctime_ns", "ino"))
    racy = entry.get("mtime_ns", 0) >= entry.get("hashed_ns", 0) - RACY_NS
    if same_stat and not racy:
        return True
    if now["size"] != entry.get("size"):
        return False
    try:
        return _sha256(path) == entry.get("sha256")
    except OSError:
        return False


def _content_id(request: Request, inputs: list[dict[str, Any]], code: str) -> str:
    text = json.dumps(
        [
            FORMAT,
            __version__,
            pyoxigraph.__version__,
            code,
            request.options,
            [(e["path"], e["sha256"]) for e in inputs],
        ]
    )
    return _hasher()(text.encode()).hexdigest()[:24]


def _db_files(db: Path) -> dict[str, int]:
    """The database's files and sizes (RocksDB's LOCK and LOG files change on every open)."""
    out = {}
    for p in sorted(db.iterdir()):
        if p.is_file() and p.name != "LOCK" and not p.name.startswith("LOG"):
            out[p.name] = p.stat().st_size
    return out


# --- the store handle -----------------------------------------------------------------------


class Status(NamedTuple):
    """Whether a usable store exists for a request, and why not when it does not.

    A NamedTuple, not a dataclass: every cold ``kg query`` defines it (a snapshot's slot is
    this module's), and a frozen dataclass costs about ten times as much to define (its
    methods are compiled from source in every process)."""

    usable: bool
    reason: str
    location: Path | None = None
    manifest: dict[str, Any] | None = None


def _read_manifest(location: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((location / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _current(slot: Path) -> Path | None:
    try:
        name = (slot / CURRENT).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    if not name.startswith("store-") or "/" in name:
        return None
    return slot / name


def check(request: Request, root: Path | None = None) -> Status:
    """Is the published store for ``request`` complete and up to date? (No RocksDB open.)"""
    slot = slot_dir(request, root)
    location = _current(slot)
    if location is None:
        return Status(False, "no store built for these inputs")
    manifest = _read_manifest(location)
    if manifest is None:
        return Status(False, f"{location}: manifest missing or unreadable", location)
    expected = {
        "format": FORMAT,
        "kg": __version__,
        "pyoxigraph": pyoxigraph.__version__,
        "code": _code_hash(),
        "options": request.options,
    }
    for key, value in expected.items():
        if manifest.get(key) != value:
            return Status(False, f"{location}: built with another {key}", location)
    inputs = manifest.get("inputs")
    if not isinstance(inputs, list) or [e.get("path") for e in inputs] != [
        str(p) for p in request.files
    ]:
        return Status(False, "the input files are not the same", location)
    if location.name != "store-" + str(manifest.get("content")):
        return Status(False, f"{location}: manifest does not match the store's name", location)
    for entry, now in zip(inputs, request.stats(), strict=True):
        if not _file_unchanged(entry, now):
            return Status(False, f"{entry['path']} changed since the store was built", location)
    try:
        files = _db_files(location / DB)
    except OSError:
        return Status(False, f"{location}: database missing", location)
    if files != manifest.get("db"):
        return Status(False, f"{location}: database files differ from the manifest", location)
    listed = manifest.get("files")
    try:
        size = (location / FILES).stat().st_size
    except OSError:
        size = -1
    if not isinstance(listed, dict) or listed.get("size") != size:
        return Status(False, f"{location}: {FILES} missing or not the one built", location)
    return Status(True, "up to date", location, manifest)


# Reader locks, held for the life of the process (commands keep only ``dataset.store``).
_HELD: dict[Path, Any] = {}


def release(location: Path, lock: Any) -> None:
    """Let go of a reader's lock on the store at ``location`` (``PersistentDataset.close``)."""
    if _HELD.get(location) is lock:
        del _HELD[location]
    with contextlib.suppress(OSError):
        lock.close()


@dataclass
class PersistentDataset(Dataset):
    """A dataset opened from a published store (read-only), with where it lives."""

    location: Path = field(default_factory=Path)
    manifest: dict[str, Any] = field(default_factory=dict)
    _lock: Any = field(default=None, repr=False)

    def close(self) -> None:
        """Release the reader's lock (the store itself closes when no longer referenced)."""
        if self._lock is not None:
            release(self.location, self._lock)
            self._lock = None


def _open(location: Path, manifest: dict[str, Any]) -> PersistentDataset:
    lock = _HELD.get(location)
    if lock is None:
        lock = (location / MANIFEST).open("rb")
        fcntl.flock(lock.fileno(), fcntl.LOCK_SH)
    try:
        store = Store.read_only(str(location / DB))
        # A cheap probe: RocksDB opens lazily, so read something before trusting it.
        next(iter(store.quads_for_pattern(None, None, None, None)), None)
    except BaseException:
        _HELD.pop(location, None)
        lock.close()
        raise
    _HELD[location] = lock
    files = _Files(location / FILES)
    return PersistentDataset(store, files, location=location, manifest=manifest, _lock=lock)  # type: ignore[arg-type]


class _Files(Mapping[str, Path]):
    """The graph → file map of a store, read from ``files.json`` only when consulted: at 5M
    triples it has 150k entries, and queries never read it (the manifest holds its size and
    hash, checked when it is read)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._raw: dict[str, str] | None = None

    def _load(self) -> dict[str, str]:
        if self._raw is None:
            try:
                data = json.loads(self._path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as error:
                raise StoreError(
                    f"{self._path}: unreadable ({error}); run kg build --force"
                ) from None
            self._raw = data if isinstance(data, dict) else {}
        return self._raw

    def __getitem__(self, graph: str) -> Path:
        return Path(self._load()[graph])

    def __iter__(self) -> Iterator[str]:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())


def _try_open(
    location: Path | None, manifest: dict[str, Any] | None = None
) -> PersistentDataset | None:
    """Open a store that ``check`` passed; None when RocksDB refuses it (broken)."""
    if location is None:
        return None
    if manifest is None:
        manifest = _read_manifest(location)
    if manifest is None:
        return None
    try:
        return _open(location, manifest)
    except (OSError, RuntimeError, ValueError):  # RocksDB reports corruption as RuntimeError
        return None


def open_persistent(
    paths: Sequence[Path | str] | None = None,
    *,
    inferred: bool = True,
    ontology: bool = True,
    build: bool = True,
    root: Path | None = None,
    progress: Progress | None = None,
    request: Request | None = None,
) -> PersistentDataset | None:
    """The dataset from its published store, building it first when missing, stale or broken
    (unless ``build`` is False: then None is returned for a store that cannot be used).

    ``request``: the inputs already resolved by the caller (``Request.of`` lists and resolves
    every input file: at 1M triples it was half the cost of opening the store, and it ran twice).

    Raises:
        RdfSyntaxError, InputError: an input cannot be loaded (when building).
        StoreError: the cache folder cannot be written.
    """
    if request is None:
        request = Request.of(paths, inferred=inferred, ontology=ontology)
    status = check(request, root)
    if status.usable:
        opened = _try_open(status.location, status.manifest)
        if opened is not None:
            return opened
    if not build:
        return None
    location = _build(request, root, progress=progress, reuse=True)
    opened = _try_open(location)
    if opened is None:
        raise StoreError(f"{location}: the store just built cannot be opened")
    return opened


def build(
    paths: Sequence[Path | str] | None = None,
    *,
    inferred: bool = True,
    ontology: bool = True,
    force: bool = False,
    root: Path | None = None,
    progress: Progress | None = None,
) -> BuildResult:
    """``kg build``: make sure the published store for these inputs is up to date (rebuild it
    anyway when ``force``). Returns where it is and what it holds."""
    from kg.load.records import BuildResult

    started = time.perf_counter()
    request = Request.of(paths, inferred=inferred, ontology=ontology)
    if not force:
        status = check(request, root)
        opened = _try_open(status.location) if status.usable else None
        if opened is not None:
            opened.close()
            m = opened.manifest
            return BuildResult(opened.location, False, m["quads"], m["graphs"], 0.0)
    location = _build(request, root, progress=progress, reuse=not force)
    m = _read_manifest(location) or {}
    return BuildResult(
        location, True, m.get("quads", 0), m.get("graphs", 0), time.perf_counter() - started
    )


# --- building -------------------------------------------------------------------------------


@contextlib.contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    """Hold the slot's build lock. A failed build removes the lock file (below), so a waiter
    may have locked a file that is no longer the one at ``path``: it then locks the new one."""
    while True:
        handle = path.open("a+b")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                same = os.stat(path).st_ino == os.fstat(handle.fileno()).st_ino
            except FileNotFoundError:
                same = False
        except BaseException:
            handle.close()
            raise
        if same:
            break
        handle.close()
    try:
        yield
    finally:
        handle.close()


def _abandon(slot: Path) -> None:
    """After a failed build (called with the lock held): a slot that holds no published store
    keeps nothing, not even its lock file (a failed automatic build left ``<slot>/lock``)."""
    if _current(slot) is not None:
        return
    with contextlib.suppress(OSError):
        (slot / "lock").unlink()
    with contextlib.suppress(OSError):
        slot.rmdir()  # only if empty


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{_token()}")
    with tmp.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _cleanup(slot: Path, keep: Path | None) -> None:
    """Remove builds whose process is gone and stores no reader holds (other than ``keep``)."""
    leftovers.sweep(slot, re.compile(_BUILD))
    for entry in slot.iterdir():
        if entry.name.startswith(".build-"):
            continue  # swept above: only those whose process is gone
        elif entry.name.startswith((".trash-",)):
            shutil.rmtree(entry, ignore_errors=True)
        elif entry.name.startswith("store-") and entry != keep and entry.is_dir():
            manifest = entry / MANIFEST
            try:
                handle = manifest.open("rb")
            except OSError:
                _discard(entry)
                continue
            with handle:
                try:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    continue  # a reader still has it open
                _discard(entry)


def _discard(location: Path) -> None:
    """Move a store out of the way (a rename, so no reader can open half of it), then delete."""
    trash = location.with_name(f".trash-{os.getpid()}-{_token()}")
    try:
        os.rename(location, trash)
    except OSError:
        return
    shutil.rmtree(trash, ignore_errors=True)


def _build(request: Request, root: Path | None, *, progress: Progress | None, reuse: bool) -> Path:
    slot = slot_dir(request, root)
    try:
        slot.mkdir(parents=True, exist_ok=True)
        lock_path = slot / "lock"
        lock_path.touch(exist_ok=True)
    except OSError as error:
        raise StoreError(
            f"cannot create the store folder {slot}: {error.strerror or error} "
            "(set KG_CACHE_DIR to a writable folder)"
        ) from None
    with _exclusive(lock_path):
        try:
            return _build_locked(request, root, slot, progress=progress, reuse=reuse)
        except BaseException:
            _abandon(slot)
            raise


def _build_locked(
    request: Request, root: Path | None, slot: Path, *, progress: Progress | None, reuse: bool
) -> Path:
    status = check(request, root)
    if reuse and status.usable:
        # Someone else may have built it while we waited for the lock.
        opened = _try_open(status.location)
        if opened is not None:
            opened.close()
            return opened.location
    _cleanup(slot, keep=_current(slot))
    tmp = slot / f".build-{os.getpid()}-{_token()}"
    tmp.mkdir()
    try:
        location = _build_into(request, slot, tmp, progress)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _cleanup(slot, keep=location)
    return location


def _build_into(request: Request, slot: Path, tmp: Path, progress: Progress | None) -> Path:
    started_ns = time.time_ns()
    if progress is not None:
        progress("hashing the inputs", None, None)
    inputs = fingerprint(request.files)
    code = _code_hash()
    content = _content_id(request, inputs, code)
    from kg.load import dataset as memory  # here: a store that is opened never imports it

    db = tmp / DB
    disk = Store(str(db))
    # Built in place: the files bulk-loaded into the new store with the query graphs (each
    # triple once more in the default graph as it loads), the inferences computed on it.
    try:
        dataset = memory.load(
            list(request.files) if request.files else None,
            inferred=request.inferred,
            ontology=request.ontology,
            progress=progress,
            store=disk,
            query_graphs=True,  # a built store is read-only: it holds them from the start
        )
    except BaseException as error:
        # Close RocksDB before the caller removes the folder: its background threads would
        # otherwise write into it while it is deleted. The traceback's frames hold the store.
        import traceback  # here: a store that is opened never needs it

        traceback.clear_frames(error.__traceback__)
        del disk
        gc.collect()
        raise
    if progress is not None:
        progress("writing the store", None, None)
    files_text = json.dumps({g: str(p) for g, p in sorted(dataset.files.items())})
    _write_atomic(tmp / FILES, files_text)
    files_size = (tmp / FILES).stat().st_size
    files_sha = _hasher()(files_text.encode("utf-8")).hexdigest()
    graphs = len(scope.source_graphs(disk))
    disk.flush()
    disk.optimize()
    quads = len(disk)
    del disk, dataset
    gc.collect()  # closes RocksDB: every file is complete before the manifest names it
    manifest = {
        "format": FORMAT,
        "kg": __version__,
        "pyoxigraph": pyoxigraph.__version__,
        "code": code,
        "options": request.options,
        "content": content,
        "built_ns": started_ns,
        "inputs": inputs,
        "quads": quads,
        "graphs": graphs,
        "files": {"name": FILES, "size": files_size, "sha256": files_sha},
        "db": _db_files(db),
    }
    _write_atomic(tmp / MANIFEST, json.dumps(manifest, indent=1, sort_keys=True))
    _fsync_dir(db)
    final = slot / f"store-{content}"
    if final.exists():
        _discard(final)  # a broken store of the same content: never reused
    os.rename(tmp, final)
    _fsync_dir(slot)
    _write_atomic(slot / CURRENT, final.name + "\n")
    return final


def auto_build_bytes() -> int:
    """Input size from which the query commands build a store on their own
    (``KG_CACHE_AUTO_BYTES``; default 8 MiB, about 150k triples)."""
    try:
        return int(os.environ.get("KG_CACHE_AUTO_BYTES", DEFAULT_AUTO_BYTES))
    except ValueError:
        return DEFAULT_AUTO_BYTES


def mode() -> str:
    """``KG_CACHE``: ``auto`` (default: use a built store; build one for large inputs),
    ``off`` (always load in memory) or ``always`` (build a store whatever the size)."""
    value = os.environ.get("KG_CACHE", "auto").strip().lower()
    return value if value in ("auto", "off", "always") else "auto"


def open_cached(
    paths: Sequence[Path | str] | None = None,
    *,
    inferred: bool = True,
    ontology: bool = True,
    progress: Progress | None = None,
    request: Request | None = None,
) -> Dataset | None:
    """The store the read-only commands use, per ``mode()``; None means "load in memory".

    A store that cannot be written (read-only cache folder) is not an error here: the
    command falls back to loading in memory. ``request``: the inputs already resolved by the
    caller (:func:`kg.load.open_dataset` keys the in-memory snapshot on the same one).
    """
    current = mode()
    if current == "off":
        return None
    if request is None:
        request = Request.of(paths, inferred=inferred, ontology=ontology)
    build_now = current == "always" or request.total_bytes() >= auto_build_bytes()
    if not build_now and not cache_root().is_dir():
        return None  # no store can exist, and none is to be built: stay in memory
    try:
        return open_persistent(
            paths,
            inferred=inferred,
            ontology=ontology,
            build=build_now,
            progress=progress,
            request=request,
        )
    except StoreError:
        return None


def render_build(result: BuildResult) -> str:
    """The summary ``kg build`` prints."""
    if not result.built:
        return f"up to date: {result.location} ({result.quads} quads, {result.graphs} graphs)\n"
    return (
        f"built {result.location} ({result.quads} quads, {result.graphs} graphs) "
        f"in {result.seconds:.1f} s\n"
    )
