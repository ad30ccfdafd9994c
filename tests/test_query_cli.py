"""The competency questions asked through ``kg query`` (click's CliRunner), answered in the
SPARQL 1.1 CSV and JSON results formats, with the expected answers of
``shared/competency-questions.md``."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from kg.cli import main

ID = "https://w3id.org/digital-policy-kg/id/"

# (canned query, parameters, column, expected values of that column)
QUESTIONS = [
    ("CQ1", "list-participants-by-forum", ["forum=EuroDIG"], "countryLabel", {"Poland", "Serbia"}),
    (
        "CQ2",
        "list-members-by-organisation",
        ["organisation=IGF"],
        "memberLabel",
        {"Poland", "Serbia"},
    ),
    ("CQ3", "list-national-igf-initiatives", [], "initiativeLabel", {"IGF Poland", "Serbian IGF"}),
    (
        "CQ4",
        "list-initiatives-by-country",
        ["country=Serbia"],
        "initiativeLabel",
        {
            "Berlin Process",
            "South Eastern European Dialogue on Internet Governance",
            "EuroDIG",
            "Internet Governance Forum",
            "Serbian IGF",
        },
    ),
    (
        "CQ5",
        "list-strategies-by-country",
        ["country=Poland"],
        "strategy",
        {
            ID + s
            for s in (
                "pl-iscp",
                "pl-dcdp",
                "pl-5g-strategy",
                "pl-cybersecurity-strategy",
                "pl-ai-strategy",
                "start-in-poland",  # "government programs such as the Start In Poland initiative"
                "digital-school",  # "the Digital School program"
            )
        },
    ),
    (
        "CQ6",
        "list-strategies-in-force-by-year",
        ["year=2021"],
        "strategy",
        {
            ID + s
            for s in (
                "rs-information-security-strategy",
                "rs-digital-skills-strategy",
                "rs-ai-strategy",
                "pl-iscp",
                "pl-dcdp",
                "pl-cybersecurity-strategy",
                "pl-ai-strategy",
            )
        },
    ),
    ("CQ7", "list-ai-strategies", [], "adoptionDate", {"2020", "2020-12"}),
    (
        "CQ8",
        "list-neighbours-by-country",
        ["country=Russia"],
        "neighbourLabel",
        {"Finland", "Lithuania"},
    ),
    (
        "CQ8",
        "list-neighbours-by-country",
        ["country=spain"],
        "neighbourLabel",
        {"France", "Portugal"},
    ),
    (
        "CQ8",
        "list-neighbours-by-country",
        ["country=Germany"],
        "neighbourLabel",
        {"France", "Luxembourg"},
    ),
    (
        "CQ9",
        "list-response-teams-by-country",
        ["country=Poland"],
        "unitLabel",
        {"CERT.PL", "CERT Orange", "CERT.GOV.PL", "Government Center for Security"},
    ),
    (
        "CQ10",
        "list-responsible-institutions",
        [],
        "strategy",
        {ID + "pl-iscp", ID + "pl-cybersecurity-strategy"},
    ),
    (
        "CQ11",
        "list-strategies-by-topic",
        ["topic=cybersecurity"],
        "strategy",
        {ID + "rs-information-security-strategy", ID + "pl-cybersecurity-strategy"},
    ),
    (
        "CQ11",
        "list-strategies-by-topic",
        ["topic=digital skills"],
        "strategy",
        {ID + "rs-digital-skills-strategy", ID + "pl-dcdp", ID + "digital-school"},
    ),
    (
        "CQ15",
        "list-sources-by-resource",
        ["resource=Poland", "other=EuroDIG"],
        "passage",
        {"https://w3id.org/digital-policy-kg/passage/pl-eurodig"},
    ),
]


def run(name, params, fmt):
    args = ["query", name, "--format", fmt]
    for p in params:
        args += ["-p", p]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    return result.output


def from_csv(text, column):
    return {row[column] for row in csv.DictReader(io.StringIO(text))}


def from_json(text, column):
    document = json.loads(text)
    assert column in document["head"]["vars"]
    return {b[column]["value"] for b in document["results"]["bindings"] if column in b}


@pytest.mark.parametrize(
    ("question", "name", "params", "column", "expected"),
    QUESTIONS,
    ids=[f"{q[0]}-{q[1]}-{q[2]}" for q in QUESTIONS],
)
@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_competency_question_through_kg_query(question, name, params, column, expected, fmt):
    output = run(name, params, fmt)
    found = from_csv(output, column) if fmt == "csv" else from_json(output, column)
    assert found == expected, question


def test_cq12_objectives_through_kg_query():
    output = run(
        "list-objectives-by-strategy", ["strategy=Digital Skills Development Strategy"], "csv"
    )
    rows = list(csv.DictReader(io.StringIO(output)))
    objectives = {r["itemLabel"].lower() for r in rows if r["kind"] == "objective"}
    assert len(objectives) == 4
    assert {"lifelong learning of ict professionals"} <= objectives
    assert any("labour market" in o for o in objectives)


def test_cq8_sweden_reports_the_oresund_link_apart_from_borders():
    rows = list(
        csv.DictReader(io.StringIO(run("list-neighbours-by-country", ["country=Sweden"], "csv")))
    )
    kinds = {(r["neighbourLabel"], r["kind"]) for r in rows}
    assert ("Denmark", "fixed link, no land border") in kinds
    assert {n for n, k in kinds if k != "fixed link, no land border"} == {
        "Finland",
        "Norway",
        "Lithuania",
    }


def test_an_unknown_country_is_a_clear_error_listing_candidates():
    result = CliRunner().invoke(
        main, ["query", "list-neighbours-by-country", "-p", "country=Atlantis"]
    )
    assert result.exit_code == 2
    assert "Atlantis" in result.output
    assert "Traceback" not in result.output


def test_an_ambiguous_label_lists_the_candidates():
    """'Luxembourg' names the country and its capital; without a class restriction the
    resource parameter cannot choose."""
    result = CliRunner().invoke(
        main, ["query", "list-sources-by-resource", "-p", "resource=Luxembourg"]
    )
    assert result.exit_code == 2
    assert "id:LU" in result.output and "id:luxembourg-city" in result.output


def test_a_command_imports_only_its_own_module():
    """`kg query` imports kg.cli.query, not the twelve other command modules (each is imported
    when its command is looked up); `kg --help` still lists every command."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from kg.cli import main\n"
        "main.commands['query']\n"
        "print(sorted(m for m in sys.modules if m.startswith('kg.cli.')))\n"
        "print(sorted(main.commands))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded, names = done.stdout.splitlines()
    assert loaded == str(["kg.cli.base", "kg.cli.query"])
    assert "'validate'" in names and "'serve'" in names and len(eval(names)) == 13
    helped = CliRunner().invoke(main, ["--help"])
    assert helped.exit_code == 0
    assert all(f"  {name} " in helped.output for name in ("build", "query", "sparql", "validate"))
    unknown = CliRunner().invoke(main, ["no-such-command"])
    assert unknown.exit_code == 2 and "No such command" in unknown.output
