"""Provide the pinned Solidity compiler without downloading anything outside npm and PyPI.

Installers that fetch compiler binaries (py-solc-x's ``install_solc``, solc-select, forge's own
download) fail on machines that only reach package registries. This module makes a ``solc`` of the
version the project pins available to every tool that compiles:

* ``.toolchain/bin/solc`` (used by forge and Slither through ``foundry.toml``) is a link to a native
  ``solc`` of the pinned version when one is on PATH; otherwise it is a shell shim that runs
  ``tools/solc-wasm.js``, which presents the npm ``solc`` package (WebAssembly) as a native compiler.
* The same executable is registered with py-solc-x inside the checkout, as
  ``.toolchain/solcx/solc-v<version>``, which is where ape-solidity looks for installed compilers once
  ``SOLCX_BINARY_PATH`` names that folder. Nothing is written to the user-wide ``~/.solcx``: two
  checkouts side by side each use their own registration, and removing one leaves the other working.
  ``SOLCX_BINARY_PATH`` is set by the Makefile (exported), by the ``bulwark`` command (bulwark.cli), by
  ``import bulwark``, and, for ``.venv/bin/ape ...`` or ``.venv/bin/python -m pytest`` started directly,
  by a one-line ``.pth`` file this module writes into the checkout's ``.venv`` (it sets the variable
  only where it is not set already).

It also links the native Foundry binaries (anvil, forge) that the npm ``@foundry-rs/*`` packages carry
into ``.toolchain/bin``: the packages' own Node launchers (``node_modules/.bin``) always exit 0, even when
forge fails, and a SIGKILL to the launcher leaves the real anvil running.

Run ``python -m bulwark.toolchain [--root CHECKOUT]``; it is idempotent and returns within a second when
all is in place.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from bulwark import PROJECT_ROOT

WASM_WRAPPER = PROJECT_ROOT / "tools" / "solc-wasm.js"
FOUNDRY_TOOLS = ("anvil", "forge")
SOLCX_VARIABLE = "SOLCX_BINARY_PATH"  # py-solc-x's override of ~/.solcx
VENV_HOOK = "bulwark-toolchain.pth"  # written into the checkout's .venv site-packages


def toolchain_bin(root: Path = PROJECT_ROOT) -> Path:
    """The checkout's native anvil, forge and pinned solc."""
    return root / ".toolchain" / "bin"


def solcx_folder(root: Path = PROJECT_ROOT) -> Path:
    """The checkout's own py-solc-x folder (what SOLCX_BINARY_PATH names for it)."""
    return root / ".toolchain" / "solcx"


TOOLCHAIN_BIN = toolchain_bin()


class ToolchainError(RuntimeError):
    """The compiler cannot be provided; the message says what is missing."""


@dataclass(frozen=True)
class SolcSetup:
    version: str
    kind: str  # "native" or "wasm"
    executable: Path  # .toolchain/bin/solc
    registered: Path  # the copy py-solc-x (and so ape-solidity) uses


def pinned_solc_version(root: Path = PROJECT_ROOT) -> str:
    """The compiler version the project pins: the exact npm ``solc`` version in package.json."""
    package = json.loads((root / "package.json").read_text())
    version = package["devDependencies"]["solc"]
    if not version[:1].isdigit():
        raise ToolchainError(f"package.json must pin solc exactly (found '{version}')")
    return version


def reported_version(executable: Path | str) -> str | None:
    """The x.y.z a ``solc --version`` prints, or None if it does not run."""
    try:
        out = subprocess.run(
            [str(executable), "--version"], capture_output=True, text=True, timeout=60, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    for line in out.splitlines():
        if line.startswith("Version:"):
            return line.split()[1].split("+")[0]
    return None


def find_native_solc(version: str, root: Path = PROJECT_ROOT) -> Path | None:
    """A native ``solc`` of ``version`` on PATH (outside this project's own shims), if any."""
    own = {toolchain_bin(root).resolve(), (root / ".venv" / "bin").resolve()}
    for entry in os.environ.get("PATH", "").split(os.pathsep):
        if not entry or Path(entry).resolve() in own:
            continue
        candidate = Path(entry) / "solc"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            if _is_wasm_shim(candidate):
                continue
            if reported_version(candidate) == version:
                return candidate.resolve()
    return None


def _is_wasm_shim(path: Path) -> bool:
    try:
        return WASM_WRAPPER.name.encode() in path.read_bytes()[:4096]
    except OSError:
        return False


def _wasm_shim_text(root: Path = PROJECT_ROOT) -> str:
    node = shutil.which("node")
    if node is None:
        raise ToolchainError("node is not on PATH: install Node.js 18 or newer")
    solc_package = root / "node_modules" / "solc" / "package.json"
    if not solc_package.is_file():
        raise ToolchainError("node_modules/solc is missing: run 'npm install' (make does this)")
    return (
        "#!/bin/sh\n"
        "# Generated by bulwark.toolchain: the npm WebAssembly solc presented as a native solc.\n"
        f'exec "{node}" "{root / "tools" / WASM_WRAPPER.name}" "$@"\n'
    )


def _write_if_changed(path: Path, text: str) -> bool:
    if path.is_file() and not path.is_symlink() and path.read_text() == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_symlink() or path.exists():
        path.unlink()
    path.write_text(text)
    path.chmod(0o755)
    return True


def _link(path: Path, target: Path) -> bool:
    if path.is_symlink() and path.resolve() == target:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_symlink() or path.exists():
        path.unlink()
    path.symlink_to(target)
    return True


def link_foundry_binaries(root: Path = PROJECT_ROOT) -> dict[str, Path]:
    """Link the platform's native anvil and forge from node_modules into ``.toolchain/bin``."""
    linked = {}
    for tool in FOUNDRY_TOOLS:
        found = sorted((root / "node_modules" / "@foundry-rs").glob(f"{tool}-*/bin/{tool}"))
        if not found:
            raise ToolchainError(
                f"no native {tool} under node_modules/@foundry-rs: run 'npm install' (make does this)"
            )
        _link(toolchain_bin(root) / tool, found[0].resolve())
        linked[tool] = found[0]
    return linked


def solcx_registration_path(version: str, root: Path = PROJECT_ROOT) -> Path:
    """Where py-solc-x (and therefore ape-solidity) finds ``version`` for this checkout: its own folder,
    ``.toolchain/solcx``, which SOLCX_BINARY_PATH names."""
    return solcx_folder(root) / f"solc-v{version}"


def venv_hook_text(root: Path = PROJECT_ROOT) -> str:
    """The .pth line: Python started from the checkout's .venv gets SOLCX_BINARY_PATH unless it is set."""
    return f"import os; os.environ.setdefault({SOLCX_VARIABLE!r}, {str(solcx_folder(root))!r})\n"


def install_venv_hook(root: Path = PROJECT_ROOT) -> list[Path]:
    """Write the .pth hook into every site-packages of ``root/.venv`` (none when there is no .venv)."""
    written = []
    for site in sorted((root / ".venv").glob("lib/python*/site-packages")):
        hook = site / VENV_HOOK
        text = venv_hook_text(root)
        if not (hook.is_file() and hook.read_text() == text):
            hook.write_text(text)
        written.append(hook)
    return written


def ensure_solc(root: Path = PROJECT_ROOT) -> SolcSetup:
    """Make the pinned compiler available to forge, Slither, py-solc-x and ape-solidity, inside ``root``."""
    version = pinned_solc_version(root)
    executable = toolchain_bin(root) / "solc"
    registered = solcx_registration_path(version, root)
    native = find_native_solc(version, root)
    if native is not None:
        changed = _link(executable, native) | _link(registered, native)
        kind = "native"
    else:
        shim = _wasm_shim_text(root)
        changed = _write_if_changed(executable, shim) | _write_if_changed(registered, shim)
        kind = "wasm"
    if changed:
        got = reported_version(registered)
        if got != version:
            raise ToolchainError(f"{registered} reports solc {got}, expected {version}")
    return SolcSetup(version=version, kind=kind, executable=executable, registered=registered)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bulwark.toolchain", description=__doc__.split("\n")[0])
    parser.add_argument("--root", type=Path, default=PROJECT_ROOT, help="the checkout (default: this one)")
    root = parser.parse_args(argv).root.resolve()
    try:
        foundry = link_foundry_binaries(root)
        setup = ensure_solc(root)
    except ToolchainError as err:
        print(f"toolchain: {err}", file=sys.stderr)
        return 1
    hooks = install_venv_hook(root)
    print(f"solc {setup.version} ({setup.kind}): {setup.executable} -> registered at {setup.registered}")
    print("foundry: " + ", ".join(f"{tool} -> {path.parent.parent.name}" for tool, path in foundry.items()))
    where = ", ".join(str(h.relative_to(root)) for h in hooks) or "no .venv in the checkout"
    print(f"{SOLCX_VARIABLE}={solcx_folder(root)} (set by make, bulwark, and {where})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
