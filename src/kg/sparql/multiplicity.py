"""Whether a query's answer depends on how many times its default graph holds a triple.

**Why.** Oxigraph's union of the named graphs is a bag (:mod:`kg.load.scope`): a triple two
graphs state is seen twice. kg therefore materialises the distinct union as the default graph,
which in memory is a second copy of every triple (1.7× a raw load at 1M triples). But many
answers cannot tell a bag from a set: ``SELECT DISTINCT`` keeps one row of each set of equal
rows, and ``ASK`` asks whether there is one. Every operator between the patterns and that last
step only multiplies rows or keeps or drops them by what they hold — joins, ``OPTIONAL``,
``UNION``, ``MINUS``, ``FILTER`` (``EXISTS`` asks whether there is one), ``BIND``, ``VALUES``,
property paths, sub-selects — so the distinct rows are the same over the bag and over the set.
What can tell them apart is refused here: anything that counts or picks among rows
(aggregates, ``GROUP BY``, ``HAVING``, ``LIMIT`` / ``OFFSET`` in a sub-select: a duplicate could
take another row's place), anything that makes a new value per row (``BNODE()``, ``RAND()``,
``UUID()``, ``STRUUID()``: duplicates would give more distinct rows), ``REDUCED`` (it may
keep some duplicates), ``SERVICE`` and the forms that build graphs (``CONSTRUCT`` makes a
triple per row, fresh blank nodes included; ``DESCRIBE`` is the engine's). A top-level
``LIMIT`` / ``OFFSET`` is applied after ``DISTINCT``, so it is kept.

The row *order* of rows an ``ORDER BY`` leaves tied (or of an answer without one) is the
engine's evaluation order, which SPARQL leaves open; it already differs between the in-memory
and the persistent store.

The check reads the tokens (:mod:`kg.sparql.lexer`), every reading of an ambiguous ``<``
included: a word that could be any of the above in one reading makes the answer "depends".
"""

from __future__ import annotations

from functools import lru_cache

from kg.sparql.lexer import PUNCT, WORD, Lexed, lex, top_level

# Words that make an answer depend on multiplicities wherever they are (see the docstring).
_COUNTING = frozenset(
    {
        "COUNT",
        "SUM",
        "MIN",
        "MAX",
        "AVG",
        "SAMPLE",
        "GROUP_CONCAT",
        "GROUP",
        "HAVING",
        "BNODE",
        "RAND",
        "UUID",
        "STRUUID",
        "REDUCED",
        "SERVICE",
        "CONSTRUCT",
        "DESCRIBE",
    }
)
_SLICES = frozenset({"LIMIT", "OFFSET"})
_PROLOGUE = frozenset({"PREFIX", "BASE"})


def set_determined(text: str, lexed: Lexed | None = None) -> bool:
    """Whether ``text``'s answer is the same over a bag of triples as over their set: an
    ``ASK`` or a ``SELECT DISTINCT`` with none of the constructs above. False when unsure."""
    if lexed is None or lexed.text != text:
        return _set_determined(text)
    return _check(lexed)


@lru_cache(maxsize=256)
def _set_determined(text: str) -> bool:
    return _check(lex(text))


def _check(lexed: Lexed) -> bool:
    if not lexed.complete:
        return False
    tokens = lexed.tokens
    words = [t.upper for t in lexed.all_tokens() if t.kind == WORD]
    if any(word in _COUNTING for word in words):
        return False
    outside = set(top_level(tokens))
    if any(
        t.kind == WORD and t.upper in _SLICES and i not in outside for i, t in enumerate(tokens)
    ):
        return False
    if any(t.kind == WORD and t.upper in _SLICES for t in lexed.alternatives):
        return False
    form = _form(tokens)
    if form is None:
        return False
    i, word = form
    if word == "ASK":
        return True
    if word != "SELECT":
        return False
    return i + 1 < len(tokens) and tokens[i + 1].kind == WORD and tokens[i + 1].upper == "DISTINCT"


def _form(tokens: list) -> tuple[int, str] | None:
    """The index and keyword of the query form, after the prologue's PREFIX / BASE lines."""
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.kind == WORD and token.upper in _PROLOGUE:
            i += 3 if token.upper == "PREFIX" else 2  # PREFIX p: <iri> / BASE <iri>
            continue
        if token.kind == WORD:
            return i, token.upper
        if token.kind == PUNCT:
            return None
        i += 1
    return None
