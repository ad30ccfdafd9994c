"""Supervision: each part of ``kg serve`` is killed and the server recovers — a worker (replaced;
a request whose worker died under it is run once more), the fork server (replaced), the server
process itself (its workers end with it; its temporary folder goes at the next start). A
killed ``kg build`` or ``kg export`` leaves files the next run removes; SIGTERM leaves none.

Killing mid-work is made deterministic where it has to be: the build and the export run in a
child process whose slow step is replaced by one that waits, so the test kills it exactly
while its temporary files exist.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from conftest import http_request
from pyoxigraph import Literal, NamedNode, Quad, Store

from kg.leftovers import pid_alive
from kg.server.problems import Refusal

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads the process tree from /proc"
)

ASK = "/sparql?query=ASK%7B%3Fs%20%3Fp%20%3Fo%7D"


# --- tasks that kill the worker running them (run in the worker; found there by reference) ----


def die_once(state, marker: str) -> int:
    """Die the first time (while the marker file exists), answer the second."""
    try:
        os.unlink(marker)
    except FileNotFoundError:
        return os.getpid()
    os._exit(1)


def die_always(state) -> None:
    os._exit(1)


# --- helpers ---------------------------------------------------------------------------------


def _store() -> Store:
    store = Store()
    store.add(
        Quad(
            NamedNode("https://w3id.org/digital-policy-kg/id/x"),
            NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
            Literal("x"),
            NamedNode("https://w3id.org/digital-policy-kg/graph/g"),
        )
    )
    return store


def _until(condition, seconds: float = 30.0, what: str = "the condition"):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"{what} did not happen within {seconds:g} s")


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        if int(fields[1]) == pid and fields[0] not in ("Z", "X"):
            found.append(int(entry))
    return found


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _fork_server(main: int) -> int | None:
    for pid in _children(main):
        if "multiprocessing.forkserver import main" in _cmdline(pid):
            return pid
    return None


def _wait_for_pool(server, count: int) -> list[int]:
    return _until(
        lambda: (pids := server.pool.pids()) and len(pids) == count and pids,
        what=f"a pool of {count} workers",
    )


# --- in the server process: workers ----------------------------------------------------------


def test_a_worker_killed_while_idle_is_replaced_and_no_request_fails(serve_store):
    server = serve_store(_store(), workers=2)
    before = _wait_for_pool(server, 2)
    os.kill(before[0], signal.SIGKILL)
    for _ in range(10):  # at once: the dead worker is never given a request
        status, _, body = http_request(server.url + ASK)
        assert status == 200 and b"true" in body
    after = _until(
        lambda: (p := server.pool.pids()) and len(p) == 2 and before[0] not in p and p,
        what="the replacement",
    )
    assert before[1] in after
    assert server.pool.replaced == 1 and server.pool.killed == 0


def test_a_task_whose_worker_dies_is_run_once_more(serve_store, tmp_path):
    server = serve_store(_store(), workers=2)
    before = _wait_for_pool(server, 2)
    marker = tmp_path / "die"
    marker.touch()
    answered_by = server.pool.run(die_once, str(marker), deadline=time.monotonic() + 30)
    assert server.pool.retried == 1
    assert answered_by in before  # the surviving worker answered
    after = _wait_for_pool(server, 2)
    assert len(set(after) - set(before)) == 1  # the one that died was replaced


def test_a_task_that_kills_every_worker_is_retried_once_then_503(serve_store):
    server = serve_store(_store(), workers=3)
    _wait_for_pool(server, 3)
    with pytest.raises(Refusal) as refused:
        server.pool.run(die_always, deadline=time.monotonic() + 30)
    assert refused.value.problem.status == 503
    assert "died twice" in refused.value.problem.detail
    assert server.pool.retried == 1 and server.pool.replaced == 2
    _wait_for_pool(server, 3)
    status, _, _ = http_request(server.url + ASK)
    assert status == 200


# --- `kg serve` as a process: fork server, SIGKILL, temporary folder --------------------------


def _serve(tmp_path: Path) -> tuple[subprocess.Popen, str]:
    env = dict(
        os.environ,
        TMPDIR=str(tmp_path),
        KG_CACHE="off",
        KG_CACHE_DIR=str(tmp_path / "cache"),
    )
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from kg.cli import main; main()",
            "serve",
            "--port",
            "0",
            "--workers",
            "2",
        ],
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    line = process.stderr.readline()
    match = re.search(r"(http://127\.0\.0\.1:\d+)/", line)
    if match is None:
        process.kill()
        raise AssertionError(line + process.stderr.read())
    return process, match.group(1)


def _stop(process: subprocess.Popen) -> int:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()


def test_a_dead_fork_server_is_replaced_and_workers_still_end_with_the_server(tmp_path):
    process, url = _serve(tmp_path)
    try:
        fork_server = _until(lambda: _fork_server(process.pid), what="a fork server")
        workers = _until(lambda: len(w := _children(fork_server)) == 2 and w, what="2 workers")
        os.kill(fork_server, signal.SIGKILL)
        new_fork_server = _until(
            lambda: (f := _fork_server(process.pid)) not in (None, fork_server) and f,
            what="a new fork server",
        )
        assert http_request(url + ASK)[0] == 200  # the old workers serve on
        os.kill(workers[0], signal.SIGKILL)  # its successor comes from the new fork server
        _until(lambda: len(_children(new_fork_server)) == 1, what="a worker from the new one")
        for _ in range(6):
            assert http_request(url + ASK)[0] == 200
        assert _stop(process) == 0
        everyone = [new_fork_server, workers[1], *_children(new_fork_server)]
        _until(lambda: not any(pid_alive(p) for p in everyone), 10, "every process ending")
    finally:
        _stop(process)


def test_sigkill_of_the_server_leaves_no_process_and_the_next_start_removes_its_folder(tmp_path):
    process, url = _serve(tmp_path)
    try:
        assert http_request(url + ASK)[0] == 200
        fork_server = _until(lambda: _fork_server(process.pid), what="a fork server")
        workers = _until(lambda: len(w := _children(fork_server)) == 2 and w, what="2 workers")
        folders = list(tmp_path.glob(f"kg-serve-{process.pid}-*"))
        assert len(folders) == 1 and (folders[0] / "dataset.nq").is_file()
        process.kill()
        process.wait(timeout=10)
        _until(
            lambda: not any(pid_alive(p) for p in (fork_server, *workers)),
            10,
            "the workers and the fork server ending with the server",
        )
        assert folders[0].exists()  # SIGKILL: nobody could remove it …
    finally:
        _stop(process)
    second, _ = _serve(tmp_path)  # … the next server does
    try:
        assert not folders[0].exists()
        assert len(list(tmp_path.glob(f"kg-serve-{second.pid}-*"))) == 1
    finally:
        assert _stop(second) == 0  # SIGTERM: a clean stop, its own folder removed
    assert not list(tmp_path.glob("kg-serve-*"))


def test_a_folder_of_a_live_server_or_without_a_pid_is_never_removed(tmp_path):
    from kg.server import Server

    alive = tmp_path / f"kg-serve-{os.getppid()}-abc"
    foreign = tmp_path / "kg-serve-abc"
    for folder in (alive, foreign):
        folder.mkdir()
    dead = tmp_path / f"kg-serve-{_dead_pid()}-abc"
    dead.mkdir()
    previous = tempfile.tempdir
    tempfile.tempdir = str(tmp_path)
    try:
        Server(_store(), port=0, workers=2).close()
    finally:
        tempfile.tempdir = previous
    assert alive.exists() and foreign.exists() and not dead.exists()


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


# --- kg build and kg export, killed mid-work ---------------------------------------------------

SLOW_BUILD = """
import sys, time
from kg.load import store
store._build_into = lambda *args, **kwargs: time.sleep(300)
from kg.cli import main
sys.argv[0] = "kg"
main()
"""
SLOW_EXPORT = """
import sys, time
from kg.export import writers
def slow(store, out, fmt, **options):
    out.write(b"partial")
    out.flush()
    time.sleep(300)
writers.serialize_store = slow
from kg.cli import main
sys.argv[0] = "kg"
main()
"""


def _env(tmp_path: Path) -> dict[str, str]:
    return dict(os.environ, KG_CACHE="off", KG_CACHE_DIR=str(tmp_path / "cache"))


def _builds(tmp_path: Path) -> list[Path]:
    return list((tmp_path / "cache").rglob(".build-*"))


def _slow(script: str, args: list[str], tmp_path: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", script, *args],
        env=_env(tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def test_a_killed_build_is_removed_by_the_next_build(tmp_path):
    process = _slow(SLOW_BUILD, ["build"], tmp_path)
    try:
        leftover = _until(lambda: _builds(tmp_path), 60, "a build folder")[0]
        assert leftover.name.startswith(f".build-{process.pid}-")
    finally:
        process.kill()
        process.wait()
    assert leftover.exists()
    result = subprocess.run(
        [sys.executable, "-c", "from kg.cli import main; main()", "build"],
        env=_env(tmp_path),
        capture_output=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert not leftover.exists() and _builds(tmp_path) == []


def test_sigterm_during_a_build_removes_its_folder(tmp_path):
    process = _slow(SLOW_BUILD, ["build"], tmp_path)
    try:
        _until(lambda: _builds(tmp_path), 60, "a build folder")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 128 + signal.SIGTERM
    finally:
        process.kill()
    assert _builds(tmp_path) == []


def _parts(folder: Path) -> list[Path]:
    return list(folder.glob(".kg.ttl.*.part"))


def test_a_killed_export_is_removed_by_the_next_export(tmp_path):
    target = tmp_path / "kg.ttl"
    process = _slow(SLOW_EXPORT, ["export", "-o", str(target)], tmp_path)
    try:
        leftover = _until(lambda: _parts(tmp_path), 60, "a .part file")[0]
        assert leftover.name.startswith(f".kg.ttl.{process.pid}.")
    finally:
        process.kill()
        process.wait()
    assert leftover.exists() and not target.exists()
    live = tmp_path / f".kg.ttl.{os.getpid()}.abcdefgh.part"  # a live process's: kept
    live.write_bytes(b"")
    result = subprocess.run(
        [sys.executable, "-c", "from kg.cli import main; main()", "export", "-o", str(target)],
        env=_env(tmp_path),
        capture_output=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert target.stat().st_size > 0
    assert _parts(tmp_path) == [live]


def test_sigterm_during_an_export_removes_its_part_file(tmp_path):
    target = tmp_path / "kg.ttl"
    target.write_bytes(b"the previous export\n")
    process = _slow(SLOW_EXPORT, ["export", "-o", str(target)], tmp_path)
    try:
        _until(lambda: _parts(tmp_path), 60, "a .part file")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 128 + signal.SIGTERM
    finally:
        process.kill()
    assert _parts(tmp_path) == []
    assert target.read_bytes() == b"the previous export\n"
