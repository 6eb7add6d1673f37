"""MarginEngine markets: wired at deployment or added by the guardian, risk parameters within bounds,
guardian-only setters (GRD-04), pause scopes."""

from __future__ import annotations

import pytest

from bulwark.abi.scopes import EngineScope
from bulwark.chain.base import ZERO_ADDRESS
from bulwark.invariants import GRD_04
from bulwark.model.engine_book import BTC, ETH, RISK
from bulwark.units import WAD
from tests.helpers import deploy_reverts, event, reverts

ALL_SCOPES = EngineScope.TRADE | EngineScope.LIQUIDATE | EngineScope.DEPOSIT | EngineScope.WITHDRAW


def test_markets_given_at_deployment_are_listed(engine, oracles, fund, token, guardian):
    assert engine.marketCount() == 2
    for market, oracle in ((ETH, oracles[0]), (BTC, oracles[1])):
        state = engine.market(market)
        assert state.oracle == oracle.address
        assert tuple(state.risk) == RISK.as_tuple()
        assert (state.reduceOnly, state.openInterest, state.sharedLoss, state.lossShared) == (
            False,
            0,
            0,
            False,
        )
    assert (engine.FUND(), engine.COLLATERAL(), engine.GUARDIAN()) == (
        fund.address,
        token.address,
        guardian.address,
    )
    assert engine.SCALE() == 10 ** (18 - token.decimals())
    assert token.allowance(engine, fund) == 2**256 - 1  # sweepFees pays the fund
    assert engine.pauseScopes() == ALL_SCOPES


def test_mismatched_market_lists_at_deployment_revert(project, guardian, fund, oracles):
    container = project.MarginEngine
    risks = [RISK.as_tuple()] * 2
    deploy_reverts(
        container.MarginEngineMarketsMismatch,
        container,
        guardian,
        fund,
        oracles[:1],
        risks,
        [ZERO_ADDRESS],
        oracles=1,
        risks=2,
        funds=1,
    )


def test_collateral_with_more_than_18_decimals_is_rejected(project, guardian, accounts):
    from tests.fixtures.fund import deploy_fund

    token = guardian.deploy(project.MockERC20, "Wide", "W", 24)
    fund = deploy_fund(project, guardian, token)
    with reverts(project.MarginEngine.MarginEngineInvalidCollateral, decimals=24):
        guardian.deploy(project.MarginEngine, guardian, fund, [], [], [])


def test_the_guardian_adds_a_market(engine, oracles, guardian):
    receipt = engine.addMarket(oracles[0], RISK.as_tuple(), sender=guardian)
    log = event(receipt, "MarketAdded")
    assert (log.market, log.oracle, tuple(log.risk)) == (2, oracles[0].address, RISK.as_tuple())
    assert engine.marketCount() == 3


BAD = {
    "base-mmr-low": RISK.__class__(**{**RISK.__dict__, "baseMmr": WAD // 1000 - 1}),
    "base-mmr-high": RISK.__class__(**{**RISK.__dict__, "baseMmr": WAD // 2 + 1, "maxMmr": WAD}),
    "max-below-base": RISK.__class__(**{**RISK.__dict__, "maxMmr": RISK.baseMmr - 1}),
    "max-above-one": RISK.__class__(**{**RISK.__dict__, "maxMmr": WAD + 1}),
    "vol-multiplier": RISK.__class__(**{**RISK.__dict__, "volMultiplier": 10 * WAD + 1}),
    "horizon-short": RISK.__class__(**{**RISK.__dict__, "horizon": 3599}),
    "horizon-long": RISK.__class__(**{**RISK.__dict__, "horizon": 30 * 86_400 + 1}),
    "im-below-one": RISK.__class__(**{**RISK.__dict__, "imFactor": WAD - 1}),
    "im-high": RISK.__class__(**{**RISK.__dict__, "imFactor": 10 * WAD + 1}),
    "penalty-eats-margin": RISK.__class__(
        **{**RISK.__dict__, "liquidationBonus": RISK.baseMmr - RISK.insuranceShare}
    ),
    "no-band": RISK.__class__(**{**RISK.__dict__, "maxTradeDeviation": 0}),
    "wide-band": RISK.__class__(**{**RISK.__dict__, "maxTradeDeviation": WAD // 5 + 1}),
    "no-oi": RISK.__class__(**{**RISK.__dict__, "openInterestCap": 0, "dustSize": 0}),
    "dust-above-cap": RISK.__class__(**{**RISK.__dict__, "dustSize": RISK.openInterestCap}),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_absurd_risk_params_revert(engine, guardian, name):
    bad = BAD[name].as_tuple()
    with reverts(engine.MarginEngineInvalidRiskParams, params=bad):
        engine.setRiskParams(ETH, bad, sender=guardian)


def test_risk_params_update_emits_both_sets(engine, guardian):
    new = RISK.__class__(**{**RISK.__dict__, "baseMmr": WAD // 10}).as_tuple()
    receipt = engine.setRiskParams(ETH, new, sender=guardian)
    log = event(receipt, "RiskParamsUpdated")
    assert (log.market, tuple(log.previous), tuple(log.current)) == (ETH, RISK.as_tuple(), new)
    assert tuple(engine.market(ETH).risk) == new


def test_only_the_guardian_administers_markets(engine, oracles, stranger, guardian):
    for call in (
        lambda: engine.addMarket(oracles[0], RISK.as_tuple(), sender=stranger),
        lambda: engine.setRiskParams(ETH, RISK.as_tuple(), sender=stranger),
        lambda: engine.setReduceOnly(ETH, True, sender=stranger),
        lambda: engine.setPause(EngineScope.TRADE, 2**40, sender=stranger),
    ):
        with reverts(engine.GuardedNotGuardian, caller=stranger, guardian=guardian):
            call()
    assert engine.marketCount() == 2, GRD_04
    assert not engine.market(ETH).reduceOnly, GRD_04


def test_unknown_market_reverts(engine, guardian):
    with reverts(engine.MarginEngineUnknownMarket, market=2, markets=2):
        engine.setReduceOnly(2, True, sender=guardian)


def test_maintenance_rate_rises_with_oracle_volatility_and_is_capped(
    helper, engine, oracles, guardian, traders
):
    """mmr = min(maxMmr, baseMmr + volMultiplier * sigma * sqrt(horizon / year)), sigma from the oracle."""
    from bulwark.model.engine import mmr as expected_mmr

    risk = RISK.__class__(**{**RISK.__dict__, "volMultiplier": 3 * WAD, "maxMmr": WAD // 5})
    engine.setRiskParams(ETH, risk.as_tuple(), sender=guardian)
    for price in (2_100, 1_950, 2_150, 1_900):  # a choppy hour: the EWMA variance climbs
        helper.set_price(ETH, price * WAD, at=helper.now + 600)
    sigma = oracles[ETH].annualisedVolatility()
    assert sigma > 0
    rate = engine.mmr(ETH)
    assert rate == expected_mmr(risk, sigma)
    assert RISK.baseMmr < rate <= risk.maxMmr
    # the requirement uses it: MM of a 1 ETH position is 1,900 * rate
    helper.deposit(traders[0], 10_000)
    helper.deposit(traders[1], 10_000)
    helper.fill(traders[1], traders[0], ETH, 10**18, 1_900 * WAD)
    assert helper.state(traders[0]).maintenance_margin == 1_900 * rate
    # a large multiplier hits the cap
    capped = RISK.__class__(**{**risk.__dict__, "volMultiplier": 10 * WAD, "maxMmr": RISK.baseMmr + 1})
    engine.setRiskParams(ETH, capped.as_tuple(), sender=guardian)
    assert engine.mmr(ETH) == RISK.baseMmr + 1


def test_liquidate_and_deposit_are_loss_shifting_and_trade_and_withdraw_are_not(engine):
    """LIQUIDATE (an underwater account keeps a free option the fund pays for) and DEPOSIT (the cure that
    needs no counterparty) shift losses; a TRADE or WITHDRAW pause leaves each loss where the rules put it."""
    assert engine.lossShiftingScopes() == EngineScope.LIQUIDATE | EngineScope.DEPOSIT
    assert engine.lossShiftingScopes() & ~engine.pauseScopes() == 0
