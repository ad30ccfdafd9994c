"""Shared fixtures: where the repository and the shared folder are, and a loaded graph."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
SEEDS = SHARED / "seeds"
CONFORMANCE = SHARED / "conformance" / "w3c-rdf-tests"
EXTERNAL = SHARED / "external"
TEST_DATA = REPO / "tests" / "data"


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO
