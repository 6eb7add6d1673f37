"""Mutants go into a copy, never the checkout; the runner's verdicts and the score."""

import hashlib

import pytest

from bulwark import PROJECT_ROOT
from bulwark.mutate import Mutant, MutantError, runner
from bulwark.mutate.runner import KILLED, STILLBORN, SURVIVED, Budget, Result, Workspace, run_mutant, score
from bulwark.mutate.slither import parse

MOCK = "contracts/mocks/GuardedMock.sol"
# the guarded machine's model says setValue stores the value: this breaks it
BROKEN = Mutant("broken-setter", MOCK, "value = newValue;", "value = newValue + 1;", machines=("guarded",))
# only a comment changes: nothing can kill it
HARMLESS = Mutant(
    "comment", MOCK, "// a parameter only the guardian may set", "// reworded", machines=("guarded",)
)
UNCOMPILABLE = Mutant("syntax", MOCK, "value = newValue;", "value = = newValue;", machines=("guarded",))
SMALL = Budget(examples=30, steps=20, timeout=240)


def _contracts_digest():
    digest = hashlib.sha256()
    for path in sorted((PROJECT_ROOT / "contracts").rglob("*.sol")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def test_a_snippet_missing_or_repeated_is_refused():
    with pytest.raises(MutantError, match="0 times"):
        Mutant("x", MOCK, "no such text", "y").mutated("source")
    with pytest.raises(MutantError, match="2 times"):
        Mutant("x", MOCK, "a", "b").mutated("a a")


def test_applying_a_mutant_changes_exactly_its_snippet_in_the_copy_only():
    before = _contracts_digest()
    original = (PROJECT_ROOT / MOCK).read_text()
    with Workspace() as ws:
        BROKEN.apply(ws.checkout)
        mutated = (ws.checkout / MOCK).read_text()
        assert mutated == original.replace("value = newValue;", "value = newValue + 1;") != original
        assert (ws.checkout / "contracts" / "fund" / "InsuranceFund.sol").read_text() == (
            PROJECT_ROOT / "contracts" / "fund" / "InsuranceFund.sol"
        ).read_text()
        ws.restore(MOCK)
        assert (ws.checkout / MOCK).read_text() == original
        root = ws.root
    assert not root.exists()
    assert _contracts_digest() == before


def test_the_copy_runs_its_own_bulwark_and_reads_its_own_build():
    with Workspace() as ws:
        done = ws.run(
            [runner.sys.executable, "-c", "import bulwark.chain.artifacts as a; print(a.MANIFEST)"], 120
        )
        assert done.stdout.strip() == str(ws.checkout / ".build" / "__local__.json")


def test_the_runner_kills_a_broken_mutant_spares_a_harmless_one_and_sets_aside_a_stillborn(monkeypatch):
    # GuardedMock alone is recompiled (the full compile of the real runner takes longer)
    monkeypatch.setattr(runner, "compile_command", lambda: [runner._bin("ape"), "compile", "--force", MOCK])
    before = _contracts_digest()
    with Workspace() as ws:
        killed = run_mutant(ws, BROKEN, SMALL)
        spared = run_mutant(ws, HARMLESS, SMALL)
        stillborn = run_mutant(ws, UNCOMPILABLE, SMALL)
    assert (killed.result, killed.killed_by) == (KILLED, "machine:guarded")
    assert (spared.result, spared.killed_by) == (SURVIVED, "")
    assert stillborn.result == STILLBORN
    assert _contracts_digest() == before


def test_the_score_leaves_out_stillborn_and_equivalent_mutants():
    results = [
        Result("a", "f", KILLED),
        Result("b", "f", KILLED),
        Result("c", "f", SURVIVED),
        Result("d", "f", SURVIVED, equivalent="no observable difference"),
        Result("e", "f", STILLBORN),
    ]
    counts = score(results)
    assert counts == {
        "killed": 2,
        "survived": 1,
        "equivalent": 1,
        "stillborn": 1,
        "error": 0,
        "kill_rate": 0.6667,
    }
    assert score([])["kill_rate"] is None


def test_slither_mutate_verdicts_are_parsed():
    log = "\n".join(
        [
            "INFO:Slither-Mutate:[ROR] Line 48: 'a < b' ==> 'a > b' --> CAUGHT",
            "INFO:Slither-Mutate:[LOR] Line 57: 'x || y' ==> 'x && y' --> UNCAUGHT",
            "INFO:Slither-Mutate:[ROR] Line 9: 'a' ==> 'b' --> COMPILATION FAILURE",
            "INFO:Slither-Mutate:Mutator ROR found 1 caught",
        ]
    )
    results = parse(log, "contracts/governance/Guarded.sol", "guarded")
    assert [(r.result, r.killed_by, r.source) for r in results] == [
        (KILLED, "machine:guarded", "slither"),
        (SURVIVED, "", "slither"),
        (STILLBORN, "", "slither"),
    ]
    assert results[0].name == "slither:ROR:48:a > b"


@pytest.mark.parametrize(
    "args", [["--mutants", "no-such-mutant"], ["--slither", "contracts/oracle/MedianOracle.sol"]]
)
def test_the_command_refuses_unknown_mutants_and_slither_targets_before_running_anything(args):
    from click.testing import CliRunner

    from bulwark.commands.mutate import cli

    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert "Invalid value" in result.output
