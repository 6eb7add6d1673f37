"""Build and sign PauseGuardian approvals (EIP-712) with eth-account.

One implementation for tests, scripts and the incident monitor. The typed data mirrors
IPauseGuardian exactly; `operation_id` reproduces `hashOperation` off-chain, and `request_id` the
replay key of a fast-path request (`pauseRequestUsed`).

    calls = [Call(target, 0, data)]
    approvals = sign_all(keys, schedule_message(calls, salt), chain_id, guardian, valid_until)
    guardian.schedule(calls, salt, approvals, sender=anyone)

    message = suspend_reporter_message(oracle, reporter, until)
    guardian.suspendReporter(oracle, reporter, until, sign_all(keys, message, ...), sender=anyone)

    epoch = oracle.nextEpoch() - 1  # the held update the signers looked at
    message = clear_breaker_message(oracle, accept_candidate, epoch)
    guardian.clearBreaker(oracle, accept_candidate, epoch, sign_all(keys, message, ...), sender=anyone)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from eth_abi import encode
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak, to_checksum_address

from bulwark.units import HOUR

DOMAIN_NAME = "Bulwark PauseGuardian"
APPROVAL_LIFETIME = HOUR  # [s] how long the project's tools make an approval valid (validUntil = now + this)
DOMAIN_VERSION = "1"
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141

_DOMAIN_TYPE = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]
_CALL_TYPE = [
    {"name": "target", "type": "address"},
    {"name": "value", "type": "uint256"},
    {"name": "data", "type": "bytes"},
]
_VALID_UNTIL = {"name": "validUntil", "type": "uint64"}
_PAUSE_FIELDS = [
    {"name": "target", "type": "address"},
    {"name": "scopes", "type": "uint256"},
    {"name": "until", "type": "uint64"},
]
_SUSPEND_REPORTER_FIELDS = [
    {"name": "oracle", "type": "address"},
    {"name": "reporter", "type": "address"},
    {"name": "until", "type": "uint64"},
]
_CLEAR_BREAKER_FIELDS = [
    {"name": "oracle", "type": "address"},
    {"name": "acceptCandidate", "type": "bool"},
    {"name": "epoch", "type": "uint32"},
]


class Call(NamedTuple):
    """One call of an operation, in the order of IPauseGuardian.Call."""

    target: str
    value: int
    data: bytes


class Approval(NamedTuple):
    """IPauseGuardian.Approval, in field order, ready to pass to a contract call."""

    signer: str
    validUntil: int
    chainId: int
    verifyingContract: str
    signature: bytes


@dataclass(frozen=True)
class Message:
    """What a signer approves, without the deadline and domain that `sign` adds."""

    primary_type: str
    fields: list[dict]  # EIP-712 member definitions, without validUntil
    values: dict
    extra_types: dict | None = None

    def typed_data(self, chain_id: int, guardian: str, valid_until: int) -> dict:
        types = {
            "EIP712Domain": _DOMAIN_TYPE,
            self.primary_type: [*self.fields, _VALID_UNTIL],
            **(self.extra_types or {}),
        }
        return {
            "types": types,
            "primaryType": self.primary_type,
            "domain": {
                "name": DOMAIN_NAME,
                "version": DOMAIN_VERSION,
                "chainId": chain_id,
                "verifyingContract": to_checksum_address(guardian),
            },
            "message": {**self.values, "validUntil": valid_until},
        }


def _calls(calls: Iterable[Sequence]) -> list[Call]:
    return [Call(to_checksum_address(c[0]), int(c[1]), bytes(c[2])) for c in calls]


def schedule_message(calls: Iterable[Sequence], salt: bytes) -> Message:
    calls = _calls(calls)
    return Message(
        "Schedule",
        [{"name": "calls", "type": "Call[]"}, {"name": "salt", "type": "bytes32"}],
        {"calls": [c._asdict() for c in calls], "salt": bytes(salt)},
        {"Call": _CALL_TYPE},
    )


def cancel_message(operation: bytes) -> Message:
    return Message("Cancel", [{"name": "id", "type": "bytes32"}], {"id": bytes(operation)})


def pause_message(target: str, scopes: int, until: int) -> Message:
    return Message(
        "Pause", _PAUSE_FIELDS, {"target": to_checksum_address(target), "scopes": scopes, "until": until}
    )


def extend_pause_message(target: str, scopes: int, until: int) -> Message:
    return Message(
        "ExtendPause",
        _PAUSE_FIELDS,
        {"target": to_checksum_address(target), "scopes": scopes, "until": until},
    )


def suspend_reporter_message(oracle: str, reporter: str, until: int) -> Message:
    return Message(
        "SuspendReporter",
        _SUSPEND_REPORTER_FIELDS,
        {"oracle": to_checksum_address(oracle), "reporter": to_checksum_address(reporter), "until": until},
    )


def clear_breaker_message(oracle: str, accept_candidate: bool, epoch: int) -> Message:
    """Clear `oracle`'s tripped breaker, serving the held candidate if `accept_candidate`; `epoch` is the
    oracle's last accepted update when signing (`nextEpoch() - 1`), so a later poke voids the approval."""
    return Message(
        "ClearBreaker",
        _CLEAR_BREAKER_FIELDS,
        {"oracle": to_checksum_address(oracle), "acceptCandidate": bool(accept_candidate), "epoch": epoch},
    )


def typed_digest(message: Message, chain_id: int, guardian: str, valid_until: int) -> bytes:
    """The EIP-712 digest a signer signs (what EIP-1271 contract signers are asked about)."""
    signable = encode_typed_data(full_message=message.typed_data(chain_id, guardian, valid_until))
    return keccak(b"\x19" + signable.version + signable.header + signable.body)


def sign(
    private_key: str | bytes, message: Message, chain_id: int, guardian: str, valid_until: int
) -> Approval:
    """One EOA approval (low-s, as eth-account always signs)."""
    signable = encode_typed_data(full_message=message.typed_data(chain_id, guardian, valid_until))
    signed = Account.sign_message(signable, private_key)
    signer = Account.from_key(private_key).address
    return Approval(signer, valid_until, chain_id, to_checksum_address(guardian), bytes(signed.signature))


def sign_all(
    private_keys: Iterable[str | bytes], message: Message, chain_id: int, guardian: str, valid_until: int
) -> list[Approval]:
    """Approvals from every key, sorted by signer as the contract requires."""
    return sort_approvals(sign(k, message, chain_id, guardian, valid_until) for k in private_keys)


def sort_approvals(approvals: Iterable[Approval]) -> list[Approval]:
    return sorted(approvals, key=lambda a: int(a.signer, 16))


def operation_id(calls: Iterable[Sequence], salt: bytes) -> bytes:
    """`hashOperation(calls, salt)`: keccak256(abi.encode(callsHash, salt))."""
    call_typehash = keccak(text="Call(address target,uint256 value,bytes data)")
    hashes = b"".join(
        keccak(
            encode(
                ["bytes32", "address", "uint256", "bytes32"],
                [call_typehash, c.target, c.value, keccak(c.data)],
            )
        )
        for c in _calls(calls)
    )
    return keccak(encode(["bytes32", "bytes32"], [keccak(hashes), bytes(salt)]))


def request_id(message: Message) -> bytes:
    """The replay key `pauseRequestUsed` stores for a fast-path request (a Pause, ExtendPause,
    SuspendReporter or ClearBreaker message): keccak256(abi.encode(typehash, ...its members but
    validUntil))."""
    if message.extra_types:
        raise ValueError(f"{message.primary_type} is not a fast-path request (it has struct members)")
    members = ",".join(f"{m['type']} {m['name']}" for m in [*message.fields, _VALID_UNTIL])
    typehash = keccak(text=f"{message.primary_type}({members})")
    types = ["bytes32", *(m["type"] for m in message.fields)]
    return keccak(encode(types, [typehash, *(message.values[m["name"]] for m in message.fields)]))


def pause_request_id(kind: str, target: str, scopes: int, until: int) -> bytes:
    """The replay key `pauseRequestUsed` stores for a Pause or ExtendPause request."""
    message = {"Pause": pause_message, "ExtendPause": extend_pause_message}[kind]
    return request_id(message(target, scopes, until))


def suspend_request_id(oracle: str, reporter: str, until: int) -> bytes:
    """The replay key `pauseRequestUsed` stores for a SuspendReporter request."""
    return request_id(suspend_reporter_message(oracle, reporter, until))


def clear_breaker_request_id(oracle: str, accept_candidate: bool, epoch: int) -> bytes:
    """The replay key `pauseRequestUsed` stores for a ClearBreaker request."""
    return request_id(clear_breaker_message(oracle, accept_candidate, epoch))


def with_high_s(signature: bytes) -> bytes:
    """The malleable twin of a signature (s -> n - s, v flipped); the contract must refuse it."""
    r, s, v = signature[:32], int.from_bytes(signature[32:64], "big"), signature[64]
    return r + (SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - v])  # 27 <-> 28
