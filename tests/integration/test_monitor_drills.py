"""Drills: simulator scenarios replayed on Anvil with the monitor attached, measured against the chain's
own history (bulwark.monitor.drill). A stale feed and a breaker trip are detected in the first block
where they are visible and paused in the next; a drain is detected while it lasts; the controls raise
nothing critical."""

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
    stale = r.figures["stale"]
    assert stale["incidents"] == 1 and stale["detected"] == 1, r.incidents
    assert stale["latency_blocks"] == [0], "detected in the first block where the feed is stale"
    assert stale["blocks_to_pause"] == [1], "the pause lands in the next block"
    assert stale["precision"] == 1.0
    assert [a["id"] for a in r.alerts if a["severity"] == "critical"] == ["MON-01"]


def test_luna_breaker_trip_and_drain():
    r = drill(SCENARIOS / "luna-2022.yaml")
    tripped, drain = r.figures["tripped"], r.figures["drain"]
    assert tripped["incidents"] >= 1 and tripped["recall"] == 1.0, r.incidents
    assert set(tripped["latency_blocks"]) == {0} and tripped["blocks_to_pause"][0] == 1
    assert drain["incidents"] == 1 and drain["recall"] == 1.0 and drain["precision"] == 1.0
    assert drain["latency_blocks"] == [0], "the first bad debt's block (MON-15)"
    [contained] = [x for x in r.responses if x["alert"] == "MON-05"]
    assert contained["action"] == "paused" and contained["scopes"] == ["WITHDRAW"], (
        "the drain's pause adds WITHDRAW to the TRADE pause the breaker trip started"
    )
    assert r.run.metrics["bad_debt"] > 0, "the drill's run is the scenario's: bad debt booked"


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
    assert figures["stale"]["latency_blocks"] == [0] and figures["stale"]["blocks_to_pause"] == [1]
    assert "synthetix-skrw-2019" in done.stdout and "stale" in done.stdout
