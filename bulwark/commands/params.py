"""`bulwark params check FILE`: the parameter lints (bulwark.lints, docs/PARAMS.md) over one file.

Prints each finding with its severity, lint ID, the parameter's path, its value and the reason (what
breaks, who pays), then the lints it could not run and why. Exit status, for CI: 0 when there is no
error (warnings are printed but pass), 1 with any error, or with `--strict` any warning too; 2 when the
file does not validate (one line, as every command's bad input). Nothing connects to a node.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from bulwark.cli import UserPath
from bulwark.lints import check as run_lints


@click.group("params", short_help="Check a parameter file for footguns")
def cli():
    """Parameter files: lint one before it is deployed (docs/PARAMS.md)."""


@cli.command("check")
@click.argument("file", type=UserPath(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout instead of text.")
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too, not only on errors.")
def check(file: Path, as_json: bool, strict: bool):
    """Lint FILE: exit 0 without errors, 1 with errors (or warnings, with --strict), 2 if it is invalid."""
    from bulwark.params import ParamsError, load_params

    try:
        params = load_params(file)
    except ParamsError as err:
        raise click.BadParameter(str(err), param_hint="'FILE'") from None
    report = run_lints(params)
    code = report.exit_code(strict)
    if as_json:
        document = {
            "file": str(file),
            "errors": len(report.errors),
            "warnings": len(report.warnings),
            "exit": code,
            "findings": [f.as_dict() for f in report.findings],
            "skipped": [{"id": s.id, "reason": s.reason} for s in report.skipped],
        }
        click.echo(json.dumps(document, indent=2))
    else:
        click.echo(f"{file}: {report.summary()}")
        for f in report.findings:
            click.echo(f"  {f.severity:<7} {f.id}  {f.path} = {f.value}")
            click.echo(f"          {f.reason}")
        for s in report.skipped:
            click.echo(f"  skipped {s.id}  {s.reason}")
    sys.exit(code)
