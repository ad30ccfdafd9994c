"""Scopes: what a query's default graph holds — the documents (the default), or the documents
and the external open data — each a *set* of triples however many graphs state one.

**Why a materialised default graph.** Queries read a default graph without ``GRAPH``. Oxigraph's
union default graph (``use_default_graph_as_union``, pyoxigraph 0.5.13) is a bag: a triple
stated by two passages is seen twice by every query, and a FROM list of several graphs is a bag
too (oxigraph#1919). A fact two passages state must sit in both passage graphs (both are its
source), so the union cannot be what queries read. Instead the distinct union is computed once
and stored:

* the store's own **default graph** holds the distinct union of the *documents scope*: every
  named graph except the external ones (passages, the source documents' graphs, the ontology
  and its companions, the vocabulary, the inferences drawn from them);
* the named graph :data:`EXTERNAL_UNION_GRAPH` holds the external triples the default graph
  lacks (graphs ``graph:external/…``, the linksets ``graph:links/…``, and the inferences drawn
  with them, ``graph:inferred/external/…``), so the *all* scope is the default graph plus that
  graph — two disjoint graphs, hence still a set.

``GRAPH ?g`` sees every named graph that states something, in either scope (not the derived
``graph:union/external``: see :func:`query_options`): a pattern in ``GRAPH`` names its graph, so
each answer says where it comes from (a passage, an external source, an inference), and it
is how "which passages state this?" lists every one of them. Restricting the named graphs of a
query to a list would be the stricter reading of a scope, but Oxigraph then evaluates ``GRAPH
?g`` graph by graph (measured at 1M triples and 31k graphs: minutes instead of a second).

The query graphs are derived. A store that queries will read gets them before it is handed
out: ``kg build`` writes each triple to the default graph as it loads the files and the
inferences (:class:`kg.load.files.QueryGraphWriter`), an in-memory load for queries
(``kg.load.dataset.load(query_graphs=True)``, as ``kg.api.open_dataset`` asks) copies them
right after the inference (:func:`materialise`); then the external union
(:func:`fill_external_union`, which needs the whole default graph). Any other load leaves the
default graph empty (every file goes to named graphs), so a store whose default graph is empty
has not had them computed yet; :func:`ensure` computes them then, once. Everything that reads
the named graphs for what they state (exports, entity pages, publishing) skips them
(:func:`is_query_graph`).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TYPE_CHECKING, Any

from pyoxigraph import (
    BlankNode,
    DefaultGraph,
    NamedNode,
    Quad,
    QuerySolutions,
    Store,
)

from kg.namespaces import EXTERNAL_GRAPH, GRAPH, INFERRED_GRAPH

if TYPE_CHECKING:
    from kg.load.records import ScopeReport

DOCUMENTS = "documents"
ALL = "all"
SCOPES = (DOCUMENTS, ALL)

LINKS_GRAPH = GRAPH + "links/"
INFERRED_EXTERNAL_GRAPH = INFERRED_GRAPH + "/external/"
EXTERNAL_UNION_GRAPH = NamedNode(GRAPH + "union/external")
# An empty named graph: the mark of a store whose query graphs are deferred (see :func:`defer`).
DEFERRED_GRAPH = NamedNode(GRAPH + "union/deferred")

# The VoID / DCAT description of the dataset (kg link writes it beside the linksets): it says
# what the dataset is, its subsets, sources and licences — about the dataset, not external facts.
DATASET_DESCRIPTION_GRAPH = LINKS_GRAPH + "void"

# Graph name prefixes of the external scope.
EXTERNAL_PREFIXES = (EXTERNAL_GRAPH, LINKS_GRAPH, INFERRED_EXTERNAL_GRAPH)


def __getattr__(name: str) -> Any:
    """``ScopeReport``, defined in :mod:`kg.load.records` (PEP 562): a query only asks which
    graphs are in scope, and a dataclass costs about a millisecond to define."""
    if name == "ScopeReport":
        from kg.load import records

        return records.ScopeReport
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def is_external_graph(name: str) -> bool:
    """True for graphs of the external scope: external sources, linksets, the inferences
    drawn with them, and their materialised union (not the dataset's own VoID description)."""
    if name == DATASET_DESCRIPTION_GRAPH:
        return False
    return name.startswith(EXTERNAL_PREFIXES) or name == EXTERNAL_UNION_GRAPH.value


def is_query_graph(graph: Any) -> bool:
    """True for the graphs this module derives (the default graph, the external union): they
    repeat what the named graphs state and are the source of nothing."""
    if isinstance(graph, DefaultGraph):
        return True
    return isinstance(graph, NamedNode) and graph in (EXTERNAL_UNION_GRAPH, DEFERRED_GRAPH)


def is_derived_copy(store: Store, quad: Any) -> bool:
    """Whether a quad is a query graph's copy of what a named graph states (so it is the
    source of nothing). A default-graph triple no named graph states is the store's own
    data (a store loaded into its default graph, as the conformance suites do)."""
    graph = quad.graph_name
    if isinstance(graph, NamedNode):
        return graph == EXTERNAL_UNION_GRAPH
    if not isinstance(graph, DefaultGraph):
        return False
    return any(
        not isinstance(q.graph_name, DefaultGraph)
        for q in store.quads_for_pattern(quad.subject, quad.predicate, quad.object, None)
    )


def check_scope(scope: str) -> str:
    """The scope name, checked (ValueError for an unknown one)."""
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r} (one of: {', '.join(SCOPES)})")
    return scope


def source_graphs(store: Store) -> list[NamedNode | BlankNode]:
    """The store's named graphs that state something (the query graphs left out), sorted."""
    return sorted((g for g in store.named_graphs() if not is_query_graph(g)), key=lambda g: str(g))


def clear(store: Store) -> None:
    """Drop the query graphs (before the named graphs change: they would be stale), and the
    mark that they were deferred (:func:`defer`)."""
    store.clear_graph(DefaultGraph())
    store.remove_graph(EXTERNAL_UNION_GRAPH)
    store.remove_graph(DEFERRED_GRAPH)


def _count(store: Store, graph: DefaultGraph | NamedNode) -> int:
    """Triples of one graph, counted by the engine."""
    rows = store.query(
        "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
        use_default_graph_as_union=False,
        default_graph=[graph],
    )
    assert isinstance(rows, QuerySolutions)  # a SELECT
    return int(next(iter(rows))["n"].value)


def source_quads(store: Store) -> int:
    """The quads of the named graphs that state something (the query graphs left out)."""
    total = len(store)
    if is_ready(store):
        total -= _count(store, DefaultGraph())
        if store.contains_named_graph(EXTERNAL_UNION_GRAPH):
            total -= _count(store, EXTERNAL_UNION_GRAPH)
    return total


# The files' quads and their default-graph copies reach a store being built as N-Quads text in
# batches of about this many bytes (:class:`kg.load.files.QueryGraphWriter`): one call of the
# bulk loader per batch instead of one per file (a call costs tens of milliseconds whatever its
# size). Measured at 1M (the whole build; bench/build_phases.py): the files' phase peaks near
# 130 MB with 8 MiB batches, below the inference's writes (see INFERENCE_BATCH_BYTES); 16 MiB
# batches raised the build's peak by 10-20 MB for no less CPU, 4 MiB took 4 % more CPU.
BATCH_BYTES = 8 << 20
# The batches of the inferred triples (:func:`kg.load.dataset.load` switches to them after
# the files): the inference's derived triples are held while they are written, so its
# batches sit on more than the files' did, and they make the build's peak. Measured at 1M
# (the inference alone on a store of the files, its closure freed first, peak RSS): 8 MiB
# 287 MB, 4 MiB 254, 2 MiB 253, 1 MiB 264; the inferred triples are a sixth of the quads,
# so their smaller batches cost little.
INFERENCE_BATCH_BYTES = 4 << 20

_DEFAULT = DefaultGraph()


def is_external_name(graph: Any) -> bool:
    """:func:`is_external_graph` for a graph term (a blank node or the default graph is not)."""
    return isinstance(graph, NamedNode) and is_external_graph(graph.value)


def with_copies(quads: Iterable[Quad]) -> Iterator[Quad]:
    """Each quad, then its copy in the default graph unless its graph is external: how kg
    writes a quad to a store whose query graphs are filled as it is loaded. The copy is the
    same terms, so a blank node is the same blank node in both (a store is a set: a triple
    two graphs state is stored once in the default graph)."""
    external: dict[Any, bool] = {}
    for quad in quads:
        yield quad
        graph = quad.graph_name
        outside = external.get(graph)
        if outside is None:
            outside = external[graph] = is_external_name(graph)
        if not outside:
            yield Quad(quad.subject, quad.predicate, quad.object, _DEFAULT)


def materialise(store: Store) -> ScopeReport:
    """Compute the query graphs of a loaded store (replacing any previous ones).

    The documents' distinct union goes into the default graph by SPARQL updates evaluated
    inside the engine, :data:`FILL_GRAPHS` graphs at a time (:func:`fill_default`), then the
    external union (:func:`fill_external_union`). In memory this is what
    :func:`kg.load.dataset.load` does with ``query_graphs`` after the inference, and what
    :func:`ensure` does on the first query of a store loaded without them. A store being
    built on disk gets its default graph as it loads instead
    (:class:`kg.load.files.QueryGraphWriter`).
    """
    started = time.perf_counter()
    clear(store)
    fill_default(store)
    fill_external_union(store)
    return report(store, time.perf_counter() - started)


# Graphs copied into the default graph by one update (see :func:`fill_default`).
FILL_GRAPHS = 250


def fill_default(store: Store) -> None:
    """Copy every graph but the external ones into the (empty) default graph.

    One update for all of them held every solution until it committed: at 1M triples and
    31k graphs it peaked at 1,062 MB, where updates of :data:`FILL_GRAPHS` graphs each, the
    graphs named in a ``VALUES`` block, peak at 780 MB for the same CPU time (4.2 s against
    4.5 s), bounded by a batch's solutions; 250 graphs an update peaked about 7 MB lower
    than 1,000 for no more CPU, 4,000 about 50 MB higher (each a whole load at 1M, the
    inference's garbage released first, :func:`kg.load.dataset.release_freed_memory`).
    Copying quads through Python instead took twice the CPU; each graph dumped as N-Triples
    and loaded back in 8 MiB batches, as much CPU and a few MB more. The graphs named by a
    blank node (``VALUES`` cannot name one) are copied as terms. Variables bound to a blank
    node keep it, so the copy has the same blank nodes."""
    named: list[str] = []
    blank: list[BlankNode] = []
    for graph in store.named_graphs():
        if isinstance(graph, BlankNode):
            blank.append(graph)
        elif not is_external_name(graph):
            named.append(str(graph))
    for start in range(0, len(named), FILL_GRAPHS):
        listed = " ".join(named[start : start + FILL_GRAPHS])
        store.update(
            f"INSERT {{ ?s ?p ?o }} WHERE {{ VALUES ?g {{ {listed} }} GRAPH ?g {{ ?s ?p ?o }} }}"
        )
    for graph in blank:
        store.extend(
            Quad(q.subject, q.predicate, q.object, _DEFAULT)
            for q in list(store.quads_for_pattern(None, None, None, graph))
        )


def report(store: Store, seconds: float = 0.0) -> ScopeReport:
    """What the query graphs of a store hold (counted by the engine)."""
    from kg.load.records import ScopeReport

    return ScopeReport(
        _count(store, DefaultGraph()),
        _count(store, EXTERNAL_UNION_GRAPH),
        seconds,
    )


def fill_external_union(store: Store) -> None:
    """The external triples the (already filled) default graph lacks, into
    :data:`EXTERNAL_UNION_GRAPH`, replacing what it held.

    Picked in Python, graph by graph (an update whose WHERE scanned every graph for them held
    all 1.2M solutions at once: 2 GB more at the peak). The external graphs are the linked
    open data kg fetched, a small part of a store."""
    store.remove_graph(EXTERNAL_UNION_GRAPH)
    default = DefaultGraph()
    for graph in list(store.named_graphs()):
        if not isinstance(graph, NamedNode) or not is_external_graph(graph.value):
            continue
        if graph == EXTERNAL_UNION_GRAPH:
            continue
        store.extend(
            Quad(q.subject, q.predicate, q.object, EXTERNAL_UNION_GRAPH)
            for q in store.quads_for_pattern(None, None, None, graph)
            if next(iter(store.quads_for_pattern(q.subject, q.predicate, q.object, default)), None)
            is None
        )


def is_ready(store: Store) -> bool:
    """Whether the store's query graphs are computed (or there is nothing to compute)."""
    if next(iter(store.quads_for_pattern(None, None, None, DefaultGraph())), None) is not None:
        return True
    return next(iter(store.named_graphs()), None) is None


# Held while a store's query graphs are computed by :func:`ensure` (see there).
_MATERIALISING = threading.Lock()


def ensure(store: Store) -> None:
    """Compute the query graphs unless the store has them. A read-only store (the persistent
    store) is built with them; one without them is left as it is.

    Readiness is read from the default graph (:func:`is_ready`), which :func:`materialise`
    fills *first*: a query that looked while another thread was still computing the graphs
    read a store that looked ready but had no external union yet (an ``all``-scope answer
    without its external rows), and one that looked just before saw an empty default graph
    and computed the graphs again, its :func:`clear` emptying them under the first thread's
    query ("no kg:Country is labelled 'Poland'"). So the graphs are computed by one thread at a
    time, and while they are being computed no thread trusts :func:`is_ready` without waiting
    for the computation to end. A computation that fails half-way is undone: a partial default
    graph would count as ready for ever.
    """
    if is_ready(store) and not _MATERIALISING.locked():
        return  # the default graph is only filled under the lock, so this one is complete
    with _MATERIALISING:
        if is_ready(store):  # computed while this thread waited
            return
        try:
            clear(store)
        except OSError:  # read-only, not built by kg: it is read as it is
            return
        try:
            materialise(store)
        except BaseException:
            with contextlib.suppress(OSError):
                clear(store)
            raise


# How many graphs, spread over the store, and how many of each one's quads :func:`repeats`
# looks at, and the share of them stated by another graph too above which the copy is made.
SAMPLE_GRAPHS = 64
SAMPLE_QUADS = 8
REPEATED_SHARE = 0.01


def defer(store: Store) -> bool:
    """Leave an in-memory store's query graphs to their first need, when reading the union of
    its graphs in place answers the same: mark the store (an empty named graph,
    :data:`DEFERRED_GRAPH`) and return True; else False (the caller copies them now).

    Why: the copy is half the memory of an in-memory load (1.7× a raw load at 1M triples,
    ``docs/explanation/scopes.md``), and most queries cannot tell the union, a bag, from the
    distinct union (:mod:`kg.sparql.multiplicity`: ``SELECT DISTINCT`` and ``ASK`` without
    counting). Those read the union in place; the first query that can tell computes the
    query graphs (:func:`ensure`), and the store is then as it would have been.

    When: only where the union of the graphs *is* the documents scope, so a store with an
    external graph is not deferred; and only where triples are almost never stated twice
    (:func:`repeats`): each repetition multiplies the rows a pattern on the union reads, and
    joins multiply them again (the repository's data, where every passage graph labels what
    it names, is copied at once).

    The mark lasts until :func:`clear`: like the copy, it says what the store held when it
    was loaded, so a store written to afterwards is cleared first (see there)."""
    graphs = list(store.named_graphs())
    if any(is_external_name(g) for g in graphs):
        return False
    if repeats(store, graphs):
        return False
    store.add_graph(DEFERRED_GRAPH)
    return True


def is_deferred(store: Store) -> bool:
    """Whether the store's query graphs were deferred (:func:`defer`) and not yet computed."""
    return store.contains_named_graph(DEFERRED_GRAPH)


def repeats(store: Store, graphs: list[Any]) -> bool:
    """Whether more than :data:`REPEATED_SHARE` of a sample of the store's triples are
    stated by more than one graph: :data:`SAMPLE_QUADS` quads of each of
    :data:`SAMPLE_GRAPHS` graphs taken at even steps through ``graphs`` (at 1M triples and
    31k graphs, 512 lookups: about 7 ms). A sample, so a store where a few triples repeat
    may be deferred: the answers are the same either way, only their speed differs."""
    step = max(1, len(graphs) // SAMPLE_GRAPHS)
    seen = repeated = 0
    for graph in graphs[::step][:SAMPLE_GRAPHS]:
        for quad in islice(store.quads_for_pattern(None, None, None, graph), SAMPLE_QUADS):
            seen += 1
            stating = 0
            for other in store.quads_for_pattern(quad.subject, quad.predicate, quad.object, None):
                if not isinstance(other.graph_name, DefaultGraph):
                    stating += 1
                    if stating > 1:
                        repeated += 1
                        break
    return seen > 0 and repeated > seen * REPEATED_SHARE


def query_options(scope: str, store: Store | None = None) -> dict[str, Any]:
    """The pyoxigraph query options that make a scope the default graph.

    ``GRAPH`` sees the graphs that state something, never the derived ``graph:union/external``
    (given ``store``): it is a copy, the source of nothing, and neither exported nor
    published, so a ``GRAPH ?g`` answer listing it differed between a local query and the
    same query on a published store (issue 20). Only a store that has that graph (one with
    external sources) gets an explicit list of named graphs, because Oxigraph then evaluates
    ``GRAPH ?g`` graph by graph: unnoticeable on the repository's 200 graphs, slow on tens of
    thousands (the default graph is not a named graph: ``GRAPH`` never saw it)."""
    graphs: list[Any] = [DefaultGraph()]
    if check_scope(scope) == ALL:
        graphs.append(EXTERNAL_UNION_GRAPH)
    options: dict[str, Any] = {"use_default_graph_as_union": False, "default_graph": graphs}
    if store is not None and store.contains_named_graph(EXTERNAL_UNION_GRAPH):
        options["named_graphs"] = source_graphs(store)
    return options
