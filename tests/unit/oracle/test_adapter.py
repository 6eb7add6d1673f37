"""AggregatorAdapter: the oracle through Chainlink's AggregatorV3Interface at the decimals a consumer
expects (answers truncated from 18 decimals; round data unchanged; the oracle's reverts unchanged), and
two consumers written against Chainlink's interface the way real integrations read feeds."""

from __future__ import annotations

import ape
import pytest
from web3.exceptions import ContractCustomError

from bulwark.abi.scopes import OracleScope
from bulwark.model.oracle import DESCRIPTION
from tests.fixtures.oracle import CONFIG, Config, usd
from tests.helpers import deploy_reverts, view_reverts

ODD = usd(2000) + 123_456_789_012_345_678  # 2000.123456789012345678: every decimal place set
MAX_PRICE_MOVE = 5 * 10**17  # Liquity v1's MAX_PRICE_DEVIATION_FROM_PREVIOUS_ROUND: 50%
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"


@pytest.fixture(scope="module")
def adapter(project, guardian, oracle):
    """An 8-decimal adapter over `oracle`, as USD feeds on Chainlink have."""
    return guardian.deploy(project.AggregatorAdapter, oracle, 8)


@pytest.fixture(scope="module")
def adapter18(project, guardian, oracle):
    """An 18-decimal adapter over `oracle`: nothing to rescale."""
    return guardian.deploy(project.AggregatorAdapter, oracle, 18)


def revert_data(view, *args) -> bytes:
    """The raw revert data of the eth_call `view(*args)` (fails if it does not revert)."""
    call = {"to": view.contract.address, "data": view.encode_input(*args)}
    try:
        ape.chain.provider.web3.eth.call(call)
    except ContractCustomError as failure:
        return bytes.fromhex(str(failure.data).removeprefix("0x"))
    raise AssertionError("the call did not revert")


def gas_of(view, *args) -> int:
    """eth_estimateGas of the call `view(*args)`."""
    return ape.chain.provider.web3.eth.estimate_gas(
        {"to": view.contract.address, "data": view.encode_input(*args)}
    )


def scaled(round_data: tuple, decimals: int) -> tuple:
    """The oracle's round data with its answer truncated to `decimals`."""
    round_id, answer, started_at, updated_at, answered_in = round_data
    return (round_id, answer // 10 ** (18 - decimals), started_at, updated_at, answered_in)


# ---------------------------------------------------------------- the adapter


def test_an_eight_decimal_adapter_serves_the_price_truncated_with_the_same_round_data(
    helper, oracle, adapter
):
    """decimals() is 8; the answer is price // 10**10 (truncated, never rounded up); round ids, startedAt,
    updatedAt and answeredInRound are the oracle's; description and version pass through."""
    assert adapter.ORACLE() == oracle.address
    assert adapter.decimals() == 8
    assert (adapter.description(), adapter.version()) == (DESCRIPTION, oracle.version()) == (DESCRIPTION, 1)
    t = helper.now + 10
    helper.poke([ODD] * 3, t, observed_at=[t - 5, t, t])
    assert (
        adapter.latestRoundData()
        == (1, ODD // 10**10, t - 5, t - 5, 1)
        == (1, 2000_12345678, t - 5, t - 5, 1)
    )
    t2 = helper.serve(usd(2100) - 1, t + 60)  # 2099.999...9: truncated, not rounded to 2100
    assert adapter.latestRoundData() == (2, 2099_99999999, t2, t2, 2)
    for round_id in (1, 2):
        assert adapter.getRoundData(round_id) == scaled(oracle.getRoundData(round_id), 8)
    assert adapter.latestRoundData() == scaled(oracle.latestRoundData(), 8)


@pytest.mark.parametrize("decimals", [0, 6, 8, 17])
def test_an_adapter_at_any_decimals_truncates_the_answer(project, guardian, helper, oracle, decimals):
    """At 0, 6, 8 and 17 decimals the answer is price // 10**(18 - decimals), round data unchanged."""
    adapter = guardian.deploy(project.AggregatorAdapter, oracle, decimals)
    helper.serve(ODD)
    helper.serve(ODD + usd(3))
    assert adapter.decimals() == decimals
    assert adapter.latestRoundData() == scaled(oracle.latestRoundData(), decimals)
    assert adapter.getRoundData(1) == scaled(oracle.getRoundData(1), decimals)
    assert adapter.getRoundData(1)[1] == ODD // 10 ** (18 - decimals)


def test_an_eighteen_decimal_adapter_is_identical_to_the_oracle(helper, oracle, adapter18):
    """Every AggregatorV3 read returns exactly what the oracle returns."""
    for i in range(3):
        helper.serve(ODD + i * usd(7))
    assert adapter18.decimals() == oracle.decimals() == 18
    assert adapter18.description() == oracle.description()
    assert adapter18.version() == oracle.version()
    assert adapter18.latestRoundData() == oracle.latestRoundData()
    for round_id in (1, 2, 3):
        assert adapter18.getRoundData(round_id) == oracle.getRoundData(round_id)


def test_decimals_above_eighteen_are_rejected_at_deployment(project, oracle):
    """The adapter only scales down: 19 decimals reverts with AggregatorAdapterInvalidDecimals(19, 18)."""
    container = project.AggregatorAdapter
    for decimals in (19, 255):
        deploy_reverts(
            container.AggregatorAdapterInvalidDecimals,
            container,
            oracle,
            decimals,
            decimals=decimals,
            maxDecimals=18,
        )


def test_an_oracle_without_code_is_rejected_at_deployment(project, stranger):
    """The zero address or an EOA cannot be the oracle: AggregatorAdapterNotContract(oracle)."""
    container = project.AggregatorAdapter
    for oracle in (ZERO_ADDRESS, stranger.address):
        deploy_reverts(container.AggregatorAdapterNotContract, container, oracle, 8, oracle=oracle)


def test_an_answer_that_would_truncate_to_zero_reverts_instead(project, guardian, helper, oracle):
    """With minPrice lowered to 1 wei, a price of 0.5 at 0 decimals would answer 0: the adapter reverts
    with AggregatorAdapterAnswerBelowPrecision(roundId, answer, decimals); one unit is served (the
    breaker widened to 200% so the oracle serves the doubling)."""
    helper.at(helper.now + 1)
    oracle.setConfig(tuple(Config(minPrice=1, maxDeviation=2 * 10**18)), sender=guardian)
    adapter = guardian.deploy(project.AggregatorAdapter, oracle, 0)
    half = usd(1) // 2
    helper.serve(half)
    expected = dict(roundId=1, answer=half, decimals=0)
    error = adapter.AggregatorAdapterAnswerBelowPrecision
    view_reverts(error, adapter.latestRoundData, **expected)
    view_reverts(error, adapter.getRoundData, 1, **expected)
    helper.serve(usd(1))
    assert adapter.latestRoundData()[:2] == (2, 1)
    view_reverts(error, adapter.getRoundData, 1, **expected)


def test_the_adapter_reverts_exactly_as_the_oracle_does(helper, oracle, adapter, adapter18, guardian):
    """No price, a stale price, an unavailable round, a tripped breaker, a READ pause: the adapters'
    reads revert with the oracle's error and arguments, byte for byte."""

    def same_revert(error, view_name, *args, **inputs):
        expected = revert_data(getattr(oracle, view_name), *args)
        for a in (adapter, adapter18):
            assert revert_data(getattr(a, view_name), *args) == expected, (view_name, args)
            view_reverts(error, getattr(a, view_name), *args, **inputs)

    same_revert(oracle.MedianOracleNoPrice, "latestRoundData")
    same_revert(
        oracle.MedianOracleRoundUnavailable, "getRoundData", 1, roundId=1, oldestRound=0, latestRound=0
    )
    t1 = helper.serve(usd(2000))
    t2 = helper.serve(usd(2010), t1 + 60)
    same_revert(
        oracle.MedianOracleRoundUnavailable, "getRoundData", 3, roundId=3, oldestRound=1, latestRound=2
    )
    helper.mine_at(t2 + CONFIG.maxStaleness + 1)
    stale = dict(age=CONFIG.maxStaleness + 1, maxStaleness=CONFIG.maxStaleness)
    same_revert(oracle.MedianOracleStale, "latestRoundData", **stale)
    same_revert(oracle.MedianOracleStale, "getRoundData", 2, **stale)
    assert adapter.getRoundData(1) == (1, 2000_00000000, t1, t1, 1)  # older rounds, as the oracle serves them
    t3 = helper.serve(usd(2010), helper.now + 10)
    helper.serve(usd(2500), t3 + 10)  # trips
    tripped = dict(candidate=usd(2500), trippedAt=t3 + 10)
    same_revert(oracle.MedianOracleTripped, "latestRoundData", **tripped)
    same_revert(oracle.MedianOracleTripped, "getRoundData", 3, **tripped)
    helper.at(t3 + 20)
    oracle.clearBreaker(False, sender=guardian)
    until = t3 + 600
    oracle.setPause(OracleScope.READ, until, sender=guardian)
    paused = dict(scope=OracleScope.READ, pausedUntil=until)
    same_revert(oracle.GuardedPaused, "latestRoundData", **paused)
    for round_id in (1, 3, 4):
        same_revert(oracle.GuardedPaused, "getRoundData", round_id, **paused)
    helper.mine_at(until)
    assert adapter.latestRoundData() == (3, 2010_00000000, t3, t3, 3)


def test_latest_round_data_through_the_adapter_costs_one_call_more(helper, oracle, adapter, adapter18):
    """The adapter adds a call to the oracle (2,600 gas for the cold account, plus the call and the ABI
    round trip) and a division: under 4,500 gas over the oracle's read (3,761 with solc 0.8.28)."""
    helper.serve(ODD)
    direct = gas_of(oracle.latestRoundData)
    for a in (adapter, adapter18):
        through = gas_of(a.latestRoundData)
        assert direct < through < direct + 4_500, (direct, through)


# ---------------------------------------------------------------- an 8-decimal integration


def test_an_eight_decimals_consumer_reads_an_eight_decimal_adapter(
    project, guardian, helper, oracle, adapter
):
    """EightDecimalsConsumer (Compound III's check) accepts the 8-decimal adapter and gets price // 10**10;
    the oracle's own errors reach it unchanged."""
    consumer = guardian.deploy(project.EightDecimalsConsumer, adapter)
    t = helper.serve(ODD)
    assert consumer.getPrice() == 2000_12345678
    helper.mine_at(t + CONFIG.maxStaleness + 1)
    view_reverts(
        oracle.MedianOracleStale,
        consumer.getPrice,
        age=CONFIG.maxStaleness + 1,
        maxStaleness=CONFIG.maxStaleness,
    )


def test_an_eight_decimals_consumer_rejects_the_eighteen_decimal_oracle(project, oracle, adapter18):
    """Deploying it on the raw oracle (or an 18-decimal adapter) reverts with BadDecimals(feed, 18)."""
    container = project.EightDecimalsConsumer
    for feed in (oracle, adapter18):
        deploy_reverts(
            container.EightDecimalsConsumerBadDecimals,
            container,
            feed,
            feed=feed.address,
            decimals=18,
        )


# ---------------------------------------------------------------- a previous-round integration


@pytest.fixture(scope="module")
def previous_round_consumers(project, guardian, oracle, adapter):
    """PreviousRoundConsumer (Liquity v1's checks, 50%) on the oracle and on the 8-decimal adapter."""
    return [
        guardian.deploy(project.PreviousRoundConsumer, feed, MAX_PRICE_MOVE) for feed in (oracle, adapter)
    ]


def test_a_previous_round_consumer_reads_the_oracle_and_the_adapter_after_two_rounds(
    helper, previous_round_consumers
):
    """With a round before the latest, both consumers return the current price in 18 digits (through the
    8-decimal adapter: truncated to 8 decimals, then scaled back)."""
    on_oracle, on_adapter = previous_round_consumers
    helper.serve(usd(2000))
    helper.serve(ODD)
    assert on_oracle.fetchPrice() == ODD
    assert on_adapter.fetchPrice() == ODD // 10**10 * 10**10


def test_a_previous_round_consumer_fails_in_the_first_round(helper, oracle, previous_round_consumers):
    """In round 1 there is no round 0: getRoundData(0) reverts with the oracle's
    MedianOracleRoundUnavailable(0, 1, 1), through the oracle and the adapter alike."""
    helper.serve(usd(2000))
    for consumer in previous_round_consumers:
        view_reverts(
            oracle.MedianOracleRoundUnavailable,
            consumer.fetchPrice,
            roundId=0,
            oldestRound=1,
            latestRound=1,
        )


@pytest.mark.parametrize(
    ("current", "accepted"),
    [(usd(4000), True), (usd(4000) + 10**10, False), (usd(1000), True), (usd(1000) - 10**10, False)],
    ids=["doubled", "more-than-doubled", "halved", "more-than-halved"],
)
def test_a_previous_round_consumer_rejects_a_move_of_more_than_half(
    helper, oracle, guardian, previous_round_consumers, current, accepted
):
    """With the breaker widened (maxDeviation 200%) the oracle serves 2000 -> `current`; Liquity measures
    the move against the larger price, so doubling or halving (exactly 50%) passes and one unit of the
    8th decimal more is rejected with PriceChangeAboveMax(previous, current, deviation, 50%)."""
    helper.at(helper.now + 1)
    oracle.setConfig(tuple(Config(maxDeviation=2 * 10**18)), sender=guardian)
    t = helper.serve(usd(2000))
    helper.serve(current, t + 60)
    assert oracle.latestRoundData()[:2] == (2, current)  # served, not held by the breaker
    high, low = max(current, usd(2000)), min(current, usd(2000))
    deviation = (high - low) * 10**18 // high
    for consumer in previous_round_consumers:
        if accepted:
            assert deviation == MAX_PRICE_MOVE
            assert consumer.fetchPrice() == current
        else:
            assert deviation > MAX_PRICE_MOVE
            view_reverts(
                consumer.PreviousRoundConsumerPriceChangeAboveMax,
                consumer.fetchPrice,
                previousPrice=usd(2000),
                currentPrice=current,
                deviation=deviation,
                maxDeviation=MAX_PRICE_MOVE,
            )
