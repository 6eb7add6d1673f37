"""How much each machine explores: per profile (BULWARK_HYPOTHESIS_PROFILE: ci or deep) and backend.

revm runs a transaction in ~0.2 ms, Anvil in ~1.3 ms plus a node: CI runs every machine on revm at the
full volume and on Anvil at a slice, so both backends stay honest (tests/differential proves they agree).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, Phase, settings

PROFILE_VARIABLE = "BULWARK_HYPOTHESIS_PROFILE"
PROFILES = ("ci", "deep")

# (max_examples, stateful_step_count) per profile and backend
VOLUME = {
    "ci": {"revm": (150, 30), "anvil": (8, 15)},
    "deep": {"revm": (2_000, 60), "anvil": (100, 40)},
}


def profile_name() -> str:
    name = os.environ.get(PROFILE_VARIABLE, "ci")
    if name not in PROFILES:
        raise ValueError(f"{PROFILE_VARIABLE}={name!r}: choose one of {', '.join(PROFILES)}")
    return name


def machine_settings(backend: str, profile: str | None = None) -> settings:
    """Hypothesis settings for a lane machine on `backend` under `profile` (default: the environment's)."""
    examples, steps = VOLUME[profile or profile_name()][backend]
    return settings(
        max_examples=examples,
        stateful_step_count=steps,
        deadline=None,  # the shared machine's speed is not a property
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        # the explain phase re-runs a shrunk failure for minutes per case; the shrunk steps say enough
        phases=[phase for phase in Phase if phase != Phase.explain],
    )
