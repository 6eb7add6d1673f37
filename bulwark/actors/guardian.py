"""The PauseGuardian's signers on the chain lane: approvals, timelocked calls, schedule and execute.

    desk = GuardianDesk(chain, suite.guardian)
    op, salt, receipt = desk.schedule([desk.call(engine, "setReduceOnly", 0, False)], 1, signers=(1, 2, 3))
    chain.sleep(delay); desk.execute(calls, salt, sender=chain.accounts[0])

Signers are named by dev account index (chain.keys[i]), as in params/local.json (accounts 1-5).
tests/differential/scenario.py and bulwark.fuzz.machines.system use these helpers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bulwark.signing.approvals import Approval, Message, operation_id, schedule_message, sign_all
from bulwark.units import DAY


def call(contract, fn: str, *args, value: int = 0) -> tuple:
    """One `Call` of an operation: (target, value, calldata of `contract.fn(*args)`)."""
    return (contract.address, value, getattr(contract, fn).calldata(*args))


class GuardianDesk:
    """Signs approvals with dev account keys and sends the guardian's calls."""

    def __init__(self, chain, guardian):
        self.chain, self.guardian = chain, guardian

    call = staticmethod(call)

    def approvals(
        self, message: Message, signers: Iterable[int] = (1, 2, 3), valid_for: int = DAY
    ) -> list[Approval]:
        """Approvals of `message` by the dev accounts `signers`, valid for `valid_for` seconds from now."""
        keys = [self.chain.keys[i] for i in signers]
        until = self.chain.timestamp + valid_for
        return sign_all(keys, message, self.chain.chain_id, self.guardian.address, until)

    def schedule(self, calls: Sequence[tuple], salt: int, signers: Iterable[int] = (1, 2, 3), *, sender: str):
        """Schedule `calls` with `salt`, approved by `signers`: (operation id, salt bytes, receipt)."""
        salt_bytes = salt.to_bytes(32, "big")
        approvals = self.approvals(schedule_message(calls, salt_bytes), signers)
        receipt = self.guardian.schedule.attempt(calls, salt_bytes, approvals, sender=sender)
        return operation_id(calls, salt_bytes), salt_bytes, receipt

    def execute(self, calls: Sequence[tuple], salt_bytes: bytes, *, sender: str):
        """Execute a scheduled operation (a receipt: it reverts before its ETA or after its grace)."""
        return self.guardian.execute.attempt(calls, salt_bytes, sender=sender)
