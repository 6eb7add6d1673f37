"""Bulwark: the Python side of the suite (toolchain, signing, deployment, simulation, monitoring)."""

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# The checkout's native Anvil, forge and pinned solc (`make toolchain` links them here). The Makefile and
# the `bulwark` script put them first on PATH; this does the same for `ape run ...`, `ape test` and
# Python started from .venv directly, where ape-foundry would otherwise not find anvil.
_TOOLCHAIN_BIN = PROJECT_ROOT / ".toolchain" / "bin"
if _TOOLCHAIN_BIN.is_dir() and str(_TOOLCHAIN_BIN) not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = os.pathsep.join([str(_TOOLCHAIN_BIN), os.environ.get("PATH", "")])
# The checkout's own py-solc-x folder, where `make toolchain` registers the pinned solc (bulwark.toolchain),
# unless the caller named one; never the user-wide ~/.solcx another checkout may own.
os.environ.setdefault("SOLCX_BINARY_PATH", str(PROJECT_ROOT / ".toolchain" / "solcx"))

__all__ = ["PROJECT_ROOT"]
