"""Where ``kg build``'s peak memory comes from: the resident memory of a build over time, lined
up with its phases.

Usage::

    KG_CACHE_DIR=CACHE KG_DOCUMENTS=DATA/documents python bench/build_phases.py DATA [--json FILE]
    (PYTHONPATH=BEFORE/src … for an earlier checkout: the phases it lacks are not marked)

Runs ``kg build --force DATA`` in this process, a thread reading ``VmRSS`` every 20 ms, and
marks the start and end of each phase (hashing the inputs, loading the files, the inference's
closure and its writes, the external union, the page summaries and the canned answers kept
beside the store). Prints each phase with the resident memory at its end and the highest
sample within it (MB), then the peak. Why in this process rather than ``bench/run.py``'s
``/usr/bin/time``: that gives the peak alone, not which phase makes it. The sampler misses
spikes shorter than its step, so its peak reads a few MB below ``time``'s.
"""

from __future__ import annotations

import argparse
import functools
import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

STEP = 0.02  # seconds between samples


def _rss_kb() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--json", type=Path, help="also write the samples and marks here")
    args = parser.parse_args()

    started = time.perf_counter()
    samples: list[tuple[float, int]] = []
    marks: list[tuple[float, str]] = []
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            samples.append((time.perf_counter() - started, _rss_kb()))
            time.sleep(STEP)

    def phase(owner: Any, name: str, label: str) -> None:
        inner: Callable[..., Any] | None = getattr(owner, name, None)
        if inner is None:  # older code (``--before``'s checkout) without this function
            return

        @functools.wraps(inner)
        def marked(*a: Any, **k: Any) -> Any:
            marks.append((time.perf_counter() - started, "start " + label))
            try:
                return inner(*a, **k)
            finally:
                marks.append((time.perf_counter() - started, "end " + label))

        setattr(owner, name, marked)

    from kg.cli import main as cli
    from kg.load import files, inference, scope, store
    from kg.server import app, tasks

    phase(store, "fingerprint", "hashing the inputs")
    phase(files, "load", "loading the files")
    phase(inference, "_Closure", "inference: reading the premises")
    phase(inference, "_derive", "inference: the closure")
    phase(inference, "_store", "inference: writing the triples")
    phase(scope, "fill_external_union", "external union")
    phase(app, "precompute", "page summaries and canned answers")
    phase(tasks, "default_answers", "canned answers")

    threading.Thread(target=sample, daemon=True).start()
    try:
        cli.main(["build", "--force", str(args.data)], standalone_mode=False)
    finally:
        done.set()
    end = time.perf_counter() - started
    marks.append((end, "end"))
    before = 0.0
    print(f"{'at (s)':>8}  {'mark':45} {'RSS (MB)':>9} {'max since':>9}")
    for at, label in marks:
        seen = [kb for t, kb in samples if before <= t <= at]
        now = [kb for t, kb in samples if t <= at]
        high = f"{max(seen) / 1024:9.0f}" if seen else f"{'-':>9}"  # no sample in between
        print(f"{at:8.2f}  {label:45} {(now[-1] if now else 0) / 1024:9.0f} {high}")
        before = at
    peak_at, peak = max(samples, key=lambda s: s[1])
    print(f"peak {peak / 1024:.0f} MB at {peak_at:.2f} s of {end:.2f} s")
    if args.json:
        args.json.write_text(json.dumps({"samples": samples, "marks": marks}), encoding="utf-8")


if __name__ == "__main__":
    main()
