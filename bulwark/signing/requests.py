"""The files PauseGuardian signers pass around, checked as they are read (no chain needed).

    request = Request(message, chain_id, guardian, valid_until)     # what is signed
    write_json(out, request.as_json())                               # eth_signTypedData_v4 JSON
    request = read_typed_data(load_json(out), str(out))              # TypedDataError unless exactly ours
    sig = read_signature(load_json(path), str(path)); check_signature(sig, request)   # off-chain recovery
    sidecar = read_sidecar(load_json(op_path), str(op_path))         # calls, salt, id for execute

The typed-data file is exactly what `bulwark.signing.approvals` builds for its message, in the
eth_signTypedData_v4 shape (types with EIP712Domain, primaryType, domain, message) that wallets sign;
bytes are 0x-hex and integers above 2^53 decimal strings, so JavaScript wallets read them exactly.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_account.messages import encode_typed_data
from eth_keys import keys
from eth_utils import keccak, to_checksum_address

from bulwark.signing.approvals import (
    DOMAIN_NAME,
    DOMAIN_VERSION,
    SECP256K1_N,
    Approval,
    Call,
    Message,
    cancel_message,
    clear_breaker_message,
    extend_pause_message,
    operation_id,
    pause_message,
    request_id,
    schedule_message,
    suspend_reporter_message,
)
from bulwark.signing.specs import ACTIONS, HEX, ContractBook, SpecError, parse_address, parse_hex, shown

SIDECAR_VERSION = 1
FUNCTION_OF = dict(ACTIONS.values())  # EIP-712 primary type -> the PauseGuardian function for it


class TypedDataError(ValueError):
    """A typed-data file that is not exactly a PauseGuardian approval request; one line."""


class SignatureFileError(ValueError):
    """A signature file that is malformed or does not sign the given typed data; one line."""


class SidecarError(ValueError):
    """An operation file (propose's sidecar) that is malformed or disagrees with itself; one line."""


# ---------------------------------------------------------------- the typed data


@dataclass(frozen=True)
class Request:
    """One PauseGuardian approval request bound to chain, guardian and deadline: what is signed."""

    message: Message
    chain_id: int
    guardian: str
    valid_until: int

    @property
    def primary_type(self) -> str:
        """Schedule, Cancel, Pause, ExtendPause, SuspendReporter or ClearBreaker."""
        return self.message.primary_type

    @property
    def function(self) -> str:
        """The PauseGuardian function that takes these approvals."""
        return FUNCTION_OF[self.primary_type]

    def typed_data(self) -> dict:
        """The typed data with Python values (bytes, ints), as eth-account encodes it."""
        return self.message.typed_data(self.chain_id, self.guardian, self.valid_until)

    def as_json(self) -> dict:
        """The eth_signTypedData_v4 JSON: bytes as 0x-hex, integers above 2^53 as decimal strings."""
        return _jsonable(self.typed_data())

    @property
    def signable(self):
        """eth-account's SignableMessage (version 0x01: domain separator, message hash)."""
        return encode_typed_data(full_message=self.typed_data())

    @property
    def digest(self) -> bytes:
        """keccak256(0x1901 ‖ domain separator ‖ message hash): what is signed."""
        s = self.signable
        return keccak(b"\x19" + s.version + s.header + s.body)

    @property
    def domain_separator(self) -> bytes:
        """The EIP-712 domain separator (a hardware wallet's "domain hash")."""
        return bytes(self.signable.header)

    @property
    def struct_hash(self) -> bytes:
        """The EIP-712 hash of the message (a hardware wallet's "message hash")."""
        return bytes(self.signable.body)

    def args(self) -> list:
        """The guardian function's arguments before the approvals, in order (the message's fields)."""
        values = self.message.values
        if self.primary_type == "Schedule":
            return [[tuple(c.values()) for c in values["calls"]], values["salt"]]
        return [values[f["name"]] for f in self.message.fields]

    @property
    def calls(self) -> list[Call]:
        """A schedule's calls (empty for other requests)."""
        if self.primary_type != "Schedule":
            return []
        return [Call(c["target"], c["value"], c["data"]) for c in self.message.values["calls"]]

    @property
    def operation_id(self) -> bytes | None:
        """The operation a Schedule creates or a Cancel cancels."""
        if self.primary_type == "Schedule":
            return operation_id(self.calls, self.message.values["salt"])
        if self.primary_type == "Cancel":
            return self.message.values["id"]
        return None

    @property
    def request_id(self) -> bytes | None:
        """The replay key of a fast-path request (`pauseRequestUsed`)."""
        if self.primary_type in ("Schedule", "Cancel"):
            return None
        return request_id(self.message)

    def approval(self, signer: str, signature: bytes) -> Approval:
        """IPauseGuardian.Approval for `signer`'s `signature` of this request."""
        return Approval(
            to_checksum_address(signer), self.valid_until, self.chain_id, self.guardian, signature
        )


def _jsonable(value):
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return value if abs(value) <= 2**53 - 1 else str(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _json_int(value, where: str, bits: int) -> int:
    if isinstance(value, bool):
        raise TypedDataError(f"{where}: expected an integer, got {shown(value)}")
    if isinstance(value, str) and (re.fullmatch(r"\d+", value) or (HEX.match(value) and len(value) > 2)):
        value = int(value, 16) if value.startswith(("0x", "0X")) else int(value)
    if not isinstance(value, int) or not 0 <= value < 2**bits:
        raise TypedDataError(f"{where}: expected a uint{bits}, got {shown(value)}")
    return value


def _json_bytes(value, where: str, size: int | None = None) -> bytes:
    try:
        return parse_hex(value, where, size)
    except SpecError as err:
        raise TypedDataError(str(err)) from None


def _json_address(value, where: str) -> str:
    try:
        return parse_address(value, where)
    except SpecError as err:
        raise TypedDataError(str(err)) from None


def read_typed_data(data, source: str) -> Request:
    """A typed-data file's JSON as a Request, refused unless it is exactly what approvals.py builds for
    its message: same types, primary type and domain name and version (so a file edited to show one
    thing and sign another fails here)."""
    if not isinstance(data, dict):
        raise TypedDataError(f"{source}: expected a JSON object with types, primaryType, domain, message")
    for key in ("types", "primaryType", "domain", "message"):
        if key not in data:
            raise TypedDataError(f"{source}: missing {key!r}")
    extra = [k for k in data if k not in ("types", "primaryType", "domain", "message")]
    if extra:
        raise TypedDataError(f"{source}: unknown key {extra[0]!r}")
    primary = data["primaryType"]
    if primary not in FUNCTION_OF:
        raise TypedDataError(
            f"{source}: primaryType {shown(primary)} is not a PauseGuardian request "
            f"({', '.join(FUNCTION_OF)})"
        )
    domain = data["domain"]
    if not isinstance(domain, dict) or set(domain) != {"name", "version", "chainId", "verifyingContract"}:
        raise TypedDataError(f"{source}: domain must have exactly name, version, chainId, verifyingContract")
    if domain["name"] != DOMAIN_NAME or domain["version"] != DOMAIN_VERSION:
        raise TypedDataError(
            f"{source}: domain is {domain['name']!r} version {domain['version']!r}, "
            f"not {DOMAIN_NAME!r} version {DOMAIN_VERSION!r}"
        )
    chain_id = _json_int(domain["chainId"], f"{source}: domain.chainId", 256)
    guardian = _json_address(domain["verifyingContract"], f"{source}: domain.verifyingContract")
    m, where = data["message"], f"{source}: message"
    if not isinstance(m, dict):
        raise TypedDataError(f"{where}: expected an object")
    message = _message(primary, m, where)
    names = [f["name"] for f in message.fields] + ["validUntil"]
    if sorted(m) != sorted(names):
        raise TypedDataError(f"{where}: expected exactly the fields {', '.join(names)}")
    valid_until = _json_int(m["validUntil"], f"{where}.validUntil", 64)
    request = Request(message, chain_id, guardian, valid_until)
    if data["types"] != request.as_json()["types"]:
        raise TypedDataError(
            f"{source}: types differ from the PauseGuardian's {primary} types (IPauseGuardian.sol)"
        )
    return request


def _message(primary: str, m: dict, where: str) -> Message:
    def need(key):
        if key not in m:
            raise TypedDataError(f"{where}: missing {key!r}")
        return m[key]

    if primary == "Schedule":
        calls = need("calls")
        if not isinstance(calls, list) or not calls:
            raise TypedDataError(f"{where}.calls: expected a non-empty list")
        parsed = []
        for i, c in enumerate(calls):
            if not isinstance(c, dict) or sorted(c) != ["data", "target", "value"]:
                raise TypedDataError(f"{where}.calls[{i}]: expected exactly target, value, data")
            parsed.append(
                Call(
                    _json_address(c["target"], f"{where}.calls[{i}].target"),
                    _json_int(c["value"], f"{where}.calls[{i}].value", 256),
                    _json_bytes(c["data"], f"{where}.calls[{i}].data"),
                )
            )
        return schedule_message(parsed, _json_bytes(need("salt"), f"{where}.salt", 32))
    if primary == "Cancel":
        return cancel_message(_json_bytes(need("id"), f"{where}.id", 32))
    if primary in ("Pause", "ExtendPause"):
        build = pause_message if primary == "Pause" else extend_pause_message
        return build(
            _json_address(need("target"), f"{where}.target"),
            _json_int(need("scopes"), f"{where}.scopes", 256),
            _json_int(need("until"), f"{where}.until", 64),
        )
    if primary == "SuspendReporter":
        return suspend_reporter_message(
            _json_address(need("oracle"), f"{where}.oracle"),
            _json_address(need("reporter"), f"{where}.reporter"),
            _json_int(need("until"), f"{where}.until", 64),
        )
    accept = need("acceptCandidate")
    if not isinstance(accept, bool):
        raise TypedDataError(f"{where}.acceptCandidate: expected true or false")
    return clear_breaker_message(
        _json_address(need("oracle"), f"{where}.oracle"),
        accept,
        _json_int(need("epoch"), f"{where}.epoch", 32),
    )


# ---------------------------------------------------------------- signature files


@dataclass(frozen=True)
class SignatureFile:
    """`bulwark guardian sign`'s output: who signed, the signature, and the digest it signs. `eip1271`
    marks a contract signer (e.g. a Safe), whose signature only the chain can check."""

    signer: str
    signature: bytes
    digest: bytes
    eip1271: bool = False
    source: str = field(default="", compare=False)

    def as_json(self) -> dict:
        """The file's JSON."""
        out = {
            "signer": self.signer,
            "signature": "0x" + self.signature.hex(),
            "digest": "0x" + self.digest.hex(),
        }
        if self.eip1271:
            out["eip1271"] = True
        return out


def read_signature(data, source: str) -> SignatureFile:
    """A signature file's JSON; SignatureFileError unless it has signer, signature and digest."""
    if not isinstance(data, dict):
        raise SignatureFileError(f"{source}: expected a JSON object with signer, signature, digest")
    for key in data:
        if key not in ("signer", "signature", "digest", "eip1271"):
            raise SignatureFileError(f"{source}: unknown key {key!r}")
    for key in ("signer", "signature", "digest"):
        if key not in data:
            raise SignatureFileError(f"{source}: missing {key!r}")
    try:
        signer = parse_address(data["signer"], f"{source}: signer")
        signature = parse_hex(data["signature"], f"{source}: signature")
        digest = parse_hex(data["digest"], f"{source}: digest", 32)
    except SpecError as err:
        raise SignatureFileError(str(err)) from None
    eip1271 = data.get("eip1271", False)
    if not isinstance(eip1271, bool):
        raise SignatureFileError(f"{source}: eip1271: expected true or false")
    return SignatureFile(signer, signature, digest, eip1271, source)


def normalized_signature(signature: bytes) -> bytes:
    """r ‖ s ‖ v with v as 27/28 (some signers return 0/1)."""
    signature = bytes(signature)
    if len(signature) == 65 and signature[64] in (0, 1):
        return signature[:64] + bytes([signature[64] + 27])
    return signature


def recover(digest: bytes, signature: bytes) -> str:
    """The address whose key made the 65-byte `signature` over `digest`; ValueError if it cannot be
    recovered the way the contract does (65 bytes, v 27/28, low s)."""
    if len(signature) != 65:
        raise ValueError(f"an ECDSA signature is 65 bytes, this one is {len(signature)}")
    r, s, v = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:64], "big"), signature[64]
    if v not in (27, 28):
        raise ValueError(f"v is {v}, not 27 or 28")
    if s > SECP256K1_N // 2:
        raise ValueError("s is in the upper half (a malleable signature the contract refuses)")
    try:
        key = keys.Signature(vrs=(v - 27, r, s)).recover_public_key_from_msg_hash(digest)
    except Exception as err:
        raise ValueError(f"no key recovers from it ({' '.join(str(err).split())})") from None
    return key.to_checksum_address()


def check_signature(sig: SignatureFile, request: Request) -> None:
    """Off-chain: the file signs this request's digest and, for an EOA, recovers to its claimed signer.
    Contract signers (eip1271) are checked on chain (bulwark.governance)."""
    if sig.digest != request.digest:
        raise SignatureFileError(
            f"{sig.source}: signs digest 0x{sig.digest.hex()}, not this typed data's 0x{request.digest.hex()}"
        )
    if sig.eip1271:
        return
    try:
        recovered = recover(request.digest, sig.signature)
    except ValueError as err:
        raise SignatureFileError(f"{sig.source}: not a valid signature by {sig.signer}: {err}") from None
    if recovered != sig.signer:
        raise SignatureFileError(
            f"{sig.source}: the signature recovers to {recovered}, not the claimed signer {sig.signer}"
        )


# ---------------------------------------------------------------- files


def load_json(path: Path) -> Any:
    """A JSON file; ValueError (one line) if unreadable or not JSON."""
    path = Path(path)
    try:
        return json.loads(path.read_text())
    except OSError as err:
        raise ValueError(f"{path}: cannot read ({err.strerror})") from None
    except json.JSONDecodeError as err:
        raise ValueError(f"{path}: not JSON (line {err.lineno}: {err.msg})") from None


def write_json(path: Path, data) -> Path:
    """Write `data` as indented JSON (atomically)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(data, indent=2) + "\n")
    partial.replace(path)
    return path


def sidecar_path(typed_data_path: Path) -> Path:
    """Where propose writes the operation file beside the typed data: `x.json` -> `x.operation.json`."""
    path = Path(typed_data_path)
    stem = path.name[: -len(".json")] if path.name.endswith(".json") else path.name
    return path.with_name(f"{stem}.operation.json")


@dataclass(frozen=True)
class Sidecar:
    """What submitting and executing need beside the typed data: the calls, salt and deadline, the
    operation id, and the deployment's contracts (to name things)."""

    kind: str  # the spec action: calls, cancel, pause, ...
    chain_id: int
    guardian: str
    valid_until: int
    contracts: dict
    description: str = ""
    calls: tuple[Call, ...] = ()
    salt: bytes | None = None
    operation_id: bytes | None = None
    request_id: bytes | None = None
    extra: dict = field(default_factory=dict, compare=False)

    def as_json(self) -> dict:
        """The file's JSON."""
        book = ContractBook.from_contracts(self.contracts)  # for names only: no ABI is loaded
        out = {
            "version": SIDECAR_VERSION,
            "kind": self.kind,
            "description": self.description,
            "chain_id": self.chain_id,
            "guardian": self.guardian,
            "valid_until": self.valid_until,
        }
        if self.kind == "calls":
            out["operation_id"] = "0x" + self.operation_id.hex()
            out["salt"] = "0x" + self.salt.hex()
            out["calls"] = [
                {
                    "contract": book.name_of(c.target),
                    "target": c.target,
                    "value": str(c.value),
                    "data": "0x" + c.data.hex(),
                }
                for c in self.calls
            ]
        elif self.operation_id is not None:
            out["operation_id"] = "0x" + self.operation_id.hex()
        if self.request_id is not None:
            out["request_id"] = "0x" + self.request_id.hex()
        out.update(self.extra)
        out["contracts"] = self.contracts
        return out


def read_sidecar(data, source: str) -> Sidecar:
    """An operation file; SidecarError unless complete and its operation id matches its calls and salt."""
    if not isinstance(data, dict) or data.get("version") != SIDECAR_VERSION:
        raise SidecarError(
            f"{source}: not an operation file of `bulwark guardian propose` (version {SIDECAR_VERSION})"
        )
    try:
        kind = data["kind"]
        if kind not in ACTIONS:
            raise SidecarError(f"{source}: kind {shown(kind)} is not one of {', '.join(ACTIONS)}")
        chain_id = _json_int(data["chain_id"], f"{source}: chain_id", 256)
        guardian = _json_address(data["guardian"], f"{source}: guardian")
        valid_until = _json_int(data["valid_until"], f"{source}: valid_until", 64)
        contracts = data["contracts"]
        if not isinstance(contracts, dict):
            raise SidecarError(f"{source}: contracts: expected an object")
        calls, salt, op = (), None, None
        if "operation_id" in data:
            op = _json_bytes(data["operation_id"], f"{source}: operation_id", 32)
        if kind == "calls":
            salt = _json_bytes(data["salt"], f"{source}: salt", 32)
            if not isinstance(data["calls"], list) or not data["calls"]:
                raise SidecarError(f"{source}: calls: expected a non-empty list")
            calls = tuple(
                Call(
                    _json_address(c["target"], f"{source}: calls[{i}].target"),
                    _json_int(c["value"], f"{source}: calls[{i}].value", 256),
                    _json_bytes(c["data"], f"{source}: calls[{i}].data"),
                )
                for i, c in enumerate(data["calls"])
            )
            if op != operation_id(calls, salt):
                raise SidecarError(f"{source}: operation_id does not match its calls and salt (edited?)")
    except KeyError as err:
        raise SidecarError(f"{source}: missing {err.args[0]!r}") from None
    except (TypeError, AttributeError):
        raise SidecarError(f"{source}: malformed operation file") from None
    except TypedDataError as err:
        raise SidecarError(str(err)) from None
    return Sidecar(
        kind, chain_id, guardian, valid_until, contracts, str(data.get("description") or ""), calls, salt, op
    )
