"""SHACL Core (a documented subset) evaluated as SPARQL on the Oxigraph store.

Why: pyshacl on rdflib needs about 25 s to load and 30 s to validate a graph of a million
triples. Here every constraint of every shape becomes ONE SPARQL query over the whole store
(never one query per focus node, no Python loop over the data), so the work happens inside
Oxigraph and scales with it. ``validate_with_pyshacl`` runs the reference implementation on
the same store, and ``compare_with_pyshacl`` diffs the two (the differential test).

How the engine sees the graphs:

* The **data graph** is the union of all named graphs of the store: the data, the ontology
  (``kg.ttl``, ``vocab.ttl``) and, when it is loaded, the inferred graph. ``sh:targetClass``
  and ``sh:class`` follow ``rdf:type/rdfs:subClassOf*`` in that union — SHACL's "SHACL
  instance" — so the ontology's class hierarchy counts, and so do inferred types.
* The **shapes graph** is parsed into a store of its own and is never visible to the data
  queries. Implicit class targets (a shape that is also an ``rdfs:Class`` or ``owl:Class``)
  are read from the shapes graph, as SHACL says.

Supported: targets ``sh:targetClass``, implicit class targets, ``sh:targetNode``,
``sh:targetSubjectsOf``, ``sh:targetObjectsOf``; node and property shapes; every SHACL path
(predicate, inverse, sequence, alternative, zero-or-more, one-or-more, zero-or-one — they are
SPARQL property paths); ``sh:class``, ``sh:datatype``, ``sh:nodeKind``, ``sh:minCount``,
``sh:maxCount``, ``sh:pattern`` (+ ``sh:flags``), ``sh:minLength``, ``sh:maxLength``,
``sh:in``, ``sh:hasValue``, ``sh:minInclusive``, ``sh:maxInclusive``, ``sh:minExclusive``,
``sh:maxExclusive``, ``sh:lessThan``, ``sh:lessThanOrEquals``, ``sh:equals``,
``sh:disjoint``, ``sh:languageIn``, ``sh:uniqueLang``, ``sh:node``, ``sh:property``,
``sh:or``, ``sh:and``, ``sh:not``; SHACL-SPARQL constraints ``sh:sparql`` with
``sh:select`` (``$this`` pre-bound, prefixes from ``sh:prefixes``; top-level shapes only);
``sh:severity``, ``sh:deactivated``, ``sh:message``.

Not supported, each reported as a ``ShapesError`` naming the shape and the feature (never
silently ignored): ``sh:closed true``, ``sh:xone``, qualified value shapes, SPARQL-based
targets and constraint components, ``$PATH`` in ``sh:select``, recursive shapes, blank nodes
as ``sh:targetNode``/``sh:hasValue``/``sh:in`` members, and ``sh:datatype`` with a derived
integer type or ``xsd:dateTimeStamp``: the Oxigraph store keeps literals in canonical form and
folds ``xsd:int``, ``xsd:nonNegativeInteger``, … into ``xsd:integer`` (and
``xsd:dateTimeStamp`` into ``xsd:dateTime``), so such a constraint could only give wrong
answers. Use ``xsd:integer`` with ``sh:minInclusive`` instead.

How ``sh:sparql`` binds ``$this``: instead of running the SELECT once per focus node with
``$this`` pre-bound, the engine puts the shape's focus nodes (a sub-SELECT binding ``$this``)
first in the query's WHERE group and runs it once. FILTER, NOT EXISTS, OPTIONAL and MINUS in
that group then see ``$this`` bound, as with pre-binding; only a sub-SELECT of the user's
query sees it unbound. The SELECT must project ``$this``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Store, Triple, parse

from kg.errors import InputError, ShapesError
from kg.namespaces import PREFIXES, curie
from kg.progress import Progress
from kg.sparql import terms

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
    return NamedNode(SH + local)


VIOLATION = sh("Violation")
WARNING = sh("Warning")
INFO = sh("Info")
SEVERITY_ORDER = {VIOLATION.value: 0, WARNING.value: 1, INFO.value: 2}

_TYPE = f"<{RDF}type>"
_SUBCLASS = f"<{RDFS}subClassOf>"
_INSTANCE_OF = f"{_TYPE}/{_SUBCLASS}*"

# Datatypes the store folds into another one; sh:datatype on them cannot be checked.
_FOLDED = {
    XSD + name
    for name in [
        "int",
        "long",
        "short",
        "byte",
        "nonNegativeInteger",
        "positiveInteger",
        "nonPositiveInteger",
        "negativeInteger",
        "unsignedLong",
        "unsignedInt",
        "unsignedShort",
        "unsignedByte",
        "dateTimeStamp",
    ]
}
# Datatypes whose ill-typed literals the store keeps as they are written; a cast to the
# datatype fails on them, which is how the engine tells them from well-typed ones.
_CASTABLE = {
    XSD + name
    for name in [
        "integer",
        "decimal",
        "float",
        "double",
        "boolean",
        "date",
        "time",
        "dateTime",
        "gYear",
        "gYearMonth",
        "gMonth",
        "gDay",
        "gMonthDay",
        "duration",
        "yearMonthDuration",
        "dayTimeDuration",
    ]
}
_NODE_KINDS = {
    "IRI": "isIRI(?{v})",
    "BlankNode": "isBlank(?{v})",
    "Literal": "isLiteral(?{v})",
    "BlankNodeOrIRI": "(isBlank(?{v}) || isIRI(?{v}))",
    "BlankNodeOrLiteral": "(isBlank(?{v}) || isLiteral(?{v}))",
    "IRIOrLiteral": "(isIRI(?{v}) || isLiteral(?{v}))",
}
_RANGE = {"minInclusive": ">=", "minExclusive": ">", "maxInclusive": "<=", "maxExclusive": "<"}

# Parameters the engine checks, by constraint component, and the ones that only describe.
_COMPONENT_PARAMS = {
    "class": "ClassConstraintComponent",
    "datatype": "DatatypeConstraintComponent",
    "nodeKind": "NodeKindConstraintComponent",
    "minCount": "MinCountConstraintComponent",
    "maxCount": "MaxCountConstraintComponent",
    "pattern": "PatternConstraintComponent",
    "minLength": "MinLengthConstraintComponent",
    "maxLength": "MaxLengthConstraintComponent",
    "in": "InConstraintComponent",
    "hasValue": "HasValueConstraintComponent",
    "minInclusive": "MinInclusiveConstraintComponent",
    "minExclusive": "MinExclusiveConstraintComponent",
    "maxInclusive": "MaxInclusiveConstraintComponent",
    "maxExclusive": "MaxExclusiveConstraintComponent",
    "lessThan": "LessThanConstraintComponent",
    "lessThanOrEquals": "LessThanOrEqualsConstraintComponent",
    "equals": "EqualsConstraintComponent",
    "disjoint": "DisjointConstraintComponent",
    "languageIn": "LanguageInConstraintComponent",
    "uniqueLang": "UniqueLangConstraintComponent",
    "node": "NodeConstraintComponent",
    "or": "OrConstraintComponent",
    "and": "AndConstraintComponent",
    "not": "NotConstraintComponent",
    "sparql": "SPARQLConstraintComponent",
}
_OTHER_PARAMS = {
    "targetClass",
    "targetNode",
    "targetSubjectsOf",
    "targetObjectsOf",
    "path",
    "property",
    "severity",
    "deactivated",
    "message",
    "name",
    "description",
    "order",
    "group",
    "defaultValue",
    "flags",
    "closed",
    "ignoredProperties",
    "prefixes",
}
_SINGLE = {"datatype", "nodeKind", "minCount", "maxCount", "minLength", "maxLength", "uniqueLang"}
_PROPERTY_ONLY = {"minCount", "maxCount", "lessThan", "lessThanOrEquals", "uniqueLang"}


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


# --------------------------------------------------------------------------- shapes graph


def shapes_paths(path: Path | str | Sequence[Path | str]) -> list[Path]:
    """One shapes file or several, as a list of paths."""
    if isinstance(path, str | Path):
        return [Path(path)]
    return [Path(p) for p in path]


class ShapesGraph:
    """The shapes graph held apart from the data: an index subject → predicate → objects."""

    def __init__(
        self,
        triples: Iterable[Triple],
        source: str = "shapes",
        prefixes: dict[str, str] | None = None,
    ) -> None:
        self.source = source
        self.prefixes = {**PREFIXES, **(prefixes or {})}
        self._index: dict[Term, dict[str, list[Term]]] = {}
        self._by_predicate: dict[str, list[tuple[Term, Term]]] = {}
        for t in triples:
            self._index.setdefault(t.subject, {}).setdefault(t.predicate.value, []).append(t.object)
            self._by_predicate.setdefault(t.predicate.value, []).append((t.subject, t.object))

    @classmethod
    def load(cls, path: Path | str | Sequence[Path | str]) -> ShapesGraph:
        """Parse one shapes file, or several that together are the shapes graph (our shapes
        and those of the external sources), with the project's one loader (same syntax checks
        and error messages as data files) into a store of their own."""
        from kg.load.files import FORMATS, Dataset, load_file

        paths = shapes_paths(path)
        dataset = Dataset(Store())
        prefixes: dict[str, str] = {}
        for one in paths:
            if not one.is_file():
                raise InputError(f"{one}: shapes file not found")
            load_file(dataset, one)
            if FORMATS.get(one.suffix.lower()) in (RdfFormat.TURTLE, RdfFormat.TRIG):
                # Parsed once more (it is small) only to name shapes with the file's prefixes.
                parser = parse(path=str(one), format=FORMATS[one.suffix.lower()])
                for _ in parser:
                    pass
                prefixes.update(parser.prefixes)
        triples = [Triple(q.subject, q.predicate, q.object) for q in dataset.store]
        return cls(triples, source=", ".join(map(str, paths)), prefixes=prefixes)

    def name(self, node: Term, depth: int = 0) -> str:
        """How errors name a shape: a CURIE with the shapes file's prefixes; a blank-node
        property shape by its parent and path (``ex:S [sh:path ex:p]``), which a reader can
        find in the file, unlike a blank node id."""
        if isinstance(node, NamedNode):
            return curie(node.value, self.prefixes)
        path = self.value(node, SH + "path")
        label = (
            f"[sh:path {curie(path.value, self.prefixes)}]"
            if isinstance(path, NamedNode)
            else "[blank node]"
        )
        parents = self.subjects(SH + "property", node)
        if parents and depth < 10:
            return f"{self.name(parents[0], depth + 1)} {label}"
        return label

    def predicates(self, s: Term) -> dict[str, list[Term]]:
        return self._index.get(s, {})

    def objects(self, s: Term, p: str) -> list[Term]:
        return self._index.get(s, {}).get(p, [])

    def value(self, s: Term, p: str) -> Term | None:
        values = self.objects(s, p)
        return values[0] if values else None

    def subjects(self, p: str, o: Term | None = None) -> list[Term]:
        return [s for s, obj in self._by_predicate.get(p, []) if o is None or obj == o]

    def pairs(self, p: str) -> list[tuple[Term, Term]]:
        return list(self._by_predicate.get(p, []))

    def items(self, head: Term, where: str) -> list[Term]:
        """The members of an RDF list; a malformed list is an error naming ``where``."""
        members: list[Term] = []
        seen: set[Term] = set()
        node = head
        while node != NamedNode(RDF + "nil"):
            first = self.objects(node, RDF + "first")
            rest = self.objects(node, RDF + "rest")
            if len(first) != 1 or len(rest) != 1 or node in seen:
                raise ShapesError(f"{where}: malformed RDF list")
            seen.add(node)
            members.append(first[0])
            node = rest[0]
        return members

    def closure(self, node: Term) -> list[Triple]:
        """The triples describing a blank node, recursively (a complex path, a list)."""
        out: list[Triple] = []
        todo, seen = [node], set()
        while todo:
            n = todo.pop()
            if n in seen or not isinstance(n, BlankNode):
                continue
            seen.add(n)
            for p, objs in self.predicates(n).items():
                for o in objs:
                    out.append(Triple(n, NamedNode(p), o))
                    todo.append(o)
        return out


# --------------------------------------------------------------------------- shape model


@dataclass
class Constraint:
    """One constraint: a component and its parameter value(s) on one shape."""

    name: str  # the parameter's local name: "class", "minCount", "sparql", …
    value: Any
    node: Term | None = None  # the sh:sparql constraint node, for sh:sourceConstraint

    @property
    def component(self) -> NamedNode:
        return sh(_COMPONENT_PARAMS[self.name])


@dataclass
class Shape:
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


def _text(term: Term) -> str:
    return curie(term.value) if isinstance(term, NamedNode) else str(term)


def sparql_term(term: Term, where: str) -> str:
    """An RDF term of the shapes graph in SPARQL syntax (:func:`kg.sparql.terms.sparql_term`:
    escaped, never pasted text); ``where`` names the shape for the error."""
    if isinstance(term, NamedNode | Literal):
        try:
            return terms.sparql_term(term)
        except InputError as error:
            raise ShapesError(f"{where}: {error}") from None
    raise ShapesError(f"{where}: a blank node cannot be matched against the data")


def _pick_message(literals: list[Term]) -> str | None:
    """The English (or untagged) sh:message, else the first in a stable order."""
    texts = [t for t in literals if isinstance(t, Literal)]
    if not texts:
        return None
    for wanted in ("en", ""):
        for t in sorted(texts, key=str):
            if (t.language or "").lower().split("-")[0] == wanted:
                return t.value
    return sorted(texts, key=str)[0].value


class _ShapeParser:
    """Reads the shapes graph into Shape objects, rejecting what the engine cannot check."""

    def __init__(self, sg: ShapesGraph) -> None:
        self.sg = sg
        self.shapes: dict[Term, Shape] = {}

    def shape_nodes(self) -> list[Term]:
        """Every node the shapes graph uses as a shape (typed, targeted or referenced)."""
        sg = self.sg
        nodes: list[Term] = []
        for kind in ("NodeShape", "PropertyShape"):
            nodes += sg.subjects(RDF + "type", sh(kind))
        for p in ("targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf", "target"):
            nodes += sg.subjects(SH + p)
        nodes += sg.subjects(SH + "path")
        for p in ("property", "node", "not", "qualifiedValueShape"):
            nodes += [o for _, o in sg.pairs(SH + p)]
        for p in ("or", "and", "xone"):
            for s, head in sg.pairs(SH + p):
                nodes += sg.items(head, f"shape {sg.name(s)}: sh:{p}")
        seen: dict[Term, None] = {}
        for n in nodes:
            if isinstance(n, Literal):
                raise ShapesError(f"{sg.source}: a literal ({n}) is used as a shape")
            seen.setdefault(n, None)
        return list(seen)

    def parse(self) -> dict[Term, Shape]:
        for node in self.shape_nodes():
            self.shapes[node] = self._shape(node)
        return self.shapes

    def _one(self, node: Term, local: str) -> Term | None:
        values = self.sg.objects(node, SH + local)
        if len(values) > 1:
            raise ShapesError(f"shape {self.sg.name(node)}: sh:{local} has more than one value")
        return values[0] if values else None

    def _int(self, node: Term, local: str, value: Term) -> int:
        if isinstance(value, Literal) and value.datatype.value == XSD + "integer":
            try:
                n = int(value.value)
            except ValueError:
                n = -1
            if n >= 0:
                return n
        raise ShapesError(
            f"shape {self.sg.name(node)}: sh:{local} must be a non-negative xsd:integer, "
            f"not {value}"
        )

    def _bool(self, node: Term, local: str, value: Term | None) -> bool:
        if value is None:
            return False
        if isinstance(value, Literal) and value.datatype.value == XSD + "boolean":
            return value.value in ("true", "1")
        raise ShapesError(f"shape {self.sg.name(node)}: sh:{local} must be an xsd:boolean")

    def _iri(self, node: Term, local: str, value: Term) -> NamedNode:
        if isinstance(value, NamedNode):
            return value
        raise ShapesError(f"shape {self.sg.name(node)}: sh:{local} must be an IRI, not {value}")

    def _shape(self, node: Term) -> Shape:
        sg, name = self.sg, self.sg.name(node)
        preds = sg.predicates(node)
        for p in preds:
            if not p.startswith(SH):
                continue
            local = p[len(SH) :]
            if local not in _COMPONENT_PARAMS and local not in _OTHER_PARAMS:
                raise ShapesError(
                    f"shape {name}: sh:{local} is not supported by the native SHACL engine "
                    "(try --engine pyshacl)"
                )
        if self._bool(node, "closed", self._one(node, "closed")):
            raise ShapesError(
                f"shape {name}: sh:closed is not supported by the native SHACL engine "
                "(try --engine pyshacl)"
            )
        if sg.objects(node, SH + "flags") and not sg.objects(node, SH + "pattern"):
            raise ShapesError(f"shape {name}: sh:flags without sh:pattern")
        path_node = self._one(node, "path")
        path = compile_path(sg, path_node, name) if path_node is not None else None
        severity = self._one(node, "severity") or VIOLATION
        shape = Shape(
            node=node,  # type: ignore[arg-type]
            name=name,
            path=path,
            severity=self._iri(node, "severity", severity),
            deactivated=self._bool(node, "deactivated", self._one(node, "deactivated")),
            message=_pick_message(sg.objects(node, SH + "message")),
        )
        self._targets(shape)
        shape.properties = list(sg.objects(node, SH + "property"))
        for local in _COMPONENT_PARAMS:
            values = sg.objects(node, SH + local)
            if not values:
                continue
            if local in _SINGLE and len(values) > 1:
                raise ShapesError(f"shape {name}: sh:{local} has more than one value")
            if local in _PROPERTY_ONLY and path is None:
                raise ShapesError(f"shape {name}: sh:{local} is only allowed on property shapes")
            for value in values:
                constraint = self._constraint(shape, local, value)
                if constraint is not None:
                    shape.constraints.append(constraint)
        return shape

    def _targets(self, shape: Shape) -> None:
        sg, node = self.sg, shape.node
        for c in sg.objects(node, SH + "targetClass"):
            shape.targets.append(("class", self._iri(node, "targetClass", c)))
        types = sg.objects(node, RDF + "type")
        if NamedNode(RDFS + "Class") in types or NamedNode(OWL + "Class") in types:
            if not isinstance(node, NamedNode):
                raise ShapesError(f"shape {shape.name}: a blank node cannot be a class target")
            shape.targets.append(("class", node))
        for n in sg.objects(node, SH + "targetNode"):
            sparql_term(n, f"shape {shape.name}: sh:targetNode")
            shape.targets.append(("node", n))
        for p in sg.objects(node, SH + "targetSubjectsOf"):
            shape.targets.append(("subjectsOf", self._iri(node, "targetSubjectsOf", p)))
        for p in sg.objects(node, SH + "targetObjectsOf"):
            shape.targets.append(("objectsOf", self._iri(node, "targetObjectsOf", p)))

    def _constraint(self, shape: Shape, local: str, value: Term) -> Constraint | None:
        sg, node, name = self.sg, shape.node, shape.name
        where = f"shape {name}: sh:{local}"
        if local in ("class", "lessThan", "lessThanOrEquals", "equals", "disjoint"):
            return Constraint(local, self._iri(node, local, value))
        if local == "datatype":
            iri = self._iri(node, local, value)
            if iri.value in _FOLDED:
                raise ShapesError(
                    f"{where} {curie(iri.value)} is not supported: the store folds it into "
                    f"{'xsd:dateTime' if iri.value.endswith('Stamp') else 'xsd:integer'}; "
                    "use that datatype (with sh:minInclusive/sh:maxInclusive for the range)"
                )
            return Constraint(local, iri)
        if local == "nodeKind":
            kind = self._iri(node, local, value).value
            if not kind.startswith(SH) or kind[len(SH) :] not in _NODE_KINDS:
                raise ShapesError(f"{where}: unknown node kind {value}")
            return Constraint(local, kind[len(SH) :])
        if local in ("minCount", "maxCount", "minLength", "maxLength"):
            n = self._int(node, local, value)
            return None if local == "minCount" and n == 0 else Constraint(local, n)
        if local == "pattern":
            if not isinstance(value, Literal):
                raise ShapesError(f"{where} must be a string literal")
            flags = self._one(node, "flags")
            if flags is not None and not isinstance(flags, Literal):
                raise ShapesError(f"shape {name}: sh:flags must be a string literal")
            return Constraint(local, (value.value, flags.value if flags is not None else None))
        if local == "in":
            members = sg.items(value, where)
            for m in members:
                sparql_term(m, where)
            return Constraint(local, members)
        if local == "hasValue":
            sparql_term(value, where)
            return Constraint(local, value)
        if local in _RANGE:
            if not isinstance(value, Literal):
                raise ShapesError(f"{where} must be a literal")
            return Constraint(local, value)
        if local == "languageIn":
            members = sg.items(value, where)
            if not all(isinstance(m, Literal) for m in members):
                raise ShapesError(f"{where} members must be string literals")
            return Constraint(local, [m.value for m in members])  # type: ignore[union-attr]
        if local == "uniqueLang":
            return Constraint(local, True) if self._bool(node, local, value) else None
        if local in ("node", "not"):
            return Constraint(local, value)
        if local in ("or", "and"):
            return Constraint(local, sg.items(value, where))
        if local == "sparql":
            return self._sparql(shape, value)
        raise AssertionError(local)  # every key of _COMPONENT_PARAMS is handled above

    def _sparql(self, shape: Shape, node: Term) -> Constraint | None:
        sg = self.sg
        where = f"shape {shape.name}: sh:sparql"
        for p in sg.predicates(node):
            if p.startswith(SH) and p[len(SH) :] not in (
                "select",
                "message",
                "prefixes",
                "deactivated",
                "name",
                "description",
            ):
                raise ShapesError(f"{where}: {curie(p)} is not supported")
        if self._bool(node, "deactivated", sg.value(node, SH + "deactivated")):
            return None
        select = sg.objects(node, SH + "select")
        if len(select) != 1 or not isinstance(select[0], Literal):
            raise ShapesError(f"{where}: needs exactly one sh:select string")
        text = select[0].value
        if "$PATH" in text:
            raise ShapesError(f"{where}: $PATH is not supported")
        prologue, body = _split_prologue(text)
        head = body.split("{", 1)[0]
        if not re.match(r"(?is)\s*SELECT\b", body):
            raise ShapesError(f"{where}: sh:select must be a SELECT query")
        if not re.search(r"(?i)[?$]this\b|\*", head):
            raise ShapesError(f"{where}: the SELECT must project $this")
        prefixes: dict[str, str] = {}
        for decl_owner in sg.objects(node, SH + "prefixes") + sg.objects(
            shape.node, SH + "prefixes"
        ):
            for decl in sg.objects(decl_owner, SH + "declare"):
                prefix = sg.value(decl, SH + "prefix")
                namespace = sg.value(decl, SH + "namespace")
                if not isinstance(prefix, Literal) or namespace is None:
                    raise ShapesError(f"{where}: malformed sh:declare")
                prefixes[prefix.value] = namespace.value
        message = _pick_message(sg.objects(node, SH + "message"))
        return Constraint("sparql", (prologue, body, prefixes, message), node=node)


_PROLOGUE = re.compile(
    r"\A(?:\s+|#[^\n]*\n|PREFIX\s+[^\s:]*:\s*<[^>]*>|BASE\s+<[^>]*>)*", re.IGNORECASE
)


def _split_prologue(text: str) -> tuple[str, str]:
    """Separate a query's PREFIX/BASE lines, so the SELECT can become a sub-query."""
    m = _PROLOGUE.match(text)
    end = m.end() if m else 0
    return text[:end], text[end:]


# --------------------------------------------------------------------------- paths


def compile_path(sg: ShapesGraph, node: Term, where: str) -> ResultPath:
    """A SHACL path as a SPARQL property path (plus a CURIE rendering for reports)."""

    def render(n: Term, short: bool, depth: int = 0) -> str:
        if depth > 50:
            raise ShapesError(f"shape {where}: sh:path is cyclic")
        if isinstance(n, NamedNode):
            return curie(n.value) if short else str(n)
        if isinstance(n, Literal):
            raise ShapesError(f"shape {where}: a literal is not a path")
        preds = sg.predicates(n)
        if RDF + "first" in preds:
            parts = [render(m, short, depth + 1) for m in sg.items(n, f"shape {where}: sh:path")]
            if len(parts) < 2:
                raise ShapesError(f"shape {where}: a sequence path needs two members or more")
            return "(" + "/".join(parts) + ")"
        kinds = {
            "inversePath": "^{}",
            "alternativePath": None,
            "zeroOrMorePath": "{}*",
            "oneOrMorePath": "{}+",
            "zeroOrOnePath": "{}?",
        }
        found = [k for k in kinds if SH + k in preds]
        if len(found) != 1 or len(preds[SH + found[0]]) != 1:
            raise ShapesError(f"shape {where}: unsupported or malformed sh:path")
        inner = preds[SH + found[0]][0]
        if found[0] == "alternativePath":
            members = sg.items(inner, f"shape {where}: sh:alternativePath")
            return "(" + "|".join(render(m, short, depth + 1) for m in members) + ")"
        return "(" + kinds[found[0]].format(render(inner, short, depth + 1)) + ")"  # type: ignore[union-attr]

    def strip(text: str) -> str:
        # A bare predicate or an outermost group needs no parentheses of its own.
        return text[1:-1] if text.startswith("(") and _balanced(text[1:-1]) else text

    sparql = strip(render(node, False))
    label = strip(render(node, True))
    return ResultPath(node, sparql, label, tuple(sg.closure(node)))  # type: ignore[arg-type]


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


# --------------------------------------------------------------------------- query building


class _Compiler:
    """Turns shapes into SPARQL. Every pattern it builds binds the variable names it is given
    and hides its own helper variables inside sub-SELECTs, so patterns compose freely."""

    def __init__(
        self,
        shapes: dict[Term, Shape],
        subclasses: Callable[[NamedNode], list[NamedNode]] | None = None,
    ) -> None:
        self.shapes = shapes
        self.subclasses = subclasses
        self._fresh = count()

    def instance_of(self, x: str, cls: NamedNode, where: str, bound: bool) -> str:
        """A pattern true when ``?x`` is a SHACL instance of ``cls`` (rdf:type then
        rdfs:subClassOf*). With the class hierarchy of the data graph at hand, the subclasses
        are listed instead of walking a property path per node (about ten times faster on a
        large store): tested against a node's few types when ``?x`` is already bound,
        joined as VALUES (one index lookup per class) when it is to be found."""
        if self.subclasses is None:
            return f"?{x} {_INSTANCE_OF} {sparql_term(cls, where)} ."
        t = self.fresh()
        classes = [sparql_term(c, where) for c in self.subclasses(cls)]
        if bound:
            return f"?{x} {_TYPE} ?{t} . FILTER(?{t} IN ({', '.join(classes)}))"
        return f"VALUES ?{t} {{ {' '.join(classes)} }} ?{x} {_TYPE} ?{t} ."

    def fresh(self) -> str:
        return f"_k{next(self._fresh)}"

    def shape(self, node: Term) -> Shape:
        return self.shapes[node]

    # -- focus and value nodes

    def target_focus(self, shape: Shape) -> Focus:
        where = f"shape {shape.name}"

        def focus(x: str) -> str:
            branches = []
            for kind, term in shape.targets:
                t = sparql_term(term, where)
                if kind == "class":
                    branches.append(self.instance_of(x, term, where, bound=False))
                elif kind == "node":
                    branches.append(f"VALUES ?{x} {{ {t} }}")
                elif kind == "subjectsOf":
                    branches.append(f"?{x} {t} ?{self.fresh()} .")
                else:
                    branches.append(f"?{self.fresh()} {t} ?{x} .")
            union = " UNION ".join("{ " + b + " }" for b in branches)
            return f"{{ SELECT DISTINCT ?{x} WHERE {{ {union} }} }}"

        return focus

    @staticmethod
    def value_nodes(shape: Shape, t: str, v: str) -> str:
        if shape.path is None:
            return f"BIND(?{t} AS ?{v})"
        return f"?{t} {shape.path.sparql} ?{v} ."

    def value_focus(self, shape: Shape, focus: Focus) -> Focus:
        """The value nodes of ``shape`` at the nodes of ``focus``, as a focus set."""
        if shape.path is None:
            return focus

        def inner(x: str) -> str:
            t, v = self.fresh(), self.fresh()
            return (
                f"{{ SELECT DISTINCT (?{v} AS ?{x}) WHERE {{ {focus(t)} "
                f"{self.value_nodes(shape, t, v)} }} }}"
            )

        return inner

    # -- one constraint

    def violation(
        self, shape: Shape, c: Constraint, focus: Focus, t: str, v: str, stack: list[Term]
    ) -> str:
        """A group pattern binding ``?t`` (and ``?v`` where a value is reported) once per
        violation of constraint ``c`` of ``shape`` among the nodes of ``focus``. ``stack``
        holds the shapes being checked around this one, to refuse recursive shapes."""
        name, val, path = c.name, c.value, shape.path
        where = f"shape {shape.name}: sh:{name}"
        f = focus(t)
        vn = f"{f} {self.value_nodes(shape, t, v)}"
        x = self.fresh()
        if name == "class":
            return f"{vn} FILTER NOT EXISTS {{ {self.instance_of(v, val, where, bound=True)} }}"
        if name == "datatype":
            d = sparql_term(val, where)
            cond = f"!isLiteral(?{v}) || !sameTerm(DATATYPE(?{v}), {d})"
            if val.value in _CASTABLE:
                cond += f" || !COALESCE(isLiteral({d}(?{v})), false)"
            return f"{vn} FILTER({cond})"
        if name == "nodeKind":
            return f"{vn} FILTER(!{_NODE_KINDS[val].format(v=v)})"
        if name == "minCount":
            assert path is not None
            if val == 1:
                return f"{f} FILTER NOT EXISTS {{ ?{t} {path.sparql} ?{x} }}"
            return (
                f"{{ SELECT ?{t} WHERE {{ {f} OPTIONAL {{ ?{t} {path.sparql} ?{x} }} }} "
                f"GROUP BY ?{t} HAVING (COUNT(DISTINCT ?{x}) < {val}) }}"
            )
        if name == "maxCount":
            assert path is not None
            return (
                f"{{ SELECT ?{t} WHERE {{ {f} ?{t} {path.sparql} ?{x} }} "
                f"GROUP BY ?{t} HAVING (COUNT(DISTINCT ?{x}) > {val}) }}"
            )
        if name in ("minLength", "maxLength"):
            op = ">=" if name == "minLength" else "<="
            return f"{vn} FILTER(isBlank(?{v}) || !(STRLEN(STR(?{v})) {op} {val}))"
        if name == "pattern":
            pattern, flags = val
            args = sparql_term(Literal(pattern), where)
            if flags is not None:
                args += ", " + sparql_term(Literal(flags), where)
            return f"{vn} FILTER(isBlank(?{v}) || !REGEX(STR(?{v}), {args}))"
        if name == "in":
            alts = " || ".join(f"sameTerm(?{v}, {sparql_term(m, where)})" for m in val)
            return f"{vn} FILTER(!({alts or 'false'}))"
        if name == "hasValue":
            term = sparql_term(val, where)
            if path is None:
                return f"{f} FILTER(!sameTerm(?{t}, {term}))"
            return f"{f} FILTER NOT EXISTS {{ ?{t} {path.sparql} {term} }}"
        if name in _RANGE:
            bound = sparql_term(val, where)
            return f"{vn} FILTER(!COALESCE(?{v} {_RANGE[name]} {bound}, false))"
        if name in ("lessThan", "lessThanOrEquals"):
            op = "<" if name == "lessThan" else "<="
            p = sparql_term(val, where)
            return f"{vn} ?{t} {p} ?{x} . FILTER(!COALESCE(?{v} {op} ?{x}, false))"
        if name == "equals":
            p = sparql_term(val, where)
            if path is None:
                return (
                    f"{{ {f} FILTER NOT EXISTS {{ ?{t} {p} ?{t} }} BIND(?{t} AS ?{v}) }} "
                    f"UNION {{ {focus(t)} ?{t} {p} ?{v} . FILTER(!sameTerm(?{v}, ?{t})) }}"
                )
            return (
                f"{{ {vn} FILTER NOT EXISTS {{ ?{t} {p} ?{v} }} }} UNION "
                f"{{ {focus(t)} ?{t} {p} ?{v} . FILTER NOT EXISTS {{ ?{t} {path.sparql} ?{v} }} }}"
            )
        if name == "disjoint":
            p = sparql_term(val, where)
            return f"{vn} FILTER EXISTS {{ ?{t} {p} ?{v} }}"
        if name == "languageIn":
            alts = " || ".join(
                f"langMatches(LANG(?{v}), {sparql_term(Literal(tag), where)})" for tag in val
            )
            return f"{vn} FILTER(!isLiteral(?{v}) || !({alts or 'false'}))"
        if name == "uniqueLang":
            assert path is not None
            return (
                f"{{ SELECT ?{t} WHERE {{ {f} ?{t} {path.sparql} ?{x} . "
                f'FILTER(LANG(?{x}) != "") }} GROUP BY ?{t} (LCASE(LANG(?{x})) AS ?{self.fresh()}) '
                f"HAVING (COUNT(DISTINCT ?{x}) > 1) }}"
            )
        values = self.value_focus(shape, focus)
        stack = [*stack, shape.node]

        def fails(node: Term) -> str:
            return "{ " + self.failing(self.shape(node), values, v, stack) + " }"

        if name == "node":
            return f"{vn} {fails(val)}"
        if name == "or":
            return f"{vn} " + " ".join(fails(m) for m in val)
        if name == "and":
            return f"{vn} {{ " + " UNION ".join(fails(m) for m in val) + " }"
        if name == "not":
            return f"{{ {vn} }} MINUS {fails(val)}"
        raise ShapesError(f"{where} cannot be used inside sh:node, sh:or, sh:and or sh:not")

    # -- conformance of a whole shape, for sh:node / sh:or / sh:and / sh:not

    def failing(self, shape: Shape, focus: Focus, x: str, stack: list[Term]) -> str:
        """A group pattern binding ``?x`` to the nodes of ``focus`` that do not conform to
        ``shape`` (any result of any severity; a deactivated shape conforms)."""
        if shape.node in stack:
            raise ShapesError(f"shape {shape.name}: recursive shapes are not supported")
        if shape.deactivated:
            return f"VALUES ?{x} {{ }}"
        parts = []
        for c in shape.constraints:
            if c.name == "sparql":
                raise ShapesError(
                    f"shape {shape.name}: sh:sparql is only supported on shapes that are "
                    "validated directly, not through sh:node, sh:property, sh:or, sh:and or sh:not"
                )
            inner = self.violation(shape, c, focus, x, self.fresh(), stack)
            parts.append(f"{{ SELECT DISTINCT ?{x} WHERE {{ {inner} }} }}")
        stack = [*stack, shape.node]
        for p in shape.properties:
            prop = self.shape(p)
            if shape.path is None:
                parts.append(f"{{ {self.failing(prop, focus, x, stack)} }}")
            else:
                w = self.fresh()
                nested = self.failing(prop, self.value_focus(shape, focus), w, stack)
                parts.append(
                    f"{{ SELECT DISTINCT ?{x} WHERE {{ {focus(x)} "
                    f"{self.value_nodes(shape, x, w)} {{ {nested} }} }} }}"
                )
        if not parts:
            return f"VALUES ?{x} {{ }}"
        return " UNION ".join(parts)


# --------------------------------------------------------------------------- the engine


class ShaclEngine:
    """Validates a store against a shapes graph with one SPARQL query per constraint."""

    def __init__(self, shapes: ShapesGraph) -> None:
        self.sg = shapes
        self.shapes = _ShapeParser(shapes).parse()
        for shape in self.shapes.values():
            for c in shape.constraints:
                refs = [c.value] if c.name in ("node", "not") else []
                refs += c.value if c.name in ("or", "and") else []
                for ref in refs:
                    if ref not in self.shapes:
                        raise ShapesError(f"shape {shape.name}: sh:{c.name} names no shape")
        # Compile everything up front so that a bad shape fails before any data is read.
        self._plans = self._plan()

    def _plan(
        self, subclasses: Callable[[NamedNode], list[NamedNode]] | None = None
    ) -> list[tuple[Shape, Constraint, str]]:
        compiler = _Compiler(self.shapes, subclasses)
        plans: list[tuple[Shape, Constraint, str]] = []
        seen: set[tuple[Term, str]] = set()

        def run(shape: Shape, focus: Focus, focus_key: str, stack: list[Term]) -> None:
            if shape.deactivated or (shape.node, focus_key) in seen:
                return
            if shape.node in stack:
                raise ShapesError(f"shape {shape.name}: recursive shapes are not supported")
            seen.add((shape.node, focus_key))
            for c in shape.constraints:
                plans.append((shape, c, self._query(compiler, shape, c, focus, stack)))
            values = compiler.value_focus(shape, focus)
            for p in shape.properties:
                key = focus_key + "/" + (shape.path.sparql if shape.path else "")
                run(self.shapes[p], values, key, [*stack, shape.node])

        for shape in self.shapes.values():
            if shape.targets:
                run(shape, compiler.target_focus(shape), str(shape.node), [])
        return plans

    @staticmethod
    def _query(
        compiler: _Compiler, shape: Shape, c: Constraint, focus: Focus, stack: list[Term]
    ) -> str:
        if c.name == "sparql":
            prologue, body, _prefixes, _message = c.value
            head, brace, rest = body.partition("{")
            return f"{prologue}{head}{brace} {focus('this')}\n{rest}"
        pattern = compiler.violation(shape, c, focus, "this", "value", stack)
        return f"SELECT DISTINCT ?this ?value WHERE {{ {pattern} }}"

    def validate(self, store: Store, progress: Progress | None = None) -> list[ValidationResult]:
        """Run every constraint over the union of the store's named graphs."""
        results: dict[tuple, ValidationResult] = {}
        plans = self._plan(_subclass_closure(store))
        for i, (shape, c, query) in enumerate(plans):
            if progress is not None:
                progress(f"SHACL {shape.name} sh:{c.name}", i + 1, len(plans))
            prefixes = c.value[2] if c.name == "sparql" else None
            try:
                rows = store.query(query, use_default_graph_as_union=True, prefixes=prefixes)
                for row in rows:
                    r = self._result(shape, c, row)
                    results.setdefault((*r.key(), str(r.source_shape), r.message), r)
            except (SyntaxError, ValueError, OSError, RuntimeError) as error:
                raise ShapesError(
                    f"shape {shape.name}: sh:{c.name} could not be evaluated: {error}"
                ) from None
        return list(results.values())

    @staticmethod
    def _result(shape: Shape, c: Constraint, row: Any) -> ValidationResult:
        value = row["value"]
        path = shape.path
        message = shape.message
        if c.name == "sparql":
            if value is None and shape.path is None:
                value = row["this"]  # SHACL-SPARQL: a node shape's value defaults to $this
            row_path = row["path"]
            if isinstance(row_path, NamedNode):
                path = ResultPath(row_path, str(row_path), curie(row_path.value))
            template = c.value[3] or shape.message
            message = _fill(template, row) if template else None
        return ValidationResult(
            focus=row["this"],
            path=path,
            value=value,
            source_shape=shape.node,
            component=c.component,
            severity=shape.severity,
            message=message or default_message(shape, c, value),
            source_constraint=c.node,
        )


def _subclass_closure(store: Any) -> Callable[[NamedNode], list[NamedNode]]:
    """The classes whose instances are SHACL instances of a class, read from the data graph
    (rdfs:subClassOf* in the union of the store's graphs; the class itself included)."""
    cache: dict[NamedNode, list[NamedNode]] = {}

    def closure(cls: NamedNode) -> list[NamedNode]:
        if cls not in cache:
            query = f"SELECT DISTINCT ?c WHERE {{ ?c {_SUBCLASS}* {sparql_term(cls, str(cls))} }}"
            found = {
                row["c"]
                for row in store.query(query, use_default_graph_as_union=True)
                if isinstance(row["c"], NamedNode)
            }
            cache[cls] = sorted(found | {cls}, key=lambda n: n.value)
        return cache[cls]

    return closure


def _fill(template: str, row: Any) -> str:
    """Substitute ``{?var}`` / ``{$var}`` in a SHACL-SPARQL message with the row's values."""

    def sub(m: re.Match[str]) -> str:
        term = row[m.group(1)]
        if term is None:
            return m.group(0)
        return term.value if isinstance(term, Literal) else _text(term)

    return re.sub(r"\{[?$](\w+)\}", sub, template)


def default_message(shape: Shape, c: Constraint, value: Term | None) -> str:
    """A generated message for shapes without ``sh:message``."""
    path = shape.path.label if shape.path else "the node"
    v = c.value
    texts = {
        "class": lambda: f"value of {path} is not an instance of {_text(v)}",
        "datatype": lambda: f"value of {path} is not a literal of datatype {_text(v)}",
        "nodeKind": lambda: f"value of {path} is not of node kind sh:{v}",
        "minCount": lambda: f"fewer than {v} values of {path}",
        "maxCount": lambda: f"more than {v} values of {path}",
        "minLength": lambda: f"value of {path} is shorter than {v} characters",
        "maxLength": lambda: f"value of {path} is longer than {v} characters",
        "pattern": lambda: f"value of {path} does not match the pattern {v[0]!r}",
        "in": lambda: f"value of {path} is not one of the allowed values",
        "hasValue": lambda: f"{path} does not have the value {_text(v)}",
        "lessThan": lambda: f"value of {path} is not less than the value of {_text(v)}",
        "lessThanOrEquals": lambda: f"value of {path} is greater than the value of {_text(v)}",
        "equals": lambda: f"values of {path} and {_text(v)} differ",
        "disjoint": lambda: f"value of {path} is also a value of {_text(v)}",
        "languageIn": lambda: f"value of {path} is not in the languages {', '.join(v)}",
        "uniqueLang": lambda: f"more than one value of {path} in the same language",
        "node": lambda: f"value of {path} does not conform to shape {shape_name(v)}",
        "or": lambda: f"value of {path} conforms to none of the alternative shapes",
        "and": lambda: f"value of {path} does not conform to all of the shapes",
        "not": lambda: f"value of {path} conforms to shape {shape_name(v)}, which it must not",
        "sparql": lambda: f"SPARQL constraint of shape {shape.name} failed",
    }
    if c.name in _RANGE:
        op = {"minInclusive": "<", "minExclusive": "<=", "maxInclusive": ">", "maxExclusive": ">="}
        return f"value of {path} is not comparable or {op[c.name]} {v.value}"
    return texts[c.name]()


def validate_store(
    store: Store, shapes: ShapesGraph, progress: Progress | None = None
) -> list[ValidationResult]:
    """Validate the union of the store's named graphs against the shapes (native engine)."""
    return ShaclEngine(shapes).validate(store, progress)


# --------------------------------------------------------------------------- pyshacl


def _to_rdflib(term: Term) -> Any:
    import rdflib

    if isinstance(term, NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, BlankNode):
        return rdflib.BNode(term.value)
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    if term.datatype.value == XSD + "string":
        return rdflib.Literal(term.value)
    return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))


def _from_rdflib(term: Any) -> Term:
    import rdflib

    if isinstance(term, rdflib.URIRef):
        return NamedNode(str(term))
    if isinstance(term, rdflib.BNode):
        return BlankNode(str(term))
    if term.language:
        return Literal(str(term), language=term.language)
    if term.datatype is not None:
        return Literal(str(term), datatype=NamedNode(str(term.datatype)))
    return Literal(str(term))


def union_as_rdflib(store: Store) -> Any:
    """The union of the store's named graphs as one rdflib graph (blank nodes keep their
    store ids, so results map back to the same nodes)."""
    import rdflib

    g = rdflib.Graph()
    g.addN(
        (_to_rdflib(q.subject), _to_rdflib(q.predicate), _to_rdflib(q.object), g)
        for q in store.quads_for_pattern(None, None, None, None)
    )
    return g


def _rdflib_path(graph: Any, node: Any, short: bool) -> str:
    import rdflib

    def render(n: Any, depth: int = 0) -> str:
        if depth > 50:
            raise ShapesError("cyclic sh:path in pyshacl's results")
        if isinstance(n, rdflib.URIRef):
            return curie(str(n)) if short else f"<{n}>"
        if (n, rdflib.RDF.first, None) in graph:
            return (
                "("
                + "/".join(render(m, depth + 1) for m in rdflib.collection.Collection(graph, n))
                + ")"
            )
        for local, fmt in (
            ("inversePath", "^{}"),
            ("zeroOrMorePath", "{}*"),
            ("oneOrMorePath", "{}+"),
            ("zeroOrOnePath", "{}?"),
        ):
            inner = graph.value(n, rdflib.URIRef(SH + local))
            if inner is not None:
                return "(" + fmt.format(render(inner, depth + 1)) + ")"
        alts = graph.value(n, rdflib.URIRef(SH + "alternativePath"))
        if alts is not None:
            members = rdflib.collection.Collection(graph, alts)
            return "(" + "|".join(render(m, depth + 1) for m in members) + ")"
        raise ShapesError(f"unreadable sh:resultPath {n} in pyshacl's results")

    text = render(node)
    return text[1:-1] if text.startswith("(") and _balanced(text[1:-1]) else text


_GRAPH_KEYWORD = re.compile(r"(?i)\bGRAPH\b")


def uses_named_graphs(select: str) -> bool:
    """Whether a SHACL-SPARQL query asks about named graphs (``GRAPH ?g { … }``), which
    pyshacl cannot answer: it validates one graph at a time."""
    return bool(_GRAPH_KEYWORD.search(select))


def validate_with_pyshacl(
    store: Store,
    shapes_path: Path | str | Sequence[Path | str],
    *,
    skip_named_graph_queries: bool = False,
) -> list[ValidationResult]:
    """The reference: pyshacl (no inference, SHACL-SPARQL on) over the same union graph.

    pyshacl sees one graph (the union), so an ``sh:select`` using ``GRAPH`` cannot run there:
    that is an error, unless ``skip_named_graph_queries`` drops those constraints (for the
    differential test, which then leaves their results out of the comparison).
    """
    import pyshacl
    import rdflib
    import rdflib.collection

    shapes_graph = rdflib.Graph()
    for one in shapes_paths(shapes_path):
        try:
            shapes_graph.parse(str(one), format="turtle")
        except Exception as error:  # rdflib raises many unrelated types for bad input
            raise InputError(f"{one}: {error}") from None
    SHN = rdflib.Namespace(SH)
    for shape, constraint in list(shapes_graph.subject_objects(SHN.sparql)):
        if any(uses_named_graphs(str(q)) for q in shapes_graph.objects(constraint, SHN.select)):
            if not skip_named_graph_queries:
                raise ShapesError(
                    f"shape {curie(str(shape))}: its sh:select uses GRAPH, which pyshacl cannot "
                    "evaluate (it validates one graph); use the native engine"
                )
            shapes_graph.remove((shape, SHN.sparql, constraint))
    # rdflib logs a traceback for every ill-typed literal it meets; those literals are
    # exactly what validation reports, so the log is noise here.
    term_log = logging.getLogger("rdflib.term")
    quiet = logging.Filter("nothing")  # a filter that passes no record of rdflib.term
    term_log.addFilter(quiet)
    try:
        data = union_as_rdflib(store)
        _conforms, report, _text_report = pyshacl.validate(
            data, shacl_graph=shapes_graph, inference="none", advanced=True
        )
    except Exception as error:  # pyshacl's own errors: malformed shapes
        raise ShapesError(f"pyshacl: {error}") from None
    finally:
        term_log.removeFilter(quiet)
    both = report + shapes_graph
    out: list[ValidationResult] = []
    for _, _, r in report.triples((None, SHN.result, None)):
        path_node = report.value(r, SHN.resultPath)
        path = None
        if path_node is not None:
            path = ResultPath(
                _from_rdflib(path_node),  # type: ignore[arg-type]
                _rdflib_path(both, path_node, False),
                _rdflib_path(both, path_node, True),
            )
        value = report.value(r, SHN.value)
        message = report.value(r, SHN.resultMessage)
        constraint = report.value(r, SHN.sourceConstraint)
        out.append(
            ValidationResult(
                focus=_from_rdflib(report.value(r, SHN.focusNode)),
                path=path,
                value=_from_rdflib(value) if value is not None else None,
                source_shape=_from_rdflib(report.value(r, SHN.sourceShape)),  # type: ignore[arg-type]
                component=NamedNode(str(report.value(r, SHN.sourceConstraintComponent))),
                severity=NamedNode(str(report.value(r, SHN.resultSeverity))),
                message=str(message) if message is not None else "",
                source_constraint=_from_rdflib(constraint) if constraint is not None else None,
            )
        )
    return out


@dataclass
class ShaclDiff:
    """Result keys (focus, path, value, component, severity) found by one engine only.

    ``pyshacl_defects`` holds the keys only pyshacl reports because of a known pyshacl
    defect, kept apart (and listed) rather than counted as a disagreement: rdflib gives no
    Python value to ``xsd:gYear``, ``xsd:gYearMonth``, ``xsd:gMonthDay``, … literals, so pyshacl
    cannot compare them and reports every such value under ``sh:minInclusive`` and the other
    range constraints, even ``"2010"^^xsd:gYear`` against a minimum of 1800.
    """

    only_native: list[tuple[str, ...]]
    only_pyshacl: list[tuple[str, ...]]
    common: int
    pyshacl_defects: list[tuple[str, ...]] = field(default_factory=list)
    not_compared: list[str] = field(default_factory=list)  # shapes whose sh:select uses GRAPH

    @property
    def same(self) -> bool:
        return not self.only_native and not self.only_pyshacl

    def __str__(self) -> str:
        lines = [f"{self.common} results in common"]
        lines += [f"only native:  {k}" for k in self.only_native]
        lines += [f"only pyshacl: {k}" for k in self.only_pyshacl]
        lines += [f"pyshacl defect (cannot compare): {k}" for k in self.pyshacl_defects]
        lines += [f"not compared (sh:select uses GRAPH): {n}" for n in self.not_compared]
        return "\n".join(lines)


def _pyshacl_cannot_compare(result: ValidationResult) -> bool:
    """A range-constraint result on a well-formed literal that rdflib has no value for."""
    if result.component.value[len(SH) :] not in {
        _COMPONENT_PARAMS[name] for name in _RANGE
    } or not isinstance(result.value, Literal):
        return False
    lit = _to_rdflib(result.value)
    return lit.value is None and not lit.ill_typed and lit.language is None


def diff_results(
    native: Iterable[ValidationResult], reference: Iterable[ValidationResult]
) -> ShaclDiff:
    a = {r.key() for r in native}
    by_key = {r.key(): r for r in reference}
    b = set(by_key)
    defects = sorted(k for k in b - a if _pyshacl_cannot_compare(by_key[k]))
    return ShaclDiff(sorted(a - b), sorted(b - a - set(defects)), len(a & b), defects)


def compare_with_pyshacl(
    shapes_path: Path | str | Sequence[Path | str],
    data_paths: Sequence[Path | str],
    *,
    ontology: Sequence[Path | str] | None = None,
    inferred: bool = False,
) -> ShaclDiff:
    """Validate the same files with the native engine and with pyshacl and diff the results.

    Both engines read the same store: the union of its named graphs, the ontology included.

    Args:
        shapes_path: the shapes file.
        data_paths: data files or folders.
        ontology: ontology files loaded with the data (so rdfs:subClassOf is visible to both
            engines); the project's ontology when None.
        inferred: add the inferred graphs (``kg.load.open_dataset``), as ``kg validate``
            does; the project's ontology only (its axioms drive the inference).
    """
    from kg import resources
    from kg.load import files as graph

    if inferred:
        from kg.load import open_dataset

        if ontology is not None:
            raise ValueError("inferred=True works with the project's ontology only")
        dataset = open_dataset(list(data_paths), inferred=True)
    else:
        onto = [Path(p) for p in ontology] if ontology is not None else resources.ontology_files()
        dataset = graph.load([*onto, *data_paths], ontology=False)
    shapes = ShapesGraph.load(shapes_path)
    skipped = {
        c
        for c in shapes.subjects(SH + "select")
        if any(
            isinstance(q, Literal) and uses_named_graphs(q.value)
            for q in shapes.objects(c, SH + "select")
        )
    }
    native = [
        r for r in validate_store(dataset.store, shapes) if r.source_constraint not in skipped
    ]
    reference = validate_with_pyshacl(dataset.store, shapes_path, skip_named_graph_queries=True)
    diff = diff_results(native, reference)
    diff.not_compared = sorted(
        shapes.name(s) for s, c in shapes.pairs(SH + "sparql") if c in skipped
    )
    return diff
