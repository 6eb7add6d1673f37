"""The `bulwark` command line: one click group whose subcommands are the modules of `bulwark.commands`,
and the pieces those commands (and the `ape run` scripts over them) share.

Adding a command is adding one module: `bulwark/commands/<name>.py` (or a package, for a group of
subcommands such as `bench`) that defines a click command called `cli`.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
import tempfile
from pathlib import Path
from typing import NamedTuple

import click

from bulwark import PROJECT_ROOT
from bulwark.params import DEFAULT_PARAMS

LOCAL_NETWORK = "ethereum:local:foundry"  # ape-foundry starts its own Anvil and stops it afterwards

# Where `bulwark` was started: relative paths on its command line mean paths from there, although the
# command runs in the project directory (Ape's project is the working directory's).
_invoked_from: Path | None = None


def require_local(network, what: str) -> None:
    """Commands that move the node's clock refuse live networks with a one-line usage error."""
    if not network.is_local:
        raise click.UsageError(f"{what} moves the node's clock, so it runs only locally (got {network.name})")


def local_only(what: str):
    """A `network_option` callback that refuses a live network while arguments are parsed, before
    anything connects to it."""

    def callback(ctx, param, value):
        network = getattr(value, "network", None)
        if network is not None and not network.is_local:
            raise click.BadParameter(f"{what} moves the node's clock, so it runs only locally", ctx, param)
        return value

    return callback


class UserPath(click.Path):
    """A click.Path read relative to the directory `bulwark` was started from."""

    def convert(self, value, param, ctx):
        if _invoked_from is not None and not os.path.isabs(value):
            value = os.path.join(_invoked_from, value)
        return super().convert(value, param, ctx)


class ParamsFile(NamedTuple):
    path: Path
    params: object  # bulwark.params.SuiteParams
    raw: bytes  # the file's exact bytes, hashed into a deployment record


def params_option(demo_for: str | None = None):
    """`--params FILE`, read and validated while arguments are parsed, so a bad file is a one-line usage
    error before any node starts. The command receives `params_file`, a ParamsFile. `demo_for` names a
    command that reads the demo-only fields (`pause.demo_duration`): a file without them is refused."""

    def validated(ctx, param, path):
        from bulwark.params import ParamsError, read_params

        try:
            params, raw = read_params(path)
            if demo_for is not None:
                params.require_demo_fields(path, demo_for)
        except ParamsError as err:
            raise click.BadParameter(str(err), ctx, param) from None
        return ParamsFile(path, params, raw)

    return click.option(
        "--params",
        "params_file",
        type=UserPath(exists=True, dir_okay=False, path_type=Path),
        default=DEFAULT_PARAMS,
        show_default=True,
        callback=validated,
        help="Suite parameter file.",
    )


class PackageGroup(click.Group):
    """A group whose subcommands are the public modules of `package`, each defining a click command
    `cli`; a module's command is imported only when it runs (or `--help` lists it)."""

    def __init__(self, *args, package: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.package = package

    def list_commands(self, ctx):
        path = importlib.import_module(self.package).__path__
        return sorted(m.name.replace("_", "-") for m in pkgutil.iter_modules(path) if m.name[0] != "_")

    def get_command(self, ctx, name):
        if name not in self.list_commands(ctx):
            return None
        command = importlib.import_module(f"{self.package}.{name.replace('-', '_')}").cli
        command.name = name
        return command


cli = PackageGroup(
    name="bulwark",
    package="bulwark.commands",
    help="Deploy, demonstrate and measure the Bulwark suite. Local commands start their own Anvil.",
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _enter_project() -> None:
    """What the Makefile sets up, for `bulwark` started directly: the project as working directory, the
    pinned toolchain first on PATH, py-solc-x's folder and Ape's scratch space inside the project (see
    the Makefile)."""
    global _invoked_from
    _invoked_from = Path.cwd()
    os.chdir(PROJECT_ROOT)
    toolchain = PROJECT_ROOT / ".toolchain"
    os.environ["PATH"] = os.pathsep.join(
        [str(toolchain / "bin"), str(PROJECT_ROOT / "node_modules" / ".bin"), os.environ.get("PATH", "")]
    )
    (toolchain / "tmp").mkdir(parents=True, exist_ok=True)
    os.environ["TMPDIR"] = str(toolchain / "tmp")
    os.environ["SOLCX_BINARY_PATH"] = str(toolchain / "solcx")  # this checkout's compiler registration
    tempfile.tempdir = None  # read TMPDIR again


def main() -> None:
    """The `bulwark` console script. Any usage or command error is one line on stderr and a non-zero
    exit, never a traceback."""
    _enter_project()
    try:
        code = cli.main(prog_name="bulwark", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except click.ClickException as err:
        hint = ""
        if isinstance(err, click.UsageError) and err.ctx is not None:
            hint = f" (see '{err.ctx.command_path} --help')"
        click.echo(f"Error: {' '.join(err.format_message().split())}{hint}", err=True)
        sys.exit(err.exit_code)
    sys.exit(code if isinstance(code, int) else 0)
