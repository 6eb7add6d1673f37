"""`bulwark fuzz` (also `make fuzz`): an invariant campaign over the lane machines — N worker processes,
each with its own backend and seed, until the time is up — with a live table, a summary in --out
(summary.json, summary.md) and a failure file per distinct failure; `--replay FILE` re-runs one failure
and exits non-zero while it still fails; `--coverage` adds line and branch coverage (docs/COVERAGE.md).
See docs/FUZZING.md and bulwark/fuzz/campaign.py."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console
from rich.live import Live
from rich.table import Table

from bulwark.chain import BACKENDS
from bulwark.cli import UserPath
from bulwark.fuzz import campaign

console = Console(width=130)
PLAIN_EVERY = 10.0  # seconds between progress lines when stdout is not a terminal


def _machines(ctx, param, names):
    names = list(names) or campaign.available_machines()
    for name in names:
        try:
            campaign.load_machine(name)
        except campaign.MachineError as err:
            raise click.BadParameter(str(err), ctx, param) from None
    return names


def _table(states, elapsed: float, minutes: float) -> Table:
    table = Table(title=f"bulwark fuzz: {elapsed:,.0f} s of {minutes * 60:,.0f} s")
    for column in ("worker", "seed", "steps", "steps/s", "examples", "invariant checks", "failures", "state"):
        table.add_column(column, justify="left" if column in ("state",) else "right")
    for s in states:
        state = "crashed" if s.crash else "done" if s.done else "running"
        table.add_row(
            str(s.index),
            str(s.seed),
            f"{s.steps:,}",
            f"{s.steps_per_second:,.0f}",
            f"{s.examples:,}",
            f"{s.invariant_checks:,}",
            str(s.failures),
            state,
        )
    table.add_row(
        "all",
        "",
        f"{sum(s.steps for s in states):,}",
        f"{sum(s.steps_per_second for s in states):,.0f}",
        f"{sum(s.examples for s in states):,}",
        f"{sum(s.invariant_checks for s in states):,}",
        str(sum(s.failures for s in states)),
        "",
        style="bold",
    )
    return table


def _replay(path: Path, backend: str | None, params_path: Path | None) -> None:
    try:
        result = campaign.replay(path, backend, params_path)
    except (campaign.MachineError, KeyError, ValueError) as err:  # ValueError: JSON that does not parse
        raise click.BadParameter(f"{path}: {err}", param_hint="'--replay'") from None
    where = backend or result.recorded["backend"]
    if result.failed:
        console.print(f"[red]still fails[/] on {where}: {result.failure['error'].splitlines()[0]}")
        for line in result.failure["steps"]:
            click.echo(f"  {line}")
        sys.exit(1)
    console.print(
        f"[green]no longer fails[/] on {where}: {result.recorded['machine']}, seed {result.recorded['seed']}"
    )


def _coverage_backend(ctx, backend: str) -> str:
    """The backend of a --coverage campaign: Anvil unless --backend was given (pyrevm's tracer costs
    ~1 ms per EVM step, docs/COVERAGE.md); the runtime source maps are built now, so that a build out
    of step with the sources is one usage line before any worker starts."""
    from bulwark.coverage.sourcemap import CoverageError, load_source_maps

    try:
        load_source_maps()
    except CoverageError as err:
        raise click.UsageError(f"--coverage: {err}", ctx) from None
    if ctx.get_parameter_source("backend") == click.core.ParameterSource.DEFAULT:
        return "anvil"
    if backend == "revm":
        console.print(
            "[yellow]note[/]: coverage on revm traces through pyrevm's slow tracer; see docs/COVERAGE.md"
        )
    return backend


def _print_coverage(section: dict) -> None:
    if "error" in section:
        console.print(f"[red]coverage not computed[/]: {section['error']}", soft_wrap=True)
        return
    t = section["totals"]
    console.print(
        f"coverage (mocks excluded): lines {t['lines_hit']}/{t['lines']} ({t['lines_percent']}%), "
        f"branches {t['branches_hit']}/{t['branches']} ({t['branches_percent']}%); {section['lcov']}",
        soft_wrap=True,
    )


@click.command(short_help="Invariant campaign: parallel workers, summary, replayable failures")
@click.option("--minutes", type=click.FloatRange(min=0, min_open=True), default=5.0, show_default=True)
@click.option("--workers", type=click.IntRange(min=1), default=campaign.cpu_count(), show_default="all cores")
@click.option("--backend", type=click.Choice(BACKENDS), default="revm", show_default=True)
@click.option(
    "--machine",
    "machines",
    multiple=True,
    callback=_machines,
    help=f"Repeat for several (default: all available: {', '.join(campaign.available_machines())}).",
)
@click.option("--seed", type=click.IntRange(min=0), help="Campaign seed (default: drawn and recorded).")
@click.option("--out", type=UserPath(file_okay=False, path_type=Path), help="Default: reports/fuzz/<time>/.")
@click.option(
    "--params",
    "params_path",
    type=UserPath(exists=True, dir_okay=False, path_type=Path),
    help="Suite parameter file, for a machine that deploys from one (the system machine).",
)
@click.option("--examples", type=click.IntRange(min=1), default=campaign.EXAMPLES_PER_RUN, show_default=True)
@click.option("--steps", type=click.IntRange(min=1), help="Steps per example (default: the ci profile's).")
@click.option(
    "--shrink-seconds", type=click.FloatRange(min=0), default=campaign.SHRINK_SECONDS, show_default=True
)
@click.option(
    "--database",
    type=UserPath(file_okay=False, path_type=Path),
    default=campaign.DEFAULT_DATABASE,
    show_default=True,
    help="Hypothesis example database shared by the workers.",
)
@click.option("--no-database", is_flag=True, help="Run without an example database (runs replay from seeds).")
@click.option("--replay", "replay_path", type=UserPath(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--coverage",
    is_flag=True,
    help="Line and branch coverage of the contracts reached, in the summary and coverage/lcov.info "
    "(docs/COVERAGE.md); runs on anvil unless --backend is given.",
)
def cli(
    minutes,
    workers,
    backend,
    machines,
    seed,
    out,
    params_path,
    examples,
    steps,
    shrink_seconds,
    database,
    no_database,
    replay_path,
    coverage,
):
    """Fuzz the lane machines in parallel until the time is up; or --replay one failure file."""
    ctx = click.get_current_context()
    if params_path is not None:
        if replay_path is None:
            refusing = [
                name for name in machines if not campaign.supports_params(campaign.load_machine(name))
            ]
        else:
            refusing = []
        if refusing:
            raise click.UsageError(
                f"--params: machine {refusing[0]!r} does not deploy from a parameter file", ctx
            )
        from bulwark.params import ParamsError, read_params

        try:
            read_params(params_path)
        except ParamsError as err:
            raise click.BadParameter(str(err), ctx, param_hint="'--params'") from None
    if replay_path is not None:
        is_given = ctx.get_parameter_source("backend") != click.core.ParameterSource.DEFAULT
        _replay(replay_path, backend if is_given else None, params_path)
        return
    if coverage:
        backend = _coverage_backend(ctx, backend)
    config = campaign.CampaignConfig(
        minutes=minutes,
        workers=workers,
        backend=backend,
        machines=machines,
        seed=campaign.new_seed() if seed is None else seed,
        out=out or campaign.default_out(),
        database=None if no_database else database,
        examples=examples,
        steps=steps,
        shrink_seconds=shrink_seconds,
        params=params_path,
        coverage=coverage,
    )
    console.print(
        f"fuzzing {', '.join(machines)} on {backend}: {workers} workers, {minutes:g} min, seed {config.seed}"
    )

    def on_failure(failure, path):
        console.print(
            f"[red]failure[/] in {failure['machine']} (worker {failure['worker']}): "
            f"{failure['error'].splitlines()[0]}"
        )
        console.print(f"  replay: {campaign.REPLAY_COMMAND.format(path=path)}", soft_wrap=True)

    if sys.stdout.isatty():
        with Live(_table([], 0, minutes), console=console, refresh_per_second=4) as live:
            result = campaign.run_campaign(
                config, lambda states, elapsed: live.update(_table(states, elapsed, minutes)), on_failure
            )
    else:
        last = [0.0]

        def plain(states, elapsed):
            if elapsed - last[0] >= PLAIN_EVERY:
                last[0] = elapsed
                total = sum(s.steps for s in states)
                rate = sum(s.steps_per_second for s in states)
                click.echo(
                    f"[{elapsed:6.0f} s] steps {total:,} ({rate:,.0f}/s), "
                    f"failures {sum(s.failures for s in states)}"
                )

        result = campaign.run_campaign(config, plain, on_failure)
    console.print(_table(result.workers, result.wall_seconds, minutes))
    s = result.summary
    console.print(
        f"{s['steps']:,} steps in {s['wall_seconds']:.1f} s ({s['steps_per_second_wall']:,.0f}/s wall, "
        f"{s['steps_per_second_workers']:,.0f}/s over the workers); {len(result.failures)} failures; "
        f"summary in {config.out}",
        soft_wrap=True,
    )
    if "coverage" in s:
        _print_coverage(s["coverage"])
    for state in result.workers:
        if state.crash:
            console.print(f"[red]worker {state.index} crashed[/]: {state.crash}", soft_wrap=True)
    if result.failed:
        sys.exit(1)
