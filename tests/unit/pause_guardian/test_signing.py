"""Python signing and the contract agree on EIP-712 encoding and operation ids."""

from bulwark.signing.approvals import Call, operation_id, pause_message, schedule_message, sign_all


def test_operation_id_matches_contract(pause_guardian, guarded_by_multisig):
    calls = [Call(guarded_by_multisig.address, 0, guarded_by_multisig.setValue.encode_input(5))]
    salt = b"\x01" * 32
    assert pause_guardian.hashOperation(calls, salt) == operation_id(calls, salt)


def test_signed_schedule_and_pause_verify(
    pause_guardian, guarded_by_multisig, guardian_signers, chain, stranger
):
    now = chain.blocks.head.timestamp
    keys = [s.private_key for s in guardian_signers[:3]]
    calls = [Call(guarded_by_multisig.address, 0, guarded_by_multisig.setValue.encode_input(5))]
    approvals = sign_all(
        keys, schedule_message(calls, b"\x00" * 32), chain.chain_id, pause_guardian.address, now + 600
    )
    receipt = pause_guardian.schedule(calls, b"\x00" * 32, approvals, sender=stranger)
    assert receipt.events[0].event_name == "OperationScheduled"
    until = now + 3600
    approvals = sign_all(
        keys[:1],
        pause_message(guarded_by_multisig.address, 1, until),
        chain.chain_id,
        pause_guardian.address,
        now + 600,
    )
    pause_guardian.pause(guarded_by_multisig.address, 1, until, approvals, sender=stranger)
    assert guarded_by_multisig.pausedUntil(1) == until
