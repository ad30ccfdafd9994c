"""``kg cite``."""

from __future__ import annotations

from pathlib import Path

import click

from kg.cli.base import command


@command("cite")
@click.argument("document", type=click.Path(path_type=Path))
@click.argument("quotes", nargs=-1, required=True)
@click.option("--trig", is_flag=True, help="Print a passage-graph skeleton for each match.")
def cite(document: Path, quotes: tuple[str, ...], trig: bool) -> None:
    """Print where each QUOTE lies in DOCUMENT: start and end in code points of the decoded
    text (end exclusive), as data/ cites passages, and the profile that holds it.

    Whitespace and line breaks, typographic quotes and dashes may differ from the document's.
    An ambiguous quote lists every match. Exit status 2 when a quote is not found (the message
    names the closest passage), crosses a profile boundary, or the document cannot be read.
    """
    from kg.draft import cite as citing
    from kg.draft import document as documents
    from kg.draft.drafting import load_graph, recorded_text

    doc = documents.read_document(document)
    store = load_graph()
    recorded = documents.check_recorded(store, doc, recorded_text)
    profiles = documents.recorded_profiles(store, recorded) if recorded is not None else []
    doc_iri = recorded.value if recorded is not None else doc.iri
    for quote in quotes:
        matches = citing.cite(doc, quote, profiles)
        for m in matches:
            where = f"\t{m.profile.name}" if m.profile else ""
            click.echo(f"{m.start}\t{m.end}{where}")
            if trig:
                click.echo(citing.skeleton(doc_iri, m), nl=False)
