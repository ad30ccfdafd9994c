"""``kg review``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kg.cli.base import command
from kg.cli.draft import DATA_OPTION


@command("review")
@click.argument("draft_file", metavar="DRAFT", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--accept",
    multiple=True,
    metavar="ID",
    help="Accept proposals (ids, or 'all': every undecided one).",
)
@click.option("--reject", multiple=True, metavar="ID", help="Reject proposals (ids).")
@click.option(
    "--edit",
    multiple=True,
    metavar="ID=TURTLE",
    help="Replace a proposal's triples by TURTLE (project prefixes) and accept it; for an "
    "accepted proposal, this corrects the facts in data/.",
)
@click.option(
    "--withdraw",
    multiple=True,
    metavar="ID",
    help="Take accepted proposals' facts out of data/ again (ids).",
)
@click.option("-i", "--interactive", is_flag=True, help="Ask about each undecided proposal.")
@click.option("--list", "listing", is_flag=True, help="List the proposals and their status.")
@DATA_OPTION
def review(
    draft_file: Path,
    accept: tuple[str, ...],
    reject: tuple[str, ...],
    edit: tuple[str, ...],
    withdraw: tuple[str, ...],
    interactive: bool,
    listing: bool,
    data: Path | None,
) -> None:
    """Accept, edit, reject or withdraw the proposals of a DRAFT made by `kg draft`, by id
    or interactively. The data with the decisions is validated and, when it conforms,
    data/<profile>.trig is rewritten below its "accepted with kg review" line (the
    hand-written part above stays as it is); the facts added, removed and changed are
    printed as a diff. Rejections are remembered beside the draft, so a redraft does not
    propose them. --list shows each proposal's status, "in-graph" when the graph already
    holds it, and the violations accepting it would cause.

    Exit status: 0 done, 1 the accepted facts do not conform (nothing written to data/; the
    report and the proposals it is about are printed; rejections given are kept), 2 any
    error (unknown id, Turtle that does not parse).
    """
    from kg import resources
    from kg.draft import diff, model
    from kg.draft import review as reviewing
    from kg.validation.report import render_text

    if data is not None:
        resources.use_data_dir(data)
    draft = model.read(draft_file)
    if listing:
        for p in draft.proposals:
            marks = ",".join(m for m, on in (("in-graph", p.in_graph),) if on) or "-"
            click.echo(f"{p.id}\t{p.status}\t{p.kind}\t{marks}\t{p.summary}")
            for violation in p.violations:
                click.echo(f"\tviolation: {violation}")
        return
    ids = [p.id for p in draft.proposals if p.status == "proposed"]  # what "all" accepts
    accepted = [i for a in accept for i in (ids if a == "all" else a.split(","))]
    rejected = [i for r in reject for i in r.split(",")]
    withdrawn = [i for w in withdraw for i in w.split(",")]
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
            known = " (already in the graph)" if p.in_graph else ""
            click.echo(f"\n{p.id} {p.kind}: {p.summary}{known}")
            click.echo("\n".join("    " + str(t) for t in p.triples))
            for violation in p.violations:
                click.echo(f"    violation if accepted: {violation}")
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
    if "all" in accept:  # "all" means every undecided proposal, not the ones decided otherwise
        accepted = [a for a in accepted if a not in rejected and a not in withdrawn]
    outcome = reviewing.review(
        draft_file, accept=accepted, reject=rejected, edit=edits, withdraw=withdrawn
    )
    if not outcome.applied.written and outcome.applied.report is not None:
        click.echo(render_text(outcome.applied.report), nl=False)
        for pid, messages in outcome.blamed.items():
            for message in messages:
                click.echo(f"{pid}: {message}")
        kept = f"; {outcome.kept} rejection(s) kept" if outcome.kept else ""
        click.echo(
            f"kg review: the accepted facts do not conform; nothing was written to data/{kept}",
            err=True,
        )
        sys.exit(1)
    if outcome.applied.written:
        click.echo(diff.render_text(outcome.applied.diff), nl=False)
        click.echo(
            f"kg review: validated and written: {', '.join(map(str, outcome.applied.files))}",
            err=True,
        )
    else:
        click.echo("kg review: nothing new accepted; data/ unchanged", err=True)
