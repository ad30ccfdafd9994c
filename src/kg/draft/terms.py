"""The string value of a term read from a graph.

pyoxigraph types a quad's subject and object as possibly a quoted triple (RDF-star), which has
no string value. kg's data never states quoted triples, so meeting one means the input is not
kg's data: the drafter says so by name instead of failing later on a missing attribute.
"""

from __future__ import annotations

from typing import TypeAlias

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from kg.errors import InputError

Term: TypeAlias = NamedNode | BlankNode | Literal | Triple
"""What pyoxigraph may give as a quad's object (its subject is never a literal)."""


def term_value(term: Term) -> str:
    """The IRI of a named node, the lexical form of a literal or the label of a blank node.

    Raises:
        InputError: the term is a quoted triple.
    """
    if isinstance(term, Triple):
        raise InputError(f"a quoted triple ({term}) where kg expects an IRI or a literal")
    return term.value
