"""kg: a linked-data knowledge graph of national digital policy.

The package is a library first; the ``kg`` command (``kg.cli``) is a thin shell over it.
Data flows one way, stage by stage: files → ``kg.load`` (store) → ``kg.sparql`` →
``kg.validation`` / ``kg.export`` → ``kg.linking`` → ``kg.publish`` → ``kg.server`` → ``kg.cli``.

The public API is the names in :data:`__all__` (defined in :mod:`kg.api`, the module the CLI
calls too); every other module and name is private, whatever its spelling, and may change
without notice. They are imported on first use, so ``import kg`` and ``kg --help`` stay cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "Answer",
    "Citation",
    "Dataset",
    "Exported",
    "Finding",
    "KgError",
    "KgWarning",
    "Param",
    "Query",
    "QuotesUnavailable",
    "ValidationReport",
    "__version__",
    "cite",
    "export_graph",
    "get_query",
    "open_dataset",
    "queries",
    "validate",
]

if TYPE_CHECKING:
    from kg.api import (
        Answer,
        Citation,
        Dataset,
        Exported,
        Finding,
        KgError,
        KgWarning,
        Param,
        Query,
        QuotesUnavailable,
        ValidationReport,
        cite,
        export_graph,
        get_query,
        open_dataset,
        queries,
        validate,
    )


def __getattr__(name: str) -> Any:
    """The public names, from :mod:`kg.api` on first use (PEP 562)."""
    if name in __all__:
        from kg import api

        return getattr(api, name)
    raise AttributeError(f"module 'kg' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
