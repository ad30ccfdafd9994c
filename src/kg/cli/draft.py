"""``kg draft``."""

from __future__ import annotations

from pathlib import Path

import click

from kg.cli.base import command, stdout

DATA_OPTION = click.option(
    "--data",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    default=None,
    metavar="DIR",
    envvar="KG_DATA",
    help="The data folder (default $KG_DATA, else the repository's data/).",
)


@command("draft")
@click.argument("document", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write the draft (TriG) to FILE, atomically, making its folder if needed; standard "
    "output when absent.",
)
@click.option("--profile", default=None, metavar="NAME", help="Draft only this profile.")
@click.option(
    "--external",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    metavar="DIR",
    help="Folder of the external tables (default $KG_EXTERNAL, else shared/external).",
)
@DATA_OPTION
@click.option(
    "--check/--no-check",
    default=True,
    show_default=True,
    help="Run the shapes on the proposals in the context of the data, and mark each proposal "
    "with the violations accepting it would cause.",
)
def draft(
    document: Path,
    output: Path | None,
    profile: str | None,
    external: Path | None,
    data: Path | None,
    check: bool,
) -> None:
    """Propose cited facts for DOCUMENT: its record (label, file name, SHA-256, length) and
    profiles, one passage per sentence, the entities each mentions, and proposed facts
    (borders and directions, coasts, landlocked, capitals and largest cities, population
    figures, size rankings, memberships and participation, strategies with periods, adoption
    and responsible institutions, CERTs and regulators, ratified treaties, objectives), each
    in its passage graph, marked as a draft. New entities get proposed id: slugs. Profile,
    passage and proposal ids are derived from the document, so two documents never collide
    and a redraft keeps its ids. A proposal the graph already holds is marked "in graph"; one
    that would violate a shape carries the violation.

    Nothing is written into data/: review the draft with `kg review` or `kg serve --review`.
    Proposals rejected before (remembered beside FILE) are not proposed again. A draft of
    more than 500 proposals is written with a warning. Exit status 2 when the document is
    larger than 1 000 000 bytes, is not UTF-8, is empty, or changed since it was recorded
    (the message lists the passages that moved).
    """
    from kg import resources
    from kg.draft import model, review
    from kg.draft.drafting import MAX_PROPOSALS, make_draft

    if data is not None:
        resources.use_data_dir(data)
    rejected = review.load_rejections(review.rejections_file(output)) if output else set()
    made = make_draft(
        document,
        data=[resources.data_dir()],
        profile=profile,
        external=external,
        rejected=rejected,
    )
    if len(made.proposals) > MAX_PROPOSALS:
        click.echo(
            f"kg draft: warning: {len(made.proposals)} proposals, more than {MAX_PROPOSALS}: "
            "a draft this long is hard to review; draft one profile at a time (--profile)",
            err=True,
        )
    flagged = review.flag(made) if check else 0
    if output is None:
        stdout().write(model.render(made))
        return
    model.write(made, output)
    known = sum(1 for p in made.proposals if p.in_graph)
    click.echo(
        f"kg draft: {len(made.proposals)} proposals ({known} already in the graph, {flagged} "
        f"that would violate a shape) in {len(made.passages)} passages of "
        f"{len(made.profiles)} profile(s) written to {output}",
        err=True,
    )
