"""Gas benchmark: PauseGuardian's pause (one signature; two for a loss-shifting scope), schedule and
execute paths at 3-of-5 and 5-of-9.

    ape run bench_guardian        (make bench)

ape-foundry starts a local Anvil and stops it when the script ends. The measuring is in
bulwark.bench; this prints the table.
"""

import click
from ape import project
from ape.cli import ConnectedProviderCommand, network_option
from rich.console import Console
from rich.table import Table

from bulwark.bench.guardian import (
    PATHS,
    SAFE_TWO_SIGNATURE_EXEC_GAS,
    measure_guardian_gas,
    measure_safe_gas,
    ratio_to_safe,
)
from bulwark.cli import require_local
from bulwark.signing.safe import SAFE_VERSION

CONFIGS = ((3, 5), (5, 9))  # (threshold, signers)
console = Console()


@click.command(cls=ConnectedProviderCommand, short_help="Measure PauseGuardian gas on a local Anvil")
@network_option(default="ethereum:local:foundry")
def cli(ecosystem, network, provider):
    require_local(network, "the benchmark")

    from ape import accounts, chain

    test_accounts = accounts.test_accounts
    deployer = relayer = test_accounts[0]  # never a signer
    if len(test_accounts) < 1 + max(n for _, n in CONFIGS):
        raise click.ClickException(
            "not enough funded test accounts for 9 signers (set test.number_of_accounts)"
        )

    results = [
        measure_guardian_gas(
            project, chain, deployer, relayer, [test_accounts[i] for i in range(1, n + 1)], m
        )
        for m, n in CONFIGS
    ]
    safe_gas = measure_safe_gas(project, deployer, relayer, [test_accounts[i] for i in range(1, 4)])

    table = Table(title=f"PauseGuardian gas (receipt gas_used, chain {chain.chain_id})")
    table.add_column("path")
    for r in results:
        table.add_column(f"{r.label} gas", justify="right")
        table.add_column("vs Safe", justify="right")
    for path in PATHS:
        cells = []
        for r in results:
            cells += [f"{r.gas[path]:,}", f"{ratio_to_safe(r.gas[path]):.2f}x"]
        table.add_row(path, *cells)
    console.print(table)
    console.print(
        f"vs Safe: gas / {SAFE_TWO_SIGNATURE_EXEC_GAS:,}, Safe's documented cost of a two-signature "
        f"execTransaction. For reference, measured here: a real Safe {SAFE_VERSION} 2-of-3 execTransaction "
        f"making the same GuardedMock.setValue call used {safe_gas:,} gas ({ratio_to_safe(safe_gas):.2f}x)."
    )
