"""kg cite, kg draft, kg review and kg diff through click's CliRunner, and the review page
of ``kg serve --review`` in Chromium (as tests/test_browser.py drives the other pages).

Review tests write into a copy of data/ (``resources.data_dir`` points at it), never into
the checkout's.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_draft import EXTERNAL, SEED, needs_seed

from kg import resources
from kg.cli import main
from kg.draft import model, review
from kg.namespaces import ID, KG, PASSAGE


def run(*args: str, input: str | None = None):
    env = {"KG_EXTERNAL": str(EXTERNAL), "KG_DOCUMENTS": str(SEED.parent)}
    return CliRunner().invoke(main, list(args), input=input, env=env, catch_exceptions=False)


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    shutil.copytree(resources.data_dir(), folder)
    (folder / "finland.trig").unlink()
    monkeypatch.setattr(resources, "data_dir", lambda: folder)
    return folder


# --------------------------------------------------------------------------- cite


@needs_seed
def test_cite_prints_every_span_and_a_skeleton():
    result = run("cite", str(SEED), "Dialogue on Internet Governance (EuroDIG)", "--trig")
    assert result.exit_code == 0, result.output
    spans = [line.split("\t") for line in result.output.splitlines() if "\t" in line]
    assert [s[2] for s in spans] == ["serbia", "poland"]
    assert "kg:inProfile src:profile-poland ;" in result.output
    assert f"kg:startOffset {spans[1][0]} ;" in result.output


@needs_seed
def test_cite_of_a_missing_quote_or_one_across_profiles_is_exit_2():
    result = run("cite", str(SEED), "Helsinki is the capital and the only city")
    assert result.exit_code == 2 and "closest passage is 6199-6338" in result.output
    text = SEED.read_text(encoding="utf-8")
    across = text[6900:6960]  # the end of the Sweden profile and the start of Luxembourg's
    result = run("cite", str(SEED), across)
    assert result.exit_code == 2 and "across the boundary" in result.output
    assert "Traceback" not in result.output


# --------------------------------------------------------------------------- bad input


def test_draft_refuses_bad_documents_and_writes_nothing(tmp_path):
    latin = tmp_path / "latin.txt"
    latin.write_bytes("Portugal\n\nLisboa é a capital.".encode("latin-1"))
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    out = tmp_path / "out.trig"
    for doc, message in (
        (latin, "not UTF-8"),
        (empty, "empty"),
        (tmp_path / "none.txt", "cannot read"),
    ):
        result = run("draft", str(doc), "-o", str(out))
        assert result.exit_code == 2, result.output
        assert message in result.output and "Traceback" not in result.output
        assert not out.exists()


@needs_seed
def test_draft_refuses_a_recorded_document_that_changed(tmp_path):
    changed = tmp_path / SEED.name
    changed.write_text(
        SEED.read_text(encoding="utf-8").replace("Nordic", "Nordic", 1) + "\nMore.",
        encoding="utf-8",
    )
    result = run("draft", str(changed), "-o", str(tmp_path / "d.trig"))
    assert result.exit_code == 2
    assert "changed since it was encoded" in result.output
    assert "no recorded passage moved" in result.output  # text appended: nothing moved
    assert not (tmp_path / "d.trig").exists()


# --------------------------------------------------------------------------- draft and review


@needs_seed
def test_draft_then_review_by_id_writes_validated_facts_and_remembers_rejections(
    data_copy, tmp_path
):
    folder = tmp_path / "review"
    folder.mkdir()
    draft_path = folder / "finland.trig"
    result = run("draft", str(SEED), "--profile", "finland", "-o", str(draft_path))
    assert result.exit_code == 0, result.output
    listed = run("review", str(draft_path), "--list").output.splitlines()
    ids = {
        kind: [line.split("\t")[0] for line in listed if line.split("\t")[2] == kind]
        for kind in ("capital", "direction", "border")
    }
    assert ids["capital"] and ids["direction"] and ids["border"]
    result = run(
        "review",
        str(draft_path),
        "--accept",
        ",".join(ids["capital"]),
        "--reject",
        ids["direction"][0],
    )
    assert result.exit_code == 0, result.output
    assert "+ id:FI kg:capital id:helsinki" in result.output
    assert "kg:capital id:helsinki" in (data_copy / "finland.trig").read_text(encoding="utf-8")
    statuses = {p.id: p.status for p in model.read(draft_path).proposals}
    assert statuses[ids["direction"][0]] == "rejected" and statuses[ids["capital"][0]] == "accepted"
    # a redraft into the same folder does not propose the rejected direction again
    again = folder / "again.trig"
    assert run("draft", str(SEED), "--profile", "finland", "-o", str(again)).exit_code == 0
    assert len(model.read(again).proposals) == len(listed) - 1
    # an edit that does not parse is exit 2; one that breaks the shapes is exit 1, unwritten
    before = (data_copy / "finland.trig").read_bytes()
    result = run("review", str(draft_path), "--edit", f"{ids['border'][0]}=id:FI kg:capital")
    assert result.exit_code == 2 and "not Turtle" in result.output
    result = run(
        "review", str(draft_path), "--edit", f'{ids["border"][0]}=id:FI kg:capital "Helsinki"'
    )
    assert result.exit_code == 1 and "nothing was written" in result.output
    assert (data_copy / "finland.trig").read_bytes() == before


@needs_seed
def test_review_interactively(data_copy, tmp_path):
    draft_path = tmp_path / "finland.trig"
    assert run("draft", str(SEED), "--profile", "finland", "-o", str(draft_path)).exit_code == 0
    count = len(model.read(draft_path).proposals)
    answers = "a\n" + "r\n" + "s\n" * (count - 2)
    result = run("review", str(draft_path), "-i", input=answers)
    assert result.exit_code == 0, result.output
    statuses = [p.status for p in model.read(draft_path).proposals]
    assert statuses[:2] == ["accepted", "rejected"] and set(statuses[2:]) == {"proposed"}
    assert "1 added" not in result.output and " added, 0 removed" in result.output


# --------------------------------------------------------------------------- diff


def test_diff_cli_text_and_json(tmp_path):
    old, new = tmp_path / "old", tmp_path / "new"
    old.mkdir()
    new.mkdir()
    (old / "a.trig").write_text("<urn:g> { <urn:s> <urn:p> <urn:o> . }\n")
    (new / "a.trig").write_text("<urn:g> { <urn:s> <urn:p> <urn:o2> . }\n")
    result = run("diff", str(old), str(new))
    assert result.exit_code == 0
    assert (
        result.output
        == "urn:g\n  ~ urn:s urn:p urn:o -> urn:o2\n0 added, 0 removed, 1 changed in 1 graph(s)\n"
    )
    result = run("diff", str(old), str(new), "--format", "json")
    assert '"changed"' in result.output and "urn:o2" in result.output
    result = run("diff", "no-such-thing", str(new))
    assert result.exit_code == 2 and "neither a folder nor a git revision" in result.output


# --------------------------------------------------------------------------- the page


def test_review_is_served_on_loopback_only(tmp_path):
    from pyoxigraph import Store

    from kg.errors import InputError
    from kg.server import Server

    with pytest.raises(InputError, match="loopback only"):
        Server(Store(), host="0.0.0.0", port=0, review=tmp_path)


@needs_seed
def test_review_page_in_chromium(data_copy, tmp_path):
    from pyoxigraph import Store
    from test_browser import ARGS, CHROMIUM

    from kg.draft.drafting import make_draft
    from kg.server import Server

    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is missing")
    sync_api = pytest.importorskip("playwright.sync_api")
    folder = tmp_path / "review"
    folder.mkdir()
    shutil.copy(SEED, folder / SEED.name)  # the page shows the passages' text
    draft = make_draft(SEED, profile="finland", external=EXTERNAL)
    model.write(draft, folder / "finland.trig")
    capital = [p.id for p in draft.proposals if p.kind == "capital"]
    direction = next(p.id for p in draft.proposals if p.kind == "direction")
    server = Server(Store(), host="127.0.0.1", port=0, workers=2, review=folder).start()
    try:
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(15_000)
            page.goto(server.url + "/review")
            page.get_by_role("link", name="finland.trig").click()
            assert page.locator("h1").inner_text() == "Review finland.trig"
            assert "Sweden" in page.locator("mark.known").all_inner_texts()
            assert "Helsinki" in page.locator("mark.proposed").all_inner_texts()  # new entity
            for pid in capital:
                page.locator(f"#{pid}").get_by_label("accept").check()
            page.locator(f"#{direction}").get_by_label("reject").check()
            page.screenshot(path=str(tmp_path / "review.png"), full_page=True)
            page.get_by_role("button", name="Save decisions and write accepted facts").click()
            page.wait_for_selector("pre.diff")
            assert "+ id:FI kg:capital id:helsinki" in page.locator("pre.diff").inner_text()
            assert page.locator(f"#{direction} .status").inner_text() == "(rejected)"
            browser.close()
    finally:
        server.close()
    assert "kg:capital id:helsinki" in (data_copy / "finland.trig").read_text(encoding="utf-8")
    assert (folder / ".kg-rejections.jsonl").read_text(encoding="utf-8").count("\n") == 1


# --------------------------------------------------------------------------- a second document

DRAFTS = Path(__file__).parent / "data" / "drafts"  # short test documents written for kg


@pytest.fixture
def full_data(tmp_path, monkeypatch):
    """A copy of the whole data/ as the data folder of this process (graph names included)."""
    folder = tmp_path / "data"
    shutil.copytree(resources.data_dir(), folder)
    monkeypatch.setenv("KG_DATA", str(folder))
    return folder


def _ids(listing: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in listing.splitlines():
        if not line.startswith("\t"):
            pid, _status, kind, *_ = line.split("\t")
            found.setdefault(kind, []).append(pid)
    return found


def _graphs_stating(folder, s, p, o):
    from pyoxigraph import NamedNode

    from kg.draft.drafting import load_graph

    store = load_graph([folder])
    return {
        q.graph_name.value
        for q in store.quads_for_pattern(NamedNode(ID + s), NamedNode(KG + p), NamedNode(ID + o))
    }


def test_a_second_document_about_poland_is_drafted_reviewed_accepted_corrected_and_withdrawn(
    full_data, tmp_path
):
    """The curation loop on the command line for a document about a country the graph already
    has a profile of: no id collides, the facts land in data/poland.trig below the hand-written
    part, a fact both documents state cites both, and decisions survive a failed validation."""
    document = DRAFTS / "poland-second.txt"
    hand = (full_data / "poland.trig").read_text(encoding="utf-8")
    draft_path = tmp_path / "review" / "new" / "poland.trig"  # folders that do not exist yet
    result = run("draft", str(document), "--data", str(full_data), "-o", str(draft_path))
    assert result.exit_code == 0, result.output
    assert "1 already in the graph, 0 that would violate a shape" in result.output
    made = model.read(draft_path)
    assert made.label == "Poland" and made.file_name == "poland-second.txt"
    token = made.document_iri.rsplit("-", 1)[-1][:8]
    assert [p.iri.rsplit("/", 1)[-1] for p in made.profiles] == [f"profile-poland-{token}"]
    assert all(p.iri.rsplit("/", 1)[-1].startswith(f"pl-{token}-") for p in made.passages)
    listed = run("review", str(draft_path), "--list").output
    assert "\tcapital\tin-graph\tWarsaw is the capital of Poland" in listed
    ids = _ids(listed)
    assert len(ids["border"]) == 2 and len(ids["direction"]) == 2 and ids["affiliation"]

    # a failed validation writes nothing to data/ but keeps the rejection given with it
    before = (full_data / "poland.trig").read_bytes()
    broken = f"{ids['capital'][1]}=id:PL kg:largestCity id:PL"
    result = run("review", str(draft_path), "--edit", broken, "--reject", ids["border"][1])
    assert result.exit_code == 1, result.output
    assert f"{ids['capital'][1]}: Poland: kg:largestCity" in result.output
    assert "1 rejection(s) kept" in result.output
    assert (full_data / "poland.trig").read_bytes() == before
    statuses = {p.id: p.status for p in model.read(draft_path).proposals}
    assert statuses[ids["border"][1]] == "rejected" and statuses[ids["capital"][1]] == "proposed"

    # accept everything else: validated, written below the hand-written part, cited by both
    result = run("review", str(draft_path), "--accept", "all")
    assert result.exit_code == 0, result.output
    text = (full_data / "poland.trig").read_text(encoding="utf-8")
    assert text.startswith(hand.rstrip("\n")) and review.MARK in text
    length = len(document.read_text(encoding="utf-8"))
    assert f'rdfs:label "Poland"@en ;\n        kg:characterCount {length}' in text
    capital = _graphs_stating(full_data, "PL", "capital", "warsaw")
    assert f"{PASSAGE}pl-{token}-" in " ".join(capital) and len(capital) >= 2
    assert run("validate").exit_code == 0
    assert {p.status for p in model.read(draft_path).proposals} == {"accepted", "rejected"}

    # an accepted fact is corrected (replaced, not appended) and another withdrawn
    snapshot = tmp_path / "snapshot"
    shutil.copytree(full_data, snapshot)
    south = next(
        p
        for p in model.read(draft_path).proposals
        if p.id in ids["direction"]
        and any(t.object.value.endswith("direction-south") for t in p.triples)
    )
    corrected = " ".join(
        str(t).replace("direction-south>", "direction-southwest>") + " ." for t in south.triples
    )
    affiliation = ids["affiliation"][0]
    result = run(
        "review", str(draft_path), "--edit", f"{south.id}={corrected}", "--withdraw", affiliation
    )
    assert result.exit_code == 0, result.output
    result = run("diff", str(snapshot), str(full_data))
    assert "direction-south -> " in result.output and "direction-southwest" in result.output
    assert "- id:aff-PL-european-union kg:affiliatedWith id:european-union" in result.output
    assert run("validate").exit_code == 0
    statuses = {p.id: p.status for p in model.read(draft_path).proposals}
    assert statuses[south.id] == "edited" and statuses[affiliation] == "withdrawn"

    # a redraft keeps the ids, does not propose the rejection again, and marks what is in
    again = tmp_path / "review" / "new" / "again.trig"
    assert run("draft", str(document), "-o", str(again)).exit_code == 0
    redrafted = model.read(again)
    assert {p.id for p in redrafted.proposals} == set(statuses) - {ids["border"][1]}
    known = {p.id for p in redrafted.proposals if p.in_graph}
    assert ids["border"][0] in known and affiliation not in known


def test_a_document_over_the_size_limit_is_refused_and_a_long_draft_warns(
    full_data, tmp_path, monkeypatch
):
    from kg.draft import document, drafting

    big = tmp_path / "big.txt"
    big.write_bytes(b"Poland borders Germany. " * (document.MAX_BYTES // 24 + 1))
    out = tmp_path / "big.trig"
    result = run("draft", str(big), "-o", str(out))
    assert result.exit_code == 2
    assert f"more than the {document.MAX_BYTES} bytes" in result.output
    assert "Traceback" not in result.output and not out.exists()
    monkeypatch.setattr(drafting, "MAX_PROPOSALS", 3)
    result = run("draft", str(DRAFTS / "poland-second.txt"), "-o", str(out))
    drafted = len(model.read(out).proposals)
    assert drafted > 3
    assert result.exit_code == 0 and f"warning: {drafted} proposals, more than 3" in result.output
