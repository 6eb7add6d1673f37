"""The incident scenarios, each run once on the deployed suite (revm): the outcome each one promises,
asserted on what the contracts did. Then determinism, the two backends agreeing, and the command line.

Each assertion's message names what it checks; the figures come from report.json's `metrics`
(bulwark.sim.result.METRICS) of a real run.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bulwark import PROJECT_ROOT
from bulwark.invariants import ENG_10
from bulwark.sim import batch
from bulwark.sim.scenario import load_scenario, suite_params
from bulwark.sim.world import World
from bulwark.units import WAD

BULWARK = Path(sys.executable).parent / "bulwark"
SCENARIOS = PROJECT_ROOT / "scenarios"


@pytest.fixture(scope="module")
def results():
    found = {}

    def run(name: str, seed: int = 1, backend: str = "revm"):
        key = (name, seed, backend)
        if key not in found:
            scenario, digest = load_scenario(SCENARIOS / f"{name}.yaml")
            job = batch.Job(name, scenario, seed, batch.meta_for(scenario, digest, "test"))
            found[key] = batch.run_job(job, backend)
        return found[key]

    yield run
    batch.close_worlds()


def test_black_thursday_books_its_bad_debt_and_the_shortfall_falls_on_the_other_side(results):
    r = results("black-thursday-2020")
    m = r.metrics
    assert m["liquidations"] > 20 and m["bad_debt"] > 0, "congested keepers leave insolvent accounts"
    assert abs(m["bad_debt"] - m["covered"] - m["deficit"]) < 1e-9, (
        "bad debt is booked, never silent (ENG-07)"
    )
    params = suite_params(load_scenario(SCENARIOS / "black-thursday-2020.yaml")[0])
    assert m["fund_outflow"] <= float(params.fund.max_outflow), (
        "the fund pays at most its outflow cap (FND-04)"
    )
    assert all(d.market == "ETH/USD" and d.side == "shorts" for d in r.deficits), (
        "the longs' shortfall is shared with the shorts of the market where it arose, nobody else"
    )
    assert m["bystander_loss"] == 0, "no bystander pays (SYS-03)"
    assert m["pushes_failed"] > 0 and m["stale_time"] > 0, "half the pushes fail in the crash window"
    assert r.ok, [e for e in r.expectations if not e.ok]


def test_compound_dai_the_median_never_serves_one_venues_spike(results):
    r = results("compound-dai-2020")
    assert r.metrics["max_served_gap"] <= 0.035, (
        "the median stays within 3.5% of the fair price (S1 hit +30%)"
    )
    assert r.metrics["liquidations"] == 0, "no short is liquidated on a price only one venue printed"
    control = results("compound-dai-2020-single-source")
    assert control.metrics["max_served_gap"] >= 0.2, (
        "a single-source feed serves the spike (negative control)"
    )
    assert control.metrics["liquidations"] > 0, "and shorts are liquidated on it"
    assert r.ok and control.ok


def test_skrw_neither_a_1000x_print_nor_a_median_of_two_is_served(results):
    r = results("synthetix-skrw-2019")
    assert r.metrics["bad_prints_served"] == 0, "the 1000x print is never served, with five live or fewer"
    assert r.metrics["max_served_gap"] < 0.01, "every served price is within 1% of the fair price"
    assert r.metrics["stale_time"] > 0, "without a quorum the oracle goes stale rather than serve"
    assert r.metrics["pauses"] == 1, "the guardian's signer pauses once the feed is stale"
    assert r.ok


def test_luna_the_frozen_feed_is_served_and_its_loss_is_booked_inside_luna(results):
    r = results("luna-2022")
    m = r.metrics
    assert m["max_served_gap"] > 5, (
        "the floored feeds' median is served 5x+ above spot: the oracle cannot tell"
    )
    assert m["breaker_trips"] >= 1, "the feeds' replacement gaps the price through the breaker"
    assert m["bad_debt"] > 0 and abs(m["bad_debt"] - m["covered"] - m["deficit"]) < 1e-9, (
        "booked, never silent"
    )
    assert all(d.market == "LUNA/USD" for d in r.deficits), "the shortfall stays in LUNA"
    assert m["bystander_loss"] == 0, "no bystander pays"
    assert r.ok


def test_a_mango_style_pump_of_an_isolated_market_is_paid_inside_that_market(results):
    r = results("mango-2022-thin-isolated")
    m = r.metrics
    cap = load_scenario(SCENARIOS / "mango-2022-thin-isolated.yaml")[0].markets["MNGO/USD"].fund
    assert m["bad_debt"] > 0 and abs(m["bad_debt"] - m["covered"] - m["deficit"]) < 1e-9, (
        "the pump closes shorts underwater: booked, never silent"
    )
    assert 0 < m["isolated_fund_outflow"] <= cap and m["covered"] == m["isolated_fund_outflow"], ENG_10
    assert m["fund_outflow"] == 0 and m["fund_end"] == m["fund_start"], ENG_10
    assert r.deficits and all(d.market == "MNGO/USD" for d in r.deficits), ENG_10
    outside = [a for a in r.accounts if "MNGO/USD" not in a.markets]
    assert any(a.markets == ["ETH/USD"] for a in outside), "ETH traders trade beside the pump"
    assert all(a.loss_owed == 0 and a.bad_debt == 0 for a in outside), ENG_10
    assert m["bystander_loss"] == 0, "no bystander pays"
    assert r.ok


def test_a_slow_bleed_liquidates_in_time_and_leaves_no_bad_debt(results):
    r = results("slow-bleed")
    assert r.metrics["liquidations"] > 0, "positions fall below maintenance and are liquidated"
    assert r.metrics["bad_debt"] == 0 and r.metrics["deficit"] == 0, (
        "partial liquidations keep accounts solvent"
    )
    assert r.ok


def test_hostile_keys_at_the_tolerance_move_nothing_beyond_the_honest_spread(results):
    r = results("hostile-keys-at-tolerance")
    hostile = load_scenario(SCENARIOS / "hostile-keys-at-tolerance.yaml")[0].markets["ETH/USD"].hostile
    assert r.metrics["max_served_gap"] < 0.01, (
        "with faultTolerance keys the median stays within the honest reports"
    )
    bound = hostile.position * r.metrics["max_served_gap"]
    assert r.metrics["attacker_profit"] <= bound, "the bet earns at most what choosing honest reports moves"
    assert r.metrics["liquidations"] == 0
    assert r.ok


def test_hostile_keys_beyond_the_tolerance_walk_the_price_by_at_most_max_deviation(results):
    r = results("hostile-keys-beyond-tolerance")
    scenario = load_scenario(SCENARIOS / "hostile-keys-beyond-tolerance.yaml")[0]
    config = suite_params(scenario).markets[0].oracle
    assert r.metrics["max_step_move"] <= float(config.max_deviation), (
        "beyond the tolerance each update moves at most maxDeviation (docs/THREAT_MODEL.md)"
    )
    assert r.metrics["max_served_gap"] >= 0.08, "the attacker chooses the median: ETH is served ~9% low"
    assert r.metrics["attacker_profit"] > 0.05 * scenario.markets["ETH/USD"].hostile.position, (
        "and its bet pays"
    )
    assert r.metrics["bystander_loss"] == 0
    assert r.ok


def test_a_seed_reproduces_its_run_and_another_seed_varies_noise_and_latency(results):
    a = results("black-thursday-2020")
    scenario, digest = load_scenario(SCENARIOS / "black-thursday-2020.yaml")
    again = batch.run_job(batch.Job("again", scenario, 1, batch.meta_for(scenario, digest, "test")), "revm")
    assert again.metrics == a.metrics and again.series == a.series, "same seed, same run"
    other = results("black-thursday-2020", seed=2)
    assert other.metrics != a.metrics, "another seed draws other noise and lags"


def test_anvil_and_revm_give_the_same_run(results):
    revm = results("compound-dai-2020-single-source")
    anvil = results("compound-dai-2020-single-source", backend="anvil")
    assert anvil.metrics == revm.metrics and anvil.series == revm.series
    assert [a.__dict__ for a in anvil.accounts] == [a.__dict__ for a in revm.accounts]


def test_world_refuses_a_guardian_reaction_without_local_signer_keys(tmp_path):
    scenario, _ = load_scenario(SCENARIOS / "synthetix-skrw-2019.yaml")
    params = suite_params(scenario)
    params = params.model_copy(
        update={"guardian": params.guardian.model_copy(update={"anvil_signers": None})}
    )
    with pytest.raises(
        ValueError, match=r"guardian\.react: the simulator signs pauses with anvil_signers keys"
    ):
        World(scenario, params, "revm")


def bulwark(*args, timeout=600):
    return subprocess.run(
        [str(BULWARK), *args], capture_output=True, text=True, timeout=timeout, cwd=PROJECT_ROOT
    )


def test_the_command_writes_percentiles_over_seeds_and_its_charts(tmp_path):
    out = tmp_path / "dai"
    done = bulwark(
        "simulate",
        "--scenario",
        str(SCENARIOS / "compound-dai-2020-single-source.yaml"),
        "--runs",
        "4",
        "--workers",
        "2",
        "--seed",
        "10",
        "--out",
        str(out),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads((out / "report.json").read_text())
    assert report["kind"] == "runs" and [r["seed"] for r in report["runs"]] == [10, 11, 12, 13]
    p = report["summary"]["percentiles"]["liquidation_volume"]
    volumes = sorted(r["metrics"]["liquidation_volume"] for r in report["runs"])
    assert p["p95"] == volumes[-1] and p["p50"] == volumes[1], "nearest-rank percentiles of the runs"
    assert report["run"]["seed"] == 10 and report["run"]["series"]["t"], "the first run keeps its series"
    for chart in ("prices", "fund", "open_interest", "liquidations", "margin_ratios", "distribution"):
        assert (out / f"{chart}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", chart
    assert "probability of any deficit" in done.stdout
    assert "(4 runs" in (out / "report.md").read_text() or "4 runs" in (out / "report.md").read_text()


def test_the_command_sweeps_and_recommends(tmp_path):
    out = tmp_path / "sweep"
    done = bulwark(
        "simulate",
        "--scenario",
        str(SCENARIOS / "black-thursday-2020.yaml"),
        "--runs",
        "1",
        "--sweep",
        "fund_size=500000,100000",
        "--recommend",
        "fund_size",
        "--out",
        str(out),
    )
    report = json.loads((out / "report.json").read_text())
    rows = {r["value"]: r for r in report["rows"]}
    assert set(rows) == {500000, 100000}
    assert rows[100000]["deficit_p95"] > 0, (
        "the March-2020 run outgrows a 100,000 fund capped at 50,000 a day"
    )
    rec = report["recommendation"]
    assert rec["param"] == "fund_size" and {e["value"] for e in rec["evidence"]} <= {500000, 100000}
    assert rec["value"] == (500000 if rows[500000]["deficits"] == 0 else None)
    assert "recommend fund_size" in done.stdout or "no value of fund_size" in done.stdout
    assert (out / "sweep.png").exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"step": "soon"}, "step: Value error, 'soon' is not a time"),
        (
            {"markets": {"XYZ/USD": {"sources": {"fair": {"points": [[0, 1]]}}}}},
            "markets.XYZ/USD: no such market",
        ),
    ],
)
def test_a_bad_scenario_is_one_line_and_exit_2(tmp_path, change, message):
    data = yaml.safe_load((SCENARIOS / "compound-dai-2020.yaml").read_text())
    data.update(change)
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data))
    done = bulwark("simulate", "--scenario", str(bad), "--out", str(tmp_path / "out"))
    assert done.returncode == 2, done.stderr
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "Traceback" not in done.stderr


def test_a_bad_sweep_is_one_line_and_a_broken_expectation_exits_1(tmp_path):
    done = bulwark("simulate", "--sweep", "colour=1,2")
    assert done.returncode == 2 and "unknown sweep parameter 'colour'" in done.stderr
    data = yaml.safe_load((SCENARIOS / "compound-dai-2020-single-source.yaml").read_text())
    data["expect"] = {"max_served_gap": 0.01}
    strict = tmp_path / "strict.yaml"
    strict.write_text(yaml.safe_dump(data))
    done = bulwark("simulate", "--scenario", str(strict), "--out", str(tmp_path / "out"))
    assert done.returncode == 1 and "expectation broken" in done.stdout and "max_served_gap" in done.stdout
    assert (tmp_path / "out" / "report.json").exists(), "the report is written before the exit"


def test_prices_go_on_chain_at_twelve_significant_places():
    from bulwark.sim.oracle_agents import to_wad_price

    assert to_wad_price(0.00086) == 860_000_000 * 10**6 and to_wad_price(2000.5) == 2000 * WAD + WAD // 2


def test_the_demo_command_runs_a_scenario_on_its_own_anvil(tmp_path):
    """`make demo` is `bulwark demo`: the scenario on an Anvil it starts and stops, headline figures,
    where the report is. (The March-2020 default takes ~50 s; a 2-hour scenario keeps this test short.)"""
    out = tmp_path / "demo"
    done = bulwark("demo", "--scenario", str(SCENARIOS / "compound-dai-2020.yaml"), "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads((out / "report.json").read_text())
    assert report["meta"]["backend"] == "anvil" and report["run"]["metrics"]["liquidations"] == 0
    assert "demo finished" in done.stdout and str(out / "report.md") in done.stdout.replace("\n", "")
    assert "max_served_gap" in done.stdout, "the headline figures are printed"
