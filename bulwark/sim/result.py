"""What one simulation run found, as plain data: the headline figures, the time series the charts draw,
every account's outcome and the scenario's expectations. `RunResult.as_dict()` is report.json's "run"
(and each element of "runs" for `--runs`); renderers (bulwark.report) read only this, never the chain.

Units: token figures are whole collateral tokens (floats); prices are the market's quote; times are
seconds from the scenario's start; fractions are plain (0.05 = 5%).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class Series:
    """One entry per simulation step (`t`), per market where keyed by market name."""

    t: list[int] = field(default_factory=list)
    fair: dict[str, list[float]] = field(default_factory=dict)  # the fair price (source "fair")
    served: dict[str, list[float | None]] = field(default_factory=dict)  # latest() price; None if none
    status: dict[str, list[str]] = field(default_factory=dict)  # Ok, Empty, Stale, Tripped, Paused
    open_interest: dict[str, list[float]] = field(default_factory=dict)  # [base units] long OI
    fund_assets: list[float] = field(default_factory=list)  # [tokens] InsuranceFund.totalAssets
    share_price: list[float] = field(default_factory=list)  # [tokens per share token] of the fund
    liquidations: list[int] = field(default_factory=list)  # Liquidated events in the step
    liquidation_volume: list[float] = field(default_factory=list)  # [tokens] notional liquidated


@dataclass
class Account:
    """One agent's account: what it put in and took out, and how it ended (at the served prices)."""

    name: str  # e.g. trader-3, keeper-0, maker, bystander, attacker
    role: str  # trader, keeper, maker, bystander, attacker
    address: str
    markets: list[str]  # markets it held a position in at some point
    deposited: float  # [tokens]
    withdrawn: float  # [tokens]
    end_equity: float | None  # [tokens] equity at the end (None while a price it needs is halted)
    pnl: float | None  # [tokens] withdrawn + end_equity - deposited
    liquidated: int  # times it was liquidated
    bad_debt: float  # [tokens] bad debt booked on it
    loss_owed: float  # [tokens] its share of losses shared with its side, owed at the end


@dataclass
class Interval:
    market: str
    start: int
    end: int  # the step it ended at, or the scenario's end if it was still on


@dataclass
class Deficit:
    """Bad debt the fund did not pay, shared with one side of a market (LossShared)."""

    t: int
    market: str
    side: str  # longs or shorts: who bore it
    amount: float  # [tokens]


@dataclass
class Expectation:
    name: str  # an Expect field
    ok: bool
    detail: str


@dataclass
class RunResult:
    scenario: str  # its name
    scenario_hash: str  # sha256 of the scenario file
    params_hash: str  # sha256 of the parameter file with overrides applied (canonical JSON)
    seed: int
    backend: str
    commit: str  # git commit of the checkout (with -dirty), or "unknown"
    metrics: dict[str, float | int | None] = field(default_factory=dict)  # METRICS below
    series: Series = field(default_factory=Series)
    margin_ratios: dict[str, list[float]] = field(default_factory=dict)  # start, worst, end -> ratios
    accounts: list[Account] = field(default_factory=list)
    breaker_trips: list[dict] = field(default_factory=list)  # {t, market, served, candidate}
    pauses: list[dict] = field(default_factory=list)  # {t, target, scopes, until}
    stale: list[Interval] = field(default_factory=list)
    halted: list[Interval] = field(default_factory=list)  # tripped, stale or paused reads
    deficits: list[Deficit] = field(default_factory=list)
    expectations: list[Expectation] = field(default_factory=list)
    elapsed: float = 0.0  # [s] wall time of the run

    @property
    def ok(self) -> bool:
        return all(e.ok for e in self.expectations)

    def as_dict(self) -> dict:
        return asdict(self)


# The headline figures in `RunResult.metrics`: key -> (unit, definition). docs/SIMULATION.md repeats them.
METRICS = {
    "liquidations": ("count", "Liquidated events"),
    "liquidation_volume": ("tokens", "notional liquidated: sum of size taken x index"),
    "bad_debt": ("tokens", "sum of BadDebt.debt: what insolvent accounts owed when closed"),
    "covered": ("tokens", "of the bad debt, what the InsuranceFund paid at once"),
    "deficit": ("tokens", "sum of LossShared.amount: bad debt shared with the other side of a market"),
    "fund_start": ("tokens", "InsuranceFund.totalAssets at the start"),
    "fund_end": ("tokens", "InsuranceFund.totalAssets at the end"),
    "fund_min": ("tokens", "InsuranceFund.totalAssets at its lowest"),
    "fund_drawdown": ("fraction", "largest fall of the fund's share price from its running peak"),
    "fund_outflow": ("tokens", "Covered.paid: all the (shared) fund paid out as cover"),
    "isolated_fund_outflow": ("tokens", "Covered.paid by isolated markets' own funds"),
    "breaker_trips": ("count", "BreakerTripped events"),
    "halted_time": ("s", "time any market's reads were tripped, stale or paused (summed over markets)"),
    "stale_time": ("s", "time any market's served price was older than maxStaleness (summed)"),
    "pauses": ("count", "guardian Paused events"),
    "max_served_gap": ("fraction", "largest |served / fair - 1| at any step (served prices only)"),
    "max_step_move": ("fraction", "largest |p_k / p_(k-1) - 1| between consecutive served prices"),
    "bad_prints_served": (
        "count",
        "updates serving a price at least half as far from the fair price as a bad print",
    ),
    "pushes": ("count", "successful pokes"),
    "pushes_failed": ("count", "pokes dropped or reverted"),
    "attacker_profit": ("tokens", "the attacker's withdrawn + end equity - deposited"),
    "bystander_loss": (
        "tokens",
        "sum over accounts that never held a position of deposited - withdrawn - end",
    ),
    "staker_redeemed": ("tokens", "what stakers redeemed during the scenario"),
    "traders_refused": ("count", "opening fills the engine refused (e.g. leverage past IM)"),
}
