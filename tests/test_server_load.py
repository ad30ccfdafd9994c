"""Load: 4 clients × 250 canned-query requests on keep-alive connections, with no error — every
answer is a 200 whose body is byte for byte what the library gives for that query, parameters
and format. (The throughput comparison with Oxigraph's server is ``bench/serve_load.py``.)

The two canned queries with GROUP_CONCAT are left out: the order of the concatenated values is
unspecified in SPARQL and follows the store's insertion order, which differs between the
library's store and a worker's (loaded from a snapshot), so their bytes may differ.
"""

from __future__ import annotations

import http.client
import threading
import time
from urllib.parse import urlencode, urlsplit

from kg.load import open_dataset
from kg.sparql import catalogue, results

CLIENTS = 4
REQUESTS = 250
CASES = [
    ("list-participants-by-forum", {"forum": "EuroDIG"}, "csv"),
    ("list-participants-by-forum", {"forum": "IGF"}, "json"),
    ("list-strategies-by-country", {"country": "Serbia"}, "json"),
    ("list-neighbours-by-country", {"country": "Russia"}, "tsv"),
    ("list-initiatives-by-country", {"country": "Serbia"}, "xml"),
    ("list-strategies-by-topic", {"topic": "cybersecurity"}, "csv"),
    ("list-members-by-organisation", {}, "json"),
    ("list-strategies-in-force-by-year", {"year": "2021"}, "csv"),
]
EXTENSION = {"csv": "csv", "json": "json", "tsv": "tsv", "xml": "xml"}


def test_four_clients_250_canned_queries_each_without_error(repo_server):
    store = open_dataset().store
    expected = {}
    for name, params, fmt in CASES:
        body = results.serialize(catalogue.run_canned(store, name, params), fmt)
        path = f"/queries/{name}.{EXTENSION[fmt]}" + ("?" + urlencode(params) if params else "")
        expected[path] = body
    paths = list(expected)
    host = urlsplit(repo_server.url)
    errors: list[str] = []
    done = [0] * CLIENTS

    def client(index: int) -> None:
        connection = http.client.HTTPConnection(host.hostname, host.port, timeout=60)
        try:
            for i in range(REQUESTS):
                path = paths[(index + i) % len(paths)]
                connection.request("GET", path)
                response = connection.getresponse()
                body = response.read()
                if response.status != 200 or body != expected[path]:
                    errors.append(f"{path}: {response.status} {body[:100]!r}")
                done[index] += 1
        except (OSError, http.client.HTTPException) as error:
            errors.append(f"client {index}: {error!r}")
        finally:
            connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    total = sum(done)
    print(
        f"{total} canned-query requests by {CLIENTS} clients in {elapsed:.2f} s: "
        f"{total / elapsed:.0f} requests/s, {len(errors)} errors"
    )
    assert errors == []
    assert total == CLIENTS * REQUESTS
