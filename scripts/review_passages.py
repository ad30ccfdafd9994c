"""Print each passage's text beside the facts its graph holds, for a reviewer to judge.

Run ``python scripts/review_passages.py [FILTER]`` from the repository root (with
``PYTHONPATH=src``). FILTER keeps the passages whose name contains it (``pl-``, ``fr-borders``).
The document is read from ``KG_DOCUMENTS`` or ``shared/seeds`` (``kg.resources``); the passages
come in document order, each with its span, its text (wrapped) and its triples as numbered
CURIEs, vocabulary objects followed by their label. Numbers run over the whole listing, so a
review can cite a fact by number; a last line on stderr counts passages and facts.

A second reviewer of issue 11 wrote this to read every document fact against its passage; it
reads the data files as they are (no inference, no external sources, no linksets).
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import RDFS

from kg import resources
from kg.namespaces import ID, KG, PASSAGE, curie


def _term(term) -> str:
    if isinstance(term, Literal):
        text = repr(str(term)) if term.datatype is None else str(term)
        if term.language:
            text += "@" + term.language
        if term.datatype is not None:
            text += "^^" + curie(str(term.datatype))
        return text
    return curie(str(term)) if isinstance(term, URIRef) else "_:" + str(term)


def _document_text(file_name: str) -> str | None:
    folder = resources.documents_dir()
    path = folder / file_name if folder else None
    return path.read_text(encoding="utf-8") if path and path.exists() else None


def main(argv: list[str]) -> int:
    wanted = argv[1] if len(argv) > 1 else ""
    dataset = Dataset(default_union=True)
    for path in sorted(Path(resources.data_dir()).glob("*.trig")):
        dataset.parse(path, format="trig")
    vocabulary = Dataset()
    for path in resources.ontology_files():
        vocabulary.parse(path)
    labels = {s: str(o) for s, o in vocabulary.subject_objects(RDFS.label)}
    start, end, file_name = (
        URIRef(KG + "startOffset"),
        URIRef(KG + "endOffset"),
        URIRef(KG + "fileName"),
    )
    in_document = URIRef(KG + "inDocument")
    passages = []
    for graph in dataset.graphs():
        name = graph.identifier
        if str(name).startswith(PASSAGE) and wanted in str(name)[len(PASSAGE) :]:
            passages.append((int(graph.value(name, start)), int(graph.value(name, end)), graph))
    texts = {}
    number = 0
    for first, last, graph in sorted(passages, key=lambda row: (row[0], row[1])):
        name = graph.identifier
        document = graph.value(name, in_document)
        if document not in texts:
            doc_file = dataset.value(document, file_name)
            texts[document] = _document_text(str(doc_file)) if doc_file else None
        text = texts[document]
        print("=" * 100)
        print(f"{curie(str(name))}  [{first}:{last}]  {last - first} characters")
        if text is not None:
            print(
                textwrap.fill(
                    text[first:last], 100, initial_indent="  | ", subsequent_indent="  | "
                )
            )
        facts = sorted((t for t in graph if t[0] != name), key=lambda t: tuple(_term(x) for x in t))
        for s, p, o in facts:
            number += 1
            note = ""
            if (
                isinstance(o, URIRef)
                and o in labels
                and p != RDFS.label
                and not str(o).startswith(ID)
            ):
                note = f"   ({labels[o]})"
            print(f"  {number:4d} {_term(s)} {_term(p)} {_term(o)}{note}")
    print(f"{len(passages)} passages, {number} facts", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
