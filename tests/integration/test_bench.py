"""bulwark.bench measures what it says: every path runs, and the figures order as the code implies."""

from bulwark.bench.engine import DEPOSIT as ENGINE_DEPOSIT
from bulwark.bench.engine import (
    LIQ_FIRST,
    LIQ_INSOLVENT_LAST,
    LIQ_INSOLVENT_PART,
    LIQ_PARTIAL,
    LIQ_SHARED,
    SUB_DEPOSIT,
    SUB_LIQ_PARTIAL,
    measure_engine_gas,
)
from bulwark.bench.engine import PATHS as ENGINE_PATHS
from bulwark.bench.fund import COVER, COVER_SHORT, DEPOSIT, measure_fund_gas
from bulwark.bench.fund import PATHS as FUND_PATHS
from bulwark.bench.guardian import (
    EXECUTE,
    PATHS,
    PAUSE_DIRECT,
    PAUSE_PAUSER,
    PAUSE_RELAYED,
    PAUSE_SHIFTING,
    SCHEDULE,
    measure_guardian_gas,
)


def test_guardian_gas_figures_are_ordered(project, chain, accounts, guardian_signers, stranger):
    """A direct pause (a signer's or a pauser's) skips a signature check, so it is cheaper than a relayed
    one; a loss-shifting pause
    checks shiftPauseThreshold (2) signatures, one more; scheduling with 3 costs more than one."""
    result = measure_guardian_gas(project, chain, accounts[0], stranger, guardian_signers, threshold=3)

    assert (result.label, set(result.gas)) == ("3-of-5", set(PATHS))
    assert all(gas > 21_000 for gas in result.gas.values())
    assert result.gas[PAUSE_DIRECT] < result.gas[PAUSE_RELAYED] < result.gas[PAUSE_SHIFTING]
    # a pauser is looked up after the signers: one more read than a signer's own pause, no signature
    assert result.gas[PAUSE_DIRECT] < result.gas[PAUSE_PAUSER] < result.gas[PAUSE_RELAYED]
    assert result.gas[PAUSE_RELAYED] < result.gas[SCHEDULE]
    assert result.gas[EXECUTE] < result.gas[SCHEDULE]


def test_fund_gas_figures_cover_every_path_and_compare_with_plain_erc4626(project, chain, accounts):
    """Every path runs and pays; the fund's deposit costs more than a plain vault's (pause check,
    re-entrancy guard, balance-delta pricing) but stays within 2x of it."""
    result = measure_fund_gas(project, chain, accounts[0], accounts[1], accounts[2], accounts[3])

    assert set(result.gas) == set(FUND_PATHS)
    assert all(gas > 21_000 for gas in result.gas.values())
    assert result.gas[COVER_SHORT] > result.gas[COVER]  # the Shortfall event
    assert 1.0 < result.ratios()[DEPOSIT] < 2.0


def test_engine_gas_figures_cover_every_path(project, chain, accounts):
    """Every path runs; a keeper's first liquidation in a market (zero slots written) costs more than a
    steady-state one; an insolvent part calls the fund on top of the takeover, and sharing a loss (a
    paused fund: the call fails) writes the market's loss index on top of that."""
    result = measure_engine_gas(project, chain, accounts[0], accounts[1:7])

    assert set(result.gas) == set(ENGINE_PATHS)
    assert all(gas > 21_000 for gas in result.gas.values())
    assert result.gas[LIQ_PARTIAL] < result.gas[LIQ_FIRST]
    assert result.gas[LIQ_PARTIAL] < result.gas[LIQ_INSOLVENT_PART]
    assert result.gas[LIQ_PARTIAL] < result.gas[LIQ_INSOLVENT_LAST]
    assert result.gas[LIQ_PARTIAL] < result.gas[LIQ_SHARED]
    # a subaccount's partial liquidation is the id-0 one plus at most its owner lookup (one cold slot)
    assert abs(result.gas[SUB_LIQ_PARTIAL] - result.gas[LIQ_PARTIAL]) <= 2_100
    assert (
        result.gas[SUB_DEPOSIT] > result.gas[ENGINE_DEPOSIT]
    )  # the first use records the subaccount's owner
