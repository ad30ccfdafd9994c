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
It runs only for a store whose copy was deferred (:func:`kg.load.scope.defer`).
"""

from __future__ import annotations

from kg.sparql.lexer import WORD, Lexed, top_level

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


def set_determined(lexed: Lexed, form: int) -> bool:
    """Whether the answer of the query ``lexed`` holds is the same over a bag of triples as
    over their set: an ``ASK`` or a ``SELECT DISTINCT`` with none of the constructs above.
    ``form`` is the index of the token that names the query form (after the prologue:
    :func:`kg.sparql.prepare.form_index`). False when unsure."""
    if not lexed.complete:
        return False
    tokens = lexed.tokens
    if any(t.kind == WORD and t.upper in _COUNTING for t in lexed.all_tokens()):
        return False
    outside = set(top_level(tokens))
    if any(
        t.kind == WORD and t.upper in _SLICES and i not in outside for i, t in enumerate(tokens)
    ):
        return False
    if any(t.kind == WORD and t.upper in _SLICES for t in lexed.alternatives):
        return False
    if form >= len(tokens) or tokens[form].kind != WORD:
        return False
    word = tokens[form].upper
    if word == "ASK":
        return True
    after = tokens[form + 1] if form + 1 < len(tokens) else None
    return word == "SELECT" and after is not None and after.upper == "DISTINCT"
