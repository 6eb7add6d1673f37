"""PoC template for auditors (docs/audit/POC.md): the whole suite deployed from params/local.json on a
real EVM (the Anvil that ape-foundry starts), an attacker with its own accounts, and the invariants
checked at the end.

To write a proof of concept: copy this file to `tests/audit/test_poc_<finding>.py`, rename the test
(keep the `test_poc_` prefix so `make test ARGS="-k test_poc"` runs it), replace the steps between
the ATTACKER markers with the attack, and keep `assert_invariants` and the profit check at the end. A
finding is shown when the PoC's own assertion of the broken promise passes, or when one of the final
checks fails with the invariant's ID.

As shipped the template runs one benign round trip and passes: the attacker deposits, opens a long
against a market maker, tries to withdraw past its initial margin, to liquidate a healthy account, to
redeem fund shares before their cooldown and to draw cover as if it were the engine (each refused with
the contract's own error), then closes at a loss and withdraws; every invariant holds and it ends with
less than it put in.
"""

from __future__ import annotations

import pytest

from bulwark import PROJECT_ROOT
from bulwark.deploy import deploy_suite
from bulwark.invariants import ENG_01, ENG_02, ENG_08, FND_01, FND_02, FND_03, SYS_02
from bulwark.ledger import eng_01, eng_02, eng_08, fnd_01
from bulwark.market import Clock, Venue
from bulwark.params import load_params
from bulwark.units import WAD, to_wad_nearest
from tests.helpers import reverts

ETH = 0  # market 0 of params/local.json (ETH/USD); BTC/USD is 1


@pytest.fixture(scope="module")
def venue(project, accounts, chain):
    """The suite from params/local.json: PauseGuardian over accounts 1-5 as the admin of everything, a
    6-decimal mock collateral, the InsuranceFund, the MarginEngine and one MedianOracle per market (7
    reporters, quorum 5). Account 6 is the operator that relays fills and reporter pokes."""
    params = load_params(PROJECT_ROOT / "params" / "local.json")
    suite = deploy_suite(project, accounts[0], params, local_accounts=accounts)
    return Venue(project, suite, chain, accounts[6], Clock(chain))


@pytest.fixture(scope="module")
def roles(accounts):
    """Accounts 0-6 are the deployer, the five guardian signers and the operator; the rest are free."""
    return {"staker": accounts[7], "maker": accounts[8], "keeper": accounts[9], "attacker": accounts[10]}


def engine_accounts(roles) -> list:
    return list(roles.values())


def assert_invariants(venue, accounts) -> None:
    """The book-keeping promises, read from the chain: ENG-01, ENG-02, ENG-08 over every account that
    ever touched the engine, FND-01 for the fund."""
    suite = venue.suite
    names = [m.name for m in suite.plan.markets]
    for outcome, invariant in (
        (eng_01(suite.engine, suite.collateral, accounts), ENG_01),
        (eng_02(suite.engine, accounts, names), ENG_02),
        (eng_08(suite.engine, suite.collateral, accounts), ENG_08),
        (fnd_01(suite.fund, suite.collateral), FND_01),
    ):
        assert outcome.ok, f"{invariant}: {outcome.detail}"


def wealth(venue, account) -> int:
    """What `account` holds outside the fund, in WAD: wallet + engine cash - loss owed (SYS-02's measure
    without fund shares, which `staked` values)."""
    suite, engine = venue.suite, venue.suite.engine
    owed = sum(engine.lossOwed(account, m) for m in range(engine.marketCount()))
    return suite.collateral.balanceOf(account) * engine.SCALE() + engine.cash(account) - owed


def staked(venue, account) -> int:
    """What `account`'s fund shares are worth now, in WAD (rounded down, as the fund rounds)."""
    fund = venue.suite.fund
    return fund.convertToAssets(fund.balanceOf(account)) * venue.suite.engine.SCALE()


def test_poc_template_a_benign_round_trip_keeps_every_invariant(venue, roles, chain):
    """Template: an attacker's refused shortcuts and a losing round trip leave ENG/FND invariants intact
    and the attacker poorer."""
    engine, fund, token = venue.suite.engine, venue.suite.fund, venue.suite.collateral
    staker, maker, keeper, attacker = roles["staker"], roles["maker"], roles["keeper"], roles["attacker"]
    unit = venue.unit

    # ---------------------------------------------------------------- setup: a live venue
    for account in (maker, keeper, attacker):
        venue.onboard(account, 1_000_000)  # mints mock collateral, approves the engine and the operator
    token.mint(staker, 100_000 * unit, sender=staker)
    token.approve(fund, 2**256 - 1, sender=staker)
    fund.deposit(50_000 * unit, staker, sender=staker)
    venue.poke(ETH, 2_000 * WAD)  # seven reporters sign, the operator relays
    venue.deposit(maker, 100_000)
    venue.deposit(keeper, 100_000)
    start = wealth(venue, attacker)

    # ================================================================ ATTACKER steps begin
    # Replace this block with the attack. Keep every step a real transaction from the attacker's
    # accounts (or a relayed one); use `reverts(Error, **inputs)` for what must fail.

    # 1. deposit and open 5 ETH long at the index through the operator
    venue.deposit(attacker, 10_000)
    venue.fill(maker, attacker, ETH, to_wad_nearest(5), 2_000 * WAD)

    # 2. the price falls 5% (within the breaker's 10% step: served)
    venue.poke(ETH, 1_900 * WAD)

    # 3. try to take out all the cash deposited: refused, initial margin stays (ENG-05)
    venue.clock.tick()
    with reverts(engine.MarginEngineInsufficientMargin, account=attacker):
        engine.withdraw(10_000 * unit, attacker, sender=attacker)

    # 4. try to liquidate the healthy maker for its bonus: refused (ENG-03)
    with reverts(engine.MarginEngineNotLiquidatable, account=maker):
        engine.liquidate(maker, ETH, to_wad_nearest(1), sender=attacker)

    # 5. stake in the fund, then try to redeem before the cooldown (FND-03) and to draw cover (FND-02)
    token.approve(fund, 2**256 - 1, sender=attacker)
    fund.deposit(1_000 * unit, attacker, sender=attacker)
    shares = fund.balanceOf(attacker)
    fund.requestRedeem(shares, sender=attacker)
    with reverts(fund.InsuranceFundCooldownActive, owner=attacker):
        fund.redeem(shares, attacker, attacker, sender=attacker)
    with reverts(fund.InsuranceFundNotEngine, caller=attacker):
        fund.cover(1_000 * unit, sender=attacker)
    fund.cancelRedeem(sender=attacker)

    # 6. close at the lower price and withdraw everything the engine lets go
    venue.fill(maker, attacker, ETH, -to_wad_nearest(5), 1_900 * WAD)
    venue.clock.tick()
    engine.withdraw(engine.cash(attacker) // engine.SCALE(), attacker, sender=attacker)
    # ================================================================ ATTACKER steps end

    # ---------------------------------------------------------------- what must still hold
    assert_invariants(venue, engine_accounts(roles))
    assert engine.position(attacker, ETH)[0] == 0, ENG_02
    assert fund.balanceOf(attacker) == shares, FND_03  # no early redemption: the shares are still staked
    assert token.balanceOf(fund) == 51_000 * unit, FND_02  # nothing left the fund
    end = wealth(venue, attacker) + staked(venue, attacker)
    assert end <= start, f"{SYS_02}: the attacker gained {end - start} wei"
    # the shipped scenario's own figures: a 5 ETH long from 2,000 to 1,900 loses exactly 500, and 1,000
    # tokens sit in the fund as shares worth at most what they cost
    assert start - wealth(venue, attacker) == (500 + 1_000) * WAD, SYS_02
    assert staked(venue, attacker) <= 1_000 * WAD, SYS_02
