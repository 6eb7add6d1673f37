"""Line and branch coverage of the contracts a campaign reached (docs/COVERAGE.md).

- `trace`: executed PCs and JUMPI outcomes per runtime code, from the chain lane's transactions
  (pyrevm's EIP-3155 tracer on revm, `debug_traceTransaction` struct logs on Anvil);
- `sourcemap`: the runtime source maps (the project compiled again with Ape's settings, checked
  against Ape's build), PC -> file and line;
- `report`: per-file figures, the never-hit lines, `lcov.info`, and the campaign summary's section.
"""
