"""Server time of every kind of page of ``kg serve`` on the persistent store (issue 13: at most
300 ms at 1M triples), and the first hit of each page after a fresh server start (issue 22).
A benchmark, not a test.

    python bench/pages.py [--scale 1M] [--repeat 5] [--out bench/out] [--data DIR --cache DIR]
    python bench/pages.py --data DIR --only first [--starts 3] [--before SRC]
        [--cache DIR] [--before-cache DIR]

Generates the synthetic data of ``bench/gen.py`` when it is missing (as ``bench/run.py`` does),
builds the persistent store with ``kg build`` (a cache folder under ``--out``), opens it as
``kg serve`` does (workers open the RocksDB store read-only) and calls the app directly —
``App.handle``, so the figure is the server's time from a request to its complete response,
worker round trip included, without a socket or a browser. Every page is asked ``--repeat``
times; the table gives median, min and max in milliseconds. The first request of a page whose
answer the server caches (home, ontology, editor vocabulary) is the max; later ones are served
from the cache.

``--only first`` (issue 22): each start is a new process that opens the persistent store of
``--data`` as ``kg serve`` does (``Server(..., warm_pages=True)``: the summaries that ``kg
build`` kept beside the store, else computed in the background), waits until its workers are
up, and times the first request of the home page, the ontology page, a country's page and the
canned page ``list-strategies-in-force-by-year`` (its first page of rows; then again, warm, and
its second page, then its views as the page's script fetches them: made with the rest of the
answer after the first page is sent), with the bytes of each answer; last, the same canned
page for a year whose answer is not kept (``--other-year``, 2020): ``kg build`` keeps the
answers of the canned queries with their default parameters beside the store
(``kg.server.answers``), which the first page reads, and a server keeps the answers it
evaluates, so the kept answers are removed before the build (which keeps the defaults' again)
and those a server of an earlier start kept before each start: that row is always a first
evaluation by the engine. With ``--before SRC`` the
same runs on another ``src/`` folder (its own store: ``--before-cache``), starts interleaved
(after, before, after …); the summaries a "before" server kept from an earlier start are
removed first, as after a fresh ``kg build`` of that code (``--before-keeps``: that code's
build keeps them too, as main's since issue 22). Stores are built with ``kg build``
when missing (``--cache``, ``--before-cache``); nothing is written into ``--data``.
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


CANNED = "list-strategies-in-force-by-year"
KEPT_ANSWERS = "*/store-*/answers/*.tsv"  # kg.server.answers, in a cache folder


def first_hits(folder: Path, other_year: str) -> dict[str, tuple[float, int, int]]:
    """In this process (a fresh one): open ``folder``'s persistent store as ``kg serve`` does
    and time the first request of each page: page → (seconds, status, bytes)."""
    from kg.load import open_dataset
    from kg.load import store as persistent
    from kg.server import Server
    from kg.server.messages import Request

    params = json.loads((folder / "params.json").read_text())
    country = params["list-initiatives-by-country"]["country"].partition(":")[2]
    canned = f"/queries/{CANNED}?" + urlencode(params[CANNED])
    paths = {
        "home": "/",
        "ontology": "/ontology",
        "country": f"/id/{country}",
        "canned, first page": canned,
        "canned, first page again": canned,
        "canned, page 2": canned + "&" + urlencode({"page": 2, "size": 100}),
        # the views (its script fetches them; before they were in the page: then a 404)
        "canned, views": canned.replace(CANNED, CANNED + ".views", 1),
        # a parameter value whose answer is not kept: the engine's first evaluation
        f"canned, year {other_year} (not kept), first page": f"/queries/{CANNED}?"
        + urlencode({**params[CANNED], "year": other_year}),
    }
    dataset = open_dataset([folder], cache=True)
    location = getattr(dataset, "location", None)
    if location is None:
        raise SystemExit("no persistent store for the data: kg build it first")
    dataset.store = None  # as kg serve: the workers open it
    out = {}
    headers = {"accept": "text/html", "host": "localhost"}
    with Server(
        None,
        host="127.0.0.1",
        port=0,
        database=Path(location) / persistent.DB,
        warm_pages=True,
    ) as server:
        server.pool.started.wait(120)
        for name, path in paths.items():
            route, _, query = path.partition("?")
            request = Request("GET", route, query, headers, b"", time.monotonic())
            t = time.perf_counter()
            response = server.app.handle(request)
            out[name] = (time.perf_counter() - t, response.status, len(response.body))
    return out


def first_runs(args: argparse.Namespace) -> None:
    """The ``--only first`` table: first hits after fresh starts, variants interleaved."""
    folder = Path(args.data)
    variants = {"kg": (str(HERE.parent / "src"), Path(args.cache))}
    if args.before:
        variants["kg before"] = (args.before, Path(args.before_cache))
    command = [sys.executable, str(Path(__file__).resolve())]
    for name, (src, cache) in variants.items():
        env = {**os.environ, "PYTHONPATH": src, "KG_CACHE_DIR": str(cache), "KG_NO_PROGRESS": "1"}
        for kept in cache.glob(KEPT_ANSWERS):  # as after a fresh build: its answers only
            kept.unlink()
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "kg", "build", str(folder)],
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        print(f"{name}: kg build (or up to date) {time.perf_counter() - started:.1f} s")
    # the answers kg build kept (kg.server.answers); a server keeps more, removed before a start
    built = {name: set(cache.glob(KEPT_ANSWERS)) for name, (_, cache) in variants.items()}
    figures: dict[str, dict[str, list[tuple[float, int, int]]]] = {v: {} for v in variants}
    for start in range(args.starts):
        for name, (src, cache) in variants.items():
            if name != "kg" and not args.before_keeps:  # as after a fresh build of that code
                for kept in cache.glob("*/store-*/pages-*.pickle"):
                    kept.unlink()
            for kept in set(cache.glob(KEPT_ANSWERS)) - built[name]:  # kept by an earlier start
                kept.unlink()
            env = {**os.environ, "PYTHONPATH": src, "KG_CACHE_DIR": str(cache)}
            env["KG_NO_PROGRESS"] = "1"
            done = subprocess.run(
                [*command, "--child-first", str(folder), "--other-year", args.other_year],
                check=True,
                env=env,
                capture_output=True,
                text=True,
            )
            for page, value in json.loads(done.stdout.strip().splitlines()[-1]).items():
                figures[name].setdefault(page, []).append(tuple(value))
            print(f"start {start + 1}, {name}: done", flush=True)

    def cell(values: list[tuple[float, int, int]]) -> str:
        times = [v[0] * 1000 for v in values]
        bad = (
            ""
            if all(v[1] == 200 for v in values)
            else " (status " + ",".join(str(v[1]) for v in values) + ")"
        )
        return (
            f"{statistics.median(times):,.0f} [{min(times):,.0f}–{max(times):,.0f}]{bad}"
            f", {max(v[2] for v in values) / 1024:,.0f} KB"
        )

    print(
        f"\nfirst hit of each page after a fresh server start (ms, median [min–max] of "
        f"{args.starts} starts, interleaved; KB of the answer)\n"
    )
    names = list(variants)
    print("| page | " + " | ".join(names) + " |")
    print("|---|" + "---:|" * len(names))
    for page in figures["kg"]:
        print(f"| {page} | " + " | ".join(cell(figures[n][page]) for n in names) + " |")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="1M")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", default=str(HERE / "out"))
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--only", choices=("table", "first"), default="table")
    parser.add_argument("--data", help="generated data to use (--only first)")
    parser.add_argument("--starts", type=int, default=3)
    parser.add_argument("--before", help="another src/ folder, measured interleaved")
    parser.add_argument("--cache", default=str(HERE / "out" / "work" / "pages-first"))
    parser.add_argument("--before-cache", default=str(HERE / "out" / "work" / "pages-before"))
    parser.add_argument(
        "--before-keeps",
        action="store_true",
        help="the --before code's kg build keeps the page summaries too: leave them",
    )
    parser.add_argument(
        "--other-year",
        default="2020",
        help="a year of the canned page whose answer is not kept (--only first; default 2020)",
    )
    parser.add_argument("--child-first", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_first:
        hits = first_hits(Path(args.child_first), args.other_year)
        print(json.dumps(hits))
        return
    if args.only == "first":
        if not args.data:
            raise SystemExit("--only first needs --data DIR (bench/gen.py's output)")
        first_runs(args)
        return

    sys.path.insert(0, str(HERE))
    import run as bench_run

    out = Path(args.out)
    # --data: that folder and the store of --cache, built only when missing
    folder = Path(args.data) if args.data else bench_run.prepare(args.scale, out)
    cache = Path(args.cache) if args.data else out / "work" / f"pages-{args.scale}" / "cache"
    env = {**os.environ, "KG_CACHE_DIR": str(cache), "KG_CACHE": "auto", "KG_NO_PROGRESS": "1"}
    started = time.perf_counter()
    command = [sys.executable, "-c", "import sys; from kg.cli import main; sys.exit(main())"]
    force = [] if args.data else ["--force"]
    subprocess.run(
        [*command, "build", str(folder), *force], check=True, env=env, stdout=subprocess.DEVNULL
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
        dataset.store,
        host="127.0.0.1",
        port=0,
        database=Path(location) / persistent.DB,
        warm_pages=True,  # as kg serve: the summaries kg build kept beside the store
    ) as server:
        server.pool.started.wait(120)
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
