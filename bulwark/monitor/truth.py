"""What happened during a drill, from the chain and from the scenario, never from the monitor: the
ground truth its alerts are measured against (bulwark.monitor.drill).

`Truth.scan(run)` reads every block mined since the last scan with reads of its own, as the run goes (a
node keeps the state of recent blocks only): each oracle's latest(), every guarded scope's pausedUntil,
the fund's assets and outflow, every agent's accountState, and the blocks' events. `incidents()` turns
them into intervals of blocks, one kind per detector. There are two sorts of truth:

* **States a rule names** (stale, ageing, tripped, drawdown, outflow, shared, cascade, expiring,
  underwater, bad debt): the condition the detector's rule states, computed here from independent reads.
  These figures measure the monitor's reading and timing (a missed block, a late poll, a wrong key).
* **What the scenario scripted** (diverged: the served price more than the divergence from the
  scenario's fair price; silent: a reporter's scripted silence while the others kept the feed alive;
  bad report: a signed report more than the outlier threshold from the fair price at its time). These
  figures measure the rules' judgement: a report far from a manipulated median is not a bad report, and a
  hostile report at the median is.
"""

from __future__ import annotations

from dataclasses import dataclass

from bulwark.chain import Reverted
from bulwark.deploy import SHARED_FUND
from bulwark.monitor.config import MonitorConfig
from bulwark.monitor.detectors import OK, STALE, TRIPPED
from bulwark.monitor.node import Node, Read
from bulwark.monitor.reader import Deployment
from bulwark.sim.scenario import SOURCE_FAIR

ENGINE = "MarginEngine"


@dataclass
class Incident:
    kind: str
    subject: str  # market name, "market <id>", "<market> <reporter>", "Contract.SCOPE" or a contract
    first: int  # block
    last: int  # block


@dataclass
class Block:
    number: int
    timestamp: int  # [unix s]
    oracles: dict[str, tuple[int, int, int]]  # market -> (price [wad], updatedAt, status)
    pauses: dict[str, int]  # "Contract.SCOPE" -> pausedUntil [unix s]
    funds: dict[str, tuple[int, int, int]]  # fund name -> (totalAssets, outflowUsed, maxOutflow)
    ratios: list[float]  # equity / maintenance of the agents with positions (not halted)
    events: list  # bulwark.chain.base.Event


def intervals(flags: list[tuple[int, bool]], kind: str, subject: str) -> list[Incident]:
    """Runs of consecutive True flags over (block, flag) rows, as incidents."""
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
    def __init__(self, node: Node, deployment: Deployment, first: int, accounts: list[str]):
        self.node, self.deployment, self.accounts = node, deployment, accounts
        a = deployment.addresses
        self.oracles = a.oracles
        self.market_ids = {name: i for i, name in enumerate(a.oracles)}
        configs = node.read([Read("MedianOracle", o, "config") for o in a.oracles.values()], first)
        self.max_staleness = {m: c.maxStaleness for m, c in zip(a.oracles, configs, strict=True)}
        self.scopes = [
            (f"{contract}.{scope.name}", address, int(scope))
            for contract, (address, flags) in deployment.guarded().items()
            for scope in flags
        ]
        self.blocks: list[Block] = []
        self.poke_blocks: list[int] = []  # the block of each of the run's signed pokes, in order
        self.last = first - 1

    def scan(self, run) -> None:
        """Read every block mined since the last scan; note the block of the run's new pokes (a poke's
        observer call comes right after its transaction, so the head is its block)."""
        head = self.node.block_number()
        self.poke_blocks += [head] * (len(run.signed) - len(self.poke_blocks))
        if head <= self.last:
            return
        a = self.deployment.addresses
        reads = [Read("MedianOracle", o, "latest") for o in self.oracles.values()]
        reads += [Read("IGuarded", address, "pausedUntil", (scope,)) for _, address, scope in self.scopes]
        funds = self.deployment.addresses.funds()
        for fund in funds.values():
            reads += [Read("InsuranceFund", fund, name) for name in ("totalAssets", "outflowUsed", "params")]
        reads += [Read("MarginEngine", a.engine, "accountState", (x,)) for x in self.accounts]
        events: dict[int, list] = {}
        for block, event in self.node.events(self.last + 1, head, [a.guardian, a.fund, a.engine]):
            events.setdefault(block, []).append(event)
        for number in range(self.last + 1, head + 1):
            values = iter(self.node.read(reads, number))
            oracles = {m: tuple(next(values)) for m in self.oracles}
            pauses = {name: next(values) for name, _, _ in self.scopes}
            states = {}
            for name in funds:
                assets, used, params = next(values), next(values), next(values)
                states[name] = (assets, used, params.maxOutflow)
            ratios = []
            for _ in self.accounts:
                state = next(values)
                if not isinstance(state, Reverted) and state.maintenanceMargin:
                    ratios.append(state.equity / state.maintenanceMargin)
            self.blocks.append(
                Block(
                    number,
                    self.node.timestamp(number),
                    oracles,
                    pauses,
                    states,
                    ratios,
                    events.get(number, []),
                )
            )
        self.last = head

    # ------------------------------------------------------------------ incidents

    def paused(self, scopes: list[str]) -> list[int]:
        """Blocks in which every one of `scopes` ("Contract.SCOPE") was paused."""
        return [b.number for b in self.blocks if all(b.pauses[s] > b.timestamp for s in scopes)]

    def incidents(self, run, config: MonitorConfig) -> list[Incident]:
        t = config.thresholds
        found = []
        for name in self.oracles:
            rows = [(b, *b.oracles[name]) for b in self.blocks]
            found += intervals([(b.number, s == STALE) for b, _, _, s in rows], "stale", name)
            found += intervals([(b.number, s == TRIPPED) for b, _, _, s in rows], "tripped", name)
            limit = self.max_staleness[name] * t.about_stale
            ageing = [(b.number, s == OK and b.timestamp - u > limit) for b, _, u, s in rows]
            found += intervals(ageing, "ageing", name)
            if name not in run.markets:  # deployed, but not in the scenario: no fair price
                continue
            diverged = []
            for b, price, _, status in rows:
                fair = run.paths.price(name, SOURCE_FAIR, b.timestamp - run.start)
                diverged.append((b.number, status == OK and abs(price / 1e18 / fair - 1) > t.divergence))
            found += intervals(diverged, "diverged", name)
        found += self._fund(t)
        found += self._events()
        found += self._cascades(t)
        for scope, _, _ in self.scopes:
            rows = [(b.number, 0 < b.pauses[scope] - b.timestamp <= t.pause_expiry) for b in self.blocks]
            found += intervals(rows, "expiring", scope)
        below = [
            (b.number, len(b.ratios) >= t.ratio_accounts and sum(r < 1 for r in b.ratios) / len(b.ratios)
             > t.underwater_share)
            for b in self.blocks
        ]  # fmt: skip
        found += intervals(below, "underwater", ENGINE)
        found += self._silences(run, t)
        found += self._bad_reports(run, t)
        return found

    def _fund(self, t) -> list[Incident]:
        """Each fund's drawdown and outflow, read at every block; the shared fund's drain, from its
        Covered events."""
        found = []
        for name in self.deployment.addresses.funds():
            drawdown, outflow, start = [], [], 0
            for i, b in enumerate(self.blocks):
                while b.timestamp - self.blocks[start].timestamp > t.drawdown_window:
                    start += 1
                peak = max(x.funds[name][0] for x in self.blocks[start : i + 1])
                assets, used, cap = b.funds[name]
                drawdown.append((b.number, bool(peak) and (peak - assets) / peak > t.drawdown))
                outflow.append((b.number, bool(cap) and used >= cap * t.outflow))
            found += intervals(drawdown, "drawdown", name) + intervals(outflow, "outflow", name)
        covers = [b.number for b in self.blocks if any(e.name == "Covered" for e in b.events)]
        return found + ([Incident("drain", SHARED_FUND, covers[0], covers[-1])] if covers else [])

    def _events(self) -> list[Incident]:
        """One incident per block with a LossShared, BadDebt or OperationScheduled event."""
        kinds = {"LossShared": "shared", "BadDebt": "bad debt", "OperationScheduled": "scheduled"}
        found = {}
        for b in self.blocks:
            for e in b.events:
                if e.name in kinds:
                    subject = "PauseGuardian" if "market" not in e.args else f"market {e.args['market']}"
                    found[(kinds[e.name], subject, b.number)] = Incident(
                        kinds[e.name], subject, b.number, b.number
                    )
        return list(found.values())

    def _cascades(self, t) -> list[Incident]:
        rows, start, count = [], 0, 0
        for b in self.blocks:
            count += sum(e.name == "Liquidated" for e in b.events)
            while b.timestamp - self.blocks[start].timestamp >= t.liquidation_window:
                count -= sum(e.name == "Liquidated" for e in self.blocks[start].events)
                start += 1
            rows.append((b.number, count > t.liquidations))
        return intervals(rows, "cascade", ENGINE)

    def _block_at(self, timestamp: int) -> int | None:
        """The first block at or after `timestamp`."""
        return next((b.number for b in self.blocks if b.timestamp >= timestamp), None)

    def _silences(self, run, t) -> list[Incident]:
        """A reporter's scripted silence, while pokes kept coming for at least reporter_silence seconds
        after it began (a whole feed gone quiet is MON-01's); it ends with its next poke's block."""
        found = []
        for name, reporters in run.reporters.items():
            pokes = [(p, b) for p, b in zip(run.signed, self.poke_blocks, strict=True) if p.market == name]
            for key, group in zip(reporters.keys, reporters.groups, strict=True):
                for w in group.silent:
                    alive = [p for p, _ in pokes if w.start + t.reporter_silence < p.t < w.end]
                    first = self._block_at(run.start + w.start)
                    if not alive or first is None:
                        continue
                    back = [
                        b for p, b in pokes if p.t >= w.end and any(r == key.address for r, _ in p.reports)
                    ]
                    last = back[0] if back else self.blocks[-1].number
                    found.append(Incident("silent", f"{name} {key.address}", first, last))
        return found

    def _bad_reports(self, run, t) -> list[Incident]:
        """Every signed report more than the outlier threshold from the fair price at its time."""
        found = []
        for poke, block in zip(run.signed, self.poke_blocks, strict=True):
            fair = run.paths.price(poke.market, SOURCE_FAIR, poke.observed_at - run.start)
            for reporter, price in poke.reports:
                if abs(price / 1e18 / fair - 1) > t.outlier:
                    found.append(Incident("bad report", f"{poke.market} {reporter}", block, block))
        return found
