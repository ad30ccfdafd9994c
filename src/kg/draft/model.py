"""A draft: passages, mentions and proposed facts, and how it is written and read back.

The draft file is TriG, so a person can read it and any RDF tool can load it:

- one graph per sentence passage, named as ``data/`` names passages, holding the passage's
  own description (document, profile, span) and the triples proposed from it — each fact sits
  in the passage that states it, as in ``data/``;
- the graph ``graph:draft`` (:data:`DRAFT_GRAPH`) marks all of that as a draft: it records the
  document (label, file name, SHA-256, length, the day it was drafted) and its profiles (with
  the data file their facts go to), each proposal (``draft:Proposal``: its id, kind, passage,
  evidence span, status, position, whether the graph already holds it, the shape violations
  it would cause, and its triples as ``rdf:Statement`` nodes), and each mention (span and
  entity, known or proposed).

A proposal's id is derived from what it says and where (:func:`proposal_id`), so redrafting a
document gives the same proposal the same id, whatever was rejected or added around it.

Proposals are never in ``data/``: ``kg review`` copies the triples of accepted proposals into
``data/<profile>.trig`` and nothing else. The ``draft:`` terms describe the drafting tool's
bookkeeping and are not part of the ontology.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    Quad,
    RdfFormat,
    Triple,
    parse,
)

from kg.draft.terms import term_value
from kg.errors import InputError
from kg.export.writers import atomic_write, serialize_quads
from kg.namespaces import GRAPH, KG, PASSAGE, PREFIXES, RDF_TYPE, RDFS_LABEL, SOURCE

DRAFT = "https://w3id.org/digital-policy-kg/draft#"
DRAFT_GRAPH = GRAPH + "draft"
RDF = PREFIXES["rdf"]
XSD = PREFIXES["xsd"]
DCTERMS = "http://purl.org/dc/terms/"

STATUSES = ("proposed", "accepted", "rejected", "edited", "withdrawn")
# Properties of the triples that introduce an entity rather than state the fact.
SUPPORT = {  # an alias (skos:altLabel) is a fact the text states, not support
    RDF_TYPE,
    RDFS_LABEL,
    KG + "jurisdiction",
    KG + "strategyType",
}


def iri(value: str) -> NamedNode:
    return NamedNode(value)


@dataclass
class MentionRecord:
    start: int
    end: int
    entity: str
    label: str
    known: bool


@dataclass
class Passage:
    iri: str
    profile: str
    start: int
    end: int
    mentions: list[MentionRecord] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.iri.removeprefix(PASSAGE)


@dataclass
class Proposal:
    """One proposed fact: the triples that state it (with the type and label of any entity it
    introduces), in one passage."""

    id: str
    kind: str
    passage: str
    triples: list[Triple]
    evidence: tuple[int, int]
    summary: str
    status: str = "proposed"
    order: int = 0  # position in the draft (document order)
    in_graph: bool = False  # every fact triple is already in the graph
    violations: list[str] = field(default_factory=list)  # what the shapes say, accepted

    def key(self) -> tuple[str, ...]:
        """What a rejection remembers: the kind and the statement, independent of ids, of how
        the document is cut into passages, and of the type and label an entity new to the
        graph travels with (once accepted, the redraft no longer carries them)."""
        return (self.kind, *sorted(str(t) for t in self.core()))

    def core(self) -> list[Triple]:
        """The triples that state the fact (without the type and label of entities)."""
        return [t for t in self.triples if t.predicate.value not in SUPPORT] or self.triples


def proposal_id(passage: str, key: tuple[str, ...]) -> str:
    """A proposal's id: ``p`` and ten hex digits of its passage and statement, so the same
    fact of the same sentence has the same id in every draft of the document."""
    digest = hashlib.sha256("\n".join((passage, *key)).encode("utf-8")).hexdigest()
    return "p" + digest[:10]


@dataclass
class ProfileRecord:
    iri: str
    name: str
    label: str
    country: str | None
    start: int
    end: int
    data_file: str = ""  # stem of the data/ file its facts go to (default: name)

    @property
    def file(self) -> str:
        return self.data_file or self.name


@dataclass
class Draft:
    document_iri: str
    file_name: str
    sha256: str
    length: int
    profiles: list[ProfileRecord]
    passages: list[Passage]
    proposals: list[Proposal]
    recorded: bool  # the document is already recorded in the data
    label: str = ""  # the document's name (rdfs:label of its record)
    date: str = ""  # the day it was drafted (xsd:date)

    def proposal(self, pid: str) -> Proposal:
        for p in self.proposals:
            if p.id == pid:
                return p
        known = ", ".join(p.id for p in self.proposals[:10])
        raise InputError(f"no proposal {pid!r} in the draft (ids: {known} …)")

    def passage(self, piri: str) -> Passage:
        for p in self.passages:
            if p.iri == piri:
                return p
        raise InputError(f"no passage {piri} in the draft")

    def profile_of(self, passage: Passage) -> ProfileRecord:
        for p in self.profiles:
            if p.iri == passage.profile:
                return p
        raise InputError(f"passage {passage.iri} names no profile of the draft")


# --------------------------------------------------------------------------- description


def passage_triples(draft: Draft, passage: Passage) -> list[Triple]:
    node = iri(passage.iri)
    return [
        Triple(node, iri(RDF_TYPE), iri(KG + "Passage")),
        Triple(node, iri(KG + "inDocument"), iri(draft.document_iri)),
        Triple(node, iri(KG + "inProfile"), iri(passage.profile)),
        Triple(
            node,
            iri(KG + "startOffset"),
            Literal(str(passage.start), datatype=iri(XSD + "integer")),
        ),
        Triple(
            node, iri(KG + "endOffset"), Literal(str(passage.end), datatype=iri(XSD + "integer"))
        ),
    ]


def _int(value: int) -> Literal:
    return Literal(str(value), datatype=iri(XSD + "integer"))


def _true() -> Literal:
    return Literal("true", datatype=iri(XSD + "boolean"))


def source_triples(draft: Draft, accepted: str | None = None) -> list[Triple]:
    """The document record and its profiles, as ``sources.trig`` writes them; ``accepted``:
    the day (xsd:date) the first facts of the document were accepted into the graph."""
    doc = iri(draft.document_iri)
    out = [
        Triple(doc, iri(RDF_TYPE), iri(KG + "SourceDocument")),
        Triple(doc, iri(RDFS_LABEL), Literal(draft.label or draft.file_name, language="en")),
        Triple(doc, iri(KG + "fileName"), Literal(draft.file_name)),
        Triple(doc, iri(KG + "sha256"), Literal(draft.sha256)),
        Triple(doc, iri(KG + "characterCount"), _int(draft.length)),
    ]
    if accepted:
        out.append(
            Triple(
                doc, iri(DCTERMS + "dateAccepted"), Literal(accepted, datatype=iri(XSD + "date"))
            )
        )
    for p in draft.profiles:
        node = iri(p.iri)
        out += [
            Triple(node, iri(RDF_TYPE), iri(KG + "Profile")),
            Triple(node, iri(RDFS_LABEL), Literal(p.label, language="en")),
            Triple(node, iri(KG + "inDocument"), doc),
            Triple(node, iri(KG + "startOffset"), _int(p.start)),
            Triple(node, iri(KG + "endOffset"), _int(p.end)),
        ]
        if p.country:
            out.append(Triple(node, iri(KG + "profileOf"), iri(p.country)))
    return out


def to_quads(draft: Draft) -> list[Quad]:
    """The draft as quads (see the module docstring for the layout)."""
    quads: list[Quad] = []
    meta = iri(DRAFT_GRAPH)
    d = iri(DRAFT + "this")
    quads.append(Quad(d, iri(RDF_TYPE), iri(DRAFT + "Draft"), meta))
    quads.append(Quad(d, iri(DRAFT + "document"), iri(draft.document_iri), meta))
    if draft.date:
        quads.append(
            Quad(d, iri(DRAFT + "made"), Literal(draft.date, datatype=iri(XSD + "date")), meta)
        )
    quads.append(
        Quad(
            d,
            iri(DRAFT + "recorded"),
            Literal("true" if draft.recorded else "false", datatype=iri(XSD + "boolean")),
            meta,
        )
    )
    for t in source_triples(draft):
        quads.append(Quad(t.subject, t.predicate, t.object, meta))
    for profile in draft.profiles:
        quads.append(Quad(iri(profile.iri), iri(DRAFT + "dataFile"), Literal(profile.file), meta))
    for passage in draft.passages:
        g = iri(passage.iri)
        for t in passage_triples(draft, passage):
            quads.append(Quad(t.subject, t.predicate, t.object, g))
        for m in passage.mentions:
            node = BlankNode()
            quads += [
                Quad(node, iri(RDF_TYPE), iri(DRAFT + "Mention"), meta),
                Quad(node, iri(DRAFT + "passage"), g, meta),
                Quad(node, iri(DRAFT + "start"), _int(m.start), meta),
                Quad(node, iri(DRAFT + "end"), _int(m.end), meta),
                Quad(node, iri(DRAFT + "entity"), iri(m.entity), meta),
                Quad(node, iri(RDFS_LABEL), Literal(m.label), meta),
                Quad(
                    node,
                    iri(DRAFT + "known"),
                    Literal("true" if m.known else "false", datatype=iri(XSD + "boolean")),
                    meta,
                ),
            ]
    for p in draft.proposals:
        proposal = iri(DRAFT + p.id)
        g = iri(p.passage)
        quads += [
            Quad(proposal, iri(RDF_TYPE), iri(DRAFT + "Proposal"), meta),
            Quad(proposal, iri(DRAFT + "kind"), Literal(p.kind), meta),
            Quad(proposal, iri(DRAFT + "passage"), g, meta),
            Quad(proposal, iri(DRAFT + "status"), Literal(p.status), meta),
            Quad(proposal, iri(DRAFT + "start"), _int(p.evidence[0]), meta),
            Quad(proposal, iri(DRAFT + "end"), _int(p.evidence[1]), meta),
            Quad(proposal, iri(RDFS_LABEL), Literal(p.summary), meta),
            Quad(proposal, iri(DRAFT + "order"), _int(p.order), meta),
        ]
        if p.in_graph:
            quads.append(Quad(proposal, iri(DRAFT + "inGraph"), _true(), meta))
        for message in p.violations:
            quads.append(Quad(proposal, iri(DRAFT + "violation"), Literal(message), meta))
        for i, t in enumerate(p.triples):
            st = iri(f"{DRAFT}{p.id}-t{i}")
            quads += [
                Quad(proposal, iri(DRAFT + "statement"), st, meta),
                Quad(st, iri(RDF_TYPE), iri(RDF + "Statement"), meta),
                Quad(st, iri(RDF + "subject"), t.subject, meta),
                Quad(st, iri(RDF + "predicate"), t.predicate, meta),
                Quad(st, iri(RDF + "object"), t.object, meta),
            ]
            if p.status != "rejected":
                quads.append(Quad(t.subject, t.predicate, t.object, g))
    return quads


def render(draft: Draft) -> bytes:
    """The draft as stable TriG (the project's writer: sorted, prefixed, diffable)."""
    header = (
        f"# Draft of {draft.file_name} (SHA-256 {draft.sha256}) made by `kg draft`: proposed\n"
        "# facts, not data. Review with `kg review`; nothing here is in data/ until accepted.\n\n"
    ).encode()
    return header + serialize_quads(to_quads(draft), "trig")


def write(draft: Draft, path: Path | str) -> None:
    """Write the draft atomically, making the folder it goes to when it does not exist."""
    data = render(draft)
    path = Path(path)
    if not path.parent.is_dir():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise InputError(
                f"{path.parent}: cannot make the folder: {error.strerror or error}"
            ) from None
    atomic_write(path, lambda handle: handle.write(data))


# --------------------------------------------------------------------------- reading back


def _one(index: dict, subject, predicate: str, where: str):
    values = index[subject].get(predicate, [])
    if len(values) != 1:
        raise InputError(f"{where}: {subject} must have one {predicate}, has {len(values)}")
    return values[0]


def read(path: Path | str) -> Draft:
    """Read a draft file written by :func:`write` (possibly edited by a person).

    Raises:
        InputError: not a draft, or a malformed one (naming the file and the problem).
    """
    path = Path(path)
    try:
        quads = list(parse(path=str(path), format=RdfFormat.TRIG))
    except SyntaxError as error:
        raise InputError(f"{path}: not a TriG draft: {error}") from None
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error.strerror or error}") from None
    meta = [q for q in quads if q.graph_name == iri(DRAFT_GRAPH)]
    index: dict = defaultdict(lambda: defaultdict(list))
    for q in meta:
        index[q.subject][q.predicate.value].append(q.object)
    this = iri(DRAFT + "this")
    if this not in index:
        raise InputError(
            f"{path}: not a draft made by `kg draft` (no {DRAFT}this in {DRAFT_GRAPH})"
        )
    where = str(path)
    doc = _one(index, this, DRAFT + "document", where)
    recorded = _one(index, this, DRAFT + "recorded", where).value == "true"
    file_name = _one(index, doc, KG + "fileName", where).value
    label = index[doc].get(RDFS_LABEL, [Literal("")])[0].value
    date = index[this].get(DRAFT + "made", [Literal("")])[0].value
    sha = _one(index, doc, KG + "sha256", where).value
    length = int(_one(index, doc, KG + "characterCount", where).value)
    profiles = []
    for s, props in index.items():
        if iri(KG + "Profile") in props.get(RDF_TYPE, []):
            country = props.get(KG + "profileOf", [None])[0]
            profiles.append(
                ProfileRecord(
                    s.value,
                    s.value.removeprefix(SOURCE + "profile-"),
                    props[RDFS_LABEL][0].value,
                    country.value if country else None,
                    int(props[KG + "startOffset"][0].value),
                    int(props[KG + "endOffset"][0].value),
                    props.get(DRAFT + "dataFile", [Literal("")])[0].value,
                )
            )
    profiles.sort(key=lambda p: p.start)
    passages: dict[str, Passage] = {}
    by_graph: dict[str, list[Quad]] = defaultdict(list)
    for q in quads:
        if q.graph_name != iri(DRAFT_GRAPH) and isinstance(q.graph_name, NamedNode):
            by_graph[q.graph_name.value].append(q)
    for g, gq in by_graph.items():
        own = {q.predicate.value: q.object for q in gq if q.subject == iri(g)}
        if KG + "startOffset" not in own:
            continue
        passages[g] = Passage(
            g,
            term_value(own[KG + "inProfile"]),
            int(term_value(own[KG + "startOffset"])),
            int(term_value(own[KG + "endOffset"])),
        )
    for props in index.values():
        if iri(DRAFT + "Mention") in props.get(RDF_TYPE, []):
            g = props[DRAFT + "passage"][0].value
            if g in passages:
                passages[g].mentions.append(
                    MentionRecord(
                        int(props[DRAFT + "start"][0].value),
                        int(props[DRAFT + "end"][0].value),
                        props[DRAFT + "entity"][0].value,
                        props[RDFS_LABEL][0].value,
                        props[DRAFT + "known"][0].value == "true",
                    )
                )
    proposals = []
    for s, props in index.items():
        if iri(DRAFT + "Proposal") not in props.get(RDF_TYPE, []):
            continue
        pid = s.value.removeprefix(DRAFT)
        triples = []
        for st in sorted(
            props.get(DRAFT + "statement", []), key=lambda n: _statement_order(n.value)
        ):
            triples.append(
                Triple(
                    _one(index, st, RDF + "subject", where),
                    _one(index, st, RDF + "predicate", where),
                    _one(index, st, RDF + "object", where),
                )
            )
        status = _one(index, s, DRAFT + "status", where).value
        if status not in STATUSES:
            raise InputError(f"{where}: proposal {pid} has unknown status {status!r}")
        proposals.append(
            Proposal(
                pid,
                _one(index, s, DRAFT + "kind", where).value,
                _one(index, s, DRAFT + "passage", where).value,
                triples,
                (
                    int(_one(index, s, DRAFT + "start", where).value),
                    int(_one(index, s, DRAFT + "end", where).value),
                ),
                _one(index, s, RDFS_LABEL, where).value,
                status,
                int(props.get(DRAFT + "order", [Literal("0")])[0].value),
                props.get(DRAFT + "inGraph", [Literal("false")])[0].value == "true",
                sorted(v.value for v in props.get(DRAFT + "violation", [])),
            )
        )
    proposals.sort(key=lambda p: (p.order, p.id))
    for p in passages.values():
        p.mentions.sort(key=lambda m: m.start)
    return Draft(
        doc.value,
        file_name,
        sha,
        length,
        profiles,
        sorted(passages.values(), key=lambda p: (p.start, p.end)),
        proposals,
        recorded,
        label,
        date,
    )


def _statement_order(value: str) -> int:
    return int(value.rsplit("-t", 1)[-1]) if value.rsplit("-t", 1)[-1].isdigit() else 0


def triples_by_passage(proposals: Iterable[Proposal]) -> dict[str, list[Triple]]:
    found: dict[str, list[Triple]] = defaultdict(list)
    for p in proposals:
        for t in p.triples:
            if t not in found[p.passage]:
                found[p.passage].append(t)
    return found
