"""Drills: replay a simulator scenario on Anvil with a monitor attached, then measure each detector
against the ground truth (bulwark.monitor.truth): what the chain and the scenario say happened.

The monitor polls after every block the simulator's agents make (each transaction, each move of the
clock), as a monitor following a node does; its own pauses land in the block after it polled. Each
market gets a reference feed (a ReferenceFeed, an AggregatorV3 the drill sets to the scenario's fair
price whenever it moved `REFERENCE_DEVIATION` or `REFERENCE_HEARTBEAT` passed, as a Chainlink feed
does), which the monitor compares with (MON-04).

Per detector: its incidents (intervals of blocks, `KINDS`), the incidents with an alert of the detector
on the same subject inside them (recall), detection latency in blocks and seconds from an incident's
first block to its first alert, blocks from the first block until the detector's own pause held (0 when a
running pause already covered it; only for detectors that act), and precision (alerts inside an incident
of their kind, over all the detector's alerts). `drain` groups MON-05, -06, -07 and -15 over the fund's
Covered events, any subject.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from bulwark.chain.base import PAUSER_INDEX, dev_key
from bulwark.monitor.alerts import Sink
from bulwark.monitor.config import MonitorConfig
from bulwark.monitor.node import Node
from bulwark.monitor.reader import Deployment
from bulwark.monitor.runner import Monitor
from bulwark.monitor.truth import Incident, Truth
from bulwark.sim import batch
from bulwark.sim.oracle_agents import to_wad_price
from bulwark.sim.result import RunResult
from bulwark.sim.scenario import SOURCE_FAIR, load_scenario

KINDS = {
    "MON-01": "stale",
    "MON-02": "ageing",
    "MON-03": "tripped",
    "MON-04": "diverged",
    "MON-05": "drawdown",
    "MON-06": "outflow",
    "MON-07": "shared",
    "MON-08": "cascade",
    "MON-09": "scheduled",
    "MON-10": "expiring",
    "MON-11": "breach",  # no scenario breaks an invariant: every MON-11 alert counts against it
    "MON-12": "silent",
    "MON-13": "underwater",
    "MON-14": "bad report",
    "MON-15": "bad debt",
}
DRAIN = ("MON-05", "MON-06", "MON-07", "MON-15")
PAUSE_KEY = dev_key(PAUSER_INDEX)  # the local files' pause-only key (guardian.pausers, GRD-06)
REFERENCE_DEVIATION = 0.005  # the reference feed moves when the fair price moved 0.5% ...
REFERENCE_HEARTBEAT = 3600  # [s] ... or an hour passed


@dataclass
class DrillResult:
    scenario: str
    blocks: tuple[int, int]
    incidents: list[Incident]
    alerts: list[dict]
    responses: list[dict]
    run: RunResult
    figures: dict = field(default_factory=dict)  # detector ID (and "drain") -> measured figures


class References:
    """One ReferenceFeed per market, set to the fair price as a deviation-and-heartbeat feed is."""

    def __init__(self, run):
        self.owner = run.chain.accounts[0]
        self.feeds = {name: run.chain.deploy("ReferenceFeed", 18, sender=self.owner) for name in run.markets}
        self.set: dict[str, tuple[int, float]] = {}  # market -> (when, price) last set
        self.update(run)

    def update(self, run) -> None:
        for name, feed in self.feeds.items():
            fair = run.paths.price(name, SOURCE_FAIR, run.t)
            when, price = self.set.get(name, (None, None))
            if (
                when is None
                or run.t - when >= REFERENCE_HEARTBEAT
                or abs(fair / price - 1) >= REFERENCE_DEVIATION
            ):
                feed.setAnswer.transact(to_wad_price(fair), sender=self.owner)
                self.set[name] = (run.t, fair)

    def addresses(self) -> dict[str, str]:
        return {name: feed.address for name, feed in self.feeds.items()}


def _inside(alert: dict, incident: Incident, grouped: bool) -> bool:
    return incident.first <= alert["block"] <= incident.last and (
        grouped or alert["subject"] == incident.subject
    )


def measure(
    incidents: list[Incident], alerts: list[dict], firing: list[dict], truth: Truth, config: MonitorConfig
) -> dict[str, dict]:
    """Per detector (and `drain`): incidents, recall, precision, latency and time to its pause. An
    incident is detected where the detector fires on its subject inside it (`firing`: every block's
    firing, new or still active: an alert is raised once per incident, so a condition that flickers in
    the truth but held for the monitor is one alert); precision counts the alerts raised."""
    timestamps = {b.number: b.timestamp for b in truth.blocks}
    groups = {d: ((d,), KINDS[d], False) for d in KINDS} | {"drain": (DRAIN, "drain", True)}
    figures = {}
    for name, (ids, kind, grouped) in groups.items():
        mine = [i for i in incidents if i.kind == kind]
        fired = [a for a in alerts if a["id"] in ids]
        inside = [a for a in fired if any(_inside(a, i, grouped) for i in mine)]
        action = config.act.get(name)
        paused = (
            truth.paused([f"{action.contract}.{s}" for s in action.scopes])
            if action and not action.suspend
            else None
        )
        latencies, seconds, to_pause = [], [], []
        for incident in mine:
            hits = [a["block"] for a in firing if a["id"] in ids and _inside(a, incident, grouped)]
            if hits:
                latencies.append(min(hits) - incident.first)
                seconds.append(timestamps[min(hits)] - timestamps[incident.first])
            landed = [b for b in paused or [] if b >= incident.first]
            if landed:
                to_pause.append(landed[0] - incident.first)
        figures[name] = {
            "detectors": list(ids),
            "kind": kind,
            "incidents": len(mine),
            "detected": len(latencies),
            "alerts": len(fired),
            "latency_blocks": latencies,
            "latency_seconds": seconds,
            "blocks_to_pause": to_pause if paused is not None else None,
            "recall": len(latencies) / len(mine) if mine else None,
            "precision": len(inside) / len(fired) if fired else None,
        }
    figures["MON-02"]["lead_seconds"] = _leads(incidents, alerts, timestamps)
    return figures


def _leads(incidents: list[Incident], alerts: list[dict], timestamps: dict[int, int]) -> list[int]:
    """MON-02's worth: per stale incident, seconds from the last MON-02 alert on its market before it
    to the first stale block (none when the feed went stale unwarned)."""
    leads = []
    for stale in (i for i in incidents if i.kind == "stale"):
        warned = [a["block"] for a in alerts if a["id"] == "MON-02" and a["subject"] == stale.subject]
        before = [b for b in warned if b <= stale.first]
        if before:
            leads.append(timestamps[stale.first] - timestamps[max(before)])
    return leads


def drill(
    scenario_path, seed: int = 1, config: MonitorConfig | None = None, dry_run: bool = False
) -> DrillResult:
    """Run the scenario on Anvil with a monitor attached; the incidents, alerts and figures."""
    scenario, digest = load_scenario(scenario_path)
    config = config or MonitorConfig()
    job = batch.Job(f"drill:{scenario.name}", scenario, seed, batch.meta_for(scenario, digest, "drill"))
    world = batch.world_for(job, "anvil")
    chain, suite = world.chain, world.suite
    deployment = Deployment(chain.chain_id, suite.first_block, suite.addresses())
    node = Node(chain.url)
    sink = Sink(out=io.StringIO())
    attached: dict = {}  # made at the run's first transaction, after it restored the deployment
    firing: list[dict] = []  # every block's firing alerts, new or still active
    roles = world.roles
    accounts = [roles.maker, roles.bystander, roles.attacker, *roles.keepers, *roles.traders]

    def noting(_snapshot, fired) -> None:
        firing.extend({"id": a.id, "block": a.block, "subject": a.subject} for a in fired)

    def observe(run) -> None:
        if not attached:
            references = References(run)
            watching = config.model_copy(update={"references": references.addresses()})
            monitor = Monitor(
                node, deployment, watching, sink, key=PAUSE_KEY, dry_run=dry_run, on_check=noting
            )
            attached.update(run=run, references=references, monitor=monitor)
            attached["truth"] = Truth(node, deployment, monitor.first, accounts)
        attached["truth"].scan(run)
        attached["references"].update(run)
        attached["monitor"].poll()

    result = batch.run_job(job, "anvil", observer=observe)
    run, truth, monitor = attached["run"], attached["truth"], attached["monitor"]
    observe(run)
    truth.scan(run)
    alerts = [line for line in sink.lines if line["type"] == "alert"]
    responses = [line for line in sink.lines if line["type"] == "response"]
    incidents = truth.incidents(run, config)
    node.close()
    return DrillResult(
        scenario.name,
        (monitor.first, truth.last),
        incidents,
        alerts,
        responses,
        result,
        measure(incidents, alerts, firing, truth, config),
    )
