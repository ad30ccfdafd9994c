"""Does a passage name the fact it is cited for?

The provenance tests and the repository invariants share this: for an asserted triple in a
passage graph, the passage's text must name the object (its label, one of its alternative or
hidden labels, or its value written as the document would write it) and, when the subject is
an entity named in the document, the subject too. An unlabelled n-ary node (a participation,
a border, a ranking) is named by the triples that describe it in the same passage, which are
checked in turn. A type is named when the passage names the class (label or alternative
label) or when the class follows from the domain or range of a property the data uses for
the entity (RDFS entailment: ``x kg:extendsTo y`` makes ``y`` a ``kg:Place``), and
``kg:Country`` is named by a country's ISO 3166 identifier. A passage of a country's profile
names that country even where it says "it" (a profile is about its country).

Matching is on words, after folding case, quotes, dashes, non-breaking spaces and plurals: a
name matches when its words occur in order in the passage, or, for names of two or more
words, when every content word occurs in the passage ("Pacific Ocean" in "the Atlantic,
Pacific and Indian Oceans").
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from statistics import median

from pyoxigraph import Literal, NamedNode, RdfFormat, Store

from kg.text import is_heading, sentences

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
XSD = "http://www.w3.org/2001/XMLSchema#"
KG_NS = "https://w3id.org/digital-policy-kg/ontology#"
LABELS = (RDFS + "label", SKOS + "prefLabel", SKOS + "altLabel", SKOS + "hiddenLabel")
# Descriptions in our own words: justified, like a label we give, by the passage naming the entity.
DESCRIPTIONS = (
    RDFS + "comment",
    SKOS + "definition",
    SKOS + "note",
    "http://purl.org/dc/terms/description",
)
STOPWORDS = {"the", "of", "a", "an", "and", "in", "for", "to", "on", "at", "by", "with", "its"}
MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip
NUMBER_WORDS = {
    1: ["one", "first", "sole", "only", "largest", "highest"],
    2: ["two", "second"],
    3: ["three", "third"],
    4: ["four", "fourth"],
    5: ["five", "fifth"],
}


def singular(token: str) -> str:
    if token.endswith("'s"):
        token = token[:-2]
    if len(token) > 4 and token.endswith("ies"):
        return token[:-3] + "y"
    if token.endswith("sses"):
        return token[:-2]
    if len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token[:-1]
    return token


def words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text).lower()
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    text = re.sub(r"[\u2010-\u2015]", "-", text)
    tokens = re.findall(r"\w+(?:[.'’]\w+)*|[%+/]", text)
    return [singular(t) for t in tokens]


def names_in(
    name: str, passage_words: list[str], passage_set: set[str], *, loose: bool = True
) -> bool:
    target = words(name)
    if not target:
        return False
    n = len(target)
    for i in range(len(passage_words) - n + 1):
        if passage_words[i : i + n] == target:
            return True
    if not loose:
        return False
    content = [t for t in target if t not in STOPWORDS]
    return len(target) >= 2 and bool(content) and all(t in passage_set for t in content)


def literal_forms(lit: Literal) -> list[str]:
    """How the document may write a literal: the lexical form, and for numbers and dates the
    usual spellings ('10.5 million', 'third', 'May 2022')."""
    value, dt = lit.value, lit.datatype.value
    forms = [value]
    if dt == XSD + "gYearMonth":
        year, month = value.split("-")[:2]
        forms.append(f"{MONTHS[int(month) - 1]} {year}")
    if dt == XSD + "date":
        year, month, day = value.split("-")[:3]
        forms.append(f"{int(day)} {MONTHS[int(month) - 1]} {year}")
        forms.append(f"{MONTHS[int(month) - 1]} {year}")
    if dt in (
        XSD + "decimal",
        XSD + "integer",
        XSD + "positiveInteger",
        XSD + "nonNegativeInteger",
    ):
        number = Decimal(value)
        forms.append(format(number.normalize(), "f"))
        for size, word in ((Decimal(10) ** 9, "billion"), (Decimal(10) ** 6, "million")):
            if number >= size:
                forms.append(f"{format((number / size).normalize(), 'f')} {word}")
        if number == number.to_integral_value():
            forms.extend(NUMBER_WORDS.get(int(number), []))
    return forms


# A country is identified by its ISO 3166-1 alpha-2 code (``id:FR``): the identifier says that
# the name is a country's ("France borders Belgium, Luxembourg …" names countries without the
# word), and the shapes and ``test_repo`` check each code against the label with pycountry.
COUNTRY_IRI = re.compile(r"https://w3id[.]org/digital-policy-kg/id/[A-Z]{2}")


@dataclass
class Finding:
    graph: str
    triple: tuple[str, str, str]
    problem: str


@dataclass
class ProvenanceIndex:
    """Everything the check needs from the store, read once."""

    labels: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    hidden: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    superclasses: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    domains: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    ranges: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    entailed_types: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    @classmethod
    def build(cls, store: Store) -> ProvenanceIndex:
        index = cls()
        for quad in store.quads_for_pattern(None, None, None, None):
            s, p, o = quad.subject, quad.predicate.value, quad.object
            if p in LABELS and isinstance(o, Literal):
                index.labels[s.value].append(o.value)
                if p == SKOS + "hiddenLabel":
                    index.hidden[s.value].append(o.value)
            elif p == RDFS + "subClassOf" and isinstance(o, NamedNode):
                index.superclasses[s.value].add(o.value)
            elif p == RDFS + "domain" and isinstance(o, NamedNode):
                index.domains[s.value].add(o.value)
            elif p == RDFS + "range" and isinstance(o, NamedNode):
                index.ranges[s.value].add(o.value)
        for quad in store.quads_for_pattern(None, None, None, None):
            p = quad.predicate.value
            for cls_ in index.domains.get(p, ()):
                index.entailed_types[quad.subject.value] |= index.ancestors(cls_)
            if not isinstance(quad.object, Literal):
                for cls_ in index.ranges.get(p, ()):
                    index.entailed_types[quad.object.value] |= index.ancestors(cls_)
        return index

    def ancestors(self, cls_: str) -> set[str]:
        seen = {cls_}
        todo = [cls_]
        while todo:
            for sup in self.superclasses.get(todo.pop(), ()):
                if sup not in seen:
                    seen.add(sup)
                    todo.append(sup)
        return seen


def check_passage(
    store: Store, index: ProvenanceIndex, graph: NamedNode, text: str, document: str
) -> list[Finding]:
    """Check every triple of one passage graph against the passage text."""
    passage_words = words(text)
    passage_set = set(passage_words)
    document_words = words(document)
    document_set = set(document_words)
    quads = list(store.quads_for_pattern(None, None, None, graph))
    described = {q.subject.value for q in quads}
    findings = []
    # A profile is about its country: "It borders Norway", "Its capital", "the country's
    # efforts" name it without its name, so the profile's country counts as named in every
    # passage of the profile (as subject or object of a fact; a label still needs the name).
    implicit = {
        country.object.value
        for profile in store.quads_for_pattern(graph, NamedNode(KG_NS + "inProfile"), None, graph)
        for country in store.quads_for_pattern(
            profile.object, NamedNode(KG_NS + "profileOf"), None, None
        )
    }

    def named(names: list[str]) -> bool:
        return any(names_in(n, passage_words, passage_set) for n in names)

    def names_entity(iri: str) -> bool:
        return iri in implicit or named(index.labels.get(iri, []))

    for quad in quads:
        s, p, o = quad.subject, quad.predicate.value, quad.object
        if s.value == graph.value:
            continue  # the passage describing itself: provenance, not a fact
        triple = (s.value, p, str(o))
        subject_names = index.labels.get(s.value, [])
        in_document = [
            n for n in subject_names if names_in(n, document_words, document_set, loose=False)
        ]
        if in_document and not names_entity(s.value):
            findings.append(Finding(graph.value, triple, "passage does not name the subject"))
        if (p in LABELS[:3] or p in DESCRIPTIONS) and isinstance(o, Literal):
            # A name we give an entity (own words for a described node) is justified when the
            # passage names the entity by any of its names, the document's key phrase included.
            own = [] if p in DESCRIPTIONS else [o.value]
            if not named([*own, *index.labels.get(s.value, [])]):
                findings.append(Finding(graph.value, triple, "passage does not name the entity"))
        elif isinstance(o, Literal):
            if not named(literal_forms(o)):
                findings.append(Finding(graph.value, triple, "passage does not state the value"))
        elif p == RDF_TYPE:
            cls_ = o.value
            if (
                not named(index.labels.get(cls_, []))
                and cls_ not in index.entailed_types.get(s.value, set())
                and not (cls_ == KG_NS + "Country" and COUNTRY_IRI.fullmatch(s.value))
            ):
                findings.append(Finding(graph.value, triple, "passage does not name the class"))
        else:
            object_names = index.labels.get(o.value, [])
            if object_names:
                if not names_entity(o.value):
                    findings.append(
                        Finding(graph.value, triple, "passage does not name the object")
                    )
            elif o.value not in described:
                findings.append(
                    Finding(graph.value, triple, "unlabelled object not described in the passage")
                )
    return findings


# --- passages as units of text -------------------------------------------------------------
#
# A passage is a sentence or a run of consecutive sentences as ``kg.text.sentences`` cuts the
# document (one segmenter for the data, ``kg draft`` and the tests); no two passages share a
# span; and at most one passage of a profile begins at the profile's first character (so a
# profile is never cited whole for a fact one sentence states).


@dataclass(frozen=True)
class PassageSpan:
    """Where a passage graph says it lies: its document, profile and code-point span."""

    name: str
    document: str
    profile: str
    start: int
    end: int
    profile_start: int
    profile_end: int


def passage_spans(store: Store) -> list[PassageSpan]:
    """Every passage that describes itself in its own graph, in document order."""

    def one(subject: NamedNode, local: str, graph=None) -> str:
        values = {
            q.object.value
            for q in store.quads_for_pattern(subject, NamedNode(KG_NS + local), None, graph)
        }
        if len(values) != 1:
            raise ValueError(f"{subject.value} has {len(values)} values of kg:{local}")
        return values.pop()

    found = []
    for quad in store.quads_for_pattern(None, NamedNode(KG_NS + "startOffset"), None, None):
        node = quad.subject
        if not isinstance(quad.graph_name, NamedNode) or quad.graph_name.value != node.value:
            continue  # a profile, or a passage described outside its own graph
        profile = NamedNode(one(node, "inProfile", node))
        found.append(
            PassageSpan(
                name=node.value,
                document=one(node, "inDocument", node),
                profile=profile.value,
                start=int(quad.object.value),
                end=int(one(node, "endOffset", node)),
                profile_start=int(one(profile, "startOffset")),
                profile_end=int(one(profile, "endOffset")),
            )
        )
    return sorted(found, key=lambda p: (p.document, p.start, p.end, p.name))


def sentence_bounds(text: str) -> tuple[set[int], set[int]]:
    """The offsets where ``kg.text.sentences`` starts and ends a sentence."""
    spans = sentences(text)
    return {s for s, _ in spans}, {e for _, e in spans}


def passage_rule_violations(spans: list[PassageSpan], texts: dict[str, str]) -> list[str]:
    """What breaks the three passage rules: a fragment (a span that does not begin where a
    sentence begins or end where one ends), two passages with one span, and a second passage
    beginning at its profile's first character."""
    problems = []
    bounds = {doc: sentence_bounds(text) for doc, text in texts.items()}
    seen: dict[tuple[str, int, int], str] = {}
    at_start: dict[str, str] = {}
    for p in spans:
        starts, ends = bounds[p.document]
        if p.start not in starts or p.end not in ends:
            problems.append(f"{p.name} ({p.start}-{p.end}) is not a run of whole sentences")
        key = (p.document, p.start, p.end)
        if key in seen:
            problems.append(f"{p.name} and {seen[key]} share the span {p.start}-{p.end}")
        seen.setdefault(key, p.name)
        if p.start == p.profile_start:
            if p.profile in at_start:
                problems.append(
                    f"{p.name} and {at_start[p.profile]} both begin at the start of {p.profile}"
                )
            at_start.setdefault(p.profile, p.name)
    return problems


def passage_statistics(spans: list[PassageSpan], texts: dict[str, str]) -> dict[str, float]:
    """The figures issue 11 asks for: count, lengths in code points, passages beginning at a
    profile start, pairs of passages sharing a span, and fragments."""
    lengths = [p.end - p.start for p in spans]
    bounds = {doc: sentence_bounds(text) for doc, text in texts.items()}
    spans_seen = Counter((p.document, p.start, p.end) for p in spans)
    return {
        "passages": len(spans),
        "min length": min(lengths),
        "median length": median(lengths),
        "max length": max(lengths),
        "begin at a profile start": sum(p.start == p.profile_start for p in spans),
        "pairs sharing a span": sum(n * (n - 1) // 2 for n in spans_seen.values()),
        "fragments": sum(
            p.start not in bounds[p.document][0] or p.end not in bounds[p.document][1]
            for p in spans
        ),
    }


# --- document coverage (issue 20) -----------------------------------------------------------
#
# Every content sentence of a source document is either in a passage or on the documented list
# of sentences that state no fact (``tests/data/no-fact-sentences.csv``: file name, span, the
# reason, never the sentence's text). Headings (``kg.text.is_heading``) are not content.

NO_FACT_SENTENCES = Path(__file__).resolve().parent / "data" / "no-fact-sentences.csv"


@dataclass(frozen=True)
class NoFactSentence:
    """A sentence that states no fact, by span, with the reason."""

    file_name: str
    start: int
    end: int
    reason: str


def read_no_fact_sentences(path: Path = NO_FACT_SENTENCES) -> list[NoFactSentence]:
    """The documented list; a row without a reason or with a malformed span is an error."""
    import csv

    rows = []
    with path.open(encoding="utf-8", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            try:
                start, end = int(row["start"]), int(row["end"])
            except (KeyError, TypeError, ValueError) as error:
                raise ValueError(f"{path.name}:{line}: start and end must be integers") from error
            reason = (row.get("reason") or "").strip()
            if not reason or not row.get("document"):
                raise ValueError(f"{path.name}:{line}: a row needs a document and a reason")
            rows.append(NoFactSentence(row["document"], start, end, reason))
    return rows


@dataclass
class Coverage:
    """How the sentences of the documents are accounted for."""

    sentences: int = 0
    headings: int = 0
    in_a_passage: int = 0
    no_fact: int = 0
    uncovered: list[tuple[str, int, int]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def content(self) -> int:
        return self.sentences - self.headings

    @property
    def percent(self) -> float:
        return 100.0 * (self.in_a_passage + self.no_fact) / self.content if self.content else 0.0


def document_coverage(
    spans: list[PassageSpan],
    texts: dict[str, str],
    file_names: dict[str, str],
    no_fact: list[NoFactSentence],
) -> Coverage:
    """Count the sentences of each document that a passage covers, that the no-fact list
    holds, that are headings, and those left over; a listed span that is not a sentence of its
    document, is a heading or lies in a passage is a problem (the list would hide nothing)."""
    coverage = Coverage()
    by_file = {name: doc for doc, name in file_names.items()}
    listed: dict[str, dict[tuple[int, int], NoFactSentence]] = defaultdict(dict)
    for row in no_fact:
        doc = by_file.get(row.file_name)
        if doc is None or doc not in texts:
            coverage.problems.append(f"{row.file_name}: not a source document of the data")
            continue
        listed[doc][(row.start, row.end)] = row
    for doc, text in texts.items():
        covered = [(p.start, p.end) for p in spans if p.document == doc]
        sentence_spans = set()
        for start, end in sentences(text):
            sentence_spans.add((start, end))
            coverage.sentences += 1
            in_passage = any(s <= start and end <= e for s, e in covered)
            if is_heading(text, start, end):
                coverage.headings += 1
                if (start, end) in listed[doc]:
                    coverage.problems.append(f"{start}-{end} is a heading, not a listed sentence")
            elif in_passage:
                coverage.in_a_passage += 1
                if (start, end) in listed[doc]:
                    coverage.problems.append(f"{start}-{end} is listed but lies in a passage")
            elif (start, end) in listed[doc]:
                coverage.no_fact += 1
            else:
                coverage.uncovered.append((file_names[doc], start, end))
        for start, end in listed[doc]:
            if (start, end) not in sentence_spans:
                coverage.problems.append(
                    f"{file_names[doc]} {start}-{end}: listed, but not a sentence of the document"
                )
    return coverage


def _main() -> None:
    """Print the passage statistics of ``data/`` (run from the repository root, with the source
    documents in ``../shared/seeds``): ``python tests/provenance_check.py``."""
    repo = Path(__file__).resolve().parent.parent
    seeds = Path(os.environ.get("KG_DOCUMENTS") or repo.parent / "shared" / "seeds")
    store = Store()
    for path in sorted((repo / "data").glob("*.trig")):
        store.load(path=str(path), format=RdfFormat.TRIG)
    spans = passage_spans(store)
    texts, file_names = {}, {}
    for quad in store.quads_for_pattern(None, NamedNode(KG_NS + "fileName"), None, None):
        path = seeds / quad.object.value
        texts[quad.subject.value] = path.read_text(encoding="utf-8")
        file_names[quad.subject.value] = quad.object.value
    for key, value in passage_statistics(spans, texts).items():
        print(f"{key:26} {value}")
    for problem in passage_rule_violations(spans, texts):
        print("  ", problem)
    coverage = document_coverage(spans, texts, file_names, read_no_fact_sentences())
    print(f"{'sentences':26} {coverage.sentences}")
    print(f"{'headings (not content)':26} {coverage.headings}")
    print(f"{'in a passage':26} {coverage.in_a_passage}")
    print(f"{'on the no-fact list':26} {coverage.no_fact}")
    print(f"{'document coverage':26} {coverage.percent:.1f} %")
    for name, start, end in coverage.uncovered:
        print(f"   not covered: {name} {start}-{end}")
    for problem in coverage.problems:
        print("  ", problem)


if __name__ == "__main__":
    _main()
