"""Scenario files: every shipped one loads, and a bad one fails in one line naming the field."""

from pathlib import Path

import pytest
import yaml

from bulwark import PROJECT_ROOT
from bulwark.sim.scenario import ScenarioError, load_scenario, parse_scenario, suite_params

SCENARIOS = sorted((PROJECT_ROOT / "scenarios").glob("*.yaml"))
BASE = yaml.safe_load((PROJECT_ROOT / "scenarios" / "compound-dai-2020.yaml").read_text())


def with_change(path: str, value):
    """BASE with the dotted `path` set to `value` (or removed when value is ...)."""
    data = yaml.safe_load(yaml.safe_dump(BASE))
    *parents, last = path.split(".")
    node = data
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if value is ...:
        del node[last]
    else:
        node[last] = value
    return data


def test_the_shipped_scenarios_load_with_their_parameters():
    assert len(SCENARIOS) >= 8, SCENARIOS
    for path in SCENARIOS:
        scenario, digest = load_scenario(path)
        params = suite_params(scenario)
        assert scenario.name == path.stem, f"{path.name} is named {scenario.name}"
        assert len(digest) == 64
        assert set(scenario.markets) <= {m.name for m in params.markets}
        assert scenario.source.references and scenario.source.stylized


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("duration", "6h30m", "duration: Value error, '6h30m' is not a time"),
        ("step", 0, "step: Input should be greater than 0"),
        ("markets.DAI/USD.sources.fair", ..., "sources needs a 'fair' path"),
        ("markets.DAI/USD.reporters.0.source", "S9", "reporters read source 'S9'"),
        (
            "markets.DAI/USD.push.fail_rate",
            1.5,
            "markets.DAI/USD.push.fail_rate: Input should be less than or equal to 1",
        ),
        ("traders.leverage", {"low": 5, "high": 2}, "traders.leverage: Value error, high 2.0 below low 5.0"),
        ("keepers.colour", "red", "keepers.colour: Extra inputs are not permitted"),
        ("source", ..., "source: Field required"),
        ("markets.DAI/USD.sources.S1.points", [[10, 1.0], [5, 1.1]], "point times must strictly increase"),
    ],
)
def test_a_bad_field_is_named_in_one_line(path, value, message):
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(with_change(path, value), "bad.yaml")
    text = str(caught.value)
    assert text.startswith("bad.yaml: "), text
    assert message in text, text
    assert "\n" not in text


def test_times_take_units():
    scenario = parse_scenario(with_change("duration", "1.5h"))
    assert scenario.duration == 5400
    assert parse_scenario(with_change("step", "2m")).step == 120


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"fund": {"colour": 1}}, "overrides.fund.colour: no such parameter"),
        ({"markets": {"XYZ/USD": {"risk": {"base_mmr": 0.1}}}}, "overrides.markets.XYZ/USD: no such market"),
        ({"markets": {"DAI/USD": {"risk": {"base_mmr": 0.9}}}}, "markets.2.risk.base_mmr"),
    ],
)
def test_overrides_are_checked_like_a_parameter_file(overrides, message):
    scenario = parse_scenario(with_change("overrides", overrides))
    with pytest.raises(ScenarioError) as caught:
        suite_params(scenario)
    assert message in str(caught.value)


def test_overrides_change_exactly_the_fields_they_name():
    scenario = parse_scenario(
        with_change("overrides", {"markets": {"DAI/USD": {"risk": {"base_mmr": 0.08}}}})
    )
    changed, plain = suite_params(scenario), suite_params(parse_scenario(BASE))
    assert str(changed.markets[2].risk.base_mmr) == "0.08"
    assert changed.markets[2].risk.model_copy(update={"base_mmr": plain.markets[2].risk.base_mmr}) == (
        plain.markets[2].risk
    )
    assert changed.markets[:2] == plain.markets[:2] and changed.fund == plain.fund


def test_a_market_the_parameter_file_lacks_is_refused():
    data = with_change("markets", {"DOGE/USD": BASE["markets"]["DAI/USD"]})
    with pytest.raises(ScenarioError, match=r"markets\.DOGE/USD: no such market in simulation.json"):
        suite_params(parse_scenario(data))


def test_a_fund_of_its_own_is_refused_for_a_shared_market():
    data = with_change("markets.DAI/USD.fund", 20_000)
    with pytest.raises(
        ScenarioError, match=r"markets\.DAI/USD\.fund: DAI/USD is a shared market in simulation"
    ):
        suite_params(parse_scenario(data))
    with pytest.raises(ScenarioError, match=r"markets\.DAI/USD\.fund: Input should be greater than 0"):
        parse_scenario(with_change("markets.DAI/USD.fund", 0))


def test_a_file_that_is_not_yaml_says_where(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nmarkets: [unclosed\n")
    with pytest.raises(ScenarioError, match=r"bad.yaml: not valid YAML \(line \d+"):
        load_scenario(bad)
    with pytest.raises(ScenarioError, match="cannot read"):
        load_scenario(tmp_path / "missing.yaml")
