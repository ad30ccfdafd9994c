"""The quote column (kg.sparql.quotes): the spans of many passages looked up at once give the
quotes the per-passage lookup gives, cell for cell, whatever the text holds; the answer keeps
its rows and columns in every format; a document is read once and read again when it changes."""

from __future__ import annotations

import hashlib
import json
import os
import random
from pathlib import Path

import pytest
from conftest import REPO
from pyoxigraph import Literal, NamedNode

from kg.errors import InputError
from kg.load import open_dataset
from kg.load.documents import Documents
from kg.namespaces import PASSAGE
from kg.sparql import prepare as sparql
from kg.sparql import quotes, results

# tabs, quotes, backslashes, line ends, a control character, non-ASCII: what TSV must escape
DOCUMENT = 'Alpha\tbeta "quoted" back\\slash\r\nnew é 😀 \x01 end. Second passage. Third one.'
SHA = hashlib.sha256(DOCUMENT.encode("utf-8")).hexdigest()
TEXT_END = len(DOCUMENT)

PREFIXES = """
@prefix kg: <https://w3id.org/digital-policy-kg/ontology#> .
@prefix psg: <https://w3id.org/digital-policy-kg/passage/> .
@prefix src: <https://w3id.org/digital-policy-kg/source/> .
@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


def _passage(name: str, span: str, document: str = "src:doc-q", note: str | None = None) -> str:
    return f"""
psg:{name} {{
    psg:{name} a kg:Passage ; kg:inDocument {document} {span} .
    ex:thing ex:note "{note or name}" .
}}"""


def _trig() -> str:
    return (
        PREFIXES
        + f"""
src:doc-q {{
    src:doc-q a kg:SourceDocument ; kg:fileName "quotes-test.txt" ; kg:sha256 "{SHA}" .
    src:doc-nofile a kg:SourceDocument .
    src:doc-twofiles kg:fileName "quotes-test.txt", "other.txt" .
    src:doc-nosha kg:fileName "quotes-test.txt" .
    _:blank kg:fileName "quotes-test.txt" ; kg:sha256 "{SHA}" .
    psg:blank-doc kg:inDocument _:blank ; kg:startOffset 0 ; kg:endOffset 5 .
}}"""
        + _passage("whole", f"; kg:startOffset 0 ; kg:endOffset {TEXT_END}")
        + _passage("escapes", "; kg:startOffset 0 ; kg:endOffset 44")
        + _passage("two-starts", "; kg:startOffset 0, 1 ; kg:endOffset 5")
        + _passage("no-file", "; kg:startOffset 0 ; kg:endOffset 5", "src:doc-nofile")
        + _passage("two-files", "; kg:startOffset 0 ; kg:endOffset 5", "src:doc-twofiles")
        + _passage("no-sha", "; kg:startOffset 45 ; kg:endOffset 60", "src:doc-nosha")
        + _passage("past-end", f"; kg:startOffset 3 ; kg:endOffset {TEXT_END + 1}")
        + _passage("no-span", "")
        + _passage("blank-doc", "; kg:startOffset 0 ; kg:endOffset 5", "_:b2")
        # offsets the engine's TSV does not write as bare integers: read as the terms' values
        + _passage("typed-offsets", '; kg:startOffset "6"^^xsd:int ; kg:endOffset "10"^^xsd:string')
        + _passage("word-offset", '; kg:startOffset "zero" ; kg:endOffset 5')
        + _passage("decimal-offset", "; kg:startOffset 1.0 ; kg:endOffset 5")
        + _passage(
            "two-documents", "; kg:startOffset 0 ; kg:endOffset 5", "src:doc-q, src:doc-nosha"
        )
    )


@pytest.fixture
def documents_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "documents"
    folder.mkdir()
    (folder / "quotes-test.txt").write_bytes(DOCUMENT.encode("utf-8"))
    monkeypatch.setenv("KG_DOCUMENTS", str(folder))
    monkeypatch.setenv("KG_CACHE", "off")
    return folder


@pytest.fixture
def store(tmp_path: Path, documents_folder: Path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "quotes.trig").write_text(_trig(), encoding="utf-8")
    return open_dataset([data]).store


NAMES = [
    "whole",
    "escapes",
    "two-starts",
    "no-file",
    "two-files",
    "no-sha",
    "past-end",
    "no-span",
    "blank-doc",
    "typed-offsets",
    "word-offset",
    "decimal-offset",
    "two-documents",
    "not-in-the-store",
]
EXPECTED = {
    "whole": DOCUMENT,
    "escapes": DOCUMENT[:44],
    "no-sha": DOCUMENT[45:60],
    "blank-doc": DOCUMENT[:5],  # its document a blank node (one with a file, one without)
    "typed-offsets": DOCUMENT[6:10],
    "decimal-offset": DOCUMENT[1:5],  # kg writes 1.0 in canonical form, 1
}


def test_the_spans_of_many_passages_give_the_quotes_of_one_at_a_time(store) -> None:
    iris = [PASSAGE + name for name in NAMES]
    batch = quotes.Quoter(store, Documents()).quotes(iris)
    one = quotes.Quoter(store, Documents())
    single = {iri: one(NamedNode(iri)) for iri in iris}
    assert batch == single
    assert {iri[len(PASSAGE) :]: q for iri, q in batch.items() if q is not None} == EXPECTED


def test_the_passages_tsv_cells_give_the_quotes_of_their_iris(store) -> None:
    iris = [PASSAGE + name for name in NAMES]
    by_iri = quotes.Quoter(store, Documents()).quotes(iris)
    cells = [f"<{iri}>".encode() for iri in reversed(iris)]
    by_cell = quotes.Quoter(store, Documents()).cells(cells)
    assert list(by_cell) == cells  # in the order asked
    assert {c[1:-1].decode(): q for c, q in by_cell.items()} == by_iri


def test_an_iri_sparql_cannot_hold_is_refused_not_pasted(store) -> None:
    # two IRIs in one cell would read as two VALUES: written one by one, it is refused
    with pytest.raises((InputError, ValueError)):
        quotes.Quoter(store, Documents()).cells([b"<" + PASSAGE.encode() + b"a> <b>"])


@pytest.mark.parametrize(
    "text",
    [
        DOCUMENT,
        "plain words, nothing to escape",
        "",
        "".join(map(chr, range(0x80))) + "\ufffd\ufffe\uffff\u2028 é 😀",
        *(chr(c) for c in (*range(0x20), 0x22, 0x5C, 0x7F, 0xFFFE, 0xFFFF, 0x2028, 0xE9)),
    ],
)
def test_a_quote_cell_is_the_literal_the_engine_writes(text: str) -> None:
    assert quotes.tsv_cell(text) == str(Literal(text)).encode("utf-8")


@pytest.mark.parametrize("seed", range(8))
def test_quote_cells_written_together_are_those_written_one_by_one(seed: int) -> None:
    rng = random.Random(seed)
    pieces = ["plain", "", " é 😀 ", "a\nb", 'q"q', "back\\", "\x00", "\ufffe", ",", "\t"]
    clean = pieces[:3] if seed % 2 else pieces  # half the lists have nothing to escape
    texts = ["".join(rng.choices(clean, k=rng.randrange(4))) for _ in range(rng.randrange(6))]
    expected = [str(Literal(text)).encode("utf-8") for text in texts]
    assert quotes.tsv_cells(texts) == expected


def test_generated_data_every_quote_is_the_one_looked_up_alone(tmp_path, monkeypatch) -> None:
    """On data of the project's shape (bench/gen.py): every quote of a long answer, found by
    the batched lookup, is the one the span query gives for its passage alone."""
    from conftest import bench_gen

    folder = tmp_path / "generated"
    bench_gen().generate("10k", folder, seed=3)
    monkeypatch.setenv("KG_DOCUMENTS", str(folder / "documents"))
    store = open_dataset([folder]).store
    text = (REPO / "queries" / "list-responsible-institutions.rq").read_text(encoding="utf-8")
    answer = list(_answer(store, text).raw)  # type: ignore[arg-type]
    one = quotes.Quoter(store, Documents())
    assert len(answer) > 100
    assert [r["quote"].value for r in answer] == [one(r["passage"]) for r in answer]


def test_a_remote_store_gets_the_spans_in_chunks(store, monkeypatch: pytest.MonkeyPatch) -> None:
    iris = [PASSAGE + name for name in NAMES]
    whole = quotes.Quoter(store, Documents()).quotes(iris)
    asked: list[int] = []
    select = quotes.Quoter._select

    def counted(self, template: str, part: list[str]):
        asked.append(len(part))
        return select(self, template, part)

    monkeypatch.setattr(quotes, "Store", type("NotThisStore", (), {}))  # as for a RemoteStore
    monkeypatch.setattr(quotes, "REMOTE_CHUNK", 3)
    monkeypatch.setattr(quotes.Quoter, "_select", counted)
    assert quotes.Quoter(store, Documents()).quotes(iris) == whole
    assert asked and max(asked) <= 3 and len(asked) > 2


QUERY = (
    "SELECT ?passage ?note WHERE { GRAPH ?passage { ?s <http://example.org/note> ?note } } "
    "ORDER BY ?note"
)


def _answer(store, text: str = QUERY):
    return quotes.add_quotes(store, sparql.execute(store, sparql.prepare(text)), Documents())


def test_the_quote_column_follows_its_passage_in_every_format(store) -> None:
    plain = list(sparql.execute(store, sparql.prepare(QUERY)).raw)  # type: ignore[arg-type]
    one = quotes.Quoter(store, Documents())
    answer = _answer(store)
    assert answer.variables == ["passage", "quote", "note"]
    rows = list(answer.raw)  # type: ignore[arg-type]
    assert [(r["passage"], r["note"]) for r in rows] == [(r["passage"], r["note"]) for r in plain]
    expected = [one(r["passage"]) for r in plain]
    assert [r["quote"].value if r["quote"] is not None else None for r in rows] == expected
    assert DOCUMENT in expected  # the whole text, escapes and all, came back unchanged
    data = json.loads(results.serialize(_answer(store), "json"))
    cells = [b.get("quote", {}).get("value") for b in data["results"]["bindings"]]
    assert cells == expected
    csv = results.serialize(_answer(store), "csv").decode("utf-8")
    assert csv.startswith("passage,quote,note\r\n")
    tsv = results.serialize(_answer(store), "tsv").decode("utf-8")
    assert len(tsv.splitlines()) == len(rows) + 1  # one line per row: the text is escaped


def test_unbound_passages_and_one_column_answers(store) -> None:
    text = f"SELECT ?passage WHERE {{ VALUES ?passage {{ UNDEF <{PASSAGE}whole> UNDEF }} }}"
    rows = list(_answer(store, text).raw)  # type: ignore[arg-type]
    assert [r["passage"] for r in rows] == [None, NamedNode(PASSAGE + "whole"), None]
    assert [r["quote"].value if r["quote"] else None for r in rows] == [None, DOCUMENT, None]


def test_an_answer_without_rows_keeps_its_columns(store) -> None:
    text = "SELECT ?passage ?x WHERE { FILTER(false) }"
    answer = _answer(store, text)
    assert answer.variables == ["passage", "quote", "x"]
    assert list(answer.raw) == []  # type: ignore[arg-type]


def test_a_document_is_read_once_and_again_when_it_changes(
    documents_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[Path] = []
    read_bytes = Path.read_bytes

    def counted(self: Path) -> bytes:
        reads.append(self)
        return read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", counted)
    documents = Documents()
    assert documents.text("quotes-test.txt", SHA) == (DOCUMENT, None)
    assert documents.text("quotes-test.txt", SHA) == (DOCUMENT, None)
    assert len(reads) == 1
    # the same size, another text: re-read, and refused (its hash is not the one cited)
    path = documents_folder / "quotes-test.txt"
    data = path.read_bytes()
    path.write_bytes(data.replace(b"Alpha", b"Omega"))
    stamp = path.stat()
    os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns + 1_000_000_000))
    text, why = documents.text("quotes-test.txt", SHA)
    assert text is None and why is not None and "differs" in why
    # put back: quoted again
    path.write_bytes(data)
    os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns + 2_000_000_000))
    assert documents.text("quotes-test.txt", SHA) == (DOCUMENT, None)
    assert len(reads) == 4  # counted calls: the two re-reads plus the test's own read


def test_a_changed_document_is_not_quoted_by_the_reader_kept_across_answers(
    store, documents_folder: Path
) -> None:
    quotes._READERS.clear()
    first = quotes.add_quotes(store, sparql.execute(store, sparql.prepare(QUERY)))
    assert any(r["quote"] is not None for r in first.raw)  # type: ignore[union-attr]
    path = documents_folder / "quotes-test.txt"
    path.write_bytes(path.read_bytes().replace(b"Alpha", b"Omega"))
    stamp = path.stat()
    os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns + 1_000_000_000))
    with pytest.warns(UserWarning):
        again = quotes.add_quotes(store, sparql.execute(store, sparql.prepare(QUERY)))
    quoted = {
        r["passage"].value[len(PASSAGE) :]: r["quote"].value
        for r in again.raw  # type: ignore[union-attr]
        if r["quote"] is not None
    }
    assert quoted == {"no-sha": DOCUMENT[45:60]}  # the one without a hash to check
