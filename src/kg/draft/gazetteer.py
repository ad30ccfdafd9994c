"""Names of known entities, and where a text mentions them.

The gazetteer is built from the graph (``rdfs:label``, ``skos:altLabel``, ``kg:nativeLabel``,
and ``skos:hiddenLabel`` of countries, which holds demonyms such as "Polish") and from the EU
Publications Office table of countries and territories (every current entry, by its English
names), so a new profile's neighbours are known even when no profile mentions them yet.
Entities whose labels are our own descriptions rather than names (objectives, measures,
efforts, rankings …) are left out: a name is what a document writes, a description is not.

Why plain token matching and not spaCy's PhraseMatcher: measured on the seed document
(17,741 code points, 725 names; ``python bench/draft.py --matcher``, 2-core x86_64), the token
dictionary looked up longest-first finds 207 mentions in 216 ms, ``PhraseMatcher`` on a blank
English pipeline 206 in 1,571 ms (importing spaCy and building the pipeline included); 193 spans
are the same, and the others differ where this lookup folds a plural or a possessive ("Indian
Oceans", "Poland's") and spaCy's tokenizer does not. The rules work on the same tokens and on
plain patterns, so spaCy would add a dependency and a second of start-up for nothing.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeGuard

from pyoxigraph import Literal, NamedNode, Store

from kg.draft.document import slug
from kg.draft.terms import term_value
from kg.linking.sources import op
from kg.namespaces import ID, KG, PREFIXES, RDF_TYPE, RDFS_LABEL

SKOS = PREFIXES["skos"]
ALT_LABEL = SKOS + "altLabel"
HIDDEN_LABEL = SKOS + "hiddenLabel"
EXACT_MATCH = SKOS + "exactMatch"
NATIVE_LABEL = KG + "nativeLabel"

# Entities described in our words, not named by the document: never looked up by name.
DESCRIBED = {
    KG + c
    for c in (
        "Objective", "Measure", "StrategicArea", "Target", "PolicyEffort", "EconomicSector",
        "StartupEcosystem", "Ranking", "Quantity", "RelativePosition", "Border", "LandBorder",
        "MaritimeBorder", "Affiliation", "Participation", "Membership", "Candidacy", "Passage",
        "Profile", "SourceDocument", "CrossCheck",
    )
}  # fmt: skip

_TOKEN = re.compile(r"\w+(?:[.’'\-]\w+)*\.?|[^\w\s]", re.UNICODE)


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int

    @property
    def key(self) -> str:
        return normal(self.text)


def normal(word: str) -> str:
    """A token as names are compared: NFC, typographic apostrophe straightened, a possessive
    's dropped, a trailing full stop dropped unless the token is an abbreviation with dots."""
    word = unicodedata.normalize("NFC", word).replace("’", "'")
    if word.endswith("'s"):
        word = word[:-2]
    if word.endswith(".") and word.count(".") == 1:
        word = word[:-1]
    return word


def tokens(text: str, start: int = 0, end: int | None = None) -> list[Token]:
    """Words and punctuation of ``text[start:end]``, with offsets in ``text``."""
    end = len(text) if end is None else end
    found = []
    for m in _TOKEN.finditer(text, start, end):
        word = m.group()
        stop = m.end()
        if word.endswith(".") and word.count(".") == 1 and len(word) > 1:
            # a sentence's full stop is its own token, unless the word is a known abbreviation
            found.append(Token(word[:-1], m.start(), stop - 1))
            found.append(Token(".", stop - 1, stop))
            continue
        found.append(Token(word, m.start(), stop))
    return found


def singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _key(words: Iterable[str]) -> tuple[str, ...]:
    """Lookup key of a name: tokens normalised, the first one case-folded when it is only
    capitalised (sentence-initial "The"), the last one singular."""
    out = [normal(w) for w in words]
    if not out:
        return ()
    out[-1] = singular(out[-1])
    return tuple(out)


@dataclass
class Entity:
    iri: str
    types: set[str] = field(default_factory=set)
    labels: list[str] = field(default_factory=list)  # the English label first
    # the countries it belongs to (kg:jurisdiction, kg:country): "National Cyber Security
    # Strategy" names one strategy per country, so a name alone does not say which
    owners: set[str] = field(default_factory=set)

    @property
    def label(self) -> str:
        return self.labels[0] if self.labels else self.iri.rsplit("/", 1)[-1]

    def is_a(self, *classes: str) -> bool:
        return any(KG + c in self.types for c in classes)


@dataclass(frozen=True)
class Mention:
    """A span of the text that names an entity (or several: ``Luxembourg`` the country and the
    city), in document offsets."""

    start: int
    end: int
    text: str
    candidates: tuple[Entity, ...]

    def pick(self, *classes: str) -> Entity | None:
        """The candidate of one of the classes (in the order given), or None."""
        for c in classes:
            for e in self.candidates:
                if e.is_a(c):
                    return e
        return None

    def picked(self, *classes: str) -> Entity:
        """:meth:`pick`, for a caller that has already checked the mention names one.

        Raises:
            LookupError: it names none (a bug in the caller, not in the input).
        """
        entity = self.pick(*classes)
        if entity is None:
            raise LookupError(f"{self.text!r} at {self.start} names no {' or '.join(classes)}")
        return entity

    @property
    def entity(self) -> Entity:
        return self.pick("Country") or self.candidates[0]


class Gazetteer:
    """Entities by name; :meth:`mentions` finds them in a text, longest name first."""

    def __init__(self) -> None:
        self.entities: dict[str, Entity] = {}
        self._names: dict[tuple[str, ...], list[str]] = defaultdict(list)
        self._first: set[str] = set()  # first tokens of names: most tokens start none
        self._longest = 1

    def entity(self, iri: str) -> Entity:
        return self.entities.setdefault(iri, Entity(iri))

    def add_name(self, iri: str, name: str, *, primary: bool = False) -> None:
        name = " ".join(name.split())
        if len(name) < 2 or not any(ch.isupper() for ch in name):
            return  # lower-case phrases are descriptions, not names
        entity = self.entity(iri)
        if name not in entity.labels:
            if primary:
                entity.labels.insert(0, name)
            else:
                entity.labels.append(name)
        key = _key(t.text for t in tokens(name))
        if key and iri not in self._names[key]:
            self._names[key].append(iri)
            self._first.add(key[0])
            self._longest = max(self._longest, len(key))

    def lookup(self, name: str) -> list[Entity]:
        return [self.entities[i] for i in self._names.get(_key(t.text for t in tokens(name)), [])]

    def mentions(self, text: str, start: int = 0, end: int | None = None) -> list[Mention]:
        """Mentions in ``text[start:end]``, left to right, longest match first, not
        overlapping. A sentence-initial capital is folded for the first word of a name."""
        toks = tokens(text, start, end)
        # each token normalised once (the lookup used to normalise every token once per
        # window length: most of the time of drafting a long document)
        keys = [normal(t.text) for t in toks]
        found: list[Mention] = []
        i = 0
        while i < len(toks):
            hit = None
            first = keys[i]
            if first in {",", ";", ":", "(", ")", "."} or (
                first not in self._first and singular(first) not in self._first
            ):
                i += 1
                continue
            for n in range(min(self._longest, len(toks) - i), 0, -1):
                window = keys[i : i + n]
                iris = self._names.get((*window[:-1], singular(window[-1])))
                if iris:
                    hit = (n, iris)
                    break
            if hit is None:
                i += 1
                continue
            n, iris = hit
            s, e = toks[i].start, toks[i + n - 1].end
            found.append(Mention(s, e, text[s:e], tuple(self.entities[x] for x in iris)))
            i += n
        return found

    def __len__(self) -> int:
        return len(self.entities)


def _literal_en(term: object) -> TypeGuard[Literal]:
    return isinstance(term, Literal) and (term.language in ("en", "") or term.language is None)


def from_store(store: Store, gazetteer: Gazetteer | None = None) -> Gazetteer:
    """Add the named entities of a loaded graph (data files, external graphs)."""
    gaz = gazetteer if gazetteer is not None else Gazetteer()
    types: dict[str, set[str]] = defaultdict(set)
    for q in store.quads_for_pattern(None, NamedNode(RDF_TYPE), None, None):
        if isinstance(q.subject, NamedNode) and isinstance(q.object, NamedNode):
            types[q.subject.value].add(q.object.value)

    def usable(iri: str) -> bool:
        return iri.startswith(ID) and not (types.get(iri, set()) & DESCRIBED)

    for predicate, primary in ((RDFS_LABEL, True), (ALT_LABEL, False), (NATIVE_LABEL, False)):
        for q in store.quads_for_pattern(None, NamedNode(predicate), None, None):
            s = q.subject
            if isinstance(s, NamedNode) and usable(s.value) and _literal_en(q.object):
                gaz.add_name(s.value, q.object.value, primary=primary)
                gaz.entity(s.value).types |= types.get(s.value, set())
    for predicate in (KG + "jurisdiction", KG + "country"):
        for q in store.quads_for_pattern(None, NamedNode(predicate), None, None):
            s = q.subject
            if isinstance(s, NamedNode) and s.value in gaz.entities:
                gaz.entities[s.value].owners.add(term_value(q.object))
    for q in store.quads_for_pattern(None, NamedNode(HIDDEN_LABEL), None, None):
        s = q.subject
        if isinstance(s, NamedNode) and KG + "Country" in types.get(s.value, set()):
            gaz.add_name(s.value, term_value(q.object))
            gaz.entity(s.value).types |= types[s.value]
    return gaz


def from_op_table(path: Path, store: Store | None, gazetteer: Gazetteer) -> Gazetteer:
    """Add every current country and territory of the Publications Office table: a country
    as ``id:<ISO alpha-2>``, a territory as the graph's entity linked to it
    (``skos:exactMatch``) or as a slug of its English name."""
    table = op.read(path)
    linked: dict[str, str] = {}
    if store is not None:
        for q in store.quads_for_pattern(None, NamedNode(EXACT_MATCH), None, None):
            target = term_value(q.object)
            if target.startswith(op.NAMESPACE) and isinstance(q.subject, NamedNode):
                linked[target] = q.subject.value
    for concept in table.current():
        names = sorted(concept.english_names)
        if not names:
            continue
        owner = table.country_of(concept)
        is_country = owner is concept and op.CURRENT_COUNTRIES_SCHEME in concept.schemes
        if concept.iri in linked:
            iri = linked[concept.iri]
        elif is_country and concept.alpha2:
            iri = ID + concept.alpha2
        else:
            iri = ID + slug(concept.label)
        entity = gazetteer.entity(iri)
        if not entity.types:
            entity.types.add(KG + ("Country" if is_country else "Territory"))
        gazetteer.add_name(iri, concept.label, primary=not entity.labels)
        for name in names:
            gazetteer.add_name(iri, name)
    return gazetteer


def iter_labels(gazetteer: Gazetteer) -> Iterator[tuple[str, str]]:
    """(name, IRI) pairs, for the spaCy comparison in the bench."""
    for entity in gazetteer.entities.values():
        for name in entity.labels:
            yield name, entity.iri
