"""The first page of a canned answer before the rest of it (issue 22): the worker evaluates the
query whole but makes the cells and quotes of the page's rows only (``tasks.canned_head``,
``tasks.canned_part``), and the rest (every row's cells, quotes and the views) is made after
the page is sent (``tasks.canned_views_of``). Every page renders exactly as it does from the
whole answer, the downloads and the script's rows are the whole answer, and making a page does
not touch every row."""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

import pytest

from kg.load import open_dataset
from kg.load.documents import Documents
from kg.server import ld, pages, tasks, visual
from kg.server.app import PAGE_SIZES
from kg.server.messages import Request
from kg.server.tasks import StoreSpec
from kg.server.views import PAGE_ROWS, columns_of
from kg.sparql import quotes
from kg.sparql.catalogue import load_catalogue

CATALOGUE = load_catalogue(None)
# more rows on the repository's data than a page, each quoting its passage
LONG = "list-sources-by-resource"


@pytest.fixture(scope="module")
def state():
    store = open_dataset().store
    return tasks.WorkerState(store, StoreSpec(), ld.Labels(store), Documents())


def _context() -> pages.Context:
    return pages.Context(
        base="http://localhost", queries=tuple(CATALOGUE.values()), timeout=30, row_limit=10_000
    )


def _page(name: str, table, number: int, size: int) -> str:
    """The canned page as the server renders it (the same arguments for a part and a whole)."""
    from kg.server.app import Paging

    request = Request("GET", f"/queries/{name}", urlencode({"page": number, "size": size}), {})
    query = CATALOGUE[name]
    paging = Paging.of(request, table.count, f"/queries/{name}", PAGE_ROWS)
    return pages.canned(
        _context(),
        query,
        {p.name: None for p in query.params},
        table=table,
        rows_url=f"/queries/{name}.cells",
        views_url=f"/queries/{name}.views",
        paging=paging,
    )


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_every_page_of_a_part_is_the_page_of_the_whole_answer(state, name):
    """Each canned query with its default parameters: the part made for page N of size S holds
    the rows, quotes, count, folded columns and parameter values of the whole answer (made as
    before: engine, quotes of every row, cells of every row), and renders the same page."""
    whole, views = tasks.canned_views(state, name, {})
    first, evaluated = tasks.canned_head(state, name, {}, 1, PAGE_ROWS)
    assert isinstance(evaluated, tasks.Evaluated)
    again, again_views = tasks.canned_views_of(state, name, evaluated)
    assert again == whole and again_views == views  # the rest, made from the same evaluation
    assert visual.table_views(state.store, whole, [p.name for p in CATALOGUE[name].params]) == views
    for size in (PAGE_SIZES[0], PAGE_ROWS):
        pages_ = max(1, -(-whole.count // size))
        for number in sorted({1, 2, pages_, pages_ + 3}):  # past the last: the last
            part = (
                first
                if (number, size) == (1, PAGE_ROWS)
                else tasks.canned_part(state, name, evaluated, number, size)
            )
            assert part.count == whole.count and part.columns == whole.columns
            assert columns_of(part) == columns_of(whole)
            for param in CATALOGUE[name].params:  # one value, and which, or several
                if param.name in whole.columns:
                    kept, every = part.distinct(param.name), whole.distinct(param.name)
                    assert kept <= every and (kept == every or len(kept) == 2 < len(every))
            shown = min(number, pages_)
            assert part.page((shown - 1) * size, size) == whole.rows[(shown - 1) * size :][:size]
            assert _page(name, part, number, size) == _page(name, whole, number, size)


def test_the_parts_hold_quotes(state):
    """The comparison above is not vacuous: the answers quote their passages."""
    whole, _ = tasks.canned_views(state, LONG, {})
    part, _ = tasks.canned_head(state, LONG, {}, 1, PAGE_ROWS)
    at = part.columns.index("quote")
    assert whole.count > PAGE_ROWS and all(row[at] is not None for row in part.rows)
    assert [row[at] for row in part.rows] == [row[at] for row in whole.rows[:PAGE_ROWS]]


def test_a_page_quotes_and_labels_its_own_rows_only(state, monkeypatch):
    """Making a page of 25 rows of a longer answer asks the quotes of the passages of those 25
    rows only, and the labels of fewer IRIs than the answer has (the rows' own, and a column's
    until it is known to be labelled): counted, not timed."""
    size = PAGE_SIZES[0]
    whole, _ = tasks.canned_views(state, LONG, {})
    assert whole.count > 2 * size
    asked: list[str] = []
    original = quotes.Quoter.quotes

    def spy(self, passages):
        passages = list(passages)
        asked.extend(passages)
        return original(self, passages)

    monkeypatch.setattr(quotes.Quoter, "quotes", spy)
    labelled: list[str] = []
    fresh = tasks.WorkerState(state.store, state.spec, ld.Labels(state.store), state.documents)
    real = ld.Labels.__call__

    class Counting(ld.Labels):
        def __call__(self, iri):
            labelled.append(iri)
            return real(self, iri)

    fresh.labels = Counting(state.store)
    part, _ = tasks.canned_head(fresh, LONG, {}, 2, size)
    assert part.page(size, size) == whole.rows[size : 2 * size]
    at = whole.columns.index("quote") - 1  # the passage column, the quote's left neighbour
    on_page = {row[at].value for row in whole.rows[size : 2 * size] if row[at] is not None}
    assert set(asked) == on_page and len(asked) <= size
    every = {c.value for row in whole.rows for c in row if c is not None and c.kind == "iri"}
    assert len(set(labelled)) < len(every) / 2


def _handle(server, path: str):
    route, _, query = path.partition("?")
    request = Request(
        "GET", route, query, {"accept": "text/html", "host": "localhost"}, b"", time.monotonic()
    )
    return server.app.handle(request)


def _rest(server, timeout: float = 60) -> None:
    """Wait until the answers being made in the background are made."""
    end = time.monotonic() + timeout
    while server.app._pending and time.monotonic() < end:
        time.sleep(0.05)
    assert not server.app._pending


def test_the_server_sends_the_first_page_then_keeps_the_whole_answer():
    """On a server: the first page (made from a part), the same page again once the rest is
    made (from the whole), a later page, the script's rows (.cells), the views (.views) and the
    CSV download are those of the whole answer; the query was evaluated once for all the pages."""
    from kg.server import Server

    with Server(open_dataset().store, host="127.0.0.1", port=0, workers=2) as server:
        server.pool.started.wait(60)
        evaluated = []
        original = server.app._run

        def run(request, task, *args):
            if task in (tasks.canned_head, tasks.canned_views):
                evaluated.append(task)
            return original(request, task, *args)

        server.app._run = run
        path = f"/queries/{LONG}"
        first = _handle(server, path)
        assert first.status == 200
        _rest(server)
        assert evaluated == [tasks.canned_head]
        again = _handle(server, path)
        assert again.body == first.body  # from the whole answer now: the same page
        later = _handle(server, path + "?" + urlencode({"page": 2, "size": PAGE_SIZES[0]}))
        assert later.status == 200
        cells = json.loads(_handle(server, path.replace(LONG, LONG + ".cells")).body)
        views = json.loads(_handle(server, path.replace(LONG, LONG + ".views")).body)
        assert evaluated == [tasks.canned_head]  # all of them from the one evaluation
        store = open_dataset().store
        state = tasks.WorkerState(store, StoreSpec(), ld.Labels(store), Documents())
        whole, whole_views = tasks.canned_views(state, LONG, {})
        assert cells["count"] == whole.count
        assert cells["rows"] == [
            [None if c is None else [c.text, c.href, c.note, c.kind, c.value] for c in row]
            for row in whole.rows
        ]
        assert views == json.loads(json.dumps(whole_views))
        csv = _handle(server, path.replace(LONG, LONG + ".csv"))
        assert csv.body == tasks.run_canned(state, LONG, {}, "csv")
