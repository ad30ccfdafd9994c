"""HTML pages for people, rendered on the server from the templates shipped in this package.

Jinja2 with autoescaping on for every template: every value that comes from the data, a query
or a request is escaped where it is written, so no label, literal, IRI or parameter can become
markup (``tests/test_server_pages.py`` feeds hostile values through every page). Links are
only made from IRIs of our namespace (a path of this server) or http(s) IRIs
(:func:`kg.server.views.href_for`); a ``javascript:`` IRI stays text. The pages need no script
and no asset from elsewhere: one stylesheet and one small script (keyboard shortcut in the
query editor) under ``/static/``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from kg import __version__
from kg.export import writers as export
from kg.namespaces import BASE, KG, PREFIXES, curie
from kg.server.ld import Description
from kg.server.ontodoc import OntologyDoc
from kg.server.overview import Overview
from kg.server.problems import Problem
from kg.server.views import PAGE_ROWS, Table, columns_of
from kg.sparql.catalogue import CannedQuery

DEFAULT_QUERY = """SELECT ?country ?label WHERE {
  ?country a kg:Country ;
      rdfs:label ?label .
  FILTER(LANG(?label) = "en")
}
ORDER BY ?label"""


@dataclass(frozen=True)
class Context:
    """What every page needs to know about the server."""

    base: str
    queries: Sequence[CannedQuery]
    timeout: float
    row_limit: int
    style_nonce: str | None = None  # the editor page's CSP nonce for CodeMirror's styles


def _anchor(iri: str) -> str:
    """The id of an ontology term's entry on the ontology page (its local name)."""
    return iri[len(KG) :] if iri.startswith(KG) else quote(iri, safe="")


def _editor_link(text: str) -> str:
    return "/editor?" + urlencode({"query": text})


_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)
_COMMENT = re.compile(r"#[^\n]*")


def bound_text(query: CannedQuery, table: Table | None, values: dict[str, str | None]) -> str:
    """The canned query's text for the editor with the parameter values the answer was
    computed with, as a ``VALUES`` row at the start of its WHERE group (what the engine's
    initial bindings do). The terms come from the answer itself — a canned query projects its
    parameters — written as RDF terms (an IRI in <>, a literal in N-Triples form), never the
    text a person typed; a parameter whose answer has no single value stays unbound. The row
    goes into every WHERE group, subqueries' too (they do not see the outer bindings)."""
    text = query.text
    if table is None or not table.count:
        return text
    bound: list[tuple[str, str]] = []
    for p in query.params:
        if p.name not in table.columns:
            continue
        terms = table.distinct(p.name)
        if len(terms) != 1 or None in terms or not (values.get(p.name) or p.default):
            continue
        (term,) = terms
        assert term is not None
        if term.kind == "iri":
            bound.append((p.name, f"<{term.value}>"))
        elif term.kind == "literal":
            bound.append((p.name, term.value))
    masked = _COMMENT.sub(lambda m: " " * len(m.group(0)), text)
    wheres = [m.end() for m in _WHERE.finditer(masked)]
    if not bound or not wheres:
        return text
    names = " ".join(f"?{name}" for name, _ in bound)
    row = " ".join(term for _, term in bound)
    line = f"\n  VALUES ({names}) {{ ({row}) }}  # the parameters of the canned page"
    # in every WHERE group: a subquery is evaluated first, and sees only what it binds itself
    for at in reversed(wheres):
        text = text[:at] + line + text[at:]
    return text


def _instances_query(class_iri: str) -> str:
    return (
        "SELECT ?thing ?label WHERE {\n"
        f"  ?thing a <{class_iri}> .\n"
        '  OPTIONAL { ?thing rdfs:label ?label FILTER(LANG(?label) = "en") }\n'
        "}\nORDER BY ?label ?thing"
    )


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("kg.server", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        version=__version__,
        base_iri=BASE,
        prefixes=PREFIXES,
        curie=curie,
        anchor=_anchor,
        editor_link=_editor_link,
        instances_query=_instances_query,
        export_formats=export.FORMATS,
        columns_of=columns_of,
        bound_text=bound_text,
        page_rows=PAGE_ROWS,
    )
    return env


def compile_templates() -> None:
    """Compile every page template now (Jinja compiles one on its first use: tens of
    milliseconds each, which the first request of a page would otherwise wait for)."""
    env = environment()
    for name in env.list_templates(extensions=["html"]):
        env.get_template(name)


def _render(template: str, context: Context, **values: Any) -> str:
    return environment().get_template(template).render(ctx=context, **values)


def home(context: Context, overview: Overview) -> str:
    return _render("home.html", context, overview=overview)


def catalogue(context: Context) -> str:
    return _render("catalogue.html", context)


def canned(
    context: Context,
    query: CannedQuery,
    values: dict[str, str | None],
    *,
    table: Table | None = None,
    downloads: Sequence[tuple[str, str]] = (),
    problem: Problem | None = None,
    views: dict[str, Any] | None = None,
    rows_url: str | None = None,
    vocabulary: Sequence[dict[str, Any]] = (),
    paging: Any = None,
    views_url: str | None = None,
) -> str:
    """``rows_url``: where the page's table finds all the rows as JSON (it renders one page of
    them: the first :data:`~kg.server.views.PAGE_ROWS`, or the page ``paging`` says,
    ``kg.server.app.Paging``); ``views_url``: where the page's script finds the answer's views
    (given instead of ``views``: they are made from all the rows); ``vocabulary``: the
    editor's completions, whose entities suggest values for the entity parameters
    (:func:`suggestions`)."""
    return _render(
        "canned.html",
        context,
        query=query,
        values=values,
        table=table,
        downloads=downloads,
        problem=problem,
        views=views,
        rows_url=rows_url,
        paging=paging,
        views_url=views_url,
        suggestions=suggestions(query, vocabulary),
    )


def suggestions(
    query: CannedQuery, vocabulary: Sequence[dict[str, Any]]
) -> dict[str, list[tuple[str, str]]]:
    """Per entity parameter, (label, CURIE) of the entities of its class (of any class when
    the parameter names none), by label: what its field suggests as one types."""
    out: dict[str, list[tuple[str, str]]] = {}
    for p in query.params:
        if p.type != "entity":
            continue
        found = {
            (item["detail"], item["label"])
            for item in vocabulary
            if item.get("type") in ("entity", "concept")
            and item.get("detail")
            and (p.cls is None or p.cls in item.get("classes", ()))
        }
        out[p.name] = sorted(found, key=lambda pair: (pair[0].casefold(), pair[1]))
    return out


def editor(
    context: Context,
    text: str | None = None,
    *,
    table: Table | None = None,
    downloads: Sequence[tuple[str, str]] = (),
    problem: Problem | None = None,
    views: dict[str, Any] | None = None,
    vocabulary: Sequence[dict[str, str]] = (),
    rows_url: str | None = None,
) -> str:
    """``vocabulary``: the prefixes, classes and properties the editor completes
    (:func:`kg.server.ontodoc.vocabulary`)."""
    return _render(
        "editor.html",
        context,
        text=text if text is not None else DEFAULT_QUERY,
        ran=text is not None,
        table=table,
        downloads=downloads,
        problem=problem,
        views=views,
        vocabulary=list(vocabulary),
        rows_url=rows_url,
        prefixes_text="".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items()),
    )


def entity(
    context: Context,
    description: Description,
    alternates: Sequence[tuple[str, str]],
    views: dict[str, Any] | None = None,
) -> str:
    """``views``: the entity's map, timeline and neighbourhood (:func:`visual.entity_views`)."""
    sources = {s.number: s for s in description.sources}
    return _render(
        "entity.html",
        context,
        d=description,
        alternates=alternates,
        views=views or {},
        sources=sources,
    )


def ontology(context: Context, doc: OntologyDoc, alternates: Sequence[tuple[str, str]]) -> str:
    return _render("ontology.html", context, doc=doc, alternates=alternates)


def problem(context: Context, problem: Problem) -> str:
    return _render("problem.html", context, problem=problem)
