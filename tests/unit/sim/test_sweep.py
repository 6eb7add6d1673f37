"""Sweep parameters, their values applied to a scenario, and the recommendation's search."""

from decimal import Decimal

import pytest

from bulwark.sim.batch import nearest_rank
from bulwark.sim.scenario import ScenarioError, parse_scenario, suite_params
from bulwark.sim.sweep import KNOBS, knob, parse_sweep, recommend, with_value
from tests.unit.sim.test_scenario import BASE


def test_names_are_snake_or_camel_case():
    assert knob("maxDeviation") is KNOBS["max_deviation"]
    assert knob("baseMmr") is KNOBS["base_mmr"] and knob("keeper_lag") is KNOBS["keeper_lag"]
    with pytest.raises(ScenarioError, match="unknown sweep parameter 'colour': choose one of keeper_lag"):
        knob("colour")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("base_mmr", "write PARAM=v1,v2"),
        ("base_mmr=", "write PARAM=v1,v2"),
        ("base_mmr=a,b", "must be numbers"),
    ],
)
def test_a_bad_sweep_is_one_line(text, message):
    with pytest.raises(ScenarioError, match=message):
        parse_sweep(text)


def test_values_land_where_the_parameter_lives():
    scenario = parse_scenario(BASE)
    k, values = parse_sweep("keeper_lag=3,40")
    assert values == [3, 40] and all(isinstance(v, int) for v in values)
    assert with_value(scenario, k, 40).keepers.lag_blocks == 40
    assert with_value(scenario, knob("heartbeat"), 900).markets["DAI/USD"].push.heartbeat == 900
    assert with_value(scenario, knob("fund_size"), 5e4).stakers.size == 5e4
    params = suite_params(with_value(scenario, knob("maxDeviation"), 0.2))
    assert params.markets[2].oracle.max_deviation == Decimal("0.2")
    assert params.markets[0].oracle.max_deviation == Decimal(
        "0.1"
    )  # markets outside the scenario keep theirs


def test_recommend_finds_the_most_permissive_safe_value_by_bisection():
    k = KNOBS["base_mmr"]  # lower is more permissive; deficits appear below 0.07
    calls = []

    def evaluate(value):
        calls.append(value)
        return {"runs": 4, "deficits": 2 if value < 0.07 else 0, "bad_debt_p95": 0.0}

    value, evidence = recommend(k, list(k.grid), evaluate)
    assert value == 0.08
    assert len(calls) < len(k.grid) and len(set(calls)) == len(calls)
    assert {e["value"] for e in evidence} == set(calls)
    assert all(e["deficits"] == 0 for e in evidence if e["value"] >= 0.08)


def test_recommend_says_none_when_even_the_safest_value_has_deficits():
    k = KNOBS["keeper_lag"]
    value, evidence = recommend(k, [1, 5, 50], lambda v: {"runs": 1, "deficits": 1, "bad_debt_p95": 9.0})
    assert value is None and [e["value"] for e in evidence] == [1]
    value, _ = recommend(k, [50, 1, 5], lambda v: {"runs": 1, "deficits": 0, "bad_debt_p95": 0.0})
    assert value == 50


def test_percentiles_are_nearest_rank():
    values = list(range(1, 101))
    assert (
        nearest_rank(values, 95) == 95 and nearest_rank(values, 99) == 99 and nearest_rank(values, 50) == 50
    )
    assert nearest_rank([3.0], 99) == 3.0
