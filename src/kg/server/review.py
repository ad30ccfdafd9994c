"""The review page of ``kg serve --review DIR``: drafts made by ``kg draft``, one page each.

Off unless the server is started with ``--review DIR`` (and then the server binds to loopback
only: the page writes into ``data/``). ``GET /review`` lists the drafts in the folder;
``GET /review/<file>`` shows each passage of a draft with its entity mentions highlighted
(known entities and proposed ones told apart) and its proposed triples beside it, each with
accept / reject / leave (and withdraw, once accepted) and an editable Turtle box, marked when
the graph already holds it and showing the violations accepting it would cause (the shapes
are run on the undecided proposals in the context of the data each time the page is shown:
:func:`kg.draft.review.flag`). ``POST /review/<file>`` records the decisions in the draft
file, remembers the rejections, makes ``data/<profile>.trig`` hold the accepted facts through
:func:`kg.draft.review.review` (validated first, atomic) and shows the facts added, removed
and changed as a diff — or, when nothing could be written, the validation report with each
violation beside the proposal it is about, and every choice and edit as the reviewer left
it. After a write the server serves the new data (``on_written``), no restart needed.

A POST must come from this page: a form body, and an ``Origin`` (when the browser sends one)
naming this server, so another site cannot make a visitor's browser accept facts.
"""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kg import resources
from kg.draft import diff as diffs
from kg.draft import model, review
from kg.draft.document import read_document
from kg.errors import KgError
from kg.namespaces import curie
from kg.server import pages
from kg.server.messages import Request, parse_params
from kg.server.problems import refuse
from kg.validation.report import render_text

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*\.trig")
PREFIX = "/review"


@dataclass(frozen=True)
class Segment:
    text: str
    entity: str | None = None
    label: str | None = None
    known: bool = True


def segments(text: str, passage: model.Passage) -> list[Segment]:
    """The passage's text cut at its mentions (escaped by the template, never here)."""
    out: list[Segment] = []
    cursor = passage.start
    for m in passage.mentions:
        if m.start < cursor or m.end > passage.end:
            continue
        if m.start > cursor:
            out.append(Segment(text[cursor : m.start]))
        out.append(Segment(text[m.start : m.end], curie(m.entity), m.label, m.known))
        cursor = m.end
    if cursor < passage.end:
        out.append(Segment(text[cursor : passage.end]))
    return out


def turtle(proposal: model.Proposal) -> str:
    """A proposal's triples as short Turtle lines (prefixed names), one triple a line."""
    lines = []
    for t in proposal.triples:
        parts = []
        for term in (t.subject, t.predicate, t.object):
            text = str(term)
            short = curie(text[1:-1]) if text.startswith("<") else text
            parts.append(short if short != text[1:-1] else text)
        lines.append(" ".join(parts) + " .")
    return "\n".join(lines)


class ReviewPages:
    """Answers ``/review`` and ``/review/<draft>``."""

    def __init__(
        self,
        folder: Path | str,
        data: Path | None = None,
        on_written: Callable[[], None] | None = None,
    ) -> None:
        self.folder = Path(folder)
        self.data = data
        self.on_written = on_written
        self._lock = threading.Lock()  # one decision at a time: each rewrites data files

    def handles(self, path: str) -> bool:
        return path == PREFIX or path.startswith(PREFIX + "/")

    def answer(self, request: Request, context: pages.Context) -> str:
        """The page (HTML) answering the request; refusals are raised as ``Refusal``."""
        path = request.path.rstrip("/")
        if path == PREFIX:
            if request.method not in ("GET", "HEAD"):
                raise refuse(
                    405,
                    "method not allowed",
                    "the list of drafts is read-only",
                    headers=[("Allow", "GET, HEAD")],
                )
            return self._html(self._render("review-list.html", context, drafts=self._drafts()))
        name = path[len(PREFIX) + 1 :]
        if not _NAME.fullmatch(name) or not (self.folder / name).is_file():
            raise refuse(404, "not found", f"no draft named {name!r} in the review folder")
        if request.method == "POST":
            return self._decide(request, context, name)
        if request.method not in ("GET", "HEAD"):
            raise refuse(
                405,
                "method not allowed",
                "use GET to see a draft, POST to decide",
                headers=[("Allow", "GET, HEAD, POST")],
            )
        return self._show(context, name)

    # ------------------------------------------------------------------ pages

    def _drafts(self) -> list[tuple[str, int, int]]:
        found = []
        for path in sorted(self.folder.glob("*.trig")):
            try:
                d = model.read(path)
            except KgError:
                continue
            pending = sum(1 for p in d.proposals if p.status == "proposed")
            found.append((path.name, len(d.proposals), pending))
        return found

    def _text(self, draft: model.Draft) -> str | None:
        for folder in (self.folder, resources.documents_dir()):
            if folder is None:
                continue
            try:
                doc = read_document(folder / draft.file_name)
            except KgError:
                continue
            if doc.sha256 == draft.sha256:
                return doc.text
        return None

    def _show(
        self,
        context: pages.Context,
        name: str,
        choices: dict[str, str] | None = None,
        texts: dict[str, str] | None = None,
        blamed: dict[str, list[str]] | None = None,
        **extra,
    ) -> str:
        try:
            draft = model.read(self.folder / name)
        except KgError as error:
            raise refuse(400, "not a draft", str(error)) from None
        try:
            review.flag(draft, self.data)
        except KgError as error:  # e.g. a data file that does not parse: say so, show the rest
            extra.setdefault("problem", f"The proposals could not be checked: {error}")
        for p in draft.proposals:  # what a failed decision ran into, beside its proposal
            p.violations += [m for m in (blamed or {}).get(p.id, []) if m not in p.violations]
        text = self._text(draft)
        by_passage: dict[str, list[model.Proposal]] = {}
        for p in draft.proposals:
            by_passage.setdefault(p.passage, []).append(p)
        rows = [
            (
                passage,
                segments(text, passage) if text is not None else None,
                [
                    (p, (texts or {}).get(p.id, turtle(p)), (choices or {}).get(p.id, _choice(p)))
                    for p in by_passage.get(passage.iri, [])
                ],
            )
            for passage in draft.passages
            if passage.iri in by_passage or passage.mentions
        ]
        return self._html(
            self._render(
                "review.html",
                context,
                name=name,
                draft=draft,
                rows=rows,
                has_text=text is not None,
                **extra,
            )
        )

    def _decide(self, request: Request, context: pages.Context, name: str) -> str:
        origin = request.header("origin")
        host = request.header("host")
        if origin and (not host or origin.rstrip("/") not in (f"http://{host}", f"https://{host}")):
            raise refuse(403, "forbidden", "decisions are taken on this server's own review page")
        kind = (request.header("content-type") or "").split(";")[0].strip().lower()
        if kind != "application/x-www-form-urlencoded":
            raise refuse(415, "unsupported media type", "send the review form")
        try:
            form = parse_params(request.body.decode("utf-8"), "the form")
        except UnicodeDecodeError:
            raise refuse(400, "bad request", "the form is not UTF-8") from None
        path = self.folder / name
        draft = model.read(path)
        originals = {p.id: turtle(p) for p in draft.proposals}
        choices: dict[str, str] = {}
        texts: dict[str, str] = {}
        for key, value in form:
            if key.startswith("decision-") and key[len("decision-") :] in originals:
                choices[key[len("decision-") :]] = value
            elif key.startswith("edit-") and key[len("edit-") :] in originals:
                texts[key[len("edit-") :]] = value.replace("\r\n", "\n")
        status = {p.id: p.status for p in draft.proposals}
        accept, reject, withdraw, edit = [], [], [], {}
        for pid, value in choices.items():
            text = texts.get(pid, "")
            if value == "accept":
                if text.strip() and text.strip() != originals[pid].strip():
                    edit[pid] = text
                elif status[pid] not in review.ACCEPTED:
                    accept.append(pid)
            elif value == "reject" and status[pid] != "rejected":
                reject.append(pid)
            elif value == "withdraw" and status[pid] in review.ACCEPTED:
                withdraw.append(pid)
        with self._lock:
            try:
                outcome = review.review(
                    path, accept=accept, reject=reject, edit=edit, withdraw=withdraw, data=self.data
                )
            except KgError as error:
                return self._show(context, name, choices, texts, problem=str(error))
            result = outcome.applied
            if result.report is not None and not result.written:
                return self._show(
                    context,
                    name,
                    choices,
                    texts,
                    outcome.blamed,
                    problem="The accepted facts do not conform; nothing was written to data/. "
                    "Each violation is shown beside its proposal; your choices are kept.",
                    report=render_text(result.report),
                )
            if result.written and self.on_written is not None:
                try:
                    self.on_written()
                except KgError as error:  # the facts are written; the old data is still served
                    print(f"kg serve: could not load the new data: {error}", file=sys.stderr)
        return self._show(
            context,
            name,
            written=[str(f) for f in result.files],
            diff=diffs.render_text(result.diff) if result.written else "",
        )

    # ------------------------------------------------------------------ rendering

    @staticmethod
    def _render(template: str, context: pages.Context, **values) -> str:
        return (
            pages.environment().get_template(template).render(ctx=context, nav="review", **values)
        )

    @staticmethod
    def _html(html: str) -> str:
        return html


def _choice(proposal: model.Proposal) -> str:
    """The radio button a proposal's status selects."""
    if proposal.status in review.ACCEPTED:
        return "accept"
    if proposal.status == "rejected":
        return "reject"
    if proposal.status == "withdrawn":
        return "withdraw"
    return "keep"
