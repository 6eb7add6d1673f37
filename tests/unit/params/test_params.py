"""Parameter files: validated before anything is deployed, bad ones reported in one line."""

import json
import subprocess

import pytest

from bulwark import PROJECT_ROOT
from bulwark.params import ParamsError, load_params

LOCAL = PROJECT_ROOT / "params" / "local.json"


def write(tmp_path, data) -> str:
    path = tmp_path / "params.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


def test_the_shipped_local_parameters_load():
    """The demo's own file is valid."""
    params = load_params(LOCAL)
    assert params.collateral.deploy_mock
    assert params.collateral.decimals == 6


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda p: p["collateral"].update(decimals=19), "collateral.decimals: Input should be less than"),
        (lambda p: p["collateral"].update(address="0x" + "11" * 20), "give either deploy_mock"),
        (lambda p: p.update(surprise=1), "surprise: Extra inputs are not permitted"),
        (lambda p: p.pop("pause"), "pause: Field required"),
        (lambda p: p["pause"].update(demo_duration=0), "pause.demo_duration: Input should be greater"),
        (
            lambda p: p["guardian"].update(threshold=6),
            "guardian: Value error, threshold 6 exceeds the 5 signers",
        ),
        (lambda p: p["guardian"].update(delay=60), "guardian: Value error, delay 60 outside [min_delay 3600"),
        (lambda p: p["guardian"].update(signers=["0x" + "22" * 20]), "give either signers"),
    ],
)
def test_invalid_parameters_are_named_in_one_line(tmp_path, mutate, expected):
    """Each problem names the file and the field, on a single line."""
    data = json.loads(LOCAL.read_text())
    mutate(data)
    path = write(tmp_path, data)
    with pytest.raises(ParamsError) as err:
        load_params(path)
    message = str(err.value)
    assert message.startswith(str(path))
    assert expected in message
    assert "\n" not in message


def test_malformed_json_is_reported_with_its_line(tmp_path):
    """A syntax error says where it is."""
    path = write(tmp_path, '{\n  "collateral": {,\n}')
    with pytest.raises(ParamsError, match=r"not valid JSON \(line 2"):
        load_params(path)


def test_demo_refuses_a_bad_parameter_file_before_starting_a_node(tmp_path):
    """The CLI exits non-zero and names the problem; nothing is deployed."""
    path = write(tmp_path, "[]")
    out = subprocess.run(
        ["ape", "run", "demo", "--params", str(path)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode != 0
    errors = [line for line in out.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1
    assert str(path) in errors[0]
    assert "Input should be a valid dictionary" in errors[0]
    assert "Starting" not in out.stdout + out.stderr  # no Anvil was launched
