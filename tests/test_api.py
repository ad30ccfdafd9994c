"""The public Python API (kg.__all__): the same answers as the command, byte for byte, as
Python values, DataFrames and rdflib graphs; on local data and on a SPARQL endpoint."""

from __future__ import annotations

import subprocess
import sys
import warnings

import pytest
from conftest import REPO, SEEDS

import kg
from kg import (  # only public names: test_only_public_names_are_used checks it
    Answer,
    Dataset,
    KgError,
    QuotesUnavailable,
    cite,
    export_graph,
    get_query,
    open_dataset,
    queries,
    validate,
)

PUBLIC = ("Answer", "Dataset", "KgError", "QuotesUnavailable", "cite", "export_graph")
PUBLIC += ("get_query",)
PUBLIC += ("open_dataset", "queries", "validate")


def kg_command(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """The real command, as a user runs it (``python -m kg``), from the checkout."""
    import os

    return subprocess.run(
        [sys.executable, "-m", "kg", *args],
        capture_output=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO / "src"), **(env or {})},
        timeout=300,
    )


@pytest.fixture(scope="module")
def graph() -> Dataset:
    return open_dataset()


def test_only_public_names_are_used():
    import importlib

    assert set(PUBLIC) <= set(kg.__all__)
    assert set(kg.__all__) - {"__version__"} == set(importlib.import_module("kg.api").__all__)
    for name in kg.__all__:
        assert getattr(kg, name) is not None
    with pytest.raises(AttributeError):
        kg.catalogue  # noqa: B018 — private modules are not attributes of the package


def test_the_records_of_validate_export_and_cite_are_defined_on_first_use():
    """kg.api does not build the dataclasses a query never uses (kg.api_records); they are
    the same public names, reached through kg and kg.api alike."""
    import os
    import textwrap

    script = textwrap.dedent(
        """
        import sys
        import kg.api
        assert "kg.api_records" not in sys.modules
        import kg
        from kg.api import Citation
        from kg import api_records
        assert kg.Finding is kg.api.Finding is api_records.Finding
        assert kg.ValidationReport is api_records.ValidationReport
        assert kg.Exported is api_records.Exported and Citation is api_records.Citation
        try:
            kg.api.NoSuchName
        except AttributeError as error:
            print(error)
        """
    )
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
    )
    assert done.stdout.strip() == "module 'kg.api' has no attribute 'NoSuchName'"


def test_no_public_name_is_shadowed_by_a_module():
    """`import kg.export` (a private package) sets the attribute kg.export: a public name
    that is also a module's name would become that module once anything imports it."""
    import importlib.util

    for name in kg.__all__:
        assert importlib.util.find_spec(f"kg.{name}") is None, name


def test_every_canned_query_answers_as_the_cli_csv_byte_for_byte(graph):
    names = [q.name for q in queries()]
    assert len(names) >= 16
    for name in names:
        cli = kg_command("query", name, "--format", "csv")
        assert cli.returncode == 0, cli.stderr
        answer = graph.query(name)
        assert isinstance(answer, Answer)
        assert answer.serialize("csv") == cli.stdout, name
        assert answer.columns == cli.stdout.split(b"\r\n")[0].decode().split(","), name


def test_keyword_parameters_resolve_labels_as_the_cli(graph):
    cases = [
        ("list-strategies-by-country", {"country": "Poland"}),
        ("list-neighbours-by-country", {"country": "id:RU"}),
        ("list-sources-by-resource", {"resource": "Poland", "other": "EuroDIG"}),
        ("list-strategies-in-force-by-year", {"year": "2021"}),
    ]
    for name, params in cases:
        args = [a for k, v in params.items() for a in ("-p", f"{k}={v}")]
        cli = kg_command("query", name, *args, "--format", "csv")
        assert cli.returncode == 0, cli.stderr
        assert graph.query(name, **params).serialize("csv") == cli.stdout, name
    # Python values are bound as the CLI's text would be
    by_int = graph.query("list-strategies-in-force-by-year", year=2021).serialize("csv")
    assert by_int == graph.query("list-strategies-in-force-by-year", year="2021").serialize("csv")
    with pytest.raises(KgError, match="no kg:Country is labelled 'Atlantis'"):
        graph.query("list-strategies-by-country", country="Atlantis")
    with pytest.raises(KgError, match="has no parameter 'colour'"):
        graph.query("list-strategies-by-country", colour="red")


def test_rows_are_python_values_with_passages_and_quotes(graph):
    answer = graph.query("list-participants-by-forum", forum="EuroDIG")
    rows = list(answer)
    assert {r["countryLabel"] for r in rows} == {"Poland", "Serbia"}
    first = rows[0]
    assert isinstance(first["start"], int) and isinstance(first["countryLabel"], str)
    assert type(first["country"]).__name__ == "URIRef"
    assert answer.passages == [str(r["passage"]) for r in rows]
    for passage, quote in answer.quotes.items():
        assert passage.startswith("https://w3id.org/digital-policy-kg/passage/")
        assert quote and quote == next(r["quote"] for r in rows if str(r["passage"]) == passage)
    # terms keep the exact RDF terms
    terms = answer.terms[0]
    assert str(terms[answer.columns.index("start")].datatype).endswith("#integer")


def test_an_answer_converts_to_a_dataframe(graph):
    pandas = pytest.importorskip("pandas")
    answer = graph.query("list-strategies-in-force-by-year", year=2021)
    frame = answer.to_dataframe()
    assert isinstance(frame, pandas.DataFrame)
    assert list(frame.columns) == answer.columns and len(frame) == len(answer.rows) > 0
    assert frame["from"].dtype.kind == "i" and frame["year"].tolist() == [2021] * len(frame)
    assert set(frame["countryLabel"]) == {"Poland", "Serbia"}


def test_without_pandas_to_dataframe_says_how_to_get_it(graph, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas now raises ImportError
    with pytest.raises(ImportError, match=r"pip install 'kg\[pandas\]'"):
        graph.query("list-ai-strategies").to_dataframe()


def test_a_construct_answer_is_an_rdflib_graph(graph):
    import rdflib
    from rdflib.compare import isomorphic

    query = (
        "CONSTRUCT { ?team a kg:ResponseTeam ; rdfs:label ?label } "
        "WHERE { ?team a kg:ResponseTeam ; rdfs:label ?label }"
    )
    got = graph.sparql(query).graph()
    assert isinstance(got, rdflib.Graph) and len(got) > 4
    cli = kg_command("sparql", query, "--format", "ntriples")
    assert cli.returncode == 0, cli.stderr
    expected = rdflib.Graph().parse(data=cli.stdout.decode(), format="nt")
    assert isomorphic(got, expected)
    with pytest.raises(KgError, match="not a graph"):
        graph.sparql("SELECT * WHERE { ?s ?p ?o } LIMIT 1").graph()


def test_the_data_as_an_rdflib_dataset_on_the_same_store(graph, published):
    pytest.importorskip("oxrdflib")
    import rdflib

    dataset = graph.rdflib()
    assert isinstance(dataset, rdflib.Dataset) and dataset.store.__class__.__name__ == (
        "OxigraphStore"
    )
    query = "SELECT ?label WHERE { id:PL kg:sharesBorderWith ?n . ?n rdfs:label ?label }"
    got = sorted(str(row[0]) for row in dataset.query(query))
    assert got and got == sorted(r[0] for r in graph.sparql(query).rows)
    passage = rdflib.URIRef("https://w3id.org/digital-policy-kg/passage/pl-eurodig")
    assert len(dataset.graph(passage)) > 0  # the passage graphs are its named graphs
    with pytest.raises(KgError, match="local data"):
        open_dataset(endpoint=published).rdflib()


def test_ask_and_select_answers(graph):
    assert graph.sparql("ASK { id:PL kg:sharesBorderWith id:LT }").boolean is True
    answer = graph.sparql("SELECT ?c WHERE { id:FR kg:capital ?c }")
    assert answer.columns == ["c"] and answer.rows == []  # documents scope: not stated
    wider = open_dataset(with_external=True)
    assert len(wider.sparql("SELECT ?c WHERE { id:FR kg:capital ?c }").rows) == 1
    with pytest.raises(KgError, match="line 1"):
        graph.sparql("SELECT ?x WHERE { ?x ?y }")


def test_an_answer_can_be_read_and_serialised_again(graph):
    answer = graph.query("list-ai-strategies")
    rows = answer.rows
    assert answer.serialize("csv") == answer.serialize("csv")
    assert answer.rows == rows and len(answer) == len(rows)


def test_the_catalogue(graph):
    found = {q.name: q for q in queries()}
    query = get_query("list-participants-by-forum")
    assert found[query.name].summary == query.summary
    assert query.form == "SELECT" and query.competency == ("CQ1",)
    assert str(query.params[0]).startswith("forum: entity")
    with pytest.raises(KgError, match="did you mean"):
        get_query("list-participant-by-forum")


@pytest.fixture(scope="module")
def published(oxigraph_server, tmp_path_factory):
    """The repository's data published to a real Oxigraph server (`kg publish`), dropped
    afterwards."""
    import os
    import urllib.request

    env = {"KG_CACHE_DIR": str(tmp_path_factory.mktemp("cache")), **os.environ}
    run = kg_command("publish", "--endpoint", oxigraph_server + "/query", env=env)
    assert run.returncode == 0, run.stderr
    yield oxigraph_server + "/query"
    drop = urllib.request.Request(
        oxigraph_server + "/update",
        data=b"DROP ALL",
        headers={"Content-Type": "application/sparql-update"},
        method="POST",
    )
    urllib.request.urlopen(drop, timeout=60).close()


def test_a_remote_endpoint_answers_as_the_local_data(published, graph):
    with open_dataset(endpoint=published) as remote:
        assert remote.endpoint == published
        for name, params in [
            ("list-participants-by-forum", {"forum": "EuroDIG"}),
            ("list-strategies-by-country", {"country": "Serbia"}),
        ]:
            there = remote.query(name, **params).serialize("csv")
            assert there == graph.query(name, **params).serialize("csv"), name
            args = [a for k, v in params.items() for a in ("-p", f"{k}={v}")]
            cli = kg_command("query", name, *args, "--endpoint", published, "--format", "csv")
            assert cli.stdout == there
        assert remote.sparql("ASK { id:PL kg:sharesBorderWith id:LT }").boolean is True
    with pytest.raises(KgError, match="not both"):
        open_dataset(["data"], endpoint=published)


def test_validate_is_the_cli_report():
    report = validate()
    assert report.conforms and report.exit_code == 0 and report.engine == "native"
    cli = kg_command("validate", "--format", "json")
    assert cli.returncode == 0
    assert report.render("json").encode() == cli.stdout
    assert report.counts["Violation"] == 0
    assert report.counts["Warning"] == len([f for f in report.findings if f.severity == "Warning"])


def test_validate_reports_findings_of_invalid_data():
    bad = REPO / "tests" / "data" / "invalid"
    path = sorted(bad.glob("*.trig"))[0]
    report = validate([REPO / "data", path])
    assert not report.conforms and report.exit_code == 1
    violation = next(f for f in report.findings if f.severity == "Violation")
    assert violation.message and violation.shape


def test_export_gives_the_cli_bytes(tmp_path):
    exported = export_graph(format="turtle")
    cli = kg_command("export", "--format", "turtle")
    assert cli.returncode == 0 and exported.data == cli.stdout
    assert exported.format == "turtle" and exported.statements > 1000
    written = export_graph(output=tmp_path / "kg.trig")
    assert written.path == tmp_path / "kg.trig" and written.data is None
    assert (tmp_path / "kg.trig").read_bytes() == kg_command("export").stdout


def test_cite_gives_the_spans_the_cli_prints():
    document = SEEDS / "000_800b895d3721961f.txt"
    if not document.is_file():
        pytest.skip("the source document is not on this machine")
    quote = "Helsinki is the capital and largest city"
    found = cite(document, quote)
    cli = kg_command("cite", str(document), quote)
    assert cli.returncode == 0
    line = f"{found[0].start}\t{found[0].end}\t{found[0].profile}\n"
    assert [line.encode()] == [cli.stdout] and found[0].profile == "finland"
    text = document.read_text(encoding="utf-8")
    assert text[found[0].start : found[0].end] == quote
    assert "kg:startOffset" in found[0].trig
    with pytest.raises(KgError, match="quote not found"):
        cite(document, "no such words anywhere in it")


def test_missing_documents_are_said_once(graph, monkeypatch, tmp_path):
    """Without the source document the quote column is empty: a warning says where kg looked
    and how to point it at the document, once per answer; the CLI prints it as one line."""
    monkeypatch.setenv("KG_DOCUMENTS", str(tmp_path))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        answer = graph.query("list-participants-by-forum", forum="EuroDIG")
    said = [w for w in caught if issubclass(w.category, QuotesUnavailable)]
    assert len(said) == 1
    message = str(said[0].message)
    assert str(tmp_path) in message and "KG_DOCUMENTS" in message
    assert set(answer.quotes.values()) == {None}
    cli = kg_command("query", "list-ai-strategies", env={"KG_DOCUMENTS": str(tmp_path)})
    assert cli.returncode == 0
    lines = cli.stderr.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kg: warning: no quotes:"), lines
    assert "KG_DOCUMENTS" in lines[0] and str(tmp_path) in lines[0]
    if not SEEDS.is_dir():
        return  # the rest needs the source document
    found = kg_command("query", "list-ai-strategies", env={"KG_DOCUMENTS": str(SEEDS)})
    assert found.returncode == 0 and found.stderr == b""  # with the document: nothing said


def test_python_dash_m_kg_is_kg():
    run = kg_command("validate")
    assert run.returncode == 0 and b"conforms" in run.stdout
    assert kg_command("--version").stdout == f"kg, version {kg.__version__}\n".encode()
    usage = kg_command("--help").stdout.decode()
    assert usage.startswith("Usage: kg ")
