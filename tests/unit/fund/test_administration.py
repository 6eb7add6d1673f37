"""InsuranceFund administration: deployment bounds, parameters and engines only through the guardian
(GRD-04), with bounds that reject absurd values, and the pause scopes it enforces."""

from __future__ import annotations

import pytest

from bulwark.abi.scopes import FundScope
from bulwark.invariants import GRD_04
from bulwark.model.fund import PARAMS
from bulwark.units import DAY, HOUR
from tests.fixtures.fund import deploy_fund, fund_args
from tests.helpers import deploy_reverts, event, reverts

ALL_SCOPES = FundScope.DEPOSIT | FundScope.REQUEST | FundScope.REDEEM | FundScope.COVER


def on_chain(params, unit: int) -> tuple:
    return (params.cooldown, params.redeemWindow, params.maxOutflow * unit)


def test_deployment_stores_the_guardian_window_and_params(fund, token, guardian, engine):
    unit = 10 ** token.decimals()
    assert fund.GUARDIAN() == guardian
    assert fund.OUTFLOW_WINDOW() == DAY
    assert tuple(fund.params()) == on_chain(PARAMS, unit)
    assert fund.isEngine(engine)
    assert fund.pauseScopes() == ALL_SCOPES


@pytest.mark.parametrize("window", [HOUR - 1, 30 * DAY + 1])
def test_deployment_with_an_outflow_window_out_of_bounds_reverts(project, guardian, token, window):
    error = project.InsuranceFund.InsuranceFundInvalidOutflowWindow
    args = fund_args(guardian, token, outflow_window=window)
    deploy_reverts(error, project.InsuranceFund, *args, outflowWindow=window, minimum=HOUR, maximum=30 * DAY)


@pytest.mark.parametrize(
    "bad",
    [
        PARAMS._replace(cooldown=HOUR - 1),
        PARAMS._replace(cooldown=90 * DAY + 1),
        PARAMS._replace(redeemWindow=HOUR - 1),
        PARAMS._replace(redeemWindow=30 * DAY + 1),
        PARAMS._replace(maxOutflow=0),
    ],
    ids=["cooldown-short", "cooldown-long", "window-short", "window-long", "no-outflow"],
)
def test_params_out_of_bounds_revert(fund, token, guardian, bad):
    unit = 10 ** token.decimals()
    with reverts(fund.InsuranceFundInvalidParams, params=on_chain(bad, unit)):
        fund.setParams(on_chain(bad, unit), sender=guardian)


def test_params_at_their_bounds_are_accepted(fund, token, guardian):
    unit = 10 ** token.decimals()
    for edge in [
        PARAMS._replace(cooldown=HOUR, redeemWindow=HOUR),
        PARAMS._replace(cooldown=90 * DAY, redeemWindow=30 * DAY),
    ]:
        receipt = fund.setParams(on_chain(edge, unit), sender=guardian)
        assert tuple(fund.params()) == on_chain(edge, unit)
    log = event(receipt, "ParamsUpdated")
    assert tuple(log.current) == on_chain(edge, unit)
    assert tuple(log.previous) == (HOUR, HOUR, PARAMS.maxOutflow * unit)


def test_only_the_guardian_sets_params_engines_and_pauses(fund, token, stranger, guardian):
    unit = 10 ** token.decimals()
    with reverts(fund.GuardedNotGuardian, caller=stranger, guardian=guardian):
        fund.setParams(on_chain(PARAMS, unit), sender=stranger)
    with reverts(fund.GuardedNotGuardian, caller=stranger, guardian=guardian):
        fund.setEngine(stranger, True, sender=stranger)
    with reverts(fund.GuardedNotGuardian, caller=stranger, guardian=guardian):
        fund.setPause(FundScope.COVER, 2**40, sender=stranger)
    assert not fund.isEngine(stranger), GRD_04
    assert fund.pausedUntil(FundScope.COVER) == 0, GRD_04


def test_registering_an_engine_twice_or_the_zero_address_reverts(fund, engine, guardian):
    with reverts(fund.InsuranceFundEngineMembership, engine=engine, registered=True):
        fund.setEngine(engine, True, sender=guardian)
    zero = "0x" + "00" * 20
    with reverts(fund.InsuranceFundEngineMembership, engine=zero, registered=True):
        fund.setEngine(zero, True, sender=guardian)


def test_an_unknown_pause_scope_reverts(fund, guardian):
    with reverts(fund.GuardedInvalidScopes, scopes=1 << 4, knownScopes=ALL_SCOPES):
        fund.setPause(1 << 4, 2**40, sender=guardian)


def test_engines_given_at_deployment_are_registered(project, guardian, token, accounts):
    fund = deploy_fund(project, guardian, token, engines=[accounts[7], accounts[8]])
    assert fund.isEngine(accounts[7]) and fund.isEngine(accounts[8])
    args = fund_args(guardian, token, engines=[accounts[7], accounts[7]])
    error = project.InsuranceFund.InsuranceFundEngineMembership
    deploy_reverts(error, project.InsuranceFund, *args, engine=accounts[7], registered=True)


def test_request_redeem_and_cover_are_loss_shifting_and_deposit_is_not(fund):
    """COVER (bad debt would fall on traders), REDEEM and REQUEST (stakers kept in past their cooldown
    bear losses that belong to those who stay) shift losses; a DEPOSIT pause only keeps newcomers out."""
    assert fund.lossShiftingScopes() == FundScope.REQUEST | FundScope.REDEEM | FundScope.COVER
    assert fund.lossShiftingScopes() & ~fund.pauseScopes() == 0
