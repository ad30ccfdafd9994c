"""Show the engine the parameters it binds: a ``VALUES`` block beside the substitution.

**Why.** kg binds a canned query's parameters by SEP-0007 substitution (``substitutions=`` in
pyoxigraph): the value never becomes query text. But Oxigraph plans the query before it knows
the substituted values: to its optimizer ``?forum`` is unbound, so it starts from whatever
pattern *looks* most selective (``?a a kg:Participation``: every participation) and checks the
forum last. A lookup then costs what the whole graph holds, not what it returns: at 1M triples
``list-participants-by-forum`` read 6,000 participations and 31,700 passages to return 25
rows (190 ms warm; 2 ms once the planner knew the forum).

**How.** The same terms are also written as a ``VALUES`` block at the start of the query's
top-level group and of every sub-select that projects a bound variable, which is exactly where
the substitution applies (a sub-select that does not project a variable has its own variable of
that name, untouched by either). Each term is written by pyoxigraph's own N-Triples serialiser
(``<iri>``, ``"lexical"^^<datatype>``, ``"text"@lang``), whose escapes are valid SPARQL, so no
value can change the query's structure. The substitution stays: it binds every occurrence of
the variable from the start of evaluation, so the join with the one-row ``VALUES`` removes
nothing and adds nothing (the answers are the same solutions); the ``VALUES`` only informs the
planner, which then starts from the bound value.

A query whose top-level group cannot be found by the tokens (a CONSTRUCT without ``WHERE``
before its pattern) keeps the substitution alone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from kg.sparql.lexer import PUNCT, VAR, WORD, Token, closing_braces, lex


def _term_text(term: Any) -> str:
    """The SPARQL text of an RDF term (N-Triples form; blank nodes cannot be bound)."""
    text = str(term)
    if text.startswith("_:"):
        raise ValueError("a blank node cannot be written in a VALUES block")
    return text


def _projection(tokens: list[Token], select: int) -> tuple[int | None, set[str] | None]:
    """From a SELECT token: the index of its group's ``{`` and the variables it projects
    (None for ``SELECT *``)."""
    projected: set[str] | None = set()
    paren = 0
    for j in range(select + 1, len(tokens)):
        t = tokens[j]
        if t.kind == PUNCT and t.text == "(":
            paren += 1
        elif t.kind == PUNCT and t.text == ")":
            paren -= 1
        elif paren == 0 and t.kind == PUNCT and t.text == "*":
            projected = None
        elif paren == 0 and t.kind == PUNCT and t.text == "{":
            return j, projected
        elif t.kind == VAR and projected is not None:
            before = tokens[j - 1]
            if paren == 0 or (before.kind == WORD and before.upper == "AS"):
                projected.add(t.text[1:])
    return None, projected


def _groups(tokens: list[Token]) -> list[tuple[int, int, set[str] | None]]:
    """(index of the opening ``{``, index of its ``}``, projected variables) of the top-level
    group and of each sub-select's group, outermost first; projected None means every variable
    (``SELECT *``, ASK, DESCRIBE)."""
    closing = closing_braces(tokens)
    depth = 0
    top: int | None = None
    top_projection: set[str] | None = None
    after_where = False
    for i, token in enumerate(tokens):
        if depth == 0 and token.kind == WORD and token.upper == "SELECT" and top is None:
            top_projection = _projection(tokens, i)[1]
        if token.kind == WORD and token.upper == "WHERE" and depth == 0:
            after_where = True
        if token.kind == PUNCT and token.text == "{":
            if depth == 0 and top is None and (after_where or not _is_construct(tokens)):
                top = i
            depth += 1
        elif token.kind == PUNCT and token.text == "}":
            depth -= 1
    if top is None or top not in closing:
        return []
    found: list[tuple[int, int, set[str] | None]] = [(top, closing[top], top_projection)]
    for i, token in enumerate(tokens):
        if i > top and token.kind == WORD and token.upper == "SELECT":
            j, projected = _projection(tokens, i)
            if j is not None and j in closing:
                found.append((j, closing[j], projected))
    return found


def _is_construct(tokens: list[Token]) -> bool:
    return any(t.kind == WORD and t.upper == "CONSTRUCT" for t in tokens[:64])


def with_values(
    text: str,
    terms: Mapping[str, Any],
    *,
    top: bool = True,
    term_text: Callable[[Any], str] = _term_text,
) -> str:
    """The query text with a ``VALUES`` block of ``terms`` (variable name → RDF term) where the
    substitution of the same terms applies (see the module docstring). The text is returned
    unchanged when there is nothing to bind or no group to bind it in.

    Args:
        top: also the query's own WHERE group; False for the sub-selects only (a remote store
            writes the top-level block itself, for every parameter: its only way to bind one).
        term_text: how a term is written (a remote store checks each IRI as it writes it).
    """
    if not terms:
        return text
    inserts: list[tuple[int, str]] = []
    for k, (start, close, inside, wraps) in enumerate(_places(text)):
        if k == 0 and not top:
            continue
        names = [n for n in terms if n in inside]
        if not names:
            continue
        variables = " ".join(f"?{n}" for n in names)
        values = " ".join(term_text(terms[n]) for n in names)
        block = f" VALUES ({variables}) {{ ({values}) }}"
        if wraps:  # the group is a sub-select: VALUES cannot precede it, so wrap it
            inserts.append((start, block + " {"))
            inserts.append((close, "} "))
        else:
            inserts.append((start, block + " "))
    for offset, piece in sorted(inserts, key=lambda x: x[0], reverse=True):
        text = text[:offset] + piece + text[offset:]
    return text


@lru_cache(maxsize=256)
def _places(text: str) -> tuple[tuple[int, int, frozenset[str], bool], ...]:
    """Where a query takes VALUES blocks: (offset after the group's ``{``, offset of its
    ``}``, the variables the group may bind from outside, whether it is a sub-select). Cached:
    a server runs the same few canned texts again and again."""
    tokens = lex(text).tokens
    groups = _groups(tokens)
    places = []
    for k, (open_i, close_i, _) in enumerate(groups):
        inside = {t.text[1:] for t in tokens[open_i:close_i] if t.kind == VAR}
        names = set(inside)
        # A group sees a bound variable only if its SELECT and every SELECT around it project
        # it (otherwise its variable of that name is another variable, which the substitution
        # leaves alone too).
        for outer_open, outer_close, outer_projected in groups[: k + 1]:
            if outer_open <= open_i and close_i <= outer_close and outer_projected is not None:
                names &= outer_projected
        after = tokens[open_i + 1] if open_i + 1 < len(tokens) else None
        wraps = after is not None and after.kind == WORD and after.upper == "SELECT"
        places.append((tokens[open_i].end, tokens[close_i].start, frozenset(names), wraps))
    return tuple(places)
