"""What each number of signers can and cannot do, on a deployed suite: one test per row of the signer
powers table in docs/THREAT_MODEL.md (its "tested by" column names these tests).

Two suites from params/local.json: as shipped (threshold 3, pause 1, shiftPause 2, breaker 2 of 5
signers), and one whose thresholds all differ (pause 2, shiftPause 3, breaker 4, threshold 5 of 5), so
that each row's "cannot" is checked against the next threshold up."""

from __future__ import annotations

import pytest
from eth_account import Account

from bulwark import PROJECT_ROOT
from bulwark.abi.scopes import EngineScope, FundScope, OracleScope
from bulwark.deploy import deploy_suite
from bulwark.invariants import GRD_01, GRD_03, GRD_05
from bulwark.market import reported_prices
from bulwark.model.oracle import local_config
from bulwark.params import load_params
from bulwark.signing.approvals import (
    clear_breaker_message,
    extend_pause_message,
    pause_message,
    pause_request_id,
    suspend_reporter_message,
)
from bulwark.signing.reports import feed_id, relay, reporter_test_keys
from bulwark.units import HOUR, WAD
from tests.fixtures.guardian import SALT, GuardianHelper
from tests.helpers import changed, event, reverts

SHIPPED = load_params(PROJECT_ROOT / "params" / "local.json")
DISTINCT = changed(
    SHIPPED,
    **{
        "guardian.pause_threshold": 2,
        "guardian.shift_pause_threshold": 3,
        "guardian.breaker_threshold": 4,
        "guardian.threshold": 5,
    },
)
SPARE_KEYS = sorted(reporter_test_keys(5), key=lambda k: int(Account.from_key(k).address, 16))
SPARE_FEED = feed_id("SPARE/USD")


@pytest.fixture(scope="module")
def shipped(project, accounts):
    """The demo suite as params/local.json ships it."""
    return deploy_suite(project, accounts[0], SHIPPED, local_accounts=accounts)


@pytest.fixture(scope="module")
def distinct(project, accounts):
    """The demo suite with every fast-path threshold different: pause 2, shift 3, breaker 4, threshold 5."""
    return deploy_suite(project, accounts[0], DISTINCT, local_accounts=accounts)


def spare_oracle(project, accounts, suite):
    """A MedianOracle under the suite's guardian with one spare key (5 reporters, quorum 3, f 1); the
    suite's own oracles (7 reporters, quorum 5, f 2) have none."""
    reporters = [Account.from_key(k).address for k in SPARE_KEYS]
    config = tuple(local_config())
    return accounts[0].deploy(project.MedianOracle, suite.guardian, SPARE_FEED, "SPARE", config, reporters)


class Powers(GuardianHelper):
    """Fast-path requests with approvals from the first k signers, relayed by a stranger."""

    def pause(self, target, scopes, k):
        until = self.now + HOUR
        approvals = self.approvals(pause_message(target.address, scopes, until), self.signers[:k])
        return self.guardian.pause(target.address, scopes, until, approvals, sender=self.relayer)

    def extend(self, target, scopes, until, k):
        approvals = self.approvals(extend_pause_message(target.address, scopes, until), self.signers[:k])
        return self.guardian.extendPause(target.address, scopes, until, approvals, sender=self.relayer)

    def suspend(self, oracle, reporter, k):
        until = self.now + HOUR
        message = suspend_reporter_message(oracle.address, reporter, until)
        approvals = self.approvals(message, self.signers[:k])
        return self.guardian.suspendReporter(oracle.address, reporter, until, approvals, sender=self.relayer)

    def clear(self, oracle, epoch, k):
        approvals = self.approvals(clear_breaker_message(oracle.address, True, epoch), self.signers[:k])
        return self.guardian.clearBreaker(oracle.address, True, epoch, approvals, sender=self.relayer)

    def schedule_with(self, calls, k):
        return self.schedule(calls, signers=self.signers[:k])

    def short(self, approvals, required):
        return reverts(
            self.guardian.PauseGuardianInsufficientApprovals, approvals=approvals, required=required
        )


def powers(suite, chain, stranger) -> Powers:
    return Powers(suite.guardian, suite.signers, chain, stranger)


def trip(h, suite, market=0) -> int:
    """Serve 2000, then a 25% drop: the market's oracle trips and holds it. Returns the held epoch."""
    plan, oracle = suite.plan.markets[market], suite.oracles[market]
    for price in (2000 * WAD, 1500 * WAD):
        at = h.at(h.now + 10)
        keys = plan.reporter_keys
        relay(
            oracle,
            keys,
            reported_prices(price, len(keys)),
            at,
            chain_id=h.chain.chain_id,
            feed=plan.feed_id,
            sender=h.relayer,
        )
    assert oracle.breaker()[0]
    return oracle.nextEpoch() - 1


# every loss-shifting scope of the suite, with its target: none is within pauseThreshold's reach
def loss_shifting(suite):
    eth, *others = suite.oracles  # and BTC/USD, and THIN/USD (isolated)
    funds = [suite.fund, *suite.market_funds.values()]  # the shared fund and THIN/USD's own
    return [
        (suite.engine, EngineScope.LIQUIDATE),
        (suite.engine, EngineScope.DEPOSIT),
        *(
            (fund, scope)
            for fund in funds
            for scope in (FundScope.REQUEST, FundScope.REDEEM, FundScope.COVER)
        ),
        (eth, OracleScope.POKE),
        (eth, OracleScope.READ),
        *((oracle, OracleScope.POKE | OracleScope.READ) for oracle in others),
    ]


def test_one_signer_pauses_at_once_only_scopes_that_shift_no_losses(
    project, accounts, shipped, distinct, chain, stranger
):
    """One signer (pauseThreshold 1, as shipped) pauses engine TRADE and WITHDRAW and fund DEPOSIT at once,
    and suspends a spare reporter key; it cannot pause any loss-shifting scope, suspend a key the oracle
    cannot spare, clear a breaker, extend or re-pause a running pause, schedule, or use an expired or a
    used approval. Where pauseThreshold is above 1 it cannot even pause."""
    h = powers(shipped, chain, stranger)
    assert shipped.engine.lossShiftingScopes() & (EngineScope.TRADE | EngineScope.WITHDRAW) == 0
    assert shipped.fund.lossShiftingScopes() & FundScope.DEPOSIT == 0
    late = h.at(h.now + 5)
    message = pause_message(shipped.engine.address, EngineScope.TRADE, late + HOUR)
    expired = h.approvals(message, h.signers[:1], valid_until=late - 1)
    with reverts(h.guardian.PauseGuardianApprovalExpired, validUntil=late - 1, timestamp=late):
        h.guardian.pause(shipped.engine.address, EngineScope.TRADE, late + HOUR, expired, sender=stranger)
    until = event(h.pause(shipped.engine, EngineScope.TRADE | EngineScope.WITHDRAW, 1), "Paused").until
    used = h.approvals(
        pause_message(shipped.engine.address, EngineScope.TRADE | EngineScope.WITHDRAW, until), h.signers[:1]
    )
    with reverts(h.guardian.PauseGuardianPauseReplayed):
        h.guardian.pause(
            shipped.engine.address, EngineScope.TRADE | EngineScope.WITHDRAW, until, used, sender=stranger
        )
    h.pause(shipped.fund, FundScope.DEPOSIT, 1)
    assert shipped.engine.isPaused(EngineScope.TRADE) and shipped.engine.isPaused(EngineScope.WITHDRAW)
    assert shipped.fund.isPaused(FundScope.DEPOSIT)
    spare = spare_oracle(project, accounts, shipped)
    h.suspend(spare, spare.reporters()[0], 1)

    for target, scopes in loss_shifting(shipped):
        with h.short(1, 2):
            h.pause(target, scopes, 1)
        assert not target.isPaused(scopes), GRD_05
    eth = shipped.oracles[0]
    with h.short(1, 2):
        h.suspend(eth, eth.reporters()[0], 1)  # 7 reporters, quorum 5, f 2: no spare key
    with h.short(1, 2):
        h.suspend(spare, spare.reporters()[1], 1)  # its one spare key is used up
    epoch = trip(h, shipped)
    with h.short(1, 2):
        h.clear(eth, epoch, 1)
    assert eth.breaker()[0], GRD_05
    until = shipped.engine.pausedUntil(EngineScope.TRADE)
    with h.short(1, 3):
        h.extend(shipped.engine, EngineScope.TRADE, until + HOUR, 1)
    with reverts(h.guardian.PauseGuardianAlreadyPaused, scope=EngineScope.TRADE, pausedUntil=until):
        h.pause(shipped.engine, EngineScope.TRADE, 1)
    assert shipped.engine.pausedUntil(EngineScope.TRADE) == until, GRD_03
    with h.short(1, 3):
        h.schedule_with([h.call(shipped.engine, "setReduceOnly", 0, True)], 1)

    d = powers(distinct, chain, stranger)
    with d.short(1, 2):
        d.pause(distinct.engine, EngineScope.TRADE, 1)
    assert not distinct.engine.isPaused(EngineScope.TRADE)


def test_pause_threshold_signers_pause_at_once_what_shifts_no_losses_and_nothing_else(
    project, accounts, distinct, chain, stranger
):
    """pauseThreshold (2) signers pause engine TRADE and WITHDRAW and fund DEPOSIT at once and suspend a
    spare key; a loss-shifting scope, even bundled with a harmless one, a key the oracle cannot spare, or a
    breaker is beyond them; a running pause is not theirs to touch, and their request runs once."""
    h = powers(distinct, chain, stranger)
    for target, scopes in [
        (distinct.engine, EngineScope.TRADE | EngineScope.LIQUIDATE),
        *loss_shifting(distinct),
    ]:
        with h.short(2, 3):
            h.pause(target, scopes, 2)
        assert not target.isPaused(scopes), GRD_05
    receipt = h.pause(distinct.engine, EngineScope.TRADE | EngineScope.WITHDRAW, 2)
    until = event(receipt, "Paused").until
    h.pause(distinct.fund, FundScope.DEPOSIT, 2)
    assert distinct.engine.isPaused(EngineScope.TRADE) and distinct.engine.isPaused(EngineScope.WITHDRAW)
    assert distinct.fund.isPaused(FundScope.DEPOSIT)
    spare = spare_oracle(project, accounts, distinct)
    h.suspend(spare, spare.reporters()[0], 2)
    reporter, suspended_until = spare.reporters()[0], spare.suspendedUntil(spare.reporters()[0])
    later = suspended_until + 60  # a different request: the running suspension is not the fast path's
    message = suspend_reporter_message(spare.address, reporter, later)
    with reverts(h.guardian.PauseGuardianAlreadySuspended, suspendedUntil=suspended_until):
        h.guardian.suspendReporter(
            spare.address, reporter, later, h.approvals(message, h.signers[:2]), sender=stranger
        )

    eth = distinct.oracles[0]
    with h.short(2, 3):
        h.suspend(eth, eth.reporters()[0], 2)
    epoch = trip(h, distinct)
    with h.short(2, 4):
        h.clear(eth, epoch, 2)
    assert eth.breaker()[0], GRD_05
    with reverts(h.guardian.PauseGuardianAlreadyPaused, scope=EngineScope.TRADE, pausedUntil=until):
        h.pause(distinct.engine, EngineScope.TRADE, 2)
    request = pause_request_id(
        "Pause", distinct.engine.address, EngineScope.TRADE | EngineScope.WITHDRAW, until
    )
    approvals = h.approvals(
        pause_message(distinct.engine.address, EngineScope.TRADE | EngineScope.WITHDRAW, until), h.signers[:2]
    )
    with reverts(h.guardian.PauseGuardianPauseReplayed, request=request):
        h.guardian.pause(
            distinct.engine.address,
            EngineScope.TRADE | EngineScope.WITHDRAW,
            until,
            approvals,
            sender=stranger,
        )


def test_shift_pause_threshold_signers_pause_every_loss_shifting_scope_at_once(distinct, chain, stranger):
    """shiftPauseThreshold (3) signers pause LIQUIDATE and DEPOSIT on the engine, REQUEST, REDEEM and COVER
    on the fund and POKE and READ on the oracles at once, and suspend keys the oracle has no spare for
    (down to quorum, never below); clearing a breaker, extending a pause and scheduling stay beyond them."""
    h = powers(distinct, chain, stranger)
    ends = []
    for target, scopes in loss_shifting(distinct):
        ends.append(event(h.pause(target, scopes, 3), "Paused").until)
        assert target.isPaused(scopes), GRD_05
    eth = distinct.oracles[0]
    assert eth.spareReporters() == 0
    first, second, third = eth.reporters()[:3]
    h.suspend(eth, first, 3)
    h.suspend(eth, second, 3)  # 7 reporters, 5 unsuspended: quorum
    with reverts(eth.MedianOracleSuspensionBreaksQuorum, reporter=third, unsuspended=4, quorum=5):
        h.suspend(eth, third, 3)
    assert eth.suspendedUntil(first) > h.now and eth.suspendedUntil(second) > h.now
    h.mine_at(max(ends))  # every pause has ended: trip the BTC oracle
    btc = distinct.oracles[1]
    epoch = trip(h, distinct, market=1)
    with h.short(3, 4):
        h.clear(btc, epoch, 3)
    assert btc.breaker()[0], GRD_05
    until = event(h.pause(distinct.engine, EngineScope.LIQUIDATE, 3), "Paused").until
    with h.short(3, 5):
        h.extend(distinct.engine, EngineScope.LIQUIDATE, until + HOUR, 3)
    with h.short(3, 5):
        h.schedule_with([h.call(distinct.engine, "setReduceOnly", 0, True)], 3)


def test_breaker_threshold_signers_clear_a_tripped_breaker_at_once_and_nothing_more(
    distinct, chain, stranger
):
    """breakerThreshold (4) signers clear the tripped ETH breaker at once, serving the held candidate, and
    reads resume; approvals for a held update a later poke replaced, a replay, an extension or a schedule
    do nothing."""
    h = powers(distinct, chain, stranger)
    eth = distinct.oracles[0]
    epoch = trip(h, distinct)
    plan = distinct.plan.markets[0]
    stale = h.approvals(clear_breaker_message(eth.address, True, epoch), h.signers[:4])
    at = h.at(h.now + 10)
    keys = plan.reporter_keys
    relay(
        eth,
        keys,
        reported_prices(1490 * WAD, len(keys)),
        at,
        chain_id=chain.chain_id,
        feed=plan.feed_id,
        sender=stranger,
    )  # a new held update: the approvals above named the previous one
    with reverts(h.guardian.PauseGuardianBreakerMoved, epoch=epoch, currentEpoch=epoch + 1):
        h.guardian.clearBreaker(eth.address, True, epoch, stale, sender=stranger)
    h.clear(eth, epoch + 1, 4)
    assert eth.read()[0] == 1490 * WAD, GRD_05
    with reverts(h.guardian.PauseGuardianPauseReplayed):
        h.clear(eth, epoch + 1, 4)
    keep = h.approvals(clear_breaker_message(eth.address, False, epoch + 1), h.signers[:4])
    with reverts(eth.MedianOracleNotTripped):
        h.guardian.clearBreaker(eth.address, False, epoch + 1, keep, sender=stranger)
    h.pause(distinct.engine, EngineScope.TRADE, 2)
    with h.short(4, 5):
        h.extend(distinct.engine, EngineScope.TRADE, distinct.engine.pausedUntil(EngineScope.TRADE) + HOUR, 4)
    with h.short(4, 5):
        h.schedule_with([h.call(distinct.engine, "setReduceOnly", 0, True)], 4)


def test_threshold_signers_schedule_and_extend_but_run_nothing_before_its_eta(distinct, chain, stranger):
    """threshold (5) signers extend a running pause at once and schedule any operation; the operation runs
    only from its ETA."""
    h = powers(distinct, chain, stranger)
    until = event(h.pause(distinct.engine, EngineScope.LIQUIDATE, 3), "Paused").until
    h.extend(distinct.engine, EngineScope.LIQUIDATE, until + HOUR, 5)
    assert distinct.engine.pausedUntil(EngineScope.LIQUIDATE) == until + HOUR, GRD_03
    calls = [h.call(distinct.engine, "setReduceOnly", 0, True)]
    eta = h.schedule_with(calls, 5).events[0].eta
    h.at(eta - 1)
    with reverts(h.guardian.PauseGuardianOperationNotReady, eta=eta, timestamp=eta - 1):
        h.guardian.execute(calls, SALT, sender=stranger)
    assert not distinct.engine.market(0).reduceOnly, GRD_01
    h.at(eta)
    h.guardian.execute(calls, SALT, sender=stranger)
    assert distinct.engine.market(0).reduceOnly
