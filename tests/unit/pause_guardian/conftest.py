"""Helpers for PauseGuardian unit tests: sign approvals, run operations through the timelock."""

import pytest

from bulwark.signing.approvals import Call, schedule_message, sign, sign_all
from tests.helpers import ChainClock

SALT = b"\x00" * 32
APPROVAL_LIFETIME = 3600  # [s] validUntil = now + this


class GuardianHelper(ChainClock):
    """Signs with the fixture signers' keys and drives the timelock with explicit block times."""

    def __init__(self, guardian, signers, chain, relayer):
        super().__init__(chain)
        self.guardian = guardian
        self.relayer = relayer  # a non-signer that submits approvals
        self.signers = signers

    def approvals(self, message, signers=None, valid_until=None):
        signers = self.signers[:3] if signers is None else signers
        valid_until = self.now + APPROVAL_LIFETIME if valid_until is None else valid_until
        keys = [s.private_key for s in signers]
        return sign_all(keys, message, self.chain.chain_id, self.guardian.address, valid_until)

    def approval(self, message, signer, **overrides):
        """One approval, with any field of the Approval tuple replaced."""
        approval = sign(
            signer.private_key,
            message,
            overrides.pop("sign_chain_id", self.chain.chain_id),
            overrides.pop("sign_contract", self.guardian.address),
            overrides.pop("sign_valid_until", self.now + APPROVAL_LIFETIME),
        )
        return approval._replace(**overrides)

    def call(self, contract, method, *args, value=0) -> Call:
        return Call(contract.address, value, getattr(contract, method).encode_input(*args))

    def schedule(self, calls, salt=SALT, signers=None, sender=None):
        approvals = self.approvals(schedule_message(calls, salt), signers)
        return self.guardian.schedule(calls, salt, approvals, sender=sender or self.relayer)

    def run(self, calls, salt=SALT, sender=None):
        """Schedule with threshold approvals, wait the delay, execute. Returns the execute receipt."""
        receipt = self.schedule(calls, salt, sender=sender)
        eta = receipt.events[0].eta
        self.at(eta)
        return self.guardian.execute(calls, salt, sender=sender or self.relayer)


@pytest.fixture
def helper(pause_guardian, guardian_signers, chain, stranger):
    return GuardianHelper(pause_guardian, guardian_signers, chain, stranger)
