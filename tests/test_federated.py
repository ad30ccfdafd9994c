"""Federated queries: ``kg sparql --allow-service`` joins our graph with a real SPARQL server.

The server is the ``oxigraph`` package's ``oxigraph serve`` on a loopback port (fixture
``oxigraph_server`` in conftest). The EU memberships of ``data/external/eums.trig`` are loaded
into the server's *default* graph, so the query's ``SERVICE`` block can only be answered by the
server: locally those triples sit in ``graph:external/eums``, never in a default graph, and a
SERVICE block is evaluated remotely anyway. Emptying the server makes the join empty, which
shows the dates came from it.
"""

from __future__ import annotations

import csv
import io
import urllib.request

import pytest
from click.testing import CliRunner
from conftest import REPO
from pyoxigraph import RdfFormat, parse, serialize

from kg.cli import main

EUMS = REPO / "data" / "external" / "eums.trig"

QUERY = """
PREFIX kg: <https://w3id.org/digital-policy-kg/ontology#>
PREFIX id: <https://w3id.org/digital-policy-kg/id/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?countryLabel ?strategyLabel ?accession WHERE {
  ?strategy a kg:StrategyDocument ;
      kg:jurisdiction ?country ;
      rdfs:label ?strategyLabel .
  ?country rdfs:label ?countryLabel .
  FILTER(LANGMATCHES(LANG(?strategyLabel), "en") && LANGMATCHES(LANG(?countryLabel), "en"))
  SERVICE <ENDPOINT> {
    ?membership kg:affiliate ?country ;
        kg:affiliatedWith id:european-union ;
        kg:startDate ?accession .
  }
}
ORDER BY ?strategyLabel
"""


def _put_default_graph(base: str, data: bytes | None) -> None:
    """Replace (PUT) or clear (DELETE) the server's default graph (Graph Store Protocol)."""
    method = "PUT" if data is not None else "DELETE"
    request = urllib.request.Request(
        base + "/store?default",
        data=data,
        method=method,
        headers={"Content-Type": "application/n-triples"} if data is not None else {},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status in (200, 201, 204)


def _run(query: str) -> list[dict[str, str]]:
    result = CliRunner().invoke(main, ["sparql", "--allow-service", "--format", "csv", query])
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


@pytest.fixture()
def endpoint(oxigraph_server):
    triples = [q.triple for q in parse(path=str(EUMS), format=RdfFormat.TRIG)]
    _put_default_graph(oxigraph_server, serialize(triples, format=RdfFormat.N_TRIPLES))
    yield oxigraph_server
    _put_default_graph(oxigraph_server, None)


def test_service_joins_local_strategies_with_accession_dates_on_the_server(endpoint):
    rows = _run(QUERY.replace("ENDPOINT", endpoint + "/query"))
    got = {(r["countryLabel"], r["strategyLabel"], r["accession"]) for r in rows}
    # Poland's strategies and programmes (documents) with Poland's accession date (server);
    # Serbia's strategies have no row: EUMS has no membership for a candidate country.
    assert got == {
        ("Poland", label, "2004-05-01")
        for label in (
            "5G for Poland Strategy",
            "Cybersecurity Strategy of the Republic of Poland",
            "Digital Competence Development Programme",
            "Integrated State Computerisation Programme",
            "national AI strategy of Poland",
            "Start In Poland",  # government programs the document names without a period
            "Digital School",
        )
    }


def test_the_joined_dates_come_from_the_server(endpoint):
    _put_default_graph(endpoint, None)
    assert _run(QUERY.replace("ENDPOINT", endpoint + "/query")) == []


def test_service_is_refused_without_allow_service(oxigraph_server):
    query = QUERY.replace("ENDPOINT", oxigraph_server + "/query")
    result = CliRunner().invoke(main, ["sparql", query])
    assert result.exit_code == 2
    assert "SERVICE is refused" in result.output
