"""The reference engine: pyshacl on rdflib, over the same store, and the differential test.

pyshacl is the SHACL engine the project trusts for what the native engine (:mod:`.engine`)
computes: :func:`validate_with_pyshacl` runs it on the union of the store's graphs (the same
data graph the native engine sees) and maps its report back to :class:`~.model.ValidationResult`,
and :func:`compare_with_pyshacl` diffs the two engines. rdflib and pyshacl are imported only
here, and only when called, so ``kg`` commands that do not use them never load them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, Store

from kg import resources
from kg.errors import InputError, ShapesError
from kg.load import files as graph
from kg.load import open_dataset
from kg.namespaces import curie
from kg.validation.shacl.components import RANGE_COMPONENTS
from kg.validation.shacl.engine import validate_store
from kg.validation.shacl.model import SH, XSD, ResultPath, Term, ValidationResult
from kg.validation.shacl.shapes import ShapesGraph, shapes_paths, strip_group


def _to_rdflib(term: Any) -> Any:
    """An oxigraph term as an rdflib term (quoted triples are not data SHACL sees)."""
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

    return strip_group(render(node))


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
    if result.component.value not in RANGE_COMPONENTS or not isinstance(result.value, Literal):
        return False
    lit = _to_rdflib(result.value)
    return lit.value is None and not lit.ill_typed and lit.language is None


def diff_results(
    native: Iterable[ValidationResult], reference: Iterable[ValidationResult]
) -> ShaclDiff:
    """The result keys only one engine found, and how many both found."""
    a = {r.key() for r in native}
    by_key = {r.key(): r for r in reference}
    b = set(by_key)
    defects: list[tuple[str, ...]] = sorted(k for k in b - a if _pyshacl_cannot_compare(by_key[k]))
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
    if inferred:
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
