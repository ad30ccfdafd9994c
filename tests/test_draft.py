"""kg.draft: cite, draft, review, diff and the bad inputs, through the library.

The seed document is read from ``shared/seeds`` (tests that need it skip without it); an
unseen profile is written by the test itself, in phrasing the seed does not use, to check that
the rules are not fitted to the seed's sentences. Nothing is ever written into the checkout's
``data/``: review tests work on a copy.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys

import pytest
from conftest import EXTERNAL as SHARED_EXTERNAL
from conftest import REPO, SEEDS, SHARED

from kg import resources
from kg.draft import cite, diff, document, keys, model, numbers, review
from kg.draft.drafting import build_gazetteer, load_graph, make_draft
from kg.errors import InputError
from kg.namespaces import ID, KG, VOC

# KG_DOCUMENTS / KG_EXTERNAL win, as for kg itself (a worktree has no shared/ beside it)
SEED = resources.documents_dir() or SEEDS
SEED = (SEED if SEED.is_dir() else SEEDS) / "000_800b895d3721961f.txt"
EXTERNAL = resources.external_dir() or SHARED_EXTERNAL
needs_seed = pytest.mark.skipif(not SEED.is_file(), reason="source document not available")

UNSEEN = (
    "Estonia is a country in Northern Europe. It borders Latvia to the south and Russia to the "
    "east, with the Gulf of Riga to the southwest.\n\n"
    "The capital and largest city is Tallinn. Estonia has a population of 1.3 million, with a "
    "population density of about 31 inhabitants per square kilometre.\n\n"
    "Estonia is a member of the European Union. In March 2019, Estonia adopted the Digital "
    "Agenda Strategy 2020-2030, managed by the Ministry of Economic Affairs. The strategy aims to "
    "improve digital public services and strengthen cyber resilience.\n"
)


# A second unseen profile, in other words again: passive and listed neighbours with
# parenthesised and hyphenated directions, spaced and comma thousands, an accession that is a
# membership, an acronym in parentheses the graph already knows by its short name.
REWORDED = (
    "Latvia\n\n"
    "Its neighbours are Estonia (north), Russia (east) and Lithuania (south), and Belarus lies "
    "to its south-east. The country covers 64 589 km², and 1 330 000 people live there.\n\n"
    "Riga serves as the capital and is also the biggest city.\n\n"
    "Latvia acceded to NATO on 29 March 2004 and has belonged to the European Union since "
    "1 May 2004.\n\n"
    "The State Data Inspectorate (DVI) supervises personal data protection. Delegates attend "
    "the European Dialogue on Internet Governance (EuroDIG).\n"
)
DEVSET = SHARED / "drafting"
needs_devset = pytest.mark.skipif(
    not (DEVSET / "README.md").is_file(), reason="development set (shared/drafting) not available"
)


def _triples(draft, kind):
    return {
        (t.subject.value, t.predicate.value, t.object.value)
        for p in draft.proposals
        if p.kind == kind
        for t in p.triples
    }


# --------------------------------------------------------------------------- documents


def test_a_document_that_is_not_utf8_is_refused_with_its_position(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("Lisbon is the capital.\nSão Tomé".encode("latin-1"))
    with pytest.raises(InputError, match=r"latin1.txt:2:2: not UTF-8 text \(byte 24: 0xe3\)"):
        document.read_document(path)


def test_an_empty_document_is_refused(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_text(" \n\n ", encoding="utf-8")
    with pytest.raises(InputError, match="empty"):
        document.read_document(path)


@needs_seed
def test_a_recorded_document_with_another_hash_lists_the_passages_that_moved(tmp_path):
    text = SEED.read_text(encoding="utf-8")
    changed = tmp_path / SEED.name
    changed.write_text("Preface.\n\n" + text, encoding="utf-8")  # everything moves by 10
    with pytest.raises(document.DocumentChanged) as error:
        make_draft(changed, old_text=lambda name: text)
    message = str(error.value)
    assert hashlib.sha256(SEED.read_bytes()).hexdigest() in message
    assert "nothing was written" in message
    assert "fi-capital 6199-6338: moved by +10 to 6209-6348" in message
    assert not any(tmp_path.glob("*.trig"))


# --------------------------------------------------------------------------- cite


@needs_seed
def test_cite_tolerates_line_breaks_typographic_quotes_and_dashes():
    doc = document.read_document(SEED)
    text = doc.text
    start = text.index("Lithuania’s capital")
    end = text.index(";", start)
    typed = text[start:end].replace("’", "'").replace(" ", "\n  ", 2)
    [match] = cite.cite(doc, typed, [])
    assert (match.start, match.end) == (start, end)
    dash = text.index("2019-2023")
    [match] = cite.cite(doc, "2019\u20132023", [])
    assert match.start == dash


@needs_seed
def test_cite_lists_every_match_of_an_ambiguous_quote():
    doc = document.read_document(SEED)
    quote = "are active participants in various internet governance forums"
    matches = cite.cite(doc, quote, [])
    assert len(matches) == 2  # the Serbia and the Poland profile say it alike
    assert matches[0].start < 5105 < 8577 < matches[1].start
    assert all(doc.text[m.start : m.end] == quote for m in matches)


@needs_seed
def test_cite_names_the_closest_passage_when_the_quote_is_not_found():
    doc = document.read_document(SEED)
    with pytest.raises(cite.QuoteNotFound, match=r"closest passage is 6199-6338"):
        cite.cite(doc, "Helsinki is the capital and largest city, forming a bigger area", [])


@needs_seed
def test_cite_refuses_a_quote_across_a_profile_boundary():
    from kg.load import files as graph

    doc = document.read_document(SEED)
    store = graph.load(ontology=False).store
    profiles = document.recorded_profiles(store, document.recorded_document(store, doc))
    sweden = next(p for p in profiles if p.name == "sweden")
    quote = doc.text[sweden.end - 20 : sweden.end + 30]
    with pytest.raises(cite.QuoteAcrossProfiles, match="sweden"):
        cite.cite(doc, quote, profiles)


# --------------------------------------------------------------------------- draft


@pytest.fixture(scope="module")
def unseen(tmp_path_factory):
    path = tmp_path_factory.mktemp("doc") / "estonia.txt"
    path.write_text(UNSEEN, encoding="utf-8")
    return make_draft(path, external=EXTERNAL if EXTERNAL.is_dir() else None)


def test_an_unseen_profile_is_cut_into_sentences_and_its_facts_proposed(unseen):
    assert [p.name for p in unseen.profiles] == ["estonia"]
    assert unseen.profiles[0].country == ID + "EE"
    assert not unseen.recorded
    assert len(unseen.passages) == 7
    ee = ID + "EE"
    assert (ee, KG + "sharesBorderWith", ID + "LV") in _triples(unseen, "border")
    assert (ee, KG + "sharesBorderWith", ID + "RU") in _triples(unseen, "border")
    directions = _triples(unseen, "direction")
    assert (
        ID + "pos-EE-LV",
        KG + "direction",
        "https://w3id.org/digital-policy-kg/vocab/direction-south",
    ) in directions
    assert (
        ID + "pos-EE-gulf-of-riga",
        KG + "direction",
        "https://w3id.org/digital-policy-kg/vocab/direction-southwest",
    ) in directions
    capital = _triples(unseen, "capital")
    assert (ee, KG + "capital", ID + "tallinn") in capital
    assert (ee, KG + "largestCity", ID + "tallinn") in capital
    quantities = _triples(unseen, "quantity")
    assert (ID + "q-EE-population", KG + "value", "1300000") in quantities
    assert (ID + "q-EE-density-km2", KG + "value", "31") in quantities
    assert (ID + "aff-EE-european-union", KG + "affiliatedWith", ID + "european-union") in _triples(
        unseen, "affiliation"
    )
    strategy = ID + "digital-agenda-strategy"
    assert (strategy, KG + "startYear", "2020") in _triples(unseen, "period")
    assert (strategy, KG + "adoptionDate", "2019-03") in _triples(unseen, "adoption")
    assert (strategy, KG + "managedBy", ID + "ministry-of-economic-affairs") in _triples(
        unseen, "responsible"
    )
    aims = {
        o
        for s, p, o in _triples(unseen, "objective")
        if p == "http://www.w3.org/2000/01/rdf-schema#label" and "-aim-" in s
    }
    assert aims == {"Improve digital public services", "Strengthen cyber resilience"}


@pytest.fixture(scope="module")
def reworded(tmp_path_factory):
    path = tmp_path_factory.mktemp("doc") / "latvia.txt"
    path.write_text(REWORDED, encoding="utf-8")
    return make_draft(path, external=EXTERNAL if EXTERNAL.is_dir() else None)


def test_numbers_are_read_in_every_common_notation():
    text = "1 330 000; 1,330,000; 1.33 million; close to 6 m; 45 339 km²; 1.330.000; 45 m²"
    found = numbers.numbers(text)
    assert [n.text_value for n in found] == [
        "1330000", "1330000", "1330000", "6000000", "45339", "1330000", "45"
    ]  # fmt: skip
    assert found[3].hedge == "approximately"
    assert numbers.area_after(text, found[4]) is not None
    assert numbers.area_after(text, found[6]) is None  # square metres are not an area here


def test_a_reworded_profile_gives_its_facts_and_no_wrong_ones(reworded):
    lv = ID + "LV"
    borders = _triples(reworded, "border")
    assert {o for s, p, o in borders if s == lv and p.startswith(KG + "shares")} == {
        ID + "EE",
        ID + "RU",
        ID + "LT",
        ID + "BY",
    }
    # the text never says "land": a plain border, not a land border
    assert all(p == KG + "sharesBorderWith" for s, p, o in borders if s == lv)
    directions = {
        (s, o.rsplit("-", 1)[-1])
        for s, p, o in _triples(reworded, "direction")
        if p == KG + "direction"
    }
    assert (ID + "pos-LV-BY", "southeast") in directions
    assert (ID + "pos-LV-EE", "north") in directions
    quantities = _triples(reworded, "quantity")
    assert (ID + "q-LV-population", KG + "value", "1330000") in quantities  # never 1
    assert (ID + "q-LV-area", KG + "value", "64589") in quantities
    capital = _triples(reworded, "capital")
    assert (lv, KG + "capital", ID + "riga") in capital
    assert (lv, KG + "largestCity", ID + "riga") in capital
    affiliations = _triples(reworded, "affiliation")
    assert (ID + "aff-LV-nato", KG + "startDate", "2004-03-29") in affiliations
    assert (ID + "aff-LV-european-union", KG + "startDate", "2004-05-01") in affiliations
    # "acceded to NATO" is a membership, never a ratified treaty called NATO
    assert not [p for p in reworded.proposals if p.kind == "treaty"]


def test_an_acronym_the_graph_knows_resolves_to_the_known_entity(reworded):
    labels = {
        (t.subject.value, t.object.value)
        for p in reworded.proposals
        for t in p.triples
        if t.predicate.value.endswith(("#label", "#altLabel"))
    }
    assert (ID + "eurodig", "European Dialogue on Internet Governance") in labels
    assert not [iri for iri, label in labels if "Dialogue" in label and iri != ID + "eurodig"]
    assert (ID + "state-data-inspectorate", "DVI") in labels
    fields = _triples(reworded, "regulates")
    assert (
        ID + "state-data-inspectorate",
        KG + "domainOfRegulation",
        ID + "field-personal-data-protection",
    ) in fields


def test_every_compass_direction_is_defined_and_allowed_by_the_shapes():
    from pyoxigraph import NamedNode, RdfFormat, Store

    store = Store()
    for name in ("vocab.ttl", "shapes.ttl"):
        store.load(path=str(REPO / "ontology" / name), format=RdfFormat.TURTLE)
    skos = "http://www.w3.org/2004/02/skos/core#"
    allowed = {
        row["d"].value
        for row in store.query(
            "PREFIX sh: <http://www.w3.org/ns/shacl#> "
            "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> SELECT ?d WHERE { "
            "?s sh:path <https://w3id.org/digital-policy-kg/ontology#direction> ; "
            "sh:in/rdf:rest*/rdf:first ?d }"
        )
    }
    for name in ("north", "northeast", "east", "southeast", "south", "southwest", "west",
                 "northwest"):  # fmt: skip
        concept = NamedNode(f"https://w3id.org/digital-policy-kg/vocab/direction-{name}")
        assert list(store.quads_for_pattern(concept, NamedNode(skos + "definition"), None)), name
        assert concept.value in allowed, name


@pytest.fixture(scope="module")
def devset_scores():
    external = EXTERNAL if EXTERNAL.is_dir() else None
    gaz, _ = build_gazetteer(load_graph(), external)
    scores = {}
    for name, text, key in keys.profiles(DEVSET):
        draft = make_draft(text, external=external)
        scores[name] = keys.score(
            name, draft, text.read_text(encoding="utf-8"), keys.read_key(key), gaz
        )
    return scores


# Recall each profile reached when the rules last changed (bench/draft.py prints the table):
# a floor, so that a change that loses facts on text nobody tuned to fails here.
DEVSET_RECALL = {
    "croatia": 0.9, "czechia": 0.75, "denmark": 0.8, "greece": 0.6, "hungary": 0.75,
    "ireland": 0.7, "netherlands": 0.75, "norway": 0.7, "romania": 0.85, "slovenia": 0.75,
}  # fmt: skip


@needs_devset
@pytest.mark.parametrize("name", sorted(DEVSET_RECALL))
def test_a_development_profile_in_new_phrasing_keeps_its_recall_and_precision(devset_scores, name):
    score = devset_scores[name]
    assert len(score.facts) >= 15
    assert score.recall >= DEVSET_RECALL[name], (name, score.recall)
    assert score.precision >= 0.95, (name, score.wrong)
    assert not score.duplicates, score.duplicates


@needs_devset
def test_the_development_set_meets_recall_precision_span_and_duplicate_targets(devset_scores):
    scores = devset_scores.values()
    right = sum(len(s.right) for s in scores)
    wrong = sum(len(s.wrong) for s in scores)
    facts = sum(len(s.facts) for s in scores)
    found = sum(len(s.found) for s in scores)
    good, spans = (sum(s.spans[i] for s in scores) for i in (0, 1))
    assert facts == 302  # the README's count: every key row is read
    assert right / (right + wrong) >= 0.95
    assert good / spans >= 0.95
    assert found / facts >= 0.75  # the target, met at 227 of 302
    assert not any(s.duplicates for s in scores)


def test_every_proposal_sits_in_the_passage_whose_text_holds_its_evidence(unseen):
    passages = {p.iri: p for p in unseen.passages}
    for proposal in unseen.proposals:
        passage = passages[proposal.passage]
        assert passage.start <= proposal.evidence[0] < proposal.evidence[1] <= passage.end, proposal


def test_a_draft_round_trips_through_its_trig_file_and_is_marked_as_a_draft(unseen, tmp_path):
    path = tmp_path / "draft.trig"
    model.write(unseen, path)
    text = path.read_text(encoding="utf-8")
    assert "draft:Proposal" in text or "draft#Proposal" in text
    again = model.read(path)
    assert [(p.id, p.kind, p.passage, sorted(map(str, p.triples))) for p in again.proposals] == [
        (p.id, p.kind, p.passage, sorted(map(str, p.triples))) for p in unseen.proposals
    ]
    assert [(p.iri, len(p.mentions)) for p in again.passages] == [
        (p.iri, len(p.mentions)) for p in unseen.passages
    ]


def test_a_file_that_is_not_a_draft_is_refused(tmp_path):
    path = tmp_path / "x.trig"
    path.write_text("<urn:a> <urn:b> <urn:c> .\n", encoding="utf-8")
    with pytest.raises(InputError, match="not a draft"):
        model.read(path)


@needs_seed
def test_drafting_the_seed_writes_nothing_into_data():
    before = {p: p.stat().st_mtime_ns for p in resources.data_dir().rglob("*")}
    draft = make_draft(SEED, external=EXTERNAL if EXTERNAL.is_dir() else None, profile="Sweden")
    assert draft.recorded and draft.profiles[0].name == "sweden"
    assert draft.proposals
    assert {p: p.stat().st_mtime_ns for p in resources.data_dir().rglob("*")} == before


@needs_seed
def test_leave_one_out_meets_the_targets():
    """bench/draft.py's measure, as a regression guard on the rules."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_draft", REPO / "bench" / "draft.py")
    bench = importlib.util.module_from_spec(spec)
    sys.modules["bench_draft"] = bench  # dataclasses look their module up
    spec.loader.exec_module(bench)
    results = bench.measure(SEED, EXTERNAL if EXTERNAL.is_dir() else None)
    tp = sum(r.tp for r in results)
    fp = sum(r.fp for r in results)
    assert tp / (tp + fp) >= 0.9
    for r in results:
        assert r.recall >= (0.6 if r.name in bench.SHORT else 0.35), r


# --------------------------------------------------------------------------- review


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    """A copy of data/ without finland.trig, standing in for data/ (graph names included)."""
    folder = tmp_path / "data"
    shutil.copytree(resources.data_dir(), folder)
    (folder / "finland.trig").unlink()
    monkeypatch.setattr(resources, "data_dir", lambda: folder)
    return folder


@needs_seed
def test_review_accepts_into_the_profile_file_validates_and_remembers_rejections(
    data_copy, tmp_path
):
    external = EXTERNAL if EXTERNAL.is_dir() else None
    draft = make_draft(SEED, profile="finland", external=external)
    path = tmp_path / "review" / "finland.draft.trig"
    path.parent.mkdir()
    model.write(draft, path)
    draft = model.read(path)
    capital = [p.id for p in draft.proposals if p.kind == "capital"]
    borders = [p.id for p in draft.proposals if p.kind == "border"]
    directions = [p.id for p in draft.proposals if p.kind == "direction"]
    review.decide(draft, accept=capital + borders, reject=directions[:1])
    result = review.apply(draft)
    assert result.written and result.report.conforms
    target = data_copy / "finland.trig"
    assert result.files == [target]
    text = target.read_text(encoding="utf-8")
    assert "kg:capital id:helsinki" in text and "kg:sharesLandBorderWith" in text
    assert "direction" not in text
    assert result.added > 0 and all(
        d.graph.startswith("<https://w3id.org/digital-policy-kg/passage/fi-") for d in result.diff
    )
    # a second apply adds nothing and writes nothing
    assert not review.apply(draft).written
    # rejections are remembered: a redraft does not propose them again
    rejected = [p for p in draft.proposals if p.status == "rejected"]
    review.remember(review.rejections_file(path), rejected)
    again = make_draft(
        SEED,
        profile="finland",
        external=external,
        rejected=review.load_rejections(review.rejections_file(path)),
    )
    keys = {p.key() for p in again.proposals}
    assert rejected[0].key() not in keys
    assert len(again.proposals) == len(draft.proposals) - 1


@needs_seed
def test_an_edit_that_breaks_the_shapes_is_not_written(data_copy):
    draft = make_draft(SEED, profile="finland", external=EXTERNAL if EXTERNAL.is_dir() else None)
    pid = next(p.id for p in draft.proposals if p.kind == "capital")
    review.decide(draft, edit={pid: 'id:FI kg:capital "Helsinki"'})
    result = review.apply(draft)
    assert not result.written and result.report is not None and not result.report.conforms
    assert not (data_copy / "finland.trig").exists()


def test_decisions_on_unknown_or_conflicting_ids_are_refused(unseen):
    with pytest.raises(InputError, match="no proposal 'p999'"):
        review.decide(unseen, accept=["p999"])
    with pytest.raises(InputError, match="both accepted and rejected"):
        review.decide(unseen, accept=["p1"], reject=["p1"])
    with pytest.raises(InputError, match="not Turtle"):
        review.decide(unseen, edit={"p1": "id:EE kg:capital"})


# --------------------------------------------------------------------------- diff


def test_diff_of_two_folders_groups_added_removed_and_changed_by_passage(tmp_path):
    old, new = tmp_path / "old", tmp_path / "new"
    old.mkdir(), new.mkdir()
    head = "".join(
        f"@prefix {p}: <https://w3id.org/digital-policy-kg/{ns}> .\n"
        for p, ns in (("kg", "ontology#"), ("id", "id/"), ("psg", "passage/"))
    )
    (old / "x.trig").write_text(
        head + "psg:a { id:X kg:capital id:c ; kg:rank 1 . psg:a kg:endOffset 10 . }\n"
    )
    (new / "x.trig").write_text(
        head + "psg:a { id:X kg:rank 1 . psg:a kg:endOffset 12 . }\n"
        "psg:b { id:X kg:largestCity id:c . }\n"
    )
    diffs = diff.compare(diff.version(str(old)), diff.version(str(new)))
    text = diff.render_text(diffs)
    assert (
        "psg:a\n  - id:X kg:capital id:c\n"
        '  ~ psg:a kg:endOffset "10"^^xsd:integer -> "12"^^xsd:integer\n'
        "psg:b\n  + id:X kg:largestCity id:c\n" in text
    )
    assert text.endswith("1 added, 1 removed, 1 changed in 2 graph(s)\n")
    assert (
        diff.render_text(diff.compare(diff.version(str(old)), diff.version(str(old))))
        == "no differences\n"
    )


def test_diff_reads_a_git_revision_and_refuses_what_is_neither(tmp_path):
    if (
        shutil.which("git") is None
        or subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True
        ).returncode
    ):
        pytest.skip("not a git checkout")
    assert diff.compare(diff.version("HEAD"), diff.version("HEAD")) == []
    with pytest.raises(InputError, match="neither a folder nor a git revision"):
        diff.version("no-such-revision-or-folder")


# A third invented profile for constructions the development set showed missing: a name whose
# head word is not its last, a title with a dash, facts about a body named in apposition, a
# list sharing a word, a sea named as what lies to the west, an official name, "Its roadmap".
CONSTRUCTIONS = (
    "Latvia\n\n"
    "Latvia (officially the Republic of Latvia) has about 1.9 million inhabitants. To the west "
    "is the Baltic Sea.\n\n"
    "Responsibility for e-government rests with the Ministry of Smart Administration. Its "
    "roadmap, the Latvian Digital Compass, covers the years 2021 to 2027. Digital policy "
    "follows Smart Latvia – The National Digital Framework, adopted in 2022.\n\n"
    "Regulators include the Commission for Public Utilities Regulation (CPUR), which regulates "
    "energy and postal services; Raidu Padome, the media regulator founded in 2020, which "
    "replaced the Broadcasting Council of Latvia and is responsible for broadcasting and video "
    "platforms. The Competition Council enforces competition rules and supervises sectors that "
    "include telecommunications, rail and postal services.\n\n"
    "Latvia also applies the European Interoperability Framework and the EU Cybersecurity "
    "Strategy.\n"
)


@pytest.fixture(scope="module")
def constructions(tmp_path_factory):
    path = tmp_path_factory.mktemp("doc") / "latvia-constructions.txt"
    path.write_text(CONSTRUCTIONS, encoding="utf-8")
    return make_draft(path, external=EXTERNAL if EXTERNAL.is_dir() else None)


def test_constructions_the_development_set_showed_missing_are_read(constructions):
    facts = {
        (t.subject.value.removeprefix(ID), t.predicate.value.rsplit("#", 1)[-1], t.object.value)
        for p in constructions.proposals
        for t in p.triples
    }
    field = ID + "field-"
    assert ("LV", "altLabel", "Republic of Latvia") in facts
    assert ("LV", "hasCoastOn", ID + "baltic-sea") in facts
    # a commission for a regulation is a commission: a regulator of the country
    cpur = "commission-for-public-utilities-regulation"
    assert (cpur, "type", KG + "Regulator") in facts
    assert (cpur, "type", KG + "Regulation") not in facts
    assert (cpur, "country", ID + "LV") in facts
    # the subject of "which replaced Y and is responsible for A and B" is the name before
    assert ("raidu-padome", "domainOfRegulation", field + "broadcasting") in facts
    assert ("raidu-padome", "domainOfRegulation", field + "video-platforms") in facts
    assert ("raidu-padome", "type", KG + "Regulator") in facts
    assert not [f for f in facts if f[0].startswith("broadcasting-council")]
    # "X enforces A and supervises sectors that include B, C and D services"
    for item in ("telecommunications-sector", "rail-sector", "postal-services"):
        assert ("competition-council", "domainOfRegulation", field + item) in facts
    # a dashed title, "Its roadmap" owned by the body of the sentence before
    framework = "smart-latvia-the-national-digital-framework"
    assert (framework, "type", KG + "Strategy") in facts
    assert (framework, "strategyType", VOC + "strategy-type-digital-transformation") in facts
    assert (
        "latvian-digital-compass",
        "responsibleOrganisation",
        ID + "ministry-of-smart-administration",
    ) in facts


def test_the_unions_frameworks_are_not_proposed_as_the_countrys_strategies(constructions):
    labels = {
        t.object.value
        for p in constructions.proposals
        for t in p.triples
        if t.predicate.value.endswith("#label")
        and (KG + "Strategy") in {u.object.value for u in p.triples if u.subject == t.subject}
    }
    assert labels and not [x for x in labels if x.startswith(("European", "EU"))], labels


def test_constructions_draft_is_flagged_by_no_shape(constructions):
    assert review.flag(constructions) == 0, [
        (p.summary, p.violations) for p in constructions.proposals if p.violations
    ]
