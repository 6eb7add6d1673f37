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


class PauseParams(_Strict):
    demo_duration: int = Field(gt=0, le=7 * 24 * 3600, description="[s] pause shown in the demo")


class SuiteParams(_Strict):
    description: str = ""
    collateral: CollateralParams
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
