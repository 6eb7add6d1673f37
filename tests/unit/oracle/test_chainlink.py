"""AggregatorV3Interface compatibility: a consumer written against Chainlink's own interface
(@chainlink/contracts 1.2.0) reads the oracle like any Chainlink feed, and the oracle's refusals reach it."""

import json

import pytest
import yaml

from bulwark import PROJECT_ROOT
from bulwark.abi.scopes import OracleScope
from bulwark.invariants import ORA_04
from tests.fixtures.oracle import CONFIG, usd
from tests.helpers import view_reverts

CHAINLINK_VERSION = "1.2.0"  # exact: later releases depend on a GitHub tarball, unreachable here


def test_chainlink_dependency_is_pinned_alike_in_npm_ape_and_forge():
    """package.json pins the version that is installed, Ape's dependency and remapping name it, and
    forge/Slither remap the import to the same package."""
    package = json.loads((PROJECT_ROOT / "package.json").read_text())
    assert package["devDependencies"]["@chainlink/contracts"] == CHAINLINK_VERSION
    installed = PROJECT_ROOT / "node_modules/@chainlink/contracts/package.json"
    assert json.loads(installed.read_text())["version"] == CHAINLINK_VERSION
    ape_config = yaml.safe_load((PROJECT_ROOT / "ape-config.yaml").read_text())
    [dep] = [d for d in ape_config["dependencies"] if d["name"] == "chainlink"]
    assert (dep["npm"], str(dep["version"])) == ("@chainlink/contracts", CHAINLINK_VERSION)
    remapping = f"@chainlink/contracts=chainlink/{CHAINLINK_VERSION}"
    assert remapping in ape_config["solidity"]["import_remapping"]
    foundry = (PROJECT_ROOT / "foundry.toml").read_text()
    assert '"@chainlink/contracts/=node_modules/@chainlink/contracts/"' in foundry


@pytest.fixture(scope="module")
def consumer(project, guardian, oracle):
    """contracts/mocks/ChainlinkConsumer.sol reading `oracle` through AggregatorV3Interface."""
    return guardian.deploy(project.ChainlinkConsumer, oracle)


def test_consumer_reads_the_oracle_price_through_aggregator_v3_interface(helper, oracle, consumer):
    """latestRoundData() and decimals() give the served price, its 18 decimals and its time."""
    assert consumer.FEED() == oracle.address
    t = helper.serve(usd(2000) + 7)
    assert consumer.latestAnswer() == (usd(2000) + 7, 18, t)
    assert consumer.priceWad() == (usd(2000) + 7, t)
    t2 = helper.serve(usd(2100), t + 60)
    assert consumer.priceWad() == (usd(2100), t2)


def test_consumer_call_reverts_with_median_oracle_stale_when_the_price_is_stale(helper, oracle, consumer):
    """Exactly maxStaleness old the consumer still reads; one second later its call reverts with the
    oracle's MedianOracleStale(age, maxStaleness), bubbled up unchanged."""
    t = helper.serve(usd(2000))
    helper.mine_at(t + CONFIG.maxStaleness)
    assert consumer.priceWad() == (usd(2000), t), ORA_04
    helper.mine_at(t + CONFIG.maxStaleness + 1)
    view_reverts(
        oracle.MedianOracleStale,
        consumer.priceWad,
        age=CONFIG.maxStaleness + 1,
        maxStaleness=CONFIG.maxStaleness,
    )


def test_consumer_call_reverts_while_the_breaker_is_tripped_or_reads_are_paused(
    helper, oracle, consumer, guardian
):
    """A held candidate or a READ pause is never served to a Chainlink consumer either."""
    t0 = helper.serve(usd(2000))
    helper.serve(usd(2500), t0 + 60)
    view_reverts(oracle.MedianOracleTripped, consumer.priceWad, candidate=usd(2500), trippedAt=t0 + 60)
    helper.at(t0 + 70)
    oracle.clearBreaker(False, sender=guardian)
    until = t0 + 600
    oracle.setPause(OracleScope.READ, until, sender=guardian)
    view_reverts(oracle.GuardedPaused, consumer.latestAnswer, scope=OracleScope.READ, pausedUntil=until)
