"""The curation loop in Chromium: a document the graph has never seen, drafted, reviewed on
the page of ``kg serve --review``, accepted, and served without a restart; then every profile
of the drafting development set (shared/drafting, read at test time) accepted in full.

Everything is written into a copy of data/ that is this process's data folder (``KG_DATA``),
never into the checkout's; the browser may reach the loopback server only.
"""

from __future__ import annotations

import json
import shutil
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from conftest import SHARED
from test_browser import ARGS, CHROMIUM, block_off_machine
from test_draft_cli import DRAFTS, run

from kg.draft import model
from kg.load import open_dataset
from kg.namespaces import KG
from kg.server import Server

DEVELOPMENT = SHARED / "drafting"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="/usr/bin/chromium is missing: install Debian's chromium (scripts/test does, as root)",
)


@pytest.fixture
def data(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    shutil.copytree(Path(__file__).resolve().parent.parent / "data", folder)
    monkeypatch.setenv("KG_DATA", str(folder))
    return folder


@pytest.fixture
def served(data, tmp_path):
    folder = tmp_path / "review"
    folder.mkdir()
    server = Server(
        open_dataset([data]).store,
        host="127.0.0.1",
        port=0,
        workers=2,
        review=folder,
        paths=[data],
    ).start()
    try:
        yield server, folder
    finally:
        server.close()


@pytest.fixture
def page(tmp_path):
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="the playwright package is missing (pip install '.[test]')"
    )
    blocked: list[str] = []

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        block_off_machine(context, blocked)
        opened = context.new_page()
        opened.set_default_timeout(30_000)
        yield opened
        browser.close()
    assert not blocked, blocked


def ask(server, query: str) -> bool:
    url = server.url + "/sparql?" + urllib.parse.urlencode({"query": query})
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.load(answer)["boolean"]


def draft_into(folder: Path, document: Path) -> model.Draft:
    shutil.copy(document, folder / document.name)  # the page shows the passages' text
    target = folder / f"{document.stem}.trig"
    result = run("draft", str(document), "-o", str(target))
    assert result.exit_code == 0, result.output
    return model.read(target)


def save(page) -> None:
    page.get_by_role("button", name="Save decisions and write accepted facts").click()
    page.wait_for_load_state()


def test_a_new_document_from_draft_to_served_and_valid_facts(served, page, data, tmp_path):
    server, folder = served
    made = draft_into(folder, DRAFTS / "latvia-note.txt")
    record = f"ASK {{ <{made.document_iri}> a <{KG}SourceDocument> }}"
    assert not ask(server, record)
    by_kind = {p.kind: p for p in made.proposals}
    capital, border, direction = by_kind["capital"], by_kind["border"], by_kind["direction"]

    page.goto(server.url + "/review")
    page.get_by_role("link", name="latvia-note.trig").click()
    assert page.locator("h1").inner_text() == "Review latvia-note.trig"
    assert page.locator(f"#{capital.id} .in-graph").inner_text() == "already in the graph"
    assert "Estonia" in page.locator("mark.known").all_inner_texts()

    # a choice that breaks the shapes: nothing written, every choice and edit kept
    bad = 'id:LV kg:capital "Riga" .'
    page.locator(f"#edit-{border.id}").fill(bad)
    page.locator(f"#{border.id}").get_by_label("accept", exact=True).check()
    page.locator(f"#{direction.id}").get_by_label("reject", exact=True).check()
    save(page)
    assert "do not conform" in page.get_by_role("alert").inner_text()
    assert page.locator(f"#edit-{border.id}").input_value() == bad
    assert page.locator(f"#{border.id}").get_by_label("accept", exact=True).is_checked()
    assert page.locator(f"#{direction.id}").get_by_label("reject", exact=True).is_checked()
    assert "kg:capital" in page.locator(f"#{border.id} .violations").inner_text()
    assert not (data / "latvia.trig").exists()

    # put the proposal back and accept everything but the rejection
    page.goto(server.url + "/review/latvia-note.trig")
    assert page.locator(f"#{direction.id} .status").inner_text() == "(rejected)"
    for p in made.proposals:
        if p.id != direction.id:
            page.locator(f"#{p.id}").get_by_label("accept", exact=True).check()
    page.screenshot(path=str(tmp_path / "review.png"), full_page=True)
    shutil.copy(tmp_path / "review.png", "/tmp/kg-loop-review.png")
    save(page)
    diff = page.locator("pre.diff").inner_text()
    document = made.document_iri.rsplit("/", 1)[-1]
    assert f'+ src:{document} rdfs:label "Latvia"@en' in diff  # the record, made by kg
    assert page.locator(f"#{direction.id} .status").inner_text() == "(rejected)"
    statuses = {p.id: p.status for p in model.read(folder / "latvia-note.trig").proposals}
    assert statuses.pop(direction.id) == "rejected" and set(statuses.values()) == {"accepted"}
    assert ask(server, record)  # the running server serves the new facts
    assert run("validate").exit_code == 0
    text = (data / "latvia.trig").read_text(encoding="utf-8")
    assert 'kg:fileName "latvia-note.txt"' in text and 'rdfs:label "Latvia"@en' in text


@pytest.mark.skipif(not DEVELOPMENT.is_dir(), reason="shared/drafting is not on this machine")
def test_every_development_profile_is_accepted_in_full_through_the_page(served, page):
    """Each profile's proposals all accepted on the page with no hand edit: the page flags
    none of them with a violation, every one is written, and the data conforms after every
    profile."""
    server, folder = served
    accepted = 0
    for document in sorted(DEVELOPMENT.glob("*.txt")):
        made = draft_into(folder, document)
        page.goto(f"{server.url}/review/{document.stem}.trig")
        shown = page.locator("fieldset.proposal")
        assert shown.count() == len(made.proposals), document.name
        flagged = page.locator("fieldset.proposal.violates")
        assert flagged.count() == 0, (document.name, flagged.all_inner_texts())
        for p in made.proposals:
            page.locator(f"#{p.id}").get_by_label("accept", exact=True).check()
        save(page)
        assert page.locator("pre.diff").inner_text().strip(), document.name
        assert not page.get_by_role("alert").count(), page.get_by_role("alert").inner_text()
        statuses = {p.id: p.status for p in model.read(folder / f"{document.stem}.trig").proposals}
        assert set(statuses.values()) == {"accepted"}, document.name
        assert len(statuses) == len(made.proposals), document.name
        accepted += len(made.proposals)
        assert run("validate").exit_code == 0, document.name
    assert accepted > 0
    print(f"accepted {accepted} proposals of {len(list(DEVELOPMENT.glob('*.txt')))} profiles")
