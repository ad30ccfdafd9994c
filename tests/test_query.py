"""The canned-query catalogue (kg.sparql.catalogue, `kg queries`, `kg query`): the header grammar
and its errors, parameter types, entity resolution by IRI, CURIE or label, and the hostile-parameter
test — no value a user types can change the query the engine runs."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pyoxigraph
import pytest
from click.testing import CliRunner
from conftest import REPO, TEST_DATA
from pyoxigraph import Literal, NamedNode

from kg import cli, resources
from kg.cli import base
from kg.errors import InputError, ParameterError, QuerySyntaxError, UnknownQuery
from kg.load import files as graph
from kg.sparql import catalogue as query
from kg.sparql import prepare as sparql
from kg.sparql import values

FIXTURE = TEST_DATA / "query-fixture.trig"
QUERIES = TEST_DATA / "queries"
ID = "https://w3id.org/digital-policy-kg/id/"
XSD = "http://www.w3.org/2001/XMLSchema#"


@pytest.fixture(scope="module")
def store() -> pyoxigraph.Store:
    return graph.load([FIXTURE], ontology=False).store


@pytest.fixture(scope="module")
def catalogue() -> dict[str, query.CannedQuery]:
    return query.load_catalogue(QUERIES)


@pytest.fixture
def fixture_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands read the fixture queries and run on the fixture dataset."""
    monkeypatch.setattr(resources, "queries_dir", lambda: QUERIES)
    monkeypatch.setattr(base, "open_store", lambda *_: graph.load([FIXTURE], ontology=False).store)


def run(args: list[str]):
    return CliRunner().invoke(cli.main, args)


def rows(result, *names: str) -> list[tuple[str | None, ...]]:
    return [tuple(r[n].value if r[n] is not None else None for n in names) for r in result.raw]


# --- header grammar --------------------------------------------------------------------------

EXAMPLE = """\
#+ summary: Countries that participate in a forum
#+ description: Countries whose stakeholders take part in the given forum, with the
#+   period and the source passage.
#+ tags: [forum, participation]
#+ competency: CQ1
#+ params:
#+   forum: entity kg:Initiative = EuroDIG ; the forum, dialogue or process
#+   year: xsd:gYear = 2021 ; the year
#+   country: entity kg:Country ; optional, no default → left unbound
PREFIX ex: <http://example.org/>
SELECT ?country ?countryLabel ?forum ?year WHERE {
  ?p kg:participant ?country ; kg:initiative ?forum ; kg:year ?year .
  ?country rdfs:label ?countryLabel .
}
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.rq"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_header_is_read_as_the_grammar_says(tmp_path: Path) -> None:
    q = query.load_query(write(tmp_path, "list-participants-by-forum", EXAMPLE))
    assert q.name == "list-participants-by-forum"
    assert q.summary == "Countries that participate in a forum"
    assert q.description == (
        "Countries whose stakeholders take part in the given forum, with the period and the "
        "source passage."
    )
    assert q.tags == ("forum", "participation")
    assert q.competency == ("CQ1",)
    assert q.params == (
        query.Param(
            "forum", "entity", "kg:Initiative", "EuroDIG", "the forum, dialogue or process", 7
        ),
        query.Param("year", "xsd:gYear", None, "2021", "the year", 8),
        query.Param(
            "country", "entity", "kg:Country", None, "optional, no default → left unbound", 9
        ),
    )
    assert q.params[0].class_iri == "https://w3id.org/digital-policy-kg/ontology#Initiative"
    assert q.text == EXAMPLE


HEADER_ERRORS = [
    ("#+ description: no summary\nASK {}\n", 1, "needs '#+ summary"),
    ("#+ summary: s\n#+ sumary: typo\nASK {}\n", 2, "unknown header key 'sumary'"),
    ("#+ summary: s\n#+ summary: again\nASK {}\n", 2, "'summary' is given twice"),
    ("#+   continuation first\n#+ summary: s\nASK {}\n", 1, "continuation line before"),
    ("#+ summary: s\n#+summary without space\nASK {}\n", 2, "expected '#+ key: value'"),
    ("#+ summary: s\n#+ tags: forum, participation\nASK {}\n", 2, "tags must be a list"),
    ("#+ summary: s\n#+ tags: [a]\n#+   more\nASK {}\n", 3, "'tags' takes one line"),
    ("#+ summary: s\n#+ competency: question 1\nASK {}\n", 2, "competency must name"),
    ("#+ summary: s\n#+ params: x: string\nASK { ?x ?p ?o }\n", 2, "own line"),
    ("#+ summary: s\n#+ params:\n#+   x string\nASK { ?x ?p ?o }\n", 3, "expected a parameter"),
    ("#+ summary: s\n#+ params:\n#+   x: number\nASK { ?x ?p ?o }\n", 3, "unknown type 'number'"),
    ("#+ summary: s\n#+ params:\n#+   x:\nASK { ?x ?p ?o }\n", 3, "has no type"),
    (
        "#+ summary: s\n#+ params:\n#+   x: entity nope:C\nASK { ?x ?p ?o }\n",
        3,
        "not a CURIE with a known prefix",
    ),
    (
        "#+ summary: s\n#+ params:\n#+   x: string kg:C\nASK { ?x ?p ?o }\n",
        3,
        "only an entity parameter takes a class",
    ),
    (
        "#+ summary: s\n#+ params:\n#+   x: xsd:gYear = 21\nASK { ?x ?p ?o }\n",
        3,
        "default '21' of parameter 'x' is not a year",
    ),
    (
        "#+ summary: s\n#+ params:\n#+   x: xsd:date = 2021-02-29\nASK { ?x ?p ?o }\n",
        3,
        "is not a date",
    ),
    (
        "#+ summary: s\n#+ params:\n#+   x: iri = not an iri\nASK { ?x ?p ?o }\n",
        3,
        "is not an IRI or CURIE",
    ),
    ("#+ summary: s\n#+ params:\n#+   x: string =\nASK { ?x ?p ?o }\n", 3, "no default value"),
    (
        "#+ summary: s\n#+ params:\n#+   9x: string\nASK { ?x ?p ?o }\n",
        3,
        "not a SPARQL variable name",
    ),
    (
        "#+ summary: s\n#+ params:\n#+   x: string\n#+   x: iri\nASK { ?x ?p ?o }\n",
        4,
        "declared twice",
    ),
    ("#+ summary: s\nASK {}\n#+ tags: [late]\n", 3, "must all come at the top"),
    (
        "#+ summary: s\n#+ params:\n#+   y: string\nASK { ?x ?p ?o }\n",
        3,
        "not a variable of the query",
    ),
    (
        "#+ summary: s\n#+ params:\n#+   y: string\nSELECT ?x WHERE { ?x ?p ?y }\n",
        3,
        "must be in the SELECT clause",
    ),
    (
        "#+ summary: s\n#+ params:\n#+   y: entity\n"
        "SELECT ?x ?y WHERE { ?x ?p ?o FILTER(!BOUND(?y)) }\n",
        3,
        "COALESCE(isIRI(?y), false)",
    ),
    ("#+ summary: s\nSELECT * WHERE {\n  ?s ?p \n}\n", 4, "malformed query"),
    (
        "#+ summary: s\nSELECT * WHERE { SERVICE <http://x/> { ?s ?p ?o } }\n",
        None,
        "SERVICE is refused",
    ),
]


@pytest.mark.parametrize(("text", "line", "message"), HEADER_ERRORS)
def test_header_errors_name_file_and_line(
    text: str, line: int | None, message: str, tmp_path: Path
) -> None:
    path = write(tmp_path, "list-things", text)
    with pytest.raises(InputError) as caught:
        query.load_query(path)
    where = f"{path}:{line}:" if line is not None else f"{path}:"
    assert str(caught.value).startswith(where)
    assert message in str(caught.value)


def test_query_names_follow_the_convention(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="lowercase words joined by '-'"):
        query.load_query(write(tmp_path, "List_Things", "#+ summary: s\nASK {}\n"))


def test_catalogue_of_the_fixture_folder(catalogue: dict[str, query.CannedQuery]) -> None:
    assert list(catalogue) == sorted(p.stem for p in QUERIES.glob("*.rq"))
    assert catalogue["list-graphs"].params == ()
    assert catalogue["describe-entity"].prepared.form == "CONSTRUCT"


def test_empty_or_missing_folder_is_an_empty_catalogue(tmp_path: Path) -> None:
    assert query.load_catalogue(tmp_path) == {}
    assert query.load_catalogue(tmp_path / "missing") == {}


def test_checks_subfolder_is_not_part_of_the_catalogue(tmp_path: Path) -> None:
    (tmp_path / "checks").mkdir()
    write(tmp_path / "checks", "orphan-violation", "SELECT ?s WHERE { ?s ?p ?o }\n")
    write(tmp_path, "list-all", "#+ summary: s\nSELECT ?s WHERE { ?s ?p ?o }\n")
    assert list(query.load_catalogue(tmp_path)) == ["list-all"]


def test_unknown_query_suggests_close_names() -> None:
    with pytest.raises(UnknownQuery, match="did you mean: list-participants-by-forum"):
        query.find_query("list-participant-by-forum", QUERIES)


# --- parameters --------------------------------------------------------------------------------


def test_defaults_are_used_and_optional_params_stay_unbound(
    store: pyoxigraph.Store, catalogue: dict[str, query.CannedQuery]
) -> None:
    q = catalogue["list-participants-by-forum"]
    result = query.run_canned(store, q, {})
    assert rows(result, "countryLabel", "participationYear", "forum", "year") == [
        ("Finland", "2021", ID + "eurodig", None),
        ("Germany", "2021", ID + "eurodig", None),
        ("Serbia", "2022", ID + "eurodig", None),
    ]
    result = query.run_canned(store, q, {"year": "2021"})
    assert rows(result, "countryLabel", "year") == [("Finland", "2021"), ("Germany", "2021")]


@pytest.mark.parametrize(
    "value",
    [
        "<https://w3id.org/digital-policy-kg/id/igf>",
        "https://w3id.org/digital-policy-kg/id/igf",
        "id:igf",
        "Internet Governance Forum",  # skos:prefLabel
        "internet   governance FORUM",  # case and spaces do not matter
        "igf",  # skos:altLabel without a language
    ],
)
def test_entity_by_iri_curie_or_label(
    value: str, store: pyoxigraph.Store, catalogue: dict[str, query.CannedQuery]
) -> None:
    result = query.run_canned(store, catalogue["list-participants-by-forum"], {"forum": value})
    assert rows(result, "country", "forum") == [(ID + "FR", ID + "igf")]


@pytest.mark.parametrize(
    ("value", "iri"),
    [
        ("srbija", "RS"),  # altLabel in Serbian
        ("ÖSTERREICH", "AT"),  # German label only, upper case
        ("finland", "FI"),  # prefLabel
        ("Deutschland", "DE"),
    ],
)
def test_labels_in_every_language(value: str, iri: str, store: pyoxigraph.Store) -> None:
    param = query.Param("country", "entity", "kg:Country")
    assert query.resolve_entity(store, param, value) == NamedNode(ID + iri)


def test_class_restriction_includes_subclasses(store: pyoxigraph.Store) -> None:
    # EuroDIG is a kg:Forum, a subclass of kg:Initiative.
    param = query.Param("forum", "entity", "kg:Initiative")
    assert query.resolve_entity(store, param, "eurodig") == NamedNode(ID + "eurodig")
    with pytest.raises(ParameterError, match="id:DE is not a kg:Initiative"):
        query.resolve_entity(store, param, "id:DE")


def test_ambiguous_label_lists_every_candidate(store: pyoxigraph.Store) -> None:
    param = query.Param("strategy", "entity")
    with pytest.raises(ParameterError) as caught:
        query.resolve_entity(store, param, "digital strategy")
    assert "names 2 entities" in str(caught.value)
    assert caught.value.candidates == [
        "Digital Strategy (id:strategy-de)",
        "Digital Strategy (id:strategy-fr)",
    ]


def test_unknown_label_lists_close_candidates(store: pyoxigraph.Store) -> None:
    with pytest.raises(ParameterError) as caught:
        query.resolve_entity(store, query.Param("forum", "entity", "kg:Initiative"), "EuroDIG 2021")
    assert "no kg:Initiative is labelled 'EuroDIG 2021'" in str(caught.value)
    assert caught.value.candidates == ["EuroDIG (id:eurodig)"]
    with pytest.raises(ParameterError) as caught:
        query.resolve_entity(store, query.Param("forum", "entity", "kg:Initiative"), "Germany")
    # Nothing close: the instances of the class are listed instead (at most ten), the most
    # similar to the value first, not the first ones by alphabet.
    import difflib

    listed = caught.value.candidates
    assert sorted(listed) == [
        "Digital for Development Hub (id:d4d)",
        "EuroDIG (id:eurodig)",
        "Internet Governance Forum (id:igf)",
    ]
    ratios = [
        difflib.SequenceMatcher(None, "germany", c.rsplit(" (", 1)[0].lower()).ratio()
        for c in listed
    ]
    assert ratios == sorted(ratios, reverse=True)


def test_unknown_iri_is_an_error(store: pyoxigraph.Store) -> None:
    param = query.Param("forum", "entity")
    with pytest.raises(ParameterError, match="no entity id:nowhere in the graph"):
        query.resolve_entity(store, param, "id:nowhere")
    with pytest.raises(ParameterError, match="is not a valid IRI"):
        query.resolve_entity(store, param, "<not an iri>")


@pytest.mark.parametrize(
    ("type_", "value", "term"),
    [
        ("xsd:integer", " +42 ", Literal("+42", datatype=NamedNode(XSD + "integer"))),
        ("xsd:decimal", "-3.50", Literal("-3.50", datatype=NamedNode(XSD + "decimal"))),
        ("xsd:boolean", "false", Literal("false", datatype=NamedNode(XSD + "boolean"))),
        ("xsd:gYear", "2021", Literal("2021", datatype=NamedNode(XSD + "gYear"))),
        ("xsd:gYear", "-0044Z", Literal("-0044Z", datatype=NamedNode(XSD + "gYear"))),
        ("xsd:date", "2020-02-29", Literal("2020-02-29", datatype=NamedNode(XSD + "date"))),
        ("string", ' a "quoted" value ', Literal(' a "quoted" value ')),
        ("iri", "id:DE", NamedNode(ID + "DE")),
        ("iri", "<urn:isbn:0451450523>", NamedNode("urn:isbn:0451450523")),
    ],
)
def test_literal_and_iri_params_become_typed_terms(
    type_: str, value: str, term, store: pyoxigraph.Store
) -> None:
    assert query.to_term(store, query.Param("x", type_), value) == term


@pytest.mark.parametrize(
    ("type_", "value"),
    [
        ("xsd:integer", "4.2"),
        ("xsd:integer", "12abc"),
        ("xsd:decimal", "1e3"),
        ("xsd:boolean", "yes"),
        ("xsd:gYear", "21"),
        ("xsd:gYear", "2021-01"),
        ("xsd:date", "2021-13-01"),
        ("xsd:date", "2021-02-29"),
        ("xsd:date", "28/06/2021"),
        ("iri", "two words"),
        ("iri", "<http://a b>"),
    ],
)
def test_invalid_values_name_the_param_and_type(
    type_: str, value: str, store: pyoxigraph.Store
) -> None:
    with pytest.raises(ParameterError) as caught:
        query.to_term(store, query.Param("x", type_), value)
    assert str(caught.value).startswith(f"parameter 'x': {value!r} is not ")
    if type_ != "iri":
        assert type_ in str(caught.value)


def test_unknown_parameter_lists_the_known_ones(store: pyoxigraph.Store, catalogue) -> None:
    with pytest.raises(ParameterError) as caught:
        query.run_canned(store, catalogue["list-participants-by-forum"], {"country": "DE"})
    assert "has no parameter 'country'" in str(caught.value)
    assert caught.value.candidates == ["forum: entity kg:Initiative = EuroDIG", "year: xsd:gYear"]


def test_assignments_from_the_command_line() -> None:
    assert query.parse_assignments(["a=1", "b=x=y", "c="]) == {"a": "1", "b": "x=y", "c": ""}
    with pytest.raises(ParameterError, match="not NAME=VALUE"):
        query.parse_assignments(["forum"])
    with pytest.raises(ParameterError, match="given twice"):
        query.parse_assignments(["a=1", "a=2"])


def test_typed_params_compare_as_typed_values(store: pyoxigraph.Store, catalogue) -> None:
    q = catalogue["count-participations-since"]
    assert rows(query.run_canned(store, q, {}), "p", "score", "open") == [
        (ID + "p4", "1.5", "true")
    ]
    assert rows(query.run_canned(store, q, {"date": "2021-06-29"}), "p") == []
    q = catalogue["list-countries-by-population"]
    assert rows(query.run_canned(store, q, {"minimum": "70000000"}), "country") == [(ID + "DE",)]


# --- hostile parameters ---------------------------------------------------------------------

HOSTILE = [
    '"} UNION { ?s ?p ?o }',
    "'} UNION { ?s ?p ?o } #",
    "} UNION { ?s ?p ?o }",
    '"""} UNION { ?s ?p ?o } """',
    'x" . ?s ?p ?o . FILTER("1',
    "EuroDIG> } UNION { ?s ?p ?o",
    "<https://w3id.org/digital-policy-kg/id/eurodig> } UNION { ?s ?p ?o }",
    "https://w3id.org/digital-policy-kg/id/eurodig>} UNION {?s ?p ?o",
    "<https://w3id.org/digital-policy-kg/id/a>b>",
    "id:eurodig } UNION { ?s ?p ?o }",
    '2021"^^xsd:gYear } UNION { ?s ?p ?o } #',
    "2021 } UNION { ?s ?p ?o }",
    "EuroDIG\n} UNION { ?s ?p ?o }",
    "EuroDIG # } UNION { ?s ?p ?o }",
    "\\u0022} UNION { ?s ?p ?o }",
    ")) } ; DROP ALL ; SELECT * {",
    "?forum",
    "$year",
    "' || true || '",
    "EuroDIG\x00",
]
ALLOWED_INTERNAL_TEXTS = {
    query.LABELS_QUERY,
    query.CLASS_LABELS_QUERY,
    query.EXACT_LABEL_QUERY,
    query.EXACT_CLASS_LABEL_QUERY,
    query.EXISTS_QUERY,
    query.INSTANCE_QUERY,
}


class RecordingStore:
    """A store that remembers every query text it is asked to run, with the text as it would
    be without the VALUES block kg adds for the bound terms (kg.sparql.values)."""

    def __init__(self, store: pyoxigraph.Store) -> None:
        self.store = store
        self.texts: list[str] = []
        self.sent: list[tuple[str, dict]] = []

    def query(self, text: str, **options):
        # kg hands a store that is not pyoxigraph's the scope, as it does a remote store
        # (kg.sparql.remote.RemoteStore.query); this stand-in runs on the local store's union
        options.pop("scope", None)
        subs = {v.value: t for v, t in (options.get("substitutions") or {}).items()}
        self.sent.append((text, subs))
        self.texts.append(text)
        return self.store.query(text, **options)

    def unbound_texts(self, candidates) -> set[str]:
        """Which candidate text each query sent was, given its bound terms: the text must be
        exactly the candidate with the terms' VALUES blocks, nothing else."""
        found = set()
        for text, subs in self.sent:
            match = [c for c in candidates if values.with_values(c, subs) == text]
            assert match, f"the engine was sent a query kg did not write: {text!r}"
            found.add(match[0])
        return found

    def contains_named_graph(self, name) -> bool:
        return self.store.contains_named_graph(name)


def _labels(store: pyoxigraph.Store) -> list[tuple[str, str]]:
    text = "SELECT ?e ?l WHERE { ?e rdfs:label|skos:prefLabel|skos:altLabel ?l }"
    return [(r["e"].value, r["l"].value) for r in sparql.execute(store, sparql.prepare(text)).raw]


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize(
    ("name", "param"),
    [
        ("find-labels-by-text", "text"),
        ("list-participants-by-forum", "forum"),
        ("list-participants-by-forum", "year"),
        ("list-countries-by-population", "minimum"),
        ("list-statements-by-subject", "subject"),
        ("describe-entity", "entity"),
        ("check-participation", "country"),
    ],
)
def test_hostile_values_do_not_change_the_query(
    name: str, param: str, value: str, store: pyoxigraph.Store, catalogue
) -> None:
    q = catalogue[name]
    recording = RecordingStore(store)
    try:
        result = query.run_canned(recording, q, {param: value})
        if result.kind == "solutions":
            got = [tuple(r[v] for v in result.variables) for r in result.raw]
        else:
            got = list(result.raw) if result.kind == "graph" else bool(result.raw)
    except ParameterError as error:
        got = None
        assert f"parameter '{param}'" in str(error)
    except QuerySyntaxError as error:  # pragma: no cover - the point of the test
        pytest.fail(f"a parameter value reached the parser: {error}")
    # The engine only ever saw the file's query, byte for byte but for a VALUES block of the
    # bound terms (written by pyoxigraph's serialiser), and kg's own lookups.
    file_text = q.path.read_bytes().decode("utf-8")
    seen = recording.unbound_texts(ALLOWED_INTERNAL_TEXTS | {file_text})
    assert file_text in seen or got is None
    if param == "text":
        # A string is data: the rows are exactly the labels that contain it (here: none).
        expected = sorted(
            {(e, label) for e, label in _labels(store) if value.lower() in label.lower()}
        )
        assert got is not None
        assert sorted((e.value, label.value) for e, label, _ in got) == expected == []
        assert all(bound == Literal(value) for _, _, bound in got)
    else:
        assert got is None  # none of these values is a valid entity, IRI, year or integer


def test_a_value_full_of_syntax_is_matched_as_data(store: pyoxigraph.Store, catalogue) -> None:
    # The fixture has a label with quotes, a comma and a newline: binding it finds it.
    value = 'say "hi", then\nleave'
    result = query.run_canned(store, catalogue["find-labels-by-text"], {"text": value})
    assert rows(result, "entity", "text") == [(ID + "note-1", value)]


def test_engine_binds_inside_filter_optional_and_exists(store: pyoxigraph.Store) -> None:
    """The substitution reaches FILTER, OPTIONAL and EXISTS (checked, as the engine is what
    the safety of parameters rests on)."""
    text = (
        "SELECT ?c ?forum ?label WHERE { ?p kg:participant ?c ; kg:initiative ?x . "
        "FILTER(?x = ?forum) "
        "OPTIONAL { ?c rdfs:label ?label "
        "FILTER(lang(?label) = 'en' && EXISTS { ?q kg:initiative ?forum }) } "
        "} ORDER BY ?c"
    )
    prepared = sparql.prepare(text)
    result = sparql.execute(store, prepared, substitutions={"forum": NamedNode(ID + "eurodig")})
    assert rows(result, "c", "label") == [
        (ID + "DE", "Germany"),
        (ID + "FI", None),  # Finland has a skos:prefLabel only
        (ID + "RS", "Serbia"),
    ]


# --- commands ---------------------------------------------------------------------------------


def test_kg_queries_table_and_json(fixture_repo: None) -> None:
    result = run(["queries", "--format", "json"])
    assert result.exit_code == 0
    listed = json.loads(result.stdout)
    assert [q["name"] for q in listed] == sorted(p.stem for p in QUERIES.glob("*.rq"))
    forum = next(q for q in listed if q["name"] == "list-participants-by-forum")
    assert forum["params"][0] == {
        "name": "forum",
        "type": "entity",
        "class": "kg:Initiative",
        "default": "EuroDIG",
        "description": "the forum, dialogue or process",
    }
    assert forum["competency"] == ["CQ1"]
    table = run(["queries"])
    assert table.exit_code == 0
    assert "list-participants-by-forum" in table.stdout
    assert "forum: entity kg:Initiative = EuroDIG" in table.stdout


def test_kg_queries_on_an_empty_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(resources, "queries_dir", lambda: tmp_path / "none")
    assert run(["queries", "--format", "json"]).stdout == "[]\n"
    result = run(["queries"])
    assert result.exit_code == 0
    assert result.stdout.startswith("no canned queries in ")


def test_kg_query_csv_and_json(fixture_repo: None) -> None:
    result = run(["query", "list-participants-by-forum", "-p", "forum=IGF", "--format", "csv"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout_bytes == (
        b"country,countryLabel,participationYear,forum,year\r\n"
        b"https://w3id.org/digital-policy-kg/id/FR,France,2021,https://w3id.org/digital-policy-kg/id/igf,\r\n"
    )
    result = run(["query", "list-participants-by-forum", "-p", "year=2022", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {
        "head": {"vars": ["country", "countryLabel", "participationYear", "forum", "year"]},
        "results": {
            "bindings": [
                {
                    "country": {"type": "uri", "value": ID + "RS"},
                    "countryLabel": {"type": "literal", "value": "Serbia", "xml:lang": "en"},
                    "participationYear": {
                        "type": "literal",
                        "value": "2022",
                        "datatype": XSD + "gYear",
                    },
                    "forum": {"type": "uri", "value": ID + "eurodig"},
                    "year": {"type": "literal", "value": "2022", "datatype": XSD + "gYear"},
                }
            ]
        },
    }


def test_kg_query_table_shows_curies_and_plain_values(fixture_repo: None) -> None:
    result = run(["query", "list-participants-by-forum"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["country", "countryLabel", "participationYear", "forum", "year"]
    assert lines[2].split() == ["id:FI", "Finland", "2021", "id:eurodig"]
    assert lines[-1].strip() == "3 rows"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["query", "nope"], "no canned query named 'nope'"),
        (
            ["query", "list-participants-by-forum", "-p", "forum=Atlantis"],
            "no kg:Initiative is labelled 'Atlantis'",
        ),
        (["query", "list-participants-by-forum", "-p", "year=MMXXI"], "is not a valid xsd:gYear"),
        (["query", "list-participants-by-forum", "-p", "colour=red"], "has no parameter 'colour'"),
        (["query", "list-participants-by-forum", "-p", "forum"], "not NAME=VALUE"),
        (
            ["query", "list-participants-by-forum", "--format", "turtle"],
            "does not fit SELECT results",
        ),
    ],
)
def test_kg_query_errors_exit_2(args: list[str], message: str, fixture_repo: None) -> None:
    result = run(args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_kg_query_does_not_import_what_it_does_not_use() -> None:
    script = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from click.testing import CliRunner
        from kg import cli, resources
        from kg.load import files as graph
        from kg.cli import base
        resources.queries_dir = lambda: Path({str(QUERIES)!r})
        base.open_store = lambda *_: graph.load([Path({str(FIXTURE)!r})], ontology=False).store
        result = CliRunner().invoke(cli.main, ["query", "list-graphs", "--format", "csv"])
        assert result.exit_code == 0, result.output
        print(sorted(m for m in ("rdflib", "pyshacl", "rich") if m in sys.modules))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, check=True
    )
    assert out.stdout.strip() == "[]"
