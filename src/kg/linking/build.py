"""The RDF ``kg link`` writes, built from the matches, and the all-or-nothing write.

Files (relative to ``data/``):

* ``links/wikidata.ttl``, ``links/geonames.ttl``, ``links/dbpedia.ttl`` — ``owl:sameAs``;
  ``links/eu-authority.ttl`` — ``skos:exactMatch`` (see :mod:`kg.linking.model` for why);
* ``external/op-countries.trig`` — ISO codes, EU authority codes, names in the countries' own
  languages (``kg:nativeLabel``); ``external/geonames.trig`` — capitals and land neighbours;
  ``external/eums.trig`` — EU memberships with accession dates. One named graph each,
  ``graph:external/<source>``, which also holds the graph's own provenance;
* ``links/void.ttl`` — VoID + DCAT: our dataset, its subsets, linksets, triple counts, and the
  licence and attribution of every external source.

No fact goes into a passage graph, and none is typed as if a document said it: the external
graphs are named ``graph:external/…`` (which inference never uses as premises) and each says
where it comes from. Blank nodes are never used, subjects are sorted, so a rerun on the same
inputs gives byte-identical files.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad, Store

from kg.errors import OutputError
from kg.export import writers as export
from kg.linking.model import EU, KG, Matches, native_languages, normalise
from kg.linking.sources import gsq as gsq_reader
from kg.linking.sources.origins import Source
from kg.namespaces import BASE, EXTERNAL_GRAPH, GRAPH, ID, PREFIXES, RDF_TYPE, RDFS_LABEL, VOC

OWL = PREFIXES["owl"]
SKOS = PREFIXES["skos"]
XSD = PREFIXES["xsd"]
DCT = PREFIXES["dcterms"]
PROV = PREFIXES["prov"]
VOID = PREFIXES["void"]
DCAT = PREFIXES["dcat"]
RDFS = PREFIXES["rdfs"]
WD = PREFIXES["wd"]

DATASET = BASE + "dataset"
ACTIVITY = BASE + "activity/kg-link"
RETRIEVAL = "offline copy, matched by ISO code"
DATA_LICENSE = "https://creativecommons.org/licenses/by/4.0/"

LINKSETS = {
    # file stem: (source slug, link predicate, target dataset, its URI space, title)
    "wikidata": ("naturalearth", OWL + "sameAs", "http://www.wikidata.org/", WD, "Wikidata"),
    "geonames": (
        "geonames",
        OWL + "sameAs",
        "https://www.geonames.org/",
        "https://sws.geonames.org/",
        "GeoNames",
    ),
    "dbpedia": (
        "gsq",
        OWL + "sameAs",
        "http://dbpedia.org/",
        gsq_reader.DBPEDIA,
        "DBpedia",
    ),
    "eu-authority": (
        "op-countries",
        SKOS + "exactMatch",
        "http://publications.europa.eu/resource/authority/country",
        "http://publications.europa.eu/resource/authority/country/",
        "EU Publications Office: countries and territories",
    ),
}
FACT_GRAPHS = ("op-countries", "geonames", "eums")

_NOT_REPEATED = (
    " Facts the documents already state, or that follow from them by the ontology's axioms, are "
    "not repeated here (a triple is stored in one graph only); kg link --check compares them."
)

_DESCRIPTIONS = {
    "op-countries": (
        "ISO 3166-1 alpha-2, alpha-3 and numeric codes, EU authority codes and names in the "
        "countries' own languages (a member state's official languages per EUMS, otherwise "
        "GeoNames' national language varieties), read from the EU Publications Office "
        "authority table and cross-checked with pycountry."
    ),
    "geonames": (
        "Capitals (GeoNames' capital names; a city node is created only where the documents "
        "have none, labelled as GeoNames names it) and land borders (GeoNames' 'neighbours', "
        "which list land borders only, as kg:sharesLandBorderWith; a neighbour without a node "
        "of ours is its GeoNames feature)."
    ),
    "eums": (
        "EU membership of our country nodes with the accession (and exit) date as the EUMS "
        "table gives it. For the six founding members the table's accession date is "
        "1952-07-23, the entry into force of the European Coal and Steel Community treaty; it "
        "is kept as the source gives it, and each such membership says so in an rdfs:comment."
    ),
}


def _n(iri: str) -> NamedNode:
    return NamedNode(iri)


def _en(text: str) -> Literal:
    return Literal(text, language="en")


def _s(text: str) -> Literal:
    return Literal(text)


class _Graph:
    """Triples for one graph (or one Turtle file), deduplicated."""

    def __init__(self, name: str | None = None) -> None:
        self.graph = _n(name) if name else DefaultGraph()
        self.quads: set[Quad] = set()

    def add(self, s: str, p: str, o: NamedNode | Literal | str) -> None:
        obj = _n(o) if isinstance(o, str) else o
        self.quads.add(Quad(_n(s), _n(p), obj, self.graph))


def slug(name: str) -> str:
    """A readable id for a place name: ASCII, lower case, words joined by hyphens."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


# --------------------------------------------------------------------------- provenance


def _describe_source(g: _Graph, subject: str, source: Source, version: str | None) -> None:
    """The provenance every graph or linkset derived from ``source`` carries."""
    spec = source.spec
    g.add(subject, DCT + "source", source.upstream_url)
    g.add(subject, PROV + "wasDerivedFrom", source.upstream_url)
    g.add(subject, DCT + "license", spec.license_iri)
    g.add(subject, DCT + "rights", _s(source.license_text))
    g.add(subject, DCT + "bibliographicCitation", _s(spec.attribution))
    g.add(subject, DCT + "publisher", _s(spec.publisher))
    g.add(subject, KG + "sourceFileName", _s(spec.file))
    g.add(subject, KG + "upstreamRepository", _s(source.repository))
    g.add(subject, KG + "upstreamCommit", _s(source.commit))
    g.add(subject, KG + "upstreamPath", _s(source.upstream_path))
    g.add(subject, KG + "retrievalMethod", _en(RETRIEVAL))
    g.add(subject, PROV + "wasGeneratedBy", ACTIVITY)
    if version:
        g.add(subject, OWL + "versionInfo", _s(version))


def _describe_upstream(g: _Graph, source: Source) -> None:
    g.add(source.upstream_url, RDF_TYPE, PROV + "Entity")
    g.add(source.upstream_url, DCT + "title", _en(source.spec.title))


def _fact_graph_header(g: _Graph, name: str, source: Source, version: str | None) -> None:
    graph_iri = g.graph.value  # type: ignore[union-attr]
    g.add(graph_iri, RDF_TYPE, PROV + "Entity")
    g.add(graph_iri, RDF_TYPE, VOID + "Dataset")
    g.add(graph_iri, RDF_TYPE, DCAT + "Dataset")
    g.add(graph_iri, RDFS_LABEL, _en(f"{source.spec.title} (external source)"))
    g.add(graph_iri, DCT + "title", _en(source.spec.title))
    g.add(graph_iri, DCT + "description", _en(_DESCRIPTIONS[name] + _NOT_REPEATED))
    _describe_source(g, graph_iri, source, version)


# --------------------------------------------------------------------------- fact graphs


def _op_graph(m: Matches) -> _Graph:
    source = m.external.sources["op-countries"]
    g = _Graph(EXTERNAL_GRAPH + "op-countries")
    _fact_graph_header(g, "op-countries", source, m.external.op.version)
    # Territories matched to the table (French Guiana, the Azores …) have codes too.
    coded = [(c.iri, c.op) for c in m.countries if c.op is not None]
    coded += [(p.entity.iri, p.op) for p in m.places]
    for iri, concept in sorted(coded, key=lambda t: t[0]):
        for prop, value in (
            ("isoAlpha2", concept.alpha2),
            ("isoAlpha3", concept.alpha3),
            ("isoNumeric", concept.numeric),
            ("euAuthorityCode", concept.code),
        ):
            if value:
                g.add(iri, KG + prop, _s(value))
    for c in m.countries:
        if c.op is None:
            continue
        for lang in native_languages(c):
            label = c.op.pref_labels.get(lang)
            if label:
                g.add(c.iri, KG + "nativeLabel", Literal(label, language=lang))
    return g


def _capital_node(m: Matches, country: str, name: str) -> tuple[str, bool]:
    """The node for a GeoNames capital: the documents' capital of that country if it bears the
    name, else the one document city or unclassified place of that name, else a new node."""
    docs = m.documents
    wanted = normalise(name)
    for fact in docs.capitals:
        if fact.subject == country:
            city = docs.named.get(fact.object)
            if city and wanted in {normalise(n) for n in city.names}:
                return fact.object, False
    candidates = [
        e.iri
        for e in docs.named.values()
        if e.cls in (KG + "City", KG + "Place") and wanted in {normalise(n) for n in e.names}
    ]
    if len(candidates) == 1:
        return candidates[0], False
    iri = ID + slug(name)
    if iri in docs.named or iri in (c.iri for c in m.countries):
        iri = ID + slug(name) + "-city"
    return iri, True


def _geonames_graph(m: Matches) -> _Graph:
    source = m.external.sources["geonames"]
    g = _Graph(EXTERNAL_GRAPH + "geonames")
    _fact_graph_header(g, "geonames", source, None)
    by_code = m.node_for_code()
    subjects = [(c.iri, c.gn) for c in m.countries if c.gn is not None]
    subjects += [(p.entity.iri, p.gn) for p in m.places if p.gn is not None]
    for iri, row in sorted(subjects, key=lambda t: t[0]):
        for code in row.neighbours:
            if m.obsolete(code):
                continue
            target = by_code.get(code)
            if target is None:
                other = m.external.geonames.get(code)
                if other is None:
                    continue
                target = other.uri
                g.add(target, RDFS_LABEL, _en(other.name))
            g.add(iri, KG + "sharesLandBorderWith", target)
    for c in m.countries:
        if c.gn is None or not c.gn.capital:
            continue
        city, new = _capital_node(m, c.iri, c.gn.capital)
        g.add(c.iri, KG + "capital", city)
        g.add(city, RDF_TYPE, KG + "City")
        if new:
            g.add(city, RDFS_LABEL, _en(c.gn.capital))
    return g


def _eums_graph(m: Matches) -> _Graph:
    source = m.external.sources["eums"]
    g = _Graph(EXTERNAL_GRAPH + "eums")
    _fact_graph_header(g, "eums", source, None)
    for c in m.countries:
        if c.eums is None:
            continue
        node = f"{ID}aff-{c.alpha2}-european-union-eums"
        g.add(node, RDF_TYPE, KG + "Membership")
        g.add(node, KG + "affiliate", c.iri)
        g.add(node, KG + "affiliatedWith", EU)
        g.add(node, KG + "affiliationRole", VOC + "role-member-state")
        g.add(
            node, KG + "startDate", Literal(c.eums.accession.isoformat(), datatype=_n(XSD + "date"))
        )
        if c.eums.exit is not None:
            g.add(node, KG + "endDate", Literal(c.eums.exit.isoformat(), datatype=_n(XSD + "date")))
        if c.eums.founding:
            g.add(
                node,
                RDFS + "comment",
                _en(
                    "Founding member: the source's accession date, 1952-07-23, is the entry "
                    "into force of the European Coal and Steel Community treaty, kept as the "
                    "source gives it (the European Union itself dates from 1993-11-01)."
                ),
            )
    return g


# --------------------------------------------------------------------------- linksets


def _linksets(m: Matches) -> dict[str, _Graph]:
    sets = {name: _Graph() for name in LINKSETS}
    for c in m.countries:
        if c.ne is not None:
            sets["wikidata"].add(c.iri, OWL + "sameAs", WD + c.ne.qid)
        if c.gn is not None:
            sets["geonames"].add(c.iri, OWL + "sameAs", c.gn.uri)
        if c.gsq is not None:
            for uri in c.gsq.dbpedia:
                sets["dbpedia"].add(c.iri, OWL + "sameAs", uri)
        if c.op is not None:
            sets["eu-authority"].add(c.iri, SKOS + "exactMatch", c.op.iri)
    for p in m.places:
        sets["eu-authority"].add(p.entity.iri, SKOS + "exactMatch", p.op.iri)
        if p.gn is not None:
            sets["geonames"].add(p.entity.iri, OWL + "sameAs", p.gn.uri)
            if p.gsq is not None:
                for uri in p.gsq.dbpedia:
                    sets["dbpedia"].add(p.entity.iri, OWL + "sameAs", uri)
    return sets


def _void(m: Matches, counts: dict[str, int], document_triples: int) -> _Graph:
    g = _Graph()
    g.add(DATASET, RDF_TYPE, VOID + "Dataset")
    g.add(DATASET, RDF_TYPE, DCAT + "Dataset")
    g.add(DATASET, DCT + "title", _en("kg: a knowledge graph of national digital policy"))
    g.add(
        DATASET,
        DCT + "description",
        _en(
            "Facts of the source documents, one named graph per passage, with linksets to "
            "Wikidata, GeoNames, DBpedia and the EU Publications Office, and facts from "
            "external open data kept in graphs of their own (graph:external/…)."
        ),
    )
    g.add(DATASET, DCT + "license", DATA_LICENSE)
    g.add(DATASET, VOID + "uriSpace", _s(ID))
    g.add(DATASET, VOID + "vocabulary", PREFIXES["kg"])
    g.add(DATASET, VOID + "triples", Literal(str(document_triples), datatype=_n(XSD + "integer")))
    sources = m.external.sources
    # The description itself: generated by kg link from our data and the external files.
    own = GRAPH + "links/void"
    g.add(own, RDF_TYPE, PROV + "Entity")
    g.add(own, RDFS_LABEL, _en("VoID and DCAT description of the dataset (generated)"))
    g.add(own, PROV + "wasDerivedFrom", DATASET)
    g.add(own, PROV + "wasGeneratedBy", ACTIVITY)
    for source in sources.values():
        g.add(own, PROV + "wasDerivedFrom", source.upstream_url)
    g.add(ACTIVITY, RDF_TYPE, PROV + "Activity")
    g.add(ACTIVITY, RDFS_LABEL, _en("kg link"))
    g.add(
        ACTIVITY,
        RDFS + "comment",
        _en(
            "Generated by the kg link command from offline copies of open-data files, matching "
            "our entities by ISO 3166-1 code and cross-checking labels."
        ),
    )
    for source in sources.values():
        _describe_upstream(g, source)
    for name in FACT_GRAPHS:  # described (provenance) in their own graphs; counted here
        iri = EXTERNAL_GRAPH + name
        g.add(DATASET, VOID + "subset", iri)
        g.add(iri, VOID + "triples", _count(counts[f"external/{name}.trig"]))
    for stem, (src, predicate, target, space, title) in LINKSETS.items():
        iri = GRAPH + "links/" + stem
        g.add(DATASET, VOID + "subset", iri)
        g.add(iri, RDF_TYPE, VOID + "Linkset")
        g.add(iri, DCT + "title", _en(f"Links to {title}"))
        g.add(iri, VOID + "subjectsTarget", DATASET)
        g.add(iri, VOID + "objectsTarget", target)
        g.add(iri, VOID + "linkPredicate", predicate)
        g.add(iri, VOID + "triples", _count(counts[f"links/{stem}.ttl"]))
        _describe_source(
            g, iri, sources[src], m.external.op.version if src == "op-countries" else None
        )
        g.add(target, RDF_TYPE, VOID + "Dataset")
        g.add(target, DCT + "title", _en(title))
        g.add(target, VOID + "uriSpace", _s(space))
    return g


def _count(n: int) -> Literal:
    return Literal(str(n), datatype=_n(XSD + "integer"))


# --------------------------------------------------------------------------- files


def _header(lines: Iterable[str]) -> str:
    return "".join(f"# {line}\n" for line in lines) + "\n"


def _turtle(g: _Graph, header: str) -> bytes:
    return header.encode("utf-8") + export.serialize_quads(g.quads, "turtle")


def _trig(g: _Graph, header: str) -> bytes:
    return header.encode("utf-8") + export.serialize_quads(g.quads, "trig")


def _document_triples(m: Matches) -> int:
    from kg.load.files import ONTOLOGY_GRAPH

    store = m.documents.store
    ontology = {ONTOLOGY_GRAPH.value, GRAPH + "ontology/vocab"}
    return sum(
        1
        for q in store
        if not (isinstance(q.graph_name, NamedNode) and q.graph_name.value in ontology)
    )


def _known_triples(m: Matches) -> set[tuple]:
    """The documents' triples and what the ontology's axioms entail from them: an external
    graph leaves these out, so that no triple is stored in two graphs (Oxigraph's union default
    graph would count it twice)."""
    from kg.load import inference

    store = Store()
    store.extend(m.documents.store)
    inference.materialise(store)
    return {(q.subject, q.predicate, q.object) for q in store}


def build(m: Matches, data_dir: Path) -> dict[str, tuple[bytes, int]]:
    """File (relative to ``data/``) -> (its bytes, its triple count)."""
    del data_dir  # the files are named relative to it; nothing is read from it here
    files: dict[str, tuple[bytes, int]] = {}
    generated = (
        "Generated by `kg link` from the files in shared/external (see SOURCES.md); do not edit."
    )
    for stem, graph in _linksets(m).items():
        src = m.external.sources[LINKSETS[stem][0]]
        header = _header(
            [
                generated,
                f"Linkset to {LINKSETS[stem][4]}; source: {src.spec.file} "
                f"({src.upstream}), {src.license_text}.",
            ]
        )
        files[f"links/{stem}.ttl"] = (_turtle(graph, header), len(graph.quads))
    document_triples = _document_triples(m)
    known = _known_triples(m)
    for name, builder in (
        ("op-countries", _op_graph),
        ("geonames", _geonames_graph),
        ("eums", _eums_graph),
    ):
        graph = builder(m)
        graph.quads = {q for q in graph.quads if (q.subject, q.predicate, q.object) not in known}
        src = m.external.sources[name]
        header = _header(
            [
                generated,
                f"External facts from {src.spec.file} ({src.upstream}), "
                f"{src.license_text}. Not stated by the source documents.",
            ]
        )
        files[f"external/{name}.trig"] = (_trig(graph, header), len(graph.quads))
    counts = {k: n for k, (_b, n) in files.items()}
    void = _void(m, counts, document_triples)
    files["links/void.ttl"] = (
        _turtle(
            void,
            _header(
                [
                    generated,
                    "VoID and DCAT description of the dataset, its linksets and external sources.",
                ]
            ),
        ),
        len(void.quads),
    )
    return files


def write_all(
    data_dir: Path, files: dict[str, tuple[bytes, int]], *, dry_run: bool = False
) -> tuple[list[Path], list[Path]]:
    """Write every file that changed, all or none: each goes to a temporary file beside its
    target first, and only when all are written are they renamed into place.

    Returns (written, unchanged). Raises OutputError (and changes nothing) on failure.
    """
    pending: list[tuple[Path, bytes]] = []
    unchanged: list[Path] = []
    for rel, (data, _n_triples) in sorted(files.items()):
        target = data_dir / rel
        try:
            same = target.is_file() and target.read_bytes() == data
        except OSError:
            same = False
        (unchanged if same else pending).append(target if same else (target, data))  # type: ignore[arg-type]
    if dry_run:
        return [t for t, _ in pending], unchanged
    temporaries: list[tuple[str, Path]] = []
    try:
        for target, data in pending:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(
                dir=target.parent, prefix=f".{target.name}.", suffix=".part"
            )
            temporaries.append((temp, target))
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temp, 0o644)
        for temp, target in temporaries:
            os.replace(temp, target)
    except OSError as error:
        for temp, _target in temporaries:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
        raise OutputError(
            f"cannot write under {data_dir}: {error.strerror or error}; no file was changed"
        ) from None
    return [t for t, _ in pending], unchanged
