"""The `bulwark` subcommands, one module (or package, for a group) each, each defining a click command
`cli`; `bulwark.cli` finds them here. The `ape run` scripts in scripts/ call the same commands."""
