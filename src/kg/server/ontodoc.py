"""The ontology as a documentation page: the class hierarchy; per class its definition, its
properties with domain and range, its SHACL constraints in words, its instance count and a few
examples; every property with its domain, range and characteristics; and a diagram of the core
model (classes and the object properties between them) drawn here as SVG, so the page needs no
script and no layout library.

Everything is read from the graph (the ontology's named graph is in the store) and from the
shapes files (``kg.resources.shapes_files``: the shapes are kept apart from the data, so they are
parsed here into a store of their own). A new class, property or shape shows up without a code
change. :func:`vocabulary` gives the SPARQL editor the same terms for completion.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from html import escape
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Store

from kg import resources
from kg.namespaces import KG, ONTOLOGY_IRI, PREFIXES, curie
from kg.server.views import Cell, cell

RDF = PREFIXES["rdf"]
RDFS = PREFIXES["rdfs"]
OWL = PREFIXES["owl"]
SKOS = PREFIXES["skos"]
SH = PREFIXES["sh"]
DCTERMS = PREFIXES["dcterms"]
EXAMPLES = 3
PROPERTY_KINDS = {
    OWL + "ObjectProperty": "object property",
    OWL + "DatatypeProperty": "datatype property",
    OWL + "AnnotationProperty": "annotation property",
    RDF + "Property": "property",
}
CHARACTERISTICS = {
    OWL + "FunctionalProperty": "functional",
    OWL + "InverseFunctionalProperty": "inverse functional",
    OWL + "SymmetricProperty": "symmetric",
    OWL + "TransitiveProperty": "transitive",
}
ALIGNMENTS = (
    OWL + "equivalentClass",
    OWL + "equivalentProperty",
    SKOS + "exactMatch",
    SKOS + "closeMatch",
    SKOS + "broadMatch",
    SKOS + "narrowMatch",
)


@dataclass(frozen=True)
class Constraint:
    """One property shape of a class, in words."""

    path: str  # the property (a CURIE, or a path written out)
    href: str | None
    words: str
    message: str | None


@dataclass(frozen=True)
class Property:
    iri: str
    curie: str
    label: str
    anchor: str
    kind: str
    definition: str | None
    domain: tuple[Cell, ...]
    range: tuple[Cell, ...]
    parents: tuple[Cell, ...]
    inverse: tuple[Cell, ...]
    characteristics: tuple[str, ...]
    alignments: tuple[Cell, ...]


@dataclass(frozen=True)
class Class:
    iri: str
    curie: str
    label: str
    anchor: str
    definition: str | None
    parents: tuple[Cell, ...]
    children: tuple[Cell, ...]
    properties: tuple[Property, ...]  # whose domain is this class
    used_by: tuple[Property, ...]  # whose range is this class
    constraints: tuple[Constraint, ...]
    shape_messages: tuple[str, ...]
    count: int
    examples: tuple[Cell, ...]
    alignments: tuple[Cell, ...]


@dataclass(frozen=True)
class TreeNode:
    cls: Class
    children: tuple[TreeNode, ...]


@dataclass(frozen=True)
class OntologyDoc:
    iri: str
    title: str
    description: str | None
    version: str | None
    license: Cell | None
    classes: tuple[Class, ...]
    properties: tuple[Property, ...]
    tree: tuple[TreeNode, ...]
    diagram: str  # SVG markup, made here from escaped text only


def anchor(iri: str) -> str:
    return iri[len(KG) :] if iri.startswith(KG) else curie(iri).replace(":", "-")


def _objects(store: Store, subject: str | NamedNode | BlankNode, predicate: str) -> list:
    node = NamedNode(subject) if isinstance(subject, str) else subject
    return [q.object for q in store.quads_for_pattern(node, NamedNode(predicate), None)]


def _text(store: Store, subject: str | NamedNode | BlankNode, *predicates: str) -> str | None:
    """An English (else untagged, else any) literal of the first predicate that has one."""
    for predicate in predicates:
        values = [v for v in _objects(store, subject, predicate) if isinstance(v, Literal)]
        if values:
            values.sort(key=lambda v: (v.language != "en", bool(v.language), v.value))
            return values[0].value
    return None


def _iris(store: Store, subject: str, predicate: str) -> list[str]:
    return sorted(
        {v.value for v in _objects(store, subject, predicate) if isinstance(v, NamedNode)}
    )


def _defined_terms(store: Store) -> list[str]:
    return sorted(
        {
            q.subject.value
            for q in store.quads_for_pattern(
                None, NamedNode(RDFS + "isDefinedBy"), NamedNode(ONTOLOGY_IRI)
            )
            if isinstance(q.subject, NamedNode)
        }
    )


def _types(store: Store, iri: str) -> set[str]:
    return set(_iris(store, iri, RDF + "type"))


# --- shapes -----------------------------------------------------------------------------------


@cache
def shapes_store() -> Store:
    """The shapes files in a store of their own (read once per process)."""
    store = Store()
    for path in resources.shapes_files():
        store.load(path=str(path), format=RdfFormat.TURTLE)
    return store


def _list(store: Store, head: object) -> list:
    items = []
    while isinstance(head, NamedNode | BlankNode) and head.value != RDF + "nil":
        first = next(iter(store.quads_for_pattern(head, NamedNode(RDF + "first"), None)), None)
        if first is None:
            break
        items.append(first.object)
        rest = next(iter(store.quads_for_pattern(head, NamedNode(RDF + "rest"), None)), None)
        head = rest.object if rest is not None else None
        if len(items) > 100:
            break
    return items


def _term_words(term: object) -> str:
    if isinstance(term, NamedNode):
        return curie(term.value)
    if isinstance(term, Literal):
        return term.value
    return "a blank node"


def _path_words(store: Store, path: object) -> str:
    if isinstance(path, NamedNode):
        return curie(path.value)
    inverse = _objects(store, path, SH + "inversePath") if isinstance(path, BlankNode) else []
    if inverse:
        return f"^{_path_words(store, inverse[0])} (inverse)"
    sequence = _list(store, path)
    if sequence:
        return "/".join(_path_words(store, p) for p in sequence)
    return "a path"


def _first(store: Store, node: object, local: str) -> object | None:
    if not isinstance(node, NamedNode | BlankNode):
        return None
    found = next(iter(store.quads_for_pattern(node, NamedNode(SH + local), None)), None)
    return found.object if found is not None else None


def constraint_words(store: Store, shape: NamedNode | BlankNode) -> str:
    """A property shape's constraint components as one plain sentence fragment:
    "exactly one; a literal of type xsd:gYear; at least 1900"."""
    words: list[str] = []
    low, high = _first(store, shape, "minCount"), _first(store, shape, "maxCount")
    low_n = int(low.value) if isinstance(low, Literal) else 0
    high_n = int(high.value) if isinstance(high, Literal) else None
    if low_n and high_n is not None and low_n == high_n:
        words.append("exactly one" if low_n == 1 else f"exactly {low_n}")
    else:
        if low_n:
            words.append("required" if low_n == 1 else f"at least {low_n}")
        if high_n is not None:
            words.append("at most one" if high_n == 1 else f"at most {high_n}")
    simple = {
        "datatype": "a literal of type {}",
        "class": "an instance of {}",
        "pattern": "matching the pattern {}",
        "minInclusive": "at least {}",
        "maxInclusive": "at most {}",
        "minExclusive": "more than {}",
        "maxExclusive": "less than {}",
        "minLength": "at least {} characters",
        "maxLength": "at most {} characters",
        "hasValue": "including {}",
        "node": "conforming to {}",
    }
    for local, template in simple.items():
        for value in _objects(store, shape, SH + local):
            words.append(template.format(_term_words(value)))
    kinds = {
        "IRI": "an IRI",
        "Literal": "a literal",
        "BlankNode": "a blank node",
        "BlankNodeOrIRI": "an IRI or a blank node",
        "IRIOrLiteral": "an IRI or a literal",
        "BlankNodeOrLiteral": "a blank node or a literal",
    }
    for value in _objects(store, shape, SH + "nodeKind"):
        if isinstance(value, NamedNode):
            words.append(kinds.get(value.value[len(SH) :], curie(value.value)))
    for value in _objects(store, shape, SH + "in"):
        words.append("one of " + ", ".join(_term_words(v) for v in _list(store, value)))
    for value in _objects(store, shape, SH + "or"):
        options = []
        for option in _list(store, value):
            if isinstance(option, NamedNode | BlankNode):
                options.append(constraint_words(store, option) or "another shape")
        words.append("either " + " or ".join(options))
    if _first(store, shape, "uniqueLang") is not None:
        words.append("one per language")
    if _objects(store, shape, SH + "sparql"):
        words.append("a SPARQL rule")
    return "; ".join(words)


def _constraints(store: Store, class_iri: str) -> tuple[tuple[Constraint, ...], tuple[str, ...]]:
    found: list[Constraint] = []
    messages: list[str] = []
    for quad in store.quads_for_pattern(None, NamedNode(SH + "targetClass"), NamedNode(class_iri)):
        node_shape = quad.subject
        if not isinstance(node_shape, NamedNode | BlankNode):
            continue  # a quoted triple is no shape
        message = _text(store, node_shape, SH + "message")
        if message:
            messages.append(message)
        for prop in _objects(store, node_shape, SH + "property"):
            if not isinstance(prop, NamedNode | BlankNode):
                continue
            path = _first(store, prop, "path")
            href = (
                "#" + anchor(path.value)
                if isinstance(path, NamedNode) and path.value.startswith(KG)
                else None
            )
            found.append(
                Constraint(
                    _path_words(store, path),
                    href,
                    constraint_words(store, prop),
                    _text(store, prop, SH + "message"),
                )
            )
    found.sort(key=lambda c: c.path)
    return tuple(found), tuple(messages)


# --- the page ---------------------------------------------------------------------------------


def _property(store: Store, iri: str, types: set[str], labels) -> Property:
    kind = next((PROPERTY_KINDS[t] for t in PROPERTY_KINDS if t in types), "property")
    return Property(
        iri=iri,
        curie=curie(iri),
        label=labels(iri) or curie(iri),
        anchor=anchor(iri),
        kind=kind,
        definition=_text(store, iri, SKOS + "definition", RDFS + "comment"),
        domain=tuple(cell(NamedNode(d), labels) for d in _iris(store, iri, RDFS + "domain")),
        range=tuple(cell(NamedNode(r), labels) for r in _iris(store, iri, RDFS + "range")),
        parents=tuple(
            cell(NamedNode(p), labels) for p in _iris(store, iri, RDFS + "subPropertyOf")
        ),
        inverse=tuple(cell(NamedNode(p), labels) for p in _iris(store, iri, OWL + "inverseOf")),
        characteristics=tuple(CHARACTERISTICS[t] for t in sorted(types) if t in CHARACTERISTICS),
        alignments=tuple(
            cell(NamedNode(a), labels) for p in ALIGNMENTS for a in _iris(store, iri, p)
        ),
    )


def _local_cell(c: Cell) -> Cell:
    """Our terms link to their entry on this page, not to the term's own page."""
    if c.value.startswith(KG):
        return Cell(c.kind, c.text, c.value, "#" + anchor(c.value), c.note, False)
    return c


def _class_counts(store: Store, classes: Iterable[str]) -> dict[str, int]:
    """Distinct instances of each class, typed in any graph (the default graph or a named
    one). Counted by the engine in one query: reading every ``rdf:type`` quad of every graph
    into Python took 6–8 s at 1M statements, this 0.6–1 s."""
    counts = dict.fromkeys(classes, 0)
    if not counts:
        return counts
    values = " ".join(f"<{iri}>" for iri in counts)
    query = (
        f"SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ VALUES ?c {{ {values} }} "
        f"{{ ?s <{RDF}type> ?c }} UNION {{ GRAPH ?g {{ ?s <{RDF}type> ?c }} }} }} GROUP BY ?c"
    )
    for row in store.query(query, use_default_graph_as_union=False):  # type: ignore[union-attr]
        counts[row["c"].value] = int(row["n"].value)
    return counts


def document(store: Store, labels) -> OntologyDoc:
    """The ontology page's data (``labels``: :class:`kg.server.ld.Labels`)."""
    shapes = shapes_store()
    terms = _defined_terms(store)
    types = {t: _types(store, t) for t in terms}
    class_iris = [t for t in terms if OWL + "Class" in types[t] or RDFS + "Class" in types[t]]
    property_iris = [t for t in terms if types[t] & set(PROPERTY_KINDS)]
    properties = {p: _property(store, p, types[p], labels) for p in property_iris}
    by_domain: dict[str, list[Property]] = defaultdict(list)
    by_range: dict[str, list[Property]] = defaultdict(list)
    for p in properties.values():
        for d in p.domain:
            by_domain[d.value].append(p)
        for r in p.range:
            by_range[r.value].append(p)
    parents = {c: _iris(store, c, RDFS + "subClassOf") for c in class_iris}
    children: dict[str, list[str]] = defaultdict(list)
    for c, ps in parents.items():
        for parent in ps:
            children[parent].append(c)
    counts = _class_counts(store, class_iris)
    classes: dict[str, Class] = {}
    type_node = NamedNode(RDF + "type")
    for c in class_iris:
        examples: list[Cell] = []
        for quad in store.quads_for_pattern(None, type_node, NamedNode(c)):
            if isinstance(quad.subject, NamedNode) and all(
                e.value != quad.subject.value for e in examples
            ):
                examples.append(cell(quad.subject, labels))
            if len(examples) >= EXAMPLES:
                break
        constraints, messages = _constraints(shapes, c)
        classes[c] = Class(
            iri=c,
            curie=curie(c),
            label=labels(c) or curie(c),
            anchor=anchor(c),
            definition=_text(store, c, SKOS + "definition", RDFS + "comment"),
            parents=tuple(_local_cell(cell(NamedNode(p), labels)) for p in parents[c]),
            children=tuple(
                _local_cell(cell(NamedNode(k), labels))
                for k in sorted(children.get(c, []), key=lambda k: (labels(k) or k).casefold())
            ),
            properties=tuple(sorted(by_domain.get(c, []), key=lambda p: p.label.casefold())),
            used_by=tuple(sorted(by_range.get(c, []), key=lambda p: p.label.casefold())),
            constraints=constraints,
            shape_messages=messages,
            count=counts[c],
            examples=tuple(examples),
            alignments=tuple(
                cell(NamedNode(a), labels) for p in ALIGNMENTS for a in _iris(store, c, p)
            ),
        )

    def tree(iri: str, seen: frozenset[str]) -> TreeNode:
        kids = sorted(
            (k for k in children.get(iri, []) if k in classes and k not in seen),
            key=lambda k: classes[k].label.casefold(),
        )
        return TreeNode(classes[iri], tuple(tree(k, seen | {k}) for k in kids))

    roots = sorted(
        (c for c in classes if not any(p in classes for p in parents[c])),
        key=lambda c: classes[c].label.casefold(),
    )
    title = _text(store, ONTOLOGY_IRI, DCTERMS + "title", RDFS + "label") or "Ontology"
    license_iri = _iris(store, ONTOLOGY_IRI, DCTERMS + "license")
    return OntologyDoc(
        iri=ONTOLOGY_IRI,
        title=title,
        description=_text(store, ONTOLOGY_IRI, DCTERMS + "description", RDFS + "comment"),
        version=_text(store, ONTOLOGY_IRI, OWL + "versionInfo"),
        license=cell(NamedNode(license_iri[0]), labels) if license_iri else None,
        classes=tuple(sorted(classes.values(), key=lambda c: c.label.casefold())),
        properties=tuple(sorted(properties.values(), key=lambda p: p.label.casefold())),
        tree=tuple(tree(r, frozenset({r})) for r in roots),
        diagram=diagram(classes, parents, properties.values()),
    )


# --- the core-model diagram ---------------------------------------------------------------------


def _root(iri: str, parents: dict[str, list[str]], classes: dict[str, Class]) -> str:
    seen = {iri}
    while True:
        ours = [p for p in parents.get(iri, []) if p in classes and p not in seen]
        if not ours:
            return iri
        iri = ours[0]
        seen.add(iri)


NODE_H = 40  # a box: its label, and under it its best-known subclasses
CHAR_W = 7.2  # about the width of a character of the labels, in SVG units
EDGE_CHAR_W = 6.2
LABEL_H = 14


def _box_width(*texts: str) -> float:
    return max(130.0, max(len(t) for t in texts) * CHAR_W + 24)


def _overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    """Two boxes (x0, y0, x1, y1) that share more than a touching edge."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _to_edge(size: tuple[float, float], ux: float, uy: float) -> float:
    """How far from a box's centre a line in direction (ux, uy) leaves the box."""
    w, h = size
    return min(w / 2 / abs(ux) if ux else 1e9, h / 2 / abs(uy) if uy else 1e9)


def _on_curve(
    t: float, a: tuple[float, float], m: tuple[float, float], b: tuple[float, float]
) -> tuple[float, float]:
    """The point at ``t`` of the quadratic Bézier curve from ``a`` to ``b`` through ``m``."""
    return (
        (1 - t) ** 2 * a[0] + 2 * (1 - t) * t * m[0] + t * t * b[0],
        (1 - t) ** 2 * a[1] + 2 * (1 - t) * t * m[1] + t * t * b[1],
    )


def diagram(
    classes: dict[str, Class], parents: dict[str, list[str]], properties: Iterable[Property]
) -> str:
    """The core model as SVG: each top-level class of ours (a class with no superclass of ours,
    with its most used subclasses named under it — Country under place) and each reused class
    (org:, skos: …) is a box, each object property with one of our classes at either end an
    arrow from its domain's top-level class to its range's, the properties of one pair named
    on one arrow. Boxes sit on an ellipse around the three most linked, ordered by their
    links, so the drawing is the same every time. No label overlaps a box or another label:
    each is put at the first free place along its arrow, and an arrow with no free place gets a
    number, its names listed under the drawing; the view box holds everything drawn."""
    links: dict[tuple[str, str], list[str]] = defaultdict(list)
    for p in properties:
        if p.kind != "object property":
            continue
        for d in p.domain:
            for r in p.range:
                if d.value in classes or r.value in classes:
                    key = (_root(d.value, parents, classes), _root(r.value, parents, classes))
                    links[key].append(p.label)

    def label(n: str) -> str:
        return classes[n].label if n in classes else curie(n)

    def subclasses(n: str) -> str:
        if n not in classes:
            return ""
        found = sorted(
            (c for c in classes.values() if n in parents.get(c.iri, [])),
            key=lambda c: (-c.count, c.label.casefold()),
        )
        names = [c.label for c in found[:2]]
        return ", ".join(names) + (f" +{len(found) - 2}" if len(found) > 2 else "")

    nodes = sorted(
        {n for pair in links for n in pair},
        key=lambda n: (-sum(len(v) for k, v in links.items() if n in k), label(n)),
    )
    if not nodes:
        return ""
    # the three most linked classes in the middle, the others around them on an ellipse,
    # alternating sides so that the busier ones are not neighbours
    hubs, ring = nodes[:3], nodes[3:]
    order = ring[0::2] + ring[1::2][::-1]
    width, height = 1400, 1000
    cx, cy, rx, ry = width / 2, height / 2, width / 2 - 110, height / 2 - 60
    where: dict[str, tuple[float, float]] = {}
    for i, n in enumerate(hubs):
        where[n] = (cx + (i - 1) * 190, cy + (i - 1) * 150)
    for i, n in enumerate(order):
        angle = 2 * math.pi * i / max(1, len(order)) - math.pi / 2 + math.pi / max(1, len(order))
        where[n] = (cx + rx * math.cos(angle), cy + ry * math.sin(angle))
    sizes = {n: (_box_width(label(n), subclasses(n)), NODE_H) for n in nodes}
    for _ in range(100):  # boxes that touch are pushed apart sideways
        moved = False
        for i, a in enumerate(nodes):
            for b in nodes[i + 1 :]:
                (xa, ya), (xb, yb) = where[a], where[b]
                gap_x = (sizes[a][0] + sizes[b][0]) / 2 + 16 - abs(xa - xb)
                if gap_x > 0 and abs(ya - yb) < NODE_H + 16:
                    push = gap_x / 2 + 1
                    sign = 1 if xb >= xa else -1
                    where[a], where[b] = (xa - sign * push, ya), (xb + sign * push, yb)
                    moved = True
        if not moved:
            break
    taken = [
        (x - sizes[n][0] / 2 - 4, y - NODE_H / 2 - 4, x + sizes[n][0] / 2 + 4, y + NODE_H / 2 + 4)
        for n, (x, y) in where.items()
    ]

    def place(text: str, points: list[tuple[float, float]]) -> tuple[float, float] | None:
        w = len(text) * EDGE_CHAR_W + 8
        for x, y in points:
            box = (x - w / 2, y - LABEL_H + 2, x + w / 2, y + 4)
            if not any(_overlaps(box, other) for other in taken):
                taken.append(box)
                return x, y
        return None

    edges: list[str] = []
    labels_out: list[str] = []
    notes: list[str] = []
    for (a, b), names in sorted(links.items()):
        names = sorted(set(names), key=str.casefold)
        text = ", ".join(names[:3]) + (f" +{len(names) - 3}" if len(names) > 3 else "")
        (x1, y1), (x2, y2) = where[a], where[b]
        if a == b:  # a loop above the box
            half = sizes[a][0] / 2
            top = y1 - NODE_H / 2
            edges.append(
                f'<path class="edge" d="M{x1 + half - 30:.0f},{top:.0f} C{x1 + half - 30:.0f},'
                f"{top - 50:.0f} {x1 + half + 30:.0f},{top - 50:.0f} {x1 + half + 10:.0f},"
                f'{top:.0f}" marker-end="url(#arrow)"/>'
            )
            candidates = [(x1 + half + dx, top - 44 - dy) for dy in (0, 14, 28) for dx in (0, 40)]
        else:
            # from box edge to box edge, bending pairs that go both ways
            dx, dy = x2 - x1, y2 - y1
            length = math.hypot(dx, dy) or 1
            ux, uy = dx / length, dy / length

            off_a = _to_edge(sizes[a], ux, uy)
            off_b = _to_edge(sizes[b], ux, uy)
            sx, sy = x1 + ux * off_a, y1 + uy * off_a
            ex, ey = x2 - ux * off_b, y2 - uy * off_b
            bend = 28 if (b, a) in links else 0
            mx, my = (sx + ex) / 2 - uy * bend, (sy + ey) / 2 + ux * bend
            edges.append(
                f'<path class="edge" d="M{sx:.0f},{sy:.0f} Q{mx:.0f},{my:.0f} {ex:.0f},'
                f'{ey:.0f}" marker-end="url(#arrow)"/>'
            )

            candidates = [
                (x, y + shift)
                for t in (0.5, 0.42, 0.58, 0.34, 0.66, 0.26, 0.74, 0.18, 0.82)
                for x, y in [_on_curve(t, (sx, sy), (mx, my), (ex, ey))]
                for shift in (-2, 10, -14)
            ]
        spot = place(text, candidates)
        if spot is None:  # no free place for the names: a number, the names under the drawing
            notes.append(text)
            spot = place(str(len(notes)), candidates) or candidates[0]
            text = str(len(notes))
            css = "edge-label edge-number"
        else:
            css = "edge-label"
        labels_out.append(
            f'<text class="{css}" x="{spot[0]:.0f}" y="{spot[1]:.0f}" '
            f'text-anchor="middle">{escape(text)}</text>'
        )
    boxes: list[str] = []
    for n in nodes:
        x, y = where[n]
        w = sizes[n][0]
        below = subclasses(n)
        box = (
            f'<rect class="node{"" if n in classes else " external"}" x="{x - w / 2:.0f}" '
            f'y="{y - NODE_H / 2:.0f}" width="{w:.0f}" height="{NODE_H}" rx="6"/>'
            f'<text class="node-label" x="{x:.0f}" y="{y - 2 if below else y + 5:.0f}" '
            f'text-anchor="middle">{escape(label(n))}</text>'
        )
        if n in classes:  # ours link to their entry; a reused class (org:, skos:) is a box
            c = classes[n]
            box = f'<a href="#{escape(c.anchor)}" aria-label="{escape(c.label)}">{box}</a>'
        if below:  # beside the link, not in it: the link's name is the class's label
            box += (
                f'<text class="node-sub" x="{x:.0f}" y="{y + 13:.0f}" text-anchor="middle">'
                f"{escape(below)}</text>"
            )
        boxes.append(box)
    x0 = min(b[0] for b in taken) - 10
    y0 = min(b[1] for b in taken) - 10
    x1_ = max(b[2] for b in taken) + 10
    y1_ = max(b[3] for b in taken) + 10
    footer = []
    for i, text in enumerate(notes, start=1):
        footer.append(
            f'<text class="edge-label" x="{x0 + 10:.0f}" y="{y1_ + 18 * i:.0f}">'
            f"{i}: {escape(text)}</text>"
        )
    y1_ += 18 * len(notes) + (10 if notes else 0)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{x0:.0f} {y0:.0f} '
        f'{x1_ - x0:.0f} {y1_ - y0:.0f}" '
        'class="model-diagram" role="group" aria-labelledby="diagram-title" '
        'aria-describedby="diagram-desc">',
        '<title id="diagram-title">The core model</title>',
        f'<desc id="diagram-desc">{len(nodes)} top-level classes and the object properties '
        "between them; the lists below give the same in full.</desc>",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'class="arrow"/></marker></defs>',
        *edges,
        *boxes,
        *labels_out,
        *footer,
        "</svg>",
    ]
    return "\n".join(out)


# --- completion for the editor ------------------------------------------------------------------


ENTITY_COMPLETIONS = 2000  # entities and concepts the editor completes, at most
STANDARD_NAMESPACES = ("rdf", "rdfs", "owl", "skos", "dcterms", "org", "prov", "schema", "time")


def vocabulary(store: Store, labels) -> list[dict[str, Any]]:
    """What the editor completes: prefixes; the ontology's classes and properties
    (``{"label": "kg:Country", "type": "class", "detail": "country"}``); the standard terms the
    graph uses as predicates or classes (``rdfs:label``, ``skos:prefLabel``); and up to
    :data:`ENTITY_COMPLETIONS` entities and concepts with a label (``{"label": "id:PL",
    "type": "entity", "detail": "Poland", "classes": ["kg:Country"]}``; the classes also give
    a canned query's parameter fields their suggestions)."""
    items: list[dict[str, Any]] = [
        {"label": f"{p}:", "type": "namespace", "detail": ns, "apply": f"{p}:"}
        for p, ns in PREFIXES.items()
    ]
    for term in _defined_terms(store):
        types = _types(store, term)
        if OWL + "Class" in types or RDFS + "Class" in types:
            kind = "class"
        elif types & set(PROPERTY_KINDS):
            kind = "property"
        else:
            continue
        short = curie(term)
        if short == term:
            continue
        items.append({"label": short, "type": kind, "detail": labels(term) or ""})
    items += _standard_terms(store)
    items += _entities(store, labels)
    return items


def _standard_terms(store: Store) -> list[dict[str, Any]]:
    """The terms of the standard vocabularies the graph uses, as predicates or as classes."""
    wanted = tuple(PREFIXES[p] for p in STANDARD_NAMESPACES)
    found: dict[str, str] = {}
    for query, kind in (
        ("SELECT DISTINCT ?t WHERE { ?s ?t ?o }", "property"),
        ("SELECT DISTINCT ?t WHERE { ?s a ?t }", "class"),
    ):
        for row in store.query(query, use_default_graph_as_union=True):  # type: ignore[union-attr]
            term = row["t"]
            if isinstance(term, NamedNode) and term.value.startswith(wanted):
                found.setdefault(term.value, kind)
    return [
        {"label": curie(t), "type": kind, "detail": ""}
        for t, kind in sorted(found.items())
        if curie(t) != t
    ]


def _entities(store: Store, labels) -> list[dict[str, Any]]:
    """Entities (``id:``) and concepts (``voc:``) with a label, in the order of their CURIEs,
    each with the CURIEs of its classes."""
    bases = (PREFIXES["id"], PREFIXES["voc"])
    seen: set[str] = set()
    for predicate in (RDFS + "label", SKOS + "prefLabel"):
        for quad in store.quads_for_pattern(None, NamedNode(predicate), None, None):
            subject = quad.subject
            if isinstance(subject, NamedNode) and subject.value.startswith(bases):
                seen.add(subject.value)
    items = []
    for iri in sorted(seen)[:ENTITY_COMPLETIONS]:
        classes = sorted({curie(t) for t in _types(store, iri)})
        kind = "concept" if iri.startswith(PREFIXES["voc"]) else "entity"
        items.append(
            {"label": curie(iri), "type": kind, "detail": labels(iri) or "", "classes": classes}
        )
    return items
