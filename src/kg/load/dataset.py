"""The dataset in memory: the files loaded into one store, then the inferences.

The persistent store (:mod:`kg.load.store`) builds itself from exactly this, and
:func:`kg.load.open_dataset` chooses between the two; this module knows nothing of the cache,
so the store can depend on it without a cycle.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from kg.load import files as graph
from kg.load import inference
from kg.load.files import Dataset
from kg.progress import Progress


def load(
    paths: Sequence[Path | str] | None = None,
    *,
    inferred: bool = True,
    ontology: bool = True,
    progress: Progress | None = None,
    report: Callable[[inference.InferenceReport], None] | None = None,
) -> Dataset:
    """Load the ontology and the given files or folders (the repository's ``data/`` when none
    are given) into memory with ``kg.load.files.load``, then materialise the OWL-lite
    inferences.

    Args:
        paths: files or folders to load; ``None`` or empty for the repository's data.
        inferred: add the inferred graphs (``kg.load.inference``); off for an asserted-only
            view.
        ontology: load the ontology too. Without it there are no axioms, so nothing is inferred.
        progress: told of each file once it is loaded (``kg.progress``).
        report: called with the inference report (triples per axiom), when inference ran.

    Raises:
        RdfSyntaxError: a file does not parse (the message names file, line and column).
        InputError: a path is missing or has an unknown extension.
    """
    dataset = graph.load(paths, ontology=ontology, progress=progress)
    if inferred and ontology:
        result = inference.materialise(dataset.store)
        if report is not None:
            report(result)
    return dataset
