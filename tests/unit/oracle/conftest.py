"""MedianOracle fixtures: an ETH/USD oracle with five test reporters, and a helper that signs and pokes
at explicit block times so every outcome is exact."""

from __future__ import annotations

import pytest
from eth_account import Account

# re-exported: the oracle tests import these from here
from bulwark.model.oracle import (  # noqa: F401
    DESCRIPTION,
    EMPTY,
    FEED_NAME,
    OK,
    PAUSED,
    REPORTERS,
    STALE,
    TRIPPED,
    local_config,
)
from bulwark.signing.reports import SignedReport, feed_id, reporter_test_keys, sign_report, sort_reports
from bulwark.units import WAD
from tests.helpers import ChainClock

FEED = feed_id(FEED_NAME)


# five reporters, quorum 3 tolerating one hostile key (bulwark.model.oracle.local_config)
Config = local_config
CONFIG = Config()


def usd(amount: int) -> int:
    """A whole-dollar price in WAD, e.g. usd(2000) == 2000e18."""
    return amount * WAD


class OracleHelper(ChainClock):
    """Signs reports with the test reporters' keys and pokes with explicit block times.

    `keys` and `reporters` are sorted by address, so reporter i < reporter j for i < j and a batch of
    reports for reporters in ascending index order is in the order poke requires.
    """

    def __init__(self, oracle, chain, keeper):
        super().__init__(chain)
        self.oracle = oracle
        self.keeper = keeper  # anyone may poke; a no-role account does
        keys = reporter_test_keys(REPORTERS)
        self.keys = sorted(keys, key=lambda k: int(Account.from_key(k).address, 16))
        self.reporters = [Account.from_key(k).address for k in self.keys]

    def sign(
        self, index: int, price: int, observed_at: int, epoch: int | None = None, **domain
    ) -> SignedReport:
        """Reporter `index`'s report for `epoch` (default: the next); `chain_id`, `oracle` or `feed`
        override the signed domain/feed."""
        return sign_report(
            self.keys[index],
            domain.get("chain_id", self.chain.chain_id),
            domain.get("oracle", self.oracle.address),
            domain.get("feed", FEED),
            self.oracle.nextEpoch() if epoch is None else epoch,
            price,
            observed_at,
        )

    def reports(self, prices, observed_at, indices=None, epoch: int | None = None) -> list[tuple]:
        """Signed reports, sorted as poke takes them: `prices[k]` from reporter `indices[k]` (default
        0, 1, 2, ...), observed at `observed_at` (one time for all, or one per report), for `epoch`
        (default: the next)."""
        indices = list(range(len(prices))) if indices is None else list(indices)
        times = observed_at if isinstance(observed_at, list | tuple) else [observed_at] * len(prices)
        epoch = self.oracle.nextEpoch() if epoch is None else epoch
        return sort_reports(self.sign(i, p, t, epoch) for i, p, t in zip(indices, prices, times, strict=True))

    def poke(self, prices, at: int, observed_at=None, indices=None, epoch: int | None = None):
        """Poke in a block at time `at` with reports observed at `observed_at` (default: `at`), signed
        for `epoch` (default: the next)."""
        epoch = self.oracle.nextEpoch() if epoch is None else epoch
        batch = self.reports(prices, at if observed_at is None else observed_at, indices, epoch)
        self.at(at)
        return self.oracle.poke(epoch, batch, sender=self.keeper)

    def serve(self, price: int, at: int | None = None) -> int:
        """Poke `price` from reporters 0-2, observed at the poke's block time `at` (default: 10 s after
        the last block); returns `at`. Served, unless the breaker holds it."""
        at = self.now + 10 if at is None else at
        self.poke([price] * 3, at)
        return at


@pytest.fixture(scope="module")
def oracle(project, guardian):
    """A MedianOracle for ETH/USD (CONFIG) administered by the `guardian` EOA, with five registered
    reporters (quorum 3, one hostile key tolerated)."""
    return guardian.deploy(
        project.MedianOracle, guardian, FEED, DESCRIPTION, tuple(CONFIG), sorted_reporters()
    )


def sorted_reporters(count: int = REPORTERS) -> list[str]:
    """The first `count` test reporters' addresses, ascending as the constructor takes them."""
    addresses = (Account.from_key(k).address for k in reporter_test_keys(count))
    return sorted(addresses, key=lambda a: int(a, 16))


@pytest.fixture
def helper(oracle, chain, stranger):
    return OracleHelper(oracle, chain, stranger)
