"""open_dataset: the loader followed by inference, the one way commands get a store."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import TEST_DATA
from pyoxigraph import NamedNode

from kg import resources
from kg.load import inference, open_dataset
from kg.load.files import ONTOLOGY_GRAPH
from kg.namespaces import ID, KG

FIXTURE = TEST_DATA / "inference"
BORDER = NamedNode(KG + "sharesBorderWith")


@pytest.fixture()
def fixture_repo(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Make the inference fixture the repository: its ontology/ and data/ are the defaults."""
    monkeypatch.setattr(resources, "root", lambda: FIXTURE)
    return FIXTURE


def borders_of_russia(dataset) -> set[str]:  # type: ignore[no-untyped-def]
    return {
        q.object.value
        for q in dataset.store.quads_for_pattern(NamedNode(ID + "RU"), BORDER, None, None)
    }


def test_open_dataset_loads_the_repository_and_infers(fixture_repo: Path) -> None:
    reports: list[inference.InferenceReport] = []
    dataset = open_dataset(report=reports.append)
    names = {g.value for g in dataset.store.named_graphs()}
    assert ONTOLOGY_GRAPH.value in names
    assert "https://w3id.org/digital-policy-kg/passage/fi-1" in names
    assert inference.PROVENANCE_GRAPH.value in names
    assert borders_of_russia(dataset) == {ID + "FI", ID + "LT"}
    (report,) = reports
    assert report.count("symmetric", KG + "sharesBorderWith") == 3
    # the file map still names where each asserted graph came from
    assert dataset.file_of("https://w3id.org/digital-policy-kg/passage/fi-1") == (
        FIXTURE / "data" / "borders.trig"
    )


def test_open_dataset_asserted_only(fixture_repo: Path) -> None:
    reports: list[inference.InferenceReport] = []
    dataset = open_dataset(inferred=False, report=reports.append)
    assert inference.inferred_graphs(dataset.store) == []
    assert borders_of_russia(dataset) == set()
    assert reports == []


def test_open_dataset_without_ontology_infers_nothing(fixture_repo: Path) -> None:
    dataset = open_dataset(ontology=False)
    names = {g.value for g in dataset.store.named_graphs()}
    assert ONTOLOGY_GRAPH.value not in names
    assert inference.inferred_graphs(dataset.store) == []


def test_open_dataset_takes_paths(fixture_repo: Path) -> None:
    seen: list[tuple[str, int | None, int | None]] = []
    dataset = open_dataset(
        [FIXTURE / "data" / "borders.trig"], progress=lambda *step: seen.append(step)
    )
    assert seen[-1] == ("loaded borders.trig", len(seen), len(seen))
    names = {g.value for g in dataset.store.named_graphs()}
    assert not any("external" in n for n in names)  # only the file asked for
    assert borders_of_russia(dataset) == {ID + "FI", ID + "LT"}


def test_open_dataset_reports_a_missing_path(fixture_repo: Path) -> None:
    from kg.errors import InputError

    with pytest.raises(InputError, match="no such file"):
        open_dataset([FIXTURE / "nowhere.ttl"])
