"""`bulwark drill`: rehearse the monitor on simulator scenarios (docs/RUNBOOK.md, "Rehearsing").

    bulwark drill [--scenario FILE]... [--seed N] [--out FILE]

Each scenario runs on a local Anvil (started and stopped here) with the monitor attached, polling after
every block the agents make; the figures per detector (detection latency in blocks and seconds, blocks
until its pause held, recall, precision) are measured against the chain's history and the scenario's
script (bulwark.monitor.truth).
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from bulwark import PROJECT_ROOT
from bulwark.cli import UserPath
from bulwark.monitor.drill import drill
from bulwark.sim import batch
from bulwark.sim.scenario import ScenarioError

console = Console(width=150)
DRILLS = (
    "synthetix-skrw-2019",
    "luna-2022",
    "black-thursday-2020",
    "hostile-keys-beyond-tolerance",
    "compound-dai-2020-single-source",
    "compound-dai-2020",
    "hostile-keys-at-tolerance",
    "slow-bleed",
)
COLUMNS = ("scenario", "detector", "truth", "incidents", "detected", "latency [blocks]", "latency [s]",
           "to pause [blocks]", "recall", "precision", "alerts")  # fmt: skip


def _figure(values: list | None, most: int = 6) -> str:
    """A list of figures, the first `most` of them and the range of the rest."""
    if values is None:
        return "n/a"
    if not values:
        return "-"
    shown = ", ".join(str(v) for v in values[:most])
    return shown if len(values) <= most else f"{shown}, ... ({len(values)}: {min(values)}-{max(values)})"


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


@click.command("drill", short_help="Rehearse the monitor on simulator scenarios and measure it")
@click.option(
    "--scenario",
    "scenarios",
    multiple=True,
    type=UserPath(exists=True, dir_okay=False, path_type=Path),
    help="Scenario file (repeatable) [default: the drills of docs/RUNBOOK.md].",
)
@click.option("--seed", type=click.IntRange(0), default=1, show_default=True)
@click.option(
    "--out", type=UserPath(dir_okay=False, path_type=Path), default=None, help="Write the figures as JSON."
)
def cli(scenarios, seed, out):
    """Replay each scenario on Anvil with the monitor attached; print and write its figures."""
    paths = list(scenarios) or [PROJECT_ROOT / "scenarios" / f"{name}.yaml" for name in DRILLS]
    table = Table(title="monitor drills: each detector against the truth (bulwark/monitor/truth.py)")
    for column in COLUMNS:
        table.add_column(column, justify="left" if column in COLUMNS[:3] else "right")
    found = {}
    try:
        for path in paths:
            result = drill(path, seed)
            found[result.scenario] = result.figures
            for name, f in result.figures.items():
                if f["incidents"] or f["alerts"]:
                    table.add_row(
                        result.scenario, name, f["kind"], str(f["incidents"]), str(f["detected"]),
                        _figure(f["latency_blocks"]), _figure(f["latency_seconds"]),
                        _figure(f["blocks_to_pause"]), _share(f["recall"]), _share(f["precision"]),
                        str(f["alerts"]),
                    )  # fmt: skip
            if not any(f["incidents"] or f["alerts"] for f in result.figures.values()):
                table.add_row(result.scenario, "(none)", "-", "0", *["-"] * 6, "0")
    except ScenarioError as err:
        raise click.UsageError(str(err)) from None
    finally:
        batch.close_worlds()
    console.print(table)
    if out:
        out.write_text(json.dumps(found, indent=1))
        console.print(f"figures: {out}")
