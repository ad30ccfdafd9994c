"""Every asserted data triple can be traced to the passage of a source document that states it.

The tests read the source documents from ``shared/seeds`` beside the checkout, check the
document's SHA-256 and length against what the graph records, check that every passage span
lies inside its document and its profile, and that the passage's text names each fact
(``tests/provenance_check.py`` says what "names" means).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from conftest import SEEDS
from provenance_check import (
    NoFactSentence,
    PassageSpan,
    ProvenanceIndex,
    check_passage,
    document_coverage,
    passage_rule_violations,
    passage_spans,
    read_no_fact_sentences,
)
from pyoxigraph import Literal, NamedNode

from kg.load import files as graph
from kg.namespaces import ID, KG, PASSAGE, SOURCE, VOC

pytestmark = pytest.mark.skipif(not SEEDS.is_dir(), reason="source documents not available")


@pytest.fixture(scope="module")
def dataset():
    return graph.load()


def _one(store, subject, predicate):
    values = [q.object for q in store.quads_for_pattern(subject, NamedNode(predicate), None, None)]
    assert len(values) == 1, f"{subject} must have exactly one {predicate}, has {len(values)}"
    return values[0]


def _data_graphs(dataset):
    """Graphs loaded from the document files of data/ (linksets carry external provenance)."""
    return [
        g
        for g, path in dataset.files.items()
        if path.suffix == ".trig" and path.parent.name == "data"
    ]


@pytest.fixture(scope="module")
def documents(dataset):
    """Source document IRI -> its text, after checking file name, hash and length."""
    store = dataset.store
    found = {}
    for quad in store.quads_for_pattern(None, NamedNode(KG + "fileName"), None, None):
        doc = quad.subject
        path = SEEDS / quad.object.value
        assert path.is_file(), f"{doc.value} cites {path}, which does not exist"
        raw = path.read_bytes()
        assert _one(store, doc, KG + "sha256").value == hashlib.sha256(raw).hexdigest()
        text = raw.decode("utf-8")
        assert int(_one(store, doc, KG + "characterCount").value) == len(text)
        found[doc.value] = text
    assert found, "the data cites no source document"
    return found


def test_every_data_graph_is_a_passage_or_a_source_description(dataset):
    graphs = _data_graphs(dataset)
    assert graphs
    for name in graphs:
        assert name.startswith((PASSAGE, SOURCE)), f"{name} is neither a passage nor a source"


def test_every_passage_span_lies_inside_its_document_and_profile(dataset, documents):
    store = dataset.store
    passages = [g for g in _data_graphs(dataset) if g.startswith(PASSAGE)]
    assert len(passages) > 50
    for name in passages:
        node = NamedNode(name)
        assert any(store.quads_for_pattern(node, NamedNode(KG + "startOffset"), None, node)), (
            f"passage {name} does not describe itself in its own graph"
        )
        doc = _one(store, node, KG + "inDocument").value
        start = int(_one(store, node, KG + "startOffset").value)
        end = int(_one(store, node, KG + "endOffset").value)
        assert 0 <= start < end <= len(documents[doc]), f"{name}: span {start}-{end} out of range"
        profile = _one(store, node, KG + "inProfile")
        p_start = int(_one(store, profile, KG + "startOffset").value)
        p_end = int(_one(store, profile, KG + "endOffset").value)
        assert p_start <= start and end <= p_end, f"{name} lies outside {profile.value}"


def test_every_asserted_triple_is_named_by_its_passage(dataset, documents):
    store = dataset.store
    index = ProvenanceIndex.build(store)
    findings = []
    checked = 0
    for name in _data_graphs(dataset):
        if not name.startswith(PASSAGE):
            continue
        node = NamedNode(name)
        doc = documents[_one(store, node, KG + "inDocument").value]
        start = int(_one(store, node, KG + "startOffset").value)
        end = int(_one(store, node, KG + "endOffset").value)
        findings += check_passage(store, index, node, doc[start:end], doc)
        checked += sum(1 for _ in store.quads_for_pattern(None, None, None, node))
    assert checked > 1000
    assert not findings, "\n".join(f"{f.graph}: {f.triple}: {f.problem}" for f in findings[:40])


def test_every_triple_outside_passages_describes_a_source(dataset):
    """The source graph holds only document and profile descriptions, no facts."""
    store = dataset.store
    allowed = {KG + "SourceDocument", KG + "Profile"}
    for name in _data_graphs(dataset):
        if not name.startswith(SOURCE):
            continue
        for quad in store.quads_for_pattern(None, None, None, NamedNode(name)):
            types = {
                q.object.value
                for q in store.quads_for_pattern(quad.subject, NamedNode(RDF_TYPE_IRI), None, None)
            }
            assert types & allowed, f"{quad} in {name} is not about a source document or profile"


RDF_TYPE_IRI = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def test_the_check_rejects_a_fact_the_passage_does_not_state(dataset, documents):
    """Guard against a check that cannot fail: move a fact into the wrong passage."""
    from pyoxigraph import Quad

    store = dataset.store
    index = ProvenanceIndex.build(store)
    wrong = NamedNode(PASSAGE + "rs-eu-candidacy")
    probe = Quad(
        NamedNode("https://w3id.org/digital-policy-kg/id/PL"),
        NamedNode(KG + "capital"),
        NamedNode("https://w3id.org/digital-policy-kg/id/helsinki"),
        wrong,
    )
    store.add(probe)
    try:
        doc = next(iter(documents.values()))
        start = int(_one(store, wrong, KG + "startOffset").value)
        end = int(_one(store, wrong, KG + "endOffset").value)
        findings = check_passage(store, index, wrong, doc[start:end], doc)
    finally:
        store.remove(probe)
    problems = {f.problem for f in findings if f.triple[0].endswith("/PL")}
    assert problems == {"passage does not name the subject", "passage does not name the object"}


# --- passages are units of text (issue 11) ---------------------------------------------------


def test_passages_are_sentence_runs_with_no_shared_span_and_one_profile_opening(dataset, documents):
    """Each passage is a run of whole sentences as kg.text.sentences cuts the document, no two
    passages share a span, and at most one passage of a profile begins at its first character."""
    spans = passage_spans(dataset.store)
    assert len(spans) > 100
    problems = passage_rule_violations(spans, documents)
    assert not problems, "\n".join(problems[:20])


def test_the_passage_rules_reject_a_fragment_a_shared_span_and_a_second_opening(documents):
    """Guard against rules that cannot fail: three made-up passages, one breaking each rule."""
    doc, text = next(iter(documents.items()))
    profile = SOURCE + "profile-finland"
    start, end = 5963, 6338  # the Finland profile: three sentences, the first ends at 6010

    def span(name, s, e):
        return PassageSpan(PASSAGE + name, doc, profile, s, e, start, end)

    assert text[start:6010].endswith("Europe.")
    problems = passage_rule_violations(
        [
            span("opening", start, 6010),
            span("whole-profile", start, end),  # a second passage at the profile's start
            span("same-span", 6011, 6198),
            span("same-span-again", 6011, 6198),  # the span of another passage
            span("fragment", 6011, 6100),  # ends inside a sentence
        ],
        {doc: text},
    )
    assert len(problems) == 3
    assert any("whole-profile" in p and "begin at the start" in p for p in problems)
    assert any("same-span-again" in p and "share the span" in p for p in problems)
    assert any("fragment" in p and "whole sentences" in p for p in problems)


def _passage_graphs(store, s, p, o) -> set[str]:
    return {
        q.graph_name.value
        for q in store.quads_for_pattern(s, p, o, None)
        if isinstance(q.graph_name, NamedNode) and q.graph_name.value.startswith(PASSAGE)
    }


def _n(prefix, local):
    return NamedNode(prefix + local)


RDF_TYPE = NamedNode(RDF_TYPE_IRI)


def test_a_fact_two_passages_state_cites_both(dataset):
    """EuroDIG's scope is stated in the Serbia and the Poland profiles: both passages cite it
    (it used to be kept in one graph, the first, and the Poland passage lost it)."""
    graphs = _passage_graphs(
        dataset.store, _n(ID, "eurodig"), _n(KG, "geographicScope"), _n(VOC, "scope-regional")
    )
    assert graphs == {PASSAGE + "rs-see-plus-eurodig", PASSAGE + "pl-eurodig"}


# --- regression tests: over-reads of issue 11 --------------------------------------------------


def test_no_border_in_the_americas_is_given_one_of_the_jointly_named_territories(dataset):
    """France borders the Netherlands, Suriname and Brazil "via its overseas territories in
    French Guiana and Saint Martin" (5717-5960): the territories are named jointly, so no
    border may pair with one (three of the six pairs were false). Each border runs via the two
    taken together (issue 20: the qualifier was lost), a node whose parts are both."""
    store = dataset.store
    joint = _n(ID, "fr-overseas-territories-gf-mf")
    for border in ("border-FR-NL", "border-FR-SR", "border-BR-FR"):
        assert _passage_graphs(store, _n(ID, border), _n(KG, "borderRegion"), _n(ID, "americas"))
        via = {
            q.object for q in store.quads_for_pattern(_n(ID, border), _n(KG, "viaTerritory"), None)
        }
        assert via == {joint}, border
    parts = {q.object for q in store.quads_for_pattern(joint, _n(KG, "hasPart"), None, None)}
    assert parts == {_n(ID, "french-guiana"), _n(ID, "saint-martin")}


def test_kauniainen_is_not_adjacent_to_helsinki(dataset):
    """ "the neighbouring cities of Espoo, Kauniainen, and Vantaa" (6199-6338) does not make
    each city adjacent to Helsinki; Kauniainen is an enclave of Espoo."""
    store = dataset.store
    kauniainen, helsinki = _n(ID, "kauniainen"), _n(ID, "helsinki")
    adjacent = _n(KG, "adjacentTo")
    assert not list(store.quads_for_pattern(kauniainen, adjacent, helsinki, None))
    assert not list(store.quads_for_pattern(helsinki, adjacent, kauniainen, None))
    assert list(
        store.quads_for_pattern(_n(ID, "helsinki-metropolitan-area"), _n(KG, "hasPart"), kauniainen)
    )


def test_the_urban_share_of_sweden_is_not_attached_to_a_place(dataset):
    """87 % of Swedes live in urban areas (6701-6928); the central and southern half is where
    those areas lie, not what the figure measures."""
    store = dataset.store
    share = _n(ID, "q-SE-urban-share")
    assert _passage_graphs(store, share, _n(KG, "value"), Literal("87", datatype=_DECIMAL))
    assert not list(store.quads_for_pattern(share, _n(KG, "refersToPlace"), None, None))
    assert _passage_graphs(
        store, _n(ID, "se-urban-areas"), _n(KG, "locatedIn"), _n(ID, "central-and-southern-sweden")
    )


_DECIMAL = NamedNode("http://www.w3.org/2001/XMLSchema#decimal")


@pytest.mark.parametrize(
    "entity,cls",
    [
        ("brussels", "City"),
        ("frankfurt", "City"),
        ("strasbourg", "City"),
        ("english-channel", "Strait"),
        ("europe", "Continent"),
        ("oresund", "WaterBody"),
        # "Council of Europe Convention on Cybercrime" (15198-15313) says the council issued
        # the convention, not what kind of body it is (an organisation, no more).
        ("council-of-europe", "InternationalOrganisation"),
    ],
)
def test_no_passage_gives_a_type_the_text_does_not_give(dataset, entity, cls):
    assert not _passage_graphs(dataset.store, _n(ID, entity), RDF_TYPE, _n(KG, cls))


def test_names_are_as_the_document_words_them(dataset, documents):
    """Serbia's AI strategy was renamed ("…in Serbia, 2020-2025"); its label is the document's."""
    text = next(iter(documents.values()))
    store = dataset.store
    for slug in ("rs-ai-strategy", "pl-5g-strategy", "cert-polska", "government-of-poland"):
        labels = [q.object.value for q in store.quads_for_pattern(_n(ID, slug), _LABEL, None)]
        assert labels and all(label in text for label in labels), (slug, labels)


_LABEL = NamedNode("http://www.w3.org/2000/01/rdf-schema#label")


def test_an_announced_institute_is_not_established_under_the_strategy(dataset):
    """Serbia "has announced the establishment" of the AI institute (4396-4613): a measure of
    the strategy with the status announced, not an institute established under it."""
    store = dataset.store
    institute = _n(ID, "rs-ai-institute")
    assert not list(store.quads_for_pattern(institute, _n(KG, "establishedUnder"), None, None))
    measure = _n(ID, "rs-ai-measure-institute")
    assert _passage_graphs(store, _n(ID, "rs-ai-strategy"), _n(KG, "hasMeasure"), measure)
    assert _passage_graphs(store, measure, _n(KG, "status"), _n(VOC, "status-announced"))


def test_start_in_poland_is_a_programme(dataset):
    """ "government programs such as the Start In Poland initiative" (8799-8916)."""
    graphs = _passage_graphs(
        dataset.store, _n(ID, "start-in-poland"), RDF_TYPE, _n(KG, "Programme")
    )
    assert graphs == {PASSAGE + "pl-start-in-poland"}


# --- regression tests: facts issue 11 found missing --------------------------------------------


def test_sweden_is_a_member_of_the_european_union(dataset):
    """ "the third-largest country in the European Union" (6530-6657)."""
    store = dataset.store
    membership = _n(ID, "aff-SE-european-union")
    assert _passage_graphs(store, membership, _n(KG, "affiliate"), _n(ID, "SE")) == {
        PASSAGE + "se-size"
    }
    assert _passage_graphs(store, membership, _n(KG, "affiliatedWith"), _n(ID, "european-union"))
    assert _passage_graphs(store, membership, RDF_TYPE, _n(KG, "Membership"))


def test_polands_closing_paragraph_has_a_passage(dataset, documents):
    """Poland's closing paragraph (17496-17741) had no passage; it restates the AI strategy's
    goals, so those aims now have two sources."""
    store = dataset.store
    covered = [(p.start, p.end) for p in passage_spans(store)]
    assert any(s <= 17496 and e >= 17741 for s, e in covered)
    aim = _n(ID, "pl-ai-aim-education")
    assert _passage_graphs(store, _n(ID, "pl-ai-strategy"), _n(KG, "hasAim"), aim) == {
        PASSAGE + "pl-ai-strategy",
        PASSAGE + "pl-ai-strategy-goals",
    }


def test_broadband_across_urban_and_rural_areas(dataset):
    """ "broadband connectivity across urban and rural areas" (9812-9933)."""
    store = dataset.store
    effort = _n(ID, "pl-broadband-investment")
    for scope in ("scope-urban-areas", "scope-rural-areas"):
        assert _passage_graphs(store, effort, _n(KG, "geographicScope"), _n(VOC, scope)) == {
            PASSAGE + "pl-broadband"
        }


def test_the_vocational_training_programmes(dataset):
    """ "various vocational training programs" (10199-10376) are among the initiatives."""
    store = dataset.store
    programmes = _n(ID, "pl-vocational-training-programmes")
    assert _passage_graphs(store, programmes, RDF_TYPE, _n(KG, "Initiative"))
    assert _passage_graphs(
        store, programmes, _n(KG, "partOf"), _n(ID, "pl-digital-literacy-effort")
    )


def test_serbias_steps_on_cybersecurity(dataset):
    """Serbia's steps to enhance its cybersecurity capabilities (3705-3809) had no passage."""
    store = dataset.store
    effort = _n(ID, "rs-cybersecurity-effort")
    assert _passage_graphs(store, effort, _n(KG, "actor"), _n(ID, "RS")) == {
        PASSAGE + "rs-cybersecurity-steps"
    }
    assert _passage_graphs(store, effort, _n(KG, "topic"), _n(VOC, "topic-cybersecurity"))


def test_5g_is_a_high_priority_of_the_polish_government(dataset):
    """5G networks "as a high priority for the Polish government" (13619-13805)."""
    graphs = _passage_graphs(
        dataset.store,
        _n(ID, "government-of-poland"),
        _n(KG, "hasPriority"),
        _n(VOC, "topic-broadband"),
    )
    assert graphs == {PASSAGE + "pl-5g-strategy-focus"}


# --- document coverage and headings (issue 20) --------------------------------------------------


@pytest.fixture(scope="module")
def file_names(dataset):
    store = dataset.store
    return {
        q.subject.value: q.object.value
        for q in store.quads_for_pattern(None, NamedNode(KG + "fileName"), None, None)
    }


def test_every_content_sentence_is_in_a_passage_or_on_the_no_fact_list(
    dataset, documents, file_names
):
    """Document coverage is 100 %: each sentence kg.text cuts is a heading, lies in a passage,
    or is on tests/data/no-fact-sentences.csv with its reason (it was 97.2 %: three content
    sentences were in no passage)."""
    coverage = document_coverage(
        passage_spans(dataset.store), documents, file_names, read_no_fact_sentences()
    )
    assert not coverage.problems, coverage.problems
    assert coverage.uncovered == []
    assert coverage.percent == 100.0
    assert coverage.headings == 6  # three section headings each in the Serbia and Poland profiles
    assert coverage.no_fact == len(read_no_fact_sentences())


def test_the_coverage_check_can_fail(dataset, documents, file_names):
    """Guard: drop a passage and its sentence is reported; list a sentence a passage covers,
    a heading, or a span that is no sentence, and each is a problem."""
    spans = passage_spans(dataset.store)
    _doc, name = next(iter(file_names.items()))
    without = [p for p in spans if not p.name.endswith("/pl-cybersecurity-focal-point")]
    without = [p for p in without if not p.name.endswith("/pl-cyber-threats")]
    coverage = document_coverage(without, documents, file_names, [])
    assert (name, 13936, 14030) in coverage.uncovered
    assert coverage.percent < 100.0
    listed = [
        NoFactSentence(name, 0, 159, "covered by a passage"),
        NoFactSentence(name, 341, 360, "a heading"),
        NoFactSentence(name, 0, 100, "not a sentence"),
    ]
    problems = document_coverage(spans, documents, file_names, listed).problems
    assert len(problems) == 3, problems


def test_no_fact_rows_cite_by_span_with_a_reason(documents, file_names):
    """The list holds spans and reasons, never a copy of the sentence it excuses."""
    rows = read_no_fact_sentences()
    assert rows
    texts = {file_names[doc]: text for doc, text in documents.items()}
    for row in rows:
        assert row.file_name in texts
        text = texts[row.file_name]
        assert 0 <= row.start < row.end <= len(text)
        assert text[row.start : row.end] not in row.reason
        assert len(row.reason.split()) >= 5


def test_a_heading_after_one_line_break_is_a_sentence_of_its_own():
    """sentencex joined "…responsibilities.\nAI strategies and policies" into one sentence, so
    the RCB bullet (and the response-teams list) quoted the next section's heading."""
    from kg.text import is_heading, sentences

    text = "Intro text here.\n  • An item that ends.\nNext Section Title\n\nBody starts Here. End."
    pieces = [text[s:e] for s, e in sentences(text)]
    assert "Next Section Title" in pieces
    assert "• An item that ends." in pieces
    heading = text.index("Next Section Title")
    assert is_heading(text, heading, heading + len("Next Section Title"))
    # a list's lead-in and a line that goes on are not headings
    lead = "These include:\n\n  • one."
    assert not is_heading(lead, 0, len("These include:"))
    wrapped = "A sentence cut\nby a line wrap.\n\n"
    assert not is_heading(wrapped, 0, len("A sentence cut"))


def test_no_passage_quotes_a_section_heading(dataset, documents):
    """pl-rcb and pl-response-teams ended with the heading after them (issue 20)."""
    from kg.text import is_heading, sentences

    for doc, text in documents.items():
        headings = [(s, e) for s, e in sentences(text) if is_heading(text, s, e)]
        for p in passage_spans(dataset.store):
            if p.document == doc:
                assert not [h for h in headings if p.start <= h[0] and h[1] <= p.end], p.name


# --- regression tests: issue 20 ----------------------------------------------------------------


def test_uke_is_not_aligned_with_the_laws_the_regulation_is_to_secure(dataset):
    """The government regulates the internet so that national and EU law is complied with
    (9319-9491): the regulation's aim concerns the laws; UKE does not 'align' with them."""
    store = dataset.store
    assert not list(store.quads_for_pattern(_n(ID, "uke"), _n(KG, "alignedWith"), None, None))
    aim = _n(ID, "pl-legal-compliance-aim")
    assert _passage_graphs(
        store, _n(ID, "pl-internet-regulation-effort"), _n(KG, "hasAim"), aim
    ) == {PASSAGE + "pl-uke"}
    concerned = {q.object.value for q in store.quads_for_pattern(aim, _n(KG, "concerns"), None)}
    assert concerned == {ID + "pl-national-laws", ID + "eu-laws"}


def test_the_cert_polska_passage_does_not_repeat_nasks_class_and_country(dataset):
    """The CERT.PL bullet (15493-15630) names NASK; its class and country come from 14973-15197."""
    store = dataset.store
    graph = NamedNode(PASSAGE + "pl-cert-polska")
    nask = _n(ID, "nask")
    assert not list(store.quads_for_pattern(nask, RDF_TYPE, None, graph))
    assert not list(store.quads_for_pattern(nask, _n(KG, "country"), None, graph))
    assert _passage_graphs(store, nask, RDF_TYPE, _n(KG, "ResearchInstitute")) == {
        PASSAGE + "pl-international-cybersecurity"
    }


def test_the_nation_attacked_is_cited_with_the_sentence_it_refers_back_to(dataset):
    """ "cyber-attacks targeting the nation" (14031-14169) follows the sentence that makes Poland
    a focal point of cybersecurity (13936-14030); the passage now holds both."""
    store = dataset.store
    graphs = _passage_graphs(
        store, _n(ID, "pl-cyberattack-uptick"), _n(KG, "affects"), _n(ID, "PL")
    )
    assert graphs == {PASSAGE + "pl-cyber-threats"}
    spans = {p.name: (p.start, p.end) for p in passage_spans(store)}
    assert spans[PASSAGE + "pl-cyber-threats"] == (13936, 14169)
    assert _passage_graphs(
        store,
        _n(ID, "PL"),
        _n(KG, "characteristic"),
        _n(VOC, "characteristic-cybersecurity-focal-point"),
    ) == {PASSAGE + "pl-cybersecurity-focal-point"}


@pytest.mark.parametrize("country", ["RS", "PL"])
def test_the_stakeholders_active_participation_is_encoded(dataset, country):
    """The stakeholders' active part in internet governance forums and initiatives, at regional
    and global level (1271-1404, 10614-10746), was in no passage."""
    store = dataset.store
    effort = _n(ID, f"{country.lower()}-ig-forum-participation")
    assert _passage_graphs(store, effort, _n(KG, "actor"), _n(ID, country))
    scopes = {q.object for q in store.quads_for_pattern(effort, _n(KG, "geographicScope"), None)}
    assert scopes == {_n(VOC, "scope-regional"), _n(VOC, "scope-global")}


@pytest.mark.parametrize("entity", ["serbian-igf", "igf-poland", "epuap"])
def test_what_the_text_calls_a_platform_is_a_platform(dataset, entity):
    assert _passage_graphs(dataset.store, _n(ID, entity), RDF_TYPE, _n(KG, "Platform"))


def test_portugals_westernmost_point_is_a_ranking(dataset):
    """ "the westernmost point in continental Europe" (8208-8434): first from the west within
    continental Europe, not only a label."""
    store = dataset.store
    point = _n(ID, "westernmost-point-of-continental-europe")
    rankings = [q.object for q in store.quads_for_pattern(point, _n(KG, "hasRanking"), None, None)]
    assert len(rankings) == 1
    ranking = rankings[0]
    assert _passage_graphs(store, ranking, _n(KG, "rankingCriterion"), _n(VOC, "direction-west"))
    assert _passage_graphs(store, ranking, _n(KG, "rankingScope"), _n(ID, "continental-europe"))
    assert _passage_graphs(
        store, ranking, _n(KG, "rank"), Literal("1", datatype=NamedNode(XSD_INTEGER))
    ) == {PASSAGE + "pt-surroundings"}


XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"


def test_pt_territory_cites_only_the_sentence_that_states_its_facts(dataset):
    """pt-territory cited three sentences for facts the first states alone; the autonomous
    regions (and their own governments) are stated by the third, in a passage of their own."""
    spans = {p.name: (p.start, p.end) for p in passage_spans(dataset.store)}
    assert spans[PASSAGE + "pt-territory"] == (8043, 8207)
    store = dataset.store
    for region in ("azores", "madeira"):
        assert _passage_graphs(store, _n(ID, region), RDF_TYPE, _n(KG, "AutonomousRegion")) == {
            PASSAGE + "pt-autonomous-regions"
        }
        government = _n(ID, f"{region}-regional-government")
        assert _passage_graphs(store, government, _n(KG, "jurisdiction"), _n(ID, region))


def test_frances_largest_eez_is_due_to_its_coastal_territories(dataset):
    """France's exclusive economic zone is the world's largest because of its coastal
    territories (5616-5716): two facts that were missing, the territories and the reason."""
    store = dataset.store
    territories = _n(ID, "fr-coastal-territories")
    assert _passage_graphs(store, _n(ID, "FR"), _n(KG, "hasTerritory"), territories) == {
        PASSAGE + "fr-exclusive-economic-zone"
    }
    assert _passage_graphs(store, _n(ID, "rank-FR-eez"), _n(KG, "dueTo"), territories)


def test_serbias_digital_landscape_is_not_typed_an_economic_sector(dataset):
    """ "a diverse and dynamic digital landscape" (160-339) gives no class."""
    store = dataset.store
    landscape = _n(ID, "rs-digital-landscape")
    assert not list(store.quads_for_pattern(landscape, RDF_TYPE, None, None))
    assert not list(store.quads_for_pattern(None, _n(KG, "hasSector"), landscape, None))


def test_the_serbian_internet_dialogues_place_comes_from_the_sentence_naming_serbia(dataset):
    """The dialogue's own sentence (2222-2303) does not say where; the run from 2027, which
    says the dialogue on IG issues took place in Serbia, does."""
    graphs = _passage_graphs(
        dataset.store, _n(ID, "serbian-internet-dialogue"), _n(KG, "location"), _n(ID, "RS")
    )
    assert graphs == {PASSAGE + "rs-ig-dialogue-history"}


def test_the_green_deals_objectives_are_encoded(dataset):
    """The Green Deal bullet (17313-17494) names what the Green Deal includes; the measure
    concerns the Green Deal."""
    store = dataset.store
    deal = _n(ID, "european-green-deal")
    aims = _passage_graphs(store, deal, _n(KG, "hasAim"), None)
    assert aims == {PASSAGE + "pl-european-green-deal"}
    assert len(list(store.quads_for_pattern(deal, _n(KG, "hasAim"), None, None))) == 3
    assert _passage_graphs(store, _n(ID, "pl-ai-measure-green-deal"), _n(KG, "concerns"), deal)


BORDERLINE = Path(__file__).resolve().parent / "data" / "borderline.md"
_BORDERLINE_ROW = re.compile(
    r"^\| *(\d+) *\| *`psg:([\w-]+)` *\| *(\d+)-(\d+) *\|(.+)\| *(\w+) *\|$"
)


def _borderline_rows() -> list[tuple[int, str, int, int, str, str]]:
    rows = []
    for line in BORDERLINE.read_text(encoding="utf-8").splitlines():
        match = _BORDERLINE_ROW.match(line.strip())
        if match:
            number, name, start, end, reading, verdict = match.groups()
            rows.append((int(number), name, int(start), int(end), reading.strip(), verdict))
    return rows


def test_every_borderline_reading_cites_an_existing_passage_span(dataset, documents):
    """tests/data/borderline.md (issue 20: the list the last review promised was never
    published): every row names a passage that exists with exactly the listed span, the span
    lies inside the document, and each row has a reading and a verdict."""
    rows = _borderline_rows()
    assert len(rows) >= 30
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1))  # numbered, none lost
    spans = {p.name: p for p in passage_spans(dataset.store)}
    for number, name, start, end, reading, verdict in rows:
        passage = spans.get(PASSAGE + name)
        assert passage is not None, f"row {number}: no passage psg:{name}"
        assert (passage.start, passage.end) == (start, end), f"row {number}: span differs"
        assert 0 <= start < end <= len(documents[passage.document]), f"row {number}"
        assert verdict in {"kept", "fixed", "new"}, f"row {number}: verdict {verdict}"
        assert len(reading.split()) >= 8, f"row {number}: say what the reading is"


def test_the_borderline_check_can_fail():
    """Guard: a row with a wrong span or an unknown passage does not parse as valid."""
    good = "| 1 | `psg:pl-uke` | 9319-9491 | a reading of at least eight words goes here. | kept |"
    match = _BORDERLINE_ROW.match(good)
    assert match and match.group(2) == "pl-uke" and match.group(6) == "kept"
    assert not _BORDERLINE_ROW.match("| 1 | psg:pl-uke | 9319 | no span | kept |")


REVIEW = Path(__file__).resolve().parent / "data" / "review-serbia-poland.md"


def test_the_serbia_poland_review_covers_every_passage_and_sentence(dataset, documents):
    """tests/data/review-serbia-poland.md has a verdict for every passage of the two profiles
    (with its current span) and for every sentence of them (by span): a passage added, moved
    or dropped without a review fails here."""
    text = REVIEW.read_text(encoding="utf-8")
    reviewed = {
        m.group(1): (int(m.group(2)), int(m.group(3)))
        for m in re.finditer(r"^\| `psg:([\w-]+)` \| (\d+)-(\d+) \|", text, re.M)
    }
    spans = passage_spans(dataset.store)
    current = {
        p.name.rsplit("/", 1)[1]: (p.start, p.end)
        for p in spans
        if p.name.rsplit("/", 1)[1].startswith(("rs-", "pl-"))
    }
    assert reviewed == current
    sentence_rows = {
        (int(m.group(1)), int(m.group(2)))
        for m in re.finditer(r"^\| (\d+)-(\d+) \| (?:content|heading) \|", text, re.M)
    }
    from kg.text import sentences

    profiles = {}
    for quad in dataset.store.quads_for_pattern(None, NamedNode(KG + "profileOf"), None, None):
        if quad.object.value in (ID + "RS", ID + "PL"):
            profiles[quad.subject] = (
                int(_one(dataset.store, quad.subject, KG + "startOffset").value),
                int(_one(dataset.store, quad.subject, KG + "endOffset").value),
            )
    assert len(profiles) == 2
    doc = next(iter(documents.values()))
    expected = {
        (s, e)
        for s, e in sentences(doc)
        if any(ps <= s and e <= pe for ps, pe in profiles.values())
    }
    assert sentence_rows == expected


def test_every_measure_objective_and_target_is_checked_for_what_it_concerns(dataset):
    """Section 4 of the review lists every measure, objective and target with what it
    concerns or why nothing is linked; the links it names are the data's."""
    text = REVIEW.read_text(encoding="utf-8")
    section = text[text.index("## 4.") :]
    listed = {
        m.group(1): m.group(2)
        for m in re.finditer(r"^\| `id:([\w-]+)` \| \w+ \| (.+) \|$", section, re.M)
    }
    store = dataset.store
    items = {
        q.subject.value.rsplit("/", 1)[1]
        for cls in ("Measure", "Objective", "Target")
        for q in store.quads_for_pattern(None, RDF_TYPE, _n(KG, cls), None)
    }
    assert set(listed) == items
    for item, verdict in listed.items():
        linked = list(store.quads_for_pattern(_n(ID, item), _n(KG, "concerns"), None, None))
        assert verdict.startswith("concerns ") == bool(linked), item
