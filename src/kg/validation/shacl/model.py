"""The data of SHACL validation, shared by every other module of the package: namespaces,
severities, the shape and constraint records the shapes parser fills, and the validation
results the engine and the reference engine both return (so the two can be compared).

Nothing here reads a graph or builds a query; it is the vocabulary the other modules speak.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from kg.namespaces import curie

SH = "http://www.w3.org/ns/shacl#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"

Term = NamedNode | BlankNode | Literal
Focus = Callable[[str], str]
"""A focus-node set, as a function from a variable name to a SPARQL group pattern that binds
that variable (once per node) and nothing else visible outside it."""


def sh(local: str) -> NamedNode:
    """A term of the SHACL vocabulary, by its local name."""
    return NamedNode(SH + local)


VIOLATION = sh("Violation")
WARNING = sh("Warning")
INFO = sh("Info")
SEVERITY_ORDER = {VIOLATION.value: 0, WARNING.value: 1, INFO.value: 2}


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class ResultPath:
    """A SHACL path of a result: its node in the shapes graph, the same path in SPARQL
    property-path syntax (full IRIs, the form results are compared by), and, for complex
    paths, the shapes-graph triples that describe it (so a report can reproduce it)."""

    node: NamedNode | BlankNode
    sparql: str
    label: str
    triples: tuple[Triple, ...] = ()


@dataclass(frozen=True)
class ValidationResult:
    """Exactly the fields of a ``sh:ValidationResult``."""

    focus: Term
    path: ResultPath | None
    value: Term | None
    source_shape: NamedNode | BlankNode
    component: NamedNode
    severity: NamedNode
    message: str
    source_constraint: Term | None = None

    def key(self) -> tuple[str, str, str, str, str]:
        """(focus, path, value, component, severity) as text: what two engines must agree
        on. Messages and shape nodes are left out (blank-node shapes have no stable name)."""
        return (
            str(self.focus),
            self.path.sparql if self.path else "",
            str(self.value) if self.value is not None else "",
            self.component.value,
            self.severity.value,
        )


# --------------------------------------------------------------------------- shapes


@dataclass
class Constraint:
    """One constraint: a constraint component's parameter value on one shape.

    ``parameter`` is the parameter's IRI, the key under which
    :data:`kg.validation.shacl.components.REGISTRY` finds the component that checks it;
    ``value`` is the parameter value as that component's reader checked it.
    """

    name: str  # the parameter as messages name it: "sh:class", "sh:minCount", …
    parameter: str
    component: NamedNode
    value: Any
    node: Term | None = None  # the sh:sparql constraint node, for sh:sourceConstraint


@dataclass
class Shape:
    """A node or property shape as the engine uses it (targets, path, own constraints and
    the property shapes it holds by ``sh:property``)."""

    node: NamedNode | BlankNode
    name: str  # for messages: CURIE with the shapes file's prefixes
    path: ResultPath | None
    severity: NamedNode
    deactivated: bool
    message: str | None
    targets: list[tuple[str, Term]] = field(default_factory=list)
    constraints: list[Constraint] = field(default_factory=list)
    properties: list[Term] = field(default_factory=list)


def shape_name(node: Term) -> str:
    """How errors and reports name a shape: its CURIE, or ``_:id`` for a blank node."""
    if isinstance(node, NamedNode):
        return curie(node.value)
    return str(node)
