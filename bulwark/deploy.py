"""Deploy and wire the Bulwark suite from a parameter file (bulwark.params).

The suite grows with each contract: today the collateral token and a Guarded demonstration target
administered by the guardian; the PauseGuardian, MedianOracle, InsuranceFund and MarginEngine join as
they land (issues 3-6). Scripts and tests share this one function.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bulwark.params import SuiteParams

DAY = 86_400


@dataclass(frozen=True)
class GuardianBounds:
    """PauseGuardian's immutable time bounds, in seconds."""

    min_delay: int
    max_delay: int
    grace_period: int
    max_pause: int

    def as_tuple(self) -> tuple[int, int, int, int]:
        return (self.min_delay, self.max_delay, self.grace_period, self.max_pause)


def deploy_pause_guardian(project, deployer, signers, thresholds, delay, bounds: GuardianBounds):
    """Deploy a PauseGuardian: `thresholds` is (threshold, cancelThreshold, pauseThreshold)."""
    return deployer.deploy(
        project.PauseGuardian, list(signers), list(thresholds), delay, list(bounds.as_tuple())
    )


@dataclass
class Suite:
    guardian: Any  # the admin account (the PauseGuardian contract once issue 3 lands)
    collateral: Any  # ERC20 contract instance
    guarded: Any  # GuardedMock: a stand-in target for pauses until real contracts exist


def deploy_suite(project, deployer, params: SuiteParams) -> Suite:
    """Deploy every contract the parameters describe, with `deployer` as the guardian for now."""
    if params.collateral.deploy_mock:
        c = params.collateral
        collateral = deployer.deploy(project.MockERC20, c.name, c.symbol, c.decimals)
    else:
        collateral = project.MockERC20.at(params.collateral.address)  # any ERC20 ABI will do
    guarded = deployer.deploy(project.GuardedMock, deployer)
    return Suite(guardian=deployer, collateral=collateral, guarded=guarded)
