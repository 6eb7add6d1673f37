"""bulwark.abi.scopes mirrors every contract's pause scopes: each member equals the deployed
`SCOPE_*` constant and the Solidity source, and the masks equal `pauseScopes()` and
`lossShiftingScopes()`, so a change on either side fails here."""

from __future__ import annotations

import re
from enum import IntFlag

import pytest
from eth_account import Account

from bulwark import PROJECT_ROOT
from bulwark.abi.scopes import LOSS_SHIFTING, EngineScope, FundScope, GuardedMockScope, OracleScope, every
from bulwark.chain.base import ZERO_ADDRESS
from bulwark.model.engine import RiskParams
from bulwark.model.oracle import local_config
from bulwark.signing.reports import feed_id, reporter_test_keys
from bulwark.units import DAY

SOURCES = {
    EngineScope: "contracts/margin/MarginEngine.sol",
    FundScope: "contracts/fund/InsuranceFund.sol",
    OracleScope: "contracts/oracle/MedianOracle.sol",
    GuardedMockScope: "contracts/mocks/GuardedMock.sol",
}
CONSTANT = re.compile(
    r"uint256\s+(?:public|internal|private)\s+constant\s+SCOPE_(\w+)\s*=\s*1\s*<<\s*(\d+)\s*;"
)


def source_scopes(path: str) -> dict[str, int]:
    """The `SCOPE_X = 1 << n` constants declared in a Solidity file, by name."""
    text = (PROJECT_ROOT / path).read_text()
    return {name: 1 << int(bit) for name, bit in CONSTANT.findall(text)}


@pytest.fixture(scope="module")
def contracts(project, accounts, guardian) -> dict[type[IntFlag], object]:
    """One deployment of each Guarded contract, from an account no other test deploys from: Ape caches
    a contract type by address, and a later test's deployment from `guardian` reuses these addresses."""
    deployer = accounts[11]
    guardian.transfer(deployer, 10**20)
    config = local_config()
    reporters = sorted((Account.from_key(k).address for k in reporter_test_keys(5)), key=lambda a: int(a, 16))
    oracle = deployer.deploy(
        project.MedianOracle, guardian, feed_id("ETH/USD"), "ETH / USD", tuple(config), reporters
    )
    token = deployer.deploy(project.MockERC20, "USD Coin", "USDC", 18)
    fund = deployer.deploy(
        project.InsuranceFund,
        guardian,
        token,
        "Bulwark Insurance",
        "bINS",
        DAY,
        (7 * DAY, 2 * DAY, 10**21),
        [],
    )
    engine = deployer.deploy(
        project.MarginEngine, guardian, fund, [oracle], [RiskParams().as_tuple()], [ZERO_ADDRESS]
    )
    mock = deployer.deploy(project.GuardedMock, guardian)
    return {EngineScope: engine, FundScope: fund, OracleScope: oracle, GuardedMockScope: mock}


@pytest.mark.parametrize("scope", list(SOURCES), ids=lambda s: s.__name__)
def test_every_member_matches_the_solidity_source(scope):
    """The enum has exactly the source's SCOPE_* constants, bit for bit."""
    assert {m.name: m.value for m in scope} == source_scopes(SOURCES[scope])


@pytest.mark.parametrize("scope", list(SOURCES), ids=lambda s: s.__name__)
def test_every_member_matches_the_deployed_constant(contracts, scope):
    """Each member equals the contract's public SCOPE_* constant."""
    contract = contracts[scope]
    assert {m.name: getattr(contract, f"SCOPE_{m.name}")() for m in scope} == {m.name: m.value for m in scope}


@pytest.mark.parametrize("scope", list(SOURCES), ids=lambda s: s.__name__)
def test_the_masks_match_pause_scopes_and_loss_shifting_scopes(contracts, scope):
    """All members together are pauseScopes(); LOSS_SHIFTING is lossShiftingScopes()."""
    contract = contracts[scope]
    assert contract.pauseScopes() == every(scope)
    assert contract.lossShiftingScopes() == LOSS_SHIFTING[scope]
