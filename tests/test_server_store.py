"""``kg serve`` on a persistent store: the workers open the store, the server process holds no
copy of the data and never reads the store itself (issue 14)."""

from __future__ import annotations

import dataclasses
import gc
import json
import os
import re
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph
import pytest

from kg.load import open_dataset, scope, store
from kg.server import Server


def _rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024


@pytest.fixture
def built(tmp_path, monkeypatch) -> store.PersistentDataset:
    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path / "cache"))
    store.build()
    return store.open_persistent(build=False)


def test_the_server_process_never_opens_the_store(built, monkeypatch) -> None:
    """With a database, graphs and statement count come from a worker: the server works with
    no store at all, and with Store.read_only refused in its own process."""
    # the query graphs of kg.load.scope are the source of nothing: neither listed nor counted
    expected_graphs = sorted(g.value for g in scope.source_graphs(built.store))
    expected_count = scope.source_quads(built.store)
    assert expected_count < len(built.store)
    database = built.location / store.DB

    def refuse(*_args, **_kwargs):
        raise AssertionError("the server process opened the store")

    monkeypatch.setattr(pyoxigraph.Store, "read_only", refuse)
    with Server(None, database=database, host="127.0.0.1", port=0, workers=2).start() as server:
        assert list(server.app.graphs) == expected_graphs
        assert server.app.statements == expected_count
        request = urllib.request.Request(
            server.url
            + "/sparql?query="
            + "SELECT%20(COUNT(*)%20AS%20%3Fn)%20%7B%3Fs%20%3Fp%20%3Fo%7D",
            headers={"Accept": "application/sparql-results+json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = json.load(response)
        assert int(answer["results"]["bindings"][0]["n"]["value"]) > 0


def test_a_server_needs_a_store_or_a_database() -> None:
    with pytest.raises(ValueError):
        Server(None, host="127.0.0.1", port=0)


def test_the_server_process_memory_does_not_grow_with_the_data(built) -> None:
    """Starting a server on the persistent store adds to this process's memory far less than
    the data weighs in memory (a store loaded in memory, as the server held before)."""
    gc.collect()
    before = _rss_mb(os.getpid())
    with Server(None, database=built.location / store.DB, host="127.0.0.1", port=0, workers=2):
        grown = _rss_mb(os.getpid()) - before
    loaded = open_dataset(cache=False)
    gc.collect()
    in_memory = _rss_mb(os.getpid()) - before
    del loaded
    assert grown < max(2.0, in_memory / 2), (grown, in_memory)


def test_page_data_is_computed_at_start_and_kept_with_the_store(built) -> None:
    """With warm_pages (``kg serve``), the home and ontology pages' data is computed once the
    workers are up, not by the first request, and kept next to the store: a second server on
    the same store takes it from there instead of computing it again."""
    from kg.server.app import PageCache

    database = built.location / store.DB
    cache = PageCache(built.location)
    assert not cache.path.exists()
    with Server(None, database=database, port=0, workers=2, warm_pages=True).start() as server:
        assert server.warming is not None
        server.warming.join(timeout=300)
        kept = cache.load()
        assert set(kept) == {"overview", "ontology", "vocabulary"}
        assert kept["overview"].statements == scope.source_quads(built.store)
        with urllib.request.urlopen(server.url + "/", timeout=60) as response:
            assert response.status == 200
    # what the second server shows comes from the file: mark it and look
    kept["overview"] = dataclasses.replace(kept["overview"], statements=-1)
    cache.save(kept)
    with Server(None, database=database, port=0, workers=2, warm_pages=True).start() as server:
        assert server.warming is not None
        server.warming.join(timeout=300)
        assert server.app._cached("overview", lambda: None).statements == -1
