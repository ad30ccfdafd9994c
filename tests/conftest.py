"""Shared fixtures: where the repository and the shared folder are, and a loaded graph."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
SEEDS = SHARED / "seeds"
CONFORMANCE = SHARED / "conformance" / "w3c-rdf-tests"
EXTERNAL = SHARED / "external"
TEST_DATA = REPO / "tests" / "data"


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


# --- a real SPARQL server (the `oxigraph` package's `oxigraph serve`), for federated queries


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
