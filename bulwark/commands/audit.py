"""`bulwark audit scope|invariants`: the generated parts of the audit pack (docs/audit/).

Each prints its markdown block on stdout. `--check FILE` compares it with the block in FILE and exits 1
(naming the command that regenerates it) when they differ, 0 when they agree; `--write FILE` replaces
the block in FILE (between its markers; appended if it has none). Nothing connects to a node.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from bulwark.audit import generated_block, replace_block
from bulwark.cli import UserPath


@click.group("audit", short_help="Generate the audit pack's scope table and invariant map")
def cli():
    """The audit pack (docs/audit/): its generated tables, and whether the committed copies are stale."""


def _emit(render, begin: str, end: str, name: str, check: Path | None, write: Path | None) -> None:
    if check is not None and write is not None:
        raise click.UsageError("give --check or --write, not both")
    block = render()
    if check is not None:
        committed = generated_block(check.read_text(), begin, end)
        if committed != block:
            what = "has no generated block" if committed is None else "is stale"
            click.echo(f"{check} {what}: run `bulwark audit {name} --write {check}`", err=True)
            sys.exit(1)
        click.echo(f"{check} is up to date")
        return
    if write is not None:
        write.write_text(replace_block(write.read_text() if write.exists() else "", block, begin, end))
        click.echo(f"wrote {write}")
        return
    click.echo(block, nl=False)


def _options(command):
    command = click.option(
        "--write",
        type=UserPath(dir_okay=False, path_type=Path),
        help="Replace the generated block in FILE.",
    )(command)
    return click.option(
        "--check",
        type=UserPath(exists=True, dir_okay=False, path_type=Path),
        help="Exit 1 if FILE's generated block differs from what the code gives now.",
    )(command)


@cli.command("scope")
@_options
def scope(check: Path | None, write: Path | None):
    """The scope table: every file under contracts/ but contracts/mocks/, with its nSLOC."""
    from bulwark.audit import scope as module

    _emit(module.render, module.BEGIN, module.END, "scope", check, write)


@cli.command("invariants")
@_options
def invariants(check: Path | None, write: Path | None):
    """Each invariant ID with the tests that fail with it as their message."""
    from bulwark.audit import invariants as module

    _emit(module.render, module.BEGIN, module.END, "invariants", check, write)
