"""Canonical blank-node labels in exports, bounded in time (issue 9): RDFC-1.0 where it is
cheap (every graph of the repository), linear-time tree labels for deep nests of look-alike
blank nodes (a nested list), a clear error for look-alike blank nodes that are not trees."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from pyoxigraph import (
    CanonicalizationAlgorithm,
    Dataset,
    NamedNode,
    RdfFormat,
    parse,
)

from kg.cli import main
from kg.errors import OutputError
from kg.export import writers

EX = "http://example.org/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


def nested_list(depth: int) -> str:
    return f"@prefix ex: <{EX}> .\nex:s ex:p {'(' * depth} ex:o {')' * depth} .\n"


def canonical(data: bytes, fmt: RdfFormat = RdfFormat.N_QUADS) -> Dataset:
    dataset = Dataset(parse(data, fmt))
    dataset.canonicalize(CanonicalizationAlgorithm.RDFC_1_0)
    return dataset


def export_nquads(text: bytes) -> bytes:
    return writers.serialize_quads(parse(text, RdfFormat.N_QUADS), "nquads")


# --- forests of blank nodes, written with any labels in any order -----------------------------

# A forest: node i hangs from node parent[i] (< i), or from an IRI subject when parent[i] < 0;
# small sets of predicates and values make look-alike nodes (twins) common.
forests = st.lists(
    st.tuples(
        st.integers(min_value=-2, max_value=40),  # parent (negative: IRI subject -parent)
        st.sampled_from(["p", "q"]),  # predicate of the statement it hangs by
        st.sampled_from(["", "x", "y"]),  # a value of its own ("" none)
    ),
    min_size=1,
    max_size=40,
)


def render(forest: list[tuple[int, str, str]], seed: int, graph: str) -> bytes:
    """The forest as N-Quads, with labels and statement order shuffled by ``seed``."""
    rng = random.Random(seed)
    names = [f"_:n{i}" for i in rng.sample(range(10_000), len(forest))]
    lines = []
    for i, (parent, predicate, value) in enumerate(forest):
        subject = names[parent % i] if parent >= 0 and i > 0 else f"<{EX}s{-parent}>"
        lines.append(f"{subject} <{EX}{predicate}> {names[i]} {graph} .\n")
        if value:
            lines.append(f'{names[i]} <{EX}v> "{value}" {graph} .\n')
    rng.shuffle(lines)
    return "".join(lines).encode()


@settings(max_examples=60, deadline=None)
@given(forest=forests, seeds=st.tuples(st.integers(0, 999), st.integers(0, 999)))
def test_tree_labels_are_canonical(
    forest: list[tuple[int, str, str]], seeds: tuple[int, int]
) -> None:
    """Whatever the labels and the order, the same forest gives the same bytes; and the export
    is the graph it was given (compared by RDFC-1.0). The tree labels are forced for any
    number of look-alike nodes, so that the examples stay small and RDFC-1.0 quick."""
    graph = f"<{EX}g>"
    first, second = (render(forest, seed, graph) for seed in seeds)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(writers, "RDFC_TIES", -1)
        out = export_nquads(first)
        assert export_nquads(second) == out
    assert canonical(out) == canonical(first)
    assert b"_:c14n" not in out  # the tree labels, not RDFC-1.0's


# --- what each path does --------------------------------------------------------------------


def test_rdfc_is_kept_where_it_is_cheap() -> None:
    """The repository's kind of blank node (an OWL restriction per class) and small nests get
    RDFC-1.0's labels, byte for byte as before."""
    text = nested_list(20).encode()
    quads = list(parse(text, RdfFormat.TURTLE))
    out = writers.serialize_quads(quads, "nquads")
    expected = Dataset(quads)
    expected.canonicalize(CanonicalizationAlgorithm.RDFC_1_0)
    assert sorted(out.decode().splitlines()) == sorted(
        f"{q.subject} {q.predicate} {q.object} ." for q in expected
    )
    assert b"_:c14n" in out


def test_a_list_nested_100000_deep_exports_in_seconds(tmp_path: Path) -> None:
    """Was: 500 levels 14 s, 10,000 never finished, 100,000 a segfault or 23 GB."""
    depth = 100_000
    path = tmp_path / "deep.ttl"
    path.write_text(nested_list(depth))
    out = io.BytesIO()
    writers.export([path], fmt="ntriples", stream=out)  # (it used never to finish)
    triples = [t for t in parse(out.getvalue(), RdfFormat.N_TRIPLES)]
    first = {t.subject: t.object for t in triples if t.predicate == NamedNode(RDF + "first")}
    (head,) = [t.object for t in triples if t.predicate == NamedNode(EX + "p")]
    level, node = 0, head
    while node in first:  # walk down the nest: every level is there, ex:o at the bottom
        node, level = first[node], level + 1
    assert (level, node) == (depth, NamedNode(EX + "o"))


def test_look_alike_blank_nodes_that_are_not_trees_are_an_error(tmp_path: Path) -> None:
    ring = "".join(f"_:a{i} <{EX}p> _:a{(i + 1) % 100} .\n" for i in range(100))
    with pytest.raises(OutputError, match="100 of them look alike and they do not form trees"):
        export_nquads(ring.encode())
    (tmp_path / "ring.nq").write_text(ring)
    result = CliRunner().invoke(
        main, ["export", str(tmp_path / "ring.nq"), "-o", str(tmp_path / "x.nq")]
    )
    assert result.exit_code == 2
    assert "kg: error: cannot label the blank nodes canonically: 100 of them" in result.stderr
    assert not (tmp_path / "x.nq").exists()
