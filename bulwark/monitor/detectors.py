"""The monitor's detectors: each has an ID, a severity and one documented rule over a `Snapshot` of the
deployment at one block (contract state read at that block, and the block's events) and the snapshots
before it. Detectors are pure: they read snapshots and return alerts, and never touch a chain, so each
is unit-tested at its threshold (tests/unit/monitor).

    alerts = [a for d in detectors(config) for a in d.check(history)]   # history[-1] is this block

docs/RUNBOOK.md says, per ID, what it means, who acts and with which command.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from bulwark.monitor.config import MonitorConfig

OK, EMPTY, STALE, TRIPPED, PAUSED = 0, 1, 2, 3, 4  # IMedianOracle.Status


@dataclass(frozen=True)
class OracleState:
    price: int  # [wad] latest accepted price
    updated_at: int  # [unix s]
    status: int  # IMedianOracle.Status
    max_staleness: int  # [s]


@dataclass(frozen=True)
class FundState:
    """One InsuranceFund at one block [token units]."""

    assets: int  # totalAssets
    balance: int  # collateral.balanceOf(fund)
    outflow_used: int  # cover paid in the current window
    max_outflow: int


@dataclass
class Snapshot:
    """The deployment at one block, as the monitor read it."""

    block: int
    timestamp: int  # [unix s]
    oracles: dict[str, OracleState]  # market name -> its oracle
    references: dict[str, int] = field(default_factory=dict)  # market name -> reference price [wad]
    funds: dict[str, FundState] = field(default_factory=dict)  # the shared fund, then isolated markets'
    engine_balance: int = 0  # [wad] collateral.balanceOf(engine) * SCALE
    engine_claims: int = 0  # [wad] sum(cash) + fees - sum(unsettled losses) over known accounts
    position_sums: dict[str, int] = field(default_factory=dict)  # market -> sum of sizes [wad]
    pauses: dict[str, int] = field(default_factory=dict)  # "Contract.SCOPE" -> pausedUntil [unix s]
    ratios: list[float] = field(default_factory=list)  # equity / MM of the accounts with positions
    reporters_seen: dict[str, dict[str, int]] = field(default_factory=dict)  # market -> reporter -> last [s]
    reports: list[tuple[str, str, int, int]] = field(default_factory=list)  # this block's pokes: (market,
    # reporter, its price, the median of its poke's reports) [wad]
    events: list = field(default_factory=list)  # bulwark.chain.base.Event of this block


@dataclass(frozen=True)
class Alert:
    id: str  # detector ID, e.g. MON-01
    severity: str  # info, warning, critical
    block: int
    subject: str  # what it is about, e.g. "ETH/USD" or "InsuranceFund"
    message: str  # one line with the figures
    key: str  # what makes two alerts the same incident (the monitor acts once per key)


@dataclass(frozen=True)
class Detector:
    id: str
    severity: str
    name: str
    rule: str  # the documented rule, as in docs/RUNBOOK.md

    def check(self, history: list[Snapshot], config: MonitorConfig) -> Iterator[Alert]:
        raise NotImplementedError

    def alert(self, now: Snapshot, subject: str, message: str, key: str | None = None) -> Alert:
        return Alert(self.id, self.severity, now.block, subject, message, key or f"{self.id}:{subject}")


class FeedStale(Detector):
    def check(self, history, config):
        now = history[-1]
        for name, o in now.oracles.items():
            age = now.timestamp - o.updated_at
            if o.status == STALE or (o.status != EMPTY and age > o.max_staleness):
                message = f"{name} served price is {age} s old (maxStaleness {o.max_staleness} s)"
                yield self.alert(now, name, message)


class FeedAboutStale(Detector):
    def check(self, history, config):
        now = history[-1]
        for name, o in now.oracles.items():
            age = now.timestamp - o.updated_at
            if o.status == OK and age > o.max_staleness * config.thresholds.about_stale:
                yield self.alert(
                    now, name, f"{name} is {age} s old, stale at {o.max_staleness} s (no poke since)"
                )


class BreakerTripped(Detector):
    def check(self, history, config):
        now = history[-1]
        for name, o in now.oracles.items():
            if o.status == TRIPPED:
                yield self.alert(now, name, f"{name} breaker tripped: serving nothing until a level confirms")


class PriceDivergence(Detector):
    def check(self, history, config):
        now = history[-1]
        for name, reference in now.references.items():
            o = now.oracles.get(name)
            if o is None or o.status != OK or not reference:
                continue
            gap = abs(o.price / reference - 1)
            if gap > config.thresholds.divergence:
                yield self.alert(
                    now,
                    name,
                    f"{name} served {o.price / 1e18:.6g} is {gap:.2%} from the reference "
                    f"{reference / 1e18:.6g} (threshold {config.thresholds.divergence:.2%})",
                )


class FundDrawdown(Detector):
    """Each fund on its own: an isolated market's fund is watched as the shared one is."""

    def check(self, history, config):
        now = history[-1]
        window = [s for s in history if now.timestamp - s.timestamp <= config.thresholds.drawdown_window]
        for name, fund in now.funds.items():
            peak = max(s.funds[name].assets for s in window if name in s.funds)
            if peak and (peak - fund.assets) / peak > config.thresholds.drawdown:
                fall = (peak - fund.assets) / peak
                yield self.alert(
                    now,
                    name,
                    f"{name} assets fell {fall:.2%} within {config.thresholds.drawdown_window} s "
                    f"({peak} -> {fund.assets} units)",
                )


class OutflowNearCap(Detector):
    def check(self, history, config):
        now = history[-1]
        for name, f in now.funds.items():
            if f.max_outflow and f.outflow_used >= f.max_outflow * config.thresholds.outflow:
                yield self.alert(
                    now,
                    name,
                    f"{name} paid {f.outflow_used} of the window's cap {f.max_outflow} units "
                    f"({f.outflow_used / f.max_outflow:.0%})",
                )


class NewDeficit(Detector):
    def check(self, history, config):
        now = history[-1]
        for e in now.events:
            if e.name == "LossShared":
                side = "longs" if e.args["longs"] else "shorts"
                yield self.alert(
                    now,
                    f"market {e.args['market']}",
                    f"{e.args['amount'] / 1e18:,.2f} of bad debt shared with the {side} of market "
                    f"{e.args['market']} (the fund did not cover it)",
                    key=f"{self.id}:{now.block}:{e.args['market']}",
                )


class BadDebtBooked(Detector):
    """Losses past an account's margin: liquidations are not keeping up, and the fund starts paying."""

    def check(self, history, config):
        now = history[-1]
        for e in now.events:
            if e.name == "BadDebt":
                yield self.alert(
                    now,
                    f"market {e.args['market']}",
                    f"bad debt {e.args['debt'] / 1e18:,.2f} booked on {e.args['account']} in market "
                    f"{e.args['market']}; the fund covered {e.args['covered'] / 1e18:,.2f}",
                    key=f"{self.id}:market {e.args['market']}",
                )


class LiquidationRate(Detector):
    """Counted over a window of time, not per block: a chain that mines one transaction per block (a
    dev node, a rollup's sequencer) never holds many liquidations in one."""

    def check(self, history, config):
        now, window = history[-1], config.thresholds.liquidation_window
        recent = [s for s in history if now.timestamp - s.timestamp < window]
        count = sum(e.name == "Liquidated" for s in recent for e in s.events)
        if count > config.thresholds.liquidations:
            yield self.alert(
                now,
                "MarginEngine",
                f"{count} liquidations in the last {window} s (threshold {config.thresholds.liquidations})",
            )


class OperationScheduled(Detector):
    def check(self, history, config):
        now = history[-1]
        for e in now.events:
            if e.name == "OperationScheduled":
                yield self.alert(
                    now,
                    "PauseGuardian",
                    f"operation 0x{e.args['id'].hex()} scheduled: eta {e.args['eta']}, expires "
                    f"{e.args['expiresAt']}, approvers {', '.join(e.args['approvers'])}; runs "
                    + "; ".join(e.args.get("decoded") or [f"{len(e.args['calls'])} call(s)"]),
                    key=f"{self.id}:0x{e.args['id'].hex()}",
                )


class PauseExpiring(Detector):
    def check(self, history, config):
        now = history[-1]
        for scope, until in now.pauses.items():
            left = until - now.timestamp
            if 0 < left <= config.thresholds.pause_expiry:
                message = f"pause of {scope} ends in {left} s (at {until})"
                yield self.alert(now, scope, message, key=f"{self.id}:{scope}:{until}")


class ReporterSilent(Detector):
    """Reporters are read from the pokes' calldata (bulwark.monitor.reader); one that signed nothing
    for `reporter_silence` seconds while others kept the feed alive is silent."""

    def check(self, history, config):
        now = history[-1]
        for market, seen in now.reporters_seen.items():
            if not seen:
                continue
            latest = max(seen.values())
            for reporter, last in seen.items():
                if latest - last > config.thresholds.reporter_silence:
                    yield self.alert(
                        now,
                        f"{market} {reporter}",
                        f"reporter {reporter} of {market} has signed nothing for {now.timestamp - last} s "
                        f"(the others signed {now.timestamp - latest} s ago)",
                    )


class ReporterOutlier(Detector):
    """A report far from the median of the poke it came in (a bad print, or a hostile key)."""

    def check(self, history, config):
        now = history[-1]
        for market, reporter, price, median in now.reports:
            gap = abs(price / median - 1) if median else 0.0
            if gap > config.thresholds.outlier:
                yield self.alert(
                    now,
                    f"{market} {reporter}",
                    f"reporter {reporter} of {market} reported {price / 1e18:.6g}, {gap:.2%} from its poke's "
                    f"median {median / 1e18:.6g} (threshold {config.thresholds.outlier:.2%})",
                )


class MarginCollapse(Detector):
    def check(self, history, config):
        now = history[-1]
        if len(now.ratios) < config.thresholds.ratio_accounts:
            return
        below = sum(r < 1 for r in now.ratios) / len(now.ratios)
        if below > config.thresholds.underwater_share:
            yield self.alert(
                now,
                "MarginEngine",
                f"{below:.0%} of {len(now.ratios)} accounts with positions are below maintenance "
                f"(threshold {config.thresholds.underwater_share:.0%})",
            )


class InvariantBreach(Detector):
    """ENG-01, ENG-02 and FND-01, as far as the monitor can read them."""

    def check(self, history, config):
        now = history[-1]
        if now.engine_balance != now.engine_claims:
            yield self.alert(
                now, "ENG-01", f"engine balance {now.engine_balance} != claims {now.engine_claims} (wad)"
            )
        for market, total in now.position_sums.items():
            if total:
                message = f"sizes in {market} sum to {total}, not 0"
                yield self.alert(now, "ENG-02", message, key=f"{self.id}:ENG-02:{market}")
        for name, fund in now.funds.items():
            if fund.assets != fund.balance:
                message = f"{name} totalAssets {fund.assets} != balance {fund.balance}"
                yield self.alert(now, "FND-01", message, key=f"{self.id}:FND-01:{name}")


DETECTORS = (
    FeedStale(
        "MON-01", "critical", "feed stale",
        "an oracle's status is Stale, or its served price is older than maxStaleness",
    ),
    FeedAboutStale(
        "MON-02", "warning", "feed about to be stale", "a served price older than about_stale x maxStaleness"
    ),
    BreakerTripped("MON-03", "critical", "breaker tripped", "an oracle's status is Tripped"),
    PriceDivergence(
        "MON-04", "critical", "price far from a reference", "|served / reference - 1| > divergence"
    ),
    FundDrawdown(
        "MON-05", "critical", "fund drawdown",
        "totalAssets fell more than drawdown from its peak within drawdown_window",
    ),
    OutflowNearCap("MON-06", "warning", "outflow near its cap", "outflowUsed >= outflow x maxOutflow"),
    NewDeficit("MON-07", "critical", "new deficit", "a LossShared event: bad debt the fund did not cover"),
    LiquidationRate(
        "MON-08", "warning", "liquidations above a rate",
        "more than liquidations Liquidated events within liquidation_window seconds",
    ),
    OperationScheduled(
        "MON-09", "info", "guardian operation scheduled", "an OperationScheduled event (decoded calls)"
    ),
    PauseExpiring("MON-10", "warning", "pause about to expire", "a live pause ends within pause_expiry"),
    InvariantBreach(
        "MON-11", "critical", "invariant breach", "ENG-01, ENG-02 or FND-01 does not hold at the block"
    ),
    ReporterSilent(
        "MON-12", "warning", "reporter silent",
        "a reporter signed nothing for reporter_silence seconds while the others kept reporting",
    ),
    MarginCollapse(
        "MON-13", "warning", "margin ratios collapse",
        "more than underwater_share of the accounts with positions are below maintenance",
    ),
    ReporterOutlier(
        "MON-14", "warning", "reporter far from the median",
        "a report more than outlier from the median of the poke it came in",
    ),
    BadDebtBooked(
        "MON-15", "critical", "bad debt booked", "a BadDebt event: an account closed below zero equity"
    ),
)  # fmt: skip
BY_ID = {d.id: d for d in DETECTORS}
