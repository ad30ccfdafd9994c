"""The IRIs the project mints, in one place.

Everything we publish lives under one base IRI (a w3id.org permanent identifier, so that the
IRIs can outlive any one host). Each kind of resource has its own path so that a server can
dereference it and a reader can tell an entity from a passage or a graph at a glance.
"""

from __future__ import annotations

import re
from collections.abc import Callable

BASE = "https://w3id.org/digital-policy-kg/"

KG = BASE + "ontology#"  # classes and properties of our ontology
ID = BASE + "id/"  # entities: countries by ISO 3166-1 alpha-2 code, others by readable slug
VOC = BASE + "vocab/"  # SKOS concepts of our schemes (topics, strategy types, units, roles)
PASSAGE = BASE + "passage/"  # passages of source documents; each one names a graph
SOURCE = BASE + "source/"  # source documents and the profiles they contain
GRAPH = BASE + "graph/"  # named graphs that are not passages (files, inferred, external)

ONTOLOGY_IRI = BASE + "ontology"
SHAPES_IRI = BASE + "shapes"

INFERRED_GRAPH = GRAPH + "inferred"
EXTERNAL_GRAPH = GRAPH + "external/"

# Prefixes used by queries, exports and reports. Stable order: exports are diffable.
PREFIXES: dict[str, str] = {
    "kg": KG,
    "id": ID,
    "voc": VOC,
    "psg": PASSAGE,
    "src": SOURCE,
    "graph": GRAPH,
    "dcat": "http://www.w3.org/ns/dcat#",
    "dcterms": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "org": "http://www.w3.org/ns/org#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "prov": "http://www.w3.org/ns/prov#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "schema": "https://schema.org/",
    "sh": "http://www.w3.org/ns/shacl#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "time": "http://www.w3.org/2006/time#",
    "void": "http://rdfs.org/ns/void#",
    "wd": "http://www.wikidata.org/entity/",
    "wdt": "http://www.wikidata.org/prop/direct/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}

RDF_TYPE = PREFIXES["rdf"] + "type"
RDFS_LABEL = PREFIXES["rdfs"] + "label"
# The XSD datatypes derived from xsd:integer (XML Schema 1.1 Part 2, 3.4.13-3.4.25): their
# values are integers, and Oxigraph folds them into xsd:integer. Local names.
XSD_INTEGER_TYPES = (
    "long",
    "int",
    "short",
    "byte",
    "nonNegativeInteger",
    "positiveInteger",
    "nonPositiveInteger",
    "negativeInteger",
    "unsignedLong",
    "unsignedInt",
    "unsignedShort",
    "unsignedByte",
)


def sparql_prologue(prefixes: dict[str, str] | None = None) -> str:
    """PREFIX lines for a SPARQL query, so canned queries need not repeat them."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in (prefixes or PREFIXES).items())


def _by_namespace(prefixes: dict[str, str]) -> dict[str, str] | None:
    """Namespace → prefix (the first one, as in the loop below), when every namespace ends
    in '/' or '#'; None when one does not."""
    if not all(ns.endswith(("/", "#")) for ns in prefixes.values()):
        return None
    found: dict[str, str] = {}
    for p, ns in prefixes.items():
        found.setdefault(ns, p)
    return found


_NAMESPACES = _by_namespace(PREFIXES)


_LOCAL = re.compile(r"[\w.\-]+")  # \w: what str.isalnum() accepts, and '_'


def _is_local(local: str) -> bool:
    return _LOCAL.fullmatch(local) is not None


def split(
    iri: str, is_local: Callable[[str], bool], prefixes: dict[str, str] | None = None
) -> tuple[str, str] | None:
    """The prefix and local name that shorten an IRI: the longest namespace of ``prefixes``
    (ours by default) whose remainder ``is_local`` accepts, or None.

    ``is_local`` must refuse '/' and '#' (CURIE and Turtle local names both do): then the only
    namespace that can fit ends at the IRI's last '/' or '#', and for our prefixes one
    dictionary lookup replaces the loop over them."""
    if (prefixes is None or prefixes is PREFIXES) and _NAMESPACES is not None:
        cut = max(iri.rfind("/"), iri.rfind("#")) + 1
        prefix = _NAMESPACES.get(iri[:cut])
        if prefix is not None and is_local(iri[cut:]):
            return prefix, iri[cut:]
        return None
    best: tuple[str, str] | None = None
    best_ns = ""
    for p, ns in (prefixes or PREFIXES).items():
        if iri.startswith(ns) and len(ns) > len(best_ns) and is_local(iri[len(ns) :]):
            best, best_ns = (p, iri[len(ns) :]), ns
    return best


def curie(iri: str, prefixes: dict[str, str] | None = None) -> str:
    """Shorten an IRI with the longest matching prefix; return it unchanged if none fits."""
    found = split(iri, _is_local, prefixes)
    return f"{found[0]}:{found[1]}" if found else iri


def expand(term: str, prefixes: dict[str, str] | None = None) -> str | None:
    """Expand a CURIE (``kg:Country``) to an IRI, or return None when the prefix is unknown."""
    prefix, sep, local = term.partition(":")
    if not sep:
        return None
    ns = (prefixes or PREFIXES).get(prefix)
    return ns + local if ns is not None else None
