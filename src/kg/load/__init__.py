"""Stage 1, files → store: RDF files loaded into named graphs (:mod:`.files`), the OWL-lite
inferences (:mod:`.inference`), the persistent on-disk store (:mod:`.store`), and the source
documents the passages cite (:mod:`.documents`).

Commands (query, sparql, export, serve …) call :func:`open_dataset` and nothing else to get a
store, so that every one of them sees the same graph — the same files, the same inferred
triples — whether it comes from memory or from the persistent store.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from kg.load.files import Dataset

if TYPE_CHECKING:
    from kg.load import inference
    from kg.progress import Progress

__all__ = ["Dataset", "open_dataset"]


def open_dataset(
    paths: Sequence[Path | str] | None = None,
    *,
    inferred: bool = True,
    ontology: bool = True,
    progress: Progress | None = None,
    report: Callable[[inference.InferenceReport], None] | None = None,
    cache: bool = False,
    external_inference: bool = True,
    query_graphs: bool = False,
) -> Dataset:
    """The loaded and inferred dataset (see :func:`kg.load.dataset.load` for the arguments).

    Args:
        cache: read from the persistent store (:mod:`kg.load.store`) when one is built and up
            to date for these inputs, building it first for large inputs (``KG_CACHE`` says
            when). The store is opened read-only: only for commands that never write to the
            dataset. Small inputs stay in memory (faster than a store for them), loaded from
            their snapshot when one is up to date, else loaded and then kept as one
            (:mod:`kg.load.snapshot`; not when ``progress`` or ``report`` is given).
        external_inference: see :func:`kg.load.dataset.load` (a persistent store always has it).
        query_graphs: see :func:`kg.load.dataset.load` (a persistent store always has them).
    """

    def load() -> Dataset:
        from kg.load import dataset as memory  # not imported when the snapshot answers

        return memory.load(
            paths,
            inferred=inferred,
            ontology=ontology,
            progress=progress,
            report=report,
            external_inference=external_inference,
            query_graphs=query_graphs,
        )

    if not cache:
        return load()
    from kg.load import store  # only the cached commands pay for the store's imports

    if store.mode() == "off":
        return load()
    request = store.Request.of(paths, inferred=inferred and ontology, ontology=ontology)
    persistent = store.open_cached(paths, request=request)
    if persistent is not None:
        return persistent
    if progress is not None or report is not None:
        return load()  # they are told of the load as it runs
    from kg.load import snapshot

    options = {
        "inferred": inferred,
        "ontology": ontology,
        "external_inference": external_inference,
        "query_graphs": query_graphs,
    }
    return snapshot.open_dataset(request, options, load)
