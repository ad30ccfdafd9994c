"""Peak memory of ``kg sparql`` on a large answer, while its output is consumed.

Runs ``kg sparql`` on the repository's data with a cartesian SELECT (6,286³ rows) in each
streamed format, its output piped to ``head -c BYTES`` (the reader stops early) and to
``/dev/null`` for a fixed time (the reader never stops; the run is ended after SECONDS), and
prints the peak resident memory of the kg process tree (the command and its query process,
summed, sampled every 50 ms from /proc) and how many bytes came out.

    PYTHONPATH=$PWD/src python bench/stream_memory.py [--src DIR] [--seconds 15]

``--src`` points at another checkout's ``src`` to measure it the same way (before/after).
Linux only (/proc).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

QUERY = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
GRAPH = "CONSTRUCT { ?a ?b ?i } WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and its descendants."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry), int(fields[1])
        children.setdefault(ppid, []).append(pid)
        rss[pid] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, []))
    return total


def measure(src: str, fmt: str, query: str, sink: str, seconds: float) -> tuple[int, int, float]:
    """(peak bytes, output bytes, seconds) of one run."""
    env = dict(os.environ, PYTHONPATH=src, KG_CACHE="off")
    command = [sys.executable, "-c", "from kg.cli import main; main()"]
    command += ["sparql", "--format", fmt, query]
    started = time.monotonic()
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, start_new_session=True
    )
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss(process.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    received = 0
    limit = int(sink[len("head:") :]) if sink.startswith("head:") else None
    assert process.stdout is not None
    while time.monotonic() - started < seconds:
        ready, _, _ = select.select([process.stdout], [], [], 0.1)
        if not ready:
            continue
        chunk = process.stdout.read1(1 << 16)
        if not chunk:
            break
        received += len(chunk)
        if limit is not None and received >= limit:
            break
    elapsed = time.monotonic() - started
    process.stdout.close()  # the reader goes away, as head does
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)
    done.set()
    sampler.join()
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    return peak, received, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--src", default=str(Path(__file__).resolve().parent.parent / "src"))
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--head", type=int, default=100_000_000)
    args = parser.parse_args()
    print(f"src: {args.src}")
    print(f"{'format':<9} {'reader':<16} {'peak RSS':>10} {'output':>12} {'seconds':>8}")
    for fmt, query in (("csv", QUERY), ("tsv", QUERY), ("json", QUERY), ("ntriples", GRAPH)):
        for sink in (f"head:{args.head}", "devnull"):
            peak, received, elapsed = measure(args.src, fmt, query, sink, args.seconds)
            reader = f"head -c {args.head // 1_000_000}M" if sink != "devnull" else "/dev/null"
            print(
                f"{fmt:<9} {reader:<16} {peak / 2**20:>7.0f} MiB {received / 1e6:>9.1f} MB "
                f"{elapsed:>8.1f}"
            )


if __name__ == "__main__":
    main()
