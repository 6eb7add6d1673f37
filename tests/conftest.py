"""Shared fixtures and Hypothesis profiles.

Every test runs against an Anvil node that ape-foundry starts (ape-config.yaml) and stops at the end
of the session; Ape reverts the chain to a snapshot around each test.

Hypothesis profiles, chosen with BULWARK_HYPOTHESIS_PROFILE (default ``ci``):
  ci    bounded so the whole suite stays inside 10 minutes on a 2-core machine (the lane machines: 150
        examples x 30 steps on revm, 8 x 15 on Anvil, bulwark/fuzz/profiles.py; other properties 20 x 15)
  deep  long campaigns for the scheduled CI job or a night on a workstation
Outside CI (no ``CI`` variable) failing examples are stored in .hypothesis/examples and replayed first
on the next run; in CI the failing example is printed with a @reproduce_failure blob instead, and the
database is kept too only with BULWARK_EXAMPLE_DATABASE=1 (the GitHub workflow sets it and caches the
folder between runs, so a failure found once is replayed first in the next run).
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase

from bulwark import PROJECT_ROOT
from bulwark.deploy import GuardianBounds, deploy_pause_guardian
from bulwark.fuzz.profiles import PROFILE_VARIABLE, profile_name
from bulwark.model.guardian import TEST_BOUNDS, TEST_DELAY, TEST_THRESHOLDS

EXAMPLE_DATABASE = PROJECT_ROOT / ".hypothesis" / "examples"
EXAMPLE_DATABASE_VARIABLE = "BULWARK_EXAMPLE_DATABASE"


def keep_example_database() -> bool:
    """Outside CI always; in CI only when BULWARK_EXAMPLE_DATABASE=1 (a cached database)."""
    return not os.environ.get("CI") or os.environ.get(EXAMPLE_DATABASE_VARIABLE) == "1"


_common = {
    # A transaction on Anvil takes milliseconds, and timing is the node's business, not a property.
    "deadline": None,
    # Examples reuse Ape's fixtures; each stateful example restores its own chain snapshot.
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    "database": DirectoryBasedExampleDatabase(EXAMPLE_DATABASE) if keep_example_database() else None,
    "print_blob": True,
}
settings.register_profile("ci", max_examples=20, stateful_step_count=15, **_common)
settings.register_profile("deep", max_examples=400, stateful_step_count=60, **_common)

try:
    _profile = profile_name()
except ValueError as err:
    raise pytest.UsageError(str(err)) from None
settings.load_profile(_profile)  # the lane machines take their volume from bulwark.fuzz.profiles


def pytest_report_header(config):
    return f"hypothesis profile: {_profile} ({PROFILE_VARIABLE})"


@pytest.fixture(scope="session")
def guardian(accounts):
    """The suite's admin. An EOA here; the PauseGuardian multisig once it exists (issue 3)."""
    return accounts[0]


@pytest.fixture(scope="session")
def stranger(accounts):
    """An account with no role anywhere."""
    return accounts[9]


@pytest.fixture(scope="session")
def guardian_signers(accounts):
    """Five PauseGuardian signers (Anvil test accounts 1-5; their keys sign approvals)."""
    return list(accounts[1:6])


@pytest.fixture(scope="session", autouse=True)
def _roles_before_state(guardian, stranger, guardian_signers):
    """Create every role fixture first: Ape's isolation rebases (slowly) when a session fixture
    is first requested after a module fixture has changed the chain."""


@pytest.fixture(scope="module", params=[6, 18], ids=["6dec", "18dec"])
def decimals(request) -> int:
    """Collateral decimals: fund and engine tests run with both."""
    return request.param


@pytest.fixture(scope="module")
def token(project, guardian, decimals):
    """A collateral token (MockERC20) with `decimals`."""
    return guardian.deploy(project.MockERC20, "USD Coin", "USDC", decimals)


@pytest.fixture(scope="module")
def guarded(project, guardian):
    """A GuardedMock administered by `guardian`."""
    return guardian.deploy(project.GuardedMock, guardian)


# PauseGuardian defaults for tests: 3-of-5, cancel 2, pause 1, loss-shifting pause 2, breaker 2, 2-day delay.
GUARDIAN_BOUNDS = GuardianBounds(*TEST_BOUNDS)  # 1 h, 30 days, 7 days, 3 days


@pytest.fixture(scope="module")
def deploy_guardian(project, accounts):
    """Factory: deploy a PauseGuardian with the given signers and settings."""

    def deploy(
        signers,
        threshold=TEST_THRESHOLDS[0],
        cancel_threshold=TEST_THRESHOLDS[1],
        pause_threshold=TEST_THRESHOLDS[2],
        shift_pause_threshold=TEST_THRESHOLDS[3],
        breaker_threshold=TEST_THRESHOLDS[4],
        delay=TEST_DELAY,
        bounds=GUARDIAN_BOUNDS,
        pausers=(),
    ):
        return deploy_pause_guardian(
            project,
            accounts[0],
            [s.address for s in signers],
            (threshold, cancel_threshold, pause_threshold, shift_pause_threshold, breaker_threshold),
            delay,
            bounds,
            [p.address for p in pausers],
        )

    return deploy


@pytest.fixture(scope="module")
def pause_guardian(deploy_guardian, guardian_signers):
    """A 3-of-5 PauseGuardian (cancel 2, pause 1, loss-shifting pause 2, breaker 2) over
    `guardian_signers`."""
    return deploy_guardian(guardian_signers)


@pytest.fixture(scope="module")
def guarded_by_multisig(project, accounts, pause_guardian):
    """A GuardedMock whose guardian is `pause_guardian`."""
    return accounts[0].deploy(project.GuardedMock, pause_guardian)
