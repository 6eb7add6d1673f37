"""`bulwark bench gas [guardian|oracle|fund|engine]...` (also `ape run bench_<name>`, `make bench`): gas of
each contract's paths on one local Anvil, printed as tables beside the reference figures.

The measuring is in bulwark.bench; this prints the tables, and with `--json FILE` writes the figures.
`--check` compares them with the committed gas snapshot (gas-snapshot.json, bulwark.bench.snapshot) and
exits 1 on a regression beyond its tolerance; `--update-snapshot` rewrites it (`make gas-check`,
`make gas-snapshot`). ape-foundry starts the node and stops it when the command ends; every benchmark
deploys its own contracts, so they share one node, and the node's clock is set to a fixed instant
first, so the same code gives the same figures run after run (signed deadlines and report times, and
so calldata, do not depend on the wall clock).
"""

import json
import sys
from pathlib import Path

import click
from ape import project
from ape.cli import ConnectedProviderCommand, network_option
from rich.console import Console
from rich.table import Table

from bulwark.bench import engine, fund, guardian, oracle, quiet
from bulwark.bench import snapshot as gas_snapshot
from bulwark.cli import LOCAL_NETWORK, UserPath, local_only, require_local
from bulwark.signing.safe import SAFE_VERSION

GUARDIAN_CONFIGS = ((3, 5), (5, 9))  # (threshold, signers)
# Every run starts its first benchmark at this block time (2040-01-01), whatever the wall clock says.
FIXED_START = 2_208_988_800
console = Console(width=110)

quiet.silence_frameworks()  # the tables only: no Ape/web3 log lines (node start, each deployment)


def guardian_gas(chain, test_accounts) -> tuple[gas_snapshot.Figures, dict[str, int]]:
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
    figures = {f"{path} ({r.label})": r.gas[path] for r in results for path in guardian.PATHS}
    return {"PauseGuardian": figures}, {f"Safe {SAFE_VERSION} execTransaction, 2-of-3": safe_gas}


def oracle_gas(chain, test_accounts) -> tuple[gas_snapshot.Figures, dict[str, int]]:
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
    figures = {f"poke: {n} reports": gas for n, gas in result.gas.items()}
    figures |= {f"poke: {n} reports, with a volatility sample": gas for n, gas in result.sampled.items()}
    return {"MedianOracle": figures}, {}


def fund_gas(chain, test_accounts) -> tuple[gas_snapshot.Figures, dict[str, int]]:
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
    return {"InsuranceFund": {path: result.gas[path] for path in fund.PATHS}}, dict(result.baseline)


def engine_gas(chain, test_accounts) -> tuple[gas_snapshot.Figures, dict[str, int]]:
    """MarginEngine deposit, withdraw, fills, partial and insolvent liquidations (fund-paid and shared),
    and a fill that settles a shared loss."""
    result = engine.measure_engine_gas(project, chain, test_accounts[0], test_accounts[1:7])
    aave = engine.AAVE_V3_LIQUIDATION_GAS
    table = Table(
        title=f"MarginEngine gas (receipt gas_used, 2 shared markets, 1 isolated, chain {chain.chain_id})"
    )
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
    return {"MarginEngine": {path: result.gas[path] for path in engine.PATHS}}, {}


BENCHMARKS = {"guardian": guardian_gas, "oracle": oracle_gas, "fund": fund_gas, "engine": engine_gas}


def run_gas(names) -> tuple[gas_snapshot.Figures, dict[str, int]]:
    """The named benchmarks (all when none is named), in this order, on the connected local node; returns
    the gas per contract function and the reference figures (a Safe, a plain ERC4626)."""
    from ape import accounts, chain

    # A fixed clock: the first block at FIXED_START, each later one a second after the one before (not
    # wall-clock time), so deadlines, report times and so signatures and calldata repeat exactly.
    if chain.blocks.head.timestamp < FIXED_START:
        chain.pending_timestamp = FIXED_START
    chain.provider.make_request("anvil_setBlockTimestampInterval", [1])
    figures: gas_snapshot.Figures = {}
    reference: dict[str, int] = {}
    for name in names or BENCHMARKS:
        measured, baseline = BENCHMARKS[name](chain, accounts.test_accounts)
        figures |= measured
        reference |= baseline
    return figures, reference


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
@click.option(
    "--json",
    "json_out",
    type=UserPath(dir_okay=False, path_type=Path),
    help="Also write the figures (gas per contract function, reference figures) to this file.",
)
@click.option(
    "--check",
    "check",
    type=UserPath(dir_okay=False, path_type=Path),
    help="Compare with this gas snapshot; exit 1 on a regression beyond its tolerance (make gas-check).",
)
@click.option(
    "--update-snapshot",
    "update",
    type=UserPath(dir_okay=False, path_type=Path),
    help="Rewrite this gas snapshot with the figures measured (make gas-snapshot).",
)
def cli(network, benchmarks, json_out, check, update):
    """Gas of each BENCHMARK (guardian, oracle, fund, engine; default: all) on one local Anvil."""
    require_local(network, "the benchmark")
    if (check or update) and benchmarks and set(benchmarks) != set(BENCHMARKS):
        raise click.UsageError("--check and --update-snapshot measure every benchmark: name none")
    if check:
        snapshot = read_snapshot_or_fail(check)
    figures, reference = run_gas(dict.fromkeys(benchmarks))  # once each, in the order given
    if json_out:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps({"gas": figures, "reference": reference}, indent=2) + "\n")
        console.print(f"figures written to {json_out}")
    if update:
        written = gas_snapshot.write_snapshot(figures, update)
        count = sum(len(f) for f in figures.values())
        console.print(f"{update}: {count} functions written (tolerance {written.tolerance_percent:g}%)")
    if check:
        comparison = gas_snapshot.compare(snapshot, figures)
        click.echo(comparison.report())
        if not comparison.ok:
            sys.exit(1)


def read_snapshot_or_fail(path: Path) -> gas_snapshot.Snapshot:
    """The snapshot, read before anything is measured, so a bad file is one line and exit 2."""
    try:
        return gas_snapshot.read_snapshot(path)
    except gas_snapshot.SnapshotError as err:
        raise click.UsageError(str(err)) from None
