"""The constraint components (SHACL §4 Core, §5 SPARQL-based constraints), in ONE registry.

Each component is declared once, below: its parameter, how the parameter value is read and
checked, the SPARQL pattern that finds its violations, and the message a result gets when
the shape has no ``sh:message``. The shapes reader (:mod:`.shapes`) and the engine
(:mod:`.engine`) find components only through :data:`REGISTRY`, so adding a component is
one entry here (or, for a project's own component, one :meth:`Registry.register` call on a
copy of the registry handed to :class:`~.engine.ShaclEngine`).

A pattern builder gets a :class:`Pattern`: the focus nodes bound to ``?{t}``, the value
nodes bound to ``?{v}``, one fresh helper variable ``?{x}``, and helpers to name a term
or a nested shape. It returns a SPARQL group pattern binding ``?{t}`` (and ``?{v}`` where a
value is reported) once per violation, and must hide any other variable it introduces
inside a sub-SELECT (use :meth:`Pattern.fresh` for their names), so patterns compose.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from pyoxigraph import Literal, NamedNode, QuerySolution

from kg.errors import ShapesError
from kg.namespaces import XSD_INTEGER_TYPES, curie
from kg.validation.shacl.model import (
    SH,
    XSD,
    Constraint,
    Focus,
    ResultPath,
    Shape,
    Term,
    ValidationResult,
    sh,
    shape_name,
)
from kg.validation.shacl.shapes import ShapeReader, pick_message, sparql_term

# --------------------------------------------------------------------------- the contract


class Compiler(Protocol):
    """What a pattern builder may ask of the engine's query compiler."""

    def fresh(self) -> str:
        """A variable name used nowhere else in the query."""
        ...

    def instance_of(self, x: str, cls: NamedNode, where: str, bound: bool) -> str:
        """A pattern true when ``?x`` is a SHACL instance of ``cls``."""
        ...

    def shape(self, node: Term) -> Shape:
        """The shape read from ``node``."""
        ...

    def value_focus(self, shape: Shape, focus: Focus) -> Focus:
        """The value nodes of ``shape`` at the nodes of ``focus``, as a focus set."""
        ...

    def failing(self, shape: Shape, focus: Focus, x: str, stack: list[Term]) -> str:
        """A pattern binding ``?x`` to the nodes of ``focus`` that do not conform to
        ``shape``."""
        ...


def value_nodes(shape: Shape, t: str, v: str) -> str:
    """A pattern binding ``?v`` to the value nodes of ``shape`` at the focus node ``?t``."""
    if shape.path is None:
        return f"BIND(?{t} AS ?{v})"
    return f"?{t} {shape.path.sparql} ?{v} ."


class Parameter:
    """What a component's reader gets: one value of its parameter on one shape."""

    def __init__(self, reader: ShapeReader, shape: Shape, value: Term, label: str) -> None:
        self.reader = reader
        self.shape = shape
        self.value = value
        self.label = label  # "sh:class"
        self.where = f"shape {shape.name}: {label}"

    def iri(self) -> NamedNode:
        """The value as an IRI, else an error naming shape and parameter."""
        return self.reader.iri(self.shape.node, self.label, self.value)

    def integer(self) -> int:
        """The value as a non-negative ``xsd:integer``, else an error."""
        return self.reader.integer(self.shape.node, self.label, self.value)

    def items(self) -> list[Term]:
        """The members of the RDF list the value heads, else an error."""
        return self.reader.sg.items(self.value, self.where)


class Pattern:
    """What a component's query builder gets (see the module docstring)."""

    def __init__(
        self,
        compiler: Compiler,
        shape: Shape,
        constraint: Constraint,
        focus: Focus,
        t: str,
        v: str,
        stack: list[Term],
    ) -> None:
        self.compiler = compiler
        self.shape = shape
        self.path = shape.path
        self.value: Any = constraint.value
        self.where = f"shape {shape.name}: {constraint.name}"
        self.focus = focus
        self.t, self.v = t, v
        self.stack = stack
        self.focus_nodes = focus(t)
        """Binds ``?{t}`` to the focus nodes."""
        self.value_nodes = f"{self.focus_nodes} {value_nodes(shape, t, v)}"
        """Binds ``?{t}`` to the focus nodes and ``?{v}`` to their value nodes."""
        self.x = compiler.fresh()

    def term(self, term: Term) -> str:
        """A term of the shapes graph in SPARQL syntax (errors name the constraint)."""
        return sparql_term(term, self.where)

    def fresh(self) -> str:
        """Another helper variable name."""
        return self.compiler.fresh()

    def instance_of(self, x: str, cls: NamedNode, bound: bool) -> str:
        """A pattern true when ``?{x}`` is a SHACL instance of ``cls``."""
        return self.compiler.instance_of(x, cls, self.where, bound)

    def fails(self, node: Term) -> str:
        """A group binding ``?{v}`` to the value nodes that do not conform to the shape
        ``node`` (for sh:node, sh:or, sh:and, sh:not)."""
        nested = self.compiler.failing(
            self.compiler.shape(node),
            self.compiler.value_focus(self.shape, self.focus),
            self.v,
            [*self.stack, self.shape.node],
        )
        return "{ " + nested + " }"


class Said:
    """What a default message gets: the path as text, the parameter value, the shape."""

    def __init__(self, shape: Shape, value: Any) -> None:
        self.shape = shape
        self.path = shape.path.label if shape.path else "the node"
        self.value = value

    @property
    def term(self) -> str:
        """The parameter value as a CURIE (or as N-Triples for a literal)."""
        return _text(self.value)


def _text(term: Term) -> str:
    return curie(term.value) if isinstance(term, NamedNode) else str(term)


# --------------------------------------------------------------------------- components


def _no_shapes(value: Any) -> list[Term]:
    return []


@dataclass(frozen=True)
class Component:
    """One constraint component.

    Attributes:
        iri: the component (``sh:ClassConstraintComponent``), reported as
            ``sh:sourceConstraintComponent``.
        parameter: the IRI of its parameter (``sh:class``); a shape with this predicate has
            one constraint of this component per value.
        read: checks one parameter value (errors name shape and parameter) and returns what
            the pattern builder and the message use; None when the value states nothing
            (``sh:minCount 0``).
        pattern: builds the violations pattern; None for a component that writes its own
            whole query (``sh:sparql``) and so cannot be used inside another shape.
        message: the default message.
        single: the parameter takes at most one value on a shape.
        property_only: allowed on property shapes only (the counts, ``sh:uniqueLang``, …).
        optional: other parameters read with this one (``sh:flags`` with ``sh:pattern``).
        shapes: the shapes a parameter value names (``sh:node``, ``sh:or``), which must exist.
    """

    iri: NamedNode
    parameter: str
    read: Callable[[Parameter], Any]
    pattern: Callable[[Pattern], str] | None
    message: Callable[[Said], str]
    single: bool = False
    property_only: bool = False
    optional: tuple[str, ...] = ()
    shapes: Callable[[Any], list[Term]] = field(default=_no_shapes)

    @property
    def label(self) -> str:
        """The parameter as messages name it: ``sh:class``."""
        return curie(self.parameter)

    def constraint(self, reader: ShapeReader, shape: Shape, value: Term) -> Constraint | None:
        """The constraint one value of the parameter states on ``shape``."""
        checked = self.read(Parameter(reader, shape, value, self.label))
        if checked is None:
            return None
        return Constraint(self.label, self.parameter, self.iri, checked)

    def violation(
        self,
        compiler: Compiler,
        shape: Shape,
        c: Constraint,
        focus: Focus,
        t: str,
        v: str,
        stack: list[Term],
    ) -> str:
        """A group pattern binding ``?t`` (and ``?v``) once per violation of ``c``."""
        if self.pattern is None:
            raise ShapesError(
                f"shape {shape.name}: {self.label} is only supported on shapes that are "
                "validated directly, not through sh:node, sh:property, sh:or, sh:and or sh:not"
            )
        return self.pattern(Pattern(compiler, shape, c, focus, t, v, stack))

    def query(
        self, compiler: Compiler, shape: Shape, c: Constraint, focus: Focus, stack: list[Term]
    ) -> str:
        """The one SELECT that finds every violation of ``c`` at the nodes of ``focus``."""
        pattern = self.violation(compiler, shape, c, focus, "this", "value", stack)
        return f"SELECT DISTINCT ?this ?value WHERE {{ {pattern} }}"

    def prefixes(self, c: Constraint) -> dict[str, str] | None:
        """Prefixes the query needs declared (SHACL-SPARQL's ``sh:prefixes``)."""
        return None

    def result(self, shape: Shape, c: Constraint, row: QuerySolution) -> ValidationResult:
        """The validation result of one row of the query."""
        value = row["value"]
        return ValidationResult(
            focus=row["this"],
            path=shape.path,
            value=value,
            source_shape=shape.node,
            component=self.iri,
            severity=shape.severity,
            message=shape.message or self.default_message(shape, c),
            source_constraint=c.node,
        )

    def default_message(self, shape: Shape, c: Constraint) -> str:
        """A generated message for shapes without ``sh:message``."""
        return self.message(Said(shape, c.value))


class Registry:
    """The constraint components the engine checks, by parameter IRI, in the order their
    constraints run (the order results are first found in)."""

    def __init__(self, components: Iterable[Component] = ()) -> None:
        self._by_parameter: dict[str, Component] = {}
        for component in components:
            self.register(component)

    def register(self, component: Component) -> Component:
        """Add a component; a second component for one parameter is an error."""
        if component.parameter in self._by_parameter:
            raise ValueError(f"{component.label} already has a constraint component")
        self._by_parameter[component.parameter] = component
        return component

    def copy(self) -> Registry:
        """A registry with the same components, to extend without changing this one."""
        return Registry(self)

    def __iter__(self) -> Iterator[Component]:
        return iter(self._by_parameter.values())

    def __len__(self) -> int:
        return len(self._by_parameter)

    def __contains__(self, parameter: object) -> bool:
        return parameter in self._by_parameter

    def __getitem__(self, parameter: str) -> Component:
        return self._by_parameter[parameter]

    def of(self, c: Constraint) -> Component:
        """The component that checks constraint ``c``."""
        return self._by_parameter[c.parameter]


REGISTRY = Registry()
"""The components of SHACL Core and SHACL-SPARQL that the native engine checks."""


def core(
    local: str,
    read: Callable[[Parameter], Any],
    message: Callable[[Said], str],
    **options: Any,
) -> Callable[[Callable[[Pattern], str]], Callable[[Pattern], str]]:
    """Register the pattern builder it decorates as the SHACL component whose parameter is
    ``sh:<local>`` (and whose IRI is ``sh:<Local>ConstraintComponent``, SHACL's naming)."""

    def register(pattern: Callable[[Pattern], str]) -> Callable[[Pattern], str]:
        iri = sh(local[0].upper() + local[1:] + "ConstraintComponent")
        REGISTRY.register(Component(iri, SH + local, read, pattern, message, **options))
        return pattern

    return register


# -- readers shared by several components


def _iri(p: Parameter) -> NamedNode:
    return p.iri()


def _integer(p: Parameter) -> int:
    return p.integer()


def _as_is(p: Parameter) -> Term:
    return p.value


def _literal(p: Parameter) -> Literal:
    if not isinstance(p.value, Literal):
        raise ShapesError(f"{p.where} must be a literal")
    return p.value


def _matchable(p: Parameter) -> Term:
    sparql_term(p.value, p.where)
    return p.value


def _list(p: Parameter) -> list[Term]:
    return p.items()


# -- value type (SHACL §4.1)


@core("class", _iri, lambda m: f"value of {m.path} is not an instance of {m.term}")
def _class(p: Pattern) -> str:
    return f"{p.value_nodes} FILTER NOT EXISTS {{ {p.instance_of(p.v, p.value, bound=True)} }}"


# Datatypes the store folds into another one; sh:datatype on them cannot be checked.
FOLDED_DATATYPES = {XSD + name for name in (*XSD_INTEGER_TYPES, "dateTimeStamp")}
# Datatypes whose ill-typed literals the store keeps as they are written; a cast to the
# datatype fails on them, which is how the engine tells them from well-typed ones.
CASTABLE_DATATYPES = {
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


def _datatype(p: Parameter) -> NamedNode:
    iri = p.iri()
    if iri.value in FOLDED_DATATYPES:
        raise ShapesError(
            f"{p.where} {curie(iri.value)} is not supported: the store folds it into "
            f"{'xsd:dateTime' if iri.value.endswith('Stamp') else 'xsd:integer'}; "
            "use that datatype (with sh:minInclusive/sh:maxInclusive for the range)"
        )
    return iri


@core(
    "datatype",
    _datatype,
    lambda m: f"value of {m.path} is not a literal of datatype {m.term}",
    single=True,
)
def _datatype_pattern(p: Pattern) -> str:
    d, v = p.term(p.value), p.v
    cond = f"!isLiteral(?{v}) || !sameTerm(DATATYPE(?{v}), {d})"
    if p.value.value in CASTABLE_DATATYPES:
        cond += f" || !COALESCE(isLiteral({d}(?{v})), false)"
    return f"{p.value_nodes} FILTER({cond})"


NODE_KINDS = {
    "IRI": "isIRI(?{v})",
    "BlankNode": "isBlank(?{v})",
    "Literal": "isLiteral(?{v})",
    "BlankNodeOrIRI": "(isBlank(?{v}) || isIRI(?{v}))",
    "BlankNodeOrLiteral": "(isBlank(?{v}) || isLiteral(?{v}))",
    "IRIOrLiteral": "(isIRI(?{v}) || isLiteral(?{v}))",
}


def _node_kind(p: Parameter) -> str:
    kind = p.iri().value
    if not kind.startswith(SH) or kind[len(SH) :] not in NODE_KINDS:
        raise ShapesError(f"{p.where}: unknown node kind {p.value}")
    return kind[len(SH) :]


@core(
    "nodeKind",
    _node_kind,
    lambda m: f"value of {m.path} is not of node kind sh:{m.value}",
    single=True,
)
def _node_kind_pattern(p: Pattern) -> str:
    return f"{p.value_nodes} FILTER(!{NODE_KINDS[p.value].format(v=p.v)})"


# -- cardinality (SHACL §4.2)


def _min_count(p: Parameter) -> int | None:
    n = p.integer()
    return None if n == 0 else n  # sh:minCount 0 states nothing


@core(
    "minCount",
    _min_count,
    lambda m: f"fewer than {m.value} values of {m.path}",
    single=True,
    property_only=True,
)
def _min_count_pattern(p: Pattern) -> str:
    assert p.path is not None
    t, x = p.t, p.x
    if p.value == 1:
        return f"{p.focus_nodes} FILTER NOT EXISTS {{ ?{t} {p.path.sparql} ?{x} }}"
    return (
        f"{{ SELECT ?{t} WHERE {{ {p.focus_nodes} OPTIONAL {{ ?{t} {p.path.sparql} ?{x} }} }} "
        f"GROUP BY ?{t} HAVING (COUNT(DISTINCT ?{x}) < {p.value}) }}"
    )


@core(
    "maxCount",
    _integer,
    lambda m: f"more than {m.value} values of {m.path}",
    single=True,
    property_only=True,
)
def _max_count(p: Pattern) -> str:
    assert p.path is not None
    t, x = p.t, p.x
    return (
        f"{{ SELECT ?{t} WHERE {{ {p.focus_nodes} ?{t} {p.path.sparql} ?{x} }} "
        f"GROUP BY ?{t} HAVING (COUNT(DISTINCT ?{x}) > {p.value}) }}"
    )


# -- string-based (SHACL §4.4)


def _pattern_value(p: Parameter) -> tuple[str, str | None]:
    if not isinstance(p.value, Literal):
        raise ShapesError(f"{p.where} must be a string literal")
    flags = p.reader.one(p.shape.node, "flags")
    if flags is not None and not isinstance(flags, Literal):
        raise ShapesError(f"shape {p.shape.name}: sh:flags must be a string literal")
    return (p.value.value, flags.value if flags is not None else None)


@core(
    "pattern",
    _pattern_value,
    lambda m: f"value of {m.path} does not match the pattern {m.value[0]!r}",
    optional=(SH + "flags",),
)
def _pattern(p: Pattern) -> str:
    pattern, flags = p.value
    args = p.term(Literal(pattern))
    if flags is not None:
        args += ", " + p.term(Literal(flags))
    return f"{p.value_nodes} FILTER(isBlank(?{p.v}) || !REGEX(STR(?{p.v}), {args}))"


def _length(op: str) -> Callable[[Pattern], str]:
    def pattern(p: Pattern) -> str:
        v = p.v
        return f"{p.value_nodes} FILTER(isBlank(?{v}) || !(STRLEN(STR(?{v})) {op} {p.value}))"

    return pattern


core(
    "minLength",
    _integer,
    lambda m: f"value of {m.path} is shorter than {m.value} characters",
    single=True,
)(_length(">="))
core(
    "maxLength",
    _integer,
    lambda m: f"value of {m.path} is longer than {m.value} characters",
    single=True,
)(_length("<="))


# -- other (SHACL §4.8): sh:in, sh:hasValue


def _in_list(p: Parameter) -> list[Term]:
    members = p.items()
    for m in members:
        sparql_term(m, p.where)
    return members


@core("in", _in_list, lambda m: f"value of {m.path} is not one of the allowed values")
def _in(p: Pattern) -> str:
    alts = " || ".join(f"sameTerm(?{p.v}, {p.term(m)})" for m in p.value)
    return f"{p.value_nodes} FILTER(!({alts or 'false'}))"


@core("hasValue", _matchable, lambda m: f"{m.path} does not have the value {m.term}")
def _has_value(p: Pattern) -> str:
    term = p.term(p.value)
    if p.path is None:
        return f"{p.focus_nodes} FILTER(!sameTerm(?{p.t}, {term}))"
    return f"{p.focus_nodes} FILTER NOT EXISTS {{ ?{p.t} {p.path.sparql} {term} }}"


# -- value range (SHACL §4.3)


def _range(op: str) -> Callable[[Pattern], str]:
    def pattern(p: Pattern) -> str:
        return f"{p.value_nodes} FILTER(!COALESCE(?{p.v} {op} {p.term(p.value)}, false))"

    return pattern


def _range_message(failed: str) -> Callable[[Said], str]:
    return lambda m: f"value of {m.path} is not comparable or {failed} {m.value.value}"


core("minInclusive", _literal, _range_message("<"))(_range(">="))
core("minExclusive", _literal, _range_message("<="))(_range(">"))
core("maxInclusive", _literal, _range_message(">"))(_range("<="))
core("maxExclusive", _literal, _range_message(">="))(_range("<"))

RANGE_COMPONENTS = frozenset(
    REGISTRY[SH + local].iri.value
    for local in ("minInclusive", "minExclusive", "maxInclusive", "maxExclusive")
)
"""The value-range components (pyshacl cannot compare some literals under them)."""


# -- property pair (SHACL §4.5)


def _compare(op: str) -> Callable[[Pattern], str]:
    def pattern(p: Pattern) -> str:
        v, x = p.v, p.x
        return (
            f"{p.value_nodes} ?{p.t} {p.term(p.value)} ?{x} . "
            f"FILTER(!COALESCE(?{v} {op} ?{x}, false))"
        )

    return pattern


core(
    "lessThan",
    _iri,
    lambda m: f"value of {m.path} is not less than the value of {m.term}",
    property_only=True,
)(_compare("<"))
core(
    "lessThanOrEquals",
    _iri,
    lambda m: f"value of {m.path} is greater than the value of {m.term}",
    property_only=True,
)(_compare("<="))


@core("equals", _iri, lambda m: f"values of {m.path} and {m.term} differ")
def _equals(p: Pattern) -> str:
    t, v, prop = p.t, p.v, p.term(p.value)
    if p.path is None:
        return (
            f"{{ {p.focus_nodes} FILTER NOT EXISTS {{ ?{t} {prop} ?{t} }} BIND(?{t} AS ?{v}) }} "
            f"UNION {{ {p.focus(t)} ?{t} {prop} ?{v} . FILTER(!sameTerm(?{v}, ?{t})) }}"
        )
    return (
        f"{{ {p.value_nodes} FILTER NOT EXISTS {{ ?{t} {prop} ?{v} }} }} UNION "
        f"{{ {p.focus(t)} ?{t} {prop} ?{v} . FILTER NOT EXISTS {{ ?{t} {p.path.sparql} ?{v} }} }}"
    )


@core("disjoint", _iri, lambda m: f"value of {m.path} is also a value of {m.term}")
def _disjoint(p: Pattern) -> str:
    return f"{p.value_nodes} FILTER EXISTS {{ ?{p.t} {p.term(p.value)} ?{p.v} }}"


# -- string-based, continued: languages (SHACL §4.4.5, §4.4.6)


def _languages(p: Parameter) -> list[str]:
    members = p.items()
    tags = [m.value for m in members if isinstance(m, Literal)]
    if len(tags) != len(members):
        raise ShapesError(f"{p.where} members must be string literals")
    return tags


@core(
    "languageIn",
    _languages,
    lambda m: f"value of {m.path} is not in the languages {', '.join(m.value)}",
)
def _language_in(p: Pattern) -> str:
    v = p.v
    alts = " || ".join(f"langMatches(LANG(?{v}), {p.term(Literal(tag))})" for tag in p.value)
    return f"{p.value_nodes} FILTER(!isLiteral(?{v}) || !({alts or 'false'}))"


def _unique_lang_value(p: Parameter) -> bool | None:
    return True if p.reader.boolean(p.shape.node, p.label, p.value) else None


@core(
    "uniqueLang",
    _unique_lang_value,
    lambda m: f"more than one value of {m.path} in the same language",
    single=True,
    property_only=True,
)
def _unique_lang(p: Pattern) -> str:
    assert p.path is not None
    t, x = p.t, p.x
    return (
        f"{{ SELECT ?{t} WHERE {{ {p.focus_nodes} ?{t} {p.path.sparql} ?{x} . "
        f'FILTER(LANG(?{x}) != "") }} GROUP BY ?{t} (LCASE(LANG(?{x})) AS ?{p.fresh()}) '
        f"HAVING (COUNT(DISTINCT ?{x}) > 1) }}"
    )


# -- shape-based and logical (SHACL §4.7, §4.6)


def _one_shape(value: Any) -> list[Term]:
    return [value]


def _shape_list(value: Any) -> list[Term]:
    return list(value)


@core(
    "node",
    _as_is,
    lambda m: f"value of {m.path} does not conform to shape {shape_name(m.value)}",
    shapes=_one_shape,
)
def _node(p: Pattern) -> str:
    return f"{p.value_nodes} {p.fails(p.value)}"


@core(
    "or",
    _list,
    lambda m: f"value of {m.path} conforms to none of the alternative shapes",
    shapes=_shape_list,
)
def _or(p: Pattern) -> str:
    return f"{p.value_nodes} " + " ".join(p.fails(m) for m in p.value)


@core(
    "and",
    _list,
    lambda m: f"value of {m.path} does not conform to all of the shapes",
    shapes=_shape_list,
)
def _and(p: Pattern) -> str:
    return f"{p.value_nodes} {{ " + " UNION ".join(p.fails(m) for m in p.value) + " }"


@core(
    "not",
    _as_is,
    lambda m: f"value of {m.path} conforms to shape {shape_name(m.value)}, which it must not",
    shapes=_one_shape,
)
def _not(p: Pattern) -> str:
    return f"{{ {p.value_nodes} }} MINUS {p.fails(p.value)}"


# -- SPARQL-based constraints (SHACL §5)


@dataclass(frozen=True)
class Select:
    """An ``sh:sparql`` constraint: its SELECT split into prologue and body (so the focus
    nodes can be put first in its WHERE group), its prefixes and its own message."""

    prologue: str
    body: str
    prefixes: dict[str, str]
    message: str | None


_PROLOGUE = re.compile(
    r"\A(?:\s+|#[^\n]*\n|PREFIX\s+[^\s:]*:\s*<[^>]*>|BASE\s+<[^>]*>)*", re.IGNORECASE
)
_SPARQL_PARAMETERS = ("select", "message", "prefixes", "deactivated", "name", "description")


def _split_prologue(text: str) -> tuple[str, str]:
    """Separate a query's PREFIX/BASE lines, so the SELECT can become a sub-query."""
    m = _PROLOGUE.match(text)
    end = m.end() if m else 0
    return text[:end], text[end:]


def _select(p: Parameter) -> Select | None:
    sg, node, where = p.reader.sg, p.value, p.where
    for pred in sg.predicates(node):
        if pred.startswith(SH) and pred[len(SH) :] not in _SPARQL_PARAMETERS:
            raise ShapesError(f"{where}: {curie(pred)} is not supported")
    if p.reader.boolean(node, "sh:deactivated", sg.value(node, SH + "deactivated")):
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
    owners = sg.objects(node, SH + "prefixes") + sg.objects(p.shape.node, SH + "prefixes")
    for owner in owners:
        for decl in sg.objects(owner, SH + "declare"):
            prefix = sg.value(decl, SH + "prefix")
            namespace = sg.value(decl, SH + "namespace")
            if not isinstance(prefix, Literal) or namespace is None:
                raise ShapesError(f"{where}: malformed sh:declare")
            prefixes[prefix.value] = namespace.value
    return Select(prologue, body, prefixes, pick_message(sg.objects(node, SH + "message")))


def _fill(template: str, row: QuerySolution) -> str:
    """Substitute ``{?var}`` / ``{$var}`` in a SHACL-SPARQL message with the row's values."""

    def sub(m: re.Match[str]) -> str:
        term = row[m.group(1)]
        if term is None:
            return m.group(0)
        return term.value if isinstance(term, Literal) else _text(term)

    return re.sub(r"\{[?$](\w+)\}", sub, template)


@dataclass(frozen=True)
class SparqlComponent(Component):
    """``sh:sparql``: the shape's own SELECT is the query. Instead of running it once per
    focus node with ``$this`` pre-bound, the focus nodes (a sub-SELECT binding ``$this``) go
    first in its WHERE group and it runs once; see the engine's module docstring."""

    def constraint(self, reader: ShapeReader, shape: Shape, value: Term) -> Constraint | None:
        """The constraint, keeping its node for ``sh:sourceConstraint``."""
        found = super().constraint(reader, shape, value)
        if found is not None:
            found.node = value
        return found

    def query(
        self, compiler: Compiler, shape: Shape, c: Constraint, focus: Focus, stack: list[Term]
    ) -> str:
        """The shape's SELECT with the focus nodes first in its WHERE group."""
        select: Select = c.value
        head, brace, rest = select.body.partition("{")
        return f"{select.prologue}{head}{brace} {focus('this')}\n{rest}"

    def prefixes(self, c: Constraint) -> dict[str, str] | None:
        """The prefixes the shapes graph declares for this SELECT (``sh:prefixes``)."""
        select: Select = c.value
        return select.prefixes

    def result(self, shape: Shape, c: Constraint, row: QuerySolution) -> ValidationResult:
        """A row as a result: ``?value`` defaults to ``$this`` on a node shape, ``?path``
        overrides the shape's path, and the message fills ``{?var}`` from the row."""
        select: Select = c.value
        value = row["value"]
        if value is None and shape.path is None:
            value = row["this"]
        path = shape.path
        row_path = row["path"]
        if isinstance(row_path, NamedNode):
            path = ResultPath(row_path, str(row_path), curie(row_path.value))
        template = select.message or shape.message
        message = _fill(template, row) if template else None
        return ValidationResult(
            focus=row["this"],
            path=path,
            value=value,
            source_shape=shape.node,
            component=self.iri,
            severity=shape.severity,
            message=message or self.default_message(shape, c),
            source_constraint=c.node,
        )


REGISTRY.register(
    SparqlComponent(
        sh("SPARQLConstraintComponent"),
        SH + "sparql",
        _select,
        None,
        lambda m: f"SPARQL constraint of shape {m.shape.name} failed",
    )
)
