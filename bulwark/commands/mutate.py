"""`bulwark mutate [--mutants a,b] [--examples N] [--steps S] [--no-unit-tests] [--slither]` (also
`make mutate MUTANTS=a,b`): the mutation score (docs/MUTATION.md).

Each hand-written mutant (bulwark.mutate.mutants) is applied to a copy of the checkout, compiled, and run
against its lane machines on revm (bounded, derandomized) and its unit tests; the table shows who killed
it, the summary the kill rate over non-equivalent mutants, written to reports/mutate/summary.json."""

from __future__ import annotations

import dataclasses
import signal
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from bulwark import PROJECT_ROOT
from bulwark.fuzz.campaign import MACHINES
from bulwark.mutate.mutants import BY_NAME, MUTANTS
from bulwark.mutate.runner import KILLED, SURVIVED, Budget, Result, run_campaign, score, write_summary
from bulwark.mutate.slither import TARGETS

SUMMARY = PROJECT_ROOT / "reports" / "mutate" / "summary.json"
_STYLE = {KILLED: "green", SURVIVED: "red"}


def choose(names: str | None) -> list:
    """The mutants named in a comma-separated list (all when empty); BadParameter for an unknown name."""
    if not names:
        return list(MUTANTS)
    chosen = [n.strip() for n in names.split(",") if n.strip()]
    unknown = [n for n in chosen if n not in BY_NAME]
    if unknown:
        raise click.BadParameter(f"unknown mutant {', '.join(unknown)} (known: {', '.join(BY_NAME)})")
    return [BY_NAME[n] for n in chosen]


def results_table(results: list[Result]) -> Table:
    table = Table(title="Mutants")
    for column in ("mutant", "file", "result", "killed by", "seconds"):
        table.add_column(column, justify="right" if column == "seconds" else "left")
    for r in results:
        shown = r.result + (" (equivalent)" if r.result == SURVIVED and r.equivalent else "")
        table.add_row(
            r.name,
            Path(r.file).name,
            f"[{_STYLE.get(r.result, 'yellow')}]{shown}[/]",
            r.killed_by,
            f"{r.seconds:.1f}",
        )
    return table


@click.command("mutate", short_help="Mutation score of the machines and unit tests")
@click.option("--mutants", "names", default=None, help="Comma-separated mutant names (default: all).")
@click.option("--examples", default=Budget.examples, show_default=True, help="Examples per machine.")
@click.option("--steps", default=Budget.steps, show_default=True, help="Steps per example.")
@click.option("--no-unit-tests", is_flag=True, help="Run only the machines.")
@click.option(
    "--machine",
    "machines",
    multiple=True,
    type=click.Choice(sorted(MACHINES)),
    help="Run these machines against every mutant instead of each mutant's own (repeat for several).",
)
@click.option(
    "--slither",
    "slither_contract",
    default=None,
    type=click.Choice(sorted(TARGETS)),
    help="Also run slither-mutate on this contract file (bounded; see docs/MUTATION.md).",
)
def cli(names, examples, steps, no_unit_tests, machines, slither_contract):
    """Apply each mutant to a copy of the checkout and print killed / survived and the kill rate."""
    mutants = choose(names)
    if machines:  # e.g. how much of the list the system machine kills alone
        mutants = [dataclasses.replace(m, machines=tuple(machines)) for m in mutants]
    # SIGTERM unwinds like Ctrl-C, so the copy is removed (the checkout is never touched either way)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    budget = Budget(examples=examples, steps=steps, unit_tests=not no_unit_tests)
    console = Console(width=140)
    results = run_campaign(
        mutants,
        budget,
        on_result=lambda r: console.print(f"{r.name}: {r.result} {r.killed_by} ({r.seconds:.1f} s)"),
    )
    if slither_contract:
        from bulwark.mutate.slither import run_slither

        results += run_slither(slither_contract, budget)
    console.print(results_table(results))
    summary = write_summary(results, SUMMARY, budget)
    counts = score(results)
    rate = "n/a" if counts["kill_rate"] is None else f"{counts['kill_rate']:.0%}"
    console.print(
        f"killed {counts['killed']}, survived {counts['survived']}, equivalent {counts['equivalent']}, "
        f"stillborn {counts['stillborn']}, error {counts['error']}: kill rate {rate} "
        f"({SUMMARY.relative_to(PROJECT_ROOT)})"
    )
    return 0 if summary["survived"] == 0 and summary["error"] == 0 else 1
