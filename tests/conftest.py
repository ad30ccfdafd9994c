"""Shared fixtures: where the repository and the shared folder are, and a loaded graph."""

from __future__ import annotations

import importlib.util
import os
import sys
from functools import cache
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parent.parent
# KG_SHARED: the shared folder when the checkout does not sit beside it (a git worktree).
SHARED = Path(os.environ.get("KG_SHARED") or REPO.parent / "shared")
# The source documents: KG_DOCUMENTS wins (as for kg.resources.documents_dir).
SEEDS = Path(os.environ.get("KG_DOCUMENTS") or SHARED / "seeds")
CONFORMANCE = SHARED / "conformance" / "w3c-rdf-tests"
EXTERNAL = SHARED / "external"
TEST_DATA = REPO / "tests" / "data"


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(name="cache")
def private_cache(tmp_path, monkeypatch) -> Path:
    """A cache folder of the test's own (KG_CACHE_DIR), with the caller's cache settings
    cleared, so that no snapshot, store or kept answer of another run is read. Named ``cache``
    in the tests that use it; it hides pytest's cache plugin fixture, which no test uses."""
    root = tmp_path / "cache"
    monkeypatch.setenv("KG_CACHE_DIR", str(root))
    monkeypatch.delenv("KG_CACHE", raising=False)
    monkeypatch.delenv("KG_CACHE_AUTO_BYTES", raising=False)
    return root


# --- a real SPARQL server (the `oxigraph` package's `oxigraph serve`), for federated queries


@cache
def bench_gen() -> ModuleType:
    """bench/gen.py as a module: the data generator of the project's shape (the benchmarks'
    data), for tests that need answers longer than the repository's."""
    spec = importlib.util.spec_from_file_location("bench_gen", REPO / "bench" / "gen.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench_gen", module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _free_loopback_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory):
    """An Oxigraph SPARQL server on a free loopback port, with an empty store in a temporary
    folder: yields its base URL (``…/query`` for SPARQL, ``…/store`` for the Graph Store
    Protocol); stopped (and waited for) at the end of the session. Skips when the ``oxigraph``
    command (the ``test`` extra) is not installed."""
    import shutil
    import subprocess
    import time
    import urllib.error
    import urllib.request

    command = shutil.which("oxigraph")
    if command is None:
        pytest.skip("the oxigraph server is not installed (pip install oxigraph)")
    port = _free_loopback_port()
    location = tmp_path_factory.mktemp("oxigraph")
    log = (location.parent / "oxigraph-server.log").open("wb")
    process = subprocess.Popen(
        [command, "serve", "--location", str(location / "db"), "--bind", f"127.0.0.1:{port}"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"oxigraph serve exited with {process.returncode}")
            try:
                with urllib.request.urlopen(base + "/query?query=ASK%7B%7D", timeout=1):
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    raise RuntimeError("oxigraph serve did not answer within 30 s") from None
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


# --- Virtuoso Open Source (Debian's virtuoso-opensource), once per session ----------------------


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory):
    """Virtuoso with a fresh database in a temporary folder, on free loopback HTTP and SQL
    ports, the anonymous SPARQL user allowed to update: a ``servers.Virtuoso`` (``.sparql``,
    ``.graph_store``, ``.isql()``), stopped with its process group at the end of the session.

    Skipped only where it cannot be installed (not root, or no apt-get); where ``scripts/test``
    can install it, its absence is a failure, not a skip."""
    import os
    import shutil

    from servers import start_virtuoso, virtuoso_missing

    missing = virtuoso_missing()
    if missing is not None:
        if os.geteuid() == 0 and shutil.which("apt-get"):
            pytest.fail(f"{missing}; run scripts/test, which installs it")
        pytest.skip(f"{missing}; it cannot be installed here (needs root and apt-get)")
    server = start_virtuoso(tmp_path_factory.mktemp("virtuoso"))
    try:
        yield server
    finally:
        server.stop()


# --- kg's own server (`kg serve`), on a free loopback port -------------------------------------


@pytest.fixture
def serve_store():
    """A function that starts kg's server on a store (``kg.server.Server`` options as keyword
    arguments) on a free loopback port and returns it; every server it started is stopped,
    with its worker processes, when the test ends."""
    from kg.server import Server

    started = []

    def start(store, **options):
        server = Server(store, host="127.0.0.1", port=0, **options).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.close()


@pytest.fixture(scope="session")
def repo_server():
    """kg's server on the repository's dataset (``open_dataset``: data, inferred and external
    graphs), shared by the tests of a session; stopped at its end."""
    from kg.load import open_dataset
    from kg.server import Server

    server = Server(open_dataset().store, host="127.0.0.1", port=0).start()
    yield server
    server.close()


@pytest.fixture
def stat_calls(monkeypatch):
    """Count ``os.stat`` calls on the given paths from now until ``monkeypatch.undo()``: the
    tests that check that opening a dataset looks at each input file once."""
    import os

    def counting(paths) -> list[str]:
        inputs = {str(p) for p in paths}
        seen: list[str] = []
        real_stat = os.stat

        def counting_stat(path, *args, **kwargs):
            if str(path) in inputs:
                seen.append(str(path))
            return real_stat(path, *args, **kwargs)

        monkeypatch.setattr(os, "stat", counting_stat)
        return seen

    return counting


def http_request(url, method="GET", body=None, headers=None, timeout=60):
    """One HTTP request with exactly the given method, headers and body (http.client adds
    nothing but Host and Content-Length): (status, headers as a lower-case dict, body)."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request(method, target or "/", body=body, headers=headers or {})
        response = connection.getresponse()
        data = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data
    finally:
        connection.close()


def pytest_collection_modifyitems(session, config, items):
    """The tests that fork the query engine inside this process (fixture ``forkable`` in
    tests/test_bounded.py) need a process in which no persistent store has started RocksDB's
    threads: a test that opened one earlier would make them skip. So they run first, in the
    order they were collected, and the rest follows in its own order."""
    first = [item for item in items if "forkable" in getattr(item, "fixturenames", ())]
    if first:
        chosen = {id(item) for item in first}
        items[:] = first + [item for item in items if id(item) not in chosen]
