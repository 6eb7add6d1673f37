"""Gas of MedianOracle.poke by report count, measured from receipts on a local chain.

Each size gets a fresh oracle with exactly that many reporters (quorum 1) and two pokes; the second
(steady state: every reporter has a previous report) is reported. Prices are distinct and arrive in
reporter order, so the median's sort does real work.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from eth_account import Account

from bulwark.reports import WAD, feed_id, reporter_test_keys, sign_report, sort_reports

FEED = feed_id("ETH/USD")
# quorum, maxReportAge, maxFutureSkew, maxStaleness, confirmDelay, volatilityTau, maxDeviation, min, max
BENCH_CONFIG = (1, 3600, 60, 3600, 600, 86_400, WAD // 10, WAD, 10**12 * WAD)
SIZES = (3, 5, 9, 13, 21)
MAKER_MEDIAN_13_GAS = 135_000  # MakerDAO median.sol poke with 13 signatures, estimated from its code
MARGINAL_TARGET = 8_000


@dataclass(frozen=True)
class PokeGas:
    gas: dict[int, int]  # reports -> receipt gas_used

    def marginal(self) -> list[tuple[int, int, float]]:
        """(from, to, gas per extra report) between consecutive sizes."""
        sizes = sorted(self.gas)
        return [(a, b, (self.gas[b] - self.gas[a]) / (b - a)) for a, b in pairwise(sizes)]


def measure_poke_gas(project, chain, deployer, sizes: Sequence[int] = SIZES) -> PokeGas:
    keys = reporter_test_keys(max(sizes))
    gas = {}
    for n in sizes:
        oracle = deployer.deploy(project.MedianOracle, deployer, FEED, "ETH / USD", BENCH_CONFIG, [])
        for key in keys[:n]:
            oracle.setReporter(Account.from_key(key).address, True, sender=deployer)
        for round_ in range(2):
            now = chain.blocks.head.timestamp + 10
            reports = sort_reports(
                sign_report(k, chain.chain_id, oracle.address, FEED, (2_000 + i + round_) * WAD, now - 1)
                for i, k in enumerate(keys[:n])
            )
            chain.pending_timestamp = now
            receipt = oracle.poke(reports, sender=deployer)
        gas[n] = receipt.gas_used
    return PokeGas(gas)
