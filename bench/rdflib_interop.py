"""Is ``Dataset.rdflib()`` (kg's data as an rdflib.Dataset through oxrdflib, on the same
Oxigraph store) worth having over copying the data into rdflib's own store?

Measures, on the repository's data (or ``--data``), the two ways an rdflib user gets kg's
graph and then asks it the same SPARQL query, interleaved A, B, A, B …:

  oxrdflib   kg.open_dataset().rdflib(): no copy, SPARQL evaluated by Oxigraph
  copy       every quad copied into an in-memory rdflib.Dataset, SPARQL evaluated by rdflib

Prints the time to get the rdflib.Dataset and the time per query, median [min-max].

    python bench/rdflib_interop.py [--runs 7] [--data PATH ...]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import rdflib

import kg

QUERY = (
    "SELECT ?country ?label (COUNT(?passage) AS ?passages) WHERE { "
    "GRAPH ?passage { ?country a kg:Country ; rdfs:label ?label } } "
    "GROUP BY ?country ?label ORDER BY ?label"
)


def _copy(store) -> rdflib.Dataset:
    from pyoxigraph import NamedNode

    from kg.api import _rdflib_term  # the API's own term conversion

    copy = rdflib.Dataset()
    for quad in store:
        name = quad.graph_name
        graph = (
            copy.graph(rdflib.URIRef(name.value))
            if isinstance(name, NamedNode)
            else copy.default_graph
        )
        graph.add(tuple(_rdflib_term(t) for t in (quad.subject, quad.predicate, quad.object)))
    return copy


def _timed(work: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    out = work()
    return time.perf_counter() - started, out


def _show(name: str, times: list[float]) -> str:
    low, high = min(times) * 1000, max(times) * 1000
    return f"{name:<28} {statistics.median(times) * 1000:9.2f} ms [{low:.2f}-{high:.2f}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--data", nargs="*", type=Path, default=None)
    args = parser.parse_args()
    graph = kg.open_dataset(args.data)
    namespaces = {p: rdflib.Namespace(str(n)) for p, n in graph.rdflib().namespaces()}
    get = {"oxrdflib": [], "copy": []}
    ask = {"oxrdflib": [], "copy": []}
    rows = {}
    for _ in range(args.runs):
        for name, make in (("oxrdflib", graph.rdflib), ("copy", lambda: _copy(graph.store))):
            seconds, dataset = _timed(make)
            get[name].append(seconds)
            seconds, answer = _timed(lambda d=dataset: list(d.query(QUERY, initNs=namespaces)))
            ask[name].append(seconds)
            rows[name] = len(answer)
    assert rows["oxrdflib"] == rows["copy"], rows
    print(f"{len(graph.store)} quads, {rows['copy']} rows, {args.runs} runs, interleaved")
    for name in get:
        print(_show(f"{name}: get the Dataset", get[name]))
        print(_show(f"{name}: the query", ask[name]))


if __name__ == "__main__":
    main()
