"""The gas snapshot check: a rise beyond the tolerance fails with old, new and the change; a rise within
it passes; a fall beyond it is reported and passes; functions added or gone fail until the snapshot is
rewritten; the committed snapshot is well-formed."""

import json

import pytest

from bulwark.bench.snapshot import (
    SNAPSHOT,
    UPDATE_COMMAND,
    Snapshot,
    SnapshotError,
    compare,
    read_snapshot,
    write_snapshot,
)

BASE = Snapshot(
    2.0, {"MarginEngine": {"deposit": 100_000, "withdraw": 50_000}, "MedianOracle": {"poke": 80_000}}
)


def measured(**changes) -> dict[str, dict[str, int]]:
    figures = {c: dict(f) for c, f in BASE.gas.items()}
    for key, gas in changes.items():
        contract, function = key.split("__")
        figures.setdefault(contract, {})[function] = gas
    return figures


def test_identical_figures_pass_as_unchanged():
    """The same code gives the same gas: nothing to report."""
    result = compare(BASE, measured())
    assert result.ok and result.unchanged == 3
    assert not (result.regressions or result.improvements or result.within)
    assert "gas check passed: 3 functions compared, 3 unchanged" in result.report()


def test_a_rise_beyond_the_tolerance_fails_with_old_new_and_percent():
    """2,001 gas more on 100,000 is 2.001% > 2%: a regression, and the report says how to update."""
    result = compare(BASE, measured(MarginEngine__deposit=102_001))
    assert not result.ok
    [change] = result.regressions
    assert (change.old, change.new) == (100_000, 102_001)
    assert change.percent == pytest.approx(2.001)
    report = result.report()
    assert "MarginEngine.deposit: 100,000 -> 102,001 (+2,001 gas, +2.00%)" in report
    assert "gas check FAILED" in report
    assert f"run `{UPDATE_COMMAND}` to update gas-snapshot.json" in report


def test_a_rise_up_to_the_tolerance_passes_and_is_listed():
    """Exactly +2% is within a 2% tolerance."""
    result = compare(BASE, measured(MarginEngine__deposit=102_000, MedianOracle__poke=80_001))
    assert result.ok
    assert {(c.function, c.new) for c in result.within} == {("deposit", 102_000), ("poke", 80_001)}
    assert "changed within the 2% tolerance" in result.report()
    assert UPDATE_COMMAND + "` to update" not in result.report()


def test_a_fall_beyond_the_tolerance_is_reported_as_an_improvement_and_passes():
    result = compare(BASE, measured(MarginEngine__withdraw=40_000))
    assert result.ok
    [change] = result.improvements
    assert change.percent == pytest.approx(-20.0)
    assert "gas improvements beyond the 2% tolerance" in result.report()
    assert "MarginEngine.withdraw: 50,000 -> 40,000 (-10,000 gas, -20.00%)" in result.report()


def test_a_function_missing_from_the_snapshot_fails():
    """A newly benchmarked function must be recorded, or later regressions in it would go unseen."""
    result = compare(BASE, measured(InsuranceFund__cover=60_000, MarginEngine__liquidate=150_000))
    assert not result.ok
    assert result.added == [("InsuranceFund", "cover", 60_000), ("MarginEngine", "liquidate", 150_000)]
    assert "measured but not in the snapshot" in result.report()


def test_a_function_no_longer_measured_fails():
    figures = measured()
    del figures["MedianOracle"]
    result = compare(BASE, figures)
    assert not result.ok
    assert result.removed == [("MedianOracle", "poke", 80_000)]
    assert "in the snapshot but no longer measured" in result.report()


def test_the_tolerance_is_the_snapshots_own():
    """A snapshot with a 10% tolerance lets +5% through; one with 0% fails on +1 gas."""
    loose = Snapshot(10.0, BASE.gas)
    strict = Snapshot(0.0, BASE.gas)
    assert compare(loose, measured(MarginEngine__deposit=105_000)).ok
    assert not compare(strict, measured(MarginEngine__deposit=100_001)).ok


def test_rewriting_keeps_the_tolerance_and_reads_back(tmp_path):
    path = tmp_path / "gas-snapshot.json"
    path.write_text(json.dumps({"tolerance_percent": 3, "gas": {"X": {"f": 1}}}))
    written = write_snapshot(measured(), path)
    assert written.tolerance_percent == 3.0
    again = read_snapshot(path)
    assert again == Snapshot(3.0, BASE.gas)
    assert compare(again, measured()).ok


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        json.dumps({"gas": {}}),
        json.dumps({"tolerance_percent": -1, "gas": {}}),
        json.dumps({"tolerance_percent": 2, "gas": {"X": {"f": "1000"}}}),
        json.dumps({"tolerance_percent": 2, "gas": {"X": {"f": 0}}}),
    ],
)
def test_a_malformed_snapshot_is_refused(tmp_path, content):
    path = tmp_path / "gas-snapshot.json"
    path.write_text(content)
    with pytest.raises(SnapshotError):
        read_snapshot(path)


def test_a_missing_snapshot_names_the_command_that_writes_it(tmp_path):
    with pytest.raises(SnapshotError, match="make gas-snapshot"):
        read_snapshot(tmp_path / "absent.json")


def test_the_committed_snapshot_covers_the_four_contracts_with_a_two_percent_tolerance():
    snapshot = read_snapshot(SNAPSHOT)
    assert snapshot.tolerance_percent == 2.0
    assert set(snapshot.gas) == {"PauseGuardian", "MedianOracle", "InsuranceFund", "MarginEngine"}
    assert all(len(functions) >= 5 for functions in snapshot.gas.values())
