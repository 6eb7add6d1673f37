"""Gas benchmark: InsuranceFund deposit, requestRedeem, redeem, cover and addRevenue, beside a plain
OpenZeppelin ERC4626.

    ape run bench_fund        (make bench)
"""

import click
from ape import project
from ape.cli import ConnectedProviderCommand, network_option
from rich.console import Console
from rich.table import Table

from bulwark.bench.fund import BASELINE_DEPOSIT, BASELINE_REDEEM, DEPOSIT, PATHS, REDEEM, measure_fund_gas
from bulwark.cli import require_local

console = Console(width=110)


@click.command(cls=ConnectedProviderCommand, short_help="Measure InsuranceFund gas on a local Anvil")
@network_option(default="ethereum:local:foundry")
def cli(ecosystem, network, provider):
    require_local(network, "the benchmark")
    from ape import accounts, chain

    test_accounts = accounts.test_accounts
    result = measure_fund_gas(
        project, chain, test_accounts[0], test_accounts[1], test_accounts[2], test_accounts[3]
    )
    table = Table(title=f"InsuranceFund gas (receipt gas_used, chain {chain.chain_id})")
    for column in ("path", "gas", "plain OZ ERC4626", "ratio"):
        table.add_column(column, justify="right")
    baseline = {DEPOSIT: result.baseline[BASELINE_DEPOSIT], REDEEM: result.baseline[BASELINE_REDEEM]}
    ratios = result.ratios()
    for path in PATHS:
        plain = baseline.get(path)
        table.add_row(
            path,
            f"{result.gas[path]:,}",
            f"{plain:,}" if plain else "",
            f"{ratios[path]:.2f}x" if path in ratios else "",
        )
    console.print(table)
