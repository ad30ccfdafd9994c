"""The records of :mod:`kg.load` that a query on small data never makes: what ``kg build``
did (``kg.load.store.BuildResult``) and what the query graphs hold
(``kg.load.scope.ScopeReport``), under those names as before (PEP 562 ``__getattr__``).

Defined here so that importing :mod:`kg.load.store` and :mod:`kg.load.scope`, which every cold
``kg query`` does (a snapshot's key and slot, the scope of its answer), does not build two
dataclasses it does not use: each costs about a millisecond to define, its methods compiled
from source in every process (as :mod:`kg.api_records` does for :mod:`kg.api`).

This module imports nothing of kg's. The handle of an opened store
(``kg.load.store.PersistentDataset``) stays in its module: a subclass of
``kg.load.files.Dataset`` that releases the store's lock, it would close an import cycle here."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["BuildResult", "ScopeReport"]


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
