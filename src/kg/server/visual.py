"""Result views for people: which of Table, Map, Timeline, Graph and Chart fit a result, and the
plain data each one draws.

The server decides and shapes, the browser only draws (``static/views.js``): what a view shows
is computed here from the result's cells and the graph, so it is tested without a browser and
a page without script still has its table. A view fits when the columns say so:

========  ===========================================================================
Map       a column of countries or territories: IRIs with an ISO 3166 numeric code
          (``kg:isoNumeric``, from linking), matched to the world atlas by that code
Timeline  a start and an end column (years or dates), and a column of things that have
          those periods; grouped by the country column when there is one
Graph     a CONSTRUCT or DESCRIBE result (subjects and IRI objects as nodes)
Chart     a number column and at most two other columns (a thing and its label)
========  ===========================================================================

Every spec is JSON (it is written into the page, see ``macros.html``), and every link in it
comes from :func:`kg.server.views.href_for`, as in the tables.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

import pycountry
from pyoxigraph import Literal, NamedNode, Store

from kg.namespaces import KG, PREFIXES
from kg.server.views import Cell, Table, href_for
from kg.sparql import prepare as sparql

XSD = PREFIXES["xsd"]
RDF_TYPE = PREFIXES["rdf"] + "type"
RDF_TYPE_NODE = NamedNode(RDF_TYPE)
COUNTRY = NamedNode(KG + "Country")
ISO_NUMERIC = NamedNode(KG + "isoNumeric")
ISO_ALPHA2 = NamedNode(KG + "isoAlpha2")
GEONAMES = "https://sws.geonames.org/"
SHARES_BORDER = NamedNode(KG + "sharesLandBorderWith")

NUMBER_TYPES = frozenset(
    XSD + t
    for t in (
        "integer",
        "decimal",
        "double",
        "float",
        "int",
        "long",
        "short",
        "nonNegativeInteger",
        "positiveInteger",
    )
)
YEAR_TYPES = frozenset(XSD + t for t in ("gYear", "date", "dateTime", "gYearMonth"))
TEXT_TYPES = frozenset({XSD + "string", PREFIXES["rdf"] + "langString"})
_TYPED = re.compile(r'^".*"\^\^<([^>]*)>$', re.DOTALL)
_TAGGED = re.compile(r'"@[A-Za-z0-9-]+$')
_START = re.compile(r"start|from|begin|since", re.IGNORECASE)
_ADOPTED = re.compile(r"adopt|issued|published", re.IGNORECASE)
_END = re.compile(r"end|until|^to$", re.IGNORECASE)
_YEAR_NAME = re.compile(r"year|^from$|^until$|^to$", re.IGNORECASE)
_LEADING_YEAR = re.compile(r"^(-?\d{4})")

MAP_LIMIT = 500  # countries a map colours
TIMELINE_LIMIT = 300  # bars a timeline draws
GRAPH_NODES = 250  # nodes a graph draws
CHART_LIMIT = 100  # bars a chart draws
CATEGORIES = 8  # distinct values a map colours by, at most


def datatype(c: Cell | None) -> str | None:
    """A literal cell's datatype IRI (xsd:string for a plain literal), None for other cells."""
    if c is None or c.kind != "literal":
        return None
    match = _TYPED.match(c.value)
    if match:
        return match.group(1)
    return PREFIXES["rdf"] + "langString" if _TAGGED.search(c.value) else XSD + "string"


def number(c: Cell | None) -> float | None:
    """The value of a numeric literal, None for anything else."""
    if datatype(c) not in NUMBER_TYPES:
        return None
    assert c is not None
    try:
        return float(c.text)
    except ValueError:
        return None


def year(c: Cell | None, column: str) -> int | None:
    """The year a cell gives: a gYear, date or dateTime; an integer only in a column named
    for years (``startYear``, ``from``), so character offsets never become years."""
    kind = datatype(c)
    if c is None or kind is None:
        return None
    if kind in YEAR_TYPES:
        match = _LEADING_YEAR.match(c.text)
        return int(match.group(1)) if match else None
    if kind in NUMBER_TYPES and _YEAR_NAME.search(column):
        try:
            return int(float(c.text))
        except ValueError:
            return None
    return None


def _link(c: Cell) -> dict[str, Any]:
    item: dict[str, Any] = {"label": c.text, "iri": c.value}
    if c.href:
        item["href"] = c.href
    return item


def _columns(table: Table) -> list[list[Cell | None]]:
    return [[row[i] for row in table.rows] for i in range(len(table.columns))]


def _iri_column(values: Sequence[Cell | None]) -> bool:
    bound = [v for v in values if v is not None]
    return bool(bound) and all(v.kind == "iri" for v in bound)


def country_codes(store: Store, iris: Iterable[str]) -> dict[str, str]:
    """The ISO 3166 numeric code of each IRI that has one: how the map finds a row's shape in
    the atlas. Taken from the graph when linking gave the node its codes (``kg:isoNumeric``,
    from the Publications Office table; else ``kg:isoAlpha2`` looked up in pycountry), and for
    the places linking only names (a GeoNames neighbour with an English label) from pycountry
    by that name; a place ISO 3166 does not list (Kosovo) has none, and the map says so."""
    codes: dict[str, str] = {}
    for iri in set(iris):
        try:
            node = NamedNode(iri)
        except ValueError:
            continue
        code = _literal(store, node, ISO_NUMERIC)
        if code is None:
            alpha2 = _literal(store, node, ISO_ALPHA2)
            record = pycountry.countries.get(alpha_2=alpha2) if alpha2 else None
            code = record.numeric if record is not None else None
        if code is None and (_is_place(store, node) or iri.startswith(GEONAMES)):
            label = _label(store, iri)
            code = iso_numeric_of_name(label) if label else None
        if code is not None:
            codes[iri] = code
    return codes


def _literal(store: Store, node: NamedNode, predicate: NamedNode) -> str | None:
    for quad in store.quads_for_pattern(node, predicate, None, None):
        if isinstance(quad.object, Literal):
            return quad.object.value
    return None


def _is_place(store: Store, node: NamedNode) -> bool:
    return any(True for _ in store.quads_for_pattern(node, RDF_TYPE_NODE, COUNTRY, None))


def _name_forms(name: str) -> set[str]:
    """A pycountry name and its parts without the qualifier ISO adds ("Bolivia,
    Plurinational State of" is also "Bolivia")."""
    forms = {name}
    forms.update(part.strip() for part in re.split(r",|\(|\)", name) if part.strip())
    return {f.casefold() for f in forms}


@cache
def iso_numeric_of_name(name: str) -> str | None:
    """The ISO 3166 numeric code of the one country pycountry names ``name`` (its name,
    official or common name, or one of them without its qualifier), None when none or several
    do: a guess would draw the wrong country."""
    try:
        return str(pycountry.countries.lookup(name).numeric)
    except LookupError:
        pass
    found = _countries_by_name_form().get(name.casefold(), set())
    return next(iter(found)) if len(found) == 1 else None


@cache
def _countries_by_name_form() -> dict[str, set[str]]:
    """Every name form of every pycountry country (:func:`_name_forms` of its name, official
    and common name) → the numeric codes of the countries it names: built once, so that a
    table of a few hundred unknown place names is not a scan of every country per name (at 1M
    triples, 4 s of a canned page)."""
    index: dict[str, set[str]] = {}
    for c in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            for form in _name_forms(getattr(c, attr, "") or ""):
                index.setdefault(form, set()).add(c.numeric)
    return index


def table_iris(table: Table) -> set[str]:
    return {c.value for row in table.rows for c in row if c is not None and c.kind == "iri"}


# --- the views of a result -----------------------------------------------------------------


def result_views(table: Table, codes: dict[str, str], params: Sequence[str] = ()) -> dict[str, Any]:
    """Which views fit ``table`` and what each draws: ``{"views": [...], "default": name,
    name: spec}``. ``codes``: the ISO numeric codes of the table's IRIs (:func:`country_codes`);
    ``params``: the columns that hold the query's parameters (a canned query projects them),
    which are the context of the answer, not what its rows are about."""
    specs: dict[str, Any] = {}
    skipped: list[str] = []  # views that fit but are not drawn, and why
    if table.boolean is None and table.rows:
        if table.form in ("CONSTRUCT", "DESCRIBE") or table.columns == (
            "subject",
            "predicate",
            "object",
        ):
            graph = triples_graph(table)
            if graph["nodes"]:
                specs["graph"] = graph
        else:
            for name, build in (("timeline", timeline_spec), ("map", map_spec)):
                spec = build(table, codes, params)
                if spec is not None and "skipped" in spec:
                    skipped.append(spec["skipped"])
                elif spec is not None:
                    specs[name] = spec
            chart = chart_spec(table)
            if chart is not None:
                specs["chart"] = chart
    order = [v for v in ("graph", "timeline", "map", "chart") if v in specs]
    views = {"views": ["table", *order], "default": order[0] if order else "table", **specs}
    if skipped:
        views["skipped"] = skipped
    return views


def _distinct(values: Sequence[Cell | None]) -> int:
    return len({v.value for v in values if v is not None})


def _place_columns(table: Table, codes: dict[str, str]) -> list[int]:
    """The columns of countries and territories: IRI columns most of whose values have an ISO
    code (the others are places ISO 3166 does not list, or that the graph cannot name)."""
    found = []
    for i, values in enumerate(_columns(table)):
        if not _iri_column(values):
            continue
        distinct = {v.value for v in values if v is not None}
        if 2 * sum(1 for v in distinct if v in codes) > len(distinct):
            found.append(i)
    return found


def _subject_column(table: Table, candidates: Sequence[int], params: Sequence[str]) -> int | None:
    """Of ``candidates``, the column the rows are about: not a parameter's column (the
    neighbours of the country asked for, not the country; a result whose only places are the
    one asked for is about something else and has no map), and of the rest the one with the
    most distinct values (a constant column is context too)."""
    columns = _columns(table)
    free = [i for i in candidates if table.columns[i] not in params]
    if not free:  # only the place asked for: the rows are about something else
        return None
    return max(free, key=lambda i: (_distinct(columns[i]), -i))


def map_spec(
    table: Table, codes: dict[str, str], params: Sequence[str] = ()
) -> dict[str, Any] | None:
    """The places the rows are about (:func:`_subject_column`), coloured by the first number
    column (summed per place), else by a column of few distinct values (one swatch per value),
    else by their count of rows; the other place columns (a parameter) outlined, and the places
    without an ISO code listed as not drawn."""
    places = _place_columns(table, codes)
    where = _subject_column(table, places, params)
    if where is None:
        return None
    columns = _columns(table)
    numeric = [
        i
        for i, values in enumerate(columns)
        if i != where
        and any(v is not None for v in values)
        and all(number(v) is not None for v in values if v is not None)
        and not _START.search(table.columns[i])
        and not _END.search(table.columns[i])
    ]
    countries: dict[str, dict[str, Any]] = {}
    missing: dict[str, dict[str, Any]] = {}
    for row in table.rows:
        place = row[where]
        if place is None:
            continue
        if place.value not in codes:
            entry = missing.setdefault(place.value, {**_link(place), "rows": 0})
            entry["rows"] += 1
            continue
        entry = countries.setdefault(
            place.value, {**_link(place), "code": codes[place.value], "rows": 0}
        )
        entry["rows"] += 1
    if not countries:
        return None
    if len(countries) > MAP_LIMIT:
        return {
            "skipped": f"no map: {len(countries):,} places, more than the {MAP_LIMIT} a map draws"
        }
    spec: dict[str, Any] = {"column": table.columns[where]}
    if numeric:
        by = numeric[0]
        spec["colour"] = {"kind": "number", "column": table.columns[by]}
        totals: dict[str, float] = {}
        for row in table.rows:
            place, value = row[where], number(row[by])
            if place is not None and value is not None:
                totals[place.value] = totals.get(place.value, 0) + value
        for iri, entry in countries.items():
            entry["value"] = totals.get(iri)
    else:
        category = _category_column(table, where, columns) if len(countries) > 1 else None
        if category is not None:
            spec["colour"] = {"kind": "category", "column": table.columns[category]}
            for iri, entry in countries.items():
                found = sorted(
                    {
                        row[category].text  # type: ignore[union-attr]
                        for row in table.rows
                        if row[where] is not None
                        and row[where].value == iri  # type: ignore[union-attr]
                        and row[category] is not None
                    }
                )
                entry["categories"] = found or ["(none)"]
        else:
            spec["colour"] = {"kind": "rows", "column": "rows"}
            for entry in countries.values():
                entry["value"] = entry["rows"]
    spec["items"] = sorted(countries.values(), key=lambda e: e["label"].casefold())
    context: dict[str, dict[str, Any]] = {}
    for i in places:
        if i == where:
            continue
        for other in columns[i]:
            if other is not None and other.value in codes and other.value not in countries:
                context.setdefault(
                    other.value,
                    {**_link(other), "code": codes[other.value], "column": table.columns[i]},
                )
    if context:
        spec["context"] = sorted(context.values(), key=lambda e: e["label"].casefold())
    if missing:
        spec["notDrawn"] = [
            {**entry, "reason": "no ISO 3166 code in the graph or in pycountry"}
            for entry in sorted(missing.values(), key=lambda e: e["label"].casefold())
        ]
    return spec


def _category_column(table: Table, where: int, columns: list[list[Cell | None]]) -> int | None:
    """A literal column (not the place's own label) that groups the rows: a few distinct
    values, fewer than the rows, and not one value per place (a name or the
    place's profile is not a grouping)."""
    places: dict[str, set[str]] = {}
    for i, values in enumerate(columns):
        if i == where or table.columns[i].lower().startswith(table.columns[where].lower()):
            continue
        bound = [v for v in values if v is not None]
        if not bound or any(datatype(v) not in TEXT_TYPES for v in bound):
            continue
        distinct = len({v.text for v in bound})
        if not 1 < distinct <= CATEGORIES or distinct >= len(table.rows):
            continue
        places = {}
        for row in table.rows:
            if row[where] is not None and row[i] is not None:
                places.setdefault(row[i].text, set()).add(row[where].value)  # type: ignore[union-attr]
        if all(len(v) == 1 for v in places.values()) and len(places) == len(
            {p for v in places.values() for p in v}
        ):
            continue  # one value per place and a place per value: a name, not a grouping
        return i
    return None


def _period_columns(table: Table) -> tuple[int, int, int | None] | None:
    """(start, end, fallback): the start and end columns, and a date of adoption that stands
    for the start when a row has none (a strategy adopted in 2020 is in force from then)."""
    columns = _columns(table)
    dated = [
        i
        for i, values in enumerate(columns)
        if any(v is not None for v in values)
        and all(year(v, table.columns[i]) is not None for v in values if v is not None)
    ]
    starts = [i for i in dated if _START.search(table.columns[i])]
    ends = [i for i in dated if _END.search(table.columns[i])]
    adopted = [i for i in dated if _ADOPTED.search(table.columns[i])]
    if not starts or not ends:
        return None
    return starts[0], ends[0], adopted[0] if adopted else None


def _item_column(
    table: Table, period: Sequence[int], exclude: Sequence[int], params: Sequence[str]
) -> int | None:
    """The column of the things that have the periods: an IRI column (not a parameter's) on
    whose value the period depends, with the fewest distinct values (the strategy, not the
    passage that states it); else the IRI column with the most."""
    columns = _columns(table)
    candidates = [
        i
        for i, values in enumerate(columns)
        if i not in exclude and table.columns[i] not in params and _iri_column(values)
    ]
    if not candidates:
        return None

    def determines(i: int) -> bool:
        seen: dict[str, tuple[str | None, ...]] = {}
        for row in table.rows:
            key = row[i]
            if key is None:
                continue
            period_of = tuple(None if row[p] is None else row[p].value for p in period)  # type: ignore[union-attr]
            if seen.setdefault(key.value, period_of) != period_of:
                return False
        return True

    keyed = [i for i in candidates if determines(i) and _distinct(columns[i]) > 1]
    if keyed:
        return min(keyed, key=lambda i: (_distinct(columns[i]), i))
    return max(candidates, key=lambda i: (_distinct(columns[i]), -i))


def timeline_spec(
    table: Table, codes: dict[str, str], params: Sequence[str] = ()
) -> dict[str, Any] | None:
    """One bar per thing of the result across its period (:func:`_item_column`: two
    strategies of one topic are two bars), open-ended when it has a start and no end, grouped
    by a place column when there is one; things with no known start are listed apart."""
    period = _period_columns(table)
    if period is None:
        return None
    start_at, end_at, adopted_at = period
    places = _place_columns(table, codes)
    group_at = places[0] if places else None
    used = [p for p in period if p is not None]
    item_at = _item_column(table, used, [g for g in (group_at,) if g is not None], params)
    if item_at is None and group_at is not None:
        item_at, group_at = _item_column(table, used, [], params), None
    if item_at is None:
        return None
    items: dict[str, dict[str, Any]] = {}
    for row in table.rows:
        thing = row[item_at]
        if thing is None:
            continue
        entry = items.get(thing.value)
        if entry is None:
            group = row[group_at] if group_at is not None else None
            entry = {
                **_link(thing),
                "group": group.value if group is not None else "",
                "start": None,
                "end": None,
            }
            items[thing.value] = entry
            if group is not None:
                entry["groupLabel"] = group.text
                if group.href:
                    entry["groupHref"] = group.href
        start = year(row[start_at], table.columns[start_at])
        if start is None and adopted_at is not None:
            start = year(row[adopted_at], table.columns[adopted_at])
        end = year(row[end_at], table.columns[end_at])
        if start is not None and (entry["start"] is None or start < entry["start"]):
            entry["start"] = start
        if end is not None and (entry["end"] is None or end > entry["end"]):
            entry["end"] = end
    spec = _timeline(items.values(), table.columns[start_at], table.columns[end_at])
    if spec is not None and "skipped" not in spec:
        spec["column"] = table.columns[item_at]
    return spec


def _timeline(items: Iterable[dict[str, Any]], start: str, end: str) -> dict[str, Any] | None:
    dated = [i for i in items if i["start"] is not None]
    undated = [i for i in items if i["start"] is None]
    if not dated:
        return None
    if len(dated) > TIMELINE_LIMIT:
        return {
            "skipped": f"no timeline: {len(dated):,} dated things, more than the "
            f"{TIMELINE_LIMIT} a timeline draws"
        }
    groups: dict[str, dict[str, Any]] = {}
    for item in sorted(dated, key=lambda i: (i["start"], i["label"].casefold())):
        group = groups.setdefault(
            item["group"],
            {
                "iri": item["group"],
                "label": item.get("groupLabel", ""),
                "href": item.get("groupHref"),
                "items": [],
            },
        )
        group["items"].append(
            {
                k: item[k]
                for k in ("label", "iri", "href", "start", "end")
                if k in item and item[k] is not None
            }
        )
    ends = [i["end"] for i in dated if i["end"] is not None]
    return {
        "start": start,
        "end": end,
        "from": min(i["start"] for i in dated),
        "until": max([*ends, *(i["start"] for i in dated)]),
        "groups": sorted(groups.values(), key=lambda g: g["label"].casefold()),
        "undated": [_short(i) for i in undated],
    }


def _short(item: dict[str, Any]) -> dict[str, Any]:
    return {k: item[k] for k in ("label", "iri", "href") if item.get(k) is not None}


def chart_spec(table: Table) -> dict[str, Any] | None:
    """A bar per row: a label-and-number result (a number column and at most two others —
    a thing and its label)."""
    columns = _columns(table)
    numeric = [
        i
        for i, values in enumerate(columns)
        if any(v is not None for v in values)
        and all(number(v) is not None for v in values if v is not None)
        and year(next(v for v in values if v is not None), table.columns[i]) is None
    ]
    others = [i for i in range(len(columns)) if i not in numeric]
    if not numeric or not others or len(others) > 2 or len(table.rows) > CHART_LIMIT:
        return None
    value_at = numeric[0]
    link_at = next((i for i in others if _iri_column(columns[i])), None)
    text_at = next((i for i in others if i != link_at), link_at)
    bars = []
    dropped = 0
    for row in table.rows:
        value = number(row[value_at])
        label = row[text_at] if text_at is not None else None
        if value is None or label is None:
            dropped += 1
            continue
        bar: dict[str, Any] = {"label": label.text, "value": value}
        thing = row[link_at] if link_at is not None else None
        if thing is not None and thing.href:
            bar["href"] = thing.href
        bars.append(bar)
    if not bars:
        return None
    spec: dict[str, Any] = {"column": table.columns[value_at], "bars": bars}
    if dropped:
        spec["notDrawn"] = f"{dropped} of {len(table.rows)} rows not drawn: no number or no label"
    return spec


# --- graphs --------------------------------------------------------------------------------


class _GraphBuilder:
    """Nodes and edges, each node once, capped at GRAPH_NODES."""

    def __init__(self) -> None:
        self.nodes: dict[str, dict[str, Any]] = {}
        self.edges: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.truncated = False

    def node(self, c: Cell, role: str = "") -> str | None:
        if c.value not in self.nodes:
            if len(self.nodes) >= GRAPH_NODES:
                self.truncated = True
                return None
            node: dict[str, Any] = {"id": c.value, "label": c.text, "kind": c.kind}
            if c.href:
                node["href"] = c.href
            if role:
                node["role"] = role
            self.nodes[c.value] = node
        return c.value

    def edge(self, source: Cell, predicate: Cell, target: Cell, through: str = "") -> None:
        """``through``: the intermediate node this edge stands for (collapsed)."""
        a, b = self.node(source), self.node(target)
        if a is None or b is None:
            return
        key = (a, predicate.text if through else predicate.value, b)
        edge = {"source": a, "target": b, "label": predicate.text, "iri": predicate.value}
        if through:
            edge["through"] = through
        self.edges.setdefault(key, edge)

    def spec(self) -> dict[str, Any]:
        return {
            "nodes": list(self.nodes.values()),
            "edges": list(self.edges.values()),
            "truncated": self.truncated,
        }


def triples_graph(table: Table) -> dict[str, Any]:
    """A CONSTRUCT/DESCRIBE result as nodes (subjects, IRI and blank-node objects) and edges;
    rdf:type becomes the node's types, literals its details, so the drawing stays readable."""
    builder = _GraphBuilder()
    types: dict[str, list[str]] = {}
    details: dict[str, list[str]] = {}
    for row in table.rows:
        subject, predicate, value = row[0], row[1], row[2]
        if subject is None or predicate is None or value is None:
            continue
        if predicate.value == RDF_TYPE and value.kind == "iri":
            builder.node(subject)
            types.setdefault(subject.value, []).append(value.text)
        elif value.kind in ("iri", "bnode"):
            builder.edge(subject, predicate, value)
        else:
            builder.node(subject)
            details.setdefault(subject.value, []).append(f"{predicate.text}: {value.text}")
    for node in builder.nodes.values():
        if node["id"] in types:
            node["types"] = types[node["id"]]
        if node["id"] in details:
            node["details"] = details[node["id"]][:6]
    return builder.spec()


def neighbourhood(description: Any) -> dict[str, Any]:
    """An entity's neighbourhood from its page's description (:class:`kg.server.ld.Description`):
    what it links to and what links to it. The unlabelled intermediate node of an n-ary
    relation (a participation, whose forum is the point) is collapsed into one labelled edge
    ("participates · forum") to what it leads to, so a country's graph shows forums and
    organisations, not codes of participations; an intermediate node that leads nowhere stays."""
    builder = _GraphBuilder()
    centre = Cell("iri", description.label or description.curie, description.iri)
    builder.node(centre, "centre")

    def through(start: Cell, s: Any, outgoing: bool) -> None:
        onward = [n for n in s.nested if n.value.kind == "iri" and n.predicate.value != RDF_TYPE]
        if not onward or s.value.kind not in ("iri", "bnode") or not _intermediate(s.value):
            if outgoing:
                builder.edge(start, s.predicate, s.value)
            else:
                builder.edge(s.value, s.predicate, start)
            for n in onward:
                builder.edge(s.value, n.predicate, n.value)
            return
        for n in onward:
            label = f"{s.predicate.text} · {n.predicate.text}"
            via = Cell("iri", label, s.predicate.value)
            if outgoing:
                builder.edge(start, via, n.value, through=s.value.value)
            else:
                builder.edge(n.value, via, start, through=s.value.value)

    for s in description.statements:
        if s.predicate.value == RDF_TYPE or s.value.kind not in ("iri", "bnode"):
            continue
        through(centre, s, True)
    for s in description.incoming:
        through(centre, s, False)
    return builder.spec()


def _intermediate(c: Cell) -> bool:
    """A node with no name of its own: a blank node, or an IRI shown by its CURIE (no label)."""
    return c.kind == "bnode" or c.note is None


# --- entity pages --------------------------------------------------------------------------

STRATEGIES = """
SELECT ?country ?strategy ?label ?startYear ?endYear ?adoptionDate WHERE {
  ?strategy a kg:StrategyDocument ;
      kg:jurisdiction ?country ;
      rdfs:label ?label .
  FILTER(LANGMATCHES(LANG(?label), "en"))
  OPTIONAL { ?strategy kg:startYear ?startYear }
  OPTIONAL { ?strategy kg:endYear ?endYear }
  OPTIONAL { ?strategy kg:adoptionDate ?adoptionDate }
}
"""


def entity_views(store: Store, description: Any) -> dict[str, Any]:
    """What a country's page draws besides its tables: the country (and the countries it
    shares a land border with) on the map, and its strategies across their periods; and for
    every entity its neighbourhood as a graph."""
    specs: dict[str, Any] = {}
    iri = description.iri
    codes = country_codes(store, [iri])
    if iri in codes:
        neighbours = [
            q.object.value
            for q in store.quads_for_pattern(NamedNode(iri), SHARES_BORDER, None, None)
            if isinstance(q.object, NamedNode)
        ]
        codes.update(country_codes(store, neighbours))
        label = description.label or description.curie
        items = [{"label": label, "iri": iri, "code": codes[iri], "categories": ["this country"]}]
        missing = []
        for other in sorted(set(neighbours)):
            other_label = _label(store, other) or other
            item: dict[str, Any] = {"label": other_label, "iri": other}
            href = href_for(other)
            if href:
                item["href"] = href
            if other in codes:
                items.append({**item, "code": codes[other], "categories": ["shares a land border"]})
            else:
                missing.append({**item, "reason": "no ISO 3166 code in the graph or in pycountry"})
        specs["map"] = {
            "column": "country",
            "colour": {"kind": "category", "column": "relation"},
            "items": items,
            "focus": codes[iri],
        }
        if missing:
            specs["map"]["notDrawn"] = sorted(missing, key=lambda e: e["label"].casefold())
        rows = sparql.execute(
            store, sparql.prepare(STRATEGIES), substitutions={"country": NamedNode(iri)}
        ).raw
        things: dict[str, dict[str, Any]] = {}
        for row in rows:  # type: ignore[union-attr]
            strategy = row["strategy"].value
            start = _year_of(row["startYear"]) or _year_of(row["adoptionDate"])
            end = _year_of(row["endYear"])
            entry = things.setdefault(
                strategy,
                {
                    "label": row["label"].value,
                    "iri": strategy,
                    "group": "",
                    "start": None,
                    "end": None,
                },
            )
            href = href_for(strategy)
            if href:
                entry["href"] = href
            if start is not None and (entry["start"] is None or start < entry["start"]):
                entry["start"] = start
            if end is not None and (entry["end"] is None or end > entry["end"]):
                entry["end"] = end
        timeline = _timeline(things.values(), "startYear", "endYear")
        if timeline is not None:
            specs["timeline"] = timeline
    graph = neighbourhood(description)
    if len(graph["nodes"]) > 1:
        specs["graph"] = graph
    return specs


def _year_of(term: Any) -> int | None:
    if not isinstance(term, Literal):
        return None
    match = _LEADING_YEAR.match(term.value)
    return int(match.group(1)) if match else None


def _label(store: Store, iri: str) -> str | None:
    for quad in store.quads_for_pattern(
        NamedNode(iri), NamedNode(PREFIXES["rdfs"] + "label"), None
    ):
        if isinstance(quad.object, Literal) and quad.object.language in ("en", ""):
            return quad.object.value
    return None


def table_views(store: Store, table: Table, params: Sequence[str] = ()) -> dict[str, Any]:
    """:func:`result_views` with the codes of the table's countries read from ``store``."""
    return result_views(table, country_codes(store, table_iris(table)), params)
