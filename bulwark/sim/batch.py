"""Many runs: seeds of one scenario (`--runs K`), variants of it (sweeps), on every core.

Each worker process keeps one `World` per variant (the suite deployed once, restored before each run),
so a run costs only its own steps. Results come back in seed order whatever the scheduling, and the
same seeds give the same figures on either backend (tests/integration/test_simulate.py).

Percentiles are nearest-rank over the runs (p95 of 100 runs is the 95th smallest), so every figure
reported is one a run produced.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass

from bulwark.sim.result import RunResult
from bulwark.sim.runner import run_scenario
from bulwark.sim.scenario import Scenario, suite_params
from bulwark.sim.world import World, params_hash

PERCENTILES = (50, 95, 99)
SUMMARISED = (
    "bad_debt",
    "deficit",
    "covered",
    "liquidation_volume",
    "liquidations",
    "fund_drawdown",
    "halted_time",
    "max_served_gap",
    "attacker_profit",
)


@dataclass(frozen=True)
class Job:
    variant: str  # a key naming the scenario variant (e.g. "" or "base_mmr=0.06")
    scenario: Scenario
    seed: int
    meta: dict


_WORLDS: dict[tuple[str, str], World] = {}


def world_for(job: Job, backend: str) -> World:
    key = (job.variant, backend)
    if key not in _WORLDS:
        while len(_WORLDS) >= 2:  # a sweep moves on: stop the oldest variant's chain
            _WORLDS.pop(next(iter(_WORLDS))).close()
        _WORLDS[key] = World(job.scenario, suite_params(job.scenario), backend)
    return _WORLDS[key]


def run_job(job: Job, backend: str, progress=None, observer=None) -> RunResult:
    """One run of `job` in this process (its world made on first use)."""
    return run_scenario(world_for(job, backend), job.scenario, job.seed, job.meta, progress, observer)


def close_worlds() -> None:
    while _WORLDS:
        _WORLDS.popitem()[1].close()


def _worker_job(job: Job, backend: str) -> RunResult:
    result = run_job(job, backend)
    result.series, result.margin_ratios = type(result.series)(), {}  # the parent keeps figures only
    return result


def meta_for(scenario: Scenario, scenario_hash: str, commit: str) -> dict:
    return {
        "scenario": scenario.name,
        "scenario_hash": scenario_hash,
        "params_hash": params_hash(suite_params(scenario)),
        "commit": commit,
    }


def run_jobs(
    jobs: list[Job], backend: str, workers: int, done: Callable[[Job, RunResult], None] | None = None
) -> list[RunResult]:
    """Every job's result, in the jobs' order. The first job runs here and keeps its series (the charts
    of a run are drawn from it); the rest run on `workers` processes and come back as figures."""
    done = done or (lambda _job, _result: None)
    results: list[RunResult | None] = [None] * len(jobs)
    if not jobs:
        return []
    results[0] = run_job(jobs[0], backend)
    done(jobs[0], results[0])
    rest = list(enumerate(jobs))[1:]
    if workers <= 1 or len(rest) <= 1:
        for i, job in rest:
            results[i] = _worker_job(job, backend)
            done(job, results[i])
        return results
    close_worlds()  # a forked worker must not share this process's chain
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(_worker_job, job, backend): i for i, job in rest}
        for future in as_completed(futures):
            i = futures[future]
            results[i] = future.result()
            done(jobs[i], results[i])
    return results


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def nearest_rank(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def summarise(results: Iterable[RunResult]) -> dict:
    """Percentiles of the figures over runs, and the probability of any deficit."""
    results = list(results)
    summary = {"runs": len(results), "seeds": [r.seed for r in results], "percentiles": {}}
    for metric in SUMMARISED:
        values = [r.metrics[metric] for r in results if r.metrics.get(metric) is not None]
        if not values:
            continue
        figures = {f"p{p}": nearest_rank(values, p) for p in PERCENTILES}
        figures.update(mean=sum(values) / len(values), max=max(values))
        summary["percentiles"][metric] = figures
    summary["deficit_probability"] = sum(r.metrics["deficit"] > 0 for r in results) / max(1, len(results))
    summary["broken"] = [
        {"seed": r.seed, "expectation": e.name, "detail": e.detail}
        for r in results
        for e in r.expectations
        if not e.ok
    ]
    return summary
