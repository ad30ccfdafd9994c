"""The persistent store: built once, used while the inputs are unchanged, rebuilt when any
input changes, never used when broken (truncated, corrupted, half-written, killed build)."""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO, bench_gen
from pyoxigraph import CanonicalizationAlgorithm, Dataset

from kg import progress, resources
from kg.cli import main
from kg.errors import RdfSyntaxError
from kg.load import open_dataset, scope, store
from kg.sparql import catalogue as query

KG = [sys.executable, "-c", "from kg.cli import main; main()"]


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("store-src") / "data"
    bench_gen().generate("3k", out, seed=2)
    return out


@pytest.fixture
def data(source, tmp_path) -> Path:
    """A private copy of the data (tests change it)."""
    target = tmp_path / "data"
    shutil.copytree(source, target)
    return target


def _quads(dataset) -> set[str]:
    """The dataset's quads with canonical blank-node labels (each load labels them afresh),
    without the query graphs (kg.load.scope: a built store has them from the start, one in
    memory from its first query; tests/test_scope.py checks them)."""
    canonical = Dataset(q for q in dataset.store if not scope.is_query_graph(q.graph_name))
    canonical.canonicalize(CanonicalizationAlgorithm.RDFC_1_0)
    return {str(q) for q in canonical}


def _rows(dataset, name="list-strategies-by-country", params=None) -> list[str]:
    result = query.run_canned(dataset.store, name, params or {"country": "id:AA"})
    return sorted(str(row) for row in result.raw)


def test_a_built_store_holds_what_open_dataset_computes(data, cache):
    result = store.build([data])
    assert result.built and result.location.parent.parent == cache
    opened = store.open_persistent([data], build=False)
    assert isinstance(opened, store.PersistentDataset)
    memory = open_dataset([data])
    assert _quads(opened) == _quads(memory)
    assert dict(opened.files) == {g: p.resolve() for g, p in memory.files.items()}
    assert _rows(opened) == _rows(memory) and _rows(memory)


def test_an_unchanged_input_reuses_the_store(data, cache):
    first = store.build([data])
    again = store.build([data])
    assert not again.built and again.location == first.location
    # a touch changes the stat, not the content: hashed again, still up to date
    os.utime(data / "country-AB.trig")
    assert store.check(store.Request.of([data])).usable


@pytest.mark.parametrize("change", ["edit", "same-size-same-mtime", "add", "remove"])
def test_any_change_to_a_data_file_is_detected(data, cache, change):
    store.build([data])
    target = data / "country-AB.trig"
    if change == "edit":
        target.write_text(target.read_text() + "\n# edited\n")
    elif change == "same-size-same-mtime":
        stat = target.stat()
        text = target.read_text()
        target.write_text(text.replace("Synthland AB", "Synthland XB", 1))
        os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        assert target.stat().st_size == stat.st_size
    elif change == "add":
        shutil.copy(target, data / "country-ZZ.trig")
    else:
        target.unlink()
    status = store.check(store.Request.of([data]))
    assert not status.usable, status
    rebuilt = store.build([data])
    assert rebuilt.built
    assert _quads(store.open_persistent([data], build=False)) == _quads(open_dataset([data]))


def test_opening_a_store_looks_at_each_input_once(data, cache, monkeypatch, stat_calls):
    """One pass over the inputs opens the store: the size that decides whether to build and
    the check that the store is up to date read the same ``stat`` of each file (they were two
    passes), and listing the folder takes the kind of each file from the listing itself."""
    store.build([data])
    inputs = {str(p) for p in store.Request.of([data]).files}
    seen = stat_calls(inputs)
    monkeypatch.setenv("KG_CACHE_AUTO_BYTES", "1")  # large enough to build: the size is read
    opened = store.open_cached([data])
    monkeypatch.undo()
    assert isinstance(opened, store.PersistentDataset)
    assert sorted(seen) == sorted(inputs), "each input file is looked at exactly once"
    opened.close()


def test_a_request_takes_the_stat_of_its_inputs_once(data, cache):
    """A Request is a snapshot of the inputs: its stats are taken on first use and then reused
    (size and check agree); a new Request sees a file changed since."""
    request = store.Request.of([data])
    first = request.stats()
    assert request.stats() is first and len(first) == len(request.files)
    assert request.total_bytes() == sum(os.stat(p).st_size for p in request.files)
    target = data / "country-AB.trig"
    target.write_text(target.read_text() + "\n# grown\n")
    assert request.total_bytes() != store.Request.of([data]).total_bytes()


def test_a_changed_input_is_noticed_when_the_store_is_opened_again(data, cache, monkeypatch):
    """The one pass still sees an edit that keeps the size and the modification time: the
    store in use is replaced by a rebuilt one whose answers have the change."""
    monkeypatch.setenv("KG_CACHE", "always")
    first = store.open_cached([data])
    assert isinstance(first, store.PersistentDataset)
    first.close()
    target = data / "country-AA.trig"
    stat = target.stat()
    text = target.read_text()
    assert "Synthland AA" in text
    target.write_text(text.replace("Synthland AA", "Synthland XA", 1))
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert target.stat().st_size == stat.st_size
    second = store.open_cached([data])
    assert isinstance(second, store.PersistentDataset)
    assert second.location != first.location
    labels = {str(q.object) for q in second.store.quads_for_pattern(None, None, None, None)}
    assert any("Synthland XA" in label for label in labels)
    second.close()


def test_listing_a_folder_keeps_what_it_reports(tmp_path):
    """The folder walk takes each entry's kind from the listing, and still follows symbolic
    links (to files and folders), reports broken ones and skips other extensions."""
    from kg.errors import InputError
    from kg.load import files

    root = tmp_path / "in"
    (root / "sub").mkdir(parents=True)
    (root / "a.ttl").write_text("<urn:a> <urn:b> <urn:c> .\n")
    (root / "sub" / "b.trig").write_text("<urn:g> { <urn:a> <urn:b> <urn:c> . }\n")
    (root / "notes.txt").write_text("not RDF")
    (root / "dir.ttl").mkdir()  # a folder with an RDF extension is walked, not read
    (root / "dir.ttl" / "c.ttl").write_text("<urn:a> <urn:b> <urn:d> .\n")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "d.ttl").write_text("<urn:a> <urn:b> <urn:e> .\n")
    (root / "link.ttl").symlink_to(root / "a.ttl")
    (root / "linked").symlink_to(outside)
    found = [p.relative_to(root).as_posix() for p in files.discover([root])]
    assert found == ["a.ttl", "dir.ttl/c.ttl", "link.ttl", "linked/d.ttl", "sub/b.trig"]
    resolved = files.resolve_all(files.discover([root]))
    assert resolved[2] == (root / "a.ttl").resolve()
    assert resolved[3] == (outside / "d.ttl").resolve()
    (root / "broken.ttl").symlink_to(tmp_path / "nowhere.ttl")
    with pytest.raises(InputError, match="broken symbolic link"):
        files.discover([root])


def test_a_change_to_the_ontology_is_detected(data, cache, tmp_path, monkeypatch):
    ontology = tmp_path / "ontology"
    ontology.mkdir()
    copies = [Path(shutil.copy(p, ontology)) for p in resources.ontology_files()]
    monkeypatch.setattr(resources, "ontology_files", lambda: list(copies))
    store.build([data])
    assert store.check(store.Request.of([data])).usable
    with copies[1].open("a", encoding="utf-8") as handle:
        handle.write("\n# a comment is a change too\n")
    assert not store.check(store.Request.of([data])).usable


def test_a_truncated_database_file_is_rebuilt_not_used(data, cache):
    first = store.build([data])
    sst = sorted((first.location / "db").glob("*.sst"), key=lambda p: p.stat().st_size)[-1]
    with sst.open("r+b") as handle:
        handle.truncate(sst.stat().st_size // 2)
    status = store.check(store.Request.of([data]))
    assert not status.usable and "database files differ" in status.reason
    assert store.open_persistent([data], build=False) is None
    opened = store.open_persistent([data])
    assert _quads(opened) == _quads(open_dataset([data]))


def test_a_database_that_rocksdb_refuses_is_rebuilt_not_used(data, cache):
    first = store.build([data])
    current = first.location / "db" / "CURRENT"
    current.write_bytes(b"X" * current.stat().st_size)  # same size: only RocksDB can tell
    assert store.check(store.Request.of([data])).usable
    assert store.open_persistent([data], build=False) is None
    opened = store.open_persistent([data])
    assert _quads(opened) == _quads(open_dataset([data]))


@pytest.mark.parametrize("damage", ["garbage", "missing", "other-inputs", "files-map"])
def test_a_broken_manifest_is_rebuilt_not_used(data, cache, damage):
    first = store.build([data])
    manifest = first.location / store.MANIFEST
    if damage == "garbage":
        manifest.write_text("{ not json")
    elif damage == "missing":
        manifest.unlink()
    elif damage == "files-map":
        files = first.location / store.FILES
        files.write_text(files.read_text()[:-10])
    else:
        manifest.write_text(manifest.read_text().replace("country-AB.trig", "country-XX.trig"))
    assert not store.check(store.Request.of([data])).usable
    assert store.open_persistent([data], build=False) is None
    assert store.build([data]).built


def test_a_killed_build_leaves_nothing_that_is_used(data, cache):
    code = (
        "import kg.load.store as s\n"
        "original = s._build_into\n"
        "def slow(*a, **k):\n"
        "    print('building', flush=True); import time; time.sleep(60)\n"
        "s._build_into = slow\n"
        f"s.build([{str(data)!r}])\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, env={**os.environ}
    )
    assert child.stdout.readline().strip() == b"building"
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    slot = store.slot_dir(store.Request.of([data]))
    assert any(p.name.startswith(".build-") for p in slot.iterdir())
    assert not store.check(store.Request.of([data])).usable
    assert store.open_persistent([data], build=False) is None
    opened = store.open_persistent([data])
    assert _quads(opened) == _quads(open_dataset([data]))
    assert not any(p.name.startswith(".build-") for p in slot.iterdir())


def test_a_build_killed_during_writing_leaves_nothing_that_is_used(data, cache):
    """Killed at a random point of the real work (load, inference, RocksDB, manifest)."""
    slot = store.slot_dir(store.Request.of([data]))
    code = f"from kg.load import store; store.build([{str(data)!r}])"
    for delay in (0.3, 0.6, 0.9):
        child = subprocess.Popen([sys.executable, "-c", code])
        time.sleep(delay)
        child.kill()
        child.wait()
        status = store.check(store.Request.of([data]))
        if status.usable:  # it finished before the kill: then it must be complete
            assert _quads(store.open_persistent([data], build=False)) == _quads(
                open_dataset([data])
            )
            break
    assert _quads(store.open_persistent([data])) == _quads(open_dataset([data]))
    assert not any(p.name.startswith(".build-") for p in slot.iterdir())


def test_several_processes_read_the_store_at_once(data, cache):
    store.build([data])
    held = store.open_persistent([data], build=False)  # this process keeps it open
    command = [
        *KG,
        "query",
        "list-strategies-by-country",
        "-d",
        str(data),
        "-p",
        "country=id:AA",
        "--format",
        "csv",
    ]
    env = {**os.environ, "KG_CACHE": "always"}
    children = [
        subprocess.run(command, capture_output=True, env=env, timeout=120) for _ in range(2)
    ]
    for child in children:
        assert child.returncode == 0, child.stderr
        assert child.stdout.count(b"\n") == len(_rows(held)) + 1
    assert len(list(cache.rglob("store-*"))) == 1  # used, not rebuilt


def test_query_commands_build_the_store_for_large_inputs_only(data, cache, monkeypatch):
    runner = CliRunner()
    args = ["query", "list-strategies-by-country", "-d", str(data), "-p", "country=id:AA"]
    result = runner.invoke(main, [*args, "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert not cache.exists() or not list(cache.rglob("store-*"))  # small: stays in memory
    monkeypatch.setenv("KG_CACHE_AUTO_BYTES", "1")
    again = runner.invoke(main, [*args, "--format", "csv"])
    assert again.exit_code == 0 and again.output == result.output
    assert len(list(cache.rglob("store-*"))) == 1
    monkeypatch.setenv("KG_CACHE", "off")
    assert store.open_cached([data]) is None


def test_the_in_memory_path_writes_no_store(data, cache):
    """Small input stays in memory: no store is built; a command that may use the cache
    (``cache=True``) keeps at most its snapshot (kg.load.snapshot, tests/test_snapshot.py)."""
    open_dataset([data])
    assert not cache.exists()  # without the cache: nothing
    open_dataset([data], cache=True)
    written = [p for p in cache.rglob("*") if p.is_file()]
    assert all(p.name.startswith("snapshot-") for p in written), written


def test_kg_build_cli(data, cache):
    runner = CliRunner()
    first = runner.invoke(main, ["build", str(data)])
    assert first.exit_code == 0, first.output
    assert first.output.startswith("built ") and str(cache) in first.output
    second = runner.invoke(main, ["build", str(data)])
    assert second.output.startswith("up to date: ")
    forced = runner.invoke(main, ["build", str(data), "--force"])
    assert forced.output.startswith("built ")


def test_an_unwritable_cache_folder_is_a_clear_error(data, tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("KG_CACHE_DIR", str(blocker / "cache"))
    result = CliRunner().invoke(main, ["build", str(data)])
    assert result.exit_code == 2
    assert "cannot create the store folder" in result.output and "KG_CACHE_DIR" in result.output
    # the query commands fall back to memory instead
    monkeypatch.setenv("KG_CACHE", "always")
    assert store.open_cached([data]) is None


def test_cache_root_defaults(monkeypatch, tmp_path):
    monkeypatch.delenv("KG_CACHE_DIR", raising=False)
    assert store.cache_root() == REPO / ".kg-cache"
    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path))
    assert store.cache_root() == tmp_path


def test_progress_is_quiet_in_pipes_and_ci(monkeypatch):
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("KG_NO_PROGRESS", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert progress.enabled(Tty())
    assert not progress.enabled(io.StringIO())  # a pipe or a file
    monkeypatch.setenv("CI", "true")
    assert not progress.enabled(Tty())
    with progress.bar(io.StringIO()) as shown:
        assert shown is None


def test_progress_bar_draws_on_a_terminal_and_leaves_nothing(monkeypatch):
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("KG_NO_PROGRESS", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    stream = Tty()
    with progress.bar(stream) as shown:
        assert shown is not None
        shown("uploading graphs", 3, 10)
    assert "uploading graphs" in stream.getvalue() or stream.getvalue() == ""


def test_kg_build_prints_no_progress_in_a_pipe(data, cache):
    child = subprocess.run(
        [*KG, "build", str(data)],
        capture_output=True,
        env={**os.environ, "CI": ""},
        timeout=120,
    )
    assert child.returncode == 0, child.stderr
    assert child.stderr == b""
    assert child.stdout.startswith(b"built ")


MIXED_TTL = """@prefix kg: <https://w3id.org/digital-policy-kg/ontology#> .
@prefix id: <https://w3id.org/digital-policy-kg/id/> .
id:ZQ a kg:Country ; kg:sharesBorderWith id:ZR ;
    kg:hasMembership [ kg:organisation id:ZORG ; kg:note "a blank node" ] .
"""
MIXED_TRIG = """@prefix kg: <https://w3id.org/digital-policy-kg/ontology#> .
@prefix id: <https://w3id.org/digital-policy-kg/id/> .
id:ZR a kg:Country .
<https://w3id.org/digital-policy-kg/graph/zz#p1> {
    id:ZR kg:sharesBorderWith id:ZS . _:x kg:note "b" .
}
"""


def test_a_store_built_on_disk_answers_as_the_dataset_in_memory(tmp_path, cache):
    """The build loads the files straight into the on-disk store (bulk loader) and infers
    there: Turtle into the file's graph, a TriG file's default-graph triples into the file's
    graph, blank nodes, inferred graphs and their provenance — the same quads and answers as
    the dataset loaded in memory."""
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "a.ttl").write_text(MIXED_TTL, encoding="utf-8")
    (folder / "b.trig").write_text(MIXED_TRIG, encoding="utf-8")
    store.build([folder])
    opened = store.open_persistent([folder], build=False)
    memory = open_dataset([folder])
    assert _quads(opened) == _quads(memory)
    assert dict(opened.files) == {g: p.resolve() for g, p in memory.files.items()}
    ask = (
        "ASK { GRAPH ?g { <https://w3id.org/digital-policy-kg/id/ZS> "
        "<https://w3id.org/digital-policy-kg/ontology#sharesBorderWith> "
        "<https://w3id.org/digital-policy-kg/id/ZR> } }"
    )
    assert opened.store.query(ask) and memory.store.query(ask)  # inferred on disk too


def test_a_syntax_error_half_way_through_a_build_publishes_nothing(data, cache):
    """The bulk loader writes as it parses: a file that fails after others were written must
    leave no store that is used, and a clear error naming the file."""
    (data / "country-ZZ.trig").write_text("<a> <b> .\n", encoding="utf-8")
    with pytest.raises(RdfSyntaxError, match=r"country-ZZ\.trig"):
        store.build([data])
    slot = store.slot_dir(store.Request.of([data]))
    assert not store.check(store.Request.of([data])).usable
    assert not slot.exists()  # nothing at all: no build folder, no store, no lock file


def test_a_failed_automatic_build_leaves_no_lock_behind(data, cache, monkeypatch):
    """A query command that builds the store on its own (large input) and fails on a bad file
    leaves the cache as it found it: no ``<slot>/lock`` (issue 18), and a store that was
    published before stays, with its lock."""
    monkeypatch.setenv("KG_CACHE_AUTO_BYTES", "1")
    (data / "country-ZZ.trig").write_text("<a> <b> .\n", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["query", "list-strategies-by-country", "-d", str(data), "-p", "country=id:AA"]
    )
    assert result.exit_code != 0 and "country-ZZ.trig" in result.output
    assert not list(cache.rglob("lock")) and not list(cache.glob("*/"))
    (data / "country-ZZ.trig").unlink()
    built = store.build([data])
    (data / "country-ZZ.trig").write_text("<a> <b> .\n", encoding="utf-8")
    with pytest.raises(RdfSyntaxError):
        store.build([data])  # the bad file is another input list: another slot
    assert not store.slot_dir(store.Request.of([data])).exists()
    assert built.location.is_dir() and (built.location.parent / "lock").is_file()


def test_a_change_to_the_loader_code_invalidates_the_store(monkeypatch, tmp_path):
    """The code hash covers the modules that shape a store, at their homes in kg/load/
    (it named pre-layout files, so a change to the loader left old stores in use)."""
    here = Path(store.__file__).resolve().parent.parent
    for name in store._CODE_MODULES:
        assert (here / name).is_file(), name
    before = store._code_hash()
    fake = tmp_path / "kg"
    for name in store._CODE_MODULES:
        (fake / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(here / name, fake / name)
    (fake / "load" / "files.py").write_text("# changed\n", encoding="utf-8")
    monkeypatch.setattr(store, "__file__", str(fake / "load" / "store.py"))
    assert store._code_hash() != before


def test_input_paths_resolve_as_path_resolve_does(tmp_path):
    """The store keys its slot on the inputs' real paths, resolved folder by folder
    (kg.load.files.resolve_all): the same as Path.resolve, links to files and folders too."""
    real = tmp_path / "real"
    real.mkdir()
    (real / "a.ttl").write_text("", encoding="utf-8")
    (real / "b.ttl").write_text("", encoding="utf-8")
    (tmp_path / "linked").symlink_to(real)
    (real / "c.ttl").symlink_to(real / "a.ttl")
    paths = [
        real / "a.ttl",
        tmp_path / "linked" / "b.ttl",
        real / "c.ttl",
        tmp_path / "linked" / ".." / "real" / "a.ttl",
    ]
    from kg.load import files

    assert files.resolve_all(paths) == tuple(p.resolve() for p in paths)
