"""The monitor on a real node: a deployment on the lane's Anvil, the monitor attached to its URL, and
each containment path: a stale feed and a breaker trip detected in the first block they are visible
and paused in the next, idempotent across polls and across two monitors, a dry run that changes
nothing, and the command line's one-line errors."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from eth_account import Account

from bulwark.abi.scopes import EngineScope
from bulwark.chain import connect
from bulwark.deployments import deployment_record, write_record
from bulwark.fuzz.machines.system.world import OPERATOR, deploy_world
from bulwark.monitor.alerts import Sink
from bulwark.monitor.config import MonitorConfig
from bulwark.monitor.drill import PAUSE_KEY  # params/local.json's pause-only key (GRD-06)
from bulwark.monitor.node import Node
from bulwark.monitor.reader import Deployment
from bulwark.monitor.runner import Monitor
from bulwark.params import DEFAULT_PARAMS
from bulwark.signing.reports import sign_batch

BULWARK = Path(sys.executable).parent / "bulwark"
SIGNER = 3  # dev account 3: a guardian signer (params/local.json: accounts 1-5)


@pytest.fixture(scope="module")
def world():
    with connect("anvil") as chain:
        built = deploy_world(chain, DEFAULT_PARAMS)
        yield chain, built, chain.snapshot()


@pytest.fixture
def lane(world):
    chain, built, _ = world
    snapshot = chain.snapshot()
    yield chain, built
    chain.revert(snapshot)


def deployment(chain, suite) -> Deployment:
    return Deployment(chain.chain_id, suite.first_block, suite.addresses())


def monitor(chain, suite, **options) -> Monitor:
    node = Node(chain.url)
    return Monitor(node, deployment(chain, suite), MonitorConfig(), Sink(out=io.StringIO()), **options)


def lines(m: Monitor, kind: str) -> list[dict]:
    return [line for line in m.sink.lines if line["type"] == kind]


def poke(chain, built, market: int, price: int) -> None:
    suite = built["suite"]
    oracle, plan = suite.oracles[market], suite.plan.markets[market]
    chain.sleep(1)
    epoch = oracle.nextEpoch()
    keys = plan.reporter_keys
    batch = sign_batch(
        keys, chain.chain_id, oracle.address, plan.feed_id, epoch, [price] * len(keys), chain.timestamp
    )
    oracle.poke.transact(epoch, batch, sender=chain.accounts[OPERATOR])


def test_a_healthy_deployment_raises_nothing_critical(lane):
    chain, built = lane
    m = monitor(chain, built["suite"], key=PAUSE_KEY)
    chain.sleep(60)
    m.poll()
    assert [a for a in lines(m, "alert") if a["severity"] == "critical"] == []
    assert lines(m, "response") == []
    assert m.reader.accounts >= {chain.accounts[7], chain.accounts[8]}, (
        "the engine's accounts from its events"
    )


def test_a_stale_feed_is_detected_in_its_first_block_and_paused_in_the_next(lane):
    chain, built = lane
    suite = built["suite"]
    m = monitor(chain, suite, key=PAUSE_KEY)
    m.poll()
    staleness = suite.oracles[0].config().maxStaleness
    chain.warp(suite.oracles[0].latest()[1] + staleness + 1)  # the first block where the feed is stale
    stale_block = chain.block_number
    m.poll()
    eth = suite.plan.markets[0].name
    [alert] = [a for a in lines(m, "alert") if a["id"] == "MON-01"]
    assert alert["block"] == stale_block and alert["subject"] == eth
    [response] = lines(m, "response")
    assert response["action"] == "paused" and response["block"] == stale_block + 1, response
    [start] = lines(m, "start")
    assert start["role"] == "pauser", "the local files' monitor key is pause-only (GRD-06)"
    assert suite.engine.pausedUntil(int(EngineScope.TRADE)) == response["until"] > chain.timestamp
    assert suite.engine.pausedUntil(int(EngineScope.LIQUIDATE)) == 0, "no loss-shifting scope is paused"

    chain.sleep(12)  # the other feeds go stale too: more incidents, contained by the running pause
    m.poll()
    assert [a["subject"] for a in lines(m, "alert") if a["id"] == "MON-01"] == [
        eth,
        *(market.name for market in suite.plan.markets[1:]),
    ], "one alert each"
    assert [r["action"] for r in lines(m, "response")] == ["paused"] + ["none"] * (
        len(suite.plan.markets) - 1
    ), "no second pause"
    for market, r in zip(suite.plan.markets[1:], lines(m, "response")[1:], strict=True):
        reason = "isolated market" if market.isolated_fund is not None else "already paused"
        assert reason in r["reason"], (market.name, r)

    other = monitor(chain, suite, key=chain.keys[SIGNER])  # a second instance, with a signer's key
    other.poll()
    assert lines(other, "start")[0]["role"] == "signer"
    responses = lines(other, "response")
    assert responses and all(r["action"] == "none" for r in responses)
    assert all("already paused" in r["reason"] or "isolated market" in r["reason"] for r in responses)
    assert suite.engine.pausedUntil(int(EngineScope.TRADE)) == response["until"], (
        "the second monitor did not act"
    )


def test_a_breaker_trip_is_paused_in_the_next_block(lane):
    chain, built = lane
    suite = built["suite"]
    m = monitor(chain, suite, key=PAUSE_KEY)
    m.poll()
    poke(chain, built, 0, built["starts"][0] * 13 // 10)  # +30%: past maxDeviation
    tripped = chain.block_number
    m.poll()
    [alert] = [a for a in lines(m, "alert") if a["id"] == "MON-03"]
    [response] = lines(m, "response")
    assert alert["block"] == tripped and response["action"] == "paused" and response["block"] == tripped + 1


def test_a_dry_run_reports_the_pause_and_sends_nothing(lane):
    chain, built = lane
    suite = built["suite"]
    m = monitor(chain, suite, key=PAUSE_KEY, dry_run=True)
    m.poll()
    chain.warp(suite.oracles[0].latest()[1] + suite.oracles[0].config().maxStaleness + 1)
    head = chain.block_number
    m.poll()
    [response] = lines(m, "response")
    assert response["action"] == "would pause" and response["dry_run"] is True
    assert chain.block_number == head, "nothing was sent"
    assert suite.engine.pausedUntil(int(EngineScope.TRADE)) == 0


def run(*args, env=None):
    return subprocess.run(
        [str(BULWARK), "monitor", *args], capture_output=True, text=True, timeout=120, env=env
    )


def test_the_command_line_watches_and_refuses_bad_input_in_one_line(lane, tmp_path):
    chain, built = lane
    suite = built["suite"]
    record = deployment_record(
        suite.addresses(), chain_id=chain.chain_id, network="local", deployer=suite.deployer,
        first_block=suite.first_block, last_block=suite.last_block, params_path=DEFAULT_PARAMS,
        params_bytes=DEFAULT_PARAMS.read_bytes(), verification=None,
    )  # fmt: skip
    path = write_record(tmp_path, record)
    chain.sleep(1)
    done = run("--deployment", str(path), "--rpc", chain.url, "--blocks", "1")
    assert done.returncode == 0, done.stderr
    kinds = [json.loads(line)["type"] for line in done.stdout.splitlines()]
    assert kinds[0] == "start" and kinds[-1] == "stop" and "heartbeat" in kinds
    assert json.loads(done.stdout.splitlines()[0])["dry_run"] is True, "no key: it only reports"

    bad = tmp_path / "monitor.yaml"
    bad.write_text("act:\n  MON-01: {scopes: [LIQUIDATE]}\n")
    for args, message in [
        (["--deployment", str(path), "--rpc", chain.url, "--config", str(bad)], "LIQUIDATE shifts losses"),
        (["--deployment", str(path), "--rpc", "http://127.0.0.1:9"], "no JSON-RPC node answers"),
        (["--deployment", str(DEFAULT_PARAMS), "--rpc", chain.url], "not a deployment record"),
    ]:
        done = run(*args)
        assert done.returncode == 2, (args, done.stderr)
        assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_two_monitors_racing_on_one_block_pause_once(lane):
    """Both see the feed go stale in the same block and ask for the same pause (same target, scopes and
    end); the first lands, the guardian refuses the second as a replayed request, and the second
    reports the incident as contained by another."""
    chain, built = lane
    suite = built["suite"]
    first, second = (monitor(chain, suite, key=k) for k in (PAUSE_KEY, chain.keys[SIGNER]))
    first.poll(), second.poll()
    chain.warp(suite.oracles[0].latest()[1] + suite.oracles[0].config().maxStaleness + 1)
    first.poll()
    second.poll()  # checks the stale block as it was, before the first monitor's pause
    [paused] = [r for r in lines(first, "response") if r["action"] == "paused"]
    refused = lines(second, "response")[0]
    assert (
        refused["action"] == "none"
        and "contained by another: PauseGuardianPauseReplayed" in refused["reason"]
    )
    assert suite.engine.pausedUntil(int(EngineScope.TRADE)) == paused["until"]


def test_the_pause_key_can_be_an_ape_keyfile_account(lane, tmp_path):
    """`--account ALIAS` decrypts Ape's keyfile (passphrase from Ape's own variable) and pauses with it."""
    from eth_account import Account

    chain, built = lane
    suite = built["suite"]
    data = tmp_path / "ape"
    (data / "accounts").mkdir(parents=True)
    keyfile = Account.encrypt(PAUSE_KEY, "drill passphrase")
    (data / "accounts" / "pauser.json").write_text(json.dumps(keyfile))
    record = deployment_record(
        suite.addresses(), chain_id=chain.chain_id, network="local", deployer=suite.deployer,
        first_block=suite.first_block, last_block=suite.last_block, params_path=DEFAULT_PARAMS,
        params_bytes=DEFAULT_PARAMS.read_bytes(), verification=None,
    )  # fmt: skip
    path = write_record(tmp_path, record)
    chain.warp(suite.oracles[0].latest()[1] + suite.oracles[0].config().maxStaleness + 1)
    env = {**os.environ, "APE_DATA_FOLDER": str(data), "APE_ACCOUNTS_pauser_PASSPHRASE": "drill passphrase"}
    done = run("--deployment", str(path), "--rpc", chain.url, "--account", "pauser", "--blocks", "1", env=env)
    assert done.returncode == 0, done.stderr
    responses = [json.loads(x) for x in done.stdout.splitlines() if '"response"' in x]
    assert responses and responses[0]["action"] == "paused", done.stdout
    assert suite.engine.pausedUntil(int(EngineScope.TRADE)) == responses[0]["until"]
    wrong = {**env, "APE_ACCOUNTS_pauser_PASSPHRASE": "nope"}
    done = run(
        "--deployment", str(path), "--rpc", chain.url, "--account", "pauser", "--blocks", "1", env=wrong
    )
    assert done.returncode == 2 and "--account pauser: wrong passphrase" in done.stderr


def test_a_scheduled_operation_is_reported_as_the_calls_it_will_run(lane):
    """Every signer sees what will run and when: MON-09 decodes each call against the deployment."""
    from bulwark.actors.guardian import GuardianDesk

    chain, built = lane
    suite = built["suite"]
    m = monitor(chain, suite)
    m.poll()
    risk = suite.plan.markets[0].risk
    raised = (risk.baseMmr * 2, *risk.as_tuple()[1:])
    calls = [(suite.engine.address, 0, suite.engine.setRiskParams.calldata(0, raised))]
    desk = GuardianDesk(chain, suite.guardian)
    _, _, receipt = desk.schedule(calls, 7, sender=chain.accounts[OPERATOR])
    assert receipt.status
    m.poll()
    [alert] = [a for a in lines(m, "alert") if a["id"] == "MON-09"]
    assert f"MarginEngine {suite.engine.address} setRiskParams(" in alert["message"]
    assert "marketId: 0 risk: RiskParams" in alert["message"]
    assert (
        f"baseMmr: {risk.baseMmr * 2} (0.1 wad)" in alert["message"]
        and f"eta {receipt.event('OperationScheduled')['eta']}" in alert["message"]
    )


def test_a_pause_of_several_scopes_asks_only_for_those_not_paused_yet(lane):
    """MON-11 pauses TRADE and WITHDRAW; with TRADE paused already (a stale feed), only WITHDRAW is
    asked for: the guardian would refuse the whole pause for the one scope already running."""
    from bulwark.monitor.detectors import Alert

    chain, built = lane
    suite = built["suite"]
    m = monitor(chain, suite, key=PAUSE_KEY)
    m.poll()
    chain.warp(suite.oracles[0].latest()[1] + suite.oracles[0].config().maxStaleness + 1)
    m.poll()  # MON-01 pauses TRADE
    trade = suite.engine.pausedUntil(int(EngineScope.TRADE))
    now = m.reader.snapshot(m.node.block_number(), [])  # the block with the pause (sent outside the lane)
    response = m.responder.respond(
        Alert("MON-11", "critical", now.block, "ENG-01", "drill", "MON-11:ENG-01"), now
    )
    assert response["action"] == "paused" and response["scopes"] == ["WITHDRAW"], response
    assert suite.engine.pausedUntil(int(EngineScope.WITHDRAW)) == response["until"]
    assert suite.engine.pausedUntil(int(EngineScope.TRADE)) == trade, "the running pause is left as it was"


def test_a_manipulated_median_is_caught_against_a_reference_feed_and_paused(lane):
    """Hostile keys past the tolerance walk ETH 9% down within maxDeviation (the oracle serves it);
    a second feed on other reporters (here: an AggregatorV3 adapter over a reference oracle) does not
    move, so MON-04 fires in the block of the poke and trading is paused in the next."""
    from bulwark.monitor.config import MonitorConfig

    chain, built = lane
    suite = built["suite"]
    plan = suite.plan.markets[0]
    reference = chain.deploy(
        "MedianOracle",
        suite.guardian.address,
        plan.feed_id,
        plan.name,
        tuple(plan.config),
        list(plan.reporters),
    )
    feed = chain.deploy("AggregatorAdapter", reference.address, 8)
    start = built["starts"][0]
    chain.sleep(1)
    epoch = reference.nextEpoch()
    keys = plan.reporter_keys
    batch = sign_batch(
        keys, chain.chain_id, reference.address, plan.feed_id, epoch, [start] * len(keys), chain.timestamp
    )
    reference.poke.transact(epoch, batch, sender=chain.accounts[OPERATOR])
    config = MonitorConfig(references={plan.name: feed.address})
    m = Monitor(Node(chain.url), deployment(chain, suite), config, Sink(out=io.StringIO()), key=PAUSE_KEY)
    m.poll()
    assert [a for a in lines(m, "alert") if a["id"] == "MON-04"] == [], "no alert while the feeds agree"
    poke(chain, built, 0, start * 91 // 100)
    moved = chain.block_number
    m.poll()
    [alert] = [a for a in lines(m, "alert") if a["id"] == "MON-04"]
    assert alert["block"] == moved and "9.00% from the reference" in alert["message"]
    [response] = lines(m, "response")
    assert response["action"] == "paused" and response["block"] == moved + 1


def test_a_silent_reporter_is_named_from_the_pokes_it_stopped_signing(lane):
    chain, built = lane
    suite = built["suite"]
    plan, oracle = suite.plan.markets[0], suite.oracles[0]
    m = monitor(chain, suite)
    m.poll()
    keys = plan.reporter_keys[1:]  # the first reporter stops signing
    for _ in range(4):  # 4 x 600 s > reporter_silence (1800 s)
        chain.sleep(600)
        epoch = oracle.nextEpoch()
        batch = sign_batch(
            keys,
            chain.chain_id,
            oracle.address,
            plan.feed_id,
            epoch,
            [built["starts"][0]] * len(keys),
            chain.timestamp,
        )
        oracle.poke.transact(epoch, batch, sender=chain.accounts[OPERATOR])
        m.poll()
    silent = [a for a in lines(m, "alert") if a["id"] == "MON-12" and a["subject"].startswith(plan.name)]
    assert [a["subject"] for a in silent] == [f"{plan.name} {built['reporters'][0][0]}"], silent


@pytest.mark.parametrize("reporters", [8, 7])
def test_a_bad_printer_is_suspended_through_the_fast_path_while_a_key_is_spare(tmp_path, reporters):
    """MON-14 names the reporter whose report is 30% off its poke's median and, configured to act,
    suspends it with the monitor's one key. With 8 reporters (quorum 5, f 2) one key is spare and one
    signer suffices; with 7 none is, the guardian wants shift_pause_threshold and the monitor says so."""
    from bulwark.deploy import deploy_suite_on
    from bulwark.monitor.config import Action, MonitorConfig
    from bulwark.params import validate_params

    raw = json.loads(DEFAULT_PARAMS.read_text())
    raw["markets"][0]["oracle"]["test_reporters"] = reporters
    with connect("anvil") as chain:
        suite = deploy_suite_on(chain, validate_params(raw))
        plan, oracle = suite.plan.markets[0], suite.oracles[0]
        config = MonitorConfig(act={"MON-14": Action(suspend=3600)})
        m = Monitor(Node(chain.url), deployment(chain, suite), config, Sink(out=io.StringIO()), key=PAUSE_KEY)
        m.poll()
        chain.sleep(1)
        price = 2000 * 10**18
        prices = [price * 13 // 10] + [price] * (reporters - 1)  # reporter 0 prints 30% high
        epoch = oracle.nextEpoch()
        keys = plan.reporter_keys
        batch = sign_batch(keys, chain.chain_id, oracle.address, plan.feed_id, epoch, prices, chain.timestamp)
        oracle.poke.transact(epoch, batch, sender=chain.accounts[OPERATOR])
        m.poll()
        printer = Account.from_key(keys[0]).address
        [alert] = [a for a in lines(m, "alert") if a["id"] == "MON-14"]
        assert alert["subject"] == f"{plan.name} {printer}"
        [response] = lines(m, "response")
        if reporters == 8:
            assert response["action"] == "suspended", response
            assert oracle.suspendedUntil(printer) == response["until"]
        else:
            assert response["action"] == "failed" and "no spare reporter" in response["reason"]
            assert oracle.suspendedUntil(printer) == 0


def test_a_monitors_pause_is_lifted_early_only_through_the_timelock(lane):
    """The runbook's lift: once the feeds recover, signers schedule the engine's setPause(TRADE, 0)
    and execute it after the delay; before that the pause stands, and the monitor neither lifts it
    nor pauses again for the incident it already contained."""
    from bulwark.actors.guardian import GuardianDesk
    from bulwark.monitor.config import Action, MonitorConfig

    chain, built = lane
    suite = built["suite"]
    config = MonitorConfig(act={"MON-01": Action(duration=3 * 86_400)})  # outlasts the 2-day timelock
    m = Monitor(Node(chain.url), deployment(chain, suite), config, Sink(out=io.StringIO()), key=PAUSE_KEY)
    m.poll()
    chain.warp(suite.oracles[0].latest()[1] + suite.oracles[0].config().maxStaleness + 1)
    m.poll()
    assert suite.engine.pausedUntil(int(EngineScope.TRADE)) > chain.timestamp + 2 * 86_400
    calls = [(suite.engine.address, 0, suite.engine.setPause.calldata(int(EngineScope.TRADE), 0))]
    desk = GuardianDesk(chain, suite.guardian)
    _, salt, receipt = desk.schedule(calls, 11, sender=chain.accounts[OPERATOR])
    eta = receipt.event("OperationScheduled")["eta"]
    desk.execute(calls, salt, sender=chain.accounts[OPERATOR]).assert_reverted(
        "PauseGuardianOperationNotReady"
    )
    chain.warp(eta)
    assert desk.execute(calls, salt, sender=chain.accounts[OPERATOR]).status
    assert suite.engine.pausedUntil(int(EngineScope.TRADE)) <= chain.timestamp, "lifted"
    m.poll()
    assert [r["action"] for r in lines(m, "response") if r["action"] == "paused"] == ["paused"]


def test_cash_moved_to_a_fresh_subaccount_is_counted_and_raises_no_breach(lane):
    """A subaccount that only ever received a transfer holds cash the engine's books count: the monitor
    learns it from SubaccountOpened (not only from deposits and fills), so ENG-01 holds (no MON-11)."""
    chain, built = lane
    suite = built["suite"]
    m = monitor(chain, suite, key=PAUSE_KEY)
    m.poll()
    trader = chain.accounts[7]
    suite.engine.transferMargin.transact(0, 5, 100 * 10**suite.plan.decimals, sender=trader)
    chain.sleep(1)
    m.poll()
    assert suite.engine.subaccount(trader, 5) in m.reader.accounts
    assert [a for a in lines(m, "alert") if a["id"] == "MON-11"] == [], "ENG-01"


def test_an_isolated_markets_alerts_are_reported_and_halt_no_other_market(lane):
    """THIN/USD is isolated: its breaker trip and its fund are watched like the others', but the monitor
    sends no engine pause for it, which would halt every market (anyone who can move a thin market could
    then freeze the venue). Its own fund is read beside the shared one."""
    chain, built = lane
    suite = built["suite"]
    thin = next(i for i, m in enumerate(suite.plan.markets) if m.isolated_fund is not None)
    name = suite.plan.markets[thin].name
    m = monitor(chain, suite, key=PAUSE_KEY)
    m.poll()
    fund = m.history[-1].funds[f"InsuranceFund {name}"]
    own = suite.market_funds[name]
    assert (fund.assets, fund.max_outflow) == (own.totalAssets(), own.params().maxOutflow)
    assert set(m.history[-1].funds) == {"InsuranceFund", f"InsuranceFund {name}"}
    assert f"InsuranceFund {name}.DEPOSIT" in m.history[-1].pauses

    poke(chain, built, thin, built["starts"][thin] * 13 // 10)  # +30%: past maxDeviation
    m.poll()
    [alert] = [a for a in lines(m, "alert") if a["id"] == "MON-03"]
    [response] = lines(m, "response")
    assert alert["subject"] == name and response["action"] == "none", response
    assert "isolated market" in response["reason"] and "ENG-10" in response["reason"]
    assert suite.engine.pausedUntil(int(EngineScope.TRADE)) == 0, "ENG-11: no other market is halted"

    poke(chain, built, 0, built["starts"][0] * 13 // 10)  # a shared market's trip is still contained
    m.poll()
    assert lines(m, "response")[-1]["action"] == "paused"
