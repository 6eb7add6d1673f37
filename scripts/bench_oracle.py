"""The oracle gas benchmark as an `ape run` script: `ape run bench_oracle`, the same tables as
`bulwark bench gas oracle` (bulwark.commands.bench.gas)."""

from bulwark.commands.bench.gas import single_benchmark

cli = single_benchmark("oracle")
