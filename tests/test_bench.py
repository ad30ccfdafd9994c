"""The benchmark's synthetic data: deterministic, valid against the project's shapes, answering
the canned queries, one graph per triple; and the loader's lazy graph → file map it exposed."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO, bench_gen
from pyoxigraph import NamedNode, RdfFormat, Store

from kg.cli import main
from kg.load import files as graph
from kg.load import open_dataset
from kg.namespaces import ID, KG
from kg.sparql import catalogue as query


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bench") / "10k"
    bench_gen().generate("10k", out, seed=1)
    return out


def test_the_generator_is_deterministic(data, tmp_path):
    bench_gen().generate("10k", tmp_path, seed=1)
    for path in sorted(data.rglob("*")):
        if path.is_file():
            assert (tmp_path / path.relative_to(data)).read_bytes() == path.read_bytes(), path


def test_the_scale_is_about_what_was_asked(data):
    store = graph.load([data], ontology=False).store
    manifest = json.loads((data / "manifest.json").read_text())
    assert len(store) == manifest["triples"]
    assert 9_500 <= len(store) <= 10_500


def test_every_triple_is_in_one_graph(data):
    counts = Counter((q.subject, q.predicate, q.object) for q in open_dataset([data]).store)
    assert [t for t, n in counts.items() if n > 1] == []


def test_the_document_matches_its_hash_length_and_spans(data):
    manifest = json.loads((data / "manifest.json").read_text())
    raw = (data / manifest["document"]["file"]).read_bytes()
    store = graph.load([data], ontology=False).store
    (doc,) = [
        q.subject for q in store.quads_for_pattern(None, NamedNode(KG + "sha256"), None, None)
    ]
    sha = next(store.quads_for_pattern(doc, NamedNode(KG + "sha256"), None, None)).object.value
    count = NamedNode(KG + "characterCount")
    length = next(store.quads_for_pattern(doc, count, None, None)).object
    assert sha == hashlib.sha256(raw).hexdigest()
    assert int(length.value) == len(raw.decode("utf-8"))
    end = NamedNode(KG + "endOffset")
    ends = [int(q.object.value) for q in store.quads_for_pattern(None, end, None)]
    assert max(ends) <= len(raw)


def test_kg_validate_accepts_it(data):
    result = CliRunner().invoke(main, ["validate", str(data)])
    assert result.exit_code == 0, result.output
    assert "conforms: 0 violations" in result.output.splitlines()[-1]


def test_canned_queries_answer_on_it(data):
    store = open_dataset([data]).store
    params = json.loads((data / "params.json").read_text())
    neighbours = query.run_canned(
        store, "list-neighbours-by-country", params["list-neighbours-by-country"]
    )
    rows = list(neighbours.raw)
    found = {row["neighbour"].value for row in rows}
    country = params["list-neighbours-by-country"]["country"].split(":")[1]
    # Borders are stated once, by the lower code: the neighbours with a lower code come from
    # the symmetric inference, those with a higher code from this country's own passage.
    assert any(n.removeprefix(ID) < country for n in found)
    assert any(n.removeprefix(ID) > country for n in found)
    strategies = list(
        query.run_canned(store, "list-strategies-by-country", {"country": "Synthland AA"}).raw
    )
    assert len(strategies) > 10
    assert {row["country"].value for row in strategies} == {ID + "AA"}
    assert all(row["start"] is not None for row in strategies)


def test_the_file_map_is_exact_and_only_read_when_asked(data):
    """Regression: the loader listed every graph of the store after each TriG file (30 s at
    1M triples for 667 files). It now reads a file's graphs back from the file on demand."""
    dataset = graph.load([data], ontology=False)
    assert dataset.files._pending  # nothing read yet
    expected = {}
    for path in sorted(data.glob("*.trig")):
        one = Store()
        one.load(path=str(path), format=RdfFormat.TRIG)
        for g in one.named_graphs():
            expected.setdefault(g.value, path)
    assert dict(dataset.files) == expected
    assert {g.value for g in dataset.store.named_graphs()} == set(expected)


def _run_module():
    spec = importlib.util.spec_from_file_location("bench_run", REPO / "bench" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_harness_sets_kg_quote_column_aside_when_comparing_with_raw():
    run = _run_module()
    with_quotes = b'passage,quote,x\r\nhttp://a,"a, b",1\r\n'
    assert run._without_quotes(with_quotes) == b"passage,x\r\nhttp://a,1\r\n"
    plain = b"passage,x\r\nhttp://a,1\r\n"
    quoted, bare = run._digests(with_quotes), run._digests(plain)
    assert (quoted["sha256"], quoted["rows"]) == (bare["sha256"], bare["rows"])
    # against the code before, the whole CSV counts, quotes included
    assert quoted["whole"] != bare["whole"]


def test_the_harness_prints_kg_before_and_raw_interleaved(tmp_path):
    """``--before SRC`` measures another kg in the same rounds, in its own column (here the
    same code, so both kg columns answer); every time is a median [min–max]."""
    import subprocess

    out = tmp_path / "out"
    done = subprocess.run(
        [
            sys.executable,
            str(REPO / "bench" / "run.py"),
            "--scales",
            "10k",
            "--only",
            "first",
            "--repeat",
            "2",
            "--no-peer",
            "--out",
            str(out),
            "--before",
            str(REPO / "src"),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    lines = done.stdout.splitlines()
    head = next(line for line in lines if line.startswith("| measure"))
    assert head.split(" | ")[1:4] == ["kg", "kg before", "raw pyoxigraph"]
    first = next(line for line in lines if "first query" in line and "after the load" in line)
    cells = first.split(" | ")
    assert all("[" in cell and "–" in cell for cell in cells[1:4]), first
    assert any("peak memory" in line for line in lines)
