"""The `bulwark` command line: one group over demo, simulate, walk, deploy and bench; bad input is one
line and a non-zero exit, before any node starts, never a traceback."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from bulwark.cli import cli

BULWARK = Path(sys.executable).parent / "bulwark"  # the console script installed beside this Python


@pytest.fixture
def bad_params(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"markets": []}))
    return path


def invoke(*args):
    return CliRunner().invoke(cli, list(args))


def test_help_lists_the_demo_simulate_walk_deploy_and_bench_commands():
    """`bulwark --help` names every subcommand, and `bulwark bench --help` names `gas`."""
    result = invoke("--help")
    assert result.exit_code == 0, result.output
    commands = result.output.split("Commands:")[1].split()
    assert {"demo", "simulate", "walk", "deploy", "bench", "monitor", "drill"} <= set(commands)
    assert "gas" in invoke("bench", "--help").output


def test_an_unknown_subcommand_is_a_usage_error():
    result = invoke("frobnicate")
    assert result.exit_code == 2
    assert "No such command 'frobnicate'" in result.output


def test_a_bad_parameter_file_is_refused_while_parsing_arguments(bad_params):
    """deploy and walk validate --params before connecting to anything."""
    for command in ("deploy", "walk"):
        result = invoke(command, "--params", str(bad_params))
        assert result.exit_code == 2, result.output
        assert "Invalid value for '--params'" in result.output
        assert f"{bad_params}: " in result.output


def test_a_missing_parameter_file_is_a_usage_error(tmp_path):
    result = invoke("deploy", "--params", str(tmp_path / "none.json"))
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_an_unknown_benchmark_is_a_usage_error():
    result = invoke("bench", "gas", "lending")
    assert result.exit_code == 2
    assert "'lending' is not one of 'guardian', 'oracle', 'fund', 'engine'" in result.output


@pytest.mark.parametrize("command", [["walk"], ["bench", "gas"]])
def test_local_only_commands_refuse_a_live_network_before_connecting(command):
    """The walk and the benchmarks move the node's clock: a live network is refused while parsing."""
    result = invoke(*command, "--network", "ethereum:sepolia:node")
    assert result.exit_code == 2, result.output
    assert "moves the node's clock, so it runs only locally" in result.output


def test_the_installed_script_reports_a_bad_parameter_file_in_one_line(bad_params, tmp_path):
    """The real console script, from another directory with a relative path: exit 2, one line on stderr."""
    out = subprocess.run(
        [str(BULWARK), "deploy", "--params", bad_params.name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 2, out.stderr
    assert "Traceback" not in out.stdout + out.stderr
    [line] = out.stderr.strip().splitlines()
    assert line.startswith(f"Error: Invalid value for '--params': {bad_params}: ")
    assert out.stdout == ""


def test_demo_and_simulate_refuse_a_bad_scenario_while_parsing_arguments(tmp_path):
    """A scenario that does not validate is a usage error naming the field, before any node starts."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\n")
    for command in ("demo", "simulate"):
        result = invoke(command, "--scenario", str(bad))
        assert result.exit_code == 2, result.output
        assert "Invalid value for '--scenario'" in result.output
        assert "bad.yaml: description: Field required" in result.output
