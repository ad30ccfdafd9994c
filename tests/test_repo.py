"""Whole-repository invariants: the ontology is OWL-lite and documented, the data uses only
defined terms, every entity is labelled, identifiers are checked against ISO 3166, only passages
share a triple, the canned queries are documented, and no sentence of the source documents
is copied into the project."""

from __future__ import annotations

import re
import subprocess
from collections import defaultdict

import pycountry
import pytest
from conftest import REPO, SEEDS
from pyoxigraph import Literal, NamedNode

from kg import resources
from kg.load import files as graph
from kg.load import open_dataset, scope
from kg.namespaces import ID, KG, ONTOLOGY_IRI, PASSAGE, VOC

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
ORG = "http://www.w3.org/ns/org#"


@pytest.fixture(scope="module")
def dataset():
    return open_dataset()


def objects(store, s, p):
    return [q.object for q in store.quads_for_pattern(NamedNode(s), NamedNode(p), None, None)]


def test_only_passages_share_a_triple(dataset):
    """Every passage that states a fact is its source, so a fact two passages state is in both
    passage graphs (issue 11; queries read the query graphs of kg.load.scope, which count it
    once). Within a scope nothing else repeats a triple: inference never adds one already
    stored, and the ontology does not restate a passage. Across scopes a repeat is expected:
    what the documents entail is inferred for them even when an external source states it."""
    graphs = defaultdict(set)
    for q in dataset.store:
        if scope.is_query_graph(q.graph_name):
            continue
        external = scope.is_external_graph(getattr(q.graph_name, "value", ""))
        graphs[(q.subject, q.predicate, q.object, external)].add(q.graph_name)
    repeated = {t: g for t, g in graphs.items() if len(g) > 1}
    assert repeated, "no fact has two sources: the passages lost their shared facts"
    elsewhere = [
        (t, sorted(str(n) for n in g))
        for t, g in repeated.items()
        if not all(isinstance(n, NamedNode) and n.value.startswith(PASSAGE) for n in g)
    ]
    assert not elsewhere, f"{len(elsewhere)} triples repeated outside passages: {elsewhere[:3]}"


def test_each_scope_reads_every_triple_once():
    """A fact several passages state sits in each of their graphs (each is its source), and
    pyoxigraph 0.5's union default graph is a bag (oxigraph#1919): queries read the query
    graphs of kg.load.scope instead, which must hold exactly the distinct triples of the
    scope's graphs — the documents' (and the ontology's), or those and the external ones."""
    store = open_dataset().store  # its own: the query graphs would show in the module's
    scope.ensure(store)
    documents, everything = set(), set()
    for q in store:
        if scope.is_query_graph(q.graph_name):
            continue
        triple = (q.subject, q.predicate, q.object)
        everything.add(triple)
        if not scope.is_external_graph(getattr(q.graph_name, "value", "")):
            documents.add(triple)
    for name, expected in ((scope.DOCUMENTS, documents), (scope.ALL, everything)):
        rows = store.query("SELECT ?s ?p ?o WHERE { ?s ?p ?o }", **scope.query_options(name))
        seen = [(r["s"], r["p"], r["o"]) for r in rows]
        assert len(seen) == len(set(seen)), name  # a set: nothing counted twice
        assert set(seen) == expected, name


def test_the_ontology_header(dataset):
    store = dataset.store
    assert objects(store, ONTOLOGY_IRI, RDF + "type") == [NamedNode(OWL + "Ontology")]
    assert objects(store, ONTOLOGY_IRI, OWL + "versionIRI")
    assert objects(store, ONTOLOGY_IRI, DCTERMS + "license")
    assert objects(store, ONTOLOGY_IRI, DCTERMS + "title")


def _terms(store):
    found = set()
    for kind in ("Class", "ObjectProperty", "DatatypeProperty"):
        for q in store.quads_for_pattern(
            None, NamedNode(RDF + "type"), NamedNode(OWL + kind), None
        ):
            if isinstance(q.subject, NamedNode) and q.subject.value.startswith(KG):
                found.add(q.subject.value)
    return found


def test_every_term_has_a_label_a_definition_and_is_defined_by_the_ontology(dataset):
    store = dataset.store
    terms = _terms(store)
    assert len(terms) > 150
    for term in sorted(terms):
        labels = [o for o in objects(store, term, RDFS + "label") if isinstance(o, Literal)]
        assert any(o.language == "en" for o in labels), f"{term} has no English label"
        definitions = objects(store, term, SKOS + "definition")
        assert any(o.language == "en" for o in definitions), f"{term} has no definition"
        assert objects(store, term, RDFS + "isDefinedBy") == [NamedNode(ONTOLOGY_IRI)], term


def test_the_ontology_uses_owl_lite_constructs_only(dataset):
    store = dataset.store
    ontology = NamedNode(graph.ONTOLOGY_GRAPH.value)
    forbidden = [
        "unionOf",
        "complementOf",
        "oneOf",
        "hasValue",
        "disjointWith",
        "propertyChainAxiom",
    ]
    for name in forbidden:
        assert not list(store.quads_for_pattern(None, NamedNode(OWL + name), None, ontology)), name
    for prop in ("cardinality", "minCardinality", "maxCardinality"):
        for q in store.quads_for_pattern(None, NamedNode(OWL + prop), None, ontology):
            assert q.object.value in ("0", "1"), f"OWL-lite allows cardinality 0 or 1 only: {q}"


KNOWN_NAMESPACES = (RDF, RDFS, OWL, SKOS, ORG, DCTERMS, "http://www.w3.org/ns/prov#")


def test_the_data_uses_only_defined_terms(dataset):
    """Every predicate and class of the document data is one of ours (defined in the ontology)
    or a term of a W3C vocabulary we reuse; every concept used is in our vocabulary."""
    store = dataset.store
    defined = _terms(store)
    concepts = {
        q.subject.value
        for q in store.quads_for_pattern(
            None, NamedNode(RDF + "type"), NamedNode(SKOS + "Concept"), None
        )
    }
    for name, path in dataset.files.items():
        if path.parent != resources.data_dir():
            continue
        for q in store.quads_for_pattern(None, None, None, NamedNode(name)):
            used = [q.predicate.value]
            if q.predicate.value == RDF + "type":
                used.append(q.object.value)
            for term in used:
                if term.startswith(KG):
                    assert term in defined, f"{term} used in {path.name} is not defined"
                else:
                    assert term.startswith(KNOWN_NAMESPACES), f"{term} in {path.name}"
            if isinstance(q.object, NamedNode) and q.object.value.startswith(VOC):
                assert q.object.value in concepts, f"{q.object.value} is not in the vocabulary"


def test_every_entity_has_one_english_label(dataset):
    store = dataset.store
    entities = {
        term.value
        for q in store
        for term in (q.subject, q.object)
        if isinstance(term, NamedNode) and term.value.startswith(ID)
    }
    assert len(entities) > 200
    for entity in sorted(entities):
        english = [
            o.value
            for o in objects(store, entity, RDFS + "label")
            if isinstance(o, Literal) and o.language == "en"
        ]
        described = list(store.quads_for_pattern(NamedNode(entity), None, None, None))
        if not english:
            # n-ary nodes (participations, borders, rankings, quantities) are named by the
            # entities they link; they must at least be typed
            assert objects(store, entity, RDF + "type"), f"{entity} is neither labelled nor typed"
            assert described
        else:
            assert len(set(english)) == 1, f"{entity} has several English labels: {english}"


def test_country_identifiers_are_iso_codes_of_their_labels(dataset):
    """Countries are named by ISO 3166-1 alpha-2 code; pycountry confirms each code matches
    the country's label, so no code rests on memory."""
    store = dataset.store
    countries = [
        q.subject.value
        for q in store.quads_for_pattern(
            None, NamedNode(RDF + "type"), NamedNode(KG + "Country"), None
        )
    ]
    assert len(set(countries)) >= 24
    for iri in set(countries):
        code = iri.removeprefix(ID)
        label = next(o.value for o in objects(store, iri, RDFS + "label") if o.language == "en")
        try:
            match = pycountry.countries.lookup(label)
        except LookupError:  # common names such as "Russia" are not ISO short names
            match = pycountry.countries.search_fuzzy(label)[0]
        assert match.alpha_2 == code, f"{iri} is labelled {label}, whose code is {match.alpha_2}"


def test_language_notations_are_iso_639_codes(dataset):
    store = dataset.store
    for q in store.quads_for_pattern(None, NamedNode(SKOS + "notation"), None, None):
        if q.subject.value.startswith(VOC + "language-"):
            label = objects(store, q.subject.value, SKOS + "prefLabel")[0].value
            assert pycountry.languages.get(alpha_2=q.object.value).name == label


def test_each_passage_graph_lives_in_one_file():
    seen = {}
    for path in sorted(resources.data_dir().glob("*.trig")):
        for name in re.findall(r"^(psg:[\w-]+|src:[\w-]+) \{", path.read_text(), re.M):
            assert name not in seen, f"{name} is in {seen.get(name)} and {path.name}"
            seen[name] = path.name
    assert len(seen) > 50


def test_every_canned_query_is_documented():
    queries = sorted(resources.queries_dir().glob("*.rq"))
    assert queries
    competencies = set()
    for path in queries:
        text = path.read_text(encoding="utf-8")
        assert re.match(r"[a-z]+-[a-z]+(-[a-z]+)*\.rq$", path.name), path.name
        for key in ("summary", "description", "tags"):
            assert re.search(rf"^#\+ {key}: \S", text, re.M), f"{path.name} has no {key}"
        competencies |= set(re.findall(r"^#\+ competency: (CQ\d+)", text, re.M))
    required = {f"CQ{n}" for n in [*range(1, 13), 15]}
    assert required <= competencies, f"no canned query for {sorted(required - competencies)}"


@pytest.mark.skipif(not SEEDS.is_dir(), reason="source documents not available")
def test_no_sentence_of_the_sources_is_copied_into_the_project(dataset):
    """Runs of 12 words of a source document must not appear in any file of the project:
    descriptions are our own words, passages are cited by span. Names are the exception: a name
    is kept as the document words it ("Strategy for Development of Artificial Intelligence in
    Serbia for the Period 2020-2025" is 13 words), so runs inside a name are not copies."""

    def words(text):
        return re.findall(r"[\w’']+", text.lower())

    grams = set()
    for source in SEEDS.glob("*.txt"):
        w = words(source.read_text(encoding="utf-8"))
        grams.update(tuple(w[i : i + 12]) for i in range(len(w) - 11))
    for predicate in (RDFS + "label", SKOS + "altLabel"):
        for q in dataset.store.quads_for_pattern(None, NamedNode(predicate), None, None):
            w = words(q.object.value)
            if len(w) <= 16:  # a name, not a sentence passed off as one
                grams.difference_update(tuple(w[i : i + 12]) for i in range(len(w) - 11))
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    copied = []
    for name in listed:
        path = REPO / name
        if not path.is_file() or path.stat().st_size > 2_000_000:
            continue
        try:
            w = words(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            continue
        hits = sum(1 for i in range(len(w) - 11) if tuple(w[i : i + 12]) in grams)
        if hits:
            copied.append((name, hits))
    assert not copied, f"files repeating 12-word runs of the sources: {copied}"


def test_every_class_the_data_uses_has_a_shape(dataset):
    """ontology/shapes.ttl has a node shape targeting each class the data asserts."""
    from kg.validation.shacl import ShapesGraph

    shapes = ShapesGraph.load(resources.shapes_file())
    targeted = {o.value for _, o in shapes.pairs("http://www.w3.org/ns/shacl#targetClass")}
    store = dataset.store
    used = set()
    for name, path in dataset.files.items():
        if path.parent != resources.data_dir():
            continue
        for q in store.quads_for_pattern(None, NamedNode(RDF + "type"), None, NamedNode(name)):
            used.add(q.object.value)
    assert len(used) > 50
    assert not used - targeted, f"classes with no shape: {sorted(used - targeted)}"


WDT = "http://www.wikidata.org/prop/direct/"
QUDT_UNIT = "http://qudt.org/vocab/unit/"


def test_wikidata_alignments_claim_no_more_than_our_terms_mean(dataset):
    """Issue 11: kg:capital is functional, wdt:P36 is not; kg:topic is any topic, wdt:P921 a
    work's main subject; kg:partOf is transitive across places, sectors and policy efforts.
    None of them is owl:equivalentProperty to Wikidata's; a SKOS mapping says how they relate."""
    store = dataset.store
    expected = {
        "capital": ("broadMatch", "P36"),
        "capitalOf": ("broadMatch", "P1376"),
        "topic": ("closeMatch", "P921"),
        "partOf": ("closeMatch", "P361"),
    }
    for local, (mapping, prop) in expected.items():
        term = KG + local
        assert not [
            o for o in objects(store, term, OWL + "equivalentProperty") if o.value.startswith(WDT)
        ], term
        assert NamedNode(WDT + prop) in objects(store, term, SKOS + mapping), term


def test_units_map_to_qudt_and_money_to_its_iso_4217_code(dataset):
    """Each unit says which QUDT unit it is (exactly, closely, or as a narrower kind of count);
    inhabitants per square mile has no QUDT unit. The euro carries its ISO 4217 code."""
    store = dataset.store
    units = {
        q.subject.value
        for q in store.quads_for_pattern(
            None, NamedNode(SKOS + "inScheme"), NamedNode(VOC + "units")
        )
    }
    mapped = {
        unit
        for unit in units
        for mapping in ("exactMatch", "closeMatch", "broadMatch")
        for o in objects(store, unit, SKOS + mapping)
        if o.value.startswith(QUDT_UNIT)
    }
    assert units - mapped == {VOC + "unit-inhabitants-per-square-mile"}
    euro = VOC + "unit-euro"
    assert NamedNode(QUDT_UNIT + "CCY_EUR") in objects(store, euro, SKOS + "exactMatch")
    assert [o.value for o in objects(store, euro, SKOS + "notation")] == ["EUR"]
