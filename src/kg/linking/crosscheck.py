"""``kg link --check``: the documents' facts against the external sources', fact by fact.

Each finding is one fact — a code, a name, a capital, an EU relation, a border, a count of land
neighbours — with a status:

* ``agree`` — both say the same (for a border: GeoNames lists the pair as land neighbours,
  directly or through a territory of one of them, e.g. France–Brazil through French Guiana);
* ``disagree`` — both speak and differ (a land border GeoNames does not list, a different
  capital);
* ``only-documents`` — the documents state it, the source cannot confirm or deny it (a maritime
  border, or a border of unstated kind, against GeoNames' land-only neighbours);
* ``only-external`` — the source states it, the documents do not (the EU membership of the
  member states, a border of a profiled country the profile does not mention).

Borders are compared as unordered pairs (the documents' borders are symmetric, whichever
profile states them), for every border the documents state and every GeoNames land neighbour
of a profiled country. GeoNames lists territories as entries of their own (French Guiana, Saint
Martin, Sint Maarten); the Publications Office table's ``skos:broader`` says which country each
belongs to, and a neighbour pair of territories counts for their countries.

Output: a table for people (rich), JSON and RDF (Turtle, with the terms of
``ontology/kg-linking.ttl``) for tools. Nothing is written to ``data/``.
"""

from __future__ import annotations

import io
import json
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad
from rich.console import Console
from rich.table import Table

from kg import labels
from kg.export import writers as export
from kg.linking.matching import match, read_external
from kg.linking.model import KG, Matches, normalise, read_documents
from kg.linking.rdf import slug
from kg.linking.sources import eums, geonames, op
from kg.namespaces import BASE, ID, PREFIXES, RDF_TYPE, RDFS_LABEL, VOC, curie

STATUSES = ("agree", "disagree", "only-documents", "only-external")
FORMATS = ("table", "json", "turtle")

LAND = KG + "sharesLandBorderWith"
MARITIME = KG + "sharesMaritimeBorderWith"
BORDER = KG + "sharesBorderWith"
CONNECTED = KG + "connectedTo"


@dataclass(frozen=True)
class Finding:
    kind: str  # code, name, capital, eu-relation, land-border, land-neighbour-count
    subject: str
    subject_label: str
    status: str
    document: str | None
    external: str | None
    source: str | None  # the external source's slug
    object: str | None = None  # the other country, for borders
    object_label: str | None = None
    passages: tuple[str, ...] = ()
    note: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.kind, self.subject_label, self.object_label or "")


@dataclass
class CheckReport:
    findings: list[Finding] = field(default_factory=list)

    def summary(self) -> dict[str, int]:
        counts = Counter(f.status for f in self.findings)
        return {s: counts.get(s, 0) for s in STATUSES}

    def by_kind(self) -> dict[str, dict[str, int]]:
        table: dict[str, Counter] = defaultdict(Counter)
        for f in self.findings:
            table[f.kind][f.status] += 1
        return {k: {s: v.get(s, 0) for s in STATUSES} for k, v in sorted(table.items())}

    def disagreements(self) -> list[Finding]:
        return [f for f in self.findings if f.status == "disagree"]

    def find(self, kind: str, subject: str, obj: str | None = None) -> Finding | None:
        """The finding about a fact, by alpha-2 codes or IRIs (borders in either order)."""
        want = {ID + subject if ":" not in subject else subject}
        other = None if obj is None else (ID + obj if ":" not in obj else obj)
        for f in self.findings:
            if f.kind != kind:
                continue
            pair = {f.subject, f.object}
            if other is None and f.subject in want:
                return f
            if other is not None and pair == want | {other}:
                return f
        return None


# --------------------------------------------------------------------------- comparisons


def _label(m: Matches, iri: str) -> str:
    entity = m.documents.named.get(iri)
    return entity.label if entity else curie(iri)


def _codes(m: Matches, out: list[Finding]) -> None:
    for c in m.countries:
        entry = op.of(c)
        ext = entry.alpha2 if entry else None
        iso = getattr(c.iso, "alpha_2", None)
        status = "agree" if ext == c.alpha2 and iso == c.alpha2 else "disagree"
        if ext is None:
            status = "only-documents"
        out.append(
            Finding(
                "code",
                c.iri,
                c.entity.label,
                status,
                c.alpha2,
                ext,
                "op-countries",
                note="id slug against the ISO 3166-1 alpha-2 notation (and pycountry)",
            )
        )
        names = set()
        if entry:
            names |= entry.english_names
        if row := geonames.of(c):
            names.add(row.name)
        matched = sorted(n for n in names if normalise(n) == normalise(c.entity.label))
        out.append(
            Finding(
                "name",
                c.iri,
                c.entity.label,
                "agree" if matched else ("disagree" if names else "only-documents"),
                c.entity.label,
                "; ".join(matched or sorted(names)) or None,
                "op-countries",
            )
        )


def _capitals(m: Matches, out: list[Finding]) -> None:
    docs = m.documents
    stated: dict[str, list] = defaultdict(list)
    for fact in docs.capitals:
        stated[fact.subject].append(fact)
    for c in m.countries:
        row = geonames.of(c)
        ext = row.capital if row else None
        facts = stated.get(c.iri, [])
        doc_names = [(_label(m, f.object), docs.named.get(f.object)) for f in facts]
        passages = tuple(sorted({p for f in facts for p in f.passages}))
        document = "; ".join(n for n, _e in doc_names) or None
        if not facts and ext is None:
            continue
        if not facts:
            status = "only-external"
        elif ext is None:
            status = "only-documents"
        else:
            same = any(
                e is not None and normalise(ext) in {normalise(n) for n in e.names}
                for _n, e in doc_names
            )
            status = "agree" if same else "disagree"
        out.append(
            Finding(
                "capital",
                c.iri,
                c.entity.label,
                status,
                document,
                ext,
                "geonames",
                passages=passages,
            )
        )


def _eu(m: Matches, out: list[Finding]) -> None:
    roles: dict[str, list] = defaultdict(list)
    for fact in m.documents.eu_relations:
        roles[fact.subject].append(fact)
    for c in m.countries:
        row, entry = eums.of(c), op.of(c)
        member = row is not None and row.exit is None
        in_op = bool(entry and op.EU_MEMBERS_SCHEME in entry.schemes)
        facts = roles.get(c.iri, [])
        if not facts and not member:
            continue
        doc_roles = sorted({labels.name(m.documents.store, f.object) for f in facts})
        doc_member = any(f.object.endswith("role-member-state") for f in facts)
        document = ", ".join(doc_roles) or None
        external = (
            f"member state since {row.accession.isoformat()}"
            if member and row
            else "not a member state (no row)"
        )
        note = ""
        if member != in_op:
            note = "the Publications Office's 'Current EU members' list says otherwise"
        elif not member:
            note = "neither EUMS nor the Publications Office's current EU members list it"
        if member and row and row.founding:
            note = "accession date 1952-07-23 is the ECSC's, kept as the source gives it"
        status = "only-external" if not facts else "agree" if doc_member == member else "disagree"
        out.append(
            Finding(
                "eu-relation",
                c.iri,
                c.entity.label,
                status,
                document,
                external,
                "eums",
                passages=tuple(sorted({p for f in facts for p in f.passages})),
                note=note,
            )
        )


def _country_code(m: Matches, code: str) -> str:
    """The country a GeoNames entry belongs to (a territory's, per the Publications Office)."""
    table = op.table(m.external)
    found = table.by_alpha2(code)
    if len(found) == 1:
        country = table.country_of(found[0])
        return country.alpha2 or code
    return code


def _external_pairs(m: Matches) -> dict[frozenset[str], set[tuple[str, str]]]:
    """Country-level land-neighbour pairs (alpha-2) -> the GeoNames entries that make them."""
    pairs: dict[frozenset[str], set[tuple[str, str]]] = defaultdict(set)
    for code, row in geonames.table(m.external).items():
        if m.obsolete(code):
            continue
        for other in row.neighbours:
            if m.obsolete(other):
                continue
            a, b = _country_code(m, code), _country_code(m, other)
            if a != b:
                pairs[frozenset((a, b))].add(tuple(sorted((code, other))))  # type: ignore[arg-type]
    return pairs


def _gn_name(m: Matches, code: str) -> str:
    row = geonames.table(m.external).get(code)
    return f"{row.name} ({code})" if row else code


def _pair(a: str, b: str) -> tuple[str, str]:
    """An unordered pair, as the documents' border index keys it."""
    return (a, b) if a <= b else (b, a)


def _borders(m: Matches, out: list[Finding]) -> None:
    docs = m.documents
    code_of = {c.iri: c.alpha2 for c in m.countries}
    node_of = {c.alpha2: c.iri for c in m.countries}
    stated: dict[frozenset[str], dict] = {}
    for fact in docs.borders:
        if fact.subject not in code_of or fact.object not in code_of:
            continue
        key = frozenset((code_of[fact.subject], code_of[fact.object]))
        entry = stated.setdefault(key, {"predicates": set(), "passages": set()})
        entry["predicates"].add(fact.predicate)
        entry["passages"].update(fact.passages)
    external = _external_pairs(m)
    profiled = {code_of[c] for c in docs.profiled if c in code_of}

    def ordered(key: frozenset[str]) -> list[str]:
        return sorted(key, key=lambda c: (c not in profiled, c))

    def through(a: str, pairs: list[tuple[str, str]]) -> str:
        shown = []
        for x, y in pairs:
            if _country_code(m, y) == a:
                x, y = y, x
            shown.append(f"{_gn_name(m, x)}–{_gn_name(m, y)}")
        return " through " + ", ".join(shown)

    for key, entry in sorted(stated.items(), key=lambda kv: ordered(kv[0])):
        a, b = ordered(key)
        predicates = entry["predicates"]
        basis = external.get(key, set())
        direct = tuple(sorted((a, b))) in basis
        via = sorted(p for p in basis if set(p) != {a, b})
        ext_text: str | None
        if LAND in predicates:
            kind = "land border"
        elif BORDER in predicates:
            kind = "border (kind not stated)"
        elif MARITIME in predicates:
            kind = "maritime border"
        else:
            kind = "connected by a fixed link, no land border"
        note = ""
        if kind == "connected by a fixed link, no land border":
            status = "disagree" if basis else "agree"
            ext_text = "land neighbours" if basis else "not land neighbours"
        elif kind == "maritime border":
            status = "disagree" if direct else "only-documents"
            ext_text = "land neighbours" if direct else None
            note = "GeoNames lists land neighbours only"
        elif basis:
            status = "agree"
            ext_text = "land neighbours"
            if not direct:
                ext_text += through(a, via)
                territories = sorted(
                    {_label(m, t) for t in docs.via.get(_pair(node_of[a], node_of[b]), ())}
                )
                if territories:
                    note = "the documents name the territories " + ", ".join(territories)
        else:
            status = "disagree" if kind == "land border" else "only-documents"
            ext_text = None
            if status == "only-documents":
                note = "GeoNames lists no land border; the documents do not say it is one"
        out.append(
            Finding(
                "land-border",
                node_of[a],
                _label(m, node_of[a]),
                status,
                kind,
                ext_text,
                "geonames",
                node_of[b],
                _label(m, node_of[b]),
                tuple(sorted(entry["passages"])),
                note,
            )
        )
    for key, basis in sorted(external.items(), key=lambda kv: ordered(kv[0])):
        if key in stated or not key & profiled:
            continue
        a, b = ordered(key)
        subject = node_of.get(a, a)
        obj = node_of.get(b)
        via = sorted(p for p in basis if set(p) != set(key))
        ext_text = "land neighbours" + (through(a, via) if via else "")
        out.append(
            Finding(
                "land-border",
                subject,
                _label(m, subject),
                "only-external",
                None,
                ext_text,
                "geonames",
                obj or geonames.table(m.external)[b].uri,
                _label(m, obj) if obj else _gn_name(m, b),
            )
        )
    for fact in docs.neighbour_counts:
        code = code_of.get(fact.subject)
        if code is None:
            continue
        n = sum(1 for key in external if code in key)
        out.append(
            Finding(
                "land-neighbour-count",
                fact.subject,
                _label(m, fact.subject),
                "agree" if int(fact.object) == n else "disagree",
                fact.object,
                str(n),
                "geonames",
                passages=fact.passages,
            )
        )


def compare(matches: Matches) -> CheckReport:
    """Every comparison, sorted by kind and label."""
    found: list[Finding] = []
    _codes(matches, found)
    _capitals(matches, found)
    _eu(matches, found)
    _borders(matches, found)
    found.sort(
        key=lambda f: (f.kind, f.subject_label.casefold(), (f.object_label or "").casefold())
    )
    return CheckReport(found)


def check(external: Path | None = None, data_dir: Path | None = None) -> CheckReport:
    """Read the documents and the external files, match them, and compare (nothing written)."""
    documents = read_documents(data_dir)
    return compare(match(documents, read_external(external)))


# --------------------------------------------------------------------------- rendering


def render_json(report: CheckReport) -> str:
    return (
        json.dumps(
            {
                "summary": report.summary(),
                "by_kind": report.by_kind(),
                "findings": [asdict(f) | {"passages": list(f.passages)} for f in report.findings],
            },
            indent=2,
            ensure_ascii=False,
        )
        + "\n"
    )


CHECK_BASE = BASE + "check/"


def report_quads(report: CheckReport) -> list:
    """The report as RDF: one kg:CrossCheck node per finding (terms of kg-linking.ttl)."""
    quads = []

    def add(s: str, p: str, o: NamedNode | Literal) -> None:
        quads.append(Quad(NamedNode(s), NamedNode(p), o, DefaultGraph()))

    for f in report.findings:
        node = (
            CHECK_BASE
            + f.kind
            + "/"
            + slug(
                f"{f.subject.rsplit('/', 1)[-1]}-{(f.object or '').rstrip('/').rsplit('/', 1)[-1]}"
            )
        )
        add(node, RDF_TYPE, NamedNode(KG + "CrossCheck"))
        add(
            node,
            RDFS_LABEL,
            Literal(
                f"{f.kind}: {f.subject_label}" + (f" – {f.object_label}" if f.object_label else ""),
                language="en",
            ),
        )
        add(node, KG + "comparedSubject", NamedNode(f.subject))
        if f.object:
            add(node, KG + "comparedObject", NamedNode(f.object))
        add(node, KG + "verdict", NamedNode(VOC + "verdict-" + f.status))
        if f.document is not None:
            add(node, KG + "documentValue", Literal(f.document))
        if f.external is not None:
            add(node, KG + "externalValue", Literal(f.external))
        if f.source and f.external is not None:
            add(
                node, KG + "externalEvidence", NamedNode(PREFIXES["graph"] + "external/" + f.source)
            )
        for p in f.passages:
            add(node, KG + "documentEvidence", NamedNode(p))
        if f.note:
            add(node, PREFIXES["rdfs"] + "comment", Literal(f.note, language="en"))
    return sorted(set(quads), key=lambda q: (str(q.subject), str(q.predicate), str(q.object)))


def render_turtle(report: CheckReport) -> str:
    return export.serialize_quads(report_quads(report), "turtle").decode("utf-8")


def render_table(report: CheckReport, width: int = 120) -> str:
    out = io.StringIO()
    console = Console(file=out, width=width, color_system=None)
    table = Table(title="Documents against external sources", title_justify="left")
    for column in ("fact", "subject", "object", "status", "documents", "external", "note"):
        table.add_column(column, overflow="fold")
    for f in report.findings:
        table.add_row(
            f.kind,
            f.subject_label,
            f.object_label or "",
            f.status,
            f.document or "-",
            f.external or "-",
            f.note,
        )
    console.print(table)
    summary = report.summary()
    console.print(", ".join(f"{k}: {v}" for k, v in summary.items()))
    for kind, counts in report.by_kind().items():
        console.print(f"  {kind}: " + ", ".join(f"{k} {v}" for k, v in counts.items() if v))
    for f in report.disagreements():
        pair = f.subject_label + (f" – {f.object_label}" if f.object_label else "")
        console.print(
            f"DISAGREE {f.kind} {pair}: documents {f.document!r}, external {f.external!r}",
            soft_wrap=True,
        )
    return out.getvalue()


def render(report: CheckReport, fmt: str = "table") -> str:
    if fmt == "json":
        return render_json(report)
    if fmt == "turtle":
        return render_turtle(report)
    return render_table(report)
