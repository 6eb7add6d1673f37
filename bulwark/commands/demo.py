"""`bulwark demo` (also `ape run demo`, `make demo`): the main job. Replay 12-13 March 2020 against a
freshly deployed suite on a local Anvil that the command starts and stops itself, then print the
headline risk figures and where the report and charts are.

It is `bulwark simulate --scenario scenarios/black-thursday-2020.yaml --backend anvil --out runs/demo`
(bulwark.commands.simulate); `bulwark walk` is the scripted, step-by-step crash walk it replaced.
"""

from __future__ import annotations

import time
from pathlib import Path

import click

from bulwark import PROJECT_ROOT
from bulwark.cli import UserPath
from bulwark.commands.simulate import console, scenario_option, simulate


@click.command("demo", short_help="Replay the March-2020 crash on a local Anvil and report the risk")
@scenario_option()
@click.option("--seed", type=click.IntRange(0, 2**32 - 1), default=1, show_default=True)
@click.option(
    "--out",
    type=UserPath(file_okay=False, path_type=Path),
    default=PROJECT_ROOT / "runs" / "demo",
    show_default=True,
    help="Report directory.",
)
def cli(scenario, seed, out):
    """Deploy the suite on a local Anvil (started here, stopped at the end), replay the scenario, and
    write report.json, report.md and PNG charts."""
    started = time.monotonic()
    _, spec, digest = scenario
    out = simulate(spec, digest, seed, 1, "anvil", out, workers=1)
    console.print(
        f"[green]demo finished[/] in {time.monotonic() - started:.1f} s including the node's start and stop; "
        f"open {out / 'report.md'} (charts beside it)"
    )
