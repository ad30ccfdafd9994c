"""Pages at scale (issue 22): a canned answer is read a page at a time and downloaded whole;
what the home, ontology and editor pages summarise is computed by ``kg build`` and kept beside
the store, for that store only; a row limit stops the evaluation once it is passed."""

from __future__ import annotations

import csv
import gc
import io
import json
import shutil
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
from click.testing import CliRunner
from conftest import http_request
from pyoxigraph import Literal, NamedNode, QuerySolutions, Store

from kg.cli import main
from kg.load import store
from kg.server import tasks
from kg.server.app import PAGE_SIZES, PageCache, precompute
from kg.server.limits import RowLimitExceeded, bounded
from kg.sparql.results import QueryResult

BROWSER = {"Accept": "text/html"}
LONG = "list-external-identifiers"  # more rows on the repository's data than the smallest page


class Rows(HTMLParser):
    """The text of each cell of each row of the page's result table, and its page links."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self.links: dict[str, str] = {}
        self._body = False
        self._cell: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tbody":
            self._body = True
        elif tag == "tr" and self._body:
            self.rows.append([])
        elif tag == "td" and self._body:
            self._cell = []
        elif tag == "a" and attrs.get("rel") in ("prev", "next"):
            self.links[attrs["rel"]] = attrs["href"]

    def handle_endtag(self, tag):
        if tag == "tbody":
            self._body = False
        elif tag == "td" and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _shown(cell: list | None) -> str:
    """A cell of the .cells JSON as the page's table shows it (its text and note)."""
    if cell is None:
        return "–"
    return " ".join(f"{cell[0]} {cell[2] or ''}".split())


def test_pages_of_an_answer_are_its_rows_in_order_and_the_downloads_hold_them_all(repo_server):
    status, _, body = http_request(repo_server.url + f"/queries/{LONG}.cells")
    assert status == 200
    whole = json.loads(body)
    size = PAGE_SIZES[0]
    assert whole["count"] > 2 * size  # three pages at least
    seen: list[list[str]] = []
    path = f"/queries/{LONG}?" + urlencode({"page": 1, "size": size})
    pages = 0
    while path:
        status, _, html = http_request(repo_server.url + path, headers=BROWSER)
        assert status == 200
        page = Rows(html.decode("utf-8"))
        assert 0 < len(page.rows) <= size
        seen += page.rows
        pages += 1
        path = page.links.get("next")
    assert pages == -(-whole["count"] // size)
    assert seen == [[_shown(c) for c in row] for row in whole["rows"]]  # every row, in order

    # past the last page: the last page; the first page names no previous one
    status, _, html = http_request(
        repo_server.url + f"/queries/{LONG}?" + urlencode({"page": 999, "size": size}),
        headers=BROWSER,
    )
    last = Rows(html.decode("utf-8"))
    assert last.rows == seen[(pages - 1) * size :] and "next" not in last.links
    status, _, html = http_request(repo_server.url + f"/queries/{LONG}", headers=BROWSER)
    assert "prev" not in Rows(html.decode("utf-8")).links

    # the downloads give every row of the answer, whatever page was shown
    status, _, body = http_request(repo_server.url + f"/queries/{LONG}.csv")
    assert status == 200
    table = list(csv.reader(io.StringIO(body.decode("utf-8"))))
    assert table[0] == whole["columns"] and len(table) - 1 == whole["count"]
    status, _, body = http_request(repo_server.url + f"/queries/{LONG}.json")
    assert len(json.loads(body)["results"]["bindings"]) == whole["count"]


def test_a_later_page_tells_the_script_where_its_rows_start(repo_server):
    size = PAGE_SIZES[0]
    path = f"/queries/{LONG}?" + urlencode({"page": 2, "size": size})
    _, _, html = http_request(repo_server.url + path, headers=BROWSER)
    text = html.decode("utf-8")
    assert f'data-offset="{size}"' in text and "data-rows=" in text
    assert f"rows {size + 1}–{2 * size} shown" in text


# --- the page summaries kept beside the store ----------------------------------------------------


def _summaries(computed: list[str]) -> list[str]:
    """Of what precompute computed, the page summaries (the canned answers it keeps too are
    tested in tests/test_server_answers.py)."""
    return [name for name in computed if not name.startswith("queries/")]


def _computed(location):
    state = tasks.WorkerState.load(tasks.StoreSpec(database=str(location / store.DB)))
    return {key: task(state) for key, task in tasks.KEPT_SUMMARIES.items()}


def test_kg_build_keeps_the_page_summaries_and_they_are_what_a_server_computes(cache):
    result = CliRunner().invoke(main, ["build"])
    assert result.exit_code == 0, result.output
    location = store.check(store.Request.of(None)).location
    assert location is not None
    kept = PageCache(location)
    assert kept.path.is_file()
    assert kept.load() == _computed(location)
    assert precompute(location) == []  # nothing left to compute: `kg build` again is cheap


def test_page_summaries_are_never_read_for_another_store(cache, tmp_path):
    first = store.build()
    assert _summaries(precompute(first.location)) == list(tasks.KEPT_SUMMARIES)
    old = PageCache(first.location)
    kept = old.load()
    assert set(kept) == set(tasks.KEPT_SUMMARIES)
    saved = tmp_path / "kept.pickle"
    shutil.copy(old.path, saved)

    rebuilt = store.build(force=True)  # the same inputs, built again
    new = PageCache(rebuilt.location)
    assert new.identity != old.identity
    assert new.load() == {}  # the old store's file went with it
    shutil.copy(saved, new.path)  # and had it survived, under the new name, it is not read
    assert PageCache(rebuilt.location).load() == {}
    # the new store computes its own, equal to what a server computes on it
    stale = rebuilt.location / "pages-0123456789abcdef.pickle"  # as older code left it
    shutil.copy(saved, stale)
    assert _summaries(precompute(rebuilt.location)) == list(tasks.KEPT_SUMMARIES)
    assert PageCache(rebuilt.location).load() == _computed(rebuilt.location)
    assert sorted(rebuilt.location.glob("pages-*.pickle")) == [new.path]  # no stale file kept

    (rebuilt.location / store.MANIFEST).unlink()  # a folder that is no store keeps nothing
    assert PageCache(rebuilt.location).load() == {}
    assert precompute(rebuilt.location) == []


def test_a_server_reads_the_datasets_summary_kg_build_kept(cache):
    """The named graphs and statement count the server shows: kept by kg build, known at once
    (no worker lists and counts the store at every start); on a store without it, computed."""
    from kg.server import Server

    location = store.build().location
    with Server(None, host="127.0.0.1", port=0, database=location / store.DB, workers=1) as server:
        computed = server.app.summary.get()
    assert precompute(location)
    with Server(None, host="127.0.0.1", port=0, database=location / store.DB, workers=1) as server:
        assert server.app.summary._future.done()  # known from the start
        assert server.app.summary.get() == computed == tuple(_computed(location)["summary"])


# --- the row limit stops the evaluation ----------------------------------------------------------


def _counting_query(rows: int):
    """A SELECT of ``rows`` solutions whose evaluation counts the solutions it made."""
    made = []

    def count(term):
        made.append(term)
        return term

    values = " ".join(str(n) for n in range(rows))
    solutions = Store().query(
        f"SELECT ?n ?m WHERE {{ VALUES ?n {{ {values} }} BIND(<urn:count>(?n) AS ?m) }}",
        custom_functions={NamedNode("urn:count"): count},
    )
    assert isinstance(solutions, QuerySolutions)
    return solutions, made


@pytest.mark.parametrize("how", ["table", "bounded"])
def test_a_row_limit_stops_the_evaluation_once_it_is_passed(how):
    total, limit = 50_000, 10
    solutions, made = _counting_query(total)
    with pytest.raises(RowLimitExceeded) as refused:
        if how == "table":  # a page's table (kg.server.tasks)
            tasks.table(QueryResult("SELECT", solutions), limit, lambda iri: None)
        else:  # an answer in a result format (kg.server.limits)
            bounded(QueryResult("SELECT", solutions), limit)
    assert f"more than {limit} rows" in str(refused.value)
    assert "evaluation stopped at the row past the limit" in str(refused.value)  # it says so
    assert len(made) < total // 10  # stopped long before the end
    if how == "table":
        assert len(made) == limit + 1  # one solution past the limit, not one more
    assert all(isinstance(t, Literal) for t in made)
    del refused, solutions  # the engine's iterator is dropped on this thread, as it must be
    gc.collect()


def test_a_canned_page_over_the_row_limit_says_so():
    from kg.load import open_dataset
    from kg.server import Server
    from kg.server.limits import Limits

    with Server(
        open_dataset().store, host="127.0.0.1", port=0, limits=Limits(row_limit=5), workers=2
    ).start() as server:
        status, _, html = http_request(server.url + f"/queries/{LONG}", headers=BROWSER)
        assert status == 400
        assert "more than 5 rows" in html.decode("utf-8")
        assert "evaluation stopped" in html.decode("utf-8")

        # the same page again is refused without evaluating the query again (the store does
        # not change while it is served)
        original = server.app._run

        def run(request, task, *args):
            assert task not in (tasks.canned_views, tasks.canned_head), "evaluated again"
            return original(request, task, *args)

        server.app._run = run
        again, _, html = http_request(server.url + f"/queries/{LONG}", headers=BROWSER)
        assert again == 400 and "more than 5 rows" in html.decode("utf-8")
        page = f"/queries/{LONG}?" + urlencode({"page": 2, "size": 25})
        assert http_request(server.url + page, headers=BROWSER)[0] == 400


def test_the_kept_answers_stay_within_their_rows():
    from kg.server.app import Answers
    from kg.server.views import Table

    def answer(rows: int):
        return Table("SELECT", ("x",), tuple((None,) for _ in range(rows))), {}

    kept = Answers(rows=10)
    kept.put(("a",), answer(6))
    kept.put(("b",), answer(3))
    assert kept.get(("a",)) is not None  # now the most recently used
    kept.put(("c",), answer(4))  # 13 rows: the least recently used goes
    assert kept.get(("b",)) is None and kept.get(("a",)) is not None
    kept.put(("d",), answer(11))  # more than all it keeps: not kept, nothing dropped for it
    assert kept.get(("d",)) is None and kept.get(("c",)) is not None


def test_kg_build_succeeds_when_the_summaries_cannot_be_kept(cache, monkeypatch):
    """The store is built and correct: a failure to compute what the pages summarise is a
    warning (a server computes them when it starts), not a failed build."""
    import kg.server.app

    def fail(location):
        raise OSError("disk full")

    monkeypatch.setattr(kg.server.app, "precompute", fail)
    result = CliRunner().invoke(main, ["build"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(("built ", "up to date: "))
    assert "the page summaries and canned answers were not kept (disk full)" in result.stderr
    assert store.check(store.Request.of(None)).usable
