"""Drills: simulator scenarios replayed on Anvil with the monitor attached, each detector measured against
the truth of bulwark.monitor.truth (the chain's history and the scenario's script). A stale feed, a
breaker trip and a drain are detected in the first block where they are visible and paused in the next;
the controls raise nothing critical. What a rule cannot see is asserted too (docs/RUNBOOK.md)."""

from __future__ import annotations

import pytest

from bulwark import PROJECT_ROOT
from bulwark.monitor.drill import drill
from bulwark.sim import batch

SCENARIOS = PROJECT_ROOT / "scenarios"


@pytest.fixture(scope="module", autouse=True)
def _stop_nodes():
    yield
    batch.close_worlds()


def test_skrw_stale_feed_is_detected_at_once_and_paused_in_the_next_block():
    r = drill(SCENARIOS / "synthetix-skrw-2019.yaml")
    stale = r.figures["MON-01"]
    assert stale["incidents"] == 1 and stale["detected"] == 1, r.incidents
    assert stale["latency_blocks"] == [0], "detected in the first block where the feed is stale"
    assert stale["blocks_to_pause"] == [1], "the pause lands in the next block"
    assert stale["precision"] == 1.0
    assert [a["id"] for a in r.alerts if a["severity"] == "critical"] == ["MON-01"]
    ageing = r.figures["MON-02"]
    assert ageing["recall"] == 1.0 and ageing["precision"] == 1.0
    assert ageing["lead_seconds"] and min(ageing["lead_seconds"]) >= 600, "MON-02 warns well before MON-01"
    silent = r.figures["MON-12"]
    assert silent["incidents"] == 2 and silent["recall"] == 1.0 and silent["precision"] == 1.0, (
        "the two reporters silent while five kept the feed alive; the three silent with no quorum left "
        "are a stale feed (MON-01), not a silent reporter"
    )
    assert all(1800 <= s <= 1800 + 120 for s in silent["latency_seconds"]), "at the 30-minute threshold"
    printed = r.figures["MON-14"]
    assert printed["incidents"] >= 1 and printed["recall"] == 1.0 and printed["precision"] == 1.0
    assert printed["latency_blocks"] == [0] * printed["incidents"], "in the block of the poke"


def test_luna_frozen_floor_is_caught_against_the_reference_before_anyone_trades_on_it():
    """The floored feed diverges from the reference from 560 min; the monitor pauses trading, so the
    traders who open at 600 min (into a frozen feed) are refused: no position, so no bad debt, where the
    same run without a monitor books 168,380.87 (tests/integration/test_simulate.py)."""
    r = drill(SCENARIOS / "luna-2022.yaml")
    frozen = r.figures["MON-04"]
    assert frozen["recall"] == 1.0 and frozen["precision"] == 1.0, r.incidents
    assert max(frozen["latency_blocks"]) <= 1, "at once, or when the reference feed's update lands"
    assert frozen["blocks_to_pause"][0] <= 2
    tripped = r.figures["MON-03"]
    assert tripped["incidents"] >= 1 and tripped["recall"] == 1.0
    assert set(tripped["latency_blocks"]) == {0} and tripped["blocks_to_pause"][0] == 1
    assert r.run.metrics["traders_refused"] > 0 and r.run.metrics["bad_debt"] == 0
    assert r.figures["drain"]["incidents"] == 0


def test_black_thursday_fund_and_cascade_detectors():
    r = drill(SCENARIOS / "black-thursday-2020.yaml")
    for detector in ("MON-01", "MON-05", "MON-06", "MON-07", "MON-10", "MON-13", "MON-15"):
        f = r.figures[detector]
        assert f["incidents"] >= 1 and f["recall"] == 1.0 and f["precision"] == 1.0, (detector, f)
        assert set(f["latency_blocks"]) == {0}, (detector, "detected in the first block it is visible")
    assert r.figures["MON-05"]["blocks_to_pause"] == [1], "the drawdown's pause lands in the next block"
    drain = r.figures["drain"]
    assert drain["incidents"] == 1 and drain["recall"] == 1.0 and drain["precision"] == 1.0
    assert drain["latency_blocks"] == [0], "the first bad debt's block (MON-15)"
    [contained] = [x for x in r.responses if x["alert"] == "MON-05"]
    assert contained["action"] == "paused" and contained["scopes"] == ["WITHDRAW"], (
        "the drain's pause adds WITHDRAW to the TRADE pause already running"
    )
    late = r.figures["MON-14"]
    assert late["recall"] >= 0.8 and late["precision"] >= 0.95, (
        "the hour-late reporters' prints are seen against their pokes' median while it holds"
    )
    assert r.figures["MON-11"]["alerts"] == 0, "no invariant breach reported: none happened"


def test_manipulation_past_the_tolerance_is_caught_by_the_reference_not_by_the_outlier_rule():
    r = drill(SCENARIOS / "hostile-keys-beyond-tolerance.yaml")
    moved = r.figures["MON-04"]
    assert moved["incidents"] == 1 and moved["latency_blocks"] == [0] and moved["blocks_to_pause"] == [1]
    outlier = r.figures["MON-14"]
    assert outlier["incidents"] > 0 and outlier["recall"] == 0.0 and outlier["precision"] == 0.0, (
        "the hostile keys are the median: MON-14 flags the honest reports instead (docs/RUNBOOK.md)"
    )


def test_a_single_source_spike_is_caught_by_the_reference_and_the_cascade_by_its_rate():
    r = drill(SCENARIOS / "compound-dai-2020-single-source.yaml")
    spike, cascade = r.figures["MON-04"], r.figures["MON-08"]
    assert spike["detected"] >= 1 and spike["latency_blocks"][0] == 0 and spike["blocks_to_pause"][0] == 1
    assert spike["precision"] == 1.0
    assert cascade["recall"] == 1.0 and cascade["precision"] == 1.0 and cascade["latency_blocks"] == [0]
    assert r.figures["MON-13"]["recall"] == 1.0


@pytest.mark.parametrize("control", ["compound-dai-2020", "hostile-keys-at-tolerance"])
def test_the_controls_raise_nothing_critical(control):
    r = drill(SCENARIOS / f"{control}.yaml")
    assert [a for a in r.alerts if a["severity"] == "critical"] == [], "no false positive"
    assert r.responses == [], "and no pause"


def test_the_drill_command_prints_and_writes_the_figures(tmp_path):
    import json
    import subprocess
    import sys
    from pathlib import Path

    out = tmp_path / "drills.json"
    bulwark = Path(sys.executable).parent / "bulwark"
    done = subprocess.run(
        [str(bulwark), "drill", "--scenario", str(SCENARIOS / "synthetix-skrw-2019.yaml"), "--out", str(out)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    figures = json.loads(out.read_text())["synthetix-skrw-2019"]
    assert figures["MON-01"]["latency_blocks"] == [0] and figures["MON-01"]["blocks_to_pause"] == [1]
    assert "synthetix-skrw-2019" in done.stdout and "MON-12" in done.stdout
