"""`bulwark drill`: rehearse the monitor on simulator scenarios (docs/RUNBOOK.md, "Rehearsing").

    bulwark drill [--scenario FILE]... [--seed N] [--out FILE]

Each scenario runs on a local Anvil (started and stopped here) with the monitor attached, polling after
every block the agents make; the figures per incident kind (detection latency in blocks, blocks until
trading was paused, recall, precision) come from the chain's own history (bulwark.monitor.drill).
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

console = Console(width=130)
DRILLS = ("synthetix-skrw-2019", "luna-2022", "black-thursday-2020", "compound-dai-2020", "slow-bleed")


def _figure(values: list) -> str:
    return ", ".join(str(v) for v in values) if values else "-"


@click.command("drill", short_help="Rehearse the monitor on simulator scenarios and measure it")
@click.option(
    "--scenario",
    "scenarios",
    multiple=True,
    type=UserPath(exists=True, dir_okay=False, path_type=Path),
    help="Scenario file (repeatable) [default: the incident drills of docs/RUNBOOK.md].",
)
@click.option("--seed", type=click.IntRange(0), default=1, show_default=True)
@click.option(
    "--out", type=UserPath(dir_okay=False, path_type=Path), default=None, help="Write the figures as JSON."
)
def cli(scenarios, seed, out):
    """Replay each scenario on Anvil with the monitor attached; print and write its figures."""
    paths = list(scenarios) or [PROJECT_ROOT / "scenarios" / f"{name}.yaml" for name in DRILLS]
    table = Table(title="monitor drills (truth from the chain, block by block)")
    for column in ("scenario", "kind", "incidents", "detected", "latency [blocks]", "to pause [blocks]",
                   "recall", "precision", "alerts"):  # fmt: skip
        table.add_column(column, justify="left" if column in ("scenario", "kind") else "right")
    found = {}
    try:
        for path in paths:
            result = drill(path, seed)
            found[result.scenario] = result.figures
            for kind, f in result.figures.items():
                if f["incidents"] or f["alerts"]:
                    table.add_row(
                        result.scenario, kind, str(f["incidents"]), str(f["detected"]),
                        _figure(f["latency_blocks"]), _figure(f["blocks_to_pause"]),
                        "-" if f["recall"] is None else f"{f['recall']:.0%}",
                        "-" if f["precision"] is None else f"{f['precision']:.0%}", str(f["alerts"]),
                    )  # fmt: skip
            critical = sum(a["severity"] == "critical" for a in result.alerts)
            if not any(f["incidents"] for f in result.figures.values()):
                table.add_row(
                    result.scenario, "(control)", "0", "-", "-", "-", "-", "-", f"{critical} critical"
                )
    except ScenarioError as err:
        raise click.UsageError(str(err)) from None
    finally:
        batch.close_worlds()
    console.print(table)
    if out:
        out.write_text(json.dumps(found, indent=1))
        console.print(f"figures: {out}")
