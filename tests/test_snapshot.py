"""The in-memory dataset's snapshot (kg.load.snapshot): a cold command on small data reads
the N-Quads file a previous load kept instead of loading the files again, gives the very same
answers, and never reads a snapshot of other inputs, other code, or one that is not whole."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO

from kg import api, resources
from kg.cli import main
from kg.errors import KgWarning
from kg.load import dataset as memory
from kg.load import open_dataset, snapshot, store
from kg.sparql import catalogue

DAY_NS = 86_400 * 10**9


@pytest.fixture
def data(tmp_path) -> Path:
    """A private copy of the repository's data, last modified a day ago (a file modified
    just before it is loaded is not kept: see test_a_racily_clean_input_is_not_kept)."""
    target = tmp_path / "data"
    shutil.copytree(REPO / "data", target)
    _age(target)
    return target


def _age(folder: Path) -> None:
    for path in [folder, *folder.rglob("*")]:
        stat = path.stat()
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns - DAY_NS))


class Loads:
    """Counts the loads from the files (kg.load.dataset.load) as they happen."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        real = memory.load

        def counting(*args, **kwargs):
            self.count += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(memory, "load", counting)


@pytest.fixture
def loads(monkeypatch) -> Loads:
    return Loads(monkeypatch)


def _snapshots(cache: Path) -> list[Path]:
    return sorted(cache.rglob("snapshot-*.nq"))


def _open(paths, **options):
    return open_dataset(paths, cache=True, query_graphs=True, **options)


def _answers(store_, *, with_external: bool = False) -> dict[str, bytes]:
    """Every canned query's answer (defaults for its parameters) as kg query writes it, in
    CSV (quotes included) and SPARQL JSON."""
    dataset = api.Dataset(store_, with_external=with_external)
    out = {}
    for name in sorted(catalogue.load_catalogue()):
        for fmt in ("csv", "json"):
            buffer = io.BytesIO()
            dataset.query(name).write(buffer, fmt)
            out[f"{name}.{fmt}"] = buffer.getvalue()
    return out


@pytest.mark.parametrize("with_external", [False, True])
def test_the_snapshot_answers_every_canned_query_as_a_fresh_load(
    cache, loads, monkeypatch, with_external
):
    """The repository's own data (the ontology and data/ of the checkout, as ``kg query``
    loads them): the answers from the snapshot are byte for byte those of a fresh load."""
    monkeypatch.setattr(snapshot, "RACY_NS", 0)  # the checkout's files may be fresh (CI)
    fresh = open_dataset(query_graphs=True)  # no cache: loaded from the files
    first = _open(None)
    assert loads.count == 2 and len(_snapshots(cache)) == 1  # loaded, then kept
    again = _open(None)
    assert loads.count == 2, "the second open reads the snapshot"
    assert len(again.store) == len(fresh.store) == len(first.store)
    expected = _answers(fresh.store, with_external=with_external)
    assert any(b"quote" in v for k, v in expected.items() if k.endswith(".csv"))
    assert _answers(again.store, with_external=with_external) == expected


def test_kg_query_from_the_snapshot_writes_what_it_wrote_before(data, cache):
    args = ["query", "list-participants-by-forum", "-d", str(data), "--format", "csv"]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    (kept,) = _snapshots(cache)
    inode = kept.stat().st_ino
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 0 and again.output == first.output
    assert _snapshots(cache) == [kept] and kept.stat().st_ino == inode  # read, not rewritten
    assert "Poland" in again.output and "Serbia" in again.output


def test_the_snapshot_gives_the_graph_file_map_of_a_load(data, cache):
    fresh = open_dataset([data], query_graphs=True)
    _open([data])
    again = _open([data])
    assert dict(again.files) == {g: p.resolve() for g, p in fresh.files.items()}
    assert again.files.loaded == [p.resolve() for p in fresh.files.loaded]


@pytest.mark.parametrize("change", ["touch", "edit", "add", "remove"])
def test_any_change_of_a_data_file_invalidates_the_snapshot(data, cache, loads, change):
    _open([data])
    kept = _snapshots(cache)
    assert len(kept) == 1 and loads.count == 1
    target = data / "poland.trig"
    if change == "touch":
        os.utime(target)
    elif change == "edit":
        text = target.read_text(encoding="utf-8")
        edited = text.replace('rdfs:label "Poland"@en', 'rdfs:label "Poland, edited"@en', 1)
        assert edited != text
        target.write_text(edited, encoding="utf-8")
    elif change == "add":
        shutil.copy(data / "links" / "void.ttl", data / "zz-extra.ttl")
    else:
        target.unlink()
    reopened = _open([data])
    assert loads.count == 2, "a changed input is loaded again, not read from the snapshot"
    fresh = open_dataset([data], query_graphs=True)
    assert len(reopened.store) == len(fresh.store)
    if change == "edit":
        ask = 'ASK { GRAPH ?g { ?s ?p "Poland, edited"@en } }'
        assert reopened.store.query(ask) and fresh.store.query(ask)


def test_a_change_of_the_ontology_invalidates_the_snapshot(
    data, cache, loads, tmp_path, monkeypatch
):
    ontology = tmp_path / "ontology"
    shutil.copytree(REPO / "ontology", ontology)
    _age(ontology)
    files = [ontology / "kg.ttl", ontology / "vocab.ttl"]
    monkeypatch.setattr(resources, "ontology_files", lambda: list(files))
    _open([data])
    _open([data])
    assert loads.count == 1
    with files[1].open("a", encoding="utf-8") as handle:
        handle.write("\n# edited\n")
    _open([data])
    assert loads.count == 2
    assert len(_snapshots(cache)) == 1, "the stale snapshot is deleted when the new one is kept"


def test_a_change_of_the_code_invalidates_the_snapshot(data, cache, loads, tmp_path, monkeypatch):
    """The key holds the source of the code that computes the dataset: a changed inference
    module names another snapshot."""
    package = tmp_path / "kg"
    shutil.copytree(Path(snapshot.__file__).resolve().parent.parent, package)
    monkeypatch.setattr(snapshot, "PACKAGE", package)
    request = store.Request.of([data])
    options = {"query_graphs": True}
    before = snapshot.key(request, options)
    assert snapshot.key(request, options) == before
    with (package / "load" / "inference.py").open("a", encoding="utf-8") as handle:
        handle.write("\n# a change\n")
    assert snapshot.key(request, options) != before
    assert snapshot.key(request, {"query_graphs": False}) != before


@pytest.mark.parametrize("damage", ["truncated", "same-size", "empty", "header"])
def test_a_damaged_snapshot_is_ignored_and_replaced(data, cache, loads, damage):
    fresh = open_dataset([data], query_graphs=True)
    _open([data])
    (path,) = _snapshots(cache)
    whole = path.read_bytes()
    if damage == "truncated":
        path.write_bytes(whole[: len(whole) // 2])
    elif damage == "same-size":  # the size is right, the content is not N-Quads
        # at the start of a line: in the middle of a literal, 64 '<' would still be N-Quads
        # (the middle moves with the length of the temporary folder's name in the graph IRIs)
        middle = whole.index(b"\n", len(whole) // 2) + 1
        path.write_bytes(whole[:middle] + b"@" * 64 + whole[middle + 64 :])
    elif damage == "empty":
        path.write_bytes(b"")
    else:
        path.write_bytes(whole.replace(b"# kg snapshot ", b"# kg snapshop ", 1))
    reopened = _open([data])
    assert loads.count == 3, "not read: loaded from the files"
    assert len(reopened.store) == len(fresh.store)
    assert _snapshots(cache) == [path], "written again"
    _open([data])
    assert loads.count == 3, "the new one is read"


def test_a_snapshot_missing_quads_is_ignored(data, cache, loads):
    """A file cut at a line's end still parses: the quad count in its first line tells."""
    _open([data])
    (path,) = _snapshots(cache)
    head, _, body = path.read_bytes().partition(b"\n")
    lines = body.splitlines(keepends=True)
    kept = b"".join(lines[:-10])
    fields = head.split()
    fields[-2] = str(len(kept)).encode()
    path.write_bytes(b" ".join(fields) + b"\n" + kept)
    _open([data])
    assert loads.count == 2


def test_a_racily_clean_input_is_not_kept(data, cache, loads):
    """A file modified just before it was read could change again within the same clock
    tick and keep its stat: such a load is not kept, the next command loads again."""
    target = data / "poland.trig"
    target.write_text(target.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    _open([data])
    assert _snapshots(cache) == []
    _open([data])
    assert loads.count == 2


def test_a_load_that_warns_is_not_kept_and_warns_every_time(data, cache, loads):
    empty = data / "empty.ttl"
    empty.write_text("# nothing\n", encoding="utf-8")
    _age(data)
    for _ in range(2):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            _open([data])
        assert [str(w.message) for w in caught if w.category is KgWarning] == [
            f"{empty}: no statements (the file is empty or holds only prefixes and comments)"
        ]
    assert _snapshots(cache) == [] and loads.count == 2


def test_kg_cache_off_keeps_nothing(data, cache, loads, monkeypatch):
    monkeypatch.setenv("KG_CACHE", "off")
    _open([data])
    _open([data])
    assert loads.count == 2 and not cache.exists()


def test_a_cache_folder_that_cannot_be_written_is_no_error(data, tmp_path, monkeypatch, loads):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("KG_CACHE_DIR", str(blocked / "cache"))
    monkeypatch.delenv("KG_CACHE", raising=False)
    fresh = _open([data])
    assert len(_open([data]).store) == len(fresh.store) and loads.count == 2


def test_opening_from_the_snapshot_looks_at_each_input_once(data, cache, monkeypatch, stat_calls):
    """The key is made of the stats that opening the store takes (one stat per input file
    for the size, the store's check and the snapshot's key)."""
    _open([data])
    inputs = {str(p) for p in store.Request.of([data]).files}
    seen = stat_calls(inputs)
    monkeypatch.setattr(memory, "load", None)  # not called: read from the snapshot
    _open([data])
    monkeypatch.undo()
    assert sorted(seen) == sorted(inputs), "each input file is looked at exactly once"


def test_concurrent_commands_share_one_whole_snapshot(data, cache):
    """Processes that find no snapshot all load and write one; each answers, and what is left
    is one whole snapshot and no temporary file."""
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"), KG_CACHE_DIR=str(cache))
    env.pop("KG_CACHE", None)
    command = [sys.executable, "-m", "kg", "query", "list-participants-by-forum"]
    command += ["-d", str(data), "--format", "csv"]
    children = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(4)
    ]
    outputs = [child.communicate() for child in children]
    assert all(child.returncode == 0 for child in children), outputs
    assert len({out for out, _ in outputs}) == 1
    (path,) = _snapshots(cache)
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".snapshot-")]
    again = subprocess.run(command, env=env, capture_output=True, check=True)
    assert again.stdout == outputs[0][0]


def test_reading_the_snapshot_defines_no_record_it_does_not_use(data, cache):
    """A dataset read from its snapshot opens no store and fills no query graph: the records
    of those (kg.load.records) are not defined, and stay the same names of kg.load.store and
    kg.load.scope."""
    _open([data])  # keeps the snapshot
    script = f"""
import sys
from kg.load import open_dataset
dataset = open_dataset([{str(data)!r}], cache=True, query_graphs=True)
assert len(dataset.store) > 0
assert "kg.load.records" not in sys.modules, sorted(m for m in sys.modules if m.startswith("kg"))
from kg.load import records, scope, store
assert store.BuildResult is records.BuildResult
assert scope.ScopeReport is records.ScopeReport
try:
    store.NoSuchName
except AttributeError as error:
    print(error)
"""
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"), KG_CACHE_DIR=str(cache))
    env.pop("KG_CACHE", None)
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "has no attribute 'NoSuchName'" in done.stdout
