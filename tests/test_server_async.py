"""The server's fast paths: a SPARQL query awaited on the event loop (WorkerPool.run_async)
answers exactly what the thread path (WorkerPool.run) answers, is still stopped at the time
limit, still refuses a malformed query with its position; the worker pipes stay usable by both
paths; requests waiting for a worker on the loop are all served. A query of one plain triple
pattern (limits.one_pattern: its work is bounded) is answered in the server process with the
same answer and the same refusals as a worker's; nothing else is. A SELECT whose own LIMIT is
within the row limit is written without counting (same bytes), and a response's head goes out
with its body."""

from __future__ import annotations

import asyncio
import os
import threading
import time

import pytest
from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad, RdfFormat, Store

from kg.server import tasks
from kg.server.httpd import _HeadHeld
from kg.server.limits import (
    RowLimitExceeded,
    one_pattern,
    serialize_bounded,
    solutions_at_most,
)
from kg.server.problems import Refusal
from kg.server.tasks import StoreSpec
from kg.server.workers import WorkerPool
from kg.sparql import prepare as sparql

EX = "http://example.org/"
ROWS = 3000
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # never ends


def _snapshot(folder) -> str:
    store = Store()
    graph = NamedNode(EX + "g")
    store.extend(
        Quad(NamedNode(f"{EX}s{i}"), NamedNode(EX + "p"), Literal(f"value {i}\nline"), graph)
        for i in range(ROWS)
    )
    path = str(folder / "data.nq")
    store.dump(path, RdfFormat.N_QUADS)
    return path


@pytest.fixture(scope="module")
def pool(tmp_path_factory):
    folder = tmp_path_factory.mktemp("async")
    with WorkerPool(StoreSpec(snapshot=_snapshot(folder), row_limit=10_000), 3) as workers:
        workers.started.wait(60)
        yield workers


def _args(query: str, accept: str = "application/sparql-results+json") -> tuple:
    return (query, None, accept, None, None, "documents")


def _deadline(seconds: float = 30) -> float:
    return time.monotonic() + seconds


QUERIES = [
    ("ASK { ?s ?p ?o }", "application/sparql-results+json"),
    (f"SELECT ?s ?o WHERE {{ ?s <{EX}p> ?o }} ORDER BY ?s", "text/csv"),
    (
        f"SELECT ?s ?o WHERE {{ ?s <{EX}p> ?o }} ORDER BY ?s LIMIT 40",
        "application/sparql-results+xml",
    ),
    (f"CONSTRUCT {{ ?s <{EX}q> ?o }} WHERE {{ ?s <{EX}p> ?o }} LIMIT 5", "application/n-triples"),
]


@pytest.mark.parametrize(("query", "accept"), QUERIES)
def test_run_async_answers_what_run_answers(pool, query, accept):
    threaded = pool.run(
        tasks.answer_sparql, *_args(query, accept), deadline=_deadline(), adhoc=True
    )
    awaited = asyncio.run(
        pool.run_async(tasks.answer_sparql, *_args(query, accept), deadline=_deadline(), adhoc=True)
    )
    assert awaited == threaded
    assert awaited[1]


def test_run_async_refuses_a_malformed_query_with_its_position(pool):
    with pytest.raises(Refusal) as threaded:
        pool.run(tasks.answer_sparql, *_args("SELECT ?s WHERE { ?s ?p }"), deadline=_deadline())
    with pytest.raises(Refusal) as awaited:
        asyncio.run(
            pool.run_async(
                tasks.answer_sparql, *_args("SELECT ?s WHERE { ?s ?p }"), deadline=_deadline()
            )
        )
    assert awaited.value.problem.status == threaded.value.problem.status == 400
    assert awaited.value.problem.text() == threaded.value.problem.text()
    assert "line 1, column" in awaited.value.problem.text()


def test_run_async_stops_a_runaway_query_at_the_deadline(pool):
    killed = pool.killed
    started = time.monotonic()
    with pytest.raises(Refusal) as refused:
        asyncio.run(
            pool.run_async(
                tasks.answer_sparql, *_args(CARTESIAN), deadline=_deadline(1.5), adhoc=True
            )
        )
    assert refused.value.problem.status == 503
    assert "time limit" in refused.value.problem.text()
    assert time.monotonic() - started < 10
    assert pool.killed == killed + 1
    # the pool answers on (a replacement worker joins in the background)
    _, body = asyncio.run(
        pool.run_async(tasks.answer_sparql, *_args("ASK { ?s ?p ?o }"), deadline=_deadline())
    )
    assert b"true" in body


def test_worker_pipes_stay_blocking_for_the_thread_path(pool):
    """The event loop makes a pipe non-blocking while it watches it; a long answer read later
    by a thread from a non-blocking pipe would fail half-way (the worker then counted as dead)."""
    query = f"SELECT ?s ?o WHERE {{ ?s <{EX}p> ?o }}"  # a few hundred KB as JSON

    async def several() -> None:
        await asyncio.gather(
            *(
                pool.run_async(tasks.answer_sparql, *_args(query), deadline=_deadline())
                for _ in range(6)
            )
        )

    asyncio.run(several())
    replaced = pool.replaced
    idle = []  # every idle worker: its pipe is blocking again
    while (worker := pool._take_nowait()) is not None:
        idle.append(worker)
    assert idle
    for worker in idle:
        assert os.get_blocking(worker.conn.fileno())
        pool._put_idle(worker)
    for _ in range(4):
        _, body = pool.run(tasks.answer_sparql, *_args(query), deadline=_deadline())
        assert len(body) > 200_000
    assert pool.replaced == replaced


def test_every_request_waiting_on_the_loop_is_served(pool):
    """Thirty requests for two ad-hoc slots, with threads taking workers meanwhile: each is
    answered (a release wakes the next waiter; none is left waiting for its deadline)."""
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s <{EX}p> ?o }}"
    expected = pool.run(tasks.answer_sparql, *_args(query, "text/csv"), deadline=_deadline())
    threaded: list = []

    def by_thread() -> None:
        for _ in range(10):
            threaded.append(
                pool.run(tasks.answer_sparql, *_args(query, "text/csv"), deadline=_deadline())
            )

    async def many() -> list:
        return await asyncio.gather(
            *(
                pool.run_async(
                    tasks.answer_sparql,
                    *_args(query, "text/csv"),
                    deadline=_deadline(20),
                    adhoc=True,
                )
                for _ in range(30)
            )
        )

    thread = threading.Thread(target=by_thread)
    thread.start()
    started = time.monotonic()
    answers = asyncio.run(many())
    thread.join()
    assert answers == [expected] * 30
    assert threaded == [expected] * 10
    assert time.monotonic() - started < 15  # nobody waited for its deadline


def test_run_async_is_busy_503_when_no_slot_frees_in_time(pool):
    async def scenario() -> tuple:
        blockers = [
            asyncio.ensure_future(
                pool.run_async(
                    tasks.answer_sparql, *_args(CARTESIAN), deadline=_deadline(3), adhoc=True
                )
            )
            for _ in range(2)  # every ad-hoc slot of three workers
        ]
        await asyncio.sleep(0.3)
        with pytest.raises(Refusal) as refused:
            await pool.run_async(
                tasks.answer_sparql, *_args("ASK {}"), deadline=_deadline(0.5), adhoc=True
            )
        # a page's task is not ad hoc: the reserved worker answers it meanwhile
        page = await pool.run_async(tasks.answer_sparql, *_args("ASK {}"), deadline=_deadline(2))
        outcomes = await asyncio.gather(*blockers, return_exceptions=True)
        return refused.value, page, outcomes

    refusal, page, outcomes = asyncio.run(scenario())
    assert refusal.problem.status == 503
    assert "busy" in refusal.problem.text()
    assert b"true" in page[1]
    assert all(isinstance(o, Refusal) and o.problem.status == 503 for o in outcomes)
    pool.started.wait(30)


# --- a SELECT within the row limit by its own LIMIT -------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("SELECT * WHERE { ?s ?p ?o } LIMIT 10", 10),
        ("SELECT * WHERE { ?s ?p ?o } ORDER BY ?s OFFSET 5 LIMIT 7", 7),
        ("SELECT * WHERE { ?s ?p ?o } LIMIT 3 VALUES ?s { <http://example.org/s1> }", 3),
        ("SELECT * WHERE { { SELECT ?s WHERE { ?s ?p ?o } LIMIT 2 } ?s ?p ?o }", None),
        ("SELECT * WHERE { ?s ?p 'LIMIT 5' }", None),
        ("SELECT * WHERE { ?s ?p ?o }", None),
        ("ASK { ?s ?p ?o }", None),
        ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 4", None),  # a limit on solutions
    ],
)
def test_solutions_at_most_reads_the_outermost_limit(query, expected):
    assert solutions_at_most(sparql.prepare(query)) == expected


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "xml"])
def test_a_select_within_its_limit_is_written_as_when_counted(fmt):
    store = Store()
    store.extend(
        Quad(NamedNode(f"{EX}s{i}"), NamedNode(EX + "p"), Literal(f'v{i}\t"x"\n'))
        for i in range(50)
    )
    prepared = sparql.prepare("SELECT ?s ?o WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 30")
    at_most = solutions_at_most(prepared)
    assert at_most == 30

    def run():
        return sparql.execute(store, prepared, union_default_graph=False)

    direct = serialize_bounded(run(), fmt, 100, at_most=at_most)
    counted = serialize_bounded(run(), fmt, 100)
    assert direct == counted
    with pytest.raises(RowLimitExceeded):  # a LIMIT above the row limit is still counted
        serialize_bounded(run(), fmt, 20, at_most=at_most)


# --- the response head goes out with the body ---------------------------------------------------


class _Transport:
    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed


def test_the_head_is_written_with_the_body():
    transport = _Transport()
    held = _HeadHeld(transport)
    held.write(b"HTTP/1.1 100 Continue\r\n\r\n")  # an interim answer is not held
    assert transport.writes == [b"HTTP/1.1 100 Continue\r\n\r\n"]
    held.write(b"HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\n")
    assert len(transport.writes) == 1
    held.write(b"body")
    assert transport.writes[1] == b"HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nbody"
    held.write(b"HTTP/1.1 200 OK\r\n\r\n")  # later writes are body, whatever they hold
    assert transport.writes[2] == b"HTTP/1.1 200 OK\r\n\r\n"
    assert not held.is_closing()


def test_a_held_head_is_written_before_the_connection_closes():
    transport = _Transport()
    held = _HeadHeld(transport)
    held.write(b"HTTP/1.1 500 Internal Server Error\r\n\r\n")
    held.close()
    assert transport.writes == [b"HTTP/1.1 500 Internal Server Error\r\n\r\n"]
    assert transport.closed


# --- one-pattern queries answered in the server process ----------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ASK { ?s ?p ?o }", True),
        ("PREFIX ex: <http://example.org/> ASK WHERE { ?s ex:p 'x'@en . }", True),
        ("ASK { ?s ?p 3 }", True),
        ("ASK { ?s ?p '1'^^xsd:integer }", True),
        ("SELECT ?s WHERE { ?s a kg:Country } LIMIT 5", True),
        ("SELECT * { ?s ?p ?o } LIMIT 100", True),
        ("SELECT ?s WHERE { ?s a kg:Country } LIMIT 101", False),  # past SHAPE_ROWS
        ("SELECT ?s WHERE { ?s a kg:Country }", False),  # no LIMIT
        ("SELECT DISTINCT ?s WHERE { ?s a kg:Country } LIMIT 5", False),
        ("SELECT ?s WHERE { ?s a kg:Country } ORDER BY ?s LIMIT 5", False),
        ("ASK { ?x ?x ?y }", False),  # a variable twice: a scan of every statement
        ("ASK { ?s <http://example.org/p>/<http://example.org/q> ?o }", False),  # a path
        ("ASK { ?s ?p ?o . ?o ?q ?r }", False),
        ("ASK { ?s ?p ?o FILTER(?o > 3) }", False),
        ("ASK FROM <http://example.org/g> { ?s ?p ?o }", False),
        ("ASK { GRAPH ?g { ?s ?p ?o } }", False),
        ("ASK {}", False),
        ("ASK { ?s ?p ?o } VALUES ?s { <http://example.org/s1> }", False),
        ("ASK { ?s ?p }", False),  # malformed: a worker answers it (with its position)
        ("DESCRIBE <http://example.org/s1>", False),
        ("ASK { ?s ?p ?o }" + " " * 3000, False),  # longer than SHAPE_TEXT: never read here
    ],
)
def test_one_pattern_is_only_a_single_plain_triple_pattern(query, expected):
    assert one_pattern(query) is expected


@pytest.fixture(scope="module")
def persistent_pool(tmp_path_factory):
    """A pool on a store on disk, as kg builds one (its default graph holds the union:
    kg.load.scope), which the workers and run_here open read-only."""
    folder = tmp_path_factory.mktemp("persistent") / "db"
    store = Store(str(folder))
    for graph in (NamedNode(EX + "g"), DefaultGraph()):  # the default graph: the query graph
        store.extend(
            Quad(NamedNode(f"{EX}s{i}"), NamedNode(EX + "p"), Literal(f"v{i}"), graph)
            for i in range(200)
        )
    store.flush()
    del store
    with WorkerPool(StoreSpec(database=str(folder), row_limit=50), 3) as workers:
        workers.started.wait(60)
        yield workers


HERE = [
    ("ASK { ?s ?p ?o }", "application/sparql-results+json"),
    (f"ASK {{ ?s <{EX}p> 'v7' }}", "text/csv"),
    (f"ASK {{ ?s <{EX}p> 'nothing' }}", "application/sparql-results+xml"),
    (f"SELECT ?o WHERE {{ <{EX}s3> <{EX}p> ?o }} LIMIT 10", "text/tab-separated-values"),
    (f"SELECT * WHERE {{ ?s <{EX}p> ?o }} LIMIT 20", "application/sparql-results+json"),
]


@pytest.mark.parametrize(("query", "accept"), HERE)
def test_run_here_answers_what_a_worker_answers(persistent_pool, query, accept):
    assert one_pattern(query)
    assert persistent_pool.runs_here
    args = _args(query, accept)
    by_worker = persistent_pool.run(tasks.answer_sparql, *args, deadline=_deadline())
    here = persistent_pool.run_here(tasks.answer_sparql, *args)
    assert here == by_worker
    assert here[1]


@pytest.mark.parametrize(
    ("query", "accept"),
    [
        ("ASK { ?s ?p ?o }", "text/turtle"),  # 406: no such format for ASK
        (f"SELECT * WHERE {{ ?s <{EX}p> ?o }} LIMIT 100", "text/csv"),  # past the row limit 50
    ],
)
def test_run_here_refuses_what_a_worker_refuses(persistent_pool, query, accept):
    assert one_pattern(query)
    with pytest.raises(Refusal) as by_worker:
        persistent_pool.run(tasks.answer_sparql, *_args(query, accept), deadline=_deadline())
    with pytest.raises(Refusal) as here:
        persistent_pool.run_here(tasks.answer_sparql, *_args(query, accept))
    assert here.value.problem.status == by_worker.value.problem.status
    assert here.value.problem.text() == by_worker.value.problem.text()


def test_run_here_is_only_for_a_persistent_store(pool):
    assert not pool.runs_here
    with pytest.raises(ValueError):
        pool.run_here(tasks.answer_sparql, *_args("ASK { ?s ?p ?o }"))


# --- workers started before the store is known -------------------------------------------------


def test_launched_workers_take_their_spec_when_started(tmp_path):
    pool = WorkerPool(None, 2)
    pool.launch()  # kg serve: while it finds the store
    try:
        pool.start(StoreSpec(snapshot=_snapshot(tmp_path)))
        pool.started.wait(60)
        assert len(pool.pids()) == 2
        _, body = pool.run(tasks.answer_sparql, *_args("ASK { ?s ?p ?o }"), deadline=_deadline())
        assert b"true" in body
    finally:
        pool.close()


def test_launched_workers_stop_when_the_pool_closes_unstarted():
    """kg serve found no store (or could not listen): the workers it launched do not linger."""
    pool = WorkerPool(None, 2)
    pool.launch()
    assert pool._launching is not None
    pool._launching.join(60)
    pids = [w.process.pid for w in pool._launched]
    assert len(pids) == 2
    pool.close()
    deadline = time.monotonic() + 10
    alive = list(pids)
    while alive and time.monotonic() < deadline:
        alive = [pid for pid in alive if _alive(pid)]
        time.sleep(0.05)
    assert alive == []


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
