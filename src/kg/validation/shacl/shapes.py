"""Reading the shapes graph (SHACL §2, shapes and targets; §2.3, property paths).

The shapes graph is parsed into a store of its own and indexed here; it is never visible to
the data queries. :class:`ShapeReader` turns it into :class:`~.model.Shape` records and
rejects, with an error naming the shape, whatever the native engine cannot check. It knows
the shape-level parameters (targets, path, severity, …) itself and asks a registry of
constraint components (:mod:`.components`) for everything else: a parameter no component
declares is an error, never silently ignored.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Protocol

from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Store, Triple, parse

from kg.errors import InputError, ShapesError
from kg.load.files import FORMATS, Dataset, load_file
from kg.namespaces import PREFIXES, curie
from kg.sparql import terms
from kg.validation.shacl.model import (
    OWL,
    RDF,
    RDFS,
    SH,
    VIOLATION,
    XSD,
    Constraint,
    ResultPath,
    Shape,
    Term,
    sh,
)

# Parameters of a shape itself (targets, path, severity, descriptions, …), as opposed to
# the parameters of constraint components, which the component registry declares.
SHAPE_PARAMETERS = {
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
    "closed",
    "ignoredProperties",
    "prefixes",
}


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
            s, o = t.subject, t.object
            if isinstance(s, Triple) or isinstance(o, Triple):
                raise ShapesError(f"{source}: RDF-star triple terms are not allowed in shapes")
            self._index.setdefault(s, {}).setdefault(t.predicate.value, []).append(o)
            self._by_predicate.setdefault(t.predicate.value, []).append((s, o))

    @classmethod
    def load(cls, path: Path | str | Sequence[Path | str]) -> ShapesGraph:
        """Parse one shapes file, or several that together are the shapes graph (our shapes
        and those of the external sources), with the project's one loader (same syntax checks
        and error messages as data files) into a store of their own."""
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
        """The predicates of a subject, each with its objects."""
        return self._index.get(s, {})

    def objects(self, s: Term, p: str) -> list[Term]:
        """The objects of ``s p ?o``, in file order."""
        return self._index.get(s, {}).get(p, [])

    def value(self, s: Term, p: str) -> Term | None:
        """One object of ``s p ?o`` (the first), or None."""
        values = self.objects(s, p)
        return values[0] if values else None

    def subjects(self, p: str, o: Term | None = None) -> list[Term]:
        """The subjects of ``?s p o`` (of any ``?s p ?o`` when ``o`` is None)."""
        return [s for s, obj in self._by_predicate.get(p, []) if o is None or obj == o]

    def pairs(self, p: str) -> list[tuple[Term, Term]]:
        """Every (subject, object) of predicate ``p``."""
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


def sparql_term(term: Term, where: str) -> str:
    """An RDF term of the shapes graph in SPARQL syntax (:func:`kg.sparql.terms.sparql_term`:
    escaped, never pasted text); ``where`` names the shape for the error."""
    if isinstance(term, NamedNode | Literal):
        try:
            return terms.sparql_term(term)
        except InputError as error:
            raise ShapesError(f"{where}: {error}") from None
    raise ShapesError(f"{where}: a blank node cannot be matched against the data")


def pick_message(literals: list[Term]) -> str | None:
    """The English (or untagged) sh:message, else the first in a stable order."""
    texts = [t for t in literals if isinstance(t, Literal)]
    if not texts:
        return None
    for wanted in ("en", ""):
        for t in sorted(texts, key=str):
            if (t.language or "").lower().split("-")[0] == wanted:
                return t.value
    return sorted(texts, key=str)[0].value


# --------------------------------------------------------------------------- shapes


class ComponentSpec(Protocol):
    """What the shape reader needs to know of a constraint component; the entries of
    :data:`kg.validation.shacl.components.REGISTRY` are such specs."""

    @property
    def iri(self) -> NamedNode: ...

    @property
    def parameter(self) -> str: ...

    @property
    def label(self) -> str: ...

    @property
    def optional(self) -> tuple[str, ...]: ...

    @property
    def single(self) -> bool: ...

    @property
    def property_only(self) -> bool: ...

    def constraint(self, reader: ShapeReader, shape: Shape, value: Term) -> Constraint | None:
        """The constraint that ``value`` states on ``shape``, or None if it states none."""
        ...


class ShapeReader:
    """Reads the shapes graph into Shape objects, rejecting what the engine cannot check.

    Args:
        sg: the shapes graph.
        components: the constraint components the engine checks, in the order their
            constraints are evaluated.
    """

    def __init__(self, sg: ShapesGraph, components: Iterable[ComponentSpec]) -> None:
        self.sg = sg
        self.components = list(components)
        self.shapes: dict[Term, Shape] = {}
        self._known = {SH + local for local in SHAPE_PARAMETERS}
        for c in self.components:
            self._known.add(c.parameter)
            self._known.update(c.optional)

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
        """Every shape of the graph, by its node."""
        for node in self.shape_nodes():
            self.shapes[node] = self._shape(node)
        return self.shapes

    # -- parameter values, checked (for the component readers too)

    def one(self, node: Term, parameter: str) -> Term | None:
        """The value of a parameter that takes at most one (full IRI or sh: local name)."""
        iri = parameter if ":" in parameter else SH + parameter
        values = self.sg.objects(node, iri)
        if len(values) > 1:
            raise ShapesError(f"shape {self.sg.name(node)}: {curie(iri)} has more than one value")
        return values[0] if values else None

    def integer(self, node: Term, label: str, value: Term) -> int:
        """A non-negative ``xsd:integer`` value, else an error naming shape and parameter."""
        if isinstance(value, Literal) and value.datatype.value == XSD + "integer":
            try:
                n = int(value.value)
            except ValueError:
                n = -1
            if n >= 0:
                return n
        raise ShapesError(
            f"shape {self.sg.name(node)}: {label} must be a non-negative xsd:integer, not {value}"
        )

    def boolean(self, node: Term, label: str, value: Term | None) -> bool:
        """An ``xsd:boolean`` value (absent is false), else an error."""
        if value is None:
            return False
        if isinstance(value, Literal) and value.datatype.value == XSD + "boolean":
            return value.value in ("true", "1")
        raise ShapesError(f"shape {self.sg.name(node)}: {label} must be an xsd:boolean")

    def iri(self, node: Term, label: str, value: Term) -> NamedNode:
        """An IRI value, else an error."""
        if isinstance(value, NamedNode):
            return value
        raise ShapesError(f"shape {self.sg.name(node)}: {label} must be an IRI, not {value}")

    # -- one shape

    def _shape(self, node: Term) -> Shape:
        sg, name = self.sg, self.sg.name(node)
        preds = sg.predicates(node)
        for p in preds:
            if p.startswith(SH) and p not in self._known:
                raise ShapesError(
                    f"shape {name}: sh:{p[len(SH) :]} is not supported by the native SHACL "
                    "engine (try --engine pyshacl)"
                )
        if self.boolean(node, "sh:closed", self.one(node, "closed")):
            raise ShapesError(
                f"shape {name}: sh:closed is not supported by the native SHACL engine "
                "(try --engine pyshacl)"
            )
        for c in self.components:
            for extra in c.optional:
                if sg.objects(node, extra) and not sg.objects(node, c.parameter):
                    raise ShapesError(f"shape {name}: {curie(extra)} without {c.label}")
        path_node = self.one(node, "path")
        path = compile_path(sg, path_node, name) if path_node is not None else None
        severity = self.one(node, "severity") or VIOLATION
        if not isinstance(node, NamedNode | BlankNode):
            raise ShapesError(f"{sg.source}: a literal ({node}) is used as a shape")
        shape = Shape(
            node=node,
            name=name,
            path=path,
            severity=self.iri(node, "sh:severity", severity),
            deactivated=self.boolean(node, "sh:deactivated", self.one(node, "deactivated")),
            message=pick_message(sg.objects(node, SH + "message")),
        )
        self._targets(shape)
        shape.properties = list(sg.objects(node, SH + "property"))
        for component in self.components:
            values = sg.objects(node, component.parameter)
            if not values:
                continue
            if component.single and len(values) > 1:
                raise ShapesError(f"shape {name}: {component.label} has more than one value")
            if component.property_only and path is None:
                raise ShapesError(
                    f"shape {name}: {component.label} is only allowed on property shapes"
                )
            for value in values:
                constraint = component.constraint(self, shape, value)
                if constraint is not None:
                    shape.constraints.append(constraint)
        return shape

    def _targets(self, shape: Shape) -> None:
        sg, node = self.sg, shape.node
        for c in sg.objects(node, SH + "targetClass"):
            shape.targets.append(("class", self.iri(node, "sh:targetClass", c)))
        types = sg.objects(node, RDF + "type")
        if NamedNode(RDFS + "Class") in types or NamedNode(OWL + "Class") in types:
            if not isinstance(node, NamedNode):
                raise ShapesError(f"shape {shape.name}: a blank node cannot be a class target")
            shape.targets.append(("class", node))
        for n in sg.objects(node, SH + "targetNode"):
            sparql_term(n, f"shape {shape.name}: sh:targetNode")
            shape.targets.append(("node", n))
        for p in sg.objects(node, SH + "targetSubjectsOf"):
            shape.targets.append(("subjectsOf", self.iri(node, "sh:targetSubjectsOf", p)))
        for p in sg.objects(node, SH + "targetObjectsOf"):
            shape.targets.append(("objectsOf", self.iri(node, "sh:targetObjectsOf", p)))


# --------------------------------------------------------------------------- paths

_PATH_KINDS: dict[str, str | None] = {
    "inversePath": "^{}",
    "alternativePath": None,
    "zeroOrMorePath": "{}*",
    "oneOrMorePath": "{}+",
    "zeroOrOnePath": "{}?",
}


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
        found = [k for k in _PATH_KINDS if SH + k in preds]
        if len(found) != 1 or len(preds[SH + found[0]]) != 1:
            raise ShapesError(f"shape {where}: unsupported or malformed sh:path")
        inner = preds[SH + found[0]][0]
        fmt = _PATH_KINDS[found[0]]
        if fmt is None:  # sh:alternativePath
            members = sg.items(inner, f"shape {where}: sh:alternativePath")
            return "(" + "|".join(render(m, short, depth + 1) for m in members) + ")"
        return "(" + fmt.format(render(inner, short, depth + 1)) + ")"

    if isinstance(node, Literal):
        raise ShapesError(f"shape {where}: a literal is not a path")
    sparql = strip_group(render(node, False))
    label = strip_group(render(node, True))
    return ResultPath(node, sparql, label, tuple(sg.closure(node)))


def strip_group(text: str) -> str:
    """A bare predicate or an outermost group needs no parentheses of its own."""
    return text[1:-1] if text.startswith("(") and _balanced(text[1:-1]) else text


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


__all__ = [
    "SHAPE_PARAMETERS",
    "ComponentSpec",
    "ShapeReader",
    "ShapesGraph",
    "compile_path",
    "pick_message",
    "shapes_paths",
    "sparql_term",
    "strip_group",
]
