"""A real Safe (safe-global/safe-contracts 1.4.1, from npm) on a local chain, for tests and benchmarks.

The compiled artifacts ship in the npm package (package.json pins it), so nothing is compiled here:
each artifact's ABI and bytecode become an Ape ContractContainer.

    infra = deploy_safe_infra(deployer)
    safe = create_safe(infra, deployer, owners=[a.address, b.address, c.address], threshold=2)
    sig = safe_signature(safe.address, chain.chain_id, digest, [a.private_key, b.private_key])
    # EIP-1271: safe.isValidSignature(digest, sig) == 0x1626ba7e (answered by the fallback handler)

EIP-1271 in Safe 1.4.1 lives in CompatibilityFallbackHandler (the Safe forwards unknown selectors to
it). `isValidSignature(bytes32 digest, bytes sig)` calls back `isValidSignature(abi.encode(digest), sig)`,
which hashes the SafeMessage

    keccak256(0x19 0x01 ‖ safe.domainSeparator()
              ‖ keccak256(abi.encode(SAFE_MSG_TYPEHASH, keccak256(abi.encode(digest)))))

(`getMessageHashForSafe(safe, abi.encode(digest))`) and checks it with `safe.checkSignatures`: at
least `threshold` owner signatures, each r ‖ s ‖ v (65 bytes, v 27/28 for a plain ECDSA signature of
that hash), concatenated in strictly ascending owner-address order.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from eth_abi import encode
from eth_account import Account
from eth_utils import keccak, to_checksum_address

from bulwark import PROJECT_ROOT

SAFE_VERSION = "1.4.1"
ARTIFACTS = (
    PROJECT_ROOT / "node_modules" / "@safe-global" / "safe-contracts" / "build" / "artifacts" / "contracts"
)
_ARTIFACT_PATHS = {
    "Safe": "Safe.sol/Safe.json",
    "SafeProxyFactory": "proxies/SafeProxyFactory.sol/SafeProxyFactory.json",
    "CompatibilityFallbackHandler": (
        "handler/CompatibilityFallbackHandler.sol/CompatibilityFallbackHandler.json"
    ),
}
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
# Safe.sol: keccak256("EIP712Domain(uint256 chainId,address verifyingContract)")
DOMAIN_SEPARATOR_TYPEHASH = keccak(text="EIP712Domain(uint256 chainId,address verifyingContract)")
# CompatibilityFallbackHandler.sol: keccak256("SafeMessage(bytes message)")
SAFE_MSG_TYPEHASH = keccak(text="SafeMessage(bytes message)")
CALL = 0  # Enum.Operation.Call


@cache
def container(name: str):
    """An Ape ContractContainer for one artifact: Safe, SafeProxyFactory or CompatibilityFallbackHandler."""
    from ape.contracts import ContractContainer
    from ethpm_types import ContractType

    path = ARTIFACTS / _ARTIFACT_PATHS[name]
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run `make toolchain` (npm @safe-global/safe-contracts)")
    artifact = json.loads(path.read_text())
    contract_type = ContractType(
        contractName=artifact["contractName"],
        abi=artifact["abi"],
        deploymentBytecode={"bytecode": artifact["bytecode"]},
        runtimeBytecode={"bytecode": artifact["deployedBytecode"]},
    )
    return ContractContainer(contract_type)


@dataclass(frozen=True)
class SafeInfra:
    """The shared Safe contracts one chain needs once."""

    singleton: Any  # Safe (the implementation every proxy delegates to)
    factory: Any  # SafeProxyFactory
    fallback_handler: Any  # CompatibilityFallbackHandler (EIP-1271, token callbacks)


def deploy_safe_infra(deployer) -> SafeInfra:
    """Deploy the Safe singleton, the proxy factory and the CompatibilityFallbackHandler."""
    return SafeInfra(
        singleton=deployer.deploy(container("Safe")),
        factory=deployer.deploy(container("SafeProxyFactory")),
        fallback_handler=deployer.deploy(container("CompatibilityFallbackHandler")),
    )


def create_safe(infra: SafeInfra, deployer, owners: Iterable[str], threshold: int, salt_nonce: int = 0):
    """A new Safe proxy with `owners`, `threshold` and the fallback handler set (Safe ABI)."""
    safe_type = container("Safe")
    initializer = infra.singleton.setup.encode_input(
        [to_checksum_address(o) for o in owners],
        threshold,
        ZERO_ADDRESS,  # no module setup call
        b"",
        infra.fallback_handler.address,
        ZERO_ADDRESS,  # no payment
        0,
        ZERO_ADDRESS,
    )
    receipt = infra.factory.createProxyWithNonce(
        infra.singleton.address, initializer, salt_nonce, sender=deployer
    )
    (created,) = receipt.decode_logs(infra.factory.ProxyCreation)
    return safe_type.at(created.proxy)


def safe_message_hash(safe: str, chain_id: int, digest: bytes) -> bytes:
    """What owners sign so the Safe accepts `digest` through EIP-1271.

    Equals `CompatibilityFallbackHandler.getMessageHashForSafe(safe, abi.encode(digest))`.
    """
    if len(digest) != 32:
        raise ValueError(f"digest must be 32 bytes, got {len(digest)}")
    domain_separator = keccak(
        encode(["bytes32", "uint256", "address"], [DOMAIN_SEPARATOR_TYPEHASH, chain_id, safe])
    )
    message = encode(["bytes32"], [digest])  # abi.encode(bytes32) is the 32 bytes themselves
    safe_message = keccak(encode(["bytes32", "bytes32"], [SAFE_MSG_TYPEHASH, keccak(message)]))
    return keccak(b"\x19\x01" + domain_separator + safe_message)


def owner_signatures(hash_: bytes, private_keys: Iterable[str | bytes]) -> bytes:
    """ECDSA signatures of `hash_` (no prefix) as Safe.checkSignatures reads them: r ‖ s ‖ v each,
    sorted by signer address ascending."""
    signed = []
    for key in private_keys:
        signature = Account.unsafe_sign_hash(hash_, key)
        address = Account.from_key(key).address
        signed.append((int(address, 16), signature.r, signature.s, signature.v))
    return b"".join(
        r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([v]) for _, r, s, v in sorted(signed)
    )


def safe_signature(safe: str, chain_id: int, digest: bytes, private_keys: Iterable[str | bytes]) -> bytes:
    """The EIP-1271 signature with which the Safe at `safe` approves the 32-byte `digest`."""
    return owner_signatures(safe_message_hash(safe, chain_id, digest), private_keys)


def exec_transaction(safe, to: str, data: bytes, private_keys: Iterable[str | bytes], sender, value: int = 0):
    """Run one call from the Safe (`execTransaction`, no refund), signed by the owners' keys.

    The Safe transaction hash comes from the Safe itself (`getTransactionHash` at its current nonce;
    `safe.nonce` is Ape's account nonce, hence `call_view_method`).
    With safeTxGas and gasPrice zero the Safe reverts (GS013) if the inner call fails.
    """
    args = (to, value, data, CALL, 0, 0, 0, ZERO_ADDRESS, ZERO_ADDRESS)
    tx_hash = bytes(safe.getTransactionHash(*args, safe.call_view_method("nonce")))
    return safe.execTransaction(*args, owner_signatures(tx_hash, private_keys), sender=sender)
