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
SPARQL property paths); the constraint components of :data:`.components.REGISTRY`:
``sh:class``, ``sh:datatype``, ``sh:nodeKind``, ``sh:minCount``,
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

from collections.abc import Callable
from itertools import count
from typing import Any

from pyoxigraph import NamedNode, QuerySolutions, Store

from kg.errors import ShapesError
from kg.progress import Progress
from kg.validation.shacl.components import REGISTRY, Registry, value_nodes
from kg.validation.shacl.model import (
    RDF,
    RDFS,
    Constraint,
    Focus,
    Shape,
    Term,
    ValidationResult,
)
from kg.validation.shacl.shapes import ShapeReader, ShapesGraph, sparql_term

_TYPE = f"<{RDF}type>"
_SUBCLASS = f"<{RDFS}subClassOf>"
_INSTANCE_OF = f"{_TYPE}/{_SUBCLASS}*"

Subclasses = Callable[[NamedNode], list[NamedNode]]


class _Compiler:
    """Turns shapes into SPARQL. Every pattern it builds binds the variable names it is given
    and hides its own helper variables inside sub-SELECTs, so patterns compose freely. The
    patterns of the constraints come from the component registry; the compiler adds the
    focus nodes (targets, paths) and the nesting of shapes."""

    def __init__(
        self,
        shapes: dict[Term, Shape],
        components: Registry,
        subclasses: Subclasses | None = None,
    ) -> None:
        self.shapes = shapes
        self.components = components
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
        """A variable name used nowhere else in the query."""
        return f"_k{next(self._fresh)}"

    def shape(self, node: Term) -> Shape:
        """The shape read from ``node``."""
        return self.shapes[node]

    # -- focus and value nodes

    def target_focus(self, shape: Shape) -> Focus:
        """The focus nodes of a shape's targets (SHACL §2.1.3), as a focus set."""
        where = f"shape {shape.name}"

        def focus(x: str) -> str:
            branches = []
            for kind, term in shape.targets:
                t = sparql_term(term, where)
                if kind == "class":
                    assert isinstance(term, NamedNode)
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

    def value_focus(self, shape: Shape, focus: Focus) -> Focus:
        """The value nodes of ``shape`` at the nodes of ``focus``, as a focus set."""
        if shape.path is None:
            return focus

        def inner(x: str) -> str:
            t, v = self.fresh(), self.fresh()
            return (
                f"{{ SELECT DISTINCT (?{v} AS ?{x}) WHERE {{ {focus(t)} "
                f"{value_nodes(shape, t, v)} }} }}"
            )

        return inner

    # -- conformance of a whole shape, for sh:node / sh:or / sh:and / sh:not

    def failing(self, shape: Shape, focus: Focus, x: str, stack: list[Term]) -> str:
        """A group pattern binding ``?x`` to the nodes of ``focus`` that do not conform to
        ``shape`` (any result of any severity; a deactivated shape conforms). ``stack``
        holds the shapes being checked around this one, to refuse recursive shapes."""
        if shape.node in stack:
            raise ShapesError(f"shape {shape.name}: recursive shapes are not supported")
        if shape.deactivated:
            return f"VALUES ?{x} {{ }}"
        parts = []
        for c in shape.constraints:
            component = self.components.of(c)
            inner = component.violation(self, shape, c, focus, x, self.fresh(), stack)
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
                    f"{value_nodes(shape, x, w)} {{ {nested} }} }} }}"
                )
        if not parts:
            return f"VALUES ?{x} {{ }}"
        return " UNION ".join(parts)


# --------------------------------------------------------------------------- the engine

Plan = tuple[Shape, Constraint, str]


class ShaclEngine:
    """Validates a store against a shapes graph with one SPARQL query per constraint.

    Args:
        shapes: the shapes graph.
        components: the constraint components to check; SHACL Core and SHACL-SPARQL
            (:data:`kg.validation.shacl.components.REGISTRY`) when None. A registry extended
            with a component of one's own checks that component too.
    """

    def __init__(self, shapes: ShapesGraph, components: Registry | None = None) -> None:
        self.sg = shapes
        self.components = REGISTRY if components is None else components
        self.shapes = ShapeReader(shapes, self.components).parse()
        for shape in self.shapes.values():
            for c in shape.constraints:
                for ref in self.components.of(c).shapes(c.value):
                    if ref not in self.shapes:
                        raise ShapesError(f"shape {shape.name}: {c.name} names no shape")
        # Compile everything up front so that a bad shape fails before any data is read.
        self._plans = self._plan()

    def _plan(self, subclasses: Subclasses | None = None) -> list[Plan]:
        compiler = _Compiler(self.shapes, self.components, subclasses)
        plans: list[Plan] = []
        seen: set[tuple[Term, str]] = set()

        def run(shape: Shape, focus: Focus, focus_key: str, stack: list[Term]) -> None:
            if shape.deactivated or (shape.node, focus_key) in seen:
                return
            if shape.node in stack:
                raise ShapesError(f"shape {shape.name}: recursive shapes are not supported")
            seen.add((shape.node, focus_key))
            for c in shape.constraints:
                query = self.components.of(c).query(compiler, shape, c, focus, stack)
                plans.append((shape, c, query))
            values = compiler.value_focus(shape, focus)
            for p in shape.properties:
                key = focus_key + "/" + (shape.path.sparql if shape.path else "")
                run(self.shapes[p], values, key, [*stack, shape.node])

        for shape in self.shapes.values():
            if shape.targets:
                run(shape, compiler.target_focus(shape), str(shape.node), [])
        return plans

    def validate(self, store: Store, progress: Progress | None = None) -> list[ValidationResult]:
        """Run every constraint over the union of the store's named graphs."""
        results: dict[tuple[str, ...], ValidationResult] = {}
        plans = self._plan(_subclass_closure(store))
        for i, (shape, c, query) in enumerate(plans):
            if progress is not None:
                progress(f"SHACL {shape.name} {c.name}", i + 1, len(plans))
            component = self.components.of(c)
            try:
                rows = store.query(
                    query, use_default_graph_as_union=True, prefixes=component.prefixes(c)
                )
                if not isinstance(rows, QuerySolutions):
                    raise ShapesError(f"shape {shape.name}: {c.name} is not a SELECT query")
                for row in rows:
                    r = component.result(shape, c, row)
                    results.setdefault((*r.key(), str(r.source_shape), r.message), r)
            except (SyntaxError, ValueError, OSError, RuntimeError) as error:
                raise ShapesError(
                    f"shape {shape.name}: {c.name} could not be evaluated: {error}"
                ) from None
        return list(results.values())


def _subclass_closure(store: Any) -> Subclasses:
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


def validate_store(
    store: Store,
    shapes: ShapesGraph,
    progress: Progress | None = None,
    components: Registry | None = None,
) -> list[ValidationResult]:
    """Validate the union of the store's named graphs against the shapes (native engine)."""
    return ShaclEngine(shapes, components).validate(store, progress)
