"""Benchmark: kg against raw pyoxigraph (the floor) and rdflib + pyshacl (the peer), at several
scales of synthetic data (``bench/gen.py``), in one run, medians of several runs.

Usage::

    python bench/run.py [--scales 10k,100k,1M] [--repeat 3] [--rounds 2] [--build-repeat 1]
                        [--peer-repeat 1] [--no-peer] [--out bench/out] [--json FILE]

kg and raw runs are interleaved (kg, raw, kg, raw …, ``--repeat`` rounds; warm queries:
``--rounds`` processes per engine, each running every query ``--repeat`` times) so that the
load of a shared machine drifts over both alike; every time is printed as median [min–max].

Every measurement is a whole process started by this script (``python bench/run.py --worker
…`` for the baselines, the ``kg`` command for kg), timed by wall clock from start to exit, with
its peak resident memory taken from the kernel's accounting of that child (``os.wait4``). Where
a number is about work inside a process (a query on a loaded store), the process reports its own
timing too. What each row measures:

* **load**: parse the same files (the ontology's two files and the scale's TriG files) into
  named graphs (Turtle → one graph per file, TriG keeps its graphs). kg: ``graph.load``; raw: a
  hand-written loop of ``Store.load``; rdflib: ``Dataset.parse``. Process wall time (includes
  interpreter start-up and imports) and peak memory.
* **load + inference**: kg's ``open_dataset`` (what every kg command does). No baseline does
  inference; compared with the raw load of the same files *plus* kg's inferred triples as
  N-Quads (so the raw store holds the same triples).
* **build**: ``kg build`` (load, inference, write the RocksDB store) vs raw: ``Store(path)``
  and ``bulk_load`` of the same files plus the inferred N-Quads. Also the CPU seconds (user +
  system, from GNU time) of each process: on a shared machine a build's wall time swings by
  several times between rounds, its CPU time much less.
* **query <name> (warm)**: one process per engine loads the data (raw and rdflib: the files
  plus kg's inferred N-Quads, so all three hold the same triples), then runs each canned query
  with the same parameter values (raw: the same SPARQL text with ``substitutions`` and the same
  terms as a VALUES block after each ``WHERE {``, which is what kg does; rdflib:
  ``initBindings``; kg: ``query.run_canned``, which also resolves the parameter), writing
  SPARQL CSV; median over the repeats, in ms, after one untimed run (the first query of a
  store loaded in memory computes its query graphs), with the CPU time of the same runs.
  ``same`` says whether kg's CSV equals raw's byte for byte (quotes left out), and kg's whole
  CSV is compared with ``--before``'s.
* **query <name> (cold)**: a whole process per query. kg: ``kg query NAME -d DIR -p …
  --format csv`` on the built persistent store; raw: open the raw RocksDB store read-only, run
  the query, write CSV.
* **validate**: ``kg validate DIR`` (SHACL as SPARQL on Oxigraph, with load and inference) vs
  rdflib + pyshacl: parse the files and kg's inferred N-Quads into one graph (their union, as
  kg validates), ``pyshacl.validate`` with the
  same shapes (no pyshacl inference: the entailments are given). Raw pyoxigraph has no SHACL.
* **export turtle / jsonld**: ``kg export DIR --format … -o FILE`` (stable sorted Turtle; JSON-LD
  compacted with the context) vs raw: load, write the union of the data graphs with pyoxigraph's
  serializer (unsorted Turtle; expanded JSON-LD) vs rdflib: load, ``serialize``.

Ratios are kg/raw and kg/rdflib (below 1: kg is faster). Nothing here is a pass/fail test.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
ONTOLOGY = [REPO / "ontology" / "kg.ttl", REPO / "ontology" / "vocab.ttl"]
ONTOLOGY_GRAPHS = [
    "https://w3id.org/digital-policy-kg/graph/ontology",
    "https://w3id.org/digital-policy-kg/graph/ontology/vocab",
]
SHAPES = [REPO / "ontology" / "shapes.ttl", REPO / "ontology" / "shapes-external.ttl"]
QUERIES = REPO / "queries"
TIME = shutil.which("time", path="/usr/bin:/bin")  # GNU time, for each process's peak memory
PREFIXES = {
    "id": "https://w3id.org/digital-policy-kg/id/",
    "voc": "https://w3id.org/digital-policy-kg/vocab/",
    "kg": "https://w3id.org/digital-policy-kg/ontology#",
}
XSD = "http://www.w3.org/2001/XMLSchema#"


# --------------------------------------------------------------------------------------------
# Workers: each runs in its own process and prints one JSON object.


def _inferred(folder: Path) -> Path:
    """kg's inferred triples for a scale, beside (never inside) its data folder: kg loads every
    RDF file of the folder."""
    return folder.parent / f"{folder.name}-inferred.nq"


def _data_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.trig"))


def _term(value: str):
    from pyoxigraph import Literal, NamedNode

    if value.isdigit() and len(value) == 4:
        return Literal(value, datatype=NamedNode(XSD + "gYear"))
    prefix, _, local = value.partition(":")
    return NamedNode(PREFIXES[prefix] + local)


def _raw_load(store, folder: Path, inferred: bool) -> None:
    from pyoxigraph import NamedNode, RdfFormat

    for path, graph in zip(ONTOLOGY, ONTOLOGY_GRAPHS, strict=True):
        store.load(path=str(path), format=RdfFormat.TURTLE, to_graph=NamedNode(graph))
    for path in _data_files(folder):
        store.load(path=str(path), format=RdfFormat.TRIG)
    if inferred:
        store.load(path=str(_inferred(folder)), format=RdfFormat.N_QUADS)


def _chosen_queries() -> list[Path]:
    """The canned queries to measure: all, or those named in ``KG_BENCH_QUERIES`` (set by
    ``--queries``, so that the worker processes see the same choice)."""
    names = [n for n in os.environ.get("KG_BENCH_QUERIES", "").split(",") if n]
    return [p for p in sorted(QUERIES.glob("*.rq")) if not names or p.stem in names]


def _queries(folder: Path) -> list[tuple[str, str, dict[str, str]]]:
    params = json.loads((folder / "params.json").read_text())
    out = []
    for path in _chosen_queries():
        out.append((path.stem, path.read_text(encoding="utf-8"), params.get(path.stem, {})))
    return out


def worker_raw_load(folder: Path, inferred: bool = False) -> dict:
    from pyoxigraph import Store

    t = time.perf_counter()
    store = Store()
    _raw_load(store, folder, inferred)
    return {"seconds": time.perf_counter() - t, "quads": len(store)}


def worker_raw_build(folder: Path, target: Path) -> dict:
    from pyoxigraph import NamedNode, RdfFormat, Store

    t = time.perf_counter()
    shutil.rmtree(target, ignore_errors=True)
    store = Store(str(target))
    for path, graph in zip(ONTOLOGY, ONTOLOGY_GRAPHS, strict=True):
        store.bulk_load(path=str(path), format=RdfFormat.TURTLE, to_graph=NamedNode(graph))
    for path in _data_files(folder):
        store.bulk_load(path=str(path), format=RdfFormat.TRIG)
    store.bulk_load(path=str(_inferred(folder)), format=RdfFormat.N_QUADS)
    store.flush()
    store.optimize()
    return {"seconds": time.perf_counter() - t, "quads": len(store)}


def _without_quotes(csv: bytes) -> bytes:
    """kg's CSV without the quote columns kg adds (kg.sparql.quotes: the passages' text, from
    the source document), so that it compares with raw's answer to the same SPARQL."""
    import csv as csvlib
    import io

    table = list(csvlib.reader(io.StringIO(csv.decode("utf-8"), newline="")))
    if not table:
        return csv
    keep = [i for i, name in enumerate(table[0]) if not name.endswith(("quote", "Quote"))]
    if len(keep) == len(table[0]):
        return csv
    out = io.StringIO(newline="")
    writer = csvlib.writer(out, lineterminator="\r\n")
    for row in table:
        writer.writerow([row[i] for i in keep])
    return out.getvalue().encode("utf-8")


def _digests(csv: bytes) -> dict[str, str]:
    """Hashes of a CSV answer: as written, and of its rows sorted (ORDER BY leaves ties in
    whatever order a store keeps them, which differs between two stores of the same quads)."""
    import hashlib

    whole = hashlib.sha256(csv).hexdigest()  # quotes included: kg against kg before
    csv = _without_quotes(csv)
    rows = b"\r\n".join(sorted(csv.split(b"\r\n")))
    return {
        "sha256": hashlib.sha256(csv).hexdigest(),
        "rows": hashlib.sha256(rows).hexdigest(),
        "whole": whole,
    }


def _median_runs(run, repeat: int, warm_up: bool = False) -> tuple[list[float], list[float], bytes]:
    """Every run's seconds, wall clock and CPU of this process (the harness takes median, min
    and max over all rounds). ``warm_up``: one run first, not timed — a store loaded in memory
    computes its query graphs on its first query, which is the "first query" row's figure, not
    a warm one (it was counted in the warm rows before, up to 56 s of a 4 s median under load).
    The CPU time is the figure a shared machine disturbs least: the load of other processes
    stretches the wall clock, not the work done."""
    times, cpus, out = [], [], b""
    if warm_up:
        run()
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        out = run()
        times.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
    return times, cpus, out


def _with_values(text: str, subs: dict) -> str:
    """The query with the bound terms also as a VALUES block after each ``WHERE {`` (every
    SELECT of the canned queries projects its parameters), as kg does (kg.sparql.values):
    Oxigraph plans before it sees substitutions, and only a VALUES block tells the planner."""
    if not subs:
        return text
    names = " ".join(f"?{v.value}" for v in subs)
    terms = " ".join(str(t) for t in subs.values())
    return text.replace("WHERE {", f"WHERE {{ VALUES ({names}) {{ ({terms}) }}")


def worker_raw_queries(folder: Path, repeat: int) -> dict:

    from pyoxigraph import QueryResultsFormat, Store, Variable

    store = Store()
    _raw_load(store, folder, inferred=True)
    out = {}
    for name, text, params in _queries(folder):
        subs = {Variable(k): _term(v) for k, v in params.items()}
        text = _with_values(text, subs)

        def run(text: str = text, subs: dict = subs) -> bytes:
            result = store.query(text, use_default_graph_as_union=True, substitutions=subs)
            return result.serialize(format=QueryResultsFormat.CSV)

        times, cpus, data = _median_runs(run, repeat, warm_up=True)
        out[name] = {"times": times, "cpu": cpus, **_digests(data)}
    return out


def worker_kg_queries(folder: Path, repeat: int) -> dict:

    from kg.load import open_dataset
    from kg.sparql import catalogue as query
    from kg.sparql import results

    # loaded as kg.api.open_dataset loads for queries (with the query graphs, deferred where
    # the union answers the same: kg.load.scope.defer), where the code knows the option
    # (--before may be older): without it the first run copies the union into the default
    # graph, which doubles the chains an in-memory store walks on every lookup
    options = {"query_graphs": True} if _knows(open_dataset, "query_graphs") else {}
    store = open_dataset([folder], **options).store
    out = {}
    for name, _, params in _queries(folder):
        canned = query.find_query(name)

        def run(canned: query.CannedQuery = canned, params: dict = params) -> bytes:
            return results.serialize(query.run_canned(store, canned, params), "csv")

        times, cpus, data = _median_runs(run, repeat, warm_up=True)
        out[name] = {"times": times, "cpu": cpus, **_digests(data)}
    return out


FIRST_QUERY = "list-participants-by-forum"  # a lookup whose answer does not grow with the graph


def worker_kg_first(folder: Path) -> dict:
    """Load 1M in memory as the query commands do (``open_dataset``: load, inference and the
    query graphs), then the first canned query: what a user of the library waits for after
    the load. The process reports both times: the query graphs count in the load when they
    are computed while loading, in the first query when that query computes them."""
    from kg.load import open_dataset
    from kg.sparql import catalogue as query
    from kg.sparql import results

    params = json.loads((folder / "params.json").read_text()).get(FIRST_QUERY, {})
    # as kg.api.open_dataset loads for queries: with the query graphs (kg.load.scope) where
    # the code knows the option (--before may be older)
    options = {"query_graphs": True} if _knows(open_dataset, "query_graphs") else {}
    t = time.perf_counter()
    store = open_dataset([folder], **options).store
    loaded = time.perf_counter()
    results.serialize(query.run_canned(store, query.find_query(FIRST_QUERY), params), "csv")
    done = time.perf_counter()
    return {"load": loaded - t, "first": done - loaded}


def _knows(function, option: str) -> bool:
    import inspect

    return option in inspect.signature(function).parameters


def worker_raw_first(folder: Path) -> dict:
    """The same files plus kg's inferred N-Quads in memory, then the same SPARQL on the union
    default graph (Oxigraph's own: a bag)."""
    from pyoxigraph import QueryResultsFormat, Store, Variable

    params = json.loads((folder / "params.json").read_text()).get(FIRST_QUERY, {})
    text = (QUERIES / f"{FIRST_QUERY}.rq").read_text(encoding="utf-8")
    t = time.perf_counter()
    store = Store()
    _raw_load(store, folder, inferred=True)
    loaded = time.perf_counter()
    subs = {Variable(k): _term(v) for k, v in params.items()}
    result = store.query(
        _with_values(text, subs), use_default_graph_as_union=True, substitutions=subs
    )
    result.serialize(format=QueryResultsFormat.CSV)
    done = time.perf_counter()
    return {"load": loaded - t, "first": done - loaded}


def _rdflib_dataset(folder: Path, inferred: bool):
    from rdflib import Dataset, URIRef

    ds = Dataset(default_union=True)
    for path, graph in zip(ONTOLOGY, ONTOLOGY_GRAPHS, strict=True):
        ds.graph(URIRef(graph)).parse(str(path), format="turtle")
    for path in _data_files(folder):
        ds.parse(str(path), format="trig")
    if inferred:
        ds.parse(str(_inferred(folder)), format="nquads")
    return ds


def worker_rdflib_load(folder: Path) -> dict:
    t = time.perf_counter()
    ds = _rdflib_dataset(folder, inferred=False)
    return {"seconds": time.perf_counter() - t, "quads": len(ds)}


def worker_rdflib_queries(folder: Path, repeat: int, limit: float) -> dict:
    import signal

    from rdflib import Literal, URIRef, Variable

    ds = _rdflib_dataset(folder, inferred=True)
    out = {}

    def alarm(*_: object) -> None:
        raise TimeoutError

    signal.signal(signal.SIGALRM, alarm)
    for name, text, params in _queries(folder):
        bindings = {}
        for k, v in params.items():
            term = _term(v)
            bindings[Variable(k)] = (
                Literal(term.value, datatype=URIRef(term.datatype.value))
                if hasattr(term, "datatype")
                else URIRef(term.value)
            )

        def run(text: str = text, bindings: dict = bindings) -> bytes:
            return ds.query(text, initBindings=bindings).serialize(format="csv")

        signal.alarm(int(limit))
        try:
            times, _, _ = _median_runs(run, repeat)
            out[name] = {"times": times}
        except TimeoutError:
            out[name] = {"seconds": None, "timeout": limit}
        except Exception as error:
            out[name] = {"seconds": None, "error": str(error)[:200]}
        finally:
            signal.alarm(0)
    return out


def worker_raw_cold(store_dir: Path, folder: Path, name: str) -> dict:
    from pyoxigraph import QueryResultsFormat, Store, Variable

    params = json.loads((folder / "params.json").read_text()).get(name, {})
    text = (QUERIES / f"{name}.rq").read_text(encoding="utf-8")
    store = Store.read_only(str(store_dir))
    subs = {Variable(k): _term(v) for k, v in params.items()}
    result = store.query(
        _with_values(text, subs), use_default_graph_as_union=True, substitutions=subs
    )
    sys.stdout.buffer.write(result.serialize(format=QueryResultsFormat.CSV))
    return {}


def worker_pyshacl(folder: Path) -> dict:
    import pyshacl
    from rdflib import Graph

    t = time.perf_counter()
    ds = _rdflib_dataset(folder, inferred=True)
    # pyshacl validates each named graph of a Dataset on its own; kg validates their union
    # (a strategy's country is typed in another passage's graph): give pyshacl the union.
    union = Graph()
    for triple in ds.triples((None, None, None)):
        union.add(triple)
    del ds
    loaded = time.perf_counter()
    shapes = Graph()
    for path in SHAPES:
        if path.is_file():
            shapes.parse(str(path), format="turtle")
    conforms, _, _ = pyshacl.validate(
        union, shacl_graph=shapes, inference="none", allow_warnings=True
    )  # kg conforms with warnings, so must the peer
    return {
        "seconds": time.perf_counter() - t,
        "load": loaded - t,
        "validate": time.perf_counter() - loaded,
        "conforms": bool(conforms),
    }


def worker_raw_export(folder: Path, fmt: str, target: Path) -> dict:
    from pyoxigraph import RdfFormat, Store, Triple, serialize

    store = Store()
    _raw_load(store, folder, inferred=False)
    skip = set(ONTOLOGY_GRAPHS)
    triples = (
        Triple(q.subject, q.predicate, q.object)
        for q in store
        if getattr(q.graph_name, "value", None) not in skip
    )
    if fmt == "jsonld-graphs":  # the quads, each in its graph (a JSON-LD dataset)
        with target.open("wb") as out:
            serialize(
                (q for q in store if getattr(q.graph_name, "value", None) not in skip),
                out,
                format=RdfFormat.JSON_LD,
            )
        return {}
    rdf_format = {"turtle": RdfFormat.TURTLE, "jsonld": RdfFormat.JSON_LD}[fmt]
    with target.open("wb") as out:
        serialize(triples, out, format=rdf_format)
    return {}


def worker_rdflib_export(folder: Path, fmt: str, target: Path) -> dict:
    from rdflib import Graph

    ds = _rdflib_dataset(folder, inferred=False)
    union = Graph()
    for ctx in ds.graphs():
        if str(ctx.identifier) not in ONTOLOGY_GRAPHS:
            for t in ctx:
                union.add(t)
    if fmt == "jsonld":
        context = json.loads((REPO / "ontology" / "context.jsonld").read_text())
        union.serialize(str(target), format="json-ld", context=context)
    else:
        union.serialize(str(target), format="turtle")
    return {}


WORKERS = {
    "raw-load": lambda a: worker_raw_load(Path(a[0]), inferred=len(a) > 1),
    "raw-build": lambda a: worker_raw_build(Path(a[0]), Path(a[1])),
    "raw-queries": lambda a: worker_raw_queries(Path(a[0]), int(a[1])),
    "kg-queries": lambda a: worker_kg_queries(Path(a[0]), int(a[1])),
    "rdflib-load": lambda a: worker_rdflib_load(Path(a[0])),
    "rdflib-queries": lambda a: worker_rdflib_queries(Path(a[0]), int(a[1]), float(a[2])),
    "raw-cold": lambda a: worker_raw_cold(Path(a[0]), Path(a[1]), a[2]),
    "pyshacl": lambda a: worker_pyshacl(Path(a[0])),
    "raw-export": lambda a: worker_raw_export(Path(a[0]), a[1], Path(a[2])),
    "rdflib-export": lambda a: worker_rdflib_export(Path(a[0]), a[1], Path(a[2])),
    "kg-load": lambda a: _kg_load(Path(a[0]), inferred=len(a) > 1),
    "kg-first": lambda a: worker_kg_first(Path(a[0])),
    "raw-first": lambda a: worker_raw_first(Path(a[0])),
}


def _kg_load(folder: Path, inferred: bool) -> dict:
    t = time.perf_counter()
    if inferred:
        from kg.load import open_dataset

        store = open_dataset([folder]).store
    else:
        from kg.load import files as graph

        store = graph.load([folder]).store
    return {"seconds": time.perf_counter() - t, "quads": len(store)}


# --------------------------------------------------------------------------------------------
# The harness


def measure_rss(cmd: list[str], env: dict[str, str] | None = None) -> dict:
    """Run one process: wall seconds, peak RSS (MB, from ``/usr/bin/time -f %M``), CPU seconds
    (user + system, ``%U %S``: what the load of a shared machine disturbs least) and its
    stdout. Not ``os.wait4`` on our own child: Linux counts the harness's memory at fork time
    into a child's ``ru_maxrss``, so every child would weigh at least what the harness does."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        timed = [TIME, "-f", "%M %U %S", "-o", rss.name, *cmd] if TIME else cmd
        start = time.perf_counter()
        proc = subprocess.run(timed, capture_output=True, env={**os.environ, **(env or {})})
        wall = time.perf_counter() - start
        if proc.returncode not in (0, 1):
            raise RuntimeError(
                f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.decode()[-2000:]}"
            )
        text = rss.read().strip().splitlines()
    fields = text[-1].split() if text else []
    try:
        kb, cpu = float(fields[0]), float(fields[1]) + float(fields[2])
    except (IndexError, ValueError):
        kb = cpu = float("nan")
    return {
        "wall": wall,
        "rss_mb": kb / 1024,
        "cpu": cpu,  # user + system seconds: steadier than wall time on a shared machine
        "rc": proc.returncode,
        "stdout": proc.stdout,
    }


def worker_cmd(name: str, *args: object) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--worker", name, *map(str, args)]


def kg_cmd(*args: object) -> list[str]:
    """The kg console script beside this interpreter (what ``pip install`` makes), as
    ``bench/query_startup.py`` runs it: ``shutil.which("kg")`` found pyenv's shell shim first,
    about 0.1 s of bash before Python starts that raw's worker (this interpreter, run directly)
    never paid, a third of a cold lookup at 1M."""
    kg = Path(sys.executable).parent / "kg"
    base = [str(kg)] if kg.is_file() else [sys.executable, "-m", "kg"]
    return [*base, *map(str, args)]


def _summary(runs: list[dict]) -> dict:
    inner = []
    for r in runs:
        try:
            inner.append(json.loads(r["stdout"] or b"{}"))
        except ValueError:
            inner.append({})
    walls = [r["wall"] for r in runs]
    cpus = [r.get("cpu", float("nan")) for r in runs]
    return {
        "wall": statistics.median(walls),
        "wall_min": min(walls),
        "wall_max": max(walls),
        "walls": walls,  # in round order, to pair the engines' runs of one round
        "cpu": statistics.median(cpus),
        "cpu_min": min(cpus),
        "cpu_max": max(cpus),
        "rss_mb": max(r["rss_mb"] for r in runs),
        "inner": inner[-1],
        "inners": inner,
        "rc": runs[-1]["rc"],
        "stdout": runs[-1]["stdout"],
    }


def median_of(cmd: list[str], repeat: int, env: dict[str, str] | None = None) -> dict:
    return _summary([measure_rss(cmd, env) for _ in range(repeat)])


def interleaved(commands: dict[str, tuple[list[str], dict[str, str] | None]], repeat: int) -> dict:
    """Run each engine's command in turn, A, B, A, B …, ``repeat`` rounds: on a shared machine
    load drifts, and interleaving makes the drift hit every engine alike. Median, min and max
    per engine."""
    runs: dict[str, list[dict]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, (cmd, env) in commands.items():
            runs[name].append(measure_rss(cmd, env))
    return {name: _summary(r) for name, r in runs.items()}


def with_before(
    args: argparse.Namespace, cmd: list[str], env: dict[str, str] | None, work: Path | None = None
) -> dict[str, tuple[list[str], dict[str, str] | None]]:
    """kg's command, and the same command on the code of ``--before`` (another ``src``
    folder, first on PYTHONPATH; its own cache folder, so that neither finds the other's
    store stale): both measured in the same interleaved rounds."""
    engines = {"kg": (cmd, env)}
    if args.before:
        other = {**(env or {}), "PYTHONPATH": str(Path(args.before).resolve())}
        if env and "KG_CACHE_DIR" in env:
            other["KG_CACHE_DIR"] = env["KG_CACHE_DIR"] + "-before"
        engines["before"] = (cmd, other)
    return engines


def in_a_checkout(src: Path, scratch: Path) -> Path:
    """``src`` where kg finds the repository's ontology, data and queries around it (it looks
    beside its package, ``kg.resources.root``): as it is when it sits in a checkout, else a copy
    under ``scratch`` beside links to this checkout's folders (a ``git archive`` of ``src``
    alone, such as ``/work/before/src``, found no canned query)."""
    src = src.resolve()
    if (src.parent / "ontology" / "kg.ttl").is_file():
        return src
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    shutil.copytree(src, scratch / "src", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("ontology", "data", "queries", "pyproject.toml"):
        (scratch / name).symlink_to(REPO / name)
    # byte-compiled, as the kg under test is when installed (a copy without bytecode, under
    # PYTHONDONTWRITEBYTECODE, would compile every module on every run)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(scratch / "src")], check=True)
    return scratch / "src"


def prepare(scale: str, out: Path) -> Path:
    sys.path.insert(0, str(HERE))
    import gen

    folder = out / scale
    manifest = folder / "manifest.json"
    if not manifest.is_file() or json.loads(manifest.read_text()).get("seed") != 1:
        gen.generate(scale, folder, seed=1)
    inferred = _inferred(folder)
    if not inferred.is_file():
        from pyoxigraph import RdfFormat

        from kg.load import inference, open_dataset

        store = open_dataset([folder]).store
        with inferred.open("wb") as handle:
            for g in inference.inferred_graphs(store):
                store.dump(handle, format=RdfFormat.N_QUADS, from_graph=g)
    return folder


def run_scale(scale: str, args: argparse.Namespace) -> dict:
    out = Path(args.out)
    folder = prepare(scale, out)
    n = args.repeat
    peer_n = args.peer_repeat
    work = out / "work" / scale
    if not args.reuse:
        shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    cache = {"KG_CACHE_DIR": str(work / "cache"), "KG_CACHE": "auto", "KG_NO_PROGRESS": "1"}
    res: dict = {"scale": scale, "manifest": json.loads((folder / "manifest.json").read_text())}
    log = lambda m: print(f"[{scale}] {m}", file=sys.stderr, flush=True)  # noqa: E731

    want = lambda section: not args.only or section in args.only.split(",")  # noqa: E731
    if want("load"):
        _load_rows(res, folder, n, peer_n, args, log)
    if want("build"):
        log("build")
        res["build"] = interleaved(
            {
                **with_before(args, kg_cmd("build", folder, "--force"), cache),
                "raw": (worker_cmd("raw-build", folder, work / "raw-store"), None),
            },
            args.build_repeat,
        )
    if want("first"):
        log("first query after an in-memory load")
        res["first"] = interleaved(
            {
                **with_before(args, worker_cmd("kg-first", folder), None),
                "raw": (worker_cmd("raw-first", folder), None),
            },
            n,
        )
    if want("warm"):
        res["queries_warm"] = _warm_rows(folder, n, peer_n, args, log)
    if want("cold"):
        if "build" not in res:  # the cold queries read the stores a build leaves
            engines = with_before(args, kg_cmd("build", folder), cache)  # no-op when up to date
            if not (args.reuse and (work / "raw-store").is_dir()):
                engines["raw"] = (worker_cmd("raw-build", folder, work / "raw-store"), None)
            interleaved(engines, 1)
        res["queries_cold"] = _cold_rows(folder, work, cache, n, log, args)
    if want("validate"):
        log("validate")
        res["validate"] = {"kg": median_of(kg_cmd("validate", folder), n, {"KG_CACHE": "off"})}
        if not args.no_peer:
            res["validate"]["rdflib"] = median_of(worker_cmd("pyshacl", folder), peer_n)
    if want("export"):
        _export_rows(res, folder, work, n, peer_n, args, log)
    for entry in _walk(res):
        entry.pop("stdout", None)
    return res


def _load_rows(res, folder, n, peer_n, args, log) -> None:
    log("load")
    res["load"] = interleaved(
        {
            "kg": (worker_cmd("kg-load", folder), None),
            "raw": (worker_cmd("raw-load", folder), None),
        },
        n,
    )
    res["load+inference"] = interleaved(
        {
            "kg": (worker_cmd("kg-load", folder, "inferred"), None),
            "raw": (worker_cmd("raw-load", folder, "inferred"), None),
        },
        n,
    )
    if not args.no_peer:
        res["load"]["rdflib"] = median_of(worker_cmd("rdflib-load", folder), peer_n)


def _warm_rows(folder, n, peer_n, args, log) -> dict:
    log("queries (warm)")
    # the source document present, so that kg fills the quote column, as a user has it
    documents = {"KG_DOCUMENTS": str(folder / "documents")}
    engines = {
        **with_before(args, worker_cmd("kg-queries", folder, n), documents),
        "raw": (worker_cmd("raw-queries", folder, n), None),
    }
    warm: dict = {name: {} for name in engines}
    for _ in range(args.rounds):  # kg, raw, kg, raw: each process runs every query n times
        for engine, (cmd, env) in engines.items():
            answer = json.loads(measure_rss(cmd, env)["stdout"])
            for name, cell in answer.items():
                merged = warm[engine].setdefault(name, {**cell, "times": [], "cpu": []})
                merged["times"] += cell["times"]
                merged["cpu"] += cell.get("cpu", [])
    if not args.no_peer:
        warm["rdflib"] = json.loads(
            measure_rss(worker_cmd("rdflib-queries", folder, peer_n, args.peer_timeout))["stdout"]
        )
    return warm


def _cold_rows(folder, work, cache, n, log, args) -> dict:
    log("queries (cold)")
    params = json.loads((folder / "params.json").read_text())
    cold: dict = {}
    for path in _chosen_queries():
        name = path.stem
        ps = [a for k, v in params.get(name, {}).items() for a in ("-p", f"{k}={v}")]
        both = interleaved(
            {
                **with_before(
                    args, kg_cmd("query", name, "-d", folder, *ps, "--format", "csv"), cache
                ),
                "raw": (worker_cmd("raw-cold", work / "raw-store", folder, name), None),
            },
            n,
        )
        kg_run, raw_run = both["kg"], both["raw"]
        cold[name] = {
            **both,
            "same": kg_run["stdout"] == raw_run["stdout"],
            "same_rows": _digests(kg_run["stdout"])["rows"] == _digests(raw_run["stdout"])["rows"],
        }
    return cold


def _sha256(path: Path) -> str | None:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


# Each export row: label, kg's arguments, the arguments of the code before (--before), raw's
# format, the output's extension. The code before must have ``kg export --union`` (kg has it
# since its JSON-LD keeps the named graphs by default): each row compares the same output.
EXPORTS = (
    ("export turtle", ["--format", "turtle"], ["--format", "turtle"], "turtle", ".ttl"),
    (
        "export jsonld",
        ["--format", "jsonld", "--union"],
        ["--format", "jsonld", "--union"],
        "jsonld",
        ".jsonld",
    ),
    (
        "export jsonld graphs",
        ["--format", "jsonld"],
        ["--format", "jsonld"],
        "jsonld-graphs",
        ".jsonld",
    ),
)


def _export_rows(res, folder, work, n, peer_n, args, log) -> None:
    for label, kg_args, before_args, raw_fmt, ext in EXPORTS:
        log(label)
        name = label.replace(" ", "-")
        engines = {"kg": (kg_cmd("export", folder, *kg_args, "-o", work / f"{name}-kg{ext}"), None)}
        if args.before and before_args is not None:
            out = work / f"{name}-before{ext}"
            before_env = {"PYTHONPATH": str(Path(args.before).resolve())}
            engines["before"] = (kg_cmd("export", folder, *before_args, "-o", out), before_env)
        engines["raw"] = (worker_cmd("raw-export", folder, raw_fmt, work / f"raw{ext}"), None)
        row = interleaved(engines, n)
        if not args.no_peer and raw_fmt in ("turtle", "jsonld"):
            row["rdflib"] = median_of(
                worker_cmd("rdflib-export", folder, raw_fmt, work / f"rdflib{ext}"), peer_n
            )
        kg_hash = _sha256(work / f"{name}-kg{ext}")
        row["sha256"] = kg_hash
        if "before" in row:
            row["same_bytes"] = kg_hash == _sha256(work / f"{name}-before{ext}")
        res[label] = row


def _walk(node: object):
    if isinstance(node, dict):
        if "wall" in node:
            yield node
        for v in node.values():
            yield from _walk(v)


def _ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or b == 0:
        return "-"
    return f"{a / b:.2f}"


def _s(x: float | None) -> str:
    return "-" if x is None else (f"{x:.2f}" if x >= 0.1 else f"{x:.3f}")


def _same(kg: dict, raw: dict) -> str:
    if kg["sha256"] == raw["sha256"]:
        return ""
    if kg.get("rows") is not None and kg.get("rows") == raw.get("rows"):
        return " (ties ordered differently)"
    return " (answers differ!)"


ENGINES = (
    ("kg", "kg"),
    ("before", "kg before"),
    ("raw", "raw pyoxigraph"),
    ("rdflib", "rdflib (+pyshacl)"),
)


def _engines(res: dict) -> list[tuple[str, str]]:
    """The engines some row measured, in the table's order."""
    seen = {e for cell in _cells(res) for e in cell}
    return [(e, title) for e, title in ENGINES if e in seen]


def _cells(node: object):
    if isinstance(node, dict):
        if "kg" in node and isinstance(node["kg"], dict):
            yield node
        for v in node.values():
            yield from _cells(v)


def table(res: dict) -> str:
    m = res["manifest"]
    engines = _engines(res)
    ratios = [(e, "raw") for e, _ in engines if e in ("kg", "before")]
    ratios += [("kg", "rdflib")] if any(e == "rdflib" for e, _ in engines) else []
    head = [title for _, title in engines] + [f"{a}/{b}" for a, b in ratios]
    lines = [
        f"## {res['scale']}: {m['triples']} asserted triples, {m['graphs']} graphs, "
        f"{m['countries']} countries",
        "",
        "Times: median [min–max] over interleaved runs (kg, raw, kg, raw …); memory: the peak.",
        "",
        "| measure | " + " | ".join(head) + " |",
        "|---|" + "---:|" * len(head),
    ]

    def row(label: str, cell: dict, key: str = "wall", unit: str = "s") -> None:
        def value(engine: str) -> float | None:
            return cell.get(engine, {}).get(key)

        def shown(engine: str) -> str:
            v = value(engine)
            low, high = (cell.get(engine, {}).get(f"{key}_{b}") for b in ("min", "max"))
            if v is None or low is None or high is None or low == high:
                return _s(v)
            return f"{_s(v)} [{_s(low)}–{_s(high)}]"

        cells = [shown(e) for e, _ in engines] + [_ratio(value(a), value(b)) for a, b in ratios]
        lines.append(f"| {label} ({unit}) | " + " | ".join(cells) + " |")

    def inner(cell: dict, key: str) -> dict:
        """A figure each process reports about itself, median [min–max] per engine."""
        out = {}
        for e, _ in engines:
            values = [r[key] for r in cell.get(e, {}).get("inners", []) if key in r]
            if values:
                out[e] = {
                    "wall": statistics.median(values),
                    "wall_min": min(values),
                    "wall_max": max(values),
                }
        return out

    if "load" in res:
        row("load, process", res["load"])
        row("load, peak memory", res["load"], "rss_mb", "MB")
        row("load + inference, process", res["load+inference"])
        row("load + inference, peak memory", res["load+inference"], "rss_mb", "MB")
    if "build" in res:
        row("build persistent store", res["build"])
        row("build persistent store, CPU (user + system)", res["build"], "cpu")
        row("build persistent store, peak memory", res["build"], "rss_mb", "MB")
    if "first" in res:
        row(f"in memory: first query ({FIRST_QUERY}) after the load", inner(res["first"], "first"))
        row("in memory: load + first query, process", res["first"])
        row("in memory: load + first query, peak memory", res["first"], "rss_mb", "MB")
    warm = res.get("queries_warm", {"kg": {}})
    for name in warm["kg"]:
        cell, cpu = {}, {}
        for e in warm:
            for key, target in (("times", cell), ("cpu", cpu)):
                times = [t * 1000 for t in warm[e].get(name, {}).get(key) or []]
                target[e] = (
                    {
                        "wall": statistics.median(times),
                        "wall_min": min(times),
                        "wall_max": max(times),
                    }
                    if times
                    else {"wall": None}
                )
        kg_d, raw_d = warm["kg"][name], warm["raw"][name]
        mark = _same(kg_d, raw_d)
        before_d = warm.get("before", {}).get(name)
        if before_d is not None and before_d.get("whole") is not None:
            same = before_d["whole"] == kg_d.get("whole")
            mark += ", same CSV as before" if same else ", CSV DIFFERS FROM BEFORE"
        row(f"query {name}, warm, quotes filled{mark}", cell, unit="ms")
        if any(c["wall"] is not None for c in cpu.values()):
            row(f"query {name}, warm, CPU time of the process", cpu, unit="ms")
    for name, cell in res.get("queries_cold", {}).items():
        mark = "" if cell["same"] else " (ties ordered differently)"
        if not cell.get("same_rows", cell["same"]):
            mark = " (answers differ!)"
        row(f"query {name}, cold{mark}", cell)
    if "validate" in res:
        row("validate", res["validate"])
        row("validate, peak memory", res["validate"], "rss_mb", "MB")
    for label, *_ in EXPORTS:
        if label in res:
            same = res[label].get("same_bytes")
            mark = "" if same is None else (", same bytes as before" if same else ", BYTES DIFFER")
            row(f"{label}{mark}", res[label])
            row(f"{label}, CPU time", res[label], "cpu")
            row(f"{label}, peak memory", res[label], "rss_mb", "MB")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--worker"]:
        result = WORKERS[argv[1]](argv[2:])
        if result:
            sys.stdout.write(json.dumps(result))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default="10k,100k,1M")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=2, help="warm-query processes per engine")
    parser.add_argument("--build-repeat", type=int, default=1)
    parser.add_argument("--peer-repeat", type=int, default=1)
    parser.add_argument("--peer-timeout", type=float, default=300)
    parser.add_argument("--no-peer", action="store_true", help="skip rdflib / pyshacl")
    parser.add_argument("--out", default=str(HERE / "out"))
    parser.add_argument("--json", default=None, help="also write the raw results here")
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated sections to run: load, build, first, warm, cold, validate, "
        "export (default: all)",
    )
    parser.add_argument(
        "--before",
        default=None,
        metavar="SRC",
        help="also measure the kg code in this src folder (e.g. an earlier checkout's src), "
        "interleaved with the others, in its own column",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the work folder of an earlier run: its stores (kg's when up to date, raw's "
        "as it is) serve the cold rows without building them again",
    )
    parser.add_argument(
        "--queries",
        default="",
        help="comma-separated canned queries for the warm and cold rows (default: all)",
    )
    args = parser.parse_args(argv)
    if args.queries:
        os.environ["KG_BENCH_QUERIES"] = args.queries
    if args.before:
        args.before = str(in_a_checkout(Path(args.before), Path(args.out) / "before-checkout"))
    # kg's bytecode written beforehand, as an install does and as the --before copy has it
    # (under PYTHONDONTWRITEBYTECODE a module changed since its last .pyc is compiled again on
    # every run, a cost of the setting, not of the code)
    # (only this checkout's: another checkout's tree is not this script's to write in)
    spec = importlib.util.find_spec("kg")
    if spec is not None and spec.origin and Path(spec.origin).resolve().is_relative_to(REPO):
        folder = str(Path(spec.origin).parent)
        subprocess.run([sys.executable, "-m", "compileall", "-q", folder], check=False)
    results = []
    for scale in args.scales.split(","):
        res = run_scale(scale.strip(), args)
        results.append(res)
        print(table(res), flush=True)
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
