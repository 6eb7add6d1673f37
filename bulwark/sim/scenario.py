"""Scenario files: a market crash described in YAML, validated by pydantic before anything deploys.

A bad file fails with one line naming the file, the field and the problem (`ScenarioError`). The schema
(every field, its unit and its default) is documented in docs/SIMULATION.md; the models below are its
definition. Times are seconds from the scenario's start, written as integers or with a unit
(`90s`, `45m`, `2h`, `1d`); prices are the market's quote (e.g. USD per ETH); token amounts are whole
collateral tokens; fractions are plain decimals (0.05 = 5%).

`overrides` is a partial parameter file (bulwark.params) merged over `params`, with markets keyed by
name, so a scenario changes exactly the fields it names and the result is validated like any file.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from bulwark import PROJECT_ROOT
from bulwark.params import DEFAULT_PARAMS, ParamsError, SuiteParams, read_params, validate_params
from bulwark.validation import one_line

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86_400}
SOURCE_FAIR = "fair"  # the fair price (not "true": YAML reads that key as a boolean)


class ScenarioError(ValueError):
    """A scenario file that cannot be used; the message is one line."""


def _seconds(value):
    if isinstance(value, str):
        match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd])\s*", value)
        if match is None:
            raise ValueError(f"{value!r} is not a time: give seconds, or a number with s, m, h or d")
        return round(float(match.group(1)) * _UNITS[match.group(2)])
    return value


Seconds = Annotated[int, BeforeValidator(_seconds), Field(ge=0)]
Fraction = Annotated[float, Field(ge=0, le=1)]
Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Window(_Strict):
    """[start, end) in scenario time."""

    start: Seconds
    end: Seconds

    @model_validator(mode="after")
    def _ordered(self):
        if self.end <= self.start:
            raise ValueError(f"end {self.end} must be after start {self.start}")
        return self

    def holds(self, t: int) -> bool:
        return self.start <= t < self.end


class Jumps(_Strict):
    """Poisson jumps of a generated path: `rate` per day, each a relative move ~ Normal(mean, stdev)."""

    rate: Annotated[float, Field(ge=0, le=1000)] = Field(description="[1/day] expected jumps per day")
    mean: Annotated[float, Field(gt=-1, lt=10)] = Field(description="[fraction] mean jump, -0.1 = -10%")
    stdev: Annotated[float, Field(ge=0, le=5)] = 0.0


class Generated(_Strict):
    """A seeded random walk: geometric Brownian motion with `drift` and `volatility` (annualised), plus
    jumps; markets' walks share one factor with correlation `scenario.correlation`."""

    start: Positive
    drift: Annotated[float, Field(ge=-100, le=100)] = Field(0.0, description="[1/year]")
    volatility: Annotated[float, Field(ge=0, le=50)] = Field(description="[1/sqrt(year)] annualised")
    jumps: Jumps | None = None


class PricePath(_Strict):
    """One source's prices: `points` as [time, price] interpolated `linear`ly or as `step`s (each price
    holds until the next point), or `generated`. Before the first point the first price holds, after the
    last the last one."""

    interpolation: Literal["linear", "step"] = "linear"
    points: list[tuple[Seconds, Positive]] | None = Field(default=None, min_length=1)
    generated: Generated | None = None

    @model_validator(mode="after")
    def _one_kind(self):
        if (self.points is None) == (self.generated is None):
            raise ValueError("give either points or generated, not both or neither")
        if self.points is not None:
            times = [t for t, _ in self.points]
            if times != sorted(set(times)):
                raise ValueError(f"point times must strictly increase, got {times}")
        return self


class BadPrint(_Strict):
    """From `at` to `until` (default: one push) the reporters of the group report `price`, or the true
    price times `factor`."""

    at: Seconds
    until: Seconds | None = None
    price: Positive | None = None
    factor: Positive | None = None

    @model_validator(mode="after")
    def _one_value(self):
        if (self.price is None) == (self.factor is None):
            raise ValueError("give either price or factor, not both or neither")
        if self.until is not None and self.until <= self.at:
            raise ValueError(f"until {self.until} must be after at {self.at}")
        return self


class Reporters(_Strict):
    """A group of a market's reporters (the next `count` of its keys, in key order): which source they
    read, their noise, delay, silences and bad prints."""

    count: int = Field(ge=1, le=32)
    source: str = SOURCE_FAIR
    noise: Annotated[float, Field(ge=0, le=0.5)] = Field(0.001, description="[fraction] stdev per report")
    delay: Seconds = Field(0, description="[s] they report the price of `delay` seconds ago")
    silent: list[Window] = Field(default_factory=list, description="windows with no reports")
    bad_prints: list[BadPrint] = Field(default_factory=list)


class Hostile(_Strict):
    """The attacker holds the first `keys` reporter keys of the market. From `start` to `end` it signs
    the served price moved by `bias` (as far as the breaker lets it: at most maxDeviation per update)
    and relays those reports itself with the fewest honest ones the quorum needs (the lowest when
    pushing down, the highest when pushing up); before and after, its keys report honestly."""

    keys: int = Field(ge=1, le=32)
    bias: Annotated[float, Field(gt=-1, lt=10, allow_inf_nan=False)] = Field(description="[fraction]")
    window: Window
    every: Seconds = Field(300, gt=0, description="[s] between the attacker's pushes")
    position: Positive = Field(description="[collateral tokens] notional of its bet on the move")
    collateral: Positive = Field(description="[tokens] the attacker's deposit")


class Push(_Strict):
    """The honest relayer: it pokes when `heartbeat` has passed since the served price or the true price
    moved `deviation` from it (Chainlink's rule), `lag_blocks` after deciding; a push fails (is dropped)
    with probability `fail_rate` inside `failing` windows."""

    heartbeat: Seconds = Field(600, gt=0)
    deviation: Fraction = 0.005
    lag_blocks: int = Field(1, ge=0, le=10_000)
    fail_rate: Fraction = 0.0
    failing: list[Window] = Field(default_factory=list)


class Market(_Strict):
    sources: dict[str, PricePath] = Field(description="source name -> path; 'fair' is required")
    reporters: list[Reporters] = Field(default_factory=list, description="groups; the rest are honest")
    hostile: Hostile | None = None
    push: Push = Push()
    fund: Positive | None = Field(
        None, description="[tokens] staked in an isolated market's own InsuranceFund at the start"
    )

    @model_validator(mode="after")
    def _sources(self):
        if SOURCE_FAIR not in self.sources:
            raise ValueError(f"sources needs a '{SOURCE_FAIR}' path (the fair price)")
        for group in self.reporters:
            if group.source not in self.sources:
                raise ValueError(f"reporters read source {group.source!r}, not in {sorted(self.sources)}")
        return self


class Congestion(_Strict):
    window: Window
    lag_blocks: int = Field(ge=0, le=10_000)


class Keepers(_Strict):
    """Liquidators: each checks every account each step, sends a liquidation of `maxLiquidation` (of
    what its own IM allows), which lands `lag_blocks` later (more inside `congestion` windows) unless it
    fails with probability `fail_rate` there; each unwinds what it took against the market maker."""

    count: int = Field(1, ge=0, le=20)
    capital: Positive = Field(description="[tokens] each keeper's deposit")
    lag_blocks: int = Field(1, ge=0, le=10_000)
    congestion: list[Congestion] = Field(default_factory=list)
    fail_rate: Fraction = Field(0.0, description="inside congestion windows")


class Range(_Strict):
    """Values drawn from [low, high], `log_uniform`ly (each factor of 2 as likely) or `uniform`ly."""

    low: Positive
    high: Positive
    draw: Literal["log_uniform", "uniform"] = "log_uniform"

    @model_validator(mode="after")
    def _ordered(self):
        if self.high < self.low:
            raise ValueError(f"high {self.high} below low {self.low}")
        return self


class Traders(_Strict):
    """The trader population, opened against the market maker: collateral and leverage (notional /
    collateral) drawn from their ranges, long with probability `long_share`,
    in `markets` (names; default every market) chosen uniformly, at `open_at` at the index."""

    count: int = Field(ge=0, le=200)
    open_at: Seconds = Field(0, description="[s] when they open their positions")
    collateral: Range
    leverage: Range
    long_share: Fraction = 0.5
    markets: list[str] | None = None
    maker_capital: Positive = Field(10_000_000, description="[tokens] the market maker's deposit")


class Stakers(_Strict):
    """The InsuranceFund's stakers: `size` tokens split over `count`; they request redemption of
    `fraction` of their shares when `run_on` happens (bad debt booked, the fund down by `drawdown`, or at
    time `at`) and redeem once their cooldown allows."""

    count: int = Field(2, ge=1, le=20)
    size: Positive = Field(description="[tokens] the fund's size at the start")
    run_on: Literal["never", "bad_debt", "drawdown", "at"] = "never"
    drawdown: Fraction = 0.1
    at: Seconds | None = None
    fraction: Fraction = 1.0


class Guardian(_Strict):
    """One pause signer who reacts `reaction` seconds after the first breaker trip or stale feed, with a
    fast pause of `scopes` on the engine for `duration`; none if `react` is false."""

    react: bool = False
    reaction: Seconds = 600
    scopes: list[Literal["TRADE", "WITHDRAW"]] = Field(default_factory=lambda: ["TRADE"])
    duration: Seconds = Field(3600, gt=0)


class Expect(_Strict):
    """What the scenario promises; `bulwark simulate` exits non-zero when a run breaks one."""

    bad_prints_served: bool | None = Field(None, description="false: no bad print is ever served")
    max_served_gap: Fraction | None = Field(None, description="largest |served/true - 1| allowed")
    max_deficit: float | None = Field(None, ge=0, description="[tokens] loss shared by traders")
    bystanders_pay: bool | None = Field(None, description="false: no account without a position loses")
    bad_debt_booked: bool | None = Field(None, description="true: some bad debt is booked")
    max_step_move: Fraction | None = Field(None, description="largest served move per update")


class Source(_Strict):
    """Where the numbers come from: public references, and which figures are stylized."""

    references: list[str] = Field(min_length=1)
    stylized: str = Field(min_length=1, description="which numbers are stylized, and how")


class Scenario(_Strict):
    name: str = Field(min_length=1, max_length=80)
    description: str = Field(min_length=1)
    source: Source
    params: str = Field(str(DEFAULT_PARAMS.relative_to(PROJECT_ROOT)), description="parameter file")
    overrides: dict = Field(default_factory=dict, description="partial parameter file merged over it")
    duration: Seconds = Field(gt=0, le=90 * 86_400)
    step: Seconds = Field(60, gt=0, description="[s] between agents' turns")
    block_time: Seconds = Field(12, gt=0, description="[s] per block, for inclusion lags")
    correlation: Annotated[float, Field(ge=-1, le=1)] = 0.0
    markets: dict[str, Market] = Field(min_length=1, description="market name (as in params) -> market")
    traders: Traders
    keepers: Keepers
    stakers: Stakers
    guardian: Guardian = Guardian()
    expect: Expect = Expect()

    @model_validator(mode="after")
    def _times(self):
        if self.step > self.duration:
            raise ValueError(f"step {self.step} longer than duration {self.duration}")
        if self.traders.open_at > self.duration:
            raise ValueError(f"traders.open_at {self.traders.open_at} after the end ({self.duration})")
        return self


def _merge(base: dict, override: dict, where: str) -> dict:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merged[key] = _merge(base[key], value, f"{where}.{key}")
        elif key not in base:
            raise ScenarioError(f"overrides{where}.{key}: no such parameter")
        else:
            merged[key] = value
    return merged


def suite_params(scenario: Scenario, base_dir: Path = PROJECT_ROOT) -> SuiteParams:
    """The scenario's parameter file with its overrides applied, validated (ScenarioError, one line)."""
    path = Path(scenario.params)
    path = path if path.is_absolute() else base_dir / path
    try:
        _, raw = read_params(path)
    except ParamsError as err:
        raise ScenarioError(f"params: {err}") from None
    data = json.loads(raw, parse_float=str)
    names = [m["name"] for m in data["markets"]]
    overrides = dict(scenario.overrides)
    by_name = overrides.pop("markets", {})
    data = _merge(data, overrides, "")
    for name, market in by_name.items():
        if name not in names:
            raise ScenarioError(f"overrides.markets.{name}: no such market in {path.name} ({names})")
        i = names.index(name)
        data["markets"][i] = _merge(data["markets"][i], market, f".markets.{name}")
    for name in scenario.markets:
        if name not in names:
            raise ScenarioError(f"markets.{name}: no such market in {path.name} ({', '.join(names)})")
    isolated = {m["name"] for m in data["markets"] if m.get("isolated_fund") is not None}
    for name, market in scenario.markets.items():
        if market.fund is not None and name not in isolated:
            raise ScenarioError(
                f"markets.{name}.fund: {name} is a shared market in {path.name}; only an isolated market "
                "(with an isolated_fund) has a fund of its own"
            )
    for name in scenario.traders.markets or []:
        if name not in scenario.markets:
            raise ScenarioError(f"traders.markets: {name!r} is not one of the scenario's markets")
    try:
        return validate_params(json.loads(json.dumps(data), parse_float=str), f"{path.name} + overrides")
    except ParamsError as err:
        raise ScenarioError(str(err)) from None


def load_scenario(path: Path | str) -> tuple[Scenario, str]:
    """The validated scenario and the sha256 of the file's bytes; ScenarioError (one line) otherwise."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise ScenarioError(f"{path}: cannot read ({err.strerror})") from None
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        raise ScenarioError(f"{path}: not valid YAML ({where}{getattr(err, 'problem', err)})") from None
    return parse_scenario(data, path.name), hashlib.sha256(raw).hexdigest()


def parse_scenario(data, source: str = "<scenario>") -> Scenario:
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as err:
        raise ScenarioError(one_line(err, source)) from None
    return scenario
