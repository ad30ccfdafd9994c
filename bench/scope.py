"""The cost of the scopes' query graphs (kg.load.scope) at one scale: what computing the
deduplicated default graphs adds to loading (time, memory), and what reading them instead of
Oxigraph's union (a bag) does to the canned queries.

Usage::

    python bench/scope.py DATA_DIR [--repeat 3]

``DATA_DIR`` is a folder ``bench/gen.py`` wrote (e.g. ``python bench/gen.py 1M /tmp/1M``).
Times are CPU seconds of this process (``time.process_time``) and wall seconds; memory is the
resident set after each step and the peak. One process, steps in order: load + inference
(for queries: the copy is deferred where the union answers the same, kg.load.scope.defer),
the queries on the union (before any query graph exists), the query graphs, the same queries
on the documents scope.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

from kg.load import dataset as memory
from kg.load import scope
from kg.namespaces import BASE, PREFIXES
from kg.sparql import catalogue
from kg.sparql.values import with_values

QUERIES = (
    "list-participants-by-forum",
    "list-sources-by-resource",
    "list-neighbours-by-country",
    "list-strategies-by-country",
    "list-members-by-organisation",
)


def _rss() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _peak() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _time_queries(store, params, options, repeat: int) -> dict[str, tuple[float, int]]:
    from pyoxigraph import Variable

    out = {}
    for name in QUERIES:
        query = catalogue.find_query(name)
        terms = catalogue.bind_params(store, query, params.get(name, {}))
        subs = {Variable(k): v for k, v in terms.items()}
        text = with_values(query.text, terms) if terms else query.text  # as execute does
        best, rows = float("inf"), 0
        for _ in range(repeat):
            started = time.process_time()
            rows = sum(
                1
                for _ in store.query(
                    text, prefixes=PREFIXES, base_iri=BASE, substitutions=subs, **options
                )
            )
            best = min(best, time.process_time() - started)
        out[name] = (best * 1000, rows)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--no-union",
        action="store_true",
        help="skip the queries on the union (they raise the peak memory the query graphs "
        "are measured by)",
    )
    args = parser.parse_args()
    params = json.loads((args.data / "params.json").read_text())
    wall, cpu = _clock()
    # loaded for queries: the copy deferred (kg.load.scope.defer) where the union answers
    # the same, so that the parameters' labels are resolved without making it
    dataset = memory.load([args.data], query_graphs=True)
    wall2, cpu2 = _clock()
    store = dataset.store
    if not scope.is_deferred(store):
        args.no_union = True  # the copy was made at load: there is no union alone to read
        print("the query graphs were made at load (kg.load.scope.defer declined)")
    quads = len(store)
    print(f"load + inference: {cpu2 - cpu:.2f} s CPU ({wall2 - wall:.2f} s wall), {quads} quads")
    print(f"  resident {_rss():.0f} MB, peak {_peak():.0f} MB")
    union = (
        {}
        if args.no_union
        else _time_queries(store, params, {"use_default_graph_as_union": True}, args.repeat)
    )
    # The union must be the named graphs alone: a default graph filled before (by resolving a
    # parameter on a store without the mark, as this script once did) is read as well, every
    # triple twice, and the union then ran up to 4,000 times slower than it does.
    assert args.no_union or scope.is_deferred(store), "the union was read with the copy in it"
    wall, cpu = _clock()
    report = scope.materialise(store)
    wall2, cpu2 = _clock()
    print(
        f"query graphs: {cpu2 - cpu:.2f} s CPU ({wall2 - wall:.2f} s wall), "
        f"{report.documents} documents triples + {report.external_only} external"
    )
    print(f"  resident {_rss():.0f} MB, peak {_peak():.0f} MB, quads {len(store)}")
    scoped = _time_queries(store, params, scope.query_options(scope.DOCUMENTS), args.repeat)
    print("\n| query | union (bag), ms CPU | documents scope, ms CPU | ratio | rows |")
    print("|---|---:|---:|---:|---:|")
    for name in QUERIES:
        (b, rows_b) = scoped[name]
        (a, rows_a) = union.get(name, (float("nan"), rows_b))
        rows = str(rows_b) if rows_a == rows_b else f"{rows_a} → {rows_b}"
        print(f"| {name} | {a:.1f} | {b:.1f} | {b / a:.2f} | {rows} |")


if __name__ == "__main__":
    main()
