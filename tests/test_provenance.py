"""Every asserted data triple can be traced to the passage of a source document that states it.

The tests read the source documents from ``shared/seeds`` beside the checkout, check the
document's SHA-256 and length against what the graph records, check that every passage span
lies inside its document and its profile, and that the passage's text names each fact
(``tests/provenance_check.py`` says what "names" means).
"""

from __future__ import annotations

import hashlib

import pytest
from conftest import SEEDS
from provenance_check import ProvenanceIndex, check_passage
from pyoxigraph import NamedNode

from kg.load import files as graph
from kg.namespaces import KG, PASSAGE, SOURCE

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
