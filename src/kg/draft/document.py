"""A source document as the drafter reads it: bytes checked, text decoded, profiles found.

Offsets everywhere in ``kg`` are code points of the decoded text (``kg:startOffset``), so the
document is decoded once, strictly: a file that is not UTF-8 is refused with the byte offset,
line and column of the first bad byte, never decoded with replacement characters (that would
shift every offset after it). An empty document (or one of whitespace only) has nothing to cite.

Profiles: when the document is already recorded in ``data/sources.trig`` under the same hash,
its recorded profile spans are used. A document recorded under another hash has changed since
it was encoded; drafting it would cite spans of text that moved, so it is refused with the list
of recorded passages whose text moved and by how much (found again by their text). A new
document is cut into profiles at runs of two or more blank lines (the layout of the source:
profiles are separated by blank lines, headings inside a profile by one), each named by the
first country it mentions and the document's token (:attr:`Document.token`):
``src:profile-poland-1a2b3c4d``, so that a second document about a country never collides
with the first. Its facts go to ``data/<country>.trig`` all the same.

A document over :data:`MAX_BYTES` is refused before it is read.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import BlankNode, Literal, NamedNode, Store, Triple

from kg.draft.terms import term_value
from kg.errors import InputError
from kg.namespaces import ID, KG, PASSAGE, RDFS_LABEL, SOURCE


@dataclass(frozen=True)
class Document:
    """A decoded source document: the text offsets are counted in."""

    path: Path
    text: str
    sha256: str

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def length(self) -> int:
        return len(self.text)

    @property
    def iri(self) -> str:
        """The document's IRI, as ``sources.trig`` mints it: the first 16 hex digits of the
        file name's hash part when the name has one, else of the content hash."""
        match = re.search(r"_([0-9a-f]{16})\b", self.path.stem)
        return SOURCE + "doc-" + (match.group(1) if match else self.sha256[:16])

    @property
    def token(self) -> str:
        """Eight hex digits of the document's IRI: what makes the names of its profiles and
        passages its own, so two documents about one country never mint the same IRI."""
        return document_token(self.iri)

    @property
    def label(self) -> str:
        """A name for the record: the document's first line when it reads as a title (short,
        no sentence end), else its file name."""
        first = self.text.strip().split("\n", 1)[0].strip()
        if first and len(first) <= TITLE_MAX and not first.endswith((".", ":", ";")):
            return first
        return self.name


TITLE_MAX = 120
# Bigger documents are refused: drafting keeps every sentence, mention and proposal in memory
# and the review page shows them all; a profile is a few kilobytes (the seed of eight is 18 kB).
MAX_BYTES = 1_000_000


def document_token(document_iri: str) -> str:
    """Eight hex digits naming a document inside profile and passage IRIs."""
    return document_iri.rsplit("-", 1)[-1][:8]


@dataclass(frozen=True)
class Profile:
    """A country profile: a span of the document about one country."""

    iri: str
    name: str  # slug, e.g. "poland": the data file is data/<name>.trig
    label: str
    country: str | None  # IRI of the country it profiles
    start: int
    end: int


class DocumentChanged(InputError):
    """The document is recorded in the graph under another hash."""


def read_document(path: Path | str, max_bytes: int | None = MAX_BYTES) -> Document:
    """Read and decode a document.

    Raises:
        InputError: missing or unreadable, larger than ``max_bytes`` (checked before reading),
            not UTF-8 (with byte offset, line and column), empty.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if max_bytes is not None and size > max_bytes and path.is_file():
            raise InputError(
                f"{path}: {size} bytes is more than the {max_bytes} bytes a document may have "
                "(drafting holds every sentence and proposal in memory, and a person reviews "
                "them all); split it into smaller documents, e.g. one per profile"
            )
        raw = path.read_bytes()
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not a document") from None
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error.strerror or error}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        before = raw[: error.start]
        line = before.count(b"\n") + 1
        column = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", "replace")) + 1
        raise InputError(
            f"{path}:{line}:{column}: not UTF-8 text (byte {error.start}: "
            f"0x{raw[error.start]:02x}); offsets are counted in code points of UTF-8 text, so "
            "convert it first (e.g. iconv -t UTF-8)"
        ) from None
    if text.startswith("\ufeff"):
        raise InputError(
            f"{path}: starts with a byte-order mark, which would shift every offset by one; "
            "remove it first"
        )
    if not text.strip():
        raise InputError(f"{path}: the document is empty; there is nothing to draft or cite")
    return Document(path, text, hashlib.sha256(raw).hexdigest())


# --------------------------------------------------------------------------- recorded profiles


def _value(store: Store, subject: NamedNode | BlankNode | Triple, predicate: str) -> str | None:
    for quad in store.quads_for_pattern(subject, NamedNode(predicate), None, None):
        return term_value(quad.object)
    return None


def recorded_document(store: Store, document: Document) -> NamedNode | None:
    """The graph's record of this document (matched by file name), or None.

    Only an IRI can be the record: the draft names the document by it, and a blank node's
    label means nothing outside the file it was read from.
    """
    for quad in store.quads_for_pattern(
        None, NamedNode(KG + "fileName"), Literal(document.name), None
    ):
        if isinstance(quad.subject, NamedNode):
            return quad.subject
    return None


def recorded_profiles(store: Store, doc: NamedNode) -> list[Profile]:
    """The profiles the graph records for a document, in document order."""
    found = []
    for quad in store.quads_for_pattern(None, NamedNode(KG + "inDocument"), doc, None):
        node = quad.subject
        if not any(store.quads_for_pattern(node, NamedNode(KG + "profileOf"), None, None)):
            continue
        start = int(_value(store, node, KG + "startOffset") or 0)
        end = int(_value(store, node, KG + "endOffset") or 0)
        iri = term_value(node)
        label = _value(store, node, RDFS_LABEL) or iri
        # the data file is named after the profile without the document's token
        name = iri.rsplit("/", 1)[-1].removeprefix("profile-")
        name = name.removesuffix("-" + document_token(doc.value))
        found.append(Profile(iri, name, label, _value(store, node, KG + "profileOf"), start, end))
    unique = {p.iri: p for p in found}
    return sorted(unique.values(), key=lambda p: p.start)


@dataclass(frozen=True)
class Move:
    """A recorded passage whose text is found elsewhere (or nowhere) in a changed document."""

    passage: str
    start: int
    end: int
    new_start: int | None  # None: the text is gone

    @property
    def shift(self) -> int | None:
        return None if self.new_start is None else self.new_start - self.start


def passage_moves(store: Store, doc: NamedNode, old_text: str | None, new_text: str) -> list[Move]:
    """Where each recorded passage of ``doc`` went in ``new_text``.

    Without the old text (the recorded version is not on this machine) there is nothing to
    compare with, and the list is empty (the caller says why).
    """
    if old_text is None:
        return []
    moves = []
    seen = set()
    for quad in store.quads_for_pattern(None, NamedNode(KG + "inDocument"), doc, None):
        node = quad.subject
        iri = term_value(node)
        if iri in seen or not iri.startswith(PASSAGE):
            continue
        seen.add(iri)
        start = int(_value(store, node, KG + "startOffset") or 0)
        end = int(_value(store, node, KG + "endOffset") or 0)
        piece = old_text[start:end]
        if new_text[start:end] == piece:
            continue
        found = new_text.find(piece) if piece else -1
        moves.append(Move(iri, start, end, found if found >= 0 else None))
    return sorted(moves, key=lambda m: (m.start, m.passage))


def check_recorded(
    store: Store, document: Document, old_text: Callable[[str], str | None]
) -> NamedNode | None:
    """The recorded document node when the document is recorded with this hash; None when it
    is not recorded.

    Raises:
        DocumentChanged: recorded under another hash; the message lists the passages that
            moved (found by their text in ``old_text(file name)``, the recorded version, when
            this machine has it) and by how much.
    """
    doc = recorded_document(store, document)
    if doc is None:
        return None
    recorded = _value(store, doc, KG + "sha256")
    if recorded is None or recorded.lower() == document.sha256:
        return doc
    lines = [
        f"{document.path}: this document is recorded in the graph as {doc.value} with SHA-256 "
        f"{recorded}, but this copy has {document.sha256} "
        f"({_value(store, doc, KG + 'characterCount')} code points recorded, "
        f"{document.length} now): it changed since it was encoded, so recorded spans no longer "
        "point at the text they cite; nothing was written"
    ]
    previous = old_text(document.name)
    if previous is None or hashlib.sha256(previous.encode("utf-8")).hexdigest() != recorded:
        lines.append(
            "  (the recorded version is not on this machine, so moved passages cannot be listed)"
        )
    else:
        moves = passage_moves(store, doc, previous, document.text)
        if not moves:
            lines.append("  no recorded passage moved")
        for move in moves:
            short = move.passage.rsplit("/", 1)[-1]
            if move.new_start is None:
                lines.append(f"  {short} {move.start}-{move.end}: its text is gone")
            else:
                lines.append(
                    f"  {short} {move.start}-{move.end}: moved by {move.shift:+d} to "
                    f"{move.new_start}-{move.new_start + move.end - move.start}"
                )
    raise DocumentChanged("\n".join(lines))


# --------------------------------------------------------------------------- new documents

_PROFILE_BREAK = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")


def cut_profiles(
    text: str, country_of: Callable[[int, int], tuple[str, str] | None]
) -> list[tuple[int, int, str | None, str]]:
    """Profiles of a new document: spans separated by two or more blank lines, stripped;
    each with the country ``country_of(start, end)`` finds first (IRI, label), or None.
    Consecutive blocks about the same country (or a block naming none) join the profile
    before them, so a long profile whose sections are set apart by extra blank lines stays one.
    """
    blocks = []
    cursor = 0
    for match in [*_PROFILE_BREAK.finditer(text), None]:
        end = match.start() if match else len(text)
        piece = text[cursor:end]
        stripped = piece.strip()
        if stripped:
            start = cursor + piece.index(stripped)
            blocks.append((start, start + len(stripped)))
        if match:
            cursor = match.end()
    profiles: list[list] = []
    for start, end in blocks:
        found = country_of(start, end)
        if profiles and (found is None or found[0] == profiles[-1][2]):
            profiles[-1][1] = end
            continue
        profiles.append([start, end, found[0] if found else None, found[1] if found else ""])
    return [tuple(p) for p in profiles]


def slug(text: str) -> str:
    """A readable slug: lower case ASCII words joined by hyphens (``Klaipėda`` → ``klaipeda``)."""
    import unicodedata

    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    folded = folded.replace("'", "").replace("’", "")
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")


def profiles_for(
    store: Store,
    document: Document,
    country_of: Callable[[int, int], tuple[str, str] | None],
    old_text: Callable[[str], str | None],
    only: str | None = None,
) -> list[Profile]:
    """The profiles to draft: the recorded ones, or those cut from a new document; ``only``
    (a profile name, label or country label, case-insensitive) keeps one.

    Raises:
        DocumentChanged: see :func:`check_recorded`.
        InputError: ``only`` names no profile of the document.
    """
    doc = check_recorded(store, document, old_text)
    if doc is not None:
        profiles = recorded_profiles(store, doc)
    else:
        profiles = []
        for start, end, country, label in cut_profiles(document.text, country_of):
            name = slug(label) if label else f"profile-{start}"
            profiles.append(
                Profile(
                    f"{SOURCE}profile-{name}-{document.token}",
                    name,
                    f"{label} profile" if label else name,
                    country,
                    start,
                    end,
                )
            )
    if only is None:
        return profiles
    wanted = only.strip().casefold()
    chosen = [
        p
        for p in profiles
        if wanted
        in (p.name.casefold(), p.label.casefold(), p.label.casefold().removesuffix(" profile"))
    ]
    if not chosen:
        names = ", ".join(p.name for p in profiles) or "none"
        raise InputError(f"{document.path}: no profile named {only!r} (profiles: {names})")
    return chosen


def passage_iri(
    profile_name: str, country: str | None, document_iri: str, start: int, end: int
) -> str:
    """The IRI a new passage gets: ``psg:<cc>-<token>-<start>-<end>`` (the profile's country
    code, else its name; the document's token, so that two documents never mint one IRI)."""
    prefix = country.removeprefix(ID).lower() if country and country.startswith(ID) else None
    return f"{PASSAGE}{prefix or profile_name}-{document_token(document_iri)}-{start}-{end}"


def profile_at(profiles: Sequence[Profile], start: int, end: int) -> Profile | None:
    """The profile that holds the span, if one does."""
    for profile in profiles:
        if profile.start <= start and end <= profile.end:
            return profile
    return None
