"""``kg validate``: the SHACL shapes and the data-quality checks, run over the data, as one report.

Two sources of findings, one report:

* the SHACL shapes (``ontology/shapes.ttl``), evaluated by ``kg.validation.shacl`` — natively as
SPARQL on
  the Oxigraph store, or by pyshacl with ``engine="pyshacl"`` (the reference, much slower);
* the data-quality checks ``queries/checks/*-violation.rq`` (the ODK convention): each is a
  SELECT whose every row is a finding, with a ``#+ summary:`` / ``#+ description:`` /
  ``#+ severity:`` header and the columns ``?focus`` and, optionally, ``?path ?value ?message``;
  the project's prefixes (``kg.namespaces.PREFIXES``) are predeclared, as for canned queries.

The report conforms when nothing has severity ``sh:Violation``; warnings and infos are shown
but do not fail. Each finding names the entity by its label, the property, the message and the
file the entity's triples come from, so an analyst can go and fix it. Rendering (text, JSON, a
``sh:ValidationReport`` in Turtle) is separate from validating, and nothing is rendered until
everything has been loaded and checked: a file that does not parse gives an error and no report.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pyoxigraph import (
    BlankNode,
    DefaultGraph,
    Literal,
    NamedNode,
    QuerySolutions,
    RdfFormat,
    Store,
    Triple,
    Variable,
    parse,
    serialize,
)

from kg import labels, resources
from kg.errors import InputError
from kg.load import files as graph
from kg.load import open_dataset
from kg.namespaces import BASE, PREFIXES, RDF_TYPE, XSD_INTEGER_TYPES, curie
from kg.progress import Progress
from kg.sparql import header
from kg.validation import shacl
from kg.validation.shacl import (
    INFO,
    SEVERITY_ORDER,
    VIOLATION,
    WARNING,
    ResultPath,
    ValidationResult,
)

ENGINES = ("native", "pyshacl")
FORMATS = ("text", "json", "turtle")
CHECKS_BASE = BASE + "checks/"
"""Checks have no shape node; their findings name ``<CHECKS_BASE><file stem>`` as the shape."""

CHECK_KEYS = ("summary", "description", "severity")


# --------------------------------------------------------------------------- checks


@dataclass(frozen=True)
class Check:
    """One ``queries/checks/<rule>-violation.rq`` query and its header."""

    path: Path
    name: str
    summary: str
    description: str
    severity: NamedNode
    query: str

    @property
    def iri(self) -> NamedNode:
        return NamedNode(CHECKS_BASE + self.name)


def _severity(value: str, where: Path) -> NamedNode:
    name = value.strip().removeprefix("sh:").capitalize() or "Violation"
    if name not in ("Violation", "Warning", "Info"):
        raise InputError(f"{where}: #+ severity must be Violation, Warning or Info, not {value!r}")
    return shacl.sh(name)


def load_checks(folder: Path | None = None) -> list[Check]:
    """The data-quality checks of a folder (``queries/checks/`` by default), sorted by name."""
    folder = folder if folder is not None else resources.checks_dir()
    if not folder.is_dir():
        return []
    checks = []
    for path in sorted(folder.glob("*-violation.rq")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise InputError(f"{path}: cannot read: {error}") from None
        head = {k: e.text() for k, e in header.read(path, text, CHECK_KEYS).items()}
        if not head.get("summary"):
            raise InputError(f"{path}: the header has no '#+ summary:' line")
        checks.append(
            Check(
                path=path,
                name=path.stem,
                summary=head["summary"],
                description=head.get("description", ""),
                severity=_severity(head.get("severity", "Violation"), path),
                query=text,
            )
        )
    return checks


def run_checks(
    store: Store,
    checks: Sequence[Check],
    progress: Progress | None = None,
    *,
    keep: int | None = None,
    omitted: dict[str, int] | None = None,
) -> list[ValidationResult]:
    """Run each check over the union graph; every row is a finding. With ``keep``, at most
    that many rows of each check are kept and the rest only counted (in ``omitted``, by
    severity): a check that matches 200,000 nodes (a list nested that deep) stays small."""
    out: list[ValidationResult] = []
    component = shacl.sh("SPARQLConstraintComponent")
    for i, check in enumerate(checks):
        if progress is not None:
            progress(f"check {check.name}", i + 1, len(checks))
        try:
            solutions = store.query(check.query, use_default_graph_as_union=True, prefixes=PREFIXES)
        except SyntaxError as error:
            raise InputError(f"{check.path}: malformed query: {error}") from None
        except (ValueError, OSError, RuntimeError) as error:
            raise InputError(f"{check.path}: the query failed: {error}") from None
        if not isinstance(solutions, QuerySolutions):
            raise InputError(f"{check.path}: a check must be a SELECT query")
        if Variable("focus") not in solutions.variables:
            raise InputError(f"{check.path}: a check must select ?focus")
        for kept, row in enumerate(solutions):
            if keep is not None and kept >= keep:
                if omitted is not None:
                    name = _severity_name(check.severity)
                    omitted[name] = omitted.get(name, 0) + 1
                continue
            focus = row["focus"]
            if focus is None:
                raise InputError(f"{check.path}: a row has no ?focus")
            path = row["path"]
            message = row["message"]
            out.append(
                ValidationResult(
                    focus=focus,
                    path=ResultPath(path, str(path), curie(path.value))
                    if isinstance(path, NamedNode)
                    else None,
                    value=row["value"],
                    source_shape=check.iri,
                    component=component,
                    severity=check.severity,
                    message=message.value if isinstance(message, Literal) else check.summary,
                )
            )
    return out


# --------------------------------------------------------------------------- the report


@dataclass(frozen=True)
class Finding:
    """A validation result with what a reader needs to act on it."""

    result: ValidationResult
    label: str  # the focus node's rdfs:label, else its CURIE
    files: tuple[Path, ...]  # files holding triples about the focus node
    check: str | None = None  # the check's name, for findings of queries/checks


@dataclass
class Report:
    conforms: bool
    findings: list[Finding]
    engine: str
    triples: int
    files: list[Path] = field(default_factory=list)
    omitted: dict[str, int] = field(default_factory=dict)  # findings past the limit, by severity

    @property
    def results(self) -> list[ValidationResult]:
        return [f.result for f in self.findings]

    def counts(self) -> dict[str, int]:
        """Findings per severity (Violation, Warning, Info, and any other severity IRI), the
        ones past the limit included."""
        out = {"Violation": 0, "Warning": 0, "Info": 0}
        for f in self.findings:
            name = _severity_name(f.result.severity)
            out[name] = out.get(name, 0) + 1
        for name, n in self.omitted.items():
            out[name] = out.get(name, 0) + n
        return out

    @property
    def exit_code(self) -> int:
        return 0 if self.conforms else 1


def _severity_name(severity: NamedNode) -> str:
    if severity.value.startswith(shacl.SH):
        return severity.value[len(shacl.SH) :]
    return curie(severity.value)


def _label(store: Store, term: Any) -> str:
    """The entity's label (:mod:`kg.labels`), else a CURIE; a blank node without label is
    named by its type."""
    if isinstance(term, Literal):
        return _show(term)
    found = labels.label(store, term) if isinstance(term, NamedNode | BlankNode) else None
    if found is not None:
        return found
    if isinstance(term, BlankNode):
        types = sorted(
            curie(q.object.value)
            for q in store.quads_for_pattern(term, NamedNode(RDF_TYPE), None, None)
            if isinstance(q.object, NamedNode)
        )
        return f"[{types[0]}]" if types else "[blank node]"
    return curie(term.value)


def _files_of(dataset: graph.Dataset, result: ValidationResult) -> tuple[Path, ...]:
    """The files to look at for a finding: those stating the offending triple (focus, path,
    value) when the path is a predicate, else those stating the focus node's property, else
    its triples as subject, else as object. Graphs kg computed (inferred) have no file. In a
    graph more than one file states triples in (an ownership finding of its own), the files
    that state a matching triple are found by reading them again."""
    term = result.focus
    if isinstance(term, Literal):
        return ()
    patterns: list[tuple[Any, Any, Any, None]] = []
    if result.path is not None and isinstance(result.path.node, NamedNode):
        if result.value is not None:
            patterns.append((term, result.path.node, result.value, None))
        patterns.append((term, result.path.node, None, None))
    patterns += [(term, None, None, None), (None, None, term, None)]
    owners = dataset.files.owners if isinstance(dataset.files, graph.FileIndex) else None
    for pattern in patterns:
        graphs = {
            q.graph_name.value
            for q in dataset.store.quads_for_pattern(*pattern)
            if not isinstance(q.graph_name, DefaultGraph)
        }
        found: set[Path] = set()
        for g in graphs:
            several = owners(g) if owners is not None else []
            if len(several) > 1:
                found |= {p for p in several if _states(p, g, pattern)}
            elif g in dataset.files:
                found.add(dataset.files[g])
        if found:
            return tuple(sorted(found))
    return ()


def _states(path: Path, graph_name: str, pattern: tuple[Any, Any, Any, None]) -> bool:
    """Whether a file states a triple matching ``pattern`` in graph ``graph_name``."""
    fmt = graph.FORMATS.get(path.suffix.lower())
    if fmt is None:
        return False
    own = graph.graph_name(path).value
    try:
        with graph.rdf_input(path) as source:
            for q in parse(**source, format=fmt, base_iri=path.resolve().as_uri()):
                name = own if isinstance(q.graph_name, DefaultGraph) else str(q.graph_name.value)
                if name != graph_name:
                    continue
                triple = (q.subject, q.predicate, q.object)
                if all(
                    want is None or want == got
                    for want, got in zip(pattern[:3], triple, strict=True)
                ):
                    return True
    except (OSError, SyntaxError, ValueError):
        return False
    return False


# --------------------------------------------------------------------------- ill-typed literals

XSD = "http://www.w3.org/2001/XMLSchema#"
# datatype -> the cast that reads its lexical form (Oxigraph has casts for the primitive
# types; the types derived from xsd:integer are read as integers: their ranges are not checked)
_PRIMITIVE = (
    "integer",
    "decimal",
    "double",
    "float",
    "boolean",
    "date",
    "dateTime",
    "time",
    "gYear",
    "gYearMonth",
    "gMonthDay",
    "gDay",
    "gMonth",
    "duration",
    "dayTimeDuration",
    "yearMonthDuration",
)
_DERIVED_INTEGERS = XSD_INTEGER_TYPES
_CASTS = {name: name for name in _PRIMITIVE} | {name: "integer" for name in _DERIVED_INTEGERS}
ILL_TYPED = NamedNode(CHECKS_BASE + "ill-typed-literal")


def _ill_typed_query() -> str:
    value = "0"
    for name, cast in sorted(_CASTS.items()):
        value = f"IF(?dt = <{XSD}{name}>, <{XSD}{cast}>(?o), {value})"
    listed = ", ".join(f"<{XSD}{name}>" for name in sorted(_CASTS))
    return (
        "SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } FILTER(isLiteral(?o)) "
        f"BIND(DATATYPE(?o) AS ?dt) FILTER(?dt IN ({listed})) BIND({value} AS ?v) "
        "FILTER(!BOUND(?v)) }"
    )


def _ill_typed_message(value: Literal) -> str:
    return (
        f"{_show(value)} is not a valid {curie(value.datatype.value)}: an ill-typed literal "
        "(no value: comparisons, sums and orderings do not see it)"
    )


def ill_typed_results(store: Store) -> list[ValidationResult]:
    """Every literal whose lexical form is not one of its XSD datatype's (``"abc"^^xsd:integer``,
    ``"2020x"^^xsd:gYear``), on any property — a shape's ``sh:datatype`` only sees the
    properties it covers (issue 18: an ill-typed literal elsewhere was never reported)."""
    out = []
    for row in store.query(_ill_typed_query()):  # type: ignore[union-attr]
        value = row["o"]
        if not isinstance(value, Literal) or not isinstance(row["p"], NamedNode):
            continue
        out.append(
            ValidationResult(
                focus=row["s"],
                path=ResultPath(row["p"], f"<{row['p'].value}>", curie(row["p"].value)),
                value=value,
                source_shape=ILL_TYPED,
                component=shacl.sh("DatatypeConstraintComponent"),
                severity=VIOLATION,
                message=_ill_typed_message(value),
            )
        )
    return out


def _with_ill_typed(
    results: list[ValidationResult], ill_typed: list[ValidationResult]
) -> list[ValidationResult]:
    """The engine's results with the ill-typed literals: a shape's datatype finding about one
    says what is wrong with it (a shape's message "one xsd:gYear, never a string" was given for
    ``"2020x"^^xsd:gYear``), and the literals no shape covers are added once."""
    keys = {(str(r.focus), str(r.path.node) if r.path else "", str(r.value)) for r in ill_typed}
    covered = set()
    out = []
    for r in results:
        key = (str(r.focus), str(r.path.node) if r.path else "", str(r.value))
        if key in keys and r.component == shacl.sh("DatatypeConstraintComponent"):
            covered.add(key)
            assert isinstance(r.value, Literal)
            r = replace(r, message=f"{_ill_typed_message(r.value)}; the rule: {r.message}")
        out.append(r)
    for r in ill_typed:
        if (str(r.focus), str(r.path.node) if r.path else "", str(r.value)) not in covered:
            out.append(r)
    return out


OWNERSHIP = NamedNode(CHECKS_BASE + "one-file-per-graph")
"""The shape of ownership findings: a graph more than one file states triples in."""


def ownership_findings(dataset: graph.Dataset) -> list[Finding]:
    """A violation for each graph that more than one file adds triples to, naming every file
    and the line where it opens the graph: a passage graph holds what its passage states, and
    one file states it (a second file adding to ``psg:pl-eurodig`` would make the Polish
    passage cite a fact about another country)."""
    if not isinstance(dataset.files, graph.FileIndex):
        return []
    out = []
    lines: dict[Path, dict[str, int]] = {}
    for name, paths in sorted(dataset.files.shared().items()):
        where = []
        for path in paths:
            if path not in lines:
                lines[path] = graph.graph_lines(path)
            line = lines[path].get(name)
            where.append(f"{_display_path(path)}{f' line {line}' if line else ''}")
        node = NamedNode(name)
        result = ValidationResult(
            focus=node,
            path=None,
            value=None,
            source_shape=OWNERSHIP,
            component=shacl.sh("SPARQLConstraintComponent"),
            severity=VIOLATION,
            message=(
                f"graph {curie(name)} is defined by {where[0]} and again by "
                f"{' and '.join(where[1:])}: each graph is one file's (move the triples to "
                "a graph of the file that states them)"
            ),
        )
        out.append(
            Finding(
                result=result,
                label=_label(dataset.store, node),
                files=tuple(paths),
                check="one-file-per-graph",
            )
        )
    return out


def _sort_key(f: Finding) -> tuple:
    r = f.result
    return (
        SEVERITY_ORDER.get(r.severity.value, 3),
        str(f.files[0]) if f.files else "~",
        f.label.casefold(),
        str(r.focus),
        r.path.sparql if r.path else "",
        r.component.value,
        str(r.value) if r.value is not None else "",
        str(r.source_shape),
        r.message,
    )


def _open_dataset(paths: Sequence[Path | str] | None, progress: Progress | None) -> graph.Dataset:
    """The ontology, the data and the inferred graphs in one store, as every command sees
    them: ``sh:class`` and ``sh:targetClass`` must see the types the ontology entails."""
    if progress is not None:
        progress("loading", None, None)
    # Without the entailments of the external facts (graph:inferred/external/…): the
    # documents' shapes are not the external sources' (GeoNames names a neighbour by its
    # feature, untyped), and the external data is checked with its own shapes.
    dataset = open_dataset(
        list(paths) if paths else None,
        inferred=True,
        progress=progress,
        external_inference=False,
    )
    if progress is not None:
        progress("inferred; validating", None, None)
    return dataset


def validate(
    paths: Sequence[Path | str] | None = None,
    *,
    engine: str = "native",
    shapes: Path | Sequence[Path] | None = None,
    checks: Path | None = None,
    progress: Progress | None = None,
    limit: int | None = None,
) -> Report:
    """Validate the data (the repository's ``data/`` when no paths are given) against the
    shapes and the data-quality checks.

    ``limit``: describe at most that many findings (their labels and files are what costs);
    the others are counted by severity (``Report.omitted``) and still decide conformance.

    Args:
        paths: data files or folders.
        engine: ``native`` (SHACL as SPARQL on Oxigraph) or ``pyshacl`` (the reference).
        shapes: the shapes file(s); by default ``ontology/shapes.ttl`` and the shapes of the
            external sources (``ontology/shapes-external.ttl``).
        checks: the folder of ``*-violation.rq`` checks; ``queries/checks/`` by default.
        progress: told of each step (``kg.progress``: message, done, total).

    Raises:
        RdfSyntaxError: a file does not parse (names file, line and column).
        ShapesError: a shape is malformed or uses a feature the engine does not support.
        InputError: a path is missing, a check query is malformed.
    """
    if engine not in ENGINES:
        raise InputError(f"unknown engine {engine!r} (known: {', '.join(ENGINES)})")
    shapes_path = shapes if shapes is not None else resources.shapes_files()
    shapes_graph = shacl.ShapesGraph.load(shapes_path)
    native = shacl.ShaclEngine(shapes_graph) if engine == "native" else None
    check_list = load_checks(checks)
    dataset = _open_dataset(paths, progress)
    if native is not None:
        results = native.validate(dataset.store, progress)
    else:
        if progress is not None:
            progress("pyshacl: validating", None, None)
        results = shacl.validate_with_pyshacl(dataset.store, shapes_path)
    omitted: dict[str, int] = {}
    check_results = run_checks(dataset.store, check_list, progress, keep=limit, omitted=omitted)
    results = _with_ill_typed(list(results), ill_typed_results(dataset.store))
    names: dict[NamedNode | BlankNode, str] = {c.iri: c.name for c in check_list}
    names[ILL_TYPED] = "ill-typed-literal"
    every = [*results, *check_results]
    violation = any(r.severity == VIOLATION for r in every) or omitted.get("Violation", 0) > 0
    if limit is not None and len(every) > limit:
        every.sort(key=_cheap_key)  # the most severe first; described: the first ``limit``
        for r in every[limit:]:
            name = _severity_name(r.severity)
            omitted[name] = omitted.get(name, 0) + 1
        del every[limit:]
    findings = [
        Finding(
            result=r,
            label=_label(dataset.store, r.focus),
            files=_files_of(dataset, r),
            check=names.get(r.source_shape) if r.source_shape in names else None,
        )
        for r in every
    ]
    owned = ownership_findings(dataset)
    violation = violation or bool(owned)
    findings += owned
    findings.sort(key=_sort_key)
    loaded = dataset.files.loaded if isinstance(dataset.files, graph.FileIndex) else []
    return Report(
        conforms=not violation,
        findings=findings,
        engine=engine,
        triples=len(dataset.store),
        files=sorted(set(loaded) | set(dataset.files.values())),
        omitted={k: n for k, n in omitted.items() if n},
    )


def _cheap_key(r: ValidationResult) -> tuple:
    """An order of results that needs no label or file lookup (severity first)."""
    return (
        SEVERITY_ORDER.get(r.severity.value, 3),
        str(r.source_shape),
        str(r.focus),
        r.path.sparql if r.path else "",
        str(r.value) if r.value is not None else "",
    )


# --------------------------------------------------------------------------- rendering


def _show(term: Any) -> str:
    """A term as a reader writes it in Turtle: CURIEs, datatypes shortened."""
    if term is None:
        return ""
    if isinstance(term, NamedNode):
        short = curie(term.value)
        return short if short != term.value else f"<{term.value}>"
    if isinstance(term, Literal):
        text = json.dumps(term.value, ensure_ascii=False)
        if term.language:
            return f"{text}@{term.language}"
        if term.datatype.value != shacl.XSD + "string":
            return f"{text}^^{_show(term.datatype)}"
        return text
    return str(term)


def _display_path(path: Path) -> str:
    return _display(path, str(Path.cwd()))


@functools.lru_cache(maxsize=4096)
def _display(path: Path, cwd: str) -> str:
    """A path relative to the working directory when under it (cached: one resolve per file,
    not per finding — 200,000 findings resolved their file 200,000 times)."""
    try:
        return str(path.resolve().relative_to(Path(cwd).resolve()))
    except ValueError:
        return str(path)


TEXT_LIMIT = 1000  # findings the text report describes by default (kg validate --limit)
TEXT_WIDTH = 300  # characters of a value, label or message the text report shows


def _cut(text: str) -> str:
    """At most :data:`TEXT_WIDTH` characters (a 10 MB literal is not printed whole)."""
    if len(text) <= TEXT_WIDTH:
        return text
    return f"{text[: TEXT_WIDTH - 1]}… ({len(text):,} characters)"


def render_text(report: Report) -> str:
    """One block per finding, its first line ``file: Severity: entity: property: message``
    (grep-able like a compiler's), then a summary line."""
    lines: list[str] = []
    for f in report.findings:
        r = f.result
        where = ", ".join(_display_path(p) for p in f.files) or "(no file)"
        entity = _cut(f.label)
        name = _cut(_show(r.focus))
        if name != entity:
            entity += f" ({name})"
        prop = f": {r.path.label}" if r.path else ""
        message = _cut(r.message)
        lines.append(f"{where}: {_severity_name(r.severity)}: {entity}{prop}: {message}")
        if r.value is not None:
            lines.append(f"    value: {_cut(_show(r.value))}")
        source = f"check {f.check}" if f.check else f"shape {shacl.shape_name(r.source_shape)}"
        lines.append(f"    {source} ({curie(r.component.value)})")
    counts = report.counts()
    summary = ", ".join(
        f"{n} {k.lower()}{'' if n == 1 or k == 'Info' else 's'}" for k, n in counts.items()
    )
    if report.omitted:
        left = sum(report.omitted.values())
        kinds = ", ".join(
            f"{n} {k.lower()}{'' if n == 1 or k == 'Info' else 's'}"
            for k, n in report.omitted.items()
        )
        lines.append(
            f"… {left} more finding{'s' if left != 1 else ''} not shown ({kinds}); "
            "--limit 0 shows them all"
        )
    verdict = "conforms" if report.conforms else "does not conform"
    lines.append(
        f"{verdict}: {summary} ({report.triples} triples, {len(report.files)} files, "
        f"{report.engine} engine)"
    )
    return "\n".join(lines) + "\n"


def _json_term(term: Any) -> dict[str, str] | None:
    """A term as in the SPARQL 1.1 JSON results format."""
    if term is None:
        return None
    if isinstance(term, NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, BlankNode):
        return {"type": "bnode", "value": term.value}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != shacl.XSD + "string":
        out["datatype"] = term.datatype.value
    return out


def _json_path(path: ResultPath | None) -> str | None:
    """A predicate path as its IRI; a complex path in SPARQL property-path syntax."""
    if path is None:
        return None
    if isinstance(path.node, NamedNode):
        return path.node.value
    return path.sparql


def render_json(report: Report) -> str:
    results = []
    for f in report.findings:
        r = f.result
        results.append(
            {
                "severity": _severity_name(r.severity),
                "focusNode": _json_term(r.focus),
                "focusLabel": f.label,
                "resultPath": _json_path(r.path),
                "value": _json_term(r.value),
                "message": r.message,
                "sourceShape": r.source_shape.value
                if isinstance(r.source_shape, NamedNode)
                else str(r.source_shape),
                "sourceConstraintComponent": r.component.value,
                "check": f.check,
                "files": [_display_path(p) for p in f.files],
            }
        )
    doc = {
        "conforms": report.conforms,
        "engine": report.engine,
        "triples": report.triples,
        "counts": report.counts(),
        "omitted": report.omitted,
        "results": results,
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def report_triples(report: Report) -> list[Triple]:
    """The report as a SHACL ``sh:ValidationReport`` graph (complex paths included).

    Blank nodes of the report get stable ids so that the same report serialises the same way.
    """
    sh, rdf_type = shacl.sh, NamedNode(RDF_TYPE)
    node = BlankNode("report")
    out = [
        Triple(node, rdf_type, sh("ValidationReport")),
        Triple(
            node,
            sh("conforms"),
            Literal(
                "true" if report.conforms else "false", datatype=NamedNode(shacl.XSD + "boolean")
            ),
        ),
    ]
    seen_paths: set[Any] = set()
    for i, f in enumerate(report.findings, 1):
        r = f.result
        res = BlankNode(f"result{i}")
        out += [
            Triple(node, sh("result"), res),
            Triple(res, rdf_type, sh("ValidationResult")),
            Triple(res, sh("focusNode"), r.focus),
            Triple(res, sh("resultSeverity"), r.severity),
            Triple(res, sh("sourceConstraintComponent"), r.component),
            Triple(res, sh("sourceShape"), r.source_shape),
            Triple(res, sh("resultMessage"), Literal(r.message)),
        ]
        if r.path is not None:
            out.append(Triple(res, sh("resultPath"), r.path.node))
            if r.path.node not in seen_paths:
                seen_paths.add(r.path.node)
                out += list(r.path.triples)
        if r.value is not None:
            out.append(Triple(res, sh("value"), r.value))
        if r.source_constraint is not None:
            out.append(Triple(res, sh("sourceConstraint"), r.source_constraint))
    return out


def render_turtle(report: Report) -> str:
    data = serialize(report_triples(report), format=RdfFormat.TURTLE, prefixes=PREFIXES)
    return data.decode("utf-8") if data else ""


def render(report: Report, fmt: str = "text") -> str:
    """The report in one of ``FORMATS``."""
    renderers = {"text": render_text, "json": render_json, "turtle": render_turtle}
    if fmt not in renderers:
        raise InputError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")
    return renderers[fmt](report)


__all__ = [
    "ENGINES",
    "FORMATS",
    "INFO",
    "VIOLATION",
    "WARNING",
    "Check",
    "Finding",
    "Report",
    "load_checks",
    "render",
    "render_json",
    "render_text",
    "render_turtle",
    "report_triples",
    "run_checks",
    "validate",
]
