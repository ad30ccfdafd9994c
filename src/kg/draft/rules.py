"""Proposed facts: rules over the sentences of a profile and the entities they mention.

Each rule reads one sentence (with the mentions the gazetteer found in it and the profile's
country as the default subject) and proposes the triples of one statement kind the ontology
models. Rules are written for the way encyclopaedic country profiles phrase these statements
("borders X to the north", "its capital and largest city is X", "a population density of N
inhabitants per square kilometre", "is a member of X", "adopted the X Strategy 2019-2023 in
2020", "managed by X", "aims to X and to Y"), never for one document's sentences: the drafter
is meant for profiles it has not seen, and ``bench/draft.py`` measures it leave-one-out.

A rule that cannot tell what the sentence says proposes nothing: a person reviews every
proposal, and a wrong proposal costs more of their time than a missing one.

Names the gazetteer does not know are read from the text (a run of capitalised words, with
"of", "for", "and" … inside it, and a few lower-case head nouns such as "process" at its end)
and proposed as new entities with a readable slug and the text as label.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from pyoxigraph import Literal, NamedNode, Triple

from kg.draft import numbers
from kg.draft.document import slug
from kg.draft.gazetteer import Entity, Gazetteer, Mention, Token, tokens
from kg.draft.model import MentionRecord, Proposal
from kg.draft.terms import term_value
from kg.namespaces import ID, KG, PREFIXES, RDF_TYPE, RDFS_LABEL, VOC

XSD = PREFIXES["xsd"]
BULLETS = ("•", "-", "*", "–", "▪", "◦", "‣")
SKOS = PREFIXES["skos"]

DIRECTIONS = {
    "north": "north", "south": "south", "east": "east", "west": "west",
    "northeast": "northeast", "northwest": "northwest", "southeast": "southeast",
    "southwest": "southwest", "north-east": "northeast", "north-west": "northwest",
    "south-east": "southeast", "south-west": "southwest",
}  # fmt: skip
_DIR = r"(?:north|south|east|west)(?:-?(?:east|west))?"
_DIRS = rf"{_DIR}(?:(?:\s*,\s*|\s+and\s+|\s*/\s*){_DIR})*"
ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10,
}  # fmt: skip
NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}
MONTHS = {
    m: i + 1
    for i, m in enumerate(
        [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ]
    )
}
WEEKDAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
SCALE = {"thousand": 10**3, "million": 10**6, "billion": 10**9}
CONNECTORS = {"of", "for", "the", "and", "on", "in", "de", "du", "la", "&", "to"}
FORUM_TYPES = (
    "Forum",
    "Process",
    "InternationalOrganisation",
    "NationalIGF",
    "Initiative",
    "Platform",
    "Society",
)
ORG_TYPES = (
    "Ministry",
    "GovernmentAgency",
    "GovernmentBody",
    "Regulator",
    "ResearchInstitute",
    "InternationalOrganisation",
    "Company",
)
WATER_TYPES = ("Sea", "Ocean", "Gulf", "Strait", "WaterBody", "River")
STRATEGY_TYPES = ("Strategy", "Programme", "StrategyDocument")
STRATEGY_HEADS = {
    "Strategy": "Strategy",
    "Programme": "Programme",
    "Program": "Programme",
    "Plan": "Strategy",
    "Framework": "Strategy",
}
STRATEGY_TOPICS = [  # (words in the name, strategy type): the vocabulary's strategy types
    (("artificial intelligence", " ai "), "strategy-type-ai"),
    (
        ("cybersecurity", "cyber security", "information security", "cyber"),
        "strategy-type-cybersecurity",
    ),
    (("skills", "competence", "literacy"), "strategy-type-digital-skills"),
    (("broadband", "5g", "connectivity", "gigabit"), "strategy-type-broadband"),
    (
        ("e-government", "computerisation", "computerization", "egovernment"),
        "strategy-type-e-government",
    ),
    (  # last: a name that says "digital" and names none of the fields above
        ("digital transformation", "digitalisation", "digitalization", "digitisation", "digital "),
        "strategy-type-digital-transformation",
    ),
]
# Verbs that start an item of a list of aims ("to improve A, protect B and develop C").
AIM_VERBS = set(
    """
    improve protect position use transform foster bolster develop strengthen create support
    enhance promote ensure provide reduce increase raise equip prepare modernise modernize
    streamline make build attract train establish expand boost accelerate advance achieve
    contribute encourage facilitate guarantee help implement integrate invest lead maintain
    maximise maximize offer reach reform secure stimulate deliver digitalise digitize digitise
    become bridge close connect cut drive empower grow harness improving protecting developing
    strengthening creating supporting enhancing promoting ensuring providing reducing raising
    increasing fostering bolstering refining transforming equipping preparing modernising
    building attracting establishing expanding boosting achieving
    """.split()  # noqa: SIM905 - a word list reads better as words
)


def lit(value: str, datatype: str | None = None, language: str | None = None) -> Literal:
    if datatype:
        return Literal(value, datatype=NamedNode(XSD + datatype))
    return Literal(value, language=language) if language else Literal(value)


def N(value: str) -> NamedNode:
    return NamedNode(value)


TYPE = N(RDF_TYPE)
LABEL = N(RDFS_LABEL)


def kg(local: str) -> NamedNode:
    return N(KG + local)


def voc(local: str) -> NamedNode:
    return N(VOC + local)


@dataclass
class Sentence:
    text: str  # the whole document
    start: int
    end: int
    passage: str
    mentions: list[Mention]
    index: int  # position in the profile

    @property
    def body(self) -> str:
        return self.text[self.start : self.end]

    def at(self, offset: int) -> int:
        """Document offset of an offset into ``body``."""
        return self.start + offset

    def in_range(self, start: int, end: int) -> list[Mention]:
        return [m for m in self.mentions if start <= m.start and m.end <= end]

    def after(self, offset: int) -> Mention | None:
        """The mention that starts at (or right after) a document offset, skipping an article."""
        rest = self.text[offset : self.end]
        skip = len(rest) - len(re.sub(r"^\s*(?:the\s+|a\s+|an\s+)?", "", rest, flags=re.I))
        for m in self.mentions:
            if m.start == offset + skip:
                return m
        return None

    @property
    def bullet(self) -> bool:
        """Whether the sentence is a list item (its marker precedes it on its line)."""
        line = self.text[self.text.rfind("\n", 0, self.start) + 1 : self.start]
        return self.body.lstrip().startswith(BULLETS) or line.strip().startswith(BULLETS)


@dataclass
class Ref:
    """An entity a proposal refers to: known (in the graph), known only from the external
    table (its type and label travel with the proposal) or proposed (new)."""

    iri: str
    label: str
    support: list[Triple] = field(default_factory=list)
    known: bool = True


class Drafter:
    """Proposes facts for the sentences of one document, profile by profile."""

    def __init__(
        self, gazetteer: Gazetteer, in_graph: set[str], rejected: set[tuple[str, ...]] | None = None
    ) -> None:
        self.gaz = gazetteer
        self.in_graph = in_graph
        self.rejected = rejected or set()
        self.proposals: list[Proposal] = []
        self.mentions: dict[str, list[MentionRecord]] = {}
        self._keys: set[tuple[str, ...]] = set()
        self._new: dict[str, str] = {}  # proposed IRI -> label
        self._classes: dict[str, str] = {}  # proposed IRI -> class
        self.country: Entity | None = None
        self.last_strategy: Ref | None = None
        self.list_intro: tuple[str, Ref | None] | None = None  # (kind, owner) of a bullet list
        self.previous = ""  # the sentence before, for lists introduced over two sentences
        # the government bodies proposals of the sentence before were about ("Its roadmap")
        self.bodies_before: list[Ref] = []
        self._bodies_now: list[Ref] = []

    # ------------------------------------------------------------------ entities

    def ref(self, entity: Entity, text: str | None = None) -> Ref:
        if entity.iri in self.in_graph:
            return Ref(entity.iri, entity.label)
        types = sorted(entity.types) or [KG + "Place"]
        support = [
            Triple(N(entity.iri), TYPE, N(types[0])),
            Triple(N(entity.iri), LABEL, lit(entity.label, language="en")),
        ]
        return Ref(entity.iri, entity.label, support, known=True)

    def new(self, label: str, cls: str, prefix: str = "") -> Ref:
        """A proposed entity for a name the gazetteer does not know."""
        label = " ".join(label.split()).strip(" ,.;:‘’'\"“”")
        base = ID + (prefix + "-" if prefix else "") + (slug(label) or "entity")
        if self.country and base in self.gaz.entities and self.foreign(self.gaz.entities[base]):
            # another country's entity of the same name: this country's is another one
            base = ID + self.country.iri.removeprefix(ID).lower() + "-" + base.removeprefix(ID)
        iri = base
        n = 2
        while (
            iri in self.gaz.entities and self.gaz.entities[iri].label.casefold() != label.casefold()
        ) or (iri in self._new and self._new[iri].casefold() != label.casefold()):
            iri = f"{base}-{n}"
            n += 1
        self._new[iri] = label
        self._classes[iri] = cls
        support = [Triple(N(iri), TYPE, kg(cls)), Triple(N(iri), LABEL, lit(label, language="en"))]
        return Ref(iri, label, support, known=False)

    def minted(self, label: str) -> Ref | None:
        """The entity a rule proposed for this name, if any (to give it an alias)."""
        folded = " ".join(label.split()).casefold()
        for iri, name in self._new.items():
            if name.casefold() == folded:
                support = [
                    Triple(N(iri), TYPE, kg(self._classes[iri])),
                    Triple(N(iri), LABEL, lit(name, language="en")),
                ]
                return Ref(iri, name, support, known=False)
        return None

    def foreign(self, entity: Entity) -> bool:
        """Whether a known entity belongs to countries other than the profile's."""
        return (
            bool(entity.owners)
            and self.country is not None
            and (self.country.iri not in entity.owners)
        )

    def own(self, mentions: list[Mention]) -> list[Mention]:
        """The mentions with another country's bodies and strategies left out: in this
        profile, "the National Cyber Security Centre" is this country's, a name the text
        gives as new."""
        out = []
        for m in mentions:
            kept = tuple(
                e for e in m.candidates if not (self.foreign(e) and e.is_a(*NATIONAL_KINDS))
            )
            if kept:
                out.append(m if kept == m.candidates else Mention(m.start, m.end, m.text, kept))
        return out

    def mention_ref(self, m: Mention, *classes: str) -> Ref | None:
        entity = m.pick(*classes) if classes else m.entity
        return self.ref(entity) if entity else None

    def subject(self, s: Sentence) -> Ref | None:
        """The country the sentence is about: a country named at its start, else the profile's."""
        body = s.body.lstrip("•-*–▪◦ \t")
        lead = s.start + (len(s.body) - len(body))
        for m in s.mentions:
            if m.start <= lead + 1 and (country := m.pick("Country")):
                if (
                    re.match(
                        r"\s+(?:is|are)\s+its\b|\s+(?:lies|is\s+found)\s+to\s+(?:its|the)\s+\w+(?!\s+of)\b",
                        s.text[m.end : s.end],
                    )
                    and self.country is not None
                ):
                    break  # "A is its neighbour to the west": the profile's country is
                return self.ref(country)
            if m.start > lead + 1:
                break
        return self.ref(self.country) if self.country else None

    # ------------------------------------------------------------------ names in text

    def name_at(
        self, s: Sentence, offset: int, heads: Iterable[str] = (), dashes: bool = False
    ) -> tuple[int, int, str] | None:
        """A run of capitalised words starting at a document offset (an article skipped).
        With ``dashes``, a title and subtitle joined by a dash are one name ("Harnessing
        Digital – The Digital X Framework")."""
        toks = tokens(s.text, offset, s.end)
        heads = set(heads)
        i = 0
        while i < len(toks) and toks[i].text.lower() in {"the", "a", "an", "‘", "'", "“", '"'}:
            i += 1
        words: list[Token] = []
        while i < len(toks):
            t = toks[i]
            connector = (
                (t.text.lower() in CONNECTORS or (dashes and t.text in ("–", "—")))
                and words
                and _name_follows(toks, i)
            )
            if _is_name_word(t.text) or connector:
                words.append(t)
            elif t.text in heads and words:
                words.append(t)
                break
            else:
                break
            i += 1
        while words and (
            words[-1].text.lower() in CONNECTORS or re.fullmatch(r"\d{4}", words[-1].text)
        ):
            words.pop()
        if not words:
            return None
        start, end = words[0].start, words[-1].end
        return start, end, s.text[start:end]

    # ------------------------------------------------------------------ proposals

    def propose(
        self,
        s: Sentence,
        kind: str,
        triples: list[Triple],
        refs: Iterable[Ref],
        evidence: tuple[int, int],
        summary: str,
    ) -> None:
        support: list[Triple] = []
        refs = list(refs)
        for r in refs:
            for t in r.support:
                if t not in support and t not in triples:
                    support.append(t)
            if not r.known:
                self._record(s, r)
        proposal = Proposal("", kind, s.passage, [*triples, *support], evidence, summary)
        key = proposal.key()
        if key in self._keys or key in self.rejected:
            return
        self._keys.add(key)
        for r in refs:  # the bodies this sentence speaks of, for "Its …" in the next one
            if self._is_body(r) and r.iri not in {b.iri for b in self._bodies_now}:
                self._bodies_now.append(r)
        proposal.id = f"p{len(self.proposals) + 1}"
        self.proposals.append(proposal)

    def _record(self, s: Sentence, r: Ref) -> None:
        at = s.body.find(r.label)
        if at < 0:
            return
        records = self.mentions.setdefault(s.passage, [])
        if not any(m.entity == r.iri for m in records):
            records.append(MentionRecord(s.at(at), s.at(at) + len(r.label), r.iri, r.label, False))

    # ------------------------------------------------------------------ driving

    def sentence(self, s: Sentence) -> None:
        self._bodies_now = []
        for rule in RULES:
            rule(self, s)
        self.previous = s.body
        self.bodies_before = self._bodies_now

    def _is_body(self, r: Ref) -> bool:
        if r.iri in self._classes:
            return self._classes[r.iri] in NATIONAL_BODIES
        entity = self.gaz.entities.get(r.iri)
        return entity is not None and entity.is_a(*NATIONAL_BODIES)


# ====================================================================== the rules


def _name_follows(toks: list[Token], i: int) -> bool:
    """Whether a run of connectors ("of the", or a dash) at ``i`` is followed by a name word."""
    j = i + (toks[i].text in ("–", "—"))
    while j < len(toks) and toks[j].text.lower() in CONNECTORS and j - i < 3:
        j += 1
    return (
        j < len(toks)
        and _is_name_word(toks[j].text)
        and not re.fullmatch(r"\d{4}", toks[j].text)
        and toks[j].text.lower() not in MONTHS  # "NATO in April 2009": a date, not a name
        and toks[j].text.lower() not in WEEKDAYS
    )


def _is_name_word(word: str) -> bool:
    if not word or not word[0].isalnum():
        return False
    if word[0].isupper():
        return True
    return (
        word[0].isdigit()
        and any(ch.isalpha() for ch in word)
        and not re.fullmatch(r"\d+(st|nd|rd|th)", word)
    )


def _directions(text: str) -> list[str]:
    return [
        DIRECTIONS[d.lower()] for d in re.findall(_DIR, text, flags=re.I) if d.lower() in DIRECTIONS
    ]


def _code(ref: Ref) -> str:
    return ref.iri.removeprefix(ID)


def rule_borders(d: Drafter, s: Sentence) -> None:
    """Land, maritime and plain borders, and the directions of what lies around the subject."""
    subject = d.subject(s)
    if subject is None:
        return
    body = s.body
    found: dict[
        str, tuple[str, Ref, tuple[int, int]]
    ] = {}  # partner IRI -> (predicate, ref, evidence)
    trigger = re.compile(
        r"\b(?:shares?|has|have|having|with)\s+(?:a\s+|its\s+|their\s+)?(?:(land|maritime|sea)\s+)?"
        r"(?:borders?|frontiers?|boundar(?:y|ies))\s+with\b"
        r"|\bborders\b(?!\s+with)|\b(?:bordered|bounded)\s+(?:to\s+the\s+" + _DIRS + r"\s+)?by\b"
        r"|\bbordering\b",
        re.I,
    )
    for m in trigger.finditer(body):
        kind = (m.group(1) or "").lower()
        predicate = {
            "land": "sharesLandBorderWith",
            "maritime": "sharesMaritimeBorderWith",
            "sea": "sharesMaritimeBorderWith",
        }.get(kind, "sharesBorderWith")
        stop = re.search(
            r";|,?\s+(?:with|which|while|via|where|but|whose)\b|,?\s+and\s+(?:is|has|was|lies)\b|\.(?:\s|$)",
            body[m.end() :],
        )
        clause_end = s.at(m.end() + (stop.start() if stop else len(body) - m.end()))
        partners = [x for x in s.in_range(s.at(m.end()), clause_end) if x.pick("Country")]
        if partners and all(d.ref(x.picked("Country")).iri == subject.iri for x in partners):
            # "the sole country to have a land border with <subject>": the partner is the
            # country named just before
            before = [
                x
                for x in s.in_range(s.start, s.at(m.start()))
                if (country := x.pick("Country")) and d.ref(country).iri != subject.iri
            ]
            partners = before[-1:]
        for x in partners:
            partner = d.ref(x.picked("Country"))
            if partner.iri == subject.iri:
                continue
            previous = found.get(partner.iri)
            if previous is None or previous[0] == "sharesBorderWith":
                found[partner.iri] = (predicate, partner, (s.at(m.start()), x.end))
    for clause_start, clause in _clauses(body):
        # neighbours named in a list around a word that says so ("its neighbours are A (west)
        # and B (north)", "A is its neighbour to the west, B to the north", "four states
        # adjoin it on land: …", "A lies to its south", "meets A along its eastern side")
        cue = _NEIGHBOURS.search(clause)
        if cue is None:
            continue
        kind = (
            "sharesMaritimeBorderWith"
            if re.search(r"\bmaritime\b|\boffshore\b|\bsea\s+(?:border|boundar)", clause, re.I)
            else "sharesLandBorderWith"
            if re.search(r"\bon\s+land\b|\bland\s+(?:border|frontier|boundar)", clause, re.I)
            else "sharesBorderWith"
        )
        lo, hi = s.at(clause_start), s.at(clause_start + len(clause))
        for x in s.in_range(lo, hi):
            country = x.pick("Country")
            if country is None or _after_word(s.text, x.start, ("across", "of", "as", "than")):
                continue
            partner = d.ref(country)
            if partner.iri == subject.iri or partner.iri in found:
                continue
            found[partner.iri] = (
                kind,
                partner,
                (
                    min(x.start, s.at(clause_start + cue.start())),
                    max(x.end, s.at(clause_start + cue.end())),
                ),
            )
    for predicate, partner, evidence in found.values():
        a, b = sorted([_code(subject), _code(partner)])
        border = N(f"{ID}border-{a}-{b}")
        cls = {
            "sharesLandBorderWith": "LandBorder",
            "sharesMaritimeBorderWith": "MaritimeBorder",
        }.get(predicate, "Border")
        triples = [
            Triple(N(subject.iri), kg(predicate), N(partner.iri)),
            Triple(border, TYPE, kg(cls)),
            Triple(border, kg("borderBetween"), N(subject.iri)),
            Triple(border, kg("borderBetween"), N(partner.iri)),
        ]
        refs = [subject, partner]
        if cls == "MaritimeBorder":
            # a maritime border node names its sea: only when the sentence names exactly one;
            # otherwise the plain statement alone (the shapes require the sea of the node)
            seas = {m.group(1) for m in _WATER_NAME.finditer(s.body)}
            if len(seas) == 1:
                sea = seas.pop()
                known = [e for e in d.gaz.lookup(sea) if e.is_a(*WATER_TYPES)]
                water = d.ref(known[0]) if known else d.new(re.sub(r"^The\s+", "", sea), "Sea")
                triples.append(Triple(border, kg("onWaterBody"), N(water.iri)))
                refs.append(water)
            else:
                triples = triples[:1]
        d.propose(
            s,
            "border",
            triples,
            refs,
            evidence,
            f"{subject.label} borders {partner.label} ({cls})",
        )
    _positions(d, s, subject)


_NEIGHBOURS = re.compile(
    r"\bneighbou?rs?\b|\badjoins?\b|\bfrontiers?\b|\bboundar(?:y|ies)\s+with\b|\bmeets\b"
    r"|\b(?:lies|lie|is\s+found|are\s+found)\s+to\s+(?:its|the)\s+" + _DIR + r"\b(?!\s+of\b)"
    r"|\bland\s+border\s+is\s+with\b",
    re.I,
)


def _clauses(body: str) -> list[tuple[int, str]]:
    """The clauses of a sentence: cut at ";" and at ", while" / ", whereas" / ", but"."""
    out = []
    at = 0
    for m in re.finditer(r";|,\s+(?:while|whereas|but)\b", body):
        out.append((at, body[at : m.start()]))
        at = m.end()
    out.append((at, body[at:]))
    return out


def _after_word(text: str, offset: int, words: tuple[str, ...]) -> bool:
    """Whether the word right before ``offset`` (an article skipped) is one of ``words``."""
    before = re.search(r"(\w+)\s+(?:the\s+)?$", text[max(0, offset - 30) : offset])
    return bool(before and before.group(1).lower() in words)


def _positions(d: Drafter, s: Sentence, subject: Ref) -> None:
    """ "X to the north", "to the west and south by X", "X in the southwest": where places lie
    relative to the subject. A direction after a run of places applies to all of them."""
    body = s.body
    places = [
        m
        for m in s.mentions
        if (m.pick("Country", "Territory", *WATER_TYPES, "Place", "Region"))
        and d.ref(m.entity).iri != subject.iri
    ]
    taken = [(m.start, m.end) for m in s.mentions if m.pick(*WATER_TYPES)]
    for m in re.finditer(
        r"\b((?:Gulf|Bay|Sea)\s+of\s+[A-Z][\w-]*|[A-Z][\w-]*(?:\s+[A-Z][\w-]*)*\s+(?:Sea|Ocean|Gulf|Bay))\b",
        body,
    ):
        a, b = s.at(m.start(1)), s.at(m.end(1))
        if any(x < b and a < y for x, y in taken):
            continue
        water = _water_at(d, s, a)
        if water is not None:
            entity = Entity(
                water.iri,
                {next(term_value(t.object) for t in water.support if t.predicate == TYPE)},
                [water.label],
            )
            # "Gulf of Riga" is the gulf, not the city inside its name
            places = [x for x in places if not (x.start < b and a < x.end)]
            places.append(Mention(a, b, m.group(1), (entity,)))
    places.sort(key=lambda m: m.start)
    if not places:
        return
    pending: list[Mention] = []
    cursor = 0
    events = []
    for m in re.finditer(
        rf"\b(?:(?:to|in|along)\s+the\s+(?:far\s+)?|to\s+its\s+)({_DIRS})\b(?!\s+of\b)(?!\s+(?-i:[A-Z]))"
        rf"|\balong\s+its\s+({_DIR})(?:ern)?\s+(?:side|one|border|flank|edge)\b"
        rf"|(?<=\w)\s*\(\s*({_DIRS})\s*\)",
        body,
        re.I,
    ):
        passive = bool(re.search(r"\bbordered\b[^.;]*$", body[: m.start()])) and body[
            m.end() :
        ].lstrip().startswith("by")
        part = (
            re.search(
                r"\b(?:its|their)\s+((?:\w+\s+){0,2}(?:portion|part|mainland|territory))\s+is\s+bordered\b",
                body[: m.start()],
                re.I,
            )
            if passive
            else None
        )
        # "its Iberian portion is bordered …": relative to that part, not to the whole country
        reference = d.new(part.group(1), "Territory") if part else None
        words = m.group(1) or m.group(2) or m.group(3)
        events.append((m.start(), m.end(), _directions(words), passive, reference))
    for start, end, dirs, passive, reference in events:
        relative = reference or subject
        if passive:
            target = s.after(s.at(end + body[end:].find("by") + 2))
            group = [target] if target and target in places else []
        else:
            group = [p for p in places if s.at(cursor) <= p.start and p.end <= s.at(start)]
            # only the run of places right before the direction: stop at a verb or a full stop
            run: list[Mention] = []
            for p in reversed(group):
                between = s.text[p.end : (run[0].start if run else s.at(start))]
                # the place right before the direction may be its subject ("A lies to its
                # south", "A is its neighbour to the west"); a place further back is not when
                # a verb or a relative clause stands between
                verbs = (
                    r"\b(?:has|have|was|borders?|shares?|whose|which)\b|[.;:]"
                    if not run
                    else r"\b(?:is|are|has|have|was|borders?|shares?|lies?|whose|which)\b|[.;:]"
                )
                if re.search(verbs, between) or (not run and len(between) > 40):
                    break
                run.insert(0, p)
            group = run
            cursor = end
        for p in group:
            place = d.ref(p.picked("Country", "Territory", *WATER_TYPES, "Place", "Region"))
            node = N(f"{ID}pos-{_code(relative)}-{_code(place)}")
            triples = [
                Triple(node, TYPE, kg("RelativePosition")),
                Triple(node, kg("positionedPlace"), N(place.iri)),
                Triple(node, kg("relativeTo"), N(relative.iri)),
                *[Triple(node, kg("direction"), voc("direction-" + x)) for x in dirs],
            ]
            d.propose(
                s,
                "direction",
                triples,
                [relative, place],
                (p.start, s.at(end)),
                f"{place.label} lies {' and '.join(dirs)} of {relative.label}",
            )
        pending.clear()


def _water_at(d: Drafter, s: Sentence, offset: int) -> Ref | None:
    m = s.after(offset)
    if m is not None and (water := m.pick(*WATER_TYPES)):
        return d.ref(water)
    found = d.name_at(s, offset)
    if found is None:
        return None
    label = found[2]
    last = label.split()[-1]
    first = label.split()[0]
    kind = {
        "Sea": "Sea",
        "Ocean": "Ocean",
        "Gulf": "Gulf",
        "Bay": "Gulf",
        "Strait": "Strait",
        "Channel": "Strait",
    }
    cls = kind.get(last) or (kind.get(first) if label.split()[1:2] == ["of"] else None)
    return d.new(label, cls) if cls else None


def rule_coast(d: Drafter, s: Sentence) -> None:
    """Coasts: "on the eastern shore of the Baltic Sea", "a coastline on the X", "lies on the X"."""
    subject = d.subject(s)
    if subject is None:
        return
    pattern = re.compile(
        rf"\b(?:(?:(?:the|its)\s+)?(?:({_DIR})(?:ern)?\s+)?(?:shore|coast|coastline|seaboard)s?\s+(?:of|on|along)"
        r"|(?:has|have|with)\s+(?:a\s+)?(?:coast|coastline)s?\s+(?:on|along)|lies\s+on|located\s+on|situated\s+on)\s+",
        re.I,
    )
    for m in pattern.finditer(s.body):
        water = _water_at(d, s, s.at(m.end()))
        if water is None:
            continue
        triples = [Triple(N(subject.iri), kg("hasCoastOn"), N(water.iri))]
        d.propose(
            s,
            "coast",
            triples,
            [subject, water],
            (s.at(m.start()), s.at(m.end()) + len(water.label)),
            f"{subject.label} has a coast on {water.label}",
        )
        if m.group(1):
            direction = DIRECTIONS[m.group(1).lower()]
            node = N(f"{ID}pos-{_code(water)}-{_code(subject)}")
            pos = [
                Triple(node, TYPE, kg("RelativePosition")),
                Triple(node, kg("positionedPlace"), N(subject.iri)),
                Triple(node, kg("relativeTo"), N(water.iri)),
                Triple(node, kg("direction"), voc("direction-" + direction)),
            ]
            d.propose(
                s,
                "direction",
                pos,
                [subject, water],
                (s.at(m.start()), s.at(m.end())),
                f"{subject.label} lies {direction} of {water.label}",
            )


def rule_coast_inverted(d: Drafter, s: Sentence) -> None:
    """ "To the west is the X Ocean": a sea or ocean that lies in a direction from the country,
    named as what is there, is a coast of it; so is the sea in "to the east, across the Y Sea,
    is Z" (what lies across a sea from the country is reached from its shore). Only the coast
    is proposed: which way it faces is the sea's position, which the clause does not state."""
    subject = d.subject(s)
    if subject is None:
        return
    for m in re.finditer(
        rf"(?:^|[;:]\s*|,\s*(?:and|while)\s+)[Tt]o\s+(?:the|its)\s+(?:far\s+)?(?:{_DIR})"
        r"(?:ern)?\s*,?\s+(?:(?:is|are|lies|lie)\s+(?:the\s+)?"
        r"|across\s+(?:the\s+)?(?=[^,;]+,\s+(?:is|are|lies|lie)\b))",
        s.body,
    ):
        water = _water_at(d, s, s.at(m.end()))
        if water is None:
            continue
        d.propose(
            s,
            "coast",
            [Triple(N(subject.iri), kg("hasCoastOn"), N(water.iri))],
            [subject, water],
            (s.at(m.start()), s.at(m.end()) + len(water.label)),
            f"{subject.label} has a coast on {water.label}",
        )


def rule_landlocked(d: Drafter, s: Sentence) -> None:
    m = re.search(r"\b(?:is|as)\s+(?:a\s+|an\s+)?(?:\w+\s+)?landlocked\b", s.body, re.I)
    subject = d.subject(s)
    if m and subject:
        triples = [Triple(N(subject.iri), TYPE, kg("LandlockedCountry"))]
        d.propose(
            s,
            "landlocked",
            triples,
            [subject],
            (s.at(m.start()), s.at(m.end())),
            f"{subject.label} is landlocked",
        )


def _city(d: Drafter, s: Sentence, offset: int) -> Ref | None:
    m = s.after(offset)
    if m is not None:
        city = m.pick("City")
        if city:
            return d.ref(city)
        return d.new(m.text.removesuffix("’s").removesuffix("'s"), "City")
    found = d.name_at(s, offset)
    return d.new(found[2], "City") if found else None


def rule_capital(d: Drafter, s: Sentence) -> None:
    """Capital, largest and most populous city, major cities."""
    subject = d.subject(s)
    if subject is None:
        return
    body = s.body
    largest = (
        r"(?:\s+(?:city\s+)?and\s+(?:the\s+)?(largest|biggest|most\s+populous)\s+city"
        r"(\s+by\s+population)?)?"
    )
    forward = re.compile(
        r"(?:\b(?:its|the|whose|their)|[A-Z]\w+[’']s)\s+(?:\w+\s+)?capital(?:\s+city)?"
        + largest
        + r"\s*(?:,\s*|\s+is\s+|\s+being\s+|\s+remains\s+)",
        re.I,
    )
    backward = re.compile(
        r"\bis\s+(?:the|its)\s+(?:country'?s\s+|nation'?s\s+)?capital(?:\s+city)?" + largest, re.I
    )
    for m in forward.finditer(body):
        city = _city(d, s, s.at(m.end()))
        if city:
            _capital(
                d,
                s,
                subject,
                city,
                m.group(1),
                m.group(2),
                (s.at(m.start()), s.at(m.end()) + len(city.label)),
            )
    for m in backward.finditer(body):
        before = [x for x in s.mentions if x.end <= s.at(m.start())]
        if before and before[-1].end >= s.at(m.start()) - 1:
            x = before[-1]
            known_city = x.pick("City")
            city = d.ref(known_city) if known_city else d.new(x.text, "City")
        else:
            head = re.search(r"([A-Z][\w’'.-]*(?:\s+[A-Z][\w’'.-]*)*)\s+$", body[: m.start()])
            if not head:
                continue
            city = d.new(head.group(1), "City")
        _capital(
            d,
            s,
            subject,
            city,
            m.group(1),
            m.group(2),
            (s.at(m.start()) - len(city.label) - 1, s.at(m.end())),
        )
    for m in re.finditer(r"\bmajor cities\s+(?:are|include)\s+", body, re.I):
        stop = re.search(r"[.;]|$", body[m.end() :])
        until_stop = stop.start() if stop else len(body) - m.end()  # `$` always matches
        for x in s.in_range(s.at(m.end()), s.at(m.end() + until_stop)):
            known_city = x.pick("City")
            city = d.ref(known_city) if known_city else d.new(x.text, "City")
            triples = [Triple(N(subject.iri), kg("majorCity"), N(city.iri))]
            d.propose(
                s,
                "city",
                triples,
                [subject, city],
                (x.start, x.end),
                f"{city.label} is a major city of {subject.label}",
            )
        names = re.findall(r"[A-Z][\w’'.-]+", body[m.end() : m.end() + until_stop])
        known = {x.text for x in s.in_range(s.at(m.end()), s.at(m.end() + until_stop))}
        for name in names:
            if name not in known:
                city = d.new(name, "City")
                at = s.at(m.end() + body[m.end() :].find(name))
                d.propose(
                    s,
                    "city",
                    [Triple(N(subject.iri), kg("majorCity"), N(city.iri))],
                    [subject, city],
                    (at, at + len(name)),
                    f"{city.label} is a major city of {subject.label}",
                )


_ROLE = re.compile(
    r"\b(?:the|its|as)\s+(?:\w+\s+)?(?P<capital>capital)\b(?!\s+of\s+(?!the\s+country|it\b))"
    r"|\b(?P<largest>(?:largest|biggest|most\s+populous)\s+city)"
    r"|\b(?P<second>second(?:[\s-]largest)?\s+city|second[\s-]largest\b(?!\s+[a-z])"
    r"|comes\s+second|ranks\s+second)\b",
    re.I,
)
PLACE_PREPOSITIONS = ("in", "on", "of", "at", "from", "under", "with", "by", "to")
_NOT_CITY = {
    "The", "A", "An", "By", "Its", "It", "In", "Since", "Home", "With", "Both", "While", "Capital",
    "Largest", "According", "Most", "Much", "Along", "To", "From", "For", "On", "At", "As",
}  # fmt: skip


def rule_city_roles(d: Drafter, s: Sentence) -> None:
    """Capital, largest and second city, clause by clause, in any order of words: "X is
    both the capital and the largest city", "by far the largest city is the capital, X",
    "the largest city, X, is also the capital, while Y … comes second", "X
    serves as the capital and is also the biggest city". A clause with one city name and
    the role words gives the city those roles; "second" goes to the city it follows."""
    subject = d.ref(d.country) if d.country else None
    if subject is None:
        return
    body = s.body
    for at, clause in _clauses(body):
        roles = list(_ROLE.finditer(clause))
        if not roles:
            continue
        cities = _city_names(d, s, at, clause)
        if not cities:
            continue
        for m in roles:
            role = m.lastgroup
            if role == "second":
                before = [c for c in cities if c[1] <= s.at(at + m.start())]
                pick = before[-1] if before else None
                if pick is None or (
                    len(cities) == 1 and any(r.lastgroup != "second" for r in roles)
                ):
                    continue
            else:
                seconds = [r for r in roles if r.lastgroup == "second"]
                others = [
                    c
                    for c in cities
                    if not any(
                        c[1] <= s.at(at + r.start())
                        and c is _last_before(cities, s.at(at + r.start()))
                        for r in seconds
                    )
                ]
                if len(others) != 1:
                    continue
                pick = others[0]
            city, start, end = pick
            evidence = (min(start, s.at(at + m.start())), max(end, s.at(at + m.end())))
            if role == "capital":
                d.propose(
                    s,
                    "capital",
                    [Triple(N(subject.iri), kg("capital"), N(city.iri))],
                    [subject, city],
                    evidence,
                    f"{city.label} is the capital of {subject.label}",
                )
            elif role == "largest":
                populous = re.search(
                    r"populous|by\s+population", clause[m.start() : m.end() + 20], re.I
                )
                prop = "mostPopulousCity" if populous else "largestCity"
                d.propose(
                    s,
                    "capital",
                    [Triple(N(subject.iri), kg(prop), N(city.iri))],
                    [subject, city],
                    evidence,
                    f"{city.label} is the largest city of {subject.label}",
                )
            else:
                node = N(f"{ID}rank-{_code(city)}-size-largest-{_code(subject)}")
                triples = [
                    Triple(N(city.iri), kg("hasRanking"), node),
                    Triple(node, TYPE, kg("Ranking")),
                    Triple(node, kg("rankingCriterion"), voc("criterion-size")),
                    Triple(node, kg("rankingOrder"), voc("order-largest-first")),
                    Triple(node, kg("rankingScope"), N(subject.iri)),
                    Triple(node, kg("rank"), lit("2", "integer")),
                ]
                d.propose(
                    s,
                    "ranking",
                    triples,
                    [city, subject],
                    evidence,
                    f"{city.label} is the second city of {subject.label}",
                )


def _last_before(cities: list[tuple[Ref, int, int]], offset: int) -> tuple[Ref, int, int] | None:
    before = [c for c in cities if c[1] <= offset]
    return before[-1] if before else None


def _city_names(d: Drafter, s: Sentence, at: int, clause: str) -> list[tuple[Ref, int, int]]:
    """City names of a clause: known cities, and capitalised names that are not a known
    place of another kind, an organisation or a sentence-opening word."""
    a, b = s.at(at), s.at(at + len(clause))
    found: list[tuple[Ref, int, int]] = []
    known = s.in_range(a, b)
    for x in known:
        if (city := x.pick("City")) is not None:
            found.append((d.ref(city), x.start, x.end))
    for m in re.finditer(r"(?<![\w’'])((?:The\s+)?[A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+)*)", clause):
        start, end = s.at(at + m.start(1)), s.at(at + m.end(1))
        name = m.group(1)
        if name.split()[0] in _NOT_CITY and len(name.split()) == 1:
            continue
        if name.lower() in MONTHS or name.lower() in WEEKDAYS or name.isupper():
            continue  # "last Sunday in March", "GDP": not cities
        if any(x.start < end and start < x.end for x in known):
            continue
        if (
            name.startswith("The ")
            and start != s.start
            and not re.search(r"\b(?:in|is|,)\s*$", s.text[s.start : start])
        ):
            continue
        if re.search(r"[’']s$", name) or s.text[end : end + 1] == "(":
            continue
        if _after_word(
            s.text, start, ("in", "on", "of", "at", "from", "under", "with", "by", "to")
        ):
            continue  # "X, in Y": Y is a place the city is in, not a city
        if re.match(
            r"\s+(?:Sea|Ocean|River|Gulf|Bay|Mountains|Alps|Basin)\b", s.text[end : end + 12]
        ):
            continue
        found.append((d.new(name, "City"), start, end))
    found.sort(key=lambda c: c[1])
    return found


def _capital(
    d: Drafter,
    s: Sentence,
    subject: Ref,
    city: Ref,
    largest: str | None,
    by_population: str | None,
    evidence: tuple[int, int],
) -> None:
    if city.iri == subject.iri:
        return
    d.propose(
        s,
        "capital",
        [Triple(N(subject.iri), kg("capital"), N(city.iri))],
        [subject, city],
        evidence,
        f"{city.label} is the capital of {subject.label}",
    )
    if largest:
        populous = "populous" in largest.lower() or bool(by_population)
        predicate = "mostPopulousCity" if populous else "largestCity"
        d.propose(
            s,
            "capital",
            [Triple(N(subject.iri), kg(predicate), N(city.iri))],
            [subject, city],
            evidence,
            f"{city.label} is the {predicate} of {subject.label}",
        )


_NUMBER = r"(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)"
_APPROX = (
    r"(?:(about|around|approximately|roughly|nearly|almost|some|over|more\s+than|under"
    r"|less\s+than)\s+)?"
)


def _decimal(number: str, scale: str | None) -> str:
    value = Decimal(number.replace(",", "")) * SCALE.get((scale or "").lower(), 1)
    text = format(value.normalize(), "f")
    return text


def _clause(body: str, start: int, end: int) -> str:
    """The clause around a span: between the nearest ";" or ", and"/", while"/", but" cuts
    (a colon does not cut: "Area - total: N sq km" is one statement)."""
    cuts = [m.end() for m in re.finditer(r";|,\s+(?:and|while|but|whereas)\b", body[:start])]
    stop = re.search(r";|,\s+(?:and|while|but|whereas)\b", body[end:])
    return body[(cuts[-1] if cuts else 0) : end + (stop.start() if stop else len(body) - end)]


def rule_quantities(d: Drafter, s: Sentence) -> None:
    """Population, population density (per km² and per square mile) and urban share."""
    subject = d.subject(s)
    if subject is None:
        return
    body = s.body
    code = _code(subject)

    def quantity(
        kind: str,
        suffix: str,
        value: str,
        unit: str,
        qualifiers: list[str],
        evidence: tuple[int, int],
        summary: str,
        year: str | None = None,
    ) -> None:
        node = N(f"{ID}q-{code}-{suffix}")
        triples = [
            Triple(N(subject.iri), kg("hasQuantity"), node),
            Triple(node, TYPE, kg("Quantity")),
            Triple(node, kg("quantityKind"), voc("kind-" + kind)),
            Triple(node, kg("value"), lit(value, "decimal")),
            Triple(node, kg("unit"), voc("unit-" + unit)),
            *[Triple(node, kg("quantityQualifier"), voc("qualifier-" + q)) for q in qualifiers],
        ]
        if year:
            triples.append(Triple(node, kg("year"), lit(year, "gYear")))
        d.propose(s, "quantity", triples, [subject], evidence, summary)

    census = re.search(
        r"\b((?:19|20)\d\d)\s+census\b|\bcensus\s+(?:of|in)\s+((?:19|20)\d\d)\b", body
    )
    year = (census.group(1) or census.group(2)) if census else None
    done: set[str] = set()
    for n in numbers.numbers(body):
        clause = _clause(body, n.start, n.end)
        unit_end = numbers.area_after(body, n)
        quals = [n.hedge] if n.hedge in ("approximately", "minimum") else []
        if unit_end is not None:
            if "area" in done or re.search(
                r"\b(?:alone|only|excluding|except|per|density|of\s+which|land|water|irrigated"
                r"|forest|arable)\b",
                clause,
                re.I,
            ):
                continue
            if not re.search(
                r"\b(?:area|covers?|covering|extends?\s+over|spread\s+over|measures|live\s+on"
                r"|territory|surface)\b",
                clause,
                re.I,
            ):
                continue  # a figure in km² that the clause does not call the subject's area
            done.add("area")
            value = n.text_value
            quantity(
                "area",
                "area",
                value,
                "square-kilometre",
                quals,
                (s.at(n.start), s.at(unit_end)),
                f"area of {subject.label}: {value} km²",
            )
            continue
        after = body[n.end : n.end + 30]
        before = body[max(0, n.start - 45) : n.start]
        people = re.match(r"\s*(?:inhabitants|people|residents|persons|citizens)\b", after, re.I)
        stated = re.search(
            r"\bpopulation\s+(?:of|is|was|at|stands\s+at|totals|totalled|counted|reached|"
            r"(?:is|was|stood)\s+(?:at\s+)?)?\s*$",
            before,
            re.I,
        )
        if not (people or stated) or "population" in done:
            continue
        if re.search(r"\bper\s*$", before):
            continue  # "per 100 inhabitants": a rate, not a population
        if re.match(r"\s*(?:%|per\s*cent|percent|per\b|/)", after, re.I) or (
            "density" in before.lower()
        ):
            continue
        if n.value < 100 and not re.search(
            r"million|billion|thousand|\bm\b", body[n.digits_start : n.end], re.I
        ):
            continue  # "a population of 1" is a misread, never a figure
        if stated is None and re.search(
            r"\b(?:cit(?:y|ies)|capital|metropolitan|urban)\b", before, re.I
        ):
            continue  # the people of a city, not of the country
        done.add("population")
        value = n.text_value
        quantity(
            "population", "population", value, "inhabitant", quals,
            (s.at(n.start), s.at(n.end + (people.end() if people else 0))),
            f"population of {subject.label}: {value}", year=year,
        )  # fmt: skip
    for m in re.finditer(
        rf"\b(?:(low|high)\s+)?(?:population\s+)?density\s+(?:of|is|at)\s+{_APPROX}{_NUMBER}\s*(?:inhabitants|people|persons|residents)?\s*(?:per|/)\s*(?:square\s+kilomet(?:re|er)|sq\.?\s*km|km2|km²)",
        body,
        re.I,
    ):
        quals = ["low"] if (m.group(1) or "").lower() == "low" else []
        quantity(
            "population-density",
            "density-km2",
            _decimal(m.group(3), None),
            "inhabitants-per-square-kilometre",
            quals,
            (s.at(m.start()), s.at(m.end())),
            f"population density of {subject.label}: {m.group(3)} per km²",
        )
        rest = body[m.end() : m.end() + 40]
        mile = re.match(
            rf"\s*\(\s*{_NUMBER}\s*(?:/|per)\s*(?:sq\.?\s*mi|square\s+mile)", rest, re.I
        )
        if mile:
            quantity(
                "population-density",
                "density-sq-mi",
                _decimal(mile.group(1), None),
                "inhabitants-per-square-mile",
                [],
                (s.at(m.end()), s.at(m.end() + mile.end())),
                f"population density of {subject.label}: {mile.group(1)} per square mile",
            )
    for m in re.finditer(
        rf"{_APPROX}{_NUMBER}\s*(?:%|per\s*cent|percent)\s+of\s+(?:the\s+)?[^.;%]{{0,60}}?\b(?:urban|cities|towns)\b",
        body,
        re.I,
    ):
        quals = (
            ["approximately"]
            if m.group(1)
            and m.group(1).lower() in {"about", "around", "approximately", "roughly", "some"}
            else []
        )
        quantity(
            "urban-population-share",
            "urban-share",
            _decimal(m.group(2), None),
            "percent",
            quals,
            (s.at(m.start()), s.at(m.end())),
            f"urban share of {subject.label}: {m.group(2)}%",
        )


def _scope(d: Drafter, s: Sentence, offset: int) -> Ref | NamedNode | None:
    rest = s.text[offset : s.end]
    m = re.match(r"\s*(?:in|of|within)\s+(?:the\s+)?world\b", rest, re.I)
    if m:
        return voc("scope-global")
    m = re.match(r"\s*(?:in|of|within)\s+", rest, re.I)
    if m:
        target = s.after(offset + m.end())
        if target is not None and not target.pick("City"):
            return d.ref(target.entity)
    return None


def rule_rankings(d: Drafter, s: Sentence) -> None:
    """Size and population rankings: "the third-largest country in the European Union",
    "one of the smallest countries in Europe", "the largest Nordic country"."""
    subject = d.subject(s)
    if subject is None:
        return
    body = s.body
    pattern = re.compile(
        r"\b(one\s+of\s+)?(?:the\s+)?(?:(" + "|".join(ORDINALS) + r"|\d+(?:st|nd|rd|th))[\s-]+)?"
        r"(largest|biggest|smallest|most[\s-]populous|least[\s-]populous|most[\s-]populated|least[\s-]populated)\s+"
        r"((?:[A-Z][\w-]*\s+){0,3})(countr(?:y|ies)|states?|nations?)\b",
        re.I,
    )
    matches = list(pattern.finditer(body))
    for i, m in enumerate(matches):
        if not re.search(r"(?:\bis|\bas|,|\band|\bremains)\s*$", body[: m.start()]):
            continue
        word = m.group(3).lower()
        criterion = "population" if "popul" in word else "size"
        order = "smallest-first" if word.startswith(("smallest", "least")) else "largest-first"
        scope = _scope(d, s, s.at(m.end()))
        if scope is None and m.group(4).strip():
            group = [
                x for x in s.in_range(s.at(m.start(4)), s.at(m.end(5))) if x.pick("CountryGroup")
            ]
            if group:
                scope = d.ref(group[0].picked("CountryGroup"))
        if scope is None:
            # two rankings joined by "and", the scope named once after the second: it is both's
            for later in matches[i + 1 :]:
                scope = _scope(d, s, s.at(later.end()))
                if scope is not None:
                    break
        if scope is None:
            continue
        ordinal = (m.group(2) or "").lower()
        digits = re.match(r"\d+", ordinal)
        rank = ORDINALS.get(ordinal) or (int(digits.group()) if digits else None)
        one_of = bool(m.group(1))
        if rank is None and not one_of:
            rank = 1
        scope_node = scope if isinstance(scope, NamedNode) else N(scope.iri)
        scope_name = (
            scope.value.rsplit("-", 1)[-1] if isinstance(scope, NamedNode) else _code(scope)
        )
        node = N(f"{ID}rank-{_code(subject)}-{criterion}-{order.split('-')[0]}-{scope_name}")
        triples = [
            Triple(N(subject.iri), kg("hasRanking"), node),
            Triple(node, TYPE, kg("Ranking")),
            Triple(node, kg("rankingCriterion"), voc("criterion-" + criterion)),
            Triple(node, kg("rankingOrder"), voc("order-" + order)),
            Triple(node, kg("rankingScope"), scope_node),
        ]
        if rank is not None:
            triples.append(Triple(node, kg("rank"), lit(str(rank), "integer")))
        if one_of:
            triples.append(Triple(node, kg("rankingQualifier"), voc("qualifier-one-of")))
        refs = [subject] + ([] if isinstance(scope, NamedNode) else [scope])
        d.propose(
            s,
            "ranking",
            triples,
            refs,
            (s.at(m.start()), s.at(m.end())),
            f"{subject.label}: {m.group(0).strip()}",
        )


def _target(
    d: Drafter, s: Sentence, offset: int, classes: tuple[str, ...], heads: Iterable[str]
) -> tuple[Ref, int] | None:
    """The organisation, forum or process named at an offset: known, or a proposed one."""
    m = s.after(offset)
    if m is not None and re.search(r"[’']s$", m.text):
        # "X's Partnership for Y": the owner names what follows
        return _target(d, s, m.end, classes, heads)
    modifier = re.match(
        r"\s+(?!and\b|or\b|on\b|in\b|since\b|from\b|as\b|at\b|to\b|for\b|with\b|through\b"
        r"|by\b|until\b|which\b|that\b|was\b|is\b|took\b|followed\b|has\b|had\b"
        r"|membership\b|accession\b)([a-z]+)",
        s.text[m.end : s.end] if m is not None else "",
    )
    if m is not None and modifier and modifier.group(1) not in set(heads):
        return None  # "the EU internal market": a name used as a modifier
    if m is not None and re.match(r"\s+[A-Z][a-z]", s.text[m.end : s.end]):
        return None  # "the EU Economic and … Union": the known name begins a longer one
    if m is not None:
        entity = m.pick(*classes)
        if entity is not None:
            return d.ref(entity), m.end
        if m.pick("Country", "City", "Place"):
            found = d.name_at(s, offset, heads)
            if not found or found[1] <= m.end:
                return None
    found = d.name_at(s, offset, heads)
    if found is None:
        return None
    _, end, label = found
    label = re.sub(r"^\S+[’']s\s+", "", label)  # "NATO's Partnership for Peace"
    words = label.split()
    if len(words) == 1 and not any(ch.isupper() for ch in label[1:]):
        return None  # one capitalised word is too weak a name for an organisation
    cls = (
        "Process"
        if words[-1].lower() == "process"
        else "Forum"
        if words[-1].lower() in {"forum", "dialogue"}
        else "InternationalOrganisation"
        if any(
            w
            in {
                "Union",
                "Organisation",
                "Organization",
                "Council",
                "Alliance",
                "Partnership",
                "Community",
            }
            for w in words
        )
        else "Initiative"
    )
    ref = d.new(label, cls)
    acronym = re.match(r"\s*\(([A-Z][A-Za-z0-9.+&-]{1,12})\)", s.text[end : s.end])
    if acronym:
        ref.support.append(
            Triple(N(ref.iri), N(SKOS + "altLabel"), lit(acronym.group(1), language="en"))
        )
        end += acronym.end()
    return ref, end


_JOINED = re.compile(
    r"\b(?:is|are|was|were|became|become|has\s+been|have\s+been|had\s+(?:already\s+)?been|as"
    r"|making\s+(?:it|them))\s+"
    r"(?:also\s+|now\s+|already\s+)?(?:a|an|the\s+\w+|one\s+of\s+the(?:\s+\w+)?)?\s*"
    r"(?:full\s+|founding\s+|active\s+)?(?:member(?:\s+state)?|participant)s?\s+(?:of|in)\s+"
    r"|^\W*(?:a|one\s+of\s+the(?:\s+\w+)?)\s+founding\s+members?\s+of\s+"
    r"|\b(?:joined|entered|acceded\s+to|(?:was|were)\s+admitted\s+to|has\s+belonged\s+to"
    r"|have\s+belonged\s+to|belongs\s+to|(?:has|have)\s+been\s+part\s+of|accession\s+to"
    r"|membership\s+of)\s+(?:the\s+)?"
    r"|\b(?:an?|the)\s+(?P<org>[A-Z][A-Za-z]+)\s+member\s+state\b",
    re.I,
)
_DAY = r"(\d{1,2})\s+(" + "|".join(MONTHS) + r")\s+((?:19|20)\d\d)"
_MONTH_YEAR = r"(?:" + "|".join(MONTHS) + r")\s+((?:19|20)\d\d)"


def _date(text: str) -> Literal | None:
    """A date as precise as the text gives it: a day (xsd:date) or a year (xsd:gYear; a month
    and year is given as its year, which it states)."""
    m = re.match(_DAY, text, re.I)
    if m:
        month = MONTHS[m.group(2).lower()]
        return lit(f"{m.group(3)}-{month:02d}-{int(m.group(1)):02d}", "date")
    m = re.match(_MONTH_YEAR, text, re.I) or re.match(r"((?:19|20)\d\d)\b", text)
    return lit(m.group(1), "gYear") if m else None


def _date_after(text: str) -> Literal | None:
    """The date of "… on 1 May 2004", "… in 1999", "… since December 2007", "… took effect on
    …" in the rest of a clause (up to "; " or ", and" or the next verb of joining)."""
    stop = re.search(r";|,\s+(?:and|but|while)\b|\.\s|\s+and\s+(?:has|have|is|was|it)\b", text)
    clause = text[: stop.start()] if stop else text
    m = re.search(
        r"\b(?:on|in|since|from|as\s+of)\s+(?=\d|(?:" + "|".join(MONTHS) + r")\b)", clause, re.I
    )
    if m is None or re.search(r"\b(?:same|that)\s+(?:day|year)\b", clause[: m.start()]):
        return None
    return _date(clause[m.end() :])


def _date_before(text: str) -> Literal | None:
    """The date of a clause that opens with it: "Since 1 January 2023 it has …"."""
    m = re.match(r"\W*(?:since|in|from)\s+", text, re.I)
    if m is None or re.search(r"[;,]\s+(?:and|but|while)\b|;", text):
        return None
    return _date(text[m.end() :])


def rule_affiliations(d: Drafter, s: Sentence) -> None:
    """Memberships, participation, candidacies and membership of country groups."""
    subject = d.subject(s)
    if subject is None:
        return
    body = s.body
    stakeholders = bool(re.match(r"\s*[A-Z]\w+\s+stakeholders\b", body))
    heads = ("process", "forum", "initiative", "dialogue", "platform", "partnership")

    def affiliation(
        cls: str,
        role: str,
        target: Ref,
        evidence: tuple[int, int],
        verb: str,
        date: Literal | None = None,
        who: Ref | None = None,
    ) -> None:
        member = who or owner
        node = N(f"{ID}aff-{_code(member)}-{_code(target)}")
        triples = [
            Triple(node, TYPE, kg(cls)),
            Triple(node, kg("affiliate"), N(member.iri)),
            Triple(node, kg("affiliatedWith"), N(target.iri)),
            Triple(node, kg("affiliationRole"), voc("role-" + role)),
        ]
        if date is not None:
            prop = "startDate" if date.datatype.value.endswith("#date") else "startYear"
            triples.append(Triple(node, kg(prop), date))
        since = f" since {date.value}" if date is not None else ""
        d.propose(
            s,
            "affiliation",
            triples,
            [member, target],
            evidence,
            f"{member.label} {verb} {target.label}{since}",  # "… NATO since 2004-03-29"
        )

    owner: Ref = subject
    for m in _JOINED.finditer(body):
        if re.search(r"\bnot\s+(?:a|an|one)?\s*$|\bnever\s+$", body[: m.start()][-12:], re.I):
            continue  # "is not a member of": no membership
        if re.search(r"\b(?:that|who)\s+(?:had\s+|have\s+|has\s+)?$", body[: m.start()]):
            continue  # "the countries that had joined the EU": not the subject's joining
        offset = s.at(m.end())
        back = re.search(
            r"([A-Z][\w-]*(?:\s+(?:of|for|and|the|[A-Z][\w-]*))*)\s*(?:\([^)]*\))?\s*,\s*"
            r"which\s+(?:it|they)\s+$",
            body[: m.start()],
        )
        if (
            back
            and _date_after(body[m.end() :]) is not None
            and re.match(r"\s*(?:in|on)\b", body[m.end() :])
        ):
            offset = s.at(back.start(1))  # "the X Area (XA), which it joined in 1994"
        if m.group("org"):  # "an EU member state": the organisation named before the noun
            x = s.after(s.at(m.start("org")))
            if x is None or not x.pick(*FORUM_TYPES, "CountryGroup"):
                continue
            targets = [(d.ref(x.entity), s.at(m.end()))]
        else:
            found = _target(d, s, offset, (*FORUM_TYPES, "CountryGroup"), (*heads, "area"))
            if not found:
                continue
            targets = [found]
            more = re.match(
                r"(?:\s+(?:on|in|since)\s+[\w ]{1,25}?)?\s+and\s+(?:the\s+)?(?=[A-Z])",
                s.text[found[1] : s.end],
            )
            if more and not re.match(r"\s+and\s+(?:the\s+)?[a-z]", s.text[found[1] : s.end]):
                again = _target(d, s, found[1] + more.end(), (*FORUM_TYPES, "CountryGroup"), heads)
                if again:
                    targets.append(again)
        words = m.group(0).lower()
        role = (
            "founding-member"
            if "founding" in words
            else "member-state"
            if "member state" in words
            else "participant"
            if "participant" in words
            else "member"
        )
        for n, (target, end) in enumerate(targets):
            limit = targets[n + 1][1] if n + 1 < len(targets) else s.end
            date = _date_after(s.text[end:limit]) or _date_before(body[: m.start()])
            cls = "Participation" if role == "participant" else "Membership"
            verb = "participates in" if cls == "Participation" else "is a member of"
            affiliation(cls, role, target, (s.at(m.start()), end), verb, date)
            # "…, on the same day as A and B": they joined too, on that date
            same = re.match(r"[^.;]*?\bon\s+the\s+same\s+day\s+as\s+", s.text[end:limit])
            if same and date is not None:
                rest = s.text[end + same.end() : limit]
                stop = re.search(r"[.;]|,\s+(?!and\b)", rest)
                others = s.in_range(
                    end + same.end(), end + same.end() + (stop.start() if stop else len(rest))
                )
                for x in others:
                    if (other := x.pick("Country")) is not None:
                        affiliation(
                            cls, role, target, (x.start, x.end), verb, date, who=d.ref(other)
                        )
    for m in re.finditer(
        r"\b(?:participates?|participating|participated|takes?\s+part|took\s+part|taken\s+part|taking\s+part|engaged|involved)\s+in\s+(?:the\s+)?(?:annual\s+|regular\s+|yearly\s+)?",
        body,
        re.I,
    ):
        offset = s.at(m.end())
        stop = re.search(r",\s*(?:which|who|where)\b|[.;:]", body[m.end() :])
        limit = s.at(m.end() + (stop.start() if stop else len(body) - m.end()))
        while offset < limit:
            found = _target(d, s, offset, FORUM_TYPES, heads)
            if not found:
                break
            role = "national-stakeholders" if stakeholders else "participant"
            affiliation(
                "Participation", role, found[0], (s.at(m.start()), found[1]), "participates in"
            )
            nxt = re.match(
                r"\s*(?:events?\s*)?(?:,\s*|\s+)(?:and\s+|as\s+well\s+as\s+)(?:the\s+)?(?:annual\s+)?",
                s.text[found[1] : limit],
            )
            if not nxt:
                break
            offset = found[1] + nxt.end()
    for m in re.finditer(
        r"\bcandidate\s+(?:country|state|for\s+membership)\s+(?:for|to|of)\s+(?:the\s+)?",
        body,
        re.I,
    ):
        found = _target(d, s, s.at(m.end()), FORUM_TYPES, heads)
        if found:
            affiliation(
                "Candidacy",
                "candidate-country",
                found[0],
                (s.at(m.start()), found[1]),
                "is a candidate for",
            )
    # country groups: "is a Nordic country", "one of three Baltic states"
    for m in re.finditer(
        r"\bis\s+(?:a|an)\s+|\bone\s+of\s+(?:the\s+)?(?:(\d+|" + "|".join(NUMBERS) + r")\s+)?",
        body,
        re.I,
    ):
        x = s.after(s.at(m.end()))
        group = x.pick("CountryGroup") if x else None
        if x is not None and group is not None:
            ref, end = d.ref(group), x.end
        else:
            named = d.name_at(s, s.at(m.end()), ("states", "countries", "nations"))
            if not (named and named[2].split()[-1] in {"states", "countries", "nations"}):
                continue
            ref, end = d.new(named[2], "CountryGroup"), named[1]
        triples = [Triple(N(subject.iri), kg("memberOfGroup"), N(ref.iri))]
        d.propose(
            s,
            "affiliation",
            triples,
            [subject, ref],
            (s.at(m.start()), end),
            f"{subject.label} is one of the {ref.label}",
        )


_PERIOD = re.compile(
    r"\s*[,(]?\s*(?:for\s+(?:the\s+)?(?:period\s+)?|from\s+|covers?\s+the\s+years\s+"
    r"|covering\s+(?:the\s+years\s+)?|runs?\s+from\s+)?((?:19|20)\d\d)\s*(?:-|–|—|to|until)\s*((?:19|20)\d\d)\s*\)?",
    re.I,
)


def _strategy_type(label: str) -> str | None:
    text = f" {label.lower()} "
    for words, concept in STRATEGY_TOPICS:
        if any(w in text for w in words):
            return concept
    return None


def _strategies(d: Drafter, s: Sentence) -> list[tuple[Ref, int, int]]:
    """Strategies and programmes named in the sentence, with their spans."""
    found: list[tuple[Ref, int, int]] = []
    body = s.body
    for mention in s.mentions:
        entity = mention.pick(*STRATEGY_TYPES)
        if entity is not None and not d.foreign(entity):
            found.append((d.ref(entity), mention.start, mention.end))
    taken = [(a, b) for _, a, b in found]
    for m in re.finditer(r"(?<![\w’'])([A-Z0-9‘'“][\w‘’'“”.-]*)", body):
        at = s.at(m.start())
        if any(a <= at < b for a, b in taken):
            continue
        name = d.name_at(s, at, dashes=True)
        if name is None:
            continue
        start, end, label = name
        if " and the " in label:  # "the A Framework and the B Strategy": two names
            label = label.split(" and the ")[0]
            end = start + len(label)
        words = label.replace("‘", "").replace("’", "").split()
        head = next((STRATEGY_HEADS[w] for w in words if w in STRATEGY_HEADS), None)
        if (
            head is None
            or len(words) < 2
            or words[-1] in {"Strategies", "Programmes"}
            or words[0] in {"European", "EU"}  # the Union's, not the profile country's
        ):
            taken.append((start, end))
            continue
        label = label.strip("‘’'“” ")
        ref = d.new(label, head)
        jurisdiction = d.ref(d.country) if d.country else None
        if jurisdiction:
            ref.support.append(Triple(N(ref.iri), kg("jurisdiction"), N(jurisdiction.iri)))
        concept = _strategy_type(label)
        if concept:
            ref.support.append(Triple(N(ref.iri), kg("strategyType"), voc(concept)))
        found.append((ref, start, end))
        taken.append((start, end))
    # "the X 2030 strategy" (a lower-case head), "its roadmap, the X," (a head-less name in
    # apposition to a strategy noun)
    for m in re.finditer(
        r"\bthe\s+((?:[A-Z][\w-]*\s+)+(?:(?:19|20)\d\d\s+)?)(strategy|programme|plan)\b"
        r"|\b(?:roadmap|strategy|action\s+plan|programme|agenda),\s+(?:the\s+)?"
        r"((?:[A-Z][\w-]*)(?:\s+(?:[A-Z][\w-]*|of|for|and)|\s+[–—]\s+[A-Z][\w-]*)*),",
        body,
    ):
        label = (m.group(1) or m.group(3)).strip()
        group = 1 if m.group(1) else 3
        at = s.at(m.start(group))
        if len(label.split()) < 2 or any(a <= at < b for _, a, b in found):
            continue
        ref = d.new(label, "Programme" if (m.group(2) or "") == "programme" else "Strategy")
        if d.country:
            ref.support.append(Triple(N(ref.iri), kg("jurisdiction"), N(d.country.iri)))
        concept = _strategy_type(label)
        if concept:
            ref.support.append(Triple(N(ref.iri), kg("strategyType"), voc(concept)))
        found.append((ref, at, at + len(label)))
        taken.append((at, at + len(label)))
    for m in re.finditer(
        r"\b(?:adopted|unveiled|launched|published|approved|introduced|presented)\s+(?:a|an|its|their)\s+((?:new\s+|first\s+)?national\s+(?:[\w-]+\s+){0,2}?(?:strategy|programme|program|plan))\b",
        body,
        re.I,
    ):
        label = m.group(1)
        if any(a <= s.at(m.start(1)) < b for a, b in taken):
            continue  # "published a National X Strategy for Y": the name already read
        ref = d.new(label, "Programme" if "program" in label.lower() else "Strategy")
        if d.country:
            ref.support.append(Triple(N(ref.iri), kg("jurisdiction"), N(d.country.iri)))
        concept = _strategy_type(label)
        if concept:
            ref.support.append(Triple(N(ref.iri), kg("strategyType"), voc(concept)))
        found.append((ref, s.at(m.start(1)), s.at(m.end(1))))
    return sorted(found, key=lambda f: f[1])


def _year(value: str, month: str | None) -> Literal:
    if month and month.lower() in MONTHS:
        return lit(f"{value}-{MONTHS[month.lower()]:02d}", "gYearMonth")
    return lit(value, "gYear")


def rule_strategies(d: Drafter, s: Sentence) -> None:
    """Strategies and programmes: existence, period, adoption date, responsible institutions."""
    body = s.body
    named = _strategies(d, s)
    anaphor = re.search(
        r"\b(?:the|this|that|these)\s+(?:strategy|programme|program|plan|initiative|strategic\s+document|document)\b|^\s*(?:It|Its)\b",
        body,
        re.I,
    )
    for ref, start, end in named:
        triples = [t for t in ref.support if t.predicate != LABEL and t.predicate != TYPE] or [
            Triple(N(ref.iri), TYPE, kg("Strategy"))
        ]
        d.propose(
            s, "strategy", triples, [ref], (start, end), f"{ref.label} is a strategy or programme"
        )
        d.last_strategy = ref
        period = _PERIOD.match(s.text[end : s.end])
        if period:
            _period(d, s, ref, period.group(1), period.group(2), (start, end + period.end()))
    if not named and anaphor and d.last_strategy is not None:
        named = [(d.last_strategy, s.at(anaphor.start()), s.at(anaphor.end()))]
    if not named:
        return
    subject = lambda at: min(named, key=lambda n: abs(n[1] - at))[0]  # noqa: E731 - the nearest strategy
    for m in re.finditer(r"\b(adopted|unveiled|approved|published|endorsed)\b", body, re.I):
        date = re.search(
            r"\bin\s+(?:(" + "|".join(MONTHS) + r")\s+)?((?:19|20)\d\d)\b(?!\s*[-–])",
            body[m.end() :],
            re.I,
        )
        before = re.search(
            r"\bIn\s+(?:(" + "|".join(MONTHS) + r")\s+)?((?:19|20)\d\d)\s*,[^.]*$",
            body[: m.start()],
            re.I,
        )
        chosen = date or before
        if chosen is None:
            continue
        ref = subject(s.at(m.start()))
        value = _year(chosen.group(2), chosen.group(1))
        d.propose(
            s,
            "adoption",
            [Triple(N(ref.iri), kg("adoptionDate"), value)],
            [ref],
            (s.at(m.start()), s.at(m.end())),
            f"{ref.label} adopted {value.value}",
        )
    launched = re.search(
        r"\b(?:launched|started|began|begun|introduced)\s+in\s+((?:19|20)\d\d)\b", body, re.I
    )
    until = re.search(
        r"\b(?:continue|run|runs|last|lasts|valid)\s+(?:through|until|till|to)\s+((?:19|20)\d\d)\b",
        body,
        re.I,
    )
    first = launched or until
    if first is not None:
        last = until or first
        ref = subject(s.at(first.start()))
        triples = []
        if launched:
            triples.append(Triple(N(ref.iri), kg("startYear"), lit(launched.group(1), "gYear")))
        if until:
            triples.append(Triple(N(ref.iri), kg("endYear"), lit(until.group(1), "gYear")))
        d.propose(
            s,
            "period",
            triples,
            [ref],
            (s.at(first.start()), s.at(last.end())),
            f"{ref.label}: period",
        )
    roles = {
        "managed": "managedBy",
        "led": "ledBy",
        "spearheaded": "ledBy",
        "coordinated": "ledBy",
        "developed": "developedBy",
        "implemented": "implementedBy",
        "prepared": "developedBy",
        "drafted": "developedBy",
        "overseen": "responsibleOrganisation",
        "run": "managedBy",
    }
    for m in re.finditer(r"\b(" + "|".join(roles) + r")\s+by\s+", body, re.I):
        found = _institution(d, s, s.at(m.end()))
        if found is None:
            continue
        ref = subject(s.at(m.start()))
        if found.iri == ref.iri:
            continue
        predicate = roles[m.group(1).lower()]
        d.propose(
            s,
            "responsible",
            [Triple(N(ref.iri), kg(predicate), N(found.iri))],
            [ref, found],
            (s.at(m.start()), s.at(m.end()) + len(found.label)),
            f"{ref.label} {m.group(1)} by {found.label}",
        )
    # "Its roadmap, the X, …": the strategy of the one body the sentence before was about
    its = re.match(
        r"\W*Its\s+(?:roadmap|strategy|action\s+plan|plan|programme|agenda),\s+(?:the\s+)?", body
    )
    if its and len(d.bodies_before) == 1:
        owner = d.bodies_before[0]
        for ref, start, end in named:
            if start == s.at(its.end()):
                d.propose(
                    s,
                    "responsible",
                    [Triple(N(ref.iri), kg("responsibleOrganisation"), N(owner.iri))],
                    [ref, owner],
                    (s.at(its.start()), end),
                    f"{ref.label} is the strategy of {owner.label}",
                )
    active = re.search(
        r"\b(?:has|have|had)\s+(developed|implemented|prepared|drafted)(?:\s+and\s+(developed|implemented|prepared|drafted))?\s+(?:the\s+|a\s+|its\s+)?",
        body,
        re.I,
    )
    if active:
        org = None
        for x in s.mentions:
            if x.end <= s.at(active.start()) and (known := x.pick(*ORG_TYPES)):
                org = d.ref(known)
                break
        if org is None:
            g = re.search(
                r"\b(?:the\s+)?([A-Z]\w+\s+government|Government\s+of\s+[A-Z]\w+)\b",
                body[: active.start()],
            )
            if g:
                org = d.new(g.group(1), "GovernmentBody")
        if org is not None:
            ref = subject(s.at(active.end()))
            for verb in filter(None, active.groups()):
                predicate = roles[verb.lower()]
                d.propose(
                    s,
                    "responsible",
                    [Triple(N(ref.iri), kg(predicate), N(org.iri))],
                    [ref, org],
                    (s.at(active.start()), s.at(active.end())),
                    f"{ref.label} {verb} by {org.label}",
                )


def _period(
    d: Drafter, s: Sentence, ref: Ref, start: str, end: str, evidence: tuple[int, int]
) -> None:
    triples = [
        Triple(N(ref.iri), kg("startYear"), lit(start, "gYear")),
        Triple(N(ref.iri), kg("endYear"), lit(end, "gYear")),
    ]
    d.propose(s, "period", triples, [ref], evidence, f"{ref.label}: {start}–{end}")


def _institution(d: Drafter, s: Sentence, offset: int) -> Ref | None:
    m = s.after(offset)
    if m is not None and (org := m.pick(*ORG_TYPES)):
        return d.ref(org)
    found = d.name_at(s, offset, ("government",))
    if found is None:
        return None
    label = found[2]
    first = label.split()[0]
    cls = (
        "Ministry"
        if first in {"Ministry", "Department"}
        else "GovernmentAgency"
        if first in {"Office", "Agency", "Authority", "Directorate", "Council", "Commission"}
        else "GovernmentBody"
    )
    return d.new(label, cls)


def rule_bodies(d: Drafter, s: Sentence) -> None:
    """CERTs and response teams (named, or listed after a sentence that introduces them),
    regulators (an office or authority in a sentence about regulating or enforcing), and
    the organisations that operate them."""
    body = s.body
    country = d.ref(d.country) if d.country else None
    introduces = re.search(r"\b(?:include|includes|including|are|following)\s*:\s*$", body)
    about_teams = re.compile(r"\b(?:response\s+(?:teams?|units?)|CERTs?|CSIRTs?)\b", re.I)
    if introduces and (about_teams.search(body) or about_teams.search(d.previous)):
        d.list_intro = ("ResponseTeam", None)
        return
    if (
        not s.bullet
        and d.list_intro
        and d.list_intro[0] == "ResponseTeam"
        and not re.search(r"\b(?:include|these)\b", body, re.I)
    ):
        d.list_intro = None
    names: list[tuple[Ref, int, int]] = []
    if s.bullet and d.list_intro and d.list_intro[0] == "ResponseTeam":
        lead = len(body) - len(body.lstrip("•-*–▪◦ \t"))
        head = re.match(r"([^:(]+?)\s*(?:\(([^)]+)\))?\s*:", body[lead:])
        if head:
            label = head.group(1).strip()
            ref = d.new(label, "ResponseTeam")
            if head.group(2):
                ref.support.append(
                    Triple(
                        N(ref.iri), N(SKOS + "altLabel"), lit(head.group(2).strip(), language="en")
                    )
                )
            names.append((ref, s.at(lead), s.at(lead + head.end())))
    else:
        for m in re.finditer(
            r"\b(?:CERT|CSIRT)(?:[.\s-][A-Z][\w.]*)+|\b[A-Z][\w.-]*(?:\s+[A-Z][\w.-]*)*\s+(?:CERT|CSIRT)\b",
            body,
        ):
            label = m.group(0).strip()
            if label.upper() in {"CERT", "CSIRT"} or label.endswith("s"):
                continue
            if re.search(
                r"\b(?:known|named|called)\s+as\s+$|\b(?:formerly|previously)\s+$",
                body[: m.start()],
            ):
                continue  # a former name or an alias, not another team
            names.append((d.new(label, "ResponseTeam"), s.at(m.start()), s.at(m.end())))
    if re.search(
        r"\b(?:regulat\w*|enforc\w*|supervis\w*|oversee\w*|oversight|compliance)\b", body, re.I
    ):
        for m in re.finditer(
            r"\b((?:[A-Z][\w-]*\s+){0,5}(?:Office|Authority|Commissioner|Commission|Inspectorate|Regulator|Agency)"
            r"(?:\s+(?:of|for|on)\s+(?:the\s+)?[A-Z][\w-]*(?:\s+(?:and\s+|of\s+|for\s+)?[A-Z][\w-]*)*)?)"
            r"\s*(?:\(([A-Z][A-Za-z.]{1,10})\))?",
            body,
        ):
            label = m.group(1).strip()
            if label.split()[0] in {"The", "A"}:
                label = " ".join(label.split()[1:])
            if len(label.split()) < 2:
                continue
            if re.search(
                r"\b(?:replaced|replacing|succeeded|from|formerly|previously|and)\s+(?:the\s+)?$",
                body[: m.start()],
            ):
                continue  # a body this one replaced, or the tail of a longer name
            x = s.after(s.at(m.start(1)))
            ref = d.ref(x.entity) if x and x.pick("Regulator") else d.new(label, "Regulator")
            if m.group(2) and not ref.known:
                ref.support.append(
                    Triple(N(ref.iri), N(SKOS + "altLabel"), lit(m.group(2), language="en"))
                )
            names.append((ref, s.at(m.start()), s.at(m.end())))
    for ref, start, end in names:
        cls = next(
            (term_value(t.object).removeprefix(KG) for t in ref.support if t.predicate == TYPE),
            "Regulator",
        )
        triples = [Triple(N(ref.iri), TYPE, kg(cls))]
        if country:
            triples.append(Triple(N(ref.iri), kg("country"), N(country.iri)))
        if cls in ("ResponseTeam", "ResponseUnit"):
            # a CERT/CSIRT: its focus is in its name (the shapes require one)
            triples.append(Triple(N(ref.iri), kg("focus"), voc("topic-cybersecurity")))
        d.propose(
            s,
            "body",
            triples,
            [ref] + ([country] if country else []),
            (start, end),
            f"{ref.label} is a {cls} of {country.label if country else '?'}",
        )
        op = re.search(
            r"\b(?:operat\w+\s+(?:under|by|within)|run\s+by|part\s+of|hosted\s+by|managed\s+by)\s+(?:the\s+)?",
            body[end - s.start :],
            re.I,
        )
        if op:
            at = end + op.end()
            operator = _institution(d, s, at)
            if operator is not None:
                acronym = re.match(
                    r"\s*\(([A-Z][A-Za-z.]{1,10})\)", s.text[at + len(operator.label) : s.end]
                )
                if acronym and not operator.known:
                    operator.support.append(
                        Triple(
                            N(operator.iri),
                            N(SKOS + "altLabel"),
                            lit(acronym.group(1), language="en"),
                        )
                    )
                d.propose(
                    s,
                    "operator",
                    [Triple(N(ref.iri), kg("operatedBy"), N(operator.iri))],
                    [ref, operator],
                    (s.at(end - s.start + op.start()), at + len(operator.label)),
                    f"{ref.label} is operated by {operator.label}",
                )


def rule_treaties(d: Drafter, s: Sentence) -> None:
    subject = d.subject(s)
    if subject is None:
        return
    for m in re.finditer(
        r"\b(?:ratified|ratifies|acceded\s+to|signed\s+and\s+ratified)\s+(?:the\s+)?", s.body, re.I
    ):
        x = s.after(s.at(m.end()))
        if x is not None and (instrument := x.pick("Treaty", "LegalInstrument")):
            treaty = d.ref(instrument)
        else:
            found = d.name_at(s, s.at(m.end()))
            if found is None or not re.search(
                r"\b(?:Treaty|Convention|Agreement|Protocol|Charter|Pact|Accords?)\b", found[2]
            ):
                continue  # "acceded to NATO" is a membership (rule_affiliations), not a treaty
            if x is not None and x.pick(*FORUM_TYPES, "CountryGroup"):
                continue
            treaty = d.new(found[2], "Treaty")
            known = re.search(
                r"\b(?:commonly|also|better|widely)\s+known\s+as\s+(?:the\s+)?",
                s.body[found[1] - s.start :],
            )
            if known:
                alias = d.name_at(s, found[1] + known.end())
                if alias:
                    treaty.support.append(
                        Triple(N(treaty.iri), N(SKOS + "altLabel"), lit(alias[2], language="en"))
                    )
        d.propose(
            s,
            "treaty",
            [Triple(N(subject.iri), kg("ratified"), N(treaty.iri))],
            [subject, treaty],
            (s.at(m.start()), s.at(m.end()) + len(treaty.label)),
            f"{subject.label} ratified {treaty.label}",
        )


def _split_aims(text: str) -> list[tuple[int, str]]:
    """Items of "to A, B and C" where each item starts with a verb: (offset, item)."""
    text = text.rstrip(" .;:")
    cuts = [0]
    for m in re.finditer(
        r"(?:,\s*(?:and\s+|as\s+well\s+as\s+)?|\s+and\s+|\s+as\s+well\s+as\s+)(?:to\s+)?(\w+)", text
    ):
        if m.group(1).lower() in AIM_VERBS:
            cuts.append(m.start())
    items = []
    for a, b in zip(cuts, [*cuts[1:], len(text)], strict=True):
        piece = text[a:b].lstrip()
        a += len(text[a:b]) - len(piece)
        lead = re.match(r"(?:,\s*)?(?:and\s+|as\s+well\s+as\s+)?(?:to\s+)?", piece)
        skip = lead.end() if lead else 0  # every part of the pattern is optional: it matches
        item = piece[skip:].strip(" ,")
        if len(item.split()) >= 2:
            items.append((a + skip, item))
    return items


def rule_objectives(d: Drafter, s: Sentence) -> None:
    """Aims and objectives of a strategy: "aims to A and to B", "goals to A, B, and C", and the
    bullets after "has four strategic objectives"."""
    body = s.body
    if s.bullet and d.list_intro and d.list_intro[0] == "Objective" and d.list_intro[1] is not None:
        lead = len(body) - len(body.lstrip("•-*–▪◦ \t"))
        item = body[lead:].strip().rstrip(".")
        if 2 <= len(item.split()) <= 25:
            _objective(d, s, d.list_intro[1], "hasObjective", item, s.at(lead))
        return
    if not s.bullet and d.list_intro and d.list_intro[0] == "Objective":
        d.list_intro = None
    strategy = None
    named = [x for x in s.mentions if x.pick(*STRATEGY_TYPES)]
    if (
        re.search(r"\b(?:strateg\w*|programme|program|plan)\b", body, re.I)
        and d.last_strategy is not None
    ):
        strategy = d.last_strategy
    if named:
        strategy = d.ref(named[-1].picked(*STRATEGY_TYPES))
    if strategy is None:
        return
    intro = re.search(
        r"\b(?:has|have|sets?\s+out|defines?|with)\s+(?:\w+\s+){0,3}(?:strategic\s+)?(objectives|goals|aims|priorities)\s*:?\s*$",
        body,
        re.I,
    )
    if intro:
        d.list_intro = ("Objective", strategy)
        return
    m = re.search(
        r"\b(?:aims?|aimed|aiming|seeks?|intends?)\s+to\s+|\b(?:goals?|aims?|objectives?|purpose)\s+(?:is|are|include|includes|of\s+\w+\s+include)\s+(?:to\s+)?|\bwith\s+(?:the\s+)?(?:goals?|aims?|objectives?)\s+(?:to|of)\s+",
        body,
        re.I,
    )
    if m is None:
        return
    predicate = "hasObjective" if "objective" in m.group(0).lower() else "hasAim"
    tail = body[m.end() :]
    stop = re.search(r",\s*(?:thus|thereby|which|while|whereas)\b|;", tail)
    tail = tail[: stop.start()] if stop else tail
    for offset, item in _split_aims(tail):
        _objective(d, s, strategy, predicate, item, s.at(m.end() + offset))


def _objective(d: Drafter, s: Sentence, strategy: Ref, predicate: str, item: str, at: int) -> None:
    label = item[0].upper() + item[1:]
    slugged = "-".join(slug(label).split("-")[:6])
    node = f"{strategy.iri}-aim-{slugged}"  # an objective belongs to its strategy: no new() slug
    ref = Ref(
        node,
        label,
        [Triple(N(node), TYPE, kg("Objective")), Triple(N(node), LABEL, lit(label, language="en"))],
        known=False,
    )
    d.propose(
        s,
        "objective",
        [Triple(N(strategy.iri), kg(predicate), N(ref.iri))],
        [strategy, ref],
        (at, at + len(item)),
        f"{strategy.label}: {label}",
    )


_LONG_NAME = re.compile(
    r"((?:[A-Z][\w’'.-]*|\d\w*)(?:\s+(?:[A-Z][\w’'.-]*|of|for|and|on|in|the|de|na|du|la|\d\w*))*)\s*$"
)


def _is_acronym(text: str) -> bool:
    """Whether a name is an acronym ("ABC", "ČÚ", "AbcReg", "XY IGF"): short, one space at
    most, two capitals at least."""
    return len(text) <= 12 and text.count(" ") <= 1 and sum(ch.isupper() for ch in text) >= 2


_HEADS = [  # the head word of a name, and the class it makes likely
    (r"\bMinistry\b", "Ministry"),
    (r"\b(?:Regulation|Directive)\b", "Regulation"),
    (r"\b(?:Act|Law)\b", "Law"),
    (r"\b(?:Strategy|Plan|Programme|Program|Framework|Agenda)\b", "Strategy"),
    (r"\bForum\b", "Forum"),
    (r"\b(?:Dialogue|Conference)\b", "Forum"),
    (r"\bResearch\b|\bInstitute\b|\bUniversity\b|\bNetwork\b", "ResearchInstitute"),
    (r"\b(?:Authority|Agency|Office|Commission|Commissioner|Centre|Center|Inspectorate"
     r"|Directorate|Council|Board|Service)\b", "GovernmentAgency"),
]  # fmt: skip


def _class_of(name: str, sentence: str) -> str | None:
    """The class a name's head word makes likely. The head of "A B of C" or "A for C" is in
    "A B": a Commission for Communications Regulation is a commission, not a regulation."""
    head = re.split(r"\s+(?:of|for|on)\s+", name, maxsplit=1)[0]
    for pattern, cls in _HEADS:
        if re.search(pattern, head):
            return _agency_role(cls, sentence)
    for pattern, cls in _HEADS:
        if re.search(pattern, name):
            return _agency_role(cls, sentence)
    return None


def _agency_role(cls: str, sentence: str) -> str:
    """An agency the sentence says regulates, supervises or enforces is a regulator."""
    if cls == "GovernmentAgency" and re.search(
        r"\bregulat\w*|\bsupervis\w*|\benforc\w*|\boversee\w*", sentence, re.I
    ):
        return "Regulator"
    return cls


def rule_aliases(d: Drafter, s: Sentence) -> None:
    """Names given twice: "the Office for X (OX)", "the X Data Authority (native name, XDA)",
    "ABC, the Alpha Beta Conference". A name the graph knows (by either form) is that entity:
    an acronym in parentheses never mints a second one."""
    _aliases(d, s, late=False)


def rule_late_aliases(d: Drafter, s: Sentence) -> None:
    """After the other rules: "the European Economic Area (EEA), which it joined" names no
    class by its head word, but a rule of this sentence has proposed the entity; its acronym
    goes to it."""
    _aliases(d, s, late=True)


def _aliases(d: Drafter, s: Sentence, late: bool) -> None:
    body = s.body
    if not late:  # "Czechia (officially the Czech Republic)": the official name of a known place
        for m in re.finditer(
            r"\(officially(?:\s+known\s+as)?\s+(?:the\s+)?([A-Z][\w’'-]*(?:\s+(?:[A-Z][\w’'-]*|of|and|the))*)\)",
            body,
        ):
            x = next(
                (
                    x
                    for x in s.mentions
                    if x.end <= s.at(m.start()) and not body[x.end - s.start : m.start()].strip()
                ),
                None,
            )
            if x is None or x.pick("Country", "Territory") is None:
                continue
            place = d.ref(x.picked("Country", "Territory"))
            name = m.group(1).strip()
            if name.casefold() == place.label.casefold():
                continue
            d.propose(
                s,
                "alias",
                [Triple(N(place.iri), N(SKOS + "altLabel"), lit(name, language="en"))],
                [place],
                (x.start, s.at(m.end())),
                f"{place.label} is officially called {name}",
            )
    for m in re.finditer(r"\(([^()]{1,80})\)", body):
        head = _LONG_NAME.search(body[: m.start()])
        if head is None:
            continue
        long_name = re.sub(r"^(?:The|A|An|the|of|for|and)\s+", "", head.group(1)).strip()
        items = [x.strip() for x in m.group(1).split(",") if x.strip()]
        if len(long_name.split()) < 2 or not items:
            continue
        if any(re.search(r"\d{4}|\b(?:north|south|east|west)", x, re.I) for x in items):
            continue  # "(west)", "(2019)": not a name
        if not all(
            _is_acronym(x)
            or (re.fullmatch(r"[^\W\d_][\w’'-]+(?:\s+[\w’'-]+){0,4}", x) and x[0].isupper())
            for x in items
        ):
            continue
        if any(x[0].isdigit() for x in [long_name, *items]) or any(
            e.is_a("Country", "City", "Place", "Territory", *WATER_TYPES)
            for name in [long_name, *items]
            for e in d.gaz.lookup(name)
        ):
            continue  # "(1 Intelsat)", "(officially …)" of a place: not an organisation's alias
        ref = _known_by_any(d, [long_name, *items])
        if late:  # only a name no class was found for, minted since by another rule
            minted = d.minted(long_name)
            if ref is not None or _class_of(long_name, body) is not None or minted is None:
                continue
            ref = minted
        elif ref is None:
            cls = _class_of(long_name, body)
            if cls is None:
                continue
            # a national body of the profile belongs to its country (the shapes require it);
            # each alias stays its own proposal, since an alias is part of Proposal.key
            ref = _body(d, long_name, cls)
        # an alias the graph already holds is still stated here: proposed, the draft marks it
        # as already in the graph, and accepting it cites this passage too
        for alias in [long_name, *items]:
            if alias.casefold() == ref.label.casefold():
                continue
            d.propose(
                s,
                "alias",
                [Triple(N(ref.iri), N(SKOS + "altLabel"), lit(alias, language="en"))],
                [ref],
                (s.at(max(0, m.start() - len(long_name) - 1)), s.at(m.end())),
                f"{ref.label} is also called {alias}",
            )
    if late:
        return
    # "XYZ, the X Y Z,": a known name and its long form
    for x in s.mentions:
        if x.pick("Country", "City", "Place", "Territory", *WATER_TYPES):
            continue
        apposition = re.match(
            r",\s+the\s+((?:[A-Z][\w’'-]*)(?:\s+(?:[A-Z][\w’'-]*|of|for|and|on|in|the))+)",
            s.text[x.end : s.end],
        )
        if apposition is None or len(apposition.group(1).split()) < 3:
            continue
        ref = d.ref(x.entity)
        alias = apposition.group(1).rstrip()
        if alias.casefold() in {lab.casefold() for lab in x.entity.labels}:
            continue
        d.propose(
            s,
            "alias",
            [Triple(N(ref.iri), N(SKOS + "altLabel"), lit(alias, language="en"))],
            [ref],
            (x.start, x.end + apposition.end()),
            f"{ref.label} is also called {alias}",
        )


_DUTY = (
    r"(?:regulates|supervises|enforces|oversees|is\s+responsible\s+for|is\s+(?:the\s+)?"
    r"(?:independent\s+)?(?:regulator|supervisory\s+authority|central\s+authority)\s+for)"
)
_NAME_AHEAD = r"(?:[A-Z][\w’'.-]*)(?:\s+(?:[A-Z][\w’'.-]*|of|for|and|on|in|the))*"
_DUTY_PASSIVE = r"(?:(?:are|is)\s+(?:regulated|enforced|supervised|overseen)\s+by|falls?\s+under)"


# "X, the media regulator": a name the text calls a regulator (the name itself may not say)
_REGULATOR_APPOSITION = re.compile(
    r"^(?:[A-Z][\w’'.-]*|\d\w*)(?:\s+(?:[A-Z][\w’'.-]*|of|for|and|on|the|de|na|du|la))*"
    r",\s+the\s+(?:(?:national|independent|[a-z]+)\s+){0,2}(?:regulator|supervisory\s+authority)\b"
)


def rule_regulator_apposition(d: Drafter, s: Sentence) -> None:
    """A body the text calls a regulator in apposition: "X, the media regulator, …" is a
    regulator of the profile's country (a name the graph knows stays that entity)."""
    body = s.body
    for m in re.finditer(r"(?:^|[;:]\s*|,\s*(?:and\s+)?|\bincludes?\s+(?:the\s+)?)(?=[A-Z])", body):
        hit = _REGULATOR_APPOSITION.match(body[m.end() :])
        if hit is None or d.country is None:
            continue
        name = body[m.end() : m.end() + hit.group(0).index(",")].strip()
        name = re.sub(r"^(?:The|the)\s+", "", name)
        if len(name.split()) < 2 or not re.search(r"[a-z]{2}", name):
            continue  # a name of words, not "XY IGF"
        ref = _known_by_any(d, [name]) or _body(d, name, "Regulator")
        country = d.ref(d.country)
        d.propose(
            s,
            "body",
            [
                Triple(N(ref.iri), TYPE, kg("Regulator")),
                Triple(N(ref.iri), kg("country"), N(country.iri)),
            ],
            [ref, country],
            (s.at(m.end()), s.at(m.end() + hit.end())),
            f"{ref.label} is a Regulator of {country.label}",
        )


def rule_regulates(d: Drafter, s: Sentence) -> None:
    """What a regulator or authority regulates: "X (ACR) regulates A and B", "A and B are
    regulated by X", "A and B fall under X", "X is the independent supervisory authority for A
    and for B", "Supervision of A lies with X". Each field is a concept named by the text's
    words (the graph has no scheme of regulated fields yet)."""
    body = s.body
    found: list[tuple[str, int, str, int]] = []  # (name, name offset, fields, fields offset)
    for m in re.finditer(r"(?:,\s*which\s+|\s+)" + _DUTY + r"\s+(?:the\s+)?", body):
        head = _LONG_NAME.search(re.sub(r"\s*\([^()]*\)\s*$", "", body[: m.start()]))
        if head and not re.search(r"\band$", head.group(1)):
            found.append((head.group(1), head.start(1), body[m.end() :], m.end()))
        elif (
            found
            and re.search(r"\s+and$", body[: m.start()])
            and not re.search(r"[;]|,\s*which\b", body[found[-1][3] : m.start()])
        ):  # "X enforces A and supervises B": X again
            found.append((found[-1][0], found[-1][1], body[m.end() :], m.end()))
        elif head:  # "X, the media regulator, which replaced Y and is responsible for": X
            which = body.rfind(", which ", 0, m.start())
            before = re.sub(r",\s+the\s+[a-z][^,;()]*$", "", body[:which]) if which > 0 else ""
            named = _LONG_NAME.search(before)
            if named and not re.search(r"\b(?:and|or)\s+is\b.*\band\s+is\b", body[which:]):
                found.append((named.group(1), named.start(1), body[m.end() :], m.end()))
    for m in re.finditer(r"\s+" + _DUTY_PASSIVE + r"\s+(?:the\s+)?", body):
        fields = re.split(r",\s*(?:while|and|but)\b|;", body[: m.start()])[-1]
        start = m.start() - len(fields)
        named = re.match(_NAME_AHEAD, body[m.end() :])
        if named:
            found.append((named.group(0), m.end(), fields, start))
    for m in re.finditer(
        r"\s+(?:is|has\s+been|was)\s+the\s+responsibility\s+of\s+(?:the\s+)?", body
    ):  # "A has been the responsibility of X"
        fields = re.split(r",\s*|;", body[: m.start()])[-1]
        named = re.match(_NAME_AHEAD, body[m.end() :])
        if named:
            found.append((named.group(0), m.end(), fields, m.start() - len(fields)))
    for m in re.finditer(
        r"\b(?:[Ss]upervision|[Rr]esponsibility)\s+(?:of|for)\s+(?:the\s+)?", body
    ):
        lies = re.search(r"\s+(?:lies|rests)\s+with\s+(?:the\s+)?", body[m.end() :])
        if lies:
            at = m.end() + lies.end()
            named = re.match(_NAME_AHEAD, body[at:])
            if named:
                found.append((named.group(0), at, body[m.end() : m.end() + lies.start()], m.end()))
    for name, name_at, fields, fields_at in found:
        name = re.sub(r"^(?:The|the)\s+", "", name).strip()
        name = re.sub(r"\s+(?:and|of|for|the)$", "", name)
        if len(name) < 3:
            continue
        ref = _known_by_any(d, [name])
        if ref is None:
            cls = (
                _class_of(name, body)
                or ("Regulator" if _is_acronym(name) else None)
                or ("Regulator" if _REGULATOR_APPOSITION.search(body[name_at:]) else None)
            )
            if cls is None:
                continue
            ref = _body(d, name, cls)
        clause = re.split(
            r"[;.]|,\s*(?:while|and\s+the|and\s+is|which|but)\b"
            r"|\s+and\s+(?:is|supervises|enforces|regulates)\b",
            fields,
        )[0]
        clause = re.sub(r"^\W+", "", clause)
        if fields_at == 0 and clause[:1].isupper() and clause[1:2].islower():
            clause = clause[0].lower() + clause[1:]  # "Electronic communications … are regulated"
        # "sectors that include A, B and C services": a one-word item is an A sector
        shared = re.match(
            r"(?:the\s+)?([a-z]+)s\s+(?:that|which)\s+includes?\s+|(?:the\s+)?([a-z]+)s\s+such\s+as\s+",
            clause,
        )
        noun = (shared.group(1) or shared.group(2)) if shared else ""
        if shared:
            clause = clause[shared.end() :]
            fields_at = fields_at + fields.find(clause)
            fields = fields[fields.find(clause) :]
        items = [
            x.strip() for x in re.split(r",\s*(?:and\s+)?(?:for\s+)?|\s+and\s+(?:for\s+)?", clause)
        ]
        if noun:
            items = [x if len(x.split()) > 1 else f"{x} {noun}" for x in items]
        if (
            len(items) == 2
            and len(items[0].split()) == 1
            and len(items[1].split()) == 2
            and not items[0].endswith("ing")  # "broadcasting and online safety": two fields
        ):
            items[0] += " " + items[1].split()[1]  # "competition and consumer rules"
        for item in items:
            item = re.sub(r"^(?:the|its)\s+", "", item.strip())
            if not item or not item[0].islower() or len(item.split()) > 6:
                continue
            concept = N(f"{ID}field-{slug(item)}")
            triples = [
                Triple(N(ref.iri), kg("domainOfRegulation"), concept),
                Triple(concept, TYPE, N(SKOS + "Concept")),
                Triple(concept, N(SKOS + "prefLabel"), lit(item, language="en")),
                Triple(concept, N(SKOS + "inScheme"), voc("regulated-fields")),
            ]
            pos = fields.find(item)
            pos = fields.find(item.split()[0]) if pos < 0 else pos  # "energy [sector]"
            at = s.at(fields_at + max(0, pos))
            d.propose(
                s,
                "regulates",
                triples,
                [ref],
                (min(at, s.at(name_at)), at + len(item)),
                f"{ref.label} regulates {item}",
            )


_WATER_NAME = re.compile(
    r"\b((?:Gulf|Bay|Sea)\s+of\s+[A-Z][\w-]*|[A-Z][\w-]*(?:\s+[A-Z][\w-]*)*\s+(?:Sea|Ocean|Gulf|Bay))\b"
)


def rule_coast_list(d: Drafter, s: Sentence) -> None:
    """Coasts named in a clause about the coast in other words: "the X Sea washes its western
    shores", "the coastline faces the X Sea, the Y Sea and the Z Sea", "its X Sea coast faces
    north", "a coastline on the Gulf of X gives it access to the Y Sea". Every water body of
    such a clause is coast of the subject; one "across" is not."""
    subject = d.ref(d.country) if d.country else None
    if subject is None:
        return
    for at, clause in _clauses(s.body):
        if not re.search(r"\b(?:coast(?:line)?s?|shores?|washe?s?|seaboard)\b", clause, re.I):
            continue
        for m in _WATER_NAME.finditer(clause):
            if _after_word(clause, m.start(1), ("across", "beyond")):
                continue
            known = s.after(s.at(at + m.start(1)))
            if known is not None and (entity := known.pick(*WATER_TYPES)):
                water = d.ref(entity)
            else:
                words = m.group(1).split()
                cls = {"Sea": "Sea", "Ocean": "Ocean", "Gulf": "Gulf", "Bay": "Gulf"}.get(
                    words[-1], "Gulf" if words[0] in ("Gulf", "Bay") else "Sea"
                )
                water = d.new(re.sub(r"^The\s+", "", m.group(1)), cls)
            d.propose(
                s,
                "coast",
                [Triple(N(subject.iri), kg("hasCoastOn"), N(water.iri))],
                [subject, water],
                (s.at(at + m.start(1)), s.at(at + m.end(1))),
                f"{subject.label} has a coast on {water.label}",
            )


_PLACE_NAME = (
    r"((?:(?:north|south|east|west)[\w-]*\s+)?[A-Z][\w’'-]*"
    r"(?:\s+(?:of\s+(?:the\s+)?)?[A-Z][\w’'-]*)*)"
)


def _place(d: Drafter, s: Sentence, name: str, cls: str) -> Ref:
    found = [e for e in d.gaz.lookup(name) if not e.is_a("Country") or cls == "Country"]
    return d.ref(found[0]) if found else d.new(name, cls)


def _names_list(text: str) -> list[tuple[int, str]]:
    """The capitalised names of "A, B and C" (offsets into ``text``)."""
    return [
        (m.start(1), m.group(1))
        for m in re.finditer(
            r"(?:^|,\s*|\s+and\s+)(?:the\s+)?([A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*)", text
        )
    ]


def rule_places(d: Drafter, s: Sentence) -> None:
    """Where places are, and what a country is made of: "<country> is a landlocked state in
    X", "lies in south-eastern X", "occupies the southern end of the X Peninsula", "A, in B,",
    "A, B and C are in X", "A and B belong to X", "is made up of the A peninsula and many
    islands, among them B and C"."""
    subject = d.subject(s)
    if subject is None:
        return
    body = s.body

    def located(place: Ref, where: Ref, span: tuple[int, int], prop: str = "locatedIn") -> None:
        if place.iri == where.iri:
            return
        kinds = {t.object for t in place.support if t.predicate == TYPE}
        if prop == "partOf" and kg("Territory") in kinds:
            prop = "territoryOf"  # a territory of a country (the shapes require it)
        verb = {
            "locatedIn": "is in",
            "partOf": "is part of",
            "hasPart": "has part",
            "territoryOf": "is a territory of",
        }[prop]
        d.propose(s, "place", [Triple(N(place.iri), kg(prop), N(where.iri))], [place, where],
                  span, f"{place.label} {verb} {where.label}")  # fmt: skip

    lead = re.match(
        r"\W*(?:[A-Z][\w’'-]*\s+)*?(?:\([^)]*\)\s+)?"
        r"(?:is\s+(?:a|an)\s+(?:[\w-]+\s+){0,3}(?:country|state|nation)\s+in"
        r"|lies\s+in|is\s+(?:located|situated)\s+in)\s+(?:the\s+)?" + _PLACE_NAME,
        body,
    )
    if lead and d.subject(s) is not None:
        name = lead.group(1)
        if not d.gaz.lookup(name) or not any(e.is_a("City") for e in d.gaz.lookup(name)):
            where = _place(d, s, name, "Region")
            located(subject, where, (s.at(lead.start(1)), s.at(lead.end(1))))
    for m in re.finditer(
        r"\b(?:occupies|stretches\s+along|lies\s+on|is\s+on|located\s+on)\s+the\s+[^.;]{0,60}?"
        r"(?:of\s+)?the\s+([A-Z][\w-]*(?:\s+[A-Z][\w-]*)*\s+Peninsula)\b",
        body,
    ):
        where = _place(d, s, m.group(1), "Peninsula")
        located(subject, where, (s.at(m.start()), s.at(m.end())))
    # "a small Central European country": the region the adjective names
    adjective = re.match(
        r"\W*(?:[A-Z][\w’'-]*\s+)*?is\s+(?:a|an)\s+(?:[a-z]+\s+)?((?:[A-Z][a-z]+[\s-])?European)"
        r"\s+(?:country|state|nation)\b",
        body,
    )
    if adjective and adjective.group(1) != "European":
        name = adjective.group(1).removesuffix("European") + "Europe"
        where = _place(d, s, name.replace("-Europe", " Europe"), "Region")
        located(subject, where, (s.at(adjective.start(1)), s.at(adjective.end(1))))
    # "A, in the west," (a place in the subject) / "X, whose region of A" (A is part of X)
    for m in re.finditer(
        r"(?<![\w’'])([A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*),\s+in\s+the\s+(?:north|south|east|west)[\w-]*,",
        body,
    ):
        if m.group(1) not in _NOT_CITY and not d.gaz.lookup(m.group(1)):
            place = _place(d, s, m.group(1), "Place")
            located(place, subject, (s.at(m.start()), s.at(m.end())))
    for m in re.finditer(
        r"\b(?:the\s+)?([A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*),\s+whose\s+(?:region|province|part|territory)"
        r"\s+of\s+([A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*)",
        body,
    ):
        whole = _place(d, s, m.group(1), "Country")
        part = _place(d, s, m.group(2), "Region")
        located(part, whole, (s.at(m.start(1)), s.at(m.end(2))), "partOf")
    # "X is also home to the Y": Y is in X
    for m in re.finditer(
        r"(?<![\w’'])([A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*)\s+is\s+(?:also\s+)?home\s+to\s+(?:the\s+)?"
        r"([A-Z][\w’'-]*(?:\s+(?:[A-Z][\w’'-]*|of|for|on|and))*)",
        body,
    ):
        where = _place(d, s, m.group(1), "City")
        name = re.sub(r"\s+(?:of|for|on|and)$", "", m.group(2))
        what = _known_by_any(d, [name]) or _body(d, name, _class_of(name, body) or "Place")
        located(what, where, (s.at(m.start()), s.at(m.end())))
    # "Brno, in Moravia," / "Triglav, in the Julian Alps,"
    for m in re.finditer(
        r"(?<![\w’'])([A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*),\s+in\s+(?:the\s+)?([A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*),",
        body,
    ):
        if m.group(1) in _NOT_CITY:
            continue
        place = _place(d, s, m.group(1), "Place")
        where = _place(d, s, m.group(2), "Region")
        located(place, where, (s.at(m.start()), s.at(m.end(2))))
    # "A, B and C, are in X" / "A and B belong to X"
    for m in re.finditer(
        r"((?:[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*)(?:\s*,\s*[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*)*"
        r"\s*,?\s+and\s+(?:the\s+)?[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*),?\s+"
        r"(are\s+in|belong\s+to|are\s+part\s+of)\s+(?:the\s+)?" + _PLACE_NAME,
        body,
    ):
        prop = "locatedIn" if m.group(2).startswith("are in") else "partOf"
        where = _place(d, s, m.group(3), "Region" if prop == "locatedIn" else "Country")
        for offset, name in _names_list(m.group(1)):
            name = re.sub(r"^The\s+", "", name)
            if name in _NOT_CITY:
                continue
            place = _place(d, s, name, "Region")
            located(place, where, (s.at(m.start(1) + offset), s.at(m.end(3))), prop)
    # "one of the constituent countries of X; the other three, A, B and C, …"
    constituent = re.search(
        r"\bconstituent\s+countr(?:y|ies)\s+of\s+(?:the\s+)?" + _PLACE_NAME, body
    )
    if constituent:
        whole = _place(d, s, constituent.group(1), "Country")
        span = (s.at(constituent.start()), s.at(constituent.end()))
        if re.search(
            r"\b(?:is|as)\s+(?:one|the\s+\w+)\s+of\s+the\s+[^.;]*$", body[: constituent.start()]
        ):
            located(subject, whole, span, "partOf")
        other = re.search(r"\bthe\s+other\s+\w+,\s+([^;.]+?),\s+(?:are|were|lie)\b", body)
        if other:
            for offset, name in _names_list(other.group(1)):
                place = _place(d, s, name, "Region")
                at = s.at(other.start(1) + offset)
                located(place, whole, (at, at + len(name)), "partOf")
    # "is made up of the A peninsula and many islands, among them B and C"
    made = re.match(
        r"\W*(?:[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*|The\s+country|It)\s+"
        r"(?:is\s+made\s+up\s+of|consists\s+of|comprises)\s+",
        body,
    )
    if made and (d.subject(s) == subject):
        rest = re.split(r"[.;]|\s+together\s+with\b", body[made.end() :])[0]
        rest = re.sub(r"\bthe\s+historical\s+lands\s+of\s+", "", rest)
        for m in re.finditer(
            r"(?<![\w’'])([A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*(?:\s+(?:peninsula|island|islands))?)",
            rest,
        ):
            if m.group(1) in _NOT_CITY:
                continue
            cls = "Peninsula" if m.group(1).endswith("peninsula") else "Region"
            if any(e.is_a("Country", "City") for e in d.gaz.lookup(m.group(1))):
                continue  # a country or city is not part of the subject
            part = _place(d, s, m.group(1), cls)
            at = s.at(made.end() + m.start(1))
            located(subject, part, (at, at + len(m.group(1))), "hasPart")


_TEAM = (
    r"(?:the\s+)?(?:national|government(?:al)?)\s+(?:computer\s+(?:security\s+incident|emergency)"
    r"\s+response\s+team|CSIRT|CERT)"
)
_TEAM_NAME = r"([A-Z][\w.-]*(?:[.-][A-Z][\w.-]*)*)"


def rule_teams(d: Drafter, s: Sentence) -> None:
    """National and government response teams named beside the words that say so ("X, the
    national computer emergency response team", "the national CSIRT, X, is operated by Y", "X
    acts as the national CSIRT", "Y runs the government CERT, X") and who runs them."""
    country = d.ref(d.country) if d.country else None
    if country is None:
        return
    body = s.body
    teams: list[tuple[str, int, int]] = []  # (name, start, end) in body
    for m in re.finditer(_TEAM_NAME + r",\s+" + _TEAM + r"\b", body):
        teams.append((m.group(1), m.start(1), m.end()))
    for m in re.finditer(_TEAM + r",\s+" + _TEAM_NAME, body):
        teams.append((m.group(1), m.start(), m.end(1)))
    for m in re.finditer(r"\s+acts\s+as\s+" + _TEAM, body):
        before = re.sub(r"(?:\s*\([^)]*\))?(?:,[^,]*,)?$", "", body[: m.start()])
        head = _LONG_NAME.search(before)
        if head:
            name = re.sub(r"^(?:The|the)\s+", "", head.group(1))
            teams.append(
                (name, m.start() - len(body[: m.start()]) + len(before) - len(name), m.end())
            )
    for name, start, end in teams:
        name = name.rstrip(".")
        known = _known_by_any(d, [name])
        team = known or d.new(name, "ResponseTeam")
        d.propose(
            s,
            "body",
            [
                Triple(N(team.iri), TYPE, kg("ResponseTeam")),
                Triple(N(team.iri), kg("country"), N(country.iri)),
                # a computer security incident response team: its focus is in its name
                Triple(N(team.iri), kg("focus"), voc("topic-cybersecurity")),
            ],
            [team, country],
            (s.at(start), s.at(end)),
            f"{team.label} is a national response team of {country.label}",
        )
        operator = None
        after = re.match(
            r"[^.;]*?\b(?:is\s+)?(?:operated|run|managed)\s+by\s+(?:the\s+)?" + _NAME_AHEAD,
            body[end:],
        )
        runner = re.search(
            r"(?:^|[.;]\s*|,\s*)(?:The\s+|the\s+)?("
            + _NAME_AHEAD
            + r")(?:\s*\([^)]*\))?(?:\s+[a-z]+\s+[^.;]*?\s+and)?\s+(?:also\s+)?(?:runs|operates)"
            r"\s+(?:the\s+)?[^.;]*$",
            body[:start],
        )
        if after:
            operator = re.sub(
                r"\s+(?:and|of|for|the)$",
                "",
                after.group(0)[after.group(0).rfind("by ") + 3 :].removeprefix("the "),
            )
        elif runner:
            operator = re.sub(r"^(?:The|the)\s+", "", runner.group(1))
        if operator:
            op = _known_by_any(d, [operator]) or _body(
                d, operator, _class_of(operator, body) or "GovernmentAgency"
            )
            d.propose(
                s, "operator", [Triple(N(team.iri), kg("operatedBy"), N(op.iri))], [team, op],
                (s.at(start), s.at(end)), f"{team.label} is operated by {op.label}",
            )  # fmt: skip


NATIONAL_BODIES = ("GovernmentAgency", "Regulator", "Ministry", "GovernmentBody")
# what belongs to one country: a known one of another country is not this profile's
NATIONAL_KINDS = (*NATIONAL_BODIES, "ResponseTeam", "ResponseUnit", *STRATEGY_TYPES, "Law")


def _body(d: Drafter, name: str, cls: str) -> Ref:
    """A new organisation named in a country's profile; a government body of the profile
    belongs to its country (the shapes require it)."""
    ref = d.new(name, cls)
    if cls in NATIONAL_BODIES and d.country is not None:
        ref.support.append(Triple(N(ref.iri), kg("country"), N(d.country.iri)))
    return ref


def _known_by_any(d: Drafter, names: list[str]) -> Ref | None:
    for name in names:
        for entity in d.gaz.lookup(name):
            if not entity.is_a("Country", "City") and not (
                d.foreign(entity) and entity.is_a(*NATIONAL_KINDS)
            ):
                return d.ref(entity)
    return None


RULES: list[Callable[[Drafter, Sentence], None]] = [
    rule_aliases,
    rule_regulates,
    rule_regulator_apposition,
    rule_coast_list,
    rule_places,
    rule_teams,
    rule_borders,
    rule_coast,
    rule_coast_inverted,
    rule_landlocked,
    rule_capital,
    rule_city_roles,
    rule_quantities,
    rule_rankings,
    rule_affiliations,
    rule_strategies,
    rule_bodies,
    rule_treaties,
    rule_objectives,
    rule_late_aliases,
]
