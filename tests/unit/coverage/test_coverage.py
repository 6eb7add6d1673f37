"""Coverage (bulwark.coverage) on the real lane: known calls hit known lines and branches, both backends
collect the same hits, tracing changes no result and prints nothing, lcov.info adds up, a campaign with
--coverage writes its section, and a build out of step with the maps is one clear error."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from bulwark import PROJECT_ROOT
from bulwark.chain import connect
from bulwark.chain.artifacts import MANIFEST
from bulwark.commands.fuzz import cli
from bulwark.coverage.report import build_report, compact_ranges, write_lcov
from bulwark.coverage.sourcemap import (
    CoverageError,
    build_source_maps,
    compiled_output,
    decode_source_map,
    instruction_pcs,
)
from bulwark.coverage.trace import CoverageCollector

GUARDED = "contracts/governance/Guarded.sol"
GUARDED_MOCK = "contracts/mocks/GuardedMock.sol"
PLAIN_VAULT = "contracts/mocks/PlainERC4626.sol"
TOKEN = "contracts/mocks/MockERC20.sol"


def line_of(path: str, text: str) -> int:
    """The 1-based line of the one line of `path` that contains `text`."""
    found = [n for n, line in enumerate((PROJECT_ROOT / path).read_text().splitlines(), 1) if text in line]
    assert len(found) == 1, f"{text!r} is on lines {found} of {path}"
    return found[0]


def guarded_calls(backend: str, *callers: int) -> CoverageCollector:
    """Deploy GuardedMock (guardian: account 0) and call setValue from each of `callers`, traced."""
    collector = CoverageCollector()
    with connect(backend, coverage=collector) as chain:
        a = chain.accounts
        mock = chain.deploy("GuardedMock", a[0], sender=a[0])
        for caller in callers:
            mock.setValue.attempt(7, sender=a[caller])
    return collector


@pytest.fixture(scope="module")
def guardian_only():
    return build_report(guarded_calls("revm", 0))


def test_known_calls_hit_their_lines_and_not_others(guardian_only):
    guarded, mock = guardian_only.files[GUARDED], guardian_only.files[GUARDED_MOCK]
    assert line_of(GUARDED, "if (msg.sender != GUARDIAN) revert") in guarded.hit_lines
    for text in ("uint256 previous = value;", "value = newValue;", "emit ValueUpdated(previous, newValue);"):
        assert line_of(GUARDED_MOCK, text) in mock.hit_lines
    never = line_of(GUARDED_MOCK, "alphaCalls += 1;")  # alpha() was not called
    assert never in mock.lines and never not in mock.hit_lines
    # the setPause body is code, and no transaction ran it
    pause_check = line_of(GUARDED, "if (scopes == 0 || scopes & ~known != 0)")
    assert pause_check in guarded.lines and pause_check in guarded.missed_lines
    # getters are read by eth_call only, which is not traced
    assert line_of(GUARDED, "address public immutable GUARDIAN;") in guarded.missed_lines
    assert guardian_only.files[GUARDED_MOCK].mock and not guarded.mock
    assert guardian_only.to_dict()["contracts_reached"] == ["GuardedMock"]


def _modifier_branches(report) -> list[tuple]:
    line = line_of(GUARDED, "if (msg.sender != GUARDIAN) revert")
    return [b for b in report.files[GUARDED].branches if b[0] == line]


def test_a_one_sided_jumpi_counts_one_of_two_branches(guardian_only):
    branches = _modifier_branches(guardian_only)
    ran = {}
    for _, block, _, taken in branches:
        ran.setdefault(block, []).append(taken)
    executed = [outcomes for outcomes in ran.values() if None not in outcomes]
    assert len(executed) == 1, ran  # only setValue's copy of onlyGuardian ran
    assert sorted(executed[0]) == [False, True]  # the guardian passed: one way out of two
    assert all(outcomes == [None, None] for outcomes in ran.values() if outcomes is not executed[0])


def test_both_sides_of_the_jumpi_once_a_stranger_calls_too():
    report = build_report(guarded_calls("revm", 0, 5))
    outcomes = [taken for *_, taken in _modifier_branches(report) if taken is not None]
    assert sorted(outcomes) == [True, True]
    assert report.files[GUARDED].branches_hit == 2  # no other decision in Guarded.sol ran


def vault_deposit(backend: str) -> CoverageCollector:
    """A vault deposit, traced alone (the setup is traced, then forgotten): the vault calls the token."""
    collector = CoverageCollector()
    with connect(backend, coverage=collector) as chain:
        a = chain.accounts
        token = chain.deploy("MockERC20", "T", "T", 6, sender=a[0])
        vault = chain.deploy("PlainERC4626", token.address, sender=a[0])
        token.mint.transact(a[1], 10**6, sender=a[0])
        token.approve.transact(vault.address, 10**6, sender=a[1])
        collector.hits.clear()
        vault.deposit.transact(10**6, a[1], sender=a[1])
    return collector


def test_a_nested_call_is_covered_in_the_callee():
    """The deposit CALLs and STATICCALLs the token: its code is covered though no transaction went to it."""
    collector = vault_deposit("revm")
    report = build_report(collector)
    assert collector.transactions == 5 and len(collector.hits) == 2
    assert line_of(TOKEN, "contract MockERC20 is ERC20") in report.files[TOKEN].hit_lines
    assert line_of(TOKEN, "_mint(to, amount);") not in report.files[TOKEN].hit_lines
    assert line_of(PLAIN_VAULT, "return 6;") in report.files[PLAIN_VAULT].hit_lines


def test_both_backends_collect_the_same_hits():
    """revm reads call targets from the stack, Anvil from its callTracer: the same hits either way."""
    revm, anvil = guarded_calls("revm", 0, 5, 0), guarded_calls("anvil", 0, 5, 0)
    assert revm.to_payload() == anvil.to_payload()
    assert revm.transactions == 4
    nested_revm, nested_anvil = vault_deposit("revm"), vault_deposit("anvil")
    assert len(nested_revm.hits) == 2
    assert nested_revm.to_payload() == nested_anvil.to_payload()


def _receipts(collector):
    with connect("revm", coverage=collector) as chain:
        a = chain.accounts
        mock = chain.deploy("GuardedMock", a[0], sender=a[0])
        receipts = [mock.setValue.attempt(n, sender=a[n % 2]) for n in range(4)]
        return [(r.status, r.gas_used, r.logs, r.output, r.error) for r in receipts], chain.evm.tracing


def test_tracing_changes_no_result_and_prints_nothing(capfd):
    untraced, tracing_after_plain = _receipts(None)
    plain_output = capfd.readouterr()
    traced, tracing_after_traced = _receipts(CoverageCollector())
    traced_output = capfd.readouterr()
    assert traced == untraced
    assert tracing_after_plain is False and tracing_after_traced is False
    assert plain_output.out == "" and plain_output.err == ""
    assert traced_output.out == ""  # the tracer's lines went to the collector, not to stdout


def test_lcov_parses_with_the_report_totals(guardian_only, tmp_path):
    path = write_lcov(guardian_only, tmp_path / "lcov.info")
    records, current = {}, None
    for line in path.read_text().splitlines():
        key, _, value = line.partition(":")
        if key == "SF":
            current = records[value] = {"DA": [], "BRDA": []}
        elif key in ("DA", "BRDA"):
            current[key].append(value.split(","))
        elif key in ("LF", "LH", "BRF", "BRH"):
            current[key] = int(value)
        elif key == "end_of_record":
            current = None
    assert GUARDED_MOCK not in records  # mocks are left out
    assert set(records) == {f for f, c in guardian_only.files.items() if not c.mock}
    for record in records.values():
        assert record["LF"] == len(record["DA"])
        assert record["LH"] == sum(1 for _, count in record["DA"] if count != "0")
        assert record["BRF"] == len(record["BRDA"])
        assert record["BRH"] == sum(1 for *_, taken in record["BRDA"] if taken not in ("0", "-"))
    totals = guardian_only.totals()
    assert sum(r["LF"] for r in records.values()) == totals["lines"]
    assert sum(r["LH"] for r in records.values()) == totals["lines_hit"] > 0
    assert sum(r["BRF"] for r in records.values()) == totals["branches"] == 16
    assert sum(r["BRH"] for r in records.values()) == totals["branches_hit"] == 1


@pytest.mark.parametrize("backend_args", [[], ["--backend", "revm"]])
def test_a_campaign_with_coverage_writes_the_section(tmp_path, backend_args):
    out = tmp_path / "run"
    result = CliRunner().invoke(
        cli,
        ["--minutes", "0.02", "--workers", "1", "--machine", "guarded", "--seed", "3", "--no-database",
         "--steps", "5", "--examples", "2", "--out", str(out), "--coverage", *backend_args],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["backend"] == ("revm" if backend_args else "anvil")  # anvil unless asked
    section = summary["coverage"]
    assert section["workers_reporting"] == 1 and section["transactions"] > 0
    files = {f["file"]: f for f in section["files"]}
    assert files[GUARDED]["lines_hit"] > 0 and files[GUARDED]["branches"] == 16
    assert files[GUARDED_MOCK]["mock"] is True
    lcov = (out / "coverage" / "lcov.info").read_text()
    assert f"SF:{GUARDED}" in lcov and GUARDED_MOCK not in lcov
    markdown = (out / "summary.md").read_text()
    assert "## Coverage" in markdown and f"| {GUARDED} |" in markdown
    assert "coverage (mocks excluded): lines" in result.output


def test_a_build_out_of_step_with_the_maps_is_one_error(tmp_path):
    manifest = json.loads(MANIFEST.read_text())
    runtime = manifest["contractTypes"]["MockERC20"]["runtimeBytecode"]
    assert runtime["bytecode"].startswith("0x6080")
    runtime["bytecode"] = "0x6081" + runtime["bytecode"][6:]  # PUSH1 0x81: other code
    stale = tmp_path / "__local__.json"
    stale.write_text(json.dumps(manifest))
    with pytest.raises(CoverageError, match=r"runtime code of MockERC20 .* run `ape compile`"):
        build_source_maps(compiled_output(), stale)


def test_source_map_fields_inherit_and_pushes_skip_their_immediates():
    assert decode_source_map("1:2:0:-;;3::1:i;:4") == [
        (1, 2, 0, "-"), (1, 2, 0, "-"), (3, 2, 1, "i"), (3, 4, 1, "i"),
    ]  # fmt: skip
    # PUSH1 0x80, PUSH2 0x0102, JUMPI, PUSH32 <32 bytes>, STOP
    code = bytes([0x60, 0x80, 0x61, 1, 2, 0x57, 0x7F, *range(32), 0x00])
    assert instruction_pcs(code) == [(0, 0x60), (2, 0x61), (5, 0x57), (6, 0x7F), (39, 0x00)]


def test_never_hit_lines_are_compact_ranges():
    assert compact_ranges([3, 4, 7, 9, 12], hit={8, 11}) == "3-7, 9, 12"
    assert compact_ranges([], hit={1}) == ""
