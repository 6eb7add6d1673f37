"""The guardian gas benchmark as an `ape run` script: `ape run bench_guardian`, the same tables as
`bulwark bench gas guardian` (bulwark.commands.bench.gas)."""

from bulwark.commands.bench.gas import single_benchmark

cli = single_benchmark("guardian")
