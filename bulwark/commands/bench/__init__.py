"""`bulwark bench`: benchmarks, one subcommand per module of this package (`gas` today)."""

from bulwark.cli import PackageGroup

cli = PackageGroup(name="bench", package=__name__, help="Benchmarks on a local Anvil.")
