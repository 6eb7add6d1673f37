"""Sign MedianOracle price reports (EIP-712, compact EIP-2098 signatures) with eth-account.

One implementation for tests, scripts and the stress simulator. Mirrors IMedianOracle exactly:

    epoch = oracle.nextEpoch()
    report = sign_report(key, chain_id, oracle, feed_id, epoch, price_wad, observed_at)
    oracle.poke(epoch, sort_reports([...]), sender=keeper)

A report counts only for the epoch (accepted update) it names. An honest reporter signs each epoch once,
and signs it again only after its previous report for it has aged past maxReportAge, so a relayer never
holds two of its reports for one epoch to choose from.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak, to_checksum_address

DOMAIN_NAME = "Bulwark MedianOracle"
DOMAIN_VERSION = "2"


class Report(NamedTuple):
    """IMedianOracle.Report in field order, plus the reporter (not sent: the oracle recovers it)."""

    price: int
    observedAt: int
    r: bytes
    vs: bytes

    def as_arg(self) -> tuple:
        return (self.price, self.observedAt, self.r, self.vs)


class SignedReport(NamedTuple):
    reporter: str
    report: Report


def feed_id(name: str) -> bytes:
    """The 32-byte feed id for a human name, e.g. feed_id("ETH/USD")."""
    return keccak(text=name)


def price_typed_data(
    chain_id: int, oracle: str, feed: bytes, epoch: int, price: int, observed_at: int
) -> dict:
    return {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            "Price": [
                {"name": "feedId", "type": "bytes32"},
                {"name": "epoch", "type": "uint32"},
                {"name": "price", "type": "uint256"},
                {"name": "observedAt", "type": "uint64"},
            ],
        },
        "primaryType": "Price",
        "domain": {
            "name": DOMAIN_NAME,
            "version": DOMAIN_VERSION,
            "chainId": chain_id,
            "verifyingContract": to_checksum_address(oracle),
        },
        "message": {"feedId": bytes(feed), "epoch": epoch, "price": price, "observedAt": observed_at},
    }


def compact(r: int, s: int, v: int) -> tuple[bytes, bytes]:
    """EIP-2098: (r, vs) with the parity of v in the top bit of s."""
    vs = s | ((v - 27) << 255)
    return r.to_bytes(32, "big"), vs.to_bytes(32, "big")


def sign_report(
    private_key: str | bytes,
    chain_id: int,
    oracle: str,
    feed: bytes,
    epoch: int,
    price: int,
    observed_at: int,
) -> SignedReport:
    """`private_key`'s report of `price` observed at `observed_at`, for update `epoch` of `oracle`."""
    typed = price_typed_data(chain_id, oracle, feed, epoch, price, observed_at)
    signed = Account.sign_message(
        encode_typed_data(full_message=typed),
        private_key,
    )
    r, vs = compact(signed.r, signed.s, signed.v)
    return SignedReport(Account.from_key(private_key).address, Report(price, observed_at, r, vs))


def sort_reports(signed: Iterable[SignedReport]) -> list[tuple]:
    """Reports as `poke` takes them: sorted by reporter, strictly ascending."""
    return [s.report.as_arg() for s in sorted(signed, key=lambda s: int(s.reporter, 16))]


def reporter_test_keys(count: int) -> list[bytes]:
    """Deterministic reporter keys for tests and local demos: keccak("bulwark test reporter <i>").
    Public by construction; never use them on a real network."""
    return [keccak(text=f"bulwark test reporter {i}") for i in range(count)]


def sign_batch(
    keys: Sequence[str | bytes],
    chain_id: int,
    oracle: str,
    feed: bytes,
    epoch: int,
    prices: Sequence[int],
    observed_at: int | Sequence[int],
) -> list[tuple]:
    """`keys[i]` reports `prices[i]`, observed at `observed_at` (one time, or one per key), all for
    `epoch`; sorted as `poke` takes them."""
    times = [observed_at] * len(keys) if isinstance(observed_at, int) else list(observed_at)
    return sort_reports(
        sign_report(k, chain_id, oracle, feed, epoch, p, t)
        for k, p, t in zip(keys, prices, times, strict=True)
    )


def relay(oracle, keys, prices, observed_at, *, chain_id: int, feed: bytes, sender, epoch: int | None = None):
    """Sign `prices` with `keys` for `epoch` (default: the oracle's next, read from the chain) and poke
    them from `sender` (Ape objects); returns the receipt."""
    if epoch is None:
        epoch = oracle.nextEpoch()
    batch = sign_batch(keys, chain_id, oracle.address, feed, epoch, prices, observed_at)
    return oracle.poke(epoch, batch, sender=sender)
