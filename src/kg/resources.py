"""Where the project's own files are: the ontology, the shapes, the data and the queries.

In a checkout (or an editable install) they are the repository's folders; in a wheel they are
bundled inside the package. Callers ask here and never build these paths themselves.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path


@cache
def root() -> Path:
    """The folder holding ``ontology/``, ``data/`` and ``queries/``."""
    here = Path(__file__).resolve().parent
    checkout = here.parent.parent
    if (checkout / "ontology" / "kg.ttl").is_file():
        return checkout
    return here / "_bundled"


def ontology_dir() -> Path:
    return root() / "ontology"


def ontology_file() -> Path:
    return ontology_dir() / "kg.ttl"


def vocabulary_file() -> Path:
    """SKOS schemes of our own (topics, strategy types, roles, units): vocabulary, not facts."""
    return ontology_dir() / "vocab.ttl"


def ontology_files() -> list[Path]:
    """The files that together are the ontology graph: terms, then the vocabulary."""
    return [ontology_file(), vocabulary_file()]


def shapes_file() -> Path:
    return ontology_dir() / "shapes.ttl"


def external_shapes_file() -> Path:
    """Shapes for what ``kg link`` writes (linksets, external-source graphs)."""
    return ontology_dir() / "shapes-external.ttl"


def shapes_files() -> list[Path]:
    """Every shapes file ``kg validate`` applies: the documents' shapes, then the shapes of
    the external data (each only when present)."""
    return [p for p in (shapes_file(), external_shapes_file()) if p.is_file()]


def context_file() -> Path:
    return ontology_dir() / "context.jsonld"


def data_dir() -> Path:
    """The data folder: ``KG_DATA`` when set (``--data DIR`` of ``kg draft`` and ``kg review``
    sets it for the process), else the checkout's ``data/``.

    One folder for the whole process, because graph names depend on it: a file of the data
    folder is ``graph:<path>`` wherever the folder lives, which the provenance checks rely on.
    """
    env = os.environ.get("KG_DATA")
    if env:
        return Path(env)
    return root() / "data"


def use_data_dir(folder: Path | str) -> None:
    """Make ``folder`` the data folder of this process (and of the processes it starts)."""
    os.environ["KG_DATA"] = str(Path(folder).resolve())


def queries_dir() -> Path:
    return root() / "queries"


def checks_dir() -> Path:
    return queries_dir() / "checks"


def documents_dir() -> Path | None:
    """Folder of the source documents, when this machine has them.

    ``KG_DOCUMENTS`` wins; otherwise the ``shared/seeds`` folder beside a checkout.
    The documents are not shipped: the graph cites them by name, hash and character span.
    """
    env = os.environ.get("KG_DOCUMENTS")
    if env:
        return Path(env)
    candidate = root().parent / "shared" / "seeds"
    return candidate if candidate.is_dir() else None


def external_dir() -> Path | None:
    """Folder of the external open-data files used by ``kg link`` (``KG_EXTERNAL`` wins)."""
    env = os.environ.get("KG_EXTERNAL")
    if env:
        return Path(env)
    candidate = root().parent / "shared" / "external"
    return candidate if candidate.is_dir() else None
