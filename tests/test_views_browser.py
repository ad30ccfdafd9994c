"""The result views, the entity page's map, timeline, graph and quotes, the editor and the
ontology page in Chromium (Playwright, as ``test_browser.py``): each view draws the right items
for a known query, works from the keyboard alone, and axe-core (vendored under tests/vendor,
never served) finds no serious or critical violation. Every request that is not for the
loopback server is blocked and counted, and the count must stay 0. A screenshot of each view
is saved in the test's temporary folder.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from conftest import http_request
from test_browser import ARGS, CHROMIUM, block_off_machine

from kg.namespaces import ID

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
SEEDS = Path(__file__).resolve().parent.parent.parent / "shared" / "seeds"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="/usr/bin/chromium is missing: install Debian's chromium (scripts/test does, as root)",
)


@pytest.fixture(scope="module")
def views_server(tmp_path_factory):
    """kg's server on the repository's dataset, with the source documents when this machine
    has them (passage quotes)."""
    import os

    from kg.load import open_dataset
    from kg.server import Server

    if "KG_DOCUMENTS" not in os.environ and SEEDS.is_dir():
        os.environ["KG_DOCUMENTS"] = str(SEEDS)
    server = Server(open_dataset().store, host="127.0.0.1", port=0).start()
    yield server
    server.close()


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="the playwright package is missing (pip install '.[test]')"
    )
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def blocked():
    """Requests for anything but the loopback server, blocked, across the module's pages."""
    return []


@pytest.fixture
def page(browser, blocked):
    yield from _guarded_page(browser, blocked, 1280)


@pytest.fixture
def phone(browser, blocked):
    """A page 390 px wide (a phone held upright)."""
    yield from _guarded_page(browser, blocked, 390)


def _guarded_page(browser, blocked, width: int):
    context = browser.new_context(viewport={"width": width, "height": 900})

    block_off_machine(context, blocked)
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    problems: list[str] = []
    opened.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    opened.on(
        "console",
        lambda m: (
            problems.append(m.text)
            if m.type == "error" and not re.search(r"status of (400|404)\b", m.text)
            else None
        ),
    )
    opened.problems = problems
    yield opened
    context.close()
    assert problems == []  # no script error, no CSP refusal


def shot(page, tmp_path: Path, name: str, locator=None) -> Path:
    path = tmp_path / f"{name}.png"
    (locator or page).screenshot(path=str(path))
    assert path.stat().st_size > 5_000
    return path


def axe(page) -> list[dict]:
    """axe-core's serious and critical violations on the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))  # evaluated by the test: not a page asset
    result = page.evaluate(
        "async () => { const r = await axe.run(document, {resultTypes: ['violations']});"
        " return r.violations.map(v => ({id: v.id, impact: v.impact,"
        " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)})); }"
    )
    return [v for v in result if v["impact"] in ("serious", "critical")]


def csv_rows(server, path: str) -> list[dict[str, str]]:
    status, _, body = http_request(server.url + path)
    assert status == 200
    return list(csv.DictReader(io.StringIO(body.decode("utf-8"))))


def tab_to(page, predicate: str, limit: int = 80) -> None:
    """Press Tab until the focused element matches the JS predicate (keyboard only)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const e = document.activeElement; return {predicate}; }})()"):
            return
    raise AssertionError(f"Tab never reached {predicate}")


# --- each view draws the right items ---------------------------------------------------------


def test_eurodig_participants_on_the_map(views_server, page, tmp_path):
    rows = csv_rows(views_server, "/queries/list-participants-by-forum.csv?forum=EuroDIG")
    page.goto(views_server.url + "/queries/list-participants-by-forum?forum=EuroDIG")
    tab = page.get_by_role("tab", name="Map")
    assert tab.get_attribute("aria-selected") == "true"  # chosen: the result has countries
    page.wait_for_selector(".view[data-view=map][data-drawn=yes]")
    hits = page.locator("svg.map .hit")
    assert (
        sorted(hits.evaluate_all("l => l.map(e => e.dataset.label)"))
        == sorted({r["countryLabel"] for r in rows})
        == ["Poland", "Serbia"]
    )
    codes = sorted(hits.evaluate_all("l => l.map(e => e.dataset.code)"))
    assert codes == ["616", "688"]  # ISO 3166 numeric: the atlas ids
    assert page.locator("svg.map path.land").count() > 200  # the rest of the world, grey
    shot(page, tmp_path, "map", page.locator(".result-views"))
    assert axe(page) == []

    # keyboard alone: Tab reaches the first country, its tooltip shows, Enter opens it
    tab_to(page, "e.closest && e.closest('svg.map') !== null")
    focused = page.evaluate("document.activeElement.dataset.label")
    assert focused in ("Poland", "Serbia")
    tooltip = page.locator(".view-tooltip")
    assert tooltip.is_visible() and tooltip.inner_text().startswith(focused)
    page.keyboard.press("Enter")
    page.wait_for_url("**/id/" + {"Poland": "PL", "Serbia": "RS"}[focused])


def test_polands_strategies_as_a_timeline(views_server, page, tmp_path):
    rows = csv_rows(views_server, "/queries/list-strategies-by-country.csv?country=Poland")
    dated = {
        r["strategyLabel"] for r in rows if r["startYear"] or r["adoptionDate"]
    }  # a start, else the year of adoption
    undated = {r["strategyLabel"] for r in rows} - dated
    page.goto(views_server.url + "/queries/list-strategies-by-country?country=Poland")
    assert page.get_by_role("tab", name="Timeline").get_attribute("aria-selected") == "true"
    page.wait_for_selector(".view[data-view=timeline][data-drawn=yes]")
    bars = page.locator("svg.timeline .bar")
    labels = bars.evaluate_all("l => l.map(e => e.dataset.label)")
    assert sorted(labels) == sorted(dated) and len(labels) == len(set(labels))  # one bar each
    assert page.locator("svg.timeline .group-label").all_text_contents() == ["Poland"]
    open_ended = page.locator("svg.timeline .bar.open").evaluate_all(
        "l => l.map(e => e.dataset.label)"
    )
    # one row per stating passage: a strategy may come in several rows, as one bar
    assert open_ended == list(
        dict.fromkeys(
            r["strategyLabel"]
            for r in rows
            if not r["endYear"] and (r["startYear"] or r["adoptionDate"])
        )
    )
    assert "open-ended" in page.locator("svg.timeline .bar.open").first.get_attribute("aria-label")
    listed = page.locator(".view[data-view=timeline] figcaption li").all_inner_texts()
    assert set(listed) == undated
    shot(page, tmp_path, "timeline", page.locator(".result-views"))
    assert axe(page) == []

    # keyboard: the tabs by arrow keys (past the last, the first), back, then into the bars
    assert page.get_by_role("tab", name="Map").count() == 0  # its only place: the one asked
    page.get_by_role("tab", name="Timeline").focus()
    page.keyboard.press("ArrowRight")
    assert page.get_by_role("tab", name="Table").get_attribute("aria-selected") == "true"
    assert (
        page.locator("#panel-table").is_visible()
        and not page.locator("#panel-timeline").is_visible()
    )
    page.keyboard.press("End")
    assert page.get_by_role("tab", name="Timeline").get_attribute("aria-selected") == "true"
    page.keyboard.press("Home")
    assert page.get_by_role("tab", name="Table").get_attribute("aria-selected") == "true"
    assert page.locator("#panel-table table.data").is_visible()
    page.keyboard.press("ArrowRight")
    assert page.get_by_role("tab", name="Timeline").get_attribute("aria-selected") == "true"
    tab_to(page, "e.classList && e.classList.contains('bar')")
    first = page.evaluate("document.activeElement.dataset.label")
    page.keyboard.press("Enter")
    page.wait_for_url("**/id/pl-*")
    assert page.locator("h1").inner_text() == first


def test_a_count_per_country_as_a_chart(views_server, page, tmp_path):
    text = (
        "SELECT ?country ?label (COUNT(?s) AS ?n) WHERE { ?s a kg:StrategyDocument ; "
        "kg:jurisdiction ?country . ?country rdfs:label ?label FILTER(LANG(?label) = 'en') } "
        "GROUP BY ?country ?label ORDER BY ?label"
    )
    rows = csv_rows(views_server, "/sparql?format=csv&query=" + quote(text))
    page.goto(views_server.url + "/editor?query=" + quote(text))
    page.get_by_role("tab", name="Chart").click()
    page.wait_for_selector(".view[data-view=chart][data-drawn=yes]")
    bars = page.locator("svg.chart .bar").evaluate_all(
        "l => l.map(e => [e.dataset.label, Number(e.dataset.value)])"
    )
    assert bars == [[r["label"], float(r["n"])] for r in rows]
    shot(page, tmp_path, "chart", page.locator(".result-views"))
    assert axe(page) == []
    tab_to(page, "e.classList && e.classList.contains('bar')")
    page.keyboard.press("Enter")
    page.wait_for_url("**/id/*")
    assert page.locator("h1").inner_text() == rows[0]["label"]


def test_describe_as_a_graph_and_a_click_opens_a_node(views_server, page, tmp_path):
    page.goto(views_server.url + "/editor?query=" + quote("DESCRIBE id:EE"))
    assert page.get_by_role("tab", name="Graph").get_attribute("aria-selected") == "true"
    page.wait_for_selector(".view[data-view=graph][data-drawn=yes]")
    status, _, body = http_request(
        views_server.url + "/sparql?format=nt&query=" + quote("DESCRIBE id:EE")
    )
    assert status == 200
    from pyoxigraph import NamedNode, RdfFormat, parse

    triples = list(parse(body, RdfFormat.N_TRIPLES))
    expected = {t.subject.value for t in triples} | {
        t.object.value
        for t in triples
        if not hasattr(t.object, "language")
        and t.predicate != NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    }
    drawn = page.evaluate(
        "document.querySelector('.view[data-view=graph]').cy.nodes().map(n => n.id())"
    )
    assert set(drawn) == expected
    shot(page, tmp_path, "graph", page.locator(".result-views"))
    assert axe(page) == []
    # a click on a node opens its page
    target = ID + "EE"
    x, y = page.evaluate(
        "(id) => { const v = document.querySelector('.view[data-view=graph]');"
        " const p = v.cy.getElementById(id).renderedPosition();"
        " const r = v.querySelector('.graph-canvas').getBoundingClientRect();"
        " return [r.left + p.x, r.top + p.y]; }",
        target,
    )
    page.mouse.click(x, y)
    page.wait_for_url("**/id/EE")


def test_the_graph_from_the_keyboard(views_server, page):
    page.goto(views_server.url + "/id/EE")
    graph = page.locator(".view[data-view=graph]")
    page.wait_for_load_state("load")
    assert graph.get_attribute("data-drawn") is None  # far down the page: not drawn yet
    graph.scroll_into_view_if_needed()  # drawn when it comes near the screen
    page.wait_for_selector(".view[data-view=graph][data-drawn=yes]")
    tab_to(page, "e.classList && e.classList.contains('graph-canvas')", limit=800)
    page.keyboard.press("ArrowRight")
    status = page.locator(".graph-status")
    assert status.inner_text().startswith("Selected: ")
    selected = page.evaluate(
        "document.querySelector('.view[data-view=graph]').cy.$(':selected').data()"
    )
    while not selected["href"]:  # a blank node has no page: move on
        page.keyboard.press("ArrowRight")
        selected = page.evaluate(
            "document.querySelector('.view[data-view=graph]').cy.$(':selected').data()"
        )
    page.keyboard.press("Enter")
    page.wait_for_url("**" + selected["href"].split("#")[0])


# --- entity pages ------------------------------------------------------------------------------


def test_polands_page_map_timeline_quotes(views_server, page, tmp_path):
    page.goto(views_server.url + "/id/PL")
    page.wait_for_selector(".view[data-view=map][data-drawn=yes]")
    page.wait_for_selector(".view[data-view=timeline][data-drawn=yes]")
    page.locator(".view[data-view=graph]").scroll_into_view_if_needed()
    page.wait_for_selector(".view[data-view=graph][data-drawn=yes]")
    poland = page.locator("svg.map .hit[data-code='616']")
    assert poland.get_attribute("data-label") == "Poland"
    assert page.locator("svg.map .hit").count() > 1  # and its land neighbours
    bars = page.locator("svg.timeline .bar").evaluate_all("l => l.map(e => e.dataset.label)")
    assert "Integrated State Computerisation Programme" in bars
    shot(page, tmp_path, "entity-map", page.locator("section[aria-labelledby=map-heading]"))
    shot(
        page,
        tmp_path,
        "entity-timeline",
        page.locator("section[aria-labelledby=timeline-heading]"),
    )
    shot(page, tmp_path, "entity-graph", page.locator("section[aria-labelledby=graph-heading]"))
    assert axe(page) == []
    quotes = page.locator("details.quote")
    if not quotes.count():
        pytest.skip("the source documents are not on this machine: no quotes to open")
    # keyboard: Tab to the first quote, Enter opens it in place; it is the source's text
    tab_to(page, "e.tagName === 'SUMMARY'")
    page.keyboard.press("Enter")
    opened = page.locator("details.quote[open]").first
    text = opened.locator("blockquote").inner_text()
    number = re.search(r"source (\d+)", opened.locator("a").first.inner_text()).group(1)
    assert page.locator(f"#source-{number} blockquote").inner_text() == text
    shot(page, tmp_path, "entity-quote", opened)
    assert axe(page) == []


# --- the editor --------------------------------------------------------------------------------


def test_the_editor_highlights_completes_and_marks_errors(views_server, page, tmp_path):
    page.goto(views_server.url + "/editor")
    editor = page.get_by_label("SPARQL query")
    assert editor.get_attribute("contenteditable") == "true"  # CodeMirror, named by the label
    assert page.locator(".cm-content .tok-keyword, .cm-content span").count() > 0
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    page.keyboard.type("SELECT ?c WHERE { ?c a kg:Coun")
    option = page.locator(".cm-tooltip-autocomplete li[aria-selected=true]")
    # the list follows the typing: wait until it has caught up with the last word
    page.wait_for_function(
        "() => { const o = document.querySelector("
        "'.cm-tooltip-autocomplete li[aria-selected=true]');"
        " return o !== null && o.textContent.startsWith('kg:Country'); }"
    )
    assert option.inner_text().startswith("kg:Country")
    page.wait_for_timeout(200)  # CodeMirror ignores Enter for 75 ms after the list changes
    page.keyboard.press("Enter")
    page.keyboard.type(" }")
    assert "?c a kg:Country }" in page.locator(".cm-content").inner_text()
    shot(page, tmp_path, "editor-completion", page.locator("form.editor-form"))
    assert axe(page) == []
    page.keyboard.press("Control+Enter")
    page.wait_for_url("**/editor?query=*")
    assert "kg:Country" in page.url.replace("%3A", ":")
    assert (
        page.locator("#panel-table, table.data").first.is_visible()
        or page.get_by_role("tab", name="Table").is_visible()
    )

    # a syntax error: the server's line and column are marked in the text
    bad = "SELECT * WHERE {\n  ?s ?p ?o .\n  FILTER(?o = ) }"
    page.goto(views_server.url + "/editor?query=" + quote(bad))
    mark = page.locator(".cm-lintRange-error")
    mark.wait_for()
    status, _, body = http_request(views_server.url + "/sparql?query=" + quote(bad))
    line, column = map(int, re.search(rb"line (\d+), column (\d+)", body).groups())
    assert status == 400 and line == 3
    text = bad.split("\n")[line - 1]
    at = min(column - 1, len(text) - 1)  # a position past the end marks the last character
    assert mark.inner_text() == text[at]
    assert page.evaluate("document.querySelector('.code-editor').dataset.errorAt") == str(
        len("\n".join(bad.split("\n")[: line - 1])) + 1 + at
    )
    assert page.locator(".cm-gutter-lint .cm-lint-marker-error").count() == 1
    shot(page, tmp_path, "editor-error", page.locator("form.editor-form"))
    assert axe(page) == []


def test_the_editor_without_script_is_the_plain_form(views_server, browser, blocked):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(views_server.url + "/editor")
        field = page.get_by_label("SPARQL query")
        assert field.evaluate("e => e.tagName") == "TEXTAREA"
        field.fill("SELECT ?c WHERE { ?c a kg:Country } LIMIT 3")
        page.get_by_role("button", name="Run query").click()
        page.wait_for_url("**/editor?query=*")
        assert page.locator("table.data caption").inner_text() == "3 rows"
    finally:
        context.close()


def test_a_later_page_of_a_canned_answer_with_and_without_script(
    views_server, page, browser, blocked
):
    """``?page=2&size=25``: without script, the server's second page and its links; with
    script, the same rows, drawn by the script from all of them (the server's links hidden)."""
    path = "/queries/list-external-identifiers?page=2&size=25"
    context = browser.new_context(java_script_enabled=False)
    try:
        plain = context.new_page()
        plain.goto(views_server.url + path)
        server_rows = plain.locator("table.data tbody tr").all_inner_texts()
        assert len(server_rows) == 25
        pager = plain.get_by_role("navigation", name="Pages of the answer")
        assert "Page 2 of" in pager.inner_text()
        pager.get_by_role("link", name="Next ›").click()
        plain.wait_for_url("**page=3**")
        assert plain.locator("table.data tbody tr").count() > 0
    finally:
        context.close()
    page.goto(views_server.url + path)
    status_line = page.locator(".table-status")
    page.wait_for_function(
        "() => document.querySelector('.table-status').textContent.startsWith('Rows')"
    )
    assert status_line.inner_text().startswith("Rows 26–50 of ")
    assert page.locator("table.data tbody tr").all_inner_texts() == server_rows
    assert page.locator(".server-pager").is_hidden()


# --- what the views draw is what the rows are about (issue 19) -----------------------------


def test_the_neighbours_map_highlights_exactly_the_neighbours(views_server, page, tmp_path):
    rows = csv_rows(views_server, "/queries/list-neighbours-by-country.csv?country=Lithuania")
    neighbours = {r["neighbourLabel"] for r in rows}  # from the answer, not typed here
    asked = {r["country"] for r in rows}
    assert len(neighbours) == 5 and len(asked) == 1
    page.goto(views_server.url + "/queries/list-neighbours-by-country?country=Lithuania")
    assert page.get_by_role("tab", name="Map").get_attribute("aria-selected") == "true"
    page.wait_for_selector(".view[data-view=map][data-drawn=yes]")
    drawn = page.locator("svg.map .hit").evaluate_all("l => l.map(e => e.dataset.label)")
    assert sorted(drawn) == sorted(neighbours)
    # the country asked for is outlined, not coloured as one of its own neighbours
    outlined = page.locator("svg.map .context-place")
    assert outlined.count() == 1
    assert ID + outlined.get_attribute("href").rsplit("/", 1)[1] in asked
    assert page.locator(".view[data-view=map] .not-drawn").count() == 0
    # one swatch per value of the colouring column, and one for the outline
    legend = page.locator(".view[data-view=map] .legend li").all_inner_texts()
    kinds = sorted({r["kind"] for r in rows})
    assert [t for t in legend if t.startswith("kind: ")] == [f"kind: {k}" for k in kinds]
    assert any(t.startswith("outlined:") for t in legend)
    # the map fits the drawn places: its view is a small part of the world
    box = page.evaluate("document.querySelector('svg.map').viewBox.baseVal.width")
    assert box < 500  # of the 1000 units the whole world takes
    page.get_by_role("button", name="Zoom in (map)").click()
    assert page.evaluate("document.querySelector('svg.map').viewBox.baseVal.width") < box
    page.get_by_role("button", name="Fit (map)").click()
    assert page.evaluate("document.querySelector('svg.map').viewBox.baseVal.width") == box
    shot(page, tmp_path, "neighbours-map", page.locator(".result-views"))
    assert axe(page) == []


def test_the_topic_timeline_draws_one_bar_per_strategy(views_server, page, tmp_path):
    rows = csv_rows(views_server, "/queries/list-strategies-by-topic.csv?topic=cybersecurity")
    periods = {r["strategyLabel"]: f"{r['startYear']}–{r['endYear']}" for r in rows}
    assert len(periods) >= 2
    page.goto(views_server.url + "/queries/list-strategies-by-topic?topic=cybersecurity")
    assert page.get_by_role("tab", name="Timeline").get_attribute("aria-selected") == "true"
    page.wait_for_selector(".view[data-view=timeline][data-drawn=yes]")
    bars = page.locator("svg.timeline .bar")
    drawn = bars.evaluate_all("l => l.map(e => [e.dataset.label, e.getAttribute('aria-label')])")
    assert len(drawn) == len(periods)  # one bar per strategy, none merged
    assert {label: name.rsplit(", ", 1)[1] for label, name in drawn} == periods
    shot(page, tmp_path, "topic-timeline", page.locator(".result-views"))
    assert axe(page) == []


def test_serbias_map_draws_its_neighbours_or_lists_them(views_server, page, tmp_path):
    text = (
        "SELECT ?n ?label WHERE { id:RS kg:sharesLandBorderWith ?n . "
        "?n rdfs:label ?label FILTER(LANG(?label) = 'en') }"
    )
    status, _, body = http_request(views_server.url + "/sparql/all?format=csv&query=" + quote(text))
    assert status == 200
    neighbours = {r["label"] for r in csv.DictReader(io.StringIO(body.decode("utf-8")))}
    assert len(neighbours) >= 5
    page.goto(views_server.url + "/id/RS")
    page.wait_for_selector(".view[data-view=map][data-drawn=yes]")
    drawn = set(page.locator("svg.map .hit").evaluate_all("l => l.map(e => e.dataset.label)"))
    note = page.locator(".view[data-view=map] .not-drawn")
    listed = note.inner_text() if note.count() else ""
    for name in neighbours:
        assert name in drawn or name in listed, name
    assert len(drawn & neighbours) >= len(neighbours) - 1
    for name in neighbours - drawn:
        assert re.search(re.escape(name) + r" \(no ISO 3166 code", listed)
    shot(page, tmp_path, "serbia-map", page.locator("section[aria-labelledby=map-heading]"))
    assert axe(page) == []


def test_small_states_get_a_marker_when_their_shape_is_too_small(views_server, page, tmp_path):
    text = (
        "SELECT ?country ?label WHERE { VALUES ?country { id:AD id:LU id:PL } "
        "?country rdfs:label ?label FILTER(LANG(?label) = 'en') }"
    )
    page.goto(views_server.url + "/editor?view=map&query=" + quote(text))
    page.wait_for_selector(".view[data-view=map][data-drawn=yes]")
    radius = (
        "(label) => Number(document.querySelector("
        "`svg.map .hit[data-label='${label}'] circle.marker`).getAttribute('r'))"
    )
    labels = page.locator("svg.map .hit").evaluate_all("l => l.map(e => e.dataset.label)")
    small = [name for name in labels if name != "Poland"]
    assert small and page.evaluate(radius, "Poland") == 0  # a shape big enough to see
    for _ in range(5):
        page.get_by_role("button", name="Zoom out (map)").click()
    for name in small:  # the whole continent in view: the small states become markers
        assert page.evaluate(radius, name) > 0, name
    assert page.evaluate(radius, "Poland") == 0
    shot(page, tmp_path, "small-states-map", page.locator(".result-views"))


FIVE_THOUSAND = (
    "SELECT ?n ?label WHERE { VALUES ?a {0 1 2 3 4} VALUES ?b {0 1 2 3 4 5 6 7 8 9} "
    "VALUES ?c {0 1 2 3 4 5 6 7 8 9} VALUES ?d {0 1 2 3 4 5 6 7 8 9} "
    "BIND(?a * 1000 + ?b * 100 + ?c * 10 + ?d AS ?n) BIND(CONCAT('row ', STR(?n)) AS ?label) }"
)


def test_sort_filter_and_page_a_5000_row_answer(views_server, page, tmp_path):
    rows = csv_rows(views_server, "/sparql?format=csv&query=" + quote(FIVE_THOUSAND))
    assert len(rows) == 5000
    status, _, body = http_request(views_server.url + "/editor?query=" + quote(FIVE_THOUSAND))
    assert status == 200 and len(body) < 500_000  # the first page only, not 5,000 rows
    page.goto(views_server.url + "/editor?query=" + quote(FIVE_THOUSAND))
    table = page.locator("table.data")
    status_line = page.locator(".table-status")
    assert table.locator("tbody tr").count() == 50
    assert status_line.inner_text() == "Rows 1–50 of 5000."

    def column(i: int) -> list[str]:
        return table.locator(f"tbody tr td:nth-child({i})").all_inner_texts()

    numbers = sorted(int(r["n"]) for r in rows)
    header = table.get_by_role("button", name=re.compile("^N"))
    header.click()  # ascending, as numbers: all rows fetched and sorted
    page.wait_for_function("() => document.querySelector('th[aria-sort]') !== null")
    assert [int(v) for v in column(1)] == numbers[:50]
    header.click()
    page.wait_for_function(
        "() => document.querySelector('th[aria-sort]').getAttribute('aria-sort') === 'descending'"
    )
    assert [int(v) for v in column(1)] == numbers[::-1][:50]
    page.get_by_role("button", name="Next page").click()
    assert [int(v) for v in column(1)] == numbers[::-1][50:100]
    assert status_line.inner_text() == "Rows 51–100 of 5000."
    # the filter: every word in some cell of the row
    page.get_by_label("Filter rows").fill("row 42")
    matching = [  # every word in some cell of the row
        r for r in rows if all(any(w in cell for cell in r.values()) for w in ("row", "42"))
    ]
    assert 0 < len(matching) < 5000
    assert status_line.inner_text().startswith(f"Rows 1–50 of {len(matching)} matching")
    assert column(2)[0] == max(matching, key=lambda r: int(r["n"]))["label"]
    shot(page, tmp_path, "table-5000", page.locator("section.results"))
    assert axe(page) == []
    # the view is in the address: reloading it gives the same rows
    page.reload()
    page.wait_for_function("() => document.querySelector('th[aria-sort]') !== null")
    assert page.get_by_label("Filter rows").input_value() == "row 42"
    assert column(2)[0] == max(matching, key=lambda r: int(r["n"]))["label"]


def test_technical_columns_are_folded_but_can_be_shown(views_server, page, tmp_path):
    page.goto(views_server.url + "/queries/list-neighbours-by-country?country=Lithuania&view=table")
    headers = page.locator("table.data thead th")
    visible = [h.inner_text().rstrip(" ↕") for h in headers.all() if h.is_visible()]
    assert "Start" not in visible and "End" not in visible  # character offsets
    assert "Neighbour" in visible and "Kind" in visible
    page.get_by_role("button", name=re.compile("Show 3 more columns")).click()
    shown = [h.inner_text().rstrip(" ↕") for h in headers.all() if h.is_visible()]
    assert "Start" in shown and "End" in shown
    assert axe(page) == []


def test_completion_offers_id_pl_after_id_po(views_server, page, tmp_path):
    page.goto(views_server.url + "/editor")
    editor = page.get_by_label("SPARQL query")
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    page.keyboard.type("DESCRIBE id:Po")
    page.wait_for_selector(".cm-tooltip-autocomplete li")
    options = page.locator(".cm-tooltip-autocomplete li").all_inner_texts()
    assert any(o.startswith("id:PL") and "Poland" in o for o in options), options
    shot(page, tmp_path, "editor-entity-completion", page.locator("form.editor-form"))
    assert axe(page) == []


def test_parameter_fields_suggest_entities_of_their_class(views_server, page):
    page.goto(views_server.url + "/queries/list-neighbours-by-country")
    field = page.get_by_label("country", exact=True)
    suggestions = page.locator("#" + field.get_attribute("list") + " option")
    values = suggestions.evaluate_all("l => l.map(o => o.value)")
    text = "SELECT DISTINCT ?l WHERE { ?c a kg:Country ; rdfs:label ?l FILTER(LANG(?l)='en') }"
    status, _, body = http_request(views_server.url + "/sparql?format=csv&query=" + quote(text))
    assert status == 200
    countries = {r["l"] for r in csv.DictReader(io.StringIO(body.decode("utf-8")))}
    assert set(values) == countries


def test_a_shared_link_restores_view_and_parameters(views_server, page, browser, blocked):
    page.goto(views_server.url + "/queries/list-strategies-in-force-by-year?year=2021")
    assert page.get_by_role("tab", name="Timeline").get_attribute("aria-selected") == "true"
    page.get_by_role("tab", name="Map").click()
    page.wait_for_selector(".view[data-view=map][data-drawn=yes]")
    shared = page.url
    assert "view=map" in shared and "year=2021" in shared
    # "Open it in the editor" keeps the view and the parameter's value
    link = page.locator("a.editor-link").get_attribute("href")
    assert "view=map" in link
    for other in _guarded_page(browser, blocked, 1280):
        other.goto(shared)
        assert other.get_by_role("tab", name="Map").get_attribute("aria-selected") == "true"
        other.wait_for_selector(".view[data-view=map][data-drawn=yes]")
        assert other.get_by_label("year", exact=True).input_value() == "2021"
        other.goto(views_server.url + link)
        assert other.get_by_role("tab", name="Map").get_attribute("aria-selected") == "true"
        # the editor's answer is the canned page's: same rows, and the quotes
        canned = csv_rows(views_server, "/queries/list-strategies-in-force-by-year.csv?year=2021")
        caption = other.locator("table.data caption").inner_text()
        assert caption.startswith(f"{len(canned)} rows")
        if any(r.get("quote") for r in canned):
            assert "Quote" in other.locator("table.data thead").inner_text()


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/queries",
        "/queries/list-neighbours-by-country?country=Lithuania",
        "/queries/list-strategies-by-country?country=Poland",
        "/queries/list-sources-by-resource",
        "/editor",
        "/editor?query=" + quote("DESCRIBE id:PL"),
        "/id/PL",
        "/id/RS",
        "/id/eurodig",
        "/ontology",
    ],
)
def test_390px_pages_have_no_horizontal_overflow(views_server, phone, tmp_path, path):
    phone.goto(views_server.url + path)
    phone.wait_for_load_state("networkidle")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    sizes = phone.evaluate(
        "Array.from(document.querySelectorAll('svg.timeline text')).map(t =>"
        " t.getBoundingClientRect().height)"
    )
    assert all(size >= 10 for size in sizes)  # timeline text stays legible
    name = "phone-" + re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-")[:40]
    shot(phone, tmp_path, name or "phone-home")
    assert axe(phone) == []


# --- the ontology page and the rest: axe on every page ----------------------------------------


def test_the_ontology_page(views_server, page, tmp_path):
    page.goto(views_server.url + "/ontology")
    assert page.locator("svg.model-diagram").is_visible()
    # as drawn by Chromium: no label on a box or on another label, no box on another, and
    # everything inside the drawing (a loop is not cut off)
    problems = page.evaluate(
        """() => { const svg = document.querySelector('svg.model-diagram');
        const box = e => e.getBoundingClientRect();
        const hit = (a, b) => a.left < b.right - 0.5 && b.left < a.right - 0.5
            && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
        const nodes = [...svg.querySelectorAll('rect.node')];
        const labels = [...svg.querySelectorAll('text.edge-label')];
        const found = [];
        nodes.forEach((a, i) => nodes.slice(i + 1).forEach(b => {
            if (hit(box(a), box(b))) found.push('boxes overlap'); }));
        labels.forEach((a, i) => {
            labels.slice(i + 1).forEach(b => {
                if (hit(box(a), box(b))) found.push(a.textContent + ' / ' + b.textContent); });
            nodes.forEach(n => {
                if (hit(box(a), box(n))) found.push(a.textContent + ' on a box'); });
        });
        const all = box(svg);
        svg.querySelectorAll('text, rect, path.edge').forEach(e => { const r = box(e);
            if (r.left < all.left - 1 || r.right > all.right + 1 || r.top < all.top - 1
                || r.bottom > all.bottom + 1) found.push('outside: ' + e.tagName); });
        return found; }"""
    )
    assert problems == []
    assert "country" in page.locator("svg.model-diagram").text_content()  # under its top class
    shot(page, tmp_path, "ontology-diagram", page.locator("figure.diagram"))
    shot(page, tmp_path, "ontology-country", page.locator("#Country"))
    assert page.locator("#Country .constraints li").count() >= 5
    assert axe(page) == []
    tab_to(page, "e.closest && e.closest('svg.model-diagram') !== null", limit=40)
    page.keyboard.press("Enter")
    assert re.search(r"#[A-Z]\w+$", page.url)


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/queries",
        "/queries/list-members-by-organisation",
        "/queries/list-external-identifiers?page=2&size=25",
        "/editor",
        "/id/eurodig",
        "/id/pl-iscp",
        "/sparql",
        "/id/no-such-thing",
    ],
)
def test_no_serious_accessibility_violation(views_server, page, path):
    page.goto(views_server.url + path)
    page.wait_for_load_state("networkidle")
    assert axe(page) == []


def test_no_request_left_the_machine(blocked):
    """Runs last in this module: every page above asked only the loopback server."""
    assert blocked == []
    print(json.dumps({"blocked_requests": len(blocked)}))
