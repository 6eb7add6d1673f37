"""Deploy and wire the Bulwark suite from a parameter file (bulwark.params).

The suite grows with each contract: today the PauseGuardian (the admin of everything), the collateral
token and a Guarded demonstration target; MedianOracle, InsuranceFund and MarginEngine join as they land
(issues 4-6). Scripts and tests share this one function.
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
    guardian: Any  # PauseGuardian contract: the only admin
    signers: list  # the guardian's signer accounts when they are local (Anvil) accounts, else []
    collateral: Any  # ERC20 contract instance
    guarded: Any  # GuardedMock: a stand-in pause target until the real contracts exist


def deploy_suite(project, deployer, params: SuiteParams, local_accounts=None) -> Suite:
    """Deploy every contract the parameters describe and make the PauseGuardian their admin.

    `local_accounts` (Anvil test accounts) are needed when the parameters name `anvil_signers`.
    """
    g = params.guardian
    if g.anvil_signers is not None:
        if local_accounts is None:
            raise ValueError("anvil_signers needs local test accounts")
        signers = list(local_accounts[1 : 1 + g.anvil_signers])
        signer_addresses = [s.address for s in signers]
    else:
        signers, signer_addresses = [], list(g.signers or [])
    bounds = GuardianBounds(g.min_delay, g.max_delay, g.grace_period, g.max_pause_duration)
    thresholds = (g.threshold, g.cancel_threshold, g.pause_threshold)
    guardian = deploy_pause_guardian(project, deployer, signer_addresses, thresholds, g.delay, bounds)
    if params.collateral.deploy_mock:
        c = params.collateral
        collateral = deployer.deploy(project.MockERC20, c.name, c.symbol, c.decimals)
    else:
        collateral = project.MockERC20.at(params.collateral.address)  # any ERC20 ABI will do
    guarded = deployer.deploy(project.GuardedMock, guardian)
    return Suite(guardian=guardian, signers=signers, collateral=collateral, guarded=guarded)
