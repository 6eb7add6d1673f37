"""Gas of MedianOracle.poke by report count, measured from receipts on a local chain.

Each size gets a fresh oracle with exactly that many reporters (the smallest quorum tolerating the
most hostile keys that many allow, ORA-05) and three pokes of every reporter's report: the first sets
the volatility anchor; the second, 10 s later, is the steady state (no volatility sample: faster than
the interval) and is the reported figure; the third, one interval later, also takes a volatility sample
(`sampled`). Prices are distinct and arrive in reporter order, so the median's sort does real work.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from eth_account import Account

from bulwark.model.oracle import OracleConfig, largest_tolerance
from bulwark.signing.reports import feed_id, relay, reporter_test_keys
from bulwark.units import WAD

FEED = feed_id("ETH/USD")
INTERVAL = 300  # [s] volatilityInterval


def bench_config(reporters: int) -> OracleConfig:
    quorum, f = largest_tolerance(reporters)
    return OracleConfig(quorum, f, 1800, 60, 3600, 600, 86_400, INTERVAL, WAD // 10, WAD, 10**12 * WAD)


SIZES = (3, 5, 9, 13, 21)
MAKER_MEDIAN_13_GAS = 135_000  # MakerDAO median.sol poke with 13 signatures, estimated from its code
MARGINAL_TARGET = 8_000


@dataclass(frozen=True)
class PokeGas:
    gas: dict[int, int]  # reports -> receipt gas_used, steady state
    sampled: dict[int, int]  # reports -> receipt gas_used of a poke that also takes a volatility sample

    def marginal(self) -> list[tuple[int, int, float]]:
        """(from, to, gas per extra report) between consecutive sizes."""
        sizes = sorted(self.gas)
        return [(a, b, (self.gas[b] - self.gas[a]) / (b - a)) for a, b in pairwise(sizes)]


def measure_poke_gas(project, chain, deployer, sizes: Sequence[int] = SIZES) -> PokeGas:
    keys = reporter_test_keys(max(sizes))
    gas, sampled = {}, {}
    for n in sizes:
        ordered = sorted(keys[:n], key=lambda k: int(Account.from_key(k).address, 16))
        reporters = [Account.from_key(k).address for k in ordered]
        oracle = deployer.deploy(
            project.MedianOracle, deployer, FEED, "ETH / USD", tuple(bench_config(n)), reporters
        )
        start = chain.blocks.head.timestamp + 10
        for round_, at in enumerate((start, start + 10, start + 10 + INTERVAL)):
            chain.pending_timestamp = at
            prices = [(2_000 + i + round_) * WAD for i in range(n)]
            receipt = relay(
                oracle, ordered, prices, at - 1, chain_id=chain.chain_id, feed=FEED, sender=deployer
            )
            if round_ == 1:
                gas[n] = receipt.gas_used
        sampled[n] = receipt.gas_used
    return PokeGas(gas, sampled)
