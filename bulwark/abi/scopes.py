"""Pause scopes, one IntFlag per Guarded contract, mirroring its `SCOPE_*` constants bit for bit.

A scope is a bit a guardian pauses with `setPause(scopes, until)`; a mask is any `|` of them. The
values are the contracts' (`uint256 public constant SCOPE_X = 1 << n`), and
tests/unit/abi/test_scopes.py checks every member against the deployed constant, the Solidity
source and `pauseScopes()` / `lossShiftingScopes()`, so a change on either side fails a test.
"""

from __future__ import annotations

from enum import IntFlag


class EngineScope(IntFlag):
    """MarginEngine (contracts/margin/MarginEngine.sol)."""

    TRADE = 1 << 0  # fill; not loss-shifting
    LIQUIDATE = 1 << 1  # liquidate; loss-shifting
    DEPOSIT = 1 << 2  # deposit; loss-shifting
    WITHDRAW = 1 << 3  # withdraw; not loss-shifting


class FundScope(IntFlag):
    """InsuranceFund (contracts/fund/InsuranceFund.sol)."""

    DEPOSIT = 1 << 0  # deposit, mint; not loss-shifting
    REQUEST = 1 << 1  # requestRedeem; loss-shifting
    REDEEM = 1 << 2  # redeem; loss-shifting
    COVER = 1 << 3  # cover; loss-shifting


class OracleScope(IntFlag):
    """MedianOracle (contracts/oracle/MedianOracle.sol); both scopes are loss-shifting."""

    POKE = 1 << 0  # poke
    READ = 1 << 1  # read(), twap() and the AggregatorV3 reads


class GuardedMockScope(IntFlag):
    """GuardedMock (contracts/mocks/GuardedMock.sol), the test target of Guarded and PauseGuardian."""

    ALPHA = 1 << 0  # not loss-shifting
    BETA = 1 << 1  # loss-shifting


# Which scopes each contract declares loss-shifting (`lossShiftingScopes()`), as the NatSpec says.
LOSS_SHIFTING = {
    EngineScope: EngineScope.LIQUIDATE | EngineScope.DEPOSIT,
    FundScope: FundScope.REQUEST | FundScope.REDEEM | FundScope.COVER,
    OracleScope: OracleScope.POKE | OracleScope.READ,
    GuardedMockScope: GuardedMockScope.BETA,
}


def every(scope: type[IntFlag]) -> IntFlag:
    """The mask of all of `scope`'s members (what `pauseScopes()` returns)."""
    mask = scope(0)
    for member in scope:
        mask |= member
    return mask


__all__ = ["LOSS_SHIFTING", "EngineScope", "FundScope", "GuardedMockScope", "OracleScope", "every"]
