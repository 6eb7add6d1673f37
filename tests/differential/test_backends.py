"""Identical results, proven: the scenario of tests/differential (the suite of params/local.json; signed
pokes, a breaker trip and its clearing, fills, partial and insolvent liquidations, bad debt covered and
shared, guardian schedule/execute/cancel/pause, fund deposit/request/redeem/cover, time moving, and a
revert of every reachable custom error) on Anvil and on revm. Every transaction's status, gas, return or
revert data, decoded error, logs and created address, and the probe of views after it, must be equal."""

from __future__ import annotations

import pytest

from bulwark.chain import connect
from bulwark.chain.artifacts import load_artifacts
from tests.differential.scenario import Record, replay

# Custom errors in the ABIs that no transaction from outside can raise on the suite, one reason each.
UNREACHABLE = {
    # OpenZeppelin internals the suite's code paths rule out
    "AddressTableWriteFailed": "AddressTable's SSTORE2 write fails only if CREATE fails (out of gas)",
    "InvalidShortString": "ShortStrings: names go through toShortStringWithFallback, which never reverts",
    "StringTooLong": "ShortStrings: only toShortString reverts, and the suite never calls it",
    "ERC20InvalidSender": "OZ ERC20: transferFrom(0, ...) fails first in _approve (InvalidApprover)",
    "ERC4626ExceededMaxDeposit": "InsuranceFund overrides deposit without the base's max check",
    "ERC4626ExceededMaxMint": "InsuranceFund overrides mint without the base's max check",
    "ERC4626ExceededMaxRedeem": "InsuranceFund overrides redeem without the base's max check",
    "ERC4626ExceededMaxWithdraw": "InsuranceFund.withdraw always reverts WithdrawUnsupported first",
    "SafeCastOverflowedIntDowncast": "every downcast input is bounded by the caps and price bounds first",
    "SafeCastOverflowedUintDowncast": "every downcast input is bounded by the caps and price bounds first",
    "SafeCastOverflowedUintToInt": "every converted value is bounded by the caps and price bounds first",
    # only a mock token or consumer raises them
    "ReentrancyGuardReentrantCall": "needs a token that calls back (mocks/ReentrantERC20)",
    "SafeERC20FailedOperation": "needs a token that returns false (the suite's MockERC20 never does)",
    "InsuranceFundTransferShortfall": "needs a fee-on-transfer token (mocks/FeeOnTransferERC20)",
    "AggregatorAdapterAnswerBelowPrecision": "needs an oracle price below 10^-decimals: minPrice forbids it",
    "ChainlinkConsumerIncompleteRound": "a mock consumer's own check",
    "ChainlinkConsumerInvalidAnswer": "a mock consumer's own check",
    "EightDecimalsConsumerBadDecimals": "a mock consumer's own check",
    "EightDecimalsConsumerBadPrice": "a mock consumer's own check",
    "PreviousRoundConsumerBadResponse": "a mock consumer's own check",
    "PreviousRoundConsumerPriceChangeAboveMax": "a mock consumer's own check",
    # the monitor drills' reference feed (tests/unit/monitor/test_reference_feed.py raises them)
    "ReferenceFeedNoRound": "a test feed's own check",
    "ReferenceFeedNotOwner": "a test feed's own check",
}


def all_errors() -> set[str]:
    return {e["name"] for a in load_artifacts().by_name.values() for e in a.abi.abi if e["type"] == "error"}


@pytest.fixture(scope="module")
def runs() -> dict[str, list[Record]]:
    out = {}
    for backend in ("revm", "anvil"):
        with connect(backend) as chain:
            out[backend] = replay(chain)
    return out


def _first_divergence(left: list[Record], right: list[Record]) -> str | None:
    for i, (x, y) in enumerate(zip(left, right, strict=False)):
        where = f"record {i} (step {x.step!r}, {x.kind}"
        where += f" to {x.to})" if x.kind == "tx" else ")"
        for name in Record.FIELDS:
            if getattr(x, name) != getattr(y, name):
                return f"{where}: {name} differs: revm {getattr(x, name)!r} != anvil {getattr(y, name)!r}"
        for (label, value), (label_y, value_y) in zip(x.probe, y.probe, strict=True):
            assert label == label_y
            if value != value_y:
                return f"{where}: view {label} differs: revm {value!r} != anvil {value_y!r}"
    if len(left) != len(right):
        return f"revm recorded {len(left)} records, anvil {len(right)}"
    return None


def test_both_backends_give_identical_results(runs):
    divergence = _first_divergence(runs["revm"], runs["anvil"])
    assert divergence is None, divergence


def test_the_scenario_reverts_with_every_reachable_custom_error(runs):
    raised = {r.error[0] for r in runs["revm"] if r.error}
    errors = all_errors()
    assert not set(UNREACHABLE) - errors, f"listed but not in any ABI: {set(UNREACHABLE) - errors}"
    assert not raised & set(UNREACHABLE), f"listed as unreachable but raised: {raised & set(UNREACHABLE)}"
    missing = errors - raised - set(UNREACHABLE)
    assert not missing, (
        f"custom errors neither raised by the scenario nor listed in UNREACHABLE: {sorted(missing)}"
    )


def test_the_scenario_does_what_it_says(runs):
    records = runs["revm"]
    events = {
        load_artifacts().events[log[1][0]].name
        for r in records
        for log in r.logs
        if log[1] and log[1][0] in load_artifacts().events
    }
    for name in (
        "PriceUpdated",
        "BreakerTripped",
        "BreakerCleared",
        "Liquidated",
        "BadDebt",
        "LossShared",
        "OperationScheduled",
        "OperationExecuted",
        "OperationCancelled",
        "Paused",
        "PauseExtended",
        "ReporterSuspensionRequested",
        "BreakerClearRequested",
        "Deposit",
        "Covered",
        "Shortfall",
    ):
        assert name in events, f"the scenario emitted no {name}"
    assert any(r.kind == "warp" for r in records)
    assert sum(r.kind == "tx" for r in records) > 200
