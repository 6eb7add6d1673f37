"""plan_suite: parameters become exactly the constructor arguments (no chain needed)."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from eth_account import Account

from bulwark import PROJECT_ROOT
from bulwark.deploy import DeploymentError, plan_suite, predicted_address
from bulwark.market import reported_prices
from bulwark.model.engine import RiskParams
from bulwark.params import ParamsError, load_params
from bulwark.signing.reports import feed_id, reporter_test_keys
from bulwark.units import WAD

LOCAL = load_params(PROJECT_ROOT / "params" / "local.json")
TESTNET = load_params(PROJECT_ROOT / "params" / "testnet.example.json")
ANVIL = [SimpleNamespace(address=f"0x{i:040x}") for i in range(10)]


def test_local_parameters_become_wad_constructor_arguments():
    plan = plan_suite(LOCAL, 6, ANVIL)
    assert plan.signers == [a.address for a in ANVIL[1:6]]
    assert plan.thresholds == (3, 2, 1, 2, 2)
    assert plan.bounds.as_tuple() == (3600, 30 * 86_400, 7 * 86_400, 3 * 86_400)
    assert tuple(plan.fund_config) == (7 * 86_400, 2 * 86_400, 50_000 * 10**6)
    eth = plan.markets[0]
    assert eth.feed_id == feed_id("ETH/USD")
    assert tuple(eth.config) == (5, 2, 300, 60, 3600, 600, 86_400, 300, WAD // 10, WAD, 10**6 * WAD)
    assert eth.risk == RiskParams(
        baseMmr=WAD // 20,
        maxMmr=WAD // 4,
        volMultiplier=WAD // 2,
        horizon=86_400,
        imFactor=2 * WAD,
        liquidationBonus=WAD // 50,
        insuranceShare=WAD // 100,
        maxTradeDeviation=WAD // 20,
        openInterestCap=10_000 * WAD,
        dustSize=WAD // 100,
    )


def test_an_isolated_market_plans_its_own_fund_and_shared_markets_none():
    plan = plan_suite(LOCAL, 6, ANVIL)
    assert [m.isolated_fund is None for m in plan.markets] == [True, True, False]
    own = plan.markets[2].isolated_fund
    assert (own.name, own.symbol, own.outflow_window) == (
        "Bulwark Insurance THIN mUSD",
        "bINS-THIN-mUSD",
        86_400,
    )
    assert tuple(own.config) == (7 * 86_400, 2 * 86_400, 10_000 * 10**6)  # max_outflow in token units
    thin = LOCAL.markets[2]
    fund = thin.isolated_fund.model_copy(update={"max_outflow": Decimal("0.0000001")})
    markets = [*LOCAL.markets[:2], thin.model_copy(update={"isolated_fund": fund})]
    finer = LOCAL.model_copy(update={"markets": markets})
    expected = r"^markets\.2\.isolated_fund\.max_outflow: 0\.0000001 is finer than the collateral's 6"
    with pytest.raises(ParamsError, match=expected):
        plan_suite(finer, 6, ANVIL)


def test_the_pausers_are_constructor_arguments_and_never_a_signer():
    """The local file's pauser (dev account 99, GRD-06) is passed as given; a pauser that is also one of
    the Anvil signers is refused before anything is deployed."""
    assert plan_suite(LOCAL, 6, ANVIL).pausers == list(LOCAL.guardian.pausers) != []
    overlap = LOCAL.model_copy(
        update={"guardian": LOCAL.guardian.model_copy(update={"pausers": [ANVIL[2].address]})}
    )
    with pytest.raises(DeploymentError, match=r"guardian\.pausers names a signer"):
        plan_suite(overlap, 6, ANVIL)


def test_test_reporters_are_sorted_ascending_with_their_keys():
    """The oracle's constructor wants reporters strictly ascending; the keys stay with the plan to sign."""
    market = plan_suite(LOCAL, 6, ANVIL).markets[0]
    expected = sorted((Account.from_key(k).address for k in reporter_test_keys(7)), key=lambda a: int(a, 16))
    assert market.reporters == expected
    assert {Account.from_key(k).address for k in market.reporter_keys} == set(expected)


def test_explicit_addresses_need_no_local_accounts():
    plan = plan_suite(TESTNET, 6)
    assert plan.signers == list(TESTNET.guardian.signers)
    assert plan.markets[0].reporter_keys == []
    assert plan.markets[0].reporters == sorted(TESTNET.markets[0].oracle.reporters, key=lambda a: int(a, 16))


def test_anvil_signers_without_local_accounts_is_refused():
    with pytest.raises(DeploymentError, match=r"^guardian\.anvil_signers needs the local test accounts$"):
        plan_suite(LOCAL, 6)


def test_max_outflow_follows_the_collateral_decimals():
    assert plan_suite(TESTNET, 18).fund_config.maxOutflow == 50_000 * 10**18
    finer = TESTNET.model_copy(
        update={"fund": TESTNET.fund.model_copy(update={"max_outflow": Decimal("0.5")})}
    )
    expected = r"^fund\.max_outflow: 0\.5 is finer than the collateral's 0 decimals$"
    with pytest.raises(ParamsError, match=expected):
        plan_suite(finer, 0)


def test_the_engine_address_is_predicted_from_the_deployer_nonce():
    """The CREATE address: known vectors for Anvil's first account."""
    deployer = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    assert predicted_address(deployer, 0) == "0x5FbDB2315678afecb367f032d93F642f64180aa3"
    assert predicted_address(deployer, 5) == "0x5FC8d32690cc91D4c39d9d3abcBD16989F875707"


@pytest.mark.parametrize("count", [1, 2, 3, 4, 5, 8])
def test_demo_reports_have_the_intended_median(count):
    """The demo's reporters spread their prices symmetrically, so the median is the intended price."""
    prices = reported_prices(2_000 * WAD, count)
    middle = sorted(prices)[(count - 1) // 2 : count // 2 + 1]
    assert sum(middle) // len(middle) == 2_000 * WAD
    assert len(set(prices)) == count
