"""Reports of simulation runs: PNG charts (`charts`) and Markdown (`markdown`), rendered from the plain
dicts of report.json (`bulwark.sim.result.RunResult.as_dict()`), never from a chain. `formats` holds
the number formats both share, and the CLI reuses for its tables."""
