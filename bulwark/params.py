"""Suite parameter files: parsed and validated before anything is deployed.

A bad file is reported in one line naming the file, the field and the problem (``ParamsError``).
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator


class ParamsError(ValueError):
    """A parameter file that cannot be used; the message is one line."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CollateralParams(_Strict):
    deploy_mock: bool = Field(description="deploy a MockERC20 (local networks only)")
    address: str | None = Field(default=None, description="an existing token, when not a mock")
    name: str = "Mock USD"
    symbol: str = "mUSD"
    decimals: int = Field(default=6, ge=0, le=18)

    @model_validator(mode="after")
    def _mock_or_address(self):
        if self.deploy_mock == (self.address is not None):
            raise ValueError("give either deploy_mock: true or an address, not both or neither")
        return self


class GuardianParams(_Strict):
    """PauseGuardian: signers (addresses, or the first N Anvil test accounts after the deployer)."""

    signers: list[str] | None = None
    anvil_signers: int | None = Field(default=None, ge=1, le=9)
    threshold: int = Field(ge=1, le=20)
    cancel_threshold: int = Field(ge=1, le=20)
    pause_threshold: int = Field(ge=1, le=20)
    delay: int = Field(ge=0, description="[s]")
    min_delay: int = Field(ge=0, description="[s]")
    max_delay: int = Field(gt=0, le=365 * 86_400, description="[s]")
    grace_period: int = Field(gt=0, le=365 * 86_400, description="[s]")
    max_pause_duration: int = Field(gt=0, le=365 * 86_400, description="[s]")

    @model_validator(mode="after")
    def _consistent(self):
        if (self.signers is None) == (self.anvil_signers is None):
            raise ValueError(
                "give either signers (addresses) or anvil_signers (a count), not both or neither"
            )
        count = self.anvil_signers or len(self.signers or [])
        for name in ("threshold", "cancel_threshold", "pause_threshold"):
            if getattr(self, name) > count:
                raise ValueError(f"{name} {getattr(self, name)} exceeds the {count} signers")
        if not self.min_delay <= self.delay <= self.max_delay:
            raise ValueError(
                f"delay {self.delay} outside [min_delay {self.min_delay}, max_delay {self.max_delay}]"
            )
        return self


class PauseParams(_Strict):
    demo_duration: int = Field(gt=0, le=7 * 24 * 3600, description="[s] pause shown in the demo")


class SuiteParams(_Strict):
    description: str = ""
    collateral: CollateralParams
    guardian: GuardianParams
    pause: PauseParams


def load_params(path: Path | str) -> SuiteParams:
    """Read and validate a parameter file; raises ParamsError with a one-line reason."""
    path = Path(path)
    try:
        raw = json.loads(path.read_text())
    except FileNotFoundError:
        raise ParamsError(f"{path}: no such file") from None
    except json.JSONDecodeError as err:
        raise ParamsError(f"{path}: not valid JSON (line {err.lineno}: {err.msg})") from None
    try:
        return SuiteParams.model_validate(raw)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(top level)"
        more = f" (and {err.error_count() - 1} more)" if err.error_count() > 1 else ""
        raise ParamsError(f"{path}: {where}: {first['msg']}{more}") from None
