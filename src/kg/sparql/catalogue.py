"""The catalogue of canned queries: ``queries/<verb>-<object>[-by-<facet>].rq``.

Each file starts with a header that people and tools read (grlc's convention)::

    #+ summary: Countries that participate in a forum
    #+ description: Countries whose stakeholders take part in the given forum, with the
    #+   period and the source passage.
    #+ tags: [forum, participation]
    #+ competency: CQ1
    #+ params:
    #+   forum: entity kg:Initiative = EuroDIG ; the forum, dialogue or process
    #+   year: xsd:gYear = 2021 ; the year

A parameter binds the query variable of the same name. Values are bound by the engine as typed
RDF terms (SEP-0007 substitution): the query text sent to the engine is the file's text, byte
for byte, whatever the user typed. Oxigraph applies a substitution to the variables a SELECT
projects, and its ``BOUND(?v)`` does not see a substituted value, so loading a query checks
that every parameter is projected and never tested with BOUND (write
``COALESCE(?x = ?param, true)`` for an optional filter).

An ``entity`` parameter takes an IRI (``<…>`` or bare), a CURIE, or a label matched without
regard to case against rdfs:label, skos:prefLabel and skos:altLabel; a class after the type
restricts labels to instances of that class or its subclasses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from pyoxigraph import Literal, NamedNode, QuerySolutions, Store

from kg import resources
from kg.errors import InputError, KgError, ParameterError, QuerySyntaxError, UnknownQuery
from kg.labels import language_rank
from kg.load import scope as scopes
from kg.load.documents import Documents
from kg.namespaces import PREFIXES, curie, expand
from kg.sparql import header, quotes
from kg.sparql import prepare as sparql
from kg.sparql.results import QueryResult

XSD = PREFIXES["xsd"]
PARAM_TYPES = (
    "entity",
    "iri",
    "string",
    "xsd:integer",
    "xsd:gYear",
    "xsd:date",
    "xsd:decimal",
    "xsd:boolean",
)
HEADER_KEYS = ("summary", "description", "tags", "competency", "scope", "params")

_TZ = r"(?:Z|[+-](?:(?:0[0-9]|1[0-3]):[0-5][0-9]|14:00))?"
_YEAR = r"-?(?:[1-9][0-9]{3,}|0[0-9]{3})"
# Patterns as text, compiled (and cached by ``re``) when a typed value is first checked: a cold
# ``kg query`` without one does not compile them (see also kg.sparql.bounded).
_LEXICAL: dict[str, tuple[str, str]] = {
    "xsd:integer": (r"[+-]?[0-9]+", "an integer such as 42"),
    "xsd:decimal": (r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)", "a decimal such as 3.5"),
    "xsd:boolean": (r"true|false|1|0", "true or false"),
    "xsd:gYear": (_YEAR + _TZ, "a year such as 2021"),
    "xsd:date": (
        f"(?P<y>{_YEAR})-(?P<m>0[1-9]|1[0-2])-(?P<d>0[1-9]|[12][0-9]|3[01]){_TZ}",
        "a date such as 2021-06-28",
    ),
}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_QUERY_NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_SCHEME_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S+")

# The only query texts kg itself sends to resolve entity parameters. Values are substituted.
_LABEL_PATTERN = (
    "{ ?e rdfs:label ?label BIND(0 AS ?rank) } UNION { ?e skos:prefLabel ?label BIND(0 AS ?rank) } "
    "UNION { ?e skos:altLabel ?label BIND(1 AS ?rank) } FILTER(isIRI(?e))"
)
LABELS_QUERY = f"SELECT DISTINCT ?e ?label ?rank WHERE {{ {_LABEL_PATTERN} }}"
CLASS_LABELS_QUERY = (
    "SELECT DISTINCT ?e ?label ?rank ?class WHERE { ?e rdf:type/rdfs:subClassOf* ?class . "
    f"{_LABEL_PATTERN} }}"
)
# The common case, found by the engine: a label equal to the value but for case. Run before
# reading every label into Python (seconds at a million triples), and trusted only for ASCII
# values, for which the engine's LCASE and Python's casefold agree.
EXACT_LABEL_QUERY = (
    "SELECT DISTINCT ?e ?wanted WHERE { "
    "{ ?e rdfs:label ?label } UNION { ?e skos:prefLabel ?label } UNION { ?e skos:altLabel ?label } "
    "FILTER(isIRI(?e) && LCASE(STR(?label)) = ?wanted) }"
)
EXACT_CLASS_LABEL_QUERY = (
    "SELECT DISTINCT ?e ?wanted ?class WHERE { "
    "{ ?e rdfs:label ?label } UNION { ?e skos:prefLabel ?label } UNION { ?e skos:altLabel ?label } "
    "FILTER(isIRI(?e) && LCASE(STR(?label)) = ?wanted) ?e rdf:type/rdfs:subClassOf* ?class }"
)
EXISTS_QUERY = "ASK { { ?e ?p ?o } UNION { ?s ?p ?e } }"
INSTANCE_QUERY = "ASK { ?e rdf:type/rdfs:subClassOf* ?class }"


class Param(NamedTuple):
    """One ``#+ params:`` entry: ``name: type [class-CURIE] [= default] [; description]`` (a
    NamedTuple, not a dataclass: see :class:`kg.sparql.prepare.DatasetClause`)."""

    name: str
    type: str
    cls: str | None = None  # the class CURIE, as written
    default: str | None = None
    description: str = ""
    line: int = 0

    @property
    def class_iri(self) -> str | None:
        return expand(self.cls) if self.cls else None

    def describe(self) -> str:
        """``forum: entity kg:Initiative = EuroDIG``: the entry without its description."""
        text = f"{self.name}: {self.type}"
        if self.cls:
            text += f" {self.cls}"
        if self.default is not None:
            text += f" = {self.default}"
        return text

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "class": self.cls,
            "default": self.default,
            "description": self.description,
        }


@dataclass(frozen=True)
class CannedQuery:
    """A query of the catalogue: its header and its text (the whole file, unchanged)."""

    name: str
    path: Path
    summary: str
    description: str
    tags: tuple[str, ...]
    competency: tuple[str, ...]
    params: tuple[Param, ...]
    text: str
    prepared: sparql.PreparedQuery | None = field(default=None, compare=False, repr=False)
    scope: str = scopes.DOCUMENTS  # ``#+ scope: all``: the external sources join

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "summary": self.summary,
            "description": self.description,
            "tags": list(self.tags),
            "competency": list(self.competency),
            "params": [p.as_dict() for p in self.params],
            "scope": self.scope,
            "file": self.path.name,
        }


# --- header --------------------------------------------------------------------------------


def _check_literal(type_: str, value: str) -> str | None:
    """None if ``value`` is a lexical form of the type, else what a valid value looks like."""
    if type_ not in _LEXICAL:
        return None
    pattern, example = _LEXICAL[type_]
    m = re.fullmatch(pattern, value)
    if not m:
        return example
    if type_ == "xsd:date":
        year = int(m.group("y"))
        leap_year = 2000 + year % 400  # same leap-year pattern, within datetime's range
        import calendar  # only dates need it; importing it costs ~6 ms of every query

        if int(m.group("d")) > calendar.monthrange(leap_year, int(m.group("m")))[1]:
            return example
    return None


def _parse_param(path: Path, number: int, text: str) -> Param:
    where = f"{path}:{number}"
    m = re.fullmatch(r"([^:\s]+)\s*:\s*(.*)", text)
    if not m:
        raise InputError(
            f"{where}: expected a parameter 'name: type [class] [= default] [; description]'"
        )
    name, rest = m.group(1), m.group(2)
    if not _NAME.fullmatch(name):
        raise InputError(f"{where}: parameter name {name!r} is not a SPARQL variable name")
    rest, _, description = rest.partition(";")
    spec, eq, default = rest.partition("=")
    words = spec.split()
    if not words:
        raise InputError(
            f"{where}: parameter '{name}' has no type (one of: {', '.join(PARAM_TYPES)})"
        )
    type_, extra = words[0], words[1:]
    if type_ not in PARAM_TYPES:
        raise InputError(
            f"{where}: parameter '{name}' has unknown type {type_!r} "
            f"(one of: {', '.join(PARAM_TYPES)})"
        )
    cls = None
    if extra:
        if type_ != "entity" or len(extra) > 1:
            raise InputError(
                f"{where}: parameter '{name}': unexpected {' '.join(extra)!r} "
                "(only an entity parameter takes a class, as one CURIE)"
            )
        cls = extra[0]
        if expand(cls) is None:
            raise InputError(
                f"{where}: parameter '{name}': class {cls!r} is not a CURIE with a known prefix"
            )
    value: str | None = None
    if eq:
        value = default.strip()
        if not value:
            raise InputError(f"{where}: parameter '{name}' has '=' but no default value")
        problem = _check_literal(type_, value)
        if problem:
            raise InputError(f"{where}: default {value!r} of parameter '{name}' is not {problem}")
        if type_ == "iri" and _iri_value(value) is None:
            raise InputError(
                f"{where}: default {value!r} of parameter '{name}' is not an IRI or CURIE"
            )
    return Param(name, type_, cls, value, description.strip(), number)


def _parse_header(path: Path, text: str) -> dict[str, Any]:
    """Read the ``#+`` header (:mod:`kg.sparql.header`) into its fields; raise InputError
    naming file and line."""
    fields: dict[str, Any] = {}
    params: list[Param] = []
    for key, entry in header.read(path, text, HEADER_KEYS).items():
        where = f"{path}:{entry.line}"
        value = entry.value
        if key in ("summary", "description"):
            fields[key] = entry.text()
            continue
        if entry.continuation and key != "params":
            line = entry.continuation[0][1]
            raise InputError(f"{path}:{line}: '{key}' takes one line; no continuation")
        if key == "params":
            if value:
                raise InputError(
                    f"{where}: write each parameter on its own line under '#+ params:'"
                )
            params = [_parse_param(path, number, content) for content, number in entry.continuation]
            fields[key] = True
        elif key == "tags":
            tags = re.fullmatch(r"\[(.*)\]", value)
            if not tags:
                raise InputError(f"{where}: tags must be a list: [tag, tag]")
            fields[key] = tuple(t.strip() for t in tags.group(1).split(",") if t.strip())
        elif key == "competency":
            items = tuple(c.strip() for c in value.split(","))
            if not value or not all(re.fullmatch(r"CQ[0-9]+", c) for c in items):
                raise InputError(f"{where}: competency must name questions like CQ1 (or CQ1, CQ2)")
            fields[key] = items
        elif key == "scope":
            if value not in scopes.SCOPES:
                raise InputError(
                    f"{where}: scope must be one of: {', '.join(scopes.SCOPES)} "
                    f"(documents is the default; all lets the external sources join)"
                )
            fields[key] = value
        else:
            fields[key] = value
    if not fields.get("summary"):
        raise InputError(
            f"{path}:1: the header needs '#+ summary: …' (one line saying what the query answers)"
        )
    seen: set[str] = set()
    for p in params:
        if p.name in seen:
            raise InputError(f"{path}:{p.line}: parameter '{p.name}' is declared twice")
        seen.add(p.name)
    fields["params"] = tuple(params)
    return fields


def _lint(path: Path, prepared: sparql.PreparedQuery, params: tuple[Param, ...]) -> None:
    """Check that the engine can bind each parameter as the header promises."""
    analysis = prepared.analysis
    assert analysis is not None
    for p in params:
        where = f"{path}:{p.line}: parameter '{p.name}'"
        if p.name not in analysis.variables:
            raise InputError(f"{where} is not a variable of the query (no ?{p.name} in it)")
        if (
            prepared.form == "SELECT"
            and prepared.projection is not None
            and p.name not in prepared.projection
        ):
            raise InputError(
                f"{where} must be in the SELECT clause: the engine binds parameters by "
                f"substitution, which Oxigraph applies to projected variables only (add ?{p.name})"
            )
        if p.name in analysis.bound_tested:
            test = "isIRI" if p.type in ("entity", "iri") else "isLiteral"
            raise InputError(
                f"{where} is tested with BOUND(?{p.name}), which Oxigraph evaluates to false for "
                f"a value it substitutes; to test whether the parameter was given write "
                f"COALESCE({test}(?{p.name}), false), to filter on it only when given write "
                f"COALESCE(?x = ?{p.name}, true)"
            )


def load_query(path: Path | str) -> CannedQuery:
    """Read one canned query: header, text, and a check that the query parses and binds.

    Raises:
        InputError: unreadable file, header not in the grammar, malformed query (each names the
            file and line).
    """
    path = Path(path)
    name = path.stem
    if not _QUERY_NAME.fullmatch(name):
        raise InputError(
            f"{path}: query names are lowercase words joined by '-' (<verb>-<object>[-by-<facet>])"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: not UTF-8 text (byte {error.start})") from None
    fields = _parse_header(path, text)
    try:
        prepared = sparql.prepare(text)
    except QuerySyntaxError as error:
        where = f"{path}:{error.line}:{error.column}" if error.line is not None else str(path)
        raise InputError(f"{where}: malformed query: {error.detail}") from None
    except KgError as error:
        raise InputError(f"{path}: {error}") from None
    _lint(path, prepared, fields["params"])
    return CannedQuery(
        name=name,
        path=path,
        summary=fields["summary"],
        description=fields.get("description", ""),
        tags=fields.get("tags", ()),
        competency=fields.get("competency", ()),
        params=fields["params"],
        text=text,
        prepared=prepared,
        scope=fields.get("scope", scopes.DOCUMENTS),
    )


def query_files(folder: Path | str | None = None) -> list[Path]:
    """The ``.rq`` files of the catalogue (not those of ``checks/``), sorted by name."""
    folder = Path(folder) if folder is not None else resources.queries_dir()
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.rq") if p.is_file())


def load_catalogue(folder: Path | str | None = None) -> dict[str, CannedQuery]:
    """Every canned query of the folder (the repository's ``queries/`` by default), by name.
    A missing or empty folder gives an empty catalogue."""
    return {q.name: q for q in (load_query(p) for p in query_files(folder))}


def find_query(name: str, folder: Path | str | None = None) -> CannedQuery:
    """The canned query of that name; UnknownQuery lists the closest names."""
    names = [p.stem for p in query_files(folder)]
    if name in names:
        folder = Path(folder) if folder is not None else resources.queries_dir()
        return load_query(folder / f"{name}.rq")
    import difflib

    close = difflib.get_close_matches(name, names, n=5, cutoff=0.4)
    hint = f"; did you mean: {', '.join(close)}?" if close else "; `kg queries` lists them"
    raise UnknownQuery(f"no canned query named {name!r}{hint}")


def list_queries(folder: Path | str | None = None) -> list[dict[str, Any]]:
    """The catalogue as plain data (name, summary, description, tags, competency, params)."""
    return [q.as_dict() for q in load_catalogue(folder).values()]


# --- parameters ----------------------------------------------------------------------------


def _show(value: str) -> str:
    """A user value quoted for a message: escapes make newlines and quotes visible."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "…"


def _iri_value(value: str) -> NamedNode | None:
    """An IRI written as ``<…>``, as a CURIE with a known prefix, or bare; None otherwise."""
    value = value.strip()
    try:
        if value.startswith("<") and value.endswith(">"):
            return NamedNode(value[1:-1])
        prefix, sep, _ = value.partition(":")
        if sep and prefix in PREFIXES and not value.startswith(f"{prefix}://"):
            iri = expand(value)
            return NamedNode(iri) if iri is not None else None
        if _SCHEME_IRI.fullmatch(value):
            return NamedNode(value)
    except ValueError:
        return None
    return None


def _norm(label: str) -> str:
    return " ".join(label.split()).casefold()


def _ask(store: Store, text: str, scope: str, **terms: Any) -> bool:
    prepared = sparql.prepare(text)
    return bool(sparql.execute(store, prepared, substitutions=terms, scope=scope).raw)


def _labelled(store: Store, class_iri: str | None, scope: str) -> dict[str, list[str]]:
    """Entity IRI → its labels (English first), among instances of the class if given."""
    if class_iri:
        prepared = sparql.prepare(CLASS_LABELS_QUERY)
        raw = sparql.execute(
            store, prepared, substitutions={"class": NamedNode(class_iri)}, scope=scope
        ).raw
    else:
        raw = sparql.execute(store, sparql.prepare(LABELS_QUERY), scope=scope).raw
    assert isinstance(raw, QuerySolutions)  # a SELECT
    labels: dict[str, list[tuple[tuple[int, int], str]]] = {}
    for row in raw:
        label = row["label"]
        rank = (int(row["rank"].value), language_rank(label))
        labels.setdefault(row["e"].value, []).append((rank, label.value))
    return {iri: [text for _, text in sorted(set(items))] for iri, items in labels.items()}


def _exact_label_matches(store: Store, wanted: str, class_iri: str | None, scope: str) -> list[str]:
    """Entities with a label equal to ``wanted`` (already normalised) but for case."""
    terms: dict[str, Any] = {"wanted": Literal(wanted)}
    if class_iri:
        terms["class"] = NamedNode(class_iri)
        text = EXACT_CLASS_LABEL_QUERY
    else:
        text = EXACT_LABEL_QUERY
    raw = sparql.execute(store, sparql.prepare(text), substitutions=terms, scope=scope).raw
    assert isinstance(raw, QuerySolutions)  # a SELECT
    return sorted({row["e"].value for row in raw})


def _candidate(iri: str, labels: Mapping[str, list[str]]) -> str:
    names = labels.get(iri)
    return f"{names[0]} ({curie(iri)})" if names else curie(iri)


def resolve_entity(
    store: Store, param: Param, value: str, scope: str = scopes.DOCUMENTS
) -> NamedNode:
    """The entity an ``entity`` parameter value names (see the module docstring).

    Raises:
        ParameterError: the IRI is not in the graph or not of the class, or the label names
            no entity (close labels are listed) or several (all are listed).
    """
    text = value.strip()
    cls = param.class_iri
    explicit = text.startswith("<") or (text.partition(":")[0] in PREFIXES and ":" in text)
    node = _iri_value(text)
    if explicit and node is None:
        raise ParameterError(f"parameter '{param.name}': {_show(value)} is not a valid IRI")
    if node is not None:
        if _ask(store, EXISTS_QUERY, scope, e=node):
            if cls and not _ask(store, INSTANCE_QUERY, scope, e=node, **{"class": NamedNode(cls)}):
                raise ParameterError(
                    f"parameter '{param.name}': {curie(node.value)} is not a {param.cls}"
                )
            return node
        if explicit:
            raise ParameterError(
                f"parameter '{param.name}': no entity {curie(node.value)} in the graph"
            )
    wanted = _norm(text)
    if wanted.isascii():
        found = _exact_label_matches(store, wanted, cls, scope)
        if len(found) == 1:
            return NamedNode(found[0])
    labels = _labelled(store, cls, scope)
    matches = sorted(iri for iri, names in labels.items() if any(_norm(n) == wanted for n in names))
    kind = param.cls or "entity"
    if len(matches) == 1:
        return NamedNode(matches[0])
    if matches:
        raise ParameterError(
            f"parameter '{param.name}': {_show(value)} names {len(matches)} entities; "
            "give the IRI or CURIE of one",
            [_candidate(iri, labels) for iri in matches],
        )
    by_label: dict[str, str] = {}
    for iri, names in sorted(labels.items()):
        for n in names:
            by_label.setdefault(_norm(n), iri)
    close = [k for k in by_label if wanted and wanted in k]
    import difflib

    close += [
        k
        for k in difflib.get_close_matches(wanted, list(by_label), n=10, cutoff=0.6)
        if k not in close
    ]
    iris = list(dict.fromkeys(by_label[k] for k in close))[:10]
    if not iris and cls:  # nothing close enough: the ten most similar, not the first ten
        iris = sorted(
            labels,
            key=lambda iri: (
                -max(
                    (difflib.SequenceMatcher(None, wanted, _norm(n)).ratio() for n in labels[iri]),
                    default=0.0,
                ),
                iri,
            ),
        )[:10]
    raise ParameterError(
        f"parameter '{param.name}': no {kind} is labelled {_show(value)}",
        [_candidate(iri, labels) for iri in iris],
    )


def to_term(
    store: Store, param: Param, value: str, scope: str = scopes.DOCUMENTS
) -> NamedNode | Literal:
    """The RDF term a parameter value stands for, checked against the parameter's type
    (entities are looked up in ``scope``)."""
    if param.type == "entity":
        return resolve_entity(store, param, value, scope)
    if param.type == "iri":
        node = _iri_value(value)
        if node is None:
            raise ParameterError(
                f"parameter '{param.name}': {_show(value)} is not an IRI (<…>, a CURIE such as "
                "id:DE, or an absolute IRI)"
            )
        return node
    if param.type == "string":
        return Literal(value)
    lexical = value.strip()
    problem = _check_literal(param.type, lexical)
    if problem:
        raise ParameterError(
            f"parameter '{param.name}': {_show(value)} is not a valid {param.type} ({problem})"
        )
    return Literal(lexical, datatype=NamedNode(XSD + param.type.split(":", 1)[1]))


def bind_params(
    store: Store, query: CannedQuery, values: Mapping[str, str], scope: str | None = None
) -> dict[str, Any]:
    """Terms for the query's parameters: given values, else defaults; others stay unbound.
    Entities are looked up in ``scope`` (the query's own when None)."""
    scope = scope or query.scope
    unknown = sorted(set(values) - {p.name for p in query.params})
    if unknown:
        raise ParameterError(
            f"query {query.name} has no parameter {', '.join(repr(u) for u in unknown)}",
            [p.describe() for p in query.params] or ["(it takes no parameters)"],
        )
    terms: dict[str, Any] = {}
    for p in query.params:
        value = values.get(p.name, p.default)
        if value is not None:
            terms[p.name] = to_term(store, p, value, scope)
    return terms


def parse_assignments(items: Iterable[str]) -> dict[str, str]:
    """``["forum=EuroDIG", …]`` (from ``-p``) → ``{"forum": "EuroDIG"}``; the value may hold '='."""
    values: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ParameterError(f"parameter {_show(item)} is not NAME=VALUE")
        if name in values:
            raise ParameterError(f"parameter '{name}' is given twice")
        values[name] = value
    return values


def run_canned(
    store: Store,
    name_or_query: str | CannedQuery,
    params: Mapping[str, str] | None = None,
    *,
    folder: Path | str | None = None,
    scope: str | None = None,
    documents: Documents | None = None,
) -> QueryResult:
    """Run a canned query with parameter values (strings, as a user typed them), in its own
    scope (``#+ scope:``, documents by default) or the wider one asked for, with the quote of
    each passage added (:func:`execute_canned`).

    Raises:
        UnknownQuery, ParameterError, InputError (a query file that is not in the grammar),
        or the errors of :func:`kg.sparql.prepare.execute`.
    """
    query = (
        name_or_query
        if isinstance(name_or_query, CannedQuery)
        else find_query(name_or_query, folder)
    )
    scope = widest(query.scope, scope)
    terms = bind_params(store, query, params or {}, scope)
    return execute_canned(store, query, terms, scope=scope, documents=documents)


def widest(own: str, asked: str | None) -> str:
    """The scope a canned query runs in: its own, widened to ``all`` when that is asked for
    (a query that needs the external sources never runs without them)."""
    if asked is not None:
        scopes.check_scope(asked)
    return scopes.ALL if scopes.ALL in (own, asked) else scopes.DOCUMENTS


def execute_canned(
    store: Store,
    query: CannedQuery,
    terms: Mapping[str, Any],
    *,
    scope: str | None = None,
    documents: Documents | None = None,
) -> QueryResult:
    """Run a canned query with its parameters already bound as terms, and add the quote of
    each passage its answer cites (:mod:`kg.sparql.quotes`: from the local copy of the
    document, never from the SPARQL text, so that a remote store answers the same)."""
    prepared = query.prepared or sparql.prepare(query.text)
    result = sparql.execute(store, prepared, substitutions=terms, scope=widest(query.scope, scope))
    return quotes.add_quotes(store, result, documents)
