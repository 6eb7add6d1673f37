"""Invariant campaigns: N worker processes, each with its own backend and seed, running the lane machines
round-robin under Hypothesis until a deadline; progress over a queue; a summary (JSON and Markdown) and
one replayable failure file per distinct failure. `bulwark fuzz` (bulwark/commands/fuzz.py) is the CLI.

    config = CampaignConfig(minutes=1, workers=2, backend="revm", machines=["engine"], seed=7, out=path)
    result = run_campaign(config, on_progress=print)      # summary.json, summary.md, failures/*.json
    replay(path / "failures" / "engine-w0-r3.json")        # -> ReplayResult(failed=True, ...)

Machines are named in a registry of "module:Class" (`MACHINES`; `register` adds one). A machine that
accepts a team's parameter file defines a classmethod `with_params(path) -> machine class`; only such a
machine takes `--params`.

Seeds: the campaign seed (given or drawn) derives each worker's seed (`derive_seed(seed, index)`), and
a worker's seed derives the seed of each of its runs (`derive_seed(worker_seed, run)`): one Hypothesis
run is `examples` examples of one machine under `hypothesis.seed(run_seed)`, so a run is reproducible
from its seed when the example database is off. A failure also records Hypothesis's @reproduce_failure
blob (`print_blob=True`), which replays the shrunk case exactly whatever the database held.

Shrinking is time-boxed with Hypothesis's own limit (`MAX_SHRINKING_SECONDS` of its engine, 300 s by
default, set per worker to `shrink_seconds`): when it expires Hypothesis stops shrinking and reports the
smallest failing case found so far, which is written like any other (with `"shrink_complete": false`).
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import functools
import hashlib
import importlib
import importlib.util
import json
import os
import queue as queue_module
import re
import secrets
import sys
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bulwark import PROJECT_ROOT

# name -> "module:Class". `system` is the whole-suite machine; it is offered once its module exists.
MACHINES: dict[str, str] = {
    "engine": "bulwark.fuzz.machines.engine:EngineMachine",
    "oracle": "bulwark.fuzz.machines.oracle:OracleMachine",
    "fund6": "bulwark.fuzz.machines.fund:FundMachine6",
    "fund18": "bulwark.fuzz.machines.fund:FundMachine18",
    "guardian": "bulwark.fuzz.machines.guardian:GuardianMachine",
    "guarded": "bulwark.fuzz.machines.guarded:GuardedMachine",
    "system": "bulwark.fuzz.machines.system:SystemMachine",
}
DEFAULT_REPORTS = PROJECT_ROOT / "reports" / "fuzz"
DEFAULT_DATABASE = PROJECT_ROOT / ".hypothesis" / "fuzz"
EXAMPLES_PER_RUN = 20  # examples per Hypothesis run: short runs keep the deadline and the rotation tight
SHRINK_SECONDS = 60
PROGRESS_SECONDS = 0.5  # how often a worker reports its counts
REPLAY_COMMAND = "bulwark fuzz --replay {path}"
_BLOB = re.compile(r"@reproduce_failure\((['\"])(?P<version>[^'\"]+)\1,\s*(?P<blob>b(['\"]).*?\4)\)")
_SLOW_SHRINK = "stopped because it is making very slow progress"


class MachineError(ValueError):
    """A machine name or target that cannot be used (one line, for a usage error)."""


def register(name: str, target: str) -> None:
    """Add (or replace) machine `name` as "module:Class"; worker processes receive the registry."""
    if ":" not in target:
        raise MachineError(f"machine target {target!r} is not 'module:Class'")
    MACHINES[name] = target


def _module_exists(target: str) -> bool:
    module = target.partition(":")[0]
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def available_machines(registry: dict[str, str] | None = None) -> list[str]:
    """The registered names whose module exists (the default campaign runs all of them)."""
    registry = MACHINES if registry is None else registry
    return [name for name, target in registry.items() if _module_exists(target)]


def load_machine(name: str, registry: dict[str, str] | None = None) -> type:
    """The machine class registered as `name`; an unknown or absent machine is a MachineError."""
    registry = MACHINES if registry is None else registry
    if name not in registry:
        raise MachineError(f"unknown machine {name!r}: choose from {', '.join(available_machines(registry))}")
    target = registry[name]
    if not _module_exists(target):
        raise MachineError(f"machine {name!r} is not available ({target.partition(':')[0]} does not exist)")
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def supports_params(machine: type) -> bool:
    """Whether `machine` runs against a parameter file (it defines `with_params(path)`)."""
    return callable(getattr(machine, "with_params", None))


def derive_seed(parent: int, index: int) -> int:
    """A 64-bit seed for child `index` of `parent` (the same on every machine and Python)."""
    return int.from_bytes(hashlib.sha256(f"{parent}:{index}".encode()).digest()[:8], "big")


def sha256_file(path: Path | None) -> str | None:
    return None if path is None else hashlib.sha256(Path(path).read_bytes()).hexdigest()


@dataclass
class CampaignConfig:
    """What a campaign runs. `registry` is the machine registry handed to the workers."""

    minutes: float
    workers: int
    backend: str
    machines: list[str]
    seed: int
    out: Path
    database: Path | None = DEFAULT_DATABASE
    examples: int = EXAMPLES_PER_RUN
    steps: int | None = None  # per example; None: the ci profile's count for the backend
    shrink_seconds: float = SHRINK_SECONDS
    params: Path | None = None
    registry: dict[str, str] = field(default_factory=lambda: dict(MACHINES))
    coverage: bool = False  # trace every transaction; the summary gets a coverage section

    def worker_seeds(self) -> list[int]:
        return [derive_seed(self.seed, index) for index in range(self.workers)]


def new_seed() -> int:
    return secrets.randbits(64)


def default_out() -> Path:
    return DEFAULT_REPORTS / datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


# ---------------------------------------------------------------------------------------------- worker


class Tally:
    """What one worker counted: steps, examples, invariant checks, rule calls, custom errors."""

    def __init__(self) -> None:
        self.steps = 0
        self.examples = 0
        self.checks = 0  # invariant functions run
        self.rules: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.cpu_start = time.process_time()

    def snapshot(self) -> dict:
        return {
            "steps": self.steps,
            "examples": self.examples,
            "invariant_checks": self.checks,
            "rules": dict(self.rules),
            "errors": dict(self.errors),
            # CPU time since the tally began: how much of a core the worker got over its running time
            "cpu_seconds": time.process_time() - self.cpu_start,
        }


def counted(machine: type, name: str, tally: Tally, tick: Callable[[], None] = lambda: None) -> type:
    """A subclass of `machine` that counts into `tally`: examples (constructions), steps (invariant
    passes after a rule, as bulwark/bench/lane.py counts them), rule calls by name and invariant calls;
    `tick` runs after every step. The subclass keeps the machine's deployment."""
    from hypothesis.stateful import RuleBasedStateMachine

    def counting_rule(function):
        @functools.wraps(function)
        def wrapper(self, **kwargs):
            tally.rules[function.__name__] += 1
            return function(self, **kwargs)

        return wrapper

    def counting_invariant(function):
        @functools.wraps(function)
        def wrapper(self):
            tally.checks += 1
            return function(self)

        return wrapper

    class Counted(machine):
        def __init__(self):
            super().__init__()
            tally.examples += 1
            self._fresh = True

        def check_invariants(self, *args, **kwargs):
            result = super().check_invariants(*args, **kwargs)
            if self._fresh:  # the check after construction is not a step
                self._fresh = False
            else:
                tally.steps += 1
                tick()
            return result

        @classmethod
        def setup_state(cls):
            cache = RuleBasedStateMachine._setup_state_per_class
            if cls not in cache:
                plain = super().setup_state()
                cache[cls] = dataclasses.replace(
                    plain,
                    rules=[dataclasses.replace(r, function=counting_rule(r.function)) for r in plain.rules],
                    initializers=[
                        dataclasses.replace(r, function=counting_rule(r.function)) for r in plain.initializers
                    ],
                    invariants=[
                        dataclasses.replace(i, function=counting_invariant(i.function))
                        for i in plain.invariants
                    ],
                )
            return cache[cls]

    # a stable name-based example-database key per machine, and the machine's own name in printed steps
    Counted.__name__ = machine.__name__
    Counted.__qualname__ = f"bulwark_fuzz_{name}"
    return Counted


def _count_errors(tally: Tally) -> Callable[[], None]:
    """Record the custom error of every reverted lane transaction in `tally`; returns the undo."""
    from bulwark.chain.base import BoundFunction

    original = BoundFunction.attempt

    def attempt(self, *args, **kwargs):
        receipt = original(self, *args, **kwargs)
        if not receipt.status and receipt.error is not None:
            tally.errors[receipt.error.name] += 1
        return receipt

    BoundFunction.attempt = attempt

    def undo() -> None:
        BoundFunction.attempt = original

    return undo


@contextlib.contextmanager
def shrink_time_box(seconds: float):
    """Hypothesis's shrink limit (engine.MAX_SHRINKING_SECONDS) set to `seconds` for the duration."""
    from hypothesis.internal.conjecture import engine

    before = engine.MAX_SHRINKING_SECONDS
    engine.MAX_SHRINKING_SECONDS = seconds
    try:
        yield
    finally:
        engine.MAX_SHRINKING_SECONDS = before


def run_settings(backend: str, examples: int, steps: int | None, database: Path | None):
    """The settings of one campaign run: the profile's, with the run's volume, the database, the blob."""
    from hypothesis import HealthCheck, settings
    from hypothesis.database import DirectoryBasedExampleDatabase

    from bulwark.fuzz.profiles import machine_settings

    base = machine_settings(backend, "ci")
    return settings(
        base,
        max_examples=examples,
        stateful_step_count=steps or base.stateful_step_count,
        database=None if database is None else DirectoryBasedExampleDatabase(str(database)),
        derandomize=False,
        deadline=None,
        print_blob=True,
        report_multiple_bugs=False,
        suppress_health_check=list(HealthCheck),
    )


@dataclass
class RunOutcome:
    """One Hypothesis run: None if it passed, else the failure as written to its file."""

    failure: dict | None
    lines: list[str]


def run_once(
    machine: type,
    *,
    name: str,
    backend: str,
    run_seed: int,
    examples: int,
    steps: int | None,
    database: Path | None,
    blob: tuple[str, bytes] | None = None,
) -> RunOutcome:
    """Run `machine` (already counted and on `backend`) once under `run_seed` (and `blob`, to replay);
    on failure, describe it: the error, Hypothesis's printed steps, notes and blob."""
    import hypothesis
    from hypothesis.reporting import with_reporter
    from hypothesis.stateful import run_state_machine_as_test

    hypothesis.seed(run_seed)(machine)
    machine._hypothesis_internal_use_reproduce_failure = blob  # what @reproduce_failure sets
    options = run_settings(backend, examples, steps, database)
    lines: list[str] = []
    try:
        with with_reporter(lambda text: lines.append(str(text))):
            run_state_machine_as_test(machine, settings=options)
    except hypothesis.errors.DidNotReproduce:
        return RunOutcome(None, lines)
    except Exception as err:  # a failing run: any error the machine or Hypothesis raised
        notes = [str(note) for note in getattr(err, "__notes__", [])]
        found = next((m for m in map(_BLOB.search, notes + lines) if m), None)
        failure = {
            "machine": name,
            "backend": backend,
            "seed": run_seed,
            "examples": examples,
            "steps_per_example": options.stateful_step_count,
            "hypothesis": hypothesis.__version__,
            "error": f"{type(err).__name__}: {err}".strip(),
            "steps": [line for line in notes + lines if line.startswith("state")],
            "notes": notes,
            "blob": ast.literal_eval(found["blob"]).decode("latin-1") if found else None,
            "blob_version": found["version"] if found else None,
            "shrink_complete": not any(_SLOW_SHRINK in line for line in lines),
            "traceback": traceback.format_tb(err.__traceback__)[-4:],
        }
        return RunOutcome(failure, lines)
    return RunOutcome(None, lines)


def worker_main(index: int, config: CampaignConfig, deadline: float, out: Any) -> None:
    """One worker process: its own backend and seed, machines round-robin until `deadline` (a
    time.time()), progress and failures put on `out` (a multiprocessing queue)."""
    worker_seed = config.worker_seeds()[index]
    tally = Tally()
    undo = _count_errors(tally)
    last = [0.0]
    started = time.time()

    def report(kind: str = "progress", **extra) -> None:
        out.put(
            {
                "kind": kind,
                "worker": index,
                "time": time.time(),
                "started": started,
                **tally.snapshot(),
                **extra,
            }
        )

    def tick() -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_SECONDS:
            last[0] = now
            report()

    rotation = []
    try:
        collector = _start_coverage(config.backend) if config.coverage else None
        for offset in range(len(config.machines)):  # each worker starts at a different machine
            name = config.machines[(index + offset) % len(config.machines)]
            machine = load_machine(name, config.registry)
            if config.params is not None:
                machine = machine.with_params(config.params)
            rotation.append((name, counted(machine.on(config.backend), name, tally, tick)))
        params_hash = sha256_file(config.params)
        run = 0
        failures = 0
        with shrink_time_box(config.shrink_seconds):
            # every worker runs at least once, however late it started (a loaded machine, a slow node)
            while rotation and (run == 0 or time.time() < deadline):
                name, machine = rotation[run % len(rotation)]
                run_seed = derive_seed(worker_seed, run)
                outcome = run_once(
                    machine,
                    name=name,
                    backend=config.backend,
                    run_seed=run_seed,
                    examples=config.examples,
                    steps=config.steps,
                    database=config.database,
                )
                if outcome.failure is not None:
                    failures += 1
                    failure = {
                        **outcome.failure,
                        "target": config.registry[name],
                        "worker": index,
                        "worker_seed": worker_seed,
                        "campaign_seed": config.seed,
                        "run": run,
                        "params": None if config.params is None else str(config.params),
                        "params_sha256": params_hash,
                    }
                    report("failure", failure=failure, failures=failures)
                    # the database would replay this failure on every later run: the machine leaves
                    # this worker's rotation
                    rotation = [entry for entry in rotation if entry[0] != name]
                run += 1
        coverage = None if collector is None else collector.to_payload()
        report("done", runs=run, failures=failures, coverage=coverage)
    except Exception as err:  # the worker itself broke (a deployment, an import): say so, then stop
        report("crash", error="".join(traceback.format_exception(err)[-6:]))
    finally:
        undo()


def _start_coverage(backend: str):
    """A coverage collector on this worker's lane chain (docs/COVERAGE.md)."""
    from bulwark.coverage.trace import CoverageCollector
    from bulwark.fuzz.lane import start_lane_chain

    collector = CoverageCollector()
    start_lane_chain(backend, coverage=collector)
    return collector


# ---------------------------------------------------------------------------------------------- parent


@dataclass
class WorkerState:
    index: int
    seed: int
    steps: int = 0
    examples: int = 0
    invariant_checks: int = 0
    failures: int = 0
    rules: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)
    cpu_seconds: float = 0.0
    started: float | None = None
    updated: float | None = None
    done: bool = False
    runs: int = 0
    crash: str | None = None
    coverage: dict | None = None  # the worker's collection (CoverageCollector.to_payload), when asked

    @property
    def busy_seconds(self) -> float:
        return 0.0 if self.started is None or self.updated is None else max(0.0, self.updated - self.started)

    @property
    def steps_per_second(self) -> float:
        return self.steps / self.busy_seconds if self.busy_seconds else 0.0


@dataclass
class CampaignResult:
    config: CampaignConfig
    workers: list[WorkerState]
    wall_seconds: float
    failures: list[dict]
    failure_files: list[Path]
    summary: dict
    interrupted: bool = False

    @property
    def failed(self) -> bool:
        return bool(self.failures) or any(w.crash for w in self.workers)


def _apply(state: WorkerState, message: dict) -> None:
    for key in ("steps", "examples", "invariant_checks", "rules", "errors", "cpu_seconds"):
        setattr(state, key, message[key])
    state.started = message["started"]
    state.updated = message["time"]
    if message["kind"] == "done":
        state.done, state.runs = True, message["runs"]
        state.coverage = message.get("coverage")
    elif message["kind"] == "crash":
        state.done, state.crash = True, message["error"]


def failure_key(failure: dict) -> tuple:
    """Failures with the same machine and shrunk case (blob, else steps) are one failure."""
    return (failure["machine"], failure["blob"] or tuple(failure["steps"]), failure["error"].splitlines()[0])


def write_failure(out: Path, failure: dict) -> Path:
    """failures/<machine>-w<worker>-r<run>.json under `out`."""
    folder = out / "failures"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{failure['machine']}-w{failure['worker']}-r{failure['run']}.json"
    path.write_text(json.dumps(failure, indent=2) + "\n")
    return path


def run_campaign(
    config: CampaignConfig,
    on_progress: Callable[[list[WorkerState], float], None] | None = None,
    on_failure: Callable[[dict, Path], None] | None = None,
) -> CampaignResult:
    """Run the campaign: `config.workers` spawned processes until the deadline (plus the run and the
    shrink in progress), then the summary. `on_progress(workers, elapsed)` after every message."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    messages = context.Queue()
    start = time.time()
    deadline = start + config.minutes * 60
    states = [WorkerState(i, s) for i, s in enumerate(config.worker_seeds())]
    processes = [
        context.Process(target=worker_main, args=(i, config, deadline, messages), name=f"bulwark-fuzz-{i}")
        for i in range(config.workers)
    ]
    failures: list[dict] = []
    files: list[Path] = []
    seen: set = set()
    config.out.mkdir(parents=True, exist_ok=True)
    interrupted = False
    for process in processes:
        process.start()
    try:
        while not all(s.done for s in states):
            try:
                message = messages.get(timeout=0.25)
            except queue_module.Empty:
                for state, process in zip(states, processes, strict=True):
                    if not state.done and not process.is_alive() and process.exitcode is not None:
                        state.done, state.crash = True, f"worker exited with code {process.exitcode}"
                if on_progress:
                    on_progress(states, time.time() - start)
                continue
            state = states[message["worker"]]
            _apply(state, message)
            if message["kind"] == "failure":
                state.failures = message["failures"]
                failure = message["failure"]
                key = failure_key(failure)
                if key not in seen:
                    seen.add(key)
                    failures.append(failure)
                    path = write_failure(config.out, failure)
                    files.append(path)
                    if on_failure:
                        on_failure(failure, path)
            if on_progress:
                on_progress(states, time.time() - start)
    except KeyboardInterrupt:  # Ctrl-C: stop the workers, keep what was counted
        interrupted = True
        for process in processes:
            process.terminate()
    finally:
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.terminate()
                process.join()
    wall = time.time() - start
    summary = summarise(config, states, wall, failures, files)
    summary["interrupted"] = interrupted
    if config.coverage:
        summary["coverage"] = _coverage_section(states, config.out)
    (config.out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    (config.out / "summary.md").write_text(summary_markdown(summary))
    return CampaignResult(config, states, wall, failures, files, summary, interrupted)


def summarise(
    config: CampaignConfig, states: list[WorkerState], wall: float, failures: list[dict], files: list[Path]
) -> dict:
    """The campaign's figures, as summary.json holds them."""
    rules: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    for state in states:
        rules.update(state.rules)
        errors.update(state.errors)
    steps = sum(s.steps for s in states)
    return {
        "machines": config.machines,
        "backend": config.backend,
        "workers": config.workers,
        "minutes": config.minutes,
        "campaign_seed": config.seed,
        "examples_per_run": config.examples,
        "database": None if config.database is None else str(config.database),
        "params": None if config.params is None else str(config.params),
        "params_sha256": sha256_file(config.params),
        "wall_seconds": round(wall, 3),
        "steps": steps,
        "examples": sum(s.examples for s in states),
        "invariant_checks": sum(s.invariant_checks for s in states),
        "steps_per_second_wall": round(steps / wall, 1) if wall else 0.0,
        "steps_per_second_workers": round(sum(s.steps_per_second for s in states), 1),
        "cpu_seconds": round(sum(s.cpu_seconds for s in states), 3),
        "steps_per_cpu_second": round(steps / cpu, 1) if (cpu := sum(s.cpu_seconds for s in states)) else 0.0,
        "per_worker": [
            {
                "worker": s.index,
                "seed": s.seed,
                "steps": s.steps,
                "examples": s.examples,
                "runs": s.runs,
                "busy_seconds": round(s.busy_seconds, 3),
                "cpu_seconds": round(s.cpu_seconds, 3),
                "steps_per_second": round(s.steps_per_second, 1),
                "failures": s.failures,
                "crash": s.crash,
            }
            for s in states
        ],
        "rules": dict(rules.most_common()),
        "custom_errors": dict(errors.most_common()),
        "failures": [
            {
                "machine": f["machine"],
                "error": f["error"].splitlines()[0],
                "file": str(path),
                "replay": REPLAY_COMMAND.format(path=path),
                "shrink_complete": f["shrink_complete"],
            }
            for f, path in zip(failures, files, strict=True)
        ],
    }


def _coverage_section(states: list[WorkerState], out: Path) -> dict:
    """summary.json's coverage: the workers' collections merged and mapped; coverage/lcov.info."""
    from bulwark.coverage.report import campaign_section
    from bulwark.coverage.sourcemap import CoverageError

    try:
        return campaign_section([s.coverage for s in states if s.coverage is not None], out)
    except CoverageError as err:
        return {"error": str(err)}


def summary_markdown(summary: dict) -> str:
    """summary.md: the same figures for a person."""
    lines = [
        f"# Fuzz campaign ({summary['backend']}, {summary['workers']} workers, "
        f"seed {summary['campaign_seed']})",
        "",
        f"- machines: {', '.join(summary['machines'])}",
        f"- wall time: {summary['wall_seconds']:.1f} s",
        f"- steps: {summary['steps']:,} ({summary['steps_per_second_wall']:,.0f}/s over the wall time, "
        f"{summary['steps_per_second_workers']:,.0f}/s summed over the workers' running time)",
        f"- examples: {summary['examples']:,}; invariant checks: {summary['invariant_checks']:,}",
        f"- CPU time of the workers: {summary['cpu_seconds']:.1f} s "
        f"({summary['steps_per_cpu_second']:,.0f} steps per CPU second)",
        f"- parameter file: {summary['params'] or 'none'}"
        + (f" (sha256 {summary['params_sha256']})" if summary["params_sha256"] else ""),
        f"- failures: {len(summary['failures'])}",
        "",
        "| worker | seed | steps | steps/s | CPU s | examples | runs | failures |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for w in summary["per_worker"]:
        lines.append(
            f"| {w['worker']} | {w['seed']} | {w['steps']:,} | {w['steps_per_second']:,.0f} | "
            f"{w['cpu_seconds']:.1f} | "
            f"{w['examples']:,} | {w['runs']} | {w['failures']}{' (crashed)' if w['crash'] else ''} |"
        )
    lines += ["", "## Rules run", "", "| rule | calls |", "|---|---:|"]
    lines += [f"| {rule} | {count:,} |" for rule, count in summary["rules"].items()]
    lines += ["", "## Custom errors reached", "", "| error | reverts |", "|---|---:|"]
    lines += [f"| {error} | {count:,} |" for error, count in summary["custom_errors"].items()]
    lines += ["", "## Failures", ""]
    if not summary["failures"]:
        lines.append("None.")
    for f in summary["failures"]:
        half = "" if f["shrink_complete"] else " (shrinking stopped at its time box)"
        lines.append(f"- {f['machine']}: {f['error']}{half}; replay: `{f['replay']}`")
    if "coverage" in summary:
        from bulwark.coverage.report import coverage_markdown

        lines += ["", *coverage_markdown(summary["coverage"])]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------- replay


def _prefer_project(target: str) -> None:
    """Make a module of the project (e.g. under tests/) importable from the console script, ahead of a
    same-named package elsewhere on the path (site-packages holds a stray `tests`)."""
    top = target.partition(":")[0].split(".")[0]
    if not (PROJECT_ROOT / top).is_dir():
        return
    if str(PROJECT_ROOT) not in sys.path:
        sys.path.insert(0, str(PROJECT_ROOT))
    loaded = sys.modules.get(top)
    if loaded is not None and not str(getattr(loaded, "__file__", "") or "").startswith(str(PROJECT_ROOT)):
        for module in [m for m in sys.modules if m == top or m.startswith(f"{top}.")]:
            del sys.modules[module]


@dataclass
class ReplayResult:
    failed: bool
    failure: dict | None  # the failure as it reproduced now
    recorded: dict


def replay(path: Path, backend: str | None = None, params: Path | None = None) -> ReplayResult:
    """Re-run the failure in `path` (same machine, seed, volume and blob; on `backend`, else its own):
    `failed` says whether it still fails. The blob is used when this Hypothesis is the one that wrote
    it; otherwise the seed alone, with the database off, regenerates the run."""
    import hypothesis

    recorded = json.loads(Path(path).read_text())
    name = recorded["machine"]
    registry = dict(MACHINES)
    if name not in registry and recorded.get("target"):
        registry[name] = recorded["target"]  # a machine registered at run time (a team's, a test's)
        _prefer_project(recorded["target"])
    machine = load_machine(name, registry)
    given = params or recorded.get("params")
    if given is not None:
        if not Path(given).is_file():
            raise MachineError(f"the parameter file {given} does not exist here: pass --params with it")
        recorded_hash, local_hash = recorded.get("params_sha256"), sha256_file(given)
        if params is None and recorded_hash and local_hash != recorded_hash:
            raise MachineError(
                f"the parameter file {given} is not the one the failure ran against "
                f"(sha256 {local_hash[:12]} here, {recorded_hash[:12]} recorded): pass --params with it"
            )
        machine = machine.with_params(Path(given))
    backend = backend or recorded["backend"]
    blob = None
    if recorded.get("blob") and recorded.get("blob_version") == hypothesis.__version__:
        blob = (recorded["blob_version"], recorded["blob"].encode("latin-1"))
    tally = Tally()
    undo = _count_errors(tally)
    try:
        outcome = run_once(
            counted(machine.on(backend), name, tally),
            name=name,
            backend=backend,
            run_seed=recorded["seed"],
            examples=recorded.get("examples", EXAMPLES_PER_RUN),
            steps=recorded.get("steps_per_example"),
            database=None,
            blob=blob,
        )
    finally:
        undo()
    return ReplayResult(outcome.failure is not None, outcome.failure, recorded)


def cpu_count() -> int:
    return os.cpu_count() or 1
