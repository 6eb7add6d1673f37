"""`bulwark bench gas` as `make bench` and `make gas-check` run it: the tables and nothing from the
frameworks underneath, the figures as JSON, and the same figures on a second run of the same code."""

import json
import subprocess

from bulwark import PROJECT_ROOT
from bulwark.bench.fund import BASELINE_DEPOSIT, BASELINE_REDEEM
from bulwark.bench.fund import PATHS as FUND_PATHS

BULWARK = PROJECT_ROOT / ".venv" / "bin" / "bulwark"


def bench(out) -> subprocess.CompletedProcess:
    """The oracle's figures move with the clock (report times and so signatures are calldata) unless
    the bench fixes it; the fund's carry the reference figures."""
    return subprocess.run(
        [str(BULWARK), "bench", "gas", "oracle", "fund", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_bench_gas_prints_only_its_tables_and_writes_the_same_figures_twice(tmp_path):
    """Ape logs the node's start and every deployment and confirmation at INFO/SUCCESS; none of it may
    reach the output. The node's clock is fixed, so two runs measure identical gas."""
    first, second = bench(tmp_path / "first.json"), bench(tmp_path / "second.json")
    for run in (first, second):
        assert run.returncode == 0, run.stderr
        lines = (run.stdout + run.stderr).splitlines()
        assert not [line for line in lines if line.startswith(("INFO:", "SUCCESS:", "WARNING:"))], lines
        assert "InsuranceFund gas (receipt gas_used" in run.stdout
        assert "MedianOracle.poke gas (receipt gas_used" in run.stdout
    figures = json.loads((tmp_path / "first.json").read_text())
    assert set(figures["gas"]) == {"MedianOracle", "InsuranceFund"}
    oracle = figures["gas"]["MedianOracle"]
    assert oracle["poke: 13 reports"] > oracle["poke: 3 reports"]
    assert set(figures["gas"]["InsuranceFund"]) == set(FUND_PATHS)
    assert {BASELINE_DEPOSIT, BASELINE_REDEEM} <= set(figures["reference"])
    assert all(gas > 21_000 for gas in figures["gas"]["InsuranceFund"].values())
    assert json.loads((tmp_path / "second.json").read_text()) == figures


def test_no_revert_traces_silences_only_inside_the_block_and_restores_after_an_exception():
    """Ape's trace printer and logger are off inside the block and back afterwards, also after an
    exception raised inside it."""
    from ape.logging import logger
    from ape_ethereum.trace import Trace

    from bulwark.bench import quiet

    show, level = Trace.show, logger.level
    try:
        with quiet.no_revert_traces():
            assert Trace.show is not show and logger.level == logger.DISABLE_LEVEL
            raise RuntimeError("inside")
    except RuntimeError:
        pass
    assert Trace.show is show and logger.level == level


def test_the_ape_row_of_the_lane_bench_prints_no_call_traces(project, accounts, capfd):
    """Ape prints a call trace and an ERROR line for each reverted transfer it sends; the row's
    reverted figure still comes from real reverted transactions."""
    from bulwark.bench import lane

    row = lane.measure_ape(project, accounts)
    out, err = capfd.readouterr()
    assert "Call trace for" not in out + err and "ERROR:" not in out + err, (out + err)[-500:]
    assert row.accepted_per_s > 0 and row.reverted_per_s > 0
