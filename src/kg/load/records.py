"""The records of :mod:`kg.load` that a query on small data never makes: the handle of an
opened persistent store (``kg.load.store.PersistentDataset``), what ``kg build`` did
(``kg.load.store.BuildResult``) and what the query graphs hold
(``kg.load.scope.ScopeReport``), under those names as before (PEP 562 ``__getattr__``).

Defined here so that importing :mod:`kg.load.store` and :mod:`kg.load.scope`, which every cold
``kg query`` does (a snapshot's key and slot, the scope of its answer), does not build three
dataclasses it does not use: each costs about a millisecond to define, its methods compiled
from source in every process (as :mod:`kg.api_records` does for :mod:`kg.api`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg.load.files import Dataset

__all__ = ["BuildResult", "PersistentDataset", "ScopeReport"]


@dataclass
class PersistentDataset(Dataset):
    """A dataset opened from a published store (read-only), with where it lives."""

    location: Path = field(default_factory=Path)
    manifest: dict[str, Any] = field(default_factory=dict)
    _lock: Any = field(default=None, repr=False)

    def close(self) -> None:
        """Release the reader's lock (the store itself closes when no longer referenced)."""
        from kg.load.store import release

        if self._lock is not None:
            release(self.location, self._lock)
            self._lock = None


@dataclass(frozen=True)
class BuildResult:
    """What :func:`kg.load.store.build` did."""

    location: Path
    built: bool  # False: the store was already up to date
    quads: int
    graphs: int
    seconds: float


@dataclass(frozen=True)
class ScopeReport:
    """What :func:`kg.load.scope.materialise` stored: the distinct triples of each scope, and
    the time."""

    documents: int
    external_only: int
    seconds: float

    @property
    def all(self) -> int:
        return self.documents + self.external_only
