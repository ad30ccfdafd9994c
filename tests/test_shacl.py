"""The native SHACL engine (kg.validation.shacl): exact results on fixtures, agreement with pyshacl
(the differential test), one query per constraint whatever the data size, and clear errors for
what it does not support."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import REPO, TEST_DATA
from pyoxigraph import BlankNode, Literal, NamedNode

from kg.errors import RdfSyntaxError, ShapesError
from kg.load import files as graph
from kg.validation.shacl import (
    REGISTRY,
    SH,
    Component,
    Registry,
    ShaclEngine,
    ShapesGraph,
    ValidationResult,
    compare_with_pyshacl,
    diff_results,
    validate_store,
    validate_with_pyshacl,
)
from kg.validation.shacl.components import Parameter

SHACL = TEST_DATA / "shacl"
ONTOLOGY = SHACL / "ontology.ttl"
SHORT = {
    "http://example.org/ns#": "ex:",
    "http://example.org/id/": "id:",
    "http://www.w3.org/2000/01/rdf-schema#": "rdfs:",
    "http://www.w3.org/2001/XMLSchema#": "xsd:",
    "http://www.w3.org/ns/shacl#": "",
}


def short(text: str) -> str:
    for ns, prefix in SHORT.items():
        text = text.replace(ns, prefix)
    return text.replace("<", "").replace(">", "")


def term(t: object) -> str:
    if t is None:
        return ""
    if isinstance(t, BlankNode):
        return "_:"  # blank node ids are not stable between loads
    if isinstance(t, Literal):
        dt = short(t.datatype.value)
        if t.language:
            return f'"{t.value}"@{t.language}'
        return f'"{t.value}"' if dt == "xsd:string" else f'"{t.value}"^^{dt}'
    return short(str(t))


def rows(results: list[ValidationResult]) -> set[tuple[str, str, str, str, str]]:
    """(focus, path, value, component, severity), compact and readable."""
    return {
        (
            term(r.focus),
            short(r.path.sparql) if r.path else "",
            term(r.value),
            short(r.component.value).removesuffix("ConstraintComponent"),
            short(r.severity.value),
        )
        for r in results
    }


def run(shapes: str, data: str) -> list[ValidationResult]:
    dataset = graph.load([ONTOLOGY, SHACL / data], ontology=False)
    return validate_store(dataset.store, ShapesGraph.load(SHACL / shapes))


LABEL = "rdfs:label"
CORE_INVALID = {
    ("id:nolabel", LABEL, "", "MinCount", "Violation"),
    ("id:labels", LABEL, "", "UniqueLang", "Violation"),
    ("id:labels", LABEL, '"Agentur"@de', "LanguageIn", "Violation"),
    ("id:labels", LABEL, '"plain"', "LanguageIn", "Violation"),
    ("id:labels", LABEL, '"plain"', "Datatype", "Violation"),
    ("id:labels", LABEL, '"A"@fr', "MinLength", "Violation"),
    (
        "id:labels",
        LABEL,
        '"An agency whose name is far too long to be a label"@en',
        "MaxLength",
        "Violation",
    ),
    ("id:founding", "ex:founded", "", "MaxCount", "Violation"),
    ("id:founding", "ex:founded", '"yesterday"', "Datatype", "Violation"),
    ("id:founding", "ex:founded", '"yesterday"', "MinInclusive", "Violation"),
    ("id:founding", "ex:founded", '"yesterday"', "LessThan", "Violation"),
    ("id:founding", "ex:founded", '"1750"^^xsd:gYear', "MinInclusive", "Violation"),
    ("id:founding", "ex:founded", '"1750"^^xsd:gYear', "LessThan", "Violation"),
    ("id:stateless", "ex:country", "", "MinCount", "Violation"),
    ("id:twocountries", "ex:country", "", "MaxCount", "Violation"),
    ("id:twocountries", "ex:country", "id:belgrade", "Class", "Violation"),
    ("id:badcode", "ex:code", '"r4tel"', "Pattern", "Violation"),
    ("id:badcode", "ex:code", '"42"^^xsd:integer', "Pattern", "Violation"),
    ("id:badcode", "ex:code", '"42"^^xsd:integer', "Datatype", "Violation"),
    ("id:badstatus", "ex:status", "ex:closed", "In", "Warning"),
    ("id:badsite", "ex:website", '"ratel.rs"', "NodeKind", "Info"),
    ("_:", "", "_:", "NodeKind", "Violation"),
    ("id:xx", "ex:population", '"many"^^xsd:integer', "Datatype", "Violation"),
    ("id:xx", "ex:population", '"many"^^xsd:integer', "MinExclusive", "Violation"),
    ("id:xx", "ex:population", '"many"^^xsd:integer', "MaxInclusive", "Violation"),
    ("id:xx", "ex:population", '"0"^^xsd:integer', "MinExclusive", "Violation"),
    ("id:xx", "ex:population", '"3000000000"^^xsd:integer', "MaxInclusive", "Violation"),
    ("id:xx", "ex:memberOf", "", "HasValue", "Violation"),
    ("id:xx", "ex:name", '"Ex Land"@en', "Equals", "Violation"),
    ("id:xx", "ex:name", '"Xland"@en', "Equals", "Violation"),
    ("id:xx", "ex:borders", "ex:eu", "Disjoint", "Violation"),
    ("id:xx", "ex:borders", '"the sea"', "NodeKind", "Violation"),
    ("id:xcity", "", "id:xcity", "Class", "Violation"),
    ("id:nameless", LABEL, "", "MinCount", "Violation"),
    ("id:belgrade", LABEL, "", "MaxCount", "Violation"),
    ("ex:un", LABEL, "", "MinCount", "Violation"),
    ("id:p1", "ex:startYear", '"2021"^^xsd:integer', "LessThanOrEquals", "Violation"),
    ("id:p2", "ex:startYear", '"1850"^^xsd:integer', "MinInclusive", "Violation"),
    ("id:p2", "ex:startYear", '"1950.5"^^xsd:decimal', "Datatype", "Violation"),
}
LOGICAL_INVALID = {
    ("id:m1", "ex:member", "id:rs", "Node", "Violation"),
    ("id:m1", "ex:member", "id:anon", "Node", "Violation"),
    ("id:m2", "ex:role", "id:rs", "Or", "Violation"),
    ("id:m2", "ex:role", '"7"^^xsd:integer', "Or", "Violation"),
    ("id:m3", "ex:period", "id:p3", "And", "Violation"),
    ("id:m4", "ex:period", "_:", "And", "Violation"),
    ("id:p3", "ex:start", '"2016"', "Datatype", "Violation"),
    ("id:m5", "", "id:m5", "Not", "Violation"),
}
PATHS_INVALID = {
    ("id:belgrade", "^ex:capital", "", "MaxCount", "Violation"),
    ("id:belgrade", "^ex:capital", "id:yu", "Class", "Violation"),
    ("id:belgrade", "(^ex:capital)/rdfs:label", '"Serbie"@fr', "LanguageIn", "Violation"),
    ("id:belgrade", "ex:inRegion|ex:inCountry", "", "MinCount", "Violation"),
    ("id:belgrade", "ex:partOf+", "id:thing", "Class", "Violation"),
    ("id:nis", "ex:twin?", "id:thing", "Class", "Violation"),
}
SPARQL = {
    ("id:p2", "", '"2021"^^xsd:integer', "SPARQL", "Warning"),
    ("id:nis", LABEL, "id:nis", "SPARQL", "Violation"),
}

PAIRS = [
    ("core-shapes.ttl", "core-valid.ttl", set()),
    ("core-shapes.ttl", "core-invalid.ttl", CORE_INVALID),
    ("logical-shapes.ttl", "logical-valid.ttl", set()),
    ("logical-shapes.ttl", "logical-invalid.ttl", LOGICAL_INVALID),
    ("paths-shapes.ttl", "paths-valid.ttl", set()),
    ("paths-shapes.ttl", "paths-invalid.ttl", PATHS_INVALID),
    ("sparql-shapes.ttl", "sparql-data.ttl", SPARQL),
]


@pytest.mark.parametrize(("shapes", "data", "expected"), PAIRS, ids=[p[1] for p in PAIRS])
def test_native_results_are_exactly_the_expected_rows(shapes, data, expected):
    assert rows(run(shapes, data)) == expected


@pytest.mark.parametrize(("shapes", "data", "expected"), PAIRS, ids=[p[1] for p in PAIRS])
def test_differential_native_equals_pyshacl(shapes, data, expected):
    diff = compare_with_pyshacl(SHACL / shapes, [SHACL / data], ontology=[ONTOLOGY])
    assert diff.same, str(diff)
    assert diff.common == len(expected)


def test_pyshacl_gyear_defect_is_listed_not_hidden():
    """pyshacl cannot compare xsd:gYear values and flags 2010 >= 1800 as a violation; the
    diff lists that row apart, and only that row."""
    diff = compare_with_pyshacl(
        SHACL / "core-shapes.ttl", [SHACL / "core-valid.ttl"], ontology=[ONTOLOGY]
    )
    assert [tuple(short(x) for x in k) for k in diff.pyshacl_defects] == [
        (
            "id:ratel",
            "ex:founded",
            '"2010"^^xsd:gYear',
            "MinInclusiveConstraintComponent",
            "Violation",
        )
    ]


def test_diff_reports_disagreements_both_ways():
    results = run("core-shapes.ttl", "core-invalid.ttl")
    dropped, rest = results[0], results[1:]
    extra = ValidationResult(
        NamedNode("http://example.org/id/ghost"),
        None,
        None,
        NamedNode("http://example.org/ns#S"),
        NamedNode("http://www.w3.org/ns/shacl#ClassConstraintComponent"),
        NamedNode("http://www.w3.org/ns/shacl#Violation"),
        "",
    )
    diff = diff_results([*rest, extra], results)
    assert not diff.same
    assert diff.only_native == [extra.key()]
    assert diff.only_pyshacl == [dropped.key()]


def test_messages_come_from_the_shape_or_are_generated():
    by_component = {}
    for r in run("core-shapes.ttl", "core-invalid.ttl"):
        by_component.setdefault((term(r.focus), r.component.value.split("#")[1]), r.message)
    assert by_component[("id:nolabel", "MinCountConstraintComponent")] == (
        "An organisation has one label per language, in English or French, 2 to 40 characters long."
    )
    assert by_component[("id:stateless", "MinCountConstraintComponent")] == (
        "fewer than 1 values of http://example.org/ns#country"
    )


def test_sparql_message_is_filled_from_the_row():
    messages = {r.message for r in run("sparql-shapes.ttl", "sparql-data.ttl")}
    assert "starts in 2021, after it ends (2020)" in messages


def test_named_graph_constraints_run_natively_and_are_left_out_of_the_diff():
    assert rows(run("graph-shapes.ttl", "graph-data.trig")) == {
        ("id:fr", "", "id:fr", "SPARQL", "Violation")
    }
    diff = compare_with_pyshacl(
        SHACL / "graph-shapes.ttl", [SHACL / "graph-data.trig"], ontology=[ONTOLOGY]
    )
    assert diff.same and diff.common == 0
    assert diff.not_compared == ["ex:SourcedShape"]
    dataset = graph.load([ONTOLOGY, SHACL / "graph-data.trig"], ontology=False)
    with pytest.raises(ShapesError, match="uses GRAPH"):
        validate_with_pyshacl(dataset.store, SHACL / "graph-shapes.ttl")


class CountingStore:
    """Stands in for a store and counts the queries the engine sends."""

    def __init__(self, store):
        self.store, self.queries = store, 0

    def query(self, *args, **kwargs):
        self.queries += 1
        return self.store.query(*args, **kwargs)


def _synthetic(tmp_path: Path, n: int) -> Path:
    lines = [
        "@prefix ex: <http://example.org/ns#> .",
        "@prefix id: <http://example.org/id/> .",
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
    ]
    for i in range(n):
        label = "" if i % 5 == 0 else f'rdfs:label "Org {i}"@en ; '  # every 5th has none
        lines.append(f"id:o{i} a ex:Agency ; {label}ex:country id:c{i % 7} .")
        lines.append(f"id:m{i} a ex:Membership ; ex:member id:o{i} .")
    for c in range(7):
        lines.append(f"id:c{c} a ex:Country ; ex:memberOf ex:un .")
    path = tmp_path / f"synthetic-{n}.ttl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_one_query_per_constraint_whatever_the_number_of_focus_nodes(tmp_path):
    counts = []
    for n in (5, 500):
        dataset = graph.load([ONTOLOGY, _synthetic(tmp_path, n)], ontology=False)
        store = CountingStore(dataset.store)
        results = []
        for shapes in ("core-shapes.ttl", "logical-shapes.ttl"):
            engine = ShaclEngine(ShapesGraph.load(SHACL / shapes))
            results += engine.validate(store)  # type: ignore[arg-type]
        counts.append(store.queries)
        unlabelled = [f"id:o{i}" for i in range(0, n, 5)]
        assert rows(results) == {("ex:un", LABEL, "", "MinCount", "Violation")} | {
            (org, LABEL, "", "MinCount", "Violation") for org in unlabelled
        } | {(f"id:m{org[4:]}", "ex:member", org, "Node", "Violation") for org in unlabelled}
    assert counts[0] == counts[1] > 0


def test_the_class_hierarchy_of_the_ontology_is_followed():
    """ex:Ministry and ex:Agency instances are targeted by sh:targetClass ex:Organisation only
    because the ontology says they are subclasses; without it they are not."""
    dataset = graph.load([SHACL / "core-invalid.ttl"], ontology=False)
    results = validate_store(dataset.store, ShapesGraph.load(SHACL / "core-shapes.ttl"))
    assert "id:nolabel" not in {term(r.focus) for r in results}
    assert "id:nolabel" in {term(r.focus) for r in run("core-shapes.ttl", "core-invalid.ttl")}


def test_a_type_in_another_graph_counts(tmp_path):
    """sh:class sees the union of the named graphs (e.g. types kg inferred)."""
    extra = tmp_path / "types.ttl"
    extra.write_text(
        "@prefix ex: <http://example.org/ns#> .\n<http://example.org/id/belgrade> a ex:Country .\n"
    )
    dataset = graph.load([ONTOLOGY, SHACL / "core-invalid.ttl", extra], ontology=False)
    results = validate_store(dataset.store, ShapesGraph.load(SHACL / "core-shapes.ttl"))
    assert ("id:twocountries", "ex:country", "id:belgrade", "Class", "Violation") not in rows(
        results
    )


PREFIXES = """@prefix ex: <http://example.org/ns#> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""
UNSUPPORTED = {
    "closed": ("ex:S a sh:NodeShape ; sh:targetClass ex:City ; sh:closed true .", "sh:closed"),
    "xone": (
        "ex:S a sh:NodeShape ; sh:targetClass ex:City ; sh:xone ( ex:A ex:B ) .",
        "sh:xone",
    ),
    "qualified": (
        "ex:S a sh:NodeShape ; sh:targetClass ex:City ; sh:property [ sh:path ex:p ; "
        "sh:qualifiedValueShape ex:A ; sh:qualifiedMinCount 1 ] .",
        "sh:qualified",
    ),
    "sparql-target": ("ex:S a sh:NodeShape ; sh:target [ a ex:T ] .", "sh:target"),
    "unknown-term": ("ex:S a sh:NodeShape ; sh:targetClass ex:City ; sh:colour 1 .", "sh:colour"),
    "folded-datatype": (
        "ex:S a sh:NodeShape ; sh:targetClass ex:City ; sh:property [ sh:path ex:p ; "
        "sh:datatype xsd:nonNegativeInteger ] .",
        "xsd:nonNegativeInteger",
    ),
    "path-variable": (
        'ex:S a sh:NodeShape ; sh:targetClass ex:City ; sh:sparql [ sh:select "SELECT $this '
        'WHERE { $this $PATH ?v }" ] .',
        "$PATH",
    ),
    "recursive": (
        "ex:S a sh:NodeShape ; sh:targetClass ex:City ; sh:property [ sh:path ex:p ; "
        "sh:node ex:S ] .",
        "recursive",
    ),
    "blank-target-node": ("ex:S a sh:NodeShape ; sh:targetNode [] .", "blank node"),
    "count-on-node-shape": (
        "ex:S a sh:NodeShape ; sh:targetClass ex:City ; sh:minCount 1 .",
        "sh:minCount is only allowed on property shapes",
    ),
    "sparql-nested": (
        "ex:S a sh:NodeShape ; sh:targetClass ex:City ; sh:node ex:T .\n"
        'ex:T a sh:NodeShape ; sh:sparql [ sh:select "SELECT $this WHERE { $this ?p ?o }" ] .',
        "sh:sparql is only supported",
    ),
    "no-this": (
        'ex:S a sh:NodeShape ; sh:targetClass ex:City ; sh:sparql [ sh:select "SELECT ?x '
        'WHERE { ?x ?p ?o }" ] .',
        "must project $this",
    ),
    "bad-count": (
        "ex:S a sh:NodeShape ; sh:targetClass ex:City ; "
        'sh:property [ sh:path ex:p ; sh:maxCount "one" ] .',
        "sh:maxCount must be a non-negative xsd:integer",
    ),
}


@pytest.mark.parametrize("case", sorted(UNSUPPORTED))
def test_unsupported_feature_is_an_error_naming_shape_and_feature(tmp_path, case):
    body, feature = UNSUPPORTED[case]
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(PREFIXES + body + "\n", encoding="utf-8")
    with pytest.raises(ShapesError) as error:
        ShaclEngine(ShapesGraph.load(shapes))
    message = str(error.value)
    assert feature in message
    assert "shape ex:S" in message or "shape ex:T" in message


def test_a_shapes_file_that_does_not_parse_names_file_and_line(tmp_path):
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(PREFIXES + "ex:S a sh:NodeShape ;\n  sh:targetClass .\n", encoding="utf-8")
    with pytest.raises(RdfSyntaxError) as error:
        ShapesGraph.load(shapes)
    assert error.value.path == shapes
    assert error.value.line == 5


def test_pyshacl_reference_maps_complex_paths_back():
    dataset = graph.load([ONTOLOGY, SHACL / "paths-invalid.ttl"], ontology=False)
    reference = validate_with_pyshacl(dataset.store, SHACL / "paths-shapes.ttl")
    assert rows(reference) == PATHS_INVALID


# --- the real shapes over the real data and the fixtures of tests/data/{valid,invalid} -----

REAL_SHAPES = REPO / "ontology" / "shapes.ttl"
REAL_CASES = [pytest.param([REPO / "data"], id="repo-data")] + [
    pytest.param([path], id=f"{path.parent.name}/{path.name}")
    for folder in ("valid", "invalid")
    for path in sorted((TEST_DATA / folder).glob("*"))
    if path.suffix in graph.FORMATS
]


@pytest.mark.skipif(not REAL_SHAPES.is_file(), reason="ontology/shapes.ttl is not written yet")
@pytest.mark.parametrize("data", REAL_CASES)
def test_differential_on_the_real_shapes(data):
    """The graph kg validate sees: ontology, data and inferred graphs."""
    diff = compare_with_pyshacl(REAL_SHAPES, data, inferred=True)
    assert diff.same, str(diff)


# --- the component registry: adding a constraint component is one entry ---------------------

EX = "http://example.org/ns#"


def _prefix(p: Parameter) -> Literal:
    """ex:startsWith takes a string: what every value of the path must start with."""
    if not isinstance(p.value, Literal):
        raise ShapesError(f"{p.where} must be a string literal")
    return p.value


STARTS_WITH = Component(
    iri=NamedNode(EX + "StartsWithConstraintComponent"),
    parameter=EX + "startsWith",
    read=_prefix,
    pattern=lambda p: (
        f"{p.value_nodes} FILTER(isBlank(?{p.v}) || !STRSTARTS(STR(?{p.v}), {p.term(p.value)}))"
    ),
    message=lambda m: f"value of {m.path} does not start with {m.value.value}",
    single=True,
)

CUSTOM_SHAPES = """@prefix ex: <http://example.org/ns#> .
@prefix id: <http://example.org/id/> .
@prefix sh: <http://www.w3.org/ns/shacl#> .

ex:CityShape a sh:NodeShape ;
    sh:targetClass ex:City ;
    sh:property [ sh:path ex:wikidata ; ex:startsWith "Q" ] .

# Nested in sh:not: the organisations' codes must not start with "x-".
ex:OrganisationShape a sh:NodeShape ;
    sh:targetClass ex:Organisation ;
    sh:property [ sh:path ex:code ; sh:not [ ex:startsWith "x-" ] ;
                  sh:message "An organisation code does not start with x-." ] .
"""

CUSTOM_DATA = """@prefix ex: <http://example.org/ns#> .
@prefix id: <http://example.org/id/> .

id:belgrade a ex:City ; ex:wikidata "Q3711" .
id:novisad a ex:City ; ex:wikidata "P55630", "Q55630" .
id:ratel a ex:Agency ; ex:code "RATEL" .
id:ghost a ex:Ministry ; ex:code "x-ghost" .
"""


@pytest.fixture
def custom_component(tmp_path: Path) -> tuple[ShapesGraph, Path]:
    """A shapes file using ex:startsWith, a component that SHACL does not define, and data."""
    shapes, data = tmp_path / "shapes.ttl", tmp_path / "data.ttl"
    shapes.write_text(CUSTOM_SHAPES, encoding="utf-8")
    data.write_text(CUSTOM_DATA, encoding="utf-8")
    return ShapesGraph.load(shapes), data


def test_a_component_of_ones_own_is_one_registry_entry(custom_component):
    """The checklist for a new constraint component: one Component in a registry; neither the
    shapes reader nor the engine is touched, and the component works nested (sh:not) too."""
    shapes, data = custom_component
    registry = REGISTRY.copy()
    registry.register(STARTS_WITH)
    dataset = graph.load([ONTOLOGY, data], ontology=False)

    results = validate_store(dataset.store, shapes, components=registry)

    assert rows(results) == {
        ("id:novisad", "ex:wikidata", '"P55630"', "ex:StartsWith", "Violation"),
        ("id:ghost", "ex:code", '"x-ghost"', "Not", "Violation"),
    }
    messages = {r.component.value: r.message for r in results}
    assert messages[EX + "StartsWithConstraintComponent"] == (
        "value of http://example.org/ns#wikidata does not start with Q"
    )
    assert messages[SH + "NotConstraintComponent"] == (
        "An organisation code does not start with x-."
    )
    # The registry the engine uses by default is unchanged. Without the entry, ex:startsWith
    # is just data about the shape: nothing checks the cities, and the shape in sh:not,
    # left with no constraint, conforms everywhere, so every code violates sh:not.
    assert EX + "startsWith" not in REGISTRY
    assert rows(validate_store(dataset.store, shapes)) == {
        ("id:ratel", "ex:code", '"RATEL"', "Not", "Violation"),
        ("id:ghost", "ex:code", '"x-ghost"', "Not", "Violation"),
    }


def test_a_custom_component_reader_rejects_a_bad_value_naming_the_shape(tmp_path):
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(
        PREFIXES + "ex:S a sh:NodeShape ; sh:targetClass ex:City ; "
        "sh:property [ sh:path ex:wikidata ; ex:startsWith ex:Q ] .\n",
        encoding="utf-8",
    )
    registry = Registry([*REGISTRY, STARTS_WITH])
    with pytest.raises(ShapesError) as error:
        ShaclEngine(ShapesGraph.load(shapes), registry)
    assert str(error.value) == (
        "shape ex:S [sh:path ex:wikidata]: http://example.org/ns#startsWith "
        "must be a string literal"
    )


def test_a_parameter_has_one_component():
    with pytest.raises(ValueError, match="sh:class already has a constraint component"):
        REGISTRY.copy().register(REGISTRY[SH + "class"])


def test_the_shapes_reader_knows_parameters_only_through_the_registry(tmp_path):
    """Take sh:pattern out of the registry and the reader refuses it (and its sh:flags), as
    it refuses any parameter no component declares: never a silently ignored constraint."""
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(
        PREFIXES + "ex:S a sh:NodeShape ; sh:targetClass ex:City ; "
        'sh:property [ sh:path ex:code ; sh:pattern "^[a-z]+$" ; sh:flags "i" ] .\n',
        encoding="utf-8",
    )
    ShaclEngine(ShapesGraph.load(shapes))  # the default registry checks it
    without = Registry(c for c in REGISTRY if c.label != "sh:pattern")
    with pytest.raises(ShapesError, match=r"sh:(pattern|flags) is not supported"):
        ShaclEngine(ShapesGraph.load(shapes), without)


def test_every_core_component_is_registered_under_its_shacl_name():
    """The registry holds the components the engine documents, each under the IRI SHACL gives
    it, so results name the same component as pyshacl's."""
    names = {c.label: c.iri.value.removeprefix(SH) for c in REGISTRY}
    assert names["sh:class"] == "ClassConstraintComponent"
    assert names["sh:lessThanOrEquals"] == "LessThanOrEqualsConstraintComponent"
    assert names["sh:sparql"] == "SPARQLConstraintComponent"
    assert len(names) == 25
    for label, iri in names.items():
        local = label.removeprefix("sh:")
        assert iri.lower() == (local + "ConstraintComponent").lower()
