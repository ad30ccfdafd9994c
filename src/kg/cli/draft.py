"""``kg draft``."""

from __future__ import annotations

from pathlib import Path

import click

from kg.cli.base import command, stdout


@command("draft")
@click.argument("document", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write the draft (TriG) to FILE, atomically; standard output when absent.",
)
@click.option("--profile", default=None, metavar="NAME", help="Draft only this profile.")
@click.option(
    "--external",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    metavar="DIR",
    help="Folder of the external tables (default $KG_EXTERNAL, else shared/external).",
)
def draft(document: Path, output: Path | None, profile: str | None, external: Path | None) -> None:
    """Propose cited facts for DOCUMENT: its record (file name, SHA-256, length) and profiles,
    one passage per sentence, the entities each mentions, and proposed facts (borders and
    directions, coasts, landlocked, capitals and largest cities, population figures, size
    rankings, memberships and participation, strategies with periods, adoption and
    responsible institutions, CERTs and regulators, ratified treaties, objectives), each in
    its passage graph, marked as a draft. New entities get proposed id: slugs.

    Nothing is written into data/: review the draft with `kg review` or `kg serve --review`.
    Proposals rejected before (remembered beside FILE) are not proposed again. Exit status 2
    when the document is not UTF-8, is empty, or changed since it was recorded in
    sources.trig (the message lists the passages that moved).
    """
    from kg.draft import model, review
    from kg.draft.drafting import make_draft

    rejected = review.load_rejections(review.rejections_file(output)) if output else set()
    made = make_draft(document, profile=profile, external=external, rejected=rejected)
    if output is None:
        stdout().write(model.render(made))
        return
    model.write(made, output)
    click.echo(
        f"kg draft: {len(made.proposals)} proposals in {len(made.passages)} passages of "
        f"{len(made.profiles)} profile(s) written to {output}",
        err=True,
    )
