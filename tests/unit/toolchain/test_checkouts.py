"""The toolchain stays inside its checkout: two checkouts side by side each register the pinned solc in
their own .toolchain/solcx, both compile, removing one leaves the other compiling, and nothing is written
to the user-wide ~/.solcx (here a temporary HOME).

Each checkout is a copy of the project's own files (bulwark/, tools/, package.json) with this checkout's
node_modules linked in and a venv of its own made without pip, which sees this checkout's installed
packages through one path line: nothing is installed twice, and `bulwark` is imported from the copy."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import solcx.install

from bulwark import PROJECT_ROOT
from bulwark.toolchain import SOLCX_VARIABLE, VENV_HOOK, pinned_solc_version, solcx_folder

VERSION = pinned_solc_version()
SOURCE = (
    f"pragma solidity {VERSION};\n"
    "contract C {\n    function f() external pure returns (uint8) { return 7; }\n}\n"
)

# Run inside a checkout's venv: which compiler py-solc-x (and so ape-solidity) picks, and a compile with it.
COMPILE = f"""
import json, os, solcx, solcx.install
source = {SOURCE!r}
request = {{
    "language": "Solidity",
    "sources": {{"C.sol": {{"content": source}}}},
    "settings": {{"outputSelection": {{"*": {{"*": ["evm.deployedBytecode.object"]}}}}}},
}}
out = solcx.compile_standard(request, solc_version={VERSION!r})
print(json.dumps({{
    "variable": os.environ.get({SOLCX_VARIABLE!r}),
    "executable": str(solcx.install.get_executable({VERSION!r})),
    "installed": [str(v) for v in solcx.get_installed_solc_versions()],
    "runtime": out["contracts"]["C.sol"]["C"]["evm"]["deployedBytecode"]["object"],
}}))
"""


def make_checkout(path: Path) -> Path:
    path.mkdir()
    for name in ("bulwark", "tools"):
        shutil.copytree(PROJECT_ROOT / name, path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(PROJECT_ROOT / "package.json", path / "package.json")
    (path / "node_modules").symlink_to(PROJECT_ROOT / "node_modules")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path / ".venv")], check=True)
    [site] = (path / ".venv").glob("lib/python*/site-packages")
    # a plain path line: this checkout's packages are importable, its own .pth files are not run
    (site / "_shared-packages.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return path


def run_in(checkout: Path, home: Path, *args: str, **env_overrides: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != SOLCX_VARIABLE}
    env.update(HOME=str(home), **env_overrides)
    return subprocess.run(
        [str(checkout / ".venv" / "bin" / "python"), *args],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def compile_in(checkout: Path, home: Path, **env_overrides: str) -> dict:
    out = run_in(checkout, home, "-c", COMPILE, **env_overrides)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_two_checkouts_register_their_own_solc_and_survive_each_others_removal(tmp_path):
    """The issue's failure: one user-wide ~/.solcx/solc-v0.8.28 pointing at whichever checkout ran make
    last, so deleting that checkout broke the other. Now each has its own and ~/.solcx is never made."""
    home = tmp_path / "home"
    home.mkdir()
    first, second = make_checkout(tmp_path / "first"), make_checkout(tmp_path / "second")

    for checkout in (first, second):
        out = run_in(checkout, home, "-m", "bulwark.toolchain")
        assert out.returncode == 0, out.stderr
        registered = solcx_folder(checkout) / f"solc-v{VERSION}"
        assert f"registered at {registered}" in out.stdout
        # the registration and the hook name this checkout only
        assert str(checkout / "tools" / "solc-wasm.js") in registered.read_text()
        [hook] = (checkout / ".venv").glob(f"lib/python*/site-packages/{VENV_HOOK}")
        assert str(solcx_folder(checkout)) in hook.read_text()
    assert "first" not in (solcx_folder(second) / f"solc-v{VERSION}").read_text()

    # both build, each with its own compiler, found through the venv's hook alone (no variable set)
    built = {c.name: compile_in(c, home) for c in (first, second)}
    for checkout in (first, second):
        result = built[checkout.name]
        assert result["variable"] == str(solcx_folder(checkout))
        assert result["executable"] == str(solcx_folder(checkout) / f"solc-v{VERSION}")
        assert result["installed"] == [VERSION]
        assert len(result["runtime"]) > 20
    assert built["first"]["runtime"] == built["second"]["runtime"]

    shutil.rmtree(first)
    after = compile_in(second, home)
    assert after["executable"] == str(solcx_folder(second) / f"solc-v{VERSION}")
    assert after["runtime"] == built["second"]["runtime"]

    # the hook only fills in a variable the caller has not set
    chosen = str(tmp_path / "chosen")
    out = run_in(
        second, home, "-c", f"import os; print(os.environ[{SOLCX_VARIABLE!r}])", **{SOLCX_VARIABLE: chosen}
    )
    assert out.stdout.strip() == chosen
    assert not (home / ".solcx").exists(), "the user-wide ~/.solcx was written"


def test_this_checkout_compiles_with_its_own_registration():
    """Under make, `ape test` or the bulwark command, py-solc-x looks in this checkout's .toolchain/solcx."""
    assert Path(os.environ[SOLCX_VARIABLE]) == solcx_folder(PROJECT_ROOT)
    executable = solcx.install.get_executable(VERSION)
    assert executable == solcx_folder(PROJECT_ROOT) / f"solc-v{VERSION}"
    assert executable.is_file() and os.access(executable, os.X_OK)
