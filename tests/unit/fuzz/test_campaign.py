"""`bulwark fuzz`: bad input is one line and exit 2; a short campaign writes a summary with its steps
and seeds; a failing machine leaves a failure file that `--replay` reproduces (exit 1)."""

import json

import pytest
from click.testing import CliRunner

from bulwark.commands.fuzz import cli
from bulwark.fuzz import campaign
from tests.unit.fuzz.failing import TARGET


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


def test_a_failure_is_written_and_replays(tmp_path, monkeypatch):
    monkeypatch.setitem(campaign.MACHINES, "wrong", TARGET)
    out = tmp_path / "run"
    result = invoke(
        "--minutes", "0.05", "--workers", "1", "--machine", "wrong", "--seed", "5", "--out", str(out),
        "--database", str(tmp_path / "db"), "--shrink-seconds", "10",
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
    summary = json.loads((out / "summary.json").read_text())
    assert summary["failures"][0]["file"] == str(path)

    replayed = invoke("--replay", str(path), "--backend", "revm")
    assert replayed.exit_code == 1, replayed.output
    assert "still fails" in replayed.output


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
