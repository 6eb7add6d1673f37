"""Gas benchmark: MedianOracle.poke with 3, 5, 9, 13 and 21 reports.

ape run bench_oracle        (make bench)
"""

import click
from ape import project
from ape.cli import ConnectedProviderCommand, network_option
from rich.console import Console
from rich.table import Table

from bulwark.bench.oracle import MAKER_MEDIAN_13_GAS, MARGINAL_TARGET, measure_poke_gas
from bulwark.cli import require_local

console = Console(width=110)


@click.command(cls=ConnectedProviderCommand, short_help="Measure MedianOracle poke gas on a local Anvil")
@network_option(default="ethereum:local:foundry")
def cli(ecosystem, network, provider):
    require_local(network, "the benchmark")
    from ape import accounts, chain

    result = measure_poke_gas(project, chain, accounts.test_accounts[0])
    table = Table(title=f"MedianOracle.poke gas (receipt gas_used, steady state, chain {chain.chain_id})")
    for column in ("reports", "gas", "per extra report vs previous size", "gas with a volatility sample"):
        table.add_column(column, justify="right")
    marginal = {b: per for _, b, per in result.marginal()}
    for n, gas in sorted(result.gas.items()):
        extra = f"{marginal[n]:,.0f}" if n in marginal else ""
        table.add_row(str(n), f"{gas:,}", extra, f"{result.sampled[n]:,}")
    console.print(table)
    g13 = result.gas.get(13)
    if g13:
        console.print(
            f"13 reports: {g13:,} gas = {g13 / MAKER_MEDIAN_13_GAS:.2f}x MakerDAO median's "
            f"~{MAKER_MEDIAN_13_GAS:,} (estimate); "
            f"target: marginal <= {MARGINAL_TARGET:,} gas per report, 13 reports below ~135k."
        )
