"""Sentences of a source document, as spans of code points.

Passages in ``data/`` are sentences or runs of consecutive sentences, and ``kg draft`` proposes
one passage per sentence, so both need the same answer to "where does each sentence start and
end?". One home for that answer: this module.

Why ``sentencex`` (Wikimedia's segmenter): maintained, no dependencies, no model weights, and it
treats a blank line between a heading and a paragraph as a boundary, which the profiles need (a
heading such as "Internet governance" is not part of the sentence after it). It does not always
end a sentence at a single line break: "…responsibilities.\nAI strategies and policies" came back
as one piece, so a bullet item swallowed the section heading after it and a passage quoted the
heading. :func:`_split_lines` therefore cuts a piece at a line break that follows sentence-final
punctuation or that precedes a heading line (a line without sentence-final punctuation followed
by a blank line or the end of the text): a heading is a unit of its own, as
:func:`is_heading` recognises it. Measured on the seed
document (17,741 code points): sentencex 3 ms, pysbd 90 ms, spaCy's rule-based sentencizer
1.5 s with its import, and spaCy glued 11 headings to the sentence that follows them.

Offsets are code points of the decoded text, end exclusive, as ``kg:startOffset`` and
``kg:endOffset`` use them; spans never include the whitespace around a sentence.
"""

from __future__ import annotations

import re
from typing import NamedTuple

# Punctuation that ends a sentence, with any closing quotes or brackets after it.
_FINAL = re.compile(r"[.!?:;][\"'\u2019\u201d)\]]*$")


class Span(NamedTuple):
    """A sentence: ``text[start:end]``, stripped of surrounding whitespace."""

    start: int
    end: int


def sentences(text: str, language: str = "en") -> list[Span]:
    """The sentences of ``text`` in order, each stripped, none empty.

    The segmenter returns the pieces of the text in order (whitespace between paragraphs comes
    as pieces of its own); each piece is found from where the previous one ended, so a sentence
    that occurs twice in a document gets the span of its own occurrence.
    """
    from sentencex import segment

    spans: list[Span] = []
    cursor = 0
    for piece in segment(language, text):
        stripped = piece.strip()
        if not stripped:
            continue
        start = text.find(stripped, cursor)
        if start < 0:  # the segmenter normalised something; fall back to the raw piece
            start = text.find(piece, cursor)
            if start < 0:
                continue
            stripped = piece
        end = start + len(stripped)
        spans.extend(_split_lines(text, start, end))
        cursor = end
    return spans


def is_heading(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` is a heading line: the whole of its line, without
    sentence-final punctuation, followed by a blank line or the end of the text ("Internet
    governance", "AI strategies and policies"). A list's lead-in ("These include:") and a
    sentence cut by a hard line wrap are not headings: the first ends in a colon, the second is
    followed by more text on the next line."""
    piece = text[start:end]
    if not piece.strip() or "\n" in piece or _FINAL.search(piece.rstrip()):
        return False
    line_start = text.rfind("\n", 0, start) + 1
    if text[line_start:start].strip():
        return False
    after = text[end:]
    line_end = after.find("\n")
    if line_end < 0:
        return not after.strip()
    if after[:line_end].strip():
        return False
    rest = after[line_end + 1 :]
    next_break = rest.find("\n")
    return not rest.strip() or (next_break >= 0 and not rest[:next_break].strip())


def _split_lines(text: str, start: int, end: int) -> list[Span]:
    """Cut the piece ``text[start:end]`` at each line break that follows sentence-final
    punctuation or comes before a heading line; each part stripped, none empty."""
    parts: list[Span] = []
    begin = start
    position = text.find("\n", start, end)
    while position >= 0:
        before = text[begin:position].rstrip()
        line_end = text.find("\n", position + 1)
        line_end = end if line_end < 0 or line_end > end else line_end
        following = text[position + 1 : line_end]
        next_start = position + 1 + (len(following) - len(following.lstrip()))
        next_end = position + 1 + len(following.rstrip())
        if before and (_FINAL.search(before) or is_heading(text, next_start, next_end)):
            parts.append(Span(begin, begin + len(before)))
            begin = next_start
        position = text.find("\n", position + 1, end)
    tail = text[begin:end].strip()
    if tail:
        parts.append(Span(begin, begin + len(tail)))
    return parts


def sentences_in(text: str, start: int, end: int, language: str = "en") -> list[Span]:
    """The sentences of ``text[start:end]`` (a profile), as spans of the whole text."""
    return [Span(start + s, start + e) for s, e in sentences(text[start:end], language)]
