"""`bulwark bench gas [guardian|oracle|fund|engine]...` (also `ape run bench_<name>`, `make bench`): gas of
each contract's paths on one local Anvil, printed as tables beside the reference figures.

The measuring is in bulwark.bench; this prints the tables. ape-foundry starts the node and stops it when
the command ends; every benchmark deploys its own contracts, so they share one node.
"""

import click
from ape import project
from ape.cli import ConnectedProviderCommand, network_option
from rich.console import Console
from rich.table import Table

from bulwark.bench import engine, fund, guardian, oracle
from bulwark.cli import LOCAL_NETWORK, local_only, require_local
from bulwark.signing.safe import SAFE_VERSION

GUARDIAN_CONFIGS = ((3, 5), (5, 9))  # (threshold, signers)
console = Console(width=110)


def guardian_gas(chain, test_accounts) -> None:
    """PauseGuardian's pause (one signature; two for a loss-shifting scope), schedule and execute paths at
    3-of-5 and 5-of-9, beside a real Safe's two-signature execTransaction."""
    deployer = relayer = test_accounts[0]  # never a signer
    if len(test_accounts) < 1 + max(n for _, n in GUARDIAN_CONFIGS):
        raise click.ClickException(
            "not enough funded test accounts for 9 signers (set test.number_of_accounts)"
        )
    results = [
        guardian.measure_guardian_gas(
            project, chain, deployer, relayer, [test_accounts[i] for i in range(1, n + 1)], m
        )
        for m, n in GUARDIAN_CONFIGS
    ]
    safe_gas = guardian.measure_safe_gas(project, deployer, relayer, [test_accounts[i] for i in range(1, 4)])

    table = Table(title=f"PauseGuardian gas (receipt gas_used, chain {chain.chain_id})")
    table.add_column("path")
    for r in results:
        table.add_column(f"{r.label} gas", justify="right")
        table.add_column("vs Safe", justify="right")
    for path in guardian.PATHS:
        cells = []
        for r in results:
            cells += [f"{r.gas[path]:,}", f"{guardian.ratio_to_safe(r.gas[path]):.2f}x"]
        table.add_row(path, *cells)
    console.print(table)
    console.print(
        f"vs Safe: gas / {guardian.SAFE_TWO_SIGNATURE_EXEC_GAS:,}, Safe's documented cost of a two-signature "
        f"execTransaction. For reference, measured here: a real Safe {SAFE_VERSION} 2-of-3 execTransaction "
        f"making the same GuardedMock.setValue call used {safe_gas:,} gas "
        f"({guardian.ratio_to_safe(safe_gas):.2f}x)."
    )


def oracle_gas(chain, test_accounts) -> None:
    """MedianOracle.poke with 3, 5, 9, 13 and 21 reports."""
    result = oracle.measure_poke_gas(project, chain, test_accounts[0])
    table = Table(title=f"MedianOracle.poke gas (receipt gas_used, steady state, chain {chain.chain_id})")
    for column in ("reports", "gas", "per extra report vs previous size", "gas with a volatility sample"):
        table.add_column(column, justify="right")
    marginal = {b: per for _, b, per in result.marginal()}
    for n, gas in sorted(result.gas.items()):
        extra = f"{marginal[n]:,.0f}" if n in marginal else ""
        table.add_row(str(n), f"{gas:,}", extra, f"{result.sampled[n]:,}")
    console.print(table)
    if g13 := result.gas.get(13):
        console.print(
            f"13 reports: {g13:,} gas = {g13 / oracle.MAKER_MEDIAN_13_GAS:.2f}x MakerDAO median's "
            f"~{oracle.MAKER_MEDIAN_13_GAS:,} (estimate); "
            f"target: marginal <= {oracle.MARGINAL_TARGET:,} gas per report, 13 reports below ~135k."
        )


def fund_gas(chain, test_accounts) -> None:
    """InsuranceFund deposit, requestRedeem, redeem, cover and addRevenue, beside a plain OpenZeppelin
    ERC4626."""
    result = fund.measure_fund_gas(project, chain, *test_accounts[:4])
    table = Table(title=f"InsuranceFund gas (receipt gas_used, chain {chain.chain_id})")
    for column in ("path", "gas", "plain OZ ERC4626", "ratio"):
        table.add_column(column, justify="right")
    baseline = {
        fund.DEPOSIT: result.baseline[fund.BASELINE_DEPOSIT],
        fund.REDEEM: result.baseline[fund.BASELINE_REDEEM],
    }
    ratios = result.ratios()
    for path in fund.PATHS:
        plain = baseline.get(path)
        table.add_row(
            path,
            f"{result.gas[path]:,}",
            f"{plain:,}" if plain else "",
            f"{ratios[path]:.2f}x" if path in ratios else "",
        )
    console.print(table)


def engine_gas(chain, test_accounts) -> None:
    """MarginEngine deposit, withdraw, fills, partial and insolvent liquidations (fund-paid and shared),
    and a fill that settles a shared loss."""
    result = engine.measure_engine_gas(project, chain, test_accounts[0], test_accounts[1:7])
    aave = engine.AAVE_V3_LIQUIDATION_GAS
    table = Table(title=f"MarginEngine gas (receipt gas_used, two markets, chain {chain.chain_id})")
    for column in ("path", "gas", f"vs Aave v3 liquidationCall ~{aave:,}"):
        table.add_column(column, justify="right")
    for path in engine.PATHS:
        ratio = f"{result.gas[path] / aave:.2f}x" if "liquidate" in path else ""
        table.add_row(path, f"{result.gas[path]:,}", ratio)
    console.print(table)
    partial = result.gas[engine.LIQ_PARTIAL]
    verdict = "met" if partial < engine.LIQUIDATION_TARGET else "NOT met"
    console.print(
        f"steady-state partial liquidation: {partial:,} gas; target < {engine.LIQUIDATION_TARGET:,}: "
        f"{verdict}; costliest liquidation path: {result.worst_liquidation():,} gas"
    )


BENCHMARKS = {"guardian": guardian_gas, "oracle": oracle_gas, "fund": fund_gas, "engine": engine_gas}


def run_gas(names) -> None:
    """The named benchmarks (all when none is named), in this order, on the connected local node."""
    from ape import accounts, chain

    for name in names or BENCHMARKS:
        BENCHMARKS[name](chain, accounts.test_accounts)


def single_benchmark(name: str) -> click.Command:
    """The `ape run bench_<name>` command: one benchmark on its own node."""

    @click.command(
        f"bench_{name}", cls=ConnectedProviderCommand, short_help=f"Measure {name} gas on a local Anvil"
    )
    @network_option(default=LOCAL_NETWORK, callback=local_only("the benchmark"))
    def command(network):
        require_local(network, "the benchmark")
        run_gas([name])

    command.__doc__ = BENCHMARKS[name].__doc__
    return command


@click.command(
    cls=ConnectedProviderCommand, short_help="Measure gas of each contract's paths on a local Anvil"
)
@network_option(default=LOCAL_NETWORK, callback=local_only("the benchmark"))
@click.argument("benchmarks", nargs=-1, type=click.Choice(list(BENCHMARKS)), metavar="[BENCHMARK]...")
def cli(network, benchmarks):
    """Gas of each BENCHMARK (guardian, oracle, fund, engine; default: all) on one local Anvil."""
    require_local(network, "the benchmark")
    run_gas(dict.fromkeys(benchmarks))  # once each, in the order given
