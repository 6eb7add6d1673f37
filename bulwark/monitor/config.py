"""The monitor's configuration: detector thresholds, which detectors act and how, alert sinks.

Every field has a default, so `bulwark monitor` runs without a file; `--config FILE` (YAML or JSON)
overrides what it names. A bad file fails in one line naming the field (`MonitorConfigError`).

Actions are fast pauses through the PauseGuardian of scopes that shift no losses (the engine's TRADE
and WITHDRAW, the fund's DEPOSIT): pausing a loss-shifting scope (liquidations, deposits to the
engine, redemptions, cover, oracle pokes and reads) moves a loss from one party to another, which a
machine must not decide; the config refuses it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bulwark.abi.scopes import LOSS_SHIFTING, EngineScope, FundScope
from bulwark.validation import one_line

Fraction = Annotated[float, Field(gt=0, le=1)]
SCOPES = {"MarginEngine": EngineScope, "InsuranceFund": FundScope}
SUSPENDING = ("MON-12", "MON-14")  # the detectors whose alerts name one reporter


class MonitorConfigError(ValueError):
    """A monitor configuration that cannot be used; the message is one line."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Thresholds(_Strict):
    about_stale: Fraction = Field(0.75, description="MON-02: fraction of maxStaleness")
    divergence: Fraction = Field(0.05, description="MON-04: |served / reference - 1|")
    drawdown: Fraction = Field(0.10, description="MON-05: fall of the fund's assets from their peak")
    drawdown_window: int = Field(3600, gt=0, description="MON-05: [s] the peak is looked for this far back")
    outflow: Fraction = Field(0.8, description="MON-06: fraction of maxOutflow paid in the window")
    liquidations: int = Field(10, ge=0, description="MON-08: more Liquidated events than this in the window")
    liquidation_window: int = Field(
        300, gt=0, description="MON-08: [s] the blocks counted, back from this one"
    )
    pause_expiry: int = Field(1800, gt=0, description="MON-10: [s] warn this long before a pause ends")
    reporter_silence: int = Field(1800, gt=0, description="MON-12: [s] without a report from one reporter")
    underwater_share: Fraction = Field(0.25, description="MON-13: share of accounts below maintenance")
    ratio_accounts: int = Field(4, ge=1, description="MON-13: fewest accounts with positions to judge")
    outlier: Fraction = Field(0.05, description="MON-14: |report / its poke's median - 1|")


class Action(_Strict):
    """What a detector's alert does: a fast pause of `scopes` on `contract` for `duration` seconds
    (capped at the guardian's maxPause), or, with `suspend` set, a fast suspension of the reporter the
    alert names (MON-12, MON-14) for `suspend` seconds. The guardian takes one signer's approval for a
    suspension only while the oracle has a spare reporter (reporters > quorum + faultTolerance);
    otherwise it needs shift_pause_threshold signers, and the monitor reports that."""

    contract: Literal["MarginEngine", "InsuranceFund"] = "MarginEngine"
    scopes: list[str] = Field(default_factory=lambda: ["TRADE"], min_length=1)
    duration: int = Field(6 * 3600, gt=0, description="[s]")
    suspend: int | None = Field(None, gt=0, description="[s] suspend the reporter instead of pausing")

    @model_validator(mode="after")
    def _safe(self):
        flags = SCOPES[self.contract]
        for name in self.scopes:
            if name not in flags.__members__:
                known = ", ".join(flags.__members__)
                raise ValueError(f"{self.contract} has no scope {name!r} (it has {known})")
            if flags[name] & LOSS_SHIFTING[flags]:
                raise ValueError(
                    f"{self.contract}.{name} shifts losses between parties: the monitor never pauses it "
                    "(signers decide that, with `bulwark guardian`)"
                )
        return self

    def mask(self, scopes: list[str] | None = None) -> int:
        """The scope bits of `scopes` (default: all of this pause's)."""
        flags = SCOPES[self.contract]
        mask = 0
        for name in self.scopes if scopes is None else scopes:
            mask |= flags[name]
        return mask


def _default_actions() -> dict[str, Action]:
    trade = Action()
    outflows = Action(scopes=["TRADE", "WITHDRAW"])
    return {
        "MON-01": trade,
        "MON-03": trade,
        "MON-04": trade,
        "MON-05": outflows,
        "MON-11": outflows,
        "MON-15": trade,
    }


class MonitorConfig(_Strict):
    thresholds: Thresholds = Thresholds()
    act: dict[str, Action] = Field(
        default_factory=_default_actions, description="detector ID -> its pause, or a reporter suspension"
    )
    references: dict[str, str] = Field(
        default_factory=dict, description="market name -> an AggregatorV3 feed to compare with (MON-04)"
    )
    alerts_file: str | None = Field(None, description="append every alert here too (JSON lines)")
    webhook: str | None = Field(None, description="POST every alert here (JSON)")
    heartbeat: int = Field(60, gt=0, description="[s] between heartbeat lines")
    poll: float = Field(1.0, gt=0, description="[s] between polls for a new block")

    @model_validator(mode="after")
    def _known(self):
        from bulwark.monitor.detectors import BY_ID

        for key, action in self.act.items():
            if key not in BY_ID:
                raise ValueError(f"act: no detector {key} (known: {', '.join(BY_ID)})")
            if action.suspend is not None and key not in SUSPENDING:
                raise ValueError(f"act.{key}: only {' and '.join(SUSPENDING)} name a reporter to suspend")
        return self


def load_config(path: Path | str | None) -> MonitorConfig:
    """The configuration in `path` (YAML or JSON), or the defaults; MonitorConfigError in one line."""
    if path is None:
        return MonitorConfig()
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except OSError as err:
        raise MonitorConfigError(f"{path}: cannot read ({err.strerror})") from None
    except yaml.YAMLError as err:
        raise MonitorConfigError(f"{path}: not valid YAML or JSON ({getattr(err, 'problem', err)})") from None
    try:
        return MonitorConfig.model_validate(data)
    except ValidationError as err:
        raise MonitorConfigError(one_line(err, path)) from None
