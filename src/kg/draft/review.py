"""Review a draft: accept, edit, reject or withdraw proposals; accepted facts go into ``data/``.

A decision changes the draft's record of the proposal (its status, and for an edit its
triples). :func:`apply` then makes ``data/<profile>.trig`` hold exactly what is accepted:

- the triples of accepted (or edited) proposals, each in its passage graph, with the
  passage's own description, and — for a document the data does not record yet — the
  document and profile record (label, file name, SHA-256, length, the day of acceptance) in the
  same file, in the document's graph, as ``sources.trig`` holds them;
- in the file's *accepted part*: everything below the line :data:`MARK`, which this module
  owns and rewrites whole (sorted, diffable TriG). Everything above it — the hand-written
  part, its comments and layout — is kept byte for byte. That is what lets an accepted fact be
  corrected (an edit of an accepted proposal) or withdrawn: its triples are replaced or
  removed from the accepted part, and ``kg diff`` shows the change. A fact written by hand
  above the line is never removed by a withdrawal;
- validated first: the data with the new files (written to a temporary folder) goes through
  the same validation as ``kg validate``; only when it conforms are the files replaced, each
  in one atomic rename. Otherwise nothing is written, the report says why, and
  :func:`attribute` names the proposals the violations are about.

:func:`flag` runs the same validation *before* anyone decides: every undecided proposal
accepted at once, in the context of the data, and each violation attached to the proposals
that cause it (repeated without them until what is left conforms), so the draft and the review
page show a proposal's violation beside it instead of after an accept fails.

Rejections are remembered in a file beside the draft (``.kg-rejections.jsonl``, one proposal's
kind and triples a line), and :func:`kg.draft.drafting.make_draft` does not propose them again.
"""

from __future__ import annotations

import datetime
import json
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from pyoxigraph import NamedNode, Quad, RdfFormat, Triple, parse

from kg import resources
from kg.draft import diff as diffs
from kg.draft.model import (
    SUPPORT,
    Draft,
    Proposal,
    passage_triples,
    read,
    source_triples,
    write,
)
from kg.errors import InputError
from kg.export.writers import atomic_write, serialize_quads
from kg.namespaces import KG, PREFIXES, RDF_TYPE, curie
from kg.validation.report import Finding, Report, validate
from kg.validation.shacl.model import ValidationResult

REJECTIONS = ".kg-rejections.jsonl"
MARK = "# ---- accepted with `kg review`: below this line the file is rewritten by kg review ----"
VIOLATION = "http://www.w3.org/ns/shacl#Violation"
ACCEPTED = ("accepted", "edited")


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


@dataclass
class Changes:
    """What :func:`decide` changed that :func:`apply` must take out of ``data/``: the triples
    a withdrawn or corrected proposal had put there, per passage."""

    removed: dict[str, list[Triple]] = field(default_factory=lambda: defaultdict(list))


def decide(
    draft: Draft,
    *,
    accept: Sequence[str] = (),
    reject: Sequence[str] = (),
    edit: dict[str, str] | None = None,
    withdraw: Sequence[str] = (),
) -> Changes:
    """Record decisions on the draft's proposals (by id). An edit replaces a proposal's
    triples by the Turtle given and accepts it; the edit of an accepted proposal corrects it
    (its old triples come out of ``data/``). A withdrawal takes an accepted proposal's triples
    out of ``data/`` (its status becomes ``withdrawn``); rejecting an accepted proposal does
    the same and remembers the rejection.

    Raises:
        InputError: an unknown id, an id given two decisions, Turtle that does not parse,
            the withdrawal of a proposal that is not accepted.
    """
    edit = edit or {}
    named = {"accepted": set(accept) | set(edit), "rejected": set(reject)}
    named["withdrawn"] = set(withdraw)
    pairs = [("accepted", "rejected"), ("accepted", "withdrawn"), ("rejected", "withdrawn")]
    for a, b in pairs:
        clash = named[a] & named[b]
        if clash:
            raise InputError(f"proposal(s) both {a} and {b}: {', '.join(sorted(clash))}")
    changes = Changes()
    parsed = {pid: parse_triples(text, f"edit of {pid}") for pid, text in edit.items()}
    for pid in [*accept, *reject, *withdraw, *edit]:
        draft.proposal(pid)  # every id known before anything changes
    for pid in withdraw:
        proposal = draft.proposal(pid)
        if proposal.status not in ACCEPTED:
            raise InputError(
                f"proposal {pid} is {proposal.status}, not accepted: nothing to withdraw"
            )
    for pid in accept:
        proposal = draft.proposal(pid)
        if proposal.status not in ACCEPTED:
            proposal.status = "accepted"
    for pid in [*reject, *withdraw]:
        proposal = draft.proposal(pid)
        if proposal.status in ACCEPTED:
            changes.removed[proposal.passage] += proposal.triples
        proposal.status = "rejected" if pid in reject else "withdrawn"
    for pid, triples in parsed.items():
        proposal = draft.proposal(pid)
        if proposal.status in ACCEPTED and triples != proposal.triples:
            changes.removed[proposal.passage] += proposal.triples
        proposal.triples = triples
        proposal.status = "edited"
    return changes


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


def _parse(content: bytes, where: str) -> list[Quad]:
    try:
        return list(parse(content, format=RdfFormat.TRIG))
    except SyntaxError as error:
        raise InputError(f"{where}: syntax error: {error}") from None


def _file_quads(path: Path) -> list[Quad]:
    if not path.is_file():
        return []
    return _parse(path.read_bytes(), str(path))


@dataclass
class DataFile:
    """A data file cut at :data:`MARK`: the hand-written part (kept as it is) and the quads
    of the accepted part (rewritten)."""

    path: Path
    hand: str
    hand_quads: set[Quad]
    accepted: set[Quad]
    original: frozenset[Quad]  # every quad of the file as it was read

    @classmethod
    def read(cls, path: Path) -> DataFile:
        text = path.read_text(encoding="utf-8") if path.is_file() else ""
        hand, mark, rest = text.partition(MARK)
        hand_quads = set(_parse(hand.encode("utf-8"), str(path))) if hand.strip() else set()
        accepted = set(_parse(rest.encode("utf-8"), f"{path} (accepted part)")) if mark else set()
        return cls(path, hand, hand_quads, accepted, frozenset(hand_quads | accepted))

    @property
    def changed(self) -> bool:
        return self.quads != self.original

    @property
    def quads(self) -> set[Quad]:
        return self.hand_quads | self.accepted

    def render(self) -> bytes:
        hand = self.hand.rstrip("\n")
        if not hand:
            hand = (
                "# Facts accepted with `kg review` from a `kg draft`; one named graph per passage."
            )
        if not self.accepted:
            return (hand + "\n").encode("utf-8")
        body = serialize_quads(sorted(self.accepted, key=str), "trig").decode("utf-8")
        return f"{hand}\n\n{MARK}\n\n{body.strip(chr(10))}\n".encode()


def _quads(triples: Iterable[Triple], graph: str) -> list[Quad]:
    g = NamedNode(graph)
    return [Quad(t.subject, t.predicate, t.object, g) for t in triples]


def _described(data: Path) -> tuple[set[str], set[str]]:
    """The documents (kg:SourceDocument) and passages (kg:Passage) the data folder describes."""
    documents: set[str] = set()
    passages: set[str] = set()
    kinds = {KG + "SourceDocument": documents, KG + "Passage": passages}
    for path in sorted(data.rglob("*.trig")):
        for q in _file_quads(path):
            if q.predicate.value == RDF_TYPE and isinstance(q.object, NamedNode):
                found = kinds.get(q.object.value)
                if found is not None and isinstance(q.subject, NamedNode):
                    found.add(q.subject.value)
    return documents, passages


def _plan(
    draft: Draft,
    data: Path,
    accepted: list[Proposal],
    changes: Changes | None,
) -> dict[Path, DataFile]:
    """The data files as they are to be: what ``accepted`` needs added, what ``changes``
    takes out of the accepted parts."""
    files: dict[Path, DataFile] = {}

    def file_for(passage_iri: str) -> DataFile:
        profile = draft.profile_of(draft.passage(passage_iri))
        path = data / f"{profile.file}.trig"
        if path not in files:
            files[path] = DataFile.read(path)
        return files[path]

    wanted: set[Quad] = set()
    for proposal in accepted:
        wanted |= set(_quads(proposal.triples, proposal.passage))
    # withdrawals and corrections first: out of the accepted part, unless still wanted
    for passage_iri, triples in (changes.removed if changes else {}).items():
        target = file_for(passage_iri)
        for q in _quads(triples, passage_iri):
            if q not in wanted:
                target.accepted.discard(q)
        _tidy(target, passage_iri)
    documents, described = _described(data)
    recorded = draft.recorded or draft.document_iri in documents
    today = datetime.date.today().isoformat()
    for proposal in accepted:
        target = file_for(proposal.passage)
        passage = draft.passage(proposal.passage)
        quads = _quads(proposal.triples, passage.iri)
        if passage.iri not in described:
            quads += _quads(passage_triples(draft, passage), passage.iri)
            described.add(passage.iri)
        if not recorded:
            quads += _quads(source_triples(draft, today), draft.document_iri)
            recorded = True
        target.accepted |= {q for q in quads if q not in target.hand_quads}
    return files


def _tidy(target: DataFile, passage_iri: str) -> None:
    """After a withdrawal: drop the type and label of entities the passage's accepted facts no
    longer mention, and the passage's description when it states nothing any more."""
    g = NamedNode(passage_iri)
    node = NamedNode(passage_iri)
    mine = [q for q in target.accepted if q.graph_name == g]
    facts = [q for q in mine if q.subject != node and q.predicate.value not in SUPPORT]
    used = {q.subject for q in facts} | {q.object for q in facts}
    for q in mine:
        if q.subject != node and q.predicate.value in SUPPORT and q.subject not in used:
            target.accepted.discard(q)
    if not facts and not any(q.graph_name == g for q in target.hand_quads):
        for q in mine:
            if q.subject == node:
                target.accepted.discard(q)


def _writer(content: bytes) -> Callable[[IO[bytes]], int]:
    """What :func:`atomic_write` calls to write ``content`` (bound here, not by a loop)."""

    def produce(handle: IO[bytes]) -> int:
        return handle.write(content)

    return produce


def _staged_report(data: Path, contents: dict[Path, bytes]) -> Report:
    """Validate the data folder with ``contents`` in place of those files."""
    with tempfile.TemporaryDirectory(prefix="kg-review-") as tmp:
        staged = []
        for i, (path, content) in enumerate(sorted(contents.items())):
            target = Path(tmp) / str(i) / path.name
            target.parent.mkdir()
            target.write_bytes(content)
            staged.append(target)
        for path in staged:  # the edited triples must make TriG that parses back
            try:
                _file_quads(path)
            except InputError as error:
                raise InputError(f"the accepted facts do not make valid TriG: {error}") from None
        replaced = {p.resolve() for p in contents}
        others = [
            p
            for p in sorted(data.rglob("*"))
            if p.is_file() and p.suffix in (".trig", ".ttl") and p.resolve() not in replaced
        ]
        return validate([*others, *staged])


def apply(
    draft: Draft,
    data: Path | None = None,
    *,
    check: bool = True,
    changes: Changes | None = None,
) -> Applied:
    """Make ``data/`` hold the draft's accepted and edited proposals, without the triples
    ``changes`` withdrew or corrected.

    Nothing is written when nothing changes, or when ``check`` and the data with the changes
    does not conform (the report is returned; ``written`` is False).

    Raises:
        InputError: a data file does not parse; OutputError: a file cannot be written.
    """
    data = Path(data) if data is not None else resources.data_dir()
    accepted = [p for p in draft.proposals if p.status in ACCEPTED]
    plan = {path: f for path, f in _plan(draft, data, accepted, changes).items() if f.changed}
    contents = {path: f.render() for path, f in plan.items()}
    if not contents:
        return Applied([], [], None, False)
    report = None
    if check:
        report = _staged_report(data, contents)
        if not report.conforms:
            return Applied([], [], report, False)
    old = [q for f in plan.values() for q in f.original]
    for path, content in contents.items():
        atomic_write(path, _writer(content))
    new = [q for path in contents for q in _file_quads(path)]
    return Applied(sorted(contents), diffs.compare(old, new), report, True)


# --------------------------------------------------------------------------- shapes first


def describe(finding: Finding) -> str:
    """A violation in one line: entity, property, message, value."""
    r = finding.result
    text = finding.label
    if r.path:
        text += f": {r.path.label}"
    text += f": {r.message}"
    if r.value is not None:
        value = str(r.value)
        text += f" (value {curie(value[1:-1]) if value.startswith('<') else value})"
    return text


def attribute(report: Report, proposals: Sequence[Proposal]) -> dict[str, list[str]]:
    """Per proposal id, the violations of ``report`` it is involved in: a result about a
    triple the proposal states, else about an entity the proposal describes (its subject),
    else about an entity it points to."""
    out: dict[str, list[str]] = defaultdict(list)
    for finding in report.findings:
        if finding.result.severity.value != VIOLATION:
            continue
        for level in range(3):
            hit = [p for p in proposals if _involved(finding.result, p, level)]
            if hit:
                for p in hit:
                    message = describe(finding)
                    if message not in out[p.id]:
                        out[p.id].append(message)
                break
    return out


def _involved(result: ValidationResult, proposal: Proposal, level: int) -> bool:
    """Level 0: the proposal states the triple the result is about; 1: it describes the
    result's focus node; 2: it points to it."""
    path = result.path.sparql.strip("<>") if result.path else None
    for t in proposal.triples:
        if level == 0 and (
            t.subject == result.focus
            and (path is None or t.predicate.value == path)
            and (result.value is None or t.object == result.value)
        ):
            return True
        if level == 1 and t.subject == result.focus:
            return True
        if level == 2 and t.object == result.focus:
            return True
    return False


def flag(draft: Draft, data: Path | None = None, rounds: int = 4) -> int:
    """Attach to each undecided proposal the violations accepting it would cause (see the
    module docstring); returns how many proposals are flagged."""
    data = Path(data) if data is not None else resources.data_dir()
    for p in draft.proposals:
        p.violations = []
    candidates = [p for p in draft.proposals if p.status == "proposed"]
    already = [p for p in draft.proposals if p.status in ACCEPTED]
    for _ in range(rounds):
        plan = _plan(draft, data, [*already, *candidates], None)
        contents = {path: f.render() for path, f in plan.items()}
        if not contents:
            break
        report = _staged_report(data, contents)
        if report.conforms:
            break
        found = attribute(report, candidates)
        if not found:
            break
        for p in candidates:
            p.violations += [m for m in found.get(p.id, []) if m not in p.violations]
        candidates = [p for p in candidates if p.id not in found]
    return sum(1 for p in draft.proposals if p.violations)


# --------------------------------------------------------------------------- one review


@dataclass
class Outcome:
    """What :func:`review` did: the data written (or the report why not), the proposals the
    violations are about, and how many rejections were kept although nothing was written."""

    applied: Applied
    blamed: dict[str, list[str]]
    kept: int
    draft: Draft


def review(
    draft_path: Path | str,
    *,
    accept: Sequence[str] = (),
    reject: Sequence[str] = (),
    edit: dict[str, str] | None = None,
    withdraw: Sequence[str] = (),
    data: Path | None = None,
) -> Outcome:
    """Decide on a draft file's proposals and make ``data/`` hold what is accepted (see
    :func:`decide` and :func:`apply`); the draft file records the decisions.

    When the data with the decisions does not conform nothing is written to ``data/``, but
    the decisions that do not touch it — rejections of undecided proposals — are recorded and
    remembered all the same, so a reviewer does not take them again; ``blamed`` names the
    proposals the violations are about (not stored: they are about the choices just made).

    Raises:
        InputError: as :func:`decide` and :func:`apply`.
    """
    path = Path(draft_path)
    draft = read(path)
    before = {p.id: p.status for p in draft.proposals}
    changes = decide(draft, accept=accept, reject=reject, edit=edit, withdraw=withdraw)
    applied = apply(draft, data, changes=changes)
    if applied.report is not None and not applied.written:
        changed = [p for p in draft.proposals if p.status in ACCEPTED]
        blamed = attribute(applied.report, changed)
        kept = read(path)
        count = 0
        for p in kept.proposals:
            if p.id in reject and before[p.id] == "proposed":
                p.status = "rejected"
                count += 1
        write(kept, path)
        remember(rejections_file(path), [p for p in kept.proposals if p.status == "rejected"])
        return Outcome(applied, blamed, count, kept)
    for p in draft.proposals:
        if p.status != "proposed":
            p.violations = []
    write(draft, path)
    remember(rejections_file(path), [p for p in draft.proposals if p.status == "rejected"])
    return Outcome(applied, {}, 0, draft)
