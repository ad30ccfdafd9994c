"""OWL-lite inference: each axiom kind on a small fixture, the fixpoint, the separation of
inferred from asserted triples, provenance, and the guards (no meta-level, no external)."""

from __future__ import annotations

import weakref
from pathlib import Path

import pytest
from conftest import REPO, TEST_DATA
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Store

from kg.load import files as graph
from kg.load import inference, scope
from kg.load.files import ONTOLOGY_GRAPH
from kg.namespaces import GRAPH, ID, INFERRED_GRAPH, KG, PREFIXES, RDF_TYPE

FIXTURE = TEST_DATA / "inference"
OWL = PREFIXES["owl"]
PROV = PREFIXES["prov"]
RDF = PREFIXES["rdf"]
RDFS = PREFIXES["rdfs"]
DCTERMS = PREFIXES["dcterms"]
VOID = PREFIXES["void"]
SCHEMA = PREFIXES["schema"]


def K(local: str) -> NamedNode:
    return NamedNode(KG + local)


def E(local: str) -> NamedNode:
    return NamedNode(ID + local)


TYPE = NamedNode(RDF_TYPE)


def load_fixture(ontology_text: str | None = None) -> Store:
    """The fixture ontology in the ontology graph (or the given text), the fixture data."""
    store = Store()
    if ontology_text is None:
        store.load(
            path=str(FIXTURE / "ontology" / "kg.ttl"),
            format=RdfFormat.TURTLE,
            to_graph=ONTOLOGY_GRAPH,
        )
    else:
        store.load(input=ontology_text, format=RdfFormat.TURTLE, to_graph=ONTOLOGY_GRAPH)
    store.load(
        path=str(FIXTURE / "ontology" / "vocab.ttl"),
        format=RdfFormat.TURTLE,
        to_graph=NamedNode(GRAPH + "ontology/vocab"),
    )
    graph.load([FIXTURE / "data"], ontology=False, store=store)
    return store


@pytest.fixture()
def store() -> Store:
    s = load_fixture()
    inference.materialise(s)
    return s


def graph_of(rule: str, *terms: str) -> NamedNode:
    return NamedNode(f"{INFERRED_GRAPH}/{rule}/" + "/".join(terms))


def graphs_holding(store: Store, s: NamedNode, p: NamedNode, o: object) -> set[str]:
    return {q.graph_name.value for q in store.quads_for_pattern(s, p, o, None)}  # type: ignore[arg-type]


def union_select(store: Store, query: str) -> set[str]:
    rows = store.query(query, use_default_graph_as_union=True, prefixes=PREFIXES)
    return {row[0].value for row in rows}


def asserted_quads(store: Store) -> set[Quad]:
    return {
        q
        for q in store.quads_for_pattern(None, None, None, None)
        if not inference.is_inferred_graph(getattr(q.graph_name, "value", ""))
    }


# --- each axiom kind ------------------------------------------------------------------------


def test_symmetric_border_is_inferred_into_the_symmetric_graph(store: Store) -> None:
    # FI and LT say they border Russia (through the land-border subproperty); Russia says
    # nothing. The symmetric axiom gives Russia both borders, in the symmetric graph only.
    # (It also turns round the asserted "SE borders FI".)
    symmetric = graph_of("symmetric", "kg:sharesBorderWith")
    assert graphs_holding(store, E("RU"), K("sharesBorderWith"), E("FI")) == {symmetric.value}
    assert graphs_holding(store, E("RU"), K("sharesBorderWith"), E("LT")) == {symmetric.value}
    assert {
        (q.subject.value, q.predicate.value, q.object.value)
        for q in store.quads_for_pattern(None, None, None, symmetric)
    } == {
        (ID + "RU", KG + "sharesBorderWith", ID + "FI"),
        (ID + "RU", KG + "sharesBorderWith", ID + "LT"),
        (ID + "FI", KG + "sharesBorderWith", ID + "SE"),
    }


def test_which_countries_border_russia_sees_asserted_and_inferred(store: Store) -> None:
    bordering = union_select(
        store, 'SELECT ?c WHERE { ?c kg:sharesBorderWith ?ru . ?ru rdfs:label "Russia"@en }'
    )
    assert bordering == {ID + "FI", ID + "LT"}
    of_russia = union_select(store, "SELECT ?c WHERE { id:RU kg:sharesBorderWith ?c }")
    assert of_russia == {ID + "FI", ID + "LT"}


def test_symmetric_provenance_names_the_axiom(store: Store) -> None:
    g = graph_of("symmetric", "kg:sharesBorderWith")
    prov = inference.PROVENANCE_GRAPH
    assert inference.PROVENANCE_GRAPH.value == INFERRED_GRAPH + "/provenance"

    def objects(s: NamedNode, p: str) -> set[str]:
        return {q.object.value for q in store.quads_for_pattern(s, NamedNode(p), None, prov)}

    assert objects(g, PROV + "wasDerivedFrom") == {KG + "sharesBorderWith"}
    assert objects(g, DCTERMS + "conformsTo") == {OWL + "SymmetricProperty"}
    assert objects(g, PROV + "hadPrimarySource") == {ONTOLOGY_GRAPH.value}
    assert objects(g, VOID + "triples") == {"3"}
    assert objects(g, RDF_TYPE) == {PROV + "Entity"}
    statement = NamedNode(g.value + "#axiom")
    assert objects(g, DCTERMS + "source") == {statement.value}
    assert objects(statement, RDF + "subject") == {KG + "sharesBorderWith"}
    assert objects(statement, RDF + "predicate") == {RDF_TYPE}
    assert objects(statement, RDF + "object") == {OWL + "SymmetricProperty"}
    (comment,) = objects(g, RDFS + "comment")
    assert "kg:sharesBorderWith a owl:SymmetricProperty" in comment


def test_subproperty_of_a_symmetric_property_reaches_the_fixpoint(store: Store) -> None:
    sub = graph_of("subproperty", "kg:sharesLandBorderWith", "kg:sharesBorderWith")
    sym = graph_of("symmetric", "kg:sharesBorderWith")
    # step 1: the subproperty lifts FI's land border to a border
    assert graphs_holding(store, E("FI"), K("sharesBorderWith"), E("RU")) == {sub.value}
    # step 2: the symmetric axiom turns it round
    assert graphs_holding(store, E("RU"), K("sharesBorderWith"), E("FI")) == {sym.value}
    # the land border itself is not symmetric: never turned round
    assert graphs_holding(store, E("RU"), K("sharesLandBorderWith"), E("FI")) == set()


def test_subclass_chain_types_propagate_up_each_step_credited_to_its_axiom(store: Store) -> None:
    assert graphs_holding(store, E("FI"), TYPE, K("Country")) == {
        graph_of("subclass", "kg:EuMemberState", "kg:Country").value
    }
    assert graphs_holding(store, E("FI"), TYPE, K("Place")) == {
        graph_of("subclass", "kg:Country", "kg:Place").value
    }
    assert graphs_holding(store, E("FI"), TYPE, NamedNode(SCHEMA + "Place")) == {
        graph_of("subclass", "kg:Place", "schema:Place").value
    }
    # a city goes up its own branch, not into Country
    assert graphs_holding(store, E("helsinki"), TYPE, K("Place")) == {
        graph_of("subclass", "kg:City", "kg:Place").value
    }
    assert graphs_holding(store, E("helsinki"), TYPE, K("Country")) == set()
    places = union_select(store, "SELECT ?x WHERE { ?x a kg:Place }")
    assert places == {ID + "FI", ID + "LT", ID + "XL", ID + "helsinki"}


def test_inverse_works_in_both_directions(store: Store) -> None:
    inverse = graph_of("inverse", "kg:capital", "kg:capitalOf").value
    # capitalOf asserted → capital inferred
    assert graphs_holding(store, E("FI"), K("capital"), E("helsinki")) == {inverse}
    # capital asserted → capitalOf inferred
    assert graphs_holding(store, E("stockholm"), K("capitalOf"), E("SE")) == {inverse}
    # both asserted → nothing added
    assert graphs_holding(store, E("LT"), K("capital"), E("vilnius")) == {
        "https://w3id.org/digital-policy-kg/passage/fi-2"
    }


def test_transitive_closure_over_a_subproperty(store: Store) -> None:
    located = union_select(store, "SELECT ?place WHERE { id:agency kg:locatedIn ?place }")
    assert located == {ID + "helsinki", ID + "uusimaa", ID + "FI"}
    transitive = graph_of("transitive", "kg:locatedIn").value
    assert graphs_holding(store, E("helsinki"), K("locatedIn"), E("FI")) == {transitive}
    assert graphs_holding(store, E("agency"), K("locatedIn"), E("FI")) == {transitive}
    assert graphs_holding(store, E("agency"), K("locatedIn"), E("helsinki")) == {
        graph_of("subproperty", "kg:seatIn", "kg:locatedIn").value
    }


def test_equivalences_stay_within_the_terms_our_data_uses(store: Store) -> None:
    # kg:sharesBorderWith ≡ wdt:P47 and kg:Country ≡ wd:Q6256: our data uses neither
    # Wikidata term, so nothing is copied into Wikidata's vocabulary.
    assert list(store.quads_for_pattern(None, NamedNode(PREFIXES["wdt"] + "P47"), None, None))
    wikidata_borders = {
        q.graph_name.value
        for q in store.quads_for_pattern(None, NamedNode(PREFIXES["wdt"] + "P47"), None, None)
    }
    assert wikidata_borders == {GRAPH + "external/test"}  # only the external graph's own
    assert not list(store.quads_for_pattern(None, TYPE, NamedNode(PREFIXES["wd"] + "Q6256"), None))
    # ex:Land is used by the data: its member becomes a kg:Country, and ex:name a kg:name
    assert graphs_holding(store, E("XL"), TYPE, K("Country")) == {
        graph_of(
            "equivalent-class",
            "kg:Country",
            inference._term_slug(NamedNode("http://example.org/other#Land")),
        ).value
    }
    assert graphs_holding(store, E("XL"), K("name"), Literal("Xland")) != set()


# --- separation and guards --------------------------------------------------------------------


def test_nothing_inferred_is_written_to_asserted_graphs() -> None:
    s = load_fixture()
    before = asserted_quads(s)
    report = inference.materialise(s)
    assert report.total > 0
    assert asserted_quads(s) == before


def test_already_asserted_triples_are_never_inferred(store: Store) -> None:
    # SE sharesBorderWith FI is asserted; FI's land border with SE makes it derivable again
    assert graphs_holding(store, E("SE"), K("sharesBorderWith"), E("FI")) == {
        "https://w3id.org/digital-policy-kg/passage/fi-1"
    }
    premises = {
        (q.subject, q.predicate, q.object)
        for q in store.quads_for_pattern(None, None, None, None)
        if inference.is_premise_graph(getattr(q.graph_name, "value", ""))
    }
    inferred = [
        q
        for g in inference.inferred_graphs(store)
        if g != inference.PROVENANCE_GRAPH
        for q in store.quads_for_pattern(None, None, None, g)
    ]
    assert inferred
    assert not [q for q in inferred if (q.subject, q.predicate, q.object) in premises]
    # and each inferred triple sits in exactly one inferred graph
    triples = [(q.subject, q.predicate, q.object) for q in inferred]
    assert len(triples) == len(set(triples))


def test_ontology_graph_is_not_a_premise(store: Store) -> None:
    # kg.ttl holds "kg:Place kg:sharesBorderWith kg:Country", a meta-level trap
    assert graphs_holding(store, K("Country"), K("sharesBorderWith"), K("Place")) == set()
    # and no inferred triple is about an ontology term
    for g in inference.inferred_graphs(store):
        if g == inference.PROVENANCE_GRAPH:
            continue
        for q in store.quads_for_pattern(None, None, None, g):
            assert not q.subject.value.startswith(KG), q


def test_external_graphs_are_premises_only_of_the_external_closure(store: Store) -> None:
    # graph:external/test says NO sharesBorderWith SE: nothing is inferred from it for the
    # documents; the symmetric triple goes to the external scope's inferred graph only
    assert graphs_holding(store, E("SE"), K("sharesBorderWith"), E("NO")) == {
        inference.Axiom("symmetric", K("sharesBorderWith").value).graph_in(external=True).value
    }
    assert not [
        q
        for q in store.quads_for_pattern(None, None, None, None)
        if q.graph_name.value.startswith(GRAPH + "external/")
        and q.graph_name.value != GRAPH + "external/test"
    ]
    # and the external provenance graph describes that graph, apart from the documents' one
    graph = inference.Axiom("symmetric", K("sharesBorderWith").value).graph_in(external=True)
    described = list(
        store.quads_for_pattern(graph, None, None, inference.EXTERNAL_PROVENANCE_GRAPH)
    )
    assert described
    assert not list(store.quads_for_pattern(graph, None, None, inference.PROVENANCE_GRAPH))


def test_axioms_come_from_the_ontology_graph() -> None:
    text = (FIXTURE / "ontology" / "kg.ttl").read_text(encoding="utf-8")
    without = text.replace("owl:ObjectProperty, owl:SymmetricProperty ;", "owl:ObjectProperty ;")
    assert without != text
    s = load_fixture(without)
    report = inference.materialise(s)
    assert report.by_rule().get("symmetric", 0) == 0
    assert graphs_holding(s, E("RU"), K("sharesBorderWith"), E("FI")) == set()
    # the other axioms still apply
    assert graphs_holding(s, E("FI"), K("sharesBorderWith"), E("RU")) != set()


def test_report_counts_per_axiom(store: Store) -> None:
    s = load_fixture()
    report = inference.materialise(s)
    assert report.count("symmetric", KG + "sharesBorderWith") == 3
    assert report.count("inverse", KG + "capital", KG + "capitalOf") == 2
    assert report.count("subclass", KG + "EuMemberState", KG + "Country") == 1
    assert report.count("transitive", KG + "locatedIn") == 3
    assert (
        report.count("equivalent-property", KG + "sharesBorderWith", PREFIXES["wdt"] + "P47") == 0
    )
    assert report.rounds >= 2  # the fixpoint needed more than one step
    inferred = sum(
        1
        for g in inference.inferred_graphs(s)
        if g not in (inference.PROVENANCE_GRAPH, inference.EXTERNAL_PROVENANCE_GRAPH)
        for _ in s.quads_for_pattern(None, None, None, g)
    )
    assert report.total + report.external_total == inferred
    # every non-empty axiom graph is described, and the count matches
    for axiom, n in report.counts.items():
        described = list(
            s.quads_for_pattern(
                axiom.graph, NamedNode(VOID + "triples"), None, inference.PROVENANCE_GRAPH
            )
        )
        assert [q.object.value for q in described] == ([str(n)] if n else [])


def test_materialise_is_idempotent_and_removable() -> None:
    s = load_fixture()
    original = set(s.quads_for_pattern(None, None, None, None))
    inference.materialise(s)
    first = set(s.quads_for_pattern(None, None, None, None))
    inference.materialise(s)
    assert set(s.quads_for_pattern(None, None, None, None)) == first
    removed = inference.remove_inferred(s)
    assert removed == len(
        [
            g
            for g in {q.graph_name for q in first}
            if inference.is_inferred_graph(getattr(g, "value", ""))
        ]
    )
    assert set(s.quads_for_pattern(None, None, None, None)) == original


def test_literal_objects_are_never_turned_round() -> None:
    s = Store()
    s.load(
        input=f"<{KG}p> a <{OWL}SymmetricProperty> ; <{OWL}inverseOf> <{KG}q> .",
        format=RdfFormat.TURTLE,
        to_graph=ONTOLOGY_GRAPH,
    )
    s.add(Quad(E("a"), K("p"), Literal("text"), NamedNode("http://example.org/g")))
    s.add(Quad(E("a"), K("p"), E("b"), NamedNode("http://example.org/g")))
    report = inference.materialise(s)
    assert report.total == 3  # b p a, b q a, a q b … and nothing from the literal
    assert not list(s.quads_for_pattern(None, K("q"), Literal("text"), None))
    assert set(
        (q.subject.value, q.predicate.value, q.object.value)
        for g in inference.inferred_graphs(s)
        if g != inference.PROVENANCE_GRAPH
        for q in s.quads_for_pattern(None, None, None, g)
    ) == {
        (ID + "b", KG + "p", ID + "a"),
        (ID + "b", KG + "q", ID + "a"),
        (ID + "a", KG + "q", ID + "b"),
    }


def test_graph_names_are_readable_and_fall_back_to_a_hash() -> None:
    assert inference.Axiom("subclass", KG + "Country", KG + "Place").graph.value == (
        INFERRED_GRAPH + "/subclass/kg:Country/kg:Place"
    )
    odd = inference.Axiom("symmetric", "http://example.org/no-prefix#p").graph.value
    assert odd.startswith(INFERRED_GRAPH + "/symmetric/iri-")
    assert odd == inference.Axiom("symmetric", "http://example.org/no-prefix#p").graph.value
    assert odd != inference.Axiom("symmetric", "http://example.org/no-prefix#q").graph.value


def test_scales_to_many_triples() -> None:
    """200k asserted triples shaped like ours (typed entities, borders, a located-in tree) are
    inferred and stored, every one counted. No wall-clock assertion: the machine is shared, so
    a time budget failed at random (23.8 s on a loaded 2-core run); timings belong in bench/."""
    s = Store()
    s.load(
        path=str(FIXTURE / "ontology" / "kg.ttl"), format=RdfFormat.TURTLE, to_graph=ONTOLOGY_GRAPH
    )
    lines = []
    n = 25_000
    for i in range(n):
        g = f"<{PREFIXES['psg']}p{i // 10}>"
        e = f"<{ID}e{i}>"
        lines.append(f"{e} <{RDF_TYPE}> <{KG}{'EuMemberState' if i % 3 else 'City'}> {g} .")
        lines.append(f'{e} <{RDFS}label> "e{i}"@en {g} .')
        for k in (1, 7, 13):
            lines.append(f"{e} <{KG}sharesLandBorderWith> <{ID}e{(i * k + 1) % n}> {g} .")
        lines.append(f"{e} <{KG}locatedIn> <{ID}e{i // 8}> {g} .")
        lines.append(f"{e} <{KG}capitalOf> <{ID}e{(i + 5) % n}> {g} .")
        lines.append(f'{e} <{KG}name> "n{i}" {g} .')
    s.load(input="\n".join(lines), format=RdfFormat.N_QUADS)
    assert len(s) >= 200_000
    report = inference.materialise(s)
    assert report.total > 200_000
    stored = sum(
        1
        for g in inference.inferred_graphs(s)
        if g not in (inference.PROVENANCE_GRAPH, inference.EXTERNAL_PROVENANCE_GRAPH)
        for _ in s.quads_for_pattern(None, None, None, g)
    )
    assert stored == report.total


@pytest.mark.skipif(
    not (REPO / "ontology" / "kg.ttl").is_file() or not (REPO / "data").is_dir(),
    reason="the repository's ontology and data are not there yet",
)
def test_repository_data_answers_which_countries_border_russia() -> None:
    from kg.load import open_dataset

    dataset = open_dataset()
    store = dataset.store
    query = """SELECT DISTINCT ?label WHERE {
      ?russia rdfs:label "Russia"@en . ?c kg:sharesBorderWith ?russia . ?c rdfs:label ?label
      FILTER(lang(?label) = "en") }"""
    labels = union_select(store, query)
    assert {"Finland", "Lithuania"} <= labels
    asserted = store.query(
        'ASK { GRAPH ?g { ?russia kg:sharesBorderWith ?c } ?russia rdfs:label "Russia"@en '
        "FILTER(!STRSTARTS(STR(?g), STR(graph:inferred))) }",
        use_default_graph_as_union=True,
        prefixes=PREFIXES,
    )
    assert not bool(asserted)  # Russia has no profile: its borders are all inferred


def test_is_premise_graph_classification() -> None:
    assert inference.is_premise_graph(PREFIXES["psg"] + "fi-1")
    assert inference.is_premise_graph(GRAPH + "ontology/vocab")
    assert inference.is_premise_graph(Path("/tmp/x.ttl").resolve().as_uri())
    assert not inference.is_premise_graph(ONTOLOGY_GRAPH.value)
    assert not inference.is_premise_graph(GRAPH + "ontology/shapes")
    assert not inference.is_premise_graph(GRAPH + "external/wikidata")
    assert not inference.is_premise_graph(INFERRED_GRAPH + "/symmetric/kg:x")
    assert not inference.is_premise_graph(INFERRED_GRAPH + "/provenance")


def test_a_triple_an_external_graph_states_is_still_inferred_for_the_documents() -> None:
    """A border the documents entail that an external source also states is inferred for the
    documents (their scope does not see the external graph), and each scope's query graph
    counts it once (it used to be left out, when the union default graph was a bag)."""
    s = load_fixture()
    external = NamedNode(GRAPH + "external/test")
    s.add(Quad(E("RU"), K("sharesBorderWith"), E("FI"), external))
    s.add(Quad(E("FI"), TYPE, K("Place"), external))
    inference.materialise(s)
    symmetric = graph_of("symmetric", "kg:sharesBorderWith").value
    assert graphs_holding(s, E("RU"), K("sharesBorderWith"), E("FI")) == {
        external.value,
        symmetric,
    }
    scope.materialise(s)
    for name in scope.SCOPES:
        rows = list(
            s.query(
                "SELECT ?c WHERE { id:RU kg:sharesBorderWith ?c }",
                prefixes=PREFIXES,
                **scope.query_options(name),
            )
        )
        assert sorted(r[0].value for r in rows) == [ID + "FI", ID + "LT"], name  # once each


# --- the rule beyond the axioms: a landlocked country's borders (issue 20) ----------------------

_LANDLOCKED_DATA = f"""
@prefix kg: <{KG}> . @prefix id: <{ID}> . @prefix psg: <{PREFIXES["psg"]}> .
psg:xa-1 {{ id:XA a kg:LandlockedCountry . }}
psg:xa-2 {{ id:XA kg:sharesBorderWith id:XB . }}
psg:xb-1 {{
    id:XB kg:sharesBorderWith id:XC .
    id:border-XA-XB a kg:Border ; kg:borderBetween id:XA, id:XB .
    id:border-XB-XC a kg:Border ; kg:borderBetween id:XB, id:XC .
}}
psg:xd-1 {{ id:XD kg:sharesBorderWith id:XA . }}
"""


def _landlocked_store(ontology: str | None = None) -> Store:
    s = Store()
    if ontology is None:
        s.load(
            path=str(REPO / "ontology" / "kg.ttl"), format=RdfFormat.TURTLE, to_graph=ONTOLOGY_GRAPH
        )
    else:
        s.load(input=ontology, format=RdfFormat.TURTLE, to_graph=ONTOLOGY_GRAPH)
    s.load(input=_LANDLOCKED_DATA, format=RdfFormat.TRIG)
    return s


def test_a_landlocked_countrys_borders_are_land_borders_with_their_premises() -> None:
    """XA is landlocked: its borders with XB (stated by XA) and XD (stated by XD only) are land
    borders both ways, and the border node between XA and XB is a land border. XB-XC is of
    unstated kind and stays so: neither is stated landlocked."""
    s = _landlocked_store()
    report = inference.materialise(s)
    rule = inference.LANDLOCKED_BORDERS
    derived = {
        (q.subject.value, q.predicate.value, q.object.value)
        for q in s.quads_for_pattern(None, None, None, rule.graph)
    }
    land = KG + "sharesLandBorderWith"
    assert derived == {
        (ID + "XA", land, ID + "XB"),
        (ID + "XB", land, ID + "XA"),
        (ID + "XA", land, ID + "XD"),
        (ID + "XD", land, ID + "XA"),
        (ID + "border-XA-XB", RDF_TYPE, KG + "LandBorder"),
    }
    assert report.rule_counts == {"landlocked-border": 5}
    assert not list(s.quads_for_pattern(E("XB"), K("sharesLandBorderWith"), E("XC"), None))
    assert not list(s.quads_for_pattern(E("border-XB-XC"), TYPE, K("LandBorder"), None))
    # each derived triple is described with the graphs of its premises
    premises: dict[tuple[str, str, str], set[str]] = {}
    for statement in s.quads_for_pattern(
        rule.graph, NamedNode(DCTERMS + "hasPart"), None, inference.PROVENANCE_GRAPH
    ):
        node = statement.object

        def one(p: str, node=node) -> str:
            return next(s.quads_for_pattern(node, NamedNode(p), None, None)).object.value

        triple = (one(RDF + "subject"), one(RDF + "predicate"), one(RDF + "object"))
        premises[triple] = {
            q.object.value
            for q in s.quads_for_pattern(node, NamedNode(PROV + "wasDerivedFrom"), None, None)
        }
    psg = PREFIXES["psg"]
    assert set(premises) == derived
    assert premises[(ID + "XB", land, ID + "XA")] == {psg + "xa-1", psg + "xa-2"}
    assert premises[(ID + "XA", land, ID + "XD")] == {psg + "xa-1", psg + "xd-1"}
    # the node: XA is landlocked, and the node is a border between XA and XB
    assert premises[(ID + "border-XA-XB", RDF_TYPE, KG + "LandBorder")] == {
        psg + "xa-1",
        psg + "xb-1",
    }
    described = s.quads_for_pattern(
        rule.graph, NamedNode(VOID + "triples"), None, inference.PROVENANCE_GRAPH
    )
    assert [q.object.value for q in described] == ["5"]


def test_the_landlocked_rule_rests_on_the_ontologys_restriction() -> None:
    """Remove the restriction "at most 0 maritime borders" and nothing is derived."""
    text = (REPO / "ontology" / "kg.ttl").read_text(encoding="utf-8")
    line = next(
        x
        for x in text.splitlines()
        if x.startswith("kg:LandlockedCountry rdfs:subClassOf [")
        and "kg:sharesMaritimeBorderWith" in x
    )
    s = _landlocked_store(text.replace(line, ""))
    report = inference.materialise(s)
    assert report.rule_counts == {}
    assert not list(s.quads_for_pattern(None, None, None, inference.LANDLOCKED_BORDERS.graph))


def test_a_stated_maritime_border_is_never_made_a_land_border() -> None:
    s = _landlocked_store()
    s.add(Quad(E("XA"), K("sharesMaritimeBorderWith"), E("XB"), NamedNode(PREFIXES["psg"] + "x")))
    inference.materialise(s)
    assert not list(s.quads_for_pattern(E("XA"), K("sharesLandBorderWith"), E("XB"), None))
    assert list(s.quads_for_pattern(E("XA"), K("sharesLandBorderWith"), E("XD"), None))


@pytest.mark.skipif(
    not (REPO / "ontology" / "kg.ttl").is_file() or not (REPO / "data").is_dir(),
    reason="the repository's ontology and data are not there yet",
)
def test_repository_data_luxembourg_borders_are_land_borders_and_no_others_derived() -> None:
    """Luxembourg "is a landlocked country" (6931-6984): France-Luxembourg, of unstated kind in
    both profiles, becomes a land border in the rule's graph; France's other borders of
    unstated kind (Belgium, Spain …) stay unstated."""
    from kg.load import open_dataset

    store = open_dataset().store
    rule = inference.LANDLOCKED_BORDERS.graph
    land = K("sharesLandBorderWith")

    def documents(graphs: set[str]) -> set[str]:  # GeoNames states land borders of its own
        return {g for g in graphs if not scope.is_external_graph(g)}

    for a, b in (("FR", "LU"), ("LU", "FR"), ("BE", "LU"), ("DE", "LU")):
        assert documents(graphs_holding(store, E(a), land, E(b))) == {rule.value}, (a, b)
    assert graphs_holding(store, E("border-FR-LU"), TYPE, K("LandBorder")) == {rule.value}
    for other in ("BE", "DE", "ES", "IT", "CH", "NL", "BR"):
        assert not documents(graphs_holding(store, E("FR"), land, E(other))), other


@pytest.mark.skipif(
    not (REPO / "ontology" / "kg.ttl").is_file() or not (REPO / "data").is_dir(),
    reason="the repository's ontology and data are not there yet",
)
def test_repository_data_predominantly_is_not_turned_into_located_in() -> None:
    """France is "predominantly located in Western Europe" (5108-5291): kg:mainlyLocatedIn is no
    longer a sub-property of kg:locatedIn, so no inferred graph drops the qualifier."""
    from kg.load import open_dataset

    store = open_dataset().store
    assert graphs_holding(store, E("FR"), K("mainlyLocatedIn"), E("western-europe")) == {
        PREFIXES["psg"] + "fr-location"
    }
    assert graphs_holding(store, E("FR"), K("locatedIn"), E("western-europe")) == set()


def test_the_closure_is_freed_before_the_inferred_triples_are_written(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the premises, their indexes and every triple entailed are garbage once the new triples
    # are known: alive while those are written, they sat under the bulk loader's batches
    closures: list[weakref.ref] = []
    alive_at_write: list[bool] = []
    init, write = inference._Closure.__init__, inference._store

    def tracked(self: inference._Closure, *args: object) -> None:
        closures.append(weakref.ref(self))
        init(self, *args)  # type: ignore[arg-type]

    def store_after(*args: object, **kwargs: object) -> None:
        alive_at_write.append(any(ref() is not None for ref in closures))
        write(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(inference._Closure, "__init__", tracked)
    monkeypatch.setattr(inference, "_store", store_after)
    s = load_fixture()
    report = inference.materialise(s)
    assert closures and alive_at_write and not any(alive_at_write)
    assert report.total > 0 and any(inference.inferred_graphs(s))
