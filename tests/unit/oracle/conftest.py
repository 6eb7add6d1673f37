"""MedianOracle fixtures: an ETH/USD oracle with five test reporters, and a helper that signs and pokes
at explicit block times so every outcome is exact."""

from __future__ import annotations

import pytest

from bulwark.model.oracle import (
    DESCRIPTION,
)
from tests.fixtures.oracle import CONFIG, FEED, OracleHelper, sorted_reporters


@pytest.fixture(scope="module")
def oracle(project, guardian):
    """A MedianOracle for ETH/USD (CONFIG) administered by the `guardian` EOA, with five registered
    reporters (quorum 3, one hostile key tolerated)."""
    return guardian.deploy(
        project.MedianOracle, guardian, FEED, DESCRIPTION, tuple(CONFIG), sorted_reporters()
    )


@pytest.fixture
def helper(oracle, chain, stranger):
    return OracleHelper(oracle, chain, stranger)
