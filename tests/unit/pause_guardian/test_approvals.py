"""Approvals: EIP-712 bound to chain and guardian, with deadlines, sorted; each forgery has its own error."""

import ape
import pytest

from bulwark.abi.scopes import GuardedMockScope
from bulwark.signing.approvals import pause_message, schedule_message, with_high_s
from tests.fixtures.guardian import SALT


@pytest.fixture
def calls(helper, guarded_by_multisig):
    return [helper.call(guarded_by_multisig, "setValue", 7)]


@pytest.fixture
def message(calls):
    return schedule_message(calls, SALT)


def test_threshold_approvals_schedule_and_are_named_in_the_event(helper, calls, guardian_signers):
    """Three valid approvals from a relayer schedule a 3-of-5 operation; the event lists the approvers."""
    receipt = helper.schedule(calls)
    [event] = receipt.events
    expected = sorted((s.address for s in guardian_signers[:3]), key=lambda a: int(a, 16))
    assert list(event.approvers) == expected
    state, eta = helper.guardian.operation(event.id)
    assert state == 1 and eta == event.eta


def test_fewer_approvals_than_threshold_revert(helper, calls, message, guardian_signers, stranger):
    """Two of three is not enough."""
    approvals = helper.approvals(message, guardian_signers[:2])
    with ape.reverts(helper.guardian.PauseGuardianInsufficientApprovals, approvals=2, required=3):
        helper.guardian.schedule(calls, SALT, approvals, sender=stranger)


def test_a_signer_calling_counts_as_its_own_approval(helper, calls, message, guardian_signers):
    """Signer 5 submitting two others' approvals makes three."""
    approvals = helper.approvals(message, guardian_signers[:2])
    receipt = helper.guardian.schedule(calls, SALT, approvals, sender=guardian_signers[4])
    assert guardian_signers[4].address in receipt.events[0].approvers


def test_a_caller_also_listed_is_a_duplicate(helper, calls, message, guardian_signers):
    """The caller's own approval cannot be counted twice."""
    approvals = helper.approvals(message, guardian_signers[:3])
    caller = next(s for s in guardian_signers[:3] if s.address == approvals[0].signer)
    with ape.reverts(helper.guardian.PauseGuardianDuplicateApproval, signer=caller.address):
        helper.guardian.schedule(calls, SALT, approvals, sender=caller)


def test_duplicate_approvals_revert(helper, calls, message, guardian_signers, stranger):
    """The same signer twice in a row is a duplicate, not two approvals."""
    approvals = helper.approvals(message, guardian_signers[:2])
    approvals = [approvals[0], approvals[0], approvals[1]]
    with ape.reverts(helper.guardian.PauseGuardianDuplicateApproval, signer=approvals[0].signer):
        helper.guardian.schedule(calls, SALT, approvals, sender=stranger)


def test_unsorted_approvals_revert(helper, calls, message, stranger):
    """Signers must be strictly ascending."""
    approvals = helper.approvals(message)[::-1]
    with ape.reverts(
        helper.guardian.PauseGuardianApprovalsNotAscending,
        previous=approvals[0].signer,
        signer=approvals[1].signer,
    ):
        helper.guardian.schedule(calls, SALT, approvals, sender=stranger)


def test_approval_from_a_non_signer_reverts(helper, calls, message, accounts, stranger):
    """A valid signature from an outsider counts for nothing."""
    outsider = accounts[8]
    approvals = helper.approvals(message, [outsider])
    with ape.reverts(helper.guardian.PauseGuardianNotSigner, account=outsider.address):
        helper.guardian.schedule(calls, SALT, approvals, sender=stranger)


def test_expired_approval_reverts(helper, calls, message, guardian_signers, stranger):
    """An approval is usable up to and including its validUntil second, never after."""
    valid_until = helper.now + 100
    approvals = helper.approvals(message, valid_until=valid_until)
    helper.at(valid_until + 1)
    with ape.reverts(
        helper.guardian.PauseGuardianApprovalExpired, validUntil=valid_until, timestamp=valid_until + 1
    ):
        helper.guardian.schedule(calls, SALT, approvals, sender=stranger)
    helper.at(valid_until + 1)
    fresh = helper.approvals(message, valid_until=valid_until + 1)
    helper.at(valid_until + 1)
    helper.guardian.schedule(calls, SALT, fresh, sender=stranger)  # exactly at validUntil: accepted


def test_approval_signed_for_another_chain_reverts(helper, calls, message, guardian_signers, stranger, chain):
    """An approval made for chain 1 is refused on this chain, and the error says which chain it was."""
    signer = guardian_signers[0]
    bad = helper.approval(message, signer, sign_chain_id=1, chainId=1)
    with ape.reverts(
        helper.guardian.PauseGuardianWrongChain,
        signer=signer.address,
        signedChainId=1,
        chainId=chain.chain_id,
    ):
        helper.guardian.schedule(calls, SALT, [bad], sender=stranger)


def test_approval_signed_for_another_guardian_reverts(helper, calls, message, guardian_signers, stranger):
    """An approval made for a different guardian contract is refused."""
    signer = guardian_signers[0]
    other = "0x" + "ab" * 20
    bad = helper.approval(message, signer, sign_contract=other, verifyingContract=other)
    with ape.reverts(helper.guardian.PauseGuardianWrongContract, signer=signer.address):
        helper.guardian.schedule(calls, SALT, [bad], sender=stranger)


def test_approval_relabelled_for_this_chain_fails_signature_check(
    helper, calls, message, guardian_signers, stranger, chain
):
    """Claiming this chain for a signature made on another chain does not verify."""
    signer = guardian_signers[0]
    bad = helper.approval(message, signer, sign_chain_id=1, chainId=chain.chain_id)
    with ape.reverts(helper.guardian.PauseGuardianInvalidSignature, signer=signer.address):
        helper.guardian.schedule(calls, SALT, [bad], sender=stranger)


def test_high_s_signature_reverts(helper, calls, message, guardian_signers, stranger):
    """The malleable twin of a valid signature is refused as high-s."""
    signer = guardian_signers[0]
    good = helper.approval(message, signer)
    bad = good._replace(signature=with_high_s(good.signature))
    with ape.reverts(helper.guardian.PauseGuardianSignatureHighS, signer=signer.address):
        helper.guardian.schedule(calls, SALT, [bad], sender=stranger)


def test_signature_of_wrong_length_reverts(helper, calls, message, guardian_signers, stranger):
    """A truncated signature is refused with its length."""
    signer = guardian_signers[0]
    bad = helper.approval(message, signer)
    bad = bad._replace(signature=bad.signature[:64])
    with ape.reverts(helper.guardian.PauseGuardianSignatureLength, signer=signer.address, length=64):
        helper.guardian.schedule(calls, SALT, [bad], sender=stranger)


def test_signature_by_another_key_reverts(helper, calls, message, guardian_signers, stranger):
    """Signer A's name on signer B's signature fails with the address that really signed."""
    a, b = guardian_signers[0], guardian_signers[1]
    forged = helper.approval(message, b)._replace(signer=a.address)
    with ape.reverts(helper.guardian.PauseGuardianInvalidSignature, signer=a.address, recovered=b.address):
        helper.guardian.schedule(calls, SALT, [forged], sender=stranger)


def test_approval_for_one_action_is_useless_for_another(
    helper, guarded_by_multisig, calls, guardian_signers, stranger
):
    """A pause approval cannot be replayed as a schedule approval (different typed data)."""
    until = helper.now + 3600
    pause_approvals = helper.approvals(
        pause_message(guarded_by_multisig.address, GuardedMockScope.ALPHA, until), guardian_signers[:3]
    )
    with ape.reverts(helper.guardian.PauseGuardianInvalidSignature):
        helper.guardian.schedule(calls, SALT, pause_approvals, sender=stranger)
