"""The engine gas benchmark as an `ape run` script: `ape run bench_engine`, the same tables as
`bulwark bench gas engine` (bulwark.commands.bench.gas)."""

from bulwark.commands.bench.gas import single_benchmark

cli = single_benchmark("engine")
