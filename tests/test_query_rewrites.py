"""Canned queries rewritten for speed answer exactly as they did: the same CSV, byte for byte,
on the repository's data and on generated data (bench/gen.py) of the project's shape."""

from __future__ import annotations

import pytest
from conftest import REPO, bench_gen

from kg.load import open_dataset
from kg.sparql import catalogue, results
from kg.sparql import prepare as sparql

# list-responsible-institutions as it was before its properties and institution labels became
# sub-selects joined by hash (the prefixes come from the file's own header)
RESPONSIBLE_BEFORE = """
SELECT DISTINCT ?institution ?institutionLabel ?responsibility ?strategy ?strategyLabel
       ?profileLabel ?start ?end ?passage
WHERE {
  ?strategy kg:responsibleOrganisation ?institution .
  GRAPH ?passage { ?strategy ?property ?institution }
  ?property rdfs:subPropertyOf* kg:responsibleOrganisation ;
      rdfs:label ?responsibility .
  ?strategy rdfs:label ?strategyLabel .
  ?institution rdfs:label ?institutionLabel .
  FILTER(LANGMATCHES(LANG(?strategyLabel), "en") && LANGMATCHES(LANG(?institutionLabel), "en"))
  FILTER EXISTS { ?passage a kg:Passage }
  ?passage kg:inProfile/rdfs:label ?profileLabel ;
      kg:startOffset ?start ;
      kg:endOffset ?end .
}
ORDER BY ?institutionLabel ?institution ?strategyLabel ?strategy ?responsibility ?start ?end \
?passage
"""


def _csv(store, text: str) -> bytes:
    return results.serialize(sparql.execute(store, sparql.prepare(text)), "csv")


def _both(store) -> tuple[bytes, bytes]:
    query = catalogue.find_query("list-responsible-institutions")
    prologue = query.text[: query.text.index("SELECT")]
    return _csv(store, query.text), _csv(store, prologue + RESPONSIBLE_BEFORE)


def test_responsible_institutions_answers_as_before_on_the_repository() -> None:
    if not (REPO / "data").is_dir():
        pytest.skip("the repository's data is not there")
    now, before = _both(open_dataset().store)
    assert now == before and now.count(b"\r\n") > 1


def test_responsible_institutions_answers_as_before_on_generated_data(tmp_path) -> None:
    folder = tmp_path / "data"
    bench_gen().generate("10k", folder, seed=5)
    now, before = _both(open_dataset([folder]).store)
    assert now == before and now.count(b"\r\n") > 100
