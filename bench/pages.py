"""Server time of every kind of page of ``kg serve`` on the persistent store (issue 13: at most
300 ms at 1M triples). A benchmark, not a test.

    python bench/pages.py [--scale 1M] [--repeat 5] [--out bench/out]

Generates the synthetic data of ``bench/gen.py`` when it is missing (as ``bench/run.py`` does),
builds the persistent store with ``kg build`` (a cache folder under ``--out``), opens it as
``kg serve`` does (workers open the RocksDB store read-only) and calls the app directly —
``App.handle``, so the figure is the server's time from a request to its complete response,
worker round trip included, without a socket or a browser. Every page is asked ``--repeat``
times; the table gives median, min and max in milliseconds. The first request of a page whose
answer the server caches (home, ontology, editor vocabulary) is the max; later ones are served
from the cache.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

from kg.server.views import local_path

HERE = Path(__file__).resolve().parent
BUDGET_MS = 300.0


def pages(names: list[str], params: dict[str, dict[str, str]], entities: dict[str, str]):
    """(name, path) of every page kind; the canned queries with the generator's parameters."""
    count = (
        "SELECT ?country ?label (COUNT(?s) AS ?n) WHERE { ?s a kg:StrategyDocument ;"
        " kg:jurisdiction ?country . ?country rdfs:label ?label }"
        " GROUP BY ?country ?label ORDER BY ?label LIMIT 50"
    )
    yield "home", "/"
    yield "catalogue", "/queries"
    yield "ontology", "/ontology"
    yield "editor (empty)", "/editor"
    yield "editor SELECT + views", "/editor?" + urlencode({"query": count})
    describe = f"DESCRIBE <{entities['country']}>"
    yield "editor DESCRIBE + graph", "/editor?" + urlencode({"query": describe})
    yield "editor syntax error", "/editor?" + urlencode({"query": "SELECT * WHERE { ?s"})
    for name in names:
        values = params.get(name, {})
        yield f"query {name}", f"/queries/{name}" + ("?" + urlencode(values) if values else "")
    for label, iri in entities.items():
        yield f"entity ({label})", local_path(iri)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="1M")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", default=str(HERE / "out"))
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    sys.path.insert(0, str(HERE))
    import run as bench_run

    out = Path(args.out)
    folder = bench_run.prepare(args.scale, out)
    cache = out / "work" / f"pages-{args.scale}" / "cache"
    env = {**os.environ, "KG_CACHE_DIR": str(cache), "KG_CACHE": "auto", "KG_NO_PROGRESS": "1"}
    started = time.perf_counter()
    command = [sys.executable, "-c", "import sys; from kg.cli import main; sys.exit(main())"]
    subprocess.run(
        [*command, "build", str(folder), "--force"], check=True, env=env, stdout=subprocess.DEVNULL
    )
    built = time.perf_counter() - started
    os.environ.update({k: env[k] for k in ("KG_CACHE_DIR", "KG_CACHE", "KG_NO_PROGRESS")})

    from kg.load import open_dataset
    from kg.load import store as persistent
    from kg.server import Server
    from kg.server.messages import Request
    from kg.sparql.catalogue import load_catalogue

    dataset = open_dataset([folder], cache=True)
    location = getattr(dataset, "location", None)
    if location is None:
        raise SystemExit("kg build did not leave a persistent store to open")
    statements = len(dataset.store)
    params = json.loads((folder / "params.json").read_text())
    from pyoxigraph import NamedNode

    from kg.namespaces import KG, RDF_TYPE

    def first(cls: str) -> str:
        quad = next(
            iter(dataset.store.quads_for_pattern(None, NamedNode(RDF_TYPE), NamedNode(KG + cls)))
        )
        return quad.subject.value

    entities = {
        "country": first("Country"),
        "strategy": first("StrategyDocument"),
        "forum": first("Forum"),
    }
    targets = list(pages(sorted(load_catalogue(None)), params, entities))
    headers = {"accept": "text/html", "host": "localhost"}
    rows = []
    with Server(
        dataset.store, host="127.0.0.1", port=0, database=Path(location) / persistent.DB
    ) as server:
        for name, path in targets:
            route, _, query = path.partition("?")
            times, status = [], None
            for _ in range(args.repeat):
                request = Request("GET", route, query, headers, b"", time.monotonic())
                t = time.perf_counter()
                response = server.app.handle(request)
                times.append((time.perf_counter() - t) * 1000)
                status = response.status
            rows.append(
                {
                    "page": name,
                    "path": path,
                    "status": status,
                    "median_ms": statistics.median(times),
                    "min_ms": min(times),
                    "max_ms": max(times),
                }
            )
    print(
        f"kg serve pages at {args.scale}: {statements} statements (asserted + inferred), "
        f"persistent store built in {built:.1f} s; {args.repeat} requests per page, "
        f"server time in ms (App.handle, worker round trip included)\n"
    )
    print("| page | status | median | min | max | ≤ 300 ms |")
    print("|---|---:|---:|---:|---:|:---:|")
    for r in rows:
        ok = "yes" if r["median_ms"] <= BUDGET_MS else "**no**"
        print(
            f"| {r['page']} | {r['status']} | {r['median_ms']:.1f} | {r['min_ms']:.1f} | "
            f"{r['max_ms']:.1f} | {ok} |"
        )
    if args.json:
        Path(args.json).write_text(
            json.dumps({"scale": args.scale, "statements": statements, "rows": rows}, indent=2)
        )


if __name__ == "__main__":
    main()
