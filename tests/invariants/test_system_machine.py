"""SystemMachine (bulwark/fuzz/machines/system/): the whole suite from params/local.json, every actor,
every invariant ID (after every step, on the attempt that shows it, or at each example's end: the
machine's docstring says which); on revm at the profile's volume and on Anvil at its slice."""

import json

import pytest

from bulwark import PROJECT_ROOT
from bulwark.fuzz.machines.system import DEFAULT_PARAMS, SystemMachine
from bulwark.fuzz.profiles import machine_settings
from bulwark.params import ParamsError

TestSystemOnRevm = SystemMachine.test_case("revm", machine_settings("revm"))
TestSystemOnAnvil = SystemMachine.test_case("anvil", machine_settings("anvil"))


def test_the_default_parameter_file_is_params_local_json():
    assert DEFAULT_PARAMS == PROJECT_ROOT / "params" / "local.json"
    assert SystemMachine.params_path == DEFAULT_PARAMS


def test_with_params_gives_a_machine_class_of_its_own_over_that_file(tmp_path):
    raw = json.loads(DEFAULT_PARAMS.read_text())
    raw["fund"]["max_outflow"] = 10_000
    path = tmp_path / "team.json"
    path.write_text(json.dumps(raw))
    machine = SystemMachine.with_params(path)
    assert issubclass(machine, SystemMachine) and machine is not SystemMachine
    assert machine.params_path == path and SystemMachine.params_path == DEFAULT_PARAMS
    assert machine.on("revm")._machine is machine  # its own deployment key (LaneMachine keys per class)


def test_with_params_refuses_a_file_that_fails_validation(tmp_path):
    raw = json.loads(DEFAULT_PARAMS.read_text())
    raw["guardian"]["threshold"] = 9
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(raw))
    with pytest.raises(ParamsError, match=r"bad\.json"):
        SystemMachine.with_params(path)
    with pytest.raises(ParamsError, match="no such file"):
        SystemMachine.with_params(tmp_path / "missing.json")
