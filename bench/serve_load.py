"""Throughput of ``kg serve`` against Oxigraph's own server (``oxigraph serve``, the ``oxigraph``
package) on the same data, in the same run; also how long each takes to be ready after start
and what each costs in memory when idle. Not a test: it prints tables.

Both servers hold the same dataset (``kg.load.open_dataset``: asserted, inferred and external
graphs; Oxigraph loads the same N-Quads into its own RocksDB store and queries the union of the
graphs, as kg does), both run as separate processes on loopback, and the client is a third
party: its own processes, never the servers'.

**The load shape** (the same for every server and workload, written here so that every figure
of the note means one thing): CLIENTS client processes (``--clients 4,16``: each count is its
own row), each with one keep-alive HTTP/1.1 connection, sending its requests one after the
other (the next when the previous answer is read whole); per round, 20 requests per client to
warm up, then REQUESTS requests per client timed from the first sent to the last answered;
requests/s = answers with status 200 / that time. The servers take turns round by round (kg,
oxigraph, kg, oxigraph …), ``--rounds`` rounds; each row gives the median with the lowest and
highest round, and the p50/p95 latency of the median round. Workloads:

* ``forum``: the canned query list-participants-by-forum (the forum bound with VALUES, since
  Oxigraph has no parameters), POSTed as application/sparql-query, SPARQL JSON results;
* ``ask``: a one-pattern ASK, JSON;
* ``csv1000``: a SELECT of 1,000 rows (subjects and their labels, LIMIT 1000), CSV.

For kg, ``forum`` is also measured through its canned-query route (``/queries/….json``), which
resolves the forum itself.

**Ready after start**: the wall time from starting the server process to its first answer to
``ASK {}`` (polled every 10 ms), ``--starts`` times per server, taking turns.

**Idle memory**: after the start measurement, with the servers idle, the resident (RSS) and the
proportional (PSS: shared pages divided among the processes that share them) memory of each
process of each server's process tree, from /proc.

    python bench/serve_load.py --data DIR [--work DIR] [--clients 4,16] [--requests 200]
        [--rounds 3] [--starts 3] [--workers N]
        [--variant after --variant before:PYTHONPATH=/path/to/other/src]

``--data DIR`` serves a generated folder (``bench/gen.py 1M DIR``) instead of the repository's
data: kg from its persistent store (KG_CACHE=auto; build it first with ``kg build DIR``), the
forum being the one ``DIR/params.json`` names. ``--work DIR`` keeps Oxigraph's store there and
reuses it in later runs (default: a temporary folder, removed).

``--variant`` measures several builds of ``kg serve`` in one run (each started with its own
environment variables, e.g. another checkout's ``PYTHONPATH``); all servers take turns round by
round, so drift on a shared machine hits them alike.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from pyoxigraph import RdfFormat

from kg.load import open_dataset
from kg.namespaces import ID, PREFIXES
from kg.sparql import catalogue

PROLOGUE = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())


def workloads(forum_iri: str = f"{ID}eurodig") -> dict[str, tuple[str, str]]:
    """name -> (query text, Accept)."""
    forum = catalogue.find_query("list-participants-by-forum").text
    forum = forum.replace("WHERE {", f"WHERE {{\n  VALUES ?forum {{ <{forum_iri}> }}", 1)
    return {
        "forum": (forum, "application/sparql-results+json"),
        "ask": (PROLOGUE + "ASK { ?c a kg:Country }", "application/sparql-results+json"),
        "csv1000": (
            PROLOGUE + "SELECT ?s ?label WHERE { ?s rdfs:label ?label } LIMIT 1000",
            "text/csv",
        ),
    }


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def wait_ready(url: str, process: subprocess.Popen, seconds: float = 300) -> float:
    """Seconds from now until ``url`` answers 200 (polled every 10 ms)."""
    started = time.perf_counter()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode}: {url}")
        if answers(url):
            return time.perf_counter() - started
        time.sleep(0.01)
    raise SystemExit(f"server not ready: {url}")


def client(args: tuple[str, int, str, str, str | None, str, int]) -> tuple[int, int, list[float]]:
    """One client process: REQUESTS requests on one connection; (ok, errors, latencies)."""
    host, port, method, path, body, accept, count = args
    connection = http.client.HTTPConnection(host, port, timeout=60)
    headers = {"Accept": accept}
    if body is not None:
        headers["Content-Type"] = "application/sparql-query"
    payload = body.encode() if body is not None else None
    ok = errors = 0
    latencies = []
    for _ in range(count):
        started = time.perf_counter()
        connection.request(method, path, body=payload, headers=headers)
        response = connection.getresponse()
        data = response.read()
        latencies.append(time.perf_counter() - started)
        if response.status == 200 and data:
            ok += 1
        else:
            errors += 1
    connection.close()
    return ok, errors, latencies


def measure(pool, port, method, path, body, accept, clients, requests):
    """(requests per second, errors, p50 and p95 latency in seconds) of one round."""
    job = ("127.0.0.1", port, method, path, body, accept)
    pool.map(client, [(*job, 20)] * clients, chunksize=1)  # warm up
    started = time.perf_counter()
    outcomes = pool.map(client, [(*job, requests)] * clients, chunksize=1)
    elapsed = time.perf_counter() - started
    ok = sum(o[0] for o in outcomes)
    errors = sum(o[1] for o in outcomes)
    latencies = sorted(x for o in outcomes for x in o[2])
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    return ok / elapsed, errors, latencies[len(latencies) // 2], p95


def process_tree(pid: int) -> list[int]:
    """A process and all its descendants, from /proc."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except OSError:
            continue
    return found


def memory_of(pid: int) -> tuple[str, float, float] | None:
    """(what the process is, RSS MB, PSS MB), or None when it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return None
    rss = re.search(r"VmRSS:\s+(\d+)", status)
    pss = re.search(r"^Pss:\s+(\d+)", rollup, re.MULTILINE)
    words = [a.decode(errors="replace") for a in argv if a]
    text = " ".join(words)
    if "forkserver" in text:
        # the fork server, or a worker it forked (which keeps its command line)
        try:
            parent = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1]
            forked = b"forkserver" in Path(f"/proc/{parent}/cmdline").read_bytes()
        except OSError:
            forked = False
        what = "worker" if forked else "fork server"
    elif "resource_tracker" in text:
        what = "resource tracker"
    elif "multiprocessing" in text or "spawn_main" in text:
        what = "worker"
    elif words:
        what = Path(words[0]).name + (" " + words[1] if len(words) > 1 else "")
        what = what.replace(sys.executable, "python")
        if "serve" in words:
            what = Path(words[0]).name if "oxigraph" in words[0] else "kg serve (HTTP)"
    else:
        what = "?"
    return what, int(rss.group(1)) / 1024 if rss else 0.0, int(pss.group(1)) / 1024 if pss else 0.0


def median_range(values: list[float], fmt: str = "{:.2f}") -> str:
    ordered = sorted(values)
    return (
        fmt.format(statistics.median(ordered))
        + f" [{fmt.format(ordered[0])}–{fmt.format(ordered[-1])}]"
    )


def summary(rounds: list[tuple]) -> tuple:
    """(median, min, max requests/s, errors summed, p50 and p95 of the median round)."""
    ordered = sorted(rounds, key=lambda r: r[0])
    middle = ordered[len(ordered) // 2]
    return (middle[0], ordered[0][0], ordered[-1][0], sum(r[1] for r in rounds), *middle[2:])


def parse_variant(text: str) -> tuple[str, dict[str, str]]:
    """``name`` or ``name:VAR=value,VAR=value``: a kg serve started with those environment
    variables."""
    name, _, settings = text.partition(":")
    env = {}
    for item in filter(None, settings.split(",")):
        key, _, value = item.partition("=")
        env[key] = value
    return name, env


class Servers:
    """Starts and stops the servers under comparison (oxigraph first, then each kg variant)."""

    def __init__(self, options: argparse.Namespace, oxigraph: str, kg: str, store: Path) -> None:
        self.options, self.oxigraph, self.kg, self.store = options, oxigraph, kg, store
        self.variants = [parse_variant(v) for v in options.variant] or [("kg", {})]
        self.running: list[tuple[str, int, str, subprocess.Popen]] = []
        self.workers = "?"

    def names(self) -> list[str]:
        return ["oxigraph", *(name for name, _ in self.variants)]

    def start(self, name: str) -> tuple[str, int, str, subprocess.Popen, float]:
        """Start one server; (name, port, SPARQL path, process, seconds until it answered)."""
        port = free_port()
        if name == "oxigraph":
            command = [
                self.oxigraph,
                "serve",
                "--location",
                str(self.store),
                "--bind",
                f"127.0.0.1:{port}",
                "--union-default-graph",
            ]
            env = dict(os.environ)
            path = "/query"
        else:
            command = [self.kg, "serve", "--port", str(port)]
            if self.options.data:
                command.append(str(self.options.data))
            if self.options.workers:
                command += ["--workers", str(self.options.workers)]
            env = dict(
                os.environ,
                KG_CACHE="auto" if self.options.data else "off",
                **dict(self.variants)[name],
            )
            path = "/sparql"
        process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env
        )
        try:
            seconds = wait_ready(f"http://127.0.0.1:{port}{path}?query=ASK%7B%7D", process)
        except BaseException:
            stop(process)
            raise
        if name != "oxigraph":
            announced = re.search(r"(\d+) workers", process.stderr.readline())
            self.workers = announced.group(1) if announced else self.workers
        threading.Thread(target=process.stderr.read, daemon=True).start()  # never blocks it
        self.running.append((name, port, path, process))
        return name, port, path, process, seconds

    def stop_all(self) -> None:
        for name, _, _, process in self.running:
            stop(process, signal.SIGTERM if name == "oxigraph" else signal.SIGINT)
        self.running.clear()


def stop(process: subprocess.Popen, how: int = signal.SIGINT) -> None:
    process.send_signal(how)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def store_location(options: argparse.Namespace) -> Path:
    """The folder of kg's persistent store of ``--data`` (``kg build`` made it)."""
    env = dict(os.environ, KG_CACHE="auto")
    found = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from kg.load import open_dataset; "
            "print(open_dataset([sys.argv[1]], cache=True).location)",
            str(options.data),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return Path(found.stdout.strip())


def oxigraph_store(options: argparse.Namespace, oxigraph: str, work: Path) -> tuple[Path, int]:
    """Oxigraph's RocksDB store of the same quads (made once per --work folder)."""
    store, count_file = work / "oxigraph", work / "quads.txt"
    if store.exists() and count_file.exists():
        return store, int(count_file.read_text())
    # in memory (not the persistent store, which also holds kg's query graphs): the asserted,
    # inferred and external graphs only
    dataset = open_dataset([options.data] if options.data else None, cache=False)
    snapshot = work / "dataset.nq"
    dataset.store.dump(str(snapshot), RdfFormat.N_QUADS)
    quads = len(dataset.store)
    del dataset
    shutil.rmtree(store, ignore_errors=True)
    subprocess.run(
        [oxigraph, "load", "--location", str(store), "--file", str(snapshot)],
        check=True,
        capture_output=True,
    )
    snapshot.unlink()
    count_file.write_text(str(quads))
    return store, quads


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", default="4,16", help="client counts, one row each")
    parser.add_argument("--requests", type=int, default=200, help="per client, round, workload")
    parser.add_argument("--workers", type=int, default=None, help="kg serve --workers")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per workload (median)")
    parser.add_argument("--starts", type=int, default=3, help="starts per server (median)")
    parser.add_argument(
        "--only", default=None, help="workloads, comma-separated ('ready': no throughput)"
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=None,
        help="serve this folder (e.g. bench/gen.py's 1M) instead of the repository's data; kg "
        "serves it from its persistent store, as it does for large inputs",
    )
    parser.add_argument("--work", type=Path, default=None, help="keep Oxigraph's store here")
    parser.add_argument(
        "--variant",
        action="append",
        default=[],
        help="a kg serve to measure, as name[:VAR=value,...] (repeatable; default: one, 'kg')",
    )
    options = parser.parse_args()
    oxigraph = shutil.which("oxigraph")
    kg = shutil.which("kg")
    if oxigraph is None or kg is None:
        raise SystemExit("needs the `oxigraph` and `kg` commands (pip install -e '.[test]')")
    work = options.work or Path(tempfile.mkdtemp(prefix="kg-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    servers: Servers | None = None
    try:
        store, quads = oxigraph_store(options, oxigraph, work)
        servers = Servers(options, oxigraph, kg, store)
        print(
            f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()} "
            f"{platform.release()}; Python {platform.python_version()}"
        )
        print(
            f"data: {options.data or 'the repository'}, {quads} quads; kg serve on its "
            "persistent store; oxigraph serve --union-default-graph on its RocksDB "
            "store of the same quads"
        )

        # --- ready after start, and idle memory -------------------------------------------
        ready: dict[str, list[float]] = {name: [] for name in servers.names()}
        idle: dict[str, list[tuple[str, float, float]]] = {}
        for turn in range(options.starts):
            for name in servers.names():
                *_, process, seconds = servers.start(name)
                ready[name].append(seconds)
                if turn == options.starts - 1:
                    time.sleep(1.0)  # idle: let start-up work settle
                    idle[name] = [m for p in process_tree(process.pid) if (m := memory_of(p))]
                servers.stop_all()
        print()
        print("ready after start (s), median [min–max]:")
        for name, values in ready.items():
            print(f"  {name:<10} {median_range(values)}")
        print()
        print("idle memory, each process of the server's tree (MB):")
        for name, processes in idle.items():
            rss = sum(m[1] for m in processes)
            pss = sum(m[2] for m in processes)
            print(f"  {name:<10} total RSS {rss:.0f}, PSS {pss:.0f}")
            for what, r, p in processes:
                print(f"  {'':<10}   {what:<20} RSS {r:>6.0f}  PSS {p:>6.0f}")

        # --- first page hits after start ----------------------------------------------------
        if options.data:
            country = json.loads((options.data / "params.json").read_text())[
                "list-initiatives-by-country"
            ]["country"].partition(":")[2]
            paths = {"home": "/", "ontology": "/ontology", "country": f"/id/{country}"}
            kept = list(Path(store_location(options)).glob("pages-*.pickle"))
            for old in kept:
                old.unlink()  # the first start computes them
            print()
            print(
                "first hit of each page right after the server answers (s); start 1 computes "
                "the page data, later starts find it kept with the store (kg serve) or compute "
                "it again:"
            )
            print(f"  {'server':<10}{'start':>6}" + "".join(f"{p:>10}" for p in paths))
            for turn in range(options.starts):
                for name in servers.names()[1:]:
                    _, port, _, _, _ = servers.start(name)
                    row = []
                    for path in paths.values():
                        started = time.perf_counter()
                        request = urllib.request.Request(
                            f"http://127.0.0.1:{port}{path}", headers={"Accept": "text/html"}
                        )
                        try:
                            with urllib.request.urlopen(request, timeout=300) as response:
                                response.read()
                                ok = response.status == 200
                        except urllib.error.HTTPError as error:
                            ok = False
                            error.read()
                        seconds = time.perf_counter() - started
                        row.append(f"{seconds:.2f}" + ("" if ok else "!"))
                    servers.stop_all()
                    print(f"  {name:<10}{turn + 1:>6}" + "".join(f"{v:>10}" for v in row))

        # --- throughput ---------------------------------------------------------------------
        if options.only == "ready":
            return
        running = [servers.start(name)[:3] for name in servers.names()]
        print()
        print(
            f"load: keep-alive clients x {options.requests} requests each per round, "
            f"{options.rounds} rounds, servers taking turns; kg serve with {servers.workers} "
            "workers"
        )
        header = (
            f"{'workload':<10}{'clients':>8}  {'server':<10}{'req/s median':>13}{'min':>7}"
            f"{'max':>7}{'vs oxigraph':>12}{'p50/p95 ms':>15}{'errors':>8}"
        )
        print(header)
        print("-" * len(header))
        counts = [int(c) for c in options.clients.split(",")]
        ctx = multiprocessing.get_context("spawn")
        with ctx.Pool(max(counts)) as pool:
            forum_iri = f"{ID}eurodig"
            canned = "/queries/list-participants-by-forum.json?forum=EuroDIG"
            if options.data:
                params = json.loads((options.data / "params.json").read_text())
                local = params["list-participants-by-forum"]["forum"].partition(":")[2]
                forum_iri = f"{ID}{local}"
                label = urllib.parse.quote(forum_iri, safe="")
                canned = f"/queries/list-participants-by-forum.json?forum={label}"
            jobs = [
                (name, [(s[0], s[1], "POST", s[2], text, accept) for s in running])
                for name, (text, accept) in workloads(forum_iri).items()
            ]
            jobs.append(("canned", [(s[0], s[1], "GET", canned, None, "*/*") for s in running[1:]]))
            wanted = set(options.only.split(",")) if options.only else None
            for n in counts:
                for name, runs in jobs:
                    if wanted and name not in wanted:
                        continue
                    rounds: dict[str, list[tuple]] = {run[0]: [] for run in runs}
                    for _ in range(options.rounds):  # taking turns, so drift hits all alike
                        for server, port, method, path, body, accept in runs:
                            rounds[server].append(
                                measure(pool, port, method, path, body, accept, n, options.requests)
                            )
                    results = {server: summary(rs) for server, rs in rounds.items()}
                    reference = results.get("oxigraph")
                    for server, res in results.items():
                        ratio = f"{res[0] / reference[0]:.2f}" if reference else ""
                        print(
                            f"{name:<10}{n:>8}  {server:<10}{res[0]:>13.0f}{res[1]:>7.0f}"
                            f"{res[2]:>7.0f}{ratio:>12}{res[4] * 1000:>8.1f}/{res[5] * 1000:<6.1f}"
                            f"{res[3]:>8}",
                            flush=True,
                        )
    finally:
        if servers is not None:
            servers.stop_all()
        if options.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
