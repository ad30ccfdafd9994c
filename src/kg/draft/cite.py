"""``kg cite``: where a quote lies in a document, in code points, as ``data/`` cites it.

A person copying a sentence out of a PDF or a web page gets curly quotes turned straight (or
the reverse), an en dash where the document has a hyphen, a line break where it had a space.
So quote and document are compared after folding those differences away (typographic single
and double quotes, the dash family and the minus sign, non-breaking and other spaces, runs of
whitespace including line breaks), and the span reported is the span of the document's own
text. Case is not folded: a quote is a quotation.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from kg.draft.document import Document, Profile, passage_iri, profile_at
from kg.errors import InputError
from kg.namespaces import curie
from kg.text import sentences

_QUOTES = dict.fromkeys(map(ord, "\u2018\u2019\u201a\u201b\u2032\u0060\u00b4"), "'")
_QUOTES.update(dict.fromkeys(map(ord, "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb"), '"'))
_QUOTES.update(dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"), "-"))
_SPACE = re.compile(r"\s")


def fold(text: str) -> tuple[str, list[int]]:
    """The folded text and, for each of its characters, the offset of the character of
    ``text`` it stands for (a run of whitespace stands for its first character)."""
    out: list[str] = []
    where: list[int] = []
    in_space = False
    for i, ch in enumerate(text):
        if _SPACE.match(ch) or ch in "\u00a0\u2007\u202f\u200b":
            if not in_space:
                out.append(" ")
                where.append(i)
            in_space = True
            continue
        in_space = False
        out.append(ch.translate(_QUOTES))
        where.append(i)
    return "".join(out), where


@dataclass(frozen=True)
class Match:
    """One occurrence of a quote: the span of the document's text, and its profile."""

    start: int
    end: int
    profile: Profile | None


class QuoteNotFound(InputError):
    """The quote is not in the document (the message names the closest passage)."""


class QuoteAcrossProfiles(InputError):
    """The quote runs from one profile into another (or outside every profile)."""


def _closest(document: Document, folded_quote: str) -> tuple[int, int, float]:
    """The sentence that holds the largest share of the quote's words (weighted by length, so
    "Helsinki" counts for more than "the"); among equals, the shortest."""
    words = re.findall(r"\w+", folded_quote.lower())
    total = sum(len(w) for w in words) or 1
    best = (0, 0, -1.0)
    for start, end in sentences(document.text):
        present = set(re.findall(r"\w+", fold(document.text[start:end])[0].lower()))
        share = sum(len(w) for w in words if w in present) / total
        if share > best[2] or (share == best[2] and end - start < best[1] - best[0]):
            best = (start, end, share)
    return best


def cite(document: Document, quote: str, profiles: Sequence[Profile]) -> list[Match]:
    """Every occurrence of ``quote`` in the document, in order.

    Raises:
        InputError: the quote is empty.
        QuoteNotFound: no occurrence; names the closest passage (span, similarity, its start).
        QuoteAcrossProfiles: an occurrence crosses a profile boundary (when the document has
            profiles).
    """
    folded_quote = fold(quote.strip())[0].strip()
    if not folded_quote:
        raise InputError("the quote is empty")
    folded, where = fold(document.text)
    found: list[Match] = []
    at = folded.find(folded_quote)
    while at >= 0:
        start = where[at]
        end = where[at + len(folded_quote) - 1] + 1
        profile = profile_at(profiles, start, end)
        if profiles and profile is None:
            names = [p.name for p in profiles if p.start < end and start < p.end]
            raise QuoteAcrossProfiles(
                f"{document.path}: the quote {_short(quote)!r} spans {start}-{end}, across the "
                f"boundary of profile(s) {', '.join(names) or '(none)'}; a passage lies inside "
                "one profile: cite the part in each profile separately"
            )
        found.append(Match(start, end, profile))
        at = folded.find(folded_quote, at + 1)
    if not found:
        start, end, ratio = _closest(document, folded_quote)
        raise QuoteNotFound(
            f"{document.path}: quote not found: {_short(quote)!r}; the closest passage is "
            f"{start}-{end} ({ratio:.0%} of the quote's words in it), which begins "
            f"{_short(document.text[start:end])!r}"
        )
    return found


def _short(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def skeleton(document_iri: str, match: Match) -> str:
    """A passage graph for a match, to fill with the facts the passage states."""
    profile = match.profile
    name = curie(
        passage_iri(
            profile.name if profile else "passage",
            profile.country if profile else None,
            document_iri,
            match.start,
            match.end,
        )
    )
    lines = [
        f"{name} {{",
        f"    {name} a kg:Passage ;",
        f"        kg:inDocument {curie(document_iri)} ;",
    ]
    if match.profile:
        lines.append(f"        kg:inProfile {curie(match.profile.iri)} ;")
    lines += [
        f"        kg:startOffset {match.start} ;",
        f"        kg:endOffset {match.end} .",
        "",
        "}",
        "",
    ]
    return "\n".join(lines)
