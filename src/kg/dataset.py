"""The dataset the commands work on: the files loaded into one store, then the inferences.

Commands (query, sparql, export, serve …) call ``open_dataset`` and nothing else to get a store,
so that every one of them sees the same graph — the same files, the same inferred triples — and
so that a later cache of the loaded, inferred store has exactly one place to live.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from kg import graph, inference
from kg.graph import Dataset


def open_dataset(
    paths: Sequence[Path | str] | None = None,
    *,
    inferred: bool = True,
    ontology: bool = True,
    progress: Callable[[Path], None] | None = None,
    report: Callable[[inference.InferenceReport], None] | None = None,
    cache: bool = False,
) -> Dataset:
    """Load the ontology and the given files or folders (the repository's ``data/`` when none
    are given) with ``kg.graph.load``, then materialise the OWL-lite inferences.

    Args:
        paths: files or folders to load; ``None`` or empty for the repository's data.
        inferred: add the inferred graphs (``kg.inference``); off for an asserted-only view.
        ontology: load the ontology too. Without it there are no axioms, so nothing is inferred.
        progress: called with each file once it is loaded.
        report: called with the inference report (triples per axiom), when inference ran.
        cache: read from the persistent store (``kg.store``) when one is built and up to date
            for these inputs, building it first for large inputs (``KG_CACHE`` says when). The
            store is opened read-only: only for commands that never write to the dataset.
            Small inputs stay in memory (faster than a store for them, and nothing is written).

    Raises:
        RdfSyntaxError: a file does not parse (the message names file, line and column).
        InputError: a path is missing or has an unknown extension.
    """
    if cache:
        from kg import store

        persistent = store.open_cached(paths, inferred=inferred and ontology, ontology=ontology)
        if persistent is not None:
            return persistent
    dataset = graph.load(paths, ontology=ontology, progress=progress)
    if inferred and ontology:
        result = inference.materialise(dataset.store)
        if report is not None:
            report(result)
    return dataset
