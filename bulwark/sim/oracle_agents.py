"""The oracle's side of a simulation: reporters who observe a source (honest with noise, delayed, silent,
printing bad prices), the honest relayer who pokes on a heartbeat or a deviation, and the attacker who
holds hostile reporter keys and relays its own pokes. Every report is signed over the oracle's own
digest (`reportDigest`), and the deployed MedianOracle alone decides what is served.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from bulwark.sim.paths import Paths
from bulwark.sim.scenario import Market, Reporters
from bulwark.sim.world import ReportKey

PRICE_PLACES = 12  # a price goes on chain with 12 significant decimal places (then WAD)


def to_wad_price(price: float) -> int:
    return round(price * 10**PRICE_PLACES) * 10 ** (18 - PRICE_PLACES)


@dataclass
class Observation:
    key: ReportKey
    price: float


class ReporterSet:
    """A market's reporters: its keys in order, each in the scenario's group that covers it (the rest
    honest on the true price with the default noise)."""

    def __init__(self, name: str, spec: Market, keys: list[ReportKey], paths: Paths, seed: int):
        self.name, self.keys, self.paths = name, keys, paths
        self.groups: list[Reporters] = []
        for group in spec.reporters:
            self.groups += [group] * group.count
        default = Reporters(count=1)
        self.groups += [default] * max(0, len(keys) - len(self.groups))
        self.groups = self.groups[: len(keys)]
        self.rng = random.Random(f"{seed}:reporters:{name}")
        self.bad_prints = [(g, b) for g in spec.reporters for b in g.bad_prints]

    def observe(self, t: int, step: int) -> list[Observation]:
        """What each live reporter would sign at `t` (a silent one signs nothing)."""
        seen = []
        for key, group in zip(self.keys, self.groups, strict=True):
            if any(w.holds(t) for w in group.silent):
                continue
            true = self.paths.price(self.name, group.source, max(0, t - group.delay))
            price = true * (1 + self.rng.gauss(0, group.noise)) if group.noise else true
            for bad in group.bad_prints:
                if bad.at <= t < (bad.until if bad.until is not None else bad.at + step):
                    price = bad.price if bad.price is not None else true * bad.factor
            seen.append(Observation(key, price))
        return seen

    def bad_print_gaps(self, t: int, true: float, step: int) -> list[float]:
        """|bad / true - 1| of every bad print active at `t` or in the step before."""
        gaps = []
        for _, bad in self.bad_prints:
            until = bad.until if bad.until is not None else bad.at + step
            if bad.at - step <= t < until + step:
                price = bad.price if bad.price is not None else true * bad.factor
                gaps.append(abs(price / true - 1))
        return gaps


def sign_poke(oracle, epoch: int, observations: list[Observation], observed_at: int) -> list[tuple]:
    """The poke's reports: each observation signed over the oracle's digest, sorted by reporter."""
    reports = []
    for o in observations:
        price = to_wad_price(o.price)
        r, vs = o.key.sign(oracle.reportDigest(epoch, price, observed_at))
        reports.append((int(o.key.address, 16), (price, observed_at, r, vs)))
    return [report for _, report in sorted(reports)]
