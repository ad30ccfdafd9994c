"""The HTML pages of ``kg serve``: what they show (checked against the library's own answers),
accessible markup, and escaping — hostile labels, IRIs, literals, parameters, query texts and
paths never become markup or script."""

from __future__ import annotations

import io
import itertools
import json
import re
from html.parser import HTMLParser
from urllib.parse import quote, urlencode

import pytest
from conftest import http_request
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, parse

from kg.export import writers as export
from kg.load import open_dataset
from kg.namespaces import ID, KG, PREFIXES
from kg.sparql import catalogue, results

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


class Page(HTMLParser):
    """The parts of a page the tests look at."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.headings: list[tuple[int, str]] = []
        self._heading: list[str] | None = None
        self._scripts: list[str] = []
        self._in_script = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if re.fullmatch(r"h[1-6]", tag):
            self._heading = [tag]
        if tag == "script":
            self._in_script = True

    def handle_endtag(self, tag):
        if self._heading is not None and tag == self._heading[0]:
            self.headings.append((int(tag[1]), "".join(self._heading[1:]).strip()))
            self._heading = None
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        self.text.append(data)
        if self._heading is not None:
            self._heading.append(data)
        if self._in_script and data.strip():
            self._scripts.append(data)

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if t == tag]

    @property
    def plain(self) -> str:
        return " ".join(" ".join(self.text).split())


def get_page(server, path: str, status: int = 200) -> tuple[Page, str]:
    code, headers, body = http_request(server.url + path, headers=BROWSER)
    assert code == status, body[:500]
    assert headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in headers["content-security-policy"]
    html = body.decode("utf-8")
    return Page(html), html


def assert_accessible(page: Page, html: str) -> None:
    """Landmarks, one h1 and no skipped heading level, a label for every field, header cells
    with scope, a skip link, the language, nothing keyboard users cannot reach."""
    assert re.search(r'<html lang="en">', html)
    assert len(page.all("main")) == 1 and page.all("main")[0].get("id") == "main"
    assert any(a.get("aria-label") for a in page.all("nav"))
    assert any(a.get("href") == "#main" for a in page.all("a"))
    levels = [level for level, _ in page.headings]
    assert levels.count(1) == 1 and levels[0] == 1
    for before, after in itertools.pairwise(levels):
        assert after <= before + 1, page.headings
    ids = {a.get("id") for _, a in page.tags if a.get("id")}
    labelled = {a.get("for") for a in page.all("label")}
    for tag in ("input", "textarea", "select"):
        for field in page.all(tag):
            if field.get("type") in ("hidden", "submit"):
                continue
            assert field.get("id") in labelled or field.get("aria-label"), field
    assert len(ids) == len([a for _, a in page.tags if a.get("id")])  # ids are unique
    for th in page.all("th"):
        assert th.get("scope") in ("col", "row")
    for _, attrs in page.tags:
        assert int(attrs.get("tabindex") or 0) <= 0  # no custom tab order
        assert not any(name.startswith("on") for name in attrs)  # no inline handlers


def assert_no_injection(page: Page) -> None:
    for _, attrs in page.tags:
        assert not any(name.startswith("on") for name in attrs), attrs
        for name in ("href", "src", "action", "formaction"):
            value = (attrs.get(name) or "").strip().lower()
            assert not value.startswith(("javascript:", "data:", "vbscript:")), attrs
    # Scripts come from /static/ only; the one kind of inline <script> is a JSON data block
    # (views, editor vocabulary), which browsers never run — and whose text is JSON that
    # cannot close its element (tojson escapes <, > and &).
    for attrs in page.all("script"):
        if attrs.get("type") == "application/json":
            assert set(attrs) == {"type", "id"}, attrs
        else:
            assert attrs == {"src": attrs["src"], "defer": None}, attrs
            assert re.fullmatch(r"/static/(vendor/)?[a-z0-9.-]+\.js", attrs["src"]), attrs
    assert {"src": "/static/app.js", "defer": None} in page.all("script")
    for text in page._scripts:
        json.loads(text)
        assert "<" not in text and ">" not in text


# --- what the pages show ---------------------------------------------------------------------


def test_home_page(repo_server):
    page, html = get_page(repo_server, "/")
    assert_accessible(page, html)
    store = open_dataset().store
    countries = len(
        {
            q.subject
            for q in store.quads_for_pattern(
                None, NamedNode(PREFIXES["rdf"] + "type"), NamedNode(KG + "Country")
            )
        }
    )
    row = re.search(
        r'href="/ontology#Country"[^>]*>country</a>.*?aria-label="list the (\d+) instances',
        html,
        re.S,
    )
    assert row and int(row.group(1)) == countries
    for spec in export.FORMATS.values():
        assert f'href="/downloads/kg{spec.extension}"' in html
    assert "GeoNames country info" in page.plain
    assert 'href="https://creativecommons.org/licenses/by/4.0/"' in html
    assert "Country profiles on digital policy and geography" in page.plain


@pytest.mark.parametrize("name", sorted(export.FORMATS))
def test_each_download_is_the_export(repo_server, name):
    spec = export.FORMATS[name]
    status, headers, body = http_request(f"{repo_server.url}/downloads/kg{spec.extension}")
    assert status == 200
    assert headers["content-type"] == spec.media_type
    assert f'filename="kg{spec.extension}"' in headers["content-disposition"]
    expected = io.BytesIO()
    export.serialize_store(open_dataset().store, expected, name)
    assert body == expected.getvalue()


def test_every_canned_query_has_a_page_with_a_form(repo_server):
    for query in catalogue.load_catalogue().values():
        page, html = get_page(repo_server, f"/queries/{query.name}")
        assert_accessible(page, html)
        assert [a.get("name") for a in page.all("input")] == [p.name for p in query.params]
        assert query.summary in page.plain
        assert "Results" in [h for _, h in page.headings]


def test_the_catalogue(repo_server):
    page, html = get_page(repo_server, "/queries")
    assert_accessible(page, html)
    for query in catalogue.load_catalogue().values():
        assert f'href="/queries/{query.name}"' in html
    status, headers, body = http_request(repo_server.url + "/queries?format=json")
    assert status == 200 and headers["content-type"] == "application/json"
    assert json.loads(body) == catalogue.list_queries()


def test_a_canned_query_runs_from_its_form(repo_server):
    page, html = get_page(repo_server, "/queries/list-participants-by-forum?forum=EuroDIG")
    cells = [a for t, a in page.tags if t == "td"]
    assert cells
    assert 'href="/id/PL"' in html and 'href="/id/RS"' in html
    assert "2 rows" in page.plain
    downloads = {a.get("href") for a in page.all("a") if "download" in a}
    assert "/queries/list-participants-by-forum.csv?forum=EuroDIG" in downloads
    status, headers, body = http_request(
        repo_server.url + "/queries/list-participants-by-forum.csv?forum=EuroDIG"
    )
    assert status == 200 and headers["content-type"].startswith("text/csv")
    store = open_dataset().store
    expected = results.serialize(
        catalogue.run_canned(store, "list-participants-by-forum", {"forum": "EuroDIG"}), "csv"
    )
    assert body == expected


def test_a_result_page_renders_its_first_rows_and_gives_all_as_json(repo_server):
    """The page's table is the first PAGE_ROWS rows; static/table.js fetches every row, as
    cells, from the address the table names (data-rows), for canned pages and the editor."""
    import json
    from urllib.parse import quote

    from kg.server.views import PAGE_ROWS

    text = "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
    status, _, csv_body = http_request(repo_server.url + "/sparql?format=csv&query=" + quote(text))
    assert status == 200
    expected = csv_body.decode("utf-8").splitlines()[1:]
    assert len(expected) > PAGE_ROWS  # more rows than a page shows
    page, _ = get_page(repo_server, "/editor?query=" + quote(text))
    rows = [a for t, a in page.tags if t == "tr"]
    assert len(rows) == PAGE_ROWS + 1  # the header row and the first page
    box = next(a for t, a in page.tags if t == "div" and "data-total" in a)
    assert box["data-total"] == str(len(expected))
    status, headers, body = http_request(repo_server.url + box["data-rows"])
    assert status == 200 and headers["content-type"].startswith("application/json")
    data = json.loads(body)
    assert data["columns"] == ["g"] and data["count"] == len(expected)
    assert [row[0][4] for row in data["rows"]] == expected  # every row, in order

    name, params = "list-participants-by-forum", "forum=EuroDIG"
    page, _ = get_page(repo_server, f"/queries/{name}?{params}")
    box = next(a for t, a in page.tags if t == "div" and "data-total" in a)
    assert "data-rows" not in box  # all its rows are on the page
    status, headers, body = http_request(repo_server.url + f"/queries/{name}.cells?{params}")
    assert status == 200 and headers["content-type"].startswith("application/json")
    assert json.loads(body)["count"] == int(box["data-total"])


def test_a_bad_parameter_is_explained_on_the_form(repo_server):
    page, html = get_page(
        repo_server, "/queries/list-participants-by-forum?forum=EuroDIGG", status=400
    )
    assert_accessible(page, html)
    assert "no kg:Initiative is labelled 'EuroDIGG'" in page.plain
    assert "EuroDIG (id:eurodig)" in page.plain  # the close candidates
    assert page.all("input")[0]["value"] == "EuroDIGG"
    status, _, _ = http_request(repo_server.url + "/queries/no-such-query.csv")
    assert status == 404
    status, _, _ = http_request(repo_server.url + "/queries/list-participants-by-forum.pdf")
    assert status == 404


def test_the_editor(repo_server):
    page, html = get_page(repo_server, "/editor")
    assert_accessible(page, html)
    assert page.all("textarea")[0]["name"] == "query"
    query = "SELECT ?c ?l WHERE { ?c a kg:Country ; rdfs:label ?l } ORDER BY ?l LIMIT 3"
    page, html = get_page(repo_server, "/editor?" + urlencode({"query": query}))
    assert_accessible(page, html)
    assert "3 rows" in page.plain
    csv_link = next(
        a["href"]
        for a in page.all("a")
        if a.get("href", "").startswith("/sparql?") and "format=csv" in a["href"]
    )
    status, headers, body = http_request(repo_server.url + csv_link)
    assert status == 200 and headers["content-type"].startswith("text/csv")
    assert len(body.splitlines()) == 4
    page, html = get_page(repo_server, "/editor?" + urlencode({"query": "SELECT * {"}), status=400)
    assert "Malformed query" in page.plain and "At line 1, column" in page.plain
    page, html = get_page(
        repo_server, "/editor?" + urlencode({"query": "ASK { id:PL a kg:Country }"})
    )
    assert "The answer is yes" in page.plain


def test_entity_page(repo_server):
    page, html = get_page(repo_server, "/id/PL")
    assert_accessible(page, html)
    headings = [h for _, h in page.headings]
    for section in ("Identifiers elsewhere", "Statements", "Referenced by", "Sources"):
        assert section in headings
    assert 'href="http://www.wikidata.org/entity/Q36"' in html
    assert 'href="/id/eurodig"' in html and 'href="/id/igf"' in html  # through participations
    assert "Passage" in page.plain and "characters 9319–9491" in page.plain
    assert "External source" in page.plain and "GeoNames country info" in page.plain
    assert "Inferred" in page.plain


def test_the_ontology_page_has_an_anchor_per_term(repo_server):
    page, html = get_page(repo_server, "/ontology")
    assert_accessible(page, html)
    ids = {a.get("id") for _, a in page.tags}
    assert {"Country", "Passage", "sharesBorderWith"} <= ids


def test_static_files(repo_server):
    status, headers, body = http_request(repo_server.url + "/static/style.css")
    assert status == 200 and headers["content-type"].startswith("text/css") and b"--accent" in body
    for path in ("/static/../../pyproject.toml", "/static/%2e%2e/app.py", "/static/nothing.css"):
        assert http_request(repo_server.url + path)[0] == 404


def test_pages_refuse_other_methods(repo_server):
    status, headers, _ = http_request(
        repo_server.url + "/id/PL", "POST", b"x", {"Content-Type": "text/plain"}
    )
    assert status == 405 and headers["allow"].startswith("GET")


# --- escaping --------------------------------------------------------------------------------

EVIL = ID + "evil"
EVIL_CLASS = KG + "Evil"


@pytest.fixture(scope="module")
def hostile_server():
    from kg.server import Server

    store = open_dataset().store
    rdfs = PREFIXES["rdfs"]
    graph = NamedNode("https://w3id.org/digital-policy-kg/passage/evil")
    store.extend(
        [
            Quad(
                NamedNode(EVIL),
                NamedNode(rdfs + "label"),
                Literal("<script>alert('label')</script>", language="en"),
                graph,
            ),
            Quad(
                NamedNode(EVIL), NamedNode(PREFIXES["rdf"] + "type"), NamedNode(EVIL_CLASS), graph
            ),
            Quad(
                NamedNode(EVIL_CLASS),
                NamedNode(rdfs + "label"),
                Literal("<img src=x onerror=alert('class')>"),
                graph,
            ),
            Quad(
                NamedNode(EVIL),
                NamedNode(KG + "website"),
                NamedNode("javascript:alert('iri')"),
                graph,
            ),
            Quad(
                NamedNode(EVIL),
                NamedNode(rdfs + "comment"),
                Literal('"><svg onload=alert("literal")>'),
                graph,
            ),
            Quad(
                NamedNode("https://example.org/a'onmouseover='alert(1)"),
                NamedNode(KG + "about"),
                NamedNode(EVIL),
                graph,
            ),
            Quad(
                graph,
                NamedNode(rdfs + "label"),
                Literal("</blockquote><script>alert('graph')</script>"),
                graph,
            ),
        ]
    )
    server = Server(store, port=0, workers=2).start()
    yield server
    server.close()


@pytest.mark.parametrize(
    "path,status,shown",
    [
        ("/id/evil", 200, "<script>alert('label')</script>"),
        ("/", 200, "<img src=x onerror=alert('class')>"),
        ("/passage/evil", 200, "</blockquote><script>alert('graph')</script>"),
        (
            "/editor?" + urlencode({"query": f"SELECT ?l WHERE {{ <{EVIL}> ?p ?l }}"}),
            200,
            '"><svg onload=alert("literal")>',
        ),
        (
            "/editor?" + urlencode({"query": "</textarea><script>alert('query')</script> {"}),
            400,
            "</textarea><script>alert('query')</script>",
        ),
        (
            "/queries/list-participants-by-forum?"
            + urlencode({"forum": "\"><script>alert('param')</script>"}),
            400,
            "<script>alert(\\'param\\')</script>",  # quoted in the message as Python does
        ),
        ("/id/%3Cscript%3Ealert('path')%3C%2Fscript%3E", 404, None),
        ("/queries/%3Cscript%3E", 404, None),
    ],
)
def test_hostile_values_are_shown_as_text(hostile_server, path, status, shown):
    page, html = get_page(hostile_server, path, status)
    assert_no_injection(page)
    if shown is not None:
        assert shown in page.plain  # shown, as text
        assert shown not in html  # never as markup


def test_a_javascript_iri_is_never_a_link(hostile_server):
    page, html = get_page(hostile_server, "/id/evil")
    assert "javascript:alert(&#39;iri&#39;)" in html  # shown as text
    assert not any((a.get("href") or "").lower().startswith("javascript") for a in page.all("a"))


def test_a_forged_host_header_is_not_echoed(hostile_server):
    status, _, body = http_request(
        hostile_server.url + "/", headers={**BROWSER, "Host": '"><script>alert(1)</script>'}
    )
    assert status == 200
    assert b"<script>alert(1)" not in body and b"http://localhost/sparql" in body


def test_a_hostile_query_in_a_url_stays_text_in_the_turtle(hostile_server):
    status, _, body = http_request(
        hostile_server.url + "/id/evil", headers={"Accept": "text/turtle"}
    )
    assert status == 200
    triples = {str(t) for t in parse(body, RdfFormat.TURTLE)}
    assert f"<{EVIL}> <{KG}website> <javascript:alert('iri')>" in triples


def test_quoting_of_paths_in_links():
    from kg.server.views import href_for, iris_for_path, local_path

    assert local_path(ID + "PL") == "/id/PL"
    assert local_path(KG + "Country") == "/ontology#Country"
    assert local_path(ID + "a b") == "/id/a%20b"
    assert ID + "a b" in iris_for_path("/id/a%20b")
    assert href_for("javascript:alert(1)") is None
    assert href_for("HTTPS://example.org/") == "HTTPS://example.org/"
    assert quote("é") in local_path(ID + "é")
