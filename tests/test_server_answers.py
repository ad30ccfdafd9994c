"""Canned answers kept beside the persistent store (``kg.server.answers``, issue 22): ``kg
build`` keeps the answer of each canned query with its default parameters, a server keeps the
answers it evaluates, and a worker reads a kept answer instead of evaluating. A kept answer is
the engine's, byte for byte (the page, its rows and the CSV download are the same), and is
never read for another store, another query text, other parameters or other code."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import REPO, bench_gen

from kg.load import store
from kg.server import answers, tasks
from kg.server.app import precompute
from kg.server.limits import RowLimitExceeded, bounded, bounded_tsv, serialize_bounded
from kg.sparql import quotes
from kg.sparql.catalogue import load_catalogue

NAME = "list-strategies-in-force-by-year"  # year = 2021 by default


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("answers-src") / "data"
    bench_gen().generate("3k", out, seed=3)
    return out


@pytest.fixture
def data(source, tmp_path, monkeypatch) -> Path:
    """A private copy of the data (tests change it), its document found (answers quote it)."""
    target = tmp_path / "data"
    shutil.copytree(source, target)
    monkeypatch.setenv("KG_DOCUMENTS", str(target / "documents"))
    return target


def _state(location: Path, **spec) -> tasks.WorkerState:
    return tasks.WorkerState.load(tasks.StoreSpec(database=str(location / store.DB), **spec))


def _engine(state: tasks.WorkerState, name: str, params: dict[str, str]) -> bytes:
    """The answer evaluated now, as a worker hands it on: what must be kept."""
    return bounded_tsv(state.evaluate(name, params), state.spec.row_limit)


def _no_engine(state: tasks.WorkerState) -> None:
    def evaluate(name, params):
        raise AssertionError(f"{name} {params} evaluated: the kept answer was not read")

    state.evaluate = evaluate  # type: ignore[method-assign]


def _kept_files(location: Path) -> list[Path]:
    return sorted((location / answers.FOLDER).glob("*.tsv"))


def test_kg_build_keeps_the_default_answers_and_they_are_the_engines(data, cache):
    """Every canned SELECT whose defaults name no entity is kept by the build; read back it is
    the engine's answer byte for byte, and so are the page, its rest and the CSV download made
    from it (quotes included)."""
    location = store.build([data]).location
    computed = precompute(location)
    catalogue = load_catalogue(None)
    expected = [
        name
        for name, q in sorted(catalogue.items())
        if not any(p.type == "entity" and p.default is not None for p in q.params)
    ]
    assert [c for c in computed if c.startswith("queries/")] == [f"queries/{n}" for n in expected]
    assert NAME in expected and len(_kept_files(location)) == len(expected)
    assert precompute(location) == []  # kept: `kg build` again evaluates nothing

    engine = _state(location)
    kept = _state(location)
    _no_engine(kept)
    for name in expected:
        found = kept.answer(name, {})
        assert isinstance(found, tasks.Evaluated)
        assert found.tsv == _engine(engine, name, {}), name
        # the page's first part and the rest, as from an evaluation
        first, rest = tasks.canned_head(kept, name, {}, 1, 25)
        first_engine, rest_engine = tasks.canned_head(engine, name, {}, 1, 25)
        assert first == first_engine and rest == rest_engine
        assert tasks.canned_views_of(kept, name, rest) == tasks.canned_views(engine, name, {})
        # the download: what the engine path (bounded, then quotes) serialises
        for fmt in ("csv", "tsv", "json"):
            result = engine.evaluate(name, {})
            whole = quotes.add_quotes(
                engine.store, bounded(result, engine.spec.row_limit), engine.documents
            )
            assert tasks.run_canned(kept, name, {}, fmt) == serialize_bounded(
                whole, fmt, engine.spec.row_limit
            ), (name, fmt)
    # the parameters as a page gives them (the default typed in) read the same answer
    assert kept.answer(NAME, {"year": "2021"}).tsv == _engine(engine, NAME, {})  # type: ignore[union-attr]


def test_a_server_keeps_the_answers_it_evaluates(data, cache):
    location = store.build([data]).location
    first = _state(location)
    assert _kept_files(location) == []
    made = first.answer(NAME, {"year": "2019"})
    assert isinstance(made, tasks.Evaluated)
    assert len(_kept_files(location)) == 1
    later = _state(location)  # a worker of a server started later
    _no_engine(later)
    assert later.answer(NAME, {"year": "2019"}) == made
    assert made.tsv == _engine(_state(location), NAME, {"year": "2019"})
    with pytest.raises(AssertionError, match="evaluated"):  # another year: not kept
        later.answer(NAME, {"year": "2018"})


def test_a_changed_query_file_is_not_served_the_old_answer(data, cache, tmp_path):
    location = store.build([data]).location
    folder = tmp_path / "queries"
    shutil.copytree(REPO / "queries", folder)
    old = _state(location, queries_dir=str(folder))
    assert NAME in tasks.default_answers(old)
    kept = len(_kept_files(location))
    before = old.answer(NAME, {})
    path = folder / f"{NAME}.rq"
    text = path.read_text()
    changed = text.replace("FILTER(?from <= xsd:integer", "FILTER(?from < xsd:integer")
    assert changed != text
    path.write_text(changed)
    new = _state(location, queries_dir=str(folder))
    after = new.answer(NAME, {})
    assert isinstance(before, tasks.Evaluated) and isinstance(after, tasks.Evaluated)
    assert after.tsv != before.tsv  # the change changes the answer ...
    assert after.tsv == _engine(_state(location, queries_dir=str(folder)), NAME, {})  # ... read
    assert len(_kept_files(location)) == kept + 1  # each text its own key


def test_a_rebuilt_store_never_reads_the_old_stores_answers(data, cache):
    old = store.build([data]).location
    precompute(old)
    before = _state(old).answer(NAME, {})
    (data / "country-AB.trig").unlink()  # the data change: AB's strategies go
    new = store.build([data]).location
    assert new != old
    # the old store's answers copied into the new store's folder are not read: another key
    (new / answers.FOLDER).mkdir()
    for path in _kept_files(old) if old.exists() else []:
        shutil.copy(path, new / answers.FOLDER / path.name)
    fresh = _state(new)
    after = fresh.answer(NAME, {})
    assert isinstance(before, tasks.Evaluated) and isinstance(after, tasks.Evaluated)
    assert after.tsv != before.tsv
    assert after.tsv == _engine(_state(new), NAME, {})


def test_the_same_inputs_built_again_do_not_read_the_previous_build(data, cache):
    """A store rebuilt from the same inputs may sit in the same folder: its identity (the
    build's start) differs, so the previous build's answer under its old key is never read,
    and a file whose first line names another key is not read even under the new name."""
    first = store.build([data]).location
    kept = answers.Answers.of_store(first)
    query = load_catalogue(None)[NAME]
    old_key = kept.key(query, {})
    _state(first).answer(NAME, {})
    old_file = kept.path(old_key)
    saved = old_file.read_bytes()
    rebuilt = store.build([data], force=True).location
    again = answers.Answers.of_store(rebuilt)
    new_key = again.key(query, {})
    assert new_key != old_key
    (rebuilt / answers.FOLDER).mkdir(exist_ok=True)
    again.path(new_key).write_bytes(saved)  # the old answer under the new name
    assert again.read(new_key) is None and not again.path(new_key).exists()  # deleted


def test_a_change_of_code_is_another_key(data, cache, monkeypatch):
    location = store.build([data]).location
    kept = answers.Answers.of_store(location)
    query = load_catalogue(None)[NAME]
    key = kept.key(query, {})
    monkeypatch.setattr(answers, "_CODE_HASH", ["another version of the query code"])
    assert kept.key(query, {}) != key
    # and of the parameters, the query's name or text
    monkeypatch.undo()
    assert kept.key(query, {"year": "2020"}) != key
    assert kept.key(query, {"year": "2021"}) == key  # the default, typed in
    assert kept.key(query, {"nonsense": "1"}) is None  # refused by binding: nothing kept


@pytest.mark.parametrize("damage", ["truncated", "longer", "no head", "empty"])
def test_a_damaged_answer_is_not_read(data, cache, damage):
    location = store.build([data]).location
    state = _state(location)
    made = state.answer(NAME, {})
    assert isinstance(made, tasks.Evaluated)
    (path,) = _kept_files(location)
    content = path.read_bytes()
    if damage == "truncated":
        path.write_bytes(content[:-10])
    elif damage == "longer":
        path.write_bytes(content + b"<x>\n")
    elif damage == "no head":
        path.write_bytes(content[content.index(b"\n") + 1 :])
    else:
        path.write_bytes(b"")
    again = _state(location)
    assert again.answers is not None
    assert again.answers.read(path.stem) is None and not path.exists()
    assert again.answer(NAME, {}) == made  # evaluated again, and kept again
    assert path.read_bytes() == content


def test_the_row_limit_applies_to_kept_answers(data, cache):
    location = store.build([data]).location
    made = _state(location).answer(NAME, {})
    assert isinstance(made, tasks.Evaluated)
    rows = made.tsv.count(b"\n") - 1
    assert rows > 3
    small = _state(location, row_limit=rows - 1)
    _no_engine(small)
    with pytest.raises(RowLimitExceeded, match=f"more than {rows - 1} rows"):
        small.answer(NAME, {})  # kept, but over this server's limit: refused, not evaluated
    exact = _state(location, row_limit=rows)
    _no_engine(exact)
    assert exact.answer(NAME, {}) == made

    # an answer found over a limit is kept as that fact
    over = _state(location, row_limit=2)
    with pytest.raises(RowLimitExceeded):
        over.answer(NAME, {"year": "2020"})
    lower = _state(location, row_limit=1)
    _no_engine(lower)
    with pytest.raises(RowLimitExceeded, match="more than 1 rows"):
        lower.answer(NAME, {"year": "2020"})  # refused at once
    higher = _state(location)  # a higher limit: evaluated, and the answer kept
    found = higher.answer(NAME, {"year": "2020"})
    assert isinstance(found, tasks.Evaluated)
    assert found.tsv == _engine(_state(location), NAME, {"year": "2020"})
    after = _state(location)
    _no_engine(after)
    assert after.answer(NAME, {"year": "2020"}) == found


def test_the_kept_answers_stay_within_their_bytes(data, cache, monkeypatch):
    location = store.build([data]).location
    state = _state(location)
    state.answer(NAME, {"year": "2010"})
    (oldest,) = _kept_files(location)
    size = oldest.stat().st_size
    monkeypatch.setattr(answers, "MAX_BYTES", size * 2 + size // 2)
    for year in ("2011", "2012"):
        state.answer(NAME, {"year": year})
    assert len(_kept_files(location)) == 2 and not oldest.exists()  # the oldest went


def test_a_store_in_memory_keeps_nothing(tmp_path):
    from kg.load import open_dataset
    from kg.load.documents import Documents
    from kg.server import ld

    memory = open_dataset().store
    state = tasks.WorkerState(memory, tasks.StoreSpec(), ld.Labels(memory), Documents())
    assert state.answers is None
    result = state.answer(NAME, {})
    assert isinstance(result, tasks.Evaluated)
    assert result.tsv == _engine(state, NAME, {})


def test_a_folder_without_a_manifest_keeps_nothing(data, cache):
    location = store.build([data]).location
    (location / store.MANIFEST).unlink()
    kept = answers.Answers.of_store(location)
    assert kept.identity is None and kept.key(load_catalogue(None)[NAME], {}) is None
    state = _state(location)
    assert tasks.default_answers(state) == []
    assert isinstance(state.answer(NAME, {}), tasks.Evaluated)
    assert _kept_files(location) == []
