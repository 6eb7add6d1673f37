"""`bulwark simulate` (also `ape run simulate`): replay a market crash against a freshly deployed suite
with trader, keeper, reporter, staker, guardian and attacker agents, then write the risk figures and
charts (docs/SIMULATION.md).

    bulwark simulate --scenario scenarios/black-thursday-2020.yaml              one run, its charts
    bulwark simulate --scenario FILE --runs 100                                 percentiles over seeds
    bulwark simulate --scenario FILE --runs 8 --sweep base_mmr=0.04,0.06,0.1    a sweep
    bulwark simulate --scenario FILE --runs 8 --recommend base_mmr              the most permissive safe value

It exits 1 when a run breaks one of the scenario's expectations (after writing the report), 2 on a bad
scenario, parameter or argument.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from bulwark import PROJECT_ROOT
from bulwark.chain import BACKENDS
from bulwark.cli import UserPath
from bulwark.report.charts import distribution_chart, run_charts, sweep_chart
from bulwark.report.formats import by_unit, duration, tokens
from bulwark.report.markdown import run_markdown, runs_markdown, sweep_markdown
from bulwark.sim import batch, sweep
from bulwark.sim.result import METRICS, RunResult
from bulwark.sim.scenario import Scenario, ScenarioError, load_scenario, suite_params

console = Console(width=130)
DEFAULT_SCENARIO = PROJECT_ROOT / "scenarios" / "black-thursday-2020.yaml"
HEADLINE = (
    "liquidations",
    "liquidation_volume",
    "bad_debt",
    "covered",
    "deficit",
    "fund_drawdown",
    "breaker_trips",
    "halted_time",
    "max_served_gap",
    "attacker_profit",
    "bystander_loss",
)


def commit() -> str:
    """The checkout's commit, with -dirty when files differ from it; "unknown" outside git."""
    try:
        out = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--abbrev=12"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out.stdout.strip() or "unknown"


def _scenario(ctx, param, path):
    try:
        scenario, digest = load_scenario(path)
        suite_params(scenario)
    except ScenarioError as err:
        raise click.BadParameter(str(err), ctx, param) from None
    return path, scenario, digest


def scenario_option():
    """`--scenario FILE`, loaded and validated (with its parameters) while arguments are parsed, so a
    bad file is a one-line usage error; the command receives (path, Scenario, sha256)."""
    return click.option(
        "--scenario",
        "scenario",
        type=UserPath(exists=True, dir_okay=False, path_type=Path),
        default=DEFAULT_SCENARIO,
        show_default=True,
        callback=_scenario,
        help="Scenario file (YAML).",
    )


def _sweeps(ctx, param, values):
    try:
        return [sweep.parse_sweep(v) for v in values]
    except ScenarioError as err:
        raise click.BadParameter(str(err), ctx, param) from None


def _knob(ctx, param, value):
    if value is None:
        return None
    try:
        return sweep.knob(value)
    except ScenarioError as err:
        raise click.BadParameter(str(err), ctx, param) from None


def _format(metric: str, value) -> str:
    return by_unit(value, METRICS[metric][0])


@click.command("simulate", short_help="Replay a market crash against a fresh suite and report the risk")
@scenario_option()
@click.option("--seed", type=click.IntRange(0, 2**32 - 1), default=1, show_default=True, help="First seed.")
@click.option(
    "--runs",
    type=click.IntRange(1, 10_000),
    default=1,
    show_default=True,
    help="Runs per point, seeds seed..seed+runs-1 (noise and latency vary).",
)
@click.option(
    "--backend",
    type=click.Choice(BACKENDS),
    default="revm",
    show_default=True,
    help="revm in process, or anvil (a node per worker, started and stopped here).",
)
@click.option(
    "--out",
    type=UserPath(file_okay=False, path_type=Path),
    default=None,
    help="Report directory [default: runs/<scenario name>].",
)
@click.option("--workers", type=click.IntRange(1, 64), default=None, help="Processes [default: all cores].")
@click.option(
    "--sweep",
    "sweeps",
    multiple=True,
    callback=_sweeps,
    metavar="PARAM=v1,v2,...",
    help=f"Sweep a parameter (repeatable): {', '.join(sweep.KNOBS)}.",
)
@click.option(
    "--recommend",
    callback=_knob,
    default=None,
    metavar="PARAM",
    help="Search PARAM's grid (its --sweep values, if given) for the most permissive value "
    "with no deficit in any run.",
)
def cli(scenario, seed, runs, backend, out, workers, sweeps, recommend):
    """Deploy a fresh suite, run the scenario in simulated time, and write report.json, report.md and
    PNG charts to --out."""
    _, spec, digest = scenario
    simulate(spec, digest, seed, runs, backend, out, workers, sweeps, recommend)


def simulate(spec, digest, seed, runs, backend, out=None, workers=None, sweeps=(), recommend=None) -> Path:
    """Everything `bulwark simulate` does after parsing (also `bulwark demo`); returns the report's
    directory, or exits 1 after writing it when a run broke an expectation."""
    out = out or PROJECT_ROOT / "runs" / spec.name
    out.mkdir(parents=True, exist_ok=True)
    workers = workers or batch.default_workers()
    meta = {**batch.meta_for(spec, digest, commit()), "backend": backend}
    seeds = list(range(seed, seed + runs))
    started = time.monotonic()
    try:
        if sweeps or recommend:
            broken = _sweep(spec, meta, seeds, backend, workers, out, sweeps, recommend)
        else:
            broken = _runs(spec, meta, seeds, backend, workers, out)
    except ScenarioError as err:
        raise click.UsageError(str(err)) from None
    finally:
        batch.close_worlds()
    console.print(
        f"[bold]report[/] {out / 'report.md'}  [bold]data[/] {out / 'report.json'}  "
        f"({time.monotonic() - started:.1f} s)"
    )
    if broken:
        for b in broken[:10]:
            console.print(f"[red]expectation broken[/] seed {b['seed']}: {b['expectation']}: {b['detail']}")
        sys.exit(1)
    return out


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def _runs(spec: Scenario, meta: dict, seeds: list[int], backend: str, workers: int, out: Path) -> list:
    jobs = [batch.Job("", spec, s, meta) for s in seeds]
    steps = spec.duration // spec.step + 1
    with _progress() as progress:
        first = progress.add_task(f"{spec.name} seed {seeds[0]} ({backend})", total=steps)
        many = progress.add_task(f"{len(seeds)} runs", total=len(seeds)) if len(seeds) > 1 else None
        batch.world_for(jobs[0], backend)  # deploy before the bar starts counting steps
        result = batch.run_job(jobs[0], backend, lambda i: progress.update(first, completed=i))
        if many is not None:
            progress.update(many, advance=1)
            rest = batch.run_jobs(jobs[1:], backend, workers, lambda _j, _r: progress.update(many, advance=1))
        else:
            rest = []
    results = [result, *rest]
    run = result.as_dict()
    charts = run_charts(run, out)
    report = {"kind": "run" if len(results) == 1 else "runs", "meta": meta, "run": run}
    markdown = run_markdown(run, charts)
    _headline(result)
    broken = batch.summarise([result])["broken"]
    if len(results) > 1:
        summary = {**meta, **batch.summarise(results), "elapsed": sum(r.elapsed for r in results)}
        compact = [
            {
                "seed": r.seed,
                "metrics": r.metrics,
                "elapsed": r.elapsed,
                "expectations": [e.__dict__ for e in r.expectations],
            }
            for r in results
        ]
        dist = distribution_chart(compact, out / "distribution.png", {**meta, "seed": seeds[0]})
        charts.append(dist)
        report.update(summary=summary, runs=compact)
        markdown += "\n\n" + runs_markdown(summary, [dist])
        _percentiles(summary)
        broken = summary["broken"]
    (out / "report.json").write_text(json.dumps(report, indent=1, default=str))
    (out / "report.md").write_text(markdown)
    console.print("charts: " + ", ".join(str(c.relative_to(out)) for c in charts))
    return broken


def _headline(result: RunResult) -> None:
    table = Table(title=f"{result.scenario}, seed {result.seed} ({result.elapsed:.1f} s)")
    table.add_column("figure")
    table.add_column("value", justify="right")
    table.add_column("definition")
    for metric in HEADLINE:
        table.add_row(metric, _format(metric, result.metrics[metric]), METRICS[metric][1])
    console.print(table)
    for e in result.expectations:
        console.print(f"{'[green]held[/]' if e.ok else '[red]BROKEN[/]'} {e.name}: {e.detail}")


def _percentiles(summary: dict) -> None:
    table = Table(title=f"{summary['runs']} runs: percentiles (nearest rank)")
    for column in ("figure", "p50", "p95", "p99", "max"):
        table.add_column(column, justify="right" if column != "figure" else "left")
    for metric, figures in summary["percentiles"].items():
        table.add_row(metric, *(_format(metric, figures[k]) for k in ("p50", "p95", "p99", "max")))
    console.print(table)
    console.print(f"probability of any deficit: {summary['deficit_probability']:.0%}")


def _evaluate(spec, meta, seeds, backend, workers, k, value, progress, task) -> dict:
    variant = sweep.with_value(spec, k, value)
    suite_params(variant)  # a value the parameter file rejects is one line, before anything runs
    label = f"{k.name}={value}"
    jobs = [batch.Job(label, variant, s, meta) for s in seeds]
    results = batch.run_jobs(jobs, backend, workers, lambda _j, _r: progress.update(task, advance=1))
    summary = batch.summarise(results)
    p = summary["percentiles"]
    return {
        "param": k.name,
        "value": value,
        "runs": len(results),
        "bad_debt_p95": p["bad_debt"]["p95"],
        "deficit_p95": p["deficit"]["p95"],
        "deficit_probability": summary["deficit_probability"],
        "deficits": sum(r.metrics["deficit"] > 0 for r in results),
        "halted_time_mean": p["halted_time"]["mean"],
        "broken": summary["broken"],
    }


def _sweep(spec, meta, seeds, backend, workers, out, sweeps, recommend) -> list:
    rows, recommendation = [], None
    points = sum(len(values) for _, values in sweeps) + (len(recommend.grid) if recommend else 0)
    with _progress() as progress:
        task = progress.add_task(f"{spec.name}: sweep ({backend})", total=points * len(seeds))
        for k, values in sweeps:
            rows += [_evaluate(spec, meta, seeds, backend, workers, k, v, progress, task) for v in values]
        if recommend is not None:
            grid = next((values for k, values in sweeps if k == recommend), list(recommend.grid))
            done = {r["value"]: r for r in rows if r["param"] == recommend.name}

            def evaluate(value):
                row = done.get(value) or _evaluate(
                    spec, meta, seeds, backend, workers, recommend, value, progress, task
                )
                return {"runs": row["runs"], "deficits": row["deficits"], "bad_debt_p95": row["bad_debt_p95"]}

            value, evidence = sweep.recommend(recommend, grid, evaluate)
            recommendation = {
                "param": recommend.name,
                "value": value,
                "direction": f"{recommend.permissive} is more permissive",
                "evidence": evidence,
            }
    table = Table(title=f"{spec.name}: {len(seeds)} runs per point")
    for column in ("param", "value", "bad debt p95", "deficit p95", "P(deficit)", "halted (mean)"):
        table.add_column(column, justify="right")
    for r in rows:
        table.add_row(
            r["param"],
            f"{r['value']:g}",
            tokens(r["bad_debt_p95"]),
            tokens(r["deficit_p95"]),
            f"{r['deficit_probability']:.0%}",
            duration(r["halted_time_mean"]),
        )
    console.print(table)
    charts = [sweep_chart(rows, out / "sweep.png", {**meta, "seed": seeds[0]})] if rows else []
    if recommendation is not None:
        _print_recommendation(recommendation, len(seeds))
    report = {"kind": "sweep", "meta": meta, "seeds": seeds, "rows": rows, "recommendation": recommendation}
    (out / "report.json").write_text(json.dumps(report, indent=1, default=str))
    markdown = sweep_markdown(rows, recommendation)
    if charts:
        markdown += f"\n\n![sweep]({charts[0].name})\n"
    (out / "report.md").write_text(markdown)
    return [b for r in rows for b in r["broken"]]


def _print_recommendation(rec: dict, runs: int) -> None:
    if rec["value"] is None:
        console.print(f"[red]no value of {rec['param']} is free of deficits[/] over {runs} runs")
    else:
        console.print(
            f"[bold]recommend {rec['param']} = {rec['value']:g}[/]: the most permissive value with no "
            f"deficit in {runs} runs ({rec['direction']})"
        )
    for e in rec["evidence"]:
        console.print(
            f"  {rec['param']}={e['value']:g}: {e['deficits']} of {e['runs']} runs with a deficit, "
            f"bad debt p95 {tokens(e['bad_debt_p95'])}"
        )
