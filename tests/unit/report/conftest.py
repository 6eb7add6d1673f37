"""A realistic run built from bulwark.sim.result's dataclasses (so its shape follows them): 300 one-minute
steps over two markets, a breaker trip with a Tripped span, a guardian pause, liquidations, gaps in the
served price, margin ratios far outside the drawn range, and more accounts than the report lists."""

from __future__ import annotations

import numpy as np
import pytest

from bulwark.sim.result import (
    METRICS,
    Account,
    Deficit,
    Expectation,
    Interval,
    RunResult,
    Series,
)

STEPS = 300
STEP = 60  # [s]
SCENARIO_HASH = "ab12cd34ef56" + "0" * 52
COMMIT = "1a2b3c4-dirty"
SEED = 7
ACCOUNTS = 45
# Margin ratios outside the chart's [-2, 10]: 2 at the worst, 1 at the end.
OUTSIDE = {"start": [], "worst": [-5.0, 2.5e6], "end": [1e12]}


def _status(market: str, step: int) -> str:
    if step < 2:
        return "Empty"
    if market == "ETH/USD" and 100 <= step < 115:
        return "Tripped"
    if 115 <= step < 140:
        return "Paused"
    if market == "BTC/USD" and 200 <= step < 220:
        return "Stale"
    return "Ok"


def _series(rng: np.random.Generator) -> Series:
    series = Series(t=[step * STEP for step in range(STEPS)])
    for market, start, open_interest in (("ETH/USD", 3000.0, 100.0), ("BTC/USD", 60000.0, 5.0)):
        true = start * np.exp(np.cumsum(rng.normal(0, 0.002, STEPS)))
        true[100:] *= 0.85  # the crash that trips the breaker
        status = [_status(market, step) for step in range(STEPS)]
        served: list[float | None] = []
        for price, state in zip(true, status, strict=True):
            held = served[-1] if served else None
            served.append({"Ok": float(price), "Empty": None, "Stale": held}.get(state, held))
        series.fair[market] = true.tolist()
        series.served[market] = served
        series.status[market] = status
        series.open_interest[market] = np.linspace(open_interest, 0.6 * open_interest, STEPS).tolist()
    liquidations = np.zeros(STEPS, dtype=int)
    liquidations[[101, 102, 140, 141, 230]] = [3, 1, 2, 5, 1]
    series.liquidations = liquidations.tolist()
    series.liquidation_volume = (liquidations * 25_000.0).tolist()
    series.fund_assets = (1_000_000 - np.cumsum(liquidations) * 4_000.0).tolist()
    series.share_price = (np.asarray(series.fund_assets) / 1_000_000).tolist()
    return series


def _accounts(rng: np.random.Generator) -> list[Account]:
    names = [f"trader-{i}" for i in range(ACCOUNTS - 3)] + ["keeper-0", "bystander", "attacker"]
    accounts = []
    for i, name in enumerate(names):
        pnl = float(rng.normal(0, 5_000))
        accounts.append(
            Account(name=name, role=name.split("-")[0], address=f"0x{i:040x}",
                    markets=[] if name == "bystander" else ["ETH/USD"], deposited=10_000.0,
                    withdrawn=1_000.0, end_equity=9_000.0 + pnl, pnl=pnl, liquidated=int(pnl < -8_000),
                    bad_debt=0.0, loss_owed=0.0)
        )  # fmt: skip
    accounts[0].end_equity = accounts[0].pnl = None  # its market halted at the end
    return accounts


def _metrics() -> dict:
    units = {"count": 3, "tokens": 1000.0, "fraction": 0.01, "s": 60}
    metrics = {key: units[unit] for key, (unit, _) in METRICS.items()}
    metrics.update(bad_debt=1234567.891, fund_drawdown=0.0512, halted_time=4800, liquidations=12)
    return metrics


def make_run(seed: int = SEED, bad_debt: float = 1234567.891) -> dict:
    rng = np.random.default_rng(seed)
    result = RunResult(
        scenario="crash-and-pause",
        scenario_hash=SCENARIO_HASH,
        params_hash="cd" * 32,
        seed=seed,
        backend="revm",
        commit=COMMIT,
        metrics={**_metrics(), "bad_debt": bad_debt, "deficit": bad_debt / 10},
        series=_series(rng),
        margin_ratios={
            phase: rng.uniform(low, 8, 40).tolist() + OUTSIDE[phase]
            for phase, low in (("start", 1.5), ("worst", -1.5), ("end", 0.5))
        },
        accounts=_accounts(rng),
        breaker_trips=[{"t": 100 * STEP, "market": "ETH/USD", "served": 3010.5, "candidate": 2570.25}],
        pauses=[{"t": 115 * STEP, "target": "engine", "scopes": ["TRADE"], "until": 140 * STEP}],
        stale=[Interval("BTC/USD", 200 * STEP, 220 * STEP)],
        halted=[Interval("ETH/USD", 100 * STEP, 140 * STEP), Interval("BTC/USD", 115 * STEP, 140 * STEP)],
        deficits=[Deficit(t=141 * STEP, market="ETH/USD", side="longs", amount=1500.0)],
        expectations=[
            Expectation("bad_prints_served", True, "0 bad prints served"),
            Expectation("max_deficit", False, "deficit 1,500.00 > 1,000.00"),
        ],
        elapsed=3.25,
    )
    return result.as_dict()


@pytest.fixture(scope="session")
def run() -> dict:
    return make_run()


@pytest.fixture
def quiet_run() -> dict:
    """A run in which nothing happened: no trips, pauses, halts, deficits, expectations or accounts."""
    return RunResult(scenario="calm", scenario_hash=SCENARIO_HASH, params_hash="cd" * 32, seed=1,
                     backend="anvil", commit=COMMIT).as_dict()  # fmt: skip
