"""`bulwark bench lane` (also in `make bench`): how fast the harness drives a chain, in one run — raw
JSON-RPC to Anvil (sequential and batched), the lane on Anvil and on revm (transactions per second and
a state machine's steps per second), and Ape contract calls — with ratios to raw sequential RPC, the
issue-12 targets, a profile when the revm target is missed, and the figures as JSON (--out)."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import click
from ape import project
from ape.cli import ConnectedProviderCommand, network_option
from rich.console import Console
from rich.table import Table

from bulwark import PROJECT_ROOT
from bulwark.bench import lane, quiet
from bulwark.cli import LOCAL_NETWORK, UserPath, local_only

MACHINES = {
    "engine": "bulwark.fuzz.machines.engine:EngineMachine",
    "guarded": "bulwark.fuzz.machines.guarded:GuardedMachine",
}
console = Console(width=130)

quiet.silence_frameworks()  # the tables only: no Ape/web3 log lines (node start, each deployment)


def _machine(name: str) -> type:
    module, _, attr = MACHINES[name].partition(":")
    return getattr(importlib.import_module(module), attr)


def _rate(value: float | None) -> str:
    return "" if value is None else f"{value:,.0f}"


@click.command(cls=ConnectedProviderCommand, short_help="Lane speed: raw RPC, Anvil lane, revm lane, Ape")
@network_option(default=LOCAL_NETWORK, callback=local_only("the lane benchmark"))
@click.option("--machine", type=click.Choice(sorted(MACHINES)), default="engine", show_default=True)
@click.option("--examples", type=click.IntRange(1, 10_000), default=30, show_default=True, help="on revm")
@click.option("--steps", type=click.IntRange(1, 1_000), default=30, show_default=True, help="per example")
@click.option(
    "--out",
    type=UserPath(dir_okay=False, path_type=Path),
    default=PROJECT_ROOT / "reports" / "bench-lane.json",
    show_default=True,
)
def cli(ecosystem, network, provider, machine, examples, steps, out):
    from ape import accounts

    report = lane.measure_all(_machine(machine), project, accounts.test_accounts, examples, steps)
    table = Table(title="Chain lanes: MockERC20 transfers (accepted / reverted) and machine steps, one run")
    for column in ("lane", "accepted tx/s", "reverted tx/s", "vs raw", f"{machine} machine steps/s", "note"):
        table.add_column(column, justify="left" if column in ("lane", "note") else "right")
    for row in report.lanes:
        table.add_row(
            row.name,
            _rate(row.accepted_per_s),
            _rate(row.reverted_per_s),
            f"{report.ratio(row):.2f}x",
            _rate(row.steps_per_s),
            row.note,
        )
    console.print(table)
    anvil, revm = report.lanes[2], report.lanes[3]
    ratio = report.ratio(anvil)
    console.print(
        f"Anvil lane vs raw sequential RPC: {ratio:.2f}x (target >= {lane.ANVIL_TARGET}x: "
        f"{'met' if ratio >= lane.ANVIL_TARGET else 'NOT met'})"
    )
    if revm.steps_per_s is not None:
        met = revm.steps_per_s >= lane.REVM_STEPS_TARGET
        console.print(
            f"revm lane, {machine} machine: {revm.steps_per_s:,.0f} steps/s on one core (target >= "
            f"{lane.REVM_STEPS_TARGET:,}: {'met' if met else 'NOT met'})"
        )
    if report.profile:
        console.print("Where the revm machine's time goes (cProfile, by own time):")
        click.echo(report.profile)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report.as_dict(), indent=2))
    console.print(f"figures written to {out}")
