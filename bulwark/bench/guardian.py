"""Gas of PauseGuardian's main paths, measured from receipts on a local chain.

`measure_guardian_gas` deploys a fresh PauseGuardian (EOA signers) and GuardedMock targets, runs each
path once and returns each receipt's `gas_used` (whole transaction: the 21,000 base, calldata, the
guardian, and the target's own storage writes). `scripts/bench_guardian.py` prints the table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bulwark.abi.scopes import GuardedMockScope
from bulwark.deploy import GuardianBounds, deploy_pause_guardian
from bulwark.signing.approvals import APPROVAL_LIFETIME, Call, pause_message, schedule_message, sign_all
from bulwark.units import DAY

# The figure the comparison column divides by: a Safe execTransaction with two owner signatures,
# ~77,000 gas as commonly documented for Safe (not measured here; see `measure_safe_gas` for that).
SAFE_TWO_SIGNATURE_EXEC_GAS = 77_000

BENCH_BOUNDS = GuardianBounds(min_delay=3600, max_delay=30 * DAY, grace_period=7 * DAY, max_pause=3 * DAY)
BENCH_DELAY = 2 * DAY
ALPHA = GuardedMockScope.ALPHA  # shifts no losses, pauseThreshold (1) signers
BETA = GuardedMockScope.BETA  # loss-shifting, shiftPauseThreshold (2) signers
SHIFT_PAUSE_THRESHOLD = 2
SALT = b"\x00" * 32
PAUSE_LENGTH = 3600  # [s]

# Paths, in the order they are reported.
PAUSE_RELAYED = "pause: relayer, 1 signature"
PAUSE_DIRECT = "pause: signer itself, 0 signatures"
PAUSE_PAUSER = "pause: pauser itself, 0 signatures"
PAUSE_SHIFTING = "pause loss-shifting scope: relayer, 2 signatures"
SCHEDULE = "schedule: relayer, M signatures"
EXECUTE = "execute: 1 call (setValue)"
PATHS = (PAUSE_RELAYED, PAUSE_DIRECT, PAUSE_PAUSER, PAUSE_SHIFTING, SCHEDULE, EXECUTE)


@dataclass(frozen=True)
class GuardianGas:
    """Gas used per path for one M-of-N configuration."""

    threshold: int
    signers: int
    gas: dict[str, int]  # path -> receipt gas_used

    @property
    def label(self) -> str:
        return f"{self.threshold}-of-{self.signers}"


def measure_guardian_gas(project, chain, deployer, relayer, signers: Sequence, threshold: int) -> GuardianGas:
    """Deploy a `threshold`-of-len(signers) PauseGuardian (cancel 1, pause 1, loss-shifting pause 2,
    breaker 2) with the deployer as its pauser, and measure each path.

    `signers` are funded accounts with `.private_key` (one of them sends the direct pause); `relayer`
    must not be a signer. The chain's clock moves forward by the guardian's delay (for execute).
    """
    if relayer.address in {s.address for s in signers}:
        raise ValueError("the relayer must not be a signer")
    guardian = deploy_pause_guardian(
        project,
        deployer,
        [s.address for s in signers],
        (threshold, 1, 1, SHIFT_PAUSE_THRESHOLD, SHIFT_PAUSE_THRESHOLD),
        BENCH_DELAY,
        BENCH_BOUNDS,
        [deployer.address],
    )
    keys = [s.private_key for s in signers]
    gas: dict[str, int] = {}

    def valid_until() -> int:
        return chain.blocks.head.timestamp + APPROVAL_LIFETIME

    # Each pause hits a fresh target, so all start from the same state (scope live, cold storage).
    target = deployer.deploy(project.GuardedMock, guardian)
    until = chain.blocks.head.timestamp + PAUSE_LENGTH
    approvals = sign_all(
        keys[:1], pause_message(target.address, ALPHA, until), chain.chain_id, guardian.address, valid_until()
    )
    gas[PAUSE_RELAYED] = guardian.pause(target.address, ALPHA, until, approvals, sender=relayer).gas_used

    target = deployer.deploy(project.GuardedMock, guardian)
    until = chain.blocks.head.timestamp + PAUSE_LENGTH
    gas[PAUSE_DIRECT] = guardian.pause(target.address, ALPHA, until, [], sender=signers[0]).gas_used

    target = deployer.deploy(project.GuardedMock, guardian)
    until = chain.blocks.head.timestamp + PAUSE_LENGTH
    gas[PAUSE_PAUSER] = guardian.pause(target.address, ALPHA, until, [], sender=deployer).gas_used

    target = deployer.deploy(project.GuardedMock, guardian)
    until = chain.blocks.head.timestamp + PAUSE_LENGTH
    approvals = sign_all(
        keys[:SHIFT_PAUSE_THRESHOLD],
        pause_message(target.address, BETA, until),
        chain.chain_id,
        guardian.address,
        valid_until(),
    )
    gas[PAUSE_SHIFTING] = guardian.pause(target.address, BETA, until, approvals, sender=relayer).gas_used

    calls = [Call(target.address, 0, target.setValue.encode_input(42))]
    approvals = sign_all(
        keys[:threshold], schedule_message(calls, SALT), chain.chain_id, guardian.address, valid_until()
    )
    receipt = guardian.schedule(calls, SALT, approvals, sender=relayer)
    gas[SCHEDULE] = receipt.gas_used

    (scheduled,) = receipt.decode_logs(guardian.OperationScheduled)
    chain.pending_timestamp = scheduled.eta
    gas[EXECUTE] = guardian.execute(calls, SALT, sender=relayer).gas_used
    if target.value() != 42:
        raise RuntimeError("the benchmarked operation did not run")
    return GuardianGas(threshold, len(signers), gas)


def measure_safe_gas(project, deployer, relayer, owners: Sequence, threshold: int = 2) -> int:
    """For reference: gas of a real Safe 1.4.1 execTransaction (`threshold` owner signatures) that
    makes the same one call, GuardedMock.setValue, on a target the Safe administers."""
    from bulwark.signing.safe import create_safe, deploy_safe_infra, exec_transaction

    safe = create_safe(deploy_safe_infra(deployer), deployer, [o.address for o in owners], threshold)
    target = deployer.deploy(project.GuardedMock, safe)
    data = target.setValue.encode_input(42)
    receipt = exec_transaction(
        safe, target.address, data, [o.private_key for o in owners[:threshold]], relayer
    )
    if target.value() != 42:
        raise RuntimeError("the Safe transaction did not run")
    return receipt.gas_used


def ratio_to_safe(gas: int) -> float:
    return gas / SAFE_TWO_SIGNATURE_EXEC_GAS
