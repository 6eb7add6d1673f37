"""Gas benchmark: MarginEngine deposit, withdraw, fills, partial and insolvent liquidations (fund-paid
and shared), and a fill that settles a shared loss.

ape run bench_engine        (make bench)
"""

import click
from ape import project
from ape.cli import ConnectedProviderCommand, network_option
from rich.console import Console
from rich.table import Table

from bulwark.bench.engine import (
    AAVE_V3_LIQUIDATION_GAS,
    LIQ_PARTIAL,
    LIQUIDATION_TARGET,
    PATHS,
    measure_engine_gas,
)
from bulwark.cli import require_local

console = Console(width=110)


@click.command(cls=ConnectedProviderCommand, short_help="Measure MarginEngine gas on a local Anvil")
@network_option(default="ethereum:local:foundry")
def cli(ecosystem, network, provider):
    require_local(network, "the benchmark")
    from ape import accounts, chain

    result = measure_engine_gas(project, chain, accounts.test_accounts[0], accounts.test_accounts[1:7])
    table = Table(title=f"MarginEngine gas (receipt gas_used, two markets, chain {chain.chain_id})")
    for column in ("path", "gas", f"vs Aave v3 liquidationCall ~{AAVE_V3_LIQUIDATION_GAS:,}"):
        table.add_column(column, justify="right")
    for path in PATHS:
        ratio = f"{result.gas[path] / AAVE_V3_LIQUIDATION_GAS:.2f}x" if "liquidate" in path else ""
        table.add_row(path, f"{result.gas[path]:,}", ratio)
    console.print(table)
    partial = result.gas[LIQ_PARTIAL]
    verdict = "met" if partial < LIQUIDATION_TARGET else "NOT met"
    console.print(
        f"steady-state partial liquidation: {partial:,} gas; target < {LIQUIDATION_TARGET:,}: {verdict}; "
        f"costliest liquidation path: {result.worst_liquidation():,} gas"
    )
