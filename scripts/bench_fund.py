"""The fund gas benchmark as an `ape run` script: `ape run bench_fund`, the same tables as
`bulwark bench gas fund` (bulwark.commands.bench.gas)."""

from bulwark.commands.bench.gas import single_benchmark

cli = single_benchmark("fund")
