"""Compare drafted facts with hand-encoded ones: the measure behind ``bench/draft.py``.

A *fact* is the statement a reviewer accepts or rejects, reduced to what it says, so that a
draft and ``data/`` can be compared although they name passages, n-ary nodes (borders,
positions, rankings, quantities, affiliations) and new entities differently:

====================  ==========================================================
kind                  slots
====================  ==========================================================
border                country, border property (plain, land, maritime), country
direction             reference place, positioned place, direction
coast                 country, water body
landlocked            country
capital               country, property (capital, largest / most populous / major city), city
quantity              subject, quantity kind, value, unit (population, density, urban share)
ranking               subject, criterion (size, population), order, scope, rank or "one of"
affiliation           affiliate, class (membership, participation, candidacy, group), other
strategy              strategy or programme
period                strategy, start or end, year
adoption              strategy, date
responsible           strategy, property (managed, led, developed, implemented by), institution
body                  response team / unit or regulator, class
operator              body, operator
treaty                country, treaty
objective             strategy or programme, objective (compared by its words)
====================  ==========================================================

Entities are the same when their IRIs are, or when they share a label (``rdfs:label``,
``skos:altLabel``, ``skos:hiddenLabel``; case and punctuation folded). Objectives are
descriptions, not names: the same when most content words of one label (or hidden label) of
the hand-encoded objective occur in the drafted one.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from pyoxigraph import Literal, NamedNode, Quad

from kg.draft.gazetteer import singular
from kg.draft.terms import Term, term_value
from kg.namespaces import KG, PASSAGE, PREFIXES, RDF_TYPE, RDFS_LABEL, VOC

SKOS = PREFIXES["skos"]
LABELS = (RDFS_LABEL, SKOS + "altLabel", SKOS + "hiddenLabel")
KINDS = (
    "border", "direction", "coast", "landlocked", "capital", "quantity", "ranking", "affiliation",
    "strategy", "period", "adoption", "responsible", "body", "operator", "treaty", "objective",
)  # fmt: skip
BORDER = {
    "sharesBorderWith": "plain",
    "sharesLandBorderWith": "land",
    "sharesMaritimeBorderWith": "maritime",
}
CITY = {
    "capital": "capital",
    "largestCity": "largest",
    "mostPopulousCity": "most-populous",
    "majorCity": "major",
}
QUANTITY_KINDS = {
    VOC + "kind-population",
    VOC + "kind-population-density",
    VOC + "kind-urban-population-share",
}
RANKING_CRITERIA = {VOC + "criterion-size", VOC + "criterion-population"}
AFFILIATION = {
    "Membership": "membership",
    "Participation": "participation",
    "Candidacy": "candidacy",
}
STRATEGIES = {KG + "Strategy", KG + "Programme", KG + "StrategyDocument"}
RESPONSIBLE = {"managedBy", "ledBy", "developedBy", "implementedBy", "responsibleOrganisation"}
BODIES = {
    "ResponseTeam": "response-team",
    "ResponseUnit": "response-team",
    "Regulator": "regulator",
}
STOP = {
    "the",
    "of",
    "a",
    "an",
    "and",
    "in",
    "for",
    "to",
    "on",
    "at",
    "by",
    "with",
    "its",
    "their",
    "all",
}


@dataclass(frozen=True)
class Fact:
    kind: str
    slots: tuple[str, ...]  # IRIs, or literal values prefixed with '"'
    graph: str


@dataclass
class Facts:
    """The facts of a set of quads, with what is needed to compare entities."""

    facts: list[Fact]
    labels: dict[str, set[str]] = field(default_factory=dict)
    spans: dict[str, tuple[int, int]] = field(default_factory=dict)  # passage -> span
    graphs: dict[Fact, set[str]] = field(default_factory=dict)  # every graph stating a fact


def _fold(label: str) -> str:
    folded = re.sub(r"[\W_]+", " ", label.casefold()).strip()
    return re.sub(r"(?:\s+(?:19|20)\d\d)+$", "", folded)  # a name's period is not the name


def words(label: str) -> set[str]:
    return {singular(w)[:6] for w in _fold(label).split() if w not in STOP}


def collect(quads: Iterable[Quad], context: Iterable[Quad] = ()) -> Facts:
    """The facts stated in ``quads`` (each with its graph); types, labels and the n-ary nodes'
    descriptions may also come from ``context`` (the rest of the data)."""
    quads = list(quads)
    every = [*quads, *context]
    types: dict[str, set[str]] = defaultdict(set)
    labels: dict[str, set[str]] = defaultdict(set)
    props: dict[str, dict[str, list[Term]]] = defaultdict(lambda: defaultdict(list))
    spans: dict[str, list] = defaultdict(lambda: [None, None])
    for q in every:
        s, p, o = term_value(q.subject), q.predicate.value, q.object
        if p == RDF_TYPE:
            types[s].add(term_value(o))
        elif p in LABELS and isinstance(o, Literal):
            labels[s].add(_fold(o.value))
        props[s][p].append(o)
        if s.startswith(PASSAGE) and p in (KG + "startOffset", KG + "endOffset"):
            spans[s][0 if p.endswith("startOffset") else 1] = int(term_value(o))
    facts: list[Fact] = []

    def first(node: str, p: str) -> str | None:
        values = props[node].get(KG + p)
        return term_value(values[0]) if values else None

    def lit(value: str) -> str:
        return '"' + value

    for q in quads:
        s, p, o, g = term_value(q.subject), q.predicate.value, q.object, q.graph_name
        graph = g.value if isinstance(g, NamedNode) else ""
        local = p.removeprefix(KG)
        if p.startswith(KG) and local in BORDER:
            facts.append(Fact("border", (s, BORDER[local], term_value(o)), graph))
        elif p == KG + "direction":
            ref, placed = first(s, "relativeTo"), first(s, "positionedPlace")
            if ref and placed:
                facts.append(Fact("direction", (ref, placed, term_value(o)), graph))
        elif p == KG + "hasCoastOn":
            facts.append(Fact("coast", (s, term_value(o)), graph))
        elif p == RDF_TYPE and term_value(o) == KG + "LandlockedCountry":
            facts.append(Fact("landlocked", (s,), graph))
        elif p.startswith(KG) and local in CITY:
            facts.append(Fact("capital", (s, CITY[local], term_value(o)), graph))
        elif p == KG + "quantityKind" and term_value(o) in QUANTITY_KINDS:
            owner = next(
                (
                    term_value(x.subject)
                    for x in every
                    if x.predicate.value == KG + "hasQuantity" and term_value(x.object) == s
                ),
                None,
            )
            value, unit = first(s, "value"), first(s, "unit")
            if owner and value is not None and unit:
                facts.append(
                    Fact("quantity", (owner, term_value(o), lit(_number(value)), unit), graph)
                )
        elif p == KG + "rankingCriterion" and term_value(o) in RANKING_CRITERIA:
            owner = next(
                (
                    term_value(x.subject)
                    for x in every
                    if x.predicate.value == KG + "hasRanking" and term_value(x.object) == s
                ),
                None,
            )
            rank = first(s, "rank") or first(s, "rankingQualifier") or ""
            if owner:
                facts.append(
                    Fact(
                        "ranking",
                        (
                            owner,
                            term_value(o),
                            first(s, "rankingOrder") or "",
                            first(s, "rankingScope") or "",
                            lit(rank),
                        ),
                        graph,
                    )
                )
        elif p == KG + "affiliatedWith":
            kind = next(
                (
                    AFFILIATION[t.removeprefix(KG)]
                    for t in types[s]
                    if t.removeprefix(KG) in AFFILIATION
                ),
                "affiliation",
            )
            affiliate = first(s, "affiliate")
            if affiliate:
                facts.append(Fact("affiliation", (affiliate, kind, term_value(o)), graph))
        elif p == KG + "memberOfGroup":
            facts.append(Fact("affiliation", (s, "group", term_value(o)), graph))
        elif p == RDF_TYPE and term_value(o) in STRATEGIES:
            facts.append(Fact("strategy", (s,), graph))
        elif p in (KG + "startYear", KG + "endYear") and types[s] & STRATEGIES:
            facts.append(Fact("period", (s, local, lit(term_value(o))), graph))
        elif p == KG + "adoptionDate":
            facts.append(Fact("adoption", (s, lit(term_value(o))), graph))
        elif p.startswith(KG) and local in RESPONSIBLE and types[s] & STRATEGIES:
            facts.append(Fact("responsible", (s, local, term_value(o)), graph))
        elif p == RDF_TYPE and term_value(o).removeprefix(KG) in BODIES:
            facts.append(Fact("body", (s, BODIES[term_value(o).removeprefix(KG)]), graph))
        elif p == KG + "operatedBy":
            facts.append(Fact("operator", (s, term_value(o)), graph))
        elif p == KG + "ratified":
            facts.append(Fact("treaty", (s, term_value(o)), graph))
        elif p in (KG + "hasAim", KG + "hasObjective") and types[s] & STRATEGIES:
            facts.append(Fact("objective", (s, term_value(o)), graph))
    graphs: dict[tuple, set[str]] = defaultdict(set)
    unique: dict[tuple, Fact] = {}
    for f in facts:
        graphs[(f.kind, f.slots)].add(f.graph)
        unique.setdefault((f.kind, f.slots), f)
    return Facts(
        list(unique.values()),
        dict(labels),
        {k: (v[0], v[1]) for k, v in spans.items() if None not in v},
        {unique[k]: v for k, v in graphs.items()},
    )


def _number(value: str) -> str:
    return format(Decimal(value).normalize(), "f")


@dataclass
class Comparison:
    matched: list[tuple[Fact, Fact]]  # (draft, gold)
    extra: list[Fact]  # drafted, not in the data
    missed: list[Fact]  # in the data, not drafted

    def counts(self, kind: str | None = None) -> tuple[int, int, int]:
        def keep(f: Fact) -> bool:
            return kind is None or f.kind == kind

        return (
            sum(1 for d, _ in self.matched if keep(d)),
            sum(1 for f in self.extra if keep(f)),
            sum(1 for f in self.missed if keep(f)),
        )


def compare(draft: Facts, gold: Facts) -> Comparison:
    """Match drafted facts to hand-encoded ones, one to one."""

    def same_entity(a: str, b: str, objective: bool = False) -> bool:
        if a == b:
            return True
        la, lb = draft.labels.get(a, set()), gold.labels.get(b, set())
        if objective:
            drafted = set().union(*(words(x) for x in la)) if la else set()
            return any(len(words(x)) and len(words(x) & drafted) >= 0.6 * len(words(x)) for x in lb)
        if la & lb:
            return True
        # one name is the other with a qualifier dropped ("… in Serbia", ", 2020-2025")
        return any(
            len(short.split()) >= 3 and (long + " ").startswith(short + " ")
            for x in la
            for y in lb
            for short, long in ((x, y), (y, x))
            if len(short) < len(long)
        )

    def same(d: Fact, g: Fact) -> bool:
        if d.kind != g.kind or len(d.slots) != len(g.slots):
            return False
        orders = [g.slots]
        if d.kind == "border":
            orders.append((g.slots[2], g.slots[1], g.slots[0]))
        for slots in orders:
            ok = True
            for i, (x, y) in enumerate(zip(d.slots, slots, strict=True)):
                if x.startswith('"') or y.startswith('"') or not y.startswith("http"):
                    ok = x == y
                else:
                    ok = same_entity(x, y, objective=(d.kind == "objective" and i == 1))
                if not ok:
                    break
            if ok:
                return True
        return False

    matched: list[tuple[Fact, Fact]] = []
    left = list(gold.facts)
    extra = []
    for d in draft.facts:
        hit = next((g for g in left if same(d, g)), None)
        if hit is None:
            extra.append(d)
        else:
            matched.append((d, hit))
            left.remove(hit)
    return Comparison(matched, extra, left)


def span_agreement(comparison: Comparison, draft: Facts, gold: Facts) -> tuple[int, int]:
    """(matched facts whose drafted passage lies inside a passage of the data that states
    the fact, matched facts)."""
    good = 0
    for d, g in comparison.matched:
        ds = draft.spans.get(d.graph)
        graphs = gold.graphs.get(g, {g.graph})
        if ds and any(
            gold.spans.get(x) and gold.spans[x][0] <= ds[0] and ds[1] <= gold.spans[x][1]
            for x in graphs
        ):
            good += 1
    return good, len(comparison.matched)
