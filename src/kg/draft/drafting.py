"""``kg draft``: a document in, a draft of cited facts out (nothing is written into data/).

The steps, each in its own module: read and check the document (:mod:`kg.draft.document`),
build the gazetteer from the graph and the external table (:mod:`kg.draft.gazetteer`), cut
each profile into sentence passages (:func:`kg.text.sentences_in`, the one segmenter), run the
rules over each sentence (:mod:`kg.draft.rules`), and collect the result as a
:class:`kg.draft.model.Draft`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from pathlib import Path

from pyoxigraph import NamedNode, Store

from kg import resources
from kg.draft import document as documents
from kg.draft import gazetteer as gazetteers
from kg.draft.model import Draft, MentionRecord, Passage, ProfileRecord, Proposal, proposal_id
from kg.draft.rules import Drafter, Sentence
from kg.draft.terms import term_value
from kg.errors import InputError
from kg.load import files as graph
from kg.namespaces import ID, KG, PASSAGE
from kg.text import sentences_in

OP_TABLE = "op-countries-skos-20230915.rdf"
# More proposals than this in one draft and ``kg draft`` warns: no one reviews them all well.
MAX_PROPOSALS = 500
# A list item's marker is not part of its sentence (data/ cites list items without it).
BULLETS = "•◦▪‣–-* \t"


def load_graph(
    data: Sequence[Path | str] | None = None, exclude: Iterable[Path | str] = ()
) -> Store:
    """The data the gazetteer is built from: ``data/`` (or the given files and folders) minus
    the excluded files (the leave-one-out evaluation excludes a profile's own file)."""
    files = graph.discover(data if data else [resources.data_dir()])
    skip = {Path(p).resolve() for p in exclude}
    dataset = graph.Dataset(Store())
    for path in files:
        if path.resolve() not in skip:
            graph.load_file(dataset, path)
    return dataset.store


def build_gazetteer(
    store: Store, external: Path | None = None
) -> tuple[gazetteers.Gazetteer, set[str]]:
    """The gazetteer and the IRIs the graph itself describes (others come with their type and
    label when a proposal uses them)."""
    gaz = gazetteers.from_store(store)
    in_graph = set(gaz.entities)
    folder = external if external is not None else resources.external_dir()
    if folder is not None and (folder / OP_TABLE).is_file():
        gazetteers.from_op_table(folder / OP_TABLE, store, gaz)
    return gaz, in_graph


def recorded_text(name: str) -> str | None:
    folder = resources.documents_dir()
    if folder is None:
        return None
    try:
        return (folder / name).read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _existing_passages(store: Store, doc_iri: str) -> dict[tuple[int, int], str]:
    """Spans of passages ``data/`` already has for this document (their IRIs are reused)."""
    found: dict[tuple[int, int], str] = {}
    for q in store.quads_for_pattern(None, NamedNode(KG + "inDocument"), NamedNode(doc_iri), None):
        s = q.subject
        iri = term_value(s)
        if not iri.startswith(PASSAGE):
            continue
        start = next(store.quads_for_pattern(s, NamedNode(KG + "startOffset"), None, None), None)
        end = next(store.quads_for_pattern(s, NamedNode(KG + "endOffset"), None, None), None)
        if start and end:
            found.setdefault((int(term_value(start.object)), int(term_value(end.object))), iri)
    return found


def make_draft(
    path: Path | str,
    *,
    data: Sequence[Path | str] | None = None,
    exclude: Iterable[Path | str] = (),
    profile: str | None = None,
    external: Path | None = None,
    rejected: set[tuple[str, ...]] | None = None,
    old_text=recorded_text,
    max_bytes: int | None = documents.MAX_BYTES,
) -> Draft:
    """Draft a document.

    Proposal ids are derived from their passage and statement (stable across redrafts);
    a proposal whose fact triples the graph already holds is marked ``in_graph``.

    Raises:
        InputError: the document cannot be read, is not UTF-8, is empty, names no such
            profile, or changed since it was recorded (:class:`DocumentChanged`).
    """
    doc = documents.read_document(path, max_bytes)
    store = load_graph(data, exclude)
    gaz, in_graph = build_gazetteer(store, external)

    def country_of(start: int, end: int) -> tuple[str, str] | None:
        for m in gaz.mentions(doc.text, start, end):
            c = m.pick("Country")
            if c is not None:
                return c.iri, c.label
        return None

    profiles = documents.profiles_for(store, doc, country_of, old_text, profile)
    recorded_iri = documents.recorded_document(store, doc)
    recorded = recorded_iri is not None
    doc_iri = recorded_iri.value if recorded_iri is not None else doc.iri
    existing = _existing_passages(store, doc_iri)
    drafter = Drafter(gaz, in_graph, rejected)
    passages: list[Passage] = []
    for p in profiles:
        country = gaz.entities.get(p.country) if p.country else None
        if country is None and p.country:
            country = gaz.entity(p.country)
        drafter.country = country
        drafter.last_strategy = None
        drafter.list_intro = None
        prefix = (
            p.country.removeprefix(ID).lower() if p.country and p.country.startswith(ID) else p.name
        )  # passages of the data that carry it are this profile's (not shared.trig's)
        for i, (start, end) in enumerate(sentences_in(doc.text, p.start, p.end)):
            start += len(doc.text[start:end]) - len(doc.text[start:end].lstrip(BULLETS))
            iri = existing.get((start, end), "")
            if not iri.startswith(f"{PASSAGE}{prefix}-"):  # another profile's (shared.trig)
                iri = documents.passage_iri(p.name, p.country, doc_iri, start, end)
            mentions = drafter.own(gaz.mentions(doc.text, start, end))
            passage = Passage(
                iri,
                p.iri,
                start,
                end,
                [MentionRecord(m.start, m.end, m.entity.iri, m.text, True) for m in mentions],
            )
            passages.append(passage)
            drafter.sentence(Sentence(doc.text, start, end, iri, mentions, i))
    for passage in passages:
        for record in drafter.mentions.get(passage.iri, []):
            if not any(m.start == record.start for m in passage.mentions):
                passage.mentions.append(record)
        passage.mentions.sort(key=lambda m: m.start)
    if not passages:
        raise InputError(f"{doc.path}: no sentence found to draft")
    for order, proposal in enumerate(drafter.proposals, 1):
        proposal.order = order
        proposal.id = proposal_id(proposal.passage, proposal.key())
        proposal.in_graph = in_graph_already(store, proposal)
    return Draft(
        doc_iri,
        doc.name,
        doc.sha256,
        doc.length,
        [
            ProfileRecord(p.iri, p.name, p.label, p.country, p.start, p.end, p.name)
            for p in profiles
        ],
        passages,
        drafter.proposals,
        recorded,
        doc.label,
        datetime.date.today().isoformat(),
    )


def in_graph_already(store: Store, proposal: Proposal) -> bool:
    """Whether the graph holds every triple that states the proposal's fact (in any passage:
    accepting it again adds this passage as one more that states it)."""
    return all(
        next(store.quads_for_pattern(t.subject, t.predicate, t.object, None), None) is not None
        for t in proposal.core()
    )
