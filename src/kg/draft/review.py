"""Review a draft: accept, edit or reject each proposal; accepted facts go into ``data/``.

A decision changes the draft's record of the proposal (its status, and for an edit its
triples). :func:`apply` then writes what was accepted into ``data/<profile>.trig``:

- only the triples of accepted (or edited) proposals, each in its passage graph, with the
  passage's own description when the file does not have the passage yet, and — for a document
  ``sources.trig`` does not record — the document and profile record in the same file (a source
  graph, as ``sources.trig`` holds them);
- appended to the file as TriG blocks (a graph may be continued in a later block), so the
  hand-written part of the file and its comments stay exactly as they were and a ``git diff``
  shows only the new facts;
- validated first: the data with the new file (written to a temporary folder) goes through
  the same validation as ``kg validate``; only when it conforms is the file replaced, in one
  atomic rename. Otherwise nothing is written and the report says why.

Rejections are remembered in a file beside the draft (``.kg-rejections.jsonl``, one proposal's
kind and triples a line), and :func:`kg.draft.drafting.make_draft` does not propose them again.
"""

from __future__ import annotations

import json
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from pyoxigraph import NamedNode, Quad, RdfFormat, Triple, parse

from kg import resources
from kg.draft import diff as diffs
from kg.draft.model import Draft, Proposal, passage_triples, source_triples
from kg.errors import InputError
from kg.export.writers import atomic_write, serialize_quads
from kg.namespaces import PREFIXES
from kg.validation.report import Report, validate

REJECTIONS = ".kg-rejections.jsonl"


def rejections_file(draft_path: Path | str) -> Path:
    return Path(draft_path).parent / REJECTIONS


def load_rejections(path: Path | str) -> set[tuple[str, ...]]:
    """The remembered rejections (an absent file is none)."""
    path = Path(path)
    if not path.is_file():
        return set()
    found = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            found.add(tuple(json.loads(line)))
        except (ValueError, TypeError):
            raise InputError(f"{path}:{number}: not a remembered rejection (JSON list)") from None
    return found


def remember(path: Path | str, proposals: Iterable[Proposal]) -> None:
    """Add rejected proposals to the rejection file (atomically; kept sorted and unique)."""
    path = Path(path)
    keys = load_rejections(path) | {p.key() for p in proposals}
    text = "".join(json.dumps(list(k), ensure_ascii=False) + "\n" for k in sorted(keys))
    atomic_write(path, lambda handle: handle.write(text.encode("utf-8")))


def parse_triples(text: str, where: str) -> list[Triple]:
    """Triples a reviewer typed (Turtle, with the project's prefixes)."""
    prologue = "".join(f"@prefix {p}: <{iri}> .\n" for p, iri in PREFIXES.items())
    body = text.strip()
    if body and not body.endswith("."):
        body += " ."
    try:
        quads = list(parse((prologue + body).encode("utf-8"), format=RdfFormat.TURTLE))
    except SyntaxError as error:
        raise InputError(f"{where}: not Turtle: {error}") from None
    if not quads:
        raise InputError(f"{where}: no triple given")
    return [Triple(q.subject, q.predicate, q.object) for q in quads]


def decide(
    draft: Draft,
    *,
    accept: Sequence[str] = (),
    reject: Sequence[str] = (),
    edit: dict[str, str] | None = None,
) -> Draft:
    """Record decisions on the draft's proposals (by id). An edit replaces a proposal's
    triples by the Turtle given and accepts it.

    Raises:
        InputError: an unknown id, an id both accepted and rejected, Turtle that does not parse.
    """
    edit = edit or {}
    clash = (set(accept) | set(edit)) & set(reject)
    if clash:
        raise InputError(f"proposal(s) both accepted and rejected: {', '.join(sorted(clash))}")
    for pid in accept:
        draft.proposal(pid).status = "accepted"
    for pid in reject:
        draft.proposal(pid).status = "rejected"
    for pid, text in edit.items():
        proposal = draft.proposal(pid)
        proposal.triples = parse_triples(text, f"edit of {pid}")
        proposal.status = "edited"
    return draft


@dataclass
class Applied:
    """What :func:`apply` did."""

    files: list[Path]
    diff: list[diffs.GraphDiff]
    report: Report | None
    written: bool

    @property
    def added(self) -> int:
        return sum(len(d.added) for d in self.diff)


def _file_quads(path: Path) -> list[Quad]:
    if not path.is_file():
        return []
    try:
        return list(parse(path=str(path), format=RdfFormat.TRIG))
    except SyntaxError as error:
        raise InputError(f"{path}: syntax error: {error}") from None


def _new_quads(
    draft: Draft, accepted: list[Proposal], existing: set[Quad]
) -> dict[str, list[Quad]]:
    """Per profile name: the quads to add (facts, passage descriptions, source record)."""
    graphs_present = {q.graph_name for q in existing}
    out: dict[str, list[Quad]] = defaultdict(list)
    for proposal in accepted:
        passage = draft.passage(proposal.passage)
        profile = draft.profile_of(passage)
        g = NamedNode(passage.iri)
        quads = [Quad(t.subject, t.predicate, t.object, g) for t in proposal.triples]
        if g not in graphs_present:
            quads += [
                Quad(t.subject, t.predicate, t.object, g) for t in passage_triples(draft, passage)
            ]
        if not draft.recorded:
            doc_graph = NamedNode(draft.document_iri)
            quads += [
                Quad(t.subject, t.predicate, t.object, doc_graph) for t in source_triples(draft)
            ]
        for q in quads:
            if q not in existing and q not in out[profile.name]:
                out[profile.name].append(q)
    return out


def _append(path: Path, quads: list[Quad]) -> bytes:
    """The file's bytes with the new quads appended as TriG blocks (prefixes the file does not
    declare yet come first)."""
    old = path.read_bytes() if path.is_file() else b""
    rendered = serialize_quads(quads, "trig").decode("utf-8")
    lines = rendered.splitlines()
    old_text = old.decode("utf-8")
    prefixes = [x for x in lines if x.startswith("@prefix") and x not in old_text]
    body = "\n".join(x for x in lines if not x.startswith("@prefix")).strip("\n")
    parts = [old_text.rstrip("\n")] if old_text else []
    if not old_text:
        parts.append(
            "# Facts accepted with `kg review` from a `kg draft`; one named graph per passage."
        )
    if prefixes:
        parts.append("\n".join(prefixes))
    parts.append(body)
    return ("\n\n".join(p for p in parts if p) + "\n").encode("utf-8")


def _writer(content: bytes) -> Callable[[IO[bytes]], int]:
    """What :func:`atomic_write` calls to write ``content`` (bound here, not by a loop)."""

    def produce(handle: IO[bytes]) -> int:
        return handle.write(content)

    return produce


def apply(draft: Draft, data: Path | None = None, *, check: bool = True) -> Applied:
    """Write the accepted and edited proposals into ``data/<profile>.trig``.

    Nothing is written when nothing new is accepted, or when ``check`` and the data with the
    new facts does not conform (the report is returned; ``written`` is False).

    Raises:
        InputError: a data file does not parse; OutputError: a file cannot be written.
    """
    data = Path(data) if data is not None else resources.data_dir()
    accepted = [p for p in draft.proposals if p.status in ("accepted", "edited")]
    targets: dict[str, Path] = {}
    existing: dict[str, list[Quad]] = {}
    for p in draft.profiles:
        targets[p.name] = data / f"{p.name}.trig"
        existing[p.name] = _file_quads(targets[p.name])
    every_existing = {q for qs in existing.values() for q in qs}
    additions = _new_quads(draft, accepted, every_existing)
    additions = {k: v for k, v in additions.items() if v}
    if not additions:
        return Applied([], [], None, False)
    new_bytes = {name: _append(targets[name], quads) for name, quads in additions.items()}
    report = None
    with tempfile.TemporaryDirectory(prefix="kg-review-") as tmp:
        staged = []
        for name, content in new_bytes.items():
            path = Path(tmp) / targets[name].name
            path.write_bytes(content)
            staged.append(path)
        for path in staged:  # the edited triples must make TriG that parses back
            try:
                _file_quads(path)
            except InputError as error:
                raise InputError(f"the accepted facts do not make valid TriG: {error}") from None
        if check:
            replaced = {targets[name].resolve() for name in new_bytes}
            others = [
                p
                for p in sorted(data.rglob("*"))
                if p.is_file() and p.suffix in (".trig", ".ttl") and p.resolve() not in replaced
            ]
            report = validate([*others, *staged])
            if not report.conforms:
                return Applied([], [], report, False)
    result = []
    for name, content in new_bytes.items():
        atomic_write(targets[name], _writer(content))
        result.append(targets[name])
    added = diffs.compare(
        [q for name in additions for q in existing[name]],
        [q for name in additions for q in _file_quads(targets[name])],
    )
    return Applied(result, added, report, True)
