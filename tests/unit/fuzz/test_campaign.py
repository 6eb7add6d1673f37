"""`bulwark fuzz`: bad input is one line and exit 2; a short campaign writes a summary with its steps
and seeds; a failing machine leaves a failure file that `--replay` reproduces (exit 1)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from bulwark import PROJECT_ROOT
from bulwark.commands.fuzz import _table, cli
from bulwark.fuzz import campaign
from tests.unit.fuzz.failing import PARAMS_TARGET, TARGET

LOCAL = PROJECT_ROOT / "params" / "local.json"
BULWARK = Path(sys.executable).parent / "bulwark"  # the console script installed beside this Python


def invoke(*args):
    return CliRunner().invoke(cli, list(args))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--machine", "nosuch"], "unknown machine 'nosuch'"),
        (["--backend", "geth"], "'geth' is not one of 'anvil', 'revm'"),
        (["--workers", "0"], "0 is not in the range x>=1"),
        (["--minutes", "0"], "0 is not in the range x>0"),
        (["--machine", "guarded", "--params", "params/local.json"], "does not deploy from a parameter file"),
    ],
)
def test_bad_input_is_one_usage_line_and_exit_2(args, message):
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_seeds_derive_from_the_campaign_seed_and_differ_per_worker():
    config = campaign.CampaignConfig(0.1, 3, "revm", ["guarded"], seed=7, out=None)
    seeds = config.worker_seeds()
    assert seeds == [campaign.derive_seed(7, i) for i in range(3)]
    assert len(set(seeds)) == 3
    assert campaign.derive_seed(7, 0) != campaign.derive_seed(8, 0)


def test_a_short_campaign_writes_its_summary(tmp_path):
    out = tmp_path / "run"
    result = invoke(
        "--minutes", "0.05", "--workers", "1", "--machine", "guarded", "--backend", "revm",
        "--seed", "11", "--out", str(out), "--no-database",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["steps"] > 0
    assert summary["campaign_seed"] == 11
    assert summary["per_worker"][0]["seed"] == campaign.derive_seed(11, 0)
    assert summary["backend"] == "revm" and summary["machines"] == ["guarded"]
    assert sum(summary["rules"].values()) >= summary["steps"]  # every step ran a rule
    assert set(summary["rules"]) <= {"time_passes", "set_value", "set_pause", "call_scoped_entry_point"}
    assert "GuardedNotGuardian" in summary["custom_errors"]
    assert summary["failures"] == []
    assert "| rule | calls |" in (out / "summary.md").read_text()


@pytest.mark.parametrize("shrink_seconds", ["0", "10"])
def test_a_failure_is_written_and_replays(tmp_path, monkeypatch, shrink_seconds):
    """Fully shrunk, or stopped by the time box at once (0 s): the failure file replays either way."""
    monkeypatch.setitem(campaign.MACHINES, "wrong", TARGET)
    out = tmp_path / "run"
    result = invoke(
        "--minutes", "0.05", "--workers", "1", "--machine", "wrong", "--seed", "5", "--out", str(out),
        "--database", str(tmp_path / "db"), "--shrink-seconds", shrink_seconds,
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    (path,) = (out / "failures").glob("*.json")
    assert f"bulwark fuzz --replay {path}" in " ".join(result.output.split())
    failure = json.loads(path.read_text())
    assert failure["machine"] == "wrong" and failure["backend"] == "revm"
    assert failure["seed"] == campaign.derive_seed(campaign.derive_seed(5, 0), failure["run"])
    assert failure["blob"] and failure["blob_version"]
    assert any("call_scoped_entry_point" in step for step in failure["steps"])
    assert "alpha was called twice" in failure["error"]
    assert failure["params_sha256"] is None
    assert failure["shrink_complete"] is (shrink_seconds != "0")
    assert any((tmp_path / "db").iterdir())  # the failure is in the example database too
    summary = json.loads((out / "summary.json").read_text())
    assert summary["failures"][0]["file"] == str(path)

    replayed = invoke("--replay", str(path), "--backend", "revm")
    assert replayed.exit_code == 1, replayed.output
    assert "still fails" in replayed.output
    if shrink_seconds == "10":  # the printed command as it is, from another directory
        command = [str(BULWARK), *campaign.REPLAY_COMMAND.format(path=path).split()[1:]]
        run = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert run.returncode == 1, run.stdout + run.stderr
        assert "still fails on revm: AssertionError: alpha was called twice" in run.stdout


def test_a_replay_file_that_is_not_a_failure_is_a_usage_error(tmp_path):
    path = tmp_path / "empty.json"
    path.write_text("{}")
    result = invoke("--replay", str(path))
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--replay'" in result.output


def test_a_fixed_failure_replays_clean(tmp_path):
    """The same failure file against the correct machine: the blob no longer fails, exit 0."""
    failing = campaign.counted(
        campaign.load_machine("wrong", {"wrong": TARGET}).on("revm"), "wrong", campaign.Tally()
    )
    outcome = campaign.run_once(
        failing, name="wrong", backend="revm", run_seed=3, examples=50, steps=None, database=None
    )
    assert outcome.failure is not None
    fixed = {**outcome.failure, "machine": "guarded", "target": campaign.MACHINES["guarded"]}
    path = tmp_path / "fixed.json"
    path.write_text(json.dumps(fixed))
    assert campaign.replay(path).failed is False
    result = invoke("--replay", str(path))
    assert result.exit_code == 0, result.output
    assert "no longer fails" in result.output


def test_params_go_to_a_machine_that_takes_them_and_their_hash_is_recorded(tmp_path, monkeypatch):
    monkeypatch.setitem(campaign.MACHINES, "with-params", PARAMS_TARGET)
    out = tmp_path / "run"
    result = invoke(
        "--minutes", "0.03", "--workers", "1", "--machine", "with-params", "--params", str(LOCAL),
        "--out", str(out), "--no-database",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["steps"] > 0
    assert summary["params_sha256"] == campaign.sha256_file(LOCAL)


def test_a_parameter_file_that_fails_validation_is_refused(tmp_path, monkeypatch):
    monkeypatch.setitem(campaign.MACHINES, "with-params", PARAMS_TARGET)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"markets": []}))
    result = invoke("--machine", "with-params", "--params", str(bad))
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--params'" in result.output


def test_a_registered_machine_whose_module_is_absent_is_left_out_and_refused_by_name(monkeypatch):
    """A machine named in the registry whose module is missing (a typo, or a branch not merged yet)."""
    monkeypatch.setitem(campaign.MACHINES, "ghost", "bulwark.fuzz.machines.ghost:GhostMachine")
    assert "ghost" not in campaign.available_machines()
    assert {"engine", "oracle", "fund6", "fund18", "guardian", "guarded"} <= set(
        campaign.available_machines()
    )
    result = invoke("--machine", "ghost")
    assert result.exit_code == 2, result.output
    assert "machine 'ghost' is not available (bulwark.fuzz.machines.ghost does not exist)" in result.output


def test_the_live_table_has_a_row_per_worker_and_the_totals():
    states = [
        campaign.WorkerState(0, 11, steps=300, examples=10, invariant_checks=1200, started=0.0, updated=3.0),
        campaign.WorkerState(
            1, 22, steps=100, examples=5, invariant_checks=400, failures=1, started=0.0, updated=1.0
        ),
    ]
    console = Console(record=True, width=130)
    console.print(_table(states, 3.0, 1.0))
    text = console.export_text()
    rows = {line.split("│")[1].strip(): line for line in text.splitlines() if line.count("│") > 2}
    assert set(rows) >= {"0", "1", "all"}
    assert " 400 " in rows["all"] and " 200 " in rows["all"]  # 400 steps; 100/s + 100/s
    assert " 1,600 " in rows["all"] and "running" in rows["0"]


def test_a_replay_against_another_parameter_file_than_recorded_is_refused(tmp_path):
    """A CI failure replayed where params/local.json has changed (or is absent) would replay something
    else: one line naming the file and both hashes, exit 2, before anything runs."""
    params = tmp_path / "team.json"
    params.write_text(LOCAL.read_text())
    failure = {"machine": "system", "backend": "revm", "seed": 1, "params": str(params),
               "params_sha256": "ab" * 32}  # fmt: skip
    path = tmp_path / "failure.json"
    path.write_text(json.dumps(failure))
    result = invoke("--replay", str(path))
    assert result.exit_code == 2, result.output
    assert f"the parameter file {params} is not the one the failure ran against" in " ".join(
        result.output.split()
    )
    assert "abababababab recorded" in result.output
    path.write_text(json.dumps({**failure, "params": str(tmp_path / "gone.json")}))
    result = invoke("--replay", str(path))
    assert result.exit_code == 2 and "does not exist here: pass --params" in " ".join(result.output.split())
