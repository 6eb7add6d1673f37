"""The stress simulator: scenario files (schema), the world and its agents, runs, metrics, sweeps.

    scenario, digest = load_scenario("scenarios/black-thursday-2020.yaml")
    world = World(scenario, suite_params(scenario), "revm")
    result = run_scenario(world, scenario, seed=1, meta=...)

docs/SIMULATION.md describes the metrics, the agents and each scenario.
"""
