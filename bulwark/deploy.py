"""Deploy and wire the Bulwark suite from a parameter file (bulwark.params).

The suite grows with each contract: today the collateral token and a Guarded demonstration target
administered by the guardian; the PauseGuardian, MedianOracle, InsuranceFund and MarginEngine join as
they land (issues 3-6). Scripts and tests share this one function.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bulwark.params import SuiteParams


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
