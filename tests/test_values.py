"""kg.sparql.values: the bound terms shown to the planner as VALUES, beside the substitution,
must never change an answer nor let a value change the query."""

from __future__ import annotations

import pytest
from pyoxigraph import Literal, NamedNode, Quad, QueryResultsFormat, Store, Variable

from kg import resources
from kg.load import open_dataset
from kg.namespaces import ID, VOC
from kg.sparql import catalogue, prepare
from kg.sparql.values import with_values

EX = "http://example.org/"
XSD = "http://www.w3.org/2001/XMLSchema#"


@pytest.fixture(scope="module")
def store():
    return open_dataset().store


def _csv(store, text, terms):
    subs = {Variable(k): v for k, v in terms.items()}
    result = store.query(text, use_default_graph_as_union=True, substitutions=subs)
    return result.serialize(format=QueryResultsFormat.CSV)


PARAMS = {
    "list-capitals": {"country": NamedNode(ID + "FR")},
    "list-eu-relations": {"country": NamedNode(ID + "PL")},
    "list-external-identifiers": {"country": NamedNode(ID + "PL")},
    "list-initiatives-by-country": {"country": NamedNode(ID + "RS")},
    "list-members-by-organisation": {"organisation": NamedNode(ID + "igf")},
    "list-neighbours-by-country": {"country": NamedNode(ID + "SE")},
    "list-objectives-by-strategy": {"strategy": NamedNode(ID + "pl-5g-strategy")},
    "list-participants-by-forum": {"forum": NamedNode(ID + "eurodig")},
    "list-response-teams-by-country": {"country": NamedNode(ID + "PL")},
    "list-sources-by-resource": {"resource": NamedNode(ID + "PL")},
    "list-strategies-by-country": {"country": NamedNode(ID + "PL")},
    "list-strategies-by-topic": {"topic": NamedNode(VOC + "topic-cybersecurity")},
    "list-strategies-in-force-by-year": {
        "year": Literal("2021", datatype=NamedNode(XSD + "gYear"))
    },
}


@pytest.mark.parametrize("name", sorted(PARAMS))
def test_canned_answers_are_byte_identical_with_the_values_block(store, name):
    text = (resources.queries_dir() / f"{name}.rq").read_text(encoding="utf-8")
    terms = PARAMS[name]
    bound = with_values(text, terms)
    assert bound != text and "VALUES" in bound.replace(text, "")
    answer = _csv(store, bound, terms)
    assert answer == _csv(store, text, terms)
    assert answer.count(b"\r\n") > 1


def test_every_parameterised_canned_query_is_covered():
    with_params = {q.name for q in catalogue.load_catalogue().values() if q.params}
    assert with_params <= set(PARAMS)


def test_a_string_value_stays_data():
    """Quotes, braces and a newline in a literal are escaped by pyoxigraph's serialiser."""
    hostile = '"} } ; DROP ALL ; SELECT * WHERE { ?s ?p ?o #\n'
    text = "SELECT ?text ?s WHERE { ?s <http://example.org/label> ?text }"
    store = Store()
    store.add(Quad(NamedNode(EX + "a"), NamedNode(EX + "label"), Literal(hostile)))
    store.add(Quad(NamedNode(EX + "b"), NamedNode(EX + "label"), Literal("other")))
    bound = with_values(text, {"text": Literal(hostile)})
    rows = list(store.query(bound))
    assert [(r["s"], r["text"]) for r in rows] == [(NamedNode(EX + "a"), Literal(hostile))]


def test_a_sub_select_gets_the_values_only_when_it_projects_the_variable():
    """As the substitution: a sub-select that does not project ?c has its own ?c."""
    store = Store()
    for i in range(3):
        store.add(Quad(NamedNode(f"{EX}u{i}"), NamedNode(EX + "c"), NamedNode(f"{EX}C{i % 2}")))
    c0 = {"c": NamedNode(EX + "C0")}
    grouped = (
        "SELECT ?c ?n WHERE { { SELECT ?c (COUNT(*) AS ?n) "
        "WHERE { ?u <http://example.org/c> ?c } GROUP BY ?c } }"
    )
    total = (
        "SELECT ?c ?n WHERE { { SELECT (COUNT(*) AS ?n) WHERE { ?u <http://example.org/c> ?c } } }"
    )
    for text, expected in ((grouped, "2"), (total, "3")):
        bound = with_values(text, c0)
        rows = list(store.query(bound, substitutions={Variable("c"): c0["c"]}))
        assert [r["n"].value for r in rows] == [expected], bound
        assert rows == list(store.query(text, substitutions={Variable("c"): c0["c"]}))
    assert with_values(total, c0).count("VALUES") == 1
    assert with_values(grouped, c0).count("VALUES") == 2


def test_a_variable_the_query_does_not_project_is_left_to_the_substitution():
    text = "SELECT ?s WHERE { ?s ?p ?o }"
    assert with_values(text, {"o": Literal("x")}) == text


def test_a_group_that_is_a_sub_select_is_wrapped():
    text = "SELECT ?c WHERE { SELECT ?c WHERE { ?s ?p ?c } }"
    bound = with_values(text, {"c": Literal("x")})
    prepare.prepare(bound)  # parses
    assert bound.count("VALUES") == 2


def test_execute_binds_by_values_and_substitution(store):
    """kg's own execute path gives the same rows as the engine's substitution alone."""
    q = catalogue.find_query("list-participants-by-forum")
    result = prepare.execute(store, q.prepared, substitutions=PARAMS[q.name])
    rows = result.raw.serialize(format=QueryResultsFormat.CSV)
    assert rows == _csv(store, q.text, PARAMS[q.name])


def test_a_remote_store_binds_the_parameter_inside_a_sub_select_that_projects_it():
    """Regression: a remote store binds by a VALUES block alone (kg.sparql.remote.bind_values),
    which was written only at the top of the query; a sub-select that projects the parameter
    is evaluated on its own and saw it unbound (Virtuoso refused list-strategies-in-force-by-
    year's sub-select as too costly, and any engine answers such a query with nothing)."""
    from kg.sparql import remote

    store = Store()
    for i, year in enumerate((2019, 2021, 2023)):
        store.add(
            Quad(
                NamedNode(f"{EX}s{i}"),
                NamedNode(EX + "start"),
                Literal(str(year), datatype=NamedNode(XSD + "integer")),
            )
        )
    text = (
        "SELECT ?y ?s WHERE { { SELECT ?y ?s WHERE { ?s <http://example.org/start> ?v "
        "FILTER(?v <= ?y) } } } ORDER BY ?s"
    )
    year = Literal("2021", datatype=NamedNode(XSD + "integer"))
    local = list(store.query(text, substitutions={Variable("y"): year}))
    bound = remote.bind_values(text, {"y": year})
    assert bound.count("VALUES") == 2
    far = list(store.query(bound))  # as a remote endpoint runs it: no substitution
    assert (
        [r["s"] for r in far]
        == [r["s"] for r in local]
        == [NamedNode(EX + "s0"), NamedNode(EX + "s1")]
    )
