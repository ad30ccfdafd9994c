"""Which views fit a result and what each draws (``kg.server.visual``), the ontology page's
data (``kg.server.ontodoc``) and the vendored assets (``static/vendor/manifest.json``) —
without a browser; ``test_views_browser.py`` checks the drawings in Chromium."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode

from kg.load import open_dataset
from kg.load.documents import Documents
from kg.namespaces import ID, KG, PREFIXES
from kg.server import ld, ontodoc, tasks, visual
from kg.server.tasks import StoreSpec
from kg.server.views import Cell, Table

REPO = Path(__file__).resolve().parent.parent
VENDOR = REPO / "src" / "kg" / "server" / "static" / "vendor"
TEST_VENDOR = REPO / "tests" / "vendor"
BUDGET = 1_500_000  # bytes gzipped, served and test-only assets together (issue 13)
XSD = PREFIXES["xsd"]


@pytest.fixture(scope="module")
def state():
    store = open_dataset().store
    return tasks.WorkerState(store, StoreSpec(), ld.Labels(store), Documents())


def lit(text: str, datatype: str | None = None) -> Cell:
    value = f'"{text}"' + (f"^^<{datatype}>" if datatype else "")
    return Cell("literal", text, value)


def iri(name: str, label: str | None = None) -> Cell:
    return Cell("iri", label or name, ID + name, "/id/" + name)


# --- choosing views ------------------------------------------------------------------------


def test_the_participants_of_eurodig_fit_a_map_of_poland_and_serbia(state):
    table, views = tasks.canned_views(state, "list-participants-by-forum", {"forum": "EuroDIG"})
    assert views["views"] == ["table", "map"] and views["default"] == "map"
    countries = {row[table.columns.index("country")].value for row in table.rows}
    expected = {}
    for country in countries:  # the codes linking gave the countries, read from the graph
        codes = [
            q.object.value
            for q in state.store.quads_for_pattern(
                NamedNode(country), NamedNode(KG + "isoNumeric"), None
            )
        ]
        expected[country] = codes[0]
    items = views["map"]["items"]
    assert {i["iri"]: i["code"] for i in items} == expected
    assert [i["label"] for i in items] == ["Poland", "Serbia"]


def test_polands_strategies_fit_a_timeline_with_one_bar_each(state):
    table, views = tasks.canned_views(state, "list-strategies-by-country", {"country": "Poland"})
    assert views["default"] == "timeline"
    assert "map" not in views["views"]  # its only place is the country asked for
    spec = views["timeline"]
    at = {c: i for i, c in enumerate(table.columns)}
    starts: dict[str, int | None] = {}
    for row in table.rows:
        start = row[at["startYear"]] or row[at["adoptionDate"]]
        found = int(start.text[:4]) if start is not None else None
        starts[row[at["strategy"]].value] = starts.get(row[at["strategy"]].value) or found
    [group] = spec["groups"]
    assert group["label"] == "Poland"
    assert {i["iri"] for i in group["items"]} == {s for s, y in starts.items() if y is not None}
    assert {i["iri"] for i in spec["undated"]} == {s for s, y in starts.items() if y is None}
    by_iri = {i["iri"]: i for i in group["items"]}
    ai = by_iri[ID + "pl-ai-strategy"]  # adopted in 2020, no end given: open-ended
    assert ai["start"] == 2020 and "end" not in ai
    assert by_iri[ID + "pl-iscp"]["start"] == 2014 and by_iri[ID + "pl-iscp"]["end"] == 2022


def test_character_offsets_are_not_years_and_not_a_chart():
    table = Table(
        "SELECT",
        ("strategy", "start", "end"),
        ((iri("s1"), lit("10", XSD + "integer"), lit("20", XSD + "integer")),),
    )
    views = visual.result_views(table, {})
    assert "timeline" not in views
    assert "chart" in views  # a thing and numbers: bars of the first number
    table = Table(
        "SELECT",
        ("s", "label", "type", "start", "end"),
        ((iri("s1"), lit("a"), lit("b"), lit("10", XSD + "integer"), lit("20", XSD + "integer")),),
    )
    assert visual.result_views(table, {})["views"] == ["table"]


def test_a_count_per_country_is_a_chart_and_a_map(state):
    table, views = tasks.sparql_views(
        state,
        "SELECT ?country ?label (COUNT(?s) AS ?n) WHERE { ?s a kg:StrategyDocument ; "
        "kg:jurisdiction ?country . ?country rdfs:label ?label FILTER(LANG(?label) = 'en') } "
        "GROUP BY ?country ?label ORDER BY ?label",
    )
    assert views["views"] == ["table", "map", "chart"]
    bars = views["chart"]["bars"]
    assert [(b["label"], b["value"]) for b in bars] == [
        (row[1].text, float(row[2].text)) for row in table.rows
    ]
    assert views["map"]["colour"] == {"kind": "number", "column": "n"}


def test_describe_is_a_graph_without_type_edges(state):
    table, views = tasks.sparql_views(state, "DESCRIBE id:PL")
    assert views["default"] == "graph"
    graph = views["graph"]
    ids = {n["id"] for n in graph["nodes"]}
    expected = {row[0].value for row in table.rows} | {
        row[2].value
        for row in table.rows
        if row[2].kind in ("iri", "bnode") and row[1].value != PREFIXES["rdf"] + "type"
    }
    assert ids == expected
    assert all(e["iri"] != PREFIXES["rdf"] + "type" for e in graph["edges"])
    poland = next(n for n in graph["nodes"] if n["id"] == ID + "PL")
    assert poland["href"] == "/id/PL" and "country" in [t.lower() for t in poland["types"]]


def test_a_territory_without_a_country_page_is_still_mapped(state):
    # French Guiana has an ISO code but no shape of its own in the atlas: the spec carries
    # it, and the page lists it as not drawn (test_views_browser.py)
    table = Table("SELECT", ("place",), ((iri("french-guiana", "French Guiana"),),))
    codes = visual.country_codes(state.store, visual.table_iris(table))
    assert codes == {ID + "french-guiana": "254"}
    assert visual.result_views(table, codes)["map"]["items"][0]["code"] == "254"


def test_a_countrys_page_has_a_map_a_timeline_and_a_neighbourhood(state):
    _, views = tasks.describe_views(state, ID + "PL")
    items = views["map"]["items"]
    assert items[0] == {
        "label": "Poland",
        "iri": ID + "PL",
        "code": "616",
        "categories": ["this country"],
    }
    neighbours = {
        q.object.value
        for q in state.store.quads_for_pattern(
            NamedNode(ID + "PL"), NamedNode(KG + "sharesLandBorderWith"), None
        )
    }
    # every neighbour is drawn or listed as not drawn, with the reason
    assert {i["iri"] for i in items[1:]} | {
        i["iri"] for i in views["map"].get("notDrawn", [])
    } == neighbours
    assert {c for i in items[1:] for c in i["categories"]} == {"shares a land border"}
    strategies = {
        q.subject.value
        for q in state.store.quads_for_pattern(
            None, NamedNode(KG + "jurisdiction"), NamedNode(ID + "PL")
        )
    }
    timeline = views["timeline"]
    drawn = {i["iri"] for g in timeline["groups"] for i in g["items"]}
    assert drawn | {i["iri"] for i in timeline["undated"]} <= strategies
    assert ID + "pl-iscp" in drawn
    nodes = {n["id"] for n in views["graph"]["nodes"]}
    assert ID + "PL" in nodes and ID + "eurodig" in nodes  # through its participation
    # the participation itself is collapsed into a labelled edge to the forum
    through = {
        e["through"]
        for e in views["graph"]["edges"]
        if ID + "eurodig" in (e["source"], e["target"]) and "through" in e
    }
    assert through and not through & nodes
    assert all(" · " in e["label"] for e in views["graph"]["edges"] if "through" in e)


def test_a_page_without_a_country_code_has_no_map(state):
    _, views = tasks.describe_views(state, ID + "eurodig")
    assert "map" not in views and "timeline" not in views and "graph" in views


def test_the_neighbours_map_draws_the_neighbours_and_outlines_the_country_asked(state):
    table, views = tasks.canned_views(state, "list-neighbours-by-country", {"country": "Lithuania"})
    at = table.columns.index("neighbour")
    neighbours = {row[at].value for row in table.rows}  # the answer's, not typed here
    spec = views["map"]
    assert spec["column"] == "neighbour"
    assert {i["iri"] for i in spec["items"]} == neighbours and ID + "LT" not in neighbours
    assert [c["iri"] for c in spec["context"]] == [ID + "LT"]  # the parameter, outlined
    kinds = {row[at].value: row[table.columns.index("kind")].text for row in table.rows}
    assert spec["colour"] == {"kind": "category", "column": "kind"}
    assert {i["iri"]: i["categories"] for i in spec["items"]} == {
        iri: [kind] for iri, kind in kinds.items()
    }


def test_one_neighbour_is_still_the_neighbour_not_the_country_asked(state):
    table, views = tasks.canned_views(state, "list-neighbours-by-country", {"country": "Poland"})
    at = table.columns.index("neighbour")
    assert {i["iri"] for i in views["map"]["items"]} == {row[at].value for row in table.rows}
    assert ID + "PL" not in {i["iri"] for i in views["map"]["items"]}


def test_the_topic_timeline_has_one_bar_per_strategy(state):
    table, views = tasks.canned_views(state, "list-strategies-by-topic", {"topic": "cybersecurity"})
    at = {c: i for i, c in enumerate(table.columns)}
    periods = {
        row[at["strategy"]].value: (int(row[at["startYear"]].text), int(row[at["endYear"]].text))
        for row in table.rows
    }
    assert len(periods) == 2  # two strategies, two countries, two periods
    bars = [i for g in views["timeline"]["groups"] for i in g["items"]]
    assert {b["iri"]: (b["start"], b["end"]) for b in bars} == periods
    assert len(bars) == len(periods)
    assert "map" not in views  # no column of places (the country is a label only)


def test_places_without_an_iso_code_in_the_graph_get_pycountrys_by_name(state):
    # Serbia's neighbours come from GeoNames with a name only: the map finds their codes by
    # that name in pycountry, and a place ISO 3166 does not list is named as not drawn
    import pycountry

    _, views = tasks.describe_views(state, ID + "RS")
    spec = views["map"]
    neighbours = {
        q.object.value
        for q in state.store.quads_for_pattern(
            NamedNode(ID + "RS"), NamedNode(KG + "sharesLandBorderWith"), None
        )
    }
    drawn = {i["iri"]: i for i in spec["items"][1:]}
    missing = {i["iri"]: i for i in spec.get("notDrawn", [])}
    assert set(drawn) | set(missing) == neighbours and not set(drawn) & set(missing)
    assert len(drawn) >= len(neighbours) - 1
    for item in drawn.values():
        assert pycountry.countries.get(numeric=item["code"]) is not None
    for item in missing.values():
        assert "no ISO 3166 code" in item["reason"]
        with pytest.raises(LookupError):
            pycountry.countries.lookup(item["label"])


def test_iso_numeric_of_a_name_refuses_to_guess():
    assert visual.iso_numeric_of_name("Czechia") == "203"
    assert visual.iso_numeric_of_name("Bolivia") == "068"  # the name without ISO's qualifier
    assert visual.iso_numeric_of_name("Kosovo") is None  # not in ISO 3166 (fuzzy: Serbia)
    assert visual.iso_numeric_of_name("Korea") is None  # two countries: no guess


def test_a_map_with_several_values_per_place_keeps_them_apart():
    rows = (
        (iri("PL", "Poland"), lit("member")),
        (iri("PL", "Poland"), lit("observer")),
        (iri("RS", "Serbia"), lit("observer")),
    )
    table = Table("SELECT", ("country", "role"), rows)
    spec = visual.result_views(table, {ID + "PL": "616", ID + "RS": "688"})["map"]
    assert {i["label"]: i["categories"] for i in spec["items"]} == {
        "Poland": ["member", "observer"],
        "Serbia": ["observer"],
    }


def test_a_column_with_one_value_per_place_is_not_a_colour():
    rows = (
        (iri("PL", "Poland"), lit("Poland profile"), lit("a")),
        (iri("PL", "Poland"), lit("Poland profile"), lit("b")),
        (iri("RS", "Serbia"), lit("Serbia profile"), lit("c")),
    )
    table = Table("SELECT", ("country", "profileLabel", "x"), rows)
    spec = visual.result_views(table, {ID + "PL": "616", ID + "RS": "688"})["map"]
    assert spec["colour"]["kind"] == "rows"


def test_headers_are_readable_and_technical_columns_fold(state):
    from kg.server.views import columns_of, header, table_json

    assert header("startYear") == "Start year" and header("profileLabel") == "Profile"
    table, _ = tasks.canned_views(state, "list-neighbours-by-country", {"country": "Lithuania"})
    columns = {c.name: c for c in columns_of(table)}
    assert columns["start"].folded and columns["end"].folded  # character offsets
    assert columns["neighbourLabel"].folded  # the neighbour's link shows that label
    assert not columns["neighbour"].folded and not columns["kind"].folded
    data = json.loads(table_json(table))
    assert data["count"] == len(table.rows) == len(data["rows"])
    first = data["rows"][0][table.columns.index("neighbour")]
    assert first[:2] == [table.rows[0][1].text, table.rows[0][1].href]


# --- the ontology page ---------------------------------------------------------------------


def test_the_ontology_page_data(state):
    doc = tasks.ontology_doc(state)
    defined = {
        q.subject.value
        for q in state.store.quads_for_pattern(
            None,
            NamedNode(PREFIXES["rdfs"] + "isDefinedBy"),
            NamedNode("https://w3id.org/digital-policy-kg/ontology"),
        )
    }
    classes = {c.iri: c for c in doc.classes}
    assert set(classes) | {p.iri for p in doc.properties} <= defined
    country = classes[KG + "Country"]
    instances = {
        q.subject
        for q in state.store.quads_for_pattern(
            None, NamedNode(PREFIXES["rdf"] + "type"), NamedNode(KG + "Country")
        )
    }
    assert country.count == len(instances)
    assert all(NamedNode(e.value) in instances for e in country.examples)
    assert country.definition and country.definition.startswith("A sovereign state")
    capital = next(c for c in country.constraints if c.path == "kg:capital")
    assert capital.words == "at most one; an instance of kg:City"
    assert capital.message  # the shape's own sh:message
    assert any(p.curie == "kg:capital" for p in country.properties)
    # the hierarchy holds every class once
    seen: list[str] = []

    def walk(nodes):
        for n in nodes:
            seen.append(n.cls.iri)
            walk(n.children)

    walk(doc.tree)
    assert set(seen) == set(classes)


def test_the_core_model_diagram_is_svg_of_escaped_text(state):
    doc = tasks.ontology_doc(state)
    svg = doc.diagram
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    boxes = re.findall(r'<a href="#([^"]+)"', svg)
    assert "Place" in boxes and "StrategyDocument" in boxes
    assert ">org:Organization</text>" in svg  # a reused class: a box without a link
    classes = {c.anchor for c in doc.classes}
    assert set(boxes) <= classes
    assert "<script" not in svg and not re.search(r"<[^>]*\son\w+=", svg)


def test_constraint_words_for_each_component():
    from pyoxigraph import BlankNode, Quad, Store

    store = Store()
    shape = BlankNode()
    sh = PREFIXES["sh"]
    for p, o in (
        ("minCount", Literal("1", datatype=NamedNode(XSD + "integer"))),
        ("maxCount", Literal("1", datatype=NamedNode(XSD + "integer"))),
        ("datatype", NamedNode(XSD + "gYear")),
        ("minInclusive", Literal("1900", datatype=NamedNode(XSD + "integer"))),
    ):
        store.add(Quad(shape, NamedNode(sh + p), o))
    assert ontodoc.constraint_words(store, shape) == (
        "exactly one; a literal of type xsd:gYear; at least 1900"
    )


def test_the_editor_completes_our_terms(state):
    words = {v["label"]: v["type"] for v in tasks.vocabulary(state)}
    assert words["kg:Country"] == "class"
    assert words["kg:jurisdiction"] == "property"
    assert words["kg:"] == "namespace"


# --- vendored assets -------------------------------------------------------------------------


@pytest.mark.parametrize("folder", [VENDOR, TEST_VENDOR], ids=["served", "tests"])
def test_vendored_files_match_their_manifest(folder):
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    listed = set()
    for entry in manifest["files"]:
        data = (folder / entry["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["file"]
        assert len(data) == entry["bytes"]
        listed.add(entry["file"])
        assert entry["packages"], entry["file"]
        for package in entry["packages"]:
            assert re.fullmatch(r"\d+\.\d+\.\d+", package["version"]), package
            assert package["license"] in ("MIT", "ISC", "MPL-2.0"), package
            assert (folder / package["licence_file"]).stat().st_size > 200, package
    shipped = {p.name for p in folder.iterdir() if p.is_file()} - {"manifest.json"}
    assert shipped == listed
    lock = json.loads((REPO / "web" / "package-lock.json").read_text(encoding="utf-8"))
    for entry in manifest["files"]:
        for package in entry["packages"]:
            assert (
                lock["packages"]["node_modules/" + package["name"]]["version"]
                == (package["version"])
            )


def test_the_asset_budget():
    total = 0
    for folder in (VENDOR, TEST_VENDOR):
        for entry in json.loads((folder / "manifest.json").read_text())["files"]:
            total += len(gzip.compress((folder / entry["file"]).read_bytes(), 9))
    assert total <= BUDGET, total


def test_open_in_the_editor_gives_the_canned_answer(state):
    """The editor text of a canned page (its parameter values as VALUES rows in every WHERE
    group) answers what the page answered, for every canned query with its defaults."""
    from kg.server.pages import bound_text

    for name, query in state.catalogue.items():
        if query.scope != "documents":
            continue  # the editor reads the documents' default graph only
        table, _ = tasks.canned_views(state, name, {})
        values = {p.name: p.default for p in query.params}
        text = bound_text(query, table, values)
        if any(p.default for p in query.params if p.name in table.columns) and table.rows:
            assert "VALUES" in text and text != query.text, name
        edited = tasks.sparql_table(state, text)
        assert edited.columns == table.columns, name
        assert sorted(map(repr, edited.rows)) == sorted(map(repr, table.rows)), name


def test_a_view_with_too_many_items_says_so():
    rows = tuple(
        (
            iri(f"s{i}", f"strategy {i}"),
            lit(str(2000 + i % 20), XSD + "gYear"),
            lit(str(2021 + i % 20), XSD + "gYear"),
        )
        for i in range(visual.TIMELINE_LIMIT + 1)
    )
    table = Table("SELECT", ("strategy", "startYear", "endYear"), rows)
    views = visual.result_views(table, {})
    assert "timeline" not in views
    from kg.server import pages

    context = pages.Context(base="http://localhost", queries=(), timeout=30, row_limit=10_000)
    html = pages.editor(context, "SELECT …", table=table, views=views)
    assert f"No timeline: {visual.TIMELINE_LIMIT + 1:,} dated things" in html
    assert views["skipped"] == [
        f"no timeline: {visual.TIMELINE_LIMIT + 1:,} dated things, more than the "
        f"{visual.TIMELINE_LIMIT} a timeline draws"
    ]


def test_a_chart_says_which_rows_it_could_not_draw():
    rows = (
        (iri("a", "A"), lit("1", XSD + "integer")),
        (iri("b", "B"), None),
    )
    spec = visual.result_views(Table("SELECT", ("thing", "n"), rows), {})["chart"]
    assert [b["label"] for b in spec["bars"]] == ["A"]
    assert spec["notDrawn"] == "1 of 2 rows not drawn: no number or no label"
