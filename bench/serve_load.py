"""Throughput of ``kg serve`` against Oxigraph's own server (``oxigraph serve``, the ``oxigraph``
package) on the same data, in the same run. Not a test: it prints a table.

Both servers hold the repository's dataset (``kg.load.open_dataset``: asserted, inferred and
external graphs; Oxigraph loads the same N-Quads and queries the union of the graphs, as kg
does), both run as separate processes on loopback, and both get the same requests from the
same clients: CLIENTS processes, each with one keep-alive connection, sending REQUESTS queries
one after the other. Workloads:

* ``forum``: the canned query list-participants-by-forum (forum EuroDIG bound with VALUES,
  since Oxigraph has no parameters), POSTed as application/sparql-query, JSON results;
* ``ask``: a one-pattern ASK;
* ``countries``: countries and their English labels, CSV.

For kg, ``forum`` is also measured through its canned-query route (``/queries/….json``), which
resolves the label "EuroDIG" itself.

    python bench/serve_load.py [--clients 4] [--requests 500] [--workers N] [--data DIR]
        [--rounds 5] [--variant after --variant before:PYTHONPATH=/path/to/other/src]

``--data DIR`` serves a generated folder (``bench/gen.py 1M DIR``) instead of the repository's
data: kg from its persistent store (KG_CACHE=auto), the forum being the one ``DIR/params.json``
names. Both servers' idle memory (the server and its child processes) is printed too.

``--variant`` measures several builds of ``kg serve`` in one run (each started with its own
environment variables, e.g. another checkout's ``PYTHONPATH``); all servers take turns round by
round, so drift on a shared machine hits them alike. Each row gives the median, lowest and
highest requests/s of the rounds.
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
import subprocess
import sys
import tempfile
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
        "ask": (PROLOGUE + "ASK { id:PL a kg:Country }", "application/sparql-results+json"),
        "countries": (
            PROLOGUE
            + 'SELECT ?c ?l WHERE { ?c a kg:Country ; rdfs:label ?l FILTER(LANG(?l) = "en") }'
            " ORDER BY ?l",
            "text/csv",
        ),
    }


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(url: str, process: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode}: {url}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
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
    pool.map(client, [(*job, 20)] * clients)  # warm up
    started = time.perf_counter()
    outcomes = pool.map(client, [(*job, requests)] * clients)
    elapsed = time.perf_counter() - started
    ok = sum(o[0] for o in outcomes)
    errors = sum(o[1] for o in outcomes)
    latencies = sorted(x for o in outcomes for x in o[2])
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    return ok / elapsed, errors, latencies[len(latencies) // 2], p95


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (MB), from /proc."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                todo.extend(int(c) for c in children)
        except (OSError, AttributeError):
            continue
    return total / 1024


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--requests", type=int, default=500, help="per client and workload")
    parser.add_argument("--workers", type=int, default=None, help="kg serve --workers")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per workload (median)")
    parser.add_argument(
        "--data",
        type=Path,
        default=None,
        help="serve this folder (e.g. bench/gen.py's 1M) instead of the repository's data; kg "
        "serves it from its persistent store, as it does for large inputs",
    )
    parser.add_argument(
        "--variant",
        action="append",
        default=[],
        help="a kg serve to measure, as name[:VAR=value,...] (repeatable; default: one, 'kg')",
    )
    options = parser.parse_args()
    variants = [parse_variant(v) for v in options.variant] or [("kg", {})]
    oxigraph = shutil.which("oxigraph")
    kg = shutil.which("kg")
    if oxigraph is None or kg is None:
        raise SystemExit("needs the `oxigraph` and `kg` commands (pip install -e '.[test]')")
    folder = Path(tempfile.mkdtemp(prefix="kg-bench-"))
    processes: list[subprocess.Popen] = []
    try:
        dataset = open_dataset([options.data] if options.data else None)
        snapshot = folder / "dataset.nq"
        dataset.store.dump(str(snapshot), RdfFormat.N_QUADS)
        quads = len(dataset.store)
        del dataset
        subprocess.run(
            [oxigraph, "load", "--location", str(folder / "oxigraph"), "--file", str(snapshot)],
            check=True,
            capture_output=True,
        )
        ox_port = free_port()
        processes.append(
            subprocess.Popen(
                [
                    oxigraph,
                    "serve",
                    "--location",
                    str(folder / "oxigraph"),
                    "--bind",
                    f"127.0.0.1:{ox_port}",
                    "--union-default-graph",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        servers = [("oxigraph", ox_port, "/query", processes[0])]
        workers = None
        for name, env in variants:
            port = free_port()
            command = [kg, "serve", "--port", str(port)]
            if options.data:
                command.append(str(options.data))
            if options.workers:
                command += ["--workers", str(options.workers)]
            process = subprocess.Popen(
                command,
                stderr=subprocess.PIPE,
                text=True,
                env=dict(os.environ, KG_CACHE="auto" if options.data else "off", **env),
            )
            processes.append(process)
            workers = workers or re.search(r"(\d+) workers", process.stderr.readline())
            wait_ready(f"http://127.0.0.1:{port}/sparql?query=ASK%7B%7D", process)
            servers.append((name, port, "/sparql", process))
        wait_ready(f"http://127.0.0.1:{ox_port}/query?query=ASK%7B%7D", processes[0])

        print(
            f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()} "
            f"{platform.release()}; Python {platform.python_version()}"
        )
        print(
            f"data: {quads} quads; {options.clients} client processes x {options.requests} "
            f"requests each (keep-alive), {options.rounds} rounds, the servers taking turns; "
            f"kg serve with {workers.group(1) if workers else '?'} "
            "workers; oxigraph serve --union-default-graph (RocksDB)"
        )
        memory = {name: tree_rss_mb(process.pid) for name, _, _, process in servers}
        print(
            "idle memory (RSS of the server and its child processes): "
            + ", ".join(
                f"{name} {mb:.0f} MB ({mb / memory['oxigraph']:.2f})" for name, mb in memory.items()
            )
        )
        print()
        header = (
            f"{'workload':<12}{'server':<12}{'req/s median':>13}{'min':>7}{'max':>7}"
            f"{'vs oxigraph':>12}{'p50/p95 ms':>14}{'errors':>8}"
        )
        print(header)
        print("-" * len(header))
        ctx = multiprocessing.get_context("spawn")
        n, r = options.clients, options.requests
        with ctx.Pool(n) as pool:
            forum_iri, forum_label = f"{ID}eurodig", "EuroDIG"
            if options.data:
                params = json.loads((options.data / "params.json").read_text())
                local = params["list-participants-by-forum"]["forum"].partition(":")[2]
                forum_iri, forum_label = f"{ID}{local}", f"{ID}{local}"
            label = urllib.parse.quote(forum_label, safe="")
            canned = f"/queries/list-participants-by-forum.json?forum={label}"
            jobs = [
                (name, [(s[0], s[1], "POST", s[2], text, accept) for s in servers])
                for name, (text, accept) in workloads(forum_iri).items()
            ]
            jobs.append(("canned", [(s[0], s[1], "GET", canned, None, "*/*") for s in servers[1:]]))
            for name, runs in jobs:
                rounds: dict[str, list[tuple]] = {run[0]: [] for run in runs}
                for _ in range(options.rounds):  # taking turns, so drift hits all alike
                    for server, port, method, path, body, accept in runs:
                        rounds[server].append(measure(pool, port, method, path, body, accept, n, r))
                results = {server: summary(rs) for server, rs in rounds.items()}
                reference = results.get("oxigraph")
                for server, res in results.items():
                    ratio = f"{res[0] / reference[0]:.2f}" if reference else ""
                    print(
                        f"{name:<12}{server:<12}{res[0]:>13.0f}{res[1]:>7.0f}{res[2]:>7.0f}"
                        f"{ratio:>12}{res[4] * 1000:>7.1f}/{res[5] * 1000:<6.1f}{res[3]:>8}"
                    )
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM if process is processes[0] else signal.SIGINT)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
