"""The hand-written mutants: each the bug a review would fear most in one rule of the suite, with the
machines and unit tests that should kill it. Every `original` occurs exactly once in its file
(tests/unit/mutate/test_mutants.py), so a refactor that moves a rule fails loudly instead of silently
dropping its mutant."""

from __future__ import annotations

from bulwark.mutate import Mutant

ENGINE = "contracts/margin/MarginEngine.sol"
MARGIN_MATH = "contracts/libraries/MarginMath.sol"
SHARED_LOSS = "contracts/libraries/SharedLoss.sol"
ORACLE = "contracts/oracle/MedianOracle.sol"
REPORT_BATCH = "contracts/libraries/ReportBatch.sol"
APPROVALS = "contracts/governance/SignerApprovals.sol"
GUARDIAN = "contracts/governance/PauseGuardian.sol"
FUND = "contracts/fund/InsuranceFund.sol"
GUARDED = "contracts/governance/Guarded.sol"

MUTANTS: tuple[Mutant, ...] = (
    Mutant(
        "liquidation-at-mm",
        ENGINE,
        "if (before.equity >= before.maintenanceMargin.toInt256()) {",
        "if (before.equity > before.maintenanceMargin.toInt256()) {",
        machines=("engine",),
        tests=("tests/unit/margin/test_liquidation.py",),
        why="`<` for `<=`: an account exactly at maintenance becomes liquidatable (ENG-03)",
    ),
    Mutant(
        "staleness-removed",
        ORACLE,
        "if (age > _config.maxStaleness) revert MedianOracleStale(age, _config.maxStaleness);",
        "if (false) revert MedianOracleStale(age, _config.maxStaleness);",
        machines=("oracle",),
        tests=("tests/unit/oracle/test_reads.py",),
        why="read() serves a price older than maxStaleness (ORA-04)",
    ),
    Mutant(
        "duplicate-signer",
        APPROVALS,
        "if (i > 0 && signer <= previous) {",
        "if (i > 0 && signer < previous) {",
        machines=("guardian",),
        tests=("tests/unit/pause_guardian/test_approvals.py",),
        why="one signer's approval listed twice counts twice towards a threshold",
    ),
    Mutant(
        "cooldown-skipped",
        FUND,
        "if (block.timestamp < r.claimableAt) revert InsuranceFundCooldownActive",
        "if (false) revert InsuranceFundCooldownActive",
        machines=("fund6",),
        tests=("tests/unit/fund/test_redeem.py",),
        why="a staker redeems right after requesting, ahead of a loss it can see coming (FND-03)",
    ),
    Mutant(
        "eta-ignored",
        GUARDIAN,
        "if (block.timestamp < op.eta) revert PauseGuardianOperationNotReady",
        "if (false) revert PauseGuardianOperationNotReady",
        machines=("guardian",),
        tests=("tests/unit/pause_guardian/test_operations.py",),
        why="a scheduled operation runs before its timelock ends (GRD-01)",
    ),
    Mutant(
        "outflow-cap-ignored",
        FUND,
        "paid = Math.min(amount, Math.min(balance, allowance));",
        "paid = Math.min(amount, balance);",
        machines=("fund6",),
        tests=("tests/unit/fund/test_cover.py",),
        why="an engine drains the fund in one window (FND-04)",
    ),
    Mutant(
        "im-rounding-flipped",
        MARGIN_MATH,
        "im = Math.mulDiv(mm, imFactor, WAD, Math.Rounding.Ceil);",
        "im = Math.mulDiv(mm, imFactor, WAD, Math.Rounding.Floor);",
        machines=("engine",),
        tests=("tests/unit/margin/test_fills.py", "tests/unit/margin/test_collateral.py"),
        why="initial margin rounds in the trader's favour (ENG-05)",
    ),
    Mutant(
        "breaker-boundary",
        ORACLE,
        "return _deviation(price, reference_) <= maxDeviation;",
        "return _deviation(price, reference_) < maxDeviation;",
        machines=("oracle",),
        tests=("tests/unit/oracle/test_breaker.py",),
        why="the breaker comparison flipped at its edge: a move of exactly maxDeviation trips it",
    ),
    Mutant(
        "fault-tolerance-removed",
        ORACLE,
        "if (quorum < 2 * f + 1 || 2 * quorum <= count || count < quorum + f) {",
        "if (false) {",
        machines=("oracle",),
        tests=("tests/unit/oracle/test_administration.py",),
        why="a configuration whose quorum f hostile reporters can steer is accepted (ORA-05)",
    ),
    # beyond the nine
    Mutant(
        "shared-loss-rounding",
        SHARED_LOSS,
        "uint256 perUnit = Math.mulDiv(amount, WAD, openInterest, Math.Rounding.Ceil);",
        "uint256 perUnit = Math.mulDiv(amount, WAD, openInterest, Math.Rounding.Floor);",
        machines=("engine",),
        tests=("tests/unit/margin/test_insolvency.py",),
        why="a shared loss is spread rounded down: the side owes less than the debt it took over",
    ),
    Mutant(
        "report-high-s",
        REPORT_BATCH,
        "if iszero(gt(s, 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0)) {",
        "if 1 {",
        machines=("oracle",),
        tests=("tests/unit/oracle/test_poke.py",),
        why="a report's malleable high-s twin is accepted as the reporter's",
    ),
    Mutant(
        "epoch-ignored",
        ORACLE,
        "if (epoch != uint256(s.epoch) + 1) {",
        "if (epoch < uint256(s.epoch)) {",
        machines=("oracle",),
        tests=("tests/unit/oracle/test_poke.py",),
        why="reports signed for a later epoch are accepted now, so a withheld batch can be served later",
    ),
    Mutant(
        "duplicate-reporter",
        REPORT_BATCH,
        "if and(gt(previous, 0), iszero(gt(reporter, previous))) {",
        "if and(gt(previous, 0), lt(reporter, previous)) {",
        machines=("oracle",),
        tests=("tests/unit/oracle/test_poke.py",),
        why="one reporter's report counted twice towards quorum and the median (ORA-03)",
    ),
    Mutant(
        "grace-period-ignored",
        GUARDIAN,
        "if (block.timestamp > expiresAt) revert PauseGuardianOperationExpired",
        "if (false) revert PauseGuardianOperationExpired",
        machines=("guardian",),
        tests=("tests/unit/pause_guardian/test_operations.py",),
        why="an approved operation stays executable forever (GRD-01)",
    ),
    Mutant(
        "cover-not-engine",
        FUND,
        "if (!isEngine[msg.sender]) revert InsuranceFundNotEngine(msg.sender);",
        "if (false) revert InsuranceFundNotEngine(msg.sender);",
        machines=("fund6",),
        tests=("tests/unit/fund/test_cover.py",),
        why="anyone takes cover from the fund (FND-02)",
    ),
    Mutant(
        "withdraw-past-im",
        ENGINE,
        "if (withoutProfit < st.initialMargin.toInt256()) {",
        "if (withoutProfit < st.maintenanceMargin.toInt256()) {",
        machines=("engine",),
        tests=("tests/unit/margin/test_collateral.py",),
        why="withdrawals and new risk need only maintenance, not initial margin (ENG-05)",
    ),
    # slither-mutate's two survivors on Guarded.sol (its test command runs the machine only)
    Mutant(
        "pause-expiry-view",
        GUARDED,
        "if (block.timestamp < pausedUntil[scope]) return true;",
        "if (block.timestamp <= pausedUntil[scope]) return true;",
        machines=("guarded",),
        tests=("tests/unit/guarded/test_guarded.py",),
        why="isPaused still says paused at the expiry second (GRD-03)",
    ),
    Mutant(
        "pause-expiry-check",
        GUARDED,
        "if (block.timestamp < until) revert GuardedPaused(scope, until);",
        "if (block.timestamp <= until) revert GuardedPaused(scope, until);",
        machines=("guarded",),
        tests=("tests/unit/guarded/test_guarded.py",),
        why="a paused entry point stays closed at the expiry second (GRD-03)",
    ),
)

BY_NAME = {m.name: m for m in MUTANTS}
