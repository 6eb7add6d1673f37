"""Drills: replay a simulator scenario on Anvil with a monitor attached, then measure the monitor
against what the chain says happened.

The monitor polls after every block the simulator's agents make (each transaction, each move of the
clock), as a monitor following a node does; its own pause lands in the block after it polled. The truth
comes from the chain, not from the monitor: every block is read again with reads of its own as the run
goes (latest() of each oracle at that block, the engine's TRADE pause, and the fund's Covered events),
which gives the incidents:

    stale     consecutive blocks where an oracle's status is Stale      -> MON-01
    tripped   consecutive blocks where an oracle's status is Tripped    -> MON-03
    drain     the fund paying cover for bad debt (a Covered event)      -> MON-05, -06, -07 or -15

Per detector: detection latency in blocks from an incident's first block to its first alert, blocks
from the first block until the engine's TRADE scope is paused (0 if a running pause already covers it),
recall (incidents with an alert inside them) and precision
(alerts inside an incident of their kind, over all alerts of that detector).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from bulwark.abi.scopes import EngineScope
from bulwark.monitor.alerts import Sink
from bulwark.monitor.config import MonitorConfig
from bulwark.monitor.detectors import STALE, TRIPPED
from bulwark.monitor.node import Node, Read
from bulwark.monitor.reader import Deployment
from bulwark.monitor.runner import Monitor
from bulwark.sim import batch
from bulwark.sim.result import RunResult
from bulwark.sim.scenario import load_scenario

KINDS = {
    "stale": ("MON-01",),
    "tripped": ("MON-03",),
    "drain": ("MON-05", "MON-06", "MON-07", "MON-15"),
}
PAUSER = 2  # dev account 2: a guardian signer of params/local.json and params/simulation.json


@dataclass
class Incident:
    kind: str
    subject: str  # market name, or InsuranceFund
    first: int  # block
    last: int  # block


@dataclass
class DrillResult:
    scenario: str
    blocks: tuple[int, int]
    incidents: list[Incident]
    alerts: list[dict]
    responses: list[dict]
    run: RunResult
    figures: dict = field(default_factory=dict)  # detector ID -> measured figures


def _intervals(flags: list[tuple[int, bool]], kind: str, subject: str) -> list[Incident]:
    found, start, previous = [], None, None
    for block, on in flags:
        if on and start is None:
            start = block
        if not on and start is not None:
            found.append(Incident(kind, subject, start, previous))
            start = None
        previous = block
    if start is not None:
        found.append(Incident(kind, subject, start, previous))
    return found


class Truth:
    """What the chain says happened, read block by block as the run goes (a node keeps the state of
    recent blocks only), with reads of its own: the detectors' code is not used."""

    def __init__(self, node: Node, deployment: Deployment, first: int):
        self.node, self.deployment = node, deployment
        self.oracles = deployment.addresses.oracles
        self.flags: dict[str, list[tuple[int, bool, bool]]] = {m: [] for m in self.oracles}
        self.paused: list[int] = []  # blocks in which the engine's TRADE scope was paused
        self.covers: list[int] = []  # blocks with a Covered event of the fund
        self.first, self.last = first, first - 1

    def scan(self) -> None:
        """Read every block mined since the last scan."""
        head = self.node.block_number()
        trade = Read("IGuarded", self.deployment.addresses.engine, "pausedUntil", (int(EngineScope.TRADE),))
        reads = [Read("MedianOracle", address, "latest") for address in self.oracles.values()]
        for block in range(self.last + 1, head + 1):
            *latest, until = self.node.read([*reads, trade], block)
            if until > self.node.timestamp(block):
                self.paused.append(block)
            for name, (_, _, status) in zip(self.oracles, latest, strict=True):
                self.flags[name].append((block, status == STALE, status == TRIPPED))
        if head > self.last:
            fund = [self.deployment.addresses.fund]
            self.covers += sorted(
                {b for b, e in self.node.events(self.last + 1, head, fund) if e.name == "Covered"}
            )
        self.last = head

    def incidents(self) -> list[Incident]:
        found = []
        for name, rows in self.flags.items():
            found += _intervals([(b, s) for b, s, _ in rows], "stale", name)
            found += _intervals([(b, t) for b, _, t in rows], "tripped", name)
        if self.covers:
            found.append(Incident("drain", "InsuranceFund", self.covers[0], self.covers[-1]))
        return found


def measure(incidents: list[Incident], alerts: list[dict], paused: list[int]) -> dict:
    """Per detector of KINDS: latency, blocks until trading was paused (0 when it already was: a
    running pause contains the incident), recall and precision."""
    figures = {}
    for kind, ids in KINDS.items():
        mine = [i for i in incidents if i.kind == kind]
        fired = [a for a in alerts if a["id"] in ids]
        inside = [a for a in fired if any(i.first <= a["block"] <= i.last + 1 for i in mine)]
        latencies, to_pause = [], []
        for incident in mine:
            hits = [a["block"] for a in fired if incident.first <= a["block"] <= incident.last + 1]
            if hits:
                latencies.append(min(hits) - incident.first)
            landed = [b for b in paused if b >= incident.first]
            if landed:
                to_pause.append(landed[0] - incident.first)
        figures[kind] = {
            "detectors": list(ids),
            "incidents": len(mine),
            "detected": len(latencies),
            "alerts": len(fired),
            "latency_blocks": latencies,
            "blocks_to_pause": to_pause,
            "recall": len(latencies) / len(mine) if mine else None,
            "precision": len(inside) / len(fired) if fired else None,
        }
    return figures


def drill(
    scenario_path, seed: int = 1, config: MonitorConfig | None = None, dry_run: bool = False
) -> DrillResult:
    """Run the scenario on Anvil with a monitor attached; the incidents, alerts and figures."""
    scenario, digest = load_scenario(scenario_path)
    job = batch.Job(f"drill:{scenario.name}", scenario, seed, batch.meta_for(scenario, digest, "drill"))
    world = batch.world_for(job, "anvil")
    chain, suite = world.chain, world.suite
    deployment = Deployment(chain.chain_id, suite.first_block, suite.addresses())
    node = Node(chain.url)
    sink = Sink(out=io.StringIO())
    attached: list = []  # the monitor and the truth, made at the run's first transaction

    def observe() -> None:
        if not attached:  # at the run's first transaction, after it restored the deployment
            monitor = Monitor(
                node, deployment, config or MonitorConfig(), sink, key=chain.keys[PAUSER], dry_run=dry_run
            )
            attached.extend([monitor, Truth(node, deployment, monitor.first)])
        attached[0].poll()
        attached[1].scan()

    result = batch.run_job(job, "anvil", observer=observe)
    observe()
    first, last = attached[0].first, node.block_number()
    truth = attached[1]
    alerts = [line for line in sink.lines if line["type"] == "alert"]
    responses = [line for line in sink.lines if line["type"] == "response"]
    incidents = truth.incidents()
    node.close()
    return DrillResult(
        scenario.name,
        (first, last),
        incidents,
        alerts,
        responses,
        result,
        measure(incidents, alerts, truth.paused),
    )
