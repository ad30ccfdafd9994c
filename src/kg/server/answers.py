"""Canned answers kept beside the persistent store, so that a canned page's first evaluation
after a server starts reads its answer instead of waiting for the engine.

**Why.** A canned page's first page waits for the engine's whole answer (its ORDER BY needs
every row): at 1M statements, ``list-strategies-in-force-by-year`` takes about a second on
the RocksDB store (22,821 strategies, each looked up for its jurisdiction and three OPTIONAL
properties; merely listing the strategies and their jurisdictions takes a quarter of a
second), warm or cold, whatever the query's form. The store does not change once built, so
the answer of a query with given parameters does not either: ``kg build`` evaluates the canned
queries with their default parameters (:func:`precompute`), a server keeps every answer it
evaluates (:func:`keep`), and a worker reads the kept answer before evaluating
(:func:`read`). What is kept is the engine's answer only — the SPARQL TSV that
:func:`kg.server.limits.bounded_tsv` gives, sorted, without quotes or labels —, so the quotes
(which depend on the source documents on this machine, not on the store) and the cells are
made as for an answer just evaluated (``kg.server.tasks.canned_head``).

**Where.** ``<store>/answers/<key>.tsv``, in the folder of the persistent store
(``kg.load.store``: ``<cache>/<slot>/store-<content>/``): a rebuilt store is another folder,
and old stores are deleted with their answers.

**The key** hashes everything the answer is a function of: the store's identity (its
manifest's content id — every input file's hash, the options, the code that built it — and
the time its build started, :func:`store_identity`), the query's name and whole
text (a changed query file is another key), the parameters as given with the defaults filled
in (``kg.sparql.catalogue.bind_params`` binds exactly those), the query's scope, the versions
of kg and pyoxigraph and the source of the code between the query text and the TSV
(:data:`CODE`). The file's first line records the key again, the number of rows and the
size of the TSV; a file whose line differs (another key, truncated) is ignored and deleted. A
folder without a manifest has no identity and keeps nothing.

**The row limit.** The TSV is the whole answer; a server whose row limit it exceeds refuses
it as an evaluation would (:class:`kg.server.limits.RowLimitExceeded`). An answer found over a
limit is kept as that fact (``over <limit>``): a server with that limit or a lower one refuses
at once, one with a higher limit evaluates.

**Atomic and bounded.** Written to a temporary file named after the writing process (removed
by a later writer once that process is gone: :mod:`kg.leftovers`), then renamed into place:
readers see a whole file or none, and concurrent writers of one key write the same content.
Parameters are chosen by whoever asks the server, so the folder is kept under
:data:`MAX_BYTES`, the files written longest ago deleted first. Failures to read or write are
ignored (the answer is then evaluated, as without this module).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph

from kg import __version__, leftovers

FORMAT = 1
FOLDER = "answers"
MAX_BYTES = 128 * 1024 * 1024  # an answer at 1M statements is about 2 MB
_HEAD = b"# kg answer "
_PART = re.compile(r"\.answer-(?P<pid>[0-9]+)-.*\.part")
# The code between a canned query's text and its TSV: checking, binding and running the query,
# the Python sort of its ORDER BY, the query graphs of the scopes, the row limit, this module.
CODE = ("sparql/*.py", "load/scope.py", "namespaces.py", "server/limits.py", "server/answers.py")


def store_identity(folder: str | Path) -> str | None:
    """A persistent store's identity (its manifest's content id and build start), None when
    ``folder`` has no readable manifest: what the files kept beside a store are keyed by (the
    answers here, the page summaries of ``kg.server.app.PageCache``), so that a store rebuilt
    in the same folder does not read its predecessor's."""
    from kg.load import store as persistent

    try:
        manifest = json.loads((Path(folder) / persistent.MANIFEST).read_text("utf-8"))
        return f"{manifest['content']}:{manifest['built_ns']}"
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _code() -> str:
    from kg.load.store import hash_sources

    digest = hashlib.sha256()
    hash_sources(digest, CODE)
    return digest.hexdigest()


_CODE_HASH: list[str] = []  # computed once per process


def code_hash() -> str:
    if not _CODE_HASH:
        _CODE_HASH.append(_code())
    return _CODE_HASH[0]


@dataclass(frozen=True)
class Kept:
    """What is kept for a key: the whole answer as SPARQL TSV, or the row limit it exceeds."""

    tsv: bytes | None
    over: int | None = None  # the answer has more rows than this

    @property
    def rows(self) -> int:
        assert self.tsv is not None
        return self.tsv.count(b"\n") - 1  # the header line, then a line a row


class Answers:
    """The answers kept beside one persistent store (``folder``: its ``kg.load.store``
    location)."""

    def __init__(self, folder: str | Path, identity: str | None) -> None:
        self.folder = Path(folder) / FOLDER
        self.identity = identity

    @classmethod
    def of_store(cls, folder: str | Path) -> Answers:
        return cls(folder, store_identity(folder))

    def key(self, query: Any, values: Mapping[str, str]) -> str | None:
        """The key of ``query`` (a ``kg.sparql.catalogue.CannedQuery``) with the parameter
        values as given (see the module docstring); None: nothing is kept for this store."""
        if self.identity is None:
            return None
        given = {}
        for p in query.params:
            value = values.get(p.name, p.default)
            if value is not None:
                given[p.name] = value
        unknown = sorted(set(values) - set(given))
        if unknown:  # binding refuses them: nothing to keep
            return None
        material = [
            FORMAT,
            self.identity,
            query.name,
            query.text,
            sorted(given.items()),
            query.scope,
            __version__,
            pyoxigraph.__version__,
            code_hash(),
        ]
        text = json.dumps(material, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]

    def path(self, key: str) -> Path:
        return self.folder / f"{key}.tsv"

    def read(self, key: str) -> Kept | None:
        """What is kept for ``key``; None when nothing is, or it is not whole (then deleted)."""
        path = self.path(key)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        end = data.find(b"\n")
        fields = data[len(_HEAD) : end].split() if data.startswith(_HEAD) and end > 0 else []
        try:
            if len(fields) == 3 and fields[0].decode() == key and fields[1] == b"over":
                if end + 1 == len(data):
                    return Kept(None, over=int(fields[2]))
            elif len(fields) == 3 and fields[0].decode() == key:
                tsv = data[end + 1 :]
                rows, size = int(fields[1]), int(fields[2])
                if size == len(tsv) and tsv.count(b"\n") - 1 == rows:
                    return Kept(tsv)
        except (UnicodeDecodeError, ValueError):
            pass
        with contextlib.suppress(OSError):
            path.unlink()
        return None

    def write(self, key: str, kept: Kept) -> bool:
        """Keep ``kept`` for ``key`` (atomically), then the folder under :data:`MAX_BYTES`.
        False when it cannot be written."""
        if kept.tsv is None:
            head = _HEAD + f"{key} over {kept.over}\n".encode()
            body = b""
        else:
            head = _HEAD + f"{key} {kept.rows} {len(kept.tsv)}\n".encode()
            body = kept.tsv
        temporary = self.folder / f".answer-{os.getpid()}-{os.urandom(4).hex()}.part"
        try:
            self.folder.mkdir(exist_ok=True)
            with temporary.open("wb") as handle:  # not synced: a crash leaves what read ignores
                handle.write(head)
                handle.write(body)
            os.replace(temporary, self.path(key))
        except OSError:
            with contextlib.suppress(OSError):
                temporary.unlink()
            return False
        leftovers.sweep(self.folder, _PART)
        self._prune()
        return True

    def _prune(self) -> None:
        """Delete the files written longest ago while the folder holds more than MAX_BYTES."""
        try:
            entries = [
                (e.stat().st_mtime_ns, e.stat().st_size, e.path)
                for e in os.scandir(self.folder)
                if e.name.endswith(".tsv")
            ]
        except OSError:
            return
        total = sum(size for _, size, _ in entries)
        for _, size, path in sorted(entries):
            if total <= MAX_BYTES:
                break
            with contextlib.suppress(OSError):
                os.unlink(path)
            total -= size
