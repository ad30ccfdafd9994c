"""``kg sparql --format table`` against ``--format csv`` (the reference: the engine's own
writer) on the repository's default graph (6,015 triples at the time of issue 18), one
subprocess per run, interleaved csv, table, csv, table … so that a busy machine slows both
alike; prints median [min–max] per variant.

    python bench/table.py [--runs 5] [--variant LABEL=SRC_DIR …]

Each ``--variant`` runs kg from another source tree (``PYTHONPATH``): e.g.
``--variant before=/path/to/old/checkout/src --variant after=src``. The default is this
checkout's ``src``. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

QUERY = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
ROOT = Path(__file__).resolve().parents[1]


def run(src: str, fmt: str) -> float:
    env = {**os.environ, "PYTHONPATH": src}
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", "from kg.cli import main; main()", "sparql", QUERY, "--format", fmt],
        env=env,
        stdout=subprocess.DEVNULL,
        check=True,
        cwd=ROOT,
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--variant", action="append", default=[], metavar="LABEL=SRC")
    args = parser.parse_args()
    variants = [v.split("=", 1) for v in args.variant] or [["this checkout", str(ROOT / "src")]]
    for _, src in variants:  # warm: the persistent store is built once, not timed
        run(src, "csv")
    times: dict[tuple[str, str], list[float]] = {}
    for _ in range(args.runs):
        for label, src in variants:
            for fmt in ("csv", "table"):
                times.setdefault((label, fmt), []).append(run(src, fmt))
    print(f"kg sparql '{QUERY}' ({args.runs} runs, interleaved)")
    print(f"{'variant':20} {'format':6} median [min–max] s")
    for (label, fmt), t in times.items():
        print(f"{label:20} {fmt:6} {statistics.median(t):.2f} [{min(t):.2f}–{max(t):.2f}]")


if __name__ == "__main__":
    main()
