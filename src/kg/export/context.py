"""The JSON-LD context of our exports, generated from the ontology so that it never drifts.

Every ``kg:`` class and property gets a short key (its local name): classes and properties
compact to ``"Country"`` or ``"sharesBorderWith"`` instead of full IRIs. Object properties say
``"@type": "@id"`` so that their values are plain IRI strings; datatype properties with a single
XSD range say so (``"@type": "xsd:gYear"``) so that their values are plain strings too. Values
of another datatype than the declared range still round-trip: the compactor then falls back to
the CURIE key (``"kg:year"``) with an explicit ``@type``. Strings (``xsd:string``,
``rdf:langString``, ``rdfs:Literal`` ranges) get no coercion, as JSON-LD would otherwise hide
their language. The project's prefixes (``kg.namespaces.PREFIXES``) come first, so that every
other IRI compacts to a CURIE.

Regenerate ``ontology/context.jsonld`` after changing the ontology::

    python -m kg.export.context > ontology/context.jsonld

``tests/test_export.py`` fails while the file is out of date.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pyoxigraph import Literal, NamedNode, QuerySolutions, Store, Variable

from kg import resources
from kg.errors import KgError
from kg.load import files as graph
from kg.load.files import ONTOLOGY_GRAPH
from kg.namespaces import PREFIXES, curie

KG = PREFIXES["kg"]
OWL = PREFIXES["owl"]
RDF = PREFIXES["rdf"]
RDFS = PREFIXES["rdfs"]
XSD = PREFIXES["xsd"]

_CLASS_TYPES = {OWL + "Class", RDFS + "Class"}
_OBJECT_TYPES = {
    OWL + "ObjectProperty",
    OWL + "SymmetricProperty",
    OWL + "TransitiveProperty",
    OWL + "InverseFunctionalProperty",
}
_DATATYPE_TYPES = {OWL + "DatatypeProperty"}
_PROPERTY_TYPES = (
    _OBJECT_TYPES
    | _DATATYPE_TYPES
    | {OWL + "AnnotationProperty", OWL + "FunctionalProperty", RDF + "Property"}
)
# Ranges that must stay plain strings in JSON-LD (a coercion would drop the language tag or
# turn "x" into a typed value that no longer matches a plain string).
_UNCOERCED = {XSD + "string", RDF + "langString", RDFS + "Literal", RDF + "PlainLiteral"}

_TERMS = """
SELECT ?term ?type ?range ?inverse ?g WHERE {
  GRAPH ?g {
    ?term a ?type .
    OPTIONAL { ?term <http://www.w3.org/2000/01/rdf-schema#range> ?range }
    OPTIONAL { ?term <http://www.w3.org/2002/07/owl#inverseOf> ?inverse }
  }
  FILTER(isIRI(?term))
}
"""


def _is_datatype(iri: str) -> bool:
    return iri.startswith(XSD) or iri in _UNCOERCED or iri == RDF + "HTML"


def build_context(store: Store, graph_name: NamedNode = ONTOLOGY_GRAPH) -> dict[str, Any]:
    """The JSON-LD context (the document ``{"@context": {...}}``) for the ontology held in
    ``graph_name`` of ``store``: prefixes, then one short key per ``kg:`` class and property."""
    types: dict[str, set[str]] = {}
    ranges: dict[str, set[str]] = {}
    has_inverse: set[str] = set()
    rows = store.query(_TERMS, substitutions={Variable("g"): graph_name})
    assert isinstance(rows, QuerySolutions)  # a SELECT
    for row in rows:
        term = row["term"].value
        if not term.startswith(KG) or term == KG:
            continue
        types.setdefault(term, set()).add(row["type"].value)
        if row["range"] is not None and isinstance(row["range"], NamedNode):
            ranges.setdefault(term, set()).add(row["range"].value)
        if row["inverse"] is not None:
            has_inverse.add(term)
    # a property named as another's inverse is an object property too
    inverses = store.query(
        "SELECT ?p ?g WHERE { GRAPH ?g { ?q <http://www.w3.org/2002/07/owl#inverseOf> ?p } }",
        substitutions={Variable("g"): graph_name},
    )
    assert isinstance(inverses, QuerySolutions)
    for row in inverses:
        if isinstance(row["p"], NamedNode):
            has_inverse.add(row["p"].value)

    context: dict[str, Any] = dict(PREFIXES)
    terms: dict[str, Any] = {}
    for term in sorted(types):
        key = term[len(KG) :]
        if not key or key in PREFIXES or key.startswith("@") or ":" in key:
            continue  # keeps its CURIE: a short key would shadow a prefix or a keyword
        kinds = types[term]
        short = curie(term)
        if kinds & _CLASS_TYPES and not kinds & _PROPERTY_TYPES:
            terms[key] = short
            continue
        if not kinds & _PROPERTY_TYPES:
            continue  # an individual of the ontology, not a term
        declared = ranges.get(term, set())
        is_object = bool(kinds & _OBJECT_TYPES) or term in has_inverse
        if not is_object and not kinds & _DATATYPE_TYPES and declared:
            is_object = not any(_is_datatype(r) for r in declared)
        if is_object:
            terms[key] = {"@id": short, "@type": "@id"}
        elif len(declared) == 1 and next(iter(declared)) not in _UNCOERCED:
            (datatype,) = declared
            if _is_datatype(datatype):
                terms[key] = {"@id": short, "@type": curie(datatype)}
            else:
                terms[key] = short
        else:
            terms[key] = short
    context.update(terms)
    return {"@context": context}


# --------------------------------------------------------------------------------------------
# Compaction: RDF terms → compacted JSON-LD with a given context


_IRI_CACHE = 1 << 16  # compacted IRIs kept (objects and predicates repeat: most are hits)


class Compactor:
    """Compacts triples into JSON-LD node objects with a context, choosing for each value the
    term whose definition fits it (an ``@id`` coercion for IRIs, a datatype coercion for that
    datatype, a plain term otherwise) and falling back to the CURIE key with an explicit value
    object. The output expands back to exactly the same triples.

    Why not rdflib's JSON-LD serializer: rdflib 7.6, given a context where a property is
    coerced to ``@id``, drops every triple of a blank node that is the value of that property
    (it nests the node, then writes only its id); our memberships are such nodes.
    """

    def __init__(self, context: dict[str, Any]) -> None:
        self.prefixes: dict[str, str] = {}
        for key, value in context.items():
            if (
                isinstance(value, str)
                and ":" not in key
                and not key.startswith("@")
                and value.endswith(("/", "#"))
                and "://" in value
            ):
                self.prefixes[key] = value
        self.by_length = sorted(self.prefixes.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        # namespace → the prefix used for it (the first name, as by_length orders them)
        self.by_namespace: dict[str, str] = {}
        for prefix, ns in self.by_length:
            self.by_namespace.setdefault(ns, prefix)
        self._iris: dict[str, str] = {}
        self._literals: dict[tuple[str, str | None, str | None], tuple[str, Any]] = {}
        # IRI → [(key, coercion)] for the keys usable as properties; IRI → key for classes
        self.properties: dict[str, list[tuple[str, str | None]]] = {}
        self.classes: dict[str, str] = {}
        for key, value in context.items():
            if key in self.prefixes or key.startswith("@") or ":" in key:
                continue
            if isinstance(value, str):
                iri, coercion = self.expand(value), None
            elif isinstance(value, dict) and set(value) <= {"@id", "@type"} and "@id" in value:
                iri = self.expand(value["@id"])
                coercion = value.get("@type")
                if coercion is not None and coercion != "@id":
                    coercion = self.expand(coercion)
            else:
                continue  # containers, @vocab coercion, reverse terms: not used for writing
            if iri is None:
                continue
            self.properties.setdefault(iri, []).append((key, coercion))
            if coercion is None:
                best = self.classes.get(iri)
                if best is None or (len(key), key) < (len(best), best):
                    self.classes[iri] = key
        for keys in self.properties.values():
            keys.sort(key=lambda kc: (len(kc[0]), kc[0]))

    def expand(self, value: str) -> str | None:
        prefix, sep, rest = value.partition(":")
        if sep and prefix in self.prefixes and not rest.startswith("//"):
            return self.prefixes[prefix] + rest
        return value if "://" in value or value.startswith("urn:") else None

    def iri(self, iri: str) -> str:
        """An IRI in ``@id`` position: a CURIE when a prefix fits (the longest namespace, then
        the first prefix name), else the IRI itself."""
        cached = self._iris.get(iri)
        if cached is None:
            cached = self._compact_iri(iri)
            if len(self._iris) >= _IRI_CACHE:
                self._iris.clear()  # bounded: a million distinct IRIs would be 100s of MB
            self._iris[iri] = cached
        return cached

    def _compact_iri(self, iri: str) -> str:
        # Every namespace ends in "/" or "#": the ones that can start ``iri`` end where it has
        # one of those, so they are looked up there, longest first (as ``by_length`` orders
        # them), instead of trying every prefix.
        end = len(iri) - 1
        while end > 0:
            cut = max(iri.rfind("/", 0, end), iri.rfind("#", 0, end))
            if cut < 0:
                break
            prefix = self.by_namespace.get(iri[: cut + 1])
            if prefix is not None and not iri.startswith("//", cut + 1):
                return f"{prefix}:{iri[cut + 1 :]}"
            end = cut
        return iri

    def node_id(self, term: Any) -> str:
        return self.iri(term.value) if isinstance(term, NamedNode) else str(term)

    def _key_and_value(self, predicate: str, obj: Any) -> tuple[str, Any]:
        if isinstance(obj, Literal):
            language = obj.language
            datatype = obj.datatype.value if language is None else None
            return self.literal(predicate, obj.value, datatype, language)
        return self.reference(predicate, self.node_id(obj))

    def literal(
        self, predicate: str, value: str, datatype: str | None, language: str | None
    ) -> tuple[str, Any]:
        """The key and JSON value of a literal object (``datatype`` None when ``language``)."""
        cache_key = (predicate, datatype, language)
        shape = self._literals.get(cache_key)
        if shape is None:
            shape = self._literal_shape(predicate, datatype, language)
            if len(self._literals) >= _IRI_CACHE:
                self._literals.clear()
            self._literals[cache_key] = shape
        key, wrap = shape
        if wrap is None:
            return key, value
        return key, {**wrap, "@value": value}

    def _literal_shape(
        self, predicate: str, datatype: str | None, language: str | None
    ) -> tuple[str, dict[str, str] | None]:
        """The key a literal of this datatype or language takes under ``predicate``, and the
        members its value object has besides ``@value`` (None: the plain string)."""
        terms = self.properties.get(predicate, ())
        wrap: dict[str, str] | None = None
        if datatype is not None and datatype != XSD + "string":
            for key, coercion in terms:
                if coercion == datatype:
                    return key, None
            wrap = {"@type": self.iri(datatype)}
        elif language is not None:
            wrap = {"@language": language}
        for key, coercion in terms:
            if coercion is None:
                return key, wrap
        return self.iri(predicate), wrap

    def reference(self, predicate: str, reference: str) -> tuple[str, Any]:
        """The key and JSON value of a node object (``reference``: its ``node_id``)."""
        for key, coercion in self.properties.get(predicate, ()):
            if coercion == "@id":
                return key, reference
        for key, coercion in self.properties.get(predicate, ()):
            if coercion is None:
                return key, {"@id": reference}
        return self.iri(predicate), {"@id": reference}

    def nodes(self, triples: Iterable[tuple[Any, Any, Any]]) -> list[dict[str, Any]]:
        """Node objects, one per subject, sorted by ``@id``; values sorted; keys ``@id``,
        ``@type``, then alphabetical — the same triples always give the same JSON."""
        grouped: dict[str, dict[str, list[Any]]] = {}
        for s, p, o in triples:
            self.add(grouped.setdefault(self.node_id(s), {}), p, o)
        return [self.node(node_id, grouped[node_id]) for node_id in sorted(grouped)]

    def add(self, properties: dict[str, list[Any]], predicate: Any, obj: Any) -> None:
        """Add one statement of a node to its ``properties`` (key → values, unsorted)."""
        if predicate.value == RDF + "type" and isinstance(obj, NamedNode):
            self.add_type(properties, obj.value)
            return
        key, value = self._key_and_value(predicate.value, obj)
        properties.setdefault(key, []).append(value)

    def add_type(self, properties: dict[str, list[Any]], iri: str) -> None:
        """Add a class (an ``rdf:type`` IRI) to a node's ``properties``."""
        properties.setdefault("@type", []).append(self.classes.get(iri) or self.iri(iri))

    @staticmethod
    def node(node_id: str, properties: dict[str, list[Any]]) -> dict[str, Any]:
        """The node object of ``properties`` (``add``): keys and values in their stable order."""
        node: dict[str, Any] = {"@id": node_id}
        for key in sorted(properties, key=lambda k: (k != "@type", k)):
            values = sorted(properties[key], key=_json_sort_key)
            node[key] = values[0] if len(values) == 1 else values
        return node


def _json_sort_key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def render(context: dict[str, Any]) -> str:
    """The context as the text of ``ontology/context.jsonld`` (stable: diffable in git)."""
    return json.dumps(context, indent=2, ensure_ascii=False) + "\n"


def context_of_file(path: Path | str) -> dict[str, Any]:
    """Build the context of an ontology file (Turtle or any format the loader reads)."""
    dataset = graph.load([path], ontology=False)
    return build_context(dataset.store, graph.graph_name(Path(path)))


def main(argv: list[str] | None = None) -> int:
    """``python -m kg.export.context [ONTOLOGY]``: print the context of the ontology (ours by
    default)."""
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else resources.ontology_file()
    try:
        text = render(context_of_file(path))
    except KgError as error:
        print(f"kg.export.context: error: {error}", file=sys.stderr)
        return 2
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
