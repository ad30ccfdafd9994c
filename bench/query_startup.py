"""How fast does `kg query` answer a question, from a cold process?

Times three whole processes answering "which countries participate in EuroDIG?" on the
repository's data, median of several runs, all in the same run so that the machine's load
is the same for each:

  kg       the command: `kg query list-participants-by-forum -p forum=EuroDIG --format csv`
           (loads ontology and data, infers, resolves the label, runs the canned query)
  raw      a minimal hand-written pyoxigraph script: load the same files into named graphs,
           run the same SPARQL text with the same value bound by the engine (the floor)
  rdflib   the same with rdflib's in-memory Dataset and initBindings (the peer)

Target (issues 3, 22): kg <= 2x raw, and kg < rdflib.

Each row gives the wall time and the CPU time (user + system, of the process and its
children: the median of the same runs), which moves less on a machine shared with other jobs.

Two settings of the machine, each measured in its own interleaved rounds (``--bytecode``):

  cached   kg's modules byte-compiled beforehand (as a wheel installs them)
  none     kg's sources copied to a fresh folder and run with PYTHONDONTWRITEBYTECODE=1: every
           run compiles every kg module it imports from source (a checkout on a machine that
           writes no bytecode next to the sources). Libraries keep their installed bytecode.

kg runs as the console script next to this interpreter (what ``pip install`` makes), not
through a shell shim such as pyenv's, which costs 0.1 s of bash before Python starts; the
baselines run this interpreter directly too.

``--before SRC`` adds a column "kg before": the same command on another ``src`` folder (e.g. a
``git archive`` of an earlier commit's ``src``, run beside links to this checkout's ontology,
data and queries), in the same interleaved rounds and the same bytecode setting.

Each kg command has a cache folder of its own (``KG_CACHE_DIR``), empty when a setting begins:
its first run (which warms the file cache for the others) loads the data from the files and
keeps the snapshot of the loaded dataset (kg.load.snapshot); the timed runs read that. The first
run's time is printed apart, as "first run, empty cache".

    python bench/query_startup.py [--runs 7] [--bytecode cached,none] [--before SRC]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
QUERY = REPO / "queries" / "list-participants-by-forum.rq"
# Exactly what kg loads (kg.load.files.input_files): the ontology's two files, then every RDF
# file under data/ in path order - the external source graphs and the linksets included (the
# baseline once loaded only the 12 top-level TriG files, 14 of kg's 20).
FILES = [
    REPO / "ontology" / "kg.ttl",
    REPO / "ontology" / "vocab.ttl",
    *sorted(p for p in (REPO / "data").rglob("*") if p.suffix in (".ttl", ".trig")),
]
FORUM = "https://w3id.org/digital-policy-kg/id/eurodig"

RAW = textwrap.dedent(
    f"""
    import pyoxigraph as ox
    store = ox.Store()
    for path in {[str(p) for p in FILES]!r}:
        fmt = ox.RdfFormat.TRIG if path.endswith(".trig") else ox.RdfFormat.TURTLE
        store.load(path=path, format=fmt, to_graph=ox.NamedNode("file://" + path))
    text = open({str(QUERY)!r}, encoding="utf-8").read()
    rows = store.query(text, use_default_graph_as_union=True,
                       substitutions={{ox.Variable("forum"): ox.NamedNode({FORUM!r})}})
    print(rows.serialize(format=ox.QueryResultsFormat.CSV).decode())
    """
)

RDFLIB = textwrap.dedent(
    f"""
    import rdflib
    ds = rdflib.Dataset(default_union=True)
    for path in {[str(p) for p in FILES]!r}:
        if path.endswith(".trig"):
            ds.parse(path, format="trig")
        else:
            ds.graph(rdflib.URIRef("file://" + path)).parse(path, format="turtle")
    text = open({str(QUERY)!r}, encoding="utf-8").read()
    rows = ds.query(text, initBindings={{"forum": rdflib.URIRef({FORUM!r})}})
    print(rows.serialize(format="csv").decode())
    """
)


def _kg() -> list[str]:
    """The kg console script beside this interpreter, else the same entry point via -c."""
    script = Path(sys.executable).parent / "kg"
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from kg.cli import main; sys.exit(main())"]


ARGS = ["query", "list-participants-by-forum", "-p", "forum=EuroDIG", "--format", "csv"]
COMMANDS = {
    "kg": [*_kg(), *ARGS],
    "raw": [sys.executable, "-c", RAW],
    "rdflib": [sys.executable, "-c", RDFLIB],
}


def _checkout(src: Path, folder: Path, *, bytecode: bool) -> Path:
    """A copy of ``src`` in ``folder`` beside links to this checkout's ontology, data and
    queries (kg finds them beside its package), byte-compiled or not."""
    copy = folder / "src"
    shutil.copytree(src, copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("ontology", "data", "queries", "pyproject.toml"):  # the checkout around it
        (folder / name).symlink_to(REPO / name)
    if bytecode:
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(copy)], check=True)
    return copy


def time_once(command: list[str], env: dict[str, str] | None = None) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=REPO, env=env)
    return time.perf_counter() - start, done.stdout


def cpu_once(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Wall time and CPU time (user + system, of the command and every process it started
    and waited for): on a machine shared with other jobs the CPU time moves less than the wall
    time, which also counts the waits for a core."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    elapsed, out = time_once(command, env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return elapsed, cpu, out


Envs = dict[str, dict[str, str]]  # the environment of each command of COMMANDS


def settings(chosen: list[str], scratch: Path, before: Path | None) -> dict[str, Envs]:
    """The environment of each command in each bytecode setting (see the module docstring)."""
    out: dict[str, Envs] = {}
    base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    for setting in chosen:
        none = {"PYTHONDONTWRITEBYTECODE": "1"} if setting == "none" else {}
        if setting == "cached":
            subprocess.run(
                [sys.executable, "-m", "compileall", "-q", str(REPO / "src" / "kg")], check=True
            )
            src = REPO / "src"
        elif setting == "none":
            src = _checkout(REPO / "src", _folder(scratch, "none"), bytecode=False)
        else:
            raise SystemExit(f"--bytecode: {setting!r} is neither cached nor none")
        kg = {**base, "PYTHONPATH": str(src), **none}
        caches = _folder(scratch, f"caches-{setting}")
        envs = {"kg": {**kg, "KG_CACHE_DIR": str(caches / "kg")}, "raw": kg, "rdflib": kg}
        if before is not None:
            copy = _checkout(before, _folder(scratch, f"before-{setting}"), bytecode=not none)
            cache = str(caches / "kg-before")
            envs["kg before"] = {**base, "PYTHONPATH": str(copy), **none, "KG_CACHE_DIR": cache}
        out[setting] = envs
    return out


def _folder(scratch: Path, name: str) -> Path:
    folder = scratch / name
    folder.mkdir()
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--bytecode", default="cached,none", help="cached, none or both")
    parser.add_argument("--before", type=Path, default=None, metavar="SRC")
    args = parser.parse_args()
    before = args.before.resolve() if args.before else None
    with tempfile.TemporaryDirectory(prefix="kg-startup-") as scratch:
        for name, envs in settings(args.bytecode.split(","), Path(scratch), before).items():
            measure(name, envs, args.runs)


def measure(setting: str, envs: Envs, runs: int) -> None:
    commands = {name: COMMANDS[name.replace(" before", "")] for name in envs}
    order = [n for n in ("kg", "kg before", "raw", "rdflib") if n in commands]
    answers, times, first = {}, {name: [] for name in order}, {}
    cpus: dict[str, list[float]] = {name: [] for name in order}
    for name in order:
        # warm the file cache, not the process; kg's cache folder is empty until now
        first[name], answers[name] = time_once(commands[name], envs[name])
    for _ in range(runs):
        for name in order:  # interleaved, so load drifts hit all alike
            elapsed, cpu, out = cpu_once(commands[name], envs[name])
            times[name].append(elapsed)
            cpus[name].append(cpu)
            answers[name] = out
    for name, out in answers.items():
        found = {"Poland", "Serbia"} <= set(out.replace(",", "\n").split())
        assert found, f"{name} did not answer Poland and Serbia:\n{out}"
    median = {name: statistics.median(t) for name, t in times.items()}
    cpu = {name: statistics.median(t) for name, t in cpus.items()}
    print(
        f"bytecode {setting}: cold process, median [min–max] of {runs} runs (s); "
        "question: who takes part in EuroDIG?"
    )
    print(f"{'':10} {'median':>8} {'min':>8} {'max':>8} {'vs raw':>8} {'CPU':>8} {'vs raw':>8}")
    for name, t in times.items():
        ratio = median[name] / median["raw"]
        print(
            f"{name:10} {median[name]:8.3f} {min(t):8.3f} {max(t):8.3f} {ratio:7.2f}x "
            f"{cpu[name]:8.3f} {cpu[name] / cpu['raw']:7.2f}x"
        )
    print(
        "first run, empty cache: "
        + ", ".join(f"{name} {first[name]:.3f}" for name in order if name.startswith("kg"))
    )
    print(f"files loaded by the baselines: {len(FILES)}")
    before = median.get("kg before")
    if before is not None:
        print(
            f"kg before / raw = {before / median['raw']:.2f}, kg / kg before = "
            f"{median['kg'] / before:.2f} (CPU {cpu['kg'] / cpu['kg before']:.2f})"
        )
    print(
        f"kg / raw = {median['kg'] / median['raw']:.2f} (target <= 2), "
        f"kg / rdflib = {median['kg'] / median['rdflib']:.2f} (target < 1)\n",
        flush=True,
    )


if __name__ == "__main__":
    main()
