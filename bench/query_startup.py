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

Two settings of the machine, each measured in its own interleaved rounds (``--bytecode``):

  cached   kg's modules byte-compiled beforehand (as a wheel installs them)
  none     kg's sources copied to a fresh folder and run with PYTHONDONTWRITEBYTECODE=1: every
           run compiles every kg module it imports from source (a checkout on a machine that
           writes no bytecode next to the sources). Libraries keep their installed bytecode.

kg runs as the console script next to this interpreter (what ``pip install`` makes), not
through a shell shim such as pyenv's, which costs 0.1 s of bash before Python starts; the
baselines run this interpreter directly too.

    python bench/query_startup.py [--runs 7] [--bytecode cached,none]
"""

from __future__ import annotations

import argparse
import os
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


def time_once(command: list[str], env: dict[str, str] | None = None) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=REPO, env=env)
    return time.perf_counter() - start, done.stdout


def settings(chosen: list[str], scratch: Path) -> dict[str, dict[str, str]]:
    """The environment of each bytecode setting (see the module docstring)."""
    out: dict[str, dict[str, str]] = {}
    base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    if "cached" in chosen:
        subprocess.run(
            [sys.executable, "-m", "compileall", "-q", str(REPO / "src" / "kg")], check=True
        )
        out["cached"] = {**base, "PYTHONPATH": str(REPO / "src")}
    if "none" in chosen:
        copy = scratch / "src"
        shutil.copytree(REPO / "src", copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        for name in ("ontology", "data", "queries", "pyproject.toml"):  # the checkout around it
            (scratch / name).symlink_to(REPO / name)
        out["none"] = {**base, "PYTHONPATH": str(copy), "PYTHONDONTWRITEBYTECODE": "1"}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--bytecode", default="cached,none", help="cached, none or both")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kg-startup-") as scratch:
        for name, env in settings(args.bytecode.split(","), Path(scratch)).items():
            measure(name, env, args.runs)


def measure(setting: str, env: dict[str, str], runs: int) -> None:
    answers, times = {}, {name: [] for name in COMMANDS}
    for command in COMMANDS.values():
        time_once(command, env)  # warm the file cache, not the process
    for _ in range(runs):
        for name, command in COMMANDS.items():  # interleaved, so load drifts hit all alike
            elapsed, out = time_once(command, env)
            times[name].append(elapsed)
            answers[name] = out
    for name, out in answers.items():
        found = {"Poland", "Serbia"} <= set(out.replace(",", "\n").split())
        assert found, f"{name} did not answer Poland and Serbia:\n{out}"
    median = {name: statistics.median(t) for name, t in times.items()}
    print(
        f"bytecode {setting}: cold process, median [min–max] of {runs} runs (s); "
        "question: who takes part in EuroDIG?"
    )
    print(f"{'':8} {'median':>8} {'min':>8} {'max':>8} {'vs raw':>8}")
    for name, t in times.items():
        ratio = median[name] / median["raw"]
        print(f"{name:8} {median[name]:8.3f} {min(t):8.3f} {max(t):8.3f} {ratio:7.2f}x")
    print(f"files loaded by the baselines: {len(FILES)}")
    print(
        f"kg / raw = {median['kg'] / median['raw']:.2f} (target <= 2), "
        f"kg / rdflib = {median['kg'] / median['rdflib']:.2f} (target < 1)\n",
        flush=True,
    )


if __name__ == "__main__":
    main()
