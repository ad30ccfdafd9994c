"""``kg review``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kg.cli.base import command


@command("review")
@click.argument("draft_file", metavar="DRAFT", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--accept", multiple=True, metavar="ID", help="Accept proposals (ids, or 'all').")
@click.option("--reject", multiple=True, metavar="ID", help="Reject proposals (ids).")
@click.option(
    "--edit",
    multiple=True,
    metavar="ID=TURTLE",
    help="Replace a proposal's triples by TURTLE (project prefixes) and accept it.",
)
@click.option("-i", "--interactive", is_flag=True, help="Ask about each undecided proposal.")
@click.option("--list", "listing", is_flag=True, help="List the proposals and their status.")
def review(
    draft_file: Path,
    accept: tuple[str, ...],
    reject: tuple[str, ...],
    edit: tuple[str, ...],
    interactive: bool,
    listing: bool,
) -> None:
    """Accept, edit or reject the proposals of a DRAFT made by `kg draft`, by id or
    interactively. Accepted facts are validated with the rest of the data and, when it
    conforms, appended atomically to data/<profile>.trig; the facts added are printed as a
    diff. Rejections are remembered beside the draft, so a redraft does not propose them.

    Exit status: 0 done, 1 the accepted facts do not conform (nothing written; the report is
    printed), 2 any error (unknown id, Turtle that does not parse).
    """
    from kg.draft import diff, model
    from kg.draft import review as reviewing
    from kg.validation.report import render_text

    draft = model.read(draft_file)
    if listing:
        for p in draft.proposals:
            click.echo(f"{p.id}\t{p.status}\t{p.kind}\t{p.summary}")
        return
    ids = [p.id for p in draft.proposals]
    accepted = [i for a in accept for i in (ids if a == "all" else a.split(","))]
    rejected = [i for r in reject for i in r.split(",")]
    edits = {}
    for item in edit:
        pid, sep, text = item.partition("=")
        if not sep:
            raise click.BadParameter(f"{item!r}: give ID=TURTLE", param_hint="--edit")
        edits[pid.strip()] = text
    if interactive:
        for p in draft.proposals:
            if p.status != "proposed" or p.id in accepted + rejected or p.id in edits:
                continue
            click.echo(f"\n{p.id} {p.kind}: {p.summary}")
            click.echo("\n".join("    " + str(t) for t in p.triples))
            choice = click.prompt(
                "[a]ccept, [r]eject, [e]dit, [s]kip, [q]uit",
                type=click.Choice(["a", "r", "e", "s", "q"]),
                default="s",
            )
            if choice == "q":
                break
            if choice == "a":
                accepted.append(p.id)
            elif choice == "r":
                rejected.append(p.id)
            elif choice == "e":
                edits[p.id] = click.prompt(
                    "Turtle", default=" ".join(str(t) + " ." for t in p.triples)
                )
    accepted = [a for a in accepted if a not in edits]
    reviewing.decide(draft, accept=accepted, reject=rejected, edit=edits)
    result = reviewing.apply(draft)
    if result.report is not None and not result.report.conforms:
        click.echo(render_text(result.report), nl=False)
        click.echo("kg review: the accepted facts do not conform; nothing was written", err=True)
        sys.exit(1)
    model.write(draft, draft_file)
    reviewing.remember(
        reviewing.rejections_file(draft_file),
        [p for p in draft.proposals if p.status == "rejected"],
    )
    if result.written:
        click.echo(diff.render_text(result.diff), nl=False)
        click.echo(
            f"kg review: validated and written: {', '.join(map(str, result.files))}", err=True
        )
    else:
        click.echo("kg review: nothing new accepted; data/ unchanged", err=True)
