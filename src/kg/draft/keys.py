"""Score a draft against an answer key written in plain words: the development-set measure.

An answer key (``KEY-<profile>.md`` beside ``<profile>.txt``) lists every fact its text
states as a table row: subject, relation, object and qualifiers in plain English, and the
stating sentence quoted exactly. The key does not know our ontology, so scoring has three
steps:

1. each proposal is reduced to *claims* (:func:`claims`): what it says, as a relation family
   (``border``, ``capital``, ``population``, ``alias`` …), a subject and an object (IRIs,
   or literals for numbers, years and names) and the qualifiers it adds (border type,
   directions, dates);
2. each key row's plain relation is read into the same families (:data:`RELATIONS`);
3. a claim *expresses* a key fact when the families agree and both ends name the same thing
   (labels of the IRI folded against the key's words, either direction: "X is capital of
   Y" is Y's ``kg:capital``), and it is *stated* when in addition every qualifier
   it carries is one the key gives (a land border where the key leaves the type open, a day
   where it gives a year, a direction it does not name: not stated).

Counts follow the key's README: recall over key facts (a fact is found when a stated-or-not
claim expresses it from a passage containing the stating sentence); precision over
proposals, where a proposal is right only if every claim it makes is stated, from a passage
that contains the stating sentence. A proposal that expresses no key fact counts as wrong,
except a class statement about an entity the key describes in the same sentence (the README:
"not key facts … not an error if the cited sentence supports them"). So the precision printed
is a lower bound: a correct fact the key does not list is counted against the drafter.

Nothing here knows a profile: the rules of reading are about the words of relations
("borders", "is capital of", "abbreviation of"), never about a country or an entity.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from pyoxigraph import Literal, NamedNode, Triple

from kg.draft import rules
from kg.draft.gazetteer import Gazetteer
from kg.draft.model import Draft, Proposal
from kg.draft.terms import term_value
from kg.errors import InputError
from kg.namespaces import KG, PREFIXES, RDF_TYPE, RDFS_LABEL, VOC

SKOS = PREFIXES["skos"]
NAME_PROPS = {
    RDFS_LABEL,
    SKOS + "prefLabel",
    SKOS + "altLabel",
    KG + "nativeLabel",
}
MONTHS = list(rules.MONTHS)  # the month names in order: one list, the drafter's
DIRECTION_WORDS = re.compile(r"\b(north|south|east|west)(?:[\s-]?(east|west))?(?:ern)?\b", re.I)

PLACE_TYPES = {KG + c for c in ("Country", "City", "Place", "Territory", "Region")}
# plain relation of a key row -> claim families that express it
RELATIONS: list[tuple[str, tuple[str, ...]]] = [
    (r"^borders$", ("border",)),
    (r"maritime (?:border|boundary)", ("border",)),
    (r"^has coast on$|^has access to$", ("coast",)),
    (r"^is capital of$", ("capital",)),
    (r"^is largest city of$", ("largest",)),
    (r"second-largest city", ("second",)),
    (r"seat of government|seat of parliament", ("seat",)),
    (r"^population$", ("population",)),
    (r"^area", ("area",)),
    (r"member of|^part of$|^participant in$", ("member",)),
    (r"^signed$", ("treaty",)),
    (r"^is not member of$", ("not-member",)),
    (r"^has strategy$", ("strategy",)),
    (r"abbreviation of|native name|full name|official name", ("alias",)),
    (
        r"regulates|supervis|enforces|oversees|responsible for|central authority|expertise centre",
        ("regulates",),
    ),
    (r"^operates$|^houses$|^runs$", ("operator",)),
    (r"national csirt|emergency response team|^is$", ("body",)),
    (r"^located|^lies$|partly in|^part of$|constituent country|^has part$|^includes$", ("place",)),
    (r"^established$|came into being", ("founded",)),
    (r"^period$", ("period",)),
    (r"roadmap of", ("responsible",)),
    (r"uses currency|adopted currency", ("currency",)),
    (r"^hosted$|^held in$", ("hosted",)),
]


@dataclass(frozen=True)
class KeyFact:
    number: int
    subject: str
    relation: str
    object: str
    qualifiers: str
    sentence: str

    @property
    def families(self) -> tuple[str, ...]:
        rel = self.relation.casefold()
        found: list[str] = []
        for pattern, families in RELATIONS:
            if re.search(pattern, rel):
                found += [f for f in families if f not in found]
        if rel == "is" and "landlocked" in self.object.casefold():
            return ("landlocked",)
        return tuple(found)


@dataclass
class Claim:
    family: str
    subject: str  # IRI
    object: str  # IRI, or a literal's value prefixed with '"'
    qualifiers: dict[str, Any] = field(default_factory=dict)


@dataclass
class Score:
    """One profile's figures and the evidence behind them."""

    name: str
    facts: list[KeyFact]
    found: dict[int, str]  # key fact number -> id of a proposal that expresses it
    right: list[str]  # ids of proposals whose every claim is stated
    wrong: list[tuple[str, str]]  # (id, why)
    neutral: list[str]  # class statements about entities the key describes
    spans: tuple[int, int]  # (expressing claims from a passage holding the sentence, all)
    duplicates: list[str] = field(default_factory=list)  # new entities the graph knows

    @property
    def recall(self) -> float:
        return len(self.found) / max(len(self.facts), 1)

    @property
    def precision(self) -> float:
        judged = len(self.right) + len(self.wrong)
        return len(self.right) / judged if judged else 1.0


# ------------------------------------------------------------------ reading a key


def read_key(path: Path) -> list[KeyFact]:
    """The fact rows of an answer key (the table under "Facts stated").

    Raises:
        InputError: the file has no fact rows, or a row has too few cells.
    """
    facts = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not re.match(r"\|\s*\d+\s*\|", line):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 6:
            raise InputError(f"{path}:{n}: a fact row needs 6 cells, found {len(cells)}")
        number, subject, relation, obj, qualifiers = cells[:5]
        sentence = "|".join(cells[5:]).strip().strip('"“”')
        facts.append(KeyFact(int(number), subject, relation, obj, qualifiers, sentence))
    if not facts:
        raise InputError(f"{path}: no fact rows (| n | subject | relation | object | … |)")
    return facts


# ------------------------------------------------------------------ words and numbers


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"\([^)]*\)", " ", text)  # "(state)", "(Greece)": the key's own notes
    text = re.sub(r"[\W_]+", " ", text.casefold()).strip()
    return re.sub(r"^(?:the|a|an)\s+", "", text)


def number_of(text: str) -> Decimal | None:
    """The number a key writes ("roughly 10.9 million", "3,871,833", "56,594 km²")."""
    m = re.search(r"(\d[\d,  ]*(?:\.\d+)?)\s*(million|thousand|billion|m\b)?", text)
    if not m:
        return None
    try:
        value = Decimal(re.sub(r"[,  ]", "", m.group(1)))
    except InvalidOperation:
        return None
    scale = {"million": 10**6, "m": 10**6, "thousand": 10**3, "billion": 10**9}
    return value * scale.get((m.group(2) or "").lower(), 1)


def dates_in(text: str) -> set[str]:
    """Dates a qualifier gives, at the precision it gives them (year, year-month, day)."""
    found: set[str] = set()
    month = "|".join(MONTHS)
    for m in re.finditer(rf"\b(\d{{1,2}})\s+({month})\s+((?:19|20)\d\d)\b", text, re.I):
        found.add(f"{m.group(3)}-{MONTHS.index(m.group(2).lower()) + 1:02d}-{int(m.group(1)):02d}")
    rest = re.sub(rf"\b\d{{1,2}}\s+(?:{month})\s+(?:19|20)\d\d\b", " ", text, flags=re.I)
    for m in re.finditer(rf"\b({month})\s+((?:19|20)\d\d)\b", rest, re.I):
        found.add(f"{m.group(2)}-{MONTHS.index(m.group(1).lower()) + 1:02d}")
    rest = re.sub(rf"\b(?:{month})\s+(?:19|20)\d\d\b", " ", rest, flags=re.I)
    found |= set(re.findall(r"\b(?:19|20)\d\d\b", rest))
    return found


def directions_in(text: str) -> set[str]:
    return {(m.group(1) + (m.group(2) or "")).lower() for m in DIRECTION_WORDS.finditer(text)}


# ------------------------------------------------------------------ claims of a proposal


def claims(proposal: Proposal) -> list[Claim]:
    """What a proposal says, family by family (see the module docstring)."""
    by_s: dict[str, list[Triple]] = {}
    for t in proposal.triples:
        by_s.setdefault(term_value(t.subject), []).append(t)

    def values(node: str, p: str) -> list[str]:
        return [term_value(t.object) for t in by_s.get(node, []) if t.predicate.value == p]

    def one(node: str, p: str) -> str | None:
        found = values(node, p)
        return found[0] if found else None

    out: list[Claim] = []
    for t in proposal.triples:
        s, p, o = term_value(t.subject), t.predicate.value, t.object
        ov = term_value(o)
        local = p.removeprefix(KG)
        if local in ("sharesBorderWith", "sharesLandBorderWith", "sharesMaritimeBorderWith"):
            types = {"sharesLandBorderWith": "land", "sharesMaritimeBorderWith": "maritime"}
            out.append(Claim("border", s, ov, {"type": types.get(local, "plain")}))
        elif p == KG + "direction":
            placed, ref = one(s, KG + "positionedPlace"), one(s, KG + "relativeTo")
            if placed and ref and not any(c.subject == s for c in out):
                dirs = {v.removeprefix(VOC + "direction-") for v in values(s, p)}
                out.append(Claim("direction", ref, placed, {"directions": dirs, "node": s}))
        elif local == "hasCoastOn":
            out.append(Claim("coast", s, ov))
        elif p == RDF_TYPE and ov == KG + "LandlockedCountry":
            out.append(Claim("landlocked", s, '"landlocked'))
        elif local in ("capital", "capitalOf"):
            out.append(Claim("capital", s, ov))
        elif local in ("largestCity", "mostPopulousCity"):
            out.append(Claim("largest", s, ov))
        elif local in ("seat", "institutionalSeat"):
            out.append(Claim("seat", s, ov))
        elif local == "quantityKind":
            owner = next(
                (term_value(x.subject) for x in proposal.triples if x.object == t.subject), ""
            )
            kind = ov.removeprefix(VOC + "kind-")
            family = {"population": "population", "area": "area"}.get(kind, kind)
            value = one(s, KG + "value") or ""
            year = one(s, KG + "year")
            quals: dict[str, Any] = {"year": year} if year else {}
            out.append(Claim(family, owner, '"' + value, quals))
        elif local == "rank" and one(s, KG + "rankingCriterion"):
            owner = next(
                (term_value(x.subject) for x in proposal.triples if x.object == t.subject), ""
            )
            family = "second" if ov == "2" else "ranking"
            out.append(Claim(family, owner, one(s, KG + "rankingScope") or ""))
        elif local == "affiliatedWith":
            affiliate = one(s, KG + "affiliate") or ""
            quals = {}
            for prop in ("startDate", "startYear"):
                if (v := one(s, KG + prop)) is not None:
                    quals["date"] = v
            role = one(s, KG + "affiliationRole") or ""
            if role.endswith("founding-member"):
                quals["founding"] = True
            out.append(Claim("member", affiliate, ov, quals))
        elif local == "memberOfGroup":
            out.append(Claim("member", s, ov))
        elif p == RDF_TYPE and ov in (KG + "Strategy", KG + "Programme", KG + "StrategyDocument"):
            out.append(Claim("strategy", one(s, KG + "jurisdiction") or "", s))
        elif local in ("startYear", "endYear") and proposal.kind == "period":
            if not any(c.family == "period" for c in out):
                years = {"start": one(s, KG + "startYear"), "end": one(s, KG + "endYear")}
                out.append(Claim("period", s, '"period', years))
        elif local == "adoptionDate":
            out.append(Claim("adoption", s, '"' + ov))
        elif (
            local in ("managedBy", "ledBy", "developedBy", "implementedBy")
            or local == "responsibleOrganisation"
        ):
            out.append(Claim("responsible", s, ov))
        elif p == RDF_TYPE and proposal.kind == "body" and ov not in PLACE_TYPES:
            out.append(Claim("body", s, ov, {"country": one(s, KG + "country")}))
        elif local == "operatedBy":
            out.append(Claim("operator", ov, s))
        elif local == "ratified":
            out.append(Claim("treaty", s, ov))
        elif local in ("hasAim", "hasObjective"):
            out.append(Claim("objective", s, ov))
        elif local == "domainOfRegulation" or (local == "focus" and proposal.kind != "body"):
            # a response team's focus on cybersecurity is part of its class statement
            out.append(Claim("regulates", s, ov))
        elif local in ("locatedIn", "partOf", "hasPart", "mainlyLocatedIn", "territoryOf"):
            out.append(Claim("place", s, ov))
        elif p in (SKOS + "altLabel", KG + "nativeLabel") and proposal.kind == "alias":
            out.append(Claim("alias", s, '"' + ov))
    return out


# ------------------------------------------------------------------ matching


Labels = Callable[[str], set[str]]


def _names(value: str, labels: Labels) -> set[str]:
    if value.startswith('"'):
        return {fold(value[1:])}
    names = {fold(x) for x in labels(value)}
    names.add(fold(value.rsplit("/", 1)[-1].replace("-", " ")))
    return {n for n in names if n}


def _same(text: str, value: str, labels: Labels) -> bool:
    """Whether the key's words name the claim's entity (or literal)."""
    want = fold(text)
    # "north-east of Slovenia" names Slovenia; the direction is where in it
    want = re.sub(r"^(?:north|south|east|west)(?:\s*(?:east|west))?\s+of\s+", "", want)
    if not want:
        return False
    names = _names(value, labels)
    if want in names:
        return True
    # "X" for "X River", "Y peninsula" for "Y": a head noun the key
    # or the label adds; the rest must be equal
    # "National X Strategy" for "National X Strategy for Y": the name with the
    # country it is for dropped (as the drafter writes a strategy's name)
    if any(re.fullmatch(re.escape(n) + r"\s+(?:for|of|in)\s+\w+", want) for n in names):
        return True
    heads = r"(?:river|peninsula|island|islands|sea|ocean|area|mountains|region|city)"
    return any(re.sub(rf"\s+{heads}$", "", n) == re.sub(rf"\s+{heads}$", "", want) for n in names)


def _numbers_equal(text: str, value: str) -> bool:
    want = number_of(text)
    try:
        have = Decimal(value.lstrip('"'))
    except InvalidOperation:
        return False
    return want is not None and want == have


def expresses(claim: Claim, fact: KeyFact, labels: Labels) -> bool:
    """Whether the claim says the key fact's subject, relation and object."""
    families = fact.families
    if claim.family == "direction":
        if "place" not in families or not directions_in(fact.object):
            return False
        return _same(fact.subject, claim.object, labels) and any(
            _same(fact.object.split(" of ", 1)[-1], claim.subject, labels) for _ in (0,)
        )
    if claim.family not in families:
        return False
    if claim.family in ("population", "area"):
        return _same(fact.subject, claim.subject, labels) and _numbers_equal(
            fact.object, claim.object
        )
    if claim.family == "landlocked":
        return _same(fact.subject, claim.subject, labels)
    if claim.family == "strategy":
        return _same(fact.object, claim.object, labels)
    if claim.family == "body":
        return _same(fact.subject, claim.subject, labels)
    if claim.family in ("founded", "period"):
        return _same(fact.subject, claim.subject, labels)
    pairs: tuple[tuple[str, str], ...] = ((fact.subject, fact.object),)
    if " and " in fact.object:  # "connects A and B"
        pairs += tuple((fact.subject, x) for x in fact.object.split(" and "))
    return any(
        (_same(a, claim.subject, labels) and _same(b, claim.object, labels))
        or (_same(b, claim.subject, labels) and _same(a, claim.object, labels))
        for a, b in pairs
    )


def stated(claim: Claim, fact: KeyFact) -> str | None:
    """None when every qualifier the claim carries is one the key gives; else why not."""
    q = fact.qualifiers.casefold()
    if claim.family == "border":
        kind = claim.qualifiers.get("type")
        maritime = "maritime" in fact.relation.casefold() or "maritime" in q
        if kind == "land" and not (
            "land" in q and "not stated" not in q.split("border type")[-1][:20]
        ):
            return "land border the text does not state"
        if kind == "maritime" and not maritime:
            return "maritime border the text does not state"
        if kind == "plain" and maritime and "maritime" in fact.relation.casefold():
            return None
    if claim.family == "member":
        date = claim.qualifiers.get("date")
        if date and not any(x.startswith(str(date)) for x in dates_in(fact.qualifiers)):
            return f"date {date} the key does not give ({fact.qualifiers})"
        if claim.qualifiers.get("founding") and "founding" not in fact.relation.casefold():
            return "founding membership the text does not state"
    if claim.family in ("population", "area"):
        year = claim.qualifiers.get("year")
        if year and str(year) not in dates_in(fact.qualifiers):
            return f"year {year} the key does not give"
    return None


def _direction_ok(claim: Claim, fact: KeyFact, labels: Labels) -> bool | None:
    """For a relative position: True/False when the key fact is about the same two places
    (a border or coast whose qualifiers give, or do not give, that direction), None when it is
    not about them."""
    if not set(fact.families) & {"border", "coast"}:
        return None
    pair = (
        _same(fact.subject, claim.subject, labels) and _same(fact.object, claim.object, labels)
    ) or (_same(fact.subject, claim.object, labels) and _same(fact.object, claim.subject, labels))
    if not pair:
        return None
    stated_dirs = directions_in(fact.qualifiers.split("border type")[0])
    if "coast" in fact.families:
        # the key gives the side of the coast; a claim may place the sea from the country or
        # the country from the sea: the opposite side is the same statement
        opposite = {"north": "south", "south": "north", "east": "west", "west": "east"}
        stated_dirs |= {
            "".join(opposite.get(p, p) for p in re.findall("north|south|east|west", d))
            for d in stated_dirs
        }
    dirs: set[str] = set(claim.qualifiers.get("directions") or ())
    return bool(dirs) and dirs <= stated_dirs


def _dates_stated(claim: Claim, fact: KeyFact) -> bool:
    q = fact.qualifiers.casefold()
    given = dates_in(fact.qualifiers)
    if claim.family == "adoption":
        return "no adoption" not in q and claim.object.lstrip('"')[:4] in given
    years = {v for v in claim.qualifiers.values() if v}
    return "period" in q and bool(years) and years <= given


def _normal_text(text: str) -> str:
    text = text.replace("’", "'").replace("“", '"').replace("”", '"')
    return " ".join(text.split())


def score(name: str, draft: Draft, text: str, facts: list[KeyFact], gaz: Gazetteer) -> Score:
    """Score one drafted profile against its key (see the module docstring); names of IRIs
    come from the gazetteer and from the labels the proposals give new entities."""
    given: dict[str, set[str]] = {}
    for proposal in draft.proposals:
        for t in proposal.triples:
            if t.predicate.value in NAME_PROPS and isinstance(t.object, Literal):
                given.setdefault(term_value(t.subject), set()).add(term_value(t.object))

    def labels(iri: str) -> set[str]:
        entity = gaz.entities.get(iri)
        return given.get(iri, set()) | set(entity.labels if entity else ())

    passages = {p.iri: _normal_text(text[p.start : p.end]) for p in draft.passages}
    found: dict[int, str] = {}
    right: list[str] = []
    wrong: list[tuple[str, str]] = []
    neutral: list[str] = []
    good_spans = all_spans = 0
    for proposal in draft.proposals:
        passage = passages.get(proposal.passage, "")

        def holds(fact: KeyFact, passage: str = passage) -> bool:
            return _normal_text(fact.sentence) in passage

        verdicts: list[str | None] = []
        class_only = True
        for claim in claims(proposal):
            if claim.family == "direction":
                checks = [(f, _direction_ok(claim, f, labels)) for f in facts]
                relevant = [(f, ok) for f, ok in checks if ok is not None]
                lies = [f for f in facts if expresses(claim, f, labels)]
                class_only = False
                if lies:
                    all_spans += 1
                    good = [f for f in lies if holds(f)]
                    if good:
                        good_spans += 1
                        found.setdefault(good[0].number, proposal.id)
                        verdicts.append(None)
                    else:
                        verdicts.append("cited passage does not hold the stating sentence")
                elif relevant:
                    ok = [f for f, v in relevant if v and holds(f)]
                    verdicts.append(None if ok else "direction the text does not state")
                else:
                    verdicts.append("a relative position the key does not state")
                continue
            if claim.family in ("adoption", "period") and not any(
                expresses(claim, f, labels) for f in facts
            ):
                # a strategy's dates are qualifiers of "has strategy": right when the key
                # gives them, else an over-read; they earn no recall of their own
                about = [f for f in facts if "strategy" in f.families and holds(f)]
                about = [f for f in about if _same(f.object, claim.subject, labels)]
                verdicts.append(
                    None
                    if any(_dates_stated(claim, f) for f in about)
                    else f"{claim.family} the key does not give"
                )
                continue
            matching = [f for f in facts if expresses(claim, f, labels)]
            if claim.family in ("body", "strategy") and not matching:
                # a class statement: neutral when the key describes that entity there
                # the entity must be what the key's fact is about (its subject, or the long
                # name an alias row gives), not merely named in it ("replaced the X")
                entity = claim.subject if claim.family == "body" else claim.object
                described = [
                    f
                    for f in facts
                    if holds(f)
                    and (
                        _same(f.subject, entity, labels)
                        or ("alias" in f.families and _same(f.object, entity, labels))
                        or ("strategy" in f.families and _same(f.object, entity, labels))
                    )
                ]
                verdicts.append(None if described else f"{claim.family} the key does not state")
                continue
            class_only = False
            if not matching:
                verdicts.append(f"{claim.family} claim the key does not state")
                continue
            all_spans += 1
            in_passage = [f for f in matching if holds(f)]
            if not in_passage:
                verdicts.append("cited passage does not hold the stating sentence")
                continue
            good_spans += 1
            for f in in_passage:
                found.setdefault(f.number, proposal.id)
            reasons = [stated(claim, f) for f in in_passage]
            verdicts.append(None if any(r is None for r in reasons) else reasons[0])
        if not verdicts:
            continue  # nothing the key could judge (no claim of any family)
        bad = [v for v in verdicts if v]
        if bad:
            wrong.append((proposal.id, bad[0]))
        elif class_only:
            neutral.append(proposal.id)
        else:
            right.append(proposal.id)
    duplicates = sorted(
        {
            term_value(t.object)
            for proposal in draft.proposals
            for t in proposal.triples
            if t.predicate.value == RDFS_LABEL
            and isinstance(t.object, Literal)
            and isinstance(t.subject, NamedNode)
            and term_value(t.subject) not in gaz.entities
            and _known(term_value(t.object), gaz)
        }
    )
    return Score(name, facts, found, right, wrong, neutral, (good_spans, all_spans), duplicates)


def _known(label: str, gaz: Gazetteer) -> bool:
    """Whether a proposed entity's label, or the acronym it gives in parentheses, is a name the
    graph already has."""
    inner = re.findall(r"\(([^)]+)\)", label)
    bare = re.sub(r"\s*\([^)]*\)", "", label).strip()
    return any(gaz.lookup(x) for x in (bare, *inner) if x)


def describe(fact: KeyFact) -> str:
    return f"#{fact.number} {fact.subject} | {fact.relation} | {fact.object}"


def profiles(folder: Path) -> Iterable[tuple[str, Path, Path]]:
    """(name, text, key) of every profile of a development folder."""
    for key in sorted(folder.glob("KEY-*.md")):
        name = key.stem.removeprefix("KEY-")
        text = folder / f"{name}.txt"
        if text.is_file():
            yield name, text, key
