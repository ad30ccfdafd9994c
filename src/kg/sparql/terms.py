"""RDF terms written into SPARQL text: the one writer kg uses wherever a term must appear in
a query it builds (parameters sent to a remote store as a VALUES block, the SHACL engine's
constraint queries, probes of a remote store's graphs).

Why strict rather than ``str(term)``: the text goes into a query, so no value may end the term
early. IRIs must match the IRIREF grammar, language tags their grammar, and literals are
escaped as in N-Triples; anything else is refused, never pasted.
"""

from __future__ import annotations

import re
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode

from kg.errors import InputError
from kg.namespaces import PREFIXES

XSD_STRING = PREFIXES["xsd"] + "string"
IRIREF_BODY = re.compile(r'[^<>"{}|^`\\\x00-\x20]*')
_LANG = r"[a-zA-Z]+(?:-[a-zA-Z0-9]+)*"  # compiled (and cached by re) when a tag is sent
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def sparql_term(term: Any) -> str:
    """An RDF term written for a query: ``<iri>``, ``"text"``, ``"text"@en``,
    ``"2021"^^<…#gYear>``. Strings are escaped as in N-Triples (backslash, quote, line breaks),
    IRIs must match the IRIREF grammar: no value can end the term early.

    Raises:
        InputError: a blank node (it names nothing outside its store) or an IRI / language
            tag that cannot be written safely.
    """
    if isinstance(term, NamedNode):
        if not IRIREF_BODY.fullmatch(term.value):
            raise InputError(f"cannot send the IRI {term.value!r} in a query")
        return f"<{term.value}>"
    if isinstance(term, Literal):
        text = "".join(_ESCAPES.get(c, c) for c in term.value)
        if term.language:
            if not re.fullmatch(_LANG, term.language):
                raise InputError(f"cannot send the language tag {term.language!r} in a query")
            return f'"{text}"@{term.language}'
        if term.datatype.value == XSD_STRING:
            return f'"{text}"'
        return f'"{text}"^^{sparql_term(term.datatype)}'
    if isinstance(term, BlankNode):
        raise InputError("a blank node cannot be sent to another store as a parameter")
    raise InputError(f"cannot send {term!r} as a parameter")
