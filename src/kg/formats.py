"""The one registry of formats: every format kg reads or writes, with its name, the media type
it is sent as, the media types and file extensions that select it, and where it is offered.

Why one table: the loader (extensions → parser), the exporter (name and extension → writer),
the query results (name → serialiser), the CLI's ``--format`` choices, the server's content
negotiation and download links, and the service description all speak of the same formats;
when each kept its own table they disagreed (``text/turtle`` here, ``text/turtle;
charset=utf-8`` there). Every one of them reads this module.

Kinds of answer a format can carry (``Format.carries``):

* ``results`` — SPARQL SELECT/ASK solutions (JSON, XML, CSV, TSV; ``table`` for people);
* ``graph`` — RDF triples (CONSTRUCT/DESCRIBE answers, a description, an export's union);
* ``dataset`` — RDF with named graphs (TriG, N-Quads). JSON-LD can keep them too (the
  server's descriptions do, as JSON-LD 1.1 datasets), but an export in JSON-LD is the union;
* ``page`` — HTML for people.
"""

from __future__ import annotations

from typing import NamedTuple

from pyoxigraph import QueryResultsFormat, RdfFormat

W3C_FORMATS = "http://www.w3.org/ns/formats/"


class Format(NamedTuple):
    """One format (a NamedTuple, not a dataclass: every ``kg`` command imports this module, and
    a frozen dataclass costs about ten times as much to define, its methods compiled from
    source in every process).

    Attributes:
        name: the name on the command line, in ``?format=`` and in the code.
        media_type: the ``Content-Type`` sent, with its charset for text formats.
        accepts: the media types (without parameters) that select it in ``Accept``.
        extensions: file extensions, the first one canonical (download names, ``-o`` files).
        carries: the kinds of answer it can carry (see the module doc).
        rdf: pyoxigraph's RDF parser/serialiser, for RDF formats.
        results: pyoxigraph's results serialiser, for SPARQL results formats.
        w3c: the local name of its IRI under http://www.w3.org/ns/formats/, if it has one.
        export: offered by ``kg export`` (and the server's downloads).
    """

    name: str
    media_type: str
    accepts: tuple[str, ...]
    extensions: tuple[str, ...]
    carries: frozenset[str]
    rdf: RdfFormat | None = None
    results: QueryResultsFormat | None = None
    w3c: str | None = None
    export: bool = False

    @property
    def extension(self) -> str:
        """The canonical extension, with its dot (``.ttl``)."""
        return "." + self.extensions[0] if self.extensions else ""

    @property
    def keeps_graphs(self) -> bool:
        return "dataset" in self.carries


def _f(
    name: str,
    media: str,
    accepts: tuple[str, ...],
    ext: tuple[str, ...],
    carries: str,
    *,
    rdf: RdfFormat | None = None,
    results: QueryResultsFormat | None = None,
    w3c: str | None = None,
    export: bool = False,
) -> Format:
    return Format(
        name,
        media,
        accepts,
        ext,
        frozenset(carries.split()),
        rdf=rdf,
        results=results,
        w3c=w3c,
        export=export,
    )


_ALL = (
    _f(
        "html",
        "text/html; charset=utf-8",
        ("text/html", "application/xhtml+xml"),
        ("html", "htm"),
        "page",
    ),
    _f("table", "text/plain; charset=utf-8", ("text/plain",), ("txt",), "results graph"),
    _f(
        "json",
        "application/sparql-results+json",
        ("application/sparql-results+json",),
        ("json", "srj"),
        "results",
        results=QueryResultsFormat.JSON,
        w3c="SPARQL_Results_JSON",
    ),
    _f(
        "xml",
        "application/sparql-results+xml",
        ("application/sparql-results+xml",),
        ("xml", "srx"),
        "results",
        results=QueryResultsFormat.XML,
        w3c="SPARQL_Results_XML",
    ),
    _f(
        "csv",
        "text/csv; charset=utf-8",
        ("text/csv",),
        ("csv",),
        "results",
        results=QueryResultsFormat.CSV,
        w3c="SPARQL_Results_CSV",
    ),
    _f(
        "tsv",
        "text/tab-separated-values; charset=utf-8",
        ("text/tab-separated-values",),
        ("tsv",),
        "results",
        results=QueryResultsFormat.TSV,
        w3c="SPARQL_Results_TSV",
    ),
    _f(
        "trig",
        "application/trig",
        ("application/trig",),
        ("trig",),
        "graph dataset",
        rdf=RdfFormat.TRIG,
        w3c="TriG",
        export=True,
    ),
    _f(
        "nquads",
        "application/n-quads",
        ("application/n-quads",),
        ("nq",),
        "graph dataset",
        rdf=RdfFormat.N_QUADS,
        w3c="N-Quads",
        export=True,
    ),
    _f(
        "turtle",
        "text/turtle; charset=utf-8",
        # N3 is asked for with Turtle's answer: every Turtle document is N3
        ("text/turtle", "application/x-turtle", "application/turtle", "text/n3", "text/rdf+n3"),
        ("ttl", "turtle"),
        "graph",
        rdf=RdfFormat.TURTLE,
        w3c="Turtle",
        export=True,
    ),
    _f(
        "ntriples",
        "application/n-triples",
        ("application/n-triples", "text/plain"),  # text/plain: N-Triples' type until 2014
        ("nt",),
        "graph",
        rdf=RdfFormat.N_TRIPLES,
        w3c="N-Triples",
        export=True,
    ),
    _f(
        "jsonld",
        "application/ld+json",
        ("application/ld+json", "application/x-json+ld"),
        ("jsonld", "json-ld"),
        "graph",
        rdf=RdfFormat.JSON_LD,
        w3c="JSON-LD",
        export=True,
    ),
    _f(
        "rdfxml",
        "application/rdf+xml",
        ("application/rdf+xml",),
        ("rdf", "owl"),
        "graph",
        rdf=RdfFormat.RDF_XML,
        w3c="RDF_XML",
        export=True,
    ),
)

FORMATS: dict[str, Format] = {f.name: f for f in _ALL}

# Generic media types a client may send, and the format each stands for in an answer of
# SPARQL results and in an answer of RDF.
GENERIC: dict[str, tuple[str, str]] = {
    "application/json": ("json", "jsonld"),
    "application/xml": ("xml", "rdfxml"),
    "text/xml": ("xml", "rdfxml"),
}

# Names clients give in a ``format`` parameter (Fuseki's short names, SPARQLWrapper's), and the
# format each stands for in an answer of SPARQL results and in an answer of RDF (None: none).
PARAMETER_NAMES: dict[str, tuple[str | None, str | None]] = {
    "xml": ("xml", "rdfxml"),
    "json": ("json", "jsonld"),
    "rdf+xml": (None, "rdfxml"),
    "n3": (None, "turtle"),
    "sparql": ("xml", None),
}

# Extensions the loader reads (and the exporter recognises on ``-o``), to the format.
READABLE = {
    "." + ext: f.name
    for f in _ALL
    if f.rdf is not None
    for ext in f.extensions
    if ext not in ("turtle", "json-ld")
}
# ``-o out.json`` / ``out.xml`` mean JSON-LD and RDF/XML to the exporter (an export is RDF).
EXPORT_EXTENSIONS = {
    **{"." + ext: f.name for f in _ALL if f.export for ext in f.extensions},
    ".json": "jsonld",
    ".xml": "rdfxml",
}


def get(name: str) -> Format:
    """The format called ``name`` (KeyError if none is)."""
    return FORMATS[name]


def media_type(name: str) -> str:
    """The ``Content-Type`` sent for a format."""
    return FORMATS[name].media_type


def by_extension(name: str) -> str | None:
    """The format a ``?format=`` value or a file extension (without dot) names, if any."""
    name = name.lower()
    if name in FORMATS:
        return name
    for f in _ALL:
        if name in f.extensions:
            return f.name
    return None


def choices(where: str) -> list[str]:
    """The format names offered in one place, in the order they are listed to users:

    * ``results`` — ``kg query`` and ``kg sparql`` (table, the SPARQL results formats, then
      the RDF formats for CONSTRUCT/DESCRIBE);
    * ``solutions`` / ``graphs`` — what a SELECT/ASK or a CONSTRUCT/DESCRIBE can be written as;
    * ``export`` — ``kg export`` and the server's downloads.
    """
    if where == "results":
        return ["table", *_results_order(), *_rdf_order()]
    if where == "solutions":
        return ["table", *_results_order()]
    if where == "graphs":
        return [*_rdf_order(), "table"]
    if where == "export":
        return [f.name for f in _ALL if f.export]
    raise KeyError(where)


def _results_order() -> list[str]:
    """SPARQL results formats as the CLI lists them: the tabular ones first."""
    return [name for name in ("csv", "tsv", "json", "xml") if FORMATS[name].results is not None]


def _rdf_order() -> list[str]:
    """RDF formats as the CLI lists them: the triple formats people read first."""
    order = ("turtle", "ntriples", "nquads", "jsonld", "rdfxml", "trig")
    return [name for name in order if FORMATS[name].rdf is not None]
