"""Content negotiation: which of the formats a resource offers a client gets.

The client says what it wants with ``Accept`` (RFC 9110 §12.5.1: media ranges with ``q``
weights, ``type/*`` and ``*/*`` wildcards, the most specific range deciding an offer's weight),
or explicitly with a ``format`` parameter (a name such as ``csv`` or ``ttl``, or a media type),
which wins — that is what links and download buttons use. The server lists its offers in order
of preference; ties go to the earlier one. ``None`` means nothing acceptable: a 406.

Names and media types mean what the clients in use mean by them (``kg.formats``: SPARQLWrapper,
Fuseki's short names): for a graph result ``xml`` is RDF/XML and ``json`` is JSON-LD (for
SELECT/ASK they are the SPARQL results formats); ``n3``, ``text/n3`` and ``text/rdf+n3`` are
answered with Turtle (every Turtle document is N3), ``text/plain`` with N-Triples (its media
type before ``application/n-triples`` was registered), ``rdf+xml`` is RDF/XML.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from kg import formats

# What the server offers, in its order of preference (the first wins a tie, e.g. for */*).
RESULT_OFFERS = ("json", "xml", "csv", "tsv")
GRAPH_OFFERS = ("turtle", "jsonld", "ntriples", "rdfxml", "trig", "nquads")


def media_type(name: str) -> str:
    """The Content-Type sent for a format name (``kg.formats``)."""
    return formats.media_type(name)


def extension(name: str) -> str:
    """The file extension (without dot) of a format: download names and ``?format=`` links."""
    return formats.get(name).extensions[0]


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    q: float

    def specificity(self, media: str) -> int | None:
        """How precisely this range matches a media type: 2 exact, 1 ``type/*``, 0 ``*/*``,
        None not at all."""
        kind, _, sub = media.partition("/")
        if self.type == "*":
            return 0
        if self.type != kind:
            return None
        if self.subtype == "*":
            return 1
        return 2 if self.subtype == sub else None


def parse_accept(header: str | None) -> list[MediaRange]:
    """The media ranges of an Accept header; a malformed entry is skipped, a malformed ``q``
    counts as 1, an empty header accepts anything."""
    ranges: list[MediaRange] = []
    for part in (header or "").split(","):
        fields = [f.strip() for f in part.split(";")]
        kind, _, sub = fields[0].lower().partition("/")
        if not kind or not sub:
            continue
        q = 1.0
        for parameter in fields[1:]:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value.strip()), 0.0), 1.0)
                except ValueError:
                    q = 1.0
        ranges.append(MediaRange(kind, sub, q))
    return ranges or [MediaRange("*", "*", 1.0)]


def _weight(ranges: Sequence[MediaRange], name: str, generic: Sequence[str]) -> float:
    best: tuple[int, float] | None = None
    for media in (*formats.get(name).accepts, *generic):
        for r in ranges:
            s = r.specificity(media)
            if s is not None and (best is None or s > best[0]):
                best = (s, r.q)
    return best[1] if best is not None else 0.0


def negotiate(accept: str | None, offers: Sequence[str]) -> str | None:
    """The offered format name the Accept header prefers, or None if it accepts none."""
    if isinstance(offers, tuple) and (accept is None or len(accept) <= _CACHED_ACCEPT):
        return _negotiate_cached(accept, offers)
    return _negotiate(accept, offers)


_CACHED_ACCEPT = 512  # clients send a few Accept values again and again; long ones are odd


@functools.lru_cache(maxsize=512)
def _negotiate_cached(accept: str | None, offers: tuple[str, ...]) -> str | None:
    """:func:`negotiate`, remembered: it reads every range against every offer (~0.2 ms, as
    much as answering a trivial ASK), and a pure function of its arguments."""
    return _negotiate(accept, offers)


def _negotiate(accept: str | None, offers: Sequence[str]) -> str | None:
    ranges = parse_accept(accept)
    graph = any(o in GRAPH_OFFERS for o in offers) and not any(o in RESULT_OFFERS for o in offers)
    best: tuple[float, int] | None = None
    chosen = None
    for index, name in enumerate(offers):
        generic = [g for g, names in formats.GENERIC.items() if names[1 if graph else 0] == name]
        q = _weight(ranges, name, generic)
        if q > 0 and (best is None or (q, -index) > best):
            best, chosen = (q, -index), name
    return chosen


def from_parameter(value: str, offers: Sequence[str]) -> str | None:
    """The format a ``format`` parameter names among the offers (a name, an extension or a
    media type), or None when it names none of them."""
    wanted = value.strip().lower()
    graph = any(o in GRAPH_OFFERS for o in offers) and not any(o in RESULT_OFFERS for o in offers)
    named = formats.PARAMETER_NAMES.get(wanted)
    if named is not None:
        wanted = named[1 if graph else 0] or wanted
    else:
        wanted = formats.by_extension(wanted) or wanted
    if wanted in offers:
        return wanted
    if "/" in wanted:
        return negotiate(wanted, offers)
    return None


def choose(format_param: str | None, accept: str | None, offers: Sequence[str]) -> str | None:
    """``format`` when given (it must name an offer), else what Accept prefers."""
    if format_param:
        return from_parameter(format_param, offers)
    return negotiate(accept, offers)
