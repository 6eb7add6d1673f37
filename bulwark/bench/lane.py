"""How fast the harness drives a chain, measured in one run on this machine: raw JSON-RPC to Anvil
(sequential, and in batches of 50), the lane on Anvil, the lane on revm, and Ape contract calls, each
sending MockERC20 transfers that pass and transfers that revert; then the engine state machine's steps
per second on both lane backends. Ratios are to raw sequential RPC measured in the same run.

Targets (issue 12): the Anvil lane >= 0.5x raw sequential RPC; the revm lane's engine-machine steps/s
on one core >= 1,800 (Foundry's per-core invariant-runner figure), each step checking the model. When
the revm target is missed, `profile_machine` shows where the time goes.
"""

from __future__ import annotations

import contextlib
import cProfile
import io
import pstats
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from bulwark.bench import quiet
from bulwark.chain import connect
from bulwark.chain.anvil import AnvilChain

TRANSFERS = 2_000  # accepted transfers per lane measurement
REVERTS = 1_000  # reverted transfers per lane measurement
APE_TRANSFERS, APE_REVERTS = 100, 20  # Ape is ~40 and ~5 per second: fewer, same measure
BATCH = 50
ANVIL_TARGET = 0.5  # x raw sequential RPC
REVM_STEPS_TARGET = 1_800  # engine-machine steps/s on one core
AMOUNT = 1  # token units per accepted transfer; a reverted one asks for more than the balance


@dataclass
class Lane:
    name: str
    accepted_per_s: float
    reverted_per_s: float | None
    steps_per_s: float | None = None
    note: str = ""


@dataclass
class LaneReport:
    lanes: list[Lane] = field(default_factory=list)
    baseline: str = "raw JSON-RPC, sequential"
    profile: str = ""

    def ratio(self, lane: Lane, attr: str = "accepted_per_s") -> float | None:
        base = getattr(self.lanes[0], attr)
        value = getattr(lane, attr)
        return None if value is None or not base else value / base

    def as_dict(self) -> dict:
        return {
            "baseline": self.baseline,
            "lanes": [{**asdict(lane), "ratio": self.ratio(lane)} for lane in self.lanes],
            "targets": {"anvil_lane_vs_raw": ANVIL_TARGET, "revm_engine_steps_per_s": REVM_STEPS_TARGET},
        }


def _rate(count: int, run: Callable[[], None]) -> float:
    start = time.perf_counter()
    run()
    return count / (time.perf_counter() - start)


def _token(chain):
    owner, sender, receiver = chain.accounts[:3]
    token = chain.deploy("MockERC20", "USD Coin", "USDC", 6, sender=owner)
    token.mint.transact(sender, 10**30, sender=owner)
    token.transfer.transact(receiver, AMOUNT, sender=sender)  # the recipient's slot exists: steady state
    return token, sender, receiver


def measure_raw_rpc(anvil: AnvilChain) -> tuple[Lane, Lane]:
    """eth_sendTransaction of pre-encoded calldata from an unlocked account, no receipts: the floor."""
    token, sender, receiver = _token(anvil)
    good = token.transfer.calldata(receiver, AMOUNT)
    bad = token.transfer.calldata(receiver, 10**40)

    def tx(data: bytes, nonce: int | None = None) -> dict:
        body = {
            "from": sender,
            "to": token.address,
            "data": "0x" + data.hex(),
            "gas": hex(200_000),
            "gasPrice": "0x0",
        }
        if nonce is not None:
            body["nonce"] = hex(nonce)
        return body

    def sequential(data: bytes, count: int) -> Callable[[], None]:
        return lambda: [anvil.rpc("eth_sendTransaction", tx(data)) for _ in range(count)]

    def batched(data: bytes, count: int) -> Callable[[], None]:
        def run():
            nonce = int(anvil.rpc("eth_getTransactionCount", sender, "latest"), 16)
            for start in range(0, count, BATCH):  # explicit nonces: one sender per batch would collide
                anvil.rpc_batch(
                    [("eth_sendTransaction", (tx(data, nonce + i),)) for i in range(start, start + BATCH)]
                )
            nonce += count

        return run

    raw = Lane(
        "raw JSON-RPC, sequential",
        _rate(TRANSFERS, sequential(good, TRANSFERS)),
        _rate(REVERTS, sequential(bad, REVERTS)),
        note="eth_sendTransaction, no receipt",
    )
    batch = Lane(
        f"raw JSON-RPC, batches of {BATCH}",
        _rate(TRANSFERS, batched(good, TRANSFERS)),
        _rate(REVERTS, batched(bad, REVERTS)),
        note="explicit nonces",
    )
    return raw, batch


def measure_lane(chain) -> Lane:
    """The lane's own calls: a receipt (status, gas, logs) for each, revert data decoded for reverts."""
    token, sender, receiver = _token(chain)
    accepted = _rate(
        TRANSFERS, lambda: [token.transfer.attempt(receiver, AMOUNT, sender=sender) for _ in range(TRANSFERS)]
    )
    reverted = _rate(
        REVERTS, lambda: [token.transfer.attempt(receiver, 10**40, sender=sender) for _ in range(REVERTS)]
    )
    return Lane(f"lane on {chain.backend}", accepted, reverted, note="receipt + decoded error")


def measure_ape(project, accounts) -> Lane:
    """Ape contract objects (the harness before the lane), on the node Ape is connected to."""
    from ape.exceptions import ContractLogicError

    owner, sender, receiver = accounts[:3]
    token = owner.deploy(project.MockERC20, "USD Coin", "USDC", 6)
    token.mint(sender, 10**30, sender=owner)

    def reverts():
        # Ape prints a call trace and an ERROR line for each; the benchmark's output is its table
        with quiet.no_revert_traces():
            for _ in range(APE_REVERTS):
                with contextlib.suppress(ContractLogicError):
                    token.transfer(receiver, 10**40, sender=sender, raise_on_revert=False)

    accepted = _rate(
        APE_TRANSFERS, lambda: [token.transfer(receiver, AMOUNT, sender=sender) for _ in range(APE_TRANSFERS)]
    )
    return Lane("Ape contract calls", accepted, _rate(APE_REVERTS, reverts), note="receipt objects")


class _Counting:
    """Counts the steps (invariant checks after each rule) and examples of a machine class."""

    def __init__(self, machine: type):
        counter = self

        class Counted(machine):
            def __init__(self):
                super().__init__()
                counter.examples += 1

            def check_invariants(self, *args, **kwargs):
                counter.checks += 1
                return super().check_invariants(*args, **kwargs)

        self.examples = 0
        self.checks = 0
        self.machine = Counted

    @property
    def steps(self) -> int:
        return self.checks - self.examples  # one check follows the setup of each example


def machine_steps_per_second(machine: type, backend: str, examples: int, steps: int) -> tuple[float, int]:
    """Steps/s of `machine` (a LaneMachine) on `backend`; the deployment is made before timing starts."""
    from hypothesis import HealthCheck, settings
    from hypothesis.stateful import run_state_machine_as_test

    on_backend = machine.on(backend)
    on_backend()  # deploys once per process, outside the timed run
    counting = _Counting(on_backend)
    options = settings(
        max_examples=examples,
        stateful_step_count=steps,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    start = time.perf_counter()
    run_state_machine_as_test(counting.machine, settings=options)
    return counting.steps / (time.perf_counter() - start), counting.steps


# Where a function's own time is counted, by the first matching piece of its file name (or its name).
CATEGORIES = (
    ("revm (pyrevm calls)", ("builtins.EVM", "pyrevm")),
    ("the lane (bulwark/chain)", ("bulwark/chain/",)),
    ("ABI encoding, decoding, hashing", ("eth_abi", "eth_utils", "Crypto", "bulwark/abi/", "eth_hash")),
    (
        "signing (reports, approvals)",
        ("eth_keys", "eth_account", "coincurve", "secp256k1", "bulwark/signing"),
    ),
    ("the models (bulwark/model)", ("bulwark/model/", "dataclasses")),
    ("the machine's rules and checks", ("bulwark/fuzz/",)),
    ("Hypothesis", ("hypothesis",)),
)


def time_by_category(stats: pstats.Stats) -> list[tuple[str, float]]:
    """Own time per category (CATEGORIES, then "other"), largest first."""
    totals: dict[str, float] = {}
    for (filename, _, name), (_, _, own, _, _) in stats.stats.items():
        where = f"{filename} {name}"
        category = next((label for label, keys in CATEGORIES if any(k in where for k in keys)), "other")
        totals[category] = totals.get(category, 0.0) + own
    return sorted(totals.items(), key=lambda item: -item[1])


def profile_machine(machine: type, backend: str, examples: int, steps: int, top: int = 15) -> str:
    """Where a machine's time goes: own time by category, then cProfile's top functions."""
    profiler = cProfile.Profile()
    profiler.enable()
    machine_steps_per_second(machine, backend, examples, steps)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    categories = time_by_category(stats)
    total = sum(seconds for _, seconds in categories) or 1.0
    out.write("own time by category:\n")
    for label, seconds in categories:
        out.write(f"  {label:<36} {seconds:7.3f} s  {100 * seconds / total:5.1f}%\n")
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


def measure_all(
    machine: type | None, project=None, accounts=None, examples: int = 30, steps: int = 30
) -> LaneReport:
    """Every lane in one run. `project`/`accounts` (Ape, connected) add the Ape row."""
    report = LaneReport()
    with AnvilChain() as anvil:
        report.lanes.extend(measure_raw_rpc(anvil))
    for backend in ("anvil", "revm"):
        with connect(backend) as chain:
            lane = measure_lane(chain)
        if machine is not None:
            lane.steps_per_s, count = machine_steps_per_second(
                machine, backend, examples if backend == "revm" else 3, steps
            )
            lane.note += f"; {machine.__name__}: {count} steps"
        report.lanes.append(lane)
    if project is not None:
        report.lanes.append(measure_ape(project, accounts))
    revm = report.lanes[3]
    if machine is not None and (revm.steps_per_s or 0) < REVM_STEPS_TARGET:
        report.profile = profile_machine(machine, "revm", max(3, examples // 3), steps)
    return report
