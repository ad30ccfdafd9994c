"""The pages in a real browser: Debian's chromium driven by Playwright (its own browser
download does not work on these machines). A person opens the home page, runs the EuroDIG
canned query from its form, sees Poland and Serbia, opens Poland's page, follows a link to a
forum's page and downloads the results as CSV; and uses the query editor from the keyboard.
Screenshots are saved in the test's temporary folder.

``scripts/test`` installs chromium (as root) and the playwright package (the ``test`` extra).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def block_off_machine(context, blocked: list[str]) -> None:
    """Let the browser context reach this machine only (loopback, ``data:`` and ``blob:``
    URLs): every other request is aborted and its URL appended to ``blocked``, for the test to
    assert that a page asked for nothing outside."""
    from urllib.parse import urlsplit

    def guard(route):
        host = urlsplit(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:")) or host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", guard)


pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="/usr/bin/chromium is missing: install Debian's chromium (scripts/test does, as root)",
)


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="the playwright package is missing (pip install '.[test]')"
    )
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser, tmp_path):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    yield opened
    context.close()


def shot(page, tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000
    return path


def test_from_the_home_page_to_a_forum_and_a_csv(repo_server, page, tmp_path):
    page.goto(repo_server.url + "/")
    assert page.locator("h1").inner_text().startswith("kg: a knowledge graph")
    assert page.get_by_role("link", name="kg.ttl").is_visible()
    shot(page, tmp_path, "1-home")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Queries").click()
    page.get_by_role(
        "link", name="Countries that take part in a forum, dialogue or process"
    ).click()
    field = page.get_by_label("forum")
    field.fill("EuroDIG")
    page.get_by_role("button", name="Run query").click()
    page.wait_for_url("**/queries/list-participants-by-forum?forum=EuroDIG")
    page.get_by_role("tab", name="Table").click()  # the map is chosen first (test_views.py)
    table = page.locator("table.data")
    countries = table.locator("tbody tr td:nth-child(2) a").all_inner_texts()
    assert countries == ["Poland", "Serbia"]
    shot(page, tmp_path, "2-eurodig")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV").click()
    download = download_info.value
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.name == "list-participants-by-forum.csv"
    rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8"))))
    assert [r["countryLabel"] for r in rows] == ["Poland", "Serbia"]

    table.get_by_role("link", name="Poland").click()
    page.wait_for_url("**/id/PL")
    assert page.locator("h1").inner_text() == "Poland"
    assert page.get_by_role("heading", name="Identifiers elsewhere").is_visible()
    shot(page, tmp_path, "3-poland")

    page.get_by_role("link", name="EuroDIG", exact=True).first.click()
    page.wait_for_url("**/id/eurodig")
    assert page.locator("h1").inner_text() == "EuroDIG"
    assert page.get_by_role("heading", name="Sources").is_visible()
    shot(page, tmp_path, "4-eurodig")
    assert sorted(p.name for p in tmp_path.glob("*.png")) == [
        "1-home.png",
        "2-eurodig.png",
        "3-poland.png",
        "4-eurodig.png",
    ]


def test_the_editor_from_the_keyboard(repo_server, page, tmp_path):
    page.goto(repo_server.url + "/editor")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    assert skip.evaluate("element => element === document.activeElement")
    assert skip.is_visible()  # visible once focused
    editor = page.get_by_label("SPARQL query")
    editor.fill("SELECT ?c ?l WHERE { ?c a kg:Country ; rdfs:label ?l } ORDER BY ?l LIMIT 2")
    editor.press("Control+Enter")
    page.wait_for_url("**/editor?query=*")
    assert page.locator("table.data caption").inner_text() == "2 rows"
    shot(page, tmp_path, "editor")
    editor = page.get_by_label("SPARQL query")
    editor.fill("SELECT * WHERE { ?s ?p ")
    editor.press("Control+Enter")
    alert = page.get_by_role("alert")
    assert "Malformed query" in alert.inner_text()
    assert "line 1, column" in alert.inner_text()
