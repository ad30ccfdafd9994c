"""The dataset: the files loaded into one store, then the inferences — in memory, or straight
into the on-disk store that :mod:`kg.load.store` is building.

The persistent store builds itself with exactly this function, and
:func:`kg.load.open_dataset` chooses between the two; this module knows nothing of the cache,
so the store can depend on it without a cycle.
"""

from __future__ import annotations

import ctypes
import gc
import sys
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path

from pyoxigraph import Store

from kg.load import files as graph
from kg.load import inference, scope
from kg.load.files import Dataset
from kg.progress import Progress


def load(
    paths: Sequence[Path | str] | None = None,
    *,
    inferred: bool = True,
    ontology: bool = True,
    progress: Progress | None = None,
    report: Callable[[inference.InferenceReport], None] | None = None,
    store: Store | None = None,
    external_inference: bool = True,
    query_graphs: bool = False,
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
        store: a new, empty on-disk store to build into instead of a store in memory. The files
            go in with the bulk loader and the inferences are computed on it, so that a build
            never holds the whole dataset in memory (a build at 1M triples peaked at 1.5 GB
            when it loaded in memory and then copied the store to disk).
        external_inference: also infer with the external facts as premises, into
            ``graph:inferred/external/…`` (see :func:`kg.load.inference.materialise`).
        query_graphs: give the store its query graphs (:mod:`kg.load.scope`) before it is
            returned, for a store that queries read: so the first query does not wait for
            them (:func:`kg.load.scope.ensure`), and the store is shared between threads
            complete. On disk (``store``) the default graph is filled as the files load and
            as the inferred triples are written (:class:`kg.load.files.QueryGraphWriter`:
            one bulk load for both); in memory it is copied after the inference
            (:func:`kg.load.scope.materialise`: measured at 1M triples, copying as the files
            load took more CPU and memory than copying after, the inference's 100 MB of
            transient objects then sitting on a store already twice its size). In memory the
            copy is most of the cost: Oxigraph's memory store holds each triple twice, 259
            bytes a quad (1.7× a raw load at 1M); an on-disk store built in a temporary folder
            instead peaked below a raw load but took three times the CPU and wrote 600 MB, so
            an in-memory load stays in memory, and large inputs get the persistent store
            (``KG_CACHE``, :func:`kg.load.open_dataset`). Unless the union of the graphs in
            place answers the same (no external graph, triples almost never stated twice):
            then the copy is deferred (:func:`kg.load.scope.defer`), ``SELECT DISTINCT`` and
            ``ASK`` read the union, and the first query that could tell a bag from a set
            makes it (:func:`kg.load.scope.ensure`). Without ``query_graphs`` a store that is
            exported or validated never pays for them (validation reads the union of the
            named graphs, which a filled default graph would double).

    Raises:
        RdfSyntaxError: a file does not parse (the message names file, line and column).
        InputError: a path is missing or has an unknown extension.
    """
    bulk = store is not None
    derived = 0  # triples the inference added
    # On disk the default graph is filled as the files load (one bulk load of both, batched);
    # in memory it is copied after the inference (see ``query_graphs`` above).
    writer = graph.QueryGraphWriter(store) if query_graphs and store is not None else None
    dataset = graph.load(
        paths, ontology=ontology, progress=progress, store=store, bulk=bulk, copies=writer
    )
    if inferred and ontology:
        if writer is not None:
            writer.batch_bytes = scope.INFERENCE_BATCH_BYTES  # see there: the build's peak
        result = inference.materialise(dataset.store, external=external_inference, copies=writer)
        derived = result.total + result.external_total
        if report is not None:
            report(result)
    if writer is not None:
        scope.fill_external_union(dataset.store)  # needs the whole default graph: last
    elif query_graphs and not scope.defer(dataset.store):
        if derived >= RELEASE_ABOVE:  # the inference's garbage, before the copy doubles the store
            release_freed_memory()
        scope.materialise(dataset.store)
    return dataset


# Inferred triples from which an in-memory load hands the inference's freed heap back before
# the copy (:func:`release_freed_memory`): at 1M triples (210,875 inferred) it lowered the
# peak by 20 MB for 7 ms; at the repository's size (about 700) there is little to free,
# and its 3.5 ms would add to every cold ``kg query``.
RELEASE_ABOVE = 50_000


def release_freed_memory() -> None:
    """Collect Python's garbage and give the C heap's free pages back to the system.

    Why before the in-memory copy of the query graphs: the inference builds and drops about
    100 MB of Python objects and engine buffers at 1M triples; freed, they stay in the
    process's heap, scattered between live blocks, and the store's 1.2M new quads did not
    reuse them all. Measured at 1M (``bench/run.py --only first``, peak RSS of the process):
    returning them first lowered the peak from 793 to 770 MB (a raw load of the same quads:
    449 MB; the copy itself is 315 MB of the difference). Only glibc has ``malloc_trim``;
    elsewhere the collection alone is done."""
    gc.collect()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None where the C library has none (macOS, musl)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None
