"""The competency questions of ``shared/competency-questions.md``, answered by the canned
queries over the graph (asserted and inferred triples), with the expected answers.

The queries run here directly on the engine with their parameters bound as RDF terms, so that
these tests check the data and the queries; ``test_query_cli.py`` asks the same questions
through ``kg query``.
"""

from __future__ import annotations

import pytest
from pyoxigraph import Literal, NamedNode, Variable

from kg import resources
from kg.load import open_dataset
from kg.namespaces import ID, PASSAGE, PREFIXES, VOC

XSD = "http://www.w3.org/2001/XMLSchema#"


@pytest.fixture(scope="module")
def store():
    return open_dataset().store


def answer(store, name: str, **params) -> list[dict[str, str]]:
    """Run ``queries/<name>.rq`` with parameters bound by the engine; rows as plain strings."""
    text = (resources.queries_dir() / f"{name}.rq").read_text(encoding="utf-8")
    solutions = store.query(
        text,
        use_default_graph_as_union=True,
        substitutions={Variable(k): v for k, v in params.items()},
    )
    names = [v.value for v in solutions.variables]
    return [{n: (s[n].value if s[n] is not None else None) for n in names} for s in solutions]


def entity(slug: str) -> NamedNode:
    return NamedNode(ID + slug)


def column(rows, name) -> set:
    return {r[name] for r in rows}


def test_cq1_countries_in_eurodig(store):
    rows = answer(store, "list-participants-by-forum", forum=entity("eurodig"))
    assert column(rows, "countryLabel") == {"Poland", "Serbia"}
    assert all(r["passage"].startswith(PASSAGE) for r in rows)
    assert column(rows, "profileLabel") == {"Poland profile", "Serbia profile"}


def test_cq2_members_of_the_igf(store):
    rows = answer(store, "list-members-by-organisation", organisation=entity("igf"))
    assert column(rows, "memberLabel") == {"Poland", "Serbia"}
    assert column(rows, "roleLabel") == {"member"}


def test_cq3_national_igf_initiatives(store):
    rows = answer(store, "list-national-igf-initiatives")
    found = {r["countryLabel"]: (r["initiativeLabel"], r["otherNames"] or "") for r in rows}
    assert found == {"Poland": ("IGF Poland", ""), "Serbia": ("Serbian IGF", "IGF Serbia")}


def test_cq4_what_serbia_takes_part_in(store):
    rows = answer(store, "list-initiatives-by-country", country=entity("RS"))
    assert column(rows, "initiativeLabel") == {
        "Berlin Process",
        "South Eastern European Dialogue on Internet Governance",
        "EuroDIG",
        "Internet Governance Forum",
        "Serbian IGF",
    }
    involvement = {r["initiativeLabel"]: r["involvement"] for r in rows}
    assert involvement["Internet Governance Forum"] == "member"
    assert involvement["Serbian IGF"] == "national initiative"


def _periods(rows):
    return {
        r["strategyLabel"]: (r["startYear"], r["endYear"], r["adoptionDate"], r["targetYear"])
        for r in rows
    }


def test_cq5_strategies_of_serbia(store):
    rows = answer(store, "list-strategies-by-country", country=entity("RS"))
    assert _periods(rows) == {
        "Strategy for Development of Information Security": ("2019", "2023", None, None),
        "Digital Skills Development Strategy": ("2020", "2024", None, None),
        "Strategy for Development of Artificial Intelligence in Serbia for the Period 2020-2025": (
            "2020",
            "2025",
            "2020",
            None,
        ),
    }


def test_cq5_strategies_of_poland(store):
    rows = answer(store, "list-strategies-by-country", country=entity("PL"))
    assert _periods(rows) == {
        "Integrated State Computerisation Programme": ("2014", "2022", None, None),
        "Digital Competence Development Programme": ("2020", "2030", None, None),
        "5G for Poland Strategy": (None, None, None, "2025"),
        "Cybersecurity Strategy of the Republic of Poland": ("2019", "2024", None, None),
        "national AI strategy of Poland": (None, None, "2020-12", None),
        # government programmes the document names without a period
        "Start In Poland": (None, None, None, None),
        "Digital School": (None, None, None, None),
    }


def test_cq6_strategies_in_force_in_2021(store):
    year = Literal("2021", datatype=NamedNode(XSD + "gYear"))
    rows = answer(store, "list-strategies-in-force-by-year", year=year)
    found = {(r["countryLabel"], r["strategy"].removeprefix(ID)) for r in rows}
    assert found == {
        ("Serbia", "rs-information-security-strategy"),
        ("Serbia", "rs-digital-skills-strategy"),
        ("Serbia", "rs-ai-strategy"),
        ("Poland", "pl-iscp"),
        ("Poland", "pl-dcdp"),
        ("Poland", "pl-cybersecurity-strategy"),
        ("Poland", "pl-ai-strategy"),
    }
    assert len(rows) == len(found), "a strategy is listed twice"


def test_cq6_each_strategy_comes_with_the_passage_stating_its_start(store):
    year = Literal("2021", datatype=NamedNode(XSD + "gYear"))
    rows = answer(store, "list-strategies-in-force-by-year", year=year)
    assert rows and all(r["passage"].startswith(PASSAGE) for r in rows)
    assert all(r["start"] is not None and r["end"] is not None for r in rows)


def test_cq6_depends_on_the_year(store):
    year = Literal("2023", datatype=NamedNode(XSD + "gYear"))
    rows = answer(store, "list-strategies-in-force-by-year", year=year)
    assert "pl-iscp" not in {r["strategy"].removeprefix(ID) for r in rows}  # ended 2022
    year = Literal("2013", datatype=NamedNode(XSD + "gYear"))
    assert answer(store, "list-strategies-in-force-by-year", year=year) == []


def test_cq7_ai_strategies_and_adoption(store):
    rows = answer(store, "list-ai-strategies")
    adopted = {r["countryLabel"]: r["adoptionDate"] for r in rows}
    assert adopted == {"Serbia": "2020", "Poland": "2020-12"}


def _neighbours(store, code):
    rows = answer(store, "list-neighbours-by-country", country=entity(code))
    return {(r["neighbourLabel"], r["kind"]) for r in rows}


def test_cq8_neighbours_of_russia_without_a_profile(store):
    assert _neighbours(store, "RU") == {("Finland", "land border"), ("Lithuania", "land border")}


def test_cq8_neighbours_of_spain_and_germany(store):
    assert {n for n, _ in _neighbours(store, "ES")} == {"France", "Portugal"}
    assert {n for n, _ in _neighbours(store, "DE")} == {"France", "Luxembourg"}


def test_cq8_neighbours_of_sweden(store):
    """Finland and Norway by border; Denmark by the Öresund link, not a land border. The
    Lithuania profile adds a maritime border with Sweden."""
    assert _neighbours(store, "SE") == {
        ("Finland", "border"),
        ("Finland", "land border"),
        ("Norway", "border"),
        ("Denmark", "fixed link, no land border"),
        ("Lithuania", "maritime border"),
    }


def test_cq8_luxembourgs_borders_are_land_borders_derived_from_its_being_landlocked(store):
    """Luxembourg "is a landlocked country" (6931-6984): each of its borders comes also as a
    land border kg derives, cited by the passages the derivation rests on (issue 20)."""
    rows = answer(store, "list-neighbours-by-country", country=entity("LU"))
    derived = {
        (r["neighbourLabel"], r["passage"].rsplit("/", 1)[-1])
        for r in rows
        if r["kind"] == "land border (derived)"
    }
    assert derived == {
        ("Belgium", "lu-location"),
        ("Belgium", "lu-borders"),
        ("Germany", "lu-location"),
        ("Germany", "lu-borders"),
        ("France", "lu-location"),
        ("France", "lu-borders"),
        ("France", "fr-borders"),
    }
    # France sees Luxembourg as a land neighbour; its other borders stay of unstated kind
    france = _neighbours(store, "FR")
    assert ("Luxembourg", "land border (derived)") in france
    assert {k for n, k in france if n == "Belgium"} == {"border"}


def test_cq9_response_teams_in_poland(store):
    rows = answer(store, "list-response-teams-by-country", country=entity("PL"))
    teams = {r["unitLabel"]: r for r in rows}
    assert set(teams) == {
        "CERT.PL",
        "CERT Orange",
        "CERT.GOV.PL",
        "Government Center for Security",
    }
    assert teams["CERT.PL"]["otherNames"] == "CERT POLSKA"
    assert teams["CERT.PL"]["operatedBy"] == "Research and Academic Computer Network"
    assert teams["CERT.PL"]["focus"] == "national cybersecurity threats"
    assert teams["CERT Orange"]["formerNames"] == "CSIRT Telekomunikacja Polska"
    assert teams["CERT Orange"]["serves"] == "telecom service users"
    assert teams["CERT.GOV.PL"]["serves"] == "government agencies"
    assert set(teams["CERT.GOV.PL"]["languages"].split("; ")) == {"Polish", "English"}
    assert teams["Government Center for Security"]["otherNames"] == "RCB"
    # Concatenated values come sorted, whatever order the store keeps them in.
    assert teams["Government Center for Security"]["focus"] == "cybersecurity; national security"
    assert teams["CERT.GOV.PL"]["languages"] == "English; Polish"


def test_cq9_each_response_team_comes_with_its_passage(store):
    rows = answer(store, "list-response-teams-by-country", country=entity("PL"))
    assert rows and all(r["passage"].startswith(PASSAGE) for r in rows)
    assert {r["profileLabel"] for r in rows} == {"Poland profile"}
    assert all(int(r["start"]) < int(r["end"]) for r in rows)


def test_cq10_who_is_responsible_for_which_strategy(store):
    rows = answer(store, "list-responsible-institutions")
    found = {
        (r["institutionLabel"], r["responsibility"], r["strategy"].removeprefix(ID)) for r in rows
    }
    assert found == {
        ("Ministry of Digital Affairs", "managed by", "pl-iscp"),
        ("Ministry of Digital Affairs", "led by", "pl-cybersecurity-strategy"),
    }


def test_cq11_each_strategy_comes_with_the_passage_stating_its_topic(store):
    rows = answer(store, "list-strategies-by-topic", topic=NamedNode(VOC + "topic-cybersecurity"))
    assert rows and all(r["passage"].startswith(PASSAGE) for r in rows)
    assert {r["profileLabel"] for r in rows} == {"Poland profile", "Serbia profile"}


def test_cq11_strategies_by_topic(store):
    rows = answer(store, "list-strategies-by-topic", topic=NamedNode(VOC + "topic-cybersecurity"))
    assert {r["strategy"].removeprefix(ID) for r in rows} == {
        "rs-information-security-strategy",
        "pl-cybersecurity-strategy",
    }
    rows = answer(store, "list-strategies-by-topic", topic=NamedNode(VOC + "topic-digital-skills"))
    assert {r["strategy"].removeprefix(ID) for r in rows} == {
        "rs-digital-skills-strategy",
        "pl-dcdp",
        "digital-school",  # "the Digital School program" (a programme; its topic: sentences 72-73)
    }


def test_cq12_objectives_of_the_digital_skills_strategy(store):
    rows = answer(
        store, "list-objectives-by-strategy", strategy=entity("rs-digital-skills-strategy")
    )
    objectives = {r["itemLabel"] for r in rows if r["kind"] == "objective"}
    assert objectives == {
        "Lifelong learning of ICT professionals",
        "Developing digital skills for the needs of the labour market",
        "Improving basic and advanced digital skills for all citizens",
        "Improving digital competencies in the education system",
    }
    assert [r["kind"] for r in rows][:4] == ["objective"] * 4  # objectives come first
    measures = {r["itemLabel"] for r in rows if r["kind"] == "measure"}
    assert "Raise digital skills for the needs of the labour market" in measures
    assert len(measures) == 4
    assert all(r["passage"].startswith(PASSAGE) for r in rows)


def test_cq12_what_the_measures_and_aims_of_a_strategy_concern(store):
    """Serbia's AI strategy plans to establish the AI institute (4396-4613): the measure now
    links to the institute (kg:concerns), so the strategy reaches it in two steps; its aim to
    make Serbia a regional leader concerns Serbia (issue 20)."""
    rows = answer(store, "list-objectives-by-strategy", strategy=entity("rs-ai-strategy"))
    concerned = {(r["kind"], r["item"], r.get("concernsLabel")) for r in rows if r.get("concerns")}
    assert concerned == {
        (
            "measure",
            ID + "rs-ai-measure-institute",
            "Institute for Artificial Intelligence Research and Development in Serbia",
        ),
        ("aim", ID + "rs-ai-aim-leader", "Serbia"),
    }
    reach = store.query(
        "SELECT DISTINCT ?x WHERE { id:rs-ai-strategy ?p ?m . ?m ?q ?x ."
        " ?x a kg:ResearchInstitute }",
        prefixes=PREFIXES,
        use_default_graph_as_union=True,
    )
    assert {row["x"].value for row in reach} == {ID + "rs-ai-institute"}
    polish = answer(store, "list-objectives-by-strategy", strategy=entity("pl-ai-strategy"))
    assert {r.get("concernsLabel") for r in polish if r.get("concerns")} == {
        "virtual research institute for AI",
        "European Green Deal",
    }


def test_cq12_targets_come_with_their_quantities(store):
    """The 5G strategy's target: at least 100 Mb/s for everyone by 2025."""
    rows = answer(store, "list-objectives-by-strategy", strategy=entity("pl-5g-strategy"))
    targets = [r for r in rows if r["kind"] == "target"]
    assert len(targets) == 1
    target = targets[0]
    assert target["item"] == ID + "pl-5g-target-2025"
    assert (target["targetYear"], target["value"], target["unitLabel"]) == (
        "2025",
        "100",
        "megabits per second",
    )
    assert target["qualifierLabel"] == "minimum"
    assert target["quantityKindLabel"] == "internet bandwidth"
    assert {r["kind"] for r in rows} == {"aim", "target"}


def test_cq15_which_passage_says_poland_participates_in_eurodig(store):
    rows = answer(store, "list-sources-by-resource", resource=entity("PL"), other=entity("eurodig"))
    passages = {
        (r["passage"], r["profileLabel"], r["fileName"], r["start"], r["end"]) for r in rows
    }
    assert passages == {
        (PASSAGE + "pl-eurodig", "Poland profile", "000_800b895d3721961f.txt", "10747", "10947")
    }
    statements = {(r["subject"], r["predicate"].rsplit("#")[-1]) for r in rows}
    assert (ID + "aff-PL-eurodig", "affiliate") in statements


def test_cq15_without_a_second_resource_lists_every_passage_about_it(store):
    rows = answer(store, "list-sources-by-resource", resource=entity("RU"))
    assert {r["profileLabel"] for r in rows} == {"Finland profile", "Lithuania profile"}


def _descending(text: str) -> str:
    """The query with its final ORDER BY reversed: ``ORDER BY ?a ?b`` → ``DESC(?a) DESC(?b)``."""
    head, _, keys = text.rstrip().rpartition("ORDER BY ")
    assert head and all(k.startswith("?") for k in keys.split()), "ends with ORDER BY ?var …"
    return head + "ORDER BY " + " ".join(f"DESC({k})" for k in keys.split()) + "\n"


PARAMS = {
    "list-initiatives-by-country": {"country": entity("RS")},
    "list-members-by-organisation": {"organisation": entity("igf")},
    "list-neighbours-by-country": {"country": entity("SE")},
    "list-objectives-by-strategy": {"strategy": entity("pl-5g-strategy")},
    "list-participants-by-forum": {"forum": entity("eurodig")},
    "list-response-teams-by-country": {"country": entity("PL")},
    "list-sources-by-resource": {"resource": entity("PL")},
    "list-strategies-by-country": {"country": entity("PL")},
    "list-strategies-by-topic": {"topic": NamedNode(VOC + "topic-cybersecurity")},
    "list-strategies-in-force-by-year": {
        "year": Literal("2021", datatype=NamedNode(XSD + "gYear"))
    },
}


@pytest.mark.parametrize("name", sorted(p.stem for p in resources.queries_dir().glob("*.rq")))
def test_every_canned_query_orders_its_rows_totally(store, name):
    """Issue 9: an answer must not depend on the order a store keeps its triples in. With a
    total ORDER BY, sorting descending gives exactly the ascending rows reversed; rows that tie
    on every key would come in store order both ways, and the two would not mirror."""
    from pyoxigraph import QueryResultsFormat

    text = (resources.queries_dir() / f"{name}.rq").read_text(encoding="utf-8")
    subs = {Variable(k): v for k, v in PARAMS.get(name, {}).items()}

    def rows(query: str) -> list[bytes]:
        out = store.query(query, use_default_graph_as_union=True, substitutions=subs)
        return out.serialize(format=QueryResultsFormat.CSV).split(b"\r\n")[1:-1]

    ascending, descending = rows(text), rows(_descending(text))
    assert len(ascending) > 1, "too few rows to tell"
    assert descending == ascending[::-1]
