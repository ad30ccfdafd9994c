"""Bounds on the command line (issue 9): ``kg sparql`` and ``kg query`` stop a query on the
local data at ``--timeout`` and at ``--max-memory`` with a message and exit 2 (never a Rust
backtrace, never exit 134), and stream large answers with flat memory
(:mod:`kg.sparql.bounded`)."""

from __future__ import annotations

import io
import os
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO, TEST_DATA

from kg.cli import main
from kg.errors import InputError, QuerySyntaxError
from kg.sparql import bounded

FIXTURE = TEST_DATA / "inference" / "data"
# Every statement of the repository's data three times over: 6,286³ rows, never finished.
CARTESIAN = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
# The same, but nothing can be written before the whole product is counted.
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
# Sorting holds every row in memory.
SORTED = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?f ?a"


@pytest.fixture()
def forkable() -> None:
    """In-process tests of the child need a process without RocksDB threads (a test that ran
    before in this process may have opened a persistent store): else they are skipped, and
    ``test_a_process_running_rocksdb_threads_is_not_forked`` covers that case."""
    if not bounded.fork_is_safe():
        pytest.skip("this test process already runs RocksDB threads")


def kg(*args: str, **options: object) -> subprocess.Popen:
    """``kg ARGS`` as a user runs it: its own process, real standard output and error."""
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"), KG_CACHE="off", RUST_BACKTRACE="1")
    return subprocess.Popen(
        [sys.executable, "-c", "from kg.cli import main; main()", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        **options,  # type: ignore[arg-type]
    )


def finish(process: subprocess.Popen, timeout: float = 120) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out.decode(errors="replace"), err.decode(errors="replace")


# --- sizes and defaults -------------------------------------------------------------------


def test_sizes_read_as_people_write_them() -> None:
    assert bounded.parse_size("8G") == 8 << 30
    assert bounded.parse_size("512m") == 512 << 20
    assert bounded.parse_size("1.5GiB") == 3 << 29
    assert bounded.parse_size("2 MB") == 2 << 20
    assert bounded.parse_size("none") is None and bounded.parse_size("0") is None
    for bad in ("lots", "-1G", "12X", "100k"):
        with pytest.raises(ValueError):
            bounded.parse_size(bad)
    assert bounded.format_size(3 << 29) == "1.5 GiB"
    assert bounded.format_size(300 << 20) == "300 MiB"


def test_the_default_memory_limit_is_half_the_machine() -> None:
    total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    machine = bounded.machine_memory()
    assert machine is not None and machine <= total
    assert bounded.default_memory_limit() == int(machine * 0.5)


def test_a_bad_size_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["sparql", "--max-memory", "lots", "ASK {}"])
    assert result.exit_code == 2
    assert "'lots' is not a size" in result.output


# --- the mechanism ------------------------------------------------------------------------


def test_run_relays_output_and_errors_of_the_child(forkable: None) -> None:
    out, err = io.BytesIO(), io.StringIO()
    limits = bounded.Limits(timeout=30, memory=1 << 30)

    def work(stream, start):  # type: ignore[no-untyped-def]
        start()
        stream.write(b"x" * 200_000)
        print("a warning", file=sys.stderr)

    bounded.run(work, limits, out=out, err=err)
    assert out.getvalue() == b"x" * 200_000
    assert err.getvalue() == "a warning\n"

    def fails(stream, start):  # type: ignore[no-untyped-def]
        raise QuerySyntaxError("no", 3, 4)

    with pytest.raises(QuerySyntaxError, match="malformed query: line 3, column 4: no") as caught:
        bounded.run(fails, limits, out=out, err=err)
    assert caught.value.exit_code == 2

    def refuses(stream, start):  # type: ignore[no-untyped-def]
        raise InputError("x.ttl: no such file or folder")

    with pytest.raises(InputError, match=r"x\.ttl: no such file"):
        bounded.run(refuses, limits, out=out, err=err)


def test_the_child_inherits_the_callers_objects_frozen(forkable: None) -> None:
    """With ``freeze`` (the kg command), objects alive at the fork are out of the collector's
    reach (bounded._freeze): the child's collections do not walk what it inherited, nor the
    caller's exit."""
    import gc

    out, err = io.BytesIO(), io.StringIO()
    gc.unfreeze()
    alive = len(gc.get_objects())

    def work(stream, start):  # type: ignore[no-untyped-def]
        start()
        stream.write(f"{gc.get_freeze_count()} {len(gc.get_objects())}".encode())

    try:
        bounded.run(work, bounded.Limits(timeout=30), out=out, err=err, freeze=True)
        frozen, walked = map(int, out.getvalue().split())
        assert frozen >= alive * 0.9 and walked < alive * 0.1, (frozen, walked, alive)
        assert gc.get_freeze_count() >= alive * 0.9  # the caller's too
    finally:
        gc.unfreeze()


def test_a_long_lived_caller_is_not_frozen(forkable: None) -> None:
    """Without ``freeze`` (any caller but the kg command) nothing is frozen: the caller's
    garbage cycles stay collectable."""
    import gc

    gc.unfreeze()
    out, err = io.BytesIO(), io.StringIO()
    bounded.run(lambda stream, start: start(), bounded.Limits(timeout=30), out=out, err=err)
    assert gc.get_freeze_count() == 0


def test_the_answer_is_returned_without_waiting_for_the_child_to_end(
    forkable: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Once the child has written its answer and said "ok", run returns: the child's own end
    (its memory and the engine's threads returned to the system) is not waited for, and the
    child, which no longer holds the output, ends with its caller (the lifeline). The answer
    and the warnings are complete, and the child is reaped (no zombie)."""
    out, err = io.BytesIO(), io.StringIO()
    send = bounded._send
    marker = tmp_path / "ended-on-its-own"

    def slow_to_end(fd: int, kind: str, payload: str = "") -> None:
        send(fd, kind, payload)
        if kind == "ok":  # in the child: a long end after the answer is complete
            time.sleep(10)
            marker.touch()  # only if run waited for the end

    monkeypatch.setattr(bounded, "_send", slow_to_end)

    def work(stream, start):  # type: ignore[no-untyped-def]
        start()
        stream.write(f"{os.getpid()}\n".encode() + b"x" * 200_000)
        print("a warning", file=sys.stderr)

    bounded.run(work, bounded.Limits(timeout=60, memory=1 << 30), out=out, err=err)
    pid_line, _, rest = out.getvalue().partition(b"\n")
    assert rest == b"x" * 200_000 and err.getvalue() == "a warning\n"
    child = int(pid_line)
    deadline = time.monotonic() + 30
    while os.path.exists(f"/proc/{child}") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not os.path.exists(f"/proc/{child}"), "the child ended and was reaped"
    assert not marker.exists(), "run waited for the child to end on its own"

    def fails(stream, start):  # type: ignore[no-untyped-def]
        raise QuerySyntaxError("no", 3, 4)

    with pytest.raises(QuerySyntaxError):  # an error is still waited for and reported
        bounded.run(fails, bounded.Limits(timeout=60), out=out, err=err)


def test_the_clock_starts_when_the_work_says_so(forkable: None) -> None:
    """Loading the data is not timed; the query is."""

    def slow_start(stream, start):  # type: ignore[no-untyped-def]
        time.sleep(1.5)  # loading
        start()
        stream.write(b"done")

    out = io.BytesIO()
    bounded.run(slow_start, bounded.Limits(timeout=1.0), out=out, err=io.StringIO())
    assert out.getvalue() == b"done"

    def slow_query(stream, start):  # type: ignore[no-untyped-def]
        start()
        time.sleep(60)

    with pytest.raises(bounded.QueryTimeout, match=r"time limit of 0\.5 s"):
        bounded.run(slow_query, bounded.Limits(timeout=0.5), out=out, err=io.StringIO())


# --- kg sparql / kg query -----------------------------------------------------------------


def test_timeout_stops_a_query_on_the_local_data() -> None:
    """The engine counts the product inside one call that cannot be interrupted; the query
    process is killed at the limit."""
    code, out, err = finish(kg("sparql", "--timeout", "1", COUNT))
    assert code == 2, err
    assert err == (
        "kg: error: the query ran past the time limit of 1 s and was stopped; "
        "narrow the query, add a LIMIT, or raise --timeout\n"
    )
    assert out == ""


def test_timeout_under_clirunner_too(forkable: None) -> None:
    result = CliRunner().invoke(
        main, ["query", "list-ai-strategies", "--timeout", "30", "--format", "csv"]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("country,countryLabel,strategy")
    result = CliRunner().invoke(main, ["sparql", "--timeout", "0.5", COUNT])
    assert result.exit_code == 2
    assert "ran past the time limit of 0.5 s" in result.stderr


def test_max_memory_ends_a_runaway_query_with_a_message_not_a_rust_backtrace() -> None:
    code, out, err = finish(kg("sparql", "--max-memory", "400M", "--format", "csv", SORTED))
    assert code == 2, err
    assert err == (
        "kg: error: the query needed more than the memory limit of 400 MiB and was stopped; "
        "narrow the query, add a LIMIT, or raise --max-memory\n"
    )
    assert out == ""


def test_max_memory_when_python_itself_runs_out(forkable: None) -> None:
    """A MemoryError in Python (a table is built in Python) is the same message."""

    def hungry(stream, start):  # type: ignore[no-untyped-def]
        start()
        hoard = []
        while True:
            hoard.append(bytearray(1 << 20))

    with pytest.raises(bounded.OutOfMemory, match="memory limit of 200 MiB"):
        bounded.run(hungry, bounded.Limits(memory=200 << 20), out=io.BytesIO(), err=io.StringIO())


def tree_rss(root: int) -> int:
    """Resident bytes of a process and its children (the command and its query process)."""
    total = 0
    for pid in [root, *_children(root)]:
        try:
            with open(f"/proc/{pid}/statm") as handle:
                total += int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except OSError:
            pass
    return total


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            return [int(p) for p in handle.read().split()]
    except OSError:
        return []


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="reads /proc")
@pytest.mark.parametrize(
    ("fmt", "query"),
    [
        ("csv", CARTESIAN),
        ("tsv", CARTESIAN),
        ("json", CARTESIAN),
        ("ntriples", "CONSTRUCT { ?a ?b ?f } WHERE { ?a ?b ?c . ?d ?e ?f }"),
    ],
)
def test_large_answers_stream_with_flat_memory(fmt: str, query: str) -> None:
    """The first 20 MB come while the rest is computed, memory stays flat (the answer is
    far larger than memory; for a graph, the engine keeps the set of triples it wrote, as
    CONSTRUCT answers hold no duplicates), and when the reader goes away kg ends quietly."""
    process = kg("sparql", "--format", fmt, query)
    assert process.stdout is not None
    received, peak, started = 0, 0, time.monotonic()
    while received < 20_000_000 and time.monotonic() - started < 60:
        ready, _, _ = select.select([process.stdout], [], [], 0.5)
        if ready:
            received += len(process.stdout.read1(1 << 16))
        peak = max(peak, tree_rss(process.pid))
    assert received >= 20_000_000
    assert peak < 400 << 20, f"{peak >> 20} MiB"
    process.stdout.close()  # as `head -c` does
    assert process.wait(timeout=30) == 0
    assert process.stderr is not None
    assert process.stderr.read() == b""


def test_the_query_process_dies_with_the_command() -> None:
    process = kg("sparql", "--timeout", "300", COUNT)
    deadline = time.monotonic() + 60
    children: list[int] = []
    while not children and time.monotonic() < deadline:
        time.sleep(0.1)
        children = _children(process.pid)
    assert children
    process.send_signal(signal.SIGKILL)
    process.wait()
    (child,) = children
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{child}/stat") as handle:
                if handle.read().rsplit(")", 1)[1].split()[0] == "Z":
                    break  # a zombie: it exited (its parent is gone, init reaps it)
        except OSError:
            break
        time.sleep(0.1)
    else:
        os.kill(child, signal.SIGKILL)
        pytest.fail("the query process outlived kg")


def test_warnings_of_the_query_process_reach_the_user(tmp_path: Path, forkable: None) -> None:
    (tmp_path / "empty.ttl").write_text("")
    code, _out, err = finish(kg("sparql", "-d", str(tmp_path), "--format", "csv", "ASK {}"))
    assert code == 0, err
    assert f"kg: warning: {tmp_path / 'empty.ttl'}: no statements" in err
    result = CliRunner().invoke(main, ["sparql", "-d", str(tmp_path), "ASK {}"])
    assert result.exit_code == 0
    assert f"kg: warning: {tmp_path / 'empty.ttl'}: no statements" in result.stderr


def test_without_limits_the_query_runs_in_the_command_itself(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_fork() -> int:
        raise AssertionError("forked")

    monkeypatch.setattr(os, "fork", no_fork)
    result = CliRunner().invoke(
        main, ["sparql", "--max-memory", "none", "-d", str(FIXTURE), "ASK { ?s ?p ?o }"]
    )
    assert result.exit_code == 0 and result.stdout == "true\n"


def test_a_process_running_rocksdb_threads_is_not_forked(tmp_path: Path) -> None:
    """Regression: a child forked from a process that had opened a persistent store hung for
    ever when it opened one itself (RocksDB's thread pool is not copied by fork). Such a
    process runs the default-bounded query in place, and refuses an explicit bound."""
    script = f"""
import pyoxigraph
from click.testing import CliRunner
from kg.cli import main
from kg.sparql import bounded
assert bounded.fork_is_safe()
store = pyoxigraph.Store({str(tmp_path / "db")!r})
store.add(pyoxigraph.Quad(*[pyoxigraph.NamedNode("http://e/a")] * 3))
store.flush()
del store
assert not bounded.fork_is_safe()
args = ["sparql", "-d", {str(FIXTURE)!r}, "--format", "csv", "ASK {{ ?s ?p ?o }}"]
result = CliRunner().invoke(main, args)
print(result.exit_code, repr(result.stdout))
result = CliRunner().invoke(main, args + ["--timeout", "5"])
print(result.exit_code, result.stderr.strip())
"""
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"), KG_CACHE="off")
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "0 'true'"
    assert lines[1].startswith("2 kg: error: cannot bound the query here")


# --- what the limits cover (issue 18) ------------------------------------------------------

# 3,000 branches, 82 KB: the engine's parser takes tens of seconds on it (quadratic in the
# branches), before anything is evaluated.
UNION_3000 = (
    "SELECT * WHERE { " + " UNION ".join(f"{{ ?s <urn:p{i}> ?o }}" for i in range(3000)) + " }"
)


def test_the_clock_pauses_while_the_data_loads(forkable: None) -> None:
    """Checking and running are timed, loading between them is not; the spells add up."""

    def loads_slowly(stream, clock):  # type: ignore[no-untyped-def]
        clock()  # checking
        clock.pause()
        time.sleep(1.5)  # loading
        clock()
        stream.write(b"done")

    out = io.BytesIO()
    bounded.run(loads_slowly, bounded.Limits(timeout=1.0), out=out, err=io.StringIO())
    assert out.getvalue() == b"done"

    def checks_then_runs(stream, clock):  # type: ignore[no-untyped-def]
        clock()
        time.sleep(0.7)  # checking
        clock.pause()
        clock()
        time.sleep(0.7)  # running: 1.4 s in all
        stream.write(b"too late")

    out = io.BytesIO()
    with pytest.raises(bounded.QueryTimeout, match=r"time limit of 1 s"):
        bounded.run(checks_then_runs, bounded.Limits(timeout=1.0), out=out, err=io.StringIO())
    assert out.getvalue() == b""


def test_the_timeout_covers_checking_the_query(tmp_path: Path) -> None:
    """The 3,000-branch UNION spends its time in the check, which is within --timeout (the
    process-level timeout of ``finish`` is only a guard)."""
    query = tmp_path / "union.rq"
    query.write_text(UNION_3000)
    assert query.stat().st_size > 80_000
    code, out, err = finish(kg("sparql", "--timeout", "5", "-f", str(query)), timeout=120)
    assert code == 2, err
    assert err == (
        "kg: error: the query ran past the time limit of 5 s and was stopped; "
        "narrow the query, add a LIMIT, or raise --timeout\n"
    )
    assert out == ""


CLI = (sys.executable, "-c", "from kg.cli import main; main()")


def test_a_memory_limit_too_small_to_open_the_store_says_so(tmp_path: Path) -> None:
    """Under a small --max-memory the engine cannot even start its threads to open the store
    (C++ ``std::system_error``, SIGABRT): one message with what opening needs, exit 2."""
    env = dict(
        os.environ,
        PYTHONPATH=str(REPO / "src"),
        KG_CACHE="auto",
        KG_CACHE_DIR=str(tmp_path / "cache"),
        KG_NO_PROGRESS="1",
    )
    built = subprocess.run(
        [*CLI, "build", str(FIXTURE)],
        capture_output=True,
        env=env,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    process = subprocess.Popen(
        [*CLI, "sparql", "-d", str(FIXTURE), "--max-memory", "60M", "ASK {}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    code, out, err = finish(process)
    assert code == 2, err
    match = re.fullmatch(
        r"kg: error: the limit 60 MiB is below the (\d+) MiB needed to open the store; "
        r"raise --max-memory\n",
        err,
    )
    assert match is not None, err
    needed = int(match.group(1))
    assert needed > 60
    assert out == ""
    # and that much is enough
    process = subprocess.Popen(
        [*CLI, "sparql", "-d", str(FIXTURE), "--max-memory", f"{needed + 16}M", "ASK {}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    code, out, err = finish(process)
    assert (code, out) == (0, "true\n"), err
