"""``kg diff OLD NEW``: the facts added, removed and changed between two versions of the data.

A version is a folder of RDF files or a git revision of the repository (its ``data/`` folder,
read with ``git archive``, never checked out). Facts are compared as quads, so the diff is
about what the data states, not about how the files are laid out: reordering a file or
changing its prefixes is no change. A *change* is a triple whose subject and property are
the same in both versions, in the same graph, with one value replaced by another (a passage's
end offset, a figure); everything else is an addition or a removal. Facts are grouped by the
graph that states them — for ``data/`` the passage — so a reviewer sees what each passage
gained or lost.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import tarfile
import tempfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import DefaultGraph, NamedNode, Quad, parse

from kg import resources
from kg.errors import InputError
from kg.load import files as graph
from kg.namespaces import GRAPH, curie

Triple3 = tuple[str, str, str]  # subject, predicate, object as N-Triples terms


def _term(term) -> str:
    return str(term)


def quads_of_folder(folder: Path) -> list[Quad]:
    """Every quad of the RDF files under ``folder``; a triple file's triples go to a graph
    named after its path inside the folder (as ``kg.load.files`` names the files of ``data/``), so
    the same file in two versions has the same graph wherever the versions lie."""
    files = graph.discover([folder])
    quads: list[Quad] = []
    for path in files:
        fmt = graph.FORMATS[path.suffix.lower()]
        stem = path.relative_to(folder).with_suffix("").as_posix() if folder.is_dir() else path.stem
        target = NamedNode(GRAPH + stem)
        try:
            for q in parse(path=str(path), format=fmt, base_iri=path.resolve().as_uri()):
                if isinstance(q.graph_name, DefaultGraph):
                    q = Quad(q.subject, q.predicate, q.object, target)
                quads.append(q)
        except SyntaxError as error:
            raise InputError(f"{path}: syntax error: {error}") from None
    return quads


def _git_root() -> Path:
    return resources.root()


def quads_of_revision(revision: str, folder: str = "data") -> list[Quad]:
    """The data of a git revision, read with ``git archive`` into a temporary folder."""
    root = _git_root()
    try:
        done = subprocess.run(
            ["git", "-C", str(root), "archive", "--format=tar", revision, "--", folder],
            capture_output=True,
            check=False,
        )
    except OSError as error:
        raise InputError(f"cannot run git: {error}") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise InputError(
            f"{revision}: neither a folder nor a git revision with a {folder}/ folder "
            f"({message[-1] if message else 'git archive failed'})"
        )
    with tempfile.TemporaryDirectory(prefix="kg-diff-") as tmp:
        with tarfile.open(fileobj=io.BytesIO(done.stdout)) as archive:
            archive.extractall(tmp, filter="data")
        return quads_of_folder(Path(tmp) / folder)


def version(spec: str) -> list[Quad]:
    """A folder (or one file) when ``spec`` names one, else a git revision."""
    path = Path(spec)
    if path.exists():
        return quads_of_folder(path)
    return quads_of_revision(spec)


@dataclass
class GraphDiff:
    graph: str
    added: list[Triple3] = field(default_factory=list)
    removed: list[Triple3] = field(default_factory=list)
    changed: list[tuple[Triple3, Triple3]] = field(default_factory=list)  # (old, new)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def _by_graph(quads: Iterable[Quad]) -> dict[str, set[Triple3]]:
    found: dict[str, set[Triple3]] = defaultdict(set)
    for q in quads:
        found[str(q.graph_name)].add((_term(q.subject), _term(q.predicate), _term(q.object)))
    return found


def compare(old: Iterable[Quad], new: Iterable[Quad]) -> list[GraphDiff]:
    """Per graph, sorted by graph name: what was added, removed and changed."""
    before, after = _by_graph(old), _by_graph(new)
    out = []
    for name in sorted(set(before) | set(after)):
        a, b = before.get(name, set()), after.get(name, set())
        removed, added = sorted(a - b), sorted(b - a)
        d = GraphDiff(name)
        old_by_key: dict[tuple[str, str], list[Triple3]] = defaultdict(list)
        new_by_key: dict[tuple[str, str], list[Triple3]] = defaultdict(list)
        for t in removed:
            old_by_key[t[:2]].append(t)
        for t in added:
            new_by_key[t[:2]].append(t)
        paired = set()
        for key, olds in old_by_key.items():
            news = new_by_key.get(key, [])
            if len(olds) == 1 and len(news) == 1:
                d.changed.append((olds[0], news[0]))
                paired.update({olds[0], news[0]})
        d.removed = [t for t in removed if t not in paired]
        d.added = [t for t in added if t not in paired]
        if not d.empty:
            out.append(d)
    return out


def _short(term: str) -> str:
    if term.startswith("<") and term.endswith(">"):
        return curie(term[1:-1])
    typed = re.fullmatch(r'(".*")\^\^<([^>]+)>', term, re.S)
    if typed:
        return f"{typed.group(1)}^^{curie(typed.group(2))}"
    return term


def render_text(diffs: list[GraphDiff]) -> str:
    if not diffs:
        return "no differences\n"
    lines = []
    for d in diffs:
        lines.append(_short(d.graph))
        for t in d.removed:
            lines.append("  - " + " ".join(map(_short, t)))
        for old, new in d.changed:
            lines.append(
                f"  ~ {_short(old[0])} {_short(old[1])} {_short(old[2])} -> {_short(new[2])}"
            )
        for t in d.added:
            lines.append("  + " + " ".join(map(_short, t)))
    added = sum(len(d.added) for d in diffs)
    removed = sum(len(d.removed) for d in diffs)
    changed = sum(len(d.changed) for d in diffs)
    lines.append(f"{added} added, {removed} removed, {changed} changed in {len(diffs)} graph(s)")
    return "\n".join(lines) + "\n"


def render_json(diffs: list[GraphDiff]) -> str:
    return (
        json.dumps(
            [
                {
                    "graph": d.graph.strip("<>"),
                    "added": [list(t) for t in d.added],
                    "removed": [list(t) for t in d.removed],
                    "changed": [{"old": list(o), "new": list(n)} for o, n in d.changed],
                }
                for d in diffs
            ],
            indent=2,
            ensure_ascii=False,
        )
        + "\n"
    )
