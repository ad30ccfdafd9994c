"""kg link: linksets and external facts from the real open-data files, the cross-check, and the
competency questions CQ13, CQ14 and CQ16 with the source of every fact.

Everything runs offline on ``shared/external`` (copied unchanged from public repositories) and
the repository's documents. Expected values are read from the files where the point is "the
link comes from the file" and written out where the point is the answer a user gets.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import EXTERNAL, REPO
from pyoxigraph import NamedNode, Quad, RdfFormat, Store, parse

from kg import resources
from kg.cli import main
from kg.errors import InputError, LinkError
from kg.linking import crosscheck, matching, rdf
from kg.linking import model as link
from kg.linking import run as link_run
from kg.linking.sources import eums, geonames, naturalearth, op
from kg.load import files as graph
from kg.load import open_dataset
from kg.namespaces import EXTERNAL_GRAPH, GRAPH, ID, KG, PASSAGE
from kg.sparql import catalogue as query
from kg.validation import shacl

pytestmark = pytest.mark.skipif(not EXTERNAL.is_dir(), reason="shared/external not available")

OWL_SAME = "http://www.w3.org/2002/07/owl#sameAs"
SKOS_EXACT = "http://www.w3.org/2004/02/skos/core#exactMatch"
DATA = REPO / "data"
GENERATED = sorted(
    [p.relative_to(DATA).as_posix() for p in (DATA / "links").glob("*.ttl")]
    + [p.relative_to(DATA).as_posix() for p in (DATA / "external").glob("*.trig")]
)


@pytest.fixture(scope="module")
def matches() -> link.Matches:
    return matching.match(link.read_documents(), matching.read_external(EXTERNAL))


@pytest.fixture(scope="module")
def report(matches) -> crosscheck.CheckReport:
    return crosscheck.compare(matches)


@pytest.fixture(scope="module")
def dataset() -> graph.Dataset:
    return graph.load()


def _copy_documents(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    for path in link.document_files():
        shutil.copy(path, folder / path.name)
    return folder


def _copy_external(tmp_path: Path) -> Path:
    folder = tmp_path / "external"
    shutil.copytree(EXTERNAL, folder)
    for path in folder.iterdir():
        path.chmod(0o644)
    return folder


def _quads(path: Path) -> list:
    fmt = RdfFormat.TRIG if path.suffix == ".trig" else RdfFormat.TURTLE
    return list(parse(path=str(path), format=fmt))


# --------------------------------------------------------------------------- linking


def test_every_country_node_is_linked_to_the_eu_table_and_geonames(matches):
    countries = {m.alpha2 for m in matches.countries}
    assert len(countries) == 24
    assert {"RS", "FR", "FI", "SE", "LU", "LT", "PT", "PL", "RU", "NO"} <= countries
    assert all(op.of(m) is not None and geonames.of(m) is not None for m in matches.countries)


def test_wikidata_items_come_from_natural_earth_only_where_it_has_the_country(matches):
    rows = naturalearth.read(EXTERNAL / "naturalearth-ne_110m_admin_0_countries.csv")
    by_alpha3 = {r.alpha3: r.qid for r in rows}
    for m in matches.countries:
        row = naturalearth.of(m)
        assert (row.qid if row else None) == by_alpha3.get(op.of(m).alpha3)
    assert {m.alpha2 for m in matches.countries if naturalearth.of(m) is None} == {"AD", "MC"}
    qids = {m.alpha2: row.qid for m in matches.countries if (row := naturalearth.of(m))}
    # France and Norway have ISO_A2 = -99 in Natural Earth: matched by ISO_A3_EH / ADM0_A3.
    assert (qids["PL"], qids["FR"], qids["NO"], qids["RS"]) == ("Q36", "Q142", "Q20", "Q403")


def test_linkset_files_hold_the_links(matches):
    same = {(q.subject.value, q.object.value) for q in _quads(DATA / "links" / "wikidata.ttl")}
    assert (ID + "PL", "http://www.wikidata.org/entity/Q36") in same
    assert len(same) == 22
    geo = {(q.subject.value, q.object.value) for q in _quads(DATA / "links" / "geonames.ttl")}
    rows = geonames.read(EXTERNAL / "geonames-countryInfo.txt")
    assert (ID + "FI", f"https://sws.geonames.org/{rows['FI'].geonameid}/") in geo
    assert (ID + "french-guiana", f"https://sws.geonames.org/{rows['GF'].geonameid}/") in geo
    eu = {(q.subject.value, q.object.value) for q in _quads(DATA / "links" / "eu-authority.ttl")}
    assert (ID + "RS", op.NAMESPACE + "SRB") in eu
    assert (ID + "european-union", op.NAMESPACE + "EUR") in eu
    predicates = {q.predicate.value for q in _quads(DATA / "links" / "eu-authority.ttl")}
    assert predicates == {SKOS_EXACT}  # authority-table concepts: not owl:sameAs
    dbpedia = {q.subject.value: q.object.value for q in _quads(DATA / "links" / "dbpedia.ttl")}
    assert dbpedia[ID + "FR"] == "http://dbpedia.org/resource/France"
    assert ID + "BR" not in dbpedia  # the gsq linkset has no DBpedia match for Brazil


def test_territories_are_linked_only_where_one_entry_matches(matches):
    linked = {p.entity.iri: op.of(p).code for p in matches.places}
    assert linked[ID + "french-guiana"] == "GUF"
    assert linked[ID + "saint-martin"] == "MAF"
    assert linked[ID + "saint-pierre-and-miquelon"] == "SPM"
    # The French West Indies are several ISO entities; metropolitan France is only a
    # deprecated entry (FXX): neither gets a link.
    assert ID + "french-west-indies" not in linked
    assert ID + "metropolitan-france" not in linked


def test_entities_no_file_covers_are_listed_as_unlinked_without_identifiers(matches):
    result = link_run.LinkReport(matches, [], [], {})
    unlinked = result.unlinked()
    assert "Internet Governance Forum" in unlinked["kg:Forum"]
    assert "EuroDIG" in unlinked["kg:Forum"]
    assert "Research and Academic Computer Network" in unlinked["kg:ResearchInstitute"]
    assert "Helsinki" in unlinked["kg:City"]
    subjects = {q.subject.value for p in (DATA / "links").glob("*.ttl") for q in _quads(p)}
    assert not {ID + "igf", ID + "eurodig", ID + "nask", ID + "helsinki"} & subjects


def test_codes_agree_with_pycountry(dataset):
    import pycountry

    store = dataset.store
    graph_name = NamedNode(EXTERNAL_GRAPH + "op-countries")
    codes = {}
    for prop in ("isoAlpha2", "isoAlpha3", "isoNumeric", "euAuthorityCode"):
        for q in store.quads_for_pattern(None, NamedNode(KG + prop), None, graph_name):
            codes.setdefault(q.subject.value[len(ID) :], {})[prop] = q.object.value
    countries = {k: v for k, v in codes.items() if len(k) == 2 and k.isupper()}
    assert len(countries) == 24
    for alpha2, found in countries.items():
        record = pycountry.countries.get(alpha_2=alpha2)
        assert (found["isoAlpha2"], found["isoAlpha3"], found["isoNumeric"]) == (
            record.alpha_2,
            record.alpha_3,
            record.numeric,
        )
    # territories matched to the table carry their codes too
    assert codes["french-guiana"]["isoAlpha3"] == pycountry.countries.get(alpha_2="GF").alpha_3
    assert codes["PL"] == {
        "isoAlpha2": "PL",
        "isoAlpha3": "POL",
        "isoNumeric": "616",
        "euAuthorityCode": "POL",
    }


def test_native_labels_are_in_the_countries_own_languages(dataset):
    labels = {}
    for q in dataset.store.quads_for_pattern(None, NamedNode(KG + "nativeLabel"), None, None):
        labels.setdefault(q.subject.value[len(ID) :], set()).add(
            (q.object.value, q.object.language)
        )
    assert labels["PL"] == {("Polska", "pl")}
    assert labels["FI"] == {("Suomi", "fi"), ("Finland", "sv")}  # EUMS: Finnish, Swedish
    assert labels["RS"] == {("Србија", "sr")}  # not an EU member: GeoNames' first language
    assert ("Schweiz", "de") in labels["CH"] and ("Svizzera", "it") in labels["CH"]


def test_link_is_byte_identical_on_rerun_and_the_committed_files_are_fresh(tmp_path):
    folder = _copy_documents(tmp_path)
    first = link_run.link(EXTERNAL, folder)
    assert sorted(p.relative_to(folder).as_posix() for p in first.written) == GENERATED
    before = {rel: (folder / rel).read_bytes() for rel in GENERATED}
    second = link_run.link(EXTERNAL, folder)
    assert second.written == [] and len(second.unchanged) == len(GENERATED)
    assert {rel: (folder / rel).read_bytes() for rel in GENERATED} == before
    for rel in GENERATED:  # the repository's files are what kg link makes (rerun kg link)
        assert (DATA / rel).read_bytes() == before[rel], f"data/{rel} is stale: run kg link"


def test_identity_mismatch_is_an_error_and_nothing_is_written(tmp_path):
    folder = _copy_documents(tmp_path)
    (folder / "zz-wrong.trig").write_text(
        "@prefix id: <https://w3id.org/digital-policy-kg/id/> .\n"
        "@prefix kg: <https://w3id.org/digital-policy-kg/ontology#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        '<urn:g> { id:AT a kg:Country ; rdfs:label "Germany"@en . }\n',
        encoding="utf-8",
    )
    with pytest.raises(LinkError) as caught:
        link_run.link(EXTERNAL, folder)
    assert "id/AT ('Germany')" in str(caught.value)
    assert "the label is the name of DE" in str(caught.value)
    assert not (folder / "links").exists() and not (folder / "external").exists()


def test_malformed_external_file_names_file_line_and_field(tmp_path):
    folder = _copy_external(tmp_path)
    path = folder / "geonames-countryInfo.txt"
    text = path.read_text(encoding="utf-8").replace("\t3017382\t", "\tx3017382\t")
    path.write_text(text, encoding="utf-8")
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "x3017382" in t)
    with pytest.raises(InputError, match=rf"geonames-countryInfo.txt:{line}: field geonameid"):
        matching.read_external(folder)
    (folder / "eums-member_states_raw.csv").unlink()
    result = CliRunner().invoke(main, ["link", "--external", str(folder)])
    assert result.exit_code == 2
    assert "eums-member_states_raw.csv: no such file" in result.output
    assert "Traceback" not in result.output


# --------------------------------------------------------------------------- external facts


def test_external_facts_sit_only_in_external_graphs_with_provenance(dataset):
    store = dataset.store
    for path in (DATA / "external").glob("*.trig"):
        quads = _quads(path)
        graphs = {q.graph_name.value for q in quads}
        assert graphs == {EXTERNAL_GRAPH + path.stem}
        g = NamedNode(EXTERNAL_GRAPH + path.stem)
        for prop in ("license", "source", "bibliographicCitation"):
            assert list(
                store.quads_for_pattern(g, NamedNode(f"http://purl.org/dc/terms/{prop}"), None, g)
            )
        file_name = [
            q.object.value
            for q in store.quads_for_pattern(g, NamedNode(KG + "sourceFileName"), None, g)
        ]
        assert len(file_name) == 1 and (EXTERNAL / file_name[0]).is_file()
        method = [
            q.object.value
            for q in store.quads_for_pattern(g, NamedNode(KG + "retrievalMethod"), None, g)
        ]
        assert method == ["offline copy, matched by ISO code"]
    version = list(
        store.quads_for_pattern(
            NamedNode(EXTERNAL_GRAPH + "op-countries"),
            NamedNode("http://www.w3.org/2002/07/owl#versionInfo"),
            None,
            None,
        )
    )
    assert {q.object.value for q in version} == {"20230915-0"}


def test_no_external_fact_is_in_a_passage_graph(dataset):
    """Loading the linksets and external graphs changes no passage graph, and they name none:
    a fact that only an external source states never reads as stated by a document."""
    store = dataset.store
    documents_only = graph.load(link.document_files()).store

    def passage_quads(s: Store) -> set:
        return {
            q
            for g in s.named_graphs()
            if g.value.startswith(PASSAGE)
            for q in s.quads_for_pattern(None, None, None, g)
        }

    assert passage_quads(store) == passage_quads(documents_only)
    for path in list((DATA / "external").glob("*.trig")) + list((DATA / "links").glob("*.ttl")):
        assert not any(
            isinstance(q.graph_name, NamedNode) and q.graph_name.value.startswith(PASSAGE)
            for q in _quads(path)
        )
    # The external capitals of Serbia, France and Poland are stated by no passage.
    for country in ("RS", "FR", "PL"):
        stated = store.quads_for_pattern(
            NamedNode(ID + country), NamedNode(KG + "capital"), None, None
        )
        assert {q.graph_name.value for q in stated} == {EXTERNAL_GRAPH + "geonames"}


def test_founding_members_keep_the_ecsc_date_and_say_so():
    members = eums.read(EXTERNAL / "eums-member_states_raw.csv")
    assert members["FR"].accession.isoformat() == "1952-07-23" and members["FR"].founding
    quads = _quads(DATA / "external" / "eums.trig")
    france = ID + "aff-FR-european-union-eums"
    values = {q.predicate.value: q.object.value for q in quads if q.subject.value == france}
    assert values[KG + "startDate"] == "1952-07-23"
    assert (
        "European Coal and Steel Community"
        in values["http://www.w3.org/2000/01/rdf-schema#comment"]
    )
    assert not any(q.subject.value.startswith(ID + "aff-RS") for q in quads)


def test_void_counts_the_triples_of_each_linkset_and_graph():
    void = _quads(DATA / "links" / "void.ttl")
    counts = {
        q.subject.value: int(q.object.value)
        for q in void
        if q.predicate.value == "http://rdfs.org/ns/void#triples"
    }
    for path in (DATA / "links").glob("*.ttl"):
        if path.stem != "void":
            assert counts[GRAPH + "links/" + path.stem] == len(_quads(path))
    for path in (DATA / "external").glob("*.trig"):
        assert counts[EXTERNAL_GRAPH + path.stem] == len(_quads(path))
    described = void + [q for p in (DATA / "external").glob("*.trig") for q in _quads(p)]
    licences = {
        q.subject.value: q.object.value
        for q in described
        if q.predicate.value == "http://purl.org/dc/terms/license"
    }
    assert licences[EXTERNAL_GRAPH + "geonames"] == "https://creativecommons.org/licenses/by/4.0/"
    assert (
        licences[GRAPH + "links/wikidata"] == "https://creativecommons.org/publicdomain/mark/1.0/"
    )


def test_external_shapes_conform_with_warnings_for_incomplete_data(dataset):
    engine = shacl.ShaclEngine(shacl.ShapesGraph.load(resources.external_shapes_file()))
    results = engine.validate(dataset.store)
    assert {(r.focus.value, r.severity.value.rsplit("#", 1)[-1]) for r in results} == {
        (ID + "AD", "Warning"),
        (ID + "MC", "Warning"),
    }
    assert resources.external_shapes_file() in resources.shapes_files()


def test_external_shapes_find_a_malformed_code():
    store = Store()
    store.load(
        b"@prefix kg: <https://w3id.org/digital-policy-kg/ontology#> .\n"
        b'<https://w3id.org/digital-policy-kg/id/FR> kg:isoAlpha2 "fr" ; kg:isoAlpha3 "FRA" .\n',
        format=RdfFormat.TURTLE,
        to_graph=NamedNode(EXTERNAL_GRAPH + "test"),
    )
    store.add(
        Quad(
            NamedNode(ID + "FR"),
            NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
            NamedNode(KG + "Country"),
            NamedNode(EXTERNAL_GRAPH + "test"),
        )
    )
    engine = shacl.ShaclEngine(shacl.ShapesGraph.load(resources.shapes_files()))
    violations = [r for r in engine.validate(store) if r.severity.value.endswith("Violation")]
    messages = {r.message for r in violations}
    assert "An ISO 3166-1 alpha-2 code is two capital letters, one per entity." in messages
    assert any("differs from the country's identifier" in m for m in messages)


# --------------------------------------------------------------------------- competency questions


def _answer(name: str, **params: str) -> list[dict[str, str]]:
    result = query.run_canned(open_dataset(cache=True).store, name, params)
    names = result.variables
    return [
        {n: s[n].value for n in names if s[n] is not None}
        for s in result.raw  # type: ignore[union-attr]
    ]


def test_cq13_capitals_with_their_source():
    rows = _answer("list-capitals")
    got = {(r["countryLabel"], r["capitalLabel"], r["origin"]) for r in rows}
    assert got == {
        ("Finland", "Helsinki", "document"),
        ("Sweden", "Stockholm", "document"),
        ("Luxembourg", "Luxembourg", "document"),
        ("Lithuania", "Vilnius", "document"),
        ("Portugal", "Lisbon", "document"),
        ("Serbia", "Belgrade", "external"),
        ("France", "Paris", "external"),
        ("Poland", "Warsaw", "external"),
    }
    for r in rows:
        if r["origin"] == "document":
            assert r["source"].startswith(PASSAGE) and r["sourceLabel"].endswith("profile")
            assert int(r["start"]) < int(r["end"])
        else:
            assert r["source"] == EXTERNAL_GRAPH + "geonames" and "start" not in r


def test_cq14_eu_relations_with_their_source():
    rows = _answer("list-eu-relations")
    got = {(r["countryLabel"], r["roleLabel"], r["origin"]) for r in rows}
    members = {"France", "Finland", "Sweden", "Luxembourg", "Lithuania", "Portugal", "Poland"}
    # Sweden's profile states its membership too (the third-largest country in the EU)
    assert got == {
        ("Serbia", "candidate country", "document"),
        ("Sweden", "member state", "document"),
    } | {(c, "member state", "external") for c in members}
    serbia = next(r for r in rows if r["countryLabel"] == "Serbia")
    assert serbia["source"].startswith(PASSAGE) and serbia["sourceLabel"] == "Serbia profile"
    dates = {r["countryLabel"]: r.get("startDate") for r in rows if r["origin"] == "external"}
    assert dates["Poland"] == "2004-05-01" and dates["France"] == "1952-07-23"
    assert all(r["source"] == EXTERNAL_GRAPH + "eums" for r in rows if r["origin"] == "external")


def test_cq16_external_identifiers_of_poland():
    rows = _answer("list-external-identifiers", country="Poland")
    got = {r["identifier"]: r["value"] for r in rows}
    assert got["ISO 3166-1 alpha-2"] == "PL"
    assert got["ISO 3166-1 alpha-3"] == "POL"
    assert got["Wikidata item"] == "http://www.wikidata.org/entity/Q36"
    assert got["EU authority code"] == "POL"
    assert all(r["origin"] == "external" for r in rows)
    assert {r["sourceFile"] for r in rows} <= {p.name for p in EXTERNAL.iterdir()}


def test_cq16_every_profiled_country_has_codes_and_links():
    rows = _answer("list-external-identifiers")
    by_country: dict[str, set[str]] = {}
    for r in rows:
        by_country.setdefault(r["countryLabel"], set()).add(r["identifier"])
    assert len(by_country) == 8
    for identifiers in by_country.values():
        assert {
            "ISO 3166-1 alpha-2",
            "ISO 3166-1 alpha-3",
            "Wikidata item",
            "EU authority code",
            "GeoNames feature",
            "EU authority URI",
        } <= identifiers


# --------------------------------------------------------------------------- cross-check


def test_check_summary_on_the_real_data(report):
    assert report.summary() == {
        "agree": 79,
        "disagree": 0,
        "only-documents": 1,
        "only-external": 48,
    }
    assert report.by_kind()["land-border"] == {
        "agree": 23,
        "disagree": 0,
        "only-documents": 1,
        "only-external": 15,
    }


def test_check_borders(report):
    assert report.find("land-border", "FI", "RU").status == "agree"
    brazil = report.find("land-border", "FR", "BR")
    assert brazil.status == "agree"
    assert brazil.external == "land neighbours through French Guiana (GF)–Brazil (BR)"
    netherlands = report.find("land-border", "FR", "NL")
    assert (
        netherlands.status == "agree"
        and "Saint Martin (MF)–Sint Maarten (SX)" in netherlands.external
    )
    assert report.find("land-border", "LT", "SE").status == "only-documents"  # maritime
    denmark = report.find("land-border", "SE", "DK")
    assert (denmark.status, denmark.external) == ("agree", "not land neighbours")
    assert report.find("land-border", "PL", "DE").status == "only-external"
    assert report.find("land-border", "PT", "ES").passages


def test_check_capitals_eu_and_codes(report):
    assert report.find("capital", "FI").status == "agree"
    assert report.find("capital", "RS").status == "only-external"
    assert report.find("capital", "RS").external == "Belgrade"
    assert report.find("eu-relation", "RS").status == "agree"
    assert report.find("eu-relation", "PL").status == "only-external"
    assert report.find("code", "FR").status == "agree"
    assert report.find("land-neighbour-count", "PT").status == "agree"


def test_check_finds_a_disagreement_and_fails_only_when_asked(tmp_path):
    folder = _copy_documents(tmp_path)
    path = folder / "finland.trig"
    path.write_text(
        path.read_text(encoding="utf-8").replace('"Helsinki"@en', '"Turku"@en'), encoding="utf-8"
    )
    result = crosscheck.check(EXTERNAL, folder)
    turku = result.find("capital", "FI")
    assert (turku.status, turku.document, turku.external) == ("disagree", "Turku", "Helsinki")
    assert result.disagreements() == [turku]
    result = CliRunner().invoke(main, ["link", "--check", "--external", str(EXTERNAL)])
    assert result.exit_code == 0 and "disagree: 0" in result.output


def test_check_cli_formats_and_exit_status():
    runner = CliRunner()
    result = runner.invoke(main, ["link", "--check", "--format", "json", "--fail-on-disagreement"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["summary"]["agree"] == 79
    turtle = runner.invoke(main, ["link", "--check", "--format", "turtle"])
    triples = list(parse(turtle.stdout.encode(), format=RdfFormat.TURTLE))
    verdicts = [t for t in triples if t.predicate.value == KG + "verdict"]
    assert len(verdicts) == 128
    table = runner.invoke(main, ["link", "--check"])
    assert "agree: 79, disagree: 0, only-documents: 1, only-external: 48" in table.stdout


def test_link_cli_reports_coverage_and_writes_nothing_new():
    result = CliRunner().invoke(main, ["link", "--format", "json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["coverage"]["wikidata"]["missing"] == ["AD", "MC"]
    assert data["coverage"]["geonames"]["missing"] == []
    assert data["written"] == []


def test_link_output_csv_of_queries_is_not_mixed_up():
    # A sanity check of the CSV the CLI gives for CQ13 (used in the manual's example).
    result = CliRunner().invoke(main, ["query", "list-capitals", "--format", "csv"])
    rows = list(csv.DictReader(result.stdout.splitlines()))
    assert {r["origin"] for r in rows} == {"document", "external"}


def test_slugs_for_minted_cities():
    assert rdf.slug("Brasília") == "brasilia"
    assert rdf.slug("Andorra la Vella") == "andorra-la-vella"


def test_external_shapes_give_the_same_results_with_pyshacl(dataset):
    reference = shacl.validate_with_pyshacl(dataset.store, resources.external_shapes_file())
    assert {(r.focus.value, r.severity.value) for r in reference} == {
        (ID + "AD", "http://www.w3.org/ns/shacl#Warning"),
        (ID + "MC", "http://www.w3.org/ns/shacl#Warning"),
    }


def test_check_query_finds_two_entities_linked_to_one_item():
    from pyoxigraph import Quad

    from kg.validation import report as validate

    store = graph.load().store
    check = [c for c in validate.load_checks() if c.name == "shared-external-link-violation"]
    assert validate.run_checks(store, check) == []
    store.add(
        Quad(
            NamedNode(ID + "AT"),
            NamedNode(OWL_SAME),
            NamedNode("http://www.wikidata.org/entity/Q36"),
            NamedNode(GRAPH + "links/test"),
        )
    )
    assert {r.focus.value for r in validate.run_checks(store, check)} == {ID + "AT", ID + "PL"}
