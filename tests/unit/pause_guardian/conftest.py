"""Helpers for PauseGuardian unit tests: sign approvals, run operations through the timelock."""

import pytest

from tests.fixtures.guardian import GuardianHelper


@pytest.fixture
def helper(pause_guardian, guardian_signers, chain, stranger):
    return GuardianHelper(pause_guardian, guardian_signers, chain, stranger)
