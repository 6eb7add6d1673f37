"""Suite parameter files: parsed and validated before anything is deployed.

A bad file is reported in one line naming the file, the field and the problem (``ParamsError``).

Units in the file are human ones: rates, prices and sizes are decimal numbers (``0.05``, ``"2000.5"``)
that `wad` turns into the contracts' WAD integers exactly (JSON numbers are read as decimals, never as
binary floats); times are seconds; `fund.max_outflow` is in whole collateral tokens. The bounds below
mirror the contracts' own checks, so a file that loads is one the constructors accept.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Annotated

from eth_utils import is_address, to_checksum_address
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from bulwark import PROJECT_ROOT
from bulwark.model.oracle import MAX_FUTURE_SKEW, MAX_REPORTERS, tolerates
from bulwark.units import DAY, to_wad
from bulwark.validation import one_line

DEFAULT_PARAMS = PROJECT_ROOT / "params" / "local.json"  # the local demo file every command defaults to

MAX_MARKETS = 16  # MarginEngine.MAX_MARKETS


class ParamsError(ValueError):
    """A parameter file that cannot be used; the message is one line."""


def _address(value: str) -> str:
    if not is_address(value):
        raise ValueError(f"{value!r} is not an address (0x and 40 hex digits, valid checksum if mixed case)")
    return to_checksum_address(value)


Address = Annotated[str, AfterValidator(_address)]
# A decimal with at most 18 places, so that value * 1e18 is exact.
Dec = Annotated[Decimal, Field(allow_inf_nan=False, decimal_places=18)]
Seconds = Annotated[int, Field(ge=0, lt=2**32)]


def wad(value: Decimal) -> int:
    """A decimal from the file as a WAD integer (exact: fields allow at most 18 places)."""
    return to_wad(value)


def token_units(value: Decimal, decimals: int, field: str) -> int:
    """Whole tokens as the token's smallest units; ParamsError if finer than `decimals` allows."""
    units = value * 10**decimals
    if units != units.to_integral_value():
        raise ParamsError(f"{field}: {value:f} is finer than the collateral's {decimals} decimals")
    return int(units)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CollateralParams(_Strict):
    deploy_mock: bool = Field(description="deploy a MockERC20 (local networks only)")
    address: Address | None = Field(default=None, description="an existing token, when not a mock")
    name: str = "Mock USD"
    symbol: str = "mUSD"
    decimals: int = Field(default=6, ge=0, le=18)

    @model_validator(mode="after")
    def _mock_or_address(self):
        if self.deploy_mock == (self.address is not None):
            raise ValueError("give either deploy_mock: true or an address, not both or neither")
        return self


# PauseGuardian's thresholds in constructor order (IPauseGuardian)
THRESHOLDS = (
    "threshold",
    "cancel_threshold",
    "pause_threshold",
    "shift_pause_threshold",
    "breaker_threshold",
)


class GuardianParams(_Strict):
    """PauseGuardian: signers (addresses, or the first N Anvil test accounts after the deployer) and its
    thresholds, with the contract's bounds: 1 <= cancel <= N and
    1 <= pause <= shift_pause <= breaker <= threshold <= N, shift_pause >= 2 with two or more signers."""

    signers: list[Address] | None = Field(default=None, min_length=1, max_length=20)
    anvil_signers: int | None = Field(default=None, ge=1, le=9)
    threshold: int = Field(ge=1, le=20)
    cancel_threshold: int = Field(ge=1, le=20)
    pause_threshold: int = Field(ge=1, le=20, description="fast pauses that shift no losses")
    shift_pause_threshold: int = Field(
        ge=1, le=20, description="fast pauses of loss-shifting scopes, suspensions past the spare keys"
    )
    breaker_threshold: int = Field(ge=1, le=20, description="fast clear of a tripped oracle breaker")
    delay: int = Field(ge=0, description="[s]")
    min_delay: int = Field(ge=0, description="[s]")
    max_delay: int = Field(gt=0, le=365 * DAY, description="[s]")
    grace_period: int = Field(gt=0, le=365 * DAY, description="[s]")
    max_pause_duration: int = Field(gt=0, le=365 * DAY, description="[s]")
    pausers: list[Address] = Field(
        default_factory=list,
        max_length=8,
        description="pause-only keys (a monitor's): each one's call counts on the fast path only for "
        "pauses that shift no losses and suspensions of spare reporters (GRD-06)",
    )

    @model_validator(mode="after")
    def _consistent(self):
        if (self.signers is None) == (self.anvil_signers is None):
            raise ValueError(
                "give either signers (addresses) or anvil_signers (a count), not both or neither"
            )
        if self.signers is not None and len(set(self.signers)) != len(self.signers):
            raise ValueError("signers lists an address twice")
        if len(set(self.pausers)) != len(self.pausers):
            raise ValueError("pausers lists an address twice")
        both = set(self.pausers) & set(self.signers or [])
        if both:
            raise ValueError(
                f"{sorted(both)[0]} is both a signer and a pauser: a pause-only key must not be a signer"
            )
        count = self.anvil_signers or len(self.signers or [])
        for name in THRESHOLDS:
            if getattr(self, name) > count:
                raise ValueError(f"{name} {getattr(self, name)} exceeds the {count} signers")
        p, s, b, t = self.pause_threshold, self.shift_pause_threshold, self.breaker_threshold, self.threshold
        if not p <= s <= b <= t:
            raise ValueError(
                f"thresholds must order as pause_threshold {p} <= shift_pause_threshold {s} <= "
                f"breaker_threshold {b} <= threshold {t}"
            )
        if count >= 2 and s < 2:
            raise ValueError(
                f"shift_pause_threshold {s} must be at least 2 with {count} signers, so that no single key "
                "pauses a loss-shifting scope"
            )
        if not self.min_delay <= self.delay <= self.max_delay:
            raise ValueError(
                f"delay {self.delay} outside [min_delay {self.min_delay}, max_delay {self.max_delay}]"
            )
        return self


class FundParams(_Strict):
    """InsuranceFund: share token, the outflow cap's window (fixed at deployment) and its Params."""

    name: str = Field(min_length=1)
    symbol: str = Field(min_length=1)
    outflow_window: int = Field(ge=3600, le=30 * DAY, description="[s]")
    cooldown: int = Field(ge=3600, le=90 * DAY, description="[s] request to redeem window")
    redeem_window: int = Field(ge=3600, le=30 * DAY, description="[s]")
    max_outflow: Dec = Field(gt=0, le=10**20, description="[whole tokens] most cover pays per outflow window")


class OracleParams(_Strict):
    """MedianOracle: reporters (addresses, or N bulwark.signing.reports test keys) and its Config."""

    reporters: list[Address] | None = Field(default=None, min_length=1, max_length=MAX_REPORTERS)
    test_reporters: int | None = Field(
        default=None, ge=1, le=MAX_REPORTERS, description="public test keys: local networks only"
    )
    quorum: int = Field(ge=1, le=MAX_REPORTERS)
    fault_tolerance: int = Field(
        ge=0, le=MAX_REPORTERS // 2, description="[count] hostile reporter keys tolerated (ORA-05)"
    )
    max_report_age: Seconds = Field(gt=0, description="[s] below max_staleness")
    max_future_skew: Seconds = Field(le=MAX_FUTURE_SKEW, description="[s] reporters' clock skew")
    max_staleness: Seconds = Field(gt=0)
    confirm_delay: Seconds
    volatility_tau: Seconds = Field(gt=0)
    volatility_interval: Seconds = Field(gt=0, description="[s] shortest gap between volatility samples")
    max_deviation: Dec = Field(gt=0, le=18, description="[fraction] largest move served untripped")
    min_price: Dec = Field(gt=0, le=10**20)
    max_price: Dec = Field(gt=0, le=10**20)

    @model_validator(mode="after")
    def _consistent(self):
        if (self.reporters is None) == (self.test_reporters is None):
            raise ValueError(
                "give either reporters (addresses) or test_reporters (a count), not both or neither"
            )
        if self.reporters is not None and len(set(self.reporters)) != len(self.reporters):
            raise ValueError("reporters lists an address twice")
        count = self.test_reporters or len(self.reporters or [])
        if not tolerates(self.quorum, self.fault_tolerance, count):
            raise ValueError(
                f"quorum {self.quorum} with fault_tolerance {self.fault_tolerance} and {count} reporters "
                "breaks the oracle's rule: quorum >= 2 * fault_tolerance + 1, 2 * quorum > reporters, "
                "reporters >= quorum + fault_tolerance"
            )
        if self.max_report_age >= self.max_staleness:
            raise ValueError(
                f"max_report_age {self.max_report_age} must be below max_staleness {self.max_staleness}"
            )
        if self.min_price > self.max_price:
            raise ValueError(f"min_price {self.min_price} above max_price {self.max_price}")
        return self


class RiskParams(_Strict):
    """MarginEngine.RiskParams, with the engine's bounds."""

    base_mmr: Dec = Field(ge=Decimal("0.001"), le=Decimal("0.5"), description="[fraction]")
    max_mmr: Dec = Field(le=1, description="[fraction] cap of the volatility-adjusted rate")
    vol_multiplier: Dec = Field(ge=0, le=10)
    horizon: int = Field(ge=3600, le=30 * DAY, description="[s] volatility horizon")
    im_factor: Dec = Field(ge=1, le=10, description="IM / MM")
    liquidation_bonus: Dec = Field(ge=0, le=Decimal("0.5"), description="[fraction] to the liquidator")
    insurance_share: Dec = Field(ge=0, le=Decimal("0.5"), description="[fraction] to the fund")
    max_trade_deviation: Dec = Field(gt=0, le=Decimal("0.2"), description="[fraction] fill vs index")
    open_interest_cap: Dec = Field(gt=0, le=10**20, description="[base units] long open interest")
    dust_size: Dec = Field(ge=0, description="[base units] smallest position kept open")

    @model_validator(mode="after")
    def _consistent(self):
        if self.max_mmr < self.base_mmr:
            raise ValueError(f"max_mmr {self.max_mmr} below base_mmr {self.base_mmr}")
        if self.liquidation_bonus + self.insurance_share >= self.base_mmr:
            raise ValueError(
                f"liquidation_bonus + insurance_share ({self.liquidation_bonus + self.insurance_share}) "
                f"must be below base_mmr {self.base_mmr}"
            )
        if self.dust_size >= self.open_interest_cap:
            raise ValueError(
                f"dust_size {self.dust_size} must be below open_interest_cap {self.open_interest_cap}"
            )
        return self


class MarketParams(_Strict):
    name: str = Field(min_length=1, max_length=64, description="the feed, e.g. ETH/USD")
    oracle: OracleParams
    risk: RiskParams
    # Never deployed and left out of model_dump (so of the simulator's params hash): the price the team
    # expects at launch, which `bulwark params check` needs to size the fund's cap against the market's
    # open interest (bulwark.lints, PL-FND-01) and to test the oracle's price bounds (PL-ORA-08).
    reference_price: Dec | None = Field(
        default=None, gt=0, le=10**20, exclude=True, description="[price] expected at launch; lints only"
    )
    # An isolated market (IMarginEngine, Isolated markets): its own InsuranceFund, deployed with the suite,
    # alone covers its bad debt and takes its fees; a subaccount holding it holds nothing else (ENG-10).
    isolated_fund: FundParams | None = Field(
        default=None, description="the market's own fund: set for an isolated market, absent for a shared one"
    )


class PauseParams(_Strict):
    """Demo-only: read by the scripted walk (bulwark.scenario), never deployed; optional elsewhere."""

    demo_duration: int | None = Field(
        default=None, gt=0, le=7 * 24 * 3600, description="[s] pause shown in the walk"
    )


class SuiteParams(_Strict):
    description: str = ""
    collateral: CollateralParams
    guardian: GuardianParams
    fund: FundParams
    markets: list[MarketParams] = Field(min_length=1, max_length=MAX_MARKETS)
    pause: PauseParams = Field(default_factory=PauseParams, description="demo-only fields")

    @model_validator(mode="after")
    def _consistent(self):
        names = [m.name for m in self.markets]
        if len(set(names)) != len(names):
            raise ValueError(f"market names repeat: {names}")
        # every fund's share token is told apart by its name and symbol in wallets and explorers
        funds = [("fund", self.fund)] + [
            (f"markets.{i}.isolated_fund", m.isolated_fund)
            for i, m in enumerate(self.markets)
            if m.isolated_fund
        ]
        for key in ("name", "symbol"):
            seen: dict[str, str] = {}
            for where, f in funds:
                value = getattr(f, key)
                if value in seen:
                    raise ValueError(
                        f"{where}.{key} {value!r} repeats {seen[value]}.{key}: each fund needs its own"
                    )
                seen[value] = where
        demo = self.pause.demo_duration
        if demo is not None and demo > self.guardian.max_pause_duration:
            raise ValueError(
                f"pause.demo_duration {self.pause.demo_duration} exceeds guardian.max_pause_duration "
                f"{self.guardian.max_pause_duration}"
            )
        return self

    def require_demo_fields(self, source: Path | str, what: str = "the walk") -> None:
        """ParamsError (one line) unless the demo-only fields `what` reads are given."""
        if self.pause.demo_duration is None:
            raise ParamsError(
                f"{source}: pause.demo_duration is required by {what} (the length of the fast pause it "
                "shows, in seconds); production files may leave it out"
            )

    def local_only(self) -> list[str]:
        """The fields that make sense only on a local network (mock token, test accounts and keys)."""
        found = ["collateral.deploy_mock"] if self.collateral.deploy_mock else []
        if self.guardian.anvil_signers is not None:
            found.append("guardian.anvil_signers")
        found += [
            f"markets.{i}.oracle.test_reporters"
            for i, m in enumerate(self.markets)
            if m.oracle.test_reporters is not None
        ]
        return found


def read_params(path: Path | str) -> tuple[SuiteParams, bytes]:
    """The validated parameters and the file's exact bytes (for its hash in a deployment record)."""
    path = Path(path)
    try:
        text = path.read_bytes()
    except FileNotFoundError:
        raise ParamsError(f"{path}: no such file") from None
    except OSError as err:
        raise ParamsError(f"{path}: cannot read ({err.strerror})") from None
    try:
        raw = json.loads(text, parse_float=Decimal)  # 0.05 stays exactly 0.05
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        where = f"line {err.lineno}: {err.msg}" if isinstance(err, json.JSONDecodeError) else str(err)
        raise ParamsError(f"{path}: not valid JSON ({where})") from None
    return validate_params(raw, path), text


def load_params(path: Path | str) -> SuiteParams:
    """Read and validate a parameter file; raises ParamsError with a one-line reason."""
    return read_params(path)[0]


def validate_params(raw, source: Path | str = "<params>") -> SuiteParams:
    try:
        return SuiteParams.model_validate(raw)
    except ValidationError as err:
        raise ParamsError(one_line(err, source)) from None
