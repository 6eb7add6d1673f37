"""Each detector fires at its threshold and not below it (pure snapshots, no chain)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bulwark.chain.base import Event
from bulwark.monitor.config import Action, MonitorConfig, MonitorConfigError, load_config
from bulwark.monitor.detectors import BY_ID, OK, STALE, TRIPPED, FundState, OracleState, Snapshot

WAD = 10**18
CONFIG = MonitorConfig()
SHARED, ISOLATED = "InsuranceFund", "InsuranceFund THIN/USD"  # the shared fund, an isolated market's own


def funds(shared: dict | None = None, isolated: dict | None = None) -> dict[str, FundState]:
    """The base snapshot's funds with some fields changed."""
    base = snapshot().funds
    return {
        SHARED: replace(base[SHARED], **(shared or {})),
        ISOLATED: replace(base[ISOLATED], **(isolated or {})),
    }


def snapshot(block=10, timestamp=10_000, **changes) -> Snapshot:
    base = Snapshot(
        block=block,
        timestamp=timestamp,
        oracles={"ETH/USD": OracleState(2000 * WAD, timestamp - 60, OK, 3600)},
        funds={
            SHARED: FundState(100_000, 100_000, 0, 50_000),
            ISOLATED: FundState(20_000, 20_000, 0, 10_000),
        },
        engine_balance=5 * WAD,
        engine_claims=5 * WAD,
        position_sums={"ETH/USD": 0},
        pauses={"MarginEngine.TRADE": 0},
    )
    return replace(base, **changes)


def fired(detector: str, *history: Snapshot, config=CONFIG) -> list:
    return list(BY_ID[detector].check(list(history), config))


def oracle(age: int, status=OK, now=10_000, price=2000 * WAD) -> dict:
    return {"ETH/USD": OracleState(price, now - age, status, 3600)}


def test_feed_stale_fires_past_max_staleness_or_on_the_status():
    assert fired("MON-01", snapshot(oracles=oracle(3600))) == []
    [alert] = fired("MON-01", snapshot(oracles=oracle(3601)))
    assert alert.subject == "ETH/USD" and "3601 s old" in alert.message and alert.severity == "critical"
    assert fired("MON-01", snapshot(oracles=oracle(10, status=STALE)))


def test_feed_about_stale_fires_past_the_fraction():
    assert fired("MON-02", snapshot(oracles=oracle(2700))) == []
    assert fired("MON-02", snapshot(oracles=oracle(2701)))
    assert fired("MON-02", snapshot(oracles=oracle(3000, status=TRIPPED))) == []  # MON-03's, not this


def test_breaker_tripped():
    assert fired("MON-03", snapshot()) == []
    assert fired("MON-03", snapshot(oracles=oracle(10, status=TRIPPED)))[0].subject == "ETH/USD"


def test_divergence_from_a_reference_fires_past_its_threshold():
    at = snapshot(references={"ETH/USD": 2100 * WAD})  # 2000 vs 2100: 4.76%
    assert fired("MON-04", at) == []
    [alert] = fired("MON-04", snapshot(references={"ETH/USD": 2106 * WAD}))  # 5.03%
    assert "5.03% from the reference" in alert.message


def test_fund_drawdown_within_the_window_only():
    start = snapshot(timestamp=10_000)
    assert fired("MON-05", start, snapshot(timestamp=10_600, funds=funds({"assets": 90_000}))) == []  # 10%
    [alert] = fired("MON-05", start, snapshot(timestamp=10_600, funds=funds({"assets": 89_999})))
    assert alert.subject == SHARED
    late = snapshot(timestamp=10_000 + 3601, funds=funds({"assets": 80_000}))
    assert fired("MON-05", start, late) == []  # peak too old


def test_an_isolated_markets_fund_is_watched_on_its_own():
    """Each fund against its own peak: THIN/USD's falling 10% alerts about it alone, whatever the shared
    fund does, and the shared fund's fall is not hidden by the other's."""
    start = snapshot(timestamp=10_000)
    at = snapshot(timestamp=10_600, funds=funds(isolated={"assets": 18_000}))
    assert fired("MON-05", start, at) == []  # exactly 10% of 20,000
    [alert] = fired("MON-05", start, snapshot(timestamp=10_600, funds=funds(isolated={"assets": 17_999})))
    assert alert.subject == ISOLATED and "20000 -> 17999" in alert.message
    both = snapshot(timestamp=10_600, funds=funds({"assets": 50_000}, {"assets": 1}))
    assert [a.subject for a in fired("MON-05", start, both)] == [SHARED, ISOLATED]
    assert fired("MON-06", snapshot(funds=funds(isolated={"outflow_used": 7_999}))) == []
    [alert] = fired("MON-06", snapshot(funds=funds(isolated={"outflow_used": 8_000})))
    assert alert.subject == ISOLATED and "8000 of the window's cap 10000" in alert.message


def test_outflow_near_its_cap():
    assert fired("MON-06", snapshot(funds=funds({"outflow_used": 39_999}))) == []
    assert [a.subject for a in fired("MON-06", snapshot(funds=funds({"outflow_used": 40_000})))] == [SHARED]


def test_a_new_deficit_is_read_from_the_blocks_events():
    shared = Event("LossShared", {"market": 0, "longs": False, "amount": 12 * WAD}, "0x0")
    [alert] = fired("MON-07", snapshot(events=[shared]))
    assert "12.00 of bad debt shared with the shorts" in alert.message


def test_liquidation_rate_counts_the_blocks_inside_its_window():
    """More than 10 Liquidated events within 300 s, over blocks of one transaction each (a dev node)."""
    liquidated = [Event("Liquidated", {}, "0x0")]
    blocks = [snapshot(block=b, timestamp=10_000 + 20 * b, events=liquidated) for b in range(11)]
    assert fired("MON-08", *blocks[:10]) == [], "10 liquidations in 180 s: at the threshold"
    [alert] = fired("MON-08", *blocks)
    assert "11 liquidations in the last 300 s" in alert.message
    late = snapshot(block=11, timestamp=blocks[0].timestamp + 300, events=liquidated)
    assert fired("MON-08", *blocks[:10], late) == [], "the first block is 300 s old: outside the window"


def test_scheduled_operations_are_reported_with_their_eta():
    e = Event(
        "OperationScheduled",
        {
            "id": b"\x01" * 32,
            "eta": 123,
            "expiresAt": 456,
            "calls": [("0x0", 0, b"")],
            "salt": b"",
            "approvers": ["0xA"],
        },
        "0x0",
    )
    [alert] = fired("MON-09", snapshot(events=[e]))
    assert "eta 123" in alert.message and alert.severity == "info"


def test_a_pause_about_to_expire():
    assert fired("MON-10", snapshot(pauses={"MarginEngine.TRADE": 10_000 + 1801})) == []
    assert fired("MON-10", snapshot(pauses={"MarginEngine.TRADE": 10_000 + 1800}))
    assert fired("MON-10", snapshot(pauses={"MarginEngine.TRADE": 9_000})) == []  # ended


def test_invariant_breaches_name_their_id():
    assert fired("MON-11", snapshot()) == []
    subjects = {
        a.subject
        for a in fired(
            "MON-11",
            snapshot(engine_claims=6 * WAD, funds=funds({"balance": 1}), position_sums={"ETH/USD": 5}),
        )
    }
    assert subjects == {"ENG-01", "ENG-02", "FND-01"}
    [alert] = fired("MON-11", snapshot(funds=funds(isolated={"balance": 19_999})))
    assert alert.subject == "FND-01" and alert.message.startswith(ISOLATED), "FND-01 holds for every fund"


def test_the_config_refuses_to_automate_a_loss_shifting_pause(tmp_path):
    with pytest.raises(ValueError, match=r"MarginEngine\.LIQUIDATE shifts losses"):
        Action(scopes=["LIQUIDATE"])
    bad = tmp_path / "monitor.yaml"
    bad.write_text("act:\n  MON-01: {contract: InsuranceFund, scopes: [COVER]}\n")
    with pytest.raises(
        MonitorConfigError, match=r"monitor.yaml: act.MON-01: Value error, InsuranceFund.COVER shifts"
    ):
        load_config(bad)
    bad.write_text("act:\n  MON-99: {}\n")
    with pytest.raises(MonitorConfigError, match="no detector MON-99"):
        load_config(bad)
    assert load_config(None).act["MON-01"].mask() == 1  # EngineScope.TRADE


def test_a_reporter_silent_past_the_threshold_while_others_report():
    seen = {"ETH/USD": {"0xA": 10_000, "0xB": 10_000 - 1800}}
    assert fired("MON-12", snapshot(reporters_seen=seen)) == []
    seen["ETH/USD"]["0xB"] = 10_000 - 1801
    [alert] = fired("MON-12", snapshot(reporters_seen=seen))
    assert alert.subject == "ETH/USD 0xB" and "signed nothing for 1801 s" in alert.message
    everyone_quiet = {"ETH/USD": {"0xA": 1_000, "0xB": 1_000}}
    assert fired("MON-12", snapshot(reporters_seen=everyone_quiet)) == [], "a stale feed is MON-01's"


def test_margin_ratios_collapse_past_the_underwater_share():
    assert fired("MON-13", snapshot(ratios=[0.5, 2, 3, 4])) == []  # 25%: at the threshold
    [alert] = fired("MON-13", snapshot(ratios=[0.5, 0.9, 3, 4]))
    assert "50% of 4 accounts with positions are below maintenance" in alert.message
    assert fired("MON-13", snapshot(ratios=[0.5, 0.5, 0.5])) == [], "too few accounts to judge"


def test_a_report_far_from_its_pokes_median():
    assert fired("MON-14", snapshot(reports=[("ETH/USD", "0xA", 2099 * WAD, 2000 * WAD)])) == []  # 4.95%
    [alert] = fired("MON-14", snapshot(reports=[("ETH/USD", "0xA", 2101 * WAD, 2000 * WAD)]))
    assert alert.subject == "ETH/USD 0xA" and "5.05% from its poke's median" in alert.message


def test_only_detectors_that_name_a_reporter_may_suspend(tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text("act:\n  MON-14: {suspend: 3600}\n")
    assert load_config(good).act["MON-14"].suspend == 3600
    bad = tmp_path / "bad.yaml"
    bad.write_text("act:\n  MON-01: {suspend: 3600}\n")
    with pytest.raises(MonitorConfigError, match="only MON-12 and MON-14 name a reporter to suspend"):
        load_config(bad)


def test_bad_debt_booked_fires_on_each_bad_debt_event_once_per_market():
    debt = Event("BadDebt", {"market": 0, "account": "0xB0b", "debt": 150 * WAD, "covered": 150 * WAD}, "0x0")
    assert fired("MON-15", snapshot()) == []
    [alert] = fired("MON-15", snapshot(events=[debt, debt]))[:1]
    assert "bad debt 150.00 booked on 0xB0b" in alert.message and alert.key == "MON-15:market 0"
    assert load_config(None).act["MON-15"].scopes == ["TRADE"], "it pauses trading by default"
