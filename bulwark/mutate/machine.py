"""`python -m bulwark.mutate.machine NAME [--examples N] [--steps S]`: one lane machine on revm at a
bounded volume, derandomized (the same examples against every mutant), no example database and no
shrinking (a mutant needs one failure, not the smallest). Exit status 0 when every example passes, 1 when
one fails, 2 for an unknown machine.

The runner starts it inside the mutated copy with PYTHONPATH pointing there, so `bulwark` is the copy's
and the lane reads the copy's `.build` (bulwark.chain.artifacts reads PROJECT_ROOT/.build)."""

from __future__ import annotations

import argparse
import sys
import unittest

from hypothesis import HealthCheck, Phase, settings

from bulwark.fuzz import campaign

MACHINES = campaign.MACHINES  # the machines a mutant may name: the campaign's registry


def bounded_settings(examples: int, steps: int) -> settings:
    """Hypothesis settings for one bounded, reproducible run against a mutant."""
    return settings(
        max_examples=examples,
        stateful_step_count=steps,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
        print_blob=False,
    )


def machine_case(name: str, examples: int, steps: int) -> type[unittest.TestCase]:
    """The unittest case running machine `name` on revm with bounded settings (KeyError if unknown)."""
    if name not in MACHINES:
        raise KeyError(name)
    machine = campaign.load_machine(name)
    return machine.test_case("revm", bounded_settings(examples, steps))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bulwark.mutate.machine", description=__doc__)
    parser.add_argument("name")
    parser.add_argument("--examples", type=int, default=25)
    parser.add_argument("--steps", type=int, default=25)
    args = parser.parse_args(argv)
    if args.name not in MACHINES:
        print(f"unknown machine {args.name!r}: choose one of {', '.join(MACHINES)}", file=sys.stderr)
        return 2
    case = machine_case(args.name, args.examples, args.steps)
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(case)
    result = unittest.TextTestRunner(stream=sys.stderr, verbosity=1).run(suite)
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
