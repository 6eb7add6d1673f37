"""A real Safe 1.4.1 (the npm package's compiled artifacts) as a PauseGuardian signer: through EIP-1271
approvals, and by calling the guardian itself through execTransaction."""

import ape
import pytest
from eth_abi import encode

from bulwark.abi.scopes import GuardedMockScope
from bulwark.signing.approvals import (
    APPROVAL_LIFETIME,
    Approval,
    Call,
    pause_request_id,
    schedule_message,
    sign,
    sort_approvals,
    typed_digest,
)
from bulwark.signing.safe import (
    create_safe,
    deploy_safe_infra,
    exec_transaction,
    safe_message_hash,
    safe_signature,
)

SALT = b"\x00" * 32
ZERO = "0x0000000000000000000000000000000000000000"


@pytest.fixture(scope="module")
def safe_owners(accounts):
    """The Safe's three owners (test accounts 6-8, none of them a guardian signer)."""
    return list(accounts[6:9])


@pytest.fixture(scope="module")
def outsider(accounts):
    """An account that owns no Safe and is no guardian signer."""
    return accounts[10]


@pytest.fixture(scope="module")
def safe_infra(accounts):
    return deploy_safe_infra(accounts[0])


@pytest.fixture(scope="module")
def safe(accounts, safe_infra, safe_owners):
    """A 2-of-3 Safe whose fallback handler (CompatibilityFallbackHandler) answers EIP-1271."""
    return create_safe(safe_infra, accounts[0], [o.address for o in safe_owners], threshold=2)


@pytest.fixture(scope="module")
def eoa_signers(guardian_signers):
    return guardian_signers[:2]


@pytest.fixture(scope="module")
def safe_guardian(deploy_guardian, safe, eoa_signers):
    """A PauseGuardian over [Safe, 2 EOAs]: threshold 2, cancel 1, pause 1."""
    return deploy_guardian([safe, *eoa_signers], threshold=2, cancel_threshold=1, pause_threshold=1)


@pytest.fixture(scope="module")
def target(project, accounts, safe_guardian):
    """A GuardedMock administered by `safe_guardian`."""
    return accounts[0].deploy(project.GuardedMock, safe_guardian)


def safe_approval(guardian, safe, message, owners, chain):
    """The Safe's approval of `message`: `owners` sign the guardian's EIP-712 digest as a SafeMessage."""
    valid_until = chain.blocks.head.timestamp + APPROVAL_LIFETIME
    digest = typed_digest(message, chain.chain_id, guardian.address, valid_until)
    signature = safe_signature(safe.address, chain.chain_id, digest, [o.private_key for o in owners])
    return Approval(safe.address, valid_until, chain.chain_id, guardian.address, signature)


def eoa_approval(guardian, signer, message, chain):
    valid_until = chain.blocks.head.timestamp + APPROVAL_LIFETIME
    return sign(signer.private_key, message, chain.chain_id, guardian.address, valid_until)


def test_safe_message_hash_matches_handler(safe, safe_infra, chain):
    """The Python SafeMessage hash equals the handler's getMessageHashForSafe(safe, abi.encode(digest))."""
    digest = bytes(range(32))
    on_chain = safe_infra.fallback_handler.getMessageHashForSafe(safe.address, encode(["bytes32"], [digest]))
    assert bytes(on_chain) == safe_message_hash(safe.address, chain.chain_id, digest)


def test_safe_approval_counts_toward_schedule(
    safe_guardian, safe, safe_owners, eoa_signers, target, chain, stranger
):
    """A Safe EIP-1271 approval plus one EOA approval reach threshold 2; the EOA alone does not."""
    calls = [Call(target.address, 0, target.setValue.encode_input(7))]
    message = schedule_message(calls, SALT)
    eoa = eoa_approval(safe_guardian, eoa_signers[0], message, chain)
    with ape.reverts(safe_guardian.PauseGuardianInsufficientApprovals, approvals=1, required=2):
        safe_guardian.schedule(calls, SALT, [eoa], sender=stranger)

    approvals = sort_approvals([safe_approval(safe_guardian, safe, message, safe_owners[:2], chain), eoa])
    receipt = safe_guardian.schedule(calls, SALT, approvals, sender=stranger)

    (scheduled,) = receipt.decode_logs(safe_guardian.OperationScheduled)
    assert list(scheduled.approvers) == [a.signer for a in approvals]  # the relayer is no signer
    assert safe.address in scheduled.approvers
    state, eta = safe_guardian.operation(scheduled.id)
    assert state == 1  # Scheduled
    chain.pending_timestamp = eta
    safe_guardian.execute(calls, SALT, sender=stranger)
    assert target.value() == 7


def test_safe_approval_from_non_owner_is_rejected(
    safe_guardian, safe, safe_owners, outsider, eoa_signers, target, chain, stranger
):
    """An owner plus a non-owner cannot sign for the Safe: InvalidSignature(signer=safe, recovered=0)."""
    calls = [Call(target.address, 0, target.setValue.encode_input(7))]
    message = schedule_message(calls, SALT)
    forged = safe_approval(safe_guardian, safe, message, [safe_owners[0], outsider], chain)
    approvals = sort_approvals([forged, eoa_approval(safe_guardian, eoa_signers[0], message, chain)])
    with ape.reverts(safe_guardian.PauseGuardianInvalidSignature, signer=safe.address, recovered=ZERO):
        safe_guardian.schedule(calls, SALT, approvals, sender=stranger)


def test_safe_calling_pause_directly_is_its_own_approval(
    safe_guardian, safe, safe_owners, target, chain, stranger
):
    """Safe.execTransaction -> PauseGuardian.pause with no approvals pauses (the Safe is the one approver)."""
    until = chain.blocks.head.timestamp + 3600
    data = safe_guardian.pause.encode_input(target.address, GuardedMockScope.ALPHA, until, [])
    receipt = exec_transaction(
        safe, safe_guardian.address, data, [o.private_key for o in safe_owners[1:]], stranger
    )

    (paused,) = receipt.decode_logs(safe_guardian.Paused)
    assert paused.approvers == [safe.address]
    assert target.pausedUntil(GuardedMockScope.ALPHA) == until
    assert safe_guardian.pauseRequestUsed(
        pause_request_id("Pause", target.address, GuardedMockScope.ALPHA, until)
    )
